//! Every day after setup: `login`, `credentials` and `exec` against the
//! sign-in stand-in (tests/ssostandin.py: sso-oidc and the SSO portal, which
//! moto lacks), and the real consumer of what they write: the AWS CLI signs
//! in through ssosetup's token cache, and through a legacy profile's
//! credential_process, with moto answering STS.

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
        "To sign in to {START_URL}, open this page and check that it shows the code "
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
