//! Batched status of sso-admin's asynchronous assignment requests.
//!
//! CreateAccountAssignment and DeleteAccountAssignment answer IN_PROGRESS
//! with a request id. Asking about each request on its own (Describe...)
//! costs one call per request and poll, out of the 20 a second sso-admin
//! allows for all its APIs together. Instead every waiting request joins a
//! board; one waiter at a time lists the requests still IN_PROGRESS
//! (`List...Status`, filtered by status) on a short cadence, and every
//! request no longer in that list has finished. Those are checked against
//! the FAILED list, and only a FAILED one is described, for AWS's reason.
//!
//! A caller whose policy does not allow the list calls is served one
//! Describe per request and poll, as before, with no error.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_ssoadmin::types::{OperationStatusFilter, StatusValues};
use tokio::time::Instant;

use super::{all_pages, classify, Aws, AwsError, AwsErrorKind};
use crate::model::AsyncStatus;

/// Which of sso-admin's asynchronous requests a board follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Creation,
    Deletion,
}

/// How often the board lists what is still in progress while anything
/// waits: at one second per assignment (what AWS takes), a quarter second
/// adds an eighth of a second on average and costs four calls a second.
const CADENCE: Duration = Duration::from_millis(200);

/// How often finished requests are checked against the FAILED list: their
/// slot is free already, so this can wait for a few to gather.
const OUTCOME_CADENCE: Duration = Duration::from_millis(1000);

/// How long one request may stay IN_PROGRESS.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Default)]
struct Board {
    /// Requests IN_PROGRESS (or not seen otherwise yet): id -> when it joined.
    running: HashMap<String, Instant>,
    /// Requests that left IN_PROGRESS, outcome not known yet.
    finished: HashSet<String>,
    outcomes: HashMap<String, AsyncStatus>,
    last_poll: Option<Instant>,
    last_outcomes: Option<Instant>,
    /// The instance the requests belong to (one per run).
    instance: String,
}

/// The board of one kind of request.
pub(crate) struct StatusBoard {
    kind: Kind,
    board: Mutex<Board>,
    /// Held by the one waiter that polls for everyone.
    polling: tokio::sync::Mutex<()>,
    polled: tokio::sync::Notify,
    /// The list calls are not allowed (or not implemented): describe each.
    describe_each: AtomicBool,
}

impl StatusBoard {
    pub(crate) fn new(kind: Kind) -> Self {
        Self {
            kind,
            board: Mutex::new(Board::default()),
            polling: tokio::sync::Mutex::new(()),
            polled: tokio::sync::Notify::new(),
            describe_each: AtomicBool::new(false),
        }
    }

    fn action(&self, what: &str) -> &'static str {
        match (self.kind, what) {
            (Kind::Creation, "list") => "sso:ListAccountAssignmentCreationStatus",
            (Kind::Creation, _) => "sso:DescribeAccountAssignmentCreationStatus",
            (Kind::Deletion, "list") => "sso:ListAccountAssignmentDeletionStatus",
            (Kind::Deletion, _) => "sso:DescribeAccountAssignmentDeletionStatus",
        }
    }

    /// Waits until request `id` is no longer IN_PROGRESS (AWS's limit of
    /// outstanding requests counts only those), then for its outcome.
    /// `finished` runs in between: the caller frees its slot there.
    pub(crate) async fn wait(
        &self,
        aws: &Aws,
        instance: &str,
        id: &str,
        finished: impl FnOnce(),
    ) -> Result<AsyncStatus, AwsError> {
        let joined = Instant::now();
        {
            let mut b = self.board.lock().expect("status board");
            b.instance = instance.to_string();
            b.running.insert(id.to_string(), joined);
        }
        let result = self.until_finished(aws, id, joined).await;
        finished();
        let result = match result {
            Ok(None) => self.until_known(aws, id).await,
            other => other.map(|s| s.expect("known")),
        };
        let mut b = self.board.lock().expect("status board");
        b.running.remove(id);
        b.finished.remove(id);
        b.outcomes.remove(id);
        result
    }

    /// Until `id` left IN_PROGRESS: `None`, or its outcome when that is
    /// known already (described, or the timeout).
    async fn until_finished(
        &self,
        aws: &Aws,
        id: &str,
        joined: Instant,
    ) -> Result<Option<AsyncStatus>, AwsError> {
        loop {
            if self.describe_each.load(Ordering::Relaxed) {
                return self.describe_until_done(aws, id, joined).await.map(Some);
            }
            if !self
                .board
                .lock()
                .expect("status board")
                .running
                .contains_key(id)
            {
                return Ok(None);
            }
            if joined.elapsed() > TIMEOUT {
                return Ok(Some(AsyncStatus::InProgress(id.to_string())));
            }
            self.take_a_turn(aws).await?;
        }
    }

    /// Until the outcome of finished request `id` is known.
    async fn until_known(&self, aws: &Aws, id: &str) -> Result<AsyncStatus, AwsError> {
        loop {
            if let Some(done) = self.board.lock().expect("status board").outcomes.remove(id) {
                return Ok(done);
            }
            if self.describe_each.load(Ordering::Relaxed) {
                let instance = self.board.lock().expect("status board").instance.clone();
                return self.describe(aws, &instance, id).await;
            }
            self.take_a_turn(aws).await?;
        }
    }

    /// Polls for everyone if nobody is, on the board's cadence; else waits
    /// for whoever is to say they did.
    async fn take_a_turn(&self, aws: &Aws) -> Result<(), AwsError> {
        let polled = self.polled.notified();
        tokio::pin!(polled);
        polled.as_mut().enable();
        match self.polling.try_lock() {
            Ok(_turn) => {
                let next = {
                    let b = self.board.lock().expect("status board");
                    let first = b
                        .running
                        .values()
                        .min()
                        .copied()
                        .unwrap_or_else(Instant::now);
                    b.last_poll.map_or(first, |at| at.max(first)) + CADENCE
                };
                tokio::time::sleep_until(next).await;
                // What left IN_PROGRESS is told at once (its slot is free);
                // outcomes after, on their own cadence.
                let outcome = match self.poll_running(aws).await {
                    Ok(()) => {
                        self.polled.notify_waiters();
                        self.poll_outcomes(aws).await
                    }
                    Err(e) => Err(e),
                };
                self.polled.notify_waiters();
                match outcome {
                    Ok(()) => Ok(()),
                    Err(e) if unusable(&e) => {
                        tracing::debug!("{}: {e}; describing each request", self.action("list"));
                        self.describe_each.store(true, Ordering::Relaxed);
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            // Someone else polls: their lists answer for this request too.
            Err(_) => {
                let _ = tokio::time::timeout(CADENCE * 8, polled).await;
                Ok(())
            }
        }
    }

    /// One look for everyone waiting: what is still IN_PROGRESS. A request
    /// that joined after the look began is not judged by it.
    async fn poll_running(&self, aws: &Aws) -> Result<(), AwsError> {
        let started = Instant::now();
        let (instance, asked): (String, Vec<String>) = {
            let mut b = self.board.lock().expect("status board");
            b.last_poll = Some(started);
            let asked = b
                .running
                .iter()
                .filter(|(_, joined)| **joined < started)
                .map(|(id, _)| id.clone())
                .collect();
            (b.instance.clone(), asked)
        };
        if asked.is_empty() {
            return Ok(());
        }
        let running = self.list(aws, &instance, StatusValues::InProgress).await?;
        let mut b = self.board.lock().expect("status board");
        for id in asked.into_iter().filter(|id| !running.contains(id)) {
            b.running.remove(&id);
            b.finished.insert(id);
        }
        Ok(())
    }

    /// On its own slower cadence (at once when nothing runs any more):
    /// which finished requests FAILED (described, for the reason), and so
    /// which SUCCEEDED.
    async fn poll_outcomes(&self, aws: &Aws) -> Result<(), AwsError> {
        let now = Instant::now();
        let (instance, settle): (String, Vec<String>) = {
            let mut b = self.board.lock().expect("status board");
            let due = b.running.is_empty()
                || b.last_outcomes.is_none_or(|at| now - at >= OUTCOME_CADENCE);
            if !due || b.finished.is_empty() {
                return Ok(());
            }
            b.last_outcomes = Some(now);
            (b.instance.clone(), b.finished.iter().cloned().collect())
        };
        let failed = self.list(aws, &instance, StatusValues::Failed).await?;
        let mut outcomes = Vec::new();
        for id in settle {
            let outcome = if failed.contains(&id) {
                // Only a failure is described: its reason is worth a call.
                self.describe(aws, &instance, &id).await?
            } else {
                AsyncStatus::Succeeded
            };
            outcomes.push((id, outcome));
        }
        let mut b = self.board.lock().expect("status board");
        for (id, outcome) in outcomes {
            b.finished.remove(&id);
            b.outcomes.insert(id, outcome);
        }
        Ok(())
    }

    /// The request ids in `status` (every page).
    async fn list(
        &self,
        aws: &Aws,
        instance: &str,
        status: StatusValues,
    ) -> Result<HashSet<String>, AwsError> {
        let filter = OperationStatusFilter::builder().status(status).build();
        let action = self.action("list");
        let ids = all_pages(|token| {
            let filter = filter.clone();
            async move {
                aws.pacer.ssoadmin().await;
                let page = match self.kind {
                    Kind::Creation => {
                        let out = aws
                            .ssoadmin
                            .list_account_assignment_creation_status()
                            .instance_arn(instance)
                            .filter(filter)
                            .max_results(100)
                            .set_next_token(token)
                            .send()
                            .await
                            .map_err(|e| classify(action, e))?;
                        let ids: Vec<String> = out
                            .account_assignments_creation_status()
                            .iter()
                            .filter_map(|s| s.request_id().map(str::to_string))
                            .collect();
                        (ids, out.next_token().map(str::to_string))
                    }
                    Kind::Deletion => {
                        let out = aws
                            .ssoadmin
                            .list_account_assignment_deletion_status()
                            .instance_arn(instance)
                            .filter(filter)
                            .max_results(100)
                            .set_next_token(token)
                            .send()
                            .await
                            .map_err(|e| classify(action, e))?;
                        let ids: Vec<String> = out
                            .account_assignments_deletion_status()
                            .iter()
                            .filter_map(|s| s.request_id().map(str::to_string))
                            .collect();
                        (ids, out.next_token().map(str::to_string))
                    }
                };
                Ok(page)
            }
        })
        .await?;
        Ok(ids.into_iter().collect())
    }

    /// One request's status, described.
    pub(crate) async fn describe(
        &self,
        aws: &Aws,
        instance: &str,
        id: &str,
    ) -> Result<AsyncStatus, AwsError> {
        let action = self.action("describe");
        aws.pacer.ssoadmin().await;
        let s = match self.kind {
            Kind::Creation => aws
                .ssoadmin
                .describe_account_assignment_creation_status()
                .instance_arn(instance)
                .account_assignment_creation_request_id(id)
                .send()
                .await
                .map_err(|e| classify(action, e))?
                .account_assignment_creation_status()
                .cloned(),
            Kind::Deletion => aws
                .ssoadmin
                .describe_account_assignment_deletion_status()
                .instance_arn(instance)
                .account_assignment_deletion_request_id(id)
                .send()
                .await
                .map_err(|e| classify(action, e))?
                .account_assignment_deletion_status()
                .cloned(),
        };
        Ok(super::ssoadmin::async_status(
            s.as_ref().and_then(|s| s.status()),
            Some(id),
            s.as_ref().and_then(|s| s.failure_reason()),
        ))
    }

    /// Without the list calls: this request described on its own, with
    /// backoff, until it is done or the timeout passes.
    async fn describe_until_done(
        &self,
        aws: &Aws,
        id: &str,
        joined: Instant,
    ) -> Result<AsyncStatus, AwsError> {
        let instance = self.board.lock().expect("status board").instance.clone();
        let mut delay = Duration::from_millis(500);
        loop {
            tokio::time::sleep(delay).await;
            delay = (delay * 3 / 2).min(Duration::from_secs(5));
            let status = self.describe(aws, &instance, id).await?;
            if !matches!(status, AsyncStatus::InProgress(_)) || joined.elapsed() > TIMEOUT {
                return Ok(status);
            }
        }
    }
}

/// A list call this caller or endpoint cannot use: describe instead.
fn unusable(e: &AwsError) -> bool {
    matches!(
        e.kind,
        AwsErrorKind::AccessDenied | AwsErrorKind::Unsupported
    )
}
