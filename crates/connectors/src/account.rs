//! Identity, test call and revocation of a connection: what every provider offers in some form.

use super::gateway::{AccountIdentity, AppCredentials, GatewayError};
use super::spec::ProviderSpec;
use crate::Secret;

#[async_trait::async_trait]
pub trait AccountApi: Send + Sync {
    /// The connected account, where the provider has a way to ask.
    async fn identity(
        &self,
        spec: &ProviderSpec,
        access_token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError>;

    /// The cheapest authenticated call the provider offers. `Ok(false)` when there is none.
    /// `account_id` is the connected account's id at the provider (QuickBooks needs its company
    /// id in the URL).
    async fn test_call(
        &self,
        spec: &ProviderSpec,
        access_token: &Secret,
        account_id: Option<&str>,
    ) -> Result<bool, GatewayError> {
        let _ = account_id;
        self.identity(spec, access_token).await.map(|_| true)
    }

    /// The member's handle at the provider, when their own connection's account says it (GitHub:
    /// the login). It becomes their handle in Stint (`ProviderSpec::user_handle`), so nobody types
    /// it and nobody can claim another's.
    fn handle(&self, identity: &AccountIdentity) -> Option<String> {
        let _ = identity;
        None
    }

    /// The account an OAuth callback connected when the identity call cannot say (QuickBooks
    /// names its company only in the callback's `realmId`).
    fn identity_from_callback(&self, realm_id: Option<&str>) -> Option<AccountIdentity> {
        let _ = realm_id;
        None
    }
}

/// Revoking a grant at the provider, called on disconnect when the entry has a revoke endpoint.
#[async_trait::async_trait]
pub trait Revoker: Send + Sync {
    async fn revoke(
        &self,
        spec: &ProviderSpec,
        app: &AppCredentials,
        access_token: &Secret,
    ) -> Result<(), GatewayError>;
}
