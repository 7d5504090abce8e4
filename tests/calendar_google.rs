//! Google Calendar import against a fake Google (wiremock) answering with the Calendar API's
//! documented shapes: `events.list` pages, `nextSyncToken`, 410 Gone, expired access tokens.
//! The test clock starts on Monday 2026-01-05 09:00 UTC; the default window is the 7 days before.

use serde_json::{Value, json};
use stint_test_support::{TestApp, spawn_app_with};
use wiremock::matchers::{
    body_string_contains, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::oauth::{callback_of, connect_to};

const EVENTS: &str = "/calendars/primary/events";
const FIRST_TOKEN: &str = "ya29.a0AfH6SMBx-first";
const SECOND_TOKEN: &str = "ya29.a0AfH6SMBx-second";
/// The first run's window: `timeMin` and `timeMax` of its full listing.
const WINDOW_START: &str = "2025-12-29T09:00:00Z";
const FIRST_RUN: &str = "2026-01-05T09:00:00Z";

/// What an operator sets to point Stint's Google Calendar at `google`.
pub(crate) fn google_env(google: &MockServer) -> Vec<(String, String)> {
    let base = google.uri();
    [
        ("AUTHORIZE_URL", format!("{base}/o/oauth2/v2/auth")),
        ("TOKEN_URL", format!("{base}/token")),
        ("REVOKE_URL", format!("{base}/revoke")),
        ("API_BASE", base.clone()),
        (
            "CLIENT_ID",
            "123456789012-abc.apps.googleusercontent.com".to_owned(),
        ),
        ("CLIENT_SECRET", "GOCSPX-google-secret".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (format!("STINT_PROVIDER_GOOGLE_CALENDAR_{k}"), v))
    .collect()
}

async fn google_app(google: &MockServer) -> TestApp {
    let env = google_env(google);
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    spawn_app_with(&vars).await
}

/// `token`'s own Google calendar, connected.
pub(crate) async fn connect_google(app: &TestApp, token: &str) {
    let started = connect_to(app, "google_calendar", token, "personal").await;
    // Least privilege, and a refresh token even on a repeated consent.
    let url = started.url.as_str().to_owned();
    assert!(
        url.contains("scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcalendar.readonly+https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcalendar.events&"),
        "{url}"
    );
    assert!(
        url.contains("access_type=offline") && url.contains("prompt=consent"),
        "{url}"
    );
    let state = started.state;
    let location = callback_of(
        app,
        &app.client,
        "google_calendar",
        &format!("code=the-code&state={state}&scope=openid&authuser=0&prompt=consent"),
    )
    .await;
    assert_eq!(location, "/integrations?connected=google_calendar");
}

pub(crate) async fn mock_oauth(google: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": FIRST_TOKEN,
            "expires_in": 3599,
            "refresh_token": "1//0gLsRefreshToken",
            "scope": "openid https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/userinfo.email",
            "token_type": "Bearer",
            "id_token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
        })))
        .mount(google)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": SECOND_TOKEN,
            "expires_in": 3599,
            "scope": "https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/calendar.events",
            "token_type": "Bearer"
        })))
        .mount(google)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendars/primary"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#calendar",
            "etag": "\"kLtP5wPCB5Y3wX2qXqTq8Fzb9ek\"",
            "id": "ada@example.com",
            "summary": "ada@example.com",
            "timeZone": "Europe/Berlin",
            "conferenceProperties": { "allowedConferenceSolutionTypes": ["hangoutsMeet"] }
        })))
        .mount(google)
        .await;
}

/// A Google app, and a member who connected their own calendar: (app, member id, member token).
async fn calendar_ready(google: &MockServer) -> (TestApp, String, String) {
    mock_oauth(google).await;
    let app = google_app(google).await;
    let (id, token) = app.member("ada@example.com").await;
    connect_google(&app, &token).await;
    (app, id, token)
}

/// An event as `events.list` returns it, times in Berlin (UTC+1 in January).
pub(crate) fn event(id: &str, summary: &str, start: &str, end: &str) -> Value {
    json!({
        "kind": "calendar#event",
        "etag": format!("\"{}\"", 3_181_161_784_712_000u64 + start.len() as u64 + summary.len() as u64),
        "id": id,
        "status": "confirmed",
        "htmlLink": format!("https://www.google.com/calendar/event?eid={id}"),
        "created": "2025-12-01T10:00:00.000Z",
        "updated": "2026-01-02T10:00:00.000Z",
        "summary": summary,
        "creator": { "email": "ada@example.com", "self": true },
        "organizer": { "email": "ada@example.com", "self": true },
        "start": { "dateTime": start, "timeZone": "Europe/Berlin" },
        "end": { "dateTime": end, "timeZone": "Europe/Berlin" },
        "iCalUID": format!("{id}@google.com"),
        "sequence": 0,
        "reminders": { "useDefault": true },
        "eventType": "default"
    })
}

fn all_day(id: &str, summary: &str) -> Value {
    let mut event = event(id, summary, "", "");
    event["start"] = json!({ "date": "2026-01-02" });
    event["end"] = json!({ "date": "2026-01-03" });
    event
}

fn declined(id: &str, summary: &str, start: &str, end: &str) -> Value {
    let mut event = event(id, summary, start, end);
    event["organizer"] = json!({ "email": "grace@example.com" });
    event["attendees"] = json!([
        { "email": "grace@example.com", "organizer": true, "responseStatus": "accepted" },
        { "email": "ada@example.com", "self": true, "responseStatus": "declined" }
    ]);
    event
}

/// How an incremental listing names a cancelled event.
fn cancelled(id: &str) -> Value {
    json!({ "kind": "calendar#event", "etag": "\"3181161784799999\"", "id": id, "status": "cancelled" })
}

pub(crate) fn listing(
    items: Vec<Value>,
    next_page: Option<&str>,
    next_sync: Option<&str>,
) -> ResponseTemplate {
    let mut body = json!({
        "kind": "calendar#events",
        "etag": "\"p33c9f5v4pvbus0g\"",
        "summary": "ada@example.com",
        "updated": "2026-01-05T08:00:00.000Z",
        "timeZone": "Europe/Berlin",
        "accessRole": "owner",
        "defaultReminders": [{ "method": "popup", "minutes": 10 }],
        "items": items
    });
    if let Some(page) = next_page {
        body["nextPageToken"] = json!(page);
    }
    if let Some(sync) = next_sync {
        body["nextSyncToken"] = json!(sync);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// A full listing of the window starting at `from`, first page.
fn full_listing(from: &str, to: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(EVENTS))
        .and(query_param("singleEvents", "true"))
        .and(query_param("timeMin", from))
        .and(query_param("timeMax", to))
        .and(query_param_is_missing("pageToken"))
}

fn changes_since(sync_token: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(EVENTS))
        .and(query_param("syncToken", sync_token))
}

async fn entries(app: &TestApp, token: &str) -> Vec<Value> {
    let page: Value = app.get("/api/time-entries?limit=200", token).await.ok(200);
    let mut items = page["items"].as_array().unwrap().clone();
    items.sort_by_key(|e| e["started_at"].as_str().unwrap().to_owned());
    items
}

fn notes(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["notes"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn import_follows_pages_skips_what_is_not_work_and_then_syncs_only_changes() {
    let google = MockServer::start().await;
    full_listing(WINDOW_START, FIRST_RUN)
        .respond_with(listing(
            vec![
                event(
                    "standup_20260102",
                    "Standup",
                    "2026-01-02T10:00:00+01:00",
                    "2026-01-02T10:15:00+01:00",
                ),
                all_day("holiday", "Office closed"),
                event(
                    "ttexport",
                    "[TT] Stint — code review",
                    "2026-01-02T13:00:00+01:00",
                    "2026-01-02T14:00:00+01:00",
                ),
            ],
            Some("page-2"),
            None,
        ))
        .expect(1)
        .mount(&google)
        .await;
    Mock::given(method("GET"))
        .and(path(EVENTS))
        .and(query_param("pageToken", "page-2"))
        .respond_with(listing(
            vec![
                declined(
                    "offsite",
                    "Offsite",
                    "2026-01-03T09:00:00+01:00",
                    "2026-01-03T12:00:00+01:00",
                ),
                // Runs past the sync: not work done yet.
                event(
                    "review",
                    "Review",
                    "2026-01-05T09:30:00+01:00",
                    "2026-01-05T10:30:00+01:00",
                ),
                event(
                    "planning",
                    "Planning",
                    "2026-01-03T15:00:00+01:00",
                    "2026-01-03T16:00:00+01:00",
                ),
            ],
            None,
            Some("sync-1"),
        ))
        .expect(1)
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;

    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["resource"], "calendar");
    assert_eq!(
        (run["created"].as_i64(), run["skipped"].as_i64()),
        (Some(2), Some(4)),
        "{run}"
    );
    assert_eq!(
        run["skip_reasons"],
        json!({ "all-day event": 1, "exported by Stint": 1, "declined": 1, "not over yet": 1 })
    );
    let imported = entries(&app, &ada).await;
    assert_eq!(notes(&imported), ["Standup", "Planning"]);
    assert_eq!(imported[0]["source"], "google_calendar");
    assert_eq!(imported[0]["started_at"], "2026-01-02T09:00:00Z");
    assert_eq!(imported[0]["ended_at"], "2026-01-02T09:15:00Z");

    // An hour on: Google reports what changed since `sync-1`; the review has ended since.
    app.clock.advance(chrono::Duration::hours(1));
    changes_since("sync-1")
        .respond_with(listing(
            vec![
                event(
                    "standup_20260102",
                    "Standup (moved)",
                    "2026-01-02T11:00:00+01:00",
                    "2026-01-02T11:30:00+01:00",
                ),
                cancelled("planning"),
                event(
                    "pairing",
                    "Pairing",
                    "2026-01-05T08:00:00+01:00",
                    "2026-01-05T08:45:00+01:00",
                ),
            ],
            None,
            Some("sync-2"),
        ))
        .expect(1)
        .mount(&google)
        .await;
    full_listing(FIRST_RUN, "2026-01-05T10:00:00Z")
        .respond_with(listing(
            vec![event(
                "review",
                "Review",
                "2026-01-05T09:30:00+01:00",
                "2026-01-05T10:30:00+01:00",
            )],
            None,
            Some("sync-from-the-sweep"),
        ))
        .expect(1)
        .mount(&google)
        .await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let counts = ["created", "updated", "deleted"].map(|k| run[k].as_i64().unwrap());
    assert_eq!(counts, [2, 1, 1], "{run}");
    let synced = entries(&app, &ada).await;
    assert_eq!(notes(&synced), ["Standup (moved)", "Pairing", "Review"]);
    assert_eq!(synced[0]["started_at"], "2026-01-02T10:00:00Z");
    assert_eq!(synced[0]["id"], imported[0]["id"], "moved, not made anew");

    // Nothing changed: the same token is asked again and nothing is created.
    changes_since("sync-2")
        .respond_with(listing(vec![], None, Some("sync-2")))
        .expect(1)
        .mount(&google)
        .await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["created"], 0);
    assert_eq!(entries(&app, &ada).await.len(), 3);

    // The runs are the member's own: listed for them, hidden from another member.
    let runs: Value = app
        .get("/api/integrations/google_calendar/sync-runs", &ada)
        .await
        .ok(200);
    assert_eq!(runs.as_array().unwrap().len(), 3);
    let (_, grace) = app.member("grace@example.com").await;
    let id = run["id"].as_str().unwrap();
    app.get(&format!("/api/sync-runs/{id}"), &grace)
        .await
        .problem(404, "not_found");
    assert!(entries(&app, &grace).await.is_empty());
    app.post("/api/integrations/google_calendar/sync", &grace, &json!({}))
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn an_expired_sync_token_means_a_full_listing_that_duplicates_nothing() {
    let google = MockServer::start().await;
    let standup = || {
        event(
            "standup",
            "Standup",
            "2026-01-02T10:00:00+01:00",
            "2026-01-02T10:15:00+01:00",
        )
    };
    full_listing(WINDOW_START, FIRST_RUN)
        .respond_with(listing(vec![standup()], None, Some("sync-1")))
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["created"], 1, "{run}");

    app.clock.advance(chrono::Duration::hours(1));
    changes_since("sync-1")
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "error": {
                "errors": [{ "domain": "global", "reason": "fullSyncRequired", "message": "Sync token is no longer valid, a full sync is required." }],
                "code": 410,
                "message": "Sync token is no longer valid, a full sync is required."
            }
        })))
        .expect(1)
        .mount(&google)
        .await;
    full_listing("2025-12-29T10:00:00Z", "2026-01-05T10:00:00Z")
        .respond_with(listing(
            vec![
                standup(),
                event(
                    "pairing",
                    "Pairing",
                    "2026-01-05T08:00:00+01:00",
                    "2026-01-05T08:45:00+01:00",
                ),
            ],
            None,
            Some("sync-fresh"),
        ))
        .expect(1)
        .mount(&google)
        .await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        (run["created"].as_i64(), run["skipped"].as_i64()),
        (Some(1), Some(1)),
        "{run}"
    );
    assert_eq!(notes(&entries(&app, &ada).await), ["Standup", "Pairing"]);

    // The fresh token is the one asked with next.
    changes_since("sync-fresh")
        .respond_with(listing(vec![], None, Some("sync-fresh")))
        .expect(1)
        .mount(&google)
        .await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(entries(&app, &ada).await.len(), 2);
}

#[tokio::test]
async fn an_entry_the_member_edited_is_kept_when_its_event_is_cancelled() {
    let google = MockServer::start().await;
    full_listing(WINDOW_START, FIRST_RUN)
        .respond_with(listing(
            vec![
                event(
                    "standup",
                    "Standup",
                    "2026-01-02T10:00:00+01:00",
                    "2026-01-02T10:15:00+01:00",
                ),
                event(
                    "planning",
                    "Planning",
                    "2026-01-03T15:00:00+01:00",
                    "2026-01-03T16:00:00+01:00",
                ),
            ],
            None,
            Some("sync-1"),
        ))
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;
    app.run_sync("google_calendar", &ada).await;
    let imported = entries(&app, &ada).await;

    app.clock.advance(chrono::Duration::minutes(1));
    let id = imported[0]["id"].as_str().unwrap();
    app.patch(
        &format!("/api/time-entries/{id}"),
        &ada,
        &json!({ "notes": "Standup, then the incident" }),
    )
    .await
    .ok::<Value>(200);
    changes_since("sync-1")
        .respond_with(listing(
            vec![cancelled("standup"), cancelled("planning")],
            None,
            Some("sync-2"),
        ))
        .mount(&google)
        .await;
    // Then the minute since the last run is listed for events that ended in it: none did.
    full_listing(FIRST_RUN, "2026-01-05T09:01:00Z")
        .respond_with(listing(vec![], None, Some("sync-sweep")))
        .expect(1)
        .mount(&google)
        .await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["deleted"], 1, "{run}");
    assert_eq!(
        run["skip_reasons"],
        json!({ "removed in the calendar, kept: edited in Stint": 1 })
    );
    assert_eq!(
        notes(&entries(&app, &ada).await),
        ["Standup, then the incident"]
    );
}

#[tokio::test]
async fn a_token_that_expires_mid_sync_is_refreshed_once_and_the_run_goes_on() {
    let google = MockServer::start().await;
    full_listing(WINDOW_START, FIRST_RUN)
        .and(header(
            "authorization",
            format!("Bearer {FIRST_TOKEN}").as_str(),
        ))
        .respond_with(listing(
            vec![event(
                "standup",
                "Standup",
                "2026-01-02T10:00:00+01:00",
                "2026-01-02T10:15:00+01:00",
            )],
            Some("page-2"),
            None,
        ))
        .mount(&google)
        .await;
    // Google stops taking the first token between the pages.
    Mock::given(method("GET"))
        .and(path(EVENTS))
        .and(query_param("pageToken", "page-2"))
        .and(header("authorization", format!("Bearer {FIRST_TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": { "code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED" }
        })))
        .expect(1)
        .mount(&google)
        .await;
    Mock::given(method("GET"))
        .and(path(EVENTS))
        .and(query_param("pageToken", "page-2"))
        .and(header(
            "authorization",
            format!("Bearer {SECOND_TOKEN}").as_str(),
        ))
        .respond_with(listing(
            vec![event(
                "planning",
                "Planning",
                "2026-01-03T15:00:00+01:00",
                "2026-01-03T16:00:00+01:00",
            )],
            None,
            Some("sync-1"),
        ))
        .expect(1)
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(notes(&entries(&app, &ada).await), ["Standup", "Planning"]);
}

#[tokio::test]
async fn a_run_cut_short_between_pages_resumes_at_the_next_page() {
    let google = MockServer::start().await;
    full_listing(WINDOW_START, FIRST_RUN)
        .respond_with(listing(
            vec![event(
                "standup",
                "Standup",
                "2026-01-02T10:00:00+01:00",
                "2026-01-02T10:15:00+01:00",
            )],
            Some("page-2"),
            None,
        ))
        .expect(1)
        .mount(&google)
        .await;
    // Page 2 fails through every try of the first run.
    Mock::given(method("GET"))
        .and(path(EVENTS))
        .and(query_param("pageToken", "page-2"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "error": { "code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE" }
        })))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&google)
        .await;
    Mock::given(method("GET"))
        .and(path(EVENTS))
        .and(query_param("pageToken", "page-2"))
        .respond_with(listing(
            vec![event(
                "planning",
                "Planning",
                "2026-01-03T15:00:00+01:00",
                "2026-01-03T16:00:00+01:00",
            )],
            None,
            Some("sync-1"),
        ))
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(run["error"].as_str().unwrap().contains("503"), "{run}");
    assert_eq!(
        notes(&entries(&app, &ada).await),
        ["Standup"],
        "page 1 is kept"
    );

    // The next run asks for page 2, not page 1 again (`expect(1)` above), and imports once.
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(notes(&entries(&app, &ada).await), ["Standup", "Planning"]);
}

/// Google's answer to `events.insert` / `events.update`: the event sent, as stored.
pub(crate) fn stored_event(request: &wiremock::Request) -> ResponseTemplate {
    let mut event: Value = serde_json::from_slice(&request.body).unwrap();
    let id = match event["id"].as_str() {
        Some(id) => id.to_owned(),
        None => request.url.path().rsplit('/').next().unwrap().to_owned(),
    };
    event["id"] = json!(id);
    event["kind"] = json!("calendar#event");
    event["etag"] = json!("\"3181161784712001\"");
    event["status"] = json!("confirmed");
    event["htmlLink"] = json!(format!("https://www.google.com/calendar/event?eid={id}"));
    ResponseTemplate::new(200).set_body_json(event)
}

/// Listings after the first answer with nothing new.
async fn quiet_after_first_listing(google: &MockServer) {
    Mock::given(method("GET"))
        .and(path(EVENTS))
        .respond_with(listing(vec![], None, Some("sync-quiet")))
        .with_priority(10)
        .mount(google)
        .await;
}

fn requests_of<'a>(received: &'a [wiremock::Request], verb: &str) -> Vec<&'a wiremock::Request> {
    received
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().starts_with(EVENTS))
        .collect()
}

#[tokio::test]
async fn finished_entries_are_exported_updated_and_deleted_but_imported_ones_never() {
    let google = MockServer::start().await;
    full_listing(WINDOW_START, FIRST_RUN)
        .respond_with(listing(
            vec![event(
                "standup",
                "Standup",
                "2026-01-02T10:00:00+01:00",
                "2026-01-02T10:15:00+01:00",
            )],
            None,
            Some("sync-1"),
        ))
        .mount(&google)
        .await;
    quiet_after_first_listing(&google).await;
    Mock::given(method("POST"))
        .and(path(EVENTS))
        .respond_with(stored_event)
        .mount(&google)
        .await;
    Mock::given(method("PUT"))
        .respond_with(stored_event)
        .mount(&google)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;
    let admin = app.admin_token().await;
    let project = app.project(&admin, "Stint").await;
    app.put(
        "/api/integrations/google_calendar/config",
        &ada,
        &json!({ "sync_direction": "both" }),
    )
    .await
    .ok::<Value>(200);
    let entry: Value = app
        .post(
            "/api/time-entries",
            &ada,
            &json!({ "project_id": project, "started_at": "2026-01-02T13:00:00Z", "ended_at": "2026-01-02T14:30:00Z", "notes": "Code review" }),
        )
        .await
        .ok(201);
    // Running, and long ago: neither is exported.
    app.post("/api/timer/start", &ada, &json!({}))
        .await
        .ok::<Value>(200);
    app.post(
        "/api/time-entries",
        &ada,
        &json!({ "started_at": "2025-11-02T13:00:00Z", "ended_at": "2025-11-02T14:30:00Z", "notes": "Old" }),
    )
    .await
    .ok::<Value>(201);

    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    // The standup imported, the review exported.
    assert_eq!(run["created"], 2, "{run}");
    let received = google.received_requests().await.unwrap();
    let inserts = requests_of(&received, "POST");
    assert_eq!(
        inserts.len(),
        1,
        "the imported standup is not exported back"
    );
    let sent: Value = serde_json::from_slice(&inserts[0].body).unwrap();
    assert_eq!(sent["summary"], "[TT] Stint — Code review");
    assert_eq!(sent["start"]["dateTime"], "2026-01-02T13:00:00Z");
    assert_eq!(sent["end"]["dateTime"], "2026-01-02T14:30:00Z");
    let entry_id = entry["id"].as_str().unwrap();
    let event_id = entry_id.replace('-', "");
    assert_eq!(sent["id"], event_id.as_str());
    assert_eq!(
        inserts[0].headers["authorization"].to_str().unwrap(),
        format!("Bearer {FIRST_TOKEN}")
    );

    // Unchanged: nothing is written again.
    app.run_sync("google_calendar", &ada).await;
    let received = google.received_requests().await.unwrap();
    assert_eq!(requests_of(&received, "POST").len(), 1);
    assert!(requests_of(&received, "PUT").is_empty());

    // Edited: the same event is updated.
    app.clock.advance(chrono::Duration::minutes(1));
    app.patch(
        &format!("/api/time-entries/{entry_id}"),
        &ada,
        &json!({ "ended_at": "2026-01-02T15:00:00Z" }),
    )
    .await
    .ok::<Value>(200);
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["updated"], 1, "{run}");
    let received = google.received_requests().await.unwrap();
    let updates = requests_of(&received, "PUT");
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].url.path(), format!("{EVENTS}/{event_id}"));
    let sent: Value = serde_json::from_slice(&updates[0].body).unwrap();
    assert_eq!(sent["end"]["dateTime"], "2026-01-02T15:00:00Z");

    // Deleted: so is the event, once.
    let deleted = app
        .delete(&format!("/api/time-entries/{entry_id}"), &ada)
        .await;
    assert_eq!(deleted.status, 204);
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["deleted"], 1, "{run}");
    app.run_sync("google_calendar", &ada).await;
    let received = google.received_requests().await.unwrap();
    let deletes = requests_of(&received, "DELETE");
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].url.path(), format!("{EVENTS}/{event_id}"));
}

#[tokio::test]
async fn an_export_repeated_after_a_crash_updates_the_event_it_made() {
    let google = MockServer::start().await;
    // Google already holds the event from an attempt whose link was never written.
    Mock::given(method("POST"))
        .and(path(EVENTS))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "error": { "errors": [{ "domain": "global", "reason": "duplicate", "message": "The requested identifier already exists." }],
                       "code": 409, "message": "The requested identifier already exists." }
        })))
        .expect(1)
        .mount(&google)
        .await;
    Mock::given(method("PUT"))
        .respond_with(stored_event)
        .expect(1)
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;
    // Export only: the calendar is not read at all (no listing is mocked).
    app.put(
        "/api/integrations/google_calendar/config",
        &ada,
        &json!({ "sync_direction": "export" }),
    )
    .await
    .ok::<Value>(200);
    app.post(
        "/api/time-entries",
        &ada,
        &json!({ "started_at": "2026-01-02T13:00:00Z", "ended_at": "2026-01-02T14:30:00Z", "notes": "Code review" }),
    )
    .await
    .ok::<Value>(201);
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["created"], 1, "{run}");
    // Linked now: the next run writes nothing.
    app.run_sync("google_calendar", &ada).await;
}

#[tokio::test]
async fn one_bad_event_fails_alone_and_the_rest_of_its_page_is_imported() {
    let google = MockServer::start().await;
    full_listing(WINDOW_START, FIRST_RUN)
        .respond_with(listing(
            vec![
                event(
                    "standup",
                    "Standup\u{0}",
                    "2026-01-02T10:00:00+01:00",
                    "2026-01-02T10:15:00+01:00",
                ),
                // Ends before it starts: no entry can hold that.
                event(
                    "broken",
                    "Broken",
                    "2026-01-02T12:00:00+01:00",
                    "2026-01-02T11:00:00+01:00",
                ),
                event(
                    "planning",
                    "Planning",
                    "2026-01-03T15:00:00+01:00",
                    "2026-01-03T16:00:00+01:00",
                ),
                // Listed twice in one page: imported once.
                event(
                    "planning",
                    "Planning",
                    "2026-01-03T15:00:00+01:00",
                    "2026-01-03T16:00:00+01:00",
                ),
            ],
            None,
            Some("sync-1"),
        ))
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;
    let run = app.run_sync("google_calendar", &ada).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let counts = ["created", "failed", "skipped"].map(|k| run[k].as_i64().unwrap());
    assert_eq!(counts, [2, 1, 1], "{run}");
    assert_eq!(notes(&entries(&app, &ada).await), ["Standup", "Planning"]);
}

#[tokio::test]
async fn disconnecting_revokes_the_grant_at_google_and_stops_the_syncs() {
    let google = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains(format!("token={FIRST_TOKEN}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&google)
        .await;
    let (app, _, ada) = calendar_ready(&google).await;
    let done: Value = app
        .post(
            "/api/integrations/google_calendar/disconnect",
            &ada,
            &json!({}),
        )
        .await
        .ok(200);
    assert_eq!(done["revoked_at_provider"], true, "{done}");
    assert_eq!(done["integration"]["status"], "revoked");
    // Nothing is left to sync with, and the member is told so at once.
    let refused = app
        .post("/api/integrations/google_calendar/sync", &ada, &json!({}))
        .await
        .problem(409, "conflict");
    assert!(refused.detail.contains("revoked"), "{}", refused.detail);
}
