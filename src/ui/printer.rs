//! The one printer. Data (plans, status, JSON) goes to stdout so it can be
//! piped or saved; messages, warnings and prompts go to stderr. Colour only
//! on a terminal and never with NO_COLOR.

// The one place that prints (Cargo.toml denies it everywhere else).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};

use console::Style;

#[derive(Debug, Clone)]
pub(crate) struct Printer {
    quiet: bool,
    /// Colour on stdout / stderr.
    color_out: bool,
    color_err: bool,
}

impl Printer {
    pub(crate) fn new(quiet: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color_out = !no_color && std::io::stdout().is_terminal();
        let color_err = !no_color && std::io::stderr().is_terminal();
        // dialoguer and indicatif draw through `console`: keep them in step.
        console::set_colors_enabled(color_out);
        console::set_colors_enabled_stderr(color_err);
        Self {
            quiet,
            color_out,
            color_err,
        }
    }

    /// Whether progress bars may be drawn (stderr is a terminal, not -q).
    pub(crate) fn shows_progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// A row of a table on stdout: cut to the terminal's width when stdout
    /// is one (a person reads it; the whole text is in `--output json`).
    pub(crate) fn row(&self, line: &str) {
        let width = std::io::stdout()
            .is_terminal()
            .then(|| console::Term::stdout().size_checked())
            .flatten()
            .map(|(_, cols)| usize::from(cols));
        match width {
            Some(w) if w > 20 => self.data(&console::truncate_str(line, w - 1, "…")),
            _ => self.data(line),
        }
    }

    /// A row of a table for people on stderr, cut to the terminal's width.
    pub(crate) fn say_row(&self, line: &str) {
        let width = console::Term::stderr()
            .size_checked()
            .map(|(_, cols)| usize::from(cols));
        match width {
            Some(w) if w > 20 => self.say(&console::truncate_str(line, w - 1, "…")),
            _ => self.say(line),
        }
    }

    /// A line of data on stdout.
    pub(crate) fn data(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`ssosetup status | head -1`) is not an error worth a panic.
        let _ = writeln!(out, "{line}");
    }

    /// A message for people on stderr (hidden with -q).
    pub(crate) fn say(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }

    /// A message for people on stderr that -q does not hide (what state an
    /// interrupted run left things in).
    pub(crate) fn notice(&self, line: &str) {
        eprintln!("{line}");
    }

    /// A key hint under a question (dim), on stderr.
    pub(crate) fn key_hint(line: &str) {
        eprintln!("{}", console::style(line).dim());
    }

    /// A heading for people on stderr (hidden with -q).
    pub(crate) fn heading(&self, line: &str) {
        self.say(&self.err_style(Style::new().bold(), line));
    }

    pub(crate) fn warn(&self, line: &str) {
        eprintln!(
            "{} {line}",
            self.err_style(Style::new().yellow().bold(), "warning:")
        );
    }

    /// A warning that must not be missed: boxed in a banner.
    pub(crate) fn loud_warning(&self, lines: &[String]) {
        let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4;
        let bar = "!".repeat(width);
        let style = Style::new().red().bold();
        eprintln!("{}", self.err_style(style.clone(), &bar));
        for l in lines {
            eprintln!(
                "{}",
                self.err_style(style.clone(), &format!("! {l:<w$} !", w = width - 4))
            );
        }
        eprintln!("{}", self.err_style(style, &bar));
    }

    pub(crate) fn error(&self, lines: &[String]) {
        for line in lines {
            let styled = match line.split_once(": ") {
                Some((label @ ("error" | "hint" | "caused by"), rest)) => {
                    let style = match label {
                        "error" => Style::new().red().bold(),
                        "hint" => Style::new().cyan().bold(),
                        _ => Style::new().bold(),
                    };
                    format!("{} {rest}", self.err_style(style, &format!("{label}:")))
                }
                _ => line.clone(),
            };
            eprintln!("{styled}");
        }
    }

    /// Styles text that goes to stdout.
    pub(crate) fn out_style(&self, style: Style, text: &str) -> String {
        if self.color_out {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn err_style(&self, style: Style, text: &str) -> String {
        if self.color_err {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }
}
