//! The driver: one run, over one step or all of them.
//!
//! observe every step -> plan every step (a later step plans against what
//! an earlier one will create) -> pre-flight (a step that cannot go on
//! stops the run before its first write) -> show the whole plan -> confirm
//! once (deletions on their own terms) -> answer the plan's decisions ->
//! apply, step by step -> summary or JSON.
//!
//! The run mode lives here and nowhere else: [`Mode::DryRun`] stops after
//! the plan, [`Mode::Apply`] goes on; `status` and the wizard's first look
//! only plan (see `status`). No step reads it.

mod apply;
mod offboard;
mod restore;
pub(crate) mod status;

use anyhow::Result;
use console::Style;

use crate::aws::sts::caller_identity;
use crate::error::UserError;
use crate::model::{plural, Caller, Seat};
use crate::plan::json::PlanDocument;
use crate::plan::{Action, ManualStep, Op, StepPlan};
use crate::steps::{step, Cx, Facts, Person, StepId};
use crate::ui::{OutputFormat, Prompter};

pub(crate) use apply::apply_plan;
pub(crate) use offboard::offboard;
pub(crate) use restore::restore;

/// What a run does after planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Show the plan, change nothing.
    DryRun,
    /// Show the plan, confirm, apply.
    Apply,
}

/// Everything a run has: AWS and the desired state, the person (or the
/// config standing in for them), and how to print the result.
pub(crate) struct Session {
    pub cx: Cx,
    pub prompt: Box<dyn Prompter>,
    pub output: OutputFormat,
}

impl Session {
    /// The person's part, for questions and console steps.
    pub(crate) fn person<'a>(&'a mut self, facts: &'a mut Facts) -> Person<'a> {
        Person {
            cx: &mut self.cx,
            prompt: &mut *self.prompt,
            facts,
        }
    }
}

/// Who is calling, with the loud warning when it is the root user.
pub(crate) async fn whoami(cx: &Cx) -> Result<Caller> {
    let caller = caller_identity(&cx.aws.sts).await.map_err(|e| {
        anyhow::Error::new(e).context("cannot tell who the AWS credentials belong to")
    })?;
    if caller.is_root() {
        cx.out.loud_warning(&[
            format!("This run uses the ROOT USER of account {}.", caller.account),
            "Root access keys are what ssosetup helps you retire: deleting them".to_string(),
            "mid-run cuts this run off. Finish the Identity Center steps, then".to_string(),
            "run again with the new Identity Center profile (`ssosetup --profile NAME login`, then `ssosetup --profile NAME ...`).".to_string(),
        ]);
    }
    Ok(caller)
}

/// The header of every plan: who, with which credentials, where.
pub(crate) fn caller_lines(cx: &Cx, caller: &Caller) -> Vec<String> {
    let who = if caller.is_root() {
        cx.out.out_style(
            Style::new().red().bold(),
            &format!("{} (ROOT USER)", caller.arn),
        )
    } else {
        caller.arn.clone()
    };
    vec![
        format!("Caller:      {who}"),
        format!("Credentials: {}", cx.aws.credentials),
        format!("Account:     {}", caller.account),
        format!("Region:      {}", cx.aws.region),
    ]
}

/// Who is calling and where from (shown atop the plan): the start of every
/// run.
pub(crate) async fn begin(s: &Session) -> Result<Facts> {
    let caller = whoami(&s.cx).await?;
    let mut facts = Facts::new(caller, &s.cx.aws.region);
    let seat = crate::steps::ensure_seat(&s.cx, &mut facts).await?;
    if s.output == OutputFormat::Text {
        for line in caller_lines(&s.cx, &facts.caller) {
            s.cx.out.data(&line);
        }
        if let Some(line) = seat_line(&facts.caller.account, &seat) {
            s.cx.out.data(&line);
        }
    }
    Ok(facts)
}

/// "Working from the delegated administrator 111122223333; the management
/// account is 999988887777." when the run does. Pure.
pub(crate) fn seat_line(account: &str, seat: &Seat) -> Option<String> {
    seat.delegated_from().map(|management| {
        format!(
            "Working from the delegated administrator {account}; the management account is {management}."
        )
    })
}

/// Working from the delegated administrator, what only the management
/// account may do is taken out of each plan's actions into its
/// `elsewhere`: shown, left, and named at the end. Pure.
pub(crate) fn leave_for_management(plans: &mut [StepPlan], facts: &Facts) {
    let Some(management) = facts.seat.delegated_from() else {
        return;
    };
    // The sets provisioned there, by ARN and by name.
    let mut provisioned = facts.provisioned_to_management.clone();
    for (name, arn) in facts.permission_sets.iter().flatten() {
        if arn
            .as_ref()
            .is_some_and(|a| facts.provisioned_to_management.contains(a))
        {
            provisioned.insert(name.clone());
        }
    }
    for plan in plans {
        let (elsewhere, here): (Vec<Action>, Vec<Action>) = std::mem::take(&mut plan.actions)
            .into_iter()
            .partition(|a| a.needs_management_account(management, &provisioned));
        plan.actions = here;
        plan.elsewhere.extend(elsewhere);
    }
}

/// With `[iac] owner` set, the steps whose resources infrastructure as
/// code now owns (those that join the apply graph: permission sets,
/// groups, assignments, users) apply nothing: every change they would make
/// is moved to `drift`, shown and never applied. Pure.
pub(crate) fn leave_for_iac(plans: &mut [StepPlan], config: &crate::config::Config) {
    if config.iac_owner().is_none() {
        return;
    }
    for plan in plans {
        if !step(plan.step).joins_the_graph() {
            continue;
        }
        let actions = std::mem::take(&mut plan.actions);
        let elsewhere = std::mem::take(&mut plan.elsewhere);
        plan.drift.extend(actions);
        plan.drift.extend(elsewhere);
        // Nothing of this step is applied: nothing to ask about.
        plan.gate = None;
        plan.typed = None;
    }
}

/// What this run leaves to others: the management account's changes
/// (working from the delegated administrator) and the IaC owner's.
pub(crate) fn leave_to_others(
    plans: &mut [StepPlan],
    facts: &Facts,
    config: &crate::config::Config,
) {
    leave_for_management(plans, facts);
    leave_for_iac(plans, config);
}

/// The line that says who owns the drifted resources, when any drifted.
/// Pure.
pub(crate) fn drift_line(
    plans: &[StepPlan],
    config: &crate::config::Config,
    path: &std::path::Path,
) -> Option<String> {
    let owner = config.iac_owner()?;
    let n: usize = plans.iter().map(|p| p.drift.len()).sum();
    (n > 0).then(|| {
        format!(
            "{} owns the permission sets, groups, assignments and users ([iac] owner in {}): {n} difference{} from the config reported as drift, nothing written. Change them in {}'s code, or the config to match.",
            owner.name(),
            path.display(),
            crate::model::plural(n),
            owner.name()
        )
    })
}

/// Observes and plans `steps` in order: the whole run's plan. A step that
/// cannot go on and that later steps need ends the planning there: what
/// comes after it would be planned against a state that cannot come about
/// (and, for a member-account caller, could not even be read).
pub(crate) async fn plan_all(
    cx: &Cx,
    facts: &mut Facts,
    steps: &[StepId],
) -> Result<Vec<StepPlan>> {
    let mut plans = Vec::new();
    for id in steps {
        let the_step = step(*id);
        let plan = match people_ahead(cx, facts, *id, steps) {
            // The users step's reads (identitystore) beside the assignments
            // step's (sso-admin): two budgets spent at once.
            Some(store) => {
                let (plan, people) = futures::join!(
                    the_step.check(cx, facts),
                    crate::steps::users::read_people(cx, &store)
                );
                facts.people = Some((store, people));
                plan?
            }
            None => the_step.check(cx, facts).await?,
        };
        let stop = plan.blocker.is_some() && the_step.later_steps_need_it();
        plans.push(plan);
        if stop {
            break;
        }
    }
    // Reads ahead are for this planning only: a later one (the wizard's,
    // after the person changed the config) reads afresh.
    facts.people = None;
    leave_to_others(&mut plans, facts, &cx.config.config);
    Ok(plans)
}

/// The identity store to read the users step's reads from ahead, when
/// step `id` is the assignments step of a run that also has the users step
/// with users to read, and the instance is known.
fn people_ahead(cx: &Cx, facts: &Facts, id: StepId, steps: &[StepId]) -> Option<String> {
    if id != crate::steps::assignments::ID
        || !steps.contains(&crate::steps::users::ID)
        || cx.config.config.users.is_empty()
    {
        return None;
    }
    facts.active_instance().map(|i| i.identity_store_id.clone())
}

/// Runs `steps` through the whole pipeline in `mode`.
pub(crate) async fn run(s: &mut Session, steps: &[StepId], mode: Mode) -> Result<()> {
    let mut facts = begin(s).await?;
    let plans = plan_all(&s.cx, &mut facts, steps).await?;
    execute(s, &mut facts, plans, mode).await
}

/// The rest of a run once its plans are made: show, pre-flight, confirm,
/// decide, apply, and the summary or JSON.
pub(crate) async fn execute(
    s: &mut Session,
    facts: &mut Facts,
    mut plans: Vec<StepPlan>,
    mode: Mode,
) -> Result<()> {
    if s.output == OutputFormat::Text {
        show(&s.cx, &plans);
    }
    let outcome = go(s, facts, &mut plans, mode).await;
    finish(s, facts, &plans, mode)?;
    outcome?;
    match skipped(&plans) {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// What the run's steps left out (an account not reached...), as the
/// run's error: the rest was applied (or, in a dry run, planned). Pure.
pub(crate) fn skipped(plans: &[StepPlan]) -> Option<UserError> {
    let all: Vec<(&StepPlan, &UserError)> = plans
        .iter()
        .flat_map(|p| p.skipped.iter().map(move |e| (p, e)))
        .collect();
    match all.as_slice() {
        [] => None,
        [(p, one)] => Some(
            UserError::new(format!("{}: left out: {}", p.step.name(), one.message)).hint(
                one.hint
                    .clone()
                    .unwrap_or_else(|| "the rest went on".into()),
            ),
        ),
        many => {
            let mut e = UserError::new(format!(
                "{} parts were left out; the rest went on",
                many.len()
            ));
            let mut hints = Vec::new();
            for (p, one) in many {
                e = e.caused_by(format!("{}: {}", p.step.name(), one.message));
                if let Some(h) = &one.hint {
                    if !hints.contains(h) {
                        hints.push(h.clone());
                    }
                }
            }
            if !hints.is_empty() {
                e = e.hint(hints.join("; "));
            }
            Some(e)
        }
    }
}

/// Every step's plan, for people.
pub(crate) fn show(cx: &Cx, plans: &[StepPlan]) {
    for plan in plans {
        cx.out.data("");
        for line in crate::ui::render::step_plan(plan, &cx.out) {
            cx.out.data(&line);
        }
    }
    if let Some((at, gate)) = gate(plans, false) {
        let later: usize = plans[at + 1..].iter().map(|p| p.actions.len()).sum();
        if later > 0 {
            cx.out.data("");
            cx.out.data(&format!(
                "The run stops at the console step \"{}\": the {later} change{} after it wait{} until it is done.",
                gate.title,
                plural(later),
                if later == 1 { "s" } else { "" }
            ));
        }
    }
}

/// The first console step a later step needs, when no person can do it
/// now: the run applies what comes before it and stops there.
fn gate(plans: &[StepPlan], interactive: bool) -> Option<(usize, &ManualStep)> {
    if interactive {
        return None;
    }
    plans
        .iter()
        .enumerate()
        .find_map(|(i, p)| p.manual.iter().find(|m| m.required).map(|m| (i, m)))
}

/// Pre-flight: a step that cannot go on (bad config found by a read, a
/// member-account caller, a policy that does not exist...) stops the run
/// before its first write. Its error is the run's.
pub(crate) fn preflight(plans: &[StepPlan]) -> Result<(), UserError> {
    let stops: Vec<&StepPlan> = plans.iter().filter(|p| p.blocker.is_some()).collect();
    match stops.as_slice() {
        [] => Ok(()),
        [one] => Err(one.blocker.clone().expect("filtered")),
        many => {
            let mut error = UserError::new(format!(
                "{} steps cannot go on; nothing was changed",
                many.len()
            ));
            let mut hint = None;
            for p in many {
                let b = p.blocker.as_ref().expect("filtered");
                error = error.caused_by(format!("{}: {}", p.step.name(), b.message));
                hint = hint.or(b.hint.clone());
            }
            Err(match hint {
                Some(h) => error.hint(h),
                None => error,
            })
        }
    }
}

/// A member account that is not Identity Center's delegated administrator
/// changes nothing: the run stops before its first write, with the one
/// command that would register it. Pure.
pub(crate) fn member_preflight(
    seat: &Seat,
    account: &str,
    plans: &[StepPlan],
) -> Result<(), UserError> {
    let Seat::Member { management } = seat else {
        return Ok(());
    };
    if plans.iter().all(|p| p.actions.is_empty()) {
        return Ok(());
    }
    Err(UserError::new(format!(
        "account {account} is a member of the organization, not its management account {management} nor IAM Identity Center's delegated administrator; nothing was changed"
    ))
    .caused_by("Identity Center is run from the management account, or from the member account registered as its delegated administrator")
    .hint(format!(
        "run ssosetup with credentials of the management account {management}, or register this account from there: set `delegated_admin = \"{account}\"` under [identity_center] in the config and run `ssosetup delegated-admin --profile <a profile of account {management}>`"
    )))
}

/// Whether the person already said Apply (the wizard's menu): then only
/// deletions are asked on their own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asked {
    NotYet,
    Already,
}

/// Everything that is said to a plan before it is applied, in this order,
/// for every run (a step, `init`, the wizard, offboard, restore): the gates
/// of removals that rest on an empty read, typed confirmations, the run's
/// question (or only the deletions', when the person already chose Apply),
/// and the decisions.
pub(crate) fn approve(s: &mut Session, plans: &mut [StepPlan], asked: Asked) -> Result<()> {
    gates(s, plans)?;
    typed(s, plans)?;
    match asked {
        Asked::NotYet => confirm(s, plans)?,
        Asked::Already => confirm_deletions(s, plans)?,
    }
    decide(s, plans)
}

/// Confirmations typed at a terminal (what `--yes` never grants).
fn typed(s: &mut Session, plans: &[StepPlan]) -> Result<()> {
    for t in plans.iter().filter_map(|p| p.typed.as_ref()) {
        if !s.prompt.interactive() {
            return Err(t
                .refused
                .clone()
                .caused_by(t.unattended.clone())
                .hint(t.unattended_hint.clone())
                .into());
        }
        s.cx.out.warn(&t.warning);
        match s.prompt.input(&t.question, None, &|_| Ok(())) {
            Ok(typed) if typed == t.expected => {}
            Ok(_) => {
                return Err(t
                    .refused
                    .clone()
                    .hint("declined; nothing was changed")
                    .into())
            }
            Err(e) => {
                return Err(t
                    .refused
                    .clone()
                    .caused_by(crate::error::one_line(&e))
                    .into())
            }
        }
    }
    Ok(())
}

async fn go(s: &mut Session, facts: &mut Facts, plans: &mut [StepPlan], mode: Mode) -> Result<()> {
    preflight(plans)?;
    member_preflight(&facts.seat, &facts.caller.account, plans)?;
    if mode != Mode::Apply {
        return Ok(());
    }
    approve(s, plans, Asked::NotYet)?;
    let mut waiting = Vec::new();
    let mut segment: Vec<&StepPlan> = Vec::new();
    for plan in plans.iter() {
        if let Some(w) = &plan.waits {
            waiting.push(w.clone());
            continue;
        }
        if step(plan.step).joins_the_graph() && plan.manual.is_empty() {
            segment.push(plan);
            continue;
        }
        apply_segment(s, facts, &mut segment).await?;
        apply_plan(s, facts, plan).await?;
    }
    apply_segment(s, facts, &mut segment).await?;
    match waiting.into_iter().next() {
        Some(w) => Err(w.into()),
        None => Ok(()),
    }
}

/// Consecutive steps whose actions form one dependency graph, applied
/// together (each action starts once what it needs exists), then their
/// closing words in order.
async fn apply_segment(
    s: &mut Session,
    facts: &mut Facts,
    segment: &mut Vec<&StepPlan>,
) -> Result<()> {
    if segment.is_empty() {
        return Ok(());
    }
    let plans = std::mem::take(segment);
    if plans.iter().any(|p| !p.actions.is_empty()) {
        apply::apply_graph(&s.cx, facts, &plans).await?;
    }
    for plan in &plans {
        if let Some(line) = crate::ui::render::applied(plan) {
            s.cx.out.say_row(&line);
        }
    }
    for plan in plans {
        for line in &plan.closing {
            s.cx.out.say(line);
        }
    }
    Ok(())
}

/// One question for the whole run; deletions of credentials or
/// identities on their own terms (never yes by default; under `--yes`
/// only what the config names).
fn confirm(s: &mut Session, plans: &[StepPlan]) -> Result<()> {
    let applied: Vec<&StepPlan> = plans.iter().filter(|p| p.waits.is_none()).collect();
    let actions: Vec<&Action> = applied.iter().flat_map(|p| &p.actions).collect();
    if actions.is_empty() {
        return Ok(());
    }
    if actions.iter().any(|a| a.is_destructive()) {
        return confirm_deletions(s, plans);
    }
    let steps = step_names(&applied);
    let n = actions.len();
    let removals = actions.iter().filter(|a| a.op() == Op::Delete).count();
    let question = if removals > 0 {
        format!(
            "Apply {n} change{} ({steps}), including {removals} removal{} marked -?",
            plural(n),
            plural(removals)
        )
    } else {
        format!("Apply {n} change{} ({steps})?", plural(n))
    };
    if s.prompt.confirm(&question, true)? {
        Ok(())
    } else {
        Err(UserError::new(format!("declined: {steps} was not changed"))
            .hint("run the step again when ready; --dry-run shows the plan without asking")
            .into())
    }
}

fn step_names(plans: &[&StepPlan]) -> String {
    plans
        .iter()
        .filter(|p| !p.actions.is_empty())
        .map(|p| p.step.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A plan that deletes credentials or identities is asked about on its
/// own terms: never yes by default, and under `--yes` only what the config
/// names (every deletion ssosetup plans comes from the config). Nothing to
/// delete: nothing to ask.
fn confirm_deletions(s: &mut Session, plans: &[StepPlan]) -> Result<()> {
    let applied: Vec<&StepPlan> = plans.iter().filter(|p| p.waits.is_none()).collect();
    let actions: Vec<&Action> = applied.iter().flat_map(|p| &p.actions).collect();
    let named = |op: Op| -> Vec<String> {
        actions
            .iter()
            .filter(|a| a.is_destructive() && a.op() == op)
            .map(|a| a.name())
            .collect()
    };
    let (doomed, switched) = (named(Op::Delete), named(Op::Update));
    if doomed.is_empty() && switched.is_empty() {
        return Ok(());
    }
    let steps = step_names(&applied);
    let n = actions.len();
    let mut parts = Vec::new();
    if !doomed.is_empty() {
        parts.push(format!("deleting for good: {}", doomed.join(", ")));
    }
    if !switched.is_empty() {
        parts.push(format!(
            "switching off the access keys of: {}",
            switched.join(", ")
        ));
    }
    let question = format!(
        "Apply {n} change{} ({steps}), {}?",
        plural(n),
        parts.join("; ")
    );
    if s.prompt.confirm_delete(&question, true)? {
        Ok(())
    } else {
        Err(UserError::new(format!("declined: {steps} was not changed"))
            .hint("nothing was deleted; run the step again when ready (--dry-run shows the plan without asking)")
            .into())
    }
}

/// Answers the plan's decisions before anything is applied: a change that
/// discards something the config does not name (a profile section someone
/// else wrote) is made only after an explicit yes.
fn decide(s: &mut Session, plans: &mut [StepPlan]) -> Result<()> {
    for plan in plans.iter_mut() {
        for action in &mut plan.actions {
            for choice in action.choices_mut() {
                if let Some(shown) = &choice.shown {
                    s.cx.out.say(shown);
                }
                choice.yes = s.prompt.confirm_delete(&choice.question, false)?;
            }
        }
    }
    Ok(())
}

/// A step whose removals rest on a read that came back empty where there
/// must be content asks first, before the run's question: under `--yes`,
/// or on a no, its removals are withheld and the whole step waits for a
/// run whose read can be trusted.
pub(crate) fn gates(s: &mut Session, plans: &mut [StepPlan]) -> Result<()> {
    for plan in plans.iter_mut() {
        let Some(gate) = plan.gate.as_mut() else {
            continue;
        };
        if let Some(shown) = &gate.shown {
            s.cx.out.warn(shown);
        }
        gate.yes = s.prompt.confirm_delete(&gate.question, false)?;
        if !gate.yes {
            let why = gate.shown.clone().unwrap_or_default();
            plan.actions.retain(|a| !a.is_destructive());
            plan.waits = Some(
                UserError::new(format!("{}: no removal was made", plan.step.name()))
                    .caused_by(why)
                    .hint("run it again; if the read really is right, confirm at a terminal"),
            );
        }
    }
    Ok(())
}

/// The end of a run: the summary for people, or the whole plan as JSON.
fn finish(s: &Session, facts: &Facts, plans: &[StepPlan], mode: Mode) -> Result<()> {
    let caller = &facts.caller;
    if s.output == OutputFormat::Text {
        summarize(s, facts, plans, mode);
    } else {
        let document = PlanDocument::new(
            caller,
            &s.cx.aws.credentials.to_string(),
            &s.cx.aws.region,
            plans,
        );
        s.cx.out.data(&serde_json::to_string_pretty(&document)?);
        say_gaps(&s.cx);
    }
    Ok(())
}

/// What the run went without (an API the endpoint lacks), said once after
/// the table or plan it would break up.
pub(crate) fn say_gaps(cx: &Cx) {
    for gap in cx.aws.gaps() {
        cx.out.warn(&gap);
    }
}

fn summarize(s: &Session, facts: &Facts, plans: &[StepPlan], mode: Mode) {
    let out = &s.cx.out;
    say_gaps(&s.cx);
    let changes: usize = plans.iter().map(|p| p.actions.len()).sum();
    let manual: Vec<&ManualStep> = plans.iter().flat_map(|p| &p.manual).collect();
    out.say("");
    let blocked = plans
        .iter()
        .any(|p| p.blocker.is_some() || p.waits.is_some());
    if mode != Mode::Apply {
        out.say(&format!(
            "Dry run: {changes} change{} and {} console step{} planned; nothing was changed.",
            plural(changes),
            manual.len(),
            plural(manual.len())
        ));
    } else if changes == 0 && !blocked {
        let left = plans
            .iter()
            .any(|p| !p.drift.is_empty() || !p.elsewhere.is_empty());
        out.say(if left {
            "Nothing this run may change; nothing was changed."
        } else if manual.is_empty() {
            "Everything matches the config; nothing was changed."
        } else {
            "Nothing to change through the API; nothing was changed."
        });
    }
    // At a terminal each console step was walked through (and verified
    // where AWS can tell) as it came; otherwise they are still to do.
    if mode == Mode::Apply && !manual.is_empty() && !s.prompt.interactive() {
        out.say("Console steps not confirmed yet (AWS has no API for them):");
        for m in manual {
            out.say(&format!("  {}: {} ({})", m.step, m.title, m.url));
        }
    }
    for line in left_for_management(plans, facts, &s.cx.config.config) {
        out.say(&line);
    }
    if let Some(line) = drift_line(plans, &s.cx.config.config, &s.cx.config.path) {
        out.say(&line);
    }
}

/// What was left for the management account, and the command that does it
/// there (with the administrator's profile when the config names one).
/// Pure.
pub(crate) fn left_for_management(
    plans: &[StepPlan],
    facts: &Facts,
    config: &crate::config::Config,
) -> Vec<String> {
    let Some(management) = facts.seat.delegated_from() else {
        return Vec::new();
    };
    let left: Vec<&StepPlan> = plans.iter().filter(|p| !p.elsewhere.is_empty()).collect();
    if left.is_empty() {
        return Vec::new();
    }
    let n: usize = left.iter().map(|p| p.elsewhere.len()).sum();
    let mut lines = vec![format!(
        "Left for the management account {management} (only it may make {}):",
        if n == 1 {
            "this change".to_string()
        } else {
            format!("these {n} changes")
        }
    )];
    for p in &left {
        for a in &p.elsewhere {
            lines.push(format!("  {}: {}", p.step.name(), a.describe()));
        }
    }
    let steps: Vec<&str> = left.iter().map(|p| p.step.name()).collect();
    let command = if steps.len() > 1 {
        "init --yes".to_string()
    } else {
        format!("{} --yes", steps[0])
    };
    let profile = crate::steps::cli_profiles::admin_profile(config, facts)
        .unwrap_or_else(|| format!("<a profile of account {management}>"));
    lines.push(format!(
        "Run it from the management account: ssosetup {command} --profile {profile}"
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountId, Assignment, GroupId, PermissionSetArn, Principal};
    use crate::plan::NamedAssignment;

    fn facts(seat: Seat) -> Facts {
        let mut f = Facts::new(
            Caller {
                account: "222222222222".into(),
                arn: "arn:aws:sts::222222222222:assumed-role/Admin/s".into(),
            },
            "us-east-1",
        );
        f.seat = seat;
        f.permission_sets = Some(
            [
                ("Admin".to_string(), Some("ps-admin".to_string())),
                ("ReadOnly".to_string(), Some("ps-ro".to_string())),
                ("New".to_string(), None),
            ]
            .into(),
        );
        f.provisioned_to_management = ["ps-admin".to_string()].into();
        f
    }

    fn assign(set: &str, account: &str) -> Action {
        Action::CreateAssignment {
            group: format!("{set}-{account}"),
            permission_set: set.into(),
            account_id: account.into(),
        }
    }

    #[test]
    fn the_delegated_administrator_leaves_what_only_the_management_account_may_do() {
        let mut sets = StepPlan::new(crate::steps::permission_sets::ID);
        sets.actions = vec![
            Action::AttachManagedPolicy {
                permission_set: "Admin".into(),
                policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
            },
            Action::AttachManagedPolicy {
                permission_set: "ReadOnly".into(),
                policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
            },
            Action::CreatePermissionSet {
                name: "New".into(),
                fields: crate::model::PermissionSetFields {
                    description: None,
                    session_duration: "PT1H".into(),
                    relay_state: None,
                },
            },
        ];
        let mut assignments = StepPlan::new(crate::steps::assignments::ID);
        assignments.actions = vec![
            assign("ReadOnly", "111111111111"),
            assign("ReadOnly", "222222222222"),
            Action::DeleteAssignment {
                assignment: NamedAssignment {
                    assignment: Assignment {
                        principal: Principal::Group(GroupId::new("g-1")),
                        permission_set: PermissionSetArn::new("ps-ro"),
                        account: AccountId::from_aws("111111111111"),
                    },
                    principal: "Old".into(),
                    permission_set: "ReadOnly".into(),
                },
            },
        ];
        let mut plans = vec![sets.clone(), assignments.clone()];
        let delegated = facts(Seat::DelegatedAdmin {
            management: "111111111111".into(),
        });
        leave_for_management(&mut plans, &delegated);
        let names = |a: &[Action]| a.iter().map(Action::name).collect::<Vec<_>>();
        assert_eq!(names(&plans[0].actions), ["ReadOnly", "New"]);
        assert_eq!(
            names(&plans[0].elsewhere),
            ["Admin"],
            "a set provisioned there"
        );
        assert_eq!(
            names(&plans[1].actions),
            ["ReadOnly-222222222222/ReadOnly/222222222222"]
        );
        assert_eq!(
            plans[1].elsewhere.len(),
            2,
            "both changes on the management account"
        );
        let left = left_for_management(&plans, &delegated, &crate::config::Config::default());
        assert!(left[0].contains("these 3 changes"), "{left:?}");
        assert!(
            left.last()
                .unwrap()
                .contains("ssosetup init --yes --profile <a profile of account 111111111111>"),
            "{left:?}"
        );

        // From the management account nothing is left.
        let mut plans = vec![sets, assignments];
        leave_for_management(&mut plans, &facts(Seat::Management));
        assert!(plans.iter().all(|p| p.elsewhere.is_empty()));
    }

    #[test]
    fn with_an_iac_owner_the_resource_steps_report_drift_and_apply_nothing() {
        let mut assignments = StepPlan::new(crate::steps::assignments::ID);
        assignments.actions = vec![assign("ReadOnly", "222222222222")];
        let mut cleanup = StepPlan::new(crate::steps::iam_users::ID);
        cleanup.notes.push("2 IAM users".into());
        let mut plans = vec![assignments, cleanup];
        let mut config = crate::config::Config::default();
        leave_for_iac(&mut plans, &config);
        assert_eq!(plans[0].actions.len(), 1, "no owner: ssosetup applies");
        assert!(drift_line(&plans, &config, std::path::Path::new("c.toml")).is_none());

        config.iac = Some(crate::config::IacConfig {
            owner: Some(crate::config::IacTool::Terraform),
        });
        leave_for_iac(&mut plans, &config);
        assert!(plans[0].actions.is_empty());
        assert_eq!(plans[0].drift.len(), 1);
        assert!(plans[1].drift.is_empty(), "cleanup is not the owner's");
        let line = drift_line(&plans, &config, std::path::Path::new("c.toml")).unwrap();
        assert!(
            line.starts_with("terraform owns the permission sets, groups, assignments and users ([iac] owner in c.toml): 1 difference"),
            "{line}"
        );
        let (state, detail) = crate::run::status::state_of(&plans[0]);
        assert_eq!(state, crate::run::status::State::ToDo);
        assert!(detail.starts_with("drift from the config: "), "{detail}");
    }

    #[test]
    fn another_member_changes_nothing_and_is_told_how_to_be_registered() {
        let mut plan = StepPlan::new(crate::steps::assignments::ID);
        let seat = Seat::Member {
            management: "111111111111".into(),
        };
        assert!(
            member_preflight(&seat, "333333333333", &[plan.clone()]).is_ok(),
            "a look is fine"
        );
        plan.actions.push(assign("ReadOnly", "333333333333"));
        let e = member_preflight(&seat, "333333333333", &[plan]).unwrap_err();
        assert!(e
            .hint
            .unwrap()
            .contains("delegated_admin = \"333333333333\""));
    }
}
