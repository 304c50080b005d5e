//! Step `portal-url` (optional, console-only, last): a custom AWS access
//! portal URL, `https://<alias>.awsapps.com/start`. No API can set or read
//! it. It can be set once and never changed or undone; the `d-...` URL
//! keeps working. Once the person enters the alias it is saved as
//! `portal_url` in the config, and `cli-profiles` and `users` use it.

use anyhow::Result;
use futures::future::LocalBoxFuture;

use super::{ensure_instance, Cx, Facts, Person, Step, StepId};
use crate::config::LoadedConfig;
use crate::model::Instance;
use crate::plan::{ManualStep, StepPlan};

pub(crate) const ID: StepId = StepId::new("portal-url");

pub(crate) struct PortalUrl;

/// The console page where the URL is customized.
fn console_url(region: &str) -> String {
    format!("https://{region}.console.aws.amazon.com/singlesignon/home?region={region}#!/settings")
}

/// The portal URL of `alias`, if it is one AWS accepts
/// ([`crate::config::is_portal_alias`]). Pure.
pub(crate) fn portal_url(alias: &str) -> Result<String, String> {
    if crate::config::is_portal_alias(alias) {
        Ok(format!("https://{alias}.awsapps.com/start"))
    } else {
        Err("1 to 62 lowercase letters, digits and hyphens (not first or last, not d-...)".into())
    }
}

/// Pure: done when the config knows the custom URL; else an optional
/// console step (once an instance exists).
pub(crate) fn plan(region: &str, known: Option<&str>, instance: Option<&Instance>) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    if let Some(url) = known {
        plan.notes.push(format!("access portal: {url}"));
        return plan;
    }
    let Some(instance) = instance else {
        plan.unconfigured = true;
        plan.notes
            .push("optional; waits for IAM Identity Center to be enabled".into());
        return plan;
    };
    let now = instance
        .default_portal_url()
        .unwrap_or_else(|| "the d-... URL on the dashboard".into());
    plan.manual.push(ManualStep {
        step: ID.name(),
        title: "optional: give the AWS access portal a URL of your own".into(),
        url: console_url(region),
        checklist: vec![
            "Settings > Identity source > Actions > Customize AWS access portal URL".into(),
            "type an alias, such as your company's name: the portal becomes https://<alias>.awsapps.com/start".into(),
            format!("this can be done once and can never be changed or undone; {now} keeps working"),
        ],
        required: false,
    });
    plan
}

impl Step for PortalUrl {
    type Observed = Option<Instance>;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Optional, console-only: a custom AWS access portal URL (set once, never undone)"
    }

    fn observe<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a mut Facts,
    ) -> LocalBoxFuture<'a, Result<Option<Instance>>> {
        Box::pin(async move {
            if cx.config.config.portal_url.is_some() {
                return Ok(None);
            }
            ensure_instance(cx, facts).await
        })
    }

    fn plan(&self, instance: &Option<Instance>, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        plan(
            &facts.region,
            desired.config.portal_url.as_deref(),
            instance.as_ref(),
        )
    }

    fn later_steps_need_it(&self) -> bool {
        false
    }

    /// Shown; then the alias, if the person set one (empty: not now).
    fn console<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        step: &'a ManualStep,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            super::show_console_step(&person.cx.out, step);
            person
                .cx
                .out
                .say("Optional: leave the alias empty to keep the d-... URL.");
            let alias = person
                .prompt
                .input("The alias you set (empty: none)", Some(""), &|s| {
                    if s.is_empty() {
                        Ok(())
                    } else {
                        portal_url(s).map(drop)
                    }
                })?;
            if alias.is_empty() {
                return Ok(());
            }
            let url = portal_url(&alias).map_err(|why| anyhow::anyhow!(why))?;
            person.cx.config.config.portal_url = Some(url.clone());
            person.cx.config.save()?;
            person.cx.out.say(&format!(
                "portal_url = \"{url}\" is saved in {}; `ssosetup cli-profiles` uses it for the profiles",
                person.cx.config.path.display()
            ));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance() -> Instance {
        Instance {
            arn: crate::model::InstanceArn::new("arn:aws:sso:::instance/ssoins-1"),
            identity_store_id: "d-1234567890".into(),
            owner_account_id: None,
            status: crate::model::InstanceStatus::Active,
            status_reason: None,
        }
    }

    #[test]
    fn an_optional_console_step_that_warns_it_is_for_good() {
        let optional = plan("eu-west-1", None, Some(&instance()));
        let m = &optional.manual[0];
        assert!(!m.required);
        assert!(m.checklist[2].contains("can never be changed or undone"));
        assert!(m.checklist[2].contains("https://d-1234567890.awsapps.com/start keeps working"));
        assert!(plan("eu-west-1", Some("https://acme.awsapps.com/start"), None).is_done());
        assert!(plan("eu-west-1", None, None).unconfigured);
    }

    #[test]
    fn aliases_aws_accepts() {
        assert_eq!(
            portal_url("acme-corp").unwrap(),
            "https://acme-corp.awsapps.com/start"
        );
        for bad in [
            "",
            "-acme",
            "acme-",
            "Acme",
            "a.b",
            "a b",
            "d-1234567890",
            &"x".repeat(63),
        ] {
            assert!(portal_url(bad).is_err(), "{bad}");
        }
    }
}
