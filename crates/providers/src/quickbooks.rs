//! QuickBooks Online: the catalogue entry, the company named by the OAuth callback's `realmId`,
//! and `companyinfo` as the test call.

use std::sync::Arc;

use stint_api_types::providers::{Capability, ProviderKey};
use stint_connectors::AccountApi;
use stint_connectors::Secret;
use stint_connectors::{AccountIdentity, GatewayError};
use stint_connectors::{Connector, ProviderSpec};

use crate::http;
use crate::spec::oauth;

pub(crate) fn connector(http: &reqwest::Client) -> Connector {
    let spec = ProviderSpec {
        revoke_url: Some("https://developer.api.intuit.com/v2/oauth2/tokens/revoke".to_owned()),
        default_scopes: vec!["com.intuit.quickbooks.accounting"],
        pkce: false,
        refresh_tokens_rotate: true,
        capabilities: vec![Capability::Accounting],
        ..oauth(
            ProviderKey::Quickbooks,
            "QuickBooks",
            "https://appcenter.intuit.com/connect/oauth2",
            "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            "https://quickbooks.api.intuit.com/v3",
        )
    };
    http::standard(http, spec, Arc::new(Account { http: http.clone() }))
}

struct Account {
    http: reqwest::Client,
}

#[async_trait::async_trait]
impl AccountApi for Account {
    /// QuickBooks has no identity call without the company id its callback carries.
    async fn identity(
        &self,
        _spec: &ProviderSpec,
        _token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        Ok(None)
    }

    async fn test_call(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        account_id: Option<&str>,
    ) -> Result<bool, GatewayError> {
        let Some(realm) = account_id else {
            return Ok(false);
        };
        let request = self
            .http
            .get(format!(
                "{}/company/{realm}/companyinfo/{realm}",
                spec.api_base
            ))
            .header("accept", "application/json");
        http::send_bearer(request, token).await.map(|_| true)
    }

    fn identity_from_callback(&self, realm_id: Option<&str>) -> Option<AccountIdentity> {
        let realm = realm_id?;
        (realm.len() <= 64 && !realm.is_empty() && realm.chars().all(|c| c.is_ascii_digit())).then(
            || AccountIdentity {
                id: realm.to_owned(),
                label: format!("QuickBooks company {realm}"),
            },
        )
    }
}
