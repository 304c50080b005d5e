//! The steps, each declared once.
//!
//! A step is a type implementing [`Step`]: its name and help (from which
//! clap's subcommand, `status` and the wizard come), its **observe** (read
//! AWS, carrying what it found forward in [`Facts`]), its **plan** (a pure
//! function of what was observed, the desired state and what earlier steps
//! will create), its **apply** (one `match` over its own actions), and
//! optionally its questions (the wizard) and its console steps (a person
//! in the console). [`STEPS`] lists them in the guide's order: adding a
//! step is one new file plus one line there.
//!
//! No step reads the run mode (look, dry run, apply): that is the
//! driver's (`src/run`). Applying never asks anything: decisions are
//! part of the plan and answered before apply.

pub(crate) mod assignments;
pub(crate) mod authentication;
pub(crate) mod cli_profiles;
pub(crate) mod delegated_admin;
pub(crate) mod groups;
pub(crate) mod iam_users;
pub(crate) mod identity_center;
pub(crate) mod offboard;
pub(crate) mod organization;
pub(crate) mod permission_sets;
pub(crate) mod portal_url;
pub(crate) mod prune;
pub(crate) mod root_cleanup;
pub(crate) mod users;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use anyhow::Result;
use futures::future::LocalBoxFuture;

use crate::aws::organizations::{describe_organization, list_accounts};
use crate::aws::ssoadmin::list_instances;
use crate::aws::Aws;
use crate::config::LoadedConfig;
use crate::error::UserError;
pub(crate) use crate::model::StepId;
use crate::model::{Account, Caller, Group, IamUser, Instance, Organization, Seat, User};
use crate::plan::{Action, ManualStep, StepPlan};
use crate::ui::{Printer, Prompter};

/// The steps, in the guide's order (the wizard's, `init`'s and `status`'s).
pub(crate) static STEPS: [&dyn AnyStep; 12] = [
    &organization::Organization,
    &identity_center::IdentityCenter,
    &delegated_admin::DelegatedAdmin,
    &authentication::Authentication,
    &permission_sets::PermissionSets,
    &groups::Groups,
    &assignments::Assignments,
    &users::Users,
    &cli_profiles::CliProfiles,
    &root_cleanup::RootCleanup,
    &iam_users::IamUsersCleanup,
    &portal_url::PortalUrl,
];

/// Commands that plan and apply like steps but are not part of `init`.
static OTHERS: [&dyn AnyStep; 1] = [&offboard::Offboard {
    user_name: String::new(),
}];

/// The step called `id`.
pub(crate) fn step(id: StepId) -> &'static dyn AnyStep {
    *STEPS
        .iter()
        .chain(OTHERS.iter())
        .find(|s| s.id() == id)
        .expect("every step id is in STEPS or OTHERS")
}

/// The step called `name` (a subcommand), if there is one.
pub(crate) fn by_name(name: &str) -> Option<&'static dyn AnyStep> {
    STEPS.iter().find(|s| s.id().name() == name).copied()
}

/// What observing and applying need: AWS, the desired state, the printer.
pub(crate) struct Cx {
    pub aws: Aws,
    pub config: LoadedConfig,
    pub out: Printer,
}

/// A person's part: the wizard's questions and the console steps. Only
/// these get the prompter; observe, plan and apply never do.
pub(crate) struct Person<'a> {
    pub cx: &'a mut Cx,
    pub prompt: &'a mut dyn Prompter,
    pub facts: &'a mut Facts,
}

/// One step, typed: what it observes is its own type.
pub(crate) trait Step: Sync {
    /// What [`Step::observe`] found.
    type Observed;

    fn id(&self) -> StepId;

    /// One line of help: the subcommand's.
    fn about(&self) -> &'static str;

    /// The subcommand, with any flags of its own (`--restore`).
    fn command(&self) -> clap::Command {
        clap::Command::new(self.id().name()).about(self.about())
    }

    /// Reads what the step needs from AWS; `facts` carries what earlier
    /// steps found or plan (and caches what several steps read).
    fn observe<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a mut Facts,
    ) -> LocalBoxFuture<'a, Result<Self::Observed>>;

    /// What to change: pure, from what was observed, the desired state and
    /// what earlier steps of this run will create (`facts`).
    fn plan(&self, observed: &Self::Observed, desired: &LoadedConfig, facts: &Facts) -> StepPlan;

    /// Notes in `facts` what this step found and what its plan creates, for
    /// the steps after it.
    fn record(&self, _observed: &Self::Observed, _plan: &StepPlan, _facts: &mut Facts) {}

    /// Makes one of this step's own actions; `facts` receives the ids of
    /// what it creates.
    fn apply<'a>(
        &'a self,
        _cx: &'a Cx,
        _facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        unreachable!("{} plans no action such as {action:?}", self.id().name())
    }

    /// Whether the wizard asks anything for this step.
    fn has_questions(&self) -> bool {
        false
    }

    /// Whether a later step needs this one done. The wizard stops at a
    /// step that cannot go on only when one does (the cleanup steps come
    /// last: nothing needs them, so the wizard says why they wait and ends).
    fn later_steps_need_it(&self) -> bool {
        true
    }

    /// Whether `init --yes` applies this step's actions in one dependency
    /// graph with its neighbours that do too (the Identity Center
    /// resources: each action starts once what it needs exists, whatever
    /// step it belongs to). Steps with console work or files stay apart.
    fn joins_the_graph(&self) -> bool {
        false
    }

    /// The wizard's questions; every answer is saved to the config. `force`:
    /// ask again although the config has answers ("Change answers").
    fn ask<'a, 'p: 'a>(
        &'a self,
        _person: &'a mut Person<'p>,
        _force: bool,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// A console step with a person at the terminal: shown, then waited
    /// for or confirmed (and verified where AWS can tell).
    fn console<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        step: &'a ManualStep,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            show_console_step(&person.cx.out, step);
            Ok(())
        })
    }
}

/// A step with its observation's type erased, for the table.
pub(crate) trait AnyStep: Sync {
    fn id(&self) -> StepId;
    fn command(&self) -> clap::Command;
    /// Observe, plan and record: what the step would do now.
    fn check<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a mut Facts,
    ) -> LocalBoxFuture<'a, Result<StepPlan>>;
    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>>;
    fn has_questions(&self) -> bool;
    fn later_steps_need_it(&self) -> bool;
    fn joins_the_graph(&self) -> bool;
    fn ask<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        force: bool,
    ) -> LocalBoxFuture<'a, Result<()>>;
    fn console<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        step: &'a ManualStep,
    ) -> LocalBoxFuture<'a, Result<()>>;
}

impl<S: Step> AnyStep for S {
    fn id(&self) -> StepId {
        Step::id(self)
    }
    fn command(&self) -> clap::Command {
        Step::command(self)
    }
    fn check<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a mut Facts,
    ) -> LocalBoxFuture<'a, Result<StepPlan>> {
        Box::pin(async move {
            let observed = self.observe(cx, facts).await?;
            let plan = self.plan(&observed, &cx.config, facts);
            self.record(&observed, &plan, facts);
            Ok(plan)
        })
    }
    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Step::apply(self, cx, facts, action)
    }
    fn has_questions(&self) -> bool {
        Step::has_questions(self)
    }
    fn later_steps_need_it(&self) -> bool {
        Step::later_steps_need_it(self)
    }
    fn joins_the_graph(&self) -> bool {
        Step::joins_the_graph(self)
    }
    fn ask<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        force: bool,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Step::ask(self, person, force)
    }
    fn console<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        step: &'a ManualStep,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Step::console(self, person, step)
    }
}

/// A step subcommand with `--prune` (remove what ssosetup manages and the
/// config no longer names).
pub(crate) fn with_prune(cmd: clap::Command) -> clap::Command {
    cmd.arg(
        clap::Arg::new("prune")
            .long("prune")
            .action(clap::ArgAction::SetTrue)
            .help("Also remove what ssosetup manages and the config no longer names (never implied by --yes)"),
    )
}

/// Shows a console step: its page and checklist.
pub(crate) fn show_console_step(out: &Printer, step: &ManualStep) {
    out.say("");
    out.heading(&format!("Console step: {}", step.title));
    out.say(&format!("  open {}", step.url));
    for (i, item) in step.checklist.iter().enumerate() {
        out.say(&format!("  {}. {item}", i + 1));
    }
}

/// A console step AWS cannot verify: the person confirms it, and `record`
/// notes the confirmation in the config so later runs do not ask again;
/// without it, `unconfirmed` says what does not work yet.
pub(crate) fn confirm_console_step(
    person: &mut Person<'_>,
    step: &ManualStep,
    question: &str,
    record: impl FnOnce(&mut crate::config::Config),
    unconfirmed: &str,
) -> Result<()> {
    person.cx.out.say(&format!(
        "Open {} and work through the checklist above.",
        step.url
    ));
    if person.prompt.confirm(question, false)? {
        record(&mut person.cx.config.config);
        person.cx.config.save()?;
        person
            .cx
            .out
            .say(&format!("recorded in {}", person.cx.config.path.display()));
    } else {
        person.cx.out.warn(&format!(
            "not confirmed: {unconfirmed}; ssosetup asks again next time"
        ));
    }
    Ok(())
}

/// What is known about the account so far: observed, or planned by an
/// earlier step of this run. `None` means "not looked at yet"; a step that
/// needs it looks (see the `ensure_*` functions), so each step also works
/// on its own.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub caller: Caller,
    /// Where this run works from (the management account, the delegated
    /// administrator, another member).
    pub seat: Seat,
    /// With the delegated administrator: the permission sets provisioned
    /// to the management account, by ARN (changes to them are the
    /// management account's).
    pub provisioned_to_management: BTreeSet<String>,
    /// The Identity Center home region of this run.
    pub region: String,
    pub organization: OrgState,
    /// `Some(None)`: looked, and there is no ACTIVE instance in the region.
    pub instance: Option<Option<Instance>>,
    /// The organization's accounts.
    pub accounts: Option<Vec<Account>>,
    /// The organization's OUs and where each account sits, once read (when
    /// the config names an `ou:` target, or a command needs them).
    pub org_tree: Option<crate::model::OrgTree>,
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
    pub iam_users: Option<Vec<IamUser>>,
    /// Every group with its description (who made it), once read.
    pub group_list: Option<Vec<Group>>,
    /// Every Identity Center user, once read.
    pub ic_users: Option<Vec<User>>,
    /// Who administers the management account now, once read (for the
    /// lockout checks of removals).
    pub admin_paths: Option<Result<Vec<prune::AdminPath>, String>>,
    /// Who administers each account looked at (the lockout guard of IAM
    /// users' cleanup, per account), once read.
    pub admin_paths_on: BTreeMap<String, Result<Vec<prune::AdminPath>, String>>,
    /// The permission sets that give administrator access, once read.
    pub admin_sets: Option<Vec<iam_users::AdminSet>>,
    /// Group id -> its members' user ids, once read (the lockout guard).
    pub group_members: BTreeMap<String, Vec<String>>,
    /// Member accounts' IAM users, once read (`[cleanup] accounts`).
    pub iam_members: Option<Vec<iam_users::MemberIam>>,
    /// What this run's plans remove so far.
    pub pruned: prune::Pruned,
    /// The users step's reads, made ahead beside another step's (the
    /// identity store they were read in, and what they found).
    pub people: Option<(String, Result<users::People, crate::aws::AwsError>)>,
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
    pub(crate) fn new(caller: Caller, region: &str) -> Self {
        Self {
            caller,
            seat: Seat::Unknown,
            provisioned_to_management: BTreeSet::new(),
            region: region.to_string(),
            organization: OrgState::Unknown,
            instance: None,
            accounts: None,
            org_tree: None,
            permission_sets: None,
            groups: None,
            users: BTreeMap::new(),
            created_permission_sets: BTreeSet::new(),
            created_groups: BTreeSet::new(),
            created_users: BTreeSet::new(),
            iam_users: None,
            group_list: None,
            ic_users: None,
            admin_paths: None,
            admin_paths_on: BTreeMap::new(),
            admin_sets: None,
            group_members: BTreeMap::new(),
            iam_members: None,
            pruned: prune::Pruned::default(),
            people: None,
        }
    }

    /// What is known before anything was read: after a change that may
    /// have been made in part (a failed apply), the next look reads again.
    /// What this run created is kept (nobody can have signed in as a user
    /// it made).
    pub(crate) fn forget_reads(&self) -> Self {
        let mut fresh = Self::new(self.caller.clone(), &self.region);
        fresh.seat = self.seat.clone();
        fresh.provisioned_to_management = self.provisioned_to_management.clone();
        fresh.created_permission_sets = self.created_permission_sets.clone();
        fresh.created_groups = self.created_groups.clone();
        fresh.created_users = self.created_users.clone();
        fresh
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
pub(crate) async fn ensure_organization(cx: &Cx, facts: &mut Facts) -> Result<()> {
    if facts.organization == OrgState::Unknown {
        facts.organization = match describe_organization(&cx.aws.organizations).await? {
            Some(org) => OrgState::Exists(org),
            None => OrgState::Missing,
        };
    }
    Ok(())
}

/// Where the run works from, unless looked at already: the caller's account
/// against the organization's management account and the instance's owner
/// (a member account that sees the organization's instance is its
/// delegated administrator). With the delegated administrator, the
/// permission sets provisioned to the management account are read too.
pub(crate) async fn ensure_seat(cx: &Cx, facts: &mut Facts) -> Result<Seat> {
    if facts.seat != Seat::Unknown {
        return Ok(facts.seat.clone());
    }
    ensure_organization(cx, facts).await?;
    let seat = match &facts.organization {
        OrgState::Exists(org) if org.management_account_id != facts.caller.account => {
            let management = org.management_account_id.clone();
            let instance = ensure_instance(cx, facts).await?;
            match instance {
                Some(i) if i.owner_account_id.as_deref() == Some(management.as_str()) => {
                    facts.provisioned_to_management =
                        crate::aws::ssoadmin::permission_sets_provisioned_to(
                            &cx.aws,
                            &i.arn,
                            &management,
                        )
                        .await?
                        .into_iter()
                        .map(|a| a.to_string())
                        .collect();
                    Seat::DelegatedAdmin { management }
                }
                _ => Seat::Member { management },
            }
        }
        _ => Seat::Management,
    };
    facts.seat = seat.clone();
    Ok(seat)
}

/// Looks for the home region's ACTIVE instance unless an earlier step did.
pub(crate) async fn ensure_instance(cx: &Cx, facts: &mut Facts) -> Result<Option<Instance>> {
    if facts.instance.is_none() {
        let found = list_instances(&cx.aws.ssoadmin).await?;
        facts.instance = Some(found.into_iter().find(Instance::is_active));
    }
    Ok(facts.active_instance().cloned())
}

/// Lists the organization's accounts unless an earlier step did (and its
/// OUs, when the config names one). An organization this run creates has
/// one account: the caller's.
pub(crate) async fn ensure_accounts(cx: &Cx, facts: &mut Facts) -> Result<Vec<Account>> {
    ensure_organization(cx, facts).await?;
    if cx.config.config.names_ous() {
        ensure_org_tree(cx, facts).await?;
    }
    if facts.accounts.is_none() {
        facts.accounts = Some(match &facts.organization {
            OrgState::Exists(_) => list_accounts(&cx.aws.organizations).await?,
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

/// Reads the organization's OUs and where each account sits, unless done
/// already. An organization this run creates (or none) has no OUs.
pub(crate) async fn ensure_org_tree(cx: &Cx, facts: &mut Facts) -> Result<crate::model::OrgTree> {
    ensure_organization(cx, facts).await?;
    if facts.org_tree.is_none() {
        facts.org_tree = Some(match &facts.organization {
            OrgState::Exists(_) => {
                crate::aws::organizations::org_tree(&cx.aws.organizations).await?
            }
            _ => crate::model::OrgTree::default(),
        });
    }
    Ok(facts.org_tree.clone().unwrap_or_default())
}

/// Permission set names to ARNs unless an earlier step looked.
pub(crate) async fn ensure_permission_sets(
    cx: &Cx,
    facts: &mut Facts,
) -> Result<BTreeMap<String, Option<String>>> {
    if facts.permission_sets.is_none() {
        let map = match ensure_instance(cx, facts).await? {
            Some(instance) => permission_sets::observe_names(cx, &instance.arn).await?,
            None => BTreeMap::new(),
        };
        facts.permission_sets = Some(map);
    }
    Ok(facts.permission_sets.clone().unwrap_or_default())
}

/// Group display names to ids unless an earlier step looked.
pub(crate) async fn ensure_groups(
    cx: &Cx,
    facts: &mut Facts,
) -> Result<BTreeMap<String, Option<String>>> {
    if facts.groups.is_none() {
        let list = match ensure_instance(cx, facts).await? {
            Some(instance) => {
                crate::aws::identitystore::list_groups(&cx.aws, &instance.identity_store_id).await?
            }
            None => Vec::new(),
        };
        facts.groups = Some(
            list.iter()
                .map(|g| (g.display_name.clone(), Some(g.id.clone())))
                .collect(),
        );
        facts.group_list = Some(list);
    }
    Ok(facts.groups.clone().unwrap_or_default())
}

/// Every group with its description, unless this run read them already.
pub(crate) async fn ensure_group_list(cx: &Cx, facts: &mut Facts) -> Result<Vec<Group>> {
    if facts.group_list.is_none() {
        facts.groups = None;
        ensure_groups(cx, facts).await?;
    }
    Ok(facts.group_list.clone().unwrap_or_default())
}

/// Every Identity Center user, unless this run read them already.
pub(crate) async fn ensure_ic_users(cx: &Cx, facts: &mut Facts) -> Result<Vec<User>> {
    if facts.ic_users.is_none() {
        let users = match ensure_instance(cx, facts).await? {
            Some(instance) => {
                crate::aws::identitystore::list_users(&cx.aws, &instance.identity_store_id).await?
            }
            None => Vec::new(),
        };
        facts.ic_users = Some(users);
    }
    Ok(facts.ic_users.clone().unwrap_or_default())
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
