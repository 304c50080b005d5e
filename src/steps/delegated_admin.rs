//! Step `delegated-admin` (optional, after `identity-center`): a member
//! account is IAM Identity Center's delegated administrator, as AWS
//! recommends, so the daily work (permission sets, groups, users,
//! assignments on member accounts) is done from there and the management
//! account is kept for what only it can do: the organization, enabling
//! Identity Center, this registration, member accounts' root credentials,
//! assignments on the management account and every change to a permission
//! set provisioned there.
//!
//! Reads: organizations ListDelegatedAdministrators (sso.amazonaws.com) and
//! the organization's accounts (to find the account by id or name). May
//! change, from the management account only: RegisterDelegatedAdministrator;
//! when another account holds the role, DeregisterDelegatedAdministrator
//! first, and only after an explicit yes at a terminal (never `--yes`).
//! Idempotent: the account that is registered already is left as it is.

use std::sync::Mutex;

use anyhow::Result;
use futures::future::LocalBoxFuture;

use super::{ensure_accounts, Cx, Facts, Person, Step, StepId};
use crate::aws::organizations::{
    delegated_administrators, deregister_delegated_administrator, register_delegated_administrator,
    IDENTITY_CENTER,
};
use crate::config::LoadedConfig;
use crate::error::UserError;
use crate::model::Account;
use crate::plan::{Action, Choice, StepPlan};

pub(crate) const ID: StepId = StepId::new("delegated-admin");

pub(crate) struct DelegatedAdmin;

/// What was found: the organization's accounts, who is registered now.
pub(crate) struct Seen {
    accounts: Vec<Account>,
    /// `None`: not looked at (nothing asked of the step, or no organization).
    registered: Option<Vec<String>>,
}

/// The plan, from what was observed. Pure.
/// From the delegated administrator the registration is planned all the
/// same: the driver leaves it for the management account.
pub(crate) fn plan(wanted: Option<&str>, seen: &Seen, management: Option<&str>) -> StepPlan {
    let mut plan = StepPlan::new(ID);
    let Some(wanted) = wanted else {
        plan.unconfigured = true;
        plan.notes.push(
            "optional: daily work from a member account (a delegated administrator), as AWS recommends; `delegated_admin` under [identity_center] names one"
                .into(),
        );
        return plan;
    };
    let Some(management) = management else {
        plan.blocker = Some(
            UserError::new("a delegated administrator needs an organization")
                .hint("run `ssosetup organization` first"),
        );
        return plan;
    };
    let members: Vec<&Account> = seen
        .accounts
        .iter()
        .filter(|a| a.id != management && a.active)
        .collect();
    let matches: Vec<&&Account> = members
        .iter()
        .filter(|a| a.id == wanted || a.name == wanted)
        .collect();
    let account = match matches.as_slice() {
        [one] => *one,
        [] => {
            let why = if wanted == management {
                "it is the management account itself, which keeps what only it may do".to_string()
            } else if members.is_empty() {
                "the organization has no active member account yet".to_string()
            } else {
                format!(
                    "the organization's active member accounts are: {}",
                    crate::model::some_of(
                        &members
                            .iter()
                            .map(|a| format!("{} ({})", a.id, a.name))
                            .collect::<Vec<_>>()
                    )
                )
            };
            plan.blocker = Some(
                UserError::new(format!(
                    "identity_center.delegated_admin = {}: no active member account of the organization has that id or name",
                    crate::model::excerpt(wanted)
                ))
                .caused_by(why)
                .hint("name a member account by its 12-digit id (or its name)"),
            );
            return plan;
        }
        many => {
            plan.blocker = Some(
                UserError::new(format!(
                    "identity_center.delegated_admin = {}: {} accounts have that name",
                    crate::model::excerpt(wanted),
                    many.len()
                ))
                .hint("name the account by its 12-digit id"),
            );
            return plan;
        }
    };
    let Some(registered) = &seen.registered else {
        return plan;
    };
    match registered.as_slice() {
        [] => plan.actions.push(Action::RegisterDelegatedAdmin {
            account_id: account.id.clone(),
            account_name: account.name.clone(),
        }),
        [one] if *one == account.id => plan.notes.push(format!(
            "account {} ({}) is IAM Identity Center's delegated administrator",
            account.id, account.name
        )),
        others => {
            let from = others[0].clone();
            plan.notes.push(format!(
                "account {from} is IAM Identity Center's delegated administrator now"
            ));
            plan.actions.push(Action::ChangeDelegatedAdmin {
                from: from.clone(),
                account_id: account.id.clone(),
                account_name: account.name.clone(),
            });
            // Taking the role from another account: only on an explicit yes,
            // at a terminal; under --yes the change is withheld.
            plan.gate = Some(Choice {
                subject: "delegated administrator".into(),
                question: format!(
                    "Deregister account {from} and register {} as the delegated administrator?",
                    account.id
                ),
                shown: Some(format!(
                    "account {from} is IAM Identity Center's delegated administrator; the config names {} ({}): work done from {from} moves there",
                    account.id, account.name
                )),
                yes: false,
            });
        }
    }
    plan
}

impl Step for DelegatedAdmin {
    type Observed = Seen;

    fn id(&self) -> StepId {
        ID
    }

    fn about(&self) -> &'static str {
        "Optional: run Identity Center's daily work from a member account (the delegated administrator); the management account keeps what only it may do"
    }

    fn command(&self) -> clap::Command {
        clap::Command::new(ID.name())
            .about(self.about())
            .long_about(
                "Optional: register the member account `delegated_admin` under [identity_center] names (its id or name) as IAM Identity Center's delegated administrator, as AWS recommends. Runs from the management account.\n\n\
                 From the delegated administrator, every ssosetup command works: permission sets, groups, users, memberships and assignments on member accounts are made there. What only the management account may do stays with it: the organization, enabling Identity Center, this registration, member accounts' root credentials, assignments on the management account, and any change to a permission set provisioned to the management account. A run from the delegated administrator applies the rest and ends with what is left and the command to run from the management account.\n\n\
                 Another account already registered is changed only after an explicit yes at a terminal, never under --yes.",
            )
    }

    fn observe<'a>(&'a self, cx: &'a Cx, facts: &'a mut Facts) -> LocalBoxFuture<'a, Result<Seen>> {
        Box::pin(async move {
            if cx.config.config.identity_center.delegated_admin.is_none() {
                return Ok(Seen {
                    accounts: Vec::new(),
                    registered: None,
                });
            }
            let accounts = ensure_accounts(cx, facts).await?;
            let registered = match facts.management_account() {
                Some(_) if matches!(facts.organization, super::OrgState::Exists(_)) => {
                    Some(delegated_administrators(&cx.aws.organizations, IDENTITY_CENTER).await?)
                }
                // An organization this run creates has no delegated
                // administrator yet.
                Some(_) => Some(Vec::new()),
                None => None,
            };
            Ok(Seen {
                accounts,
                registered,
            })
        })
    }

    fn plan(&self, seen: &Seen, desired: &LoadedConfig, facts: &Facts) -> StepPlan {
        plan(
            desired.config.identity_center.delegated_admin.as_deref(),
            seen,
            facts.management_account(),
        )
    }

    fn apply<'a>(
        &'a self,
        cx: &'a Cx,
        _facts: &'a Mutex<&mut Facts>,
        action: &'a Action,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let orgs = &cx.aws.organizations;
            match action {
                Action::RegisterDelegatedAdmin { account_id, .. } => {
                    register_delegated_administrator(orgs, account_id, IDENTITY_CENTER).await?
                }
                Action::ChangeDelegatedAdmin {
                    from, account_id, ..
                } => {
                    deregister_delegated_administrator(orgs, from, IDENTITY_CENTER).await?;
                    register_delegated_administrator(orgs, account_id, IDENTITY_CENTER).await?
                }
                other => unreachable!("not a delegated-admin action: {other:?}"),
            }
            Ok(())
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
}

/// The wizard's question, when the organization has member accounts: the
/// default is "not now".
async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    let Person { cx, prompt, facts } = person;
    if cx.config.config.identity_center.delegated_admin.is_some() && !force {
        return Ok(());
    }
    let Some(management) = facts.management_account().map(str::to_string) else {
        return Ok(());
    };
    let members: Vec<Account> = ensure_accounts(cx, facts)
        .await?
        .into_iter()
        .filter(|a| a.active && a.id != management)
        .collect();
    if members.is_empty() {
        return Ok(());
    }
    cx.out.say("AWS recommends doing Identity Center's daily work from a member account (its delegated administrator), keeping the management account for what only it can do.");
    let mut items = vec!["Not now".to_string()];
    items.extend(members.iter().map(|a| format!("{} ({})", a.name, a.id)));
    let picked = prompt.select("Delegated administrator for Identity Center?", &items, 0)?;
    if picked == 0 {
        return Ok(());
    }
    cx.config.config.identity_center.delegated_admin = Some(members[picked - 1].id.clone());
    cx.config.save()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            active: true,
        }
    }

    fn seen(registered: &[&str]) -> Seen {
        Seen {
            accounts: vec![
                account("111111111111", "management"),
                account("222222222222", "security"),
                account("333333333333", "dev"),
            ],
            registered: Some(registered.iter().map(|s| s.to_string()).collect()),
        }
    }

    const MGMT: Option<&str> = Some("111111111111");

    #[test]
    fn a_member_is_registered_by_id_or_name_once() {
        for wanted in ["222222222222", "security"] {
            let p = plan(Some(wanted), &seen(&[]), MGMT);
            assert!(matches!(
                &p.actions[..],
                [Action::RegisterDelegatedAdmin { account_id, .. }] if account_id == "222222222222"
            ));
        }
        let p = plan(Some("security"), &seen(&["222222222222"]), MGMT);
        assert!(p.is_done());
        assert!(plan(None, &seen(&[]), MGMT).unconfigured);
    }

    #[test]
    fn another_registered_account_is_changed_only_behind_a_question() {
        let p = plan(Some("dev"), &seen(&["222222222222"]), MGMT);
        assert!(matches!(
            &p.actions[..],
            [Action::ChangeDelegatedAdmin { from, account_id, .. }]
                if from == "222222222222" && account_id == "333333333333"
        ));
        let gate = p.gate.expect("asked first");
        assert!(!gate.yes, "never yes by default");
        assert!(p.actions[0].is_destructive(), "withheld when not confirmed");
    }

    #[test]
    fn the_management_account_or_an_unknown_one_is_refused_naming_the_members() {
        for wanted in ["111111111111", "nope"] {
            let p = plan(Some(wanted), &seen(&[]), MGMT);
            let b = p.blocker.expect("refused");
            assert!(b.causes.join(" ").contains("222222222222") || wanted == "111111111111");
        }
    }
}
