//! Names for Terraform resource addresses and CloudFormation logical ids:
//! readable, unique within their kind, and the same on every export of the
//! same state (inputs are named in sorted order).

use std::collections::{BTreeMap, BTreeSet};

/// A Terraform identifier from any text: lower case letters, digits and
/// `_` (runs of anything else become one `_`), starting with a letter.
/// Pure.
pub(crate) fn terraform_ident(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    match out.chars().next() {
        None => "r".to_string(),
        Some(c) if !c.is_ascii_alphabetic() => format!("r_{out}"),
        Some(_) => out,
    }
}

/// A CloudFormation logical id (letters and digits only, at most 255):
/// `prefix` and each part, capitalized. Pure.
pub(crate) fn logical_id(prefix: &str, parts: &[&str]) -> String {
    let mut out = prefix.to_string();
    for part in parts {
        for word in part.split(|c: char| !c.is_ascii_alphanumeric()) {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(chars);
            }
        }
    }
    out.chars().take(240).collect()
}

/// An assignment's name: its set, account and holder, the holder left out
/// when it is the set's default-named group for that account. Pure.
pub(crate) fn assignment_name(set: &str, account: &str, who: &str) -> String {
    if who == crate::config::default_group_name(set, account) {
        format!("{set} {account}")
    } else {
        format!("{set} {account} {who}")
    }
}

/// Hands out unique names per kind: a second `admins` becomes `admins_2`
/// (`Admins2` for logical ids, which have no `_`).
#[derive(Debug, Default)]
pub(crate) struct Namer {
    used: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Namer {
    pub(crate) fn unique(&mut self, kind: &'static str, base: String) -> String {
        let used = self.used.entry(kind).or_default();
        let glue = if base.contains('_') || base.chars().all(|c| c.is_ascii_lowercase()) {
            "_"
        } else {
            ""
        };
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{base}{glue}{n}");
            n += 1;
        }
        used.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_name_becomes_a_terraform_identifier() {
        assert_eq!(terraform_ident("Developers"), "developers");
        assert_eq!(
            terraform_ident("AdministratorAccess-123456789012"),
            "administratoraccess_123456789012"
        );
        assert_eq!(terraform_ident("Ops team (EU)"), "ops_team_eu");
        assert_eq!(terraform_ident("123-admins"), "r_123_admins");
        assert_eq!(terraform_ident("日本"), "r");
        assert_eq!(terraform_ident("a.b@example.com"), "a_b_example_com");
    }

    #[test]
    fn names_that_collide_get_a_number_in_a_stable_order() {
        let mut n = Namer::default();
        assert_eq!(n.unique("group", terraform_ident("Ops")), "ops");
        assert_eq!(n.unique("group", terraform_ident("ops!")), "ops_2");
        assert_eq!(n.unique("user", terraform_ident("ops")), "ops");
        assert_eq!(n.unique("cfn", logical_id("Group", &["ops"])), "GroupOps");
        assert_eq!(n.unique("cfn", logical_id("Group", &["Ops"])), "GroupOps2");
        assert_eq!(
            logical_id("Assignment", &["Dev", "group-Ops", "111122223333"]),
            "AssignmentDevGroupOps111122223333"
        );
    }
}
