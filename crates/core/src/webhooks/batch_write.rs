//! What a batch of deliveries writes at its end — the tasks and links it made, the edits of
//! tasks it changed, and the record of every delivery — in one statement on PostgreSQL. Each
//! statement is a round trip that wakes PostgreSQL and then the intake again; at ten deliveries a
//! batch those wake-ups, not the inserts, were most of a batch's time. The rows travel as JSON
//! arrays read back into each table's own row type, so the statement's text is the same for every
//! batch (prepared once per connection) and names only the columns an edit changes: a column
//! added to a table is carried by its entity.

use chrono::SecondsFormat;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DatabaseBackend, EntityTrait, Iden, Iterable,
    Statement, Value,
};
use serde_json::{Map, Value as Json};
use stint_entity::webhook_delivery;

use crate::error::CoreError;
use crate::issues::tasks::PendingWrites;

/// Deliveries go in (provider, delivery id) order, so that batches side by side wait for one
/// another in one order; one already recorded is skipped, and the count says so.
const POSTGRES_INSERTS: &str = "WITH new_tasks AS (\
       INSERT INTO tasks SELECT * FROM jsonb_populate_recordset(NULL::tasks, $1::jsonb)), \
     new_links AS (\
       INSERT INTO external_links \
       SELECT * FROM jsonb_populate_recordset(NULL::external_links, $2::jsonb)), \
     recorded AS (\
       INSERT INTO webhook_deliveries \
       SELECT * FROM jsonb_populate_recordset(NULL::webhook_deliveries, $3::jsonb) \
       ORDER BY provider, delivery_id \
       ON CONFLICT (provider, delivery_id) DO NOTHING RETURNING 1)";

/// The records inserted; a batch with edits also counts the rows they changed.
const POSTGRES_COUNTS: &str = " SELECT (SELECT count(*) FROM recorded) AS recorded";

/// The batch's edits as two more parts of the statement: each changed row (`$4`, `$5`) writes
/// its `Set` columns over the row of its id. Their links were locked when the batch read them,
/// so no batch side by side writes the same rows.
fn postgres_changes(task_columns: &str, link_columns: &str) -> String {
    format!(
        ", changed_tasks AS ({}), changed_links AS ({})",
        postgres_change("tasks", "$4", task_columns),
        postgres_change("external_links", "$5", link_columns)
    )
}

/// Each row is found by a `LIMIT 1` probe of the primary key and updated where it lies: joined
/// on the id instead, the plan PostgreSQL caches (made while the table is small) scans the whole
/// table for every batch. A row changed meanwhile by someone else is not where it lay; it is
/// left alone, and the count tells.
fn postgres_change(table: &str, rows: &str, columns: &str) -> String {
    format!(
        "UPDATE {table} AS t SET {columns} \
         FROM jsonb_populate_recordset(NULL::{table}, {rows}::jsonb) AS r \
         CROSS JOIN LATERAL (SELECT ctid AS at FROM {table} WHERE id = r.id LIMIT 1) AS found \
         WHERE t.ctid = found.at RETURNING 1"
    )
}

/// Writes the new tasks and links, the edits, and the delivery records; the number of records
/// inserted (fewer than given when a delivery id was recorded meanwhile). An edited task or link
/// that is gone (deleted meanwhile) fails the write, so the batch is applied again one delivery
/// at a time.
pub async fn write<C: ConnectionTrait>(
    db: &C,
    pending: PendingWrites,
    deliveries: Vec<webhook_delivery::ActiveModel>,
) -> Result<u64, CoreError> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        // SQLite runs in this process: a statement costs no round trip.
        pending.write(db).await?;
        if deliveries.is_empty() {
            return Ok(0);
        }
        return Ok(webhook_delivery::Entity::insert_many(deliveries)
            .on_conflict(super::intake::keep_first())
            .exec_without_returning(db)
            .await?);
    }
    let PendingWrites {
        new_tasks,
        new_links,
        changed_tasks,
        changed_links,
    } = pending;
    let mut values = vec![
        rows_json(&new_tasks)?,
        rows_json(&new_links)?,
        rows_json(&deliveries)?,
    ];
    let changes = (changed_tasks.len(), changed_links.len());
    let sql = if changes == (0, 0) {
        format!("{POSTGRES_INSERTS}{POSTGRES_COUNTS}")
    } else {
        values.push(rows_json(&changed_tasks)?);
        values.push(rows_json(&changed_links)?);
        format!(
            "{POSTGRES_INSERTS}{}{POSTGRES_COUNTS}, \
             (SELECT count(*) FROM changed_tasks) AS changed_tasks, \
             (SELECT count(*) FROM changed_links) AS changed_links",
            postgres_changes(&assignments(&changed_tasks), &assignments(&changed_links),)
        )
    };
    let counts = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            values.into_iter().map(Value::from),
        ))
        .await?
        .ok_or_else(|| CoreError::Internal("the batch write answered nothing".into()))?;
    if changes != (0, 0) {
        let changed: (i64, i64) = (
            counts.try_get("", "changed_tasks")?,
            counts.try_get("", "changed_links")?,
        );
        if changed != (changes.0 as i64, changes.1 as i64) {
            return Err(CoreError::Conflict(
                "an edited task was changed or deleted meanwhile".into(),
            ));
        }
    }
    let recorded: i64 = counts.try_get("", "recorded")?;
    Ok(u64::try_from(recorded).unwrap_or_default())
}

/// `"column" = r."column"` for every column `Set` in any of `rows` (all made by the same code,
/// so the same columns), the primary key left out. With none, the id is written over itself.
fn assignments<A: ActiveModelTrait>(rows: &[A]) -> String {
    let mut columns = Vec::new();
    for column in <A::Entity as EntityTrait>::Column::iter() {
        let name = column.to_string();
        if name != "id"
            && rows
                .iter()
                .any(|row| matches!(row.get(column), ActiveValue::Set(_)))
        {
            columns.push(format!("\"{name}\" = r.\"{name}\""));
        }
    }
    if columns.is_empty() {
        columns.push("\"id\" = r.\"id\"".to_owned());
    }
    columns.join(", ")
}

/// The rows as a JSON array of objects keyed by column name. Every column must be set: a column
/// left out would be NULL, not its default.
fn rows_json<A: ActiveModelTrait>(rows: &[A]) -> Result<String, CoreError> {
    let mut array = Vec::with_capacity(rows.len());
    for row in rows {
        let mut object = Map::new();
        for column in <A::Entity as EntityTrait>::Column::iter() {
            let value = row.get(column).into_value().ok_or_else(|| {
                CoreError::Internal(format!(
                    "`{}` is not set in a batch row",
                    column.to_string()
                ))
            })?;
            object.insert(column.to_string(), json_of(value)?);
        }
        array.push(Json::Object(object));
    }
    serde_json::to_string(&array).map_err(|err| CoreError::Internal(err.to_string()))
}

/// A column's value as PostgreSQL reads it back from JSON into the column's type.
fn json_of(value: Value) -> Result<Json, CoreError> {
    Ok(match value {
        Value::Bool(v) => v.map_or(Json::Null, Json::Bool),
        Value::Int(v) => v.map_or(Json::Null, Json::from),
        Value::BigInt(v) => v.map_or(Json::Null, Json::from),
        Value::String(v) => v.map_or(Json::Null, Json::String),
        Value::Uuid(v) => v.map_or(Json::Null, |id| Json::String(id.to_string())),
        Value::ChronoDateTimeUtc(v) => v.map_or(Json::Null, |at| {
            Json::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }),
        _ => {
            return Err(CoreError::Internal(
                "a batch row holds a value of a type it cannot send".into(),
            ));
        }
    })
}
