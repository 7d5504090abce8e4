use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use stint_api_types::auth::Scope;
use stint_api_types::tracking::{CreateTask, Task, TaskQuery, UpdateTask};
use stint_api_types::{Page, ProjectId, TaskId, UserId};
use stint_entity::{external_link, task, user};
use uuid::Uuid;

use super::{cursor, from_wire_name, projects, wire_name};
use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::validate;

fn to_api(m: &task::Model) -> Result<Task, CoreError> {
    Ok(Task {
        id: m.id.into(),
        project_id: m.project_id.into(),
        title: m.title.clone(),
        description: m.description.clone(),
        status: from_wire_name(&m.status)?,
        priority: from_wire_name(&m.priority)?,
        assignee_id: m.assignee_id.map(Into::into),
        external_url: None,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) async fn find(stint: &Stint, id: TaskId) -> Result<task::Model, CoreError> {
    task::Entity::find_by_id(id.as_uuid())
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("task"))
}

async fn existing_project(stint: &Stint, id: ProjectId) -> Result<Uuid, CoreError> {
    match projects::find(stint, id).await {
        Ok(p) => Ok(p.id),
        Err(CoreError::NotFound(_)) => Err(CoreError::invalid("project_id", "no such project")),
        Err(e) => Err(e),
    }
}

async fn existing_user(stint: &Stint, id: UserId) -> Result<Uuid, CoreError> {
    user::Entity::find_by_id(id.as_uuid())
        .one(&stint.db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| CoreError::invalid("assignee_id", "no such user"))
}

pub async fn list(stint: &Stint, query: TaskQuery) -> Result<Page<Task>, CoreError> {
    let limit = validate::page_limit(query.limit)?;
    let mut select = task::Entity::find()
        .order_by_asc(task::Column::Id)
        .limit(limit + 1);
    if let Some(project_id) = query.project_id {
        select = select.filter(task::Column::ProjectId.eq(project_id.as_uuid()));
    }
    if let Some(status) = query.status {
        select = select.filter(task::Column::Status.eq(wire_name(&status)));
    }
    if let Some(assignee) = query.assignee_id {
        select = select.filter(task::Column::AssigneeId.eq(assignee.as_uuid()));
    }
    if let Some(raw) = &query.cursor {
        select = select.filter(task::Column::Id.gt(cursor::decode_id(raw)?));
    }
    let mut page = cursor::page_by_id(select.all(&stint.db).await?, limit, |m| m.id, to_api)?;
    with_external_urls(stint, &mut page.items).await?;
    Ok(page)
}

pub async fn get(stint: &Stint, id: TaskId) -> Result<Task, CoreError> {
    let mut task = [to_api(&find(stint, id).await?)?];
    with_external_urls(stint, &mut task).await?;
    let [task] = task;
    Ok(task)
}

/// A page's task links that carry an address, on PostgreSQL: one `LIMIT 1` probe of the
/// linked-record index per task (the ids as one JSON array). As `entity_id IN (…200 ids)`, a table
/// not analysed since it grew (autovacuum off, or a large import) was planned as a scan of every
/// link for every page.
const POSTGRES_TASK_LINKS: &str = "\
SELECT l.* FROM jsonb_array_elements_text($1::jsonb) AS wanted(id)
  CROSS JOIN LATERAL (
    SELECT * FROM external_links
    WHERE entity_id = wanted.id::uuid AND entity_type = 'task' AND external_url IS NOT NULL
    LIMIT 1
  ) AS l";

/// Where imported tasks live at their provider, in one query for a page. Only web addresses are
/// passed on: the value came from a provider and ends up in a link.
async fn with_external_urls(stint: &Stint, tasks: &mut [Task]) -> Result<(), CoreError> {
    if tasks.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = tasks.iter().map(|t| t.id.as_uuid()).collect();
    let links = if stint.db.get_database_backend() == DatabaseBackend::Postgres {
        let ids = serde_json::to_string(&ids).map_err(|e| CoreError::Internal(e.to_string()))?;
        external_link::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                POSTGRES_TASK_LINKS,
                [ids.into()],
            ))
            .all(&stint.db)
            .await?
    } else {
        external_link::Entity::find()
            .filter(external_link::Column::EntityType.eq("task"))
            .filter(external_link::Column::EntityId.is_in(ids))
            .filter(external_link::Column::ExternalUrl.is_not_null())
            .all(&stint.db)
            .await?
    };
    for task in tasks.iter_mut() {
        task.external_url = links
            .iter()
            .find(|l| l.entity_id == task.id.as_uuid())
            .and_then(|l| l.external_url.clone())
            .filter(|url| url.starts_with("https://") || url.starts_with("http://"));
    }
    Ok(())
}

pub async fn create(
    stint: &Stint,
    principal: &Principal,
    request: CreateTask,
) -> Result<Task, CoreError> {
    principal.require_scope(Scope::Write)?;
    let project_id = existing_project(stint, request.project_id).await?;
    let assignee_id = match request.assignee_id {
        Some(id) => Some(existing_user(stint, id).await?),
        None => None,
    };
    let now = stint.clock.now();
    let model = task::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        title: Set(validate::name("title", &request.title, 500)?),
        description: Set(validate::text(
            "description",
            &request.description,
            100_000,
        )?),
        status: Set(wire_name(&request.status)),
        priority: Set(wire_name(&request.priority)),
        assignee_id: Set(assignee_id),
        created_by: Set(Some(principal.user_id.as_uuid())),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&stint.db)
    .await?;
    to_api(&model)
}

pub async fn update(
    stint: &Stint,
    principal: &Principal,
    id: TaskId,
    request: UpdateTask,
) -> Result<Task, CoreError> {
    principal.require_scope(Scope::Write)?;
    let task = find(stint, id).await?;
    may_change(principal, &task, "change")?;
    let mut model = task.into_active_model();
    if let Some(project_id) = request.project_id {
        model.project_id = Set(existing_project(stint, project_id).await?);
    }
    if let Some(title) = &request.title {
        model.title = Set(validate::name("title", title, 500)?);
    }
    if let Some(description) = &request.description {
        model.description = Set(validate::text("description", description, 100_000)?);
    }
    if let Some(status) = request.status {
        model.status = Set(wire_name(&status));
    }
    if let Some(priority) = request.priority {
        model.priority = Set(wire_name(&priority));
    }
    if let Some(assignee) = request.assignee_id {
        model.assignee_id = Set(match assignee {
            Some(id) => Some(existing_user(stint, id).await?),
            None => None,
        });
    }
    model.updated_at = Set(stint.clock.now());
    to_api(&model.update(&stint.db).await?)
}

/// Time entries on a deleted task keep their time, without the task.
pub async fn delete(stint: &Stint, principal: &Principal, id: TaskId) -> Result<(), CoreError> {
    principal.require_scope(Scope::Write)?;
    let task = find(stint, id).await?;
    may_change(principal, &task, "delete")?;
    task::Entity::delete_by_id(task.id).exec(&stint.db).await?;
    Ok(())
}

/// A task is changed or deleted by whoever created it, whoever it is assigned to, or an admin.
fn may_change(principal: &Principal, task: &task::Model, what: &str) -> Result<(), CoreError> {
    let me = Some(principal.user_id.as_uuid());
    if principal.acts_as_admin() || task.created_by == me || task.assignee_id == me {
        return Ok(());
    }
    Err(CoreError::Forbidden(if what == "delete" {
        "only the task's creator, its assignee or an admin may delete it"
    } else {
        "only the task's creator, its assignee or an admin may change it"
    }))
}
