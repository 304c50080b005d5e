//! A plan as people read it: `+ create ...`, `~ update ...`, `- delete ...`,
//! console steps with their page and checklist, and why a step cannot go
//! on. Colour only where the printer allows it.

use console::Style;

use super::Printer;
use crate::plan::{Action, Op, StepPlan};

fn symbol(op: Op) -> &'static str {
    match op {
        Op::Create => "+",
        Op::Update => "~",
        Op::Delete => "-",
    }
}

fn style(op: Op) -> Style {
    match op {
        Op::Create => Style::new().green(),
        Op::Update => Style::new().yellow(),
        Op::Delete => Style::new().red().bold(),
    }
}

/// Text lines of this step's plan.
pub(crate) fn step_plan(plan: &StepPlan, printer: &Printer) -> Vec<String> {
    let mut lines = vec![printer.out_style(Style::new().bold(), plan.step.name())];
    for note in &plan.notes {
        lines.push(format!("  {}", printer.out_style(Style::new().dim(), note)));
    }
    lines.extend(plan.details.iter().map(|l| format!("  {l}")));
    for action in &plan.actions {
        let op = action.op();
        lines.push(format!(
            "  {} {}",
            printer.out_style(style(op), symbol(op)),
            action.describe()
        ));
    }
    for action in &plan.elsewhere {
        lines.push(format!(
            "  {} for the management account: {}",
            printer.out_style(Style::new().magenta().bold(), ">"),
            action.describe()
        ));
    }
    for action in &plan.drift {
        lines.push(format!(
            "  {} drift, not applied: {}",
            printer.out_style(Style::new().yellow().bold(), "~"),
            action.describe()
        ));
    }
    for m in &plan.manual {
        lines.push(format!(
            "  {} console step: {}",
            printer.out_style(Style::new().cyan().bold(), "!"),
            m.title
        ));
        lines.push(format!("      open {}", m.url));
        for (i, item) in m.checklist.iter().enumerate() {
            lines.push(format!("      {}. {item}", i + 1));
        }
    }
    if let Some(b) = &plan.blocker {
        lines.push(format!(
            "  {} cannot continue: {}",
            printer.out_style(Style::new().red().bold(), "x"),
            b.message
        ));
    }
    if let Some(g) = &plan.gate {
        lines.push(format!(
            "  {} asks before removing: {}",
            printer.out_style(Style::new().yellow().bold(), "?"),
            g.shown.as_deref().unwrap_or(&g.question)
        ));
    }
    if let Some(w) = &plan.waits {
        lines.push(format!(
            "  {} waits for a later run: {}",
            printer.out_style(Style::new().yellow().bold(), "~"),
            w.message
        ));
        if let Some(h) = &w.hint {
            lines.push(format!("      {h}"));
        }
    }
    for skip in &plan.skipped {
        lines.push(format!(
            "  {} skipped: {}",
            printer.out_style(Style::new().yellow().bold(), "!"),
            skip.message
        ));
        if let Some(h) = &skip.hint {
            lines.push(format!("      {h}"));
        }
    }
    for later in &plan.later {
        lines.push(format!(
            "  {} later: {later}",
            printer.out_style(Style::new().yellow(), "~")
        ));
    }
    if plan.is_done()
        && plan.elsewhere.is_empty()
        && plan.drift.is_empty()
        && plan.skipped.is_empty()
        && plan.later.is_empty()
    {
        lines.push(format!(
            "  {} nothing to change",
            printer.out_style(Style::new().green(), "=")
        ));
    }
    lines
}

/// One line for a step whose plan was applied: what changed, counted by
/// kind, with the names when there are few ("permission-sets: created 2
/// permission sets (Admin, ReadOnly); attached 2 managed policies"). Pure.
pub(crate) fn applied(plan: &StepPlan) -> Option<String> {
    if plan.actions.is_empty() {
        return None;
    }
    Some(format!(
        "{}: {}",
        plan.step.name(),
        counted(plan, Tense::Done).join("; ")
    ))
}

/// What a plan would change, counted the same way ("create 2 users (alice,
/// bob); add 2 memberships"), for `status`. Pure.
pub(crate) fn to_do(plan: &StepPlan) -> String {
    counted(plan, Tense::ToDo).join("; ")
}

/// What a person calls the thing an action changes, in a summary line
/// (an assignment is its set on its account; its group is in the plan).
fn short_label(a: &Action) -> String {
    match a {
        Action::CreateAssignment {
            permission_set,
            account_id,
            ..
        } => format!("{permission_set} on {account_id}"),
        Action::DeleteAssignment { assignment } => {
            format!("{} on {}", assignment.permission_set, assignment.account())
        }
        other => other.name(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tense {
    Done,
    ToDo,
}

/// The changes of a plan grouped by (op, kind), each counted, with the
/// names when there are at most three.
fn counted(plan: &StepPlan, tense: Tense) -> Vec<String> {
    use crate::plan::json::ResourceType as R;
    let mut groups: Vec<((Op, R), Vec<String>)> = Vec::new();
    for a in &plan.actions {
        let key = (a.op(), a.resource_type());
        let label = short_label(a);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, names)) => names.push(label),
            None => groups.push((key, vec![label])),
        }
    }
    groups
        .into_iter()
        .map(|((op, kind), names)| {
            let (done, to_do) = match (op, kind) {
                (Op::Delete, R::ManagedPolicy | R::CustomerManagedPolicy) => ("detached", "detach"),
                (_, R::ManagedPolicy | R::CustomerManagedPolicy) => ("attached", "attach"),
                (Op::Delete, R::GroupMembership) => ("removed", "remove"),
                (_, R::GroupMembership) => ("added", "add"),
                (_, R::AwsConfigFile) => ("wrote", "write"),
                (_, R::Provisioning) => ("re-provisioned", "re-provision"),
                (_, R::AccessKey) => ("switched", "switch"),
                (Op::Create, _) => ("created", "create"),
                (Op::Update, _) => ("updated", "update"),
                (Op::Delete, _) => ("removed", "remove"),
            };
            let verb = if tense == Tense::Done { done } else { to_do };
            let noun = match kind {
                R::Organization => "organization",
                R::PermissionSet | R::Provisioning => "permission set",
                R::ManagedPolicy => "managed policy",
                R::CustomerManagedPolicy => "customer managed policy",
                R::InlinePolicy => "inline policy",
                R::PermissionsBoundary => "permissions boundary",
                R::Group => "group",
                R::AccountAssignment => "assignment",
                R::User => "user",
                R::GroupMembership => "membership",
                R::AwsConfigFile => "AWS CLI config file",
                R::IamUser => "IAM user",
                R::AccessKey => "access keys of IAM user",
                R::CentralizedRootAccess => "centralized root access setting",
                R::RootCredentials => "member account's root credentials",
                R::ConfigEntry => "config entry",
                R::DelegatedAdministrator => "delegated administrator",
            };
            let n = names.len();
            let counted = match (n, noun) {
                (1, _) => format!("{verb} {noun}"),
                (_, "managed policy") => format!("{verb} {n} managed policies"),
                (_, "customer managed policy") => format!("{verb} {n} customer managed policies"),
                (_, "inline policy") => format!("{verb} {n} inline policies"),
                (_, "permissions boundary") => format!("{verb} {n} permissions boundaries"),
                (_, "access keys of IAM user") => format!("{verb} access keys of {n} IAM users"),
                (_, "member account's root credentials") => {
                    format!("{verb} {n} member accounts' root credentials")
                }
                _ => format!("{verb} {n} {noun}s"),
            };
            // The organization has no name of its own to add.
            let unnamed = matches!(kind, R::Organization | R::CentralizedRootAccess);
            if n <= 3 && !unnamed {
                format!("{counted} ({})", names.join(", "))
            } else {
                counted
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_applied_step_says_what_changed_in_one_line() {
        let mut plan = StepPlan::new(StepId::new("groups"));
        assert_eq!(applied(&plan), None);
        plan.actions = ["Admin-1", "Admin-2"]
            .map(|g| Action::CreateGroup {
                name: g.into(),
                description: String::new(),
            })
            .to_vec();
        assert_eq!(
            applied(&plan).unwrap(),
            "groups: created 2 groups (Admin-1, Admin-2)"
        );
        plan.actions = (0..5)
            .map(|i| Action::CreateGroup {
                name: format!("g{i}"),
                description: String::new(),
            })
            .collect();
        assert_eq!(applied(&plan).unwrap(), "groups: created 5 groups");
        assert_eq!(to_do(&plan), "create 5 groups");
    }
    use crate::model::StepId;
    use crate::plan::Action;

    #[test]
    fn text_shows_symbols_and_says_when_nothing_changes() {
        let printer = Printer::new(false);
        let mut plan = StepPlan::new(StepId::new("organization"));
        assert!(step_plan(&plan, &printer)
            .iter()
            .any(|l| l.contains("= nothing to change")));
        plan.actions.push(Action::CreateOrganization {
            management_account_id: "123456789012".into(),
        });
        let text = step_plan(&plan, &printer).join("\n");
        assert!(
            text.contains("  + create organization with all features"),
            "{text}"
        );
        assert!(!text.contains("nothing to change"));
    }
}
