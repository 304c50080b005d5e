#!/usr/bin/env python3
"""A local stand-in for AWS IAM Identity Center's OIDC and portal APIs, for tests.

moto has neither service, so the tests point both at this one server:

    AWS_ENDPOINT_URL_SSO_OIDC=http://127.0.0.1:PORT   (sso-oidc: RegisterClient,
                                                        StartDeviceAuthorization,
                                                        CreateToken)
    AWS_ENDPOINT_URL_SSO=http://127.0.0.1:PORT        (sso portal: GetRoleCredentials,
                                                        ListAccounts, ListAccountRoles,
                                                        Logout)

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
  --token-seconds N      access token lifetime, expiresIn (default 3600)
  --expire-now           access tokens from the device-code grant are issued
                         already expired (expiresIn 0, and the portal refuses
                         them), to test refresh; refreshed tokens get the
                         normal lifetime
  --expire-refreshed     access tokens from the refresh_token grant are
                         issued already expired too
  --refresh-delay-ms N   the refresh_token grant answers after N ms (a
                         refresh that is still under way when another
                         process wants a token too)
  --credential-seconds N role credential lifetime (default 3600)
  --assignment ACCT:ROLE a role the user may get credentials for (repeatable);
                         with none given, any account and role is allowed
  --start-url URL        if given, StartDeviceAuthorization with another
                         startUrl answers InvalidRequestException

Behaviour as on AWS: a refresh token is issued only to a client registered
with scopes (the legacy, scope-less registration gets none); the refresh grant
issues a new access and refresh token and the old refresh token is then
invalid (the old access token stays valid until it expires); a device code
yields one token and is then used up (InvalidGrantException); Logout
invalidates the access token.

LOG: one JSON object per line, always with
  op      RegisterClient | StartDeviceAuthorization | CreateToken |
          GetRoleCredentials | ListAccounts | ListAccountRoles | Logout |
          Approve | Unknown
  method, path (without query), status (HTTP status answered),
  error   the error code answered (x-amzn-ErrorType) or null,
  token   the bearer token the request carried (x-amz-sso_bearer_token) or null,
  grant   CreateToken's grantType, else null,
  time    epoch seconds (float)
and, where they apply:
  clientId, clientType, clientName, scopes (RegisterClient: requested;
  later oidc calls: those the client registered with), startUrl, deviceCode,
  userCode, poll (how many times this device code was polled, this one
  included), refreshToken (the one the request carried), issuedToken,
  issuedRefreshToken, expiresIn (CreateToken), accountId, roleName,
  accessKeyId, expiration (GetRoleCredentials, epoch ms).
"""

import argparse
import json
import secrets
import string
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"


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
    p.add_argument("--token-seconds", type=int, default=3600)
    p.add_argument("--expire-now", action="store_true")
    p.add_argument("--expire-refreshed", action="store_true")
    p.add_argument("--refresh-delay-ms", type=int, default=0)
    p.add_argument("--credential-seconds", type=int, default=3600)
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
CLIENTS = {}  # clientId -> {secret, type, name, scopes, expires}
DEVICES = {}  # deviceCode -> {clientId, userCode, startUrl, expires, polls, last, approved, used}
USER_CODES = {}  # userCode -> deviceCode
ACCESS = {}  # accessToken -> {clientId, expires, valid}
REFRESH = {}  # refreshToken -> {clientId, valid}

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


def check_client(body, rec):
    client_id = need_str(body, "clientId")
    secret = need_str(body, "clientSecret")
    rec["clientId"] = client_id
    c = CLIENTS.get(client_id)
    if c is None or c["secret"] != secret:
        raise oidc_error("InvalidClientException", "Invalid client")
    rec["scopes"] = c["scopes"]
    if c["expires"] <= time.time():
        raise oidc_error("InvalidClientException", "Client registration has expired")
    return c


def register_client(body, rec):
    name = need_str(body, "clientName")
    ctype = need_str(body, "clientType")
    scopes = body.get("scopes") or []
    rec.update(clientName=name, clientType=ctype, scopes=scopes)
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise oidc_error("InvalidScopeException", "Invalid scopes")
    if ctype != "public":
        raise oidc_error("InvalidClientMetadataException", "Invalid client type: %s" % ctype)
    now = int(time.time())
    client_id = rand(string.ascii_letters + string.digits + "-_", 22)
    secret = "eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0." + rand(B64, 300)
    CLIENTS[client_id] = {
        "secret": secret,
        "type": ctype,
        "name": name,
        "scopes": scopes,
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
    check_client(body, rec)
    start_url = need_str(body, "startUrl")
    rec["startUrl"] = start_url
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


def issue_token(client, client_id, expired, rec):
    lifetime = 0 if expired else ARGS.token_seconds
    token = "aoa" + rand(B64, 200)
    ACCESS[token] = {"clientId": client_id, "expires": time.time() + lifetime, "valid": True}
    out = {"accessToken": token, "tokenType": "Bearer", "expiresIn": lifetime}
    rec.update(issuedToken=token, expiresIn=lifetime)
    if client["scopes"]:
        refresh = "aor" + rand(B64, 200)
        REFRESH[refresh] = {"clientId": client_id, "valid": True}
        out["refreshToken"] = refresh
        rec["issuedRefreshToken"] = refresh
    return out


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
        r = REFRESH.get(refresh)
        if r is None or not r["valid"] or r["clientId"] != client_id:
            raise oidc_error("InvalidGrantException", "Invalid refresh token provided")
        r["valid"] = False
        return issue_token(client, client_id, ARGS.expire_refreshed, rec)
    if not isinstance(grant, str) or not grant:
        raise oidc_error("InvalidRequestException", "Missing grantType")
    raise oidc_error("UnsupportedGrantTypeException", "Unsupported grant type: %s" % grant)


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
    expiration = int((time.time() + ARGS.credential_seconds) * 1000)
    rec.update(accessKeyId=key, expiration=expiration)
    return {
        "roleCredentials": {
            "accessKeyId": key,
            "secretAccessKey": rand(B64, 40),
            "sessionToken": "IQoJb3JpZ2luX2VjE" + rand(B64, 300),
            "expiration": expiration,
        }
    }


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
