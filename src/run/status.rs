//! `ssosetup status`: read-only; one line per step (done / not set up / to
//! do / manual / unknown), plus the caller, the region, the instance, its
//! portal URL and the sign-in, and a count of what is left.
//! A step whose look failed (say AccessDenied) is `unknown` with the reason;
//! the others are still shown.

use anyhow::Result;

use super::{caller_lines, whoami, Session};
#[cfg(test)]
use crate::plan::json::KeyCount;
use crate::plan::json::{CallerInfo, Report, StatusDocument, StepStatus};
use crate::plan::StepPlan;
use crate::steps::{Facts, STEPS};
use crate::ui::OutputFormat;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Done,
    /// Nothing in the config for it yet: not done, and not failing.
    NotSetUp,
    ToDo,
    Manual,
    Unknown,
}

impl State {
    pub(crate) fn label(self) -> &'static str {
        match self {
            State::Done => "done",
            State::NotSetUp => "not set up",
            State::ToDo => "to do",
            State::Manual => "manual",
            State::Unknown => "unknown",
        }
    }
}

/// A step's state and a short reason, from its plan.
pub(crate) fn state_of(plan: &StepPlan) -> (State, String) {
    if let Some(b) = plan.blocker.as_ref().or(plan.waits.as_ref()) {
        (State::ToDo, b.message.clone())
    } else if !plan.actions.is_empty() {
        // Counted by kind, one line (a diff or a list belongs to the plan).
        let to_do = crate::ui::render::to_do(plan);
        match &plan.headline {
            Some(h) => (State::ToDo, format!("{h}: {to_do}")),
            None => (State::ToDo, to_do),
        }
    } else if !plan.drift.is_empty() {
        let mut drift = StepPlan::new(plan.step);
        drift.actions = plan.drift.clone();
        (
            State::ToDo,
            format!(
                "drift from the config: {}",
                crate::ui::render::to_do(&drift)
            ),
        )
    } else if !plan.elsewhere.is_empty() {
        let mut left = StepPlan::new(plan.step);
        left.actions = plan.elsewhere.clone();
        (
            State::ToDo,
            format!(
                "for the management account: {}",
                crate::ui::render::to_do(&left)
            ),
        )
    } else if let Some(m) = plan.manual.first() {
        (State::Manual, format!("{}: {}", m.title, m.url))
    } else if let Some(skip) = plan.skipped.first() {
        let more = match plan.skipped.len() {
            1 => String::new(),
            n => format!(" (and {} more left out)", n - 1),
        };
        (State::ToDo, format!("left out: {}{more}", skip.message))
    } else if let Some(later) = plan.later.first() {
        let more = match plan.later.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        (State::ToDo, format!("later: {later}{more}"))
    } else if plan.unconfigured {
        (State::NotSetUp, plan.notes.join("; "))
    } else {
        // Every note: e.g. permission sets that exist but are not managed.
        (State::Done, plan.notes.join("; "))
    }
}

pub(crate) async fn status(s: &Session) -> Result<()> {
    let ctx = &s.cx;
    let caller = whoami(ctx).await?;
    let mut facts = Facts::new(caller.clone(), &ctx.aws.region);
    let seat = crate::steps::ensure_seat(ctx, &mut facts).await?;
    let mut rows = Vec::new();
    let mut keys = None;
    for step in STEPS {
        let (state, detail) = match step.check(ctx, &mut facts).await {
            Ok(mut plan) => {
                super::leave_to_others(std::slice::from_mut(&mut plan), &facts, &ctx.config.config);
                if let Some(Report::IamUsersCleanup(r)) = &plan.report {
                    keys = Some(r.long_lived_keys.clone());
                }
                state_of(&plan)
            }
            Err(e) => (State::Unknown, format!("{e:#}")),
        };
        rows.push((step.id(), state, detail));
    }
    // The portal as the config knows it (a custom alias cannot be read
    // through any API), else the default one of the identity store.
    let portal = ctx
        .config
        .config
        .portal_url
        .clone()
        .or_else(|| {
            ctx.config
                .config
                .cli
                .as_ref()
                .and_then(|c| c.start_url.clone())
        })
        .or_else(|| facts.active_instance().and_then(|i| i.default_portal_url()));
    let sign_in = ctx
        .config
        .config
        .cli
        .as_ref()
        .map(|c| crate::signin::token_state(&c.session_name));
    if s.output == OutputFormat::Json {
        let doc = StatusDocument {
            caller: CallerInfo::new(&caller, &ctx.aws.credentials.to_string()),
            region: ctx.aws.region.clone(),
            instance: facts.active_instance().cloned(),
            portal_url: portal,
            sign_in,
            long_lived_keys: keys,
            steps: rows
                .iter()
                .map(|(step, state, detail)| StepStatus {
                    step: *step,
                    state: state.label(),
                    detail: detail.clone(),
                })
                .collect(),
        };
        ctx.out.data(&serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    for line in caller_lines(ctx, &caller) {
        ctx.out.data(&line);
    }
    if let Some(line) = super::seat_line(&caller.account, &seat) {
        ctx.out.data(&line);
    }
    match facts.active_instance() {
        Some(i) => {
            ctx.out.data(&format!(
                "Instance:    {} (identity store {})",
                i.arn, i.identity_store_id
            ));
            ctx.out.data(&format!(
                "Portal:      {}",
                portal
                    .as_deref()
                    .unwrap_or("not derivable from the identity store id; see Settings in the Identity Center console")
            ));
        }
        None => ctx.out.data("Instance:    none in this region"),
    }
    if let Some(line) = &sign_in {
        ctx.out.data(&format!("Sign-in:     {line}"));
    }
    if let Some(k) = &keys {
        ctx.out.data(&format!("IAM keys:    {}", k.line()));
    }
    ctx.out.data("");
    let width = STEPS.iter().map(|s| s.id().name().len()).max().unwrap_or(0);
    for (step, state, detail) in &rows {
        ctx.out.row(&format!(
            "{:<width$}  {:<10}  {detail}",
            step.name(),
            state.label()
        ));
    }
    let states: Vec<State> = rows.iter().map(|(_, s, _)| *s).collect();
    ctx.out.data("");
    ctx.out.data(&summary(&states));
    super::say_gaps(ctx);
    Ok(())
}

/// One line: how many steps are done, and what is left (a step with
/// nothing configured is left, not done). Pure.
pub(crate) fn summary(states: &[State]) -> String {
    let count = |s: State| states.iter().filter(|x| **x == s).count();
    let mut left = Vec::new();
    for (state, what) in [
        (State::NotSetUp, "not set up"),
        (State::ToDo, "to do"),
        (State::Manual, "with a console step"),
        (State::Unknown, "unknown"),
    ] {
        let n = count(state);
        if n > 0 {
            left.push(format!("{n} {what}"));
        }
    }
    let done = count(State::Done);
    if left.is_empty() {
        format!("All {done} steps done.")
    } else {
        format!(
            "{done} of {} steps done; still to do: {}.",
            states.len(),
            left.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_is_not_done_and_is_counted_as_left() {
        let mut plan = StepPlan::new(crate::steps::users::ID);
        plan.notes = vec!["no users in the config yet".into()];
        plan.unconfigured = true;
        assert_eq!(state_of(&plan).0, State::NotSetUp);
        assert_eq!(
            summary(&[State::Done, State::NotSetUp, State::NotSetUp, State::Manual]),
            "1 of 4 steps done; still to do: 2 not set up, 1 with a console step."
        );
        assert_eq!(summary(&[State::Done, State::Done]), "All 2 steps done.");
    }

    #[test]
    fn changes_to_do_are_counted_by_kind_on_one_line() {
        use crate::model::NewUser;
        use crate::plan::Action;
        let mut plan = StepPlan::new(crate::steps::users::ID);
        for name in ["alice", "bob"] {
            plan.actions.push(Action::CreateUser {
                user: NewUser {
                    user_name: name.into(),
                    display_name: name.into(),
                    given_name: name.into(),
                    family_name: "X".into(),
                    email: format!("{name}@example.com"),
                },
            });
            plan.actions.push(Action::AddMembership {
                user_name: name.into(),
                group: "Admins".into(),
            });
        }
        let (state, detail) = state_of(&plan);
        assert_eq!(state, State::ToDo);
        assert_eq!(
            detail,
            "create 2 users (alice, bob); add 2 memberships (alice/Admins, bob/Admins)"
        );
    }

    #[test]
    fn the_keys_line_counts_across_accounts() {
        let k = KeyCount {
            accounts_read: 3,
            accounts_not_reached: 1,
            iam_users: 2,
            active_access_keys: 3,
            not_rotated: 1,
            unused: 0,
        };
        assert_eq!(
            k.line(),
            "3 active access keys held by 2 IAM users in 3 accounts (1 not reached): 1 older than 90 days (CIS 1.14)"
        );
        assert_eq!(
            KeyCount {
                accounts_read: 1,
                ..KeyCount::default()
            }
            .line(),
            "0 active access keys held by 0 IAM users"
        );
    }

    #[test]
    fn done_steps_show_every_note_so_unmanaged_sets_are_visible() {
        let mut plan = StepPlan::new(crate::steps::permission_sets::ID);
        plan.notes = vec![
            "2 permission sets as configured".into(),
            "not in the config, left alone: Legacy".into(),
        ];
        let (state, detail) = state_of(&plan);
        assert_eq!(state, State::Done);
        assert!(
            detail.contains("not in the config, left alone: Legacy"),
            "{detail}"
        );
    }
}
