//! Slack's Web API: `users.info` for a member's email and `chat.postMessage`. Slack answers most
//! failures with HTTP 200 and `{"ok": false, "error": …}`.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use stint_core::Secret;
use stint_core::catalogue::ProviderSpec;
use stint_core::integrations::gateway::GatewayError;
use stint_core::slack::api::SlackApi;

use crate::http;

pub struct HttpSlack {
    http: reqwest::Client,
}

impl HttpSlack {
    pub fn new() -> Self {
        HttpSlack {
            http: http::client(),
        }
    }
}

impl Default for HttpSlack {
    fn default() -> Self {
        Self::new()
    }
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
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
            .map(Duration::from_secs);
        return Err(GatewayError::RateLimited {
            retry_after,
            reset_at: None,
        });
    }
    if status == StatusCode::UNAUTHORIZED {
        return Err(GatewayError::DeadAccessToken);
    }
    if !status.is_success() {
        return Err(GatewayError::Inconclusive(format!("HTTP {status}")));
    }
    let answer: Answer<T> = response
        .json()
        .await
        .map_err(|e| GatewayError::Inconclusive(format!("unexpected answer: {e}")))?;
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

#[async_trait::async_trait]
impl SlackApi for HttpSlack {
    async fn user_email(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        slack_user_id: &str,
    ) -> Result<Option<String>, GatewayError> {
        let response = self
            .http
            .get(format!("{}/users.info", spec.api_base))
            .query(&[("user", slack_user_id)])
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
        let info: UserInfo = read(response).await?;
        Ok(info.user.and_then(|m| m.profile).and_then(|p| p.email))
    }

    async fn post_message(
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
            .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
        read::<Nothing>(response).await.map(|_| ())
    }
}
