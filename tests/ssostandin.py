#!/usr/bin/env python3
"""A local stand-in for AWS IAM Identity Center's OIDC and portal APIs, for tests.

moto has neither service, so the tests point both at this one server:

    AWS_ENDPOINT_URL_SSO_OIDC=http://127.0.0.1:PORT   (sso-oidc: RegisterClient,
                                                        StartDeviceAuthorization,
                                                        CreateToken, and the
                                                        /authorize page)
    AWS_ENDPOINT_URL_SSO=http://127.0.0.1:PORT        (sso portal: GetRoleCredentials,
                                                        ListAccounts, ListAccountRoles,
                                                        Logout)
    http://127.0.0.1:PORT/federation                  (the console sign-in
                                                        federation endpoint,
                                                        signin.aws.amazon.com)

    ssostandin.py --log FILE [options]

Prints "PORT <n>" on its first line of stdout once it listens on loopback,
then serves until killed. Standard library only.

Routes and shapes follow the botocore models (restJson1), sso-oidc 2019-06-10
and sso 2019-06-10:
  POST /client/register        RegisterClient
  POST /device_authorization   StartDeviceAuthorization
  POST /token                  CreateToken
  GET  /federation/credentials GetRoleCredentials  (?role_name=&account_id=,
                                                    header x-amz-sso_bearer_token)
  GET  /assignment/accounts    ListAccounts        (?next_token=&max_result=)
  GET  /assignment/roles       ListAccountRoles    (?account_id=&next_token=&max_result=)
  POST /logout                 Logout
Errors carry the x-amzn-ErrorType header; sso-oidc error bodies have `error`
(the OAuth error code, e.g. "authorization_pending") and `error_description`,
sso portal error bodies have `message`.

Not on the model but what AWS answers: GetRoleCredentials for a role that is
not assigned is HTTP 403 ForbiddenException "No access".

Also served (not AWS APIs): GET /device and GET /device?user_code=ABCD-EFGH,
the verificationUri(Complete) the stand-in hands out; visiting the latter
approves that device authorization at once (as the user would in a browser).

Authorization code grant with PKCE (what the AWS CLI v2 does by default):
  RegisterClient takes grantTypes (authorization_code, refresh_token,
  urn:ietf:params:oauth:grant-type:device_code; another value:
  UnsupportedGrantTypeException), redirectUris (https, or http on a loopback
  host 127.0.0.1, [::1] or localhost, no fragment; else
  InvalidRedirectUriException; required when grantTypes has
  authorization_code: InvalidRequestException) and issuerUrl (kept, not
  checked). A registration without grantTypes (the legacy one) may use the
  device code grant and, if registered with scopes, the refresh grant; one
  with grantTypes may use exactly those (StartDeviceAuthorization for a
  client without the device code grant: UnauthorizedClientException;
  CreateToken authorization_code for a client without that grant:
  InvalidGrantException "Invalid grant provided").

  GET /authorize  (the page AWS serves at https://oidc.REGION.amazonaws.com/
  authorize; the AWS CLI v2 builds it from the sso-oidc endpoint) with
  ?response_type=code&client_id=&redirect_uri=&state=&code_challenge=
  &code_challenge_method=S256&scopes=<space separated>. The user approves at
  once: HTTP 302 to redirect_uri?code=<code>&state=<state> (redirect_uri's
  own query parameters kept). redirect_uri must match one the client
  registered: exactly, or, for a loopback IP literal (http://127.0.0.1,
  http://[::1]), with any port (RFC 8252 7.3: the AWS CLI v2 registers
  http://127.0.0.1/oauth/callback and authorizes with
  http://127.0.0.1:PORT/oauth/callback); http://localhost must match exactly.
  Unknown client_id or an unregistered redirect_uri: HTTP 400, text/plain,
  no redirect. Otherwise errors redirect with error=&error_description=
  &state=: response_type missing (invalid_request) or not "code"
  (unsupported_response_type), client without the authorization_code grant
  (unauthorized_client), code_challenge missing or not 43-128 characters of
  [A-Za-z0-9-._~] (invalid_request), code_challenge_method not S256
  (invalid_request), scopes the client did not register (invalid_scope).
  state is optional and echoed as given.

  CreateToken grantType authorization_code needs code (missing:
  InvalidRequestException), redirectUri (the very string the code was issued
  for) and codeVerifier (43-128 characters of [A-Za-z0-9-._~], and
  BASE64URL-NOPAD(SHA256(codeVerifier)) == code_challenge). A code is good
  for one CreateToken and --code-seconds; any attempt by its own client
  uses it up, a failed one too (another client's attempt does not). Every
  failure: InvalidGrantException "Invalid grant provided". The token
  answer has accessToken, tokenType Bearer, expiresIn and, for a client that
  may use the refresh grant, refreshToken (no idToken: the model says AWS
  does not implement it).

Console federation (https://signin.aws.amazon.com/federation; not an API
model, the documented custom identity broker interface), answers in
text/plain on errors, HTTP 400:
  GET /federation?Action=getSigninToken&Session=<JSON {"sessionId",
      "sessionKey", "sessionToken"}>[&SessionDuration=900..43200]
      200 {"SigninToken": "..."} when the three are role credentials that
      GetRoleCredentials issued here and they have not expired (Logout does
      not end them, as on AWS); a sign-in token is good for 15 minutes
      (--signin-token-seconds) and one login
  GET /federation?Action=login&Issuer=&Destination=<http(s) URL>&SigninToken=
      302 to Destination for a sign-in token issued here, unused, unexpired
  Other parameters are ignored. /federation/credentials stays
  GetRoleCredentials.

Options:
  --log FILE             one JSON line per request (see LOG below); required
  --region R             used in messages only (default us-east-1)
  --client-seconds N     client registration lifetime (default 90 days)
  --device-seconds N     device authorization lifetime, expiresIn (default 600)
  --interval N           polling interval handed out (default 1)
  --enforce-interval     CreateToken polled faster than the interval answers
                         SlowDownException (default off, so tests are fast)
  --approve-after N      CreateToken (device code) answers
                         AuthorizationPendingException for the first N polls,
                         then the token (default 2; -1: only when
                         verificationUriComplete is visited)
  --deny                 the user denies: after the pending polls,
                         AccessDeniedException instead of a token
  --authorize-deny       the user denies at /authorize: it redirects with
                         error=access_denied (after the request's checks)
  --authorize-wrong-state
                         /authorize redirects with a state other than the one
                         it was given (to test that the client checks it)
  --code-seconds N       authorization code lifetime (default 300)
  --token-seconds N      access token lifetime, expiresIn (default 3600)
  --expire-now           access tokens from the device code and the
                         authorization code grants are issued already expired
                         (expiresIn 0, and the portal refuses them), to test
                         refresh; refreshed tokens get the normal lifetime
  --expire-refreshed     access tokens from the refresh_token grant are
                         issued already expired too
  --refresh-delay-ms N   the refresh_token grant answers after N ms (a
                         refresh that is still under way when another
                         process wants a token too)
  --refresh-fail         every refresh_token grant with a valid client answers
                         InvalidGrantException (the refresh token is not used
                         up), to test the fallback to a new login
  --logout-ends-session  Logout also invalidates every access and refresh
                         token of the same sign-in (the tokens of one grant
                         and of the refreshes that follow from it); default:
                         only the access token it carried
  --credential-seconds N role credential lifetime (default 3600)
  --signin-token-seconds N
                         console sign-in token lifetime (default 900)
  --assignment ACCT:ROLE a role the user may get credentials for (repeatable);
                         with none given, any account and role is allowed
  --start-url URL        if given, StartDeviceAuthorization with another
                         startUrl answers InvalidRequestException

Behaviour as on AWS: a refresh token is issued only to a client that may use
the refresh grant: with grantTypes, one that lists refresh_token; without
(legacy), one registered with scopes (the scope-less registration gets
none); the refresh grant issues a new access and refresh token and the old
refresh token is then invalid (the old access token stays valid until it
expires); a device code yields one token and is then used up
(InvalidGrantException); Logout invalidates the access token (GetRoleCredentials
with it: UnauthorizedException 401), role credentials already issued stay
valid.

LOG: one JSON object per line, always with
  op      RegisterClient | StartDeviceAuthorization | CreateToken |
          GetRoleCredentials | ListAccounts | ListAccountRoles | Logout |
          Approve | Authorize | GetSigninToken | Login | Unknown
  method, path (without query), status (HTTP status answered),
  error   the error code answered (x-amzn-ErrorType), or null; for Authorize
          the OAuth error (in the redirect, or the 400's), for GetSigninToken
          and Login a stand-in word (InvalidRequest, InvalidSession,
          InvalidSigninToken)
  token   the bearer token the request carried (x-amz-sso_bearer_token) or null,
  grant   CreateToken's grantType, else null,
  time    epoch seconds (float)
and, where they apply:
  clientId, clientType, clientName, scopes (RegisterClient: requested;
  later oidc calls: those the client registered with), grantTypes,
  redirectUris, issuerUrl (RegisterClient: requested; later oidc calls:
  registered; grantTypes null for a legacy registration), startUrl,
  deviceCode, userCode, poll (how many times this device code was polled,
  this one included), refreshToken (the one the request carried),
  issuedToken, issuedRefreshToken, expiresIn (CreateToken), accountId,
  roleName, accessKeyId, expiration (GetRoleCredentials, epoch ms);
  Authorize: clientId, redirectUri, responseType, state (as given),
  returnedState (as redirected), codeChallenge, codeChallengeMethod,
  requestedScopes (the scopes parameter split, or null), code (issued),
  location (the redirect);
  CreateToken authorization_code: code, redirectUri, pkce ("ok",
  "mismatch", "missing" (no codeVerifier), "invalid" (not a verifier), or
  null when the code was not found);
  Logout: endedTokens (how many access and refresh tokens it invalidated);
  GetSigninToken: sessionId (never sessionKey or sessionToken),
  sessionDuration, signinToken (issued); Login: signinToken, sessionId,
  issuer, destination.
"""

import argparse
import base64
import hashlib
import ipaddress
import json
import re
import secrets
import string
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

LOCK = threading.Lock()
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
CODE_GRANT = "authorization_code"
KNOWN_GRANTS = (CODE_GRANT, REFRESH_GRANT, DEVICE_GRANT)
# RFC 7636 4.1 and 4.2: a verifier, and an S256 challenge, are 43-128 of these.
PKCE_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--log", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--client-seconds", type=int, default=90 * 24 * 3600)
    p.add_argument("--device-seconds", type=int, default=600)
    p.add_argument("--interval", type=int, default=1)
    p.add_argument("--enforce-interval", action="store_true")
    p.add_argument("--approve-after", type=int, default=2)
    p.add_argument("--deny", action="store_true")
    p.add_argument("--authorize-deny", action="store_true")
    p.add_argument("--authorize-wrong-state", action="store_true")
    p.add_argument("--code-seconds", type=int, default=300)
    p.add_argument("--token-seconds", type=int, default=3600)
    p.add_argument("--expire-now", action="store_true")
    p.add_argument("--expire-refreshed", action="store_true")
    p.add_argument("--refresh-delay-ms", type=int, default=0)
    p.add_argument("--refresh-fail", action="store_true")
    p.add_argument("--logout-ends-session", action="store_true")
    p.add_argument("--credential-seconds", type=int, default=3600)
    p.add_argument("--signin-token-seconds", type=int, default=900)
    p.add_argument("--assignment", action="append", default=[])
    p.add_argument("--start-url")
    args = p.parse_args(argv)
    assignments = []
    for a in args.assignment:
        account, sep, role = a.partition(":")
        if not sep or not account or not role:
            p.error("--assignment wants ACCOUNT:ROLE, got %r" % a)
        if (account, role) not in assignments:
            assignments.append((account, role))
    args.assignments = assignments
    return args


ARGS = None
PORT = 0

# State, guarded by LOCK.
CLIENTS = {}  # clientId -> {secret, type, name, scopes, grantTypes, redirectUris, issuerUrl, expires}
DEVICES = {}  # deviceCode -> {clientId, userCode, startUrl, expires, polls, last, approved, used}
USER_CODES = {}  # userCode -> deviceCode
CODES = {}  # authorization code -> {clientId, redirectUri, challenge, scopes, expires, used}
ACCESS = {}  # accessToken -> {clientId, expires, valid, session}
REFRESH = {}  # refreshToken -> {clientId, valid, session}
ROLE_CREDS = {}  # accessKeyId -> {secret, sessionToken, expires (epoch s), accountId, roleName}
SIGNIN = {}  # SigninToken -> {sessionId, expires, used, sessionDuration}

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = string.ascii_letters + string.digits + "+/"


def rand(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def access_key_id():
    return "ASIA" + rand(B32, 16)


def user_code():
    letters = "BCDFGHJKLMNPQRSTVWXZ"
    return rand(letters, 4) + "-" + rand(letters, 4)


class ApiError(Exception):
    def __init__(self, status, code, message, oauth=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.oauth = oauth  # sso-oidc: the `error` member


# sso-oidc errors: HTTP status from the model, `error` member as OAuth 2.0 names it.
OIDC_ERRORS = {
    "InvalidRequestException": (400, "invalid_request"),
    "InvalidClientException": (401, "invalid_client"),
    "InvalidGrantException": (400, "invalid_grant"),
    "UnauthorizedClientException": (400, "unauthorized_client"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
    "InvalidScopeException": (400, "invalid_scope"),
    "AuthorizationPendingException": (400, "authorization_pending"),
    "SlowDownException": (400, "slow_down"),
    "AccessDeniedException": (400, "access_denied"),
    "ExpiredTokenException": (400, "expired_token"),
    "InvalidClientMetadataException": (400, "invalid_client_metadata"),
    "InvalidRedirectUriException": (400, "invalid_redirect_uri"),
    "InternalServerException": (500, "server_error"),
}

# sso portal errors: HTTP status from the model (ForbiddenException: as AWS answers).
SSO_ERRORS = {
    "InvalidRequestException": 400,
    "UnauthorizedException": 401,
    "ForbiddenException": 403,
    "ResourceNotFoundException": 404,
    "TooManyRequestsException": 429,
}


def oidc_error(code, description):
    status, oauth = OIDC_ERRORS[code]
    return ApiError(status, code, description, oauth=oauth)


def sso_error(code, message):
    return ApiError(SSO_ERRORS[code], code, message)


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


# ---------------------------------------------------------------- sso-oidc


def need_str(body, name, error=oidc_error):
    v = body.get(name)
    if not isinstance(v, str) or not v:
        raise error("InvalidRequestException", "Missing or invalid %s" % name)
    return v


def note_client(c, rec):
    rec.update(scopes=c["scopes"], grantTypes=c["grantTypes"], redirectUris=c["redirectUris"], issuerUrl=c["issuerUrl"])


def check_client(body, rec):
    client_id = need_str(body, "clientId")
    secret = need_str(body, "clientSecret")
    rec["clientId"] = client_id
    c = CLIENTS.get(client_id)
    if c is None or c["secret"] != secret:
        raise oidc_error("InvalidClientException", "Invalid client")
    note_client(c, rec)
    if c["expires"] <= time.time():
        raise oidc_error("InvalidClientException", "Client registration has expired")
    return c


def may_use(client, grant):
    """Whether the registration allows the grant: the listed grantTypes, or,
    for a legacy registration without them, the device code grant and (with
    scopes) the refresh grant."""
    if client["grantTypes"] is None:
        return grant == DEVICE_GRANT or (grant == REFRESH_GRANT and bool(client["scopes"]))
    return grant in client["grantTypes"]


LOOPBACK_IPS = ("127.0.0.1", "::1")


def loopback_host(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def valid_redirect_uri(uri):
    if not isinstance(uri, str):
        return False
    try:
        u = urlsplit(uri)
        u.port  # raises on a bad port
    except ValueError:
        return False
    if u.fragment or not u.hostname:
        return False
    return u.scheme == "https" or (u.scheme == "http" and loopback_host(u.hostname))


def redirect_matches(registered, requested):
    """Exact match, or (RFC 8252 7.3) a loopback IP literal that differs only in port."""
    if registered == requested:
        return True
    try:
        a, b = urlsplit(registered), urlsplit(requested)
        a.port, b.port  # noqa: B018 (raise on a bad port)
    except ValueError:
        return False
    return (
        a.scheme == b.scheme == "http"
        and a.hostname in LOOPBACK_IPS
        and a.hostname == b.hostname
        and (a.path or "/") == (b.path or "/")
        and a.query == b.query
        and not a.fragment
        and not b.fragment
    )


def register_client(body, rec):
    name = need_str(body, "clientName")
    ctype = need_str(body, "clientType")
    scopes = body.get("scopes") or []
    grants = body.get("grantTypes")
    redirects = body.get("redirectUris")
    issuer = body.get("issuerUrl")
    rec.update(clientName=name, clientType=ctype, scopes=scopes, grantTypes=grants, redirectUris=redirects, issuerUrl=issuer)
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise oidc_error("InvalidScopeException", "Invalid scopes")
    if ctype != "public":
        raise oidc_error("InvalidClientMetadataException", "Invalid client type: %s" % ctype)
    if grants is not None:
        if not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            raise oidc_error("InvalidRequestException", "Invalid grantTypes")
        for g in grants:
            if g not in KNOWN_GRANTS:
                raise oidc_error("UnsupportedGrantTypeException", "Unsupported grant type: %s" % g)
        grants = list(dict.fromkeys(grants)) or None  # [] is the legacy registration
    if redirects is not None:
        if not isinstance(redirects, list):
            raise oidc_error("InvalidRequestException", "Invalid redirectUris")
        for r in redirects:
            if not valid_redirect_uri(r):
                raise oidc_error("InvalidRedirectUriException", "Invalid redirect URI: %s" % r)
    redirects = list(redirects or [])
    if grants and CODE_GRANT in grants and not redirects:
        raise oidc_error("InvalidRequestException", "redirectUris is required for the authorization_code grant")
    if issuer is not None and (not isinstance(issuer, str) or not issuer):
        raise oidc_error("InvalidRequestException", "Invalid issuerUrl")
    now = int(time.time())
    client_id = rand(string.ascii_letters + string.digits + "-_", 22)
    secret = "eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0." + rand(B64, 300)
    CLIENTS[client_id] = {
        "secret": secret,
        "type": ctype,
        "name": name,
        "scopes": scopes,
        "grantTypes": grants,
        "redirectUris": redirects,
        "issuerUrl": issuer,
        "expires": now + ARGS.client_seconds,
    }
    rec["clientId"] = client_id
    return {
        "clientId": client_id,
        "clientSecret": secret,
        "clientIdIssuedAt": now,
        "clientSecretExpiresAt": now + ARGS.client_seconds,
    }


def start_device_authorization(body, rec):
    client = check_client(body, rec)
    start_url = need_str(body, "startUrl")
    rec["startUrl"] = start_url
    if not may_use(client, DEVICE_GRANT):
        raise oidc_error("UnauthorizedClientException", "Client is not authorized for the device code grant")
    if ARGS.start_url and start_url != ARGS.start_url:
        raise oidc_error("InvalidRequestException", "Invalid start URL")
    device_code = rand(string.ascii_letters + string.digits + "-_", 86)
    code = user_code()
    while code in USER_CODES:
        code = user_code()
    DEVICES[device_code] = {
        "clientId": body["clientId"],
        "userCode": code,
        "startUrl": start_url,
        "expires": time.time() + ARGS.device_seconds,
        "polls": 0,
        "last": None,
        "approved": False,
        "used": False,
    }
    USER_CODES[code] = device_code
    rec.update(deviceCode=device_code, userCode=code)
    base = "http://127.0.0.1:%d/device" % PORT
    return {
        "deviceCode": device_code,
        "userCode": code,
        "verificationUri": base,
        "verificationUriComplete": base + "?user_code=" + code,
        "expiresIn": ARGS.device_seconds,
        "interval": ARGS.interval,
    }


def issue_token(client, client_id, expired, rec, session=None):
    lifetime = 0 if expired else ARGS.token_seconds
    session = session or uuid.uuid4().hex
    token = "aoa" + rand(B64, 200)
    ACCESS[token] = {"clientId": client_id, "expires": time.time() + lifetime, "valid": True, "session": session}
    out = {"accessToken": token, "tokenType": "Bearer", "expiresIn": lifetime}
    rec.update(issuedToken=token, expiresIn=lifetime)
    if may_use(client, REFRESH_GRANT):
        refresh = "aor" + rand(B64, 200)
        REFRESH[refresh] = {"clientId": client_id, "valid": True, "session": session}
        out["refreshToken"] = refresh
        rec["issuedRefreshToken"] = refresh
    return out


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def code_grant(client, client_id, body, rec):
    if not may_use(client, CODE_GRANT):
        raise oidc_error("InvalidGrantException", "Invalid grant provided")
    code = need_str(body, "code")
    redirect_uri = body.get("redirectUri")
    verifier = body.get("codeVerifier")
    rec.update(code=code, redirectUri=redirect_uri, pkce=None)
    c = CODES.get(code)
    if c is None or c["clientId"] != client_id or c["used"]:
        raise oidc_error("InvalidGrantException", "Invalid grant provided")
    c["used"] = True  # any attempt uses the code up
    if not isinstance(verifier, str) or not verifier:
        rec["pkce"] = "missing"
    elif not PKCE_RE.match(verifier):
        rec["pkce"] = "invalid"
    else:
        rec["pkce"] = "ok" if secrets.compare_digest(s256(verifier), c["challenge"]) else "mismatch"
    if time.time() >= c["expires"] or redirect_uri != c["redirectUri"] or rec["pkce"] != "ok":
        raise oidc_error("InvalidGrantException", "Invalid grant provided")
    return issue_token(client, client_id, ARGS.expire_now, rec)


def create_token(body, rec):
    grant = body.get("grantType")
    rec["grant"] = grant
    client = check_client(body, rec)
    client_id = body["clientId"]
    if grant == DEVICE_GRANT:
        device_code = need_str(body, "deviceCode")
        rec["deviceCode"] = device_code
        d = DEVICES.get(device_code)
        if d is None or d["clientId"] != client_id or d["used"]:
            raise oidc_error("InvalidGrantException", "Invalid grant provided")
        now = time.time()
        if now >= d["expires"]:
            raise oidc_error("ExpiredTokenException", "Device code has expired")
        if ARGS.enforce_interval and d["last"] is not None and now - d["last"] < ARGS.interval:
            d["last"] = now
            rec["poll"] = d["polls"]
            raise oidc_error("SlowDownException", "Client is polling too fast")
        d["last"] = now
        d["polls"] += 1
        rec["poll"] = d["polls"]
        approved = d["approved"] or (0 <= ARGS.approve_after < d["polls"])
        if not approved:
            raise oidc_error("AuthorizationPendingException", "Authorization is pending")
        if ARGS.deny:
            d["used"] = True
            raise oidc_error("AccessDeniedException", "The user denied the request")
        d["used"] = True
        return issue_token(client, client_id, ARGS.expire_now, rec)
    if grant == REFRESH_GRANT:
        if ARGS.refresh_delay_ms:
            time.sleep(ARGS.refresh_delay_ms / 1000)
        refresh = need_str(body, "refreshToken")
        rec["refreshToken"] = refresh
        if ARGS.refresh_fail:
            raise oidc_error("InvalidGrantException", "Invalid refresh token provided")
        r = REFRESH.get(refresh)
        if r is None or not r["valid"] or r["clientId"] != client_id or not may_use(client, REFRESH_GRANT):
            raise oidc_error("InvalidGrantException", "Invalid refresh token provided")
        r["valid"] = False
        return issue_token(client, client_id, ARGS.expire_refreshed, rec, session=r["session"])
    if grant == CODE_GRANT:
        return code_grant(client, client_id, body, rec)
    if not isinstance(grant, str) or not grant:
        raise oidc_error("InvalidRequestException", "Missing grantType")
    raise oidc_error("UnsupportedGrantTypeException", "Unsupported grant type: %s" % grant)


class Redirect(Exception):
    """/authorize's answer: a 302 to location."""

    def __init__(self, location):
        super().__init__(location)
        self.location = location


class PlainError(Exception):
    """A non-API answer: HTTP status with a text/plain body; code goes to the log."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def with_query(uri, params):
    u = urlsplit(uri)
    query = u.query + ("&" if u.query else "") + urlencode(params)
    return urlunsplit((u.scheme, u.netloc, u.path, query, u.fragment))


def authorize(query, rec):
    """GET /authorize: the user signs in and approves at once."""

    def q(name):
        v = query.get(name)
        return v[0] if v else None

    client_id, redirect_uri, state = q("client_id"), q("redirect_uri"), q("state")
    challenge, method, response_type, scopes = q("code_challenge"), q("code_challenge_method"), q("response_type"), q("scopes")
    requested = scopes.split() if scopes is not None else None
    rec.update(
        clientId=client_id,
        redirectUri=redirect_uri,
        responseType=response_type,
        state=state,
        codeChallenge=challenge,
        codeChallengeMethod=method,
        requestedScopes=requested,
    )
    client = CLIENTS.get(client_id) if client_id else None
    if client is None or client["expires"] <= time.time():
        raise PlainError(400, "invalid_client", "Invalid client_id")
    note_client(client, rec)
    if not redirect_uri or not any(redirect_matches(r, redirect_uri) for r in client["redirectUris"]):
        raise PlainError(400, "invalid_request", "Invalid redirect_uri")

    returned = str(uuid.uuid4()) if ARGS.authorize_wrong_state else state

    def back(params):
        if returned is not None:
            params = dict(params, state=returned)
        rec["returnedState"] = returned
        raise Redirect(with_query(redirect_uri, params))

    def fail(error, description):
        rec["error"] = error
        back({"error": error, "error_description": description})

    if not response_type:
        fail("invalid_request", "Missing response_type")
    if response_type != "code":
        fail("unsupported_response_type", "Unsupported response_type: %s" % response_type)
    if not may_use(client, CODE_GRANT):
        fail("unauthorized_client", "Client is not authorized for the authorization code grant")
    if not challenge or not PKCE_RE.match(challenge):
        fail("invalid_request", "Missing or invalid code_challenge")
    if method != "S256":
        fail("invalid_request", "Missing or unsupported code_challenge_method")
    if requested is not None and not set(requested) <= set(client["scopes"]):
        fail("invalid_scope", "Invalid scopes")
    if ARGS.authorize_deny:
        fail("access_denied", "The user denied the request")
    code = rand(string.ascii_letters + string.digits + "-_", 64)
    CODES[code] = {
        "clientId": client_id,
        "redirectUri": redirect_uri,
        "challenge": challenge,
        "scopes": requested if requested is not None else client["scopes"],
        "expires": time.time() + ARGS.code_seconds,
        "used": False,
    }
    rec["code"] = code
    back({"code": code})


# ---------------------------------------------------------------- console federation


def federation(query, rec):
    """GET /federation: the console sign-in endpoint's getSigninToken and login."""

    def q(name):
        v = query.get(name)
        return v[0] if v else None

    action = q("Action")
    if action == "getSigninToken":
        rec["op"] = "GetSigninToken"
        duration = q("SessionDuration")
        if duration is not None:
            try:
                duration = int(duration)
            except ValueError:
                duration = -1
            rec["sessionDuration"] = duration
            if not 900 <= duration <= 43200:
                raise PlainError(400, "InvalidRequest", "SessionDuration must be between 900 and 43200 seconds")
        try:
            session = json.loads(q("Session") or "")
        except ValueError:
            session = None
        if not isinstance(session, dict):
            raise PlainError(400, "InvalidRequest", "Missing or invalid Session")
        key = session.get("sessionId")
        rec["sessionId"] = key if isinstance(key, str) else None
        c = ROLE_CREDS.get(key) if isinstance(key, str) else None
        if (
            c is None
            or session.get("sessionKey") != c["secret"]
            or session.get("sessionToken") != c["sessionToken"]
            or c["expires"] <= time.time()
        ):
            raise PlainError(400, "InvalidSession", "The session credentials are invalid or have expired")
        token = rand(string.ascii_letters + string.digits + "-_", 400)
        SIGNIN[token] = {
            "sessionId": key,
            "expires": time.time() + ARGS.signin_token_seconds,
            "used": False,
            "sessionDuration": duration,
        }
        rec["signinToken"] = token
        return {"SigninToken": token}
    if action == "login":
        rec["op"] = "Login"
        token, destination, issuer = q("SigninToken"), q("Destination"), q("Issuer")
        rec.update(signinToken=token, destination=destination, issuer=issuer)
        d = urlsplit(destination or "")
        if d.scheme not in ("http", "https") or not d.netloc:
            raise PlainError(400, "InvalidRequest", "Missing or invalid Destination")
        t = SIGNIN.get(token) if token else None
        if t is None or t["used"] or t["expires"] <= time.time():
            raise PlainError(400, "InvalidSigninToken", "The sign-in token is invalid or has expired")
        t["used"] = True
        rec["sessionId"] = t["sessionId"]
        raise Redirect(destination)
    raise PlainError(400, "InvalidRequest", "Missing or unsupported Action")


# ---------------------------------------------------------------- sso portal


def bearer(headers, rec):
    token = headers.get("x-amz-sso_bearer_token")
    rec["token"] = token
    a = ACCESS.get(token) if token else None
    if a is None or not a["valid"] or a["expires"] <= time.time():
        raise sso_error("UnauthorizedException", "Session token not found or invalid")
    return token


def allowed(account, role):
    return not ARGS.assignments or (account, role) in ARGS.assignments


def need_q(query, name):
    v = query.get(name, [None])[0]
    if not v:
        raise sso_error("InvalidRequestException", "Missing or invalid %s" % name)
    return v


def page(items, query, key):
    try:
        start = int(query.get("next_token", ["0"])[0])
        size = int(query.get("max_result", ["100"])[0])
    except ValueError:
        raise sso_error("InvalidRequestException", "Invalid pagination parameters")
    if start < 0 or not 1 <= size <= 100:
        raise sso_error("InvalidRequestException", "Invalid pagination parameters")
    out = {key: items[start : start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


def get_role_credentials(headers, query, rec):
    bearer(headers, rec)
    role = need_q(query, "role_name")
    account = need_q(query, "account_id")
    rec.update(accountId=account, roleName=role)
    if not allowed(account, role):
        raise sso_error("ForbiddenException", "No access")
    key = access_key_id()
    while key in ROLE_CREDS:
        key = access_key_id()
    expiration = int((time.time() + ARGS.credential_seconds) * 1000)
    rec.update(accessKeyId=key, expiration=expiration)
    creds = {
        "accessKeyId": key,
        "secretAccessKey": rand(B64, 40),
        "sessionToken": "IQoJb3JpZ2luX2VjE" + rand(B64, 300),
        "expiration": expiration,
    }
    ROLE_CREDS[key] = {
        "secret": creds["secretAccessKey"],
        "sessionToken": creds["sessionToken"],
        "expires": expiration / 1000,
        "accountId": account,
        "roleName": role,
    }
    return {"roleCredentials": creds}


def list_accounts(headers, query, rec):
    bearer(headers, rec)
    accounts = []
    for account, _ in ARGS.assignments:
        if account not in accounts:
            accounts.append(account)
    items = [
        {"accountId": a, "accountName": "account-%s" % a, "emailAddress": "aws+%s@example.com" % a}
        for a in accounts
    ]
    return page(items, query, "accountList")


def list_account_roles(headers, query, rec):
    bearer(headers, rec)
    account = need_q(query, "account_id")
    rec["accountId"] = account
    items = [{"roleName": r, "accountId": a} for a, r in ARGS.assignments if a == account]
    return page(items, query, "roleList")


def logout(headers, query, rec):
    token = bearer(headers, rec)
    ACCESS[token]["valid"] = False
    ended = 1
    if ARGS.logout_ends_session:
        session = ACCESS[token]["session"]
        for t in list(ACCESS.values()) + list(REFRESH.values()):
            if t["session"] == session and t["valid"]:
                t["valid"] = False
                ended += 1
    rec["endedTokens"] = ended
    return None


OIDC_ROUTES = {
    ("POST", "/client/register"): ("RegisterClient", register_client),
    ("POST", "/device_authorization"): ("StartDeviceAuthorization", start_device_authorization),
    ("POST", "/token"): ("CreateToken", create_token),
}
SSO_ROUTES = {
    ("GET", "/federation/credentials"): ("GetRoleCredentials", get_role_credentials),
    ("GET", "/assignment/accounts"): ("ListAccounts", list_accounts),
    ("GET", "/assignment/roles"): ("ListAccountRoles", list_account_roles),
    ("POST", "/logout"): ("Logout", logout),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, rec):
        with open(ARGS.log, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def answer(self, status, body, content_type="application/json", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        raw = self.read_body()
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        key = (self.command, url.path)
        rec = {
            "op": "Unknown",
            "method": self.command,
            "path": url.path,
            "status": None,
            "error": None,
            "token": None,
            "grant": None,
            "time": time.time(),
        }
        with LOCK:
            try:
                if self.command == "GET" and url.path in ("/device", "/device/"):
                    return self.device_page(query, rec)
                if self.command == "GET" and url.path == "/authorize":
                    rec["op"] = "Authorize"
                    authorize(query, rec)  # raises Redirect or PlainError
                if self.command == "GET" and url.path == "/federation":
                    rec["op"] = "Unknown"
                    out = federation(query, rec)  # or raises Redirect or PlainError
                    rec["status"] = 200
                    self.record(rec)
                    return self.answer(200, json.dumps(out).encode())
                if key in OIDC_ROUTES and not url.query:
                    rec["op"], fn = OIDC_ROUTES[key]
                    try:
                        body = json.loads(raw or b"{}")
                        if not isinstance(body, dict):
                            raise ValueError
                    except ValueError:
                        raise oidc_error("InvalidRequestException", "Invalid JSON body")
                    out = fn(body, rec)
                elif key in SSO_ROUTES:
                    rec["op"], fn = SSO_ROUTES[key]
                    out = fn(self.headers, query, rec)
                else:
                    raise ApiError(404, "UnknownOperationException", "No such operation: %s %s" % key)
                data = b"" if out is None else json.dumps(out).encode()
                rec["status"] = 200
                self.record(rec)
                self.answer(200, data)
            except Redirect as r:
                rec.update(status=302, location=r.location)
                self.record(rec)
                self.answer(302, b"", "text/plain", extra={"Location": r.location, "Cache-Control": "no-store"})
            except PlainError as e:
                rec.update(status=e.status, error=e.code)
                self.record(rec)
                self.answer(e.status, (e.message + "\n").encode(), "text/plain; charset=utf-8")
            except ApiError as e:
                if e.oauth is not None:
                    doc = {"error": e.oauth, "error_description": e.message}
                else:
                    doc = {"message": e.message}
                rec.update(status=e.status, error=e.code)
                self.record(rec)
                self.answer(e.status, json.dumps(doc).encode(), extra={"x-amzn-ErrorType": e.code})

    def device_page(self, query, rec):
        rec["op"] = "Approve"
        code = query.get("user_code", [None])[0]
        if code is None:
            rec["status"] = 200
            self.record(rec)
            return self.answer(200, b"<html><body>ssostandin: enter a code</body></html>", "text/html")
        rec["userCode"] = code
        device_code = USER_CODES.get(code)
        if device_code is None:
            rec.update(status=404, error="NotFound")
            self.record(rec)
            return self.answer(404, b"<html><body>unknown code</body></html>", "text/html")
        DEVICES[device_code]["approved"] = True
        rec.update(status=200, deviceCode=device_code)
        self.record(rec)
        return self.answer(200, b"<html><body>approved</body></html>", "text/html")

    do_GET = handle_any
    do_POST = handle_any
    do_PUT = handle_any
    do_DELETE = handle_any


def main(argv=None):
    global ARGS, PORT
    ARGS = parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    PORT = server.server_address[1]
    open(ARGS.log, "a").close()
    print("PORT %d" % PORT, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
