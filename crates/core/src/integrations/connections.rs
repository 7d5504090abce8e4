//! Connections to providers, as the caller may see them.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use stint_api_types::providers::{
    Integration, IntegrationList, IntegrationScope, IntegrationStatus, ProviderKey,
};
use stint_entity::integration;

use super::scope::Purpose;
use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::wire::{from_wire_name, wire_name};

pub(crate) fn to_api(m: &integration::Model) -> Result<Integration, CoreError> {
    Ok(Integration {
        id: m.id,
        provider: ProviderKey::parse(&m.provider)
            .ok_or_else(|| CoreError::Internal(format!("unknown provider `{}`", m.provider)))?,
        scope: from_wire_name(&m.scope)?,
        user_id: m.user_id.map(Into::into),
        status: from_wire_name(&m.status)?,
        status_reason: m.status_reason.clone(),
        external_account: m.external_account_label.clone(),
        connected_at: m.connected_at,
        connected_by: m.connected_by.map(Into::into),
        last_sync_at: m.last_sync_at,
        last_used_at: m.last_used_at,
        last_sync: None,
        config: m.config.clone(),
    })
}

/// Everyone sees the global integrations' status (never their secrets, which no response
/// carries); each user sees their own personal ones.
pub async fn list(stint: &Stint, principal: &Principal) -> Result<IntegrationList, CoreError> {
    let global = integration::Entity::find()
        .filter(integration::Column::Scope.eq(IntegrationScope::Global.as_str()))
        .order_by_asc(integration::Column::Provider)
        .all(&stint.db)
        .await?;
    let personal = integration::Entity::find()
        .filter(integration::Column::Scope.eq(IntegrationScope::Personal.as_str()))
        .filter(integration::Column::UserId.eq(principal.user_id.as_uuid()))
        .order_by_asc(integration::Column::Provider)
        .all(&stint.db)
        .await?;
    Ok(IntegrationList {
        global: describe(stint, &global).await?,
        personal: describe(stint, &personal).await?,
    })
}

/// Connections as people see them: with their most recent sync run.
async fn describe(
    stint: &Stint,
    rows: &[integration::Model],
) -> Result<Vec<Integration>, CoreError> {
    let mut described = Vec::with_capacity(rows.len());
    for row in rows {
        let mut integration = to_api(row)?;
        integration.last_sync = crate::sync_runs::latest(stint, row).await?;
        described.push(integration);
    }
    Ok(described)
}

/// Who may act on which integration: admins on global ones, each user on their own personal ones.
pub(crate) async fn visible(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: IntegrationScope,
    manage: bool,
) -> Result<integration::Model, CoreError> {
    let user_id = match scope {
        IntegrationScope::Global => {
            if manage {
                principal.require_admin()?;
            }
            None
        }
        IntegrationScope::Personal => Some(principal.user_id.as_uuid()),
    };
    super::find_integration(&stint.db, key, scope, user_id)
        .await?
        .ok_or(CoreError::NotFound("integration"))
}

/// A connection's status: the one of `scope`, or without it the one that serves the caller (see
/// `resolve`); when none is active, the caller's own if they have one, else the organisation's.
pub async fn status(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: Option<IntegrationScope>,
) -> Result<Integration, CoreError> {
    let found = serving(stint, principal, key, scope).await?;
    let mut described = describe(stint, std::slice::from_ref(&found)).await?;
    described
        .pop()
        .ok_or_else(|| CoreError::Internal("a connection went missing".into()))
}

async fn serving(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: Option<IntegrationScope>,
) -> Result<integration::Model, CoreError> {
    if let Some(scope) = scope {
        return visible(stint, principal, key, scope, false).await;
    }
    let spec = super::provider_apps::spec(stint, key)?;
    let user_id = principal.user_id.as_uuid();
    match super::resolve::connection(&stint.db, key, spec.display_name, user_id).await? {
        Ok(resolved) => Ok(resolved.integration),
        Err(super::resolve::Unresolved(reason)) => {
            for scope in [IntegrationScope::Personal, IntegrationScope::Global] {
                match visible(stint, principal, key, scope, false).await {
                    Ok(found) => return Ok(found),
                    Err(CoreError::NotFound(_)) => {}
                    Err(other) => return Err(other),
                }
            }
            Err(CoreError::NotConnected(reason))
        }
    }
}

/// What a disconnect did at the provider.
pub struct Disconnected {
    pub integration: Integration,
    /// Why revoking at the provider failed, if it did; the local disconnect happened anyway.
    pub revoke_error: Option<String>,
}

/// Revokes at the provider where it can (a failure is reported, not fatal), forgets the tokens
/// and marks the integration revoked.
pub async fn disconnect(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: Option<IntegrationScope>,
) -> Result<Disconnected, CoreError> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    principal.require_scope(stint_api_types::auth::Scope::Write)?;
    let scope = super::scope::chosen(stint, principal, key, scope, Purpose::Use).await?;
    let found = visible(stint, principal, key, scope, true).await?;
    let connector = super::provider_apps::connector(stint, key)?;
    let spec = &connector.spec;
    let mut revoke_error = None;
    if let (Some(_), Some(tokens)) = (
        &spec.revoke_url,
        super::credentials::load(stint, found.id).await?,
    ) {
        let app = super::provider_apps::load(stint, key).await?;
        let credentials = stint_connectors::AppCredentials {
            client_id: app.client_id.clone().unwrap_or_default(),
            client_secret: app.client_secret.clone(),
        };
        if let Err(err) = connector
            .revoker
            .revoke(spec, &credentials, &tokens.access_token)
            .await
        {
            tracing::warn!(provider = %key, error = %err, "revoking at the provider failed; disconnecting locally");
            revoke_error = Some(err.to_string());
        }
    }
    let now = stint.clock.now();
    let txn = stint.begin_write().await?;
    super::credentials::delete(&*txn, found.id).await?;
    let id = found.id;
    let mut model = found.into_active_model();
    model.status = Set(crate::wire::wire_name(
        &stint_api_types::providers::IntegrationStatus::Revoked,
    ));
    model.status_reason = Set(Some(match &revoke_error {
        None => "disconnected".to_owned(),
        Some(err) => format!("disconnected; revoking at the provider failed: {err}"),
    }));
    model.updated_at = Set(now);
    let saved = model.update(&*txn).await?;
    txn.commit().await?;
    stint.integrations.workspaces.forget(key);
    crate::audit::record(
        stint,
        principal,
        "integration.disconnected",
        "integration",
        &id.to_string(),
        serde_json::json!({ "provider": key.as_str(), "scope": scope.as_str(), "revoked_at_provider": revoke_error.is_none() }),
    )
    .await?;
    Ok(Disconnected {
        integration: to_api(&saved)?,
        revoke_error,
    })
}

/// Stores a new or renewed connection: the integration marked active with its account, and the
/// grant encrypted, in one transaction (the whole connection or nothing); then the audit entry.
pub(crate) async fn save_connected(
    stint: &Stint,
    actor: &Principal,
    key: ProviderKey,
    scope: IntegrationScope,
    identity: Option<stint_connectors::AccountIdentity>,
    grant: &stint_connectors::TokenGrant,
) -> Result<integration::Model, CoreError> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let now = stint.clock.now();
    let user_id = (scope == IntegrationScope::Personal).then_some(actor.user_id.as_uuid());
    let txn = stint.begin_write().await?;
    let existing = super::find_integration(&*txn, key, scope, user_id).await?;
    let id = existing.as_ref().map_or_else(uuid::Uuid::now_v7, |i| i.id);
    let is_new = existing.is_none();
    // A member's own connection gets a webhook secret of its own (see `connection_secrets`).
    let connector = super::provider_apps::connector(stint, key)?;
    let receives_webhooks = connector.webhook.is_some();
    let needs_webhook_secret = scope == IntegrationScope::Personal
        && receives_webhooks
        && existing
            .as_ref()
            .is_none_or(|row| row.webhook_secret_enc.is_none());
    let mut model = match existing {
        Some(found) => found.into_active_model(),
        None => integration::ActiveModel {
            id: Set(id),
            provider: Set(key.as_str().to_owned()),
            scope: Set(scope.as_str().to_owned()),
            user_id: Set(user_id),
            config: Set(serde_json::json!({})),
            webhook_secret_enc: Set(None),
            last_sync_at: Set(None),
            last_used_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.status = Set(crate::wire::wire_name(
        &stint_api_types::providers::IntegrationStatus::Active,
    ));
    model.status_reason = Set(None);
    model.external_account_id = Set(identity.as_ref().map(|i| i.id.clone()));
    model.external_account_label = Set(identity.as_ref().map(|i| i.label.clone()));
    model.connected_at = Set(Some(now));
    model.connected_by = Set(Some(actor.user_id.as_uuid()));
    model.updated_at = Set(now);
    if needs_webhook_secret {
        let (_, sealed) = super::connection_secrets::generate(stint, id)?;
        model.webhook_secret_enc = Set(Some(sealed));
    }
    let saved = if is_new {
        model.insert(&*txn).await?
    } else {
        model.update(&*txn).await?
    };
    super::credentials::store(stint, &*txn, id, grant, now, None).await?;
    let mut proved = false;
    if let (Some(identity), IntegrationScope::Personal) = (&identity, scope)
        && let Some(handle) = connector.account.handle(identity)
    {
        proved = crate::identities::prove(
            &*txn,
            connector,
            actor.user_id.as_uuid(),
            &handle,
            Some(identity.id.clone()),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    stint.integrations.workspaces.forget(key);
    if proved {
        stint.accounts.forget_everyone();
    }
    crate::audit::record(
        stint,
        actor,
        "integration.connected",
        "integration",
        &id.to_string(),
        serde_json::json!({ "provider": key.as_str(), "scope": scope.as_str(), "account": identity.map(|i| i.label) }),
    )
    .await?;
    Ok(saved)
}

/// Every active connection (personal and organisation) of these providers: what a schedule
/// syncs. A connection that needs reconnecting is left out until it is reconnected.
pub async fn active_of(
    stint: &Stint,
    providers: &[ProviderKey],
) -> Result<Vec<integration::Model>, CoreError> {
    if providers.is_empty() {
        return Ok(Vec::new());
    }
    Ok(integration::Entity::find()
        .filter(integration::Column::Provider.is_in(providers.iter().map(|p| p.as_str())))
        .filter(integration::Column::Status.eq(wire_name(&IntegrationStatus::Active)))
        .all(&stint.db)
        .await?)
}
