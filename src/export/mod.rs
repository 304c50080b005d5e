//! `ssosetup export terraform|cloudformation`: the live Identity Center as
//! infrastructure as code, with the import blocks (Terraform) or import
//! change sets (CloudFormation) that adopt what exists, so the first plan
//! after the hand-over changes nothing. Read-only in AWS.
//!
//! What is exported: what the config manages (its permission sets, the
//! groups its assignments name, its users, their memberships and the
//! groups' assignments), or with `--all` everything in the instance that
//! is not AWS-owned (`AWS...` sets and groups, and their assignments, are
//! listed and left out, as `import` does).
//!
//! Reads are import's (`import::observe`), plus each user's every
//! attribute and each permission set's tags. Writing is pure
//! (`terraform::render`, `cloudformation::render`): the same state gives
//! byte-identical files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use futures::{stream, StreamExt, TryStreamExt};

use crate::error::UserError;
use crate::import::Found;
use crate::model::{is_aws_owned, plural, printable, Assignment, Group, Principal, UserDetail};
use crate::run::{whoami, Session};
use crate::steps::permission_sets::ObservedSet;

pub(crate) mod cloudformation;
mod names;
pub(crate) mod terraform;

/// The default directory.
pub(crate) const DEFAULT_DIR: &str = "ssosetup-iac";

/// Which tool takes over.
pub(crate) use crate::config::IacTool as Tool;

/// A permission set with everything attached to it, and its tags.
#[derive(Debug, Clone)]
pub(crate) struct SetOut {
    pub observed: ObservedSet,
    pub tags: Vec<(String, String)>,
}

impl SetOut {
    /// Its tags, sorted by key: the same tags give the same files whatever
    /// order AWS lists them in.
    pub(crate) fn set_tags(&mut self, mut tags: Vec<(String, String)>) {
        tags.sort();
        self.tags = tags;
    }
}

/// A group membership: its id (what Terraform and CloudFormation import
/// it by), its group and its user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct MembershipOut {
    pub id: String,
    pub group_id: String,
    pub user_id: String,
}

/// What is handed over, chosen from what exists. Everything sorted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Handover {
    pub region: String,
    pub instance_arn: String,
    pub identity_store_id: String,
    pub sets: Vec<SetOut>,
    pub groups: Vec<Group>,
    pub users: Vec<UserDetail>,
    pub memberships: Vec<MembershipOut>,
    pub assignments: Vec<Assignment>,
    /// What was left out, with why.
    pub left_out: Vec<String>,
}

impl Handover {
    pub(crate) fn is_empty(&self) -> bool {
        self.sets.is_empty()
            && self.groups.is_empty()
            && self.users.is_empty()
            && self.assignments.is_empty()
    }

    pub(crate) fn set_name(&self, arn: &str) -> Option<&str> {
        self.sets
            .iter()
            .find(|s| s.observed.set.arn == arn)
            .map(|s| s.observed.set.name.as_str())
    }

    /// User id -> user name and group id -> display name, for naming
    /// memberships and assignments (an id not handed over names itself).
    pub(crate) fn names(&self) -> Names<'_> {
        Names {
            users: self
                .users
                .iter()
                .map(|u| (u.id.as_str(), u.user_name.as_str()))
                .collect(),
            groups: self
                .groups
                .iter()
                .map(|g| (g.id.as_str(), g.display_name.as_str()))
                .collect(),
        }
    }
}

/// What [`Handover::names`] gives.
pub(crate) struct Names<'a> {
    users: BTreeMap<&'a str, &'a str>,
    groups: BTreeMap<&'a str, &'a str>,
}

impl Names<'_> {
    pub(crate) fn user(&self, id: &str) -> String {
        self.users.get(id).copied().unwrap_or(id).to_string()
    }

    pub(crate) fn group(&self, id: &str) -> String {
        self.groups.get(id).copied().unwrap_or(id).to_string()
    }
}

/// What the config manages, or everything that is not AWS-owned (`all`),
/// from what was read. Pure.
pub(crate) fn select(
    found: &Found,
    details: &[UserDetail],
    tags: &BTreeMap<String, Vec<(String, String)>>,
    config: &crate::config::Config,
    all: bool,
) -> Handover {
    let mut left_out = Vec::new();
    // The config's names: its sets, the groups its assignments and users
    // name, its users.
    let config_sets: BTreeSet<&str> = config
        .permission_sets
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let config_groups: BTreeSet<String> = config
        .users
        .iter()
        .flat_map(|u| u.groups.iter().cloned())
        .chain(config.assignments.iter().filter_map(|a| a.group.clone()))
        .chain(found.groups.iter().filter_map(|g| {
            // A default-named group of a configured set: `<set>-<account>`.
            let (set, account) = g.display_name.rsplit_once('-')?;
            (config_sets.contains(set) && crate::config::is_account_id(account))
                .then(|| g.display_name.clone())
        }))
        .collect();
    let config_users: BTreeSet<&str> = config.users.iter().map(|u| u.user_name.as_str()).collect();

    let mut sets: Vec<SetOut> = Vec::new();
    for o in &found.sets {
        let name = o.set.name.as_str();
        if is_aws_owned(name) {
            left_out.push(format!(
                "permission set {} (AWS's or Control Tower's own)",
                printable(name)
            ));
            continue;
        }
        if !all && !config_sets.contains(name) {
            continue;
        }
        let mut set = SetOut {
            observed: o.clone(),
            tags: Vec::new(),
        };
        set.set_tags(tags.get(&o.set.arn).cloned().unwrap_or_default());
        sets.push(set);
    }
    sets.sort_by(|a, b| a.observed.set.name.cmp(&b.observed.set.name));
    let set_arns: BTreeSet<&str> = sets.iter().map(|s| s.observed.set.arn.as_str()).collect();

    let mut groups: Vec<Group> = Vec::new();
    for g in &found.groups {
        if is_aws_owned(&g.display_name) {
            left_out.push(format!(
                "group {} (AWS's or Control Tower's own)",
                g.display_name
            ));
            continue;
        }
        if all || config_groups.contains(&g.display_name) {
            groups.push(g.clone());
        }
    }
    groups.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    let group_ids: BTreeSet<&str> = groups.iter().map(|g| g.id.as_str()).collect();

    let mut users: Vec<UserDetail> = details
        .iter()
        .filter(|u| all || config_users.contains(u.user_name.as_str()))
        .cloned()
        .collect();
    users.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    let user_ids: BTreeSet<&str> = users.iter().map(|u| u.id.as_str()).collect();

    let mut memberships: Vec<MembershipOut> = found
        .membership_ids
        .iter()
        .filter(|((user, group), _)| {
            user_ids.contains(user.as_str()) && group_ids.contains(group.as_str())
        })
        .map(|((user, group), id)| MembershipOut {
            id: id.clone(),
            group_id: group.clone(),
            user_id: user.clone(),
        })
        .collect();
    memberships.sort();

    let mut assignments: Vec<Assignment> = Vec::new();
    for a in &found.assignments {
        let set_known = set_arns.contains(a.permission_set.as_str());
        let holder_known = match &a.principal {
            Principal::Group(g) => group_ids.contains(g.as_str()),
            // The config cannot express a direct assignment: only with --all.
            Principal::User(u) => all && user_ids.contains(u.as_str()),
        };
        if set_known && holder_known {
            assignments.push(a.clone());
        } else if !set_known
            && found
                .sets
                .iter()
                .any(|s| s.set.arn == a.permission_set.as_str() && is_aws_owned(&s.set.name))
        {
            left_out.push(format!(
                "an assignment of an AWS-owned permission set on account {}",
                a.account
            ));
        }
    }
    assignments.sort();
    left_out.sort();
    left_out.dedup();
    Handover {
        region: found.region.clone(),
        instance_arn: found.instance_arn.clone(),
        identity_store_id: found.identity_store_id.clone(),
        sets,
        groups,
        users,
        memberships,
        assignments,
        left_out,
    }
}

/// The files of one export: (path relative to DIR, content), and what
/// they leave out.
pub(crate) struct Export {
    pub files: Vec<(PathBuf, String)>,
    pub left_out: Vec<String>,
}

/// The files in the directory (`existing`) that an export for `tool` writes
/// and this one (`files`) does not. Pure.
pub(crate) fn stale(tool: Tool, existing: &[String], files: &[(PathBuf, String)]) -> Vec<String> {
    let ours = |name: &str| match tool {
        Tool::Terraform => matches!(
            name,
            "versions.tf"
                | "imports.tf"
                | "permission_sets.tf"
                | "groups.tf"
                | "users.tf"
                | "group_memberships.tf"
                | "account_assignments.tf"
                | "README.md"
        ),
        // `NN-kind....json` and `NN-kind....resources-to-import.json`.
        Tool::Cloudformation => {
            name == "README.md"
                || (name.len() > 8
                    && name.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                    && name.as_bytes()[2] == b'-'
                    && name.ends_with(".json"))
        }
    };
    let mut out: Vec<String> = existing
        .iter()
        .filter(|n| ours(n) && !files.iter().any(|(p, _)| p.as_os_str() == n.as_str()))
        .cloned()
        .collect();
    out.sort();
    out
}

/// Refuses a directory with anything in it (unless `force`), or a path
/// that is not a directory.
fn check_dir(dir: &Path, force: bool) -> Result<(), UserError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(UserError::new(format!(
                    "{} is not empty",
                    dir.display()
                ))
                .hint("pass --force to write over an earlier export there (files it has no more are removed, others are left), or --dir NEW_DIR"));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(UserError::new(format!(
            "cannot use {} as the export directory",
            dir.display()
        ))
        .caused_by(e.to_string())
        .hint("pass --dir with a directory to write to")),
    }
}

/// Why an export would be empty, and what to do. Pure.
fn nothing_to_export(all: bool) -> UserError {
    if all {
        UserError::new(
            "nothing to export: the instance has no permission set, group, user or assignment that is not AWS-owned",
        )
        .hint("set Identity Center up first (`ssosetup init`), then export it")
    } else {
        UserError::new(
            "nothing to export: none of the permission sets, groups, users or assignments the config names exists yet",
        )
        .hint("apply the config first (`ssosetup init --yes`), or pass --all to export everything in the instance that is not AWS-owned")
    }
}

/// `ssosetup export TOOL [--dir DIR] [--all] [--force]`.
pub(crate) async fn export(
    s: &mut Session,
    tool: Tool,
    dir: Option<PathBuf>,
    all: bool,
    force: bool,
) -> Result<()> {
    let dir = dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    check_dir(&dir, force)?;
    if !all && !s.cx.config.from_file {
        return Err(UserError::new(format!(
            "there is no config at {} to say what ssosetup manages: nothing to export",
            s.cx.config.path.display()
        ))
        .hint("pass --config FILE, or --all to export everything in the instance that is not AWS-owned")
        .into());
    }
    let caller = whoami(&s.cx).await?;
    let found = crate::import::observe(&s.cx).await?;
    let details = crate::aws::identitystore::list_user_details(
        &s.cx.aws,
        &found.identity_store_id,
        caller.partition(),
    )
    .await?;
    let mut handover = select(&found, &details, &BTreeMap::new(), &s.cx.config.config, all);
    if handover.is_empty() {
        return Err(nothing_to_export(all).into());
    }
    // The tags of the sets handed over, several at once (paced as
    // sso-admin's calls are).
    let aws = &s.cx.aws;
    let instance = found.instance_arn.as_str();
    let mut tags: BTreeMap<String, Vec<(String, String)>> = stream::iter(&handover.sets)
        .map(|o| async move {
            let arn = &o.observed.set.arn;
            aws.optional_read(
                "sso:ListTagsForResource",
                "permission sets are exported without their tags (a plan after the hand-over would remove any they have)",
                || crate::aws::ssoadmin::tags_of(aws, instance, arn),
            )
            .await
            .map(|read| read.map(|t| (arn.clone(), t)))
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .flatten()
        .collect();
    for set in &mut handover.sets {
        set.set_tags(tags.remove(&set.observed.set.arn).unwrap_or_default());
    }
    let export = match tool {
        Tool::Terraform => terraform::render(&handover),
        Tool::Cloudformation => cloudformation::render(&handover),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        UserError::new(format!("cannot create {}", dir.display())).caused_by(e.to_string())
    })?;
    // A file an earlier export wrote that this one does not (a kind that is
    // empty now, a template that is no longer needed) would make the tool
    // plan to create what is not imported: it goes. Anything else stays.
    let existing: Vec<String> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let removed = stale(tool, &existing, &export.files);
    for name in &removed {
        std::fs::remove_file(dir.join(name))?;
    }
    for (name, text) in &export.files {
        crate::files::write_atomically(&dir.join(name), text.as_bytes(), 0o644)?;
    }
    let out = &s.cx.out;
    for name in &removed {
        out.say(&format!(
            "Removed {}: an earlier export wrote it, and this one has nothing for it.",
            dir.join(name).display()
        ));
    }
    for (name, _) in &export.files {
        out.data(&dir.join(name).display().to_string());
    }
    out.say(&format!(
        "Wrote {} file{} for {} to {}: {} permission set{}, {} group{}, {} user{}, {} membership{}, {} assignment{}. Its README.md says the commands to run.",
        export.files.len(),
        plural(export.files.len()),
        tool.name(),
        dir.display(),
        handover.sets.len(),
        plural(handover.sets.len()),
        handover.groups.len(),
        plural(handover.groups.len()),
        handover.users.len(),
        plural(handover.users.len()),
        handover.memberships.len(),
        plural(handover.memberships.len()),
        handover.assignments.len(),
        plural(handover.assignments.len()),
    ));
    if !export.left_out.is_empty() {
        out.say("Left out:");
        for l in &export.left_out {
            out.say(&format!("  {l}"));
        }
    }
    crate::run::say_gaps(&s.cx);
    offer_owner(s, tool)?;
    Ok(())
}

/// After an export at a terminal: once the tool has taken over, ssosetup
/// should stop writing what it owns. Asks (default no) and saves
/// `[iac] owner`.
fn offer_owner(s: &mut Session, tool: Tool) -> Result<()> {
    if !s.prompt.interactive() || !s.cx.config.from_file {
        s.cx.out.say(&format!(
            "Once {} has imported them, set `[iac] owner = \"{}\"` in the config: ssosetup then reports drift in these resources and never writes them.",
            tool.name(),
            tool.name()
        ));
        return Ok(());
    }
    if s.cx.config.config.iac_owner() == Some(tool) {
        return Ok(());
    }
    let yes = s.prompt.confirm(
        &format!(
            "Has {} imported them (so ssosetup should only report drift from now on)?",
            tool.name()
        ),
        false,
    )?;
    if yes {
        s.cx.config.config.iac = Some(crate::config::IacConfig { owner: Some(tool) });
        s.cx.config.save()?;
        s.cx.out.say(&format!(
            "Saved [iac] owner = \"{}\" in {}.",
            tool.name(),
            s.cx.config.path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
