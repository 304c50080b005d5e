//! Validation: every field checked before any AWS call, every problem
//! reported at once with its path, the value found and what is allowed,
//! one function per section of the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::names::*;
use super::{AssignmentGroups, Config, ConfigProblem, CustomerManagedPolicy};

/// Largest inline policy a permission set accepts (AWS's limit).
const MAX_INLINE_POLICY_CHARS: usize = 32_768;

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
    if let Some(url) = &config.portal_url {
        if let Err(why) = check_start_url(url, config.allow_custom_start_url) {
            p.add("portal_url", shown(url), why);
        }
    }
    if let Some(a) = &config.identity_center.delegated_admin {
        if !(is_account_id(a) || is_account_name(a)) {
            p.add(
                "identity_center.delegated_admin",
                shown(a),
                "a member account: its 12-digit id, or its name in the organization (1 to 50 printable characters)",
            );
        }
    }
    let ps_names = permission_sets(&mut p, config, base_dir);
    assignments(&mut p, config, &ps_names);
    users(&mut p, config);
    cli(&mut p, config);
    cleanup(&mut p, config, base_dir);
    p.0
}

/// `[[permission_sets]]`; returns the names defined (assignments refer to them).
fn permission_sets<'c>(p: &mut Problems, config: &'c Config, base_dir: &Path) -> BTreeSet<&'c str> {
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
            if !is_relay_state(r) {
                p.add(
                    format!("{at}.relay_state"),
                    shown(r),
                    "a URL of 1 to 240 characters such as \"https://console.aws.amazon.com/s3\", of letters, digits and & $ @ # \\ / % ? = ~ - _ ' \" | ! : , . ; * + [ ] ( ) { } and spaces (or leave the field out)",
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
            check_customer_policy(p, &format!("{at}.customer_managed_policies[{j}]"), cmp);
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
            check_boundary(p, &format!("{at}.permissions_boundary"), b);
        }
    }

    ps_names
}

/// `[[assignments]]`: each names a defined permission set and accounts.
fn assignments(p: &mut Problems, config: &Config, ps_names: &BTreeSet<&str>) {
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
                "at least one 12-digit account id, \"management\", \"all\" or \"ou:<name, path or ou-id>\"",
            );
        }
        let mut seen = BTreeSet::new();
        for (j, acct) in a.accounts.iter().enumerate() {
            if !(is_account_id(acct)
                || acct == "management"
                || acct == "all"
                || super::names::is_ou_target(acct))
            {
                p.add(
                    format!("{at}.accounts[{j}]"),
                    shown(acct),
                    "a 12-digit account id, \"management\", \"all\" or \"ou:<name, path from the root, or ou-id>\"",
                );
            } else if !seen.insert(acct.as_str()) {
                p.add(
                    format!("{at}.accounts[{j}]"),
                    shown(acct),
                    "each account once",
                );
            }
        }
        if a.recursive.is_some() && !a.accounts.iter().any(|t| t.starts_with("ou:")) {
            p.add(
                format!("{at}.recursive"),
                a.recursive.unwrap_or(true).to_string(),
                "only with an \"ou:\" target in accounts (it says whether child OUs' accounts count)",
            );
        }
        for (j, e) in a.exclude_accounts.iter().enumerate() {
            if !is_account_id(e) {
                p.add(
                    format!("{at}.exclude_accounts[{j}]"),
                    shown(e),
                    "a 12-digit account id",
                );
            }
        }
        if let Some(g) = a.group.as_ref().filter(|g| !is_group_name(g)) {
            p.add(
                format!("{at}.group"),
                shown(g),
                "1 to 1024 letters, digits, symbols, punctuation and spaces (not only spaces; no control characters)",
            );
        }
    }
}

/// `[[users]]`: names, emails (unique), and groups the assignments give.
fn users(p: &mut Problems, config: &Config) {
    let groups = AssignmentGroups::of(config);
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
}

/// `[cli]`: everything written into the AWS CLI config file.
fn cli(p: &mut Problems, config: &Config) {
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
            if let Err(why) = check_start_url(url, config.allow_custom_start_url) {
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
}

/// `[cleanup]`: names, the backup directory, and choices that go together.
fn cleanup(p: &mut Problems, config: &Config, base_dir: &Path) {
    if let Some(c) = &config.cleanup {
        for (field, names) in [
            ("iam_users", &c.iam_users),
            ("keep_iam_users", &c.keep_iam_users),
        ] {
            for (j, n) in names.iter().enumerate() {
                let (account, user) = super::iam_user_entry(n);
                if !is_aws_name(user, 64) || account.is_some_and(|a| !is_account_id(a)) {
                    p.add(
                        format!("cleanup.{field}[{j}]"),
                        shown(n),
                        "an IAM user name (1 to 64 letters, digits and + = , . @ - _), or \"<12-digit account id>/<name>\" for a member account's user",
                    );
                }
            }
        }
        for (j, a) in c.accounts.iter().enumerate() {
            if !is_account_target(a) {
                p.add(
                    format!("cleanup.accounts[{j}]"),
                    shown(a),
                    "\"all\", a 12-digit account id, an account's name, or \"ou:<name, path from the root, or ou-id>\"",
                );
            }
        }
        if let Some(role) = &c.member_role {
            if !is_aws_name(role, 64) {
                p.add(
                    "cleanup.member_role",
                    shown(role),
                    "an IAM role name such as \"OrganizationAccountAccessRole\": 1 to 64 letters, digits and + = , . @ - _",
                );
            }
        }
        if let Some(d) = c.deactivate_days {
            if !(1..=365).contains(&d) || !c.deactivate_first {
                p.add(
                    "cleanup.deactivate_days",
                    d.to_string(),
                    "1 to 365 days, together with deactivate_first = true",
                );
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

/// A boundary is exactly one of an AWS managed policy or a customer
/// managed one.
fn check_boundary(p: &mut Problems, bat: &str, b: &super::PermissionsBoundary) {
    match (&b.managed_policy_arn, &b.customer_managed_policy) {
        (Some(arn), None) => {
            if !is_aws_managed_policy_arn(arn) {
                p.add(
                    format!("{bat}.managed_policy_arn"),
                    shown(arn),
                    "an AWS managed policy ARN such as \"arn:aws:iam::aws:policy/PowerUserAccess\"",
                );
            }
        }
        (None, Some(cmp)) => {
            check_customer_policy(p, &format!("{bat}.customer_managed_policy"), cmp)
        }
        _ => p.add(
            bat,
            "{...}",
            "exactly one of managed_policy_arn or customer_managed_policy = { name, path }",
        ),
    }
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
