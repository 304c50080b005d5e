//! Step `organization`: an AWS Organization with all features exists and the
//! caller's account is its management account.
//!
//! Reads: organizations:DescribeOrganization. May change: one
//! organizations:CreateOrganization (FeatureSet=ALL) when the account is in
//! none and `[organization] create` allows it. Idempotent: an existing
//! organization is never re-created; if one appears between the look and the
//! create (`AlreadyInOrganizationException`), it is adopted. Stops, changing
//! nothing, when the caller is a member account or the organization has
//! consolidated billing only: both need a person to act.

use anyhow::Result;

use std::sync::Mutex;

use futures::future::LocalBoxFuture;

use super::{Cx, Facts, OrgState, Person, Step, StepId};
use crate::aws::organizations::create_organization;
use crate::config::LoadedConfig;
use crate::config::OrganizationConfig;
use crate::error::UserError;
use crate::model::{self, Caller, Seat};
use crate::plan::{Action, StepPlan};

const CONSOLE_SETTINGS_URL: &str = "https://console.aws.amazon.com/organizations/v2/home/settings";

pub(crate) const ID: StepId = StepId::new("organization");

pub(crate) struct Organization;

impl Step for Organization {
    /// The caller's organization, if it is in one.
    type Observed = Option<model::Organization>;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Ensure an AWS Organization with all features, managed from this account"
    }

    fn observe<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a mut Facts,
    ) -> LocalBoxFuture<'a, Result<Self::Observed>> {
        Box::pin(async move {
            // Read once a run (the run's start looked already, for where it
            // works from). The seat can be known without the organization
            // (carried over from an earlier look), so both are ensured.
            super::ensure_seat(cx, facts).await?;
            super::ensure_organization(cx, facts).await?;
            Ok(match &facts.organization {
                OrgState::Exists(org) => Some(org.clone()),
                _ => None,
            })
        })
    }

    fn plan(&self, observed: &Self::Observed, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        plan(
            &facts.caller,
            &facts.seat,
            observed.as_ref(),
            &desired.config.organization,
        )
    }

    fn record(&self, observed: &Self::Observed, plan: &StepPlan, facts: &mut Facts) {
        facts.organization = match observed {
            Some(org) => OrgState::Exists(org.clone()),
            None if !plan.actions.is_empty() => OrgState::Planned {
                management_account_id: facts.caller.account.clone(),
            },
            None => OrgState::Missing,
        };
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match action {
                Action::CreateOrganization { .. } => create(cx, facts).await,
                other => unreachable!("not an organization action: {other:?}"),
            }
        })
    }

    fn has_questions(&self) -> bool {
        true
    }

    fn ask<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        force: bool,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(ask(person, force))
    }
}

/// What to do about the organization, from what was observed. Pure.
pub(crate) fn plan(
    caller: &Caller,
    seat: &Seat,
    org: Option<&model::Organization>,
    desired: &OrganizationConfig,
) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    match org {
        None if desired.create => {
            plan.notes.push(format!(
                "account {} is not in an organization yet",
                caller.account
            ));
            plan.actions.push(Action::CreateOrganization {
                management_account_id: caller.account.clone(),
            });
        }
        None => {
            plan.blocker = Some(
                UserError::new(format!(
                    "account {} is not in an AWS Organization, and the config says not to create one",
                    caller.account
                ))
                .hint("Identity Center needs an organization: set `create = true` under [organization] in the config (or remove the line)"),
            );
        }
        Some(org) if seat.delegated_from().is_some() => plan.notes.push(format!(
            "organization {}, managed from account {}; this account is IAM Identity Center's delegated administrator",
            org.id, org.management_account_id
        )),
        Some(org) if org.management_account_id != caller.account => {
            plan.blocker = Some(
                UserError::new(format!(
                    "account {} is a member of organization {}, which account {} manages",
                    caller.account, org.id, org.management_account_id
                ))
                .caused_by("Identity Center is run from the management account, or from the member account registered as its delegated administrator")
                .hint(format!(
                    "run ssosetup with credentials of the management account {m} (for example --profile <its admin profile>), or register this account from there: `delegated_admin = \"{a}\"` under [identity_center], then `ssosetup delegated-admin --profile <a profile of account {m}>`",
                    m = org.management_account_id,
                    a = caller.account
                )),
            );
        }
        Some(org) if !org.all_features => {
            plan.blocker = Some(
                UserError::new(format!(
                    "organization {} has consolidated billing features only",
                    org.id
                ))
                .caused_by("an organization instance of Identity Center needs all features enabled")
                .hint(format!(
                    "in the Organizations console ({CONSOLE_SETTINGS_URL}) choose \"Enable all features\"; every member account must accept the request; then run this step again"
                )),
            );
        }
        Some(org) => plan.notes.push(format!(
            "organization {} with all features, managed from this account",
            org.id
        )),
    }
    plan
}

/// Applies `CreateOrganization` and records the organization in `facts`.
async fn create(cx: &Cx, facts: &Mutex<&mut Facts>) -> Result<()> {
    let org = create_organization(&cx.aws.organizations).await?;
    tracing::info!(
        "created organization {} (all features), managed from account {}",
        org.id,
        org.management_account_id
    );
    facts.lock().expect("facts lock").organization = OrgState::Exists(org);
    Ok(())
}

/// The wizard's question: create an organization when there is none.
async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    let Person { cx, prompt, facts } = person;
    super::ensure_organization(cx, facts).await?;
    if facts.organization != OrgState::Missing || (cx.config.from_file && !force) {
        return Ok(());
    }
    cx.out.say(&format!(
        "Account {} is not in an AWS Organization.",
        facts.caller.account
    ));
    let create = prompt.confirm(
        "Create one with all features, managed from this account?",
        true,
    )?;
    cx.config.config.organization.create = create;
    cx.config.save()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(account: &str) -> Caller {
        Caller {
            account: account.into(),
            arn: format!("arn:aws:iam::{account}:user/admin"),
        }
    }

    fn org(management: &str, all_features: bool) -> model::Organization {
        model::Organization {
            id: "o-abc123".into(),
            management_account_id: management.into(),
            all_features,
        }
    }

    const CREATE: OrganizationConfig = OrganizationConfig { create: true };

    #[test]
    fn no_organization_plans_one_with_all_features() {
        let plan = plan(&caller("111111111111"), &Seat::Management, None, &CREATE);
        assert_eq!(
            plan.actions,
            vec![Action::CreateOrganization {
                management_account_id: "111111111111".into()
            }]
        );
        assert!(plan.blocker.is_none());
    }

    #[test]
    fn no_organization_and_create_off_blocks_with_the_field_to_change() {
        let plan = plan(
            &caller("111111111111"),
            &Seat::Management,
            None,
            &OrganizationConfig { create: false },
        );
        assert!(plan.actions.is_empty());
        assert!(plan
            .blocker
            .unwrap()
            .hint
            .unwrap()
            .contains("create = true"));
    }

    #[test]
    fn the_management_account_with_all_features_is_done() {
        let plan = plan(
            &caller("111111111111"),
            &Seat::Management,
            Some(&org("111111111111", true)),
            &CREATE,
        );
        assert!(plan.is_done());
    }

    #[test]
    fn a_member_account_is_told_to_use_the_management_account() {
        let plan = plan(
            &caller("222222222222"),
            &Seat::Management,
            Some(&org("111111111111", true)),
            &CREATE,
        );
        let blocker = plan.blocker.unwrap();
        assert!(blocker.message.contains("member of organization o-abc123"));
        let hint = blocker.hint.unwrap();
        assert!(hint.contains("111111111111"));
        assert!(hint.contains("ssosetup delegated-admin"), "{hint}");
        assert!(plan.actions.is_empty());
        // The delegated administrator works from there.
        let delegated = Seat::DelegatedAdmin {
            management: "111111111111".into(),
        };
        let plan = super::plan(
            &caller("222222222222"),
            &delegated,
            Some(&org("111111111111", true)),
            &CREATE,
        );
        assert!(plan.is_done(), "{:?}", plan.blocker);
        assert!(plan.notes[0].contains("delegated administrator"));
    }

    #[test]
    fn consolidated_billing_only_is_told_to_enable_all_features() {
        let plan = plan(
            &caller("111111111111"),
            &Seat::Management,
            Some(&org("111111111111", false)),
            &CREATE,
        );
        assert!(plan
            .blocker
            .unwrap()
            .hint
            .unwrap()
            .contains("Enable all features"));
    }
}
