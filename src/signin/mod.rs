//! Every day after setup: `login` (the authorization code grant with PKCE
//! in the browser, or the device code grant; the token written where the
//! AWS CLI v2 and the SDKs look), `credentials` (credential_process JSON
//! for an SSO profile, for tools that cannot read one), `exec` (a command
//! run with a role's credentials), `console` (the AWS console, signed in
//! as the role) and `logout`. An expired token is renewed from its refresh
//! token, without a browser, wherever one is needed.
//!
//! Tokens, client secrets and role keys are secrets: none is ever printed
//! or logged, at any verbosity; `credentials` writes only its JSON, to
//! stdout, because that is its job.

pub(crate) mod cache;
pub(crate) mod console;
pub(crate) mod pkce;
pub(crate) mod profile;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use serde::Serialize;

use crate::aws::signin::{Poll, Registration, RoleCredentials, SignIn};
use crate::error::UserError;
use crate::ini::ConfigFile;
use crate::model::printable;
use crate::ui::{Printer, Prompter};
use cache::CachedToken;
use profile::{SsoProfile, SsoSession};

/// A token this close to its end is refreshed first: botocore asks again
/// within 15 minutes of a credential's expiry, so what ssosetup hands out
/// must outlive that.
const REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a refresh waits for another process's refresh of the same cache.
const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(30);
/// A client registration this close to its end is not reused.
const REGISTRATION_MARGIN: Duration = Duration::from_secs(24 * 3600);

/// The AWS CLI config file, parsed, and where it is.
fn aws_config() -> Result<(ConfigFile, PathBuf), UserError> {
    let path = crate::aws::profile::aws_config_path()?;
    match crate::files::read_text(&path, 1024 * 1024) {
        Ok(text) => Ok((ConfigFile::parse(&text), path)),
        Err(crate::files::ReadError::Missing) => Ok((ConfigFile::parse(""), path)),
        Err(e) => {
            Err(UserError::new(format!("cannot read {}", path.display())).caused_by(e.to_string()))
        }
    }
}

/// Before a run signs in with profile `name`: when it is an SSO profile,
/// its settings are sound (an `sso_region` that is not a region is named
/// with its file) and someone has signed in to it. Not signed in, the SDK
/// would say only that a token could not be loaded, which reads as a
/// network fault; this says what to run.
pub(crate) fn check_profile(name: &str) -> Result<(), UserError> {
    let (file, path) = aws_config()?;
    if !profile::is_sso_profile(&file, name) {
        return Ok(());
    }
    let p = profile::profile(&file, &path, name)?;
    let usable = cache::read(p.session.cache_key())?.is_some_and(|t| {
        t.start_url == p.session.start_url
            && (t.valid_for(Duration::ZERO)
                || (t.refresh_token.is_some() && t.registration(Duration::ZERO).is_some()))
    });
    if usable {
        return Ok(());
    }
    Err(UserError::new(format!("the profile {name} is not signed in"))
        .caused_by(format!(
            "it signs in through Identity Center ({}), and there is no token for it that is good or can be renewed",
            p.session.start_url
        ))
        .hint(format!("run `ssosetup login --profile {name}`, then this command again")))
}

/// Which session `login` signs in to: `--sso-session`, else `--profile`'s,
/// else `[cli] session_name` from ssosetup's config, else the only
/// `[sso-session]` in the AWS config, else the person picks one.
pub(crate) fn choose_session(
    sso_session: Option<&str>,
    profile: Option<&str>,
    configured: Option<&str>,
    prompt: &mut dyn Prompter,
) -> Result<SsoSession> {
    let (file, path) = aws_config()?;
    if let Some(name) = sso_session {
        return Ok(profile::session(&file, &path, name)?);
    }
    if let Some(name) = profile {
        return Ok(profile::profile(&file, &path, name)?.session);
    }
    if let Some(name) = configured {
        return Ok(profile::session(&file, &path, name)?);
    }
    let known = profile::sessions(&file);
    match known.as_slice() {
        [] => Err(
            UserError::new("the AWS CLI config has no [sso-session] to sign in to")
                .hint("run `ssosetup cli-profiles` first (or pass --sso-session NAME)")
                .into(),
        ),
        [one] => Ok(profile::session(&file, &path, one)?),
        many if prompt.interactive() => {
            let i = prompt.select("Sign in to which SSO session?", many, 0)?;
            Ok(profile::session(&file, &path, &many[i])?)
        }
        many => Err(
            UserError::new("the AWS CLI config has several SSO sessions")
                .caused_by(format!("sessions: {}", many.join(", ")))
                .hint("pass --sso-session NAME")
                .into(),
        ),
    }
}

/// Whether a browser can be opened here: macOS or Windows, a display, or a
/// browser named in `BROWSER`.
pub(crate) fn has_display() -> bool {
    cfg!(any(target_os = "macos", windows))
        || ["DISPLAY", "WAYLAND_DISPLAY", "BROWSER"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// How `login` signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// The authorization code grant with PKCE: the browser on this machine
    /// comes back to a loopback listener (the AWS CLI v2's default).
    Browser,
    /// The device code grant: a page and a code, confirmed on any device;
    /// nothing is opened here.
    DeviceCode,
}

/// `ssosetup login`: signs in to `session` and writes the token to the
/// shared cache.
pub(crate) async fn login(session: &SsoSession, flow: Flow, out: &Printer) -> Result<()> {
    let key = session.cache_key();
    let cached = cache::read(key).unwrap_or_else(|e| {
        out.warn(&format!("{}; signing in again", e.message));
        None
    });
    let api = SignIn::new(&session.region).await;
    let (client, token) = match flow {
        Flow::Browser => {
            if !has_display() {
                return Err(UserError::new("no browser can be opened here (no display)")
                    .caused_by("the sign-in page must open on this machine to come back to it")
                    .hint("run `ssosetup login --use-device-code`: it shows a page and a code to confirm on any device")
                    .into());
            }
            code_grant(&api, session, out).await?
        }
        Flow::DeviceCode => device_grant(&api, session, cached.as_ref(), out).await?,
    };
    let expires = SystemTime::now() + Duration::from_secs(token.expires_in);
    let mut entry = cached.unwrap_or_else(|| CachedToken {
        start_url: String::new(),
        region: String::new(),
        access_token: String::new(),
        expires_at: String::new(),
        client_id: None,
        client_secret: None,
        registration_expires_at: None,
        refresh_token: None,
        other: Default::default(),
    });
    entry.start_url = session.start_url.clone();
    entry.region = session.region.clone();
    entry.access_token = token.access_token;
    entry.expires_at = cache::rfc3339(expires);
    entry.refresh_token = token.refresh_token;
    set_registration(&mut entry, &client);
    let path = cache::write(key, &entry)?;
    out.say(&format!(
        "Signed in; the session lasts until {} (cached in {}).",
        entry.expires_at,
        path.display()
    ));
    Ok(())
}

/// The authorization code grant with PKCE: a client registered for it, the
/// browser sent to the authorize page, the code it brings back to the
/// loopback listener exchanged with the verifier.
async fn code_grant(
    api: &SignIn,
    session: &SsoSession,
    out: &Printer,
) -> Result<(Registration, crate::aws::signin::Token)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| {
            UserError::new("cannot listen on a loopback port for the sign-in page to come back to")
                .caused_by(e.to_string())
                .hint("run `ssosetup login --use-device-code`")
        })?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}{}", pkce::CALLBACK_PATH);
    let client = api
        .register_for_code(pkce::REGISTERED_REDIRECT, &session.start_url)
        .await?;
    let pair = pkce::pair()?;
    let state = pkce::state()?;
    let url = pkce::authorize_url(
        &pkce::oidc_endpoint(&session.region),
        &client.client_id,
        &redirect_uri,
        &state,
        &pair.challenge,
    );
    out.notice(&format!(
        "Signing in to {} in your browser. If no page opens, open this one:",
        printable(&session.start_url)
    ));
    out.notice(&format!("  {url}"));
    if webbrowser::open(&url).is_err() {
        out.say("(no browser could be opened: open the page yourself, on this machine)");
    }
    let wait = pkce::callback_wait();
    out.notice(&format!(
        "Waiting up to {} minutes for the browser to come back (Ctrl-C, then `ssosetup login --use-device-code` if the browser is on another machine)...",
        wait.as_secs().div_ceil(60)
    ));
    let code = pkce::wait_for_code(&listener, &state, wait).await?;
    let token = api
        .code_token(&client, &code, &pair.verifier, &redirect_uri)
        .await?;
    Ok((client, token))
}

/// The device code grant: the page and the code shown (the code always
/// printed here, whatever the page shows), polled until confirmed.
async fn device_grant(
    api: &SignIn,
    session: &SsoSession,
    cached: Option<&CachedToken>,
    out: &Printer,
) -> Result<(Registration, crate::aws::signin::Token)> {
    // The client registration is reused until it is about to expire,
    // unless it was registered for the browser's grant.
    let mut client = match cached
        .filter(|t| t.start_url == session.start_url)
        .and_then(|t| t.registration(REGISTRATION_MARGIN))
    {
        Some(c) => c,
        None => api.register().await?,
    };
    let auth = match api.start(&client, &session.start_url).await? {
        Some(auth) => auth,
        None => {
            client = api.register().await?;
            api.start(&client, &session.start_url)
                .await?
                .ok_or_else(|| {
                    UserError::new(
                        "sso-oidc refused the device code grant for a client registered for it",
                    )
                    .hint("run `ssosetup login` (the browser's sign-in) instead")
                })?
        }
    };
    let url = auth
        .verification_uri_complete
        .clone()
        .unwrap_or_else(|| auth.verification_uri.clone());
    out.notice(&format!(
        "To sign in to {}, open this page on any device and check that it shows the code {}:",
        printable(&session.start_url),
        printable(&auth.user_code)
    ));
    out.notice(&format!("  {}", printable(&url)));
    out.say("Waiting for the sign-in to be confirmed in the browser...");
    let mut interval = Duration::from_secs(auth.interval.max(1));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(auth.expires_in.max(60));
    let token = loop {
        tokio::time::sleep(interval).await;
        match api.poll(&client, &auth.device_code).await? {
            Poll::Token(t) => break t,
            Poll::Pending if tokio::time::Instant::now() < deadline => {}
            Poll::SlowDown => interval += Duration::from_secs(5),
            Poll::Pending | Poll::Expired => {
                return Err(UserError::new("the sign-in code expired before it was confirmed")
                    .hint("run `ssosetup login --use-device-code` again and confirm the code in the browser within a few minutes")
                    .into())
            }
            Poll::Denied => {
                return Err(UserError::new("the sign-in was denied in the browser")
                    .hint("run `ssosetup login --use-device-code` again and choose Allow")
                    .into())
            }
        }
    };
    Ok((client, token))
}

fn set_registration(entry: &mut CachedToken, client: &Registration) {
    entry.client_id = Some(client.client_id.clone());
    entry.client_secret = Some(client.client_secret.clone());
    entry.registration_expires_at = Some(cache::rfc3339(
        SystemTime::UNIX_EPOCH + Duration::from_secs(client.expires_at.max(0) as u64),
    ));
}

fn not_signed_in(session: &SsoSession, why: impl Into<String>) -> anyhow::Error {
    UserError::new(format!(
        "not signed in to {}",
        session
            .name
            .as_deref()
            .map(|n| format!("SSO session {n}"))
            .unwrap_or_else(|| session.start_url.clone())
    ))
    .caused_by(why)
    .hint(format!("run `{}`", session.login_command()))
    .into()
}

/// A valid access token for `session`: the cached one, refreshed (and
/// written back) when it is expired or about to be.
async fn access_token(api: &SignIn, session: &SsoSession) -> Result<String> {
    let key = session.cache_key();
    let Some(mut token) = cache::read(key)? else {
        return Err(not_signed_in(session, "no token in the cache"));
    };
    if token.start_url != session.start_url {
        return Err(not_signed_in(
            session,
            "the cached token is for another start URL",
        ));
    }
    if token.valid_for(REFRESH_WINDOW) {
        return Ok(token.access_token);
    }
    // One refresh at a time; whoever waited reads what the other wrote.
    let _lock = tokio::task::spawn_blocking(|| cache::refresh_lock(REFRESH_LOCK_WAIT)).await?;
    if let Some(fresh) = cache::read(key)?.filter(|t| t.start_url == session.start_url) {
        token = fresh;
        if token.valid_for(REFRESH_WINDOW) {
            return Ok(token.access_token);
        }
    }
    let client = token.registration(Duration::ZERO);
    let (Some(client), Some(refresh)) = (client, token.refresh_token.clone()) else {
        return Err(not_signed_in(
            session,
            "the token expired and cannot be refreshed",
        ));
    };
    let fresh = api
        .refresh(&client, &refresh)
        .await
        .map_err(|e| not_signed_in(session, format!("the token could not be refreshed: {e}")))?;
    token.access_token = fresh.access_token;
    token.expires_at = cache::rfc3339(SystemTime::now() + Duration::from_secs(fresh.expires_in));
    if fresh.refresh_token.is_some() {
        token.refresh_token = fresh.refresh_token;
    }
    cache::write(key, &token)?;
    tracing::info!(
        "refreshed the token of {key}; now valid until {}",
        token.expires_at
    );
    Ok(token.access_token)
}

/// The role credentials of SSO profile `name`.
async fn role_credentials(name: &str) -> Result<(SsoProfile, RoleCredentials)> {
    let (file, path) = aws_config()?;
    let profile = profile::profile(&file, &path, name)?;
    let api = SignIn::new(&profile.session.region).await;
    let token = access_token(&api, &profile.session).await?;
    let creds = api
        .role_credentials(&token, &profile.account_id, &profile.role_name)
        .await
        .map_err(|e| match e.kind {
            crate::aws::AwsErrorKind::Credentials => {
                not_signed_in(&profile.session, "the token was not accepted")
            }
            _ => anyhow::Error::new(e).context(format!(
                "cannot get credentials for {} on account {}",
                profile.role_name, profile.account_id
            )),
        })?;
    Ok((profile, creds))
}

/// What `credential_process` reads (its documented shape, version 1).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProcessCredentials<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: String,
}

fn expiration(c: &RoleCredentials) -> String {
    cache::rfc3339(SystemTime::UNIX_EPOCH + Duration::from_millis(c.expiration_ms.max(0) as u64))
}

/// `ssosetup credentials --profile NAME`: credential_process JSON on stdout.
pub(crate) async fn credentials(profile: Option<&str>) -> Result<()> {
    let name = profile.ok_or_else(|| {
        UserError::new("credentials needs --profile NAME (an SSO profile)")
            .hint("for example `credential_process = ssosetup credentials --profile dev`")
    })?;
    let (_, c) = role_credentials(name).await?;
    let doc = ProcessCredentials {
        version: 1,
        access_key_id: &c.access_key_id,
        secret_access_key: &c.secret_access_key,
        session_token: &c.session_token,
        expiration: expiration(&c),
    };
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &doc)?;
    writeln!(stdout)?;
    Ok(stdout.flush()?)
}

/// `ssosetup exec --profile NAME -- COMMAND...`: runs COMMAND with the
/// role's credentials in its environment; its exit code is returned (a
/// signal that ended it gives 128 + the signal, as shells do).
pub(crate) async fn exec(profile: Option<&str>, command: &[String]) -> Result<u8> {
    let name = profile.ok_or_else(|| {
        UserError::new("exec needs --profile NAME (an SSO profile)")
            .hint("ssosetup exec --profile dev -- aws s3 ls")
    })?;
    let Some((program, args)) = command.split_first() else {
        return Err(UserError::new("exec needs a command to run after --")
            .hint("ssosetup exec --profile dev -- aws s3 ls")
            .into());
    };
    let (profile, c) = role_credentials(name).await?;
    let mut command = std::process::Command::new(program);
    command
        .args(args)
        .env("AWS_ACCESS_KEY_ID", &c.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key)
        .env("AWS_SESSION_TOKEN", &c.session_token)
        .env("AWS_CREDENTIAL_EXPIRATION", expiration(&c))
        // The keys are the credentials now: a profile must not override them.
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
    if let Some(region) = &profile.region {
        command
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region);
    }
    let mut child = command.spawn().map_err(|e| {
        UserError::new(format!("cannot run {}", crate::error::excerpt(program)))
            .caused_by(e.to_string())
            .hint("check the command name and your PATH")
    })?;
    let forwarding = forward_signals(child.id())?;
    let status = tokio::task::spawn_blocking(move || child.wait()).await??;
    forwarding.close();
    use std::os::unix::process::ExitStatusExt;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(1),
        (None, None) => 1,
    })
}

/// While `exec`'s command runs, SIGINT, SIGTERM and SIGHUP sent to
/// ssosetup are passed on to it, and ssosetup waits for it to finish (its
/// exit code is the run's), as `aws-vault exec` does. A signal the
/// terminal raised (Ctrl-C, a hang-up) reached the command already, since
/// it shares ssosetup's process group: that one is not sent twice (a
/// second Ctrl-C makes some tools, Terraform among them, stop at once
/// without cleaning up).
fn forward_signals(child: u32) -> Result<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::exfiltrator::origin::WithOrigin;
    use signal_hook::iterator::SignalsInfo;
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP])?;
    let handle = signals.handle();
    let pid = libc::pid_t::try_from(child)?;
    std::thread::spawn(move || {
        for origin in signals.forever() {
            if pass_on(&origin.cause, origin.signal) {
                // SAFETY: kill(2) with a pid ssosetup spawned and a signal number.
                #[allow(unsafe_code)]
                unsafe {
                    libc::kill(pid, origin.signal);
                }
            }
        }
    });
    Ok(handle)
}

/// Whether a signal ssosetup got while `exec`'s command runs goes on to the
/// command: one a process sent, yes; one the terminal raised (Ctrl-C, a
/// hang-up) reached the command already, being in the same process group.
/// Where the cause is not told (macOS): only SIGTERM, which no terminal
/// raises. Pure.
fn pass_on(cause: &signal_hook::low_level::siginfo::Cause, signal: i32) -> bool {
    use signal_hook::low_level::siginfo::Cause;
    match cause {
        Cause::Sent(_) => true,
        Cause::Kernel => false,
        _ => signal == signal_hook::consts::SIGTERM,
    }
}

/// `ssosetup logout`: the portal's Logout for `session`'s token, and the
/// token removed from the cache (the client registration in the same file,
/// which the next login reuses, is kept). Role credentials already handed
/// out stay good until they expire, as AWS documents for Logout.
pub(crate) async fn logout(session: &SsoSession, out: &Printer) -> Result<()> {
    let key = session.cache_key();
    let label = printable(
        &session
            .name
            .as_deref()
            .map(|n| format!("SSO session {n}"))
            .unwrap_or_else(|| session.start_url.clone()),
    );
    // Under the refresh lock: a refresh under way elsewhere (a
    // credential_process) must not write its token back after this.
    let _lock = tokio::task::spawn_blocking(|| cache::refresh_lock(REFRESH_LOCK_WAIT)).await?;
    let Some(token) = cache::read(key)?.filter(|t| !t.access_token.is_empty()) else {
        out.say(&format!("Not signed in to {label}: nothing to remove."));
        return Ok(());
    };
    let portal = if token.start_url == session.start_url && token.valid_for(Duration::ZERO) {
        let api = SignIn::new(&session.region).await;
        match api.logout(&token.access_token).await {
            Ok(()) => "the portal ended the session",
            Err(e) => {
                out.warn(&format!(
                    "the portal's Logout failed ({}); the token is removed here all the same",
                    e.code.as_deref().unwrap_or("no answer")
                ));
                "the portal was not told"
            }
        }
    } else {
        "the token had expired, so the portal was not called"
    };
    let kept = token.client_id.is_some();
    let path = cache::sign_out(key, token)?;
    out.say(&format!(
        "Signed out of {label}: {portal}, and its token was removed from {}{}. Role credentials already handed out stay good until they expire.",
        path.display(),
        if kept {
            " (the client registration stays there for the next login)"
        } else {
            ""
        }
    ));
    Ok(())
}

/// At a terminal, with no `--profile`: the person picks one of the AWS
/// config's SSO profiles, filtered as they type, each shown with its
/// account's name (from the portal, when a sign-in is cached), id and
/// role.
pub(crate) async fn pick_profile(prompt: &mut dyn Prompter, command: &str) -> Result<String> {
    let (file, path) = aws_config()?;
    let profiles: Vec<SsoProfile> = profile::names(&file)
        .into_iter()
        .filter(|n| profile::is_sso_profile(&file, n))
        .filter_map(|n| profile::profile(&file, &path, &n).ok())
        .collect();
    if profiles.is_empty() {
        return Err(UserError::new(format!(
            "{command} needs --profile NAME, and the AWS CLI config has no SSO profile to pick from"
        ))
        .hint("run `ssosetup cli-profiles` (or `aws configure sso`) first")
        .into());
    }
    // Account names, from each session's portal (no browser: a session not
    // signed in is shown without them).
    let mut names = std::collections::BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in &profiles {
        if !seen.insert(p.session.cache_key().to_string()) {
            continue;
        }
        if cache::read(p.session.cache_key()).ok().flatten().is_none() {
            continue;
        }
        let api = SignIn::new(&p.session.region).await;
        if let Ok(token) = access_token(&api, &p.session).await {
            if let Ok(list) = api.account_names(&token).await {
                names.extend(list);
            }
        }
    }
    let items: Vec<String> = profiles
        .iter()
        .map(|p| {
            let account = match names.get(&p.account_id) {
                Some(n) => format!("{} ({})", printable(n), printable(&p.account_id)),
                None => printable(&p.account_id),
            };
            format!(
                "{}  {account}, {}",
                printable(&p.name),
                printable(&p.role_name)
            )
        })
        .collect();
    let i = prompt.search(&format!("Which profile for {command}?"), &items, 0)?;
    Ok(profiles[i].name.clone())
}

/// For `status`: whether session `name` has a token good now, and until
/// when. Never the token itself.
pub(crate) fn token_state(name: &str) -> String {
    match cache::read(name) {
        // Signed out (`logout` keeps only the client registration).
        Ok(Some(t)) if t.access_token.is_empty() => {
            format!("not signed in to {name}: run `ssosetup login --sso-session {name}`")
        }
        Ok(Some(t)) if t.valid_for(Duration::ZERO) => {
            format!("signed in to {name} until {}", t.expires_at)
        }
        Ok(Some(t)) if t.refresh_token.is_some() && t.registration(Duration::ZERO).is_some() => {
            format!(
                "the token of {name} expired at {}; it is refreshed when next used",
                t.expires_at
            )
        }
        Ok(Some(t)) => format!(
            "the token of {name} expired at {}: run `ssosetup login --sso-session {name}`",
            t.expires_at
        ),
        Ok(None) => format!("not signed in to {name}: run `ssosetup login --sso-session {name}`"),
        Err(e) => e.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::low_level::siginfo::{Cause, Sent};

    #[test]
    fn only_signals_the_command_did_not_get_already_are_passed_on() {
        assert!(pass_on(&Cause::Sent(Sent::User), SIGTERM));
        assert!(
            pass_on(&Cause::Sent(Sent::User), SIGINT),
            "kill -INT of ssosetup alone"
        );
        assert!(
            !pass_on(&Cause::Kernel, SIGINT),
            "Ctrl-C: the terminal sent it to both"
        );
        assert!(!pass_on(&Cause::Kernel, SIGHUP));
        assert!(pass_on(&Cause::Unknown, SIGTERM));
        assert!(!pass_on(&Cause::Unknown, SIGINT));
    }
}
