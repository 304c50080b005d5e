//! The identity store: users and groups.

use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Group {
    pub id: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct User {
    pub id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// The primary email, else the first.
    pub email: Option<String>,
}

/// What CreateUser sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct NewUser {
    pub user_name: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
}
