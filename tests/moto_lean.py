"""moto_server for the large benchmark organizations.

moto gives every account it knows its own IAM with all ~1,300 AWS managed
policies when MOTO_IAM_LOAD_MANAGED_POLICIES is set, and Organizations'
CreateAccount makes the member account's IAM (for its
OrganizationAccountAccessRole): about 30 MB and 0.7 s per member account,
so a 2,000-account organization would need some 60 GB. ssosetup reads
managed policies only in the account it runs as, so here only that account
(moto's default, 123456789012) gets them; every other account has IAM
without them, as moto does without the variable. moto's answers are
mended as tests/moto_as_aws.py says; nothing else changes.
"""

import os
import sys

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

import moto_as_aws  # noqa: E402,F401  (its mends, applied on import)
import moto.iam.models as iam_models  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402

_with_policies = iam_models.IAMBackend._init_aws_policies


def _management_account_only(self):
    return _with_policies(self) if self.account_id == DEFAULT_ACCOUNT_ID else []


iam_models.IAMBackend._init_aws_policies = _management_account_only

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
