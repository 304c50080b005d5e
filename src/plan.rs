//! A plan is data: what a step would change, as [`Action`]s that carry
//! everything they need, plus console-only [`ManualStep`]s.
//!
//! `--dry-run` prints the plan and stops; applying is one `match` over the
//! actions (in `steps::apply_action`). Rendering is here: text for people
//! (`+ create ...`, `~ update ...`, `- delete ...`) and the JSON of
//! INTERFACE.md for scripts.

use console::Style;
use serde::Serialize;
use serde_json::json;

use crate::aws::sts::Caller;
use crate::error::UserError;
use crate::steps::StepId;
use crate::ui::Printer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Op {
    Create,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Create => "+",
        }
    }

    fn style(self) -> Style {
        match self {
            Op::Create => Style::new().green(),
        }
    }
}

/// One change to AWS, with everything needed to make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// organizations:CreateOrganization with all features; the caller's
    /// account becomes the management account.
    CreateOrganization { management_account_id: String },
}

impl Action {
    pub(crate) fn op(&self) -> Op {
        match self {
            Action::CreateOrganization { .. } => Op::Create,
        }
    }

    /// The resource type, as in the JSON `type` field.
    pub(crate) fn resource_type(&self) -> &'static str {
        match self {
            Action::CreateOrganization { .. } => "organization",
        }
    }

    pub(crate) fn name(&self) -> String {
        match self {
            Action::CreateOrganization { .. } => "organization".to_string(),
        }
    }

    pub(crate) fn detail(&self) -> serde_json::Value {
        match self {
            Action::CreateOrganization {
                management_account_id,
            } => json!({"feature_set": "ALL", "management_account_id": management_account_id}),
        }
    }

    /// The line a person reads, after the `+`/`~`/`-`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Action::CreateOrganization {
                management_account_id,
            } => format!(
                "create organization with all features (account {management_account_id} becomes its management account)"
            ),
        }
    }
}

/// A console-only step: AWS has no API for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ManualStep {
    pub step: &'static str,
    pub title: String,
    pub url: String,
    /// What to click, in order.
    pub checklist: Vec<String>,
    /// A later step cannot run until this is done.
    #[serde(skip)]
    pub required: bool,
}

/// What one step found and would do.
#[derive(Debug, Clone)]
pub(crate) struct StepPlan {
    pub step: StepId,
    pub actions: Vec<Action>,
    pub manual: Vec<ManualStep>,
    /// Why this step cannot go on (e.g. the caller is a member account).
    pub blocker: Option<UserError>,
    /// What was found, for people (e.g. "organization o-abc, all features").
    pub notes: Vec<String>,
}

impl StepPlan {
    pub(crate) fn new(step: StepId) -> Self {
        Self {
            step,
            actions: Vec::new(),
            manual: Vec::new(),
            blocker: None,
            notes: Vec::new(),
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.actions.is_empty() && self.manual.is_empty() && self.blocker.is_none()
    }

    /// Text lines of this step's plan.
    pub(crate) fn render_text(&self, printer: &Printer) -> Vec<String> {
        let mut lines = vec![printer.out_style(Style::new().bold(), self.step.name())];
        for note in &self.notes {
            lines.push(format!("  {}", printer.out_style(Style::new().dim(), note)));
        }
        for action in &self.actions {
            let op = action.op();
            lines.push(format!(
                "  {} {}",
                printer.out_style(op.style(), op.symbol()),
                action.describe()
            ));
        }
        for m in &self.manual {
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
        if let Some(b) = &self.blocker {
            lines.push(format!(
                "  {} cannot continue: {}",
                printer.out_style(Style::new().red().bold(), "x"),
                b.message
            ));
        }
        if self.is_done() {
            lines.push(format!(
                "  {} nothing to change",
                printer.out_style(Style::new().green(), "=")
            ));
        }
        lines
    }
}

/// The plan of a whole run (one or more steps), as JSON.
pub(crate) fn to_json(caller: &Caller, region: &str, plans: &[StepPlan]) -> serde_json::Value {
    let changes: Vec<_> = plans
        .iter()
        .flat_map(|p| {
            p.actions.iter().map(|a| {
                json!({
                    "step": p.step.name(),
                    "op": a.op(),
                    "type": a.resource_type(),
                    "name": a.name(),
                    "detail": a.detail(),
                })
            })
        })
        .collect();
    let manual: Vec<_> = plans.iter().flat_map(|p| p.manual.iter()).collect();
    let blocked: Vec<_> = plans
        .iter()
        .filter_map(|p| {
            p.blocker
                .as_ref()
                .map(|b| json!({"step": p.step.name(), "reason": b.message, "hint": b.hint}))
        })
        .collect();
    json!({
        "caller": {"account": caller.account, "arn": caller.arn, "root": caller.is_root()},
        "region": region,
        "changes": changes,
        "manual": manual,
        "blocked": blocked,
    })
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

    #[test]
    fn json_follows_the_interface_contract() {
        let mut plan = StepPlan::new(StepId::Organization);
        plan.actions.push(Action::CreateOrganization {
            management_account_id: "123456789012".into(),
        });
        let mut ic = StepPlan::new(StepId::IdentityCenter);
        ic.manual.push(ManualStep {
            step: "identity-center",
            title: "Enable IAM Identity Center".into(),
            url: "https://console.aws.amazon.com/singlesignon/home?region=us-east-1".into(),
            checklist: vec!["Click Enable".into()],
            required: true,
        });
        let json = to_json(&caller(), "us-east-1", &[plan, ic]);
        assert_eq!(json["changes"][0]["step"], "organization");
        assert_eq!(json["changes"][0]["op"], "create");
        assert_eq!(json["changes"][0]["type"], "organization");
        assert_eq!(json["changes"][0]["detail"]["feature_set"], "ALL");
        assert_eq!(json["manual"][0]["step"], "identity-center");
        assert!(json["manual"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://"));
        assert_eq!(json["caller"]["root"], false);
    }

    #[test]
    fn text_shows_symbols_and_says_when_nothing_changes() {
        let printer = Printer::new(false);
        let mut plan = StepPlan::new(StepId::Organization);
        assert!(plan
            .render_text(&printer)
            .iter()
            .any(|l| l.contains("= nothing to change")));
        plan.actions.push(Action::CreateOrganization {
            management_account_id: "123456789012".into(),
        });
        let text = plan.render_text(&printer).join("\n");
        assert!(
            text.contains("  + create organization with all features"),
            "{text}"
        );
        assert!(!text.contains("nothing to change"));
    }
}
