use super::Routes;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, get, post};
use stint_api_types::providers::{ProviderKey, ScopeQuery};
use stint_api_types::webhooks::{SyncRun, SyncStarted, SyncTrigger};
use stint_core::{Stint, integrations, sync, sync_runs};
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::{ReadAccess, WriteAccess};

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(start).service(get_one).service(list);
}

/// Start a sync
///
/// Queues a sync of a connection and answers at once with the run to follow: the organisation's
/// (`scope=global`; admins only) or your own (`scope=personal`); without `scope`, the provider's
/// default (your own where personal connections are open). GitHub: the open issues of every
/// configured repository (pages followed, pull requests skipped, the label filter applied,
/// incremental after the first run) become or update tasks. Google Calendar: your calendar's
/// timed events that ended in the last `sync_days_back` days become time entries (all-day,
/// declined, cancelled and `[TT]` events skipped; moved events update their entry, cancelled
/// ones remove it unless you edited it). Re-running creates nothing new. 409 while a run is in
/// progress or when Stint cannot sync the provider yet.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider (`github`)"), ScopeQuery),
    responses(
        (status = 202, body = SyncStarted),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/integrations/{provider}/sync")]
async fn start(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    provider: Path<ProviderKey>,
    query: Query<ScopeQuery>,
) -> Result<HttpResponse, ApiError> {
    let run = sync::start(
        &stint,
        &principal,
        provider.into_inner(),
        query.scope,
        SyncTrigger::Manual,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(SyncStarted { sync_run_id: run }))
}

/// A sync run
#[utoipa::path(
    tag = "integrations",
    params(("id" = Uuid, Path, description = "The run")),
    responses(
        (status = 200, body = SyncRun),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/sync-runs/{id}")]
async fn get_one(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
    id: Path<Uuid>,
) -> Result<Json<SyncRun>, ApiError> {
    Ok(Json(
        sync_runs::get(&stint, &principal, id.into_inner()).await?,
    ))
}

/// Recent sync runs of a connection
///
/// The 50 most recent, newest first. Global connections' runs are for admins.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider"), ScopeQuery),
    responses(
        (status = 200, body = Vec<SyncRun>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/integrations/{provider}/sync-runs")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
    provider: Path<ProviderKey>,
    query: Query<ScopeQuery>,
) -> Result<Json<Vec<SyncRun>>, ApiError> {
    Ok(Json(
        integrations::sync_history::list(&stint, &principal, provider.into_inner(), query.scope)
            .await?,
    ))
}
