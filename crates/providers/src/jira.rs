//! Jira Cloud: the catalogue entry and the Atlassian site the grant reaches.

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
        default_scopes: vec!["read:jira-work", "read:jira-user", "offline_access"],
        pkce: false,
        // Atlassian rotates refresh tokens.
        refresh_tokens_rotate: true,
        capabilities: vec![Capability::Issues],
        extra_authorize_params: vec![("audience", "api.atlassian.com"), ("prompt", "consent")],
        entry_source: stint_api_types::tracking::TimeEntrySource::Jira,
        ..oauth(
            ProviderKey::Jira,
            "Jira",
            "https://auth.atlassian.com/authorize",
            "https://auth.atlassian.com/oauth/token",
            "https://api.atlassian.com",
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
        // The Atlassian sites this grant reaches; the first names the connection.
        let url = format!("{}/oauth/token/accessible-resources", spec.api_base);
        let sites: Vec<Site> = http::get_json(&self.http, url, token).await?;
        Ok(sites.into_iter().next().map(|site| AccountIdentity {
            id: site.id,
            label: site.name,
        }))
    }
}

#[derive(Deserialize)]
struct Site {
    id: String,
    name: String,
}
