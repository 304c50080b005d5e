#!/usr/bin/env python3
"""Proves tests/ssostandin.py against the real consumers: boto3 and the AWS CLI.

    .venv/bin/python tests/ssostandin_selftest.py [-v]

1. drives the OAuth device flow against the stand-in with boto3's sso-oidc
   and sso clients (pending -> token, slow down, refresh, every error code);
2. writes the SSO token cache the way the AWS CLI v2 and the SDKs read it for
   an sso-session profile, and runs the real AWS CLI (.venv/bin/aws, v1) with
   AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC at the stand-in and
   AWS_ENDPOINT_URL_STS at a moto server: credentials, token refresh and the
   cache write-back, which cache fields and expiresAt formats are accepted,
   sso-session vs legacy cache keys;
3. a credential_process profile against moto, and the Expiration formats
   botocore accepts;
4. what moto's GetCallerIdentity answers for arbitrary ASIA keys;
5. the authorization code grant with PKCE as the AWS CLI v2 drives it:
   RegisterClient (grantTypes, redirectUris, issuerUrl) and CreateToken with
   boto3's sso-oidc client, GET /authorize with the standard library (the
   302 not followed; code and state read from Location), every refusal
   (wrong verifier, reused or expired code, wrong redirectUri, /authorize's
   400s and error redirects, --authorize-deny, --authorize-wrong-state),
   refresh with rotation, --refresh-fail, Logout (and
   --logout-ends-session);
6. the console federation endpoint: getSigninToken with the role
   credentials the stand-in issued (and refusals), login's redirect.

Everything runs under a temporary HOME and AWS_CONFIG_FILE, on loopback, with
dummy credentials; a dead HTTP(S)_PROXY (loopback excepted) makes sure that
nothing reaches AWS. Prints FINDING lines; exits 1 if any check fails.
"""

import base64
import datetime
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")
PY = os.path.join(BIN, "python")
AWS = os.path.join(BIN, "aws")
MOTO = os.path.join(BIN, "moto_server")
STANDIN = os.path.join(ROOT, "tests", "ssostandin.py")
VERBOSE = "-v" in sys.argv[1:]

START_URL = "https://d-9067000000.awsapps.com/start"
SESSION = "my-sso"
SESSION_B = "b-sso"
REGION = "us-east-1"
SCOPES = ["sso:account:access"]
ACCOUNT = "111111111111"
ROLE = "Admin"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ASIA = re.compile(r"^ASIA[A-Z0-9]{16}$")

FAILURES = []
FINDINGS = []
PROCS = []


def check(cond, what, detail=None):
    if cond:
        if VERBOSE:
            print("ok    " + what)
    else:
        FAILURES.append(what)
        print("FAIL  " + what + ("" if detail is None else "\n      " + str(detail)[:2000]))
    return cond


def finding(text):
    FINDINGS.append(text)
    print("FINDING " + text)


def sha1(s):
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


def iso_z(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


# ------------------------------------------------------------ environment

TMP = tempfile.mkdtemp(prefix="ssostandin-selftest-")
HOME = os.path.join(TMP, "home")
AWS_DIR = os.path.join(HOME, ".aws")
CACHE_DIR = os.path.join(AWS_DIR, "sso", "cache")
CONFIG = os.path.join(AWS_DIR, "config")
os.makedirs(CACHE_DIR)


def scrubbed_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            del env[k]
    dead = "http://127.0.0.1:9"  # nothing may leave the machine
    env.update(
        HOME=HOME,
        AWS_CONFIG_FILE=CONFIG,
        AWS_SHARED_CREDENTIALS_FILE=os.path.join(AWS_DIR, "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
        http_proxy=dead,
        https_proxy=dead,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    if "AWS_CA_BUNDLE" in os.environ:
        env["AWS_CA_BUNDLE"] = os.environ["AWS_CA_BUNDLE"]
    return env


# boto3 in this process must see the same sandbox: set it before importing it.
os.environ.clear()
os.environ.update(scrubbed_env())

import boto3  # noqa: E402
import botocore.exceptions  # noqa: E402


# ------------------------------------------------------------ processes


class StandIn:
    def __init__(self, name, *opts):
        self.log = os.path.join(TMP, name + ".log")
        self.proc = subprocess.Popen(
            [PY, STANDIN, "--log", self.log, *opts],
            stdout=subprocess.PIPE,
            stderr=open(os.path.join(TMP, name + ".err"), "w"),
            text=True,
        )
        PROCS.append(self.proc)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit("stand-in %s did not start: %r" % (name, line))
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def entries(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def mark(self):
        return len(self.entries())

    def since(self, mark, op=None):
        return [e for e in self.entries()[mark:] if op is None or e["op"] == op]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_moto():
    port = free_port()
    proc = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)],
        stdout=open(os.path.join(TMP, "moto.log"), "w"),
        stderr=subprocess.STDOUT,
    )
    PROCS.append(proc)
    return proc, "http://127.0.0.1:%d" % port


def wait_moto(proc, url, timeout=40):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("moto_server exited: see %s/moto.log" % TMP)
        try:
            socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("moto_server did not answer within %ds" % timeout)


def stop_all():
    for p in PROCS:
        if p.poll() is None:
            p.terminate()
    for p in PROCS:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# ------------------------------------------------------------ AWS CLI


def run_aws(profile, sso=None, oidc=None, sts=None):
    env = scrubbed_env()
    if sso:
        env["AWS_ENDPOINT_URL_SSO"] = sso
    if oidc:
        env["AWS_ENDPOINT_URL_SSO_OIDC"] = oidc
    if sts:
        env["AWS_ENDPOINT_URL_STS"] = sts
    r = subprocess.run(
        [AWS, "sts", "get-caller-identity", "--profile", profile, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    out = None
    if r.returncode == 0:
        try:
            out = json.loads(r.stdout)
        except ValueError:
            pass
    return r.returncode, out, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""


def write_cache(key, doc):
    path = os.path.join(CACHE_DIR, sha1(key) + ".json")
    with open(path, "w") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def read_cache(key):
    with open(os.path.join(CACHE_DIR, sha1(key) + ".json")) as f:
        return json.load(f)


def clear_cache():
    for name in os.listdir(CACHE_DIR):
        os.unlink(os.path.join(CACHE_DIR, name))


def cache_doc(reg, tok, start_url=START_URL, expires_at=None):
    if expires_at is None:
        expires_at = iso_z(utcnow() + datetime.timedelta(seconds=tok["expiresIn"]))
    doc = {
        "startUrl": start_url,
        "region": REGION,
        "accessToken": tok["accessToken"],
        "expiresAt": expires_at,
        "clientId": reg["clientId"],
        "clientSecret": reg["clientSecret"],
        "registrationExpiresAt": iso_z(
            datetime.datetime.fromtimestamp(reg["clientSecretExpiresAt"], datetime.timezone.utc)
        ),
    }
    if "refreshToken" in tok:
        doc["refreshToken"] = tok["refreshToken"]
    return doc


# ------------------------------------------------------------ boto3 helpers


def oidc_client(url=None):
    kw = {"region_name": REGION}
    if url:
        kw["endpoint_url"] = url
    return boto3.session.Session().client("sso-oidc", **kw)


def sso_client(url=None):
    kw = {"region_name": REGION}
    if url:
        kw["endpoint_url"] = url
    return boto3.session.Session().client("sso", **kw)


def error_of(fn, **kw):
    """(code, http status, response) of the ClientError fn raises, or None."""
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response
    return None


def expect_error(_what, _fn, _code, _status, _oauth=None, **kw):
    got = error_of(_fn, **kw)
    ok = got is not None and got[0] == _code and got[1] == _status
    if ok and _oauth is not None:
        ok = got[2].get("error") == _oauth
    check(ok, "%s -> %s (%d)" % (_what, _code, _status), got and (got[0], got[1], got[2].get("error")))
    return got


def login(oidc, scopes=SCOPES, max_polls=20):
    kw = {"clientName": "ssostandin-selftest", "clientType": "public"}
    if scopes:
        kw["scopes"] = scopes
    reg = oidc.register_client(**kw)
    dev = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL
    )
    for _ in range(max_polls):
        try:
            tok = oidc.create_token(
                clientId=reg["clientId"],
                clientSecret=reg["clientSecret"],
                grantType="urn:ietf:params:oauth:grant-type:device_code",
                deviceCode=dev["deviceCode"],
            )
            return reg, dev, tok
        except oidc.exceptions.AuthorizationPendingException:
            continue
        except oidc.exceptions.SlowDownException:
            time.sleep(dev["interval"])
    raise AssertionError("device flow did not finish")


# ------------------------------------------------------------ step 1


def step1(A, B, C, D):
    print("== 1. device flow with boto3")
    # A is reached through the service-specific environment variables.
    os.environ["AWS_ENDPOINT_URL_SSO_OIDC"] = A.url
    os.environ["AWS_ENDPOINT_URL_SSO"] = A.url
    oidc, sso = oidc_client(), sso_client()
    m = A.mark()

    reg = oidc.register_client(clientName="selftest", clientType="public", scopes=SCOPES)
    now = time.time()
    check(
        set(reg) - {"ResponseMetadata"} == {"clientId", "clientSecret", "clientIdIssuedAt", "clientSecretExpiresAt"},
        "RegisterClient members",
        reg,
    )
    check(abs(reg["clientIdIssuedAt"] - now) < 5, "clientIdIssuedAt is now, epoch seconds")
    check(abs(reg["clientSecretExpiresAt"] - now - 90 * 86400) < 5, "clientSecretExpiresAt in 90 days")
    e = A.since(m, "RegisterClient")[-1]
    check(e["scopes"] == SCOPES and e["clientType"] == "public" and e["status"] == 200, "RegisterClient logged with scopes", e)
    expect_error(
        "RegisterClient clientType confidential",
        oidc.register_client,
        "InvalidClientMetadataException",
        400,
        _oauth="invalid_client_metadata",
        clientName="x",
        clientType="confidential",
    )

    cid, secret = reg["clientId"], reg["clientSecret"]
    expect_error(
        "StartDeviceAuthorization wrong secret",
        oidc.start_device_authorization,
        "InvalidClientException",
        401,
        _oauth="invalid_client",
        clientId=cid,
        clientSecret="nope",
        startUrl=START_URL,
    )
    dev = oidc.start_device_authorization(clientId=cid, clientSecret=secret, startUrl=START_URL)
    check(
        set(dev) - {"ResponseMetadata"}
        == {"deviceCode", "userCode", "verificationUri", "verificationUriComplete", "expiresIn", "interval"},
        "StartDeviceAuthorization members",
        dev,
    )
    check(re.match(r"^[A-Z]{4}-[A-Z]{4}$", dev["userCode"]) is not None, "userCode like ABCD-EFGH", dev["userCode"])
    check(dev["verificationUriComplete"].endswith("user_code=" + dev["userCode"]), "verificationUriComplete has the code")
    check(dev["interval"] == 1 and dev["expiresIn"] == 600, "interval 1, expiresIn 600")

    poll = dict(
        clientId=cid,
        clientSecret=secret,
        grantType="urn:ietf:params:oauth:grant-type:device_code",
        deviceCode=dev["deviceCode"],
    )
    for i in (1, 2):
        expect_error("CreateToken poll %d" % i, oidc.create_token, "AuthorizationPendingException", 400, _oauth="authorization_pending", **poll)
    check(
        error_of(oidc.create_token, **dict(poll, clientSecret="nope"))[:2] == ("InvalidClientException", 401),
        "CreateToken wrong client secret -> InvalidClientException (401)",
    )
    tok = oidc.create_token(**poll)
    check(tok["tokenType"] == "Bearer" and tok["expiresIn"] == 3600 and tok.get("refreshToken"), "poll 3 -> token", tok)
    polls = [x for x in A.since(m, "CreateToken") if x.get("deviceCode") == dev["deviceCode"]]
    check([x["error"] for x in polls] == ["AuthorizationPendingException"] * 2 + [None], "pending, pending, token logged", polls)
    check(polls[-1]["issuedToken"] == tok["accessToken"] and polls[-1]["grant"].endswith("device_code"), "issued token logged")
    expect_error("CreateToken device code used twice", oidc.create_token, "InvalidGrantException", 400, _oauth="invalid_grant", **poll)
    expect_error("CreateToken unknown device code", oidc.create_token, "InvalidGrantException", 400, **dict(poll, deviceCode="nope"))
    expect_error(
        "CreateToken grant client_credentials",
        oidc.create_token,
        "UnsupportedGrantTypeException",
        400,
        _oauth="unsupported_grant_type",
        **dict(poll, grantType="client_credentials")
    )
    expect_error(
        "CreateToken authorization_code by a legacy (device code) registration",
        oidc.create_token,
        "InvalidGrantException",
        400,
        _oauth="invalid_grant",
        **dict(poll, grantType="authorization_code", code="x", redirectUri="http://127.0.0.1:1/cb", codeVerifier="v" * 43)
    )

    # Portal.
    creds = sso.get_role_credentials(roleName=ROLE, accountId=ACCOUNT, accessToken=tok["accessToken"])["roleCredentials"]
    check(ASIA.match(creds["accessKeyId"]) is not None, "accessKeyId ASIA + 16", creds["accessKeyId"])
    check(abs(creds["expiration"] / 1000 - time.time() - 3600) < 10, "expiration epoch ms in 1 h", creds["expiration"])
    g = A.since(m, "GetRoleCredentials")[-1]
    check(
        g["token"] == tok["accessToken"] and g["accountId"] == ACCOUNT and g["roleName"] == ROLE and g["accessKeyId"] == creds["accessKeyId"],
        "GetRoleCredentials logged with the bearer token",
        g,
    )
    expect_error("GetRoleCredentials role not assigned", sso.get_role_credentials, "ForbiddenException", 403, roleName="Other", accountId=ACCOUNT, accessToken=tok["accessToken"])
    expect_error("GetRoleCredentials unknown token", sso.get_role_credentials, "UnauthorizedException", 401, roleName=ROLE, accountId=ACCOUNT, accessToken="nope")
    got = error_of(sso.get_role_credentials, roleName=ROLE, accountId=ACCOUNT, accessToken="nope")
    check(got and got[2]["Error"]["Message"] == "Session token not found or invalid", "UnauthorizedException message", got and got[2]["Error"])
    accounts = [a for p in sso.get_paginator("list_accounts").paginate(accessToken=tok["accessToken"], PaginationConfig={"PageSize": 1}) for a in p["accountList"]]
    check([a["accountId"] for a in accounts] == [ACCOUNT, "222222222222"], "ListAccounts (paged by 1)", accounts)
    roles = [r for p in sso.get_paginator("list_account_roles").paginate(accessToken=tok["accessToken"], accountId=ACCOUNT, PaginationConfig={"PageSize": 1}) for r in p["roleList"]]
    check([r["roleName"] for r in roles] == ["Admin", "ReadOnly"], "ListAccountRoles (paged by 1)", roles)

    # Refresh.
    ref = dict(clientId=cid, clientSecret=secret, grantType="refresh_token", refreshToken=tok["refreshToken"])
    new = oidc.create_token(**ref)
    check(new["accessToken"] != tok["accessToken"] and new["refreshToken"] != tok["refreshToken"], "refresh -> new access and refresh token")
    r = A.since(m, "CreateToken")[-1]
    check(r["grant"] == "refresh_token" and r["refreshToken"] == tok["refreshToken"] and r["issuedToken"] == new["accessToken"], "refresh logged", r)
    expect_error("refresh with the old refresh token", oidc.create_token, "InvalidGrantException", 400, _oauth="invalid_grant", **ref)
    expect_error("refresh with an unknown refresh token", oidc.create_token, "InvalidGrantException", 400, **dict(ref, refreshToken="nope"))
    check("roleCredentials" in sso.get_role_credentials(roleName=ROLE, accountId=ACCOUNT, accessToken=new["accessToken"]), "refreshed token works")

    # Logout.
    sso.logout(accessToken=new["accessToken"])
    expect_error("GetRoleCredentials after Logout", sso.get_role_credentials, "UnauthorizedException", 401, roleName=ROLE, accountId=ACCOUNT, accessToken=new["accessToken"])
    del os.environ["AWS_ENDPOINT_URL_SSO_OIDC"], os.environ["AWS_ENDPOINT_URL_SSO"]

    # B: --enforce-interval --approve-after 1 --expire-now
    oidc_b, sso_b = oidc_client(B.url), sso_client(B.url)
    reg = oidc_b.register_client(clientName="b", clientType="public", scopes=SCOPES)
    dev = oidc_b.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL)
    poll = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=dev["deviceCode"])
    expect_error("B poll 1", oidc_b.create_token, "AuthorizationPendingException", 400, **poll)
    expect_error("B poll 2 at once (--enforce-interval)", oidc_b.create_token, "SlowDownException", 400, _oauth="slow_down", **poll)
    time.sleep(dev["interval"] + 0.1)
    tok = oidc_b.create_token(**poll)
    check(tok["expiresIn"] == 0, "--expire-now: expiresIn 0", tok)
    expect_error("--expire-now token refused by the portal", sso_b.get_role_credentials, "UnauthorizedException", 401, roleName=ROLE, accountId=ACCOUNT, accessToken=tok["accessToken"])
    new = oidc_b.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="refresh_token", refreshToken=tok["refreshToken"])
    check(new["expiresIn"] == 3600, "--expire-now: refreshed token gets the normal lifetime", new)
    check("roleCredentials" in sso_b.get_role_credentials(roleName="AnyRole", accountId="999999999999", accessToken=new["accessToken"]), "no --assignment: any role allowed")

    # C: --device-seconds 1 --deny --approve-after 0
    oidc_c = oidc_client(C.url)
    reg = oidc_c.register_client(clientName="c", clientType="public", scopes=SCOPES)
    base = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code")
    dev1 = oidc_c.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL)
    dev2 = oidc_c.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL)
    expect_error("--deny", oidc_c.create_token, "AccessDeniedException", 400, _oauth="access_denied", **dict(base, deviceCode=dev1["deviceCode"]))
    time.sleep(1.1)
    expect_error("device code past expiresIn", oidc_c.create_token, "ExpiredTokenException", 400, _oauth="expired_token", **dict(base, deviceCode=dev2["deviceCode"]))

    # D: --approve-after -1 (approval by visiting verificationUriComplete); scope-less client
    oidc_d = oidc_client(D.url)
    reg = oidc_d.register_client(clientName="d", clientType="public")
    dev = oidc_d.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL)
    poll = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=dev["deviceCode"])
    for _ in range(3):
        expect_error("--approve-after -1: pending", oidc_d.create_token, "AuthorizationPendingException", 400, **poll)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    check(b"approved" in opener.open(dev["verificationUriComplete"], timeout=5).read(), "visiting verificationUriComplete approves")
    tok = oidc_d.create_token(**poll)
    check("refreshToken" not in tok, "client registered without scopes gets no refresh token", tok)


# ------------------------------------------------------------ step 2


def write_config(proc_script):
    py = PY
    lines = [
        "[sso-session %s]" % SESSION,
        "sso_start_url = %s" % START_URL,
        "sso_region = %s" % REGION,
        "sso_registration_scopes = sso:account:access",
        "",
        "[sso-session %s]" % SESSION_B,
        "sso_start_url = %s" % START_URL,
        "sso_region = %s" % REGION,
        "sso_registration_scopes = sso:account:access",
        "",
        "[profile p]",
        "sso_session = %s" % SESSION,
        "sso_account_id = %s" % ACCOUNT,
        "sso_role_name = %s" % ROLE,
        "region = %s" % REGION,
        "",
        "[profile pb]",
        "sso_session = %s" % SESSION_B,
        "sso_account_id = %s" % ACCOUNT,
        "sso_role_name = %s" % ROLE,
        "region = %s" % REGION,
        "",
        "[profile legacy]",
        "sso_start_url = %s" % START_URL,
        "sso_region = %s" % REGION,
        "sso_account_id = %s" % ACCOUNT,
        "sso_role_name = %s" % ROLE,
        "region = %s" % REGION,
        "",
    ]
    for mode in PROC_MODES:
        name = "p-legacy" if mode == "z" else "p-proc-" + mode
        lines += ["[profile %s]" % name, "credential_process = %s %s %s" % (py, proc_script, mode), "region = %s" % REGION, ""]
    with open(CONFIG, "w") as f:
        f.write("\n".join(lines))


def step2(A, B, moto):
    print("== 2. the AWS CLI's SSO credential provider against the stand-in")
    oidc_a, oidc_b = oidc_client(A.url), oidc_client(B.url)
    reg, _, tok = login(oidc_a)
    doc = cache_doc(reg, tok)
    clear_cache()
    path = write_cache(SESSION, doc)
    before = open(path).read()

    # 2a: sso-session profile, valid token.
    m = A.mark()
    rc, out, err = run_aws("p", sso=A.url, oidc=A.url, sts=moto)
    check(rc == 0 and out and out.get("Account") == "123456789012", "aws sts get-caller-identity --profile p (sso-session)", (rc, out, err))
    g = A.since(m, "GetRoleCredentials")
    check(
        len(g) == 1 and g[0]["status"] == 200 and g[0]["token"] == tok["accessToken"] and g[0]["accountId"] == ACCOUNT and g[0]["roleName"] == ROLE,
        "stand-in saw GetRoleCredentials with the cached token",
        g,
    )
    check(not A.since(m, "CreateToken"), "no refresh for a token valid for 1 h")
    check(open(path).read() == before, "cache file untouched when no refresh")
    if g and rc == 0:
        finding("AWS_ENDPOINT_URL_SSO is honoured by the CLI's SSO credential provider (GetRoleCredentials reached the stand-in)")
        finding("moto answered %s for the stand-in's key %s" % (json.dumps(out, sort_keys=True), g[0]["accessKeyId"]))

    # 2b: expired token (B, --expire-now) is refreshed through AWS_ENDPOINT_URL_SSO_OIDC and written back.
    reg_b, _, tok_b = login(oidc_b)
    doc_b = cache_doc(reg_b, tok_b)  # expiresIn 0: expiresAt is now
    path_b = write_cache(SESSION_B, doc_b)
    m = B.mark()
    rc, out, err = run_aws("pb", sso=B.url, oidc=B.url, sts=moto)
    check(rc == 0, "expired cached token: CLI succeeds after a refresh", (rc, out, err))
    ct = B.since(m, "CreateToken")
    g = B.since(m, "GetRoleCredentials")
    refreshed = len(ct) == 1 and ct[0]["grant"] == "refresh_token" and ct[0]["refreshToken"] == tok_b["refreshToken"] and ct[0]["status"] == 200
    check(refreshed, "CLI refreshed via CreateToken(refresh_token) at AWS_ENDPOINT_URL_SSO_OIDC", ct)
    check(g and ct and g[-1]["token"] == ct[0].get("issuedToken"), "GetRoleCredentials carried the refreshed token", g)
    new_doc = json.load(open(path_b))
    check(ct and new_doc.get("accessToken") == ct[0].get("issuedToken") and new_doc.get("refreshToken") == ct[0].get("issuedRefreshToken"), "cache written back with new access and refresh token", new_doc)
    check(ISO_Z.match(str(new_doc.get("expiresAt"))) is not None, "written-back expiresAt is YYYY-MM-DDTHH:MM:SSZ", new_doc.get("expiresAt"))
    if refreshed:
        finding("AWS_ENDPOINT_URL_SSO_OIDC is honoured for the token refresh; the CLI refreshes an expired token with the refresh token and rewrites %s" % os.path.basename(path_b))
        finding("written-back cache: keys %s, expiresAt %r, registrationExpiresAt copied %r" % (sorted(new_doc), new_doc.get("expiresAt"), new_doc.get("registrationExpiresAt")))

    # 2c: expired token and a used-up refresh token: the CLI fails.
    write_cache(SESSION_B, doc_b)
    m = B.mark()
    rc, out, err = run_aws("pb", sso=B.url, oidc=B.url, sts=moto)
    ct = B.since(m, "CreateToken")
    check(rc != 0 and ct and ct[0]["error"] == "InvalidGrantException" and not B.since(m, "GetRoleCredentials"), "expired token, refresh refused: CLI fails, no GetRoleCredentials", (rc, err, ct))
    finding("refresh refused -> CLI exit %d: %s" % (rc, err))

    # 2d: a token that expires within 15 minutes is refreshed (A).
    reg2, _, tok2 = login(oidc_a)
    write_cache(SESSION, cache_doc(reg2, tok2, expires_at=iso_z(utcnow() + datetime.timedelta(minutes=10))))
    m = A.mark()
    rc, out, err = run_aws("p", sso=A.url, oidc=A.url, sts=moto)
    ct = A.since(m, "CreateToken")
    check(rc == 0 and len(ct) == 1 and ct[0]["grant"] == "refresh_token", "token with 10 min left is refreshed", (rc, err, ct))
    refreshed_10 = rc == 0 and len(ct) == 1
    write_cache(SESSION, cache_doc(reg2, tok2, expires_at=iso_z(utcnow() + datetime.timedelta(minutes=16))))
    m = A.mark()
    rc, out, err = run_aws("p", sso=A.url, oidc=A.url, sts=moto)
    check(rc == 0 and not A.since(m, "CreateToken"), "token with 16 min left is not refreshed", (rc, err))
    if refreshed_10 and rc == 0:
        finding("refresh window: a cached token with < 15 min left is refreshed before use (10 min: refreshed, 16 min: not)")

    # 2e: which fields, which expiresAt formats (sso-session profile p, token valid on A).
    good = tok["accessToken"]
    far = datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)
    cases = [
        ("minimal {accessToken, expiresAt Z}", {"accessToken": good, "expiresAt": "2099-01-01T00:00:00Z"}),
        ("expiresAt +00:00", {"accessToken": good, "expiresAt": "2099-01-01T00:00:00+00:00"}),
        ("expiresAt fractional .123Z", {"accessToken": good, "expiresAt": "2099-01-01T00:00:00.123Z"}),
        ("expiresAt ...UTC (CLI v1 style)", {"accessToken": good, "expiresAt": "2099-01-01T00:00:00UTC"}),
        ("expiresAt +02:00", {"accessToken": good, "expiresAt": "2099-01-01T02:00:00+02:00"}),
        ("expiresAt without zone", {"accessToken": good, "expiresAt": "2099-01-01T00:00:00"}),
        ("expiresAt epoch number", {"accessToken": good, "expiresAt": int(far.timestamp())}),
        ("expiresAt missing", {"accessToken": good}),
        ("accessToken missing", {"expiresAt": "2099-01-01T00:00:00Z"}),
        ("not JSON", "not json"),
    ]
    accepted = []
    for label, d in cases:
        clear_cache()
        write_cache(SESSION, d)
        m = A.mark()
        rc, out, err = run_aws("p", sso=A.url, oidc=A.url, sts=moto)
        ok = rc == 0 and any(e["token"] == good and e["status"] == 200 for e in A.since(m, "GetRoleCredentials"))
        accepted.append((label, ok, "" if ok else err))
    expect = {
        "minimal {accessToken, expiresAt Z}": True,
        "expiresAt +00:00": True,
        "expiresAt fractional .123Z": True,
        "expiresAt ...UTC (CLI v1 style)": True,
        "expiresAt +02:00": True,
        "expiresAt without zone": False,
        "expiresAt epoch number": False,
        "expiresAt missing": False,
        "accessToken missing": False,
        "not JSON": False,
    }
    for label, ok, err in accepted:
        check(ok == expect[label], "cache %s: %s" % (label, "accepted" if expect[label] else "refused"), err)
        finding("sso-session cache %-36s -> %s%s" % (label, "accepted" if ok else "refused", "" if ok else ": " + err))

    # 2f: the cache key: sha1(session name) for sso-session profiles, sha1(start URL) for legacy ones.
    clear_cache()
    write_cache(START_URL, doc)
    rc, out, err = run_aws("p", sso=A.url, oidc=A.url, sts=moto)
    check(rc != 0, "sso-session profile ignores a file keyed by sha1(start URL)", (rc, err))
    finding("sso-session profile, only sha1(startUrl).json present -> exit %d: %s" % (rc, err))
    m = A.mark()
    rc, out, err = run_aws("legacy", sso=A.url, oidc=A.url, sts=moto)
    g = A.since(m, "GetRoleCredentials")
    check(rc == 0 and g and g[-1]["token"] == tok["accessToken"], "legacy profile reads sha1(start URL).json", (rc, err, g))
    clear_cache()
    write_cache(SESSION, doc)
    rc, out, err = run_aws("legacy", sso=A.url, oidc=A.url, sts=moto)
    check(rc != 0, "legacy profile ignores sha1(session name).json", (rc, err))
    finding("legacy profile, only sha1(sessionName).json present -> exit %d: %s" % (rc, err))
    # legacy profiles are never refreshed
    reg3, _, tok3 = login(oidc_a)
    clear_cache()
    write_cache(START_URL, cache_doc(reg3, tok3, expires_at=iso_z(utcnow() - datetime.timedelta(minutes=1))))
    m = A.mark()
    rc, out, err = run_aws("legacy", sso=A.url, oidc=A.url, sts=moto)
    check(rc != 0 and not A.since(m), "legacy profile with an expired token: fails without any request", (rc, err, A.since(m)))
    finding("legacy profile, expired token + refreshToken -> no CreateToken, no GetRoleCredentials, exit %d: %s" % (rc, err))

    # 2g: refresh needs refreshToken, clientId, clientSecret, registrationExpiresAt.
    for missing in ("registrationExpiresAt", "clientSecret"):
        reg4, _, tok4 = login(oidc_a)
        d = cache_doc(reg4, tok4, expires_at=iso_z(utcnow() - datetime.timedelta(minutes=1)))
        del d[missing]
        clear_cache()
        write_cache(SESSION, d)
        m = A.mark()
        rc, out, err = run_aws("p", sso=A.url, oidc=A.url, sts=moto)
        check(rc != 0 and not A.since(m, "CreateToken"), "expired token without %s: no refresh attempted" % missing, (rc, err))
    finding("expired sso-session token missing registrationExpiresAt/clientSecret -> no refresh attempt, exit %d: %s" % (rc, err))


# ------------------------------------------------------------ step 3

PROC_MODES = ["z", "offset", "frac", "naive", "missing", "soon", "past", "epoch"]

PROC_SCRIPT = r'''
import datetime, json, sys
mode, counter = sys.argv[1], sys.argv[0] + ".count"
with open(counter, "a") as f:
    f.write(mode + "\n")
now = datetime.datetime.now(datetime.timezone.utc)
exp = {
    "z": (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "offset": (now + datetime.timedelta(hours=1)).isoformat(timespec="seconds"),
    "frac": (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    "naive": (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
    "soon": (now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "past": (now - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "epoch": int((now + datetime.timedelta(hours=1)).timestamp()),
}
doc = {"Version": 1, "AccessKeyId": "ASIAPROCESSEXAMPLE01", "SecretAccessKey": "dummy-secret",
       "SessionToken": "dummy-session-token"}
if mode != "missing":
    doc["Expiration"] = exp[mode]
print(json.dumps(doc))
'''


def step3(moto, script):
    print("== 3. credential_process")
    counter = script + ".count"
    expect = {"z": True, "offset": True, "frac": True, "naive": False, "missing": True, "soon": True, "past": False, "epoch": False}
    for mode in PROC_MODES:
        profile = "p-legacy" if mode == "z" else "p-proc-" + mode
        if os.path.exists(counter):
            os.unlink(counter)
        rc, out, err = run_aws(profile, sts=moto)
        runs = len(open(counter).read().split()) if os.path.exists(counter) else 0
        check((rc == 0) == expect[mode], "credential_process Expiration %s: %s" % (mode, "accepted" if expect[mode] else "refused"), (rc, out, err))
        finding("credential_process Expiration %-8s -> %s, process ran %d time(s)%s" % (mode, "accepted" if rc == 0 else "refused", runs, "" if rc == 0 else ": " + err))
        if mode == "z":
            check(rc == 0 and out["Arn"] == "arn:aws:sts::123456789012:user/moto", "aws sts get-caller-identity --profile p-legacy against moto", out)


# ------------------------------------------------------------ step 4


def step4(moto):
    print("== 4. moto GetCallerIdentity for arbitrary keys")
    answers = set()
    for key in ("ASIA" + "ABCDEFGHIJKLMNOP", "ASIA" + "Z234567Z234567ZZ", "AKIA" + "EXAMPLEEXAMPLE12"):
        sts = boto3.session.Session().client(
            "sts",
            region_name=REGION,
            endpoint_url=moto,
            aws_access_key_id=key,
            aws_secret_access_key="dummy",
            aws_session_token="dummy" if key.startswith("ASIA") else None,
        )
        r = sts.get_caller_identity()
        answers.add((r["UserId"], r["Account"], r["Arn"]))
    check(answers == {("AKIAIOSFODNN7EXAMPLE", "123456789012", "arn:aws:sts::123456789012:user/moto")}, "moto: any unknown key -> default identity", answers)
    finding("moto GetCallerIdentity for unknown ASIA/AKIA keys -> %s" % sorted(answers))


# ------------------------------------------------------------ step 5


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # hand the 302 back instead of following it


HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def http_get(url):
    """(status, headers, body) of a GET; redirects are not followed."""
    try:
        with HTTP.open(url, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def http_post_json(url, doc):
    req = urllib.request.Request(url, data=json.dumps(doc).encode(), method="POST", headers={"Content-Type": "application/json"})
    try:
        with HTTP.open(req, timeout=10) as r:
            return r.status, r.headers, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"{}")


PKCE_CHARS = string.ascii_letters + string.digits + "-._~"
CALLBACK = "http://127.0.0.1/oauth/callback"  # what the AWS CLI v2 registers


def callback(port):
    return "http://127.0.0.1:%d/oauth/callback" % port  # what it authorizes with


def pkce_pair():
    """As the AWS CLI v2: 64 characters, challenge = urlsafe b64 of the SHA-256 (trimmed in the URL)."""
    verifier = "".join(secrets.choice(PKCE_CHARS) for _ in range(64))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize(standin, **params):
    """GET /authorize with the AWS CLI v2's parameters (percent-encoded, scopes
    space separated), overridden by params (None drops one). Returns (status,
    headers, body, Location's query as a dict of first values, Location)."""
    q = {
        "response_type": "code",
        "client_id": None,
        "redirect_uri": None,
        "state": None,
        "code_challenge_method": "S256",
        "scopes": " ".join(SCOPES),
        "code_challenge": None,
    }
    q.update(params)
    query = urllib.parse.urlencode({k: v for k, v in q.items() if v is not None}, quote_via=urllib.parse.quote, safe="-_.~")
    status, headers, body = http_get(standin.url + "/authorize?" + query)
    location = headers.get("Location")
    back = {}
    if location:
        back = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}
    return status, headers, body, back, location


def register_auth(oidc, grants=("authorization_code", "refresh_token"), redirects=(CALLBACK,), scopes=SCOPES, **kw):
    return oidc.register_client(
        clientName="selftest-pkce",
        clientType="public",
        grantTypes=list(grants),
        redirectUris=list(redirects),
        issuerUrl=START_URL,
        scopes=list(scopes),
        **kw
    )


def get_code(standin, reg, port=4711, **params):
    """A fresh authorization code: (code, verifier, redirect_uri)."""
    verifier, challenge = pkce_pair()
    redirect = callback(port)
    state = str(uuid.uuid4())
    status, _, body, back, loc = authorize(standin, client_id=reg["clientId"], redirect_uri=redirect, state=state, code_challenge=challenge, **params)
    if status != 302 or "code" not in back:
        raise AssertionError("no code from /authorize: %s %r %r" % (status, loc, body))
    return back["code"], verifier, redirect


def code_grant(reg, code, verifier, redirect):
    return dict(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        grantType="authorization_code",
        code=code,
        redirectUri=redirect,
        codeVerifier=verifier,
    )


def step5(E, F, G, B):
    print("== 5. authorization code grant with PKCE (boto3 + the standard library)")
    oidc, sso = oidc_client(E.url), sso_client(E.url)
    m = E.mark()

    # RegisterClient as the AWS CLI v2 does it.
    reg = register_auth(oidc)
    check(
        set(reg) - {"ResponseMetadata"} == {"clientId", "clientSecret", "clientIdIssuedAt", "clientSecretExpiresAt"},
        "RegisterClient (grantTypes, redirectUris, issuerUrl) members",
        reg,
    )
    e = E.since(m, "RegisterClient")[-1]
    check(
        e["grantTypes"] == ["authorization_code", "refresh_token"] and e["redirectUris"] == [CALLBACK] and e["issuerUrl"] == START_URL and e["status"] == 200,
        "RegisterClient logged with grantTypes, redirectUris, issuerUrl",
        e,
    )
    expect_error("RegisterClient grantTypes [password]", oidc.register_client, "UnsupportedGrantTypeException", 400, _oauth="unsupported_grant_type",
                 clientName="x", clientType="public", grantTypes=["password"])
    expect_error("RegisterClient redirectUris http://example.com", oidc.register_client, "InvalidRedirectUriException", 400, _oauth="invalid_redirect_uri",
                 clientName="x", clientType="public", grantTypes=["authorization_code"], redirectUris=["http://example.com/cb"])
    expect_error("RegisterClient authorization_code without redirectUris", oidc.register_client, "InvalidRequestException", 400, _oauth="invalid_request",
                 clientName="x", clientType="public", grantTypes=["authorization_code"])
    expect_error("StartDeviceAuthorization by an authorization_code/refresh_token registration", oidc.start_device_authorization,
                 "UnauthorizedClientException", 400, _oauth="unauthorized_client", clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START_URL)

    # The flow: /authorize (redirect not followed), then CreateToken with the verifier.
    verifier, challenge = pkce_pair()
    port = free_port()
    redirect = callback(port)
    state = str(uuid.uuid4())
    m = E.mark()
    status, headers, body, back, loc = authorize(E, client_id=reg["clientId"], redirect_uri=redirect, state=state, code_challenge=challenge)
    check(status == 302 and loc and loc.startswith(redirect + "?"), "/authorize -> 302 to the redirect_uri with its port", (status, loc, body))
    check(back.get("state") == state and back.get("code") and set(back) == {"code", "state"}, "Location carries code and our state", loc)
    a = E.since(m, "Authorize")
    check(
        len(a) == 1 and a[0]["status"] == 302 and a[0]["error"] is None and a[0]["clientId"] == reg["clientId"] and a[0]["redirectUri"] == redirect
        and a[0]["state"] == state and a[0]["returnedState"] == state and a[0]["code"] == back.get("code") and a[0]["codeChallenge"] == challenge
        and a[0]["codeChallengeMethod"] == "S256" and a[0]["requestedScopes"] == SCOPES and a[0]["location"] == loc,
        "Authorize logged",
        a,
    )
    code = back.get("code")
    grant = code_grant(reg, code, verifier, redirect)
    m = E.mark()
    tok = oidc.create_token(**grant)
    check(
        set(tok) - {"ResponseMetadata"} == {"accessToken", "tokenType", "expiresIn", "refreshToken"} and tok["tokenType"] == "Bearer" and tok["expiresIn"] == 3600,
        "CreateToken authorization_code -> accessToken, Bearer, expiresIn 3600, refreshToken (no idToken)",
        tok,
    )
    c = E.since(m, "CreateToken")[-1]
    check(
        c["grant"] == "authorization_code" and c["pkce"] == "ok" and c["code"] == code and c["redirectUri"] == redirect
        and c["issuedToken"] == tok["accessToken"] and c["issuedRefreshToken"] == tok.get("refreshToken"),
        "CreateToken logged: grant, pkce ok, code, issued tokens",
        c,
    )
    creds = sso.get_role_credentials(roleName=ROLE, accountId=ACCOUNT, accessToken=tok["accessToken"])["roleCredentials"]
    check(ASIA.match(creds["accessKeyId"]) is not None, "the code grant's token gets role credentials")
    expect_error("the same code again", oidc.create_token, "InvalidGrantException", 400, _oauth="invalid_grant", **grant)

    # Refusals, each with a fresh code.
    m = E.mark()
    code, verifier, redirect = get_code(E, reg)
    got = expect_error("wrong codeVerifier", oidc.create_token, "InvalidGrantException", 400, _oauth="invalid_grant",
                       **code_grant(reg, code, pkce_pair()[0], redirect))
    check(got and got[2].get("error_description") == "Invalid grant provided", "InvalidGrantException says 'Invalid grant provided'", got and got[2])
    check(E.since(m, "CreateToken")[-1].get("pkce") == "mismatch", "wrong verifier logged as pkce mismatch", E.since(m, "CreateToken")[-1])
    expect_error("the right verifier after a failed attempt (the code is used up)", oidc.create_token, "InvalidGrantException", 400,
                 **code_grant(reg, code, verifier, redirect))
    code, verifier, redirect = get_code(E, reg)
    expect_error("redirectUri of another port", oidc.create_token, "InvalidGrantException", 400, _oauth="invalid_grant",
                 **code_grant(reg, code, verifier, callback(free_port())))
    code, verifier, redirect = get_code(E, reg)
    expect_error("redirectUri as registered (without the port)", oidc.create_token, "InvalidGrantException", 400,
                 **code_grant(reg, code, verifier, CALLBACK))
    code, verifier, redirect = get_code(E, reg)
    m = E.mark()
    g = code_grant(reg, code, verifier, redirect)
    del g["codeVerifier"]
    expect_error("no codeVerifier", oidc.create_token, "InvalidGrantException", 400, **g)
    check(E.since(m, "CreateToken")[-1].get("pkce") == "missing", "missing verifier logged as pkce missing")
    code, verifier, redirect = get_code(E, reg)
    m = E.mark()
    expect_error("codeVerifier of 42 characters", oidc.create_token, "InvalidGrantException", 400, **code_grant(reg, code, verifier[:42], redirect))
    check(E.since(m, "CreateToken")[-1].get("pkce") == "invalid", "short verifier logged as pkce invalid")
    g = code_grant(reg, "x", "v" * 43, CALLBACK)
    del g["code"]
    expect_error("no code", oidc.create_token, "InvalidRequestException", 400, _oauth="invalid_request", **g)
    other = register_auth(oidc)
    code, verifier, redirect = get_code(E, reg)
    expect_error("a code redeemed by another client", oidc.create_token, "InvalidGrantException", 400, **code_grant(other, code, verifier, redirect))
    expect_error("unknown code", oidc.create_token, "InvalidGrantException", 400, **code_grant(reg, "nope", verifier, redirect))
    code, verifier, redirect = get_code(E, reg)
    expect_error("wrong client secret", oidc.create_token, "InvalidClientException", 401, **dict(code_grant(reg, code, verifier, redirect), clientSecret="nope"))
    legacy = oidc.register_client(clientName="legacy", clientType="public", scopes=SCOPES)
    expect_error("authorization_code by a legacy registration", oidc.create_token, "InvalidGrantException", 400, **code_grant(legacy, code, verifier, redirect))

    # The wire, with the standard library only.
    code, verifier, redirect = get_code(E, reg)
    status, headers, doc = http_post_json(E.url + "/token", code_grant(reg, code, verifier, redirect))
    check(status == 200 and headers.get("Content-Type") == "application/json" and set(doc) == {"accessToken", "tokenType", "expiresIn", "refreshToken"},
          "raw POST /token (authorization_code): 200 application/json with the four members", (status, dict(headers), doc))
    status, headers, doc = http_post_json(E.url + "/token", code_grant(reg, code, verifier, redirect))
    check(status == 400 and headers.get("x-amzn-ErrorType") == "InvalidGrantException" and doc == {"error": "invalid_grant", "error_description": "Invalid grant provided"},
          "raw POST /token, reused code: 400, x-amzn-ErrorType, {error, error_description}", (status, dict(headers), doc))

    # /authorize refusals.
    verifier, challenge = pkce_pair()
    redirect = callback(free_port())
    base = dict(client_id=reg["clientId"], redirect_uri=redirect, state="st-1", code_challenge=challenge)
    m = E.mark()
    for label, over in [
        ("unknown client_id", dict(client_id="nope")),
        ("no client_id", dict(client_id=None)),
        ("redirect_uri with another path", dict(redirect_uri="http://127.0.0.1:%d/other" % free_port())),
        ("redirect_uri http://localhost (registered 127.0.0.1)", dict(redirect_uri="http://localhost:%d/oauth/callback" % free_port())),
        ("no redirect_uri", dict(redirect_uri=None)),
    ]:
        status, headers, body, back, loc = authorize(E, **dict(base, **over))
        check(status == 400 and loc is None and headers.get("Content-Type", "").startswith("text/plain"), "/authorize %s -> 400 text/plain, no redirect" % label, (status, loc, body))
    for label, over, error in [
        ("response_type token", dict(response_type="token"), "unsupported_response_type"),
        ("no response_type", dict(response_type=None), "invalid_request"),
        ("no code_challenge", dict(code_challenge=None), "invalid_request"),
        ("code_challenge padded with '='", dict(code_challenge=challenge + "="), "invalid_request"),
        ("code_challenge_method plain", dict(code_challenge_method="plain"), "invalid_request"),
        ("no code_challenge_method", dict(code_challenge_method=None), "invalid_request"),
        ("a scope not registered", dict(scopes="sso:account:access openid"), "invalid_scope"),
    ]:
        status, headers, body, back, loc = authorize(E, **dict(base, **over))
        check(
            status == 302 and loc.startswith(redirect + "?") and back.get("error") == error and back.get("error_description") and back.get("state") == "st-1" and "code" not in back,
            "/authorize %s -> redirect error=%s with state" % (label, error),
            (status, loc),
        )
    a = E.since(m, "Authorize")
    check([x["error"] for x in a] == ["invalid_client"] * 2 + ["invalid_request"] * 3 + ["unsupported_response_type"] + ["invalid_request"] * 5 + ["invalid_scope"],
          "Authorize refusals logged with their OAuth error", [(x["status"], x["error"]) for x in a])
    # No state given: none returned. A redirect URI with a query keeps it.
    status, _, _, back, loc = authorize(E, **dict(base, state=None))
    check(status == 302 and "state" not in back and back.get("code"), "/authorize without state -> code, no state", loc)
    reg_q = register_auth(oidc, redirects=["http://127.0.0.1/cb?app=ssosetup", "https://app.example.com/cb"])
    redirect_q = "http://127.0.0.1:%d/cb?app=ssosetup" % free_port()
    status, _, _, back, loc = authorize(E, client_id=reg_q["clientId"], redirect_uri=redirect_q, state="s", code_challenge=challenge)
    check(status == 302 and loc.startswith(redirect_q + "&code=") and back.get("app") == "ssosetup" and back.get("state") == "s",
          "/authorize keeps the redirect_uri's own query parameters", loc)
    status, _, _, back, loc = authorize(E, client_id=reg_q["clientId"], redirect_uri="https://app.example.com/cb", state="s", code_challenge=challenge)
    check(status == 302 and back.get("code"), "/authorize with a registered https redirect_uri (exact)", loc)
    status, _, _, back, loc = authorize(E, client_id=reg_q["clientId"], redirect_uri="https://app.example.com:444/cb", state="s", code_challenge=challenge)
    check(status == 400, "/authorize https redirect_uri on another port -> 400 (port leniency is for loopback IPs only)", (status, loc))
    # grantTypes without refresh_token: no refresh token; without authorization_code: unauthorized_client.
    reg_nr = register_auth(oidc, grants=["authorization_code"])
    code, verifier, redirect = get_code(E, reg_nr)
    t = oidc.create_token(**code_grant(reg_nr, code, verifier, redirect))
    check("refreshToken" not in t, "grantTypes [authorization_code]: no refresh token", t)
    reg_dev = register_auth(oidc, grants=["urn:ietf:params:oauth:grant-type:device_code"])
    status, _, _, back, loc = authorize(E, client_id=reg_dev["clientId"], redirect_uri=callback(free_port()), state="s", code_challenge=challenge)
    check(status == 302 and back.get("error") == "unauthorized_client", "/authorize for a client without authorization_code -> unauthorized_client", loc)

    # Refresh with rotation, for an authorization_code/refresh_token registration.
    m = E.mark()
    ref = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="refresh_token", refreshToken=tok["refreshToken"])
    new = oidc.create_token(**ref)
    check(new["accessToken"] != tok["accessToken"] and new.get("refreshToken") not in (None, tok["refreshToken"]) and new["expiresIn"] == 3600,
          "refresh (code grant client) -> new access and refresh token", new)
    r = E.since(m, "CreateToken")[-1]
    check(r["grant"] == "refresh_token" and r["refreshToken"] == tok["refreshToken"] and r["issuedRefreshToken"] == new["refreshToken"], "refresh logged", r)
    expect_error("refresh with the rotated-out refresh token", oidc.create_token, "InvalidGrantException", 400, _oauth="invalid_grant", **ref)
    check("roleCredentials" in sso.get_role_credentials(roleName=ROLE, accountId=ACCOUNT, accessToken=tok["accessToken"]), "the old access token stays valid")

    # Logout: that access token is refused afterwards; the role credentials and the refresh token live on.
    creds_new = sso.get_role_credentials(roleName=ROLE, accountId=ACCOUNT, accessToken=new["accessToken"])["roleCredentials"]
    m = E.mark()
    sso.logout(accessToken=new["accessToken"])
    lo = E.since(m, "Logout")
    check(len(lo) == 1 and lo[0]["status"] == 200 and lo[0]["token"] == new["accessToken"] and lo[0]["endedTokens"] == 1, "Logout logged with the token", lo)
    got = expect_error("GetRoleCredentials after Logout", sso.get_role_credentials, "UnauthorizedException", 401, roleName=ROLE, accountId=ACCOUNT, accessToken=new["accessToken"])
    check(got and got[2]["Error"]["Message"] == "Session token not found or invalid", "... message as for an unknown token", got and got[2]["Error"])
    expect_error("Logout twice", sso.logout, "UnauthorizedException", 401, accessToken=new["accessToken"])
    check("roleCredentials" in sso.get_role_credentials(roleName=ROLE, accountId=ACCOUNT, accessToken=tok["accessToken"]), "Logout ends only the token it carried")
    again = oidc.create_token(**dict(ref, refreshToken=new["refreshToken"]))
    check(again.get("accessToken"), "the refresh token survives Logout (default)", again)

    # B (--expire-now): the code grant's token is issued expired too.
    oidc_b = oidc_client(B.url)
    reg_b = register_auth(oidc_b)
    code, verifier, redirect = get_code(B, reg_b)
    t = oidc_b.create_token(**code_grant(reg_b, code, verifier, redirect))
    check(t["expiresIn"] == 0, "--expire-now: the code grant's token has expiresIn 0", t)
    t2 = oidc_b.create_token(clientId=reg_b["clientId"], clientSecret=reg_b["clientSecret"], grantType="refresh_token", refreshToken=t["refreshToken"])
    check(t2["expiresIn"] == 3600, "--expire-now: refreshed token gets the normal lifetime", t2)

    # F: --authorize-deny --refresh-fail
    oidc_f = oidc_client(F.url)
    reg_f = register_auth(oidc_f)
    verifier, challenge = pkce_pair()
    redirect = callback(free_port())
    m = F.mark()
    status, _, _, back, loc = authorize(F, client_id=reg_f["clientId"], redirect_uri=redirect, state="st-f", code_challenge=challenge)
    check(status == 302 and back.get("error") == "access_denied" and back.get("error_description") and back.get("state") == "st-f" and "code" not in back,
          "--authorize-deny: redirect with error=access_denied and the state", loc)
    a = F.since(m, "Authorize")
    check(a and a[-1]["error"] == "access_denied" and a[-1]["status"] == 302, "denial logged", a)
    status, _, _, back, loc = authorize(F, client_id=reg_f["clientId"], redirect_uri=redirect, state="st-f", code_challenge=challenge, code_challenge_method="plain")
    check(back.get("error") == "invalid_request", "--authorize-deny: a bad request is still invalid_request", loc)
    reg_fd, _, tok_f = login(oidc_f)  # the device flow still works on F
    ref_f = dict(clientId=reg_fd["clientId"], clientSecret=reg_fd["clientSecret"], grantType="refresh_token", refreshToken=tok_f["refreshToken"])
    m = F.mark()
    expect_error("--refresh-fail: refresh", oidc_f.create_token, "InvalidGrantException", 400, _oauth="invalid_grant", **ref_f)
    expect_error("--refresh-fail: refresh again", oidc_f.create_token, "InvalidGrantException", 400, **ref_f)
    r = F.since(m, "CreateToken")
    check(len(r) == 2 and all(x["grant"] == "refresh_token" and x["refreshToken"] == tok_f["refreshToken"] and x["error"] == "InvalidGrantException" for x in r),
          "--refresh-fail logged", r)
    expect_error("--refresh-fail: a wrong client secret is still InvalidClientException", oidc_f.create_token, "InvalidClientException", 401, **dict(ref_f, clientSecret="nope"))

    # G: --authorize-wrong-state --code-seconds 1 --logout-ends-session --credential-seconds 2
    oidc_g, sso_g = oidc_client(G.url), sso_client(G.url)
    reg_g = register_auth(oidc_g)
    verifier, challenge = pkce_pair()
    redirect = callback(free_port())
    m = G.mark()
    status, _, _, back, loc = authorize(G, client_id=reg_g["clientId"], redirect_uri=redirect, state="mine", code_challenge=challenge)
    check(status == 302 and back.get("code") and back.get("state") not in (None, "mine"), "--authorize-wrong-state: a code with another state", loc)
    a = G.since(m, "Authorize")[-1]
    check(a["state"] == "mine" and a["returnedState"] == back.get("state"), "state and returnedState logged", a)
    status, _, _, back_e, loc = authorize(G, client_id=reg_g["clientId"], redirect_uri=redirect, state="mine", code_challenge=challenge, response_type="token")
    check(back_e.get("error") == "unsupported_response_type" and back_e.get("state") not in (None, "mine"), "--authorize-wrong-state: error redirects too", loc)
    late = back["code"]  # redeemed after --code-seconds
    code, verifier2, redirect2 = get_code(G, reg_g)
    tok1 = oidc_g.create_token(**code_grant(reg_g, code, verifier2, redirect2))
    tok2 = oidc_g.create_token(clientId=reg_g["clientId"], clientSecret=reg_g["clientSecret"], grantType="refresh_token", refreshToken=tok1["refreshToken"])
    other_code, verifier3, redirect3 = get_code(G, reg_g)
    other = oidc_g.create_token(**code_grant(reg_g, other_code, verifier3, redirect3))
    creds_g = sso_g.get_role_credentials(roleName=ROLE, accountId=ACCOUNT, accessToken=tok1["accessToken"])["roleCredentials"]
    time.sleep(2.1)
    expect_error("--code-seconds 1: code redeemed after 2 s", oidc_g.create_token, "InvalidGrantException", 400, _oauth="invalid_grant",
                 **code_grant(reg_g, late, verifier, redirect))
    m = G.mark()
    sso_g.logout(accessToken=tok2["accessToken"])
    lo = G.since(m, "Logout")
    check(lo and lo[0]["endedTokens"] == 3, "--logout-ends-session: Logout ends the refreshed token, its refresh token and the first access token", lo)
    expect_error("--logout-ends-session: the first access token", sso_g.get_role_credentials, "UnauthorizedException", 401, roleName=ROLE, accountId=ACCOUNT, accessToken=tok1["accessToken"])
    expect_error("--logout-ends-session: the refresh token", oidc_g.create_token, "InvalidGrantException", 400,
                 clientId=reg_g["clientId"], clientSecret=reg_g["clientSecret"], grantType="refresh_token", refreshToken=tok2["refreshToken"])
    check("roleCredentials" in sso_g.get_role_credentials(roleName=ROLE, accountId=ACCOUNT, accessToken=other["accessToken"]), "--logout-ends-session: another sign-in lives on")
    return creds, tok, creds_new, creds_g


# ------------------------------------------------------------ step 6


def federation_url(standin, **params):
    return standin.url + "/federation?" + urllib.parse.urlencode(params)


def session_json(creds, **over):
    doc = {"sessionId": creds["accessKeyId"], "sessionKey": creds["secretAccessKey"], "sessionToken": creds["sessionToken"]}
    doc.update(over)
    return json.dumps(doc)


def step6(E, G, creds, tok, logged_out, creds_g):
    print("== 6. console federation (getSigninToken, login)")
    m = E.mark()
    status, headers, body = http_get(federation_url(E, Action="getSigninToken", SessionDuration="3600", Session=session_json(creds)))
    doc = json.loads(body) if status == 200 else None
    check(status == 200 and headers.get("Content-Type") == "application/json" and doc and set(doc) == {"SigninToken"} and doc["SigninToken"],
          "getSigninToken with issued role credentials -> 200 {SigninToken}", (status, body[:200]))
    g = E.since(m)
    check(len(g) == 1 and g[0]["op"] == "GetSigninToken" and g[0]["status"] == 200 and g[0]["sessionId"] == creds["accessKeyId"]
          and g[0]["sessionDuration"] == 3600 and g[0]["signinToken"] == (doc or {}).get("SigninToken"), "GetSigninToken logged with sessionId", g)
    with open(E.log) as f:
        raw = f.read()
    check(creds["secretAccessKey"] not in raw and creds["sessionToken"] not in raw, "the log never holds sessionKey or sessionToken")
    token = (doc or {}).get("SigninToken")

    status, headers, body = http_get(federation_url(E, Action="getSigninToken", Session=session_json(creds)))
    check(status == 200 and "SigninToken" in json.loads(body), "getSigninToken without SessionDuration -> 200", (status, body[:200]))
    check(E.since(m)[-1].get("sessionDuration") is None, "... logged without sessionDuration")
    made_up = {"accessKeyId": "ASIA" + "Q" * 16, "secretAccessKey": "x" * 40, "sessionToken": "IQoJb3JpZ2luX2VjE" + "y" * 300}
    m = E.mark()
    for label, url in [
        ("made-up credentials", federation_url(E, Action="getSigninToken", Session=session_json(made_up))),
        ("issued key, wrong secret", federation_url(E, Action="getSigninToken", Session=session_json(creds, sessionKey="x" * 40))),
        ("issued key, wrong session token", federation_url(E, Action="getSigninToken", Session=session_json(creds, sessionToken="nope"))),
        ("no sessionToken", federation_url(E, Action="getSigninToken", Session=json.dumps({"sessionId": creds["accessKeyId"], "sessionKey": creds["secretAccessKey"]}))),
        ("Session not JSON", federation_url(E, Action="getSigninToken", Session="nope")),
        ("no Session", federation_url(E, Action="getSigninToken")),
        ("SessionDuration 899", federation_url(E, Action="getSigninToken", SessionDuration="899", Session=session_json(creds))),
        ("SessionDuration 43201", federation_url(E, Action="getSigninToken", SessionDuration="43201", Session=session_json(creds))),
        ("SessionDuration x", federation_url(E, Action="getSigninToken", SessionDuration="x", Session=session_json(creds))),
        ("no Action", E.url + "/federation"),
        ("Action getFederationToken", federation_url(E, Action="getFederationToken", Session=session_json(creds))),
    ]:
        status, headers, body = http_get(url)
        check(status == 400 and headers.get("Content-Type", "").startswith("text/plain") and body.strip(), "getSigninToken, %s -> 400 text/plain" % label, (status, body[:200]))
    bad = E.since(m)
    check([x["op"] for x in bad] == ["GetSigninToken"] * 9 + ["Unknown"] * 2 and [x["error"] for x in bad[:3]] == ["InvalidSession"] * 3,
          "refusals logged (GetSigninToken, error InvalidSession for bad credentials)", [(x["op"], x["error"]) for x in bad])
    check(bad[0]["sessionId"] == made_up["accessKeyId"] and made_up["secretAccessKey"] not in json.dumps(bad), "a refused sessionId is logged, its key is not")
    status, _, _ = http_get(federation_url(G, Action="getSigninToken", Session=session_json(creds_g)))
    check(status == 400, "getSigninToken with expired role credentials (--credential-seconds 2) -> 400", status)
    # Logout does not end role sessions (as AWS documents): credentials got before Logout still sign in.
    status, _, body = http_get(federation_url(E, Action="getSigninToken", Session=session_json(logged_out)))
    check(status == 200, "getSigninToken with credentials from a token logged out since -> 200", (status, body[:200]))
    # /federation/credentials stays GetRoleCredentials.
    m = E.mark()
    status, _, _ = http_get(E.url + "/federation/credentials?Action=getSigninToken&role_name=%s&account_id=%s" % (ROLE, ACCOUNT))
    check(status == 401 and E.since(m)[-1]["op"] == "GetRoleCredentials", "GET /federation/credentials is GetRoleCredentials, whatever the query", (status, E.since(m)))

    # login
    dest = "https://console.aws.amazon.com/console/home?region=us-east-1#dashboard"
    m = E.mark()
    status, headers, body = http_get(federation_url(E, Action="login", Issuer="https://ssosetup.example", Destination=dest, SigninToken=token))
    check(status == 302 and headers.get("Location") == dest, "login with the sign-in token -> 302 to Destination", (status, headers.get("Location"), body[:200]))
    lg = E.since(m)
    check(len(lg) == 1 and lg[0]["op"] == "Login" and lg[0]["status"] == 302 and lg[0]["signinToken"] == token and lg[0]["sessionId"] == creds["accessKeyId"]
          and lg[0]["destination"] == dest and lg[0]["issuer"] == "https://ssosetup.example", "Login logged", lg)
    status, _, _ = http_get(federation_url(E, Action="login", Issuer="https://ssosetup.example", Destination=dest, SigninToken=token))
    check(status == 400, "login with the same sign-in token again -> 400 (single use)", status)
    status, _, body = http_get(federation_url(E, Action="getSigninToken", Session=session_json(creds)))
    fresh = json.loads(body)["SigninToken"]
    status, _, _ = http_get(federation_url(E, Action="login", Issuer="x", Destination=dest, SigninToken="nope"))
    check(status == 400, "login with an unknown sign-in token -> 400", status)
    status, _, _ = http_get(federation_url(E, Action="login", Issuer="x", SigninToken=fresh))
    check(status == 400, "login without Destination -> 400", status)
    status, headers, _ = http_get(federation_url(E, Action="login", Destination="https://console.aws.amazon.com/", SigninToken=fresh))
    check(status == 302 and headers.get("Location") == "https://console.aws.amazon.com/", "login without Issuer -> 302", status)
    check([x["error"] for x in E.since(m, "Login")] == [None, "InvalidSigninToken", "InvalidSigninToken", "InvalidRequest", None], "Login refusals logged",
          [(x["status"], x["error"]) for x in E.since(m, "Login")])


# ------------------------------------------------------------ main


def main():
    t0 = time.time()
    try:
        moto_proc, moto = start_moto()
        A = StandIn("A", "--assignment", ACCOUNT + ":Admin", "--assignment", ACCOUNT + ":ReadOnly", "--assignment", "222222222222:Admin")
        B = StandIn("B", "--enforce-interval", "--approve-after", "1", "--expire-now")
        C = StandIn("C", "--device-seconds", "1", "--deny", "--approve-after", "0")
        D = StandIn("D", "--approve-after", "-1")
        E = StandIn("E", "--assignment", ACCOUNT + ":" + ROLE)
        F = StandIn("F", "--authorize-deny", "--refresh-fail")
        G = StandIn("G", "--authorize-wrong-state", "--code-seconds", "1", "--logout-ends-session", "--credential-seconds", "2")
        script = os.path.join(TMP, "credproc.py")
        with open(script, "w") as f:
            f.write(PROC_SCRIPT)
        write_config(script)
        step1(A, B, C, D)
        wait_moto(moto_proc, moto)
        step2(A, B, moto)
        step3(moto, script)
        step4(moto)
        creds, tok, logged_out_creds, creds_g = step5(E, F, G, B)
        step6(E, G, creds, tok, logged_out_creds, creds_g)
    except Exception as e:  # report, then clean up
        import traceback

        traceback.print_exc()
        FAILURES.append("exception: %r" % e)
    finally:
        stop_all()
    print("%d failure(s), %.1f s; files in %s" % (len(FAILURES), time.time() - t0, TMP if FAILURES else "(removed)"))
    if not FAILURES:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
