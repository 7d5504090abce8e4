use super::Routes;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, patch, post};
use stint_api_types::tracking::{CreateTask, Task, TaskQuery, UpdateTask};
use stint_api_types::{Page, TaskId};
use stint_core::Stint;
use stint_core::tracking::tasks;

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

/// List tasks
#[utoipa::path(
    tag = "tasks",
    params(TaskQuery),
    responses(
        (status = 200, body = Page<Task>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/tasks")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(_principal): ReadAccess,
    query: Query<TaskQuery>,
) -> Result<Json<Page<Task>>, ApiError> {
    Ok(Json(tasks::list(&stint, query.into_inner()).await?))
}

/// Create a task
#[utoipa::path(
    tag = "tasks",
    request_body = CreateTask,
    responses(
        (status = 201, body = Task),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[post("/tasks")]
async fn create(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: JsonBody<CreateTask>,
) -> Result<HttpResponse, ApiError> {
    let created = tasks::create(&stint, &principal, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Get a task
#[utoipa::path(
    tag = "tasks",
    params(("id" = TaskId, Path, description = "The task's id")),
    responses(
        (status = 200, body = Task),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/tasks/{id}")]
async fn get_one(
    stint: Data<Stint>,
    ReadAccess(_principal): ReadAccess,
    id: Path<TaskId>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(tasks::get(&stint, id.into_inner()).await?))
}

/// Update a task
///
/// Absent fields stay as they are; `null` clears the assignee. The task's creator, its assignee or
/// an admin may change it (403 for anyone else).
#[utoipa::path(
    tag = "tasks",
    params(("id" = TaskId, Path, description = "The task's id")),
    request_body = UpdateTask,
    responses(
        (status = 200, body = Task),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[patch("/tasks/{id}")]
async fn update(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<TaskId>,
    body: JsonBody<UpdateTask>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        tasks::update(&stint, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Delete a task
///
/// By its creator or an admin. Time entries on the task stay, without the task.
#[utoipa::path(
    tag = "tasks",
    params(("id" = TaskId, Path, description = "The task's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/tasks/{id}")]
async fn remove(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<TaskId>,
) -> Result<HttpResponse, ApiError> {
    tasks::delete(&stint, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
