//! Slack: `/tt` slash commands, the Events API (the app removed), timer notices and daily
//! summaries through `chat.postMessage`, the connected workspace (`auth.test`). Slack answers most
//! failures with HTTP 200 and `{"ok": false, "error": …}`.

mod commands;
mod events;
pub mod signature;

use std::sync::Arc;

use reqwest::StatusCode;
use serde::Deserialize;
use stint_api_types::providers::{Capability, ProviderKey, SlackSettings};
use stint_api_types::tracking::TimeEntrySource;
use stint_connectors::ChatCommand;
use stint_connectors::Secret;
use stint_connectors::{AccountApi, ChatCommands, Notifier, Revoker};
use stint_connectors::{AccountIdentity, AppCredentials, GatewayError};
use stint_connectors::{Connector, Handles, ProviderSpec};

use crate::http;
use crate::spec::oauth;

pub(crate) fn connector(http: &reqwest::Client) -> Connector {
    let spec = ProviderSpec {
        revoke_url: Some("https://slack.com/api/auth.revoke".to_owned()),
        default_scopes: vec!["commands", "chat:write", "users:read", "users:read.email"],
        scope_separator: ",",
        pkce: false,
        // Bot tokens do not expire unless the app opts into token rotation.
        access_tokens_expire: false,
        capabilities: vec![Capability::Notifications],
        handles: Some(Handles {
            label: "Slack member id",
            parse: member_id,
        }),
        entry_source: TimeEntrySource::Slack,
        ..oauth(
            ProviderKey::Slack,
            "Slack",
            "https://slack.com/oauth/v2/authorize",
            "https://slack.com/api/oauth.v2.access",
            "https://slack.com/api",
        )
    };
    let api = Arc::new(Slack { http: http.clone() });
    Connector::new(spec, api.clone(), api.clone())
        .with_webhooks(Arc::new(events::Events))
        .with_notifier(api.clone())
        .with_chat(api)
}

/// A Slack member id such as `U024BE7LH`.
fn member_id(value: &str) -> Result<String, &'static str> {
    let id = value.trim();
    let ok = (2..=32).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(id.to_owned())
    } else {
        Err("is not a Slack member id such as U024BE7LH")
    }
}

struct Slack {
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(flatten)]
    body: T,
}

#[derive(Deserialize, Default)]
struct UserInfo {
    #[serde(default)]
    user: Option<Member>,
}

#[derive(Deserialize)]
struct Member {
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize, Default)]
struct Nothing {}

async fn read<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, GatewayError> {
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(GatewayError::RateLimited {
            retry_after: http::retry_after(&response),
            reset_at: None,
        });
    }
    if status == StatusCode::UNAUTHORIZED {
        return Err(GatewayError::DeadAccessToken);
    }
    if !status.is_success() {
        return Err(GatewayError::Inconclusive(format!("HTTP {status}")));
    }
    let answer: Answer<T> = response.json().await.map_err(|e| {
        GatewayError::Inconclusive(format!("unexpected answer: {}", e.without_url()))
    })?;
    if answer.ok {
        return Ok(answer.body);
    }
    let error = answer.error.unwrap_or_else(|| "unknown_error".to_owned());
    Err(match error.as_str() {
        "invalid_auth" | "not_authed" | "token_revoked" | "token_expired" | "account_inactive" => {
            GatewayError::DeadAccessToken
        }
        "ratelimited" => GatewayError::RateLimited {
            retry_after: None,
            reset_at: None,
        },
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" => {
            GatewayError::Inconclusive(error)
        }
        _ => GatewayError::Refused(error),
    })
}

#[derive(Deserialize, Default)]
struct AuthTest {
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
}

#[async_trait::async_trait]
impl AccountApi for Slack {
    async fn identity(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        let response = self
            .http
            .post(format!("{}/auth.test", spec.api_base))
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(http::unreachable)?;
        let test: AuthTest = read(response).await.map_err(|err| match err {
            GatewayError::Refused(reason) => GatewayError::Inconclusive(reason),
            other => other,
        })?;
        match (test.team_id, test.team) {
            (Some(id), Some(team)) => Ok(Some(AccountIdentity { id, label: team })),
            _ => Err(GatewayError::Inconclusive(
                "auth.test named no workspace".to_owned(),
            )),
        }
    }
}

#[async_trait::async_trait]
impl Revoker for Slack {
    /// `auth.revoke` with the token itself.
    async fn revoke(
        &self,
        spec: &ProviderSpec,
        _app: &AppCredentials,
        access_token: &Secret,
    ) -> Result<(), GatewayError> {
        let Some(url) = &spec.revoke_url else {
            return Ok(());
        };
        http::send_bearer(self.http.post(url), access_token)
            .await
            .map(|_| ())
    }
}

#[async_trait::async_trait]
impl Notifier for Slack {
    fn channel(&self, config: &serde_json::Value) -> Option<String> {
        serde_json::from_value::<SlackSettings>(config.clone())
            .ok()?
            .channel
    }

    /// `chat.postMessage` to a channel id, `#name` or a member id (a direct message).
    async fn post(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        channel: &str,
        text: &str,
    ) -> Result<(), GatewayError> {
        let response = self
            .http
            .post(format!("{}/chat.postMessage", spec.api_base))
            .bearer_auth(token.expose())
            .json(&serde_json::json!({ "channel": channel, "text": text }))
            .send()
            .await
            .map_err(http::unreachable)?;
        read::<Nothing>(response).await.map(|_| ())
    }
}

#[async_trait::async_trait]
impl ChatCommands for Slack {
    fn parse(&self, body: &[u8]) -> Result<ChatCommand, String> {
        commands::parse(body)
    }

    fn reply(&self, text: &str) -> serde_json::Value {
        serde_json::json!({ "response_type": "ephemeral", "text": text })
    }

    /// `users.info`: the member's email, when the token may read it.
    async fn member_email(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        member: &str,
    ) -> Result<Option<String>, GatewayError> {
        let response = self
            .http
            .get(format!("{}/users.info", spec.api_base))
            .query(&[("user", member)])
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(http::unreachable)?;
        let info: UserInfo = read(response).await?;
        Ok(info.user.and_then(|m| m.profile).and_then(|p| p.email))
    }
}
