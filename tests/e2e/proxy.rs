//! The fault-injecting proxy (tests/faultproxy.py) between ssosetup and
//! moto, started per test and stopped on drop. It always checks each
//! request against AWS's own service model (botocore's, in the venv) and
//! refuses, as AWS would, one that AWS would refuse; moto alone accepts
//! them.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::Moto;

pub struct FaultProxy {
    child: Child,
    pub url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl FaultProxy {
    /// A proxy in front of this test's moto, with `options` (faults, AWS's
    /// rates) and the model check.
    pub fn start(moto: &Moto, options: &[&str]) -> Self {
        Self::start_upstream(&moto.direct_url, options)
    }

    /// A proxy in front of `upstream` that checks every request against
    /// AWS's model, with `options`.
    pub fn start_upstream(upstream: &str, options: &[&str]) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.jsonl");
        let mut child = Command::new(root.join(".venv/bin/python"))
            .arg(root.join("tests/faultproxy.py"))
            .args(["--upstream", upstream, "--validate", "--log"])
            .arg(&log)
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the fault proxy starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port = first
            .trim()
            .strip_prefix("PORT ")
            .expect("the proxy says its port")
            .to_string();
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    /// (operation, fault) of every request so far.
    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                (
                    v["op"].as_str().unwrap_or("").to_string(),
                    v["fault"].as_str().map(str::to_string),
                )
            })
            .collect()
    }

    /// Every request's operation and when the proxy decided its answer
    /// (Unix seconds), in order: where a run's time went.
    pub fn request_times(&self) -> Vec<(String, f64)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                (
                    v["op"].as_str().unwrap_or("").to_string(),
                    v["at"].as_f64().unwrap_or(0.0),
                )
            })
            .collect()
    }

    /// Requests AWS would have refused: (operation, why).
    pub fn invalid(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["fault"] == "invalid" || v.get("validate_error").is_some())
            .map(|v| {
                (
                    v["op"].as_str().unwrap_or("").to_string(),
                    v["why"]
                        .as_str()
                        .or(v["validate_error"].as_str())
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    }

    /// How many requests met each fault.
    pub fn faults(&self) -> BTreeMap<String, usize> {
        let mut h = BTreeMap::new();
        for (_, fault) in self.requests() {
            if let Some(f) = fault {
                *h.entry(f).or_insert(0) += 1;
            }
        }
        h
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A request AWS would refuse fails the test, even one whose refusal
        // the tool then handled.
        let invalid = self.invalid();
        if !invalid.is_empty() && !std::thread::panicking() {
            panic!(
                "requests AWS would have refused (checked against its service model): {invalid:#?}"
            );
        }
    }
}

/// The harness itself: a request AWS would refuse (moto accepts it) is
/// refused at the proxy as AWS would, and fails the test that sent it.
#[tokio::test]
#[should_panic(expected = "requests AWS would have refused")]
async fn a_request_aws_would_refuse_fails_the_test() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let instance = sso.list_instances().send().await.unwrap().instances()[0]
        .instance_arn()
        .unwrap()
        .to_string();
    let refused = sso
        .create_permission_set()
        .instance_arn(&instance)
        .name("Admin Access") // AWS's pattern has no spaces
        .session_duration("PT1H")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&refused),
        Some("ValidationException")
    );
    drop(moto);
}
