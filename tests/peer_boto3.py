#!/usr/bin/env python3
"""A stronger peer for scripts/bench: the work of `ssosetup init` from a
plan, done with boto3 the way a careful engineer would script it.

    .venv/bin/python tests/peer_boto3.py PLAN_FILE

The plan is the one tests/peer_baseline.sh reads, one step a line,
tab-separated:
    ps NAME POLICY_ARN | group NAME | assign GROUP PERMISSION_SET ACCOUNT
    user NAME EMAIL | member USER GROUP

Unlike the baseline it looks before it creates: it finds the instance, lists
and describes the permission sets to find them by name, lists the managed
policies attached, the groups and users, the account assignments and the
group memberships, and creates only what is missing (so a second run on the
same plan makes no write). After each assignment creation answered
IN_PROGRESS it polls DescribeAccountAssignmentCreationStatus until SUCCEEDED
or FAILED. One call after another, no threads; botocore's "standard" retry
mode (3 attempts, backoff, throttling retried).

Endpoint from AWS_ENDPOINT_URL (botocore honours it), region from
AWS_REGION (or AWS_DEFAULT_REGION). PEER_POLL_SECONDS sets the pause between
status polls (default 0.5).

Prints at the end:
    failed calls: N   API calls that ended in an error (after retries)
    calls: N          HTTP requests sent (retries included), what a proxy counts
Problems go to stderr.
"""

import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

POLL_SECONDS = float(os.environ.get("PEER_POLL_SECONDS", "0.5"))
POLL_LIMIT_SECONDS = 600

COUNTS = {"calls": 0, "failed": 0}


def on_before_send(**_):
    COUNTS["calls"] += 1  # every HTTP request, retries included


def on_after_call(http_response=None, **_):
    if http_response is not None and http_response.status_code >= 300:
        COUNTS["failed"] += 1


def on_after_call_error(**_):
    COUNTS["failed"] += 1  # no answer at all (connection errors, after retries)


def warn(msg):
    print(msg, file=sys.stderr, flush=True)


def call(fn, **kwargs):
    """The answer of one API call, or None when it failed (counted by the hooks)."""
    try:
        return fn(**kwargs)
    except (ClientError, BotoCoreError) as e:
        warn("%s: %s" % (fn.__name__, e))
        return None


def pages(client, operation, **kwargs):
    """Every page of a paginated list; stops (with a warning) at a failure."""
    try:
        yield from client.get_paginator(operation).paginate(**kwargs)
    except (ClientError, BotoCoreError) as e:
        warn("%s: %s" % (operation, e))


def read_plan(path):
    steps = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            steps.append((fields[0], fields[1:]))
    return steps


class Peer:
    def __init__(self):
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        session = boto3.session.Session(region_name=region)
        config = Config(retries={"mode": "standard"})
        self.sso = session.client("sso-admin", config=config)
        self.ids = session.client("identitystore", config=config)
        for client in (self.sso, self.ids):
            client.meta.events.register("before-send", on_before_send)
            client.meta.events.register("after-call", on_after_call)
            client.meta.events.register("after-call-error", on_after_call_error)
        self.instance = None
        self.store = None
        self.permission_sets = {}  # name -> ARN
        self.groups = {}  # display name -> id
        self.users = {}  # user name -> id
        self.created = set()  # ARNs and ids made by this run: nothing to list on them
        self.attached = {}  # permission set ARN -> managed policy ARNs
        self.assignments = {}  # (account, permission set ARN) -> {(principal type, id)}
        self.members = {}  # group id -> user ids
        self.failed_assignments = 0

    # ---- looking first -------------------------------------------------

    def look(self):
        out = call(self.sso.list_instances)
        if not out or not out.get("Instances"):
            warn("no IAM Identity Center instance")
            return False
        self.instance = out["Instances"][0]["InstanceArn"]
        self.store = out["Instances"][0]["IdentityStoreId"]
        for page in pages(self.sso, "list_permission_sets", InstanceArn=self.instance):
            for arn in page.get("PermissionSets", []):
                d = call(self.sso.describe_permission_set, InstanceArn=self.instance, PermissionSetArn=arn)
                if d:
                    self.permission_sets[d["PermissionSet"]["Name"]] = arn
        for page in pages(self.ids, "list_groups", IdentityStoreId=self.store):
            for g in page.get("Groups", []):
                if g.get("DisplayName"):
                    self.groups[g["DisplayName"]] = g["GroupId"]
        for page in pages(self.ids, "list_users", IdentityStoreId=self.store):
            for u in page.get("Users", []):
                self.users[u["UserName"]] = u["UserId"]
        return True

    def attached_policies(self, ps_arn):
        if ps_arn not in self.attached:
            found = set()
            if ps_arn not in self.created:
                for page in pages(
                    self.sso,
                    "list_managed_policies_in_permission_set",
                    InstanceArn=self.instance,
                    PermissionSetArn=ps_arn,
                ):
                    found.update(p["Arn"] for p in page.get("AttachedManagedPolicies", []))
            self.attached[ps_arn] = found
        return self.attached[ps_arn]

    def account_assignments(self, account, ps_arn):
        key = (account, ps_arn)
        if key not in self.assignments:
            found = set()
            if ps_arn not in self.created:
                for page in pages(
                    self.sso,
                    "list_account_assignments",
                    InstanceArn=self.instance,
                    AccountId=account,
                    PermissionSetArn=ps_arn,
                ):
                    found.update((a["PrincipalType"], a["PrincipalId"]) for a in page.get("AccountAssignments", []))
            self.assignments[key] = found
        return self.assignments[key]

    def group_members(self, group_id):
        if group_id not in self.members:
            found = set()
            if group_id not in self.created:
                for page in pages(
                    self.ids,
                    "list_group_memberships",
                    IdentityStoreId=self.store,
                    GroupId=group_id,
                ):
                    for m in page.get("GroupMemberships", []):
                        uid = (m.get("MemberId") or {}).get("UserId")
                        if uid:
                            found.add(uid)
            self.members[group_id] = found
        return self.members[group_id]

    # ---- the steps -----------------------------------------------------

    def permission_set(self, name, policy_arn):
        arn = self.permission_sets.get(name)
        if not arn:
            out = call(
                self.sso.create_permission_set,
                InstanceArn=self.instance,
                Name=name,
                SessionDuration="PT1H",
            )
            if not out:
                return
            arn = out["PermissionSet"]["PermissionSetArn"]
            self.permission_sets[name] = arn
            self.created.add(arn)
        if policy_arn not in self.attached_policies(arn):
            if call(
                self.sso.attach_managed_policy_to_permission_set,
                InstanceArn=self.instance,
                PermissionSetArn=arn,
                ManagedPolicyArn=policy_arn,
            ) is not None:
                self.attached[arn].add(policy_arn)

    def group(self, name):
        if name in self.groups:
            return
        out = call(self.ids.create_group, IdentityStoreId=self.store, DisplayName=name)
        if out:
            self.groups[name] = out["GroupId"]
            self.created.add(out["GroupId"])

    def assign(self, group, ps_name, account):
        gid = self.groups.get(group)
        arn = self.permission_sets.get(ps_name)
        if not gid or not arn:
            warn("assign %s %s %s: the group or permission set is missing" % (group, ps_name, account))
            return
        existing = self.account_assignments(account, arn)
        if ("GROUP", gid) in existing:
            return
        out = call(
            self.sso.create_account_assignment,
            InstanceArn=self.instance,
            TargetId=account,
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=arn,
            PrincipalType="GROUP",
            PrincipalId=gid,
        )
        if not out:
            return
        status = out["AccountAssignmentCreationStatus"]
        deadline = time.monotonic() + POLL_LIMIT_SECONDS
        while status.get("Status") == "IN_PROGRESS" and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            polled = call(
                self.sso.describe_account_assignment_creation_status,
                InstanceArn=self.instance,
                AccountAssignmentCreationRequestId=status["RequestId"],
            )
            if polled:
                status = polled["AccountAssignmentCreationStatus"]
        if status.get("Status") == "SUCCEEDED":
            existing.add(("GROUP", gid))
        else:
            self.failed_assignments += 1
            warn(
                "assign %s %s %s: %s %s"
                % (group, ps_name, account, status.get("Status"), status.get("FailureReason", ""))
            )

    def user(self, name, email):
        if name in self.users:
            return
        out = call(
            self.ids.create_user,
            IdentityStoreId=self.store,
            UserName=name,
            DisplayName=name,
            Name={"GivenName": "User", "FamilyName": name},
            Emails=[{"Value": email, "Type": "work", "Primary": True}],
        )
        if out:
            self.users[name] = out["UserId"]
            self.created.add(out["UserId"])

    def member(self, user, group):
        uid = self.users.get(user)
        gid = self.groups.get(group)
        if not uid or not gid:
            warn("member %s %s: the user or group is missing" % (user, group))
            return
        members = self.group_members(gid)
        if uid in members:
            return
        if call(
            self.ids.create_group_membership,
            IdentityStoreId=self.store,
            GroupId=gid,
            MemberId={"UserId": uid},
        ) is not None:
            members.add(uid)

    def run(self, steps):
        if not self.look():
            return
        for kind, args in steps:
            if kind == "ps":
                self.permission_set(args[0], args[1])
            elif kind == "group":
                self.group(args[0])
            elif kind == "assign":
                self.assign(args[0], args[1], args[2])
            elif kind == "user":
                self.user(args[0], args[1])
            elif kind == "member":
                self.member(args[0], args[1])
            else:
                warn("unknown step %r" % kind)


def main():
    if len(sys.argv) != 2:
        print("usage: peer_boto3.py PLAN_FILE", file=sys.stderr)
        return 2
    Peer().run(read_plan(sys.argv[1]))
    print("failed calls: %d" % COUNTS["failed"])
    print("calls: %d" % COUNTS["calls"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
