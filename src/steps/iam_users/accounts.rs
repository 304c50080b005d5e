//! `[cleanup] accounts`: the organization's member accounts whose IAM
//! users are inventoried and cleaned up, each reached through
//! `member_role` (sts:AssumeRole, a 15-minute session named
//! ssosetup-cleanup). Accounts are read concurrently, a bounded number at a
//! time, each with its own IAM client (its own retry budget and adaptive
//! rate: IAM's limits are per account). An account that cannot be reached
//! is reported with why and left out; the others go on.

use super::*;
use crate::model::{key_findings, Account, KeyHolder, MemberAccess, UserSummary};
use crate::plan::json::{KeyCount, KeyFindingReport, MemberAccountReport, MemberUserReport};
use phases::Phase;

/// Member accounts read at once.
const ACCOUNTS_AT_ONCE: usize = 8;
/// Users of one account read at once (each a handful of calls at once).
const USERS_AT_ONCE: usize = 4;

/// The accounts a cleanup covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Targets {
    /// The calling account (read with the run's own credentials).
    pub home: bool,
    /// Member accounts, each reached through its role.
    pub members: Vec<MemberAccess>,
    /// Accounts named one by one that are not ACTIVE (suspended, closing):
    /// left out, and said so.
    pub not_active: Vec<MemberAccess>,
    /// Accounts `all` or an OU leaves out because they are not ACTIVE.
    pub inactive_in_all: usize,
}

/// The role ARN of `role` in `account`, in the caller's partition.
pub(crate) fn role_arn(caller: &Caller, account: &str, role: &str) -> String {
    format!("arn:{}:iam::{account}:role/{role}", caller.partition())
}

/// The accounts `[cleanup] accounts` names, resolved against the
/// organization's (`None`: they cannot be listed). An id or name that is
/// not the organization's is an error naming the field and some accounts
/// that are. Empty: the calling account only. Pure.
pub(crate) fn targets(
    cleanup: &CleanupConfig,
    caller: &Caller,
    accounts: Option<&[Account]>,
    tree: Option<&crate::model::OrgTree>,
) -> Result<Targets, UserError> {
    let mut t = Targets::default();
    if cleanup.accounts.is_empty() {
        t.home = true;
        return Ok(t);
    }
    let Some(accounts) = accounts else {
        return Err(UserError::new(format!(
            "[cleanup] accounts names {}, but the organization's accounts cannot be listed from account {}",
            cleanup.accounts.join(", "),
            caller.account
        ))
        .hint("run from the organization's management account (or leave [cleanup] accounts out to clean up this account only)"));
    };
    let access = |a: &Account| MemberAccess {
        account: a.id.clone(),
        name: a.name.clone(),
        role_arn: role_arn(caller, &a.id, cleanup.member_role()),
    };
    let add = |t: &mut Targets, a: &Account, one_by_one: bool| {
        if a.id == caller.account {
            t.home = true;
        } else if !a.active {
            if one_by_one && !t.not_active.iter().any(|m| m.account == a.id) {
                t.not_active.push(access(a));
            } else if !one_by_one {
                t.inactive_in_all += 1;
            }
        } else if !t.members.iter().any(|m| m.account == a.id) {
            t.members.push(access(a));
        }
    };
    let candidates = || {
        let shown: Vec<String> = accounts
            .iter()
            .map(|a| format!("{} ({})", a.id, a.name))
            .collect();
        crate::model::some_of(&shown.iter().map(String::as_str).collect::<Vec<_>>())
    };
    for (i, entry) in cleanup.accounts.iter().enumerate() {
        if entry == "all" {
            // Everything, the calling account too (also when it is in no
            // organization: then it is all there is).
            t.home = true;
            for a in accounts {
                add(&mut t, a, false);
            }
            continue;
        }
        if let Some(spec) = entry.strip_prefix("ou:") {
            let found = tree
                .filter(|t| !t.root.is_empty())
                .ok_or_else(|| {
                    "there is no organization (or its OUs cannot be read) to find it in".to_string()
                })
                .and_then(|t| {
                    t.find(spec)
                        .map(|ou| t.accounts_in(&ou.id, true))
                        .map_err(|e| e.to_string())
                });
            match found {
                Ok(ids) => {
                    for a in accounts.iter().filter(|a| ids.contains(&a.id)) {
                        add(&mut t, a, false);
                    }
                }
                Err(why) => {
                    return Err(UserError::new(format!(
                        "cleanup.accounts[{i}] = \"{entry}\": {why}"
                    ))
                    .hint("name an OU by its path from the root (ou:Workloads/Prod) or its id; nothing was changed"))
                }
            }
            continue;
        }
        if crate::config::is_account_id(entry) {
            match accounts.iter().find(|a| &a.id == entry) {
                Some(a) => add(&mut t, a, true),
                None if entry == &caller.account => t.home = true,
                None => {
                    return Err(UserError::new(format!(
                    "cleanup.accounts[{i}] = {entry}: no account of the organization has this id"
                ))
                    .hint(format!("the organization's accounts: {}", candidates())))
                }
            }
            continue;
        }
        let named: Vec<&Account> = accounts.iter().filter(|a| &a.name == entry).collect();
        match named.as_slice() {
            [a] => add(&mut t, a, true),
            [] => {
                return Err(UserError::new(format!(
                "cleanup.accounts[{i}] = \"{entry}\": no account of the organization has this name"
            ))
                .hint(format!(
                    "names are matched exactly; the organization's accounts: {}",
                    candidates()
                )))
            }
            many => {
                return Err(UserError::new(format!(
                    "cleanup.accounts[{i}] = \"{entry}\": {} accounts have this name",
                    many.len()
                ))
                .hint(format!(
                    "name them by id instead: {}",
                    many.iter()
                        .map(|a| a.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
    t.members.sort_by(|a, b| a.account.cmp(&b.account));
    Ok(t)
}

/// Entries of `iam_users` / `keep_iam_users` naming a member account's
/// user where the cleanup does not reach: an error before any write.
pub(crate) fn uncovered(
    cleanup: &CleanupConfig,
    caller: &Caller,
    t: &Targets,
) -> Option<UserError> {
    for (field, list) in [
        ("iam_users", &cleanup.iam_users),
        ("keep_iam_users", &cleanup.keep_iam_users),
    ] {
        for (j, entry) in list.iter().enumerate() {
            let (Some(account), _) = crate::config::iam_user_entry(entry) else {
                continue;
            };
            let covered = (account == caller.account && t.home)
                || t.members.iter().any(|m| m.account == account)
                || t.not_active.iter().any(|m| m.account == account);
            if !covered {
                return Some(
                    UserError::new(format!(
                        "cleanup.{field}[{j}] = {entry}: account {account} is not among the accounts [cleanup] accounts covers"
                    ))
                    .hint(format!(
                        "add \"{account}\" (or \"all\") to [cleanup] accounts, or take the entry out; nothing was changed"
                    )),
                );
            }
        }
    }
    None
}

/// One member account's IAM users as this run read them, or why it could
/// not.
#[derive(Debug, Clone)]
pub(crate) struct MemberIam {
    pub access: MemberAccess,
    pub found: Result<MemberUsers, String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct MemberUsers {
    /// Every user's long-lived credentials.
    pub users: Vec<KeyHolder>,
    /// The users the config names for deletion, read whole (what their
    /// deletion removes, their tags).
    pub named: Vec<IamUser>,
}

/// Reads every member account of `members` (a bounded number at once).
pub(crate) async fn read_members(
    cx: &Cx,
    cleanup: &CleanupConfig,
    members: &[MemberAccess],
) -> Vec<MemberIam> {
    let mut read: Vec<MemberIam> = stream::iter(members.iter().cloned())
        .map(|access| async move {
            let found = read_member(cx, cleanup, &access).await;
            MemberIam { access, found }
        })
        .buffer_unordered(ACCOUNTS_AT_ONCE)
        .collect()
        .await;
    read.sort_by(|a, b| a.access.account.cmp(&b.access.account));
    read
}

async fn read_member(
    cx: &Cx,
    cleanup: &CleanupConfig,
    access: &MemberAccess,
) -> Result<MemberUsers, String> {
    let aws = cx
        .aws
        .in_member(&access.account, &access.role_arn)
        .await
        .map_err(|e| e.to_string())?;
    let listed = iam::list_users(&aws.iam).await.map_err(|e| e.to_string())?;
    let account = access.account.as_str();
    let aws = &aws;
    let read: Vec<(KeyHolder, Option<IamUser>)> = stream::iter(listed)
        .map(|u: UserSummary| async move {
            if cleanup.deletes(account, false, &u.user_name) {
                Ok(iam::inventory(aws, &u.user_name)
                    .await?
                    .map(|full| (KeyHolder::from(&full), Some(full))))
            } else {
                Ok(iam::key_holder(&aws.iam, &u).await?.map(|k| (k, None)))
            }
        })
        .buffer_unordered(USERS_AT_ONCE)
        .try_filter_map(|u: Option<(KeyHolder, Option<IamUser>)>| async move { Ok(u) })
        .try_collect()
        .await
        .map_err(|e: crate::aws::AwsError| e.to_string())?;
    let mut users = MemberUsers::default();
    for (holder, full) in read {
        users.users.push(holder);
        users.named.extend(full);
    }
    if users.named.is_empty() {
        // Nothing to change there: its client is not kept (at thousands of
        // accounts, they add up).
        cx.aws.forget_member(account);
    }
    users.users.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    Ok(users)
}

/// The hint for an account that was not reached.
fn not_reached_hint(role: &str) -> String {
    format!(
        "accounts Organizations creates have the role {role}; an invited account needs it made (trusting the management account), or name another with [cleanup] member_role, or leave the account out of [cleanup] accounts"
    )
}

/// The findings of a user's keys, for the report.
pub(crate) fn findings(keys: &[crate::model::AccessKey], now: SystemTime) -> Vec<KeyFindingReport> {
    keys.iter()
        .flat_map(|k| {
            key_findings(k, now).into_iter().map(|f| KeyFindingReport {
                access_key_id: k.id.clone(),
                finding: f,
                description: f.label(),
            })
        })
        .collect()
}

/// The ACCESS KEYS cell: "2 (1 active: old, unused)".
pub(crate) fn keys_cell(keys: &[crate::model::AccessKey], now: SystemTime) -> String {
    let active = keys.iter().filter(|k| iam::is_active(&k.status)).count();
    if keys.is_empty() {
        return "none".to_string();
    }
    let mut flags: Vec<&str> = keys
        .iter()
        .flat_map(|k| key_findings(k, now))
        .map(|f| f.short())
        .collect();
    flags.sort_unstable();
    flags.dedup();
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(": {}", flags.join(", "))
    };
    format!("{} ({active} active{flags})", keys.len())
}

/// Counts long-lived credentials over the users read.
pub(crate) fn count_keys<'a>(
    users: impl Iterator<Item = &'a KeyHolder>,
    now: SystemTime,
    count: &mut KeyCount,
) {
    for u in users {
        count.iam_users += 1;
        count.active_access_keys += u.active_keys();
        for k in &u.access_keys {
            for f in key_findings(k, now) {
                match f {
                    crate::model::KeyFinding::NotRotated => count.not_rotated += 1,
                    crate::model::KeyFinding::Unused => count.unused += 1,
                }
            }
        }
    }
}

/// What one user named for deletion comes to in this run, as the plan
/// says it: an action, a later run, or left out with why.
pub(crate) enum Outcome {
    Act(Action),
    Later(String),
    Skip(UserError),
}

/// The outcome of `user` (of the calling account when `member` is `None`)
/// in `phase`. Pure.
pub(crate) fn outcome(
    phase: &Phase,
    member: Option<&MemberAccess>,
    user: &IamUser,
    backup_dir: &Path,
) -> Outcome {
    let who = match member {
        Some(m) => format!("IAM user {} in account {}", user.user_name, m.label()),
        None => format!("IAM user {}", user.user_name),
    };
    let untag = format!(
        "aws iam untag-user --user-name {} --tag-keys {}{}",
        user.user_name,
        iam::KEYS_OFF_TAG,
        member
            .map(|m| format!(" (with credentials of account {})", m.account))
            .unwrap_or_default()
    );
    match phase {
        Phase::Delete => Outcome::Act(Action::DeleteIamUser {
            member: member.cloned(),
            user_name: user.user_name.clone(),
            dependents: user.dependents(),
            backup_dir: backup_dir.to_path_buf(),
        }),
        Phase::SwitchOff { keys } => Outcome::Act(Action::DeactivateAccessKeys {
            member: member.cloned(),
            user_name: user.user_name.clone(),
            keys: keys.clone(),
            backup_dir: backup_dir.to_path_buf(),
        }),
        Phase::Waiting { since, until } => Outcome::Later(format!(
            "{who}: access keys off since {since}; deleted by a run from {until} if they stay off and unused"
        )),
        Phase::ActiveAgain { since, keys } => Outcome::Skip(
            UserError::new(format!(
                "{who}: access key{} {} {} on again since they were switched off at {since}: not deleted",
                plural(keys.len()),
                keys.join(", "),
                if keys.len() == 1 { "is" } else { "are" }
            ))
            .hint(format!(
                "something may need it: to keep the user, move it to keep_iam_users; to start over, remove the tag ({untag}) and the next run switches its keys off again and waits"
            )),
        ),
        Phase::UsedSince { since, key, at } => Outcome::Skip(
            UserError::new(format!(
                "{who}: access key {key} was used at {at}, after the keys were switched off at {since}: not deleted"
            ))
            .hint(format!(
                "something uses it: to keep the user, move it to keep_iam_users; to start over, remove the tag ({untag})"
            )),
        ),
    }
}

/// The member accounts' part of the plan: a table per account, actions for
/// the users named there (when the account's lockout guard lets them go),
/// and the accounts left out. Returns the report's part, and adds to
/// `undecided` the users nobody decided about. Pure.
pub(crate) fn plan_members(
    plan: &mut StepPlan,
    i: &Inputs,
    undecided: &mut Vec<String>,
    count: &mut KeyCount,
) -> Vec<MemberAccountReport> {
    let mut reports = Vec::new();
    for m in i.not_active {
        plan.skipped.push(
            UserError::new(format!(
                "account {}: not ACTIVE (suspended or closing): not read",
                m.label()
            ))
            .hint("take it out of [cleanup] accounts"),
        );
    }
    if i.inactive_in_all > 0 {
        plan.notes.push(format!(
            "[cleanup] accounts: {} account{} not ACTIVE (suspended or closing) left out",
            i.inactive_in_all,
            plural(i.inactive_in_all)
        ));
    }
    for m in i.members {
        let access = &m.access;
        let dir = i.backup_dir.join(&access.account);
        let found = match &m.found {
            Ok(found) => found,
            Err(why) => {
                count.accounts_not_reached += 1;
                plan.skipped.push(
                    UserError::new(format!("account {}: not reached: {why}", access.label()))
                        .hint(not_reached_hint(i.cleanup.member_role())),
                );
                reports.push(MemberAccountReport {
                    account: access.account.clone(),
                    name: access.name.clone(),
                    role_arn: access.role_arn.clone(),
                    not_reached: Some(why.clone()),
                    users: Vec::new(),
                });
                continue;
            }
        };
        count.accounts_read += 1;
        count_keys(found.users.iter(), i.now, count);
        let mut acts = Vec::new();
        let mut labels = Vec::new();
        for u in &found.users {
            let label = if i.cleanup.keeps(&access.account, false, &u.user_name) {
                Fate::Keep.label().to_string()
            } else if !i.cleanup.deletes(&access.account, false, &u.user_name) {
                undecided.push(format!("{}/{}", access.account, u.user_name));
                Fate::NotNamed.label().to_string()
            } else {
                match found.named.iter().find(|n| n.user_name == u.user_name) {
                    None => "gone since listed".to_string(),
                    Some(full) => {
                        let phase = phases::phase(
                            i.cleanup.deactivate_first,
                            i.cleanup.deactivate_days(),
                            full.tags.get(iam::KEYS_OFF_TAG).map(String::as_str),
                            &full.access_keys,
                            i.now,
                        );
                        match outcome(&phase, Some(access), full, &dir) {
                            Outcome::Act(a) => acts.push(a),
                            Outcome::Later(l) => plan.later.push(l),
                            Outcome::Skip(e) => plan.skipped.push(e),
                        }
                        phase.label()
                    }
                }
            };
            labels.push(label);
        }
        for entry in &i.cleanup.iam_users {
            if let (Some(a), name) = crate::config::iam_user_entry(entry) {
                if a == access.account
                    && !found
                        .users
                        .iter()
                        .any(|u| u.user_name.eq_ignore_ascii_case(name))
                {
                    plan.notes.push(format!(
                        "{entry}: no such IAM user in account {} (already deleted?): nothing to do",
                        access.label()
                    ));
                }
            }
        }
        plan.details
            .extend(member_table(access, &found.users, &labels, i.now));
        if !acts.is_empty() {
            match i.member_guards.get(&access.account) {
                Some(Guard::Admin(who)) => {
                    plan.notes.push(format!(
                        "lockout guard of account {}: {who}",
                        access.label()
                    ));
                    plan.actions.extend(acts);
                }
                other => {
                    let why = match other {
                        Some(Guard::Nobody(why)) => why.clone(),
                        Some(Guard::NotYet(users)) => guard::not_yet(users),
                        _ => "the lockout guard was not checked".to_string(),
                    };
                    plan.skipped.push(
                        UserError::new(format!(
                            "account {}: no IAM user is deleted or switched off while nobody else is known to be able to administer it: {why}",
                            access.label()
                        ))
                        .hint(format!(
                            "assign a permission set with AdministratorAccess on account {} to an Identity Center group with a member who has signed in (config [[assignments]], then `ssosetup assignments`), and run the cleanup again",
                            access.account
                        )),
                    );
                }
            }
        }
        reports.push(MemberAccountReport {
            account: access.account.clone(),
            name: access.name.clone(),
            role_arn: access.role_arn.clone(),
            not_reached: None,
            users: found
                .users
                .iter()
                .zip(labels)
                .map(|(u, plan)| MemberUserReport {
                    key_findings: findings(&u.access_keys, i.now),
                    user: u.clone(),
                    plan,
                })
                .collect(),
        });
    }
    reports
}

/// One member account's table: a heading, then a row per user.
pub(super) fn member_table(
    access: &MemberAccess,
    users: &[KeyHolder],
    labels: &[String],
    now: SystemTime,
) -> Vec<String> {
    let active: usize = users.iter().map(KeyHolder::active_keys).sum();
    let mut lines = vec![format!(
        "account {}: {} IAM user{}, {active} active access key{}",
        access.label(),
        users.len(),
        plural(users.len()),
        plural(active)
    )];
    if users.is_empty() {
        return lines;
    }
    let mut rows = vec![[
        "IAM USER",
        "PASSWORD",
        "ACCESS KEYS",
        "MFA",
        "LAST USED",
        "PLAN",
    ]
    .map(str::to_string)
    .to_vec()];
    for (u, label) in users.iter().zip(labels) {
        rows.push(vec![
            u.user_name.clone(),
            match (&u.console_password, &u.password_last_used) {
                (false, _) => "no".to_string(),
                (true, Some(t)) => format!("yes, used {}", day(Some(t))),
                (true, None) => "yes, never used".to_string(),
            },
            keys_cell(&u.access_keys, now),
            u.mfa_devices.to_string(),
            day(u.last_activity()),
            label.clone(),
        ]);
    }
    lines.extend(table::columns(&rows).into_iter().map(|l| format!("  {l}")));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            account: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/admin".into(),
        }
    }

    fn account(id: &str, name: &str, active: bool) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            active,
        }
    }

    fn org() -> Vec<Account> {
        vec![
            account("123456789012", "Management", true),
            account("111122223333", "Prod", true),
            account("444455556666", "Dev", true),
            account("777788889999", "Old", false),
        ]
    }

    fn with(accounts: &[&str]) -> CleanupConfig {
        CleanupConfig {
            accounts: accounts.iter().map(|s| s.to_string()).collect(),
            ..CleanupConfig::default()
        }
    }

    #[test]
    fn no_accounts_means_the_calling_account_only() {
        let t = targets(&with(&[]), &caller(), None, None).unwrap();
        assert!(t.home && t.members.is_empty());
    }

    #[test]
    fn all_covers_every_active_account_through_the_role() {
        let t = targets(&with(&["all"]), &caller(), Some(&org()), None).unwrap();
        assert!(t.home);
        let ids: Vec<&str> = t.members.iter().map(|m| m.account.as_str()).collect();
        assert_eq!(ids, ["111122223333", "444455556666"]);
        assert_eq!(
            t.members[0].role_arn,
            "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"
        );
        assert_eq!(t.inactive_in_all, 1);
        assert!(t.not_active.is_empty());
    }

    #[test]
    fn accounts_are_named_by_id_or_name_and_unknown_ones_are_errors() {
        let mut c = with(&["Prod", "444455556666", "777788889999"]);
        c.member_role = Some("Audit".into());
        let t = targets(&c, &caller(), Some(&org()), None).unwrap();
        assert!(!t.home, "the calling account is not named");
        assert_eq!(t.members.len(), 2);
        assert!(t.members[0].role_arn.ends_with(":role/Audit"));
        assert_eq!(t.not_active[0].account, "777788889999");
        let e = targets(&with(&["Staging"]), &caller(), Some(&org()), None).unwrap_err();
        assert!(
            e.message.contains("cleanup.accounts[0] = \"Staging\""),
            "{}",
            e.message
        );
        assert!(e.hint.unwrap().contains("111122223333 (Prod)"));
        let e = targets(&with(&["999999999999"]), &caller(), Some(&org()), None).unwrap_err();
        assert!(e
            .message
            .contains("no account of the organization has this id"));
        let e = targets(&with(&["all"]), &caller(), None, None).unwrap_err();
        assert!(e.message.contains("cannot be listed"));
    }

    #[test]
    fn an_ou_covers_its_active_accounts_and_the_ous_inside_it() {
        let ou = |id: &str, name: &str, parent: &str| crate::model::Ou {
            id: id.into(),
            name: name.into(),
            parent: parent.into(),
        };
        let tree = crate::model::OrgTree {
            root: "r-1".into(),
            ous: vec![
                ou("ou-1-work0000", "Workloads", "r-1"),
                ou("ou-1-prod0000", "Prod", "ou-1-work0000"),
            ],
            parent_of: [
                ("123456789012", "r-1"),
                ("111122223333", "ou-1-prod0000"),
                ("444455556666", "ou-1-work0000"),
                ("777788889999", "ou-1-prod0000"),
            ]
            .into_iter()
            .map(|(a, p)| (a.to_string(), p.to_string()))
            .collect(),
        };
        let t = targets(
            &with(&["ou:Workloads"]),
            &caller(),
            Some(&org()),
            Some(&tree),
        )
        .unwrap();
        assert!(!t.home);
        let ids: Vec<&str> = t.members.iter().map(|m| m.account.as_str()).collect();
        assert_eq!(
            ids,
            ["111122223333", "444455556666"],
            "the suspended one is left out"
        );
        let e = targets(&with(&["ou:Nope"]), &caller(), Some(&org()), Some(&tree)).unwrap_err();
        assert!(
            e.message
                .contains("cleanup.accounts[0] = \"ou:Nope\": no organizational unit"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_user_of_an_account_not_covered_is_an_error_before_any_write() {
        let mut c = with(&["Prod"]);
        c.iam_users = vec!["444455556666/ci".into(), "111122223333/ci".into()];
        let t = targets(&c, &caller(), Some(&org()), None).unwrap();
        let e = uncovered(&c, &caller(), &t).expect("refused");
        assert!(
            e.message
                .starts_with("cleanup.iam_users[0] = 444455556666/ci"),
            "{}",
            e.message
        );
        c.iam_users.remove(0);
        assert!(uncovered(&c, &caller(), &t).is_none());
    }
}
