#!/usr/bin/env python3
"""Self-test of tests/faultproxy.py, tests/awsmodel.py, tests/peer_boto3.py and
tests/moto_as_aws.py against moto, loopback only.

    .venv/bin/python tests/proxy_selftest.py

Exits non-zero on the first failure. Starts its own moto servers and proxies
on free loopback ports and stops them at the end (also on failure).
"""

import atexit
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
PYTHON = os.path.join(VENV_BIN, "python")
REGION = "us-east-1"
TMP = tempfile.TemporaryDirectory(prefix="proxy-selftest-")
PROCS = []

for k, v in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}.items():
    os.environ[k] = v
for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(k, None)
os.environ["AWS_CONFIG_FILE"] = os.path.join(TMP.name, "no-config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(TMP.name, "no-credentials")


def stop_all():
    for p in PROCS:
        if p.poll() is None:
            p.terminate()
    for p in PROCS:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    TMP.cleanup()


atexit.register(stop_all)

CHECKS = [0]
COUNTER = itertools.count()
CHECK_LOCK = threading.Lock()


def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)
    with CHECK_LOCK:
        CHECKS[0] += 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    def __init__(self, name, as_aws=False):
        self.recording = os.path.join(TMP.name, name + "-moto.jsonl")
        self.port = free_port()
        env = dict(
            os.environ,
            MOTO_IAM_LOAD_MANAGED_POLICIES="true",
            MOTO_ENABLE_RECORDING="true",
            MOTO_RECORDER_FILEPATH=self.recording,
        )
        # as_aws: moto with tests/moto_as_aws.py's mends, as the end-to-end tests run it
        server = [PYTHON, os.path.join(ROOT, "tests", "moto_as_aws.py")] if as_aws else [os.path.join(VENV_BIN, "moto_server")]
        self.proc = subprocess.Popen(
            server + ["-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        PROCS.append(self.proc)
        self.url = "http://127.0.0.1:%d" % self.port

    def wait(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                check(self.proc.poll() is None, "moto_server runs")
                time.sleep(0.1)
        check(False, "moto_server listens")

    def ops(self):
        """The operations moto received, in order."""
        if not os.path.exists(self.recording):
            return []
        out = []
        with open(self.recording) as f:
            for line in f:
                if not line.strip():
                    continue
                e = json.loads(line)
                target = {k.lower(): v for k, v in e.get("headers", {}).items()}.get("x-amz-target")
                if target:
                    out.append(target.rsplit(".", 1)[-1])
                    continue
                body = e.get("body") or ""
                if e.get("body_encoded"):
                    import base64

                    body = base64.b64decode(body).decode("utf-8", "replace")
                m = re.search(r"(?:^|&)Action=([A-Za-z]+)", body)
                out.append(m.group(1) if m else "?")
        return out


class Proxy:
    def __init__(self, moto, *options):
        self.log = os.path.join(TMP.name, "proxy-%d.jsonl" % next(COUNTER))
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(ROOT, "tests", "faultproxy.py"), "--upstream", moto.url, "--log", self.log]
            + list(options),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=sys.stderr,
            text=True,
        )
        PROCS.append(self.proc)
        first = self.proc.stdout.readline().strip()
        check(first.startswith("PORT "), "the proxy says its port (%r)" % first)
        self.url = "http://127.0.0.1:%s" % first.split()[1]

    def entries(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]


def client(service, url, validate=True, attempts=1, creds=None):
    """A boto3 client; `creds`: an sts Credentials dict to sign with (else
    the environment's, the management account's key "testing")."""
    cfg = Config(
        parameter_validation=validate,
        retries={"mode": "standard", "max_attempts": attempts},
        connect_timeout=5,
        read_timeout=30,
    )
    keys = {}
    if creds:
        keys = dict(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    return boto3.session.Session(region_name=REGION, **keys).client(service, endpoint_url=url, config=cfg)


def refused(moto, proxy, fn, code, **kwargs):
    """fn(**kwargs) must be answered 400 `code` by the proxy, unseen by moto."""
    before = len(moto.ops())
    log_before = len(proxy.entries())
    try:
        fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(status == 400 and got == code, "%s refused %s/400, got %s/%s" % (fn.__name__, code, got, status))
        check(len(moto.ops()) == before, "moto never saw the invalid %s" % fn.__name__)
        entry = proxy.entries()[log_before]
        check(
            entry["fault"] == "invalid" and entry.get("why") and len(entry["why"]) <= 120,
            "logged invalid with why: %r" % entry,
        )
        return e
    check(False, "%s(%r) was accepted" % (fn.__name__, {k: str(v)[:40] for k, v in kwargs.items()}))


# ---- 1: requests checked against AWS's model ---------------------------------


def test_validation(moto):
    proxy = Proxy(moto, "--validate")
    sso, ids = client("sso-admin", proxy.url), client("identitystore", proxy.url)
    orgs, iam, sts = client("organizations", proxy.url), client("iam", proxy.url), client("sts", proxy.url)
    raw = {s: client(s, proxy.url, validate=False) for s in ("sso-admin", "identitystore", "organizations", "iam")}

    # valid requests pass, moto's identifiers included
    inst = sso.list_instances()["Instances"][0]
    ia, store = inst["InstanceArn"], inst["IdentityStoreId"]
    ps = sso.create_permission_set(InstanceArn=ia, Name="Admin_1", SessionDuration="PT4H")["PermissionSet"]
    ps_arn = ps["PermissionSetArn"]
    sso.describe_permission_set(InstanceArn=ia, PermissionSetArn=ps_arn)
    sso.attach_managed_policy_to_permission_set(
        InstanceArn=ia, PermissionSetArn=ps_arn, ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    sso.list_permission_sets(InstanceArn=ia, MaxResults=100)
    gid = ids.create_group(IdentityStoreId=store, DisplayName="Ops team")["GroupId"]
    uid = ids.create_user(
        IdentityStoreId=store,
        UserName="alice.müller@example.com",
        DisplayName="Alice Müller",
        Name={"GivenName": "Alice", "FamilyName": "Müller"},
        Emails=[{"Value": "alice@example.com", "Type": "work", "Primary": True}],
    )["UserId"]
    ids.list_users(IdentityStoreId=store, MaxResults=50)
    ids.get_group_id(
        IdentityStoreId=store,
        AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "Ops team"}},
    )
    ids.create_group_membership(IdentityStoreId=store, GroupId=gid, MemberId={"UserId": uid})
    orgs.create_organization(FeatureSet="ALL")
    accounts = orgs.list_accounts(MaxResults=20)["Accounts"]
    account = accounts[0]["Id"]
    iam.create_user(UserName="legacy-bob", Tags=[{"Key": "team", "Value": "ops"}])
    iam.tag_user(UserName="legacy-bob", Tags=[{"Key": "owner", "Value": "ops@example.com"}])
    iam.list_users(MaxItems=100)
    iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    sts.get_caller_identity()
    st = sso.create_account_assignment(
        InstanceArn=ia,
        TargetId=account,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=ps_arn,
        PrincipalType="GROUP",
        PrincipalId=gid,
    )["AccountAssignmentCreationStatus"]
    sso.describe_account_assignment_creation_status(
        InstanceArn=ia, AccountAssignmentCreationRequestId=st["RequestId"]
    )
    sso.list_account_assignments(InstanceArn=ia, AccountId=account, PermissionSetArn=ps_arn, MaxResults=1)
    sso.list_account_assignment_creation_status(InstanceArn=ia, MaxResults=10)
    faults = [e["fault"] for e in proxy.entries()]
    check("invalid" not in faults, "valid requests all pass: %r" % [e for e in proxy.entries() if e["fault"]])

    # invalid requests are refused as AWS would, and moto never sees them
    rs, ri, ro, rm = raw["sso-admin"], raw["identitystore"], raw["organizations"], raw["iam"]
    e = refused(moto, proxy, rs.create_permission_set, "ValidationException", InstanceArn=ia, Name="my set")
    check("regular expression pattern" in e.response["Error"]["Message"], "AWS's wording of a pattern error")
    check(
        e.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype") == "ValidationException",
        "the x-amzn-ErrorType header",
    )
    refused(moto, proxy, rs.create_permission_set, "ValidationException", InstanceArn=ia, Name="A" * 33)
    refused(
        moto,
        proxy,
        rs.create_permission_set,
        "ValidationException",
        InstanceArn=ia,
        Name="Fine",
        SessionDuration="1 hour",
    )
    refused(moto, proxy, ri.create_user, "ValidationException", IdentityStoreId=store, UserName="u" * 129, DisplayName="x")
    refused(
        moto,
        proxy,
        rs.create_account_assignment,
        "ValidationException",
        InstanceArn=ia,
        TargetId=account,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=ps_arn,
        PrincipalType="ROBOT",
        PrincipalId=gid,
    )
    refused(
        moto,
        proxy,
        rs.create_account_assignment,
        "ValidationException",
        InstanceArn=ia,
        TargetId="12345",
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=ps_arn,
        PrincipalType="GROUP",
        PrincipalId=gid,
    )
    e = refused(moto, proxy, rm.create_user, "ValidationError", UserName="x" * 65)
    check("length less than or equal to 64" in e.response["Error"]["Message"], "IAM's wording")
    refused(moto, proxy, rm.tag_user, "ValidationError", UserName="legacy-bob", Tags=[{"Key": "bad*key", "Value": "v"}])
    refused(moto, proxy, rm.list_users, "ValidationError", MaxItems=0)
    refused(moto, proxy, rs.list_permission_sets, "ValidationException", InstanceArn=ia, MaxResults=0)
    refused(moto, proxy, rs.list_permission_sets, "ValidationException", InstanceArn=ia, MaxResults=1000)
    refused(moto, proxy, ri.list_users, "ValidationException", IdentityStoreId=store, MaxResults=1000)
    refused(moto, proxy, ro.list_accounts, "ValidationException", MaxResults=1000)
    refused(moto, proxy, rs.create_permission_set, "ValidationException", InstanceArn=ia)  # Name is required
    refused(moto, proxy, ri.create_group, "ValidationException", DisplayName="no store")
    refused(moto, proxy, rs.list_permission_sets, "SerializationException", InstanceArn=ia, MaxResults="5")
    refused(moto, proxy, rs.list_account_assignment_creation_status, "ValidationException", InstanceArn=ia, Filter={"Status": "DONE"})
    # a string moto never issued, in a form AWS refuses
    refused(
        moto,
        proxy,
        rs.describe_permission_set,
        "ValidationException",
        InstanceArn=ia,
        PermissionSetArn=ia + "/ps-notmotos",
    )
    # an identifier seeded into moto directly, never seen through the proxy: exempt by member name
    direct = client("sso-admin", moto.url)
    seeded = direct.create_permission_set(InstanceArn=ia, Name="Seeded")["PermissionSet"]["PermissionSetArn"]
    refused(moto, proxy, rs.describe_permission_set, "ValidationException", InstanceArn=ia, PermissionSetArn=seeded)
    lenient = Proxy(moto, "--validate", "--exempt-pattern-member", "PermissionSetArn")
    client("sso-admin", lenient.url).describe_permission_set(InstanceArn=ia, PermissionSetArn=seeded)
    # ...and once listed through the proxy, it is remembered
    sso.list_permission_sets(InstanceArn=ia)
    sso.describe_permission_set(InstanceArn=ia, PermissionSetArn=seeded)
    return ia, ps_arn, gid, account


# ---- 2: sso-admin's asynchronous operations ------------------------------------


def statuses(sso, op, ia, **kw):
    out, token = [], None
    member = "AccountAssignmentsCreationStatus" if "creation" in op else "AccountAssignmentsDeletionStatus"
    if "provisioning" in op:
        member = "PermissionSetsProvisioningStatus"
    pages = 0
    while True:
        args = dict(InstanceArn=ia, **kw)
        if token:
            args["NextToken"] = token
        page = getattr(sso, op)(**args)
        pages += 1
        out += page[member]
        token = page.get("NextToken")
        if not token:
            return out, pages


def test_async(moto, ia, ps_arn, gid):
    orgs = client("organizations", moto.url)
    accts = [
        orgs.create_account(AccountName="acct%d" % i, Email="acct%d@example.com" % i)["CreateAccountStatus"]["AccountId"]
        for i in range(4)
    ]
    fail_account = "210987654321"
    proxy = Proxy(moto, "--validate", "--assignment-seconds", "1", "--fail-assignment", fail_account)
    sso = client("sso-admin", proxy.url)
    direct = client("sso-admin", moto.url)
    # a new proxy knows moto's identifiers once it relayed them, as a client reads first
    sso.list_instances()
    sso.list_permission_sets(InstanceArn=ia)

    def create(account):
        return sso.create_account_assignment(
            InstanceArn=ia,
            TargetId=account,
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=ps_arn,
            PrincipalType="GROUP",
            PrincipalId=gid,
        )["AccountAssignmentCreationStatus"]

    def describe(rid):
        return sso.describe_account_assignment_creation_status(
            InstanceArn=ia, AccountAssignmentCreationRequestId=rid
        )["AccountAssignmentCreationStatus"]

    a = create(accts[0])
    check(a["Status"] == "IN_PROGRESS", "a creation is answered IN_PROGRESS")
    listed, _ = statuses(sso, "list_account_assignment_creation_status", ia)
    check({"Status": "IN_PROGRESS", "RequestId": a["RequestId"]}.items() <= listed[0].items(), "listed at once: IN_PROGRESS")
    check(set(listed[0]) == {"Status", "RequestId", "CreatedDate"}, "list items as the model: %r" % listed[0])
    check(describe(a["RequestId"])["Status"] == "IN_PROGRESS", "still IN_PROGRESS when polled")
    f = create(fail_account)
    check(f["Status"] == "IN_PROGRESS", "the failing one is IN_PROGRESS first")
    time.sleep(1.05)
    d = describe(a["RequestId"])
    check(d["Status"] == "SUCCEEDED" and d["TargetId"] == accts[0] and d["PermissionSetArn"] == ps_arn, "SUCCEEDED after a second: %r" % d)
    d = describe(f["RequestId"])
    check(d["Status"] == "FAILED" and "404" in d.get("FailureReason", ""), "FAILED with its reason: %r" % d)
    check(
        direct.list_account_assignments(InstanceArn=ia, AccountId=fail_account, PermissionSetArn=ps_arn)["AccountAssignments"] == [],
        "the failed assignment does not exist in moto",
    )
    listed, _ = statuses(sso, "list_account_assignment_creation_status", ia)
    by_id = {x["RequestId"]: x["Status"] for x in listed}
    check(by_id.get(f["RequestId"]) == "FAILED" and by_id.get(a["RequestId"]) == "SUCCEEDED", "List: %r" % by_id)
    listed, _ = statuses(sso, "list_account_assignment_creation_status", ia, Filter={"Status": "FAILED"})
    check([x["RequestId"] for x in listed] == [f["RequestId"]], "Filter FAILED")
    c = create(accts[1])
    listed, _ = statuses(sso, "list_account_assignment_creation_status", ia, Filter={"Status": "IN_PROGRESS"})
    check([x["RequestId"] for x in listed] == [c["RequestId"]], "Filter IN_PROGRESS omits finished ones: %r" % listed)
    listed, pages = statuses(sso, "list_account_assignment_creation_status", ia, MaxResults=1)
    all_listed, _ = statuses(sso, "list_account_assignment_creation_status", ia)
    check(pages == len(all_listed) >= 3 and listed == all_listed, "MaxResults 1 pages through all (%d pages)" % pages)
    check(listed[0]["RequestId"] == c["RequestId"], "newest first")

    # deletions
    dele = sso.delete_account_assignment(
        InstanceArn=ia,
        TargetId=accts[0],
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=ps_arn,
        PrincipalType="GROUP",
        PrincipalId=gid,
    )["AccountAssignmentDeletionStatus"]
    check(dele["Status"] == "IN_PROGRESS", "a deletion is answered IN_PROGRESS")
    dd = sso.describe_account_assignment_deletion_status(InstanceArn=ia, AccountAssignmentDeletionRequestId=dele["RequestId"])
    check(dd["AccountAssignmentDeletionStatus"]["Status"] == "IN_PROGRESS", "deletion IN_PROGRESS when polled")
    dl, _ = statuses(sso, "list_account_assignment_deletion_status", ia)
    check([x["RequestId"] for x in dl] == [dele["RequestId"]], "deletions listed")

    # provisioning
    p = sso.provision_permission_set(InstanceArn=ia, PermissionSetArn=ps_arn, TargetType="ALL_PROVISIONED_ACCOUNTS")[
        "PermissionSetProvisioningStatus"
    ]
    check(p["Status"] == "IN_PROGRESS", "provisioning answered IN_PROGRESS")
    pd = sso.describe_permission_set_provisioning_status(InstanceArn=ia, ProvisionPermissionSetRequestId=p["RequestId"])
    check(pd["PermissionSetProvisioningStatus"]["Status"] == "IN_PROGRESS", "provisioning IN_PROGRESS when polled")
    time.sleep(1.05)
    pd = sso.describe_permission_set_provisioning_status(InstanceArn=ia, ProvisionPermissionSetRequestId=p["RequestId"])
    check(pd["PermissionSetProvisioningStatus"]["Status"] == "SUCCEEDED", "provisioning SUCCEEDED after a second")
    pl, _ = statuses(sso, "list_permission_set_provisioning_status", ia)
    check([x["RequestId"] for x in pl] == [p["RequestId"]], "provisioning listed")
    dd = sso.describe_account_assignment_deletion_status(InstanceArn=ia, AccountAssignmentDeletionRequestId=dele["RequestId"])
    check(dd["AccountAssignmentDeletionStatus"]["Status"] == "SUCCEEDED", "deletion SUCCEEDED after a second")

    entries = proxy.entries()
    ops = [e["op"] for e in entries]
    check(ops.count("CreateAccountAssignment") == 3, "op counted per call: %r" % ops)
    check(any(e["fault"] == "in-progress" for e in entries), "in-progress logged")
    check(not any(e["fault"] == "invalid" for e in entries), "no invalid request: %r" % [e for e in entries if e["fault"] == "invalid"])

    # --max-outstanding counts creations IN_PROGRESS by the clock
    # (3 seconds, so that a loaded machine still makes three creations within them)
    limited = Proxy(moto, "--assignment-seconds", "3", "--max-outstanding", "2")
    sso = client("sso-admin", limited.url)
    t = time.monotonic()
    create(accts[1])
    create(accts[2])
    try:
        create(accts[3])
        check(False, "the third concurrent creation is refused (%.1f s)" % (time.monotonic() - t))
    except ClientError as e:
        check(e.response["Error"]["Code"] == "ThrottlingException", "ThrottlingException past --max-outstanding")
    time.sleep(max(0.0, 3.05 - (time.monotonic() - t)))
    check(create(accts[3])["Status"] == "IN_PROGRESS", "a creation past its seconds no longer counts")

    # the old --in-progress-polls still works
    old = Proxy(moto, "--in-progress-polls", "1", "--max-outstanding", "10")
    sso = client("sso-admin", old.url)
    o = create(accts[2])
    check(o["Status"] == "IN_PROGRESS", "--in-progress-polls: IN_PROGRESS")
    check(describe(o["RequestId"])["Status"] == "IN_PROGRESS", "--in-progress-polls: first poll IN_PROGRESS")
    check(describe(o["RequestId"])["Status"] == "SUCCEEDED", "--in-progress-polls: then SUCCEEDED")

    # --rtt-ms and its alias --slow-ms
    for flag in ("--rtt-ms", "--slow-ms"):
        slow = Proxy(moto, flag, "150")
        s = client("sts", slow.url)
        t = time.monotonic()
        s.get_caller_identity()
        took = time.monotonic() - t
        check(0.15 <= took < 1.0, "%s 150 adds a round trip (%.3f s)" % (flag, took))


# ---- 3: the boto3 peer ---------------------------------------------------------


def seed_accounts(moto, n):
    orgs = client("organizations", moto.url)
    orgs.create_organization(FeatureSet="ALL")
    return [
        orgs.create_account(AccountName="member%d" % i, Email="member%d@example.com" % i)["CreateAccountStatus"]["AccountId"]
        for i in range(n)
    ]


def write_plan(accounts):
    lines = [
        "ps\tAdministratorAccess\tarn:aws:iam::aws:policy/AdministratorAccess",
        "ps\tReadOnlyAccess\tarn:aws:iam::aws:policy/ReadOnlyAccess",
        "group\tAdmins",
        "group\tReaders",
    ]
    for a in accounts:
        lines.append("assign\tReaders\tReadOnlyAccess\t%s" % a)
    lines.append("assign\tAdmins\tAdministratorAccess\t%s" % accounts[0])
    for i in range(5):
        lines.append("user\tuser%d\tuser%d@example.com" % (i, i))
        lines.append("member\tuser%d\t%s" % (i, "Admins" if i == 0 else "Readers"))
    path = os.path.join(TMP.name, "plan-%d.tsv" % next(COUNTER))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def run_peer(endpoint, plan):
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, PEER_POLL_SECONDS="0.3")
    out = subprocess.run(
        [PYTHON, os.path.join(ROOT, "tests", "peer_boto3.py"), plan],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    check(out.returncode == 0, "the peer runs: %s" % out.stderr[-2000:])
    m = re.search(r"^failed calls: (\d+)\ncalls: (\d+)$", out.stdout.strip(), re.M)
    check(m is not None, "the peer prints its counts: %r" % out.stdout)
    return int(m.group(1)), int(m.group(2)), out.stderr


def is_write(op):
    return not op.startswith(("List", "Describe", "Get"))


def check_state(moto, accounts):
    sso, ids = client("sso-admin", moto.url), client("identitystore", moto.url)
    inst = sso.list_instances()["Instances"][0]
    ia, store = inst["InstanceArn"], inst["IdentityStoreId"]
    names = {}
    for arn in sso.list_permission_sets(InstanceArn=ia)["PermissionSets"]:
        names[sso.describe_permission_set(InstanceArn=ia, PermissionSetArn=arn)["PermissionSet"]["Name"]] = arn
    check({"AdministratorAccess", "ReadOnlyAccess"} <= set(names), "permission sets made: %r" % names)
    pols = sso.list_managed_policies_in_permission_set(InstanceArn=ia, PermissionSetArn=names["ReadOnlyAccess"])
    check([p["Name"] for p in pols["AttachedManagedPolicies"]] == ["ReadOnlyAccess"], "policy attached once")
    groups = {g["DisplayName"]: g["GroupId"] for g in ids.list_groups(IdentityStoreId=store)["Groups"]}
    check(set(groups) == {"Admins", "Readers"}, "groups made once: %r" % groups)
    for a in accounts:
        got = sso.list_account_assignments(InstanceArn=ia, AccountId=a, PermissionSetArn=names["ReadOnlyAccess"])
        check([x["PrincipalId"] for x in got["AccountAssignments"]] == [groups["Readers"]], "assignment once on %s" % a)
    users = ids.list_users(IdentityStoreId=store)["Users"]
    check(sorted(u["UserName"] for u in users) == ["user%d" % i for i in range(5)], "users made once")
    members = ids.list_group_memberships(IdentityStoreId=store, GroupId=groups["Readers"])["GroupMemberships"]
    check(len(members) == 4, "memberships made once (%d)" % len(members))


def test_peer_direct(moto, accounts):
    plan = write_plan(accounts)
    failed, calls, err = run_peer(moto.url, plan)
    check(failed == 0, "the peer against moto: no failed call (%s)" % err[-1000:])
    check_state(moto, accounts)
    before = len(moto.ops())
    failed, calls2, err = run_peer(moto.url, plan)
    writes = [op for op in moto.ops()[before:] if is_write(op)]
    check(failed == 0 and writes == [], "the second run makes no write: %r" % writes)
    check(calls2 == len(moto.ops()) - before, "calls counted as moto saw them (%d)" % calls2)
    return calls, calls2


def test_peer_proxied(moto, accounts):
    proxy = Proxy(
        moto,
        "--validate",
        "--rate",
        "sso=20",
        "--rate-per-op",
        "identitystore=20",
        "--assignment-seconds",
        "1",
        "--rtt-ms",
        "120",
    )
    plan = write_plan(accounts)
    failed, calls, err = run_peer(proxy.url, plan)
    entries = proxy.entries()
    check(failed == 0, "the peer through the proxy: no failed call (%s)" % err[-1000:])
    check(calls == len(entries), "calls as the proxy counted them (%d, %d)" % (calls, len(entries)))
    check(not any(e["fault"] == "invalid" for e in entries), "the peer's requests are valid: %r" % [e for e in entries if e["fault"] == "invalid"])
    check(any(e["op"] == "DescribeAccountAssignmentCreationStatus" for e in entries), "the peer polled")
    check_state(moto, accounts)
    n = len(entries)
    failed, calls2, err = run_peer(proxy.url, plan)
    writes = [e["op"] for e in proxy.entries()[n:] if is_write(e["op"])]
    check(failed == 0 and writes == [], "the second run through the proxy makes no write: %r" % writes)
    return calls, calls2


class Background(threading.Thread):
    """A part of the test run beside the others; its failure fails the run."""

    def __init__(self, name, fn, *args):
        super().__init__(name=name, daemon=True)
        self.fn, self.args, self.error, self.result = fn, args, None, None
        self.start()

    def run(self):
        try:
            self.result = self.fn(*self.args)
        except SystemExit:
            self.error = "failed (see above)"
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = "%s: %s" % (type(e).__name__, e)


def peer_direct(moto, t0):
    accounts = seed_accounts(moto.wait(), 3)
    c1, c2 = test_peer_direct(moto, accounts)
    print("peer against moto: ok, %d then %d calls (%.1f s)" % (c1, c2, time.monotonic() - t0), flush=True)


def peer_proxied(moto, t0):
    accounts = seed_accounts(moto.wait(), 3)
    c1, c2 = test_peer_proxied(moto, accounts)
    print("peer through the proxy: ok, %d then %d calls (%.1f s)" % (c1, c2, time.monotonic() - t0), flush=True)


def test_shared_budget_and_enabling(moto):
    """--others fills a bucket as another tool would; --no-instance-until
    says "not enabled" until its file exists."""
    proxy = Proxy(moto, "--rate", "sso=5", "--others", "sso=5")
    sso = client("sso-admin", proxy.url)
    time.sleep(1.3)  # the other tool's five calls of the last second
    try:
        sso.list_instances()
        check(False, "a full bucket throttles")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "ThrottlingException", "throttled: %r" % e.response["Error"])

    flag = os.path.join(TMP.name, "identity-center-enabled")
    proxy = Proxy(moto, "--no-instance-until", flag)
    sso = client("sso-admin", proxy.url)
    check(sso.list_instances()["Instances"] == [], "no instance before the file")
    open(flag, "w").close()
    check(len(sso.list_instances()["Instances"]) == 1, "moto's instance once the file exists")


# ---- 5: member accounts and Identity Center's delegated administrator ----------

MANAGEMENT = "123456789012"


def denied(fn, what, **kwargs):
    """fn(**kwargs) must be refused AccessDeniedException (HTTP 400)."""
    try:
        fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(status == 400 and got == "AccessDeniedException", "%s: AccessDeniedException/400, got %s/%s" % (what, got, status))
        check(
            e.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype") == "AccessDeniedException",
            "%s: the x-amzn-ErrorType header" % what,
        )
        return e
    check(False, "%s was accepted" % what)


def test_members(moto):
    proxy = Proxy(moto, "--validate")
    orgs, sso = client("organizations", proxy.url), client("sso-admin", proxy.url)
    ids, sts = client("identitystore", proxy.url), client("sts", proxy.url)

    # the management account: an organization, two members, Identity Center
    orgs.create_organization(FeatureSet="ALL")
    members = []
    for i in (1, 2):
        st = orgs.create_account(AccountName="member%d" % i, Email="member%d@example.com" % i)["CreateAccountStatus"]
        st = orgs.describe_create_account_status(CreateAccountRequestId=st["Id"])["CreateAccountStatus"]
        members.append(st["AccountId"])
    m1, m2 = members
    inst = sso.list_instances()["Instances"][0]
    ia, store = inst["InstanceArn"], inst["IdentityStoreId"]
    ps_a = sso.create_permission_set(InstanceArn=ia, Name="A")["PermissionSet"]["PermissionSetArn"]
    ps_b = sso.create_permission_set(InstanceArn=ia, Name="B")["PermissionSet"]["PermissionSetArn"]
    gid = ids.create_group(IdentityStoreId=store, DisplayName="Admins")["GroupId"]

    def assign(client_, ps_arn, account):
        return client_.create_account_assignment(
            InstanceArn=ia,
            TargetId=account,
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=ps_arn,
            PrincipalType="GROUP",
            PrincipalId=gid,
        )["AccountAssignmentCreationStatus"]

    assign(sso, ps_a, MANAGEMENT)
    orgs.register_delegated_administrator(AccountId=m1, ServicePrincipal="sso.amazonaws.com")
    admins = orgs.list_delegated_administrators(ServicePrincipal="sso.amazonaws.com")["DelegatedAdministrators"]
    check([a["Id"] for a in admins] == [m1], "moto_as_aws: sso.amazonaws.com has a delegated administrator: %r" % admins)
    creds = {
        m: sts.assume_role(RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % m, RoleSessionName="selftest")[
            "Credentials"
        ]
        for m in members
    }
    sts1 = client("sts", proxy.url, creds=creds[m1])
    check(sts1.get_caller_identity()["Account"] == m1, "moto maps the assumed key to member 1")

    # member 1, the delegated administrator: the organization's instance, with limits
    sso1 = client("sso-admin", proxy.url, creds=creds[m1])
    ids1 = client("identitystore", proxy.url, creds=creds[m1])
    orgs1 = client("organizations", proxy.url, creds=creds[m1])
    got = [i["InstanceArn"] for i in sso1.list_instances()["Instances"]]
    check(got == [ia], "the delegated administrator sees the management's instance: %r" % got)
    ps_c = sso1.create_permission_set(InstanceArn=ia, Name="C")["PermissionSet"]["PermissionSetArn"]
    check(ps_c in sso.list_permission_sets(InstanceArn=ia)["PermissionSets"], "the management sees C")
    check(assign(sso1, ps_b, m2)["Status"] == "SUCCEEDED", "the delegated administrator assigns B on member 2")
    e = denied(lambda: assign(sso1, ps_b, MANAGEMENT), "an assignment on the management account")
    check(
        "is not authorized to perform: sso:CreateAccountAssignment" in e.response["Error"]["Message"],
        "AWS's wording: %r" % e.response["Error"]["Message"],
    )
    denied(sso1.update_permission_set, "updating A", InstanceArn=ia, PermissionSetArn=ps_a, Description="x")
    sso1.update_permission_set(InstanceArn=ia, PermissionSetArn=ps_b, Description="updated")
    desc = sso.describe_permission_set(InstanceArn=ia, PermissionSetArn=ps_b)["PermissionSet"]
    check(desc.get("Description") == "updated", "B updated: %r" % desc)
    groups = [g["GroupId"] for g in ids1.list_groups(IdentityStoreId=store)["Groups"]]
    check(groups == [gid], "the delegated administrator sees the management's group: %r" % groups)
    accounts = sorted(a["Id"] for a in orgs1.list_accounts()["Accounts"])
    check(accounts == sorted([MANAGEMENT, m1, m2]), "the delegated administrator lists all accounts: %r" % accounts)
    root = orgs1.list_roots()["Roots"][0]["Id"]
    denied(orgs1.create_organizational_unit, "CreateOrganizationalUnit", ParentId=root, Name="ou")

    # member 2, no delegated administrator
    sso2 = client("sso-admin", proxy.url, creds=creds[m2])
    orgs2 = client("organizations", proxy.url, creds=creds[m2])
    check(sso2.list_instances()["Instances"] == [], "another member sees no instance")
    denied(orgs2.list_accounts, "ListAccounts by another member")
    check(orgs2.describe_organization()["Organization"]["MasterAccountId"] == MANAGEMENT, "DescribeOrganization stays")

    # moto_as_aws: what is provisioned where
    prov = sso.list_permission_sets_provisioned_to_account(InstanceArn=ia, AccountId=MANAGEMENT)["PermissionSets"]
    check(prov == [ps_a], "provisioned to the management account: A only: %r" % prov)
    prov = sso1.list_permission_sets_provisioned_to_account(InstanceArn=ia, AccountId=m2)["PermissionSets"]
    check(prov == [ps_b], "provisioned to member 2: B only: %r" % prov)
    got = sso.list_accounts_for_provisioned_permission_set(InstanceArn=ia, PermissionSetArn=ps_b)["AccountIds"]
    check(got == [m2], "B is provisioned to member 2: %r" % got)
    p = sso.provision_permission_set(InstanceArn=ia, PermissionSetArn=ps_c, TargetType="AWS_ACCOUNT", TargetId=m1)
    check(p["PermissionSetProvisioningStatus"].get("AccountId") == m1, "provisioning says its target: %r" % p)
    page = sso.list_permission_sets_provisioned_to_account(InstanceArn=ia, AccountId=m1, MaxResults=1)
    check(page["PermissionSets"] == [ps_c] and "NextToken" not in page, "explicitly provisioned C: %r" % page)
    assign(sso, ps_b, m1)
    page = sso.list_permission_sets_provisioned_to_account(InstanceArn=ia, AccountId=m1, MaxResults=1)
    rest = sso.list_permission_sets_provisioned_to_account(InstanceArn=ia, AccountId=m1, NextToken=page["NextToken"])
    both = page["PermissionSets"] + rest["PermissionSets"]
    check(sorted(both) == sorted([ps_b, ps_c]) and "NextToken" not in rest, "paged: %r %r" % (page, rest))

    # once deregistered, member 1 is a member like any other
    orgs.deregister_delegated_administrator(AccountId=m1, ServicePrincipal="sso.amazonaws.com")
    check(sso1.list_instances()["Instances"] == [], "no instance after deregistering")
    denied(orgs1.list_accounts, "ListAccounts after deregistering")

    entries = proxy.entries()
    refusals = [e["op"] for e in entries if e["fault"] == "denied"]
    want = ["CreateAccountAssignment", "UpdatePermissionSet", "CreateOrganizationalUnit", "ListAccounts", "ListAccounts"]
    check(refusals == want, "denied exactly the refused calls: %r" % refusals)
    check(all(e.get("by") == "proxy" for e in entries if e["fault"] == "denied"), "denials answered by the proxy")
    check(not any(e["fault"] == "invalid" for e in entries), "no invalid request: %r" % [e for e in entries if e["fault"] == "invalid"])
    check(sum(1 for e in entries if e.get("as") == "management") >= 7, "member 1's calls sent as the management account")
    seen = moto.ops()
    check("CreateOrganizationalUnit" not in seen, "moto never saw a refused call")
    check(seen.count("UpdatePermissionSet") == 1 and seen.count("CreateAccountAssignment") == 3, "moto saw only the allowed ones")


def members(moto, t0):
    test_members(moto.wait())
    print("member accounts, delegated administrator: ok (%.1f s)" % (time.monotonic() - t0), flush=True)


def main():
    t0 = time.monotonic()
    m1, m2, m3 = Moto("validate"), Moto("peer-direct"), Moto("peer-proxied")
    m4 = Moto("members", as_aws=True)
    # The peer checks run beside the proxy's own (they mostly wait on the network).
    background = [
        Background("peer-direct", peer_direct, m2, t0),
        Background("peer-proxied", peer_proxied, m3, t0),
        Background("members", members, m4, t0),
    ]
    m1.wait()
    ia, ps_arn, gid, account = test_validation(m1)
    print("validation: ok (%.1f s)" % (time.monotonic() - t0), flush=True)
    test_async(m1, ia, ps_arn, gid)
    print("asynchronous operations: ok (%.1f s)" % (time.monotonic() - t0), flush=True)
    test_shared_budget_and_enabling(m1)
    print("shared budget, enabling Identity Center: ok (%.1f s)" % (time.monotonic() - t0), flush=True)
    for b in background:
        b.join(timeout=180)
        check(not b.is_alive(), "%s finishes" % b.name)
        check(b.error is None, "%s: %s" % (b.name, b.error))
    print("all %d checks passed in %.1f s" % (CHECKS[0], time.monotonic() - t0))


if __name__ == "__main__":
    main()
