//! OAuth 2.0 code exchange and refresh with the `oauth2` crate: the same for every OAuth provider.

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthorizationCode, ClientId, ClientSecret, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, TokenResponse, TokenUrl,
};
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{AppCredentials, GatewayError, OAuthClient, TokenGrant};

pub struct HttpOAuth {
    http: reqwest::Client,
}

impl HttpOAuth {
    pub fn new(http: reqwest::Client) -> Self {
        HttpOAuth { http }
    }
}

type Oauth2Error = RequestTokenError<
    oauth2::HttpClientError<reqwest::Error>,
    oauth2::StandardErrorResponse<BasicErrorResponseType>,
>;

fn classify(err: Oauth2Error) -> GatewayError {
    match err {
        RequestTokenError::ServerResponse(response) => {
            let description = response
                .error_description()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let reason = format!("{}{description}", response.error());
            match response.error() {
                BasicErrorResponseType::InvalidGrant
                | BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient => GatewayError::DeadGrant(reason),
                _ => GatewayError::Inconclusive(reason),
            }
        }
        RequestTokenError::Request(err) => {
            GatewayError::Inconclusive(format!("request failed: {err}"))
        }
        RequestTokenError::Parse(_, body) => GatewayError::Inconclusive(format!(
            "unexpected answer from the token endpoint ({} bytes)",
            body.len()
        )),
        RequestTokenError::Other(message) => GatewayError::Inconclusive(message),
    }
}

fn grant(response: &oauth2::basic::BasicTokenResponse) -> TokenGrant {
    TokenGrant {
        access_token: Secret::new(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|t| Secret::new(t.secret().clone())),
        expires_in: response.expires_in(),
        token_type: Some(response.token_type().as_ref().to_owned()),
        scopes: response
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
    }
}

fn token_url(spec: &ProviderSpec) -> Result<TokenUrl, GatewayError> {
    TokenUrl::new(spec.token_url.clone())
        .map_err(|e| GatewayError::Inconclusive(format!("bad token URL: {e}")))
}

#[async_trait::async_trait]
impl OAuthClient for HttpOAuth {
    async fn exchange_code(
        &self,
        spec: &ProviderSpec,
        app: &AppCredentials,
        code: &str,
        pkce_verifier: Option<&Secret>,
        redirect_uri: &str,
    ) -> Result<TokenGrant, GatewayError> {
        let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
            .set_token_uri(token_url(spec)?)
            .set_redirect_uri(
                RedirectUrl::new(redirect_uri.to_owned())
                    .map_err(|e| GatewayError::Inconclusive(e.to_string()))?,
            );
        if let Some(secret) = &app.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_owned()));
        }
        let mut request = client.exchange_code(AuthorizationCode::new(code.to_owned()));
        if let Some(verifier) = pkce_verifier {
            request =
                request.set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()));
        }
        let response = request.request_async(&self.http).await.map_err(classify)?;
        Ok(grant(&response))
    }

    async fn refresh(
        &self,
        spec: &ProviderSpec,
        app: &AppCredentials,
        refresh_token: &Secret,
    ) -> Result<TokenGrant, GatewayError> {
        let mut client =
            BasicClient::new(ClientId::new(app.client_id.clone())).set_token_uri(token_url(spec)?);
        if let Some(secret) = &app.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_owned()));
        }
        let token = RefreshToken::new(refresh_token.expose().to_owned());
        let response = client
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await
            .map_err(classify)?;
        Ok(grant(&response))
    }
}
