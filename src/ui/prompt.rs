//! Questions to the person running ssosetup, behind one trait.
//!
//! The only file that calls dialoguer. Three implementations:
//! - [`TerminalPrompter`]: a person at a terminal;
//! - [`AutoYes`] (`--yes`): the config is the answer; it confirms plans but
//!   can never supply an answer the config does not hold, and never
//!   discards anything the config does not name;
//! - [`NoTerminal`]: neither a terminal nor `--yes`: every question fails
//!   with a hint instead of hanging or guessing.
//!
//! Tests use [`Scripted`].

use std::io::IsTerminal;

use anyhow::Result;
use dialoguer::theme::ColorfulTheme;

use crate::error::{Interrupted, UserError};

/// Checks one typed answer; `Err` carries the message shown before asking again.
pub(crate) type Check<'a> = &'a dyn Fn(&str) -> Result<(), String>;

pub(crate) trait Prompter: Send {
    /// Whether a person answers (console steps can wait for them).
    fn interactive(&self) -> bool;

    /// A yes/no question, e.g. "Apply these 3 changes?".
    fn confirm(&mut self, question: &str, default: bool) -> Result<bool>;

    /// A change that discards something the config does not name (an
    /// unmanaged profile overwritten, a stale one removed). `named` is true
    /// when the config names it; only then may a non-interactive run say yes.
    fn confirm_delete(&mut self, question: &str, named: bool) -> Result<bool>;

    /// Waits until the person has done something in the console.
    fn pause(&mut self, message: &str) -> Result<()>;

    /// A line of text, checked as it is typed; asked again until it passes.
    fn input(&mut self, question: &str, default: Option<&str>, check: Check<'_>) -> Result<String>;

    /// One of `items` (arrow keys and Enter).
    fn select(&mut self, question: &str, items: &[String], default: usize) -> Result<usize>;

    /// One of many `items`, filtered as the person types (a long list:
    /// regions, profiles). Without a person: as [`Prompter::select`].
    fn search(&mut self, question: &str, items: &[String], default: usize) -> Result<usize> {
        self.select(question, items, default)
    }

    /// Any of `items` (space toggles, Enter accepts); `chosen` are ticked at first.
    fn multi_select(
        &mut self,
        question: &str,
        items: &[String],
        chosen: &[bool],
    ) -> Result<Vec<usize>>;
}

/// Picks the prompter for this run.
pub(crate) fn for_run(yes: bool) -> Box<dyn Prompter> {
    if yes {
        Box::new(AutoYes)
    } else if std::io::stderr().is_terminal() && std::io::stdin().is_terminal() {
        Box::new(TerminalPrompter::new())
    } else {
        Box::new(NoTerminal)
    }
}

pub(crate) struct TerminalPrompter {
    theme: ColorfulTheme,
}

impl TerminalPrompter {
    fn new() -> Self {
        Self {
            theme: ColorfulTheme::default(),
        }
    }
}

/// Ctrl-C in a dialoguer prompt arrives as an `Interrupted` I/O error; it
/// leaves the cursor hidden, so show it again before we exit with 130.
fn from_dialoguer(e: dialoguer::Error) -> anyhow::Error {
    let dialoguer::Error::IO(io) = e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        let _ = console::Term::stderr().show_cursor();
        anyhow::Error::new(Interrupted)
    } else {
        anyhow::Error::new(io).context("cannot read the answer from the terminal")
    }
}

impl Prompter for TerminalPrompter {
    fn interactive(&self) -> bool {
        true
    }

    fn confirm_delete(&mut self, question: &str, _named: bool) -> Result<bool> {
        // Never the default, even when the config names it.
        self.confirm(question, false)
    }

    fn confirm(&mut self, question: &str, default: bool) -> Result<bool> {
        // y or n, then Enter (Enter alone takes the default): a single key
        // would leave the Enter typed after it to answer the next question.
        dialoguer::Confirm::with_theme(&self.theme)
            .with_prompt(question)
            .default(default)
            .wait_for_newline(true)
            .interact()
            .map_err(from_dialoguer)
    }

    fn pause(&mut self, message: &str) -> Result<()> {
        dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(message)
            .allow_empty(true)
            .report(false)
            .interact_text()
            .map(drop)
            .map_err(from_dialoguer)
    }

    fn input(&mut self, question: &str, default: Option<&str>, check: Check<'_>) -> Result<String> {
        let mut input = dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(question)
            .validate_with(|s: &String| check(s.trim()));
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        input
            .interact_text()
            .map(|s| s.trim().to_string())
            .map_err(from_dialoguer)
    }

    fn select(&mut self, question: &str, items: &[String], default: usize) -> Result<usize> {
        dialoguer::Select::with_theme(&self.theme)
            .with_prompt(question)
            .items(items)
            .default(default)
            .interact()
            .map_err(from_dialoguer)
    }

    fn search(&mut self, question: &str, items: &[String], default: usize) -> Result<usize> {
        super::Printer::key_hint("(type to filter, arrows move, Enter picks)");
        dialoguer::FuzzySelect::with_theme(&self.theme)
            .with_prompt(question)
            .items(items)
            .default(default)
            .max_length(12)
            .interact()
            .map_err(from_dialoguer)
    }

    fn multi_select(
        &mut self,
        question: &str,
        items: &[String],
        chosen: &[bool],
    ) -> Result<Vec<usize>> {
        // The keys on a line of their own: a long prompt wraps, and
        // dialoguer then redraws it twice.
        super::Printer::key_hint("(space ticks, Enter accepts)");
        dialoguer::MultiSelect::with_theme(&self.theme)
            .with_prompt(question)
            .items(items)
            .defaults(chosen)
            .interact()
            .map_err(from_dialoguer)
    }
}

/// `--yes`: the config file is the whole answer.
pub(crate) struct AutoYes;

impl Prompter for AutoYes {
    fn interactive(&self) -> bool {
        false
    }

    fn confirm_delete(&mut self, _question: &str, named: bool) -> Result<bool> {
        Ok(named)
    }

    fn confirm(&mut self, _question: &str, _default: bool) -> Result<bool> {
        Ok(true)
    }

    fn pause(&mut self, message: &str) -> Result<()> {
        Err(
            UserError::new(format!("a console step is not done yet: {message}"))
                .hint("do the console step shown above, then run the command again")
                .into(),
        )
    }

    fn input(&mut self, question: &str, default: Option<&str>, check: Check<'_>) -> Result<String> {
        match default {
            Some(d) if check(d).is_ok() => Ok(d.to_string()),
            _ => Err(
                UserError::new(format!("--yes has no answer for \"{question}\""))
                    .hint("put the answer in the config file, or run without --yes to be asked")
                    .into(),
            ),
        }
    }

    fn select(&mut self, _question: &str, _items: &[String], default: usize) -> Result<usize> {
        Ok(default)
    }

    fn multi_select(
        &mut self,
        _question: &str,
        _items: &[String],
        chosen: &[bool],
    ) -> Result<Vec<usize>> {
        Ok(chosen
            .iter()
            .enumerate()
            .filter(|(_, c)| **c)
            .map(|(i, _)| i)
            .collect())
    }
}

/// No terminal to ask and no `--yes`: refuse rather than guess.
pub(crate) struct NoTerminal;

impl NoTerminal {
    fn refuse<T>(question: &str) -> Result<T> {
        Err(UserError::new(format!("cannot ask \"{question}\": there is no terminal"))
            .hint("run in a terminal, or pass --yes to apply the config file as it is (--dry-run to preview)")
            .into())
    }
}

impl Prompter for NoTerminal {
    fn interactive(&self) -> bool {
        false
    }
    fn confirm_delete(&mut self, question: &str, _named: bool) -> Result<bool> {
        Self::refuse(question)
    }
    fn confirm(&mut self, question: &str, _default: bool) -> Result<bool> {
        Self::refuse(question)
    }
    fn pause(&mut self, message: &str) -> Result<()> {
        Self::refuse(message)
    }
    fn input(
        &mut self,
        question: &str,
        _default: Option<&str>,
        _check: Check<'_>,
    ) -> Result<String> {
        Self::refuse(question)
    }
    fn select(&mut self, question: &str, _items: &[String], _default: usize) -> Result<usize> {
        Self::refuse(question)
    }
    fn multi_select(
        &mut self,
        question: &str,
        _items: &[String],
        _chosen: &[bool],
    ) -> Result<Vec<usize>> {
        Self::refuse(question)
    }
}

/// Answers given in advance, in order, for tests. An unexpected question or
/// a missing answer fails the test with the question that was asked.
#[cfg(test)]
pub(crate) struct Scripted {
    pub answers: std::collections::VecDeque<String>,
    pub asked: Vec<String>,
}

#[cfg(test)]
impl Scripted {
    pub(crate) fn new(answers: &[&str]) -> Self {
        Self {
            answers: answers.iter().map(|s| s.to_string()).collect(),
            asked: Vec::new(),
        }
    }

    fn next(&mut self, question: &str) -> Result<String> {
        self.asked.push(question.to_string());
        self.answers
            .pop_front()
            .ok_or_else(|| anyhow::anyhow!("no scripted answer for {question:?}"))
    }
}

#[cfg(test)]
impl Prompter for Scripted {
    fn interactive(&self) -> bool {
        true
    }
    fn confirm_delete(&mut self, question: &str, _named: bool) -> Result<bool> {
        Ok(self.next(question)? == "y")
    }
    fn confirm(&mut self, question: &str, _default: bool) -> Result<bool> {
        Ok(self.next(question)? == "y")
    }
    fn pause(&mut self, message: &str) -> Result<()> {
        self.next(message).map(drop)
    }
    fn input(
        &mut self,
        question: &str,
        _default: Option<&str>,
        check: Check<'_>,
    ) -> Result<String> {
        loop {
            let answer = self.next(question)?;
            if check(&answer).is_ok() {
                return Ok(answer);
            }
        }
    }
    /// The answer is the item's text.
    fn select(&mut self, question: &str, items: &[String], _default: usize) -> Result<usize> {
        let answer = self.next(question)?;
        items
            .iter()
            .position(|i| *i == answer)
            .ok_or_else(|| anyhow::anyhow!("scripted answer {answer:?} is not one of {items:?}"))
    }
    /// The answer is the items' texts joined by "|" (empty: none).
    fn multi_select(
        &mut self,
        question: &str,
        items: &[String],
        _chosen: &[bool],
    ) -> Result<Vec<usize>> {
        let answer = self.next(question)?;
        answer
            .split('|')
            .filter(|a| !a.is_empty())
            .map(|a| {
                items
                    .iter()
                    .position(|i| i == a)
                    .ok_or_else(|| anyhow::anyhow!("scripted answer {a:?} is not one of {items:?}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_confirms_plans_but_discards_only_what_is_named() {
        let mut p = AutoYes;
        assert!(p.confirm("Apply?", false).unwrap());
        assert!(p.confirm_delete("Remove x?", true).unwrap());
        assert!(!p.confirm_delete("Overwrite y?", false).unwrap());
    }

    #[test]
    fn yes_cannot_wait_for_a_console_step_or_invent_answers() {
        let mut p = AutoYes;
        assert!(p.pause("enable Identity Center").is_err());
        assert!(p.input("Email?", None, &|_| Ok(())).is_err());
        assert_eq!(
            p.input("Region?", Some("us-east-1"), &|_| Ok(())).unwrap(),
            "us-east-1"
        );
    }

    #[test]
    fn without_a_terminal_every_question_fails_with_a_hint() {
        let err = NoTerminal.confirm("Apply?", true).unwrap_err();
        let user = err.downcast_ref::<UserError>().unwrap();
        assert!(user.hint.as_deref().unwrap().contains("--yes"));
    }

    #[test]
    fn scripted_input_skips_answers_that_fail_the_check() {
        let mut p = Scripted::new(&["not-an-email", "a@example.com"]);
        let got = p
            .input("Email?", None, &|s| {
                if s.contains('@') {
                    Ok(())
                } else {
                    Err("an email".to_string())
                }
            })
            .unwrap();
        assert_eq!(got, "a@example.com");
        assert_eq!(p.asked.len(), 2);
    }
}
