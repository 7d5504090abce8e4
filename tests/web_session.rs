//! The browser session (an HttpOnly cookie with CSRF protection) and how the web app is served,
//! over plain HTTP.

use reqwest::Method;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use serde_json::{Value, json};
use stint_test_support::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};

#[tokio::test]
async fn a_browser_session_lives_in_an_http_only_strict_cookie_and_guards_changes() {
    let app = spawn_app().await;
    let browser = stint_test_support::browser_like_client();

    let refused = app
        .send(
            browser
                .post(app.url("/api/auth/session"))
                .json(&json!({ "email": ADMIN_EMAIL, "password": "wrong password" })),
        )
        .await;
    refused.problem(401, "invalid_credentials");
    assert!(refused.headers.get(SET_COOKIE).is_none());

    let signed_in = app
        .send(
            browser
                .post(app.url("/api/auth/session"))
                .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD })),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    let cookie = signed_in.headers[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("stint_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    let body: Value = signed_in.json();
    assert_eq!(body["user"]["email"], ADMIN_EMAIL);
    assert!(
        body.get("access_token").is_none(),
        "the token stays in the cookie: {body}"
    );

    // Reading needs only the cookie; changing needs the CSRF header too.
    let me: Value = app.send(browser.get(app.url("/api/me"))).await.ok(200);
    assert_eq!(me["email"], ADMIN_EMAIL);
    let forged = app
        .send(
            browser
                .post(app.url("/api/projects"))
                .json(&json!({ "name": "Forged" })),
        )
        .await;
    let problem = forged.problem(403, "forbidden");
    assert!(
        problem.detail.contains("x-stint-csrf"),
        "{}",
        problem.detail
    );
    app.send(
        browser
            .post(app.url("/api/projects"))
            .header("X-Stint-Csrf", "1")
            .json(&json!({ "name": "Real" })),
    )
    .await
    .ok::<Value>(201);
    let projects: Value = app
        .send(browser.get(app.url("/api/projects")))
        .await
        .ok(200);
    let names: Vec<&str> = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Real"]);

    // Signing out ends the session and clears the cookie; a copy of the old cookie is refused.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("stint_session=")
        .to_owned();
    let ended = app
        .send(
            browser
                .delete(app.url("/api/auth/session"))
                .header("X-Stint-Csrf", "1"),
        )
        .await;
    assert_eq!(ended.status, 204, "{}", ended.text);
    let cleared = ended.headers[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("stint_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    app.send(browser.get(app.url("/api/me")))
        .await
        .problem(401, "unauthorized");
    let replayed = app
        .send(
            reqwest::Client::new()
                .get(app.url("/api/me"))
                .header("Cookie", format!("stint_session={token}")),
        )
        .await;
    replayed.problem(401, "unauthorized");
}

#[tokio::test]
async fn a_bearer_token_needs_no_csrf_header() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.post("/api/projects", &admin, &json!({ "name": "By token" }))
        .await
        .ok::<Value>(201);
}

#[tokio::test]
async fn pages_get_the_app_and_api_paths_keep_their_json_answers() {
    let app = spawn_app().await;
    for page in [
        "/",
        "/integrations",
        "/integrations/github/history?scope=global",
        "/time",
    ] {
        let answer = app.send(app.request(Method::GET, page, None)).await;
        assert_eq!(answer.status, 200, "{page}");
        assert!(
            answer.text.contains("/assets/boot-"),
            "{page}: {}",
            answer.text
        );
        assert_eq!(answer.headers[CACHE_CONTROL], "no-cache");
        let policy = answer.headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("default-src 'self'"), "{policy}");
    }
    let missing = app
        .send(app.request(Method::GET, "/api/nothing-here", None))
        .await;
    missing.problem(404, "not_found");
    assert_eq!(missing.headers[CONTENT_TYPE], "application/problem+json");
    let wrong_method = app
        .send(app.request(Method::POST, "/integrations", None))
        .await;
    assert_eq!(wrong_method.status, 404);

    // The hashed assets may be kept for good.
    let index = app.send(app.request(Method::GET, "/", None)).await.text;
    let wasm = index
        .split('"')
        .find(|part| part.starts_with("/assets/app-") && part.ends_with(".wasm"))
        .expect("the page names its wasm")
        .to_owned();
    let asset = app.send(app.request(Method::GET, &wasm, None)).await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.headers[CONTENT_TYPE], "application/wasm");
    assert_eq!(
        asset.headers[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let gone = app
        .send(app.request(Method::GET, "/assets/app-0000.js", None))
        .await;
    assert_eq!(gone.status, 404);
}
