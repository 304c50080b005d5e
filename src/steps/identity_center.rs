//! Step `identity-center`: an organization instance of IAM Identity Center
//! is ACTIVE in the home region.
//!
//! Reads: sso:ListInstances in the home region and, when there is none
//! there, in every other region (the home region cannot move, so an instance
//! elsewhere is reported, never duplicated). Changes nothing through the API:
//! enabling an organization instance is console-only, and `CreateInstance`
//! would make an *account* instance (no permission sets, no assignments), so
//! it is never called. Interactive runs show the console page, wait for
//! Enter and poll until the instance is ACTIVE; `--yes` runs stop with the
//! instructions.

use std::time::Duration;

use anyhow::Result;
use tokio::task::JoinSet;

use futures::future::LocalBoxFuture;

use super::{Cx, Facts, OrgState, Person, Step, StepId};
use crate::aws::ssoadmin::list_instances;
use crate::aws::{regions::IDENTITY_CENTER_REGIONS, AwsError, AwsErrorKind};
use crate::config::LoadedConfig;
use crate::error::UserError;
use crate::model::Instance;
use crate::plan::{ManualStep, StepPlan};

/// What ListInstances showed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Observed {
    /// Instances in the home region.
    pub home: Vec<Instance>,
    /// Instances found in other regions (only looked for when `home` is empty).
    pub elsewhere: Vec<(String, Instance)>,
}

pub(crate) fn console_url(region: &str) -> String {
    format!("https://{region}.console.aws.amazon.com/singlesignon/home?region={region}#!/")
}

pub(crate) const ID: StepId = StepId::new("identity-center");

pub(crate) struct IdentityCenter;

impl Step for IdentityCenter {
    type Observed = Observed;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Ensure an organization instance of IAM Identity Center is ACTIVE in the home region"
    }

    fn observe<'a>(
        &'a self,
        cx: &'a Cx,
        _facts: &'a mut Facts,
    ) -> LocalBoxFuture<'a, Result<Observed>> {
        Box::pin(async move { Ok(observe(cx).await?) })
    }

    fn plan(&self, observed: &Observed, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        plan(
            &facts.region,
            observed,
            &facts.organization,
            desired.region_chosen(),
        )
    }

    fn record(&self, observed: &Observed, _plan: &StepPlan, facts: &mut Facts) {
        facts.instance = Some(chosen(observed).cloned());
    }

    fn console<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        step: &'a ManualStep,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(wait_until_enabled(person, step))
    }
}

pub(crate) async fn observe(ctx: &Cx) -> Result<Observed, AwsError> {
    let home = list_instances(&ctx.aws.ssoadmin).await?;
    let mut elsewhere = Vec::new();
    if home.is_empty() {
        let mut scans = JoinSet::new();
        for &region in IDENTITY_CENTER_REGIONS
            .iter()
            .filter(|r| **r != ctx.aws.region)
        {
            let client = ctx.aws.ssoadmin_in(region);
            scans.spawn(async move { (region, list_instances(&client).await) });
        }
        while let Some(joined) = scans.join_next().await {
            let (region, result) = joined.expect("a region scan does not panic");
            match result {
                Ok(found) => elsewhere.extend(found.into_iter().map(|i| (region.to_string(), i))),
                // Opt-in regions the account has not enabled refuse the
                // credentials; nothing can live there.
                Err(e) if e.kind == AwsErrorKind::Credentials => {
                    tracing::debug!(region, "region not enabled for this account")
                }
                Err(e) => tracing::warn!(region, error = %e, "could not look for an instance"),
            }
        }
        elsewhere.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(Observed { home, elsewhere })
}

/// The instance the later steps use: the home region's ACTIVE one.
fn chosen(observed: &Observed) -> Option<&Instance> {
    observed.home.iter().find(|i| i.is_active())
}

/// What to do about the instance, from what was observed. With no
/// instance anywhere, the home region must have been chosen (the config's
/// `region`, or --region): it can never move, so it is not taken silently
/// from the environment. Pure.
pub(crate) fn plan(
    region: &str,
    observed: &Observed,
    org: &OrgState,
    region_chosen: bool,
) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    if let Some(instance) = chosen(observed) {
        plan.notes.push(format!(
            "instance {} (identity store {}) is ACTIVE in {region}",
            instance.arn, instance.identity_store_id
        ));
        if let Some(url) = instance.default_portal_url() {
            plan.notes.push(format!("access portal: {url}"));
        }
        if matches!(org, OrgState::Planned { .. }) {
            plan.notes.push(
                "this instance existed before the organization: if it is an account instance, it cannot hold permission sets".to_string(),
            );
        }
        return plan;
    }
    if let Some(instance) = observed.home.first() {
        match &instance.status {
            crate::model::InstanceStatus::CreateInProgress => plan.manual.push(ManualStep {
                step: ID.name(),
                title: format!("wait for IAM Identity Center to finish enabling in {region}"),
                url: console_url(region),
                checklist: vec![
                    "wait until the dashboard shows the AWS access portal URL".to_string()
                ],
                required: true,
            }),
            status => {
                let mut e = UserError::new(format!(
                    "the Identity Center instance in {region} is {status}, not ACTIVE"
                ));
                if let Some(reason) = &instance.status_reason {
                    e = e.caused_by(reason.clone());
                }
                plan.blocker = Some(e.hint(format!(
                    "open {} to see what AWS reports, fix it there, then run this step again",
                    console_url(region)
                )));
            }
        }
        return plan;
    }
    if let Some((other, instance)) = observed.elsewhere.first() {
        plan.blocker = Some(
            UserError::new(format!(
                "IAM Identity Center is enabled in {other}, not in {region}"
            ))
            .caused_by(format!("instance {} lives in {other}", instance.arn))
            .caused_by("an organization has one instance, and its home region cannot move")
            .hint(format!(
                "use the existing instance: run with --region {other} and set `region = \"{other}\"` in the config"
            )),
        );
        return plan;
    }
    if !region_chosen {
        plan.blocker = Some(
            UserError::new("no home region is chosen for IAM Identity Center")
                .caused_by(format!(
                    "it is not enabled in any region yet, and {region} comes only from the AWS environment"
                ))
                .caused_by("the home region is where users sign in, and it cannot be changed later")
                .hint("set `region = \"<the region closest to you>\"` in the config (or pass --region REGION); `ssosetup init` at a terminal asks"),
        );
        return plan;
    }
    let mut checklist = Vec::new();
    if matches!(org, OrgState::Planned { .. } | OrgState::Missing) {
        checklist.push("first let the organization step create the AWS Organization (an instance enabled before it is an account instance, which cannot be changed)".to_string());
    }
    checklist.extend([
        format!("check that the region selector (top right) shows {region}"),
        "click \"Enable\"".to_string(),
        "choose to enable IAM Identity Center with AWS Organizations (not an account instance)"
            .to_string(),
        "wait until the dashboard shows the AWS access portal URL".to_string(),
    ]);
    plan.manual.push(ManualStep {
        step: ID.name(),
        title: format!("enable IAM Identity Center in {region}"),
        url: console_url(region),
        checklist,
        required: true,
    });
    plan
}

/// How long to poll a CREATE_IN_PROGRESS instance before asking again.
const POLL_FOR: Duration = Duration::from_secs(300);
const POLL_EVERY: Duration = Duration::from_secs(5);

/// The console step: show the page, wait for Enter, check; until ACTIVE.
async fn wait_until_enabled(person: &mut Person<'_>, step: &ManualStep) -> Result<()> {
    let Person { cx, prompt, facts } = person;
    let region = cx.aws.region.clone();
    loop {
        super::show_console_step(&cx.out, step);
        prompt.pause("Press Enter when the console shows Identity Center enabled")?;
        let deadline = tokio::time::Instant::now() + POLL_FOR;
        loop {
            let instances = list_instances(&cx.aws.ssoadmin).await?;
            if let Some(active) = instances.iter().find(|i| i.is_active()) {
                cx.out.say(&format!(
                    "IAM Identity Center is ACTIVE in {region}: instance {}",
                    active.arn
                ));
                facts.instance = Some(Some(active.clone()));
                return Ok(());
            }
            let creating = instances
                .iter()
                .any(|i| i.status == crate::model::InstanceStatus::CreateInProgress);
            if !creating || tokio::time::Instant::now() >= deadline {
                break;
            }
            cx.out
                .say("still enabling; checking again in a few seconds ...");
            tokio::time::sleep(POLL_EVERY).await;
        }
        cx.out.warn(&format!(
            "no ACTIVE Identity Center instance in {region} yet; the console step is shown again"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(status: &str) -> Instance {
        Instance {
            arn: crate::model::InstanceArn::new("arn:aws:sso:::instance/ssoins-1111111111111111"),
            identity_store_id: "d-1234567890".into(),
            owner_account_id: Some("111111111111".into()),
            status: crate::model::InstanceStatus::from_aws(status),
            status_reason: None,
        }
    }

    fn exists() -> OrgState {
        OrgState::Exists(crate::model::Organization {
            id: "o-1".into(),
            management_account_id: "111111111111".into(),
            all_features: true,
        })
    }

    #[test]
    fn an_active_instance_is_done_and_shows_the_portal() {
        let observed = Observed {
            home: vec![instance("ACTIVE")],
            elsewhere: vec![],
        };
        let plan = plan("us-east-1", &observed, &exists(), true);
        assert!(plan.is_done());
        assert!(plan
            .notes
            .iter()
            .any(|n| n.contains("https://d-1234567890.awsapps.com/start")));
    }

    #[test]
    fn no_instance_anywhere_and_no_region_chosen_stops_naming_the_field() {
        let plan = plan("us-east-1", &Observed::default(), &exists(), false);
        assert!(
            plan.manual.is_empty(),
            "no console step for a region nobody chose"
        );
        let b = plan.blocker.unwrap();
        assert!(
            b.message.contains("no home region is chosen"),
            "{}",
            b.message
        );
        assert!(b.hint.unwrap().contains("region = "));
        // An instance that exists decides the region whatever was chosen.
        let observed = Observed {
            home: vec![instance("ACTIVE")],
            elsewhere: vec![],
        };
        assert!(plan_with(&observed).blocker.is_none());
    }

    fn plan_with(observed: &Observed) -> StepPlan {
        plan("us-east-1", observed, &exists(), false)
    }

    #[test]
    fn no_instance_anywhere_is_a_required_console_step_with_the_regional_url() {
        let plan = plan("ap-southeast-1", &Observed::default(), &exists(), true);
        assert!(plan.actions.is_empty());
        let m = &plan.manual[0];
        assert!(m.required);
        assert_eq!(
            m.url,
            "https://ap-southeast-1.console.aws.amazon.com/singlesignon/home?region=ap-southeast-1#!/"
        );
        assert!(m.checklist.iter().any(|c| c.contains("Enable")));
    }

    #[test]
    fn an_instance_elsewhere_blocks_and_names_its_region() {
        let observed = Observed {
            home: vec![],
            elsewhere: vec![("eu-west-1".into(), instance("ACTIVE"))],
        };
        let plan = plan("us-east-1", &observed, &exists(), true);
        let b = plan.blocker.unwrap();
        assert!(b.message.contains("eu-west-1"));
        assert!(b.hint.unwrap().contains("--region eu-west-1"));
        assert!(
            plan.manual.is_empty(),
            "never suggest enabling a second instance"
        );
    }

    #[test]
    fn an_instance_being_created_is_waited_for() {
        let observed = Observed {
            home: vec![instance("CREATE_IN_PROGRESS")],
            elsewhere: vec![],
        };
        let plan = plan("us-east-1", &observed, &exists(), true);
        assert!(plan.manual[0].title.starts_with("wait"));
    }

    #[test]
    fn a_failed_instance_blocks_with_the_reason() {
        let mut failed = instance("CREATE_FAILED");
        failed.status_reason = Some("KMS key not usable".into());
        let observed = Observed {
            home: vec![failed],
            elsewhere: vec![],
        };
        let b = plan("us-east-1", &observed, &exists(), true)
            .blocker
            .unwrap();
        assert_eq!(b.causes, vec!["KMS key not usable"]);
    }

    #[test]
    fn the_portal_url_needs_the_d_form() {
        assert_eq!(
            instance("ACTIVE").default_portal_url().as_deref(),
            Some("https://d-1234567890.awsapps.com/start")
        );
        let mut other = instance("ACTIVE");
        other.identity_store_id = "us-east-1_abc".into();
        assert_eq!(other.default_portal_url(), None);
    }
}
