//! The command line itself: bad input is refused before any AWS call, and
//! the generated completions and man page.

use crate::{run, Moto};

#[test]
fn a_bad_config_reports_every_problem_and_makes_no_aws_call() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        r#"
region = "moon-1"
[[permission_sets]]
name = "Admin Access"
session_duration = "PT24H"
[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice"
"#,
    )
    .unwrap();
    let r = run(
        Some(&moto),
        dir.path(),
        &["organization", "--yes", "--config", "bad.toml"],
    );
    r.assert_code(1);
    for expected in [
        "error: the config file bad.toml has 4 problems; nothing was changed",
        "caused by: region = \"moon-1\"",
        "caused by: permission_sets[0].name = \"Admin Access\"",
        "caused by: permission_sets[0].session_duration = \"PT24H\": an ISO-8601 duration from PT1H to PT12H",
        "caused by: users[0].email = \"alice\": one email address",
        "hint: fix each field named above",
    ] {
        assert!(r.stderr.contains(expected), "missing {expected:?} in\n{}", r.stderr);
    }
    assert_eq!(moto.requests(), Vec::<String>::new(), "no AWS call at all");
}

#[test]
fn a_named_config_file_that_is_missing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(None, dir.path(), &["status", "--config", "nope.toml"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("error: cannot read the config file nope.toml"),
        "{}",
        r.stderr
    );
}

#[test]
fn toml_errors_name_the_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "[organization]\ncreat = true\n",
    )
    .unwrap();
    let r = run(None, dir.path(), &["organization", "--dry-run"]);
    r.assert_code(1);
    assert!(
        r.stderr.contains(
            "line 2: organization.creat is not a key ssosetup knows; did you mean create?"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn a_bad_region_flag_is_refused_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(None, dir.path(), &["status", "--region", "useast1"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("--region \"useast1\" is not an AWS region name"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unreachable_endpoint_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(None, dir.path(), &["status"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("error: cannot tell who the AWS credentials belong to"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("hint: AWS could not be reached"),
        "{}",
        r.stderr
    );
}

#[test]
fn completions_and_man_page_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let bash = run(None, dir.path(), &["completions", "bash"]);
    bash.assert_code(0);
    assert!(bash.stdout.contains("identity-center"), "{}", bash.stdout);
    let man = run(None, dir.path(), &["man"]);
    man.assert_code(0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH ssosetup"),
        "{}",
        man.stdout
    );
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(None, dir.path(), &["--version"]);
    r.assert_code(0);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap().trim().to_string();
    assert_eq!(
        r.stdout.trim(),
        format!("ssosetup {} (commit {head})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_opens_with_what_the_tool_does_and_ends_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(None, dir.path(), &["--help"]);
    r.assert_code(0);
    assert!(
        r.stdout
            .starts_with("Move an AWS account off long-lived credentials to IAM Identity Center."),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Exit codes: 0 done"), "{}", r.stdout);
}
