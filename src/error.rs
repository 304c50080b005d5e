//! Errors people read: `error:` / `caused by:` / `hint:`, and exit codes.
//!
//! Two kinds are user-facing (exit 1): [`UserError`], raised by our own checks
//! (bad config, declined, a console step not done yet), and [`AwsError`], an
//! AWS call that was refused, which knows the IAM action it needed. Anything
//! else that reaches `main` is unexpected (exit 2).

use std::fmt;

use crate::aws::AwsError;

/// The process exit codes of the interface contract.
pub mod exit {
    pub const OK: u8 = 0;
    pub const USER: u8 = 1;
    pub const UNEXPECTED: u8 = 2;
    /// Interrupted by Ctrl-C, as shells report SIGINT.
    pub const INTERRUPTED: u8 = 130;
}

/// A failure the user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    pub message: String,
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    pub fn caused_by(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

impl From<crate::aws::profile::NoHome> for UserError {
    fn from(_: crate::aws::profile::NoHome) -> Self {
        UserError::new("cannot find the AWS CLI config file: HOME is not set")
            .hint("set AWS_CONFIG_FILE to the file to use")
    }
}

/// The user pressed Ctrl-C at a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// The longest line an error prints; a longer one (a cause quoting input)
/// is cut, so bad input never floods the terminal.
const MAX_LINE_CHARS: usize = 400;

pub(crate) use crate::model::excerpt;

/// Cuts a line to [`MAX_LINE_CHARS`] and escapes control characters in it.
fn bounded(line: String) -> String {
    let clean: String = line
        .chars()
        .flat_map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    let n = clean.chars().count();
    if n <= MAX_LINE_CHARS {
        clean
    } else {
        let head: String = clean.chars().take(MAX_LINE_CHARS).collect();
        format!("{head}... ({} more characters)", n - MAX_LINE_CHARS)
    }
}

/// The lines printed for an error, without colour, in order.
pub(crate) fn render(error: &anyhow::Error) -> Vec<String> {
    render_unbounded(error).into_iter().map(bounded).collect()
}

fn render_unbounded(error: &anyhow::Error) -> Vec<String> {
    let mut lines = vec![format!("error: {error}")];
    let mut hint = None;
    for (depth, cause) in error.chain().enumerate() {
        if let Some(user) = cause.downcast_ref::<UserError>() {
            lines.extend(user.causes.iter().map(|c| format!("caused by: {c}")));
            hint = hint.or_else(|| user.hint.clone());
        } else if let Some(aws) = cause.downcast_ref::<AwsError>() {
            hint = hint.or_else(|| aws.hint());
        }
        if depth > 0 {
            lines.push(format!("caused by: {cause}"));
        }
    }
    if let Some(h) = hint {
        lines.push(format!("hint: {h}"));
    }
    lines
}

/// The error and its causes on one line (no hint), for lists of failures.
pub(crate) fn one_line(error: &anyhow::Error) -> String {
    render(error)
        .into_iter()
        .filter_map(|l| {
            l.strip_prefix("error: ")
                .or_else(|| l.strip_prefix("caused by: "))
                .map(str::to_string)
        })
        .collect::<Vec<_>>()
        .join(": ")
}

pub(crate) fn exit_code(error: &anyhow::Error) -> u8 {
    if error.chain().any(|c| c.is::<Interrupted>()) {
        exit::INTERRUPTED
    } else if error
        .chain()
        .any(|c| c.is::<UserError>() || c.is::<AwsError>())
    {
        exit::USER
    } else {
        exit::UNEXPECTED
    }
}

/// Says why no AWS configuration could be built, naming what to change.
pub(crate) fn connect_error(e: crate::aws::ConnectError) -> UserError {
    match e {
        crate::aws::ConnectError::UnknownProfile(p) => {
            let files: Vec<String> = p.files.iter().map(|f| f.display().to_string()).collect();
            let mut error = UserError::new(format!(
                "the AWS profile {} could not be found",
                excerpt(&p.name)
            ))
            .caused_by(format!("looked in {}", files.join(" and ")));
            if let Some(why) = p.unreadable {
                error = error.caused_by(format!("the files could not be read: {}", excerpt(&why)));
            }
            let hint = if p.known.is_empty() {
                "create it with `aws configure --profile NAME` or `aws configure sso`, or leave --profile (and AWS_PROFILE) out".to_string()
            } else {
                format!(
                    "use one of the profiles that exist: {} (`aws configure list-profiles` lists them)",
                    p.known.join(", ")
                )
            };
            error.hint(hint)
        }
        crate::aws::ConnectError::BadEndpoint { source, value, why } => UserError::new(format!(
            "{source} {} is not an endpoint URL: {why}",
            excerpt(&value)
        ))
        .hint(format!(
            "give {source} an http(s) URL with a host, such as http://127.0.0.1:5000 (a local stand-in), or leave it out to use AWS"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn user_errors_render_causes_then_the_hint_and_exit_1() {
        let e: anyhow::Error = UserError::new("bad config")
            .caused_by("region = \"x\": a region")
            .hint("fix it")
            .into();
        assert_eq!(
            render(&e),
            vec![
                "error: bad config",
                "caused by: region = \"x\": a region",
                "hint: fix it"
            ]
        );
        assert_eq!(exit_code(&e), exit::USER);
    }

    #[test]
    fn context_is_shown_above_the_cause() {
        let e = Err::<(), _>(UserError::new("inner").hint("h"))
            .context("outer")
            .unwrap_err();
        assert_eq!(
            render(&e),
            vec!["error: outer", "caused by: inner", "hint: h"]
        );
        assert_eq!(exit_code(&e), exit::USER);
    }

    #[test]
    fn one_line_keeps_every_cause_but_not_the_hint() {
        let e: anyhow::Error = UserError::new("provisioning FAILED")
            .caused_by("policy X does not exist")
            .hint("create it")
            .into();
        assert_eq!(one_line(&e), "provisioning FAILED: policy X does not exist");
    }

    #[test]
    fn long_values_are_cut_and_control_characters_escaped() {
        assert_eq!(excerpt("ok"), "\"ok\"");
        let long = "x".repeat(5_000);
        let shown = excerpt(&long);
        assert!(
            shown.len() < 100 && shown.ends_with("(5000 characters)"),
            "{shown}"
        );
        let e: anyhow::Error = UserError::new(format!("bad {}", "y".repeat(10_000)))
            .caused_by("line\nbreak")
            .into();
        let lines = render(&e);
        assert!(lines[0].chars().count() < 450, "{}", lines[0].len());
        assert_eq!(lines[1], "caused by: line\\nbreak");
    }

    #[test]
    fn anything_else_is_unexpected() {
        let e = anyhow::anyhow!("boom");
        assert_eq!(exit_code(&e), exit::UNEXPECTED);
        assert_eq!(
            exit_code(&anyhow::Error::new(Interrupted)),
            exit::INTERRUPTED
        );
    }
}
