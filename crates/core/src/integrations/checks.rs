//! Connecting with an API key, and testing a connection with a cheap authenticated call.

use std::time::Instant;

use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use stint_api_types::auth::Scope;
use stint_api_types::providers::{
    ApiKeyCredentials, AuthKind, ConnectionTest, Integration, IntegrationScope, IntegrationStatus,
    ProviderKey,
};
use stint_entity::integration;

use super::scope::Purpose;
use super::tokens::{TokenError, get_valid_token, refresh_refused};
use super::{connections, oauth, provider_apps};
use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::wire::wire_name;
use stint_connectors::Secret;
use stint_connectors::{GatewayError, TokenGrant};

fn plain_token(field: &str, value: &str) -> Result<String, CoreError> {
    let value = value.trim();
    let ok =
        (8..=512).contains(&value.len()) && value.chars().all(|c| c.is_ascii_graphic() && c != ':');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(CoreError::invalid(
            field,
            "must be 8 to 512 visible characters without `:`",
        ))
    }
}

/// Saves an API key and token after the provider accepted them in a real call.
pub async fn connect_with_key(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: Option<IntegrationScope>,
    request: ApiKeyCredentials,
) -> Result<Integration, CoreError> {
    principal.require_scope(Scope::Write)?;
    let scope = super::scope::chosen(stint, principal, key, scope, Purpose::Connect).await?;
    let connector = provider_apps::connector(stint, key)?;
    let spec = &connector.spec;
    if spec.auth_kind != AuthKind::ApiKey {
        return Err(CoreError::invalid(
            "provider",
            format!(
                "{} connects with OAuth: use its connect endpoint",
                spec.display_name
            ),
        ));
    }
    let app = provider_apps::load(stint, key).await?;
    oauth::check_may_connect(principal, spec, &app, scope)?;
    let secret = Secret::new(format!(
        "{}:{}",
        plain_token("api_key", &request.api_key)?,
        plain_token("token", &request.token)?
    ));
    let identity = match connector.account.identity(spec, &secret).await {
        Ok(identity) => identity,
        Err(GatewayError::DeadAccessToken | GatewayError::DeadGrant(_)) => {
            return Err(CoreError::invalid(
                "token",
                format!("{} refused this key and token", spec.display_name),
            ));
        }
        Err(err @ (GatewayError::Inconclusive(_) | GatewayError::RateLimited { .. })) => {
            return Err(CoreError::ProviderUnavailable(format!(
                "{} could not check the key: {err}",
                spec.display_name
            )));
        }
        Err(GatewayError::Refused(reason)) => {
            return Err(CoreError::invalid(
                "token",
                format!("{} refused this key and token: {reason}", spec.display_name),
            ));
        }
    };
    let grant = TokenGrant {
        access_token: secret,
        refresh_token: None,
        expires_in: None,
        token_type: None,
        scopes: None,
    };
    let saved = connections::save_connected(stint, principal, key, scope, identity, &grant).await?;
    connections::to_api(&saved)
}

/// Makes the provider's cheapest authenticated call with the integration's token (refreshing it
/// first if needed, and once more if the provider refuses it) and records what it learned.
pub async fn test_connection(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: Option<IntegrationScope>,
) -> Result<ConnectionTest, CoreError> {
    let scope = super::scope::chosen(stint, principal, key, scope, Purpose::Use).await?;
    let found = connections::visible(stint, principal, key, scope, true).await?;
    let connector = provider_apps::connector(stint, key)?;
    let spec = &connector.spec;
    let started = Instant::now();
    let outcome = async {
        let token = get_valid_token(stint, found.id).await?;
        match connector
            .account
            .test_call(spec, &token, found.external_account_id.as_deref())
            .await
        {
            Err(GatewayError::DeadAccessToken) if spec.auth_kind == AuthKind::Oauth2 => {
                let token = refresh_refused(stint, found.id).await?;
                Ok::<_, TokenError>(
                    connector
                        .account
                        .test_call(spec, &token, found.external_account_id.as_deref())
                        .await,
                )
            }
            other => Ok(other),
        }
    }
    .await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (ok, error, status) = match outcome {
        Ok(Ok(true)) => (true, None, IntegrationStatus::Active),
        Ok(Ok(false)) => (
            false,
            Some(format!(
                "Stint has no test call for {} yet",
                spec.display_name
            )),
            from_stored(&found)?,
        ),
        Ok(Err(GatewayError::DeadAccessToken | GatewayError::DeadGrant(_))) => (
            false,
            Some(format!(
                "{} refused the stored credentials; reconnect",
                spec.display_name
            )),
            IntegrationStatus::NeedsReauth,
        ),
        Ok(Err(err @ (GatewayError::Inconclusive(_) | GatewayError::RateLimited { .. }))) => {
            (false, Some(err.to_string()), from_stored(&found)?)
        }
        Ok(Err(GatewayError::Refused(reason))) => (false, Some(reason), from_stored(&found)?),
        Err(TokenError::NeedsReauth(reason)) => {
            (false, Some(reason), IntegrationStatus::NeedsReauth)
        }
        Err(TokenError::Unavailable(reason)) => (false, Some(reason), from_stored(&found)?),
        Err(TokenError::NotConnected) => (
            false,
            Some("not connected".to_owned()),
            from_stored(&found)?,
        ),
        Err(TokenError::Core(err)) => return Err(err),
    };
    if status != from_stored(&found)? {
        let mut model = found.into_active_model();
        model.status = Set(wire_name(&status));
        model.status_reason = Set(error.clone());
        model.updated_at = Set(stint.clock.now());
        model.update(&stint.db).await?;
    }
    Ok(ConnectionTest {
        ok,
        latency_ms,
        error,
        status,
    })
}

fn from_stored(found: &integration::Model) -> Result<IntegrationStatus, CoreError> {
    crate::wire::from_wire_name(&found.status)
}
