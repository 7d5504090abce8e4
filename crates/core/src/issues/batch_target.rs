//! A batch's issue target, ready to apply: the connection, the links of the batch's issues
//! (locked) with their tasks, and the projects of their containers. On PostgreSQL that is one statement instead
//! of three; each statement is a round trip that wakes PostgreSQL and then the intake again, and
//! those wake-ups, more than the queries, were a batch's time.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, Statement, Value};
use serde::Deserialize;
use stint_api_types::providers::IntegrationScope;
use stint_entity::{external_link, integration, task};
use uuid::Uuid;

use super::apply::load_target;
use super::batch::TargetKey;
use super::tasks::IssueTarget;
use crate::error::CoreError;
use stint_connectors::Connector;
use stint_connectors::ExternalIssue;

/// The delivery ids (`$2`, a JSON array) of a provider (`$1`) whose records exist: one probe of
/// the unique (provider, delivery_id) index per id, in the plan PostgreSQL caches for the
/// statement as well (with `= ANY(...)`, a plan made while the table was empty could scan, and
/// keep scanning as the table grew). The intake's duplicate check, alone or inside `POSTGRES`.
pub const POSTGRES_RECORDED: &str = "\
SELECT d.delivery_id FROM jsonb_array_elements_text($2::jsonb) AS wanted(delivery_id)
  CROSS JOIN LATERAL (
    SELECT delivery_id FROM webhook_deliveries
    WHERE provider = $1 AND delivery_id = wanted.delivery_id
    LIMIT 1
  ) AS d";

/// `{connection}` is the filter that finds the connection; `$1` and `$2` ask which deliveries
/// are recorded (`POSTGRES_RECORDED`, one round trip less for the intake), `$3` the issue ids,
/// `$4` the containers (kind and name). Issue links are locked as they are read, in id order
/// (see `sorted_id_list`). Every lookup is a lateral `LIMIT 1`: one probe of a unique index in
/// the plan PostgreSQL caches too, which it may make while the tables are empty (a join there
/// became a scan of every task).
const POSTGRES: &str = r#"
WITH connection AS (SELECT * FROM integrations WHERE {connection} LIMIT 1),
issue_links AS (
  SELECT l.* FROM connection
  CROSS JOIN jsonb_array_elements_text($3::jsonb) AS wanted(external_id)
  CROSS JOIN LATERAL (
    SELECT * FROM external_links
    WHERE integration_id = connection.id AND external_type = 'issue'
      AND external_id = wanted.external_id
    LIMIT 1
    FOR UPDATE
  ) AS l),
container_projects AS (
  SELECT c.external_id AS container, p.id AS project_id FROM connection
  CROSS JOIN jsonb_to_recordset($4::jsonb) AS wanted(kind text, name text)
  CROSS JOIN LATERAL (
    SELECT external_id, entity_id FROM external_links
    WHERE integration_id = connection.id AND external_type = wanted.kind
      AND external_id = wanted.name
    LIMIT 1
  ) AS c
  CROSS JOIN LATERAL (SELECT id FROM projects WHERE id = c.entity_id LIMIT 1) AS p),
recorded AS ({recorded})
SELECT 'connection' AS kind, to_jsonb(connection.*) AS row FROM connection
UNION ALL SELECT 'issue_link', to_jsonb(issue_links.*) FROM issue_links
UNION ALL SELECT 'issue_task', to_jsonb(t.*) FROM issue_links
  CROSS JOIN LATERAL (SELECT * FROM tasks WHERE id = issue_links.entity_id LIMIT 1) AS t
UNION ALL SELECT 'container_project', to_jsonb(container_projects.*) FROM container_projects
UNION ALL SELECT 'recorded', to_jsonb(recorded.delivery_id) FROM recorded"#;

/// The issue links on SQLite (one writer at a time: nothing to lock), the ids as one JSON array.
const SQLITE_ISSUE_LINKS: &str = "SELECT l.* FROM json_each(?) AS wanted \
     CROSS JOIN external_links AS l \
     WHERE l.integration_id = ? AND l.external_type = 'issue' AND l.external_id = wanted.value";

#[derive(Deserialize)]
struct ContainerProject {
    container: String,
    project_id: Uuid,
}

/// Delivery ids of one provider whose records are looked up with a batch's target.
pub struct RecordedQuery<'a> {
    pub provider: &'a str,
    pub delivery_ids: Vec<&'a str>,
}

/// A batch's target and, when asked on PostgreSQL, which of the delivery ids are recorded.
pub struct BatchTarget {
    pub target: Option<IssueTarget>,
    pub recorded: Option<Vec<String>>,
}

/// The target of `key` with a batch open for `issues` (`None` when not connected or no tracker),
/// and on PostgreSQL the recorded ids of `recorded`, in the same statement.
pub async fn load_batch_target<C: ConnectionTrait>(
    db: &C,
    connector: &Connector,
    key: TargetKey,
    issues: &[&ExternalIssue],
    recorded: Option<RecordedQuery<'_>>,
) -> Result<BatchTarget, CoreError> {
    let references: Vec<String> = issues.iter().map(|i| i.reference.clone()).collect();
    if db.get_database_backend() != DatabaseBackend::Postgres {
        // SQLite runs in this process: a statement costs no round trip.
        let Some(target) = load_target(db, connector, key).await? else {
            return Ok(BatchTarget {
                target: None,
                recorded: None,
            });
        };
        let links = if references.is_empty() {
            Vec::new()
        } else {
            external_link::Entity::find()
                .from_raw_sql(Statement::from_sql_and_values(
                    DatabaseBackend::Sqlite,
                    SQLITE_ISSUE_LINKS,
                    [
                        sorted_id_list(&references)?.into(),
                        target.integration_id.into(),
                    ],
                ))
                .all(db)
                .await?
        };
        target.open_batch(references, links, None);
        return Ok(BatchTarget {
            target: Some(target),
            recorded: None,
        });
    }
    let containers: BTreeSet<(&str, String)> = issues
        .iter()
        .map(|i| (i.container_kind, i.container.to_ascii_lowercase()))
        .collect();
    let containers: Vec<serde_json::Value> = containers
        .into_iter()
        .map(|(kind, name)| serde_json::json!({ "kind": kind, "name": name }))
        .collect();
    let asked = recorded.is_some();
    let (provider, delivery_ids) = match recorded {
        Some(query) => (query.provider, query.delivery_ids),
        None => ("", Vec::new()),
    };
    let delivery_ids = serde_json::to_string(&delivery_ids)
        .map_err(|err| CoreError::Internal(format!("cannot list delivery ids: {err}")))?;
    let mut values: Vec<Value> = vec![
        provider.into(),
        delivery_ids.into(),
        sorted_id_list(&references)?.into(),
        serde_json::Value::Array(containers).to_string().into(),
    ];
    let connection = match key {
        TargetKey::Organisation(provider) => {
            values.push(provider.as_str().into());
            values.push(IntegrationScope::Global.as_str().into());
            "provider = $5 AND scope = $6 AND user_id IS NULL"
        }
        TargetKey::Connection(id) => {
            values.push(id.into());
            "id = $5"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            POSTGRES
                .replace("{connection}", connection)
                .replace("{recorded}", POSTGRES_RECORDED),
            values,
        ))
        .await?;
    let (mut found, mut links, mut tasks, mut projects) =
        (None, Vec::new(), Vec::new(), Vec::new());
    let mut recorded = Vec::new();
    for row in rows {
        let kind: String = row.try_get("", "kind")?;
        let json: serde_json::Value = row.try_get("", "row")?;
        match kind.as_str() {
            "connection" => found = Some(read::<integration::Model>(&kind, json)?),
            "issue_link" => links.push(read::<external_link::Model>(&kind, json)?),
            "issue_task" => tasks.push(read::<task::Model>(&kind, json)?),
            "recorded" => recorded.push(read::<String>(&kind, json)?),
            _ => projects.push(read::<ContainerProject>(&kind, json)?),
        }
    }
    let recorded = asked.then_some(recorded);
    let Some(target) = found.and_then(|row| IssueTarget::new(connector, &row)) else {
        return Ok(BatchTarget {
            target: None,
            recorded,
        });
    };
    target.open_batch(references, links, Some(tasks));
    // A container the connection's settings map to a project is left to `project_for`, which
    // checks that mapping first.
    for ContainerProject {
        container,
        project_id,
    } in projects
    {
        if !target.routing.container_projects.contains_key(&container) {
            target.remember_project(&container, project_id);
        }
    }
    Ok(BatchTarget {
        target: Some(target),
        recorded,
    })
}

/// A row of the statement, read back into its type.
fn read<T: serde::de::DeserializeOwned>(
    kind: &str,
    json: serde_json::Value,
) -> Result<T, CoreError> {
    serde_json::from_value(json)
        .map_err(|err| CoreError::Internal(format!("a {kind} row is unreadable: {err}")))
}

/// Issue ids as a JSON array, sorted and without repeats: batches side by side then lock the
/// links they share in one order and never wait for each other in a circle.
fn sorted_id_list(external_ids: &[String]) -> Result<String, CoreError> {
    let ids: std::collections::BTreeSet<&String> = external_ids.iter().collect();
    serde_json::to_string(&ids)
        .map_err(|err| CoreError::Internal(format!("cannot list issue ids: {err}")))
}
