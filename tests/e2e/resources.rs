//! Permission sets, groups, assignments and users against moto. moto accepts
//! duplicate permission-set names, assignments and memberships, so reading
//! back with counts catches a tool that makes duplicates.

use std::collections::BTreeMap;

use aws_sdk_identitystore::types::MemberId;
use aws_sdk_organizations::types::OrganizationFeatureSet;

use crate::moto::ACCOUNT;
use crate::{run, Moto};

/// A permission set as read back: (count, session duration, description,
/// managed policy ARNs, inline policy present).
pub(crate) type SetState = (usize, String, Option<String>, Vec<String>, bool);

/// Everything the four steps manage, read back from moto, with counts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct State {
    pub permission_sets: BTreeMap<String, SetState>,
    /// display name -> count
    pub groups: BTreeMap<String, usize>,
    /// (permission set, account, group) -> count
    pub assignments: BTreeMap<(String, String, String), usize>,
    /// user name -> (count, email)
    pub users: BTreeMap<String, (usize, String)>,
    /// (user, group) -> count
    pub memberships: BTreeMap<(String, String), usize>,
}

pub(crate) async fn read_state(moto: &Moto) -> State {
    let config = moto.sdk_config().await;
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let store_client = aws_sdk_identitystore::Client::new(&config);
    let orgs = aws_sdk_organizations::Client::new(&config);
    let instance = sso.list_instances().send().await.unwrap().instances()[0].clone();
    let instance_arn = instance.instance_arn().unwrap();
    let store = instance.identity_store_id().unwrap();

    let mut permission_sets = BTreeMap::new();
    let mut ps_names = BTreeMap::new();
    let arns = sso
        .list_permission_sets()
        .instance_arn(instance_arn)
        .send()
        .await
        .unwrap();
    for arn in arns.permission_sets() {
        let ps = sso
            .describe_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(arn)
            .send()
            .await
            .unwrap();
        let ps = ps.permission_set().unwrap();
        let name = ps.name().unwrap().to_string();
        let mut managed: Vec<String> = sso
            .list_managed_policies_in_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(arn)
            .send()
            .await
            .unwrap()
            .attached_managed_policies()
            .iter()
            .map(|p| p.arn().unwrap().to_string())
            .collect();
        managed.sort();
        let inline = sso
            .get_inline_policy_for_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(arn)
            .send()
            .await
            .unwrap()
            .inline_policy()
            .is_some_and(|p| !p.is_empty());
        let entry = permission_sets.entry(name.clone()).or_insert((
            0,
            ps.session_duration().unwrap_or_default().to_string(),
            ps.description().map(str::to_string),
            managed,
            inline,
        ));
        entry.0 += 1;
        ps_names.insert(arn.clone(), name);
    }

    let mut groups = BTreeMap::new();
    let mut group_names = BTreeMap::new();
    for g in store_client
        .list_groups()
        .identity_store_id(store)
        .send()
        .await
        .unwrap()
        .groups()
    {
        *groups
            .entry(g.display_name().unwrap().to_string())
            .or_insert(0) += 1;
        group_names.insert(
            g.group_id().to_string(),
            g.display_name().unwrap().to_string(),
        );
    }

    let mut users = BTreeMap::new();
    let mut user_names = BTreeMap::new();
    for u in store_client
        .list_users()
        .identity_store_id(store)
        .send()
        .await
        .unwrap()
        .users()
    {
        let email = u
            .emails()
            .first()
            .and_then(|e| e.value())
            .unwrap_or_default()
            .to_string();
        users
            .entry(u.user_name().unwrap().to_string())
            .or_insert((0, email))
            .0 += 1;
        user_names.insert(u.user_id().to_string(), u.user_name().unwrap().to_string());
    }

    let mut memberships = BTreeMap::new();
    for (group_id, group_name) in &group_names {
        let out = store_client
            .list_group_memberships()
            .identity_store_id(store)
            .group_id(group_id)
            .send()
            .await
            .unwrap();
        for m in out.group_memberships() {
            if let Some(MemberId::UserId(uid)) = m.member_id() {
                *memberships
                    .entry((user_names[uid].clone(), group_name.clone()))
                    .or_insert(0) += 1;
            }
        }
    }

    let mut assignments = BTreeMap::new();
    let accounts: Vec<String> = match orgs.list_accounts().send().await {
        Ok(out) => out
            .accounts()
            .iter()
            .map(|a| a.id().unwrap().to_string())
            .collect(),
        Err(_) => vec![ACCOUNT.to_string()],
    };
    for (arn, ps_name) in &ps_names {
        for account in &accounts {
            let out = sso
                .list_account_assignments()
                .instance_arn(instance_arn)
                .account_id(account)
                .permission_set_arn(arn)
                .send()
                .await
                .unwrap();
            for a in out.account_assignments() {
                let group = group_names
                    .get(a.principal_id().unwrap())
                    .cloned()
                    .unwrap_or_else(|| format!("user:{}", a.principal_id().unwrap()));
                *assignments
                    .entry((ps_name.clone(), account.clone(), group))
                    .or_insert(0) += 1;
            }
        }
    }
    State {
        permission_sets,
        groups,
        assignments,
        users,
        memberships,
    }
}

/// An organization with two member accounts; returns their ids.
pub(crate) async fn seed_organization(moto: &Moto) -> Vec<String> {
    let orgs = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
    orgs.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut members = Vec::new();
    for name in ["dev", "prod"] {
        let out = orgs
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap();
        members.push(
            out.create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_string(),
        );
    }
    members.sort();
    members
}

const DENY_IAM: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;

pub(crate) fn write_config(dir: &std::path::Path, dev: &str) {
    std::fs::write(dir.join("deny-iam.json"), DENY_IAM).unwrap();
    std::fs::write(
        dir.join("ssosetup.toml"),
        format!(
            r#"
region = "us-east-1"

[[permission_sets]]
name = "AdministratorAccess"
description = "Full access"
session_duration = "PT4H"
managed_policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]

[[permission_sets]]
name = "ReadOnlyAccess"
managed_policies = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
inline_policy = "deny-iam.json"

[[assignments]]
permission_set = "AdministratorAccess"
accounts = ["management"]

[[assignments]]
permission_set = "ReadOnlyAccess"
accounts = ["all"]

[[assignments]]
permission_set = "AdministratorAccess"
accounts = ["{dev}"]
group = "Ops"

[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["AdministratorAccess-{ACCOUNT}", "Ops"]

[[users]]
user_name = "bob"
given_name = "Bob"
family_name = "Roe"
email = "bob@example.com"
groups = ["ReadOnlyAccess-{dev}"]
"#
        ),
    )
    .unwrap();
}

pub(crate) fn expected(members: &[String]) -> State {
    let (dev, prod) = (&members[0], &members[1]);
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess".to_string();
    let read = "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string();
    let s = |x: &str| x.to_string();
    State {
        permission_sets: BTreeMap::from([
            (
                s("AdministratorAccess"),
                (1, s("PT4H"), Some(s("Full access")), vec![admin], false),
            ),
            (s("ReadOnlyAccess"), (1, s("PT1H"), None, vec![read], true)),
        ]),
        groups: BTreeMap::from([
            (format!("AdministratorAccess-{ACCOUNT}"), 1),
            (s("Ops"), 1),
            (format!("ReadOnlyAccess-{ACCOUNT}"), 1),
            (format!("ReadOnlyAccess-{dev}"), 1),
            (format!("ReadOnlyAccess-{prod}"), 1),
        ]),
        assignments: BTreeMap::from([
            (
                (
                    s("AdministratorAccess"),
                    s(ACCOUNT),
                    format!("AdministratorAccess-{ACCOUNT}"),
                ),
                1,
            ),
            ((s("AdministratorAccess"), dev.clone(), s("Ops")), 1),
            (
                (
                    s("ReadOnlyAccess"),
                    s(ACCOUNT),
                    format!("ReadOnlyAccess-{ACCOUNT}"),
                ),
                1,
            ),
            (
                (
                    s("ReadOnlyAccess"),
                    dev.clone(),
                    format!("ReadOnlyAccess-{dev}"),
                ),
                1,
            ),
            (
                (
                    s("ReadOnlyAccess"),
                    prod.clone(),
                    format!("ReadOnlyAccess-{prod}"),
                ),
                1,
            ),
        ]),
        users: BTreeMap::from([
            (s("alice"), (1, s("alice@example.com"))),
            (s("bob"), (1, s("bob@example.com"))),
        ]),
        memberships: BTreeMap::from([
            ((s("alice"), format!("AdministratorAccess-{ACCOUNT}")), 1),
            ((s("alice"), s("Ops")), 1),
            ((s("bob"), format!("ReadOnlyAccess-{dev}")), 1),
        ]),
    }
}

#[tokio::test]
async fn init_builds_exactly_the_config_and_a_rerun_writes_nothing() {
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &members[0]);
    moto.forget_requests();

    let first = run(Some(&moto), dir.path(), &["init", "--yes"]);
    first.assert_code(0);
    assert_eq!(read_state(&moto).await, expected(&members));
    assert!(
        first.stderr.contains("Next, each new user (alice, bob)"),
        "{}",
        first.stderr
    );

    moto.forget_requests();
    // The re-run through a recording proxy, with sso-admin paced slowly so
    // that its reads take a while.
    let proxy = crate::proxy::FaultProxy::start(&moto, &[]);
    let second = crate::Run::from(
        crate::ssosetup(Some(&moto), dir.path())
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .env("SSOSETUP_SSO_ADMIN_RPS", "4")
            .args(["init", "--yes"])
            .output()
            .unwrap(),
    );
    second.assert_code(0);
    assert_eq!(
        moto.writes(),
        Vec::<String>::new(),
        "a re-run writes nothing"
    );
    // The users step's reads (identitystore) go beside the assignments
    // step's (sso-admin), not after them.
    let times = proxy.request_times();
    let at = |op: &str| -> Vec<f64> {
        times
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, t)| *t)
            .collect()
    };
    let assignments = at("ListAccountAssignments");
    let memberships = at("ListGroupMembershipsForMember");
    assert!(
        !assignments.is_empty() && !memberships.is_empty(),
        "{times:?}"
    );
    assert!(
        memberships[0] < assignments[assignments.len() - 1],
        "memberships read only after every assignment: {times:?}"
    );
    assert!(
        // (moto's root user never has MFA: that console step stays listed.)
        second
            .stderr
            .contains("Nothing to change through the API; nothing was changed."),
        "{}",
        second.stderr
    );
    assert_eq!(read_state(&moto).await, expected(&members));
}

#[tokio::test]
async fn each_step_runs_on_its_own_in_order() {
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &members[0]);
    for step in ["permission-sets", "groups", "assignments", "users"] {
        run(Some(&moto), dir.path(), &[step, "--yes"]).assert_code(0);
    }
    assert_eq!(read_state(&moto).await, expected(&members));
    moto.forget_requests();
    for step in ["permission-sets", "groups", "assignments", "users"] {
        let again = run(Some(&moto), dir.path(), &[step, "--yes"]);
        again.assert_code(0);
        assert!(
            again.stdout.contains("= nothing to change"),
            "{step}: {}",
            again.stdout
        );
    }
    assert_eq!(moto.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn a_dry_run_of_init_on_an_empty_account_plans_every_step_and_writes_nothing() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    // No organization yet: "all" is just the management account to be.
    write_config(dir.path(), ACCOUNT);
    let r = run(
        Some(&moto),
        dir.path(),
        &["init", "--dry-run", "--output", "json"],
    );
    r.assert_code(0);
    assert_eq!(moto.writes(), Vec::<String>::new());
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let count = |step: &str, kind: &str| {
        changes
            .iter()
            .filter(|c| c["step"] == step && c["type"] == kind)
            .count()
    };
    assert_eq!(count("organization", "organization"), 1);
    assert_eq!(count("permission-sets", "permission-set"), 2);
    assert_eq!(count("groups", "group"), 3, "{:#}", plan);
    assert_eq!(count("assignments", "account-assignment"), 3, "{:#}", plan);
    assert_eq!(count("users", "user"), 2);
    assert_eq!(count("users", "group-membership"), 3);
}

#[tokio::test]
async fn a_drifted_permission_set_gets_exactly_the_calls_needed() {
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &members[0]);
    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(0);

    // Someone edits the sets by hand.
    let config = moto.sdk_config().await;
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let instance = sso.list_instances().send().await.unwrap().instances()[0]
        .instance_arn()
        .unwrap()
        .to_string();
    let mut arns = BTreeMap::new();
    for arn in sso
        .list_permission_sets()
        .instance_arn(&instance)
        .send()
        .await
        .unwrap()
        .permission_sets()
    {
        let d = sso
            .describe_permission_set()
            .instance_arn(&instance)
            .permission_set_arn(arn)
            .send()
            .await
            .unwrap();
        arns.insert(
            d.permission_set().unwrap().name().unwrap().to_string(),
            arn.clone(),
        );
    }
    let admin = &arns["AdministratorAccess"];
    sso.detach_managed_policy_from_permission_set()
        .instance_arn(&instance)
        .permission_set_arn(admin)
        .managed_policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    sso.attach_managed_policy_to_permission_set()
        .instance_arn(&instance)
        .permission_set_arn(admin)
        .managed_policy_arn("arn:aws:iam::aws:policy/PowerUserAccess")
        .send()
        .await
        .unwrap();
    sso.update_permission_set()
        .instance_arn(&instance)
        .permission_set_arn(admin)
        .description("Full access")
        .session_duration("PT2H")
        .send()
        .await
        .unwrap();
    sso.delete_inline_policy_from_permission_set()
        .instance_arn(&instance)
        .permission_set_arn(&arns["ReadOnlyAccess"])
        .send()
        .await
        .unwrap();

    moto.forget_requests();
    let dry = run(Some(&moto), dir.path(), &["permission-sets", "--dry-run"]);
    dry.assert_code(0);
    assert!(
        dry.stdout
            .contains("- detach arn:aws:iam::aws:policy/PowerUserAccess from AdministratorAccess"),
        "{}",
        dry.stdout
    );
    assert_eq!(moto.writes(), Vec::<String>::new());

    run(Some(&moto), dir.path(), &["permission-sets", "--yes"]).assert_code(0);
    let mut writes: Vec<String> = moto
        .writes()
        .into_iter()
        .filter(|w| w != "ProvisionPermissionSet")
        .collect();
    writes.sort();
    assert_eq!(
        writes,
        vec![
            "AttachManagedPolicyToPermissionSet",
            "DetachManagedPolicyFromPermissionSet",
            "PutInlinePolicyToPermissionSet",
            "UpdatePermissionSet",
        ]
    );
    assert_eq!(read_state(&moto).await, expected(&members));
}

#[tokio::test]
async fn a_step_run_before_its_prerequisites_stops_before_its_first_write() {
    // A fresh organization and the full config: `users` before `groups`,
    // `assignments` before `permission-sets`. Each stops, naming what is
    // missing and the step to run; nothing is half-applied.
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &members[0]);
    moto.forget_requests();
    for (step, missing, run_first) in [
        ("users", "AdministratorAccess-", "ssosetup groups"),
        (
            "assignments",
            "permission sets AdministratorAccess and ReadOnlyAccess",
            "ssosetup permission-sets",
        ),
    ] {
        let r = run(Some(&moto), dir.path(), &[step, "--yes"]);
        r.assert_code(1);
        assert!(r.stderr.contains(missing), "{step}: {}", r.stderr);
        assert!(r.stderr.contains(run_first), "{step}: {}", r.stderr);
    }
    assert_eq!(
        moto.writes(),
        Vec::<String>::new(),
        "no user made without its groups"
    );
}
