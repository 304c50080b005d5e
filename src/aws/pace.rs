//! Client-side pacing to AWS's documented rates, so large organizations are
//! limited by AWS's rate instead of failing with `Rate exceeded`:
//! sso-admin about 20 requests per second for all its APIs together,
//! identitystore about 20 per second per API, and at most 15 outstanding
//! account-assignment creations (the Identity Center quotas page; not
//! adjustable).
//!
//! Requests are spaced evenly (no burst), which keeps any one-second window
//! at or under the rate. Pacing at the rate leaves no room for a retry, and
//! the account's budget may be shared with other tools; so when AWS
//! keeps throttling a lane ([`ThrottleFeedback`] sees it), that lane slows
//! down (to half, at most once a second) and then climbs back to the rate
//! (4 requests per second more each second), as TCP does. A retry of a
//! throttled call takes its lane's next turn too ([`PacedRetries`]), so it
//! lands in room the pacing kept, not in the full second that throttled it. The rates can be lowered (or raised for a local
//! stand-in) with `SSOSETUP_SSO_ADMIN_RPS`, `SSOSETUP_IDENTITYSTORE_RPS` and
//! `SSOSETUP_ASSIGNMENT_CREATIONS`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::ErrorKind;
use tokio::sync::Semaphore;
use tokio::time::Instant;

const DEFAULT_RPS: f64 = 20.0;
const DEFAULT_ASSIGNMENT_CREATIONS: usize = 15;
/// After a throttle, a lane's rate becomes this share of what it was.
const CUT: f64 = 0.5;
/// At most one cut per this long: the calls throttled in one crowded
/// second are one signal, not several.
const CUT_SPACING: Duration = Duration::from_secs(1);
/// Two throttled answers of a lane this close together mean throttling
/// goes on (not one call at the edge of AWS's window).
const SUSTAINED: Duration = Duration::from_secs(1);
/// How late a waiter may take its turn and keep the lane's schedule.
const TIMER_SLACK: Duration = Duration::from_millis(1);
/// How fast a cut lane climbs back, in requests per second per second.
const RECOVERY: f64 = 4.0;
/// No lane goes slower than this.
const SLOWEST_RPS: f64 = 0.5;

/// Which service's budget a client spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// One budget for all of sso-admin's APIs.
    SsoAdmin,
    /// One budget per identitystore API.
    IdentityStore,
}

pub(crate) struct Pacer {
    ssoadmin: Lanes,
    identitystore: Lanes,
    /// Permits for outstanding CreateAccountAssignment requests (create + poll).
    pub assignment_creations: Semaphore,
    /// How many permits `assignment_creations` has.
    pub creations_limit: usize,
    /// How many independent requests to keep in flight at once.
    pub concurrency: usize,
}

/// Evenly spaced turns, one schedule per lane (an API, or "" for a whole
/// service), each at `rps` unless throttling slowed it.
struct Lanes {
    rps: f64,
    lanes: Mutex<HashMap<String, Lane>>,
}

#[derive(Clone, Copy)]
struct Lane {
    /// The lane's next free turn.
    next: Instant,
    /// The last cut: its time and the rate it cut to.
    cut: Option<(Instant, f64)>,
    /// When AWS last throttled a call of this lane.
    throttled: Option<Instant>,
}

impl Lane {
    fn rate(&self, full: f64, now: Instant) -> f64 {
        match self.cut {
            None => full,
            Some((at, to)) => {
                (to + RECOVERY * now.saturating_duration_since(at).as_secs_f64()).min(full)
            }
        }
    }
}

impl Lanes {
    fn new(rps: f64) -> Self {
        Self {
            rps: rps.max(0.01),
            lanes: Mutex::new(HashMap::new()),
        }
    }

    fn with_lane<T>(&self, lane: &str, now: Instant, f: impl FnOnce(&mut Lane) -> T) -> T {
        let mut lanes = self.lanes.lock().expect("pacer lock");
        if let Some(l) = lanes.get_mut(lane) {
            return f(l);
        }
        let l = lanes.entry(lane.to_string()).or_insert(Lane {
            next: now,
            cut: None,
            throttled: None,
        });
        f(l)
    }

    /// Takes the lane's next turn (now, when the lane is idle).
    fn take(&self, lane: &str, now: Instant) -> Instant {
        let full = self.rps;
        self.with_lane(lane, now, |l| {
            let at = l.next.max(now);
            l.next = at + Duration::from_secs_f64(1.0 / l.rate(full, at));
            at
        })
    }

    /// Takes the lane's turn if it is due at `now`; else says when it is.
    /// Called at the moment of sending, so a waiter that woke late pushes
    /// the next turn on instead of squeezing it: no two sends closer than
    /// the rate allows (a reserved turn could, by the timer's lateness, and
    /// AWS counts sends).
    fn try_take(&self, lane: &str, now: Instant) -> Result<(), Instant> {
        let full = self.rps;
        self.with_lane(lane, now, |l| {
            if l.next > now {
                return Err(l.next);
            }
            // The timer wakes a waiter up to a millisecond after its turn
            // (it counts whole milliseconds): that much keeps the schedule;
            // more pushes it on.
            let from = if now - l.next <= TIMER_SLACK {
                l.next
            } else {
                now
            };
            l.next = from + Duration::from_secs_f64(1.0 / l.rate(full, now));
            Ok(())
        })
    }

    /// Waits for a turn of `lane` and takes it.
    async fn wait(&self, lane: &str) {
        loop {
            match self.try_take(lane, Instant::now()) {
                Ok(()) => return,
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// AWS throttled a call of this lane: when it did so before within a
    /// second, slow the lane down. One throttled answer alone is timing at
    /// the edge of AWS's window (its retry takes a turn); throttling that
    /// goes on is a budget shared with someone else.
    fn throttled(&self, lane: &str, now: Instant) {
        let full = self.rps;
        self.with_lane(lane, now, |l| {
            let before = l.throttled.replace(now);
            if !matches!(before, Some(at) if now.saturating_duration_since(at) < SUSTAINED) {
                return;
            }
            if matches!(l.cut, Some((at, _)) if now.saturating_duration_since(at) < CUT_SPACING) {
                return;
            }
            let to = (l.rate(full, now) * CUT).max(SLOWEST_RPS.min(full));
            l.cut = Some((now, to));
        })
    }

    #[cfg(test)]
    fn rate(&self, lane: &str, now: Instant) -> f64 {
        let full = self.rps;
        self.with_lane(lane, now, |l| l.rate(full, now))
    }
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
            ssoadmin: Lanes::new(ssoadmin_rps),
            identitystore: Lanes::new(identitystore_rps),
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
        self.ssoadmin.wait("").await;
    }

    /// Waits for a turn to call identitystore's `api`.
    pub(crate) async fn identitystore(&self, api: crate::model::IdentityStoreApi) {
        self.identitystore.wait(api.name()).await;
    }

    /// How long a retry of a throttled call waits: until its lane's next
    /// turn, which it takes.
    pub(crate) fn retry_turn(&self, service: Service, operation: &str) -> Duration {
        let now = Instant::now();
        let at = match service {
            Service::SsoAdmin => self.ssoadmin.take("", now),
            Service::IdentityStore => self.identitystore.take(operation, now),
        };
        at - now
    }

    /// AWS throttled `operation` of `service`.
    pub(crate) fn throttled(&self, service: Service, operation: &str) {
        tracing::debug!(?service, operation, "throttled: slowing down");
        match service {
            Service::SsoAdmin => self.ssoadmin.throttled("", Instant::now()),
            Service::IdentityStore => self.identitystore.throttled(operation, Instant::now()),
        }
    }
}

/// Tells the [`Pacer`] when AWS throttled a call of a paced client, which
/// the pacing could not prevent (timing jitter, or other tools spending the
/// same budget). Installed on the sso-admin and identitystore clients.
pub(crate) struct ThrottleFeedback {
    pacer: Arc<Pacer>,
    service: Service,
}

impl ThrottleFeedback {
    pub(crate) fn new(pacer: Arc<Pacer>, service: Service) -> Self {
        Self { pacer, service }
    }
}

impl fmt::Debug for ThrottleFeedback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThrottleFeedback")
            .field("service", &self.service)
            .finish()
    }
}

impl Intercept for ThrottleFeedback {
    fn name(&self) -> &'static str {
        "ThrottleFeedback"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().is_some_and(is_throttling) {
            let operation = cfg.load::<Metadata>().map(|m| m.name()).unwrap_or("");
            self.pacer.throttled(self.service, operation);
        }
        Ok(())
    }
}

/// Paces the SDK's own retries of a throttled call: the SDK's standard
/// strategy decides whether to retry (attempts left, its retry quota); this
/// classifier, run after AWS's own, says when: at the lane's next turn,
/// after [`ThrottleFeedback`] has slowed the lane. Other retryable errors
/// keep the SDK's backoff.
pub(crate) struct PacedRetries {
    pacer: Arc<Pacer>,
    service: Service,
}

impl PacedRetries {
    pub(crate) fn new(pacer: Arc<Pacer>, service: Service) -> Self {
        Self { pacer, service }
    }
}

impl fmt::Debug for PacedRetries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacedRetries")
            .field("service", &self.service)
            .finish()
    }
}

impl ClassifyRetry for PacedRetries {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        let RetryAction::RetryIndicated(RetryReason::RetryableError {
            kind: ErrorKind::ThrottlingError,
            ..
        }) = previous
        else {
            return RetryAction::NoActionIndicated;
        };
        let operation = match self.service {
            Service::SsoAdmin => "",
            Service::IdentityStore => match identitystore_operation(ctx) {
                Some(op) => op,
                None => return RetryAction::NoActionIndicated,
            },
        };
        let wait = self.pacer.retry_turn(self.service, operation);
        RetryAction::retryable_error_with_explicit_delay(ErrorKind::ThrottlingError, wait)
    }

    fn name(&self) -> &'static str {
        "PacedRetries"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // After every classifier AWS's SDK installs, so that their verdict
        // is the `previous` this one refines.
        RetryClassifierPriority::run_after(RetryClassifierPriority::run_after(
            RetryClassifierPriority::transient_error_classifier(),
        ))
    }
}

/// Which identitystore API failed (each has its own budget): the operation
/// error's type says it.
fn identitystore_operation(ctx: &InterceptorContext) -> Option<&'static str> {
    let error = ctx.output_or_error()?.err()?.as_operation_error()?;
    macro_rules! which {
        ($($module:ident :: $error:ident => $name:literal),* $(,)?) => {
            $(
                if error
                    .downcast_ref::<aws_sdk_identitystore::operation::$module::$error>()
                    .is_some()
                {
                    return Some($name);
                }
            )*
        };
    }
    which!(
        create_group::CreateGroupError => "CreateGroup",
        create_group_membership::CreateGroupMembershipError => "CreateGroupMembership",
        create_user::CreateUserError => "CreateUser",
        delete_group::DeleteGroupError => "DeleteGroup",
        delete_group_membership::DeleteGroupMembershipError => "DeleteGroupMembership",
        delete_user::DeleteUserError => "DeleteUser",
        get_group_id::GetGroupIdError => "GetGroupId",
        get_user_id::GetUserIdError => "GetUserId",
        list_group_memberships::ListGroupMembershipsError => "ListGroupMemberships",
        list_group_memberships_for_member::ListGroupMembershipsForMemberError => "ListGroupMembershipsForMember",
        list_groups::ListGroupsError => "ListGroups",
        list_users::ListUsersError => "ListUsers",
        update_user::UpdateUserError => "UpdateUser",
    );
    None
}

/// AWS's answer "too many requests": HTTP 429, or a 400 whose error code
/// (awsJson's `x-amzn-ErrorType` header or `__type` member) is a throttling one.
fn is_throttling(response: &HttpResponse) -> bool {
    const CODES: [&str; 4] = [
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
    ];
    let status = response.status().as_u16();
    if status == 429 {
        return true;
    }
    if status != 400 {
        return false;
    }
    let code_is = |code: &str| {
        // `aws.protocols#...ThrottlingException:http://...` or a bare code.
        let code = code.rsplit('#').next().unwrap_or(code);
        let code = code.split(':').next().unwrap_or(code);
        CODES.contains(&code)
    };
    if let Some(header) = response.headers().get("x-amzn-ErrorType") {
        return code_is(header);
    }
    response
        .body()
        .bytes()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
        .and_then(|v| v.get("__type").and_then(|t| t.as_str()).map(code_is))
        .unwrap_or(false)
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

    #[test]
    fn a_late_taker_pushes_the_next_turn_on() {
        let lanes = Lanes::new(20.0);
        let t0 = Instant::now();
        let turn = Duration::from_millis(50);
        assert_eq!(lanes.try_take("", t0), Ok(()));
        assert_eq!(lanes.try_take("", t0 + turn / 2), Err(t0 + turn));
        // Woke 3 ms late: the next turn is a whole turn after that.
        let late = t0 + turn + Duration::from_millis(3);
        assert_eq!(lanes.try_take("", late), Ok(()));
        assert_eq!(lanes.try_take("", t0 + turn * 2), Err(late + turn));
        // Woke within the timer's millisecond: the schedule holds.
        let on_time = late + turn + Duration::from_micros(600);
        assert_eq!(lanes.try_take("", on_time), Ok(()));
        assert_eq!(lanes.try_take("", on_time), Err(late + turn * 2));
    }

    #[test]
    fn identitystore_apis_have_separate_budgets() {
        let lanes = Lanes::new(1.0);
        let t0 = Instant::now();
        assert_eq!(lanes.take("CreateUser", t0), t0);
        assert_eq!(
            lanes.take("CreateUser", t0),
            t0 + Duration::from_secs(1),
            "CreateUser used its turn"
        );
        assert_eq!(lanes.take("CreateGroup", t0), t0, "CreateGroup has its own");
    }

    #[test]
    fn a_throttle_slows_the_lane_once_per_second_and_it_climbs_back() {
        let lanes = Lanes::new(20.0);
        let t0 = Instant::now();
        let s = Duration::from_secs;
        // One throttled answer alone: timing at the edge, no cut.
        lanes.throttled("", t0 - Duration::from_millis(500));
        assert_eq!(lanes.rate("", t0), 20.0);
        // A second within a second: throttling goes on.
        lanes.throttled("", t0);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(near(lanes.rate("", t0), 10.0));
        // More answers of the same crowded second: still one cut.
        lanes.throttled("", t0 + Duration::from_millis(300));
        assert!(near(lanes.rate("", t0 + Duration::from_millis(300)), 11.2));
        // Turns are spaced at the slower rate: 1/10 s.
        let a = lanes.take("", t0);
        let b = lanes.take("", t0);
        assert_eq!(b - a, Duration::from_secs_f64(1.0 / 10.0));
        // Another throttle a second later cuts again, from where it is.
        lanes.throttled("", t0 + s(1));
        assert!(near(lanes.rate("", t0 + s(1)), 14.0 * CUT));
        // And without throttling the lane is back at the rate.
        assert!(near(lanes.rate("", t0 + s(10)), 20.0));
    }

    #[test]
    fn throttling_answers_are_recognised_and_others_are_not() {
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        let answer = |status: u16, header: Option<&str>, body: &str| {
            let mut r = HttpResponse::new(
                StatusCode::try_from(status).unwrap(),
                SdkBody::from(body.to_string()),
            );
            if let Some(h) = header {
                r.headers_mut().insert("x-amzn-ErrorType", h.to_string());
            }
            r
        };
        assert!(is_throttling(&answer(429, None, "")));
        assert!(is_throttling(&answer(
            400,
            Some("ThrottlingException:http://internal.amazon.com/"),
            "{}"
        )));
        assert!(is_throttling(&answer(
            400,
            None,
            r#"{"__type":"com.amazonaws.swbup.service#ThrottlingException","message":"Rate exceeded"}"#
        )));
        assert!(!is_throttling(&answer(
            400,
            Some("ConflictException"),
            "{}"
        )));
        assert!(!is_throttling(&answer(
            400,
            None,
            r#"{"__type":"ValidationException","message":"Throttling is not this"}"#
        )));
        assert!(!is_throttling(&answer(500, None, "")));
        assert!(!is_throttling(&answer(200, None, "{}")));
    }

    /// The real SDK, answered "Rate exceeded": the interceptor hears it and
    /// slows exactly that API's lane.
    #[tokio::test]
    async fn the_sdk_reports_a_throttled_answer_to_the_pacer() {
        use aws_smithy_mocks::{mock, mock_client, RuleMode};
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        let pacer = Arc::new(Pacer::new(20.0, 20.0, 15));
        let throttled = mock!(aws_sdk_identitystore::Client::create_group)
            .sequence()
            .http_response(|| {
                HttpResponse::new(
                    StatusCode::try_from(400).unwrap(),
                    SdkBody::from(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#),
                )
            })
            .times(2)
            .build();
        let feedback = pacer.clone();
        let client = mock_client!(
            aws_sdk_identitystore,
            RuleMode::Sequential,
            [&throttled],
            move |c| c
                .interceptor(ThrottleFeedback::new(
                    feedback.clone(),
                    Service::IdentityStore
                ))
                .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        );
        // Twice: throttling that goes on.
        for _ in 0..2 {
            let answer = client
                .create_group()
                .identity_store_id("d-1234567890")
                .display_name("g")
                .send()
                .await;
            assert!(answer.is_err());
        }
        let now = Instant::now();
        assert!(pacer.identitystore.rate("CreateGroup", now) < 11.0);
        assert_eq!(pacer.identitystore.rate("CreateUser", now), 20.0);
        assert_eq!(pacer.ssoadmin.rate("", now), 20.0);
    }

    /// The SDK's retry of a throttled call takes its lane's next turn: the
    /// turn after it is the next caller's.
    #[tokio::test]
    async fn the_sdks_retry_of_a_throttled_call_takes_the_lanes_next_turn() {
        use aws_smithy_mocks::{mock, mock_client, RuleMode};
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        let pacer = Arc::new(Pacer::new(20.0, 1.0, 15));
        let throttled_then_made = mock!(aws_sdk_identitystore::Client::create_group)
            .sequence()
            .http_response(|| {
                HttpResponse::new(
                    StatusCode::try_from(400).unwrap(),
                    SdkBody::from(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#),
                )
            })
            .output(|| {
                aws_sdk_identitystore::operation::create_group::CreateGroupOutput::builder()
                    .group_id("g-1")
                    .group_arn("arn:aws:identitystore::123456789012:group/g-1")
                    .revision("1")
                    .identity_store_id("d-1234567890")
                    .build()
                    .unwrap()
            })
            .build();
        let shared = pacer.clone();
        let client = mock_client!(
            aws_sdk_identitystore,
            RuleMode::Sequential,
            [&throttled_then_made],
            move |c| c
                .interceptor(ThrottleFeedback::new(
                    shared.clone(),
                    Service::IdentityStore
                ))
                .retry_classifier(PacedRetries::new(shared.clone(), Service::IdentityStore))
                .retry_config(
                    aws_smithy_types::retry::RetryConfig::standard()
                        .with_max_attempts(2)
                        .with_initial_backoff(Duration::from_millis(1))
                )
        );
        let start = Instant::now();
        let made = client
            .create_group()
            .identity_store_id("d-1234567890")
            .display_name("g")
            .send()
            .await
            .expect("the retry succeeds");
        assert_eq!(made.group_id(), "g-1");
        assert_eq!(throttled_then_made.num_calls(), 2);
        // The retry took the lane's turn (at once: the lane was idle), so
        // the next caller's turn is one turn (1 s) on.
        let next = pacer.identitystore.take("CreateGroup", Instant::now());
        assert!(
            next >= start + Duration::from_millis(900),
            "{:?}",
            next - start
        );
        assert_eq!(
            pacer.identitystore.take("CreateUser", start),
            start,
            "other APIs keep their turns"
        );
    }
}
