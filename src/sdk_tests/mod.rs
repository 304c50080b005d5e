//! SDK-level tests: the real SDK clients with `aws-smithy-mocks` answers, for
//! what moto cannot show (no instance, an instance elsewhere, member-account
//! and root callers, AccessDenied). The pipeline under test is the one the
//! binary runs: `steps::run` with a real driver and prompter.

use std::sync::Arc;

use aws_sdk_organizations::operation::create_organization::{
    CreateOrganizationError, CreateOrganizationOutput,
};
use aws_sdk_organizations::operation::describe_organization::{
    DescribeOrganizationError, DescribeOrganizationOutput,
};
use aws_sdk_organizations::types::error::{
    AccessDeniedException, AlreadyInOrganizationException, AwsOrganizationsNotInUseException,
};
use aws_sdk_organizations::types::{Organization, OrganizationFeatureSet};
use aws_sdk_ssoadmin::operation::list_instances::ListInstancesOutput;
use aws_sdk_ssoadmin::types::{InstanceMetadata, InstanceStatus};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;

use crate::aws::Aws;
use crate::config::{Config, LoadedConfig};
use crate::error::{exit, exit_code, render};
use crate::run::Session;
use crate::steps::{self, Cx};
use crate::ui::prompt::{AutoYes, Scripted};
use crate::ui::OutputFormat;
use crate::ui::{Printer, Prompter};

mod cleanup;
mod prune;
mod resources;

pub(super) const MANAGEMENT: &str = "111111111111";

/// The metadata the SDK parses from a real error response (hand-built
/// modeled errors carry none).
pub(super) fn meta(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}
const MEMBER: &str = "222222222222";

pub(super) fn sts_as(arn: &'static str, account: &'static str) -> aws_sdk_sts::Client {
    let rule = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(move || {
        GetCallerIdentityOutput::builder()
            .account(account)
            .arn(arn)
            .user_id("AIDA")
            .build()
    });
    mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&rule])
}

pub(super) fn org(management: &'static str) -> Organization {
    Organization::builder()
        .id("o-abc123")
        .master_account_id(management)
        .feature_set(OrganizationFeatureSet::All)
        .build()
}

pub(super) fn describe_org(management: &'static str) -> Rule {
    mock!(aws_sdk_organizations::Client::describe_organization).then_output(move || {
        DescribeOrganizationOutput::builder()
            .organization(org(management))
            .build()
    })
}

pub(super) fn instance(status: InstanceStatus) -> InstanceMetadata {
    InstanceMetadata::builder()
        .instance_arn("arn:aws:sso:::instance/ssoins-1111111111111111")
        .identity_store_id("d-1234567890")
        .owner_account_id(MANAGEMENT)
        .status(status)
        .build()
}

pub(super) fn list_instances(found: Vec<InstanceMetadata>) -> Rule {
    mock!(aws_sdk_ssoadmin::Client::list_instances).then_output(move || {
        ListInstancesOutput::builder()
            .set_instances(Some(found.clone()))
            .build()
    })
}

pub(super) fn ssoadmin(rules: &[&Rule]) -> aws_sdk_ssoadmin::Client {
    mock_client!(aws_sdk_ssoadmin, RuleMode::Sequential, rules)
}

pub(super) fn identitystore(rules: &[&Rule]) -> aws_sdk_identitystore::Client {
    mock_client!(aws_sdk_identitystore, RuleMode::MatchAny, rules)
}

/// Other regions: `found_in` has an instance, the rest have none.
pub(super) fn regions_with_instance_in(
    found_in: Option<&'static str>,
) -> crate::aws::RegionalSsoAdmin {
    Arc::new(move |region: &str| {
        let found = if Some(region) == found_in {
            vec![instance(InstanceStatus::Active)]
        } else {
            vec![]
        };
        ssoadmin(&[&list_instances(found)])
    })
}

pub(super) fn ctx(aws: Aws, prompt: Box<dyn Prompter>) -> Session {
    Session {
        cx: Cx {
            aws,
            config: LoadedConfig {
                config: Config::default(),
                prune: false,
                path: "ssosetup.toml".into(),
                from_file: false,
                region_flag: true,
            },
            out: Printer::new(true),
        },
        prompt,
        output: OutputFormat::Text,
    }
}

/// Confirms, answers and applies one step's plan, as the driver does.
pub(super) async fn apply_one(
    s: &mut Session,
    facts: &mut steps::Facts,
    plan: crate::plan::StepPlan,
) -> anyhow::Result<()> {
    let mut plans = [plan];
    crate::run::approve(s, &mut plans, crate::run::Asked::NotYet)?;
    crate::run::apply_plan(s, facts, &plans[0]).await
}

pub(super) fn management_caller() -> aws_sdk_sts::Client {
    sts_as("arn:aws:iam::111111111111:user/admin", MANAGEMENT)
}

#[tokio::test]
async fn no_instance_under_yes_exits_1_with_the_console_url() {
    let home = list_instances(vec![]);
    let aws = Aws::from_clients(
        "ap-southeast-1",
        management_caller(),
        mock_client!(aws_sdk_organizations, [&describe_org(MANAGEMENT)]),
        ssoadmin(&[&home]),
        identitystore(&[]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    let err = crate::run::run(
        &mut ctx,
        &[crate::steps::identity_center::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap_err();
    let text = render(&err).join("\n");
    assert!(
        text.contains("console step not done yet: enable IAM Identity Center in ap-southeast-1"),
        "{text}"
    );
    assert!(
        text.contains(
            "https://ap-southeast-1.console.aws.amazon.com/singlesignon/home?region=ap-southeast-1"
        ),
        "{text}"
    );
    assert_eq!(exit_code(&err), exit::USER);
}

#[tokio::test]
async fn no_instance_interactive_shows_the_page_and_polls_until_active() {
    // Observe: none. After the first Enter: still none. After the second: ACTIVE.
    let home = mock!(aws_sdk_ssoadmin::Client::list_instances)
        .sequence()
        .output(|| ListInstancesOutput::builder().build())
        .times(2)
        .output(|| {
            ListInstancesOutput::builder()
                .instances(instance(InstanceStatus::Active))
                .build()
        })
        .build();
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        mock_client!(aws_sdk_organizations, [&describe_org(MANAGEMENT)]),
        ssoadmin(&[&home]),
        identitystore(&[]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(Scripted::new(&["", ""])));
    crate::run::run(
        &mut ctx,
        &[crate::steps::identity_center::ID],
        crate::run::Mode::Apply,
    )
    .await
    .expect("the step finishes once the instance is ACTIVE");
    assert_eq!(home.num_calls(), 3);
}

#[tokio::test]
async fn an_instance_in_another_region_is_reported_not_duplicated() {
    let home = list_instances(vec![]);
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        mock_client!(aws_sdk_organizations, [&describe_org(MANAGEMENT)]),
        ssoadmin(&[&home]),
        identitystore(&[]),
        regions_with_instance_in(Some("eu-west-1")),
    );
    // A prompter that would answer any pause: the step must not ask for one.
    let mut ctx = ctx(aws, Box::new(Scripted::new(&[])));
    let err = crate::run::run(
        &mut ctx,
        &[crate::steps::identity_center::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap_err();
    let text = render(&err).join("\n");
    assert!(
        text.contains("IAM Identity Center is enabled in eu-west-1, not in us-east-1"),
        "{text}"
    );
    assert!(
        text.contains("hint: use the existing instance: run with --region eu-west-1"),
        "{text}"
    );
    assert_eq!(exit_code(&err), exit::USER);
}

#[tokio::test]
async fn a_member_account_caller_is_stopped_before_any_change() {
    let create = mock!(aws_sdk_organizations::Client::create_organization)
        .then_output(|| CreateOrganizationOutput::builder().build());
    let aws = Aws::from_clients(
        "us-east-1",
        sts_as("arn:aws:iam::222222222222:user/dev", MEMBER),
        mock_client!(
            aws_sdk_organizations,
            RuleMode::MatchAny,
            [&describe_org(MANAGEMENT), &create]
        ),
        // A member that is not the delegated administrator sees no
        // instance (the organization's is the management account's).
        ssoadmin(&[&list_instances(vec![])]),
        identitystore(&[]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    let err = crate::run::run(
        &mut ctx,
        &crate::steps::STEPS
            .iter()
            .map(|s| s.id())
            .collect::<Vec<_>>(),
        crate::run::Mode::Apply,
    )
    .await
    .unwrap_err();
    let text = render(&err).join("\n");
    assert!(text.contains("account 222222222222 is a member of organization o-abc123, which account 111111111111 manages"), "{text}");
    assert!(
        text.contains("hint: run ssosetup with credentials of the management account 111111111111"),
        "{text}"
    );
    assert_eq!(create.num_calls(), 0);
}

#[tokio::test]
async fn a_root_caller_is_recognised_and_marked_in_the_plan() {
    let aws = Aws::from_clients(
        "us-east-1",
        sts_as("arn:aws:iam::111111111111:root", MANAGEMENT),
        mock_client!(aws_sdk_organizations, [&describe_org(MANAGEMENT)]),
        ssoadmin(&[&list_instances(vec![instance(InstanceStatus::Active)])]),
        identitystore(&[]),
        regions_with_instance_in(None),
    );
    let ctx = ctx(aws, Box::new(AutoYes));
    let caller = crate::run::whoami(&ctx.cx).await.unwrap();
    assert!(caller.is_root());
    let header = crate::run::caller_lines(&ctx.cx, &caller).join("\n");
    assert!(
        header.contains("arn:aws:iam::111111111111:root (ROOT USER)"),
        "{header}"
    );
    let json = serde_json::to_value(crate::plan::json::PlanDocument::new(
        &caller,
        "profile test",
        "us-east-1",
        &[],
    ))
    .unwrap();
    assert_eq!(json["caller"]["root"], true);
}

#[tokio::test]
async fn access_denied_names_the_missing_iam_action() {
    let denied = mock!(aws_sdk_organizations::Client::describe_organization).then_error(|| {
        DescribeOrganizationError::AccessDeniedException(
            AccessDeniedException::builder()
                .message("You don't have permissions to access this resource.")
                .meta(meta(
                    "AccessDeniedException",
                    "You don't have permissions to access this resource.",
                ))
                .build(),
        )
    });
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        mock_client!(aws_sdk_organizations, [&denied]),
        ssoadmin(&[]),
        identitystore(&[]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    let err = crate::run::run(
        &mut ctx,
        &[crate::steps::organization::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap_err();
    let text = render(&err).join("\n");
    assert!(
        text.contains(
            "error: AWS refused organizations:DescribeOrganization: AccessDeniedException"
        ),
        "{text}"
    );
    assert!(
        text.contains("hint: the caller is not allowed `organizations:DescribeOrganization`"),
        "{text}"
    );
    assert_eq!(exit_code(&err), exit::USER);
}

#[tokio::test]
async fn an_organization_made_meanwhile_is_adopted_not_an_error() {
    let describe = mock!(aws_sdk_organizations::Client::describe_organization)
        .sequence()
        .error(|| {
            DescribeOrganizationError::AwsOrganizationsNotInUseException(
                AwsOrganizationsNotInUseException::builder()
                    .meta(meta(
                        "AWSOrganizationsNotInUseException",
                        "not in an organization",
                    ))
                    .build(),
            )
        })
        .output(|| {
            DescribeOrganizationOutput::builder()
                .organization(org(MANAGEMENT))
                .build()
        })
        .build();
    let create = mock!(aws_sdk_organizations::Client::create_organization).then_error(|| {
        CreateOrganizationError::AlreadyInOrganizationException(
            AlreadyInOrganizationException::builder()
                .meta(meta("AlreadyInOrganizationException", "already in one"))
                .build(),
        )
    });
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        mock_client!(
            aws_sdk_organizations,
            RuleMode::MatchAny,
            [&describe, &create]
        ),
        ssoadmin(&[]),
        identitystore(&[]),
        regions_with_instance_in(None),
    );
    let mut ctx = ctx(aws, Box::new(AutoYes));
    crate::run::run(
        &mut ctx,
        &[crate::steps::organization::ID],
        crate::run::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(create.num_calls(), 1);
    assert_eq!(describe.num_calls(), 2);
}

/// The wizard carries the seat over from its first look into a fresh
/// `Facts`: the organization step must still read the organization (it
/// planned "create the organization" for one that exists).
#[tokio::test]
async fn a_seat_known_already_still_lets_the_organization_step_see_the_organization() {
    use crate::steps::Step as _;
    let aws = Aws::from_clients(
        "us-east-1",
        management_caller(),
        mock_client!(aws_sdk_organizations, [&describe_org(MANAGEMENT)]),
        ssoadmin(&[&list_instances(vec![instance(InstanceStatus::Active)])]),
        identitystore(&[]),
        regions_with_instance_in(None),
    );
    let s = ctx(aws, Box::new(AutoYes));
    let caller = crate::run::whoami(&s.cx).await.unwrap();
    let mut facts = steps::Facts::new(caller, "us-east-1");
    facts.seat = crate::model::Seat::Management;
    let observed = crate::steps::organization::Organization
        .observe(&s.cx, &mut facts)
        .await
        .unwrap();
    assert!(observed.is_some(), "the organization that exists is seen");
}
