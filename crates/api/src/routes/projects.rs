use super::Routes;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, patch, post};
use stint_api_types::tracking::{CreateProject, Project, ProjectQuery, UpdateProject};
use stint_api_types::{Page, ProjectId};
use stint_core::Stint;
use stint_core::tracking::projects;

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

/// List projects
///
/// Archived projects only with `include_archived=true`.
#[utoipa::path(
    tag = "projects",
    params(ProjectQuery),
    responses(
        (status = 200, body = Page<Project>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/projects")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(_principal): ReadAccess,
    query: Query<ProjectQuery>,
) -> Result<Json<Page<Project>>, ApiError> {
    Ok(Json(projects::list(&stint, query.into_inner()).await?))
}

/// Create a project
///
/// Admins only.
#[utoipa::path(
    tag = "projects",
    request_body = CreateProject,
    responses(
        (status = 201, body = Project),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[post("/projects")]
async fn create(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: JsonBody<CreateProject>,
) -> Result<HttpResponse, ApiError> {
    let created = projects::create(&stint, &principal, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Get a project
#[utoipa::path(
    tag = "projects",
    params(("id" = ProjectId, Path, description = "The project's id")),
    responses(
        (status = 200, body = Project),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/projects/{id}")]
async fn get_one(
    stint: Data<Stint>,
    ReadAccess(_principal): ReadAccess,
    id: Path<ProjectId>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(projects::get(&stint, id.into_inner()).await?))
}

/// Update a project
///
/// Absent fields stay as they are; `null` clears a nullable field. Admins only.
#[utoipa::path(
    tag = "projects",
    params(("id" = ProjectId, Path, description = "The project's id")),
    request_body = UpdateProject,
    responses(
        (status = 200, body = Project),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[patch("/projects/{id}")]
async fn update(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<ProjectId>,
    body: JsonBody<UpdateProject>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(
        projects::update(&stint, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Delete a project
///
/// Admins only. Deletes the project's tasks; its time entries stay, without a project.
#[utoipa::path(
    tag = "projects",
    params(("id" = ProjectId, Path, description = "The project's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/projects/{id}")]
async fn remove(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    projects::delete(&stint, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
