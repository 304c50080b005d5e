//! Who is calling: `sts:GetCallerIdentity`.

use super::{classify, AwsError};
use crate::model::Caller;

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

/// A short session (15 minutes) as role `role` in `account`: the role
/// Organizations makes in the accounts it creates, or the one the config
/// names. The session is named `ssosetup-cleanup`, so CloudTrail says who
/// did what.
pub(crate) async fn assume_role(
    client: &aws_sdk_sts::Client,
    role_arn: &str,
) -> Result<aws_credential_types::Credentials, AwsError> {
    let out = client
        .assume_role()
        .role_arn(role_arn)
        .role_session_name("ssosetup-cleanup")
        .duration_seconds(900)
        .send()
        .await
        .map_err(|e| classify("sts:AssumeRole", e))?;
    let c = out.credentials().ok_or_else(|| AwsError {
        action: "sts:AssumeRole",
        kind: super::AwsErrorKind::Other,
        code: None,
        message: "AWS answered without credentials".into(),
    })?;
    let expires = std::time::SystemTime::try_from(*c.expiration()).ok();
    Ok(aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expires,
        "sts:AssumeRole",
    ))
}
