//! IAM Identity Center administration (sso-admin); IAM actions are `sso:*`.

use aws_sdk_ssoadmin::types::InstanceStatus;
use serde::Serialize;

use super::{classify, AwsError};

/// An Identity Center instance as ListInstances shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Instance {
    pub arn: String,
    pub identity_store_id: String,
    pub owner_account_id: Option<String>,
    /// `ACTIVE`, `CREATE_IN_PROGRESS`, `CREATE_FAILED`, `DELETE_IN_PROGRESS`.
    pub status: String,
    pub status_reason: Option<String>,
}

impl Instance {
    pub(crate) fn is_active(&self) -> bool {
        self.status == InstanceStatus::Active.as_str()
    }

    /// The AWS access portal URL, when the identity store id has the
    /// `d-xxxxxxxxxx` form that the default URL is made of. A custom alias
    /// cannot be read through any API.
    pub(crate) fn default_portal_url(&self) -> Option<String> {
        let id = &self.identity_store_id;
        let hex = id.strip_prefix("d-")?;
        (hex.len() == 10
            && hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b.is_ascii_digit()))
        .then(|| format!("https://{id}.awsapps.com/start"))
    }
}

/// Every instance visible in the client's region.
pub(crate) async fn list_instances(
    client: &aws_sdk_ssoadmin::Client,
) -> Result<Vec<Instance>, AwsError> {
    let mut instances = Vec::new();
    let mut pages = client.list_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("sso:ListInstances", e))?;
        instances.extend(page.instances().iter().map(|i| {
            Instance {
                arn: i.instance_arn().unwrap_or_default().to_string(),
                identity_store_id: i.identity_store_id().unwrap_or_default().to_string(),
                owner_account_id: i.owner_account_id().map(str::to_string),
                // Older answers (and moto) leave the status out of an instance that exists and works.
                status: i
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| InstanceStatus::Active.as_str().to_string()),
                status_reason: i.status_reason().map(str::to_string),
            }
        }));
    }
    Ok(instances)
}
