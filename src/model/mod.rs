//! The domain types every layer shares, with no IO: who is calling, the
//! organization and its accounts, the Identity Center instance and its
//! permission sets, users and groups, IAM users and their dependents, and
//! the steps. `aws` maps the SDK's types to these; `config`, `plan` and the
//! steps work on them. Nothing here reads a file or calls AWS.

mod caller;
mod iam;
mod identity_center;
mod identity_store;
mod organization;
mod step;

pub(crate) use caller::*;
pub(crate) use iam::*;
pub(crate) use identity_center::*;
pub(crate) use identity_store::*;
pub(crate) use organization::*;
pub(crate) use step::*;

/// The plural ending of a count's noun: "" for 1, "s" otherwise.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
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
