//! IAM Identity Center administration (sso-admin); IAM actions are `sso:*`.

use super::{all_pages, classify, AwsError};
use crate::model::{
    AccountId, Assignment, AsyncStatus, Boundary, CustomerManagedPolicy, GroupId, Instance,
    PermissionSet, PermissionSetArn, PermissionSetFields, Principal,
};

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
                arn: crate::model::InstanceArn::new(i.instance_arn().unwrap_or_default()),
                identity_store_id: i.identity_store_id().unwrap_or_default().to_string(),
                owner_account_id: i.owner_account_id().map(str::to_string),
                // Older answers (and moto) leave the status out of an instance that exists and works.
                status: i
                    .status()
                    .map(|s| crate::model::InstanceStatus::from_aws(s.as_str()))
                    .unwrap_or(crate::model::InstanceStatus::Active),
                status_reason: i.status_reason().map(str::to_string),
            }
        }));
    }
    Ok(instances)
}

use std::collections::BTreeSet;

use aws_sdk_ssoadmin::types::{
    CustomerManagedPolicyReference, PermissionsBoundary, PrincipalType, ProvisionTargetType,
    StatusValues, TargetType,
};

use super::{change_checked, few_retries, no_sdk_retries, retry_conflicts, Aws, AwsErrorKind};

pub(crate) fn async_status(
    status: Option<&StatusValues>,
    request_id: Option<&str>,
    reason: Option<&str>,
) -> AsyncStatus {
    match status {
        Some(StatusValues::Succeeded) => AsyncStatus::Succeeded,
        Some(StatusValues::Failed) => {
            AsyncStatus::Failed(reason.unwrap_or("no reason given").to_string())
        }
        // IN_PROGRESS, or no status at all: ask again with the request id.
        _ => AsyncStatus::InProgress(request_id.unwrap_or_default().to_string()),
    }
}

fn cmp_reference(p: &CustomerManagedPolicy) -> CustomerManagedPolicyReference {
    CustomerManagedPolicyReference::builder()
        .name(&p.name)
        .path(&p.path)
        .build()
        .expect("name is set")
}

fn cmp_from(r: &CustomerManagedPolicyReference) -> CustomerManagedPolicy {
    CustomerManagedPolicy {
        name: r.name().to_string(),
        path: r.path().unwrap_or("/").to_string(),
    }
}

pub(crate) async fn list_permission_sets(
    aws: &Aws,
    instance: &str,
) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        aws.pacer.ssoadmin().await;
        let page = aws
            .ssoadmin
            .list_permission_sets()
            .instance_arn(instance)
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("sso:ListPermissionSets", e))?;
        let items = page.permission_sets().to_vec();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

pub(crate) async fn describe_permission_set(
    aws: &Aws,
    instance: &str,
    arn: &str,
) -> Result<PermissionSet, AwsError> {
    aws.pacer.ssoadmin().await;
    let out = aws
        .ssoadmin
        .describe_permission_set()
        .instance_arn(instance)
        .permission_set_arn(arn)
        .send()
        .await
        .map_err(|e| classify("sso:DescribePermissionSet", e))?;
    let ps = out.permission_set();
    Ok(PermissionSet {
        arn: arn.to_string(),
        name: ps.and_then(|p| p.name()).unwrap_or_default().to_string(),
        description: ps
            .and_then(|p| p.description())
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        session_duration: ps.and_then(|p| p.session_duration()).map(str::to_string),
        relay_state: ps
            .and_then(|p| p.relay_state())
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    })
}

pub(crate) async fn list_managed_policies(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<BTreeSet<String>, AwsError> {
    let arns = all_pages(|token| async move {
        aws.pacer.ssoadmin().await;
        let page = aws
            .ssoadmin
            .list_managed_policies_in_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("sso:ListManagedPoliciesInPermissionSet", e))?;
        let items: Vec<_> = page
            .attached_managed_policies()
            .iter()
            .filter_map(|p| p.arn())
            .map(str::to_string)
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await?;
    Ok(arns.into_iter().collect())
}

pub(crate) async fn list_customer_managed_policies(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<BTreeSet<CustomerManagedPolicy>, AwsError> {
    let refs = all_pages(|token| async move {
        aws.pacer.ssoadmin().await;
        let page = aws
            .ssoadmin
            .list_customer_managed_policy_references_in_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("sso:ListCustomerManagedPolicyReferencesInPermissionSet", e))?;
        let items: Vec<_> = page
            .customer_managed_policy_references()
            .iter()
            .map(cmp_from)
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await?;
    Ok(refs.into_iter().collect())
}

pub(crate) async fn get_inline_policy(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<Option<String>, AwsError> {
    aws.pacer.ssoadmin().await;
    let out = aws
        .ssoadmin
        .get_inline_policy_for_permission_set()
        .instance_arn(instance)
        .permission_set_arn(ps)
        .send()
        .await
        .map_err(|e| classify("sso:GetInlinePolicyForPermissionSet", e))?;
    Ok(out
        .inline_policy()
        .filter(|p| !p.trim().is_empty())
        .map(str::to_string))
}

/// `Ok(None)`: no boundary. `Err` with [`AwsErrorKind::Unsupported`]: the
/// endpoint cannot say (a local stand-in without this API).
pub(crate) async fn get_permissions_boundary(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<Option<Boundary>, AwsError> {
    aws.pacer.ssoadmin().await;
    match aws
        .ssoadmin
        .get_permissions_boundary_for_permission_set()
        .instance_arn(instance)
        .permission_set_arn(ps)
        .customize()
        .config_override(few_retries!(aws_sdk_ssoadmin))
        .send()
        .await
    {
        Ok(out) => Ok(out.permissions_boundary().and_then(|b| {
            if let Some(arn) = b.managed_policy_arn() {
                Some(Boundary::Managed(arn.to_string()))
            } else {
                b.customer_managed_policy_reference()
                    .map(|r| Boundary::CustomerManaged(cmp_from(r)))
            }
        })),
        Err(e) => {
            let e = classify("sso:GetPermissionsBoundaryForPermissionSet", e);
            if e.kind == AwsErrorKind::NotFound {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// The tag every permission set ssosetup creates carries: prune removes
/// only sets that carry it.
pub(crate) const MANAGED_TAG: &str = "ssosetup:managed";

pub(crate) async fn create_permission_set(
    aws: &Aws,
    instance: &str,
    name: &str,
    fields: &PermissionSetFields,
) -> Result<String, AwsError> {
    change_checked(
        || async {
            aws.pacer.ssoadmin().await;
            let out = aws
                .ssoadmin
                .create_permission_set()
                .instance_arn(instance)
                .name(name)
                .set_description(fields.description.clone())
                // Always sent: AWS's default differs by client, and moto answers
                // a number without it that the SDK cannot parse.
                .session_duration(&fields.session_duration)
                .set_relay_state(fields.relay_state.clone())
                .tags(
                    aws_sdk_ssoadmin::types::Tag::builder()
                        .key(MANAGED_TAG)
                        .value("true")
                        .build()
                        .expect("key and value are set"),
                )
                .customize()
                .config_override(no_sdk_retries!(aws_sdk_ssoadmin))
                .send()
                .await
                .map_err(|e| classify("sso:CreatePermissionSet", e))?;
            Ok(out
                .permission_set()
                .and_then(|p| p.permission_set_arn())
                .unwrap_or_default()
                .to_string())
        },
        || async {
            // Made after all (the answer was lost)? Find it by name.
            for arn in list_permission_sets(aws, instance).await? {
                if describe_permission_set(aws, instance, &arn).await?.name == name {
                    return Ok(Some(arn));
                }
            }
            Ok(None)
        },
    )
    .await
}

/// UpdatePermissionSet clears what it is not sent: every field is sent.
pub(crate) async fn update_permission_set(
    aws: &Aws,
    instance: &str,
    ps: &str,
    fields: &PermissionSetFields,
) -> Result<(), AwsError> {
    retry_conflicts(|| async {
        aws.pacer.ssoadmin().await;
        aws.ssoadmin
            .update_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .set_description(fields.description.clone())
            .session_duration(&fields.session_duration)
            .set_relay_state(fields.relay_state.clone())
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("sso:UpdatePermissionSet", e))
    })
    .await
}

pub(crate) async fn attach_managed_policy(
    aws: &Aws,
    instance: &str,
    ps: &str,
    arn: &str,
) -> Result<(), AwsError> {
    change_checked(
        || async {
            aws.pacer.ssoadmin().await;
            aws.ssoadmin
                .attach_managed_policy_to_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
                .managed_policy_arn(arn)
                .customize()
                .config_override(no_sdk_retries!(aws_sdk_ssoadmin))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("sso:AttachManagedPolicyToPermissionSet", e))
        },
        || async {
            Ok(list_managed_policies(aws, instance, ps)
                .await?
                .contains(arn)
                .then_some(()))
        },
    )
    .await
}

pub(crate) async fn detach_managed_policy(
    aws: &Aws,
    instance: &str,
    ps: &str,
    arn: &str,
) -> Result<(), AwsError> {
    change_checked(
        || async {
            aws.pacer.ssoadmin().await;
            aws.ssoadmin
                .detach_managed_policy_from_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
                .managed_policy_arn(arn)
                .customize()
                .config_override(no_sdk_retries!(aws_sdk_ssoadmin))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("sso:DetachManagedPolicyFromPermissionSet", e))
        },
        || async {
            Ok((!list_managed_policies(aws, instance, ps)
                .await?
                .contains(arn))
            .then_some(()))
        },
    )
    .await
}

pub(crate) async fn attach_customer_managed_policy(
    aws: &Aws,
    instance: &str,
    ps: &str,
    policy: &CustomerManagedPolicy,
) -> Result<(), AwsError> {
    change_checked(
        || async {
            aws.pacer.ssoadmin().await;
            aws.ssoadmin
                .attach_customer_managed_policy_reference_to_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
                .customer_managed_policy_reference(cmp_reference(policy))
                .customize()
                .config_override(no_sdk_retries!(aws_sdk_ssoadmin))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("sso:AttachCustomerManagedPolicyReferenceToPermissionSet", e))
        },
        || async {
            Ok(list_customer_managed_policies(aws, instance, ps)
                .await?
                .contains(policy)
                .then_some(()))
        },
    )
    .await
}

pub(crate) async fn detach_customer_managed_policy(
    aws: &Aws,
    instance: &str,
    ps: &str,
    policy: &CustomerManagedPolicy,
) -> Result<(), AwsError> {
    change_checked(
        || async {
            aws.pacer.ssoadmin().await;
            aws.ssoadmin
                .detach_customer_managed_policy_reference_from_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
                .customer_managed_policy_reference(cmp_reference(policy))
                .customize()
                .config_override(no_sdk_retries!(aws_sdk_ssoadmin))
                .send()
                .await
                .map(drop)
                .map_err(|e| {
                    classify(
                        "sso:DetachCustomerManagedPolicyReferenceFromPermissionSet",
                        e,
                    )
                })
        },
        || async {
            Ok((!list_customer_managed_policies(aws, instance, ps)
                .await?
                .contains(policy))
            .then_some(()))
        },
    )
    .await
}

pub(crate) async fn put_inline_policy(
    aws: &Aws,
    instance: &str,
    ps: &str,
    document: &str,
) -> Result<(), AwsError> {
    retry_conflicts(|| async {
        aws.pacer.ssoadmin().await;
        aws.ssoadmin
            .put_inline_policy_to_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .inline_policy(document)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("sso:PutInlinePolicyToPermissionSet", e))
    })
    .await
}

pub(crate) async fn delete_inline_policy(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<(), AwsError> {
    retry_conflicts(|| async {
        aws.pacer.ssoadmin().await;
        aws.ssoadmin
            .delete_inline_policy_from_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("sso:DeleteInlinePolicyFromPermissionSet", e))
    })
    .await
}

pub(crate) async fn put_permissions_boundary(
    aws: &Aws,
    instance: &str,
    ps: &str,
    boundary: &Boundary,
) -> Result<(), AwsError> {
    let sdk_boundary = match boundary {
        Boundary::Managed(arn) => PermissionsBoundary::builder()
            .managed_policy_arn(arn)
            .build(),
        Boundary::CustomerManaged(p) => PermissionsBoundary::builder()
            .customer_managed_policy_reference(cmp_reference(p))
            .build(),
    };
    retry_conflicts(|| async {
        aws.pacer.ssoadmin().await;
        aws.ssoadmin
            .put_permissions_boundary_to_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .permissions_boundary(sdk_boundary.clone())
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("sso:PutPermissionsBoundaryToPermissionSet", e))
    })
    .await
}

pub(crate) async fn delete_permissions_boundary(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<(), AwsError> {
    retry_conflicts(|| async {
        aws.pacer.ssoadmin().await;
        aws.ssoadmin
            .delete_permissions_boundary_from_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("sso:DeletePermissionsBoundaryFromPermissionSet", e))
    })
    .await
}

pub(crate) async fn list_accounts_for_provisioned_permission_set(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        aws.pacer.ssoadmin().await;
        let page = aws
            .ssoadmin
            .list_accounts_for_provisioned_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("sso:ListAccountsForProvisionedPermissionSet", e))?;
        let items = page.account_ids().to_vec();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// Re-provisions `ps` to every account it is provisioned to.
pub(crate) async fn provision_permission_set(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<AsyncStatus, AwsError> {
    retry_conflicts(|| async {
        aws.pacer.ssoadmin().await;
        let out = aws
            .ssoadmin
            .provision_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .target_type(ProvisionTargetType::AllProvisionedAccounts)
            .send()
            .await
            .map_err(|e| classify("sso:ProvisionPermissionSet", e))?;
        let s = out.permission_set_provisioning_status();
        Ok(async_status(
            s.and_then(|s| s.status()),
            s.and_then(|s| s.request_id()),
            s.and_then(|s| s.failure_reason()),
        ))
    })
    .await
}

pub(crate) async fn describe_provisioning_status(
    aws: &Aws,
    instance: &str,
    request_id: &str,
) -> Result<AsyncStatus, AwsError> {
    aws.pacer.ssoadmin().await;
    let out = aws
        .ssoadmin
        .describe_permission_set_provisioning_status()
        .instance_arn(instance)
        .provision_permission_set_request_id(request_id)
        .send()
        .await
        .map_err(|e| classify("sso:DescribePermissionSetProvisioningStatus", e))?;
    let s = out.permission_set_provisioning_status();
    Ok(async_status(
        s.and_then(|s| s.status()),
        Some(request_id),
        s.and_then(|s| s.failure_reason()),
    ))
}

/// The principals that hold `ps` on `account`.
pub(crate) async fn list_account_assignments(
    aws: &Aws,
    instance: &str,
    account: &str,
    ps: &str,
) -> Result<Vec<Principal>, AwsError> {
    all_pages(|token| async move {
        aws.pacer.ssoadmin().await;
        let page = aws
            .ssoadmin
            .list_account_assignments()
            .instance_arn(instance)
            .account_id(account)
            .permission_set_arn(ps)
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("sso:ListAccountAssignments", e))?;
        let items: Vec<_> = page
            .account_assignments()
            .iter()
            .filter_map(|a| {
                Principal::from_aws(
                    a.principal_type().map(|t| t.as_str()).unwrap_or_default(),
                    a.principal_id().unwrap_or_default(),
                )
            })
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

pub(crate) async fn create_group_assignment(
    aws: &Aws,
    instance: &str,
    account: &str,
    ps: &str,
    group_id: &str,
) -> Result<AsyncStatus, AwsError> {
    change_checked(
        || async {
            aws.pacer.ssoadmin().await;
            let out = aws
                .ssoadmin
                .create_account_assignment()
                .instance_arn(instance)
                .target_id(account)
                .target_type(TargetType::AwsAccount)
                .permission_set_arn(ps)
                .principal_type(PrincipalType::Group)
                .principal_id(group_id)
                .customize()
                .config_override(no_sdk_retries!(aws_sdk_ssoadmin))
                .send()
                .await
                .map_err(|e| classify("sso:CreateAccountAssignment", e))?;
            let s = out.account_assignment_creation_status();
            Ok(async_status(
                s.and_then(|s| s.status()),
                s.and_then(|s| s.request_id()),
                s.and_then(|s| s.failure_reason()),
            ))
        },
        // The API accepts duplicates: never create again what is there.
        || async {
            let holders = list_account_assignments(aws, instance, account, ps).await?;
            Ok(holders
                .contains(&Principal::Group(GroupId::new(group_id)))
                .then_some(AsyncStatus::Succeeded))
        },
    )
    .await
}

/// What `principal` holds directly: its assignments.
pub(crate) async fn list_account_assignments_for_principal(
    aws: &Aws,
    instance: &str,
    principal: &Principal,
) -> Result<Vec<Assignment>, AwsError> {
    all_pages(|token| async move {
        aws.pacer.ssoadmin().await;
        let page = aws
            .ssoadmin
            .list_account_assignments_for_principal()
            .instance_arn(instance)
            .principal_type(PrincipalType::from(principal.kind().as_aws()))
            .principal_id(principal.id())
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("sso:ListAccountAssignmentsForPrincipal", e))?;
        let items: Vec<_> = page
            .account_assignments()
            .iter()
            .map(|a| Assignment {
                principal: principal.clone(),
                permission_set: PermissionSetArn::new(a.permission_set_arn().unwrap_or_default()),
                account: AccountId::from_aws(a.account_id().unwrap_or_default()),
            })
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// Whether permission set `ps` carries ssosetup's [`MANAGED_TAG`].
pub(crate) async fn made_by_ssosetup(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<bool, AwsError> {
    let tags = tags_of(aws, instance, ps).await?;
    Ok(tags.iter().any(|(k, v)| k == MANAGED_TAG && v == "true"))
}

/// The tags of permission set `ps` (sso:ListTagsForResource).
pub(crate) async fn tags_of(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    all_pages(|token| async move {
        aws.pacer.ssoadmin().await;
        let page = aws
            .ssoadmin
            .list_tags_for_resource()
            .instance_arn(instance)
            .resource_arn(ps)
            .set_next_token(token)
            .customize()
            .config_override(few_retries!(aws_sdk_ssoadmin))
            .send()
            .await
            .map_err(|e| classify("sso:ListTagsForResource", e))?;
        let items: Vec<_> = page
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// Deletes an assignment and waits until AWS says it is gone; one already
/// gone counts as deleted.
pub(crate) async fn delete_assignment(
    aws: &Aws,
    instance: &str,
    assignment: &Assignment,
) -> Result<(), AwsError> {
    let status = retry_conflicts(|| async {
        aws.pacer.ssoadmin().await;
        let out = aws
            .ssoadmin
            .delete_account_assignment()
            .instance_arn(instance)
            .target_id(assignment.account.as_str())
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(assignment.permission_set.as_str())
            .principal_type(PrincipalType::from(assignment.principal.kind().as_aws()))
            .principal_id(assignment.principal.id())
            .send()
            .await
            .map_err(|e| classify("sso:DeleteAccountAssignment", e))?;
        let s = out.account_assignment_deletion_status();
        Ok(async_status(
            s.and_then(|s| s.status()),
            s.and_then(|s| s.request_id()),
            s.and_then(|s| s.failure_reason()),
        ))
    })
    .await;
    let status = match status {
        Err(e) if e.kind == AwsErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    let status = match status {
        AsyncStatus::InProgress(request_id) => {
            aws.deletions
                .wait(aws, instance, &request_id, || ())
                .await?
        }
        done => done,
    };
    match status {
        AsyncStatus::Succeeded => Ok(()),
        AsyncStatus::Failed(reason) => Err(AwsError {
            action: "sso:DeleteAccountAssignment",
            kind: AwsErrorKind::Other,
            code: Some("FAILED".into()),
            message: reason,
        }),
        AsyncStatus::InProgress(_) => Err(AwsError {
            action: "sso:DeleteAccountAssignment",
            kind: AwsErrorKind::Other,
            code: None,
            message: "the deletion is still IN_PROGRESS after ten minutes".into(),
        }),
    }
}

pub(crate) async fn delete_permission_set(
    aws: &Aws,
    instance: &str,
    ps: &str,
) -> Result<(), AwsError> {
    match retry_conflicts(|| async {
        aws.pacer.ssoadmin().await;
        aws.ssoadmin
            .delete_permission_set()
            .instance_arn(instance)
            .permission_set_arn(ps)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("sso:DeletePermissionSet", e))
    })
    .await
    {
        Err(e) if e.kind == AwsErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// The permission sets provisioned to `account` (AWS provisions a set to an
/// account when it is assigned there).
pub(crate) async fn permission_sets_provisioned_to(
    aws: &Aws,
    instance: &str,
    account: &str,
) -> Result<Vec<PermissionSetArn>, AwsError> {
    all_pages(|token| async move {
        aws.pacer.ssoadmin().await;
        let page = aws
            .ssoadmin
            .list_permission_sets_provisioned_to_account()
            .instance_arn(instance)
            .account_id(account)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("sso:ListPermissionSetsProvisionedToAccount", e))?;
        let items: Vec<_> = page
            .permission_sets()
            .iter()
            .map(PermissionSetArn::new)
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}
