//! The provider contract's OAuth part lives in `connectors::gateway`; kept here under its old path.

pub use crate::catalogue::Providers;
pub use crate::connectors::gateway::*;
