//! Background jobs: what can be queued (`Job`), the schedules that queue them, and the queue
//! itself, kept by apalis in the application database so that any process (a `stint serve` with
//! its worker, or a `stint worker`) may run them. The worker crate runs them; everything that
//! only queues work (an API handler, a schedule) needs no more than this module.

mod metrics;
mod notice;
mod overview;
mod queue;
mod schedule;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use stint_api_types::providers::ProviderKey;
use uuid::Uuid;

pub use metrics::JobMetrics;
pub use notice::Notice;
pub use overview::overview;
pub use queue::{JobQueue, MAX_ATTEMPTS, QueueError, QueuedJob, Storage};
pub use schedule::Schedule;

/// One unit of background work. Small and serialisable: the worker loads what it needs when it
/// runs, so a job queued before a change sees the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// One occurrence of a schedule: fans out into one job per connection or per user.
    Tick {
        schedule: Schedule,
        at: DateTime<Utc>,
    },
    /// Runs a queued sync run to its end.
    Sync { run_id: Uuid, provider: ProviderKey },
    /// Refreshes one connection's access token ahead of its expiry or to keep it alive.
    RefreshToken {
        integration_id: Uuid,
        provider: ProviderKey,
        /// The credential version the sweep saw: a token someone refreshed since is left alone.
        version: i64,
    },
    /// Posts one user's daily summary for their local day.
    DailySummary { user_id: Uuid, date: NaiveDate },
    /// Posts a timer notice through the user's chat providers.
    Notify { notice: Notice },
    /// Forgets old delivery records, sync runs, OAuth states and finished jobs.
    Retention,
}

impl Job {
    /// The job's kind, as metrics and the admin's job list name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::Tick { .. } => "tick",
            Job::Sync { .. } => "sync",
            Job::RefreshToken { .. } => "refresh_token",
            Job::DailySummary { .. } => "daily_summary",
            Job::Notify { .. } => "notify",
            Job::Retention => "retention",
        }
    }

    /// The provider the job talks to, whose concurrency limit it counts against.
    pub fn provider(&self) -> Option<ProviderKey> {
        match self {
            Job::Sync { provider, .. } | Job::RefreshToken { provider, .. } => Some(*provider),
            _ => None,
        }
    }

    /// Two jobs with the same key are one job: queued twice (by two processes' schedulers, or a
    /// retried fan-out), it runs once.
    pub fn idempotency_key(&self) -> Option<String> {
        match self {
            Job::Tick { schedule, at } => {
                Some(format!("tick:{}:{}", schedule.name(), at.timestamp()))
            }
            Job::Sync { run_id, .. } => Some(format!("sync:{run_id}")),
            Job::DailySummary { user_id, date } => Some(format!("summary:{user_id}:{date}")),
            // Another refresh later is harmless and sometimes needed.
            Job::RefreshToken { .. } | Job::Notify { .. } | Job::Retention => None,
        }
    }
}
