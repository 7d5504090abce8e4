//! A transaction whose `BEGIN` is cut off on the wire (a client that hangs up, a timeout, a job
//! stopped mid-way) must not leave its connection inside that transaction: the pool would hand the
//! connection to the next caller, whose writes would then never commit. sqlx 0.9.0 did exactly
//! that on PostgreSQL (a member's row written and then not there, in
//! `slack::three_worker_processes_post_each_summary_once`); 0.9.1 rolls such a `BEGIN` back.

use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

/// The `value` column of the statement's first row; None when there is no row.
async fn read<T: sea_orm::TryGetable>(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Option<T> {
    db.query_one_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap_or_else(|err| panic!("{sql}: {err}"))
    .map(|row| row.try_get("", "value").expect("a value column"))
}

/// The state PostgreSQL reports for one backend (`idle in transaction`, `idle`, ...).
async fn backend_state(observer: &DatabaseConnection, pid: i32) -> Option<String> {
    read::<Option<String>>(
        observer,
        "SELECT state AS value FROM pg_stat_activity WHERE pid = $1",
        vec![pid.into()],
    )
    .await
    .flatten()
}

#[tokio::test]
async fn a_write_after_a_begin_cut_off_on_the_wire_is_committed() {
    // SQLite's `BEGIN` runs on the connection's own thread, never half-sent; sqlx has rolled a
    // cancelled one back there since 0.6. The server to watch is PostgreSQL's.
    if !stint_test_support::is_postgres() {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = stint_test_support::test_database_url(dir.path()).await;
    // One connection, so the next caller gets the very connection the cut-off `BEGIN` used.
    let db = stint_core::db::connect(&url, Some(1)).await.expect("pool");
    let observer = sea_orm::Database::connect(url.as_str())
        .await
        .expect("observer");
    db.execute_unprepared("CREATE TABLE notes (body text NOT NULL)")
        .await
        .expect("create table");
    let pid: i32 = read(&db, "SELECT pg_backend_pid() AS value", vec![])
        .await
        .expect("backend pid");

    // Poll `begin` a step at a time, and drop it once the server says the `BEGIN` ran but before
    // its answer is read: the moment a cancelled request can strike.
    let mut cut_off = false;
    'attempts: for _ in 0..50 {
        let mut begin = std::pin::pin!(db.begin());
        loop {
            let step = std::future::poll_fn(|cx| Poll::Ready(begin.as_mut().poll(cx))).await;
            if let Poll::Ready(txn) = step {
                // Answered before we looked: end it and try again.
                txn.expect("begin").rollback().await.expect("rollback");
                continue 'attempts;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            if backend_state(&observer, pid).await.as_deref() == Some("idle in transaction") {
                cut_off = true;
                break 'attempts;
            }
        }
    }
    assert!(cut_off, "never caught a BEGIN on the wire");

    db.execute_unprepared("INSERT INTO notes (body) VALUES ('kept')")
        .await
        .expect("insert");
    let seen: i64 = read(&observer, "SELECT count(*) AS value FROM notes", vec![])
        .await
        .expect("a count");
    assert_eq!(
        seen, 1,
        "the write ran inside the cut-off transaction and was never committed"
    );
    assert_ne!(
        backend_state(&observer, pid).await.as_deref(),
        Some("idle in transaction"),
        "the pool's connection is still inside the cut-off transaction"
    );
}
