//! `ssosetup access`: who can reach what, read-only. One row per (user,
//! account, permission set, path): the path is the group it comes through,
//! or "direct". AWS-owned permission sets are included and marked. A
//! summary names everyone with administrator-equivalent access to the
//! management account (the lockout guard's rule), and empty groups and users
//! with no access are listed at the end. Text (a table), JSON (its schema is
//! docs/access.schema.json) or CSV.
//!
//! Reads, all paced like every run's: the organization's accounts (names),
//! the permission sets (ListPermissionSets, DescribePermissionSet), users
//! and groups (ListUsers, ListGroups), memberships (per user or per group,
//! whichever is fewer calls), and every group's and user's assignments
//! (ListAccountAssignmentsForPrincipal), many at once. With `--account`,
//! only that account's assignments (ListPermissionSetsProvisionedToAccount,
//! ListAccountAssignments); with `--user`, only that user's groups.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use futures::stream::{self, StreamExt, TryStreamExt};
use schemars::JsonSchema;
use serde::Serialize;

use crate::aws::identitystore as ids;
use crate::aws::ssoadmin as sso;
use crate::error::UserError;
use crate::model::{
    is_aws_owned, plural, printable, Account, Assignment, Group, GroupId, Principal, User, UserId,
};
use crate::run::{whoami, Session};
use crate::steps::{Cx, Facts};
use crate::ui::OutputFormat;

/// Principals read at once: enough to keep sso-admin's lane at its rate
/// over a round trip.
const AT_ONCE: usize = 16;

/// What to narrow the review to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub user: Option<String>,
    /// An account id or name.
    pub account: Option<String>,
    pub permission_set: Option<String>,
}

/// Everything the review is made from, as read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Directory {
    pub management: Option<String>,
    pub accounts: Vec<Account>,
    /// Permission set ARN -> name.
    pub sets: BTreeMap<String, String>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// Group id -> its members' user ids.
    pub members: BTreeMap<String, Vec<String>>,
    /// Every assignment read (of groups and users).
    pub assignments: Vec<Assignment>,
    /// Permission set ARN -> why it may not make a full administrator
    /// (`None`: nothing narrows it), for the sets that give administrator
    /// access.
    pub admin_sets: BTreeMap<String, Option<String>>,
}

/// One way a user reaches an account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub(crate) struct Row {
    pub user_name: String,
    pub email: Option<String>,
    /// ENABLED or DISABLED, when the identity store says.
    pub user_status: Option<String>,
    pub account: String,
    pub account_name: String,
    pub permission_set: String,
    /// A set AWS or Control Tower made (`AWS...`).
    pub aws_owned: bool,
    /// The group it comes through, or absent for a direct assignment.
    pub group: Option<String>,
    /// The set gives administrator access (AdministratorAccess, or an
    /// inline policy that allows everything).
    pub administrator: bool,
}

impl Row {
    /// "group Ops" or "direct".
    pub(crate) fn via(&self) -> String {
        match &self.group {
            Some(g) => format!("group {g}"),
            None => "direct".to_string(),
        }
    }
}

/// Someone who can administer the management account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Administrator {
    pub user_name: String,
    pub permission_set: String,
    pub group: Option<String>,
    /// What keeps the set from making a full administrator (a Deny, a
    /// boundary...): the lockout guard does not count these.
    pub narrowed: Option<String>,
}

/// `access --output json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(
    title = "ssosetup access",
    description = "What `ssosetup access --output json` prints: who can reach what, through which group."
)]
pub(crate) struct AccessDocument {
    pub region: String,
    pub management_account: Option<String>,
    /// The filters given (absent: none).
    pub filter: FilterShown,
    pub rows: Vec<Row>,
    /// Everyone with administrator-equivalent access to the management
    /// account. This and the next two are about the whole instance: absent
    /// when `--user` or `--account` narrowed what was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub management_administrators: Option<Vec<Administrator>>,
    /// Groups with no members (with the number of assignments they hold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_groups: Option<Vec<EmptyGroup>>,
    /// Users who reach no account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users_without_access: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub(crate) struct FilterShown {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_set: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct EmptyGroup {
    pub group: String,
    pub assignments: usize,
}

/// The review, made from what was read. Pure.
#[derive(Debug, Clone)]
pub(crate) struct Review {
    pub rows: Vec<Row>,
    /// Whether the summaries below hold: `--user` and `--account` narrow
    /// what is read, and then they are left empty (they are about the
    /// whole instance).
    pub summaries: bool,
    pub administrators: Vec<Administrator>,
    pub empty_groups: Vec<EmptyGroup>,
    pub users_without_access: Vec<String>,
}

/// The filters checked against what exists: an unknown user, account or
/// set is an error naming some that exist. Pure.
pub(crate) fn check_filter(filter: &Filter, dir: &Directory) -> Result<(), UserError> {
    let some = |names: Vec<&str>| crate::model::some_of(&names);
    if let Some(u) = &filter.user {
        if !dir
            .users
            .iter()
            .any(|x| x.user_name.eq_ignore_ascii_case(u))
        {
            return Err(UserError::new(format!(
                "--user {}: no such Identity Center user",
                crate::model::excerpt(u)
            ))
            .hint(format!(
                "users: {}",
                some(dir.users.iter().map(|x| x.user_name.as_str()).collect())
            )));
        }
    }
    if let Some(a) = &filter.account {
        if account_id(a, &dir.accounts).is_none() {
            return Err(UserError::new(format!(
                "--account {}: no account of the organization has this id or name",
                crate::model::excerpt(a)
            ))
            .hint(format!(
                "accounts: {}",
                some(dir.accounts.iter().map(|x| x.name.as_str()).collect())
            )));
        }
    }
    if let Some(p) = &filter.permission_set {
        if !dir.sets.values().any(|n| n == p) {
            return Err(UserError::new(format!(
                "--permission-set {}: no such permission set",
                crate::model::excerpt(p)
            ))
            .hint(format!(
                "permission sets: {}",
                some(dir.sets.values().map(String::as_str).collect())
            )));
        }
    }
    Ok(())
}

/// The account an `--account` value names: an id, or an account's name.
fn account_id(value: &str, accounts: &[Account]) -> Option<String> {
    accounts
        .iter()
        .find(|a| a.id == value)
        .or_else(|| accounts.iter().find(|a| a.name == value))
        .map(|a| a.id.clone())
        .or_else(|| crate::config::is_account_id(value).then(|| value.to_string()))
}

/// Who reaches what, resolved through groups. Pure.
pub(crate) fn review(dir: &Directory, filter: &Filter) -> Review {
    let users: BTreeMap<&str, &User> = dir.users.iter().map(|u| (u.id.as_str(), u)).collect();
    let groups: BTreeMap<&str, &Group> = dir.groups.iter().map(|g| (g.id.as_str(), g)).collect();
    let names: BTreeMap<&str, &str> = dir
        .accounts
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let mut all = BTreeSet::new();
    for a in &dir.assignments {
        let set = dir
            .sets
            .get(a.permission_set.as_str())
            .cloned()
            .unwrap_or_else(|| a.permission_set.to_string());
        let holders: Vec<(&str, Option<String>)> = match &a.principal {
            Principal::User(u) => vec![(u.as_str(), None)],
            Principal::Group(g) => {
                let name = groups
                    .get(g.as_str())
                    .map(|x| x.display_name.clone())
                    .unwrap_or_else(|| g.to_string());
                dir.members
                    .get(g.as_str())
                    .into_iter()
                    .flatten()
                    .map(|u| (u.as_str(), Some(name.clone())))
                    .collect()
            }
        };
        for (user_id, group) in holders {
            let Some(user) = users.get(user_id) else {
                continue;
            };
            all.insert(Row {
                user_name: user.user_name.clone(),
                email: user.email.clone(),
                user_status: user.status.clone(),
                account: a.account.to_string(),
                account_name: names
                    .get(a.account.as_str())
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                aws_owned: is_aws_owned(&set),
                administrator: dir.admin_sets.contains_key(a.permission_set.as_str()),
                permission_set: set.clone(),
                group,
            });
        }
    }
    let account = filter
        .account
        .as_deref()
        .and_then(|a| account_id(a, &dir.accounts));
    let rows: Vec<Row> = all
        .iter()
        .filter(|r| {
            filter
                .user
                .as_ref()
                .is_none_or(|u| r.user_name.eq_ignore_ascii_case(u))
                && account.as_ref().is_none_or(|a| &r.account == a)
                && filter
                    .permission_set
                    .as_ref()
                    .is_none_or(|p| &r.permission_set == p)
        })
        .cloned()
        .collect();
    let arn_of: BTreeMap<&str, &str> = dir
        .sets
        .iter()
        .map(|(arn, name)| (name.as_str(), arn.as_str()))
        .collect();
    let mut administrators: Vec<Administrator> = all
        .iter()
        .filter(|r| dir.management.as_deref() == Some(r.account.as_str()))
        .filter_map(|r| {
            let narrowed = dir
                .admin_sets
                .get(*arn_of.get(r.permission_set.as_str())?)?;
            Some(Administrator {
                user_name: r.user_name.clone(),
                permission_set: r.permission_set.clone(),
                group: r.group.clone(),
                narrowed: narrowed.clone(),
            })
        })
        .collect();
    administrators.sort_by(|a, b| {
        (&a.user_name, &a.permission_set, &a.group).cmp(&(
            &b.user_name,
            &b.permission_set,
            &b.group,
        ))
    });
    administrators.dedup();
    let mut empty_groups: Vec<EmptyGroup> = dir
        .groups
        .iter()
        .filter(|g| dir.members.get(&g.id).is_none_or(Vec::is_empty))
        .map(|g| EmptyGroup {
            group: g.display_name.clone(),
            assignments: dir
                .assignments
                .iter()
                .filter(|a| matches!(&a.principal, Principal::Group(id) if id.as_str() == g.id))
                .count(),
        })
        .collect();
    empty_groups.sort_by(|a, b| a.group.cmp(&b.group));
    let reaching: BTreeSet<&str> = all.iter().map(|r| r.user_name.as_str()).collect();
    let mut users_without_access: Vec<String> = dir
        .users
        .iter()
        .filter(|u| !reaching.contains(u.user_name.as_str()))
        .map(|u| u.user_name.clone())
        .collect();
    users_without_access.sort();
    // A narrowed read saw only some memberships and assignments: what it
    // would say about the rest is not known.
    let summaries = filter.user.is_none() && filter.account.is_none();
    if !summaries {
        administrators.clear();
        empty_groups.clear();
        users_without_access.clear();
    }
    Review {
        rows,
        summaries,
        administrators,
        empty_groups,
        users_without_access,
    }
}

/// The review as text: the table, the management account's
/// administrators, the empty groups, the users with no access. Pure.
pub(crate) fn text(review: &Review, dir: &Directory) -> Vec<String> {
    let mut lines = Vec::new();
    if review.rows.is_empty() {
        lines.push("Nobody reaches any account through Identity Center here.".to_string());
    } else {
        let mut rows = vec![[
            "USER",
            "EMAIL",
            "STATUS",
            "ACCOUNT",
            "ACCOUNT NAME",
            "PERMISSION SET",
            "VIA",
        ]
        .map(str::to_string)
        .to_vec()];
        for r in &review.rows {
            let mut set = printable(&r.permission_set);
            if r.aws_owned {
                set.push_str(" (AWS)");
            }
            if r.administrator {
                set.push_str(" *");
            }
            rows.push(vec![
                printable(&r.user_name),
                printable(r.email.as_deref().unwrap_or("-")),
                r.user_status.clone().unwrap_or_else(|| "-".into()),
                r.account.clone(),
                printable(&r.account_name),
                set,
                printable(&r.via()),
            ]);
        }
        lines.extend(columns(&rows));
        let users: BTreeSet<&str> = review.rows.iter().map(|r| r.user_name.as_str()).collect();
        let accounts: BTreeSet<&str> = review.rows.iter().map(|r| r.account.as_str()).collect();
        lines.push(format!(
            "{} row{}: {} user{} on {} account{}. * administrator access; (AWS) a set AWS made.",
            review.rows.len(),
            plural(review.rows.len()),
            users.len(),
            plural(users.len()),
            accounts.len(),
            plural(accounts.len())
        ));
    }
    lines.push(String::new());
    if !review.summaries {
        lines.push("The management account's administrators, the groups with no members and the users with no access are about the whole instance: run `ssosetup access` without --user and --account to see them.".to_string());
        return lines;
    }
    match &dir.management {
        Some(m) => {
            let (full, narrowed): (Vec<&Administrator>, Vec<&Administrator>) = review
                .administrators
                .iter()
                .partition(|a| a.narrowed.is_none());
            if full.is_empty() {
                lines.push(format!(
                    "Nobody holds unrestricted administrator access to the management account {m} through Identity Center (the lockout guard would refuse removals)."
                ));
            } else {
                lines.push(format!("Administrators of the management account {m}:"));
                for a in full {
                    lines.push(format!(
                        "  {} ({}, {})",
                        printable(&a.user_name),
                        printable(&a.permission_set),
                        a.group
                            .as_deref()
                            .map(|g| format!("group {}", printable(g)))
                            .unwrap_or_else(|| "direct".into())
                    ));
                }
            }
            for a in narrowed {
                lines.push(format!(
                    "  {} ({}): narrowed, not counted: {}",
                    printable(&a.user_name),
                    printable(&a.permission_set),
                    a.narrowed.as_deref().unwrap_or_default()
                ));
            }
        }
        None => lines.push("No organization: no management account to review.".to_string()),
    }
    if !review.empty_groups.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Groups with no members ({}):",
            review.empty_groups.len()
        ));
        for g in &review.empty_groups {
            lines.push(format!(
                "  {} ({} assignment{})",
                printable(&g.group),
                g.assignments,
                plural(g.assignments)
            ));
        }
    }
    if !review.users_without_access.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Users with no access ({}): {}",
            review.users_without_access.len(),
            review
                .users_without_access
                .iter()
                .map(|u| printable(u))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    lines
}

fn columns(rows: &[Vec<String>]) -> Vec<String> {
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

/// A cell a spreadsheet would run as a formula (it starts with = + - @, a
/// tab or a carriage return) gets a leading apostrophe: a hostile user or
/// group name stays text. Pure.
fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The rows as CSV (RFC 4180, a header first). Pure.
pub(crate) fn csv(review: &Review) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "user_name",
        "email",
        "user_status",
        "account",
        "account_name",
        "permission_set",
        "aws_owned",
        "group",
        "administrator",
    ])?;
    for r in &review.rows {
        w.write_record([
            csv_cell(&r.user_name),
            csv_cell(r.email.as_deref().unwrap_or("")),
            r.user_status.clone().unwrap_or_default(),
            r.account.clone(),
            csv_cell(&r.account_name),
            csv_cell(&r.permission_set),
            r.aws_owned.to_string(),
            csv_cell(r.group.as_deref().unwrap_or("")),
            r.administrator.to_string(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Reads what the review needs.
pub(crate) async fn read(cx: &Cx, facts: &mut Facts, filter: &Filter) -> Result<Directory> {
    let Some(instance) = crate::steps::ensure_instance(cx, facts).await? else {
        return Err(UserError::new(format!(
            "there is no ACTIVE IAM Identity Center instance in {} to review",
            cx.aws.region
        ))
        .hint("pass the home region with --region")
        .into());
    };
    crate::steps::ensure_organization(cx, facts).await?;
    let management = facts.management_account().map(str::to_string);
    let accounts = crate::steps::ensure_accounts(cx, facts).await?;
    let store = instance.identity_store_id.clone();
    let (sets, users, groups) = futures::try_join!(
        async {
            crate::steps::permission_sets::observe_names(cx, &instance.arn)
                .await
                .map(|names| {
                    names
                        .into_iter()
                        .filter_map(|(name, arn)| arn.map(|arn| (arn, name)))
                        .collect::<BTreeMap<String, String>>()
                })
                .map_err(anyhow::Error::from)
        },
        async {
            ids::list_users(&cx.aws, &store)
                .await
                .map_err(anyhow::Error::from)
        },
        async {
            ids::list_groups(&cx.aws, &store)
                .await
                .map_err(anyhow::Error::from)
        },
    )?;
    facts.permission_sets = Some(
        sets.iter()
            .map(|(arn, name)| (name.clone(), Some(arn.clone())))
            .collect(),
    );
    let mut dir = Directory {
        management,
        accounts,
        sets,
        users,
        groups,
        ..Directory::default()
    };
    let check = Filter {
        account: None,
        ..filter.clone()
    };
    check_filter(&check, &dir)?;
    let the_user = filter.user.as_ref().and_then(|u| {
        dir.users
            .iter()
            .find(|x| x.user_name.eq_ignore_ascii_case(u))
            .cloned()
    });
    let account = filter
        .account
        .as_deref()
        .and_then(|a| account_id(a, &dir.accounts));
    let instance_arn = instance.arn.to_string();
    // identitystore's memberships, sso-admin's assignments and the
    // administrator sets' policies are three budgets: read at once. Only
    // one user's review needs that user's groups before their assignments.
    let (members, assignments, admin_sets) = match &the_user {
        Some(u) => {
            let members = memberships(cx, &store, std::slice::from_ref(u), &[]).await?;
            let principals: Vec<Principal> = std::iter::once(Principal::User(UserId::new(&u.id)))
                .chain(members.keys().map(|g| Principal::Group(GroupId::new(g))))
                .collect();
            let (assignments, admin_sets) = futures::try_join!(
                assignments_of(cx, &instance_arn, account.as_deref(), &principals),
                admin_sets(cx, facts, &instance_arn),
            )?;
            (members, assignments, admin_sets)
        }
        None => {
            let principals: Vec<Principal> = dir
                .groups
                .iter()
                .map(|g| Principal::Group(GroupId::new(&g.id)))
                .chain(
                    dir.users
                        .iter()
                        .map(|u| Principal::User(UserId::new(&u.id))),
                )
                .collect();
            futures::try_join!(
                memberships(cx, &store, &dir.users, &dir.groups),
                assignments_of(cx, &instance_arn, account.as_deref(), &principals),
                admin_sets(cx, facts, &instance_arn),
            )?
        }
    };
    dir.members = members;
    dir.assignments = assignments;
    dir.admin_sets = admin_sets;
    Ok(dir)
}

/// Group id -> its members' user ids: per user (ListGroupMembershipsForMember)
/// or per group (ListGroupMembers), whichever is fewer calls; `groups`
/// empty: only `users`' groups.
async fn memberships(
    cx: &Cx,
    store: &str,
    users: &[User],
    groups: &[Group],
) -> Result<BTreeMap<String, Vec<String>>> {
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if groups.is_empty() || users.len() <= groups.len() {
        let found: Vec<(String, Vec<String>)> = stream::iter(users.to_vec())
            .map(|u| async move {
                ids::list_memberships_of(&cx.aws, store, &u.id)
                    .await
                    .map(|groups| (u.id, groups))
            })
            .buffer_unordered(AT_ONCE)
            .try_collect()
            .await?;
        for g in groups {
            members.entry(g.id.clone()).or_default();
        }
        for (user, of) in found {
            for g in of {
                members.entry(g).or_default().push(user.clone());
            }
        }
    } else {
        let found: Vec<(String, Vec<String>)> = stream::iter(groups.to_vec())
            .map(|g| async move {
                ids::list_group_members(&cx.aws, store, &g.id)
                    .await
                    .map(|m| (g.id, m))
            })
            .buffer_unordered(AT_ONCE)
            .try_collect()
            .await?;
        members = found.into_iter().collect();
    }
    for m in members.values_mut() {
        m.sort();
        m.dedup();
    }
    Ok(members)
}

/// The assignments of one account (every set provisioned there), or of
/// `principals`.
async fn assignments_of(
    cx: &Cx,
    instance: &str,
    account: Option<&str>,
    principals: &[Principal],
) -> Result<Vec<Assignment>> {
    let mut out = Vec::new();
    if let Some(account) = account {
        let provisioned = sso::permission_sets_provisioned_to(&cx.aws, instance, account).await?;
        let found: Vec<Vec<Principal>> = stream::iter(provisioned.clone())
            .map(|ps| async move {
                sso::list_account_assignments(&cx.aws, instance, account, ps.as_str()).await
            })
            .buffered(AT_ONCE)
            .try_collect()
            .await?;
        for (ps, holders) in provisioned.iter().zip(found) {
            out.extend(holders.into_iter().map(|principal| Assignment {
                principal,
                permission_set: ps.clone(),
                account: crate::model::AccountId::from_aws(account),
            }));
        }
    } else {
        let found: Vec<Vec<Assignment>> = stream::iter(principals.to_vec())
            .map(|p| async move {
                sso::list_account_assignments_for_principal(&cx.aws, instance, &p).await
            })
            .buffer_unordered(AT_ONCE)
            .try_collect()
            .await?;
        out.extend(found.into_iter().flatten());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Permission set ARN -> what narrows it, for the sets that give
/// administrator access (the lockout guard's reading).
async fn admin_sets(
    cx: &Cx,
    facts: &mut Facts,
    instance: &str,
) -> Result<BTreeMap<String, Option<String>>> {
    Ok(crate::steps::iam_users::admin_sets(cx, facts, instance)
        .await?
        .into_iter()
        .map(|(_, arn, narrowed)| (arn, narrowed))
        .collect())
}

/// `ssosetup access`.
pub(crate) async fn access(s: &Session, filter: Filter) -> Result<()> {
    let cx = &s.cx;
    let caller = whoami(cx).await?;
    let mut facts = Facts::new(caller.clone(), &cx.aws.region);
    crate::steps::ensure_seat(cx, &mut facts).await?;
    let dir = read(cx, &mut facts, &filter).await?;
    check_filter(&filter, &dir)?;
    let review = review(&dir, &filter);
    match s.output {
        OutputFormat::Json => {
            let doc = AccessDocument {
                region: cx.aws.region.clone(),
                management_account: dir.management.clone(),
                filter: FilterShown {
                    user: filter.user.clone(),
                    account: filter.account.clone(),
                    permission_set: filter.permission_set.clone(),
                },
                rows: review.rows,
                management_administrators: review.summaries.then_some(review.administrators),
                empty_groups: review.summaries.then_some(review.empty_groups),
                users_without_access: review.summaries.then_some(review.users_without_access),
            };
            cx.out.data(&serde_json::to_string_pretty(&doc)?);
        }
        OutputFormat::Csv => {
            let text = csv(&review)?;
            cx.out.data(text.trim_end_matches('\n'));
        }
        OutputFormat::Text => {
            for line in crate::run::caller_lines(cx, &caller) {
                cx.out.say(&line);
            }
            cx.out.say("");
            for line in text(&review, &dir) {
                cx.out.row(&line);
            }
        }
    }
    crate::run::say_gaps(cx);
    Ok(())
}

/// The JSON Schema of `access --output json` (docs/access.schema.json).
#[cfg(test)]
pub(crate) fn access_schema() -> String {
    let schema = schemars::schema_for!(AccessDocument);
    serde_json::to_string_pretty(&schema).expect("a schema serializes") + "\n"
}

#[cfg(test)]
mod tests;
