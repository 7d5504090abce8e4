use super::Routes;
use actix_web::http::header::ContentType;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};
use serde::Serialize;
use stint_core::{CoreError, Stint};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::metrics::Metrics;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(healthz)
        .service(readyz)
        .service(metrics)
        .service(openapi_json);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    status: &'static str,
}

/// Liveness
///
/// Answers while the process is up; touches nothing else.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
async fn healthz() -> actix_web::web::Json<Health> {
    actix_web::web::Json(Health { status: "ok" })
}

/// Readiness
///
/// Answers 200 when the database answers, 503 otherwise.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, response = crate::openapi::ServiceUnavailable))
)]
#[get("/readyz")]
async fn readyz(stint: Data<Stint>) -> Result<actix_web::web::Json<Health>, ApiError> {
    // This worker's pool, and the process's, which records webhook deliveries.
    for db in [&stint.db, &stint.process_db] {
        stint_core::db::ping(db)
            .await
            .map_err(CoreError::Unavailable)?;
    }
    Ok(actix_web::web::Json(Health { status: "ok" }))
}

/// Prometheus metrics
///
/// Request counts and latency histograms by method, route and status; background jobs finished
/// by kind and outcome with their durations, and the queue by state; in the text format. When
/// the operator sets `STINT_METRICS_TOKEN`, only `Authorization: Bearer <that token>` is answered.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, response = crate::openapi::Unauthorized),
    ),
    security((), ("metrics_token" = []))
)]
#[get("/metrics")]
async fn metrics(
    stint: Data<stint_core::Stint>,
    metrics: Data<Metrics>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, crate::error::ApiError> {
    if let Some(expected) = &stint.config.metrics_token {
        let given = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !expected.matches(given) {
            return Err(stint_core::CoreError::Unauthorized.into());
        }
    }
    let mut text = metrics.render();
    text.push_str(&stint.cache_metrics.text());
    match stint.jobs.metrics_text().await {
        Ok(jobs) => text.push_str(&jobs),
        // The request metrics are still worth serving when the queue cannot be read.
        Err(err) => tracing::warn!(error = %err, "could not read the job queue for /metrics"),
    }
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", "text/plain; version=0.0.4; charset=utf-8"))
        .body(text))
}

/// The OpenAPI document
///
/// This document, OpenAPI 3.1. An interactive view is served at `/docs/`.
#[utoipa::path(tag = "operations", responses((status = 200, body = Object, content_type = "application/json")))]
#[get("/api/openapi.json")]
async fn openapi_json(document: Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(ContentType::json())
        .body(document.get().to_owned())
}

/// The serialised document, made when first asked for: making it allocates several megabytes
/// that a server never asked for its document should not keep.
#[derive(Default)]
pub struct OpenApiJson(std::sync::OnceLock<String>);

impl OpenApiJson {
    pub fn get(&self) -> &str {
        self.0
            .get_or_init(|| crate::openapi::document().to_json().unwrap_or_default())
    }
}
