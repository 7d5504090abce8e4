//! The database goes away under load and comes back (a PostgreSQL server of the test's own,
//! stopped and started again): meanwhile requests get 503 problem+json, never a 500; a webhook
//! delivery answered 200 or 202 is not lost, and one answered 503 can be delivered again without
//! making anything twice; Stint serves again without a restart.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;
use stint_test_support::{Answer, TestApp};
use wiremock::MockServer;

use crate::github_webhooks::{WEBHOOK_SECRET, deliver, github_ready_with, issue_event};

/// A PostgreSQL server in a temporary directory, on a port of its own. Run as the `postgres` user
/// when the tests run as root (PostgreSQL refuses to run as root).
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// None when PostgreSQL's server programs are not installed.
    fn start() -> Option<Cluster> {
        let bin = postgres_bin()?;
        let dir = tempfile::tempdir().expect("temporary directory");
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
        if as_postgres {
            run(Command::new("chown").arg("postgres").arg(dir.path()));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let cluster = Cluster {
            dir,
            bin,
            port,
            as_postgres,
        };
        run(cluster.command("initdb").args([
            "-D",
            &cluster.data(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]));
        cluster.up();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn up(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        run(self.command("pg_ctl").args([
            "-D",
            &self.data(),
            "-o",
            &options,
            "-l",
            &log,
            "-w",
            "-t",
            "60",
            "start",
        ]));
    }

    /// A fast shutdown: open connections are ended (SQLSTATE 57P01), new ones refused.
    fn down(&self) {
        run(self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "fast", "-w", "stop"]));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .output();
    }
}

fn postgres_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>());
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin"));
    on_path
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

#[track_caller]
fn run(command: &mut Command) {
    let output = command.output().expect("run a PostgreSQL program");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A refusal while the database is away: 503 with the problem document, nothing else.
#[track_caller]
fn unavailable(answer: &Answer) {
    answer.problem(503, "service_unavailable");
}

async fn deliver_opened(app: &TestApp, number: u64) -> Answer {
    let body = serde_json::to_vec(&issue_event(
        "opened",
        "octo/outage",
        number,
        &format!("Issue {number}"),
        &[],
    ))
    .unwrap();
    deliver(
        app,
        "issues",
        &format!("outage-{number}"),
        &body,
        WEBHOOK_SECRET,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_going_away_under_load_loses_nothing_and_stint_recovers() {
    let Some(cluster) = Cluster::start() else {
        eprintln!("skipped: PostgreSQL's initdb and pg_ctl are not installed");
        return;
    };
    let provider = MockServer::start().await;
    let url = cluster.url();
    let (app, admin) = github_ready_with(&provider, &[("STINT_DATABASE_URL", &url)]).await;
    assert_eq!(deliver_opened(&app, 1).await.status, 200);

    let loading = AtomicBool::new(true);
    let answered = Mutex::new(Vec::<(u64, u16)>::new());
    let reads = Mutex::new(Vec::<u16>::new());
    let next_number = std::sync::atomic::AtomicU64::new(2);
    let sender = || async {
        while loading.load(Ordering::SeqCst) {
            let number = next_number.fetch_add(1, Ordering::SeqCst);
            let answer = deliver_opened(&app, number).await;
            match answer.status.as_u16() {
                200 | 202 => {}
                _ => unavailable(&answer),
            }
            answered
                .lock()
                .unwrap()
                .push((number, answer.status.as_u16()));
        }
    };
    let reader = || async {
        while loading.load(Ordering::SeqCst) {
            let answer = app.get("/api/tasks?limit=10", &admin).await;
            if answer.status != 200 {
                unavailable(&answer);
            }
            reads.lock().unwrap().push(answer.status.as_u16());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let outage = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        tokio::task::block_in_place(|| cluster.down());
        // While it is away, readiness says so.
        let ready = app
            .send(app.request(reqwest::Method::GET, "/readyz", None))
            .await;
        assert_eq!(ready.status, 503, "{}", ready.text);
        tokio::time::sleep(Duration::from_secs(2)).await;
        tokio::task::block_in_place(|| cluster.up());
        // Load goes on until Stint answers again, and a little after.
        let back = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let ready = app
                .send(app.request(reqwest::Method::GET, "/readyz", None))
                .await;
            if ready.status == 200 {
                break;
            }
            assert!(tokio::time::Instant::now() < back, "Stint did not recover");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
        loading.store(false, Ordering::SeqCst);
    };
    tokio::join!(outage, sender(), sender(), reader());

    let answered = answered.into_inner().unwrap();
    let reads = reads.into_inner().unwrap();
    assert!(
        answered.iter().any(|(_, status)| *status == 503) || reads.contains(&503),
        "the outage was not seen: {answered:?} {reads:?}"
    );
    assert_eq!(reads.last(), Some(&200), "{reads:?}");

    // What was refused is delivered again, as the provider would; nothing accepted is missing.
    for (number, status) in &answered {
        if *status == 503 {
            let again = deliver_opened(&app, *number).await;
            assert!(again.status == 200 || again.status == 202, "{}", again.text);
        }
    }
    app.stint.intake.settle().await;
    let mut titles = Vec::new();
    let mut path = "/api/tasks?limit=200".to_owned();
    loop {
        let page: Value = app.get(&path, &admin).await.ok(200);
        for task in page["items"].as_array().unwrap() {
            titles.push(task["title"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/tasks?limit=200&cursor={cursor}"),
            None => break,
        }
    }
    let expected: BTreeSet<String> = std::iter::once(1)
        .chain(answered.iter().map(|(number, _)| *number))
        .map(|number| format!("Issue {number}"))
        .collect();
    let made: BTreeSet<String> = titles.iter().cloned().collect();
    assert_eq!(titles.len(), made.len(), "a task was made twice");
    assert_eq!(made, expected);
    eprintln!(
        "outage: {} deliveries ({} refused with 503 and delivered again), {} reads ({} refused)",
        answered.len(),
        answered.iter().filter(|(_, status)| *status == 503).count(),
        reads.len(),
        reads.iter().filter(|status| **status == 503).count()
    );
}
