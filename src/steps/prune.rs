//! `--prune`: removing what ssosetup manages and the config no longer names.
//!
//! What counts as managed, and the rules every pruning step follows:
//! - a permission set only if ssosetup created it (its `ssosetup:managed`
//!   tag) and the config no longer names it;
//! - a group only if ssosetup created it (the mark in its description) and
//!   the config no longer names it;
//! - an assignment only of a configured permission set to a group the
//!   config manages (named, or named the guide's way `<set>-<account>` for a
//!   set with such assignments) on an account the config no longer lists;
//! - a membership only of a configured user in a group the config manages;
//! - never anything whose name starts with `AWS` (Control Tower's and AWS's
//!   own), never an assignment made directly to a user, never the last
//!   administrator (the lockout guard's rule), and nothing on a read that
//!   came back empty where there must be content (ask instead).

use std::collections::BTreeSet;

use crate::config::{default_group_name, is_account_id, Config};
use crate::error::UserError;
use crate::model::is_aws_owned;
use crate::model::{Assignment, Principal};
use crate::plan::{Action, Choice, StepPlan};

/// What this run's plans remove, by id, for the lockout check of the
/// steps after them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pruned {
    pub sets: BTreeSet<String>,
    pub groups: BTreeSet<String>,
    pub assignments: BTreeSet<Assignment>,
    /// (user name, group id).
    pub memberships: BTreeSet<(String, String)>,
    pub users: BTreeSet<String>,
}

impl Pruned {
    /// Notes what `actions` remove.
    pub(crate) fn add(&mut self, actions: &[Action], group_id: impl Fn(&str) -> Option<String>) {
        for a in actions {
            match a {
                Action::DeletePermissionSet { arn, .. } => {
                    self.sets.insert(arn.clone());
                }
                Action::DeleteGroup { group_id, .. } => {
                    self.groups.insert(group_id.clone());
                }
                Action::DeleteAssignment { assignment } => {
                    self.assignments.insert(assignment.assignment.clone());
                }
                Action::RemoveMembership {
                    user_name, group, ..
                } => {
                    if let Some(id) = group_id(group) {
                        self.memberships.insert((user_name.clone(), id));
                    }
                }
                Action::DeleteUser { user_name, .. } => {
                    self.users.insert(user_name.clone());
                }
                _ => {}
            }
        }
    }
}

/// The groups the config manages: those it names, and for a permission set
/// with assignments named the guide's way, every `<set>-<12 digits>` (so an
/// account dropped from `accounts` still counts as its group's).
pub(crate) struct ManagedGroups {
    named: BTreeSet<String>,
    by_pattern: BTreeSet<String>,
}

impl ManagedGroups {
    pub(crate) fn of(config: &Config) -> Self {
        let mut named = BTreeSet::new();
        let mut by_pattern = BTreeSet::new();
        for a in &config.assignments {
            match &a.group {
                Some(g) => {
                    named.insert(g.clone());
                }
                None => {
                    by_pattern.insert(a.permission_set.clone());
                    for acct in a.accounts.iter().filter(|a| is_account_id(a)) {
                        named.insert(default_group_name(&a.permission_set, acct));
                    }
                }
            }
        }
        Self { named, by_pattern }
    }

    pub(crate) fn contains(&self, group: &str) -> bool {
        !is_aws_owned(group)
            && (self.named.contains(group)
                || self.by_pattern.iter().any(|set| {
                    group
                        .strip_prefix(set.as_str())
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(is_account_id)
                }))
    }
}

/// One way someone administers the management account: a user holding an
/// AdministratorAccess permission set there, directly or through a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AdminPath {
    pub user_name: String,
    /// The assignment it rests on: the user's own, or their group's.
    pub assignment: Assignment,
    /// Why the set may not make a full administrator (a Deny, a boundary,
    /// a customer managed policy; or an inline policy that grants
    /// everything in a set without AdministratorAccess): such a path
    /// proves nobody is one, but may be the only one there is.
    pub narrowed: Option<String>,
}

/// Whether `path` survives the removals in `pruned`. Pure.
fn survives(p: &AdminPath, pruned: &Pruned) -> bool {
    !pruned.sets.contains(p.assignment.permission_set.as_str())
        && !pruned.users.contains(&p.user_name)
        && !pruned.assignments.contains(&p.assignment)
        && match &p.assignment.principal {
            Principal::User(_) => true,
            Principal::Group(g) => {
                !pruned.groups.contains(g.as_str())
                    && !pruned
                        .memberships
                        .contains(&(p.user_name.clone(), g.to_string()))
            }
        }
}

/// Whether some full administrator (a path nothing narrows) remains once
/// `pruned` is removed. Pure.
pub(crate) fn an_administrator_remains(paths: &[AdminPath], pruned: &Pruned) -> bool {
    paths
        .iter()
        .any(|p| p.narrowed.is_none() && survives(p, pruned))
}

/// The lockout guard for removals. A plan stops the run when it would
/// leave nobody who administers the account where someone does now; and,
/// when nobody is known for sure to (every AdministratorAccess set on the
/// management account is narrowed), when it removes any of the paths that
/// may be the only administrator's: not sure is no. Pure.
pub(crate) fn keep_an_administrator(plan: &mut StepPlan, paths: &[AdminPath], pruned: &Pruned) {
    let names = |list: Vec<&AdminPath>| {
        list.into_iter()
            .map(|p| p.user_name.as_str())
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ")
    };
    let full: Vec<&AdminPath> = paths.iter().filter(|p| p.narrowed.is_none()).collect();
    if !full.is_empty() {
        if !an_administrator_remains(paths, pruned) {
            plan.blocker = Some(
                UserError::new(
                    "these removals would leave nobody who can administer the account through Identity Center; nothing was changed",
                )
                .caused_by(format!("administrators now: {}", names(full)))
                .hint("keep an AdministratorAccess assignment on the management account for someone in the config, or give it to someone else first"),
            );
        }
        return;
    }
    let touched: Vec<&AdminPath> = paths.iter().filter(|p| !survives(p, pruned)).collect();
    if touched.is_empty() {
        return;
    }
    let why: BTreeSet<String> = touched.iter().filter_map(|p| p.narrowed.clone()).collect();
    plan.blocker = Some(
        UserError::new(format!(
            "these removals take administrator access from {}, and nobody else is known for sure to administer the account; nothing was changed",
            names(touched)
        ))
        .caused_by(format!(
            "every permission set with administrator access on the management account is narrowed: {}",
            why.into_iter().collect::<Vec<_>>().join("; ")
        ))
        .hint("first give someone a permission set with AdministratorAccess and nothing narrowing it on the management account (and have them sign in), then remove"),
    );
}

/// Whether the organization exists but its list of accounts came back
/// empty: there is always the management account, so the read is wrong,
/// and every account would look dropped from `accounts = ["all"]`.
pub(crate) fn accounts_read_empty(facts: &crate::steps::Facts) -> bool {
    matches!(facts.organization, crate::steps::OrgState::Exists(_))
        && facts.accounts.as_ref().is_some_and(Vec::is_empty)
}

/// Gates `plan`'s removals when the account list came back empty.
pub(crate) fn gate_on_empty_accounts(plan: &mut StepPlan, facts: &crate::steps::Facts) {
    if accounts_read_empty(facts) && plan.actions.iter().any(Action::is_destructive) {
        plan.gate = Some(empty_read_gate("The list of the organization's accounts"));
    }
}

/// A question that gates a step's removals because a read came back empty
/// where there must be content; under `--yes` the removals are withheld.
pub(crate) fn empty_read_gate(what: &str) -> Choice {
    Choice {
        subject: "empty read".into(),
        question: "Remove them anyway?".into(),
        shown: Some(format!(
            "{what} came back empty, though there must be some: the removals planned from it may come from a bad read"
        )),
        yes: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountId, GroupId, PermissionSetArn, UserId};

    fn path(user: &str, group: Option<&str>) -> AdminPath {
        AdminPath {
            user_name: user.into(),
            assignment: admin_of(match group {
                Some(g) => Principal::Group(GroupId::new(g)),
                None => Principal::User(UserId::new(format!("id-{user}"))),
            }),
            narrowed: None,
        }
    }

    fn admin_of(principal: Principal) -> Assignment {
        Assignment {
            principal,
            permission_set: PermissionSetArn::new("ps-admin"),
            account: AccountId::from_aws("111111111111"),
        }
    }

    #[test]
    fn a_narrowed_administrator_is_still_never_removed_when_nobody_else_is_sure() {
        let narrowed = |user: &str| AdminPath {
            narrowed: Some("Admin (its inline policy has a Deny statement)".into()),
            ..path(user, None)
        };
        let paths = [narrowed("alice")];
        let mut plan = StepPlan::new(crate::steps::offboard::ID);
        keep_an_administrator(&mut plan, &paths, &Pruned::default());
        assert!(plan.blocker.is_none(), "nothing removed: nothing to refuse");
        let mut pruned = Pruned::default();
        pruned.users.insert("alice".into());
        keep_an_administrator(&mut plan, &paths, &pruned);
        let blocker = plan.blocker.expect("not sure is no");
        assert!(blocker.message.contains("alice"), "{}", blocker.message);
        assert!(blocker.causes[0].contains("Deny"), "{:?}", blocker.causes);
        // A full administrator elsewhere: the narrowed one may go.
        let paths = [narrowed("alice"), path("bob", None)];
        let mut plan = StepPlan::new(crate::steps::offboard::ID);
        keep_an_administrator(&mut plan, &paths, &pruned);
        assert!(plan.blocker.is_none());
        // ...but not the full one.
        let mut bob = Pruned::default();
        bob.users.insert("bob".into());
        keep_an_administrator(&mut plan, &paths, &bob);
        assert!(plan.blocker.is_some());
    }

    #[test]
    fn the_last_administrator_is_never_pruned() {
        let paths = [path("alice", Some("g-admins")), path("bob", None)];
        let mut pruned = Pruned::default();
        assert!(an_administrator_remains(&paths, &pruned));
        pruned.groups.insert("g-admins".into());
        assert!(an_administrator_remains(&paths, &pruned), "bob is left");
        pruned
            .assignments
            .insert(admin_of(Principal::User(UserId::new("id-bob"))));
        assert!(!an_administrator_remains(&paths, &pruned));
        let mut only_set = Pruned::default();
        only_set.sets.insert("ps-admin".into());
        assert!(!an_administrator_remains(&paths, &only_set));
        let mut membership = Pruned::default();
        membership
            .memberships
            .insert(("alice".into(), "g-admins".into()));
        membership.users.insert("bob".into());
        assert!(!an_administrator_remains(&paths, &membership));
    }

    #[test]
    fn pruned_notes_every_kind_of_removal() {
        let mut pruned = Pruned::default();
        let ops = admin_of(Principal::Group(GroupId::new("g-ops")));
        pruned.add(
            &[Action::DeleteAssignment {
                assignment: crate::plan::NamedAssignment {
                    assignment: ops.clone(),
                    principal: "Ops".into(),
                    permission_set: "Admin".into(),
                },
            }],
            |_| None,
        );
        assert!(pruned.assignments.contains(&ops));
    }

    #[test]
    fn managed_groups_are_named_or_follow_the_pattern_never_aws() {
        let config = crate::config::parse(
            r#"
[[permission_sets]]
name = "Admin"
[[assignments]]
permission_set = "Admin"
accounts = ["111111111111"]
[[assignments]]
permission_set = "Admin"
accounts = ["all"]
group = "Ops"
"#,
        )
        .unwrap();
        let m = ManagedGroups::of(&config);
        assert!(m.contains("Ops"));
        assert!(m.contains("Admin-111111111111"));
        assert!(
            m.contains("Admin-222222222222"),
            "an account dropped from the list"
        );
        assert!(!m.contains("Admin-22"));
        assert!(!m.contains("Readers"));
        assert!(!m.contains("AWSControlTowerAdmins"));
    }
}
