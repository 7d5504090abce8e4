use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use stint_api_types::tracking::{Client, CreateClient, UpdateClient};
use stint_api_types::{ClientId, Page, PageQuery};
use stint_entity::client;
use uuid::Uuid;

use crate::auth::Principal;
use crate::context::Stint;
use crate::cursor;
use crate::error::CoreError;
use crate::validate;

fn to_api(m: &client::Model) -> Result<Client, CoreError> {
    Ok(Client {
        id: m.id.into(),
        name: m.name.clone(),
        notes: m.notes.clone(),
        archived: m.archived,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

async fn find(stint: &Stint, id: ClientId) -> Result<client::Model, CoreError> {
    client::Entity::find_by_id(id.as_uuid())
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("client"))
}

pub async fn list(stint: &Stint, page: PageQuery) -> Result<Page<Client>, CoreError> {
    let limit = validate::page_limit(page.limit)?;
    let mut query = client::Entity::find()
        .order_by_asc(client::Column::Id)
        .limit(limit + 1);
    if let Some(raw) = &page.cursor {
        query = query.filter(client::Column::Id.gt(cursor::decode_id(raw)?));
    }
    cursor::page_by_id(query.all(&stint.db).await?, limit, |m| m.id, to_api)
}

pub async fn get(stint: &Stint, id: ClientId) -> Result<Client, CoreError> {
    to_api(&find(stint, id).await?)
}

pub async fn create(
    stint: &Stint,
    principal: &Principal,
    request: CreateClient,
) -> Result<Client, CoreError> {
    principal.require_admin()?;
    let now = stint.clock.now();
    let model = client::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(validate::name("name", &request.name, 200)?),
        notes: Set(validate::text("notes", &request.notes, 10_000)?),
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
    id: ClientId,
    request: UpdateClient,
) -> Result<Client, CoreError> {
    principal.require_admin()?;
    let mut model = find(stint, id).await?.into_active_model();
    if let Some(name) = &request.name {
        model.name = Set(validate::name("name", name, 200)?);
    }
    if let Some(notes) = &request.notes {
        model.notes = Set(validate::text("notes", notes, 10_000)?);
    }
    if let Some(archived) = request.archived {
        model.archived = Set(archived);
    }
    model.updated_at = Set(stint.clock.now());
    to_api(&model.update(&stint.db).await?)
}

/// Deleting a client keeps its projects, detached from it.
pub async fn delete(stint: &Stint, principal: &Principal, id: ClientId) -> Result<(), CoreError> {
    principal.require_admin()?;
    let result = client::Entity::delete_by_id(id.as_uuid())
        .exec(&stint.db)
        .await?;
    if result.rows_affected == 0 {
        return Err(CoreError::NotFound("client"));
    }
    Ok(())
}
