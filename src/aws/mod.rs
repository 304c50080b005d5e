//! The one place that builds the AWS configuration and clients, and the error
//! type every AWS call returns.
//!
//! Wrappers in this module's files are thin and domain-shaped: pagination is
//! hidden, and every failure becomes an [`AwsError`] that knows which IAM
//! action was attempted, so an `AccessDenied` can name the missing permission.

pub(crate) mod iam;
pub(crate) mod identitystore;
pub(crate) mod organizations;
pub(crate) mod pace;
pub(crate) mod profile;
pub(crate) mod regions;
pub(crate) mod signin;
pub(crate) mod ssoadmin;
pub(crate) mod status;
pub(crate) mod sts;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Attempts per request (the SDK's default is 3): enough to ride out a burst
/// of throttling from other callers sharing the account's rate.
const MAX_ATTEMPTS: u32 = 6;

/// Where to find AWS: the global flags that shape the SDK configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct AwsSettings {
    pub profile: Option<String>,
    /// The Identity Center home region: `--region`, else the config's `region`.
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Makes an sso-admin client for another region (to look for an instance
/// that lives elsewhere). A function so tests can hand out mocks per region.
pub(crate) type RegionalSsoAdmin = Arc<dyn Fn(&str) -> aws_sdk_ssoadmin::Client + Send + Sync>;

/// Makes an IAM client that signs with other credentials (a member
/// account's AssumeRoot session, for that account id). A function so tests
/// can hand out mocks per account.
pub(crate) type SessionIam =
    Arc<dyn Fn(&str, aws_credential_types::Credentials) -> aws_sdk_iam::Client + Send + Sync>;

/// The AWS clients every step uses, all built from one configuration.
#[derive(Clone)]
pub(crate) struct Aws {
    /// The Identity Center home region in use.
    pub region: String,
    /// Where the credentials come from (shown atop every plan).
    pub credentials: crate::model::CredentialSource,
    pub sts: aws_sdk_sts::Client,
    pub organizations: aws_sdk_organizations::Client,
    pub ssoadmin: aws_sdk_ssoadmin::Client,
    pub identitystore: aws_sdk_identitystore::Client,
    pub iam: aws_sdk_iam::Client,
    pub pacer: Arc<pace::Pacer>,
    /// Assignment creations and deletions waiting for AWS, polled together.
    pub creations: Arc<status::StatusBoard>,
    pub deletions: Arc<status::StatusBoard>,
    regional_ssoadmin: RegionalSsoAdmin,
    session_iam: SessionIam,
    /// Operations this endpoint answered as not implemented: not asked again.
    unsupported: Arc<std::sync::Mutex<std::collections::BTreeSet<&'static str>>>,
    /// What the run goes without because the endpoint lacks an API, not
    /// said yet ([`Aws::gaps`]).
    gaps: Arc<std::sync::Mutex<Vec<String>>>,
    /// How these clients were made (to make them again for another home
    /// region); `None` for clients a test hands in.
    settings: Option<AwsSettings>,
    /// Sessions in member accounts (an assumed role each), by account,
    /// with when they expire: made once, used until shortly before then.
    members: Arc<std::sync::Mutex<std::collections::HashMap<String, (Aws, std::time::SystemTime)>>>,
}

impl Aws {
    /// Builds the configuration from the flags and the standard AWS
    /// environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS,
    /// credentials chain, `aws configure sso` profiles). `Ok(None)` when no
    /// region is set anywhere. A named profile (`--profile` or `AWS_PROFILE`)
    /// must exist, and it is then the only source of credentials: keys in
    /// the environment do not override it (as with the AWS CLI).
    pub(crate) async fn connect(settings: &AwsSettings) -> Result<Option<Self>, ConnectError> {
        let endpoint = match &settings.endpoint_url {
            Some(url) => Some(("--endpoint-url", url.clone())),
            None => std::env::var("AWS_ENDPOINT_URL")
                .ok()
                .filter(|u| !u.is_empty())
                .map(|u| ("AWS_ENDPOINT_URL", u)),
        };
        if let Some((source, url)) = &endpoint {
            check_endpoint(url).map_err(|why| ConnectError::BadEndpoint {
                source,
                value: url.clone(),
                why,
            })?;
        }
        let named = profile::named(settings.profile.as_deref());
        if let Some(name) = &named {
            profile::check_exists(name)
                .await
                .map_err(ConnectError::UnknownProfile)?;
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        // Throttling that pacing did not prevent is retried with backoff. A
        // retry setting in the environment (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE)
        // wins, as the AWS CLI's does.
        if std::env::var_os("AWS_MAX_ATTEMPTS").is_none()
            && std::env::var_os("AWS_RETRY_MODE").is_none()
        {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        }
        loader = loader.timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
        if let Some(profile) = &named {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut sdk = loader.load().await;
        let credentials = match &named {
            Some(name) => {
                // The profile's own chain, not the default one (which reads
                // the environment's keys first).
                let conf = aws_config::provider_config::ProviderConfig::without_region()
                    .with_region(sdk.region().cloned())
                    .with_behavior_version(Some(BehaviorVersion::latest()));
                let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .configure(&conf)
                    .profile_name(name)
                    .build();
                sdk = sdk
                    .into_builder()
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                    )
                    .build();
                crate::model::CredentialSource::Profile(name.clone())
            }
            None => profile::default_source().await,
        };
        Ok(sdk.region().map(|region| {
            let mut aws = Self::from_sdk_config(&sdk, region.to_string(), credentials);
            aws.settings = Some(settings.clone());
            aws
        }))
    }

    /// The same clients for home region `region` (the person chose it, or
    /// the instance lives there). `None` for clients a test handed in.
    pub(crate) async fn in_region(&self, region: &str) -> Result<Option<Self>, ConnectError> {
        let Some(settings) = &self.settings else {
            return Ok(None);
        };
        let settings = AwsSettings {
            region: Some(region.to_string()),
            ..settings.clone()
        };
        Self::connect(&settings).await
    }

    fn from_sdk_config(
        sdk: &SdkConfig,
        region: String,
        credentials: crate::model::CredentialSource,
    ) -> Self {
        let base = sdk.clone();
        let pacer = Arc::new(pace::Pacer::from_env());
        // The paced clients tell the pacer when AWS throttles them anyway.
        let ssoadmin = aws_sdk_ssoadmin::config::Builder::from(sdk)
            .interceptor(pace::ThrottleFeedback::new(
                pacer.clone(),
                pace::Service::SsoAdmin,
            ))
            .retry_classifier(pace::PacedRetries::new(
                pacer.clone(),
                pace::Service::SsoAdmin,
            ))
            .build();
        let identitystore = aws_sdk_identitystore::config::Builder::from(sdk)
            .interceptor(pace::ThrottleFeedback::new(
                pacer.clone(),
                pace::Service::IdentityStore,
            ))
            .retry_classifier(pace::PacedRetries::new(
                pacer.clone(),
                pace::Service::IdentityStore,
            ))
            .build();
        Self {
            region,
            credentials,
            sts: aws_sdk_sts::Client::new(sdk),
            organizations: aws_sdk_organizations::Client::new(sdk),
            ssoadmin: aws_sdk_ssoadmin::Client::from_conf(ssoadmin),
            identitystore: aws_sdk_identitystore::Client::from_conf(identitystore),
            iam: aws_sdk_iam::Client::new(sdk),
            pacer,
            creations: Arc::new(status::StatusBoard::new(status::Kind::Creation)),
            deletions: Arc::new(status::StatusBoard::new(status::Kind::Deletion)),
            unsupported: Arc::default(),
            gaps: Arc::default(),
            settings: None,
            members: Arc::default(),
            regional_ssoadmin: Arc::new({
                let base = base.clone();
                move |region: &str| {
                    let config = aws_sdk_ssoadmin::config::Builder::from(&base)
                        .region(Region::new(region.to_string()))
                        .build();
                    aws_sdk_ssoadmin::Client::from_conf(config)
                }
            }),
            // IAM's limits are per account: each member account's client
            // keeps its own retry budget and, once AWS throttles it, its own
            // adaptive rate (the SDK's client rate limiter, per partition),
            // so a throttled account slows only itself.
            session_iam: Arc::new(move |account: &str, credentials| {
                let config = aws_sdk_iam::config::Builder::from(&base)
                    .credentials_provider(credentials)
                    .retry_config(aws_smithy_types::retry::RetryConfig::adaptive())
                    .retry_partition(aws_sdk_iam::config::retry::RetryPartition::new(format!(
                        "iam-{account}"
                    )))
                    .build();
                aws_sdk_iam::Client::from_conf(config)
            }),
        }
    }

    /// A read that a local stand-in may not implement (it answers HTTP 500
    /// without an error code: [`AwsErrorKind::Unsupported`]). `Ok(None)`:
    /// this endpoint lacks `action`; said once (`without` tells what the run
    /// goes on without), and not asked again in this run, since every try
    /// would cost retries. Send such reads with [`few_retries!`]; their
    /// throttling is retried here instead, as often as the SDK would.
    pub(crate) async fn optional_read<T, Fut>(
        &self,
        action: &'static str,
        without: &str,
        read: impl FnMut() -> Fut,
    ) -> Result<Option<T>, AwsError>
    where
        Fut: std::future::Future<Output = Result<T, AwsError>>,
    {
        if self.unsupported.lock().expect("lock").contains(action) {
            return Ok(None);
        }
        // The read itself gives up after two attempts (a missing API should
        // cost little); throttling is retried here as often as the SDK would.
        let throttled = |e: &AwsError| e.kind == AwsErrorKind::Throttled;
        match retry_while(throttled, MAX_ATTEMPTS, Duration::from_millis(250), read).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind == AwsErrorKind::Unsupported => {
                if self.unsupported.lock().expect("lock").insert(action) {
                    tracing::debug!("this endpoint does not implement {action}: {without}");
                    self.gaps.lock().expect("lock").push(format!(
                        "this endpoint does not implement {action}: {without}"
                    ));
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Where every call goes instead of AWS (`--endpoint-url`, or
    /// `AWS_ENDPOINT_URL`): a local stand-in, if set.
    pub(crate) fn custom_endpoint(&self) -> Option<String> {
        self.settings
            .as_ref()
            .and_then(|s| s.endpoint_url.clone())
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .filter(|u| !u.is_empty())
    }

    /// What this run went without since the last call, because the endpoint
    /// lacks an API (a local stand-in does): said once, after the table or
    /// plan it would otherwise break up.
    pub(crate) fn gaps(&self) -> Vec<String> {
        std::mem::take(&mut *self.gaps.lock().expect("lock"))
    }

    /// These clients, with IAM signing as `role_arn` in member account
    /// `account` (sts:AssumeRole; a short session, made again shortly before
    /// it ends): the member's IAM users, read and changed through the role.
    /// Every other client stays the caller's.
    pub(crate) async fn in_member(&self, account: &str, role_arn: &str) -> Result<Aws, AwsError> {
        let now = std::time::SystemTime::now();
        if let Some((aws, until)) = self.members.lock().expect("lock").get(account) {
            if *until > now + Duration::from_secs(120) {
                return Ok(aws.clone());
            }
        }
        let credentials = sts::assume_role(&self.sts, role_arn).await?;
        let until = credentials
            .expiry()
            .unwrap_or(now + Duration::from_secs(900));
        let mut member = self.clone();
        member.iam = self.iam_with(account, credentials);
        member.members = Arc::default();
        self.members
            .lock()
            .expect("lock")
            .insert(account.to_string(), (member.clone(), until));
        Ok(member)
    }

    /// Drops the session kept for `account` (an account this run will
    /// not change: its client is not kept for the rest of the run).
    pub(crate) fn forget_member(&self, account: &str) {
        self.members.lock().expect("lock").remove(account);
    }

    /// An IAM client signing with `credentials` (a session in `account`).
    pub(crate) fn iam_with(
        &self,
        account: &str,
        credentials: aws_credential_types::Credentials,
    ) -> aws_sdk_iam::Client {
        (self.session_iam)(account, credentials)
    }

    /// An sso-admin client for `region` (the home region's is `self.ssoadmin`).
    pub(crate) fn ssoadmin_in(&self, region: &str) -> aws_sdk_ssoadmin::Client {
        if region == self.region {
            self.ssoadmin.clone()
        } else {
            (self.regional_ssoadmin)(region)
        }
    }

    /// Clients given by a test (mocks); `regional` answers for other regions.
    #[cfg(test)]
    pub(crate) fn from_clients(
        region: &str,
        sts: aws_sdk_sts::Client,
        organizations: aws_sdk_organizations::Client,
        ssoadmin: aws_sdk_ssoadmin::Client,
        identitystore: aws_sdk_identitystore::Client,
        regional: RegionalSsoAdmin,
    ) -> Self {
        Self {
            region: region.to_string(),
            credentials: crate::model::CredentialSource::Environment,
            sts,
            organizations,
            ssoadmin,
            identitystore,
            // IAM knows every AWS managed policy (the pre-flight asks); tests
            // that reach IAM otherwise give it with `with_iam`.
            iam: {
                let known =
                    aws_smithy_mocks::mock!(aws_sdk_iam::Client::get_policy).then_output(|| {
                        aws_sdk_iam::operation::get_policy::GetPolicyOutput::builder()
                            .policy(aws_sdk_iam::types::Policy::builder().build())
                            .build()
                    });
                aws_smithy_mocks::mock_client!(
                    aws_sdk_iam,
                    aws_smithy_mocks::RuleMode::MatchAny,
                    [&known]
                )
            },
            // Mocks answer at once; pacing is tested on its own.
            pacer: Arc::new(pace::Pacer::new(10_000.0, 10_000.0, 15)),
            creations: Arc::new(status::StatusBoard::new(status::Kind::Creation)),
            deletions: Arc::new(status::StatusBoard::new(status::Kind::Deletion)),
            unsupported: Arc::default(),
            gaps: Arc::default(),
            settings: None,
            members: Arc::default(),
            regional_ssoadmin: regional,
            session_iam: Arc::new(|account: &str, _| {
                panic!("no IAM session mock for account {account}")
            }),
        }
    }

    /// The IAM client, and the clients of member-account sessions, a test gives.
    #[cfg(test)]
    pub(crate) fn with_iam(mut self, iam: aws_sdk_iam::Client, sessions: SessionIam) -> Self {
        self.iam = iam;
        self.session_iam = sessions;
        self
    }
}

/// Why no AWS configuration could be built; said before any AWS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnectError {
    UnknownProfile(profile::UnknownProfile),
    BadEndpoint {
        /// `--endpoint-url` or `AWS_ENDPOINT_URL`.
        source: &'static str,
        value: String,
        why: String,
    },
}

/// An endpoint must be an http(s) URL with a host (a local stand-in, or a
/// VPC endpoint); anything else would fail later with the SDK's raw request.
pub(crate) fn check_endpoint(value: &str) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme is {:?}; an endpoint is http:// or https://",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".to_string());
    }
    Ok(())
}

/// Every page of a list call: `page` gets the token (IAM: the marker; none
/// at first), paces itself if it must, and returns the page's items and the
/// next token. The SDK's paginators are not used so that each page can be
/// paced before it is asked for.
pub(crate) async fn all_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut items = Vec::new();
    let mut marker = None;
    loop {
        let (more, next) = page(marker).await?;
        items.extend(more);
        match next {
            Some(m) => marker = Some(m),
            None => return Ok(items),
        }
    }
}

/// What kind of failure an AWS call had; decides retries and hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AwsErrorKind {
    AccessDenied,
    /// The credentials are missing, invalid or expired.
    Credentials,
    NotFound,
    Conflict,
    Throttled,
    /// The request never got an answer (network, endpoint, timeout).
    Connection,
    /// AWS's own failure (InternalServerException and the like): retryable.
    ServerError,
    /// A server error without an AWS error code: the endpoint does not
    /// implement the operation (a local stand-in answers such calls with an
    /// HTML error page).
    Unsupported,
    /// An answer that is not the service's at all (a web page, another
    /// API): the endpoint is not what it should be.
    NotTheService,
    Other,
}

/// An answer as an error message shows it: the HTTP status and the first
/// words of the body (whitespace folded, control characters out). Pure.
pub(crate) fn answer_excerpt(raw: &HttpResponse) -> String {
    let body = raw
        .body()
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let words: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if words.is_empty() {
        format!("HTTP {} with no body", raw.status().as_u16())
    } else {
        format!(
            "HTTP {}, {}",
            raw.status().as_u16(),
            crate::model::excerpt(&words)
        )
    }
}

/// A failed AWS call.
#[derive(Debug, Clone)]
pub struct AwsError {
    /// The IAM action of the call, e.g. `organizations:CreateOrganization`.
    pub action: &'static str,
    pub kind: AwsErrorKind,
    /// The AWS error code, e.g. `AccessDeniedException`.
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    /// What the user can do about it.
    pub(crate) fn hint(&self) -> Option<String> {
        let action = self.action;
        match self.kind {
            AwsErrorKind::AccessDenied if self.code.as_deref() == Some("AccessDeniedForDependencyException") => Some(format!(
                "the caller needs `iam:CreateServiceLinkedRole` as well as `{action}`: add both to the caller's IAM policy, or run as an administrator of the account"
            )),
            AwsErrorKind::AccessDenied => Some(format!(
                "the caller is not allowed `{action}`: add that action to the caller's IAM policy (or use --profile with an administrator of the management account)"
            )),
            AwsErrorKind::Credentials => Some(
                "name a profile with --profile NAME (or AWS_PROFILE), or sign in again if its session expired (`ssosetup --profile NAME login`, or `aws sso login --profile NAME`); `aws configure list` shows what the AWS CLI would use".to_string(),
            ),
            AwsErrorKind::Throttled => Some("AWS is throttling this account's requests: wait a minute and run the command again; nothing is half-applied".to_string()),
            AwsErrorKind::Connection => Some("AWS could not be reached: check the network, or --endpoint-url / AWS_ENDPOINT_URL if you use a local stand-in".to_string()),
            AwsErrorKind::Unsupported => Some(format!(
                "the endpoint does not implement `{action}`: if it is a local stand-in, it lacks that operation; otherwise check --endpoint-url and the AWS_ENDPOINT_URL variables (AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO for sign-in)"
            )),
            AwsErrorKind::NotTheService => Some(format!(
                "the endpoint that answered `{action}` is not that AWS service: check --endpoint-url and the AWS_ENDPOINT_URL variables (AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO for sign-in), and the region (sso_region for sign-in)"
            )),
            _ => None,
        }
    }

    pub(crate) fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// `Ok` when AWS's answer `code` means the change is in place already
    /// (registered already, not registered); else this error.
    pub(crate) fn done_if(self, code: &str) -> Result<(), AwsError> {
        if self.is(code) {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// Retries `call` while AWS answers ConflictException because another
/// change to the same resource is in progress (CONCURRENT_MODIFICATION, or a
/// permission set busy provisioning); the SDK does not retry those.
pub(crate) async fn retry_conflicts<T, F, Fut>(call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    let conflict = |e: &AwsError| e.kind == AwsErrorKind::Conflict;
    retry_while(conflict, 8, Duration::from_millis(200), call).await
}

/// Calls `call` again, up to `attempts` in all, while it fails with an
/// error `again` accepts, waiting `first` and then twice as long each time
/// (at most 10 s).
async fn retry_while<T, F, Fut>(
    again: impl Fn(&AwsError) -> bool,
    attempts: u32,
    first: Duration,
    mut call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    let mut delay = first;
    for attempt in 1.. {
        match call().await {
            Err(e) if again(&e) && attempt < attempts => {
                tracing::debug!(action = e.action, attempt, error = %e, "trying again");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            result => return result,
        }
    }
    unreachable!("the loop returns")
}

impl AwsError {
    /// Failures after which the same call may succeed.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            AwsErrorKind::Connection
                | AwsErrorKind::Throttled
                | AwsErrorKind::ServerError
                | AwsErrorKind::Unsupported
        )
    }
}

/// For a change that is not idempotent (a create; an attach or a membership
/// that conflicts when repeated). The SDK must not retry such a call on its
/// own (the caller turns its retries off): when an answer is lost, the change
/// may have been made, and a blind retry makes a duplicate (assignments,
/// and moto, accept duplicates) or fails on a conflict. Instead, after a
/// transient failure or a conflict, `made` looks whether the change is
/// there; only if it is not is the call tried again, with backoff.
pub(crate) async fn change_checked<T, C, CF, M, MF>(mut call: C, mut made: M) -> Result<T, AwsError>
where
    C: FnMut() -> CF,
    CF: std::future::Future<Output = Result<T, AwsError>>,
    M: FnMut() -> MF,
    MF: std::future::Future<Output = Result<Option<T>, AwsError>>,
{
    const ATTEMPTS: u32 = 8;
    let mut delay = Duration::from_millis(300);
    for attempt in 1.. {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e)
                if (e.is_transient() || e.kind == AwsErrorKind::Conflict) && attempt < ATTEMPTS =>
            {
                tracing::debug!(action = e.action, attempt, error = %e, "checking whether the change was made");
                match made().await {
                    Ok(Some(v)) => return Ok(v),
                    Ok(None) => {}
                    Err(check) if check.is_transient() => {}
                    Err(check) => return Err(check),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

/// A per-call configuration that turns the SDK's retries off, for calls
/// wrapped in [`change_checked`].
macro_rules! no_sdk_retries {
    ($service:ident) => {
        $service::config::Builder::default()
            .retry_config(aws_config::retry::RetryConfig::disabled())
    };
}
pub(crate) use no_sdk_retries;

/// A per-call configuration for a read an endpoint may not implement (see
/// [`Aws::optional_read`]): one quick retry instead of six slow ones.
macro_rules! few_retries {
    ($service:ident) => {
        $service::config::Builder::default().retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(2)
                .with_initial_backoff(std::time::Duration::from_millis(100)),
        )
    };
}
pub(crate) use few_retries;

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "AWS refused {}: {code}: {}", self.action, self.message),
            None => write!(f, "{} failed: {}", self.action, self.message),
        }
    }
}

impl std::error::Error for AwsError {}

fn kind_of_code(code: &str) -> AwsErrorKind {
    match code {
        "AccessDeniedException"
        | "AccessDenied"
        | "AccessDeniedForDependencyException"
        | "UnauthorizedOperation" => AwsErrorKind::AccessDenied,
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "SignatureDoesNotMatch"
        | "InvalidSignatureException" => AwsErrorKind::Credentials,
        "ResourceNotFoundException" | "NoSuchEntity" => AwsErrorKind::NotFound,
        "ConflictException" | "ConcurrentModificationException" => AwsErrorKind::Conflict,
        "InternalFailure"
        | "InternalServerException"
        | "InternalError"
        | "ServiceUnavailable"
        | "ServiceUnavailableException" => AwsErrorKind::ServerError,
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded" => AwsErrorKind::Throttled,
        _ => AwsErrorKind::Other,
    }
}

/// The innermost cause of an error: what actually went wrong ("Connection
/// refused (os error 111)"), without the SDK's wrappers and debug dumps.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut e = err;
    while let Some(next) = e.source() {
        e = next;
    }
    e.to_string()
}

/// Whether the failure is that no credentials could be loaded at all.
fn is_missing_credentials(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut e = Some(err);
    while let Some(cur) = e {
        if let Some(c) =
            cur.downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
        {
            return matches!(
                c,
                aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_)
            );
        }
        e = cur.source();
    }
    false
}

/// Turns the SDK's error into an [`AwsError`] for `action`.
pub(crate) fn classify<E>(action: &'static str, err: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().map(str::to_string);
    let missing_credentials = is_missing_credentials(&err);
    let kind = match (&err, &code) {
        _ if missing_credentials => AwsErrorKind::Credentials,
        (SdkError::DispatchFailure(d), _) if d.is_user() => AwsErrorKind::Credentials,
        (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), _) => AwsErrorKind::Connection,
        (_, Some(code)) => kind_of_code(code),
        (SdkError::ServiceError(se), None) if se.raw().status().is_server_error() => {
            AwsErrorKind::Unsupported
        }
        (SdkError::ResponseError(_), None) | (SdkError::ServiceError(_), None) => {
            AwsErrorKind::NotTheService
        }
        _ => AwsErrorKind::Other,
    };
    let message = if missing_credentials {
        "no AWS credentials were found (looked at: the environment's AWS_ACCESS_KEY_ID, the default profile in the shared config and credentials files, a web identity token, the container and instance metadata)".to_string()
    } else if let Some(m) = err.message() {
        m.to_string()
    } else if kind == AwsErrorKind::Connection {
        format!("no answer from the endpoint: {}", innermost(&err))
    } else if let Some(raw) = err.raw_response() {
        // Not the service's answer (a web page, another API): what came
        // back, in a few words, not the parser's whole complaint.
        format!("the endpoint answered {}", answer_excerpt(raw))
    } else {
        DisplayErrorContext(&err).to_string()
    };
    tracing::debug!(action, ?code, %message, "AWS call failed");
    AwsError {
        action,
        kind,
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_action() {
        let e = AwsError {
            action: "organizations:DescribeOrganization",
            kind: kind_of_code("AccessDeniedException"),
            code: Some("AccessDeniedException".into()),
            message: "no".into(),
        };
        assert!(e
            .hint()
            .unwrap()
            .contains("`organizations:DescribeOrganization`"));
    }

    fn lost(action: &'static str) -> AwsError {
        AwsError {
            action,
            kind: AwsErrorKind::Connection,
            code: None,
            message: "connection closed before the answer".into(),
        }
    }

    #[tokio::test]
    async fn a_lost_answer_is_checked_not_blindly_retried() {
        let calls = std::cell::Cell::new(0);
        // The change was made, but its answer was lost: it is found, not made again.
        let made = change_checked(
            || async {
                calls.set(calls.get() + 1);
                Err::<&str, _>(lost("sso:CreateAccountAssignment"))
            },
            || async { Ok(Some("found")) },
        )
        .await
        .unwrap();
        assert_eq!((made, calls.get()), ("found", 1));
    }

    #[tokio::test]
    async fn a_change_that_was_not_made_is_tried_again() {
        let calls = std::cell::Cell::new(0);
        let made = change_checked(
            || async {
                calls.set(calls.get() + 1);
                if calls.get() == 1 {
                    Err(lost("identitystore:CreateGroup"))
                } else {
                    Ok("created")
                }
            },
            || async { Ok(None) },
        )
        .await
        .unwrap();
        assert_eq!((made, calls.get()), ("created", 2));
    }

    #[tokio::test]
    async fn refusals_are_not_retried() {
        let calls = std::cell::Cell::new(0);
        let denied = change_checked(
            || async {
                calls.set(calls.get() + 1);
                Err::<(), _>(AwsError {
                    action: "sso:CreatePermissionSet",
                    kind: AwsErrorKind::AccessDenied,
                    code: Some("AccessDeniedException".into()),
                    message: "no".into(),
                })
            },
            || async { Ok(Some(())) },
        )
        .await;
        assert!(denied.is_err());
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn codes_are_classified() {
        assert_eq!(kind_of_code("Throttling"), AwsErrorKind::Throttled);
        assert_eq!(kind_of_code("ThrottlingException"), AwsErrorKind::Throttled);
        assert_eq!(kind_of_code("ConflictException"), AwsErrorKind::Conflict);
        assert_eq!(kind_of_code("NoSuchEntity"), AwsErrorKind::NotFound);
        assert_eq!(kind_of_code("ExpiredToken"), AwsErrorKind::Credentials);
        assert_eq!(kind_of_code("Whatever"), AwsErrorKind::Other);
    }
}
