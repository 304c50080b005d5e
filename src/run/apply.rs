//! Applying one step's confirmed plan: its actions, then its console steps
//! (walked with a person at a terminal; without one, a console step a
//! later step needs stops the run with its instructions).

use std::collections::HashMap;
use std::sync::Mutex;

use anyhow::Result;
use futures::stream::{self, StreamExt};

use super::Session;
use crate::error::UserError;
use crate::plan::{Action, StepPlan};
use crate::steps::{step, Cx, Facts};

/// Applies a plan that was confirmed (and whose decisions were answered):
/// its actions, then its console steps, then its closing words.
pub(crate) async fn apply_plan(s: &mut Session, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    if !plan.actions.is_empty() {
        apply_actions(&s.cx, facts, plan).await?;
    }
    for manual in &plan.manual {
        if !s.prompt.interactive() {
            if manual.required {
                return Err(
                    UserError::new(format!("console step not done yet: {}", manual.title))
                        .caused_by(format!("AWS has no API for this; open {}", manual.url))
                        .hint(format!(
                            "do it in the console ({}), then run the command again",
                            manual.checklist.join("; ")
                        ))
                        .into(),
                );
            }
            continue;
        }
        let mut person = s.person(facts);
        step(plan.step).console(&mut person, manual).await?;
    }
    for line in &plan.closing {
        s.cx.out.say(line);
    }
    Ok(())
}

/// Applies a plan's actions: those that depend on each other (same
/// [`Action::chain_key`]) in order, independent ones concurrently, paced by
/// the clients' rate limits. A failure stops its own chain only; the others
/// go on, and the step then fails with a summary of what did not happen.
async fn apply_actions(cx: &Cx, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    let mut chains: Vec<Vec<&Action>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for action in &plan.actions {
        let i = *index.entry(action.chain_key()).or_insert_with(|| {
            chains.push(Vec::new());
            chains.len() - 1
        });
        chains[i].push(action);
    }
    let the_step = step(plan.step);
    let progress = crate::ui::progress::bar(&cx.out, plan.actions.len() as u64, plan.step.name());
    let shared = Mutex::new(facts);
    let failures: Vec<(&Action, anyhow::Error, usize)> = stream::iter(chains)
        .map(|chain| {
            let (shared, progress) = (&shared, &progress);
            async move {
                for (done, action) in chain.iter().enumerate() {
                    if let Err(e) = the_step.apply(cx, shared, action).await {
                        progress.failed();
                        return Some((*action, e, chain.len() - done - 1));
                    }
                    progress.inc();
                }
                None
            }
        })
        .buffer_unordered(cx.aws.pacer.concurrency)
        .filter_map(|f| async move { f })
        .collect()
        .await;
    progress.finish();
    if failures.is_empty() {
        return Ok(());
    }
    Err(failure_summary(plan, failures))
}

/// One failure says itself; several are listed, with what they held up.
fn failure_summary(
    plan: &StepPlan,
    failures: Vec<(&Action, anyhow::Error, usize)>,
) -> anyhow::Error {
    let total = plan.actions.len();
    let skipped: usize = failures.iter().map(|(_, _, s)| s).sum();
    if total == 1 {
        // One change, one failure: its own error (and hint) says it best.
        let (action, e, _) = failures.into_iter().next().expect("one failure");
        return e.context(format!("could not {}", action.describe()));
    }
    let mut error = UserError::new(format!(
        "{} of {total} changes in {} failed{}",
        failures.len(),
        plan.step.name(),
        if skipped > 0 {
            format!(" ({skipped} that depend on them were not tried)")
        } else {
            String::new()
        }
    ));
    let mut hint = None;
    for (action, e, _) in &failures {
        error = error.caused_by(format!(
            "{}: {}",
            action.describe(),
            crate::error::one_line(e)
        ));
        hint = hint.or_else(|| {
            crate::error::render(e)
                .into_iter()
                .find_map(|l| l.strip_prefix("hint: ").map(str::to_string))
        });
    }
    error
        .hint(hint.unwrap_or_else(|| {
            "everything else was applied; run the step again to retry what failed".to_string()
        }))
        .into()
}
