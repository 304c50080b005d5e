//! The desired-state file (`ssosetup.toml`): parsing and validation.
//!
//! Validation runs before any AWS call and reports every problem at once, each
//! with its field path, the value found and what is allowed, so one edit can
//! fix them all. The schema is the contract in INTERFACE.md; a field this
//! file does not know is an error (a typo must not silently fall back to a
//! default).

use crate::model::plural;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::UserError;
pub(crate) use crate::model::CustomerManagedPolicy;

/// Largest inline policy a permission set accepts (AWS's limit).
const MAX_INLINE_POLICY_CHARS: usize = 32_768;

/// A config file larger than this is not a config file: refused unread.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// User names Identity Center reserves for itself.
const RESERVED_USER_NAMES: [&str; 2] = ["Administrator", "AWSAdministrators"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// The Identity Center home region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub organization: OrganizationConfig,
    /// Console-only settings the person confirmed (no API can read them).
    #[serde(default, skip_serializing_if = "AuthenticationConfig::is_default")]
    pub authentication: AuthenticationConfig,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_sets: Vec<PermissionSetConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignments: Vec<AssignmentConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli: Option<CliConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<CleanupConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrganizationConfig {
    /// Create an organization (all features) when the account has none.
    #[serde(default = "yes")]
    pub create: bool,
}

impl Default for OrganizationConfig {
    fn default() -> Self {
        Self { create: true }
    }
}

fn yes() -> bool {
    true
}

impl Config {
    /// The `[cleanup]` table, or its defaults when the file has none.
    pub(crate) fn cleanup(&self) -> CleanupConfig {
        self.cleanup.clone().unwrap_or_default()
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The `authentication` step is console-only; this records that the person
/// confirmed it, so later runs do not ask again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthenticationConfig {
    /// "Send email OTP" is on and MFA is set as the checklist says.
    #[serde(default)]
    pub confirmed: bool,
}

impl AuthenticationConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PermissionSetConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_state: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_managed_policies: Vec<CustomerManagedPolicy>,
    /// A path to a JSON policy document, relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_policy: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PermissionsBoundary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_policy_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_managed_policy: Option<CustomerManagedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignmentConfig {
    pub permission_set: String,
    pub accounts: Vec<String>,
    /// One group for every account; default: one group per account, named
    /// `<permission_set>-<account id>` as in the guide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserConfig {
    pub user_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CliConfig {
    pub session_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_names: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CleanupConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iam_users: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep_iam_users: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_dir: Option<PathBuf>,
    #[serde(default = "yes")]
    pub root_access_keys: bool,
    /// Centralized root access for member accounts: `true` enables it and
    /// removes member accounts' root access keys and signing certificates;
    /// `false` leaves it off; unset: not decided (the wizard asks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centralized_root_access: Option<bool>,
    /// Also delete member accounts' root passwords and root MFA devices.
    #[serde(default, skip_serializing_if = "is_false")]
    pub delete_member_root_passwords: bool,
    /// The person confirmed the console-only Billing access setting.
    #[serde(default, skip_serializing_if = "is_false")]
    pub billing_access_confirmed: bool,
}

impl Default for CleanupConfig {
    fn default() -> Self {
        Self {
            iam_users: Vec::new(),
            keep_iam_users: Vec::new(),
            backup_dir: None,
            root_access_keys: true,
            centralized_root_access: None,
            delete_member_root_passwords: false,
            billing_access_confirmed: false,
        }
    }
}

impl CleanupConfig {
    /// Where backups of deleted IAM users go, relative to the config file.
    pub(crate) fn backup_dir(&self, base: &Path) -> PathBuf {
        base.join(
            self.backup_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("ssosetup-backups")),
        )
    }

    /// Whether `user` is named for deletion (IAM user names ignore case).
    pub(crate) fn deletes(&self, user: &str) -> bool {
        self.iam_users.iter().any(|n| n.eq_ignore_ascii_case(user))
    }

    pub(crate) fn keeps(&self, user: &str) -> bool {
        self.keep_iam_users
            .iter()
            .any(|n| n.eq_ignore_ascii_case(user))
    }
}

/// One thing wrong with the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigProblem {
    /// Where, e.g. `permission_sets[0].session_duration`.
    pub path: String,
    /// What was found, rendered as it would be written in TOML.
    pub value: String,
    /// What is allowed instead.
    pub allowed: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: {}", self.path, self.value, self.allowed)
    }
}

/// A config file that was read, parsed and validated.
#[derive(Debug, Clone)]
pub(crate) struct LoadedConfig {
    pub config: Config,
    /// The file it came from, or where it would be written.
    pub path: PathBuf,
    /// False when no file existed and defaults are in use.
    pub from_file: bool,
}

impl LoadedConfig {
    /// Loads `path`. A missing file is fine unless it was named explicitly:
    /// read-only commands and the wizard work without one.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self, UserError> {
        let explicit = path.is_some();
        let path = path
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("ssosetup.toml"));
        let text = match crate::files::read_text(&path, MAX_CONFIG_BYTES) {
            Ok(text) => text,
            Err(crate::files::ReadError::Missing) if !explicit => {
                return Ok(Self {
                    config: Config::default(),
                    path,
                    from_file: false,
                })
            }
            Err(e) => {
                return Err(UserError::new(format!(
                    "cannot read the config file {}",
                    path.display()
                ))
                .caused_by(e.to_string())
                .hint("pass an existing file with --config FILE, or leave --config out to start from defaults"))
            }
        };
        let config = parse(&text).map_err(|e| {
            UserError::new(format!(
                "the config file {} is not valid TOML for ssosetup",
                path.display()
            ))
            .caused_by(e)
            .hint("the file format is described in README.md (section \"The config file\") and examples/ssosetup.toml")
        })?;
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let problems = validate(&config, base_dir);
        if !problems.is_empty() {
            return Err(invalid_config_error(&path, &problems));
        }
        Ok(Self {
            config,
            path,
            from_file: true,
        })
    }
}

impl LoadedConfig {
    /// Writes the config back (a temporary file, then rename), after
    /// checking it, so the file is always a valid replay of the answers.
    pub(crate) fn save(&mut self) -> anyhow::Result<()> {
        use anyhow::Context;
        let problems = validate(&self.config, self.base_dir());
        if !problems.is_empty() {
            return Err(invalid_config_error(&self.path, &problems).into());
        }
        let text = format!(
            "# ssosetup's desired state: written by `ssosetup init` from your answers.\n# Replay it with `ssosetup init --config {} --yes`.\n\n{}",
            self.path.display(),
            toml::to_string(&self.config)?
        );
        // Through a symlink (dotfiles), atomically, keeping the file's mode.
        crate::files::write_atomically(&self.path, text.as_bytes(), 0o600)
            .with_context(|| format!("cannot write the config file {}", self.path.display()))?;
        self.from_file = true;
        Ok(())
    }

    /// The directory relative paths in the config are resolved against.
    pub(crate) fn base_dir(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }
}

pub(crate) fn invalid_config_error(path: &Path, problems: &[ConfigProblem]) -> UserError {
    let mut error = UserError::new(format!(
        "the config file {} has {} problem{}; nothing was changed",
        path.display(),
        problems.len(),
        plural(problems.len())
    ));
    for p in problems {
        error = error.caused_by(p.to_string());
    }
    error.hint("fix each field named above and run the command again")
}

/// Parses the TOML. An error names its line and column and quotes at most
/// a short excerpt of the line (toml's own message would repeat the whole
/// line, however long).
pub(crate) fn parse(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end();
        let Some(span) = e.span() else {
            return message.to_string();
        };
        let start = span.start.min(text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..start].chars().count() + 1;
        let line_text = text[line_start..].lines().next().unwrap_or("");
        format!(
            "line {line}, column {column}: {message} (the line: {})",
            crate::error::excerpt(line_text)
        )
    })
}

impl UserConfig {
    pub(crate) fn display_name_or_default(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", self.given_name, self.family_name))
    }
}

/// Renders a value for a problem report the way TOML would show it.
/// At most a short, escaped excerpt of a long or odd value.
fn shown(value: &str) -> String {
    crate::error::excerpt(value)
}

/// Collects problems with their paths; keeps `validate` readable.
struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn add(
        &mut self,
        path: impl Into<String>,
        value: impl Into<String>,
        allowed: impl Into<String>,
    ) {
        self.0.push(ConfigProblem {
            path: path.into(),
            value: value.into(),
            allowed: allowed.into(),
        });
    }
}

/// Checks every field; returns every problem found (empty = valid).
/// `base_dir` is where relative file paths (inline policies) are resolved.
pub(crate) fn validate(config: &Config, base_dir: &Path) -> Vec<ConfigProblem> {
    let mut p = Problems(Vec::new());

    if let Some(region) = &config.region {
        if !is_region(region) {
            p.add(
                "region",
                shown(region),
                "an AWS region name such as \"us-east-1\" or \"ap-southeast-1\"",
            );
        }
    }

    let mut ps_names = BTreeSet::new();
    for (i, ps) in config.permission_sets.iter().enumerate() {
        let at = format!("permission_sets[{i}]");
        if !is_aws_name(&ps.name, 32) {
            p.add(
                format!("{at}.name"),
                shown(&ps.name),
                "1 to 32 characters: letters, digits and + = , . @ - _",
            );
        } else if !ps_names.insert(ps.name.as_str()) {
            p.add(
                format!("{at}.name"),
                shown(&ps.name),
                "a name not used by another permission set in this file",
            );
        }
        if let Some(d) = &ps.description {
            if d.is_empty() || d.chars().count() > 700 {
                p.add(
                    format!("{at}.description"),
                    shown(d),
                    "1 to 700 characters (or leave the field out)",
                );
            }
        }
        if let Some(d) = &ps.session_duration {
            if session_duration_seconds(d).is_none() {
                p.add(
                    format!("{at}.session_duration"),
                    shown(d),
                    "an ISO-8601 duration from PT1H to PT12H, such as \"PT4H\" or \"PT1H30M\"",
                );
            }
        }
        if let Some(r) = &ps.relay_state {
            if r.is_empty() || r.chars().count() > 240 || !r.starts_with("https://") {
                p.add(
                    format!("{at}.relay_state"),
                    shown(r),
                    "an https:// URL of 1 to 240 characters (or leave the field out)",
                );
            }
        }
        let mut seen = BTreeSet::new();
        for (j, arn) in ps.managed_policies.iter().enumerate() {
            if !is_aws_managed_policy_arn(arn) {
                p.add(format!("{at}.managed_policies[{j}]"), shown(arn), "an AWS managed policy ARN such as \"arn:aws:iam::aws:policy/AdministratorAccess\" (your own policies go in customer_managed_policies)");
            } else if !seen.insert(arn.as_str()) {
                p.add(
                    format!("{at}.managed_policies[{j}]"),
                    shown(arn),
                    "each policy once",
                );
            }
        }
        for (j, cmp) in ps.customer_managed_policies.iter().enumerate() {
            check_customer_policy(&mut p, &format!("{at}.customer_managed_policies[{j}]"), cmp);
        }
        if let Some(file) = &ps.inline_policy {
            if let Err(why) = read_inline_policy(base_dir, file) {
                p.add(
                    format!("{at}.inline_policy"),
                    shown(&file.display().to_string()),
                    why,
                );
            }
        }
        if let Some(b) = &ps.permissions_boundary {
            let bat = format!("{at}.permissions_boundary");
            match (&b.managed_policy_arn, &b.customer_managed_policy) {
                (Some(arn), None) => {
                    if !is_aws_managed_policy_arn(arn) {
                        p.add(format!("{bat}.managed_policy_arn"), shown(arn), "an AWS managed policy ARN such as \"arn:aws:iam::aws:policy/PowerUserAccess\"");
                    }
                }
                (None, Some(cmp)) => {
                    check_customer_policy(&mut p, &format!("{bat}.customer_managed_policy"), cmp)
                }
                _ => p.add(
                    bat,
                    "{...}",
                    "exactly one of managed_policy_arn or customer_managed_policy = { name, path }",
                ),
            }
        }
    }

    let groups = AssignmentGroups::of(config);
    for (i, a) in config.assignments.iter().enumerate() {
        let at = format!("assignments[{i}]");
        if !ps_names.contains(a.permission_set.as_str()) {
            let allowed = if ps_names.is_empty() {
                "the name of a permission set defined in [[permission_sets]] (none are defined yet)"
                    .to_string()
            } else {
                format!(
                    "one of the permission sets defined in this file: {}",
                    join_quoted(ps_names.iter())
                )
            };
            p.add(
                format!("{at}.permission_set"),
                shown(&a.permission_set),
                allowed,
            );
        }
        if a.accounts.is_empty() {
            p.add(
                format!("{at}.accounts"),
                "[]",
                "at least one 12-digit account id, \"management\" or \"all\"",
            );
        }
        let mut seen = BTreeSet::new();
        for (j, acct) in a.accounts.iter().enumerate() {
            if !(is_account_id(acct) || acct == "management" || acct == "all") {
                p.add(
                    format!("{at}.accounts[{j}]"),
                    shown(acct),
                    "a 12-digit account id, \"management\" or \"all\"",
                );
            } else if !seen.insert(acct.as_str()) {
                p.add(
                    format!("{at}.accounts[{j}]"),
                    shown(acct),
                    "each account once",
                );
            }
        }
        if let Some(g) = a.group.as_ref().filter(|g| !is_group_name(g)) {
            p.add(
                format!("{at}.group"),
                shown(g),
                "1 to 1024 characters with no leading or trailing space",
            );
        }
    }

    let mut user_names = BTreeMap::new();
    let mut emails = BTreeMap::new();
    for (i, u) in config.users.iter().enumerate() {
        let at = format!("users[{i}]");
        if let Err(why) = check_user_name(&u.user_name) {
            p.add(format!("{at}.user_name"), shown(&u.user_name), why);
        } else if let Some(first) = user_names.insert(u.user_name.to_lowercase(), i) {
            p.add(
                format!("{at}.user_name"),
                shown(&u.user_name),
                format!("a user name not already used by users[{first}]"),
            );
        }
        for (field, value) in [
            ("given_name", &u.given_name),
            ("family_name", &u.family_name),
        ] {
            if value.trim().is_empty() || value.chars().count() > 1024 {
                p.add(
                    format!("{at}.{field}"),
                    shown(value),
                    "1 to 1024 characters, not only spaces",
                );
            }
        }
        if let Some(d) = &u.display_name {
            if d.trim().is_empty() || d.chars().count() > 1024 {
                p.add(
                    format!("{at}.display_name"),
                    shown(d),
                    "1 to 1024 characters (or leave it out for \"given family\")",
                );
            }
        }
        if let Err(why) = check_email(&u.email) {
            p.add(format!("{at}.email"), shown(&u.email), why);
        } else if let Some(first) = emails.insert(u.email.to_lowercase(), i) {
            p.add(format!("{at}.email"), shown(&u.email), format!("an email not already used by users[{first}] (Identity Center emails are unique)"));
        }
        for (j, g) in u.groups.iter().enumerate() {
            if !groups.contains(g) {
                let known_groups = &groups.named;
                let allowed = if known_groups.is_empty() {
                    "a group of an [[assignments]] entry: its `group`, or \"<permission_set>-<account id>\" (no assignments are defined yet)".to_string()
                } else {
                    format!(
                        "a group of an [[assignments]] entry: {}",
                        join_quoted(known_groups.iter())
                    )
                };
                p.add(format!("{at}.groups[{j}]"), shown(g), allowed);
            }
        }
    }

    if let Some(cli) = &config.cli {
        if cli.session_name.is_empty()
            || cli
                .session_name
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '[' || c == ']')
        {
            p.add(
                "cli.session_name",
                shown(&cli.session_name),
                "a name without spaces or brackets, such as \"personal\"",
            );
        }
        if let Some(url) = &cli.start_url {
            if let Err(why) = check_start_url(url) {
                p.add("cli.start_url", shown(url), why);
            }
        }
        if let Some(user) = &cli.user {
            if let Err(why) = check_user_name(user) {
                p.add("cli.user", shown(user), why);
            }
        }
        if let Some(r) = &cli.default_region {
            if !is_region(r) {
                p.add(
                    "cli.default_region",
                    shown(r),
                    "an AWS region name such as \"us-east-1\"",
                );
            }
        }
        if let Some(o) = &cli.output {
            if !["json", "yaml", "yaml-stream", "text", "table"].contains(&o.as_str()) {
                p.add(
                    "cli.output",
                    shown(o),
                    "one of \"json\", \"yaml\", \"yaml-stream\", \"text\", \"table\"",
                );
            }
        }
        if let Some(t) = &cli.profile_names {
            if let Err(why) = check_profile_template(t) {
                p.add("cli.profile_names", shown(t), why);
            }
        }
    }

    if let Some(c) = &config.cleanup {
        for (field, names) in [
            ("iam_users", &c.iam_users),
            ("keep_iam_users", &c.keep_iam_users),
        ] {
            for (j, n) in names.iter().enumerate() {
                if !is_aws_name(n, 64) {
                    p.add(
                        format!("cleanup.{field}[{j}]"),
                        shown(n),
                        "an IAM user name: 1 to 64 characters, letters, digits and + = , . @ - _",
                    );
                }
            }
        }
        if let Err(why) = check_backup_dir(&c.backup_dir(base_dir)) {
            let value = c
                .backup_dir
                .as_ref()
                .map(|d| shown(&d.display().to_string()))
                .unwrap_or_else(|| "(default) \"ssosetup-backups\"".to_string());
            p.add("cleanup.backup_dir", value, why);
        }
        if c.delete_member_root_passwords && c.centralized_root_access != Some(true) {
            p.add(
                "cleanup.delete_member_root_passwords",
                "true".to_string(),
                "only together with cleanup.centralized_root_access = true (member accounts' root credentials are removed through it)",
            );
        }
        for (j, n) in c.iam_users.iter().enumerate() {
            if c.keep_iam_users.iter().any(|k| k.eq_ignore_ascii_case(n)) {
                p.add(format!("cleanup.iam_users[{j}]"), shown(n), "a user not also listed in cleanup.keep_iam_users: decide whether to delete or keep it");
            }
        }
    }
    p.0
}

/// The backup directory must be a directory, or be makeable as one: the
/// first part of its path that exists is a directory.
fn check_backup_dir(dir: &Path) -> Result<(), String> {
    const ALLOWED: &str =
        "a directory for backups (relative to the config file), or a path where one can be made";
    for existing in dir.ancestors().filter(|a| !a.as_os_str().is_empty()) {
        match std::fs::metadata(existing) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) if existing == dir => {
                return Err(format!("{ALLOWED}: {} is a file", dir.display()))
            }
            Ok(_) => {
                return Err(format!(
                    "{ALLOWED}: {} is a file, so nothing can be made under it",
                    existing.display()
                ))
            }
            Err(_) => continue,
        }
    }
    Ok(())
}

fn check_customer_policy(p: &mut Problems, at: &str, cmp: &CustomerManagedPolicy) {
    if !is_aws_name(&cmp.name, 128) {
        p.add(
            format!("{at}.name"),
            shown(&cmp.name),
            "an IAM policy name: 1 to 128 characters, letters, digits and + = , . @ - _",
        );
    }
    if !(cmp.path.starts_with('/') && cmp.path.ends_with('/') && cmp.path.len() <= 512) {
        p.add(
            format!("{at}.path"),
            shown(&cmp.path),
            "an IAM path that starts and ends with \"/\", such as \"/\" or \"/team/\"",
        );
    }
}

fn join_quoted<'a>(items: impl Iterator<Item = impl AsRef<str> + 'a>) -> String {
    items
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The group names users may join: those of the assignments. Explicit
/// `group`s and `<permission set>-<account id>` for each account named; for
/// "management" and "all" the ids are known only from AWS, so any
/// `<permission set>-<12 digits>` of such an assignment.
pub(crate) struct AssignmentGroups {
    pub named: BTreeSet<String>,
    open_prefixes: BTreeSet<String>,
}

impl AssignmentGroups {
    pub(crate) fn of(config: &Config) -> Self {
        let mut named = BTreeSet::new();
        let mut open_prefixes = BTreeSet::new();
        for a in &config.assignments {
            match &a.group {
                Some(g) => {
                    named.insert(g.clone());
                }
                None => {
                    for acct in &a.accounts {
                        if is_account_id(acct) {
                            named.insert(default_group_name(&a.permission_set, acct));
                        } else {
                            open_prefixes.insert(format!("{}-", a.permission_set));
                        }
                    }
                }
            }
        }
        Self {
            named,
            open_prefixes,
        }
    }

    pub(crate) fn contains(&self, group: &str) -> bool {
        self.named.contains(group)
            || self.open_prefixes.iter().any(|prefix| {
                group
                    .strip_prefix(prefix.as_str())
                    .is_some_and(is_account_id)
            })
    }
}

impl Config {
    /// Drops user groups no assignment gives any more (after the wizard
    /// changed permission sets or accounts), so the file stays valid.
    pub(crate) fn prune_user_groups(&mut self) {
        let groups = AssignmentGroups::of(self);
        for u in &mut self.users {
            u.groups.retain(|g| groups.contains(g));
        }
    }
}

/// The guide's group naming: one group per permission set and account.
pub(crate) fn default_group_name(permission_set: &str, account_id: &str) -> String {
    format!("{permission_set}-{account_id}")
}

/// `[\w+=,.@-]{1,max}` as AWS writes it (`\w` is ASCII letters, digits, `_`).
pub(crate) fn is_aws_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn is_region(s: &str) -> bool {
    // e.g. us-east-1, ap-southeast-1, us-gov-west-1, eu-central-2
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|n| n > 0)
}

fn is_group_name(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= 1024 && s.trim() == s
}

fn is_aws_managed_policy_arn(arn: &str) -> bool {
    [
        "arn:aws:iam::aws:policy/",
        "arn:aws-cn:iam::aws:policy/",
        "arn:aws-us-gov:iam::aws:policy/",
    ]
    .iter()
    .find_map(|prefix| arn.strip_prefix(prefix))
    .is_some_and(|rest| {
        !rest.is_empty() && !rest.ends_with('/') && rest.split('/').all(|seg| is_aws_name(seg, 128))
    })
}

/// Seconds in an ISO-8601 `PT..H..M..S` duration, when it is within
/// Identity Center's PT1H..PT12H.
pub(crate) fn session_duration_seconds(s: &str) -> Option<u32> {
    let rest = s.strip_prefix("PT")?;
    if rest.is_empty() {
        return None;
    }
    let mut total: u32 = 0;
    let mut number = String::new();
    let mut last_unit = 0; // H=1, M=2, S=3, in that order only
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let (unit, factor) = match c {
            'H' => (1, 3600),
            'M' => (2, 60),
            'S' => (3, 1),
            _ => return None,
        };
        if number.is_empty() || unit <= last_unit || number.len() > 6 {
            return None;
        }
        total = total.checked_add(number.parse::<u32>().ok()?.checked_mul(factor)?)?;
        number.clear();
        last_unit = unit;
    }
    if !number.is_empty() {
        return None;
    }
    (3600..=43_200).contains(&total).then_some(total)
}

pub(crate) fn check_user_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 128 {
        return Err("1 to 128 characters".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err("a user name without spaces, such as \"alice\" or \"alice.doe\"".into());
    }
    if RESERVED_USER_NAMES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(name))
    {
        return Err("any name but \"Administrator\" and \"AWSAdministrators\", which Identity Center reserves".into());
    }
    Ok(())
}

/// One plain address `local@domain.tld`: what Identity Center needs to send
/// the one-time code. Display forms (`Alice <a@b>`) and lists are refused.
pub(crate) fn check_email(email: &str) -> Result<(), String> {
    const WHY: &str = "one email address such as \"alice@example.com\"";
    let Some((local, domain)) = email.split_once('@') else {
        return Err(WHY.into());
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(WHY.into())
    }
}

fn check_profile_template(t: &str) -> Result<(), String> {
    const PLACEHOLDERS: [&str; 3] = ["{permission_set}", "{account_id}", "{account_name}"];
    let mut rest = t.to_string();
    for ph in PLACEHOLDERS {
        rest = rest.replace(ph, "");
    }
    if rest.contains('{') || rest.contains('}') {
        return Err(
            "a name template using only {permission_set}, {account_id} and {account_name}".into(),
        );
    }
    if t.is_empty()
        || t.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '[' || c == ']')
    {
        return Err("a profile name template without spaces or brackets, such as \"{permission_set}-{account_id}\"".into());
    }
    Ok(())
}

/// The access portal URL the AWS CLI signs in at: an https URL with a host,
/// no whitespace or control characters (it is written into the AWS CLI
/// config file, where a line break would start a section of its own).
pub(crate) fn check_start_url(url: &str) -> Result<(), String> {
    const ALLOWED: &str =
        "the access portal URL, such as \"https://d-1234567890.awsapps.com/start\"";
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{ALLOWED}, with no spaces, tabs or line breaks"));
    }
    let host_follows = url
        .strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    match url::Url::parse(url) {
        Ok(u)
            if host_follows
                && u.scheme() == "https"
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(())
        }
        _ => Err(format!("{ALLOWED} (https:// and a host)")),
    }
}

/// Whether a start URL has the usual form `https://<alias or d-id>.awsapps.com/start`.
pub(crate) fn is_usual_start_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.host_str()
            .is_some_and(|h| h.ends_with(".awsapps.com") && h.split('.').count() == 3)
            && u.path().trim_end_matches('/').ends_with("/start")
    })
}

/// Things in a valid config worth a word before anything runs.
pub(crate) fn warnings(config: &Config) -> Vec<String> {
    let mut w = Vec::new();
    if let Some(url) = config.cli.as_ref().and_then(|c| c.start_url.as_deref()) {
        if !is_usual_start_url(url) {
            w.push(format!(
                "[cli] start_url {} is not of the usual form https://<alias or d-id>.awsapps.com/start: check it against Settings in the Identity Center console",
                crate::error::excerpt(url)
            ));
        }
    }
    w
}

/// Reads and checks an inline policy file; the error says what is wrong.
pub(crate) fn read_inline_policy(base_dir: &Path, file: &Path) -> Result<String, String> {
    let full = base_dir.join(file);
    // A character is at most four bytes: anything longer cannot fit.
    let text = crate::files::read_text(&full, 4 * MAX_INLINE_POLICY_CHARS as u64)
        .map_err(|e| format!("a readable JSON policy file ({}: {e})", full.display()))?;
    if text.chars().count() > MAX_INLINE_POLICY_CHARS {
        return Err(format!(
            "a policy of at most {MAX_INLINE_POLICY_CHARS} characters (this one has {})",
            text.chars().count()
        ));
    }
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("a JSON policy document (it does not parse: {e})"))?;
    if !json.is_object() || json.get("Statement").is_none() {
        return Err("a JSON policy document: an object with \"Version\" and \"Statement\"".into());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(toml_text: &str) -> Vec<ConfigProblem> {
        let config = parse(toml_text).expect("test TOML parses");
        validate(&config, Path::new("/nonexistent"))
    }

    fn paths(toml_text: &str) -> Vec<String> {
        problems(toml_text).into_iter().map(|p| p.path).collect()
    }

    const GOOD: &str = r#"
region = "ap-southeast-1"
[organization]
create = true
[[permission_sets]]
name = "AdministratorAccess"
description = "Full access"
session_duration = "PT4H"
managed_policies = ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]
customer_managed_policies = [{ name = "MyPolicy", path = "/" }]
permissions_boundary = { managed_policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess" }
[[assignments]]
permission_set = "AdministratorAccess"
accounts = ["management", "111122223333"]
[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["AdministratorAccess-111122223333", "AdministratorAccess-123456789012"]
[cli]
session_name = "personal"
user = "alice"
profile_names = "{permission_set}-{account_id}"
[cleanup]
iam_users = ["old-admin"]
keep_iam_users = ["breakglass"]
"#;

    #[test]
    fn the_interface_example_is_valid() {
        assert_eq!(problems(GOOD), vec![]);
    }

    #[test]
    fn an_empty_file_is_valid_and_allows_creating_the_organization() {
        let config = parse("").unwrap();
        assert!(config.organization.create);
        assert_eq!(validate(&config, Path::new(".")), vec![]);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_field() {
        let text = r#"
region = "Mars"
[[permission_sets]]
name = "has space"
session_duration = "PT13H"
relay_state = ""
managed_policies = ["arn:aws:iam::123456789012:policy/Mine"]
inline_policy = "missing.json"
[[assignments]]
permission_set = "Nope"
accounts = ["12345", "management"]
[[users]]
user_name = "Administrator"
given_name = ""
family_name = "X"
email = "not-an-email"
groups = ["Unknown"]
"#;
        assert_eq!(
            paths(text),
            vec![
                "region",
                "permission_sets[0].name",
                "permission_sets[0].session_duration",
                "permission_sets[0].relay_state",
                "permission_sets[0].managed_policies[0]",
                "permission_sets[0].inline_policy",
                "assignments[0].permission_set",
                "assignments[0].accounts[0]",
                "users[0].user_name",
                "users[0].given_name",
                "users[0].email",
                "users[0].groups[0]",
            ]
        );
    }

    #[test]
    fn a_problem_shows_the_value_and_what_is_allowed() {
        let p = &problems("[[permission_sets]]\nname = \"A\"\nsession_duration = \"PT30M\"\n")[0];
        assert_eq!(
            p.to_string(),
            "permission_sets[0].session_duration = \"PT30M\": an ISO-8601 duration from PT1H to PT12H, such as \"PT4H\" or \"PT1H30M\""
        );
    }

    #[test]
    fn session_durations_follow_iso_8601_within_one_to_twelve_hours() {
        for ok in [
            "PT1H",
            "PT12H",
            "PT1H30M",
            "PT90M",
            "PT3600S",
            "PT11H59M59S",
        ] {
            assert!(session_duration_seconds(ok).is_some(), "{ok}");
        }
        for bad in [
            "PT59M", "PT13H", "PT12H1S", "1H", "PT", "PTH", "PT1M1H", "P1D", "pt1h", "PT1.5H", "",
        ] {
            assert!(session_duration_seconds(bad).is_none(), "{bad}");
        }
        assert_eq!(session_duration_seconds("PT1H30M"), Some(5400));
    }

    #[test]
    fn permission_set_names_follow_the_aws_pattern() {
        assert!(is_aws_name("Admin+Ops=1,2.x@y-z_", 32));
        assert!(!is_aws_name(&"a".repeat(33), 32));
        assert!(!is_aws_name("a/b", 32));
        assert!(!is_aws_name("", 32));
    }

    #[test]
    fn duplicate_permission_sets_users_and_emails_are_refused() {
        let text = r#"
[[permission_sets]]
name = "A"
[[permission_sets]]
name = "A"
[[users]]
user_name = "bob"
given_name = "B"
family_name = "B"
email = "bob@example.com"
[[users]]
user_name = "BOB"
given_name = "B"
family_name = "B"
email = "Bob@example.com"
"#;
        assert_eq!(
            paths(text),
            vec![
                "permission_sets[1].name",
                "users[1].user_name",
                "users[1].email"
            ]
        );
    }

    #[test]
    fn emails_must_be_one_plain_address() {
        for ok in ["a@example.com", "a.b+c@sub.example.co.uk"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a",
            "a@b",
            "@example.com",
            "a@@example.com",
            "Alice <a@example.com>",
            "a@example.com, b@example.com",
            "a@-x.com",
            "a @example.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reserved_and_spaced_user_names_are_refused() {
        assert!(check_user_name("alice").is_ok());
        assert!(check_user_name("administrator").is_err());
        assert!(check_user_name("AWSAdministrators").is_err());
        assert!(check_user_name("alice doe").is_err());
    }

    #[test]
    fn user_groups_must_come_from_assignments_or_default_naming() {
        let base = r#"
[[permission_sets]]
name = "ReadOnly"
[[assignments]]
permission_set = "ReadOnly"
accounts = ["111122223333"]
[[assignments]]
permission_set = "ReadOnly"
accounts = ["all"]
group = "Readers"
[[users]]
user_name = "u"
given_name = "U"
family_name = "U"
email = "u@example.com"
"#;
        let with = |groups: &str| format!("{base}groups = [{groups}]\n");
        assert!(paths(&with("\"ReadOnly-111122223333\", \"Readers\"")).is_empty());
        assert_eq!(
            paths(&with("\"ReadOnly-444455556666\"")),
            vec!["users[0].groups[0]"]
        );
    }

    #[test]
    fn pruning_keeps_exactly_the_groups_assignments_give() {
        let mut config = parse(
            r#"
[[permission_sets]]
name = "A"
[[assignments]]
permission_set = "A"
accounts = ["all"]
[[assignments]]
permission_set = "A"
accounts = ["111122223333"]
group = "Readers"
[[users]]
user_name = "u"
given_name = "U"
family_name = "U"
email = "u@example.com"
groups = ["A-444455556666", "Readers", "Readers2", "A-x", "B-111122223333"]
"#,
        )
        .unwrap();
        config.prune_user_groups();
        assert_eq!(config.users[0].groups, vec!["A-444455556666", "Readers"]);
    }

    #[test]
    fn inline_policies_must_exist_parse_and_fit() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ok.json"),
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("bad.json"), "{not json").unwrap();
        let big = format!(
            r#"{{"Version":"2012-10-17","Statement":[],"Pad":"{}"}}"#,
            "x".repeat(33_000)
        );
        std::fs::write(dir.path().join("big.json"), big).unwrap();
        assert!(read_inline_policy(dir.path(), Path::new("ok.json")).is_ok());
        assert!(read_inline_policy(dir.path(), Path::new("bad.json"))
            .unwrap_err()
            .contains("does not parse"));
        assert!(read_inline_policy(dir.path(), Path::new("big.json"))
            .unwrap_err()
            .contains("32768"));
        assert!(read_inline_policy(dir.path(), Path::new("none.json"))
            .unwrap_err()
            .contains("readable"));
    }

    #[test]
    fn a_boundary_needs_exactly_one_kind() {
        let text = "[[permission_sets]]\nname = \"A\"\npermissions_boundary = {}\n";
        assert_eq!(paths(text), vec!["permission_sets[0].permissions_boundary"]);
    }

    #[test]
    fn a_backup_dir_that_is_a_file_is_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("taken"), "x").unwrap();
        let problems = |text: &str| validate(&parse(text).unwrap(), dir.path());
        let at = |text: &str| {
            problems(text)
                .into_iter()
                .map(|p| p.path)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            at("[cleanup]\nbackup_dir = \"taken\"\n"),
            vec!["cleanup.backup_dir"]
        );
        assert_eq!(
            at("[cleanup]\nbackup_dir = \"taken/sub\"\n"),
            vec!["cleanup.backup_dir"]
        );
        assert!(at("[cleanup]\nbackup_dir = \"new/sub\"\n").is_empty());
        std::fs::write(dir.path().join("ssosetup-backups"), "x").unwrap();
        let p = &problems("[cleanup]\niam_users = [\"old\"]\n")[0];
        assert_eq!(p.path, "cleanup.backup_dir");
        assert!(p.value.contains("default"), "{}", p.value);
    }

    #[test]
    fn cleanup_cannot_both_delete_and_keep_a_user() {
        let text = "[cleanup]\niam_users = [\"ci\"]\nkeep_iam_users = [\"ci\"]\n";
        assert_eq!(paths(text), vec!["cleanup.iam_users[0]"]);
    }

    #[test]
    fn cli_settings_are_checked() {
        let text = "[cli]\nsession_name = \"my session\"\noutput = \"xml\"\nprofile_names = \"{role}\"\nstart_url = \"http://x\"\n";
        assert_eq!(
            paths(text),
            vec![
                "cli.session_name",
                "cli.start_url",
                "cli.output",
                "cli.profile_names"
            ]
        );
    }

    #[test]
    fn a_start_url_cannot_carry_a_line_break_or_another_scheme() {
        assert!(check_start_url("https://d-1234567890.awsapps.com/start").is_ok());
        assert!(check_start_url("https://sso.example.net/start").is_ok());
        for bad in [
            "https://d-1234567890.awsapps.com/start\n[profile evil]\ncredential_process = /bin/sh",
            "https://x.awsapps.com/start\r",
            "https://x.awsapps.com /start",
            "http://x.awsapps.com/start",
            "https://",
            "https:///start",
            "x.awsapps.com/start",
        ] {
            assert!(check_start_url(bad).is_err(), "{bad:?}");
        }
        assert!(is_usual_start_url("https://my-org.awsapps.com/start/"));
        assert!(!is_usual_start_url("https://sso.example.net/start"));
    }

    #[test]
    fn unknown_fields_are_errors_not_silently_ignored() {
        let err =
            parse("[[permission_sets]]\nname = \"A\"\nsesion_duration = \"PT2H\"\n").unwrap_err();
        assert!(err.contains("sesion_duration"), "{err}");
    }

    #[test]
    fn regions_are_recognised() {
        for ok in [
            "us-east-1",
            "ap-southeast-1",
            "us-gov-west-1",
            "eu-central-2",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["Mars", "us-east", "useast1", "US-EAST-1", "us-east-0"] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let text = std::fs::read_to_string(dir.join("ssosetup.toml")).unwrap();
        assert_eq!(validate(&parse(&text).unwrap(), &dir), vec![]);
    }

    #[test]
    fn a_config_round_trips_through_toml() {
        let config = parse(GOOD).unwrap();
        let again = parse(&toml::to_string(&config).unwrap()).unwrap();
        assert_eq!(config, again);
    }
}
