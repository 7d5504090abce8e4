use super::Routes;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, patch, post};
use stint_api_types::tracking::{CreateTimeEntry, TimeEntry, TimeEntryQuery, UpdateTimeEntry};
use stint_api_types::{Page, TimeEntryId};
use stint_core::Stint;
use stint_core::tracking::time_entries;

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

/// List time entries
///
/// Newest first. Members see their own entries; admins see everyone's (filter with `user_id`).
/// `from`/`to` bound the start time (RFC 3339; encode `+` as `%2B`).
#[utoipa::path(
    tag = "time entries",
    params(TimeEntryQuery),
    responses(
        (status = 200, body = Page<TimeEntry>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/time-entries")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
    query: Query<TimeEntryQuery>,
) -> Result<HttpResponse, ApiError> {
    let body = time_entries::list_json(&stint, &principal, query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

/// Create a time entry
///
/// A finished span of time for the caller. A task implies its project.
#[utoipa::path(
    tag = "time entries",
    request_body = CreateTimeEntry,
    responses(
        (status = 201, body = TimeEntry),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[post("/time-entries")]
async fn create(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: JsonBody<CreateTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    let created = time_entries::create(&stint, &principal, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Get a time entry
#[utoipa::path(
    tag = "time entries",
    params(("id" = TimeEntryId, Path, description = "The time entry's id")),
    responses(
        (status = 200, body = TimeEntry),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/time-entries/{id}")]
async fn get_one(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
    id: Path<TimeEntryId>,
) -> Result<Json<TimeEntry>, ApiError> {
    Ok(Json(
        time_entries::get(&stint, &principal, id.into_inner()).await?,
    ))
}

/// Update a time entry
///
/// Absent fields stay as they are; `null` clears project or task. Members may change only their own entries.
#[utoipa::path(
    tag = "time entries",
    params(("id" = TimeEntryId, Path, description = "The time entry's id")),
    request_body = UpdateTimeEntry,
    responses(
        (status = 200, body = TimeEntry),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[patch("/time-entries/{id}")]
async fn update(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<TimeEntryId>,
    body: JsonBody<UpdateTimeEntry>,
) -> Result<Json<TimeEntry>, ApiError> {
    Ok(Json(
        time_entries::update(&stint, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Delete a time entry
///
/// Members may delete only their own entries.
#[utoipa::path(
    tag = "time entries",
    params(("id" = TimeEntryId, Path, description = "The time entry's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/time-entries/{id}")]
async fn remove(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<TimeEntryId>,
) -> Result<HttpResponse, ApiError> {
    time_entries::delete(&stint, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
