//! iam-users-cleanup and root-cleanup against moto: seeded legacy IAM users
//! with every dependent moto supports are backed up and deleted, and read
//! back gone; the keep-list user, the caller and unnamed users remain; the
//! lockout guard and a bad config delete nothing; a restore round-trip.
//! (moto deletes users with dependents that AWS would refuse; the order of
//! removals is proven with aws-smithy-mocks in src/sdk_tests/cleanup.rs.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aws_sdk_iam::types::Tag;

use crate::moto::ACCOUNT;
use crate::{run, Moto};

const SSH_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC4wXReMNmxxr68iebEi5l2SnHcN2qlJ0JByccoYSpux legacy";
const INLINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;

fn iam_of(config: &aws_config::SdkConfig) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(config)
}

/// A legacy user with a password, two keys, a virtual MFA device, an inline
/// and an attached policy, a group, an SSH key and tags. Returns the MFA serial.
async fn seed_legacy_user(iam: &aws_sdk_iam::Client, name: &str) -> String {
    iam.create_user()
        .user_name(name)
        .tags(Tag::builder().key("team").value("ops").build().unwrap())
        .tags(
            Tag::builder()
                .key("email")
                .value("alice@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    iam.create_login_profile()
        .user_name(name)
        .password("Correct-Horse-Battery-9")
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        iam.create_access_key()
            .user_name(name)
            .send()
            .await
            .unwrap();
    }
    let serial = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name(format!("{name}-phone"))
        .send()
        .await
        .unwrap()
        .virtual_mfa_device()
        .unwrap()
        .serial_number()
        .to_string();
    iam.enable_mfa_device()
        .user_name(name)
        .serial_number(&serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name(name)
        .policy_name("list-buckets")
        .policy_document(INLINE)
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name(name)
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/legacy-deploy"))
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .user_name(name)
        .group_name("legacy-admins")
        .send()
        .await
        .unwrap();
    let key = iam
        .upload_ssh_public_key()
        .user_name(name)
        .ssh_public_key_body(SSH_KEY)
        .send()
        .await
        .unwrap();
    // Switched off, not deleted: a restore must not switch it back on.
    iam.update_ssh_public_key()
        .user_name(name)
        .ssh_public_key_id(key.ssh_public_key().unwrap().ssh_public_key_id())
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    serial
}

async fn seed(moto: &Moto) -> (aws_sdk_iam::Client, String) {
    let iam = iam_of(&moto.sdk_config().await);
    iam.create_policy()
        .policy_name("legacy-deploy")
        .policy_document(INLINE)
        .send()
        .await
        .unwrap();
    iam.create_group()
        .group_name("legacy-admins")
        .send()
        .await
        .unwrap();
    let serial = seed_legacy_user(&iam, "old-admin").await;
    for other in ["breakglass", "ci-user"] {
        iam.create_user().user_name(other).send().await.unwrap();
        iam.create_access_key()
            .user_name(other)
            .send()
            .await
            .unwrap();
    }
    (iam, serial)
}

/// Identity Center with an administrator (alice) on the management
/// account, plus `cleanup`.
fn write_config(dir: &Path, cleanup: &str) {
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
accounts = ["management"]

[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["AdministratorAccess-{ACCOUNT}"]

{cleanup}
"#
        ),
    )
    .unwrap();
}

async fn user_names(iam: &aws_sdk_iam::Client) -> Vec<String> {
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

/// An IAM user as read back: what a restore brings back.
#[derive(Debug, PartialEq)]
struct UserBack {
    tags: BTreeMap<String, String>,
    attached: Vec<String>,
    inline: Vec<String>,
    groups: Vec<String>,
    ssh_keys: Vec<aws_sdk_iam::types::StatusType>,
    access_keys: usize,
}

async fn read_user(iam: &aws_sdk_iam::Client, name: &str) -> UserBack {
    let user = iam
        .get_user()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    let attached = iam
        .list_attached_user_policies()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let inline = iam
        .list_user_policies()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let groups = iam
        .list_groups_for_user()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let keys = iam
        .list_ssh_public_keys()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let access = iam.list_access_keys().user_name(name).send().await.unwrap();
    UserBack {
        tags: user
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        attached: attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect(),
        inline: inline.policy_names().to_vec(),
        groups: groups
            .groups()
            .iter()
            .map(|g| g.group_name().to_string())
            .collect(),
        ssh_keys: keys
            .ssh_public_keys()
            .iter()
            .map(|k| k.status().clone())
            .collect(),
        access_keys: access.access_key_metadata().len(),
    }
}

fn backups(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn named_users_are_backed_up_and_deleted_and_a_restore_brings_them_back() {
    let moto = Moto::start();
    let (iam, serial) = seed(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "[cleanup]\niam_users = [\"old-admin\"]\nkeep_iam_users = [\"breakglass\"]\nbackup_dir = \"backups\"\n",
    );

    // One run that creates the administrator does not also delete: alice
    // cannot have signed in yet, so the lockout guard keeps the IAM users.
    let first = run(Some(&moto), dir.path(), &["init", "--yes"]);
    first.assert_code(1);
    assert!(
        first
            .stderr
            .contains("(alice) is created by this run and cannot have signed in yet"),
        "{}",
        first.stderr
    );
    assert_eq!(
        user_names(&iam).await,
        ["breakglass", "ci-user", "old-admin"]
    );

    // A later dry run shows the inventory and the deletion, and deletes nothing.
    let dry = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--dry-run"]);
    dry.assert_code(0);
    assert!(dry.stdout.contains("IAM USER"), "{}", dry.stdout);
    assert!(
        dry.stdout.contains("- delete IAM user old-admin with its console password, 2 access keys, 1 SSH public key, 1 MFA device, 1 inline policy, 1 attached policy, 1 group membership"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        user_names(&iam).await,
        ["breakglass", "ci-user", "old-admin"]
    );

    let applied = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]);
    applied.assert_code(0);
    assert!(
        applied
            .stdout
            .contains("lockout guard: alice holds AdministratorAccess"),
        "{}",
        applied.stdout
    );
    // Read back: old-admin and its MFA device are gone; the rest remain.
    assert_eq!(user_names(&iam).await, ["breakglass", "ci-user"]);
    let devices = iam.list_virtual_mfa_devices().send().await.unwrap();
    assert!(
        devices
            .virtual_mfa_devices()
            .iter()
            .all(|d| d.serial_number() != serial),
        "the virtual MFA device is deleted too"
    );
    assert!(iam
        .get_group()
        .group_name("legacy-admins")
        .send()
        .await
        .is_ok());

    // The backup holds what was seeded, readable only by its owner.
    let files = backups(&dir.path().join("backups"));
    assert_eq!(files.len(), 1, "{files:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let backup: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let user = &backup["user"];
    assert_eq!(backup["account"], ACCOUNT);
    assert_eq!(user["user_name"], "old-admin");
    assert_eq!(user["console_password"], true);
    assert_eq!(user["access_keys"].as_array().unwrap().len(), 2);
    assert_eq!(user["mfa_devices"][0]["serial"], serial.as_str());
    assert_eq!(user["groups"][0], "legacy-admins");
    assert_eq!(
        user["attached_policies"][0],
        format!("arn:aws:iam::{ACCOUNT}:policy/legacy-deploy")
    );
    assert_eq!(user["inline_policies"][0]["name"], "list-buckets");
    let doc: serde_json::Value =
        serde_json::from_str(user["inline_policies"][0]["document"].as_str().unwrap()).unwrap();
    assert_eq!(
        doc,
        serde_json::from_str::<serde_json::Value>(INLINE).unwrap()
    );
    assert_eq!(user["tags"]["team"], "ops");
    assert_eq!(user["ssh_public_keys"].as_array().unwrap().len(), 1);
    assert!(backup["cannot_be_restored"][0]
        .as_str()
        .unwrap()
        .contains("console password"));

    // A re-run deletes nothing more and writes nothing.
    moto.forget_requests();
    run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]).assert_code(0);
    assert_eq!(moto.writes(), Vec::<String>::new());

    // Restore: the user, its policies, group, tags and SSH key come back.
    let file = files[0].to_str().unwrap();
    let restored = run(
        Some(&moto),
        dir.path(),
        &["iam-users-cleanup", "--restore", file, "--yes"],
    );
    restored.assert_code(0);
    assert!(
        restored
            .stdout
            .contains("not restored: the console password"),
        "{}",
        restored.stdout
    );
    let back = read_user(&iam, "old-admin").await;
    assert_eq!(back.tags["team"], "ops");
    assert_eq!(
        back.attached,
        [format!("arn:aws:iam::{ACCOUNT}:policy/legacy-deploy")]
    );
    assert_eq!(back.inline, ["list-buckets"]);
    assert_eq!(back.groups, ["legacy-admins"]);
    assert_eq!(
        back.ssh_keys,
        [aws_sdk_iam::types::StatusType::Inactive],
        "restored as it was: inactive"
    );
    assert_eq!(back.access_keys, 0, "secret keys cannot come back");
    assert!(
        restored.stdout.contains("still names old-admin"),
        "the config would delete it again: {}",
        restored.stdout
    );

    // An administrator takes a grant away afterwards; restoring again from
    // the same backup must not give it back: a finished restore is refused.
    iam.remove_user_from_group()
        .user_name("old-admin")
        .group_name("legacy-admins")
        .send()
        .await
        .unwrap();
    let narrowed = read_user(&iam, "old-admin").await;
    moto.forget_requests();
    let again = run(
        Some(&moto),
        dir.path(),
        &["iam-users-cleanup", "--restore", file, "--yes"],
    );
    again.assert_code(1);
    assert!(
        again
            .stderr
            .contains("IAM user old-admin was already restored from this backup"),
        "{}",
        again.stderr
    );
    assert_eq!(moto.writes(), Vec::<String>::new());
    assert_eq!(
        user_names(&iam).await,
        ["breakglass", "ci-user", "old-admin"]
    );
    assert_eq!(read_user(&iam, "old-admin").await, narrowed);

    // A backup whose user name now belongs to someone else's user is refused.
    let mut foreign = backup.clone();
    foreign["user"]["user_name"] = "ci-user".into();
    foreign["user"]["arn"] = format!("arn:aws:iam::{ACCOUNT}:user/ci-user").into();
    let foreign_file = dir.path().join("ci-user.json");
    std::fs::write(&foreign_file, foreign.to_string()).unwrap();
    moto.forget_requests();
    let refused = run(
        Some(&moto),
        dir.path(),
        &[
            "iam-users-cleanup",
            "--restore",
            foreign_file.to_str().unwrap(),
            "--yes",
        ],
    );
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("IAM user ci-user exists already"),
        "{}",
        refused.stderr
    );
    assert_eq!(moto.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn without_an_identity_center_administrator_nothing_is_deleted() {
    let moto = Moto::start();
    let (iam, _) = seed(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    // No permission sets, assignments or users: nobody could administer.
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "region = \"us-east-1\"\n[cleanup]\niam_users = [\"old-admin\", \"ci-user\"]\n",
    )
    .unwrap();
    moto.forget_requests();
    let refused = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]);
    refused.assert_code(1);
    assert!(
        refused
            .stderr
            .contains("no IAM user is deleted while nobody else is known to be able to administer"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("hint:"), "{}", refused.stderr);
    assert_eq!(moto.writes(), Vec::<String>::new());
    assert_eq!(
        user_names(&iam).await,
        ["breakglass", "ci-user", "old-admin"]
    );
    assert!(backups(&dir.path().join("ssosetup-backups")).is_empty());
}

#[tokio::test]
async fn the_identity_in_use_is_never_deleted() {
    let moto = Moto::start();
    let (iam, _) = seed(&moto).await;
    // moto signs every request as IAM user "moto".
    iam.create_user().user_name("moto").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "[cleanup]\niam_users = [\"old-admin\", \"moto\"]\n",
    );
    // The administrator exists and has had its first run: only the caller
    // rule can stop this one.
    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(1);
    moto.forget_requests();
    let refused = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]);
    refused.assert_code(1);
    assert!(
        refused
            .stderr
            .contains("names moto, the identity this run signs in as"),
        "{}",
        refused.stderr
    );
    assert_eq!(moto.writes(), Vec::<String>::new(), "nothing half-applied");
    let names = user_names(&iam).await;
    assert!(names.contains(&"moto".to_string()), "{names:?}");
    assert!(names.contains(&"old-admin".to_string()), "{names:?}");
}

#[tokio::test]
async fn a_bad_or_partial_config_deletes_only_what_it_names() {
    let moto = Moto::start();
    let (iam, _) = seed(&moto).await;
    iam.create_user().user_name("old").send().await.unwrap();
    iam.create_user()
        .user_name("old-admin2")
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Invalid: refused before any AWS call.
    write_config(
        dir.path(),
        "[cleanup]\niam_users = [\"old-admin\", \"ci user\"]\n",
    );
    moto.forget_requests();
    let bad = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]);
    bad.assert_code(1);
    assert!(
        bad.stderr.contains("cleanup.iam_users[1]"),
        "{}",
        bad.stderr
    );
    assert_eq!(moto.requests(), Vec::<String>::new());

    // A name in both lists is refused too.
    write_config(
        dir.path(),
        "[cleanup]\niam_users = [\"old-admin\"]\nkeep_iam_users = [\"OLD-ADMIN\"]\n",
    );
    run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]).assert_code(1);
    assert_eq!(moto.requests(), Vec::<String>::new());

    // Partial: only the exact name goes; look-alikes stay.
    write_config(dir.path(), "[cleanup]\niam_users = [\"old-admin\"]\n");
    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(1); // alice is new
    run(Some(&moto), dir.path(), &["iam-users-cleanup", "--yes"]).assert_code(0);
    assert_eq!(
        user_names(&iam).await,
        ["breakglass", "ci-user", "old", "old-admin2"]
    );
}

#[tokio::test]
async fn root_cleanup_audits_the_root_user_and_lists_the_console_steps() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ssosetup.toml"), "region = \"us-east-1\"\n").unwrap();
    moto.forget_requests();
    let r = run(
        Some(&moto),
        dir.path(),
        &["root-cleanup", "--yes", "--output", "json"],
    );
    // No root keys (moto has none): the MFA and Billing steps are listed,
    // not required, so --yes succeeds.
    r.assert_code(0);
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let report = &plan["reports"]["root-cleanup"];
    assert_eq!(report["root"]["access_keys"], false);
    assert_eq!(report["root"]["mfa"], false);
    let manual: Vec<&str> = plan["manual"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        manual,
        [
            "https://console.aws.amazon.com/iam/home#/security_credentials",
            "https://console.aws.amazon.com/billing/home#/account"
        ]
    );
    // A run without a person writes nothing, not even a credential report
    // (it is read when a person does the root-keys console step).
    assert_eq!(moto.writes(), Vec::<String>::new());

    // A dry run (and status) does not generate one: a fresh account says so.
    let fresh = Moto::start();
    let dry = run(Some(&fresh), dir.path(), &["root-cleanup", "--dry-run"]);
    dry.assert_code(0);
    assert!(
        dry.stdout
            .contains("no credential report from the last four hours"),
        "{}",
        dry.stdout
    );
    run(Some(&fresh), dir.path(), &["status"]).assert_code(0);
    assert_eq!(fresh.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn an_api_the_endpoint_lacks_is_not_asked_for_every_user() {
    // moto has no ListServiceSpecificCredentials. Each try costs the SDK's
    // retries with backoff, so after the first failures (at most 4 users in
    // flight, 2 attempts each) ssosetup stops asking.
    let moto = Moto::start();
    let iam = iam_of(&moto.sdk_config().await);
    for i in 0..10 {
        iam.create_user()
            .user_name(format!("legacy-{i}"))
            .send()
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ssosetup.toml"), "region = \"us-east-1\"\n").unwrap();
    moto.forget_requests();
    let r = run(Some(&moto), dir.path(), &["iam-users-cleanup", "--dry-run"]);
    r.assert_code(0);
    assert!(
        r.stderr
            .contains("does not implement iam:ListServiceSpecificCredentials"),
        "{}",
        r.stderr
    );
    let asked = moto
        .requests()
        .iter()
        .filter(|op| *op == "ListServiceSpecificCredentials")
        .count();
    assert!(asked <= 8, "asked {asked} times for 10 users");
}

/// Legacy IAM users nobody has decided about: the cleanup is not done
/// (`status` says "not set up" and names them); once each is named to
/// delete or to keep, it is.
#[tokio::test]
async fn status_calls_undecided_iam_users_not_set_up() {
    let moto = Moto::start();
    let iam = iam_of(&moto.sdk_config().await);
    for name in ["old-admin", "ci-deploy"] {
        iam.create_user().user_name(name).send().await.unwrap();
    }
    let state = |dir: &Path| -> (String, String) {
        let r = run(Some(&moto), dir, &["status", "--output", "json"]);
        r.assert_code(0);
        crate::plan_output::assert_matches_schema(&r.stdout, "docs/status.schema.json");
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let step = doc["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == "iam-users-cleanup")
            .unwrap()
            .clone();
        (
            step["state"].as_str().unwrap().to_string(),
            step["detail"].as_str().unwrap_or_default().to_string(),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ssosetup.toml"), "region = \"us-east-1\"\n").unwrap();
    let (s, detail) = state(dir.path());
    assert_eq!(s, "not set up", "{detail}");
    assert!(
        detail.contains("not decided yet: ci-deploy and old-admin")
            || detail.contains("not decided yet: old-admin and ci-deploy"),
        "{detail}"
    );

    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "region = \"us-east-1\"\n\n[cleanup]\nkeep_iam_users = [\"old-admin\", \"ci-deploy\"]\n",
    )
    .unwrap();
    assert_eq!(state(dir.path()).0, "done");
}
