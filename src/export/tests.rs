use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::*;
use crate::model::{
    AccountId, Boundary, Contact, CustomerManagedPolicy, GroupId, PermissionSet, PermissionSetArn,
    UserId, UserName,
};

const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-1111111111111111";
const STORE: &str = "d-1111111111";

fn set_arn(n: &str) -> String {
    format!("arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-{n}")
}

fn observed(name: &str, n: &str) -> ObservedSet {
    ObservedSet {
        set: PermissionSet {
            arn: set_arn(n),
            name: name.to_string(),
            description: None,
            session_duration: None,
            relay_state: None,
        },
        managed: BTreeSet::new(),
        customer_managed: BTreeSet::new(),
        inline: None,
        boundary: Some(None),
    }
}

fn group(id: &str, name: &str) -> Group {
    Group {
        id: id.to_string(),
        display_name: name.to_string(),
        description: None,
    }
}

fn user(id: &str, name: &str) -> UserDetail {
    UserDetail {
        id: id.to_string(),
        arn: format!("arn:aws:identitystore:::user/{id}"),
        user_name: name.to_string(),
        display_name: Some(format!("{name} Doe")),
        name: Some(UserName {
            given_name: Some(name.to_string()),
            family_name: Some("Doe".to_string()),
            ..UserName::default()
        }),
        emails: vec![Contact {
            value: Some(format!("{name}@example.com")),
            kind: Some("work".to_string()),
            primary: true,
        }],
        ..UserDetail::default()
    }
}

fn group_assignment(group: &str, set: &str, account: &str) -> Assignment {
    Assignment {
        principal: Principal::Group(GroupId::new(group)),
        permission_set: PermissionSetArn::new(set_arn(set)),
        account: AccountId::from_aws(account),
    }
}

/// An instance as a hand-clicked account has it: two of the config's sets
/// (one with every part), an AWS-owned set with its assignment, a set the
/// config does not name, default-named groups, a group nobody named, a
/// direct user assignment.
fn found() -> Found {
    let mut admin = observed("AdministratorAccess", "admin");
    admin
        .managed
        .insert("arn:aws:iam::aws:policy/AdministratorAccess".to_string());
    admin.set.session_duration = Some("PT8H".to_string());
    let mut dev = observed("Developers", "dev");
    dev.set.description = Some("Build \"things\" with ${var} and %{ if }".to_string());
    dev.set.relay_state = Some("https://console.aws.amazon.com/ec2/".to_string());
    dev.managed
        .insert("arn:aws:iam::aws:policy/PowerUserAccess".to_string());
    dev.customer_managed.insert(CustomerManagedPolicy {
        name: "team-extra".to_string(),
        path: "/teams/".to_string(),
    });
    dev.inline = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#.to_string());
    dev.boundary = Some(Some(Boundary::Managed(
        "arn:aws:iam::aws:policy/PowerUserAccess".to_string(),
    )));
    let owned = observed("AWSServiceCatalogEndUserAccess", "owned");
    let other = observed("Contractors", "other");
    let mut membership_ids = BTreeMap::new();
    membership_ids.insert(
        ("u-alice".to_string(), "g-admin".to_string()),
        "m-1".to_string(),
    );
    membership_ids.insert(
        ("u-bob".to_string(), "g-dev".to_string()),
        "m-2".to_string(),
    );
    membership_ids.insert(
        ("u-bob".to_string(), "g-loose".to_string()),
        "m-3".to_string(),
    );
    Found {
        region: "us-east-1".to_string(),
        instance_arn: INSTANCE.to_string(),
        identity_store_id: STORE.to_string(),
        sets: vec![dev, admin, owned, other],
        groups: vec![
            group("g-admin", "AdministratorAccess-111111111111"),
            group("g-dev", "Developers-222222222222"),
            group("g-loose", "Loose"),
            group("g-aws", "AWSControlTowerAdmins"),
        ],
        membership_ids,
        assignments: vec![
            group_assignment("g-admin", "admin", "111111111111"),
            group_assignment("g-dev", "dev", "222222222222"),
            group_assignment("g-loose", "other", "222222222222"),
            group_assignment("g-aws", "owned", "111111111111"),
            Assignment {
                principal: Principal::User(UserId::new("u-bob")),
                permission_set: PermissionSetArn::new(set_arn("dev")),
                account: AccountId::from_aws("111111111111"),
            },
        ],
        ..Found::default()
    }
}

fn config() -> crate::config::Config {
    crate::config::parse(
        r#"
region = "us-east-1"
[[permission_sets]]
name = "AdministratorAccess"
managed_policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]
[[permission_sets]]
name = "Developers"
managed_policies = ["arn:aws:iam::aws:policy/PowerUserAccess"]
[[assignments]]
permission_set = "AdministratorAccess"
accounts = ["111111111111"]
[[assignments]]
permission_set = "Developers"
accounts = ["222222222222"]
[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["AdministratorAccess-111111111111"]
"#,
    )
    .unwrap()
}

fn handover(all: bool) -> Handover {
    let details = vec![user("u-alice", "alice"), user("u-bob", "bob")];
    select(&found(), &details, &BTreeMap::new(), &config(), all)
}

fn file<'a>(export: &'a Export, name: &str) -> &'a str {
    export
        .files
        .iter()
        .find(|(p, _)| p.to_str() == Some(name))
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| {
            panic!(
                "no {name} in {:?}",
                export.files.iter().map(|f| &f.0).collect::<Vec<_>>()
            )
        })
}

#[test]
fn the_config_chooses_what_is_handed_over_and_aws_owned_things_are_left_out() {
    let h = handover(false);
    let sets: Vec<&str> = h
        .sets
        .iter()
        .map(|s| s.observed.set.name.as_str())
        .collect();
    assert_eq!(sets, ["AdministratorAccess", "Developers"]);
    let groups: Vec<&str> = h.groups.iter().map(|g| g.display_name.as_str()).collect();
    assert_eq!(
        groups,
        [
            "AdministratorAccess-111111111111",
            "Developers-222222222222"
        ]
    );
    let users: Vec<&str> = h.users.iter().map(|u| u.user_name.as_str()).collect();
    assert_eq!(users, ["alice"]);
    assert_eq!(h.memberships.len(), 1, "{:?}", h.memberships);
    // Only the groups' assignments: the config cannot express bob's direct one.
    assert_eq!(h.assignments.len(), 2);
    assert!(h
        .left_out
        .iter()
        .any(|l| l.contains("AWSServiceCatalogEndUserAccess")));
    assert!(h
        .left_out
        .iter()
        .any(|l| l.contains("AWSControlTowerAdmins")));

    let all = handover(true);
    let sets: Vec<&str> = all
        .sets
        .iter()
        .map(|s| s.observed.set.name.as_str())
        .collect();
    assert_eq!(sets, ["AdministratorAccess", "Contractors", "Developers"]);
    assert_eq!(all.groups.len(), 3, "every group but AWS's own");
    assert_eq!(all.users.len(), 2);
    assert_eq!(all.memberships.len(), 3);
    assert_eq!(
        all.assignments.len(),
        4,
        "with the direct one, without AWS's"
    );
    assert!(all
        .left_out
        .iter()
        .any(|l| l.contains("AWS-owned permission set on account 111111111111")));
}

#[test]
fn hcl_strings_escape_quotes_and_never_become_templates() {
    assert_eq!(hcl_str(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    assert_eq!(
        hcl_str("${path.cwd} %{ if x }"),
        r#""$${path.cwd} %%{ if x }""#
    );
    assert_eq!(hcl_str("$ alone, % alone"), r#""$ alone, % alone""#);
    assert_eq!(
        hcl_str("line\nnext\ttab\u{7}"),
        r#""line\nnext\ttab\u0007""#
    );
}

fn hcl_str(s: &str) -> String {
    terraform::hcl_string(s)
}

#[test]
fn terraform_imports_every_resource_by_the_providers_id_format() {
    let export = terraform::render(&handover(true));
    let imports = file(&export, "imports.tf");
    for (to, id) in [
        (
            "aws_ssoadmin_permission_set.developers",
            format!("{},{INSTANCE}", set_arn("dev")),
        ),
        (
            "aws_ssoadmin_managed_policy_attachment.developers_poweruseraccess",
            format!(
                "arn:aws:iam::aws:policy/PowerUserAccess,{},{INSTANCE}",
                set_arn("dev")
            ),
        ),
        (
            "aws_ssoadmin_customer_managed_policy_attachment.developers_teams_team_extra",
            format!("team-extra,/teams/,{},{INSTANCE}", set_arn("dev")),
        ),
        (
            "aws_ssoadmin_permission_set_inline_policy.developers",
            format!("{},{INSTANCE}", set_arn("dev")),
        ),
        (
            "aws_ssoadmin_permissions_boundary_attachment.developers",
            format!("{},{INSTANCE}", set_arn("dev")),
        ),
        ("aws_identitystore_group.loose", format!("{STORE}/g-loose")),
        ("aws_identitystore_user.bob", format!("{STORE}/u-bob")),
        (
            "aws_identitystore_group_membership.bob_loose",
            format!("{STORE}/m-3"),
        ),
        (
            "aws_ssoadmin_account_assignment.developers_111111111111_bob",
            format!(
                "u-bob,USER,111111111111,AWS_ACCOUNT,{},{INSTANCE}",
                set_arn("dev")
            ),
        ),
        (
            "aws_ssoadmin_account_assignment.developers_222222222222",
            format!(
                "g-dev,GROUP,222222222222,AWS_ACCOUNT,{},{INSTANCE}",
                set_arn("dev")
            ),
        ),
    ] {
        let block = format!("import {{\n  to = {to}\n  id = \"{id}\"\n}}");
        assert!(imports.contains(&block), "{block}\nnot in\n{imports}");
    }
    // One import block per resource, each resource once.
    let resources: usize = export
        .files
        .iter()
        .map(|(_, t)| {
            t.matches("\nresource \"").count() + usize::from(t.starts_with("resource \""))
        })
        .sum();
    assert_eq!(imports.matches("import {").count(), resources);
}

#[test]
fn terraform_writes_what_the_provider_would_otherwise_change() {
    let export = terraform::render(&handover(true));
    let sets = file(&export, "permission_sets.tf");
    // session_duration even where AWS left the default (the provider's
    // own default would plan no change, but an import must not rely on it).
    assert!(
        sets.contains("name             = \"Contractors\"\n  session_duration = \"PT1H\""),
        "{sets}"
    );
    assert!(sets.contains("session_duration = \"PT8H\""));
    assert!(sets.contains("relay_state      = \"https://console.aws.amazon.com/ec2/\""));
    assert!(sets.contains(r#"description      = "Build \"things\" with $${var} and %%{ if }""#));
    assert!(sets.contains(r#"inline_policy      = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}""#));
    let assignments = file(&export, "account_assignments.tf");
    assert_eq!(
        assignments
            .matches("target_type        = \"AWS_ACCOUNT\"")
            .count(),
        4
    );
    let users = file(&export, "users.tf");
    assert!(users.contains("emails {\n    value   = \"bob@example.com\"\n    type    = \"work\"\n    primary = true\n  }"), "{users}");
    let versions = file(&export, "versions.tf");
    assert!(versions.contains("version = \"~> 6.0\""));
    assert!(file(&export, "groups.tf").contains(&format!("identity_store_id = \"{STORE}\"")));
    assert!(sets.contains(&format!("instance_arn     = \"{INSTANCE}\"")));
    assert!(file(&export, "README.md").contains("terraform plan"));
}

#[test]
fn the_same_state_gives_the_same_files_whatever_order_it_was_read_in() {
    let first = terraform::render(&handover(true));
    let mut shuffled = found();
    shuffled.sets.reverse();
    shuffled.groups.reverse();
    shuffled.assignments.reverse();
    let details = vec![user("u-bob", "bob"), user("u-alice", "alice")];
    let second = terraform::render(&select(
        &shuffled,
        &details,
        &BTreeMap::new(),
        &config(),
        true,
    ));
    assert_eq!(first.files, second.files);
    let first = cloudformation::render(&handover(true));
    let second = cloudformation::render(&select(
        &shuffled,
        &details,
        &BTreeMap::new(),
        &config(),
        true,
    ));
    assert_eq!(first.files, second.files);
}

#[test]
fn a_user_terraform_cannot_hold_is_left_out_with_why() {
    let mut h = handover(true);
    h.users[0].name = None;
    h.users[1].emails.push(Contact {
        value: Some("second@example.com".to_string()),
        kind: None,
        primary: false,
    });
    let export = terraform::render(&h);
    assert!(!export
        .files
        .iter()
        .any(|(p, _)| p.to_str() == Some("users.tf")));
    assert!(export
        .left_out
        .iter()
        .any(|l| l.starts_with("user alice: no given and family name")));
    assert!(export
        .left_out
        .iter()
        .any(|l| l.starts_with("user bob: more than one email")));
    assert!(file(&export, "README.md").contains("user alice: no given and family name"));
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn cloudformation_templates_retain_everything_and_list_exactly_their_imports() {
    let export = cloudformation::render(&handover(true));
    let templates: Vec<&(PathBuf, String)> = export
        .files
        .iter()
        .filter(|(p, _)| {
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with(".resources-to-import.json")
        })
        .collect();
    let names: Vec<String> = templates
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "01-permission-sets.json",
            "02-groups.json",
            "03-users.json",
            "04-group-memberships.json",
            "05-assignments-111111111111-to-222222222222.json",
        ]
    );
    for (path, text) in templates {
        let template = json(text);
        let resources = template["Resources"].as_object().unwrap();
        for r in resources.values() {
            assert_eq!(r["DeletionPolicy"], "Retain");
            assert_eq!(r["UpdateReplacePolicy"], "Retain");
        }
        let import_path = path
            .display()
            .to_string()
            .replace(".json", ".resources-to-import.json");
        let imports = json(file(&export, &import_path));
        let listed: BTreeSet<&str> = imports
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["LogicalResourceId"].as_str().unwrap())
            .collect();
        let in_template: BTreeSet<&str> = resources.keys().map(String::as_str).collect();
        assert_eq!(listed, in_template, "{import_path}");
        for i in imports.as_array().unwrap() {
            let r = &resources[i["LogicalResourceId"].as_str().unwrap()];
            assert_eq!(i["ResourceType"], r["Type"]);
            // An assignment is identified by all six of its properties.
            if r["Type"] == "AWS::SSO::Assignment" {
                assert_eq!(i["ResourceIdentifier"], r["Properties"]);
            }
        }
    }
    let sets = json(file(&export, "01-permission-sets.json"));
    let dev = &sets["Resources"]["PermissionSetDevelopers"]["Properties"];
    assert_eq!(dev["SessionDuration"], "PT1H");
    assert_eq!(dev["RelayStateType"], "https://console.aws.amazon.com/ec2/");
    assert_eq!(
        dev["PermissionsBoundary"]["ManagedPolicyArn"],
        "arn:aws:iam::aws:policy/PowerUserAccess"
    );
    let imports = json(file(&export, "03-users.resources-to-import.json"));
    assert_eq!(
        imports[0]["ResourceIdentifier"]["Arn"],
        "arn:aws:identitystore:::user/u-alice"
    );
    let readme = file(&export, "README.md");
    assert!(readme.contains("--stack-name ssosetup-05-assignments-111111111111-to-222222222222 --change-set-name ssosetup-import --change-set-type IMPORT --resources-to-import file://05-assignments-111111111111-to-222222222222.resources-to-import.json --template-body file://05-assignments-111111111111-to-222222222222.json"), "{readme}");
}

fn templates_of<'a>(export: &'a Export, kind: &str) -> Vec<(&'a PathBuf, Value)> {
    export
        .files
        .iter()
        .filter(|(p, _)| {
            let p = p.to_string_lossy();
            p.contains(kind) && !p.ends_with(".resources-to-import.json")
        })
        .map(|(p, t)| (p, json(t)))
        .collect()
}

#[test]
fn cloudformation_splits_at_200_resources_or_51200_bytes_and_by_account_range() {
    let mut h = handover(true);
    // Small resources: 200 to a template.
    h.groups = (0..450)
        .map(|i| group(&format!("g{i:03}"), &format!("g{i:03}")))
        .collect();
    h.memberships.clear();
    // Large ones (an assignment with AWS's long ids): the bytes decide.
    h.assignments = (0..450)
        .map(|i| {
            let mut a = group_assignment(
                "90676b2e-1071-70b9-ec23-0a6f3a1b2c3d",
                "dev",
                &format!("{:012}", 100_000_000_000u64 + i),
            );
            a.permission_set = PermissionSetArn::new(set_arn("dev1234567890abcd"));
            a
        })
        .collect();
    let export = cloudformation::render(&h);
    let sizes = |kind: &str| -> Vec<usize> {
        templates_of(&export, kind)
            .iter()
            .map(|(_, t)| t["Resources"].as_object().unwrap().len())
            .collect()
    };
    assert_eq!(sizes("-groups"), [200, 200, 50]);
    let assignment_sizes = sizes("-assignments-");
    assert_eq!(assignment_sizes.iter().sum::<usize>(), 450);
    assert!(assignment_sizes.len() > 3, "{assignment_sizes:?}");
    // Each template names the range of accounts in it, in order.
    let mut next = 100_000_000_000u64;
    for ((path, template), size) in templates_of(&export, "-assignments-")
        .iter()
        .zip(&assignment_sizes)
    {
        let last = next + *size as u64 - 1;
        assert!(
            path.to_string_lossy()
                .ends_with(&format!("-assignments-{next}-to-{last}.json")),
            "{}",
            path.display()
        );
        let targets: BTreeSet<&str> = template["Resources"]
            .as_object()
            .unwrap()
            .values()
            .map(|r| r["Properties"]["TargetId"].as_str().unwrap())
            .collect();
        assert_eq!(targets.len(), *size);
        next = last + 1;
    }
    for (path, text) in &export.files {
        assert!(
            text.len() <= cloudformation::MAX_TEMPLATE_BYTES,
            "{} is {} bytes",
            path.display(),
            text.len()
        );
    }
}

#[test]
fn cloudformation_leaves_users_out_where_the_region_lacks_the_type() {
    let mut h = handover(true);
    h.region = "eu-west-1".to_string();
    let export = cloudformation::render(&h);
    assert!(!export
        .files
        .iter()
        .any(|(p, _)| p.to_string_lossy().contains("-users")));
    assert!(export.left_out.iter().any(|l| l.starts_with(
        "user alice: CloudFormation does not offer AWS::IdentityStore::User in eu-west-1"
    )));
    assert!(file(&export, "README.md").contains("ssosetup export terraform"));
}

#[test]
fn an_export_directory_with_files_in_it_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    assert!(check_dir(&dir.path().join("new"), false).is_ok());
    assert!(check_dir(dir.path(), false).is_ok());
    std::fs::write(dir.path().join("main.tf"), "").unwrap();
    let err = check_dir(dir.path(), false).unwrap_err().to_string();
    assert!(err.contains("is not empty"), "{err}");
    assert!(check_dir(dir.path(), true).is_ok());
    let err = check_dir(&dir.path().join("main.tf"), true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot use"), "{err}");
}

#[test]
fn a_small_terraform_export_reads_as_expected() {
    let export = terraform::render(&handover(false));
    let text: String = export
        .files
        .iter()
        .map(|(p, t)| format!("==> {} <==\n{t}\n", p.display()))
        .collect();
    insta::assert_snapshot!(text);
}

#[test]
fn a_sets_tags_are_written_for_both_tools() {
    let details = vec![user("u-alice", "alice")];
    let mut tags = BTreeMap::new();
    tags.insert(
        set_arn("dev"),
        vec![
            ("team".to_string(), "platform".to_string()),
            ("cost \"centre\"".to_string(), "${x}".to_string()),
        ],
    );
    let h = select(&found(), &details, &tags, &config(), false);
    let tf = terraform::render(&h);
    let sets = file(&tf, "permission_sets.tf");
    assert!(
        sets.contains("  session_duration = \"PT1H\"\n  tags = {\n    \"cost \\\"centre\\\"\" = \"$${x}\"\n    \"team\"            = \"platform\"\n  }"),
        "{sets}"
    );
    let cfn = cloudformation::render(&h);
    let template = json(file(&cfn, "01-permission-sets.json"));
    assert_eq!(
        template["Resources"]["PermissionSetDevelopers"]["Properties"]["Tags"],
        serde_json::json!([
            {"Key": "cost \"centre\"", "Value": "${x}"},
            {"Key": "team", "Value": "platform"}
        ])
    );
}

#[test]
fn an_empty_export_says_what_to_do_for_what_was_asked() {
    let all = nothing_to_export(true);
    assert!(all.message.contains("that is not AWS-owned"), "{all}");
    assert!(
        !all.hint.unwrap().contains("--all"),
        "--all was given already"
    );
    let managed = nothing_to_export(false);
    assert!(managed.hint.unwrap().contains("--all"));
}

#[test]
fn a_forced_export_removes_only_the_files_an_earlier_export_wrote_and_this_one_does_not() {
    let existing: Vec<String> = [
        "group_memberships.tf",
        "groups.tf",
        "main.tf",
        "notes.md",
        "03-users.json",
        "05-assignments-1-to-2.resources-to-import.json",
        "README.md",
    ]
    .map(String::from)
    .to_vec();
    let tf = vec![
        (PathBuf::from("groups.tf"), String::new()),
        (PathBuf::from("README.md"), String::new()),
    ];
    assert_eq!(
        stale(Tool::Terraform, &existing, &tf),
        ["group_memberships.tf"],
        "the person's own main.tf and notes.md stay"
    );
    let cfn = vec![
        (PathBuf::from("03-users.json"), String::new()),
        (PathBuf::from("README.md"), String::new()),
    ];
    assert_eq!(
        stale(Tool::Cloudformation, &existing, &cfn),
        ["05-assignments-1-to-2.resources-to-import.json"]
    );
}
