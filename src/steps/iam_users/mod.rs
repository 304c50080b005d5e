//! Step `iam-users-cleanup`: the legacy IAM users, inventoried, and deleted
//! only when the config names them (`[cleanup] iam_users`, which the wizard
//! fills from the person's picks).
//!
//! Safety, in the order it is checked:
//! - never a user in `keep_iam_users` (the config cannot name one in both);
//! - never the identity this run signs with;
//! - not at all while no Identity Center user holds an administrator
//!   permission set on the management account (the lockout guard);
//! - a backup file (JSON, mode 0600) of each user is written before the
//!   first thing of it is removed; `--restore FILE` recreates the user from it.
//!
//! Reads: iam ListUsers, GetUser, GetLoginProfile, ListAccessKeys,
//! GetAccessKeyLastUsed, ListMFADevices, ListGroupsForUser,
//! ListAttachedUserPolicies, ListUserPolicies, GetUserPolicy, ListUserTags,
//! ListSSHPublicKeys, GetSSHPublicKey, ListSigningCertificates,
//! ListServiceSpecificCredentials; for the guard sso ListPermissionSets,
//! DescribePermissionSet, ListManagedPoliciesInPermissionSet,
//! ListAccountAssignments, identitystore ListUsers, ListGroupMemberships.
//! Changes: the user's dependents, in the order DeleteUser needs them gone
//! (login profile, access keys, certificates, SSH keys, service-specific
//! credentials, MFA devices, inline and attached policies, groups), then
//! the user.

use crate::model::plural;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use futures::future::LocalBoxFuture;

use super::{
    ensure_groups, ensure_instance, ensure_organization, ensure_permission_sets, Cx, Facts, Person,
    Step, StepId,
};
use crate::aws::iam::{self};
use crate::aws::identitystore::{self as ids};
use crate::aws::ssoadmin as sso;
use crate::config::CleanupConfig;
use crate::config::LoadedConfig;
use crate::error::UserError;
use crate::model::Caller;
use crate::model::KeyHolder;
use crate::model::User as IcUser;
use crate::model::{Dependent, IamUser};
use crate::plan::json::{IamUserReport, IamUsersReport, KeyCount, Report};
use crate::plan::{Action, StepPlan};

mod accounts;
mod backup;
mod delete;
mod guard;
mod phases;
mod restore;
mod table;

pub(crate) use accounts::{MemberIam, Targets};
#[cfg(test)]
pub(crate) use backup::write_backup;
pub(crate) use backup::{earlier_backups, load_backup};
pub(crate) use delete::delete;
#[cfg(test)]
pub(crate) use delete::delete_in_order;
pub(crate) use delete::{deactivate, reactivate};
pub(crate) use guard::{admin_policy, admin_sets, ensure_admin_paths, guard, AdminSet, Guard};
pub(crate) use restore::{plan_restore, restore_user};
use table::{day, replaced_by, table};

/// Every IAM user with everything attached to it, unless this run read
/// them already.
pub(crate) async fn observe(ctx: &Cx, facts: &mut Facts) -> Result<Vec<IamUser>> {
    if let Some(users) = &facts.iam_users {
        return Ok(users.clone());
    }
    let users = inventory_all(ctx).await?;
    facts.iam_users = Some(users.clone());
    Ok(users)
}

async fn inventory_all(ctx: &Cx) -> Result<Vec<IamUser>> {
    let names = iam::list_users(&ctx.aws.iam).await?;
    let mut users: Vec<IamUser> = stream::iter(names)
        .map(|u| async move { iam::inventory(&ctx.aws, &u.user_name).await })
        .buffer_unordered(4)
        .try_filter_map(|u| async move { Ok(u) })
        .try_collect()
        .await?;
    users.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    Ok(users)
}

/// The Identity Center users, when there is an instance to ask.
async fn identity_center_users(ctx: &Cx, facts: &mut Facts) -> Result<Vec<IcUser>> {
    Ok(match ensure_instance(ctx, facts).await? {
        Some(instance) => ids::list_users(&ctx.aws, &instance.identity_store_id).await?,
        None => Vec::new(),
    })
}

/// What the plan does with one IAM user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    Delete,
    Keep,
    /// Named for deletion, but it is the identity this run uses.
    Caller,
    NotNamed,
}

impl Fate {
    fn label(self) -> &'static str {
        match self {
            Fate::Delete => "delete",
            Fate::Keep => "keep (keep_iam_users)",
            Fate::Caller => "keep: this run uses it",
            Fate::NotNamed => "left alone",
        }
    }
}

/// The fate of a user of the calling account.
pub(crate) fn fate(user: &IamUser, cleanup: &CleanupConfig, caller: &Caller) -> Fate {
    if cleanup.keeps(&caller.account, true, &user.user_name) {
        Fate::Keep
    } else if !cleanup.deletes(&caller.account, true, &user.user_name) {
        Fate::NotNamed
    } else if caller.is_iam_user(&user.user_name) {
        Fate::Caller
    } else {
        Fate::Delete
    }
}

/// The IAM users the config neither deletes nor keeps (the caller aside:
/// it cannot be deleted by its own run). Pure.
pub(crate) fn undecided<'a>(
    users: &'a [IamUser],
    cleanup: &CleanupConfig,
    caller: &Caller,
) -> Vec<&'a str> {
    users
        .iter()
        .filter(|u| {
            !cleanup.deletes(&caller.account, true, &u.user_name)
                && !cleanup.keeps(&caller.account, true, &u.user_name)
                && !caller.is_iam_user(&u.user_name)
        })
        .map(|u| u.user_name.as_str())
        .collect()
}

/// What [`plan`] needs; all observed beforehand.
pub(crate) struct Inputs<'a> {
    /// The calling account's users; `None`: `[cleanup] accounts` leaves it
    /// out.
    pub users: Option<&'a [IamUser]>,
    pub ic_users: &'a [IcUser],
    pub cleanup: &'a CleanupConfig,
    pub caller: &'a Caller,
    /// Looked at only when there is something to delete.
    pub guard: Option<Guard>,
    pub backup_dir: PathBuf,
    /// The administrators this run creates (they cannot have signed in
    /// yet): with no other administrator, cleanup waits for a later run.
    pub planned_admins: Vec<String>,
    /// The administrator's profile `cli-profiles` writes, for the hints.
    pub admin_profile: Option<String>,
    /// The member accounts `[cleanup] accounts` covers, as read.
    pub members: &'a [MemberIam],
    /// Member accounts named one by one that are not ACTIVE.
    pub not_active: &'a [crate::model::MemberAccess],
    /// Accounts `all` left out as not ACTIVE.
    pub inactive_in_all: usize,
    /// The lockout guard of each member account with something to delete.
    pub member_guards: &'a BTreeMap<String, Guard>,
    /// Now (a test's clock in tests): ages, and the two phases' wait.
    pub now: SystemTime,
    /// `[cleanup] accounts` or a `account/user` entry that cannot be
    /// resolved: the step stops before any write.
    pub targets_error: Option<UserError>,
}

/// What the lockout guard says, in the plan: deletions go on only when
/// someone else (who is not new in this run) administers the account.
fn lockout_guard_lets_go(plan: &mut StepPlan, i: &Inputs) -> bool {
    match &i.guard {
        Some(Guard::Admin(who)) => {
            plan.notes
                .push(format!("lockout guard: {who}; IAM users may go"));
            true
        }
        Some(Guard::NotYet(users)) => {
            plan.waits = Some(waits_for_sign_in(users, i));
            false
        }
        Some(Guard::Nobody(_)) if !i.planned_admins.is_empty() => {
            plan.waits = Some(waits_for_sign_in(&i.planned_admins, i));
            false
        }
        Some(Guard::Nobody(why)) => {
            plan.blocker = Some(
                UserError::new(format!(
                    "no IAM user is deleted while nobody else is known to be able to administer the account: {why}"
                ))
                .hint(format!("an Identity Center user needs AdministratorAccess on the management account (`ssosetup init`, or `permission-sets`, `assignments`, `users`); have them sign in once (`ssosetup login --profile {p}` or `aws sso login --profile {p}`: ssosetup cannot see that, best run cleanup with their profile), then run `ssosetup iam-users-cleanup` again", p = profile_or_name(i))),
            );
            false
        }
        None => {
            plan.blocker = Some(UserError::new(
                "the lockout guard was not checked: nothing is deleted",
            ));
            false
        }
    }
}

/// Cleanup waits for a later run than the one that creates the
/// administrator: nobody can have signed in as them yet.
fn waits_for_sign_in(users: &[String], i: &Inputs) -> UserError {
    let p = profile_or_name(i);
    UserError::new(format!(
        "no IAM user is deleted in the run that creates the administrator: {}",
        guard::not_yet(users)
    ))
    .hint(format!("apply the other steps; once the new administrator has signed in (`ssosetup login --profile {p}`), run `ssosetup --profile {p} iam-users-cleanup`"))
}

/// The administrator's profile, when the config makes one; else a
/// placeholder to fill in.
fn profile_or_name<'a>(i: &'a Inputs) -> &'a str {
    i.admin_profile.as_deref().unwrap_or("NAME")
}

/// The plan: pure, from what was observed.
pub(crate) fn plan(i: &Inputs) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    if let Some(e) = &i.targets_error {
        plan.blocker = Some(e.clone());
        return plan;
    }
    let mut count = KeyCount::default();
    let mut undecided: Vec<String> = Vec::new();
    let mut home_actions = Vec::new();
    let mut home_reports = Vec::new();
    let mut caller_named = None;
    if let Some(users) = i.users {
        count.accounts_read += 1;
        let holders: Vec<KeyHolder> = users.iter().map(KeyHolder::from).collect();
        accounts::count_keys(holders.iter(), i.now, &mut count);
        let mut labels = Vec::new();
        for u in users {
            let f = fate(u, i.cleanup, i.caller);
            let label = if f == Fate::Delete {
                let phase = phases::phase(
                    i.cleanup.deactivate_first,
                    i.cleanup.deactivate_days(),
                    u.tags.get(iam::KEYS_OFF_TAG).map(String::as_str),
                    &u.access_keys,
                    i.now,
                );
                match accounts::outcome(&phase, None, u, &i.backup_dir) {
                    accounts::Outcome::Act(a) => home_actions.push(a),
                    accounts::Outcome::Later(l) => plan.later.push(l),
                    accounts::Outcome::Skip(e) => plan.skipped.push(e),
                }
                phase.label()
            } else {
                if f == Fate::Caller && caller_named.is_none() {
                    caller_named = Some(u.user_name.clone());
                }
                f.label().to_string()
            };
            labels.push(label);
        }
        undecided.extend(
            self::undecided(users, i.cleanup, i.caller)
                .into_iter()
                .map(str::to_string),
        );
        if users.is_empty() {
            plan.notes.push(format!(
                "no IAM users in {}",
                if i.members.is_empty() {
                    "this account".to_string()
                } else {
                    format!("the calling account {}", i.caller.account)
                }
            ));
        } else {
            if !i.members.is_empty() {
                plan.details.push(format!(
                    "calling account {}: {} IAM user{}",
                    i.caller.account,
                    users.len(),
                    plural(users.len())
                ));
            }
            plan.details
                .extend(table(users, i.ic_users, &labels, i.now));
        }
        for entry in &i.cleanup.iam_users {
            let (account, name) = crate::config::iam_user_entry(entry);
            if account.is_none_or(|a| a == i.caller.account)
                && !users.iter().any(|u| u.user_name.eq_ignore_ascii_case(name))
            {
                plan.notes.push(format!(
                    "{entry}: no such IAM user (already deleted?): nothing to do"
                ));
            }
        }
        home_reports = users
            .iter()
            .zip(labels)
            .map(|(u, label)| IamUserReport {
                user: u.clone(),
                identity_center_user: replaced_by(u, i.ic_users).map(|r| r.user_name.clone()),
                plan: label,
                key_findings: accounts::findings(&u.access_keys, i.now),
            })
            .collect();
    }
    let member_reports = accounts::plan_members(&mut plan, i, &mut undecided, &mut count);
    let total = count.iam_users;
    if !undecided.is_empty() {
        // Legacy users nobody has decided about: the cleanup is not done.
        plan.unconfigured = true;
        let names: Vec<&str> = undecided.iter().map(String::as_str).collect();
        plan.notes.push(format!(
            "{} of {} IAM user{} not decided yet: {} (`ssosetup init` asks, or name each in [cleanup] iam_users to delete it or keep_iam_users to keep it)",
            undecided.len(),
            total,
            plural(total),
            crate::model::some_of(&names)
        ));
    } else if total > 0 {
        plan.notes.push(format!(
            "{total} IAM user{}{}; only those named in [cleanup] iam_users are deleted",
            plural(total),
            if count.accounts_read > 1 {
                format!(" in {} accounts", count.accounts_read)
            } else {
                String::new()
            }
        ));
    }
    if count.active_access_keys > 0 {
        plan.notes.push(count.line());
    }
    plan.report = Some(Report::IamUsersCleanup(IamUsersReport {
        iam_users: home_reports,
        member_accounts: member_reports,
        long_lived_keys: count,
    }));
    if let Some(name) = caller_named {
        plan.actions.clear();
        plan.blocker = Some(
            UserError::new(format!(
                "[cleanup] iam_users names {name}, the identity this run signs in as: deleting it would cut this run off"
            ))
            .hint(format!("sign in with Identity Center (`ssosetup login --profile {p}`) and run `ssosetup --profile {p} iam-users-cleanup`; nothing was deleted", p = profile_or_name(i))),
        );
        return plan;
    }
    if home_actions.is_empty() || !lockout_guard_lets_go(&mut plan, i) {
        return plan;
    }
    if !i.caller.arn.contains(":assumed-role/AWSReservedSSO_") {
        plan.notes.push(format!(
            "this run signs in as {}, not through Identity Center: best run cleanup with the Identity Center profile, which proves the new access works (and a role whose credentials come from a user being deleted stops working with it)",
            i.caller.arn
        ));
    }
    // The calling account's first, then the member accounts'.
    home_actions.append(&mut plan.actions);
    plan.actions = home_actions;
    plan
}

pub(crate) const ID: StepId = StepId::new("iam-users-cleanup");

pub(crate) struct IamUsersCleanup;

/// What the cleanup covers and found: the calling account's IAM users with
/// their dependents, the member accounts', the Identity Center users, and
/// the lockout guards (looked at only where something would go).
pub(crate) struct Seen {
    targets: Result<Targets, UserError>,
    users: Option<Vec<IamUser>>,
    members: Vec<MemberIam>,
    ic_users: Vec<IcUser>,
    guard: Option<Guard>,
    member_guards: BTreeMap<String, Guard>,
}

/// The accounts `[cleanup] accounts` names, resolved (the organization's
/// accounts are listed only when it names any).
async fn resolve_targets(
    cx: &Cx,
    facts: &mut Facts,
    cleanup: &CleanupConfig,
) -> Result<Result<Targets, UserError>> {
    let listed = if cleanup.accounts.is_empty() {
        None
    } else {
        match super::ensure_accounts(cx, facts).await {
            Ok(a) => Some(a),
            Err(e) => {
                return Ok(Err(UserError::new(
                    "[cleanup] accounts: the organization's accounts cannot be listed",
                )
                .caused_by(crate::error::one_line(&e))
                .hint("run from the organization's management account (or leave [cleanup] accounts out to clean up this account only)")))
            }
        }
    };
    let targets = accounts::targets(
        cleanup,
        &facts.caller,
        listed.as_deref(),
        facts.org_tree.as_ref(),
    );
    Ok(match targets {
        Ok(t) => match accounts::uncovered(cleanup, &facts.caller, &t) {
            Some(e) => Err(e),
            None => Ok(t),
        },
        Err(e) => Err(e),
    })
}

/// The member accounts' IAM users, unless this run read them already.
pub(crate) async fn observe_members(
    cx: &Cx,
    facts: &mut Facts,
    cleanup: &CleanupConfig,
    members: &[crate::model::MemberAccess],
) -> Vec<MemberIam> {
    if let Some(known) = &facts.iam_members {
        return known.clone();
    }
    let read = accounts::read_members(cx, cleanup, members).await;
    facts.iam_members = Some(read.clone());
    read
}

impl Step for IamUsersCleanup {
    type Observed = Seen;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Inventory IAM users; back up and delete those [cleanup] iam_users names"
    }

    fn command(&self) -> clap::Command {
        clap::Command::new(ID.name())
            .about(self.about())
            .long_about(
                "Inventory IAM users; back up and delete those [cleanup] iam_users names\n\n\
                 Each user is written to a backup file in [cleanup] backup_dir (default: \
                 ssosetup-backups next to the config) before anything of it is removed. Nothing \
                 is deleted while no Identity Center user holds AdministratorAccess on the \
                 management account.",
            )
            .arg(
                clap::Arg::new("restore")
                    .long("restore")
                    .value_name("FILE")
                    .value_parser(clap::value_parser!(std::path::PathBuf))
                    .help("Recreate a deleted user from its backup file (iam-user-NAME-TIME.json) instead"),
            )
    }

    fn observe<'a>(&'a self, cx: &'a Cx, facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<Seen>> {
        Box::pin(async move {
            let cleanup = cx.config.config.cleanup();
            let targets = resolve_targets(cx, facts, &cleanup).await?;
            let Ok(t) = &targets else {
                return Ok(Seen {
                    targets,
                    users: None,
                    members: Vec::new(),
                    ic_users: Vec::new(),
                    guard: None,
                    member_guards: BTreeMap::new(),
                });
            };
            let users = if t.home {
                Some(observe(cx, facts).await?)
            } else {
                None
            };
            let members = observe_members(cx, facts, &cleanup, &t.members).await;
            let ic_users = if users.as_ref().is_some_and(|u| !u.is_empty()) {
                identity_center_users(cx, facts).await?
            } else {
                Vec::new()
            };
            let any_doomed = users
                .iter()
                .flatten()
                .any(|u| fate(u, &cleanup, &facts.caller) == Fate::Delete);
            let account = facts.caller.account.clone();
            let home_guard = if any_doomed {
                Some(guard(cx, facts, &account).await?)
            } else {
                None
            };
            let mut member_guards = BTreeMap::new();
            for m in &members {
                if m.found.as_ref().is_ok_and(|f| !f.named.is_empty()) {
                    member_guards.insert(
                        m.access.account.clone(),
                        guard(cx, facts, &m.access.account).await?,
                    );
                }
            }
            Ok(Seen {
                targets,
                users,
                members,
                ic_users,
                guard: home_guard,
                member_guards,
            })
        })
    }

    fn plan(&self, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        let cleanup = desired.config.cleanup();
        let none = Targets::default();
        let targets = seen.targets.as_ref().unwrap_or(&none);
        plan(&Inputs {
            users: seen.users.as_deref(),
            ic_users: &seen.ic_users,
            cleanup: &cleanup,
            caller: &facts.caller,
            guard: seen.guard.clone(),
            backup_dir: cleanup.backup_dir(desired.base_dir()),
            planned_admins: guard::planned_admins(&desired.config, facts),
            admin_profile: super::cli_profiles::admin_profile(&desired.config, facts),
            members: &seen.members,
            not_active: &targets.not_active,
            inactive_in_all: targets.inactive_in_all,
            member_guards: &seen.member_guards,
            now: SystemTime::now(),
            targets_error: seen.targets.as_ref().err().cloned(),
        })
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match action {
                Action::DeleteIamUser {
                    member,
                    user_name,
                    backup_dir,
                    ..
                } => delete(cx, facts, member.as_ref(), user_name, backup_dir).await,
                Action::DeactivateAccessKeys {
                    member,
                    user_name,
                    backup_dir,
                    ..
                } => deactivate(cx, facts, member.as_ref(), user_name, backup_dir).await,
                Action::ReactivateAccessKeys {
                    member,
                    user_name,
                    keys,
                    file,
                } => reactivate(cx, member.as_ref(), user_name, keys, file).await,
                Action::RestoreIamUser {
                    member,
                    file,
                    user,
                    marker,
                    ..
                } => restore_user(cx, member.as_ref(), file, user, marker).await,
                other => unreachable!("not an iam-users-cleanup action: {other:?}"),
            }
        })
    }

    fn has_questions(&self) -> bool {
        true
    }

    fn later_steps_need_it(&self) -> bool {
        false
    }

    fn ask<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        force: bool,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(ask(person, force))
    }
}

/// The wizard's question: which IAM users to delete, across the accounts
/// the cleanup covers (the calling account's first, then each member
/// account's, grouped). Asked while some IAM user is undecided (or when the
/// person asks again); never offers the caller. The ticked ones are saved to
/// `[cleanup] iam_users` (`111122223333/name` for a member account's), the
/// others to `keep_iam_users`: left alone on purpose, and so decided.
async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    let Person {
        cx: ctx,
        prompt,
        facts,
    } = person;
    let cleanup = ctx.config.config.cleanup();
    let targets = resolve_targets(ctx, facts, &cleanup).await??;
    let users = if targets.home {
        observe(ctx, facts).await?
    } else {
        Vec::new()
    };
    let members = observe_members(ctx, facts, &cleanup, &targets.members).await;
    let member_undecided = members
        .iter()
        .filter_map(|m| m.found.as_ref().ok().map(|f| (m, f)))
        .flat_map(|(m, f)| f.users.iter().map(move |u| (m, u)))
        .filter(|(m, u)| {
            !cleanup.deletes(&m.access.account, false, &u.user_name)
                && !cleanup.keeps(&m.access.account, false, &u.user_name)
        })
        .count();
    if !force && undecided(&users, &cleanup, &facts.caller).is_empty() && member_undecided == 0 {
        return Ok(());
    }
    let now = SystemTime::now();
    let ic_users = if users.is_empty() {
        Vec::new()
    } else {
        identity_center_users(ctx, facts).await?
    };
    // (config entry, what the list shows)
    let mut offered: Vec<(String, String)> = Vec::new();
    let home: Vec<&IamUser> = users
        .iter()
        .filter(|u| !facts.caller.is_iam_user(&u.user_name))
        .collect();
    if !users.is_empty() {
        let labels: Vec<String> = users
            .iter()
            .map(|u| fate(u, &cleanup, &facts.caller).label().to_string())
            .collect();
        for line in table(&users, &ic_users, &labels, now) {
            ctx.out.say(&format!("  {line}"));
        }
    }
    for u in home {
        let replaced = replaced_by(u, &ic_users)
            .map(|r| format!(", Identity Center user {}", r.user_name))
            .unwrap_or_default();
        offered.push((
            u.user_name.clone(),
            format!(
                "{} (last used {}{replaced})",
                u.user_name,
                day(u.last_activity())
            ),
        ));
    }
    for m in &members {
        match &m.found {
            Err(why) => ctx
                .out
                .warn(&format!("account {}: not reached: {why}", m.access.label())),
            Ok(found) => {
                let labels: Vec<String> = found
                    .users
                    .iter()
                    .map(|u| {
                        if cleanup.keeps(&m.access.account, false, &u.user_name) {
                            Fate::Keep.label().to_string()
                        } else if cleanup.deletes(&m.access.account, false, &u.user_name) {
                            Fate::Delete.label().to_string()
                        } else {
                            Fate::NotNamed.label().to_string()
                        }
                    })
                    .collect();
                for line in accounts::member_table(&m.access, &found.users, &labels, now) {
                    ctx.out.say(&format!("  {line}"));
                }
                for u in &found.users {
                    offered.push((
                        format!("{}/{}", m.access.account, u.user_name),
                        format!(
                            "{}: {} (last used {})",
                            m.access.label(),
                            u.user_name,
                            day(u.last_activity())
                        ),
                    ));
                }
            }
        }
    }
    if offered.is_empty() {
        return Ok(());
    }
    let items: Vec<String> = offered.iter().map(|(_, shown)| shown.clone()).collect();
    let chosen: Vec<bool> = offered
        .iter()
        .map(|(entry, _)| {
            let (account, name) = crate::config::iam_user_entry(entry);
            match account {
                Some(a) => cleanup.deletes(a, false, name),
                None => cleanup.deletes(&facts.caller.account, true, name),
            }
        })
        .collect();
    ctx.out.say(if cleanup.deactivate_first {
        "Each IAM user ticked next has its access keys switched off now and is deleted (backed up first) by a run after deactivate_days; unticked ones are kept (keep_iam_users)."
    } else {
        "Each IAM user ticked next is backed up, then deleted; unticked ones are kept (keep_iam_users)."
    });
    let picked = prompt.multi_select("IAM users to delete", &items, &chosen)?;
    let entries: Vec<String> = offered.into_iter().map(|(entry, _)| entry).collect();
    ctx.config.config.cleanup = Some(decide(cleanup, &entries, &picked));
    ctx.config.save()
}

/// The cleanup config after the person ticked `picked` of `offered`
/// (config entries: `name`, or `111122223333/name`): those are deleted,
/// the rest of `offered` kept; a kept entry the list does not offer (a user
/// gone since, the caller, an account not reached) stays kept, and so does
/// a deleted one of an account not offered. Pure.
fn decide(mut cleanup: CleanupConfig, offered: &[String], picked: &[usize]) -> CleanupConfig {
    let is_offered = |entry: &String| offered.iter().any(|o| o.eq_ignore_ascii_case(entry));
    let mut deleted: Vec<String> = cleanup
        .iam_users
        .iter()
        .filter(|d| !is_offered(d))
        .filter(|d| crate::config::iam_user_entry(d).0.is_some())
        .cloned()
        .collect();
    deleted.extend(picked.iter().map(|&i| offered[i].clone()));
    let mut kept: Vec<String> = cleanup
        .keep_iam_users
        .iter()
        .filter(|k| !is_offered(k))
        .cloned()
        .collect();
    kept.extend(
        offered
            .iter()
            .enumerate()
            .filter(|(i, _)| !picked.contains(i))
            .map(|(_, entry)| entry.clone()),
    );
    cleanup.iam_users = deleted;
    cleanup.keep_iam_users = kept;
    cleanup
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn user(name: &str) -> IamUser {
        IamUser {
            user_name: name.to_string(),
            user_id: format!("AIDA{name}"),
            arn: format!("arn:aws:iam::123456789012:user/{name}"),
            path: "/".into(),
            created: None,
            console_password: true,
            password_last_used: None,
            access_keys: vec![],
            mfa_devices: vec![],
            groups: vec![],
            attached_policies: vec![],
            inline_policies: vec![],
            tags: BTreeMap::new(),
            permissions_boundary: None,
            ssh_public_keys: vec![],
            signing_certificates: vec![],
            service_specific_credentials: Some(vec![]),
        }
    }

    pub(super) fn ic(name: &str, email: &str) -> IcUser {
        IcUser {
            id: format!("id-{name}"),
            user_name: name.into(),
            display_name: None,
            given_name: None,
            family_name: None,
            email: Some(email.into()),
            status: None,
        }
    }

    fn caller(arn: &str) -> Caller {
        Caller {
            account: "123456789012".into(),
            arn: arn.into(),
        }
    }

    fn cleanup(delete: &[&str], keep: &[&str]) -> CleanupConfig {
        CleanupConfig {
            iam_users: delete.iter().map(|s| s.to_string()).collect(),
            keep_iam_users: keep.iter().map(|s| s.to_string()).collect(),
            ..CleanupConfig::default()
        }
    }

    fn plan_for(
        users: &[IamUser],
        cleanup: &CleanupConfig,
        caller: &Caller,
        guard: Option<Guard>,
        planned_admins: &[&str],
    ) -> StepPlan {
        plan(&inputs(users, cleanup, caller, guard, planned_admins))
    }

    pub(crate) fn now() -> SystemTime {
        crate::model::parse_time("2026-12-04T12:00:00Z").unwrap()
    }

    fn inputs<'a>(
        users: &'a [IamUser],
        cleanup: &'a CleanupConfig,
        caller: &'a Caller,
        guard: Option<Guard>,
        planned_admins: &[&str],
    ) -> Inputs<'a> {
        Inputs {
            users: Some(users),
            ic_users: &[],
            cleanup,
            caller,
            guard,
            backup_dir: PathBuf::from("backups"),
            planned_admins: planned_admins.iter().map(|s| s.to_string()).collect(),
            admin_profile: None,
            members: &[],
            not_active: &[],
            inactive_in_all: 0,
            member_guards: &NO_GUARDS,
            now: now(),
            targets_error: None,
        }
    }

    static NO_GUARDS: BTreeMap<String, Guard> = BTreeMap::new();

    fn member(account: &str, users: &[IamUser], named: &[&str]) -> MemberIam {
        let users: Vec<IamUser> = users
            .iter()
            .map(|u| {
                let mut u = u.clone();
                u.arn = format!("arn:aws:iam::{account}:user/{}", u.user_name);
                u
            })
            .collect();
        MemberIam {
            access: crate::model::MemberAccess {
                account: account.into(),
                name: format!("acct-{account}"),
                role_arn: format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole"),
            },
            found: Ok(accounts::MemberUsers {
                users: users.iter().map(KeyHolder::from).collect(),
                named: users
                    .iter()
                    .filter(|u| named.contains(&u.user_name.as_str()))
                    .cloned()
                    .collect(),
            }),
        }
    }

    fn key(
        id: &str,
        status: &str,
        created: &str,
        last_used: Option<&str>,
    ) -> crate::model::AccessKey {
        crate::model::AccessKey {
            id: id.into(),
            status: status.into(),
            created: Some(created.into()),
            last_used: last_used.map(str::to_string),
            last_used_service: None,
            last_used_region: None,
        }
    }

    #[test]
    fn member_accounts_named_users_go_only_where_the_guard_lets_them() {
        let me = caller("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/alice");
        let c = cleanup(
            &["111122223333/ci-bot", "444455556666/old"],
            &["111122223333/deploy", "444455556666/keep"],
        );
        let members = [
            member(
                "111122223333",
                &[user("ci-bot"), user("deploy")],
                &["ci-bot"],
            ),
            member("444455556666", &[user("old"), user("keep")], &["old"]),
            MemberIam {
                access: crate::model::MemberAccess {
                    account: "777788889999".into(),
                    name: "Sandbox".into(),
                    role_arn: "arn:aws:iam::777788889999:role/OrganizationAccountAccessRole".into(),
                },
                found: Err("AWS refused sts:AssumeRole: AccessDenied: not authorized".into()),
            },
        ];
        let guards = BTreeMap::from([
            (
                "111122223333".to_string(),
                Guard::Admin("alice holds AdministratorAccess".into()),
            ),
            (
                "444455556666".to_string(),
                Guard::Nobody("no assignment".into()),
            ),
        ]);
        let mut i = inputs(&[], &c, &me, None, &[]);
        i.users = None;
        i.members = &members;
        i.member_guards = &guards;
        let plan = plan(&i);
        let names: Vec<String> = plan.actions.iter().map(Action::name).collect();
        assert_eq!(
            names,
            ["111122223333/ci-bot"],
            "kept, refused and unreached stay"
        );
        match &plan.actions[0] {
            Action::DeleteIamUser {
                member, backup_dir, ..
            } => {
                assert_eq!(member.as_ref().unwrap().account, "111122223333");
                assert_eq!(backup_dir, &PathBuf::from("backups/111122223333"));
            }
            other => panic!("{other:?}"),
        }
        let skipped: Vec<&str> = plan.skipped.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(
            skipped[0]
                .starts_with("account 444455556666 (acct-444455556666): no IAM user is deleted"),
            "{skipped:?}"
        );
        assert!(
            skipped[1].contains("777788889999 (Sandbox): not reached"),
            "{skipped:?}"
        );
        assert!(plan.blocker.is_none() && plan.waits.is_none());
        let report = match plan.report.unwrap() {
            Report::IamUsersCleanup(r) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(report.member_accounts.len(), 3);
        assert_eq!(report.long_lived_keys.accounts_read, 2);
        assert_eq!(report.long_lived_keys.accounts_not_reached, 1);
        assert_eq!(report.long_lived_keys.iam_users, 4);
    }

    #[test]
    fn a_member_accounts_users_nobody_decided_about_leave_the_cleanup_not_set_up() {
        let me = caller("arn:aws:iam::123456789012:root");
        let c = cleanup(&[], &[]);
        let members = [member("111122223333", &[user("ci-bot")], &[])];
        let mut i = inputs(&[], &c, &me, None, &[]);
        i.members = &members;
        let plan = plan(&i);
        assert!(plan.unconfigured);
        assert!(
            plan.notes
                .iter()
                .any(|n| n.contains("1 of 1 IAM user not decided yet: 111122223333/ci-bot")),
            "{:?}",
            plan.notes
        );
    }

    #[test]
    fn two_phases_switch_keys_off_then_wait_then_delete() {
        let me = caller("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/alice");
        let mut c = cleanup(&["ci"], &[]);
        c.deactivate_first = true;
        let admin = Some(Guard::Admin("alice".into()));
        let mut ci = user("ci");
        ci.access_keys = vec![key(
            "AKIAAAAAAAAAAAAAAAA1",
            "Active",
            "2025-01-01T00:00:00Z",
            Some("2026-11-20T00:00:00Z"),
        )];
        // First run: the key goes off, nothing is deleted.
        let first = plan(&inputs(
            std::slice::from_ref(&ci),
            &c,
            &me,
            admin.clone(),
            &[],
        ));
        assert!(
            matches!(&first.actions[..], [Action::DeactivateAccessKeys { keys, .. }] if keys == &["AKIAAAAAAAAAAAAAAAA1".to_string()]),
            "{:?}",
            first.actions
        );
        // Three days later: waiting, nothing to do, not done.
        ci.access_keys[0].status = "Inactive".into();
        ci.tags
            .insert(iam::KEYS_OFF_TAG.into(), "2026-12-01T12:00:00Z".into());
        let waiting = plan(&inputs(
            std::slice::from_ref(&ci),
            &c,
            &me,
            admin.clone(),
            &[],
        ));
        assert!(waiting.actions.is_empty());
        assert!(
            waiting.later[0].contains("deleted by a run from 2026-12-08T12:00:00Z"),
            "{:?}",
            waiting.later
        );
        // Seven days after: deleted.
        ci.tags
            .insert(iam::KEYS_OFF_TAG.into(), "2026-11-27T12:00:00Z".into());
        let last = plan(&inputs(
            std::slice::from_ref(&ci),
            &c,
            &me,
            admin.clone(),
            &[],
        ));
        assert!(
            matches!(&last.actions[..], [Action::DeleteIamUser { .. }]),
            "{:?}",
            last.actions
        );
        // Switched on again meanwhile: reported, not deleted.
        ci.access_keys[0].status = "Active".into();
        let again = plan(&inputs(std::slice::from_ref(&ci), &c, &me, admin, &[]));
        assert!(again.actions.is_empty());
        assert!(
            again.skipped[0].message.contains("on again"),
            "{:?}",
            again.skipped
        );
        assert!(again.skipped[0]
            .hint
            .as_ref()
            .unwrap()
            .contains("aws iam untag-user --user-name ci --tag-keys ssosetup:keys-deactivated-at"));
    }

    #[test]
    fn old_and_unused_keys_are_counted_and_shown() {
        let me = caller("arn:aws:iam::123456789012:root");
        let mut old = user("old");
        old.access_keys = vec![key(
            "AKIAAAAAAAAAAAAAAAA1",
            "Active",
            "2025-01-01T00:00:00Z",
            None,
        )];
        let c = cleanup(&[], &["old"]);
        let p = plan(&inputs(std::slice::from_ref(&old), &c, &me, None, &[]));
        assert!(p.notes.iter().any(|n| n == "1 active access key held by 1 IAM user: 1 older than 90 days (CIS 1.14), 1 unused for 90 days (CIS 1.12)"), "{:?}", p.notes);
        assert!(
            p.details.join("\n").contains("1 (1 active: old, unused)"),
            "{:?}",
            p.details
        );
    }

    #[test]
    fn only_named_users_are_deleted_never_kept_or_unnamed_ones() {
        let users = [user("old-admin"), user("breakglass"), user("ci")];
        let plan = plan_for(
            &users,
            &cleanup(&["OLD-ADMIN"], &["breakglass"]),
            &caller("arn:aws:iam::123456789012:user/admin"),
            Some(Guard::Admin("alice holds AdministratorAccess".into())),
            &[],
        );
        let names: Vec<String> = plan.actions.iter().map(Action::name).collect();
        assert_eq!(names, ["old-admin"]);
        let table = plan.details.join("\n");
        assert!(table.contains("keep (keep_iam_users)"), "{table}");
        assert!(table.contains("left alone"), "{table}");
    }

    #[test]
    fn legacy_users_nobody_decided_about_leave_the_cleanup_not_set_up() {
        let users = [user("old-admin"), user("breakglass"), user("admin")];
        let me = caller("arn:aws:iam::123456789012:user/admin");
        // Nothing named: both others undecided; the caller is not asked about.
        let none = plan_for(&users, &cleanup(&[], &[]), &me, None, &[]);
        assert!(none.unconfigured, "{:?}", none.notes);
        assert!(
            none.notes[0].contains("2 of 3 IAM users not decided yet: old-admin and breakglass"),
            "{:?}",
            none.notes
        );
        assert!(none.actions.is_empty() && none.blocker.is_none());
        // One kept, one deleted: decided (the deletion is the plan's action).
        let decided = plan_for(
            &users,
            &cleanup(&["old-admin"], &["BREAKGLASS"]),
            &me,
            Some(Guard::Admin("alice holds AdministratorAccess".into())),
            &[],
        );
        assert!(!decided.unconfigured, "{:?}", decided.notes);
        // Everything kept: done.
        let kept = plan_for(
            &users,
            &cleanup(&[], &["old-admin", "breakglass"]),
            &me,
            None,
            &[],
        );
        assert!(kept.is_done() && !kept.unconfigured, "{:?}", kept.notes);
    }

    #[test]
    fn the_wizards_answer_deletes_the_ticked_and_keeps_the_rest() {
        let users = [user("old-admin"), user("ci"), user("breakglass")];
        let mut offered: Vec<String> = users.iter().map(|u| u.user_name.clone()).collect();
        offered.push("111122223333/deploy".into());
        // Kept before: breakglass (offered again) and gone-user (gone since);
        // deleted before: a user of an account not offered (not reached).
        let before = cleanup(&["ci", "444455556666/old"], &["breakglass", "gone-user"]);
        let after = decide(before, &offered, &[0, 2, 3]);
        assert_eq!(
            after.iam_users,
            [
                "444455556666/old",
                "old-admin",
                "breakglass",
                "111122223333/deploy"
            ]
        );
        assert_eq!(after.keep_iam_users, ["gone-user", "ci"]);
        assert!(undecided(&users, &after, &caller("arn:aws:iam::123456789012:root")).is_empty());
    }

    #[test]
    fn the_lockout_guard_refuses_every_deletion_with_the_fix() {
        let users = [user("old-admin")];
        let plan = plan_for(
            &users,
            &cleanup(&["old-admin"], &[]),
            &caller("arn:aws:iam::123456789012:user/admin"),
            Some(Guard::Nobody(
                "no permission set has the AdministratorAccess policy".into(),
            )),
            &[],
        );
        assert!(plan.actions.is_empty());
        let blocker = plan.blocker.expect("refused");
        assert!(blocker
            .message
            .contains("nobody else is known to be able to administer"));
        assert!(blocker.hint.unwrap().contains("aws sso login"));
    }

    #[test]
    fn a_dry_run_that_creates_the_administrator_stops_as_the_run_would() {
        let users = [user("old-admin")];
        let plan = plan_for(
            &users,
            &cleanup(&["old-admin"], &[]),
            &caller("arn:aws:iam::123456789012:user/admin"),
            Some(Guard::Nobody("nobody yet".into())),
            &["alice"],
        );
        assert!(plan.actions.is_empty(), "the real run would not delete");
        assert!(plan.blocker.is_none(), "the other steps go on");
        let waits = plan.waits.expect("the preview stops where the run would");
        assert!(waits
            .message
            .contains("in the run that creates the administrator"));
        assert!(waits.message.contains("(alice) is created by this run"));
    }

    #[test]
    fn an_unchecked_guard_deletes_nothing() {
        let users = [user("old-admin")];
        let plan = plan_for(
            &users,
            &cleanup(&["old-admin"], &[]),
            &caller("arn:aws:iam::123456789012:user/admin"),
            None,
            &[],
        );
        assert!(plan.actions.is_empty());
        assert!(plan.blocker.is_some());
    }

    #[test]
    fn the_identity_in_use_stops_the_step_before_any_deletion() {
        let users = [user("old-admin"), user("me")];
        let plan = plan_for(
            &users,
            &cleanup(&["old-admin", "me"], &[]),
            &caller("arn:aws:iam::123456789012:user/me"),
            Some(Guard::Admin("alice".into())),
            &[],
        );
        assert!(plan.actions.is_empty(), "nothing half-applied");
        assert!(plan.blocker.unwrap().message.contains("signs in as"));
    }

    #[test]
    fn a_name_that_is_not_there_is_a_note_not_an_error() {
        let plan = plan_for(
            &[],
            &cleanup(&["gone"], &[]),
            &caller("arn:aws:iam::123456789012:user/admin"),
            None,
            &[],
        );
        assert!(plan.blocker.is_none());
        assert!(plan
            .notes
            .iter()
            .any(|n| n.contains("gone: no such IAM user")));
    }
}
