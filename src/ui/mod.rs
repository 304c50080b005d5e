//! Everything a person sees: the printer (stdout = data, stderr = people)
//! and the prompts behind the [`prompt::Prompter`] trait.

pub(crate) mod printer;
pub(crate) mod progress;
pub(crate) mod prompt;
pub(crate) mod render;

pub(crate) use printer::Printer;
pub(crate) use prompt::Prompter;

/// How the plan and status are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    /// Only `access`: its rows as CSV.
    Csv,
}

#[cfg(test)]
mod snapshots_of;
