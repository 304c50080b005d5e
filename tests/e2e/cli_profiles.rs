//! `cli-profiles`: what it writes is read back by the real AWS CLI, and
//! everything else in the file stays byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::moto::ACCOUNT;
use crate::resources::{seed_organization, write_config};
use crate::{ssosetup, Moto, Run};

const CLI_SECTION: &str = r#"
[cli]
session_name = "personal"
start_url = "https://my-portal.awsapps.com/start"
user = "alice"
default_region = "eu-west-1"
output = "json"
"#;

const EXISTING: &str = "# my own settings\n[default]\nregion = eu-west-1\n\n; work account\n[profile work]\nregion = us-east-1   # keep\ncredential_process = /usr/local/bin/creds\n";

fn aws_cli(config: &Path, args: &[&str]) -> String {
    let aws = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    let out = Command::new(aws)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_CONFIG_FILE", config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            config.with_file_name("no-credentials"),
        )
        .output()
        .expect("the AWS CLI runs (scripts/ensure-venv installs it)");
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The profiles the AWS CLI sees. The v1 CLI on PyPI has no `configure
/// list-profiles` (a v2 command), so ask its own config reader, botocore.
fn profiles_seen_by_the_cli(config: &Path) -> Vec<String> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let out = Command::new(python)
        .args(["-c", "import botocore.session; print('\\n'.join(sorted(botocore.session.Session().available_profiles)))"])
        .env_clear()
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_SHARED_CREDENTIALS_FILE", config.with_file_name("no-credentials"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn backups(config: &Path) -> Vec<PathBuf> {
    let name = config.file_name().unwrap().to_string_lossy().to_string();
    std::fs::read_dir(config.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{name}.ssosetup-backup-"))
        })
        .collect()
}

fn run_with_config(moto: &Moto, dir: &Path, config: &Path, args: &[&str]) -> Run {
    Run::from(
        ssosetup(Some(moto), dir)
            .env("AWS_CONFIG_FILE", config)
            .args(args)
            .output()
            .unwrap(),
    )
}

async fn setup(dir: &Path) -> (Moto, String) {
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    write_config(dir, &members[0]);
    let mut config = std::fs::read_to_string(dir.join("ssosetup.toml")).unwrap();
    config.push_str(CLI_SECTION);
    std::fs::write(dir.join("ssosetup.toml"), config).unwrap();
    (moto, members[0].clone())
}

#[tokio::test]
async fn the_aws_cli_reads_every_profile_and_the_rest_of_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (moto, dev) = setup(dir.path()).await;
    let config = dir.path().join("aws-config");
    std::fs::write(&config, EXISTING).unwrap();

    let r = run_with_config(&moto, dir.path(), &config, &["init", "--yes"]);
    r.assert_code(0);
    assert!(
        r.stderr.contains("aws sso login --sso-session personal"),
        "{}",
        r.stderr
    );
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        written.starts_with(EXISTING),
        "the user's part is kept byte for byte:\n{written}"
    );

    let admin_mgmt = format!("AdministratorAccess-{ACCOUNT}");
    let admin_dev = format!("AdministratorAccess-{dev}");
    let profiles = profiles_seen_by_the_cli(&config);
    let mut expected = vec![
        admin_dev.clone(),
        admin_mgmt.clone(),
        "default".to_string(),
        "work".to_string(),
    ];
    expected.sort();
    assert_eq!(profiles, expected);
    for (profile, account) in [(&admin_mgmt, ACCOUNT), (&admin_dev, dev.as_str())] {
        assert_eq!(
            aws_cli(
                &config,
                &["configure", "get", "sso_account_id", "--profile", profile]
            ),
            account
        );
        assert_eq!(
            aws_cli(
                &config,
                &["configure", "get", "sso_role_name", "--profile", profile]
            ),
            "AdministratorAccess"
        );
        assert_eq!(
            aws_cli(
                &config,
                &["configure", "get", "sso_session", "--profile", profile]
            ),
            "personal"
        );
        assert_eq!(
            aws_cli(
                &config,
                &["configure", "get", "region", "--profile", profile]
            ),
            "eu-west-1"
        );
    }
    assert!(written.contains("[sso-session personal]\n"), "{written}");
    assert!(written.contains("sso_start_url = https://my-portal.awsapps.com/start\n"));
    assert!(
        written.contains("sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n")
    );
    assert_eq!(backups(&config).len(), 1, "the previous file is kept");

    // A second run: the same bytes, and no new backup.
    let again = run_with_config(&moto, dir.path(), &config, &["init", "--yes"]);
    again.assert_code(0);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);
    assert_eq!(backups(&config).len(), 1);
}

#[tokio::test]
async fn a_same_named_profile_ssosetup_did_not_write_is_kept_under_yes() {
    let dir = tempfile::tempdir().unwrap();
    let (moto, _dev) = setup(dir.path()).await;
    let config = dir.path().join("aws-config");
    let mine = format!("[profile AdministratorAccess-{ACCOUNT}]\nregion = ap-south-1\n");
    std::fs::write(&config, &mine).unwrap();
    let r = run_with_config(&moto, dir.path(), &config, &["init", "--yes"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("not written: a section of the same name exists that ssosetup did not write"),
        "{}",
        r.stderr
    );
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.starts_with(&mine), "kept as it was:\n{written}");
    assert_eq!(
        written
            .matches(&format!("[profile AdministratorAccess-{ACCOUNT}]"))
            .count(),
        1
    );
}

#[tokio::test]
async fn dry_run_shows_a_unified_diff_and_a_missing_directory_is_created_on_apply() {
    let dir = tempfile::tempdir().unwrap();
    let (moto, _dev) = setup(dir.path()).await;
    run_with_config(
        &moto,
        dir.path(),
        &dir.path().join("unused"),
        &["init", "--yes"],
    ); // makes users and assignments
    let config = dir.path().join("new/dir/config");

    let dry = run_with_config(&moto, dir.path(), &config, &["cli-profiles", "--dry-run"]);
    dry.assert_code(0);
    assert!(dry.stdout.contains("+++ "), "{}", dry.stdout);
    assert!(
        dry.stdout
            .contains(&format!("+[profile AdministratorAccess-{ACCOUNT}]")),
        "{}",
        dry.stdout
    );
    assert!(!config.exists(), "a dry run writes nothing");

    run_with_config(&moto, dir.path(), &config, &["cli-profiles", "--yes"]).assert_code(0);
    assert_eq!(
        aws_cli(
            &config,
            &[
                "configure",
                "get",
                "sso_session",
                "--profile",
                &format!("AdministratorAccess-{ACCOUNT}")
            ]
        ),
        "personal"
    );
    assert!(
        backups(&config).is_empty(),
        "nothing to back up for a new file"
    );
}
