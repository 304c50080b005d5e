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
4. what moto's GetCallerIdentity answers for arbitrary ASIA keys.

Everything runs under a temporary HOME and AWS_CONFIG_FILE, on loopback, with
dummy credentials; a dead HTTP(S)_PROXY (loopback excepted) makes sure that
nothing reaches AWS. Prints FINDING lines; exits 1 if any check fails.
"""

import datetime
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

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
        "CreateToken grant authorization_code",
        oidc.create_token,
        "UnsupportedGrantTypeException",
        400,
        _oauth="unsupported_grant_type",
        **dict(poll, grantType="authorization_code", code="x")
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


# ------------------------------------------------------------ main


def main():
    t0 = time.time()
    try:
        moto_proc, moto = start_moto()
        A = StandIn("A", "--assignment", ACCOUNT + ":Admin", "--assignment", ACCOUNT + ":ReadOnly", "--assignment", "222222222222:Admin")
        B = StandIn("B", "--enforce-interval", "--approve-after", "1", "--expire-now")
        C = StandIn("C", "--device-seconds", "1", "--deny", "--approve-after", "0")
        D = StandIn("D", "--approve-after", "-1")
        script = os.path.join(TMP, "credproc.py")
        with open(script, "w") as f:
            f.write(PROC_SCRIPT)
        write_config(script)
        step1(A, B, C, D)
        wait_moto(moto_proc, moto)
        step2(A, B, moto)
        step3(moto, script)
        step4(moto)
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
