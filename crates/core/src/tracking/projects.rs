use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use stint_api_types::tracking::{CreateProject, Project, ProjectQuery, UpdateProject};
use stint_api_types::{ClientId, Page, ProjectId};
use stint_entity::{client, project};
use uuid::Uuid;

use crate::auth::Principal;
use crate::context::Stint;
use crate::cursor;
use crate::error::CoreError;
use crate::validate;

fn to_api(m: &project::Model) -> Result<Project, CoreError> {
    Ok(Project {
        id: m.id.into(),
        client_id: m.client_id.map(Into::into),
        name: m.name.clone(),
        color: m.color.clone(),
        billable: m.billable,
        archived: m.archived,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) async fn find(stint: &Stint, id: ProjectId) -> Result<project::Model, CoreError> {
    project::Entity::find_by_id(id.as_uuid())
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("project"))
}

async fn existing_client(stint: &Stint, id: ClientId) -> Result<Uuid, CoreError> {
    client::Entity::find_by_id(id.as_uuid())
        .one(&stint.db)
        .await?
        .map(|c| c.id)
        .ok_or_else(|| CoreError::invalid("client_id", "no such client"))
}

pub async fn list(stint: &Stint, query: ProjectQuery) -> Result<Page<Project>, CoreError> {
    let limit = validate::page_limit(query.limit)?;
    let mut select = project::Entity::find()
        .order_by_asc(project::Column::Id)
        .limit(limit + 1);
    if let Some(client_id) = query.client_id {
        select = select.filter(project::Column::ClientId.eq(client_id.as_uuid()));
    }
    if !query.include_archived {
        select = select.filter(project::Column::Archived.eq(false));
    }
    if let Some(raw) = &query.cursor {
        select = select.filter(project::Column::Id.gt(cursor::decode_id(raw)?));
    }
    cursor::page_by_id(select.all(&stint.db).await?, limit, |m| m.id, to_api)
}

pub async fn get(stint: &Stint, id: ProjectId) -> Result<Project, CoreError> {
    to_api(&find(stint, id).await?)
}

pub async fn create(
    stint: &Stint,
    principal: &Principal,
    request: CreateProject,
) -> Result<Project, CoreError> {
    principal.require_admin()?;
    let client_id = match request.client_id {
        Some(id) => Some(existing_client(stint, id).await?),
        None => None,
    };
    let now = stint.clock.now();
    let model = project::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client_id),
        name: Set(validate::name("name", &request.name, 200)?),
        color: Set(request
            .color
            .as_deref()
            .map(|c| validate::color("color", c))
            .transpose()?),
        billable: Set(request.billable),
        archived: Set(false),
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
    id: ProjectId,
    request: UpdateProject,
) -> Result<Project, CoreError> {
    principal.require_admin()?;
    let mut model = find(stint, id).await?.into_active_model();
    if let Some(name) = &request.name {
        model.name = Set(validate::name("name", name, 200)?);
    }
    if let Some(client) = request.client_id {
        model.client_id = Set(match client {
            Some(id) => Some(existing_client(stint, id).await?),
            None => None,
        });
    }
    if let Some(color) = &request.color {
        model.color = Set(color
            .as_deref()
            .map(|c| validate::color("color", c))
            .transpose()?);
    }
    if let Some(billable) = request.billable {
        model.billable = Set(billable);
    }
    if let Some(archived) = request.archived {
        model.archived = Set(archived);
    }
    model.updated_at = Set(stint.clock.now());
    to_api(&model.update(&stint.db).await?)
}

/// Deleting a project deletes its tasks; its time entries stay, without a project.
pub async fn delete(stint: &Stint, principal: &Principal, id: ProjectId) -> Result<(), CoreError> {
    principal.require_admin()?;
    let result = project::Entity::delete_by_id(id.as_uuid())
        .exec(&stint.db)
        .await?;
    if result.rows_affected == 0 {
        return Err(CoreError::NotFound("project"));
    }
    Ok(())
}
