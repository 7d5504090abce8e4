//! Outlook Calendar import and export against a fake Microsoft Graph (wiremock) answering with
//! Graph's documented shapes: `calendarView/delta` pages (`@odata.nextLink`), the
//! `@odata.deltaLink`, `@removed` entries, 410 for an expired delta, `transactionId` on create.

use serde_json::{Value, json};
use stint_test_support::{TestApp, spawn_app_with};
use wiremock::matchers::{body_string_contains, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::oauth::{callback_of, connect_to};

const DELTA: &str = "/v1.0/me/calendarView/delta";

pub(crate) async fn mock_graph_oauth(graph: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/common/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "scope": "Calendars.ReadWrite User.Read",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": "EwBwA8l6BAAUbDba3x2OMJElkF7gJ4z",
            "refresh_token": "M.C507_BAY.0.U.-refresh"
        })))
        .mount(graph)
        .await;
    // Tokens last an hour; the test's clock moves on by hours.
    Mock::given(method("POST"))
        .and(path("/common/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "scope": "Calendars.ReadWrite User.Read",
            "expires_in": 3599,
            "access_token": "EwBwA8l6BAAUbDba3x2OMJElkF7gJ4z-refreshed",
            "refresh_token": "M.C507_BAY.0.U.-refresh-2"
        })))
        .mount(graph)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "displayName": "Ada Lovelace",
            "mail": "ada@example.com",
            "userPrincipalName": "ada@example.com"
        })))
        .mount(graph)
        .await;
}

/// What an operator sets to point Stint's Outlook Calendar at `graph`.
pub(crate) fn outlook_env(graph: &MockServer) -> Vec<(String, String)> {
    let base = graph.uri();
    [
        (
            "AUTHORIZE_URL",
            format!("{base}/common/oauth2/v2.0/authorize"),
        ),
        ("TOKEN_URL", format!("{base}/common/oauth2/v2.0/token")),
        ("API_BASE", format!("{base}/v1.0")),
        (
            "CLIENT_ID",
            "6731de76-14a6-49ae-97bc-6eba6914391e".to_owned(),
        ),
        ("CLIENT_SECRET", "graph-client-secret".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (format!("STINT_PROVIDER_OUTLOOK_CALENDAR_{k}"), v))
    .collect()
}

/// `token`'s own Outlook calendar, connected.
pub(crate) async fn connect_outlook(app: &TestApp, token: &str) {
    let state = connect_to(app, "outlook_calendar", token, "personal")
        .await
        .state;
    let location = callback_of(
        app,
        &app.client,
        "outlook_calendar",
        &format!("code=the-code&state={state}"),
    )
    .await;
    assert_eq!(location, "/integrations?connected=outlook_calendar");
}

async fn outlook_ready(graph: &MockServer) -> (TestApp, String) {
    mock_graph_oauth(graph).await;
    let env = outlook_env(graph);
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    let (_, token) = app.member("ada@example.com").await;
    connect_outlook(&app, &token).await;
    (app, token)
}

/// An event as Graph returns it with `Prefer: outlook.timezone="UTC"`.
pub(crate) fn graph_event(id: &str, subject: &str, start: &str, end: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.event",
        "@odata.etag": format!("W/\"{id}{}\"", subject.len()),
        "id": id,
        "changeKey": format!("{id}{}{start}", subject.len()),
        "subject": subject,
        "isAllDay": false,
        "isCancelled": false,
        "showAs": "busy",
        "type": "singleInstance",
        "responseStatus": { "response": "organizer", "time": "0001-01-01T00:00:00Z" },
        "start": { "dateTime": format!("{start}.0000000"), "timeZone": "UTC" },
        "end": { "dateTime": format!("{end}.0000000"), "timeZone": "UTC" },
        "webLink": format!("https://outlook.office365.com/owa/?itemid={id}&exvsurl=1&path=/calendar/item")
    })
}

fn page(
    graph: &MockServer,
    events: Vec<Value>,
    next: Option<&str>,
    delta: Option<&str>,
) -> ResponseTemplate {
    let mut body = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)",
        "value": events
    });
    if let Some(next) = next {
        body["@odata.nextLink"] = json!(format!("{}{DELTA}?$skiptoken={next}", graph.uri()));
    }
    if let Some(delta) = delta {
        body["@odata.deltaLink"] = json!(format!("{}{DELTA}?$deltatoken={delta}", graph.uri()));
    }
    ResponseTemplate::new(200).set_body_json(body)
}

async fn notes(app: &TestApp, token: &str) -> Vec<String> {
    let page: Value = app.get("/api/time-entries?limit=200", token).await.ok(200);
    let mut items: Vec<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["started_at"].as_str().unwrap().to_owned(),
                e["notes"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    items.sort();
    items.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test]
async fn outlook_imports_by_delta_resyncs_an_expired_one_and_exports_with_a_transaction_id() {
    let graph = MockServer::start().await;
    // The first run: the window (a week back, a year ahead) from its first page, then the next.
    Mock::given(method("GET"))
        .and(path(DELTA))
        .and(query_param("startDateTime", "2025-12-29T09:00:00Z"))
        .and(query_param("endDateTime", "2027-01-05T09:00:00Z"))
        .respond_with(page(
            &graph,
            vec![graph_event(
                "AAMk-standup",
                "Standup",
                "2026-01-02T09:00:00",
                "2026-01-02T09:15:00",
            )],
            Some("page-2"),
            None,
        ))
        .expect(1)
        .mount(&graph)
        .await;
    Mock::given(method("GET"))
        .and(path(DELTA))
        .and(query_param("$skiptoken", "page-2"))
        .respond_with(page(
            &graph,
            vec![
                graph_event("AAMk-planning", "Planning", "2026-01-03T14:00:00", "2026-01-03T15:00:00"),
                json!({ "@odata.type": "#microsoft.graph.event", "id": "AAMk-allday", "subject": "Holiday", "isAllDay": true,
                        "start": { "dateTime": "2026-01-02T00:00:00.0000000", "timeZone": "UTC" },
                        "end": { "dateTime": "2026-01-03T00:00:00.0000000", "timeZone": "UTC" } }),
            ],
            None,
            Some("delta-1"),
        ))
        .expect(1)
        .mount(&graph)
        .await;
    let (app, ada) = outlook_ready(&graph).await;
    let run = app.run_sync("outlook_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["created"], 2, "{run}");
    assert_eq!(run["skip_reasons"], json!({ "all-day event": 1 }));
    assert_eq!(notes(&app, &ada).await, ["Standup", "Planning"]);

    // An hour on: the delta says the planning was removed; the hour since is swept.
    app.clock.advance(chrono::Duration::hours(1));
    Mock::given(method("GET"))
        .and(path(DELTA))
        .and(query_param("$deltatoken", "delta-1"))
        .respond_with(page(
            &graph,
            vec![json!({ "@odata.type": "#microsoft.graph.event", "id": "AAMk-planning", "@removed": { "reason": "deleted" } })],
            None,
            Some("delta-2"),
        ))
        .expect(1)
        .mount(&graph)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/calendarView"))
        .and(query_param("startDateTime", "2026-01-05T09:00:00Z"))
        .and(query_param("endDateTime", "2026-01-05T10:00:00Z"))
        .respond_with(page(
            &graph,
            vec![graph_event(
                "AAMk-review",
                "Review",
                "2026-01-05T09:00:00",
                "2026-01-05T09:45:00",
            )],
            None,
            None,
        ))
        .expect(1)
        .mount(&graph)
        .await;
    let run = app.run_sync("outlook_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        (run["created"].as_i64(), run["deleted"].as_i64()),
        (Some(1), Some(1)),
        "{run}"
    );
    assert_eq!(notes(&app, &ada).await, ["Standup", "Review"]);

    // The delta expired: the window again in full, nothing duplicated; then export.
    app.clock.advance(chrono::Duration::hours(1));
    Mock::given(method("GET"))
        .and(path(DELTA))
        .and(query_param("$deltatoken", "delta-2"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "error": { "code": "SyncStateNotFound", "message": "The sync state generation was not found." }
        })))
        .expect(1)
        .mount(&graph)
        .await;
    Mock::given(method("GET"))
        .and(path(DELTA))
        .and(query_param("startDateTime", "2025-12-29T11:00:00Z"))
        .respond_with(page(
            &graph,
            vec![
                graph_event(
                    "AAMk-standup",
                    "Standup",
                    "2026-01-02T09:00:00",
                    "2026-01-02T09:15:00",
                ),
                graph_event(
                    "AAMk-review",
                    "Review",
                    "2026-01-05T09:00:00",
                    "2026-01-05T09:45:00",
                ),
            ],
            None,
            Some("delta-3"),
        ))
        .expect(1)
        .mount(&graph)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/events"))
        .respond_with(|request: &wiremock::Request| {
            let mut event: Value = serde_json::from_slice(&request.body).unwrap();
            event["id"] = json!("AAMk-exported");
            event["webLink"] = json!("https://outlook.office365.com/owa/?itemid=AAMk-exported");
            ResponseTemplate::new(201).set_body_json(event)
        })
        .expect(1)
        .mount(&graph)
        .await;
    app.put(
        "/api/integrations/outlook_calendar/config",
        &ada,
        &json!({ "sync_direction": "both" }),
    )
    .await
    .ok::<Value>(200);
    let entry: Value = app
        .post(
            "/api/time-entries",
            &ada,
            &json!({ "started_at": "2026-01-05T10:00:00Z", "ended_at": "2026-01-05T10:30:00Z", "notes": "Code review" }),
        )
        .await
        .ok(201);
    let run = app.run_sync("outlook_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        notes(&app, &ada).await,
        ["Standup", "Review", "Code review"]
    );
    let received = graph.received_requests().await.unwrap();
    let create = received
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == "/v1.0/me/events")
        .unwrap();
    let sent: Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(sent["subject"], "[TT] Code review");
    assert_eq!(
        sent["start"],
        json!({ "dateTime": "2026-01-05T10:00:00", "timeZone": "UTC" })
    );
    assert_eq!(
        sent["transactionId"],
        entry["id"].as_str().unwrap().replace('-', "")
    );
}
