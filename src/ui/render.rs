//! A plan as people read it: `+ create ...`, `~ update ...`, `- delete ...`,
//! console steps with their page and checklist, and why a step cannot go
//! on. Colour only where the printer allows it.

use console::Style;

use super::Printer;
use crate::plan::{Op, StepPlan};

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
    if plan.is_done() {
        lines.push(format!(
            "  {} nothing to change",
            printer.out_style(Style::new().green(), "=")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
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
