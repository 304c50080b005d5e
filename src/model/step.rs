//! The name of a step: the subcommand, and the key of its part of a plan.

use schemars::JsonSchema;
use serde::Serialize;

/// A step's name (`organization`, `permission-sets`...). Each step file
/// declares its own as `ID`; the steps table lists them in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(transparent)]
pub(crate) struct StepId(&'static str);

impl StepId {
    pub(crate) const fn new(name: &'static str) -> Self {
        Self(name)
    }

    pub(crate) fn name(self) -> &'static str {
        self.0
    }
}
