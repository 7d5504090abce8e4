//! Forgetting what is no longer needed: webhook delivery records and finished sync runs older than
//! the retention (`STINT_RETENTION`, 30 days by default), and OAuth states once they have expired.
//! Without it, anyone able to send a refused webhook could grow the database without end.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use stint_api_types::webhooks::{DeliveryOutcome, SyncStatus};
use stint_entity::{ended_session, oauth_state, sync_run, webhook_delivery};

use crate::context::Stint;
use crate::error::CoreError;
use crate::wire::wire_name;

/// What one purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub deliveries: u64,
    pub sync_runs: u64,
    pub oauth_states: u64,
}

pub async fn purge(stint: &Stint) -> Result<Purged, CoreError> {
    let now = stint.clock.now();
    let cutoff = now
        - chrono::Duration::from_std(stint.config.retention)
            .unwrap_or_else(|_| chrono::Duration::days(30));
    // A delivery still waiting to be applied is kept whatever its age.
    let deliveries = webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::ReceivedAt.lt(cutoff))
        .filter(webhook_delivery::Column::Outcome.ne(wire_name(&DeliveryOutcome::Queued)))
        .exec(&stint.db)
        .await?
        .rows_affected;
    let sync_runs = sync_run::Entity::delete_many()
        .filter(sync_run::Column::QueuedAt.lt(cutoff))
        .filter(sync_run::Column::Status.is_in([
            wire_name(&SyncStatus::Succeeded),
            wire_name(&SyncStatus::Failed),
        ]))
        .exec(&stint.db)
        .await?
        .rows_affected;
    // A signed-out session is remembered until it would have expired anyway.
    ended_session::Entity::delete_many()
        .filter(ended_session::Column::ExpiresAt.lt(now))
        .exec(&stint.db)
        .await?;
    let oauth_states = oauth_state::Entity::delete_many()
        .filter(oauth_state::Column::ExpiresAt.lt(now))
        .exec(&stint.db)
        .await?
        .rows_affected;
    let purged = Purged {
        deliveries,
        sync_runs,
        oauth_states,
    };
    if purged != Purged::default() {
        tracing::info!(?purged, "forgot records past their retention");
    }
    Ok(purged)
}
