//! Step `authentication`: console-only settings that no API can read or
//! change: "Send email OTP" for users created through the API (without it
//! they get no email and cannot sign in), and MFA (mode, types, what
//! happens without a device).
//!
//! Reads: nothing from AWS. Changes: nothing in AWS. Shows the exact
//! console page and a checklist, asks the person to confirm, and records
//! the confirmation in the config (`[authentication] confirmed = true`) so
//! later runs do not ask again; with `--yes` it is listed as a console step
//! still to do.

use anyhow::Result;

use futures::future::LocalBoxFuture;

use super::{Cx, Facts, Person, Step, StepId};
use crate::config::LoadedConfig;
use crate::plan::{ManualStep, StepPlan};

pub(crate) fn console_url(region: &str) -> String {
    format!("https://{region}.console.aws.amazon.com/singlesignon/home?region={region}#!/settings")
}

pub(crate) fn plan(region: &str, confirmed: bool) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    if confirmed {
        plan.notes
            .push("email OTP and MFA confirmed by you (recorded in the config)".into());
        return plan;
    }
    plan.manual.push(ManualStep {
        step: ID.name(),
        title: "turn on \"Send email OTP\" and set MFA for Identity Center users".into(),
        url: console_url(region),
        checklist: vec![
            "Settings > Authentication > Standard authentication > Configure: tick \"Send email OTP for users created from API\"".into(),
            "Settings > Authentication > Multi-factor authentication > Configure: prompt users for MFA \"Every time they sign in (always-on)\"".into(),
            "MFA types: \"Security keys and built-in authenticators\" and \"Authenticator apps\"".into(),
            "If a user does not yet have a registered MFA device: \"Require them to register an MFA device at sign in\"".into(),
            "Save changes".into(),
        ],
        required: false,
    });
    plan
}

pub(crate) const ID: StepId = StepId::new("authentication");

pub(crate) struct Authentication;

impl Step for Authentication {
    /// Nothing: no API can read these settings.
    type Observed = ();

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Console-only: \"Send email OTP\" and MFA settings (a checklist you confirm)"
    }

    fn observe<'a>(&'a self, _cx: &'a Cx, _facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn plan(&self, _observed: &(), desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        plan(&facts.region, desired.config.authentication.confirmed)
    }

    fn console<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        step: &'a ManualStep,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            // Records the person's confirmation of the checklist the plan showed.
            super::confirm_console_step(
                person,
                step,
                "Have you done all of the above?",
                |config| config.authentication.confirmed = true,
                "new users cannot get their one-time code by email until it is done",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconfirmed_is_an_optional_console_step_with_the_settings_page() {
        let plan = plan("eu-west-1", false);
        assert!(!plan.manual[0].required);
        assert_eq!(
            plan.manual[0].url,
            "https://eu-west-1.console.aws.amazon.com/singlesignon/home?region=eu-west-1#!/settings"
        );
        assert!(plan.manual[0].checklist[0].contains("Send email OTP"));
    }

    #[test]
    fn confirmed_is_done() {
        assert!(plan("eu-west-1", true).is_done());
    }
}
