//! The `stint` binary as an operator uses it.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stint(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stint"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("STINT_DATA_DIR", data_dir)
        .env("RUST_LOG", "info")
        .env("STINT_LOG_FORMAT", "json");
    command
}

#[test]
fn a_bad_setting_names_its_variable_and_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let output = stint(dir.path())
        .env("STINT_LISTEN", "nowhere")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("STINT_LISTEN"), "{stderr}");
}

#[test]
fn migrate_then_create_a_user_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = stint(dir.path()).arg("migrate").output().unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let all = <stint_migrations::Migrator as stint_migrations::MigratorTrait>::migrations().len();
    assert!(
        String::from_utf8_lossy(&migrated.stdout).contains(&format!("applied {all} migration(s)"))
    );

    let mut child = stint(dir.path())
        .args(["user", "create", "--email", "Ada@Example.com", "--admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("ada@example.com") && stdout.contains("admin"),
        "{stdout}"
    );
    assert!(!stdout.contains("a long password"));

    // A short password is refused with a reason.
    let mut child = stint(dir.path())
        .args(["user", "create", "--email", "grace@example.com"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 8"));
}

#[test]
fn serve_prints_the_first_admin_once_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = stint(dir.path())
        .env("STINT_LISTEN", "127.0.0.1:0")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both streams for the whole run, so the server never writes into a closed pipe.
    let lines = |stream: Box<dyn Read + Send>| {
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        rx
    };
    let stdout = lines(Box::new(child.stdout.take().unwrap()));
    let stderr = lines(Box::new(child.stderr.take().unwrap()));
    let mut printed = String::new();
    while !printed.contains("Sign in") {
        let line = stdout
            .recv_timeout(Duration::from_secs(60))
            .expect("the first admin is printed");
        printed.push_str(&line);
        printed.push('\n');
    }
    assert!(printed.contains("admin@localhost"), "{printed}");
    let password_line = printed
        .lines()
        .find(|l| l.trim_start().starts_with("password:"))
        .unwrap();
    let password = password_line.split_whitespace().nth(1).unwrap().to_owned();
    assert!(password.len() >= 16);

    // The JSON log names the port once it listens.
    let mut port = None;
    let mut log = String::new();
    while port.is_none() {
        let line = stderr
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no port in {log}"));
        assert!(!line.contains(&password), "the password reached the log");
        if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
            port = event["port"].as_u64();
        }
        log.push_str(&line);
    }
    let port = port.unwrap_or_else(|| panic!("no port in {log}"));
    assert!(port > 0);
    // Serving (and so listening for signals) once /readyz answers.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready(port) {
        assert!(Instant::now() < deadline, "/readyz never answered");
        std::thread::sleep(Duration::from_millis(20));
    }

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "exit status {exit}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // A second start finds a user and prints no password.
    let output = stint(dir.path()).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("applied 0 migration"));
}

fn ready(port: u64) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port as u16)) else {
        return false;
    };
    let request = "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

#[test]
fn keys_rotate_adds_an_active_key_and_refuses_an_environment_ring() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        stint(dir.path())
            .arg("migrate")
            .output()
            .unwrap()
            .status
            .success()
    );
    let before = std::fs::read_to_string(dir.path().join("secret_keys")).unwrap();
    let output = stint(dir.path()).args(["keys", "rotate"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("added key `k2`") && stdout.contains("re-encrypted 0"),
        "{stdout}"
    );
    let after = std::fs::read_to_string(dir.path().join("secret_keys")).unwrap();
    assert!(
        after.starts_with("k2:") && after.ends_with(before.trim()),
        "{after}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("secret_keys"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let key = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let refused = stint(dir.path())
        .env("STINT_SECRET_KEYS", key)
        .args(["keys", "rotate"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("STINT_SECRET_KEYS"));
}
