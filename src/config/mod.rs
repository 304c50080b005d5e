//! The desired-state file (`ssosetup.toml`): parsing and validation.
//!
//! Validation runs before any AWS call and reports every problem at once, each
//! with its field path, the value found and what is allowed, so one edit can
//! fix them all. The schema is the contract README.md documents; a field this
//! file does not know is an error (a typo must not silently fall back to a
//! default).

mod keys;
mod names;
mod validate;

use crate::model::plural;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::UserError;
pub(crate) use crate::model::CustomerManagedPolicy;
pub(crate) use names::*;
pub(crate) use validate::{read_inline_policy, validate};

/// A config file larger than this is not a config file: refused unread.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// The Identity Center home region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub organization: OrganizationConfig,
    /// Where Identity Center is run from.
    #[serde(default, skip_serializing_if = "IdentityCenterConfig::is_default")]
    pub identity_center: IdentityCenterConfig,
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
    /// The custom AWS access portal URL (`portal-url` step), once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_url: Option<String>,
    /// `portal_url` and `[cli] start_url` may be an https URL that is not an
    /// AWS access portal URL (a proxy of one's own); warned about each run.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_custom_start_url: bool,
    /// Infrastructure as code owns the Identity Center resources now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iac: Option<IacConfig>,
}

/// `[iac]`: after the hand-over (`ssosetup export`), who owns the
/// permission sets, groups, users and assignments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IacConfig {
    /// `terraform` or `cloudformation`: the resource steps then report
    /// drift and never write; `--prune` and `offboard` refuse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<IacTool>,
}

/// A tool that can own the Identity Center resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum IacTool {
    Terraform,
    Cloudformation,
}

impl IacTool {
    pub(crate) fn name(self) -> &'static str {
        match self {
            IacTool::Terraform => "terraform",
            IacTool::Cloudformation => "cloudformation",
        }
    }
}

impl Config {
    /// The tool that owns the Identity Center resources, if any.
    pub(crate) fn iac_owner(&self) -> Option<IacTool> {
        self.iac.as_ref().and_then(|i| i.owner)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// `[identity_center]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IdentityCenterConfig {
    /// The member account (its 12-digit id, or its name in the organization)
    /// registered as Identity Center's delegated administrator, from which
    /// the daily work is done (`delegated-admin` step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegated_admin: Option<String>,
}

impl IdentityCenterConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The `authentication` step is console-only; this records that the person
/// confirmed it, so later runs do not ask again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PermissionsBoundary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_policy_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_managed_policy: Option<CustomerManagedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignmentConfig {
    pub permission_set: String,
    /// Account ids, `management`, `all`, or `ou:<name, path from the root,
    /// or ou-id>` (an organizational unit's ACTIVE accounts).
    pub accounts: Vec<String>,
    /// One group for every account; default: one group per account, named
    /// `<permission_set>-<account id>` as in the guide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Whether an `ou:` target includes the accounts of the OUs inside it
    /// (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recursive: Option<bool>,
    /// Accounts taken out of every target of this assignment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_accounts: Vec<String>,
}

impl Config {
    /// Whether any assignment or the cleanup names an organizational unit.
    pub(crate) fn names_ous(&self) -> bool {
        self.assignments
            .iter()
            .flat_map(|a| &a.accounts)
            .chain(self.cleanup.iter().flat_map(|c| &c.accounts))
            .any(|t| t.starts_with("ou:"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Also write `[profile NAME-legacy]` with `credential_process` (and no
    /// `sso_*` key), for tools that cannot read an SSO profile.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy_profiles: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// The accounts whose IAM users are inventoried and cleaned up: `all`
    /// (every active account of the organization), account ids, names, or
    /// `ou:` targets; empty: the calling account only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    /// The role assumed in each member account (default
    /// OrganizationAccountAccessRole, which Organizations makes in the
    /// accounts it creates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_role: Option<String>,
    /// Two phases: a run switches the named users' access keys off (and
    /// deletes nothing); a later run deletes those whose keys stayed off and
    /// unused for `deactivate_days`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deactivate_first: bool,
    /// Days between switching keys off and deleting (default 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivate_days: Option<u32>,
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
            accounts: Vec::new(),
            member_role: None,
            deactivate_first: false,
            deactivate_days: None,
        }
    }
}

/// The role Organizations makes in the member accounts it creates.
pub(crate) const DEFAULT_MEMBER_ROLE: &str = "OrganizationAccountAccessRole";

/// An entry of `iam_users` or `keep_iam_users`: `(account, user)`, where a
/// bare name (no `111122223333/`) means the calling account. Pure.
pub(crate) fn iam_user_entry(entry: &str) -> (Option<&str>, &str) {
    match entry.split_once('/') {
        Some((account, user)) => (Some(account), user),
        None => (None, entry),
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

    /// Whether `user` of `account` is named for deletion: as
    /// `account/user`, or (in the calling account, `home`) as a bare name.
    /// IAM user names ignore case.
    pub(crate) fn deletes(&self, account: &str, home: bool, user: &str) -> bool {
        names(&self.iam_users, account, home, user)
    }

    /// Whether `user` of `account` is named to be kept (see [`Self::deletes`]).
    pub(crate) fn keeps(&self, account: &str, home: bool, user: &str) -> bool {
        names(&self.keep_iam_users, account, home, user)
    }

    /// The role assumed in member accounts.
    pub(crate) fn member_role(&self) -> &str {
        self.member_role.as_deref().unwrap_or(DEFAULT_MEMBER_ROLE)
    }

    /// Days between switching keys off and deleting.
    pub(crate) fn deactivate_days(&self) -> u32 {
        self.deactivate_days.unwrap_or(7)
    }
}

/// Whether `list` names `user` of `account` (bare names: the calling
/// account's, `home`).
fn names(list: &[String], account: &str, home: bool, user: &str) -> bool {
    list.iter().any(|entry| {
        let (a, u) = iam_user_entry(entry);
        u.eq_ignore_ascii_case(user) && a.map_or(home, |a| a == account)
    })
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
    /// `--prune`: the config is exhaustive for what ssosetup manages, so
    /// what it no longer names goes.
    pub prune: bool,
    /// The file it came from, or where it would be written.
    pub path: PathBuf,
    /// False when no file existed and defaults are in use.
    pub from_file: bool,
    /// `--region` was given: the home region was chosen on the command line.
    pub region_flag: bool,
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
                    prune: false,
                    path,
                    from_file: false,
                    region_flag: false,
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
        let unknown = keys::unknown_keys(&text);
        if !unknown.is_empty() {
            let mut error = UserError::new(format!(
                "the config file {} has {} key{} ssosetup does not know; nothing was changed",
                path.display(),
                unknown.len(),
                plural(unknown.len())
            ));
            for u in unknown {
                error = error.caused_by(u);
            }
            return Err(error.hint("fix or remove each key named above (README.md, \"The config file\", lists them; docs/config.schema.json is their schema)"));
        }
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
            prune: false,
            path,
            from_file: true,
            region_flag: false,
        })
    }
}

impl LoadedConfig {
    /// Whether the Identity Center home region was chosen by the person (in
    /// the config, or with --region), not taken from the environment.
    pub(crate) fn region_chosen(&self) -> bool {
        self.region_flag || self.config.region.is_some()
    }

    /// Like [`LoadedConfig::load`], but a file that does not exist yet is
    /// fine even when named (`import` writes it).
    pub(crate) fn load_or_new(path: Option<&Path>) -> Result<Self, UserError> {
        let target = path
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("ssosetup.toml"));
        if std::fs::symlink_metadata(&target).is_err() {
            return Ok(Self {
                config: Config::default(),
                prune: false,
                path: target,
                from_file: false,
                region_flag: false,
            });
        }
        Self::load(path)
    }

    /// Writes the config back (a temporary file, then rename), after
    /// checking it, so the file is always a valid replay of the answers.
    pub(crate) fn save(&mut self) -> anyhow::Result<()> {
        use anyhow::Context;
        let problems = validate(&self.config, self.base_dir());
        if !problems.is_empty() {
            return Err(invalid_config_error(&self.path, &problems).into());
        }
        let text = format!(
            "# ssosetup's desired state, written by ssosetup (from the wizard's answers or by\n# `ssosetup import`). Replay it with `ssosetup init --config {} --yes`.\n\n{}",
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

/// Writes an inline policy file beside the config (`base/rel`). A file
/// already there with other content is backed up first, also when it
/// cannot be read as text (too big, not UTF-8): returns the backup's path.
/// What is not a file (a directory, a device) is refused, untouched.
pub(crate) fn write_policy_file(
    base: &Path,
    rel: &Path,
    text: &str,
) -> anyhow::Result<Option<PathBuf>> {
    use anyhow::Context;
    let file = base.join(rel);
    let backup = match crate::files::read_text(&file, 4 * 32_768) {
        Ok(old) if old == text => return Ok(None),
        Err(crate::files::ReadError::Missing) => None,
        Err(crate::files::ReadError::NotAFile(kind)) => {
            return Err(UserError::new(format!(
                "{} is {kind}, not a policy file: nothing was written there",
                file.display()
            ))
            .hint("move it away, then run the command again")
            .into())
        }
        Ok(_) | Err(_) => Some(
            crate::files::backup_copy(&file)
                .with_context(|| format!("cannot back up {}", file.display()))?,
        ),
    };
    crate::files::write_atomically(&file, text.as_bytes(), 0o644)
        .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(backup)
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

/// Things in a valid config worth a word before anything runs.
pub(crate) fn warnings(config: &Config) -> Vec<String> {
    let mut w = Vec::new();
    let urls = [
        ("portal_url", config.portal_url.as_deref()),
        (
            "[cli] start_url",
            config.cli.as_ref().and_then(|c| c.start_url.as_deref()),
        ),
    ];
    for (field, url) in urls {
        if let Some(url) = url.filter(|u| !is_portal_url(u)) {
            w.push(format!(
                "{field} {} is not an AWS access portal URL (allowed by allow_custom_start_url = true): every new user is sent there and the AWS CLI signs in there; check it against Settings in the Identity Center console",
                crate::error::excerpt(url)
            ));
        }
    }
    w
}

#[cfg(test)]
mod tests;
