//! The identities AWS gives structure to, as types: an account id, a
//! permission set's and an instance's ARN, a group's and a user's id, a
//! principal (a group or a user), and one assignment (a principal's
//! permission set on an account). Each is made once, where it enters the
//! program (read from AWS, or checked in the config); after that a group id
//! cannot be passed where a user id belongs, nor a triple be written in
//! another order.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An opaque identifier AWS issued: kept as AWS gave it (local stand-ins
/// issue other forms, so no pattern is enforced on what AWS hands back).
macro_rules! aws_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
        )]
        #[serde(transparent)]
        pub(crate) struct $name(String);

        // Not every identifier needs every accessor.
        #[allow(dead_code)]
        impl $name {
            /// As AWS gave it.
            pub(crate) fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub(crate) fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Where an SDK call takes the identifier as text.
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
    };
}

aws_id!(
    /// `arn:aws:sso:::permissionSet/ssoins-.../ps-...`.
    PermissionSetArn
);
aws_id!(
    /// `arn:aws:sso:::instance/ssoins-...`.
    InstanceArn
);
aws_id!(
    /// An identity store group's id.
    GroupId
);
aws_id!(
    /// An identity store user's id.
    UserId
);

/// A 12-digit AWS account id.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub(crate) struct AccountId(String);

impl AccountId {
    /// `value` when it is 12 digits.
    pub(crate) fn parse(value: &str) -> Result<Self, String> {
        if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_string()))
        } else {
            Err(format!("{value:?} is not a 12-digit account id"))
        }
    }

    /// An account id AWS itself gave (an Organizations or sso-admin
    /// answer): taken as it is.
    pub(crate) fn from_aws(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for AccountId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Who can hold an assignment, as sso-admin names the kinds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum PrincipalKind {
    Group,
    User,
}

impl PrincipalKind {
    /// `GROUP` or `USER`, as the API takes it.
    pub(crate) fn as_aws(self) -> &'static str {
        match self {
            PrincipalKind::Group => "GROUP",
            PrincipalKind::User => "USER",
        }
    }

    /// `group` or `user`, for people.
    pub(crate) fn word(self) -> &'static str {
        match self {
            PrincipalKind::Group => "group",
            PrincipalKind::User => "user",
        }
    }
}

/// A group or a user, by id.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", content = "id", rename_all = "UPPERCASE")]
pub(crate) enum Principal {
    Group(GroupId),
    User(UserId),
}

impl Principal {
    /// From sso-admin's (type, id); `None` for a kind it may add later.
    pub(crate) fn from_aws(kind: &str, id: &str) -> Option<Self> {
        match kind {
            "GROUP" => Some(Principal::Group(GroupId::new(id))),
            "USER" => Some(Principal::User(UserId::new(id))),
            _ => None,
        }
    }

    pub(crate) fn kind(&self) -> PrincipalKind {
        match self {
            Principal::Group(_) => PrincipalKind::Group,
            Principal::User(_) => PrincipalKind::User,
        }
    }

    pub(crate) fn id(&self) -> &str {
        match self {
            Principal::Group(g) => g.as_str(),
            Principal::User(u) => u.as_str(),
        }
    }
}

/// A principal's permission set on an account: the one shape every part of
/// ssosetup (plan, prune, import, offboard, the access review) uses.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub(crate) struct Assignment {
    pub principal: Principal,
    pub permission_set: PermissionSetArn,
    pub account: AccountId,
}

/// Where an Identity Center instance stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum InstanceStatus {
    Active,
    CreateInProgress,
    CreateFailed,
    DeleteInProgress,
    /// A status this version does not know, as AWS wrote it.
    #[serde(untagged)]
    Other(String),
}

impl InstanceStatus {
    pub(crate) fn from_aws(status: &str) -> Self {
        match status {
            "ACTIVE" => InstanceStatus::Active,
            "CREATE_IN_PROGRESS" => InstanceStatus::CreateInProgress,
            "CREATE_FAILED" => InstanceStatus::CreateFailed,
            "DELETE_IN_PROGRESS" => InstanceStatus::DeleteInProgress,
            other => InstanceStatus::Other(other.to_string()),
        }
    }

    /// As AWS writes it.
    pub(crate) fn as_aws(&self) -> &str {
        match self {
            InstanceStatus::Active => "ACTIVE",
            InstanceStatus::CreateInProgress => "CREATE_IN_PROGRESS",
            InstanceStatus::CreateFailed => "CREATE_FAILED",
            InstanceStatus::DeleteInProgress => "DELETE_IN_PROGRESS",
            InstanceStatus::Other(s) => s,
        }
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_aws())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_checked_once_and_principals_keep_their_kind() {
        assert!(AccountId::parse("123456789012").is_ok());
        for bad in ["12345678901", "1234567890123", "12345678901x", ""] {
            assert!(AccountId::parse(bad).is_err(), "{bad}");
        }
        let g = Principal::from_aws("GROUP", "g-1").unwrap();
        assert_eq!((g.kind(), g.id()), (PrincipalKind::Group, "g-1"));
        assert_eq!(g.kind().as_aws(), "GROUP");
        assert_eq!(Principal::from_aws("ROLE", "x"), None);
        assert_eq!(
            serde_json::to_value(InstanceStatus::from_aws("ACTIVE")).unwrap(),
            "ACTIVE"
        );
        assert_eq!(
            serde_json::to_value(InstanceStatus::from_aws("PAUSED")).unwrap(),
            "PAUSED"
        );
    }
}
