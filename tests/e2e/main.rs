//! End-to-end tests: the real `ssosetup` binary against a moto server that
//! each test starts for itself. Assertions are on what moto holds afterwards
//! (read back through the SDK) and on the requests moto received, never on
//! what the tool printed about itself alone.

// A test's panic is its failure message; starting stand-ins and signalling
// processes needs the OS's own calls.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    unsafe_code
)]

mod access;
mod adopt;
mod bad_input;
mod bench;
mod cleanup;
mod cli;
mod cli_profiles;
mod delegated;
mod export;
mod moto;
mod org_keys;
mod organization;
mod ous;
mod plan_output;
mod proxy;
mod resilience;
mod resources;
mod signin;
mod trust;
mod wizard;

use std::path::Path;
use std::process::{Command, Output, Stdio};

pub use moto::Moto;

/// One run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The binary with a clean, loopback-only AWS environment: dummy keys, the
/// moto endpoint, no profile files of the person running the tests, no
/// terminal.
pub fn ssosetup(moto: Option<&Moto>, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ssosetup"));
    command.current_dir(dir).stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
        .env("AWS_CONFIG_FILE", dir.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("aws-credentials"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", moto::REGION)
        .env("AWS_MAX_ATTEMPTS", "2")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1");
    match moto {
        Some(m) => command.env("AWS_ENDPOINT_URL", &m.url),
        // Nothing listens here: a test without moto must make no AWS call.
        None => command.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
    };
    command
}

pub fn run(moto: Option<&Moto>, dir: &Path, args: &[&str]) -> Run {
    Run::from(
        ssosetup(moto, dir)
            .args(args)
            .output()
            .expect("the ssosetup binary runs"),
    )
}
