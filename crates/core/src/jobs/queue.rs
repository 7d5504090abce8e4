//! The job queue: apalis's storage in the application database (its `Jobs` table on SQLite, the
//! `apalis` schema on PostgreSQL), sharing sea-orm's pool, so queueing a job can never succeed
//! while the data it refers to is lost, and every process sees every job.

use std::time::Duration;

use apalis::prelude::{TaskBuilder, TaskSink, TaskSinkError};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, DatabaseConnection, sqlx};
use serde::Serialize;

use super::Job;

/// How many times a job is tried before it is left failed (with its last error) for an admin.
pub const MAX_ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("cannot prepare the job queue: {0}")]
    Setup(String),
    #[error("cannot queue a job: {0}")]
    Push(String),
    #[error("cannot read the job queue: {0}")]
    Read(String),
}

#[derive(Clone)]
pub struct JobQueue {
    name: std::sync::Arc<str>,
    storage: Storage,
    metrics: std::sync::Arc<super::metrics::JobMetrics>,
}

/// apalis's storage, by database.
#[derive(Clone)]
pub enum Storage {
    Sqlite(SqliteStorage<Job>),
    Postgres(PostgresStorage<Job>),
}

/// A job as the admin's list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct QueuedJob {
    pub id: String,
    pub job: Option<Job>,
    pub status: String,
    pub attempts: i64,
    pub run_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub last_result: Option<String>,
    pub worker: Option<String>,
}

impl JobQueue {
    /// Creates apalis's tables when missing and opens the queue named `queue` (every process of
    /// one deployment uses the same name; tests sharing a PostgreSQL server use one each).
    pub async fn open(
        db: &DatabaseConnection,
        queue: &str,
        heartbeat: Duration,
    ) -> Result<JobQueue, QueueError> {
        let setup = |e: &dyn std::fmt::Display| QueueError::Setup(e.to_string());
        let metrics =
            std::sync::Arc::new(super::metrics::JobMetrics::new().map_err(|e| setup(&e))?);
        match db.get_database_backend() {
            DatabaseBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                // Only the tables: apalis's own `setup` would also turn off `synchronous`, which
                // is this database's decision, not the queue's.
                SqliteStorage::<()>::migrations()
                    .run(pool)
                    .await
                    .map_err(|e| setup(&e))?;
                let config = apalis_sqlite::Config::default()
                    .queue(queue)
                    .heartbeat_interval(heartbeat);
                Ok(JobQueue {
                    name: queue.into(),
                    storage: Storage::Sqlite(SqliteStorage::new(pool).with_config(config)),
                    metrics,
                })
            }
            DatabaseBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                let mut conn = pool.acquire().await.map_err(|e| setup(&e))?;
                // apalis keeps its jobs in the `apalis` schema and its extension (hstore) and
                // migration record in `public`, whatever schema Stint's own tables live in.
                sqlx::query("SET search_path TO public")
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| setup(&e))?;
                let migrated = PostgresStorage::<()>::migrations().run(&mut *conn).await;
                sqlx::query("RESET search_path")
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| setup(&e))?;
                migrated.map_err(|e| setup(&e))?;
                let config = apalis_postgres::Config::default()
                    .queue(queue)
                    .heartbeat_interval(heartbeat);
                Ok(JobQueue {
                    name: queue.into(),
                    storage: Storage::Postgres(PostgresStorage::new(pool).with_config(config)),
                    metrics,
                })
            }
            other => Err(QueueError::Setup(format!("{other:?} is not supported"))),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// This process's job metrics (the worker records into them).
    pub fn metrics(&self) -> &super::metrics::JobMetrics {
        &self.metrics
    }

    /// Queues a job to run now, or after `delay`. A job with an idempotency key that is already
    /// queued (or done) is not queued again.
    pub async fn push(&self, job: Job, delay: Option<Duration>) -> Result<(), QueueError> {
        let mut task = TaskBuilder::new(job.clone()).max_attempts(MAX_ATTEMPTS);
        if let Some(key) = job.idempotency_key() {
            task = task.idempotency_key(key);
        }
        if let Some(delay) = delay {
            task = task.run_after(delay);
        }
        let task = task.build();
        let pushed = match &self.storage {
            Storage::Sqlite(storage) => match storage.clone().push_task(task).await {
                Ok(()) => Ok(()),
                Err(TaskSinkError::PushError(apalis_sqlite::Error::Database(e))) => Err(e),
                Err(other) => return Err(QueueError::Push(other.to_string())),
            },
            Storage::Postgres(storage) => match storage.clone().push_task(task).await {
                Ok(()) => Ok(()),
                Err(TaskSinkError::PushError(apalis_postgres::Error::Database(e))) => Err(e),
                Err(other) => return Err(QueueError::Push(other.to_string())),
            },
        };
        match pushed {
            Ok(()) => Ok(()),
            // The same key queued before (on PostgreSQL apalis refuses it; on SQLite it skips it):
            // the job exists, which is all that was asked.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(()),
            Err(e) => Err(QueueError::Push(e.to_string())),
        }
    }
}

impl JobQueue {
    /// Deletes jobs that finished (done, or failed for good) before `cutoff`.
    pub async fn purge_finished(&self, cutoff: DateTime<Utc>) -> Result<u64, QueueError> {
        let read = |e: sqlx::Error| QueueError::Read(e.to_string());
        let deleted = match &self.storage {
            Storage::Sqlite(storage) => sqlx::query(
                "DELETE FROM Jobs WHERE job_type = ?1 AND done_at < ?2 \
                 AND (status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts))",
            )
            .bind(&*self.name)
            .bind(cutoff.timestamp())
            .execute(storage.pool())
            .await
            .map_err(read)?
            .rows_affected(),
            Storage::Postgres(storage) => sqlx::query(
                "DELETE FROM apalis.jobs WHERE job_type = $1 AND done_at < $2 \
                 AND (status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts))",
            )
            .bind(&*self.name)
            .bind(cutoff)
            .execute(storage.pool())
            .await
            .map_err(read)?
            .rows_affected(),
        };
        Ok(deleted)
    }
}
