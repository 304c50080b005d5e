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

/// How long AWS takes to finish one assignment creation, in the proxy.
const ASSIGNMENT_SECONDS: f64 = 1.0;
/// AWS's limit of outstanding assignment creations (not adjustable).
const OUTSTANDING: usize = 15;

/// AWS's limits, enforced by the proxy: sso-admin 20/s in total,
/// identitystore 20/s per API, 15 outstanding assignment creations, each
/// finishing ASSIGNMENT_SECONDS after it was made however often it is
/// polled, and `rtt_ms` of round trip added to every call (AWS is not
/// loopback; BENCH_RTT_MS overrides the default).
fn aws_limits(rtt_ms: usize) -> Vec<String> {
    [
        "--rate",
        "sso=20",
        "--rate-per-op",
        "identitystore=20",
        "--max-outstanding",
        &OUTSTANDING.to_string(),
        "--assignment-seconds",
        &ASSIGNMENT_SECONDS.to_string(),
        "--rtt-ms",
        &std::env::var("BENCH_RTT_MS").unwrap_or(rtt_ms.to_string()),
    ]
    .map(str::to_string)
    .to_vec()
}

fn start_proxy(moto: &Moto, rtt_ms: usize) -> FaultProxy {
    let limits = aws_limits(rtt_ms);
    let args: Vec<&str> = limits.iter().map(String::as_str).collect();
    FaultProxy::start(moto, &args)
}

/// ssosetup through the proxy: what it did, its wall time and its peak
/// memory (resident set, KiB, from the kernel's accounting of the child).
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives the memory
fn measured(
    proxy: &FaultProxy,
    moto: &Moto,
    dir: &std::path::Path,
    args: &[&str],
) -> (Run, f64, i64) {
    use std::io::Read;
    let start = Instant::now();
    let mut child = ssosetup(Some(moto), dir)
        .env("AWS_ENDPOINT_URL", &proxy.url)
        // What a user gets: ssosetup's own retry budget (the tests' is 2).
        .env_remove("AWS_MAX_ATTEMPTS")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        stderr.read_to_end(&mut v).unwrap();
        v
    });
    let mut out = Vec::new();
    stdout.read_to_end(&mut out).unwrap();
    let err = err.join().unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose pid we hold; fills `usage`.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert!(pid > 0, "wait4 failed");
    let secs = start.elapsed().as_secs_f64();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let run = Run {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    };
    (run, secs, usage.ru_maxrss)
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

/// When each operation was first and last answered in the requests after
/// the first `from`, from the run's first request: where the time went.
fn timeline(proxy: &FaultProxy, from: usize) {
    let times = proxy.request_times();
    let times = &times[from..];
    let Some(t0) = times.first().map(|(_, t)| *t) else {
        return;
    };
    let mut spans: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (op, t) in times {
        let e = spans.entry(op.as_str()).or_insert((f64::MAX, 0.0));
        e.0 = e.0.min(t - t0);
        e.1 = e.1.max(t - t0);
    }
    let mut spans: Vec<_> = spans.into_iter().collect();
    spans.sort_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
    println!("\n| operation | first at | last at |");
    println!("|---|---:|---:|");
    for (op, (first, last)) in spans {
        println!("| {op} | {first:.2} s | {last:.2} s |");
    }
}

/// The requests the proxy saw after the first `from` (what AWS would
/// count: retries included; the status lists moto lacks answered there).
fn calls_since(proxy: &FaultProxy, from: usize) -> BTreeMap<String, usize> {
    let ops: Vec<String> = proxy.requests()[from..]
        .iter()
        .map(|(op, _)| op.clone())
        .collect();
    histogram(&ops)
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

/// The work's own floor at AWS's rates: the busiest rate bucket's writes
/// at 20 a second (sso-admin's for all its APIs together, identitystore's
/// per API), or the assignment creations through 15 slots of
/// ASSIGNMENT_SECONDS each, whichever is longer. Reads are not counted:
/// the floor is what the changes alone need.
fn floor(calls: &BTreeMap<String, usize>) -> (f64, String) {
    let n = |op: &str| calls.get(op).copied().unwrap_or(0);
    let sso_writes: usize = calls
        .iter()
        .filter(|(op, _)| is_ssoadmin(op) && is_write(op))
        .map(|(_, n)| n)
        .sum();
    let mut candidates = vec![
        (
            sso_writes as f64 / RATE,
            format!("{sso_writes} sso-admin writes at 20/s"),
        ),
        (
            n("CreateAccountAssignment") as f64 * ASSIGNMENT_SECONDS / OUTSTANDING as f64,
            format!(
                "{} assignments through {OUTSTANDING} slots of {ASSIGNMENT_SECONDS} s",
                n("CreateAccountAssignment")
            ),
        ),
    ];
    for op in calls
        .keys()
        .filter(|op| is_identitystore(op) && is_write(op))
    {
        candidates.push((n(op) as f64 / RATE, format!("{} {op} at 20/s", n(op))));
    }
    candidates
        .into_iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .expect("candidates")
}

fn is_write(op: &str) -> bool {
    !["List", "Describe", "Get"]
        .iter()
        .any(|p| op.starts_with(p))
}

/// The time the reads alone need at AWS's rates (for a re-run, whose work
/// is all reads): the busiest bucket's reads at 20 a second.
fn read_floor(calls: &BTreeMap<String, usize>) -> f64 {
    let sso: usize = calls
        .iter()
        .filter(|(op, _)| is_ssoadmin(op))
        .map(|(_, n)| n)
        .sum();
    let store = calls
        .iter()
        .filter(|(op, _)| is_identitystore(op))
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    sso.max(store) as f64 / RATE
}

fn report(
    title: &str,
    seconds: f64,
    max_rss_kib: i64,
    calls: &BTreeMap<String, usize>,
    minimum: &BTreeMap<&str, usize>,
) {
    println!("\n### {title}\n");
    let writes: usize = calls
        .iter()
        .filter(|(op, _)| is_write(op))
        .map(|(_, n)| n)
        .sum();
    if writes > 0 {
        let (floor, why) = floor(calls);
        println!(
            "wall time {seconds:.1} s; the work's floor {floor:.1} s ({why}): {:.2}x the floor; peak memory {:.1} MiB\n",
            seconds / floor,
            max_rss_kib as f64 / 1024.0
        );
    } else {
        println!(
            "wall time {seconds:.1} s; its reads at AWS's rates need {:.1} s; peak memory {:.1} MiB\n",
            read_floor(calls),
            max_rss_kib as f64 / 1024.0
        );
    }
    calls_table(calls, minimum);
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
    let members = env_count("BENCH_ACCOUNTS", 60);
    let user_count = env_count("BENCH_USERS", 100);
    let moto = Moto::start_lean();
    let accounts = organization(&moto, members).await;

    let (config, memberships) = bench_config(&accounts, user_count, true);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ssosetup.toml"), &config).unwrap();

    let total_accounts = accounts.len();
    let groups = SETS.len() * total_accounts;
    println!(
        "\n## {total_accounts} accounts x {} permission sets ({groups} groups, {groups} assignments), {user_count} users, {memberships} memberships",
        SETS.len()
    );

    let proxy = start_proxy(&moto, 60);
    let seen = proxy.requests().len();
    let (first, first_secs, first_rss) = measured(&proxy, &moto, dir.path(), &["init", "--yes"]);
    first.assert_code(0);
    println!(
        "\nthrough the proxy at AWS's limits ({}); answers throttled: {:?}",
        aws_limits(60).join(" "),
        proxy.faults().get("throttle")
    );
    let first_calls = calls_since(&proxy, seen);
    timeline(&proxy, seen);
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
        // ListAccountAssignmentCreationStatus: polled together, IN_PROGRESS
        // five times a second and FAILED once a second while creations
        // are out, never one call per creation; no minimum (it is time,
        // not work).
        // Whether each configured managed policy exists (IAM).
        ("GetPolicy", sets),
        // identitystore's, and iam-users-cleanup's IAM ListUsers (same name).
        ("ListUsers", 2),
        ("CreateUser", user_count),
        ("CreateGroupMembership", memberships),
        // root-cleanup: the summary, the last credential report if there
        // is one (a run with no person never generates it), centralized
        // root access (one call; moto lacks the API and its 500 is retried
        // once).
        ("GetAccountSummary", 1),
        ("GetCredentialReport", 1),
        ("ListOrganizationsFeatures", 1),
    ]);
    report(
        "first apply",
        first_secs,
        first_rss,
        &first_calls,
        &first_min,
    );

    moto.forget_requests();
    let seen = proxy.requests().len();
    let (again, again_secs, again_rss) = measured(&proxy, &moto, dir.path(), &["init", "--yes"]);
    again.assert_code(0);
    let again_calls = calls_since(&proxy, seen);
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
    report(
        "no-change re-run",
        again_secs,
        again_rss,
        &again_calls,
        &again_min,
    );
    let writes = moto.writes();
    assert!(writes.is_empty(), "a no-change re-run wrote: {writes:?}");

    // The access review: reads only, paced like the rest.
    let seen = proxy.requests().len();
    let (review, review_secs, review_rss) =
        measured(&proxy, &moto, dir.path(), &["access", "--output", "json"]);
    review.assert_code(0);
    let doc: serde_json::Value = serde_json::from_str(&review.stdout).unwrap();
    let rows = doc["rows"].as_array().map_or(0, Vec::len);
    assert_eq!(rows, memberships, "one row a membership");
    let review_calls = calls_since(&proxy, seen);
    let review_min = BTreeMap::from([
        ("GetCallerIdentity", 1),
        ("DescribeOrganization", 1),
        ("ListAccounts", pages(total_accounts, 100)),
        ("ListInstances", 1),
        ("ListPermissionSets", 1),
        ("DescribePermissionSet", sets),
        ("ListUsers", pages(user_count, 100)),
        ("ListGroups", pages(groups, 100)),
        // Memberships per user (fewer users than groups here).
        ("ListGroupMembershipsForMember", user_count),
        // Every group's and user's assignments.
        ("ListAccountAssignmentsForPrincipal", groups + user_count),
        // Which sets give administrator access.
        ("ListManagedPoliciesInPermissionSet", sets),
    ]);
    println!("\n### access review: {rows} rows");
    report(
        "access --output json",
        review_secs,
        review_rss,
        &review_calls,
        &review_min,
    );

    // Organizational units: the members moved into 10 OUs, and the config
    // naming the OUs instead of "all": the same assignments, so nothing to
    // do; the cost is reading the tree.
    let orgs = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
    let root = orgs.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_string();
    let mut ous = Vec::new();
    for i in 0..10 {
        ous.push(
            orgs.create_organizational_unit()
                .parent_id(&root)
                .name(format!("OU-{i}"))
                .send()
                .await
                .unwrap()
                .organizational_unit()
                .unwrap()
                .id()
                .unwrap()
                .to_string(),
        );
    }
    for (i, account) in accounts[1..].iter().enumerate() {
        orgs.move_account()
            .account_id(account)
            .source_parent_id(&root)
            .destination_parent_id(&ous[i % ous.len()])
            .send()
            .await
            .unwrap();
    }
    let targets = std::iter::once("\"management\"".to_string())
        .chain((0..10).map(|i| format!("\"ou:OU-{i}\"")))
        .collect::<Vec<_>>()
        .join(", ");
    let by_ou = config.replace("accounts = [\"all\"]", &format!("accounts = [{targets}]"));
    std::fs::write(dir.path().join("ssosetup.toml"), by_ou).unwrap();
    let seen = proxy.requests().len();
    let (ou_run, ou_secs, ou_rss) =
        measured(&proxy, &moto, dir.path(), &["assignments", "--dry-run"]);
    ou_run.assert_code(0);
    assert!(
        ou_run.stdout.contains("nothing to change"),
        "the OUs cover the same accounts: {}",
        ou_run.stdout
    );
    let ou_calls = calls_since(&proxy, seen);
    // The root and each OU: its child OUs (one page) and its accounts, 20
    // a page as AWS answers (the root holds the management account only).
    let members = accounts.len() - 1;
    let account_pages: usize = 1
        + (0..ous.len())
            .map(|i| {
                let n = members / ous.len() + usize::from(i < members % ous.len());
                n.div_ceil(20).max(1)
            })
            .sum::<usize>();
    let ou_min = BTreeMap::from([
        ("ListRoots", 1),
        ("ListOrganizationalUnitsForParent", 1 + ous.len()),
        ("ListAccountsForParent", account_pages),
        ("ListAccountAssignments", groups),
    ]);
    report(
        "assignments --dry-run with 10 OU targets",
        ou_secs,
        ou_rss,
        &ou_calls,
        &ou_min,
    );
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

/// moto builds each service's backend on its first request (over a second
/// for some); AWS has nothing like it. One read of each service the run
/// uses, before the clock starts.
async fn warm(moto: &Moto) {
    let config = moto.sdk_config().await;
    aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let instances = aws_sdk_ssoadmin::Client::new(&config)
        .list_instances()
        .send()
        .await
        .unwrap();
    let store = instances.instances()[0].identity_store_id().unwrap();
    aws_sdk_identitystore::Client::new(&config)
        .list_users()
        .identity_store_id(store)
        .send()
        .await
        .unwrap();
    aws_sdk_iam::Client::new(&config)
        .get_account_summary()
        .send()
        .await
        .unwrap();
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
    warm(moto).await;
    accounts
}

/// One peer script's run through a fresh proxy over a fresh organization:
/// wall time, calls, throttled answers, and what it said at the end.
async fn peer_run(
    members: usize,
    users: usize,
    rtt_ms: usize,
    command: &[&std::path::Path],
) -> (f64, usize, usize, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let moto = Moto::start();
    let accounts = organization(&moto, members).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.tsv"), peer_plan(&accounts, users)).unwrap();
    let proxy = start_proxy(&moto, rtt_ms);
    let start = Instant::now();
    let out = std::process::Command::new(command[0])
        .args(&command[1..])
        .arg(dir.path().join("plan.tsv"))
        .env("AWS_CLI", root.join(".venv/bin/aws"))
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .output()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let said = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("failed"))
        .collect::<Vec<_>>()
        .join("; ");
    let faults = proxy.faults();
    let throttled = faults.get("throttle").copied().unwrap_or(0)
        + faults.get("outstanding-limit").copied().unwrap_or(0);
    (secs, proxy.requests().len(), throttled, said)
}

/// The same work three ways, each over a fresh organization through the
/// proxy at AWS's limits with a 120 ms round trip (BENCH_RTT_MS): a plain
/// AWS CLI script, a careful boto3 script (lists first, standard retries,
/// one call after another), and `ssosetup init --yes`.
#[tokio::test]
#[ignore = "a benchmark, not a test: run scripts/bench"]
async fn bench_peer_baseline() {
    let members = env_count("BENCH_PEER_ACCOUNTS", 19);
    let users = env_count("BENCH_PEER_USERS", 30);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let rtt = 120;

    let bash = std::path::Path::new("bash");
    let script = root.join("tests/peer_baseline.sh");
    let cli = peer_run(members, users, rtt, &[bash, &script]).await;
    let python = root.join(".venv/bin/python");
    let boto = root.join("tests/peer_boto3.py");
    let careful = peer_run(members, users, rtt, &[&python, &boto]).await;

    // ssosetup, the same work, on a fresh account.
    let moto = Moto::start();
    let accounts = organization(&moto, members).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = bench_config(&accounts, users, false);
    std::fs::write(dir.path().join("ssosetup.toml"), config).unwrap();
    let proxy = start_proxy(&moto, rtt);
    let (r, ours_secs, _) = measured(&proxy, &moto, dir.path(), &["init", "--yes"]);
    r.assert_code(0);
    let faults = proxy.faults();
    let ours_throttled = faults.get("throttle").copied().unwrap_or(0)
        + faults.get("outstanding-limit").copied().unwrap_or(0);

    println!(
        "\n## Peers: {} accounts x 3 permission sets, {users} users, through the proxy ({})\n",
        accounts.len(),
        aws_limits(rtt).join(" ")
    );
    println!("| | wall time | calls | throttled answers | failed | ssosetup is |");
    println!("|---|---:|---:|---:|---|---:|");
    for (name, (secs, calls, throttled, said)) in [
        ("AWS CLI script (tests/peer_baseline.sh)", &cli),
        ("boto3 script (tests/peer_boto3.py)", &careful),
    ] {
        println!(
            "| {name} | {secs:.1} s | {calls} | {throttled} | {said} | {:.1}x faster |",
            secs / ours_secs
        );
    }
    println!(
        "| ssosetup init --yes | {ours_secs:.1} s | {} | {ours_throttled} | none (exit 0) | |",
        proxy.requests().len()
    );
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

/// The organization-wide key inventory: BENCH_KEY_ACCOUNTS member accounts
/// (default 200) with BENCH_KEY_USERS IAM users each (default 5, one access
/// key apiece), read by `iam-users-cleanup --dry-run` with `[cleanup]
/// accounts = ["all"]` through the proxy with a round trip on every call,
/// beside a straightforward boto3 script doing the same reads one after
/// another (tests/peer_keys.py).
#[tokio::test]
#[ignore = "a benchmark, not a test: run scripts/bench"]
async fn bench_org_keys() {
    let members = env_count("BENCH_KEY_ACCOUNTS", 200);
    let per_account = env_count("BENCH_KEY_USERS", 5);
    let rtt: usize = env_count("BENCH_RTT_MS", 60);
    let moto = Moto::start_lean();
    let accounts = organization(&moto, members).await;
    let config = moto.sdk_config().await;
    let sts = aws_sdk_sts::Client::new(&config);
    for account in &accounts[1..] {
        let c = sts
            .assume_role()
            .role_arn(format!(
                "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            ))
            .role_session_name("bench-seed")
            .send()
            .await
            .unwrap()
            .credentials
            .unwrap();
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&config)
                .credentials_provider(aws_credential_types::Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_string()),
                    None,
                    "bench",
                ))
                .build(),
        );
        for u in 0..per_account {
            let name = format!("ci-{u}");
            iam.create_user().user_name(&name).send().await.unwrap();
            iam.create_access_key()
                .user_name(&name)
                .send()
                .await
                .unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "region = \"us-east-1\"\n[cleanup]\naccounts = [\"all\"]\n",
    )
    .unwrap();
    let users = members * per_account;
    println!(
        "\n## Key inventory: {members} member accounts x {per_account} IAM users (1 access key each), {rtt} ms round trip"
    );
    let proxy = FaultProxy::start(&moto, &["--rtt-ms", &rtt.to_string()]);
    let seen = proxy.requests().len();
    let (r, secs, rss) = measured(
        &proxy,
        &moto,
        dir.path(),
        &["iam-users-cleanup", "--dry-run", "--output", "json"],
    );
    r.assert_code(0);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let count = &doc["reports"]["iam-users-cleanup"]["long_lived_keys"];
    assert_eq!(count["active_access_keys"], users as u64, "{count}");
    let calls = calls_since(&proxy, seen);
    // What the inventory needs: a session and a listing per member account,
    // and per user its password, keys, each key's last use and MFA devices;
    // the organization's accounts (20 a page), and the calling account's
    // users.
    let minimum = BTreeMap::from([
        ("AssumeRole", members),
        ("ListUsers", members + 1),
        ("GetLoginProfile", users),
        ("ListAccessKeys", users),
        ("GetAccessKeyLastUsed", users),
        ("ListMFADevices", users),
        ("ListAccounts", pages(members + 1, 20)),
    ]);
    let total: usize = calls.values().sum();
    // With every account and user at once, a member account's reads are 4
    // round trips deep (AssumeRole, ListUsers, ListAccessKeys, then
    // GetAccessKeyLastUsed); ssosetup reads 8 accounts and 4 users of each
    // at once: waves of 8 accounts, each 2 + 2 x ceil(users / 4) deep.
    let waves = members.div_ceil(8);
    let depth = 2 + 2 * per_account.div_ceil(4);
    let bounded = (waves * depth * rtt) as f64 / 1000.0;
    println!(
        "\nssosetup: {secs:.1} s wall, peak memory {:.1} MiB, {total} calls; round-trip floor at 8 accounts and 4 users at once: {bounded:.1} s",
        rss as f64 / 1024.0
    );
    calls_table(&calls, &minimum);
    timeline(&proxy, seen);
    if std::env::var("BENCH_KEY_PEER").as_deref() == Ok("0") {
        return;
    }

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let peer_seen = proxy.requests().len();
    let start = Instant::now();
    let out = std::process::Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/peer_keys.py"))
        .arg("OrganizationAccountAccessRole")
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .output()
        .unwrap();
    let peer_secs = start.elapsed().as_secs_f64();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("keys: {users}")),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "\npeer (tests/peer_keys.py, boto3, one call after another): {peer_secs:.1} s wall, {} calls",
        proxy.requests().len() - peer_seen
    );
}
