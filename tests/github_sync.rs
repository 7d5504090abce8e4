//! Manual GitHub sync against a fake GitHub: `Link` pagination, pull requests skipped, rate limits
//! waited out, re-runs idempotent and incremental, one failing repository not stopping the rest.

use serde_json::{Value, json};
use stint_test_support::TestApp;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::github_webhooks::github_ready;

pub(crate) fn issue(repo: &str, number: u64, updated: &str, pull_request: bool) -> Value {
    let mut issue = json!({
        "url": format!("https://api.github.com/repos/{repo}/issues/{number}"),
        "html_url": format!("https://github.com/{repo}/issues/{number}"),
        "id": number, "node_id": "MDU6SXNzdWUx", "number": number,
        "title": format!("Issue {number}"),
        "user": { "login": "octocat", "id": 1 },
        "labels": [{ "id": 1, "name": "bug", "color": "f29513", "default": true }],
        "state": "open", "locked": false, "assignee": null, "assignees": [],
        "comments": 0, "created_at": "2026-01-01T00:00:00Z", "updated_at": updated,
        "closed_at": null, "author_association": "OWNER", "body": "Details"
    });
    if pull_request {
        issue["pull_request"] = json!({
            "url": format!("https://api.github.com/repos/{repo}/pulls/{number}"),
            "html_url": format!("https://github.com/{repo}/pull/{number}")
        });
    }
    issue
}

fn page(base: &str, items: Vec<Value>, next: Option<u32>, remaining: u32) -> ResponseTemplate {
    let mut response = ResponseTemplate::new(200)
        .set_body_json(items)
        .insert_header("x-ratelimit-limit", "5000")
        .insert_header("x-ratelimit-remaining", remaining.to_string().as_str())
        .insert_header("x-ratelimit-reset", "1767604000");
    if let Some(next) = next {
        response = response.insert_header(
            "link",
            format!(
                "<{base}/repos/octocat/hello-world/issues?state=open&per_page=100&page={next}>; rel=\"next\", \
                 <{base}/repos/octocat/hello-world/issues?state=open&per_page=100&page=3>; rel=\"last\""
            )
            .as_str(),
        );
    }
    response
}

async fn mount_pages(github: &MockServer) {
    let base = github.uri();
    let repo = "octocat/hello-world";
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues"))
        .and(query_param_is_missing("page"))
        .and(query_param("state", "open"))
        .and(query_param("per_page", "100"))
        .and(header(
            "authorization",
            "Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a",
        ))
        .respond_with(page(
            &base,
            vec![
                issue(repo, 1, "2026-01-02T00:00:00Z", false),
                issue(repo, 2, "2026-01-02T00:00:00Z", true),
                issue(repo, 3, "2026-01-02T00:00:00Z", false),
            ],
            Some(2),
            4999,
        ))
        .mount(github)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues"))
        .and(query_param("page", "2"))
        .respond_with(page(
            &base,
            vec![
                issue(repo, 4, "2026-01-03T00:00:00Z", false),
                issue(repo, 5, "2026-01-03T00:00:00Z", false),
            ],
            Some(3),
            4998,
        ))
        .mount(github)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues"))
        .and(query_param("page", "3"))
        .respond_with(page(
            &base,
            vec![issue(repo, 6, "2026-01-04T00:00:00Z", false)],
            None,
            4997,
        ))
        .mount(github)
        .await;
}

async fn task_count(app: &TestApp, admin: &str) -> usize {
    let page: Value = app.get("/api/tasks?limit=200", admin).await.ok(200);
    page["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn sync_follows_pages_skips_pull_requests_and_is_idempotent() {
    let github = MockServer::start().await;
    let (app, admin) = github_ready(&github).await;
    let (_, member) = app.member("m@example.com").await;
    app.post("/api/integrations/github/sync", &admin, &json!({}))
        .await
        .problem(400, "validation_failed");
    app.put(
        "/api/integrations/github/config?scope=global",
        &admin,
        &json!({ "repositories": ["octocat/Hello-World", "octocat/gone"] }),
    )
    .await
    .ok::<Value>(200);
    mount_pages(&github).await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/gone/issues"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "Not Found", "documentation_url": "https://docs.github.com/rest/issues/issues#list-repository-issues", "status": "404"
        })))
        .mount(&github)
        .await;
    app.post("/api/integrations/github/sync", &member, &json!({}))
        .await
        .problem(403, "forbidden");

    let run = app.run_sync("github", &admin).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(run["created"], 5, "{run}");
    assert_eq!(run["skipped"], 1, "the pull request");
    assert!(
        run["error"].as_str().unwrap().contains("octocat/gone"),
        "{run}"
    );
    assert_eq!(task_count(&app, &admin).await, 5);

    // Again: nothing new, and only what changed since the last run is asked for.
    let again = app.run_sync("github", &admin).await;
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(task_count(&app, &admin).await, 5);
    let requests = github.received_requests().await.unwrap();
    let first_pages: Vec<_> = requests
        .iter()
        .filter(|r| {
            r.url.path() == "/repos/octocat/hello-world/issues"
                && r.url.query_pairs().all(|(k, _)| k != "page")
        })
        .collect();
    assert_eq!(first_pages.len(), 2);
    assert!(first_pages[0].url.query_pairs().all(|(k, _)| k != "since"));
    assert!(
        first_pages[1]
            .url
            .query_pairs()
            .any(|(k, v)| k == "since" && v == "2026-01-05T09:00:00Z")
    );

    let runs: Vec<Value> = app
        .get("/api/integrations/github/sync-runs", &admin)
        .await
        .ok(200);
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["id"], again["id"]);
    app.get(
        &format!("/api/sync-runs/{}", run["id"].as_str().unwrap()),
        &member,
    )
    .await
    .problem(404, "not_found");
}

#[tokio::test]
async fn sync_waits_out_a_rate_limit() {
    let github = MockServer::start().await;
    let (app, admin) = github_ready(&github).await;
    app.put(
        "/api/integrations/github/config?scope=global",
        &admin,
        &json!({ "repositories": ["octocat/hello-world"] }),
    )
    .await
    .ok::<Value>(200);
    // The second page is refused once: no requests left, retry after a second.
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("retry-after", "1")
                .set_body_json(json!({ "message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&github)
        .await;
    mount_pages(&github).await;

    let run = app.run_sync("github", &admin).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["created"], 5);
    let page_two = github
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.query_pairs().any(|(k, v)| k == "page" && v == "2"))
        .count();
    assert_eq!(page_two, 2);
}

#[tokio::test]
async fn the_hourly_catch_up_syncs_each_webhook_driven_connection() {
    use stint_core::jobs::Schedule;
    let github = MockServer::start().await;
    let (app, admin) = github_ready(&github).await;
    app.put(
        "/api/integrations/github/config?scope=global",
        &admin,
        &json!({ "repositories": ["octocat/Hello-World"] }),
    )
    .await
    .ok::<Value>(200);
    mount_pages(&github).await;
    let mut finished = app.stint.finished_syncs.subscribe();
    let at = "2026-01-05T09:15:00Z".parse().unwrap();
    assert_eq!(
        stint_worker::jobs::tick(&app.stint, Schedule::CatchUp, at)
            .await
            .unwrap(),
        1
    );
    // Polled sources only: GitHub is not one.
    assert_eq!(
        stint_worker::jobs::tick(&app.stint, Schedule::CalendarSync, at)
            .await
            .unwrap(),
        0
    );
    finished.recv().await.unwrap();
    let runs: Vec<Value> = app
        .get("/api/integrations/github/sync-runs", &admin)
        .await
        .ok(200);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["trigger"], "schedule");
    assert_eq!(runs[0]["status"], "succeeded", "{:?}", runs[0]);
    assert_eq!(task_count(&app, &admin).await, 5);
}

#[tokio::test]
async fn a_worker_killed_mid_sync_leaves_the_run_to_another_that_duplicates_nothing() {
    let github = MockServer::start().await;
    let (mut app, admin) = github_ready(&github).await;
    drop(app.worker.take());
    app.put(
        "/api/integrations/github/config?scope=global",
        &admin,
        &json!({ "repositories": ["octocat/Hello-World"] }),
    )
    .await
    .ok::<Value>(200);
    // The first worker to ask for page 2 waits for a minute: it is killed meanwhile.
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(std::time::Duration::from_secs(60)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&github)
        .await;
    mount_pages(&github).await;
    let base = github.uri();
    let env = [
        ("STINT_PROVIDER_GITHUB_API_BASE", base.as_str()),
        ("STINT_WORKER_HEARTBEAT", "1s"),
    ];
    let mut first = app.spawn_worker_process(&env, false);
    let started: Value = app
        .post("/api/integrations/github/sync", &admin, &json!({}))
        .await
        .ok(202);
    let id = started["sync_run_id"].as_str().unwrap().to_owned();
    let asked = |page: &'static str| {
        let github = &github;
        async move {
            github
                .received_requests()
                .await
                .unwrap()
                .iter()
                .filter(|r| {
                    r.url.path() == "/repos/octocat/hello-world/issues"
                        && match page {
                            "1" => r.url.query_pairs().all(|(k, _)| k != "page"),
                            p => r.url.query_pairs().any(|(k, v)| k == "page" && v == p),
                        }
                })
                .count()
        }
    };
    for _ in 0..300 {
        if asked("2").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        asked("2").await,
        1,
        "the first worker never reached page 2: {}",
        first.log()
    );
    first.kill();
    let run: Value = app
        .get(&format!("/api/sync-runs/{id}"), &admin)
        .await
        .ok(200);
    assert_eq!(run["status"], "running", "{run}");
    // A running sync shows how far it got: page 1's three items (one a pull request, skipped).
    assert_eq!(
        (run["done"].as_i64(), run["skipped"].as_i64()),
        (Some(3), Some(1)),
        "{run}"
    );
    assert_eq!(task_count(&app, &admin).await, 2, "page 1 was applied");

    let second = app.spawn_worker_process(&env, false);
    let mut run = Value::Null;
    for _ in 0..600 {
        run = app
            .get(&format!("/api/sync-runs/{id}"), &admin)
            .await
            .ok(200);
        if run["status"] != "running" && run["status"] != "queued" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(run["status"], "succeeded", "{run}\n{}", second.log());
    assert_eq!(task_count(&app, &admin).await, 5, "nothing duplicated");
    // The retry resumed after the last page applied (its cursor was saved with it).
    assert_eq!(asked("1").await, 1);
    assert!(second.terminate().await);
}
