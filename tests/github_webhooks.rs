//! GitHub webhooks end to end: signed deliveries in GitHub's documented shapes become tasks;
//! forged, tampered, duplicate and malformed ones are refused or acknowledged as GitHub expects.

use reqwest::Method;
use serde_json::{Value, json};
use stint_providers::github::signature::sign as github_signature;
use stint_test_support::{Answer, TestApp, captured_logs};
use wiremock::MockServer;

use crate::oauth::{callback, connect, github_app_with, mock_token_and_user};

pub(crate) const WEBHOOK_SECRET: &str = "It's a Secret to Everybody";

/// A Stint with GitHub connected for the organisation and its webhook secret set by the admin.
pub(crate) async fn github_ready(provider: &MockServer) -> (TestApp, String) {
    github_ready_with(provider, &[]).await
}

/// The same, with more settings of the test's own.
pub(crate) async fn github_ready_with(
    provider: &MockServer,
    extra: &[(&str, &str)],
) -> (TestApp, String) {
    mock_token_and_user(provider).await;
    let app = github_app_with(provider, extra).await;
    let admin = app.admin_token().await;
    app.put(
        "/api/admin/providers/github",
        &admin,
        &json!({ "webhook_secret": WEBHOOK_SECRET }),
    )
    .await
    .ok::<Value>(200);
    let started = connect(&app, &admin, "global").await;
    let location = callback(
        &app,
        &app.client,
        &format!("code=the-code&state={}", started.state),
    )
    .await;
    assert_eq!(location, "/integrations?connected=github");
    (app, admin)
}

/// GitHub's documented `issues` payload, trimmed to the fields a real delivery always has.
pub(crate) fn issue_event(
    action: &str,
    repo: &str,
    number: u64,
    title: &str,
    labels: &[&str],
) -> Value {
    let (owner, name) = repo.split_once('/').unwrap();
    json!({
        "action": action,
        "issue": {
            "url": format!("https://api.github.com/repos/{repo}/issues/{number}"),
            "repository_url": format!("https://api.github.com/repos/{repo}"),
            "html_url": format!("https://github.com/{repo}/issues/{number}"),
            "id": 1_000_000 + number,
            "node_id": "MDU6SXNzdWUx",
            "number": number,
            "title": title,
            "user": { "login": "octocat", "id": 1, "type": "User", "site_admin": false },
            "labels": labels.iter().enumerate().map(|(i, l)| json!({
                "id": 208_045_946 + i, "node_id": "MDU6TGFiZWwyMDgwNDU5NDY=",
                "url": format!("https://api.github.com/repos/{repo}/labels/{l}"),
                "name": l, "description": "", "color": "f29513", "default": false
            })).collect::<Vec<_>>(),
            "state": if action == "closed" { "closed" } else { "open" },
            "locked": false,
            "assignee": null,
            "assignees": [],
            "milestone": null,
            "comments": 0,
            "created_at": "2026-01-05T08:00:00Z",
            "updated_at": format!("2026-01-05T08:{:02}:00Z", (number % 50) + match action {
                "opened" => 0, "edited" => 1, "labeled" => 2, "closed" => 3, "reopened" => 4, _ => 5
            }),
            "closed_at": null,
            "author_association": "OWNER",
            "body": "I'm having a problem with this."
        },
        "repository": {
            "id": 1_296_269,
            "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
            "name": name,
            "full_name": repo,
            "private": false,
            "owner": { "login": owner, "id": 1, "type": "User" },
            "html_url": format!("https://github.com/{repo}")
        },
        "sender": { "login": "octocat", "id": 1, "type": "User" }
    })
}

pub(crate) async fn deliver(
    app: &TestApp,
    event: &str,
    delivery: &str,
    body: &[u8],
    secret: &str,
) -> Answer {
    app.send(
        app.request(Method::POST, "/api/integrations/github/webhook", None)
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery)
            .header("x-hub-signature-256", github_signature(secret, body))
            .body(body.to_vec()),
    )
    .await
}

/// Sends these `issues` deliveries (delivery id, body) all at once; their answers, in order.
async fn deliver_all(app: &TestApp, sends: &[(String, Vec<u8>)]) -> Vec<Answer> {
    futures_util::future::join_all(
        sends
            .iter()
            .map(|(id, body)| deliver(app, "issues", id, body, WEBHOOK_SECRET)),
    )
    .await
}

/// Sends GitHub's `issues` delivery for this action and issue, signed with the right secret.
async fn deliver_issue(
    app: &TestApp,
    delivery: &str,
    action: &str,
    repo: &str,
    number: u64,
    title: &str,
    labels: &[&str],
) -> Answer {
    let body = serde_json::to_vec(&issue_event(action, repo, number, title, labels)).unwrap();
    deliver(app, "issues", delivery, &body, WEBHOOK_SECRET).await
}

/// Each action of each issue `numbers` of octo/`repo`, all at once, each answered 200 (or 202 on
/// a loaded machine past the answer deadline); an issue's title is "<action> <number>".
async fn deliver_together(
    app: &TestApp,
    repo: &str,
    numbers: std::ops::RangeInclusive<u64>,
    actions: &[&str],
) {
    let full_name = format!("octo/{repo}");
    let sends = numbers.flat_map(|number| {
        let full_name = &full_name;
        actions.iter().map(move |action| async move {
            let title = format!("{action} {number}");
            let delivery = format!("{repo}-{action}-{number}");
            deliver_issue(app, &delivery, action, full_name, number, &title, &[]).await
        })
    });
    for answer in futures_util::future::join_all(sends).await {
        assert!(
            answer.status == 200 || answer.status == 202,
            "{}",
            answer.status
        );
    }
}

/// The body of GitHub's `issues` delivery opening issue `number` of octocat/Hello-World.
fn opened(number: u64) -> Vec<u8> {
    let issue = issue_event(
        "opened",
        "octocat/Hello-World",
        number,
        &format!("Issue {number}"),
        &[],
    );
    serde_json::to_vec(&issue).unwrap()
}

async fn tasks(app: &TestApp, admin: &str) -> Vec<Value> {
    let page: Value = app.get("/api/tasks?limit=200", admin).await.ok(200);
    page["items"].as_array().unwrap().clone()
}

async fn deliveries(app: &TestApp, admin: &str) -> Vec<Value> {
    let page: Value = app
        .get("/api/admin/webhook-deliveries?provider=github", admin)
        .await
        .ok(200);
    page["items"].as_array().unwrap().clone()
}

async fn project_named(app: &TestApp, admin: &str, name: &str) -> Option<Value> {
    let page: Value = app.get("/api/projects?limit=200", admin).await.ok(200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .cloned()
}

#[tokio::test]
async fn ping_answers_pong_and_is_recorded() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let body = json!({ "zen": "Design for failure.", "hook_id": 109_948_940, "hook": { "type": "Repository", "id": 109_948_940, "events": ["issues"], "active": true } });
    let body = serde_json::to_vec(&body).unwrap();
    let answer = deliver(&app, "ping", "d1", &body, WEBHOOK_SECRET).await;
    assert_eq!(answer.ok::<Value>(200)["status"], "pong");
    let recorded = deliveries(&app, &admin).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["event"], "ping");
    assert_eq!(recorded[0]["signature"], "valid");
    assert_eq!(recorded[0]["outcome"], "applied");
}

#[tokio::test]
async fn issues_become_tasks_once_and_follow_their_issue() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let opened = serde_json::to_vec(&issue_event(
        "opened",
        "octocat/Hello-World",
        1347,
        "Found a bug",
        &["bug", "priority: high"],
    ))
    .unwrap();

    let answer = deliver(
        &app,
        "issues",
        "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        &opened,
        WEBHOOK_SECRET,
    )
    .await;
    let ack: Value = answer.ok(200);
    assert_eq!(ack["status"], "accepted");
    assert!(ack["delivery"].is_string());
    // GitHub redelivers with the same id: acknowledged, not applied twice.
    let again = deliver(
        &app,
        "issues",
        "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        &opened,
        WEBHOOK_SECRET,
    )
    .await;
    assert_eq!(again.ok::<Value>(200)["status"], "duplicate");
    app.stint.intake.settle().await;

    let all = tasks(&app, &admin).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let task = &all[0];
    assert_eq!(task["title"], "Found a bug");
    assert_eq!(task["status"], "todo");
    assert_eq!(task["priority"], "high");
    // Where the issue lives, on the page of tasks and on the task alone.
    let address = "https://github.com/octocat/Hello-World/issues/1347";
    assert_eq!(task["external_url"], address);
    let alone: Value = app
        .get(
            &format!("/api/tasks/{}", task["id"].as_str().unwrap()),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(alone["external_url"], address);
    let project = project_named(&app, &admin, "octocat/hello-world")
        .await
        .expect("project named after the repository");
    assert_eq!(task["project_id"], project["id"]);
    let recorded = deliveries(&app, &admin).await;
    assert_eq!(recorded.len(), 1, "the duplicate is not recorded twice");
    assert_eq!(recorded[0]["outcome"], "applied");
    assert!(
        recorded[0]["detail"]
            .as_str()
            .unwrap()
            .contains("octocat/hello-world#1347")
    );

    // The same number in another repository is another issue.
    deliver_issue(
        &app,
        "d-other",
        "opened",
        "octocat/Spoon-Knife",
        1347,
        "Other repo",
        &[],
    )
    .await
    .ok::<Value>(200);
    // Edits, labels, closing and reopening update the same task.
    deliver_issue(
        &app,
        "d-edit",
        "edited",
        "octocat/Hello-World",
        1347,
        "Found a bug (edited)",
        &["bug", "priority: high"],
    )
    .await
    .ok::<Value>(200);
    deliver_issue(
        &app,
        "d-label",
        "labeled",
        "octocat/Hello-World",
        1347,
        "Found a bug (edited)",
        &["bug", "urgent"],
    )
    .await
    .ok::<Value>(200);
    app.stint.intake.settle().await;
    let all = tasks(&app, &admin).await;
    assert_eq!(all.len(), 2, "{:#?}", deliveries(&app, &admin).await);
    let task: Value = app
        .get(
            &format!("/api/tasks/{}", task["id"].as_str().unwrap()),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(task["title"], "Found a bug (edited)");
    assert_eq!(task["priority"], "urgent");

    let closed = serde_json::to_vec(&issue_event(
        "closed",
        "octocat/Hello-World",
        1347,
        "Found a bug (edited)",
        &["bug"],
    ))
    .unwrap();
    deliver(&app, "issues", "d-close", &closed, WEBHOOK_SECRET)
        .await
        .ok::<Value>(200);
    app.stint.intake.settle().await;
    let id = task["id"].as_str().unwrap();
    let after: Value = app.get(&format!("/api/tasks/{id}"), &admin).await.ok(200);
    assert_eq!(after["status"], "done");
    deliver_issue(
        &app,
        "d-reopen",
        "reopened",
        "octocat/Hello-World",
        1347,
        "Found a bug (edited)",
        &["bug"],
    )
    .await
    .ok::<Value>(200);
    app.stint.intake.settle().await;
    let after: Value = app.get(&format!("/api/tasks/{id}"), &admin).await.ok(200);
    assert_eq!(after["status"], "todo");
    // A late, older delivery does not undo newer state.
    deliver(&app, "issues", "d-late", &closed, WEBHOOK_SECRET)
        .await
        .ok::<Value>(200);
    app.stint.intake.settle().await;
    let after: Value = app.get(&format!("/api/tasks/{id}"), &admin).await.ok(200);
    assert_eq!(after["status"], "todo");
}

#[tokio::test]
async fn a_mapped_repository_lands_in_its_project() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let project = app.project(&admin, "Website").await;
    app.put(
        "/api/integrations/github/config?scope=global",
        &admin,
        &json!({ "repositories": ["acme/site"], "repository_projects": { "Acme/Site": project } }),
    )
    .await
    .ok::<Value>(200);
    let body = serde_json::to_vec(&issue_event(
        "opened",
        "acme/site",
        7,
        "Broken link",
        &["P1"],
    ))
    .unwrap();
    deliver(&app, "issues", "m1", &body, WEBHOOK_SECRET)
        .await
        .ok::<Value>(200);
    app.stint.intake.settle().await;
    let all = tasks(&app, &admin).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["project_id"], project.as_str());
    assert_eq!(all[0]["priority"], "high");
}

#[tokio::test]
async fn forged_tampered_and_unsigned_deliveries_are_refused() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let body =
        serde_json::to_vec(&issue_event("opened", "octocat/Hello-World", 1, "x", &[])).unwrap();

    let wrong_secret = deliver(&app, "issues", "f1", &body, "guessed secret").await;
    wrong_secret.problem(401, "invalid_signature");

    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let signature = github_signature(WEBHOOK_SECRET, &body);
    let send = |extra: Vec<(&'static str, String)>, payload: Vec<u8>| {
        let mut request = app
            .request(Method::POST, "/api/integrations/github/webhook", None)
            .header("content-type", "application/json")
            .header("x-github-event", "issues")
            .header("x-github-delivery", "f2");
        for (name, value) in extra {
            request = request.header(name, value);
        }
        app.send(request.body(payload))
    };
    send(vec![("x-hub-signature-256", signature.clone())], tampered)
        .await
        .problem(401, "invalid_signature");
    send(vec![], body.clone())
        .await
        .problem(401, "invalid_signature");
    let sha1_only = send(
        vec![(
            "x-hub-signature",
            "sha1=7d38cdd689735b008b3c702edd92eea23791c5f6".into(),
        )],
        body.clone(),
    )
    .await;
    let problem = sha1_only.problem(401, "invalid_signature");
    assert!(problem.detail.contains("SHA-1"), "{}", problem.detail);

    // None was applied, each was recorded, and none claimed the id it sent.
    app.stint.intake.settle().await;
    assert!(tasks(&app, &admin).await.is_empty());
    let recorded = deliveries(&app, &admin).await;
    assert_eq!(recorded.len(), 4);
    for delivery in &recorded {
        assert_eq!(delivery["outcome"], "rejected");
        assert!(
            delivery["delivery_id"]
                .as_str()
                .unwrap()
                .starts_with("refused:")
        );
    }
    // The real delivery with a claimed id still goes through.
    deliver(&app, "issues", "f1", &body, WEBHOOK_SECRET)
        .await
        .ok::<Value>(200);
}

#[tokio::test]
async fn malformed_oversized_and_unused_deliveries() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;

    let not_json = b"{\"action\": \"opened\", ".to_vec();
    deliver(&app, "issues", "bad-json", &not_json, WEBHOOK_SECRET)
        .await
        .problem(400, "malformed_request");

    let huge = vec![b' '; 1024 * 1024 + 1];
    deliver(&app, "issues", "huge", &huge, WEBHOOK_SECRET)
        .await
        .problem(413, "payload_too_large");

    let push = serde_json::to_vec(
        &json!({ "ref": "refs/heads/main", "repository": { "full_name": "octocat/Hello-World" } }),
    )
    .unwrap();
    let answer = deliver(&app, "push", "push-1", &push, WEBHOOK_SECRET).await;
    assert_eq!(answer.ok::<Value>(202)["status"], "ignored");

    // Signed JSON that is not an issues payload: accepted, then recorded as malformed.
    let odd = serde_json::to_vec(&json!({ "action": "opened" })).unwrap();
    deliver(&app, "issues", "odd", &odd, WEBHOOK_SECRET)
        .await
        .ok::<Value>(200);
    app.stint.intake.settle().await;

    let recorded = deliveries(&app, &admin).await;
    let outcome_of = |id: &str| {
        recorded
            .iter()
            .find(|d| d["delivery_id"] == id)
            .map(|d| d["outcome"].as_str().unwrap().to_owned())
    };
    assert_eq!(outcome_of("bad-json").as_deref(), Some("malformed"));
    assert_eq!(outcome_of("push-1").as_deref(), Some("ignored"));
    assert_eq!(outcome_of("odd").as_deref(), Some("malformed"));
    assert_eq!(outcome_of("huge"), None);
    assert!(tasks(&app, &admin).await.is_empty());
}

#[tokio::test]
async fn assignment_starts_the_assignees_timer_unless_one_runs() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let (mona, member) = app.member("mona@example.com").await;
    app.put(
        &format!("/api/admin/users/{mona}/identities/github"),
        &admin,
        &json!({ "handle": "@Mona" }),
    )
    .await
    .ok::<Value>(200);

    let mut assigned = issue_event("assigned", "octocat/Hello-World", 5, "Assigned work", &[]);
    assigned["assignee"] = json!({ "login": "mona", "id": 2, "type": "User" });
    assigned["issue"]["assignees"] = json!([{ "login": "mona", "id": 2, "type": "User" }]);
    let body = serde_json::to_vec(&assigned).unwrap();
    deliver(&app, "issues", "a1", &body, WEBHOOK_SECRET)
        .await
        .ok::<Value>(200);
    app.stint.intake.settle().await;

    let timer: Value = app.get("/api/timer", &member).await.ok(200);
    assert_eq!(timer["running"], true);
    let task = &tasks(&app, &admin).await[0];
    assert_eq!(timer["entry"]["task_id"], task["id"]);
    assert_eq!(timer["entry"]["source"], "github");
    let me: Value = app.get("/api/me", &member).await.ok(200);
    assert_eq!(task["assignee_id"], me["id"]);

    // Another assignment while that timer runs leaves it running and says why.
    let mut second = issue_event("assigned", "octocat/Hello-World", 6, "More work", &[]);
    second["assignee"] = json!({ "login": "mona", "id": 2, "type": "User" });
    let body = serde_json::to_vec(&second).unwrap();
    deliver(&app, "issues", "a2", &body, WEBHOOK_SECRET)
        .await
        .ok::<Value>(200);
    app.stint.intake.settle().await;
    let still: Value = app.get("/api/timer", &member).await.ok(200);
    assert_eq!(still["entry"]["id"], timer["entry"]["id"]);
    let recorded = deliveries(&app, &admin).await;
    let detail = recorded.iter().find(|d| d["delivery_id"] == "a2").unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("already had a timer running"), "{detail}");
}

#[tokio::test]
async fn a_failed_delivery_can_be_reapplied_by_an_admin() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let (_, member) = app.member("m@example.com").await;
    let body = issue_event("opened", "octocat/Hello-World", 9, "Retry me", &[]).to_string();
    // A delivery that failed (say, the database was down while applying), its body kept.
    let id = uuid::Uuid::now_v7();
    stint_entity::webhook_delivery::ActiveModel {
        id: Set(id),
        provider: Set("github".into()),
        integration_id: Set(None),
        delivery_id: Set("failed-1".into()),
        event: Set(Some("issues".into())),
        signature: Set("valid".into()),
        outcome: Set("failed".into()),
        detail: Set(Some("database error".into())),
        duration_ms: Set(3),
        received_at: Set(app.clock.now()),
        payload: Set(Some(body)),
        attempts: Set(1),
    }
    .insert(&app.stint.db)
    .await
    .unwrap();

    let listed: Value = app
        .get("/api/admin/webhook-deliveries?outcome=failed", &admin)
        .await
        .ok(200);
    assert_eq!(listed["items"][0]["can_reapply"], true);
    app.post(
        &format!("/api/admin/webhook-deliveries/{id}/reapply"),
        &member,
        &json!({}),
    )
    .await
    .problem(403, "forbidden");
    let reapplied: Value = app
        .post(
            &format!("/api/admin/webhook-deliveries/{id}/reapply"),
            &admin,
            &json!({}),
        )
        .await
        .ok(200);
    assert_eq!(reapplied["outcome"], "applied");
    assert_eq!(reapplied["attempts"], 2);
    assert_eq!(tasks(&app, &admin).await.len(), 1);
    app.post(
        &format!("/api/admin/webhook-deliveries/{id}/reapply"),
        &admin,
        &json!({}),
    )
    .await
    .problem(409, "conflict");
}

#[tokio::test]
async fn a_flood_of_forged_deliveries_is_refused_without_filling_the_record() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let body =
        serde_json::to_vec(&issue_event("opened", "octocat/Hello-World", 1, "x", &[])).unwrap();
    for n in 0..70 {
        deliver(&app, "issues", &format!("forged-{n}"), &body, "guess")
            .await
            .problem(401, "invalid_signature");
    }
    app.stint.intake.settle().await;
    let page: Value = app
        .get(
            "/api/admin/webhook-deliveries?provider=github&outcome=rejected&limit=200",
            &admin,
        )
        .await
        .ok(200);
    let recorded = page["items"].as_array().unwrap().len();
    assert!((60..70).contains(&recorded), "{recorded} refusals recorded");
}

/// Deliveries that arrive together are applied in one batch: an issue opened and edited within
/// the same batch gets one task, with the newer content, whichever delivery comes first.
#[tokio::test]
async fn deliveries_arriving_together_make_one_task_per_issue() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    deliver_together(&app, "together", 1..=15, &["opened", "edited"]).await;
    // A 202 (a loaded machine past the answer deadline) means applied after the answer.
    app.stint.intake.settle().await;
    let made = tasks(&app, &admin).await;
    assert_eq!(made.len(), 15);
    let mut titles: Vec<&str> = made.iter().map(|t| t["title"].as_str().unwrap()).collect();
    titles.sort_unstable();
    let mut expected: Vec<String> = (1..=15).map(|n| format!("edited {n}")).collect();
    expected.sort_unstable();
    assert_eq!(titles, expected);
    // Once more, all together: nothing new is made.
    let again = (1..=15u64).map(|number| {
        let app = &app;
        async move {
            let title = format!("edited {number}");
            let delivery = format!("again-{number}");
            deliver_issue(
                app,
                &delivery,
                "edited",
                "octo/together",
                number,
                &title,
                &[],
            )
            .await
        }
    });
    futures_util::future::join_all(again).await;
    assert_eq!(tasks(&app, &admin).await.len(), 15);
}

/// Many writers side by side (PostgreSQL; SQLite has one): an issue's `opened`, `edited` and
/// `labeled` land in batches at once, and a batch that finds another made the task first applies
/// its delivery again instead of failing it, so the newest version is kept.
#[tokio::test]
async fn batches_side_by_side_keep_the_newest_version_of_a_new_issue() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready_with(&provider, &[("STINT_INTAKE_WRITERS", "8")]).await;
    for round in 0..8u64 {
        let numbers = round * 100 + 1..=round * 100 + 25;
        deliver_together(&app, "side", numbers, &["opened", "edited", "labeled"]).await;
    }
    app.stint.intake.settle().await;
    let made = tasks(&app, &admin).await;
    let mut titles: Vec<&str> = made.iter().map(|t| t["title"].as_str().unwrap()).collect();
    titles.sort_unstable();
    let mut expected: Vec<String> = (0..8u64)
        .flat_map(|round| (1..=25u64).map(move |n| format!("labeled {}", round * 100 + n)))
        .collect();
    expected.sort_unstable();
    assert_eq!(titles, expected);
    let failed: Value = app
        .get(
            "/api/admin/webhook-deliveries?provider=github&outcome=failed",
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(failed["items"], json!([]), "{failed}");
}

#[tokio::test]
async fn long_delivery_ids_are_neither_stored_nor_logged_in_full() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let huge = "x".repeat(100_000);
    let body =
        serde_json::to_vec(&issue_event("opened", "octocat/Hello-World", 1, "T", &[])).unwrap();
    // Forged, with a claimed id of 100,000 characters.
    deliver(&app, "issues", &huge, &body, "not the secret")
        .await
        .problem(401, "invalid_signature");
    // Signed, but with an id no provider sends.
    let long = "y".repeat(65);
    deliver(&app, "issues", &long, &body, WEBHOOK_SECRET)
        .await
        .problem(400, "malformed_request");
    deliver(&app, &"z".repeat(65), "ok-id", &body, WEBHOOK_SECRET)
        .await
        .problem(400, "malformed_request");
    app.stint.intake.settle().await;
    let recorded = deliveries(&app, &admin).await;
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    for record in &recorded {
        assert!(record["delivery_id"].as_str().unwrap().chars().count() <= 64);
        assert!(record["event"].as_str().unwrap_or_default().chars().count() <= 65);
        assert!(
            record["detail"].as_str().unwrap_or_default().len() < 300,
            "{record}"
        );
    }
    assert!(!captured_logs().contains(&"x".repeat(100)));
    assert!(tasks(&app, &admin).await.is_empty());
}

#[tokio::test]
async fn records_past_their_retention_are_forgotten() {
    let provider = MockServer::start().await;
    let (app, _) = github_ready(&provider).await;
    deliver_issue(
        &app,
        "old-1",
        "opened",
        "octocat/Hello-World",
        1,
        "Old",
        &[],
    )
    .await
    .ok::<Value>(200);
    app.stint.intake.settle().await;
    app.clock.advance(chrono::Duration::days(31));
    deliver_issue(
        &app,
        "new-1",
        "opened",
        "octocat/Hello-World",
        2,
        "New",
        &[],
    )
    .await
    .ok::<Value>(200);
    app.stint.intake.settle().await;
    let purged = stint_core::retention::purge(&app.stint).await.unwrap();
    assert_eq!(purged.deliveries, 1);
    let admin = app.admin_token().await; // the session from a month ago has expired
    // The OAuth state used to connect expired long ago.
    assert_eq!(purged.oauth_states, 1);
    let left: Vec<String> = deliveries(&app, &admin)
        .await
        .iter()
        .map(|d| d["delivery_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["new-1"]);
    // What the deliveries made stays.
    assert_eq!(tasks(&app, &admin).await.len(), 2);
    assert_eq!(
        stint_core::retention::purge(&app.stint).await.unwrap(),
        stint_core::retention::Purged::default()
    );
}

/// A delivery that arrives late (GitHub does not promise order) never undoes a newer one.
#[tokio::test]
async fn an_older_delivery_arriving_after_a_newer_one_changes_nothing() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    deliver_issue(&app, "late-2", "edited", "octo/late", 7, "edited 7", &[]).await;
    app.stint.intake.settle().await;
    deliver_issue(&app, "late-1", "opened", "octo/late", 7, "opened 7", &[]).await;
    app.stint.intake.settle().await;
    let made = tasks(&app, &admin).await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["title"], "edited 7");
}

#[tokio::test]
async fn redeliveries_among_new_deliveries_are_answered_as_duplicates_and_not_applied() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let first =
        serde_json::to_vec(&issue_event("opened", "octocat/Hello-World", 1, "One", &[])).unwrap();
    deliver(&app, "issues", "d-1", &first, WEBHOOK_SECRET)
        .await
        .ok::<Value>(200);
    // GitHub re-sends `d-1` while new deliveries arrive: they share batches with it.
    let mut sends = Vec::new();
    for number in 2..=20u64 {
        sends.push((format!("d-{number}"), opened(number)));
        if number % 6 == 0 {
            sends.push(("d-1".to_owned(), first.clone()));
        }
    }
    let answers = deliver_all(&app, &sends).await;
    for ((id, _), answer) in sends.iter().zip(answers) {
        let expected = if id == "d-1" { "duplicate" } else { "accepted" };
        assert_eq!(answer.ok::<Value>(200)["status"], expected, "{id}");
    }
    app.stint.intake.settle().await;

    let all = tasks(&app, &admin).await;
    assert_eq!(all.len(), 20, "one task per issue: {all:?}");
    let recorded = deliveries(&app, &admin).await;
    assert_eq!(recorded.len(), 20, "each delivery recorded once");
    assert!(
        recorded.iter().all(|d| d["outcome"] == "applied"),
        "{recorded:?}"
    );
}

/// One delivery sent many times at once (GitHub's retry while the first is in flight): copies in
/// one batch, and on PostgreSQL in two batches side by side, where the later batch finds the
/// delivery recorded only as it records its own and goes again one delivery at a time.
#[tokio::test]
async fn one_delivery_sent_many_times_at_once_is_applied_once() {
    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    deliver_issue(
        &app,
        "many-0",
        "opened",
        "octocat/Hello-World",
        1,
        "Issue 1",
        &[],
    )
    .await
    .ok::<Value>(200);
    // The copies edit an issue that has its task already, so nothing else they write (a new
    // task or link) would collide and give them away: only the delivery's record can.
    let edit = serde_json::to_vec(&issue_event(
        "edited",
        "octocat/Hello-World",
        1,
        "Issue 1, edited",
        &[],
    ))
    .unwrap();
    let mut sends = Vec::new();
    for number in 2..=12u64 {
        sends.push((format!("many-{number}"), opened(number)));
        sends.push(("many-1".to_owned(), edit.clone()));
    }
    let answers = deliver_all(&app, &sends).await;
    let mut accepted_copies = 0;
    for ((id, _), answer) in sends.iter().zip(answers) {
        let status = answer.ok::<Value>(200)["status"]
            .as_str()
            .unwrap()
            .to_owned();
        if id == "many-1" {
            assert!(status == "accepted" || status == "duplicate", "{status}");
            accepted_copies += usize::from(status == "accepted");
        } else {
            assert_eq!(status, "accepted", "{id}");
        }
    }
    assert_eq!(
        accepted_copies, 1,
        "one copy is accepted, the others are duplicates"
    );
    app.stint.intake.settle().await;
    assert_eq!(tasks(&app, &admin).await.len(), 12);
    let recorded = deliveries(&app, &admin).await;
    assert_eq!(
        recorded.len(),
        13,
        "each delivery recorded once: {recorded:?}"
    );
    assert!(
        recorded.iter().all(|d| d["outcome"] == "applied"),
        "{recorded:?}"
    );
}

/// Issue octocat/hello-world#7 as its tracker last changed it at 08:`minute` on 5 January.
fn issue_seven(title: &str, minute: u32) -> stint_connectors::ExternalIssue {
    stint_connectors::ExternalIssue {
        container: "octocat/hello-world".into(),
        container_kind: "repository",
        container_url: None,
        reference: "octocat/hello-world#7".into(),
        fallback_title: "Issue #7".into(),
        title: title.into(),
        description: String::new(),
        closed: false,
        labels: vec![],
        assignees: vec![],
        url: None,
        updated_at: Some(
            chrono::DateTime::parse_from_rfc3339(&format!("2026-01-05T08:{minute:02}:00Z"))
                .unwrap()
                .to_utc(),
        ),
    }
}

/// Opens issue 7 as the organisation's GitHub connection sees it, outside any batch.
async fn open_issue_seven(stint: &stint_core::Stint) -> stint_core::issues::Upserted {
    use stint_api_types::providers::ProviderKey;
    use stint_core::issues::{Freshness, TargetKey, apply::load_target, tasks::upsert};
    let key = TargetKey::Organisation(ProviderKey::Github);
    let connector = stint.catalogue.connector(ProviderKey::Github).unwrap();
    let target = load_target(&stint.db, connector, key)
        .await
        .unwrap()
        .unwrap();
    let opened = issue_seven("Opened", 0);
    upsert(
        &stint.db,
        &target,
        &opened,
        Freshness::SkipEqual,
        stint.clock.now(),
    )
    .await
    .unwrap()
}

/// Two changes of one issue applied side by side (two intake workers on PostgreSQL): the older,
/// read while the newer was being written, must not be written over it.
#[tokio::test]
async fn an_older_change_applied_beside_a_newer_one_does_not_overwrite_it() {
    use stint_api_types::providers::ProviderKey;
    use stint_core::issues::apply::load_target;
    use stint_core::issues::{Freshness, TargetKey, Upserted, tasks::upsert};

    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let stint = app.stint.clone();
    let key = TargetKey::Organisation(ProviderKey::Github);
    let connector = stint.catalogue.connector(ProviderKey::Github).unwrap();
    let now = stint.clock.now();
    open_issue_seven(&stint).await;

    let newer = stint.begin_write().await.unwrap();
    let target = load_target(&*newer, connector, key).await.unwrap().unwrap();
    let written = upsert(
        &*newer,
        &target,
        &issue_seven("Newer", 2),
        Freshness::SkipEqual,
        now,
    )
    .await
    .unwrap();
    assert!(matches!(written, Upserted::Updated(_)), "{written:?}");
    let beside = {
        let stint = stint.clone();
        let older = issue_seven("Older", 1);
        tokio::spawn(async move {
            let connector = stint.catalogue.connector(ProviderKey::Github).unwrap();
            let txn = stint.begin_write().await.unwrap();
            let target = load_target(&*txn, connector, key).await.unwrap().unwrap();
            let outcome = upsert(&*txn, &target, &older, Freshness::SkipEqual, now)
                .await
                .unwrap();
            txn.commit().await.unwrap();
            outcome
        })
    };
    // The older change is under way (on PostgreSQL it has read, or waits to read, the link).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    newer.commit().await.unwrap();
    let outcome = beside.await.unwrap();
    assert!(matches!(outcome, Upserted::Stale(_)), "{outcome:?}");
    let all = tasks(&app, &admin).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["title"], "Newer");
}

/// A batch's edits are written with its records (one statement on PostgreSQL): an edit lands, and
/// one whose task went away before the write fails the whole write, so that the intake applies
/// the batch again one delivery at a time instead of losing the edit without a word.
#[tokio::test]
async fn a_batch_writes_its_edits_and_refuses_one_whose_task_is_gone() {
    use sea_orm::EntityTrait;
    use stint_api_types::providers::ProviderKey;
    use stint_core::issues::{Freshness, TargetKey, Upserted, load_batch_target, tasks::upsert};
    use stint_core::webhooks::batch_write;

    let provider = MockServer::start().await;
    let (app, admin) = github_ready(&provider).await;
    let stint = app.stint.clone();
    let key = TargetKey::Organisation(ProviderKey::Github);
    let connector = stint.catalogue.connector(ProviderKey::Github).unwrap();
    let now = stint.clock.now();
    let opened = open_issue_seven(&stint).await;

    // The edit waits in the batch until the write.
    let edited = issue_seven("Edited", 1);
    let txn = stint.begin_write().await.unwrap();
    let target = load_batch_target(&*txn, connector, key, &[&edited], None)
        .await
        .unwrap()
        .target
        .unwrap();
    let written = upsert(&*txn, &target, &edited, Freshness::SkipEqual, now)
        .await
        .unwrap();
    assert_eq!(written, Upserted::Updated(opened.task_id()));
    let stored = stint_entity::task::Entity::find_by_id(opened.task_id())
        .one(&*txn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.title, "Opened");
    batch_write::write(&*txn, target.take_pending(), Vec::new())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(tasks(&app, &admin).await[0]["title"], "Edited");

    // The task is deleted between the batch's read and its write.
    let again = issue_seven("Edited again", 2);
    let txn = stint.begin_write().await.unwrap();
    let target = load_batch_target(&*txn, connector, key, &[&again], None)
        .await
        .unwrap()
        .target
        .unwrap();
    upsert(&*txn, &target, &again, Freshness::SkipEqual, now)
        .await
        .unwrap();
    let deleted = stint_entity::task::Entity::delete_by_id(opened.task_id())
        .exec(&*txn)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected, 1);
    let refused = batch_write::write(&*txn, target.take_pending(), Vec::new()).await;
    assert!(refused.is_err(), "{refused:?}");
    txn.rollback().await.unwrap();
    let after = tasks(&app, &admin).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["title"], "Edited");
}
