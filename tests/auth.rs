use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use stint_test_support::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};

#[tokio::test]
async fn login_returns_a_session_that_opens_me() {
    let app = spawn_app().await;
    let answer = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let body: Value = answer.ok(200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["email"], ADMIN_EMAIL);
    assert_eq!(body["user"]["role"], "admin");
    // 12 hours by default.
    let expires: chrono::DateTime<chrono::Utc> =
        body["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires, stint_test_support::epoch() + Duration::hours(12));

    let token = body["access_token"].as_str().unwrap();
    let me: Value = app.get("/api/me", token).await.ok(200);
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["scopes"], json!(["read", "write", "admin"]));
}

#[tokio::test]
async fn email_is_matched_case_insensitively() {
    let app = spawn_app().await;
    let answer = app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = app.login(ADMIN_EMAIL, "not the password").await;
    let unknown = app.login("nobody@example.com", "not the password").await;
    let a = wrong.problem(401, "invalid_credentials");
    let b = unknown.problem(401, "invalid_credentials");
    assert_eq!(a.detail, b.detail);
    assert_eq!(a.title, b.title);
}

#[tokio::test]
async fn disabled_users_cannot_sign_in_and_their_sessions_stop_working() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, member) = app.member("ada@example.com").await;
    assert_eq!(app.get("/api/me", &member).await.status, 200);
    app.patch(
        &format!("/api/admin/users/{id}"),
        &admin,
        &json!({ "active": false }),
    )
    .await
    .ok::<Value>(200);
    app.get("/api/me", &member)
        .await
        .problem(401, "unauthorized");
    app.login("ada@example.com", stint_test_support::MEMBER_PASSWORD)
        .await
        .problem(401, "invalid_credentials");
}

#[tokio::test]
async fn login_is_rate_limited_per_account() {
    let app = spawn_app().await;
    // member() signs the admin in once: the first of the account's ten attempts.
    app.member("grace@example.com").await;
    for _ in 0..9 {
        app.login(ADMIN_EMAIL, "wrong password")
            .await
            .problem(401, "invalid_credentials");
    }
    let limited = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    limited.problem(429, "rate_limited");
    let retry_after: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&retry_after));
    // Another account is not affected.
    assert_eq!(
        app.login("grace@example.com", stint_test_support::MEMBER_PASSWORD)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn sessions_expire() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    app.clock
        .advance(Duration::hours(12) - Duration::seconds(1));
    assert_eq!(app.get("/api/me", &token).await.status, 200);
    app.clock.advance(Duration::seconds(1));
    let expired = app.get("/api/me", &token).await;
    expired.problem(401, "unauthorized");
    assert_eq!(expired.headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn garbage_and_missing_credentials_are_refused() {
    let app = spawn_app().await;
    app.send(app.request(Method::GET, "/api/me", None))
        .await
        .problem(401, "unauthorized");
    for header in [
        "Bearer",
        "Bearer not-a-jwt",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer stint_nope",
        "Bearer a.b.c",
    ] {
        let answer = app
            .send(
                app.request(Method::GET, "/api/me", None)
                    .header("authorization", header),
            )
            .await;
        answer.problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    let foreign = other.admin_token().await;
    app.get("/api/me", &foreign)
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn api_tokens_are_shown_once_and_stored_hashed() {
    let app = spawn_app().await;
    let session = app.admin_token().await;
    let created: Value = app
        .post(
            "/api/tokens",
            &session,
            &json!({ "name": "CI", "scopes": ["read"] }),
        )
        .await
        .ok(201);
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("stint_"));
    assert!(token.starts_with(created["prefix"].as_str().unwrap()));

    let listed: Value = app.get("/api/tokens", &session).await.ok(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("token").is_none());
    assert!(!listed.to_string().contains(token));

    // The database holds only the hash.
    let rows = stored_tokens(&app).await;
    assert!(!rows.contains(token));

    let me: Value = app.get("/api/me", token).await.ok(200);
    assert_eq!(me["scopes"], json!(["read"]));
}

async fn stored_tokens(app: &stint_test_support::TestApp) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.stint.db.get_database_backend();
    let rows = app
        .stint
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT token_hash, token_prefix, scopes FROM api_tokens",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            let hash: String = row.try_get("", "token_hash").unwrap();
            let prefix: String = row.try_get("", "token_prefix").unwrap();
            format!("{hash} {prefix}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_read_token_cannot_write() {
    let app = spawn_app().await;
    let session = app.admin_token().await;
    let read = app.api_token(&session, &["read"]).await;
    assert_eq!(app.get("/api/time-entries", &read).await.status, 200);
    app.post("/api/timer/start", &read, &json!({}))
        .await
        .problem(403, "insufficient_scope");
    app.post(
        "/api/tokens",
        &read,
        &json!({ "name": "x", "scopes": ["read"] }),
    )
    .await
    .problem(403, "insufficient_scope");
    // An admin's token without the admin scope cannot use admin routes.
    app.get("/api/admin/users", &read)
        .await
        .problem(403, "insufficient_scope");
    let write = app.api_token(&session, &["read", "write"]).await;
    app.get("/api/admin/users", &write)
        .await
        .problem(403, "insufficient_scope");
    let admin = app.api_token(&session, &["read", "admin"]).await;
    assert_eq!(app.get("/api/admin/users", &admin).await.status, 200);
}

#[tokio::test]
async fn members_cannot_mint_admin_tokens() {
    let app = spawn_app().await;
    let (_, member) = app.member("ada@example.com").await;
    let answer = app
        .post(
            "/api/tokens",
            &member,
            &json!({ "name": "x", "scopes": ["admin"] }),
        )
        .await;
    let problem = answer.problem(400, "validation_failed");
    assert_eq!(problem.errors[0].field, "scopes");
    app.post(
        "/api/tokens",
        &member,
        &json!({ "name": "x", "scopes": [] }),
    )
    .await
    .problem(400, "validation_failed");
}

#[tokio::test]
async fn revoked_and_expired_tokens_stop_working() {
    let app = spawn_app().await;
    let session = app.admin_token().await;
    let created: Value = app
        .post(
            "/api/tokens",
            &session,
            &json!({ "name": "short", "scopes": ["read"], "expires_at": "2026-01-05T10:00:00Z" }),
        )
        .await
        .ok(201);
    let expiring = created["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/me", &expiring).await.status, 200);
    app.clock.advance(Duration::hours(1));
    app.get("/api/me", &expiring)
        .await
        .problem(401, "unauthorized");

    let revocable: Value = app
        .post(
            "/api/tokens",
            &session,
            &json!({ "name": "r", "scopes": ["read"] }),
        )
        .await
        .ok(201);
    let token = revocable["token"].as_str().unwrap();
    let id = revocable["id"].as_str().unwrap();
    assert_eq!(app.get("/api/me", token).await.status, 200);
    assert_eq!(
        app.delete(&format!("/api/tokens/{id}"), &session)
            .await
            .status,
        204
    );
    app.get("/api/me", token).await.problem(401, "unauthorized");
    app.delete(&format!("/api/tokens/{id}"), &session)
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn members_cannot_delete_other_members_tokens() {
    let app = spawn_app().await;
    let (_, ada) = app.member("ada@example.com").await;
    let (_, grace) = app.member("grace@example.com").await;
    let created: Value = app
        .post(
            "/api/tokens",
            &ada,
            &json!({ "name": "mine", "scopes": ["read"] }),
        )
        .await
        .ok(201);
    let id = created["id"].as_str().unwrap();
    app.delete(&format!("/api/tokens/{id}"), &grace)
        .await
        .problem(404, "not_found");
    assert_eq!(
        app.get("/api/me", created["token"].as_str().unwrap())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn users_edit_their_profile_and_password() {
    let app = spawn_app().await;
    let (id, token) = app.member("ada@example.com").await;
    let me: Value = app
        .patch(
            "/api/me",
            &token,
            &json!({ "timezone": "Europe/Berlin", "display_name": "Ada" }),
        )
        .await
        .ok(200);
    assert_eq!(me["timezone"], "Europe/Berlin");
    // A member cannot claim a GitHub login by typing it (their own connection sets it); an admin can.
    app.put(
        &format!("/api/admin/users/{id}/identities/github"),
        &token,
        &json!({ "handle": "@Ada-L" }),
    )
    .await
    .problem(403, "forbidden");
    let admin = app.admin_token().await;
    app.put(
        &format!("/api/admin/users/{id}/identities/github"),
        &admin,
        &json!({ "handle": "@Ada-L" }),
    )
    .await
    .ok::<Value>(200);
    let me: Value = app.get("/api/me", &token).await.ok(200);
    assert_eq!(me["identities"][0]["handle"], "ada-l");
    app.patch("/api/me", &token, &json!({ "timezone": "Mars/Base" }))
        .await
        .problem(400, "validation_failed");
    app.patch(
        "/api/me",
        &token,
        &json!({ "new_password": "another password" }),
    )
    .await
    .problem(400, "validation_failed");
    app.patch(
        "/api/me",
        &token,
        &json!({ "current_password": stint_test_support::MEMBER_PASSWORD, "new_password": "another password" }),
    )
    .await
    .ok::<Value>(200);
    // The new password ended every earlier session, this one included.
    app.get("/api/me", &token)
        .await
        .problem(401, "unauthorized");
    let login: Value = app
        .login("ada@example.com", "another password")
        .await
        .ok(200);
    let token = login["access_token"].as_str().unwrap().to_owned();
    let cleared: Value = app
        .delete("/api/me/identities/github", &token)
        .await
        .ok(200);
    assert_eq!(cleared["identities"], json!([]));
}

#[tokio::test]
async fn github_logins_belong_to_one_user() {
    let app = spawn_app().await;
    let (ada, _) = app.member("ada@example.com").await;
    let (grace, _) = app.member("grace@example.com").await;
    let admin = app.admin_token().await;
    app.put(
        &format!("/api/admin/users/{ada}/identities/github"),
        &admin,
        &json!({ "handle": "octo" }),
    )
    .await
    .ok::<Value>(200);
    let taken = app
        .put(
            &format!("/api/admin/users/{grace}/identities/github"),
            &admin,
            &json!({ "handle": "OCTO" }),
        )
        .await
        .problem(409, "conflict");
    assert!(taken.detail.contains("GitHub login"), "{}", taken.detail);
}

async fn session(app: &stint_test_support::TestApp, email: &str, password: &str) -> String {
    let body: Value = app.login(email, password).await.ok(200);
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn signing_out_ends_that_session_only() {
    let app = spawn_app().await;
    let (_, phone) = app.member("ada@example.com").await;
    let laptop = session(&app, "ada@example.com", stint_test_support::MEMBER_PASSWORD).await;
    let api_token = app.api_token(&laptop, &["read"]).await;
    let answer = app
        .send(app.request(reqwest::Method::POST, "/api/auth/logout", Some(&phone)))
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    app.get("/api/me", &phone)
        .await
        .problem(401, "unauthorized");
    app.get("/api/me", &laptop).await.ok::<Value>(200);
    // An API token is not a session: it is deleted, not signed out.
    app.send(app.request(reqwest::Method::POST, "/api/auth/logout", Some(&api_token)))
        .await
        .problem(400, "validation_failed");
    app.get("/api/me", &api_token).await.ok::<Value>(200);
}

#[tokio::test]
async fn a_new_password_or_an_admin_ends_every_session_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, first) = app.member("ada@example.com").await;
    let second = session(&app, "ada@example.com", stint_test_support::MEMBER_PASSWORD).await;
    let api_token = app.api_token(&second, &["read"]).await;
    // Used once, so the principal is cached: ending the sessions must not wait for the cache.
    app.get("/api/me", &first).await.ok::<Value>(200);

    let answer = app
        .send(app.request(
            reqwest::Method::POST,
            &format!("/api/admin/users/{id}/sign-out"),
            Some(&admin),
        ))
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    for token in [&first, &second] {
        app.get("/api/me", token).await.problem(401, "unauthorized");
    }
    app.get("/api/me", &api_token).await.ok::<Value>(200);
    // Members cannot sign others out.
    let third = session(&app, "ada@example.com", stint_test_support::MEMBER_PASSWORD).await;
    app.send(app.request(
        reqwest::Method::POST,
        &format!("/api/admin/users/{id}/sign-out"),
        Some(&third),
    ))
    .await
    .problem(403, "forbidden");
    app.get("/api/me", &third).await.ok::<Value>(200);

    // An admin setting a new password ends the sessions too.
    app.patch(
        &format!("/api/admin/users/{id}"),
        &admin,
        &json!({ "password": "a brand new password" }),
    )
    .await
    .ok::<Value>(200);
    app.get("/api/me", &third)
        .await
        .problem(401, "unauthorized");
    session(&app, "ada@example.com", "a brand new password").await;
}

#[tokio::test]
async fn nobody_elsewhere_can_keep_an_account_locked() {
    let app = stint_test_support::spawn_app_with(&[("STINT_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let from = |ip: &str, password: &str| {
        app.request(reqwest::Method::POST, "/api/auth/login", None)
            .header("x-forwarded-for", ip)
            .json(&json!({ "email": ADMIN_EMAIL, "password": password }))
    };
    for _ in 0..10 {
        app.send(from("203.0.113.9", "guessing"))
            .await
            .problem(401, "invalid_credentials");
    }
    app.send(from("203.0.113.9", ADMIN_PASSWORD))
        .await
        .problem(429, "rate_limited");
    // The admin, at another address behind the same proxy, still signs in.
    app.send(from("198.51.100.7", ADMIN_PASSWORD))
        .await
        .ok::<Value>(200);
    // Without a trusted proxy the header is ignored: it cannot buy a fresh budget.
    let direct = spawn_app().await;
    for n in 0..11 {
        let answer = direct
            .send(
                direct
                    .request(reqwest::Method::POST, "/api/auth/login", None)
                    .header("x-forwarded-for", format!("192.0.2.{n}"))
                    .json(&json!({ "email": ADMIN_EMAIL, "password": "guessing" })),
            )
            .await;
        if n < 10 {
            answer.problem(401, "invalid_credentials");
        } else {
            answer.problem(429, "rate_limited");
        }
    }
}
