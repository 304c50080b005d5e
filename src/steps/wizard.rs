//! `ssosetup init` at a terminal: the wizard. It looks first (every step,
//! read-only), says what it will and will never do, then walks the steps in
//! the guide's order: ask (defaults from what was observed and from the
//! config), show the step's plan, then Apply / Change answers / Skip / Quit.
//!
//! It stays thin: the questions sit beside each step (`ask`), and the plan
//! and apply code is what the subcommands run. Every answer is saved to the
//! config file as it is given, so the file is both the record and the
//! replay (`ssosetup init --config FILE --yes`), and a later `init`
//! continues where this one stopped.

use anyhow::Result;

use super::status::state_of;
use super::{
    assignments, caller_lines, check, cli_profiles, confirm_destructive, execute, iam_users,
    organization, permission_sets, root_cleanup, users, whoami, Ctx, Facts, StepId,
};
use crate::error::one_line;

fn has_questions(step: StepId) -> bool {
    matches!(
        step,
        StepId::Organization
            | StepId::PermissionSets
            | StepId::Groups
            | StepId::Assignments
            | StepId::Users
            | StepId::CliProfiles
            | StepId::RootCleanup
            | StepId::IamUsersCleanup
    )
}

async fn ask(step: StepId, ctx: &mut Ctx, facts: &mut Facts, force: bool) -> Result<()> {
    match step {
        StepId::Organization => organization::ask(ctx, facts, force).await,
        StepId::PermissionSets => permission_sets::ask(ctx, facts, force).await,
        // Groups follow from the accounts chosen for each permission set, so
        // that question comes with the groups step (and again on "Change
        // answers" at the assignments step).
        StepId::Groups | StepId::Assignments => assignments::ask(ctx, facts, force).await,
        StepId::Users => users::ask(ctx, facts, force).await,
        StepId::CliProfiles => cli_profiles::ask(ctx, facts, force).await,
        StepId::RootCleanup => root_cleanup::ask(ctx, facts, force).await,
        StepId::IamUsersCleanup => iam_users::ask(ctx, facts, force).await,
        StepId::IdentityCenter | StepId::Authentication => Ok(()),
    }
}

const WILL: &str = "\
What this wizard does: one step at a time, it asks, shows exactly what it
would change, and changes nothing until you choose Apply. Your answers are
saved as you give them, so you can stop at any point (Quit or Ctrl-C) and
run `ssosetup init` again to continue.
It never deletes anything you did not choose, never works outside the
Identity Center home region shown above, and never creates access keys.";

enum Choice {
    Apply,
    Change,
    Skip,
    Quit,
}

pub(crate) async fn run(ctx: &mut Ctx) -> Result<()> {
    let caller = whoami(ctx).await?;
    for line in caller_lines(ctx, &caller) {
        ctx.out.say(&line);
    }
    if ctx.config.config.region.is_none() {
        ctx.config.config.region = Some(ctx.aws.region.clone());
        ctx.config.save()?;
    }
    ctx.out.say(&format!(
        "Answers are saved in {}",
        ctx.config.path.display()
    ));

    ctx.out.say("");
    ctx.out.heading("Where the account stands");
    // Looking changes nothing (no credential report is generated, say).
    let dry_run = std::mem::replace(&mut ctx.dry_run, true);
    let mut look = Facts::new(caller.clone());
    for step in StepId::ALL {
        let (state, detail) = match check(step, ctx, &mut look).await {
            Ok(plan) => state_of(&plan),
            Err(e) => (super::status::State::Unknown, one_line(&e)),
        };
        ctx.out.say(&format!(
            "  {:<17} {:<7}  {detail}",
            step.name(),
            state.label()
        ));
    }
    ctx.dry_run = dry_run;
    ctx.out.say("");
    ctx.out.say(WILL);

    let mut facts = Facts::new(caller);
    for (n, step) in StepId::ALL.into_iter().enumerate() {
        let mut force = false;
        ctx.out.say("");
        ctx.out.heading(&format!(
            "Step {} of {}: {}",
            n + 1,
            StepId::ALL.len(),
            step.name()
        ));
        loop {
            ask(step, ctx, &mut facts, force).await?;
            let plan = check(step, ctx, &mut facts).await?;
            for line in crate::ui::render::step_plan(&plan, &ctx.out) {
                ctx.out.data(&line);
            }
            if let Some(blocker) = plan.blocker.clone() {
                if matches!(step, StepId::RootCleanup | StepId::IamUsersCleanup) {
                    // Nothing later depends on cleanup: say why it waits, and go on.
                    ctx.out.warn(&format!(
                        "{} waits: {}{}",
                        step.name(),
                        blocker.message,
                        blocker
                            .hint
                            .as_ref()
                            .map(|h| format!("\n  hint: {h}"))
                            .unwrap_or_default()
                    ));
                    break;
                }
                return Err(blocker.into());
            }
            if plan.is_done() {
                break;
            }
            let apply = if plan.actions.is_empty() {
                "Do the console step now"
            } else {
                "Apply"
            };
            let mut options = vec![(apply, Choice::Apply)];
            if has_questions(step) {
                options.push(("Change answers", Choice::Change));
            }
            options.push(("Skip this step for now", Choice::Skip));
            options.push(("Quit (your answers are saved)", Choice::Quit));
            let labels: Vec<String> = options.iter().map(|(l, _)| l.to_string()).collect();
            let picked = ctx.prompt().select("What now?", &labels, 0)?;
            match options[picked].1 {
                Choice::Apply => {
                    if plan.actions.iter().any(|a| a.is_destructive()) {
                        confirm_destructive(ctx, &plan)?;
                    }
                    execute(ctx, &mut facts, &plan).await?;
                    break;
                }
                Choice::Change => force = true,
                Choice::Skip => {
                    ctx.out.say(&format!(
                        "skipped {}; `ssosetup init` offers it again",
                        step.name()
                    ));
                    break;
                }
                Choice::Quit => {
                    ctx.out.say(&format!(
                        "Stopped. Your answers are in {}; run `ssosetup init` to continue.",
                        ctx.config.path.display()
                    ));
                    return Ok(());
                }
            }
        }
    }
    ctx.out.say("");
    ctx.out.say(&format!(
        "The wizard is done. `ssosetup status` shows where each step stands; `ssosetup init --config {} --yes` replays it.",
        ctx.config.path.display()
    ));
    Ok(())
}
