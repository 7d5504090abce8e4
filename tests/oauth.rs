//! The OAuth 2.0 connect flow against a fake GitHub (wiremock) speaking GitHub's real shapes.

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use stint_test_support::{Answer, TestApp, spawn_app_with};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCESS_TOKEN: &str = "gho_16C7e42F292c6912E7710c838347Ae178B4a";

pub(crate) async fn github_app(provider: &MockServer) -> TestApp {
    github_app_with(provider, &[]).await
}

/// The same, with more settings of the test's own.
pub(crate) async fn github_app_with(provider: &MockServer, extra: &[(&str, &str)]) -> TestApp {
    let base = provider.uri();
    let authorize = format!("{base}/login/oauth/authorize");
    let token = format!("{base}/login/oauth/access_token");
    let revoke = format!("{base}/applications/{{client_id}}/grant");
    let mut vars = vec![
        ("STINT_PROVIDER_GITHUB_AUTHORIZE_URL", authorize.as_str()),
        ("STINT_PROVIDER_GITHUB_TOKEN_URL", token.as_str()),
        ("STINT_PROVIDER_GITHUB_REVOKE_URL", revoke.as_str()),
        ("STINT_PROVIDER_GITHUB_API_BASE", base.as_str()),
        ("STINT_PROVIDER_GITHUB_CLIENT_ID", "Iv1.client123"),
        (
            "STINT_PROVIDER_GITHUB_CLIENT_SECRET",
            "github-client-secret-value",
        ),
    ];
    vars.extend_from_slice(extra);
    spawn_app_with(&vars).await
}

pub(crate) async fn mock_token_and_user(provider: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("code=the-code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": ACCESS_TOKEN,
            "scope": "repo,read:user",
            "token_type": "bearer"
        })))
        .mount(provider)
        .await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "login": "octocat",
            "id": 1,
            "node_id": "MDQ6VXNlcjE=",
            "type": "User",
            "name": "monalisa octocat"
        })))
        .mount(provider)
        .await;
}

pub(crate) struct Started {
    pub(crate) url: url::Url,
    pub(crate) state: String,
}

impl Started {
    fn param(&self, name: &str) -> Option<String> {
        self.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

pub(crate) async fn connect(app: &TestApp, token: &str, scope: &str) -> Started {
    connect_to(app, "github", token, scope).await
}

/// Starts connecting `provider`; the state and the authorization URL it returned.
pub(crate) async fn connect_to(app: &TestApp, provider: &str, token: &str, scope: &str) -> Started {
    let body: Value = app
        .get(
            &format!("/api/integrations/{provider}/connect?scope={scope}"),
            token,
        )
        .await
        .ok(200);
    let url = url::Url::parse(body["authorization_url"].as_str().unwrap()).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    Started { url, state }
}

pub(crate) async fn callback(app: &TestApp, client: &reqwest::Client, query: &str) -> String {
    callback_of(app, client, "github", query).await
}

/// The provider sends the browser back; where Stint sends it on.
pub(crate) async fn callback_of(
    app: &TestApp,
    client: &reqwest::Client,
    provider: &str,
    query: &str,
) -> String {
    let response = client
        .get(app.url(&format!("/api/integrations/{provider}/callback?{query}")))
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response).await;
    assert_eq!(answer.status, 302, "{}", answer.text);
    answer.headers["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_connects_a_global_integration_with_pkce() {
    let provider = MockServer::start().await;
    mock_token_and_user(&provider).await;
    let app = github_app(&provider).await;
    let admin = app.admin_token().await;

    let started = connect(&app, &admin, "global").await;
    assert!(
        started
            .url
            .as_str()
            .starts_with(&format!("{}/login/oauth/authorize?", provider.uri()))
    );
    assert_eq!(started.param("client_id").as_deref(), Some("Iv1.client123"));
    assert_eq!(started.param("response_type").as_deref(), Some("code"));
    assert_eq!(started.param("scope").as_deref(), Some("repo read:user"));
    assert_eq!(
        started.param("redirect_uri").as_deref(),
        Some(format!("{}/api/integrations/github/callback", app.address).as_str())
    );
    assert_eq!(
        started.param("code_challenge_method").as_deref(),
        Some("S256")
    );
    let challenge = started.param("code_challenge").unwrap();
    assert_eq!(started.state.len(), 43);

    let location = callback(
        &app,
        &app.client,
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(location, "/integrations?connected=github");
    // The browser lands in the web app, which says the outcome in words (tests/web_app.rs).
    let page = app.send(app.request(Method::GET, &location, None)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text.contains("/assets/boot-"), "{}", page.text);

    // The token request carried the PKCE verifier matching the challenge, and the client secret.
    let requests = provider.received_requests().await.unwrap();
    let token_request = requests
        .iter()
        .find(|r| r.url.path() == "/login/oauth/access_token")
        .unwrap();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&token_request.body)
        .into_owned()
        .collect();
    let verifier = &form.iter().find(|(k, _)| k == "code_verifier").unwrap().1;
    let digest = ring_sha256(verifier.as_bytes());
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest),
        challenge
    );
    assert!(
        form.iter()
            .any(|(k, v)| k == "grant_type" && v == "authorization_code")
    );
    let user_request = requests.iter().find(|r| r.url.path() == "/user").unwrap();
    assert_eq!(
        user_request.headers["authorization"],
        format!("Bearer {ACCESS_TOKEN}").as_str()
    );

    let list: Value = app.get("/api/integrations", &admin).await.ok(200);
    assert_eq!(list["global"][0]["provider"], "github");
    assert_eq!(list["global"][0]["status"], "active");
    assert_eq!(list["global"][0]["external_account"], "octocat");
    assert!(list["global"][0]["user_id"].is_null());
    // Members see the global integration's status.
    let (_, member) = app.member("ada@example.com").await;
    let seen: Value = app
        .get("/api/integrations/github/status", &member)
        .await
        .ok(200);
    assert_eq!(seen["status"], "active");

    // No token or secret in plain text in the database.
    let file = app.database_bytes();
    for secret in [ACCESS_TOKEN, "github-client-secret-value"] {
        assert!(
            !file.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} stored in plain text"
        );
    }

    // Settings are checked against GitHub's schema; members cannot change a global integration's.
    let configured: Value = app
        .put(
            "/api/integrations/github/config?scope=global",
            &admin,
            &json!({
                "repositories": ["Octo/Hello-World"],
                "label_filter": "stint"
            }),
        )
        .await
        .ok(200);
    assert_eq!(
        configured["config"]["repositories"],
        json!(["octo/hello-world"])
    );
    app.put(
        "/api/integrations/github/config?scope=global",
        &admin,
        &json!({ "repositories": ["nope"] }),
    )
    .await
    .problem(400, "validation_failed");
    app.put(
        "/api/integrations/github/config?scope=global",
        &member,
        &json!({ "repositories": [] }),
    )
    .await
    .problem(403, "forbidden");

    // The state was single use.
    let again = callback(
        &app,
        &app.client,
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(again, "/integrations?provider=github&error=invalid_state");
}

fn ring_sha256(data: &[u8]) -> Vec<u8> {
    use sha256_for_tests::digest;
    digest(data)
}

mod sha256_for_tests {
    /// SHA-256 through the same primitive Stint uses, so the test checks the protocol, not a library.
    pub fn digest(data: &[u8]) -> Vec<u8> {
        let hex = stint_core::secret::sha256_hex(data);
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }
}

#[tokio::test]
async fn refused_callbacks_store_nothing() {
    let provider = MockServer::start().await;
    mock_token_and_user(&provider).await;
    let app = github_app(&provider).await;
    let admin = app.admin_token().await;

    // The user declined at the provider.
    let started = connect(&app, &admin, "global").await;
    let location = callback(
        &app,
        &app.client,
        &format!("error=access_denied&state={}", started.state),
    )
    .await;
    assert_eq!(
        location,
        "/integrations?provider=github&error=access_denied"
    );

    // Expired.
    let started = connect(&app, &admin, "global").await;
    app.clock.advance(chrono::Duration::minutes(11));
    let location = callback(
        &app,
        &app.client,
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(
        location,
        "/integrations?provider=github&error=state_expired"
    );

    // Another browser (no binding cookie): the state cannot be completed there.
    let started = connect(&app, &admin, "global").await;
    let stranger = stint_test_support::browser_like_client();
    let location = callback(
        &app,
        &stranger,
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(
        location,
        "/integrations?provider=github&error=invalid_state"
    );

    // A made-up state, and none at all.
    let location = callback(&app, &app.client, "code=the-code&state=made-up").await;
    assert_eq!(
        location,
        "/integrations?provider=github&error=invalid_state"
    );
    let location = callback(&app, &app.client, "code=the-code").await;
    assert_eq!(
        location,
        "/integrations?provider=github&error=invalid_state"
    );

    // A state for another provider, at GitHub's callback.
    app.put(
        "/api/admin/providers/slack",
        &admin,
        &json!({ "client_id": "s", "client_secret": "slack-secret" }),
    )
    .await
    .ok::<Value>(200);
    let slack_state = connect_to(&app, "slack", &admin, "global").await.state;
    let location = callback(
        &app,
        &app.client,
        &format!("code=the-code&state={slack_state}"),
    )
    .await;
    assert_eq!(
        location,
        "/integrations?provider=github&error=invalid_state"
    );

    let list: Value = app.get("/api/integrations", &admin).await.ok(200);
    assert_eq!(list, json!({ "global": [], "personal": [] }));
    assert!(
        provider.received_requests().await.unwrap().is_empty(),
        "no call may reach the provider"
    );
}

#[tokio::test]
async fn a_failing_token_endpoint_stores_nothing() {
    let provider = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>Unicorn!</html>"))
        .mount(&provider)
        .await;
    let app = github_app(&provider).await;
    let admin = app.admin_token().await;
    let started = connect(&app, &admin, "global").await;
    let location = callback(
        &app,
        &app.client,
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(
        location,
        "/integrations?provider=github&error=token_exchange_failed"
    );
    let list: Value = app.get("/api/integrations", &admin).await.ok(200);
    assert_eq!(list["global"], json!([]));

    // GitHub's own error shape for a bad code.
    provider.reset().await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "error": "bad_verification_code",
            "error_description": "The code passed is incorrect or expired.",
            "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"
        })))
        .mount(&provider)
        .await;
    let started = connect(&app, &admin, "global").await;
    let location = callback(
        &app,
        &app.client,
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(
        location,
        "/integrations?provider=github&error=token_exchange_failed"
    );
}

#[tokio::test]
async fn who_may_connect_what() {
    let provider = MockServer::start().await;
    mock_token_and_user(&provider).await;
    let app = github_app(&provider).await;
    let admin = app.admin_token().await;
    let (_, ada) = app.member("ada@example.com").await;
    let (_, grace) = app.member("grace@example.com").await;

    app.get("/api/integrations/github/connect?scope=global", &ada)
        .await
        .problem(403, "forbidden");
    app.get("/api/integrations/github/connect?scope=personal", &ada)
        .await
        .problem(400, "validation_failed");
    app.get("/api/integrations/trello/connect?scope=global", &admin)
        .await
        .problem(400, "validation_failed");
    app.get("/api/integrations/gitlab/connect?scope=global", &admin)
        .await
        .problem(409, "conflict");
    let read_only = app.api_token(&admin, &["read", "admin"]).await;
    app.get("/api/integrations/github/connect?scope=global", &read_only)
        .await
        .problem(403, "insufficient_scope");

    // The admin allows personal connections; Ada connects her own account.
    app.put(
        "/api/admin/providers/github",
        &admin,
        &json!({ "allow_personal": true }),
    )
    .await
    .ok::<Value>(200);
    let started = connect(&app, &ada, "personal").await;
    let location = callback(
        &app,
        &app.client,
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(location, "/integrations?connected=github");
    let mine: Value = app.get("/api/integrations", &ada).await.ok(200);
    assert_eq!(mine["personal"][0]["scope"], "personal");
    assert_eq!(mine["global"], json!([]));
    // Grace sees neither Ada's connection nor can she disconnect it.
    let theirs: Value = app.get("/api/integrations", &grace).await.ok(200);
    assert_eq!(theirs["personal"], json!([]));
    app.get("/api/integrations/github/status?scope=personal", &grace)
        .await
        .problem(404, "not_found");
    app.post(
        "/api/integrations/github/disconnect?scope=personal",
        &grace,
        &json!({}),
    )
    .await
    .problem(404, "not_found");
    // Resolution: Ada's personal connection first.
    let resolved: Value = app
        .get("/api/integrations/github/status", &ada)
        .await
        .ok(200);
    assert_eq!(resolved["scope"], "personal");
    // A member cannot disconnect a global integration.
    app.post(
        "/api/integrations/github/disconnect?scope=global",
        &ada,
        &json!({}),
    )
    .await
    .problem(403, "forbidden");
}

#[tokio::test]
async fn disconnect_revokes_and_forgets_even_when_revoking_fails() {
    let provider = MockServer::start().await;
    mock_token_and_user(&provider).await;
    Mock::given(method("DELETE"))
        .and(path("/applications/Iv1.client123/grant"))
        .and(body_string_contains(ACCESS_TOKEN))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&provider)
        .await;
    let app = github_app(&provider).await;
    let admin = app.admin_token().await;
    let started = connect(&app, &admin, "global").await;
    callback(
        &app,
        &app.client,
        &format!("code=the-code&state={}", started.state),
    )
    .await;

    let done: Value = app
        .post(
            "/api/integrations/github/disconnect?scope=global",
            &admin,
            &json!({}),
        )
        .await
        .ok(200);
    assert_eq!(done["revoked_at_provider"], true);
    assert_eq!(done["integration"]["status"], "revoked");
    let requests = provider.received_requests().await.unwrap();
    let revoke = requests
        .iter()
        .find(|r| r.method.as_str() == "DELETE")
        .unwrap();
    let basic = base64::engine::general_purpose::STANDARD
        .encode("Iv1.client123:github-client-secret-value");
    assert_eq!(
        revoke.headers["authorization"],
        format!("Basic {basic}").as_str()
    );
    app.post(
        "/api/integrations/github/disconnect?scope=global",
        &admin,
        &json!({}),
    )
    .await
    .ok::<Value>(200);

    // Reconnect, then the provider fails to revoke: the local disconnect still happens.
    provider.reset().await;
    mock_token_and_user(&provider).await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&provider)
        .await;
    let started = connect(&app, &admin, "global").await;
    assert_eq!(
        callback(
            &app,
            &app.client,
            &format!("code=the-code&state={}", started.state)
        )
        .await,
        "/integrations?connected=github"
    );
    let again: Value = app
        .get("/api/integrations/github/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(again["status"], "active");
    let done: Value = app
        .post(
            "/api/integrations/github/disconnect?scope=global",
            &admin,
            &json!({}),
        )
        .await
        .ok(200);
    assert_eq!(done["revoked_at_provider"], false);
    assert!(done["revoke_error"].as_str().unwrap().contains("500"));
    assert_eq!(done["integration"]["status"], "revoked");
    let file = app.database_bytes();
    assert!(
        !file
            .windows(ACCESS_TOKEN.len())
            .any(|w| w == ACCESS_TOKEN.as_bytes())
    );
}

#[tokio::test]
async fn a_callback_completes_only_for_someone_still_allowed_to_connect() {
    let provider = MockServer::start().await;
    mock_token_and_user(&provider).await;
    let app = github_app(&provider).await;
    let admin = app.admin_token().await;
    let allow = |on: bool| json!({ "allow_personal": on });
    app.put("/api/admin/providers/github", &admin, &allow(true))
        .await
        .ok::<Value>(200);
    let (ada_id, ada) = app.member("ada@example.com").await;

    // Personal connections switched off after the member started: refused.
    let state = connect(&app, &ada, "personal").await.state;
    app.put("/api/admin/providers/github", &admin, &allow(false))
        .await
        .ok::<Value>(200);
    let location = callback(&app, &app.client, &format!("code=the-code&state={state}")).await;
    assert_eq!(location, "/integrations?provider=github&error=not_allowed");

    // The member deactivated after they started: refused.
    app.put("/api/admin/providers/github", &admin, &allow(true))
        .await
        .ok::<Value>(200);
    let state = connect(&app, &ada, "personal").await.state;
    app.patch(
        &format!("/api/admin/users/{ada_id}"),
        &admin,
        &json!({ "active": false }),
    )
    .await
    .ok::<Value>(200);
    let location = callback(&app, &app.client, &format!("code=the-code&state={state}")).await;
    assert_eq!(location, "/integrations?provider=github&error=not_allowed");

    let exchanged = provider
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/login/oauth/access_token")
        .count();
    assert_eq!(exchanged, 0, "no code was exchanged for a token");
    let integrations: Value = app.get("/api/integrations", &admin).await.ok(200);
    assert!(integrations["personal"].as_array().unwrap().is_empty());
}
