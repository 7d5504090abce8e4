//! Database connection and migrations, for the embedded SQLite default and for PostgreSQL.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use stint_migrations::Migrator;
use tokio::sync::OwnedMutexGuard;

const SQLITE_POOL_SIZE: u32 = 8;

/// Two connections per core, at least four: more connections than the cores can serve only queue
/// inside PostgreSQL, where they cost memory and lengthen the slowest answers (on 2 cores, 16
/// connections gave `/tt status` a p99 of 12–14 ms, 4 gave 9.6–9.8 ms).
fn default_postgres_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(4, 32)
}

/// The process's own pool (the intake, the sweep, the jobs): on PostgreSQL never smaller than
/// the intake's writers and two more, whatever the pool size says. A writer waiting for a
/// connection holds its batch's deliveries unanswered, and the sweep and jobs behind it time out.
pub fn process_pool_size(url: &str, configured: Option<u32>, intake_writers: usize) -> Option<u32> {
    if is_sqlite(url) {
        return configured;
    }
    let needed = u32::try_from(intake_writers)
        .unwrap_or(u32::MAX)
        .saturating_add(2);
    Some(
        configured
            .unwrap_or_else(default_postgres_pool_size)
            .max(needed),
    )
}

pub async fn connect(url: &str, pool_size: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    let options = options(url, pool_size);
    let db = Database::connect(options).await?;
    restrict_sqlite_files(url);
    Ok(db)
}

/// A PostgreSQL pool of its own for one of `workers` HTTP workers, opening its connections when
/// first asked; the configured pool size is shared among the workers. Each worker runs its own
/// single-threaded runtime, and a connection's socket is watched by the runtime that opened it:
/// a connection opened by another runtime would wake that runtime's thread on every answer,
/// which then wakes the worker's.
pub async fn connect_worker_pool(
    url: &str,
    pool_size: Option<u32>,
    workers: usize,
) -> Result<DatabaseConnection, DbErr> {
    let total = pool_size.unwrap_or_else(default_postgres_pool_size);
    let each = (total / u32::try_from(workers.max(1)).unwrap_or(u32::MAX)).max(2);
    let mut options = options(url, Some(each));
    options.min_connections(0).connect_lazy(true);
    Database::connect(options).await
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

fn options(url: &str, pool_size: Option<u32>) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    // A down database must fail start-up and requests quickly, not hang them.
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5));
    if is_sqlite(url) {
        // WAL lets readers run beside the single writer; `synchronous=NORMAL` is durable in WAL
        // mode except for the last transactions before a power cut; writers wait for each other
        // instead of failing with SQLITE_BUSY.
        // Each SQLite connection runs on a thread of its own; SQLite serialises writers anyway.
        // sqlx pings a connection before handing it out; a SQLite connection is a file handle
        // on a thread of its own, which cannot have been dropped by a server, so the ping would
        // only cost each query a second hand-off to that thread.
        options
            .max_connections(pool_size.unwrap_or(SQLITE_POOL_SIZE))
            .min_connections(1)
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // A checkpoint run by whichever connection commits past 1,000 pages stalls
                    // that writer for the checkpoint's fsync; a serving process checkpoints in the
                    // background instead (`spawn_checkpoints`), and SQLite still checkpoints
                    // when the last connection closes.
                    .pragma("wal_autocheckpoint", "0")
                    // Each connection keeps a private page cache (2 MB by default, eight connections):
                    // the operating system caches the file once for all of them, so a small one
                    // costs little. `just bench-api`'s uncached path: 512 KiB gave 4,473 req/s at
                    // 95 MB resident against ~3,970 req/s at 125 MB with the default.
                    .pragma("cache_size", "-512")
            });
    } else {
        // sqlx pings each connection before handing it out. Kept on PostgreSQL: without it, a
        // connection left behind by a job cancelled mid-way reached the next caller unfit
        // (slack::three_worker_processes_post_each_summary_once failed at once). A ping cannot
        // tell that a connection is still inside a transaction: sqlx itself must roll back a
        // `BEGIN` cut off on the wire, which it does from 0.9.1 (tests/database_pool.rs).
        options
            .max_connections(pool_size.unwrap_or_else(default_postgres_pool_size))
            .min_connections(1);
    }
    options
}

/// The database file holds every encrypted secret and every hash: only its owner may read it,
/// whatever the umask said when SQLite made it.
fn restrict_sqlite_files(url: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .and_then(|rest| rest.split('?').next())
            .filter(|path| !path.is_empty() && !path.starts_with(':'))
        else {
            return;
        };
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            if std::path::Path::new(&file).exists()
                && let Err(err) =
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
            {
                tracing::warn!(%file, error = %err, "could not make the database file private");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = url;
}

/// Applies pending migrations; returns how many ran.
pub async fn migrate(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let pending = Migrator::get_pending_migrations(db).await?.len();
    Migrator::up(db, None).await?;
    Ok(pending)
}

/// A cheap round trip, for readiness checks.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// A transaction that will write. On SQLite it takes the write lock at `BEGIN` (`IMMEDIATE`): a
/// deferred transaction that reads first fails with `SQLITE_BUSY_SNAPSHOT` when another connection
/// commits before its first write, and no busy timeout helps with that. Writers of this process
/// also queue for their turn first (first come, first served): SQLite's busy handler retries after
/// sleeps, and a writer that commits and begins again at once can starve one that sleeps.
pub struct WriteTransaction {
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

/// Whose turn it is to write, within one process.
#[derive(Default)]
pub struct WriteTurns(std::sync::Arc<tokio::sync::Mutex<()>>);

pub async fn begin_write(
    db: &DatabaseConnection,
    turns: &WriteTurns,
) -> Result<WriteTransaction, DbErr> {
    let turn = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => Some(turns.0.clone().lock_owned().await),
        _ => None,
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Ok(WriteTransaction { txn, _turn: turn })
}

/// How often a serving process copies the SQLite write-ahead log into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// On SQLite, checkpoints the write-ahead log in the background (`PASSIVE`: it waits for no reader
/// or writer), so that no request pays for a checkpoint. Nothing to do on PostgreSQL.
pub fn spawn_checkpoints(db: &DatabaseConnection) {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = db
                .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                .await
            {
                tracing::debug!(error = %err, "WAL checkpoint failed; retrying on the next tick");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSTGRES: &str = "postgres://stint@localhost/stint";

    #[test]
    fn the_process_pool_has_room_for_every_intake_writer_on_postgres() {
        assert_eq!(process_pool_size(POSTGRES, Some(4), 8), Some(10));
        assert_eq!(process_pool_size(POSTGRES, Some(20), 8), Some(20));
        assert_eq!(process_pool_size(POSTGRES, Some(1), 1), Some(3));
        assert_eq!(
            process_pool_size(POSTGRES, None, 32),
            Some(default_postgres_pool_size().max(34))
        );
        assert_eq!(
            process_pool_size(POSTGRES, None, 2),
            Some(default_postgres_pool_size())
        );
    }

    #[test]
    fn sqlite_keeps_its_pool_size_as_configured() {
        assert_eq!(
            process_pool_size("sqlite://stint.db?mode=rwc", Some(3), 8),
            Some(3)
        );
        assert_eq!(process_pool_size("sqlite::memory:", None, 8), None);
    }
}
