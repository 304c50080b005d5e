use super::*;
use crate::model::{AccountId, PermissionSetArn};

const MANAGEMENT: &str = "111111111111";
const DEV: &str = "222222222222";

fn user(id: &str, name: &str) -> User {
    User {
        id: id.into(),
        user_name: name.into(),
        display_name: None,
        given_name: None,
        family_name: None,
        email: Some(format!("{name}@example.com")),
        status: Some("ENABLED".into()),
    }
}

fn group(id: &str, name: &str) -> Group {
    Group {
        id: id.into(),
        display_name: name.into(),
        description: None,
    }
}

fn assignment(principal: Principal, set: &str, account: &str) -> Assignment {
    Assignment {
        principal,
        permission_set: PermissionSetArn::new(format!(
            "arn:aws:sso:::permissionSet/ssoins-1/{set}"
        )),
        account: AccountId::from_aws(account),
    }
}

fn g(id: &str) -> Principal {
    Principal::Group(GroupId::new(id))
}

fn u(id: &str) -> Principal {
    Principal::User(UserId::new(id))
}

/// alice in Admins and Devs; bob direct ReadOnly on dev and in Devs;
/// carol in nothing; an empty group Ghosts holding a set; an AWS-owned set
/// assigned to Admins.
fn directory() -> Directory {
    let arn = |s: &str| format!("arn:aws:sso:::permissionSet/ssoins-1/{s}");
    Directory {
        management: Some(MANAGEMENT.into()),
        accounts: vec![
            Account {
                id: MANAGEMENT.into(),
                name: "Management".into(),
                active: true,
            },
            Account {
                id: DEV.into(),
                name: "Dev".into(),
                active: true,
            },
        ],
        sets: [
            ("ps-admin", "AdministratorAccess"),
            ("ps-read", "ReadOnly"),
            ("ps-dev", "Developer"),
            ("ps-ct", "AWSAdministratorAccess"),
        ]
        .into_iter()
        .map(|(a, n)| (arn(a), n.to_string()))
        .collect(),
        users: vec![
            user("u-a", "alice"),
            user("u-b", "bob"),
            user("u-c", "carol"),
        ],
        groups: vec![
            group("g-admins", "Admins"),
            group("g-devs", "Devs"),
            group("g-ghosts", "Ghosts"),
        ],
        members: [
            ("g-admins", vec!["u-a"]),
            ("g-devs", vec!["u-a", "u-b"]),
            ("g-ghosts", vec![]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
        .collect(),
        assignments: vec![
            assignment(g("g-admins"), "ps-admin", MANAGEMENT),
            assignment(g("g-admins"), "ps-ct", MANAGEMENT),
            assignment(g("g-devs"), "ps-dev", DEV),
            assignment(u("u-b"), "ps-read", DEV),
            assignment(g("g-ghosts"), "ps-read", MANAGEMENT),
        ],
        admin_sets: [
            (arn("ps-admin"), None),
            (arn("ps-ct"), Some("x (a Deny)".to_string())),
        ]
        .into_iter()
        .collect(),
    }
}

fn shown(rows: &[Row]) -> Vec<(String, String, String, String)> {
    rows.iter()
        .map(|r| {
            (
                r.user_name.clone(),
                r.account.clone(),
                r.permission_set.clone(),
                r.via(),
            )
        })
        .collect()
}

#[test]
fn every_way_a_user_reaches_an_account_is_one_row() {
    let r = review(&directory(), &Filter::default());
    let t = |u: &str, a: &str, s: &str, v: &str| (u.into(), a.into(), s.into(), v.into());
    assert_eq!(
        shown(&r.rows),
        [
            t(
                "alice",
                MANAGEMENT,
                "AWSAdministratorAccess",
                "group Admins"
            ),
            t("alice", MANAGEMENT, "AdministratorAccess", "group Admins"),
            t("alice", DEV, "Developer", "group Devs"),
            t("bob", DEV, "Developer", "group Devs"),
            t("bob", DEV, "ReadOnly", "direct"),
        ]
    );
    assert!(r.rows[0].aws_owned && r.rows[0].administrator);
    assert_eq!(r.rows[2].account_name, "Dev");
    assert_eq!(
        r.empty_groups,
        [EmptyGroup {
            group: "Ghosts".into(),
            assignments: 1
        }]
    );
    assert_eq!(r.users_without_access, ["carol"]);
    let admins: Vec<(&str, Option<&str>)> = r
        .administrators
        .iter()
        .map(|a| (a.permission_set.as_str(), a.narrowed.as_deref()))
        .collect();
    assert_eq!(
        admins,
        [
            ("AWSAdministratorAccess", Some("x (a Deny)")),
            ("AdministratorAccess", None)
        ]
    );
}

#[test]
fn filters_narrow_the_rows_and_unknown_values_are_errors() {
    let dir = directory();
    let only = |f: Filter| shown(&review(&dir, &f).rows).len();
    assert_eq!(
        only(Filter {
            user: Some("BOB".into()),
            ..Filter::default()
        }),
        2
    );
    assert_eq!(
        only(Filter {
            account: Some("Dev".into()),
            ..Filter::default()
        }),
        3
    );
    assert_eq!(
        only(Filter {
            account: Some(DEV.into()),
            ..Filter::default()
        }),
        3
    );
    assert_eq!(
        only(Filter {
            permission_set: Some("Developer".into()),
            ..Filter::default()
        }),
        2
    );
    let e = check_filter(
        &Filter {
            user: Some("dave".into()),
            ..Filter::default()
        },
        &dir,
    )
    .unwrap_err();
    assert!(e.message.contains("--user \"dave\""), "{}", e.message);
    assert!(e.hint.unwrap().contains("alice"));
    assert!(check_filter(
        &Filter {
            account: Some("Prod".into()),
            ..Filter::default()
        },
        &dir
    )
    .is_err());
    assert!(check_filter(
        &Filter {
            permission_set: Some("Nope".into()),
            ..Filter::default()
        },
        &dir
    )
    .is_err());
}

#[test]
fn a_narrowed_read_leaves_out_the_summaries_about_the_whole_instance() {
    let dir = directory();
    for filter in [
        Filter {
            user: Some("bob".into()),
            ..Filter::default()
        },
        Filter {
            account: Some(DEV.into()),
            ..Filter::default()
        },
    ] {
        let r = review(&dir, &filter);
        assert!(!r.summaries);
        assert!(r.administrators.is_empty() && r.empty_groups.is_empty());
        assert!(r.users_without_access.is_empty());
        let shown = text(&r, &dir).join("\n");
        assert!(!shown.contains("Nobody holds"), "{shown}");
        assert!(shown.contains("without --user and --account"), "{shown}");
    }
    let r = review(
        &dir,
        &Filter {
            permission_set: Some("Developer".into()),
            ..Filter::default()
        },
    );
    assert!(r.summaries, "a set filter reads everything");
}

#[test]
fn a_hostile_name_stays_text_in_every_output() {
    let mut dir = directory();
    dir.groups[1].display_name = "=HYPERLINK(\"http://x\")\nalice  222222222222".into();
    dir.users[1].user_name = "@SUM(1+1)".into();
    let r = review(&dir, &Filter::default());
    let csv_text = csv(&r).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let cells: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(
        cells.len(),
        r.rows.len(),
        "one record a row, newlines quoted"
    );
    for record in &cells {
        for cell in record {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
        }
    }
    let lines = text(&r, &dir);
    assert!(lines.iter().all(|l| !l.contains('\n')));
    assert!(lines.iter().any(|l| l.contains("\\n")), "{lines:#?}");
}

#[test]
fn the_access_schema_in_docs_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/access.schema.json");
    if std::env::var_os("SSOSETUP_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, access_schema()).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == access_schema(),
        "docs/access.schema.json is out of date: run `SSOSETUP_WRITE_SCHEMA=1 cargo test schema_in_docs`"
    );
}
