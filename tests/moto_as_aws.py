"""moto_server, with moto's answers mended where they differ from AWS's.

    moto_as_aws.py [moto_server's options]

Runs moto's own server after these changes, each a place where moto 5.2.5
answers otherwise than AWS (never to make ssosetup pass where AWS would
refuse it):

- An AWS managed policy under a path (`arn:aws:iam::aws:policy/job-function/
  ViewOnlyAccess`, `.../job-function/Billing`) can be attached to a
  permission set, as on AWS. moto looks up the policy's path under the key
  "path" while its own data says "Path", so it finds every policy at "/"
  and refuses those under a path as not existing.
- Organizations' RegisterDelegatedAdministrator, ListDelegatedAdministrators
  and DeregisterDelegatedAdministrator with the service principal
  `sso.amazonaws.com`: moto answers InvalidInputException ("unrecognized
  service principal"), AWS accepts it (IAM Identity Center has a delegated
  administrator).
- sso-admin ListPermissionSetsProvisionedToAccount: moto ignores AccountId
  and answers every set ProvisionPermissionSet was called for, whatever its
  target; AWS answers the sets provisioned to that account. AWS provisions a
  set to an account when an assignment of it is created there, and by a
  ProvisionPermissionSet with that account as its TargetId; so here: the
  instance's sets with at least one account assignment on AccountId, plus
  those ProvisionPermissionSet provisioned to it, in ListPermissionSets'
  order, MaxResults (default 100) per page with NextToken. ProvisioningStatus
  is still ignored (every set counts as provisioned in its latest version).
- sso-admin ListAccountsForProvisionedPermissionSet: moto answers the
  caller's own account (if ProvisionPermissionSet was ever called for the
  set) and nothing else; AWS answers the accounts the set is provisioned to:
  here those holding an assignment of it, plus those ProvisionPermissionSet
  provisioned it to, paged as above; a set that does not exist is
  ResourceNotFoundException, as on AWS.
- sso-admin ProvisionPermissionSet with TargetType AWS_ACCOUNT: moto's
  status says AccountId is the caller's account; AWS's says the TargetId.
- sts AssumeRole: moto hands out credentials for any role ARN, whether the
  role exists or trusts the caller; AWS answers AccessDenied ("User: ...
  is not authorized to perform: sts:AssumeRole on resource: <role>") unless
  the role exists and its trust policy allows the caller's account (here:
  an Allow of sts:AssumeRole to that account's root, its id, or "*"). The
  role Organizations' CreateAccount makes (OrganizationAccountAccessRole,
  trusting the management account) moto makes too.
- sso-admin's instance: moto names its identity store `d-` and ten
  letters and digits (`d-xevkkfrk1q`); AWS's are `d-` and ten hexadecimal
  digits (the pattern CloudFormation's AWS::IdentityStore types check, so
  an exported template with moto's id fails cfn-lint where AWS's passes).
- sso-admin permission set ARNs: moto makes them the instance's ARN and
  `/ps-...` (`arn:aws:sso:::instance/ssoins-.../ps-...`); AWS's are
  `arn:aws:sso:::permissionSet/ssoins-.../ps-...`.

The sandbox (scripts/sandbox) and every end-to-end test run moto this way.
"""

import base64
import json
import sys

import moto.organizations.models as organizations_models  # noqa: E402
import moto.ssoadmin.models as ssoadmin_models  # noqa: E402
import moto.ssoadmin.responses as ssoadmin_responses  # noqa: E402
from moto.core.exceptions import JsonRESTError  # noqa: E402

_find = ssoadmin_models.SSOAdminBackend._find_managed_policy


def _find_managed_policy(self, managed_policy_arn):
    if self.aws_managed_policies is None:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        self.aws_managed_policies = json.loads(aws_managed_policies_data)
    name = managed_policy_arn.split("/")[-1]
    policy = self.aws_managed_policies.get(name)
    if policy is not None:
        path = policy.get("Path") or policy.get("path") or "/"
        if managed_policy_arn == f"arn:{self.partition}:iam::aws:policy{path}{name}":
            return ssoadmin_models.ManagedPolicy(managed_policy_arn, name)
    return _find(self, managed_policy_arn)


ssoadmin_models.SSOAdminBackend._find_managed_policy = _find_managed_policy


# ---- Identity Center's delegated administrator ---------------------------------

_supported = organizations_models.FakeDelegatedAdministrator.SUPPORTED_SERVICES
if "sso.amazonaws.com" not in _supported:
    _supported.append("sso.amazonaws.com")


# ---- which permission sets are provisioned to which accounts -------------------


def _explicit(backend):
    """(instance ARN, permission set ARN) -> accounts ProvisionPermissionSet
    provisioned it to (moto keeps no target)."""
    if not hasattr(backend, "_provisioned_to"):
        backend._provisioned_to = {}
    return backend._provisioned_to


def _provisioned_accounts(backend, instance_arn, ps_arn):
    """The accounts a set is provisioned to, in the order they got it."""
    accounts = []
    for a in backend.account_assignments:
        if a.instance_arn == instance_arn and a.permission_set_arn == ps_arn and a.target_id not in accounts:
            accounts.append(a.target_id)
    for account in _explicit(backend).get((instance_arn, ps_arn), []):
        if account not in accounts:
            accounts.append(account)
    return accounts


def _page(response, items, member):
    """A page of `items` as {member: [...], NextToken?}, by MaxResults/NextToken."""
    limit = response._get_param("MaxResults") or 100
    token = response._get_param("NextToken")
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode().split(":", 1)[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise JsonRESTError("ValidationException", "Invalid NextToken")
    page = items[start : start + int(limit)]
    doc = {member: page}
    if start + len(page) < len(items):
        doc["NextToken"] = base64.urlsafe_b64encode(("from:%d" % (start + len(page))).encode()).decode()
    return json.dumps(doc)


def list_permission_sets_provisioned_to_account(self):
    backend = self.ssoadmin_backend
    instance_arn = self._get_param("InstanceArn")
    account_id = self._get_param("AccountId")
    arns = [
        ps.permission_set_arn
        for ps in backend.permission_sets
        if ps.instance_arn == instance_arn
        and account_id in _provisioned_accounts(backend, instance_arn, ps.permission_set_arn)
    ]
    return _page(self, arns, "PermissionSets")


def list_accounts_for_provisioned_permission_set(self):
    backend = self.ssoadmin_backend
    instance_arn = self._get_param("InstanceArn")
    ps_arn = self._get_param("PermissionSetArn")
    backend._find_permission_set(instance_arn, ps_arn)  # ResourceNotFoundException, as AWS
    return _page(self, _provisioned_accounts(backend, instance_arn, ps_arn), "AccountIds")


_provision = ssoadmin_responses.SSOAdminResponse.provision_permission_set


def provision_permission_set(self):
    answer = _provision(self)
    if self._get_param("TargetType") == "AWS_ACCOUNT" and self._get_param("TargetId"):
        target = self._get_param("TargetId")
        key = (self._get_param("InstanceArn"), self._get_param("PermissionSetArn"))
        accounts = _explicit(self.ssoadmin_backend).setdefault(key, [])
        if target not in accounts:
            accounts.append(target)
        doc = json.loads(answer)
        doc["PermissionSetProvisioningStatus"]["AccountId"] = target
        answer = json.dumps(doc)
    return answer


ssoadmin_responses.SSOAdminResponse.list_permission_sets_provisioned_to_account = (
    list_permission_sets_provisioned_to_account
)
ssoadmin_responses.SSOAdminResponse.list_accounts_for_provisioned_permission_set = (
    list_accounts_for_provisioned_permission_set
)
ssoadmin_responses.SSOAdminResponse.provision_permission_set = provision_permission_set

# ---- AssumeRole only of a role that exists and trusts the caller ---------------

import moto.iam.models as iam_models  # noqa: E402
import moto.sts.responses as sts_responses  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402
from moto.sts.exceptions import STSClientError  # noqa: E402


def _trusts(document, account):
    try:
        doc = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return False
    statements = doc.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        if st.get("Effect") != "Allow":
            continue
        actions = st.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        principal = st.get("Principal") or {}
        if principal == "*":
            return True
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        aws = [aws] if isinstance(aws, str) else (aws or [])
        for p in aws:
            if p == "*" or p == account or (p.startswith("arn:") and p.split(":")[4:5] == [account]):
                return True
    return False


_assume_role = sts_responses.TokenResponse.assume_role


def assume_role(self):
    role_arn = self._get_param("RoleArn") or ""
    parts = role_arn.split(":")
    if len(parts) == 6 and parts[5].startswith("role/"):
        account, partition, name = parts[4], parts[1], parts[5].split("/")[-1]
        try:
            backend = iam_models.iam_backends[account][partition]
            role = next((r for r in backend.roles.values() if r.name == name), None)
        except KeyError:
            role = None
        caller = self.current_account
        if role is None or not _trusts(role.assume_role_policy_document, caller):
            refusal = STSClientError(
                "AccessDenied",
                "User: arn:%s:iam::%s:root is not authorized to perform: sts:AssumeRole on resource: %s"
                % (partition, caller, role_arn),
            )
            _, headers, body = self.serialized(ActionResult(refusal))
            headers["status"] = 403  # AWS's status for it (moto would say 400)
            return body, headers
    return _assume_role(self)


sts_responses.TokenResponse.assume_role = assume_role

_instance_init = ssoadmin_models.Instance.__init__


def instance_init(self, account_id, region):
    _instance_init(self, account_id, region)
    self.identity_store_id = "d-" + ssoadmin_models.random.get_random_hex(10)


ssoadmin_models.Instance.__init__ = instance_init


def permission_set_id(instance_arn):
    partition, instance = instance_arn.split(":")[1], instance_arn.split("/")[-1]
    suffix = ssoadmin_models.random.get_random_string(length=16).lower()
    return f"arn:{partition}:sso:::permissionSet/{instance}/ps-{suffix}"


ssoadmin_models.PermissionSet.generate_id = staticmethod(permission_set_id)

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
