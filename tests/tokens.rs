//! `get_valid_token`: refresh before expiry, exactly once under concurrency (one process and
//! two), rotating refresh tokens, and dead grants. The provider is a fake GitHub App token
//! endpoint (wiremock) with GitHub's real payloads.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use stint_core::Stint;
use stint_core::integrations::tokens::{TokenError, get_valid_token};
use stint_test_support::TestApp;
use uuid::Uuid;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::oauth::{callback, connect, github_app};

fn github_app_token(access: &str, refresh: Option<&str>) -> Value {
    let mut body = json!({
        "access_token": access,
        "expires_in": 28800,
        "scope": "",
        "token_type": "bearer"
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
        body["refresh_token_expires_in"] = json!(15_897_600);
    }
    body
}

/// A connected global GitHub integration whose first token lives 8 hours.
async fn connected(provider: &MockServer) -> (TestApp, Uuid) {
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(github_app_token("ghu_first", Some("ghr_first"))),
        )
        .mount(provider)
        .await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "login": "octocat", "id": 1 })),
        )
        .mount(provider)
        .await;
    let app = github_app(provider).await;
    let admin = app.admin_token().await;
    let started = connect(&app, &admin, "global").await;
    assert_eq!(
        callback(
            &app,
            &app.client,
            &format!("code=c&state={}", started.state)
        )
        .await,
        "/integrations?connected=github"
    );
    let list: Value = app.get("/api/integrations", &admin).await.ok(200);
    let id = list["global"][0]["id"].as_str().unwrap().parse().unwrap();
    (app, id)
}

async fn refresh_requests(provider: &MockServer) -> Vec<String> {
    provider
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/login/oauth/access_token")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .filter(|body| body.contains("grant_type=refresh_token"))
        .collect()
}

async fn mock_refresh(provider: &MockServer, from: &str, body: Value) {
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains(format!("refresh_token={from}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(body)
                .set_delay(Duration::from_millis(300)),
        )
        .mount(provider)
        .await;
}

#[tokio::test]
async fn a_fresh_token_is_used_as_it_is() {
    let provider = MockServer::start().await;
    let (app, id) = connected(&provider).await;
    let token = get_valid_token(&app.stint, id).await.unwrap();
    assert_eq!(token.expose(), "ghu_first");
    // Eleven minutes before expiry: still outside the 10-minute margin.
    app.clock
        .advance(chrono::Duration::hours(8) - chrono::Duration::minutes(11));
    assert_eq!(
        get_valid_token(&app.stint, id).await.unwrap().expose(),
        "ghu_first"
    );
    assert!(refresh_requests(&provider).await.is_empty());
}

#[tokio::test]
async fn fifty_concurrent_callers_cause_one_refresh_and_rotation_is_kept() {
    let provider = MockServer::start().await;
    let (app, id) = connected(&provider).await;
    mock_refresh(
        &provider,
        "ghr_first",
        github_app_token("ghu_second", Some("ghr_second")),
    )
    .await;
    app.clock
        .advance(chrono::Duration::hours(8) - chrono::Duration::minutes(5));

    let tokens = join_all((0..50).map(|_| get_valid_token(&app.stint, id))).await;
    for token in &tokens {
        assert_eq!(token.as_ref().unwrap().expose(), "ghu_second");
    }
    let requests = refresh_requests(&provider).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests[0].contains("refresh_token=ghr_first"));

    // The rotated refresh token was stored: the next refresh presents it. This answer omits a
    // refresh token, so the stored one is kept.
    mock_refresh(&provider, "ghr_second", github_app_token("ghu_third", None)).await;
    app.clock.advance(chrono::Duration::hours(8));
    assert_eq!(
        get_valid_token(&app.stint, id).await.unwrap().expose(),
        "ghu_third"
    );
    mock_refresh(
        &provider,
        "ghr_second",
        github_app_token("ghu_fourth", Some("ghr_fourth")),
    )
    .await;
    app.clock.advance(chrono::Duration::hours(8));
    // Wiremock answers with the first matching mock mounted; both presented ghr_second.
    let token = get_valid_token(&app.stint, id).await.unwrap();
    assert!(["ghu_third", "ghu_fourth"].contains(&token.expose()));
    let requests = refresh_requests(&provider).await;
    assert_eq!(requests.len(), 3);
    assert!(
        requests[1].contains("refresh_token=ghr_second")
            && requests[2].contains("refresh_token=ghr_second")
    );

    // No token in plain text in the database, nor in anything logged so far.
    let file = app.database_bytes();
    let logs = stint_test_support::captured_logs();
    assert!(logs.contains("answered"), "logs are captured");
    for secret in [
        "ghu_first",
        "ghr_first",
        "ghu_second",
        "ghr_second",
        "ghu_third",
        "github-client-secret-value",
    ] {
        assert!(
            !file.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in the database"
        );
        assert!(!logs.contains(secret), "{secret} in the logs");
    }
}

#[tokio::test]
async fn two_processes_racing_cause_one_refresh() {
    let provider = MockServer::start().await;
    let (app, id) = connected(&provider).await;
    mock_refresh(
        &provider,
        "ghr_first",
        github_app_token("ghu_second", Some("ghr_second")),
    )
    .await;
    // A second Stint on the same database: its own connection pool and its own in-process locks.
    let other = Stint::start(
        (*app.stint.config).clone(),
        app.stint.clock.clone(),
        stint_providers::providers().expect("HTTP client"),
    )
    .await
    .unwrap();
    app.clock.advance(chrono::Duration::hours(8));

    let callers = (0..10).map(|i| {
        let stint = if i % 2 == 0 {
            app.stint.clone()
        } else {
            other.clone()
        };
        async move { get_valid_token(&stint, id).await }
    });
    for token in join_all(callers).await {
        assert_eq!(token.unwrap().expose(), "ghu_second");
    }
    assert_eq!(refresh_requests(&provider).await.len(), 1);
}

#[tokio::test]
async fn a_dead_grant_asks_for_reconnection() {
    let provider = MockServer::start().await;
    let (app, id) = connected(&provider).await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "The refresh token passed is incorrect or expired."
        })))
        .mount(&provider)
        .await;
    app.clock.advance(chrono::Duration::hours(9));
    match get_valid_token(&app.stint, id).await {
        Err(TokenError::NeedsReauth(reason)) => {
            assert!(reason.contains("invalid_grant"), "{reason}")
        }
        other => panic!("expected NeedsReauth, got {other:?}"),
    }
    let admin = app.admin_token().await;
    let status: Value = app
        .get("/api/integrations/github/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(status["status"], "needs_reauth");
    assert!(
        status["status_reason"]
            .as_str()
            .unwrap()
            .contains("reconnect")
    );
    assert_eq!(
        refresh_requests(&provider).await.len(),
        1,
        "a dead grant is not retried"
    );
}

#[tokio::test]
async fn an_unreachable_provider_is_retried_and_changes_nothing() {
    let provider = MockServer::start().await;
    let (app, id) = connected(&provider).await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(503).set_body_string("unavailable"))
        .mount(&provider)
        .await;
    app.clock.advance(chrono::Duration::hours(9));
    assert!(matches!(
        get_valid_token(&app.stint, id).await,
        Err(TokenError::Unavailable(_))
    ));
    assert_eq!(
        refresh_requests(&provider).await.len(),
        4,
        "one try and three retries"
    );
    let admin = app.admin_token().await;
    let status: Value = app
        .get("/api/integrations/github/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(status["status"], "active");
}

#[tokio::test]
async fn a_refresh_waiting_on_a_slow_provider_holds_up_no_other_writer() {
    let provider = MockServer::start().await;
    let (app, id) = connected(&provider).await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(github_app_token("ghu_second", Some("ghr_second")))
                .set_delay(Duration::from_secs(4)),
        )
        .mount(&provider)
        .await;
    let admin = app.admin_token().await;
    app.clock.advance(chrono::Duration::hours(8));
    let refreshing = {
        let stint = app.stint.clone();
        tokio::spawn(async move { get_valid_token(&stint, id).await })
    };
    while refresh_requests(&provider).await.is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The provider is still thinking; Stint's database takes writes meanwhile (on SQLite a
    // refresh used to hold the only write lock for as long as the provider took).
    let project = json!({ "name": "Meanwhile" });
    let write = app.post("/api/projects", &admin, &project);
    let written = tokio::time::timeout(Duration::from_secs(2), write)
        .await
        .expect("a write waited for the provider");
    written.ok::<Value>(201);
    assert!(!refreshing.is_finished());
    assert_eq!(refreshing.await.unwrap().unwrap().expose(), "ghu_second");
    assert_eq!(refresh_requests(&provider).await.len(), 1);
}

#[tokio::test]
async fn the_sweep_refreshes_tokens_before_they_expire_and_keeps_idle_ones_alive() {
    use stint_core::jobs::Schedule;
    let provider = MockServer::start().await;
    let (app, id) = connected(&provider).await;
    mock_refresh(
        &provider,
        "ghr_first",
        github_app_token("ghu_second", Some("ghr_second")),
    )
    .await;
    mock_refresh(
        &provider,
        "ghr_second",
        github_app_token("ghu_third", Some("ghr_third")),
    )
    .await;
    let sweep = || {
        let stint = app.stint.clone();
        async move {
            let at = stint.clock.now();
            stint_worker::jobs::tick(&stint, Schedule::TokenRefresh, at)
                .await
                .unwrap()
        }
    };
    // Seven hours left: nothing to do.
    app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(sweep().await, 0);
    // Twelve minutes left: refreshed ahead of any caller, once, whatever the sweep's retries.
    app.clock
        .advance(chrono::Duration::hours(7) - chrono::Duration::minutes(12));
    assert_eq!(sweep().await, 1);
    crate::worker::settled(&app, &app.admin_token().await).await;
    assert_eq!(refresh_requests(&provider).await.len(), 1);
    assert_eq!(sweep().await, 0, "the new token has eight hours");
    let token = get_valid_token(&app.stint, id).await.unwrap();
    assert_eq!(token.expose(), "ghu_second");
    // A job queued by a sweep that saw the old version refreshes nothing.
    stint_worker::jobs::run(
        &app.stint,
        &stint_core::jobs::Job::RefreshToken {
            integration_id: id,
            provider: stint_api_types::providers::ProviderKey::Github,
            version: 1,
        },
    )
    .await
    .unwrap();
    assert_eq!(refresh_requests(&provider).await.len(), 1);
    // Idle for a week: refreshed to keep the refresh token alive even though nobody asked.
    app.clock.advance(chrono::Duration::days(7));
    assert_eq!(sweep().await, 1);
    crate::worker::settled(&app, &app.admin_token().await).await;
    assert_eq!(refresh_requests(&provider).await.len(), 2);
}
