//! Step `permission-sets`: the permission sets in the config exist with
//! exactly the configured description, session duration, relay state,
//! managed and customer managed policies, inline policy and boundary.
//!
//! Reads: sso:ListPermissionSets (ARNs only) and DescribePermissionSet for
//! each, concurrently within the rate limit; for the configured ones also
//! their managed policies, customer managed references, inline policy and
//! boundary. May change: create, update (every field sent), attach/detach,
//! put/delete of exactly the drift found, then ProvisionPermissionSet to the
//! accounts a changed set is already provisioned to. Idempotent: a set is
//! found by name and never created twice; a second run finds no drift.
//! Permission sets that are not in the config are left alone (and listed).

use crate::model::plural;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Result;
use futures::stream::{self, StreamExt, TryStreamExt};

use futures::future::LocalBoxFuture;

mod ask;

use super::{ensure_instance, instance_of, Cx, Facts, Person, Step, StepId};
use crate::aws::ssoadmin::{self as sso};
use crate::aws::AwsError;
use crate::config::LoadedConfig;
use crate::config::{
    read_inline_policy, session_duration_seconds, Config, PermissionSetConfig, PermissionsBoundary,
};
use crate::error::UserError;
use crate::model::CustomerManagedPolicy;
use crate::model::{AccountId, Assignment, PermissionSetArn, Principal, PrincipalKind};
use crate::model::{AsyncStatus, Boundary, PermissionSet, PermissionSetFields};
use crate::plan::{Action, NamedAssignment, StepPlan};

/// The default session duration; always sent, never left to the API.
const DEFAULT_SESSION_DURATION: &str = "PT1H";

/// A permission set as the config wants it, with its inline policy read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Desired {
    pub name: String,
    pub fields: PermissionSetFields,
    pub managed: BTreeSet<String>,
    pub customer_managed: BTreeSet<CustomerManagedPolicy>,
    pub inline: Option<String>,
    pub boundary: Option<Boundary>,
}

/// What AWS holds for one permission set the config names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObservedSet {
    pub set: PermissionSet,
    pub managed: BTreeSet<String>,
    pub customer_managed: BTreeSet<CustomerManagedPolicy>,
    pub inline: Option<String>,
    /// `None`: the endpoint could not say.
    pub boundary: Option<Option<Boundary>>,
}

/// Where the inline policy of permission set `name` goes, relative to the
/// config: `policies/<name>.json`, one plain file name inside `policies/`
/// whatever the name holds (a character outside AWS's alphabet for names,
/// `/` included, becomes `_`; `.` and `..` cannot come out). Pure.
pub(crate) fn policy_file(name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from("policies").join(format!("{safe}.json"))
}

/// The config entry that describes permission set `o` as it is, and its
/// inline policy as the file it names ([`policy_file`]). Pure.
pub(crate) fn set_config(o: &ObservedSet) -> (PermissionSetConfig, Option<(PathBuf, String)>) {
    let name = &o.set.name;
    let file = o.inline.as_ref().map(|doc| {
        let path = policy_file(name);
        let pretty = serde_json::from_str::<serde_json::Value>(doc)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| doc.clone());
        (path, pretty + "\n")
    });
    let permissions_boundary = o.boundary.clone().flatten().map(|b| match b {
        Boundary::Managed(arn) => PermissionsBoundary {
            managed_policy_arn: Some(arn),
            customer_managed_policy: None,
        },
        Boundary::CustomerManaged(p) => PermissionsBoundary {
            managed_policy_arn: None,
            customer_managed_policy: Some(p),
        },
    });
    let set = PermissionSetConfig {
        name: name.clone(),
        description: o.set.description.clone(),
        // PT1H is the config's default: written only when it differs.
        session_duration: o
            .set
            .session_duration
            .clone()
            .filter(|d| crate::config::session_duration_seconds(d) != Some(3600)),
        relay_state: o.set.relay_state.clone(),
        managed_policies: o.managed.iter().cloned().collect(),
        customer_managed_policies: o.customer_managed.iter().cloned().collect(),
        inline_policy: file.as_ref().map(|(path, _)| path.clone()),
        permissions_boundary,
    };
    (set, file)
}

pub(crate) fn desired(
    config: &Config,
    base_dir: &std::path::Path,
) -> Result<Vec<Desired>, UserError> {
    config
        .permission_sets
        .iter()
        .map(|ps| desired_one(ps, base_dir))
        .collect()
}

fn desired_one(ps: &PermissionSetConfig, base_dir: &std::path::Path) -> Result<Desired, UserError> {
    let inline = match &ps.inline_policy {
        Some(file) => Some(read_inline_policy(base_dir, file).map_err(|why| {
            UserError::new(format!(
                "the inline policy of permission set {} cannot be used",
                ps.name
            ))
            .caused_by(why)
            .hint("fix the file named by inline_policy (a path relative to the config file)")
        })?),
        None => None,
    };
    let boundary = ps.permissions_boundary.as_ref().and_then(|b| {
        b.managed_policy_arn
            .clone()
            .map(Boundary::Managed)
            .or_else(|| {
                b.customer_managed_policy
                    .clone()
                    .map(Boundary::CustomerManaged)
            })
    });
    Ok(Desired {
        name: ps.name.clone(),
        fields: PermissionSetFields {
            description: ps.description.clone(),
            session_duration: ps
                .session_duration
                .clone()
                .unwrap_or_else(|| DEFAULT_SESSION_DURATION.to_string()),
            relay_state: ps.relay_state.clone(),
        },
        managed: ps.managed_policies.iter().cloned().collect(),
        customer_managed: ps.customer_managed_policies.iter().cloned().collect(),
        inline,
        boundary,
    })
}

/// Every permission set of the instance, described concurrently.
pub(crate) async fn describe_all(ctx: &Cx, instance: &str) -> Result<Vec<PermissionSet>, AwsError> {
    let arns = sso::list_permission_sets(&ctx.aws, instance).await?;
    let progress = crate::ui::progress::bar(&ctx.out, arns.len() as u64, "reading");
    let sets = stream::iter(arns)
        .map(|arn| {
            let progress = &progress;
            async move {
                let set = sso::describe_permission_set(&ctx.aws, instance, &arn).await;
                progress.inc();
                set
            }
        })
        .buffer_unordered(ctx.aws.pacer.concurrency)
        .try_collect()
        .await;
    progress.finish();
    sets
}

/// Names to ARNs, for steps that only need to refer to permission sets.
pub(crate) async fn observe_names(
    ctx: &Cx,
    instance: &str,
) -> Result<BTreeMap<String, Option<String>>, AwsError> {
    Ok(describe_all(ctx, instance)
        .await?
        .into_iter()
        .map(|s| (s.name, Some(s.arn)))
        .collect())
}

pub(crate) async fn observe_details(
    ctx: &Cx,
    instance: &str,
    set: PermissionSet,
) -> Result<ObservedSet, AwsError> {
    let arn = set.arn.clone();
    let (managed, customer_managed, inline) = futures::try_join!(
        sso::list_managed_policies(&ctx.aws, instance, &arn),
        sso::list_customer_managed_policies(&ctx.aws, instance, &arn),
        sso::get_inline_policy(&ctx.aws, instance, &arn),
    )?;
    let boundary = ctx
        .aws
        .optional_read(
            "sso:GetPermissionsBoundaryForPermissionSet",
            "permissions boundaries are left as they are",
            || sso::get_permissions_boundary(&ctx.aws, instance, &arn),
        )
        .await?;
    Ok(ObservedSet {
        set,
        managed,
        customer_managed,
        inline,
        boundary,
    })
}

pub(crate) const ID: StepId = StepId::new("permission-sets");

pub(crate) struct PermissionSets;

/// What the step found: the configured sets as wanted (inline policies
/// read) and as they exist, the other sets, and managed policies that do
/// not exist.
pub(crate) struct Seen {
    desired: Vec<Desired>,
    existing: Vec<ObservedSet>,
    /// Sets not in the config: name -> ARN.
    unmanaged: BTreeMap<String, String>,
    /// (field path, ARN) of configured managed policies IAM does not know.
    missing_policies: Vec<(String, String)>,
    /// With `--prune`: the sets ssosetup created that the config no longer
    /// names, with who holds them where.
    prunable: Vec<PrunableSet>,
}

/// A permission set ssosetup created and the config dropped.
pub(crate) struct PrunableSet {
    name: String,
    arn: String,
    /// Every assignment of it, with its holder's name.
    holders: Vec<NamedAssignment>,
}

impl Step for PermissionSets {
    type Observed = Seen;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Ensure the configured permission sets exist exactly as configured"
    }

    fn command(&self) -> clap::Command {
        super::with_prune(clap::Command::new(ID.name()).about(self.about()))
    }

    fn observe<'a>(&'a self, cx: &'a Cx, facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<Seen>> {
        Box::pin(observe(cx, facts))
    }

    fn plan(&self, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        let unmanaged: Vec<String> = seen.unmanaged.keys().cloned().collect();
        let mut plan = plan(&seen.desired, &seen.existing, &unmanaged);
        if !seen.missing_policies.is_empty() {
            plan.blocker = Some(missing_policies_error(&seen.missing_policies));
        }
        if desired.prune {
            prune_plan(&mut plan, &seen.prunable, facts);
        }
        plan
    }

    fn record(&self, seen: &Seen, plan: &StepPlan, facts: &mut Facts) {
        let groups = facts.groups.clone().unwrap_or_default();
        facts
            .pruned
            .add(&plan.actions, |g| groups.get(g).cloned().flatten());
        let mut names: BTreeMap<String, Option<String>> = seen
            .unmanaged
            .iter()
            .map(|(n, arn)| (n.clone(), Some(arn.clone())))
            .collect();
        names.extend(
            seen.existing
                .iter()
                .map(|o| (o.set.name.clone(), Some(o.set.arn.clone()))),
        );
        for d in &seen.desired {
            names.entry(d.name.clone()).or_insert(None);
        }
        facts.permission_sets = Some(names);
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(apply(cx, facts, action))
    }

    fn has_questions(&self) -> bool {
        true
    }

    fn joins_the_graph(&self) -> bool {
        true
    }

    fn ask<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        force: bool,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(ask::ask(person, force))
    }
}

async fn observe(ctx: &Cx, facts: &mut Facts) -> Result<Seen> {
    let desired = desired(&ctx.config.config, ctx.config.base_dir())?;
    let (existing, unmanaged) = match ensure_instance(ctx, facts).await? {
        // No instance yet (before the console step): all planned.
        None => (Vec::new(), BTreeMap::new()),
        Some(instance) => {
            let all = describe_all(ctx, &instance.arn).await?;
            let wanted: BTreeSet<&str> = desired.iter().map(|d| d.name.as_str()).collect();
            let (managed, unmanaged): (Vec<_>, Vec<_>) = all
                .into_iter()
                .partition(|s| wanted.contains(s.name.as_str()));
            let existing: Vec<ObservedSet> = stream::iter(managed)
                .map(|set| observe_details(ctx, &instance.arn, set))
                .buffer_unordered(ctx.aws.pacer.concurrency / 4 + 1)
                .try_collect()
                .await?;
            let unmanaged = unmanaged.into_iter().map(|s| (s.name, s.arn)).collect();
            (existing, unmanaged)
        }
    };
    let missing_policies = missing_policies(ctx, &existing).await?;
    let prunable = if ctx.config.prune {
        prunable(ctx, facts, &unmanaged).await?
    } else {
        Vec::new()
    };
    Ok(Seen {
        desired,
        existing,
        unmanaged,
        missing_policies,
        prunable,
    })
}

/// With `--prune`: of the sets the config does not name, those ssosetup
/// created (its tag; an endpoint that cannot list tags shows none), with
/// every assignment that holds them; and who administers the account now.
async fn prunable(
    ctx: &Cx,
    facts: &mut Facts,
    unmanaged: &BTreeMap<String, String>,
) -> Result<Vec<PrunableSet>> {
    let Some(instance) = ensure_instance(ctx, facts).await? else {
        return Ok(Vec::new());
    };
    let candidates: Vec<(&String, &String)> = unmanaged
        .iter()
        .filter(|(name, _)| !crate::model::is_aws_owned(name))
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let groups: BTreeMap<String, String> = super::ensure_group_list(ctx, facts)
        .await?
        .into_iter()
        .map(|g| (g.id, g.display_name))
        .collect();
    let users: BTreeMap<String, String> = super::ensure_ic_users(ctx, facts)
        .await?
        .into_iter()
        .map(|u| (u.id, u.user_name))
        .collect();
    let mut out = Vec::new();
    for (name, arn) in candidates {
        let ours = ctx
            .aws
            .optional_read(
                "sso:ListTagsForResource",
                "permission sets ssosetup created cannot be told apart, so none is pruned",
                || sso::made_by_ssosetup(&ctx.aws, &instance.arn, arn),
            )
            .await?
            .unwrap_or(false);
        if !ours {
            continue;
        }
        let mut holders = Vec::new();
        for account in
            sso::list_accounts_for_provisioned_permission_set(&ctx.aws, &instance.arn, arn).await?
        {
            for principal in
                sso::list_account_assignments(&ctx.aws, &instance.arn, &account, arn).await?
            {
                let who = match &principal {
                    Principal::Group(_) => &groups,
                    Principal::User(_) => &users,
                };
                let shown = who
                    .get(principal.id())
                    .cloned()
                    .unwrap_or_else(|| principal.id().to_string());
                holders.push(NamedAssignment {
                    assignment: Assignment {
                        principal,
                        permission_set: PermissionSetArn::new(arn.as_str()),
                        account: AccountId::from_aws(account.as_str()),
                    },
                    principal: shown,
                    permission_set: name.clone(),
                });
            }
        }
        out.push(PrunableSet {
            name: name.clone(),
            arn: arn.clone(),
            holders,
        });
    }
    crate::steps::iam_users::ensure_admin_paths(ctx, facts).await?;
    Ok(out)
}

/// The removals of sets ssosetup created and the config dropped: each with
/// its groups' assignments first; a set someone assigned to a user directly
/// stays (ssosetup never removes a direct user assignment). Pure.
fn prune_plan(plan: &mut StepPlan, prunable: &[PrunableSet], facts: &Facts) {
    for set in prunable {
        let direct: Vec<String> = set
            .holders
            .iter()
            .filter(|h| h.kind() != PrincipalKind::Group)
            .map(|h| format!("{} on {}", h.principal, h.account()))
            .collect();
        if !direct.is_empty() {
            plan.notes.push(format!(
                "{} was created by ssosetup and the config no longer names it, but it is assigned directly to {}: kept (remove those by hand first)",
                set.name,
                direct.join(", ")
            ));
            continue;
        }
        plan.actions.push(Action::DeletePermissionSet {
            name: set.name.clone(),
            arn: set.arn.clone(),
            assignments: set.holders.clone(),
        });
    }
    let mut pruned = facts.pruned.clone();
    let groups = facts.groups.clone().unwrap_or_default();
    pruned.add(&plan.actions, |g| groups.get(g).cloned().flatten());
    if let Some(Ok(paths)) = &facts.admin_paths {
        super::prune::keep_an_administrator(plan, paths, &pruned);
    }
}

/// The configured AWS managed policies (and boundaries) that IAM does not
/// know: a typo found before any write, instead of a permission set left
/// without its policy. Those already attached exist by definition.
async fn missing_policies(ctx: &Cx, existing: &[ObservedSet]) -> Result<Vec<(String, String)>> {
    let attached: BTreeSet<&str> = existing
        .iter()
        .flat_map(|o| o.managed.iter().map(String::as_str))
        .collect();
    let mut wanted: Vec<(String, String)> = Vec::new();
    for (i, ps) in ctx.config.config.permission_sets.iter().enumerate() {
        for (j, arn) in ps.managed_policies.iter().enumerate() {
            wanted.push((
                format!("permission_sets[{i}].managed_policies[{j}]"),
                arn.clone(),
            ));
        }
        if let Some(arn) = ps
            .permissions_boundary
            .as_ref()
            .and_then(|b| b.managed_policy_arn.clone())
        {
            wanted.push((
                format!("permission_sets[{i}].permissions_boundary.managed_policy_arn"),
                arn,
            ));
        }
    }
    // Each distinct policy asked about once, all at once.
    let ask: BTreeSet<&str> = wanted
        .iter()
        .map(|(_, arn)| arn.as_str())
        .filter(|arn| !attached.contains(arn))
        .collect();
    let known: BTreeMap<&str, bool> = stream::iter(ask)
        .map(|arn| async move {
            crate::aws::iam::policy_exists(&ctx.aws.iam, arn)
                .await
                .map(|e| (arn, e))
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    Ok(wanted
        .iter()
        .filter(|(_, arn)| known.get(arn.as_str()) == Some(&false))
        .cloned()
        .collect())
}

fn missing_policies_error(missing: &[(String, String)]) -> UserError {
    let mut error = UserError::new(format!(
        "{} managed polic{} in the config do{} not exist in IAM; nothing was changed",
        missing.len(),
        if missing.len() == 1 { "y" } else { "ies" },
        if missing.len() == 1 { "es" } else { "" }
    ));
    for (at, arn) in missing {
        error = error.caused_by(format!(
            "{at} = {}: no such AWS managed policy",
            crate::error::excerpt(arn)
        ));
    }
    error.hint(
        "check each name in the IAM console (Policies, filter \"AWS managed\") and fix the config",
    )
}

/// Two policy documents are the same when they parse to the same JSON
/// (AWS may return them reformatted).
fn same_policy(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

fn same_duration(a: Option<&str>, b: &str) -> bool {
    match (
        a.and_then(session_duration_seconds),
        session_duration_seconds(b),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => a == Some(b),
    }
}

/// The changes that make AWS match the config. Pure.
pub(crate) fn plan(
    desired: &[Desired],
    observed: &[ObservedSet],
    unmanaged: &[String],
) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    let by_name: BTreeMap<&str, &ObservedSet> =
        observed.iter().map(|o| (o.set.name.as_str(), o)).collect();
    let mut matching = 0;
    for d in desired {
        let Some(o) = by_name.get(d.name.as_str()) else {
            plan_new(&mut plan, d);
            continue;
        };
        let before = plan.actions.len();
        plan_drift(&mut plan, d, o);
        if plan.actions.len() > before {
            plan.actions.push(Action::ProvisionPermissionSet {
                permission_set: d.name.clone(),
            });
        } else {
            matching += 1;
        }
    }
    if matching > 0 {
        plan.notes.push(format!(
            "{matching} permission set{} as configured",
            plural(matching)
        ));
    }
    if desired.is_empty() {
        plan.unconfigured = true;
        plan.notes
            .push("no permission sets in the config yet".into());
    }
    if !unmanaged.is_empty() {
        plan.notes.push(format!(
            "not in the config, left alone: {}",
            unmanaged.join(", ")
        ));
    }
    plan
}

/// A set that does not exist: created with everything it needs.
fn plan_new(plan: &mut StepPlan, d: &Desired) {
    let name = d.name.clone();
    plan.actions.push(Action::CreatePermissionSet {
        name: name.clone(),
        fields: d.fields.clone(),
    });
    for arn in &d.managed {
        plan.actions.push(Action::AttachManagedPolicy {
            permission_set: name.clone(),
            policy_arn: arn.clone(),
        });
    }
    for p in &d.customer_managed {
        plan.actions.push(Action::AttachCustomerManagedPolicy {
            permission_set: name.clone(),
            policy: p.clone(),
        });
    }
    if let Some(doc) = &d.inline {
        plan.actions.push(Action::PutInlinePolicy {
            permission_set: name.clone(),
            document: doc.clone(),
        });
    }
    if let Some(b) = &d.boundary {
        plan.actions.push(Action::PutPermissionsBoundary {
            permission_set: name.clone(),
            boundary: b.clone(),
        });
    }
}

/// A set that exists: exactly the updates, detaches and attaches that make
/// it match (detaches first: a set at its managed-policy quota can then take
/// the new ones).
fn plan_drift(plan: &mut StepPlan, d: &Desired, o: &ObservedSet) {
    let name = d.name.clone();
    let mut changed = Vec::new();
    if o.set.description != d.fields.description {
        changed.push("description");
    }
    if !same_duration(
        o.set.session_duration.as_deref(),
        &d.fields.session_duration,
    ) {
        changed.push("session duration");
    }
    if o.set.relay_state != d.fields.relay_state {
        changed.push("relay state");
    }
    if !changed.is_empty() {
        plan.actions.push(Action::UpdatePermissionSet {
            name: name.clone(),
            fields: d.fields.clone(),
            changed,
        });
    }
    // Detach first: a set at its managed-policy quota can then take the new ones.
    for arn in o.managed.difference(&d.managed) {
        plan.actions.push(Action::DetachManagedPolicy {
            permission_set: name.clone(),
            policy_arn: arn.clone(),
        });
    }
    for p in o.customer_managed.difference(&d.customer_managed) {
        plan.actions.push(Action::DetachCustomerManagedPolicy {
            permission_set: name.clone(),
            policy: p.clone(),
        });
    }
    for arn in d.managed.difference(&o.managed) {
        plan.actions.push(Action::AttachManagedPolicy {
            permission_set: name.clone(),
            policy_arn: arn.clone(),
        });
    }
    for p in d.customer_managed.difference(&o.customer_managed) {
        plan.actions.push(Action::AttachCustomerManagedPolicy {
            permission_set: name.clone(),
            policy: p.clone(),
        });
    }
    match (&d.inline, &o.inline) {
        (Some(want), Some(have)) if same_policy(want, have) => {}
        (Some(want), _) => plan.actions.push(Action::PutInlinePolicy {
            permission_set: name.clone(),
            document: want.clone(),
        }),
        (None, Some(_)) => plan.actions.push(Action::DeleteInlinePolicy {
            permission_set: name.clone(),
        }),
        (None, None) => {}
    }
    match (&d.boundary, &o.boundary) {
        (want, Some(have)) if want == have => {}
        (Some(want), _) => plan.actions.push(Action::PutPermissionsBoundary {
            permission_set: name.clone(),
            boundary: want.clone(),
        }),
        (None, Some(Some(_))) => plan.actions.push(Action::DeletePermissionsBoundary {
            permission_set: name.clone(),
        }),
        (None, _) => {}
    }
}

/// The AWS managed job policies the wizard offers: name, the policy's path
/// under `policy/`, what it grants. Their ARNs are built for the caller's
/// partition by [`managed_policy_arn`].
pub(crate) const COMMON: [(&str, &str, &str); 5] = [
    ("AdministratorAccess", "AdministratorAccess", "Full access"),
    (
        "PowerUserAccess",
        "PowerUserAccess",
        "Full access except IAM and Organizations",
    ),
    ("ReadOnlyAccess", "ReadOnlyAccess", "Read everything"),
    (
        "ViewOnlyAccess",
        "job-function/ViewOnlyAccess",
        "See resources and their metadata, not data",
    ),
    (
        "Billing",
        "job-function/Billing",
        "Billing and cost management",
    ),
];

/// An AWS managed policy's ARN in `partition` (`aws`, `aws-cn`,
/// `aws-us-gov`): AWS's policies live under the account `aws` in each.
pub(crate) fn managed_policy_arn(partition: &str, path: &str) -> String {
    format!("arn:{partition}:iam::aws:policy/{path}")
}

/// How long to wait for provisioning before giving up.
const PROVISION_TIMEOUT: Duration = Duration::from_secs(600);

fn arn_of(facts: &Mutex<&mut Facts>, name: &str) -> Result<String> {
    facts
        .lock()
        .expect("facts lock")
        .permission_sets
        .as_ref()
        .and_then(|m| m.get(name).cloned().flatten())
        .ok_or_else(|| anyhow::anyhow!("permission set {name} has no ARN yet"))
}

/// Long by design: one arm per kind of permission set action.
async fn apply(ctx: &Cx, facts: &Mutex<&mut Facts>, action: &Action) -> Result<()> {
    let instance = instance_of(facts)?.arn;
    let aws = &ctx.aws;
    match action {
        Action::CreatePermissionSet { name, fields } => {
            let arn = sso::create_permission_set(aws, &instance, name, fields).await?;
            let mut f = facts.lock().expect("facts lock");
            f.permission_sets
                .get_or_insert_with(BTreeMap::new)
                .insert(name.clone(), Some(arn));
            f.created_permission_sets.insert(name.clone());
        }
        Action::UpdatePermissionSet { name, fields, .. } => {
            sso::update_permission_set(aws, &instance, &arn_of(facts, name)?, fields).await?
        }
        Action::AttachManagedPolicy {
            permission_set,
            policy_arn,
        } => {
            sso::attach_managed_policy(aws, &instance, &arn_of(facts, permission_set)?, policy_arn)
                .await?
        }
        Action::DetachManagedPolicy {
            permission_set,
            policy_arn,
        } => {
            sso::detach_managed_policy(aws, &instance, &arn_of(facts, permission_set)?, policy_arn)
                .await?
        }
        Action::AttachCustomerManagedPolicy {
            permission_set,
            policy,
        } => {
            sso::attach_customer_managed_policy(
                aws,
                &instance,
                &arn_of(facts, permission_set)?,
                policy,
            )
            .await?
        }
        Action::DetachCustomerManagedPolicy {
            permission_set,
            policy,
        } => {
            sso::detach_customer_managed_policy(
                aws,
                &instance,
                &arn_of(facts, permission_set)?,
                policy,
            )
            .await?
        }
        Action::PutInlinePolicy {
            permission_set,
            document,
        } => {
            sso::put_inline_policy(aws, &instance, &arn_of(facts, permission_set)?, document)
                .await?
        }
        Action::DeleteInlinePolicy { permission_set } => {
            sso::delete_inline_policy(aws, &instance, &arn_of(facts, permission_set)?).await?
        }
        Action::PutPermissionsBoundary {
            permission_set,
            boundary,
        } => {
            sso::put_permissions_boundary(aws, &instance, &arn_of(facts, permission_set)?, boundary)
                .await?
        }
        Action::DeletePermissionsBoundary { permission_set } => {
            sso::delete_permissions_boundary(aws, &instance, &arn_of(facts, permission_set)?)
                .await?
        }
        Action::DeletePermissionSet {
            name,
            arn,
            assignments,
        } => {
            // AWS refuses to delete a set that still has assignments: each
            // goes first, and is waited for.
            for a in assignments {
                sso::delete_assignment(aws, &instance, &a.assignment).await?;
            }
            sso::delete_permission_set(aws, &instance, arn).await?;
            tracing::info!("deleted permission set {name}");
        }
        Action::ProvisionPermissionSet { permission_set } => {
            provision(
                ctx,
                &instance,
                &arn_of(facts, permission_set)?,
                permission_set,
            )
            .await?
        }
        other => unreachable!("not a permission set action: {other:?}"),
    }
    Ok(())
}

/// Re-provisions a changed set where it is provisioned, and waits.
async fn provision(ctx: &Cx, instance: &str, arn: &str, name: &str) -> Result<()> {
    let accounts =
        sso::list_accounts_for_provisioned_permission_set(&ctx.aws, instance, arn).await?;
    if accounts.is_empty() {
        return Ok(()); // not provisioned anywhere: the next assignment provisions it
    }
    let mut status = sso::provision_permission_set(&ctx.aws, instance, arn).await?;
    let deadline = tokio::time::Instant::now() + PROVISION_TIMEOUT;
    let mut delay = Duration::from_millis(500);
    loop {
        match status {
            AsyncStatus::Succeeded => return Ok(()),
            AsyncStatus::Failed(reason) => {
                return Err(UserError::new(format!("provisioning permission set {name} FAILED"))
                    .caused_by(reason)
                    .hint("a customer managed policy must exist under the same name and path in every account the set is provisioned to; fix the cause and run the step again")
                    .into())
            }
            AsyncStatus::InProgress(request_id) => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(UserError::new(format!("provisioning permission set {name} did not finish in 10 minutes"))
                        .hint("check it in the Identity Center console, then run the step again")
                        .into());
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 3 / 2).min(Duration::from_secs(10));
                status = sso::describe_provisioning_status(&ctx.aws, instance, &request_id).await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::json::ResourceType;

    const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
    const READ: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

    fn want(name: &str) -> Desired {
        Desired {
            name: name.into(),
            fields: PermissionSetFields {
                description: None,
                session_duration: "PT1H".into(),
                relay_state: None,
            },
            managed: [ADMIN.to_string()].into(),
            customer_managed: BTreeSet::new(),
            inline: None,
            boundary: None,
        }
    }

    fn have(name: &str) -> ObservedSet {
        ObservedSet {
            set: PermissionSet {
                arn: format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{name}"),
                name: name.into(),
                description: None,
                session_duration: Some("PT1H".into()),
                relay_state: None,
            },
            managed: [ADMIN.to_string()].into(),
            customer_managed: BTreeSet::new(),
            inline: None,
            boundary: Some(None),
        }
    }

    #[test]
    fn a_missing_set_is_created_with_everything_it_needs() {
        let mut d = want("Admin");
        d.inline = Some("{}".into());
        d.boundary = Some(Boundary::Managed(READ.into()));
        let plan = plan(&[d], &[], &[]);
        let kinds: Vec<_> = plan.actions.iter().map(|a| a.resource_type()).collect();
        assert_eq!(
            kinds,
            vec![
                ResourceType::PermissionSet,
                ResourceType::ManagedPolicy,
                ResourceType::InlinePolicy,
                ResourceType::PermissionsBoundary
            ]
        );
        assert!(
            matches!(&plan.actions[0], Action::CreatePermissionSet { fields, .. } if fields.session_duration == "PT1H")
        );
    }

    #[test]
    fn a_matching_set_plans_nothing() {
        let plan = plan(&[want("Admin")], &[have("Admin")], &[]);
        assert!(plan.is_done(), "{:?}", plan.actions);
        assert_eq!(plan.notes, vec!["1 permission set as configured"]);
    }

    #[test]
    fn drifted_policies_get_exactly_the_detach_and_attach_needed_then_provisioning() {
        let mut o = have("Admin");
        o.managed = [READ.to_string()].into();
        let plan = plan(&[want("Admin")], &[o], &[]);
        assert_eq!(
            plan.actions,
            vec![
                Action::DetachManagedPolicy {
                    permission_set: "Admin".into(),
                    policy_arn: READ.into()
                },
                Action::AttachManagedPolicy {
                    permission_set: "Admin".into(),
                    policy_arn: ADMIN.into()
                },
                Action::ProvisionPermissionSet {
                    permission_set: "Admin".into()
                },
            ]
        );
    }

    #[test]
    fn changed_fields_update_with_every_field_sent() {
        let mut d = want("Admin");
        d.fields.session_duration = "PT4H".into();
        d.fields.description = Some("Full access".into());
        let mut o = have("Admin");
        o.set.relay_state = Some("https://console.aws.amazon.com/".into());
        let plan = plan(&[d.clone()], &[o], &[]);
        assert_eq!(
            plan.actions[0],
            Action::UpdatePermissionSet {
                name: "Admin".into(),
                fields: d.fields,
                changed: vec!["description", "session duration", "relay state"]
            }
        );
    }

    #[test]
    fn equivalent_durations_and_reformatted_policies_are_not_drift() {
        let mut d = want("Admin");
        d.fields.session_duration = "PT60M".into();
        d.inline = Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into());
        let mut o = have("Admin");
        o.inline = Some("{\n  \"Statement\": [],\n  \"Version\": \"2012-10-17\"\n}".into());
        assert!(plan(&[d], &[o], &[]).is_done());
    }

    #[test]
    fn extra_inline_policy_and_boundary_are_removed() {
        let mut o = have("Admin");
        o.inline = Some("{}".into());
        o.boundary = Some(Some(Boundary::Managed(READ.into())));
        let kinds: Vec<_> = plan(&[want("Admin")], &[o], &[])
            .actions
            .iter()
            .map(|a| a.describe())
            .collect();
        assert_eq!(
            kinds,
            vec![
                "remove the inline policy of Admin (not in the config)",
                "remove the permissions boundary of Admin (not in the config)",
                "re-provision Admin to the accounts it is provisioned to",
            ]
        );
    }

    #[test]
    fn an_unreadable_boundary_is_left_alone_unless_one_is_wanted() {
        let mut o = have("Admin");
        o.boundary = None;
        assert!(plan(&[want("Admin")], &[o.clone()], &[]).is_done());
        let mut d = want("Admin");
        d.boundary = Some(Boundary::Managed(READ.into()));
        assert_eq!(
            plan(&[d], &[o], &[]).actions[0].resource_type(),
            ResourceType::PermissionsBoundary
        );
    }

    #[test]
    fn sets_not_in_the_config_are_listed_not_touched() {
        let plan = plan(&[], &[], &["Legacy".into()]);
        assert!(plan.actions.is_empty());
        assert_eq!(
            plan.notes,
            vec![
                "no permission sets in the config yet",
                "not in the config, left alone: Legacy"
            ]
        );
    }
}
