//! The AWS Organization and its accounts.

use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Organization {
    pub id: String,
    pub management_account_id: String,
    /// True when all features are on; false for consolidated billing only.
    pub all_features: bool,
}

/// A member account of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Account {
    pub id: String,
    pub name: String,
    pub active: bool,
}
