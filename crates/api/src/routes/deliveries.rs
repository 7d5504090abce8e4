use super::Routes;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{get, post};
use stint_api_types::Page;
use stint_api_types::webhooks::{DeliveryQuery, WebhookDelivery};
use stint_core::Stint;
use stint_core::webhooks::deliveries;
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::AdminAccess;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(list).service(reapply);
}

/// Recent webhook deliveries
///
/// Newest first, with the signature verdict and what became of each. No body or secret is shown.
#[utoipa::path(
    tag = "webhooks",
    params(DeliveryQuery),
    responses(
        (status = 200, body = Page<WebhookDelivery>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/admin/webhook-deliveries")]
async fn list(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    query: Query<DeliveryQuery>,
) -> Result<Json<Page<WebhookDelivery>>, ApiError> {
    Ok(Json(
        deliveries::list(&stint, &principal, query.into_inner()).await?,
    ))
}

/// Re-apply a failed delivery
///
/// Applies a `failed` delivery again, now, and returns it with its new outcome. Anything else
/// answers 409.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The delivery")),
    responses(
        (status = 200, body = WebhookDelivery),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/admin/webhook-deliveries/{id}/reapply")]
async fn reapply(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
    id: Path<Uuid>,
) -> Result<Json<WebhookDelivery>, ApiError> {
    Ok(Json(
        deliveries::reapply(&stint, &principal, id.into_inner()).await?,
    ))
}
