//! An account set up partly by hand (tests/seed_by_hand.py, with boto3):
//! import writes a config whose replay plans nothing; a drifted user is
//! planned as an update; --prune after dropping one account removes
//! exactly that assignment; offboard removes one person everywhere and
//! nobody else. Everything is read back from moto.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use aws_sdk_identitystore::types::{AlternateIdentifier, UniqueAttribute};
use aws_smithy_types::Document;

use expectrl::Expect;

use crate::{run, Moto};

/// Seeds moto by hand; the ids it made.
pub(crate) fn seed_by_hand(moto: &Moto) -> serde_json::Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/seed_by_hand.py"))
        .arg(&moto.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every assignment, as (principal name, permission set name, account).
pub(crate) async fn assignments(
    moto: &Moto,
    ids: &serde_json::Value,
) -> BTreeSet<(String, String, String)> {
    let config = moto.sdk_config().await;
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let store = aws_sdk_identitystore::Client::new(&config);
    let instance = ids["instance"].as_str().unwrap();
    let set_names: Vec<(String, String)> = ids["sets"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, arn)| (arn.as_str().unwrap().to_string(), name.clone()))
        .collect();
    let mut principals: Vec<(String, String, aws_sdk_ssoadmin::types::PrincipalType)> = Vec::new();
    for g in store
        .list_groups()
        .identity_store_id(ids["store"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .groups()
    {
        principals.push((
            g.display_name().unwrap().to_string(),
            g.group_id().to_string(),
            aws_sdk_ssoadmin::types::PrincipalType::Group,
        ));
    }
    for u in store
        .list_users()
        .identity_store_id(ids["store"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .users()
    {
        principals.push((
            u.user_name().unwrap().to_string(),
            u.user_id().to_string(),
            aws_sdk_ssoadmin::types::PrincipalType::User,
        ));
    }
    let mut out = BTreeSet::new();
    for (name, id, kind) in principals {
        let page = sso
            .list_account_assignments_for_principal()
            .instance_arn(instance)
            .principal_id(id)
            .principal_type(kind)
            .send()
            .await
            .unwrap();
        for a in page.account_assignments() {
            let set = set_names
                .iter()
                .find(|(arn, _)| Some(arn.as_str()) == a.permission_set_arn())
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            out.insert((name.clone(), set, a.account_id().unwrap().to_string()));
        }
    }
    out
}

async fn user_exists(moto: &Moto, ids: &serde_json::Value, name: &str) -> bool {
    aws_sdk_identitystore::Client::new(&moto.sdk_config().await)
        .get_user_id()
        .identity_store_id(ids["store"].as_str().unwrap())
        .alternate_identifier(AlternateIdentifier::UniqueAttribute(
            UniqueAttribute::builder()
                .attribute_path("userName")
                .attribute_value(Document::String(name.into()))
                .build()
                .unwrap(),
        ))
        .send()
        .await
        .is_ok()
}

/// Members of every group, as (group, user id).
async fn memberships(moto: &Moto, ids: &serde_json::Value) -> BTreeSet<(String, String)> {
    let store = aws_sdk_identitystore::Client::new(&moto.sdk_config().await);
    let sid = ids["store"].as_str().unwrap();
    let mut out = BTreeSet::new();
    for g in store
        .list_groups()
        .identity_store_id(sid)
        .send()
        .await
        .unwrap()
        .groups()
    {
        for m in store
            .list_group_memberships()
            .identity_store_id(sid)
            .group_id(g.group_id())
            .send()
            .await
            .unwrap()
            .group_memberships()
        {
            if let Some(aws_sdk_identitystore::types::MemberId::UserId(u)) = m.member_id() {
                out.insert((g.display_name().unwrap().to_string(), u.clone()));
            }
        }
    }
    out
}

fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("ssosetup.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in\n{text}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[tokio::test]
async fn a_hand_made_account_is_imported_converged_pruned_and_offboarded() {
    let moto = Moto::start();
    let ids = seed_by_hand(&moto);
    let (dev, carol) = (
        ids["dev"].as_str().unwrap().to_string(),
        ids["users"]["carol"].as_str().unwrap().to_string(),
    );
    let dir = tempfile::tempdir().unwrap();

    // Import: the config, its policy file, and what it leaves alone.
    let imported = run(Some(&moto), dir.path(), &["import"]);
    imported.assert_code(0);
    for left in [
        "permission set AWSAdministratorAccess",
        "group Unassigned",
        "bob is in group Unassigned",
        "ReadOnly assigned directly to user carol",
    ] {
        assert!(
            imported.stderr.contains(left),
            "{left}: {}",
            imported.stderr
        );
    }
    assert!(dir.path().join("policies/Developer.json").exists());
    let text = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(text.contains("group = \"Admins\""), "{text}");
    assert!(!text.contains("AWSAdministratorAccess"), "{text}");

    // Replaying it plans no change and makes no write.
    moto.forget_requests();
    let replay = run(
        Some(&moto),
        dir.path(),
        &["init", "--yes", "--dry-run", "--output", "json"],
    );
    replay.assert_code(0);
    let plan: serde_json::Value = serde_json::from_str(&replay.stdout).unwrap();
    assert_eq!(plan["changes"], serde_json::json!([]), "{}", replay.stdout);
    assert_eq!(moto.writes(), Vec::<String>::new());
    // Again with --prune: nothing the config names is dropped.
    let replay = run(
        Some(&moto),
        dir.path(),
        &["init", "--dry-run", "--prune", "--output", "json"],
    );
    replay.assert_code(0);
    let plan: serde_json::Value = serde_json::from_str(&replay.stdout).unwrap();
    assert_eq!(plan["changes"], serde_json::json!([]), "{}", replay.stdout);

    // Drift: bob's family name differs from the config: an update.
    edit(
        dir.path(),
        "family_name = \"Roe\"",
        "family_name = \"Rowe\"",
    );
    let drift = run(
        Some(&moto),
        dir.path(),
        &["users", "--dry-run", "--output", "json"],
    );
    drift.assert_code(0);
    let plan: serde_json::Value = serde_json::from_str(&drift.stdout).unwrap();
    assert_eq!(plan["changes"][0]["op"], "update", "{}", drift.stdout);
    assert_eq!(plan["changes"][0]["type"], "user");
    assert_eq!(plan["changes"][0]["name"], "bob");
    // The display name follows ("given family" when the config sets none).
    assert_eq!(
        plan["changes"][0]["detail"]["changes"],
        serde_json::json!([
            {"field": "display_name", "from": "Bob Roe", "to": "Bob Rowe"},
            {"field": "family_name", "from": "Roe", "to": "Rowe"}
        ])
    );
    edit(
        dir.path(),
        "family_name = \"Rowe\"",
        "family_name = \"Roe\"",
    );

    // Prune: dev dropped from Admins; exactly that assignment goes.
    let before = assignments(&moto, &ids).await;
    // Import writes account ids in order; moto's member ids are random.
    let management = ids["management"].as_str().unwrap();
    let mut both = [management, dev.as_str()];
    both.sort();
    edit(
        dir.path(),
        &format!("accounts = [\"{}\", \"{}\"]", both[0], both[1]),
        &format!("accounts = [\"{management}\"]"),
    );
    let without = run(Some(&moto), dir.path(), &["init", "--yes"]);
    without.assert_code(0);
    assert_eq!(
        assignments(&moto, &ids).await,
        before,
        "no removal without --prune"
    );
    let pruned = run(Some(&moto), dir.path(), &["init", "--yes", "--prune"]);
    pruned.assert_code(0);
    let mut expected = before.clone();
    assert!(expected.remove(&("Admins".into(), "AdministratorAccess".into(), dev.clone())));
    assert_eq!(assignments(&moto, &ids).await, expected);

    // A mistyped --iam-user, or a name that cannot be a user's: exit 1
    // before anything is removed (not carol's user, then "no such IAM user").
    moto.forget_requests();
    let typo = run(
        Some(&moto),
        dir.path(),
        &["offboard", "carol", "--iam-user", "carol-legcy", "--yes"],
    );
    typo.assert_code(1);
    assert!(
        typo.stderr.contains("no IAM user carol-legcy"),
        "{}",
        typo.stderr
    );
    let malformed = run(Some(&moto), dir.path(), &["offboard", "bad name*", "--yes"]);
    malformed.assert_code(1);
    assert!(
        malformed.stderr.contains("offboard USER_NAME"),
        "{}",
        malformed.stderr
    );
    assert_eq!(moto.writes(), Vec::<String>::new());
    assert!(user_exists(&moto, &ids, "carol").await);

    // Offboard carol: her memberships, her direct assignment, her user and
    // her config entry go; nobody else's.
    let members_before = memberships(&moto, &ids).await;
    let off = run(Some(&moto), dir.path(), &["offboard", "carol", "--yes"]);
    off.assert_code(0);
    assert!(!user_exists(&moto, &ids, "carol").await);
    assert!(user_exists(&moto, &ids, "alice").await && user_exists(&moto, &ids, "bob").await);
    let mut members_expected = members_before.clone();
    members_expected.retain(|(_, u)| u != &carol);
    assert_eq!(memberships(&moto, &ids).await, members_expected);
    let mut assignments_expected = expected.clone();
    assignments_expected.retain(|(who, _, _)| who != "carol");
    assert_eq!(assignments(&moto, &ids).await, assignments_expected);
    let text = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(!text.contains("carol"), "{text}");

    // Offboarding the last administrator is refused, with nothing written.
    moto.forget_requests();
    let refused = run(Some(&moto), dir.path(), &["offboard", "alice", "--yes"]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("would leave nobody"),
        "{}",
        refused.stderr
    );
    assert_eq!(moto.writes(), Vec::<String>::new());
    assert!(user_exists(&moto, &ids, "alice").await);
}

#[test]
fn import_replaces_a_file_only_with_force_and_keeps_a_backup() {
    let moto = Moto::start();
    seed_by_hand(&moto);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "[cli]\nsession_name = \"personal\"\nuser = \"alice\"\n",
    )
    .unwrap();
    let refused = run(Some(&moto), dir.path(), &["import"]);
    refused.assert_code(1);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    run(Some(&moto), dir.path(), &["import", "--force"]).assert_code(0);
    let text = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(
        text.contains("session_name = \"personal\""),
        "[cli] kept: {text}"
    );
    assert!(text.contains("[[permission_sets]]"), "{text}");
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("ssosetup-backup"))
        .collect();
    assert_eq!(backups.len(), 1);
}

/// The wizard with no config on a hand-made account: it offers to start
/// from what exists, and the config it writes replays with no change.
#[tokio::test]
async fn the_wizard_starts_from_what_exists() {
    use crate::wizard::{answer, exit_code, spawn_args, CTRL_C};
    let moto = Moto::start();
    seed_by_hand(&moto);
    let dir = tempfile::tempdir().unwrap();
    let aws_config = dir.path().join("aws-config");
    let mut w = spawn_args(&moto, dir.path(), &aws_config, &["init"]);
    answer(&mut w, "already holds 3 permission sets", "");
    answer(&mut w, "Start from what exists", "y\r");
    w.expect("Left alone").unwrap();
    // The organization has member accounts: the wizard offers a delegated
    // administrator ("Not now" first).
    answer(
        &mut w,
        "Delegated administrator for Identity Center?",
        CTRL_C,
    );
    assert_eq!(exit_code(&mut w), 130);
    moto.forget_requests();
    let replay = run(
        Some(&moto),
        dir.path(),
        &[
            "init",
            "--yes",
            "--dry-run",
            "--output",
            "json",
            "--config",
            "ssosetup.toml",
        ],
    );
    let plan: serde_json::Value = serde_json::from_str(&replay.stdout).unwrap();
    let changes: Vec<&serde_json::Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["step"] != "authentication")
        .collect();
    assert!(changes.is_empty(), "{}", replay.stdout);
    assert_eq!(moto.writes(), Vec::<String>::new());
}

/// Declining the import: the permission-set question ticks the sets that
/// exist, and AdministratorAccess (made by hand with a 4-hour session)
/// shows its difference from ssosetup's and is kept as it is, or made as
/// configured.
#[tokio::test]
async fn the_wizard_ticks_existing_sets_and_asks_keep_or_make() {
    use crate::wizard::{answer, exit_code, spawn_args, CTRL_C, DOWN};
    let moto = Moto::start();
    seed_by_hand(&moto);
    for (choice, keys) in [("keep", "\r"), ("make", &*format!("{DOWN}\r"))] {
        let dir = tempfile::tempdir().unwrap();
        let aws_config = dir.path().join("aws-config");
        let mut w = spawn_args(&moto, dir.path(), &aws_config, &["init"]);
        answer(&mut w, "Start from what exists", "n\r");
        answer(&mut w, "Delegated administrator for Identity Center?", "\r"); // not now
        answer(&mut w, "What now?", "\r"); // authentication: the console step
        answer(&mut w, "Have you done all of the above?", "y\r");
        answer(&mut w, "Which permission sets?", "\r"); // as ticked
        w.expect("Making it as configured would:").unwrap();
        answer(&mut w, "session duration", "");
        answer(&mut w, "make it as configured", keys);
        // Kept: nothing to change, on to the groups question; made as
        // configured: the update, and Apply?
        let next = if choice == "keep" {
            "on which accounts?"
        } else {
            "What now?"
        };
        answer(&mut w, next, CTRL_C);
        assert_eq!(exit_code(&mut w), 130);
        let text = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
        let config: toml::Value = toml::from_str(&text).unwrap();
        let sets = config["permission_sets"].as_array().unwrap();
        let names: Vec<&str> = sets.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["AdministratorAccess", "Developer", "ReadOnly"],
            "the sets that exist, ticked; AWS's own left out ({choice})"
        );
        assert_eq!(
            sets[0].get("session_duration").and_then(|d| d.as_str()),
            (choice == "keep").then_some("PT4H"),
            "{text}"
        );
        assert!(dir.path().join("policies/Developer.json").exists());
        // What the permission-sets step now plans follows the choice.
        let plan = run(
            Some(&moto),
            dir.path(),
            &["permission-sets", "--dry-run", "--output", "json"],
        );
        let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
        let changes = plan["changes"].as_array().unwrap();
        if choice == "keep" {
            assert!(changes.is_empty(), "{plan}");
        } else {
            // The update, and the re-provisioning that carries it out.
            assert_eq!(changes.len(), 2, "{plan}");
            assert!(changes.iter().all(|c| c["name"] == "AdministratorAccess"));
            assert_eq!(
                changes[0]["detail"]["changed"],
                serde_json::json!(["session duration"])
            );
        }
    }
}
