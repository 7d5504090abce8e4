//! Storing and reading an integration's tokens, encrypted and bound to their row and field.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel};
use stint_entity::credential;
use uuid::Uuid;

use super::gateway::TokenGrant;
use crate::context::Stint;
use crate::crypto::SecretSlot;
use crate::error::CoreError;
use crate::secret::Secret;

const TABLE: &str = "credentials";

/// Decrypted tokens of an integration.
#[derive(Debug, Clone)]
pub struct StoredTokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_at: Option<DateTime<Utc>>,
    pub version: i64,
}

fn slot<'a>(row: &'a str, field: &'a str) -> SecretSlot<'a> {
    SecretSlot {
        table: TABLE,
        row,
        field,
    }
}

pub async fn load(stint: &Stint, integration_id: Uuid) -> Result<Option<StoredTokens>, CoreError> {
    let Some(row) = credential::Entity::find_by_id(integration_id)
        .one(&stint.db)
        .await?
    else {
        return Ok(None);
    };
    let id = integration_id.to_string();
    let decrypt = |stored: &str, field: &str| {
        stint
            .keys
            .decrypt(stored, slot(&id, field))
            .map_err(|e| CoreError::Internal(format!("credentials of {id}: {e}")))
    };
    Ok(Some(StoredTokens {
        access_token: decrypt(&row.access_token_enc, "access_token")?,
        refresh_token: row
            .refresh_token_enc
            .as_deref()
            .map(|t| decrypt(t, "refresh_token"))
            .transpose()?,
        expires_at: row.expires_at,
        version: row.version,
    }))
}

/// Writes a grant, merged over what is stored: a provider that omits `refresh_token` keeps the
/// old one. Runs on `db`, so it can be part of the caller's transaction.
pub async fn store<C: ConnectionTrait>(
    stint: &Stint,
    db: &C,
    integration_id: Uuid,
    grant: &TokenGrant,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    let id = integration_id.to_string();
    let encrypt = |value: &Secret, field: &str| {
        stint
            .keys
            .encrypt(value.expose(), slot(&id, field))
            .map_err(|e| CoreError::Internal(format!("encrypting credentials: {e}")))
    };
    let expires_at = grant
        .expires_in
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| crate::clock::truncate_to_seconds(now + d));
    let access = encrypt(&grant.access_token, "access_token")?;
    let refresh = grant
        .refresh_token
        .as_ref()
        .map(|t| encrypt(t, "refresh_token"))
        .transpose()?;
    match credential::Entity::find_by_id(integration_id)
        .one(db)
        .await?
    {
        Some(existing) => {
            let version = existing.version + 1;
            let keep_refresh = existing.refresh_token_enc.clone();
            let mut model = existing.into_active_model();
            model.access_token_enc = Set(access);
            model.refresh_token_enc = Set(refresh.or(keep_refresh));
            model.token_type = Set(grant.token_type.clone());
            model.scopes = Set(grant.scopes.clone());
            model.expires_at = Set(expires_at);
            model.key_id = Set(stint.keys.active_key_id().to_owned());
            model.version = Set(version);
            model.updated_at = Set(now);
            model.update(db).await?;
        }
        None => {
            credential::ActiveModel {
                integration_id: Set(integration_id),
                access_token_enc: Set(access),
                refresh_token_enc: Set(refresh),
                token_type: Set(grant.token_type.clone()),
                scopes: Set(grant.scopes.clone()),
                expires_at: Set(expires_at),
                key_id: Set(stint.keys.active_key_id().to_owned()),
                version: Set(1),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn delete<C: ConnectionTrait>(db: &C, integration_id: Uuid) -> Result<(), CoreError> {
    credential::Entity::delete_by_id(integration_id)
        .exec(db)
        .await?;
    Ok(())
}
