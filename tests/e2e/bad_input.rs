//! A corpus of bad input: configs, files, flags and backup files as a
//! careless or hostile hand writes them. Each must stop with exit 1, name
//! the field, flag or file to fix on stderr, say it briefly, and make no
//! write at the server (most make no AWS call at all).

use std::path::Path;

use crate::moto::ACCOUNT;
use crate::{ssosetup, Moto, Run};

/// How a case lays out its directory before the run.
enum File {
    Text(&'static str, String),
    Bytes(&'static str, Vec<u8>),
    Dir(&'static str),
    Link(&'static str, &'static str),
}

struct Case {
    name: &'static str,
    files: Vec<File>,
    args: Vec<String>,
    /// Must appear on stderr: the field, flag or file named.
    expect: String,
}

fn config(name: &'static str, toml: &str, expect: &str) -> Case {
    Case {
        name,
        files: vec![File::Text("ssosetup.toml", toml.to_string())],
        args: vec!["init".into(), "--yes".into()],
        expect: expect.to_string(),
    }
}

fn flags(name: &'static str, args: &[&str], expect: &str) -> Case {
    Case {
        name,
        files: vec![],
        args: args.iter().map(|a| a.to_string()).collect(),
        expect: expect.to_string(),
    }
}

fn restore(name: &'static str, content: Vec<u8>, expect: &str) -> Case {
    Case {
        name,
        files: vec![File::Bytes("backup.json", content)],
        args: vec![
            "iam-users-cleanup".into(),
            "--restore".into(),
            "backup.json".into(),
            "--yes".into(),
        ],
        expect: expect.to_string(),
    }
}

const PS: &str = "[[permission_sets]]\nname = \"Admin\"\n";
const USER: &str = "[[users]]\nuser_name = \"alice\"\ngiven_name = \"Alice\"\nfamily_name = \"Doe\"\nemail = \"alice@example.com\"\n";

fn ps(field: &str) -> String {
    format!("{PS}{field}\n")
}

fn user_with(field: &str, value: &str) -> String {
    USER.lines()
        .map(|l| {
            if l.starts_with(&format!("{field} =")) {
                format!("{field} = {value}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn cli(extra: &str) -> String {
    format!("[cli]\nsession_name = \"s\"\n{extra}\n")
}

fn backup(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut b = serde_json::json!({
        "format": "ssosetup-iam-user-backup/1",
        "account": ACCOUNT,
        "taken_at": "2026-11-24T10:00:00Z",
        "user": {
            "user_name": "old-admin",
            "user_id": "AIDAOLDADMIN",
            "arn": format!("arn:aws:iam::{ACCOUNT}:user/old-admin"),
            "path": "/",
            "created": null,
            "console_password": false,
            "password_last_used": null,
            "access_keys": [],
            "mfa_devices": [],
            "groups": [],
            "attached_policies": [],
            "inline_policies": [],
            "tags": {},
            "permissions_boundary": null,
            "ssh_public_keys": [],
            "signing_certificates": [],
            "service_specific_credentials": []
        },
        "cannot_be_restored": []
    });
    edit(&mut b);
    b.to_string().into_bytes()
}

fn cases() -> Vec<Case> {
    let long = |n: usize| "a".repeat(n);
    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    vec![
        // TOML syntax and types
        config("syntax error", "region = \n", "line 1"),
        config("integer for a string", "region = 5\n", "line 1"),
        config("unknown top-level key", "regoin = \"us-east-1\"\n", "regoin"),
        config("misspelled field", &ps("sesion_duration = \"PT2H\""), "sesion_duration"),
        config("missing name", "[[permission_sets]]\ndescription = \"x\"\n", "missing field `name`"),
        config("table instead of array", "[permission_sets]\nname = \"A\"\n", "permission_sets"),
        config("duplicate key", "region = \"us-east-1\"\nregion = \"us-east-2\"\n", "line 2"),
        config("string for a boolean", "[organization]\ncreate = \"yes\"\n", "line 2"),
        config("region not a region", "region = \"Mars\"\n", "region = \"Mars\""),
        // permission sets
        config("name with a space", "[[permission_sets]]\nname = \"Admin Access\"\n", "permission_sets[0].name"),
        config("name of 33 characters", &format!("[[permission_sets]]\nname = \"{}\"\n", long(33)), "permission_sets[0].name"),
        config("empty description", &ps("description = \"\""), "permission_sets[0].description"),
        config("description of 701", &ps(&format!("description = \"{}\"", long(701))), "permission_sets[0].description"),
        config("duration over 12 hours", &ps("session_duration = \"PT13H\""), "permission_sets[0].session_duration"),
        config("duration in words", &ps("session_duration = \"1 hour\""), "permission_sets[0].session_duration"),
        config("relay state with a character AWS refuses", &ps("relay_state = \"https://example.com/<script>\""), "permission_sets[0].relay_state"),
        config("relay state of 241", &ps(&format!("relay_state = \"https://{}\"", long(233))), "permission_sets[0].relay_state"),
        config("customer ARN as managed", &ps("managed_policies = [\"arn:aws:iam::123456789012:policy/Mine\"]"), "permission_sets[0].managed_policies[0]"),
        config("managed policy twice", &ps("managed_policies = [\"arn:aws:iam::aws:policy/ReadOnlyAccess\", \"arn:aws:iam::aws:policy/ReadOnlyAccess\"]"), "permission_sets[0].managed_policies[1]"),
        config("not an ARN", &ps("managed_policies = [\"AdministratorAccess\"]"), "permission_sets[0].managed_policies[0]"),
        config("customer policy name", &ps("customer_managed_policies = [{ name = \"My Policy\" }]"), "permission_sets[0].customer_managed_policies[0].name"),
        config("customer policy path", &ps("customer_managed_policies = [{ name = \"P\", path = \"team\" }]"), "permission_sets[0].customer_managed_policies[0].path"),
        config("inline policy missing", &ps("inline_policy = \"none.json\""), "permission_sets[0].inline_policy"),
        Case {
            name: "inline policy not JSON",
            files: vec![File::Text("p.json", "{nope".into()), File::Text("ssosetup.toml", ps("inline_policy = \"p.json\""))],
            args: vec!["init".into(), "--yes".into()],
            expect: "permission_sets[0].inline_policy".into(),
        },
        Case {
            name: "inline policy too long",
            files: vec![
                File::Text("p.json", format!(r#"{{"Version":"2012-10-17","Statement":[],"Pad":"{}"}}"#, long(33_000))),
                File::Text("ssosetup.toml", ps("inline_policy = \"p.json\"")),
            ],
            args: vec!["init".into(), "--yes".into()],
            expect: "32768".into(),
        },
        Case {
            name: "inline policy is a directory",
            files: vec![File::Dir("p.json"), File::Text("ssosetup.toml", ps("inline_policy = \"p.json\""))],
            args: vec!["init".into(), "--yes".into()],
            expect: "a directory".into(),
        },
        Case {
            name: "inline policy without a statement",
            files: vec![File::Text("p.json", "{\"Version\":\"2012-10-17\"}".into()), File::Text("ssosetup.toml", ps("inline_policy = \"p.json\""))],
            args: vec!["init".into(), "--yes".into()],
            expect: "permission_sets[0].inline_policy".into(),
        },
        config("empty boundary", &ps("permissions_boundary = {}"), "permission_sets[0].permissions_boundary"),
        config("two boundaries", &ps("permissions_boundary = { managed_policy_arn = \"arn:aws:iam::aws:policy/PowerUserAccess\", customer_managed_policy = { name = \"B\" } }"), "permission_sets[0].permissions_boundary"),
        config("duplicate permission set", &format!("{PS}{PS}"), "permission_sets[1].name"),
        // assignments
        config("unknown permission set", "[[assignments]]\npermission_set = \"Nope\"\naccounts = [\"management\"]\n", "assignments[0].permission_set"),
        config("no accounts", &format!("{PS}[[assignments]]\npermission_set = \"Admin\"\naccounts = []\n"), "assignments[0].accounts"),
        config("short account id", &format!("{PS}[[assignments]]\npermission_set = \"Admin\"\naccounts = [\"12345678901\"]\n"), "assignments[0].accounts[0]"),
        config("account twice", &format!("{PS}[[assignments]]\npermission_set = \"Admin\"\naccounts = [\"management\", \"management\"]\n"), "assignments[0].accounts[1]"),
        config("group with a control character", &format!("{PS}[[assignments]]\npermission_set = \"Admin\"\naccounts = [\"management\"]\ngroup = \"Admins\\u0007\"\n"), "assignments[0].group"),
        // users
        config("user name with a space", &user_with("user_name", "\"alice doe\""), "users[0].user_name"),
        config("reserved user name", &user_with("user_name", "\"Administrator\""), "users[0].user_name"),
        config("user name of 129", &user_with("user_name", &format!("\"{}\"", long(129))), "users[0].user_name"),
        config("empty given name", &user_with("given_name", "\"\""), "users[0].given_name"),
        config("blank family name", &user_with("family_name", "\"   \""), "users[0].family_name"),
        config("not an email", &user_with("email", "\"alice\""), "users[0].email"),
        config("display form email", &user_with("email", "\"Alice <alice@example.com>\""), "users[0].email"),
        config("same email twice", &format!("{USER}{}", user_with("user_name", "\"bob\"").replace("alice@", "ALICE@")), "users[1].email"),
        config("same user twice", &format!("{USER}{}", user_with("email", "\"other@example.com\"").replace("\"alice\"", "\"ALICE\"")), "users[1].user_name"),
        config("unknown group", &format!("{USER}groups = [\"Nope\"]\n"), "users[0].groups[0]"),
        config("empty display name", &format!("{USER}display_name = \"\"\n"), "users[0].display_name"),
        // [cli]
        config("session name with a space", "[cli]\nsession_name = \"my session\"\n", "cli.session_name"),
        config("session name with a bracket", "[cli]\nsession_name = \"s]\"\n", "cli.session_name"),
        config("session name with a control character", "[cli]\nsession_name = \"s\\u0007\"\n", "cli.session_name"),
        config("start URL over http", &cli("start_url = \"http://x.awsapps.com/start\""), "cli.start_url"),
        config("start URL with a line break", &cli("start_url = \"https://x.awsapps.com/start\\n[profile evil]\""), "cli.start_url"),
        config("start URL without a host", &cli("start_url = \"https://\""), "cli.start_url"),
        config("start URL of another host", &cli("start_url = \"https://evil.example.com/start\""), "cli.start_url"),
        config("start URL of a look-alike host", &cli("start_url = \"https://acme.awsapps.com.evil.example.com/start\""), "cli.start_url"),
        config("start URL with a dotted alias", &cli("start_url = \"https://a.b.awsapps.com/start\""), "cli.start_url"),
        config("portal URL with a 64-character alias", &format!("portal_url = \"https://{}.awsapps.com/start\"\n", "a".repeat(64)), "portal_url"),
        config("profile names with a shell character", &cli("profile_names = \"{permission_set};{account_id}\""), "cli.profile_names"),
        config("cli user with a space", &cli("user = \"alice doe\""), "cli.user"),
        config("cli default region", &cli("default_region = \"eu\""), "cli.default_region"),
        config("cli output", &cli("output = \"xml\""), "cli.output"),
        config("profile template placeholder", &cli("profile_names = \"{role}\""), "cli.profile_names"),
        config("profile template with a space", &cli("profile_names = \"{permission_set} {account_id}\""), "cli.profile_names"),
        // [cleanup]
        config("iam user name", "[cleanup]\niam_users = [\"old admin\"]\n", "cleanup.iam_users[0]"),
        config("delete and keep", "[cleanup]\niam_users = [\"ci\"]\nkeep_iam_users = [\"CI\"]\n", "cleanup.iam_users[0]"),
        config("member passwords alone", "[cleanup]\ndelete_member_root_passwords = true\n", "cleanup.delete_member_root_passwords"),
        config("member user with a short account", "[cleanup]\niam_users = [\"12345/ci\"]\n", "cleanup.iam_users[0]"),
        config("empty account target", "[cleanup]\naccounts = [\"\"]\n", "cleanup.accounts[0]"),
        config("member role with a space", "[cleanup]\nmember_role = \"Org Access\"\n", "cleanup.member_role"),
        config("deactivate days alone", "[cleanup]\ndeactivate_days = 7\n", "cleanup.deactivate_days"),
        config("deactivate days zero", "[cleanup]\ndeactivate_first = true\ndeactivate_days = 0\n", "cleanup.deactivate_days"),
        Case {
            name: "backup dir is a file",
            files: vec![File::Text("taken", "x".into()), File::Text("ssosetup.toml", "[cleanup]\nbackup_dir = \"taken\"\n".into())],
            args: vec!["iam-users-cleanup".into(), "--dry-run".into()],
            expect: "cleanup.backup_dir".into(),
        },
        Case {
            name: "backup dir under a file",
            files: vec![File::Text("taken", "x".into()), File::Text("ssosetup.toml", "[cleanup]\nbackup_dir = \"taken/sub\"\n".into())],
            args: vec!["init".into(), "--yes".into()],
            expect: "cleanup.backup_dir".into(),
        },
        // the config file itself
        flags("named config missing", &["status", "--config", "nope.toml"], "nope.toml"),
        Case {
            name: "config is a directory",
            files: vec![File::Dir("conf")],
            args: vec!["status".into(), "--config".into(), "conf".into()],
            expect: "a directory".into(),
        },
        flags("config is a device", &["init", "--yes", "--config", "/dev/zero"], "a device"),
        Case {
            name: "config too big",
            files: vec![File::Bytes("big.toml", vec![b'#'; 2 * 1024 * 1024])],
            args: vec!["init".into(), "--yes".into(), "--config".into(), "big.toml".into()],
            expect: "bytes".into(),
        },
        Case {
            name: "config not UTF-8",
            files: vec![File::Bytes("ssosetup.toml", b"region = \"us-east-1\"\n# Jos\xe9\n".to_vec())],
            args: vec!["init".into(), "--yes".into()],
            expect: "line 2".into(),
        },
        Case {
            name: "config is a symlink loop",
            files: vec![File::Link("a.toml", "b.toml"), File::Link("b.toml", "a.toml")],
            args: vec!["init".into(), "--yes".into(), "--config".into(), "a.toml".into()],
            expect: "a.toml".into(),
        },
        // flags
        flags("output format", &["status", "--output", "xml"], "--output"),
        flags("region flag", &["status", "--region", "useast1"], "--region"),
        flags("endpoint not a URL", &["status", "--endpoint-url", "notaurl"], "--endpoint-url"),
        flags("endpoint not http", &["status", "--endpoint-url", "ftp://127.0.0.1"], "--endpoint-url"),
        flags("unknown flag", &["init", "--frobnicate"], "--frobnicate"),
        flags("unknown profile", &["init", "--yes", "--profile", "no-such"], "no-such"),
        flags("verbose and quiet", &["status", "-v", "-q"], "--quiet"),
        flags("unknown shell", &["completions", "tcsh"], "tcsh"),
        flags("unknown subcommand", &["initialise"], "initialise"),
        // backup files for --restore
        flags("backup missing", &["iam-users-cleanup", "--restore", "none.json", "--yes"], "none.json"),
        restore("backup not JSON", b"{ not json".to_vec(), "is not an ssosetup IAM user backup"),
        restore("backup of another format", backup(|b| b["format"] = "other/9".into()), "format"),
        restore("backup ARN of another user", backup(|b| b["user"]["arn"] = format!("arn:aws:iam::{ACCOUNT}:user/root-ish").into()), "user.arn"),
        restore("backup account", backup(|b| b["account"] = "12345".into()), "account"),
        restore("backup user name", backup(|b| b["user"]["user_name"] = "old admin".into()), "user.user_name"),
        restore("backup policy ARN", backup(|b| b["user"]["attached_policies"] = serde_json::json!(["arn:aws:iam::aws:policy/Admin Access"])), "user.attached_policies[0]"),
        restore("backup inline policy", backup(|b| b["user"]["inline_policies"] = serde_json::json!([{"name": "p", "document": "not json"}])), "user.inline_policies[0].document"),
        restore("backup group", backup(|b| b["user"]["groups"] = serde_json::json!(["a group"])), "user.groups[0]"),
        restore("backup tag key", backup(|b| b["user"]["tags"] = serde_json::json!({"aws:reserved": "x"})), "user.tags"),
        restore("backup time", backup(|b| b["taken_at"] = "yesterday".into()), "taken_at"),
        Case {
            name: "backup is a device",
            files: vec![],
            args: vec!["iam-users-cleanup".into(), "--restore".into(), "/dev/zero".into(), "--yes".into()],
            expect: "a device".into(),
        },
        restore("backup too big", vec![b' '; 5 * 1024 * 1024], "bytes"),
        restore("backup with a valid policy document but a bad name", backup(|b| b["user"]["inline_policies"] = serde_json::json!([{"name": "a b", "document": policy}])), "user.inline_policies[0].name"),
        // What only a read can tell: found for the whole run before its
        // first write (a fresh account, so init would create the
        // organization, sets, groups and users first).
        config("managed policy that does not exist", &format!("{PS}managed_policies = [\"arn:aws:iam::aws:policy/AdministratorAccesss\"]\n{USER}"), "permission_sets[0].managed_policies[0] = \"arn:aws:iam::aws:policy/AdministratorAccesss\": no such AWS managed policy"),
        config("account not in the organization", &format!("{PS}[[assignments]]\npermission_set = \"Admin\"\naccounts = [\"999999999999\"]\n"), "account 999999999999 (assignments[0]) is not in the organization"),
        config("cli user nowhere", &format!("{PS}{USER}[cli]\nsession_name = \"s\"\nuser = \"nobody\"\nstart_url = \"https://x.awsapps.com/start\"\n"), "user nobody ([cli] user) is not in the identity store"),
        config("cleanup names the caller", &format!("{PS}{USER}[cleanup]\niam_users = [\"moto\"]\n"), "the identity this run signs in as"),
        config("cleanup account nobody has", &format!("{PS}{USER}[cleanup]\naccounts = [\"Prod\"]\n"), "cleanup.accounts[0] = \"Prod\": no account of the organization has this name"),
        config("cleanup user of an account not covered", &format!("{PS}{USER}[cleanup]\niam_users = [\"111122223333/ci\"]\n"), "cleanup.iam_users[0] = 111122223333/ci: account 111122223333 is not among"),
    ]
}

fn lay_out(dir: &Path, files: &[File]) {
    for f in files {
        match f {
            File::Text(name, text) => std::fs::write(dir.join(name), text).unwrap(),
            File::Bytes(name, bytes) => std::fs::write(dir.join(name), bytes).unwrap(),
            File::Dir(name) => std::fs::create_dir(dir.join(name)).unwrap(),
            File::Link(name, to) => std::os::unix::fs::symlink(to, dir.join(name)).unwrap(),
        }
    }
}

#[tokio::test]
async fn every_bad_input_stops_with_its_field_named_and_nothing_written() {
    let moto = Moto::start();
    // moto's caller is IAM user "moto": cleanup must never delete it.
    aws_sdk_iam::Client::new(&moto.sdk_config().await)
        .create_user()
        .user_name("moto")
        .send()
        .await
        .unwrap();
    let cases = cases();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        lay_out(dir.path(), &case.files);
        moto.forget_requests();
        let r = Run::from(
            ssosetup(Some(&moto), dir.path())
                .args(&case.args)
                .output()
                .unwrap(),
        );
        let writes = moto.writes();
        let mut wrong = Vec::new();
        if r.code != 1 {
            wrong.push(format!("exit {}", r.code));
        }
        if !r.stderr.contains(&case.expect) {
            wrong.push(format!("stderr does not name {:?}", case.expect));
        }
        if !writes.is_empty() {
            wrong.push(format!("writes at the server: {writes:?}"));
        }
        if r.stderr.len() > 4_000 {
            wrong.push(format!("{} bytes of stderr", r.stderr.len()));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {}\n--- stderr\n{}",
                case.name,
                wrong.join("; "),
                r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_huge_value_is_echoed_as_a_short_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    // Just under the config's size bound: one description of 900,000 characters.
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        format!("{PS}description = \"{}\"\n", "d".repeat(900_000)),
    )
    .unwrap();
    let r = crate::run(None, dir.path(), &["init", "--yes"]);
    r.assert_code(1);
    assert!(
        r.stderr.contains("permission_sets[0].description"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("(900000 characters)"), "{}", r.stderr);
    assert!(r.stderr.len() < 2_000, "{} bytes on stderr", r.stderr.len());
}
