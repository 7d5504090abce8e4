use super::Routes;
use actix_web::web::{Data, Json, Path};
use actix_web::{HttpResponse, delete, get, post};
use stint_api_types::ApiTokenId;
use stint_api_types::auth::{ApiToken, CreateApiToken, CreatedApiToken};
use stint_core::{Stint, sessions};

use crate::error::ApiError;
use crate::extract::{ReadAccess, WriteAccess};
use crate::json_body::JsonBody;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(list).service(create).service(remove);
}

/// List your API tokens
///
/// Shows each token's prefix and scopes, never the token.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = Vec<ApiToken>), (status = 401, response = crate::openapi::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/tokens")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(sessions::list_tokens(&stint, &principal).await?))
}

/// Create an API token
///
/// The token is in this response only; Stint keeps a hash. Scopes: `read`, `write`, `admin`
/// (admins only). A token cannot have scopes the creating credential lacks.
#[utoipa::path(
    tag = "auth",
    request_body = CreateApiToken,
    responses(
        (status = 201, body = CreatedApiToken),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[post("/tokens")]
async fn create(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: JsonBody<CreateApiToken>,
) -> Result<HttpResponse, ApiError> {
    let created = sessions::create_token(&stint, &principal, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Revoke an API token
#[utoipa::path(
    tag = "auth",
    params(("id" = ApiTokenId, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/tokens/{id}")]
async fn remove(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    id: Path<ApiTokenId>,
) -> Result<HttpResponse, ApiError> {
    sessions::delete_token(&stint, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
