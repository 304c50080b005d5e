//! Step `root-cleanup`: the root user's long-lived credentials.
//!
//! - The calling account's root user is audited with GetAccountSummary and
//!   the credential report (read, or generated when missing or older than
//!   four hours). Its access keys can only be deleted in the console (or by
//!   the root user itself): the step shows the page and checklist, then
//!   re-checks GetAccountSummary until the keys are gone and MFA is on; with
//!   `--yes` remaining keys are reported and the run exits 1.
//! - Member accounts (opt-in, `[cleanup] centralized_root_access = true`):
//!   centralized root access is enabled (organizations
//!   EnableAWSServiceAccess for iam.amazonaws.com, iam
//!   EnableOrganizationsRootCredentialsManagement); each member account's
//!   root is audited through sts AssumeRoot with the audit task policy, and
//!   its access keys and signing certificates (its password and MFA only
//!   with `delete_member_root_passwords = true`) are deleted through an
//!   AssumeRoot session with the delete task policy.
//! - IAM user and role access to Billing: console only, confirmed by the
//!   person and recorded in the config.

use crate::model::plural;
use anyhow::Result;
use futures::stream::{self, StreamExt};

use std::sync::Mutex;

use futures::future::LocalBoxFuture;

use super::{ensure_accounts, ensure_organization, Cx, Facts, OrgState, Person, Step, StepId};
use crate::aws::iam::{self};
use crate::aws::organizations::enable_service_access;
use crate::aws::sts::{assume_root, AUDIT_ROOT_TASK, DELETE_ROOT_TASK};
use crate::aws::{AwsError, AwsErrorKind};
use crate::config::CleanupConfig;
use crate::config::LoadedConfig;
use crate::error::{one_line, UserError};
use crate::model::Caller;
use crate::model::MemberRoot;
use crate::model::{CredentialReport, Dependent, RootSummary};
use crate::plan::json::{MemberAccounts, MemberAudit, Report, RootCleanupReport};
use crate::plan::{Action, ManualStep, StepPlan};

pub(crate) const ROOT_CREDENTIALS_URL: &str =
    "https://console.aws.amazon.com/iam/home#/security_credentials";
pub(crate) const BILLING_URL: &str = "https://console.aws.amazon.com/billing/home#/account";
const ROOT_CREDENTIALS_FEATURE: &str = "RootCredentialsManagement";

/// Member accounts and centralized root access, as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Members {
    /// Why member accounts are not looked at (no organization, a member
    /// caller, a root caller, no member accounts).
    NotApplicable(String),
    /// Centralized root credentials management is off.
    Off { accounts: Vec<String> },
    /// On: each member account's root, or why it could not be audited.
    On {
        audits: Vec<(String, Result<MemberRoot, String>)>,
    },
}

/// The credential report as observed.
#[derive(Debug, Clone)]
pub(crate) enum CredentialReportState {
    Read(CredentialReport),
    /// None from the last four hours: applying the plan generates one.
    Missing,
    Unreadable(String),
}

/// What the step observed.
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    pub account: String,
    pub summary: RootSummary,
    pub report: CredentialReportState,
    /// The caller's account is the management account, or in no organization.
    pub management: bool,
    pub members: Members,
}

fn yes_no(b: bool, yes: &str, no: &str) -> String {
    if b { yes } else { no }.to_string()
}

/// The root row of the credential report, for people.
fn report_lines(report: &CredentialReport) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(root) = report.root() else {
        lines.push("the credential report has no root user row".to_string());
        return lines;
    };
    let get = |k: &str| {
        root.get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty() && *v != "N/A" && *v != "no_information")
    };
    let mut keys = Vec::new();
    for n in 1..=2 {
        if get(&format!("access_key_{n}_active")) == Some("true") {
            let used = get(&format!("access_key_{n}_last_used_date"))
                .map(|d| {
                    format!(
                        "last used {d}{}",
                        get(&format!("access_key_{n}_last_used_service"))
                            .map(|s| format!(" ({s})"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_else(|| "never used".to_string());
            keys.push(format!("key {n} {used}"));
        }
    }
    if !keys.is_empty() {
        lines.push(format!("root access keys: {}", keys.join("; ")));
    }
    if let Some(used) = get("password_last_used") {
        lines.push(format!("root password last used {used}"));
    }
    lines.push(format!(
        "credential report generated {}",
        report.generated.as_deref().unwrap_or("at an unknown time")
    ));
    lines
}

/// The plan: pure, from what was observed.
pub(crate) fn plan(obs: &Observed, cleanup: &CleanupConfig, caller: &Caller) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    let s = obs.summary;
    plan.notes.push(format!(
        "root user of account {}: access keys {}, MFA {}, password {}, signing certificates {}",
        obs.account,
        yes_no(s.access_keys, "PRESENT", "none"),
        yes_no(s.mfa, "on", "OFF"),
        yes_no(s.password, "set", "none"),
        yes_no(s.signing_certificates, "PRESENT", "none"),
    ));
    match &obs.report {
        CredentialReportState::Read(r) => plan.notes.extend(report_lines(r)),
        CredentialReportState::Missing => plan.notes.push(
            "credential report not available: no credential report from the last four hours (the console step reads one when you do it at a terminal)".to_string(),
        ),
        CredentialReportState::Unreadable(why) => plan
            .notes
            .push(format!("credential report not available: {why}")),
    }
    if caller.is_root() {
        plan.notes.push(
            "this run signs in as the root user: with its access keys, those are the very keys to delete. Delete them after this run, and from then on run ssosetup with the Identity Center profile (`ssosetup --profile NAME login`, then `ssosetup --profile NAME ...`)".to_string(),
        );
    }
    root_keys(&mut plan, s, cleanup);
    member_roots(&mut plan, &obs.members, cleanup);
    if obs.management && !cleanup.billing_access_confirmed {
        plan.manual.push(ManualStep {
            step: ID.name(),
            title: "let IAM users and roles (and so Identity Center users) see Billing".to_string(),
            url: BILLING_URL.to_string(),
            checklist: vec![
                "Sign in as the root user".to_string(),
                "Account > IAM user and role access to Billing information > Edit".to_string(),
                "Tick \"Activate IAM Access\" and choose Update".to_string(),
            ],
            required: false,
        });
    }

    plan.report = Some(report(obs));
    plan
}

/// What the step found, for `--output json`.
fn report(obs: &Observed) -> Report {
    Report::RootCleanup(RootCleanupReport {
        account: obs.account.clone(),
        root: obs.summary,
        credential_report_root_row: match &obs.report {
            CredentialReportState::Read(r) => r.root().cloned(),
            _ => None,
        },
        member_accounts: match &obs.members {
            Members::NotApplicable(why) => MemberAccounts::NotApplicable { why: why.clone() },
            Members::Off { accounts } => MemberAccounts::Off {
                accounts: accounts.clone(),
            },
            Members::On { audits } => MemberAccounts::On {
                accounts: audits
                    .iter()
                    .map(|(account, r)| MemberAudit {
                        account: account.clone(),
                        root: r.as_ref().ok().cloned(),
                        error: r.as_ref().err().cloned(),
                    })
                    .collect(),
            },
        },
    })
}

/// The calling account's root user: its keys and certificates (a console
/// step, required while they remain), and MFA.
fn root_keys(plan: &mut StepPlan, s: RootSummary, cleanup: &CleanupConfig) {
    let password_item =
        "Password: a strong, unique one, kept in a password manager (Update password if not)";
    let mfa_item = "Multi-factor authentication (MFA): Assign MFA device, a security key or an authenticator app, kept safe";
    if cleanup.root_access_keys && (s.access_keys || s.signing_certificates) {
        let mut checklist = vec![
            "Sign in as the root user (the account's email address and password)".to_string(),
            "Access keys: check their last use (shown above when you do this step at a terminal); make sure nothing still uses a key (a script, a CI job, a server), then Actions > Delete".to_string(),
        ];
        if s.signing_certificates {
            checklist.push("X.509 certificates: delete each one".to_string());
        }
        checklist.push(password_item.to_string());
        if !s.mfa {
            checklist.push(mfa_item.to_string());
        }
        plan.manual.push(ManualStep {
            step: ID.name(),
            title: format!(
                "delete the root user's {}{}",
                match (s.access_keys, s.signing_certificates) {
                    (true, true) => "access keys and signing certificates",
                    (true, false) => "access keys",
                    _ => "signing certificates",
                },
                if s.mfa { "" } else { " and turn on root MFA" }
            ),
            url: ROOT_CREDENTIALS_URL.to_string(),
            checklist,
            // Under --yes, keys that remain make the run exit 1.
            required: true,
        });
    } else if !s.access_keys && !s.signing_certificates {
        plan.notes
            .push("the root user has no access keys: nothing to delete".to_string());
    } else {
        plan.notes.push(
            "the root user HAS access keys or certificates, left alone because [cleanup] root_access_keys = false".to_string(),
        );
    }
    if !s.mfa && !plan.manual.iter().any(|m| m.url == ROOT_CREDENTIALS_URL) {
        plan.manual.push(ManualStep {
            step: ID.name(),
            title: "turn on MFA for the root user".to_string(),
            url: ROOT_CREDENTIALS_URL.to_string(),
            checklist: vec![
                "Sign in as the root user (the account's email address and password)".to_string(),
                mfa_item.to_string(),
                password_item.to_string(),
            ],
            required: false,
        });
    }
}

/// Member accounts' roots, through centralized root access.
fn member_roots(plan: &mut StepPlan, members: &Members, cleanup: &CleanupConfig) {
    match members {
        Members::NotApplicable(why) => plan.notes.push(format!("member accounts: {why}")),
        Members::Off { accounts } => match cleanup.centralized_root_access {
            Some(true) => {
                plan.actions.push(Action::EnableCentralizedRootAccess);
                for a in accounts {
                    plan.actions.push(Action::DeleteMemberRootCredentials {
                        account_id: a.clone(),
                        found: None,
                        login: cleanup.delete_member_root_passwords,
                    });
                }
            }
            Some(false) => plan.notes.push(format!(
                "{} member account{}: centralized root access is off, as the config says",
                accounts.len(),
                plural(accounts.len())
            )),
            None => plan.notes.push(format!(
                "{} member account{}: centralized root access is off; set [cleanup] centralized_root_access = true to remove their root credentials from here (`ssosetup init` asks)",
                accounts.len(),
                plural(accounts.len())
            )),
        },
        Members::On { audits } => {
            let login = cleanup.delete_member_root_passwords;
            let mut clean = 0;
            for (account, audit) in audits {
                let removable = audit.as_ref().map(|r| r.removable(login)).unwrap_or_default();
                match audit {
                    Ok(root) if cleanup.centralized_root_access == Some(true) && !removable.is_empty() => {
                        plan.actions.push(Action::DeleteMemberRootCredentials {
                            account_id: account.clone(),
                            found: Some(root.clone()),
                            login,
                        })
                    }
                    Ok(_) if !removable.is_empty() => plan.notes.push(format!(
                        "member account {account}: root has {}; set [cleanup] centralized_root_access = true to delete them",
                        removable.join(", ")
                    )),
                    Ok(root) => {
                        clean += 1;
                        if !login && (root.password || !root.mfa_devices.is_empty()) {
                            plan.notes.push(format!(
                                "member account {account}: root has a password or MFA, kept (delete_member_root_passwords is off)"
                            ));
                        }
                    }
                    Err(why) => plan
                        .notes
                        .push(format!("member account {account}: cannot audit its root: {why}")),
                }
            }
            plan.notes.push(format!(
                "centralized root access is on; {clean} of {} member account{} have no root access keys or certificates",
                audits.len(),
                plural(audits.len())
            ));
        }
    }
}

/// Lists a member account's root credentials through an audit session.
async fn audit_member(ctx: &Cx, account: &str) -> Result<MemberRoot, AwsError> {
    let creds = assume_root(&ctx.aws.sts, account, AUDIT_ROOT_TASK).await?;
    let client = ctx.aws.iam_with(account, creds);
    read_member_root(&client).await
}

async fn read_member_root(client: &aws_sdk_iam::Client) -> Result<MemberRoot, AwsError> {
    let (keys, certs, password, mfa) = futures::try_join!(
        iam::list_access_keys(client, None, false),
        iam::signing_certificates(client, None),
        iam::has_login_profile(client, None),
        iam::list_mfa_devices(client, None),
    )?;
    Ok(MemberRoot {
        access_keys: keys.into_iter().map(|k| k.id).collect(),
        signing_certificates: certs.into_iter().map(|c| c.id).collect(),
        password,
        mfa_devices: mfa,
    })
}

/// The member accounts whose root this run may look at, or why none.
async fn member_accounts(ctx: &Cx, facts: &mut Facts) -> Result<Result<Vec<String>, String>> {
    ensure_organization(ctx, facts).await?;
    let management = match &facts.organization {
        OrgState::Exists(org) => org.management_account_id.clone(),
        OrgState::Planned { .. } => {
            return Ok(Err("the organization this run creates has none yet".into()))
        }
        _ => return Ok(Err("the account is in no organization".into())),
    };
    if management != facts.caller.account {
        return Ok(Err(format!(
            "this account is a member; run from the management account {management}"
        )));
    }
    if facts.caller.is_root() {
        return Ok(Err(
            "AssumeRoot cannot be called with root credentials; run as an administrator of the management account".into(),
        ));
    }
    let accounts: Vec<String> = ensure_accounts(ctx, facts)
        .await?
        .into_iter()
        .filter(|a| a.active && a.id != management)
        .map(|a| a.id)
        .collect();
    if accounts.is_empty() {
        return Ok(Err("the organization has none".into()));
    }
    Ok(Ok(accounts))
}

async fn observe_members(ctx: &Cx, facts: &mut Facts) -> Result<Members> {
    let accounts = match member_accounts(ctx, facts).await? {
        Ok(accounts) => accounts,
        Err(why) => return Ok(Members::NotApplicable(why)),
    };
    let features = ctx
        .aws
        .optional_read(
            "iam:ListOrganizationsFeatures",
            "member accounts' root credentials are not looked at",
            || iam::organizations_features(&ctx.aws.iam),
        )
        .await?;
    let Some(features) = features else {
        return Ok(Members::NotApplicable(format!(
            "{} member account{}, but this endpoint cannot tell whether centralized root access is on",
            accounts.len(),
            plural(accounts.len()),
        )));
    };
    let on = features.is_some_and(|f| f.iter().any(|f| f == ROOT_CREDENTIALS_FEATURE));
    if !on {
        return Ok(Members::Off { accounts });
    }
    let audits = stream::iter(accounts)
        .map(|a| async move {
            let r = audit_member(ctx, &a)
                .await
                .map_err(|e| one_line(&anyhow::Error::new(e)));
            (a, r)
        })
        .buffered(4)
        .collect()
        .await;
    Ok(Members::On { audits })
}

pub(crate) const ID: StepId = StepId::new("root-cleanup");

pub(crate) struct RootCleanup;

impl Step for RootCleanup {
    type Observed = Observed;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Root user: audit its credentials, guide deleting its access keys, and (opt-in) remove member accounts' root credentials centrally"
    }

    fn observe<'a>(
        &'a self,
        cx: &'a Cx,
        facts: &'a mut Facts,
    ) -> LocalBoxFuture<'a, Result<Observed>> {
        Box::pin(observe(cx, facts))
    }

    fn plan(&self, observed: &Observed, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        plan(observed, &desired.config.cleanup(), &facts.caller)
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        _facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match action {
                Action::EnableCentralizedRootAccess => enable_centralized(cx).await,
                Action::DeleteMemberRootCredentials {
                    account_id, login, ..
                } => delete_member_root(cx, account_id, *login).await,
                other => unreachable!("not a root-cleanup action: {other:?}"),
            }
        })
    }

    fn has_questions(&self) -> bool {
        true
    }

    fn later_steps_need_it(&self) -> bool {
        false
    }

    fn ask<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        force: bool,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(ask(person, force))
    }

    fn console<'a, 'p: 'a>(
        &'a self,
        person: &'a mut Person<'p>,
        step: &'a ManualStep,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(console_step(person, step))
    }
}

/// The root user's summary, the credential report as it is (a missing or
/// expired one is generated only by applying the plan), and member
/// accounts.
async fn observe(ctx: &Cx, facts: &mut Facts) -> Result<Observed> {
    let summary = iam::account_summary(&ctx.aws.iam).await?;
    let report = match iam::credential_report(&ctx.aws.iam, false).await {
        Ok(r) => CredentialReportState::Read(r),
        Err(e) if e.is("ReportNotPresent") || e.is("ReportExpired") => {
            CredentialReportState::Missing
        }
        Err(e) => {
            let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
            CredentialReportState::Unreadable(format!("{e}{hint}"))
        }
    };
    let members = observe_members(ctx, facts).await?;
    let management = match &facts.organization {
        OrgState::Exists(org) => org.management_account_id == facts.caller.account,
        _ => true,
    };
    Ok(Observed {
        account: facts.caller.account.clone(),
        summary,
        report,
        management,
        members,
    })
}

/// Reads the credential report, generating one when there is none from
/// the last four hours, and shows the root user's row: when its keys and
/// password were last used. Only when a person is about to delete root
/// keys (the console step): what they need to check first. A run without
/// a person never creates a report.
async fn show_last_use(ctx: &Cx) {
    match iam::credential_report(&ctx.aws.iam, true).await {
        Ok(report) => {
            for line in report_lines(&report) {
                ctx.out.say(&line);
            }
        }
        Err(e) => ctx.out.warn(&format!(
            "cannot show when the root keys were last used: {}",
            one_line(&anyhow::Error::new(e))
        )),
    }
}

/// The wizard's question: whether to manage member accounts' root
/// credentials centrally (asked only when there are member accounts).
async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    let Person {
        cx: ctx,
        prompt,
        facts,
    } = person;
    let mut cleanup = ctx.config.config.cleanup();
    if cleanup.centralized_root_access.is_some() && !force {
        return Ok(());
    }
    // Only the count is needed: no root session is opened to ask.
    let Ok(accounts) = member_accounts(ctx, facts).await? else {
        return Ok(());
    };
    let accounts = accounts.len();
    ctx.out.say(&format!(
        "The root access keys and certificates of the {accounts} member account{} can be removed through centralized root access (recommended).",
        plural(accounts)
    ));
    let on = prompt.confirm(
        "Remove them?",
        cleanup.centralized_root_access.unwrap_or(true),
    )?;
    cleanup.centralized_root_access = Some(on);
    if on {
        ctx.out.say("Their root passwords and root MFA devices can go too (root sign-in is then only through password recovery).");
        cleanup.delete_member_root_passwords =
            prompt.confirm("Delete those too?", cleanup.delete_member_root_passwords)?;
    } else {
        cleanup.delete_member_root_passwords = false;
    }
    ctx.config.config.cleanup = Some(cleanup);
    ctx.config.save()
}

async fn enable_centralized(ctx: &Cx) -> Result<()> {
    enable_service_access(&ctx.aws.organizations, "iam.amazonaws.com").await?;
    match iam::enable_root_credentials_management(&ctx.aws.iam).await {
        Ok(()) => Ok(()),
        // Trusted access takes a moment to reach IAM.
        Err(e) if e.is("ServiceAccessNotEnabledException") => {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            Ok(iam::enable_root_credentials_management(&ctx.aws.iam).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a member account's root credentials through a delete session;
/// lists them in that session first, so it removes what is there now.
async fn delete_member_root(ctx: &Cx, account: &str, login: bool) -> Result<()> {
    let creds = assume_root(&ctx.aws.sts, account, DELETE_ROOT_TASK).await?;
    let client = ctx.aws.iam_with(account, creds);
    let root = read_member_root(&client).await?;
    let mut doomed: Vec<Dependent> = Vec::new();
    if login && root.password {
        doomed.push(Dependent::LoginProfile);
    }
    doomed.extend(root.access_keys.iter().cloned().map(Dependent::AccessKey));
    doomed.extend(
        root.signing_certificates
            .iter()
            .cloned()
            .map(Dependent::SigningCertificate),
    );
    if login {
        doomed.extend(root.mfa_devices.iter().cloned().map(Dependent::Mfa));
    }
    let mut done = Vec::new();
    for d in &doomed {
        if let Err(e) = iam::remove(&client, None, d).await {
            let mut err = UserError::new(format!(
                "member account {account}: the root user's {} could not be deleted",
                d.describe()
            ))
            .caused_by(one_line(&anyhow::Error::new(e)));
            if !done.is_empty() {
                err = err.caused_by(format!("already deleted: {}", done.join(", ")));
            }
            return Err(err
                .hint("fix the cause and run `ssosetup root-cleanup` again: it lists what is left")
                .into());
        }
        done.push(d.describe());
    }
    if !doomed.is_empty() {
        ctx.out.say(&format!(
            "member account {account}: deleted the root user's {}",
            root.removable(login).join(", ")
        ));
    }
    Ok(())
}

/// The console steps, with a person at the terminal: root credentials are
/// re-checked until they are gone (or the person leaves them for now); the
/// Billing setting is confirmed and recorded.
async fn console_step(person: &mut Person<'_>, step: &ManualStep) -> Result<()> {
    if step.url == BILLING_URL {
        return confirm_billing(person, step);
    }
    let Person {
        cx: ctx,
        prompt,
        facts,
    } = person;
    if step.required {
        show_last_use(ctx).await;
    }
    loop {
        super::show_console_step(&ctx.out, step);
        prompt.pause("Press Enter when done in the console (ssosetup then checks)")?;
        let remaining = match iam::account_summary(&ctx.aws.iam).await {
            // The keys step covers keys, certificates and MFA; the MFA step only MFA.
            Ok(s) if step.required => remaining(&s),
            Ok(s) => remaining(&s).into_iter().filter(|r| r == NO_MFA).collect(),
            Err(e) if e.kind == AwsErrorKind::Credentials && facts.caller.is_root() => {
                // The run cannot go on without credentials: stop it here, plainly.
                return Err(UserError::new(
                    "the root access keys this run used no longer work: they are deleted, as intended",
                )
                .hint("sign in with Identity Center (`ssosetup --profile NAME login`) and run `ssosetup --profile NAME root-cleanup` to check MFA, then the remaining steps")
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        if remaining.is_empty() {
            ctx.out
                .say("Checked: the root user has no access keys or certificates, and MFA is on.");
            return Ok(());
        }
        ctx.out
            .warn(&format!("still there: {}", remaining.join(", ")));
        let items = vec![
            "Check again".to_string(),
            "Leave it for now (reported as remaining)".to_string(),
        ];
        // A stand-in's root user has no console: checking again cannot help.
        let stand_in = ctx.aws.custom_endpoint();
        if let Some(url) = &stand_in {
            ctx.out.say(&format!(
                "This run talks to {url}, not AWS: a local stand-in's root user has no console and never gets MFA, so leave it for now."
            ));
        }
        let default = usize::from(stand_in.is_some());
        if prompt.select("What now?", &items, default)? == 1 {
            ctx.out.warn(&format!(
                "left for now: the root user still has {}; do it at {}, then run `ssosetup root-cleanup` again",
                remaining.join(", "),
                step.url
            ));
            return Ok(());
        }
    }
}

/// What the root user still has that the checklist removes.
pub(crate) fn remaining(s: &RootSummary) -> Vec<String> {
    let mut left = Vec::new();
    if s.access_keys {
        left.push("access keys".to_string());
    }
    if s.signing_certificates {
        left.push("signing certificates".to_string());
    }
    if !s.mfa {
        left.push(NO_MFA.to_string());
    }
    left
}

const NO_MFA: &str = "no MFA";

fn confirm_billing(person: &mut Person<'_>, step: &ManualStep) -> Result<()> {
    super::confirm_console_step(
        person,
        step,
        "Have you activated IAM access to Billing?",
        |config| {
            let mut cleanup = config.cleanup();
            cleanup.billing_access_confirmed = true;
            config.cleanup = Some(cleanup);
        },
        "Identity Center users cannot see Billing until it is done",
    )
}
