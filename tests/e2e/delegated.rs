//! Working from IAM Identity Center's delegated administrator, as AWS
//! recommends: the management account registers a member account; runs
//! from that member apply everything but what only the management account
//! may do, which is left, named, and finished by a run there. moto keeps
//! one Identity Center per account and does not enforce the delegated
//! administrator's limits: the model-checking proxy in front of every
//! test's moto answers as AWS does (it routes the delegated
//! administrator's Identity Center calls to the organization's instance and
//! refuses, with AccessDeniedException, what only the management account
//! may do; tests/faultproxy.py says how).

use std::collections::BTreeSet;
use std::path::Path;

use crate::moto::ACCOUNT;
use crate::resources::{read_state, seed_organization};
use crate::{ssosetup, Moto, Run};

/// Credentials of `account`'s OrganizationAccountAccessRole, assumed
/// through the proxy (which so learns whose key it is), as a profile named
/// `profile` in the test's shared credentials file.
async fn assume_into(moto: &Moto, dir: &Path, account: &str, profile: &str) {
    let sts = aws_sdk_sts::Client::new(&moto.sdk_config().await);
    let out = sts
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("ssosetup-e2e")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let path = dir.join("aws-credentials");
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str(&format!(
        "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
        c.access_key_id(),
        c.secret_access_key(),
        c.session_token()
    ));
    std::fs::write(&path, text).unwrap();
}

fn run_as(moto: &Moto, dir: &Path, profile: Option<&str>, args: &[&str]) -> Run {
    let mut command = ssosetup(Some(moto), dir);
    if let Some(p) = profile {
        command.arg("--profile").arg(p);
    }
    Run::from(command.args(args).output().unwrap())
}

/// The assignments that exist, as (permission set, account, group).
async fn assignments(moto: &Moto) -> BTreeSet<(String, String, String)> {
    read_state(moto).await.assignments.into_keys().collect()
}

#[tokio::test]
async fn the_delegated_administrator_does_the_daily_work_and_leaves_the_management_accounts_part() {
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    let (delegated, other) = (members[0].clone(), members[1].clone());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        format!(
            r#"
region = "us-east-1"

[identity_center]
delegated_admin = "{delegated}"

[[permission_sets]]
name = "AdministratorAccess"
managed_policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]

[[permission_sets]]
name = "ReadOnlyAccess"
managed_policies = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]

[[assignments]]
permission_set = "AdministratorAccess"
accounts = ["management"]

[[assignments]]
permission_set = "ReadOnlyAccess"
accounts = ["all"]

[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["AdministratorAccess-{ACCOUNT}", "ReadOnlyAccess-{delegated}"]
"#
        ),
    )
    .unwrap();

    // The management account registers the member.
    run_as(&moto, dir.path(), None, &["delegated-admin", "--yes"]).assert_code(0);
    let orgs = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
    let registered = orgs
        .list_delegated_administrators()
        .service_principal("sso.amazonaws.com")
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = registered
        .delegated_administrators()
        .iter()
        .filter_map(|a| a.id())
        .collect();
    assert_eq!(ids, [delegated.as_str()]);

    // A member account that is not the delegated administrator changes
    // nothing, and is told the one command that would register it.
    assume_into(&moto, dir.path(), &other, "other").await;
    assume_into(&moto, dir.path(), &delegated, "delegated").await;
    moto.forget_requests();
    let refused = run_as(&moto, dir.path(), Some("other"), &["init", "--yes"]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("ssosetup delegated-admin"),
        "{}",
        refused.stderr
    );
    assert_eq!(moto.writes(), Vec::<String>::new());

    // From the delegated administrator: everything but the management
    // account's part, with zero refusals at the proxy.
    let before = moto.proxy_requests().len();
    let first = run_as(&moto, dir.path(), Some("delegated"), &["init", "--yes"]);
    first.assert_code(0);
    assert!(
        first.stdout.contains(&format!(
            "Working from the delegated administrator {delegated}; the management account is {ACCOUNT}."
        )),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stderr
            .contains(&format!("Left for the management account {ACCOUNT}")),
        "{}",
        first.stderr
    );
    assert!(
        first
            .stderr
            .contains("Run it from the management account: ssosetup "),
        "{}",
        first.stderr
    );
    let denied: Vec<String> = moto.proxy_requests()[before..]
        .iter()
        .filter(|(_, fault)| fault.as_deref() == Some("denied"))
        .map(|(op, _)| op.clone())
        .collect();
    assert_eq!(
        denied,
        Vec::<String>::new(),
        "nothing the management account alone may do was tried"
    );
    let s = |x: &str| x.to_string();
    let after_delegated = assignments(&moto).await;
    let members_part: BTreeSet<(String, String, String)> = [ACCOUNT, &delegated, &other]
        .iter()
        .filter(|a| **a != ACCOUNT)
        .map(|a| (s("ReadOnlyAccess"), s(a), format!("ReadOnlyAccess-{a}")))
        .collect();
    assert_eq!(
        after_delegated, members_part,
        "the members' assignments, exactly once"
    );
    let state = read_state(&moto).await;
    assert_eq!(
        state.users["alice"].0, 1,
        "users are the delegated administrator's work"
    );
    assert_eq!(
        state.permission_sets.keys().cloned().collect::<Vec<_>>(),
        [s("AdministratorAccess"), s("ReadOnlyAccess")]
    );

    // The management account finishes what was left.
    let finish = run_as(&moto, dir.path(), None, &["init", "--yes"]);
    finish.assert_code(0);
    let mut all = members_part.clone();
    all.insert((
        s("AdministratorAccess"),
        s(ACCOUNT),
        format!("AdministratorAccess-{ACCOUNT}"),
    ));
    all.insert((
        s("ReadOnlyAccess"),
        s(ACCOUNT),
        format!("ReadOnlyAccess-{ACCOUNT}"),
    ));
    assert_eq!(assignments(&moto).await, all);

    // A third run, from either account, writes nothing.
    for profile in [Some("delegated"), None] {
        moto.forget_requests();
        run_as(&moto, dir.path(), profile, &["init", "--yes"]).assert_code(0);
        assert_eq!(moto.writes(), Vec::<String>::new(), "{profile:?}");
    }
}
