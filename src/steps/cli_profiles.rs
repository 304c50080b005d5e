//! Step `cli-profiles`: the AWS CLI config file has one `[sso-session]` and
//! one profile per (account, permission set) the configured user can reach,
//! as `aws configure sso` would write them, and nothing else in it changes.
//!
//! Reads: the user (identitystore:GetUserId), its groups
//! (ListGroupMembershipsForMember), their assignments and the user's own
//! (sso:ListAccountAssignmentsForPrincipal), permission set names, account
//! names when the profile template uses them, and `$AWS_CONFIG_FILE` or
//! `~/.aws/config`. May change: that file only, atomically (a temporary file,
//! then rename), keeping its mode, after a timestamped backup. Sections it
//! wrote carry a marker and are updated in place; a same-named section it
//! did not write, and its own profiles whose assignment is gone, change only
//! after an explicit yes. Idempotent: a second run renders the same bytes
//! and writes nothing (no backup either).

use crate::model::plural;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::assignments::{wanted, Wanted};
use std::sync::Mutex;

use futures::future::LocalBoxFuture;

use super::{
    ensure_accounts, ensure_instance, ensure_permission_sets, Cx, Facts, Person, Step, StepId,
};
use crate::aws::identitystore::{get_user_id, list_memberships_of};
use crate::aws::ssoadmin::list_account_assignments_for_principal;
use crate::config::CliConfig;
use crate::config::{Config, LoadedConfig};
use crate::error::UserError;
use crate::ini::{mask_secrets, ConfigFile, Section};
use crate::model::{GroupId, Instance, Principal, UserId};
use crate::plan::Choice;
use crate::plan::{Action, StepPlan};

const DEFAULT_TEMPLATE: &str = "{permission_set}-{account_id}";

/// One profile to write.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Reach {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
}

/// The characters a profile name is made of: ASCII letters and digits and
/// `_ . - + = , @` (a permission set name's own alphabet). Nothing a shell,
/// an INI parser or a command line reads specially.
pub(crate) fn is_profile_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.-+=,@".contains(c)
}

/// An account name as a part of a profile name: every run of characters
/// outside [`is_profile_name_char`] (spaces, quotes, `;`, `$`, `>`...)
/// becomes one `-`, none at either end; an account whose name keeps
/// nothing is called by its id. Pure.
fn account_name_part(name: &str, id: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if is_profile_name_char(c) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let part = out.trim_matches('-');
    if part.is_empty() {
        id.to_string()
    } else {
        part.to_string()
    }
}

/// Profile names from the template; `default` only for a single profile;
/// names are unique and made only of [`is_profile_name_char`]s (an account
/// name, which anyone who can rename an account chooses, is made safe by
/// [`account_name_part`]). Pure.
pub(crate) fn profile_names(template: &str, reach: &[Reach]) -> Result<Vec<String>, UserError> {
    if template == "default" && reach.len() > 1 {
        return Err(UserError::new(format!(
            "[cli] profile_names = \"default\" names one profile, but the user reaches {}",
            reach.len()
        ))
        .hint("use a template such as \"{permission_set}-{account_id}\""));
    }
    let names: Vec<String> = reach
        .iter()
        .map(|r| {
            template
                .replace("{permission_set}", &r.permission_set)
                .replace("{account_id}", &r.account_id)
                .replace(
                    "{account_name}",
                    &account_name_part(&r.account_name, &r.account_id),
                )
        })
        .collect();
    for name in &names {
        if let Some(bad) = name.chars().find(|c| !is_profile_name_char(*c)) {
            // The template and permission set names are validated: a bug.
            return Err(UserError::new(format!(
                "the profile name {} would hold {bad:?}",
                crate::error::excerpt(name)
            ))
            .hint("use only letters, digits and _ . - + = , @ in [cli] profile_names"));
        }
    }
    let mut seen = BTreeMap::new();
    for (name, r) in names.iter().zip(reach) {
        if let Some(first) = seen.insert(name.clone(), r) {
            return Err(UserError::new(format!(
                "[cli] profile_names gives two profiles the name {name} ({} on {} and {} on {})",
                first.permission_set, first.account_id, r.permission_set, r.account_id
            ))
            .hint("include {permission_set} and {account_id} in the template"));
        }
    }
    Ok(names)
}

/// The profile `cli-profiles` writes for the administrator: `[cli] user`'s
/// permission set with AdministratorAccess on the management account, named
/// by the template. `None` when the config does not make one. Pure.
pub(crate) fn admin_profile(config: &Config, facts: &Facts) -> Option<String> {
    let cli = config.cli.as_ref()?;
    let user = config
        .users
        .iter()
        .find(|u| Some(&u.user_name) == cli.user.as_ref())?;
    let management = facts.management_account()?;
    let admin = crate::steps::iam_users::admin_policy(&facts.caller);
    let wanted = super::assignments::resolve(
        config,
        Some(management),
        facts.accounts.as_deref(),
        facts.org_tree.as_ref(),
    )
    .ok()?;
    let w = wanted.iter().find(|w| {
        w.account_id == management
            && user.groups.contains(&w.group)
            && config
                .permission_sets
                .iter()
                .any(|p| p.name == w.permission_set && p.managed_policies.contains(&admin))
    })?;
    let account_name = facts
        .accounts
        .iter()
        .flatten()
        .find(|a| a.id == w.account_id)
        .map(|a| a.name.clone())
        .unwrap_or_else(|| w.account_id.clone());
    let reach = [Reach {
        account_id: w.account_id.clone(),
        account_name,
        permission_set: w.permission_set.clone(),
    }];
    profile_names(
        cli.profile_names.as_deref().unwrap_or(DEFAULT_TEMPLATE),
        &reach,
    )
    .ok()?
    .pop()
}

/// The sections to write. Pure.
/// `exe` is this ssosetup's absolute path, for the legacy profiles'
/// `credential_process`.
pub(crate) fn sections(
    cli: &CliConfig,
    start_url: &str,
    sso_region: &str,
    reach: &[Reach],
    exe: Option<&str>,
) -> Result<Vec<Section>, UserError> {
    let names = profile_names(
        cli.profile_names.as_deref().unwrap_or(DEFAULT_TEMPLATE),
        reach,
    )?;
    let unsafe_value = |why: String| {
        UserError::new("a value for the AWS CLI config file cannot be written safely")
            .caused_by(why)
            .hint("fix the [cli] field or the account name named above; nothing was written")
    };
    let mut out = vec![Section::new(
        format!("sso-session {}", cli.session_name),
        vec![
            ("sso_start_url".into(), start_url.into()),
            ("sso_region".into(), sso_region.into()),
            (
                "sso_registration_scopes".into(),
                "sso:account:access".into(),
            ),
        ],
    )
    .map_err(unsafe_value)?];
    for (name, r) in names.iter().zip(reach) {
        let mut entries = vec![
            ("sso_session".to_string(), cli.session_name.clone()),
            ("sso_account_id".to_string(), r.account_id.clone()),
            ("sso_role_name".to_string(), r.permission_set.clone()),
        ];
        if let Some(region) = &cli.default_region {
            entries.push(("region".into(), region.clone()));
        }
        if let Some(output) = &cli.output {
            entries.push(("output".into(), output.clone()));
        }
        out.push(Section::new(Section::profile_header(name), entries).map_err(unsafe_value)?);
    }
    if cli.legacy_profiles {
        let exe = credential_process_program(exe).map_err(unsafe_value)?;
        for name in &names {
            // No sso_* key: SDKs that take the SSO path on sight of one
            // (and fail on an sso-session) never see one here.
            let mut entries = vec![(
                "credential_process".to_string(),
                command_line(&[exe.as_str(), "credentials", "--profile", name]),
            )];
            if let Some(region) = &cli.default_region {
                entries.push(("region".into(), region.clone()));
            }
            if let Some(output) = &cli.output {
                entries.push(("output".into(), output.clone()));
            }
            out.push(
                Section::new(Section::profile_header(&format!("{name}-legacy")), entries)
                    .map_err(unsafe_value)?,
            );
        }
    }
    Ok(out)
}

/// This program's path as `credential_process` runs it: absolute, and
/// nothing the config file cannot hold (a line break). Pure.
fn credential_process_program(exe: Option<&str>) -> Result<String, String> {
    let exe = exe.ok_or("the path of this ssosetup binary is not known")?;
    if !exe.starts_with('/') {
        return Err(format!(
            "the path of this ssosetup binary is not absolute: {exe}"
        ));
    }
    if exe.chars().any(char::is_control) {
        return Err(format!(
            "the path of this ssosetup binary has a control character: {}",
            crate::error::excerpt(exe)
        ));
    }
    Ok(exe.to_string())
}

/// One word of a `credential_process` line, quoted so that every reader
/// gets it back exactly: botocore splits the line as Python's `shlex` does,
/// aws-sdk-go and others run it with `sh -c`. A word of only letters,
/// digits and `_ . / -` is written as it is; anything else goes
/// in single quotes, a `'` as `'\''`. `;` and `#` are written outside the
/// quotes as `\;` and `\#`, so no space in the line is ever followed by
/// one: some INI readers take a space then `;` or `#` as the start of a
/// comment. Pure.
pub(crate) fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
    {
        return word.to_string();
    }
    let mut out = String::from("'");
    for c in word.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            ';' | '#' => {
                out.push('\'');
                out.push('\\');
                out.push(c);
                out.push('\'');
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A command line of `words`, each quoted by [`shell_word`]. Pure.
pub(crate) fn command_line(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What writing `sections` into `file` would do, without the changes that
/// need an explicit yes. Returns (changed file, conflicts, stale). Pure.
pub(crate) fn merge(
    file: &ConfigFile,
    session: &str,
    sections: &[Section],
) -> (ConfigFile, Vec<String>, Vec<String>) {
    let mut out = file.clone();
    let mut conflicts = Vec::new();
    for s in sections {
        match (file.section_text(s.name()), file.managed_by(s.name())) {
            (Some(_), managed) if managed.as_deref() != Some(session) => {
                conflicts.push(s.name().to_string())
            }
            _ => out.put(s, session),
        }
    }
    let wanted: BTreeSet<&str> = sections.iter().map(|s| s.name()).collect();
    let stale = file
        .managed_sections(session)
        .into_iter()
        .filter(|n| !wanted.contains(n.as_str()))
        .collect();
    (out, conflicts, stale)
}

/// The change as a unified diff, secrets masked (the file may hold keys).
fn diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display().to_string();
    let (old, new) = (mask_secrets(old), mask_secrets(new));
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(2)
        .header(&format!("{shown} (now)"), &format!("{shown} (after)"))
        .to_string()
}

/// What the user reaches in AWS: its groups' assignments and its own.
async fn reach_in_aws(
    ctx: &Cx,
    facts: &mut Facts,
    user_id: &str,
) -> Result<BTreeSet<(String, String)>> {
    let instance = ensure_instance(ctx, facts)
        .await?
        .expect("checked by the caller");
    let mut principals = vec![Principal::User(UserId::new(user_id))];
    for group in list_memberships_of(&ctx.aws, &instance.identity_store_id, user_id).await? {
        principals.push(Principal::Group(GroupId::new(group)));
    }
    let mut found = BTreeSet::new();
    for principal in principals {
        for a in list_account_assignments_for_principal(&ctx.aws, &instance.arn, &principal).await?
        {
            found.insert((a.account.to_string(), a.permission_set.to_string()));
        }
    }
    Ok(found)
}

pub(crate) const ID: StepId = StepId::new("cli-profiles");

pub(crate) struct CliProfiles;

/// What the step found: the instance, what the `[cli]` user reaches in AWS
/// now, what the config's assignments will give it, account names, and the
/// AWS CLI config file as it is.
pub(crate) struct Seen {
    instance: Option<Instance>,
    /// The user's id; `None` when it does not exist (yet).
    user_id: Option<String>,
    /// (account, permission set name) the user reaches in AWS now.
    reached: BTreeSet<(String, String)>,
    /// What the config's assignments resolve to (when they can).
    wanted: Vec<Wanted>,
    /// Permission set names as known or planned (name -> ARN).
    permission_sets: BTreeMap<String, Option<String>>,
    /// Account id -> name, when the profile template uses names.
    account_names: BTreeMap<String, String>,
    path: PathBuf,
    /// The file's text; `None` when there is no file.
    file: Option<String>,
    /// This program's absolute path (for legacy profiles).
    exe: Option<String>,
}

impl Step for CliProfiles {
    type Observed = Option<Seen>;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Write `aws configure sso` profiles for every account and permission set the [cli] user reaches"
    }

    fn observe<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a mut Facts,
    ) -> LocalBoxFuture<'a, Result<Option<Seen>>> {
        Box::pin(observe(cx, facts))
    }

    fn plan(&self, seen: &Option<Seen>, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        plan(seen.as_ref(), &desired.config, facts)
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        _facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match action {
                Action::WriteAwsConfig {
                    path,
                    session,
                    sections,
                    conflicts,
                    stale,
                    ..
                } => write(cx, path, session, sections, conflicts, stale).await,
                other => unreachable!("not a cli-profiles action: {other:?}"),
            }
        })
    }

    fn has_questions(&self) -> bool {
        true
    }

    fn ask<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        force: bool,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(ask(person, force))
    }
}

/// Reads what the plan needs; `None` when the config asks for no profiles
/// or there is nothing to look at yet (the plan says which).
async fn observe(ctx: &Cx, facts: &mut Facts) -> Result<Option<Seen>> {
    let Some(cli) = &ctx.config.config.cli else {
        return Ok(None);
    };
    let Some(user) = &cli.user else {
        return Ok(None);
    };
    let Some(instance) = ensure_instance(ctx, facts).await? else {
        return Ok(None);
    };
    let permission_sets = ensure_permission_sets(ctx, facts).await?;
    let set_names: BTreeMap<String, String> = permission_sets
        .iter()
        .filter_map(|(n, arn)| Some((arn.clone()?, n.clone())))
        .collect();
    let user_id = match facts.users.get(user) {
        Some(id) => id.clone(),
        None => get_user_id(&ctx.aws, &instance.identity_store_id, user).await?,
    };
    let mut reached = BTreeSet::new();
    if let Some(id) = &user_id {
        for (account, arn) in reach_in_aws(ctx, facts, id).await? {
            if let Some(name) = set_names.get(&arn) {
                reached.insert((account, name.clone()));
            }
        }
    }
    let wanted = wanted(ctx, facts).await?.unwrap_or_default();
    let template = cli.profile_names.as_deref().unwrap_or(DEFAULT_TEMPLATE);
    let account_names = if template.contains("{account_name}") {
        ensure_accounts(ctx, facts)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect()
    } else {
        BTreeMap::new()
    };
    let path = crate::aws::profile::aws_config_path().map_err(UserError::from)?;
    let file = read_if_exists(&path)?;
    Ok(Some(Seen {
        instance: Some(instance),
        user_id,
        reached,
        wanted,
        permission_sets,
        account_names,
        path,
        file,
        exe: std::env::current_exe()
            .ok()
            .map(|p| p.display().to_string()),
    }))
}

/// The profiles to write and the file's change. Pure.
fn plan(seen: Option<&Seen>, config: &Config, facts: &Facts) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    let Some(cli) = &config.cli else {
        plan.unconfigured = true;
        plan.notes
            .push("no [cli] section in the config: no profiles to write".into());
        return plan;
    };
    let Some(user) = &cli.user else {
        plan.blocker = Some(
            UserError::new("[cli] names no user whose access becomes profiles")
                .hint("set `user = \"<user name>\"` under [cli] in the config"),
        );
        return plan;
    };
    let Some(seen) = seen else {
        plan.notes
            .push("waits for IAM Identity Center to be enabled".into());
        return plan;
    };
    let instance = seen.instance.as_ref().expect("observed with an instance");
    let Some(start_url) = cli
        .start_url
        .clone()
        .or_else(|| config.portal_url.clone())
        .or_else(|| instance.default_portal_url())
    else {
        plan.blocker = Some(
            UserError::new(format!(
                "the access portal URL cannot be derived from identity store id {}",
                instance.identity_store_id
            ))
            .hint("set `start_url = \"https://<alias>.awsapps.com/start\"` under [cli] (the Identity Center console shows it under Settings)"),
        );
        return plan;
    };
    let pairs = match pairs(seen, config, facts, user) {
        Ok(pairs) => pairs,
        Err(blocker) => {
            plan.blocker = Some(blocker);
            return plan;
        }
    };
    let reach: Vec<Reach> = pairs
        .into_iter()
        .map(|(account_id, permission_set)| Reach {
            account_name: seen
                .account_names
                .get(&account_id)
                .cloned()
                .unwrap_or_else(|| account_id.clone()),
            account_id,
            permission_set,
        })
        .collect();
    if reach.is_empty() {
        plan.notes.push(format!(
            "user {user} has no assignments yet: no profiles to write"
        ));
    }
    let sections = match sections(cli, &start_url, &facts.region, &reach, seen.exe.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            plan.blocker = Some(e);
            return plan;
        }
    };
    file_change(&mut plan, seen, cli, &sections);
    let first_profile = sections
        .get(1)
        .map(|s| s.name().trim_start_matches("profile ").to_string());
    plan.closing = vec![
        String::new(),
        "Sign in once a day, then use any of the profiles:".into(),
        format!(
            "  ssosetup login --sso-session {0}    (or: aws sso login --sso-session {0})",
            cli.session_name
        ),
    ];
    if let Some(p) = first_profile {
        plan.closing
            .push(format!("  aws sts get-caller-identity --profile {p}"));
        plan.closing.push(format!(
            "  ssosetup exec --profile {p} -- <a tool that cannot read SSO profiles>"
        ));
    }
    plan
}

/// (account, permission set) the `[cli]` user reaches now, and what the
/// config's assignments give it in this run. Pure.
fn pairs(
    seen: &Seen,
    config: &Config,
    facts: &Facts,
    user: &str,
) -> Result<BTreeSet<(String, String)>, UserError> {
    let mut pairs = seen.reached.clone();
    // Planned in this run: what the config gives the user.
    if let Some(u) = config.users.iter().find(|u| u.user_name == user) {
        let groups = facts.groups.clone().unwrap_or_default();
        let planned = |w: &Wanted| {
            seen.user_id.is_none()
                || groups.get(&w.group).is_some_and(Option::is_none)
                || seen
                    .permission_sets
                    .get(&w.permission_set)
                    .is_some_and(Option::is_none)
        };
        for w in seen
            .wanted
            .iter()
            .filter(|w| u.groups.contains(&w.group) && planned(w))
        {
            pairs.insert((w.account_id.clone(), w.permission_set.clone()));
        }
    } else if seen.user_id.is_none() {
        return Err(UserError::new(format!(
            "user {user} ([cli] user) is not in the identity store"
        ))
        .hint("add the user under [[users]] and run `ssosetup users`, or name an existing user"));
    }
    Ok(pairs)
}

/// The write the sections need, if any: its diff (secrets masked), and
/// the decisions it waits for. Pure.
fn file_change(plan: &mut StepPlan, seen: &Seen, cli: &CliConfig, sections: &[Section]) {
    let path = &seen.path;
    let old = seen.file.as_deref();
    let file = ConfigFile::parse(old.unwrap_or(""));
    let (merged, conflicts, stale) = merge(&file, &cli.session_name, sections);
    let new = merged.render();
    let changed = old.unwrap_or("") != new;
    if !changed && conflicts.is_empty() && stale.is_empty() {
        let profiles = sections.len() - 1;
        plan.notes.push(format!(
            "{} is up to date ({profiles} profile{})",
            path.display(),
            plural(profiles)
        ));
        return;
    }
    let mut changes = Vec::new();
    for s in sections {
        match (file.section_text(s.name()), merged.section_text(s.name())) {
            (None, _) => changes.push(format!("+ [{}]", s.name())),
            (Some(a), Some(b)) if a != b && !conflicts.iter().any(|c| c == s.name()) => {
                changes.push(format!("~ [{}]", s.name()))
            }
            _ => {}
        }
    }
    let conflicts = conflicts
        .into_iter()
        .map(|name| {
            let existing = mask_secrets(file.section_text(&name).unwrap_or_default());
            Choice {
                question: format!("Overwrite [{name}] with ssosetup's profile?"),
                shown: Some(format!(
                    "[{name}] exists in {} and was not written by ssosetup:\n{}",
                    path.display(),
                    existing.trim_end()
                )),
                subject: name,
                yes: false,
            }
        })
        .collect();
    let stale = stale
        .into_iter()
        .map(|name| Choice {
            question: format!(
                "Remove [{name}], which ssosetup wrote earlier but whose assignment is gone?"
            ),
            shown: None,
            subject: name,
            yes: false,
        })
        .collect();
    plan.actions.push(Action::WriteAwsConfig {
        path: path.clone(),
        session: cli.session_name.clone(),
        sections: sections.to_vec(),
        changes,
        conflicts,
        stale,
        diff: if changed {
            diff(path, old.unwrap_or(""), &new)
        } else {
            String::new()
        },
    });
}

/// The AWS CLI config file is small; anything past this is not one.
const MAX_AWS_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

fn read_if_exists(path: &Path) -> Result<Option<String>> {
    match crate::files::read_text(path, MAX_AWS_CONFIG_BYTES) {
        Ok(t) => Ok(Some(t)),
        Err(crate::files::ReadError::Missing) => Ok(None),
        Err(e) => Err(UserError::new(format!("cannot read {}", path.display()))
            .caused_by(e.to_string())
            .hint("point AWS_CONFIG_FILE at the AWS CLI config file, or fix the file")
            .into()),
    }
}

/// Applies the write with the decisions answered before apply: a conflict
/// is overwritten and a stale profile removed only on yes. Atomic, with a
/// backup. Errs when a conflict was kept (a profile was not written).
async fn write(
    ctx: &Cx,
    path: &Path,
    session: &str,
    sections: &[Section],
    conflicts: &[Choice],
    stale: &[Choice],
) -> Result<()> {
    let old = read_if_exists(path)?;
    let file = ConfigFile::parse(old.as_deref().unwrap_or(""));
    let (mut merged, _, _) = merge(&file, session, sections);
    let mut kept = Vec::new();
    for choice in conflicts {
        if choice.yes {
            let section = sections
                .iter()
                .find(|s| s.name() == choice.subject)
                .expect("a conflict is one of the sections");
            merged.put(section, session);
        } else {
            kept.push(choice.subject.clone());
        }
    }
    for choice in stale {
        if choice.yes {
            merged.remove(&choice.subject);
        } else {
            ctx.out.say(&format!("kept [{}]", choice.subject));
        }
    }
    let new = merged.render();
    if old.as_deref().unwrap_or("") != new {
        // "cli-profiles: wrote ..." follows once the step is applied; here
        // only where the old file went.
        if let Some(b) = write_atomically(path, old.is_some(), &new)? {
            ctx.out.say(&format!(
                "the previous {} is kept as {}",
                path.display(),
                b.display()
            ));
        }
    }
    if !kept.is_empty() {
        return Err(UserError::new(format!("{} profile{} not written: a section of the same name exists that ssosetup did not write", kept.len(), if kept.len() == 1 { " was" } else { "s were" }))
            .caused_by(kept.iter().map(|k| format!("[{k}]")).collect::<Vec<_>>().join(", "))
            .hint("rename or delete those sections, or choose other names with [cli] profile_names, or run interactively and confirm overwriting them")
            .into());
    }
    Ok(())
}

/// Writes `text` to `path` atomically, through a symlink (dotfiles), with
/// the old file's mode (0600 for a new one), after copying the old file to
/// a timestamped backup (mode 0600) beside it.
fn write_atomically(path: &Path, exists: bool, text: &str) -> Result<Option<PathBuf>> {
    let backup = if exists {
        Some(
            crate::files::backup_copy(path)
                .with_context(|| format!("cannot back up {}", path.display()))?,
        )
    } else {
        None
    };
    crate::files::write_atomically(path, text.as_bytes(), 0o600)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(backup)
}

/// The wizard's questions: whose access becomes profiles, and their names.
async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    let Person {
        cx: ctx,
        prompt,
        facts,
    } = person;
    let config = &ctx.config.config;
    if config.users.is_empty() || (config.cli.is_some() && !force) {
        return Ok(());
    }
    let users: Vec<String> = config.users.iter().map(|u| u.user_name.clone()).collect();
    let previous = config.cli.clone();
    let path = crate::aws::profile::aws_config_path().map_err(UserError::from)?;
    ctx.out
        .say(&format!("AWS CLI profiles go into {}.", path.display()));
    if !prompt.confirm("Write AWS CLI profiles for one of these users?", true)? {
        return Ok(());
    }
    let default_user = previous
        .as_ref()
        .and_then(|c| c.user.as_ref())
        .and_then(|u| users.iter().position(|x| x == u))
        .unwrap_or(0);
    let user = prompt.select("Profiles for which user?", &users, default_user)?;
    let session_default = previous
        .as_ref()
        .map(|c| c.session_name.clone())
        .unwrap_or_else(|| "sso".to_string());
    let session_name = prompt.input(
        "SSO session name (aws sso login --sso-session NAME)",
        Some(&session_default),
        &|s| {
            if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '[' || c == ']') {
                Err("a name without spaces or brackets".into())
            } else {
                Ok(())
            }
        },
    )?;
    let region_default = ctx.aws.region.clone();
    let default_region = prompt.input(
        "Default region for the profiles",
        Some(&region_default),
        &|s| {
            if crate::config::is_region(s) {
                Ok(())
            } else {
                Err("a region name such as us-east-1".into())
            }
        },
    )?;
    let profile_names = ask_profile_names(
        ctx,
        &mut **prompt,
        facts,
        &users[user],
        previous.as_ref().and_then(|c| c.profile_names.clone()),
    )
    .await?;
    let derived = ensure_instance(ctx, facts)
        .await?
        .and_then(|i| i.default_portal_url());
    let start_url = match (derived, previous.as_ref().and_then(|c| c.start_url.clone())) {
        (Some(_), configured) => configured,
        (None, configured) => Some(prompt.input(
            "AWS access portal URL (Identity Center console > Settings)",
            configured.as_deref(),
            &|s| {
                if s.starts_with("https://") && s.len() > 8 {
                    Ok(())
                } else {
                    Err("an https:// URL such as https://my-org.awsapps.com/start".into())
                }
            },
        )?),
    };
    ctx.config.config.cli = Some(CliConfig {
        session_name,
        start_url,
        user: Some(users[user].clone()),
        default_region: Some(default_region),
        output: previous.as_ref().and_then(|c| c.output.clone()),
        profile_names,
        legacy_profiles: {
            ctx.out.say("Some tools cannot sign in with SSO (Terraform before 0.14, aws-sdk-go v1, the Java SDK v1...): NAME-legacy profiles get their keys through ssosetup instead.");
            prompt.confirm(
                "Do you use such tools (write NAME-legacy profiles too)?",
                previous.is_some_and(|c| c.legacy_profiles),
            )?
        },
    });
    ctx.config.save()
}

/// The profiles' names: for a user who reaches one account and permission
/// set, one name (the guide's `default`, so tools need no --profile); else
/// a naming template, shown with an example of each.
async fn ask_profile_names(
    ctx: &Cx,
    prompt: &mut dyn crate::ui::Prompter,
    facts: &mut Facts,
    user: &str,
    previous: Option<String>,
) -> Result<Option<String>> {
    let groups: Vec<String> = ctx
        .config
        .config
        .users
        .iter()
        .find(|u| u.user_name == user)
        .map(|u| u.groups.clone())
        .unwrap_or_default();
    let reach: BTreeSet<(String, String)> = match super::assignments::wanted(ctx, facts).await? {
        Ok(wanted) => wanted
            .into_iter()
            .filter(|w| groups.contains(&w.group))
            .map(|w| (w.account_id, w.permission_set))
            .collect(),
        Err(_) => BTreeSet::new(),
    };
    let names: BTreeMap<String, String> = facts
        .accounts
        .iter()
        .flatten()
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    let Some((account_id, permission_set)) = reach.iter().next().cloned() else {
        return Ok(previous);
    };
    if reach.len() == 1 {
        ctx.out.say(&format!(
            "{user} reaches one account and permission set: one profile. Named `default`, every tool uses it without --profile."
        ));
        let name = prompt.input(
            "Profile name",
            Some(previous.as_deref().unwrap_or("default")),
            &|s| {
                if s.is_empty() || s.contains(|c: char| c.is_whitespace() || "[]{}#;".contains(c)) {
                    Err("a name without spaces, brackets, braces, # or ;".into())
                } else {
                    Ok(())
                }
            },
        )?;
        return Ok(Some(name));
    }
    let example = Reach {
        account_name: names
            .get(&account_id)
            .cloned()
            .unwrap_or_else(|| account_id.clone()),
        account_id,
        permission_set,
    };
    let templates = [
        DEFAULT_TEMPLATE,
        "{account_name}-{permission_set}",
        "{permission_set}-{account_name}",
    ];
    let items: Vec<String> = templates
        .iter()
        .map(|t| {
            let shown = profile_names(t, std::slice::from_ref(&example))
                .map(|n| n.join(""))
                .unwrap_or_default();
            format!("{t}   (e.g. {shown})")
        })
        .collect();
    let at = previous
        .as_deref()
        .and_then(|p| templates.iter().position(|t| *t == p))
        .unwrap_or(0);
    ctx.out.say(&format!(
        "{user} reaches {} accounts and permission sets: one profile each.",
        reach.len()
    ));
    let i = prompt.select("Profile names", &items, at)?;
    Ok((i != 0).then(|| templates[i].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(account: &str, ps: &str) -> Reach {
        Reach {
            account_id: account.into(),
            account_name: format!("name {account}"),
            permission_set: ps.into(),
        }
    }

    fn cli(template: Option<&str>) -> CliConfig {
        CliConfig {
            session_name: "personal".into(),
            start_url: None,
            user: Some("alice".into()),
            default_region: Some("eu-west-1".into()),
            output: Some("json".into()),
            profile_names: template.map(str::to_string),
            legacy_profiles: false,
        }
    }

    #[test]
    fn legacy_profiles_get_credential_process_and_no_sso_key() {
        let mut c = cli(None);
        c.legacy_profiles = true;
        let reach = [
            reach("111111111111", "Admin"),
            reach("222222222222", "ReadOnly"),
        ];
        let s = sections(
            &c,
            "https://x",
            "us-east-1",
            &reach,
            Some("/opt/ss o/ssosetup"),
        )
        .unwrap();
        let legacy: Vec<&Section> = s.iter().filter(|s| s.name().ends_with("-legacy")).collect();
        assert_eq!(legacy.len(), 2);
        let first = legacy[0];
        let profile = s[1].name().trim_start_matches("profile ");
        assert_eq!(first.name(), format!("profile {profile}-legacy"));
        assert_eq!(
            first.entries()[0],
            (
                "credential_process".to_string(),
                format!("'/opt/ss o/ssosetup' credentials --profile {profile}")
            )
        );
        assert!(first.entries().iter().all(|(k, _)| !k.starts_with("sso_")));
        assert!(first
            .entries()
            .iter()
            .any(|(k, v)| k == "region" && v == "eu-west-1"));
        // A path that is not absolute, or that the file cannot hold.
        for bad in [None, Some("ssosetup"), Some("/tmp/a\nb/ssosetup")] {
            assert!(
                sections(&c, "https://x", "us-east-1", &reach, bad).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sections_follow_aws_configure_sso() {
        let s = sections(
            &cli(None),
            "https://d-1234567890.awsapps.com/start",
            "us-east-1",
            &[reach("111111111111", "Admin")],
            None,
        )
        .unwrap();
        assert_eq!(s[0].name(), "sso-session personal");
        assert_eq!(
            s[0].entries()[2],
            (
                "sso_registration_scopes".to_string(),
                "sso:account:access".to_string()
            )
        );
        assert_eq!(s[1].name(), "profile Admin-111111111111");
        let keys: Vec<&str> = s[1].entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "sso_session",
                "sso_account_id",
                "sso_role_name",
                "region",
                "output"
            ]
        );
    }

    #[test]
    fn the_administrators_profile_is_named_for_the_hints() {
        let config = crate::config::parse(
            r#"
[[permission_sets]]
name = "AdministratorAccess"
managed_policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]
[[assignments]]
permission_set = "AdministratorAccess"
accounts = ["management"]
[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["AdministratorAccess-111111111111"]
[cli]
session_name = "s"
user = "alice"
"#,
        )
        .unwrap();
        let mut facts = Facts::new(
            crate::model::Caller {
                account: "111111111111".into(),
                arn: "arn:aws:iam::111111111111:user/admin".into(),
            },
            "us-east-1",
        );
        assert_eq!(
            admin_profile(&config, &facts),
            None,
            "no organization known"
        );
        facts.organization = crate::steps::OrgState::Exists(crate::model::Organization {
            id: "o-1".into(),
            management_account_id: "111111111111".into(),
            all_features: true,
        });
        assert_eq!(
            admin_profile(&config, &facts).as_deref(),
            Some("AdministratorAccess-111111111111")
        );
    }

    #[test]
    fn templates_fill_placeholders_and_default_needs_one_profile() {
        let r = [reach("1", "A"), reach("2", "B")];
        assert_eq!(
            profile_names("{account_name}.{permission_set}", &r).unwrap(),
            vec!["name-1.A", "name-2.B"]
        );
        // Whoever can rename an account chooses its name: only the safe
        // alphabet reaches the file and the command line.
        let hostile = |name: &str, id: &str| Reach {
            account_id: id.into(),
            account_name: name.into(),
            permission_set: "ReadOnlyAccess".into(),
        };
        assert_eq!(
            profile_names(
                "{account_name}-{permission_set}",
                &[
                    hostile("Prod;id>X;x", "111111111111"),
                    hostile("O'Brien Labs", "222222222222"),
                    hostile("$(reboot) `x`", "333333333333"),
                    hostile("生产", "444444444444"),
                ]
            )
            .unwrap(),
            vec![
                "Prod-id-X-x-ReadOnlyAccess",
                "O-Brien-Labs-ReadOnlyAccess",
                "reboot-x-ReadOnlyAccess",
                "444444444444-ReadOnlyAccess"
            ]
        );
        assert!(profile_names("default", &r).is_err());
        assert_eq!(profile_names("default", &r[..1]).unwrap(), vec!["default"]);
        assert!(
            profile_names("{permission_set}", &[reach("1", "A"), reach("2", "A")])
                .unwrap_err()
                .message
                .contains("two profiles")
        );
    }

    #[test]
    fn unmanaged_sections_of_the_same_name_are_conflicts_and_stale_ones_are_listed() {
        let file = ConfigFile::parse("[profile Admin-1]\nregion = x\n");
        let mut old = file.clone();
        old.put(&Section::new("profile Gone", vec![]).unwrap(), "personal");
        let wanted = sections(
            &cli(None),
            "https://x",
            "us-east-1",
            &[reach("1", "Admin")],
            None,
        )
        .unwrap();
        let (merged, conflicts, stale) = merge(&old, "personal", &wanted);
        assert_eq!(conflicts, vec!["profile Admin-1"]);
        assert_eq!(stale, vec!["profile Gone"]);
        // Not overwritten (the blank line after it separates the sections added).
        assert_eq!(
            merged.section_text("profile Admin-1"),
            Some("[profile Admin-1]\nregion = x\n\n")
        );
    }

    #[test]
    fn writes_are_atomic_keep_the_mode_and_back_up() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "[default]\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let backup = write_atomically(&path, true, "[default]\nx = 1\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[default]\nx = 1\n"
        );
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "[default]\n");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let nested = dir.path().join("new/dir/config");
        assert!(write_atomically(&nested, false, "x").unwrap().is_none());
        assert_eq!(
            std::fs::metadata(&nested).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

/// The property of `credential_process` lines, judged by their real
/// readers: botocore (its config loader, then its own shell split) and
/// `sh -c`. Needs the test venv's botocore, hence the e2e feature.
#[cfg(all(test, feature = "e2e"))]
#[allow(clippy::unwrap_used)]
mod credential_process_lines {
    use super::*;
    use proptest::prelude::*;
    use std::process::Command;

    /// Any printable text (an account name or a file name), with the
    /// characters a shell or an INI reader treats specially weighted in.
    fn printable() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                3 => prop::char::range(' ', '~'),
                2 => prop::sample::select(vec![
                    '\'', '"', '\\', '$', '`', ';', '#', '&', '|', '>', '<', '(', ')', '*', '?',
                    '~', ' ', '!', '{', '}', '[', ']', '=', '%', '\t'
                ]),
                1 => prop::sample::select(vec!['é', 'ß', '生', '😀', '\u{a0}']),
            ],
            1..30,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    /// `(lines, the argv each must give back)` for `cases`.
    fn lines(cases: &[(String, String)]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut lines = Vec::new();
        let mut argvs = Vec::new();
        for (account_name, dir) in cases {
            let exe = format!("/{}/ssosetup", dir.replace(['/', '\t'], "_"));
            let reach = [Reach {
                account_id: "111111111111".into(),
                account_name: account_name.clone(),
                permission_set: "ReadOnlyAccess".into(),
            }];
            let name = &profile_names("{account_name}-{permission_set}", &reach).unwrap()[0];
            lines.push(command_line(&[&exe, "credentials", "--profile", name]));
            argvs.push(vec![
                exe,
                "credentials".into(),
                "--profile".into(),
                name.clone(),
            ]);
        }
        (lines, argvs)
    }

    /// botocore's reading of a config file with one legacy profile per line.
    fn botocore_split(lines: &[String]) -> Vec<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let mut file = ConfigFile::parse("");
        for (i, line) in lines.iter().enumerate() {
            let section = Section::new(
                Section::profile_header(&format!("p{i}")),
                vec![("credential_process".to_string(), line.clone())],
            )
            .unwrap();
            file.put(&section, "s");
        }
        let path = dir.path().join("config");
        std::fs::write(&path, file.render()).unwrap();
        let script = r#"
import json, sys
from botocore.configloader import load_config
from botocore.compat import compat_shell_split
profiles = load_config(sys.argv[1])["profiles"]
n = int(sys.argv[2])
print(json.dumps([compat_shell_split(profiles["p%d" % i]["credential_process"]) for i in range(n)]))
"#;
        let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
        let out = Command::new(python)
            .args(["-c", script])
            .arg(&path)
            .arg(lines.len().to_string())
            .output()
            .expect("the test venv's python runs (./scripts/test makes it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// What `sh -c` makes of a line: the words it would run.
    fn sh_split(line: &str) -> Vec<String> {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\0' {line}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{line}");
        String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_string)
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        #[test]
        fn every_reader_gets_back_exactly_the_intended_words(
            cases in prop::collection::vec((printable(), printable()), 32)
        ) {
            let (lines, argvs) = lines(&cases);
            let by_botocore = botocore_split(&lines);
            for ((line, argv), botocore) in lines.iter().zip(&argvs).zip(&by_botocore) {
                prop_assert_eq!(botocore, argv, "botocore: {}", line);
                prop_assert_eq!(&sh_split(line), argv, "sh -c: {}", line);
                prop_assert!(!line.contains(" ;") && !line.contains(" #"), "{}", line);
            }
        }
    }

    #[test]
    fn the_reported_account_names_stay_words() {
        let cases: Vec<(String, String)> = [
            ("Prod;id>X;x", "opt/bin"),
            ("O'Brien Labs", "Users/o'brien/bin"),
            ("a", "a&b"),
        ]
        .iter()
        .map(|(a, d)| (a.to_string(), d.to_string()))
        .collect();
        let (lines, argvs) = lines(&cases);
        assert_eq!(botocore_split(&lines), argvs);
        for (line, argv) in lines.iter().zip(&argvs) {
            assert_eq!(&sh_split(line), argv, "{line}");
        }
        assert_eq!(argvs[0][3], "Prod-id-X-x-ReadOnlyAccess");
    }
}
