//! `ssosetup offboard USER_NAME`: a person leaves. Their group memberships
//! and the assignments made to them directly are removed, the Identity
//! Center user is deleted, and the config stops naming them; with
//! `--iam-user NAME`, an IAM user of theirs goes through the cleanup (its
//! backup and lockout guard). Refused when it would leave nobody to
//! administer the account.
//!
//! Reads: identitystore GetUserId, ListGroupMembershipsForMember, ListGroups;
//! sso ListAccountAssignmentsForPrincipal and the permission sets; who
//! administers the management account. Changes: DeleteGroupMembership,
//! DeleteAccountAssignment (waited for), DeleteUser, then the config file.
//! Idempotent: what is already gone is not asked for again; a second run
//! finds nothing to do.

use std::collections::BTreeMap;
use std::sync::Mutex;

use anyhow::Result;
use futures::future::LocalBoxFuture;

use super::prune::keep_an_administrator;
use super::{ensure_group_list, ensure_instance, ensure_permission_sets, Cx, Facts, Step, StepId};
use crate::aws::identitystore::{delete_user, get_user_id, memberships_of};
use crate::aws::ssoadmin::list_account_assignments_for_principal;
use crate::config::LoadedConfig;
use crate::error::UserError;
use crate::model::{Principal, UserId};
use crate::plan::{Action, NamedAssignment, StepPlan};

pub(crate) const ID: StepId = StepId::new("offboard");

/// Offboarding one person; the empty name is the table's instance, which
/// only applies (every action carries what it needs).
pub(crate) struct Offboard {
    pub user_name: String,
}

/// What the person has now.
pub(crate) struct Seen {
    instance: bool,
    user_id: Option<String>,
    /// (group name, group id, membership id).
    memberships: Vec<(String, String, String)>,
    /// What is assigned to the person directly.
    direct: Vec<NamedAssignment>,
}

impl Step for Offboard {
    type Observed = Seen;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Remove a person: their memberships, direct assignments and user, and the config entry"
    }

    fn observe<'a>(&'a self, cx: &'a Cx, facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<Seen>> {
        Box::pin(observe(cx, facts, &self.user_name))
    }

    fn plan(&self, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        plan(&self.user_name, seen, desired, facts)
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
        Box::pin(apply(cx, facts, action))
    }
}

async fn observe(cx: &Cx, facts: &mut Facts, user_name: &str) -> Result<Seen> {
    let Some(instance) = ensure_instance(cx, facts).await? else {
        return Ok(Seen {
            instance: false,
            user_id: None,
            memberships: Vec::new(),
            direct: Vec::new(),
        });
    };
    let user_id = get_user_id(&cx.aws, &instance.identity_store_id, user_name).await?;
    let mut memberships = Vec::new();
    let mut direct = Vec::new();
    if let Some(id) = &user_id {
        let groups: BTreeMap<String, String> = ensure_group_list(cx, facts)
            .await?
            .into_iter()
            .map(|g| (g.id, g.display_name))
            .collect();
        for (group_id, membership_id) in
            memberships_of(&cx.aws, &instance.identity_store_id, id).await?
        {
            let name = groups
                .get(&group_id)
                .cloned()
                .unwrap_or_else(|| group_id.clone());
            memberships.push((name, group_id, membership_id));
        }
        let sets: BTreeMap<String, String> = ensure_permission_sets(cx, facts)
            .await?
            .into_iter()
            .filter_map(|(name, arn)| Some((arn?, name)))
            .collect();
        let principal = Principal::User(UserId::new(id));
        for a in list_account_assignments_for_principal(&cx.aws, &instance.arn, &principal).await? {
            let name = sets
                .get(a.permission_set.as_str())
                .cloned()
                .unwrap_or_else(|| a.permission_set.to_string());
            direct.push(NamedAssignment {
                assignment: a,
                principal: user_name.to_string(),
                permission_set: name,
            });
        }
        super::iam_users::ensure_admin_paths(cx, facts).await?;
    }
    Ok(Seen {
        instance: true,
        user_id,
        memberships,
        direct,
    })
}

/// Everything of the person, the user last and the config entry after it.
/// Pure.
fn plan(user_name: &str, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    if !seen.instance {
        plan.blocker = Some(
            UserError::new("there is no ACTIVE IAM Identity Center instance in this region")
                .hint("pass the home region with --region"),
        );
        return plan;
    }
    let in_config = desired
        .config
        .users
        .iter()
        .any(|u| u.user_name.eq_ignore_ascii_case(user_name));
    let Some(user_id) = &seen.user_id else {
        plan.notes.push(format!(
            "{user_name} is not an Identity Center user (already offboarded?)"
        ));
        if in_config {
            plan.actions.push(Action::RemoveUserFromConfig {
                path: desired.path.clone(),
                user_name: user_name.to_string(),
            });
        }
        return plan;
    };
    for (group, _, membership_id) in &seen.memberships {
        plan.actions.push(Action::RemoveMembership {
            user_name: user_name.to_string(),
            group: group.clone(),
            membership_id: membership_id.clone(),
        });
    }
    for a in &seen.direct {
        plan.actions.push(Action::DeleteAssignment {
            assignment: a.clone(),
        });
    }
    plan.actions.push(Action::DeleteUser {
        user_name: user_name.to_string(),
        user_id: user_id.clone(),
    });
    if in_config {
        plan.actions.push(Action::RemoveUserFromConfig {
            path: desired.path.clone(),
            user_name: user_name.to_string(),
        });
    } else {
        plan.notes
            .push(format!("{user_name} is not in {}", desired.path.display()));
    }
    let mut pruned = facts.pruned.clone();
    let groups = facts.groups.clone().unwrap_or_default();
    pruned.add(&plan.actions, |g| groups.get(g).cloned().flatten());
    if let Some(Ok(paths)) = &facts.admin_paths {
        keep_an_administrator(&mut plan, paths, &pruned);
    }
    plan
}

/// Long by design: one arm per kind of removal.
async fn apply(cx: &Cx, facts: &Mutex<&mut Facts>, action: &Action) -> Result<()> {
    let instance = super::instance_of(facts);
    match action {
        Action::RemoveMembership { membership_id, .. } => {
            crate::aws::identitystore::delete_membership(
                &cx.aws,
                &instance?.identity_store_id,
                membership_id,
            )
            .await?
        }
        Action::DeleteAssignment { assignment } => {
            crate::aws::ssoadmin::delete_assignment(&cx.aws, &instance?.arn, &assignment.assignment)
                .await?
        }
        Action::DeleteUser { user_name, user_id } => {
            delete_user(&cx.aws, &instance?.identity_store_id, user_id).await?;
            tracing::info!("deleted Identity Center user {user_name}");
        }
        Action::RemoveUserFromConfig { path, user_name } => {
            let mut config = LoadedConfig::load(Some(path))?;
            config
                .config
                .users
                .retain(|u| !u.user_name.eq_ignore_ascii_case(user_name));
            if let Some(cli) = config.config.cli.as_mut() {
                if cli
                    .user
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(user_name))
                {
                    cli.user = None;
                    cx.out.warn(&format!(
                        "[cli] user was {user_name}: cleared; name another user there before the next cli-profiles"
                    ));
                }
            }
            config.save()?;
            tracing::info!("removed {user_name} from {}", path.display());
        }
        other => unreachable!("not an offboard action: {other:?}"),
    }
    Ok(())
}

/// The plans of `ssosetup offboard USER_NAME [--iam-user NAME]`: the
/// person's removal, and (when asked) their IAM user's cleanup, through the
/// cleanup step as if the config named it (the file is not changed for
/// it; `cx`'s copy of the config is). The driver shows, confirms and
/// applies them as every run.
///
/// The cleanup `--iam-user NAME` runs: that one user of the calling
/// account, deleted now; not the other users the config names, not member
/// accounts, not in two phases. Pure.
fn cleanup_for(
    mut cleanup: crate::config::CleanupConfig,
    name: &str,
) -> crate::config::CleanupConfig {
    cleanup.iam_users = vec![name.to_string()];
    cleanup
        .keep_iam_users
        .retain(|k| !k.eq_ignore_ascii_case(name));
    cleanup.accounts.clear();
    cleanup.deactivate_first = false;
    cleanup.deactivate_days = None;
    cleanup
}

pub(crate) async fn plans(
    cx: &mut Cx,
    facts: &mut Facts,
    user_name: &str,
    iam_user: Option<&str>,
) -> Result<Vec<StepPlan>> {
    let step = Offboard {
        user_name: user_name.to_string(),
    };
    let mut plans = vec![super::AnyStep::check(&step, cx, facts).await?];
    if let Some(name) = iam_user {
        let cleanup = cleanup_for(cx.config.config.cleanup(), name);
        let backup_dir = cleanup.backup_dir(cx.config.base_dir());
        cx.config.config.cleanup = Some(cleanup);
        let mut plan = super::step(super::iam_users::ID).check(cx, facts).await?;
        let exists = facts
            .iam_users
            .iter()
            .flatten()
            .any(|u| u.user_name.eq_ignore_ascii_case(name));
        if !exists {
            missing_iam_user(&mut plan, name, &facts.caller.account, &backup_dir);
        }
        plans.push(plan);
    }
    Ok(plans)
}

/// Every name offboard acts on is checked before anything is read or
/// changed: a malformed one is bad input (exit 1), not "nothing to do".
pub(crate) fn check_names(user_name: &str, iam_user: Option<&str>) -> Result<(), UserError> {
    if let Err(why) = crate::config::check_user_name(user_name) {
        return Err(UserError::new(format!(
            "offboard USER_NAME: {} is not an Identity Center user name: {why}",
            crate::error::excerpt(user_name)
        ))
        .hint("give the user name as Identity Center shows it, e.g. `ssosetup offboard alice`; nothing was changed"));
    }
    if let Some(name) = iam_user {
        if !crate::config::is_aws_name(name, 64) {
            return Err(UserError::new(format!(
                "--iam-user {} is not an IAM user name: 1 to 64 letters, digits and + = , . @ - _",
                crate::error::excerpt(name)
            ))
            .hint(
                "give the IAM user's name as `aws iam list-users` shows it; nothing was changed",
            ));
        }
    }
    Ok(())
}

/// `--iam-user NAME` names no IAM user: a typo must not let the rest of
/// the offboarding report success while the real IAM user and its keys
/// stay. Only an IAM user this cleanup already deleted (its backup is
/// there, from an earlier run of the same offboard) is "done".
fn missing_iam_user(plan: &mut StepPlan, name: &str, account: &str, backup_dir: &std::path::Path) {
    let earlier = super::iam_users::earlier_backups(backup_dir, name);
    if let Some(backup) = earlier.last() {
        plan.notes.push(format!(
            "IAM user {name} is gone: deleted by an earlier run (its backup is {})",
            backup.display()
        ));
        return;
    }
    plan.blocker = Some(
        UserError::new(format!(
            "--iam-user {name}: there is no IAM user {name} in account {account}, and no backup of one in {}",
            backup_dir.display()
        ))
        .hint("check the name with `aws iam list-users` (or leave --iam-user out); nothing was changed"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountId, Assignment, Caller, GroupId, PermissionSetArn};
    use crate::steps::prune::AdminPath;

    fn facts() -> Facts {
        Facts::new(
            Caller {
                account: "111111111111".into(),
                arn: "arn:aws:iam::111111111111:user/admin".into(),
            },
            "us-east-1",
        )
    }

    fn carol(direct: bool) -> Seen {
        Seen {
            instance: true,
            user_id: Some("u-carol".into()),
            memberships: vec![("Dev".into(), "g-dev".into(), "m-1".into())],
            direct: if direct {
                vec![NamedAssignment {
                    assignment: Assignment {
                        principal: Principal::User(UserId::new("u-carol")),
                        permission_set: PermissionSetArn::new("ps-ro"),
                        account: AccountId::from_aws("222222222222"),
                    },
                    principal: "carol".into(),
                    permission_set: "ReadOnly".into(),
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn config(users: &str) -> LoadedConfig {
        LoadedConfig {
            config: crate::config::parse(users).unwrap(),
            prune: false,
            path: "ssosetup.toml".into(),
            from_file: true,
            region_flag: false,
        }
    }

    #[test]
    fn the_persons_access_goes_first_then_the_user_then_the_config_entry() {
        let with_carol = config("[[users]]\nuser_name = \"carol\"\ngiven_name = \"C\"\nfamily_name = \"D\"\nemail = \"c@example.com\"\n");
        let p = plan("carol", &carol(true), &with_carol, &facts());
        let kinds: Vec<&str> = p
            .actions
            .iter()
            .map(|a| match a {
                Action::RemoveMembership { .. } => "membership",
                Action::DeleteAssignment { .. } => "assignment",
                Action::DeleteUser { .. } => "user",
                Action::RemoveUserFromConfig { .. } => "config",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["membership", "assignment", "user", "config"]);
        assert!(p.blocker.is_none());
        // Not in the config: the entry is not touched, and that is said.
        let p = plan("carol", &carol(false), &config(""), &facts());
        assert!(!p
            .actions
            .iter()
            .any(|a| matches!(a, Action::RemoveUserFromConfig { .. })));
        assert!(p
            .notes
            .iter()
            .any(|n| n.contains("is not in ssosetup.toml")));
        // Already gone: nothing but the config entry.
        let gone = Seen {
            user_id: None,
            ..carol(false)
        };
        let p = plan("carol", &gone, &with_carol, &facts());
        assert_eq!(p.actions.len(), 1);
        assert!(p.notes[0].contains("already offboarded"));
    }

    #[test]
    fn the_last_administrator_is_not_offboarded() {
        let mut f = facts();
        f.admin_paths = Some(Ok(vec![AdminPath {
            user_name: "carol".into(),
            assignment: Assignment {
                principal: Principal::Group(GroupId::new("g-dev")),
                permission_set: PermissionSetArn::new("ps-admin"),
                account: AccountId::from_aws("111111111111"),
            },
            narrowed: None,
        }]));
        f.groups = Some([("Dev".to_string(), Some("g-dev".to_string()))].into());
        let p = plan("carol", &carol(false), &config(""), &f);
        assert!(p
            .blocker
            .expect("refused")
            .message
            .contains("would leave nobody"));
    }

    #[test]
    fn malformed_names_are_bad_input() {
        assert!(check_names("alice", Some("alice-legacy")).is_ok());
        let e = check_names("bad name*", None).unwrap_err();
        assert!(e.message.contains("offboard USER_NAME"), "{}", e.message);
        let e = check_names("alice", Some("no spaces allowed")).unwrap_err();
        assert!(e.message.contains("--iam-user"), "{}", e.message);
    }

    #[test]
    fn a_missing_iam_user_stops_the_run_unless_an_earlier_one_deleted_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = StepPlan::new(super::super::iam_users::ID);
        missing_iam_user(&mut plan, "bob-typo", "111111111111", dir.path());
        let blocker = plan.blocker.expect("a typo stops the run");
        assert!(
            blocker.message.contains("no IAM user bob-typo"),
            "{}",
            blocker.message
        );
        crate::steps::iam_users::write_backup(
            dir.path(),
            "123456789012",
            &crate::steps::iam_users::tests::user("bob"),
            &[],
        )
        .unwrap();
        let mut plan = StepPlan::new(super::super::iam_users::ID);
        missing_iam_user(&mut plan, "bob", "111111111111", dir.path());
        assert!(plan.blocker.is_none());
        assert!(plan.notes[0].contains("earlier run"), "{:?}", plan.notes);
    }

    #[test]
    fn offboarding_an_iam_user_deletes_that_user_and_no_other_the_config_names() {
        let cleanup = crate::config::CleanupConfig {
            iam_users: vec!["old-admin".into(), "111122223333/ci".into()],
            keep_iam_users: vec!["Carol-Legacy".into(), "breakglass".into()],
            accounts: vec!["all".into()],
            deactivate_first: true,
            deactivate_days: Some(3),
            ..crate::config::CleanupConfig::default()
        };
        let c = cleanup_for(cleanup, "carol-legacy");
        assert_eq!(c.iam_users, ["carol-legacy"]);
        assert_eq!(c.keep_iam_users, ["breakglass"]);
        assert!(c.accounts.is_empty() && !c.deactivate_first && c.deactivate_days.is_none());
    }
}
