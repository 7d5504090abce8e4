//! A sync source: the parts one sync covers and pages of normalized items with a cursor the
//! source owns. Issue trackers and calendars are sources; the sync engine reads them all alike.

use chrono::{DateTime, Utc};

use super::calendar::CalendarEvent;
use super::events::ExternalIssue;
use super::gateway::GatewayError;
use super::spec::ProviderSpec;
use crate::Secret;

// Nearly every item is an issue or an event; boxing them would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum SyncItem {
    Issue(ExternalIssue),
    Event(CalendarEvent),
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
pub trait SyncSource: Send + Sync {
    /// What a run of this source is recorded as (`issues`, `calendar`).
    fn kind(&self) -> &'static str;

    /// The resources one sync covers (GitHub: each configured repository; a calendar: the
    /// member's chosen calendar), or why it cannot run.
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
