//! IAM: the root user's summary and credential report, legacy IAM users
//! (inventory, ordered deletion, restore), and centralized root access.
//!
//! IAM has no per-second limit as tight as Identity Center's, and the counts
//! here are small (a few legacy users), so these calls are not paced; the
//! SDK's own retries ride out throttling. Deletions are safe to repeat: a
//! dependent that is already gone (`NoSuchEntity`) counts as removed.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{all_pages, classify, few_retries, Aws, AwsError, AwsErrorKind};
use crate::model::{
    AccessKey, CredentialReport, Dependent, IamUser, InlinePolicy, KeyHolder, MfaDevice, PublicKey,
    RootSummary, ServiceCredential, UserSummary,
};
use aws_sdk_iam::types::{StatusType, SummaryKeyType, Tag};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

type Iam = aws_sdk_iam::Client;

fn time(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

pub(crate) async fn account_summary(iam: &Iam) -> Result<RootSummary, AwsError> {
    let out = iam
        .get_account_summary()
        .send()
        .await
        .map_err(|e| classify("iam:GetAccountSummary", e))?;
    let map = out.summary_map().cloned().unwrap_or_default();
    let on = |k: SummaryKeyType| map.get(&k).copied().unwrap_or(0) > 0;
    Ok(RootSummary {
        access_keys: on(SummaryKeyType::AccountAccessKeysPresent),
        mfa: on(SummaryKeyType::AccountMfaEnabled),
        password: on(SummaryKeyType::AccountPasswordPresent),
        signing_certificates: on(SummaryKeyType::AccountSigningCertificatesPresent),
    })
}

/// Reads the credential report, generating one (when `generate`) if there
/// is none or the one there is older than four hours (AWS makes at most one
/// per four hours and answers `ReportExpired` after that), and waiting
/// while AWS builds it. A dry run does not generate: the report is a new
/// object in the account.
pub(crate) async fn credential_report(
    iam: &Iam,
    generate: bool,
) -> Result<CredentialReport, AwsError> {
    let mut generated = false;
    let mut delay = Duration::from_millis(500);
    for _ in 0..30 {
        match iam.get_credential_report().send().await {
            Ok(out) => {
                let content = out
                    .content()
                    .map(|b| b.as_ref().to_vec())
                    .unwrap_or_default();
                return CredentialReport::parse(time(out.generated_time()), &content).map_err(
                    |why| AwsError {
                        action: "iam:GetCredentialReport",
                        kind: AwsErrorKind::Other,
                        code: None,
                        message: format!("the credential report is not the expected CSV: {why}"),
                    },
                );
            }
            Err(e) => {
                let e = classify("iam:GetCredentialReport", e);
                let missing = e.is("ReportNotPresent") || e.is("ReportExpired");
                if missing && !generate {
                    return Err(AwsError {
                        message: "no credential report from the last four hours; a run without --dry-run generates one".into(),
                        ..e
                    });
                }
                if missing && !generated {
                    iam.generate_credential_report()
                        .send()
                        .await
                        .map_err(|e| classify("iam:GenerateCredentialReport", e))?;
                    generated = true;
                } else if !(e.is("ReportInProgress") || e.is("ReportNotPresent")) {
                    return Err(e);
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(4));
            }
        }
    }
    Err(AwsError {
        action: "iam:GetCredentialReport",
        kind: AwsErrorKind::Other,
        code: Some("ReportInProgress".into()),
        message: "AWS was still building the credential report after a minute".into(),
    })
}

pub(crate) async fn list_users(iam: &Iam) -> Result<Vec<UserSummary>, AwsError> {
    all_pages(|marker| async {
        let page = iam
            .list_users()
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListUsers", e))?;
        let users = page
            .users()
            .iter()
            .map(|u| UserSummary {
                user_name: u.user_name().to_string(),
                arn: u.arn().to_string(),
                path: u.path().to_string(),
                created: time(Some(u.create_date())),
                password_last_used: time(u.password_last_used()),
            })
            .collect();
        Ok((users, next(page.marker(), page.is_truncated())))
    })
    .await
}

/// The marker of the next page, if IAM says there is one.
fn next(marker: Option<&str>, truncated: bool) -> Option<String> {
    marker.filter(|_| truncated).map(str::to_string)
}

fn not_found_is_none<T>(r: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == AwsErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads everything attached to `user_name`; `None` when there is no such user.
pub(crate) async fn inventory(aws: &Aws, user_name: &str) -> Result<Option<IamUser>, AwsError> {
    let iam = &aws.iam;
    let user = match not_found_is_none(
        iam.get_user()
            .user_name(user_name)
            .send()
            .await
            .map_err(|e| classify("iam:GetUser", e)),
    )? {
        Some(out) => match out.user {
            Some(u) => u,
            None => return Ok(None),
        },
        None => return Ok(None),
    };
    let (login, keys, mfa, groups, attached, inline, tags, ssh, certs, service) = futures::try_join!(
        has_login_profile(iam, Some(user_name)),
        list_access_keys(iam, Some(user_name), true),
        list_mfa_devices(iam, Some(user_name)),
        groups_of(iam, user_name),
        attached_policies(iam, user_name),
        inline_policies(iam, user_name),
        user_tags(iam, user_name),
        ssh_public_keys(iam, user_name),
        signing_certificates(iam, Some(user_name)),
        aws.optional_read(
            "iam:ListServiceSpecificCredentials",
            "service-specific credentials are left out of inventories and backups",
            || service_specific_credentials(iam, user_name),
        ),
    )?;
    Ok(Some(IamUser {
        user_name: user.user_name().to_string(),
        user_id: user.user_id().to_string(),
        arn: user.arn().to_string(),
        path: user.path().to_string(),
        created: time(Some(user.create_date())),
        console_password: login,
        password_last_used: time(user.password_last_used()),
        access_keys: keys,
        mfa_devices: mfa,
        groups,
        attached_policies: attached,
        inline_policies: inline,
        tags,
        permissions_boundary: user
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        ssh_public_keys: ssh,
        signing_certificates: certs,
        service_specific_credentials: service,
    }))
}

/// A user's long-lived credentials only (password, keys with their last
/// use, how many MFA devices): GetLoginProfile, ListAccessKeys,
/// GetAccessKeyLastUsed per key, ListMFADevices. `None`: the user is gone.
pub(crate) async fn key_holder(
    iam: &Iam,
    user: &UserSummary,
) -> Result<Option<KeyHolder>, AwsError> {
    let name = Some(user.user_name.as_str());
    let read = futures::try_join!(
        has_login_profile(iam, name),
        list_access_keys(iam, name, true),
        list_mfa_devices(iam, name),
    );
    let (console_password, access_keys, mfa) = match read {
        Ok(found) => found,
        // Deleted between the listing and now.
        Err(e) if e.kind == AwsErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(KeyHolder {
        user_name: user.user_name.clone(),
        arn: user.arn.clone(),
        created: user.created.clone(),
        console_password,
        password_last_used: user.password_last_used.clone(),
        access_keys,
        mfa_devices: mfa.len(),
    }))
}

/// Switches access key `key` of `user_name` on or off (reversible; the
/// secret stays the same).
pub(crate) async fn set_access_key_status(
    iam: &Iam,
    user_name: &str,
    key: &str,
    active: bool,
) -> Result<(), AwsError> {
    iam.update_access_key()
        .user_name(user_name)
        .access_key_id(key)
        .status(if active {
            StatusType::Active
        } else {
            StatusType::Inactive
        })
        .send()
        .await
        .map(drop)
        .map_err(|e| classify("iam:UpdateAccessKey", e))
}

/// Removes tag `key` from user `user_name` (nothing to do when absent).
pub(crate) async fn untag_user(iam: &Iam, user_name: &str, key: &str) -> Result<(), AwsError> {
    iam.untag_user()
        .user_name(user_name)
        .tag_keys(key)
        .send()
        .await
        .map(drop)
        .map_err(|e| classify("iam:UntagUser", e))
}

/// Whether the user (or, with no name, the session's root user) has a
/// console password.
pub(crate) async fn has_login_profile(
    iam: &Iam,
    user_name: Option<&str>,
) -> Result<bool, AwsError> {
    Ok(not_found_is_none(
        iam.get_login_profile()
            .set_user_name(user_name.map(str::to_string))
            .send()
            .await
            .map_err(|e| classify("iam:GetLoginProfile", e)),
    )?
    .is_some())
}

/// Access keys; with no name, the session's root user's. `with_last_use`
/// adds a GetAccessKeyLastUsed per key (root task sessions are left to the
/// actions their task policy surely allows).
pub(crate) async fn list_access_keys(
    iam: &Iam,
    user_name: Option<&str>,
    with_last_use: bool,
) -> Result<Vec<AccessKey>, AwsError> {
    let listed = all_pages(|marker| async {
        let page = iam
            .list_access_keys()
            .set_user_name(user_name.map(str::to_string))
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListAccessKeys", e))?;
        Ok((
            page.access_key_metadata().to_vec(),
            next(page.marker(), page.is_truncated()),
        ))
    })
    .await?;
    let mut keys = Vec::new();
    for k in listed {
        let id = k.access_key_id().unwrap_or_default().to_string();
        let used = if with_last_use {
            Some(
                iam.get_access_key_last_used()
                    .access_key_id(&id)
                    .send()
                    .await
                    .map_err(|e| classify("iam:GetAccessKeyLastUsed", e))?,
            )
        } else {
            None
        };
        let last = used.as_ref().and_then(|u| u.access_key_last_used());
        keys.push(AccessKey {
            id,
            status: k
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            created: time(k.create_date()),
            last_used: time(last.and_then(|l| l.last_used_date())),
            last_used_service: last
                .map(|l| l.service_name().to_string())
                .filter(|s| s != "N/A"),
            last_used_region: last.map(|l| l.region().to_string()).filter(|s| s != "N/A"),
        });
    }
    Ok(keys)
}

/// MFA devices; with no name, the session's root user's.
pub(crate) async fn list_mfa_devices(
    iam: &Iam,
    user_name: Option<&str>,
) -> Result<Vec<MfaDevice>, AwsError> {
    all_pages(|marker| async {
        let page = iam
            .list_mfa_devices()
            .set_user_name(user_name.map(str::to_string))
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListMFADevices", e))?;
        let devices = page
            .mfa_devices()
            .iter()
            .map(|d| MfaDevice {
                serial: d.serial_number().to_string(),
                virtual_device: d.serial_number().starts_with("arn:")
                    && d.serial_number().contains(":mfa/"),
            })
            .collect();
        Ok((devices, next(page.marker(), page.is_truncated())))
    })
    .await
}

async fn groups_of(iam: &Iam, user_name: &str) -> Result<Vec<String>, AwsError> {
    all_pages(|marker| async {
        let page = iam
            .list_groups_for_user()
            .user_name(user_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListGroupsForUser", e))?;
        let groups = page
            .groups()
            .iter()
            .map(|g| g.group_name().to_string())
            .collect();
        Ok((groups, next(page.marker(), page.is_truncated())))
    })
    .await
}

async fn attached_policies(iam: &Iam, user_name: &str) -> Result<Vec<String>, AwsError> {
    all_pages(|marker| async {
        let page = iam
            .list_attached_user_policies()
            .user_name(user_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListAttachedUserPolicies", e))?;
        let arns = page
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .map(str::to_string)
            .collect();
        Ok((arns, next(page.marker(), page.is_truncated())))
    })
    .await
}

async fn inline_policies(iam: &Iam, user_name: &str) -> Result<Vec<InlinePolicy>, AwsError> {
    let names = all_pages(|marker| async {
        let page = iam
            .list_user_policies()
            .user_name(user_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListUserPolicies", e))?;
        Ok((
            page.policy_names().to_vec(),
            next(page.marker(), page.is_truncated()),
        ))
    })
    .await?;
    let mut policies = Vec::new();
    for name in names {
        let out = iam
            .get_user_policy()
            .user_name(user_name)
            .policy_name(&name)
            .send()
            .await
            .map_err(|e| classify("iam:GetUserPolicy", e))?;
        let document = decode_document(out.policy_document());
        policies.push(InlinePolicy { name, document });
    }
    Ok(policies)
}

async fn user_tags(iam: &Iam, user_name: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let tags = all_pages(|marker| async {
        let page = iam
            .list_user_tags()
            .user_name(user_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListUserTags", e))?;
        let tags = page
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        Ok((tags, next(page.marker(), page.is_truncated())))
    })
    .await?;
    Ok(tags.into_iter().collect())
}

pub(crate) async fn ssh_public_keys(
    iam: &Iam,
    user_name: &str,
) -> Result<Vec<PublicKey>, AwsError> {
    let listed = all_pages(|marker| async {
        let page = iam
            .list_ssh_public_keys()
            .user_name(user_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListSSHPublicKeys", e))?;
        Ok((
            page.ssh_public_keys().to_vec(),
            next(page.marker(), page.is_truncated()),
        ))
    })
    .await?;
    let mut keys = Vec::new();
    for k in listed {
        let body = iam
            .get_ssh_public_key()
            .user_name(user_name)
            .ssh_public_key_id(k.ssh_public_key_id())
            .encoding(aws_sdk_iam::types::EncodingType::Ssh)
            .send()
            .await
            .map_err(|e| classify("iam:GetSSHPublicKey", e))?
            .ssh_public_key()
            .map(|k| k.ssh_public_key_body().to_string());
        keys.push(PublicKey {
            id: k.ssh_public_key_id().to_string(),
            status: k.status().as_str().to_string(),
            body,
        });
    }
    Ok(keys)
}

/// Signing certificates; with no name, the session's root user's.
pub(crate) async fn signing_certificates(
    iam: &Iam,
    user_name: Option<&str>,
) -> Result<Vec<PublicKey>, AwsError> {
    all_pages(|marker| async {
        let page = iam
            .list_signing_certificates()
            .set_user_name(user_name.map(str::to_string))
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListSigningCertificates", e))?;
        let certs = page
            .certificates()
            .iter()
            .map(|c| PublicKey {
                id: c.certificate_id().to_string(),
                status: c.status().as_str().to_string(),
                body: Some(c.certificate_body().to_string()),
            })
            .collect();
        Ok((certs, next(page.marker(), page.is_truncated())))
    })
    .await
}

/// Service-specific credentials (CodeCommit, Keyspaces); a read some
/// stand-ins lack, run through [`Aws::optional_read`].
async fn service_specific_credentials(
    iam: &Iam,
    user_name: &str,
) -> Result<Vec<ServiceCredential>, AwsError> {
    all_pages(|marker| async {
        let page = iam
            .list_service_specific_credentials()
            .user_name(user_name)
            .set_marker(marker)
            .customize()
            .config_override(few_retries!(aws_sdk_iam))
            .send()
            .await
            .map_err(|e| classify("iam:ListServiceSpecificCredentials", e))?;
        let creds = page
            .service_specific_credentials()
            .iter()
            .map(|c| ServiceCredential {
                id: c.service_specific_credential_id().to_string(),
                service: c.service_name().to_string(),
                service_user_name: c.service_user_name().to_string(),
                status: c.status().as_str().to_string(),
            })
            .collect();
        Ok((creds, next(page.marker(), page.is_truncated())))
    })
    .await
}

/// Runs a removal: already gone counts as done; `EntityTemporarilyUnmodifiable`
/// (IAM is still settling an earlier change) is retried with backoff.
pub(crate) async fn removal<F, Fut>(mut call: F) -> Result<(), AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    let mut delay = Duration::from_millis(500);
    for attempt in 1.. {
        match call().await {
            Ok(()) => return Ok(()),
            Err(e) if e.kind == AwsErrorKind::NotFound => return Ok(()),
            Err(e) if e.is("EntityTemporarilyUnmodifiable") && attempt < 8 => {
                tracing::debug!(
                    action = e.action,
                    attempt,
                    "temporarily unmodifiable; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(15));
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

/// Removes one dependent of `user` (or, with `user` `None`, of the session's
/// root user). The order of calls is the caller's business.
/// Long by design: one arm per kind of dependent, each its own IAM call.
pub(crate) async fn remove(
    iam: &Iam,
    user: Option<&str>,
    what: &Dependent,
) -> Result<(), AwsError> {
    let user = user.map(str::to_string);
    removal(|| async {
        match what {
            Dependent::LoginProfile => iam
                .delete_login_profile()
                .set_user_name(user.clone())
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("iam:DeleteLoginProfile", e)),
            Dependent::AccessKey(id) => iam
                .delete_access_key()
                .set_user_name(user.clone())
                .access_key_id(id)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("iam:DeleteAccessKey", e)),
            Dependent::SigningCertificate(id) => iam
                .delete_signing_certificate()
                .set_user_name(user.clone())
                .certificate_id(id)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("iam:DeleteSigningCertificate", e)),
            Dependent::SshPublicKey(id) => iam
                .delete_ssh_public_key()
                .set_user_name(user.clone())
                .ssh_public_key_id(id)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("iam:DeleteSSHPublicKey", e)),
            Dependent::ServiceCredential(id) => iam
                .delete_service_specific_credential()
                .set_user_name(user.clone())
                .service_specific_credential_id(id)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("iam:DeleteServiceSpecificCredential", e)),
            Dependent::Mfa(device) => {
                iam.deactivate_mfa_device()
                    .set_user_name(user.clone())
                    .serial_number(&device.serial)
                    .send()
                    .await
                    .map(drop)
                    .or_else(|e| {
                        // Deactivated by an earlier, interrupted run: go on
                        // to delete the virtual device.
                        let e = classify("iam:DeactivateMFADevice", e);
                        if e.kind == AwsErrorKind::NotFound && device.virtual_device {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })?;
                if device.virtual_device {
                    iam.delete_virtual_mfa_device()
                        .serial_number(&device.serial)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify("iam:DeleteVirtualMFADevice", e))?;
                }
                Ok(())
            }
            Dependent::InlinePolicy(name) => iam
                .delete_user_policy()
                .set_user_name(user.clone())
                .policy_name(name)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("iam:DeleteUserPolicy", e)),
            Dependent::AttachedPolicy(arn) => iam
                .detach_user_policy()
                .set_user_name(user.clone())
                .policy_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("iam:DetachUserPolicy", e)),
            Dependent::Group(name) => iam
                .remove_user_from_group()
                .set_user_name(user.clone())
                .group_name(name)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify("iam:RemoveUserFromGroup", e)),
        }
    })
    .await
}

/// `DeleteUser`; `DeleteConflict` when dependents remain (the caller re-scans).
pub(crate) async fn delete_user(iam: &Iam, user_name: &str) -> Result<(), AwsError> {
    removal(|| async {
        iam.delete_user()
            .user_name(user_name)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("iam:DeleteUser", e))
    })
    .await
}

// ---- restore ----

pub(crate) async fn user_exists(iam: &Iam, user_name: &str) -> Result<bool, AwsError> {
    Ok(not_found_is_none(
        iam.get_user()
            .user_name(user_name)
            .send()
            .await
            .map_err(|e| classify("iam:GetUser", e)),
    )?
    .is_some())
}

pub(crate) async fn group_exists(iam: &Iam, group: &str) -> Result<bool, AwsError> {
    Ok(not_found_is_none(
        iam.get_group()
            .group_name(group)
            .max_items(1)
            .send()
            .await
            .map_err(|e| classify("iam:GetGroup", e)),
    )?
    .is_some())
}

pub(crate) async fn policy_exists(iam: &Iam, arn: &str) -> Result<bool, AwsError> {
    Ok(not_found_is_none(
        iam.get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| classify("iam:GetPolicy", e)),
    )?
    .is_some())
}

/// The tag a restore puts on the user it recreates (value: the backup's
/// time), so an interrupted restore can be resumed and a same-named user
/// made by someone else is never taken over. When the restore has
/// finished, the value gains [`RESTORE_COMPLETE`]: a finished restore is
/// never run again (it would grant again what an administrator may have
/// taken away since).
pub(crate) const RESTORED_FROM_TAG: &str = "ssosetup:restored-from";

/// Set on a user when a two-phase cleanup switches its access keys off:
/// the time (RFC 3339) its wait began. Deleting waits `deactivate_days`
/// from then; a restore of the switched-off keys removes it.
pub(crate) const KEYS_OFF_TAG: &str = "ssosetup:keys-deactivated-at";
pub(crate) const RESTORE_COMPLETE: &str = " complete";

/// Sets tag `key` = `value` on user `user_name` (replacing its value).
pub(crate) async fn tag_user(
    iam: &Iam,
    user_name: &str,
    key: &str,
    value: &str,
) -> Result<(), AwsError> {
    iam.tag_user()
        .user_name(user_name)
        .tags(
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .expect("key and value set"),
        )
        .send()
        .await
        .map(drop)
        .map_err(|e| classify("iam:TagUser", e))
}

/// The managed policy ARNs attached to `group` and its inline policies.
pub(crate) async fn group_policies(
    iam: &Iam,
    group: &str,
) -> Result<(Vec<String>, Vec<InlinePolicy>), AwsError> {
    let attached = all_pages(|marker| async {
        let page = iam
            .list_attached_group_policies()
            .group_name(group)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListAttachedGroupPolicies", e))?;
        let arns = page
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .map(str::to_string)
            .collect();
        Ok((arns, next(page.marker(), page.is_truncated())))
    })
    .await?;
    let names = all_pages(|marker| async {
        let page = iam
            .list_group_policies()
            .group_name(group)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| classify("iam:ListGroupPolicies", e))?;
        Ok((
            page.policy_names().to_vec(),
            next(page.marker(), page.is_truncated()),
        ))
    })
    .await?;
    let mut inline = Vec::new();
    for name in names {
        let out = iam
            .get_group_policy()
            .group_name(group)
            .policy_name(&name)
            .send()
            .await
            .map_err(|e| classify("iam:GetGroupPolicy", e))?;
        inline.push(InlinePolicy {
            name,
            document: decode_document(out.policy_document()),
        });
    }
    Ok((attached, inline))
}

/// The default version's document of a customer managed policy.
pub(crate) async fn policy_document(iam: &Iam, arn: &str) -> Result<Option<String>, AwsError> {
    let Some(policy) = not_found_is_none(
        iam.get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| classify("iam:GetPolicy", e)),
    )?
    .and_then(|out| out.policy) else {
        return Ok(None);
    };
    let Some(version) = policy.default_version_id() else {
        return Ok(None);
    };
    let out = iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| classify("iam:GetPolicyVersion", e))?;
    Ok(out
        .policy_version()
        .and_then(|v| v.document())
        .map(decode_document))
}

/// IAM returns policy documents URL-encoded (RFC 3986).
fn decode_document(raw: &str) -> String {
    urlencoding::decode(raw)
        .map(|d| d.into_owned())
        .unwrap_or_else(|_| raw.to_string())
}

/// The value of tag `key` on user `user_name`.
pub(crate) async fn user_tag(
    iam: &Iam,
    user_name: &str,
    key: &str,
) -> Result<Option<String>, AwsError> {
    Ok(user_tags(iam, user_name).await?.remove(key))
}

/// Recreates a user with its path, boundary and tags, marked with
/// [`RESTORED_FROM_TAG`] = `marker`. A user of that name that carries the
/// same mark (a repeat after a lost answer, a resumed restore) counts as
/// made; any other is refused.
pub(crate) async fn create_user(iam: &Iam, user: &IamUser, marker: &str) -> Result<(), AwsError> {
    let mut tags: Vec<Tag> = user
        .tags
        .iter()
        // A user restored before carries an older mark: replaced, not doubled.
        .filter(|(k, _)| k.as_str() != RESTORED_FROM_TAG)
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value set")
        })
        .collect();
    // IAM allows 50 tags a user; a user that had 50 goes unmarked.
    if tags.len() < 50 {
        tags.push(
            Tag::builder()
                .key(RESTORED_FROM_TAG)
                .value(marker)
                .build()
                .expect("key and value set"),
        );
    }
    match iam
        .create_user()
        .user_name(&user.user_name)
        .path(&user.path)
        .set_permissions_boundary(user.permissions_boundary.clone())
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| classify("iam:CreateUser", e))
    {
        Err(e) if e.is("EntityAlreadyExists") => {
            if user_tag(iam, &user.user_name, RESTORED_FROM_TAG)
                .await?
                .as_deref()
                == Some(marker)
            {
                Ok(())
            } else {
                Err(e)
            }
        }
        other => other.map(drop),
    }
}

pub(crate) async fn attach_user_policy(iam: &Iam, user: &str, arn: &str) -> Result<(), AwsError> {
    iam.attach_user_policy()
        .user_name(user)
        .policy_arn(arn)
        .send()
        .await
        .map(drop)
        .map_err(|e| classify("iam:AttachUserPolicy", e))
}

pub(crate) async fn put_user_policy(
    iam: &Iam,
    user: &str,
    p: &InlinePolicy,
) -> Result<(), AwsError> {
    iam.put_user_policy()
        .user_name(user)
        .policy_name(&p.name)
        .policy_document(&p.document)
        .send()
        .await
        .map(drop)
        .map_err(|e| classify("iam:PutUserPolicy", e))
}

pub(crate) async fn add_user_to_group(iam: &Iam, user: &str, group: &str) -> Result<(), AwsError> {
    iam.add_user_to_group()
        .user_name(user)
        .group_name(group)
        .send()
        .await
        .map(drop)
        .map_err(|e| classify("iam:AddUserToGroup", e))
}

/// Uploads a public SSH key again, with the status it had (an upload is
/// Active; an Inactive key is set back to Inactive). One already there
/// counts as done.
pub(crate) async fn upload_ssh_public_key(
    iam: &Iam,
    user: &str,
    key: &PublicKey,
) -> Result<(), AwsError> {
    let Some(body) = &key.body else {
        return Ok(());
    };
    let id = match iam
        .upload_ssh_public_key()
        .user_name(user)
        .ssh_public_key_body(body)
        .send()
        .await
        .map_err(|e| classify("iam:UploadSSHPublicKey", e))
    {
        Err(e) if e.is("DuplicateSSHPublicKey") => return Ok(()),
        Err(e) => return Err(e),
        Ok(out) => out
            .ssh_public_key()
            .map(|k| k.ssh_public_key_id().to_string()),
    };
    match id {
        Some(id) if !is_active(&key.status) => iam
            .update_ssh_public_key()
            .user_name(user)
            .ssh_public_key_id(id)
            .status(StatusType::Inactive)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("iam:UpdateSSHPublicKey", e)),
        _ => Ok(()),
    }
}

/// Uploads a signing certificate again, with the status it had. One
/// already there counts as done.
pub(crate) async fn upload_signing_certificate(
    iam: &Iam,
    user: &str,
    cert: &PublicKey,
) -> Result<(), AwsError> {
    let Some(body) = &cert.body else {
        return Ok(());
    };
    let id = match iam
        .upload_signing_certificate()
        .user_name(user)
        .certificate_body(body)
        .send()
        .await
        .map_err(|e| classify("iam:UploadSigningCertificate", e))
    {
        Err(e) if e.is("DuplicateCertificate") => return Ok(()),
        Err(e) => return Err(e),
        Ok(out) => out.certificate().map(|c| c.certificate_id().to_string()),
    };
    match id {
        Some(id) if !is_active(&cert.status) => iam
            .update_signing_certificate()
            .user_name(user)
            .certificate_id(id)
            .status(StatusType::Inactive)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify("iam:UpdateSigningCertificate", e)),
        _ => Ok(()),
    }
}

pub(crate) fn is_active(status: &str) -> bool {
    status == StatusType::Active.as_str()
}

// ---- centralized root access for member accounts ----

/// The organization's centralized root access features
/// (`RootCredentialsManagement`, `RootSessions`); `None` when IAM's trusted
/// access to the organization is not enabled (nothing can be read yet).
pub(crate) async fn organizations_features(iam: &Iam) -> Result<Option<Vec<String>>, AwsError> {
    match iam
        .list_organizations_features()
        .customize()
        .config_override(few_retries!(aws_sdk_iam))
        .send()
        .await
        .map_err(|e| classify("iam:ListOrganizationsFeatures", e))
    {
        Ok(out) => Ok(Some(
            out.enabled_features()
                .iter()
                .map(|f| f.as_str().to_string())
                .collect(),
        )),
        Err(e) if e.is("ServiceAccessNotEnabledException") => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn enable_root_credentials_management(iam: &Iam) -> Result<(), AwsError> {
    iam.enable_organizations_root_credentials_management()
        .send()
        .await
        .map(drop)
        .map_err(|e| classify("iam:EnableOrganizationsRootCredentialsManagement", e))
}
