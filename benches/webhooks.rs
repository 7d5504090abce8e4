//! Load test of the webhook routes against a release build (`just bench-webhooks`): 10,000 signed
//! GitHub deliveries at concurrency 32 — nine in ten `issues.opened` with distinct numbers, one in
//! ten the careful path (an earlier issue edited, the newer edit sent before the older one, and
//! byte-for-byte re-deliveries) — then 10,000 `/tt status` slash commands from a member whose
//! timer runs, every reply checked to name its project; on SQLite, then PostgreSQL. Afterwards
//! every issue must be exactly one task with its newest title. On PostgreSQL, pgbench then runs an
//! insert-only script on the same database (32 clients, 10 s) and the delivery rate is printed as
//! a share of its rate. Prints req/s, p50, p99, errors and the server's memory, and the CPU time a
//! delivery took (the machine's, and PostgreSQL's, the server's and this client's parts of it)
//! beside what a pgbench insert took: a rate swings with the host's load, the work per unit less.
//!
//!   just bench-webhooks
//!   BENCH_DATABASES=sqlite BENCH_REQUESTS=20000 just bench-webhooks

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stint_providers::github::signature::sign as github_signature;
use stint_providers::slack::signature::sign as slack_signature;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONCURRENCY: usize = 32;
const WEBHOOK_SECRET: &str = "bench-webhook-secret";
const SIGNING_SECRET: &str = "bench-slack-signing-secret";
const ADMIN_EMAIL: &str = "bench@example.com";
const ADMIN_PASSWORD: &str = "bench-password";

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[path = "cpu_time.rs"]
mod cpu_time;
#[path = "table_row.rs"]
mod table_row;

/// The member whose `/tt status` is asked, and the project their timer runs on.
const MEMBER_EMAIL: &str = "slack@example.com";
const MEMBER_PASSWORD: &str = "slack-member-password";
const PROJECT: &str = "Bench Project";
/// A careful delivery refers to an issue opened this many requests before it, far more than are
/// ever in flight at once, so the issue exists when its edit arrives.
const LAG: usize = 500;

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

/// A session token for this account.
async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<String, Failure> {
    let answer = json_call(
        client,
        client
            .post(format!("{base}/api/auth/login"))
            .json(&json!({ "email": email, "password": password })),
    )
    .await?;
    Ok(answer["access_token"]
        .as_str()
        .ok_or("no token")?
        .to_owned())
}

/// Signs in, connects GitHub for the organisation through the fake GitHub, and makes a member
/// Slack knows. Returns the admin's session.
async fn set_up(server: &Server) -> Result<String, Failure> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = &server.base;
    let admin = sign_in(&client, base, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
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
            .json(&json!({ "email": MEMBER_EMAIL, "password": MEMBER_PASSWORD })),
    )
    .await?;
    let id = member["id"].as_str().ok_or("no id")?;
    json_call(
        &client,
        client
            .put(format!("{base}/api/admin/users/{id}/identities/slack"))
            .bearer_auth(&admin)
            .json(&json!({ "handle": "U2147483697" })),
    )
    .await?;
    // The member's timer runs on a project, so every `/tt status` reply has something to name.
    let project = json_call(
        &client,
        client
            .post(format!("{base}/api/projects"))
            .bearer_auth(&admin)
            .json(&json!({ "name": PROJECT })),
    )
    .await?;
    let member_token = sign_in(&client, base, MEMBER_EMAIL, MEMBER_PASSWORD).await?;
    json_call(
        &client,
        client
            .post(format!("{base}/api/timer/start"))
            .bearer_auth(&member_token)
            .json(&json!({ "project_id": project["id"] })),
    )
    .await?;
    Ok(admin)
}

/// GitHub's `issues` payload for one issue of the bench repository.
fn issue(action: &str, number: usize, title: &str, updated_at: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "action": action,
        "issue": {
            "url": format!("https://api.github.com/repos/octocat/Hello-World/issues/{number}"),
            "html_url": format!("https://github.com/octocat/Hello-World/issues/{number}"),
            "id": number, "node_id": "MDU6SXNzdWUx", "number": number,
            "title": title,
            "user": { "login": "octocat", "id": 1, "type": "User" },
            "labels": [{ "id": 208_045_946, "name": "bug", "color": "f29513", "default": true }],
            "state": "open", "locked": false, "assignee": null, "assignees": [],
            "milestone": null, "comments": 0,
            "created_at": "2026-01-05T08:00:00Z", "updated_at": updated_at,
            "closed_at": null, "author_association": "OWNER", "body": "I'm having a problem with this."
        },
        "changes": if action == "edited" { json!({ "title": { "from": format!("Bench issue {number}") } }) } else { json!({}) },
        "repository": {
            "id": 1_296_269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": "Hello-World",
            "full_name": "octocat/Hello-World", "private": false,
            "owner": { "login": "octocat", "id": 1, "type": "User" }
        },
        "sender": { "login": "octocat", "id": 1, "type": "User" }
    }))
    .unwrap_or_default()
}

/// The deliveries to send, in order, and the title each issue must end with.
struct Deliveries {
    /// (delivery id, body); a re-delivery repeats an earlier pair byte for byte.
    sent: Vec<(String, Vec<u8>)>,
    titles: BTreeMap<usize, String>,
    careful: usize,
}

fn deliveries(total: usize) -> Deliveries {
    let mut sent: Vec<(String, Vec<u8>)> = Vec::with_capacity(total);
    let mut titles = BTreeMap::new();
    let (mut opened, mut careful) = (0usize, 0usize);
    let mut edited_newer: Vec<usize> = Vec::new();
    for i in 0..total {
        let id = uuid::Uuid::new_v4().to_string();
        if i % 10 == 9 && sent.len() > LAG {
            careful += 1;
            let target = opened.saturating_sub(LAG / 10 * 9).max(1);
            match careful % 3 {
                // The newer edit first…
                0 => {
                    let title = format!("Bench issue {target} (edited twice)");
                    sent.push((id, issue("edited", target, &title, "2026-01-05T08:02:00Z")));
                    titles.insert(target, title);
                    edited_newer.push(target);
                }
                // …then the older one, which must change nothing.
                1 if !edited_newer.is_empty() => {
                    let target = edited_newer[edited_newer.len() - 1];
                    let title = format!("Bench issue {target} (edited once)");
                    sent.push((id, issue("edited", target, &title, "2026-01-05T08:01:00Z")));
                }
                // A delivery GitHub sends again, same id and bytes.
                _ => sent.push(sent[sent.len() - LAG].clone()),
            }
        } else {
            opened += 1;
            let title = format!("Bench issue {opened}");
            sent.push((id, issue("opened", opened, &title, "2026-01-05T08:00:00Z")));
            titles.insert(opened, title);
        }
    }
    Deliveries {
        sent,
        titles,
        careful,
    }
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

    fn rate(&self) -> f64 {
        self.latencies_us.len() as f64 / self.seconds
    }

    fn row(&self, benchmark: &str, database: &str, rss_mb: u64) {
        table_row::write(table_row::Row {
            benchmark,
            database,
            rate: format!("{} req/s", table_row::thousands(self.rate())),
            p50: format!("{:.2} ms", self.percentile(0.50)),
            p99: format!("{:.2} ms", self.percentile(0.99)),
            errors: self.errors,
            rss_mb,
        });
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

/// Sends every request once, `CONCURRENCY` at a time; an answer that is not a success, or whose
/// body `check` refuses, counts as an error.
async fn blast(
    requests: Arc<Vec<reqwest::Request>>,
    client: reqwest::Client,
    check: fn(&[u8]) -> bool,
) -> Run {
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
                        if !response.bytes().await.is_ok_and(|body| check(&body)) {
                            errors += 1;
                        }
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

async fn task_titles(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
) -> Result<Vec<String>, Failure> {
    let mut titles = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/tasks?limit=200");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = json_call(client, client.get(url).bearer_auth(admin)).await?;
        for task in page["items"].as_array().into_iter().flatten() {
            titles.push(task["title"].as_str().unwrap_or_default().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(titles),
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

    let plan = deliveries(total);
    let requests: Vec<reqwest::Request> = plan
        .sent
        .iter()
        .map(|(id, body)| {
            client
                .post(format!("{base}/api/integrations/github/webhook"))
                .header("content-type", "application/json")
                .header("x-github-event", "issues")
                .header("x-github-delivery", id)
                .header(
                    "x-hub-signature-256",
                    github_signature(WEBHOOK_SECRET, body),
                )
                .body(body.clone())
                .build()
        })
        .collect::<Result<_, _>>()?;
    let cpu_before = cpu_time::Snapshot::take(server.child.id());
    let webhooks = blast(Arc::new(requests), client.clone(), |_| true).await;
    let cpu_after = cpu_time::Snapshot::take(server.child.id());
    let sent = webhooks.latencies_us.len();
    let delivery_cpu = cpu_after.machine_us_per(&cpu_before, sent);
    let (postgres_cpu, server_cpu, client_cpu) = cpu_after.parts_us_per(&cpu_before, sent);

    // Deliveries are applied before they are answered; this wait only guards against a change.
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
    let mut found = task_titles(&client, &base, &admin).await?;
    found.sort();
    let mut expected: Vec<String> = plan.titles.values().cloned().collect();
    expected.sort();
    let wrong = found.len().abs_diff(expected.len())
        + found.iter().zip(&expected).filter(|(f, e)| f != e).count();
    let (rss_webhooks, _) = server.memory();
    let pgbench = if database == "postgres" {
        Some(pgbench().await?)
    } else {
        None
    };

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
    let names_project = |body: &[u8]| {
        body.windows(PROJECT.len())
            .any(|window| window == PROJECT.as_bytes())
    };
    let status = blast(Arc::new(commands), client.clone(), names_project).await;
    let (rss, peak) = server.memory();

    println!("== {database} ==");
    println!("{}", webhooks.line("issues.*"));
    println!(
        "  {} deliveries, {} of them the careful path (edits out of order, re-deliveries); {} issues; tasks {} with {} wrong{}",
        plan.sent.len(),
        plan.careful,
        expected.len(),
        found.len(),
        wrong,
        if wrong == 0 { "" } else { "  <-- MISMATCH" }
    );
    let delivery_rate = webhooks.rate();
    let postgres_part = if database == "postgres" {
        format!("PostgreSQL {postgres_cpu:.0}, ")
    } else {
        String::new()
    };
    println!(
        "  CPU per delivery: {delivery_cpu:.0} µs of the machine's ({postgres_part}server {server_cpu:.0}, this client {client_cpu:.0})"
    );
    if let Some(Pgbench { tps, insert_cpu }) = pgbench {
        println!(
            "  pgbench (insert-only, 32 clients, same database): {tps:.0} inserts/s; deliveries are {:.0}% of it",
            delivery_rate / tps * 100.0
        );
        println!(
            "  pgbench's CPU per insert: {insert_cpu:.0} µs of the machine's; a delivery costs {:.1} inserts' CPU ({:.0}% of pgbench's rate at equal CPU)",
            delivery_cpu / insert_cpu,
            insert_cpu / delivery_cpu * 100.0
        );
    }
    println!("{}", status.line("/tt status"));
    println!("  every reply checked to name the running timer's project ({PROJECT})");
    println!(
        "  server RSS {rss_webhooks} MB after the deliveries, {rss} MB at the end, peak {peak} MB"
    );
    let database_name = if database == "postgres" {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let deliveries_name = match pgbench {
        Some(Pgbench { tps, .. }) => format!(
            "GitHub deliveries, 10% edits/re-deliveries ({:.0}% of pgbench's {} inserts/s)",
            delivery_rate / tps * 100.0,
            table_row::thousands(tps)
        ),
        None => "GitHub deliveries, 10% edits/re-deliveries".to_owned(),
    };
    webhooks.row(&deliveries_name, database_name, rss_webhooks);
    status.row("`/tt status`, replies checked", database_name, rss);
    if wrong != 0 {
        return Err(format!("{wrong} tasks differ from the issues sent").into());
    }
    if status.errors != 0 || webhooks.errors != 0 {
        return Err("requests failed or replies were wrong".into());
    }
    Ok(())
}

/// pgbench's rate, and the machine's CPU time per insert while it ran.
#[derive(Clone, Copy)]
struct Pgbench {
    tps: f64,
    insert_cpu: f64,
}

/// pgbench on the bench's database: 32 clients inserting one row each transaction for 10 s.
async fn pgbench() -> Result<Pgbench, Failure> {
    use sea_orm::ConnectionTrait;
    let base = std::env::var("STINT_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    let url = format!("{base}/stint_bench_webhooks?sslmode=disable");
    let db = sea_orm::Database::connect(&url).await?;
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS bench_inserts (id bigserial PRIMARY KEY, body text NOT NULL)",
    )
    .await?;
    db.close().await?;
    let script = tempfile::NamedTempFile::new()?;
    std::fs::write(
        script.path(),
        "INSERT INTO bench_inserts (body) VALUES ('delivery');\n",
    )?;
    let busy_before = cpu_time::machine_busy();
    let output = Command::new("pgbench")
        .args(["-n", "-c", "32", "-j", "2", "-T", "10", "-f"])
        .arg(script.path())
        .arg(&url)
        .output()?;
    let busy = cpu_time::machine_busy().saturating_sub(busy_before);
    let text = String::from_utf8_lossy(&output.stdout);
    let number = |prefix: &str| {
        text.lines().find_map(|line| {
            line.strip_prefix(prefix)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse::<f64>().ok())
        })
    };
    match (
        number("tps = "),
        number("number of transactions actually processed: "),
    ) {
        (Some(tps), Some(inserts)) if inserts >= 1.0 => Ok(Pgbench {
            tps,
            insert_cpu: cpu_time::per(busy, inserts as usize),
        }),
        _ => Err(format!(
            "pgbench printed no rate: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into()),
    }
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
