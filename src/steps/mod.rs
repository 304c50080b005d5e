//! The steps and the one driver that runs them.
//!
//! Every step goes the same way: observe (read AWS) -> plan (pure) -> show ->
//! confirm -> apply. A step re-observes what it needs from AWS, so it works
//! on its own on a later day; `init` is only "every step in order". What a
//! step found or would create is carried forward in [`Facts`], so a dry run
//! of the whole wizard can plan later steps against planned values.

pub(crate) mod identity_center;
pub(crate) mod organization;
pub(crate) mod status;

use anyhow::Result;
use console::Style;

use crate::aws::organizations::Organization;
use crate::aws::ssoadmin::Instance;
use crate::aws::sts::{caller_identity, Caller};
use crate::aws::Aws;
use crate::cli::OutputFormat;
use crate::config::LoadedConfig;
use crate::error::UserError;
use crate::plan::{self, Action, ManualStep, StepPlan};
use crate::ui::{Printer, Prompter};

/// The steps, in the guide's order (the subcommand names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepId {
    Organization,
    IdentityCenter,
}

impl StepId {
    /// Every step that exists, in wizard order.
    pub(crate) const ALL: [StepId; 2] = [StepId::Organization, StepId::IdentityCenter];

    pub(crate) fn name(self) -> &'static str {
        match self {
            StepId::Organization => "organization",
            StepId::IdentityCenter => "identity-center",
        }
    }
}

/// Everything a run needs: AWS, the desired state, and the person.
pub(crate) struct Ctx {
    pub aws: Aws,
    pub config: LoadedConfig,
    pub out: Printer,
    pub prompt: Box<dyn Prompter>,
    pub dry_run: bool,
    pub output: OutputFormat,
}

/// What is known about the account so far: observed, or planned by an
/// earlier step of this run.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub caller: Caller,
    pub organization: OrgState,
    pub instance: Option<Instance>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrgState {
    /// Not looked at yet (the organization step did not run).
    Unknown,
    Missing,
    /// This run's plan creates it, managed from this account.
    Planned {
        management_account_id: String,
    },
    Exists(Organization),
}

impl Facts {
    pub(crate) fn new(caller: Caller) -> Self {
        Self {
            caller,
            organization: OrgState::Unknown,
            instance: None,
        }
    }
}

/// Who is calling, with the loud warning when it is the root user.
pub(crate) async fn whoami(ctx: &Ctx) -> Result<Caller> {
    let caller = caller_identity(&ctx.aws.sts).await.map_err(|e| {
        anyhow::Error::new(e).context("cannot tell who the AWS credentials belong to")
    })?;
    if caller.is_root() {
        ctx.out.loud_warning(&[
            format!("This run uses the ROOT USER of account {}.", caller.account),
            "Root access keys are what ssosetup helps you retire: deleting them".to_string(),
            "mid-run cuts this run off. Finish the Identity Center steps, then".to_string(),
            "run again with the new Identity Center profile (aws sso login).".to_string(),
        ]);
    }
    Ok(caller)
}

pub(crate) fn caller_lines(ctx: &Ctx, caller: &Caller) -> Vec<String> {
    let who = if caller.is_root() {
        ctx.out.out_style(
            Style::new().red().bold(),
            &format!("{} (ROOT USER)", caller.arn),
        )
    } else {
        caller.arn.clone()
    };
    vec![
        format!("Caller:  {who}"),
        format!("Account: {}", caller.account),
        format!("Region:  {}", ctx.aws.region),
    ]
}

/// Observes and plans one step, updating `facts` with what it found or plans.
pub(crate) async fn check(step: StepId, ctx: &Ctx, facts: &mut Facts) -> Result<StepPlan> {
    match step {
        StepId::Organization => organization::check(ctx, facts).await,
        StepId::IdentityCenter => identity_center::check(ctx, facts).await,
    }
}

/// Runs `steps` in order through the whole pipeline.
pub(crate) async fn run(ctx: &mut Ctx, steps: &[StepId]) -> Result<()> {
    let caller = whoami(ctx).await?;
    let mut facts = Facts::new(caller.clone());
    let text = ctx.output == OutputFormat::Text;
    if text {
        for line in caller_lines(ctx, &caller) {
            ctx.out.data(&line);
        }
    }
    let mut plans = Vec::new();
    let mut outcome = Ok(());
    for &step in steps {
        let plan = check(step, ctx, &mut facts).await?;
        if text {
            ctx.out.data("");
            for line in plan.render_text(&ctx.out) {
                ctx.out.data(&line);
            }
        }
        let blocker = plan.blocker.clone();
        if blocker.is_none() && !ctx.dry_run {
            if let Err(e) = apply(ctx, &mut facts, &plan).await {
                outcome = Err(e);
            }
        }
        plans.push(plan);
        if let Some(b) = blocker {
            outcome = Err(b.into());
        }
        if outcome.is_err() {
            break;
        }
    }
    if text {
        summarize(ctx, &plans);
    } else {
        let json = plan::to_json(&caller, &ctx.aws.region, &plans);
        ctx.out.data(&serde_json::to_string_pretty(&json)?);
    }
    outcome
}

fn summarize(ctx: &Ctx, plans: &[StepPlan]) {
    let changes: usize = plans.iter().map(|p| p.actions.len()).sum();
    let manual: Vec<&ManualStep> = plans.iter().flat_map(|p| &p.manual).collect();
    ctx.out.say("");
    if ctx.dry_run {
        ctx.out.say(&format!(
            "Dry run: {changes} change{} and {} console step{} planned; nothing was changed.",
            plural(changes),
            manual.len(),
            plural(manual.len())
        ));
    } else if plans.iter().all(StepPlan::is_done) {
        ctx.out
            .say("Everything matches the config; nothing was changed.");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Confirms and applies one step's plan: its actions, then its console steps.
async fn apply(ctx: &mut Ctx, facts: &mut Facts, plan: &StepPlan) -> Result<()> {
    if !plan.actions.is_empty() {
        let n = plan.actions.len();
        let question = format!("Apply {n} change{} ({})?", plural(n), plan.step.name());
        if !ctx.prompt.confirm(&question, true)? {
            return Err(
                UserError::new(format!("declined: {} was not changed", plan.step.name()))
                    .hint("run the step again when ready; --dry-run shows the plan without asking")
                    .into(),
            );
        }
        for action in &plan.actions {
            apply_action(ctx, facts, action).await?;
        }
    }
    for manual in &plan.manual {
        if !ctx.prompt.interactive() {
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
        match plan.step {
            StepId::IdentityCenter => {
                identity_center::wait_until_enabled(ctx, facts, manual).await?
            }
            StepId::Organization => unreachable!("the organization step has no console-only part"),
        }
    }
    Ok(())
}

/// Applying is one match over the actions.
async fn apply_action(ctx: &Ctx, facts: &mut Facts, action: &Action) -> Result<()> {
    match action {
        Action::CreateOrganization { .. } => organization::create(ctx, facts).await,
    }
}
