use super::Routes;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, patch, post, put};
use stint_api_types::providers::ProviderKey;
use stint_api_types::users::{CreateUser, SetIdentity, UpdateUser, User};
use stint_api_types::{Page, PageQuery, UserId};
use stint_core::{Stint, users};

use crate::error::ApiError;
use crate::extract::AdminAccess;
use crate::json_body::JsonBody;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(set_identity)
        .service(clear_identity)
        .service(sign_out);
}

/// List users
#[utoipa::path(
    tag = "admin",
    params(PageQuery),
    responses(
        (status = 200, body = Page<User>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/admin/users")]
async fn list(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    query: Query<PageQuery>,
) -> Result<Json<Page<User>>, ApiError> {
    Ok(Json(
        users::admin_list(&stint, &principal, query.into_inner()).await?,
    ))
}

/// Create a user
#[utoipa::path(
    tag = "admin",
    request_body = CreateUser,
    responses(
        (status = 201, body = User),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[post("/admin/users")]
async fn create(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    body: JsonBody<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let user = users::admin_create(&stint, &principal, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(user))
}

/// Get a user
#[utoipa::path(
    tag = "admin",
    params(("id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 200, body = User),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/admin/users/{id}")]
async fn get_one(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    id: Path<UserId>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        users::admin_get(&stint, &principal, id.into_inner()).await?,
    ))
}

/// Sign a user out everywhere
///
/// Ends every session of the user at once (their API tokens stay; delete those separately).
#[utoipa::path(
    tag = "admin",
    params(("id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Every session ended"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[post("/admin/users/{id}/sign-out")]
async fn sign_out(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    id: Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    users::sign_out_everywhere(&stint, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Update a user
///
/// Role, active flag, profile and password. The last active admin cannot be
/// demoted or disabled, and an admin cannot deactivate or demote themselves (another admin can):
/// 409. A new password or a deactivation ends the user's sessions at once.
#[utoipa::path(
    tag = "admin",
    params(("id" = UserId, Path, description = "The user's id")),
    request_body = UpdateUser,
    responses(
        (status = 200, body = User),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[patch("/admin/users/{id}")]
async fn update(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    id: Path<UserId>,
    body: JsonBody<UpdateUser>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        users::admin_update(&stint, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Set who a user is at a provider
///
/// The handle the provider names the user by (a GitHub login, a Slack member id): how an issue's
/// assignee or a chat member becomes this user. Checked by the provider's rules (422 for a
/// provider that names nobody Stint matches, or a handle it would not write); 409 when another
/// user has it. A member's own connection sets theirs by itself, and takes it from whoever had it.
#[utoipa::path(
    tag = "admin",
    params(
        ("id" = UserId, Path, description = "The user's id"),
        ("provider" = ProviderKey, Path, description = "The provider"),
    ),
    request_body = SetIdentity,
    responses(
        (status = 200, body = User),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[put("/admin/users/{id}/identities/{provider}")]
async fn set_identity(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    path: Path<(UserId, ProviderKey)>,
    body: JsonBody<SetIdentity>,
) -> Result<Json<User>, ApiError> {
    let (id, provider) = path.into_inner();
    Ok(Json(
        users::set_identity(&stint, &principal, id, provider, body.into_inner()).await?,
    ))
}

/// Forget who a user is at a provider
#[utoipa::path(
    tag = "admin",
    params(
        ("id" = UserId, Path, description = "The user's id"),
        ("provider" = ProviderKey, Path, description = "The provider"),
    ),
    responses(
        (status = 200, body = User),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/admin/users/{id}/identities/{provider}")]
async fn clear_identity(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    path: Path<(UserId, ProviderKey)>,
) -> Result<Json<User>, ApiError> {
    let (id, provider) = path.into_inner();
    Ok(Json(
        users::clear_identity(&stint, &principal, id, provider).await?,
    ))
}
