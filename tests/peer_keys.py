#!/usr/bin/env python3
"""The peer of ssosetup's organization-wide key inventory for scripts/bench:
what a careful engineer scripts with boto3 to list every member account's
IAM users and their long-lived credentials.

    .venv/bin/python tests/peer_keys.py ROLE_NAME

For every ACTIVE account of the organization but the caller's:
sts AssumeRole of ROLE_NAME there, then IAM ListUsers and, for each user,
GetLoginProfile, ListAccessKeys, GetAccessKeyLastUsed per key and
ListMFADevices; the caller's own account is read with its own credentials.
One call after another, no threads; botocore's "standard" retry mode.
Endpoint from AWS_ENDPOINT_URL, region from AWS_DEFAULT_REGION.

Prints one line per access key (account, user, key, status, created, last
used), then:
    accounts: N       accounts read
    not reached: N    accounts whose role could not be assumed
    keys: N           access keys found
"""

import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

CONFIG = Config(retries={"mode": "standard", "max_attempts": 3})


def inventory(iam, account, out):
    keys = 0
    for page in iam.get_paginator("list_users").paginate():
        for user in page["Users"]:
            name = user["UserName"]
            try:
                iam.get_login_profile(UserName=name)
            except ClientError as e:
                if e.response["Error"]["Code"] != "NoSuchEntity":
                    raise
            for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
                used = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])
                last = used.get("AccessKeyLastUsed", {}).get("LastUsedDate", "never")
                out.append("%s\t%s\t%s\t%s\t%s\t%s" % (account, name, k["AccessKeyId"], k["Status"], k["CreateDate"], last))
                keys += 1
            iam.list_mfa_devices(UserName=name)
    return keys


def main():
    role = sys.argv[1]
    session = boto3.session.Session()
    sts = session.client("sts", config=CONFIG)
    me = sts.get_caller_identity()["Account"]
    orgs = session.client("organizations", config=CONFIG)
    out, read, missed, keys = [], 0, 0, 0
    keys += inventory(session.client("iam", config=CONFIG), me, out)
    read += 1
    for page in orgs.get_paginator("list_accounts").paginate():
        for a in page["Accounts"]:
            if a["Id"] == me or a.get("Status") != "ACTIVE":
                continue
            try:
                c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (a["Id"], role), RoleSessionName="peer-keys")["Credentials"]
            except ClientError as e:
                print("not reached: %s: %s" % (a["Id"], e), file=sys.stderr)
                missed += 1
                continue
            iam = session.client(
                "iam",
                config=CONFIG,
                aws_access_key_id=c["AccessKeyId"],
                aws_secret_access_key=c["SecretAccessKey"],
                aws_session_token=c["SessionToken"],
            )
            keys += inventory(iam, a["Id"], out)
            read += 1
    print("\n".join(out))
    print("accounts: %d" % read)
    print("not reached: %d" % missed)
    print("keys: %d" % keys)


if __name__ == "__main__":
    main()
