//! The command line: clap types only. Behaviour lives in `lib.rs` and `steps/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// What `--help` says about exit codes (the README says the same).
const EXIT_CODES: &str = "Exit codes: 0 done (or nothing to do); 1 a user-facing failure: bad input (a flag, the config file), declined, refused by AWS, a console step not done yet under --yes; 2 an unexpected error; 130 interrupted (Ctrl-C).";

/// Move an AWS account off long-lived credentials to IAM Identity Center.
///
/// Every step observes the account, shows a plan, asks, then applies. Each
/// step can be re-run on its own at any time; `--dry-run` previews every
/// change and makes none.
#[derive(Debug, Parser)]
#[command(
    name = "ssosetup",
    version,
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

    /// Plan and status as human text or JSON on stdout
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

    /// More output (-v: info, -vv: debug, -vvv: trace of AWS calls)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Less output: only warnings, errors and the plan
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every step in order (the wizard)
    Init,
    /// Ensure an AWS Organization with all features, managed from this account
    Organization,
    /// Ensure an organization instance of IAM Identity Center is ACTIVE in the home region
    IdentityCenter,
    /// Console-only: "Send email OTP" and MFA settings (a checklist you confirm)
    Authentication,
    /// Ensure the configured permission sets exist exactly as configured
    PermissionSets,
    /// Ensure the group of every assignment exists (<PermissionSet>-<AccountId> by default)
    Groups,
    /// Ensure each group holds its permission set on its accounts, exactly once
    Assignments,
    /// Ensure the configured users exist and are in their groups
    Users,
    /// Write `aws configure sso` profiles for every account and permission set the [cli] user reaches
    CliProfiles,
    /// Root user: audit its credentials, guide deleting its access keys, and
    /// (opt-in) remove member accounts' root credentials centrally
    RootCleanup,
    /// Inventory IAM users; back up and delete those [cleanup] iam_users names
    ///
    /// Each user is written to a backup file in [cleanup] backup_dir
    /// (default: ssosetup-backups next to the config) before anything of it
    /// is removed. Nothing is deleted while no Identity Center user holds
    /// AdministratorAccess on the management account.
    IamUsersCleanup {
        /// Recreate a deleted user from its backup file (iam-user-NAME-TIME.json) instead
        #[arg(long, value_name = "FILE")]
        restore: Option<PathBuf>,
    },
    /// Show where each step stands (read-only)
    Status,
    /// Print a shell completion script to stdout
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout
    Man,
}
