//! GitHub: issues become tasks, by signed webhook and by sync; the connected account; revoking
//! the OAuth app's grant.

mod issues;
mod payload;
pub mod signature;
mod webhook;

use std::sync::Arc;

use serde::Deserialize;
use stint_api_types::providers::{Capability, ProviderKey};
use stint_api_types::tracking::TimeEntrySource;
use stint_connectors::Secret;
use stint_connectors::{AccountApi, Revoker};
use stint_connectors::{AccountIdentity, AppCredentials, GatewayError};
use stint_connectors::{Connector, Handles, ProviderSpec};

use crate::http;
use crate::spec::oauth;

pub(crate) fn connector(http: &reqwest::Client) -> Connector {
    let spec = ProviderSpec {
        revoke_url: Some("https://api.github.com/applications/{client_id}/grant".to_owned()),
        default_scopes: vec!["repo", "read:user"],
        // OAuth App tokens do not expire.
        access_tokens_expire: false,
        capabilities: vec![Capability::Issues],
        handles: Some(Handles {
            label: "GitHub login",
            parse: login,
        }),
        entry_source: TimeEntrySource::Github,
        ..oauth(
            ProviderKey::Github,
            "GitHub",
            "https://github.com/login/oauth/authorize",
            "https://github.com/login/oauth/access_token",
            "https://api.github.com",
        )
    };
    let account = Arc::new(Account { http: http.clone() });
    Connector::new(spec, account.clone(), account)
        .with_webhooks(Arc::new(webhook::Webhooks))
        .with_issues(Arc::new(issues::Issues::new(http.clone())))
}

/// A GitHub login: 1–39 letters, digits or single hyphens, not at either end; GitHub compares
/// them case-insensitively, so Stint keeps them lower-case.
fn login(value: &str) -> Result<String, &'static str> {
    let login = value.trim().trim_start_matches('@');
    let ok = !login.is_empty()
        && login.len() <= 39
        && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !login.starts_with('-')
        && !login.ends_with('-')
        && !login.contains("--");
    if ok {
        Ok(login.to_ascii_lowercase())
    } else {
        Err("is not a GitHub login")
    }
}

struct Account {
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct User {
    login: String,
    id: u64,
}

#[async_trait::async_trait]
impl AccountApi for Account {
    async fn identity(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        let request = self
            .http
            .get(format!("{}/user", spec.api_base))
            .header("accept", "application/vnd.github+json");
        let user: User = http::parse(http::send_bearer(request, token).await?).await?;
        Ok(Some(AccountIdentity {
            id: user.id.to_string(),
            label: user.login,
        }))
    }

    fn handle(&self, identity: &AccountIdentity) -> Option<String> {
        Some(identity.label.clone())
    }
}

#[async_trait::async_trait]
impl Revoker for Account {
    /// `DELETE /applications/{client_id}/grant` with the app's basic auth.
    async fn revoke(
        &self,
        spec: &ProviderSpec,
        app: &AppCredentials,
        access_token: &Secret,
    ) -> Result<(), GatewayError> {
        let Some(url) = &spec.revoke_url else {
            return Ok(());
        };
        let secret = app.client_secret.as_ref().map(|s| s.expose().to_owned());
        let request = self
            .http
            .delete(url.replace("{client_id}", &app.client_id))
            .basic_auth(&app.client_id, secret)
            .header("accept", "application/vnd.github+json")
            .json(&serde_json::json!({ "access_token": access_token.expose() }));
        http::send(request).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn logins_are_checked_and_kept_lower_case() {
        assert_eq!(super::login("@Octo-Cat"), Ok("octo-cat".to_owned()));
        for bad in ["", "-a", "a-", "a--b", "a_b", &"a".repeat(40)] {
            assert!(super::login(bad).is_err(), "{bad}");
        }
    }
}
