//! API-key connections (Trello) and the connection test, against fake providers.

use serde_json::{Value, json};
use stint_test_support::spawn_app_with;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "a1b2c3d4e5f6a7b8c9d0";
const TOKEN: &str = "ATTA1234567890abcdefTrelloUserToken";

#[tokio::test]
async fn trello_credentials_are_checked_then_stored_encrypted() {
    let trello = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/1/members/me"))
        .and(query_param("key", KEY))
        .and(query_param("token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "5abbe4b7ddc1b351ef961414",
            "username": "bobloblaw",
            "fullName": "Bob Loblaw"
        })))
        .mount(&trello)
        .await;
    Mock::given(method("GET"))
        .and(path("/1/members/me"))
        .respond_with(ResponseTemplate::new(401).set_body_string("invalid token"))
        .mount(&trello)
        .await;
    let app = spawn_app_with(&[(
        "STINT_PROVIDER_TRELLO_API_BASE",
        &format!("{}/1", trello.uri()),
    )])
    .await;
    let admin = app.admin_token().await;

    let refused = app
        .post(
            "/api/integrations/trello/credentials?scope=global",
            &admin,
            &json!({ "api_key": KEY, "token": "ATTAwrongwrongwrong" }),
        )
        .await;
    refused.problem(400, "validation_failed");
    app.post(
        "/api/integrations/trello/credentials?scope=global",
        &admin,
        &json!({ "api_key": "x", "token": TOKEN }),
    )
    .await
    .problem(400, "validation_failed");

    let connected: Value = app
        .post(
            "/api/integrations/trello/credentials?scope=global",
            &admin,
            &json!({ "api_key": KEY, "token": TOKEN }),
        )
        .await
        .ok(200);
    assert_eq!(connected["status"], "active");
    assert_eq!(connected["external_account"], "bobloblaw");
    let file = app.database_bytes();
    assert!(!file.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));

    let tested: Value = app
        .post(
            "/api/integrations/trello/test?scope=global",
            &admin,
            &json!({}),
        )
        .await
        .ok(200);
    assert_eq!(tested["ok"], true, "{tested}");
    assert_eq!(tested["status"], "active");

    // A member may not connect Trello for everyone, nor personally until an admin allows it.
    let (_, member) = app.member("ada@example.com").await;
    app.post(
        "/api/integrations/trello/credentials?scope=global",
        &member,
        &json!({ "api_key": KEY, "token": TOKEN }),
    )
    .await
    .problem(403, "forbidden");
    app.post(
        "/api/integrations/trello/credentials?scope=personal",
        &member,
        &json!({ "api_key": KEY, "token": TOKEN }),
    )
    .await
    .problem(400, "validation_failed");
    app.post(
        "/api/integrations/trello/test?scope=global",
        &member,
        &json!({}),
    )
    .await
    .problem(403, "forbidden");
}

#[tokio::test]
async fn an_unreachable_provider_is_a_502_not_a_500() {
    let trello = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&trello)
        .await;
    let app = spawn_app_with(&[(
        "STINT_PROVIDER_TRELLO_API_BASE",
        &format!("{}/1", trello.uri()),
    )])
    .await;
    let admin = app.admin_token().await;
    app.post(
        "/api/integrations/trello/credentials?scope=global",
        &admin,
        &json!({ "api_key": KEY, "token": TOKEN }),
    )
    .await
    .problem(502, "provider_unavailable");
    let list: Value = app.get("/api/integrations", &admin).await.ok(200);
    assert_eq!(list["global"], json!([]));
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_then_marks_the_integration() {
    let provider = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ghu_token", "expires_in": 28800, "refresh_token": "ghr_token",
            "refresh_token_expires_in": 15897600, "scope": "", "token_type": "bearer"
        })))
        .mount(&provider)
        .await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "login": "octocat", "id": 1 })),
        )
        .up_to_n_times(2)
        .mount(&provider)
        .await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"
        })))
        .mount(&provider)
        .await;
    let app = crate::oauth::github_app(&provider).await;
    let admin = app.admin_token().await;
    let started = crate::oauth::connect(&app, &admin, "global").await;
    crate::oauth::callback(
        &app,
        &app.client,
        &format!("code=c&state={}", started.state),
    )
    .await;

    // The identity call used the first /user answer; the test gets the second.
    let ok: Value = app
        .post(
            "/api/integrations/github/test?scope=global",
            &admin,
            &json!({}),
        )
        .await
        .ok(200);
    assert_eq!(ok["ok"], true, "{ok}");
    // Now GitHub refuses the token: one refresh, one retry, then needs_reauth.
    let failed: Value = app
        .post(
            "/api/integrations/github/test?scope=global",
            &admin,
            &json!({}),
        )
        .await
        .ok(200);
    assert_eq!(failed["ok"], false);
    assert_eq!(failed["status"], "needs_reauth");
    let requests = provider.received_requests().await.unwrap();
    let refreshes = requests
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("grant_type=refresh_token"))
        .count();
    assert_eq!(refreshes, 1);
    let status: Value = app
        .get("/api/integrations/github/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(status["status"], "needs_reauth");
}

#[tokio::test]
async fn quickbooks_names_the_company_from_the_callback_and_tests_against_it() {
    let intuit = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/tokens/bearer"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "expires_in": 3600, "refresh_token": "AB11730000000quickbooksrefresh",
            "x_refresh_token_expires_in": 8726400, "access_token": "eyJquickbooksaccesstoken"
        })))
        .mount(&intuit)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/company/9130349451234567/companyinfo/9130349451234567"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "CompanyInfo": { "CompanyName": "Sandbox Company_US_1", "Id": "1" }, "time": "2026-11-23T12:00:00.000-08:00"
        })))
        .mount(&intuit)
        .await;
    let base = intuit.uri();
    let app = spawn_app_with(&[
        (
            "STINT_PROVIDER_QUICKBOOKS_AUTHORIZE_URL",
            &format!("{base}/connect/oauth2"),
        ),
        (
            "STINT_PROVIDER_QUICKBOOKS_TOKEN_URL",
            &format!("{base}/oauth2/v1/tokens/bearer"),
        ),
        ("STINT_PROVIDER_QUICKBOOKS_API_BASE", &format!("{base}/v3")),
        ("STINT_PROVIDER_QUICKBOOKS_CLIENT_ID", "ABquickbooksclient"),
        (
            "STINT_PROVIDER_QUICKBOOKS_CLIENT_SECRET",
            "quickbooks-client-secret",
        ),
    ])
    .await;
    let admin = app.admin_token().await;
    let state = crate::oauth::connect_to(&app, "quickbooks", &admin, "global")
        .await
        .state;
    let location = crate::oauth::callback_of(
        &app,
        &app.client,
        "quickbooks",
        &format!("code=c&state={state}&realmId=9130349451234567"),
    )
    .await;
    assert_eq!(location, "/integrations?connected=quickbooks");
    let status: Value = app
        .get("/api/integrations/quickbooks/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(
        status["external_account"],
        "QuickBooks company 9130349451234567"
    );
    let tested: Value = app
        .post(
            "/api/integrations/quickbooks/test?scope=global",
            &admin,
            &json!({}),
        )
        .await
        .ok(200);
    assert_eq!(tested["ok"], true, "{tested}");
}

#[tokio::test]
async fn a_provider_that_times_out_leaks_no_credential_in_its_error() {
    let trello = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/1/members/me"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_secs(3))
                .set_body_json(json!({ "id": "1", "username": "slow" })),
        )
        .mount(&trello)
        .await;
    let app = spawn_app_with(&[
        (
            "STINT_PROVIDER_TRELLO_API_BASE",
            &format!("{}/1", trello.uri()),
        ),
        ("STINT_PROVIDER_TIMEOUT", "1s"),
    ])
    .await;
    let admin = app.admin_token().await;
    let answer = app
        .post(
            "/api/integrations/trello/credentials?scope=global",
            &admin,
            &json!({ "api_key": KEY, "token": TOKEN }),
        )
        .await;
    let problem = answer.problem(502, "provider_unavailable");
    assert!(
        problem.detail.contains("request failed"),
        "{}",
        problem.detail
    );
    for secret in [KEY, TOKEN] {
        assert!(!answer.text.contains(secret), "{}", answer.text);
        assert!(!stint_test_support::captured_logs().contains(secret));
    }
}
