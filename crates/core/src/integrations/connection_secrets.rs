//! A member's own connection can receive webhooks at a URL of its own
//! (`/api/integrations/{provider}/webhook/{connection id}`), signed with a secret of its own:
//! generated when the connection is made, stored encrypted, and shown to its owner only when made
//! anew. Deliveries there apply to that member's connection alone.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use stint_api_types::auth::Scope;
use stint_api_types::providers::{ConnectionWebhook, IntegrationScope, ProviderKey};
use stint_entity::integration;
use uuid::Uuid;

use crate::auth::Principal;
use crate::context::Stint;
use crate::crypto::SecretSlot;
use crate::error::CoreError;
use crate::secret::random_bytes;
use stint_connectors::Secret;

const FIELD: &str = "webhook_secret";

fn slot(row: &str) -> SecretSlot<'_> {
    SecretSlot {
        table: "integrations",
        row,
        field: FIELD,
    }
}

/// A new secret, sealed for the connection's row.
pub(crate) fn generate(stint: &Stint, integration_id: Uuid) -> Result<(Secret, String), CoreError> {
    let secret = Secret::new(hex::encode(random_bytes::<32>()));
    let row = integration_id.to_string();
    let sealed = stint
        .keys
        .encrypt(secret.expose(), slot(&row))
        .map_err(|e| CoreError::Internal(format!("cannot seal a webhook secret: {e}")))?;
    Ok((secret, sealed))
}

fn cache_key(integration_id: Uuid) -> String {
    format!("connection:{integration_id}")
}

/// The personal connection a connection-specific webhook names, with its secret; `NotFound`
/// for anything else (a global connection, another provider).
pub(crate) async fn connection_secret(
    stint: &Stint,
    provider: ProviderKey,
    integration_id: Uuid,
) -> Result<Option<Secret>, CoreError> {
    if let Some(secret) = stint.integrations.secrets.get(&cache_key(integration_id)) {
        return Ok(secret);
    }
    let found = integration::Entity::find_by_id(integration_id)
        .filter(integration::Column::Provider.eq(provider.as_str()))
        .filter(integration::Column::Scope.eq(IntegrationScope::Personal.as_str()))
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("webhook endpoint"))?;
    let row = integration_id.to_string();
    let secret = found
        .webhook_secret_enc
        .as_deref()
        .map(|sealed| stint.keys.decrypt(sealed, slot(&row)))
        .transpose()
        .map_err(|e| CoreError::Internal(format!("integrations.webhook_secret: {e}")))?;
    stint
        .integrations
        .secrets
        .put(cache_key(integration_id), secret.clone());
    Ok(secret)
}

/// Makes the caller's own connection a new webhook secret and shows it, with the URL to paste.
pub async fn reveal(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
) -> Result<ConnectionWebhook, CoreError> {
    principal.require_scope(Scope::Write)?;
    let connector = crate::integrations::provider_apps::connector(stint, key)?;
    let Some(path) = connector.webhook_path() else {
        return Err(CoreError::invalid(
            "provider",
            format!("{} sends no webhooks", connector.spec.display_name),
        ));
    };
    let found = crate::integrations::connections::visible(
        stint,
        principal,
        key,
        IntegrationScope::Personal,
        true,
    )
    .await?;
    let (secret, sealed) = generate(stint, found.id)?;
    store(&stint.db, found.id, sealed).await?;
    stint.integrations.secrets.forget(&cache_key(found.id));
    Ok(ConnectionWebhook {
        webhook_url: format!("{}{path}/{}", stint.config.public_url, found.id),
        secret: secret.expose().to_owned(),
    })
}

pub(crate) async fn store<C: ConnectionTrait>(
    db: &C,
    integration_id: Uuid,
    sealed: String,
) -> Result<(), CoreError> {
    integration::Entity::update_many()
        .col_expr(integration::Column::WebhookSecretEnc, Expr::value(sealed))
        .filter(integration::Column::Id.eq(integration_id))
        .exec(db)
        .await?;
    Ok(())
}
