//! The wizard's permission-set question. It starts from what exists: the
//! sets already in Identity Center are ticked, and a common set that exists
//! with other content than ssosetup's shows the difference and lets the
//! person keep it as it is (written into the config) or make it as
//! configured.

use std::collections::BTreeMap;

use anyhow::Result;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::{
    describe_all, desired_one, managed_policy_arn, observe_details, plan, ObservedSet, COMMON,
};
use crate::config::PermissionSetConfig;
use crate::steps::{ensure_instance, Person};
use crate::ui::Prompter;

/// The sets that exist now (AWS's own left out), with their content.
async fn existing(person: &mut Person<'_>) -> Result<BTreeMap<String, ObservedSet>> {
    let Some(instance) = ensure_instance(person.cx, person.facts).await? else {
        return Ok(BTreeMap::new());
    };
    let cx = &*person.cx;
    let sets: Vec<ObservedSet> = stream::iter(describe_all(cx, &instance.arn).await?)
        .filter(|s| std::future::ready(!crate::model::is_aws_owned(&s.name)))
        .map(|set| observe_details(cx, &instance.arn, set))
        .buffer_unordered(4)
        .try_collect()
        .await?;
    Ok(sets.into_iter().map(|o| (o.set.name.clone(), o)).collect())
}

/// ssosetup's own entry for a common set.
fn common(name: &str, arn: &str, what: &str) -> PermissionSetConfig {
    PermissionSetConfig {
        name: name.to_string(),
        description: Some(what.to_string()),
        session_duration: None,
        relay_state: None,
        managed_policies: vec![arn.to_string()],
        customer_managed_policies: Vec::new(),
        inline_policy: None,
        permissions_boundary: None,
    }
}

/// What making `have` as `want` says would change, one line each; empty
/// when they match. Pure.
pub(crate) fn difference(want: &PermissionSetConfig, have: &ObservedSet) -> Vec<String> {
    // A common set has no inline policy file to read.
    let Ok(desired) = desired_one(want, std::path::Path::new(".")) else {
        return vec!["the configured content cannot be read".into()];
    };
    plan(&[desired], std::slice::from_ref(have), &[])
        .actions
        .iter()
        .map(|a| a.describe())
        .collect()
}

/// The wizard's questions: which permission sets, common ones or custom.
pub(super) async fn ask(person: &mut Person<'_>, force: bool) -> Result<()> {
    if !person.cx.config.config.permission_sets.is_empty() && !force {
        return Ok(());
    }
    let exist = existing(person).await?;
    let partition = person.facts.caller.partition().to_string();
    let Person { cx, prompt, .. } = person;
    let configured: Vec<String> = cx
        .config
        .config
        .permission_sets
        .iter()
        .map(|p| p.name.clone())
        .collect();
    // Ticked: what the config has; with nothing configured, what exists,
    // and on a blank instance AdministratorAccess.
    let tick = |name: &str| {
        configured.iter().any(|c| c == name)
            || (configured.is_empty()
                && (exist.contains_key(name)
                    || (exist.is_empty() && name == "AdministratorAccess")))
    };
    let mut items: Vec<String> = Vec::new();
    let mut chosen: Vec<bool> = Vec::new();
    for (name, _, what) in COMMON {
        let there = if exist.contains_key(name) {
            " (exists in Identity Center)"
        } else {
            ""
        };
        items.push(format!("{name}: {what}{there}"));
        chosen.push(tick(name));
    }
    let mut others: Vec<String> = configured
        .iter()
        .chain(exist.keys())
        .filter(|c| !COMMON.iter().any(|(n, _, _)| n == *c))
        .cloned()
        .collect();
    others.sort();
    others.dedup();
    for name in &others {
        let whence = if configured.contains(name) {
            "custom, in the config"
        } else {
            "exists in Identity Center"
        };
        items.push(format!("{name} ({whence})"));
        chosen.push(tick(name));
    }
    items.push("another one of my own (custom)".into());
    chosen.push(false);
    let picked = prompt.multi_select("Which permission sets?", &items, &chosen)?;
    let mut sets = Vec::new();
    let mut files = Vec::new();
    for &i in &picked {
        let name = match COMMON.get(i) {
            Some((name, _, _)) => name.to_string(),
            None => match others.get(i - COMMON.len()) {
                Some(name) => name.clone(),
                None => continue,
            },
        };
        let kept = cx
            .config
            .config
            .permission_sets
            .iter()
            .find(|p| p.name == name)
            .cloned();
        if let Some(kept) = kept {
            sets.push(kept);
            continue;
        }
        let default = COMMON
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(n, path, what)| common(n, &managed_policy_arn(&partition, path), what));
        match (exist.get(&name), default) {
            (Some(have), Some(want)) => {
                let (entry, file) = keep_or_make(&mut **prompt, &cx.out, &want, have)?;
                sets.push(entry);
                files.extend(file);
            }
            (Some(have), None) => {
                let (entry, file) = super::set_config(have);
                sets.push(entry);
                files.extend(file);
            }
            (None, Some(want)) => sets.push(want),
            (None, None) => {}
        }
    }
    if picked.contains(&(items.len() - 1)) {
        ask_custom(&mut **prompt, &partition, &mut sets)?;
    }
    let base = cx.config.base_dir().to_path_buf();
    for (rel, text) in &files {
        if let Some(backup) = crate::config::write_policy_file(&base, rel, text)? {
            cx.out.say(&format!(
                "the previous {} is kept as {}",
                rel.display(),
                backup.display()
            ));
        }
    }
    let names: Vec<String> = sets.iter().map(|s| s.name.clone()).collect();
    cx.config.config.permission_sets = sets;
    // Assignments and user groups of sets no longer chosen go with them.
    cx.config
        .config
        .assignments
        .retain(|a| names.contains(&a.permission_set));
    cx.config.config.prune_user_groups();
    cx.config.save()
}

/// A common set that exists: as it is when it matches ssosetup's; else the
/// difference, and the person's choice.
fn keep_or_make(
    prompt: &mut dyn Prompter,
    out: &crate::ui::Printer,
    want: &PermissionSetConfig,
    have: &ObservedSet,
) -> Result<(PermissionSetConfig, Option<(std::path::PathBuf, String)>)> {
    let kept = super::set_config(have);
    let changes = difference(want, have);
    if changes.is_empty() {
        return Ok(kept);
    }
    out.say(&format!(
        "{} exists in Identity Center with other content than ssosetup's. Making it as configured would:",
        want.name
    ));
    for c in &changes {
        out.say(&format!("    {c}"));
    }
    let question = format!("{}: keep it, or make it as configured?", want.name);
    let options = [
        "keep it as it is (write it into the config)".to_string(),
        "make it as configured".to_string(),
    ];
    Ok(match prompt.select(&question, &options, 0)? {
        0 => kept,
        _ => (want.clone(), None),
    })
}

/// Custom permission sets, one after another: a name not yet chosen and
/// an AWS managed policy ARN for each.
fn ask_custom(
    prompt: &mut dyn Prompter,
    partition: &str,
    sets: &mut Vec<PermissionSetConfig>,
) -> Result<()> {
    let prefix = managed_policy_arn(partition, "");
    let example = managed_policy_arn(partition, "ReadOnlyAccess");
    loop {
        let taken: Vec<String> = sets.iter().map(|s| s.name.clone()).collect();
        let name = prompt.input("Name of the custom permission set", None, &|s| {
            if !crate::config::is_aws_name(s, 32) {
                Err("1 to 32 characters: letters, digits and + = , . @ - _".into())
            } else if taken.iter().any(|t| t == s) {
                Err("that name is already chosen".into())
            } else {
                Ok(())
            }
        })?;
        let arn = prompt.input("AWS managed policy ARN for it", Some(&example), &|s| {
            if s.starts_with(&prefix) && s.len() > prefix.len() {
                Ok(())
            } else {
                Err(format!("an AWS managed policy ARN such as {example}"))
            }
        })?;
        sets.push(PermissionSetConfig {
            name,
            description: None,
            session_duration: None,
            relay_state: None,
            managed_policies: vec![arn],
            customer_managed_policies: Vec::new(),
            inline_policy: None,
            permissions_boundary: None,
        });
        if !prompt.confirm("Add another custom permission set?", false)? {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PermissionSet;

    fn observed(managed: &[&str], duration: &str) -> ObservedSet {
        ObservedSet {
            set: PermissionSet {
                arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".into(),
                name: "AdministratorAccess".into(),
                description: Some("Full access".into()),
                session_duration: Some(duration.into()),
                relay_state: None,
            },
            managed: managed.iter().map(|s| s.to_string()).collect(),
            customer_managed: Default::default(),
            inline: None,
            boundary: Some(None),
        }
    }

    #[test]
    fn the_difference_names_each_change_and_none_when_they_match() {
        let (name, path, what) = COMMON[0];
        let arn = &managed_policy_arn("aws", path);
        let want = common(name, arn, what);
        assert!(difference(&want, &observed(&[arn], "PT1H")).is_empty());
        let diff = difference(
            &want,
            &observed(&["arn:aws:iam::aws:policy/ReadOnlyAccess"], "PT8H"),
        );
        assert!(
            diff.iter().any(|l| l.contains("ReadOnlyAccess")),
            "{diff:?}"
        );
        assert!(diff.iter().any(|l| l.contains(arn)), "{diff:?}");
        assert!(diff.iter().any(|l| l.contains("session")), "{diff:?}");
    }

    #[test]
    fn custom_sets_take_the_partitions_managed_policies_only() {
        let mut prompt = crate::ui::prompt::Scripted::new(&[
            "ChinaRead",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws-cn:iam::aws:policy/ReadOnlyAccess",
            "n",
        ]);
        let mut sets = Vec::new();
        ask_custom(&mut prompt, "aws-cn", &mut sets).unwrap();
        assert_eq!(
            prompt.asked[1..3],
            [
                "AWS managed policy ARN for it".to_string(),
                "AWS managed policy ARN for it".to_string()
            ],
            "the aws partition's ARN is refused in aws-cn: {:?}",
            prompt.asked
        );
        assert_eq!(sets.len(), 1, "{:?}", prompt.asked);
        assert_eq!(
            sets[0].managed_policies,
            ["arn:aws-cn:iam::aws:policy/ReadOnlyAccess"]
        );
    }

    #[test]
    fn the_offered_policies_are_built_for_the_partition() {
        for (_, path, _) in COMMON {
            assert_eq!(
                managed_policy_arn("aws-us-gov", path),
                format!("arn:aws-us-gov:iam::aws:policy/{path}")
            );
        }
        assert_eq!(
            managed_policy_arn("aws", COMMON[4].1),
            "arn:aws:iam::aws:policy/job-function/Billing"
        );
    }
}
