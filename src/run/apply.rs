//! Applying one step's confirmed plan: its actions, then its console steps
//! (walked with a person at a terminal; without one, a console step a
//! later step needs stops the run with its instructions).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use anyhow::Result;
use futures::stream::{FuturesUnordered, StreamExt};

use super::Session;
use crate::error::UserError;
use crate::model::RateBucket;
use crate::plan::{Action, Op, StepPlan};
use crate::steps::{step, Cx, Facts};

/// Applies a plan that was confirmed (and whose decisions were answered):
/// its actions, then its console steps, then its closing words.
pub(crate) async fn apply_plan(s: &mut Session, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    if !plan.actions.is_empty() {
        apply_actions(&s.cx, facts, plan).await?;
        if let Some(line) = crate::ui::render::applied(plan) {
            s.cx.out.say_row(&line);
        }
    }
    for manual in &plan.manual {
        if !s.prompt.interactive() {
            if manual.required {
                return Err(
                    UserError::new(format!("console step not done yet: {}", manual.title))
                        .caused_by(format!("AWS has no API for this; open {}", manual.url))
                        .hint(format!(
                            "do it in the console ({}), then run the command again",
                            manual.checklist.join("; ")
                        ))
                        .into(),
                );
            }
            continue;
        }
        let mut person = s.person(facts);
        step(plan.step).console(&mut person, manual).await?;
    }
    for line in &plan.closing {
        s.cx.out.say(line);
    }
    Ok(())
}

/// Applies a plan's actions (see [`apply_graph`]).
async fn apply_actions(cx: &Cx, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    apply_graph(cx, facts, &[plan]).await
}

/// One action of the graph, and what it waits for.
struct Node<'p> {
    plan: &'p StepPlan,
    action: &'p Action,
    /// Nodes that wait for this one.
    dependents: Vec<usize>,
    /// How many nodes this one still waits for.
    waiting_for: usize,
}

/// The dependency graph of `plans`' actions. Within a plan, actions of one
/// chain ([`Action::chain_key`]) go in order. Across plans, an action waits
/// for the chains it [`Action::needs`] (an assignment for its permission
/// set and group, a membership for its group). Removals of identities and
/// assignments wait for every creation and change of other chains, and for
/// the removals of earlier steps: what replaces something exists before it
/// goes. Pure.
fn graph<'p>(plans: &[&'p StepPlan]) -> Vec<Node<'p>> {
    let mut nodes: Vec<Node<'p>> = plans
        .iter()
        .flat_map(|plan| {
            plan.actions.iter().map(move |action| Node {
                plan,
                action,
                dependents: Vec::new(),
                waiting_for: 0,
            })
        })
        .collect();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut chains: HashMap<String, Vec<usize>> = HashMap::new();
    let mut last_in_plan: HashMap<(usize, String), usize> = HashMap::new();
    let mut plan_of = Vec::new();
    for (p, plan) in plans.iter().enumerate() {
        plan_of.extend(std::iter::repeat_n(p, plan.actions.len()));
    }
    for (i, node) in nodes.iter().enumerate() {
        let key = node.action.chain_key();
        if let Some(&before) = last_in_plan.get(&(plan_of[i], key.clone())) {
            edges.push((before, i));
        }
        last_in_plan.insert((plan_of[i], key.clone()), i);
        chains.entry(key).or_default().push(i);
    }
    let removal = |i: usize| nodes[i].action.is_destructive();
    // What makes or changes something (not a detach, not a config edit
    // that removes an entry, not a change that takes access away, such as
    // switching keys off): what removals wait for.
    let creations: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].action.op() != Op::Delete && !removal(i))
        .collect();
    let keys: Vec<String> = nodes.iter().map(|n| n.action.chain_key()).collect();
    for (i, node) in nodes.iter().enumerate() {
        for need in node.action.needs() {
            for &j in chains.get(&need).into_iter().flatten() {
                if plan_of[j] != plan_of[i] && !removal(j) {
                    edges.push((j, i));
                }
            }
        }
        if removal(i) {
            // Its own chain's order stands (offboard edits the config last).
            edges.extend(
                creations
                    .iter()
                    .filter(|&&j| keys[j] != keys[i])
                    .map(|&j| (j, i)),
            );
            edges.extend(
                (0..nodes.len())
                    .filter(|&j| plan_of[j] < plan_of[i] && removal(j))
                    .map(|j| (j, i)),
            );
        }
    }
    edges.sort_unstable();
    edges.dedup();
    for (from, to) in edges {
        if from != to {
            nodes[from].dependents.push(to);
            nodes[to].waiting_for += 1;
        }
    }
    nodes
}

/// How many actions of one rate bucket may be in flight: enough to keep
/// the bucket at its rate over a slow round trip. sso-admin also holds an
/// action for each outstanding assignment creation while AWS works on it,
/// and for each finished one until its outcome is known (its slot among
/// AWS's outstanding creations is free by then): room for both, and more.
fn in_flight_limit(cx: &Cx, bucket: RateBucket) -> usize {
    match bucket {
        RateBucket::SsoAdmin => 3 * cx.aws.pacer.creations_limit + 8,
        RateBucket::IdentityStore(_) => 8,
        RateBucket::Other => cx.aws.pacer.concurrency,
    }
}

/// Applies the actions of `plans` as one dependency graph ([`graph`]):
/// each starts as soon as what it needs is done, in flight per rate bucket
/// (so identitystore's work overlaps sso-admin's), paced by the clients.
/// A failure stops what depends on it only; the rest goes on, and the run
/// then fails with a summary of what did not happen.
pub(crate) async fn apply_graph(cx: &Cx, facts: &mut Facts, plans: &[&StepPlan]) -> Result<()> {
    let mut nodes = graph(plans);
    let total = nodes.len();
    let label = plans
        .iter()
        .filter(|p| !p.actions.is_empty())
        .map(|p| p.step.name())
        .collect::<Vec<_>>()
        .join(", ");
    let progress = crate::ui::progress::bar(&cx.out, total as u64, &label);
    let shared = Mutex::new(facts);
    let mut ready: BTreeMap<RateBucket, VecDeque<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if n.waiting_for == 0 {
            ready.entry(n.action.bucket()).or_default().push_back(i);
        }
    }
    let mut in_flight: HashMap<RateBucket, usize> = HashMap::new();
    let mut skipped = vec![false; total];
    let mut failures: Vec<(usize, anyhow::Error)> = Vec::new();
    let mut running = FuturesUnordered::new();
    loop {
        for (bucket, queue) in ready.iter_mut() {
            let limit = in_flight_limit(cx, *bucket);
            let busy = in_flight.entry(*bucket).or_insert(0);
            while *busy < limit {
                let Some(i) = queue.pop_front() else { break };
                *busy += 1;
                let node = &nodes[i];
                let (plan, action, shared) = (node.plan, node.action, &shared);
                running.push(async move { (i, step(plan.step).apply(cx, shared, action).await) });
            }
        }
        let Some((i, outcome)) = running.next().await else {
            break;
        };
        *in_flight
            .get_mut(&nodes[i].action.bucket())
            .expect("counted") -= 1;
        match outcome {
            Ok(()) => {
                progress.inc();
                for d in std::mem::take(&mut nodes[i].dependents) {
                    nodes[d].waiting_for -= 1;
                    if nodes[d].waiting_for == 0 && !skipped[d] {
                        ready
                            .entry(nodes[d].action.bucket())
                            .or_default()
                            .push_back(d);
                    }
                }
            }
            Err(e) => {
                progress.failed();
                // Everything that needs it, directly or not, is not tried.
                let mut stack = nodes[i].dependents.clone();
                while let Some(d) = stack.pop() {
                    if !std::mem::replace(&mut skipped[d], true) {
                        stack.extend(nodes[d].dependents.iter().copied());
                    }
                }
                failures.push((i, e));
            }
        }
    }
    progress.finish();
    let never = nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.waiting_for > 0 && !skipped[*i])
        .count();
    if never > 0 {
        // A cycle in the graph: a bug, and nothing may pass for done.
        anyhow::bail!("{never} of {total} changes in {label} were never ready to apply (their order is circular); nothing after them was tried");
    }
    if failures.is_empty() {
        return Ok(());
    }
    let not_tried = skipped.iter().filter(|s| **s).count();
    let failures = failures
        .into_iter()
        .map(|(i, e)| (nodes[i].action, e))
        .collect();
    Err(failure_summary(&label, total, not_tried, failures))
}

/// One failure says itself; several are listed, with what they held up.
fn failure_summary(
    steps: &str,
    total: usize,
    skipped: usize,
    failures: Vec<(&Action, anyhow::Error)>,
) -> anyhow::Error {
    if total == 1 {
        // One change, one failure: its own error (and hint) says it best.
        let (action, e) = failures.into_iter().next().expect("one failure");
        return e.context(format!("could not {}", action.describe()));
    }
    let mut error = UserError::new(format!(
        "{} of {total} changes in {steps} failed{}",
        failures.len(),
        if skipped > 0 {
            format!(" ({skipped} that depend on them were not tried)")
        } else {
            String::new()
        }
    ));
    let mut hint = None;
    for (action, e) in &failures {
        error = error.caused_by(format!(
            "{}: {}",
            action.describe(),
            crate::error::one_line(e)
        ));
        hint = hint.or_else(|| {
            crate::error::render(e)
                .into_iter()
                .find_map(|l| l.strip_prefix("hint: ").map(str::to_string))
        });
    }
    error
        .hint(hint.unwrap_or_else(|| {
            "everything else was applied; run the step again to retry what failed".to_string()
        }))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        AccountId, Assignment, GroupId, NewUser, PermissionSetArn, PermissionSetFields, Principal,
    };
    use crate::plan::NamedAssignment;

    fn plans() -> Vec<StepPlan> {
        let mut sets = StepPlan::new(crate::steps::permission_sets::ID);
        sets.actions = vec![
            Action::CreatePermissionSet {
                name: "Admin".into(),
                fields: PermissionSetFields {
                    description: None,
                    session_duration: "PT1H".into(),
                    relay_state: None,
                },
            },
            Action::AttachManagedPolicy {
                permission_set: "Admin".into(),
                policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
            },
        ];
        let mut groups = StepPlan::new(crate::steps::groups::ID);
        groups.actions = ["Admin-111111111111", "Admin-222222222222"]
            .map(|g| Action::CreateGroup {
                name: g.into(),
                description: String::new(),
            })
            .to_vec();
        let mut assignments = StepPlan::new(crate::steps::assignments::ID);
        assignments.actions = vec![
            Action::CreateAssignment {
                group: "Admin-111111111111".into(),
                permission_set: "Admin".into(),
                account_id: "111111111111".into(),
            },
            Action::DeleteAssignment {
                assignment: NamedAssignment {
                    assignment: Assignment {
                        principal: Principal::Group(GroupId::new("g-old")),
                        permission_set: PermissionSetArn::new("ps-admin"),
                        account: AccountId::from_aws("111111111111"),
                    },
                    principal: "Old".into(),
                    permission_set: "Admin".into(),
                },
            },
        ];
        let mut users = StepPlan::new(crate::steps::users::ID);
        users.actions = vec![
            Action::CreateUser {
                user: NewUser {
                    user_name: "alice".into(),
                    display_name: "Alice Doe".into(),
                    given_name: "Alice".into(),
                    family_name: "Doe".into(),
                    email: "alice@example.com".into(),
                },
            },
            Action::AddMembership {
                user_name: "alice".into(),
                group: "Admin-222222222222".into(),
            },
        ];
        vec![sets, groups, assignments, users]
    }

    /// (from, to) by description, for reading.
    fn edges(nodes: &[Node]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for n in nodes {
            for &d in &n.dependents {
                out.push((n.action.name(), nodes[d].action.name()));
            }
        }
        out
    }

    /// Every node can be reached in some order: no cycle.
    fn acyclic(nodes: &[Node]) -> bool {
        let mut waiting: Vec<usize> = nodes.iter().map(|n| n.waiting_for).collect();
        let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| waiting[i] == 0).collect();
        let mut done = 0;
        while let Some(i) = ready.pop() {
            done += 1;
            for &d in &nodes[i].dependents {
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    ready.push(d);
                }
            }
        }
        done == nodes.len()
    }

    #[test]
    fn a_removal_chain_that_ends_in_a_config_edit_is_not_circular() {
        // offboard: a membership, a direct assignment, the user, then the
        // config entry (a removal too, though not one of AWS's).
        let mut plan = StepPlan::new(crate::steps::offboard::ID);
        plan.actions = vec![
            Action::RemoveMembership {
                user_name: "carol".into(),
                group: "Dev".into(),
                membership_id: "m-1".into(),
            },
            Action::DeleteUser {
                user_name: "carol".into(),
                user_id: "u-1".into(),
            },
            Action::RemoveUserFromConfig {
                path: "ssosetup.toml".into(),
                user_name: "carol".into(),
            },
        ];
        let nodes = graph(&[&plan]);
        assert!(acyclic(&nodes));
        assert_eq!(nodes[0].waiting_for, 0);
        let all = plans();
        let refs: Vec<&StepPlan> = all.iter().chain([&plan]).collect();
        assert!(acyclic(&graph(&refs)));
    }

    #[test]
    fn a_detach_before_its_reprovisioning_is_not_circular() {
        let mut plan = StepPlan::new(crate::steps::permission_sets::ID);
        plan.actions = vec![
            Action::DetachManagedPolicy {
                permission_set: "Admin".into(),
                policy_arn: "arn:aws:iam::aws:policy/PowerUserAccess".into(),
            },
            Action::ProvisionPermissionSet {
                permission_set: "Admin".into(),
            },
        ];
        assert!(acyclic(&graph(&[&plan])));
    }

    #[test]
    fn each_action_waits_for_what_it_needs_and_nothing_else() {
        let plans = plans();
        let refs: Vec<&StepPlan> = plans.iter().collect();
        let nodes = graph(&refs);
        assert!(acyclic(&nodes));
        let e = edges(&nodes);
        let has = |from: &str, to: &str| e.iter().any(|(f, t)| f == from && t == to);
        let assignment = "Admin-111111111111/Admin/111111111111";
        // A set's chain in order; the assignment after its set's whole
        // chain and its group, not after the other group or the users.
        assert!(has("Admin", "Admin"), "attach after create: {e:?}");
        assert!(has("Admin", assignment));
        assert!(has("Admin-111111111111", assignment));
        assert!(!has("Admin-222222222222", assignment));
        assert!(!has("alice", assignment));
        // The membership after its user (same chain) and its group only.
        assert!(has("alice", "alice/Admin-222222222222"));
        assert!(has("Admin-222222222222", "alice/Admin-222222222222"));
        assert!(!has("Admin", "alice/Admin-222222222222"));
        // Groups and users wait for nothing: identitystore starts at once.
        for (i, n) in nodes.iter().enumerate() {
            if matches!(
                n.action,
                Action::CreateGroup { .. } | Action::CreateUser { .. }
            ) {
                assert_eq!(n.waiting_for, 0, "{i}: {:?}", n.action);
            }
        }
        // The removal waits for every creation, of every step.
        let removal = nodes
            .iter()
            .find(|n| n.action.is_destructive())
            .expect("a removal");
        assert_eq!(removal.waiting_for, nodes.len() - 1);
    }
}
