//! The sign-in services, with the official SDK crates: sso-oidc (register a
//! client, the authorization code grant with PKCE, the device authorization
//! grant, tokens) and the SSO portal (role credentials for a token, the
//! accounts a token reaches, logout). Neither signs its requests, so the
//! clients are built without AWS credentials; their endpoints come from
//! the standard settings (`AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO`,
//! `AWS_ENDPOINT_URL`), so a test can point them at a local stand-in.
//!
//! Nothing here logs a token, secret or key: errors carry AWS's code and
//! message only.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use aws_sdk_ssooidc::operation::start_device_authorization::StartDeviceAuthorizationError;

use super::{classify, AwsError};

/// The scope of a token that can get role credentials (and be refreshed).
pub(crate) const SCOPE: &str = "sso:account:access";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const CODE_GRANT: &str = "authorization_code";
const REFRESH_GRANT: &str = "refresh_token";

/// The sign-in clients of one SSO region.
pub(crate) struct SignIn {
    oidc: aws_sdk_ssooidc::Client,
    portal: aws_sdk_sso::Client,
}

/// A registered public client (its secret is a secret).
#[derive(Clone)]
pub(crate) struct Registration {
    pub client_id: String,
    pub client_secret: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
}

/// What a person confirms in the browser.
pub(crate) struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: u64,
}

/// An access token and what comes with it.
pub(crate) struct Token {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: Option<String>,
}

/// Where a device-code poll stands.
pub(crate) enum Poll {
    Token(Token),
    /// Not confirmed yet: ask again after the interval.
    Pending,
    /// Asked too often: ask less often.
    SlowDown,
    /// The code expired before it was confirmed.
    Expired,
    /// The person said no.
    Denied,
}

/// Role credentials (all three parts are secrets).
pub(crate) struct RoleCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Milliseconds since the epoch.
    pub expiration_ms: i64,
}

impl SignIn {
    /// The clients for `region` (the SSO region of an sso-session).
    pub(crate) async fn new(region: &str) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .no_credentials()
            .load()
            .await;
        Self {
            oidc: aws_sdk_ssooidc::Client::new(&sdk),
            portal: aws_sdk_sso::Client::new(&sdk),
        }
    }

    /// CreateToken for `client`, any grant.
    fn create_token(
        &self,
        client: &Registration,
    ) -> aws_sdk_ssooidc::operation::create_token::builders::CreateTokenFluentBuilder {
        self.oidc
            .create_token()
            .client_id(&client.client_id)
            .client_secret(&client.client_secret)
    }

    /// Registers a public client that may ask for [`SCOPE`] (and so gets
    /// refresh tokens).
    pub(crate) async fn register(&self) -> Result<Registration, AwsError> {
        let out = self
            .oidc
            .register_client()
            .client_name("ssosetup")
            .client_type("public")
            .scopes(SCOPE)
            .send()
            .await
            .map_err(|e| classify("sso-oauth:RegisterClient", e))?;
        Ok(registration(&out))
    }

    /// Registers a public client for the authorization code grant (and
    /// refresh tokens), redirected to `redirect_uri` (a loopback URI without
    /// a port: any port of it is then accepted, RFC 8252 7.3), for the
    /// portal `issuer_url`.
    pub(crate) async fn register_for_code(
        &self,
        redirect_uri: &str,
        issuer_url: &str,
    ) -> Result<Registration, AwsError> {
        let out = self
            .oidc
            .register_client()
            .client_name("ssosetup")
            .client_type("public")
            .scopes(SCOPE)
            .grant_types(CODE_GRANT)
            .grant_types(REFRESH_GRANT)
            .redirect_uris(redirect_uri)
            .issuer_url(issuer_url)
            .send()
            .await
            .map_err(|e| classify("sso-oauth:RegisterClient", e))?;
        Ok(registration(&out))
    }

    /// The token for an authorization code, with the PKCE verifier and the
    /// redirect URI the code was issued for.
    pub(crate) async fn code_token(
        &self,
        client: &Registration,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<Token, AwsError> {
        let out = self
            .create_token(client)
            .grant_type(CODE_GRANT)
            .code(code)
            .code_verifier(verifier)
            .redirect_uri(redirect_uri)
            .send()
            .await
            .map_err(|e| classify("sso-oauth:CreateToken", e))?;
        Ok(token(&out))
    }

    /// Starts the device authorization grant for `start_url`; `None` when
    /// `client` may not use that grant (registered for the code grant).
    pub(crate) async fn start(
        &self,
        client: &Registration,
        start_url: &str,
    ) -> Result<Option<DeviceAuthorization>, AwsError> {
        let sent = self
            .oidc
            .start_device_authorization()
            .client_id(&client.client_id)
            .client_secret(&client.client_secret)
            .start_url(start_url)
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(StartDeviceAuthorizationError::UnauthorizedClientException(
                        _
                    ))
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(classify("sso-oauth:StartDeviceAuthorization", e)),
        };
        Ok(Some(DeviceAuthorization {
            device_code: out.device_code().unwrap_or_default().to_string(),
            user_code: out.user_code().unwrap_or_default().to_string(),
            verification_uri: out.verification_uri().unwrap_or_default().to_string(),
            verification_uri_complete: out.verification_uri_complete().map(str::to_string),
            expires_in: u64::try_from(out.expires_in()).unwrap_or(0),
            interval: u64::try_from(out.interval()).unwrap_or(0),
        }))
    }

    /// One poll of the device code.
    pub(crate) async fn poll(
        &self,
        client: &Registration,
        device_code: &str,
    ) -> Result<Poll, AwsError> {
        let sent = self
            .create_token(client)
            .grant_type(DEVICE_GRANT)
            .device_code(device_code)
            .send()
            .await;
        match sent {
            Ok(out) => Ok(Poll::Token(token(&out))),
            Err(e) => match e.as_service_error() {
                Some(CreateTokenError::AuthorizationPendingException(_)) => Ok(Poll::Pending),
                Some(CreateTokenError::SlowDownException(_)) => Ok(Poll::SlowDown),
                Some(CreateTokenError::ExpiredTokenException(_)) => Ok(Poll::Expired),
                Some(CreateTokenError::AccessDeniedException(_)) => Ok(Poll::Denied),
                _ => Err(classify("sso-oauth:CreateToken", e)),
            },
        }
    }

    /// A new access token for a refresh token.
    pub(crate) async fn refresh(
        &self,
        client: &Registration,
        refresh_token: &str,
    ) -> Result<Token, AwsError> {
        let out = self
            .create_token(client)
            .grant_type(REFRESH_GRANT)
            .refresh_token(refresh_token)
            .send()
            .await
            .map_err(|e| classify("sso-oauth:CreateToken", e))?;
        Ok(token(&out))
    }

    /// Credentials for `role` on `account`, for the bearer of `access_token`.
    pub(crate) async fn role_credentials(
        &self,
        access_token: &str,
        account: &str,
        role: &str,
    ) -> Result<RoleCredentials, AwsError> {
        let out = self
            .portal
            .get_role_credentials()
            .access_token(access_token)
            .account_id(account)
            .role_name(role)
            .send()
            .await
            .map_err(|e| classify("sso:GetRoleCredentials", e))?;
        let c = out.role_credentials();
        Ok(RoleCredentials {
            access_key_id: c.and_then(|c| c.access_key_id()).unwrap_or_default().into(),
            secret_access_key: c
                .and_then(|c| c.secret_access_key())
                .unwrap_or_default()
                .into(),
            session_token: c.and_then(|c| c.session_token()).unwrap_or_default().into(),
            expiration_ms: c.map(|c| c.expiration()).unwrap_or(0),
        })
    }
}

impl SignIn {
    /// Ends the portal session of `access_token` (its role credentials
    /// already handed out stay good until they expire, as on AWS).
    pub(crate) async fn logout(&self, access_token: &str) -> Result<(), AwsError> {
        self.portal
            .logout()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| classify("sso:Logout", e))?;
        Ok(())
    }

    /// Account id -> account name, for every account the bearer of
    /// `access_token` reaches.
    pub(crate) async fn account_names(
        &self,
        access_token: &str,
    ) -> Result<Vec<(String, String)>, AwsError> {
        let mut names = Vec::new();
        let mut pages = self
            .portal
            .list_accounts()
            .access_token(access_token)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("sso:ListAccounts", e))?;
            for a in page.account_list() {
                if let (Some(id), Some(name)) = (a.account_id(), a.account_name()) {
                    names.push((id.to_string(), name.to_string()));
                }
            }
        }
        Ok(names)
    }
}

fn registration(
    out: &aws_sdk_ssooidc::operation::register_client::RegisterClientOutput,
) -> Registration {
    Registration {
        client_id: out.client_id().unwrap_or_default().to_string(),
        client_secret: out.client_secret().unwrap_or_default().to_string(),
        expires_at: out.client_secret_expires_at(),
    }
}

fn token(out: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput) -> Token {
    Token {
        access_token: out.access_token().unwrap_or_default().to_string(),
        expires_in: u64::try_from(out.expires_in()).unwrap_or(0),
        refresh_token: out.refresh_token().map(str::to_string),
    }
}
