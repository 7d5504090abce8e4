//! Xero: the catalogue entry and the connected organisation (tenant).

use std::sync::Arc;

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
        revoke_url: Some("https://identity.xero.com/connect/revocation".to_owned()),
        default_scopes: vec![
            "openid",
            "profile",
            "email",
            "offline_access",
            "accounting.transactions",
            "accounting.contacts",
        ],
        refresh_tokens_rotate: true,
        // Xero access tokens live 30 minutes.
        refresh_margin: std::time::Duration::from_secs(5 * 60),
        capabilities: vec![Capability::Accounting],
        ..oauth(
            ProviderKey::Xero,
            "Xero",
            "https://login.xero.com/identity/connect/authorize",
            "https://identity.xero.com/connect/token",
            "https://api.xero.com/api.xro/2.0",
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
        // Connections live beside the accounting API: https://api.xero.com/connections.
        let root = spec
            .api_base
            .trim_end_matches('/')
            .trim_end_matches("/api.xro/2.0");
        let tenants: Vec<Tenant> =
            http::get_json(&self.http, format!("{root}/connections"), token).await?;
        Ok(tenants.into_iter().next().map(|t| AccountIdentity {
            id: t.tenant_id,
            label: t.tenant_name,
        }))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tenant {
    tenant_id: String,
    tenant_name: String,
}
