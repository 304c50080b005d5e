//! Deleting one IAM user: re-read, back up, remove its dependents in the
//! order AWS requires, then the user.

use super::backup::*;
use super::*;

/// Deletes one IAM user the plan named: re-reads it, backs it up, removes
/// its dependents in AWS's order, then the user; a `DeleteConflict` (a
/// dependent appeared or was missed) re-reads and goes again.
pub(crate) async fn delete(
    ctx: &Cx,
    facts: &Mutex<&mut Facts>,
    user_name: &str,
    backup_dir: &Path,
) -> Result<()> {
    let caller = facts.lock().expect("facts lock").caller.clone();
    let Some(user) = iam::inventory(&ctx.aws, user_name).await? else {
        ctx.out
            .say(&format!("IAM user {user_name} is already gone"));
        return Ok(());
    };
    if caller.is_iam_user(&user.user_name) {
        return Err(UserError::new(format!(
            "{user_name} is the identity this run signs in as: not deleted"
        ))
        .into());
    }
    let earlier = earlier_backups(backup_dir, &user.user_name);
    if !earlier.is_empty() {
        ctx.out.warn(&format!(
            "earlier backups of {user_name} exist; if a run stopped part-way, the first is the complete one: {}",
            earlier[0].display()
        ));
    }
    let backup = write_backup(backup_dir, &caller.account, &user)?;
    match delete_in_order(&ctx.aws, user).await {
        Ok(()) => {
            ctx.out.say(&format!(
                "deleted IAM user {user_name} (backup: {})",
                backup.display()
            ));
            Ok(())
        }
        Err(e) => {
            let remains = match iam::inventory(&ctx.aws, user_name).await {
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
            Err(UserError::new(format!("IAM user {user_name} was not fully deleted"))
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
