//! Which connection a request means when it does not say (`?scope=` left out): the caller's own
//! if they have one, else the organisation's. Decided here once for every route.

use stint_api_types::providers::{IntegrationScope, ProviderKey};

use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;

/// What the request does with the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Makes one (connect, credentials): the caller's own also when they may have one.
    Connect,
    /// Uses one that exists (test, settings, sync, history, disconnect).
    Use,
}

/// The scope asked for, or the default for the caller.
pub async fn chosen(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    asked: Option<IntegrationScope>,
    purpose: Purpose,
) -> Result<IntegrationScope, CoreError> {
    if let Some(scope) = asked {
        return Ok(scope);
    }
    let own = super::find_integration(
        &stint.db,
        key,
        IntegrationScope::Personal,
        Some(principal.user_id.as_uuid()),
    )
    .await?;
    if own.is_some() {
        return Ok(IntegrationScope::Personal);
    }
    let app = super::provider_apps::load(stint, key).await?;
    let modes = super::provider_apps::spec(stint, key)?.modes(app.allow_personal);
    let personal_only = !modes.contains(&IntegrationScope::Global);
    let personal_open = modes.contains(&IntegrationScope::Personal);
    Ok(match purpose {
        Purpose::Connect if personal_open => IntegrationScope::Personal,
        Purpose::Use if personal_only => IntegrationScope::Personal,
        _ => IntegrationScope::Global,
    })
}
