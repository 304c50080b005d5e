//! A moto server per test: a free loopback port, the request recorder on,
//! and stopped when dropped (also when the test panics; and, through
//! PR_SET_PDEATHSIG, when the test process dies).

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use base64::Engine;

use crate::proxy::FaultProxy;

/// The account moto answers as.
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

pub struct Moto {
    /// Through the model-checking proxy: what the tool and the tests use.
    pub url: String,
    /// moto itself, for proxies that add faults in front of it.
    pub direct_url: String,
    // Dropped first: its check runs while moto still answers.
    validator: FaultProxy,
    child: Child,
    recording: PathBuf,
    _dir: tempfile::TempDir,
}

fn venv_python() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        path.exists(),
        "{} is missing: run ./scripts/test, which creates the virtualenv with moto",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Moto {
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// moto for organizations of thousands of accounts: only the account
    /// ssosetup runs as has AWS's managed policies (`tests/moto_lean.py`
    /// says why); everything else is as [`Moto::start`].
    pub fn start_lean() -> Self {
        Self::start_with(true)
    }

    fn start_with(lean: bool) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let recording = dir.path().join("requests.jsonl");
        for _attempt in 0..3 {
            let port = free_port();
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let mut command = match (lean, std::env::var_os("SSOSETUP_MOTO_SERVER")) {
                (false, Some(server)) => Command::new(server),
                _ => {
                    // moto, mended where it answers otherwise than AWS
                    // (tests/moto_as_aws.py says where).
                    let mut c = Command::new(venv_python());
                    c.arg(root.join(if lean {
                        "tests/moto_lean.py"
                    } else {
                        "tests/moto_as_aws.py"
                    }));
                    c
                }
            };
            command
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_ENABLE_RECORDING", "true")
                // AWS managed policies exist only with this (attaching one needs it to exist).
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                .env("MOTO_RECORDER_FILEPATH", &recording)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let mut child = command.spawn().expect("moto_server starts");
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    let direct_url = format!("http://127.0.0.1:{port}");
                    let validator = FaultProxy::start_upstream(&direct_url, &[]);
                    return Self {
                        url: validator.url.clone(),
                        direct_url,
                        validator,
                        child,
                        recording,
                        _dir: dir,
                    };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // the port was taken meanwhile: try another
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto_server did not start");
    }

    /// The operations moto received since the last [`Moto::forget_requests`],
    /// in order, e.g. `CreateOrganization`.
    pub fn requests(&self) -> Vec<String> {
        let Ok(file) = std::fs::File::open(&self.recording) else {
            return Vec::new();
        };
        BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter(|l| !l.trim().is_empty())
            .filter_map(|line| operation_of(&serde_json::from_str(&line).ok()?))
            .collect()
    }

    /// The access key id each request since the last
    /// [`Moto::forget_requests`] was signed with, in order.
    pub fn access_keys(&self) -> Vec<String> {
        let Ok(text) = std::fs::read_to_string(&self.recording) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|entry| {
                let headers = entry.get("headers")?.as_object()?;
                let auth = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))?
                    .1
                    .as_str()?;
                let credential = auth.split("Credential=").nth(1)?;
                Some(credential.split('/').next()?.to_string())
            })
            .collect()
    }

    /// Requests that change something (everything but List/Describe/Get).
    pub fn writes(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|op| {
                !["List", "Describe", "Get"]
                    .iter()
                    .any(|p| op.starts_with(p))
            })
            .collect()
    }

    /// (operation, fault) of every request the model-checking proxy in
    /// front of this moto saw: refusals it made as AWS would ("denied",
    /// "invalid") included, which moto never sees.
    pub fn proxy_requests(&self) -> Vec<(String, Option<String>)> {
        self.validator.requests()
    }

    pub fn forget_requests(&self) {
        std::fs::write(&self.recording, "").expect("truncate the recording");
    }

    /// An SDK configuration for reading state back from this server.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }
}

/// The operation name of one recorded request: `X-Amz-Target` for JSON
/// protocols (sso-admin, identitystore, organizations), `Action=` in the
/// form body for query protocols (IAM, STS).
fn operation_of(entry: &serde_json::Value) -> Option<String> {
    let headers = entry.get("headers")?.as_object()?;
    let target = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
        .and_then(|(_, v)| v.as_str());
    if let Some(target) = target {
        return target.rsplit('.').next().map(str::to_string);
    }
    let body = entry.get("body")?.as_str()?;
    let body = if entry.get("body_encoded").and_then(|v| v.as_bool()) == Some(true) {
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .ok()?,
        )
        .ok()?
    } else {
        body.to_string()
    };
    body.split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(str::to_string)
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
