//! Load test of the webhook routes against a release build (`just bench-webhooks`): 10,000 signed
//! GitHub `issues.opened` deliveries with distinct issue numbers at concurrency 32, then 10,000
//! `/tt status` slash commands; on SQLite, then PostgreSQL. Prints req/s, p50, p99, errors, the
//! tasks created (must equal the deliveries), how long applying took, and the server's memory.
//!
//!   just bench-webhooks
//!   BENCH_DATABASES=sqlite BENCH_REQUESTS=20000 just bench-webhooks

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stint_core::webhooks::signature::{github_signature, slack_signature};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONCURRENCY: usize = 32;
const WEBHOOK_SECRET: &str = "bench-webhook-secret";
const SIGNING_SECRET: &str = "bench-slack-signing-secret";
const ADMIN_EMAIL: &str = "bench@example.com";
const ADMIN_PASSWORD: &str = "bench-password";

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .unwrap_or(0)
                / 1024
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

fn free_port() -> Result<u16, Failure> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn database_url(database: &str, dir: &std::path::Path) -> Result<String, Failure> {
    match database {
        "sqlite" => Ok(format!("sqlite://{}/stint.db?mode=rwc", dir.display())),
        "postgres" => {
            use sea_orm::ConnectionTrait;
            let base = std::env::var("STINT_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
            let admin = sea_orm::Database::connect(format!("{base}/postgres")).await?;
            admin
                .execute_unprepared("DROP DATABASE IF EXISTS stint_bench_webhooks WITH (FORCE)")
                .await?;
            admin
                .execute_unprepared("CREATE DATABASE stint_bench_webhooks")
                .await?;
            admin.close().await?;
            // The database is on this host: TLS over loopback would only cost CPU.
            Ok(format!("{base}/stint_bench_webhooks?sslmode=disable"))
        }
        other => Err(format!("unknown database {other}").into()),
    }
}

async fn start(database: &str, github: &MockServer) -> Result<Server, Failure> {
    let binary = std::env::current_exe()?
        .parent()
        .and_then(|examples| examples.parent())
        .map(|release| release.join("stint"))
        .ok_or("cannot find the stint binary")?;
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let url = database_url(database, dir.path()).await?;
    let gh = github.uri();
    let child = Command::new(binary)
        .arg("serve")
        .env("STINT_DATA_DIR", dir.path())
        .env("STINT_DATABASE_URL", url)
        .env("STINT_LISTEN", format!("127.0.0.1:{port}"))
        .env("STINT_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("STINT_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env(
            "STINT_PROVIDER_GITHUB_AUTHORIZE_URL",
            format!("{gh}/login/oauth/authorize"),
        )
        .env(
            "STINT_PROVIDER_GITHUB_TOKEN_URL",
            format!("{gh}/login/oauth/access_token"),
        )
        .env("STINT_PROVIDER_GITHUB_API_BASE", &gh)
        .env("STINT_PROVIDER_GITHUB_CLIENT_ID", "bench-client")
        .env("STINT_PROVIDER_GITHUB_CLIENT_SECRET", "bench-client-secret")
        .env("STINT_PROVIDER_GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("STINT_PROVIDER_SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env(
            "RUST_LOG",
            std::env::var("BENCH_SERVER_RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .stderr(match std::env::var_os("BENCH_SERVER_LOG") {
            Some(file) => Stdio::from(std::fs::File::create(file)?),
            None => Stdio::null(),
        })
        .spawn()?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the server did not become ready".into())
}

async fn json_call(
    client: &reqwest::Client,
    request: reqwest::RequestBuilder,
) -> Result<Value, Failure> {
    let response = client.execute(request.build()?).await?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Signs in, connects GitHub for the organisation through the fake GitHub, and makes a member
/// Slack knows. Returns the admin's session.
async fn set_up(server: &Server) -> Result<String, Failure> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = &server.base;
    let login = json_call(
        &client,
        client
            .post(format!("{base}/api/auth/login"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD })),
    )
    .await?;
    let admin = login["access_token"].as_str().ok_or("no token")?.to_owned();
    let started = json_call(
        &client,
        client
            .get(format!(
                "{base}/api/integrations/github/connect?scope=global"
            ))
            .bearer_auth(&admin),
    )
    .await?;
    let url = url::Url::parse(started["authorization_url"].as_str().ok_or("no url")?)?;
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .ok_or("no state")?
        .1
        .into_owned();
    let callback = client
        .get(format!(
            "{base}/api/integrations/github/callback?code=bench&state={state}"
        ))
        .send()
        .await?;
    let location = callback
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if location != "/integrations?connected=github" {
        return Err(format!("connecting GitHub failed: {location}").into());
    }
    let member = json_call(
        &client,
        client
            .post(format!("{base}/api/admin/users"))
            .bearer_auth(&admin)
            .json(&json!({ "email": "slack@example.com", "password": "slack-member-password" })),
    )
    .await?;
    let id = member["id"].as_str().ok_or("no id")?;
    json_call(
        &client,
        client
            .patch(format!("{base}/api/admin/users/{id}"))
            .bearer_auth(&admin)
            .json(&json!({ "slack_user_id": "U2147483697" })),
    )
    .await?;
    Ok(admin)
}

fn opened(number: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "action": "opened",
        "issue": {
            "url": format!("https://api.github.com/repos/octocat/Hello-World/issues/{number}"),
            "html_url": format!("https://github.com/octocat/Hello-World/issues/{number}"),
            "id": number, "node_id": "MDU6SXNzdWUx", "number": number,
            "title": format!("Bench issue {number}"),
            "user": { "login": "octocat", "id": 1, "type": "User" },
            "labels": [{ "id": 208_045_946, "name": "bug", "color": "f29513", "default": true }],
            "state": "open", "locked": false, "assignee": null, "assignees": [],
            "milestone": null, "comments": 0,
            "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-05T08:00:00Z",
            "closed_at": null, "author_association": "OWNER", "body": "I'm having a problem with this."
        },
        "repository": {
            "id": 1_296_269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": "Hello-World",
            "full_name": "octocat/Hello-World", "private": false,
            "owner": { "login": "octocat", "id": 1, "type": "User" }
        },
        "sender": { "login": "octocat", "id": 1, "type": "User" }
    }))
    .unwrap_or_default()
}

struct Run {
    seconds: f64,
    latencies_us: Vec<u64>,
    errors: usize,
}

impl Run {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let index = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[index] as f64 / 1000.0
    }

    fn line(&self, name: &str) -> String {
        let total = self.latencies_us.len();
        format!(
            "{name:<16} {:>6.0} req/s   p50 {:>6.2} ms   p90 {:>6.2} ms   p99 {:>6.2} ms   max {:>7.2} ms   errors {}/{}",
            total as f64 / self.seconds,
            self.percentile(0.50),
            self.percentile(0.90),
            self.percentile(0.99),
            self.percentile(1.0),
            self.errors,
            total
        )
    }
}

/// Sends every request once, `CONCURRENCY` at a time.
async fn blast(requests: Arc<Vec<reqwest::Request>>, client: reqwest::Client) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (next, requests, client) = (next.clone(), requests.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(request) = requests.get(i).and_then(|r| r.try_clone()) else {
                    return (latencies, errors);
                };
                let sent = Instant::now();
                match client.execute(request).await {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                    }
                    _ => errors += 1,
                }
                latencies.push(sent.elapsed().as_micros() as u64);
            }
        }));
    }
    let mut run = Run {
        seconds: 0.0,
        latencies_us: Vec::new(),
        errors: 0,
    };
    for worker in workers {
        if let Ok((latencies, errors)) = worker.await {
            run.latencies_us.extend(latencies);
            run.errors += errors;
        }
    }
    run.seconds = started.elapsed().as_secs_f64();
    run.latencies_us.sort_unstable();
    run
}

async fn count_tasks(client: &reqwest::Client, base: &str, admin: &str) -> Result<usize, Failure> {
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/tasks?limit=200");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = json_call(client, client.get(url).bearer_auth(admin)).await?;
        count += page["items"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(count),
        }
    }
}

async fn bench(database: &str, total: usize) -> Result<(), Failure> {
    let github = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "gho_bench", "scope": "repo,read:user", "token_type": "bearer"
        })))
        .mount(&github)
        .await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "login": "octocat", "id": 1 })),
        )
        .mount(&github)
        .await;
    let server = start(database, &github).await?;
    let admin = set_up(&server).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()?;
    let base = server.base.clone();

    let deliveries: Vec<reqwest::Request> = (1..=total)
        .map(|number| {
            let body = opened(number);
            client
                .post(format!("{base}/api/integrations/github/webhook"))
                .header("content-type", "application/json")
                .header("x-github-event", "issues")
                .header("x-github-delivery", uuid::Uuid::new_v4().to_string())
                .header(
                    "x-hub-signature-256",
                    github_signature(WEBHOOK_SECRET, &body),
                )
                .body(body)
                .build()
        })
        .collect::<Result<_, _>>()?;
    let webhooks = blast(Arc::new(deliveries), client.clone()).await;

    // Deliveries are applied in the background: wait until none is left queued.
    let applying = Instant::now();
    loop {
        let queued = json_call(
            &client,
            client
                .get(format!(
                    "{base}/api/admin/webhook-deliveries?outcome=queued&limit=1"
                ))
                .bearer_auth(&admin),
        )
        .await?;
        if queued["items"].as_array().is_none_or(Vec::is_empty) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained_after = applying.elapsed().as_secs_f64();
    let tasks = count_tasks(&client, &base, &admin).await?;
    let (rss_webhooks, _) = server.memory();

    let timestamp = chrono::Utc::now().timestamp();
    let commands: Vec<reqwest::Request> = (0..total)
        .map(|i| {
            let body = format!(
                "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_id=C2147483705\
                 &channel_name=test&user_id=U2147483697&user_name=Steve&command=/tt&text=status\
                 &response_url=https://hooks.slack.com/commands/1234/5678&trigger_id=13345224609.{i}.bench"
            );
            client
                .post(format!("{base}/api/integrations/slack/commands"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-slack-request-timestamp", timestamp.to_string())
                .header(
                    "x-slack-signature",
                    slack_signature(SIGNING_SECRET, timestamp, body.as_bytes()),
                )
                .body(body)
                .build()
        })
        .collect::<Result<_, _>>()?;
    let status = blast(Arc::new(commands), client.clone()).await;
    let (rss, peak) = server.memory();

    println!("== {database} ==");
    println!("{}", webhooks.line("issues.opened"));
    println!(
        "  applied in the background within {drained_after:.2} s after the last answer; tasks created {tasks} of {total}{}",
        if tasks == total { "" } else { "  <-- MISMATCH" }
    );
    println!("{}", status.line("/tt status"));
    println!(
        "  server RSS {rss_webhooks} MB after the deliveries, {rss} MB at the end, peak {peak} MB"
    );
    if tasks != total {
        return Err(format!("{tasks} tasks for {total} deliveries").into());
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Failure> {
    let total: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let databases =
        std::env::var("BENCH_DATABASES").unwrap_or_else(|_| "sqlite postgres".to_owned());
    for database in databases.split_whitespace() {
        bench(database, total).await?;
    }
    Ok(())
}
