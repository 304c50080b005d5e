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
    /// Whether ssosetup created this group: the mark ends its description,
    /// after a space, as ssosetup writes it. A mark anywhere else ("Not
    /// (managed by ssosetup): hands off") is a person's text, not the mark.
    pub(crate) fn made_by_ssosetup(&self) -> bool {
        self.description.as_deref().is_some_and(|d| {
            d.strip_suffix(GROUP_MARK)
                .and_then(|head| head.strip_suffix(' '))
                .is_some_and(|what| !what.trim().is_empty())
        })
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
    /// ENABLED or DISABLED, when the identity store says (a disabled user
    /// cannot sign in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn group(description: Option<&str>) -> Group {
        Group {
            id: "g-1".into(),
            display_name: "Ops".into(),
            description: description.map(str::to_string),
        }
    }

    #[test]
    fn only_a_description_that_ends_with_the_mark_is_ssosetups() {
        assert!(
            group(Some("Admin on account 111111111111 (managed by ssosetup)")).made_by_ssosetup()
        );
        assert!(group(Some("Admin (managed by ssosetup)")).made_by_ssosetup());
        for other in [
            "Not (managed by ssosetup): hands off",
            "(managed by ssosetup)",
            "Admin(managed by ssosetup)",
            "Admin (managed by ssosetup) ",
            "Admin (managed by ssosetup).",
            "hand-made",
        ] {
            assert!(!group(Some(other)).made_by_ssosetup(), "{other}");
        }
        assert!(!group(None).made_by_ssosetup());
    }
}

/// A name, an email, a phone number or an address of a user, as the
/// identity store keeps it (for the hand-over to IaC, attribute by
/// attribute).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct UserName {
    pub formatted: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub honorific_prefix: Option<String>,
    pub honorific_suffix: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Contact {
    pub value: Option<String>,
    pub kind: Option<String>,
    pub primary: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct PostalAddress {
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub formatted: Option<String>,
    pub kind: Option<String>,
    pub primary: bool,
}

/// Every attribute of a user that Terraform or CloudFormation can hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct UserDetail {
    pub id: String,
    /// `arn:aws:identitystore:::user/<id>`.
    pub arn: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub name: Option<UserName>,
    pub emails: Vec<Contact>,
    pub phone_numbers: Vec<Contact>,
    pub addresses: Vec<PostalAddress>,
    pub nick_name: Option<String>,
    pub profile_url: Option<String>,
    pub user_type: Option<String>,
    pub title: Option<String>,
    pub preferred_language: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub website: Option<String>,
    pub birthdate: Option<String>,
    /// How many photos and roles it has (neither IaC tool holds them).
    pub photos: usize,
    pub roles: usize,
}
