//! The identity store: users and groups.

use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Group {
    pub id: String,
    pub display_name: String,
    pub description: Option<String>,
}

/// The mark in the description of every group ssosetup creates: prune
/// removes only groups that carry it.
pub(crate) const GROUP_MARK: &str = "(managed by ssosetup)";

impl Group {
    /// Whether ssosetup created this group.
    pub(crate) fn made_by_ssosetup(&self) -> bool {
        self.description
            .as_deref()
            .is_some_and(|d| d.contains(GROUP_MARK))
    }
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

/// An attribute of an Identity Center user ssosetup sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UserField {
    DisplayName,
    GivenName,
    FamilyName,
    Email,
}

impl UserField {
    /// For people: "display name".
    pub(crate) fn label(self) -> &'static str {
        match self {
            UserField::DisplayName => "display name",
            UserField::GivenName => "given name",
            UserField::FamilyName => "family name",
            UserField::Email => "email",
        }
    }
}

/// One attribute of an existing user set to the config's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct UserChange {
    pub field: UserField,
    /// The value in AWS now.
    pub from: String,
    pub to: String,
}
