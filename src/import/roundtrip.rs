//! The property import exists for: any state set up by hand, imported,
//! then replayed, plans no change. Random states (permission sets with
//! every kind of policy, default- and custom-named groups across accounts,
//! AWS's own sets and groups, users with and without every field, direct
//! user assignments) go through `config_from`, the config is validated as
//! it would be written, and every step's pure planner, fed the same state
//! as its observation, must plan nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use proptest::prelude::*;

use super::{check, config_from, Found};
use crate::config::Config;
use crate::model::{
    Account, AccountId, Assignment, Boundary, CustomerManagedPolicy, Group, GroupId, PermissionSet,
    PermissionSetArn, Principal, User, UserId,
};
use crate::steps::permission_sets::ObservedSet;

const MANAGEMENT: &str = "111111111111";
const ACCOUNTS: [&str; 3] = [MANAGEMENT, "222222222222", "333333333333"];
const SET_NAMES: [&str; 5] = [
    "Admin",
    "Developer",
    "ReadOnly",
    "Billing",
    "AWSPowerUserAccess",
];
const CUSTOM_GROUPS: [&str; 5] = [
    "Admins",
    "Platform Team",
    "AWSControlTowerAdmins",
    "Auditors",
    // AWS allows a trailing space; the config must hold it as it is.
    "Ops ",
];
const MANAGED: [&str; 3] = [
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/job-function/Billing",
];

fn arn(set: &str) -> String {
    format!(
        "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-{}",
        set.to_lowercase()
    )
}

fn customer_managed() -> impl Strategy<Value = CustomerManagedPolicy> {
    (
        prop::sample::select(vec!["DeployRole", "S3Reader", "team-boundary"]),
        prop::sample::select(vec!["/", "/team/", "/a/b/"]),
    )
        .prop_map(|(name, path)| CustomerManagedPolicy {
            name: name.into(),
            path: path.into(),
        })
}

fn boundary() -> impl Strategy<Value = Option<Boundary>> {
    prop_oneof![
        Just(None),
        prop::sample::select(MANAGED.to_vec()).prop_map(|a| Some(Boundary::Managed(a.into()))),
        customer_managed().prop_map(|p| Some(Boundary::CustomerManaged(p))),
    ]
}

/// An inline policy as AWS returns it: compact JSON, keys in any order.
fn inline() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        prop::sample::select(vec![
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            r#"{"Statement":[{"Sid":"Logs","Effect":"Deny","Action":["logs:DeleteLogGroup"],"Resource":"*"}],"Version":"2012-10-17"}"#,
        ])
        .prop_map(|s| Some(s.to_string())),
    ]
}

fn permission_set(name: &'static str) -> impl Strategy<Value = ObservedSet> {
    (
        prop::option::of(prop::sample::select(vec![
            "Full access",
            "Read only, for auditors",
            "Day-to-day work",
        ])),
        prop::sample::select(vec!["PT1H", "PT4H", "PT12H", "PT90M"]),
        prop::option::of(prop::sample::select(vec![
            "https://console.aws.amazon.com/billing/home",
            "https://s3.console.aws.amazon.com/s3/home",
            // AWS takes any URL of its alphabet, plain http included.
            "http://intranet.example.internal/aws?team=ops",
        ])),
        prop::sample::subsequence(MANAGED.to_vec(), 0..=2),
        prop::collection::btree_set(customer_managed(), 0..=2),
        inline(),
        boundary(),
    )
        .prop_map(
            move |(description, duration, relay, managed, customer, inline, boundary)| {
                ObservedSet {
                    set: PermissionSet {
                        arn: arn(name),
                        name: name.into(),
                        description: description.map(str::to_string),
                        session_duration: Some(duration.into()),
                        relay_state: relay.map(str::to_string),
                    },
                    managed: managed.into_iter().map(str::to_string).collect(),
                    customer_managed: customer,
                    inline,
                    boundary: Some(boundary),
                }
            },
        )
}

fn user(i: usize) -> impl Strategy<Value = User> {
    let name = ["alice", "bob", "carol.smith", "dave+ops", "erin"][i];
    (
        prop::option::of(prop::sample::select(vec!["Ann", "Bo", "Ça"])),
        prop::option::of(prop::sample::select(vec!["Lee", "O'Neil", "van Dijk"])),
        prop::option::of(prop::sample::select(vec!["Ann Lee", "The Boss"])),
        prop::option::of(prop::sample::select(vec![
            "a@example.com",
            "ops+1@example.org",
            "not-an-email",
        ])),
    )
        .prop_map(move |(given, family, display, email)| User {
            id: format!("u-{i}"),
            user_name: name.into(),
            display_name: display.map(str::to_string),
            given_name: given.map(str::to_string),
            family_name: family.map(str::to_string),
            email: email.map(str::to_string),
            status: None,
        })
}

/// A state someone could have clicked together by hand.
fn found() -> impl Strategy<Value = Found> {
    let sets = prop::sample::subsequence(SET_NAMES.to_vec(), 0..=SET_NAMES.len())
        .prop_flat_map(|names| names.into_iter().map(permission_set).collect::<Vec<_>>());
    let default_groups: Vec<String> = SET_NAMES
        .iter()
        .flat_map(|s| ACCOUNTS.iter().map(move |a| format!("{s}-{a}")))
        .collect();
    let groups = (
        prop::sample::subsequence(default_groups.clone(), 0..=6),
        prop::sample::subsequence(CUSTOM_GROUPS.to_vec(), 0..=CUSTOM_GROUPS.len()),
    )
        .prop_map(|(d, c)| {
            d.into_iter()
                .chain(c.into_iter().map(str::to_string))
                .enumerate()
                .map(|(i, name)| Group {
                    id: format!("g-{i}"),
                    display_name: name,
                    description: None,
                })
                .collect::<Vec<_>>()
        });
    let users = prop::sample::subsequence(vec![0usize, 1, 2, 3, 4], 0..=5)
        .prop_flat_map(|ids| ids.into_iter().map(user).collect::<Vec<_>>());
    (sets, groups, users)
        .prop_flat_map(|(sets, groups, users)| {
            let arns: Vec<String> = sets.iter().map(|s| s.set.arn.clone()).collect();
            let group_ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
            let user_ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
            // Groups named the guide's way mostly hold their own set on their
            // own account; any group may hold anything else too.
            let own: Vec<(String, String, String)> = groups
                .iter()
                .filter_map(|g| {
                    let (set, account) = g.display_name.rsplit_once('-')?;
                    arns.contains(&arn(set))
                        .then(|| (g.id.clone(), account.to_string(), arn(set)))
                })
                .collect();
            let any_group = pick3(group_ids.clone(), arns.clone());
            let any_user = pick3(user_ids.clone(), arns.clone());
            let memberships = if user_ids.is_empty() || group_ids.is_empty() {
                Just(BTreeMap::new()).boxed()
            } else {
                prop::collection::btree_map(
                    prop::sample::select(user_ids),
                    prop::sample::subsequence(group_ids.clone(), 0..=group_ids.len().min(3)),
                    0..=5,
                )
                .boxed()
            };
            (
                Just(sets),
                Just(groups),
                Just(users),
                prop::sample::subsequence(own.clone(), 0..=own.len()),
                any_group,
                any_user,
                memberships,
            )
        })
        .prop_map(|(sets, groups, users, own, extra, direct, memberships)| {
            let assignment =
                |group: bool, (id, account, arn): (String, String, String)| Assignment {
                    principal: if group {
                        Principal::Group(GroupId::new(id))
                    } else {
                        Principal::User(UserId::new(id))
                    },
                    account: AccountId::from_aws(account),
                    permission_set: PermissionSetArn::new(arn),
                };
            let mut assignments: Vec<Assignment> = own
                .into_iter()
                .chain(extra)
                .map(|t| assignment(true, t))
                .chain(direct.into_iter().map(|t| assignment(false, t)))
                .collect();
            assignments.sort();
            assignments.dedup();
            Found {
                region: "eu-west-1".into(),
                sets,
                groups,
                users,
                memberships,
                assignments,
                accounts: accounts(),
                tree: Some(tree()),
                ..Found::default()
            }
        })
}

fn accounts() -> Vec<Account> {
    ACCOUNTS
        .iter()
        .map(|id| Account {
            id: id.to_string(),
            name: id.to_string(),
            active: true,
        })
        .collect()
}

/// The management account at the root; OU Workloads holds 222222222222
/// and, in its child OU Prod, 333333333333: assignments on both (or on
/// 333333333333 alone) are written as OU targets.
fn tree() -> crate::model::OrgTree {
    let ou = |id: &str, name: &str, parent: &str| crate::model::Ou {
        id: id.into(),
        name: name.into(),
        parent: parent.into(),
    };
    crate::model::OrgTree {
        root: "r-1".into(),
        ous: vec![
            ou("ou-1-prod0000", "Prod", "ou-1-work0000"),
            ou("ou-1-work0000", "Workloads", "r-1"),
        ],
        parent_of: [
            (MANAGEMENT, "r-1"),
            ("222222222222", "ou-1-work0000"),
            ("333333333333", "ou-1-prod0000"),
        ]
        .into_iter()
        .map(|(a, p)| (a.to_string(), p.to_string()))
        .collect(),
    }
}

/// Up to three (principal, account, set ARN) triples.
fn pick3(
    principals: Vec<String>,
    arns: Vec<String>,
) -> BoxedStrategy<Vec<(String, String, String)>> {
    if principals.is_empty() || arns.is_empty() {
        return Just(Vec::new()).boxed();
    }
    prop::collection::vec(
        (
            prop::sample::select(principals),
            prop::sample::select(ACCOUNTS.to_vec()).prop_map(str::to_string),
            prop::sample::select(arns),
        ),
        0..=3,
    )
    .boxed()
}

/// Every step's plan for `config` against `found`, as the steps observe it.
fn replay(found: &Found, config: &Config, base: &std::path::Path) -> Vec<String> {
    let mut changes = Vec::new();
    // Permission sets: the config's, compared with the same sets read back.
    let desired = crate::steps::permission_sets::desired(config, base).expect("policy files");
    let named: BTreeSet<&str> = desired.iter().map(|d| d.name.as_str()).collect();
    let (observed, unmanaged): (Vec<ObservedSet>, Vec<ObservedSet>) = found
        .sets
        .iter()
        .cloned()
        .partition(|o| named.contains(o.set.name.as_str()));
    let unmanaged: Vec<String> = unmanaged.into_iter().map(|o| o.set.name).collect();
    let p = crate::steps::permission_sets::plan(&desired, &observed, &unmanaged);
    changes.extend(p.actions.iter().map(|a| format!("permission-sets: {a:?}")));

    // Groups and assignments: the organization's accounts, the groups by name.
    let accounts = accounts();
    let tree = tree();
    let wanted =
        crate::steps::assignments::resolve(config, Some(MANAGEMENT), Some(&accounts), Some(&tree))
            .expect("the imported assignments resolve");
    let groups: BTreeMap<String, Option<String>> = found
        .groups
        .iter()
        .map(|g| (g.display_name.clone(), Some(g.id.clone())))
        .collect();
    let p = crate::steps::groups::plan(&wanted, &groups);
    changes.extend(p.actions.iter().map(|a| format!("groups: {a:?}")));
    let sets: BTreeMap<String, Option<String>> = found
        .sets
        .iter()
        .map(|o| (o.set.name.clone(), Some(o.set.arn.clone())))
        .collect();
    let mut existing: HashMap<(String, String), HashSet<String>> = HashMap::new();
    for a in &found.assignments {
        if let Principal::Group(group) = &a.principal {
            existing
                .entry((a.permission_set.to_string(), a.account.to_string()))
                .or_default()
                .insert(group.to_string());
        }
    }
    let p = crate::steps::assignments::plan(&wanted, &sets, &groups, &existing);
    changes.extend(p.actions.iter().map(|a| format!("assignments: {a:?}")));

    // Users and their memberships.
    let memberships: HashMap<String, Vec<String>> = found
        .memberships
        .iter()
        .map(|(u, g)| (u.clone(), g.clone()))
        .collect();
    let p = crate::steps::users::plan(config, &found.users, &memberships, &groups);
    changes.extend(p.actions.iter().map(|a| format!("users: {a:?}")));
    changes
}

proptest! {

    #[test]
    fn an_imported_state_replays_with_no_change(found in found()) {
        let imported = config_from(&found, &Config::default());
        let scratch = tempfile::tempdir().unwrap();
        for (rel, text) in &imported.policy_files {
            crate::files::write_atomically(&scratch.path().join(rel), text.as_bytes(), 0o644).unwrap();
        }
        let problems = crate::config::validate(&imported.config, scratch.path());
        prop_assert!(problems.is_empty(), "the imported config does not validate: {problems:?}\n{:#?}", imported.config);
        prop_assert!(check(&imported).unwrap().is_empty());
        // The config survives being written and read back.
        let text = toml::to_string(&imported.config).unwrap();
        let reread = crate::config::parse(&text).unwrap();
        prop_assert_eq!(&reread, &imported.config);
        let changes = replay(&found, &reread, scratch.path());
        prop_assert!(changes.is_empty(), "replaying plans changes: {changes:#?}\nconfig:\n{text}");
    }
}
