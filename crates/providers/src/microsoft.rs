//! Microsoft Teams, and the connected account (`/me`) every Microsoft Graph provider shares
//! (Outlook Calendar too).

use std::sync::Arc;

use serde::Deserialize;
use stint_api_types::providers::{Capability, ProviderKey};
use stint_connectors::AccountApi;
use stint_connectors::Secret;
use stint_connectors::{AccountIdentity, GatewayError};
use stint_connectors::{Connector, ProviderSpec};

use crate::http;
use crate::spec::{MS_AUTHORIZE, MS_GRAPH, MS_TOKEN, oauth};

pub(crate) fn teams(http: &reqwest::Client) -> Connector {
    let spec = ProviderSpec {
        default_scopes: vec![
            "offline_access",
            "User.Read",
            "Team.ReadBasic.All",
            "ChannelMessage.Send",
        ],
        capabilities: vec![Capability::Notifications],
        ..oauth(
            ProviderKey::MicrosoftTeams,
            "Microsoft Teams",
            MS_AUTHORIZE,
            MS_TOKEN,
            MS_GRAPH,
        )
    };
    http::standard(http, spec, Arc::new(GraphAccount { http: http.clone() }))
}

pub(crate) struct GraphAccount {
    pub(crate) http: reqwest::Client,
}

#[async_trait::async_trait]
impl AccountApi for GraphAccount {
    async fn identity(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        let me: GraphUser =
            http::get_json(&self.http, format!("{}/me", spec.api_base), token).await?;
        let label = me
            .mail
            .or(me.user_principal_name)
            .unwrap_or(me.display_name.unwrap_or_default());
        Ok(Some(AccountIdentity { id: me.id, label }))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphUser {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    mail: Option<String>,
    #[serde(default)]
    user_principal_name: Option<String>,
}
