#!/usr/bin/env python3
"""A fault-injecting HTTP proxy between ssosetup and moto, for tests.

    faultproxy.py --upstream http://127.0.0.1:PORT --log FILE [options]

Prints "PORT <n>" on its first line of stdout once it listens on loopback.
Appends one JSON line per request to FILE: {"op", "service", "fault", "at"
(Unix time the answer was decided)}, plus
"why" when the request was refused as invalid (fault "invalid"), "by":
"proxy" when the proxy answered without moto, "unknown" listing members the
model does not know (accepted: AWS's JSON services ignore them), and
"validate_error" when the checker itself failed (traceback on stderr; the
request was forwarded), "as": "management" when the request was sent on to
moto signed as the management account (below). Faults: throttle, invalid,
500-before, 500-after, drop, outstanding-limit, in-progress (an answer
saying IN_PROGRESS), failed (a status answer saying FAILED), denied (an
AccessDeniedException the proxy answered, below), or null.

Faults (all seeded, so a run can be repeated):
  --error-rate R     a share of requests answered HTTP 500; half of them
                     after moto has processed the request (the answer is
                     lost, the change is made), half before
  --drop-rate R      a share of connections closed without an answer, after
                     moto has processed the request
  --rate SERVICE=N   at most N requests per second per AWS service (its
                     SigV4 scope: sso, identitystore, organizations, iam,
                     sts); beyond it the answer is AWS's throttling error
  --rate-per-op SERVICE=N
                     the same, but per API of that service (identitystore's
                     limit is per API)
  --others BUCKET=N  other tools spend N requests per second of that
                     budget, evenly (BUCKET is a --rate service, e.g. sso,
                     or SERVICE:API of a --rate-per-op one, e.g.
                     identitystore:ListUsers)
  --in-progress-polls N
                     CreateAccountAssignment answers IN_PROGRESS; its status
                     is IN_PROGRESS for the first N polls, then moto's (as on
                     AWS, a creation also completes on its own: after
                     --in-progress-seconds, default 1, polled or not)
  --max-outstanding N
                     at most N assignment creations IN_PROGRESS at once;
                     more are refused with a throttling error
  --rtt-ms N         every answer takes N ms more (AWS is not loopback): half
                     before the request is handled, half before the answer
                     is sent. --slow-ms N is the same option.

Identity Center not enabled:
  --no-instance      ListInstances answers no instance, in every region (moto
                     always has one)
  --no-instance-until PATH
                     the same until PATH exists ("enabling" Identity Center
                     in the console is creating that file; the sandbox uses it)

AWS's asynchronous sso-admin operations:
  --assignment-seconds S
                     every CreateAccountAssignment and DeleteAccountAssignment
                     moto accepts is answered IN_PROGRESS; its status is
                     IN_PROGRESS until S seconds after it was made (however
                     often it is polled), then SUCCEEDED (or FAILED, below).
                     ProvisionPermissionSet follows the same clock. Overrides
                     --in-progress-polls; --max-outstanding then counts the
                     creations IN_PROGRESS by this clock.
  --fail-assignment ACCOUNT_ID (repeatable)
                     a creation for that target account is not sent to moto
                     (the assignment never exists) but answered IN_PROGRESS;
                     it ends FAILED with a FailureReason as AWS words it
                     (at once on the first poll without --assignment-seconds).
  The proxy tracks every CreateAccountAssignment, DeleteAccountAssignment and
  ProvisionPermissionSet that moto accepted (or --fail-assignment took), and
  answers from them, with or without the options above:
    ListAccountAssignmentCreationStatus, ListAccountAssignmentDeletionStatus,
    ListPermissionSetProvisioningStatus (moto 5.2.5 lacks all three): items
      {Status, RequestId, CreatedDate}, newest first, only the given
      InstanceArn's, filtered by Filter.Status, MaxResults (default 100)
      per page with NextToken;
    DescribePermissionSetProvisioningStatus (moto lacks it too; an id not
      tracked is ResourceNotFoundException);
    DescribeAccountAssignmentCreationStatus / ...DeletionStatus when the
      proxy decides the status (--assignment-seconds, --fail-assignment);
      otherwise moto answers them (with --in-progress-polls applied).

Requests checked against AWS's model:
  --validate         parse every request of sso-admin, identitystore,
                     organizations, iam and sts and check it against
                     botocore's service model (tests/awsmodel.py); a request
                     AWS would refuse is not forwarded but answered HTTP 400
                     as AWS would (JSON: ValidationException, or
                     SerializationException for a wrong type; query:
                     ValidationError) and logged with fault "invalid" and
                     "why". Length and pattern checks skip any string moto
                     put in an answer the proxy relayed (moto's identifiers
                     do not have AWS's form).
  --exempt-pattern-member NAME (repeatable)
                     skip length and pattern checks for this member (or
                     shape) name, e.g. InstanceArn, for values seeded into
                     moto that never passed through the proxy

Member accounts and Identity Center's delegated administrator (always on):
  moto gives every account its own Identity Center instance, identity store
  and Organizations view, and lets any account do anything there; AWS has
  one instance, the organization's, in the management account, which a
  member account sees only as IAM Identity Center's delegated administrator,
  and then with limits. The proxy answers as AWS for requests signed by a
  member account's key:
  --management-key KEY
                     the management account's access key id (default
                     testing, moto's default account's)
  --management-account ID
                     the management account (default 123456789012)
  It learns every other key's account from the answers it relays: sts
  GetCallerIdentity (the key that signed it -> <Account>) and sts AssumeRole
  (the new <AccessKeyId> -> the account of the AssumedRoleUser's Arn; e.g.
  OrganizationAccountAccessRole in a member). It learns the delegated
  administrator from Organizations' RegisterDelegatedAdministrator and
  DeregisterDelegatedAdministrator for ServicePrincipal sso.amazonaws.com
  that moto accepted (HTTP 200), and from ListDelegatedAdministrators for it
  sent as the management account. A request signed by
    the management account's key, or a key of no known account: unchanged;
    the delegated administrator's key:
      sso-admin: refused AccessDeniedException for what only the management
        account may do: CreateInstance, DeleteInstance, UpdateInstance;
        Create/DeleteAccountAssignment and ProvisionPermissionSet whose
        TargetId is the management account; any change to a permission set
        provisioned to the management account (one it holds an assignment
        of, asked of moto with ListAccountAssignments signed as the
        management account, or one ProvisionPermissionSet targeted at it
        through the proxy): UpdatePermissionSet, DeletePermissionSet,
        ProvisionPermissionSet, Attach/DetachManagedPolicy...,
        Attach/DetachCustomerManagedPolicyReference...,
        PutInlinePolicy.../DeleteInlinePolicy...,
        PutPermissionsBoundary.../DeletePermissionsBoundary...;
        everything else, and all of identitystore, is sent on signed as the
        management account (its access key id in Authorization,
        X-Amz-Security-Token removed), so moto serves the organization's
        instance, as AWS shows it to the delegated administrator;
      organizations: Describe* and List* sent on signed as the management
        account (AWS lets a delegated administrator read the organization);
        every other operation refused AccessDeniedException;
      iam, sts: unchanged (its own account's);
    another member account's key:
      sso-admin ListInstances answers no instance (moto would show the
        member an instance of its own);
      organizations ListAccounts, ListAccountsForParent, ListRoots,
        ListOrganizationalUnitsForParent, ListChildren and DescribeAccount
        refused AccessDeniedException, as AWS refuses them to a member that
        is no delegated administrator (DescribeOrganization is allowed);
      everything else unchanged.
  A refusal is HTTP 400 AccessDeniedException worded as AWS words it,
  logged with fault "denied" and "by": "proxy". Refusals and the answers
  above come after --validate's checks and --rate's throttling, like the
  proxy's other answers.
"""

import argparse
import base64
import json
import os
import random
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xml_escape

LOCK = threading.Lock()


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--drop-rate", type=float, default=0.0)
    p.add_argument("--rate", action="append", default=[])
    p.add_argument("--rate-per-op", action="append", default=[])
    p.add_argument("--others", action="append", default=[])
    p.add_argument("--in-progress-polls", type=int, default=0)
    p.add_argument("--in-progress-seconds", type=float, default=1.0)
    p.add_argument("--max-outstanding", type=int, default=0)
    p.add_argument("--rtt-ms", "--slow-ms", dest="rtt_ms", type=int, default=0)
    p.add_argument("--assignment-seconds", type=float, default=None)
    p.add_argument("--fail-assignment", action="append", default=[])
    p.add_argument("--no-instance", action="store_true")
    p.add_argument("--no-instance-until", default=None)
    p.add_argument("--validate", action="store_true")
    p.add_argument("--exempt-pattern-member", action="append", default=[])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--management-key", default="testing")
    p.add_argument("--management-account", default="123456789012")
    return p.parse_args()


ARGS = parse_args()
RNG = random.Random(ARGS.seed)
RATES = {k: float(v) for k, v in (r.split("=", 1) for r in ARGS.rate)}
PER_OP_RATES = {k: float(v) for k, v in (r.split("=", 1) for r in ARGS.rate_per_op)}
WINDOWS = {}  # service -> list of request times in the last second
POLLS = {}  # assignment request id -> polls left answered IN_PROGRESS
OUTSTANDING = {}  # request id IN_PROGRESS -> when it was created
FAIL_ACCOUNTS = set(ARGS.fail_assignment)
EXEMPT_MEMBERS = set(ARGS.exempt_pattern_member)
REMEMBERED = set()  # every string moto (or the proxy) put in an answer relayed
PS_NAMES = {}  # permission set ARN -> name, from relayed answers
MANAGEMENT_KEY = ARGS.management_key
MANAGEMENT_ACCOUNT = ARGS.management_account
KEY_ACCOUNTS = {MANAGEMENT_KEY: MANAGEMENT_ACCOUNT}  # access key id -> its account
KEY_ARNS = {}  # access key id -> its caller ARN (for AccessDeniedException's wording)
DELEGATED = {"sso": None}  # IAM Identity Center's delegated administrator account
PROVISIONED_TO_MANAGEMENT = set()  # (instance, permission set) ProvisionPermissionSet targeted at it

MODEL = None
if ARGS.validate:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.dont_write_bytecode = True  # no tests/__pycache__ in the work tree
    import awsmodel  # noqa: E402

    MODEL = awsmodel.AwsModel()

JSON_CT = "application/x-amz-json-1.1"


def outstanding_now():
    """Creations still IN_PROGRESS: not polled to the end, and young."""
    now = time.monotonic()
    for rid, t in list(OUTSTANDING.items()):
        if now - t >= ARGS.in_progress_seconds:
            del OUTSTANDING[rid]
    return len(OUTSTANDING)


# ---- the asynchronous operations the proxy tracks --------------------------


class Tracked:
    """One CreateAccountAssignment, DeleteAccountAssignment or
    ProvisionPermissionSet request."""

    SEQ = 0

    def __init__(self, kind, rid, instance_arn, fields, failure=None):
        Tracked.SEQ += 1
        self.seq = Tracked.SEQ
        self.kind = kind  # "creation", "deletion", "provision"
        self.rid = rid
        self.instance_arn = instance_arn
        self.fields = fields  # the members of its status, but Status/RequestId/FailureReason
        self.failure = failure
        self.t0 = time.monotonic()
        self.fields.setdefault("CreatedDate", time.time())

    def status(self, now=None):
        now = time.monotonic() if now is None else now
        if ARGS.assignment_seconds is not None:
            if now - self.t0 < ARGS.assignment_seconds:
                return "IN_PROGRESS"
        elif (
            self.kind == "creation"
            and POLLS.get(self.rid, 0) > 0
            and now - self.t0 < ARGS.in_progress_seconds
        ):
            # --in-progress-polls: IN_PROGRESS until polled N times, or
            # until it completes on its own, whichever comes first
            return "IN_PROGRESS"
        return "FAILED" if self.failure else "SUCCEEDED"

    def describe(self):
        status = self.status()
        doc = {"Status": status, "RequestId": self.rid}
        if status == "FAILED":
            doc["FailureReason"] = self.failure
        doc.update(self.fields)
        return doc

    def metadata(self):
        return {"Status": self.status(), "RequestId": self.rid, "CreatedDate": self.fields["CreatedDate"]}


TRACKED = {}  # (kind, request id) -> Tracked


def track(kind, rid, instance_arn, fields, failure=None):
    with LOCK:
        rec = Tracked(kind, rid, instance_arn, fields, failure)
        TRACKED[(kind, rid)] = rec
    return rec


def creations_in_progress():
    now = time.monotonic()
    return sum(1 for (k, _), r in TRACKED.items() if k == "creation" and r.status(now) == "IN_PROGRESS")


def failure_reason(ps_arn):
    name = PS_NAMES.get(ps_arn) or ps_arn.rsplit("/", 1)[-1]
    return "Received a 404 status error: No policy with the name %s found" % name


ASSIGNMENT_FIELDS = ("TargetId", "TargetType", "PermissionSetArn", "PrincipalType", "PrincipalId")

# Describe operation -> (kind, request id member, output member)
DESCRIBES = {
    "DescribeAccountAssignmentCreationStatus": (
        "creation",
        "AccountAssignmentCreationRequestId",
        "AccountAssignmentCreationStatus",
    ),
    "DescribeAccountAssignmentDeletionStatus": (
        "deletion",
        "AccountAssignmentDeletionRequestId",
        "AccountAssignmentDeletionStatus",
    ),
    "DescribePermissionSetProvisioningStatus": (
        "provision",
        "ProvisionPermissionSetRequestId",
        "PermissionSetProvisioningStatus",
    ),
}
# List operation -> (kind, output list member)
LISTS = {
    "ListAccountAssignmentCreationStatus": ("creation", "AccountAssignmentsCreationStatus"),
    "ListAccountAssignmentDeletionStatus": ("deletion", "AccountAssignmentsDeletionStatus"),
    "ListPermissionSetProvisioningStatus": ("provision", "PermissionSetsProvisioningStatus"),
}


def encode_token(seq):
    return base64.urlsafe_b64encode(("after:%d" % seq).encode()).decode()


def decode_token(token):
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        if text.startswith("after:"):
            return int(text[6:])
    except (ValueError, UnicodeDecodeError):
        pass
    return None


def list_tracked(op, params):
    """(status, body) of a List...Status answer."""
    kind, member = LISTS[op]
    instance = params.get("InstanceArn")
    want = (params.get("Filter") or {}).get("Status")
    limit = params.get("MaxResults") or 100
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        limit = 100
    token = params.get("NextToken")
    after = None
    if token:
        after = decode_token(token)
        if after is None:
            return 400, {"__type": "ValidationException", "message": "Invalid NextToken"}
    with LOCK:
        recs = sorted(
            (r for (k, _), r in TRACKED.items() if k == kind and (not instance or r.instance_arn == instance)),
            key=lambda r: -r.seq,
        )
        now = time.monotonic()
        items = [(r.seq, r) for r in recs if (after is None or r.seq < after)]
        items = [(s, r) for s, r in items if not want or r.status(now) == want]
        page = items[:limit]
        doc = {member: [r.metadata() for _, r in page]}
        if len(items) > limit:
            doc["NextToken"] = encode_token(page[-1][0])
    return 200, doc


# ---- requests ----------------------------------------------------------------


def service_of(headers):
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else "unknown"


def operation_of(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    m = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body or b"")
    return m.group(1).decode() if m else "unknown"


def throttled(service, op):
    limit = RATES.get(service)
    if not limit and service in PER_OP_RATES:
        limit = PER_OP_RATES[service]
        service = service + ":" + op
    if not limit:
        return False
    now = time.monotonic()
    with LOCK:
        window = [t for t in WINDOWS.get(service, []) if now - t < 1.0]
        if len(window) >= limit:
            WINDOWS[service] = window
            return True
        window.append(now)
        WINDOWS[service] = window
        return False


def is_query(service):
    return service in ("iam", "sts")


XMLNS = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/", "sts": "https://sts.amazonaws.com/doc/2011-06-15/"}


def error_body(service, code, message):
    """(body, content type, extra headers) of an AWS error answer."""
    if is_query(service):
        body = (
            '<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
            "<RequestId>%s</RequestId></ErrorResponse>"
            % (XMLNS.get(service, ""), xml_escape(code), xml_escape(message), uuid.uuid4())
        ).encode()
        return body, "text/xml", {}
    return (
        json.dumps({"__type": code, "message": message}).encode(),
        JSON_CT,
        {"x-amzn-ErrorType": code},
    )


def remember(body, content_type):
    """Every string value of an answer: moto's identifiers, tokens, names."""
    if not body:
        return
    try:
        if body.lstrip()[:1] in (b"{", b"["):
            stack = [json.loads(body)]
            while stack:
                v = stack.pop()
                if isinstance(v, str):
                    if len(v) <= 4096:
                        REMEMBERED.add(v)
                elif isinstance(v, dict):
                    stack.extend(v.values())
                elif isinstance(v, list):
                    stack.extend(v)
        elif b"<" in body[:200]:
            import html

            for m in re.finditer(rb">([^<]+)<", body):
                text = html.unescape(m.group(1).decode("utf-8", "replace")).strip()
                if text and len(text) <= 4096:
                    REMEMBERED.add(text)
    except (ValueError, UnicodeDecodeError):
        pass


def exempt(member, shape_name, value):
    return value in REMEMBERED or member in EXEMPT_MEMBERS or shape_name in EXEMPT_MEMBERS


def note_permission_set_names(doc):
    """Remember permission set names (for FailureReason wording)."""
    ps = doc.get("PermissionSet") if isinstance(doc, dict) else None
    if isinstance(ps, dict) and ps.get("PermissionSetArn") and ps.get("Name"):
        PS_NAMES[ps["PermissionSetArn"]] = ps["Name"]


# ---- who signs: member accounts and the delegated administrator ------------


def access_key_of(headers):
    m = re.search(r"Credential=([^/,\s]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else None


def region_of(headers):
    m = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else "us-east-1"


def learn(service, op, key, params, status, rbody, as_management):
    """What a relayed answer tells about accounts: whose key is which, and
    who is Identity Center's delegated administrator."""
    if status != 200:
        return
    text = rbody.decode("utf-8", "replace") if service == "sts" else ""
    if service == "sts" and op == "GetCallerIdentity":
        account = re.search(r"<Account>\s*(\d+)\s*</Account>", text)
        arn = re.search(r"<Arn>\s*([^<]+?)\s*</Arn>", text)
        # the management key's account is the options' (moto may say otherwise)
        if account and key and key != MANAGEMENT_KEY:
            with LOCK:
                KEY_ACCOUNTS[key] = account.group(1)
                if arn:
                    KEY_ARNS[key] = arn.group(1)
    elif service == "sts" and op.startswith("AssumeRole"):
        new_key = re.search(r"<AccessKeyId>\s*([^<]+?)\s*</AccessKeyId>", text)
        arn = re.search(r"<AssumedRoleUser>.*?<Arn>\s*([^<]+?)\s*</Arn>", text, re.S)
        if new_key and arn and len(arn.group(1).split(":")) > 4:
            with LOCK:
                KEY_ACCOUNTS[new_key.group(1)] = arn.group(1).split(":")[4]
                KEY_ARNS[new_key.group(1)] = arn.group(1)
    elif service == "organizations" and params.get("ServicePrincipal") == "sso.amazonaws.com":
        if op == "RegisterDelegatedAdministrator":
            with LOCK:
                DELEGATED["sso"] = params.get("AccountId")
        elif op == "DeregisterDelegatedAdministrator":
            with LOCK:
                if DELEGATED["sso"] == params.get("AccountId"):
                    DELEGATED["sso"] = None
        elif op == "ListDelegatedAdministrators" and (as_management or KEY_ACCOUNTS.get(key) == MANAGEMENT_ACCOUNT):
            # a member's own moto backend knows no delegated administrators:
            # only the management account's answer says who it is
            try:
                admins = json.loads(rbody).get("DelegatedAdministrators") or []
            except (ValueError, AttributeError):
                return
            if not params.get("NextToken"):
                with LOCK:
                    DELEGATED["sso"] = admins[0].get("Id") if admins else None


INSTANCE_OPS = ("CreateInstance", "DeleteInstance", "UpdateInstance")
ASSIGNMENT_OPS = ("CreateAccountAssignment", "DeleteAccountAssignment")
# changes to a permission set: refused to the delegated administrator when the
# set is provisioned to the management account
PERMISSION_SET_CHANGES = (
    "UpdatePermissionSet",
    "AttachManagedPolicyToPermissionSet",
    "DetachManagedPolicyFromPermissionSet",
    "AttachCustomerManagedPolicyReferenceToPermissionSet",
    "DetachCustomerManagedPolicyReferenceFromPermissionSet",
    "PutInlinePolicyToPermissionSet",
    "DeleteInlinePolicyFromPermissionSet",
    "PutPermissionsBoundaryToPermissionSet",
    "DeletePermissionsBoundaryFromPermissionSet",
    "ProvisionPermissionSet",
    "DeletePermissionSet",
)
# what AWS refuses to a member account that is no delegated administrator
MEMBER_DENIED_ORGANIZATIONS = (
    "ListAccounts",
    "ListAccountsForParent",
    "ListRoots",
    "ListOrganizationalUnitsForParent",
    "ListChildren",
    "DescribeAccount",
)


def signed_as_management(headers):
    """The request's headers with the management account's key in
    Authorization and no session token (moto never checks the signature)."""
    out = {}
    for k, v in headers.items():
        if k.lower() == "x-amz-security-token":
            continue
        if k.lower() == "authorization":
            v = re.sub(r"Credential=[^/,\s]+/", lambda _: "Credential=%s/" % MANAGEMENT_KEY, v, count=1)
        out[k] = v
    return out


def assigned_to_management(region, instance_arn, ps_arn):
    """Whether the set is provisioned to the management account: the proxy
    saw a ProvisionPermissionSet targeted at it, or the management account
    holds an assignment of it (asked of moto, signed as the management
    account, whose instance it is; neither logged nor counted)."""
    if not instance_arn or not ps_arn:
        return False
    with LOCK:
        if (instance_arn, ps_arn) in PROVISIONED_TO_MANAGEMENT:
            return True
    body = json.dumps(
        {"InstanceArn": instance_arn, "AccountId": MANAGEMENT_ACCOUNT, "PermissionSetArn": ps_arn, "MaxResults": 1}
    ).encode()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    req = urllib.request.Request(ARGS.upstream + "/", data=body, method="POST")
    req.add_header("Content-Type", JSON_CT)
    req.add_header("X-Amz-Target", "SWBExternalService.ListAccountAssignments")
    req.add_header("X-Amz-Date", stamp)
    req.add_header(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=%s/%s/%s/sso/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, "
        "Signature=%s" % (MANAGEMENT_KEY, stamp[:8], region, "0" * 64),
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            doc = json.loads(r.read())
    except (urllib.error.HTTPError, ValueError):
        return False  # no such set: moto's own answer to the request will say so
    return bool(doc.get("AccountAssignments"))


def denial(service, op, key, account, resource=None):
    """(status, doc, fault) of AWS's AccessDeniedException."""
    if service == "organizations":
        message = "You don't have permissions to access this resource."
    else:
        with LOCK:
            user = KEY_ARNS.get(key) or "arn:aws:iam::%s:root" % account
        # the SigV4 scopes sso and identitystore are also the IAM action prefixes
        message = "User: %s is not authorized to perform: %s:%s" % (user, service, op)
        if resource:
            message += " on resource: %s" % resource
    return 400, {"__type": "AccessDeniedException", "message": message}, "denied"


def management_only(region, op, params):
    """The resource of an sso-admin request only the management account may
    make (None if the delegated administrator may make it)."""
    if op in INSTANCE_OPS:
        return params.get("InstanceArn") or "*"
    account_resource = "arn:aws:sso:::account/%s" % MANAGEMENT_ACCOUNT
    if op in ASSIGNMENT_OPS and params.get("TargetId") == MANAGEMENT_ACCOUNT:
        return account_resource
    if op == "ProvisionPermissionSet" and params.get("TargetId") == MANAGEMENT_ACCOUNT:
        return account_resource
    if op in PERMISSION_SET_CHANGES:
        ps_arn = params.get("PermissionSetArn")
        if isinstance(ps_arn, str) and assigned_to_management(region, params.get("InstanceArn"), ps_arn):
            return ps_arn
    return None


def as_aws_shows_it(headers, service, op, params):
    """(local answer or None, send as the management account?) for the
    account that signed the request; see the docstring."""
    key = access_key_of(headers)
    with LOCK:
        account = KEY_ACCOUNTS.get(key)
        delegated = DELEGATED["sso"]
    if account is None or account == MANAGEMENT_ACCOUNT:
        return None, False
    if account == delegated:
        if service == "sso":
            resource = management_only(region_of(headers), op, params)
            if resource:
                return denial(service, op, key, account, resource), False
            return None, True
        if service == "identitystore":
            return None, True
        if service == "organizations":
            if op.startswith(("Describe", "List")):
                return None, True
            return denial(service, op, key, account), False
        return None, False
    if service == "sso" and op == "ListInstances":
        return (200, {"Instances": []}, None), False
    if service == "organizations" and op in MEMBER_DENIED_ORGANIZATIONS:
        return denial(service, op, key, account), False
    return None, False


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, op, service, fault, **extra):
        entry = {"op": op, "service": service, "fault": fault, "at": round(time.time(), 3)}
        entry.update({k: v for k, v in extra.items() if v is not None})
        with LOCK:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def half_rtt(self):
        if ARGS.rtt_ms:
            time.sleep(ARGS.rtt_ms / 2000.0)

    def answer(self, status, body, content_type, extra=None):
        self.half_rtt()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def answer_error(self, service, status, code, message):
        b, ct, extra = error_body(service, code, message)
        return self.answer(status, b, ct, extra)

    def answer_json(self, doc, status=200):
        body = json.dumps(doc).encode()
        if MODEL and status == 200:
            remember(body, JSON_CT)
        return self.answer(status, body, JSON_CT, {"x-amzn-RequestId": str(uuid.uuid4())})

    def drop(self):
        self.half_rtt()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    def forward(self, body, as_management=False):
        req = urllib.request.Request(ARGS.upstream + self.path, data=body, method=self.command)
        headers = signed_as_management(self.headers) if as_management else self.headers
        for k, v in headers.items():
            if k.lower() not in ("host", "content-length", "connection"):
                req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def json_params(self, body):
        try:
            doc = json.loads(body or b"{}")
            return doc if isinstance(doc, dict) else {}
        except ValueError:
            return {}

    def refused(self, scope, op, body):
        """True (and answered) when --validate finds the request invalid."""
        service = MODEL.service_for(scope, self.headers)
        if not service:
            return False
        unknown = None
        try:
            query = urllib.parse.urlsplit(self.path).query
            name, params = MODEL.parse(service, self.headers, body, query)
            problems = MODEL.check(service, name, params, exempt)
            unknown = [p.path for p in problems if p.kind == "unknown"] or None
            problems = [p for p in problems if p.kind != "unknown"]
            if not problems:
                if unknown:
                    self.unknown = unknown
                return False
            refusal = MODEL.refusal(service, name, problems)
        except awsmodel.Refusal as r:
            refusal = r
        except Exception:  # noqa: BLE001 - a checker bug must not look like a network fault
            import traceback

            traceback.print_exc(file=sys.stderr)
            self.validate_error = True
            return False
        self.record(op, scope, "invalid", why=refusal.why, unknown=unknown)
        code = refusal.code
        self.answer_error(scope, refusal.status, code, refusal.message)
        return True

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        service = service_of(self.headers)
        op = operation_of(self.headers, body)
        self.unknown = None
        self.validate_error = None
        self.half_rtt()
        if throttled(service, op):
            self.record(op, service, "throttle")
            code = "Throttling" if is_query(service) else "ThrottlingException"
            return self.answer_error(service, 400, code, "Rate exceeded")
        if MODEL and self.refused(service, op, body):
            return
        with LOCK:
            roll = RNG.random()
        if roll < ARGS.error_rate / 2:
            self.record(op, service, "500-before")
            return self.answer_error(service, 500, "InternalFailure", "injected failure")

        async_mode = ARGS.assignment_seconds is not None
        json_service = service in ("sso", "identitystore", "organizations")
        params = self.json_params(body) if json_service else {}

        # Answers as AWS gives them to a member account (or the delegated
        # administrator), decided before anything else is counted.
        local, as_management = as_aws_shows_it(self.headers, service, op, params)
        as_extra = {"as": "management"} if as_management else {}

        if local is None and op == "CreateAccountAssignment" and ARGS.max_outstanding:
            with LOCK:
                if async_mode:
                    full = creations_in_progress() >= ARGS.max_outstanding
                else:
                    full = outstanding_now() >= ARGS.max_outstanding
            if full:
                self.record(op, service, "outstanding-limit")
                return self.answer_error(service, 400, "ThrottlingException", "Too many outstanding requests")

        # Answers the proxy makes itself (moto lacks them, or the proxy owns the status).
        # local: (status, doc, fault)
        if local is not None:
            pass
        elif service == "sso" and op == "ListInstances" and no_instance():
            local = (200, {"Instances": []}, None)
        elif service == "sso" and op in LISTS:
            status, doc = list_tracked(op, params)
            local = (status, doc, None)
        elif service == "sso" and op in DESCRIBES:
            kind, id_member, out_member = DESCRIBES[op]
            with LOCK:
                rec = TRACKED.get((kind, params.get(id_member)))
            if rec and (async_mode or rec.failure or kind == "provision"):
                doc = {out_member: rec.describe()}
                st = doc[out_member]["Status"]
                local = (200, doc, {"IN_PROGRESS": "in-progress", "FAILED": "failed"}.get(st))
            elif kind == "provision":
                local = (
                    400,
                    {"__type": "ResourceNotFoundException", "message": "Request id not found"},
                    None,
                )
        elif service == "sso" and op == "CreateAccountAssignment" and params.get("TargetId") in FAIL_ACCOUNTS:
            rid = str(uuid.uuid4())
            fields = {k: params.get(k) for k in ASSIGNMENT_FIELDS}
            ps_arn = params.get("PermissionSetArn") or ""
            track("creation", rid, params.get("InstanceArn"), dict(fields), failure_reason(ps_arn))
            doc = {"AccountAssignmentCreationStatus": dict(fields, Status="IN_PROGRESS", RequestId=rid)}
            local = (200, doc, "in-progress")

        if local is not None:
            status, doc, fault = local
            if roll < ARGS.error_rate:
                self.record(op, service, "500-after", by="proxy")
                return self.answer_error(service, 500, "InternalFailure", "injected failure after the change")
            if roll < ARGS.error_rate + ARGS.drop_rate:
                self.record(op, service, "drop", by="proxy")
                return self.drop()
            self.record(op, service, fault, by="proxy", unknown=self.unknown, validate_error=self.validate_error)
            if status != 200:
                code = doc["__type"]
                return self.answer_error(service, status, code, doc["message"])
            return self.answer_json(doc)

        status, rbody, rheaders = self.forward(body, as_management)
        # learnt even when the client never sees the answer: moto made the change
        learn(service, op, access_key_of(self.headers), params, status, rbody, as_management)

        if roll < ARGS.error_rate:
            if service == "sso":
                self.track_answer(op, params, status, rbody, async_mode, lost=True)
            self.record(op, service, "500-after", **as_extra)
            return self.answer_error(service, 500, "InternalFailure", "injected failure after the change")
        if roll < ARGS.error_rate + ARGS.drop_rate:
            if service == "sso":
                self.track_answer(op, params, status, rbody, async_mode, lost=True)
            self.record(op, service, "drop", **as_extra)
            return self.drop()

        fault = None
        if service == "sso":
            rbody, fault = self.track_answer(op, params, status, rbody, async_mode)
            if op == "DescribeAccountAssignmentCreationStatus" and not async_mode:
                # --in-progress-polls: IN_PROGRESS for the first N polls, then moto's
                rid = params.get("AccountAssignmentCreationRequestId")
                with LOCK:
                    left = POLLS.get(rid, 0)
                    rec = TRACKED.get(("creation", rid))
                    if rec is not None and time.monotonic() - rec.t0 >= ARGS.in_progress_seconds:
                        left = 0  # completed on its own, polled or not
                    if left > 0:
                        POLLS[rid] = left - 1
                if left > 0:
                    fault = "in-progress"
                    doc = {"AccountAssignmentCreationStatus": {"RequestId": rid, "Status": "IN_PROGRESS"}}
                    rbody = json.dumps(doc).encode()
                    status = 200
                else:
                    with LOCK:
                        OUTSTANDING.pop(rid, None)
                    if status == 200:
                        doc = json.loads(rbody)
                        doc.setdefault("AccountAssignmentCreationStatus", {})["Status"] = "SUCCEEDED"
                        rbody = json.dumps(doc).encode()
        ct = rheaders.get("Content-Type", "application/json")
        if MODEL and status == 200:
            remember(rbody, ct)
        self.record(op, service, fault, unknown=self.unknown, validate_error=self.validate_error, **as_extra)
        self.answer(status, rbody, ct, {k: v for k, v in rheaders.items() if k.lower().startswith("x-amz")})

    def track_answer(self, op, params, status, rbody, async_mode, lost=False):
        """Track what moto accepted; (answer body, fault) as the client sees it.
        `lost`: the client never sees this answer (an injected 500 or drop);
        the request is still tracked, as AWS still carries it out."""
        if status != 200:
            return rbody, None
        try:
            doc = json.loads(rbody)
        except ValueError:
            return rbody, None
        note_permission_set_names(doc)
        fault = None
        if op in ("CreateAccountAssignment", "DeleteAccountAssignment"):
            kind = "creation" if op == "CreateAccountAssignment" else "deletion"
            member = "AccountAssignmentCreationStatus" if kind == "creation" else "AccountAssignmentDeletionStatus"
            st = doc.setdefault(member, {})
            rid = st.get("RequestId") or str(uuid.uuid4())
            st["RequestId"] = rid
            fields = {k: st.get(k, params.get(k)) for k in ASSIGNMENT_FIELDS}
            if st.get("CreatedDate") is not None:
                fields["CreatedDate"] = st["CreatedDate"]
            if async_mode:
                st["Status"] = "IN_PROGRESS"
                fault = "in-progress"
            elif kind == "creation" and ARGS.in_progress_polls and not lost:
                st["Status"] = "IN_PROGRESS"
                with LOCK:
                    POLLS[rid] = ARGS.in_progress_polls
                    OUTSTANDING[rid] = time.monotonic()
                fault = "in-progress"
            track(kind, rid, params.get("InstanceArn"), fields)
            return json.dumps(doc).encode(), fault
        if op == "ProvisionPermissionSet":
            if params.get("TargetType") == "AWS_ACCOUNT" and params.get("TargetId") == MANAGEMENT_ACCOUNT:
                with LOCK:
                    PROVISIONED_TO_MANAGEMENT.add((params.get("InstanceArn"), params.get("PermissionSetArn")))
            st = doc.setdefault("PermissionSetProvisioningStatus", {})
            rid = st.get("RequestId") or str(uuid.uuid4())
            st["RequestId"] = rid
            fields = {k: st[k] for k in ("AccountId", "PermissionSetArn", "CreatedDate") if st.get(k) is not None}
            track("provision", rid, params.get("InstanceArn"), fields)
            if async_mode:
                st["Status"] = "IN_PROGRESS"
                fault = "in-progress"
            return json.dumps(doc).encode(), fault
        return rbody, None

    do_POST = handle_any
    do_GET = handle_any
    do_PUT = handle_any
    do_DELETE = handle_any


def no_instance():
    """Whether ListInstances says Identity Center is not enabled."""
    if ARGS.no_instance:
        return True
    return ARGS.no_instance_until is not None and not os.path.exists(ARGS.no_instance_until)


def spend_others(bucket, rps):
    """Another tool's calls: they fill the bucket's window as ours do."""
    period = 1.0 / rps
    while True:
        time.sleep(period)
        now = time.monotonic()
        with LOCK:
            window = [t for t in WINDOWS.get(bucket, []) if now - t < 1.0]
            window.append(now)
            WINDOWS[bucket] = window


def main():
    if MODEL:  # load the models now, not on the first (timed) requests
        for service in awsmodel.SCOPE_TO_SERVICE.values():
            MODEL.model(service)
    for other in ARGS.others:
        bucket, rps = other.split("=", 1)
        threading.Thread(target=spend_others, args=(bucket, float(rps)), daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
