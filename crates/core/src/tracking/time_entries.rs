use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Select,
};
use sea_orm::{DbErr, FromQueryResult, QueryResult, sea_query::Expr};
use stint_api_types::auth::Scope;
use stint_api_types::tracking::{CreateTimeEntry, TimeEntry, TimeEntryQuery, UpdateTimeEntry};
use stint_api_types::{Page, ProjectId, TaskId, TimeEntryId};
use stint_entity::time_entry;
use uuid::Uuid;

use super::entry_pages::{self, PageKey};

use super::{cursor, from_wire_name, projects, tasks, wire_name};
use crate::auth::Principal;
use crate::clock::truncate_to_seconds;
use crate::context::Stint;
use crate::error::CoreError;
use crate::validate;

pub(crate) fn to_api(m: &time_entry::Model, now: DateTime<Utc>) -> Result<TimeEntry, CoreError> {
    let end = m.ended_at.unwrap_or(now);
    Ok(TimeEntry {
        id: m.id.into(),
        user_id: m.user_id.into(),
        project_id: m.project_id.map(Into::into),
        task_id: m.task_id.map(Into::into),
        started_at: m.started_at,
        ended_at: m.ended_at,
        duration_seconds: (end - m.started_at).num_seconds().max(0),
        notes: m.notes.clone(),
        billable: m.billable,
        source: from_wire_name(&m.source)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Members see only their own entries; admins (with the `admin` scope) see everyone's.
fn visible_to(principal: &Principal) -> Select<time_entry::Entity> {
    let select = time_entry::Entity::find();
    if principal.acts_as_admin() {
        select
    } else {
        select.filter(time_entry::Column::UserId.eq(principal.user_id.as_uuid()))
    }
}

/// Another member's entry is "not found", not "forbidden": its existence is not revealed.
async fn find_visible(
    stint: &Stint,
    principal: &Principal,
    id: TimeEntryId,
) -> Result<time_entry::Model, CoreError> {
    visible_to(principal)
        .filter(time_entry::Column::Id.eq(id.as_uuid()))
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("time entry"))
}

/// The project and task an entry refers to, checked to exist and agree. A task implies its project.
pub(crate) struct References {
    pub project_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub billable_default: bool,
}

pub(crate) async fn resolve_references(
    stint: &Stint,
    project_id: Option<ProjectId>,
    task_id: Option<TaskId>,
) -> Result<References, CoreError> {
    let task = match task_id {
        Some(id) => Some(match tasks::find(stint, id).await {
            Ok(task) => task,
            Err(CoreError::NotFound(_)) => {
                return Err(CoreError::invalid("task_id", "no such task"));
            }
            Err(e) => return Err(e),
        }),
        None => None,
    };
    let project_id = match (project_id, &task) {
        (Some(project), Some(task)) if project.as_uuid() != task.project_id => {
            return Err(CoreError::invalid(
                "task_id",
                "belongs to another project than project_id",
            ));
        }
        (Some(project), _) => Some(project),
        (None, Some(task)) => Some(ProjectId::from(task.project_id)),
        (None, None) => None,
    };
    let project = match project_id {
        Some(id) => Some(match projects::find(stint, id).await {
            Ok(project) => project,
            Err(CoreError::NotFound(_)) => {
                return Err(CoreError::invalid("project_id", "no such project"));
            }
            Err(e) => return Err(e),
        }),
        None => None,
    };
    if project.as_ref().is_some_and(|p| p.archived) {
        return Err(CoreError::invalid("project_id", "the project is archived"));
    }
    Ok(References {
        project_id: project.as_ref().map(|p| p.id),
        task_id: task.map(|t| t.id),
        billable_default: project.is_none_or(|p| p.billable),
    })
}

/// A checked listing: what to select, how many, and whose entries it shows when that is one user.
struct Listing {
    select: Select<time_entry::Entity>,
    limit: u64,
    key: Option<PageKey>,
}

fn listing(principal: &Principal, query: TimeEntryQuery) -> Result<Listing, CoreError> {
    principal.require_scope(Scope::Read)?;
    let limit = validate::page_limit(query.limit)?;
    if let Some(from) = query.from {
        validate::moment("from", from)?;
    }
    if let Some(to) = query.to {
        validate::moment("to", to)?;
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && to <= from
    {
        return Err(CoreError::invalid("to", "must be after `from`"));
    }
    let mut select = visible_to(principal)
        .order_by_desc(time_entry::Column::StartedAt)
        .order_by_desc(time_entry::Column::Id)
        .limit(limit + 1);
    let mut owner = (!principal.acts_as_admin()).then(|| principal.user_id.as_uuid());
    if let Some(user_id) = query.user_id {
        if !principal.acts_as_admin() && user_id != principal.user_id {
            return Err(CoreError::Forbidden(
                "only admins may list other users' time entries",
            ));
        }
        select = select.filter(time_entry::Column::UserId.eq(user_id.as_uuid()));
        owner = Some(user_id.as_uuid());
    }
    let from = query.from.map(truncate_to_seconds);
    let to = query.to.map(truncate_to_seconds);
    if let Some(from) = from {
        select = select.filter(time_entry::Column::StartedAt.gte(from));
    }
    if let Some(to) = to {
        select = select.filter(time_entry::Column::StartedAt.lt(to));
    }
    if let Some(project_id) = query.project_id {
        select = select.filter(time_entry::Column::ProjectId.eq(project_id.as_uuid()));
    }
    if let Some(task_id) = query.task_id {
        select = select.filter(time_entry::Column::TaskId.eq(task_id.as_uuid()));
    }
    if let Some(raw) = &query.cursor {
        let (at, id) = cursor::decode_time_id(raw)?;
        select = select.filter(
            Condition::any()
                .add(time_entry::Column::StartedAt.lt(at))
                .add(
                    Condition::all()
                        .add(time_entry::Column::StartedAt.eq(at))
                        .add(time_entry::Column::Id.lt(id)),
                ),
        );
    }
    let key = owner.map(|user_id| PageKey {
        user_id,
        from: from.map(|at| at.timestamp()),
        to: to.map(|at| at.timestamp()),
        project_id: query.project_id.map(|id| id.as_uuid()),
        task_id: query.task_id.map(|id| id.as_uuid()),
        limit,
        cursor: query.cursor,
    });
    Ok(Listing { select, limit, key })
}

async fn fetch(stint: &Stint, listing: Listing) -> Result<Page<TimeEntry>, CoreError> {
    let rows = listing.select.all(&stint.db).await?;
    page_of(stint, rows, listing.limit)
}

/// One user's page and the entry version it was read at, when known.
async fn fetch_with_version(
    stint: &Stint,
    listing: Listing,
    user_id: Uuid,
) -> Result<(Option<i64>, Page<TimeEntry>), CoreError> {
    if stint.db.get_database_backend() == DbBackend::Sqlite {
        let file = super::sqlite_reader::database_file(&stint.config.database_url);
        let (version, rows) =
            super::sqlite_page::read(&stint.db, file.as_deref(), listing.select, user_id).await?;
        return Ok((Some(version), page_of(stint, rows, listing.limit)?));
    }
    // PostgreSQL (SQLite went above): the version rides along on every row, so one statement,
    // one snapshot, one round trip.
    let rows = listing
        .select
        .column_as(
            Expr::cust_with_values(
                "COALESCE((SELECT version FROM time_entry_versions WHERE user_id = $1), 0)",
                [user_id],
            ),
            "page_version",
        )
        .into_model::<Versioned>()
        .all(&stint.db)
        .await?;
    // An empty page carries no version; it is not kept.
    let version = rows.first().map(|row| row.version);
    let rows = rows.into_iter().map(|row| row.entry).collect();
    Ok((version, page_of(stint, rows, listing.limit)?))
}

/// A row of a page with the entry version it was read at.
struct Versioned {
    entry: time_entry::Model,
    version: i64,
}

impl FromQueryResult for Versioned {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Versioned {
            entry: time_entry::Model::from_query_result(row, prefix)?,
            version: row.try_get(prefix, "page_version")?,
        })
    }
}

fn page_of(
    stint: &Stint,
    mut rows: Vec<time_entry::Model>,
    limit: u64,
) -> Result<Page<TimeEntry>, CoreError> {
    let now = stint.clock.now();
    cursor::page_with(
        &mut rows,
        limit,
        |m| cursor::encode_time_id(m.started_at, m.id),
        |m| to_api(m, now),
    )
}

/// A page of time entries, as the JSON document the API answers with. A page of one user's
/// entries is served from `entry_pages` while their entries are unchanged.
pub async fn list_json(
    stint: &Stint,
    principal: &Principal,
    query: TimeEntryQuery,
) -> Result<Bytes, CoreError> {
    let mut listing = listing(principal, query)?;
    let Some(key) = listing.key.take() else {
        return encode(&fetch(stint, listing).await?);
    };
    // A page this process holds costs one version read when unchanged; one it does not hold is
    // read with its version in one go.
    if stint.entry_pages.holds(&key) {
        let version = entry_pages::version_of(&stint.db, key.user_id).await?;
        if let Some(body) = stint
            .entry_pages
            .get(&key, version, stint.clock.now().timestamp())
        {
            return Ok(body);
        }
    } else {
        stint.entry_pages.count_miss();
    }
    let (version, page) = fetch_with_version(stint, listing, key.user_id).await?;
    let live_second = page
        .items
        .iter()
        .any(|entry| entry.ended_at.is_none())
        .then(|| stint.clock.now().timestamp());
    let body = encode(&page)?;
    if let Some(version) = version {
        stint
            .entry_pages
            .put(key, version, body.clone(), live_second);
    }
    Ok(body)
}

fn encode(page: &Page<TimeEntry>) -> Result<Bytes, CoreError> {
    serde_json::to_vec(page)
        .map(Bytes::from)
        .map_err(|err| CoreError::Internal(format!("cannot encode time entries: {err}")))
}

pub async fn get(
    stint: &Stint,
    principal: &Principal,
    id: TimeEntryId,
) -> Result<TimeEntry, CoreError> {
    principal.require_scope(Scope::Read)?;
    to_api(
        &find_visible(stint, principal, id).await?,
        stint.clock.now(),
    )
}

pub async fn create(
    stint: &Stint,
    principal: &Principal,
    request: CreateTimeEntry,
) -> Result<TimeEntry, CoreError> {
    principal.require_scope(Scope::Write)?;
    let started_at = truncate_to_seconds(validate::moment("started_at", request.started_at)?);
    let ended_at = truncate_to_seconds(validate::moment("ended_at", request.ended_at)?);
    if ended_at < started_at {
        return Err(CoreError::invalid(
            "ended_at",
            "must not be before started_at",
        ));
    }
    let refs = resolve_references(stint, request.project_id, request.task_id).await?;
    let now = stint.clock.now();
    let model = time_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(principal.user_id.as_uuid()),
        project_id: Set(refs.project_id),
        task_id: Set(refs.task_id),
        started_at: Set(started_at),
        ended_at: Set(Some(ended_at)),
        notes: Set(validate::text("notes", &request.notes, 10_000)?),
        billable: Set(request.billable.unwrap_or(refs.billable_default)),
        source: Set(wire_name(&request.source)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&stint.db)
    .await?;
    to_api(&model, now)
}

pub async fn update(
    stint: &Stint,
    principal: &Principal,
    id: TimeEntryId,
    request: UpdateTimeEntry,
) -> Result<TimeEntry, CoreError> {
    principal.require_scope(Scope::Write)?;
    let current = find_visible(stint, principal, id).await?;
    let started_at = request
        .started_at
        .map(|at| validate::moment("started_at", at))
        .transpose()?
        .map(truncate_to_seconds)
        .unwrap_or(current.started_at);
    let ended_at = request
        .ended_at
        .map(|at| validate::moment("ended_at", at))
        .transpose()?
        .map(truncate_to_seconds)
        .or(current.ended_at);
    if ended_at.is_some_and(|end| end < started_at) {
        return Err(CoreError::invalid(
            "ended_at",
            "must not be before started_at",
        ));
    }
    let mut model = current.clone().into_active_model();
    if request.project_id.is_some() || request.task_id.is_some() {
        let project_id = request
            .project_id
            .unwrap_or(current.project_id.map(Into::into));
        // Moving an entry to another project drops a task of the old project unless one is given.
        let task_id = match request.task_id {
            Some(task) => task,
            None if request.project_id.is_some()
                && project_id != current.project_id.map(Into::into) =>
            {
                None
            }
            None => current.task_id.map(Into::into),
        };
        let refs = resolve_references(stint, project_id, task_id).await?;
        model.project_id = Set(refs.project_id);
        model.task_id = Set(refs.task_id);
    }
    model.started_at = Set(started_at);
    model.ended_at = Set(ended_at);
    if let Some(notes) = &request.notes {
        model.notes = Set(validate::text("notes", notes, 10_000)?);
    }
    if let Some(billable) = request.billable {
        model.billable = Set(billable);
    }
    let now = stint.clock.now();
    model.updated_at = Set(now);
    to_api(&model.update(&stint.db).await?, now)
}

pub async fn delete(
    stint: &Stint,
    principal: &Principal,
    id: TimeEntryId,
) -> Result<(), CoreError> {
    principal.require_scope(Scope::Write)?;
    let entry = find_visible(stint, principal, id).await?;
    time_entry::Entity::delete_by_id(entry.id)
        .exec(&stint.db)
        .await?;
    Ok(())
}
