//! `ssosetup console`: the AWS console, signed in as an SSO profile's role.
//! The role's credentials (from the cached sign-in, renewed from its
//! refresh token when needed) are exchanged at the partition's federation
//! endpoint (`getSigninToken`, the documented custom identity broker
//! interface) for a sign-in token, and the browser opened on the login URL
//! that carries it, as Granted's `assume -c` and `aws-vault login` do.
//!
//! The sign-in URL is a credential for the console session: it is opened,
//! or printed with `--no-browser` (its job then), never logged.
//! `SSOSETUP_FEDERATION_ENDPOINT` points the exchange at a stand-in.

use std::time::Duration;

use anyhow::Result;

use super::{has_display, role_credentials};
use crate::error::UserError;
use crate::ui::Printer;

/// The environment variable that replaces the federation endpoint.
pub(crate) const ENDPOINT_VAR: &str = "SSOSETUP_FEDERATION_ENDPOINT";

/// The federation endpoint of `region`'s partition, or the one
/// [`ENDPOINT_VAR`] names (checked: an http(s) URL with a host).
pub(crate) fn federation_endpoint(region: &str) -> Result<String, UserError> {
    if let Some(url) = std::env::var(ENDPOINT_VAR)
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        let url = url.trim();
        crate::aws::check_endpoint(url).map_err(|why| {
            UserError::new(format!(
                "{ENDPOINT_VAR} {} is not a URL ssosetup can use",
                crate::error::excerpt(url)
            ))
            .caused_by(why)
            .hint("set it to the federation endpoint's URL (http:// or https://), or unset it to use AWS's")
        })?;
        return Ok(url.to_string());
    }
    Ok(if region.starts_with("cn-") {
        "https://signin.amazonaws.cn/federation".to_string()
    } else if region.starts_with("us-gov-") {
        "https://signin.amazonaws-us-gov.com/federation".to_string()
    } else {
        "https://signin.aws.amazon.com/federation".to_string()
    })
}

/// What went wrong with a request, in a few words: never ureq's own text,
/// which can hold the whole URL and so the role's credentials. Pure.
fn failure(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "no answer in 30 seconds".to_string(),
        ureq::Error::HostNotFound => "the host was not found".to_string(),
        ureq::Error::ConnectionFailed => "the connection failed".to_string(),
        ureq::Error::Io(io) => format!("{:?}", io.kind()),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => "TLS failed".to_string(),
        ureq::Error::BodyExceedsLimit(_) => "the answer was too long".to_string(),
        _ => "the request failed".to_string(),
    }
}

/// The console's home page in `region`'s partition (in that region). Pure.
pub(crate) fn default_destination(region: &str) -> String {
    if region.starts_with("cn-") {
        format!("https://console.amazonaws.cn/console/home?region={region}")
    } else if region.starts_with("us-gov-") {
        format!("https://console.amazonaws-us-gov.com/console/home?region={region}")
    } else {
        format!("https://{region}.console.aws.amazon.com/console/home?region={region}")
    }
}

/// `--destination`, checked: an https URL (http only on a loopback host,
/// for a stand-in). Pure.
pub(crate) fn check_destination(destination: &str) -> Result<String, UserError> {
    let bad = || {
        UserError::new(format!(
            "--destination {} is not an https URL",
            crate::error::excerpt(destination)
        ))
        .hint("pass a console page, e.g. --destination https://console.aws.amazon.com/s3/home")
    };
    let url = url::Url::parse(destination).map_err(|_| bad())?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        _ => Err(bad()),
    }
}

/// The `Session` parameter of getSigninToken: the role's three parts, as
/// JSON. Pure.
fn session_json(c: &crate::aws::signin::RoleCredentials) -> String {
    serde_json::json!({
        "sessionId": c.access_key_id,
        "sessionKey": c.secret_access_key,
        "sessionToken": c.session_token,
    })
    .to_string()
}

/// The login URL for a sign-in token. Pure.
pub(crate) fn login_url(endpoint: &str, destination: &str, signin_token: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "login")
        .append_pair("Issuer", "ssosetup")
        .append_pair("Destination", destination)
        .append_pair("SigninToken", signin_token)
        .finish();
    format!("{endpoint}?{query}")
}

/// getSigninToken: the role's credentials for a sign-in token.
async fn signin_token(endpoint: &str, session: String) -> Result<String> {
    let url = format!(
        "{endpoint}?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("Action", "getSigninToken")
            .append_pair("Session", &session)
            .finish()
    );
    let shown = endpoint.to_string();
    let answer = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut response = agent.get(&url).call()?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()?;
        Ok::<_, ureq::Error>((status, body))
    })
    .await?;
    let (status, body) = answer.map_err(|e| {
        UserError::new(format!("cannot reach the console sign-in endpoint {shown}"))
            .caused_by(failure(&e))
            .hint(format!(
                "check the network (or {ENDPOINT_VAR}, if you set it)"
            ))
    })?;
    let token = (status == 200)
        .then(|| serde_json::from_str::<serde_json::Value>(&body).ok())
        .flatten()
        .and_then(|v| v["SigninToken"].as_str().map(str::to_string));
    token.ok_or_else(|| {
        UserError::new(format!(
            "the console sign-in endpoint {shown} did not give a sign-in token for the role's credentials"
        ))
        .caused_by(format!("HTTP {status}: {}", crate::error::excerpt(&body)))
        .hint(format!(
            "the role's credentials were good a moment ago; check that {shown} is the federation endpoint of the profile's partition (or {ENDPOINT_VAR}, if you set it)"
        ))
        .into()
    })
}

/// `ssosetup console --profile NAME [--destination URL] [--no-browser]`.
pub(crate) async fn console(
    name: &str,
    destination: Option<&str>,
    no_browser: bool,
    out: &Printer,
) -> Result<()> {
    let destination = destination.map(check_destination).transpose()?;
    if !no_browser && !has_display() {
        return Err(UserError::new("no browser can be opened here (no display)")
            .hint("pass --no-browser to print the sign-in URL, and open it in a browser yourself (it signs in whoever opens it, within 15 minutes)")
            .into());
    }
    let (profile, creds) = role_credentials(name).await?;
    // The profile's region names a host below: only a region name will do
    // (the session's region was checked when the profile was read).
    let region = profile
        .region
        .clone()
        .filter(|r| crate::config::is_region(r))
        .unwrap_or_else(|| profile.session.region.clone());
    let destination = destination.unwrap_or_else(|| default_destination(&region));
    let endpoint = federation_endpoint(&region)?;
    let token = signin_token(&endpoint, session_json(&creds)).await?;
    let url = login_url(&endpoint, &destination, &token);
    if no_browser {
        out.data(&url);
        out.say(&format!(
            "Open that URL within 15 minutes to use the console as {} on account {}; it signs in whoever opens it.",
            profile.role_name, profile.account_id
        ));
        return Ok(());
    }
    webbrowser::open(&url).map_err(|e| {
        UserError::new("no browser could be opened")
            .caused_by(e.to_string())
            .hint("pass --no-browser to print the sign-in URL instead")
    })?;
    out.say(&format!(
        "Opened the AWS console as {} on account {} (profile {name}).",
        profile.role_name, profile.account_id
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_has_its_endpoint_and_console() {
        assert_eq!(
            default_destination("eu-west-1"),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert!(default_destination("cn-north-1").starts_with("https://console.amazonaws.cn/"));
        assert!(default_destination("us-gov-west-1")
            .starts_with("https://console.amazonaws-us-gov.com/"));
    }

    #[test]
    fn a_failed_request_never_shows_its_url() {
        let secret = "sessionKey=SECRET";
        let e = ureq::Error::BadUri(format!("/federation?Session={secret} is missing scheme"));
        assert!(!failure(&e).contains("SECRET"));
        assert_eq!(
            failure(&ureq::Error::HostNotFound),
            "the host was not found"
        );
    }

    #[test]
    fn a_destination_must_be_https() {
        assert!(check_destination("https://console.aws.amazon.com/s3/home").is_ok());
        assert!(check_destination("http://127.0.0.1:8080/x").is_ok());
        for bad in ["http://evil.example.com/", "javascript:alert(1)", "console"] {
            let e = check_destination(bad).unwrap_err();
            assert!(e.message.contains("is not an https URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_login_url_carries_the_token_and_destination_encoded() {
        assert_eq!(
            login_url(
                "https://signin.aws.amazon.com/federation",
                "https://console.aws.amazon.com/s3/home?region=eu-west-1",
                "tok/en+=",
            ),
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=ssosetup&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1&SigninToken=tok%2Fen%2B%3D"
        );
        let c = crate::aws::signin::RoleCredentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: "s\"ecret".into(),
            session_token: "t".into(),
            expiration_ms: 0,
        };
        let v: serde_json::Value = serde_json::from_str(&session_json(&c)).unwrap();
        assert_eq!(v["sessionKey"], "s\"ecret");
        assert_eq!(v["sessionId"], "ASIA1");
    }
}
