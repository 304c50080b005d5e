//! Step `groups`: the groups of every assignment exist in the identity
//! store: one per permission set and account, named
//! `<PermissionSet>-<AccountId>` as in the guide, or the configured `group`.
//!
//! Reads: identitystore:ListGroups (pages of 100), and the organization and
//! its accounts to resolve `management` and `all`. May change:
//! identitystore:CreateGroup for each missing name. Idempotent: groups are
//! found by display name (unique in a store); a create that races with
//! another adopts the group that won. Groups are never deleted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use anyhow::Result;

use super::assignments::{wanted, Wanted};
use futures::future::LocalBoxFuture;

use super::{ensure_groups, instance_of, Cx, Facts, Person, Step, StepId};
use crate::aws::identitystore::create_group;
use crate::config::LoadedConfig;
use crate::error::UserError;
use crate::model::exist_count;
use crate::plan::{Action, StepPlan};

pub(crate) const ID: StepId = StepId::new("groups");

pub(crate) struct Groups;

/// What the config asks for (or why it cannot be worked out), and the
/// groups that exist: display name -> id.
pub(crate) struct Seen {
    wanted: Result<Vec<Wanted>, UserError>,
    existing: BTreeMap<String, Option<String>>,
}

impl Step for Groups {
    type Observed = Seen;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Ensure the group of every assignment exists (<PermissionSet>-<AccountId> by default)"
    }

    fn observe<'a>(&'a self, cx: &'a Cx, facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<Seen>> {
        Box::pin(async move {
            let wanted = wanted(cx, facts).await?;
            let existing = match &wanted {
                Ok(w) if !w.is_empty() => ensure_groups(cx, facts).await?,
                _ => BTreeMap::new(),
            };
            Ok(Seen { wanted, existing })
        })
    }

    fn plan(&self, seen: &Seen, _desired: &LoadedConfig, _facts: &Facts) -> StepPlan {
        match &seen.wanted {
            Err(blocker) => {
                let mut plan = StepPlan::new(ID);
                plan.blocker = Some(blocker.clone());
                plan
            }
            Ok(w) if w.is_empty() => {
                let mut plan = StepPlan::new(ID);
                plan.notes
                    .push("no assignments in the config yet, so no groups".into());
                plan
            }
            Ok(w) => plan(w, &seen.existing),
        }
    }

    fn record(&self, _seen: &Seen, plan: &StepPlan, facts: &mut Facts) {
        let groups = facts.groups.get_or_insert_with(BTreeMap::new);
        for action in &plan.actions {
            if let Action::CreateGroup { name, .. } = action {
                groups.insert(name.clone(), None);
            }
        }
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match action {
                Action::CreateGroup { name, description } => {
                    create(cx, facts, name, description).await
                }
                other => unreachable!("not a group action: {other:?}"),
            }
        })
    }

    fn has_questions(&self) -> bool {
        true
    }

    /// Groups follow from the accounts chosen for each permission set, so
    /// that question comes with the groups step (and again on "Change
    /// answers" at the assignments step).
    fn ask<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        force: bool,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(super::assignments::ask(person, force))
    }
}

fn description(w: &Wanted) -> String {
    if w.default_naming {
        format!(
            "{} on account {} (managed by ssosetup)",
            w.permission_set, w.account_id
        )
    } else {
        format!("{} (managed by ssosetup)", w.permission_set)
    }
}

/// The missing groups, in the order the config names them. Pure.
pub(crate) fn plan(wanted: &[Wanted], existing: &BTreeMap<String, Option<String>>) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    let mut seen = BTreeSet::new();
    let mut present = 0;
    for w in wanted {
        if !seen.insert(w.group.as_str()) {
            continue;
        }
        if existing.contains_key(&w.group) {
            present += 1;
        } else {
            plan.actions.push(Action::CreateGroup {
                name: w.group.clone(),
                description: description(w),
            });
        }
    }
    if present > 0 {
        plan.notes.push(exist_count(present, "group"));
    }
    plan
}

async fn create(ctx: &Cx, facts: &Mutex<&mut Facts>, name: &str, description: &str) -> Result<()> {
    let store = instance_of(facts)?.identity_store_id;
    let id = create_group(&ctx.aws, &store, name, description).await?;
    let mut f = facts.lock().expect("facts lock");
    f.groups
        .get_or_insert_with(BTreeMap::new)
        .insert(name.to_string(), Some(id));
    f.created_groups.insert(name.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(group: &str, ps: &str, account: &str) -> Wanted {
        Wanted {
            group: group.into(),
            permission_set: ps.into(),
            account_id: account.into(),
            default_naming: group != "Admins",
        }
    }

    #[test]
    fn only_missing_groups_are_created_each_once() {
        let wanted = [
            w("Admin-111111111111", "Admin", "111111111111"),
            w("Admins", "Admin", "222222222222"),
            w("Admins", "Admin", "333333333333"),
        ];
        let existing =
            BTreeMap::from([("Admin-111111111111".to_string(), Some("g-1".to_string()))]);
        let plan = plan(&wanted, &existing);
        assert_eq!(
            plan.actions,
            vec![Action::CreateGroup {
                name: "Admins".into(),
                description: "Admin (managed by ssosetup)".into()
            }]
        );
        assert_eq!(plan.notes, vec!["1 group exists"]);
    }

    #[test]
    fn default_groups_say_what_they_grant() {
        let plan = plan(
            &[w("Admin-111111111111", "Admin", "111111111111")],
            &BTreeMap::new(),
        );
        assert!(matches!(
            &plan.actions[0],
            Action::CreateGroup { description, .. } if description == "Admin on account 111111111111 (managed by ssosetup)"
        ));
    }
}
