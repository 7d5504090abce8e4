use serde_json::{Value, json};
use stint_test_support::spawn_app;

#[tokio::test]
async fn clients_projects_and_tasks_round_trip() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let client: Value = app
        .post(
            "/api/clients",
            &admin,
            &json!({ "name": "  Acme  ", "notes": "big" }),
        )
        .await
        .ok(201);
    assert_eq!(client["name"], "Acme");
    let client_id = client["id"].as_str().unwrap();

    let project: Value = app
        .post(
            "/api/projects",
            &admin,
            &json!({ "name": "Website", "client_id": client_id, "color": "#AABBCC" }),
        )
        .await
        .ok(201);
    assert_eq!(project["client_id"], client_id);
    assert_eq!(project["color"], "#aabbcc");
    assert_eq!(project["billable"], true);
    let project_id = project["id"].as_str().unwrap();

    let (_, member) = app.member("ada@example.com").await;
    let task: Value = app
        .post(
            "/api/tasks",
            &member,
            &json!({ "project_id": project_id, "title": "Fix login", "priority": "high" }),
        )
        .await
        .ok(201);
    assert_eq!(task["status"], "todo");
    assert_eq!(task["priority"], "high");
    let task_id = task["id"].as_str().unwrap();

    let done: Value = app
        .patch(
            &format!("/api/tasks/{task_id}"),
            &member,
            &json!({ "status": "done" }),
        )
        .await
        .ok(200);
    assert_eq!(done["status"], "done");
    let listed: Value = app
        .get(
            &format!("/api/tasks?project_id={project_id}&status=done"),
            &member,
        )
        .await
        .ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let none: Value = app
        .get(
            &format!("/api/tasks?project_id={project_id}&status=todo"),
            &member,
        )
        .await
        .ok(200);
    assert!(none["items"].as_array().unwrap().is_empty());

    // Members read projects and clients.
    let projects: Value = app.get("/api/projects", &member).await.ok(200);
    assert_eq!(projects["items"][0]["name"], "Website");
    let clients: Value = app.get("/api/clients", &member).await.ok(200);
    assert_eq!(clients["items"][0]["name"], "Acme");

    // Detach the project from its client, archive it, and it leaves the default list.
    let detached: Value = app
        .patch(
            &format!("/api/projects/{project_id}"),
            &admin,
            &json!({ "client_id": null, "archived": true }),
        )
        .await
        .ok(200);
    assert!(detached["client_id"].is_null());
    let active: Value = app.get("/api/projects", &member).await.ok(200);
    assert!(active["items"].as_array().unwrap().is_empty());
    let all: Value = app
        .get("/api/projects?include_archived=true", &member)
        .await
        .ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 1);

    assert_eq!(
        app.delete(&format!("/api/clients/{client_id}"), &admin)
            .await
            .status,
        204
    );
    app.get(&format!("/api/clients/{client_id}"), &admin)
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn references_must_exist() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let missing = "01a20a56-7f18-77dc-b051-766f73529f4d";
    let problem = app
        .post(
            "/api/projects",
            &admin,
            &json!({ "name": "P", "client_id": missing }),
        )
        .await
        .problem(400, "validation_failed");
    assert_eq!(problem.errors[0].field, "client_id");
    app.post(
        "/api/tasks",
        &admin,
        &json!({ "project_id": missing, "title": "T" }),
    )
    .await
    .problem(400, "validation_failed");
    let project = app.project(&admin, "P").await;
    app.post(
        "/api/tasks",
        &admin,
        &json!({ "project_id": project, "title": "T", "assignee_id": missing }),
    )
    .await
    .problem(400, "validation_failed");
}

#[tokio::test]
async fn only_the_creator_the_assignee_or_an_admin_changes_or_deletes_a_task() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let project = app.project(&admin, "P").await;
    let (_, ada) = app.member("ada@example.com").await;
    let (grace_id, grace) = app.member("grace@example.com").await;
    let (_, mallory) = app.member("mallory@example.com").await;
    let path = format!("/api/tasks/{}", app.task(&ada, &project, "T").await);
    // Not hers: neither changed nor deleted, and nothing changes.
    app.patch(&path, &mallory, &json!({ "title": "mine now" }))
        .await
        .problem(403, "forbidden");
    app.delete(&path, &mallory).await.problem(403, "forbidden");
    app.delete(&path, &grace).await.problem(403, "forbidden");
    let unchanged: Value = app.get(&path, &ada).await.ok(200);
    assert_eq!(unchanged["title"], "T");
    // The creator assigns it; the assignee may then change it; an admin may always.
    app.patch(&path, &ada, &json!({ "assignee_id": grace_id }))
        .await
        .ok::<Value>(200);
    app.patch(&path, &grace, &json!({ "status": "in_progress" }))
        .await
        .ok::<Value>(200);
    app.patch(&path, &admin, &json!({ "title": "Renamed" }))
        .await
        .ok::<Value>(200);
    app.patch(&path, &mallory, &json!({ "status": "done" }))
        .await
        .problem(403, "forbidden");
    assert_eq!(app.delete(&path, &grace).await.status, 204);
    app.get(&path, &ada).await.problem(404, "not_found");
}

#[tokio::test]
async fn deleting_a_project_keeps_its_time_and_deletes_its_tasks() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let project = app.project(&admin, "P").await;
    let task_path = format!(
        "/api/tasks/{}",
        app.task(&admin, &project, "Goes with its project").await
    );
    app.get(&task_path, &admin).await.ok::<Value>(200);
    let entry: Value = app
        .post(
            "/api/time-entries",
            &admin,
            &json!({ "project_id": project, "started_at": "2026-01-05T08:00:00Z", "ended_at": "2026-01-05T08:30:00Z" }),
        )
        .await
        .ok(201);
    assert_eq!(
        app.delete(&format!("/api/projects/{project}"), &admin)
            .await
            .status,
        204
    );
    let kept: Value = app
        .get(
            &format!("/api/time-entries/{}", entry["id"].as_str().unwrap()),
            &admin,
        )
        .await
        .ok(200);
    assert!(kept["project_id"].is_null());
    assert_eq!(kept["duration_seconds"], 1800);
    // schemathesis.toml relies on this: a task is 404 once its project is deleted.
    app.get(&task_path, &admin).await.problem(404, "not_found");
    app.delete(&task_path, &admin)
        .await
        .problem(404, "not_found");
}
