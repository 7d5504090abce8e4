//! Database connection and migrations, for the embedded SQLite default and for PostgreSQL.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use stint_migrations::Migrator;

const SQLITE_POOL_SIZE: u32 = 4;
const POSTGRES_POOL_SIZE: u32 = 16;

pub async fn connect(url: &str, pool_size: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    // A down database must fail start-up and requests quickly, not hang them.
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5));
    if url.starts_with("sqlite:") {
        // WAL lets readers run beside the single writer; `synchronous=NORMAL` is durable in WAL
        // mode except for the last transactions before a power cut; writers wait for each other
        // instead of failing with SQLITE_BUSY.
        // Each SQLite connection runs on a thread of its own; SQLite serialises writers anyway.
        options
            .max_connections(pool_size.unwrap_or(SQLITE_POOL_SIZE))
            .min_connections(1)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
    } else {
        options
            .max_connections(pool_size.unwrap_or(POSTGRES_POOL_SIZE))
            .min_connections(1);
    }
    Database::connect(options).await
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
/// commits before its first write, and no busy timeout helps with that.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
