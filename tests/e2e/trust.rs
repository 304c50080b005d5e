//! Trust on a real account: the identity named is the one used, values
//! written into the AWS CLI config are checked, the lockout guard is not
//! fooled by a narrowed administrator, a restore does not trust its file,
//! files are written through symlinks and secrets are never shown.
//! Each test reads the outcome back from moto or from the files.

use std::path::Path;

use aws_sdk_identitystore::types::{Email, MemberId, Name};
use aws_sdk_ssoadmin::types::{PrincipalType, TargetType};

use crate::moto::ACCOUNT;
use crate::{ssosetup, Moto, Run};

const DENY_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;

fn run_env(moto: &Moto, dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = ssosetup(Some(moto), dir);
    for (k, v) in env {
        command.env(k, v);
    }
    Run::from(command.args(args).output().unwrap())
}

/// An Identity Center administrator made by hand: permission set `set_name`
/// with AdministratorAccess (and `inline`, if given), group Admins holding it
/// on the management account, and `user` in the group.
pub(crate) async fn seed_identity_center_admin(
    moto: &Moto,
    set_name: &str,
    user: &str,
    inline: Option<&str>,
) {
    let config = moto.sdk_config().await;
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let ids = aws_sdk_identitystore::Client::new(&config);
    let instance = sso.list_instances().send().await.unwrap().instances()[0].clone();
    let (arn, store) = (
        instance.instance_arn().unwrap(),
        instance.identity_store_id().unwrap(),
    );
    let ps = sso
        .create_permission_set()
        .instance_arn(arn)
        .name(set_name)
        .session_duration("PT1H")
        .send()
        .await
        .unwrap()
        .permission_set()
        .unwrap()
        .permission_set_arn()
        .unwrap()
        .to_string();
    sso.attach_managed_policy_to_permission_set()
        .instance_arn(arn)
        .permission_set_arn(&ps)
        .managed_policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    if let Some(doc) = inline {
        sso.put_inline_policy_to_permission_set()
            .instance_arn(arn)
            .permission_set_arn(&ps)
            .inline_policy(doc)
            .send()
            .await
            .unwrap();
    }
    let group = ids
        .create_group()
        .identity_store_id(store)
        .display_name("Admins")
        .send()
        .await
        .unwrap()
        .group_id()
        .to_string();
    let user_id = ids
        .create_user()
        .identity_store_id(store)
        .user_name(user)
        .display_name(user)
        .name(
            Name::builder()
                .given_name(user)
                .family_name("Admin")
                .build(),
        )
        .emails(
            Email::builder()
                .value(format!("{user}@example.com"))
                .primary(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_id()
        .to_string();
    ids.create_group_membership()
        .identity_store_id(store)
        .group_id(&group)
        .member_id(MemberId::UserId(user_id))
        .send()
        .await
        .unwrap();
    sso.create_account_assignment()
        .instance_arn(arn)
        .target_id(ACCOUNT)
        .target_type(TargetType::AwsAccount)
        .permission_set_arn(&ps)
        .principal_type(PrincipalType::Group)
        .principal_id(&group)
        .send()
        .await
        .unwrap();
}

fn iam(config: &aws_config::SdkConfig) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(config)
}

async fn iam_user_exists(moto: &Moto, name: &str) -> bool {
    iam(&moto.sdk_config().await)
        .get_user()
        .user_name(name)
        .send()
        .await
        .is_ok()
}

#[test]
fn a_named_profile_wins_over_keys_in_the_environment() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aws-config"),
        "[profile prod]\naws_access_key_id = AKIAPRODPROFILE00001\naws_secret_access_key = prod-secret\nregion = us-east-1\n",
    )
    .unwrap();
    // The harness sets AWS_ACCESS_KEY_ID=testing: the profile must win.
    let by_flag = run_env(&moto, dir.path(), &[], &["status", "--profile", "prod"]);
    by_flag.assert_code(0);
    let keys = moto.access_keys();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|k| k == "AKIAPRODPROFILE00001"),
        "signed with {keys:?}"
    );
    assert!(
        by_flag.stdout.contains("Credentials: profile prod"),
        "{}",
        by_flag.stdout
    );

    moto.forget_requests();
    run_env(&moto, dir.path(), &[("AWS_PROFILE", "prod")], &["status"]).assert_code(0);
    let keys = moto.access_keys();
    assert!(
        !keys.is_empty() && keys.iter().all(|k| k == "AKIAPRODPROFILE00001"),
        "AWS_PROFILE names it too: {keys:?}"
    );

    // Without a profile, the environment's keys are used, and said so.
    moto.forget_requests();
    let plain = run_env(&moto, dir.path(), &[], &["status"]);
    plain.assert_code(0);
    assert!(moto.access_keys().iter().all(|k| k == "testing"));
    assert!(
        plain.stdout.contains("Credentials: environment"),
        "{}",
        plain.stdout
    );
}

#[test]
fn an_unknown_profile_stops_before_any_aws_call() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aws-config"),
        "[profile prod]\nregion = us-east-1\n",
    )
    .unwrap();
    for (env, args) in [
        (vec![], vec!["status", "--profile", "no-such-profile"]),
        (
            vec![],
            vec!["init", "--yes", "--profile", "no-such-profile"],
        ),
        (vec![("AWS_PROFILE", "no-such-profile")], vec!["status"]),
    ] {
        let r = run_env(&moto, dir.path(), &env, &args);
        r.assert_code(1);
        assert!(
            r.stderr
                .contains("error: the AWS profile \"no-such-profile\" could not be found"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("aws-config"),
            "names the files: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("prod"),
            "names the profiles that exist: {}",
            r.stderr
        );
        assert_eq!(moto.requests(), Vec::<String>::new(), "{args:?}");
    }
}

#[tokio::test]
async fn a_start_url_with_a_line_break_cannot_inject_a_profile() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "[cli]\nsession_name = \"s\"\nuser = \"alice\"\nstart_url = \"https://x.awsapps.com/start\\n[profile evil]\\ncredential_process = /bin/sh -c id\"\n",
    )
    .unwrap();
    let r = run_env(&moto, dir.path(), &[], &["init", "--yes"]);
    r.assert_code(1);
    assert!(r.stderr.contains("cli.start_url"), "{}", r.stderr);
    assert!(!dir.path().join("aws-config").exists());
    assert_eq!(moto.requests(), Vec::<String>::new());
}

#[tokio::test]
async fn an_account_name_cannot_inject_a_profile_section() {
    let moto = Moto::start();
    let orgs = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
    orgs.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    // AWS allows brackets in account names.
    orgs.create_account()
        .account_name("dev]evil")
        .email("dev@example.com")
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        r#"
[[permission_sets]]
name = "ReadOnlyAccess"
managed_policies = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
[[assignments]]
permission_set = "ReadOnlyAccess"
accounts = ["all"]
group = "Readers"
[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["Readers"]
[cli]
session_name = "s"
user = "alice"
start_url = "https://x.awsapps.com/start"
profile_names = "{account_name}-{permission_set}"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("aws-config"),
        "[default]\nregion = eu-west-1\n",
    )
    .unwrap();
    let r = run_env(&moto, dir.path(), &[], &["init", "--yes"]);
    r.assert_code(0);
    // The name is made of the safe alphabet: the bracket and all that
    // follows it become part of one profile name, not a section.
    let written = std::fs::read_to_string(dir.path().join("aws-config")).unwrap();
    assert!(
        written.starts_with("[default]\nregion = eu-west-1\n"),
        "{written}"
    );
    assert!(
        written.contains("[profile dev-evil-ReadOnlyAccess]\n"),
        "{written}"
    );
    let headers: Vec<&str> = written.lines().filter(|l| l.starts_with('[')).collect();
    for h in &headers {
        assert_eq!(h.matches(']').count(), 1, "{h}");
        assert!(!h.contains("evil]"), "{h}");
    }
}

#[tokio::test]
async fn an_administrator_narrowed_by_a_deny_does_not_pass_the_lockout_guard() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    iam(&config)
        .create_user()
        .user_name("old-admin")
        .send()
        .await
        .unwrap();
    seed_identity_center_admin(&moto, "AdministratorAccess", "alice", Some(DENY_ALL)).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "[cleanup]\niam_users = [\"old-admin\"]\n",
    )
    .unwrap();
    moto.forget_requests();
    let r = run_env(&moto, dir.path(), &[], &["iam-users-cleanup", "--yes"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("AdministratorAccess (its inline policy has a Deny statement)"),
        "{}",
        r.stderr
    );
    assert!(iam_user_exists(&moto, "old-admin").await, "not deleted");
    assert_eq!(moto.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn a_narrowed_administrator_is_neither_offboarded_nor_pruned_away() {
    // The only administrator holds AdministratorAccess with a guardrail
    // (an inline Deny): nobody is known for sure to administer the
    // account, so removing their access is refused, not waved through.
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let orgs = aws_sdk_organizations::Client::new(&config);
    orgs.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let member = orgs
        .create_account()
        .account_name("dev")
        .email("dev@example.com")
        .send()
        .await
        .unwrap();
    let member_id = orgs
        .describe_create_account_status()
        .create_account_request_id(member.create_account_status().unwrap().id().unwrap())
        .send()
        .await
        .unwrap()
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_string();
    seed_identity_center_admin(&moto, "AdministratorAccess", "alice", Some(DENY_ALL)).await;
    let dir = tempfile::tempdir().unwrap();

    moto.forget_requests();
    let r = run_env(&moto, dir.path(), &[], &["offboard", "alice", "--yes"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("nobody else is known for sure to administer the account"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Deny"), "{}", r.stderr);
    assert_eq!(moto.writes(), Vec::<String>::new(), "nothing removed");

    // The config moves the Admins group's set to the member account only:
    // --prune would take it off the management account.
    std::fs::write(dir.path().join("deny.json"), DENY_ALL).unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        format!(
            "[[permission_sets]]\nname = \"AdministratorAccess\"\nmanaged_policies = [\"arn:aws:iam::aws:policy/AdministratorAccess\"]\ninline_policy = \"deny.json\"\n[[assignments]]\npermission_set = \"AdministratorAccess\"\naccounts = [\"{member_id}\"]\ngroup = \"Admins\"\n"
        ),
    )
    .unwrap();
    moto.forget_requests();
    let r = run_env(&moto, dir.path(), &[], &["assignments", "--prune", "--yes"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("nobody else is known for sure to administer the account"),
        "{}",
        r.stderr
    );
    assert!(
        !moto.writes().iter().any(|w| w == "DeleteAccountAssignment"),
        "{:?}",
        moto.writes()
    );
}

#[tokio::test]
async fn restoring_administrator_access_is_never_confirmed_by_yes_alone() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let client = iam(&config);
    client.create_user().user_name("ops").send().await.unwrap();
    client
        .attach_user_policy()
        .user_name("ops")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    seed_identity_center_admin(&moto, "AdministratorAccess", "alice", None).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "[cleanup]\niam_users = [\"ops\"]\nbackup_dir = \"backups\"\n",
    )
    .unwrap();
    run_env(&moto, dir.path(), &[], &["iam-users-cleanup", "--yes"]).assert_code(0);
    assert!(!iam_user_exists(&moto, "ops").await);
    let backup = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let file = backup.to_str().unwrap();

    let dry = run_env(
        &moto,
        dir.path(),
        &[],
        &["iam-users-cleanup", "--restore", file, "--dry-run"],
    );
    dry.assert_code(0);
    assert!(
        dry.stdout.contains(
            "grants managed policy arn:aws:iam::aws:policy/AdministratorAccess  [ADMINISTRATOR-EQUIVALENT]"
        ),
        "{}",
        dry.stdout
    );
    moto.forget_requests();
    let refused = run_env(
        &moto,
        dir.path(),
        &[],
        &["iam-users-cleanup", "--restore", file, "--yes"],
    );
    refused.assert_code(1);
    assert!(
        refused
            .stderr
            .contains("--yes alone never confirms administrator-equivalent access"),
        "{}",
        refused.stderr
    );
    assert_eq!(moto.writes(), Vec::<String>::new());
    assert!(!iam_user_exists(&moto, "ops").await);
}

#[tokio::test]
async fn a_symlinked_aws_config_stays_a_link_and_its_target_gets_the_profiles() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start();
    let members = crate::resources::seed_organization(&moto).await;
    crate::resources::write_config(dir.path(), &members[0]);
    let mut text = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    text.push_str("[cli]\nsession_name = \"personal\"\nuser = \"alice\"\nstart_url = \"https://my-portal.awsapps.com/start\"\n");
    std::fs::write(dir.path().join("ssosetup.toml"), text).unwrap();
    let dotfiles = dir.path().join("dotfiles");
    std::fs::create_dir(&dotfiles).unwrap();
    let target = dotfiles.join("aws-config");
    std::fs::write(&target, "[default]\nregion = eu-west-1\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::symlink("dotfiles/aws-config", dir.path().join("aws-config")).unwrap();

    run_env(&moto, dir.path(), &[], &["init", "--yes"]).assert_code(0);

    let link = dir.path().join("aws-config");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(
        written.starts_with("[default]\nregion = eu-west-1\n"),
        "{written}"
    );
    assert!(
        written.contains(&format!("[profile AdministratorAccess-{ACCOUNT}]")),
        "{written}"
    );
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o644
    );
}

#[tokio::test]
async fn secrets_in_the_aws_config_are_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start();
    let members = crate::resources::seed_organization(&moto).await;
    crate::resources::write_config(dir.path(), &members[0]);
    let mut text = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    text.push_str("[cli]\nsession_name = \"personal\"\nuser = \"alice\"\nstart_url = \"https://my-portal.awsapps.com/start\"\n");
    std::fs::write(dir.path().join("ssosetup.toml"), text).unwrap();
    let unused = dir.path().join("unused-aws-config");
    run_env(
        &moto,
        dir.path(),
        &[("AWS_CONFIG_FILE", unused.to_str().unwrap())],
        &["init", "--yes"],
    )
    .assert_code(0);
    // A same-named section holding keys (a conflict), next to a changed line.
    let secrets = [
        "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRET",
        "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
    ];
    std::fs::write(
        dir.path().join("aws-config"),
        format!(
            "[profile AdministratorAccess-{ACCOUNT}]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = {}\naws_session_token = {}\n",
            secrets[0], secrets[1]
        ),
    )
    .unwrap();
    for output in ["text", "json"] {
        let r = run_env(
            &moto,
            dir.path(),
            &[],
            &["cli-profiles", "--dry-run", "--output", output],
        );
        r.assert_code(0);
        for secret in secrets {
            assert!(
                !r.stdout.contains(secret) && !r.stderr.contains(secret),
                "{output}: {}{}",
                r.stdout,
                r.stderr
            );
        }
    }
    let applied = run_env(&moto, dir.path(), &[], &["cli-profiles", "--yes"]);
    for secret in secrets {
        assert!(!applied.stdout.contains(secret) && !applied.stderr.contains(secret));
    }
}
