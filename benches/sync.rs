//! Benchmark of calendar import (`just bench-sync`), in one process against a release build:
//! a fake Google Calendar serves 100 members their events in pages of 50 (200 each by default,
//! or the number given as the first argument); every member's sync is queued for the worker
//! at once, as the schedule does. Then an incremental run in which 1% of the events changed.
//! Printed: events imported per second, wall time, requests made, what the incremental run
//! touched, and the process's peak memory (run it at 10× the events to compare).
//!
//!   just bench-sync
//!   cargo run --release -q --example bench-sync -- 2000

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use stint_api_types::webhooks::SyncTrigger;
use stint_connectors::Secret;
use stint_connectors::TokenGrant;
use stint_core::{Clock, Config, Stint};
use stint_entity::{integration, sync_run, time_entry, user};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MEMBERS: usize = 100;
const PAGE: usize = 50;
/// One event in a hundred changes before the incremental run.
const CHANGED_EVERY: usize = 100;

#[path = "table_row.rs"]
mod table_row;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Google's `events.list` for every member, told apart by their access token.
struct FakeGoogle {
    events: usize,
    now: DateTime<Utc>,
    requests: Arc<AtomicUsize>,
}

impl FakeGoogle {
    fn event(&self, member: usize, index: usize, moved: bool) -> Value {
        // Half-hour events every 35 minutes from six days back; all over before `now`.
        let spacing = (6 * 24 * 60 - 60) / self.events.max(1);
        let start = self.now - chrono::Duration::days(6)
            + chrono::Duration::minutes((index * spacing) as i64 + if moved { 5 } else { 0 });
        let end = start + chrono::Duration::minutes(spacing.clamp(2, 30) as i64);
        let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        json!({
            "kind": "calendar#event",
            "etag": format!("\"{}{}\"", 3_181_161_784_712_000u64 + index as u64, u8::from(moved)),
            "id": format!("m{member}e{index}"),
            "status": "confirmed",
            "htmlLink": format!("https://www.google.com/calendar/event?eid=m{member}e{index}"),
            "summary": format!("Meeting {index}"),
            "start": { "dateTime": at(start), "timeZone": "UTC" },
            "end": { "dateTime": at(end), "timeZone": "UTC" },
            "organizer": { "email": "bench@example.com", "self": true }
        })
    }
}

impl Respond for FakeGoogle {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let member: usize = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ya29.bench-"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(usize::MAX);
        let query = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let (items, next_page, next_sync): (Vec<Value>, Option<String>, Option<String>) =
            if let Some(token) = query("syncToken") {
                // What changed since the full listing: every hundredth event moved.
                let items = if token.ends_with("-full") {
                    (0..self.events)
                        .step_by(CHANGED_EVERY)
                        .map(|i| self.event(member, i, true))
                        .collect()
                } else {
                    Vec::new()
                };
                (items, None, Some(format!("s{member}-changes")))
            } else {
                let from = query("timeMin")
                    .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                    .map_or(self.now, |t| t.to_utc());
                if from > self.now - chrono::Duration::days(1) {
                    // The sweep of the minutes since the last run: nothing ended in them.
                    (Vec::new(), None, None)
                } else {
                    let page: usize = query("pageToken")
                        .and_then(|p| p.strip_prefix('p')?.parse().ok())
                        .unwrap_or(0);
                    let first = page * PAGE;
                    let last = (first + PAGE).min(self.events);
                    let items = (first..last)
                        .map(|i| self.event(member, i, false))
                        .collect();
                    if last < self.events {
                        (items, Some(format!("p{}", page + 1)), None)
                    } else {
                        (items, None, Some(format!("s{member}-full")))
                    }
                }
            };
        let mut body = json!({ "kind": "calendar#events", "summary": "bench@example.com", "timeZone": "UTC", "items": items });
        if let Some(page) = next_page {
            body["nextPageToken"] = json!(page);
        }
        if let Some(sync) = next_sync {
            body["nextSyncToken"] = json!(sync);
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--fake-google") {
        return serve_fake(&args[2..]).await;
    }
    let events: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    // The fake Google runs in a process of its own, so the memory measured is Stint's alone.
    let mut fake = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--fake-google",
            &events.to_string(),
            &Utc::now().to_rfc3339(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut uri = String::new();
    if let Some(out) = fake.stdout.as_mut() {
        use std::io::BufRead;
        std::io::BufReader::new(out).read_line(&mut uri)?;
    }
    let uri = uri.trim().to_owned();
    let http = reqwest::Client::new();
    let requests = || {
        let http = http.clone();
        let uri = uri.clone();
        async move {
            http.post(format!("{uri}/requests"))
                .send()
                .await?
                .text()
                .await
                .map(|n| n.parse::<usize>().unwrap_or(0))
        }
    };
    let dir = tempfile::tempdir()?;
    let vars = [
        ("STINT_DATA_DIR", dir.path().display().to_string()),
        (
            "STINT_DATABASE_URL",
            format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
        ),
        (
            "STINT_JOB_QUEUE",
            format!("bench-{}", Uuid::new_v4().simple()),
        ),
        ("STINT_PROVIDER_GOOGLE_CALENDAR_API_BASE", uri.clone()),
        (
            "STINT_PROVIDER_GOOGLE_CALENDAR_CLIENT_ID",
            "bench.apps.googleusercontent.com".to_owned(),
        ),
        (
            "STINT_PROVIDER_GOOGLE_CALENDAR_CLIENT_SECRET",
            "GOCSPX-bench".to_owned(),
        ),
    ];
    let config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })?;
    let providers = stint_providers::providers_with_timeout(config.provider_timeout)?;
    let stint = Stint::start(config, Clock::system(), providers).await?;
    // As `stint serve` does: the write-ahead log is checkpointed in the background.
    stint_core::db::spawn_checkpoints(&stint.db);
    let connections = seed(&stint).await?;
    let worker = stint_worker::Worker::start(&stint, stint_worker::Schedules::Ignore);
    println!(
        "bench-sync on SQLite: {MEMBERS} members × {events} events in pages of {PAGE}, per-provider concurrency {}",
        stint.config.worker.per_provider
    );

    let full = sync_everyone(&stint, &connections).await?;
    let imported = time_entry::Entity::find().count(&stint.db).await?;
    let full_requests = requests().await?;
    println!(
        "full import:  {imported} events in {:.2} s = {:.0} events/s, {full_requests} requests, created {}",
        full.wall.as_secs_f64(),
        imported as f64 / full.wall.as_secs_f64(),
        full.created
    );

    let incremental = sync_everyone(&stint, &connections).await?;
    let incremental_requests = requests().await?;
    println!(
        "incremental:  {:.2} s, {incremental_requests} requests, updated {} (changed: {}), created {}, entries now {}",
        incremental.wall.as_secs_f64(),
        incremental.updated,
        MEMBERS * events.div_ceil(CHANGED_EVERY),
        incremental.created,
        time_entry::Entity::find().count(&stint.db).await?
    );
    println!("peak RSS {} MB", peak_rss_mb());
    table_row::write(table_row::Row {
        benchmark: &format!("calendar full import, {MEMBERS} members × {events} events"),
        database: "SQLite",
        rate: format!(
            "{} events/s",
            table_row::thousands(imported as f64 / full.wall.as_secs_f64())
        ),
        p50: "–".to_owned(),
        p99: "–".to_owned(),
        errors: (MEMBERS * events).saturating_sub(imported as usize),
        rss_mb: peak_rss_mb(),
    });
    worker.stop(Duration::from_secs(5)).await;
    fake.kill()?;
    fake.wait()?;
    Ok(())
}

/// The fake Google: prints its address, serves until its stdin closes. `POST /requests` answers
/// how many calendar requests it served since last asked.
async fn serve_fake(args: &[String]) -> Result<(), Failure> {
    let events = args.first().and_then(|n| n.parse().ok()).unwrap_or(200);
    let now = args
        .get(1)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(Utc::now, |t| t.to_utc());
    // Wiremock's own record of every request would grow with the run: the fake counts instead.
    let google = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    let requests = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/calendars/primary/events"))
        .respond_with(FakeGoogle {
            events,
            now,
            requests: requests.clone(),
        })
        .mount(&google)
        .await;
    let counted = requests.clone();
    Mock::given(method("POST"))
        .and(path("/requests"))
        .respond_with(move |_: &Request| {
            ResponseTemplate::new(200)
                .set_body_string(counted.swap(0, Ordering::Relaxed).to_string())
        })
        .mount(&google)
        .await;
    println!("{}", google.uri());
    use std::io::Write;
    std::io::stdout().flush()?;
    tokio::task::spawn_blocking(|| {
        use std::io::Read;
        let mut sink = Vec::new();
        std::io::stdin().read_to_end(&mut sink)
    })
    .await??;
    Ok(())
}

struct Round {
    wall: Duration,
    created: i64,
    updated: i64,
}

/// Queues every member's sync at once and waits for all to finish.
async fn sync_everyone(
    stint: &Stint,
    connections: &[integration::Model],
) -> Result<Round, Failure> {
    let started = Instant::now();
    let mut runs = Vec::new();
    for connection in connections {
        runs.push(stint_core::sync::queue(stint, connection, SyncTrigger::Schedule).await?);
    }
    let (mut created, mut updated) = (0, 0);
    for run in runs {
        loop {
            let found = sync_run::Entity::find_by_id(run).one(&stint.db).await?;
            match found {
                Some(r) if r.finished_at.is_some() => {
                    if r.status != "succeeded" {
                        return Err(format!("a run failed: {:?}", r.error).into());
                    }
                    created += i64::from(r.created_count);
                    updated += i64::from(r.updated_count);
                    break;
                }
                _ => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }
    Ok(Round {
        wall: started.elapsed(),
        created,
        updated,
    })
}

async fn seed(stint: &Stint) -> Result<Vec<integration::Model>, Failure> {
    let now = stint.clock.now();
    let mut connections = Vec::new();
    for member in 0..MEMBERS {
        let id = Uuid::now_v7();
        user::Entity::insert(user::ActiveModel {
            id: Set(id),
            email: Set(format!("member{member}@bench.example.com")),
            display_name: Set(format!("Member {member}")),
            password_hash: Set(None),
            role: Set("member".to_owned()),
            timezone: Set("UTC".to_owned()),
            active: Set(true),
            session_generation: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&stint.db)
        .await?;
        let connection = integration::ActiveModel {
            id: Set(Uuid::now_v7()),
            provider: Set("google_calendar".to_owned()),
            scope: Set("personal".to_owned()),
            user_id: Set(Some(id)),
            status: Set("active".to_owned()),
            status_reason: Set(None),
            external_account_id: Set(Some(format!("member{member}@bench.example.com"))),
            external_account_label: Set(Some(format!("member{member}@bench.example.com"))),
            config: Set(
                json!({ "calendar_id": "primary", "sync_direction": "import", "sync_days_back": 7 }),
            ),
            webhook_secret_enc: Set(None),
            connected_at: Set(Some(now)),
            connected_by: Set(Some(id)),
            last_sync_at: Set(None),
            last_used_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let connection = integration::Entity::insert(connection)
            .exec_with_returning(&stint.db)
            .await?;
        let grant = TokenGrant {
            access_token: Secret::new(format!("ya29.bench-{member}")),
            refresh_token: Some(Secret::new(format!("1//bench-{member}"))),
            expires_in: Some(Duration::from_secs(3_600)),
            token_type: Some("Bearer".to_owned()),
            scopes: None,
        };
        stint_core::integrations::credentials::store(
            stint,
            &stint.db,
            connection.id,
            &grant,
            now,
            None,
        )
        .await?;
        connections.push(connection);
    }
    Ok(connections)
}

fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
