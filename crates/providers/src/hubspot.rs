//! HubSpot: the catalogue entry and the connected portal, read from the token's own metadata.

use std::sync::Arc;

use reqwest::StatusCode;
use serde::Deserialize;
use stint_api_types::providers::{Capability, ProviderKey};
use stint_connectors::AccountApi;
use stint_connectors::Secret;
use stint_connectors::{AccountIdentity, GatewayError};
use stint_connectors::{Connector, ProviderSpec};

use crate::http;
use crate::spec::oauth;

pub(crate) fn connector(http: &reqwest::Client) -> Connector {
    let spec = ProviderSpec {
        default_scopes: vec![
            "crm.objects.contacts.read",
            "crm.objects.companies.read",
            "crm.objects.deals.read",
        ],
        pkce: false,
        refresh_margin: std::time::Duration::from_secs(5 * 60),
        capabilities: vec![Capability::Crm],
        ..oauth(
            ProviderKey::Hubspot,
            "HubSpot",
            "https://app.hubspot.com/oauth/authorize",
            "https://api.hubapi.com/oauth/v1/token",
            "https://api.hubapi.com",
        )
    };
    http::standard(http, spec, Arc::new(Account { http: http.clone() }))
}

struct Account {
    http: reqwest::Client,
}

#[async_trait::async_trait]
impl AccountApi for Account {
    async fn identity(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        // The token's own metadata names the portal (hub) and the user who installed.
        let response = self
            .http
            .get(format!(
                "{}/oauth/v1/access-tokens/{}",
                spec.api_base,
                token.expose()
            ))
            .send()
            .await
            .map_err(http::unreachable)?;
        if !response.status().is_success() {
            return Err(match response.status() {
                StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST => {
                    GatewayError::DeadAccessToken
                }
                other => http::status_error(other),
            });
        }
        let info: TokenInfo = http::parse(response).await?;
        Ok(Some(AccountIdentity {
            id: info.hub_id.to_string(),
            label: info.hub_domain.unwrap_or(info.user),
        }))
    }
}

#[derive(Deserialize)]
struct TokenInfo {
    hub_id: u64,
    user: String,
    #[serde(default)]
    hub_domain: Option<String>,
}
