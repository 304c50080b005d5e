//! Names the commit ssosetup is built from, for `ssosetup --version`: from
//! git in a clone, from `.cargo_vcs_info.json` in a package from the
//! registry (cargo writes it when publishing), else "unknown". No
//! dependencies, and nothing but that one fact.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let commit = from_git()
        .or_else(from_package)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=SSOSETUP_COMMIT={commit}");
}

fn from_git() -> Option<String> {
    let git = Path::new(".git");
    if !git.exists() {
        return None;
    }
    // Rebuild when HEAD moves (a commit, a checkout).
    println!("cargo:rerun-if-changed=.git/HEAD");
    if let Ok(head) = std::fs::read_to_string(".git/HEAD") {
        if let Some(reference) = head.trim().strip_prefix("ref: ") {
            println!("cargo:rerun-if-changed=.git/{reference}");
        }
    }
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !sha.is_empty() && sha.chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(sha)
}

fn from_package() -> Option<String> {
    let text = std::fs::read_to_string(".cargo_vcs_info.json").ok()?;
    // {"git": {"sha1": "<40 hex>"}, ...}: the one field, found by hand.
    let at = text.find("\"sha1\"")?;
    let rest = &text[at + 6..];
    let start = rest.find('"')? + 1;
    let sha: String = rest[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (sha.len() >= 12).then(|| sha[..12].to_string())
}
