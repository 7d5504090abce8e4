//! The HTTP side of the integration framework: OAuth 2.0 code exchange and refresh (with the
//! `oauth2` crate), token revocation, and who the connected account is.

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthorizationCode, ClientId, ClientSecret, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, TokenResponse, TokenUrl,
};
use reqwest::StatusCode;
use serde::Deserialize;
use stint_api_types::providers::ProviderKey;
use stint_core::Secret;
use stint_core::catalogue::ProviderSpec;
use stint_core::integrations::gateway::{
    AccountIdentity, AppCredentials, GatewayError, ProviderGateway, TokenGrant,
};

pub struct HttpGateway {
    http: reqwest::Client,
}

impl HttpGateway {
    pub fn new() -> Self {
        HttpGateway {
            http: crate::http::client(),
        }
    }
}

impl Default for HttpGateway {
    fn default() -> Self {
        Self::new()
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

fn status_error(status: StatusCode) -> GatewayError {
    match status {
        StatusCode::UNAUTHORIZED => GatewayError::DeadAccessToken,
        other => GatewayError::Inconclusive(format!("HTTP {other}")),
    }
}

#[derive(Deserialize)]
struct GithubUser {
    login: String,
    id: u64,
}

#[derive(Deserialize)]
struct SlackAuthTest {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
}

#[async_trait::async_trait]
impl ProviderGateway for HttpGateway {
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
        let request = match spec.key {
            // DELETE /applications/{client_id}/grant with the app's basic auth.
            ProviderKey::Github => self
                .http
                .delete(url.replace("{client_id}", &app.client_id))
                .basic_auth(&app.client_id, secret)
                .header("accept", "application/vnd.github+json")
                .json(&serde_json::json!({ "access_token": access_token.expose() })),
            ProviderKey::Slack => self.http.post(url).bearer_auth(access_token.expose()),
            // RFC 7009.
            _ => self
                .http
                .post(url)
                .basic_auth(&app.client_id, secret)
                .form(&[
                    ("token", access_token.expose()),
                    ("token_type_hint", "access_token"),
                ]),
        };
        let response = request
            .send()
            .await
            .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(status_error(response.status()))
        }
    }

    async fn identity(
        &self,
        spec: &ProviderSpec,
        access_token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        let send = |request: reqwest::RequestBuilder| async move {
            let response = request
                .bearer_auth(access_token.expose())
                .send()
                .await
                .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
            if !response.status().is_success() {
                return Err(status_error(response.status()));
            }
            Ok(response)
        };
        match spec.key {
            ProviderKey::Github => {
                let response = send(
                    self.http
                        .get(format!("{}/user", spec.api_base))
                        .header("accept", "application/vnd.github+json"),
                )
                .await?;
                let user: GithubUser = response
                    .json()
                    .await
                    .map_err(|e| GatewayError::Inconclusive(e.to_string()))?;
                Ok(Some(AccountIdentity {
                    id: user.id.to_string(),
                    label: user.login,
                }))
            }
            ProviderKey::Slack => {
                let response = send(self.http.post(format!("{}/auth.test", spec.api_base))).await?;
                let test: SlackAuthTest = response
                    .json()
                    .await
                    .map_err(|e| GatewayError::Inconclusive(e.to_string()))?;
                match (test.ok, test.team_id, test.team) {
                    (true, Some(id), Some(team)) => Ok(Some(AccountIdentity { id, label: team })),
                    (_, _, _) if test.error.as_deref() == Some("invalid_auth") => {
                        Err(GatewayError::DeadAccessToken)
                    }
                    _ => Err(GatewayError::Inconclusive(
                        test.error.unwrap_or_else(|| "auth.test failed".to_owned()),
                    )),
                }
            }
            ProviderKey::Gitlab => {
                let response = send(self.http.get(format!("{}/user", spec.api_base))).await?;
                let user: GitlabUser = parse(response).await?;
                Ok(Some(AccountIdentity {
                    id: user.id.to_string(),
                    label: user.username,
                }))
            }
            ProviderKey::Jira => {
                // The Atlassian sites this grant reaches; the first names the connection.
                let response = send(self.http.get(format!(
                    "{}/oauth/token/accessible-resources",
                    spec.api_base
                )))
                .await?;
                let sites: Vec<AtlassianSite> = parse(response).await?;
                Ok(sites.into_iter().next().map(|site| AccountIdentity {
                    id: site.id,
                    label: site.name,
                }))
            }
            ProviderKey::Asana => {
                let response = send(self.http.get(format!("{}/users/me", spec.api_base))).await?;
                let me: AsanaData<AsanaUser> = parse(response).await?;
                Ok(Some(AccountIdentity {
                    id: me.data.gid,
                    label: me.data.email.unwrap_or(me.data.name),
                }))
            }
            ProviderKey::MicrosoftTeams | ProviderKey::OutlookCalendar => {
                let response = send(self.http.get(format!("{}/me", spec.api_base))).await?;
                let me: GraphUser = parse(response).await?;
                let label = me
                    .mail
                    .or(me.user_principal_name)
                    .unwrap_or(me.display_name.unwrap_or_default());
                Ok(Some(AccountIdentity { id: me.id, label }))
            }
            ProviderKey::GoogleCalendar => {
                // The primary calendar's id is the account's email address.
                let response = send(
                    self.http
                        .get(format!("{}/calendars/primary", spec.api_base)),
                )
                .await?;
                let calendar: GoogleCalendar = parse(response).await?;
                Ok(Some(AccountIdentity {
                    id: calendar.id.clone(),
                    label: calendar.id,
                }))
            }
            ProviderKey::Linear => {
                let query =
                    serde_json::json!({ "query": "{ viewer { id email } organization { name } }" });
                let response = send(
                    self.http
                        .post(format!("{}/graphql", spec.api_base))
                        .json(&query),
                )
                .await?;
                let body: LinearData = parse(response).await?;
                let data = body.data.ok_or_else(|| {
                    GatewayError::Inconclusive("Linear answered without data".to_owned())
                })?;
                Ok(Some(AccountIdentity {
                    id: data.viewer.id,
                    label: data.organization.map_or(data.viewer.email, |o| o.name),
                }))
            }
            ProviderKey::Hubspot => {
                // The token's own metadata names the portal (hub) and the user who installed.
                let response = self
                    .http
                    .get(format!(
                        "{}/oauth/v1/access-tokens/{}",
                        spec.api_base,
                        access_token.expose()
                    ))
                    .send()
                    .await
                    .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
                if !response.status().is_success() {
                    return Err(match response.status() {
                        StatusCode::UNAUTHORIZED
                        | StatusCode::NOT_FOUND
                        | StatusCode::BAD_REQUEST => GatewayError::DeadAccessToken,
                        other => status_error(other),
                    });
                }
                let info: HubspotToken = parse(response).await?;
                Ok(Some(AccountIdentity {
                    id: info.hub_id.to_string(),
                    label: info.hub_domain.unwrap_or(info.user),
                }))
            }
            ProviderKey::Xero => {
                // Connections live beside the accounting API: https://api.xero.com/connections.
                let root = spec
                    .api_base
                    .trim_end_matches('/')
                    .trim_end_matches("/api.xro/2.0");
                let response = send(self.http.get(format!("{root}/connections"))).await?;
                let tenants: Vec<XeroTenant> = parse(response).await?;
                Ok(tenants.into_iter().next().map(|t| AccountIdentity {
                    id: t.tenant_id,
                    label: t.tenant_name,
                }))
            }
            ProviderKey::Trello => {
                let member = self.trello_me(spec, access_token).await?;
                Ok(Some(AccountIdentity {
                    id: member.id,
                    label: member.username,
                }))
            }
            // Providers without an identity adapter yet connect without an account label.
            _ => Ok(None),
        }
    }

    async fn test_call(
        &self,
        spec: &ProviderSpec,
        access_token: &Secret,
        account_id: Option<&str>,
    ) -> Result<bool, GatewayError> {
        match spec.key {
            ProviderKey::Quickbooks => {
                let Some(realm) = account_id else {
                    return Ok(false);
                };
                let response = self
                    .http
                    .get(format!(
                        "{}/company/{realm}/companyinfo/{realm}",
                        spec.api_base
                    ))
                    .header("accept", "application/json")
                    .bearer_auth(access_token.expose())
                    .send()
                    .await
                    .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
                if response.status().is_success() {
                    Ok(true)
                } else {
                    Err(status_error(response.status()))
                }
            }
            ProviderKey::Github
            | ProviderKey::Gitlab
            | ProviderKey::Jira
            | ProviderKey::Asana
            | ProviderKey::MicrosoftTeams
            | ProviderKey::OutlookCalendar
            | ProviderKey::Slack
            | ProviderKey::Linear
            | ProviderKey::Hubspot
            | ProviderKey::Xero
            | ProviderKey::Trello => self.identity(spec, access_token).await.map(|_| true),
            ProviderKey::GoogleCalendar => {
                let response = self
                    .http
                    .get(format!("{}/users/me/calendarList", spec.api_base))
                    .query(&[("maxResults", "1")])
                    .bearer_auth(access_token.expose())
                    .send()
                    .await
                    .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
                if response.status().is_success() {
                    Ok(true)
                } else {
                    Err(status_error(response.status()))
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct TrelloMember {
    id: String,
    username: String,
}

impl HttpGateway {
    /// Trello authenticates with the app key and the user token as query parameters; Stint
    /// stores them together as `key:token`.
    async fn trello_me(
        &self,
        spec: &ProviderSpec,
        key_and_token: &Secret,
    ) -> Result<TrelloMember, GatewayError> {
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
            .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
        match response.status() {
            status if status.is_success() => response
                .json()
                .await
                .map_err(|e| GatewayError::Inconclusive(e.to_string())),
            // Trello answers a bad key or token with 401 ("invalid key", "invalid token").
            StatusCode::UNAUTHORIZED | StatusCode::BAD_REQUEST => {
                Err(GatewayError::DeadAccessToken)
            }
            status => Err(status_error(status)),
        }
    }
}

async fn parse<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, GatewayError> {
    response
        .json()
        .await
        .map_err(|e| GatewayError::Inconclusive(format!("unexpected answer: {e}")))
}

#[derive(Deserialize)]
struct GitlabUser {
    id: u64,
    username: String,
}

#[derive(Deserialize)]
struct AtlassianSite {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct AsanaData<T> {
    data: T,
}

#[derive(Deserialize)]
struct AsanaUser {
    gid: String,
    name: String,
    #[serde(default)]
    email: Option<String>,
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

#[derive(Deserialize)]
struct GoogleCalendar {
    id: String,
}

#[derive(Deserialize)]
struct LinearData {
    data: Option<LinearViewerData>,
}

#[derive(Deserialize)]
struct LinearViewerData {
    viewer: LinearViewer,
    organization: Option<LinearOrganization>,
}

#[derive(Deserialize)]
struct LinearViewer {
    id: String,
    email: String,
}

#[derive(Deserialize)]
struct LinearOrganization {
    name: String,
}

#[derive(Deserialize)]
struct HubspotToken {
    hub_id: u64,
    user: String,
    #[serde(default)]
    hub_domain: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct XeroTenant {
    tenant_id: String,
    tenant_name: String,
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;
    use stint_core::catalogue::Catalogue;
    use stint_core::config::ProviderEnv;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    async fn identity_of(
        key: ProviderKey,
        server: &MockServer,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        let env = HashMap::from([(
            key,
            ProviderEnv {
                api_base: Some(server.uri()),
                ..ProviderEnv::default()
            },
        )]);
        let catalogue = Catalogue::new(crate::catalogue(), &env);
        let spec = catalogue.get(key).expect("entry");
        HttpGateway::new()
            .identity(spec, &Secret::new("token-123"))
            .await
    }

    async fn serve(server: &MockServer, route: &str, body: serde_json::Value) {
        Mock::given(method("GET"))
            .and(path(route))
            .and(header("authorization", "Bearer token-123"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(server)
            .await;
    }

    #[tokio::test]
    async fn identities_from_real_payload_shapes() {
        let server = MockServer::start().await;
        serve(
            &server,
            "/user",
            json!({ "id": 1, "username": "john_smith", "name": "John Smith", "state": "active" }),
        )
        .await;
        serve(&server, "/calendars/primary", json!({ "kind": "calendar#calendar", "id": "ada@example.com", "summary": "ada@example.com", "timeZone": "Europe/London" })).await;
        serve(&server, "/me", json!({ "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "displayName": "Adele Vance", "mail": "AdeleV@contoso.com", "userPrincipalName": "AdeleV@contoso.com" })).await;
        serve(&server, "/users/me", json!({ "data": { "gid": "12345", "resource_type": "user", "name": "Greg Sanchez", "email": "gsanchez@example.com" } })).await;
        serve(&server, "/oauth/token/accessible-resources", json!([{ "id": "1324a887-45db-1bf4-1e99-ef0ff456d421", "name": "Site name", "url": "https://your-domain.atlassian.net", "scopes": ["read:jira-work"], "avatarUrl": "" }])).await;

        let label = |r: Result<Option<AccountIdentity>, GatewayError>| {
            r.expect("identity").expect("some").label
        };
        assert_eq!(
            label(identity_of(ProviderKey::Gitlab, &server).await),
            "john_smith"
        );
        assert_eq!(
            label(identity_of(ProviderKey::GoogleCalendar, &server).await),
            "ada@example.com"
        );
        assert_eq!(
            label(identity_of(ProviderKey::OutlookCalendar, &server).await),
            "AdeleV@contoso.com"
        );
        assert_eq!(
            label(identity_of(ProviderKey::Asana, &server).await),
            "gsanchez@example.com"
        );
        assert_eq!(
            label(identity_of(ProviderKey::Jira, &server).await),
            "Site name"
        );

        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": { "viewer": { "id": "2d7a6e8e", "email": "ada@example.com" }, "organization": { "name": "Acme" } }
            })))
            .mount(&server)
            .await;
        assert_eq!(
            label(identity_of(ProviderKey::Linear, &server).await),
            "Acme"
        );
        Mock::given(method("GET"))
            .and(path("/oauth/v1/access-tokens/token-123"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "token": "token-123", "user": "test@hubspot.com", "hub_domain": "demo.hubapi.com",
                "scopes": ["crm.objects.contacts.read"], "hub_id": 62515, "app_id": 456,
                "expires_in": 1754, "user_id": 123, "token_type": "access"
            })))
            .mount(&server)
            .await;
        assert_eq!(
            label(identity_of(ProviderKey::Hubspot, &server).await),
            "demo.hubapi.com"
        );
        serve(&server, "/connections", json!([{
            "id": "e1eede29-f875-4a5d-8470-17f6a29a88b1", "authEventId": "d99ecdfe-391d-43d2-b834-17636ba90e8d",
            "tenantId": "70784a63-d24b-46a9-a4db-0e70a274b056", "tenantType": "ORGANISATION",
            "tenantName": "Maple Florists", "createdDateUtc": "2019-07-09T23:40:30.1833130",
            "updatedDateUtc": "2020-05-15T01:35:13.8491980"
        }]))
        .await;
        assert_eq!(
            label(identity_of(ProviderKey::Xero, &server).await),
            "Maple Florists"
        );
    }

    #[tokio::test]
    async fn quickbooks_is_tested_against_the_connected_company() {
        let server = MockServer::start().await;
        serve(&server, "/company/9130349451234567/companyinfo/9130349451234567", json!({
            "CompanyInfo": { "CompanyName": "Sandbox Company_US_1", "Id": "1", "Country": "US" },
            "time": "2026-11-23T12:00:00.000-08:00"
        }))
        .await;
        let env = HashMap::from([(
            ProviderKey::Quickbooks,
            ProviderEnv {
                api_base: Some(server.uri()),
                ..ProviderEnv::default()
            },
        )]);
        let catalogue = Catalogue::new(crate::catalogue(), &env);
        let spec = catalogue.get(ProviderKey::Quickbooks).expect("entry");
        let gateway = HttpGateway::new();
        let token = Secret::new("token-123");
        assert!(
            gateway
                .test_call(spec, &token, Some("9130349451234567"))
                .await
                .expect("test call")
        );
        assert!(
            !gateway
                .test_call(spec, &token, None)
                .await
                .expect("no company, no call")
        );
    }

    #[tokio::test]
    async fn a_refused_token_is_a_dead_access_token() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        assert!(matches!(
            identity_of(ProviderKey::Gitlab, &server).await,
            Err(GatewayError::DeadAccessToken)
        ));
        let other = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(502))
            .mount(&other)
            .await;
        assert!(matches!(
            identity_of(ProviderKey::Gitlab, &other).await,
            Err(GatewayError::Inconclusive(_))
        ));
    }
}
