use actix_web::get;
use actix_web::web::{Data, Json};
use stint_api_types::providers::IntegrationList;
use stint_core::Stint;
use stint_core::integrations::connections;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::extract::ReadAccess;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list);
}

/// Your integrations
///
/// The organisation's global connections (status only) and your personal ones.
#[utoipa::path(
    tag = "integrations",
    responses((status = 200, body = IntegrationList), (status = 401, response = crate::openapi::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/integrations")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
) -> Result<Json<IntegrationList>, ApiError> {
    Ok(Json(connections::list(&stint, &principal).await?))
}
