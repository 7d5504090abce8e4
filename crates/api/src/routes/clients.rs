use super::Routes;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, patch, post};
use stint_api_types::tracking::{Client, CreateClient, UpdateClient};
use stint_api_types::{ClientId, Page, PageQuery};
use stint_core::Stint;
use stint_core::tracking::clients;

use crate::error::ApiError;
use crate::extract::{ReadAccess, WriteAccess};
use crate::json_body::JsonBody;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove);
}

/// List clients
#[utoipa::path(
    tag = "clients",
    params(PageQuery),
    responses(
        (status = 200, body = Page<Client>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/clients")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(_principal): ReadAccess,
    query: Query<PageQuery>,
) -> Result<Json<Page<Client>>, ApiError> {
    Ok(Json(clients::list(&stint, query.into_inner()).await?))
}

/// Create a client
///
/// Admins only.
#[utoipa::path(
    tag = "clients",
    request_body = CreateClient,
    responses(
        (status = 201, body = Client),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[post("/clients")]
async fn create(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: JsonBody<CreateClient>,
) -> Result<HttpResponse, ApiError> {
    let created = clients::create(&stint, &principal, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Get a client
#[utoipa::path(
    tag = "clients",
    params(("id" = ClientId, Path, description = "The client's id")),
    responses(
        (status = 200, body = Client),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/clients/{id}")]
async fn get_one(
    stint: Data<Stint>,
    ReadAccess(_principal): ReadAccess,
    id: Path<ClientId>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(clients::get(&stint, id.into_inner()).await?))
}

/// Update a client
///
/// Absent fields stay as they are. Admins only.
#[utoipa::path(
    tag = "clients",
    params(("id" = ClientId, Path, description = "The client's id")),
    request_body = UpdateClient,
    responses(
        (status = 200, body = Client),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[patch("/clients/{id}")]
async fn update(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<ClientId>,
    body: JsonBody<UpdateClient>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(
        clients::update(&stint, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Delete a client
///
/// Admins only. The client's projects stay, without a client.
#[utoipa::path(
    tag = "clients",
    params(("id" = ClientId, Path, description = "The client's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/clients/{id}")]
async fn remove(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<ClientId>,
) -> Result<HttpResponse, ApiError> {
    clients::delete(&stint, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
