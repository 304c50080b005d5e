//! Who is calling: `sts:GetCallerIdentity`.

use serde::Serialize;

use super::{classify, AwsError};

/// The identity whose credentials this run uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

pub(crate) async fn caller_identity(client: &aws_sdk_sts::Client) -> Result<Caller, AwsError> {
    let out = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| classify("sts:GetCallerIdentity", e))?;
    Ok(Caller {
        account: out.account().unwrap_or_default().to_string(),
        arn: out.arn().unwrap_or_default().to_string(),
    })
}

/// The task policies centralized root access allows in a member account.
pub(crate) const AUDIT_ROOT_TASK: &str =
    "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials";
pub(crate) const DELETE_ROOT_TASK: &str =
    "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials";

/// A short root session in member account `account`, limited to
/// `task_policy`, from the management account (never with root
/// credentials). AWS requires a regional STS endpoint; the client is built
/// for the Identity Center home region.
pub(crate) async fn assume_root(
    client: &aws_sdk_sts::Client,
    account: &str,
    task_policy: &str,
) -> Result<aws_credential_types::Credentials, AwsError> {
    let out = client
        .assume_root()
        .target_principal(account)
        .task_policy_arn(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn(task_policy)
                .build(),
        )
        .duration_seconds(900)
        .send()
        .await
        .map_err(|e| classify("sts:AssumeRoot", e))?;
    let c = out.credentials().ok_or_else(|| AwsError {
        action: "sts:AssumeRoot",
        kind: super::AwsErrorKind::Other,
        code: None,
        message: "AWS answered without credentials".into(),
    })?;
    Ok(aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "sts:AssumeRoot",
    ))
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
