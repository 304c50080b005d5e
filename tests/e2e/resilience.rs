//! Under faults: HTTP 500s (some after the change was made), dropped
//! connections (after the change was made), assignments that stay
//! IN_PROGRESS, and a process killed mid-apply. The state read back must be
//! exact, with no duplicate group, assignment, membership or user.

use crate::proxy::FaultProxy;
use crate::resources::{expected, read_state, seed_organization, write_config};
use crate::{ssosetup, Moto, Run};

fn run_through(proxy: &FaultProxy, moto: &Moto, dir: &std::path::Path, args: &[&str]) -> Run {
    Run::from(
        ssosetup(Some(moto), dir)
            .env("AWS_ENDPOINT_URL", &proxy.url)
            // Faults are retried; give them room (the default is 6 as well).
            .env("AWS_MAX_ATTEMPTS", "6")
            .args(args)
            .output()
            .unwrap(),
    )
}

#[tokio::test]
async fn init_is_exact_through_500s_dropped_connections_and_slow_assignments() {
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &members[0]);
    // Another fault sequence: SSOSETUP_FAULT_SEED=N.
    let seed = std::env::var("SSOSETUP_FAULT_SEED").unwrap_or_else(|_| "7".into());
    let proxy = FaultProxy::start(
        &moto,
        &[
            "--error-rate",
            "0.05",
            "--drop-rate",
            "0.02",
            "--in-progress-polls",
            "2",
            "--max-outstanding",
            "10",
            "--seed",
            &seed,
        ],
    );
    let r = run_through(&proxy, &moto, dir.path(), &["init", "--yes"]);
    r.assert_code(0);
    let faults = proxy.faults();
    // The run met what it is meant to survive: an answer lost after the
    // change was made (a 500 or a dropped connection), and slow assignments.
    assert!(
        (faults.contains_key("500-after") || faults.contains_key("drop"))
            && faults.contains_key("in-progress"),
        "{faults:?}"
    );
    assert_eq!(
        read_state(&moto).await,
        expected(&members),
        "faults met: {faults:?}"
    );
}

#[tokio::test]
async fn a_process_killed_at_ten_points_of_an_apply_converges_without_duplicates() {
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &members[0]);
    // Slow the apply down (a tenth of AWS's rates) so the kills land inside it.
    let slow = |cmd: &mut std::process::Command| {
        cmd.env("SSOSETUP_SSO_ADMIN_RPS", "4")
            .env("SSOSETUP_IDENTITYSTORE_RPS", "4");
    };
    // Fixed, spread-out kill points (seconds after the start).
    let points = [1.1, 2.3, 1.7, 3.1, 0.9, 2.8, 1.4, 3.6, 2.0, 2.6];
    let mut killed_mid_run = 0;
    for delay in points {
        let mut cmd = ssosetup(Some(&moto), dir.path());
        cmd.args(["init", "--yes"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        slow(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_secs_f64(delay));
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(
        killed_mid_run >= 10,
        "every kill landed while the run was working ({killed_mid_run})"
    );
    let mut last = ssosetup(Some(&moto), dir.path());
    last.args(["init", "--yes"]);
    slow(&mut last);
    let out = last.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read_state(&moto).await, expected(&members));
    moto.forget_requests();
    crate::run(Some(&moto), dir.path(), &["init", "--yes"]).assert_code(0);
    assert_eq!(moto.writes(), Vec::<String>::new());
}

/// Another tool spends half of sso-admin's budget while ssosetup reads a
/// few hundred times at the full rate: AWS throttles about a third of the
/// calls, and every read must get through, the optional ones (which give
/// up early on an endpoint that lacks them) included.
#[tokio::test]
async fn a_rerun_sharing_sso_admins_budget_with_another_tool_slows_down_and_succeeds() {
    let moto = Moto::start();
    seed_organization(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("region = \"us-east-1\"\n");
    for i in 1..=30 {
        config.push_str(&format!(
            "\n[[permission_sets]]\nname = \"Team{i:02}\"\nmanaged_policies = [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]\n\n[[assignments]]\npermission_set = \"Team{i:02}\"\naccounts = [\"management\"]\n"
        ));
    }
    std::fs::write(dir.path().join("ssosetup.toml"), config).unwrap();
    // Set up without the squeeze (and without pacing: moto is local).
    let first = Run::from(
        ssosetup(Some(&moto), dir.path())
            .env("SSOSETUP_SSO_ADMIN_RPS", "1000")
            .args(["init", "--yes"])
            .output()
            .unwrap(),
    );
    first.assert_code(0);
    moto.forget_requests();

    let proxy = FaultProxy::start(&moto, &["--rate", "sso=20", "--others", "sso=10"]);
    let again = run_through(&proxy, &moto, dir.path(), &["init", "--yes"]);
    let faults = proxy.faults();
    assert_eq!(
        again.code,
        0,
        "{}\nfaults: {faults:?} in {} requests",
        again.stderr,
        proxy.requests().len()
    );
    assert!(
        faults.get("throttle").copied().unwrap_or(0) > 0,
        "the other tool's calls did not squeeze this run: {faults:?}"
    );
    eprintln!(
        "MEASURE faults {faults:?} requests {}",
        proxy.requests().len()
    );
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
}
