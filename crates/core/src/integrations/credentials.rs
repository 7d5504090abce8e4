//! Storing and reading an integration's tokens, encrypted and bound to their row and field.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use stint_entity::credential;
use uuid::Uuid;

use crate::context::Stint;
use crate::crypto::SecretSlot;
use crate::error::CoreError;
use stint_connectors::Secret;
use stint_connectors::TokenGrant;

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
    match credential::Entity::find_by_id(integration_id)
        .one(&stint.db)
        .await?
    {
        Some(row) => decrypt(stint, &row).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn decrypt(stint: &Stint, row: &credential::Model) -> Result<StoredTokens, CoreError> {
    let id = row.integration_id.to_string();
    let open = |stored: &str, field: &str| {
        stint
            .keys
            .decrypt(stored, slot(&id, field))
            .map_err(|e| CoreError::Internal(format!("credentials of {id}: {e}")))
    };
    Ok(StoredTokens {
        access_token: open(&row.access_token_enc, "access_token")?,
        refresh_token: row
            .refresh_token_enc
            .as_deref()
            .map(|t| open(t, "refresh_token"))
            .transpose()?,
        expires_at: row.expires_at,
        version: row.version,
    })
}

/// Writes a grant, merged over what is stored: a provider that omits `refresh_token` keeps the
/// old one. The write is a compare-and-swap on the version read, so a slower writer holding an
/// older view changes nothing and learns it lost (`Conflict`); with `expected` the stored
/// version must be that one. Runs on `db`, so it can be part of the caller's transaction. Any
/// refresh lease ends with the write.
pub async fn store<C: ConnectionTrait>(
    stint: &Stint,
    db: &C,
    integration_id: Uuid,
    grant: &TokenGrant,
    now: DateTime<Utc>,
    expected: Option<i64>,
) -> Result<(), CoreError> {
    let id = integration_id.to_string();
    let encrypt = |value: &Secret, field: &str| {
        stint
            .keys
            .encrypt(value.expose(), slot(&id, field))
            .map_err(|e| CoreError::Internal(format!("encrypting credentials: {e}")))
    };
    let expires_at = match grant.expires_in {
        None => None,
        Some(expires_in) => Some(expiry(now, expires_in)?),
    };
    let access = encrypt(&grant.access_token, "access_token")?;
    let refresh = grant
        .refresh_token
        .as_ref()
        .map(|t| encrypt(t, "refresh_token"))
        .transpose()?;
    let key_id = stint.keys.active_key_id().to_owned();
    match credential::Entity::find_by_id(integration_id)
        .one(db)
        .await?
    {
        Some(existing) if expected.is_some_and(|v| v != existing.version) => {
            return Err(CoreError::Conflict(
                "the credential changed while it was being refreshed".to_owned(),
            ));
        }
        Some(existing) => {
            let refresh = refresh.or(existing.refresh_token_enc.clone());
            let written = credential::Entity::update_many()
                .col_expr(credential::Column::AccessTokenEnc, Expr::value(access))
                .col_expr(credential::Column::RefreshTokenEnc, Expr::value(refresh))
                .col_expr(
                    credential::Column::TokenType,
                    Expr::value(grant.token_type.clone()),
                )
                .col_expr(
                    credential::Column::Scopes,
                    Expr::value(grant.scopes.clone()),
                )
                .col_expr(credential::Column::ExpiresAt, Expr::value(expires_at))
                .col_expr(credential::Column::KeyId, Expr::value(key_id))
                .col_expr(
                    credential::Column::Version,
                    Expr::value(existing.version + 1),
                )
                .col_expr(credential::Column::UpdatedAt, Expr::value(now))
                .col_expr(
                    credential::Column::RefreshLeaseUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(credential::Column::IntegrationId.eq(integration_id))
                .filter(credential::Column::Version.eq(existing.version))
                .exec(db)
                .await?;
            if written.rows_affected != 1 {
                return Err(CoreError::Conflict(
                    "the credential changed while it was being written".to_owned(),
                ));
            }
        }
        None => {
            credential::ActiveModel {
                integration_id: Set(integration_id),
                access_token_enc: Set(access),
                refresh_token_enc: Set(refresh),
                token_type: Set(grant.token_type.clone()),
                scopes: Set(grant.scopes.clone()),
                expires_at: Set(expires_at),
                key_id: Set(key_id),
                version: Set(1),
                refresh_lease_until: Set(None),
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

/// No provider issues tokens for longer than this; a larger `expires_in` is a broken answer.
const LONGEST_TOKEN_LIFE: std::time::Duration = std::time::Duration::from_secs(5 * 366 * 86_400);

/// When a token granted now for `expires_in` expires; a nonsensical lifetime is refused rather
/// than stored as "never" or left to overflow.
fn expiry(now: DateTime<Utc>, expires_in: std::time::Duration) -> Result<DateTime<Utc>, CoreError> {
    let refused = || {
        CoreError::ProviderUnavailable(format!(
            "the provider said its token lasts {} seconds, which Stint does not accept",
            expires_in.as_secs()
        ))
    };
    if expires_in > LONGEST_TOKEN_LIFE {
        return Err(refused());
    }
    let lifetime = chrono::Duration::from_std(expires_in).map_err(|_| refused())?;
    now.checked_add_signed(lifetime)
        .map(crate::clock::truncate_to_seconds)
        .ok_or_else(refused)
}

#[cfg(test)]
mod expiry_tests {
    use super::*;

    #[test]
    fn huge_lifetimes_are_refused_not_overflowed() {
        let now = Utc::now();
        assert!(expiry(now, std::time::Duration::from_secs(3600)).is_ok());
        for seconds in [u64::MAX, i64::MAX as u64, 10_u64.pow(12), 6 * 366 * 86_400] {
            assert!(
                matches!(
                    expiry(now, std::time::Duration::from_secs(seconds)),
                    Err(CoreError::ProviderUnavailable(_))
                ),
                "{seconds}"
            );
        }
    }
}
