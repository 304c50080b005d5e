//! `ssosetup init` at a terminal: the wizard. It looks first (every step,
//! read-only), says what it will and will never do, then walks the steps in
//! the guide's order: ask (defaults from what was observed and from the
//! config), show the step's plan, then Apply / Change answers / Skip / Quit.
//!
//! It stays thin: each step's questions are its own (`Step::ask`), and the
//! observe, plan and apply code is what the subcommands run. Every answer
//! is saved to the config file as it is given, so the file is both the
//! record and the replay (`ssosetup init --config FILE --yes`), and a later
//! `init` continues where this one stopped.

use anyhow::Result;

use crate::error::one_line;
use crate::run::status::{state_of, State};
use crate::run::{apply_plan, approve, caller_lines, whoami, Asked, Session};
use crate::steps::{AnyStep, Facts, STEPS};

const WILL: &str = "\
What this wizard does: one step at a time, it asks, shows exactly what it
would change, and changes nothing until you choose Apply. Your answers are
saved as you give them, so you can stop at any point (Quit or Ctrl-C) and
run `ssosetup init` again to continue.
It never deletes anything you did not choose, never works outside the
Identity Center home region shown above, and never creates access keys.";

enum Choice {
    Apply,
    Change,
    /// Read and plan again (after something was done elsewhere).
    Again,
    Skip,
    Quit,
}

/// The first look: every step, read-only (nothing is generated or written).
async fn look(s: &Session, caller: &crate::model::Caller) {
    let mut look = Facts::new(caller.clone(), &s.cx.aws.region);
    let mut states = Vec::new();
    for step in STEPS {
        let (state, detail) = match step.check(&s.cx, &mut look).await {
            Ok(plan) => state_of(&plan),
            Err(e) => (State::Unknown, one_line(&e)),
        };
        s.cx.out.say_row(&format!(
            "  {:<17} {:<10}  {detail}",
            step.id().name(),
            state.label()
        ));
        states.push(state);
    }
    s.cx.out
        .say(&format!("  {}", crate::run::status::summary(&states)));
    crate::run::say_gaps(&s.cx);
}

pub(crate) async fn run(s: &mut Session) -> Result<()> {
    let caller = whoami(&s.cx).await?;
    for line in caller_lines(&s.cx, &caller) {
        s.cx.out.say(&line);
    }
    let mut seat_facts = Facts::new(caller.clone(), &s.cx.aws.region);
    let seat = crate::steps::ensure_seat(&s.cx, &mut seat_facts).await?;
    if let Some(line) = crate::run::seat_line(&caller.account, &seat) {
        s.cx.out.say(&line);
    }
    let fresh = !s.cx.config.from_file;
    home_region(s).await?;
    if fresh {
        offer_import(s).await?;
    }
    s.cx.out.say(&format!(
        "Answers are saved in {}",
        s.cx.config.path.display()
    ));

    s.cx.out.say("");
    s.cx.out.heading("Where the account stands");
    look(s, &caller).await;
    s.cx.out.say("");
    s.cx.out.say(WILL);

    let mut facts = Facts::new(caller, &s.cx.aws.region);
    facts.seat = seat;
    facts.provisioned_to_management = seat_facts.provisioned_to_management;
    for (n, step) in STEPS.iter().enumerate() {
        s.cx.out.say("");
        s.cx.out.heading(&format!(
            "Step {} of {}: {}",
            n + 1,
            STEPS.len(),
            step.id().name()
        ));
        if let Walk::Quit = walk(s, &mut facts, *step).await? {
            return Ok(());
        }
    }
    s.cx.out.say("");
    s.cx.out.say(&format!(
        "The wizard is done. `ssosetup status` shows where each step stands; `ssosetup init --config {} --yes` replays it.",
        s.cx.config.path.display()
    ));
    Ok(())
}

/// The home region, never chosen silently: where an instance exists, that
/// is it (and the clients move there); with none anywhere and none chosen,
/// the person picks one, told that it cannot change. Saved as `region`.
async fn home_region(s: &mut Session) -> Result<()> {
    use crate::steps::identity_center;
    let observed = identity_center::observe(&s.cx).await?;
    let here = s.cx.aws.region.clone();
    let chosen = s.cx.config.region_chosen();
    let region = if !observed.home.is_empty() {
        s.cx.out.say(&format!(
            "IAM Identity Center is enabled in {here}: that is its home region (it cannot move), so ssosetup works there."
        ));
        here.clone()
    } else if let Some((other, _)) = observed.elsewhere.first() {
        if chosen {
            // The identity-center step says why this cannot go on.
            return Ok(());
        }
        s.cx.out.say(&format!(
            "IAM Identity Center is enabled in {other}: that is its home region (it cannot move), so ssosetup works there."
        ));
        other.clone()
    } else if chosen {
        s.cx.out.say(&format!(
            "IAM Identity Center is not enabled yet; it will be enabled in {here}, the home region you chose."
        ));
        here.clone()
    } else {
        s.cx.out.say("IAM Identity Center is not enabled in any region yet. Its home region is where your users sign in, and it cannot be changed later: pick the one closest to you and your users.");
        let mut regions: Vec<String> = vec![here.clone()];
        regions.extend(
            crate::aws::regions::IDENTITY_CENTER_REGIONS
                .iter()
                .filter(|r| **r != here)
                .map(|r| r.to_string()),
        );
        loop {
            let i = s
                .prompt
                .search("Identity Center home region", &regions, 0)?;
            if s.prompt.confirm(
                &format!(
                    "Make {} the home region? It cannot be changed later",
                    regions[i]
                ),
                true,
            )? {
                break regions.swap_remove(i);
            }
        }
    };
    if region != here {
        match s
            .cx
            .aws
            .in_region(&region)
            .await
            .map_err(crate::error::connect_error)?
        {
            Some(aws) => s.cx.aws = aws,
            None => anyhow::bail!("cannot move the AWS clients to {region}"),
        }
    }
    if s.cx.config.config.region.as_deref() != Some(region.as_str()) && !s.cx.config.region_flag {
        s.cx.config.config.region = Some(region.clone());
        let fresh = !s.cx.config.from_file;
        s.cx.config.save()?;
        // A file that holds only this region is still a new config: the
        // questions that defer to a config someone wrote are still asked.
        s.cx.config.from_file = !fresh;
        s.cx.out.say(&format!(
            "region = \"{region}\" is saved in {}",
            s.cx.config.path.display()
        ));
    }
    Ok(())
}

/// With no config yet (or only the region just chosen), on an account where part of the guide was done by
/// hand: offers to start from what exists (`ssosetup import`), so every
/// later question defaults to it and nothing that works is redone.
async fn offer_import(s: &mut Session) -> Result<()> {
    // No instance, or nothing readable: there is nothing to start from,
    // and the steps say why in their own words.
    let Ok(imported) = crate::import::prepare(&s.cx).await else {
        return Ok(());
    };
    let c = &imported.config;
    if c.permission_sets.is_empty() && c.assignments.is_empty() && c.users.is_empty() {
        return Ok(());
    }
    s.cx.out.say("");
    s.cx.out.say(&format!(
        "Identity Center in {} already holds {} permission set{}, {} group assignment entr{} and {} user{}.",
        s.cx.aws.region,
        c.permission_sets.len(),
        crate::model::plural(c.permission_sets.len()),
        c.assignments.len(),
        if c.assignments.len() == 1 { "y" } else { "ies" },
        c.users.len(),
        crate::model::plural(c.users.len()),
    ));
    if !s
        .prompt
        .confirm("Start from what exists (write it into the config)?", true)?
    {
        return Ok(());
    }
    let path = s.cx.config.path.clone();
    let base = s.cx.config.base_dir().to_path_buf();
    for line in crate::import::write(&path, &base, &imported, false)? {
        s.cx.out.say(&line);
    }
    s.cx.config.config = imported.config;
    s.cx.config.from_file = true;
    s.cx.out.say(&format!("wrote {}", path.display()));
    if !imported.left_alone.is_empty() {
        s.cx.out
            .say("Left alone (the config cannot express these; ssosetup never changes them):");
        for l in &imported.left_alone {
            s.cx.out.say(&format!("  {l}"));
        }
    }
    Ok(())
}

/// After one step: on to the next, or stop (Quit).
enum Walk {
    Next,
    Quit,
}

/// One step: ask, show its plan, then Apply / Change answers / Skip / Quit
/// until the person moves on. Every look starts from what the steps before
/// left in `facts`: a plan the person changed or skipped leaves nothing
/// behind (a skipped step's groups are not "planned" for the next step). A
/// plan that cannot go on, or an apply that fails, is shown with its error
/// and the person chooses again: a wrong answer is fixed here, not by
/// editing the file.
async fn walk(s: &mut Session, facts: &mut Facts, step: &dyn AnyStep) -> Result<Walk> {
    let mut before = facts.clone();
    let mut force = false;
    loop {
        *facts = before.clone();
        step.ask(&mut s.person(facts), force).await?;
        force = false;
        // What cannot go on (a read that failed, a blocker) is shown, and
        // the person chooses again.
        let plan = match step.check(&s.cx, facts).await {
            Err(e) if interrupted(&e) => return Err(e),
            Err(e) => Err(e),
            Ok(mut plan) => {
                crate::run::leave_to_others(
                    std::slice::from_mut(&mut plan),
                    facts,
                    &s.cx.config.config,
                );
                for line in crate::ui::render::step_plan(&plan, &s.cx.out) {
                    s.cx.out.data(&line);
                }
                crate::run::say_gaps(&s.cx);
                if let Some(why) = plan
                    .blocker
                    .clone()
                    .filter(|_| !step.later_steps_need_it())
                    .or(plan.waits.clone())
                {
                    // Nothing later needs this step: say why it waits, and go on.
                    s.cx.out.warn(&format!(
                        "{} waits: {}{}",
                        step.id().name(),
                        why.message,
                        why.hint
                            .as_ref()
                            .map(|h| format!("\n  hint: {h}"))
                            .unwrap_or_default()
                    ));
                    *facts = before;
                    return Ok(Walk::Next);
                }
                match plan.blocker.clone() {
                    Some(blocker) => Err(blocker.into()),
                    None => Ok(plan),
                }
            }
        };
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => {
                s.cx.out.error(&crate::error::render(&e));
                match choose(s, step, None)? {
                    Choice::Change => force = true,
                    Choice::Skip => return Ok(leave(facts, before, Walk::Next)),
                    Choice::Quit => return Ok(leave(facts, before, Walk::Quit)),
                    Choice::Apply | Choice::Again => {}
                }
                continue;
            }
        };
        if plan.is_done() {
            return Ok(Walk::Next);
        }
        let apply = if plan.actions.is_empty() {
            "Do the console step now"
        } else {
            "Apply"
        };
        match choose(s, step, Some(apply))? {
            Choice::Apply => {
                let mut plans = [plan];
                match apply_one(s, facts, &mut plans).await {
                    Ok(()) => return Ok(Walk::Next),
                    Err(e) if interrupted(&e) => return Err(e),
                    Err(e) => {
                        // Part may have been applied: the next look reads
                        // again what this step may have changed.
                        s.cx.out.error(&crate::error::render(&e));
                        before = before.forget_reads();
                    }
                }
            }
            Choice::Change => force = true,
            Choice::Again => {}
            Choice::Skip => return Ok(leave(facts, before, Walk::Next)),
            Choice::Quit => return Ok(leave(facts, before, Walk::Quit)),
        }
    }
}

/// Ctrl-C: never swallowed, the wizard ends with 130.
fn interrupted(e: &anyhow::Error) -> bool {
    crate::error::exit_code(e) == crate::error::exit::INTERRUPTED
}

/// The person chose Apply: what the run asks before it applies (the
/// deletions on their own terms), then the step.
async fn apply_one(
    s: &mut Session,
    facts: &mut Facts,
    plans: &mut [crate::plan::StepPlan; 1],
) -> Result<()> {
    approve(s, plans, Asked::Already)?;
    if let Some(waits) = &plans[0].waits {
        s.cx.out.warn(&waits.message);
        return Ok(());
    }
    apply_plan(s, facts, &plans[0]).await
}

/// What the person picks; Skip and Quit are said here.
fn choose(s: &mut Session, step: &dyn AnyStep, apply: Option<&str>) -> Result<Choice> {
    let mut options = Vec::new();
    match apply {
        Some(label) => options.push((label, Choice::Apply)),
        None => options.push(("Look again", Choice::Again)),
    }
    if step.has_questions() {
        options.push(("Change answers", Choice::Change));
    }
    options.push(("Skip this step for now", Choice::Skip));
    options.push(("Quit (your answers are saved)", Choice::Quit));
    let labels: Vec<String> = options.iter().map(|(l, _)| l.to_string()).collect();
    let picked = s.prompt.select("What now?", &labels, 0)?;
    let choice = options.swap_remove(picked).1;
    match choice {
        Choice::Skip => s.cx.out.say(&format!(
            "skipped {}; `ssosetup init` offers it again",
            step.id().name()
        )),
        Choice::Quit => s.cx.out.say(&format!(
            "Stopped. Your answers are in {}; run `ssosetup init` to continue.",
            s.cx.config.path.display()
        )),
        _ => {}
    }
    Ok(choice)
}

/// A step left without applying (skipped, or the wizard quit) leaves
/// nothing planned behind for the steps after it.
fn leave(facts: &mut Facts, before: Facts, walk: Walk) -> Walk {
    *facts = before;
    walk
}
