//! Test support: `spawn_app()` starts the real server on an ephemeral port with a fresh database
//! (SQLite in a temporary directory, or a fresh PostgreSQL schema when
//! `STINT_TEST_DATABASE_URL=postgres://…`) and gives a typed HTTP client for it.

// Test helpers fail loudly at the point of failure.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Once;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use stint_api::Application;
use stint_api_types::Problem;
use stint_core::clock::ManualClock;
use stint_core::{Clock, Config, Stint};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin password 1";
pub const MEMBER_PASSWORD: &str = "member password 1";

/// Where the manual clock of every test app starts: a Monday morning.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub stint: Stint,
    pub clock: ManualClock,
    pub database_url: String,
    /// The in-process worker (taking queued jobs; schedules are the test's to queue).
    pub worker: Option<stint_worker::Worker>,
    _data_dir: tempfile::TempDir,
}

/// A `stint worker` child process; killed when dropped, so a failing test leaves none behind.
pub struct WorkerProcess {
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl WorkerProcess {
    /// SIGKILL: no chance to finish or hand anything back.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (at most 30 s); true when the process stopped cleanly.
    pub async fn terminate(mut self) -> bool {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    }

    /// What the process logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Everything the tests' servers log at debug level, kept so that tests can prove no secret
/// reaches a log. Printed too when `TEST_LOG` is set.
static CAPTURED: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            eprint!("{}", String::from_utf8_lossy(buf));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The logs of every app this test binary has run so far.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&CAPTURED.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,stint_core=debug,stint_api=debug,stint_providers=debug")
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}

/// Where `just web` puts the built web app.
pub fn web_dir() -> std::path::PathBuf {
    std::env::current_dir()
        .unwrap_or_default()
        .join("frontend/dist")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts Stint with extra `STINT_*` variables, as an operator would configure it.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_with_providers(extra, None).await
}

/// Starts Stint with extra variables and, when given, a catalogue of the test's own.
pub async fn spawn_app_with_providers(
    extra: &[(&str, &str)],
    providers: Option<stint_connectors::Providers>,
) -> TestApp {
    init_logging();
    let data_dir = tempfile::tempdir().expect("temporary directory");
    let database_url = test_database_url(data_dir.path()).await;
    let mut vars: HashMap<String, String> = HashMap::from([
        (
            "STINT_DATA_DIR".to_owned(),
            data_dir.path().display().to_string(),
        ),
        ("STINT_DATABASE_URL".to_owned(), database_url.clone()),
        ("STINT_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        ("STINT_ADMIN_EMAIL".to_owned(), ADMIN_EMAIL.to_owned()),
        ("STINT_ADMIN_PASSWORD".to_owned(), ADMIN_PASSWORD.to_owned()),
        ("STINT_HTTP_WORKERS".to_owned(), "1".to_owned()),
        // The built web app of the checkout under test (cargo runs tests from the package root;
        // a path baked in at compile time could name another checkout sharing the target dir).
        ("STINT_WEB_DIR".to_owned(), web_dir().display().to_string()),
    ]);
    for (key, value) in extra {
        vars.insert((*key).to_owned(), (*value).to_owned());
    }
    if is_postgres() && !vars.contains_key("STINT_JOB_QUEUE") {
        // Tests share one PostgreSQL server and apalis's one schema: each gets a queue of its own.
        vars.insert(
            "STINT_JOB_QUEUE".to_owned(),
            format!("test-{}", uuid::Uuid::new_v4().simple()),
        );
    }
    let mut config =
        Config::from_lookup(|name| vars.get(name).cloned()).expect("test configuration");
    // Quick enough for tests, light enough for a hundred apps polling one server at once.
    config.worker.poll = std::time::Duration::from_millis(200);
    let (clock, handle) = Clock::manual(epoch());
    let app = match providers {
        Some(providers) => Application::build_with_providers(config, clock, providers).await,
        None => Application::build_with_clock(config, clock).await,
    }
    .expect("application builds");
    let port = app.port();
    let stint = app.stint().clone();
    tokio::spawn(app.run_until_stopped());
    // As `stint serve` does, minus the schedules: a test queues those itself, by its own clock.
    let worker = stint_worker::Worker::start(&stint, stint_worker::Schedules::Ignore);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: browser_like_client(),
        stint,
        clock: handle,
        database_url,
        worker: Some(worker),
        _data_dir: data_dir,
    }
}

/// An HTTP client that keeps cookies, as a browser does, and shows redirects instead of following them.
pub fn browser_like_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

/// A fresh database for one test: a temporary SQLite file by default, or a new schema in the
/// PostgreSQL database named by `STINT_TEST_DATABASE_URL`.
pub async fn test_database_url(dir: &std::path::Path) -> String {
    match std::env::var("STINT_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            use sea_orm::ConnectionTrait;
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let db = sea_orm::Database::connect(base.as_str())
                .await
                .expect("connect to the test PostgreSQL");
            db.execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                .await
                .expect("create schema");
            db.close().await.ok();
            let separator = if base.contains('?') { '&' } else { '?' };
            // `public` after it, as in a default setup: apalis's extension types live there.
            format!("{base}{separator}options=-c%20search_path%3D{schema},public")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("stint.db").display()),
    }
}

pub fn is_postgres() -> bool {
    std::env::var("STINT_TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"))
}

/// A response with its status, headers and body read.
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub async fn read(response: Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        Answer {
            status,
            headers,
            text,
        }
    }

    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: body was {}", self.text))
    }

    pub fn value(&self) -> Value {
        self.json()
    }

    /// Asserts a problem document with this status and code and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Problem {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        let content_type = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert_eq!(
            content_type, "application/problem+json",
            "body: {}",
            self.text
        );
        let problem: Problem = self.json();
        assert_eq!(problem.code.as_str(), code, "body: {}", self.text);
        assert_eq!(problem.status, status);
        assert!(!problem.detail.is_empty());
        problem
    }

    #[track_caller]
    pub fn ok<T: DeserializeOwned>(&self, status: u16) -> T {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        self.json()
    }
}

impl TestApp {
    /// Starts a sync of `provider` (the caller's default connection) as `token` would, waits for
    /// the worker to finish that run, and answers the run.
    pub async fn run_sync(&self, provider: &str, token: &str) -> Value {
        let mut finished = self.stint.finished_syncs.subscribe();
        let started: Value = self
            .post(
                &format!("/api/integrations/{provider}/sync"),
                token,
                &serde_json::json!({}),
            )
            .await
            .ok(202);
        let id = started["sync_run_id"]
            .as_str()
            .expect("a run id")
            .to_owned();
        while finished
            .recv()
            .await
            .expect("runs are announced")
            .to_string()
            != id
        {}
        self.get(&format!("/api/sync-runs/{id}"), token)
            .await
            .ok(200)
    }

    /// Waits (at most a minute: the whole suite shares the machine) until no background job is
    /// queued or running.
    pub async fn settle_jobs(&self) {
        for _ in 0..1200 {
            if let Ok(counts) = self.stint.jobs.counts().await
                && counts.queued == 0
                && counts.running == 0
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("background jobs did not finish");
    }

    /// Starts a separate `stint worker` process on this app's database, data directory and job
    /// queue, with extra variables (provider endpoints); it queues the schedules (by the real
    /// clock) only when `schedules` is set. The binary is the workspace's own `stint`, which
    /// `cargo test --workspace` builds beside the tests.
    pub fn spawn_worker_process(&self, extra: &[(&str, &str)], schedules: bool) -> WorkerProcess {
        let deps = std::env::current_exe().expect("the test binary's path");
        let binary = deps
            .parent()
            .and_then(|d| d.parent())
            .map(|d| d.join("stint"))
            .expect("the target directory");
        assert!(
            binary.exists(),
            "{} is missing: build it first with `cargo build -p stint-cli` (`just test` does)",
            binary.display()
        );
        let mut command = std::process::Command::new(binary);
        command.arg("worker");
        if !schedules {
            command.arg("--no-schedules");
        }
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("STINT_DATABASE_URL", &self.database_url)
            .env("STINT_DATA_DIR", self._data_dir.path())
            .env("STINT_JOB_QUEUE", self.stint.jobs.name())
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null());
        // Its log goes to a file: an inherited stderr would hold the test runner's pipe open.
        let log = self
            ._data_dir
            .path()
            .join(format!("worker-{}.log", uuid::Uuid::new_v4().simple()));
        command.stderr(std::fs::File::create(&log).expect("a worker log file"));
        for (key, value) in extra {
            command.env(key, value);
        }
        WorkerProcess {
            child: command.spawn().expect("start a stint worker process"),
            log,
        }
    }

    /// The raw bytes of the SQLite database and its write-ahead log (empty on PostgreSQL), to
    /// prove that no secret is stored in plain text.
    pub fn database_bytes(&self) -> Vec<u8> {
        let Some(path) = self.database_url.strip_prefix("sqlite://") else {
            return Vec::new();
        };
        let path = path.split('?').next().unwrap_or_default();
        let mut bytes = std::fs::read(path).unwrap_or_default();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        bytes
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send(&self, builder: RequestBuilder) -> Answer {
        Answer::read(builder.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(self.request(Method::GET, path, Some(token)))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.send(self.request(Method::DELETE, path, Some(token)))
            .await
    }

    pub async fn post<B: Serialize + ?Sized>(&self, path: &str, token: &str, body: &B) -> Answer {
        self.send(self.request(Method::POST, path, Some(token)).json(body))
            .await
    }

    pub async fn put<B: Serialize + ?Sized>(&self, path: &str, token: &str, body: &B) -> Answer {
        self.send(self.request(Method::PUT, path, Some(token)).json(body))
            .await
    }

    pub async fn patch<B: Serialize + ?Sized>(&self, path: &str, token: &str, body: &B) -> Answer {
        self.send(self.request(Method::PATCH, path, Some(token)).json(body))
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.send(
            self.request(Method::POST, "/api/auth/login", None)
                .json(&json!({ "email": email, "password": password })),
        )
        .await
    }

    /// A session token for the bootstrapped admin.
    pub async fn admin_token(&self) -> String {
        let answer = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let body: Value = answer.ok(200);
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Creates a member through the admin API and signs them in; returns (user id, token).
    pub async fn member(&self, email: &str) -> (String, String) {
        let admin = self.admin_token().await;
        let created: Value = self
            .post(
                "/api/admin/users",
                &admin,
                &json!({ "email": email, "password": MEMBER_PASSWORD }),
            )
            .await
            .ok(201);
        let answer = self.login(email, MEMBER_PASSWORD).await;
        let body: Value = answer.ok(200);
        (
            created["id"].as_str().expect("id").to_owned(),
            body["access_token"].as_str().expect("token").to_owned(),
        )
    }

    /// An API token with these scopes for the holder of `session`.
    pub async fn api_token(&self, session: &str, scopes: &[&str]) -> String {
        let body: Value = self
            .post(
                "/api/tokens",
                session,
                &json!({ "name": "test", "scopes": scopes }),
            )
            .await
            .ok(201);
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn project(&self, admin: &str, name: &str) -> String {
        let body: Value = self
            .post("/api/projects", admin, &json!({ "name": name }))
            .await
            .ok(201);
        body["id"].as_str().expect("id").to_owned()
    }

    /// A task in `project`, made by whoever holds `token`; its id.
    pub async fn task(&self, token: &str, project: &str, title: &str) -> String {
        let body: Value = self
            .post(
                "/api/tasks",
                token,
                &json!({ "project_id": project, "title": title }),
            )
            .await
            .ok(201);
        body["id"].as_str().expect("id").to_owned()
    }
}
