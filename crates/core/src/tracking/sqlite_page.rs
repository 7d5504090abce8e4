//! A page of time entries and its user's entry version, read from SQLite as one row.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every row of a result to the
//! async task separately, waking it each time: a page of 51 rows plus the version read cost ~53
//! hand-offs between threads, which on a busy 2-core machine was most of a request's time (a
//! `perf` profile of the uncached path showed the kernel's task switching on top). Here SQLite
//! packs the page into one JSON text beside the version (one statement, so one snapshot: the
//! version is exactly the one the page was read at), and the rows are read back from it.
//!
//! The statement runs on the request's own thread (`sqlite_reader`) when the database is a file;
//! through sqlx otherwise, or should that fail.

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Select, Statement, Value, Values};
use serde::Deserialize;
use stint_entity::time_entry;
use uuid::Uuid;

use crate::error::CoreError;

/// One entry as SQLite packs it: ids in hex (empty for none), times as stored.
#[derive(Deserialize)]
struct PackedEntry(
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    String,
    String,
);

/// The rows `select` names (newest first, as it orders them) and the version of `user_id`'s
/// entries they were read at. `file` is the database file, when it is one.
pub(crate) async fn read<C: ConnectionTrait>(
    db: &C,
    file: Option<&std::path::Path>,
    select: Select<time_entry::Entity>,
    user_id: Uuid,
) -> Result<(i64, Vec<time_entry::Model>), CoreError> {
    let inner = select.build(DbBackend::Sqlite);
    let sql = format!(
        "SELECT COALESCE((SELECT version FROM time_entry_versions WHERE user_id = ?), 0) AS version, \
         (SELECT json_group_array(json_array(hex(id), hex(user_id), hex(project_id), hex(task_id), \
         started_at, ended_at, notes, billable, source, created_at, updated_at)) \
         FROM ({}) AS page) AS rows",
        inner.sql
    );
    let mut values = vec![Value::Uuid(Some(user_id))];
    values.extend(
        inner
            .values
            .map(|Values(values)| values)
            .unwrap_or_default(),
    );
    let here = file.and_then(|file| {
        let read = match values.iter().map(super::sqlite_reader::bind).collect() {
            Some(params) => super::sqlite_reader::query_row(file, &sql, params, |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            }),
            None => Err(rusqlite::Error::InvalidQuery),
        };
        read.inspect_err(|err| {
            tracing::warn!(error = %err, "page read on this thread failed; reading through the pool");
        })
        .ok()
    });
    let (version, packed) = match here {
        Some(read) => read,
        None => {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    sql,
                    values,
                ))
                .await?
                .ok_or_else(|| CoreError::Internal("a page query answered no row".into()))?;
            (row.try_get("", "version")?, row.try_get("", "rows")?)
        }
    };
    let mut rows = unpack(&packed)?;
    // The aggregate's order is SQLite's to choose: put the page back in its order.
    rows.sort_by_key(|row| std::cmp::Reverse((row.started_at, row.id)));
    Ok((version, rows))
}

fn unpack(packed: &str) -> Result<Vec<time_entry::Model>, CoreError> {
    let entries: Vec<PackedEntry> = serde_json::from_str(packed)
        .map_err(|err| CoreError::Internal(format!("cannot read a packed page: {err}")))?;
    entries
        .into_iter()
        .map(
            |PackedEntry(
                id,
                user,
                project,
                task,
                started,
                ended,
                notes,
                billable,
                source,
                created,
                updated,
            )| {
                Ok(time_entry::Model {
                    id: uuid(&id)?,
                    user_id: uuid(&user)?,
                    project_id: optional_uuid(&project)?,
                    task_id: optional_uuid(&task)?,
                    started_at: moment(&started)?,
                    ended_at: ended.as_deref().map(moment).transpose()?,
                    notes,
                    billable: billable != 0,
                    source,
                    created_at: moment(&created)?,
                    updated_at: moment(&updated)?,
                })
            },
        )
        .collect()
}

fn uuid(hex: &str) -> Result<Uuid, CoreError> {
    Uuid::try_parse(hex).map_err(|_| CoreError::Internal(format!("stored id `{hex}` is no UUID")))
}

fn optional_uuid(hex: &str) -> Result<Option<Uuid>, CoreError> {
    if hex.is_empty() {
        Ok(None)
    } else {
        uuid(hex).map(Some)
    }
}

/// A stored time, in the forms sqlx writes and reads.
fn moment(text: &str) -> Result<DateTime<Utc>, CoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .or_else(|_| {
            DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")
                .map(|at| at.with_timezone(&Utc))
        })
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").map(|at| at.and_utc())
        })
        .map_err(|_| CoreError::Internal(format!("stored time `{text}` is not readable")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_entries_read_back_as_models() {
        let packed = r#"[["01A223469EAA73E39718A9A3086F80D1","01A22346921E72B388FE2F566D8C02B2","","01A223469DF271C39E340667C79FD44A","2025-01-01T10:00:00+00:00",null,"a \"q\" é\n",1,"manual","2026-11-28 17:49:20.5+00:00","2026-11-28 17:49:20"]]"#;
        let rows = unpack(packed).unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.id.to_string(), "01a22346-9eaa-73e3-9718-a9a3086f80d1");
        assert_eq!(row.project_id, None);
        assert!(row.task_id.is_some());
        assert_eq!(row.ended_at, None);
        assert_eq!(row.notes, "a \"q\" é\n");
        assert!(row.billable);
        assert_eq!(row.started_at.to_rfc3339(), "2025-01-01T10:00:00+00:00");
        assert_eq!(row.created_at.timestamp_subsec_millis(), 500);
        assert_eq!(row.updated_at.timestamp(), 1_795_888_160);
        assert!(unpack("[]").unwrap().is_empty());
        assert!(unpack(r#"[["nope","","","","","","",0,"","",""]]"#).is_err());
    }
}
