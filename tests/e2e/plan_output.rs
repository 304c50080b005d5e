//! The plan as scripts and people read it: a full dry run of `init` on a
//! seeded account validates against docs/plan.schema.json, and its text and
//! JSON are pinned as snapshots (moto seeded, so its ids repeat; temporary
//! paths are filtered).

use std::path::Path;
use std::process::Command;

use crate::resources::{seed_organization, write_config};
use crate::{run, Moto};

/// Checks `json` against docs/plan.schema.json with the venv's jsonschema.
pub fn assert_matches_plan_schema(json: &str) {
    assert_matches_schema(json, "docs/plan.schema.json");
}

/// Checks `json` against the schema in `file` (relative to the repository)
/// with the venv's jsonschema.
pub fn assert_matches_schema(json: &str, file: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(json.load(sys.stdin)), key=str)\n\
        for e in errors: print(list(e.absolute_path), e.message[:300])\n\
        sys.exit(1 if errors else 0)";
    let mut child = Command::new(root.join(".venv/bin/python"))
        .args(["-c", script])
        .arg(root.join(file))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the document does not match {file}:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// moto's ids repeat after a reset and a seed.
fn seed_ids(moto: &Moto) {
    for path in ["/moto-api/reset", "/moto-api/seed?a=42"] {
        let url = format!("{}{path}", moto.direct_url);
        let out = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"))
            .args([
                "-c",
                "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method='POST')).read()",
                &url,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn a_full_dry_run_matches_the_schema_and_its_snapshots() {
    let moto = Moto::start();
    seed_ids(&moto);
    let members = seed_organization(&moto).await;
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    iam.create_user()
        .user_name("old-admin")
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &members[0]);
    let mut config = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    config.push_str(
        "[cli]\nsession_name = \"personal\"\nuser = \"alice\"\nstart_url = \"https://my-portal.awsapps.com/start\"\n\n[cleanup]\niam_users = [\"old-admin\"]\nbackup_dir = \"backups\"\n",
    );
    std::fs::write(dir.path().join("ssosetup.toml"), config).unwrap();

    let json = run(
        Some(&moto),
        dir.path(),
        &["init", "--dry-run", "--output", "json"],
    );
    json.assert_code(0);
    assert_matches_plan_schema(&json.stdout);
    let text = run(Some(&moto), dir.path(), &["init", "--dry-run"]);
    text.assert_code(0);

    let dir_text = dir.path().display().to_string();
    insta::with_settings!({
        filters => vec![
            (dir_text.as_str(), "[DIR]"),
            (r"\b\d{12}\b", "[ACCOUNT]"),
            (r"o-[a-z0-9]{10}", "o-[ORG]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[TIME]"),
            (r"ssoins-[0-9a-z]{16}", "ssoins-[ID]"),
            (r"d-[0-9a-z]{10}", "d-[STORE]"),
            (r"AIDA[A-Z0-9]{16,}", "AIDA[ID]"),
        ],
    }, {
        insta::assert_snapshot!("init_dry_run_text", text.stdout);
        insta::assert_snapshot!("init_dry_run_json", json.stdout);
    });
}
