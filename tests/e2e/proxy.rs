//! The fault-injecting proxy (tests/faultproxy.py) between ssosetup and
//! moto, started per test and stopped on drop.

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
    pub fn start(moto: &Moto, options: &[&str]) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.jsonl");
        let mut child = Command::new(root.join(".venv/bin/python"))
            .arg(root.join("tests/faultproxy.py"))
            .args(["--upstream", &moto.url, "--log"])
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
    }
}
