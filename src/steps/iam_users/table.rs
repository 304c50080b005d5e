//! The inventory as people read it: a table, and the Identity Center user
//! that plausibly replaces each IAM user.

use super::*;

/// The Identity Center user that plausibly replaces an IAM user: the same
/// user name, or an email equal to the IAM user's name, to an email in its
/// tags, or whose local part is the IAM user's name.
pub(crate) fn replaced_by<'a>(user: &IamUser, ic: &'a [IcUser]) -> Option<&'a IcUser> {
    let name = user.user_name.to_ascii_lowercase();
    let tag_emails: Vec<String> = user
        .tags
        .values()
        .filter(|v| v.contains('@'))
        .map(|v| v.to_ascii_lowercase())
        .collect();
    ic.iter().find(|u| {
        let email = u.email.as_deref().unwrap_or_default().to_ascii_lowercase();
        u.user_name.eq_ignore_ascii_case(&name)
            || (!email.is_empty()
                && (email == name
                    || tag_emails.contains(&email)
                    || email.split('@').next() == Some(name.as_str())))
    })
}

pub(super) fn day(t: Option<&str>) -> String {
    t.map(|t| t.chars().take(10).collect())
        .unwrap_or_else(|| "never".to_string())
}

/// When the user last used a key (with the service) or the console.
fn last_used(u: &IamUser) -> String {
    match u
        .access_keys
        .iter()
        .filter(|k| k.last_used.is_some())
        .max_by(|a, b| a.last_used.cmp(&b.last_used))
    {
        Some(k) if k.last_used.as_deref() >= u.password_last_used.as_deref() => format!(
            "{} key{}",
            day(k.last_used.as_deref()),
            k.last_used_service
                .as_deref()
                .map(|s| format!(" {s}"))
                .unwrap_or_default()
        ),
        _ if u.password_last_used.is_some() => {
            format!("{} console", day(u.password_last_used.as_deref()))
        }
        _ => "never".to_string(),
    }
}

/// The inventory as table rows (header first); `labels`: each user's PLAN.
pub(crate) fn table(
    users: &[IamUser],
    ic: &[IcUser],
    labels: &[String],
    now: SystemTime,
) -> Vec<String> {
    let mut rows = vec![[
        "IAM USER",
        "PASSWORD",
        "ACCESS KEYS",
        "MFA",
        "GROUPS",
        "POLICIES",
        "LAST USED",
        "IDENTITY CENTER",
        "PLAN",
    ]
    .map(str::to_string)
    .to_vec()];
    for (u, label) in users.iter().zip(labels) {
        let keys = super::accounts::keys_cell(&u.access_keys, now);
        let password = if u.console_password {
            match &u.password_last_used {
                Some(t) => format!("yes, used {}", day(Some(t))),
                None => "yes, never used".to_string(),
            }
        } else {
            "no".to_string()
        };
        let last = last_used(u);
        rows.push(vec![
            u.user_name.clone(),
            password,
            keys,
            u.mfa_devices.len().to_string(),
            if u.groups.is_empty() {
                "-".to_string()
            } else {
                u.groups.join(",")
            },
            format!(
                "{} attached, {} inline",
                u.attached_policies.len(),
                u.inline_policies.len()
            ),
            last,
            replaced_by(u, ic)
                .map(|r| r.user_name.clone())
                .unwrap_or_else(|| "-".to_string()),
            label.clone(),
        ]);
    }
    columns(&rows)
}

/// Rows as aligned columns (two spaces apart, no trailing space).
pub(crate) fn columns(rows: &[Vec<String>]) -> Vec<String> {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::iam_users::tests::{ic, user};

    #[test]
    fn an_identity_center_replacement_is_matched_by_name_email_or_tag() {
        let people = [
            ic("alice", "alice@example.com"),
            ic("bob.r", "bob@example.com"),
        ];
        assert_eq!(
            replaced_by(&user("Alice"), &people).unwrap().user_name,
            "alice"
        );
        assert_eq!(
            replaced_by(&user("bob"), &people).unwrap().user_name,
            "bob.r"
        );
        let mut tagged = user("deploy");
        tagged.tags.insert("owner".into(), "Bob@Example.com".into());
        assert_eq!(replaced_by(&tagged, &people).unwrap().user_name, "bob.r");
        assert!(replaced_by(&user("ci"), &people).is_none());
    }
}
