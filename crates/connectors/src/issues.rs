//! Issue trackers: a sync source of issues, and how a connection's settings route issues into
//! projects.

use std::collections::HashMap;

use stint_api_types::ProjectId;

use super::sync::SyncSource;

/// Where a connection's issues land, from its settings.
#[derive(Debug, Clone, Default)]
pub struct IssueRouting {
    /// Container (`octo/hello`, lower-case) → the project chosen for it.
    pub container_projects: HashMap<String, ProjectId>,
    /// Only issues with this label become tasks.
    pub label_filter: Option<String>,
}

pub trait IssueTracker: SyncSource {
    fn routing(&self, config: &serde_json::Value) -> IssueRouting;
}
