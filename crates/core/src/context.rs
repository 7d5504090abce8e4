use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::{LoginLimiter, SessionKeys};
use crate::clock::Clock;
use crate::config::Config;

/// Everything a service needs: the database, the clock, the configuration and the keys.
/// Cheap to clone; one per process.
#[derive(Clone)]
pub struct Stint {
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub config: Arc<Config>,
    pub sessions: Arc<SessionKeys>,
    pub login_limiter: Arc<LoginLimiter>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sea_orm::DbErr),
    #[error("database migration failed: {0}")]
    Migrate(#[source] sea_orm::DbErr),
}

impl Stint {
    /// Connects and applies pending migrations.
    pub async fn start(config: Config, clock: Clock) -> Result<Stint, StartError> {
        let db = crate::db::connect(&config.database_url, config.database_pool_size)
            .await
            .map_err(StartError::Connect)?;
        let applied = crate::db::migrate(&db).await.map_err(StartError::Migrate)?;
        if applied > 0 {
            tracing::info!(applied, "applied database migrations");
        }
        Ok(Stint {
            db,
            clock,
            sessions: Arc::new(SessionKeys::new(&config.jwt_secret)),
            login_limiter: Arc::new(LoginLimiter::new()),
            config: Arc::new(config),
        })
    }
}
