use super::Routes;
use actix_web::web::{Data, Json, Path};
use actix_web::{get, put};
use stint_api_types::providers::{ProviderApp, ProviderInfo, ProviderKey, UpdateProviderApp};
use stint_core::Stint;
use stint_core::integrations::provider_apps;

use crate::error::ApiError;
use crate::extract::{AdminAccess, ReadAccess};
use crate::json_body::JsonBody;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(list).service(get_app).service(update_app);
}

/// The provider catalogue
///
/// Every provider Stint can connect to, whether its app is configured, and whether it may be
/// connected globally, personally or both.
#[utoipa::path(
    tag = "integrations",
    responses((status = 200, body = Vec<ProviderInfo>), (status = 401, response = crate::openapi::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/providers")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(_principal): ReadAccess,
) -> Result<Json<Vec<ProviderInfo>>, ApiError> {
    Ok(Json(provider_apps::list_providers(&stint).await?))
}

/// A provider app's setup
///
/// Client id, which secrets are set (never their values), the redirect URI and webhook URL to
/// register at the provider. Admins only.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider")),
    responses(
        (status = 200, body = ProviderApp),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/admin/providers/{provider}")]
async fn get_app(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    provider: Path<ProviderKey>,
) -> Result<Json<ProviderApp>, ApiError> {
    Ok(Json(
        provider_apps::admin_get(&stint, &principal, provider.into_inner()).await?,
    ))
}

/// Set up a provider app
///
/// Absent fields stay; `null` clears. Secrets are encrypted at rest and never returned.
/// Admins only.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider")),
    request_body = UpdateProviderApp,
    responses(
        (status = 200, body = ProviderApp),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[put("/admin/providers/{provider}")]
async fn update_app(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    provider: Path<ProviderKey>,
    body: JsonBody<UpdateProviderApp>,
) -> Result<Json<ProviderApp>, ApiError> {
    Ok(Json(
        provider_apps::admin_update(&stint, &principal, provider.into_inner(), body.into_inner())
            .await?,
    ))
}
