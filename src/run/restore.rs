//! `iam-users-cleanup --restore FILE`: a deleted IAM user recreated from
//! its backup. The file is checked before any call; the plan comes from
//! the cleanup step (with a typed confirmation when it grants
//! administrator-equivalent access); then the run goes as every run.

use std::path::Path;

use anyhow::Result;

use super::{begin, execute, Mode, Session};
use crate::steps::iam_users;

pub(crate) async fn restore(s: &mut Session, file: &Path, mode: Mode) -> Result<()> {
    let backup = iam_users::load_backup(file)?;
    let mut facts = begin(s).await?;
    let plan = iam_users::plan_restore(&s.cx, &mut facts, file, &backup).await?;
    execute(s, &mut facts, vec![plan], mode).await
}
