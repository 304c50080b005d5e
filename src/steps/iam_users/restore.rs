//! `iam-users-cleanup --restore FILE`: recreates a deleted user from its
//! backup, after checking the file and what it refers to.

use super::backup::*;
use super::*;
use crate::model::Grant;
use crate::plan::TypedConfirmation;

/// A managed policy that makes its holder an administrator, or able to
/// become one (IAMFullAccess grants itself anything). Any partition.
fn is_admin_managed_policy(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:") else {
        return false;
    };
    rest.split_once(':').is_some_and(|(_, tail)| {
        tail == "iam::aws:policy/AdministratorAccess" || tail == "iam::aws:policy/IAMFullAccess"
    })
}

/// IAM actions that let their holder grant itself more (privilege
/// escalation): an Allow of one of these is administrator-equivalent.
const ESCALATING_ACTIONS: [&str; 11] = [
    "iam:attachuserpolicy",
    "iam:putuserpolicy",
    "iam:attachgrouppolicy",
    "iam:putgrouppolicy",
    "iam:attachrolepolicy",
    "iam:putrolepolicy",
    "iam:addusertogroup",
    "iam:createpolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:createaccesskey",
    "iam:updateassumerolepolicy",
];

/// Whether a policy document allows every action on everything (`"*"`, or
/// NotAction): an administrator's, whatever the policy is called. Pure.
pub(crate) fn grants_admin_access(document: &str) -> bool {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(document) else {
        return false;
    };
    let statements = match &json["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        one @ serde_json::Value::Object(_) => vec![one.clone()],
        _ => return false,
    };
    statements.iter().any(|st| {
        let allow = st["Effect"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case("allow"));
        let every_action = match &st["Action"] {
            serde_json::Value::String(a) => a == "*",
            serde_json::Value::Array(list) => list.iter().any(|a| a == "*"),
            _ => !st["NotAction"].is_null(),
        };
        allow && every_action
    })
}

/// Whether a policy document grants administrator-equivalent access: an
/// Allow of every action, of every IAM action (or a wildcard of them), of an
/// action that escalates privileges, or an Allow with NotAction. A document
/// that cannot be read counts, so that it is confirmed. Pure.
pub(crate) fn grants_admin(document: &str) -> bool {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(document) else {
        return true;
    };
    let statements = match &json["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        one @ serde_json::Value::Object(_) => vec![one.clone()],
        _ => return false,
    };
    statements.iter().any(|st| {
        if !st["Effect"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case("allow"))
        {
            return false;
        }
        if !st["NotAction"].is_null() {
            return true;
        }
        let actions: Vec<String> = match &st["Action"] {
            serde_json::Value::String(a) => vec![a.to_ascii_lowercase()],
            serde_json::Value::Array(list) => list
                .iter()
                .filter_map(|a| a.as_str())
                .map(str::to_ascii_lowercase)
                .collect(),
            _ => Vec::new(),
        };
        actions.iter().any(|a| {
            a == "*"
                || (a.starts_with("iam:") && a.contains('*'))
                || ESCALATING_ACTIONS.contains(&a.as_str())
        })
    })
}

/// What the restore grants: every policy ARN, inline policy and group,
/// with those that make an administrator marked (a group by its own
/// policies, a customer managed policy by its document).
async fn grants(client: &aws_sdk_iam::Client, user: &IamUser) -> Result<Vec<Grant>> {
    let mut out = Vec::new();
    for arn in &user.attached_policies {
        let admin = is_admin_managed_policy(arn)
            || (!arn.contains(":iam::aws:policy/")
                && iam::policy_document(client, arn)
                    .await?
                    .is_none_or(|d| grants_admin(&d)));
        out.push(Grant {
            what: format!("managed policy {arn}"),
            admin,
        });
    }
    for p in &user.inline_policies {
        out.push(Grant {
            what: format!("inline policy {}", p.name),
            admin: grants_admin(&p.document),
        });
    }
    for g in &user.groups {
        let (attached, inline) = iam::group_policies(client, g).await?;
        let mut admin = inline.iter().any(|p| grants_admin(&p.document));
        for arn in &attached {
            admin = admin
                || is_admin_managed_policy(arn)
                || (!arn.contains(":iam::aws:policy/")
                    && iam::policy_document(client, arn)
                        .await?
                        .is_none_or(|d| grants_admin(&d)));
        }
        out.push(Grant {
            what: format!("group {g}"),
            admin,
        });
    }
    Ok(out)
}

/// Why a user of the backup's name that exists blocks the restore, if it does.
async fn existing_user_blocker(
    client: &aws_sdk_iam::Client,
    backup: &Backup,
) -> Result<Option<UserError>> {
    let name = &backup.user.user_name;
    if !iam::user_exists(client, name).await? {
        return Ok(None);
    }
    let mark = iam::user_tag(client, name, iam::RESTORED_FROM_TAG).await?;
    let complete = format!("{}{}", backup.taken_at, iam::RESTORE_COMPLETE);
    Ok(match mark.as_deref() {
        // Its own interrupted restore: finished now.
        Some(m) if m == backup.taken_at => None,
        Some(m) if m == complete => Some(
            UserError::new(format!(
                "IAM user {name} was already restored from this backup"
            ))
            .caused_by("restoring it again would grant again what an administrator may have taken away since")
            .hint("nothing was changed; change the user in IAM if it needs more"),
        ),
        _ => Some(
            UserError::new(format!("IAM user {name} exists already"))
                .hint("nothing was changed; a restore only recreates a user that is gone (or finishes its own interrupted restore)"),
        ),
    })
}

/// The groups and policies (and boundary) the user referred to that are gone.
async fn missing_references(client: &aws_sdk_iam::Client, user: &IamUser) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for g in &user.groups {
        if !iam::group_exists(client, g).await? {
            missing.push(format!("group {g}"));
        }
    }
    for arn in user
        .attached_policies
        .iter()
        .chain(&user.permissions_boundary)
    {
        if !iam::policy_exists(client, arn).await? {
            missing.push(format!("policy {arn}"));
        }
    }
    Ok(missing)
}

/// `iam-users-cleanup --restore FILE`: the plan of the re-creation.
/// Blocked when the user exists (unless it is this backup's own
/// interrupted restore), was already restored from it, or something it
/// refers to (a group, a policy, the boundary) is gone. Administrator-
/// equivalent grants are named and wait for a typed confirmation at a
/// terminal (never `--yes`). A record of the first of two phases, while
/// the user exists, switches its keys back on instead. A member account's
/// backup is restored through `[cleanup] member_role` there.
pub(crate) async fn plan_restore(
    ctx: &Cx,
    facts: &mut Facts,
    file: &Path,
    backup: &Backup,
) -> Result<StepPlan> {
    let mut plan = StepPlan::new(super::ID);
    let user = &backup.user;
    let caller = facts.caller.clone();
    let cleanup = ctx.config.config.cleanup();
    let member = if backup.account == caller.account {
        None
    } else {
        let accounts = super::super::ensure_accounts(ctx, facts)
            .await
            .unwrap_or_default();
        match accounts.iter().find(|a| a.id == backup.account) {
            Some(a) => Some(crate::model::MemberAccess {
                account: a.id.clone(),
                name: a.name.clone(),
                role_arn: accounts::role_arn(&caller, &a.id, cleanup.member_role()),
            }),
            None => {
                plan.blocker = Some(
                    UserError::new(format!(
                        "{} is a backup from account {}, which is neither this run's account {} nor a member of its organization",
                        file.display(),
                        backup.account,
                        caller.account
                    ))
                    .hint("use --profile with credentials of the account the user was deleted from, or of its organization's management account"),
                );
                return Ok(plan);
            }
        }
    };
    let aws = match &member {
        None => ctx.aws.clone(),
        Some(m) => match ctx.aws.in_member(&m.account, &m.role_arn).await {
            Ok(aws) => aws,
            Err(e) => {
                plan.blocker = Some(
                    UserError::new(format!(
                        "cannot reach account {} to restore {}",
                        m.label(),
                        user.user_name
                    ))
                    .caused_by(e.to_string())
                    .hint("the restore goes through [cleanup] member_role (default OrganizationAccountAccessRole) in that account; nothing was changed"),
                );
                return Ok(plan);
            }
        },
    };
    let client = &aws.iam;
    let home = member.is_none();
    plan.notes.push(format!(
        "backup of {} taken {} in account {}",
        user.user_name, backup.taken_at, backup.account
    ));
    if !backup.switched_off.is_empty() && iam::user_exists(client, &user.user_name).await? {
        // The first phase's record, and the user is still there: undo it.
        plan.actions.push(Action::ReactivateAccessKeys {
            member,
            user_name: user.user_name.clone(),
            keys: backup.switched_off.clone(),
            file: file.to_path_buf(),
        });
        if cleanup.deletes(&backup.account, home, &user.user_name) {
            plan.notes.push(format!(
                "[cleanup] iam_users in {} still names {}: take it out (or move it to keep_iam_users), or the next cleanup switches its keys off again",
                ctx.config.path.display(),
                user.user_name
            ));
        }
        return Ok(plan);
    }
    if let Some(blocker) = existing_user_blocker(client, backup).await? {
        plan.blocker = Some(blocker);
    } else {
        let missing = missing_references(client, user).await?;
        if !missing.is_empty() {
            plan.blocker = Some(
                UserError::new(format!(
                    "cannot restore {}: what it refers to is gone: {}",
                    user.user_name,
                    missing.join(", ")
                ))
                .hint("recreate those first, or remove them from the backup file; nothing was changed"),
            );
        }
    }
    if cleanup.deletes(&backup.account, home, &user.user_name) {
        plan.notes.push(format!(
            "[cleanup] iam_users in {} still names {}: remove it there, or the next cleanup deletes it again",
            ctx.config.path.display(),
            user.user_name
        ));
    }
    if plan.blocker.is_none() {
        let grants = grants(client, user).await?;
        let admin: Vec<String> = grants
            .iter()
            .filter(|g| g.admin)
            .map(|g| g.what.clone())
            .collect();
        let mut restored = user.clone();
        // A restored user starts no wait: the tag of a first phase stays out.
        restored.tags.remove(iam::KEYS_OFF_TAG);
        plan.actions.push(Action::RestoreIamUser {
            member,
            file: file.to_path_buf(),
            user: Box::new(restored),
            marker: backup.taken_at.clone(),
            grants,
        });
        plan.notes.extend(
            secrets_lost(user)
                .into_iter()
                .map(|s| format!("not restored: {s}")),
        );
        if !admin.is_empty() {
            plan.typed = Some(admin_grants_confirmation(&user.user_name, &admin));
        }
    }
    Ok(plan)
}

/// Administrator-equivalent grants are confirmed on their own: the person
/// types the user's name at a terminal; `--yes` alone never does it. Pure.
fn admin_grants_confirmation(user_name: &str, admin: &[String]) -> TypedConfirmation {
    TypedConfirmation {
        warning: format!(
            "restoring {user_name} grants administrator-equivalent access: {}",
            admin.join(", ")
        ),
        question: format!("Type {user_name} to confirm these grants (anything else declines)"),
        expected: user_name.to_string(),
        refused: UserError::new(format!(
            "restoring {user_name} would grant administrator-equivalent access: {}",
            admin.join(", ")
        )),
        unattended: "--yes alone never confirms administrator-equivalent access".to_string(),
        unattended_hint: "run the restore at a terminal to confirm it, or remove those entries from the backup file; nothing was changed".to_string(),
    }
}

/// Whether two public keys or certificates have the same material: an SSH
/// key's type and key (its comment aside), a certificate's whole PEM text
/// (whitespace aside).
fn same_public_key(a: &crate::model::PublicKey, b: &crate::model::PublicKey) -> bool {
    let material = |k: &crate::model::PublicKey| {
        k.body.as_deref().map(|body| {
            if body.trim_start().starts_with("-----BEGIN") {
                body.split_whitespace().collect::<String>()
            } else {
                body.split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        })
    };
    material(a).is_some() && material(a) == material(b)
}

#[cfg(test)]
#[test]
fn public_keys_compare_by_their_material() {
    let key = |body: &str| crate::model::PublicKey {
        id: "x".into(),
        status: "Active".into(),
        body: Some(body.into()),
    };
    assert!(same_public_key(
        &key("ssh-ed25519 AAAA1 alice@laptop"),
        &key("ssh-ed25519  AAAA1")
    ));
    assert!(!same_public_key(
        &key("ssh-ed25519 AAAA1"),
        &key("ssh-ed25519 AAAA2")
    ));
    let pem = |b64: &str| {
        key(&format!(
            "-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n"
        ))
    };
    assert!(same_public_key(&pem("MIIBone"), &pem("MIIBone")));
    assert!(!same_public_key(&pem("MIIBone"), &pem("MIIBtwo")));
}

/// Recreates the user, then its policies, groups and public keys.
pub(crate) async fn restore_user(
    ctx: &Cx,
    member: Option<&crate::model::MemberAccess>,
    file: &Path,
    user: &IamUser,
    marker: &str,
) -> Result<()> {
    let aws = match member {
        None => ctx.aws.clone(),
        Some(m) => ctx.aws.in_member(&m.account, &m.role_arn).await?,
    };
    let client = &aws.iam;
    let name = &user.user_name;
    iam::create_user(client, user, marker).await?;
    for arn in &user.attached_policies {
        iam::attach_user_policy(client, name, arn).await?;
    }
    for p in &user.inline_policies {
        iam::put_user_policy(client, name, p).await?;
    }
    for g in &user.groups {
        iam::add_user_to_group(client, name, g).await?;
    }
    // Public keys already there (a resumed restore) are not uploaded twice
    // (AWS refuses a duplicate; some stand-ins accept it).
    let have_keys = iam::ssh_public_keys(client, name).await?;
    for k in &user.ssh_public_keys {
        if !have_keys.iter().any(|h| same_public_key(h, k)) {
            iam::upload_ssh_public_key(client, name, k).await?;
        }
    }
    let have_certs = iam::signing_certificates(client, Some(name)).await?;
    for c in &user.signing_certificates {
        if !have_certs.iter().any(|h| same_public_key(h, c)) {
            iam::upload_signing_certificate(client, name, c).await?;
        }
    }
    // Finished: a later restore from the same file is refused, rather
    // than granting again what an administrator may take away.
    iam::tag_user(
        client,
        name,
        iam::RESTORED_FROM_TAG,
        &format!("{marker}{}", iam::RESTORE_COMPLETE),
    )
    .await?;
    ctx.out.say(&format!(
        "recreated IAM user {name} from {}; what could not come back is listed above",
        file.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrator_equivalent_grants_are_recognised() {
        assert!(is_admin_managed_policy(
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ));
        assert!(is_admin_managed_policy(
            "arn:aws-cn:iam::aws:policy/IAMFullAccess"
        ));
        assert!(!is_admin_managed_policy(
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ));
        assert!(!is_admin_managed_policy(
            "arn:aws:iam::123456789012:policy/AdministratorAccess"
        ));
        let doc = |effect: &str, action: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":{action},"Resource":"*"}}]}}"#
            )
        };
        assert!(grants_admin(&doc("Allow", "\"*\"")));
        assert!(grants_admin(&doc("Allow", "[\"s3:GetObject\",\"iam:*\"]")));
        assert!(grants_admin(&doc("Allow", "\"iam:Put*\"")));
        assert!(grants_admin(&doc("Allow", "\"iam:AttachUserPolicy\"")));
        assert!(!grants_admin(&doc("Allow", "\"s3:*\"")));
        assert!(!grants_admin(&doc("Deny", "\"*\"")));
        assert!(grants_admin(
            r#"{"Statement":{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}}"#
        ));
        assert!(grants_admin("{not json"));
    }
}
