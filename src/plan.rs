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

use std::path::PathBuf;

use crate::aws::identitystore::NewUser;
use crate::aws::ssoadmin::{Boundary, PermissionSetFields};
use crate::aws::sts::Caller;
use crate::awsconfig::Section;
use crate::config::CustomerManagedPolicy;
use crate::error::UserError;
use crate::steps::StepId;
use crate::ui::Printer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Op {
    Create,
    Update,
    Delete,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Create => "+",
            Op::Update => "~",
            Op::Delete => "-",
        }
    }

    fn style(self) -> Style {
        match self {
            Op::Create => Style::new().green(),
            Op::Update => Style::new().yellow(),
            Op::Delete => Style::new().red().bold(),
        }
    }
}

/// One change to AWS, with everything needed to make it. Resources made
/// earlier in the same run (a permission set's ARN, a group's id) are
/// referred to by name and looked up when the action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// organizations:CreateOrganization with all features; the caller's
    /// account becomes the management account.
    CreateOrganization {
        management_account_id: String,
    },
    CreatePermissionSet {
        name: String,
        fields: PermissionSetFields,
    },
    /// Sends every field (UpdatePermissionSet clears what it is not sent).
    UpdatePermissionSet {
        name: String,
        fields: PermissionSetFields,
        changed: Vec<&'static str>,
    },
    AttachManagedPolicy {
        permission_set: String,
        policy_arn: String,
    },
    DetachManagedPolicy {
        permission_set: String,
        policy_arn: String,
    },
    AttachCustomerManagedPolicy {
        permission_set: String,
        policy: CustomerManagedPolicy,
    },
    DetachCustomerManagedPolicy {
        permission_set: String,
        policy: CustomerManagedPolicy,
    },
    PutInlinePolicy {
        permission_set: String,
        document: String,
    },
    DeleteInlinePolicy {
        permission_set: String,
    },
    PutPermissionsBoundary {
        permission_set: String,
        boundary: Boundary,
    },
    DeletePermissionsBoundary {
        permission_set: String,
    },
    /// Pushes a changed permission set to the accounts it is provisioned to
    /// (none: nothing to do) and waits for SUCCEEDED.
    ProvisionPermissionSet {
        permission_set: String,
    },
    CreateGroup {
        name: String,
        description: String,
    },
    CreateAssignment {
        group: String,
        permission_set: String,
        account_id: String,
    },
    CreateUser {
        user: NewUser,
    },
    AddMembership {
        user_name: String,
        group: String,
    },
    /// Writes the AWS CLI config file once, atomically. `conflicts` (same
    /// name, not written by ssosetup) and `stale` (written by ssosetup for an
    /// assignment that is gone) change only after an explicit yes.
    WriteAwsConfig {
        path: PathBuf,
        session: String,
        sections: Vec<Section>,
        changes: Vec<String>,
        conflicts: Vec<String>,
        stale: Vec<String>,
        diff: String,
    },
}

impl Action {
    pub(crate) fn op(&self) -> Op {
        use Action::*;
        match self {
            CreateOrganization { .. }
            | CreatePermissionSet { .. }
            | CreateGroup { .. }
            | CreateAssignment { .. }
            | CreateUser { .. } => Op::Create,
            DetachManagedPolicy { .. }
            | DetachCustomerManagedPolicy { .. }
            | DeleteInlinePolicy { .. }
            | DeletePermissionsBoundary { .. } => Op::Delete,
            UpdatePermissionSet { .. }
            | AttachManagedPolicy { .. }
            | AttachCustomerManagedPolicy { .. }
            | PutInlinePolicy { .. }
            | PutPermissionsBoundary { .. }
            | ProvisionPermissionSet { .. }
            | AddMembership { .. }
            | WriteAwsConfig { .. } => Op::Update,
        }
    }

    /// The resource type, as in the JSON `type` field.
    pub(crate) fn resource_type(&self) -> &'static str {
        use Action::*;
        match self {
            CreateOrganization { .. } => "organization",
            CreatePermissionSet { .. } | UpdatePermissionSet { .. } => "permission-set",
            AttachManagedPolicy { .. } | DetachManagedPolicy { .. } => "managed-policy",
            AttachCustomerManagedPolicy { .. } | DetachCustomerManagedPolicy { .. } => {
                "customer-managed-policy"
            }
            PutInlinePolicy { .. } | DeleteInlinePolicy { .. } => "inline-policy",
            PutPermissionsBoundary { .. } | DeletePermissionsBoundary { .. } => {
                "permissions-boundary"
            }
            ProvisionPermissionSet { .. } => "provisioning",
            CreateGroup { .. } => "group",
            CreateAssignment { .. } => "account-assignment",
            CreateUser { .. } => "user",
            AddMembership { .. } => "group-membership",
            WriteAwsConfig { .. } => "aws-config-file",
        }
    }

    /// The name of what is changed (for JSON); a permission set's name for its parts.
    pub(crate) fn name(&self) -> String {
        use Action::*;
        match self {
            CreateOrganization { .. } => "organization".to_string(),
            CreatePermissionSet { name, .. } | UpdatePermissionSet { name, .. } => name.clone(),
            AttachManagedPolicy { permission_set, .. }
            | DetachManagedPolicy { permission_set, .. }
            | AttachCustomerManagedPolicy { permission_set, .. }
            | DetachCustomerManagedPolicy { permission_set, .. }
            | PutInlinePolicy { permission_set, .. }
            | DeleteInlinePolicy { permission_set }
            | PutPermissionsBoundary { permission_set, .. }
            | DeletePermissionsBoundary { permission_set }
            | ProvisionPermissionSet { permission_set } => permission_set.clone(),
            CreateGroup { name, .. } => name.clone(),
            CreateAssignment {
                group,
                permission_set,
                account_id,
            } => format!("{group}/{permission_set}/{account_id}"),
            CreateUser { user } => user.user_name.clone(),
            AddMembership { user_name, group } => format!("{user_name}/{group}"),
            WriteAwsConfig { path, .. } => path.display().to_string(),
        }
    }

    /// Actions with the same key depend on each other and run in order;
    /// different keys are independent and run concurrently.
    pub(crate) fn chain_key(&self) -> String {
        use Action::*;
        match self {
            CreateOrganization { .. } => "organization".to_string(),
            CreateGroup { name, .. } => format!("group:{name}"),
            CreateAssignment { .. } => format!("assignment:{}", self.name()),
            CreateUser { user } => format!("user:{}", user.user_name),
            AddMembership { user_name, .. } => format!("user:{user_name}"),
            WriteAwsConfig { .. } => "aws-config".to_string(),
            _ => format!("permission-set:{}", self.name()),
        }
    }

    pub(crate) fn detail(&self) -> serde_json::Value {
        use Action::*;
        match self {
            CreateOrganization {
                management_account_id,
            } => {
                json!({"feature_set": "ALL", "management_account_id": management_account_id})
            }
            CreatePermissionSet { fields, .. } => json!(fields),
            UpdatePermissionSet {
                fields, changed, ..
            } => json!({"fields": fields, "changed": changed}),
            AttachManagedPolicy { policy_arn, .. } | DetachManagedPolicy { policy_arn, .. } => {
                json!({"policy_arn": policy_arn})
            }
            AttachCustomerManagedPolicy { policy, .. }
            | DetachCustomerManagedPolicy { policy, .. } => json!(policy),
            PutInlinePolicy { document, .. } => json!({"document": document}),
            PutPermissionsBoundary { boundary, .. } => json!(boundary),
            DeleteInlinePolicy { .. }
            | DeletePermissionsBoundary { .. }
            | ProvisionPermissionSet { .. } => json!({}),
            CreateGroup { description, .. } => json!({"description": description}),
            CreateAssignment {
                group,
                permission_set,
                account_id,
            } => json!({
                "principal_type": "GROUP", "group": group, "permission_set": permission_set, "account_id": account_id
            }),
            CreateUser { user } => json!(user),
            AddMembership { user_name, group } => json!({"user_name": user_name, "group": group}),
            WriteAwsConfig {
                path,
                changes,
                conflicts,
                stale,
                diff,
                ..
            } => json!({
                "path": path, "changes": changes, "conflicts_kept_unless_confirmed": conflicts,
                "stale_kept_unless_confirmed": stale, "diff": diff
            }),
        }
    }

    /// The line a person reads, after the `+`/`~`/`-`.
    pub(crate) fn describe(&self) -> String {
        use Action::*;
        match self {
            CreateOrganization { management_account_id } => format!(
                "create organization with all features (account {management_account_id} becomes its management account)"
            ),
            CreatePermissionSet { name, fields } => format!("create permission set {name} (session {})", fields.session_duration),
            UpdatePermissionSet { name, changed, .. } => format!("update permission set {name}: {}", changed.join(", ")),
            AttachManagedPolicy { permission_set, policy_arn } => format!("attach {policy_arn} to {permission_set}"),
            DetachManagedPolicy { permission_set, policy_arn } => format!("detach {policy_arn} from {permission_set} (not in the config)"),
            AttachCustomerManagedPolicy { permission_set, policy } => {
                format!("attach customer managed policy {}{} to {permission_set}", policy.path, policy.name)
            }
            DetachCustomerManagedPolicy { permission_set, policy } => format!(
                "detach customer managed policy {}{} from {permission_set} (not in the config)",
                policy.path, policy.name
            ),
            PutInlinePolicy { permission_set, .. } => format!("set the inline policy of {permission_set}"),
            DeleteInlinePolicy { permission_set } => format!("remove the inline policy of {permission_set} (not in the config)"),
            PutPermissionsBoundary { permission_set, boundary } => {
                let what = match boundary {
                    Boundary::Managed(arn) => arn.clone(),
                    Boundary::CustomerManaged(p) => format!("{}{}", p.path, p.name),
                };
                format!("set the permissions boundary of {permission_set} to {what}")
            }
            DeletePermissionsBoundary { permission_set } => {
                format!("remove the permissions boundary of {permission_set} (not in the config)")
            }
            ProvisionPermissionSet { permission_set } => {
                format!("re-provision {permission_set} to the accounts it is provisioned to")
            }
            CreateGroup { name, .. } => format!("create group {name}"),
            CreateAssignment { group, permission_set, account_id } => {
                format!("assign {permission_set} on account {account_id} to group {group}")
            }
            CreateUser { user } => format!("create user {} ({}, {})", user.user_name, user.display_name, user.email),
            AddMembership { user_name, group } => format!("add {user_name} to group {group}"),
            WriteAwsConfig { path, changes, conflicts, stale, diff, .. } => {
                let mut lines = vec![format!("write {}", path.display())];
                lines.extend(changes.iter().map(|c| format!("    {c}")));
                lines.extend(conflicts.iter().map(|c| format!("    ? [{c}] exists and ssosetup did not write it: kept unless you confirm")));
                lines.extend(stale.iter().map(|c| format!("    ? [{c}] was written by ssosetup for an assignment that is gone: kept unless you confirm")));
                lines.extend(diff.lines().map(|l| format!("    {l}")));
                lines.join("\n")
            }
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
    /// Said after the plan was applied (e.g. what new users do next).
    pub closing: Vec<String>,
}

impl StepPlan {
    pub(crate) fn new(step: StepId) -> Self {
        Self {
            step,
            actions: Vec::new(),
            manual: Vec::new(),
            blocker: None,
            notes: Vec::new(),
            closing: Vec::new(),
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

/// "1 group exists", "3 groups exist".
pub(crate) fn exist_count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun} exists")
    } else {
        format!("{n} {noun}s exist")
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
