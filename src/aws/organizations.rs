//! AWS Organizations: is there an organization, and does this account manage it.

use aws_sdk_organizations::types::OrganizationFeatureSet;
use serde::Serialize;

use super::{classify, AwsError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Organization {
    pub id: String,
    pub management_account_id: String,
    /// True when all features are on; false for consolidated billing only.
    pub all_features: bool,
}

impl Organization {
    fn from_sdk(org: &aws_sdk_organizations::types::Organization) -> Self {
        Self {
            id: org.id().unwrap_or_default().to_string(),
            management_account_id: org.master_account_id().unwrap_or_default().to_string(),
            all_features: org.feature_set() == Some(&OrganizationFeatureSet::All),
        }
    }
}

/// The caller's organization, or `None` when its account is in none.
pub(crate) async fn describe_organization(
    client: &aws_sdk_organizations::Client,
) -> Result<Option<Organization>, AwsError> {
    match client.describe_organization().send().await {
        Ok(out) => Ok(out.organization().map(Organization::from_sdk)),
        Err(e) => {
            let e = classify("organizations:DescribeOrganization", e);
            if e.is("AWSOrganizationsNotInUseException") {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// Creates an organization with all features; if one appeared meanwhile
/// (`AlreadyInOrganizationException`), returns that one instead.
pub(crate) async fn create_organization(
    client: &aws_sdk_organizations::Client,
) -> Result<Organization, AwsError> {
    match client
        .create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
    {
        Ok(out) => match out.organization() {
            Some(org) => Ok(Organization::from_sdk(org)),
            None => describe_after_create(client).await,
        },
        Err(e) => {
            let e = classify("organizations:CreateOrganization", e);
            if e.is("AlreadyInOrganizationException") {
                describe_after_create(client).await
            } else {
                Err(e)
            }
        }
    }
}

async fn describe_after_create(
    client: &aws_sdk_organizations::Client,
) -> Result<Organization, AwsError> {
    describe_organization(client)
        .await?
        .ok_or_else(|| AwsError {
            action: "organizations:DescribeOrganization",
            kind: super::AwsErrorKind::Other,
            code: None,
            message: "the organization was created but cannot be read back yet".into(),
        })
}
