//! The token cache the AWS CLI v2 and the SDKs share:
//! `~/.aws/sso/cache/<sha1 of the session name>.json` (for a profile of
//! the older kind, of the start URL), mode 0600, written atomically. Fields
//! another tool wrote and ssosetup does not use are kept as they were.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::error::UserError;

/// One cached sign-in. Never `Debug`-printed with its secrets.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CachedToken {
    pub start_url: String,
    pub region: String,
    /// Empty after `logout` (which keeps the client registration).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub access_token: String,
    /// RFC 3339, UTC (`...Z`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// What other tools keep here.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("start_url", &self.start_url)
            .field("region", &self.region)
            .field("expires_at", &self.expires_at)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

/// An RFC 3339 time as the cache writes it (UTC, whole seconds, `Z`).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// A cache time (with `Z` or an offset of zero; fractions allowed).
pub(crate) fn parse_time(s: &str) -> Option<SystemTime> {
    let utc = s
        .strip_suffix("+00:00")
        .map(|t| format!("{t}Z"))
        .unwrap_or_else(|| s.to_string());
    humantime::parse_rfc3339_weak(utc.trim_end_matches('Z')).ok()
}

impl CachedToken {
    /// When the access token expires (`None`: unreadable, so expired).
    pub(crate) fn expires(&self) -> Option<SystemTime> {
        parse_time(&self.expires_at)
    }

    /// Whether the access token is good for at least `margin` more.
    pub(crate) fn valid_for(&self, margin: Duration) -> bool {
        self.expires()
            .is_some_and(|at| at > SystemTime::now() + margin)
    }

    /// The client registration, when it is there and good for `margin`.
    pub(crate) fn registration(
        &self,
        margin: Duration,
    ) -> Option<crate::aws::signin::Registration> {
        let expires = self
            .registration_expires_at
            .as_deref()
            .and_then(parse_time)?;
        if expires <= SystemTime::now() + margin {
            return None;
        }
        Some(crate::aws::signin::Registration {
            client_id: self.client_id.clone()?,
            client_secret: self.client_secret.clone()?,
            expires_at: expires
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        })
    }
}

/// `~/.aws/sso/cache`.
pub(crate) fn dir() -> Result<PathBuf, UserError> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| Path::new(&h).join(".aws").join("sso").join("cache"))
        .ok_or_else(|| {
            UserError::new("cannot find the SSO token cache: HOME is not set")
                .hint("set HOME to your home directory")
        })
}

/// The cache file of session `key` (its name, or a start URL).
pub(crate) fn path(key: &str) -> Result<PathBuf, UserError> {
    Ok(dir()?.join(file_name(key)))
}

/// `<sha1 of key, hex>.json`. Pure.
fn file_name(key: &str) -> String {
    let hex: String = Sha1::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{hex}.json")
}

/// The cached token of session `key`, if there is one that can be read.
/// A file that is not a token is reported (by its path, never its text).
pub(crate) fn read(key: &str) -> Result<Option<CachedToken>, UserError> {
    let path = path(key)?;
    let text = match crate::files::read_text(&path, 64 * 1024) {
        Ok(t) => t,
        Err(crate::files::ReadError::Missing) => return Ok(None),
        Err(e) => {
            return Err(UserError::new(format!(
                "cannot read the SSO token cache {}",
                path.display()
            ))
            .caused_by(e.to_string()))
        }
    };
    // A token others can read is a token others can use.
    if crate::files::restrict_to_owner(&path).unwrap_or(false) {
        tracing::warn!(
            "{} could be read by other users of this machine: it is now readable by you alone (mode 0600)",
            path.display()
        );
    }
    serde_json::from_str(&text).map(Some).map_err(|e| {
        UserError::new(format!("{} is not an SSO token", path.display()))
            .caused_by(format!("line {}, column {}", e.line(), e.column()))
            .hint("sign in again (`ssosetup login`); the file is then replaced")
    })
}

/// Holds the token cache's refresh lock while alive.
pub(crate) struct RefreshLock(#[allow(dead_code)] Option<std::fs::File>);

/// Waits (at most `wait`) until no other ssosetup refreshes a token, so that
/// eight `credential_process` runs started together make one refresh and
/// the other seven read its result, as the SDKs serialise it within a
/// process. The lock is on the cache directory itself (no file of ours
/// beside the AWS CLI's). Past `wait`, or where the directory cannot be
/// locked, the refresh goes ahead alone: a refresh twice is waste, not harm.
pub(crate) fn refresh_lock(wait: Duration) -> RefreshLock {
    let Ok(dir) = dir() else {
        return RefreshLock(None);
    };
    let Ok(file) = std::fs::File::open(&dir) else {
        return RefreshLock(None);
    };
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return RefreshLock(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(_) => {
                tracing::warn!(
                    "the SSO token cache {} stayed locked by another refresh: refreshing anyway",
                    dir.display()
                );
                return RefreshLock(None);
            }
        }
    }
}

/// Writes the token of session `key`: 0600, atomically, and never through
/// a symlink (refused, naming the path).
pub(crate) fn write(key: &str, token: &CachedToken) -> anyhow::Result<PathBuf> {
    let path = path(key)?;
    let text = serde_json::to_string_pretty(token)?;
    crate::files::write_token(&path, text.as_bytes()).map_err(|e| {
        UserError::new(format!(
            "cannot write the SSO token cache {}",
            path.display()
        ))
        .caused_by(e.to_string())
        .hint("nothing was written; fix the file named above and sign in again")
        .into()
    })
}

/// Signs the cache entry of `key` out: the access and refresh tokens are
/// removed; the client registration, which the next login reuses, stays
/// (the file is removed when nothing else is in it). The path, when there
/// was a file.
pub(crate) fn sign_out(key: &str, mut token: CachedToken) -> anyhow::Result<PathBuf> {
    let path = path(key)?;
    token.access_token.clear();
    token.expires_at.clear();
    token.refresh_token = None;
    if token.client_id.is_none() && token.other.is_empty() {
        std::fs::remove_file(&path).map_err(|e| {
            UserError::new(format!(
                "cannot remove the SSO token cache {}",
                path.display()
            ))
            .caused_by(e.to_string())
        })?;
        return Ok(path);
    }
    write(key, &token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_named_as_the_aws_cli_names_it() {
        // botocore: the sha1 of the session name, in hex.
        assert_eq!(
            file_name("my-sso"),
            "0ad374308c5a4e22f723adf10145eafad7c4031c.json"
        );
    }

    #[test]
    fn times_read_with_z_or_a_zero_offset_and_are_written_with_z() {
        let t = parse_time("2026-12-01T05:00:00Z").unwrap();
        assert_eq!(parse_time("2026-12-01T05:00:00+00:00"), Some(t));
        assert_eq!(parse_time("2026-12-01T05:00:00.000Z"), Some(t));
        assert_eq!(rfc3339(t), "2026-12-01T05:00:00Z");
        assert_eq!(parse_time("tomorrow"), None);
    }

    #[test]
    fn debug_never_shows_a_secret_and_unknown_fields_are_kept() {
        let token: CachedToken = serde_json::from_str(
            r#"{"startUrl":"https://x/start","region":"us-east-1","accessToken":"SECRET-A","expiresAt":"2026-12-01T05:00:00Z","clientSecret":"SECRET-C","refreshToken":"SECRET-R","someoneElses":1}"#,
        )
        .unwrap();
        let shown = format!("{token:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        let back = serde_json::to_string(&token).unwrap();
        assert!(back.contains("\"someoneElses\":1"), "{back}");
    }
}
