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
//! Changes: the deletions of AWS-FACTS row 11, in its order.

use crate::plan::plural;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    ensure_groups, ensure_instance, ensure_organization, ensure_permission_sets, Ctx, Facts, StepId,
};
use crate::aws::iam::{self, Dependent, IamUser};
use crate::aws::identitystore::{self as ids, User as IcUser};
use crate::aws::ssoadmin as sso;
use crate::aws::sts::Caller;
use crate::config::CleanupConfig;
use crate::error::UserError;
use crate::plan::{Action, StepPlan};

/// The AWS managed policy that makes a permission set an administrator's.
pub(crate) const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// Every IAM user with everything attached to it, unless this run read
/// them already.
pub(crate) async fn observe(ctx: &Ctx, facts: &mut Facts) -> Result<Vec<IamUser>> {
    if let Some(users) = &facts.iam_users {
        return Ok(users.clone());
    }
    let users = inventory_all(ctx).await?;
    facts.iam_users = Some(users.clone());
    Ok(users)
}

async fn inventory_all(ctx: &Ctx) -> Result<Vec<IamUser>> {
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
async fn identity_center_users(ctx: &Ctx, facts: &mut Facts) -> Result<Vec<IcUser>> {
    Ok(match ensure_instance(ctx, facts).await? {
        Some(instance) => ids::list_users(&ctx.aws, &instance.identity_store_id).await?,
        None => Vec::new(),
    })
}

/// The Identity Center user that plausibly replaces an IAM user: the same
/// user name, or an email equal to the IAM user's name, to an email in its
/// tags, or whose local part is the IAM user's name.
pub(crate) fn replaced_by<'a>(user: &IamUser, ic: &'a [IcUser]) -> Option<&'a IcUser> {
    let name = user.user_name.to_ascii_lowercase();
    let tag_emails: Vec<String> = user
        .tags
        .values()
        .filter(|v| v.contains('@'))
        .map(|v| v.to_ascii_lowercase())
        .collect();
    ic.iter().find(|u| {
        let email = u.email.as_deref().unwrap_or_default().to_ascii_lowercase();
        u.user_name.eq_ignore_ascii_case(&name)
            || (!email.is_empty()
                && (email == name
                    || tag_emails.contains(&email)
                    || email.split('@').next() == Some(name.as_str())))
    })
}

/// Whether someone can still administer the account once IAM users are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Who holds administrator access on the management account.
    Admin(String),
    /// Why nobody is known to.
    Nobody(String),
}

/// The lockout guard: an Identity Center user holds a permission set with
/// AdministratorAccess on the management account, directly or through a
/// group.
pub(crate) async fn guard(ctx: &Ctx, facts: &mut Facts, ic_users: &[IcUser]) -> Result<Guard> {
    let Some(instance) = ensure_instance(ctx, facts).await? else {
        return Ok(Guard::Nobody(format!(
            "IAM Identity Center has no ACTIVE instance in {}",
            ctx.aws.region
        )));
    };
    ensure_organization(ctx, facts).await?;
    let management = facts
        .management_account()
        .unwrap_or(&facts.caller.account)
        .to_string();
    // Names and ids as the earlier steps of this run saw them (or looked up now).
    let mut admin_sets = Vec::new();
    for (name, arn) in ensure_permission_sets(ctx, facts).await? {
        let Some(arn) = arn else { continue };
        if sso::list_managed_policies(&ctx.aws, &instance.arn, &arn)
            .await?
            .contains(ADMIN_POLICY)
        {
            admin_sets.push((name, arn));
        }
    }
    if admin_sets.is_empty() {
        return Ok(Guard::Nobody(
            "no permission set has the AdministratorAccess policy".to_string(),
        ));
    }
    let store = &instance.identity_store_id;
    let users: BTreeMap<&str, &str> = ic_users
        .iter()
        .map(|u| (u.id.as_str(), u.user_name.as_str()))
        .collect();
    let groups: BTreeMap<String, String> = ensure_groups(ctx, facts)
        .await?
        .into_iter()
        .filter_map(|(name, id)| id.map(|id| (id, name)))
        .collect();
    // Administrators made by this run have never signed in: they prove nothing.
    let mut just_created = Vec::new();
    for (name, ps) in &admin_sets {
        let on = format!("{name} on the management account {management}");
        for (kind, id) in
            sso::list_account_assignments(&ctx.aws, &instance.arn, &management, ps).await?
        {
            let (holders, via) = match kind.as_str() {
                "USER" => (vec![id.clone()], String::new()),
                "GROUP" => (
                    ids::list_group_members(&ctx.aws, store, &id).await?,
                    format!(
                        " (group {})",
                        groups.get(&id).map(String::as_str).unwrap_or(&id)
                    ),
                ),
                _ => continue,
            };
            for user in holders.iter().filter_map(|h| users.get(h.as_str())) {
                if facts.created_users.contains(*user) {
                    just_created.push(user.to_string());
                } else {
                    return Ok(Guard::Admin(format!("{user} holds {on}{via}")));
                }
            }
        }
    }
    if !just_created.is_empty() {
        just_created.sort();
        just_created.dedup();
        return Ok(Guard::Nobody(format!(
            "the only Identity Center administrator{} ({}) {} created by this run and cannot have signed in yet",
            plural(just_created.len()),
            just_created.join(", "),
            if just_created.len() == 1 { "was" } else { "were" }
        )));
    }
    Ok(Guard::Nobody(format!(
        "no Identity Center user holds a permission set with AdministratorAccess on the management account {management}"
    )))
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

fn day(t: Option<&str>) -> String {
    t.map(|t| t.chars().take(10).collect())
        .unwrap_or_else(|| "never".to_string())
}

/// The inventory as table rows (header first).
pub(crate) fn table(users: &[IamUser], ic: &[IcUser], fates: &[Fate]) -> Vec<String> {
    let mut rows = vec![[
        "IAM USER",
        "PASSWORD",
        "ACCESS KEYS",
        "MFA",
        "GROUPS",
        "POLICIES",
        "LAST USED",
        "IDENTITY CENTER",
        "PLAN",
    ]
    .map(str::to_string)
    .to_vec()];
    for (u, f) in users.iter().zip(fates) {
        let active = u
            .access_keys
            .iter()
            .filter(|k| iam::is_active(&k.status))
            .count();
        let keys = match u.access_keys.len() {
            0 => "none".to_string(),
            n => format!("{n} ({active} active)"),
        };
        let password = if u.console_password {
            match &u.password_last_used {
                Some(t) => format!("yes, used {}", day(Some(t))),
                None => "yes, never used".to_string(),
            }
        } else {
            "no".to_string()
        };
        let last = match u
            .access_keys
            .iter()
            .filter(|k| k.last_used.is_some())
            .max_by(|a, b| a.last_used.cmp(&b.last_used))
        {
            Some(k) if k.last_used.as_deref() >= u.password_last_used.as_deref() => format!(
                "{} key{}",
                day(k.last_used.as_deref()),
                k.last_used_service
                    .as_deref()
                    .map(|s| format!(" {s}"))
                    .unwrap_or_default()
            ),
            _ if u.password_last_used.is_some() => {
                format!("{} console", day(u.password_last_used.as_deref()))
            }
            _ => "never".to_string(),
        };
        rows.push(vec![
            u.user_name.clone(),
            password,
            keys,
            u.mfa_devices.len().to_string(),
            if u.groups.is_empty() {
                "-".to_string()
            } else {
                u.groups.join(",")
            },
            format!(
                "{} attached, {} inline",
                u.attached_policies.len(),
                u.inline_policies.len()
            ),
            last,
            replaced_by(u, ic)
                .map(|r| r.user_name.clone())
                .unwrap_or_else(|| "-".to_string()),
            f.label().to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
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
    /// Earlier steps of this run plan users or assignments (a dry run of
    /// `init`): the guard is checked again when this step really runs.
    pub admin_planned: bool,
}

/// The plan: pure, from what was observed.
pub(crate) fn plan(i: &Inputs) -> StepPlan {
    let mut plan = StepPlan::new(StepId::IamUsersCleanup);
    let fates: Vec<Fate> = i
        .users
        .iter()
        .map(|u| fate(u, i.cleanup, i.caller))
        .collect();
    plan.report = Some(json!({
        "iam_users": i.users.iter().zip(&fates).map(|(u, f)| json!({
            "user": u,
            "identity_center_user": replaced_by(u, i.ic_users).map(|r| &r.user_name),
            "plan": f.label(),
        })).collect::<Vec<_>>(),
    }));
    if i.users.is_empty() {
        plan.notes
            .push("no IAM users in this account: nothing to clean up".into());
    } else {
        plan.notes.push(format!(
            "{} IAM user{}; only those named in [cleanup] iam_users are deleted",
            i.users.len(),
            plural(i.users.len())
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
            .hint("sign in with Identity Center (`aws sso login --profile NAME`) and run `ssosetup --profile NAME iam-users-cleanup`; nothing was deleted"),
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
    match &i.guard {
        Some(Guard::Admin(who)) => plan
            .notes
            .push(format!("lockout guard: {who}; IAM users may go")),
        Some(Guard::Nobody(why)) if i.admin_planned => {
            // A dry run of a run that creates the administrator: the real
            // run stops here, and so does its preview.
            plan.blocker = Some(
                UserError::new(format!(
                    "no IAM user is deleted in the run that creates the administrator ({why} yet)"
                ))
                .hint("apply the other steps; once the new administrator has signed in (`aws sso login`), run `ssosetup iam-users-cleanup`"),
            );
            return plan;
        }
        Some(Guard::Nobody(why)) => {
            plan.blocker = Some(
                UserError::new(format!(
                    "no IAM user is deleted while nobody else is known to be able to administer the account: {why}"
                ))
                .hint("an Identity Center user needs AdministratorAccess on the management account (`ssosetup init`, or `permission-sets`, `assignments`, `users`); have them sign in once (`aws sso login`: ssosetup cannot see that, best run cleanup with their profile), then run `ssosetup iam-users-cleanup` again"),
            );
            return plan;
        }
        None => {
            plan.blocker = Some(UserError::new(
                "the lockout guard was not checked: nothing is deleted",
            ));
            return plan;
        }
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

pub(crate) async fn check(ctx: &Ctx, facts: &mut Facts) -> Result<StepPlan> {
    let cleanup = ctx.config.config.cleanup();
    let users = observe(ctx, facts).await?;
    let ic_users = if users.is_empty() {
        Vec::new()
    } else {
        identity_center_users(ctx, facts).await?
    };
    let any_doomed = users
        .iter()
        .any(|u| fate(u, &cleanup, &facts.caller) == Fate::Delete);
    let guard = if any_doomed {
        Some(guard(ctx, facts, &ic_users).await?)
    } else {
        None
    };
    let admin_planned = ctx.dry_run
        && (!facts.created_groups.is_empty() || facts.users.values().any(Option::is_none));
    Ok(plan(&Inputs {
        users: &users,
        ic_users: &ic_users,
        cleanup: &cleanup,
        caller: &facts.caller,
        guard,
        backup_dir: cleanup.backup_dir(ctx.config.base_dir()),
        admin_planned,
    }))
}

/// The wizard's question: which IAM users to delete. Never offers the
/// caller or a kept user; the picks are saved to `[cleanup] iam_users`.
pub(crate) async fn ask(ctx: &mut Ctx, facts: &mut Facts, force: bool) -> Result<()> {
    let cleanup = ctx.config.config.cleanup();
    if !cleanup.iam_users.is_empty() && !force {
        return Ok(());
    }
    let users = observe(ctx, facts).await?;
    let offered: Vec<&IamUser> = users
        .iter()
        .filter(|u| !facts.caller.is_iam_user(&u.user_name) && !cleanup.keeps(&u.user_name))
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
    let picked = ctx.prompt().multi_select(
        "IAM users to delete (each is backed up first; unticked ones are left alone)",
        &items,
        &chosen,
    )?;
    let mut updated = cleanup;
    updated.iam_users = picked
        .into_iter()
        .map(|i| offered[i].user_name.clone())
        .collect();
    ctx.config.config.cleanup = Some(updated);
    ctx.config.save()
}

/// A backup file: everything about one deleted user but its secrets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Backup {
    pub format: String,
    pub account: String,
    pub taken_at: String,
    pub user: IamUser,
    pub cannot_be_restored: Vec<String>,
}

const BACKUP_FORMAT: &str = "ssosetup-iam-user-backup/1";

/// What a restore cannot bring back, for this user.
fn secrets_lost(user: &IamUser) -> Vec<String> {
    let mut lost = Vec::new();
    if user.console_password {
        lost.push("the console password (AWS never reveals it): set a new one if the user still needs the console".to_string());
    }
    if !user.access_keys.is_empty() {
        lost.push(format!(
            "{} access key{} ({}): secret keys are shown only when created; use Identity Center profiles instead of new keys",
            user.access_keys.len(),
            plural(user.access_keys.len()),
            user.access_keys.iter().map(|k| k.id.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if !user.mfa_devices.is_empty() {
        lost.push(
            "MFA devices: register them again (a virtual device's seed cannot be read back)"
                .to_string(),
        );
    }
    if user
        .service_specific_credentials
        .as_ref()
        .is_some_and(|c| !c.is_empty())
    {
        lost.push(
            "service-specific credentials (CodeCommit, Keyspaces): their passwords cannot be read back"
                .to_string(),
        );
    }
    lost
}

/// Writes `user`'s backup into `dir` (made 0700 if new) as a new file,
/// mode 0600; returns its path.
pub(crate) fn write_backup(dir: &Path, account: &str, user: &IamUser) -> Result<PathBuf> {
    if !dir.exists() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the backup directory {}", dir.display()))?;
        // Only a directory made here is restricted; an existing one (say
        // the config's own) keeps its mode: the files are 0600 anyway.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict {} to its owner", dir.display()))?;
        }
    }
    let now = SystemTime::now();
    let stamp = humantime::format_rfc3339_seconds(now)
        .to_string()
        .replace([':', '-'], "");
    let path = dir.join(format!("iam-user-{}-{stamp}.json", user.user_name));
    let backup = Backup {
        format: BACKUP_FORMAT.to_string(),
        account: account.to_string(),
        taken_at: humantime::format_rfc3339_seconds(now).to_string(),
        user: user.clone(),
        cannot_be_restored: secrets_lost(user),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create the backup file {}", path.display()))?;
    file.write_all(serde_json::to_string_pretty(&backup)?.as_bytes())?;
    file.sync_all()?;
    Ok(path)
}

/// Backups of `user_name` already in `dir` (an earlier, interrupted run's
/// is the complete one), oldest first.
pub(crate) fn earlier_backups(dir: &Path, user_name: &str) -> Vec<PathBuf> {
    let prefix = format!("iam-user-{user_name}-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        })
        // `bob-old`'s backups start with `iam-user-bob-` too: ask the file.
        .filter(|p| load_backup(p).is_ok_and(|b| b.user.user_name == user_name))
        .collect();
    found.sort();
    found
}

/// Reads and checks a backup file (before any AWS call).
pub(crate) fn load_backup(path: &Path) -> Result<Backup, UserError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UserError::new(format!("cannot read the backup file {}", path.display()))
            .caused_by(e.to_string())
            .hint("pass a file that ssosetup wrote into the backup directory (iam-user-NAME-TIME.json)")
    })?;
    let backup: Backup = serde_json::from_str(&text).map_err(|e| {
        UserError::new(format!(
            "{} is not an ssosetup IAM user backup",
            path.display()
        ))
        .caused_by(e.to_string())
        .hint("pass a file that ssosetup wrote into the backup directory (iam-user-NAME-TIME.json)")
    })?;
    if backup.format != BACKUP_FORMAT {
        return Err(UserError::new(format!(
            "{}: format {:?} is not one this ssosetup reads ({BACKUP_FORMAT})",
            path.display(),
            backup.format
        )));
    }
    if !crate::config::is_aws_name(&backup.user.user_name, 64) {
        return Err(UserError::new(format!(
            "{}: user.user_name {:?} is not an IAM user name",
            path.display(),
            backup.user.user_name
        ))
        .hint("an IAM user name: 1 to 64 characters, letters, digits and + = , . @ - _"));
    }
    Ok(backup)
}

/// Deletes one IAM user the plan named: re-reads it, backs it up, removes
/// its dependents in AWS's order, then the user; a `DeleteConflict` (a
/// dependent appeared or was missed) re-reads and goes again.
pub(crate) async fn delete(
    ctx: &Ctx,
    facts: &Mutex<&mut Facts>,
    user_name: &str,
    backup_dir: &Path,
) -> Result<()> {
    let caller = facts.lock().expect("facts lock").caller.clone();
    let Some(user) = iam::inventory(&ctx.aws, user_name).await? else {
        ctx.out
            .say(&format!("IAM user {user_name} is already gone"));
        return Ok(());
    };
    if caller.is_iam_user(&user.user_name) {
        return Err(UserError::new(format!(
            "{user_name} is the identity this run signs in as: not deleted"
        ))
        .into());
    }
    let earlier = earlier_backups(backup_dir, &user.user_name);
    if !earlier.is_empty() {
        ctx.out.warn(&format!(
            "earlier backups of {user_name} exist; if a run stopped part-way, the first is the complete one: {}",
            earlier[0].display()
        ));
    }
    let backup = write_backup(backup_dir, &caller.account, &user)?;
    match delete_in_order(&ctx.aws, user).await {
        Ok(()) => {
            ctx.out.say(&format!(
                "deleted IAM user {user_name} (backup: {})",
                backup.display()
            ));
            Ok(())
        }
        Err(e) => {
            let remains = match iam::inventory(&ctx.aws, user_name).await {
                Ok(Some(u)) => {
                    let d = u.dependents();
                    if d.is_empty() {
                        "the user itself".to_string()
                    } else {
                        format!("the user and its {}", d.join(", "))
                    }
                }
                Ok(None) => "nothing".to_string(),
                Err(_) => "unknown (cannot read it back)".to_string(),
            };
            Err(UserError::new(format!("IAM user {user_name} was not fully deleted"))
                .caused_by(crate::error::one_line(&anyhow::Error::new(e)))
                .caused_by(format!("what remains: {remains}"))
                .hint(format!(
                    "the backup is {}; fix the cause and run the step again to finish (it re-reads what is left)",
                    backup.display()
                ))
                .into())
        }
    }
}

/// Removes `user`'s dependents and then the user.
pub(crate) async fn delete_in_order(
    aws: &crate::aws::Aws,
    mut user: IamUser,
) -> Result<(), crate::aws::AwsError> {
    const ROUNDS: usize = 5;
    for round in 1..=ROUNDS {
        for d in Dependent::all_of(&user) {
            tracing::info!(user = user.user_name, "removing {}", d.describe());
            iam::remove(&aws.iam, Some(&user.user_name), &d).await?;
        }
        match iam::delete_user(&aws.iam, &user.user_name).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is("DeleteConflict") && round < ROUNDS => {
                tracing::info!(
                    user = user.user_name,
                    round,
                    "DeleteConflict: reading what is left"
                );
                tokio::time::sleep(Duration::from_millis(200 * round as u64)).await;
                match iam::inventory(aws, &user.user_name).await? {
                    Some(now) => user = now,
                    None => return Ok(()),
                }
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the last round returns")
}

/// `iam-users-cleanup --restore FILE`: plans the re-creation, shows it,
/// asks, applies. Refuses when the user exists or something it referred to
/// (a group, a policy, the boundary) is gone, before changing anything.
pub(crate) async fn restore(ctx: &mut Ctx, file: &Path) -> Result<()> {
    let backup = load_backup(file)?;
    let mut facts = super::begin(ctx).await?;
    let caller = facts.caller.clone();
    let mut plan = StepPlan::new(StepId::IamUsersCleanup);
    let user = &backup.user;
    let client = &ctx.aws.iam;
    let mut missing = Vec::new();
    if backup.account != caller.account {
        plan.blocker = Some(
            UserError::new(format!(
                "{} is a backup from account {}, but this run is in account {}",
                file.display(),
                backup.account,
                caller.account
            ))
            .hint("use --profile with credentials for the account the user was deleted from"),
        );
    } else if iam::user_exists(client, &user.user_name).await?
        && iam::user_tag(client, &user.user_name, iam::RESTORED_FROM_TAG)
            .await?
            .as_deref()
            != Some(backup.taken_at.as_str())
    {
        plan.blocker = Some(
            UserError::new(format!("IAM user {} exists already", user.user_name))
                .hint("nothing was changed; a restore only recreates a user that is gone (or finishes its own interrupted restore)"),
        );
    } else {
        for g in &user.groups {
            if !iam::group_exists(client, g).await? {
                missing.push(format!("group {g}"));
            }
        }
        for arn in user
            .attached_policies
            .iter()
            .chain(&user.permissions_boundary)
        {
            if !iam::policy_exists(client, arn).await? {
                missing.push(format!("policy {arn}"));
            }
        }
        if !missing.is_empty() {
            plan.blocker = Some(
                UserError::new(format!(
                    "cannot restore {}: what it refers to is gone: {}",
                    user.user_name,
                    missing.join(", ")
                ))
                .hint("recreate those first, or remove them from the backup file; nothing was changed"),
            );
        }
    }
    plan.notes.push(format!(
        "backup of {} taken {} in account {}",
        user.user_name, backup.taken_at, backup.account
    ));
    if ctx.config.config.cleanup().deletes(&user.user_name) {
        plan.notes.push(format!(
            "[cleanup] iam_users in {} still names {}: remove it there, or the next cleanup deletes it again",
            ctx.config.path.display(),
            user.user_name
        ));
    }
    if plan.blocker.is_none() {
        plan.actions.push(Action::RestoreIamUser {
            file: file.to_path_buf(),
            user: Box::new(user.clone()),
            marker: backup.taken_at.clone(),
        });
        plan.notes.extend(
            secrets_lost(user)
                .into_iter()
                .map(|s| format!("not restored: {s}")),
        );
    }
    let outcome = super::present(ctx, &mut facts, &plan).await;
    super::finish(ctx, &caller, std::slice::from_ref(&plan))?;
    outcome
}

/// Whether two public keys or certificates have the same material: an SSH
/// key's type and key (its comment aside), a certificate's whole PEM text
/// (whitespace aside).
fn same_public_key(a: &iam::PublicKey, b: &iam::PublicKey) -> bool {
    let material = |k: &iam::PublicKey| {
        k.body.as_deref().map(|body| {
            if body.trim_start().starts_with("-----BEGIN") {
                body.split_whitespace().collect::<String>()
            } else {
                body.split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        })
    };
    material(a).is_some() && material(a) == material(b)
}

#[cfg(test)]
#[test]
fn public_keys_compare_by_their_material() {
    let key = |body: &str| iam::PublicKey {
        id: "x".into(),
        status: "Active".into(),
        body: Some(body.into()),
    };
    assert!(same_public_key(
        &key("ssh-ed25519 AAAA1 alice@laptop"),
        &key("ssh-ed25519  AAAA1")
    ));
    assert!(!same_public_key(
        &key("ssh-ed25519 AAAA1"),
        &key("ssh-ed25519 AAAA2")
    ));
    let pem = |b64: &str| {
        key(&format!(
            "-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n"
        ))
    };
    assert!(same_public_key(&pem("MIIBone"), &pem("MIIBone")));
    assert!(!same_public_key(&pem("MIIBone"), &pem("MIIBtwo")));
}

/// Recreates the user, then its policies, groups and public keys.
pub(crate) async fn restore_user(
    ctx: &Ctx,
    file: &Path,
    user: &IamUser,
    marker: &str,
) -> Result<()> {
    let client = &ctx.aws.iam;
    let name = &user.user_name;
    iam::create_user(client, user, marker).await?;
    for arn in &user.attached_policies {
        iam::attach_user_policy(client, name, arn).await?;
    }
    for p in &user.inline_policies {
        iam::put_user_policy(client, name, p).await?;
    }
    for g in &user.groups {
        iam::add_user_to_group(client, name, g).await?;
    }
    // Public keys already there (a resumed restore) are not uploaded twice
    // (AWS refuses a duplicate; some stand-ins accept it).
    let have_keys = iam::ssh_public_keys(client, name).await?;
    for k in &user.ssh_public_keys {
        if !have_keys.iter().any(|h| same_public_key(h, k)) {
            iam::upload_ssh_public_key(client, name, k).await?;
        }
    }
    let have_certs = iam::signing_certificates(client, Some(name)).await?;
    for c in &user.signing_certificates {
        if !have_certs.iter().any(|h| same_public_key(h, c)) {
            iam::upload_signing_certificate(client, name, c).await?;
        }
    }
    ctx.out.say(&format!(
        "recreated IAM user {name} from {}; what could not come back is listed above",
        file.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> IamUser {
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

    fn ic(name: &str, email: &str) -> IcUser {
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
        admin_planned: bool,
    ) -> StepPlan {
        plan(&Inputs {
            users,
            ic_users: &[],
            cleanup,
            caller,
            guard,
            backup_dir: PathBuf::from("backups"),
            admin_planned,
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
            false,
        );
        let names: Vec<String> = plan.actions.iter().map(Action::name).collect();
        assert_eq!(names, ["old-admin"]);
        let table = plan.details.join("\n");
        assert!(table.contains("keep (keep_iam_users)"), "{table}");
        assert!(table.contains("left alone"), "{table}");
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
            false,
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
            true,
        );
        assert!(plan.actions.is_empty(), "the real run would not delete");
        let blocker = plan.blocker.expect("the preview stops where the run would");
        assert!(blocker
            .message
            .contains("in the run that creates the administrator"));
    }

    #[test]
    fn an_unchecked_guard_deletes_nothing() {
        let users = [user("old-admin")];
        let plan = plan_for(
            &users,
            &cleanup(&["old-admin"], &[]),
            &caller("arn:aws:iam::123456789012:user/admin"),
            None,
            false,
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
            false,
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
            false,
        );
        assert!(plan.blocker.is_none());
        assert!(plan
            .notes
            .iter()
            .any(|n| n.contains("gone: no such IAM user")));
    }

    #[test]
    fn an_identity_center_replacement_is_matched_by_name_email_or_tag() {
        let people = [
            ic("alice", "alice@example.com"),
            ic("bob.r", "bob@example.com"),
        ];
        assert_eq!(
            replaced_by(&user("Alice"), &people).unwrap().user_name,
            "alice"
        );
        assert_eq!(
            replaced_by(&user("bob"), &people).unwrap().user_name,
            "bob.r"
        );
        let mut tagged = user("deploy");
        tagged.tags.insert("owner".into(), "Bob@Example.com".into());
        assert_eq!(replaced_by(&tagged, &people).unwrap().user_name, "bob.r");
        assert!(replaced_by(&user("ci"), &people).is_none());
    }
}
