use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::Accounts;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::{CryptoError, KeyRing};
use stint_connectors::Catalogue;
use stint_connectors::Providers;

/// Everything a service needs: the database, the clock, the configuration and the keys.
/// Cheap to clone; one per process.
#[derive(Clone)]
pub struct Stint {
    pub db: DatabaseConnection,
    /// The process's own pool, which its background tasks (the webhook intake, sweeps) use: the
    /// same as `db`, except in an HTTP worker's copy on PostgreSQL (`for_http_workers`).
    pub process_db: DatabaseConnection,
    pub clock: Clock,
    pub config: Arc<Config>,
    /// Session keys, login limits and the caches of who a caller is.
    pub accounts: Arc<Accounts>,
    pub write_turns: Arc<crate::db::WriteTurns>,
    /// Pages of time entries, served while their user's entries are unchanged.
    pub entry_pages: Arc<crate::state::entry_pages::EntryPages>,
    /// Every provider's entry and the capabilities its module implements.
    pub catalogue: Arc<Catalogue>,
    pub keys: Arc<KeyRing>,
    /// Connections' caches and token refresh locks.
    pub integrations: Arc<crate::state::integrations::Integrations>,
    pub intake: Arc<crate::state::intake_queue::Intake>,
    /// Background work, queued in the database for whichever worker takes it.
    pub jobs: crate::jobs::JobQueue,
    /// Hits and misses of the caches above, for `/metrics`.
    pub cache_metrics: Arc<crate::cache_metrics::CacheMetrics>,
    /// The id of every sync run that finishes in this process, for whoever follows them.
    pub finished_syncs: tokio::sync::broadcast::Sender<uuid::Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sea_orm::DbErr),
    #[error("database migration failed: {0}")]
    Migrate(#[source] sea_orm::DbErr),
    #[error("STINT_SECRET_KEYS: {0}")]
    Keys(#[source] CryptoError),
    #[error(
        "{table}.{column} holds a value encrypted with key `{key_id}`, which STINT_SECRET_KEYS does not contain; \
         add that key back to the ring (Stint never reads such a value as plain text)"
    )]
    MissingKey {
        table: &'static str,
        column: &'static str,
        key_id: String,
    },
    #[error(transparent)]
    Queue(#[from] crate::jobs::QueueError),
    #[error("cannot set up metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("cannot check stored secrets: {0}")]
    Scan(#[source] sea_orm::DbErr),
}

impl Stint {
    /// Connects, applies pending migrations and checks that every stored secret names a key of
    /// the ring.
    pub async fn start(
        config: Config,
        clock: Clock,
        providers: Providers,
    ) -> Result<Stint, StartError> {
        let pool_size = crate::db::process_pool_size(
            &config.database_url,
            config.database_pool_size,
            config.intake_writers,
        );
        let db = crate::db::connect(&config.database_url, pool_size)
            .await
            .map_err(StartError::Connect)?;
        let applied = crate::db::migrate(&db).await.map_err(StartError::Migrate)?;
        if applied > 0 {
            tracing::info!(applied, "applied database migrations");
        }
        let keys = KeyRing::new(&config.secret_keys).map_err(StartError::Keys)?;
        check_stored_keys(&db, &keys).await?;
        let jobs =
            crate::jobs::JobQueue::open(&db, &config.worker.queue, config.worker.heartbeat).await?;
        let cache_metrics = crate::cache_metrics::CacheMetrics::new()?;
        Ok(Stint {
            process_db: db.clone(),
            db,
            clock,
            catalogue: Arc::new(Catalogue::new(providers.connectors, &config.providers)),
            intake: Arc::default(),
            finished_syncs: tokio::sync::broadcast::channel(64).0,
            keys: Arc::new(keys),
            jobs,
            integrations: Arc::new(crate::state::integrations::Integrations::new(
                providers.oauth,
            )),
            accounts: Arc::new(Accounts::new(
                &config.jwt_secret,
                cache_metrics.counter("principals"),
            )),
            write_turns: Arc::default(),
            entry_pages: Arc::new(crate::state::entry_pages::EntryPages::new(
                cache_metrics.counter("entry_pages"),
            )),
            cache_metrics: Arc::new(cache_metrics),
            config: Arc::new(config),
        })
    }
}

impl Stint {
    /// One `Stint` for each of `workers` HTTP workers. On PostgreSQL each has a pool of its own
    /// (`db::connect_worker_pool`); everything else is shared. On SQLite, whose connections run
    /// on threads of their own, there is just this one.
    pub async fn for_http_workers(&self, workers: usize) -> Result<Vec<Stint>, StartError> {
        if self.db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            return Ok(vec![self.clone()]);
        }
        let mut stints = Vec::with_capacity(workers);
        for _ in 0..workers.max(1) {
            let db = crate::db::connect_worker_pool(
                &self.config.database_url,
                self.config.database_pool_size,
                workers,
            )
            .await
            .map_err(StartError::Connect)?;
            stints.push(Stint { db, ..self.clone() });
        }
        Ok(stints)
    }

    /// A write transaction in its turn (see `db::begin_write`).
    pub async fn begin_write(&self) -> Result<crate::db::WriteTransaction, sea_orm::DbErr> {
        crate::db::begin_write(&self.db, &self.write_turns).await
    }
}

/// Every column that holds a ciphertext.
pub const ENCRYPTED_COLUMNS: &[(&str, &str)] = &[
    ("provider_apps", "client_secret_enc"),
    ("provider_apps", "webhook_secret_enc"),
    ("provider_apps", "signing_secret_enc"),
    ("provider_apps", "api_key_enc"),
    ("integrations", "webhook_secret_enc"),
    ("credentials", "access_token_enc"),
    ("credentials", "refresh_token_enc"),
    ("oauth_states", "pkce_verifier_enc"),
];

async fn check_stored_keys(db: &DatabaseConnection, keys: &KeyRing) -> Result<(), StartError> {
    use sea_orm::{ConnectionTrait, Statement};
    for (table, column) in ENCRYPTED_COLUMNS {
        let sql = format!("SELECT {column} AS value FROM {table} WHERE {column} IS NOT NULL");
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .map_err(StartError::Scan)?;
        for row in rows {
            let value: String = row.try_get("", "value").map_err(StartError::Scan)?;
            let key_id = KeyRing::key_id_of(&value).unwrap_or_default();
            if !keys.has_key(key_id) {
                return Err(StartError::MissingKey {
                    table,
                    column,
                    key_id: key_id.to_owned(),
                });
            }
        }
    }
    Ok(())
}
