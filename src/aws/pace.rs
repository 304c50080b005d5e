//! Client-side pacing to AWS's documented rates, so large organizations are
//! limited by AWS's rate instead of failing with `Rate exceeded`:
//! sso-admin about 20 requests per second for all its APIs together,
//! identitystore about 20 per second per API, and at most 15 outstanding
//! account-assignment creations (the Identity Center quotas page; not
//! adjustable).
//!
//! Requests are spaced evenly (no burst), which keeps any one-second window
//! at or under the rate. Throttling that happens anyway is retried by the
//! SDK's standard retry with backoff. The rates can be lowered (or raised
//! for a local stand-in) with `SSOSETUP_SSO_ADMIN_RPS`,
//! `SSOSETUP_IDENTITYSTORE_RPS` and `SSOSETUP_ASSIGNMENT_CREATIONS`.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::DefaultClock;
use governor::state::keyed::HashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::sync::Semaphore;

const DEFAULT_RPS: f64 = 20.0;
const DEFAULT_ASSIGNMENT_CREATIONS: usize = 15;

pub(crate) struct Pacer {
    ssoadmin: RateLimiter<NotKeyed, InMemoryState, DefaultClock>,
    identitystore: RateLimiter<&'static str, HashMapStateStore<&'static str>, DefaultClock>,
    /// Permits for outstanding CreateAccountAssignment requests (create + poll).
    pub assignment_creations: Semaphore,
    /// How many permits `assignment_creations` has.
    pub creations_limit: usize,
    /// How many independent requests to keep in flight at once.
    pub concurrency: usize,
}

fn evenly(rps: f64) -> Quota {
    let period = Duration::from_secs_f64(1.0 / rps.max(0.01));
    Quota::with_period(period)
        .expect("a positive period")
        .allow_burst(NonZeroU32::MIN)
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.trim().parse().ok()
}

impl Pacer {
    pub(crate) fn new(
        ssoadmin_rps: f64,
        identitystore_rps: f64,
        assignment_creations: usize,
    ) -> Self {
        Self {
            ssoadmin: RateLimiter::direct(evenly(ssoadmin_rps)),
            identitystore: RateLimiter::hashmap(evenly(identitystore_rps)),
            assignment_creations: Semaphore::new(assignment_creations.max(1)),
            creations_limit: assignment_creations.max(1),
            // Enough in flight to keep the fastest limit busy at AWS latencies.
            concurrency: 16,
        }
    }

    pub(crate) fn from_env() -> Self {
        Self::new(
            env_number("SSOSETUP_SSO_ADMIN_RPS").unwrap_or(DEFAULT_RPS),
            env_number("SSOSETUP_IDENTITYSTORE_RPS").unwrap_or(DEFAULT_RPS),
            env_number("SSOSETUP_ASSIGNMENT_CREATIONS").unwrap_or(DEFAULT_ASSIGNMENT_CREATIONS),
        )
    }

    /// Waits for a turn to call sso-admin.
    pub(crate) async fn ssoadmin(&self) {
        self.ssoadmin.until_ready().await;
    }

    /// Waits for a turn to call identitystore's `api`.
    pub(crate) async fn identitystore(&self, api: &'static str) {
        self.identitystore.until_key_ready(&api).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_are_spaced_to_the_rate() {
        let pacer = Pacer::new(50.0, 50.0, 10);
        let start = std::time::Instant::now();
        for _ in 0..11 {
            pacer.ssoadmin().await;
        }
        // 11 calls at 50/s: the first at once, ten more 20 ms apart.
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn identitystore_apis_have_separate_budgets() {
        let pacer = Pacer::new(1.0, 1.0, 10);
        pacer.identitystore("CreateUser").await;
        assert!(
            pacer.identitystore.check_key(&"CreateUser").is_err(),
            "CreateUser used its turn"
        );
        assert!(
            pacer.identitystore.check_key(&"CreateGroup").is_ok(),
            "CreateGroup has its own"
        );
    }
}
