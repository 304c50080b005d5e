//! The benchmark behind docs/performance.md (run it with `scripts/bench`;
//! it is ignored by the test suite): a synthetic organization in moto,
//! applied with `init --yes` at AWS's rates, then re-run with no change.
//! It prints wall time beside the time the rate limits alone would need,
//! and the API calls per operation beside the minimum the work needs.

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_organizations::types::OrganizationFeatureSet;

use crate::moto::ACCOUNT;
use crate::proxy::FaultProxy;
use crate::{ssosetup, Moto, Run};

/// AWS's limits, enforced by the proxy: sso-admin 20/s in total,
/// identitystore 20/s per API, 10 outstanding assignment creations (each
/// IN_PROGRESS for one poll).
const AWS_LIMITS: [&str; 8] = [
    "--rate",
    "sso=20",
    "--rate-per-op",
    "identitystore=20",
    "--max-outstanding",
    "10",
    "--in-progress-polls",
    "1",
];

fn run_via(proxy: &FaultProxy, moto: &Moto, dir: &std::path::Path, args: &[&str]) -> Run {
    Run::from(
        ssosetup(Some(moto), dir)
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .args(args)
            .output()
            .unwrap(),
    )
}

const SETS: [(&str, &str); 3] = [
    (
        "AdministratorAccess",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ),
    ("PowerUserAccess", "arn:aws:iam::aws:policy/PowerUserAccess"),
    ("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
];

/// AWS's rate for sso-admin (all APIs together) and for each identitystore API.
const RATE: f64 = 20.0;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pages(items: usize, page: usize) -> usize {
    items.div_ceil(page).max(1)
}

fn histogram(ops: &[String]) -> BTreeMap<String, usize> {
    let mut h = BTreeMap::new();
    for op in ops {
        *h.entry(op.clone()).or_insert(0) += 1;
    }
    h
}

fn is_identitystore(op: &str) -> bool {
    ["Group", "User"].iter().any(|w| op.contains(w))
        && !op.contains("Assignment")
        && !op.contains("PermissionSet")
}

fn is_ssoadmin(op: &str) -> bool {
    op.contains("PermissionSet")
        || op.contains("Assignment")
        || op == "ListInstances"
        || op.contains("Policies")
        || op.contains("PermissionsBoundary")
}

/// The time the rate limits alone need: steps run in order; within a step
/// the busiest rate bucket sets the pace.
fn physical_limit(calls: &BTreeMap<String, usize>) -> f64 {
    let sso: usize = calls
        .iter()
        .filter(|(op, _)| is_ssoadmin(op))
        .map(|(_, n)| n)
        .sum();
    let groups = calls.get("CreateGroup").copied().unwrap_or(0)
        + calls.get("ListGroups").copied().unwrap_or(0);
    let users = [
        "ListUsers",
        "CreateUser",
        "CreateGroupMembership",
        "ListGroupMembershipsForMember",
    ]
    .iter()
    .map(|op| calls.get(*op).copied().unwrap_or(0))
    .max()
    .unwrap_or(0);
    (sso + groups + users) as f64 / RATE
}

fn report(
    title: &str,
    seconds: f64,
    calls: &BTreeMap<String, usize>,
    minimum: &BTreeMap<&str, usize>,
) {
    println!("\n### {title}\n");
    println!(
        "wall time {seconds:.1} s; the rate limits alone need {:.1} s\n",
        physical_limit(calls)
    );
    calls_table(calls, minimum);
    let writes: usize = calls
        .iter()
        .filter(|(op, _)| {
            !["List", "Describe", "Get"]
                .iter()
                .any(|p| op.starts_with(p))
        })
        .map(|(_, n)| n)
        .sum();
    println!(
        "\nwrite calls: {writes}; identitystore calls: {}",
        calls
            .iter()
            .filter(|(o, _)| is_identitystore(o))
            .map(|(_, n)| n)
            .sum::<usize>()
    );
}

/// Calls per operation beside the minimum, as a Markdown table with totals.
fn calls_table(calls: &BTreeMap<String, usize>, minimum: &BTreeMap<&str, usize>) {
    println!("| operation | calls | minimum |");
    println!("|---|---:|---:|");
    let mut ops: Vec<&str> = calls
        .keys()
        .map(String::as_str)
        .chain(minimum.keys().copied())
        .collect();
    ops.sort();
    ops.dedup();
    for op in ops {
        let n = calls.get(op).copied().unwrap_or(0);
        let min = minimum
            .get(op)
            .map(|m| m.to_string())
            .unwrap_or_else(|| "-".into());
        println!("| {op} | {n} | {min} |");
    }
    let total: usize = calls.values().sum();
    let total_min: usize = minimum.values().sum();
    println!("| **total** | **{total}** | **{total_min}** |");
}

#[tokio::test]
#[ignore = "a benchmark, not a test: run scripts/bench"]
async fn bench_synthetic_organization() {
    let members = env_count("BENCH_ACCOUNTS", 50);
    let user_count = env_count("BENCH_USERS", 100);
    let moto = Moto::start();
    let accounts = organization(&moto, members).await;

    let (config, memberships) = bench_config(&accounts, user_count, true);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ssosetup.toml"), config).unwrap();

    let total_accounts = accounts.len();
    let groups = SETS.len() * total_accounts;
    println!(
        "\n## {total_accounts} accounts x {} permission sets ({groups} groups, {groups} assignments), {user_count} users, {memberships} memberships",
        SETS.len()
    );

    let proxy = FaultProxy::start(&moto, &AWS_LIMITS);
    moto.forget_requests();
    let start = Instant::now();
    let first = run_via(&proxy, &moto, dir.path(), &["init", "--yes"]);
    let first_secs = start.elapsed().as_secs_f64();
    first.assert_code(0);
    println!(
        "\nthrough the proxy at AWS's limits; answers throttled: {:?}",
        proxy.faults().get("throttle")
    );
    let first_calls = histogram(&moto.requests());
    let sets = SETS.len();
    let first_min = BTreeMap::from([
        ("GetCallerIdentity", 1),
        ("DescribeOrganization", 1),
        // moto pages ListAccounts by 100 (AWS by 20).
        ("ListAccounts", pages(total_accounts, 100)),
        ("ListInstances", 1),
        ("ListPermissionSets", 1),
        ("CreatePermissionSet", sets),
        ("AttachManagedPolicyToPermissionSet", sets),
        ("ListGroups", 1),
        ("CreateGroup", groups),
        ("CreateAccountAssignment", groups),
        // The proxy answers IN_PROGRESS, as AWS does, for one poll: the
        // second poll sees SUCCEEDED, so two polls each at least.
        ("DescribeAccountAssignmentCreationStatus", 2 * groups),
        // identitystore's, and iam-users-cleanup's IAM ListUsers (same name).
        ("ListUsers", 2),
        ("CreateUser", user_count),
        ("CreateGroupMembership", memberships),
        // root-cleanup: the summary, the credential report (none yet: asked,
        // generated, read), centralized root access (one call; moto lacks
        // the API and its 500 is retried once).
        ("GetAccountSummary", 1),
        ("GetCredentialReport", 2),
        ("GenerateCredentialReport", 1),
        ("ListOrganizationsFeatures", 1),
    ]);
    report("first apply", first_secs, &first_calls, &first_min);

    moto.forget_requests();
    let start = Instant::now();
    let again = run_via(&proxy, &moto, dir.path(), &["init", "--yes"]);
    let again_secs = start.elapsed().as_secs_f64();
    again.assert_code(0);
    let again_calls = histogram(&moto.requests());
    let again_min = BTreeMap::from([
        ("GetCallerIdentity", 1),
        ("DescribeOrganization", 1),
        // moto pages ListAccounts by 100 (AWS by 20).
        ("ListAccounts", pages(total_accounts, 100)),
        ("ListInstances", 1),
        ("ListPermissionSets", 1),
        ("DescribePermissionSet", sets),
        ("ListManagedPoliciesInPermissionSet", sets),
        ("ListCustomerManagedPolicyReferencesInPermissionSet", sets),
        ("GetInlinePolicyForPermissionSet", sets),
        ("GetPermissionsBoundaryForPermissionSet", sets),
        ("ListGroups", pages(groups, 100)),
        ("ListAccountAssignments", groups),
        // identitystore's pages, and the IAM ListUsers of iam-users-cleanup.
        ("ListUsers", pages(user_count, 100) + 1),
        ("ListGroupMembershipsForMember", user_count),
        ("GetAccountSummary", 1),
        ("GetCredentialReport", 1),
        ("ListOrganizationsFeatures", 1),
    ]);
    report("no-change re-run", again_secs, &again_calls, &again_min);
    let writes = moto.writes();
    assert!(writes.is_empty(), "a no-change re-run wrote: {writes:?}");
}

/// User `i`'s groups: one of a permission set on an account, round robin;
/// with `second`, every other user is also in a ReadOnlyAccess group.
fn user_groups(i: usize, accounts: &[String], second: bool) -> Vec<String> {
    let (set, _) = SETS[i % SETS.len()];
    let mut groups = vec![format!("{set}-{}", accounts[i % accounts.len()])];
    if second && i.is_multiple_of(2) {
        groups.push(format!(
            "ReadOnlyAccess-{}",
            accounts[(i / 2) % accounts.len()]
        ));
    }
    groups.dedup();
    groups
}

/// The desired state of a benchmark: every set on `all` accounts, `users`
/// users in their groups. Returns it with the number of memberships.
fn bench_config(accounts: &[String], users: usize, second: bool) -> (String, usize) {
    let mut config = String::from("region = \"us-east-1\"\n");
    for (name, policy) in SETS {
        config += &format!(
            "\n[[permission_sets]]\nname = \"{name}\"\nmanaged_policies = [\"{policy}\"]\n"
        );
        config +=
            &format!("\n[[assignments]]\npermission_set = \"{name}\"\naccounts = [\"all\"]\n");
    }
    let mut memberships = 0;
    for i in 0..users {
        let groups = user_groups(i, accounts, second);
        memberships += groups.len();
        let list = groups
            .iter()
            .map(|g| format!("\"{g}\""))
            .collect::<Vec<_>>()
            .join(", ");
        config += &format!(
            "\n[[users]]\nuser_name = \"user{i:04}\"\ngiven_name = \"User\"\nfamily_name = \"N{i}\"\nemail = \"user{i:04}@example.com\"\ngroups = [{list}]\n"
        );
    }
    (config, memberships)
}

/// The plan file tests/peer_baseline.sh reads, for the same work.
fn peer_plan(accounts: &[String], users: usize) -> String {
    let mut plan = String::new();
    for (name, policy) in SETS {
        plan += &format!("ps\t{name}\t{policy}\n");
    }
    for (name, _) in SETS {
        for a in accounts {
            plan += &format!("group\t{name}-{a}\n");
        }
    }
    for (name, _) in SETS {
        for a in accounts {
            plan += &format!("assign\t{name}-{a}\t{name}\t{a}\n");
        }
    }
    for i in 0..users {
        plan += &format!("user\tuser{i:04}\tuser{i:04}@example.com\n");
        for group in user_groups(i, accounts, false) {
            plan += &format!("member\tuser{i:04}\t{group}\n");
        }
    }
    plan
}

async fn organization(moto: &Moto, members: usize) -> Vec<String> {
    let orgs = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
    orgs.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut accounts = vec![ACCOUNT.to_string()];
    for i in 0..members {
        let out = orgs
            .create_account()
            .account_name(format!("member-{i}"))
            .email(format!("member-{i}@example.com"))
            .send()
            .await
            .unwrap();
        accounts.push(
            out.create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_string(),
        );
    }
    accounts
}

#[tokio::test]
#[ignore = "a benchmark, not a test: run scripts/bench"]
async fn bench_peer_baseline() {
    let members = env_count("BENCH_PEER_ACCOUNTS", 19);
    let users = env_count("BENCH_PEER_USERS", 30);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));

    // The script, through the proxy at AWS's limits.
    let moto = Moto::start();
    let accounts = organization(&moto, members).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.tsv"), peer_plan(&accounts, users)).unwrap();
    let proxy = FaultProxy::start(&moto, &AWS_LIMITS);
    let start = Instant::now();
    let out = std::process::Command::new("bash")
        .arg(root.join("tests/peer_baseline.sh"))
        .arg(dir.path().join("plan.tsv"))
        .env("AWS_CLI", root.join(".venv/bin/aws"))
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .output()
        .unwrap();
    let script_secs = start.elapsed().as_secs_f64();
    let script_out = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let faults = proxy.faults();
    let script_throttled = faults.get("throttle").copied().unwrap_or(0)
        + faults.get("outstanding-limit").copied().unwrap_or(0);
    let script_calls = proxy.requests().len();
    drop(proxy);

    // ssosetup, the same work, on a fresh account.
    let moto = Moto::start();
    let accounts = organization(&moto, members).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = bench_config(&accounts, users, false);
    std::fs::write(dir.path().join("ssosetup.toml"), config).unwrap();
    let proxy = FaultProxy::start(&moto, &AWS_LIMITS);
    let start = Instant::now();
    let r = run_via(&proxy, &moto, dir.path(), &["init", "--yes"]);
    let ours_secs = start.elapsed().as_secs_f64();
    r.assert_code(0);
    let faults = proxy.faults();
    let ours_throttled = faults.get("throttle").copied().unwrap_or(0)
        + faults.get("outstanding-limit").copied().unwrap_or(0);

    println!("\n## Peer baseline: {} accounts x 3 permission sets, {users} users, through the proxy at AWS's limits\n", accounts.len());
    println!("| | wall time | calls | throttled answers (rate or outstanding limit) | failed |");
    println!("|---|---:|---:|---:|---|");
    println!("| AWS CLI script (tests/peer_baseline.sh) | {script_secs:.1} s | {script_calls} | {script_throttled} | {script_out} |");
    println!(
        "| ssosetup init --yes | {ours_secs:.1} s | {} | {ours_throttled} | none (exit 0) |",
        proxy.requests().len()
    );
    println!("\nssosetup is {:.1}x faster", script_secs / ours_secs);
}

/// iam-users-cleanup on many legacy users: the inventory (a dry run) and
/// the backed-up deletion, with IAM calls per user beside the minimum the
/// backup's contents need.
#[tokio::test]
#[ignore = "a benchmark, not a test: run scripts/bench"]
async fn bench_iam_users_cleanup() {
    let count = env_count("BENCH_IAM_USERS", 50);
    let moto = Moto::start();
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    iam.create_group()
        .group_name("legacy")
        .send()
        .await
        .unwrap();
    let names: Vec<String> = (0..count).map(|i| format!("legacy-{i:03}")).collect();
    for name in &names {
        iam.create_user().user_name(name).send().await.unwrap();
        iam.create_access_key()
            .user_name(name)
            .send()
            .await
            .unwrap();
        iam.put_user_policy()
            .user_name(name)
            .policy_name("inline")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        iam.add_user_to_group()
            .user_name(name)
            .group_name("legacy")
            .send()
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        format!(
            "region = \"us-east-1\"\n[[permission_sets]]\nname = \"AdministratorAccess\"\nmanaged_policies = [\"arn:aws:iam::aws:policy/AdministratorAccess\"]\n[[assignments]]\npermission_set = \"AdministratorAccess\"\naccounts = [\"management\"]\n[[users]]\nuser_name = \"alice\"\ngiven_name = \"Alice\"\nfamily_name = \"Doe\"\nemail = \"alice@example.com\"\ngroups = [\"AdministratorAccess-{ACCOUNT}\"]\n[cleanup]\niam_users = [{}]\n",
            quoted.join(", ")
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Run::from(
            ssosetup(Some(&moto), dir.path())
                .args(args)
                .output()
                .unwrap(),
        )
    };
    for step in [
        "organization",
        "permission-sets",
        "groups",
        "assignments",
        "users",
    ] {
        run(&[step, "--yes"]).assert_code(0);
    }

    println!(
        "\n## iam-users-cleanup: {count} IAM users (1 access key, 1 inline policy, 1 group each)"
    );
    // IAM's operations (and ListUsers, which identitystore shares).
    const IAM: [&str; 19] = [
        "GetUser",
        "GetLoginProfile",
        "ListAccessKeys",
        "GetAccessKeyLastUsed",
        "ListMFADevices",
        "ListGroupsForUser",
        "ListAttachedUserPolicies",
        "ListUserPolicies",
        "GetUserPolicy",
        "ListUserTags",
        "ListSSHPublicKeys",
        "ListSigningCertificates",
        "ListServiceSpecificCredentials",
        "ListUsers",
        "DeleteAccessKey",
        "DeleteUserPolicy",
        "RemoveUserFromGroup",
        "DeleteUser",
        "DeleteLoginProfile",
    ];
    let iam_ops = |ops: Vec<String>| -> BTreeMap<String, usize> {
        histogram(&ops)
            .into_iter()
            .filter(|(op, _)| IAM.contains(&op.as_str()))
            .collect()
    };
    // Per user, what the backup needs: the user, its password, keys (and
    // each key's last use), MFA devices, groups, attached and inline
    // policies (and each document), tags, SSH keys, certificates and
    // service-specific credentials.
    let per_user = [
        ("GetUser", 1),
        ("GetLoginProfile", 1),
        ("ListAccessKeys", 1),
        ("GetAccessKeyLastUsed", 1),
        ("ListMFADevices", 1),
        ("ListGroupsForUser", 1),
        ("ListAttachedUserPolicies", 1),
        ("ListUserPolicies", 1),
        ("GetUserPolicy", 1),
        ("ListUserTags", 1),
        ("ListSSHPublicKeys", 1),
        ("ListSigningCertificates", 1),
        ("ListServiceSpecificCredentials", 1),
    ];
    let mut inventory_min: BTreeMap<&str, usize> =
        per_user.iter().map(|(op, n)| (*op, n * count)).collect();
    // moto pages IAM ListUsers by 100; one identitystore ListUsers for the
    // Identity Center replacements and one for the lockout guard.
    inventory_min.insert("ListUsers", count.div_ceil(100) + 2);

    moto.forget_requests();
    let start = Instant::now();
    run(&["iam-users-cleanup", "--dry-run"]).assert_code(0);
    let secs = start.elapsed().as_secs_f64();
    report_iam(
        "inventory (--dry-run)",
        secs,
        count,
        &iam_ops(moto.requests()),
        &inventory_min,
    );

    moto.forget_requests();
    let start = Instant::now();
    run(&["iam-users-cleanup", "--yes"]).assert_code(0);
    let secs = start.elapsed().as_secs_f64();
    let mut delete_min = inventory_min.clone();
    // Each user is read again just before its backup, then its dependents
    // and the user go: one key, one inline policy, one group, the user.
    for (op, n) in per_user {
        *delete_min.entry(op).or_default() += n * count;
    }
    // (moto lacks ListServiceSpecificCredentials: after the first reads fail
    // ssosetup stops asking, so that row is below the minimum here.)
    for op in [
        "DeleteAccessKey",
        "DeleteUserPolicy",
        "RemoveUserFromGroup",
        "DeleteUser",
    ] {
        delete_min.insert(op, count);
    }
    report_iam(
        "backed-up deletion (--yes)",
        secs,
        count,
        &iam_ops(moto.requests()),
        &delete_min,
    );
    let left = iam.list_users().send().await.unwrap();
    assert!(left.users().is_empty(), "every named user is deleted");
}

fn report_iam(
    title: &str,
    seconds: f64,
    users: usize,
    calls: &BTreeMap<String, usize>,
    minimum: &BTreeMap<&str, usize>,
) {
    println!("\n### {title}\n");
    println!(
        "wall time {seconds:.1} s ({:.0} ms per user)\n",
        seconds * 1000.0 / users as f64
    );
    calls_table(calls, minimum);
}
