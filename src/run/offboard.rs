//! `ssosetup offboard USER_NAME [--iam-user NAME]`: one person leaves.
//! Every name is checked before the first read; the plans come from the
//! offboard step and the cleanup step; then the run goes as every run.

use anyhow::Result;

use super::{begin, execute, Mode, Session};
use crate::steps::offboard;

pub(crate) async fn offboard(
    s: &mut Session,
    user_name: &str,
    iam_user: Option<&str>,
    mode: Mode,
) -> Result<()> {
    offboard::check_names(user_name, iam_user)?;
    let mut facts = begin(s).await?;
    let plans = offboard::plans(&mut s.cx, &mut facts, user_name, iam_user).await?;
    execute(s, &mut facts, plans, mode).await
}
