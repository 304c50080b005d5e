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
const CADENCE: Duration = Duration::from_millis(250);

/// How long one request may stay IN_PROGRESS.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Default)]
struct Board {
    /// Request id -> when it joined.
    waiting: HashMap<String, Instant>,
    finished: HashMap<String, AsyncStatus>,
    last_poll: Option<Instant>,
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

    /// Waits until request `id` is no longer IN_PROGRESS; its outcome.
    pub(crate) async fn wait(
        &self,
        aws: &Aws,
        instance: &str,
        id: &str,
    ) -> Result<AsyncStatus, AwsError> {
        let joined = Instant::now();
        {
            let mut b = self.board.lock().expect("status board");
            b.instance = instance.to_string();
            b.waiting.insert(id.to_string(), joined);
        }
        let result = self.wait_joined(aws, id, joined).await;
        let mut b = self.board.lock().expect("status board");
        b.waiting.remove(id);
        b.finished.remove(id);
        result
    }

    async fn wait_joined(
        &self,
        aws: &Aws,
        id: &str,
        joined: Instant,
    ) -> Result<AsyncStatus, AwsError> {
        loop {
            if self.describe_each.load(Ordering::Relaxed) {
                return self.describe_until_done(aws, id, joined).await;
            }
            let polled = self.polled.notified();
            tokio::pin!(polled);
            polled.as_mut().enable();
            if let Some(done) = self.board.lock().expect("status board").finished.remove(id) {
                return Ok(done);
            }
            if joined.elapsed() > TIMEOUT {
                return Ok(AsyncStatus::InProgress(id.to_string()));
            }
            match self.polling.try_lock() {
                Ok(_turn) => {
                    let next = self
                        .board
                        .lock()
                        .expect("status board")
                        .last_poll
                        .map_or(joined + CADENCE, |at| at + CADENCE)
                        .max(joined + CADENCE);
                    tokio::time::sleep_until(next).await;
                    let outcome = self.poll(aws).await;
                    self.polled.notify_waiters();
                    match outcome {
                        Ok(()) => {}
                        Err(e) if unusable(&e) => {
                            tracing::debug!(
                                "{}: {e}; describing each request",
                                self.action("list")
                            );
                            self.describe_each.store(true, Ordering::Relaxed);
                        }
                        Err(e) => return Err(e),
                    }
                }
                // Someone else polls: their list answers for this request too.
                Err(_) => {
                    let _ = tokio::time::timeout(CADENCE * 8, polled).await;
                }
            }
        }
    }

    /// One look for everyone waiting: what is still IN_PROGRESS, and of
    /// what is not, what FAILED (described, for the reason).
    async fn poll(&self, aws: &Aws) -> Result<(), AwsError> {
        let started = Instant::now();
        let (instance, asked): (String, Vec<String>) = {
            let mut b = self.board.lock().expect("status board");
            b.last_poll = Some(started);
            let asked = b
                .waiting
                .iter()
                .filter(|(id, _)| !b.finished.contains_key(*id))
                .map(|(id, _)| id.clone())
                .collect();
            (b.instance.clone(), asked)
        };
        if asked.is_empty() {
            return Ok(());
        }
        let running = self.list(aws, &instance, StatusValues::InProgress).await?;
        let done: Vec<String> = asked
            .into_iter()
            .filter(|id| !running.contains(id))
            .collect();
        if done.is_empty() {
            return Ok(());
        }
        let failed = self.list(aws, &instance, StatusValues::Failed).await?;
        let mut outcomes = Vec::new();
        for id in done {
            let outcome = if failed.contains(&id) {
                // Only a failure is described: its reason is worth a call.
                self.describe(aws, &instance, &id).await?
            } else {
                AsyncStatus::Succeeded
            };
            outcomes.push((id, outcome));
        }
        self.board
            .lock()
            .expect("status board")
            .finished
            .extend(outcomes);
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
