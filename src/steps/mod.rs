//! The steps and the one driver that runs them.
//!
//! Every step goes the same way: observe (read AWS) -> plan (pure) -> show ->
//! confirm -> apply. A step re-observes what it needs from AWS, so it works
//! on its own on a later day; `init` is only "every step in order". What a
//! step found or would create is carried forward in [`Facts`], so a dry run
//! of the whole wizard can plan later steps against planned values.

pub(crate) mod assignments;
pub(crate) mod authentication;
pub(crate) mod cli_profiles;
pub(crate) mod groups;
pub(crate) mod iam_users;
pub(crate) mod identity_center;
pub(crate) mod organization;
pub(crate) mod permission_sets;
pub(crate) mod root_cleanup;
pub(crate) mod status;
pub(crate) mod users;
pub(crate) mod wizard;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use anyhow::Result;
use console::Style;
use futures::stream::{self, StreamExt};

use crate::aws::organizations::{describe_organization, list_accounts};
use crate::aws::ssoadmin::list_instances;
use crate::aws::sts::caller_identity;
use crate::aws::Aws;
use crate::cli::OutputFormat;
use crate::config::LoadedConfig;
use crate::error::UserError;
use crate::model::plural;
use crate::model::Caller;
use crate::model::Instance;
pub(crate) use crate::model::StepId;
use crate::model::{Account, Organization};
use crate::plan::{self, Action, ManualStep, Op, StepPlan};
use crate::ui::{Printer, Prompter};

/// Everything a run needs: AWS, the desired state, and the person.
pub(crate) struct Ctx {
    pub aws: Aws,
    pub config: LoadedConfig,
    pub out: Printer,
    /// Behind a lock so that applying (which shares `&Ctx`) can ask too.
    pub prompt: Mutex<Box<dyn Prompter>>,
    pub dry_run: bool,
    pub output: OutputFormat,
}

impl Ctx {
    /// The prompter, for one question at a time.
    pub(crate) fn prompt(&self) -> std::sync::MutexGuard<'_, Box<dyn Prompter>> {
        self.prompt.lock().expect("prompt lock")
    }
}

/// What is known about the account so far: observed, or planned by an
/// earlier step of this run. `None` means "not looked at yet"; a step that
/// needs it looks (see the `ensure_*` functions), so each step also works
/// on its own.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub caller: Caller,
    pub organization: OrgState,
    /// `Some(None)`: looked, and there is no ACTIVE instance in the region.
    pub instance: Option<Option<Instance>>,
    /// The organization's accounts.
    pub accounts: Option<Vec<Account>>,
    /// Permission set name -> ARN; `None` for one this run plans to create.
    pub permission_sets: Option<BTreeMap<String, Option<String>>>,
    /// Group display name -> id; `None` for one this run plans to create.
    pub groups: Option<BTreeMap<String, Option<String>>>,
    /// User name -> id of the users the config names; `None` when planned.
    pub users: BTreeMap<String, Option<String>>,
    /// Permission sets and groups this run created: nothing can be assigned
    /// to them yet, so there is nothing to list.
    pub created_permission_sets: BTreeSet<String>,
    pub created_groups: BTreeSet<String>,
    /// Identity Center users this run created: none can have signed in yet.
    pub created_users: BTreeSet<String>,
    /// Every IAM user with its dependents, once read (the wizard's question
    /// and the plan share one inventory).
    pub iam_users: Option<Vec<crate::model::IamUser>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrgState {
    /// Not looked at yet (the organization step did not run).
    Unknown,
    Missing,
    /// This run's plan creates it, managed from this account.
    Planned {
        management_account_id: String,
    },
    Exists(Organization),
}

impl Facts {
    pub(crate) fn new(caller: Caller) -> Self {
        Self {
            caller,
            organization: OrgState::Unknown,
            instance: None,
            accounts: None,
            permission_sets: None,
            groups: None,
            users: BTreeMap::new(),
            created_permission_sets: BTreeSet::new(),
            created_groups: BTreeSet::new(),
            created_users: BTreeSet::new(),
            iam_users: None,
        }
    }

    /// The ACTIVE instance in the home region, if known to exist.
    pub(crate) fn active_instance(&self) -> Option<&Instance> {
        self.instance.as_ref().and_then(Option::as_ref)
    }

    /// The management account: the organization's, or the caller's when
    /// this run creates the organization.
    pub(crate) fn management_account(&self) -> Option<&str> {
        match &self.organization {
            OrgState::Exists(org) => Some(&org.management_account_id),
            OrgState::Planned {
                management_account_id,
            } => Some(management_account_id),
            OrgState::Missing | OrgState::Unknown => None,
        }
    }
}

/// Looks at the organization unless an earlier step did.
pub(crate) async fn ensure_organization(ctx: &Ctx, facts: &mut Facts) -> Result<()> {
    if facts.organization == OrgState::Unknown {
        facts.organization = match describe_organization(&ctx.aws.organizations).await? {
            Some(org) => OrgState::Exists(org),
            None => OrgState::Missing,
        };
    }
    Ok(())
}

/// Looks for the home region's ACTIVE instance unless an earlier step did.
pub(crate) async fn ensure_instance(ctx: &Ctx, facts: &mut Facts) -> Result<Option<Instance>> {
    if facts.instance.is_none() {
        let found = list_instances(&ctx.aws.ssoadmin).await?;
        facts.instance = Some(found.into_iter().find(Instance::is_active));
    }
    Ok(facts.active_instance().cloned())
}

/// Lists the organization's accounts unless an earlier step did. An
/// organization this run creates has one account: the caller's.
pub(crate) async fn ensure_accounts(ctx: &Ctx, facts: &mut Facts) -> Result<Vec<Account>> {
    ensure_organization(ctx, facts).await?;
    if facts.accounts.is_none() {
        facts.accounts = Some(match &facts.organization {
            OrgState::Exists(_) => list_accounts(&ctx.aws.organizations).await?,
            OrgState::Planned {
                management_account_id,
            } => vec![Account {
                id: management_account_id.clone(),
                name: "management account (planned)".to_string(),
                active: true,
            }],
            OrgState::Missing | OrgState::Unknown => Vec::new(),
        });
    }
    Ok(facts.accounts.clone().unwrap_or_default())
}

/// Permission set names to ARNs unless an earlier step looked.
pub(crate) async fn ensure_permission_sets(
    ctx: &Ctx,
    facts: &mut Facts,
) -> Result<BTreeMap<String, Option<String>>> {
    if facts.permission_sets.is_none() {
        let map = match ensure_instance(ctx, facts).await? {
            Some(instance) => permission_sets::observe_names(ctx, &instance.arn).await?,
            None => BTreeMap::new(),
        };
        facts.permission_sets = Some(map);
    }
    Ok(facts.permission_sets.clone().unwrap_or_default())
}

/// Group display names to ids unless an earlier step looked.
pub(crate) async fn ensure_groups(
    ctx: &Ctx,
    facts: &mut Facts,
) -> Result<BTreeMap<String, Option<String>>> {
    if facts.groups.is_none() {
        let map = match ensure_instance(ctx, facts).await? {
            Some(instance) => {
                crate::aws::identitystore::list_groups(&ctx.aws, &instance.identity_store_id)
                    .await?
                    .into_iter()
                    .map(|g| (g.display_name, Some(g.id)))
                    .collect()
            }
            None => BTreeMap::new(),
        };
        facts.groups = Some(map);
    }
    Ok(facts.groups.clone().unwrap_or_default())
}

/// Who is calling, with the loud warning when it is the root user.
pub(crate) async fn whoami(ctx: &Ctx) -> Result<Caller> {
    let caller = caller_identity(&ctx.aws.sts).await.map_err(|e| {
        anyhow::Error::new(e).context("cannot tell who the AWS credentials belong to")
    })?;
    if caller.is_root() {
        ctx.out.loud_warning(&[
            format!("This run uses the ROOT USER of account {}.", caller.account),
            "Root access keys are what ssosetup helps you retire: deleting them".to_string(),
            "mid-run cuts this run off. Finish the Identity Center steps, then".to_string(),
            "run again with the new Identity Center profile (aws sso login).".to_string(),
        ]);
    }
    Ok(caller)
}

pub(crate) fn caller_lines(ctx: &Ctx, caller: &Caller) -> Vec<String> {
    let who = if caller.is_root() {
        ctx.out.out_style(
            Style::new().red().bold(),
            &format!("{} (ROOT USER)", caller.arn),
        )
    } else {
        caller.arn.clone()
    };
    vec![
        format!("Caller:      {who}"),
        format!("Credentials: {}", ctx.aws.credentials),
        format!("Account:     {}", caller.account),
        format!("Region:      {}", ctx.aws.region),
    ]
}

/// Observes and plans one step, updating `facts` with what it found or plans.
pub(crate) async fn check(step: StepId, ctx: &Ctx, facts: &mut Facts) -> Result<StepPlan> {
    match step {
        StepId::Organization => organization::check(ctx, facts).await,
        StepId::IdentityCenter => identity_center::check(ctx, facts).await,
        StepId::Authentication => authentication::check(ctx, facts).await,
        StepId::PermissionSets => permission_sets::check(ctx, facts).await,
        StepId::Groups => groups::check(ctx, facts).await,
        StepId::Assignments => assignments::check(ctx, facts).await,
        StepId::Users => users::check(ctx, facts).await,
        StepId::CliProfiles => cli_profiles::check(ctx, facts).await,
        StepId::RootCleanup => root_cleanup::check(ctx, facts).await,
        StepId::IamUsersCleanup => iam_users::check(ctx, facts).await,
    }
}

/// Runs `steps` in order through the whole pipeline.
pub(crate) async fn run(ctx: &mut Ctx, steps: &[StepId]) -> Result<()> {
    let mut facts = begin(ctx).await?;
    let mut plans = Vec::new();
    let mut outcome = Ok(());
    for &step in steps {
        let plan = check(step, ctx, &mut facts).await?;
        outcome = present(ctx, &mut facts, &plan).await;
        plans.push(plan);
        if outcome.is_err() {
            break;
        }
    }
    finish(ctx, &facts.caller, &plans)?;
    outcome
}

/// Who is calling (shown atop the plan): the start of every run.
pub(crate) async fn begin(ctx: &Ctx) -> Result<Facts> {
    let caller = whoami(ctx).await?;
    if ctx.output == OutputFormat::Text {
        for line in caller_lines(ctx, &caller) {
            ctx.out.data(&line);
        }
    }
    Ok(Facts::new(caller))
}

/// Shows one step's plan, then applies it unless this is a dry run; a
/// blocked plan is the step's error.
pub(crate) async fn present(ctx: &mut Ctx, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    if ctx.output == OutputFormat::Text {
        ctx.out.data("");
        for line in crate::ui::render::step_plan(plan, &ctx.out) {
            ctx.out.data(&line);
        }
    }
    if let Some(b) = &plan.blocker {
        return Err(b.clone().into());
    }
    if ctx.dry_run {
        return Ok(());
    }
    apply(ctx, facts, plan).await
}

/// The end of a run: the summary for people, or the whole plan as JSON.
pub(crate) fn finish(ctx: &Ctx, caller: &Caller, plans: &[StepPlan]) -> Result<()> {
    if ctx.output == OutputFormat::Text {
        summarize(ctx, plans);
    } else {
        let json = plan::to_json(
            caller,
            &ctx.aws.credentials.to_string(),
            &ctx.aws.region,
            plans,
        );
        ctx.out.data(&serde_json::to_string_pretty(&json)?);
    }
    Ok(())
}

fn summarize(ctx: &Ctx, plans: &[StepPlan]) {
    let changes: usize = plans.iter().map(|p| p.actions.len()).sum();
    let manual: Vec<&ManualStep> = plans.iter().flat_map(|p| &p.manual).collect();
    ctx.out.say("");
    if ctx.dry_run {
        ctx.out.say(&format!(
            "Dry run: {changes} change{} and {} console step{} planned; nothing was changed.",
            plural(changes),
            manual.len(),
            plural(manual.len())
        ));
    } else if changes == 0 && plans.iter().all(|p| p.blocker.is_none()) {
        ctx.out.say(if manual.is_empty() {
            "Everything matches the config; nothing was changed."
        } else {
            "Nothing to change through the API; nothing was changed."
        });
    }
    // At a terminal each console step was walked through (and verified
    // where AWS can tell) as it came; otherwise they are still to do.
    if !ctx.dry_run && !manual.is_empty() && !ctx.prompt().interactive() {
        ctx.out
            .say("Console steps not confirmed yet (AWS has no API for them):");
        for m in manual {
            ctx.out
                .say(&format!("  {}: {} ({})", m.step, m.title, m.url));
        }
    }
}

/// Confirms and applies one step's plan: its actions, then its console steps.
pub(crate) async fn apply(ctx: &mut Ctx, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    if plan.actions.iter().any(Action::is_destructive) {
        // Deleting credentials or identities is asked on its own terms:
        // never yes by default, and under --yes only what the config names.
        confirm_destructive(ctx, plan)?;
    } else if !plan.actions.is_empty() {
        let n = plan.actions.len();
        let removals = plan.actions.iter().filter(|a| a.op() == Op::Delete).count();
        let question = if removals > 0 {
            format!(
                "Apply {n} change{} ({}), including {removals} removal{} marked -?",
                plural(n),
                plan.step.name(),
                plural(removals)
            )
        } else {
            format!("Apply {n} change{} ({})?", plural(n), plan.step.name())
        };
        if !ctx.prompt().confirm(&question, true)? {
            return Err(
                UserError::new(format!("declined: {} was not changed", plan.step.name()))
                    .hint("run the step again when ready; --dry-run shows the plan without asking")
                    .into(),
            );
        }
    }
    execute(ctx, facts, plan).await
}

/// Asks before a plan that deletes credentials or identities (every one of
/// them comes from the config: named, so `--yes` may say yes). Declining
/// changes nothing.
pub(crate) fn confirm_destructive(ctx: &Ctx, plan: &StepPlan) -> Result<()> {
    let doomed: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| a.is_destructive())
        .map(|a| a.name())
        .collect();
    let n = plan.actions.len();
    let question = format!(
        "Apply {n} change{} ({}), deleting for good: {}?",
        plural(n),
        plan.step.name(),
        doomed.join(", ")
    );
    if ctx.prompt().confirm_delete(&question, true)? {
        Ok(())
    } else {
        Err(
            UserError::new(format!("declined: {} was not changed", plan.step.name()))
                .hint("nothing was deleted; run the step again when ready (--dry-run shows the plan without asking)")
                .into(),
        )
    }
}

/// Applies a plan that was confirmed: its actions, then its console steps.
pub(crate) async fn execute(ctx: &mut Ctx, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    if !plan.actions.is_empty() {
        apply_actions(ctx, facts, plan).await?;
    }
    for manual in &plan.manual {
        if !ctx.prompt().interactive() {
            if manual.required {
                return Err(
                    UserError::new(format!("console step not done yet: {}", manual.title))
                        .caused_by(format!("AWS has no API for this; open {}", manual.url))
                        .hint(format!(
                            "do it in the console ({}), then run the command again",
                            manual.checklist.join("; ")
                        ))
                        .into(),
                );
            }
            continue;
        }
        match plan.step {
            StepId::IdentityCenter => {
                identity_center::wait_until_enabled(ctx, facts, manual).await?
            }
            StepId::Authentication => authentication::confirm(ctx, manual)?,
            StepId::RootCleanup => root_cleanup::console_step(ctx, facts, manual).await?,
            other => unreachable!("{} has no console-only part", other.name()),
        }
    }
    for line in &plan.closing {
        ctx.out.say(line);
    }
    Ok(())
}

/// Shows a console step: its page and checklist.
pub(crate) fn show_console_step(ctx: &Ctx, step: &ManualStep) {
    ctx.out.say("");
    ctx.out.heading(&format!("Console step: {}", step.title));
    ctx.out.say(&format!("  open {}", step.url));
    for (i, item) in step.checklist.iter().enumerate() {
        ctx.out.say(&format!("  {}. {item}", i + 1));
    }
}

/// A console step AWS cannot verify: the person confirms it, and `record`
/// notes the confirmation in the config so later runs do not ask again;
/// without it, `unconfirmed` says what does not work yet.
pub(crate) fn confirm_console_step(
    ctx: &mut Ctx,
    step: &ManualStep,
    question: &str,
    record: impl FnOnce(&mut crate::config::Config),
    unconfirmed: &str,
) -> Result<()> {
    ctx.out.say(&format!(
        "Open {} and work through the checklist above.",
        step.url
    ));
    if ctx.prompt().confirm(question, false)? {
        record(&mut ctx.config.config);
        ctx.config.save()?;
        ctx.out
            .say(&format!("recorded in {}", ctx.config.path.display()));
    } else {
        ctx.out.warn(&format!(
            "not confirmed: {unconfirmed}; ssosetup asks again next time"
        ));
    }
    Ok(())
}

/// Applies a plan's actions: those that depend on each other (same
/// [`Action::chain_key`]) in order, independent ones concurrently, paced by
/// the clients' rate limits. A failure stops its own chain only; the others
/// go on, and the step then fails with a summary of what did not happen.
async fn apply_actions(ctx: &Ctx, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    let mut chains: Vec<Vec<&Action>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for action in &plan.actions {
        let i = *index.entry(action.chain_key()).or_insert_with(|| {
            chains.push(Vec::new());
            chains.len() - 1
        });
        chains[i].push(action);
    }
    let progress = crate::ui::progress::bar(&ctx.out, plan.actions.len() as u64, plan.step.name());
    let shared = Mutex::new(facts);
    let failures: Vec<(&Action, anyhow::Error, usize)> = stream::iter(chains)
        .map(|chain| {
            let (shared, progress) = (&shared, &progress);
            async move {
                for (done, action) in chain.iter().enumerate() {
                    if let Err(e) = apply_action(ctx, shared, action).await {
                        progress.failed();
                        return Some((*action, e, chain.len() - done - 1));
                    }
                    progress.inc();
                }
                None
            }
        })
        .buffer_unordered(ctx.aws.pacer.concurrency)
        .filter_map(|f| async move { f })
        .collect()
        .await;
    progress.finish();
    if failures.is_empty() {
        return Ok(());
    }
    let total = plan.actions.len();
    let skipped: usize = failures.iter().map(|(_, _, s)| s).sum();
    if total == 1 {
        // One change, one failure: its own error (and hint) says it best.
        let (action, e, _) = failures.into_iter().next().expect("one failure");
        return Err(e.context(format!("could not {}", action.describe())));
    }
    let mut error = UserError::new(format!(
        "{} of {total} changes in {} failed{}",
        failures.len(),
        plan.step.name(),
        if skipped > 0 {
            format!(" ({skipped} that depend on them were not tried)")
        } else {
            String::new()
        }
    ));
    let mut hint = None;
    for (action, e, _) in &failures {
        error = error.caused_by(format!(
            "{}: {}",
            action.describe(),
            crate::error::one_line(e)
        ));
        hint = hint.or_else(|| {
            crate::error::render(e)
                .into_iter()
                .find_map(|l| l.strip_prefix("hint: ").map(str::to_string))
        });
    }
    Err(error
        .hint(hint.unwrap_or_else(|| {
            "everything else was applied; run the step again to retry what failed".to_string()
        }))
        .into())
}

/// Applying is one match over the actions.
async fn apply_action(ctx: &Ctx, facts: &Mutex<&mut Facts>, action: &Action) -> Result<()> {
    use Action::*;
    match action {
        CreateOrganization { .. } => organization::create(ctx, facts).await,
        CreatePermissionSet { .. }
        | UpdatePermissionSet { .. }
        | AttachManagedPolicy { .. }
        | DetachManagedPolicy { .. }
        | AttachCustomerManagedPolicy { .. }
        | DetachCustomerManagedPolicy { .. }
        | PutInlinePolicy { .. }
        | DeleteInlinePolicy { .. }
        | PutPermissionsBoundary { .. }
        | DeletePermissionsBoundary { .. }
        | ProvisionPermissionSet { .. } => permission_sets::apply(ctx, facts, action).await,
        CreateGroup { name, description } => groups::create(ctx, facts, name, description).await,
        CreateAssignment {
            group,
            permission_set,
            account_id,
        } => assignments::create(ctx, facts, group, permission_set, account_id).await,
        CreateUser { user } => users::create(ctx, facts, user).await,
        AddMembership { user_name, group } => {
            users::add_membership(ctx, facts, user_name, group).await
        }
        WriteAwsConfig {
            path,
            session,
            sections,
            conflicts,
            stale,
            ..
        } => cli_profiles::write(ctx, path, session, sections, conflicts, stale).await,
        DeleteIamUser {
            user_name,
            backup_dir,
            ..
        } => iam_users::delete(ctx, facts, user_name, backup_dir).await,
        RestoreIamUser {
            file, user, marker, ..
        } => iam_users::restore_user(ctx, file, user, marker).await,
        EnableCentralizedRootAccess => root_cleanup::enable_centralized(ctx).await,
        DeleteMemberRootCredentials {
            account_id, login, ..
        } => root_cleanup::delete_member_root(ctx, account_id, *login).await,
    }
}

/// The instance an action works in; the step that planned it found it.
pub(crate) fn instance_of(facts: &Mutex<&mut Facts>) -> Result<Instance> {
    facts
        .lock()
        .expect("facts lock")
        .active_instance()
        .cloned()
        .ok_or_else(|| {
            UserError::new("no ACTIVE IAM Identity Center instance in this region")
                .hint("run `ssosetup identity-center` first")
                .into()
        })
}
