//! A plan with one of each kind of change, rendered as people read it and
//! as scripts read it, pinned as snapshots in the fast test layer (no AWS,
//! no Python): a change to the wording or the JSON shows up in review.
//! Refresh with `INSTA_UPDATE=always cargo test plan_renderings`.

use std::path::PathBuf;

use crate::model::{
    AccountId, Assignment, Boundary, Caller, CustomerManagedPolicy, GroupId, NewUser,
    PermissionSetArn, PermissionSetFields, Principal, StepId, UserChange, UserField, UserId,
};
use crate::plan::{json::PlanDocument, Action, Choice, ManualStep, NamedAssignment, StepPlan};

fn assignment(principal: Principal, name: &str) -> NamedAssignment {
    NamedAssignment {
        assignment: Assignment {
            principal,
            permission_set: PermissionSetArn::new("arn:aws:sso:::permissionSet/ssoins-1/ps-old"),
            account: AccountId::from_aws("222222222222"),
        },
        principal: name.into(),
        permission_set: "Old".into(),
    }
}

/// One plan per step, together holding every kind of action.
fn plans() -> Vec<StepPlan> {
    let step = |name: &'static str, actions: Vec<Action>| {
        let mut p = StepPlan::new(StepId::new(name));
        p.actions = actions;
        p
    };
    let fields = PermissionSetFields {
        description: Some("Full access".into()),
        session_duration: "PT4H".into(),
        relay_state: None,
    };
    let policy = CustomerManagedPolicy {
        name: "Guardrail".into(),
        path: "/".into(),
    };
    let mut identity_center = StepPlan::new(StepId::new("identity-center"));
    identity_center.manual.push(ManualStep {
        step: "identity-center",
        title: "enable IAM Identity Center in eu-west-1".into(),
        url: "https://eu-west-1.console.aws.amazon.com/singlesignon/home?region=eu-west-1#!/"
            .into(),
        checklist: vec!["click \"Enable\"".into()],
        required: true,
    });
    vec![
        step(
            "organization",
            vec![Action::CreateOrganization {
                management_account_id: "111111111111".into(),
            }],
        ),
        identity_center,
        step(
            "permission-sets",
            vec![
                Action::CreatePermissionSet {
                    name: "Admin".into(),
                    fields: fields.clone(),
                },
                Action::UpdatePermissionSet {
                    name: "Dev".into(),
                    fields,
                    changed: vec!["session duration"],
                },
                Action::AttachManagedPolicy {
                    permission_set: "Admin".into(),
                    policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
                },
                Action::DetachManagedPolicy {
                    permission_set: "Dev".into(),
                    policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                },
                Action::AttachCustomerManagedPolicy {
                    permission_set: "Dev".into(),
                    policy: policy.clone(),
                },
                Action::DetachCustomerManagedPolicy {
                    permission_set: "Dev".into(),
                    policy: policy.clone(),
                },
                Action::PutInlinePolicy {
                    permission_set: "Dev".into(),
                    document: "{}".into(),
                },
                Action::DeleteInlinePolicy {
                    permission_set: "Dev".into(),
                },
                Action::PutPermissionsBoundary {
                    permission_set: "Dev".into(),
                    boundary: Boundary::CustomerManaged(policy),
                },
                Action::DeletePermissionsBoundary {
                    permission_set: "Admin".into(),
                },
                Action::ProvisionPermissionSet {
                    permission_set: "Dev".into(),
                },
                Action::DeletePermissionSet {
                    name: "Old".into(),
                    arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-old".into(),
                    assignments: vec![assignment(Principal::Group(GroupId::new("g-2")), "Olds")],
                },
            ],
        ),
        step(
            "groups",
            vec![
                Action::CreateGroup {
                    name: "Admin-111111111111".into(),
                    description: "Admin on account 111111111111 (managed by ssosetup)".into(),
                },
                Action::DeleteGroup {
                    name: "Olds".into(),
                    group_id: "g-2".into(),
                    assignments: vec![assignment(Principal::Group(GroupId::new("g-2")), "Olds")],
                },
            ],
        ),
        step(
            "assignments",
            vec![
                Action::CreateAssignment {
                    group: "Admin-111111111111".into(),
                    permission_set: "Admin".into(),
                    account_id: "111111111111".into(),
                },
                Action::DeleteAssignment {
                    assignment: assignment(Principal::Group(GroupId::new("g-3")), "Ops"),
                },
            ],
        ),
        step(
            "users",
            vec![
                Action::CreateUser {
                    user: NewUser {
                        user_name: "alice".into(),
                        display_name: "Alice Doe".into(),
                        given_name: "Alice".into(),
                        family_name: "Doe".into(),
                        email: "alice@example.com".into(),
                    },
                },
                Action::UpdateUser {
                    user_name: "bob".into(),
                    changes: vec![UserChange {
                        field: UserField::Email,
                        from: "bob@old.example.com".into(),
                        to: "bob@example.com".into(),
                    }],
                },
                Action::AddMembership {
                    user_name: "alice".into(),
                    group: "Admin-111111111111".into(),
                },
                Action::RemoveMembership {
                    user_name: "bob".into(),
                    group: "Olds".into(),
                    membership_id: "m-1".into(),
                },
            ],
        ),
        step(
            "cli-profiles",
            vec![Action::WriteAwsConfig {
                path: PathBuf::from("/home/alice/.aws/config"),
                session: "personal".into(),
                sections: Vec::new(),
                changes: vec!["+ [profile Admin-111111111111]".into()],
                conflicts: vec![Choice {
                    subject: "profile dev".into(),
                    question: "Overwrite [profile dev]?".into(),
                    shown: None,
                    yes: false,
                }],
                stale: Vec::new(),
                diff: String::new(),
            }],
        ),
        step(
            "root-cleanup",
            vec![
                Action::EnableCentralizedRootAccess,
                Action::DeleteMemberRootCredentials {
                    account_id: "222222222222".into(),
                    found: None,
                    login: false,
                },
            ],
        ),
        step(
            "iam-users-cleanup",
            vec![
                Action::DeleteIamUser {
                    member: None,
                    user_name: "old-admin".into(),
                    dependents: vec!["2 access keys".into(), "console password".into()],
                    backup_dir: PathBuf::from("ssosetup-backups"),
                },
                Action::DeactivateAccessKeys {
                    member: Some(crate::model::MemberAccess {
                        account: "111122223333".into(),
                        name: "Prod".into(),
                        role_arn: "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"
                            .into(),
                    }),
                    user_name: "ci-bot".into(),
                    keys: vec!["AKIAEXAMPLE1234567890".into()],
                    backup_dir: PathBuf::from("ssosetup-backups/111122223333"),
                },
            ],
        ),
        step(
            "offboard",
            vec![
                Action::DeleteAssignment {
                    assignment: assignment(Principal::User(UserId::new("u-9")), "carol"),
                },
                Action::DeleteUser {
                    user_name: "carol".into(),
                    user_id: "u-9".into(),
                },
                Action::RemoveUserFromConfig {
                    path: PathBuf::from("ssosetup.toml"),
                    user_name: "carol".into(),
                },
            ],
        ),
    ]
}

#[test]
fn plan_renderings_are_pinned() {
    let printer = crate::ui::Printer::new(true);
    let text: Vec<String> = plans()
        .iter()
        .flat_map(|p| crate::ui::render::step_plan(p, &printer))
        .collect();
    // Colour only on a terminal: a test has none.
    insta::assert_snapshot!("plan_text", console::strip_ansi_codes(&text.join("\n")));
    let caller = Caller {
        account: "111111111111".into(),
        arn: "arn:aws:iam::111111111111:user/admin".into(),
    };
    let json = PlanDocument::new(&caller, "profile admin", "eu-west-1", &plans());
    insta::assert_snapshot!(
        "plan_json",
        serde_json::to_string_pretty(&json).expect("the plan serializes")
    );
}
