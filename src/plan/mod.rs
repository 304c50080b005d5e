//! A plan is data: what a step would change, as [`Action`]s that carry
//! everything they need, console-only [`ManualStep`]s, decisions
//! ([`Choice`]) answered before apply, and why a step cannot go on.
//!
//! The driver (src/run) shows a run's plans and, unless it is a dry
//! run, applies them; each step applies its own actions. The text people
//! read is rendered in src/ui/render.rs; the JSON scripts read is typed
//! in [`json`] (its schema: docs/plan.schema.json).

use serde::Serialize;

pub(crate) mod json;

use json::ResourceType;

use std::path::PathBuf;

use crate::error::UserError;
use crate::ini::Section;
use crate::model::{
    plural, Assignment, Boundary, CustomerManagedPolicy, Grant, IamUser, IdentityStoreApi,
    MemberAccess, MemberRoot, NewUser, PermissionSetFields, PrincipalKind, RateBucket, StepId,
    UserChange,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Op {
    Create,
    Update,
    Delete,
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
    /// identitystore:UpdateUser: the attributes that differ from the config.
    UpdateUser {
        user_name: String,
        changes: Vec<UserChange>,
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
        /// Same-named sections ssosetup did not write: overwritten only on yes.
        conflicts: Vec<Choice>,
        /// Its own sections whose assignment is gone: removed only on yes.
        stale: Vec<Choice>,
        diff: String,
    },

    /// Removes an assignment (a group's or a user's permission set on an
    /// account) and waits until it is gone: `--prune` for what the config
    /// dropped, `offboard` for a person's direct assignments.
    DeleteAssignment {
        assignment: NamedAssignment,
    },
    /// Removes a user from a group (`--prune`, `offboard`).
    RemoveMembership {
        user_name: String,
        group: String,
        membership_id: String,
    },
    /// Deletes a group ssosetup created that the config no longer names,
    /// after removing its assignments (`--prune`).
    DeleteGroup {
        name: String,
        group_id: String,
        /// What it holds, removed first.
        assignments: Vec<NamedAssignment>,
    },
    /// Deletes a permission set ssosetup created that the config no longer
    /// names, after removing its assignments and waiting for them, as AWS
    /// requires (`--prune`).
    DeletePermissionSet {
        name: String,
        arn: String,
        /// The groups that hold it, removed first.
        assignments: Vec<NamedAssignment>,
    },
    /// Deletes an Identity Center user (`offboard`).
    DeleteUser {
        user_name: String,
        user_id: String,
    },
    /// Takes a user out of the config file (`offboard`), once the rest is done.
    RemoveUserFromConfig {
        path: PathBuf,
        user_name: String,
    },
    /// Backs the IAM user up, then removes its dependents in the order AWS
    /// requires and the user. Only for users the config names.
    DeleteIamUser {
        /// A member account's user, reached through its role; `None`: the
        /// calling account's.
        member: Option<MemberAccess>,
        user_name: String,
        /// What the plan saw attached (re-read before deleting).
        dependents: Vec<String>,
        backup_dir: PathBuf,
    },
    /// Two phases (`deactivate_first`): switches the user's active access
    /// keys off (reversible), records them in a backup file and tags the
    /// user with the time; a later run deletes it once they stayed off and
    /// unused for `deactivate_days`.
    DeactivateAccessKeys {
        member: Option<MemberAccess>,
        user_name: String,
        /// The keys the plan saw active (every key active when it runs is
        /// switched off).
        keys: Vec<String>,
        backup_dir: PathBuf,
    },
    /// Switches back on the keys a two-phase cleanup switched off, from its
    /// backup file (`--restore`), and ends the wait.
    ReactivateAccessKeys {
        member: Option<MemberAccess>,
        user_name: String,
        keys: Vec<String>,
        file: PathBuf,
    },
    /// Recreates an IAM user from a backup file (`--restore`).
    RestoreIamUser {
        member: Option<MemberAccess>,
        file: PathBuf,
        user: Box<IamUser>,
        /// Tagged on the user, so a repeat or a resume knows it as its own.
        marker: String,
        /// Every policy and group it grants, administrator-equivalent ones marked.
        grants: Vec<Grant>,
    },
    /// organizations:RegisterDelegatedAdministrator for IAM Identity
    /// Center: the daily work is done from `account_id` from then on.
    RegisterDelegatedAdmin {
        account_id: String,
        account_name: String,
    },
    /// Another account is the delegated administrator: deregistered, then
    /// `account_id` registered. Only after an explicit yes at a terminal
    /// (the step's gate), never under `--yes`.
    ChangeDelegatedAdmin {
        from: String,
        account_id: String,
        account_name: String,
    },
    /// organizations:EnableAWSServiceAccess(iam.amazonaws.com) and
    /// iam:EnableOrganizationsRootCredentialsManagement.
    EnableCentralizedRootAccess,
    /// Through an AssumeRoot session: removes a member account's root
    /// access keys and signing certificates (and its password and MFA when
    /// `login`). `found: None`: audited when it runs (centralized root
    /// access is enabled by this run).
    DeleteMemberRootCredentials {
        account_id: String,
        found: Option<MemberRoot>,
        login: bool,
    },
}

/// `user` of the calling account, or `account/user` of a member account.
fn in_member(member: Option<&MemberAccess>, user: &str) -> String {
    match member {
        Some(m) => format!("{}/{user}", m.account),
        None => user.to_string(),
    }
}

/// " in account 111122223333 (Prod)" for a member account's user.
fn where_(member: Option<&MemberAccess>) -> String {
    member
        .map(|m| format!(" in account {}", m.label()))
        .unwrap_or_default()
}

/// An assignment with the names people know it by: the plan shows the
/// names, AWS is sent the ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamedAssignment {
    pub assignment: Assignment,
    /// The group's display name, or the user's user name.
    pub principal: String,
    /// The permission set's name.
    pub permission_set: String,
}

impl NamedAssignment {
    pub(crate) fn kind(&self) -> PrincipalKind {
        self.assignment.principal.kind()
    }

    pub(crate) fn account(&self) -> &str {
        self.assignment.account.as_str()
    }
}

/// Everything the program knows about a kind of action that does not
/// depend on its contents, from one match with no catch-all arm: a new
/// variant does not compile until each is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActionFacts {
    pub op: Op,
    /// The JSON `type`.
    pub resource_type: ResourceType,
    /// Deletes credentials or identities: asked with the prompter's
    /// `confirm_delete`, never by default.
    pub destructive: bool,
    /// The budget its calls are paced in.
    pub bucket: RateBucket,
}

impl Action {
    /// See [`ActionFacts`].
    pub(crate) fn facts(&self) -> ActionFacts {
        use Action::*;
        use IdentityStoreApi as Api;
        use Op::{Create, Delete, Update};
        use RateBucket::{IdentityStore, Other, SsoAdmin};
        use ResourceType as R;
        let (op, resource_type, destructive, bucket) = match self {
            CreateOrganization { .. } => (Create, R::Organization, false, Other),
            CreatePermissionSet { .. } => (Create, R::PermissionSet, false, SsoAdmin),
            UpdatePermissionSet { .. } => (Update, R::PermissionSet, false, SsoAdmin),
            AttachManagedPolicy { .. } => (Update, R::ManagedPolicy, false, SsoAdmin),
            DetachManagedPolicy { .. } => (Delete, R::ManagedPolicy, false, SsoAdmin),
            AttachCustomerManagedPolicy { .. } => {
                (Update, R::CustomerManagedPolicy, false, SsoAdmin)
            }
            DetachCustomerManagedPolicy { .. } => {
                (Delete, R::CustomerManagedPolicy, false, SsoAdmin)
            }
            PutInlinePolicy { .. } => (Update, R::InlinePolicy, false, SsoAdmin),
            DeleteInlinePolicy { .. } => (Delete, R::InlinePolicy, false, SsoAdmin),
            PutPermissionsBoundary { .. } => (Update, R::PermissionsBoundary, false, SsoAdmin),
            DeletePermissionsBoundary { .. } => (Delete, R::PermissionsBoundary, false, SsoAdmin),
            ProvisionPermissionSet { .. } => (Update, R::Provisioning, false, SsoAdmin),
            CreateGroup { .. } => (Create, R::Group, false, IdentityStore(Api::CreateGroup)),
            CreateAssignment { .. } => (Create, R::AccountAssignment, false, SsoAdmin),
            CreateUser { .. } => (Create, R::User, false, IdentityStore(Api::CreateUser)),
            UpdateUser { .. } => (Update, R::User, false, IdentityStore(Api::UpdateUser)),
            AddMembership { .. } => (
                Update,
                R::GroupMembership,
                false,
                IdentityStore(Api::CreateGroupMembership),
            ),
            WriteAwsConfig { .. } => (Update, R::AwsConfigFile, false, Other),
            DeleteAssignment { .. } => (Delete, R::AccountAssignment, true, SsoAdmin),
            RemoveMembership { .. } => (
                Delete,
                R::GroupMembership,
                true,
                IdentityStore(Api::DeleteGroupMembership),
            ),
            DeleteGroup { .. } => (Delete, R::Group, true, IdentityStore(Api::DeleteGroup)),
            DeletePermissionSet { .. } => (Delete, R::PermissionSet, true, SsoAdmin),
            DeleteUser { .. } => (Delete, R::User, true, IdentityStore(Api::DeleteUser)),
            // A config edit: a removal, but not of anything in AWS.
            RemoveUserFromConfig { .. } => (Delete, R::ConfigEntry, false, Other),
            DeleteIamUser { .. } => (Delete, R::IamUser, true, Other),
            // Reversible, but it can stop whatever uses the keys: asked on
            // its own terms, as deletions are.
            DeactivateAccessKeys { .. } => (Update, R::AccessKey, true, Other),
            ReactivateAccessKeys { .. } => (Update, R::AccessKey, false, Other),
            RestoreIamUser { .. } => (Create, R::IamUser, false, Other),
            EnableCentralizedRootAccess => (Update, R::CentralizedRootAccess, false, Other),
            RegisterDelegatedAdmin { .. } => (Create, R::DelegatedAdministrator, false, Other),
            // It takes the role away from another account.
            ChangeDelegatedAdmin { .. } => (Update, R::DelegatedAdministrator, true, Other),
            DeleteMemberRootCredentials { .. } => (Delete, R::RootCredentials, true, Other),
        };
        ActionFacts {
            op,
            resource_type,
            destructive,
            bucket,
        }
    }

    pub(crate) fn op(&self) -> Op {
        self.facts().op
    }

    /// The resource type, as in the JSON `type` field.
    pub(crate) fn resource_type(&self) -> ResourceType {
        self.facts().resource_type
    }

    /// Deletes credentials or identities: asked with the prompter's
    /// `confirm_delete`, never by default.
    pub(crate) fn is_destructive(&self) -> bool {
        self.facts().destructive
    }

    /// The rate bucket the action's calls are paced in.
    pub(crate) fn bucket(&self) -> RateBucket {
        self.facts().bucket
    }

    /// The name of what is changed (for JSON); a permission set's name for its parts.
    pub(crate) fn name(&self) -> String {
        use Action::*;
        match self {
            CreateOrganization { .. } | EnableCentralizedRootAccess => "organization".to_string(),
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
            UpdateUser { user_name, .. } => user_name.clone(),
            AddMembership { user_name, group } => format!("{user_name}/{group}"),
            WriteAwsConfig { path, .. } => path.display().to_string(),
            DeleteIamUser {
                member, user_name, ..
            }
            | DeactivateAccessKeys {
                member, user_name, ..
            }
            | ReactivateAccessKeys {
                member, user_name, ..
            } => in_member(member.as_ref(), user_name),
            DeleteAssignment { assignment: a } => {
                format!("{}/{}/{}", a.principal, a.permission_set, a.account())
            }
            RemoveMembership {
                user_name, group, ..
            } => format!("{user_name}/{group}"),
            DeleteGroup { name, .. } | DeletePermissionSet { name, .. } => name.clone(),
            DeleteUser { user_name, .. } | RemoveUserFromConfig { user_name, .. } => {
                user_name.clone()
            }
            RestoreIamUser { member, user, .. } => in_member(member.as_ref(), &user.user_name),
            DeleteMemberRootCredentials { account_id, .. } => account_id.clone(),
            RegisterDelegatedAdmin { account_id, .. } | ChangeDelegatedAdmin { account_id, .. } => {
                account_id.clone()
            }
        }
    }

    /// Whether only the organization's management account may make this
    /// change, when the run works from Identity Center's delegated
    /// administrator: the organization and its settings, the delegated
    /// administrator itself, member accounts' root credentials, assignments
    /// on the management account, and any change to a permission set
    /// provisioned there (`provisioned`: those sets, by name and ARN).
    /// Everything else the delegated administrator may do. Pure.
    pub(crate) fn needs_management_account(
        &self,
        management: &str,
        provisioned: &std::collections::BTreeSet<String>,
    ) -> bool {
        use Action::*;
        let on_management =
            |list: &[NamedAssignment]| list.iter().any(|a| a.account() == management);
        match self {
            CreateOrganization { .. }
            | EnableCentralizedRootAccess
            | DeleteMemberRootCredentials { .. }
            | RegisterDelegatedAdmin { .. }
            | ChangeDelegatedAdmin { .. } => true,
            UpdatePermissionSet { name, .. } => provisioned.contains(name),
            AttachManagedPolicy { permission_set, .. }
            | DetachManagedPolicy { permission_set, .. }
            | AttachCustomerManagedPolicy { permission_set, .. }
            | DetachCustomerManagedPolicy { permission_set, .. }
            | PutInlinePolicy { permission_set, .. }
            | DeleteInlinePolicy { permission_set }
            | PutPermissionsBoundary { permission_set, .. }
            | DeletePermissionsBoundary { permission_set }
            | ProvisionPermissionSet { permission_set } => provisioned.contains(permission_set),
            DeletePermissionSet {
                name,
                arn,
                assignments,
            } => {
                provisioned.contains(name)
                    || provisioned.contains(arn)
                    || on_management(assignments)
            }
            CreateAssignment { account_id, .. } => account_id == management,
            DeleteAssignment { assignment } => assignment.account() == management,
            DeleteGroup { assignments, .. } => on_management(assignments),
            CreatePermissionSet { .. }
            | CreateGroup { .. }
            | CreateUser { .. }
            | UpdateUser { .. }
            | AddMembership { .. }
            | WriteAwsConfig { .. }
            | RemoveMembership { .. }
            | DeleteUser { .. }
            | RemoveUserFromConfig { .. }
            | DeleteIamUser { .. }
            | DeactivateAccessKeys { .. }
            | ReactivateAccessKeys { .. }
            | RestoreIamUser { .. } => false,
        }
    }

    /// The decisions this action waits for, to be answered before apply.
    pub(crate) fn choices_mut(&mut self) -> Vec<&mut Choice> {
        use Action::*;
        match self {
            WriteAwsConfig {
                conflicts, stale, ..
            } => conflicts.iter_mut().chain(stale.iter_mut()).collect(),
            CreateOrganization { .. }
            | CreatePermissionSet { .. }
            | UpdatePermissionSet { .. }
            | AttachManagedPolicy { .. }
            | DetachManagedPolicy { .. }
            | AttachCustomerManagedPolicy { .. }
            | DetachCustomerManagedPolicy { .. }
            | PutInlinePolicy { .. }
            | DeleteInlinePolicy { .. }
            | PutPermissionsBoundary { .. }
            | DeletePermissionsBoundary { .. }
            | ProvisionPermissionSet { .. }
            | CreateGroup { .. }
            | CreateAssignment { .. }
            | CreateUser { .. }
            | UpdateUser { .. }
            | AddMembership { .. }
            | DeleteAssignment { .. }
            | RemoveMembership { .. }
            | DeleteGroup { .. }
            | DeletePermissionSet { .. }
            | DeleteUser { .. }
            | RemoveUserFromConfig { .. }
            | DeleteIamUser { .. }
            | DeactivateAccessKeys { .. }
            | ReactivateAccessKeys { .. }
            | RestoreIamUser { .. }
            | EnableCentralizedRootAccess
            | RegisterDelegatedAdmin { .. }
            | ChangeDelegatedAdmin { .. }
            | DeleteMemberRootCredentials { .. } => Vec::new(),
        }
    }

    /// Actions with the same key depend on each other and run in order;
    /// different keys are independent and run concurrently.
    pub(crate) fn chain_key(&self) -> String {
        use Action::*;
        match self {
            CreateOrganization { .. } => "organization".to_string(),
            // A permission set and its parts, in order.
            CreatePermissionSet { name, .. } | UpdatePermissionSet { name, .. } => {
                format!("permission-set:{name}")
            }
            AttachManagedPolicy { permission_set, .. }
            | DetachManagedPolicy { permission_set, .. }
            | AttachCustomerManagedPolicy { permission_set, .. }
            | DetachCustomerManagedPolicy { permission_set, .. }
            | PutInlinePolicy { permission_set, .. }
            | DeleteInlinePolicy { permission_set }
            | PutPermissionsBoundary { permission_set, .. }
            | DeletePermissionsBoundary { permission_set }
            | ProvisionPermissionSet { permission_set } => {
                format!("permission-set:{permission_set}")
            }
            CreateGroup { name, .. } => format!("group:{name}"),
            CreateAssignment { .. } => format!("assignment:{}", self.name()),
            CreateUser { user } => format!("user:{}", user.user_name),
            UpdateUser { user_name, .. } => format!("user:{user_name}"),
            AddMembership { user_name, .. } => format!("user:{user_name}"),
            WriteAwsConfig { .. } => "aws-config".to_string(),
            DeleteIamUser { .. } | DeactivateAccessKeys { .. } | ReactivateAccessKeys { .. } => {
                format!("iam-user:{}", self.name())
            }
            // A person's own assignments go before the person (offboard).
            DeleteAssignment { assignment } if assignment.kind() == PrincipalKind::User => {
                format!("user:{}", assignment.principal)
            }
            DeleteAssignment { .. } => format!("unassign:{}", self.name()),
            RemoveMembership { user_name, .. } => format!("user:{user_name}"),
            DeleteGroup { name, .. } => format!("group:{name}"),
            DeletePermissionSet { name, .. } => format!("permission-set:{name}"),
            // A person's removals before the user goes; the config entry last.
            DeleteUser { user_name, .. } | RemoveUserFromConfig { user_name, .. } => {
                format!("user:{user_name}")
            }
            RestoreIamUser { .. } => format!("iam-user:{}", self.name()),
            // Member accounts' cleanup needs centralized root access first.
            EnableCentralizedRootAccess | DeleteMemberRootCredentials { found: None, .. } => {
                "root-access".to_string()
            }
            DeleteMemberRootCredentials { account_id, .. } => format!("root:{account_id}"),
            RegisterDelegatedAdmin { .. } | ChangeDelegatedAdmin { .. } => {
                "delegated-admin".to_string()
            }
        }
    }

    /// The chains (see [`Action::chain_key`]) of other steps this action
    /// needs finished first: an assignment needs its permission set (with
    /// its policies) and its group; a membership needs its group. The user
    /// of a membership is in the membership's own chain.
    pub(crate) fn needs(&self) -> Vec<String> {
        use Action::*;
        match self {
            CreateAssignment {
                group,
                permission_set,
                ..
            } => vec![
                format!("permission-set:{permission_set}"),
                format!("group:{group}"),
            ],
            AddMembership { group, .. } => vec![format!("group:{group}")],
            CreateOrganization { .. }
            | CreatePermissionSet { .. }
            | UpdatePermissionSet { .. }
            | AttachManagedPolicy { .. }
            | DetachManagedPolicy { .. }
            | AttachCustomerManagedPolicy { .. }
            | DetachCustomerManagedPolicy { .. }
            | PutInlinePolicy { .. }
            | DeleteInlinePolicy { .. }
            | PutPermissionsBoundary { .. }
            | DeletePermissionsBoundary { .. }
            | ProvisionPermissionSet { .. }
            | CreateGroup { .. }
            | CreateUser { .. }
            | UpdateUser { .. }
            | WriteAwsConfig { .. }
            | DeleteAssignment { .. }
            | RemoveMembership { .. }
            | DeleteGroup { .. }
            | DeletePermissionSet { .. }
            | DeleteUser { .. }
            | RemoveUserFromConfig { .. }
            | DeleteIamUser { .. }
            | DeactivateAccessKeys { .. }
            | ReactivateAccessKeys { .. }
            | RestoreIamUser { .. }
            | EnableCentralizedRootAccess
            | RegisterDelegatedAdmin { .. }
            | ChangeDelegatedAdmin { .. }
            | DeleteMemberRootCredentials { .. } => Vec::new(),
        }
    }

    /// The line a person reads, after the `+`/`~`/`-`.
    /// Long by design: one arm per kind of action.
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
            UpdateUser { user_name, changes } => format!(
                "update user {user_name}: {}",
                changes
                    .iter()
                    .map(|c| format!("{} {:?} -> {:?}", c.field.label(), c.from, c.to))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            WriteAwsConfig { path, changes, conflicts, stale, diff, .. } => {
                let mut lines = vec![format!("write {}", path.display())];
                lines.extend(changes.iter().map(|c| format!("    {c}")));
                lines.extend(conflicts.iter().map(|c| format!("    ? [{}] exists and ssosetup did not write it: kept unless you confirm", c.subject)));
                lines.extend(stale.iter().map(|c| format!("    ? [{}] was written by ssosetup for an assignment that is gone: kept unless you confirm", c.subject)));
                lines.extend(diff.lines().map(|l| format!("    {l}")));
                lines.join("\n")
            }
            DeleteAssignment { assignment: a } => format!(
                "unassign {} on account {} from {} {}{}",
                a.permission_set,
                a.account(),
                a.kind().word(),
                a.principal,
                if a.kind() == PrincipalKind::Group { " (not in the config)" } else { "" }
            ),
            RemoveMembership { user_name, group, .. } => {
                format!("remove {user_name} from group {group}")
            }
            DeleteGroup { name, assignments, .. } => {
                let with = if assignments.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", after unassigning {}",
                        assignments
                            .iter()
                            .map(|a| format!("{} on {}", a.permission_set, a.account()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!("delete group {name}, which ssosetup created and the config no longer names{with}")
            }
            DeletePermissionSet { name, assignments, .. } => {
                let with = if assignments.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", after unassigning it from {}",
                        assignments
                            .iter()
                            .map(|a| format!("{} on {}", a.principal, a.account()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!("delete permission set {name}, which ssosetup created and the config no longer names{with}")
            }
            DeleteUser { user_name, .. } => format!("delete Identity Center user {user_name}"),
            RemoveUserFromConfig { path, user_name } => {
                format!("remove user {user_name} from {}", path.display())
            }
            DeleteIamUser { member, user_name, dependents, backup_dir } => {
                let with = if dependents.is_empty() {
                    String::new()
                } else {
                    format!(" with its {}", dependents.join(", "))
                };
                format!("delete IAM user {user_name}{}{with} (backed up first to {})", where_(member.as_ref()), backup_dir.display())
            }
            DeactivateAccessKeys { member, user_name, keys, backup_dir } => {
                let what = if keys.is_empty() {
                    "no access key is active; the wait starts now".to_string()
                } else {
                    format!("switch off access key{} {}", plural(keys.len()), keys.join(", "))
                };
                format!(
                    "IAM user {user_name}{}: {what} (recorded first in {}); deleted by a later run once its keys stayed off and unused for [cleanup] deactivate_days",
                    where_(member.as_ref()),
                    backup_dir.display()
                )
            }
            ReactivateAccessKeys { member, user_name, keys, file } => format!(
                "IAM user {user_name}{}: switch access key{} {} back on, as {} recorded them, and end the wait",
                where_(member.as_ref()),
                plural(keys.len()),
                keys.join(", "),
                file.display()
            ),
            RestoreIamUser { member, file, user, grants, .. } => {
                let mut lines = vec![format!(
                    "recreate IAM user {}{} (path {}) from {}{}, {} tag{}",
                    user.user_name,
                    where_(member.as_ref()),
                    user.path,
                    file.display(),
                    user.permissions_boundary
                        .as_ref()
                        .map(|b| format!(", boundary {b}"))
                        .unwrap_or_default(),
                    user.tags.len(),
                    plural(user.tags.len()),
                )];
                lines.extend(grants.iter().map(|g| {
                    format!(
                        "    grants {}{}",
                        g.what,
                        if g.admin { "  [ADMINISTRATOR-EQUIVALENT]" } else { "" }
                    )
                }));
                lines.join("\n")
            }
            RegisterDelegatedAdmin { account_id, account_name } => format!(
                "register account {account_id} ({account_name}) as IAM Identity Center's delegated administrator: daily work (permission sets, groups, users, assignments on member accounts) is done from there; the organization, enabling Identity Center, this registration, member accounts' root credentials, assignments on the management account and the permission sets provisioned there stay with the management account"
            ),
            ChangeDelegatedAdmin { from, account_id, account_name } => format!(
                "deregister account {from} as IAM Identity Center's delegated administrator, and register account {account_id} ({account_name}) instead"
            ),
            EnableCentralizedRootAccess => "enable centralized root access for member accounts (trusted access for iam.amazonaws.com, then root credentials management)".to_string(),
            DeleteMemberRootCredentials { account_id, found: Some(found), login } => format!(
                "delete the root user's {} in member account {account_id}",
                found.removable(*login).join(", ")
            ),
            DeleteMemberRootCredentials { account_id, found: None, login } => format!(
                "delete the root user's access keys and signing certificates{} in member account {account_id} (listed once centralized root access is on)",
                if *login { ", password and MFA devices" } else { "" }
            ),
        }
    }
}

/// A decision the person makes before anything is applied: a change that
/// discards something the config does not name is made only on yes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Choice {
    /// What it is about (a section name).
    pub subject: String,
    pub question: String,
    /// Shown before the question (secrets masked).
    pub shown: Option<String>,
    /// The answer: false until someone says yes.
    pub yes: bool,
}

/// A confirmation typed at a terminal, for what `--yes` must never grant
/// (restoring administrator-equivalent access): the person types
/// `expected`; anything else, or no terminal, refuses the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypedConfirmation {
    /// Said before the question.
    pub warning: String,
    pub question: String,
    pub expected: String,
    /// The run's error when it is not confirmed.
    pub refused: UserError,
    /// Why it is refused without a terminal, and what to do.
    pub unattended: String,
    pub unattended_hint: String,
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
    /// Why this step cannot go on (e.g. the caller is a member account):
    /// the whole run stops before its first write.
    pub blocker: Option<UserError>,
    /// Why this step waits for a later run (e.g. cleanup in the run that
    /// creates the administrator): the other steps apply, this one is
    /// skipped, and the run ends with this as its error.
    pub waits: Option<UserError>,
    /// A question this step's removals wait for (a read came back empty
    /// where there must be content): on no (and under `--yes`), they are
    /// withheld and the step waits.
    pub gate: Option<Choice>,
    /// A confirmation typed at a terminal before anything of the run is
    /// applied (never given by `--yes`).
    pub typed: Option<TypedConfirmation>,
    /// Changes only the management account may make, when the run works
    /// from the delegated administrator: shown, left, and named at the end
    /// with the command to run there.
    pub elsewhere: Vec<Action>,
    /// Changes to resources infrastructure as code owns (`[iac] owner`):
    /// shown as drift, never applied.
    pub drift: Vec<Action>,
    /// What was found, for people (e.g. "organization o-abc, all features").
    pub notes: Vec<String>,
    /// Said after the plan was applied (e.g. what new users do next).
    pub closing: Vec<String>,
    /// Lines shown as they are under the notes (e.g. an inventory table);
    /// `status` leaves them out.
    pub details: Vec<String>,
    /// What the step found, for `--output json` (under `reports.<step>`).
    pub report: Option<json::Report>,
    /// The config asks nothing of this step yet (no permission sets, no
    /// users, no [cli]...): "not set up", which is not done.
    pub unconfigured: bool,
    /// Parts this step leaves out this run, each with why and the fix (a
    /// member account whose role cannot be assumed, a key found on again):
    /// the rest applies, and the run ends with exit 1 naming each.
    pub skipped: Vec<UserError>,
    /// What a later run of this step will do, with when (a user whose keys
    /// are off, waiting out `deactivate_days`): nothing to do now, and not
    /// done either.
    pub later: Vec<String>,
    /// Why there is something to do, in a few words, for `status` (e.g.
    /// "2 new accounts in Workloads").
    pub headline: Option<String>,
}

impl StepPlan {
    pub(crate) fn new(step: StepId) -> Self {
        Self {
            step,
            actions: Vec::new(),
            manual: Vec::new(),
            blocker: None,
            waits: None,
            gate: None,
            typed: None,
            elsewhere: Vec::new(),
            drift: Vec::new(),
            notes: Vec::new(),
            closing: Vec::new(),
            details: Vec::new(),
            report: None,
            unconfigured: false,
            skipped: Vec::new(),
            later: Vec::new(),
            headline: None,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.actions.is_empty()
            && self.manual.is_empty()
            && self.blocker.is_none()
            && self.waits.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Caller;

    fn caller() -> Caller {
        Caller {
            account: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/admin".into(),
        }
    }

    #[test]
    fn json_follows_the_interface_contract() {
        let mut plan = StepPlan::new(StepId::new("organization"));
        plan.actions.push(Action::CreateOrganization {
            management_account_id: "123456789012".into(),
        });
        let mut ic = StepPlan::new(StepId::new("identity-center"));
        ic.manual.push(ManualStep {
            step: "identity-center",
            title: "Enable IAM Identity Center".into(),
            url: "https://console.aws.amazon.com/singlesignon/home?region=us-east-1".into(),
            checklist: vec!["Click Enable".into()],
            required: true,
        });
        let json = serde_json::to_value(json::PlanDocument::new(
            &caller(),
            "profile prod",
            "us-east-1",
            &[plan, ic],
        ))
        .unwrap();
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
}
