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

The sandbox (scripts/sandbox) and every end-to-end test run moto this way.
"""

import sys

import moto.ssoadmin.models as ssoadmin_models  # noqa: E402

_find = ssoadmin_models.SSOAdminBackend._find_managed_policy


def _find_managed_policy(self, managed_policy_arn):
    import json

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

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
