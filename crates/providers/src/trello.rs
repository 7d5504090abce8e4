//! Trello: connected with an API key and a user token (stored together as `key:token`), which
//! travel as query parameters; the catalogue entry and the connected member.

use std::sync::Arc;

use reqwest::StatusCode;
use serde::Deserialize;
use stint_api_types::providers::{AuthKind, Capability, ProviderKey};
use stint_connectors::AccountApi;
use stint_connectors::Secret;
use stint_connectors::{AccountIdentity, GatewayError};
use stint_connectors::{Connector, ProviderSpec};

use crate::http;
use crate::spec::oauth;

pub(crate) fn connector(http: &reqwest::Client) -> Connector {
    let spec = ProviderSpec {
        auth_kind: AuthKind::ApiKey,
        token_url: String::new(),
        default_scopes: vec!["read"],
        pkce: false,
        access_tokens_expire: false,
        capabilities: vec![Capability::Issues],
        entry_source: stint_api_types::tracking::TimeEntrySource::Trello,
        ..oauth(
            ProviderKey::Trello,
            "Trello",
            "https://trello.com/1/authorize",
            "",
            "https://api.trello.com/1",
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
        key_and_token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        let (key, token) = key_and_token
            .expose()
            .split_once(':')
            .ok_or(GatewayError::DeadAccessToken)?;
        let response = self
            .http
            .get(format!("{}/members/me", spec.api_base))
            .query(&[
                ("key", key),
                ("token", token),
                ("fields", "username,fullName"),
            ])
            .send()
            .await
            .map_err(http::unreachable)?;
        let member: Member = match response.status() {
            status if status.is_success() => http::parse(response).await?,
            // Trello answers a bad key or token with 401 ("invalid key", "invalid token").
            StatusCode::UNAUTHORIZED | StatusCode::BAD_REQUEST => {
                return Err(GatewayError::DeadAccessToken);
            }
            status => return Err(http::status_error(status)),
        };
        Ok(Some(AccountIdentity {
            id: member.id,
            label: member.username,
        }))
    }
}

#[derive(Deserialize)]
struct Member {
    id: String,
    username: String,
}
