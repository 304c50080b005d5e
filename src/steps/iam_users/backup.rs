//! Backup files: everything about one IAM user but its secrets, written
//! (mode 0600) before anything of it is removed, and read back by
//! `--restore` after checking every field.

use super::*;
use crate::config::is_aws_name;

/// A backup file: everything about one deleted user but its secrets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Backup {
    pub format: String,
    pub account: String,
    pub taken_at: String,
    pub user: IamUser,
    pub cannot_be_restored: Vec<String>,
    /// Written by the first of two phases: the access keys it switched
    /// off at `taken_at` (`--restore` switches them back on while the user
    /// exists).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub switched_off: Vec<String>,
}

pub(super) const BACKUP_FORMAT: &str = "ssosetup-iam-user-backup/1";

/// What a restore cannot bring back, for this user.
pub(super) fn secrets_lost(user: &IamUser) -> Vec<String> {
    let mut lost = Vec::new();
    if user.console_password {
        lost.push("the console password (AWS never reveals it): set a new one if the user still needs the console".to_string());
    }
    if !user.access_keys.is_empty() {
        lost.push(format!(
            "{} access key{} ({}): secret keys are shown only when created; use Identity Center profiles instead of new keys",
            user.access_keys.len(),
            plural(user.access_keys.len()),
            user.access_keys.iter().map(|k| k.id.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if !user.mfa_devices.is_empty() {
        lost.push(
            "MFA devices: register them again (a virtual device's seed cannot be read back)"
                .to_string(),
        );
    }
    if user
        .service_specific_credentials
        .as_ref()
        .is_some_and(|c| !c.is_empty())
    {
        lost.push(
            "service-specific credentials (CodeCommit, Keyspaces): their passwords cannot be read back"
                .to_string(),
        );
    }
    lost
}

/// Writes `user`'s backup into `dir` (made 0700 if new) as a new file,
/// mode 0600, with the keys a first phase switches off; returns its path.
pub(crate) fn write_backup(
    dir: &Path,
    account: &str,
    user: &IamUser,
    switched_off: &[String],
) -> Result<PathBuf> {
    if !dir.exists() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the backup directory {}", dir.display()))?;
        // Only a directory made here is restricted; an existing one (say
        // the config's own) keeps its mode: the files are 0600 anyway.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict {} to its owner", dir.display()))?;
        }
    }
    let now = SystemTime::now();
    let stamp = humantime::format_rfc3339_seconds(now)
        .to_string()
        .replace([':', '-'], "");
    let path = dir.join(format!("iam-user-{}-{stamp}.json", user.user_name));
    let backup = Backup {
        format: BACKUP_FORMAT.to_string(),
        account: account.to_string(),
        taken_at: humantime::format_rfc3339_seconds(now).to_string(),
        user: user.clone(),
        cannot_be_restored: secrets_lost(user),
        switched_off: switched_off.to_vec(),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create the backup file {}", path.display()))?;
    file.write_all(serde_json::to_string_pretty(&backup)?.as_bytes())?;
    file.sync_all()?;
    Ok(path)
}

/// Backups of `user_name` already in `dir` (an earlier, interrupted run's
/// is the complete one), oldest first.
pub(crate) fn earlier_backups(dir: &Path, user_name: &str) -> Vec<PathBuf> {
    let prefix = format!("iam-user-{user_name}-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        })
        // `bob-old`'s backups start with `iam-user-bob-` too: ask the file.
        .filter(|p| load_backup(p).is_ok_and(|b| b.user.user_name == user_name))
        .collect();
    found.sort();
    found
}

/// Reads and checks a backup file (before any AWS call).
pub(crate) fn load_backup(path: &Path) -> Result<Backup, UserError> {
    const HINT: &str =
        "pass a file that ssosetup wrote into the backup directory (iam-user-NAME-TIME.json)";
    let text = crate::files::read_text(path, MAX_BACKUP_BYTES).map_err(|e| {
        UserError::new(format!("cannot read the backup file {}", path.display()))
            .caused_by(e.to_string())
            .hint(HINT)
    })?;
    let backup: Backup = serde_json::from_str(&text).map_err(|e| {
        UserError::new(format!(
            "{} is not an ssosetup IAM user backup",
            path.display()
        ))
        .caused_by(crate::error::excerpt(&e.to_string()))
        .hint(HINT)
    })?;
    let problems = check_backup(&backup);
    if !problems.is_empty() {
        let mut error = UserError::new(format!(
            "the backup file {} has {} problem{}; nothing was changed",
            path.display(),
            problems.len(),
            plural(problems.len())
        ));
        for p in problems {
            error = error.caused_by(p);
        }
        return Err(error.hint(format!(
            "{HINT}; a backup that was edited by hand must keep AWS's forms"
        )));
    }
    Ok(backup)
}

/// A backup is far smaller than this; a bigger file is not one.
const MAX_BACKUP_BYTES: u64 = 4 * 1024 * 1024;

/// Every field a restore sends to AWS, checked before any call: a file is
/// input like any other (it may have been edited, or crafted). Pure.
pub(crate) fn check_backup(b: &Backup) -> Vec<String> {
    use crate::config::is_account_id;
    let mut p = Vec::new();
    let mut bad = |field: &str, value: &str, allowed: &str| {
        p.push(format!(
            "{field} = {}: {allowed}",
            crate::error::excerpt(value)
        ))
    };
    let u = &b.user;
    if b.format != BACKUP_FORMAT {
        bad("format", &b.format, &format!("\"{BACKUP_FORMAT}\""));
    }
    if !is_account_id(&b.account) {
        bad("account", &b.account, "a 12-digit account id");
    }
    if humantime::parse_rfc3339(&b.taken_at).is_err() {
        bad(
            "taken_at",
            &b.taken_at,
            "an RFC 3339 time such as 2026-11-24T10:00:00Z",
        );
    }
    if !is_aws_name(&u.user_name, 64) {
        bad(
            "user.user_name",
            &u.user_name,
            "an IAM user name: 1 to 64 characters, letters, digits and + = , . @ - _",
        );
    }
    if !is_iam_path(&u.path) {
        bad(
            "user.path",
            &u.path,
            "an IAM path: / or /a/b/, at most 512 characters",
        );
    }
    let partition = u.arn.split(':').nth(1).unwrap_or("aws");
    let expected = format!(
        "arn:{partition}:iam::{}:user{}{}",
        b.account, u.path, u.user_name
    );
    if u.arn != expected || !partition.starts_with("aws") {
        bad(
            "user.arn",
            &u.arn,
            &format!("the ARN of this user name, path and account: {expected}"),
        );
    }
    grants(u, &mut bad);
    tags_and_keys(u, &mut bad);
    for (i, key) in b.switched_off.iter().enumerate() {
        if !(16..=128).contains(&key.len()) || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            bad(
                &format!("switched_off[{i}]"),
                key,
                "an access key id: 16 to 128 letters and digits",
            );
        }
    }
    p
}

/// One problem: the field, a short excerpt of its value, what is allowed.
type Bad<'a> = dyn FnMut(&str, &str, &str) + 'a;

/// The policies and groups a restore would grant.
fn grants(u: &IamUser, bad: &mut Bad<'_>) {
    for (i, arn) in u.attached_policies.iter().enumerate() {
        if !is_policy_arn(arn) {
            bad(
                &format!("user.attached_policies[{i}]"),
                arn,
                "a policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess",
            );
        }
    }
    if let Some(arn) = &u.permissions_boundary {
        if !is_policy_arn(arn) {
            bad("user.permissions_boundary", arn, "a policy ARN");
        }
    }
    for (i, pol) in u.inline_policies.iter().enumerate() {
        if !is_aws_name(&pol.name, 128) {
            bad(
                &format!("user.inline_policies[{i}].name"),
                &pol.name,
                "a policy name: 1 to 128 characters, letters, digits and + = , . @ - _",
            );
        }
        if pol.document.len() > 10_240
            || serde_json::from_str::<serde_json::Value>(&pol.document)
                .map(|d| d.get("Statement").is_none())
                .unwrap_or(true)
        {
            bad(
                &format!("user.inline_policies[{i}].document"),
                &pol.document,
                "a JSON policy document with a Statement, at most 10,240 characters",
            );
        }
    }
    for (i, g) in u.groups.iter().enumerate() {
        if !is_aws_name(g, 128) {
            bad(
                &format!("user.groups[{i}]"),
                g,
                "an IAM group name: 1 to 128 characters, letters, digits and + = , . @ - _",
            );
        }
    }
}

/// Tags, public keys and certificates.
fn tags_and_keys(u: &IamUser, bad: &mut Bad<'_>) {
    if u.tags.len() > 50 {
        bad(
            "user.tags",
            &format!("{} tags", u.tags.len()),
            "at most 50 tags",
        );
    }
    for (k, v) in &u.tags {
        if k.is_empty() || k.chars().count() > 128 || k.starts_with("aws:") {
            bad(
                "user.tags (a key)",
                k,
                "a tag key of 1 to 128 characters, not starting with aws:",
            );
        }
        if v.chars().count() > 256 {
            bad(
                &format!("user.tags.{k}"),
                v,
                "a tag value of at most 256 characters",
            );
        }
    }
    for (field, keys) in [
        ("user.ssh_public_keys", &u.ssh_public_keys),
        ("user.signing_certificates", &u.signing_certificates),
    ] {
        for (i, k) in keys.iter().enumerate() {
            if k.body.as_ref().is_some_and(|b| b.len() > 16_384) {
                bad(
                    &format!("{field}[{i}].body"),
                    k.body.as_deref().unwrap_or(""),
                    "a public key of at most 16,384 characters",
                );
            }
            if !matches!(k.status.as_str(), "Active" | "Inactive") {
                bad(
                    &format!("{field}[{i}].status"),
                    &k.status,
                    "\"Active\" or \"Inactive\"",
                );
            }
        }
    }
}

fn is_iam_path(path: &str) -> bool {
    path.len() <= 512
        && path.starts_with('/')
        && path.ends_with('/')
        && path.chars().all(|c| c.is_ascii_graphic())
}

/// `arn:<partition>:iam::(aws|<account>):policy/<path/>name`.
fn is_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "aws" || crate::config::is_account_id(parts[4]))
        && parts[5].strip_prefix("policy/").is_some_and(|rest| {
            !rest.is_empty()
                && rest.len() <= 640
                && rest
                    .split('/')
                    .all(|seg| crate::config::is_aws_name(seg, 128))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::iam_users::tests::user;

    fn backup() -> Backup {
        Backup {
            format: BACKUP_FORMAT.to_string(),
            account: "123456789012".into(),
            taken_at: "2026-11-24T10:00:00Z".into(),
            user: user("old-admin"),
            cannot_be_restored: vec![],
            switched_off: vec![],
        }
    }

    #[test]
    fn a_backup_written_by_ssosetup_passes() {
        assert_eq!(check_backup(&backup()), Vec::<String>::new());
    }

    #[test]
    fn an_arn_that_disagrees_with_the_name_or_account_is_refused() {
        let mut b = backup();
        b.user.arn = "arn:aws:iam::123456789012:user/someone-else".into();
        assert!(check_backup(&b)[0].starts_with("user.arn"));
        let mut b = backup();
        b.account = "210987654321".into();
        assert!(check_backup(&b)[0].starts_with("user.arn"));
    }

    #[test]
    fn crafted_fields_are_named() {
        let mut b = backup();
        b.user.path = "no-slashes".into();
        b.user.attached_policies = vec!["arn:aws:iam::aws:policy/Admin Access".into()];
        b.user.groups = vec!["has space".into()];
        b.user.inline_policies = vec![crate::model::InlinePolicy {
            name: "p".into(),
            document: "{}".into(),
        }];
        let fields: Vec<String> = check_backup(&b)
            .into_iter()
            .map(|p| p.split(' ').next().unwrap().to_string())
            .collect();
        assert_eq!(
            fields,
            [
                "user.path",
                "user.arn",
                "user.attached_policies[0]",
                "user.inline_policies[0].document",
                "user.groups[0]"
            ]
        );
    }
}
