//! A page read from SQLite on the thread that serves the request, with no hand-off.
//!
//! sqlx runs every SQLite connection on a thread of its own: a statement is sent there and its
//! answer sent back, so even a page packed as one row (`sqlite_page`) costs two thread switches,
//! and on a busy 2-core machine those switches and the wake-ups around them were a large share of
//! an uncached page's time. A page read from a warm cache takes a fraction of a millisecond and,
//! in WAL mode, a reader never waits for a writer, so it is read right where the request runs,
//! through a connection that each thread keeps per database file and only ever reads with.
//! Writes, and everything else, stay on sqlx.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::Value as SqliteValue;
use rusqlite::{Connection, OpenFlags};
use sea_orm::Value;

/// A thread keeps at most this many files open (tests run many databases in one process).
const FILES_PER_THREAD: usize = 8;

thread_local! {
    static READERS: RefCell<HashMap<PathBuf, Connection>> = RefCell::new(HashMap::new());
}

/// The database file a `sqlite://` URL names; `None` for an in-memory database, which another
/// connection could not see.
pub(crate) fn database_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, options) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path.is_empty()
        || path == ":memory:"
        || options.split('&').any(|option| option == "mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// A bound value as sqlx would bind it (UUIDs as 16-byte blobs, times as RFC 3339 text), so a
/// comparison in SQL means the same on both paths; `None` for a kind this path does not bind.
pub(crate) fn bind(value: &Value) -> Option<SqliteValue> {
    Some(match value {
        Value::Uuid(Some(id)) => SqliteValue::Blob(id.as_bytes().to_vec()),
        Value::ChronoDateTimeUtc(Some(at)) => {
            SqliteValue::Text(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false))
        }
        Value::BigUnsigned(Some(n)) => SqliteValue::Integer(i64::try_from(*n).ok()?),
        Value::Unsigned(Some(n)) => SqliteValue::Integer(i64::from(*n)),
        Value::BigInt(Some(n)) => SqliteValue::Integer(*n),
        Value::Int(Some(n)) => SqliteValue::Integer(i64::from(*n)),
        Value::String(Some(text)) => SqliteValue::Text(text.clone()),
        _ => return None,
    })
}

/// Runs `sql` on this thread's connection to `file` and reads its one row with `read`.
pub(crate) fn query_row<T>(
    file: &Path,
    sql: &str,
    params: Vec<SqliteValue>,
    read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    READERS.with(|readers| {
        let mut readers = readers.borrow_mut();
        if !readers.contains_key(file) {
            if readers.len() >= FILES_PER_THREAD {
                readers.clear();
            }
            readers.insert(file.to_owned(), open(file)?);
        }
        let Some(connection) = readers.get(file) else {
            return Err(rusqlite::Error::InvalidPath(file.to_owned()));
        };
        let result = connection.prepare_cached(sql).and_then(|mut statement| {
            statement.query_row(rusqlite::params_from_iter(params), read)
        });
        if result.is_err() {
            // Whatever went wrong, the next read starts from a fresh connection.
            readers.remove(file);
        }
        result
    })
}

fn open(file: &Path) -> rusqlite::Result<Connection> {
    // Read-write without create: a read-only connection to a WAL database needs its `-shm`
    // file writable anyway, and `query_only` below refuses any write.
    let connection = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(Duration::from_secs(5))?;
    connection.pragma_update(None, "query_only", true)?;
    // 512 KiB, as sqlx's connections: the OS caches the file once for all of them.
    connection.pragma_update(None, "cache_size", -512)?;
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_from_urls_and_memory_databases_are_not() {
        assert_eq!(
            database_file("sqlite:///data/stint.db?mode=rwc"),
            Some(PathBuf::from("/data/stint.db"))
        );
        assert_eq!(
            database_file("sqlite://./data/stint.db"),
            Some(PathBuf::from("./data/stint.db"))
        );
        assert_eq!(database_file("sqlite::memory:"), None);
        assert_eq!(database_file("sqlite://x.db?mode=memory"), None);
        assert_eq!(database_file("postgres://localhost/test"), None);
    }

    #[test]
    fn values_are_bound_as_sqlx_binds_them() {
        let at = chrono::DateTime::parse_from_rfc3339("2025-01-01T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            bind(&Value::ChronoDateTimeUtc(Some(at))),
            Some(SqliteValue::Text("2025-01-01T10:00:00+00:00".to_owned()))
        );
        let id = uuid::Uuid::now_v7();
        assert_eq!(
            bind(&Value::Uuid(Some(id))),
            Some(SqliteValue::Blob(id.as_bytes().to_vec()))
        );
        assert_eq!(bind(&Value::Json(None)), None);
    }
}
