//! Re-encrypting every stored secret under the active key. Safe to interrupt and run again: a
//! value already under the active key is skipped, and each rewrite is a compare-and-swap on the
//! old ciphertext, so a value written meanwhile (by a token refresh) is never overwritten.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, Value};
use sea_orm::{ConnectionTrait, DatabaseBackend, StatementBuilder};
use uuid::Uuid;

use crate::context::Stint;
use crate::crypto::{KeyRing, SecretSlot};
use crate::error::CoreError;

/// One encrypted column: its table, the primary key that names the row in the associated data,
/// and the field name used there.
struct EncryptedColumn {
    table: &'static str,
    primary_key: &'static str,
    key_is_uuid: bool,
    column: &'static str,
    field: &'static str,
}

const COLUMNS: &[EncryptedColumn] = &[
    EncryptedColumn {
        table: "provider_apps",
        primary_key: "provider",
        key_is_uuid: false,
        column: "client_secret_enc",
        field: "client_secret",
    },
    EncryptedColumn {
        table: "provider_apps",
        primary_key: "provider",
        key_is_uuid: false,
        column: "webhook_secret_enc",
        field: "webhook_secret",
    },
    EncryptedColumn {
        table: "provider_apps",
        primary_key: "provider",
        key_is_uuid: false,
        column: "signing_secret_enc",
        field: "signing_secret",
    },
    EncryptedColumn {
        table: "provider_apps",
        primary_key: "provider",
        key_is_uuid: false,
        column: "api_key_enc",
        field: "api_key",
    },
    EncryptedColumn {
        table: "integrations",
        primary_key: "id",
        key_is_uuid: true,
        column: "webhook_secret_enc",
        field: "webhook_secret",
    },
    EncryptedColumn {
        table: "credentials",
        primary_key: "integration_id",
        key_is_uuid: true,
        column: "access_token_enc",
        field: "access_token",
    },
    EncryptedColumn {
        table: "credentials",
        primary_key: "integration_id",
        key_is_uuid: true,
        column: "refresh_token_enc",
        field: "refresh_token",
    },
    EncryptedColumn {
        table: "oauth_states",
        primary_key: "id",
        key_is_uuid: true,
        column: "pkce_verifier_enc",
        field: "pkce_verifier",
    },
];

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RotationReport {
    pub reencrypted: u64,
    pub already_current: u64,
    /// Changed by someone else while being rewritten; they wrote under the active key.
    pub skipped_changed: u64,
}

pub async fn reencrypt_all(stint: &Stint) -> Result<RotationReport, CoreError> {
    let db = &stint.db;
    let backend = db.get_database_backend();
    let mut report = RotationReport::default();
    let active = stint.keys.active_key_id().to_owned();
    for spec in COLUMNS {
        let select = Query::select()
            .expr_as(Expr::col(Alias::new(spec.primary_key)), Alias::new("pk"))
            .expr_as(Expr::col(Alias::new(spec.column)), Alias::new("value"))
            .from(Alias::new(spec.table))
            .and_where(Expr::col(Alias::new(spec.column)).is_not_null())
            .to_owned();
        let rows = db.query_all_raw(build(backend, &select)).await?;
        for row in rows {
            let old: String = row.try_get("", "value")?;
            if KeyRing::key_id_of(&old) == Some(active.as_str()) {
                report.already_current += 1;
                continue;
            }
            let (pk_text, pk_value): (String, Value) = if spec.key_is_uuid {
                let id: Uuid = row.try_get("", "pk")?;
                (id.to_string(), id.into())
            } else {
                let id: String = row.try_get("", "pk")?;
                (id.clone(), id.into())
            };
            let slot = SecretSlot {
                table: spec.table,
                row: &pk_text,
                field: spec.field,
            };
            let plain = stint
                .keys
                .decrypt(&old, slot)
                .map_err(|e| CoreError::Internal(format!("{}.{}: {e}", spec.table, spec.column)))?;
            let sealed = stint
                .keys
                .encrypt(plain.expose(), slot)
                .map_err(|e| CoreError::Internal(e.to_string()))?;
            let mut update = Query::update();
            update
                .table(Alias::new(spec.table))
                .value(Alias::new(spec.column), sealed)
                .and_where(Expr::col(Alias::new(spec.primary_key)).eq(pk_value))
                .and_where(Expr::col(Alias::new(spec.column)).eq(old));
            if spec.table == "credentials" {
                update.value(Alias::new("key_id"), active.clone());
            }
            let result = db.execute_raw(build(backend, &update)).await?;
            if result.rows_affected() == 1 {
                report.reencrypted += 1;
            } else {
                report.skipped_changed += 1;
            }
        }
    }
    Ok(report)
}

fn build(backend: DatabaseBackend, statement: &impl StatementBuilder) -> sea_orm::Statement {
    statement.build(&backend)
}
