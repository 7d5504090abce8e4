//! The jobs, as plain async functions: the worker calls `run` for each job it takes, and tests
//! call them directly with a clock of their own.

use std::time::Duration;

use stint_api_types::webhooks::SyncTrigger;
use stint_core::jobs::{Job, Schedule};
use stint_core::notify::summary::{self, SummaryOutcome};
use stint_core::{CoreError, Stint};
use uuid::Uuid;

/// Why a job did not finish. Everything a connection or a user can cause is recorded where its
/// owner sees it (the sync run, the connection's status) and is not a failure of the job; what
/// is left (the database, the queue) is worth trying again.
#[derive(Debug, thiserror::Error)]
pub enum JobFailure {
    #[error("{0}")]
    Core(#[from] CoreError),
    #[error("{0}")]
    Queue(#[from] stint_core::jobs::QueueError),
}

/// What a job did, for the log and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// A schedule's occurrence queued this many jobs.
    FannedOut(usize),
    Synced,
    Refreshed,
    /// Refreshing failed in a way the connection's status now shows.
    RefreshFailed(String),
    Summary(SummaryOutcome),
    Notified,
    Purged,
}

pub async fn run(stint: &Stint, job: &Job) -> Result<Done, JobFailure> {
    match job {
        Job::Tick { schedule, at } => tick(stint, *schedule, *at).await.map(Done::FannedOut),
        Job::Sync { run_id, .. } => {
            stint_core::sync::run(stint, *run_id).await?;
            Ok(Done::Synced)
        }
        Job::RefreshToken {
            integration_id,
            version,
            ..
        } => Ok(refresh_token(stint, *integration_id, *version).await),
        Job::DailySummary { user_id, date } => Ok(Done::Summary(
            summary::post_for_day(stint, *user_id, *date).await?,
        )),
        Job::Notify { notice } => {
            stint_core::notify::post_notice(stint, *notice).await?;
            Ok(Done::Notified)
        }
        Job::Retention => {
            retention(stint).await?;
            Ok(Done::Purged)
        }
    }
}

/// One occurrence of a schedule: queues one job per connection or user it concerns. Queued
/// twice (a retry, another process), it queues nothing twice: sync runs refuse a second run of
/// a busy connection and the other jobs carry idempotency keys.
pub async fn tick(
    stint: &Stint,
    schedule: Schedule,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<usize, JobFailure> {
    match schedule {
        Schedule::CalendarSync => sync_connections(stint, Source::Polled).await,
        Schedule::CatchUp => sync_connections(stint, Source::WebhookDriven).await,
        Schedule::DailySummary => {
            let window = chrono::Duration::minutes(30);
            let due = summary::due(stint, at, at + window).await?;
            let count = due.len();
            for (user_id, date) in due {
                stint
                    .jobs
                    .push(Job::DailySummary { user_id, date }, None)
                    .await?;
            }
            Ok(count)
        }
        Schedule::TokenRefresh => {
            let due = stint_core::integrations::tokens::due_for_refresh(stint, SWEEP_BATCH).await?;
            let count = due.len();
            for token in due {
                let job = Job::RefreshToken {
                    integration_id: token.integration_id,
                    provider: token.provider,
                    version: token.version,
                };
                stint.jobs.push(job, None).await?;
            }
            Ok(count)
        }
        Schedule::Retention => {
            retention(stint).await?;
            Ok(0)
        }
    }
}

/// Connections refreshed by one sweep at most; the rest wait ten minutes for the next.
const SWEEP_BATCH: u64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Sources that only Stint's asking brings up to date (calendars): synced on their schedule.
    Polled,
    /// Sources that push their changes by webhook: synced hourly to recover a missed delivery.
    WebhookDriven,
}

async fn sync_connections(stint: &Stint, source: Source) -> Result<usize, JobFailure> {
    let providers: Vec<_> = stint
        .catalogue
        .connectors()
        .filter(|c| c.source.is_some())
        .filter(|c| (c.webhook.is_some()) == (source == Source::WebhookDriven))
        .map(|c| c.spec.key)
        .collect();
    let interval = Duration::from_secs(u64::from(stint.config.worker.calendar_sync_minutes) * 60);
    let mut queued = 0;
    for connection in stint_core::integrations::connections::active_of(stint, &providers).await? {
        // Polled syncs are spread over the interval: a provider's per-minute quota sees a steady
        // trickle, not every member at :00 and :30.
        let delay = (source == Source::Polled).then(|| spread(connection.id, interval));
        match stint_core::sync::queue_after(stint, &connection, SyncTrigger::Schedule, delay).await
        {
            Ok(_) => queued += 1,
            // Already queued or running (another process's tick, a manual sync): that run will do.
            Err(CoreError::Conflict(_)) => {}
            // A connection whose settings are incomplete is its owner's to fix; the others go on.
            Err(err @ CoreError::Validation { .. }) => {
                tracing::info!(connection = %connection.id, reason = %err.public_detail(), "not syncing a connection");
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(queued)
}

/// Where in `interval` a connection's scheduled sync runs: the same place every time, different
/// for different connections.
pub(crate) fn spread(connection: Uuid, interval: Duration) -> Duration {
    let seconds = interval.as_secs().max(1);
    let offset = u64::try_from(connection.as_u128() % u128::from(seconds)).unwrap_or(0);
    Duration::from_secs(offset)
}

async fn refresh_token(stint: &Stint, integration_id: Uuid, version: i64) -> Done {
    match stint_core::integrations::tokens::refresh_ahead(stint, integration_id, version).await {
        Ok(()) => Done::Refreshed,
        // The refresh already marked the connection (needs_reauth, error) where its owner sees
        // it; trying again would only ask the provider the same question.
        Err(err) => {
            tracing::info!(%integration_id, reason = %err, "a token sweep refresh failed");
            Done::RefreshFailed(err.to_string())
        }
    }
}

async fn retention(stint: &Stint) -> Result<(), JobFailure> {
    stint_core::retention::purge(stint).await?;
    let cutoff = stint.clock.now()
        - chrono::Duration::from_std(stint.config.retention)
            .unwrap_or_else(|_| chrono::Duration::days(30));
    stint.jobs.purge_finished(cutoff).await?;
    Ok(())
}

/// Tries within one job before apalis records it failed (and, below its attempt limit, takes it
/// up again).
pub const TRIES: usize = 3;

/// Pauses between those tries: exponential from 5 s with jitter, at most 10 minutes.
pub fn retry_policy() -> backon::ExponentialBuilder {
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(5))
        .with_max_delay(Duration::from_secs(600))
        .with_max_times(TRIES - 1)
        .with_jitter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_syncs_spread_evenly_over_the_interval() {
        let interval = Duration::from_secs(30 * 60);
        let mut buckets = [0u32; 6];
        for _ in 0..6_000 {
            let id = Uuid::now_v7();
            let offset = spread(id, interval);
            assert!(offset < interval);
            assert_eq!(spread(id, interval), offset, "the same place every time");
            buckets[usize::try_from(offset.as_secs() / 300).unwrap()] += 1;
        }
        // Each five minutes gets about a sixth (1,000); no burst anywhere.
        for count in buckets {
            assert!((800..=1_200).contains(&count), "{buckets:?}");
        }
    }

    #[test]
    fn retries_grow_with_jitter_and_are_capped() {
        use backon::BackoffBuilder;
        let pauses: Vec<Duration> = retry_policy().build().collect();
        assert_eq!(pauses.len(), TRIES - 1);
        for pause in &pauses {
            assert!(*pause >= Duration::from_secs(5), "{pause:?}");
            // Jitter adds up to the delay itself on top of it.
            assert!(*pause <= Duration::from_secs(1200), "{pause:?}");
        }
        // Jittered: fifty first pauses are not all the same.
        let firsts: std::collections::HashSet<_> = (0..50)
            .filter_map(|_| retry_policy().build().next())
            .collect();
        assert!(firsts.len() > 1);
    }
}
