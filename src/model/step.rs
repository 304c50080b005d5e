//! The steps, in the guide's order.

/// The steps, in the guide's order (the subcommand names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepId {
    Organization,
    IdentityCenter,
    Authentication,
    PermissionSets,
    Groups,
    Assignments,
    Users,
    CliProfiles,
    RootCleanup,
    IamUsersCleanup,
}

impl StepId {
    /// Every step that exists, in wizard order.
    pub(crate) const ALL: [StepId; 10] = [
        StepId::Organization,
        StepId::IdentityCenter,
        StepId::Authentication,
        StepId::PermissionSets,
        StepId::Groups,
        StepId::Assignments,
        StepId::Users,
        StepId::CliProfiles,
        StepId::RootCleanup,
        StepId::IamUsersCleanup,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            StepId::Organization => "organization",
            StepId::IdentityCenter => "identity-center",
            StepId::Authentication => "authentication",
            StepId::PermissionSets => "permission-sets",
            StepId::Groups => "groups",
            StepId::Assignments => "assignments",
            StepId::Users => "users",
            StepId::CliProfiles => "cli-profiles",
            StepId::RootCleanup => "root-cleanup",
            StepId::IamUsersCleanup => "iam-users-cleanup",
        }
    }
}
