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
use crate::model::{exist_count, Group, GroupId, Principal, GROUP_MARK};
use crate::plan::{Action, NamedAssignment, StepPlan};

/// A group ssosetup created that the config no longer names, with what it
/// holds.
type Prunable = (Group, Vec<NamedAssignment>);

pub(crate) const ID: StepId = StepId::new("groups");

pub(crate) struct Groups;

/// What the config asks for (or why it cannot be worked out), and the
/// groups that exist: display name -> id.
pub(crate) struct Seen {
    wanted: Result<Vec<Wanted>, UserError>,
    existing: BTreeMap<String, Option<String>>,
    /// With `--prune`: groups ssosetup created that the config no longer
    /// names, with their assignments (permission set, its ARN, account).
    prunable: Vec<Prunable>,
}

impl Step for Groups {
    type Observed = Seen;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Ensure the group of every assignment exists (<PermissionSet>-<AccountId> by default)"
    }

    fn command(&self) -> clap::Command {
        super::with_prune(clap::Command::new(ID.name()).about(self.about()))
    }

    fn observe<'a>(&'a self, cx: &'a Cx, facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<Seen>> {
        Box::pin(async move {
            let wanted = wanted(cx, facts).await?;
            let existing = match &wanted {
                Ok(w) if !w.is_empty() => ensure_groups(cx, facts).await?,
                _ => BTreeMap::new(),
            };
            let prunable = match &wanted {
                Ok(w) if cx.config.prune => prunable(cx, facts, w).await?,
                _ => Vec::new(),
            };
            Ok(Seen {
                wanted,
                existing,
                prunable,
            })
        })
    }

    fn plan(&self, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        let mut plan = match &seen.wanted {
            Err(blocker) => {
                let mut plan = StepPlan::new(ID);
                plan.blocker = Some(blocker.clone());
                return plan;
            }
            Ok(w) if w.is_empty() => {
                let mut plan = StepPlan::new(ID);
                plan.unconfigured = true;
                plan.notes
                    .push("no assignments in the config yet, so no groups".into());
                plan
            }
            Ok(w) => plan(w, &seen.existing),
        };
        if desired.prune {
            prune_plan(&mut plan, &seen.prunable, facts);
        }
        plan
    }

    fn record(&self, _seen: &Seen, plan: &StepPlan, facts: &mut Facts) {
        let known = facts.groups.clone().unwrap_or_default();
        facts
            .pruned
            .add(&plan.actions, |g| known.get(g).cloned().flatten());
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
                Action::DeleteGroup {
                    name,
                    group_id,
                    assignments,
                } => delete(cx, facts, name, group_id, assignments).await,
                other => unreachable!("not a group action: {other:?}"),
            }
        })
    }

    fn has_questions(&self) -> bool {
        true
    }

    fn joins_the_graph(&self) -> bool {
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

/// With `--prune`: the groups ssosetup created (the mark in their
/// description) that the config no longer names, none of AWS's own, with
/// their assignments.
async fn prunable(cx: &Cx, facts: &mut Facts, wanted: &[Wanted]) -> Result<Vec<Prunable>> {
    let Some(instance) = super::ensure_instance(cx, facts).await? else {
        return Ok(Vec::new());
    };
    let named: BTreeSet<&str> = wanted.iter().map(|w| w.group.as_str()).collect();
    let candidates: Vec<Group> = super::ensure_group_list(cx, facts)
        .await?
        .into_iter()
        .filter(|g| {
            g.made_by_ssosetup()
                && !named.contains(g.display_name.as_str())
                && !crate::model::is_aws_owned(&g.display_name)
        })
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let sets: BTreeMap<String, String> = super::ensure_permission_sets(cx, facts)
        .await?
        .into_iter()
        .filter_map(|(name, arn)| Some((arn?, name)))
        .collect();
    let mut out = Vec::new();
    for g in candidates {
        let mut held = Vec::new();
        let principal = Principal::Group(GroupId::new(&g.id));
        for a in crate::aws::ssoadmin::list_account_assignments_for_principal(
            &cx.aws,
            &instance.arn,
            &principal,
        )
        .await?
        {
            let name = sets
                .get(a.permission_set.as_str())
                .cloned()
                .unwrap_or_else(|| a.permission_set.to_string());
            held.push(NamedAssignment {
                assignment: a,
                principal: g.display_name.clone(),
                permission_set: name,
            });
        }
        out.push((g, held));
    }
    crate::steps::iam_users::ensure_admin_paths(cx, facts).await?;
    Ok(out)
}

/// The removals of groups ssosetup created and the config dropped, each
/// with its assignments first; a group holding one of AWS's own sets stays.
/// Pure.
fn prune_plan(plan: &mut StepPlan, prunable: &[Prunable], facts: &Facts) {
    for (g, held) in prunable {
        if let Some(aws_set) = held
            .iter()
            .find(|h| crate::model::is_aws_owned(&h.permission_set))
        {
            plan.notes.push(format!(
                "{} was created by ssosetup and the config no longer names it, but it holds {} on {}, which is AWS's own: kept",
                g.display_name,
                aws_set.permission_set,
                aws_set.account()
            ));
            continue;
        }
        plan.actions.push(Action::DeleteGroup {
            name: g.display_name.clone(),
            group_id: g.id.clone(),
            assignments: held.clone(),
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

/// Removes a group's assignments (each waited for), then the group.
async fn delete(
    cx: &Cx,
    facts: &Mutex<&mut Facts>,
    name: &str,
    group_id: &str,
    assignments: &[NamedAssignment],
) -> Result<()> {
    let instance = instance_of(facts)?;
    for a in assignments {
        crate::aws::ssoadmin::delete_assignment(&cx.aws, &instance.arn, &a.assignment).await?;
    }
    crate::aws::identitystore::delete_group(&cx.aws, &instance.identity_store_id, group_id).await?;
    tracing::info!("deleted group {name}");
    Ok(())
}

fn description(w: &Wanted) -> String {
    if w.default_naming {
        format!(
            "{} on account {} {GROUP_MARK}",
            w.permission_set, w.account_id
        )
    } else {
        format!("{} {GROUP_MARK}", w.permission_set)
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
