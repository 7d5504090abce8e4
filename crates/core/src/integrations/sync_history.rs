//! A connection's sync history, as its owner (or, for the organisation's, an admin) sees it.

use stint_api_types::providers::{IntegrationScope, ProviderKey};
use stint_api_types::webhooks::SyncRun;

use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;

/// The 50 most recent runs of one integration; without a scope, of the provider's default one.
pub async fn list(
    stint: &Stint,
    principal: &Principal,
    provider: ProviderKey,
    scope: Option<IntegrationScope>,
) -> Result<Vec<SyncRun>, CoreError> {
    let scope = match scope {
        Some(scope) => scope,
        None => super::provider_apps::default_scope(stint, provider).await?,
    };
    let integration = super::connections::visible(stint, principal, provider, scope, true).await?;
    crate::sync_runs::recent(stint, &integration, provider).await
}
