use chrono::Duration;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use stint_test_support::spawn_app;

#[tokio::test]
async fn start_stop_and_read_the_timer() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let project = app.project(&admin, "P").await;
    let (_, token) = app.member("ada@example.com").await;

    let idle: Value = app.get("/api/timer", &token).await.ok(200);
    assert_eq!(idle, json!({ "running": false, "entry": null }));

    let started: Value = app
        .post(
            "/api/timer/start",
            &token,
            &json!({ "project_id": project, "notes": "deep work" }),
        )
        .await
        .ok(200);
    assert!(started["ended_at"].is_null());
    assert_eq!(started["source"], "timer");
    assert_eq!(started["project_id"], project);

    app.clock.advance(Duration::minutes(25));
    let running: Value = app.get("/api/timer", &token).await.ok(200);
    assert_eq!(running["running"], true);
    assert_eq!(running["entry"]["duration_seconds"], 1500);

    let again = app.post("/api/timer/start", &token, &json!({})).await;
    again.problem(409, "timer_already_running");

    app.clock.advance(Duration::minutes(5));
    let stopped: Value = app
        .send(app.request(Method::POST, "/api/timer/stop", Some(&token)))
        .await
        .ok(200);
    assert_eq!(stopped["duration_seconds"], 1800);
    assert_eq!(stopped["id"], started["id"]);
    app.send(app.request(Method::POST, "/api/timer/stop", Some(&token)))
        .await
        .problem(409, "no_timer_running");

    // Without a body at all.
    let bare: Value = app
        .send(app.request(Method::POST, "/api/timer/start", Some(&token)))
        .await
        .ok(200);
    assert!(bare["project_id"].is_null());
}

#[tokio::test]
async fn timers_are_per_user() {
    let app = spawn_app().await;
    let (_, ada) = app.member("ada@example.com").await;
    let (_, grace) = app.member("grace@example.com").await;
    app.post("/api/timer/start", &ada, &json!({}))
        .await
        .ok::<Value>(200);
    app.post("/api/timer/start", &grace, &json!({}))
        .await
        .ok::<Value>(200);
    let idle: Value = app.get("/api/timer", &ada).await.ok(200);
    assert_eq!(idle["running"], true);
}

#[tokio::test]
async fn concurrent_starts_leave_exactly_one_timer() {
    let app = spawn_app().await;
    let (_, token) = app.member("ada@example.com").await;
    let empty = json!({});
    let answers = join_all((0..8).map(|_| app.post("/api/timer/start", &token, &empty))).await;
    let started = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(
        started,
        1,
        "{:?}",
        answers.iter().map(|a| &a.text).collect::<Vec<_>>()
    );
    for answer in answers.iter().filter(|a| a.status != 200) {
        answer.problem(409, "timer_already_running");
    }
    let entries: Value = app.get("/api/time-entries", &token).await.ok(200);
    assert_eq!(entries["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_task_on_an_archived_project_cannot_be_timed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let project = app.project(&admin, "Old").await;
    let task = app.task(&admin, &project, "T").await;
    app.patch(
        &format!("/api/projects/{project}"),
        &admin,
        &json!({ "archived": true }),
    )
    .await
    .ok::<Value>(200);
    app.post("/api/timer/start", &admin, &json!({ "task_id": task }))
        .await
        .problem(400, "validation_failed");
}
