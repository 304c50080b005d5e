//! `--prune` where moto cannot show it: a list that comes back empty where
//! there must be content (ssosync's mass delete), and the tag that marks a
//! permission set as ssosetup's (moto keeps no tags on permission sets).

use aws_sdk_identitystore::operation::list_users::ListUsersOutput;
use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
use aws_sdk_ssoadmin::operation::delete_account_assignment::DeleteAccountAssignmentOutput;
use aws_sdk_ssoadmin::operation::delete_permission_set::DeletePermissionSetOutput;
use aws_sdk_ssoadmin::operation::describe_permission_set::DescribePermissionSetOutput;
use aws_sdk_ssoadmin::operation::list_account_assignment_deletion_status::ListAccountAssignmentDeletionStatusOutput;
use aws_sdk_ssoadmin::operation::list_account_assignments::ListAccountAssignmentsOutput;
use aws_sdk_ssoadmin::operation::list_account_assignments_for_principal::ListAccountAssignmentsForPrincipalOutput;
use aws_sdk_ssoadmin::operation::list_accounts_for_provisioned_permission_set::ListAccountsForProvisionedPermissionSetOutput;
use aws_sdk_ssoadmin::operation::list_managed_policies_in_permission_set::ListManagedPoliciesInPermissionSetOutput;
use aws_sdk_ssoadmin::operation::list_permission_sets::ListPermissionSetsOutput;
use aws_sdk_ssoadmin::operation::list_tags_for_resource::ListTagsForResourceOutput;
use aws_sdk_ssoadmin::types::{
    AccountAssignment, AccountAssignmentForPrincipal, AccountAssignmentOperationStatus,
    InstanceStatus, PermissionSet, PrincipalType, StatusValues, Tag,
};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

use super::{
    ctx, describe_org, identitystore, instance, list_instances, management_caller,
    regions_with_instance_in, MANAGEMENT,
};
use crate::aws::Aws;
use crate::config::parse;
use crate::error::{exit, exit_code, render};
use crate::ui::prompt::{AutoYes, Scripted};
use crate::ui::Prompter;

const DEV: &str = "222222222222";
const ADMIN: &str = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-admin";
const OLD: &str = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-old";
const HAND: &str = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-hand";

fn set(name: &str, arn: &str) -> PermissionSet {
    PermissionSet::builder()
        .name(name)
        .permission_set_arn(arn)
        .session_duration("PT1H")
        .build()
}

/// The permission sets `sets` (name, ARN), each described by its ARN.
fn sets(sets: &'static [(&'static str, &'static str)]) -> [Rule; 2] {
    [
        mock!(aws_sdk_ssoadmin::Client::list_permission_sets).then_output(move || {
            let mut out = ListPermissionSetsOutput::builder();
            for (_, arn) in sets {
                out = out.permission_sets(*arn);
            }
            out.build()
        }),
        mock!(aws_sdk_ssoadmin::Client::describe_permission_set).then_compute_output(
            move |input| {
                let arn = input.permission_set_arn().unwrap();
                let (name, _) = sets.iter().find(|(_, a)| *a == arn).unwrap();
                DescribePermissionSetOutput::builder()
                    .permission_set(set(name, arn))
                    .build()
            },
        ),
    ]
}

fn no_policies() -> Rule {
    mock!(aws_sdk_ssoadmin::Client::list_managed_policies_in_permission_set)
        .then_output(|| ListManagedPoliciesInPermissionSetOutput::builder().build())
}

/// No inline policy: the lockout guard asks every set without
/// AdministratorAccess whether its inline policy grants everything.
fn no_inline_policy() -> Rule {
    mock!(aws_sdk_ssoadmin::Client::get_inline_policy_for_permission_set).then_output(|| {
        aws_sdk_ssoadmin::operation::get_inline_policy_for_permission_set::GetInlinePolicyForPermissionSetOutput::builder().build()
    })
}

fn deletion(status: StatusValues) -> AccountAssignmentOperationStatus {
    AccountAssignmentOperationStatus::builder()
        .status(status)
        .request_id("del-1")
        .build()
}

fn store_with_group(name: &'static str) -> aws_sdk_identitystore::Client {
    let groups = mock!(aws_sdk_identitystore::Client::list_groups).then_output(move || {
        aws_sdk_identitystore::operation::list_groups::ListGroupsOutput::builder()
            .groups(
                aws_sdk_identitystore::types::Group::builder()
                    .group_id(format!("g-{name}"))
                    .group_arn(format!(
                        "arn:aws:identitystore::111111111111:group/g-{name}"
                    ))
                    .revision("1")
                    .identity_store_id("d-1234567890")
                    .display_name(name)
                    .description(format!("{name} (managed by ssosetup)"))
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    });
    let users = mock!(aws_sdk_identitystore::Client::list_users).then_output(|| {
        ListUsersOutput::builder()
            .set_users(Some(vec![]))
            .build()
            .unwrap()
    });
    identitystore(&[&groups, &users])
}

fn organizations(accounts: &'static [&'static str]) -> aws_sdk_organizations::Client {
    let list = mock!(aws_sdk_organizations::Client::list_accounts).then_output(move || {
        let mut out = ListAccountsOutput::builder().set_accounts(Some(vec![]));
        for id in accounts {
            out = out.accounts(
                aws_sdk_organizations::types::Account::builder()
                    .id(*id)
                    .name(*id)
                    .state(aws_sdk_organizations::types::AccountState::Active)
                    .build(),
            );
        }
        out.build()
    });
    mock_client!(
        aws_sdk_organizations,
        RuleMode::MatchAny,
        [&describe_org(MANAGEMENT), &list]
    )
}

/// The organization's account list comes back empty (a transient bad read)
/// while the group `Admin-222222222222` holds Admin on 222222222222: the
/// config's `accounts = ["all"]` would then want nothing, and every
/// assignment would look dropped. Returns the mocked delete for counting.
fn empty_account_read() -> (Aws, Rule) {
    let [list_sets, describe] = sets(&[("Admin", ADMIN)]);
    let held =
        mock!(aws_sdk_ssoadmin::Client::list_account_assignments_for_principal).then_output(|| {
            ListAccountAssignmentsForPrincipalOutput::builder()
                .account_assignments(
                    AccountAssignmentForPrincipal::builder()
                        .account_id(DEV)
                        .permission_set_arn(ADMIN)
                        .principal_id("g-Admin-222222222222")
                        .principal_type(PrincipalType::Group)
                        .build(),
                )
                .build()
        });
    let delete = mock!(aws_sdk_ssoadmin::Client::delete_account_assignment).then_output(|| {
        DeleteAccountAssignmentOutput::builder()
            .account_assignment_deletion_status(deletion(StatusValues::Succeeded))
            .build()
    });
    let rules = [
        list_instances(vec![instance(InstanceStatus::Active)]),
        list_sets,
        describe,
        held,
        no_policies(),
        no_inline_policy(),
        mock!(aws_sdk_ssoadmin::Client::list_account_assignments)
            .then_output(|| ListAccountAssignmentsOutput::builder().build()),
        delete.clone(),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        organizations(&[]),
        mock_client!(aws_sdk_ssoadmin, RuleMode::MatchAny, refs),
        store_with_group("Admin-222222222222"),
        regions_with_instance_in(None),
    );
    (aws, delete)
}

const ADMIN_EVERYWHERE: &str = r#"
[[permission_sets]]
name = "Admin"
[[assignments]]
permission_set = "Admin"
accounts = ["all"]
"#;

/// `assignments --prune` of [`ADMIN_EVERYWHERE`] over an account list that
/// came back empty, answered by `prompt`: the run's result, and the rule
/// that counts DeleteAccountAssignment calls.
async fn prune_after_empty_read(prompt: Box<dyn Prompter>) -> (anyhow::Result<()>, Rule) {
    let (aws, delete) = empty_account_read();
    let mut s = ctx(aws, prompt);
    s.cx.config.config = parse(ADMIN_EVERYWHERE).unwrap();
    s.cx.config.prune = true;
    let result = crate::run::run(
        &mut s,
        &[crate::steps::assignments::ID],
        crate::run::Mode::Apply,
    )
    .await;
    (result, delete)
}

#[tokio::test]
async fn an_empty_account_list_withholds_every_removal_under_yes() {
    let (result, delete) = prune_after_empty_read(Box::new(AutoYes)).await;
    let err = result.unwrap_err();
    let text = render(&err).join("\n");
    assert!(text.contains("no removal was made"), "{text}");
    assert!(
        text.contains("The list of the organization's accounts came back empty"),
        "{text}"
    );
    assert_eq!(exit_code(&err), exit::USER);
    assert_eq!(delete.num_calls(), 0, "nothing was deleted on a bad read");
}

#[tokio::test]
async fn an_empty_account_list_removes_only_when_a_person_says_so() {
    // At a terminal the warning and question come first: "n" withholds,
    // "y" (then yes to the run's own question) goes ahead.
    let (result, delete) = prune_after_empty_read(Box::new(Scripted::new(&["n"]))).await;
    assert!(render(&result.unwrap_err())
        .join("\n")
        .contains("no removal was made"));
    assert_eq!(delete.num_calls(), 0);

    let (result, delete) = prune_after_empty_read(Box::new(Scripted::new(&["y", "y"]))).await;
    result.unwrap();
    assert_eq!(delete.num_calls(), 1, "confirmed by a person");
}

#[tokio::test]
async fn an_empty_account_list_keeps_every_group_under_yes() {
    // The same bad read at the groups step: Admin-222222222222 carries
    // ssosetup's mark and would look dropped.
    let (aws, _) = empty_account_read();
    let mut s = ctx(aws, Box::new(AutoYes));
    s.cx.config.config = parse(ADMIN_EVERYWHERE).unwrap();
    s.cx.config.prune = true;
    let mut facts = crate::steps::Facts::new(crate::run::whoami(&s.cx).await.unwrap(), "us-east-1");
    let plan = crate::steps::step(crate::steps::groups::ID)
        .check(&s.cx, &mut facts)
        .await
        .unwrap();
    assert!(
        plan.actions
            .iter()
            .any(|a| matches!(a, crate::plan::Action::DeleteGroup { name, .. } if name == "Admin-222222222222")),
        "{plan:?}"
    );
    assert!(plan.gate.is_some(), "the removal is asked about first");
    let mut plans = [plan];
    crate::run::gates(&mut s, &mut plans).unwrap();
    assert!(plans[0].actions.is_empty(), "withheld under --yes");
    assert!(plans[0].waits.is_some());
}

/// Three sets the config does not name: `Old` carries ssosetup's tag and is
/// held by a group on 222222222222; `Hand` was made by hand; the AWS one is
/// Control Tower's. Only `Old` goes, its assignment first and waited for.
#[tokio::test]
async fn prune_removes_only_the_tagged_set_and_its_assignment_first() {
    let [list_sets, describe] = sets(&[
        ("Old", OLD),
        ("Hand", HAND),
        ("AWSAdministratorAccess", ADMIN),
    ]);
    let tags =
        mock!(aws_sdk_ssoadmin::Client::list_tags_for_resource).then_compute_output(|input| {
            let mut out = ListTagsForResourceOutput::builder();
            if input.resource_arn() == Some(OLD) {
                out = out.tags(
                    Tag::builder()
                        .key("ssosetup:managed")
                        .value("true")
                        .build()
                        .unwrap(),
                );
            }
            out.build()
        });
    let provisioned = mock!(aws_sdk_ssoadmin::Client::list_accounts_for_provisioned_permission_set)
        .match_requests(|r| r.permission_set_arn() == Some(OLD))
        .then_output(|| {
            ListAccountsForProvisionedPermissionSetOutput::builder()
                .account_ids(DEV)
                .build()
        });
    let holders =
        mock!(aws_sdk_ssoadmin::Client::list_account_assignments).then_compute_output(|input| {
            let mut out = ListAccountAssignmentsOutput::builder();
            if input.permission_set_arn() == Some(OLD) && input.account_id() == Some(DEV) {
                out = out.account_assignments(
                    AccountAssignment::builder()
                        .account_id(DEV)
                        .permission_set_arn(OLD)
                        .principal_type(PrincipalType::Group)
                        .principal_id("g-Old-222222222222")
                        .build(),
                );
            }
            out.build()
        });
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::<&str>::new()));
    let seen = order.clone();
    let delete_assignment = mock!(aws_sdk_ssoadmin::Client::delete_account_assignment)
        .match_requests(|r| {
            r.permission_set_arn() == Some(OLD)
                && r.target_id() == Some(DEV)
                && r.principal_id() == Some("g-Old-222222222222")
        })
        .then_compute_output(move |_| {
            seen.lock().unwrap().push("assignment");
            DeleteAccountAssignmentOutput::builder()
                .account_assignment_deletion_status(deletion(StatusValues::InProgress))
                .build()
        });
    let seen = order.clone();
    let deletion_status = mock!(aws_sdk_ssoadmin::Client::list_account_assignment_deletion_status)
        .then_compute_output(move |_| {
            // Nothing IN_PROGRESS, nothing FAILED: the deletion is done.
            seen.lock().unwrap().push("waited");
            ListAccountAssignmentDeletionStatusOutput::builder().build()
        });
    let seen = order.clone();
    let delete_set = mock!(aws_sdk_ssoadmin::Client::delete_permission_set)
        .match_requests(|r| r.permission_set_arn() == Some(OLD))
        .then_compute_output(move |_| {
            seen.lock().unwrap().push("set");
            DeletePermissionSetOutput::builder().build()
        });
    let rules = [
        list_instances(vec![instance(InstanceStatus::Active)]),
        list_sets,
        describe,
        tags.clone(),
        provisioned,
        holders,
        no_policies(),
        no_inline_policy(),
        delete_assignment.clone(),
        deletion_status,
        delete_set.clone(),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        organizations(&[MANAGEMENT, DEV]),
        mock_client!(aws_sdk_ssoadmin, RuleMode::MatchAny, refs),
        store_with_group("Old-222222222222"),
        regions_with_instance_in(None),
    );
    let mut s = ctx(aws, Box::new(Scripted::new(&["y", "y"])));
    s.cx.config.prune = true;
    crate::run::run(
        &mut s,
        &[crate::steps::permission_sets::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(tags.num_calls(), 2, "Old and Hand were asked; AWS* never");
    assert_eq!(delete_assignment.num_calls(), 1);
    assert_eq!(delete_set.num_calls(), 1, "only Old");
    assert_eq!(
        *order.lock().unwrap(),
        ["assignment", "waited", "waited", "set"],
        "the assignment goes first and is waited for (IN_PROGRESS, then FAILED listed)"
    );
}
