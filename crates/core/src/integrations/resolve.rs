//! Which connection serves a user for a provider: their own when it is active, else the
//! organisation's, else none, with a reason a person can act on. Every connector acting for a user
//! asks here; handlers decide no scope policy.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use stint_api_types::providers::{IntegrationScope, IntegrationStatus, ProviderKey};
use stint_entity::integration;
use uuid::Uuid;

use crate::error::CoreError;
use crate::wire::wire_name;

/// The connection chosen, and whose it is.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub integration: integration::Model,
    pub scope: IntegrationScope,
}

/// Why no connection serves the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved(pub String);

pub async fn connection<C: ConnectionTrait>(
    db: &C,
    key: ProviderKey,
    display_name: &str,
    user_id: Uuid,
) -> Result<Result<Resolved, Unresolved>, CoreError> {
    // Both candidates in one query: the user's own and the organisation's.
    let rows = integration::Entity::find()
        .filter(integration::Column::Provider.eq(key.as_str()))
        .filter(
            Condition::any()
                .add(integration::Column::UserId.eq(user_id))
                .add(integration::Column::UserId.is_null()),
        )
        .all(db)
        .await?;
    Ok(choose(rows, display_name, user_id))
}

fn choose(
    rows: Vec<integration::Model>,
    display_name: &str,
    user_id: Uuid,
) -> Result<Resolved, Unresolved> {
    let active = wire_name(&IntegrationStatus::Active);
    let (personal, global): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|row| row.user_id == Some(user_id));
    let personal = personal.into_iter().next();
    let global = global.into_iter().next();
    if let Some(row) = personal.as_ref().filter(|row| row.status == active) {
        return Ok(Resolved {
            integration: row.clone(),
            scope: IntegrationScope::Personal,
        });
    }
    if let Some(row) = global.as_ref().filter(|row| row.status == active) {
        return Ok(Resolved {
            integration: row.clone(),
            scope: IntegrationScope::Global,
        });
    }
    let describe = |row: &integration::Model| match &row.status_reason {
        Some(reason) => format!("{} ({reason})", row.status),
        None => row.status.clone(),
    };
    Err(Unresolved(match (personal, global) {
        (None, None) => {
            format!("{display_name} is not connected, neither by you nor for the organisation")
        }
        (Some(mine), None) => format!(
            "your {display_name} connection is {}; reconnect it",
            describe(&mine)
        ),
        (None, Some(org)) => format!(
            "you have no {display_name} connection and the organisation's is {}",
            describe(&org)
        ),
        (Some(mine), Some(org)) => format!(
            "your {display_name} connection is {} and the organisation's is {}",
            describe(&mine),
            describe(&org)
        ),
    }))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn row(user_id: Option<Uuid>, status: IntegrationStatus) -> integration::Model {
        let now = Utc::now();
        integration::Model {
            id: Uuid::now_v7(),
            provider: "github".into(),
            scope: if user_id.is_some() {
                "personal"
            } else {
                "global"
            }
            .into(),
            user_id,
            status: wire_name(&status),
            status_reason: None,
            external_account_id: None,
            external_account_label: None,
            config: serde_json::json!({}),
            webhook_secret_enc: None,
            connected_at: None,
            connected_by: None,
            last_sync_at: None,
            last_used_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn personal_wins_then_the_organisation_then_a_reason() {
        let me = Uuid::now_v7();
        let mine = row(Some(me), IntegrationStatus::Active);
        let org = row(None, IntegrationStatus::Active);
        let chosen = choose(vec![org.clone(), mine.clone()], "GitHub", me).unwrap();
        assert_eq!(chosen.integration.id, mine.id);
        assert_eq!(chosen.scope, IntegrationScope::Personal);

        let broken = row(Some(me), IntegrationStatus::NeedsReauth);
        let chosen = choose(vec![broken.clone(), org.clone()], "GitHub", me).unwrap();
        assert_eq!(chosen.integration.id, org.id);
        assert_eq!(chosen.scope, IntegrationScope::Global);

        let reason = choose(vec![broken], "GitHub", me).unwrap_err();
        assert!(reason.0.contains("needs_reauth"), "{reason:?}");
        let reason = choose(vec![], "GitHub", me).unwrap_err();
        assert!(reason.0.contains("not connected"), "{reason:?}");
    }
}
