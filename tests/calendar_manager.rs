//! The calendar manager across two calendars of one member (a fake Google and a fake Graph):
//! events, free/busy merged, conflicts with unreadable calendars treated as unknown, and the
//! calendar event of one of the member's own entries made, kept single, and deleted.

use serde_json::{Value, json};
use stint_test_support::{TestApp, spawn_app_with};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::calendar_google::{connect_google, google_env, mock_oauth, stored_event};
use crate::calendar_outlook::{connect_outlook, mock_graph_oauth, outlook_env};

/// A member with both calendars connected: (app, google, graph, member token).
async fn two_calendars() -> (TestApp, MockServer, MockServer, String) {
    let google = MockServer::start().await;
    let graph = MockServer::start().await;
    mock_oauth(&google).await;
    mock_graph_oauth(&graph).await;
    let env: Vec<(String, String)> = google_env(&google)
        .into_iter()
        .chain(outlook_env(&graph))
        .collect();
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    let (_, ada) = app.member("ada@example.com").await;
    connect_google(&app, &ada).await;
    connect_outlook(&app, &ada).await;
    (app, google, graph, ada)
}

async fn google_busy(google: &MockServer, busy: Value) {
    Mock::given(method("POST"))
        .and(path("/freeBusy"))
        .and(body_partial_json(json!({ "items": [{ "id": "primary" }] })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#freeBusy",
            "timeMin": "2026-03-29T00:00:00.000Z",
            "timeMax": "2026-03-30T00:00:00.000Z",
            "calendars": { "primary": { "busy": busy } }
        })))
        .mount(google)
        .await;
}

fn graph_schedule(items: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
        "value": [{
            "scheduleId": "ada@example.com",
            "availabilityView": "000220000",
            "scheduleItems": items,
            "workingHours": { "daysOfWeek": ["monday"], "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
                              "timeZone": { "name": "UTC" } }
        }]
    }))
}

fn item(status: &str, start: &str, end: &str) -> Value {
    json!({ "isPrivate": false, "status": status, "subject": "Busy", "location": "",
            "start": { "dateTime": format!("{start}.0000000"), "timeZone": "UTC" },
            "end": { "dateTime": format!("{end}.0000000"), "timeZone": "UTC" } })
}

#[tokio::test]
async fn free_busy_merges_both_calendars_and_conflicts_say_what_clashes() {
    let (app, google, graph, ada) = two_calendars().await;
    // Sunday 2026-03-29, the day Berlin moves to summer time: 09:00+02:00 is 07:00Z.
    google_busy(
        &google,
        json!([
            { "start": "2026-03-29T07:00:00Z", "end": "2026-03-29T08:00:00Z" },
            { "start": "2026-03-29T13:00:00Z", "end": "2026-03-29T14:00:00Z" }
        ]),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/calendar/getSchedule"))
        .and(body_partial_json(
            json!({ "schedules": ["ada@example.com"] }),
        ))
        .respond_with(graph_schedule(json!([
            item("busy", "2026-03-29T07:30:00", "2026-03-29T09:00:00"),
            item("free", "2026-03-29T10:00:00", "2026-03-29T11:00:00")
        ])))
        .up_to_n_times(2)
        .mount(&graph)
        .await;
    let answer: Value = app
        .get(
            "/api/calendar/freebusy?start=2026-03-29T00:00:00%2B01:00&end=2026-03-30T00:00:00%2B02:00",
            &ada,
        )
        .await
        .ok(200);
    assert_eq!(answer["start"], "2026-03-28T23:00:00Z");
    assert_eq!(answer["end"], "2026-03-29T22:00:00Z");
    assert_eq!(
        answer["busy"],
        json!([
            { "start": "2026-03-29T07:00:00Z", "end": "2026-03-29T09:00:00Z", "providers": ["google_calendar", "outlook_calendar"] },
            { "start": "2026-03-29T13:00:00Z", "end": "2026-03-29T14:00:00Z", "providers": ["google_calendar"] }
        ])
    );
    assert_eq!(answer["unknown"], json!([]));

    // Planning 10:00–12:00 in Berlin (08:00–10:00Z): Outlook's meeting runs into it, and so
    // does an entry of the member's.
    app.post(
        "/api/time-entries",
        &ada,
        &json!({ "started_at": "2026-03-29T09:30:00Z", "ended_at": "2026-03-29T10:15:00Z", "notes": "Release" }),
    )
    .await
    .ok::<Value>(201);
    let answer: Value = app
        .post(
            "/api/calendar/conflicts",
            &ada,
            &json!({ "start": "2026-03-29T10:00:00+02:00", "end": "2026-03-29T12:00:00+02:00" }),
        )
        .await
        .ok(200);
    assert_eq!(answer["conflict"], true);
    assert_eq!(
        answer["busy"],
        json!([{ "start": "2026-03-29T08:00:00Z", "end": "2026-03-29T09:00:00Z", "providers": ["outlook_calendar"] }])
    );
    assert_eq!(answer["entries"].as_array().unwrap().len(), 1);
    assert_eq!(answer["entries"][0]["notes"], "Release");

    // Outlook cannot be read now: its time is unknown, so a free span is not called free.
    Mock::given(method("POST"))
        .and(path("/v1.0/me/calendar/getSchedule"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "error": { "code": "ServiceNotAvailable", "message": "The service is unavailable." }
        })))
        .mount(&graph)
        .await;
    let answer: Value = app
        .post(
            "/api/calendar/conflicts",
            &ada,
            &json!({ "start": "2026-03-29T16:00:00Z", "end": "2026-03-29T17:00:00Z" }),
        )
        .await
        .ok(200);
    assert_eq!(answer["conflict"], true, "{answer}");
    assert_eq!(answer["busy"], json!([]));
    assert_eq!(answer["unknown"][0]["provider"], "outlook_calendar");
    assert!(
        answer["unknown"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("503"),
        "{answer}"
    );

    // Spans that make no sense are refused, with the field named.
    let bad = app
        .get(
            "/api/calendar/freebusy?start=2026-03-29T10:00:00Z&end=2026-03-29T09:00:00Z",
            &ada,
        )
        .await
        .problem(400, "validation_failed");
    assert!(bad.detail.contains("end"), "{}", bad.detail);
    app.get(
        "/api/calendar/freebusy?start=2026-01-01T00:00:00Z&end=2026-06-01T00:00:00Z",
        &ada,
    )
    .await
    .problem(400, "validation_failed");
    // Beyond what any database holds: refused, not a database error.
    app.post(
        "/api/calendar/conflicts",
        &ada,
        &json!({ "start": "-200000-01-01T00:00:00Z", "end": "-200000-01-02T00:00:00Z" }),
    )
    .await
    .problem(400, "validation_failed");
    let missing = app
        .get("/api/calendar/freebusy?start=yesterday", &ada)
        .await;
    assert_eq!(missing.status, 400, "{}", missing.text);
}

#[tokio::test]
async fn a_members_entry_gets_one_calendar_event_which_is_deleted_on_request() {
    let (app, google, _graph, ada) = two_calendars().await;
    Mock::given(method("POST"))
        .and(path("/calendars/primary/events"))
        .respond_with(stored_event)
        .expect(1)
        .mount(&google)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&google)
        .await;
    let entry: Value = app
        .post(
            "/api/time-entries",
            &ada,
            &json!({ "started_at": "2026-01-05T08:00:00Z", "ended_at": "2026-01-05T08:45:00Z", "notes": "Pairing" }),
        )
        .await
        .ok(201);
    let id = entry["id"].as_str().unwrap();
    let request = json!({ "entity_type": "time_entry", "entity_id": id });
    // Two calendars: which one must be said.
    app.post("/api/calendar/events", &ada, &request)
        .await
        .problem(400, "validation_failed");
    let request =
        json!({ "entity_type": "time_entry", "entity_id": id, "provider": "google_calendar" });
    let linked: Value = app
        .post("/api/calendar/events", &ada, &request)
        .await
        .ok(200);
    assert_eq!(linked["provider"], "google_calendar");
    assert_eq!(linked["event_id"], id.replace('-', ""));
    // Again: the same event, nothing new at Google (`expect(1)`).
    let again: Value = app
        .post("/api/calendar/events", &ada, &request)
        .await
        .ok(200);
    assert_eq!(again["event_id"], linked["event_id"]);

    // Another member cannot touch it.
    let (_, grace) = app.member("grace@example.com").await;
    app.post("/api/calendar/events", &grace, &request)
        .await
        .problem(404, "not_found");
    let path = format!("/api/calendar/events/time_entry/{id}?provider=google_calendar");
    app.delete(&path, &grace).await.problem(404, "not_found");

    let deleted = app.delete(&path, &ada).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    app.delete(&path, &ada).await.problem(404, "not_found");
}

#[tokio::test]
async fn events_come_from_every_calendar_and_an_unreadable_one_is_named() {
    let (app, google, graph, ada) = two_calendars().await;
    Mock::given(method("GET"))
        .and(path("/calendars/primary/events"))
        .and(wiremock::matchers::query_param(
            "timeMin",
            "2026-01-05T00:00:00Z",
        ))
        .and(wiremock::matchers::query_param(
            "timeMax",
            "2026-01-06T00:00:00Z",
        ))
        .respond_with(crate::calendar_google::listing(
            vec![crate::calendar_google::event(
                "standup",
                "Standup",
                "2026-01-05T10:00:00+01:00",
                "2026-01-05T10:15:00+01:00",
            )],
            None,
            Some("ignored"),
        ))
        .mount(&google)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/calendarView"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [crate::calendar_outlook::graph_event("AAMk-1", "Design review", "2026-01-05T08:00:00", "2026-01-05T08:30:00")]
        })))
        .up_to_n_times(1)
        .mount(&graph)
        .await;
    let span = "start=2026-01-05T00:00:00Z&end=2026-01-06T00:00:00Z";
    let answer: Value = app
        .get(&format!("/api/calendar/events?{span}"), &ada)
        .await
        .ok(200);
    let summaries: Vec<(&str, &str)> = answer["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["provider"].as_str().unwrap(),
                e["summary"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summaries,
        [
            ("outlook_calendar", "Design review"),
            ("google_calendar", "Standup")
        ]
    );
    assert_eq!(answer["events"][1]["start"], "2026-01-05T09:00:00Z");

    // Graph fails now: Google's events still come, Outlook is named with the reason.
    let answer: Value = app
        .get(&format!("/api/calendar/events?{span}"), &ada)
        .await
        .ok(200);
    assert_eq!(answer["events"].as_array().unwrap().len(), 1);
    assert_eq!(answer["unreadable"][0]["provider"], "outlook_calendar");
}

#[tokio::test]
async fn a_planned_block_is_put_in_the_calendar_moved_with_it_and_deleted_with_it() {
    let (app, _google, graph, ada) = two_calendars().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/events"))
        .respond_with(|request: &wiremock::Request| {
            let mut event: Value = serde_json::from_slice(&request.body).unwrap();
            event["id"] = json!("AAMk-block");
            event["webLink"] = json!("https://outlook.office365.com/owa/?itemid=AAMk-block");
            ResponseTemplate::new(201).set_body_json(event)
        })
        .expect(1)
        .mount(&graph)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1.0/me/events/AAMk-block"))
        .respond_with(|request: &wiremock::Request| {
            let mut event: Value = serde_json::from_slice(&request.body).unwrap();
            event["id"] = json!("AAMk-block");
            ResponseTemplate::new(200).set_body_json(event)
        })
        .expect(1)
        .mount(&graph)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1.0/me/events/AAMk-block"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&graph)
        .await;
    // A block that ends before it starts is refused, and nothing is made.
    app.post(
        "/api/calendar/events",
        &ada,
        &json!({ "entity_type": "planned_block", "provider": "outlook_calendar",
                 "block": { "title": "Focus", "start": "2026-03-30T10:00:00+02:00", "end": "2026-03-30T09:00:00+02:00" } }),
    )
    .await
    .problem(400, "validation_failed");
    let linked: Value = app
        .post(
            "/api/calendar/events",
            &ada,
            &json!({ "entity_type": "planned_block", "provider": "outlook_calendar",
                     "block": { "title": "Focus", "start": "2026-03-30T09:00:00+02:00", "end": "2026-03-30T11:00:00+02:00" } }),
        )
        .await
        .ok(200);
    assert_eq!(linked["entity_type"], "planned_block");
    assert_eq!(linked["event_id"], "AAMk-block");
    let block_id = linked["entity_id"].as_str().unwrap().to_owned();
    let received = graph.received_requests().await.unwrap();
    let create = received
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == "/v1.0/me/events")
        .unwrap();
    let sent: Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(sent["subject"], "[TT] Focus");
    assert_eq!(sent["start"]["dateTime"], "2026-03-30T07:00:00");

    // Planning over it says so.
    Mock::given(method("POST"))
        .and(path("/freeBusy"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#freeBusy", "calendars": { "primary": { "busy": [] } }
        })))
        .mount(&_google)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/calendar/getSchedule"))
        .respond_with(graph_schedule(json!([])))
        .mount(&graph)
        .await;
    let answer: Value = app
        .post(
            "/api/calendar/conflicts",
            &ada,
            &json!({ "start": "2026-03-30T10:30:00+02:00", "end": "2026-03-30T12:00:00+02:00" }),
        )
        .await
        .ok(200);
    assert_eq!(answer["conflict"], true);
    assert_eq!(answer["planned"][0]["title"], "Focus");

    // Moved (a minute later): the same event follows.
    app.clock.advance(chrono::Duration::minutes(1));
    let path = format!("/api/calendar/events/planned_block/{block_id}?provider=outlook_calendar");
    let moved: Value = app
        .put(
            &path,
            &ada,
            &json!({ "block": { "title": "Focus", "start": "2026-03-30T13:00:00+02:00", "end": "2026-03-30T15:00:00+02:00" } }),
        )
        .await
        .ok(200);
    assert_eq!(moved["event_id"], "AAMk-block");
    // Deleted: event and block.
    let deleted = app.delete(&path, &ada).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    app.delete(&path, &ada).await.problem(404, "not_found");
}
