//! Long-lived keys across the organization: IAM users made by hand in three
//! member accounts are inventoried through OrganizationAccountAccessRole,
//! named ones are backed up (per account, 0600) and deleted, kept ones
//! stay, an account without an Identity Center administrator is refused,
//! one whose role is gone is skipped with exit 1; two phases switch keys off
//! first and delete only after `deactivate_days`; restores go back through
//! the role. Every fact is read back from moto, as each member account.
//! (moto hands out credentials for any role; tests/moto_as_aws.py makes
//! AssumeRole answer AccessDenied for a role that is missing or does not
//! trust the caller, as AWS does.)

use std::path::{Path, PathBuf};

use crate::moto::ACCOUNT;
use crate::resources::seed_organization;
use crate::{run, Moto};

/// An IAM client signing as `account`'s OrganizationAccountAccessRole.
async fn iam_in(moto: &Moto, account: &str) -> aws_sdk_iam::Client {
    let config = moto.sdk_config().await;
    let sts = aws_sdk_sts::Client::new(&config);
    let c = sts
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("e2e-seed")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let creds = aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "assumed",
    );
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::from(&config)
            .credentials_provider(creds)
            .build(),
    )
}

async fn user_with_key(iam: &aws_sdk_iam::Client, name: &str) -> String {
    iam.create_user().user_name(name).send().await.unwrap();
    iam.create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap()
        .access_key_id
}

async fn users(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let mut names: Vec<String> = iam
        .list_users()
        .send()
        .await
        .unwrap()
        .users()
        .iter()
        .map(|u| u.user_name().to_string())
        .collect();
    names.sort();
    names
}

async fn key_status(iam: &aws_sdk_iam::Client, user: &str) -> Vec<String> {
    iam.list_access_keys()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .access_key_metadata()
        .iter()
        .map(|k| k.status().unwrap().as_str().to_string())
        .collect()
}

async fn tag(iam: &aws_sdk_iam::Client, user: &str, key: &str) -> Option<String> {
    iam.list_user_tags()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .find(|t| t.key() == key)
        .map(|t| t.value().to_string())
}

/// Identity Center with alice administering the management account and
/// `admin_on` (and nothing else), plus `cleanup`.
fn write_config(dir: &Path, admin_on: &str, cleanup: &str) {
    std::fs::write(
        dir.join("ssosetup.toml"),
        format!(
            r#"
region = "us-east-1"

[authentication]
confirmed = true

[[permission_sets]]
name = "AdministratorAccess"
managed_policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]

[[assignments]]
permission_set = "AdministratorAccess"
accounts = ["management", "{admin_on}"]

[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["AdministratorAccess-{ACCOUNT}", "AdministratorAccess-{admin_on}"]

{cleanup}
"#
        ),
    )
    .unwrap();
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|e| e.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    found.sort();
    found
}

/// Three member accounts, made by Organizations (each with the role):
/// prod (ci-bot to delete, deploy to keep; alice administers it), dev
/// (old-ci to delete, but nobody administers dev through Identity Center),
/// and a third whose role is deleted (an invited account without it).
async fn seed(moto: &Moto) -> (String, String, String) {
    let mut members = seed_organization(moto).await;
    let orgs = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
    let third = orgs
        .create_account()
        .account_name("sandbox")
        .email("sandbox@example.com")
        .send()
        .await
        .unwrap()
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_string();
    members.push(third.clone());
    let (dev, prod) = (members[0].clone(), members[1].clone());
    let p = iam_in(moto, &prod).await;
    user_with_key(&p, "ci-bot").await;
    user_with_key(&p, "deploy").await;
    let d = iam_in(moto, &dev).await;
    user_with_key(&d, "old-ci").await;
    let s = iam_in(moto, &third).await;
    user_with_key(&s, "forgotten").await;
    // The third account loses its role (as if it had been invited).
    s.detach_role_policy()
        .role_name("OrganizationAccountAccessRole")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .ok();
    s.delete_role()
        .role_name("OrganizationAccountAccessRole")
        .send()
        .await
        .unwrap();
    (prod, dev, third)
}

#[tokio::test]
async fn member_accounts_keys_are_found_and_only_named_users_go_where_an_administrator_remains() {
    let moto = Moto::start();
    let (prod, dev, third) = seed(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    // Identity Center first: alice administers the management account and
    // prod, and has signed in by the time cleanup runs (a later run).
    write_config(dir.path(), &prod, "");
    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(0);
    let cleanup = format!(
        "[cleanup]\naccounts = [\"all\"]\niam_users = [\"{prod}/ci-bot\", \"{dev}/old-ci\"]\nkeep_iam_users = [\"{prod}/deploy\"]\nbackup_dir = \"backups\"\n"
    );
    write_config(dir.path(), &prod, &cleanup);

    // The inventory, as JSON: exactly the users made by hand, per account;
    // the third account not reached, with why.
    let dry = run(
        Some(&moto),
        dir.path(),
        &["iam-users-cleanup", "--dry-run", "--output", "json"],
    );
    dry.assert_code(1);
    let doc: serde_json::Value = serde_json::from_str(&dry.stdout).unwrap();
    let report = &doc["reports"]["iam-users-cleanup"];
    let accounts = report["member_accounts"].as_array().unwrap();
    let seen: Vec<(String, Vec<String>)> = accounts
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap().to_string(),
                a["users"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["user"]["user_name"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    let mut expected = vec![
        (
            prod.clone(),
            vec!["ci-bot".to_string(), "deploy".to_string()],
        ),
        (dev.clone(), vec!["old-ci".to_string()]),
        (third.clone(), vec![]),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    let unreached = accounts
        .iter()
        .find(|a| a["account"] == third.as_str())
        .unwrap();
    assert!(
        unreached["not_reached"]
            .as_str()
            .unwrap()
            .contains("AccessDenied"),
        "{unreached}"
    );
    assert_eq!(report["long_lived_keys"]["active_access_keys"], 3);
    assert_eq!(report["long_lived_keys"]["accounts_not_reached"], 1);
    assert!(dry.stderr.contains(&third), "{}", dry.stderr);

    let applied = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]);
    applied.assert_code(1);
    // Read back, as each account.
    let p = iam_in(&moto, &prod).await;
    let d = iam_in(&moto, &dev).await;
    assert_eq!(users(&p).await, ["deploy"], "{}", applied.stdout);
    assert_eq!(users(&d).await, ["old-ci"], "dev has no administrator");
    // The exit names what was left out and why.
    assert!(applied.stderr.contains(&third), "{}", applied.stderr);
    assert!(
        applied.stderr.contains(&format!("account {dev}"))
            && applied
                .stderr
                .contains("nobody else is known to be able to administer it"),
        "{}",
        applied.stderr
    );
    // The backup: in prod's own directory, readable only by its owner.
    let backups = files(&dir.path().join("backups").join(&prod));
    assert_eq!(backups.len(), 1, "{backups:?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&backups[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let backup: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&backups[0]).unwrap()).unwrap();
    assert_eq!(backup["account"], prod.as_str());
    assert_eq!(backup["user"]["user_name"], "ci-bot");

    // status counts the organization's long-lived keys.
    let status = run(Some(&moto), dir.path(), &["status"]);
    assert!(
        status.stdout.contains(
            "IAM keys:    2 active access keys held by 2 IAM users in 3 accounts (1 not reached)"
        ),
        "{}",
        status.stdout
    );

    // The restore goes through the role, into prod.
    let restored = run(
        Some(&moto),
        dir.path(),
        &[
            "iam-users-cleanup",
            "--restore",
            backups[0].to_str().unwrap(),
            "--yes",
        ],
    );
    restored.assert_code(0);
    assert_eq!(users(&p).await, ["ci-bot", "deploy"]);
}

#[tokio::test]
async fn two_phases_switch_keys_off_wait_and_delete_only_what_stayed_off() {
    let moto = Moto::start();
    let (prod, _dev, _third) = seed(&moto).await;
    let p = iam_in(&moto, &prod).await;
    user_with_key(&p, "batch").await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &prod, "");
    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(0);
    let cleanup = format!(
        "[cleanup]\naccounts = [\"{prod}\"]\niam_users = [\"{prod}/ci-bot\", \"{prod}/batch\"]\nkeep_iam_users = [\"{prod}/deploy\"]\nbackup_dir = \"backups\"\ndeactivate_first = true\ndeactivate_days = 7\n"
    );
    write_config(dir.path(), &prod, &cleanup);

    // First run: both users' keys go off; nothing is deleted.
    let first = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]);
    first.assert_code(0);
    assert_eq!(users(&p).await, ["batch", "ci-bot", "deploy"]);
    assert_eq!(key_status(&p, "ci-bot").await, ["Inactive"]);
    assert_eq!(key_status(&p, "batch").await, ["Inactive"]);
    assert_eq!(key_status(&p, "deploy").await, ["Active"], "kept");
    let since = tag(&p, "ci-bot", "ssosetup:keys-deactivated-at")
        .await
        .expect("the wait's start is on the user");
    let records = files(&dir.path().join("backups").join(&prod));
    assert_eq!(records.len(), 2, "{records:?}");

    // A run before the days are up deletes nothing, and says when.
    let early = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]);
    early.assert_code(0);
    assert_eq!(users(&p).await, ["batch", "ci-bot", "deploy"]);
    assert!(
        early.stdout.contains("deleted by a run from"),
        "{}",
        early.stdout
    );

    // Eight days pass (the tag is backdated, as the clock would); meanwhile
    // someone switched batch's key back on.
    let past = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(8 * 24 * 3600),
    )
    .to_string();
    assert!(past < since);
    for user in ["ci-bot", "batch"] {
        p.tag_user()
            .user_name(user)
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("ssosetup:keys-deactivated-at")
                    .value(&past)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    let batch_key = p
        .list_access_keys()
        .user_name("batch")
        .send()
        .await
        .unwrap()
        .access_key_metadata()[0]
        .access_key_id()
        .unwrap()
        .to_string();
    p.update_access_key()
        .user_name("batch")
        .access_key_id(&batch_key)
        .status(aws_sdk_iam::types::StatusType::Active)
        .send()
        .await
        .unwrap();
    let last = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]);
    last.assert_code(1);
    assert_eq!(users(&p).await, ["batch", "deploy"], "{}", last.stdout);
    assert!(
        last.stderr.contains("batch") && last.stderr.contains("on again"),
        "{}",
        last.stderr
    );

    // The first phase's record switches a key back on (batch's own, which
    // someone switched off again since).
    p.update_access_key()
        .user_name("batch")
        .access_key_id(&batch_key)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let record = records
        .iter()
        .find(|f| f.to_string_lossy().contains("iam-user-batch-"))
        .unwrap();
    let back = run(
        Some(&moto),
        dir.path(),
        &[
            "iam-users-cleanup",
            "--restore",
            record.to_str().unwrap(),
            "--yes",
        ],
    );
    back.assert_code(0);
    assert_eq!(key_status(&p, "batch").await, ["Active"]);
    assert_eq!(tag(&p, "batch", "ssosetup:keys-deactivated-at").await, None);
}
