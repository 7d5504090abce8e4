//! Every kind of bad input gets a 4xx problem document, never a 500 or a dropped connection.

use reqwest::Method;
use serde_json::{Value, json};
use stint_test_support::spawn_app;

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_enums() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let raw = |body: &'static str| {
        app.request(Method::POST, "/api/projects", Some(&token))
            .header("content-type", "application/json")
            .body(body)
    };
    app.send(raw("{\"name\": "))
        .await
        .problem(400, "malformed_request");
    app.send(raw("not json"))
        .await
        .problem(400, "malformed_request");
    app.send(raw("{\"name\": 42}"))
        .await
        .problem(400, "validation_failed");
    app.send(raw("{}")).await.problem(400, "validation_failed");
    app.send(raw("[]")).await.problem(400, "validation_failed");
    let problem = app
        .send(raw("{\"name\": \"   \"}"))
        .await
        .problem(400, "validation_failed");
    assert_eq!(problem.errors[0].field, "name");
    let problem = app
        .post("/api/tasks", &token, &json!({ "project_id": app.project(&token, "P").await, "title": "T", "status": "blocked" }))
        .await
        .problem(400, "validation_failed");
    assert!(
        problem.detail.contains("unknown variant `blocked`"),
        "{}",
        problem.detail
    );
    app.post(
        "/api/projects",
        &token,
        &json!({ "name": "P", "color": "red" }),
    )
    .await
    .problem(400, "validation_failed");
    app.post("/api/projects", &token, &json!({ "name": "x".repeat(201) }))
        .await
        .problem(400, "validation_failed");
    app.post(
        "/api/time-entries",
        &token,
        &json!({ "started_at": "yesterday", "ended_at": "today" }),
    )
    .await
    .problem(400, "validation_failed");
}

#[tokio::test]
async fn wrong_content_type() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let answer = app
        .send(
            app.request(Method::POST, "/api/projects", Some(&token))
                .header("content-type", "text/plain")
                .body("{\"name\": \"P\"}"),
        )
        .await;
    answer.problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn oversized_bodies() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let huge = json!({ "name": "P", "notes": "x".repeat(1024 * 1024 + 1) });
    app.post("/api/clients", &token, &huge)
        .await
        .problem(413, "payload_too_large");
    let huge_timer = format!("{{\"notes\": \"{}\"}}", "x".repeat(1024 * 1024 + 1));
    let answer = app
        .send(
            app.request(Method::POST, "/api/timer/start", Some(&token))
                .header("content-type", "application/json")
                .body(huge_timer),
        )
        .await;
    assert_eq!(answer.status, 413, "{}", answer.text);
}

#[tokio::test]
async fn a_smaller_configured_limit_is_honoured() {
    let app = stint_test_support::spawn_app_with(&[("STINT_BODY_LIMIT", "2048")]).await;
    let token = app.admin_token().await;
    app.post(
        "/api/clients",
        &token,
        &json!({ "name": "P", "notes": "x".repeat(4096) }),
    )
    .await
    .problem(413, "payload_too_large");
    app.post(
        "/api/clients",
        &token,
        &json!({ "name": "P", "notes": "x".repeat(1000) }),
    )
    .await
    .ok::<Value>(201);
}

#[tokio::test]
async fn bad_ids_cursors_and_limits() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for path in [
        "/api/projects/42",
        "/api/time-entries/not-a-uuid",
        "/api/tasks/%00",
        "/api/admin/users/x",
    ] {
        app.get(path, &token)
            .await
            .problem(400, "validation_failed");
    }
    app.get("/api/projects/01a20a56-7f18-77dc-b051-766f73529f4d", &token)
        .await
        .problem(404, "not_found");
    app.get("/api/time-entries?limit=0", &token)
        .await
        .problem(400, "validation_failed");
    app.get("/api/time-entries?limit=1000", &token)
        .await
        .problem(400, "validation_failed");
    app.get("/api/time-entries?limit=-1", &token)
        .await
        .problem(400, "validation_failed");
    app.get("/api/time-entries?cursor=garbage!", &token)
        .await
        .problem(400, "validation_failed");
    app.get("/api/clients?cursor=AAAA", &token)
        .await
        .problem(400, "validation_failed");
}

#[tokio::test]
async fn a_query_parameter_stint_does_not_know_is_refused() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    // A misspelt filter must not quietly widen the list.
    let problem = app
        .get(
            "/api/tasks?asignee_id=01a20a56-7f18-77dc-b051-766f73529f4d",
            &token,
        )
        .await
        .problem(400, "validation_failed");
    assert!(problem.detail.contains("asignee_id"), "{}", problem.detail);
    for path in [
        "/api/tasks?=null",
        "/api/projects?archived=true",
        "/api/time-entries?page=2",
        "/api/clients?offset=10",
        "/api/admin/webhook-deliveries?status=failed",
        "/api/calendar/events?start=2026-12-01T00:00:00Z&end=2026-12-02T00:00:00Z&tz=UTC",
        "/api/integrations/github/sync-runs?scope=global&limit=5",
    ] {
        app.get(path, &token)
            .await
            .problem(400, "validation_failed");
    }
    app.get("/api/tasks?limit=5", &token).await.ok::<Value>(200);
}

#[tokio::test]
async fn unknown_routes_are_404s_and_other_methods_405s() {
    let app = spawn_app().await;
    app.send(app.request(Method::GET, "/api/nothing-here", None))
        .await
        .problem(404, "not_found");
    let wrong = app
        .send(app.request(Method::PUT, "/api/timer/start", None))
        .await;
    wrong.problem(405, "method_not_allowed");
    assert_eq!(wrong.headers["allow"], "POST");
    let trace = app
        .send(app.request(
            Method::TRACE,
            "/api/projects/0190c0de-0000-7000-8000-000000000001",
            None,
        ))
        .await;
    trace.problem(405, "method_not_allowed");
    assert_eq!(trace.headers["allow"], "DELETE, GET, PATCH");
}

#[tokio::test]
async fn no_error_is_a_500() {
    // A sweep of odd requests across every route; none may fail on the server's side.
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let paths = [
        "/api/me",
        "/api/tokens",
        "/api/admin/users",
        "/api/clients",
        "/api/projects",
        "/api/tasks",
        "/api/time-entries",
        "/api/timer",
        "/api/timer/start",
        "/api/timer/stop",
        "/api/auth/login",
    ];
    let bodies = [
        "",
        "{",
        "null",
        "[]",
        "{\"a\":1}",
        "\"str\"",
        "{\"name\":null}",
        "{\"email\":\"x\",\"password\":1}",
    ];
    for path in paths {
        for method in [Method::GET, Method::POST, Method::PATCH, Method::DELETE] {
            for body in bodies {
                let answer = app
                    .send(
                        app.request(method.clone(), path, Some(&token))
                            .header("content-type", "application/json")
                            .body(body),
                    )
                    .await;
                assert!(
                    answer.status.as_u16() < 500,
                    "{method} {path} {body:?} → {} {}",
                    answer.status,
                    answer.text
                );
            }
        }
    }
}

#[tokio::test]
async fn moments_outside_what_stint_stores_are_refused_cleanly() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for (started, ended) in [
        ("0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z"),
        ("1969-12-31T23:00:00Z", "1970-01-01T01:00:00Z"),
        ("2026-01-05T08:00:00Z", "+262142-12-31T23:59:59Z"),
    ] {
        let answer = app
            .post(
                "/api/time-entries",
                &token,
                &json!({ "started_at": started, "ended_at": ended }),
            )
            .await;
        assert!(
            answer.status == 400,
            "{started}–{ended}: {} {}",
            answer.status,
            answer.text
        );
    }
    // The very edges are fine, on every database.
    let edge: Value = app
        .post(
            "/api/time-entries",
            &token,
            &json!({ "started_at": "9999-12-31T22:00:00Z", "ended_at": "9999-12-31T23:59:59Z" }),
        )
        .await
        .ok(201);
    assert_eq!(edge["duration_seconds"], 7199);
    app.get("/api/time-entries?from=0001-01-01T00:00:00Z", &token)
        .await
        .problem(400, "validation_failed");
    app.get(
        "/api/time-entries?from=1970-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
        &token,
    )
    .await
    .ok::<Value>(200);
}

/// A body is a JSON object: an array of a struct's fields in order, which serde would otherwise
/// take, is refused like any other wrong type, and nothing changes.
#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for (method, path) in [
        (Method::PATCH, "/api/me"),
        (Method::POST, "/api/timer/start"),
        (Method::POST, "/api/projects"),
        (Method::PUT, "/api/integrations/github/config"),
    ] {
        for body in ["[]", r#"["Renamed"]"#, "\"text\"", "7", "null"] {
            if path == "/api/timer/start" && body == "null" {
                continue; // its body is optional: `null` means the defaults
            }
            let answer = app
                .send(
                    app.request(method.clone(), path, Some(&token))
                        .header("content-type", "application/json")
                        .body(body),
                )
                .await;
            let problem = answer.problem(400, "validation_failed");
            assert!(
                problem.detail.contains("a JSON object"),
                "{method} {path} {body}: {}",
                problem.detail
            );
        }
    }
    let me: Value = app.get("/api/me", &token).await.ok(200);
    assert_eq!(me["display_name"], "Admin");
    let timer: Value = app.get("/api/timer", &token).await.ok(200);
    assert_eq!(timer["running"], false);
    // The timer's optional body may be `null`: the defaults.
    let started: Value = app
        .send(
            app.request(Method::POST, "/api/timer/start", Some(&token))
                .header("content-type", "application/json")
                .body("null"),
        )
        .await
        .ok(200);
    assert_eq!(started["source"], "timer");
}
