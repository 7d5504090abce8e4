//! A member's own connections: which connection serves them, their own GitHub (sync of their
//! issues, a webhook of their own with its own secret, their login taken from it).

use reqwest::Method;
use serde_json::{Value, json};
use stint_providers::github::signature::sign as github_signature;
use stint_test_support::{Answer, TestApp, spawn_app};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::github_webhooks::{WEBHOOK_SECRET, github_ready, issue_event};
use crate::oauth::{callback_of, connect_to};

/// Allows personal GitHub connections and connects `email`'s own; (member id, member token).
async fn member_with_own_github(app: &TestApp, admin: &str, email: &str) -> (String, String) {
    app.put(
        "/api/admin/providers/github",
        admin,
        &json!({ "allow_personal": true }),
    )
    .await
    .ok::<Value>(200);
    let (id, token) = app.member(email).await;
    let state = connect_to(app, "github", &token, "personal").await.state;
    let location = callback_of(
        app,
        &app.client,
        "github",
        &format!("code=the-code&state={state}"),
    )
    .await;
    assert_eq!(location, "/integrations?connected=github");
    (id, token)
}

async fn post_to(app: &TestApp, url: &str, delivery: &str, body: &Value, secret: &str) -> Answer {
    let body = serde_json::to_vec(body).unwrap();
    app.send(
        app.client
            .request(Method::POST, url)
            .header("content-type", "application/json")
            .header("x-github-event", "issues")
            .header("x-github-delivery", delivery)
            .header("x-hub-signature-256", github_signature(secret, &body))
            .body(body),
    )
    .await
}

#[tokio::test]
async fn status_says_which_connection_serves_you_or_why_none_does() {
    let app = spawn_app().await;
    let (_, member) = app.member("ada@example.com").await;
    let problem = app
        .get("/api/integrations/github/status", &member)
        .await
        .problem(404, "not_found");
    assert!(
        problem.detail.contains("not connected"),
        "{}",
        problem.detail
    );

    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let (_, member) = app.member("ada@example.com").await;
    let serving: Value = app
        .get("/api/integrations/github/status", &member)
        .await
        .ok(200);
    assert_eq!(serving["scope"], "global");
    assert!(serving["last_used_at"].is_null());

    let (_, member) = member_with_own_github(&app, &admin, "grace@example.com").await;
    let serving: Value = app
        .get("/api/integrations/github/status", &member)
        .await
        .ok(200);
    assert_eq!(serving["scope"], "personal");
    assert_eq!(serving["external_account"], "octocat");
}

/// Without `?scope=`, every route means the caller's own connection if they have one, else the
/// organisation's; connecting makes their own where they may have one.
#[tokio::test]
async fn without_a_scope_each_route_means_your_own_connection_else_the_organisations() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let settings = json!({ "repositories": ["octo/site"] });
    let org: Value = app
        .put("/api/integrations/github/config", &admin, &settings)
        .await
        .ok(200);
    assert_eq!(org["scope"], "global");
    let tested: Value = app
        .post("/api/integrations/github/test", &admin, &json!({}))
        .await
        .ok(200);
    assert_eq!(tested["ok"], true, "{tested}");

    // A member with no connection of their own means the organisation's, which is the admin's.
    let (_, member) = app.member("ada@example.com").await;
    app.put("/api/integrations/github/config", &member, &settings)
        .await
        .problem(403, "forbidden");

    // With their own, the same requests are about theirs.
    let (_, grace) = member_with_own_github(&app, &admin, "grace@example.com").await;
    let own: Value = app
        .put("/api/integrations/github/config", &grace, &settings)
        .await
        .ok(200);
    assert_eq!(own["scope"], "personal");
    let runs: Value = app
        .get("/api/integrations/github/sync-runs", &grace)
        .await
        .ok(200);
    assert_eq!(runs, json!([]));
    // Once personal connections are open, connecting without a scope makes one's own.
    let started: Value = app
        .get("/api/integrations/github/connect", &member)
        .await
        .ok(200);
    assert!(started["authorization_url"].is_string());
}

#[tokio::test]
async fn a_members_own_github_webhook_has_its_own_secret() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let (member_id, member) = member_with_own_github(&app, &admin, "grace@example.com").await;
    // Their login comes from their own connection.
    let me: Value = app.get("/api/me", &member).await.ok(200);
    assert_eq!(me["identities"][0]["provider"], "github");
    assert_eq!(me["identities"][0]["handle"], "octocat");

    let hook: Value = app
        .post(
            "/api/integrations/github/webhook-secret",
            &member,
            &json!({}),
        )
        .await
        .ok(200);
    let url = hook["webhook_url"].as_str().unwrap().to_owned();
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(url.contains("/api/integrations/github/webhook/"), "{url}");
    assert_eq!(secret.len(), 64);

    let event = issue_event("opened", "grace/notes", 7, "Own work", &[]);
    // The organisation's secret does not open a member's webhook.
    post_to(&app, &url, "p-1", &event, WEBHOOK_SECRET)
        .await
        .problem(401, "invalid_signature");
    let accepted: Value = post_to(&app, &url, "p-1", &event, &secret).await.ok(200);
    assert_eq!(accepted["status"], "accepted");
    app.stint.intake.settle().await;

    let tasks: Value = app.get("/api/tasks?limit=50", &admin).await.ok(200);
    let tasks = tasks["items"].as_array().unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["title"], "Own work");
    assert_eq!(tasks[0]["assignee_id"], member_id.as_str());

    // A new secret replaces the old one at once.
    let again: Value = app
        .post(
            "/api/integrations/github/webhook-secret",
            &member,
            &json!({}),
        )
        .await
        .ok(200);
    post_to(&app, &url, "p-2", &event, &secret)
        .await
        .problem(401, "invalid_signature");
    post_to(&app, &url, "p-2", &event, again["secret"].as_str().unwrap())
        .await
        .ok::<Value>(200);

    // The organisation's connection has no URL of its own.
    let global: Value = app
        .get("/api/integrations/github/status?scope=global", &admin)
        .await
        .ok(200);
    let org_url = app.url(&format!(
        "/api/integrations/github/webhook/{}",
        global["id"].as_str().unwrap()
    ));
    post_to(&app, &org_url, "p-3", &event, WEBHOOK_SECRET)
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn a_members_own_github_sync_brings_their_issues() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let (member_id, member) = member_with_own_github(&app, &admin, "grace@example.com").await;
    app.put(
        "/api/integrations/github/config?scope=personal",
        &member,
        &json!({ "repositories": ["grace/notes"] }),
    )
    .await
    .ok::<Value>(200);
    let mut issue = issue_event("opened", "grace/notes", 3, "Mine to do", &[])["issue"].clone();
    issue["assignees"] = json!([{ "login": "octocat", "id": 1 }]);
    Mock::given(method("GET"))
        .and(path("/repos/grace/notes/issues"))
        .and(query_param("assignee", "octocat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([issue])))
        .mount(&provider)
        .await;

    let mut finished = app.stint.finished_syncs.subscribe();
    let started: Value = app
        .post(
            "/api/integrations/github/sync?scope=personal",
            &member,
            &json!({}),
        )
        .await
        .ok(202);
    let id = started["sync_run_id"].as_str().unwrap().to_owned();
    while finished.recv().await.unwrap().to_string() != id {}
    let run: Value = app
        .get(&format!("/api/sync-runs/{id}"), &member)
        .await
        .ok(200);
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["created"], 1);
    let tasks: Value = app.get("/api/tasks?limit=50", &member).await.ok(200);
    let tasks = tasks["items"].as_array().unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["assignee_id"], member_id.as_str());
    // The run and the token's use show on the connection.
    let mine: Value = app
        .get("/api/integrations/github/status?scope=personal", &member)
        .await
        .ok(200);
    assert_eq!(mine["last_sync"]["status"], "succeeded");
    assert!(mine["last_used_at"].is_string());
    // An admin cannot start a member's sync as the organisation's, nor a member the organisation's.
    app.post(
        "/api/integrations/github/sync?scope=global",
        &member,
        &json!({}),
    )
    .await
    .problem(403, "forbidden");
}
