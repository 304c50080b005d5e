//! Deleting one IAM user: re-read, back up, remove its dependents in the
//! order AWS requires, then the user.

use super::backup::*;
use super::*;
use crate::model::MemberAccess;

/// Deletes one IAM user the plan named: re-reads it, backs it up, removes
/// its dependents in AWS's order, then the user; a `DeleteConflict` (a
/// dependent appeared or was missed) re-reads and goes again.
pub(crate) async fn delete(
    ctx: &Cx,
    facts: &Mutex<&mut Facts>,
    member: Option<&MemberAccess>,
    user_name: &str,
    backup_dir: &Path,
) -> Result<()> {
    let caller = facts.lock().expect("facts lock").caller.clone();
    let (aws, account, backup_dir) = reach(ctx, &caller, member, backup_dir).await?;
    let aws = &aws;
    let shown = shown_name(member, user_name);
    let Some(user) = iam::inventory(aws, user_name).await? else {
        ctx.out.say(&format!("IAM user {shown} is already gone"));
        return Ok(());
    };
    if member.is_none() && caller.is_iam_user(&user.user_name) {
        return Err(UserError::new(format!(
            "{user_name} is the identity this run signs in as: not deleted"
        ))
        .into());
    }
    let earlier = earlier_backups(&backup_dir, &user.user_name);
    if !earlier.is_empty() {
        ctx.out.warn(&format!(
            "earlier backups of {shown} exist; if a run stopped part-way, the first is the complete one: {}",
            earlier[0].display()
        ));
    }
    let backup = write_backup(&backup_dir, &account, &user, &[])?;
    match delete_in_order(aws, user).await {
        Ok(()) => {
            ctx.out.say(&format!(
                "deleted IAM user {shown} (backup: {})",
                backup.display()
            ));
            Ok(())
        }
        Err(e) => {
            let remains = match iam::inventory(aws, user_name).await {
                Ok(Some(u)) => {
                    let d = u.dependents();
                    if d.is_empty() {
                        "the user itself".to_string()
                    } else {
                        format!("the user and its {}", d.join(", "))
                    }
                }
                Ok(None) => "nothing".to_string(),
                Err(_) => "unknown (cannot read it back)".to_string(),
            };
            Err(UserError::new(format!("IAM user {shown} was not fully deleted"))
                .caused_by(crate::error::one_line(&anyhow::Error::new(e)))
                .caused_by(format!("what remains: {remains}"))
                .hint(format!(
                    "the backup is {}; fix the cause and run the step again to finish (it re-reads what is left)",
                    backup.display()
                ))
                .into())
        }
    }
}

/// `user` of the calling account, or `111122223333/user`.
fn shown_name(member: Option<&MemberAccess>, user: &str) -> String {
    match member {
        Some(m) => format!("{}/{user}", m.account),
        None => user.to_string(),
    }
}

/// The clients to reach `member` with (the run's own for the calling
/// account), its account id, and where its backups go (a member account's
/// in a directory of its own).
async fn reach(
    ctx: &Cx,
    caller: &Caller,
    member: Option<&MemberAccess>,
    backup_dir: &Path,
) -> Result<(crate::aws::Aws, String, PathBuf)> {
    Ok(match member {
        None => (
            ctx.aws.clone(),
            caller.account.clone(),
            backup_dir.to_path_buf(),
        ),
        Some(m) => (
            ctx.aws.in_member(&m.account, &m.role_arn).await?,
            m.account.clone(),
            backup_dir.to_path_buf(),
        ),
    })
}

/// First of two phases: switches every active access key of the user off,
/// after writing a backup that records them (and the time), then tags the
/// user with the time (keys first: a run that stops between finds the keys
/// off and no tag, and tags then).
pub(crate) async fn deactivate(
    ctx: &Cx,
    facts: &Mutex<&mut Facts>,
    member: Option<&MemberAccess>,
    user_name: &str,
    backup_dir: &Path,
) -> Result<()> {
    let caller = facts.lock().expect("facts lock").caller.clone();
    let (aws, account, backup_dir) = reach(ctx, &caller, member, backup_dir).await?;
    let shown = shown_name(member, user_name);
    let Some(user) = iam::inventory(&aws, user_name).await? else {
        ctx.out.say(&format!("IAM user {shown} is already gone"));
        return Ok(());
    };
    if member.is_none() && caller.is_iam_user(&user.user_name) {
        return Err(UserError::new(format!(
            "{user_name} is the identity this run signs in as: its keys stay on"
        ))
        .into());
    }
    let active: Vec<String> = user
        .access_keys
        .iter()
        .filter(|k| iam::is_active(&k.status))
        .map(|k| k.id.clone())
        .collect();
    let record = write_backup(&backup_dir, &account, &user, &active)?;
    for key in &active {
        iam::set_access_key_status(&aws.iam, user_name, key, false).await?;
    }
    let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    iam::tag_user(&aws.iam, user_name, iam::KEYS_OFF_TAG, &now).await?;
    ctx.out.say(&format!(
        "IAM user {shown}: switched off {} access key{}{} (record: {}); `--restore` with that file switches them back on",
        active.len(),
        plural(active.len()),
        if active.is_empty() {
            String::new()
        } else {
            format!(" ({})", active.join(", "))
        },
        record.display()
    ));
    Ok(())
}

/// Switches back on the keys a two-phase cleanup switched off (those still
/// there) and ends the wait (the tag goes).
pub(crate) async fn reactivate(
    ctx: &Cx,
    member: Option<&MemberAccess>,
    user_name: &str,
    keys: &[String],
    file: &Path,
) -> Result<()> {
    let aws = match member {
        None => ctx.aws.clone(),
        Some(m) => ctx.aws.in_member(&m.account, &m.role_arn).await?,
    };
    let shown = shown_name(member, user_name);
    let there = iam::list_access_keys(&aws.iam, Some(user_name), false).await?;
    let mut on = Vec::new();
    for key in keys {
        if there.iter().any(|k| &k.id == key) {
            iam::set_access_key_status(&aws.iam, user_name, key, true).await?;
            on.push(key.as_str());
        } else {
            ctx.out.warn(&format!(
                "IAM user {shown}: access key {key} is gone: it cannot be switched on"
            ));
        }
    }
    iam::untag_user(&aws.iam, user_name, iam::KEYS_OFF_TAG).await?;
    ctx.out.say(&format!(
        "IAM user {shown}: switched {} back on, as {} recorded",
        if on.is_empty() {
            "no key".to_string()
        } else {
            on.join(", ")
        },
        file.display()
    ));
    Ok(())
}

/// Removes `user`'s dependents and then the user.
pub(crate) async fn delete_in_order(
    aws: &crate::aws::Aws,
    mut user: IamUser,
) -> Result<(), crate::aws::AwsError> {
    const ROUNDS: usize = 5;
    for round in 1..=ROUNDS {
        for d in Dependent::all_of(&user) {
            tracing::info!(user = user.user_name, "removing {}", d.describe());
            iam::remove(&aws.iam, Some(&user.user_name), &d).await?;
        }
        match iam::delete_user(&aws.iam, &user.user_name).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is("DeleteConflict") && round < ROUNDS => {
                tracing::info!(
                    user = user.user_name,
                    round,
                    "DeleteConflict: reading what is left"
                );
                tokio::time::sleep(Duration::from_millis(200 * round as u64)).await;
                match iam::inventory(aws, &user.user_name).await? {
                    Some(now) => user = now,
                    None => return Ok(()),
                }
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the last round returns")
}
