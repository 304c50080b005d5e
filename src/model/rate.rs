//! The budgets AWS paces calls in, as one type the plan (which bucket an
//! action spends) and the pacer (src/aws/pace.rs, which waits for a turn
//! in it) share: a bucket the pacer does not know cannot be named.

/// An identitystore API: each has a budget of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum IdentityStoreApi {
    CreateGroup,
    CreateGroupMembership,
    CreateUser,
    DeleteGroup,
    DeleteGroupMembership,
    DeleteUser,
    GetGroupId,
    GetUserId,
    ListGroupMemberships,
    ListGroupMembershipsForMember,
    ListGroups,
    ListUsers,
    UpdateUser,
}

impl IdentityStoreApi {
    /// The operation's name, as AWS (and its throttling answers) spell it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            IdentityStoreApi::CreateGroup => "CreateGroup",
            IdentityStoreApi::CreateGroupMembership => "CreateGroupMembership",
            IdentityStoreApi::CreateUser => "CreateUser",
            IdentityStoreApi::DeleteGroup => "DeleteGroup",
            IdentityStoreApi::DeleteGroupMembership => "DeleteGroupMembership",
            IdentityStoreApi::DeleteUser => "DeleteUser",
            IdentityStoreApi::GetGroupId => "GetGroupId",
            IdentityStoreApi::GetUserId => "GetUserId",
            IdentityStoreApi::ListGroupMemberships => "ListGroupMemberships",
            IdentityStoreApi::ListGroupMembershipsForMember => "ListGroupMembershipsForMember",
            IdentityStoreApi::ListGroups => "ListGroups",
            IdentityStoreApi::ListUsers => "ListUsers",
            IdentityStoreApi::UpdateUser => "UpdateUser",
        }
    }
}

/// The rate budget an action's calls are paced in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum RateBucket {
    /// sso-admin: one budget for all its APIs (about 20 a second).
    SsoAdmin,
    /// identitystore: a budget per API (about 20 a second each).
    IdentityStore(IdentityStoreApi),
    /// Everything else: IAM, Organizations, STS, files.
    Other,
}
