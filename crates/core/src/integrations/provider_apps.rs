//! Provider apps: the client credentials and secrets an admin enters once per provider. Secrets
//! are encrypted at rest and write-only over the API; `STINT_PROVIDER_<KEY>_*` variables seed
//! what the admin has not set.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use serde_json::json;
use stint_api_types::providers::{
    AuthKind, ProviderApp, ProviderInfo, ProviderKey, UpdateProviderApp,
};
use stint_entity::provider_app;

use crate::auth::Principal;
use crate::context::Stint;
use crate::crypto::SecretSlot;
use crate::error::CoreError;
use crate::validate;
use stint_connectors::Secret;
use stint_connectors::{Connector, ProviderSpec};

const TABLE: &str = "provider_apps";

/// A provider app as Stint uses it: the stored values over the environment's.
#[derive(Debug, Clone)]
pub struct EffectiveApp {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub webhook_secret: Option<Secret>,
    pub signing_secret: Option<Secret>,
    pub api_key: Option<Secret>,
    pub enabled: bool,
    pub allow_personal: bool,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl EffectiveApp {
    /// Whether it has what connecting needs.
    pub fn configured(&self, spec: &ProviderSpec) -> bool {
        match spec.auth_kind {
            AuthKind::Oauth2 => self.client_id.is_some() && self.client_secret.is_some(),
            // Each user brings their own key and token (Trello); nothing for an admin to enter.
            AuthKind::ApiKey => true,
        }
    }
}

pub(crate) fn spec(stint: &Stint, key: ProviderKey) -> Result<&ProviderSpec, CoreError> {
    connector(stint, key).map(|c| &c.spec)
}

pub(crate) fn connector(stint: &Stint, key: ProviderKey) -> Result<&Connector, CoreError> {
    stint
        .catalogue
        .connector(key)
        .ok_or(CoreError::NotFound("provider"))
}

fn decrypt(
    stint: &Stint,
    key: ProviderKey,
    field: &str,
    stored: Option<&str>,
) -> Result<Option<Secret>, CoreError> {
    stored
        .map(|value| {
            stint
                .keys
                .decrypt(
                    value,
                    SecretSlot {
                        table: TABLE,
                        row: key.as_str(),
                        field,
                    },
                )
                .map_err(|e| CoreError::Internal(format!("{TABLE}.{field} of {key}: {e}")))
        })
        .transpose()
}

pub async fn load(stint: &Stint, key: ProviderKey) -> Result<EffectiveApp, CoreError> {
    let row = provider_app::Entity::find_by_id(key.as_str())
        .one(&stint.db)
        .await?;
    let env = stint
        .config
        .providers
        .get(&key)
        .cloned()
        .unwrap_or_default();
    let stored = |f: fn(&provider_app::Model) -> Option<&String>| {
        row.as_ref().and_then(f).map(String::as_str)
    };
    Ok(EffectiveApp {
        client_id: row
            .as_ref()
            .and_then(|r| r.client_id.clone())
            .or(env.client_id),
        client_secret: decrypt(
            stint,
            key,
            "client_secret",
            stored(|r| r.client_secret_enc.as_ref()),
        )?
        .or(env.client_secret),
        webhook_secret: decrypt(
            stint,
            key,
            "webhook_secret",
            stored(|r| r.webhook_secret_enc.as_ref()),
        )?
        .or(env.webhook_secret),
        signing_secret: decrypt(
            stint,
            key,
            "signing_secret",
            stored(|r| r.signing_secret_enc.as_ref()),
        )?
        .or(env.signing_secret),
        api_key: decrypt(stint, key, "api_key", stored(|r| r.api_key_enc.as_ref()))?
            .or(env.api_key),
        enabled: row.as_ref().is_none_or(|r| r.enabled),
        allow_personal: row.as_ref().is_some_and(|r| r.allow_personal),
        updated_at: row.map(|r| r.updated_at),
    })
}

/// The catalogue as any signed-in user sees it.
pub async fn list_providers(stint: &Stint) -> Result<Vec<ProviderInfo>, CoreError> {
    let mut providers = Vec::new();
    for spec in stint.catalogue.iter() {
        let app = load(stint, spec.key).await?;
        providers.push(ProviderInfo {
            key: spec.key,
            display_name: spec.display_name.to_owned(),
            auth_kind: spec.auth_kind,
            capabilities: spec.capabilities.clone(),
            modes: spec.modes(app.allow_personal),
            configured: app.configured(spec),
            enabled: app.enabled,
        });
    }
    Ok(providers)
}

fn admin_view(stint: &Stint, connector: &Connector, app: &EffectiveApp) -> ProviderApp {
    let spec = &connector.spec;
    let public = &stint.config.public_url;
    ProviderApp {
        provider: spec.key,
        display_name: spec.display_name.to_owned(),
        auth_kind: spec.auth_kind,
        client_id: app.client_id.clone(),
        client_secret_set: app.client_secret.is_some(),
        webhook_secret_set: app.webhook_secret.is_some(),
        signing_secret_set: app.signing_secret.is_some(),
        api_key_set: app.api_key.is_some(),
        enabled: app.enabled,
        allow_personal: app.allow_personal,
        configured: app.configured(spec),
        modes: spec.modes(app.allow_personal),
        redirect_uri: format!("{public}{}", spec.redirect_path()),
        webhook_url: connector
            .webhook_path()
            .map(|path| format!("{public}{path}")),
        scopes: spec
            .default_scopes
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        updated_at: app.updated_at,
    }
}

pub async fn admin_get(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
) -> Result<ProviderApp, CoreError> {
    principal.require_admin()?;
    Ok(admin_view(
        stint,
        connector(stint, key)?,
        &load(stint, key).await?,
    ))
}

/// A secret field of the request: `Some(None)` clears, `Some(Some(v))` sets (encrypted).
fn secret_value(
    stint: &Stint,
    key: ProviderKey,
    field: &'static str,
    value: &Option<Option<String>>,
) -> Result<Option<Option<String>>, CoreError> {
    match value {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(raw)) => {
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.len() > 8192 {
                return Err(CoreError::invalid(
                    field,
                    "must be 1 to 8192 characters; send null to clear it",
                ));
            }
            let sealed = stint
                .keys
                .encrypt(
                    trimmed,
                    SecretSlot {
                        table: TABLE,
                        row: key.as_str(),
                        field,
                    },
                )
                .map_err(|e| CoreError::Internal(e.to_string()))?;
            Ok(Some(Some(sealed)))
        }
    }
}

pub async fn admin_update(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    request: UpdateProviderApp,
) -> Result<ProviderApp, CoreError> {
    principal.require_admin()?;
    let connector = connector(stint, key)?;
    let client_id = match &request.client_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(id)) => Some(Some(validate::name("client_id", id, 500)?)),
    };
    let client_secret = secret_value(stint, key, "client_secret", &request.client_secret)?;
    let webhook_secret = secret_value(stint, key, "webhook_secret", &request.webhook_secret)?;
    let signing_secret = secret_value(stint, key, "signing_secret", &request.signing_secret)?;
    let api_key = secret_value(stint, key, "api_key", &request.api_key)?;
    let now = stint.clock.now();

    let existing = provider_app::Entity::find_by_id(key.as_str())
        .one(&stint.db)
        .await?;
    let is_new = existing.is_none();
    let mut model = match existing {
        Some(mut row) => {
            // Secrets this update leaves alone move to the active key on this write too.
            for (field, stored) in [
                ("client_secret", &mut row.client_secret_enc),
                ("webhook_secret", &mut row.webhook_secret_enc),
                ("signing_secret", &mut row.signing_secret_enc),
                ("api_key", &mut row.api_key_enc),
            ] {
                *stored = reseal(stint, key, field, stored.take())?;
            }
            let mut model = row.clone().into_active_model();
            model.client_secret_enc = Set(row.client_secret_enc);
            model.webhook_secret_enc = Set(row.webhook_secret_enc);
            model.signing_secret_enc = Set(row.signing_secret_enc);
            model.api_key_enc = Set(row.api_key_enc);
            model
        }
        None => provider_app::ActiveModel {
            provider: Set(key.as_str().to_owned()),
            client_id: Set(None),
            client_secret_enc: Set(None),
            webhook_secret_enc: Set(None),
            signing_secret_enc: Set(None),
            api_key_enc: Set(None),
            enabled: Set(true),
            allow_personal: Set(false),
            settings: Set(json!({})),
            updated_at: Set(now),
            updated_by: Set(None),
        },
    };
    if let Some(value) = client_id {
        model.client_id = Set(value);
    }
    if let Some(value) = client_secret {
        model.client_secret_enc = Set(value);
    }
    if let Some(value) = webhook_secret {
        model.webhook_secret_enc = Set(value);
    }
    if let Some(value) = signing_secret {
        model.signing_secret_enc = Set(value);
    }
    if let Some(value) = api_key {
        model.api_key_enc = Set(value);
    }
    if let Some(enabled) = request.enabled {
        model.enabled = Set(enabled);
    }
    if let Some(allow) = request.allow_personal {
        model.allow_personal = Set(allow);
    }
    model.updated_at = Set(now);
    model.updated_by = Set(Some(principal.user_id.as_uuid()));
    if is_new {
        model.insert(&stint.db).await?;
    } else {
        model.update(&stint.db).await?;
    }
    stint.integrations.secrets.forget(key.as_str());
    // Which fields changed, never their values.
    let changed: Vec<&str> = [
        ("client_id", request.client_id.is_some()),
        ("client_secret", request.client_secret.is_some()),
        ("webhook_secret", request.webhook_secret.is_some()),
        ("signing_secret", request.signing_secret.is_some()),
        ("api_key", request.api_key.is_some()),
        ("enabled", request.enabled.is_some()),
        ("allow_personal", request.allow_personal.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect();
    crate::audit::record(
        stint,
        principal,
        "provider_app.updated",
        "provider",
        key.as_str(),
        json!({ "fields": changed }),
    )
    .await?;
    Ok(admin_view(stint, connector, &load(stint, key).await?))
}

/// A stored secret under the active key: unchanged if it already is, re-encrypted if not.
fn reseal(
    stint: &Stint,
    key: ProviderKey,
    field: &str,
    stored: Option<String>,
) -> Result<Option<String>, CoreError> {
    match stored {
        Some(value)
            if crate::crypto::KeyRing::key_id_of(&value) != Some(stint.keys.active_key_id()) =>
        {
            let slot = SecretSlot {
                table: TABLE,
                row: key.as_str(),
                field,
            };
            let plain = stint
                .keys
                .decrypt(&value, slot)
                .map_err(|e| CoreError::Internal(format!("{TABLE}.{field}: {e}")))?;
            stint
                .keys
                .encrypt(plain.expose(), slot)
                .map(Some)
                .map_err(|e| CoreError::Internal(e.to_string()))
        }
        other => Ok(other),
    }
}
