//! The authorization code grant with PKCE (RFC 7636, S256) and a loopback
//! redirect (RFC 8252), as the AWS CLI v2 signs in by default since 2.22:
//! the browser is sent to sso-oidc's `/authorize` page; once the person
//! allows it, the page redirects to `http://127.0.0.1:PORT/oauth/callback`
//! with a code, which ssosetup's one-shot listener takes and CreateToken
//! exchanges, with the verifier, for the token.
//!
//! The pure parts (the pair, the page's URL, reading the callback) are
//! unit-tested; the listener answers one callback and nothing else.

use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::error::UserError;

/// The path the browser is sent back to.
pub(crate) const CALLBACK_PATH: &str = "/oauth/callback";
/// The redirect URI registered: a loopback IP literal without a port, so
/// that the authorization may name any port of it (RFC 8252 7.3).
pub(crate) const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";
/// How long the browser has to come back, unless `SSOSETUP_LOGIN_WAIT`
/// says how many seconds.
const CALLBACK_WAIT: Duration = Duration::from_secs(600);

/// The wait: `SSOSETUP_LOGIN_WAIT` seconds, else [`CALLBACK_WAIT`].
pub(crate) fn callback_wait() -> Duration {
    std::env::var("SSOSETUP_LOGIN_WAIT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(CALLBACK_WAIT, Duration::from_secs)
}

/// RFC 7636's unreserved characters.
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// `n` characters of [`UNRESERVED`] from the operating system's randomness.
fn random(n: usize) -> Result<String, UserError> {
    // 256 is 3 x 66 + 58: the bytes that would favour the first characters
    // are drawn again, so that every character is as likely.
    let limit = 256 - 256 % UNRESERVED.len();
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let mut bytes = [0u8; 64];
        getrandom::getrandom(&mut bytes).map_err(|e| {
            UserError::new("cannot get random bytes from the operating system")
                .caused_by(e.to_string())
        })?;
        for b in bytes.iter().map(|b| usize::from(*b)) {
            if b < limit && out.len() < n {
                out.push(char::from(UNRESERVED[b % UNRESERVED.len()]));
            }
        }
    }
    Ok(out)
}

/// A code verifier and its S256 challenge.
pub(crate) struct Pair {
    pub verifier: String,
    pub challenge: String,
}

/// `BASE64URL-NOPAD(SHA256(verifier))`. Pure.
pub(crate) fn challenge_of(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A fresh verifier (64 characters, within RFC 7636's 43 to 128) and its
/// challenge.
pub(crate) fn pair() -> Result<Pair, UserError> {
    let verifier = random(64)?;
    let challenge = challenge_of(&verifier);
    Ok(Pair {
        verifier,
        challenge,
    })
}

/// A fresh `state`, checked when the browser comes back.
pub(crate) fn state() -> Result<String, UserError> {
    random(32)
}

/// sso-oidc's endpoint for `region`, as the SDK finds it:
/// `AWS_ENDPOINT_URL_SSO_OIDC`, else `AWS_ENDPOINT_URL` (unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true), else AWS's own.
pub(crate) fn oidc_endpoint(region: &str) -> String {
    let ignore = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let configured = (!ignore)
        .then(|| {
            ["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        })
        .flatten();
    match configured {
        Some(url) => url.trim().trim_end_matches('/').to_string(),
        None if region.starts_with("cn-") => format!("https://oidc.{region}.amazonaws.com.cn"),
        None => format!("https://oidc.{region}.amazonaws.com"),
    }
}

/// The authorize page's URL. Pure.
pub(crate) fn authorize_url(
    endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", crate::aws::signin::SCOPE)
        .append_pair("code_challenge", challenge)
        .finish();
    format!("{endpoint}/authorize?{query}")
}

/// What the browser brought back.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Callback {
    /// Not the callback (a favicon, a stray request): answered 404, and
    /// the listener waits on.
    Other,
    Code(String),
}

/// Reads the request target of one request to the listener: the callback's
/// code, after its `state` was checked; an `error` (the person denied, or
/// AWS refused the request) reported as AWS sent it. Pure.
pub(crate) fn read_callback(target: &str, expected_state: &str) -> Result<Callback, UserError> {
    let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
        return Ok(Callback::Other);
    };
    if url.path() != CALLBACK_PATH {
        return Ok(Callback::Other);
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(expected_state) {
        return Err(UserError::new(
            "the sign-in page came back with a state other than the one ssosetup sent: refused",
        )
        .caused_by("another page may have tried to sign this machine in to its own session")
        .hint("run `ssosetup login` again, and use only the page it opens"));
    }
    if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or_default();
        let mut e = UserError::new(format!(
            "the sign-in was not completed: AWS answered {}",
            crate::error::excerpt(&error)
        ));
        if !description.is_empty() {
            e = e.caused_by(crate::error::excerpt(&description));
        }
        let hint = if error == "access_denied" {
            "run `ssosetup login` again and choose Allow"
        } else {
            "run `ssosetup login` again; if it says the same, sign in with `ssosetup login --use-device-code`"
        };
        return Err(e.hint(hint));
    }
    match param("code") {
        Some(code) if !code.is_empty() => Ok(Callback::Code(code)),
        _ => Err(UserError::new("the sign-in page came back without a code")
            .hint("run `ssosetup login` again")),
    }
}

/// Whether the request carries the state ssosetup sent. Pure.
fn state_matches(target: &str, expected: &str) -> bool {
    url::Url::parse(&format!("http://127.0.0.1{target}"))
        .is_ok_and(|u| u.query_pairs().any(|(k, v)| k == "state" && v == expected))
}

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>ssosetup</title><p>Signed in. You can close this tab and go back to the terminal.</p>";
const FAILED_PAGE: &str = "<!doctype html><meta charset=utf-8><title>ssosetup</title><p>The sign-in did not complete. The terminal says why.</p>";

async fn answer(stream: &mut tokio::net::TcpStream, status: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The request target of the request on `stream` (its head read up to
/// 16 KiB); `None` when it is not an HTTP GET.
async fn request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut words = text.lines().next()?.split(' ');
    (words.next()? == "GET").then(|| words.next().map(str::to_string))?
}

/// Waits (at most `wait`) for the browser to come back to `listener` and
/// returns the code.
pub(crate) async fn wait_for_code(
    listener: &TcpListener,
    state: &str,
    wait: Duration,
) -> Result<String, UserError> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut stray: Option<UserError> = None;
    loop {
        let accepted = tokio::time::timeout_at(deadline, listener.accept()).await;
        let Ok(Ok((mut stream, _))) = accepted else {
            if let Some(e) = stray {
                return Err(e);
            }
            return Err(UserError::new(format!(
                "the browser did not come back within {} seconds",
                wait.as_secs()
            ))
            .hint("run `ssosetup login` again, or `ssosetup login --use-device-code` to confirm a code on any device"));
        };
        let Some(target) = request_target(&mut stream).await else {
            answer(&mut stream, "400 Bad Request", FAILED_PAGE).await;
            continue;
        };
        match read_callback(&target, state) {
            Ok(Callback::Other) => answer(&mut stream, "404 Not Found", "").await,
            Ok(Callback::Code(code)) => {
                answer(&mut stream, "200 OK", DONE_PAGE).await;
                return Ok(code);
            }
            // Only the page that carries our state may end the wait: any
            // other page or local process can reach this port, and must
            // not be able to cancel a sign-in. The wait goes on, and if
            // the browser never comes back, the timeout says what came.
            Err(e) if !state_matches(&target, state) => {
                answer(&mut stream, "400 Bad Request", FAILED_PAGE).await;
                stray = Some(e);
            }
            Err(e) => {
                answer(&mut stream, "400 Bad Request", FAILED_PAGE).await;
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s_s256() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let p = pair().unwrap();
        assert_eq!(p.verifier.len(), 64);
        assert!(p.verifier.bytes().all(|b| UNRESERVED.contains(&b)));
        assert_eq!(p.challenge, challenge_of(&p.verifier));
        assert_ne!(p.verifier, pair().unwrap().verifier, "fresh each time");
        assert_eq!(state().unwrap().len(), 32);
    }

    #[test]
    fn the_authorize_url_carries_every_parameter_encoded() {
        let url = authorize_url(
            "https://oidc.eu-west-1.amazonaws.com",
            "client id",
            "http://127.0.0.1:4321/oauth/callback",
            "st&ate",
            "abc",
        );
        assert_eq!(
            url,
            "https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code&client_id=client+id&redirect_uri=http%3A%2F%2F127.0.0.1%3A4321%2Foauth%2Fcallback&state=st%26ate&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=abc"
        );
    }

    #[test]
    fn the_callback_gives_the_code_only_with_the_state_sent() {
        assert_eq!(
            read_callback("/oauth/callback?code=c0de&state=s1", "s1").unwrap(),
            Callback::Code("c0de".into())
        );
        assert_eq!(
            read_callback("/favicon.ico", "s1").unwrap(),
            Callback::Other
        );
        let wrong = read_callback("/oauth/callback?code=c0de&state=other", "s1").unwrap_err();
        assert!(
            wrong
                .message
                .contains("state other than the one ssosetup sent"),
            "{wrong}"
        );
        let missing = read_callback("/oauth/callback?code=c0de", "s1").unwrap_err();
        assert!(missing.message.contains("refused"));
    }

    #[tokio::test]
    async fn a_callback_without_our_state_cannot_end_the_wait() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let get = |path: String| async move {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).await.unwrap();
            answer
        };
        let waiting =
            tokio::spawn(async move { wait_for_code(&listener, "s1", CALLBACK_WAIT).await });
        let stray = get("/oauth/callback?error=access_denied&state=evil".into()).await;
        assert!(stray.starts_with("HTTP/1.1 400"), "{stray}");
        assert!(
            !waiting.is_finished(),
            "a stray callback does not end the sign-in"
        );
        let ours = get("/oauth/callback?code=c0de&state=s1".into()).await;
        assert!(ours.starts_with("HTTP/1.1 200"), "{ours}");
        assert_eq!(waiting.await.unwrap().unwrap(), "c0de");
    }

    #[test]
    fn an_error_in_the_callback_is_reported_as_aws_sent_it() {
        let e = read_callback(
            "/oauth/callback?error=access_denied&error_description=The+user+denied+the+request&state=s1",
            "s1",
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "the sign-in was not completed: AWS answered \"access_denied\""
        );
        assert_eq!(e.causes, ["\"The user denied the request\""]);
        assert!(e.hint.unwrap().contains("choose Allow"));
        let e = read_callback(
            "/oauth/callback?error=invalid_scope&error_description=Invalid+scopes&state=s1",
            "s1",
        )
        .unwrap_err();
        assert!(e.message.ends_with("\"invalid_scope\""));
        assert!(e.hint.unwrap().contains("--use-device-code"));
    }
}
