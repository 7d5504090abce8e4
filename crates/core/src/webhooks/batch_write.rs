//! What a batch of deliveries writes at its end — the tasks and links it made and the record of
//! every delivery — in one statement on PostgreSQL. Each statement is a round trip that wakes
//! PostgreSQL and then the intake again; at ten deliveries a batch those wake-ups, not the
//! inserts, were most of a batch's time. The rows travel as JSON arrays read back into each
//! table's own row type, so the statement's text is the same for every batch (prepared once per
//! connection) and it names no column: a column added to a table is carried by its entity.

use chrono::SecondsFormat;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityTrait, Iden, Iterable, Statement,
    Value,
};
use serde_json::{Map, Value as Json};
use stint_entity::{external_link, task, webhook_delivery};

use crate::error::CoreError;

/// Deliveries go in (provider, delivery id) order, so that batches side by side wait for one
/// another in one order; one already recorded is skipped, and the count says so.
const POSTGRES: &str = "WITH new_tasks AS (\
       INSERT INTO tasks SELECT * FROM jsonb_populate_recordset(NULL::tasks, $1::jsonb)), \
     new_links AS (\
       INSERT INTO external_links \
       SELECT * FROM jsonb_populate_recordset(NULL::external_links, $2::jsonb)) \
     INSERT INTO webhook_deliveries \
     SELECT * FROM jsonb_populate_recordset(NULL::webhook_deliveries, $3::jsonb) \
     ORDER BY provider, delivery_id \
     ON CONFLICT (provider, delivery_id) DO NOTHING";

/// Inserts the tasks, links and delivery records; the number of records inserted (fewer than
/// given when a delivery id was recorded meanwhile).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    tasks: Vec<task::ActiveModel>,
    links: Vec<external_link::ActiveModel>,
    deliveries: Vec<webhook_delivery::ActiveModel>,
) -> Result<u64, CoreError> {
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        let values = [
            rows_json(&tasks)?,
            rows_json(&links)?,
            rows_json(&deliveries)?,
        ];
        let done = db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                POSTGRES,
                values.map(Value::from),
            ))
            .await?;
        return Ok(done.rows_affected());
    }
    // SQLite runs in this process: a statement costs no round trip.
    crate::issues::tasks::insert_tasks_and_links(db, tasks, links).await?;
    if deliveries.is_empty() {
        return Ok(0);
    }
    Ok(webhook_delivery::Entity::insert_many(deliveries)
        .on_conflict(super::intake::keep_first())
        .exec_without_returning(db)
        .await?)
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
