//! Who is calling, and where their credentials came from.

use schemars::JsonSchema;
use serde::Serialize;

/// The identity whose credentials this run uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Caller {
    pub account: String,
    pub arn: String,
}

impl Caller {
    /// Root's ARN is `arn:aws:iam::<account>:root`. Root keys are what this
    /// tool retires; a run signed with them must say so loudly.
    pub(crate) fn is_root(&self) -> bool {
        self.arn.ends_with(":root")
    }

    /// The ARN partition: `aws`, `aws-cn`, `aws-us-gov` (`aws` when the ARN
    /// says nothing else).
    pub(crate) fn partition(&self) -> &str {
        self.arn
            .split(':')
            .nth(1)
            .filter(|p| p.starts_with("aws"))
            .unwrap_or("aws")
    }

    /// The IAM user this run signs in as, if it is one:
    /// `arn:aws:iam::<account>:user/<path/><name>` (some stand-ins say
    /// `arn:aws:sts::` for the same user).
    pub(crate) fn iam_user_name(&self) -> Option<&str> {
        let mut parts = self.arn.splitn(6, ':');
        let (_arn, _partition, service, _region, _account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if service != "iam" && service != "sts" {
            return None;
        }
        resource.strip_prefix("user/")?.rsplit('/').next()
    }

    /// Whether IAM user `name` is the identity this run signs in as (IAM
    /// user names ignore case).
    pub(crate) fn is_iam_user(&self, name: &str) -> bool {
        self.iam_user_name()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }
}

/// Where this run's credentials come from, for the plan's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CredentialSource {
    /// A profile named with `--profile` or `AWS_PROFILE`, or `default`.
    Profile(String),
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS, CI systems).
    WebIdentity,
    /// The container credentials endpoint (ECS, CodeBuild).
    Container,
    /// The EC2 instance metadata service: the instance's role.
    InstanceRole,
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::Profile(name) => write!(f, "profile {name}"),
            CredentialSource::Environment => {
                f.write_str("environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
            }
            CredentialSource::WebIdentity => {
                f.write_str("web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)")
            }
            CredentialSource::Container => f.write_str("container credentials endpoint"),
            CredentialSource::InstanceRole => f.write_str("instance role (EC2 instance metadata)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(arn: &str) -> Caller {
        Caller {
            account: "123456789012".into(),
            arn: arn.into(),
        }
    }

    #[test]
    fn the_iam_user_behind_a_caller_is_found_by_name_and_path() {
        assert_eq!(
            caller("arn:aws:iam::123456789012:user/ops/old-admin").iam_user_name(),
            Some("old-admin")
        );
        assert!(caller("arn:aws:sts::123456789012:user/moto").is_iam_user("MOTO"));
        assert_eq!(
            caller("arn:aws:iam::123456789012:root").iam_user_name(),
            None
        );
        assert_eq!(
            caller("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/alice")
                .iam_user_name(),
            None
        );
    }
}
