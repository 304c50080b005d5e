//! IAM: the root user's facts, legacy IAM users and everything attached to
//! them, member accounts' root credentials, and what a restore grants.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::plural;

/// `GetAccountSummary`'s facts about the calling account's root user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct RootSummary {
    pub access_keys: bool,
    pub mfa: bool,
    pub password: bool,
    pub signing_certificates: bool,
}

/// The credential report: one row per user (the root user's is
/// `<root_account>`), columns by their header names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct CredentialReport {
    pub generated: Option<String>,
    pub rows: Vec<BTreeMap<String, String>>,
}

impl CredentialReport {
    pub(crate) fn parse(generated: Option<String>, csv_text: &[u8]) -> Result<Self, String> {
        let mut reader = csv::Reader::from_reader(csv_text);
        let header = reader.headers().map_err(|e| e.to_string())?.clone();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| e.to_string())?;
            rows.push(
                header
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect(),
            );
        }
        Ok(Self { generated, rows })
    }

    pub(crate) fn row(&self, user: &str) -> Option<&BTreeMap<String, String>> {
        self.rows
            .iter()
            .find(|r| r.get("user").map(String::as_str) == Some(user))
    }

    /// The root user's row.
    pub(crate) fn root(&self) -> Option<&BTreeMap<String, String>> {
        self.row("<root_account>")
    }
}

/// An IAM user as `ListUsers` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct UserSummary {
    pub user_name: String,
    pub arn: String,
    pub path: String,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub password_last_used: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct AccessKey {
    pub id: String,
    pub status: String,
    pub created: Option<String>,
    pub last_used: Option<String>,
    pub last_used_service: Option<String>,
    pub last_used_region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct MfaDevice {
    pub serial: String,
    /// A virtual device (an authenticator app) is its own IAM resource and
    /// is deleted after it is deactivated.
    pub virtual_device: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct InlinePolicy {
    pub name: String,
    pub document: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct PublicKey {
    pub id: String,
    pub status: String,
    /// The public part (not a secret): restore can upload it again.
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct ServiceCredential {
    pub id: String,
    pub service: String,
    pub service_user_name: String,
    pub status: String,
}

/// Everything about one IAM user that deleting it removes, and that
/// restoring it needs (secrets excepted: AWS never shows them again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct IamUser {
    pub user_name: String,
    pub user_id: String,
    pub arn: String,
    pub path: String,
    pub created: Option<String>,
    pub console_password: bool,
    pub password_last_used: Option<String>,
    pub access_keys: Vec<AccessKey>,
    pub mfa_devices: Vec<MfaDevice>,
    pub groups: Vec<String>,
    pub attached_policies: Vec<String>,
    pub inline_policies: Vec<InlinePolicy>,
    pub tags: BTreeMap<String, String>,
    pub permissions_boundary: Option<String>,
    pub ssh_public_keys: Vec<PublicKey>,
    pub signing_certificates: Vec<PublicKey>,
    /// `None`: the endpoint cannot list them (a local stand-in).
    pub service_specific_credentials: Option<Vec<ServiceCredential>>,
}

impl IamUser {
    /// The dependents `DeleteUser` needs gone first, for people, in the
    /// order they are removed. Empty when only the user itself is left.
    pub(crate) fn dependents(&self) -> Vec<String> {
        let mut d = Vec::new();
        if self.console_password {
            d.push("console password".to_string());
        }
        let mut count = |n: usize, what: &str| {
            if n > 0 {
                d.push(format!("{n} {what}{}", plural(n)));
            }
        };
        count(self.access_keys.len(), "access key");
        count(self.signing_certificates.len(), "signing certificate");
        count(self.ssh_public_keys.len(), "SSH public key");
        count(
            self.service_specific_credentials
                .as_ref()
                .map_or(0, Vec::len),
            "service-specific credential",
        );
        count(self.mfa_devices.len(), "MFA device");
        count(self.inline_policies.len(), "inline policy");
        count(self.attached_policies.len(), "attached policy");
        count(self.groups.len(), "group membership");
        d
    }

    /// The newest use of the password or an access key.
    pub(crate) fn last_activity(&self) -> Option<&str> {
        self.access_keys
            .iter()
            .filter_map(|k| k.last_used.as_deref())
            .chain(self.password_last_used.as_deref())
            .max()
    }
}

/// Something `DeleteUser` requires gone first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dependent {
    LoginProfile,
    AccessKey(String),
    SigningCertificate(String),
    SshPublicKey(String),
    ServiceCredential(String),
    Mfa(MfaDevice),
    InlinePolicy(String),
    AttachedPolicy(String),
    Group(String),
}

impl Dependent {
    /// Every dependent of `user`, in the order AWS requires them removed:
    /// credentials first, MFA after the keys, policies, then groups.
    pub(crate) fn all_of(user: &IamUser) -> Vec<Dependent> {
        let mut d = Vec::new();
        if user.console_password {
            d.push(Dependent::LoginProfile);
        }
        d.extend(
            user.access_keys
                .iter()
                .map(|k| Dependent::AccessKey(k.id.clone())),
        );
        d.extend(
            user.signing_certificates
                .iter()
                .map(|c| Dependent::SigningCertificate(c.id.clone())),
        );
        d.extend(
            user.ssh_public_keys
                .iter()
                .map(|k| Dependent::SshPublicKey(k.id.clone())),
        );
        d.extend(
            user.service_specific_credentials
                .iter()
                .flatten()
                .map(|c| Dependent::ServiceCredential(c.id.clone())),
        );
        d.extend(user.mfa_devices.iter().cloned().map(Dependent::Mfa));
        d.extend(
            user.inline_policies
                .iter()
                .map(|p| Dependent::InlinePolicy(p.name.clone())),
        );
        d.extend(
            user.attached_policies
                .iter()
                .map(|a| Dependent::AttachedPolicy(a.clone())),
        );
        d.extend(user.groups.iter().map(|g| Dependent::Group(g.clone())));
        d
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Dependent::LoginProfile => "console password".into(),
            Dependent::AccessKey(id) => format!("access key {id}"),
            Dependent::SigningCertificate(id) => format!("signing certificate {id}"),
            Dependent::SshPublicKey(id) => format!("SSH public key {id}"),
            Dependent::ServiceCredential(id) => format!("service-specific credential {id}"),
            Dependent::Mfa(d) => format!("MFA device {}", d.serial),
            Dependent::InlinePolicy(n) => format!("inline policy {n}"),
            Dependent::AttachedPolicy(a) => format!("attached policy {a}"),
            Dependent::Group(g) => format!("membership of group {g}"),
        }
    }
}

/// A member account's root credentials, as an audit session lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct MemberRoot {
    pub access_keys: Vec<String>,
    pub signing_certificates: Vec<String>,
    pub password: bool,
    pub mfa_devices: Vec<MfaDevice>,
}

impl MemberRoot {
    /// What would be removed; the password and MFA only when `login`.
    pub(crate) fn removable(&self, login: bool) -> Vec<String> {
        let mut what = Vec::new();
        let n = self.access_keys.len();
        if n > 0 {
            what.push(format!("{n} access key{}", plural(n)));
        }
        let n = self.signing_certificates.len();
        if n > 0 {
            what.push(format!("{n} signing certificate{}", plural(n)));
        }
        if login && self.password {
            what.push("password".to_string());
        }
        let n = self.mfa_devices.len();
        if login && n > 0 {
            what.push(format!("{n} MFA device{}", plural(n)));
        }
        what
    }
}

/// One thing a restore gives the user back, for the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Grant {
    /// e.g. `managed policy arn:aws:iam::aws:policy/ReadOnlyAccess`.
    pub what: String,
    /// Administrator-equivalent: confirmed on its own, never by `--yes`.
    pub admin: bool,
}

/// An IAM user's long-lived credentials, as the organization-wide
/// inventory reads them in a member account (a few calls a user; the
/// users a run deletes are read whole, as [`IamUser`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct KeyHolder {
    pub user_name: String,
    pub arn: String,
    pub created: Option<String>,
    pub console_password: bool,
    pub password_last_used: Option<String>,
    pub access_keys: Vec<AccessKey>,
    pub mfa_devices: usize,
}

impl From<&IamUser> for KeyHolder {
    fn from(u: &IamUser) -> Self {
        Self {
            user_name: u.user_name.clone(),
            arn: u.arn.clone(),
            created: u.created.clone(),
            console_password: u.console_password,
            password_last_used: u.password_last_used.clone(),
            access_keys: u.access_keys.clone(),
            mfa_devices: u.mfa_devices.len(),
        }
    }
}

impl KeyHolder {
    /// The newest use of the password or an access key.
    pub(crate) fn last_activity(&self) -> Option<&str> {
        self.access_keys
            .iter()
            .filter_map(|k| k.last_used.as_deref())
            .chain(self.password_last_used.as_deref())
            .max()
    }

    pub(crate) fn active_keys(&self) -> usize {
        self.access_keys
            .iter()
            .filter(|k| k.status == "Active")
            .count()
    }
}

/// How old a key may be, or how long unused, before it is flagged.
pub(crate) const KEY_AGE_DAYS: u64 = 90;

/// What the CIS AWS Foundations benchmark flags about an active access key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KeyFinding {
    /// CIS 1.14: not rotated for 90 days or more.
    NotRotated,
    /// CIS 1.12: not used for 90 days or more (never used counts from its
    /// creation).
    Unused,
}

impl KeyFinding {
    pub(crate) fn label(self) -> &'static str {
        match self {
            KeyFinding::NotRotated => "older than 90 days (CIS 1.14)",
            KeyFinding::Unused => "unused for 90 days (CIS 1.12)",
        }
    }

    pub(crate) fn short(self) -> &'static str {
        match self {
            KeyFinding::NotRotated => "old",
            KeyFinding::Unused => "unused",
        }
    }
}

/// An AWS time as IAM gives it (RFC 3339).
pub(crate) fn parse_time(t: &str) -> Option<std::time::SystemTime> {
    humantime::parse_rfc3339_weak(t).ok()
}

/// The findings about one key at `now`: none for a key that is off. Pure.
pub(crate) fn key_findings(key: &AccessKey, now: std::time::SystemTime) -> Vec<KeyFinding> {
    if key.status != "Active" {
        return Vec::new();
    }
    let limit = std::time::Duration::from_secs(KEY_AGE_DAYS * 24 * 3600);
    let older = |t: Option<&str>| {
        t.and_then(parse_time)
            .is_some_and(|t| now.duration_since(t).is_ok_and(|age| age >= limit))
    };
    let mut found = Vec::new();
    if older(key.created.as_deref()) {
        found.push(KeyFinding::NotRotated);
    }
    if older(key.last_used.as_deref().or(key.created.as_deref())) {
        found.push(KeyFinding::Unused);
    }
    found
}

#[cfg(test)]
mod key_tests {
    use super::*;

    fn key(status: &str, created: &str, last_used: Option<&str>) -> AccessKey {
        AccessKey {
            id: "AKIA1".into(),
            status: status.into(),
            created: Some(created.into()),
            last_used: last_used.map(str::to_string),
            last_used_service: None,
            last_used_region: None,
        }
    }

    #[test]
    fn keys_are_flagged_as_the_cis_benchmark_says() {
        let now = parse_time("2026-12-04T12:00:00Z").unwrap();
        assert_eq!(
            parse_time("2026-12-04T12:00:00.123Z"),
            parse_time("2026-12-04T12:00:00.123Z")
        );
        // Young and used: nothing.
        assert!(key_findings(
            &key(
                "Active",
                "2026-11-01T00:00:00Z",
                Some("2026-12-01T00:00:00Z")
            ),
            now
        )
        .is_empty());
        // Old, used yesterday: not rotated.
        assert_eq!(
            key_findings(
                &key(
                    "Active",
                    "2025-01-01T00:00:00Z",
                    Some("2026-12-03T00:00:00Z")
                ),
                now
            ),
            [KeyFinding::NotRotated]
        );
        // Old, never used: both.
        assert_eq!(
            key_findings(&key("Active", "2025-01-01T00:00:00Z", None), now),
            [KeyFinding::NotRotated, KeyFinding::Unused]
        );
        // Exactly 90 days counts; 89 does not.
        assert_eq!(
            key_findings(
                &key(
                    "Active",
                    "2026-09-05T12:00:00Z",
                    Some("2026-12-04T00:00:00Z")
                ),
                now
            ),
            [KeyFinding::NotRotated]
        );
        assert!(key_findings(
            &key(
                "Active",
                "2026-09-06T12:00:00Z",
                Some("2026-12-04T00:00:00Z")
            ),
            now
        )
        .is_empty());
        // A key that is off is not flagged.
        assert!(key_findings(&key("Inactive", "2020-01-01T00:00:00Z", None), now).is_empty());
    }
}

/// How a run reaches a member account's IAM users: the role it assumes
/// there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct MemberAccess {
    pub account: String,
    /// The account's name in the organization (may be empty).
    pub name: String,
    pub role_arn: String,
}

impl MemberAccess {
    /// `111122223333 (Prod)`.
    pub(crate) fn label(&self) -> String {
        if self.name.is_empty() {
            self.account.clone()
        } else {
            format!("{} ({})", self.account, self.name)
        }
    }
}
