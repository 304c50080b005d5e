//! The Identity Center identity store: groups, users, memberships.
//! Listing is by pages of 100 (one call per page), not one lookup per name.

use super::{all_pages, classify, Aws, AwsError, AwsErrorKind};
use crate::model::{Group, IdentityStoreApi, NewUser, User, UserChange, UserField};
use aws_sdk_identitystore::types::{
    AlternateIdentifier, AttributeOperation, Email, MemberId, Name, UniqueAttribute,
};
use aws_smithy_types::Document;

pub(crate) async fn list_groups(aws: &Aws, store: &str) -> Result<Vec<Group>, AwsError> {
    all_pages(|token| async move {
        aws.pacer.identitystore(IdentityStoreApi::ListGroups).await;
        let page = aws
            .identitystore
            .list_groups()
            .identity_store_id(store)
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("identitystore:ListGroups", e))?;
        let items: Vec<_> = page
            .groups()
            .iter()
            .map(|g| Group {
                id: g.group_id().to_string(),
                display_name: g.display_name().unwrap_or_default().to_string(),
                description: g.description().map(str::to_string),
            })
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

async fn get_group_id(
    aws: &Aws,
    store: &str,
    display_name: &str,
) -> Result<Option<String>, AwsError> {
    aws.pacer.identitystore(IdentityStoreApi::GetGroupId).await;
    let attribute = UniqueAttribute::builder()
        .attribute_path("displayName")
        .attribute_value(Document::String(display_name.to_string()))
        .build()
        .expect("path and value are set");
    match aws
        .identitystore
        .get_group_id()
        .identity_store_id(store)
        .alternate_identifier(AlternateIdentifier::UniqueAttribute(attribute))
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.group_id().to_string())),
        Err(e) => {
            let e = classify("identitystore:GetGroupId", e);
            if e.kind == AwsErrorKind::NotFound {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// Creates a group; when one of that name appeared meanwhile (a conflict),
/// returns its id instead, so a re-run or a race never makes a duplicate.
pub(crate) async fn create_group(
    aws: &Aws,
    store: &str,
    display_name: &str,
    description: &str,
) -> Result<String, AwsError> {
    super::change_checked(
        || async {
            aws.pacer.identitystore(IdentityStoreApi::CreateGroup).await;
            aws.identitystore
                .create_group()
                .identity_store_id(store)
                .display_name(display_name)
                .description(description)
                .customize()
                .config_override(super::no_sdk_retries!(aws_sdk_identitystore))
                .send()
                .await
                .map(|out| out.group_id().to_string())
                .map_err(|e| classify("identitystore:CreateGroup", e))
        },
        // UNIQUENESS_CONSTRAINT_VIOLATION or a lost answer: it exists; adopt
        // it. CONCURRENT_MODIFICATION: nothing there yet; tried again.
        || get_group_id(aws, store, display_name),
    )
    .await
}

pub(crate) async fn list_users(aws: &Aws, store: &str) -> Result<Vec<User>, AwsError> {
    all_pages(|token| async move {
        aws.pacer.identitystore(IdentityStoreApi::ListUsers).await;
        let page = aws
            .identitystore
            .list_users()
            .identity_store_id(store)
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("identitystore:ListUsers", e))?;
        let items: Vec<_> = page
            .users()
            .iter()
            .map(|u| User {
                id: u.user_id().to_string(),
                user_name: u.user_name().unwrap_or_default().to_string(),
                display_name: u.display_name().map(str::to_string),
                given_name: u.name().and_then(|n| n.given_name()).map(str::to_string),
                family_name: u.name().and_then(|n| n.family_name()).map(str::to_string),
                email: u
                    .emails()
                    .iter()
                    .find(|e| e.primary())
                    .or(u.emails().first())
                    .and_then(|e| e.value())
                    .map(str::to_string),
                status: u.user_status().map(|s| s.as_str().to_string()),
            })
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// Every user with every attribute the hand-over to IaC needs.
pub(crate) async fn list_user_details(
    aws: &Aws,
    store: &str,
    partition: &str,
) -> Result<Vec<crate::model::UserDetail>, AwsError> {
    use crate::model::{Contact, PostalAddress, UserDetail, UserName};
    all_pages(|token| async move {
        aws.pacer.identitystore(IdentityStoreApi::ListUsers).await;
        let page = aws
            .identitystore
            .list_users()
            .identity_store_id(store)
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("identitystore:ListUsers", e))?;
        let s = |v: Option<&str>| v.map(str::to_string);
        let items: Vec<_> = page
            .users()
            .iter()
            .map(|u| UserDetail {
                id: u.user_id().to_string(),
                arn: if u.user_arn().is_empty() {
                    // The form AWS documents, for an endpoint that leaves it out.
                    format!("arn:{partition}:identitystore:::user/{}", u.user_id())
                } else {
                    u.user_arn().to_string()
                },
                user_name: u.user_name().unwrap_or_default().to_string(),
                display_name: s(u.display_name()),
                name: u.name().map(|n| UserName {
                    formatted: s(n.formatted()),
                    family_name: s(n.family_name()),
                    given_name: s(n.given_name()),
                    middle_name: s(n.middle_name()),
                    honorific_prefix: s(n.honorific_prefix()),
                    honorific_suffix: s(n.honorific_suffix()),
                }),
                emails: u
                    .emails()
                    .iter()
                    .map(|e| Contact {
                        value: s(e.value()),
                        kind: s(e.r#type()),
                        primary: e.primary(),
                    })
                    .collect(),
                phone_numbers: u
                    .phone_numbers()
                    .iter()
                    .map(|p| Contact {
                        value: s(p.value()),
                        kind: s(p.r#type()),
                        primary: p.primary(),
                    })
                    .collect(),
                addresses: u
                    .addresses()
                    .iter()
                    .map(|a| PostalAddress {
                        street_address: s(a.street_address()),
                        locality: s(a.locality()),
                        region: s(a.region()),
                        postal_code: s(a.postal_code()),
                        country: s(a.country()),
                        formatted: s(a.formatted()),
                        kind: s(a.r#type()),
                        primary: a.primary(),
                    })
                    .collect(),
                nick_name: s(u.nick_name()),
                profile_url: s(u.profile_url()),
                user_type: s(u.user_type()),
                title: s(u.title()),
                preferred_language: s(u.preferred_language()),
                locale: s(u.locale()),
                timezone: s(u.timezone()),
                website: s(u.website()),
                birthdate: s(u.birthdate()),
                photos: u.photos().len(),
                roles: u.roles().len(),
            })
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// The id of user `user_name`, if it exists.
pub(crate) async fn get_user_id(
    aws: &Aws,
    store: &str,
    user_name: &str,
) -> Result<Option<String>, AwsError> {
    aws.pacer.identitystore(IdentityStoreApi::GetUserId).await;
    let attribute = UniqueAttribute::builder()
        .attribute_path("userName")
        .attribute_value(Document::String(user_name.to_string()))
        .build()
        .expect("path and value are set");
    match aws
        .identitystore
        .get_user_id()
        .identity_store_id(store)
        .alternate_identifier(AlternateIdentifier::UniqueAttribute(attribute))
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.user_id().to_string())),
        Err(e) => {
            let e = classify("identitystore:GetUserId", e);
            if e.kind == AwsErrorKind::NotFound {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// Creates a user; a user of that name made meanwhile is adopted.
pub(crate) async fn create_user(
    aws: &Aws,
    store: &str,
    user: &NewUser,
) -> Result<String, AwsError> {
    super::change_checked(
        || async {
            aws.pacer.identitystore(IdentityStoreApi::CreateUser).await;
            aws.identitystore
                .create_user()
                .identity_store_id(store)
                .user_name(&user.user_name)
                .display_name(&user.display_name)
                .name(
                    Name::builder()
                        .given_name(&user.given_name)
                        .family_name(&user.family_name)
                        .build(),
                )
                .emails(
                    Email::builder()
                        .value(&user.email)
                        .r#type("work")
                        .primary(true)
                        .build(),
                )
                .customize()
                .config_override(super::no_sdk_retries!(aws_sdk_identitystore))
                .send()
                .await
                .map(|out| out.user_id().to_string())
                .map_err(|e| classify("identitystore:CreateUser", e))
        },
        || get_user_id(aws, store, &user.user_name),
    )
    .await
}

/// The user ids in group `group_id`.
pub(crate) async fn list_group_members(
    aws: &Aws,
    store: &str,
    group_id: &str,
) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        aws.pacer
            .identitystore(IdentityStoreApi::ListGroupMemberships)
            .await;
        let page = aws
            .identitystore
            .list_group_memberships()
            .identity_store_id(store)
            .group_id(group_id)
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("identitystore:ListGroupMemberships", e))?;
        let items: Vec<_> = page
            .group_memberships()
            .iter()
            .filter_map(|m| match m.member_id() {
                Some(MemberId::UserId(id)) => Some(id.clone()),
                _ => None,
            })
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// The ids of the groups `user_id` is a member of.
pub(crate) async fn list_memberships_of(
    aws: &Aws,
    store: &str,
    user_id: &str,
) -> Result<Vec<String>, AwsError> {
    all_pages(|token| async move {
        aws.pacer
            .identitystore(IdentityStoreApi::ListGroupMembershipsForMember)
            .await;
        let page = aws
            .identitystore
            .list_group_memberships_for_member()
            .identity_store_id(store)
            .member_id(MemberId::UserId(user_id.to_string()))
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("identitystore:ListGroupMembershipsForMember", e))?;
        let items: Vec<_> = page
            .group_memberships()
            .iter()
            .filter_map(|m| m.group_id())
            .map(str::to_string)
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// `(group id, membership id)` of every group `user_id` is in.
pub(crate) async fn memberships_of(
    aws: &Aws,
    store: &str,
    user_id: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    all_pages(|token| async move {
        aws.pacer
            .identitystore(IdentityStoreApi::ListGroupMembershipsForMember)
            .await;
        let page = aws
            .identitystore
            .list_group_memberships_for_member()
            .identity_store_id(store)
            .member_id(MemberId::UserId(user_id.to_string()))
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("identitystore:ListGroupMembershipsForMember", e))?;
        let items: Vec<_> = page
            .group_memberships()
            .iter()
            .filter_map(|m| Some((m.group_id()?.to_string(), m.membership_id().to_string())))
            .collect();
        Ok((items, page.next_token().map(str::to_string)))
    })
    .await
}

/// Removes a membership; one already gone counts as removed.
pub(crate) async fn delete_membership(
    aws: &Aws,
    store: &str,
    membership_id: &str,
) -> Result<(), AwsError> {
    gone_is_done(
        super::retry_conflicts(|| async {
            aws.pacer
                .identitystore(IdentityStoreApi::DeleteGroupMembership)
                .await;
            aws.identitystore
                .delete_group_membership()
                .identity_store_id(store)
                .membership_id(membership_id)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("identitystore:DeleteGroupMembership", e))
        })
        .await,
    )
}

/// Deletes a group (its memberships go with it); one already gone counts.
pub(crate) async fn delete_group(aws: &Aws, store: &str, group_id: &str) -> Result<(), AwsError> {
    gone_is_done(
        super::retry_conflicts(|| async {
            aws.pacer.identitystore(IdentityStoreApi::DeleteGroup).await;
            aws.identitystore
                .delete_group()
                .identity_store_id(store)
                .group_id(group_id)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("identitystore:DeleteGroup", e))
        })
        .await,
    )
}

/// Deletes a user; one already gone counts as deleted.
pub(crate) async fn delete_user(aws: &Aws, store: &str, user_id: &str) -> Result<(), AwsError> {
    gone_is_done(
        super::retry_conflicts(|| async {
            aws.pacer.identitystore(IdentityStoreApi::DeleteUser).await;
            aws.identitystore
                .delete_user()
                .identity_store_id(store)
                .user_id(user_id)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("identitystore:DeleteUser", e))
        })
        .await,
    )
}

/// A deletion whose target is already gone has done its job (a repeat, or
/// a lost answer).
fn gone_is_done(r: Result<(), AwsError>) -> Result<(), AwsError> {
    match r {
        Err(e) if e.kind == AwsErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Adds `user_id` to `group_id`; an existing membership (a conflict that is
/// not a concurrent modification) counts as done.
pub(crate) async fn create_membership(
    aws: &Aws,
    store: &str,
    group_id: &str,
    user_id: &str,
) -> Result<(), AwsError> {
    super::change_checked(
        || async {
            aws.pacer
                .identitystore(IdentityStoreApi::CreateGroupMembership)
                .await;
            aws.identitystore
                .create_group_membership()
                .identity_store_id(store)
                .group_id(group_id)
                .member_id(MemberId::UserId(user_id.to_string()))
                .customize()
                .config_override(super::no_sdk_retries!(aws_sdk_identitystore))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("identitystore:CreateGroupMembership", e))
        },
        || async {
            let groups = list_memberships_of(aws, store, user_id).await?;
            Ok(groups.iter().any(|g| g == group_id).then_some(()))
        },
    )
    .await
}

/// Sets the changed attributes of an existing user (UpdateUser with one
/// operation per attribute; the email as the one primary work address).
/// Setting a value again is harmless, so a lost answer is simply retried.
pub(crate) async fn update_user(
    aws: &Aws,
    store: &str,
    user_id: &str,
    changes: &[UserChange],
) -> Result<(), AwsError> {
    let operations: Vec<AttributeOperation> = changes
        .iter()
        .map(|c| {
            let (path, value) = match c.field {
                UserField::DisplayName => ("displayName", Document::String(c.to.clone())),
                UserField::GivenName => ("name.givenName", Document::String(c.to.clone())),
                UserField::FamilyName => ("name.familyName", Document::String(c.to.clone())),
                UserField::Email => (
                    "emails",
                    Document::Array(vec![Document::Object(
                        [
                            ("value".to_string(), Document::String(c.to.clone())),
                            ("type".to_string(), Document::String("work".to_string())),
                            ("primary".to_string(), Document::Bool(true)),
                        ]
                        .into(),
                    )]),
                ),
            };
            AttributeOperation::builder()
                .attribute_path(path)
                .attribute_value(value)
                .build()
                .expect("the path is set")
        })
        .collect();
    super::retry_conflicts(|| async {
        aws.pacer.identitystore(IdentityStoreApi::UpdateUser).await;
        aws.identitystore
            .update_user()
            .identity_store_id(store)
            .user_id(user_id)
            .set_operations(Some(operations.clone()))
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("identitystore:UpdateUser", e))
    })
    .await
}
