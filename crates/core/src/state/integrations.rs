//! The integrations service's own state: what it caches about connections and provider apps, and
//! the refresh locks of their tokens. Only `integrations` writes what these caches hold, so only
//! `integrations` clears them.

use super::refresh_locks::RefreshLocks;
use super::signing_secrets::SigningSecrets;
use super::workspaces::ConnectedWorkspaces;
use stint_connectors::OAuthClient;

pub struct Integrations {
    /// Speaks OAuth to providers (code exchange, refresh); faked in tests.
    pub(crate) oauth: std::sync::Arc<dyn OAuthClient>,
    /// Decrypted webhook and signing secrets, of provider apps and of personal connections.
    pub(crate) secrets: SigningSecrets,
    pub(crate) workspaces: ConnectedWorkspaces,
    pub(crate) refresh: RefreshLocks,
}

impl Integrations {
    pub fn new(oauth: std::sync::Arc<dyn OAuthClient>) -> Integrations {
        Integrations {
            oauth,
            secrets: SigningSecrets::default(),
            workspaces: ConnectedWorkspaces::default(),
            refresh: RefreshLocks::default(),
        }
    }

    /// Whether a request from `workspace` is for one of the provider's active connections.
    pub async fn workspace_is_connected<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        provider: stint_api_types::providers::ProviderKey,
        workspace: &str,
    ) -> Result<bool, crate::error::CoreError> {
        self.workspaces.is_connected(db, provider, workspace).await
    }
}
