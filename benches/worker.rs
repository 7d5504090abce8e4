//! Benchmark of the background worker (`just bench-worker`), in one process against a release
//! build of the core and worker:
//!
//! 1. A token refresh sweep over 1,000 users' connections to a fake provider that answers each
//!    refresh after 50 ms, at a per-provider concurrency of 16. The bound is
//!    1000 × 0.05 s / 16 ≈ 3.1 s; printed: wall time, jobs/s, the ratio to the bound, refreshes
//!    the provider saw (must be 1,000) and the process's peak memory.
//! 2. One daily-summary tick over 100,000 users with summary times spread over the day in
//!    several time zones: the CPU time and wall time of working out who is due and queueing them.
//!
//!   just bench-worker
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test just bench-worker

use std::time::{Duration, Instant};

use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;
use stint_connectors::Secret;
use stint_connectors::TokenGrant;
use stint_core::jobs::Schedule;
use stint_core::{Clock, Config, Stint};
use stint_entity::{integration, notification_preference, user};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONNECTIONS: usize = 1_000;
const CONCURRENCY: usize = 16;
const PROVIDER_DELAY: Duration = Duration::from_millis(50);
const SUMMARY_USERS: usize = 100_000;

#[path = "cpu_time.rs"]
mod cpu_time;
#[path = "table_row.rs"]
mod table_row;

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let provider = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({
                    "access_token": "ghu_refreshed", "token_type": "bearer", "expires_in": 28_800,
                    "refresh_token": "ghr_refreshed", "refresh_token_expires_in": 15_897_600
                }))
                .set_delay(PROVIDER_DELAY),
        )
        .mount(&provider)
        .await;
    let dir = tempfile::tempdir()?;
    let mut dropped_schema = None;
    let database_url = match std::env::var("BENCH_DATABASE_URL") {
        // A schema of its own, dropped at the end: the database keeps nothing of the run.
        Ok(base) if base.starts_with("postgres") => {
            let schema = format!("bench_{}", Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(&base).await?;
            sea_orm::ConnectionTrait::execute_unprepared(
                &admin,
                &format!("CREATE SCHEMA {schema}"),
            )
            .await?;
            let separator = if base.contains('?') { '&' } else { '?' };
            dropped_schema = Some((admin, schema.clone()));
            format!("{base}{separator}options=-c%20search_path%3D{schema},public")
        }
        _ => format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
    };
    let queue = format!("bench-{}", Uuid::new_v4().simple());
    let base = provider.uri();
    let vars = [
        ("STINT_DATA_DIR", dir.path().display().to_string()),
        ("STINT_DATABASE_URL", database_url.clone()),
        ("STINT_WORKER_CONCURRENCY", CONCURRENCY.to_string()),
        ("STINT_JOB_QUEUE", queue),
        (
            "STINT_PROVIDER_GITHUB_TOKEN_URL",
            format!("{base}/login/oauth/access_token"),
        ),
        ("STINT_PROVIDER_GITHUB_CLIENT_ID", "Iv1.bench".to_owned()),
        (
            "STINT_PROVIDER_GITHUB_CLIENT_SECRET",
            "bench-client-secret".to_owned(),
        ),
    ];
    let config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })?;
    let providers = stint_providers::providers_with_timeout(config.provider_timeout)?;
    let stint = Stint::start(config, Clock::system(), providers).await?;
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("bench-worker on {backend}");

    seed_connections(&stint).await?;
    let worker = stint_worker::Worker::start(&stint, stint_worker::Schedules::Ignore);
    let started = Instant::now();
    let queued =
        stint_worker::jobs::tick(&stint, Schedule::TokenRefresh, stint.clock.now()).await?;
    loop {
        let counts = stint.jobs.counts().await?;
        if counts.queued == 0 && counts.running == 0 && counts.done >= queued as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = started.elapsed();
    let refreshes = provider.received_requests().await.map_or(0, |r| r.len());
    let bound = PROVIDER_DELAY.as_secs_f64() * CONNECTIONS as f64 / CONCURRENCY as f64;
    println!(
        "token sweep: {queued} jobs, {refreshes} refreshes at the provider, {:.2} s wall, {:.0} jobs/s, {:.2}× the bound of {bound:.2} s, peak RSS {} MB",
        wall.as_secs_f64(),
        queued as f64 / wall.as_secs_f64(),
        wall.as_secs_f64() / bound,
        peak_rss_mb()
    );
    table_row::write(table_row::Row {
        benchmark: &format!(
            "worker token sweep, {CONNECTIONS} connections, 50 ms provider ({:.2}× the bound)",
            wall.as_secs_f64() / bound
        ),
        database: backend,
        rate: format!(
            "{} jobs/s",
            table_row::thousands(queued as f64 / wall.as_secs_f64())
        ),
        p50: "–".to_owned(),
        p99: "–".to_owned(),
        errors: queued.saturating_sub(refreshes),
        rss_mb: peak_rss_mb(),
    });
    worker.stop(Duration::from_secs(5)).await;

    seed_summaries(&stint).await?;
    // The busiest half hour of the spread: 17:00 in each zone's own time.
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-27T16:00:00Z")?.to_utc();
    let cpu_before = cpu_time::own_seconds();
    let started = Instant::now();
    let due = stint_worker::jobs::tick(&stint, Schedule::DailySummary, at).await?;
    println!(
        "summary tick over {SUMMARY_USERS} users: {due} due and queued, {:.3} s CPU, {:.3} s wall",
        cpu_time::own_seconds() - cpu_before,
        started.elapsed().as_secs_f64()
    );
    drop(stint);
    if let Some((admin, schema)) = dropped_schema {
        sea_orm::ConnectionTrait::execute_unprepared(
            &admin,
            &format!("DROP SCHEMA {schema} CASCADE"),
        )
        .await?;
    }
    Ok(())
}

async fn seed_connections(stint: &Stint) -> Result<(), Failure> {
    let now = stint.clock.now();
    let grant = TokenGrant {
        access_token: Secret::new("ghu_expiring".to_owned()),
        refresh_token: Some(Secret::new("ghr_expiring".to_owned())),
        expires_in: Some(Duration::from_secs(300)),
        token_type: Some("bearer".to_owned()),
        scopes: None,
    };
    let users: Vec<Uuid> = (0..CONNECTIONS).map(|_| Uuid::now_v7()).collect();
    insert_users(stint, &users, |_| "UTC").await?;
    for chunk in users.chunks(500) {
        let rows = chunk.iter().map(|user_id| integration::ActiveModel {
            id: Set(*user_id),
            provider: Set("github".to_owned()),
            scope: Set("personal".to_owned()),
            user_id: Set(Some(*user_id)),
            status: Set("active".to_owned()),
            status_reason: Set(None),
            external_account_id: Set(None),
            external_account_label: Set(Some("octocat".to_owned())),
            config: Set(json!({})),
            webhook_secret_enc: Set(None),
            connected_at: Set(Some(now)),
            connected_by: Set(Some(*user_id)),
            last_sync_at: Set(None),
            last_used_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
        integration::Entity::insert_many(rows)
            .exec_without_returning(&stint.db)
            .await?;
    }
    for id in &users {
        stint_core::integrations::credentials::store(stint, &stint.db, *id, &grant, now, None)
            .await?;
    }
    Ok(())
}

/// Summary times on the hour and half hour across the day, in five time zones.
async fn seed_summaries(stint: &Stint) -> Result<(), Failure> {
    const ZONES: [&str; 5] = [
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Tokyo",
        "Australia/Adelaide",
    ];
    let now = stint.clock.now();
    let users: Vec<Uuid> = (0..SUMMARY_USERS).map(|_| Uuid::now_v7()).collect();
    insert_users(stint, &users, |n| ZONES[n % ZONES.len()]).await?;
    for (offset, chunk) in users.chunks(2_000).enumerate() {
        let rows = chunk.iter().enumerate().map(|(n, user_id)| {
            let slot = (offset * 2_000 + n) / ZONES.len() % 48;
            notification_preference::ActiveModel {
                user_id: Set(*user_id),
                timer_notifications: Set(true),
                daily_summary_enabled: Set(true),
                daily_summary_time: Set(Some(format!("{:02}:{:02}", slot / 2, slot % 2 * 30))),
                daily_summary_last_sent_on: Set(None),
                daily_summary_sent_for: Set(None),
                updated_at: Set(now),
            }
        });
        notification_preference::Entity::insert_many(rows)
            .exec_without_returning(&stint.db)
            .await?;
    }
    Ok(())
}

async fn insert_users(
    stint: &Stint,
    ids: &[Uuid],
    zone: impl Fn(usize) -> &'static str,
) -> Result<(), Failure> {
    let now = stint.clock.now();
    for (offset, chunk) in ids.chunks(2_000).enumerate() {
        let rows = chunk.iter().enumerate().map(|(n, id)| user::ActiveModel {
            id: Set(*id),
            email: Set(format!("{id}@bench.example.com")),
            display_name: Set("Bench".to_owned()),
            password_hash: Set(None),
            role: Set("member".to_owned()),
            timezone: Set(zone(offset * 2_000 + n).to_owned()),
            active: Set(true),
            session_generation: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        });
        user::Entity::insert_many(rows)
            .exec_without_returning(&stint.db)
            .await?;
    }
    Ok(())
}

fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
