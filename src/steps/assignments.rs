//! Step `assignments`: each group holds its permission set on each of its
//! accounts, exactly once.
//!
//! Reads: sso:ListAccountAssignments for every (permission set, account)
//! pair the config names, concurrently within the rate limit. May change:
//! sso:CreateAccountAssignment for what is missing only (the API accepts
//! duplicates, so listing first is what keeps this idempotent), then polls
//! DescribeAccountAssignmentCreationStatus with backoff to SUCCEEDED or
//! FAILED; at most 10 creations are outstanding at once (AWS's limit). A
//! FAILED one is reported with its reason; the others go on.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use anyhow::Result;
use futures::stream::{self, StreamExt, TryStreamExt};

use futures::future::LocalBoxFuture;

use super::{
    ensure_accounts, ensure_groups, ensure_instance, ensure_organization, ensure_permission_sets,
    instance_of, Cx, Facts, Person, Step, StepId,
};
use crate::aws::ssoadmin::{create_group_assignment, list_account_assignments};
use crate::config::LoadedConfig;
use crate::config::{default_group_name, is_account_id, Config};
use crate::error::UserError;
use crate::model::exist_count;
use crate::model::Account;
use crate::model::AsyncStatus;
use crate::model::OrgTree;
use crate::model::{GroupId, Principal};
use crate::plan::{Action, NamedAssignment, StepPlan};

/// One (group, permission set, account) the config asks for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Wanted {
    pub group: String,
    pub permission_set: String,
    pub account_id: String,
    /// The group name is the guide's `<PermissionSet>-<AccountId>`.
    pub default_naming: bool,
}

/// Resolves `management`, `all` and `ou:` targets, takes out
/// `exclude_accounts`, checks named accounts belong to the organization,
/// and lists what the config asks for (each once). Only ACTIVE accounts
/// come from `all` and OUs. Pure.
pub(crate) fn resolve(
    config: &Config,
    management: Option<&str>,
    accounts: Option<&[Account]>,
    tree: Option<&OrgTree>,
) -> Result<Vec<Wanted>, UserError> {
    let mut wanted = BTreeSet::new();
    let mut order = Vec::new();
    for (i, a) in config.assignments.iter().enumerate() {
        let mut ids = Vec::new();
        let in_organization = |id: &str, field: String| -> Result<(), UserError> {
            if let Some(accounts) = accounts {
                match accounts.iter().find(|a| a.id == id) {
                    Some(a) if a.active => {}
                    Some(_) => {
                        return Err(UserError::new(format!("account {id} ({field}) is not ACTIVE in the organization"))
                            .hint("remove it from the config, or wait until the account is active"))
                    }
                    None => {
                        return Err(UserError::new(format!("account {id} ({field}) is not in the organization"))
                            .hint("check the account id; `all`, `management` and `ou:` targets name the organization's accounts for you"))
                    }
                }
            }
            Ok(())
        };
        for (j, acct) in a.accounts.iter().enumerate() {
            match acct.as_str() {
                "management" => ids.push(management.map(str::to_string).ok_or_else(|| {
                    UserError::new(format!("assignments[{i}] names the \"management\" account, but there is no organization"))
                        .hint("run `ssosetup organization` first (or name the account id)")
                })?),
                "all" => {
                    let accounts = accounts.ok_or_else(|| {
                        UserError::new(format!("assignments[{i}] names \"all\" accounts, but there is no organization"))
                            .hint("run `ssosetup organization` first (or name the account ids)")
                    })?;
                    ids.extend(accounts.iter().filter(|a| a.active).map(|a| a.id.clone()));
                }
                target if target.starts_with("ou:") => {
                    let (_, covered) = ou_accounts(a, target, accounts, tree).map_err(|why| {
                        UserError::new(format!("assignments[{i}].accounts[{j}] = \"{target}\": {why}"))
                            .hint("name an OU by its path from the root (ou:Workloads/Prod) or its id (ou:ou-ab12-cdef3456); nothing was changed")
                    })?;
                    ids.extend(covered);
                }
                id => {
                    debug_assert!(is_account_id(id));
                    in_organization(id, format!("assignments[{i}]"))?;
                    ids.push(id.to_string());
                }
            }
        }
        for (j, e) in a.exclude_accounts.iter().enumerate() {
            // Excluding an account that is not ACTIVE is harmless; one the
            // organization does not have is a typo.
            if accounts.is_some_and(|l| !l.iter().any(|x| &x.id == e)) {
                return Err(UserError::new(format!(
                    "account {e} (assignments[{i}].exclude_accounts[{j}]) is not in the organization"
                ))
                .hint("check the account id; nothing was changed"));
            }
        }
        ids.retain(|id| !a.exclude_accounts.contains(id));
        for id in ids {
            let (group, default_naming) = match &a.group {
                Some(g) => (g.clone(), false),
                None => (default_group_name(&a.permission_set, &id), true),
            };
            let w = Wanted {
                group,
                permission_set: a.permission_set.clone(),
                account_id: id,
                default_naming,
            };
            if wanted.insert(w.clone()) {
                order.push(w);
            }
        }
    }
    Ok(order)
}

/// The ACTIVE accounts an `ou:` target of assignment `a` covers, its
/// exclusions taken out, with the OU's path; `Err` says why it names no
/// single OU. Pure.
pub(crate) fn ou_accounts(
    a: &crate::config::AssignmentConfig,
    target: &str,
    accounts: Option<&[Account]>,
    tree: Option<&OrgTree>,
) -> Result<(String, Vec<String>), String> {
    let spec = target.trim_start_matches("ou:");
    let Some(tree) = tree.filter(|t| !t.root.is_empty()) else {
        return Err("there is no organization (or its OUs cannot be read) to find it in".into());
    };
    let ou = tree.find(spec).map_err(|e| e.to_string())?;
    let active: BTreeSet<&str> = accounts
        .unwrap_or_default()
        .iter()
        .filter(|x| x.active)
        .map(|x| x.id.as_str())
        .collect();
    let covered = tree
        .accounts_in(&ou.id, a.recursive.unwrap_or(true))
        .into_iter()
        .filter(|id| active.contains(id.as_str()) && !a.exclude_accounts.contains(id))
        .collect();
    Ok((tree.path(&ou.id), covered))
}

/// The wizard's questions: for each permission set, on which accounts.
pub(crate) async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    let Person {
        cx: ctx,
        prompt,
        facts,
    } = person;
    let config = &ctx.config.config;
    if config.permission_sets.is_empty() || (!config.assignments.is_empty() && !force) {
        return Ok(());
    }
    ensure_organization(ctx, facts).await?;
    let Some(management) = facts.management_account().map(str::to_string) else {
        return Ok(()); // no organization: the organization step says what to do
    };
    let accounts = ensure_accounts(ctx, facts).await?;
    let tree = super::ensure_org_tree(ctx, facts).await?;
    let others: Vec<&Account> = accounts
        .iter()
        .filter(|a| a.active && a.id != management)
        .collect();
    // Each OU as the config names it: its path, or its id when a name in
    // the path has a "/" of its own.
    let ous: Vec<(String, String)> = tree
        .ous
        .iter()
        .map(|o| {
            let path = tree.path(&o.id);
            let target = match tree.find(&path) {
                Ok(found) if found.id == o.id => format!("ou:{path}"),
                _ => format!("ou:{}", o.id),
            };
            let active = tree
                .accounts_in(&o.id, true)
                .iter()
                .filter(|id| accounts.iter().any(|a| &a.id == *id && a.active))
                .count();
            (
                target,
                format!(
                    "OU {path} ({active} account{} now, and those added later)",
                    crate::model::plural(active)
                ),
            )
        })
        .collect();
    let mut items = vec![format!("the management account ({management})")];
    items.extend(others.iter().map(|a| format!("{} ({})", a.name, a.id)));
    let first_ou = items.len();
    items.extend(ous.iter().map(|(_, shown)| shown.clone()));
    items.push("all active accounts, including ones added later".into());
    let all_index = items.len() - 1;
    let mut assignments = Vec::new();
    let sets: Vec<String> = ctx
        .config
        .config
        .permission_sets
        .iter()
        .map(|p| p.name.clone())
        .collect();
    for (n, set) in sets.iter().enumerate() {
        let before: Vec<String> = ctx
            .config
            .config
            .assignments
            .iter()
            .filter(|a| &a.permission_set == set)
            .flat_map(|a| a.accounts.clone())
            .collect();
        let mut chosen =
            vec![before.iter().any(|a| a == "management") || (before.is_empty() && n == 0)];
        chosen.extend(others.iter().map(|a| before.contains(&a.id)));
        chosen.extend(ous.iter().map(|(target, _)| before.contains(target)));
        chosen.push(before.iter().any(|a| a == "all"));
        ctx.out.say(&format!(
            "{set}: one group per account, named {set}-<account id>."
        ));
        let picked = loop {
            let picked =
                prompt.multi_select(&format!("{set}: on which accounts?"), &items, &chosen)?;
            // An empty answer is a choice, not a slip: said and confirmed
            // (once: left empty again after "Change answers", it stands).
            let decided_before = before.is_empty() && !ctx.config.config.assignments.is_empty();
            if !picked.is_empty()
                || decided_before
                || prompt.confirm(
                    &format!(
                        "{set} will be on no account (nobody can use it yet): assign it later?"
                    ),
                    false,
                )?
            {
                break picked;
            }
        };
        let accounts: Vec<String> = if picked.contains(&all_index) {
            vec!["all".to_string()]
        } else {
            picked
                .iter()
                .map(|&i| {
                    if i == 0 {
                        "management".to_string()
                    } else if i < first_ou {
                        others[i - 1].id.clone()
                    } else {
                        ous[i - first_ou].0.clone()
                    }
                })
                .collect()
        };
        if !accounts.is_empty() {
            assignments.push(crate::config::AssignmentConfig {
                permission_set: set.clone(),
                accounts,
                group: None,
                recursive: None,
                exclude_accounts: Vec::new(),
            });
        }
    }
    ctx.config.config.assignments = assignments;
    ctx.config.config.prune_user_groups();
    ctx.config.save()
}

/// What the config asks for, after looking at the organization as needed.
/// The inner `Err` is a reason the step cannot plan (shown as a blocker).
pub(crate) async fn wanted(ctx: &Cx, facts: &mut Facts) -> Result<Result<Vec<Wanted>, UserError>> {
    let config = &ctx.config.config;
    if config.assignments.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    ensure_organization(ctx, facts).await?;
    let accounts = match facts.management_account() {
        Some(_) => Some(ensure_accounts(ctx, facts).await?),
        None => None,
    };
    Ok(resolve(
        config,
        facts.management_account(),
        accounts.as_deref(),
        facts.org_tree.as_ref(),
    ))
}

pub(crate) const ID: StepId = StepId::new("assignments");

pub(crate) struct Assignments;

/// What the config asks for, the names and ids known (or planned), and
/// which groups hold each (permission set ARN, account) now.
pub(crate) struct Seen {
    wanted: Result<Vec<Wanted>, UserError>,
    permission_sets: BTreeMap<String, Option<String>>,
    groups: BTreeMap<String, Option<String>>,
    existing: HashMap<(String, String), HashSet<String>>,
    /// With `--prune`: what the groups the config manages hold of the
    /// configured permission sets.
    held: Vec<NamedAssignment>,
}

impl Step for Assignments {
    type Observed = Seen;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Ensure each group holds its permission set on its accounts, exactly once"
    }

    fn command(&self) -> clap::Command {
        super::with_prune(clap::Command::new(ID.name()).about(self.about()))
    }

    fn observe<'a>(&'a self, cx: &'a Cx, facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<Seen>> {
        Box::pin(observe(cx, facts))
    }

    fn plan(&self, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        match &seen.wanted {
            Err(blocker) => {
                let mut plan = StepPlan::new(ID);
                plan.blocker = Some(blocker.clone());
                plan
            }
            Ok(w) if w.is_empty() && !desired.prune => {
                let mut plan = StepPlan::new(ID);
                plan.unconfigured = true;
                plan.notes.push("no assignments in the config yet".into());
                plan
            }
            Ok(w) => {
                let mut plan = plan(w, &seen.permission_sets, &seen.groups, &seen.existing);
                ou_notes(&mut plan, &desired.config, facts);
                if desired.prune {
                    prune_plan(&mut plan, seen, w, facts);
                }
                plan
            }
        }
    }

    fn record(&self, _seen: &Seen, plan: &StepPlan, facts: &mut Facts) {
        let groups = facts.groups.clone().unwrap_or_default();
        facts
            .pruned
            .add(&plan.actions, |g| groups.get(g).cloned().flatten());
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match action {
                Action::CreateAssignment {
                    group,
                    permission_set,
                    account_id,
                } => create(cx, facts, group, permission_set, account_id).await,
                Action::DeleteAssignment { assignment } => {
                    let instance = instance_of(facts)?.arn;
                    crate::aws::ssoadmin::delete_assignment(
                        &cx.aws,
                        &instance,
                        &assignment.assignment,
                    )
                    .await?;
                    Ok(())
                }
                other => unreachable!("not an assignment action: {other:?}"),
            }
        })
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
        Box::pin(ask(person, force))
    }
}

async fn observe(ctx: &Cx, facts: &mut Facts) -> Result<Seen> {
    let wanted = wanted(ctx, facts).await?;
    let w = match &wanted {
        Ok(w) if !w.is_empty() || ctx.config.prune => w.clone(),
        // Nothing to look up: the plan says why (a blocker, or no assignments).
        _ => {
            return Ok(Seen {
                wanted,
                permission_sets: BTreeMap::new(),
                groups: BTreeMap::new(),
                existing: HashMap::new(),
                held: Vec::new(),
            })
        }
    };
    let permission_sets = ensure_permission_sets(ctx, facts).await?;
    let groups = ensure_groups(ctx, facts).await?;
    let mut existing = HashMap::new();
    if let Some(instance) = ensure_instance(ctx, facts).await? {
        // What this run creates holds no assignment yet: nothing to list.
        let known: Vec<(String, String, String)> = w
            .iter()
            .filter(|w| {
                !facts.created_permission_sets.contains(&w.permission_set)
                    && !facts.created_groups.contains(&w.group)
            })
            .filter_map(|w| {
                let arn = permission_sets.get(&w.permission_set).cloned().flatten()?;
                let group_id = groups.get(&w.group).cloned().flatten()?;
                Some((group_id, arn, w.account_id.clone()))
            })
            .collect();
        let reads = reads(&known);
        let progress = crate::ui::progress::bar(&ctx.out, reads.len() as u64, "reading");
        let found: Vec<Vec<((String, String), String)>> = stream::iter(reads)
            .map(|read| {
                let (instance, progress) = (&instance.arn, &progress);
                async move {
                    let held = match read {
                        Read::Pair(arn, account) => {
                            list_account_assignments(&ctx.aws, instance, &account, &arn)
                                .await?
                                .into_iter()
                                .filter_map(|p| match p {
                                    Principal::Group(id) => {
                                        Some(((arn.clone(), account.clone()), id.to_string()))
                                    }
                                    Principal::User(_) => None,
                                })
                                .collect()
                        }
                        Read::Group(id) => {
                            let group = Principal::Group(GroupId::new(&id));
                            crate::aws::ssoadmin::list_account_assignments_for_principal(
                                &ctx.aws, instance, &group,
                            )
                            .await?
                            .into_iter()
                            .map(|a| {
                                (
                                    (a.permission_set.to_string(), a.account.to_string()),
                                    id.clone(),
                                )
                            })
                            .collect()
                        }
                    };
                    progress.inc();
                    Ok::<_, crate::aws::AwsError>(held)
                }
            })
            .buffer_unordered(ctx.aws.pacer.concurrency)
            .try_collect()
            .await?;
        for (pair, group) in found.into_iter().flatten() {
            existing
                .entry(pair)
                .or_insert_with(HashSet::new)
                .insert(group);
        }
        progress.finish();
    }
    let held = if ctx.config.prune {
        held(ctx, facts, &permission_sets).await?
    } else {
        Vec::new()
    };
    Ok(Seen {
        wanted,
        permission_sets,
        groups,
        existing,
        held,
    })
}

/// One read of what exists: who holds a (permission set ARN, account)
/// pair, or everything a group holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Read {
    Pair(String, String),
    Group(String),
}

/// The fewest reads that say whether each (group id, set ARN, account) is
/// held: a group wanted on several accounts is one paged read of what it
/// holds (100 a page) instead of one per account; the rest are read by
/// pair, each pair once whatever groups want it. Pure.
fn reads(known: &[(String, String, String)]) -> Vec<Read> {
    let mut per_group: BTreeMap<&str, usize> = BTreeMap::new();
    for (group, ..) in known {
        *per_group.entry(group).or_default() += 1;
    }
    let mut reads: BTreeSet<Read> = BTreeSet::new();
    for (group, arn, account) in known {
        if per_group[group.as_str()] > 1 {
            reads.insert(Read::Group(group.clone()));
        } else {
            reads.insert(Read::Pair(arn.clone(), account.clone()));
        }
    }
    reads.into_iter().collect()
}

/// With `--prune`: every assignment of a configured permission set that a
/// group the config manages holds (one call per group, of every group in
/// the identity store: an account dropped from `accounts` leaves its
/// `<set>-<account>` group out of the config).
async fn held(
    ctx: &Cx,
    facts: &mut Facts,
    permission_sets: &BTreeMap<String, Option<String>>,
) -> Result<Vec<NamedAssignment>> {
    let Some(instance) = ensure_instance(ctx, facts).await? else {
        return Ok(Vec::new());
    };
    let managed = super::prune::ManagedGroups::of(&ctx.config.config);
    let configured: BTreeMap<String, String> = ctx
        .config
        .config
        .permission_sets
        .iter()
        .filter_map(|p| {
            let arn = permission_sets.get(&p.name).cloned().flatten()?;
            Some((arn, p.name.clone()))
        })
        .collect();
    let mut held = Vec::new();
    for g in super::ensure_group_list(ctx, facts).await? {
        let (group, id) = (&g.display_name, &g.id);
        if !managed.contains(group) || facts.pruned.groups.contains(id) {
            continue;
        }
        let principal = Principal::Group(GroupId::new(id));
        for a in crate::aws::ssoadmin::list_account_assignments_for_principal(
            &ctx.aws,
            &instance.arn,
            &principal,
        )
        .await?
        {
            if let Some(set) = configured.get(a.permission_set.as_str()) {
                held.push(NamedAssignment {
                    assignment: a,
                    principal: group.clone(),
                    permission_set: set.clone(),
                });
            }
        }
    }
    crate::steps::iam_users::ensure_admin_paths(ctx, facts).await?;
    Ok(held)
}

/// The removals of assignments the config no longer lists (of configured
/// permission sets, held by groups it manages). A read of the organization's
/// accounts that came back empty gates them behind a question. Pure.
fn prune_plan(plan: &mut StepPlan, seen: &Seen, wanted: &[Wanted], facts: &Facts) {
    let wanted: HashSet<(&str, &str, &str)> = wanted
        .iter()
        .map(|w| {
            (
                w.group.as_str(),
                w.permission_set.as_str(),
                w.account_id.as_str(),
            )
        })
        .collect();
    for held in &seen.held {
        if wanted.contains(&(
            held.principal.as_str(),
            held.permission_set.as_str(),
            held.account(),
        )) {
            continue;
        }
        plan.actions.push(Action::DeleteAssignment {
            assignment: held.clone(),
        });
    }
    super::prune::gate_on_empty_accounts(plan, facts);
    let mut pruned = facts.pruned.clone();
    let groups = facts.groups.clone().unwrap_or_default();
    pruned.add(&plan.actions, |g| groups.get(g).cloned().flatten());
    if let Some(Ok(paths)) = &facts.admin_paths {
        super::prune::keep_an_administrator(plan, paths, &pruned);
    }
}

/// For each `ou:` target, how many accounts it covers and how many lack
/// their assignment (an account that joined or moved in since the last
/// run); the count of those is the plan's headline. Pure.
fn ou_notes(plan: &mut StepPlan, config: &Config, facts: &Facts) {
    let mut new_in: Vec<(String, usize)> = Vec::new();
    for a in &config.assignments {
        for target in a.accounts.iter().filter(|t| t.starts_with("ou:")) {
            let Ok((path, covered)) = ou_accounts(
                a,
                target,
                facts.accounts.as_deref(),
                facts.org_tree.as_ref(),
            ) else {
                continue;
            };
            let lacking: Vec<&str> = covered
                .iter()
                .filter(|account| {
                    plan.actions.iter().any(|act| {
                        matches!(act, Action::CreateAssignment { permission_set, account_id, .. }
                            if permission_set == &a.permission_set && account_id == *account)
                    })
                })
                .map(String::as_str)
                .collect();
            let n = covered.len();
            plan.notes.push(if lacking.is_empty() {
                format!(
                    "{target}: {} on {n} account{} of OU {path}, each assigned",
                    a.permission_set,
                    crate::model::plural(n)
                )
            } else {
                format!(
                    "{target}: {} on {n} account{} of OU {path}; {} without it yet: {}",
                    a.permission_set,
                    crate::model::plural(n),
                    lacking.len(),
                    crate::model::some_of(&lacking)
                )
            });
            if !lacking.is_empty() {
                match new_in.iter_mut().find(|(p, _)| p == &path) {
                    Some((_, count)) => *count = (*count).max(lacking.len()),
                    None => new_in.push((path, lacking.len())),
                }
            }
        }
    }
    if !new_in.is_empty() {
        plan.headline = Some(
            new_in
                .iter()
                .map(|(path, n)| {
                    format!(
                        "{n} account{} in {path} without {} assignments",
                        crate::model::plural(*n),
                        if *n == 1 { "its" } else { "their" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
}

/// The missing assignments. `existing` maps (permission set ARN, account)
/// to the group ids that hold it. Pure.
pub(crate) fn plan(
    wanted: &[Wanted],
    permission_sets: &BTreeMap<String, Option<String>>,
    groups: &BTreeMap<String, Option<String>>,
    existing: &HashMap<(String, String), HashSet<String>>,
) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    let mut present = 0;
    for w in wanted {
        let ps_arn = permission_sets.get(&w.permission_set).cloned().flatten();
        let group_id = groups.get(&w.group).cloned().flatten();
        let exists = match (ps_arn, group_id) {
            (Some(arn), Some(id)) => existing
                .get(&(arn, w.account_id.clone()))
                .is_some_and(|holders| holders.contains(&id)),
            _ => false, // the set or the group is created in this run
        };
        if exists {
            present += 1;
        } else {
            plan.actions.push(Action::CreateAssignment {
                group: w.group.clone(),
                permission_set: w.permission_set.clone(),
                account_id: w.account_id.clone(),
            });
        }
    }
    if present > 0 {
        plan.notes.push(exist_count(present, "assignment"));
    }
    if let Some(blocker) = missing_prerequisites(wanted, permission_sets, groups) {
        plan.blocker = Some(blocker);
    }
    plan
}

/// The permission sets and groups the assignments need that neither exist
/// nor are planned by an earlier step of this run: the step stops before
/// its first write (`assignments` run on its own before `groups`). Pure.
fn missing_prerequisites(
    wanted: &[Wanted],
    permission_sets: &BTreeMap<String, Option<String>>,
    groups: &BTreeMap<String, Option<String>>,
) -> Option<UserError> {
    let sets: BTreeSet<&str> = wanted
        .iter()
        .map(|w| w.permission_set.as_str())
        .filter(|s| !permission_sets.contains_key(*s))
        .collect();
    let missing_groups: BTreeSet<&str> = wanted
        .iter()
        .map(|w| w.group.as_str())
        .filter(|g| !groups.contains_key(*g))
        .collect();
    if sets.is_empty() && missing_groups.is_empty() {
        return None;
    }
    let mut missing = Vec::new();
    let mut steps = Vec::new();
    if !sets.is_empty() {
        missing.push(format!(
            "permission set{} {}",
            crate::model::plural(sets.len()),
            crate::model::some_of(&sets.into_iter().collect::<Vec<_>>())
        ));
        steps.push("`ssosetup permission-sets`");
    }
    if !missing_groups.is_empty() {
        missing.push(format!(
            "group{} {}",
            crate::model::plural(missing_groups.len()),
            crate::model::some_of(&missing_groups.into_iter().collect::<Vec<_>>())
        ));
        steps.push("`ssosetup groups`");
    }
    Some(
        UserError::new(format!(
            "the assignments need what does not exist yet: {}; nothing was changed",
            missing.join(" and ")
        ))
        .hint(format!(
            "run {} first, or `ssosetup init`, which runs every step in order",
            steps.join(" and ")
        )),
    )
}

async fn create(
    ctx: &Cx,
    facts: &Mutex<&mut Facts>,
    group: &str,
    permission_set: &str,
    account: &str,
) -> Result<()> {
    let instance = instance_of(facts)?.arn;
    let (ps_arn, group_id) = {
        let f = facts.lock().expect("facts lock");
        let ps = f
            .permission_sets
            .as_ref()
            .and_then(|m| m.get(permission_set).cloned().flatten());
        let g = f
            .groups
            .as_ref()
            .and_then(|m| m.get(group).cloned().flatten());
        (ps, g)
    };
    let ps_arn = ps_arn
        .ok_or_else(|| anyhow::anyhow!("permission set {permission_set} does not exist yet"))?;
    let group_id = group_id.ok_or_else(|| anyhow::anyhow!("group {group} does not exist yet"))?;
    // AWS allows 15 outstanding creations; the permit covers the creation
    // until it leaves IN_PROGRESS.
    let permit = ctx.aws.pacer.assignment_creations.acquire().await?;
    let status =
        match create_group_assignment(&ctx.aws, &instance, account, &ps_arn, &group_id).await? {
            AsyncStatus::InProgress(request_id) => {
                ctx.aws
                    .creations
                    .wait(&ctx.aws, &instance, &request_id, || drop(permit))
                    .await?
            }
            done => done,
        };
    match status {
        AsyncStatus::Succeeded => Ok(()),
        AsyncStatus::Failed(reason) => Err(UserError::new("AWS reported the assignment FAILED")
            .caused_by(reason)
            .into()),
        AsyncStatus::InProgress(_) => Err(UserError::new(
            "the assignment is still IN_PROGRESS after 10 minutes",
        )
        .hint("check it in the Identity Center console, then run the step again")
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    #[test]
    fn sets_and_groups_that_are_neither_there_nor_planned_stop_the_step() {
        let w = |g: &str, ps: &str| Wanted {
            group: g.into(),
            permission_set: ps.into(),
            account_id: "111111111111".into(),
            default_naming: false,
        };
        let wanted = [w("Admins", "Admin"), w("Readers", "ReadOnly")];
        let sets = BTreeMap::from([("Admin".to_string(), Some("ps-1".to_string()))]);
        let groups = BTreeMap::from([("Admins".to_string(), None)]);
        let p = plan(&wanted, &sets, &groups, &HashMap::new());
        let blocker = p.blocker.expect("ReadOnly and Readers do not exist");
        assert!(
            blocker.message.contains("permission set ReadOnly"),
            "{}",
            blocker.message
        );
        assert!(
            blocker.message.contains("group Readers"),
            "{}",
            blocker.message
        );
        let all_sets = BTreeMap::from([
            ("Admin".to_string(), Some("ps-1".to_string())),
            ("ReadOnly".to_string(), None),
        ]);
        let all_groups =
            BTreeMap::from([("Admins".to_string(), None), ("Readers".to_string(), None)]);
        assert!(plan(&wanted, &all_sets, &all_groups, &HashMap::new())
            .blocker
            .is_none());
    }

    #[test]
    fn a_group_on_many_accounts_is_one_read_and_single_pairs_are_read_once() {
        let t = |g: &str, a: &str, acct: &str| (g.to_string(), a.to_string(), acct.to_string());
        let known = vec![
            t("g-admins", "ps-admin", "111111111111"),
            t("g-admins", "ps-admin", "222222222222"),
            t("g-admins", "ps-admin", "333333333333"),
            t("g-ro-1", "ps-ro", "111111111111"),
            t("g-ro-2", "ps-ro", "222222222222"),
            // Another group wanting the same pair: the pair is read once.
            t("g-ro-2b", "ps-ro", "222222222222"),
        ];
        assert_eq!(
            reads(&known),
            vec![
                Read::Pair("ps-ro".into(), "111111111111".into()),
                Read::Pair("ps-ro".into(), "222222222222".into()),
                Read::Group("g-admins".into()),
            ]
        );
    }

    fn accounts() -> Vec<Account> {
        vec![
            Account {
                id: "111111111111".into(),
                name: "mgmt".into(),
                active: true,
            },
            Account {
                id: "222222222222".into(),
                name: "dev".into(),
                active: true,
            },
            Account {
                id: "333333333333".into(),
                name: "closed".into(),
                active: false,
            },
        ]
    }

    const CONFIG: &str = r#"
[[permission_sets]]
name = "Admin"
[[permission_sets]]
name = "Read"
[[assignments]]
permission_set = "Admin"
accounts = ["management", "all"]
[[assignments]]
permission_set = "Read"
accounts = ["222222222222"]
group = "Readers"
"#;

    #[test]
    fn management_and_all_resolve_to_active_accounts_each_once() {
        let config = parse(CONFIG).unwrap();
        let got: Vec<(String, String)> =
            resolve(&config, Some("111111111111"), Some(&accounts()), None)
                .unwrap()
                .into_iter()
                .map(|w| (w.group, w.account_id))
                .collect();
        assert_eq!(
            got,
            vec![
                ("Admin-111111111111".into(), "111111111111".into()),
                ("Admin-222222222222".into(), "222222222222".into()),
                ("Readers".into(), "222222222222".into()),
            ]
        );
    }

    /// r-1: the management account; Workloads (222222222222; Prod
    /// (333333333333, and 444444444444 suspended)).
    fn tree() -> OrgTree {
        let ou = |id: &str, name: &str, parent: &str| crate::model::Ou {
            id: id.into(),
            name: name.into(),
            parent: parent.into(),
        };
        OrgTree {
            root: "r-1".into(),
            ous: vec![
                ou("ou-1-work0000", "Workloads", "r-1"),
                ou("ou-1-prod0000", "Prod", "ou-1-work0000"),
            ],
            parent_of: [
                ("111111111111", "r-1"),
                ("222222222222", "ou-1-work0000"),
                ("333333333333", "ou-1-prod0000"),
                ("444444444444", "ou-1-prod0000"),
            ]
            .into_iter()
            .map(|(a, p)| (a.to_string(), p.to_string()))
            .collect(),
        }
    }

    fn ou_accounts_of(toml: &str) -> Result<Vec<String>, UserError> {
        let mut org = accounts();
        org.retain(|a| a.id != "333333333333");
        org.push(Account {
            id: "333333333333".into(),
            name: "prod".into(),
            active: true,
        });
        org.push(Account {
            id: "444444444444".into(),
            name: "old".into(),
            active: false,
        });
        let config = parse(&format!(
            "[[permission_sets]]\nname = \"Dev\"\n[[assignments]]\npermission_set = \"Dev\"\n{toml}"
        ))
        .unwrap();
        resolve(&config, Some("111111111111"), Some(&org), Some(&tree()))
            .map(|w| w.into_iter().map(|w| w.account_id).collect())
    }

    #[test]
    fn an_ou_target_covers_its_active_accounts_and_its_childrens() {
        assert_eq!(
            ou_accounts_of("accounts = [\"ou:Workloads\"]").unwrap(),
            ["222222222222", "333333333333"]
        );
        assert_eq!(
            ou_accounts_of("accounts = [\"ou:Workloads\"]\nrecursive = false").unwrap(),
            ["222222222222"]
        );
        assert_eq!(
            ou_accounts_of("accounts = [\"ou:ou-1-prod0000\", \"ou:Workloads/Prod\"]").unwrap(),
            ["333333333333"]
        );
        assert_eq!(
            ou_accounts_of("accounts = [\"ou:Workloads\", \"management\"]\nexclude_accounts = [\"333333333333\", \"444444444444\"]").unwrap(),
            ["222222222222", "111111111111"]
        );
    }

    #[test]
    fn an_ou_nobody_has_or_an_unknown_exclusion_is_an_error_naming_the_field() {
        let e = ou_accounts_of("accounts = [\"ou:Workload\"]").unwrap_err();
        assert!(
            e.message.starts_with(
                "assignments[0].accounts[0] = \"ou:Workload\": no organizational unit"
            ),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("Workloads (ou-1-work0000)"),
            "{}",
            e.message
        );
        let e = ou_accounts_of("accounts = [\"ou:Prod\"]\nexclude_accounts = [\"999999999999\"]")
            .unwrap_err();
        assert!(
            e.message.contains("assignments[0].exclude_accounts[0]"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_account_outside_the_organization_is_refused() {
        let config = parse("[[permission_sets]]\nname = \"A\"\n[[assignments]]\npermission_set = \"A\"\naccounts = [\"999999999999\"]\n").unwrap();
        let e = resolve(&config, Some("111111111111"), Some(&accounts()), None).unwrap_err();
        assert!(e.message.contains("999999999999"), "{}", e.message);
    }

    #[test]
    fn management_without_an_organization_is_explained() {
        let config = parse(CONFIG).unwrap();
        let e = resolve(&config, None, None, None).unwrap_err();
        assert!(e.hint.unwrap().contains("ssosetup organization"));
    }

    #[test]
    fn only_missing_assignments_are_planned() {
        let config = parse(CONFIG).unwrap();
        let wanted = resolve(&config, Some("111111111111"), Some(&accounts()), None).unwrap();
        let sets = BTreeMap::from([
            ("Admin".to_string(), Some("ps-a".to_string())),
            ("Read".to_string(), None),
        ]);
        let groups = BTreeMap::from([
            ("Admin-111111111111".to_string(), Some("g-1".to_string())),
            ("Admin-222222222222".to_string(), Some("g-2".to_string())),
            ("Readers".to_string(), Some("g-r".to_string())),
        ]);
        let existing = HashMap::from([
            (
                ("ps-a".to_string(), "111111111111".to_string()),
                HashSet::from(["g-1".to_string()]),
            ),
            // another group holds it on 2222: not ours
            (
                ("ps-a".to_string(), "222222222222".to_string()),
                HashSet::from(["g-other".to_string()]),
            ),
        ]);
        let plan = plan(&wanted, &sets, &groups, &existing);
        let names: Vec<String> = plan.actions.iter().map(|a| a.name()).collect();
        assert_eq!(
            names,
            vec![
                "Admin-222222222222/Admin/222222222222",
                "Readers/Read/222222222222"
            ]
        );
        assert_eq!(plan.notes, vec!["1 assignment exists"]);
    }
}
