//! Step `users`: the users in the config exist with their names and email,
//! and are members of the groups the config lists.
//!
//! Reads: identitystore:ListUsers (pages of 100), ListGroups, and
//! ListGroupMembershipsForMember for each configured user that exists. May
//! change: CreateUser (UserName, DisplayName, Name.GivenName,
//! Name.FamilyName, one primary work email) and CreateGroupMembership for
//! missing memberships. Idempotent: users are found by user name and
//! memberships by group; a create that races adopts the winner.
//! Memberships in other groups are reported, never removed; attributes of
//! an existing user that differ from the config are reported, not changed.

use crate::model::plural;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use anyhow::Result;

use crate::aws::AwsError;
use futures::stream::{self, StreamExt, TryStreamExt};

use futures::future::LocalBoxFuture;

use super::{ensure_groups, ensure_instance, instance_of, Cx, Facts, Person, Step, StepId};
use crate::aws::identitystore::{
    create_membership, create_user, delete_membership, list_users, memberships_of, update_user,
};
use crate::config::LoadedConfig;
use crate::config::{Config, UserConfig};
use crate::model::Instance;
use crate::model::{NewUser, User, UserChange, UserField};
use crate::plan::{Action, StepPlan};

fn new_user(u: &UserConfig) -> NewUser {
    NewUser {
        user_name: u.user_name.clone(),
        display_name: u.display_name_or_default(),
        given_name: u.given_name.clone(),
        family_name: u.family_name.clone(),
        email: u.email.clone(),
    }
}

pub(crate) const ID: StepId = StepId::new("users");

pub(crate) struct Users;

/// The configured users that exist, their groups (user id -> group ids),
/// the groups known or planned (name -> id), and the instance.
pub(crate) struct Seen {
    /// The user names the config lists.
    configured: Vec<String>,
    existing: Vec<User>,
    /// User id -> (group id, membership id).
    memberships: HashMap<String, Vec<(String, String)>>,
    groups: BTreeMap<String, Option<String>>,
    instance: Option<Instance>,
}

impl Seen {
    /// User id -> the group ids it is in.
    fn group_ids(&self) -> HashMap<String, Vec<String>> {
        self.memberships
            .iter()
            .map(|(u, ms)| (u.clone(), ms.iter().map(|(g, _)| g.clone()).collect()))
            .collect()
    }
}

impl Step for Users {
    type Observed = Seen;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Ensure the configured users exist and are in their groups"
    }

    fn command(&self) -> clap::Command {
        super::with_prune(clap::Command::new(ID.name()).about(self.about()))
    }

    fn observe<'a>(&'a self, cx: &'a Cx, facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<Seen>> {
        Box::pin(async move {
            let instance = ensure_instance(cx, facts).await?;
            if cx.config.prune && instance.is_some() {
                crate::steps::iam_users::ensure_admin_paths(cx, facts).await?;
            }
            let (existing, memberships, groups) =
                match (&instance, cx.config.config.users.is_empty()) {
                    (Some(instance), false) => observe(cx, facts, instance).await?,
                    _ => (
                        Vec::new(),
                        HashMap::new(),
                        facts.groups.clone().unwrap_or_default(),
                    ),
                };
            Ok(Seen {
                configured: cx
                    .config
                    .config
                    .users
                    .iter()
                    .map(|u| u.user_name.clone())
                    .collect(),
                existing,
                memberships,
                groups,
                instance,
            })
        })
    }

    fn plan(&self, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        let config = &desired.config;
        let mut plan = plan(config, &seen.existing, &seen.group_ids(), &seen.groups);
        if desired.prune {
            prune_plan(&mut plan, seen, config, facts);
        }
        plan.closing = closing(config, seen.instance.as_ref(), &plan);
        plan
    }

    fn record(&self, seen: &Seen, plan: &StepPlan, facts: &mut Facts) {
        let groups = facts.groups.clone().unwrap_or_default();
        facts
            .pruned
            .add(&plan.actions, |g| groups.get(g).cloned().flatten());
        // The configured users: their ids, or None for those this run creates.
        for name in &seen.configured {
            let id = seen
                .existing
                .iter()
                .find(|e| &e.user_name == name)
                .map(|e| e.id.clone());
            facts.users.insert(name.clone(), id);
        }
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match action {
                Action::CreateUser { user } => create(cx, facts, user).await,
                Action::UpdateUser { user_name, changes } => {
                    update(cx, facts, user_name, changes).await
                }
                Action::AddMembership { user_name, group } => {
                    add_membership(cx, facts, user_name, group).await
                }
                Action::RemoveMembership { membership_id, .. } => {
                    let store = instance_of(facts)?.identity_store_id;
                    delete_membership(&cx.aws, &store, membership_id).await?;
                    Ok(())
                }
                other => unreachable!("not a users action: {other:?}"),
            }
        })
    }

    fn has_questions(&self) -> bool {
        true
    }

    fn joins_the_graph(&self) -> bool {
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

/// The configured users that exist, their memberships (user id -> (group
/// id, membership id)), and the groups.
type Found = (
    Vec<User>,
    HashMap<String, Vec<(String, String)>>,
    BTreeMap<String, Option<String>>,
);

async fn observe(ctx: &Cx, facts: &mut Facts, instance: &Instance) -> Result<Found> {
    let store = &instance.identity_store_id;
    let groups = ensure_groups(ctx, facts).await?;
    let (users, memberships) = match facts.people.take() {
        Some((read_in, people)) if read_in == *store => people?,
        _ => read_people(ctx, store).await?,
    };
    Ok((users, memberships, groups))
}

/// The configured users that exist, and their memberships (user id ->
/// (group id, membership id)).
pub(crate) type People = (Vec<User>, HashMap<String, Vec<(String, String)>>);

/// The users step's reads of identity store `store`. They need nothing an
/// earlier step plans, so a whole run starts them beside the assignments
/// step's (`run::plan_all`): identitystore's budget and sso-admin's are
/// spent at once.
pub(crate) async fn read_people(ctx: &Cx, store: &str) -> Result<People, AwsError> {
    let wanted: Vec<&str> = ctx
        .config
        .config
        .users
        .iter()
        .map(|u| u.user_name.as_str())
        .collect();
    let users: Vec<User> = list_users(&ctx.aws, store)
        .await?
        .into_iter()
        .filter(|u| wanted.contains(&u.user_name.as_str()))
        .collect();
    let memberships: HashMap<String, Vec<(String, String)>> = stream::iter(users.iter())
        .map(|u| async move {
            Ok::<_, AwsError>((u.id.clone(), memberships_of(&ctx.aws, store, &u.id).await?))
        })
        .buffer_unordered(ctx.aws.pacer.concurrency)
        .try_collect()
        .await?;
    Ok((users, memberships))
}

/// Users to create and memberships to add. `memberships` maps a user id to
/// the group ids it belongs to; `groups` maps group names to ids. Pure.
pub(crate) fn plan(
    config: &Config,
    existing: &[User],
    memberships: &HashMap<String, Vec<String>>,
    groups: &BTreeMap<String, Option<String>>,
) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    let by_name: HashMap<&str, &User> =
        existing.iter().map(|u| (u.user_name.as_str(), u)).collect();
    let group_names: HashMap<&str, &str> = groups
        .iter()
        .filter_map(|(name, id)| Some((id.as_deref()?, name.as_str())))
        .collect();
    let mut matching = 0;
    for u in &config.users {
        let before = plan.actions.len();
        let member_of: Vec<&str> = match by_name.get(u.user_name.as_str()) {
            None => {
                plan.actions.push(Action::CreateUser { user: new_user(u) });
                Vec::new()
            }
            Some(have) => {
                let want = new_user(u);
                let changes = differences(have, &want);
                if !changes.is_empty() {
                    plan.actions.push(Action::UpdateUser {
                        user_name: u.user_name.clone(),
                        changes,
                    });
                }
                let names: Vec<&str> = memberships
                    .get(&have.id)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(|id| group_names.get(id.as_str()).copied().unwrap_or(id.as_str()))
                    .collect();
                let others: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| !u.groups.iter().any(|g| g == n))
                    .collect();
                if !others.is_empty() {
                    plan.notes.push(format!(
                        "user {} is also in {} (not in the config; left alone)",
                        u.user_name,
                        others.join(", ")
                    ));
                }
                names
            }
        };
        for g in &u.groups {
            if !member_of.contains(&g.as_str()) {
                plan.actions.push(Action::AddMembership {
                    user_name: u.user_name.clone(),
                    group: g.clone(),
                });
            }
        }
        if plan.actions.len() == before {
            matching += 1;
        }
    }
    if matching > 0 {
        plan.notes.insert(
            0,
            format!("{matching} user{} as configured", plural(matching)),
        );
    }
    if config.users.is_empty() {
        plan.unconfigured = true;
        plan.notes.push("no users in the config yet".into());
    }
    // A membership of a group that neither exists nor is planned by an
    // earlier step would fail after the users were made: stop first.
    let missing: std::collections::BTreeSet<&str> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::AddMembership { group, .. } if !groups.contains_key(group) => {
                Some(group.as_str())
            }
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        let missing: Vec<&str> = missing.into_iter().collect();
        plan.blocker = Some(
            crate::error::UserError::new(format!(
                "the users are to join group{} that do{} not exist yet: {}; nothing was changed",
                plural(missing.len()),
                if missing.len() == 1 { "es" } else { "" },
                crate::model::some_of(&missing)
            ))
            .hint(
                "run `ssosetup groups` first, or `ssosetup init`, which runs every step in order",
            ),
        );
    }
    plan
}

/// With `--prune`: a configured user leaves each group the config manages
/// that its `groups` no longer lists (groups being deleted take their
/// memberships with them). Pure.
fn prune_plan(plan: &mut StepPlan, seen: &Seen, config: &Config, facts: &Facts) {
    let managed = super::prune::ManagedGroups::of(config);
    let names: HashMap<&str, &str> = seen
        .groups
        .iter()
        .filter_map(|(name, id)| Some((id.as_deref()?, name.as_str())))
        .collect();
    for u in &config.users {
        let Some(have) = seen.existing.iter().find(|e| e.user_name == u.user_name) else {
            continue;
        };
        for (group_id, membership_id) in seen.memberships.get(&have.id).into_iter().flatten() {
            let Some(group) = names.get(group_id.as_str()) else {
                continue;
            };
            if managed.contains(group)
                && !u.groups.iter().any(|g| g == group)
                && !facts.pruned.groups.contains(group_id)
            {
                plan.actions.push(Action::RemoveMembership {
                    user_name: u.user_name.clone(),
                    group: group.to_string(),
                    membership_id: membership_id.clone(),
                });
            }
        }
    }
    let mut pruned = facts.pruned.clone();
    let groups = facts.groups.clone().unwrap_or_default();
    pruned.add(&plan.actions, |g| groups.get(g).cloned().flatten());
    if let Some(Ok(paths)) = &facts.admin_paths {
        super::prune::keep_an_administrator(plan, paths, &pruned);
    }
}

/// The attributes of an existing user that differ from the config, as the
/// changes that make them match. Case is not a difference (Identity Center
/// keeps what was typed; sign-in ignores it). Pure.
pub(crate) fn differences(have: &User, want: &NewUser) -> Vec<UserChange> {
    [
        (UserField::Email, have.email.as_deref(), &want.email),
        (
            UserField::DisplayName,
            have.display_name.as_deref(),
            &want.display_name,
        ),
        (
            UserField::GivenName,
            have.given_name.as_deref(),
            &want.given_name,
        ),
        (
            UserField::FamilyName,
            have.family_name.as_deref(),
            &want.family_name,
        ),
    ]
    .into_iter()
    .filter(|(_, have, want)| !have.is_some_and(|h| h.eq_ignore_ascii_case(want)))
    .map(|(field, have, want)| UserChange {
        field,
        from: have.unwrap_or("").to_string(),
        to: want.clone(),
    })
    .collect()
}

/// What to tell people after the users step: the portal, and what each new
/// user does to sign in the first time.
fn closing(config: &Config, instance: Option<&Instance>, plan: &StepPlan) -> Vec<String> {
    if config.users.is_empty() {
        return Vec::new();
    }
    let portal = config
        .cli
        .as_ref()
        .and_then(|c| c.start_url.clone())
        .or_else(|| config.portal_url.clone())
        .or_else(|| instance.and_then(Instance::default_portal_url));
    let portal_line = match &portal {
        Some(url) => format!("AWS access portal: {url}"),
        None => "AWS access portal: see Settings in the IAM Identity Center console (its URL is not derivable from this instance)".to_string(),
    };
    let mut lines = vec![String::new(), portal_line];
    let new_users: Vec<&str> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::CreateUser { user } => Some(user.user_name.as_str()),
            _ => None,
        })
        .collect();
    if !new_users.is_empty() {
        lines.push(format!("Next, each new user ({}):", new_users.join(", ")));
        lines.push(format!(
            "  1. opens {}",
            portal.as_deref().unwrap_or("the access portal")
        ));
        lines.push("  2. enters their user name".to_string());
        lines.push("  3. enters the one-time code sent to their email (this needs \"Send email OTP\" on: IAM Identity Center console > Settings > Authentication)".to_string());
        lines.push("  4. sets a password and registers an MFA device".to_string());
    }
    lines
}

async fn create(ctx: &Cx, facts: &Mutex<&mut Facts>, user: &NewUser) -> Result<()> {
    let store = instance_of(facts)?.identity_store_id;
    let id = create_user(&ctx.aws, &store, user).await?;
    let mut facts = facts.lock().expect("facts lock");
    facts.users.insert(user.user_name.clone(), Some(id));
    facts.created_users.insert(user.user_name.clone());
    Ok(())
}

async fn update(
    ctx: &Cx,
    facts: &Mutex<&mut Facts>,
    user_name: &str,
    changes: &[UserChange],
) -> Result<()> {
    let store = instance_of(facts)?.identity_store_id;
    let user_id = facts
        .lock()
        .expect("facts lock")
        .users
        .get(user_name)
        .cloned()
        .flatten()
        .ok_or_else(|| anyhow::anyhow!("user {user_name} has no id"))?;
    update_user(&ctx.aws, &store, &user_id, changes).await?;
    Ok(())
}

async fn add_membership(
    ctx: &Cx,
    facts: &Mutex<&mut Facts>,
    user_name: &str,
    group: &str,
) -> Result<()> {
    let store = instance_of(facts)?.identity_store_id;
    let (user_id, group_id) = {
        let f = facts.lock().expect("facts lock");
        (
            f.users.get(user_name).cloned().flatten(),
            f.groups
                .as_ref()
                .and_then(|g| g.get(group).cloned().flatten()),
        )
    };
    let user_id = user_id.ok_or_else(|| {
        crate::error::UserError::new(format!("user {user_name} does not exist yet"))
            .hint("its creation failed above; run the users step again")
    })?;
    let group_id = group_id.ok_or_else(|| {
        crate::error::UserError::new(format!("group {group} does not exist"))
            .hint("run `ssosetup groups` first (or `ssosetup init`)")
    })?;
    create_membership(&ctx.aws, &store, &group_id, &user_id).await?;
    Ok(())
}

/// The wizard's questions: users one after another, each field checked as
/// it is typed, and their groups from the assignments.
async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    let Person {
        cx: ctx,
        prompt,
        facts,
    } = person;
    if !ctx.config.config.users.is_empty() && !force {
        return Ok(());
    }
    let wanted = super::assignments::wanted(ctx, facts)
        .await?
        .unwrap_or_default();
    let mut groups: Vec<String> = wanted.iter().map(|w| w.group.clone()).collect();
    groups.dedup();
    // The administrators' group: an AdministratorAccess set on the
    // management account.
    let admin = crate::steps::iam_users::admin_policy(&facts.caller);
    let admin_group = wanted.iter().find(|w| {
        Some(w.account_id.as_str()) == facts.management_account()
            && ctx
                .config
                .config
                .permission_sets
                .iter()
                .any(|p| p.name == w.permission_set && p.managed_policies.contains(&admin))
    });
    let first: Vec<usize> = admin_group
        .and_then(|w| groups.iter().position(|g| *g == w.group))
        .into_iter()
        .collect();
    if ctx.config.config.users.is_empty() {
        // The first user is the person setting this up: the group the first
        // answers made for administrators is ticked. Nobody after them gets
        // a group by default.
        if !prompt.confirm("Add a user to Identity Center?", true)? {
            return Ok(());
        }
        add_user(ctx, &mut **prompt, &groups, &first)?;
        while prompt.confirm("Add another user?", false)? {
            add_user(ctx, &mut **prompt, &groups, &[])?;
        }
        return Ok(());
    }
    // Change answers: add, edit or remove, one at a time.
    loop {
        let users: Vec<String> = ctx
            .config
            .config
            .users
            .iter()
            .map(|u| u.user_name.clone())
            .collect();
        let mut items = vec!["Done".to_string(), "Add a user".to_string()];
        items.extend(users.iter().map(|u| format!("Edit {u}")));
        items.extend(users.iter().map(|u| format!("Remove {u}")));
        let i = prompt.select("Users: what to change?", &items, 0)?;
        match i {
            0 => return Ok(()),
            1 => add_user(ctx, &mut **prompt, &groups, &[])?,
            i if i < 2 + users.len() => edit_user(ctx, &mut **prompt, &groups, i - 2)?,
            i => {
                let name = &users[i - 2 - users.len()];
                if prompt.confirm(
                    &format!("Remove {name} from the config? (Identity Center keeps the user unless you run `ssosetup offboard {name}`)"),
                    false,
                )? {
                    ctx.config
                        .config
                        .users
                        .retain(|u| &u.user_name != name);
                    if let Some(cli) = ctx.config.config.cli.as_mut() {
                        if cli.user.as_deref() == Some(name.as_str()) {
                            cli.user = None;
                        }
                    }
                    ctx.config.save()?;
                }
            }
        }
    }
}

/// Asks for one new user and saves them; `ticked` are the group indexes
/// ticked at first.
fn add_user(
    ctx: &mut Cx,
    prompt: &mut dyn crate::ui::Prompter,
    groups: &[String],
    ticked: &[usize],
) -> Result<()> {
    let blank = UserConfig {
        user_name: String::new(),
        given_name: String::new(),
        family_name: String::new(),
        email: String::new(),
        display_name: None,
        groups: ticked
            .iter()
            .filter_map(|i| groups.get(*i).cloned())
            .collect(),
    };
    let user = ask_fields(ctx, prompt, groups, &blank, None)?;
    ctx.config.config.users.push(user);
    ctx.config.save()
}

/// Asks again for user `index`'s fields, each answer defaulting to what it is.
fn edit_user(
    ctx: &mut Cx,
    prompt: &mut dyn crate::ui::Prompter,
    groups: &[String],
    index: usize,
) -> Result<()> {
    let current = ctx.config.config.users[index].clone();
    let edited = ask_fields(ctx, prompt, groups, &current, Some(index))?;
    if let Some(cli) = ctx.config.config.cli.as_mut() {
        if cli.user.as_deref() == Some(current.user_name.as_str()) {
            cli.user = Some(edited.user_name.clone());
        }
    }
    ctx.config.config.users[index] = edited;
    ctx.config.save()
}

/// One user's fields; `like` gives the defaults, `index` is the user being
/// edited (its own name and email are not "taken").
fn ask_fields(
    ctx: &Cx,
    prompt: &mut dyn crate::ui::Prompter,
    groups: &[String],
    like: &UserConfig,
    index: Option<usize>,
) -> Result<UserConfig> {
    let others = ctx
        .config
        .config
        .users
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != index)
        .map(|(_, u)| u);
    let (taken_names, taken_emails): (Vec<String>, Vec<String>) = others
        .map(|u| (u.user_name.to_lowercase(), u.email.to_lowercase()))
        .unzip();
    let default = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let user_name = prompt.input(
        "User name (what they type to sign in)",
        default(&like.user_name).as_deref(),
        &|s| {
            crate::config::check_user_name(s)?;
            if taken_names.contains(&s.to_lowercase()) {
                return Err("that user name is already in the config".into());
            }
            Ok(())
        },
    )?;
    let not_blank = |s: &str| {
        if s.trim().is_empty() {
            Err("cannot be empty".to_string())
        } else {
            Ok(())
        }
    };
    let given_name = prompt.input(
        "Given name",
        default(&like.given_name).as_deref(),
        &not_blank,
    )?;
    let family_name = prompt.input(
        "Family name",
        default(&like.family_name).as_deref(),
        &not_blank,
    )?;
    let email = prompt.input(
        "Email (the one-time code goes there)",
        default(&like.email).as_deref(),
        &|s| {
            crate::config::check_email(s)?;
            if taken_emails.contains(&s.to_lowercase()) {
                return Err("another user in the config has this email".into());
            }
            Ok(())
        },
    )?;
    let picked = if groups.is_empty() {
        Vec::new()
    } else {
        let chosen: Vec<bool> = groups.iter().map(|g| like.groups.contains(g)).collect();
        prompt.multi_select(&format!("Groups for {user_name}"), groups, &chosen)?
    };
    Ok(UserConfig {
        user_name,
        given_name,
        family_name,
        email,
        display_name: like.display_name.clone(),
        groups: picked.into_iter().map(|i| groups[i].clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    const CONFIG: &str = r#"
[[permission_sets]]
name = "Admin"
[[assignments]]
permission_set = "Admin"
accounts = ["111111111111"]
[[users]]
user_name = "alice"
given_name = "Alice"
family_name = "Doe"
email = "alice@example.com"
groups = ["Admin-111111111111"]
"#;

    fn alice() -> User {
        User {
            id: "u-1".into(),
            user_name: "alice".into(),
            display_name: Some("Alice Doe".into()),
            given_name: Some("Alice".into()),
            family_name: Some("Doe".into()),
            email: Some("alice@example.com".into()),
            status: None,
        }
    }

    fn groups() -> BTreeMap<String, Option<String>> {
        BTreeMap::from([
            ("Admin-111111111111".to_string(), Some("g-1".to_string())),
            ("Legacy".to_string(), Some("g-9".to_string())),
        ])
    }

    #[test]
    fn memberships_of_groups_that_are_neither_there_nor_planned_stop_the_step() {
        let config = parse(CONFIG).unwrap();
        let plan = plan(&config, &[], &HashMap::new(), &BTreeMap::new());
        let blocker = plan
            .blocker
            .expect("users before groups stops before the first user");
        assert!(
            blocker.message.contains("Admin-111111111111"),
            "{}",
            blocker.message
        );
        assert!(blocker.hint.unwrap().contains("ssosetup groups"));
        // Planned by an earlier step of this run (no id yet): fine.
        let planned = BTreeMap::from([("Admin-111111111111".to_string(), None)]);
        assert!(plan_of(&config, &planned).blocker.is_none());
    }

    fn plan_of(config: &Config, groups: &BTreeMap<String, Option<String>>) -> StepPlan {
        plan(config, &[], &HashMap::new(), groups)
    }

    #[test]
    fn a_new_user_is_created_then_added_to_its_groups() {
        let config = parse(CONFIG).unwrap();
        let plan = plan(&config, &[], &HashMap::new(), &groups());
        assert_eq!(
            plan.actions,
            vec![
                Action::CreateUser {
                    user: NewUser {
                        user_name: "alice".into(),
                        display_name: "Alice Doe".into(),
                        given_name: "Alice".into(),
                        family_name: "Doe".into(),
                        email: "alice@example.com".into(),
                    }
                },
                Action::AddMembership {
                    user_name: "alice".into(),
                    group: "Admin-111111111111".into()
                },
            ]
        );
        let closing = closing(&config, None, &plan).join("\n");
        assert!(closing.contains("Next, each new user (alice)"), "{closing}");
        assert!(closing.contains("Send email OTP"), "{closing}");
    }

    #[test]
    fn an_existing_member_plans_nothing_and_other_groups_are_reported() {
        let config = parse(CONFIG).unwrap();
        let memberships = HashMap::from([(
            "u-1".to_string(),
            vec!["g-1".to_string(), "g-9".to_string()],
        )]);
        let plan = plan(&config, &[alice()], &memberships, &groups());
        assert!(plan.actions.is_empty());
        assert_eq!(
            plan.notes,
            vec![
                "1 user as configured",
                "user alice is also in Legacy (not in the config; left alone)"
            ]
        );
    }

    #[test]
    fn attribute_drift_converges_and_a_missing_membership_is_added() {
        let config = parse(CONFIG).unwrap();
        let mut a = alice();
        a.email = Some("old@example.com".into());
        a.display_name = Some("ALICE DOE".into()); // case is not drift
        a.family_name = Some("Roe".into());
        let plan = plan(&config, &[a], &HashMap::new(), &groups());
        assert_eq!(
            plan.actions,
            vec![
                Action::UpdateUser {
                    user_name: "alice".into(),
                    changes: vec![
                        UserChange {
                            field: UserField::Email,
                            from: "old@example.com".into(),
                            to: "alice@example.com".into()
                        },
                        UserChange {
                            field: UserField::FamilyName,
                            from: "Roe".into(),
                            to: "Doe".into()
                        },
                    ]
                },
                Action::AddMembership {
                    user_name: "alice".into(),
                    group: "Admin-111111111111".into()
                }
            ]
        );
    }
}
