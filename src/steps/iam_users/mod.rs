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
use crate::model::User as IcUser;
use crate::model::{Dependent, IamUser};
use crate::plan::json::{IamUserReport, IamUsersReport, Report};
use crate::plan::{Action, StepPlan};

mod backup;
mod delete;
mod guard;
mod restore;
mod table;

#[cfg(test)]
pub(crate) use backup::write_backup;
pub(crate) use backup::{earlier_backups, load_backup};
pub(crate) use delete::delete;
#[cfg(test)]
pub(crate) use delete::delete_in_order;
pub(crate) use guard::{admin_policy, ensure_admin_paths, guard, Guard};
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

pub(crate) fn fate(user: &IamUser, cleanup: &CleanupConfig, caller: &Caller) -> Fate {
    if cleanup.keeps(&user.user_name) {
        Fate::Keep
    } else if !cleanup.deletes(&user.user_name) {
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
            !cleanup.deletes(&u.user_name)
                && !cleanup.keeps(&u.user_name)
                && !caller.is_iam_user(&u.user_name)
        })
        .map(|u| u.user_name.as_str())
        .collect()
}

/// What [`plan`] needs; all observed beforehand.
pub(crate) struct Inputs<'a> {
    pub users: &'a [IamUser],
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
    let fates: Vec<Fate> = i
        .users
        .iter()
        .map(|u| fate(u, i.cleanup, i.caller))
        .collect();
    plan.report = Some(Report::IamUsersCleanup(IamUsersReport {
        iam_users: i
            .users
            .iter()
            .zip(&fates)
            .map(|(u, f)| IamUserReport {
                user: u.clone(),
                identity_center_user: replaced_by(u, i.ic_users).map(|r| r.user_name.clone()),
                plan: f.label(),
            })
            .collect(),
    }));
    let undecided = undecided(i.users, i.cleanup, i.caller);
    if i.users.is_empty() {
        plan.notes
            .push("no IAM users in this account: nothing to clean up".into());
    } else if undecided.is_empty() {
        plan.notes.push(format!(
            "{} IAM user{}; only those named in [cleanup] iam_users are deleted",
            i.users.len(),
            plural(i.users.len())
        ));
        plan.details = table(i.users, i.ic_users, &fates);
    } else {
        // Legacy users nobody has decided about: the cleanup is not done.
        plan.unconfigured = true;
        plan.notes.push(format!(
            "{} of {} IAM user{} not decided yet: {} (`ssosetup init` asks, or name each in [cleanup] iam_users to delete it or keep_iam_users to keep it)",
            undecided.len(),
            i.users.len(),
            plural(i.users.len()),
            crate::model::some_of(&undecided)
        ));
        plan.details = table(i.users, i.ic_users, &fates);
    }
    for name in &i.cleanup.iam_users {
        if !i
            .users
            .iter()
            .any(|u| u.user_name.eq_ignore_ascii_case(name))
        {
            plan.notes.push(format!(
                "{name}: no such IAM user (already deleted?): nothing to do"
            ));
        }
    }
    if let Some(u) = i
        .users
        .iter()
        .zip(&fates)
        .find_map(|(u, f)| (*f == Fate::Caller).then_some(u))
    {
        plan.blocker = Some(
            UserError::new(format!(
                "[cleanup] iam_users names {}, the identity this run signs in as: deleting it would cut this run off",
                u.user_name
            ))
            .hint(format!("sign in with Identity Center (`ssosetup login --profile {p}`) and run `ssosetup --profile {p} iam-users-cleanup`; nothing was deleted", p = profile_or_name(i))),
        );
        return plan;
    }
    let doomed: Vec<&IamUser> = i
        .users
        .iter()
        .zip(&fates)
        .filter_map(|(u, f)| (*f == Fate::Delete).then_some(u))
        .collect();
    if doomed.is_empty() {
        return plan;
    }
    if !lockout_guard_lets_go(&mut plan, i) {
        return plan;
    }
    if !i.caller.arn.contains(":assumed-role/AWSReservedSSO_") {
        plan.notes.push(format!(
            "this run signs in as {}, not through Identity Center: best run cleanup with the Identity Center profile, which proves the new access works (and a role whose credentials come from a user being deleted stops working with it)",
            i.caller.arn
        ));
    }
    for u in doomed {
        plan.actions.push(Action::DeleteIamUser {
            user_name: u.user_name.clone(),
            dependents: u.dependents(),
            backup_dir: i.backup_dir.clone(),
        });
    }
    plan
}

pub(crate) const ID: StepId = StepId::new("iam-users-cleanup");

pub(crate) struct IamUsersCleanup;

/// Every IAM user with its dependents, the Identity Center users, and the
/// lockout guard (looked at only when something would be deleted).
pub(crate) struct Seen {
    users: Vec<IamUser>,
    ic_users: Vec<IcUser>,
    guard: Option<Guard>,
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
            let users = observe(cx, facts).await?;
            let ic_users = if users.is_empty() {
                Vec::new()
            } else {
                identity_center_users(cx, facts).await?
            };
            let any_doomed = users
                .iter()
                .any(|u| fate(u, &cleanup, &facts.caller) == Fate::Delete);
            let guard = if any_doomed {
                Some(guard(cx, facts).await?)
            } else {
                None
            };
            Ok(Seen {
                users,
                ic_users,
                guard,
            })
        })
    }

    fn plan(&self, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        let cleanup = desired.config.cleanup();
        plan(&Inputs {
            users: &seen.users,
            ic_users: &seen.ic_users,
            cleanup: &cleanup,
            caller: &facts.caller,
            guard: seen.guard.clone(),
            backup_dir: cleanup.backup_dir(desired.base_dir()),
            planned_admins: guard::planned_admins(&desired.config, facts),
            admin_profile: super::cli_profiles::admin_profile(&desired.config, facts),
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
                    user_name,
                    backup_dir,
                    ..
                } => delete(cx, facts, user_name, backup_dir).await,
                Action::RestoreIamUser {
                    file, user, marker, ..
                } => restore_user(cx, file, user, marker).await,
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

/// The wizard's question: which IAM users to delete. Asked while some IAM
/// user is undecided (or when the person asks again); never offers the
/// caller. The ticked ones are saved to `[cleanup] iam_users`, the others
/// to `keep_iam_users`: left alone on purpose, and so decided.
async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    let Person {
        cx: ctx,
        prompt,
        facts,
    } = person;
    let cleanup = ctx.config.config.cleanup();
    let users = observe(ctx, facts).await?;
    if !force && undecided(&users, &cleanup, &facts.caller).is_empty() {
        return Ok(());
    }
    let offered: Vec<&IamUser> = users
        .iter()
        .filter(|u| !facts.caller.is_iam_user(&u.user_name))
        .collect();
    if offered.is_empty() {
        return Ok(());
    }
    let ic_users = identity_center_users(ctx, facts).await?;
    let fates: Vec<Fate> = users
        .iter()
        .map(|u| fate(u, &cleanup, &facts.caller))
        .collect();
    for line in table(&users, &ic_users, &fates) {
        ctx.out.say(&format!("  {line}"));
    }
    let items: Vec<String> = offered
        .iter()
        .map(|u| {
            let replaced = replaced_by(u, &ic_users)
                .map(|r| format!(", Identity Center user {}", r.user_name))
                .unwrap_or_default();
            format!(
                "{} (last used {}{replaced})",
                u.user_name,
                day(u.last_activity())
            )
        })
        .collect();
    let chosen: Vec<bool> = offered
        .iter()
        .map(|u| cleanup.deletes(&u.user_name))
        .collect();
    ctx.out
        .say("Each IAM user ticked next is backed up, then deleted; unticked ones are kept (keep_iam_users).");
    let picked = prompt.multi_select("IAM users to delete", &items, &chosen)?;
    ctx.config.config.cleanup = Some(decide(cleanup, &offered, &picked));
    ctx.config.save()
}

/// The cleanup config after the person ticked `picked` of `offered`: those
/// are deleted, the rest of `offered` kept; a kept name the list does not
/// offer (a user gone since, or the caller) stays kept. Pure.
fn decide(mut cleanup: CleanupConfig, offered: &[&IamUser], picked: &[usize]) -> CleanupConfig {
    let deleted: Vec<String> = picked
        .iter()
        .map(|&i| offered[i].user_name.clone())
        .collect();
    let mut kept: Vec<String> = cleanup
        .keep_iam_users
        .iter()
        .filter(|k| !offered.iter().any(|u| u.user_name.eq_ignore_ascii_case(k)))
        .cloned()
        .collect();
    kept.extend(
        offered
            .iter()
            .enumerate()
            .filter(|(i, _)| !picked.contains(i))
            .map(|(_, u)| u.user_name.clone()),
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
        plan(&Inputs {
            users,
            ic_users: &[],
            cleanup,
            caller,
            guard,
            backup_dir: PathBuf::from("backups"),
            planned_admins: planned_admins.iter().map(|s| s.to_string()).collect(),
            admin_profile: None,
        })
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
        let offered: Vec<&IamUser> = users.iter().collect();
        // Kept before: breakglass (offered again) and gone-user (gone since).
        let before = cleanup(&["ci"], &["breakglass", "gone-user"]);
        let after = decide(before, &offered, &[0, 2]);
        assert_eq!(after.iam_users, ["old-admin", "breakglass"]);
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
