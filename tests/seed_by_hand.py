#!/usr/bin/env python3
"""An account set up partly by hand, as a person clicks the guide in the
console (here with boto3, never with ssosetup), for the import, drift,
prune and offboard tests.

    seed_by_hand.py ENDPOINT_URL

Prints one JSON object: the ids a test needs (accounts, permission set
ARNs, group and user ids).

What it makes:
- an organization with member accounts dev and prod;
- permission sets AdministratorAccess (PT4H, a description), Developer
  (PowerUserAccess, an inline policy, a customer managed policy
  reference), ReadOnly (ReadOnlyAccess, a relay state) and Control Tower's
  AWSAdministratorAccess;
- groups: Admins (a custom name) holding AdministratorAccess on the
  management account and on dev; Developer-<dev> and ReadOnly-<prod>
  (named the guide's way) on their accounts; AWSControlTowerAdmins with
  AWSAdministratorAccess on the management account; Unassigned, holding
  nothing;
- users alice (Admins, Developer-<dev>), bob (ReadOnly-<prod>, Unassigned),
  carol (Developer-<dev>, and ReadOnly assigned to her directly on the
  management account).
"""

import json
import sys

import boto3

ENDPOINT = sys.argv[1]
REGION = "us-east-1"
INLINE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}],
}


def client(service):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


orgs = client("organizations")
sso = client("sso-admin")
ids = client("identitystore")

orgs.create_organization(FeatureSet="ALL")
management = orgs.describe_organization()["Organization"]["MasterAccountId"]
accounts = {}
for name in ["dev", "prod"]:
    status = orgs.create_account(AccountName=name, Email=f"{name}@example.com")
    accounts[name] = status["CreateAccountStatus"]["AccountId"]
dev, prod = accounts["dev"], accounts["prod"]

instance = sso.list_instances()["Instances"][0]
arn, store = instance["InstanceArn"], instance["IdentityStoreId"]


def permission_set(name, **fields):
    fields.setdefault("SessionDuration", "PT1H")
    ps = sso.create_permission_set(InstanceArn=arn, Name=name, **fields)
    return ps["PermissionSet"]["PermissionSetArn"]


def attach(ps, policy):
    sso.attach_managed_policy_to_permission_set(
        InstanceArn=arn, PermissionSetArn=ps, ManagedPolicyArn=policy
    )


sets = {
    "AdministratorAccess": permission_set(
        "AdministratorAccess", Description="Full access", SessionDuration="PT4H"
    ),
    "Developer": permission_set("Developer"),
    "ReadOnly": permission_set("ReadOnly", RelayState="https://console.aws.amazon.com/"),
    "AWSAdministratorAccess": permission_set("AWSAdministratorAccess"),
}
attach(sets["AdministratorAccess"], "arn:aws:iam::aws:policy/AdministratorAccess")
attach(sets["Developer"], "arn:aws:iam::aws:policy/PowerUserAccess")
sso.put_inline_policy_to_permission_set(
    InstanceArn=arn, PermissionSetArn=sets["Developer"], InlinePolicy=json.dumps(INLINE)
)
sso.attach_customer_managed_policy_reference_to_permission_set(
    InstanceArn=arn,
    PermissionSetArn=sets["Developer"],
    CustomerManagedPolicyReference={"Name": "DevExtras", "Path": "/"},
)
attach(sets["ReadOnly"], "arn:aws:iam::aws:policy/ReadOnlyAccess")
attach(sets["AWSAdministratorAccess"], "arn:aws:iam::aws:policy/AdministratorAccess")


def group(name):
    return ids.create_group(IdentityStoreId=store, DisplayName=name)["GroupId"]


groups = {
    name: group(name)
    for name in [
        "Admins",
        f"Developer-{dev}",
        f"ReadOnly-{prod}",
        "AWSControlTowerAdmins",
        "Unassigned",
    ]
}


def assign(principal_type, principal, ps, account):
    sso.create_account_assignment(
        InstanceArn=arn,
        TargetId=account,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=sets[ps],
        PrincipalType=principal_type,
        PrincipalId=principal,
    )


assign("GROUP", groups["Admins"], "AdministratorAccess", management)
assign("GROUP", groups["Admins"], "AdministratorAccess", dev)
assign("GROUP", groups[f"Developer-{dev}"], "Developer", dev)
assign("GROUP", groups[f"ReadOnly-{prod}"], "ReadOnly", prod)
assign("GROUP", groups["AWSControlTowerAdmins"], "AWSAdministratorAccess", management)


def user(name, given, family):
    return ids.create_user(
        IdentityStoreId=store,
        UserName=name,
        DisplayName=f"{given} {family}",
        Name={"GivenName": given, "FamilyName": family},
        Emails=[{"Value": f"{name}@example.com", "Type": "work", "Primary": True}],
    )["UserId"]


users = {
    "alice": user("alice", "Alice", "Doe"),
    "bob": user("bob", "Bob", "Roe"),
    "carol": user("carol", "Carol", "Poe"),
}


def member(u, g):
    ids.create_group_membership(
        IdentityStoreId=store, GroupId=groups[g], MemberId={"UserId": users[u]}
    )


member("alice", "Admins")
member("alice", f"Developer-{dev}")
member("bob", f"ReadOnly-{prod}")
member("bob", "Unassigned")
member("carol", f"Developer-{dev}")
assign("USER", users["carol"], "ReadOnly", management)

print(
    json.dumps(
        {
            "management": management,
            "dev": dev,
            "prod": prod,
            "instance": arn,
            "store": store,
            "sets": sets,
            "groups": groups,
            "users": users,
        }
    )
)
