//! The command line: clap types only. Behaviour lives in `lib.rs` and `steps/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::steps::{self, StepId};
pub use crate::ui::OutputFormat;

/// What `--help` says about exit codes (the README says the same).
const EXIT_CODES: &str = "Exit codes: 0 done (or nothing to do); 1 a user-facing failure: bad input (a flag, the config file), declined, refused by AWS, a console step not done yet under --yes; 2 an unexpected error; 130 interrupted (Ctrl-C).";

/// `ssosetup --version`: the version and the commit it was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SSOSETUP_COMMIT"),
    ")"
);

/// Move an AWS account off long-lived credentials to IAM Identity Center.
///
/// Every step observes the account, shows a plan, asks, then applies. Each
/// step can be re-run on its own at any time; `--dry-run` previews every
/// change and makes none.
#[derive(Debug, Parser)]
#[command(
    name = "ssosetup",
    version = VERSION,
    propagate_version = true,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Desired state file (TOML) [default: ./ssosetup.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Show the plan and change nothing
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// No prompts: take the config as the answer; never deletes anything the config does not name
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,

    /// Plan and status as human text or JSON on stdout (csv: `access` only)
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// AWS profile to use (default: the standard AWS_PROFILE / default profile)
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// The Identity Center home region (default: `region` in the config, then the profile's)
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Send every AWS call to URL (local stand-ins); AWS_ENDPOINT_URL works too
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// More output (-v: info, -vv: debug, -vvv: also the AWS SDK's debug output)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Less output: only warnings, errors and the plan
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every step in order (the wizard)
    Init {
        /// Also remove what ssosetup manages and the config no longer names
        /// (never implied by --yes)
        #[arg(long)]
        prune: bool,
    },
    /// One step (the steps come from the step table, in the guide's order)
    #[command(flatten)]
    Step(StepCommand),
    /// Write the config from what exists (for accounts set up partly by hand)
    ///
    /// Reads the live Identity Center: every permission set with its fields
    /// and policies (an inline policy into policies/<set>.json beside the
    /// config), every group's assignments, every user and their groups.
    /// Replaying the file (`init --dry-run`) plans no change. What the config
    /// cannot express is listed and left alone.
    Import {
        /// Replace an existing config file (backed up first)
        #[arg(long)]
        force: bool,
    },
    /// Remove a person: group memberships, direct assignments, the
    /// Identity Center user, and their entry in the config
    ///
    /// Shows the plan first; refused when it would leave nobody to
    /// administer the account. With --iam-user, an IAM user of theirs is
    /// backed up and deleted through iam-users-cleanup.
    Offboard {
        /// The Identity Center user name
        user_name: String,
        /// Also delete this IAM user of theirs (backed up first)
        #[arg(long, value_name = "NAME")]
        iam_user: Option<String>,
    },
    /// Sign in to Identity Center; the token is cached where the AWS CLI v2
    /// and the SDKs look for it
    ///
    /// Signs in to --sso-session NAME, or to the session of --profile NAME,
    /// or to [cli] session_name from the config, or to the only
    /// [sso-session] in the AWS CLI config. By default as the AWS CLI v2
    /// does: the browser opens the sign-in page and comes back to ssosetup
    /// on a loopback port (authorization code with PKCE). With
    /// --use-device-code (or --no-browser), nothing is opened here: it
    /// prints a page and a code to confirm on any device.
    Login {
        /// The [sso-session NAME] of the AWS CLI config to sign in to
        #[arg(long, value_name = "NAME")]
        sso_session: Option<String>,
        /// Sign in with a page and a code confirmed on any device (for a
        /// machine without a browser, or over SSH)
        #[arg(long)]
        use_device_code: bool,
        /// Open nothing on this machine: the device code sign-in
        #[arg(long)]
        no_browser: bool,
    },
    /// Sign out of an SSO session: the portal ends it, and its cached token
    /// is removed (the client registration is kept)
    Logout {
        /// The [sso-session NAME] to sign out of (else as login chooses)
        #[arg(long, value_name = "NAME")]
        sso_session: Option<String>,
    },
    /// Open the AWS console as an SSO profile's role (--profile NAME, or
    /// pick one at a terminal)
    ///
    /// The role's credentials are exchanged at the console sign-in
    /// endpoint for a sign-in URL, opened in the browser. The endpoint can
    /// be replaced with SSOSETUP_FEDERATION_ENDPOINT (a test stand-in).
    Console {
        /// The console page to open (default: the console's home, in the
        /// profile's region)
        #[arg(long, value_name = "URL")]
        destination: Option<String>,
        /// Print the sign-in URL instead of opening it (it signs in whoever
        /// opens it, within 15 minutes)
        #[arg(long)]
        no_browser: bool,
    },
    /// Print credential_process JSON for an SSO profile (--profile NAME)
    ///
    /// For tools that cannot read an SSO profile:
    /// `credential_process = ssosetup credentials --profile NAME`. Uses the
    /// cached sign-in (refreshed when it is about to expire); not signed in,
    /// it exits 1 and says to run `ssosetup login`.
    Credentials,
    /// Run a command with an SSO profile's role credentials (--profile NAME,
    /// or pick one at a terminal)
    ///
    /// Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and,
    /// when the profile has a region, AWS_REGION and AWS_DEFAULT_REGION;
    /// exits with the command's exit code.
    Exec {
        /// The command and its arguments, after --
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "COMMAND"
        )]
        command: Vec<String>,
    },
    /// Write the live Identity Center as Terraform or CloudFormation, with
    /// the imports that adopt it (read-only in AWS)
    ///
    /// Terraform: resources and import blocks (Terraform 1.5+, hashicorp/aws
    /// 6.x), every attribute as AWS has it, so the first plan changes
    /// nothing. CloudFormation: templates of at most 200 resources, each
    /// with its resources-to-import.json and the change-set commands. What
    /// the config manages, or everything not AWS-owned with --all. A
    /// README.md in the directory says what to run.
    Export {
        /// terraform or cloudformation
        #[arg(value_enum)]
        tool: ExportTool,
        /// Where to write [default: ./ssosetup-iac]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Everything in the instance that is not AWS-owned, not only what the config manages
        #[arg(long)]
        all: bool,
        /// Write into a directory that is not empty
        #[arg(long)]
        force: bool,
    },
    /// Show where each step stands (read-only)
    Status,
    /// Who can reach what: one row per user, account and permission set,
    /// through which group (read-only)
    ///
    /// Resolved through groups; AWS-owned permission sets are included and
    /// marked. Ends with everyone who holds administrator access to the
    /// management account, the groups with no members and the users with no
    /// access. --output text (a table), json (docs/access.schema.json) or csv.
    Access {
        /// Only this Identity Center user
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        /// Only this account (its id or name)
        #[arg(long, value_name = "ID|NAME")]
        account: Option<String>,
        /// Only this permission set
        #[arg(long, value_name = "NAME")]
        permission_set: Option<String>,
    },
    /// Print a shell completion script to stdout
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout
    Man,
}

/// The tools `export` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportTool {
    Terraform,
    Cloudformation,
}

/// A step's subcommand, as the step declares it (`crate::steps::STEPS`),
/// with the flags only some steps have.
#[derive(Debug, Clone)]
pub struct StepCommand {
    pub(crate) step: StepId,
    /// `iam-users-cleanup --restore FILE`.
    pub restore: Option<PathBuf>,
    /// `--prune` on the steps that have it.
    pub prune: bool,
}

impl clap::FromArgMatches for StepCommand {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let (name, sub) = matches
            .subcommand()
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::MissingSubcommand))?;
        let step = steps::by_name(name)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))?;
        let restore = sub
            .try_get_one::<PathBuf>("restore")
            .ok()
            .flatten()
            .cloned();
        let prune = sub
            .try_get_one::<bool>("prune")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false);
        Ok(Self {
            step: step.id(),
            restore,
            prune,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Subcommand for StepCommand {
    fn augment_subcommands(mut cmd: clap::Command) -> clap::Command {
        for step in steps::STEPS {
            cmd = cmd.subcommand(step.command());
        }
        cmd
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        steps::by_name(name).is_some()
    }
}
