//! What the admin's job list shows: counts by state, running and failed jobs, and when each
//! schedule runs next. Read straight from apalis's table, the one record of every job.

use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, Row};
use stint_api_types::webhooks::{JobRecord, JobsOverview, ScheduleInfo};

use super::queue::{JobQueue, QueueError, Storage};
use super::{Job, Schedule};
use crate::auth::Principal;
use crate::config::WorkerConfig;
use crate::error::CoreError;

const LISTED: i64 = 50;

/// The queue as the admin sees it at `now`, with the schedules `worker` configures.
pub async fn overview(
    queue: &JobQueue,
    worker: &WorkerConfig,
    now: DateTime<Utc>,
    principal: &Principal,
) -> Result<JobsOverview, CoreError> {
    if !principal.acts_as_admin() {
        return Err(CoreError::Forbidden("only admins see the job queue"));
    }
    let read = |e: QueueError| CoreError::Internal(e.to_string());
    let counts = queue.counts().await.map_err(read)?;
    Ok(JobsOverview {
        queued: counts.queued,
        running: counts.running,
        failed: counts.failed,
        done: counts.done,
        running_jobs: queue.list(Listing::Running).await.map_err(read)?,
        failed_jobs: queue.list(Listing::Failed).await.map_err(read)?,
        schedules: Schedule::ALL
            .iter()
            .map(|s| ScheduleInfo {
                name: s.name().to_owned(),
                cron: s.expression(worker),
                next: s.upcoming(worker, now, 3),
            })
            .collect(),
    })
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
    pub done: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Running,
    Failed,
}

// The SQL below is put together from constants only (table names, filters), never from input.
impl JobQueue {
    pub async fn counts(&self) -> Result<Counts, QueueError> {
        // `Failed` below its attempt limit is waiting for a retry: queued, as far as anyone cares.
        let sql = |table: &str, p1: &str| {
            format!(
                "SELECT CASE \
                   WHEN status IN ('Pending', 'Queued') THEN 'queued' \
                   WHEN status = 'Failed' AND attempts < max_attempts THEN 'queued' \
                   WHEN status = 'Running' THEN 'running' \
                   WHEN status IN ('Failed', 'Killed') THEN 'failed' \
                   ELSE 'done' END AS state, COUNT(*) AS n \
                 FROM {table} WHERE job_type = {p1} GROUP BY 1"
            )
        };
        let rows = match self.storage() {
            Storage::Sqlite(s) => sqlx::query(sqlx::AssertSqlSafe(sql("Jobs", "?1")))
                .bind(self.name())
                .fetch_all(s.pool())
                .await
                .map(|rows| rows.iter().map(state_count).collect::<Vec<_>>()),
            Storage::Postgres(s) => sqlx::query(sqlx::AssertSqlSafe(sql("apalis.jobs", "$1")))
                .bind(self.name())
                .fetch_all(s.pool())
                .await
                .map(|rows| rows.iter().map(state_count).collect::<Vec<_>>()),
        }
        .map_err(|e| QueueError::Read(e.to_string()))?;
        let mut counts = Counts::default();
        for (state, n) in rows {
            let (Ok(state), Ok(n)) = (state, n) else {
                continue;
            };
            match state.as_str() {
                "queued" => counts.queued += n,
                "running" => counts.running += n,
                "failed" => counts.failed += n,
                _ => counts.done += n,
            }
        }
        Ok(counts)
    }

    pub async fn list(&self, listing: Listing) -> Result<Vec<JobRecord>, QueueError> {
        let (filter, order) = match listing {
            Listing::Running => ("status = 'Running'", "run_at ASC"),
            Listing::Failed => (
                "(status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts))",
                "done_at DESC",
            ),
        };
        let read = |e: sqlx::Error| QueueError::Read(e.to_string());
        let records = match self.storage() {
            Storage::Sqlite(s) => {
                let sql = format!(
                    "SELECT id, job, attempts, max_attempts, run_at, done_at, last_result, lock_by \
                     FROM Jobs WHERE job_type = ?1 AND {filter} ORDER BY {order} LIMIT {LISTED}"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(self.name())
                    .fetch_all(s.pool())
                    .await
                    .map_err(read)?
                    .iter()
                    .map(record)
                    .collect()
            }
            Storage::Postgres(s) => {
                let sql = format!(
                    "SELECT id, job, attempts::bigint, max_attempts::bigint, \
                       EXTRACT(EPOCH FROM run_at)::bigint, EXTRACT(EPOCH FROM done_at)::bigint, \
                       last_result::text, lock_by \
                     FROM apalis.jobs WHERE job_type = $1 AND {filter} ORDER BY {order} LIMIT {LISTED}"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(self.name())
                    .fetch_all(s.pool())
                    .await
                    .map_err(read)?
                    .iter()
                    .map(record)
                    .collect()
            }
        };
        Ok(records)
    }
}

/// The columns the listing selects, in its order, from either database's row.
fn record<R>(r: &R) -> JobRecord
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Vec<u8>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let id: String = r.try_get(0).unwrap_or_default();
    let job: Vec<u8> = r.try_get(1).unwrap_or_default();
    let attempts: i64 = r.try_get(2).unwrap_or_default();
    let max_attempts: i64 = r.try_get(3).unwrap_or_default();
    let run_at: Option<i64> = r.try_get(4).ok().flatten();
    let done_at: Option<i64> = r.try_get(5).ok().flatten();
    let last_result: Option<String> = r.try_get(6).ok().flatten();
    let worker: Option<String> = r.try_get(7).ok().flatten();
    let value: serde_json::Value = serde_json::from_slice(&job).unwrap_or_default();
    let kind = serde_json::from_value::<Job>(value.clone())
        .map(|j| j.kind().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    let at = |s: Option<i64>| s.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
    JobRecord {
        id,
        kind,
        job: value,
        attempts,
        max_attempts,
        run_at: at(run_at),
        finished_at: at(done_at),
        last_error: last_result.filter(|r| r.contains("Err")),
        worker,
    }
}

fn state_count<R>(r: &R) -> (Result<String, sqlx::Error>, Result<i64, sqlx::Error>)
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    (r.try_get(0), r.try_get(1))
}
