//! root-cleanup and iam-users-cleanup where moto cannot go: a root caller,
//! root keys present then gone, centralized root access and AssumeRoot
//! sessions in member accounts, and AWS's refusal to delete a user while
//! anything is attached (`DeleteConflict`), which moto does not enforce.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_iam::operation::deactivate_mfa_device::DeactivateMfaDeviceOutput;
use aws_sdk_iam::operation::delete_access_key::DeleteAccessKeyOutput;
use aws_sdk_iam::operation::delete_login_profile::{
    DeleteLoginProfileError, DeleteLoginProfileOutput,
};
use aws_sdk_iam::operation::delete_service_specific_credential::DeleteServiceSpecificCredentialOutput;
use aws_sdk_iam::operation::delete_signing_certificate::DeleteSigningCertificateOutput;
use aws_sdk_iam::operation::delete_ssh_public_key::DeleteSshPublicKeyOutput;
use aws_sdk_iam::operation::delete_user::{DeleteUserError, DeleteUserOutput};
use aws_sdk_iam::operation::delete_user_policy::DeleteUserPolicyOutput;
use aws_sdk_iam::operation::delete_virtual_mfa_device::{
    DeleteVirtualMFADeviceError, DeleteVirtualMfaDeviceOutput,
};
use aws_sdk_iam::operation::detach_user_policy::DetachUserPolicyOutput;
use aws_sdk_iam::operation::enable_organizations_root_credentials_management::EnableOrganizationsRootCredentialsManagementOutput;
use aws_sdk_iam::operation::get_access_key_last_used::GetAccessKeyLastUsedOutput;
use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryOutput;
use aws_sdk_iam::operation::get_credential_report::GetCredentialReportOutput;
use aws_sdk_iam::operation::get_login_profile::{GetLoginProfileError, GetLoginProfileOutput};
use aws_sdk_iam::operation::get_user::GetUserOutput;
use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
use aws_sdk_iam::operation::list_attached_user_policies::ListAttachedUserPoliciesOutput;
use aws_sdk_iam::operation::list_groups_for_user::ListGroupsForUserOutput;
use aws_sdk_iam::operation::list_mfa_devices::ListMfaDevicesOutput;
use aws_sdk_iam::operation::list_organizations_features::{
    ListOrganizationsFeaturesError, ListOrganizationsFeaturesOutput,
};
use aws_sdk_iam::operation::list_service_specific_credentials::ListServiceSpecificCredentialsOutput;
use aws_sdk_iam::operation::list_signing_certificates::ListSigningCertificatesOutput;
use aws_sdk_iam::operation::list_ssh_public_keys::ListSshPublicKeysOutput;
use aws_sdk_iam::operation::list_user_policies::ListUserPoliciesOutput;
use aws_sdk_iam::operation::list_user_tags::ListUserTagsOutput;
use aws_sdk_iam::operation::remove_user_from_group::RemoveUserFromGroupOutput;
use aws_sdk_iam::types::error::{
    DeleteConflictException, EntityTemporarilyUnmodifiableException, NoSuchEntityException,
    ServiceAccessNotEnabledException,
};
use aws_sdk_iam::types::{
    AccessKeyMetadata, AttachedPolicy, FeatureType, Group, LoginProfile, MfaDevice,
    ServiceSpecificCredentialMetadata, SigningCertificate, SshPublicKeyMetadata, StatusType,
    SummaryKeyType, User,
};
use aws_sdk_organizations::operation::enable_aws_service_access::EnableAwsServiceAccessOutput;
use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
use aws_sdk_organizations::types::{Account, AccountState};
use aws_sdk_sts::operation::assume_root::AssumeRootOutput;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{mock, mock_client, MockResponse, Rule, RuleMode};
use aws_smithy_types::{Blob, DateTime};

use super::{
    ctx, describe_org, identitystore, meta, regions_with_instance_in, ssoadmin, MANAGEMENT,
};
use crate::aws::{Aws, SessionIam};
use crate::config::CleanupConfig;
use crate::error::render;
use crate::model::IamUser;
use crate::steps::{self, iam_users};
use crate::ui::prompt::{AutoYes, Scripted};

const MEMBER_A: &str = "222222222222";
const MEMBER_B: &str = "333333333333";

fn summary(keys: bool, mfa: bool) -> GetAccountSummaryOutput {
    GetAccountSummaryOutput::builder()
        .summary_map(SummaryKeyType::AccountAccessKeysPresent, keys as i32)
        .summary_map(SummaryKeyType::AccountMfaEnabled, mfa as i32)
        .summary_map(SummaryKeyType::AccountPasswordPresent, 1)
        .summary_map(SummaryKeyType::AccountSigningCertificatesPresent, 0)
        .build()
}

fn credential_report() -> Rule {
    let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n\
<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-20T10:00:00+00:00,not_supported,not_supported,false,true,2020-01-02T00:00:00+00:00,2026-11-22T09:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";
    mock!(aws_sdk_iam::Client::get_credential_report).then_output(move || {
        GetCredentialReportOutput::builder()
            .content(Blob::new(csv))
            .generated_time(DateTime::from_secs(1_795_000_000))
            .build()
    })
}

fn sts(arn: &'static str, account: &'static str, assume_root: &Rule) -> aws_sdk_sts::Client {
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(move || {
        GetCallerIdentityOutput::builder()
            .account(account)
            .arn(arn)
            .user_id("AIDA")
            .build()
    });
    mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&who, assume_root])
}

fn assume_root_rule() -> Rule {
    mock!(aws_sdk_sts::Client::assume_root).then_compute_output(|input| {
        // Session keys say which account and task they are for.
        let key = format!(
            "ASIA-{}-{}",
            input.target_principal().unwrap_or_default(),
            input
                .task_policy_arn()
                .and_then(|p| p.arn())
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
        );
        AssumeRootOutput::builder()
            .credentials(
                aws_sdk_sts::types::Credentials::builder()
                    .access_key_id(key)
                    .secret_access_key("secret")
                    .session_token("token")
                    .expiration(DateTime::from_secs(1_900_000_000))
                    .build()
                    .unwrap(),
            )
            .build()
    })
}

fn organization_with_members() -> aws_sdk_organizations::Client {
    let accounts = mock!(aws_sdk_organizations::Client::list_accounts).then_output(|| {
        ListAccountsOutput::builder()
            .set_accounts(Some(
                [MANAGEMENT, MEMBER_A, MEMBER_B]
                    .iter()
                    .map(|id| {
                        Account::builder()
                            .id(*id)
                            .name(format!("acct-{id}"))
                            .state(AccountState::Active)
                            .build()
                    })
                    .collect(),
            ))
            .build()
    });
    let access = mock!(aws_sdk_organizations::Client::enable_aws_service_access)
        .match_requests(|r| r.service_principal() == Some("iam.amazonaws.com"))
        .then_output(|| EnableAwsServiceAccessOutput::builder().build());
    mock_client!(
        aws_sdk_organizations,
        RuleMode::MatchAny,
        &[&describe_org(MANAGEMENT), &accounts, &access]
    )
}

/// A member account's root, as its AssumeRoot sessions see it: calls are
/// recorded as "ACCOUNT Operation" in `log`.
#[derive(Default)]
struct MemberRoots {
    keys: HashMap<String, Vec<String>>,
    log: Vec<String>,
}

/// Long by design: a stand-in for IAM's own rules, one arm per operation.
fn member_sessions(state: Arc<Mutex<MemberRoots>>) -> SessionIam {
    Arc::new(
        move |account: &str, creds: aws_credential_types::Credentials| {
            let account = account.to_string();
            let task = creds
                .access_key_id()
                .rsplit('-')
                .next()
                .unwrap()
                .to_string();
            let (s1, s2, a1, a2) = (
                state.clone(),
                state.clone(),
                account.clone(),
                account.clone(),
            );
            let list = mock!(aws_sdk_iam::Client::list_access_keys)
                .match_requests(|r| r.user_name().is_none())
                .then_compute_output(move |_| {
                    let st = s1.lock().unwrap();
                    ListAccessKeysOutput::builder()
                        .set_access_key_metadata(Some(
                            st.keys
                                .get(&a1)
                                .cloned()
                                .unwrap_or_default()
                                .into_iter()
                                .map(|k| {
                                    AccessKeyMetadata::builder()
                                        .access_key_id(k)
                                        .status(StatusType::Active)
                                        .build()
                                })
                                .collect(),
                        ))
                        .build()
                        .unwrap()
                });
            let task2 = task.clone();
            let delete = mock!(aws_sdk_iam::Client::delete_access_key)
                .match_requests(|r| r.user_name().is_none())
                .then_compute_output(move |r| {
                    let mut st = s2.lock().unwrap();
                    assert_eq!(
                        task2, "IAMDeleteRootUserCredentials",
                        "deleted in a delete session"
                    );
                    st.log.push(format!("{a2} DeleteAccessKey"));
                    let id = r.access_key_id().unwrap().to_string();
                    st.keys.entry(a2.clone()).or_default().retain(|k| *k != id);
                    DeleteAccessKeyOutput::builder().build()
                });
            let certs = mock!(aws_sdk_iam::Client::list_signing_certificates).then_output(|| {
                ListSigningCertificatesOutput::builder()
                    .set_certificates(Some(vec![]))
                    .build()
                    .unwrap()
            });
            // Every member root has a password and an MFA device: kept
            // unless delete_member_root_passwords (no rule would answer
            // their deletion, and the test would fail).
            let login = mock!(aws_sdk_iam::Client::get_login_profile)
                .match_requests(|r| r.user_name().is_none())
                .then_output(|| {
                    GetLoginProfileOutput::builder()
                        .login_profile(
                            LoginProfile::builder()
                                .user_name("root")
                                .create_date(DateTime::from_secs(0))
                                .build()
                                .unwrap(),
                        )
                        .build()
                });
            let mfa = mock!(aws_sdk_iam::Client::list_mfa_devices)
                .match_requests(|r| r.user_name().is_none())
                .then_output(|| {
                    ListMfaDevicesOutput::builder()
                        .mfa_devices(
                            MfaDevice::builder()
                                .user_name("root")
                                .serial_number("arn:aws:iam::222222222222:mfa/root-key")
                                .enable_date(DateTime::from_secs(0))
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap()
                });
            mock_client!(
                aws_sdk_iam,
                RuleMode::MatchAny,
                &[&list, &delete, &certs, &login, &mfa]
            )
        },
    )
}

/// The clients the cleanup steps use; sso-admin and the identity store
/// are not reached in these tests.
fn cleanup_aws(
    sts: aws_sdk_sts::Client,
    organizations: aws_sdk_organizations::Client,
    iam: aws_sdk_iam::Client,
    sessions: SessionIam,
) -> Aws {
    Aws::from_clients(
        "us-east-1",
        sts,
        organizations,
        ssoadmin(&[]),
        identitystore(&[]),
        regions_with_instance_in(None),
    )
    .with_iam(iam, sessions)
}

fn temp_config(ctx: &mut crate::run::Session, dir: &std::path::Path, cleanup: CleanupConfig) {
    ctx.cx.config.path = dir.join("ssosetup.toml");
    ctx.cx.config.config.cleanup = Some(cleanup);
}

#[tokio::test]
async fn a_root_caller_is_told_it_uses_the_keys_to_delete_and_yes_reports_them_remaining() {
    let iam = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        &[
            &mock!(aws_sdk_iam::Client::get_account_summary).then_output(|| summary(true, false)),
            &credential_report(),
        ]
    );
    let aws = cleanup_aws(
        sts(
            "arn:aws:iam::111111111111:root",
            MANAGEMENT,
            &assume_root_rule(),
        ),
        organization_with_members(),
        iam,
        member_sessions(Arc::default()),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx(aws, Box::new(AutoYes));
    temp_config(&mut ctx, dir.path(), CleanupConfig::default());
    let mut facts = steps::Facts::new(
        crate::run::whoami(&ctx.cx).await.unwrap(),
        &ctx.cx.aws.region,
    );
    let plan = steps::step(crate::steps::root_cleanup::ID)
        .check(&ctx.cx, &mut facts)
        .await
        .unwrap();
    let notes = plan.notes.join("\n");
    assert!(notes.contains("the very keys to delete"), "{notes}");
    assert!(notes.contains("key 1 last used 2026-11-22"), "{notes}");
    assert!(notes.contains("(s3)"), "{notes}");
    assert!(
        notes.contains("AssumeRoot cannot be called with root credentials"),
        "{notes}"
    );
    assert!(plan.manual[0].required);
    assert!(plan.manual[0].url.contains("security_credentials"));

    let err = crate::run::run(
        &mut ctx,
        &[crate::steps::root_cleanup::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap_err();
    let text = render(&err).join("\n");
    assert!(
        text.contains(
            "console step not done yet: delete the root user's access keys and turn on root MFA"
        ),
        "{text}"
    );
    assert_eq!(crate::error::exit_code(&err), crate::error::exit::USER);
}

#[tokio::test]
async fn root_keys_are_rechecked_until_gone_then_billing_is_confirmed_and_recorded() {
    // Present at the look and after the first Enter; gone (MFA on) after the second.
    let summaries = mock!(aws_sdk_iam::Client::get_account_summary)
        .sequence()
        .output(|| summary(true, false))
        .times(2)
        .output(|| summary(false, true))
        .build();
    let iam = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        &[&summaries, &credential_report()]
    );
    let aws = cleanup_aws(
        sts(
            "arn:aws:iam::111111111111:user/admin",
            MANAGEMENT,
            &assume_root_rule(),
        ),
        mock_client!(aws_sdk_organizations, [&super::describe_org(MANAGEMENT)]),
        iam,
        member_sessions(Arc::default()),
    );
    let dir = tempfile::tempdir().unwrap();
    let scripted = Scripted::new(&["", "Check again", "", "y"]);
    let mut ctx = ctx(aws, Box::new(scripted));
    temp_config(&mut ctx, dir.path(), CleanupConfig::default());
    // No member accounts in this organization: ListAccounts is not mocked,
    // so the organization is made to have only this account.
    let mut facts = steps::Facts::new(
        crate::run::whoami(&ctx.cx).await.unwrap(),
        &ctx.cx.aws.region,
    );
    facts.accounts = Some(vec![]);
    let plan = steps::step(crate::steps::root_cleanup::ID)
        .check(&ctx.cx, &mut facts)
        .await
        .unwrap();
    assert_eq!(plan.manual.len(), 2, "{:?}", plan.manual);
    super::apply_one(&mut ctx, &mut facts, plan).await.unwrap();
    assert_eq!(summaries.num_calls(), 3, "looked, then re-checked twice");
    let saved = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(saved.contains("billing_access_confirmed = true"), "{saved}");
}

#[tokio::test]
async fn member_accounts_are_audited_and_only_their_root_keys_deleted_through_assume_root() {
    let features = mock!(aws_sdk_iam::Client::list_organizations_features).then_output(|| {
        ListOrganizationsFeaturesOutput::builder()
            .organization_id("o-abc123")
            .enabled_features(FeatureType::RootCredentialsManagement)
            .build()
    });
    let iam = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        &[
            &mock!(aws_sdk_iam::Client::get_account_summary).then_output(|| summary(false, true)),
            &credential_report(),
            &features,
        ]
    );
    let roots = Arc::new(Mutex::new(MemberRoots::default()));
    roots
        .lock()
        .unwrap()
        .keys
        .insert(MEMBER_A.into(), vec!["AKIAMEMBERA000000001".into()]);
    let assume = assume_root_rule();
    let aws = cleanup_aws(
        sts("arn:aws:iam::111111111111:user/admin", MANAGEMENT, &assume),
        organization_with_members(),
        iam,
        member_sessions(roots.clone()),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx(aws, Box::new(AutoYes));
    temp_config(
        &mut ctx,
        dir.path(),
        CleanupConfig {
            centralized_root_access: Some(true),
            billing_access_confirmed: true,
            ..CleanupConfig::default()
        },
    );
    crate::run::run(
        &mut ctx,
        &[crate::steps::root_cleanup::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap();
    let roots = roots.lock().unwrap();
    // Only the access key: the root's password and MFA stay (not chosen).
    assert_eq!(roots.log, [format!("{MEMBER_A} DeleteAccessKey")]);
    assert!(roots.keys[MEMBER_A].is_empty());
    // Two audits at the look, one delete session for the account with a key.
    assert_eq!(assume.num_calls(), 3);
}

#[tokio::test]
async fn centralized_root_access_off_is_enabled_only_when_the_config_opts_in() {
    let off = || {
        mock!(aws_sdk_iam::Client::list_organizations_features).then_error(|| {
            ListOrganizationsFeaturesError::ServiceAccessNotEnabledException(
                ServiceAccessNotEnabledException::builder()
                    .meta(meta("ServiceAccessNotEnabledException", "off"))
                    .build(),
            )
        })
    };
    let enable = mock!(aws_sdk_iam::Client::enable_organizations_root_credentials_management)
        .then_output(|| EnableOrganizationsRootCredentialsManagementOutput::builder().build());
    for opt_in in [None, Some(false), Some(true)] {
        let features = off();
        let iam = mock_client!(
            aws_sdk_iam,
            RuleMode::MatchAny,
            &[
                &mock!(aws_sdk_iam::Client::get_account_summary)
                    .then_output(|| summary(false, true)),
                &credential_report(),
                &features,
                &enable,
            ]
        );
        let roots = Arc::new(Mutex::new(MemberRoots::default()));
        roots
            .lock()
            .unwrap()
            .keys
            .insert(MEMBER_B.into(), vec!["AKIAMEMBERB000000001".into()]);
        let aws = cleanup_aws(
            sts(
                "arn:aws:iam::111111111111:user/admin",
                MANAGEMENT,
                &assume_root_rule(),
            ),
            organization_with_members(),
            iam,
            member_sessions(roots.clone()),
        );
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = ctx(aws, Box::new(AutoYes));
        temp_config(
            &mut ctx,
            dir.path(),
            CleanupConfig {
                centralized_root_access: opt_in,
                billing_access_confirmed: true,
                ..CleanupConfig::default()
            },
        );
        crate::run::run(
            &mut ctx,
            &[crate::steps::root_cleanup::ID],
            crate::run::Mode::Apply,
        )
        .await
        .unwrap();
        let log = roots.lock().unwrap().log.clone();
        if opt_in == Some(true) {
            assert_eq!(log, [format!("{MEMBER_B} DeleteAccessKey")]);
        } else {
            assert!(log.is_empty(), "{opt_in:?}: {log:?}");
        }
    }
    assert_eq!(enable.num_calls(), 1, "enabled once: only when opted in");
}

/// One IAM user as AWS keeps it: every removal takes its part away, and
/// DeleteUser refuses (DeleteConflict) while anything is left. Calls are
/// recorded in order.
#[derive(Default, Clone)]
struct FakeUser {
    login: bool,
    keys: Vec<String>,
    certs: Vec<String>,
    ssh: Vec<String>,
    service: Vec<String>,
    mfa: Vec<String>,
    mfa_active: Vec<String>,
    inline: Vec<String>,
    attached: Vec<String>,
    groups: Vec<String>,
    exists: bool,
    /// Left over after DeleteUser fails once: appears for the re-scan.
    late_key: Option<String>,
    unmodifiable_once: bool,
    /// DetachUserPolicy answers AccessDenied (a caller without iam:DetachUserPolicy).
    deny_detach: bool,
    log: Vec<String>,
}

impl FakeUser {
    fn has_dependents(&self) -> bool {
        self.login
            || !self.keys.is_empty()
            || !self.certs.is_empty()
            || !self.ssh.is_empty()
            || !self.service.is_empty()
            || !self.mfa.is_empty()
            || !self.inline.is_empty()
            || !self.attached.is_empty()
            || !self.groups.is_empty()
    }
}

/// Long by design: a stand-in for IAM's own rules, one arm per operation.
fn fake_iam(state: Arc<Mutex<FakeUser>>) -> aws_sdk_iam::Client {
    macro_rules! op {
        ($op:ident, |$st:ident, $r:ident| $body:expr) => {{
            let s = state.clone();
            mock!(aws_sdk_iam::Client::$op).then_compute_response(move |$r| {
                let mut guard = s.lock().unwrap();
                let $st = &mut *guard;
                $body
            })
        }};
    }
    let rules = vec![
        op!(get_user, |st, _r| {
            let _ = &st;
            MockResponse::Output(
                GetUserOutput::builder()
                    .user(
                        User::builder()
                            .user_name("old-admin")
                            .user_id("AIDAOLD")
                            .arn("arn:aws:iam::111111111111:user/old-admin")
                            .path("/")
                            .create_date(DateTime::from_secs(0))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
        }),
        op!(get_login_profile, |st, _r| if st.login {
            MockResponse::Output(
                GetLoginProfileOutput::builder()
                    .login_profile(
                        LoginProfile::builder()
                            .user_name("old-admin")
                            .create_date(DateTime::from_secs(0))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
        } else {
            MockResponse::Error(GetLoginProfileError::NoSuchEntityException(
                NoSuchEntityException::builder()
                    .meta(meta("NoSuchEntity", "none"))
                    .build(),
            ))
        }),
        op!(list_access_keys, |st, _r| MockResponse::Output(
            ListAccessKeysOutput::builder()
                .set_access_key_metadata(Some(
                    st.keys
                        .iter()
                        .map(|k| AccessKeyMetadata::builder()
                            .access_key_id(k)
                            .status(StatusType::Active)
                            .build())
                        .collect()
                ))
                .build()
                .unwrap()
        )),
        op!(get_access_key_last_used, |st, _r| {
            let _ = &st;
            MockResponse::Output(GetAccessKeyLastUsedOutput::builder().build())
        }),
        op!(list_signing_certificates, |st, _r| MockResponse::Output(
            ListSigningCertificatesOutput::builder()
                .set_certificates(Some(
                    st.certs
                        .iter()
                        .map(|c| SigningCertificate::builder()
                            .user_name("old-admin")
                            .certificate_id(c)
                            .certificate_body("-----BEGIN CERTIFICATE-----")
                            .status(StatusType::Active)
                            .build()
                            .unwrap())
                        .collect()
                ))
                .build()
                .unwrap()
        )),
        op!(list_ssh_public_keys, |st, _r| MockResponse::Output(
            ListSshPublicKeysOutput::builder()
                .set_ssh_public_keys(Some(
                    st.ssh
                        .iter()
                        .map(|k| SshPublicKeyMetadata::builder()
                            .user_name("old-admin")
                            .ssh_public_key_id(k)
                            .status(StatusType::Active)
                            .upload_date(DateTime::from_secs(0))
                            .build()
                            .unwrap())
                        .collect()
                ))
                .build()
        )),
        op!(get_ssh_public_key, |st, _r| {
            let _ = &st;
            MockResponse::Output(
                aws_sdk_iam::operation::get_ssh_public_key::GetSshPublicKeyOutput::builder()
                    .build(),
            )
        }),
        op!(list_service_specific_credentials, |st, _r| {
            MockResponse::Output(
                ListServiceSpecificCredentialsOutput::builder()
                    .set_service_specific_credentials(Some(
                        st.service
                            .iter()
                            .map(|c| {
                                ServiceSpecificCredentialMetadata::builder()
                                    .user_name("old-admin")
                                    .status(StatusType::Active)
                                    .service_user_name("old-admin-at-1")
                                    .create_date(DateTime::from_secs(0))
                                    .service_specific_credential_id(c)
                                    .service_name("codecommit.amazonaws.com")
                                    .build()
                                    .unwrap()
                            })
                            .collect(),
                    ))
                    .build(),
            )
        }),
        op!(list_mfa_devices, |st, _r| MockResponse::Output(
            ListMfaDevicesOutput::builder()
                .set_mfa_devices(Some(
                    st.mfa_active
                        .iter()
                        .map(|m| MfaDevice::builder()
                            .user_name("old-admin")
                            .serial_number(m)
                            .enable_date(DateTime::from_secs(0))
                            .build()
                            .unwrap())
                        .collect()
                ))
                .build()
                .unwrap()
        )),
        op!(list_groups_for_user, |st, _r| MockResponse::Output(
            ListGroupsForUserOutput::builder()
                .set_groups(Some(
                    st.groups
                        .iter()
                        .map(|g| Group::builder()
                            .group_name(g)
                            .path("/")
                            .group_id("AGPA")
                            .arn(format!("arn:aws:iam::111111111111:group/{g}"))
                            .create_date(DateTime::from_secs(0))
                            .build()
                            .unwrap())
                        .collect()
                ))
                .build()
                .unwrap()
        )),
        op!(list_attached_user_policies, |st, _r| MockResponse::Output(
            ListAttachedUserPoliciesOutput::builder()
                .set_attached_policies(Some(
                    st.attached
                        .iter()
                        .map(|a| AttachedPolicy::builder().policy_arn(a).build())
                        .collect()
                ))
                .build()
        )),
        op!(list_user_policies, |st, _r| MockResponse::Output(
            ListUserPoliciesOutput::builder()
                .set_policy_names(Some(st.inline.clone()))
                .build()
                .unwrap()
        )),
        op!(get_user_policy, |st, r| {
            let _ = &st;
            // IAM sends policy documents URL-encoded.
            MockResponse::Output(
                aws_sdk_iam::operation::get_user_policy::GetUserPolicyOutput::builder()
                    .user_name("old-admin")
                    .policy_name(r.policy_name().unwrap_or_default())
                    .policy_document("%7B%22Version%22%3A%222012-10-17%22%7D")
                    .build()
                    .unwrap(),
            )
        }),
        op!(list_user_tags, |st, _r| {
            let _ = &st;
            MockResponse::Output(
                ListUserTagsOutput::builder()
                    .set_tags(Some(vec![]))
                    .build()
                    .unwrap(),
            )
        }),
        op!(delete_login_profile, |st, _r| {
            st.log.push("DeleteLoginProfile".into());
            if std::mem::take(&mut st.unmodifiable_once) {
                return MockResponse::Error(
                    DeleteLoginProfileError::EntityTemporarilyUnmodifiableException(
                        EntityTemporarilyUnmodifiableException::builder()
                            .meta(meta("EntityTemporarilyUnmodifiable", "settling"))
                            .build(),
                    ),
                );
            }
            st.login = false;
            MockResponse::Output(DeleteLoginProfileOutput::builder().build())
        }),
        op!(delete_access_key, |st, r| {
            st.log.push("DeleteAccessKey".into());
            st.keys.retain(|k| Some(k.as_str()) != r.access_key_id());
            MockResponse::Output(DeleteAccessKeyOutput::builder().build())
        }),
        op!(delete_signing_certificate, |st, r| {
            st.log.push("DeleteSigningCertificate".into());
            st.certs.retain(|k| Some(k.as_str()) != r.certificate_id());
            MockResponse::Output(DeleteSigningCertificateOutput::builder().build())
        }),
        op!(delete_ssh_public_key, |st, r| {
            st.log.push("DeleteSSHPublicKey".into());
            st.ssh.retain(|k| Some(k.as_str()) != r.ssh_public_key_id());
            MockResponse::Output(DeleteSshPublicKeyOutput::builder().build())
        }),
        op!(delete_service_specific_credential, |st, r| {
            st.log.push("DeleteServiceSpecificCredential".into());
            st.service
                .retain(|k| Some(k.as_str()) != r.service_specific_credential_id());
            MockResponse::Output(DeleteServiceSpecificCredentialOutput::builder().build())
        }),
        op!(deactivate_mfa_device, |st, r| {
            st.log.push("DeactivateMFADevice".into());
            st.mfa_active
                .retain(|k| Some(k.as_str()) != r.serial_number());
            MockResponse::Output(DeactivateMfaDeviceOutput::builder().build())
        }),
        op!(delete_virtual_mfa_device, |st, r| {
            st.log.push("DeleteVirtualMFADevice".into());
            let serial = r.serial_number().unwrap_or_default().to_string();
            if st.mfa_active.contains(&serial) {
                // AWS: a device still in use cannot be deleted.
                return MockResponse::Error(DeleteVirtualMFADeviceError::DeleteConflictException(
                    DeleteConflictException::builder()
                        .meta(meta("DeleteConflict", "MFA device in use"))
                        .build(),
                ));
            }
            st.mfa.retain(|k| *k != serial);
            MockResponse::Output(DeleteVirtualMfaDeviceOutput::builder().build())
        }),
        op!(delete_user_policy, |st, r| {
            st.log.push("DeleteUserPolicy".into());
            st.inline.retain(|k| Some(k.as_str()) != r.policy_name());
            MockResponse::Output(DeleteUserPolicyOutput::builder().build())
        }),
        op!(detach_user_policy, |st, r| {
            st.log.push("DetachUserPolicy".into());
            if st.deny_detach {
                return MockResponse::Error(
                    aws_sdk_iam::operation::detach_user_policy::DetachUserPolicyError::generic(
                        meta("AccessDenied", "not allowed iam:DetachUserPolicy"),
                    ),
                );
            }
            st.attached.retain(|k| Some(k.as_str()) != r.policy_arn());
            MockResponse::Output(DetachUserPolicyOutput::builder().build())
        }),
        op!(remove_user_from_group, |st, r| {
            st.log.push("RemoveUserFromGroup".into());
            st.groups.retain(|k| Some(k.as_str()) != r.group_name());
            MockResponse::Output(RemoveUserFromGroupOutput::builder().build())
        }),
        op!(delete_user, |st, _r| {
            st.log.push("DeleteUser".into());
            if let Some(k) = st.late_key.take() {
                // A key made by someone else while this ran.
                st.keys.push(k);
            }
            if st.has_dependents() || !st.mfa.is_empty() {
                return MockResponse::Error(DeleteUserError::DeleteConflictException(
                    DeleteConflictException::builder()
                        .meta(meta("DeleteConflict", "must remove dependents first"))
                        .build(),
                ));
            }
            st.exists = false;
            MockResponse::Output(DeleteUserOutput::builder().build())
        }),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    mock_client!(aws_sdk_iam, RuleMode::MatchAny, &refs)
}

#[tokio::test]
async fn a_user_is_deleted_in_aws_order_and_a_delete_conflict_rescans() {
    let serial = "arn:aws:iam::111111111111:mfa/old-admin".to_string();
    let state = Arc::new(Mutex::new(FakeUser {
        login: true,
        keys: vec!["AKIA1".into(), "AKIA2".into()],
        certs: vec!["CERT1".into()],
        ssh: vec!["APKA1".into()],
        service: vec!["ACCA1".into()],
        mfa: vec![serial.clone()],
        mfa_active: vec![serial.clone()],
        inline: vec!["extra".into()],
        attached: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
        groups: vec!["admins".into()],
        exists: true,
        late_key: Some("AKIA3".into()),
        unmodifiable_once: true,
        deny_detach: false,
        log: vec![],
    }));
    let aws = cleanup_aws(
        sts(
            "arn:aws:iam::111111111111:user/admin",
            MANAGEMENT,
            &assume_root_rule(),
        ),
        organization_with_members(),
        fake_iam(state.clone()),
        member_sessions(Arc::default()),
    );
    let user: IamUser = crate::aws::iam::inventory(&aws, "old-admin")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.access_keys.len(), 2);
    assert_eq!(user.service_specific_credentials.as_ref().unwrap().len(), 1);
    assert!(user.mfa_devices[0].virtual_device);
    assert_eq!(
        user.inline_policies[0].document, r#"{"Version":"2012-10-17"}"#,
        "kept decoded, as it was written"
    );

    iam_users::delete_in_order(&aws, user).await.unwrap();
    let st = state.lock().unwrap();
    assert!(!st.exists);
    assert_eq!(
        st.log,
        [
            // EntityTemporarilyUnmodifiable once: retried after a pause.
            "DeleteLoginProfile",
            "DeleteLoginProfile",
            "DeleteAccessKey",
            "DeleteAccessKey",
            "DeleteSigningCertificate",
            "DeleteSSHPublicKey",
            "DeleteServiceSpecificCredential",
            "DeactivateMFADevice",
            "DeleteVirtualMFADevice",
            "DeleteUserPolicy",
            "DetachUserPolicy",
            "RemoveUserFromGroup",
            // A key appeared meanwhile: DeleteConflict, re-scan, remove it.
            "DeleteUser",
            "DeleteAccessKey",
            "DeleteUser",
        ]
    );
}

#[tokio::test]
async fn a_failure_part_way_keeps_the_backup_and_says_what_remains() {
    let state = Arc::new(Mutex::new(FakeUser {
        login: true,
        keys: vec!["AKIA1".into()],
        attached: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
        groups: vec!["admins".into()],
        exists: true,
        deny_detach: true,
        ..FakeUser::default()
    }));
    let aws = cleanup_aws(
        sts(
            "arn:aws:iam::111111111111:user/admin",
            MANAGEMENT,
            &assume_root_rule(),
        ),
        mock_client!(aws_sdk_organizations, [&describe_org(MANAGEMENT)]),
        fake_iam(state.clone()),
        member_sessions(Arc::default()),
    );
    let ctx = ctx(aws, Box::new(AutoYes));
    let mut facts = steps::Facts::new(
        crate::run::whoami(&ctx.cx).await.unwrap(),
        &ctx.cx.aws.region,
    );
    let dir = tempfile::tempdir().unwrap();
    let err = iam_users::delete(
        &ctx.cx,
        &Mutex::new(&mut facts),
        None,
        "old-admin",
        dir.path(),
    )
    .await
    .unwrap_err();
    let text = render(&err).join("\n");
    assert!(
        text.contains("IAM user old-admin was not fully deleted"),
        "{text}"
    );
    assert!(text.contains("iam:DetachUserPolicy"), "{text}");
    assert!(
        text.contains("what remains: the user and its 1 attached policy, 1 group membership"),
        "{text}"
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(backups.len(), 1, "the backup stays");
    assert!(text.contains(dir.path().to_str().unwrap()), "{text}");
    let st = state.lock().unwrap();
    assert!(st.exists && !st.login && st.keys.is_empty());
}

#[tokio::test]
async fn a_restore_never_takes_over_a_same_named_user_it_did_not_make() {
    use aws_sdk_iam::operation::create_user::CreateUserError;
    use aws_sdk_iam::types::error::EntityAlreadyExistsException;
    let exists = || {
        mock!(aws_sdk_iam::Client::create_user).then_error(|| {
            CreateUserError::EntityAlreadyExistsException(
                EntityAlreadyExistsException::builder()
                    .meta(meta("EntityAlreadyExists", "exists"))
                    .build(),
            )
        })
    };
    let tagged = |value: &'static str| {
        mock!(aws_sdk_iam::Client::list_user_tags).then_output(move || {
            ListUserTagsOutput::builder()
                .tags(
                    aws_sdk_iam::types::Tag::builder()
                        .key(crate::aws::iam::RESTORED_FROM_TAG)
                        .value(value)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        })
    };
    let user: IamUser = serde_json::from_value(serde_json::json!({
        "user_name": "old-admin", "user_id": "AIDA", "arn": "arn:aws:iam::111111111111:user/old-admin",
        "path": "/", "created": null, "console_password": false, "password_last_used": null,
        "access_keys": [], "mfa_devices": [], "groups": [], "attached_policies": [],
        "inline_policies": [], "tags": {}, "permissions_boundary": null, "ssh_public_keys": [],
        "signing_certificates": [], "service_specific_credentials": []
    }))
    .unwrap();
    let marker = "2026-11-23T23:59:59Z";

    // Someone else's user of that name: refused.
    let other = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        &[&exists(), &tagged("2026-01-01T00:00:00Z")]
    );
    let err = crate::aws::iam::create_user(&other, &user, marker)
        .await
        .unwrap_err();
    assert!(err.is("EntityAlreadyExists"));

    // This restore's own user (a lost answer, or a resumed restore): done.
    let own = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        &[&exists(), &tagged(marker)]
    );
    crate::aws::iam::create_user(&own, &user, marker)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_wizard_asks_about_member_accounts_and_saves_the_answer() {
    let features = mock!(aws_sdk_iam::Client::list_organizations_features).then_error(|| {
        ListOrganizationsFeaturesError::ServiceAccessNotEnabledException(
            ServiceAccessNotEnabledException::builder()
                .meta(meta("ServiceAccessNotEnabledException", "off"))
                .build(),
        )
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&features]);
    let aws = cleanup_aws(
        sts(
            "arn:aws:iam::111111111111:user/admin",
            MANAGEMENT,
            &assume_root_rule(),
        ),
        organization_with_members(),
        iam,
        member_sessions(Arc::default()),
    );
    let dir = tempfile::tempdir().unwrap();
    // Yes to centralized root access; no to deleting root passwords.
    let mut ctx = ctx(aws, Box::new(Scripted::new(&["y", "n"])));
    temp_config(&mut ctx, dir.path(), CleanupConfig::default());
    let mut facts = steps::Facts::new(
        crate::run::whoami(&ctx.cx).await.unwrap(),
        &ctx.cx.aws.region,
    );
    steps::step(steps::root_cleanup::ID)
        .ask(&mut ctx.person(&mut facts), false)
        .await
        .unwrap();
    let saved = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(saved.contains("centralized_root_access = true"), "{saved}");
    assert!(!saved.contains("delete_member_root_passwords"), "{saved}");

    // Answered: not asked again (the scripted prompter has no answers left).
    steps::step(steps::root_cleanup::ID)
        .ask(&mut ctx.person(&mut facts), false)
        .await
        .unwrap();
}
