//! `organization`, `init` and `status` against moto.

use crate::moto::{ACCOUNT, REGION};
use crate::{run, Moto};

async fn organization_in(moto: &Moto) -> Option<aws_sdk_organizations::types::Organization> {
    let client = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
    match client.describe_organization().send().await {
        Ok(out) => out.organization().cloned(),
        Err(e) => {
            let code = aws_sdk_organizations::error::ProvideErrorMetadata::code(&e);
            assert_eq!(code, Some("AWSOrganizationsNotInUseException"), "{e:?}");
            None
        }
    }
}

#[tokio::test]
async fn organization_is_created_once_and_a_second_run_changes_nothing() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();

    let first = run(Some(&moto), dir.path(), &["organization", "--yes"]);
    first.assert_code(0);
    let org = organization_in(&moto)
        .await
        .expect("an organization exists");
    assert_eq!(org.master_account_id(), Some(ACCOUNT));
    assert_eq!(
        org.feature_set(),
        Some(&aws_sdk_organizations::types::OrganizationFeatureSet::All)
    );
    assert_eq!(moto.writes(), vec!["CreateOrganization"]);

    moto.forget_requests();
    let second = run(Some(&moto), dir.path(), &["organization", "--yes"]);
    second.assert_code(0);
    assert_eq!(
        moto.writes(),
        Vec::<String>::new(),
        "a second run writes nothing"
    );
    assert!(
        second.stdout.contains("= nothing to change"),
        "{}",
        second.stdout
    );
    assert_eq!(
        organization_in(&moto).await.unwrap().id(),
        org.id(),
        "the same organization"
    );
}

#[tokio::test]
async fn dry_run_shows_the_plan_and_sends_no_write() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();

    let text = run(Some(&moto), dir.path(), &["init", "--dry-run"]);
    text.assert_code(0);
    assert!(
        text.stdout
            .contains(&format!("Caller:      arn:aws:sts::{ACCOUNT}:user/moto")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("  + create organization with all features"),
        "{}",
        text.stdout
    );
    assert!(
        text.stderr
            // authentication; root MFA (moto's root never has it); Billing
            // access; the optional custom portal URL
            .contains("Dry run: 1 change and 4 console steps planned"),
        "{}",
        text.stderr
    );

    let json = run(
        Some(&moto),
        dir.path(),
        &["init", "--dry-run", "--output", "json"],
    );
    json.assert_code(0);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("stdout is JSON alone");
    assert_eq!(plan["changes"][0]["step"], "organization");
    assert_eq!(plan["changes"][0]["op"], "create");
    assert_eq!(plan["changes"][0]["type"], "organization");
    assert_eq!(
        plan["manual"][0]["step"], "authentication",
        "the console-only settings are listed"
    );
    assert_eq!(plan["caller"]["account"], ACCOUNT);

    assert!(!moto.requests().is_empty(), "the dry run did observe");
    assert_eq!(moto.writes(), Vec::<String>::new());
    assert!(organization_in(&moto).await.is_none());
}

#[tokio::test]
async fn init_yes_applies_every_step_and_status_shows_done_only_what_is_configured() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        // The console-only settings were confirmed earlier (recorded here).
        format!("region = \"{REGION}\"\n[organization]\ncreate = true\n[authentication]\nconfirmed = true\n"),
    )
    .unwrap();

    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(0);
    assert!(organization_in(&moto).await.is_some());

    let status = run(Some(&moto), dir.path(), &["status", "--output", "json"]);
    status.assert_code(0);
    crate::plan_output::assert_matches_schema(&status.stdout, "docs/status.schema.json");
    let doc: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let states: Vec<(String, String)> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().into(),
                s["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut expected = [
        "organization",
        "identity-center",
        "delegated-admin",
        "authentication",
        "permission-sets",
        "groups",
        "assignments",
        "users",
        "cli-profiles",
        "root-cleanup",
        "iam-users-cleanup",
        "portal-url",
    ]
    .map(|s| (s.to_string(), "done".to_string()))
    .to_vec();
    // The custom portal URL is optional, and console-only.
    expected[11].1 = "manual".to_string();
    // moto's root user never has MFA: its console step stays to do.
    expected[9].1 = "manual".to_string();
    // Nothing in the config for these: not set up, which is not done
    // (the delegated administrator is optional, and not asked for here).
    expected[2].1 = "not set up".to_string();
    for step in &mut expected[4..=8] {
        step.1 = "not set up".to_string();
    }
    assert_eq!(states, expected);
    assert!(doc["instance"]["arn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:sso:::instance/"));

    let text = run(Some(&moto), dir.path(), &["status"]);
    text.assert_code(0);
    assert!(
        text.stdout.contains("organization       done"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!("Region:      {REGION}")),
        "{}",
        text.stdout
    );
    // The identity store id has AWS's d-xxxxxxxxxx form (moto_as_aws.py):
    // the portal URL is derived from it.
    let store = doc["instance"]["identity_store_id"].as_str().unwrap();
    assert!(
        text.stdout
            .contains(&format!("Portal:      https://{store}.awsapps.com/start")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("assignments        not set up  no assignments in the config yet"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("4 of 12 steps done; still to do: 6 not set up, 2 with a console step."),
        "{}",
        text.stdout
    );
    assert_eq!(
        moto.writes(),
        // By init (a run with no person at the terminal never generates
        // IAM's credential report); the two status runs wrote nothing.
        vec!["CreateOrganization"],
        "status is read-only"
    );
}

#[tokio::test]
async fn without_a_terminal_or_yes_nothing_is_applied() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let r = run(Some(&moto), dir.path(), &["organization"]);
    r.assert_code(1);
    assert!(r.stderr.contains("there is no terminal"), "{}", r.stderr);
    assert!(
        r.stderr.contains("hint: run in a terminal, or pass --yes"),
        "{}",
        r.stderr
    );
    assert_eq!(moto.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn create_false_stops_with_the_field_to_change() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "[organization]\ncreate = false\n",
    )
    .unwrap();
    let r = run(Some(&moto), dir.path(), &["init", "--yes"]);
    r.assert_code(1);
    assert!(
        r.stderr.contains("the config says not to create one"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("create = true"), "{}", r.stderr);
    assert_eq!(moto.writes(), Vec::<String>::new());
}
