use super::*;
use std::path::Path;

fn problems(toml_text: &str) -> Vec<ConfigProblem> {
    let config = parse(toml_text).expect("test TOML parses");
    validate(&config, Path::new("/nonexistent"))
}

fn paths(toml_text: &str) -> Vec<String> {
    problems(toml_text).into_iter().map(|p| p.path).collect()
}

const GOOD: &str = r#"
region = "ap-southeast-1"
[organization]
create = true
[[permission_sets]]
name = "AdministratorAccess"
description = "Full access"
session_duration = "PT4H"
managed_policies = ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]
customer_managed_policies = [{ name = "MyPolicy", path = "/" }]
permissions_boundary = { managed_policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess" }
[[assignments]]
permission_set = "AdministratorAccess"
accounts = ["management", "111122223333"]
[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["AdministratorAccess-111122223333", "AdministratorAccess-123456789012"]
[cli]
session_name = "personal"
user = "alice"
profile_names = "{permission_set}-{account_id}"
[cleanup]
iam_users = ["old-admin"]
keep_iam_users = ["breakglass"]
"#;

#[test]
fn the_interface_example_is_valid() {
    assert_eq!(problems(GOOD), vec![]);
}

#[test]
fn an_empty_file_is_valid_and_allows_creating_the_organization() {
    let config = parse("").unwrap();
    assert!(config.organization.create);
    assert_eq!(validate(&config, Path::new(".")), vec![]);
}

#[test]
fn every_problem_is_reported_at_once_with_its_field() {
    let text = r#"
region = "Mars"
[[permission_sets]]
name = "has space"
session_duration = "PT13H"
relay_state = ""
managed_policies = ["arn:aws:iam::123456789012:policy/Mine"]
inline_policy = "missing.json"
[[assignments]]
permission_set = "Nope"
accounts = ["12345", "management"]
[[users]]
user_name = "Administrator"
given_name = ""
family_name = "X"
email = "not-an-email"
groups = ["Unknown"]
"#;
    assert_eq!(
        paths(text),
        vec![
            "region",
            "permission_sets[0].name",
            "permission_sets[0].session_duration",
            "permission_sets[0].relay_state",
            "permission_sets[0].managed_policies[0]",
            "permission_sets[0].inline_policy",
            "assignments[0].permission_set",
            "assignments[0].accounts[0]",
            "users[0].user_name",
            "users[0].given_name",
            "users[0].email",
            "users[0].groups[0]",
        ]
    );
}

#[test]
fn a_problem_shows_the_value_and_what_is_allowed() {
    let p = &problems("[[permission_sets]]\nname = \"A\"\nsession_duration = \"PT30M\"\n")[0];
    assert_eq!(
            p.to_string(),
            "permission_sets[0].session_duration = \"PT30M\": an ISO-8601 duration from PT1H to PT12H, such as \"PT4H\" or \"PT1H30M\""
        );
}

#[test]
fn session_durations_follow_iso_8601_within_one_to_twelve_hours() {
    for ok in [
        "PT1H",
        "PT12H",
        "PT1H30M",
        "PT90M",
        "PT3600S",
        "PT11H59M59S",
    ] {
        assert!(session_duration_seconds(ok).is_some(), "{ok}");
    }
    for bad in [
        "PT59M", "PT13H", "PT12H1S", "1H", "PT", "PTH", "PT1M1H", "P1D", "pt1h", "PT1.5H", "",
    ] {
        assert!(session_duration_seconds(bad).is_none(), "{bad}");
    }
    assert_eq!(session_duration_seconds("PT1H30M"), Some(5400));
}

#[test]
fn permission_set_names_follow_the_aws_pattern() {
    assert!(is_aws_name("Admin+Ops=1,2.x@y-z_", 32));
    assert!(!is_aws_name(&"a".repeat(33), 32));
    assert!(!is_aws_name("a/b", 32));
    assert!(!is_aws_name("", 32));
}

#[test]
fn duplicate_permission_sets_users_and_emails_are_refused() {
    let text = r#"
[[permission_sets]]
name = "A"
[[permission_sets]]
name = "A"
[[users]]
user_name = "bob"
given_name = "B"
family_name = "B"
email = "bob@example.com"
[[users]]
user_name = "BOB"
given_name = "B"
family_name = "B"
email = "Bob@example.com"
"#;
    assert_eq!(
        paths(text),
        vec![
            "permission_sets[1].name",
            "users[1].user_name",
            "users[1].email"
        ]
    );
}

#[test]
fn emails_must_be_one_plain_address() {
    for ok in ["a@example.com", "a.b+c@sub.example.co.uk"] {
        assert!(check_email(ok).is_ok(), "{ok}");
    }
    for bad in [
        "a",
        "a@b",
        "@example.com",
        "a@@example.com",
        "Alice <a@example.com>",
        "a@example.com, b@example.com",
        "a@-x.com",
        "a @example.com",
    ] {
        assert!(check_email(bad).is_err(), "{bad}");
    }
}

#[test]
fn reserved_and_spaced_user_names_are_refused() {
    assert!(check_user_name("alice").is_ok());
    assert!(check_user_name("administrator").is_err());
    assert!(check_user_name("AWSAdministrators").is_err());
    assert!(check_user_name("alice doe").is_err());
}

#[test]
fn user_groups_must_come_from_assignments_or_default_naming() {
    let base = r#"
[[permission_sets]]
name = "ReadOnly"
[[assignments]]
permission_set = "ReadOnly"
accounts = ["111122223333"]
[[assignments]]
permission_set = "ReadOnly"
accounts = ["all"]
group = "Readers"
[[users]]
user_name = "u"
given_name = "U"
family_name = "U"
email = "u@example.com"
"#;
    let with = |groups: &str| format!("{base}groups = [{groups}]\n");
    assert!(paths(&with("\"ReadOnly-111122223333\", \"Readers\"")).is_empty());
    assert_eq!(
        paths(&with("\"ReadOnly-444455556666\"")),
        vec!["users[0].groups[0]"]
    );
}

#[test]
fn pruning_keeps_exactly_the_groups_assignments_give() {
    let mut config = parse(
        r#"
[[permission_sets]]
name = "A"
[[assignments]]
permission_set = "A"
accounts = ["all"]
[[assignments]]
permission_set = "A"
accounts = ["111122223333"]
group = "Readers"
[[users]]
user_name = "u"
given_name = "U"
family_name = "U"
email = "u@example.com"
groups = ["A-444455556666", "Readers", "Readers2", "A-x", "B-111122223333"]
"#,
    )
    .unwrap();
    config.prune_user_groups();
    assert_eq!(config.users[0].groups, vec!["A-444455556666", "Readers"]);
}

#[test]
fn inline_policies_must_exist_parse_and_fit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ok.json"),
        r#"{"Version":"2012-10-17","Statement":[]}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("bad.json"), "{not json").unwrap();
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[],"Pad":"{}"}}"#,
        "x".repeat(33_000)
    );
    std::fs::write(dir.path().join("big.json"), big).unwrap();
    assert!(read_inline_policy(dir.path(), Path::new("ok.json")).is_ok());
    assert!(read_inline_policy(dir.path(), Path::new("bad.json"))
        .unwrap_err()
        .contains("does not parse"));
    assert!(read_inline_policy(dir.path(), Path::new("big.json"))
        .unwrap_err()
        .contains("32768"));
    assert!(read_inline_policy(dir.path(), Path::new("none.json"))
        .unwrap_err()
        .contains("readable"));
}

#[test]
fn a_boundary_needs_exactly_one_kind() {
    let text = "[[permission_sets]]\nname = \"A\"\npermissions_boundary = {}\n";
    assert_eq!(paths(text), vec!["permission_sets[0].permissions_boundary"]);
}

#[test]
fn a_backup_dir_that_is_a_file_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("taken"), "x").unwrap();
    let problems = |text: &str| validate(&parse(text).unwrap(), dir.path());
    let at = |text: &str| {
        problems(text)
            .into_iter()
            .map(|p| p.path)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at("[cleanup]\nbackup_dir = \"taken\"\n"),
        vec!["cleanup.backup_dir"]
    );
    assert_eq!(
        at("[cleanup]\nbackup_dir = \"taken/sub\"\n"),
        vec!["cleanup.backup_dir"]
    );
    assert!(at("[cleanup]\nbackup_dir = \"new/sub\"\n").is_empty());
    std::fs::write(dir.path().join("ssosetup-backups"), "x").unwrap();
    let p = &problems("[cleanup]\niam_users = [\"old\"]\n")[0];
    assert_eq!(p.path, "cleanup.backup_dir");
    assert!(p.value.contains("default"), "{}", p.value);
}

#[test]
fn cleanup_cannot_both_delete_and_keep_a_user() {
    let text = "[cleanup]\niam_users = [\"ci\"]\nkeep_iam_users = [\"ci\"]\n";
    assert_eq!(paths(text), vec!["cleanup.iam_users[0]"]);
}

#[test]
fn cli_settings_are_checked() {
    let text = "[cli]\nsession_name = \"my session\"\noutput = \"xml\"\nprofile_names = \"{role}\"\nstart_url = \"http://x\"\n";
    assert_eq!(
        paths(text),
        vec![
            "cli.session_name",
            "cli.start_url",
            "cli.output",
            "cli.profile_names"
        ]
    );
}

#[test]
fn a_start_url_cannot_carry_a_line_break_or_another_scheme() {
    assert!(check_start_url("https://d-1234567890.awsapps.com/start", false).is_ok());
    assert!(check_start_url("https://sso.example.net/start", true).is_ok());
    for bad in [
        "https://d-1234567890.awsapps.com/start\n[profile evil]\ncredential_process = /bin/sh",
        "https://x.awsapps.com/start\r",
        "https://x.awsapps.com /start",
        "http://x.awsapps.com/start",
        "https://",
        "https:///start",
        "x.awsapps.com/start",
    ] {
        assert!(check_start_url(bad, true).is_err(), "{bad:?}");
        assert!(check_start_url(bad, false).is_err(), "{bad:?}");
    }
}

#[test]
fn only_aws_access_portal_urls_unless_custom_ones_are_allowed() {
    for good in [
        "https://d-1234567890.awsapps.com/start",
        "https://my-org.awsapps.com/start/",
        "https://my-org.awsapps.com/start/#",
        "https://acme.awsapps.cn/start",
        "https://start.us-gov-home.awsapps.com/directory/d-1234567890",
        "https://start.us-gov-west-1.us-gov-home.awsapps.com/directory/acme",
        "https://start.home.awsapps.cn/directory/acme",
        "https://ssoins-1234567890abcdef.portal.eu-west-1.app.aws",
        &format!("https://{}.awsapps.com/start", "a".repeat(62)),
    ] {
        assert!(check_start_url(good, false).is_ok(), "{good}");
        assert!(is_portal_url(good), "{good}");
    }
    for bad in [
        "https://evil.example.com/start",
        "https://acme.awsapps.com.evil.example.com/start",
        "https://acme.awsapps.com@evil.example.com/start",
        "https://acme.awsapps.com:8443/start",
        "https://acme.awsapps.com/start?next=https://evil.example.com",
        "https://acme.awsapps.com/login",
        "https://acme.corp.awsapps.com/start",
        "https://acme-.awsapps.com/start",
        "https://-acme.awsapps.com/start",
        "https://Acme.awsapps.com/start",
        "https://d-12345.awsapps.com/start",
        "https://acme.awsapps.co/start",
        &format!("https://{}.awsapps.com/start", "a".repeat(63)),
        &format!("https://{}.awsapps.com/start", "a".repeat(64)),
        "https://start.us-gov-home.awsapps.com/directory/a.b",
        "https://start.nowhere.us-gov-home.awsapps.com/directory/acme",
        "https://ssoins-xyz.portal.eu-west-1.app.aws",
        "http://acme.awsapps.com/start",
    ] {
        assert!(check_start_url(bad, false).is_err(), "{bad}");
        assert!(!is_portal_url(bad), "{bad}");
    }
    // Allowed on purpose, and then warned about each run.
    assert!(check_start_url("https://evil.example.com/start", true).is_ok());
    let config =
        parse("allow_custom_start_url = true\nportal_url = \"https://sso.example.net/start\"\n")
            .unwrap();
    assert!(super::validate(&config, std::path::Path::new(".")).is_empty());
    assert!(warnings(&config)[0].contains("portal_url"));
    let config = parse("portal_url = \"https://sso.example.net/start\"\n").unwrap();
    assert_eq!(
        super::validate(&config, std::path::Path::new("."))[0].path,
        "portal_url"
    );
}

#[test]
fn unknown_fields_are_errors_not_silently_ignored() {
    let err = parse("[[permission_sets]]\nname = \"A\"\nsesion_duration = \"PT2H\"\n").unwrap_err();
    assert!(err.contains("sesion_duration"), "{err}");
}

#[test]
fn regions_are_recognised() {
    for ok in [
        "us-east-1",
        "ap-southeast-1",
        "us-gov-west-1",
        "eu-central-2",
    ] {
        assert!(is_region(ok), "{ok}");
    }
    for bad in ["Mars", "us-east", "useast1", "US-EAST-1", "us-east-0"] {
        assert!(!is_region(bad), "{bad}");
    }
}

#[test]
fn the_shipped_example_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let text = std::fs::read_to_string(dir.join("ssosetup.toml")).unwrap();
    assert_eq!(validate(&parse(&text).unwrap(), &dir), vec![]);
}

#[test]
fn a_config_round_trips_through_toml() {
    let config = parse(GOOD).unwrap();
    let again = parse(&toml::to_string(&config).unwrap()).unwrap();
    assert_eq!(config, again);
}
