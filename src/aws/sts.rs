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
