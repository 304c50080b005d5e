#!/usr/bin/env bash
# The peer baseline for scripts/bench: the same work as `ssosetup init`,
# done the way a person scripting the guide would, one AWS CLI call after
# another (awscli from PyPI, in the test venv). It reads a plan, one
# line per step, tab-separated:
#   ps NAME POLICY_ARN | group NAME | assign GROUP PERMISSION_SET ACCOUNT
#   user NAME EMAIL | member USER GROUP
# and prints "failed calls: N" at the end. No pacing and no looking before
# creating: that is what the baseline measures.
set -u
plan=$1
aws=${AWS_CLI:-aws}
failed=0
call() { "$aws" "$@" --output text 2>>"${BASELINE_ERRORS:-/dev/null}" || { failed=$((failed + 1)); return 1; }; }

read -r instance store < <(call sso-admin list-instances --query 'Instances[0].[InstanceArn,IdentityStoreId]')
declare -A ps_arn group_id user_id
while IFS=$'\t' read -r kind a b c; do
  case $kind in
    ps)
      arn=$(call sso-admin create-permission-set --instance-arn "$instance" --name "$a" --session-duration PT1H \
        --query PermissionSet.PermissionSetArn) && ps_arn[$a]=$arn
      call sso-admin attach-managed-policy-to-permission-set --instance-arn "$instance" \
        --permission-set-arn "${ps_arn[$a]:-none}" --managed-policy-arn "$b" >/dev/null ;;
    group)
      id=$(call identitystore create-group --identity-store-id "$store" --display-name "$a" --query GroupId) && group_id[$a]=$id ;;
    assign)
      call sso-admin create-account-assignment --instance-arn "$instance" --target-id "$c" --target-type AWS_ACCOUNT \
        --permission-set-arn "${ps_arn[$b]:-none}" --principal-type GROUP --principal-id "${group_id[$a]:-none}" >/dev/null ;;
    user)
      id=$(call identitystore create-user --identity-store-id "$store" --user-name "$a" --display-name "$a" \
        --name "GivenName=User,FamilyName=$a" --emails "Value=$b,Type=work,Primary=true" --query UserId) && user_id[$a]=$id ;;
    member)
      call identitystore create-group-membership --identity-store-id "$store" --group-id "${group_id[$b]:-none}" \
        --member-id "UserId=${user_id[$a]:-none}" >/dev/null ;;
  esac
done < "$plan"
echo "failed calls: $failed"
