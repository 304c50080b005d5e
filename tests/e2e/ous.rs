//! Assignments by organizational unit, against moto's Organizations (OUs,
//! CreateAccount, MoveAccount): an `ou:` target assigns exactly its ACTIVE
//! accounts (nested OUs included unless `recursive = false`, minus
//! `exclude_accounts`); an account created into or moved into the OU is
//! assigned by the next run; one moved out keeps its assignment until
//! `--prune`; an unknown or ambiguous OU stops the run with zero writes;
//! `import` writes the OU back. Read back from moto every time.

use std::collections::BTreeSet;
use std::path::Path;

use aws_sdk_organizations::types::OrganizationFeatureSet;

use crate::moto::ACCOUNT;
use crate::resources::read_state;
use crate::{run, Moto};

struct Org {
    client: aws_sdk_organizations::Client,
    root: String,
}

impl Org {
    async fn new(moto: &Moto) -> Self {
        let client = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
        client
            .create_organization()
            .feature_set(OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap();
        let root = client.list_roots().send().await.unwrap().roots()[0]
            .id()
            .unwrap()
            .to_string();
        Self { client, root }
    }

    async fn ou(&self, parent: &str, name: &str) -> String {
        self.client
            .create_organizational_unit()
            .parent_id(parent)
            .name(name)
            .send()
            .await
            .unwrap()
            .organizational_unit()
            .unwrap()
            .id()
            .unwrap()
            .to_string()
    }

    /// A new account (Organizations puts it at the root), moved to `into`.
    async fn account(&self, name: &str, into: &str) -> String {
        let id = self
            .client
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap()
            .create_account_status()
            .unwrap()
            .account_id()
            .unwrap()
            .to_string();
        self.moves(&id, &self.root.clone(), into).await;
        id
    }

    async fn moves(&self, account: &str, from: &str, to: &str) {
        if from != to {
            self.client
                .move_account()
                .account_id(account)
                .source_parent_id(from)
                .destination_parent_id(to)
                .send()
                .await
                .unwrap();
        }
    }
}

fn write_config(dir: &Path, sandbox: &str) {
    std::fs::write(
        dir.join("ssosetup.toml"),
        format!(
            r#"
region = "us-east-1"

[[permission_sets]]
name = "Developers"
managed_policies = ["arn:aws:iam::aws:policy/PowerUserAccess"]

[[permission_sets]]
name = "ReadOnly"
managed_policies = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]

[[permission_sets]]
name = "Audit"
managed_policies = ["arn:aws:iam::aws:policy/SecurityAudit"]

[[assignments]]
permission_set = "Developers"
accounts = ["ou:Workloads"]

[[assignments]]
permission_set = "ReadOnly"
accounts = ["ou:Workloads"]
recursive = false

[[assignments]]
permission_set = "Audit"
accounts = ["all"]
exclude_accounts = ["{sandbox}"]
"#
        ),
    )
    .unwrap();
}

/// The assignments that exist, as (permission set, account).
async fn assigned(moto: &Moto) -> BTreeSet<(String, String)> {
    read_state(moto)
        .await
        .assignments
        .into_keys()
        .map(|(set, account, _)| (set, account))
        .collect()
}

fn expect(sets: &[(&str, &[&String])]) -> BTreeSet<(String, String)> {
    sets.iter()
        .flat_map(|(set, accounts)| {
            accounts
                .iter()
                .map(move |a| (set.to_string(), a.to_string()))
        })
        .collect()
}

#[tokio::test]
async fn ou_targets_follow_the_organization_as_accounts_come_move_and_go() {
    let moto = Moto::start();
    let org = Org::new(&moto).await;
    let workloads = org.ou(&org.root, "Workloads").await;
    let prod = org.ou(&workloads, "Prod").await;
    let sandbox_ou = org.ou(&org.root, "Sandbox").await;
    let app = org.account("app", &workloads).await;
    let db = org.account("db", &prod).await;
    let sandbox = org.account("sandbox", &sandbox_ou).await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &sandbox);

    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(0);
    let management = ACCOUNT.to_string();
    assert_eq!(
        assigned(&moto).await,
        expect(&[
            ("Developers", &[&app, &db]),
            ("ReadOnly", &[&app]),
            ("Audit", &[&management, &app, &db]),
        ])
    );

    // The organization grows: one account created into Prod, one moved
    // from the root into Workloads.
    let api = org.account("api", &prod).await;
    let web = org.account("web", &org.root.clone()).await;
    org.moves(&web, &org.root, &workloads).await;
    let status = run(Some(&moto), dir.path(), &["status"]);
    assert!(
        status
            .stdout
            .contains("2 accounts in Workloads without their assignments"),
        "{}",
        status.stdout
    );
    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(0);
    let grown = expect(&[
        ("Developers", &[&app, &db, &api, &web]),
        ("ReadOnly", &[&app, &web]),
        ("Audit", &[&management, &app, &db, &api, &web]),
    ]);
    assert_eq!(assigned(&moto).await, grown);

    // app moves out to Sandbox: its assignments stay without --prune, and
    // go with it (Audit stays: it is on every account but the sandbox one).
    org.moves(&app, &workloads, &sandbox_ou).await;
    run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(0);
    assert_eq!(
        assigned(&moto).await,
        grown,
        "nothing removed without --prune"
    );
    run(Some(&moto), dir.path(), &["init", "--yes", "--prune"]).assert_code(0);
    assert_eq!(
        assigned(&moto).await,
        expect(&[
            ("Developers", &[&db, &api, &web]),
            ("ReadOnly", &[&web]),
            ("Audit", &[&management, &app, &db, &api, &web]),
        ])
    );

    // import writes the OU back for an assignment that covers exactly it.
    let imported = tempfile::tempdir().unwrap();
    run(Some(&moto), imported.path(), &["import"]).assert_code(0);
    let text = std::fs::read_to_string(imported.path().join("ssosetup.toml")).unwrap();
    assert!(text.contains("accounts = [\"ou:Workloads\"]"), "{text}");
}

#[tokio::test]
async fn an_ou_that_is_not_there_or_not_one_stops_the_run_with_nothing_written() {
    let moto = Moto::start();
    let org = Org::new(&moto).await;
    let workloads = org.ou(&org.root, "Workloads").await;
    let sandbox = org.ou(&org.root, "Sandbox").await;
    org.ou(&workloads, "Dev").await;
    org.ou(&sandbox, "Dev").await;
    let dir = tempfile::tempdir().unwrap();
    for (target, says) in [
        (
            "ou:Workload",
            "no organizational unit has this name, path or id; there are: Sandbox",
        ),
        ("ou:Dev", "2 organizational units have this name: "),
    ] {
        std::fs::write(
            dir.path().join("ssosetup.toml"),
            format!("region = \"us-east-1\"\n[[permission_sets]]\nname = \"Dev\"\n[[assignments]]\npermission_set = \"Dev\"\naccounts = [\"{target}\"]\n"),
        )
        .unwrap();
        moto.forget_requests();
        let r = run(Some(&moto), dir.path(), &["init", "--yes"]);
        r.assert_code(1);
        assert!(r.stderr.contains(says), "{target}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("assignments[0].accounts[0] = \"{target}\"")),
            "{}",
            r.stderr
        );
        assert_eq!(moto.writes(), Vec::<String>::new(), "{target}");
    }
}
