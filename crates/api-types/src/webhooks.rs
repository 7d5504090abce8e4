//! Webhook deliveries and sync runs as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::providers::ProviderKey;

/// What the signature check said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureVerdict {
    Valid,
    Invalid,
    Missing,
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// Recorded and waiting to be applied.
    Queued,
    Applied,
    /// Verified, but nothing in Stint follows from it (an event Stint does not use).
    Ignored,
    /// Applying failed; an admin may re-apply it.
    Failed,
    /// The signature was missing or wrong; nothing was parsed.
    Rejected,
    /// Signed correctly but not the JSON or form body the provider sends.
    Malformed,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub provider: ProviderKey,
    /// The provider's id (`X-GitHub-Delivery`, Slack `event_id` or `trigger_id`). Refused
    /// deliveries get a local id, so a forged request cannot claim a real delivery's id.
    pub delivery_id: String,
    pub event: Option<String>,
    pub signature: SignatureVerdict,
    pub outcome: DeliveryOutcome,
    pub detail: Option<String>,
    /// From receipt to outcome.
    pub duration_ms: i32,
    pub attempts: i32,
    pub received_at: DateTime<Utc>,
    /// Whether `POST …/reapply` can apply it again (failed, with its body kept).
    pub can_reapply: bool,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    pub provider: Option<ProviderKey>,
    pub outcome: Option<DeliveryOutcome>,
    /// Items per page, 1–200 (default 50), newest first.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The answer to a webhook: what Stint did with it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct WebhookAck {
    /// `accepted` (recorded, applied shortly), `duplicate` (seen before, not applied again),
    /// `ignored` (an event Stint does not use) or `pong`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncTrigger {
    Schedule,
    Manual,
    Webhook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct SyncRun {
    pub id: Uuid,
    pub integration_id: Uuid,
    pub provider: ProviderKey,
    pub resource: String,
    pub trigger: SyncTrigger,
    pub status: SyncStatus,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created: i32,
    pub updated: i32,
    /// Entries removed because their source item was removed (a cancelled event).
    pub deleted: i32,
    pub skipped: i32,
    pub failed: i32,
    /// Why items were skipped or kept, with how many (`all-day event`, `edited in Stint, kept`).
    #[serde(default)]
    pub skip_reasons: std::collections::BTreeMap<String, i32>,
    pub error: Option<String>,
    /// Items gone through so far (created, updated, deleted, skipped and failed), kept up to date page
    /// by page while the run runs.
    pub done: i32,
    /// Items the run will go through, when the source says (not every provider does).
    pub total: Option<i32>,
}

/// `202 Accepted` for a sync: where to follow it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct SyncStarted {
    pub sync_run_id: Uuid,
}

/// The background job queue, for admins.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct JobsOverview {
    /// Jobs waiting for a worker (including those waiting to be retried).
    pub queued: i64,
    pub running: i64,
    /// Jobs that failed on every attempt, kept until the retention purges them.
    pub failed: i64,
    pub done: i64,
    /// Running jobs, oldest first.
    pub running_jobs: Vec<JobRecord>,
    /// The latest jobs that failed, newest first, with their last error.
    pub failed_jobs: Vec<JobRecord>,
    pub schedules: Vec<ScheduleInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct JobRecord {
    pub id: String,
    /// `tick`, `sync`, `refresh_token`, `daily_summary`, `retention`.
    pub kind: String,
    /// What the job is about, as queued.
    #[schema(value_type = Object)]
    pub job: serde_json::Value,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The worker that holds it.
    pub worker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ScheduleInfo {
    /// `calendar_sync`, `slack_daily_summary`, `token_refresh_sweep`, `catch_up`, `retention`.
    pub name: String,
    /// Cron expression (seconds first, UTC).
    pub cron: String,
    /// The next three occurrences.
    pub next: Vec<DateTime<Utc>>,
}
