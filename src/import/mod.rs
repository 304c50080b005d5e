//! `ssosetup import`: the config written from what exists, for accounts
//! where part of the guide was clicked by hand.
//!
//! Reads the organization's accounts and the live Identity Center: every
//! permission set with its fields and policies, every group's assignments,
//! every user and their groups. Writes the config in the shape of
//! `examples/ssosetup.toml` (an inline policy into `policies/<set>.json`
//! beside it), so that replaying it (`init --yes`) plans no change. What the
//! config cannot express (assignments made directly to users, groups with
//! no assignment, Control Tower's `AWS...` sets and groups, users it cannot
//! describe) is listed by name and left alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use futures::stream::{self, StreamExt, TryStreamExt};
use schemars::JsonSchema;
use serde::Serialize;

use crate::aws::identitystore::{list_groups, list_users, memberships_of};
use crate::aws::organizations::list_accounts;
use crate::aws::ssoadmin::{list_account_assignments_for_principal, list_instances};
use crate::config::{
    check_email, check_user_name, default_group_name, AssignmentConfig, Config, LoadedConfig,
    PermissionSetConfig, UserConfig,
};
use crate::error::UserError;
use crate::model::{is_aws_owned, plural, Assignment, Group, GroupId, Principal, User, UserId};
use crate::run::{whoami, Session};
use crate::steps::permission_sets::{describe_all, observe_details, set_config, ObservedSet};
use crate::steps::Cx;
use crate::ui::OutputFormat;

/// How many principals' reads are under way at once (each paced by its
/// service's rate).
const AT_ONCE: usize = 8;

/// What exists, as import reads it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Found {
    pub region: String,
    pub instance_arn: String,
    pub identity_store_id: String,
    /// The permission sets with their parts.
    pub sets: Vec<ObservedSet>,
    pub groups: Vec<Group>,
    pub users: Vec<User>,
    /// User id -> the group ids it is in.
    pub memberships: BTreeMap<String, Vec<String>>,
    /// (user id, group id) -> the membership's id.
    pub membership_ids: BTreeMap<(String, String), String>,
    /// Every assignment of every group and user.
    pub assignments: Vec<Assignment>,
    /// The organization's accounts and OUs (for `ou:` targets), when read.
    pub accounts: Vec<crate::model::Account>,
    pub tree: Option<crate::model::OrgTree>,
}

/// The config import writes, the policy files beside it, and what it left.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Imported {
    pub config: Config,
    /// (path relative to the config, JSON text).
    pub policy_files: Vec<(PathBuf, String)>,
    /// What the config cannot express, by name.
    pub left_alone: Vec<String>,
}

/// The config that describes `found`, keeping `keep`'s sections import
/// cannot read (cli, cleanup, authentication, organization). Pure.
pub(crate) fn config_from(found: &Found, keep: &Config) -> Imported {
    let mut left_alone = Vec::new();
    let set_names: BTreeMap<&str, &str> = found
        .sets
        .iter()
        .map(|o| (o.set.arn.as_str(), o.set.name.as_str()))
        .collect();
    let group_names: BTreeMap<&str, &str> = found
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.display_name.as_str()))
        .collect();
    let user_names: BTreeMap<&str, &str> = found
        .users
        .iter()
        .map(|u| (u.id.as_str(), u.user_name.as_str()))
        .collect();

    let (permission_sets, policy_files) = permission_sets(found, &mut left_alone);
    let assignments = assignments(found, &set_names, &group_names, &mut left_alone);
    let assigned: BTreeSet<String> = crate::config::AssignmentGroups::of(&Config {
        assignments: assignments.clone(),
        ..Config::default()
    })
    .named;
    for g in &found.groups {
        if !assigned.contains(&g.display_name) && !is_aws_owned(&g.display_name) {
            left_alone.push(format!(
                "group {}: it holds no permission set the config can express",
                g.display_name
            ));
        }
    }
    let users = users(found, &group_names, &assigned, &mut left_alone);
    for a in &found.assignments {
        let Principal::User(user) = &a.principal else {
            continue;
        };
        left_alone.push(format!(
            "{} assigned directly to user {} on account {} (the config assigns to groups)",
            set_names
                .get(a.permission_set.as_str())
                .copied()
                .unwrap_or(a.permission_set.as_str()),
            user_names
                .get(user.as_str())
                .copied()
                .unwrap_or(user.as_str()),
            a.account,
        ));
    }
    let config = Config {
        region: Some(found.region.clone()),
        organization: keep.organization.clone(),
        identity_center: keep.identity_center.clone(),
        authentication: keep.authentication.clone(),
        permission_sets,
        assignments,
        users,
        cli: keep.cli.clone(),
        cleanup: keep.cleanup.clone(),
        portal_url: keep.portal_url.clone(),
        allow_custom_start_url: keep.allow_custom_start_url,
        iac: keep.iac.clone(),
    };
    Imported {
        config,
        policy_files,
        left_alone,
    }
}

/// Every permission set but AWS's own, with all its fields; an inline
/// policy goes to `policies/<set>.json`.
fn permission_sets(
    found: &Found,
    left_alone: &mut Vec<String>,
) -> (Vec<PermissionSetConfig>, Vec<(PathBuf, String)>) {
    let mut sets = Vec::new();
    let mut files = Vec::new();
    let mut sorted: Vec<&ObservedSet> = found.sets.iter().collect();
    sorted.sort_by(|a, b| a.set.name.cmp(&b.set.name));
    for o in sorted {
        if is_aws_owned(&o.set.name) {
            left_alone.push(format!(
                "permission set {} (AWS's or Control Tower's own)",
                o.set.name
            ));
            continue;
        }
        if !crate::config::is_aws_name(&o.set.name, 32) {
            // Impossible on AWS; possible from a broken or hostile endpoint.
            // Its name becomes no file name and no config entry.
            left_alone.push(format!(
                "permission set {}: not a name AWS allows",
                crate::error::excerpt(&o.set.name)
            ));
            continue;
        }
        let (set, file) = set_config(o);
        sets.push(set);
        files.extend(file);
    }
    (sets, files)
}

/// The groups' assignments: groups named the guide's way
/// (`<PermissionSet>-<AccountId>` on that account) collapse into one entry
/// per permission set; any other group keeps its name.
fn assignments(
    found: &Found,
    set_names: &BTreeMap<&str, &str>,
    group_names: &BTreeMap<&str, &str>,
    left_alone: &mut Vec<String>,
) -> Vec<AssignmentConfig> {
    // (set, group or None for default naming) -> accounts
    let mut entries: BTreeMap<(String, Option<String>), BTreeSet<String>> = BTreeMap::new();
    for a in &found.assignments {
        let Principal::Group(group_id) = &a.principal else {
            continue;
        };
        let account = a.account.as_str();
        let (Some(set), Some(group)) = (
            set_names.get(a.permission_set.as_str()),
            group_names.get(group_id.as_str()),
        ) else {
            continue;
        };
        if !crate::config::is_aws_name(set, 32) {
            continue; // listed with the permission sets
        }
        if !crate::config::is_group_name(group) {
            left_alone.push(format!(
                "{set} assigned to group {} on account {account}: not a group name AWS allows",
                crate::error::excerpt(group)
            ));
            continue;
        }
        if is_aws_owned(set) || is_aws_owned(group) {
            left_alone.push(format!(
                "{set} assigned to group {group} on account {account} (AWS's or Control Tower's own)"
            ));
            continue;
        }
        let key = if *group == default_group_name(set, account) {
            (set.to_string(), None)
        } else {
            (set.to_string(), Some(group.to_string()))
        };
        entries.entry(key).or_default().insert(account.to_string());
    }
    entries
        .into_iter()
        .map(|((permission_set, group), accounts)| AssignmentConfig {
            permission_set,
            accounts: targets(found, accounts),
            group,
            recursive: None,
            exclude_accounts: Vec::new(),
        })
        .collect()
}

/// The accounts of one assignment as the config names them: `ou:<path>`
/// when they are exactly the ACTIVE accounts of an OU (and those inside
/// it; the shallowest such OU), else the account ids. Pure.
fn targets(found: &Found, accounts: BTreeSet<String>) -> Vec<String> {
    if let Some(tree) = &found.tree {
        let active: BTreeSet<&str> = found
            .accounts
            .iter()
            .filter(|a| a.active)
            .map(|a| a.id.as_str())
            .collect();
        let mut ous: Vec<(usize, String, &str)> = tree
            .ous
            .iter()
            .map(|o| {
                let path = tree.path(&o.id);
                (path.matches('/').count(), path, o.id.as_str())
            })
            .collect();
        ous.sort();
        for (_, path, id) in ous {
            let covered: BTreeSet<String> = tree
                .accounts_in(id, true)
                .into_iter()
                .filter(|a| active.contains(a.as_str()))
                .collect();
            if !covered.is_empty() && covered == accounts {
                // The path names it unless a name in it holds a "/".
                return match tree.find(&path) {
                    Ok(o) if o.id == id => vec![format!("ou:{path}")],
                    _ => vec![format!("ou:{id}")],
                };
            }
        }
    }
    accounts.into_iter().collect()
}

/// Every user the config can describe, in the groups the assignments give.
fn users(
    found: &Found,
    group_names: &BTreeMap<&str, &str>,
    assigned: &BTreeSet<String>,
    left_alone: &mut Vec<String>,
) -> Vec<UserConfig> {
    let mut users = Vec::new();
    let mut emails: BTreeMap<String, String> = BTreeMap::new();
    let mut sorted: Vec<&User> = found.users.iter().collect();
    sorted.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    for u in sorted {
        let given = u.given_name.clone().unwrap_or_default();
        let family = u.family_name.clone().unwrap_or_default();
        let email = u.email.clone().unwrap_or_default();
        if check_user_name(&u.user_name).is_err()
            || given.trim().is_empty()
            || family.trim().is_empty()
            || u.display_name
                .as_deref()
                .is_none_or(|d| d.trim().is_empty())
            || check_email(&email).is_err()
        {
            left_alone.push(format!(
                "user {}: the config needs a user name, display, given and family name and one email ssosetup accepts",
                u.user_name
            ));
            continue;
        }
        if let Some(first) = emails.get(&email.to_lowercase()) {
            left_alone.push(format!(
                "user {}: email {email} is {first}'s too (the config keeps emails unique, as sign-in needs)",
                u.user_name
            ));
            continue;
        }
        emails.insert(email.to_lowercase(), u.user_name.clone());
        let mut groups = Vec::new();
        for g in found.memberships.get(&u.id).into_iter().flatten() {
            let Some(name) = group_names.get(g.as_str()) else {
                continue;
            };
            if assigned.contains(*name) {
                groups.push(name.to_string());
            } else {
                left_alone.push(format!(
                    "{} is in group {name}, which the config does not hold",
                    u.user_name
                ));
            }
        }
        groups.sort();
        let default_display = format!("{given} {family}");
        users.push(UserConfig {
            user_name: u.user_name.clone(),
            display_name: u.display_name.clone().filter(|d| *d != default_display),
            given_name: given,
            family_name: family,
            email,
            groups,
        });
    }
    users
}

/// Reads everything import describes (and `export` hands over).
pub(crate) async fn observe(cx: &Cx) -> Result<Found> {
    let instance = list_instances(&cx.aws.ssoadmin)
        .await?
        .into_iter()
        .find(|i| i.is_active())
        .ok_or_else(|| {
            UserError::new(format!(
                "there is no ACTIVE IAM Identity Center instance in {} to import from",
                cx.aws.region
            ))
            .hint("pass the home region with --region, or enable Identity Center first (`ssosetup init`)")
        })?;
    // The organization's accounts and OUs: assignments that cover exactly
    // an OU's accounts are written as that OU (a caller that cannot read
    // the accounts cannot run init either; one that cannot read the OUs
    // gets account ids).
    let accounts = list_accounts(&cx.aws.organizations).await?;
    let tree = crate::aws::organizations::org_tree(&cx.aws.organizations)
        .await
        .ok();
    let store = &instance.identity_store_id;
    let sets: Vec<ObservedSet> = stream::iter(describe_all(cx, &instance.arn).await?)
        .map(|set| observe_details(cx, &instance.arn, set))
        .buffer_unordered(4)
        .try_collect()
        .await?;
    let groups = list_groups(&cx.aws, store).await?;
    let users = list_users(&cx.aws, store).await?;
    let mut found = Found {
        region: cx.aws.region.clone(),
        instance_arn: instance.arn.to_string(),
        identity_store_id: store.clone(),
        sets,
        groups,
        users,
        accounts,
        tree,
        ..Found::default()
    };
    // Every principal's assignments (sso-admin) and every user's groups
    // (identitystore): two rate budgets, read side by side, several at once.
    let instance_arn = instance.arn.as_str();
    let principals: Vec<Principal> = found
        .groups
        .iter()
        .map(|g| Principal::Group(GroupId::new(&g.id)))
        .chain(
            found
                .users
                .iter()
                .map(|u| Principal::User(UserId::new(&u.id))),
        )
        .collect();
    let user_ids: Vec<String> = found.users.iter().map(|u| u.id.clone()).collect();
    let assignments =
        stream::iter(principals)
            .map(|p| async move {
                list_account_assignments_for_principal(&cx.aws, instance_arn, &p).await
            })
            .buffer_unordered(AT_ONCE)
            .try_collect::<Vec<Vec<Assignment>>>();
    let memberships = stream::iter(user_ids)
        .map(|id| async move { memberships_of(&cx.aws, store, &id).await.map(|of| (id, of)) })
        .buffer_unordered(AT_ONCE)
        .try_collect::<Vec<_>>();
    let (assignments, memberships) = futures::try_join!(assignments, memberships)?;
    found.assignments = assignments.into_iter().flatten().collect();
    // The same state gives the same import, whatever order the reads ended in.
    found.assignments.sort();
    for (user, of) in memberships {
        for (group, id) in &of {
            found
                .membership_ids
                .insert((user.clone(), group.clone()), id.clone());
        }
        found
            .memberships
            .insert(user, of.into_iter().map(|(g, _)| g).collect());
    }
    Ok(found)
}

/// What `import --output json` prints.
#[derive(Debug, Serialize, JsonSchema)]
struct ImportReport {
    config: PathBuf,
    written: bool,
    permission_sets: Vec<String>,
    assignments: usize,
    users: Vec<String>,
    policy_files: Vec<PathBuf>,
    left_alone: Vec<String>,
}

/// `ssosetup import [--force]`: reads, writes the config (an existing file
/// only with `--force`, after a backup), says what it left alone.
pub(crate) async fn import(s: &mut Session, force: bool, dry_run: bool) -> Result<()> {
    let path = s.cx.config.path.clone();
    if s.cx.config.from_file && !force {
        return Err(UserError::new(format!("{} exists already", path.display()))
            .hint("pass --force to replace it (it is backed up first; [cli], [cleanup] and your confirmations are kept), or --config NEW_FILE")
            .into());
    }
    whoami(&s.cx).await?;
    let imported = prepare(&s.cx).await?;
    let written = !dry_run;
    if written {
        let base = s.cx.config.base_dir().to_path_buf();
        for line in write(&path, &base, &imported, s.cx.config.from_file)? {
            s.cx.out.say(&line);
        }
    }
    report(s, &path, &imported, written)
}

/// Reads what exists and the config that describes it (keeping the loaded
/// config's sections import cannot read), validated before anything is
/// written.
pub(crate) async fn prepare(cx: &Cx) -> Result<Imported> {
    let found = observe(cx).await?;
    let imported = config_from(&found, &cx.config.config);
    let problems = check(&imported)?;
    if !problems.is_empty() {
        return Err(crate::config::invalid_config_error(&cx.config.path, &problems)
            .caused_by("the config import would write does not validate: this is a bug, please report it")
            .into());
    }
    Ok(imported)
}

/// Validates the config as it would be written, its policy files beside it
/// (in a scratch directory: nothing is written yet).
fn check(imported: &Imported) -> Result<Vec<crate::config::ConfigProblem>> {
    let scratch = tempfile::tempdir()?;
    for (rel, text) in &imported.policy_files {
        let file = scratch.path().join(rel);
        crate::files::write_atomically(&file, text.as_bytes(), 0o644)?;
    }
    Ok(crate::config::validate(&imported.config, scratch.path()))
}

/// Writes the config and its policy files (what was there before is
/// backed up first); returns what each backup holds, for the person.
pub(crate) fn write(
    path: &Path,
    base: &Path,
    imported: &Imported,
    exists: bool,
) -> Result<Vec<String>> {
    let mut kept = Vec::new();
    if exists {
        let backup = crate::files::backup_copy(path)
            .with_context(|| format!("cannot back up {}", path.display()))?;
        kept.push(format!(
            "the previous config is kept as {}",
            backup.display()
        ));
    }
    for (rel, text) in &imported.policy_files {
        if let Some(backup) = crate::config::write_policy_file(base, rel, text)? {
            kept.push(format!(
                "the previous {} is kept as {}",
                rel.display(),
                backup.display()
            ));
        }
    }
    let mut loaded = LoadedConfig {
        config: imported.config.clone(),
        prune: false,
        path: path.to_path_buf(),
        from_file: exists,
        region_flag: false,
    };
    loaded.save()?;
    Ok(kept)
}

fn report(s: &Session, path: &Path, imported: &Imported, written: bool) -> Result<()> {
    let c = &imported.config;
    if s.output == OutputFormat::Json {
        let doc = ImportReport {
            config: path.to_path_buf(),
            written,
            permission_sets: c.permission_sets.iter().map(|p| p.name.clone()).collect(),
            assignments: c.assignments.len(),
            users: c.users.iter().map(|u| u.user_name.clone()).collect(),
            policy_files: imported
                .policy_files
                .iter()
                .map(|(p, _)| p.clone())
                .collect(),
            left_alone: imported.left_alone.clone(),
        };
        s.cx.out.data(&serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    let out = &s.cx.out;
    if !written {
        out.data(&toml::to_string(c)?);
    }
    out.say(&format!(
        "{} {}: {} permission set{}, {} assignment entr{}, {} user{}{}",
        if written {
            "wrote"
        } else {
            "would write (--dry-run)"
        },
        path.display(),
        c.permission_sets.len(),
        plural(c.permission_sets.len()),
        c.assignments.len(),
        if c.assignments.len() == 1 { "y" } else { "ies" },
        c.users.len(),
        plural(c.users.len()),
        if imported.policy_files.is_empty() {
            String::new()
        } else {
            format!(
                ", and {}",
                imported
                    .policy_files
                    .iter()
                    .map(|(p, _)| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    if !imported.left_alone.is_empty() {
        out.say("Left alone (the config cannot express these; ssosetup never changes them):");
        for l in &imported.left_alone {
            out.say(&format!("  {l}"));
        }
    }
    out.say(&format!(
        "Check it with `ssosetup init --config {} --dry-run`: it should plan no change.",
        path.display()
    ));
    Ok(())
}

#[cfg(test)]
mod roundtrip;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountId, PermissionSet, PermissionSetArn};

    fn set(name: &str, relay: Option<&str>) -> ObservedSet {
        ObservedSet {
            set: PermissionSet {
                arn: format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{}", name.len()),
                name: name.into(),
                description: None,
                session_duration: Some("PT1H".into()),
                relay_state: relay.map(str::to_string),
            },
            managed: Default::default(),
            customer_managed: Default::default(),
            inline: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
            boundary: Some(None),
        }
    }

    #[test]
    fn a_name_aws_cannot_have_is_left_alone_and_becomes_no_file() {
        let found = Found {
            region: "us-east-1".into(),
            sets: vec![
                set("../../evil", None),
                set("Ops/..", None),
                set("Dev", None),
            ],
            ..Found::default()
        };
        let imported = config_from(&found, &Config::default());
        let names: Vec<&str> = imported
            .config
            .permission_sets
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["Dev"]);
        assert_eq!(imported.policy_files.len(), 1);
        assert_eq!(imported.policy_files[0].0, Path::new("policies/Dev.json"));
        assert_eq!(
            imported
                .left_alone
                .iter()
                .filter(|l| l.contains("not a name AWS allows"))
                .count(),
            2,
            "{:?}",
            imported.left_alone
        );
        // Whatever a name holds, its file stays one plain name in policies/.
        for name in ["../../evil", "..", ".", "a/b", "x\0y"] {
            let file = crate::steps::permission_sets::policy_file(name);
            let parts: Vec<_> = file.components().collect();
            assert_eq!(parts.len(), 2, "{name}: {}", file.display());
            assert!(
                matches!(parts[1], std::path::Component::Normal(_)),
                "{name}"
            );
        }
    }

    #[test]
    fn what_aws_allows_imports_and_validates() {
        let found = Found {
            region: "us-east-1".into(),
            sets: vec![set("Dev", Some("http://intranet.example.internal/aws"))],
            groups: vec![Group {
                id: "g-1".into(),
                display_name: "Ops ".into(),
                description: None,
            }],
            assignments: vec![Assignment {
                principal: Principal::Group(GroupId::new("g-1")),
                account: AccountId::from_aws("111111111111"),
                permission_set: PermissionSetArn::new("arn:aws:sso:::permissionSet/ssoins-1/ps-3"),
            }],
            ..Found::default()
        };
        let imported = config_from(&found, &Config::default());
        assert_eq!(
            imported.config.assignments[0].group.as_deref(),
            Some("Ops ")
        );
        assert!(check(&imported).unwrap().is_empty());
    }
}
