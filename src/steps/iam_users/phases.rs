//! Two phases (`[cleanup] deactivate_first`): a named user's access keys
//! are switched off first (reversible) and the user is tagged with the
//! time; a later run deletes it only once `deactivate_days` have passed,
//! its keys are still off, and none was used since. Pure.

use std::time::{Duration, SystemTime};

use crate::model::{parse_time, AccessKey};

/// What a run does with a user the config names for deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Deleted now: one phase, or the wait is over.
    Delete,
    /// Its active keys (maybe none) are switched off and the wait begins.
    SwitchOff { keys: Vec<String> },
    /// Keys off since `since`; deleted by a run from `until` on.
    Waiting { since: String, until: String },
    /// A key that was switched off is on again: reported, not deleted.
    ActiveAgain { since: String, keys: Vec<String> },
    /// A key was used after the keys were switched off (it was on again
    /// for a while): reported, not deleted.
    UsedSince {
        since: String,
        key: String,
        at: String,
    },
}

impl Phase {
    /// The inventory table's PLAN cell.
    pub(crate) fn label(&self) -> String {
        match self {
            Phase::Delete => "delete".into(),
            Phase::SwitchOff { keys } if keys.is_empty() => "start the wait (no active key)".into(),
            Phase::SwitchOff { .. } => "switch keys off".into(),
            Phase::Waiting { until, .. } => format!("keys off; delete from {}", day(until)),
            Phase::ActiveAgain { .. } => "KEY ON AGAIN: not deleted".into(),
            Phase::UsedSince { .. } => "KEY USED SINCE: not deleted".into(),
        }
    }
}

fn day(t: &str) -> &str {
    t.get(..10).unwrap_or(t)
}

/// The phase of a user the config names for deletion, from its keys and
/// the value of its `ssosetup:keys-deactivated-at` tag, at `now`. A tag
/// that is not a time counts as none (the wait starts again: later, never
/// sooner).
pub(crate) fn phase(
    two_phase: bool,
    days: u32,
    tag: Option<&str>,
    keys: &[AccessKey],
    now: SystemTime,
) -> Phase {
    if !two_phase {
        return Phase::Delete;
    }
    let active: Vec<String> = keys
        .iter()
        .filter(|k| k.status == "Active")
        .map(|k| k.id.clone())
        .collect();
    let Some((since_text, since)) = tag.and_then(|t| parse_time(t).map(|at| (t.to_string(), at)))
    else {
        return Phase::SwitchOff { keys: active };
    };
    if !active.is_empty() {
        return Phase::ActiveAgain {
            since: since_text,
            keys: active,
        };
    }
    if let Some(k) = keys
        .iter()
        .filter(|k| {
            k.last_used
                .as_deref()
                .and_then(parse_time)
                .is_some_and(|t| t > since)
        })
        .max_by(|a, b| a.last_used.cmp(&b.last_used))
    {
        return Phase::UsedSince {
            since: since_text,
            key: k.id.clone(),
            at: k.last_used.clone().unwrap_or_default(),
        };
    }
    let until = since + Duration::from_secs(u64::from(days) * 24 * 3600);
    if now < until {
        return Phase::Waiting {
            since: since_text,
            until: humantime::format_rfc3339_seconds(until).to_string(),
        };
    }
    Phase::Delete
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, status: &str, last_used: Option<&str>) -> AccessKey {
        AccessKey {
            id: id.into(),
            status: status.into(),
            created: Some("2025-01-01T00:00:00Z".into()),
            last_used: last_used.map(str::to_string),
            last_used_service: None,
            last_used_region: None,
        }
    }

    fn at(t: &str) -> SystemTime {
        parse_time(t).unwrap()
    }

    #[test]
    fn one_phase_deletes_at_once() {
        let keys = [key("AKIA1", "Active", None)];
        assert_eq!(
            phase(false, 7, None, &keys, at("2026-12-04T00:00:00Z")),
            Phase::Delete
        );
    }

    #[test]
    fn the_first_run_switches_the_active_keys_off() {
        let keys = [
            key("AKIA1", "Active", Some("2026-12-01T00:00:00Z")),
            key("AKIA2", "Inactive", None),
        ];
        assert_eq!(
            phase(true, 7, None, &keys, at("2026-12-04T00:00:00Z")),
            Phase::SwitchOff {
                keys: vec!["AKIA1".into()]
            }
        );
        // A tag that is not a time starts the wait again.
        assert!(matches!(
            phase(
                true,
                7,
                Some("yesterday"),
                &keys,
                at("2026-12-04T00:00:00Z")
            ),
            Phase::SwitchOff { .. }
        ));
    }

    #[test]
    fn deletion_waits_the_days_and_then_goes_ahead() {
        let keys = [key("AKIA1", "Inactive", Some("2026-11-30T00:00:00Z"))];
        let tag = Some("2026-12-01T10:00:00Z");
        assert_eq!(
            phase(true, 7, tag, &keys, at("2026-12-08T09:59:59Z")),
            Phase::Waiting {
                since: "2026-12-01T10:00:00Z".into(),
                until: "2026-12-08T10:00:00Z".into()
            }
        );
        assert_eq!(
            phase(true, 7, tag, &keys, at("2026-12-08T10:00:00Z")),
            Phase::Delete
        );
    }

    #[test]
    fn a_key_on_again_or_used_since_stops_the_deletion() {
        let tag = Some("2026-12-01T10:00:00Z");
        let later = at("2026-12-20T00:00:00Z");
        let on = [key("AKIA1", "Active", None)];
        assert!(matches!(
            phase(true, 7, tag, &on, later),
            Phase::ActiveAgain { keys, .. } if keys == ["AKIA1"]
        ));
        let used = [key("AKIA1", "Inactive", Some("2026-12-02T08:00:00Z"))];
        assert!(matches!(
            phase(true, 7, tag, &used, later),
            Phase::UsedSince { key, .. } if key == "AKIA1"
        ));
    }
}
