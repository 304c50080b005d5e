//! AWS Organizations: is there an organization, and does this account manage it.

use super::{all_pages, classify, AwsError};
use crate::model::{Account, Organization};
use aws_sdk_organizations::types::OrganizationFeatureSet;

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

/// Lets IAM act on the organization (trusted access for
/// `iam.amazonaws.com`), which centralized root access needs. Repeating it
/// is harmless.
pub(crate) async fn enable_service_access(
    client: &aws_sdk_organizations::Client,
    principal: &str,
) -> Result<(), AwsError> {
    client
        .enable_aws_service_access()
        .service_principal(principal)
        .send()
        .await
        .map(drop)
        .map_err(|e| classify("organizations:EnableAWSServiceAccess", e))
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

/// Every account of the organization (ListAccounts, all pages).
pub(crate) async fn list_accounts(
    client: &aws_sdk_organizations::Client,
) -> Result<Vec<Account>, AwsError> {
    all_pages(|token| async move {
        let page = client
            .list_accounts()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("organizations:ListAccounts", e))?;
        let items: Vec<_> = page
            .accounts()
            .iter()
            .map(|a| {
                Account {
                    id: a.id().unwrap_or_default().to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                    // `State` replaces the deprecated `Status`; either says ACTIVE.
                    active: a
                        .state()
                        .map(|s| s.as_str() == "ACTIVE")
                        .unwrap_or_else(|| {
                            #[allow(deprecated)]
                            a.status().is_some_and(|s| s.as_str() == "ACTIVE")
                        }),
                }
            })
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// The service principal of IAM Identity Center.
pub(crate) const IDENTITY_CENTER: &str = "sso.amazonaws.com";

/// The accounts registered as delegated administrator of `principal`.
pub(crate) async fn delegated_administrators(
    client: &aws_sdk_organizations::Client,
    principal: &str,
) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        let page = client
            .list_delegated_administrators()
            .service_principal(principal)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("organizations:ListDelegatedAdministrators", e))?;
        let ids: Vec<String> = page
            .delegated_administrators()
            .iter()
            .filter_map(|a| a.id().map(str::to_string))
            .collect();
        Ok((ids, page.next_token().map(str::to_string)))
    })
    .await
}

/// Registers `account` as delegated administrator of `principal`; one that
/// is registered already counts as done.
pub(crate) async fn register_delegated_administrator(
    client: &aws_sdk_organizations::Client,
    account: &str,
    principal: &str,
) -> Result<(), AwsError> {
    match client
        .register_delegated_administrator()
        .account_id(account)
        .service_principal(principal)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => classify("organizations:RegisterDelegatedAdministrator", e)
            .done_if("AccountAlreadyRegisteredException"),
    }
}

/// Deregisters `account` as delegated administrator of `principal`.
pub(crate) async fn deregister_delegated_administrator(
    client: &aws_sdk_organizations::Client,
    account: &str,
    principal: &str,
) -> Result<(), AwsError> {
    match client
        .deregister_delegated_administrator()
        .account_id(account)
        .service_principal(principal)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => classify("organizations:DeregisterDelegatedAdministrator", e)
            .done_if("AccountNotRegisteredException"),
    }
}

/// The organization's tree: ListRoots, then for the root and every OU
/// below it ListOrganizationalUnitsForParent and ListAccountsForParent (a
/// level's parents read at once, a few at a time).
pub(crate) async fn org_tree(
    client: &aws_sdk_organizations::Client,
) -> Result<crate::model::OrgTree, AwsError> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    let roots = all_pages(|token| async move {
        let page = client
            .list_roots()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("organizations:ListRoots", e))?;
        let ids: Vec<String> = page
            .roots()
            .iter()
            .filter_map(|r| r.id().map(str::to_string))
            .collect();
        Ok((ids, page.next_token().map(str::to_string)))
    })
    .await?;
    let mut tree = crate::model::OrgTree {
        root: roots.first().cloned().unwrap_or_default(),
        ..Default::default()
    };
    let mut level = roots;
    while !level.is_empty() {
        let read: Vec<(String, Vec<crate::model::Ou>, Vec<String>)> = stream::iter(level)
            .map(|parent| async move {
                let (ous, accounts) = futures::try_join!(
                    ous_for_parent(client, &parent),
                    accounts_for_parent(client, &parent)
                )?;
                Ok::<_, AwsError>((parent, ous, accounts))
            })
            .buffer_unordered(4)
            .try_collect()
            .await?;
        level = Vec::new();
        for (parent, ous, accounts) in read {
            for a in accounts {
                tree.parent_of.insert(a, parent.clone());
            }
            level.extend(ous.iter().map(|o| o.id.clone()));
            tree.ous.extend(ous);
        }
    }
    tree.ous.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(tree)
}

async fn ous_for_parent(
    client: &aws_sdk_organizations::Client,
    parent: &str,
) -> Result<Vec<crate::model::Ou>, AwsError> {
    all_pages(|token| async move {
        let page = client
            .list_organizational_units_for_parent()
            .parent_id(parent)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("organizations:ListOrganizationalUnitsForParent", e))?;
        let ous = page
            .organizational_units()
            .iter()
            .map(|o| crate::model::Ou {
                id: o.id().unwrap_or_default().to_string(),
                name: o.name().unwrap_or_default().to_string(),
                parent: parent.to_string(),
            })
            .collect();
        Ok((ous, page.next_token().map(str::to_string)))
    })
    .await
}

async fn accounts_for_parent(
    client: &aws_sdk_organizations::Client,
    parent: &str,
) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        let page = client
            .list_accounts_for_parent()
            .parent_id(parent)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("organizations:ListAccountsForParent", e))?;
        let ids = page
            .accounts()
            .iter()
            .filter_map(|a| a.id().map(str::to_string))
            .collect();
        Ok((ids, page.next_token().map(str::to_string)))
    })
    .await
}
