//! The AWS Organization and its accounts.

use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Organization {
    pub id: String,
    pub management_account_id: String,
    /// True when all features are on; false for consolidated billing only.
    pub all_features: bool,
}

/// A member account of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Account {
    pub id: String,
    pub name: String,
    pub active: bool,
}

/// Where a run works from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seat {
    /// Not looked at yet.
    Unknown,
    /// The organization's management account, or an account in no
    /// organization (the one that will manage the organization it makes).
    Management,
    /// A member account that is IAM Identity Center's delegated
    /// administrator: the daily work, but not what only `management` may do.
    DelegatedAdmin { management: String },
    /// Any other member account: Identity Center is not run from it.
    Member { management: String },
}

impl Seat {
    /// The management account when the run works from the delegated
    /// administrator.
    pub(crate) fn delegated_from(&self) -> Option<&str> {
        match self {
            Seat::DelegatedAdmin { management } => Some(management),
            _ => None,
        }
    }
}

/// An organizational unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Ou {
    /// `ou-ab12-cdef3456`.
    pub id: String,
    pub name: String,
    /// The OU or root it sits in.
    pub parent: String,
}

/// The organization's tree: its root, its OUs, and which OU (or the root)
/// each account sits in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OrgTree {
    /// `r-ab12`.
    pub root: String,
    pub ous: Vec<Ou>,
    /// Account id -> the id of the OU (or root) it is in.
    pub parent_of: std::collections::BTreeMap<String, String>,
}

/// Why an `ou:` target names no single OU; the message names the
/// candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OuNotFound {
    None { candidates: Vec<String> },
    Ambiguous { matches: Vec<String> },
}

impl OrgTree {
    pub(crate) fn ou(&self, id: &str) -> Option<&Ou> {
        self.ous.iter().find(|o| o.id == id)
    }

    /// `Workloads/Prod`: the OU's names from the root down.
    pub(crate) fn path(&self, id: &str) -> String {
        let mut parts = Vec::new();
        let mut at = id;
        // A tree read from AWS has no cycles; the bound keeps a bad one finite.
        for _ in 0..=self.ous.len() {
            match self.ou(at) {
                Some(o) => {
                    parts.push(o.name.as_str());
                    at = &o.parent;
                }
                None => break,
            }
        }
        parts.reverse();
        parts.join("/")
    }

    /// The OU an `ou:` target's text names: an OU id as is, a path from the
    /// root (`Workloads/Prod`), or a name that only one OU has. Pure.
    pub(crate) fn find(&self, spec: &str) -> Result<&Ou, OuNotFound> {
        if let Some(o) = self.ou(spec) {
            return Ok(o);
        }
        let by_path: Vec<&Ou> = self
            .ous
            .iter()
            .filter(|o| self.path(&o.id) == spec)
            .collect();
        let matches: Vec<&Ou> = if by_path.is_empty() && !spec.contains('/') {
            self.ous.iter().filter(|o| o.name == spec).collect()
        } else {
            by_path
        };
        match matches.as_slice() {
            [one] => Ok(one),
            [] => {
                let mut candidates: Vec<String> = self
                    .ous
                    .iter()
                    .map(|o| format!("{} ({})", self.path(&o.id), o.id))
                    .collect();
                candidates.sort();
                Err(OuNotFound::None { candidates })
            }
            many => Err(OuNotFound::Ambiguous {
                matches: many
                    .iter()
                    .map(|o| format!("{} ({})", self.path(&o.id), o.id))
                    .collect(),
            }),
        }
    }

    /// Whether OU (or root) `id` is `ancestor` or inside it.
    fn within(&self, id: &str, ancestor: &str) -> bool {
        let mut at = id;
        for _ in 0..=self.ous.len() {
            if at == ancestor {
                return true;
            }
            match self.ou(at) {
                Some(o) => at = &o.parent,
                None => return false,
            }
        }
        false
    }

    /// The accounts in OU `id`; with `recursive`, those of the OUs inside
    /// it too. Sorted.
    pub(crate) fn accounts_in(&self, id: &str, recursive: bool) -> Vec<String> {
        self.parent_of
            .iter()
            .filter(|(_, parent)| {
                if recursive {
                    self.within(parent, id)
                } else {
                    *parent == id
                }
            })
            .map(|(account, _)| account.clone())
            .collect()
    }
}

impl std::fmt::Display for OuNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OuNotFound::None { candidates } if candidates.is_empty() => {
                write!(f, "the organization has no organizational units")
            }
            OuNotFound::None { candidates } => write!(
                f,
                "no organizational unit has this name, path or id; there are: {}",
                super::some_of(&candidates.iter().map(String::as_str).collect::<Vec<_>>())
            ),
            OuNotFound::Ambiguous { matches } => write!(
                f,
                "{} organizational units have this name: {}; name one by its path from the root or its id",
                matches.len(),
                matches.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Root r-1: Workloads (Prod (a1, a2), Dev (a3)), Sandbox (a4, and a
    /// Dev of its own (a6)); a5 at the root.
    pub(crate) fn tree() -> OrgTree {
        let ou = |id: &str, name: &str, parent: &str| Ou {
            id: id.into(),
            name: name.into(),
            parent: parent.into(),
        };
        OrgTree {
            root: "r-1".into(),
            ous: vec![
                ou("ou-1-work", "Workloads", "r-1"),
                ou("ou-1-prod", "Prod", "ou-1-work"),
                ou("ou-1-dev", "Dev", "ou-1-work"),
                ou("ou-1-sand", "Sandbox", "r-1"),
                ou("ou-1-sdev", "Dev", "ou-1-sand"),
            ],
            parent_of: [
                ("a1", "ou-1-prod"),
                ("a2", "ou-1-prod"),
                ("a3", "ou-1-dev"),
                ("a4", "ou-1-sand"),
                ("a5", "r-1"),
                ("a6", "ou-1-sdev"),
            ]
            .into_iter()
            .map(|(a, p)| (a.to_string(), p.to_string()))
            .collect(),
        }
    }

    #[test]
    fn an_ou_is_named_by_id_path_or_a_name_only_it_has() {
        let t = tree();
        assert_eq!(t.find("ou-1-prod").unwrap().name, "Prod");
        assert_eq!(t.find("Workloads/Dev").unwrap().id, "ou-1-dev");
        assert_eq!(t.find("Prod").unwrap().id, "ou-1-prod");
        match t.find("Dev").unwrap_err() {
            OuNotFound::Ambiguous { matches } => {
                assert_eq!(
                    matches,
                    ["Workloads/Dev (ou-1-dev)", "Sandbox/Dev (ou-1-sdev)"]
                )
            }
            other => panic!("{other:?}"),
        }
        let none = t.find("Workload").unwrap_err();
        assert!(none.to_string().contains("Workloads (ou-1-work)"), "{none}");
        assert!(t.find("Workloads/Nope").is_err());
    }

    #[test]
    fn an_ou_holds_its_childrens_accounts_unless_not_recursive() {
        let t = tree();
        assert_eq!(t.accounts_in("ou-1-work", true), ["a1", "a2", "a3"]);
        assert!(t.accounts_in("ou-1-work", false).is_empty());
        assert_eq!(t.accounts_in("ou-1-sand", false), ["a4"]);
        assert_eq!(t.accounts_in("ou-1-sand", true), ["a4", "a6"]);
        assert_eq!(t.path("ou-1-sdev"), "Sandbox/Dev");
    }
}
