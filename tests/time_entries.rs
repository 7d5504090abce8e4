use serde_json::{Value, json};
use stint_test_support::spawn_app;

fn entry(start: &str, end: &str) -> Value {
    json!({ "started_at": start, "ended_at": end, "notes": "work" })
}

#[tokio::test]
async fn members_see_only_their_own_entries_and_admins_see_all() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (ada_id, ada) = app.member("ada@example.com").await;
    let (_, grace) = app.member("grace@example.com").await;
    let ada_entry: Value = app
        .post(
            "/api/time-entries",
            &ada,
            &entry("2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z"),
        )
        .await
        .ok(201);
    assert_eq!(ada_entry["duration_seconds"], 3600);
    assert_eq!(ada_entry["user_id"], ada_id);
    app.post(
        "/api/time-entries",
        &grace,
        &entry("2026-01-05T08:00:00Z", "2026-01-05T08:15:00Z"),
    )
    .await
    .ok::<Value>(201);

    let path = format!("/api/time-entries/{}", ada_entry["id"].as_str().unwrap());
    // Grace cannot read, change or delete Ada's entry: it does not exist for her.
    app.get(&path, &grace).await.problem(404, "not_found");
    app.patch(&path, &grace, &json!({ "notes": "mine now" }))
        .await
        .problem(404, "not_found");
    app.delete(&path, &grace).await.problem(404, "not_found");

    let grace_list: Value = app.get("/api/time-entries", &grace).await.ok(200);
    assert_eq!(grace_list["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/time-entries?user_id={ada_id}"), &grace)
        .await
        .problem(403, "forbidden");

    let all: Value = app.get("/api/time-entries", &admin).await.ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let only_ada: Value = app
        .get(&format!("/api/time-entries?user_id={ada_id}"), &admin)
        .await
        .ok(200);
    assert_eq!(only_ada["items"].as_array().unwrap().len(), 1);
    let changed: Value = app
        .patch(&path, &admin, &json!({ "notes": "reviewed" }))
        .await
        .ok(200);
    assert_eq!(changed["notes"], "reviewed");
    assert_eq!(app.delete(&path, &ada).await.status, 204);
}

#[tokio::test]
async fn entries_paginate_newest_first_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let (_, token) = app.member("ada@example.com").await;
    // 7 entries, two of them starting at the same second, to exercise the tie-breaker.
    let starts = ["01", "02", "03", "03", "04", "05", "06"];
    for (i, hour) in starts.iter().enumerate() {
        let start = format!("2026-01-05T{hour}:00:00Z");
        let end = format!("2026-01-05T{hour}:0{i}:00Z");
        app.post("/api/time-entries", &token, &entry(&start, &end))
            .await
            .ok::<Value>(201);
    }
    let mut seen: Vec<Value> = Vec::new();
    let mut path = "/api/time-entries?limit=3".to_owned();
    loop {
        let page: Value = app.get(&path, &token).await.ok(200);
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/time-entries?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let ids: std::collections::HashSet<_> = seen
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 7);
    let starts: Vec<&str> = seen
        .iter()
        .map(|e| e["started_at"].as_str().unwrap())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(starts, sorted);
}

#[tokio::test]
async fn entries_filter_by_date_range_and_project() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let project = app.project(&admin, "P").await;
    for day in ["01", "02", "03", "04"] {
        app.post(
            "/api/time-entries",
            &admin,
            &entry(
                &format!("2026-02-{day}T10:00:00Z"),
                &format!("2026-02-{day}T11:00:00Z"),
            ),
        )
        .await
        .ok::<Value>(201);
    }
    app.post(
        "/api/time-entries",
        &admin,
        &json!({ "project_id": project, "started_at": "2026-02-02T12:00:00Z", "ended_at": "2026-02-02T13:00:00Z" }),
    )
    .await
    .ok::<Value>(201);
    let range: Value = app
        .get(
            "/api/time-entries?from=2026-02-02T00:00:00Z&to=2026-02-04T00:00:00Z",
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(range["items"].as_array().unwrap().len(), 3);
    let by_project: Value = app
        .get(&format!("/api/time-entries?project_id={project}"), &admin)
        .await
        .ok(200);
    assert_eq!(by_project["items"].as_array().unwrap().len(), 1);
    // Offsets are honoured when encoded.
    let offset: Value = app
        .get("/api/time-entries?from=2026-02-04T11:00:00%2B01:00", &admin)
        .await
        .ok(200);
    assert_eq!(offset["items"].as_array().unwrap().len(), 1);
    app.get(
        "/api/time-entries?from=2026-02-04T00:00:00Z&to=2026-02-01T00:00:00Z",
        &admin,
    )
    .await
    .problem(400, "validation_failed");
    app.get("/api/time-entries?from=yesterday", &admin)
        .await
        .problem(400, "validation_failed");
}

#[tokio::test]
async fn entry_rules() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let project = app.project(&admin, "P").await;
    let other = app.project(&admin, "Q").await;
    let task = app.task(&admin, &project, "T").await;
    let task_id = task.as_str();

    let problem = app
        .post(
            "/api/time-entries",
            &admin,
            &entry("2026-01-05T10:00:00Z", "2026-01-05T09:00:00Z"),
        )
        .await
        .problem(400, "validation_failed");
    assert_eq!(problem.errors[0].field, "ended_at");

    // A task implies its project; a task of another project is refused.
    let with_task: Value = app
        .post(
            "/api/time-entries",
            &admin,
            &json!({ "task_id": task_id, "started_at": "2026-01-05T08:00:00Z", "ended_at": "2026-01-05T08:10:00Z" }),
        )
        .await
        .ok(201);
    assert_eq!(with_task["project_id"], project);
    app.post(
        "/api/time-entries",
        &admin,
        &json!({ "task_id": task_id, "project_id": other, "started_at": "2026-01-05T08:00:00Z", "ended_at": "2026-01-05T08:10:00Z" }),
    )
    .await
    .problem(400, "validation_failed");

    // Moving to another project drops the old project's task.
    let path = format!("/api/time-entries/{}", with_task["id"].as_str().unwrap());
    let moved: Value = app
        .patch(&path, &admin, &json!({ "project_id": other }))
        .await
        .ok(200);
    assert_eq!(moved["project_id"], other);
    assert!(moved["task_id"].is_null());
    app.patch(
        &path,
        &admin,
        &json!({ "started_at": "2026-01-05T09:00:00Z" }),
    )
    .await
    .problem(400, "validation_failed");

    // Non-billable projects make non-billable entries unless told otherwise.
    let unbilled: Value = app
        .post(
            "/api/projects",
            &admin,
            &json!({ "name": "Internal", "billable": false }),
        )
        .await
        .ok(201);
    let e: Value = app
        .post(
            "/api/time-entries",
            &admin,
            &json!({ "project_id": unbilled["id"], "started_at": "2026-01-05T08:00:00Z", "ended_at": "2026-01-05T08:10:00Z" }),
        )
        .await
        .ok(201);
    assert_eq!(e["billable"], false);
}

/// Pages are served from a cache while the user's entries are unchanged; changes made around the
/// server (another process, a foreign-key cascade) must show at once all the same.
#[tokio::test]
async fn a_listed_page_shows_changes_made_behind_the_servers_back() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use stint_entity::{project, time_entry};

    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let project_id = app.project(&admin, "Apollo").await;
    let (_, ada) = app.member("ada@example.com").await;
    let mut body = entry("2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z");
    body["project_id"] = json!(project_id);
    app.post("/api/time-entries", &ada, &body)
        .await
        .ok::<Value>(201);
    let first: Value = app.get("/api/time-entries", &ada).await.ok(200);
    let again: Value = app.get("/api/time-entries", &ada).await.ok(200);
    assert_eq!(first, again);
    assert_eq!(first["items"][0]["project_id"], project_id);

    let elsewhere = stint_core::db::connect(&app.database_url, Some(1))
        .await
        .unwrap();
    time_entry::Entity::update_many()
        .col_expr(time_entry::Column::Notes, Expr::value("edited elsewhere"))
        .filter(time_entry::Column::Notes.eq("work"))
        .exec(&elsewhere)
        .await
        .unwrap();
    let edited: Value = app.get("/api/time-entries", &ada).await.ok(200);
    assert_eq!(edited["items"][0]["notes"], "edited elsewhere");

    // Deleting the project clears the entry's project through the foreign key's ON DELETE SET NULL.
    project::Entity::delete_by_id(project_id.parse::<uuid::Uuid>().unwrap())
        .exec(&elsewhere)
        .await
        .unwrap();
    let unassigned: Value = app.get("/api/time-entries", &ada).await.ok(200);
    assert!(unassigned["items"][0]["project_id"].is_null());

    time_entry::Entity::delete_many()
        .exec(&elsewhere)
        .await
        .unwrap();
    let emptied: Value = app.get("/api/time-entries", &ada).await.ok(200);
    assert_eq!(emptied["items"], json!([]));
    elsewhere.close().await.ok();
}

#[tokio::test]
async fn a_running_entry_in_a_listed_page_counts_up_to_now() {
    let app = spawn_app().await;
    let (_, ada) = app.member("ada@example.com").await;
    app.post("/api/timer/start", &ada, &json!({}))
        .await
        .ok::<Value>(200);
    app.clock.advance(chrono::Duration::seconds(30));
    let page: Value = app.get("/api/time-entries", &ada).await.ok(200);
    assert_eq!(page["items"][0]["duration_seconds"], 30);
    app.clock.advance(chrono::Duration::seconds(5));
    let later: Value = app.get("/api/time-entries", &ada).await.ok(200);
    assert_eq!(later["items"][0]["duration_seconds"], 35);
}

/// An admin's page of one user's entries and that user's own page are kept apart from the
/// admin's page of everyone's.
#[tokio::test]
async fn pages_of_different_users_and_queries_are_not_mixed_up() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (ada_id, ada) = app.member("ada@example.com").await;
    let (grace_id, grace) = app.member("grace@example.com").await;
    for token in [&ada, &grace] {
        app.post(
            "/api/time-entries",
            token,
            &entry("2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z"),
        )
        .await
        .ok::<Value>(201);
    }
    for (token, id) in [(&ada, &ada_id), (&grace, &grace_id)] {
        let own: Value = app.get("/api/time-entries", token).await.ok(200);
        assert_eq!(own["items"][0]["user_id"], *id);
        let by_admin: Value = app
            .get(&format!("/api/time-entries?user_id={id}"), &admin)
            .await
            .ok(200);
        assert_eq!(by_admin, own);
    }
    let all: Value = app.get("/api/time-entries", &admin).await.ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let one: Value = app.get("/api/time-entries?limit=1", &ada).await.ok(200);
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert!(one["next_cursor"].is_null());
}

/// The page cache's hits and misses, as `/metrics` reports them.
async fn page_cache_lookups(app: &stint_test_support::TestApp) -> (u64, u64) {
    let metrics = app
        .send(app.request(reqwest::Method::GET, "/metrics", None))
        .await;
    let count = |outcome: &str| {
        let series =
            format!("stint_cache_lookups_total{{cache=\"entry_pages\",outcome=\"{outcome}\"}} ");
        metrics
            .text
            .lines()
            .find_map(|line| line.strip_prefix(&series))
            .map_or(0, |n| n.parse().unwrap())
    };
    (count("hit"), count("miss"))
}

#[tokio::test]
async fn page_cache_hits_and_misses_are_counted_apart() {
    let app = spawn_app().await;
    let (_, ada) = app.member("ada@example.com").await;
    app.post(
        "/api/time-entries",
        &ada,
        &entry("2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z"),
    )
    .await
    .ok::<Value>(201);
    let before = page_cache_lookups(&app).await;
    let first: Value = app.get("/api/time-entries", &ada).await.ok(200);
    let again: Value = app.get("/api/time-entries", &ada).await.ok(200);
    assert_eq!(first, again);
    app.get("/api/time-entries?to=2026-01-06T00:00:00Z", &ada)
        .await
        .ok::<Value>(200);
    // A change makes the held page stale: a miss, and the page shows the change.
    app.post(
        "/api/time-entries",
        &ada,
        &entry("2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"),
    )
    .await
    .ok::<Value>(201);
    let changed: Value = app.get("/api/time-entries", &ada).await.ok(200);
    assert_eq!(changed["items"].as_array().unwrap().len(), 2);
    let after = page_cache_lookups(&app).await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 3));
}

#[tokio::test]
async fn a_listed_entry_reads_as_the_entry_itself() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let project_id = app.project(&admin, "Apollo").await;
    let (_, ada) = app.member("ada@example.com").await;
    let notes = [
        "",
        "plain",
        "quotes \" and \\ backslash",
        "lines\nand\ttabs\r",
        "é 日本 🚀 \u{2028} \u{7f}",
        "\u{1} control",
    ];
    for (i, note) in notes.iter().enumerate() {
        let mut body = entry(
            &format!("2026-01-0{}T08:00:00Z", i + 1),
            &format!("2026-01-0{}T09:30:15Z", i + 1),
        );
        body["notes"] = json!(note);
        if i % 2 == 0 {
            body["project_id"] = json!(project_id);
        }
        app.post("/api/time-entries", &ada, &body)
            .await
            .ok::<Value>(201);
    }
    app.post("/api/timer/start", &ada, &json!({ "notes": "running" }))
        .await
        .ok::<Value>(200);
    let page: Value = app.get("/api/time-entries?limit=3", &ada).await.ok(200);
    let mut listed: Vec<Value> = page["items"].as_array().unwrap().clone();
    let rest: Value = app
        .get(
            &format!(
                "/api/time-entries?limit=50&cursor={}",
                page["next_cursor"].as_str().unwrap()
            ),
            &ada,
        )
        .await
        .ok(200);
    listed.extend(rest["items"].as_array().unwrap().iter().cloned());
    assert_eq!(listed.len(), notes.len() + 1);
    // On SQLite the pages were read on the request's own thread, not through the fallback.
    assert!(!stint_test_support::captured_logs().contains("page read on this thread failed"));
    for item in &listed {
        let own: Value = app
            .get(
                &format!("/api/time-entries/{}", item["id"].as_str().unwrap()),
                &ada,
            )
            .await
            .ok(200);
        assert_eq!(item, &own);
    }
}
