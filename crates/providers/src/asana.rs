//! Asana: the catalogue entry and the connected user.

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
        revoke_url: Some("https://app.asana.com/-/oauth_revoke".to_owned()),
        default_scopes: vec!["default"],
        capabilities: vec![Capability::Issues],
        entry_source: stint_api_types::tracking::TimeEntrySource::Asana,
        ..oauth(
            ProviderKey::Asana,
            "Asana",
            "https://app.asana.com/-/oauth_authorize",
            "https://app.asana.com/-/oauth_token",
            "https://app.asana.com/api/1.0",
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
        let me: Wrapped<User> =
            http::get_json(&self.http, format!("{}/users/me", spec.api_base), token).await?;
        Ok(Some(AccountIdentity {
            id: me.data.gid,
            label: me.data.email.unwrap_or(me.data.name),
        }))
    }
}

#[derive(Deserialize)]
struct Wrapped<T> {
    data: T,
}

#[derive(Deserialize)]
struct User {
    gid: String,
    name: String,
    #[serde(default)]
    email: Option<String>,
}
