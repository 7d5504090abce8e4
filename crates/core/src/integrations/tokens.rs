//! `get_valid_token`: an access token that is good for at least the provider's refresh margin,
//! refreshing it when needed — exactly once however many callers ask at the same moment, in one
//! process (single-flight) or in several sharing the database (a lease on the credential row,
//! taken and given back with short writes, so no transaction is open while the provider is
//! asked), and never overwriting a newer token (version compare-and-swap).

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use stint_api_types::providers::{IntegrationStatus, ProviderKey};
use stint_entity::{credential, integration};
use uuid::Uuid;

use super::credentials::{self, StoredTokens};
use super::provider_apps;
use crate::context::Stint;
use crate::error::CoreError;
pub use crate::state::refresh_locks::RefreshLocks;
use crate::wire::wire_name;
use stint_connectors::Secret;
use stint_connectors::{AppCredentials, GatewayError};

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the integration is not connected")]
    NotConnected,
    /// The grant is dead; a person must reconnect. The reason is shown to them.
    #[error("reconnect needed: {0}")]
    NeedsReauth(String),
    /// The provider could not be reached after retries; nothing changed.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl TokenError {
    /// What to tell a person about `name`'s token: a dead grant says to reconnect.
    pub fn reason_for(&self, name: &str) -> String {
        match self {
            TokenError::NeedsReauth(reason) => format!("reconnect {name}: {reason}"),
            err => err.to_string(),
        }
    }
}

impl From<sea_orm::DbErr> for TokenError {
    fn from(err: sea_orm::DbErr) -> Self {
        TokenError::Core(err.into())
    }
}

fn fresh(tokens: &StoredTokens, now: DateTime<Utc>, margin: Duration) -> bool {
    let margin =
        chrono::Duration::from_std(margin).unwrap_or_else(|_| chrono::Duration::minutes(10));
    tokens.expires_at.is_none_or(|at| at - margin > now)
}

async fn integration_of(
    stint: &Stint,
    id: Uuid,
) -> Result<(integration::Model, ProviderKey), TokenError> {
    let found = integration::Entity::find_by_id(id)
        .one(&stint.db)
        .await?
        .ok_or(TokenError::NotConnected)?;
    let key = ProviderKey::parse(&found.provider)
        .ok_or_else(|| CoreError::Internal(format!("unknown provider {}", found.provider)))?;
    Ok((found, key))
}

/// A usable access token for the integration; the connection is marked used.
pub async fn get_valid_token(stint: &Stint, integration_id: Uuid) -> Result<Secret, TokenError> {
    let token = valid_token(stint, integration_id).await?;
    mark_used(stint, integration_id).await;
    Ok(token)
}

/// Writes `last_used_at` at most once a minute per connection (in this process): a busy
/// connection costs one small write a minute, not one per call.
async fn mark_used(stint: &Stint, integration_id: Uuid) {
    let now = stint.clock.now();
    if !stint
        .integrations
        .refresh
        .due_for_use_mark(integration_id, now)
    {
        return;
    }
    let marked = integration::Entity::update_many()
        .col_expr(
            integration::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(integration::Column::Id.eq(integration_id))
        .exec(&stint.db)
        .await;
    if let Err(err) = marked {
        tracing::debug!(%integration_id, error = %err, "could not mark a connection used");
    }
}

async fn valid_token(stint: &Stint, integration_id: Uuid) -> Result<Secret, TokenError> {
    let key = match stint.integrations.refresh.known_provider(integration_id) {
        Some(key) => key,
        None => {
            let (_, key) = integration_of(stint, integration_id).await?;
            stint
                .integrations
                .refresh
                .remember_provider(integration_id, key);
            key
        }
    };
    let margin = provider_apps::spec(stint, key)?.refresh_margin;
    let tokens = credentials::load(stint, integration_id)
        .await?
        .ok_or(TokenError::NotConnected)?;
    if fresh(&tokens, stint.clock.now(), margin) {
        return Ok(tokens.access_token);
    }
    refresh(stint, integration_id, key, Some(tokens.version)).await
}

/// Refreshes after a provider refused the access token (401), unless another caller already
/// replaced the token that was refused (`refused_version`).
pub async fn refresh_after_rejection(
    stint: &Stint,
    integration_id: Uuid,
    refused_version: i64,
) -> Result<Secret, TokenError> {
    let (_, key) = integration_of(stint, integration_id).await?;
    refresh(stint, integration_id, key, Some(refused_version)).await
}

/// Refreshes after the provider refused the token just used, when the caller did not keep the
/// version it used: the stored one is taken as the refused one.
pub async fn refresh_refused(stint: &Stint, integration_id: Uuid) -> Result<Secret, TokenError> {
    let version = credentials::load(stint, integration_id)
        .await?
        .map(|t| t.version)
        .unwrap_or_default();
    refresh_after_rejection(stint, integration_id, version).await
}

/// Longest a refresh may hold its lease: more than the retries of a slow provider take.
const LEASE: Duration = Duration::from_secs(180);
/// How often a caller waiting for another's refresh looks again.
const LEASE_POLL: Duration = Duration::from_millis(50);

/// Refreshes unless the stored credential has moved past `seen_version` and is fresh: then
/// someone else refreshed and that token is used. Exactly one caller refreshes: in this process
/// the refresh lock, across processes a lease on the credential row taken with a short
/// compare-and-swap write. The provider is called with no transaction open, and the new grant is
/// written only over the version the lease was taken on.
async fn refresh(
    stint: &Stint,
    integration_id: Uuid,
    key: ProviderKey,
    seen_version: Option<i64>,
) -> Result<Secret, TokenError> {
    let spec = provider_apps::spec(stint, key)?.clone();
    let lock = stint.integrations.refresh.lock_for(integration_id);
    let _in_process = lock.lock().await;

    let waiting_since = std::time::Instant::now();
    let stored = loop {
        let row = credential::Entity::find_by_id(integration_id)
            .one(&stint.db)
            .await?
            .ok_or(TokenError::NotConnected)?;
        let stored = credentials::decrypt(stint, &row)?;
        let now = stint.clock.now();
        if seen_version.is_some_and(|seen| stored.version != seen)
            && fresh(&stored, now, spec.refresh_margin)
        {
            return Ok(stored.access_token);
        }
        // A lease left behind by a process that died is taken over once it has run out, whatever
        // the clock says.
        let stale = waiting_since.elapsed() > LEASE;
        if take_lease(stint, integration_id, stored.version, now, stale).await? {
            break stored;
        }
        tokio::time::sleep(LEASE_POLL).await;
    };
    let now = stint.clock.now();
    let Some(refresh_token) = stored.refresh_token.clone() else {
        release_lease(stint, integration_id, stored.version).await?;
        let reason = format!(
            "the {} access token expired and there is no refresh token; reconnect",
            spec.display_name
        );
        mark(
            stint,
            integration_id,
            IntegrationStatus::NeedsReauth,
            &reason,
        )
        .await?;
        return Err(TokenError::NeedsReauth(reason));
    };
    let app = provider_apps::load(stint, key).await?;
    let credentials = AppCredentials {
        client_id: app.client_id.clone().unwrap_or_default(),
        client_secret: app.client_secret.clone(),
    };

    // Network failures and 5xx are retried with backoff and jitter; a refused grant is not.
    let attempt = || async {
        stint
            .integrations
            .oauth
            .refresh(&spec, &credentials, &refresh_token)
            .await
    };
    let outcome = attempt
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_secs(5))
                .with_max_times(3)
                .with_jitter(),
        )
        .when(|err| matches!(err, GatewayError::Inconclusive(_)))
        .await;

    match outcome {
        Ok(grant) => {
            // Compare-and-swap over the version the lease was taken on; the write ends the lease.
            match credentials::store(
                stint,
                &stint.db,
                integration_id,
                &grant,
                now,
                Some(stored.version),
            )
            .await
            {
                Ok(()) => {}
                Err(CoreError::Conflict(_)) => {
                    // The lease ran out and another caller refreshed meanwhile: theirs stands.
                    let current = credentials::load(stint, integration_id)
                        .await?
                        .ok_or(TokenError::NotConnected)?;
                    return Ok(current.access_token);
                }
                Err(other) => {
                    release_lease(stint, integration_id, stored.version).await?;
                    return Err(other.into());
                }
            }
            if stored.expires_at.is_some_and(|at| at <= now) {
                tracing::info!(provider = %key, integration = %integration_id, "refreshed an expired access token");
            }
            mark_active_if_needed(stint, integration_id).await?;
            Ok(grant.access_token)
        }
        Err(GatewayError::DeadGrant(reason)) => {
            release_lease(stint, integration_id, stored.version).await?;
            // A lost race looks like a revocation: the token refused may already be replaced.
            if let Some(current) = credentials::load(stint, integration_id).await?
                && current.version != stored.version
            {
                return Ok(current.access_token);
            }
            let reason = format!(
                "{} refused the stored grant ({reason}); reconnect",
                spec.display_name
            );
            mark(
                stint,
                integration_id,
                IntegrationStatus::NeedsReauth,
                &reason,
            )
            .await?;
            Err(TokenError::NeedsReauth(reason))
        }
        Err(other) => {
            release_lease(stint, integration_id, stored.version).await?;
            Err(TokenError::Unavailable(other.to_string()))
        }
    }
}

/// Takes the refresh lease of the credential at `version`, unless another caller holds it (or
/// the credential moved on). One short write: nobody waits on it for long.
async fn take_lease(
    stint: &Stint,
    integration_id: Uuid,
    version: i64,
    now: DateTime<Utc>,
    take_over: bool,
) -> Result<bool, TokenError> {
    use sea_orm::Condition;
    let until = now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::minutes(3));
    let mut update = credential::Entity::update_many()
        .col_expr(
            credential::Column::RefreshLeaseUntil,
            sea_orm::sea_query::Expr::value(Some(until)),
        )
        .filter(credential::Column::IntegrationId.eq(integration_id))
        .filter(credential::Column::Version.eq(version));
    // Taking over ignores whatever lease is held; otherwise only a free or run-out one is taken.
    if !take_over {
        update = update.filter(
            Condition::any()
                .add(credential::Column::RefreshLeaseUntil.is_null())
                .add(credential::Column::RefreshLeaseUntil.lte(now)),
        );
    }
    let taken = update.exec(&stint.db).await?;
    Ok(taken.rows_affected == 1)
}

async fn release_lease(
    stint: &Stint,
    integration_id: Uuid,
    version: i64,
) -> Result<(), TokenError> {
    credential::Entity::update_many()
        .col_expr(
            credential::Column::RefreshLeaseUntil,
            sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(credential::Column::IntegrationId.eq(integration_id))
        .filter(credential::Column::Version.eq(version))
        .exec(&stint.db)
        .await?;
    Ok(())
}

async fn mark(
    stint: &Stint,
    integration_id: Uuid,
    status: IntegrationStatus,
    reason: &str,
) -> Result<(), CoreError> {
    if let Some(found) = integration::Entity::find_by_id(integration_id)
        .one(&stint.db)
        .await?
    {
        let mut model = found.into_active_model();
        model.status = Set(wire_name(&status));
        model.status_reason = Set(Some(reason.to_owned()));
        model.updated_at = Set(stint.clock.now());
        model.update(&stint.db).await?;
    }
    Ok(())
}

async fn mark_active_if_needed(stint: &Stint, integration_id: Uuid) -> Result<(), CoreError> {
    let active = wire_name(&IntegrationStatus::Active);
    integration::Entity::update_many()
        .col_expr(
            integration::Column::Status,
            sea_orm::sea_query::Expr::value(active.clone()),
        )
        .col_expr(
            integration::Column::StatusReason,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(integration::Column::Id.eq(integration_id))
        .filter(integration::Column::Status.eq(wire_name(&IntegrationStatus::Error)))
        .exec(&stint.db)
        .await?;
    Ok(())
}

/// Refresh tokens are refreshed ahead of this much of their access token's life left.
pub const SWEEP_AHEAD: chrono::TimeDelta = chrono::TimeDelta::minutes(15);
/// A refresh token not used for this long is refreshed to keep it alive (Google's die after six
/// months unused, Microsoft's after 90 days, Xero's after 60).
pub const KEEP_ALIVE_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// A connection whose token the sweep should refresh, with the credential version it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub integration_id: Uuid,
    pub provider: ProviderKey,
    pub version: i64,
}

/// Active connections with a refresh token whose access token expires within `SWEEP_AHEAD`, or
/// that were last refreshed longer than `KEEP_ALIVE_AFTER` ago; at most `limit`, soonest first.
pub async fn due_for_refresh(stint: &Stint, limit: u64) -> Result<Vec<Due>, CoreError> {
    use sea_orm::{JoinType, QueryOrder, QuerySelect};
    let now = stint.clock.now();
    let rows: Vec<(Uuid, String, i64)> = credential::Entity::find()
        .select_only()
        .column(credential::Column::IntegrationId)
        .column(integration::Column::Provider)
        .column(credential::Column::Version)
        .join(
            JoinType::InnerJoin,
            credential::Entity::belongs_to(integration::Entity)
                .from(credential::Column::IntegrationId)
                .to(integration::Column::Id)
                .into(),
        )
        .filter(integration::Column::Status.eq(wire_name(&IntegrationStatus::Active)))
        .filter(credential::Column::RefreshTokenEnc.is_not_null())
        .filter(
            sea_orm::Condition::any()
                .add(credential::Column::ExpiresAt.lt(now + SWEEP_AHEAD))
                .add(credential::Column::UpdatedAt.lt(now - KEEP_ALIVE_AFTER)),
        )
        .order_by_asc(credential::Column::ExpiresAt)
        .limit(limit)
        .into_tuple()
        .all(&stint.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(integration_id, provider, version)| {
            Some(Due {
                integration_id,
                provider: ProviderKey::parse(&provider)?,
                version,
            })
        })
        .collect())
}

/// Refreshes a connection's token ahead of need, through the same exactly-once refresh as any
/// caller: if another caller already replaced version `seen_version`, nothing is refreshed.
pub async fn refresh_ahead(
    stint: &Stint,
    integration_id: Uuid,
    seen_version: i64,
) -> Result<(), TokenError> {
    let (_, key) = integration_of(stint, integration_id).await?;
    refresh(stint, integration_id, key, Some(seen_version)).await?;
    Ok(())
}
