//! `ssosetup access` against an account set up by hand (tests/seed_by_hand.py
//! with boto3, plus a few more made here with the SDK): a group assignment,
//! a direct user assignment, a user in two groups, an empty group, an
//! AWS-owned set, a user with no access. Every row is present exactly once;
//! the JSON matches docs/access.schema.json; Python's csv module reads the
//! CSV back to the same rows; filters narrow; an unknown filter is exit 1.

use std::collections::BTreeSet;
use std::process::Command;

use aws_sdk_identitystore::types::MemberId;

use crate::adopt::seed_by_hand;
use crate::plan_output::assert_matches_schema;
use crate::{run, Moto};

type Row = (String, String, String, String, bool);

fn rows(doc: &serde_json::Value) -> Vec<Row> {
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["user_name"].as_str().unwrap().to_string(),
                r["account"].as_str().unwrap().to_string(),
                r["permission_set"].as_str().unwrap().to_string(),
                r["group"].as_str().unwrap_or("direct").to_string(),
                r["aws_owned"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn json_of(moto: &Moto, dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["access", "--output", "json"];
    args.extend(extra);
    let r = run(Some(moto), dir, &args);
    r.assert_code(0);
    assert_matches_schema(&r.stdout, "docs/access.schema.json");
    serde_json::from_str(&r.stdout).unwrap()
}

#[tokio::test]
async fn access_lists_every_way_each_user_reaches_each_account_exactly_once() {
    let moto = Moto::start();
    let ids = seed_by_hand(&moto);
    let s = |k: &str| ids[k].as_str().unwrap().to_string();
    let (management, dev, prod, store) = (s("management"), s("dev"), s("prod"), s("store"));
    // More by hand: carol in Control Tower's group, an empty group, a user
    // with no access.
    let client = aws_sdk_identitystore::Client::new(&moto.sdk_config().await);
    client
        .create_group_membership()
        .identity_store_id(&store)
        .group_id(ids["groups"]["AWSControlTowerAdmins"].as_str().unwrap())
        .member_id(MemberId::UserId(
            ids["users"]["carol"].as_str().unwrap().to_string(),
        ))
        .send()
        .await
        .unwrap();
    client
        .create_group()
        .identity_store_id(&store)
        .display_name("Ghosts")
        .send()
        .await
        .unwrap();
    client
        .create_user()
        .identity_store_id(&store)
        .user_name("dave")
        .display_name("Dave Loe")
        .name(
            aws_sdk_identitystore::types::Name::builder()
                .given_name("Dave")
                .family_name("Loe")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    let doc = json_of(&moto, dir.path(), &[]);
    let r = |u: &str, a: &String, set: &str, via: &str, aws: bool| -> Row {
        (u.into(), a.clone(), set.into(), via.into(), aws)
    };
    let developers = format!("Developer-{dev}");
    let readers = format!("ReadOnly-{prod}");
    let expected: BTreeSet<Row> = [
        r("alice", &management, "AdministratorAccess", "Admins", false),
        r("alice", &dev, "AdministratorAccess", "Admins", false),
        r("alice", &dev, "Developer", &developers, false),
        r("bob", &prod, "ReadOnly", &readers, false),
        r("carol", &dev, "Developer", &developers, false),
        r("carol", &management, "ReadOnly", "direct", false),
        r(
            "carol",
            &management,
            "AWSAdministratorAccess",
            "AWSControlTowerAdmins",
            true,
        ),
    ]
    .into_iter()
    .collect();
    let got = rows(&doc);
    assert_eq!(got.len(), expected.len(), "each row once: {got:#?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), expected);
    let empty: Vec<&str> = doc["empty_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(empty, ["Ghosts"]);
    assert_eq!(doc["users_without_access"], serde_json::json!(["dave"]));
    let admins: BTreeSet<(String, String)> = doc["management_administrators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["user_name"].as_str().unwrap().to_string(),
                a["permission_set"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        admins.contains(&("alice".into(), "AdministratorAccess".into())),
        "{admins:?}"
    );

    // CSV: Python's csv module reads back the same rows.
    let csv = run(Some(&moto), dir.path(), &["access", "--output", "csv"]);
    csv.assert_code(0);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join(".venv/bin/python"))
        .args([
            "-c",
            "import csv, json, sys\nrows = list(csv.DictReader(sys.stdin))\nprint(json.dumps([[r['user_name'], r['account'], r['permission_set'], r['group'] or 'direct', r['aws_owned'] == 'true'] for r in rows]))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(csv.stdout.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());
    let from_csv: Vec<Row> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_csv.into_iter().collect::<BTreeSet<_>>(), expected);

    // The text table says the same, and the summary names alice.
    let text = run(Some(&moto), dir.path(), &["access"]);
    text.assert_code(0);
    assert!(
        text.stdout.contains(&format!(
            "Administrators of the management account {management}:"
        )),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("AWSAdministratorAccess (AWS) *"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("Users with no access (1): dave"),
        "{}",
        text.stdout
    );

    // Filters.
    let carol = json_of(&moto, dir.path(), &["--user", "carol"]);
    assert_eq!(rows(&carol).len(), 3);
    let on_dev = json_of(&moto, dir.path(), &["--account", "dev"]);
    assert_eq!(
        rows(&on_dev).into_iter().collect::<BTreeSet<_>>(),
        expected.iter().filter(|r| r.1 == dev).cloned().collect()
    );
    // A narrowed read says nothing about the rest of the instance.
    for doc in [&carol, &on_dev] {
        assert!(doc.get("management_administrators").is_none(), "{doc}");
        assert!(doc.get("users_without_access").is_none(), "{doc}");
    }
    let read = json_of(&moto, dir.path(), &["--permission-set", "ReadOnly"]);
    assert_eq!(rows(&read).len(), 2);
    assert!(read["management_administrators"].is_array());
    let unknown = run(Some(&moto), dir.path(), &["access", "--user", "nobody"]);
    unknown.assert_code(1);
    assert!(
        unknown.stderr.contains("--user \"nobody\""),
        "{}",
        unknown.stderr
    );
    let csv_elsewhere = run(Some(&moto), dir.path(), &["status", "--output", "csv"]);
    csv_elsewhere.assert_code(1);
    assert!(csv_elsewhere.stderr.contains("only for `ssosetup access`"));
}
