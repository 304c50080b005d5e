//! The wizard in a pseudo-terminal, typed as a person would: answers,
//! arrow keys, space and Enter, a bad email, Ctrl-C. What it did is read
//! back from moto.

use std::path::Path;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};

use crate::moto::ACCOUNT;
use crate::resources::read_state;
use crate::{run, ssosetup, Moto, Run};

pub(crate) const DOWN: &str = "\x1b[B";
pub(crate) const CTRL_C: &str = "\x03";

type Wizard = expectrl::session::OsSession;

fn spawn(moto: &Moto, dir: &Path, config: &Path) -> Wizard {
    spawn_args(moto, dir, config, &["init"])
}

/// ssosetup with `args` in a pseudo-terminal.
pub(crate) fn spawn_args(moto: &Moto, dir: &Path, config: &Path, args: &[&str]) -> Wizard {
    let mut command = ssosetup(Some(moto), dir);
    command
        .env("AWS_CONFIG_FILE", config)
        .args(args)
        // The pty is the child's terminal: keep it (exec would apply null).
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit());
    let mut session = Session::spawn(command).expect("the binary starts in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    session
}

/// What the program printed that no expect consumed yet (the end of it).
pub(crate) fn screen(w: &mut Wizard) -> String {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = w.try_read(&mut buf) {
        if n == 0 {
            break;
        }
        all.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&all).into_owned();
    let start = text.len().saturating_sub(3000);
    text[text.floor_char_boundary(start)..].to_string()
}

/// Waits for `prompt`, then types `keys`.
pub(crate) fn answer(w: &mut Wizard, prompt: &str, keys: &str) {
    if let Err(e) = w.expect(prompt) {
        panic!(
            "waiting for {prompt:?}: {e}; the screen ends with:\n{}",
            screen(w)
        );
    }
    // dialoguer draws the prompt, then reads keys: give it a moment.
    std::thread::sleep(Duration::from_millis(150));
    w.send(keys).unwrap();
}

pub(crate) fn exit_code(w: &mut Wizard) -> i32 {
    let _ = w.expect(Eof);
    match w.get_process_mut().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("the wizard did not exit normally: {other:?}"),
    }
}

/// A person's whole run on an empty account.
fn walk_everything(w: &mut Wizard) {
    answer(w, "Create one with all features", "y\r"); // no organization yet
    answer(w, "What now?", "\r"); // organization: Apply
    answer(w, "What now?", "\r"); // authentication: do the console step now
    answer(w, "Have you done all of the above?", "y\r");
    answer(w, "Which permission sets?", &format!("{DOWN}{DOWN} \r")); // + ReadOnlyAccess
    answer(w, "What now?", "\r");
    answer(w, "AdministratorAccess: on which accounts?", "\r"); // the management account (ticked)
    answer(
        w,
        "ReadOnlyAccess: on which accounts?",
        &format!("{DOWN} \r"),
    ); // all accounts
    answer(w, "What now?", "\r"); // groups
    answer(w, "What now?", "\r"); // assignments
    answer(w, "Add a user to Identity Center?", "y\r");
    answer(w, "User name", "alice\r");
    answer(w, "Given name", "Alice\r");
    answer(w, "Family name", "Doe\r");
    answer(w, "Email", "alice\r");
    answer(w, "one email address such as", "alice@example.com\r"); // rejected, asked again
    answer(w, "Groups for alice", "\r");
    answer(w, "Add another user?", "n\r");
    answer(w, "What now?", "\r"); // users
    answer(w, "Write AWS CLI profiles", "y\r");
    answer(w, "Profiles for which user?", "\r");
    answer(w, "SSO session name", "\r");
    answer(w, "Default region for the profiles", "\r");
    // alice reaches one account and permission set: one profile, named
    // `default` as the guide advises.
    answer(w, "Profile name", "\r");
    // The portal URL is derived from the identity store id (d- and ten
    // hexadecimal digits, as AWS makes them): not asked.
    answer(w, "Do you use such tools", "n\r");
    answer(w, "What now?", "\r"); // cli-profiles
                                  // root-cleanup: moto's root user has no keys and never gets MFA.
    answer(w, "What now?", "\r"); // do the console steps now
    answer(w, "Press Enter when done in the console", "\r");
    answer(w, "still there: no MFA", "");
    answer(w, "What now?", "\r"); // leave it for now (the default on a stand-in)
    answer(w, "Have you activated IAM access to Billing?", "y\r");
    // iam-users-cleanup: pick the legacy user. alice holds AdministratorAccess
    // on the management account but was created just now and cannot have
    // signed in: the lockout guard keeps the IAM user for a later run.
    answer(w, "IAM users to delete", " \r");
    w.expect("cannot have signed in yet").unwrap();
    // portal-url, optional and last: skipped.
    w.expect("can never be changed or undone").unwrap();
    answer(w, "What now?", &format!("{DOWN}\r"));
    w.expect("The wizard is done").unwrap();
}

#[tokio::test]
async fn a_person_walks_the_wizard_and_a_second_run_changes_nothing() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let aws_config = dir.path().join("aws-config");

    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    iam.create_user()
        .user_name("old-admin")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("old-admin")
        .send()
        .await
        .unwrap();

    let mut w = spawn(&moto, dir.path(), &aws_config);
    walk_everything(&mut w);
    assert_eq!(exit_code(&mut w), 0);
    assert!(
        iam.get_user().user_name("old-admin").send().await.is_ok(),
        "kept until the new administrator has had the chance to sign in"
    );

    let state = read_state(&moto).await;
    assert_eq!(
        state.permission_sets.keys().collect::<Vec<_>>(),
        ["AdministratorAccess", "ReadOnlyAccess"]
    );
    assert!(state.permission_sets.values().all(|s| s.0 == 1));
    let admin_group = format!("AdministratorAccess-{ACCOUNT}");
    let read_group = format!("ReadOnlyAccess-{ACCOUNT}");
    assert_eq!(
        state.groups.keys().collect::<Vec<_>>(),
        [&admin_group, &read_group]
    );
    assert_eq!(
        state.assignments.keys().cloned().collect::<Vec<_>>(),
        [
            (
                "AdministratorAccess".to_string(),
                ACCOUNT.to_string(),
                admin_group.clone()
            ),
            (
                "ReadOnlyAccess".to_string(),
                ACCOUNT.to_string(),
                read_group.clone()
            ),
        ]
    );
    assert_eq!(
        state.users.get("alice"),
        Some(&(1, "alice@example.com".to_string()))
    );
    assert_eq!(
        state.memberships.keys().cloned().collect::<Vec<_>>(),
        [("alice".to_string(), admin_group.clone())]
    );
    assert!(std::fs::read_to_string(&aws_config)
        .unwrap()
        .contains("[default]\n"));
    let config = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(config.contains("confirmed = true"), "{config}");

    // A second run: every Identity Center step is done and writes nothing;
    // root MFA is left to do (moto's root never has it): skip it; the IAM
    // user picked last time goes now, after a backup.
    moto.forget_requests();
    let mut again = spawn(&moto, dir.path(), &aws_config);
    answer(&mut again, "What now?", &format!("{DOWN}{DOWN}\r"));
    answer(&mut again, "What now?", "\r"); // iam-users-cleanup: apply
    answer(&mut again, "deleting for good: old-admin?", "y\r");
    answer(&mut again, "What now?", &format!("{DOWN}\r")); // portal-url: skip
    again.expect("The wizard is done").unwrap();
    assert_eq!(exit_code(&mut again), 0);
    assert_eq!(
        moto.writes(),
        ["DeleteAccessKey", "DeleteUser"],
        "only the picked user's removal"
    );
    assert!(
        iam.get_user().user_name("old-admin").send().await.is_err(),
        "the picked IAM user is gone"
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path().join("ssosetup-backups"))
        .unwrap()
        .collect();
    assert_eq!(backups.len(), 1, "one backup, written before deleting");

    // The saved answers replayed with --yes on a fresh account: the same state.
    let other = Moto::start();
    let replay_dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.path().join("ssosetup.toml"),
        replay_dir.path().join("ssosetup.toml"),
    )
    .unwrap();
    run(Some(&other), replay_dir.path(), &["init", "--yes"]).assert_code(0);
    assert_eq!(read_state(&other).await, state);
}

#[tokio::test]
async fn ctrl_c_keeps_the_answers_exits_130_and_a_rerun_resumes() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let aws_config = dir.path().join("aws-config");
    let mut w = spawn(&moto, dir.path(), &aws_config);
    answer(&mut w, "Create one with all features", "y\r");
    answer(&mut w, "What now?", "\r"); // organization: Apply
    answer(&mut w, "What now?", "\r"); // authentication
    answer(&mut w, "Have you done all of the above?", "y\r");
    answer(&mut w, "Which permission sets?", CTRL_C);
    // Everything up to the end of output (an Eof match holds it all).
    let rest = w.expect(Eof).unwrap();
    let shown: String = rest
        .matches()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    assert!(
        shown.contains("\x1b[?25h"),
        "the cursor is shown again: {shown:?}"
    );
    assert!(
        shown.contains("interrupted: answers given so far are saved"),
        "{shown:?}"
    );
    assert_eq!(exit_code(&mut w), 130);
    let config = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(
        config.contains("[authentication]\nconfirmed = true"),
        "answers so far are kept:\n{config}"
    );
    assert!(!config.contains("[[permission_sets]]"), "{config}");

    // Run again: the organization and the confirmation are done; it asks
    // about permission sets next.
    let mut again = spawn(&moto, dir.path(), &aws_config);
    again.expect("Which permission sets?").unwrap();
    again.send(CTRL_C).unwrap();
    assert_eq!(exit_code(&mut again), 130);
}

#[tokio::test]
async fn a_console_step_done_at_the_terminal_is_not_listed_as_still_to_do() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let mut w = spawn_args(
        &moto,
        dir.path(),
        &dir.path().join("aws-config"),
        &["authentication"],
    );
    answer(&mut w, "Have you done all of the above?", "y\r");
    let rest = w.expect(Eof).unwrap();
    let shown: String = rest
        .matches()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    assert!(shown.contains("recorded in"), "{shown}");
    assert!(!shown.contains("not confirmed yet"), "{shown}");
    assert_eq!(exit_code(&mut w), 0);
}

/// No Identity Center instance anywhere (the proxy answers so, in every
/// region): before any console step the wizard asks for the home region,
/// says it cannot change, saves it, and the console step names it.
#[tokio::test]
async fn with_no_instance_anywhere_the_home_region_is_asked_not_taken() {
    let moto = Moto::start();
    crate::resources::seed_organization(&moto).await;
    let proxy = crate::proxy::FaultProxy::start(&moto, &["--no-instance"]);
    let dir = tempfile::tempdir().unwrap();
    let mut command = ssosetup(Some(&moto), dir.path());
    command
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_CONFIG_FILE", dir.path().join("aws-config"))
        .args(["init"])
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit());
    let mut w = Session::spawn(command).expect("the binary starts in a pty");
    w.set_expect_timeout(Some(Duration::from_secs(60)));
    w.expect("it cannot be changed later").unwrap();
    // The environment's region first; typing filters the list of 30-odd:
    // "eu-west-2", then Enter, then the one confirmation the permanent
    // choice gets (a no asks again).
    answer(&mut w, "Identity Center home region", "eu-west-2\r");
    answer(&mut w, "Make eu-west-2 the home region?", "n\r");
    answer(&mut w, "Identity Center home region", "eu-west-2\r");
    answer(&mut w, "Make eu-west-2 the home region?", "\r");
    w.expect("region = \"eu-west-2\" is saved").unwrap();
    w.expect("enable IAM Identity Center in eu-west-2").unwrap();
    w.expect("https://eu-west-2.console.aws.amazon.com/singlesignon/home?region=eu-west-2")
        .unwrap();
    answer(&mut w, "What now?", CTRL_C);
    assert_eq!(exit_code(&mut w), 130);
    let config = std::fs::read_to_string(dir.path().join("ssosetup.toml")).unwrap();
    assert!(config.contains("region = \"eu-west-2\""), "{config}");

    // Under --yes with no region anywhere, the run stops naming the field.
    let other = tempfile::tempdir().unwrap();
    let yes = Run::from(
        ssosetup(Some(&moto), other.path())
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .args(["init", "--yes"])
            .output()
            .unwrap(),
    );
    yes.assert_code(1);
    assert!(
        yes.stderr.contains("no home region is chosen"),
        "{}",
        yes.stderr
    );
    assert!(yes.stderr.contains("region = "), "{}", yes.stderr);
}

/// Organization, authentication and two permission sets, as a person does.
fn first_three_steps(w: &mut Wizard) {
    answer(w, "Create one with all features", "y\r");
    answer(w, "What now?", "\r"); // organization: Apply
    answer(w, "What now?", "\r"); // authentication: the console step
    answer(w, "Have you done all of the above?", "y\r");
    answer(w, "Which permission sets?", &format!("{DOWN}{DOWN} \r")); // + ReadOnlyAccess
    answer(w, "What now?", "\r"); // permission-sets: Apply
}

#[tokio::test]
async fn change_answers_at_the_groups_step_still_creates_the_groups() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let mut w = spawn(&moto, dir.path(), &dir.path().join("aws-config"));
    first_three_steps(&mut w);
    answer(&mut w, "AdministratorAccess: on which accounts?", "\r");
    answer(
        &mut w,
        "ReadOnlyAccess: on which accounts?",
        &format!("{DOWN} \r"),
    );
    // "Change answers", then Enter on both questions: nothing changed.
    answer(&mut w, "What now?", &format!("{DOWN}\r"));
    answer(&mut w, "AdministratorAccess: on which accounts?", "\r");
    answer(&mut w, "ReadOnlyAccess: on which accounts?", "\r");
    w.expect("+ create group AdministratorAccess-").unwrap();
    answer(&mut w, "What now?", "\r"); // groups: Apply
    answer(&mut w, "What now?", "\r"); // assignments: Apply
    w.expect("assignments: created").unwrap();
    answer(&mut w, "Add a user to Identity Center?", CTRL_C);
    assert_eq!(exit_code(&mut w), 130);
    let state = read_state(&moto).await;
    assert_eq!(
        state
            .groups
            .keys()
            .filter(|g| g.starts_with("AdministratorAccess-"))
            .count(),
        1,
        "{:?}",
        state.groups
    );
    assert!(state
        .groups
        .keys()
        .any(|g| g.starts_with("ReadOnlyAccess-")));
    assert!(!state.assignments.is_empty());
}

#[tokio::test]
async fn a_step_that_cannot_go_on_returns_to_what_now_with_its_error() {
    // A managed policy that does not exist: the pre-flight stops the step,
    // the wizard shows why and asks again instead of ending.
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssosetup.toml"),
        "[[permission_sets]]\nname = \"Ops\"\nmanaged_policies = [\"arn:aws:iam::aws:policy/NoSuchPolicy\"]\n",
    )
    .unwrap();
    let mut w = spawn(&moto, dir.path(), &dir.path().join("aws-config"));
    // The config answers the organization question (create = true).
    answer(&mut w, "What now?", "\r"); // organization: Apply
    answer(&mut w, "What now?", "\r"); // authentication
    answer(&mut w, "Have you done all of the above?", "y\r");
    w.expect("NoSuchPolicy").unwrap();
    // Look again / Change answers / Skip / Quit: skip it, go on.
    answer(&mut w, "What now?", &format!("{DOWN}{DOWN}\r"));
    w.expect("skipped permission-sets").unwrap();
    // The wizard goes on to the next step.
    answer(&mut w, "Ops: on which accounts?", CTRL_C);
    assert_eq!(exit_code(&mut w), 130);
}

#[tokio::test]
async fn y_then_enter_answers_one_question_only() {
    // "y" and Enter: the Enter belongs to the same question, not the next.
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let mut w = spawn(&moto, dir.path(), &dir.path().join("aws-config"));
    answer(&mut w, "Create one with all features", "y\r");
    // The next question waits for its own answer.
    w.expect("What now?").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        read_state_orgs(&moto).await.is_none(),
        "nothing was applied by the stray Enter"
    );
    w.send(CTRL_C).unwrap();
    assert_eq!(exit_code(&mut w), 130);
}

async fn read_state_orgs(moto: &Moto) -> Option<String> {
    aws_sdk_organizations::Client::new(&moto.sdk_config().await)
        .describe_organization()
        .send()
        .await
        .ok()
        .and_then(|o| o.organization().and_then(|o| o.id()).map(str::to_string))
}
