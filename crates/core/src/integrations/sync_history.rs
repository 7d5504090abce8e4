//! A connection's sync history, as its owner (or, for the organisation's, an admin) sees it.

use stint_api_types::providers::{IntegrationScope, ProviderKey};
use stint_api_types::webhooks::SyncRun;

use super::scope::Purpose;
use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;

/// The 50 most recent runs of one integration; without a scope, the caller's own if they have
/// one, else the organisation's.
pub async fn list(
    stint: &Stint,
    principal: &Principal,
    provider: ProviderKey,
    scope: Option<IntegrationScope>,
) -> Result<Vec<SyncRun>, CoreError> {
    let scope = super::scope::chosen(stint, principal, provider, scope, Purpose::Use).await?;
    let integration = super::connections::visible(stint, principal, provider, scope, true).await?;
    crate::sync_runs::recent(stint, &integration, provider).await
}
