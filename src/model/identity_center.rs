//! IAM Identity Center: the instance and its permission sets.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An Identity Center instance as ListInstances shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Instance {
    pub arn: super::InstanceArn,
    pub identity_store_id: String,
    pub owner_account_id: Option<String>,
    pub status: super::InstanceStatus,
    pub status_reason: Option<String>,
}

impl Instance {
    pub(crate) fn is_active(&self) -> bool {
        self.status == super::InstanceStatus::Active
    }

    /// The AWS access portal URL, when the identity store id has the
    /// `d-xxxxxxxxxx` form that the default URL is made of. A custom alias
    /// cannot be read through any API.
    pub(crate) fn default_portal_url(&self) -> Option<String> {
        let id = &self.identity_store_id;
        let hex = id.strip_prefix("d-")?;
        (hex.len() == 10
            && hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b.is_ascii_digit()))
        .then(|| format!("https://{id}.awsapps.com/start"))
    }
}

/// A permission set's own fields, as DescribePermissionSet shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct PermissionSet {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub session_duration: Option<String>,
    pub relay_state: Option<String>,
}

/// The fields UpdatePermissionSet and CreatePermissionSet send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct PermissionSetFields {
    pub description: Option<String>,
    pub session_duration: String,
    pub relay_state: Option<String>,
}

/// A permissions boundary: an AWS managed policy, or a customer managed one by name and path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) enum Boundary {
    Managed(String),
    CustomerManaged(CustomerManagedPolicy),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerManagedPolicy {
    pub name: String,
    #[serde(default = "root_path")]
    pub path: String,
}

fn root_path() -> String {
    "/".to_string()
}

/// The state of an asynchronous sso-admin request (assignment creation, provisioning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AsyncStatus {
    InProgress(String),
    Succeeded,
    Failed(String),
}
