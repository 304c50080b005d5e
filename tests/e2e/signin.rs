//! Every day after setup: `login` (in the browser with PKCE, or with a
//! device code), `credentials`, `exec`, `console` and `logout` against the
//! sign-in stand-in (tests/ssostandin.py: sso-oidc, the SSO portal and the
//! console federation endpoint, which moto lacks), and the real consumers
//! of what they write: the AWS CLI signs in through ssosetup's token cache
//! (botocore refreshing it through the stand-in), and through a legacy
//! profile's credential_process, with moto answering STS.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use expectrl::Expect;

use crate::moto::ACCOUNT;
use crate::resources::{seed_organization, write_config};
use crate::{ssosetup, Moto, Run};

const START_URL: &str = "https://my-portal.awsapps.com/start";

/// The stand-in, on a free loopback port, logging every request.
pub struct StandIn {
    child: Child,
    pub url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl StandIn {
    pub fn start(options: &[&str]) -> Self {
        use std::io::BufRead;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("standin.log");
        let mut child = Command::new(root.join(".venv/bin/python"))
            .arg(root.join("tests/ssostandin.py"))
            .arg("--log")
            .arg(&log)
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the stand-in starts (scripts/ensure-venv makes .venv)");
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port = first
            .trim()
            .strip_prefix("PORT ")
            .expect("PORT n")
            .to_string();
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    /// Every request so far, as the stand-in logged it.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn ops(&self, op: &str) -> Vec<serde_json::Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["op"] == op)
            .collect()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ssosetup with a home of its own and the sign-in endpoints at the stand-in.
fn signin(standin: &StandIn, home: &Path, dir: &Path, moto: Option<&Moto>) -> Command {
    let mut c = ssosetup(moto, dir);
    c.env("HOME", home)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &standin.url)
        .env("AWS_ENDPOINT_URL_SSO", &standin.url);
    c
}

fn run_signin(standin: &StandIn, home: &Path, dir: &Path, args: &[&str]) -> Run {
    Run::from(
        signin(standin, home, dir, None)
            .args(args)
            .output()
            .unwrap(),
    )
}

/// The real AWS CLI (botocore's own SSO and credential_process providers),
/// with the same home, config, sign-in endpoints, and moto for STS.
fn aws_cli(standin: &StandIn, home: &Path, config: &Path, moto: &Moto, args: &[&str]) -> Run {
    let aws = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    Run::from(
        Command::new(aws)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", config)
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                config.with_file_name("no-credentials"),
            )
            .env("AWS_ENDPOINT_URL_SSO", &standin.url)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &standin.url)
            .env("AWS_ENDPOINT_URL_STS", &moto.url)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap(),
    )
}

/// The token cache file of `session`, as the AWS CLI names it.
fn cache_file(home: &Path, session: &str) -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let out = Command::new(python)
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            session,
        ])
        .output()
        .unwrap();
    let hex = String::from_utf8(out.stdout).unwrap().trim().to_string();
    home.join(".aws/sso/cache").join(format!("{hex}.json"))
}

fn cached(home: &Path, session: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(cache_file(home, session)).unwrap()).unwrap()
}

/// No secret of the sign-in is in what a run printed.
fn assert_no_secret(token: &serde_json::Value, run: &Run) {
    for key in ["accessToken", "refreshToken", "clientSecret"] {
        if let Some(secret) = token[key].as_str() {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{key} was printed"
            );
        }
    }
}

#[tokio::test]
async fn after_login_the_aws_cli_signs_in_through_the_cache_and_the_legacy_profile() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let moto = Moto::start();
    let members = seed_organization(&moto).await;
    write_config(dir.path(), &members[0]);
    let mut config = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    config.push_str(&format!(
        "\n[cli]\nsession_name = \"personal\"\nstart_url = \"{START_URL}\"\nuser = \"alice\"\ndefault_region = \"eu-west-1\"\nlegacy_profiles = true\n"
    ));
    std::fs::write(dir.path().join("ssosetup.toml"), config).unwrap();
    let aws_config = dir.path().join("aws-config");
    let standin = StandIn::start(&[]);

    // The profiles, the legacy ones with them.
    let init = Run::from(
        signin(&standin, &home, dir.path(), Some(&moto))
            .args(["init", "--yes"])
            .output()
            .unwrap(),
    );
    init.assert_code(0);
    assert!(
        init.stderr
            .contains("ssosetup login --sso-session personal"),
        "{}",
        init.stderr
    );
    let profile = format!("AdministratorAccess-{ACCOUNT}");
    let written = std::fs::read_to_string(&aws_config).unwrap();
    assert!(
        written.contains(&format!("[profile {profile}-legacy]")),
        "{written}"
    );

    // login: the session comes from [cli]; the code and page are shown.
    let login = run_signin(&standin, &home, dir.path(), &["login", "--no-browser"]);
    login.assert_code(0);
    let code = standin.ops("StartDeviceAuthorization");
    assert_eq!(code.len(), 1);
    assert!(
        login.stderr.contains("/device?user_code="),
        "{}",
        login.stderr
    );
    let token = cached(&home, "personal");
    for key in [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ] {
        assert!(token[key].is_string(), "{key} in {token}");
    }
    assert_eq!(token["startUrl"], START_URL);
    assert!(token["expiresAt"].as_str().unwrap().ends_with('Z'));
    let mode = std::fs::metadata(cache_file(&home, "personal"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_no_secret(&token, &login);
    let register = standin.ops("RegisterClient");
    assert_eq!(register.len(), 1);

    // The AWS CLI signs in with ssosetup's token, through botocore's own
    // SSO provider: the stand-in sees the token it issued.
    let cli = aws_cli(
        &standin,
        &home,
        &aws_config,
        &moto,
        &["sts", "get-caller-identity", "--profile", &profile],
    );
    cli.assert_code(0);
    let got = standin.ops("GetRoleCredentials");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["token"], token["accessToken"]);

    // And through the legacy profile: credential_process runs ssosetup.
    let legacy = aws_cli(
        &standin,
        &home,
        &aws_config,
        &moto,
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            &format!("{profile}-legacy"),
        ],
    );
    legacy.assert_code(0);
    let got = standin.ops("GetRoleCredentials");
    assert_eq!(got.len(), 2, "the legacy profile asked the stand-in too");
    assert_eq!(got[1]["token"], token["accessToken"]);

    // A second login reuses the client registration.
    run_signin(&standin, &home, dir.path(), &["login", "--no-browser"]).assert_code(0);
    assert_eq!(standin.ops("RegisterClient").len(), 1);

    // status says until when the session is good (and never the token).
    let status = Run::from(
        signin(&standin, &home, dir.path(), Some(&moto))
            .args(["status"])
            .output()
            .unwrap(),
    );
    status.assert_code(0);
    assert!(
        status
            .stdout
            .contains("Sign-in:     signed in to personal until 20"),
        "{}",
        status.stdout
    );
    assert_no_secret(&cached(&home, "personal"), &status);
}

const CONFIG: &str = "[sso-session corp]\nsso_start_url = https://my-portal.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n";

#[test]
fn an_expired_token_is_refreshed_and_written_back_and_exec_hands_the_keys_on() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    // Tokens from the device code come already expired: the first use
    // must refresh.
    let standin = StandIn::start(&["--expire-now"]);
    run_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp", "--no-browser"],
    )
    .assert_code(0);
    let before = cached(&home, "corp");

    let creds = run_signin(
        &standin,
        &home,
        dir.path(),
        &["credentials", "--profile", "dev", "-vv"],
    );
    creds.assert_code(0);
    let doc: serde_json::Value = serde_json::from_str(&creds.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(doc["SecretAccessKey"].is_string() && doc["SessionToken"].is_string());
    assert!(doc["Expiration"].as_str().unwrap().ends_with('Z'));
    let refreshes: Vec<_> = standin
        .ops("CreateToken")
        .into_iter()
        .filter(|r| r["grant"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "refreshed once");
    let after = cached(&home, "corp");
    assert_ne!(after["accessToken"], before["accessToken"], "written back");
    assert!(after["expiresAt"].as_str().unwrap() > before["expiresAt"].as_str().unwrap());
    let got = standin.ops("GetRoleCredentials");
    assert_eq!(got.last().unwrap()["token"], after["accessToken"]);
    assert_no_secret(
        &after,
        &Run {
            code: 0,
            stdout: String::new(),
            stderr: creds.stderr.clone(),
        },
    );
    assert!(!creds
        .stderr
        .contains(doc["SecretAccessKey"].as_str().unwrap()));

    // exec: the child gets the role's keys and region; its exit code is ours.
    let out = dir.path().join("seen");
    let exec = run_signin(
        &standin,
        &home,
        dir.path(),
        &[
            "exec",
            "--profile",
            "dev",
            "--",
            "sh",
            "-c",
            &format!(
                "printf '%s %s %s %s' \"$AWS_ACCESS_KEY_ID\" \"${{AWS_SESSION_TOKEN:+token}}\" \"$AWS_REGION\" \"$AWS_DEFAULT_REGION\" > {}; exit 7",
                out.display()
            ),
        ],
    );
    exec.assert_code(7);
    let seen = std::fs::read_to_string(&out).unwrap();
    let parts: Vec<&str> = seen.split(' ').collect();
    assert!(
        parts[0].starts_with("ASIA") && parts[0].len() == 20,
        "{seen}"
    );
    assert_eq!(&parts[1..], ["token", "eu-west-1", "eu-west-1"]);
    assert_no_secret(&cached(&home, "corp"), &exec);
}

#[test]
fn without_a_sign_in_credentials_and_exec_say_how_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let standin = StandIn::start(&[]);
    for args in [
        &["credentials", "--profile", "dev"][..],
        &["exec", "--profile", "dev", "--", "true"][..],
    ] {
        let r = run_signin(&standin, &home, dir.path(), args);
        r.assert_code(1);
        assert!(
            r.stderr.contains("run `ssosetup login --sso-session corp`"),
            "{}",
            r.stderr
        );
        assert!(
            r.stdout.is_empty(),
            "nothing on stdout for credential_process to misread"
        );
    }
    assert!(standin.requests().is_empty(), "no call without a token");
    // A profile that does not sign in through Identity Center is named.
    std::fs::write(
        dir.path().join("aws-config"),
        format!("{CONFIG}\n[profile keys]\nregion = eu-west-1\n"),
    )
    .unwrap();
    let r = run_signin(
        &standin,
        &home,
        dir.path(),
        &["credentials", "--profile", "keys"],
    );
    r.assert_code(1);
    assert!(
        r.stderr.contains("profile keys has no sso_start_url"),
        "{}",
        r.stderr
    );
}

/// A person at a terminal: the page and the code, then the sign-in.
#[test]
fn login_at_a_terminal_shows_the_page_and_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let standin = StandIn::start(&["--approve-after", "2"]);
    let mut command = signin(&standin, &home, dir.path(), None);
    command
        .args(["login", "--sso-session", "corp", "--no-browser"])
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let mut w = expectrl::session::Session::spawn(command).unwrap();
    w.set_expect_timeout(Some(Duration::from_secs(30)));
    w.expect(format!(
        "To sign in to {START_URL}, open this page on any device and check that it shows the code "
    ))
    .unwrap();
    let code = standin.ops("StartDeviceAuthorization");
    assert_eq!(code.len(), 1);
    w.expect(format!("{}/device?user_code=", standin.url))
        .unwrap();
    w.expect("Signed in; the session lasts until").unwrap();
    assert_eq!(crate::wizard::exit_code(&mut w), 0);
    assert!(cache_file(&home, "corp").exists());
}

/// A command for `exec` that shows how it was signalled: it counts the
/// SIGINTs it gets, and after the first takes half a second to clean up
/// before it writes the count and exits 5; SIGTERM makes it write TERM and
/// exit 7. It says when its traps are set, and gives up after 30 seconds
/// (so that a broken ssosetup leaves nothing running).
fn signalled_child(dir: &Path) -> Vec<String> {
    let script = format!(
        "n=0; trap 'n=$((n+1))' INT; trap 'echo TERM > {out}; exit 7' TERM; touch {ready}; \
         i=0; while [ $i -lt 300 ]; do if [ $n -gt 0 ]; then sleep 0.5; echo INT $n > {out}; exit 5; fi; sleep 0.1; i=$((i+1)); done; exit 99",
        out = dir.join("out").display(),
        ready = dir.join("ready").display()
    );
    vec!["sh".into(), "-c".into(), script]
}

fn wait_for(path: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{} never came",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signed_in(dir: &Path, home: &Path) -> StandIn {
    std::fs::write(dir.join("aws-config"), CONFIG).unwrap();
    let standin = StandIn::start(&[]);
    run_signin(
        &standin,
        home,
        dir,
        &["login", "--sso-session", "corp", "--no-browser"],
    )
    .assert_code(0);
    standin
}

#[test]
fn exec_passes_sigterm_on_and_exits_with_the_commands_code() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let standin = signed_in(dir.path(), &home);
    let mut command = signin(&standin, &home, dir.path(), None);
    command
        .args(["exec", "--profile", "dev", "--"])
        .args(signalled_child(dir.path()));
    let mut running = command.spawn().unwrap();
    wait_for(&dir.path().join("ready"));
    // SAFETY: a signal to the ssosetup process this test started.
    unsafe {
        libc::kill(running.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = running.wait().unwrap();
    assert_eq!(status.code(), Some(7), "the command's own exit code");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out")).unwrap(),
        "TERM\n",
        "the command got the SIGTERM and cleaned up"
    );
}

#[test]
fn ctrl_c_in_exec_reaches_the_command_once_and_its_code_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let standin = signed_in(dir.path(), &home);
    let mut command = signin(&standin, &home, dir.path(), None);
    command
        .args(["exec", "--profile", "dev", "--"])
        .args(signalled_child(dir.path()))
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let mut w = expectrl::session::Session::spawn(command).unwrap();
    w.set_expect_timeout(Some(Duration::from_secs(40)));
    wait_for(&dir.path().join("ready"));
    // Ctrl-C at the terminal: the terminal signals ssosetup and the command.
    w.send("\x03").unwrap();
    assert_eq!(
        crate::wizard::exit_code(&mut w),
        5,
        "ssosetup waited for the command and kept its code (not 130)"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out")).unwrap(),
        "INT 1\n",
        "one Ctrl-C, one SIGINT: ssosetup did not send it again"
    );
}

#[test]
fn no_log_level_or_filter_shows_a_token_or_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let standin = StandIn::start(&["--expire-now"]);
    let mut runs = Vec::new();
    let traced = |args: &[&str], filter: &str| {
        Run::from(
            signin(&standin, &home, dir.path(), None)
                .env("SSOSETUP_LOG", filter)
                .args(args)
                .output()
                .unwrap(),
        )
    };
    runs.push(traced(
        &["login", "--sso-session", "corp", "--no-browser"],
        "trace",
    ));
    // The first use refreshes (the token came expired): CreateToken with the
    // refresh token, GetRoleCredentials with the bearer token.
    for filter in [
        "trace",
        "aws_smithy_runtime=trace,hyper=trace,ssosetup=trace",
        "debug",
    ] {
        runs.push(traced(&["credentials", "--profile", "dev"], filter));
    }
    runs.push(traced(
        &["credentials", "--profile", "dev", "-vvv"],
        "trace",
    ));
    runs.push(traced(&["exec", "--profile", "dev", "--", "true"], "trace"));
    let token = cached(&home, "corp");
    for run in &runs {
        run.assert_code(0);
        assert!(!run.stderr.is_empty(), "the filter was applied");
        assert_no_secret(&token, run);
        assert!(
            !run.stderr.to_lowercase().contains("bearer_token"),
            "a bearer header was logged"
        );
    }
    for run in &runs[1..5] {
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        for key in ["SecretAccessKey", "SessionToken"] {
            assert!(
                !run.stderr.contains(doc[key].as_str().unwrap()),
                "{key} logged"
            );
        }
    }
}

#[test]
fn the_token_cache_is_never_written_through_a_link_and_is_kept_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let standin = StandIn::start(&[]);
    let cache = cache_file(&home, "corp");
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    let elsewhere = dir.path().join("someone-elses-file");
    std::fs::write(&elsewhere, "precious\n").unwrap();
    std::os::unix::fs::symlink(&elsewhere, &cache).unwrap();
    let r = run_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp", "--no-browser"],
    );
    r.assert_code(1);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&cache.display().to_string()),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "precious\n");
    assert!(std::fs::symlink_metadata(&cache)
        .unwrap()
        .file_type()
        .is_symlink());

    // Without the link: signed in; then a cache others can read is warned
    // about and made private.
    std::fs::remove_file(&cache).unwrap();
    run_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp", "--no-browser"],
    )
    .assert_code(0);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = run_signin(
        &standin,
        &home,
        dir.path(),
        &["credentials", "--profile", "dev"],
    );
    r.assert_code(0);
    assert!(
        r.stderr.contains("could be read by other users"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn eight_credential_processes_at_once_refresh_once() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    // Signed-in tokens come expired; a refresh takes half a second, so all
    // eight want one while the first is under way.
    let standin = StandIn::start(&["--expire-now", "--refresh-delay-ms", "500"]);
    run_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp", "--no-browser"],
    )
    .assert_code(0);
    let children: Vec<_> = (0..8)
        .map(|_| {
            signin(&standin, &home, dir.path(), None)
                .args(["credentials", "--profile", "dev"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        Run::from(child.wait_with_output().unwrap()).assert_code(0);
    }
    let refreshes = standin
        .ops("CreateToken")
        .into_iter()
        .filter(|r| r["grant"] == "refresh_token")
        .count();
    assert_eq!(refreshes, 1, "one refresh; the other seven read its token");
    assert_eq!(standin.ops("GetRoleCredentials").len(), 8);
}

#[test]
fn a_bad_sso_region_is_named_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let config = CONFIG.replace("sso_region = us-east-1", "sso_region = us-east-1; rm -rf ~");
    std::fs::write(dir.path().join("aws-config"), config).unwrap();
    let standin = StandIn::start(&[]);
    for args in [
        &["login", "--sso-session", "corp", "--no-browser"][..],
        &["credentials", "--profile", "dev"][..],
        &["status", "--profile", "dev"][..],
    ] {
        let r = run_signin(&standin, &home, dir.path(), args);
        r.assert_code(1);
        assert!(r.stderr.contains("sso_region"), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&dir.path().join("aws-config").display().to_string()),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert!(standin.requests().is_empty());
}

#[test]
fn sign_in_against_something_that_is_not_sso_says_what_answered_in_a_line() {
    // moto speaks neither sso-oidc nor the portal API: its answer is not
    // the service's.
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let r = Run::from(
        ssosetup(None, dir.path())
            .env("HOME", &home)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &moto.url)
            .env("AWS_ENDPOINT_URL_SSO", &moto.url)
            .args(["login", "--sso-session", "corp", "--no-browser"])
            .output()
            .unwrap(),
    );
    r.assert_code(1);
    assert!(
        r.stderr.contains("sso-oauth:RegisterClient"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("HTTP "), "{}", r.stderr);
    assert!(
        r.stderr.contains("AWS_ENDPOINT_URL_SSO_OIDC"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("more characters"), "{}", r.stderr);
    assert!(r.stderr.lines().count() <= 4, "{}", r.stderr);
}

#[test]
fn a_command_run_with_an_sso_profile_nobody_signed_in_to_says_to_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let standin = StandIn::start(&[]);
    let r = run_signin(&standin, &home, dir.path(), &["status", "--profile", "dev"]);
    r.assert_code(1);
    assert!(
        r.stderr.contains("the profile dev is not signed in"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("ssosetup login --profile dev"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("check the network"), "{}", r.stderr);
}

/// A "browser" for `login`: what BROWSER names, given the URL; it fetches
/// the page as a browser would (following the authorize page's redirect
/// back to ssosetup's loopback listener), in the background.
fn browser(dir: &Path) -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let script = dir.join("browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" >> {seen}\nexec {python} -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()' \"$1\" >/dev/null 2>&1\n",
            seen = dir.join("opened").display(),
            python = python.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn browser_signin(standin: &StandIn, home: &Path, dir: &Path, args: &[&str]) -> Run {
    Run::from(
        signin(standin, home, dir, None)
            .env("BROWSER", browser(dir))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .args(args)
            .output()
            .unwrap(),
    )
}

#[tokio::test]
async fn pkce_login_then_refresh_without_a_browser_console_and_logout() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let moto = Moto::start();
    // Every token from a sign-in comes already expired: each use refreshes.
    let standin = StandIn::start(&["--expire-now"]);

    // login, by default as the AWS CLI v2: the browser's code grant.
    let login = browser_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp"],
    );
    login.assert_code(0);
    let register = standin.ops("RegisterClient");
    assert_eq!(register.len(), 1);
    assert_eq!(
        register[0]["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(register[0]["issuerUrl"], START_URL);
    let authorize = standin.ops("Authorize");
    assert_eq!(authorize.len(), 1);
    assert_eq!(authorize[0]["codeChallengeMethod"], "S256");
    assert_eq!(authorize[0]["error"], serde_json::Value::Null);
    let redirect = authorize[0]["redirectUri"].as_str().unwrap();
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/oauth/callback"),
        "{redirect}"
    );
    let exchanged: Vec<_> = standin
        .ops("CreateToken")
        .into_iter()
        .filter(|r| r["grant"] == "authorization_code")
        .collect();
    assert_eq!(exchanged.len(), 1);
    assert_eq!(
        exchanged[0]["pkce"], "ok",
        "the verifier matched the challenge"
    );
    assert_eq!(exchanged[0]["redirectUri"], redirect);
    let token = cached(&home, "corp");
    assert_eq!(token["accessToken"], exchanged[0]["issuedToken"]);
    assert!(token["refreshToken"].is_string() && token["clientId"].is_string());
    assert_no_secret(&token, &login);
    assert!(
        login.stderr.contains("/authorize?response_type=code"),
        "the page is shown in case no browser opens\n{}",
        login.stderr
    );

    // credentials: the expired token renews from its refresh token, no browser.
    let creds = run_signin(
        &standin,
        &home,
        dir.path(),
        &["credentials", "--profile", "dev"],
    );
    creds.assert_code(0);
    let refreshed = cached(&home, "corp");
    assert_ne!(
        refreshed["accessToken"], token["accessToken"],
        "written back"
    );
    assert_eq!(
        standin.ops("Authorize").len(),
        1,
        "no second trip to the browser"
    );

    // botocore reads the cache and renews it itself through the stand-in:
    // a second sign-in's token (expired at once) is refreshed by the AWS CLI.
    browser_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp"],
    )
    .assert_code(0);
    let before = standin.ops("CreateToken").len();
    let cli = aws_cli(
        &standin,
        &home,
        &dir.path().join("aws-config"),
        &moto,
        &["sts", "get-caller-identity", "--profile", "dev"],
    );
    cli.assert_code(0);
    let after = standin.ops("CreateToken");
    assert_eq!(after.len(), before + 1, "botocore refreshed once");
    assert_eq!(after.last().unwrap()["grant"], "refresh_token");
    let by_botocore = cached(&home, "corp");
    assert_eq!(
        by_botocore["accessToken"],
        after.last().unwrap()["issuedToken"],
        "botocore wrote the refreshed token back to ssosetup's cache"
    );

    // console: the role's credentials for a sign-in URL at the stand-in's
    // federation endpoint, printed with --no-browser.
    let console = Run::from(
        signin(&standin, &home, dir.path(), None)
            .env(
                "SSOSETUP_FEDERATION_ENDPOINT",
                format!("{}/federation", standin.url),
            )
            .args([
                "console",
                "--profile",
                "dev",
                "--no-browser",
                "--destination",
                "http://127.0.0.1:9/console/home",
            ])
            .output()
            .unwrap(),
    );
    console.assert_code(0);
    let url = console.stdout.trim();
    let issued = standin.ops("GetSigninToken");
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0]["error"], serde_json::Value::Null);
    let signin_token = issued[0]["signinToken"].as_str().unwrap();
    let parsed = url::Url::parse(url).unwrap();
    let q: std::collections::BTreeMap<String, String> = parsed.query_pairs().into_owned().collect();
    assert_eq!(q["Action"], "login");
    assert_eq!(q["SigninToken"], signin_token);
    assert_eq!(q["Destination"], "http://127.0.0.1:9/console/home");
    assert!(
        !console.stderr.contains(signin_token),
        "the token only on stdout"
    );
    // An endpoint that is not a URL is named; the role's secret never shows
    // (ureq's own error would have carried the whole query).
    let bad = Run::from(
        signin(&standin, &home, dir.path(), None)
            .env("SSOSETUP_FEDERATION_ENDPOINT", "/federation")
            .args(["console", "--profile", "dev", "--no-browser"])
            .output()
            .unwrap(),
    );
    bad.assert_code(1);
    assert!(
        bad.stderr
            .contains("SSOSETUP_FEDERATION_ENDPOINT \"/federation\" is not a URL"),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains("sessionKey") && bad.stdout.is_empty());
    // The stand-in takes the URL: a sign-in it issued, sent on to the console.
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let followed = Command::new(python)
        .args([
            "-c",
            "import sys, urllib.request\nclass No(urllib.request.HTTPRedirectHandler):\n    def redirect_request(self, *a): return None\ntry:\n    urllib.request.build_opener(No).open(sys.argv[1])\nexcept urllib.error.HTTPError as e:\n    print(e.code, e.headers['Location'])",
            url,
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&followed.stdout).trim(),
        "302 http://127.0.0.1:9/console/home"
    );
    let logins = standin.ops("Login");
    assert_eq!(logins[0]["error"], serde_json::Value::Null);
    assert_eq!(logins[0]["sessionId"], issued[0]["sessionId"]);

    // logout: the portal is told, the token leaves the cache, the client
    // registration stays; then nothing signs in until the next login.
    let token = cached(&home, "corp");
    let logout = run_signin(
        &standin,
        &home,
        dir.path(),
        &["logout", "--sso-session", "corp"],
    );
    logout.assert_code(0);
    let ended = standin.ops("Logout");
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["token"], token["accessToken"]);
    let left = cached(&home, "corp");
    assert!(
        left.get("accessToken").is_none() && left.get("refreshToken").is_none(),
        "{left}"
    );
    assert_eq!(left["clientId"], token["clientId"]);
    assert_no_secret(&token, &logout);
    let after_logout = run_signin(
        &standin,
        &home,
        dir.path(),
        &["credentials", "--profile", "dev"],
    );
    after_logout.assert_code(1);
    assert!(
        after_logout.stderr.contains("ssosetup login"),
        "{}",
        after_logout.stderr
    );
    let cli = aws_cli(
        &standin,
        &home,
        &dir.path().join("aws-config"),
        &moto,
        &["sts", "get-caller-identity", "--profile", "dev"],
    );
    assert_ne!(cli.code, 0, "botocore finds no token either");
    // status says so (the file still holds the registration, no token).
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        format!("region = \"us-east-1\"\n[cli]\nsession_name = \"corp\"\nuser = \"alice\"\nstart_url = \"{START_URL}\"\n"),
    )
    .unwrap();
    let status = Run::from(
        signin(&standin, &home, dir.path(), Some(&moto))
            .args(["status"])
            .output()
            .unwrap(),
    );
    assert!(
        status.stdout.contains(
            "Sign-in:     not signed in to corp: run `ssosetup login --sso-session corp`"
        ),
        "{}{}",
        status.stdout,
        status.stderr
    );
}

#[test]
fn a_callback_with_another_state_is_refused_and_nothing_is_cached() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let standin = StandIn::start(&["--authorize-wrong-state"]);
    // It does not end the wait (any page could send one): after the wait,
    // it is what the run reports.
    let r = Run::from(
        signin(&standin, &home, dir.path(), None)
            .env("BROWSER", browser(dir.path()))
            .env("SSOSETUP_LOGIN_WAIT", "3")
            .args(["login", "--sso-session", "corp"])
            .output()
            .unwrap(),
    );
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("came back with a state other than the one ssosetup sent"),
        "{}",
        r.stderr
    );
    assert!(
        standin.ops("CreateToken").is_empty(),
        "the code was never exchanged"
    );
    assert!(!cache_file(&home, "corp").exists());

    // Denied in the browser: AWS's error, as it sent it.
    let standin = StandIn::start(&["--authorize-deny"]);
    let r = browser_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp"],
    );
    r.assert_code(1);
    assert!(
        r.stderr.contains("AWS answered \"access_denied\"")
            && r.stderr.contains("The user denied the request"),
        "{}",
        r.stderr
    );
}

#[test]
fn with_no_browser_to_open_login_says_to_use_the_device_code() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("aws-config"), CONFIG).unwrap();
    let standin = StandIn::start(&[]);
    let r = Run::from(
        signin(&standin, &home, dir.path(), None)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("BROWSER")
            .args(["login", "--sso-session", "corp"])
            .output()
            .unwrap(),
    );
    r.assert_code(1);
    assert!(
        r.stderr.contains("ssosetup login --use-device-code"),
        "{}",
        r.stderr
    );
    assert!(standin.requests().is_empty(), "nothing was called");
    // --use-device-code prints the code itself, whatever the page shows.
    let r = run_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp", "--use-device-code"],
    );
    r.assert_code(0);
    let code = standin.ops("StartDeviceAuthorization");
    assert!(
        r.stderr.contains(&format!(
            "check that it shows the code {}",
            code[0]["userCode"].as_str().unwrap()
        )),
        "{}",
        r.stderr
    );
}

/// At a terminal without --profile, exec offers the SSO profiles, filtered
/// as the person types, with the accounts' names from the portal.
#[test]
fn exec_at_a_terminal_without_a_profile_lets_the_person_pick_one() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let config = format!(
        "{CONFIG}\n[profile prod]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\nregion = eu-west-1\n"
    );
    std::fs::write(dir.path().join("aws-config"), config).unwrap();
    let standin = StandIn::start(&[]);
    run_signin(
        &standin,
        &home,
        dir.path(),
        &["login", "--sso-session", "corp", "--no-browser"],
    )
    .assert_code(0);
    let out = dir.path().join("seen");
    let mut command = signin(&standin, &home, dir.path(), None);
    command
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            &format!("echo \"$AWS_REGION\" > {}", out.display()),
        ])
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let mut w = expectrl::session::Session::spawn(command).unwrap();
    w.set_expect_timeout(Some(Duration::from_secs(30)));
    w.expect("Which profile for exec?").unwrap();
    w.expect("ReadOnly").unwrap();
    w.send("prod").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    w.send("\r").unwrap();
    assert_eq!(crate::wizard::exit_code(&mut w), 0);
    assert_eq!(std::fs::read_to_string(&out).unwrap().trim(), "eu-west-1");
    let got = standin.ops("GetRoleCredentials");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["accountId"], "222222222222");
    assert_eq!(got[0]["roleName"], "ReadOnly");
    assert!(
        !standin.ops("ListAccounts").is_empty(),
        "names came from the portal"
    );
}
