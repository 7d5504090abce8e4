//! The background worker end to end: jobs queued in the database and run by the worker, each
//! schedule's occurrence queued once however many schedulers ask, the admin's job list, and the
//! notification settings members choose their summary with.

use serde_json::{Value, json};
use stint_core::jobs::{Job, Schedule};
use stint_test_support::{TestApp, spawn_app};

/// Waits until the queue has nothing queued or running, then answers the admin's job list.
pub async fn settled(app: &TestApp, admin: &str) -> Value {
    app.settle_jobs().await;
    app.get("/api/admin/jobs", admin).await.ok(200)
}

#[tokio::test]
async fn each_occurrence_is_queued_once_however_many_schedulers_ask() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Three processes' schedulers at the same moment, and one a little later in the same period.
    for _ in 0..3 {
        let queued = stint_worker::scheduler::queue_due(&app.stint)
            .await
            .unwrap();
        assert_eq!(queued.len(), Schedule::ALL.len());
    }
    app.clock.advance(chrono::Duration::minutes(3));
    stint_worker::scheduler::queue_due(&app.stint)
        .await
        .unwrap();
    let jobs = settled(&app, &admin).await;
    assert_eq!(jobs["done"], Schedule::ALL.len(), "{jobs}");
    assert_eq!(jobs["failed"], 0, "{jobs}");
    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("stint_jobs{state=\"done\"} 5"),
        "{metrics}"
    );
    assert!(
        metrics.contains("stint_jobs_finished_total{kind=\"tick\",outcome=\"ok\"} 5"),
        "{metrics}"
    );
    assert!(metrics.contains("stint_job_duration_seconds_count{kind=\"tick\"} 5"));
    // The next period is a new occurrence.
    app.clock.advance(chrono::Duration::minutes(10));
    let queued = stint_worker::scheduler::queue_due(&app.stint)
        .await
        .unwrap();
    assert!(queued.contains(&Job::Tick {
        schedule: Schedule::TokenRefresh,
        at: "2026-01-05T09:10:00Z".parse().unwrap()
    }));
    let jobs = settled(&app, &admin).await;
    assert_eq!(jobs["done"], Schedule::ALL.len() + 1, "{jobs}");
}

#[tokio::test]
async fn the_job_list_is_for_admins_and_shows_the_schedules() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, member) = app.member("ada@example.com").await;
    app.get("/api/admin/jobs", &member)
        .await
        .problem(403, "forbidden");
    let jobs: Value = app.get("/api/admin/jobs", &admin).await.ok(200);
    let names: Vec<&str> = jobs["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "calendar_sync",
            "slack_daily_summary",
            "token_refresh_sweep",
            "catch_up",
            "retention"
        ]
    );
    // The test clock reads 09:00 on 5 January 2026.
    assert_eq!(jobs["schedules"][1]["next"][0], "2026-01-05T09:30:00Z");
    assert_eq!(jobs["schedules"][4]["next"][0], "2026-01-06T03:30:00Z");
}

#[tokio::test]
async fn members_choose_their_summary_time_and_bad_times_are_refused() {
    let app = spawn_app().await;
    let (_, member) = app.member("ada@example.com").await;
    let initial: Value = app.get("/api/me/notifications", &member).await.ok(200);
    assert_eq!(
        initial,
        json!({ "timer_notifications": true, "daily_summary_enabled": false, "daily_summary_time": null })
    );
    let saved: Value = app
        .put(
            "/api/me/notifications",
            &member,
            &json!({ "timer_notifications": false, "daily_summary_enabled": true, "daily_summary_time": "17:30" }),
        )
        .await
        .ok(200);
    assert_eq!(saved["daily_summary_time"], "17:30");
    let read: Value = app.get("/api/me/notifications", &member).await.ok(200);
    assert_eq!(read, saved);
    for (body, field) in [
        (
            json!({ "timer_notifications": true, "daily_summary_enabled": true, "daily_summary_time": "25:00" }),
            "daily_summary_time",
        ),
        (
            json!({ "timer_notifications": true, "daily_summary_enabled": true, "daily_summary_time": "7:30" }),
            "daily_summary_time",
        ),
        (
            json!({ "timer_notifications": true, "daily_summary_enabled": true, "daily_summary_time": null }),
            "daily_summary_time",
        ),
    ] {
        let refused = app.put("/api/me/notifications", &member, &body).await;
        refused.problem(400, "validation_failed");
        assert!(refused.text.contains(field), "{}", refused.text);
    }
    let unknown = app
        .put(
            "/api/me/notifications",
            &member,
            &json!({ "timer_notifications": true, "daily_summary_enabled": false, "daily_summary_time": null, "extra": 1 }),
        )
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    // Nothing refused was saved.
    let read: Value = app.get("/api/me/notifications", &member).await.ok(200);
    assert_eq!(read, saved);
}

#[tokio::test]
async fn a_clock_that_jumps_ahead_runs_each_missed_schedule_once_not_once_per_period() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    stint_worker::scheduler::queue_due(&app.stint)
        .await
        .unwrap();
    settled(&app, &admin).await;
    // Three days pass in an instant (a suspended machine, a corrected clock).
    app.clock.advance(chrono::Duration::days(3));
    let queued = stint_worker::scheduler::queue_due(&app.stint)
        .await
        .unwrap();
    assert_eq!(queued.len(), Schedule::ALL.len());
    let admin = app.admin_token().await;
    let jobs = settled(&app, &admin).await;
    assert_eq!(jobs["done"], 2 * Schedule::ALL.len(), "{jobs}");
    // Back a minute and forward again: the earlier occurrences it finds had never run (and run
    // now, once); those of 09:00, already queued, are not queued again.
    app.clock.advance(chrono::Duration::minutes(-1));
    stint_worker::scheduler::queue_due(&app.stint)
        .await
        .unwrap();
    let before = settled(&app, &admin).await["done"].as_u64().unwrap();
    app.clock.advance(chrono::Duration::minutes(1));
    stint_worker::scheduler::queue_due(&app.stint)
        .await
        .unwrap();
    let jobs = settled(&app, &admin).await;
    assert_eq!(jobs["done"], before, "{jobs}");
}
