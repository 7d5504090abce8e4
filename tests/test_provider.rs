//! Adding a provider is one module, its catalogue entry and its tests. This test provider (a
//! small issue tracker, registered in place of Linear, which has no connector of its own yet)
//! implements only the capability traits, and is driven end to end through the real webhook
//! intake and sync engine, which never name it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::DeliveryOutcome;
use stint_connectors::Secret;
use stint_connectors::SignatureError;
use stint_connectors::signature::Hmac;
use stint_connectors::{
    AccountApi, EventReader, ExternalEvent, ExternalIssue, IssueChange, IssueRouting, IssueTracker,
    Position, Revoker, SourceConnection, SourcePage, SyncItem, SyncSource, WebhookReceiver,
    WebhookRequest,
};
use stint_connectors::{AccountIdentity, AppCredentials, GatewayError};
use stint_connectors::{Claimed, Malformed, Triage};
use stint_connectors::{Connector, ProviderSpec};
use stint_test_support::{TestApp, spawn_app_with_providers};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::oauth::{callback_of, connect_to};

const SECRET: &str = "tracker webhook secret";
const TOKEN: &str = "tracker-access-token-1";

/// The provider module: what a real one in `stint-providers` would hold.
mod tracker {
    use super::*;

    pub struct Tracker {
        pub http: reqwest::Client,
    }

    #[derive(Deserialize)]
    struct Item {
        id: String,
        board: String,
        title: String,
        #[serde(default)]
        done: bool,
        #[serde(default)]
        labels: Vec<String>,
        #[serde(default)]
        assignee: Option<String>,
        updated_at: DateTime<Utc>,
    }

    impl Item {
        fn external(self) -> ExternalIssue {
            ExternalIssue {
                container: self.board.clone(),
                container_kind: "board",
                container_url: None,
                reference: format!("{}/{}", self.board, self.id),
                fallback_title: format!("Item {}", self.id),
                title: self.title,
                description: String::new(),
                closed: self.done,
                labels: self.labels,
                assignees: self.assignee.into_iter().collect(),
                url: None,
                updated_at: Some(self.updated_at),
            }
        }
    }

    #[derive(Deserialize)]
    struct Page {
        items: Vec<Item>,
        next: Option<String>,
        #[serde(default)]
        total: Option<u64>,
    }

    pub fn connector(spec: ProviderSpec) -> Connector {
        let tracker = Arc::new(Tracker {
            http: reqwest::Client::new(),
        });
        Connector::new(spec, tracker.clone(), tracker.clone())
            .with_webhooks(tracker.clone())
            .with_issues(tracker)
    }

    /// The same source with no webhooks: only Stint's asking brings it up to date.
    pub fn polled_connector(spec: ProviderSpec) -> Connector {
        let tracker = Arc::new(Tracker {
            http: reqwest::Client::new(),
        });
        Connector::new(spec, tracker.clone(), tracker.clone()).with_issues(tracker)
    }

    #[async_trait::async_trait]
    impl AccountApi for Tracker {
        async fn identity(
            &self,
            spec: &ProviderSpec,
            token: &Secret,
        ) -> Result<Option<AccountIdentity>, GatewayError> {
            let me: Value = self
                .http
                .get(format!("{}/me", spec.api_base))
                .bearer_auth(token.expose())
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|_| GatewayError::DeadAccessToken)?
                .json()
                .await
                .map_err(|e| GatewayError::Inconclusive(e.to_string()))?;
            Ok(Some(AccountIdentity {
                id: me["id"].as_str().unwrap_or_default().to_owned(),
                label: me["name"].as_str().unwrap_or_default().to_owned(),
            }))
        }
    }

    #[async_trait::async_trait]
    impl Revoker for Tracker {
        async fn revoke(
            &self,
            _: &ProviderSpec,
            _: &AppCredentials,
            _: &Secret,
        ) -> Result<(), GatewayError> {
            Ok(())
        }
    }

    impl WebhookReceiver for Tracker {
        fn deadline(&self) -> Duration {
            Duration::from_secs(5)
        }

        fn claimed(&self, request: &WebhookRequest<'_>) -> Claimed {
            Claimed {
                delivery_id: request.header("x-tracker-delivery").map(str::to_owned),
                event: request.header("x-tracker-event").map(str::to_owned),
            }
        }

        fn verify(
            &self,
            secret: Option<&Secret>,
            request: &WebhookRequest<'_>,
            now: DateTime<Utc>,
        ) -> Result<(), SignatureError> {
            // The tracker signs with its own scheme: `t=<unix seconds>,v1=<base64 HMAC-SHA256
            // of "{t}.{body}">`, within two minutes.
            let secret = secret.ok_or(SignatureError::NoSecret)?;
            let header = request
                .header("x-tracker-signature")
                .ok_or(SignatureError::Missing)?;
            let (timestamp, signature) = header
                .strip_prefix("t=")
                .and_then(|rest| rest.split_once(",v1="))
                .ok_or(SignatureError::Mismatch)?;
            stint_connectors::signature::within_window(timestamp, now, 120)?;
            let signed = format!("{timestamp}.");
            if Hmac::SHA256_BASE64.verify(secret, &[signed.as_bytes(), request.body], signature) {
                Ok(())
            } else {
                Err(SignatureError::Mismatch)
            }
        }

        fn triage(&self, request: &WebhookRequest<'_>) -> Result<Triage, Malformed> {
            let claimed = self.claimed(request);
            let (Some(delivery_id), Some(event)) = (claimed.delivery_id, claimed.event) else {
                return Err(Malformed::new("a delivery id and an event are required"));
            };
            Ok(if event == "item" {
                Triage::Apply {
                    delivery_id,
                    event,
                    payload: String::from_utf8_lossy(request.body).into_owned(),
                    detail: None,
                }
            } else {
                Triage::Record {
                    delivery_id,
                    event: Some(event),
                    outcome: DeliveryOutcome::Ignored,
                    detail: "not used".to_owned(),
                }
            })
        }
    }

    impl EventReader for Tracker {
        fn read(&self, _event: Option<&str>, payload: &str) -> Result<ExternalEvent, String> {
            #[derive(Deserialize)]
            struct Delivery {
                action: String,
                item: Item,
            }
            let delivery: Delivery = serde_json::from_str(payload).map_err(|e| e.to_string())?;
            Ok(ExternalEvent::IssueChanged(IssueChange {
                issue: delivery.item.external(),
                action: format!("item.{}", delivery.action),
                assigned: None,
            }))
        }
    }

    impl IssueTracker for Tracker {
        fn routing(&self, config: &Value) -> IssueRouting {
            IssueRouting {
                label_filter: config["label"].as_str().map(str::to_owned),
                ..IssueRouting::default()
            }
        }
    }

    #[async_trait::async_trait]
    impl SyncSource for Tracker {
        fn kind(&self) -> &'static str {
            "issues"
        }

        fn resources(&self, _config: &Value) -> Result<Vec<String>, String> {
            Ok(vec!["items".to_owned()])
        }

        async fn page(
            &self,
            spec: &ProviderSpec,
            token: &Secret,
            _connection: &SourceConnection<'_>,
            resource: &str,
            position: &Position<'_>,
        ) -> Result<SourcePage, GatewayError> {
            let mut request = self
                .http
                .get(format!("{}/{resource}", spec.api_base))
                .bearer_auth(token.expose());
            if let Some(after) = position.cursor {
                request = request.query(&[("after", after)]);
            }
            let response = request
                .send()
                .await
                .map_err(|e| GatewayError::Inconclusive(e.without_url().to_string()))?;
            if !response.status().is_success() {
                return Err(GatewayError::Inconclusive(response.status().to_string()));
            }
            let page: Page = response
                .json()
                .await
                .map_err(|e| GatewayError::Inconclusive(e.without_url().to_string()))?;
            Ok(SourcePage {
                more: page.next.is_some(),
                cursor: page.next.unwrap_or_else(|| "done".to_owned()),
                items: page
                    .items
                    .into_iter()
                    .map(|i| SyncItem::Issue(i.external()))
                    .collect(),
                pause_until: None,
                total: page.total,
            })
        }
    }
}

fn item(id: &str, title: &str, updated: &str) -> Value {
    json!({ "id": id, "board": "Roadmap", "title": title, "labels": [], "updated_at": updated })
}

async fn fake_tracker() -> MockServer {
    let fake = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600,
            "refresh_token": "tracker-refresh-token-1"
        })))
        .mount(&fake)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "id": "w1", "name": "Acme board" })),
        )
        .mount(&fake)
        .await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .and(query_param_is_missing("after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [item("1", "Write the plan", "2026-01-05T08:00:00Z"), item("2", "Ship it", "2026-01-05T08:00:00Z")],
            "next": "p2",
            "total": 3
        })))
        .mount(&fake)
        .await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .and(query_param("after", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [item("3", "Tell everyone", "2026-01-05T08:00:00Z")],
            "next": null
        })))
        .mount(&fake)
        .await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .and(query_param("after", "done"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "items": [], "next": null })),
        )
        .mount(&fake)
        .await;
    fake
}

/// `t=…,v1=…` as the tracker signs a delivery, at the app's clock.
fn tracker_signature(app: &TestApp, secret: &str, body: &[u8]) -> String {
    let t = app.clock.now().timestamp().to_string();
    let signed = format!("{t}.");
    let v1 = Hmac::SHA256_BASE64.sign(secret, &[signed.as_bytes(), body]);
    format!("t={t},v1={v1}")
}

/// Stint with the test provider in Linear's place, connected for the organisation.
async fn tracker_ready(fake: &MockServer) -> (TestApp, String) {
    tracker_ready_as(fake, tracker::connector).await
}

async fn tracker_ready_as(
    fake: &MockServer,
    connector: fn(ProviderSpec) -> stint_connectors::Connector,
) -> (TestApp, String) {
    let base = fake.uri();
    let providers = stint_providers::providers().expect("HTTP client");
    let spec = providers
        .connectors
        .iter()
        .find(|c| c.spec.key == ProviderKey::Linear)
        .unwrap()
        .spec
        .clone();
    let spec = ProviderSpec {
        display_name: "Test tracker",
        revoke_url: None,
        ..spec
    };
    let providers = providers.register(connector(spec));
    let app = spawn_app_with_providers(
        &[
            (
                "STINT_PROVIDER_LINEAR_AUTHORIZE_URL",
                &format!("{base}/oauth/authorize"),
            ),
            (
                "STINT_PROVIDER_LINEAR_TOKEN_URL",
                &format!("{base}/oauth/token"),
            ),
            ("STINT_PROVIDER_LINEAR_API_BASE", &base),
            ("STINT_PROVIDER_LINEAR_CLIENT_ID", "tracker-client"),
            (
                "STINT_PROVIDER_LINEAR_CLIENT_SECRET",
                "tracker-client-secret",
            ),
        ],
        Some(providers),
    )
    .await;
    let admin = app.admin_token().await;
    app.put(
        "/api/admin/providers/linear",
        &admin,
        &json!({ "webhook_secret": SECRET }),
    )
    .await
    .ok::<Value>(200);
    let started = connect_to(&app, "linear", &admin, "global").await;
    let location = callback_of(
        &app,
        &app.client,
        "linear",
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(location, "/integrations?connected=linear");
    (app, admin)
}

async fn deliver(
    app: &TestApp,
    id: &str,
    body: &Value,
    secret: &str,
) -> stint_test_support::Answer {
    let body = serde_json::to_vec(body).unwrap();
    app.send(
        app.client
            .post(app.url("/api/integrations/linear/webhook"))
            .header("content-type", "application/json")
            .header("x-tracker-delivery", id)
            .header("x-tracker-event", "item")
            .header("x-tracker-signature", tracker_signature(app, secret, &body))
            .body(body),
    )
    .await
}

async fn task_titles(app: &TestApp, admin: &str) -> Vec<String> {
    let page: Value = app.get("/api/tasks?limit=200", admin).await.ok(200);
    let mut titles: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn a_new_provider_is_driven_through_the_real_intake() {
    let fake = fake_tracker().await;
    let (app, admin) = tracker_ready(&fake).await;
    let status: Value = app
        .get("/api/integrations/linear/status?scope=global", &admin)
        .await
        .ok(200);
    assert_eq!(status["external_account"], "Acme board");

    let created =
        json!({ "action": "created", "item": item("9", "From a webhook", "2026-01-05T08:30:00Z") });
    let answer: Value = deliver(&app, "d-1", &created, SECRET).await.ok(200);
    assert_eq!(answer["status"], "accepted");
    let again: Value = deliver(&app, "d-1", &created, SECRET).await.ok(200);
    assert_eq!(again["status"], "duplicate");
    deliver(&app, "d-2", &created, "not the secret")
        .await
        .problem(401, "invalid_signature");
    app.stint.intake.settle().await;
    assert_eq!(task_titles(&app, &admin).await, ["From a webhook"]);

    let renamed = json!({ "action": "updated", "item": item("9", "Renamed upstream", "2026-01-05T08:40:00Z") });
    deliver(&app, "d-3", &renamed, SECRET)
        .await
        .ok::<Value>(200);
    app.stint.intake.settle().await;
    assert_eq!(task_titles(&app, &admin).await, ["Renamed upstream"]);
    let projects: Value = app.get("/api/projects?limit=200", &admin).await.ok(200);
    let names: Vec<&str> = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["roadmap"], "one project per board");

    // The provider receives on `webhook` only; Slack's routes are not its own.
    let stray = app
        .send(
            app.client
                .post(app.url("/api/integrations/linear/events"))
                .body("{}"),
        )
        .await;
    stray.problem(404, "not_found");
}

#[tokio::test]
async fn a_new_provider_is_driven_through_the_real_sync_engine() {
    let fake = fake_tracker().await;
    let (app, admin) = tracker_ready(&fake).await;
    let run = app.run_sync("linear", &admin).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    // Progress: every item gone through, of the three the source announced.
    assert_eq!(
        (run["done"].as_i64(), run["total"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        (run["created"].as_i64(), run["failed"].as_i64()),
        (Some(3), Some(0))
    );
    assert_eq!(
        task_titles(&app, &admin).await,
        ["Ship it", "Tell everyone", "Write the plan"]
    );
    // The cursor was kept with the last page: the next run asks only for what came after.
    let rerun = app.run_sync("linear", &admin).await;
    assert_eq!(rerun["status"], "succeeded", "{rerun}");
    assert_eq!(rerun["created"], 0);
    assert_eq!(task_titles(&app, &admin).await.len(), 3);
    let asked_after_done = fake
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.query() == Some("after=done"))
        .count();
    assert_eq!(asked_after_done, 1);
}

#[tokio::test]
async fn a_polled_source_is_synced_on_its_schedule_and_a_webhook_driven_one_hourly() {
    use stint_core::jobs::Schedule;
    let fake = fake_tracker().await;
    let at = "2026-01-05T09:30:00Z".parse().unwrap();
    // Without webhooks: the polled schedule (calendars' every 30 minutes) syncs it.
    let (app, admin) = tracker_ready_as(&fake, tracker::polled_connector).await;
    let tick = |schedule| stint_worker::jobs::tick(&app.stint, schedule, at);
    assert_eq!(tick(Schedule::CatchUp).await.unwrap(), 0);
    assert_eq!(tick(Schedule::CalendarSync).await.unwrap(), 1);
    // The run is queued for its place in the interval (minutes away); the test runs it now.
    let runs: Value = app
        .get("/api/integrations/linear/sync-runs", &admin)
        .await
        .ok(200);
    assert_eq!(runs[0]["status"], "queued", "{runs}");
    assert_eq!(runs[0]["trigger"], "schedule");
    let run_id = runs[0]["id"].as_str().unwrap().parse().unwrap();
    stint_core::sync::run(&app.stint, run_id).await.unwrap();
    assert_eq!(task_titles(&app, &admin).await.len(), 3);
    // A connection that needs reconnecting is left alone until it is reconnected.
    use sea_orm::{ConnectionTrait, Statement};
    app.stint
        .db
        .execute_raw(Statement::from_string(
            app.stint.db.get_database_backend(),
            "UPDATE integrations SET status = 'needs_reauth'",
        ))
        .await
        .unwrap();
    assert_eq!(tick(Schedule::CalendarSync).await.unwrap(), 0);

    // With webhooks: the hourly catch-up does.
    let fake = fake_tracker().await;
    let (app, _) = tracker_ready_as(&fake, tracker::connector).await;
    let tick = |schedule| stint_worker::jobs::tick(&app.stint, schedule, at);
    assert_eq!(tick(Schedule::CalendarSync).await.unwrap(), 0);
    assert_eq!(tick(Schedule::CatchUp).await.unwrap(), 1);
}

#[tokio::test]
async fn truncated_and_failing_pages_lose_nothing_and_duplicate_nothing() {
    let fake = fake_tracker().await;
    // Page 2 comes back cut short once (a dropped connection mid-body): asked again, the run
    // goes on.
    Mock::given(method("GET"))
        .and(path("/items"))
        .and(query_param("after", "p2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"items": [{"id": "3", "bo"#),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fake)
        .await;
    let (app, admin) = tracker_ready(&fake).await;
    let run = app.run_sync("linear", &admin).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(task_titles(&app, &admin).await.len(), 3);

    // Then the source fails for good past page 1 (three tries of one run): the run says so, keeps
    // page 1, and the next run resumes after it.
    let fake = fake_tracker().await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .and(query_param("after", "p2"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&fake)
        .await;
    let (app, admin) = tracker_ready(&fake).await;
    let failed = app.run_sync("linear", &admin).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().unwrap().contains("502"),
        "{failed}"
    );
    assert_eq!(failed["created"], 2);
    assert_eq!(task_titles(&app, &admin).await.len(), 2);
    let resumed = app.run_sync("linear", &admin).await;
    assert_eq!(resumed["status"], "succeeded", "{resumed}");
    assert_eq!(resumed["created"], 1, "only page 2's item is new");
    assert_eq!(task_titles(&app, &admin).await.len(), 3);
    let first_pages = fake
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/items" && r.url.query().is_none())
        .count();
    assert_eq!(first_pages, 1, "page 1 was not asked for again");
}
