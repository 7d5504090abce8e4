//! Slack end to end: signed slash commands and events in Slack's documented shapes, members
//! matched by id or email, timer notifications that never slow the timer, the daily summary.

use reqwest::Method;
use serde_json::{Value, json};
use stint_providers::slack::signature::sign as slack_signature;
use stint_test_support::{Answer, TestApp, captured_logs, spawn_app_with};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::oauth::{callback_of, connect_to};

const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
/// The workspace the fake Slack connects (`auth.test`'s `team_id`).
const TEAM: &str = "T9TK3CUKW";
const BOT_TOKEN: &str = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy";

async fn slack_ready(slack: &MockServer, settings: Value) -> (TestApp, String) {
    let base = slack.uri();
    Mock::given(method("POST"))
        .and(path("/api/oauth.v2.access"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "access_token": BOT_TOKEN,
            "token_type": "bot",
            "scope": "commands,chat:write,users:read,users:read.email",
            "bot_user_id": "U0KRQLJ9H",
            "app_id": "A0KRD7HC3",
            "team": { "name": "Slack Softball Team", "id": "T9TK3CUKW" },
            "enterprise": null,
            "authed_user": { "id": "U1234", "scope": "chat:write", "token_type": "user" }
        })))
        .mount(slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/auth.test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "url": "https://subarachnoid.slack.com/", "team": "Slack Softball Team",
            "user": "grace", "team_id": "T9TK3CUKW", "user_id": "W12345678"
        })))
        .mount(slack)
        .await;
    let app = spawn_app_with(&[
        (
            "STINT_PROVIDER_SLACK_AUTHORIZE_URL",
            &format!("{base}/oauth/v2/authorize"),
        ),
        (
            "STINT_PROVIDER_SLACK_TOKEN_URL",
            &format!("{base}/api/oauth.v2.access"),
        ),
        (
            "STINT_PROVIDER_SLACK_REVOKE_URL",
            &format!("{base}/api/auth.revoke"),
        ),
        ("STINT_PROVIDER_SLACK_API_BASE", &format!("{base}/api")),
    ])
    .await;
    let admin = app.admin_token().await;
    app.put(
        "/api/admin/providers/slack",
        &admin,
        &json!({ "client_id": "3336676.569200954261", "client_secret": "slack-client-secret", "signing_secret": SIGNING_SECRET }),
    )
    .await
    .ok::<Value>(200);
    let state = connect_to(&app, "slack", &admin, "global").await.state;
    let location = callback_of(
        &app,
        &app.client,
        "slack",
        &format!("code=c0de&state={state}"),
    )
    .await;
    assert_eq!(location, "/integrations?connected=slack");
    app.put(
        "/api/integrations/slack/config?scope=global",
        &admin,
        &settings,
    )
    .await
    .ok::<Value>(200);
    (app, admin)
}

fn now(app: &TestApp) -> i64 {
    app.clock.now().timestamp()
}

async fn signed(
    app: &TestApp,
    route: &str,
    content_type: &str,
    body: &str,
    timestamp: i64,
) -> Answer {
    app.send(
        app.request(Method::POST, route, None)
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", timestamp.to_string())
            .header(
                "x-slack-signature",
                slack_signature(SIGNING_SECRET, timestamp, body.as_bytes()),
            )
            .body(body.to_owned()),
    )
    .await
}

/// Slack's documented slash-command form, with our command and text.
fn command_form(user_id: &str, text: &str, trigger: &str) -> String {
    let text = url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    format!(
        "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id={TEAM}&team_domain=example&enterprise_id=E0001\
         &enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test\
         &user_id={user_id}&user_name=Steve&command=/tt&text={text}\
         &response_url=https://hooks.slack.com/commands/1234/5678\
         &trigger_id={trigger}&api_app_id=A123456"
    )
}

async fn command(app: &TestApp, user_id: &str, text: &str) -> String {
    let trigger = format!("13345224609.738474920.{}", uuid::Uuid::new_v4().simple());
    let answer = signed(
        app,
        "/api/integrations/slack/commands",
        "application/x-www-form-urlencoded",
        &command_form(user_id, text, &trigger),
        now(app),
    )
    .await;
    let reply: Value = answer.ok(200);
    assert_eq!(reply["response_type"], "ephemeral");
    reply["text"].as_str().unwrap().to_owned()
}

/// A member whose Slack id the admin has set.
async fn slack_member(app: &TestApp, admin: &str, email: &str, slack_id: &str) -> (String, String) {
    let (id, token) = app.member(email).await;
    app.put(
        &format!("/api/admin/users/{id}/identities/slack"),
        admin,
        &json!({ "handle": slack_id }),
    )
    .await
    .ok::<Value>(200);
    (id, token)
}

#[tokio::test]
async fn tt_start_status_stop_today_and_help() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    let (_, member) = slack_member(&app, &admin, "steve@example.com", "U2147483697").await;
    let acme = app.project(&admin, "Acme Website").await;
    app.project(&admin, "Acme Mobile").await;
    app.project(&admin, "Globex").await;

    assert!(
        command(&app, "U2147483697", "status")
            .await
            .contains("No timer is running")
    );
    let several = command(&app, "U2147483697", "start acme").await;
    assert!(several.contains("Several projects match"), "{several}");
    assert!(several.contains("Acme Website") && several.contains("Acme Mobile"));
    let none = command(&app, "U2147483697", "start initech").await;
    assert!(none.contains("No project matches “initech”"), "{none}");
    assert!(none.contains("Globex"));

    let started = command(&app, "U2147483697", "start acme web").await;
    assert!(
        started.contains("Timer started on *Acme Website* at 09:00"),
        "{started}"
    );
    let timer: Value = app.get("/api/timer", &member).await.ok(200);
    assert_eq!(timer["entry"]["project_id"], acme.as_str());
    assert_eq!(timer["entry"]["source"], "slack");
    let again = command(&app, "U2147483697", &format!("start {acme}")).await;
    assert!(
        again.contains("already") || again.contains("Running"),
        "{again}"
    );

    app.clock.advance(chrono::Duration::minutes(65));
    let status = command(&app, "U2147483697", "STATUS").await;
    assert!(
        status.contains("Running on *Acme Website* since 09:00 (1h 05m)"),
        "{status}"
    );
    let stopped = command(&app, "U2147483697", "stop").await;
    assert!(
        stopped.contains("Stopped: *Acme Website* — 1h 05m"),
        "{stopped}"
    );
    assert!(
        command(&app, "U2147483697", "stop")
            .await
            .contains("No timer is running")
    );
    let today = command(&app, "U2147483697", "today").await;
    assert!(today.contains("*1h 05m* tracked"), "{today}");
    assert!(
        today.contains("09:00–10:05 *Acme Website* — 1h 05m"),
        "{today}"
    );
    assert!(
        command(&app, "U2147483697", "")
            .await
            .contains("/tt start [project]")
    );
    assert!(
        command(&app, "U2147483697", "dance")
            .await
            .contains("/tt today")
    );

    // The legacy verification token in the form is never stored.
    app.stint.intake.settle().await;
    let recorded: Value = app
        .get("/api/admin/webhook-deliveries?provider=slack", &admin)
        .await
        .ok(200);
    assert!(recorded["items"].as_array().unwrap().len() >= 10);
    assert!(!String::from_utf8_lossy(&app.database_bytes()).contains("gIkuvaNzQIHg97ATvDxqgjtO"));
}

#[tokio::test]
async fn members_are_matched_by_email_once_and_remembered() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    let (id, _) = app.member("spengler@ghostbusters.example.com").await;
    Mock::given(method("GET"))
        .and(path("/api/users.info"))
        .and(query_param("user", "W012A3CDE"))
        .and(header(
            "authorization",
            format!("Bearer {BOT_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "user": {
                "id": "W012A3CDE", "team_id": "T012AB3C4", "name": "spengler", "deleted": false,
                "real_name": "Egon Spengler", "tz": "America/Los_Angeles",
                "profile": { "real_name": "Egon Spengler", "display_name": "spengler",
                             "email": "Spengler@Ghostbusters.example.com" },
                "is_admin": true, "is_bot": false
            }
        })))
        .expect(1)
        .mount(&slack)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/users.info"))
        .and(query_param("user", "W0STRANGER"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "user": { "id": "W0STRANGER", "profile": { "email": "nobody@example.com" } }
        })))
        .mount(&slack)
        .await;

    assert!(
        command(&app, "W012A3CDE", "status")
            .await
            .contains("No timer is running")
    );
    assert!(
        command(&app, "W012A3CDE", "start")
            .await
            .contains("Timer started on no project")
    );
    let user: Value = app
        .get(&format!("/api/admin/users/{id}"), &admin)
        .await
        .ok(200);
    assert_eq!(user["identities"][0]["handle"], "W012A3CDE");
    let stranger = command(&app, "W0STRANGER", "status").await;
    assert!(
        stranger.contains("No active Stint account has the email nobody@example.com"),
        "{stranger}"
    );
}

#[tokio::test]
async fn unsigned_stale_and_tampered_requests_are_refused() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    slack_member(&app, &admin, "steve@example.com", "U2147483697").await;
    let form = command_form("U2147483697", "start", "t-1");
    let route = "/api/integrations/slack/commands";
    let six_minutes_ago = now(&app) - 6 * 60;
    signed(
        &app,
        route,
        "application/x-www-form-urlencoded",
        &form,
        six_minutes_ago,
    )
    .await
    .problem(401, "invalid_signature");
    let tampered = app
        .request(Method::POST, route, None)
        .header("x-slack-request-timestamp", now(&app).to_string())
        .header(
            "x-slack-signature",
            slack_signature(SIGNING_SECRET, now(&app), form.as_bytes()),
        )
        .body(form.replace("text=start", "text=stop"));
    app.send(tampered).await.problem(401, "invalid_signature");
    app.send(app.request(Method::POST, route, None).body(form.clone()))
        .await
        .problem(401, "invalid_signature");
    let events = app
        .request(Method::POST, "/api/integrations/slack/events", None)
        .header("x-slack-request-timestamp", now(&app).to_string())
        .header("x-slack-signature", "v0=deadbeef")
        .body("{}");
    app.send(events).await.problem(401, "invalid_signature");
    let timer_rows: Value = app.get("/api/time-entries", &admin).await.ok(200);
    assert!(
        timer_rows["items"].as_array().unwrap().is_empty(),
        "nothing was started"
    );
}

#[tokio::test]
async fn events_url_verification_and_retries() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    let challenge = json!({
        "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification"
    })
    .to_string();
    let answer: Value = signed(
        &app,
        "/api/integrations/slack/events",
        "application/json",
        &challenge,
        now(&app),
    )
    .await
    .ok(200);
    assert_eq!(
        answer["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    let uninstalled = json!({
        "token": "XXYYZZ", "team_id": "T9TK3CUKW", "api_app_id": "A0KRD7HC3",
        "event": { "type": "app_uninstalled" },
        "type": "event_callback", "event_id": "Ev0PV52K21", "event_time": 1_767_603_600
    })
    .to_string();
    let first: Value = signed(
        &app,
        "/api/integrations/slack/events",
        "application/json",
        &uninstalled,
        now(&app),
    )
    .await
    .ok(200);
    assert_eq!(first["status"], "accepted");
    // Slack retries when it did not hear back in time: acknowledged, not applied again.
    let retry = app
        .request(Method::POST, "/api/integrations/slack/events", None)
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", now(&app).to_string())
        .header(
            "x-slack-signature",
            slack_signature(SIGNING_SECRET, now(&app), uninstalled.as_bytes()),
        )
        .header("x-slack-retry-num", "1")
        .header("x-slack-retry-reason", "http_timeout")
        .body(uninstalled.clone());
    assert_eq!(
        app.send(retry).await.ok::<Value>(200)["status"],
        "duplicate"
    );
    let message = json!({
        "type": "event_callback", "event_id": "Ev0MESSAGE", "team_id": "T9TK3CUKW",
        "event": { "type": "message", "channel": "C2147483705", "user": "U2147483697", "text": "Hello world", "ts": "1355517523.000005" }
    })
    .to_string();
    let ignored: Value = signed(
        &app,
        "/api/integrations/slack/events",
        "application/json",
        &message,
        now(&app),
    )
    .await
    .ok(202);
    assert_eq!(ignored["status"], "ignored");
    signed(
        &app,
        "/api/integrations/slack/events",
        "application/json",
        "{\"type\": ",
        now(&app),
    )
    .await
    .problem(400, "malformed_request");

    app.stint.intake.settle().await;
    let status: Value = app
        .get("/api/integrations/slack/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(status["status"], "revoked");
    assert!(!String::from_utf8_lossy(&app.database_bytes()).contains("XXYYZZ"));
}

#[tokio::test]
async fn timer_notifications_are_posted_and_retried_without_slowing_the_timer() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({ "channel": "#time" })).await;
    let (_, member) = slack_member(&app, &admin, "grace@example.com", "U024BE7LH").await;
    app.patch("/api/me", &member, &json!({ "display_name": "Grace" }))
        .await
        .ok::<Value>(200);
    let project = app.project(&admin, "Apollo").await;
    // Slack rate-limits the first post; Stint waits as told and posts again.
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(header(
            "authorization",
            format!("Bearer {BOT_TOKEN}").as_str(),
        ))
        .and(body_partial_json(json!({ "channel": "#time" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": "C123ABC456", "ts": "1503435956.000247",
            "message": { "text": "…", "type": "message", "subtype": "bot_message" }
        })))
        .mount(&slack)
        .await;

    app.post(
        "/api/timer/start",
        &member,
        &json!({ "project_id": project }),
    )
    .await
    .ok::<Value>(200);
    app.clock.advance(chrono::Duration::minutes(30));
    app.post("/api/timer/stop", &member, &json!({}))
        .await
        .ok::<Value>(200);
    app.settle_jobs().await;

    let posts: Vec<Value> = slack
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/chat.postMessage")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(posts.len(), 3, "one 429, then both notices: {posts:?}");
    assert_eq!(posts[1]["text"], "▶️ Grace started a timer on *Apollo*");
    assert_eq!(
        posts[2]["text"],
        "⏹ Grace stopped their timer on *Apollo* after 30m"
    );
    let logs = captured_logs();
    assert!(!logs.contains("pdFZKVeTuE8sk7oOcBrzbqgy"));
    assert!(
        logs.contains("Secret(xoxb…)"),
        "the token appears as its prefix only"
    );
}

#[tokio::test]
async fn a_failing_slack_never_fails_the_timer() {
    let slack = MockServer::start().await;
    let (app, _admin) = slack_ready(&slack, json!({ "channel": "C024BE91L" })).await;
    let (_, member) = app.member("ada@example.com").await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&slack)
        .await;
    let started = app.post("/api/timer/start", &member, &json!({})).await;
    started.ok::<Value>(200);
    let stopped = app.post("/api/timer/stop", &member, &json!({})).await;
    stopped.ok::<Value>(200);
    app.settle_jobs().await;
    let timer: Value = app.get("/api/timer", &member).await.ok(200);
    assert_eq!(timer["running"], false);
    let attempts = slack
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/chat.postMessage")
        .count();
    assert_eq!(attempts, 8, "each notice tried four times, then given up");
}

#[tokio::test]
async fn the_daily_summary_goes_to_the_member() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    let (id, member) = slack_member(&app, &admin, "grace@example.com", "U024BE7LH").await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(body_partial_json(json!({ "channel": "U024BE7LH" })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "channel": "D024BE91L", "ts": "1" })),
        )
        .expect(1)
        .mount(&slack)
        .await;
    app.post(
        "/api/time-entries",
        &member,
        &json!({ "started_at": "2026-01-05T07:00:00Z", "ended_at": "2026-01-05T08:30:00Z", "notes": "planning" }),
    )
    .await
    .ok::<Value>(201);
    let outcome = stint_core::notify::summary::post_daily_summary(&app.stint, id.parse().unwrap())
        .await
        .unwrap();
    let stint_core::notify::summary::SummaryOutcome::Posted { text } = outcome else {
        panic!("not posted: {outcome:?}");
    };
    assert!(text.contains("*1h 30m* tracked"), "{text}");
    assert!(
        text.contains("07:00–08:30 no project (planning) — 1h 30m"),
        "{text}"
    );
}

#[tokio::test]
async fn slack_hears_back_in_time_even_when_the_database_is_slow() {
    use sea_orm::ConnectionTrait;
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    // Another writer holds the lock the delivery record needs.
    let blocker = app.stint.begin_write().await.unwrap();
    if stint_test_support::is_postgres() {
        blocker
            .execute_unprepared("LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE")
            .await
            .unwrap();
    }
    let uninstalled = json!({
        "team_id": "T9TK3CUKW", "api_app_id": "A0KRD7HC3", "event": { "type": "app_uninstalled" },
        "type": "event_callback", "event_id": "Ev0SLOW", "event_time": 1_767_603_600
    })
    .to_string();
    let sent = std::time::Instant::now();
    let ack: Value = signed(
        &app,
        "/api/integrations/slack/events",
        "application/json",
        &uninstalled,
        now(&app),
    )
    .await
    .ok(200);
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(3),
        "Slack gives up after 3 s"
    );
    assert_eq!(ack["status"], "accepted");
    assert!(ack["delivery"].is_null(), "not recorded yet: {ack}");
    // Once the database is free again the delivery is recorded and applied.
    blocker.rollback().await.unwrap();
    app.stint.intake.settle().await;
    let status: Value = app
        .get("/api/integrations/slack/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(status["status"], "revoked");
}

const PERSONAL_TOKEN: &str = "xoxp-2024-personal-5f9a7c3e1b";

/// Lets members connect their own Slack; the fake Slack grants a user token for `own-code`.
async fn allow_own_slack(app: &TestApp, admin: &str, slack: &MockServer) {
    app.put(
        "/api/admin/providers/slack",
        admin,
        &json!({ "allow_personal": true }),
    )
    .await
    .ok::<Value>(200);
    Mock::given(method("POST"))
        .and(path("/api/oauth.v2.access"))
        .and(wiremock::matchers::body_string_contains("code=own-code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "access_token": PERSONAL_TOKEN, "token_type": "user",
            "scope": "chat:write", "team": { "name": "Slack Softball Team", "id": TEAM }
        })))
        .with_priority(1)
        .mount(slack)
        .await;
}

/// The member connects their own Slack through the fake OAuth flow.
async fn connect_own_slack(app: &TestApp, member: &str) {
    let state = connect_to(app, "slack", member, "personal").await.state;
    let location = callback_of(
        app,
        &app.client,
        "slack",
        &format!("code=own-code&state={state}"),
    )
    .await;
    assert_eq!(location, "/integrations?connected=slack");
}

#[tokio::test]
async fn a_members_own_slack_carries_their_notices_and_summary() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({ "channel": "#time" })).await;
    allow_own_slack(&app, &admin, &slack).await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "channel": "D024BE91L", "ts": "1" })),
        )
        .mount(&slack)
        .await;
    let (id, member) = slack_member(&app, &admin, "grace@example.com", "U024BE7LH").await;
    let (_, other) = slack_member(&app, &admin, "ada@example.com", "U0ADA").await;
    connect_own_slack(&app, &member).await;

    for token in [&member, &other] {
        app.post("/api/timer/start", token, &json!({}))
            .await
            .ok::<Value>(200);
    }
    app.settle_jobs().await;
    stint_core::notify::summary::post_daily_summary(&app.stint, id.parse().unwrap())
        .await
        .unwrap();

    let posts: Vec<(String, Value)> = slack
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/api/chat.postMessage")
        .map(|r| {
            let auth = r.headers["authorization"].to_str().unwrap().to_owned();
            (auth, serde_json::from_slice(&r.body).unwrap())
        })
        .collect();
    let mine: Vec<&Value> = posts
        .iter()
        .filter(|(auth, _)| auth == &format!("Bearer {PERSONAL_TOKEN}"))
        .map(|(_, body)| body)
        .collect();
    // Grace's notice and summary go through her own connection, to her (it has no channel).
    assert_eq!(mine.len(), 2, "{posts:?}");
    assert!(mine.iter().all(|body| body["channel"] == "U024BE7LH"));
    // Ada has no connection of her own: the organisation's bot posts to its channel.
    let org: Vec<&Value> = posts
        .iter()
        .filter(|(auth, _)| auth == &format!("Bearer {BOT_TOKEN}"))
        .map(|(_, body)| body)
        .collect();
    assert_eq!(org.len(), 1, "{posts:?}");
    assert_eq!(org[0]["channel"], "#time");
}

#[tokio::test]
async fn replayed_commands_and_other_workspaces_are_not_answered() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    let (_, member) = slack_member(&app, &admin, "grace@example.com", "U024BE7LH").await;
    let form = command_form("U024BE7LH", "start", "13345224609.1.replayed");
    let at = now(&app);
    let first: Value = signed(
        &app,
        "/api/integrations/slack/commands",
        "application/x-www-form-urlencoded",
        &form,
        at,
    )
    .await
    .ok(200);
    assert!(
        first["text"].as_str().unwrap().contains("Timer started"),
        "{first}"
    );
    app.post("/api/timer/stop", &member, &json!({}))
        .await
        .ok::<Value>(200);
    // The same bytes and signature again, inside the five minutes: not run a second time.
    let replay: Value = signed(
        &app,
        "/api/integrations/slack/commands",
        "application/x-www-form-urlencoded",
        &form,
        at,
    )
    .await
    .ok(200);
    assert!(
        replay["text"]
            .as_str()
            .unwrap()
            .contains("already received"),
        "{replay}"
    );
    let timer: Value = app.get("/api/timer", &member).await.ok(200);
    assert_eq!(timer["running"], false);

    // Signed by the same app, but from a workspace Stint is not connected to.
    let elsewhere = command_form("U024BE7LH", "start", "13345224609.2.elsewhere")
        .replace(&format!("team_id={TEAM}"), "team_id=T0FOREIGN");
    let refused: Value = signed(
        &app,
        "/api/integrations/slack/commands",
        "application/x-www-form-urlencoded",
        &elsewhere,
        now(&app),
    )
    .await
    .ok(200);
    assert!(
        refused["text"].as_str().unwrap().contains("not connected"),
        "{refused}"
    );
    let timer: Value = app.get("/api/timer", &member).await.ok(200);
    assert_eq!(timer["running"], false);
    let foreign_event = json!({
        "type": "event_callback", "event_id": "Ev0FOREIGN", "team_id": "T0FOREIGN",
        "event": { "type": "app_uninstalled" }
    })
    .to_string();
    signed(
        &app,
        "/api/integrations/slack/events",
        "application/json",
        &foreign_event,
        now(&app),
    )
    .await
    .problem(403, "forbidden");
    app.stint.intake.settle().await;
    let status: Value = app
        .get("/api/integrations/slack/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(status["status"], "active");
}

#[tokio::test]
async fn tokens_revoked_revokes_only_the_connections_it_names() {
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    allow_own_slack(&app, &admin, &slack).await;
    let (_, grace) = slack_member(&app, &admin, "grace@example.com", "U024BE7LH").await;
    let (_, ada) = slack_member(&app, &admin, "ada@example.com", "U0ADA").await;
    for member in [&grace, &ada] {
        connect_own_slack(&app, member).await;
    }
    // Slack's documented shape: the users whose user (`oauth`) or bot tokens were revoked.
    let revoked = json!({
        "token": "XXYYZZ", "team_id": TEAM, "api_app_id": "A0KRD7HC3", "type": "event_callback",
        "event_id": "Ev0REVOKED", "event_time": 1_767_603_600,
        "event": { "type": "tokens_revoked", "tokens": { "oauth": ["U024BE7LH"], "bot": [] } }
    })
    .to_string();
    signed(
        &app,
        "/api/integrations/slack/events",
        "application/json",
        &revoked,
        now(&app),
    )
    .await
    .ok::<Value>(200);
    app.stint.intake.settle().await;
    let status = |token: &str, scope: &str| {
        let app = &app;
        let path = format!("/api/integrations/slack/status?scope={scope}");
        let token = token.to_owned();
        async move { app.get(&path, &token).await.ok::<Value>(200)["status"].clone() }
    };
    assert_eq!(status(&grace, "personal").await, "revoked");
    assert_eq!(status(&ada, "personal").await, "active");
    assert_eq!(status(&admin, "global").await, "active");
}

/// The channel of every message posted so far, in order.
async fn posted_channels(slack: &MockServer) -> Vec<String> {
    slack
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/chat.postMessage")
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["channel"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_scheduled_summary_goes_out_once_per_local_day() {
    use stint_core::jobs::Schedule;
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    let (id, member) = slack_member(&app, &admin, "grace@example.com", "U024BE7LH").await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(body_partial_json(json!({ "channel": "U024BE7LH" })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "channel": "D024BE91L", "ts": "1" })),
        )
        .mount(&slack)
        .await;
    app.patch("/api/me", &member, &json!({ "timezone": "Europe/Berlin" }))
        .await
        .ok::<Value>(200);
    app.put(
        "/api/me/notifications",
        &member,
        &json!({ "timer_notifications": false, "daily_summary_enabled": true, "daily_summary_time": "17:30" }),
    )
    .await
    .ok::<Value>(200);
    let tick = |at: &str| {
        let at = at.parse().unwrap();
        let stint = app.stint.clone();
        async move {
            stint_worker::jobs::tick(&stint, Schedule::DailySummary, at)
                .await
                .unwrap()
        }
    };
    // 17:30 in Berlin is 16:30 UTC in January: not in the 16:00 half hour, in the 16:30 one.
    assert_eq!(tick("2026-01-05T16:00:00Z").await, 0);
    assert_eq!(tick("2026-01-05T16:30:00Z").await, 1);
    let admin_jobs = crate::worker::settled(&app, &admin).await;
    assert_eq!(admin_jobs["failed"], 0, "{admin_jobs}");
    assert_eq!(posted_channels(&slack).await.len(), 1);
    // The same half hour again (a retried tick, another process): that day is sent.
    assert_eq!(tick("2026-01-05T16:30:00Z").await, 0);
    let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let again = stint_worker::jobs::run(
        &app.stint,
        &stint_core::jobs::Job::DailySummary {
            user_id: id.parse().unwrap(),
            date,
        },
    )
    .await
    .unwrap();
    assert!(
        matches!(
            again,
            stint_worker::jobs::Done::Summary(
                stint_core::notify::summary::SummaryOutcome::Skipped(_)
            )
        ),
        "{again:?}"
    );
    // Moving to New York (17:30 there is 22:30 UTC) the same local day sends nothing more.
    app.patch(
        "/api/me",
        &member,
        &json!({ "timezone": "America/New_York" }),
    )
    .await
    .ok::<Value>(200);
    assert_eq!(tick("2026-01-05T22:30:00Z").await, 0);
    // The next day it goes out again.
    assert_eq!(tick("2026-01-06T22:30:00Z").await, 1);
    crate::worker::settled(&app, &admin).await;
    assert_eq!(posted_channels(&slack).await.len(), 2);
}

#[tokio::test]
async fn three_worker_processes_post_each_summary_once() {
    use stint_core::config::WorkerConfig;
    use stint_core::jobs::Schedule;
    const MEMBERS: usize = 24;
    let slack = MockServer::start().await;
    let (mut app, _admin) = slack_ready(&slack, json!({})).await;
    // Only the three separate processes run jobs here. Dropping the worker would leave its tasks
    // running (a JoinHandle detaches); stop it.
    if let Some(worker) = app.worker.take() {
        worker.stop(std::time::Duration::from_secs(10)).await;
    }
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "channel": "D024BE91L", "ts": "1" }))
                .set_delay(std::time::Duration::from_millis(100)),
        )
        .mount(&slack)
        .await;
    // The processes run on the real clock: choose a summary time in the current half hour (and
    // not in its last minute, so the half hour does not end before they start).
    let config = WorkerConfig::default();
    let mut now = chrono::Utc::now();
    if Schedule::DailySummary.due(&config, now + chrono::Duration::seconds(90))
        != Schedule::DailySummary.due(&config, now)
    {
        tokio::time::sleep(std::time::Duration::from_secs(95)).await;
        now = chrono::Utc::now();
    }
    let window = Schedule::DailySummary.due(&config, now).unwrap();
    let time = (window + chrono::Duration::minutes(1))
        .format("%H:%M")
        .to_string();
    let mut expected = std::collections::BTreeSet::new();
    // Set up directly in the database: this test is about the workers, not the admin API (and
    // signing 24 members in would meet the login limits).
    for n in 0..MEMBERS {
        let slack_id = format!("U0SCALE{n:03}");
        let id = uuid::Uuid::now_v7().to_string();
        {
            use sea_orm::{ActiveModelTrait, ActiveValue::Set};
            stint_entity::user::ActiveModel {
                id: Set(id.parse().unwrap()),
                email: Set(format!("m{n}@example.com")),
                display_name: Set(format!("Member {n}")),
                password_hash: Set(None),
                role: Set("member".to_owned()),
                timezone: Set("UTC".to_owned()),
                active: Set(true),
                session_generation: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&app.stint.db)
            .await
            .unwrap();
            stint_entity::external_identity::ActiveModel {
                user_id: Set(id.parse().unwrap()),
                provider: Set("slack".to_owned()),
                handle: Set(slack_id.clone()),
                external_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&app.stint.db)
            .await
            .unwrap();
        }
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        stint_entity::notification_preference::ActiveModel {
            user_id: Set(id.parse().unwrap()),
            timer_notifications: Set(false),
            daily_summary_enabled: Set(true),
            daily_summary_time: Set(Some(time.clone())),
            daily_summary_last_sent_on: Set(None),
            daily_summary_sent_for: Set(None),
            updated_at: Set(now),
        }
        .insert(&app.stint.db)
        .await
        .unwrap();
        expected.insert(slack_id);
    }
    let api_base = format!("{}/api", slack.uri());
    let env = [("STINT_PROVIDER_SLACK_API_BASE", api_base.as_str())];
    let workers: Vec<_> = (0..3)
        .map(|_| app.spawn_worker_process(&env, true))
        .collect();
    for _ in 0..600 {
        if posted_channels(&slack).await.len() >= MEMBERS {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Time for a duplicate to show, had anything run twice.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let posted = posted_channels(&slack).await;
    assert_eq!(posted.len(), MEMBERS, "{posted:?}");
    assert_eq!(
        posted
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
        expected
    );
    for worker in workers {
        assert!(
            worker.terminate().await,
            "a worker did not stop cleanly on SIGTERM"
        );
    }
}

#[tokio::test]
async fn a_timer_notice_waits_in_the_queue_for_a_worker() {
    let slack = MockServer::start().await;
    let (mut app, admin) = slack_ready(&slack, json!({ "channel": "#time" })).await;
    let (_, member) = slack_member(&app, &admin, "grace@example.com", "U024BE7LH").await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "channel": "C123ABC456", "ts": "1" })),
        )
        .mount(&slack)
        .await;
    // No worker runs (it stopped, or runs in another process that is down).
    drop(app.worker.take());
    app.post("/api/timer/start", &member, &json!({}))
        .await
        .ok::<Value>(200);
    let counts = app.stint.jobs.counts().await.unwrap();
    assert_eq!(counts.queued, 1, "{counts:?}");
    assert_eq!(posted_channels(&slack).await.len(), 0);
    // A worker that starts later posts it.
    app.worker = Some(stint_worker::Worker::start(
        &app.stint,
        stint_worker::Schedules::Ignore,
    ));
    app.settle_jobs().await;
    assert_eq!(posted_channels(&slack).await.len(), 1);
}

#[tokio::test]
async fn a_member_whose_summary_fails_holds_up_nobody_else() {
    use stint_core::jobs::Schedule;
    let slack = MockServer::start().await;
    let (app, admin) = slack_ready(&slack, json!({})).await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(body_partial_json(json!({ "channel": "U0BROKEN" })))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "channel": "D024BE91L", "ts": "1" })),
        )
        .mount(&slack)
        .await;
    for (email, slack_id) in [
        ("ada@example.com", "U0ADA"),
        ("bad@example.com", "U0BROKEN"),
        ("grace@example.com", "U0GRACE"),
    ] {
        let (_, member) = slack_member(&app, &admin, email, slack_id).await;
        app.put(
            "/api/me/notifications",
            &member,
            &json!({ "timer_notifications": false, "daily_summary_enabled": true, "daily_summary_time": "17:00" }),
        )
        .await
        .ok::<Value>(200);
    }
    let at = "2026-01-05T17:00:00Z".parse().unwrap();
    let due = stint_worker::jobs::tick(&app.stint, Schedule::DailySummary, at)
        .await
        .unwrap();
    assert_eq!(due, 3);
    app.settle_jobs().await;
    let posted = posted_channels(&slack).await;
    assert_eq!(
        posted.iter().filter(|c| *c == "U0ADA").count(),
        1,
        "{posted:?}"
    );
    assert_eq!(
        posted.iter().filter(|c| *c == "U0GRACE").count(),
        1,
        "{posted:?}"
    );
    assert_eq!(
        posted.iter().filter(|c| *c == "U0BROKEN").count(),
        4,
        "tried four times, then given up: {posted:?}"
    );
    let jobs: Value = app.get("/api/admin/jobs", &admin).await.ok(200);
    assert_eq!(jobs["failed"], 0, "{jobs}");
}
