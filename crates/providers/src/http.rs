//! The HTTP client every adapter shares, and the few ways of reading an answer they have in common.

use std::time::Duration;

use reqwest::StatusCode;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{AppCredentials, GatewayError};

/// Fails rather than fall back to a client without timeouts that follows redirects.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        // Adapters follow no redirects: tokens must not travel to another host (SSRF, leakage).
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .timeout(timeout)
        .user_agent(concat!("Stint/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A failed request: the provider could not be reached (or did not answer in time). The URL is
/// left out: some providers carry credentials in it (Trello's key and token, HubSpot's token).
pub(crate) fn unreachable(err: reqwest::Error) -> GatewayError {
    GatewayError::Inconclusive(format!("request failed: {}", err.without_url()))
}

pub(crate) fn status_error(status: StatusCode) -> GatewayError {
    match status {
        StatusCode::UNAUTHORIZED => GatewayError::DeadAccessToken,
        other => GatewayError::Inconclusive(format!("HTTP {other}")),
    }
}

/// The `Retry-After` a provider sent, in seconds.
pub(crate) fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.trim().parse().ok())
        .map(Duration::from_secs)
}

/// `api_base` with `segments` appended, each escaped (calendar ids hold `@` and `#`).
pub(crate) fn api_url<'a>(
    spec: &ProviderSpec,
    segments: impl IntoIterator<Item = &'a str>,
) -> Result<reqwest::Url, GatewayError> {
    let mut url = reqwest::Url::parse(&spec.api_base)
        .map_err(|e| GatewayError::Refused(format!("the API address is not a URL: {e}")))?;
    url.path_segments_mut()
        .map_err(|()| GatewayError::Refused("the API address cannot take a path".into()))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// Sends; anything but success is classified.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, GatewayError> {
    let response = request.send().await.map_err(unreachable)?;
    if !response.status().is_success() {
        return Err(status_error(response.status()));
    }
    Ok(response)
}

/// Sends with the bearer token; anything but success is classified.
pub(crate) async fn send_bearer(
    request: reqwest::RequestBuilder,
    token: &Secret,
) -> Result<reqwest::Response, GatewayError> {
    send(request.bearer_auth(token.expose())).await
}

pub(crate) async fn parse<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, GatewayError> {
    response
        .json()
        .await
        .map_err(|e| GatewayError::Inconclusive(format!("unexpected answer: {}", e.without_url())))
}

/// GET with the bearer token, read as JSON.
pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: String,
    token: &Secret,
) -> Result<T, GatewayError> {
    parse(send_bearer(http.get(url), token).await?).await
}

/// RFC 7009 token revocation with the app's basic auth.
pub(crate) async fn revoke_rfc7009(
    http: &reqwest::Client,
    spec: &ProviderSpec,
    app: &AppCredentials,
    access_token: &Secret,
) -> Result<(), GatewayError> {
    let Some(url) = &spec.revoke_url else {
        return Ok(());
    };
    let secret = app.client_secret.as_ref().map(|s| s.expose().to_owned());
    let request = http.post(url).basic_auth(&app.client_id, secret).form(&[
        ("token", access_token.expose()),
        ("token_type_hint", "access_token"),
    ]);
    send(request).await.map(|_| ())
}

/// RFC 7009 revocation, what most providers do.
pub(crate) struct Rfc7009 {
    pub http: reqwest::Client,
}

#[async_trait::async_trait]
impl stint_connectors::Revoker for Rfc7009 {
    async fn revoke(
        &self,
        spec: &ProviderSpec,
        app: &AppCredentials,
        access_token: &Secret,
    ) -> Result<(), GatewayError> {
        revoke_rfc7009(&self.http, spec, app, access_token).await
    }
}

/// A connector whose grant is revoked the RFC 7009 way.
pub(crate) fn standard(
    http: &reqwest::Client,
    spec: ProviderSpec,
    account: std::sync::Arc<dyn stint_connectors::AccountApi>,
) -> stint_connectors::Connector {
    stint_connectors::Connector::new(
        spec,
        account,
        std::sync::Arc::new(Rfc7009 { http: http.clone() }),
    )
}
