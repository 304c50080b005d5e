//! What `--output json` prints, as types: the plan of a run, what the
//! cleanup steps found, and `status`. These are the interface scripts rely
//! on (`{"changes": [...], "manual": [...]}` and more); their JSON Schema
//! is `docs/plan.schema.json`, generated from these types and held in step
//! by a test.

use std::collections::BTreeMap;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use super::{Action, Op, StepPlan};
use crate::model::PrincipalKind;
use crate::model::{
    Boundary, Caller, CustomerManagedPolicy, Grant, IamUser, Instance, KeyFinding, KeyHolder,
    MemberAccess, MemberRoot, NewUser, PermissionSetFields, RootSummary, StepId, UserChange,
};

/// The plan of a run (one step or all of them).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(
    title = "ssosetup plan",
    description = "What `ssosetup ... --output json` prints: the whole run's plan."
)]
pub(crate) struct PlanDocument {
    pub caller: CallerInfo,
    /// The Identity Center home region.
    pub region: String,
    /// Every change the run makes (an empty list: the account matches the config).
    pub changes: Vec<Change>,
    /// Working from the delegated administrator: the changes only the
    /// management account may make, left for a run there.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub left_for_management_account: Vec<Change>,
    /// With `[iac] owner` set: how the resources infrastructure as code
    /// owns differ from the config, reported and never applied.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub drift: Vec<Change>,
    /// Console-only steps not known to be done (AWS has no API for them).
    pub manual: Vec<ManualEntry>,
    /// Steps that cannot go on (`stop`: nothing is changed) or wait for a later run.
    pub blocked: Vec<Blocked>,
    /// What the cleanup steps found, by step.
    pub reports: Reports,
}

/// Who the run acts as.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct CallerInfo {
    pub account: String,
    pub arn: String,
    /// The run signs in as the account's root user.
    pub root: bool,
    /// Where the credentials came from, e.g. "profile prod".
    pub credentials: String,
}

impl CallerInfo {
    pub(crate) fn new(caller: &Caller, credentials: &str) -> Self {
        Self {
            account: caller.account.clone(),
            arn: caller.arn.clone(),
            root: caller.is_root(),
            credentials: credentials.to_string(),
        }
    }
}

/// One change.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct Change {
    pub step: StepId,
    pub op: Op,
    #[serde(rename = "type")]
    pub resource_type: ResourceType,
    /// What is changed (a permission set's name for its parts).
    pub name: String,
    pub detail: Detail,
}

/// The kind of thing a change is made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ResourceType {
    Organization,
    PermissionSet,
    ManagedPolicy,
    CustomerManagedPolicy,
    InlinePolicy,
    PermissionsBoundary,
    Provisioning,
    Group,
    AccountAssignment,
    User,
    GroupMembership,
    AwsConfigFile,
    IamUser,
    /// An IAM user's access keys, switched off or on.
    AccessKey,
    CentralizedRootAccess,
    RootCredentials,
    /// An entry of the config file.
    ConfigEntry,
    /// IAM Identity Center's delegated administrator account.
    DelegatedAdministrator,
}

/// A console-only step.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct ManualEntry {
    pub step: String,
    pub title: String,
    pub url: String,
    /// What to click, in order.
    pub checklist: Vec<String>,
}

/// Why a step cannot go on now.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct Blocked {
    pub step: StepId,
    pub kind: BlockKind,
    pub reason: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BlockKind {
    /// The whole run stops before its first write.
    Stop,
    /// This step waits for a later run; the others apply.
    Wait,
    /// This step's removals wait for a question to be answered yes.
    Ask,
    /// Part of this step was left out (the rest applies); the run ends
    /// with exit 1.
    Skipped,
}

/// What a change carries, by its type.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum Detail {
    Organization(OrganizationDetail),
    PermissionSet(PermissionSetFields),
    PermissionSetUpdate(PermissionSetUpdate),
    ManagedPolicy(ManagedPolicyDetail),
    CustomerManagedPolicy(CustomerManagedPolicy),
    InlinePolicy(InlinePolicyDetail),
    PermissionsBoundary(Boundary),
    Group(GroupDetail),
    Assignment(AssignmentDetail),
    User(NewUser),
    UserUpdate(UserUpdateDetail),
    Membership(MembershipDetail),
    AwsConfigFile(AwsConfigFileDetail),
    DeleteIamUser(DeleteIamUserDetail),
    AccessKeys(AccessKeysDetail),
    RestoreIamUser(Box<RestoreIamUserDetail>),
    CentralizedRootAccess(CentralizedRootAccessDetail),
    MemberRoot(MemberRootDetail),
    Unassign(UnassignDetail),
    Membership2(RemoveMembershipDetail),
    Removal(RemovalDetail),
    DelegatedAdmin(DelegatedAdminDetail),
    /// Nothing more than the type and name say.
    Nothing(Nothing),
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DelegatedAdminDetail {
    /// Always "sso.amazonaws.com".
    pub service_principal: &'static str,
    pub account_id: String,
    pub account_name: String,
    /// The account that is deregistered first.
    pub replaces: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrganizationDetail {
    /// Always "ALL".
    pub feature_set: &'static str,
    pub management_account_id: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PermissionSetUpdate {
    /// Every field is sent (UpdatePermissionSet clears what it is not sent).
    pub fields: PermissionSetFields,
    pub changed: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ManagedPolicyDetail {
    pub policy_arn: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InlinePolicyDetail {
    pub document: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupDetail {
    pub description: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignmentDetail {
    /// Always "GROUP".
    pub principal_type: &'static str,
    pub group: String,
    pub permission_set: String,
    pub account_id: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserUpdateDetail {
    pub changes: Vec<UserChange>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MembershipDetail {
    pub user_name: String,
    pub group: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AwsConfigFileDetail {
    pub path: PathBuf,
    /// `+ [section]` or `~ [section]`.
    pub changes: Vec<String>,
    /// Same-named sections ssosetup did not write: kept unless confirmed.
    pub conflicts_kept_unless_confirmed: Vec<String>,
    /// Sections ssosetup wrote for an assignment that is gone: kept unless confirmed.
    pub stale_kept_unless_confirmed: Vec<String>,
    /// A unified diff, secrets masked.
    pub diff: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteIamUserDetail {
    /// The member account the user is in (absent: the calling account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_account: Option<MemberAccess>,
    pub dependents: Vec<String>,
    pub backup_dir: PathBuf,
}

/// Access keys switched off (`deactivate_first`) or back on (`--restore`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessKeysDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_account: Option<MemberAccess>,
    /// `false`: switched off; `true`: back on.
    pub active: bool,
    pub keys: Vec<String>,
    /// Where the record of the switched-off keys is written (off) or read (on).
    pub record: PathBuf,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestoreIamUserDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_account: Option<MemberAccess>,
    pub backup_file: PathBuf,
    pub user: IamUser,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CentralizedRootAccessDetail {
    pub service_access: &'static str,
    pub features: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberRootDetail {
    /// What an audit session found; null when it is listed as it runs.
    pub found: Option<MemberRoot>,
    pub password_and_mfa: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnassignDetail {
    pub principal: PrincipalDetail,
    pub permission_set: String,
    pub account_id: String,
}

/// Who holds an assignment, by name.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrincipalDetail {
    pub kind: PrincipalKind,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemoveMembershipDetail {
    pub user_name: String,
    pub group: String,
    /// The membership goes; the user and the group stay.
    pub removes_membership: bool,
}

/// A group or permission set deleted with its assignments.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemovalDetail {
    /// What is unassigned first: "<permission set or group> on <account>".
    pub unassigned_first: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Nothing {}

/// What the cleanup steps found (present when the step ran).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub(crate) struct Reports {
    #[serde(rename = "root-cleanup", skip_serializing_if = "Option::is_none")]
    pub root_cleanup: Option<RootCleanupReport>,
    #[serde(rename = "iam-users-cleanup", skip_serializing_if = "Option::is_none")]
    pub iam_users_cleanup: Option<IamUsersReport>,
}

/// A step's report, kept in its plan.
#[derive(Debug, Clone)]
pub(crate) enum Report {
    RootCleanup(RootCleanupReport),
    IamUsersCleanup(IamUsersReport),
}

/// The root user of the calling account, and member accounts' roots.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct RootCleanupReport {
    pub account: String,
    pub root: RootSummary,
    /// The root user's row of the credential report, by column.
    pub credential_report_root_row: Option<BTreeMap<String, String>>,
    pub member_accounts: MemberAccounts,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "state")]
pub(crate) enum MemberAccounts {
    #[serde(rename = "not applicable")]
    NotApplicable { why: String },
    #[serde(rename = "centralized root access off")]
    Off { accounts: Vec<String> },
    #[serde(rename = "centralized root access on")]
    On { accounts: Vec<MemberAudit> },
}

/// One member account's root, or why it could not be audited.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct MemberAudit {
    pub account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<MemberRoot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Every IAM user, and what the plan does with it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct IamUsersReport {
    /// The calling account's IAM users (none when `[cleanup] accounts`
    /// leaves it out).
    pub iam_users: Vec<IamUserReport>,
    /// The member accounts `[cleanup] accounts` names, each read through
    /// its role.
    pub member_accounts: Vec<MemberAccountReport>,
    /// Long-lived keys across every account read.
    pub long_lived_keys: KeyCount,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct IamUserReport {
    pub user: IamUser,
    /// The Identity Center user that plausibly replaces it.
    pub identity_center_user: Option<String>,
    /// What this run does with it.
    pub plan: String,
    /// What the CIS benchmark flags about its active keys.
    pub key_findings: Vec<KeyFindingReport>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct KeyFindingReport {
    pub access_key_id: String,
    pub finding: KeyFinding,
    pub description: &'static str,
}

/// One member account: what was found there, or why it was not reached.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct MemberAccountReport {
    pub account: String,
    pub name: String,
    /// The role assumed there.
    pub role_arn: String,
    /// Why the account was skipped (its role cannot be assumed, IAM refused
    /// to list its users...); absent when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_reached: Option<String>,
    pub users: Vec<MemberUserReport>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct MemberUserReport {
    pub user: KeyHolder,
    pub plan: String,
    pub key_findings: Vec<KeyFindingReport>,
}

/// Long-lived credentials counted across the accounts read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct KeyCount {
    pub accounts_read: usize,
    pub accounts_not_reached: usize,
    pub iam_users: usize,
    pub active_access_keys: usize,
    /// Active keys older than 90 days (CIS 1.14).
    pub not_rotated: usize,
    /// Active keys unused for 90 days (CIS 1.12).
    pub unused: usize,
}

impl KeyCount {
    /// The long-lived keys line: "3 active access keys held by 2 IAM users in
    /// 4 accounts (1 not reached): 1 older than 90 days (CIS 1.14)". Pure.
    pub(crate) fn line(&self) -> String {
        let mut line = format!(
            "{} active access key{} held by {} IAM user{}",
            self.active_access_keys,
            crate::model::plural(self.active_access_keys),
            self.iam_users,
            crate::model::plural(self.iam_users)
        );
        if self.accounts_read + self.accounts_not_reached > 1 {
            line.push_str(&format!(
                " in {} account{}",
                self.accounts_read,
                crate::model::plural(self.accounts_read)
            ));
        }
        if self.accounts_not_reached > 0 {
            line.push_str(&format!(" ({} not reached)", self.accounts_not_reached));
        }
        let mut flags = Vec::new();
        if self.not_rotated > 0 {
            flags.push(format!(
                "{} older than 90 days (CIS 1.14)",
                self.not_rotated
            ));
        }
        if self.unused > 0 {
            flags.push(format!("{} unused for 90 days (CIS 1.12)", self.unused));
        }
        if !flags.is_empty() {
            line.push_str(&format!(": {}", flags.join(", ")));
        }
        line
    }
}

impl PlanDocument {
    pub(crate) fn new(
        caller: &Caller,
        credentials: &str,
        region: &str,
        plans: &[StepPlan],
    ) -> Self {
        let change = |p: &StepPlan, a: &Action| Change {
            step: p.step,
            op: a.op(),
            resource_type: a.resource_type(),
            name: a.name(),
            detail: detail(a),
        };
        let changes = plans
            .iter()
            .flat_map(|p| p.actions.iter().map(move |a| change(p, a)))
            .collect();
        let left_for_management_account = plans
            .iter()
            .flat_map(|p| p.elsewhere.iter().map(move |a| change(p, a)))
            .collect();
        let drift = plans
            .iter()
            .flat_map(|p| p.drift.iter().map(move |a| change(p, a)))
            .collect();
        let manual = plans
            .iter()
            .flat_map(|p| &p.manual)
            .map(|m| ManualEntry {
                step: m.step.to_string(),
                title: m.title.clone(),
                url: m.url.clone(),
                checklist: m.checklist.clone(),
            })
            .collect();
        let blocked = plans
            .iter()
            .flat_map(|p| {
                let stop = p.blocker.as_ref().map(|b| (b, BlockKind::Stop));
                let wait = p.waits.as_ref().map(|b| (b, BlockKind::Wait));
                let gate = p.gate.as_ref().filter(|g| !g.yes).map(|g| Blocked {
                    step: p.step,
                    kind: BlockKind::Ask,
                    reason: g.shown.clone().unwrap_or_default(),
                    hint: Some(g.question.clone()),
                });
                let skipped = p.skipped.iter().map(|b| (b, BlockKind::Skipped));
                stop.into_iter()
                    .chain(wait)
                    .chain(skipped)
                    .map(|(b, kind)| Blocked {
                        step: p.step,
                        kind,
                        reason: b.message.clone(),
                        hint: b.hint.clone(),
                    })
                    .chain(gate)
            })
            .collect();
        let mut reports = Reports::default();
        for p in plans {
            match &p.report {
                Some(Report::RootCleanup(r)) => reports.root_cleanup = Some(r.clone()),
                Some(Report::IamUsersCleanup(r)) => reports.iam_users_cleanup = Some(r.clone()),
                None => {}
            }
        }
        Self {
            caller: CallerInfo::new(caller, credentials),
            region: region.to_string(),
            changes,
            left_for_management_account,
            drift,
            manual,
            blocked,
            reports,
        }
    }
}

fn names(choices: &[super::Choice]) -> Vec<String> {
    choices.iter().map(|c| c.subject.clone()).collect()
}

/// What a change carries.
/// Long by design: one arm per kind of action.
fn detail(action: &Action) -> Detail {
    use Action::*;
    match action {
        CreateOrganization {
            management_account_id,
        } => Detail::Organization(OrganizationDetail {
            feature_set: "ALL",
            management_account_id: management_account_id.clone(),
        }),
        CreatePermissionSet { fields, .. } => Detail::PermissionSet(fields.clone()),
        UpdatePermissionSet {
            fields, changed, ..
        } => Detail::PermissionSetUpdate(PermissionSetUpdate {
            fields: fields.clone(),
            changed: changed.clone(),
        }),
        AttachManagedPolicy { policy_arn, .. } | DetachManagedPolicy { policy_arn, .. } => {
            Detail::ManagedPolicy(ManagedPolicyDetail {
                policy_arn: policy_arn.clone(),
            })
        }
        AttachCustomerManagedPolicy { policy, .. } | DetachCustomerManagedPolicy { policy, .. } => {
            Detail::CustomerManagedPolicy(policy.clone())
        }
        PutInlinePolicy { document, .. } => Detail::InlinePolicy(InlinePolicyDetail {
            document: document.clone(),
        }),
        PutPermissionsBoundary { boundary, .. } => Detail::PermissionsBoundary(boundary.clone()),
        DeleteInlinePolicy { .. }
        | DeletePermissionsBoundary { .. }
        | ProvisionPermissionSet { .. } => Detail::Nothing(Nothing {}),
        CreateGroup { description, .. } => Detail::Group(GroupDetail {
            description: description.clone(),
        }),
        CreateAssignment {
            group,
            permission_set,
            account_id,
        } => Detail::Assignment(AssignmentDetail {
            principal_type: "GROUP",
            group: group.clone(),
            permission_set: permission_set.clone(),
            account_id: account_id.clone(),
        }),
        CreateUser { user } => Detail::User(user.clone()),
        UpdateUser { changes, .. } => Detail::UserUpdate(UserUpdateDetail {
            changes: changes.clone(),
        }),
        AddMembership { user_name, group } => Detail::Membership(MembershipDetail {
            user_name: user_name.clone(),
            group: group.clone(),
        }),
        WriteAwsConfig {
            path,
            changes,
            conflicts,
            stale,
            diff,
            ..
        } => Detail::AwsConfigFile(AwsConfigFileDetail {
            path: path.clone(),
            changes: changes.clone(),
            conflicts_kept_unless_confirmed: names(conflicts),
            stale_kept_unless_confirmed: names(stale),
            diff: diff.clone(),
        }),
        DeleteIamUser {
            member,
            dependents,
            backup_dir,
            ..
        } => Detail::DeleteIamUser(DeleteIamUserDetail {
            member_account: member.clone(),
            dependents: dependents.clone(),
            backup_dir: backup_dir.clone(),
        }),
        DeactivateAccessKeys {
            member,
            keys,
            backup_dir,
            ..
        } => Detail::AccessKeys(AccessKeysDetail {
            member_account: member.clone(),
            active: false,
            keys: keys.clone(),
            record: backup_dir.clone(),
        }),
        ReactivateAccessKeys {
            member, keys, file, ..
        } => Detail::AccessKeys(AccessKeysDetail {
            member_account: member.clone(),
            active: true,
            keys: keys.clone(),
            record: file.clone(),
        }),
        RestoreIamUser {
            member,
            file,
            user,
            grants,
            ..
        } => Detail::RestoreIamUser(Box::new(RestoreIamUserDetail {
            member_account: member.clone(),
            backup_file: file.clone(),
            user: (**user).clone(),
            grants: grants.clone(),
        })),
        EnableCentralizedRootAccess => Detail::CentralizedRootAccess(CentralizedRootAccessDetail {
            service_access: "iam.amazonaws.com",
            features: vec!["RootCredentialsManagement"],
        }),
        DeleteAssignment { assignment: a } => Detail::Unassign(UnassignDetail {
            principal: PrincipalDetail {
                kind: a.kind(),
                name: a.principal.clone(),
            },
            permission_set: a.permission_set.clone(),
            account_id: a.account().to_string(),
        }),
        RemoveMembership {
            user_name, group, ..
        } => Detail::Membership2(RemoveMembershipDetail {
            user_name: user_name.clone(),
            group: group.clone(),
            removes_membership: true,
        }),
        // A group's: its sets on their accounts; a set's: its groups.
        DeleteGroup { assignments, .. } => Detail::Removal(RemovalDetail {
            unassigned_first: assignments
                .iter()
                .map(|a| format!("{} on {}", a.permission_set, a.account()))
                .collect(),
        }),
        DeletePermissionSet { assignments, .. } => Detail::Removal(RemovalDetail {
            unassigned_first: assignments
                .iter()
                .map(|a| format!("{} on {}", a.principal, a.account()))
                .collect(),
        }),
        DeleteUser { .. } | RemoveUserFromConfig { .. } => Detail::Nothing(Nothing {}),
        RegisterDelegatedAdmin {
            account_id,
            account_name,
        } => Detail::DelegatedAdmin(DelegatedAdminDetail {
            service_principal: "sso.amazonaws.com",
            account_id: account_id.clone(),
            account_name: account_name.clone(),
            replaces: None,
        }),
        ChangeDelegatedAdmin {
            from,
            account_id,
            account_name,
        } => Detail::DelegatedAdmin(DelegatedAdminDetail {
            service_principal: "sso.amazonaws.com",
            account_id: account_id.clone(),
            account_name: account_name.clone(),
            replaces: Some(from.clone()),
        }),
        DeleteMemberRootCredentials { found, login, .. } => Detail::MemberRoot(MemberRootDetail {
            found: found.clone(),
            password_and_mfa: *login,
        }),
    }
}

/// What `ssosetup status --output json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct StatusDocument {
    pub caller: CallerInfo,
    pub region: String,
    /// The ACTIVE instance in the home region, if any.
    pub instance: Option<Instance>,
    pub portal_url: Option<String>,
    /// The `[cli]` session's sign-in: whether a token is cached and until
    /// when (never the token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<String>,
    /// Long-lived access keys in the accounts `[cleanup] accounts` covers
    /// (absent when they could not be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_lived_keys: Option<KeyCount>,
    pub steps: Vec<StepStatus>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct StepStatus {
    pub step: StepId,
    /// done, to do, manual, not set up, unknown.
    pub state: &'static str,
    pub detail: String,
}

/// The plan document's JSON Schema (docs/plan.schema.json).
#[cfg(test)]
pub(crate) fn plan_schema() -> String {
    let schema = schemars::schema_for!(PlanDocument);
    serde_json::to_string_pretty(&schema).expect("a schema serializes") + "\n"
}

/// The JSON Schema of `status --output json` (docs/status.schema.json).
#[cfg(test)]
pub(crate) fn status_schema() -> String {
    let schema = schemars::schema_for!(StatusDocument);
    serde_json::to_string_pretty(&schema).expect("a schema serializes") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/plan.schema.json and docs/status.schema.json are what these
    /// types say; refresh them with `SSOSETUP_WRITE_SCHEMA=1 cargo test
    /// schema_in_docs`.
    #[test]
    fn plan_schema_in_docs_is_current() {
        for (file, schema) in [
            ("docs/plan.schema.json", plan_schema()),
            ("docs/status.schema.json", status_schema()),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            if std::env::var_os("SSOSETUP_WRITE_SCHEMA").is_some() {
                std::fs::write(&path, &schema).unwrap();
            }
            let shipped = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                shipped == schema,
                "{file} is out of date: run `SSOSETUP_WRITE_SCHEMA=1 cargo test schema_in_docs`"
            );
        }
    }
}
