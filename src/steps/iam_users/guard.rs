//! The lockout guard: no IAM user is deleted while nobody else is known to
//! be able to administer the account through Identity Center.

use super::*;
use crate::model::{AccountId, Assignment, PermissionSetArn, Principal};
use crate::steps::ensure_ic_users;
use crate::steps::prune::AdminPath;

/// The AWS managed policy that makes a permission set an administrator's,
/// in the caller's partition (`aws`, `aws-cn`, `aws-us-gov`).
pub(crate) fn admin_policy(caller: &Caller) -> String {
    format!(
        "arn:{}:iam::aws:policy/AdministratorAccess",
        caller.partition()
    )
}

/// What keeps a permission set with AdministratorAccess from being a full
/// administrator: an inline policy with a Deny, a permissions boundary, a
/// customer managed policy (whose content differs per account and may deny).
/// Empty: nothing narrows it. Pure.
pub(crate) fn narrowed_by(
    inline: Option<&str>,
    customer_managed: &std::collections::BTreeSet<crate::config::CustomerManagedPolicy>,
    boundary: Option<&Option<crate::model::Boundary>>,
) -> Vec<String> {
    let mut why = Vec::new();
    if let Some(doc) = inline {
        match serde_json::from_str::<serde_json::Value>(doc) {
            Ok(json) => {
                let statements = match &json["Statement"] {
                    serde_json::Value::Array(list) => list.clone(),
                    one @ serde_json::Value::Object(_) => vec![one.clone()],
                    _ => Vec::new(),
                };
                if statements.iter().any(|st| {
                    st["Effect"]
                        .as_str()
                        .is_some_and(|e| e.eq_ignore_ascii_case("deny"))
                }) {
                    why.push("its inline policy has a Deny statement".to_string());
                }
            }
            Err(_) => why.push("its inline policy cannot be read as JSON".to_string()),
        }
    }
    if !customer_managed.is_empty() {
        why.push(format!(
            "it references customer managed polic{} ({}), which may deny",
            if customer_managed.len() == 1 {
                "y"
            } else {
                "ies"
            },
            customer_managed
                .iter()
                .map(|p| format!("{}{}", p.path, p.name))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(Some(b)) = boundary {
        let what = match b {
            crate::model::Boundary::Managed(arn) => arn.clone(),
            crate::model::Boundary::CustomerManaged(p) => format!("{}{}", p.path, p.name),
        };
        why.push(format!("it has the permissions boundary {what}"));
    }
    why
}

/// Whether someone can still administer the account once IAM users are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Who holds administrator access on the management account.
    Admin(String),
    /// The only administrators are made by this run: nobody has signed in
    /// as them yet, so they prove nothing (cleanup waits for a later run).
    NotYet(Vec<String>),
    /// Why nobody is known to.
    Nobody(String),
}

/// "the only Identity Center administrator (alice) is created by this run
/// and cannot have signed in yet".
pub(crate) fn not_yet(users: &[String]) -> String {
    format!(
        "the only Identity Center administrator{} ({}) {} created by this run and cannot have signed in yet",
        plural(users.len()),
        users.join(", "),
        if users.len() == 1 { "is" } else { "are" }
    )
}

/// The users the config makes administrators of the management account
/// whose access this run creates (the user, its group, the permission set
/// or the assignment is planned): they cannot have signed in yet. Pure.
pub(crate) fn planned_admins(config: &crate::config::Config, facts: &Facts) -> Vec<String> {
    let admin = admin_policy(&facts.caller);
    let admin_sets: Vec<&str> = config
        .permission_sets
        .iter()
        .filter(|ps| {
            ps.managed_policies.contains(&admin)
                && ps.inline_policy.is_none()
                && ps.permissions_boundary.is_none()
                && ps.customer_managed_policies.is_empty()
        })
        .map(|ps| ps.name.as_str())
        .collect();
    let Some(management) = facts.management_account() else {
        return Vec::new();
    };
    let Ok(wanted) = crate::steps::assignments::resolve(
        config,
        Some(management),
        facts.accounts.as_deref(),
        facts.org_tree.as_ref(),
    ) else {
        return Vec::new();
    };
    let planned_set = |name: &str| {
        facts
            .permission_sets
            .as_ref()
            .is_none_or(|m| m.get(name).is_none_or(Option::is_none))
    };
    let planned_group = |name: &str| {
        facts
            .groups
            .as_ref()
            .is_none_or(|m| m.get(name).is_none_or(Option::is_none))
    };
    let admin_groups: Vec<(&str, bool)> = wanted
        .iter()
        .filter(|w| w.account_id == management && admin_sets.contains(&w.permission_set.as_str()))
        .map(|w| {
            (
                w.group.as_str(),
                planned_set(&w.permission_set) || planned_group(&w.group),
            )
        })
        .collect();
    let mut users: Vec<String> = config
        .users
        .iter()
        .filter(|u| {
            let planned_user = facts.users.get(&u.user_name).is_none_or(Option::is_none);
            admin_groups
                .iter()
                .any(|(g, planned)| u.groups.iter().any(|ug| ug == g) && (*planned || planned_user))
        })
        .map(|u| u.user_name.clone())
        .collect();
    users.sort();
    users
}

/// The permission sets that give administrator access: those with
/// AdministratorAccess, each with why it may not make a full administrator
/// (`None`: nothing narrows it), and those whose inline policy grants
/// everything without it (always "narrowed": ssosetup cannot be sure what
/// else applies). (name, ARN, narrowed). Names and ids as the earlier
/// steps of this run saw them (or looked up now).
pub(crate) async fn admin_sets(
    ctx: &Cx,
    facts: &mut Facts,
    instance: &str,
) -> Result<Vec<AdminSet>> {
    if let Some(known) = &facts.admin_sets {
        return Ok(known.clone());
    }
    let sets = read_admin_sets(ctx, facts, instance).await?;
    facts.admin_sets = Some(sets.clone());
    Ok(sets)
}

/// A permission set that gives administrator access: (name, ARN, what
/// narrows it).
pub(crate) type AdminSet = (String, String, Option<String>);

async fn read_admin_sets(ctx: &Cx, facts: &mut Facts, instance: &str) -> Result<Vec<AdminSet>> {
    let admin = admin_policy(&facts.caller);
    let mut sets = Vec::new();
    for (name, arn) in ensure_permission_sets(ctx, facts).await? {
        let Some(arn) = arn else { continue };
        let managed = sso::list_managed_policies(&ctx.aws, instance, &arn).await?;
        if !managed.contains(&admin) {
            let inline = sso::get_inline_policy(&ctx.aws, instance, &arn).await?;
            if inline
                .as_deref()
                .is_some_and(super::restore::grants_admin_access)
            {
                sets.push((
                    name.clone(),
                    arn,
                    Some(format!(
                        "{name} (its inline policy grants everything, without AdministratorAccess)"
                    )),
                ));
            }
            continue;
        }
        let (inline, customer_managed) = futures::try_join!(
            sso::get_inline_policy(&ctx.aws, instance, &arn),
            sso::list_customer_managed_policies(&ctx.aws, instance, &arn),
        )?;
        let boundary = ctx
            .aws
            .optional_read(
                "sso:GetPermissionsBoundaryForPermissionSet",
                "permissions boundaries are left as they are, and the lockout guard cannot see them",
                || sso::get_permissions_boundary(&ctx.aws, instance, &arn),
            )
            .await?;
        let why = narrowed_by(inline.as_deref(), &customer_managed, boundary.as_ref());
        let narrowed = (!why.is_empty()).then(|| format!("{name} ({})", why.join("; ")));
        sets.push((name, arn, narrowed));
    }
    Ok(sets)
}

/// Who administers the management account now: every user holding a
/// permission set with administrator access there ([`admin_sets`]),
/// directly or through a group, each path marked when the set is narrowed;
/// `Err` says why there is nobody to look at (no instance, no such
/// permission set). Read once a run.
pub(crate) async fn admin_paths(
    ctx: &Cx,
    facts: &mut Facts,
) -> Result<Result<Vec<AdminPath>, String>> {
    if let Some(known) = &facts.admin_paths {
        return Ok(known.clone());
    }
    ensure_organization(ctx, facts).await?;
    let management = facts
        .management_account()
        .unwrap_or(&facts.caller.account)
        .to_string();
    let paths = admin_paths_on(ctx, facts, &management).await?;
    facts.admin_paths = Some(paths.clone());
    Ok(paths)
}

/// Who administers `account` now (see [`admin_paths`]), read once a run.
pub(crate) async fn admin_paths_on(
    ctx: &Cx,
    facts: &mut Facts,
    account: &str,
) -> Result<Result<Vec<AdminPath>, String>> {
    if let Some(known) = facts.admin_paths_on.get(account) {
        return Ok(known.clone());
    }
    let paths = read_admin_paths(ctx, facts, account).await?;
    facts
        .admin_paths_on
        .insert(account.to_string(), paths.clone());
    Ok(paths)
}

/// Reads who administers the account into `facts` (for the lockout checks
/// of removals, which look there).
pub(crate) async fn ensure_admin_paths(ctx: &Cx, facts: &mut Facts) -> Result<()> {
    admin_paths(ctx, facts).await.map(drop)
}

async fn read_admin_paths(
    ctx: &Cx,
    facts: &mut Facts,
    account: &str,
) -> Result<Result<Vec<AdminPath>, String>> {
    let Some(instance) = ensure_instance(ctx, facts).await? else {
        return Ok(Err(format!(
            "IAM Identity Center has no ACTIVE instance in {}",
            ctx.aws.region
        )));
    };
    let admin_sets = admin_sets(ctx, facts, &instance.arn).await?;
    if admin_sets.is_empty() {
        return Ok(Err(
            "no permission set has the AdministratorAccess policy".to_string()
        ));
    }
    let store = instance.identity_store_id.clone();
    let users: BTreeMap<String, String> = ensure_ic_users(ctx, facts)
        .await?
        .into_iter()
        .map(|u| (u.id, u.user_name))
        .collect();
    let mut paths = Vec::new();
    for (_, ps, narrowed) in &admin_sets {
        for principal in sso::list_account_assignments(&ctx.aws, &instance.arn, account, ps).await?
        {
            let holders = match &principal {
                Principal::User(u) => vec![u.to_string()],
                Principal::Group(g) => match facts.group_members.get(g.as_str()) {
                    Some(known) => known.clone(),
                    None => {
                        let members = ids::list_group_members(&ctx.aws, &store, g.as_str()).await?;
                        facts.group_members.insert(g.to_string(), members.clone());
                        members
                    }
                },
            };
            for user_id in holders {
                if let Some(user_name) = users.get(&user_id) {
                    paths.push(AdminPath {
                        user_name: user_name.clone(),
                        assignment: Assignment {
                            principal: principal.clone(),
                            permission_set: PermissionSetArn::new(ps.as_str()),
                            account: AccountId::from_aws(account),
                        },
                        narrowed: narrowed.clone(),
                    });
                }
            }
        }
    }
    Ok(Ok(paths))
}

/// The lockout guard of `account` (the account whose IAM users would go):
/// an Identity Center user holds a permission set with AdministratorAccess
/// on it, directly or through a group, and was not created by this run.
pub(crate) async fn guard(ctx: &Cx, facts: &mut Facts, account: &str) -> Result<Guard> {
    let all = match admin_paths_on(ctx, facts, account).await? {
        Ok(paths) => paths,
        Err(why) => return Ok(Guard::Nobody(why)),
    };
    let paths: Vec<&AdminPath> = all.iter().filter(|p| p.narrowed.is_none()).collect();
    if paths.is_empty() && !all.is_empty() {
        let why: std::collections::BTreeSet<&str> =
            all.iter().filter_map(|p| p.narrowed.as_deref()).collect();
        return Ok(Guard::Nobody(format!(
            "administrator access on account {account} is narrowed in every permission set that gives it: {}",
            why.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    let groups: BTreeMap<String, String> = ensure_groups(ctx, facts)
        .await?
        .into_iter()
        .filter_map(|(name, id)| id.map(|id| (id, name)))
        .collect();
    let set_names: BTreeMap<String, String> = facts
        .permission_sets
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, arn)| arn.map(|arn| (arn, name)))
        .collect();
    // Administrators made by this run have never signed in: they prove nothing.
    let mut just_created = Vec::new();
    for p in paths {
        if facts.created_users.contains(&p.user_name) {
            just_created.push(p.user_name.clone());
            continue;
        }
        let via = match &p.assignment.principal {
            Principal::Group(g) => format!(
                " (group {})",
                groups
                    .get(g.as_str())
                    .map(String::as_str)
                    .unwrap_or(g.as_str())
            ),
            Principal::User(_) => String::new(),
        };
        return Ok(Guard::Admin(format!(
            "{} holds {} on {}{via}",
            p.user_name,
            set_names
                .get(p.assignment.permission_set.as_str())
                .map(String::as_str)
                .unwrap_or(p.assignment.permission_set.as_str()),
            account_label(facts, account)
        )));
    }
    if !just_created.is_empty() {
        just_created.sort();
        just_created.dedup();
        return Ok(Guard::NotYet(just_created));
    }
    Ok(Guard::Nobody(format!(
        "no Identity Center user holds a permission set with AdministratorAccess on {}",
        account_label(facts, account)
    )))
}

/// "the management account 123456789012" or "account 111122223333".
fn account_label(facts: &Facts, account: &str) -> String {
    if facts.management_account() == Some(account) {
        format!("the management account {account}")
    } else {
        format!("account {account}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(arn: &str) -> Caller {
        Caller {
            account: "123456789012".into(),
            arn: arn.into(),
        }
    }

    #[test]
    fn administrator_access_counts_only_when_nothing_narrows_it() {
        use std::collections::BTreeSet;
        let none = BTreeSet::new();
        assert!(narrowed_by(None, &none, Some(&None)).is_empty());
        let allow = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
        assert!(narrowed_by(Some(allow), &none, None).is_empty());
        let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        assert_eq!(
            narrowed_by(Some(deny), &none, None),
            vec!["its inline policy has a Deny statement"]
        );
        let cmp = BTreeSet::from([crate::config::CustomerManagedPolicy {
            name: "Guardrail".into(),
            path: "/".into(),
        }]);
        assert!(narrowed_by(None, &cmp, None)[0].contains("/Guardrail"));
        let boundary = Some(crate::model::Boundary::Managed(
            "arn:aws:iam::aws:policy/PowerUserAccess".into(),
        ));
        assert!(narrowed_by(None, &none, Some(&boundary))[0].contains("PowerUserAccess"));
        assert_eq!(narrowed_by(Some("{not json"), &none, None).len(), 1);
    }

    #[test]
    fn the_administrator_policy_is_built_for_the_callers_partition() {
        assert_eq!(
            admin_policy(&caller("arn:aws-cn:iam::123456789012:user/admin")),
            "arn:aws-cn:iam::aws:policy/AdministratorAccess"
        );
        assert_eq!(
            admin_policy(&caller("arn:aws-us-gov:sts::123456789012:assumed-role/r/s")),
            "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"
        );
        assert_eq!(
            admin_policy(&caller("arn:aws:iam::123456789012:root")),
            "arn:aws:iam::aws:policy/AdministratorAccess"
        );
    }
}
