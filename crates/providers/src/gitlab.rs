//! GitLab (gitlab.com or self-hosted through `STINT_PROVIDER_GITLAB_*`): the catalogue entry and the connected account. Issues arrive with the issue-tracker work.

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
        revoke_url: Some("https://gitlab.com/oauth/revoke".to_owned()),
        default_scopes: vec!["read_api", "read_user"],
        // GitLab answers every refresh with a new refresh token and voids the old one.
        refresh_tokens_rotate: true,
        capabilities: vec![Capability::Issues],
        entry_source: stint_api_types::tracking::TimeEntrySource::Gitlab,
        ..oauth(
            ProviderKey::Gitlab,
            "GitLab",
            "https://gitlab.com/oauth/authorize",
            "https://gitlab.com/oauth/token",
            "https://gitlab.com/api/v4",
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
        let user: User =
            http::get_json(&self.http, format!("{}/user", spec.api_base), token).await?;
        Ok(Some(AccountIdentity {
            id: user.id.to_string(),
            label: user.username,
        }))
    }
}

#[derive(Deserialize)]
struct User {
    id: u64,
    username: String,
}
