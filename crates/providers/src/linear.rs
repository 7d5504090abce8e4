//! Linear: the catalogue entry and the connected workspace (GraphQL `viewer`).

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
        revoke_url: Some("https://api.linear.app/oauth/revoke".to_owned()),
        default_scopes: vec!["read"],
        scope_separator: ",",
        capabilities: vec![Capability::Issues],
        entry_source: stint_api_types::tracking::TimeEntrySource::Linear,
        ..oauth(
            ProviderKey::Linear,
            "Linear",
            "https://linear.app/oauth/authorize",
            "https://api.linear.app/oauth/token",
            "https://api.linear.app",
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
        let query = serde_json::json!({ "query": "{ viewer { id email } organization { name } }" });
        let request = self
            .http
            .post(format!("{}/graphql", spec.api_base))
            .json(&query);
        let body: Data = http::parse(http::send_bearer(request, token).await?).await?;
        let data = body
            .data
            .ok_or_else(|| GatewayError::Inconclusive("Linear answered without data".to_owned()))?;
        Ok(Some(AccountIdentity {
            id: data.viewer.id,
            label: data.organization.map_or(data.viewer.email, |o| o.name),
        }))
    }
}

#[derive(Deserialize)]
struct Data {
    data: Option<ViewerData>,
}

#[derive(Deserialize)]
struct ViewerData {
    viewer: Viewer,
    organization: Option<Organization>,
}

#[derive(Deserialize)]
struct Viewer {
    id: String,
    email: String,
}

#[derive(Deserialize)]
struct Organization {
    name: String,
}
