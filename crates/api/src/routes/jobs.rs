use super::Routes;
use actix_web::get;
use actix_web::web::{Data, Json};
use stint_api_types::webhooks::JobsOverview;
use stint_core::{Stint, jobs};

use crate::error::ApiError;
use crate::extract::AdminAccess;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(overview);
}

/// Background jobs
///
/// How many jobs are queued, running, failed and done; the running ones and the latest failures
/// with their last error; and when each schedule (calendar sync, daily summary, token refresh
/// sweep, catch-up sync, retention) runs next.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = JobsOverview),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/admin/jobs")]
async fn overview(
    stint: Data<Stint>,
    AdminAccess(principal): AdminAccess,
) -> Result<Json<JobsOverview>, ApiError> {
    Ok(Json(
        jobs::overview(
            &stint.jobs,
            &stint.config.worker,
            stint.clock.now(),
            &principal,
        )
        .await?,
    ))
}
