//! ssosetup moves an AWS account off long-lived credentials to IAM Identity
//! Center, one step at a time.
//!
//! One pipeline for every run: **observe** every step (read AWS) ->
//! **plan** every step (pure functions of what was observed, the desired
//! state in `ssosetup.toml`, and what earlier steps will create) ->
//! **pre-flight** (a step that cannot go on stops the run before its first
//! write) -> **show** (text or JSON) -> **confirm** -> **apply**. The run
//! mode (look, dry run, apply) lives in `run` and nowhere else.
//!
//! Layers, lowest first: `model` (domain types, no IO) <- `aws` (the SDK
//! mapped to model types) and `config` (the desired state, validated) and
//! `plan` (what would change, as data) <- `steps` (each step declared once:
//! observe, plan, apply, questions, console steps) <- `run` (the driver)
//! and `wizard` <- `cli` and this file. `ui` prints and asks; `error` says
//! what went wrong and gives the exit code. docs/architecture.md has more.

pub mod cli;
pub use error::exit;
pub use ui::OutputFormat;

mod access;
mod aws;
mod config;
mod error;
mod export;
mod files;
mod import;
mod ini;
mod model;
mod plan;
mod run;
#[cfg(test)]
mod sdk_tests;
mod signin;
mod steps;
mod ui;
mod wizard;

use std::io::{IsTerminal, Write};

use clap::CommandFactory;

use crate::aws::{Aws, AwsSettings};
use crate::cli::{Cli, Command};
use crate::config::{is_region, LoadedConfig};
use crate::error::UserError;
use crate::run::{Mode, Session};
use crate::steps::{Cx, StepId};
use crate::ui::Printer;

/// Runs the command line and returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    init_tracing(cli.global.verbose, cli.global.quiet);
    let printer = Printer::new(cli.global.quiet);
    let outcome = match &cli.command {
        // The command's own exit code, passed on; until the command runs,
        // Ctrl-C ends ssosetup as it ends any program, and then it is the
        // command's to answer (`signin::exec`).
        Command::Exec { command } => match profile_or_pick(&cli.global, "exec").await {
            Ok(profile) => signin::exec(profile.as_deref(), command).await,
            Err(e) => Err(e),
        },
        _ => {
            exit_on_ctrl_c(printer.clone());
            run_command(cli, &printer).await.map(|()| exit::OK)
        }
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            let code = error::exit_code(&e);
            if code == exit::INTERRUPTED {
                printer.notice(INTERRUPTED);
            } else {
                printer.error(&error::render(&e));
            }
            code
        }
    }
}

async fn run_command(cli: Cli, printer: &Printer) -> anyhow::Result<()> {
    let steps: Vec<StepId> = match &cli.command {
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(*shell, &mut Cli::command(), "ssosetup", &mut out);
            return Ok(out.flush()?);
        }
        Command::Man => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            return Ok(out.flush()?);
        }
        Command::Login {
            sso_session,
            use_device_code,
            no_browser,
        } => {
            let flow = if *use_device_code || *no_browser {
                signin::Flow::DeviceCode
            } else {
                signin::Flow::Browser
            };
            let session = session_of(&cli.global, sso_session.as_deref(), "login")?;
            return signin::login(&session, flow, printer).await;
        }
        Command::Logout { sso_session } => {
            let session = session_of(&cli.global, sso_session.as_deref(), "logout")?;
            return signin::logout(&session, printer).await;
        }
        Command::Console {
            destination,
            no_browser,
        } => {
            let Some(profile) = profile_or_pick(&cli.global, "console").await? else {
                return Err(UserError::new("console needs --profile NAME (an SSO profile)")
                    .hint("ssosetup console --profile dev (at a terminal, leave it out to pick one)")
                    .into());
            };
            return signin::console::console(
                &profile,
                destination.as_deref(),
                *no_browser,
                printer,
            )
            .await;
        }
        Command::Credentials => return signin::credentials(cli.global.profile.as_deref()).await,
        Command::Exec { .. } => unreachable!("exec is run before"),
        Command::Init { .. } => steps::STEPS.iter().map(|s| s.id()).collect(),
        Command::Step(c) => vec![c.step],
        Command::Status
        | Command::Access { .. }
        | Command::Export { .. }
        | Command::Import { .. }
        | Command::Offboard { .. } => Vec::new(),
    };
    let global = &cli.global;

    // Everything the user gave is checked before the first AWS call.
    let mut config = if matches!(cli.command, Command::Import { .. }) {
        LoadedConfig::load_or_new(global.config.as_deref())?
    } else {
        LoadedConfig::load(global.config.as_deref())?
    };
    config.region_flag = global.region.is_some();
    config.prune = match &cli.command {
        Command::Init { prune } => *prune,
        Command::Step(c) => c.prune,
        _ => false,
    };
    let restore = match &cli.command {
        Command::Step(c) => c.restore.clone(),
        _ => None,
    };
    if let Some(file) = &restore {
        steps::iam_users::load_backup(file)?;
    }
    check_args(&cli, &config, printer)?;

    let mut prompt = ui::prompt::for_run(global.yes);
    let aws = connect(global, &config, &mut *prompt).await?;
    let mut session = Session {
        cx: Cx {
            aws,
            config,
            out: printer.clone(),
        },
        prompt,
        output: global.output,
    };
    let mode = if global.dry_run {
        Mode::DryRun
    } else {
        Mode::Apply
    };
    match cli.command {
        Command::Status => run::status::status(&session).await,
        Command::Export {
            tool,
            dir,
            all,
            force,
        } => {
            let tool = match tool {
                cli::ExportTool::Terraform => config::IacTool::Terraform,
                cli::ExportTool::Cloudformation => config::IacTool::Cloudformation,
            };
            export::export(&mut session, tool, dir, all, force).await
        }
        Command::Access {
            user,
            account,
            permission_set,
        } => {
            access::access(
                &session,
                access::Filter {
                    user,
                    account,
                    permission_set,
                },
            )
            .await
        }
        Command::Import { force } => import::import(&mut session, force, global.dry_run).await,
        Command::Offboard {
            user_name,
            iam_user,
        } => run::offboard(&mut session, &user_name, iam_user.as_deref(), mode).await,
        _ if restore.is_some() => {
            let file = restore.expect("checked");
            run::restore(&mut session, &file, mode).await
        }
        // At a terminal, `init` is the wizard; with --yes or --dry-run it
        // runs the config through the same steps without questions.
        Command::Init { .. } if mode == Mode::Apply && session.prompt.interactive() => {
            wizard::run(&mut session).await
        }
        // `init --yes` with no config file at all: nothing anyone wrote or
        // answered says to create an organization or anything else. It
        // looks, shows what the defaults would do, and changes nothing.
        Command::Init { .. } if mode == Mode::Apply && !session.cx.config.from_file => {
            run::run(&mut session, &steps, Mode::DryRun).await?;
            Err(UserError::new(format!(
                "init --yes applies a config file, and there is none at {}; nothing was changed",
                session.cx.config.path.display()
            ))
            .hint("pass the file with --config FILE, or run `ssosetup init` at a terminal to answer the questions (they are saved as the file)")
            .into())
        }
        _ => run::run(&mut session, &steps, mode).await,
    }
}

/// The SSO session `login` or `logout` works on: `--sso-session`, else
/// `--profile`'s, else `[cli] session_name`, else the AWS config's only
/// one, else the person picks.
fn session_of(
    global: &cli::GlobalArgs,
    sso_session: Option<&str>,
    command: &str,
) -> anyhow::Result<signin::profile::SsoSession> {
    if sso_session.is_some() && global.profile.is_some() {
        return Err(UserError::new(format!(
            "{command} takes --sso-session or --profile, not both"
        ))
        .hint("--profile NAME means that profile's sso-session")
        .into());
    }
    let config = LoadedConfig::load_or_new(global.config.as_deref())?;
    let configured = config.config.cli.as_ref().map(|c| c.session_name.clone());
    let mut prompt = ui::prompt::for_run(global.yes);
    signin::choose_session(
        sso_session,
        global.profile.as_deref(),
        configured.as_deref(),
        &mut *prompt,
    )
}

/// `--profile`, or at a terminal without it, the profile the person picks.
async fn profile_or_pick(
    global: &cli::GlobalArgs,
    command: &str,
) -> anyhow::Result<Option<String>> {
    if global.profile.is_some() {
        return Ok(global.profile.clone());
    }
    let mut prompt = ui::prompt::for_run(global.yes);
    if !prompt.interactive() {
        return Ok(None);
    }
    signin::pick_profile(&mut *prompt, command).await.map(Some)
}

/// The flags that the parser cannot check, and a word about the config.
fn check_args(cli: &Cli, config: &LoadedConfig, printer: &Printer) -> anyhow::Result<()> {
    let global = &cli.global;
    if let Some(region) = &global.region {
        if !is_region(region) {
            return Err(UserError::new(format!(
                "--region {} is not an AWS region name",
                error::excerpt(region)
            ))
            .hint("pass a region such as us-east-1 or ap-southeast-1")
            .into());
        }
        if let Some(file_region) = config.config.region.as_ref().filter(|r| *r != region) {
            printer.warn(&format!(
                "--region {region} overrides region = \"{file_region}\" from {}",
                config.path.display()
            ));
        }
    }
    for warning in config::warnings(&config.config) {
        printer.warn(&warning);
    }
    if global.output == OutputFormat::Csv && !matches!(cli.command, Command::Access { .. }) {
        return Err(UserError::new("--output csv is only for `ssosetup access`")
            .hint("use --output text or --output json")
            .into());
    }
    if let Some(owner) = config.config.iac_owner() {
        let what = match &cli.command {
            Command::Offboard { .. } => Some("offboard"),
            _ if config.prune => Some("--prune"),
            _ => None,
        };
        if let Some(what) = what {
            return Err(UserError::new(format!(
                "{what} would change the permission sets, groups, assignments and users, which {} owns ([iac] owner in {})",
                owner.name(),
                config.path.display()
            ))
            .hint(format!(
                "remove them in {}'s code and apply it there",
                owner.name()
            ))
            .into());
        }
    }
    if !config.from_file
        && !matches!(
            cli.command,
            Command::Status
                | Command::Access { .. }
                | Command::Export { .. }
                | Command::Import { .. }
        )
    {
        printer.say(&format!(
            "No config file at {}: using the defaults.",
            config.path.display()
        ));
    }

    Ok(())
}

/// The AWS clients for the flags and the config. When nothing names a
/// region, a person is asked; a script is told how.
async fn connect(
    global: &cli::GlobalArgs,
    config: &LoadedConfig,
    prompt: &mut dyn ui::Prompter,
) -> anyhow::Result<Aws> {
    if let Some(name) = aws::profile::named(global.profile.as_deref()) {
        signin::check_profile(&name)?;
    }
    let mut settings = AwsSettings {
        profile: global.profile.clone(),
        region: global
            .region
            .clone()
            .or_else(|| config.config.region.clone()),
        endpoint_url: global.endpoint_url.clone(),
    };
    if let Some(aws) = Aws::connect(&settings)
        .await
        .map_err(error::connect_error)?
    {
        return Ok(aws);
    }
    if !prompt.interactive() {
        return Err(UserError::new("no AWS region is set")
            .hint("pass --region REGION (the Identity Center home region), set `region = \"...\"` in the config file, or set AWS_REGION")
            .into());
    }
    settings.region = Some(prompt.input(
        "Identity Center home region (it cannot be moved later)",
        Some("us-east-1"),
        &|answer| {
            if is_region(answer) {
                Ok(())
            } else {
                Err("a region name such as us-east-1 or eu-west-1".to_string())
            }
        },
    )?);
    Ok(Aws::connect(&settings)
        .await
        .map_err(error::connect_error)?
        .expect("the region was just set"))
}

/// What Ctrl-C says, whichever way it arrives.
const INTERRUPTED: &str =
    "\ninterrupted: answers given so far are saved; run the command again to continue";

/// Ctrl-C, at a prompt (the terminal library raises SIGINT) or during AWS
/// calls: show the cursor again, say what state things are in, exit 130.
/// Every answer is saved as it is given and every action is idempotent, so
/// running the command again finishes the work.
fn exit_on_ctrl_c(printer: Printer) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = console::Term::stderr().show_cursor();
            printer.notice(INTERRUPTED);
            std::process::exit(exit::INTERRUPTED.into());
        }
    });
}

/// Diagnostics on stderr: ssosetup's own warnings by default, more with -v
/// (-vvv adds the AWS SDK's own debug output), none with -q.
/// `SSOSETUP_LOG` (a tracing filter such as `ssosetup=debug,aws_config=debug`)
/// overrides the level, but never past what is safe: below debug the SDK
/// logs every request whole, with its bearer token or session token, so
/// nothing but ssosetup's own events (which never hold a secret) is shown
/// at trace, whatever the filter says.
fn init_tracing(verbose: u8, quiet: bool) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) => "ssosetup=warn",
        (_, 1) => "ssosetup=info",
        (_, 2) => "ssosetup=debug",
        _ => "debug",
    };
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let filter = tracing_subscriber::EnvFilter::try_from_env("SSOSETUP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let no_secrets = tracing_subscriber::filter::filter_fn(|meta| {
        meta.target().starts_with("ssosetup") || *meta.level() <= tracing::Level::DEBUG
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(color)
        .without_time()
        .with_filter(filter)
        .with_filter(no_secrets);
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

#[cfg(test)]
mod layering {
    //! The layers of docs/architecture.md, held by a test: each module
    //! names only the modules below it, and every module has a place.

    use std::collections::BTreeSet;
    use std::path::Path;

    /// Lowest first: a module and what it may name (docs/architecture.md's
    /// table says the same).
    const LAYERS: &[(&str, &[&str])] = &[
        ("model", &[]),
        ("aws", &["model"]),
        ("error", &["model", "aws"]),
        ("ini", &["model", "error"]),
        ("files", &["model", "error"]),
        ("config", &["model", "error", "files"]),
        ("plan", &["model", "error", "ini"]),
        ("ui", &["model", "error", "plan"]),
        (
            "steps",
            &[
                "model", "aws", "error", "ini", "files", "config", "plan", "ui",
            ],
        ),
        (
            "signin",
            &["model", "aws", "error", "ini", "files", "config", "ui"],
        ),
        (
            "run",
            &[
                "model", "aws", "error", "ini", "files", "config", "plan", "ui", "steps", "signin",
            ],
        ),
        (
            "import",
            &[
                "model", "aws", "error", "ini", "files", "config", "plan", "ui", "steps", "run",
            ],
        ),
        // `ssosetup export`: the instance as IaC, from import's reads.
        (
            "export",
            &[
                "model", "aws", "error", "ini", "files", "config", "plan", "ui", "steps", "signin",
                "run", "import",
            ],
        ),
        // `ssosetup access`: a read-only report over the whole instance.
        (
            "access",
            &[
                "model", "aws", "error", "ini", "files", "config", "plan", "ui", "steps", "signin",
                "run",
            ],
        ),
        (
            "wizard",
            &[
                "model", "aws", "error", "ini", "files", "config", "plan", "ui", "steps", "run",
                "import",
            ],
        ),
        // The command line: clap types, from the step table.
        ("cli", &["steps", "ui"]),
    ];

    /// Modules outside the layers: the tests of the SDK layer (they drive
    /// everything), and lib.rs and main.rs at the top.
    const OUTSIDE: &[&str] = &["sdk_tests", "lib", "main"];

    fn sources(path: &Path) -> Vec<(String, String)> {
        if path.is_file() {
            return vec![(
                path.display().to_string(),
                std::fs::read_to_string(path).unwrap(),
            )];
        }
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() || path.extension().is_some_and(|e| e == "rs") {
                out.extend(sources(&path));
            }
        }
        out
    }

    fn names(text: &str, module: &str) -> bool {
        let needle = format!("crate::{module}");
        text.match_indices(&needle).any(|(i, _)| {
            !text[i + needle.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        })
    }

    #[test]
    fn every_module_names_only_the_layers_below_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let all: Vec<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
        let mut wrong = Vec::new();
        for (module, allowed) in LAYERS {
            let dir = src.join(module);
            let path = if dir.is_dir() {
                dir
            } else {
                src.join(format!("{module}.rs"))
            };
            for (file, text) in sources(&path) {
                for other in all.iter().filter(|o| *o != module && !allowed.contains(o)) {
                    if names(&text, other) {
                        wrong.push(format!("{file} names crate::{other}"));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn every_module_has_its_place_in_the_layers() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let known: BTreeSet<&str> = LAYERS
            .iter()
            .map(|(m, _)| *m)
            .chain(OUTSIDE.iter().copied())
            .collect();
        let mut found = BTreeSet::new();
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() || path.extension().is_some_and(|e| e == "rs") {
                found.insert(stem);
            }
        }
        let missing: Vec<&String> = found
            .iter()
            .filter(|m| !known.contains(m.as_str()))
            .collect();
        assert!(missing.is_empty(), "modules with no layer: {missing:?}");
        let architecture = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"),
        )
        .unwrap();
        for (module, may_name) in LAYERS {
            let row = architecture.lines().find(|l| {
                l.starts_with(&format!("| `src/{module}/`"))
                    || l.starts_with(&format!("| `src/{module}.rs`"))
            });
            let Some(row) = row else {
                panic!("docs/architecture.md's table has no row for {module}");
            };
            // Its "may name" column, where it lists the modules, is LAYERS'.
            let last = row.trim_end_matches('|').rsplit(" | ").next().unwrap_or("");
            let listed: Vec<&str> = last
                .split(", ")
                .filter_map(|n| n.trim().strip_prefix('`')?.strip_suffix('`'))
                .collect();
            if last.trim().starts_with('`') || last.trim() == "nothing" {
                let mut want: Vec<&str> = may_name.to_vec();
                let mut got = listed.clone();
                want.sort_unstable();
                got.sort_unstable();
                assert_eq!(
                    got, want,
                    "docs/architecture.md's row for {module} names other modules than LAYERS"
                );
            }
        }
    }
}
