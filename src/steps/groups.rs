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
use super::{ensure_groups, instance_of, Ctx, Facts, StepId};
use crate::aws::identitystore::create_group;
use crate::model::exist_count;
use crate::plan::{Action, StepPlan};

pub(crate) async fn check(ctx: &Ctx, facts: &mut Facts) -> Result<StepPlan> {
    let wanted = match wanted(ctx, facts).await? {
        Ok(w) => w,
        Err(blocker) => {
            let mut plan = StepPlan::new(StepId::Groups);
            plan.blocker = Some(blocker);
            return Ok(plan);
        }
    };
    if wanted.is_empty() {
        let mut plan = StepPlan::new(StepId::Groups);
        plan.notes
            .push("no assignments in the config yet, so no groups".into());
        return Ok(plan);
    }
    let existing = ensure_groups(ctx, facts).await?;
    let plan = plan(&wanted, &existing);
    let groups = facts.groups.get_or_insert_with(BTreeMap::new);
    for action in &plan.actions {
        if let Action::CreateGroup { name, .. } = action {
            groups.insert(name.clone(), None);
        }
    }
    Ok(plan)
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
    let mut plan = StepPlan::new(StepId::Groups);
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

pub(crate) async fn create(
    ctx: &Ctx,
    facts: &Mutex<&mut Facts>,
    name: &str,
    description: &str,
) -> Result<()> {
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
        assert_eq!(
            plan.actions[0].detail()["description"],
            "Admin on account 111111111111 (managed by ssosetup)"
        );
    }
}
