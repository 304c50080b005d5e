//! What moto cannot show for the Identity Center resources: assignments
//! that stay IN_PROGRESS or FAIL, provisioning that FAILS, conflicts and
//! throttling that must be retried.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_identitystore::operation::create_group::{CreateGroupError, CreateGroupOutput};
use aws_sdk_identitystore::operation::get_group_id::GetGroupIdError;
use aws_sdk_identitystore::operation::list_groups::ListGroupsOutput;
use aws_sdk_identitystore::types::error::{
    ConflictException as StoreConflict, ResourceNotFoundException as StoreNotFound,
};
use aws_sdk_identitystore::types::{ConflictExceptionReason, Group};
use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
use aws_sdk_organizations::types::{Account, AccountState};
use aws_sdk_ssoadmin::operation::attach_managed_policy_to_permission_set::AttachManagedPolicyToPermissionSetOutput;
use aws_sdk_ssoadmin::operation::create_account_assignment::{
    CreateAccountAssignmentError, CreateAccountAssignmentOutput,
};
use aws_sdk_ssoadmin::operation::describe_account_assignment_creation_status::DescribeAccountAssignmentCreationStatusOutput;
use aws_sdk_ssoadmin::operation::describe_permission_set::DescribePermissionSetOutput;
use aws_sdk_ssoadmin::operation::describe_permission_set_provisioning_status::DescribePermissionSetProvisioningStatusOutput;
use aws_sdk_ssoadmin::operation::get_inline_policy_for_permission_set::GetInlinePolicyForPermissionSetOutput;
use aws_sdk_ssoadmin::operation::get_permissions_boundary_for_permission_set::GetPermissionsBoundaryForPermissionSetError;
use aws_sdk_ssoadmin::operation::list_account_assignments::ListAccountAssignmentsOutput;
use aws_sdk_ssoadmin::operation::list_accounts_for_provisioned_permission_set::ListAccountsForProvisionedPermissionSetOutput;
use aws_sdk_ssoadmin::operation::list_customer_managed_policy_references_in_permission_set::ListCustomerManagedPolicyReferencesInPermissionSetOutput;
use aws_sdk_ssoadmin::operation::list_managed_policies_in_permission_set::ListManagedPoliciesInPermissionSetOutput;
use aws_sdk_ssoadmin::operation::list_permission_sets::ListPermissionSetsOutput;
use aws_sdk_ssoadmin::operation::provision_permission_set::ProvisionPermissionSetOutput;
use aws_sdk_ssoadmin::types::error::{
    ConflictException as SsoConflict, ResourceNotFoundException as SsoNotFound,
};
use aws_sdk_ssoadmin::types::{
    AccountAssignmentOperationStatus, InstanceStatus, PermissionSet,
    PermissionSetProvisioningStatus, StatusValues,
};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;

use super::{
    ctx, describe_org, identitystore, instance, list_instances, management_caller, meta,
    regions_with_instance_in, MANAGEMENT,
};
use crate::aws::Aws;
use crate::config::parse;
use crate::error::{exit, exit_code, render};

use crate::ui::prompt::AutoYes;

const PS_ARN: &str = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-admin";
const DEV: &str = "222222222222";

fn organizations_with_dev() -> aws_sdk_organizations::Client {
    let accounts = mock!(aws_sdk_organizations::Client::list_accounts).then_output(|| {
        ListAccountsOutput::builder()
            .accounts(
                Account::builder()
                    .id(MANAGEMENT)
                    .name("mgmt")
                    .state(AccountState::Active)
                    .build(),
            )
            .accounts(
                Account::builder()
                    .id(DEV)
                    .name("dev")
                    .state(AccountState::Active)
                    .build(),
            )
            .build()
    });
    mock_client!(
        aws_sdk_organizations,
        RuleMode::MatchAny,
        [&describe_org(MANAGEMENT), &accounts]
    )
}

/// One permission set, "Admin", and the instance.
fn admin_set_rules() -> Vec<Rule> {
    vec![
        list_instances(vec![instance(InstanceStatus::Active)]),
        mock!(aws_sdk_ssoadmin::Client::list_permission_sets).then_output(|| {
            ListPermissionSetsOutput::builder()
                .permission_sets(PS_ARN)
                .build()
        }),
        mock!(aws_sdk_ssoadmin::Client::describe_permission_set).then_output(|| {
            DescribePermissionSetOutput::builder()
                .permission_set(
                    PermissionSet::builder()
                        .name("Admin")
                        .permission_set_arn(PS_ARN)
                        .session_duration("PT1H")
                        .build(),
                )
                .build()
        }),
    ]
}

fn groups_exist(names: &'static [&'static str]) -> Rule {
    mock!(aws_sdk_identitystore::Client::list_groups).then_output(move || {
        let mut out = ListGroupsOutput::builder().set_groups(Some(Vec::new()));
        for n in names {
            out = out.groups(
                Group::builder()
                    .group_id(format!("g-{n}"))
                    .group_arn(format!("arn:aws:identitystore::111111111111:group/g-{n}"))
                    .identity_store_id("d-1234567890")
                    .revision("1")
                    .display_name(*n)
                    .build()
                    .unwrap(),
            );
        }
        out.build().unwrap()
    })
}

fn ssoadmin_any(rules: &[Rule]) -> aws_sdk_ssoadmin::Client {
    let refs: Vec<&Rule> = rules.iter().collect();
    mock_client!(aws_sdk_ssoadmin, RuleMode::MatchAny, refs)
}

fn creation(
    status: StatusValues,
    request: &str,
    reason: Option<&str>,
) -> AccountAssignmentOperationStatus {
    let mut s = AccountAssignmentOperationStatus::builder()
        .status(status)
        .request_id(request);
    if let Some(r) = reason {
        s = s.failure_reason(r);
    }
    s.build()
}

const ADMIN_ON_TWO_ACCOUNTS: &str = r#"
[[permission_sets]]
name = "Admin"
[[assignments]]
permission_set = "Admin"
accounts = ["management", "222222222222"]
"#;

/// Two creations answered IN_PROGRESS: the board lists what is still in
/// progress for both at once (the management account's stays for one
/// poll), finds the dev account's among the FAILED, and describes only
/// that one, for AWS's reason.
#[tokio::test]
async fn assignments_in_progress_are_polled_together_and_only_a_failure_is_described() {
    use aws_sdk_ssoadmin::operation::list_account_assignment_creation_status::ListAccountAssignmentCreationStatusOutput;
    use aws_sdk_ssoadmin::types::AccountAssignmentOperationStatusMetadata;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let create =
        mock!(aws_sdk_ssoadmin::Client::create_account_assignment).then_compute_output(|input| {
            let request = format!("req-{}", input.target_id().unwrap());
            CreateAccountAssignmentOutput::builder()
                .account_assignment_creation_status(creation(
                    StatusValues::InProgress,
                    &request,
                    None,
                ))
                .build()
        });
    let in_progress_lists = Arc::new(AtomicUsize::new(0));
    let seen = in_progress_lists.clone();
    let list = mock!(aws_sdk_ssoadmin::Client::list_account_assignment_creation_status)
        .then_compute_output(move |input| {
            let status = input.filter().and_then(|f| f.status()).cloned();
            let ids: Vec<String> = match status {
                Some(StatusValues::InProgress) => {
                    // The management account's creation is in progress at
                    // the first look only.
                    if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                        vec![format!("req-{MANAGEMENT}")]
                    } else {
                        vec![]
                    }
                }
                Some(StatusValues::Failed) => vec![format!("req-{DEV}"), "req-someone-else".into()],
                _ => panic!("the board always filters by status"),
            };
            let mut out = ListAccountAssignmentCreationStatusOutput::builder();
            for id in ids {
                out = out.account_assignments_creation_status(
                    AccountAssignmentOperationStatusMetadata::builder()
                        .request_id(id)
                        .build(),
                );
            }
            out.build()
        });
    let describe = mock!(aws_sdk_ssoadmin::Client::describe_account_assignment_creation_status)
        .then_compute_output(|input| {
            let request = input
                .account_assignment_creation_request_id()
                .unwrap()
                .to_string();
            assert_eq!(
                request,
                format!("req-{DEV}"),
                "only the failure is described"
            );
            DescribeAccountAssignmentCreationStatusOutput::builder()
                .account_assignment_creation_status(creation(
                    StatusValues::Failed,
                    &request,
                    Some("Received a 404 status error: Not supported account"),
                ))
                .build()
        });
    let mut rules = admin_set_rules();
    rules.push(
        mock!(aws_sdk_ssoadmin::Client::list_account_assignments)
            .then_output(|| ListAccountAssignmentsOutput::builder().build()),
    );
    rules.push(create.clone());
    rules.push(list.clone());
    rules.push(describe.clone());
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        organizations_with_dev(),
        ssoadmin_any(&rules),
        identitystore(&[&groups_exist(&["Admin-111111111111", "Admin-222222222222"])]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    ctx.cx.config.config = parse(ADMIN_ON_TWO_ACCOUNTS).unwrap();
    let err = crate::run::run(
        &mut ctx,
        &[crate::steps::assignments::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap_err();
    let text = render(&err).join("\n");
    assert!(
        text.contains("error: 1 of 2 changes in assignments failed"),
        "{text}"
    );
    assert!(
        text.contains("caused by: assign Admin on account 222222222222 to group Admin-222222222222: AWS reported the assignment FAILED: Received a 404 status error: Not supported account"),
        "{text}"
    );
    assert_eq!(exit_code(&err), exit::USER);
    assert_eq!(create.num_calls(), 2, "both were tried");
    assert_eq!(describe.num_calls(), 1, "one Describe, for the failure");
    assert!(
        in_progress_lists.load(Ordering::SeqCst) >= 2,
        "IN_PROGRESS was listed until the management account's left it"
    );
}

/// A policy without the list permission: each request is described on its
/// own, with no error.
#[tokio::test]
async fn without_the_list_permission_each_creation_is_described() {
    use aws_sdk_ssoadmin::operation::list_account_assignment_creation_status::ListAccountAssignmentCreationStatusError;
    use aws_sdk_ssoadmin::types::error::AccessDeniedException;

    let create =
        mock!(aws_sdk_ssoadmin::Client::create_account_assignment).then_compute_output(|input| {
            let request = format!("req-{}", input.target_id().unwrap());
            CreateAccountAssignmentOutput::builder()
                .account_assignment_creation_status(creation(
                    StatusValues::InProgress,
                    &request,
                    None,
                ))
                .build()
        });
    let list =
        mock!(aws_sdk_ssoadmin::Client::list_account_assignment_creation_status).then_error(|| {
            ListAccountAssignmentCreationStatusError::AccessDeniedException(
                AccessDeniedException::builder()
                    .message("not authorized to perform sso:ListAccountAssignmentCreationStatus")
                    .meta(meta(
                        "AccessDeniedException",
                        "not authorized to perform sso:ListAccountAssignmentCreationStatus",
                    ))
                    .build(),
            )
        });
    let describe = mock!(aws_sdk_ssoadmin::Client::describe_account_assignment_creation_status)
        .then_compute_output(|input| {
            let request = input.account_assignment_creation_request_id().unwrap();
            DescribeAccountAssignmentCreationStatusOutput::builder()
                .account_assignment_creation_status(creation(
                    StatusValues::Succeeded,
                    request,
                    None,
                ))
                .build()
        });
    let mut rules = admin_set_rules();
    rules.push(
        mock!(aws_sdk_ssoadmin::Client::list_account_assignments)
            .then_output(|| ListAccountAssignmentsOutput::builder().build()),
    );
    rules.push(create.clone());
    rules.push(list.clone());
    rules.push(describe.clone());
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        organizations_with_dev(),
        ssoadmin_any(&rules),
        identitystore(&[&groups_exist(&["Admin-111111111111", "Admin-222222222222"])]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    ctx.cx.config.config = parse(ADMIN_ON_TWO_ACCOUNTS).unwrap();
    crate::run::run(
        &mut ctx,
        &[crate::steps::assignments::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(create.num_calls(), 2);
    assert_eq!(describe.num_calls(), 2, "one Describe per creation");
}

#[tokio::test]
async fn a_conflict_on_assignment_creation_is_retried() {
    let create = mock!(aws_sdk_ssoadmin::Client::create_account_assignment)
        .sequence()
        .error(|| {
            CreateAccountAssignmentError::ConflictException(
                SsoConflict::builder()
                    .message("Permission set is being provisioned")
                    .meta(meta(
                        "ConflictException",
                        "Permission set is being provisioned",
                    ))
                    .build(),
            )
        })
        .output(|| {
            CreateAccountAssignmentOutput::builder()
                .account_assignment_creation_status(creation(
                    StatusValues::Succeeded,
                    "req-1",
                    None,
                ))
                .build()
        })
        .build();
    let mut rules = admin_set_rules();
    rules.push(
        mock!(aws_sdk_ssoadmin::Client::list_account_assignments)
            .then_output(|| ListAccountAssignmentsOutput::builder().build()),
    );
    rules.push(create.clone());
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        organizations_with_dev(),
        ssoadmin_any(&rules),
        identitystore(&[&groups_exist(&["Admin-111111111111"])]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    ctx.cx.config.config = parse("[[permission_sets]]\nname = \"Admin\"\n[[assignments]]\npermission_set = \"Admin\"\naccounts = [\"management\"]\n").unwrap();
    crate::run::run(
        &mut ctx,
        &[crate::steps::assignments::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(create.num_calls(), 2);
}

#[tokio::test]
async fn provisioning_that_fails_stops_with_the_failure_reason() {
    let mut rules = admin_set_rules();
    rules.extend([
        mock!(aws_sdk_ssoadmin::Client::list_managed_policies_in_permission_set)
            .then_output(|| ListManagedPoliciesInPermissionSetOutput::builder().build()),
        mock!(aws_sdk_ssoadmin::Client::list_customer_managed_policy_references_in_permission_set)
            .then_output(|| ListCustomerManagedPolicyReferencesInPermissionSetOutput::builder().build()),
        mock!(aws_sdk_ssoadmin::Client::get_inline_policy_for_permission_set)
            .then_output(|| GetInlinePolicyForPermissionSetOutput::builder().build()),
        mock!(aws_sdk_ssoadmin::Client::get_permissions_boundary_for_permission_set).then_error(|| {
            GetPermissionsBoundaryForPermissionSetError::ResourceNotFoundException(
                SsoNotFound::builder().meta(meta("ResourceNotFoundException", "no boundary")).build(),
            )
        }),
        mock!(aws_sdk_ssoadmin::Client::attach_managed_policy_to_permission_set)
            .then_output(|| AttachManagedPolicyToPermissionSetOutput::builder().build()),
        mock!(aws_sdk_ssoadmin::Client::list_accounts_for_provisioned_permission_set)
            .then_output(|| ListAccountsForProvisionedPermissionSetOutput::builder().account_ids(DEV).build()),
        mock!(aws_sdk_ssoadmin::Client::provision_permission_set).then_output(|| {
            ProvisionPermissionSetOutput::builder()
                .permission_set_provisioning_status(
                    PermissionSetProvisioningStatus::builder()
                        .status(StatusValues::InProgress)
                        .request_id("prov-1")
                        .build(),
                )
                .build()
        }),
        mock!(aws_sdk_ssoadmin::Client::describe_permission_set_provisioning_status).then_output(|| {
            DescribePermissionSetProvisioningStatusOutput::builder()
                .permission_set_provisioning_status(
                    PermissionSetProvisioningStatus::builder()
                        .status(StatusValues::Failed)
                        .request_id("prov-1")
                        .failure_reason("Customer managed policy MyPolicy does not exist in account 222222222222")
                        .build(),
                )
                .build()
        }),
    ]);
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        organizations_with_dev(),
        ssoadmin_any(&rules),
        identitystore(&[]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    ctx.cx.config.config = parse("[[permission_sets]]\nname = \"Admin\"\nmanaged_policies = [\"arn:aws:iam::aws:policy/AdministratorAccess\"]\n").unwrap();
    let err = crate::run::run(
        &mut ctx,
        &[crate::steps::permission_sets::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap_err();
    let text = render(&err).join("\n");
    assert!(
        text.contains("provisioning permission set Admin FAILED"),
        "{text}"
    );
    assert!(
        text.contains("Customer managed policy MyPolicy does not exist in account 222222222222"),
        "{text}"
    );
    assert_eq!(exit_code(&err), exit::USER);
}

fn store_aws(rules: &[&Rule]) -> Aws {
    let store = mock_client!(aws_sdk_identitystore, RuleMode::MatchAny, rules, |b| b
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
        ));
    Aws::from_clients(
        "us-east-1",
        management_caller(),
        organizations_with_dev(),
        super::ssoadmin(&[]),
        store,
        regions_with_instance_in(None),
    )
}

#[tokio::test]
async fn a_concurrent_modification_conflict_is_retried_and_a_uniqueness_one_adopts_the_group() {
    // CONCURRENT_MODIFICATION: nothing exists yet, so the create is retried.
    let create = mock!(aws_sdk_identitystore::Client::create_group)
        .sequence()
        .error(|| {
            CreateGroupError::ConflictException(
                StoreConflict::builder()
                    .message("concurrent modification")
                    .reason(ConflictExceptionReason::ConcurrentModification)
                    .meta(meta("ConflictException", "concurrent modification"))
                    .build(),
            )
        })
        .output(|| {
            CreateGroupOutput::builder()
                .group_id("g-new")
                .group_arn("arn:aws:identitystore::111111111111:group/g-new")
                .revision("1")
                .identity_store_id("d-1234567890")
                .build()
                .unwrap()
        })
        .build();
    let missing = mock!(aws_sdk_identitystore::Client::get_group_id).then_error(|| {
        GetGroupIdError::ResourceNotFoundException(
            StoreNotFound::builder()
                .meta(meta("ResourceNotFoundException", "none"))
                .build(),
        )
    });
    let aws = store_aws(&[&create, &missing]);
    let id =
        crate::aws::identitystore::create_group(&aws, "d-1234567890", "Admin-111111111111", "d")
            .await
            .unwrap();
    assert_eq!(id, "g-new");
    assert_eq!(create.num_calls(), 2);

    // UNIQUENESS_CONSTRAINT_VIOLATION: it exists (a race or an earlier run): adopt it.
    let exists = mock!(aws_sdk_identitystore::Client::create_group).then_error(|| {
        CreateGroupError::ConflictException(
            StoreConflict::builder()
                .message("Duplicate GroupDisplayName")
                .reason(ConflictExceptionReason::UniquenessConstraintViolation)
                .meta(meta("ConflictException", "Duplicate GroupDisplayName"))
                .build(),
        )
    });
    let found = mock!(aws_sdk_identitystore::Client::get_group_id).then_output(|| {
        aws_sdk_identitystore::operation::get_group_id::GetGroupIdOutput::builder()
            .group_id("g-existing")
            .group_arn("arn:aws:identitystore::111111111111:group/g-existing")
            .identity_store_id("d-1234567890")
            .build()
            .unwrap()
    });
    let aws = store_aws(&[&exists, &found]);
    let id =
        crate::aws::identitystore::create_group(&aws, "d-1234567890", "Admin-111111111111", "d")
            .await
            .unwrap();
    assert_eq!(id, "g-existing");
    assert_eq!(exists.num_calls(), 1, "no second create");
}

#[tokio::test]
async fn throttling_is_retried_with_backoff() {
    let throttled_then_ok = mock!(aws_sdk_identitystore::Client::list_groups)
        .sequence()
        .http_response(|| {
            HttpResponse::new(
                StatusCode::try_from(400).unwrap(),
                SdkBody::from(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#),
            )
        })
        .times(2)
        .output(|| {
            ListGroupsOutput::builder()
                .set_groups(Some(Vec::new()))
                .build()
                .unwrap()
        })
        .build();
    let aws = store_aws(&[&throttled_then_ok]);
    let groups = crate::aws::identitystore::list_groups(&aws, "d-1234567890")
        .await
        .unwrap();
    assert!(groups.is_empty());
    assert_eq!(throttled_then_ok.num_calls(), 3);
}

/// moto has no UpdateUser: a user whose email and family name drifted is
/// brought back to the config with one UpdateUser, the email sent as the
/// one primary work address.
#[tokio::test]
async fn a_drifted_user_is_updated_to_the_config() {
    use aws_sdk_identitystore::operation::list_group_memberships_for_member::ListGroupMembershipsForMemberOutput;
    use aws_sdk_identitystore::operation::list_users::ListUsersOutput;
    use aws_sdk_identitystore::operation::update_user::UpdateUserOutput;
    use aws_sdk_identitystore::types::{Email, Name, User};
    use aws_smithy_types::Document;

    let users = mock!(aws_sdk_identitystore::Client::list_users).then_output(|| {
        ListUsersOutput::builder()
            .users(
                User::builder()
                    .user_id("u-alice")
                    .user_arn("arn:aws:identitystore::111111111111:identitystore/d-1234567890/user/u-alice")
                    .revision("1")
                    .identity_store_id("d-1234567890")
                    .user_name("alice")
                    .display_name("Alice Doe")
                    .name(Name::builder().given_name("Alice").family_name("Roe").build())
                    .emails(Email::builder().value("old@example.com").primary(true).build())
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    });
    let groups = mock!(aws_sdk_identitystore::Client::list_groups).then_output(|| {
        ListGroupsOutput::builder()
            .set_groups(Some(vec![]))
            .build()
            .unwrap()
    });
    let memberships = mock!(aws_sdk_identitystore::Client::list_group_memberships_for_member)
        .then_output(|| {
            ListGroupMembershipsForMemberOutput::builder()
                .set_group_memberships(Some(vec![]))
                .build()
                .unwrap()
        });
    let update = mock!(aws_sdk_identitystore::Client::update_user)
        .match_requests(|r| {
            let ops = r.operations();
            let path = |i: usize| ops[i].attribute_path();
            let email = ops[0].attribute_value().and_then(|v| match v {
                Document::Array(items) => items.first().cloned(),
                _ => None,
            });
            r.user_id() == Some("u-alice")
                && ops.len() == 2
                && path(0) == "emails"
                && email
                    == Some(Document::Object(
                        [
                            (
                                "value".to_string(),
                                Document::String("alice@example.com".into()),
                            ),
                            ("type".to_string(), Document::String("work".into())),
                            ("primary".to_string(), Document::Bool(true)),
                        ]
                        .into(),
                    ))
                && path(1) == "name.familyName"
                && ops[1].attribute_value() == Some(&Document::String("Doe".into()))
        })
        .then_output(|| {
            UpdateUserOutput::builder()
                .identity_store_id("d-1234567890")
                .user_id("u-alice")
                .user_arn(
                    "arn:aws:identitystore::111111111111:identitystore/d-1234567890/user/u-alice",
                )
                .revision("2")
                .build()
                .unwrap()
        });
    let store = mock_client!(
        aws_sdk_identitystore,
        RuleMode::MatchAny,
        [&users, &groups, &memberships, &update]
    );
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        organizations_with_dev(),
        super::ssoadmin(&[&list_instances(vec![instance(InstanceStatus::Active)])]),
        store,
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    ctx.cx.config.config = parse(
        "[[users]]\nuser_name = \"alice\"\ngiven_name = \"Alice\"\nfamily_name = \"Doe\"\nemail = \"alice@example.com\"\n",
    )
    .unwrap();
    crate::run::run(
        &mut ctx,
        &[crate::steps::users::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(update.num_calls(), 1, "one UpdateUser with both attributes");
}
