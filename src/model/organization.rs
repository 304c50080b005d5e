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

/// Where a run works from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seat {
    /// Not looked at yet.
    Unknown,
    /// The organization's management account, or an account in no
    /// organization (the one that will manage the organization it makes).
    Management,
    /// A member account that is IAM Identity Center's delegated
    /// administrator: the daily work, but not what only `management` may do.
    DelegatedAdmin { management: String },
    /// Any other member account: Identity Center is not run from it.
    Member { management: String },
}

impl Seat {
    /// The management account when the run works from the delegated
    /// administrator.
    pub(crate) fn delegated_from(&self) -> Option<&str> {
        match self {
            Seat::DelegatedAdmin { management } => Some(management),
            _ => None,
        }
    }
}
