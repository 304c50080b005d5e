//! `ssosetup export` from an account set up by hand (tests/seed_by_hand.py):
//! the files are judged by their real consumers against the state read
//! back with boto3 (tests/check_export.py: python-hcl2 and Terraform's own
//! loader for Terraform, cfn-lint for CloudFormation; every import id,
//! identifier and attribute equal to AWS's); a second export of the same
//! state is byte-identical; a directory with files in it is refused; and
//! with `[iac] owner` set a drifted config writes nothing and says why. A
//! group named with quotes, template sequences and a newline comes out as
//! the same data (the judge compares it with AWS's).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::adopt::{assignments, seed_by_hand};
use crate::{run, Moto};

fn judge(moto: &Moto, tool: &str, dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/check_export.py"))
        .arg(&moto.url)
        .arg(tool)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{tool} export judged wrong:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `dir`, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A group someone named to break out of a string: quotes, a backslash,
/// template sequences, a newline. Every export must carry it as data.
async fn hostile_group(moto: &Moto, ids: &serde_json::Value) {
    aws_sdk_identitystore::Client::new(&moto.sdk_config().await)
        .create_group()
        .identity_store_id(ids["store"].as_str().unwrap())
        .display_name("Ops \"${file(\"/etc/passwd\")}\" %{if true}x%{endif} \\")
        .description("line one\nline two")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn terraform_export_imports_exactly_what_exists_and_is_stable() {
    let moto = Moto::start();
    let ids = seed_by_hand(&moto);
    hostile_group(&moto, &ids).await;
    let work = tempfile::tempdir().unwrap();
    let first = work.path().join("first");
    let r = run(
        Some(&moto),
        work.path(),
        &[
            "export",
            "terraform",
            "--all",
            "--dir",
            first.to_str().unwrap(),
        ],
    );
    r.assert_code(0);
    assert!(
        r.stderr.contains("permission set AWSAdministratorAccess"),
        "what is left out is named\n{}",
        r.stderr
    );
    judge(&moto, "terraform", &first);
    let imports = std::fs::read_to_string(first.join("imports.tf")).unwrap();
    assert!(
        !imports.contains("AWSAdministratorAccess") && imports.contains(",USER,"),
        "AWS's own set left out, the direct assignment in\n{imports}"
    );

    // The same state, exported again: the same bytes.
    let second = work.path().join("second");
    run(
        Some(&moto),
        work.path(),
        &[
            "export",
            "terraform",
            "--all",
            "--dir",
            second.to_str().unwrap(),
        ],
    )
    .assert_code(0);
    assert_eq!(files(&first), files(&second));

    // A directory with files in it is refused, and left as it was.
    std::fs::write(first.join("main.tf"), "# mine\n").unwrap();
    let before = files(&first);
    let refused = run(
        Some(&moto),
        work.path(),
        &[
            "export",
            "terraform",
            "--all",
            "--dir",
            first.to_str().unwrap(),
        ],
    );
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("is not empty"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(files(&first), before);
    // With --force: an earlier export's files written over (which ones go
    // when no longer needed is unit-tested: `stale`), the person's own kept.
    std::fs::write(first.join("group_memberships.tf"), "# stale\n").unwrap();
    run(
        Some(&moto),
        work.path(),
        &[
            "export",
            "terraform",
            "--all",
            "--force",
            "--dir",
            first.to_str().unwrap(),
        ],
    )
    .assert_code(0);
    assert_eq!(
        std::fs::read_to_string(first.join("main.tf")).unwrap(),
        "# mine\n"
    );
    let mut again = files(&first);
    again.remove("main.tf");
    assert_eq!(again, files(&second));

    // Without --all, what the config manages: import's config names no
    // direct assignment, so carol's is not handed over.
    run(Some(&moto), work.path(), &["import"]).assert_code(0);
    let managed = work.path().join("managed");
    run(
        Some(&moto),
        work.path(),
        &["export", "terraform", "--dir", managed.to_str().unwrap()],
    )
    .assert_code(0);
    let imports = std::fs::read_to_string(managed.join("imports.tf")).unwrap();
    assert!(!imports.contains(",USER,"), "{imports}");
    assert!(
        imports.contains("aws_identitystore_user.alice"),
        "{imports}"
    );
}

#[tokio::test]
async fn cloudformation_export_passes_cfn_lint_and_names_every_identifier() {
    let moto = Moto::start();
    let ids = seed_by_hand(&moto);
    hostile_group(&moto, &ids).await;
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("cfn");
    run(
        Some(&moto),
        work.path(),
        &[
            "export",
            "cloudformation",
            "--all",
            "--dir",
            dir.to_str().unwrap(),
        ],
    )
    .assert_code(0);
    judge(&moto, "cloudformation", &dir);
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("--change-set-type IMPORT --resources-to-import file://01-permission-sets.resources-to-import.json --template-body file://01-permission-sets.json"),
        "{readme}"
    );
}

#[tokio::test]
async fn with_an_iac_owner_a_drifted_config_writes_nothing_and_says_why() {
    let moto = Moto::start();
    let ids = seed_by_hand(&moto);
    let dir = tempfile::tempdir().unwrap();
    run(Some(&moto), dir.path(), &["import"]).assert_code(0);
    let path = dir.path().join("ssosetup.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    // Drift: ReadOnly's session longer, and a set AWS does not have.
    let drifted = config.replacen(
        "name = \"ReadOnly\"",
        "name = \"ReadOnly\"\nsession_duration = \"PT9H\"",
        1,
    ) + "\n[[permission_sets]]\nname = \"Auditors\"\nmanaged_policies = [\"arn:aws:iam::aws:policy/SecurityAudit\"]\n\n[iac]\nowner = \"terraform\"\n";
    assert_ne!(drifted, config);
    std::fs::write(&path, &drifted).unwrap();
    let before = state(&moto, &ids).await;

    let r = run(Some(&moto), dir.path(), &["permission-sets", "--yes"]);
    r.assert_code(0);
    assert!(
        r.stderr
            .contains("terraform owns the permission sets, groups, assignments and users"),
        "{}",
        r.stderr
    );
    let shown = format!("{}{}", r.stdout, r.stderr);
    assert!(shown.contains("~ drift, not applied: "), "{shown}");
    let json = run(
        Some(&moto),
        dir.path(),
        &["init", "--dry-run", "--output", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let drift: Vec<&str> = doc["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(drift.contains(&"Auditors"), "{drift:?}");
    assert!(
        !doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["step"] == "permission-sets"),
        "{}",
        json.stdout
    );

    for args in [
        &["assignments", "--prune", "--yes"][..],
        &["offboard", "alice", "--yes"][..],
    ] {
        let refused = run(Some(&moto), dir.path(), args);
        refused.assert_code(1);
        assert!(
            refused
                .stderr
                .contains("which terraform owns ([iac] owner in"),
            "{args:?}: {}",
            refused.stderr
        );
    }
    let status = run(Some(&moto), dir.path(), &["status"]);
    assert!(
        status.stdout.contains("drift from the config")
            || status.stderr.contains("drift from the config"),
        "{}{}",
        status.stdout,
        status.stderr
    );
    assert_eq!(state(&moto, &ids).await, before, "nothing was written");
}

/// The permission sets (name, session duration) and every assignment.
async fn state(
    moto: &Moto,
    ids: &serde_json::Value,
) -> (
    Vec<(String, String)>,
    std::collections::BTreeSet<(String, String, String)>,
) {
    let sso = aws_sdk_ssoadmin::Client::new(&moto.sdk_config().await);
    let instance = ids["instance"].as_str().unwrap();
    let mut sets = Vec::new();
    for arn in sso
        .list_permission_sets()
        .instance_arn(instance)
        .send()
        .await
        .unwrap()
        .permission_sets()
    {
        let d = sso
            .describe_permission_set()
            .instance_arn(instance)
            .permission_set_arn(arn)
            .send()
            .await
            .unwrap();
        let s = d.permission_set().unwrap();
        sets.push((
            s.name().unwrap_or_default().to_string(),
            s.session_duration().unwrap_or_default().to_string(),
        ));
    }
    sets.sort();
    (sets, assignments(moto, ids).await)
}

/// At a terminal, export asks whether the tool has taken over (default
/// no) and on yes saves `[iac] owner` in the config.
#[tokio::test]
async fn at_a_terminal_export_offers_to_record_the_new_owner() {
    use expectrl::Expect;
    let moto = Moto::start();
    seed_by_hand(&moto);
    let dir = tempfile::tempdir().unwrap();
    run(Some(&moto), dir.path(), &["import"]).assert_code(0);
    let mut command = crate::ssosetup(Some(&moto), dir.path());
    command
        .args(["export", "cloudformation", "--dir", "iac"])
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit());
    let mut w = expectrl::session::Session::spawn(command).unwrap();
    w.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    w.expect("Has cloudformation imported them").unwrap();
    w.send("y\r").unwrap();
    w.expect("Saved [iac] owner = \"cloudformation\"").unwrap();
    assert_eq!(crate::wizard::exit_code(&mut w), 0);
    let config = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(
        config.contains("[iac]\nowner = \"cloudformation\""),
        "{config}"
    );
    // From now on the resource steps only report.
    let r = run(Some(&moto), dir.path(), &["permission-sets", "--dry-run"]);
    r.assert_code(0);
}
