//! Issue trackers as a sync source: the parts one sync covers, pages of issues with a cursor the
//! source owns, and how a connection's settings route issues into projects.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use stint_api_types::ProjectId;

use super::events::ExternalIssue;
use crate::catalogue::ProviderSpec;
use crate::integrations::gateway::GatewayError;
use crate::secret::Secret;

/// Where a connection's issues land, from its settings.
#[derive(Debug, Clone, Default)]
pub struct IssueRouting {
    /// Container (`octo/hello`, lower-case) → the project chosen for it.
    pub container_projects: HashMap<String, ProjectId>,
    /// Only issues with this label become tasks.
    pub label_filter: Option<String>,
}

// Nearly every item is an issue; boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum SyncItem {
    Issue(ExternalIssue),
    /// Listed by the provider but not for Stint (a pull request); counted as skipped.
    Skip,
}

/// The connection a sync reads for.
#[derive(Debug, Clone, Copy)]
pub struct SourceConnection<'a> {
    pub config: &'a serde_json::Value,
    /// For a member's own connection, their account at the provider: only their issues (assigned
    /// to them) are asked for.
    pub personal_account: Option<&'a str>,
}

/// Where a sync of one resource stands.
#[derive(Debug, Clone)]
pub struct Position<'a> {
    /// What the source stored after the last page applied, if anything.
    pub cursor: Option<&'a str>,
    /// When this run started: a source whose next incremental run starts from here stores it.
    pub run_started: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SourcePage {
    pub items: Vec<SyncItem>,
    /// Stored with the page's items in one transaction, so a run cut short resumes after it.
    pub cursor: String,
    pub more: bool,
    /// The provider's quota is spent until then: wait before asking for the next page.
    pub pause_until: Option<DateTime<Utc>>,
    /// How many items the resource holds in all, when the provider says.
    pub total: Option<u64>,
}

#[async_trait::async_trait]
pub trait IssueTracker: Send + Sync {
    fn routing(&self, config: &serde_json::Value) -> IssueRouting;

    /// The resources one sync covers (GitHub: each configured repository), or why it cannot run.
    fn resources(&self, config: &serde_json::Value) -> Result<Vec<String>, String>;

    /// The next page of a resource from where it stands.
    async fn page(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        connection: &SourceConnection<'_>,
        resource: &str,
        position: &Position<'_>,
    ) -> Result<SourcePage, GatewayError>;
}
