//! The domain types every layer shares, with no IO: who is calling, the
//! organization and its accounts, the Identity Center instance and its
//! permission sets, users and groups, IAM users and their dependents, and
//! the steps. `aws` maps the SDK's types to these; `config`, `plan` and the
//! steps work on them. Nothing here reads a file or calls AWS.

mod caller;
mod iam;
mod identity_center;
mod identity_store;
mod ids;
mod organization;
mod rate;
mod step;

pub(crate) use caller::*;
pub(crate) use iam::*;
pub(crate) use identity_center::*;
pub(crate) use identity_store::*;
pub(crate) use ids::*;
pub(crate) use organization::*;
pub(crate) use rate::*;
pub(crate) use step::*;

/// The most characters of a value a message repeats.
const EXCERPT_CHARS: usize = 60;

/// A value as a message shows it: quoted, control characters escaped, and
/// at most a short excerpt of a long value (with its length). Pure.
pub(crate) fn excerpt(value: &str) -> String {
    let n = value.chars().count();
    if n <= EXCERPT_CHARS {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(EXCERPT_CHARS).collect();
        format!("{head:?}... ({n} characters)")
    }
}

/// Whatever a name holds, one line of text: control characters (a group's
/// display name, an account's or a config value may hold a newline or an
/// escape sequence) shown escaped; anything else as it is. Pure.
pub(crate) fn printable(s: &str) -> String {
    if s.chars().any(char::is_control) {
        s.chars().flat_map(char::escape_default).collect()
    } else {
        s.to_string()
    }
}

/// Names AWS and Control Tower keep for themselves (`AWS...` permission
/// sets and groups): never imported, never pruned, never exported.
pub(crate) fn is_aws_owned(name: &str) -> bool {
    name.starts_with("AWS")
}

/// The plural ending of a count's noun: "" for 1, "s" otherwise.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Names for a sentence: "a", "a and b", "a, b and c"; past six, the first
/// five and how many more ("a, b, c, d, e and 4 more"). Pure.
pub(crate) fn some_of<S: AsRef<str>>(names: &[S]) -> String {
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        many if many.len() <= 6 => format!(
            "{} and {}",
            many[..many.len() - 1].join(", "),
            many[many.len() - 1]
        ),
        many => format!("{} and {} more", many[..5].join(", "), many.len() - 5),
    }
}

/// "1 group exists", "3 groups exist".
pub(crate) fn exist_count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun} exists")
    } else {
        format!("{n} {noun}s exist")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn some_of_names_a_few_and_counts_the_rest() {
        assert_eq!(super::some_of::<&str>(&[]), "");
        assert_eq!(super::some_of(&["a"]), "a");
        assert_eq!(super::some_of(&["a", "b", "c"]), "a, b and c");
        let many: Vec<String> = (1..=9).map(|i| i.to_string()).collect();
        assert_eq!(super::some_of(&many), "1, 2, 3, 4, 5 and 4 more");
    }
}
