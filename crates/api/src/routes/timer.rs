use super::Routes;
use actix_web::web::{Bytes, Data, Json};
use actix_web::{get, post};
use stint_api_types::ErrorCode;
use stint_api_types::tracking::{StartTimer, TimeEntry, TimeEntrySource, TimerState};
use stint_core::Stint;
use stint_core::tracking::timer;

use crate::error::ApiError;
use crate::extract::{ReadAccess, WriteAccess};

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(state).service(start).service(stop);
}

/// The running timer
#[utoipa::path(
    tag = "timer",
    responses((status = 200, body = TimerState), (status = 401, response = crate::openapi::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/timer")]
async fn state(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
) -> Result<Json<TimerState>, ApiError> {
    Ok(Json(timer::state(&stint, &principal).await?))
}

/// Start the timer
///
/// The body is optional. A task implies its project. Answers 409 `timer_already_running` while a
/// timer runs.
#[utoipa::path(
    tag = "timer",
    request_body(content = Option<StartTimer>, description = "What to track; may be omitted"),
    responses(
        (status = 200, body = TimeEntry),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
    ),
    security(("bearer" = []))
)]
#[post("/timer/start")]
async fn start(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: Bytes,
) -> Result<Json<TimeEntry>, ApiError> {
    let request = optional_json::<StartTimer>(&body)?;
    Ok(Json(
        timer::start(&stint, &principal, request, TimeEntrySource::Timer).await?,
    ))
}

/// Stop the timer
///
/// Answers 409 `no_timer_running` when none runs.
#[utoipa::path(
    tag = "timer",
    responses(
        (status = 200, body = TimeEntry),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/timer/stop")]
async fn stop(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
) -> Result<Json<TimeEntry>, ApiError> {
    Ok(Json(timer::stop(&stint, &principal).await?))
}

/// An empty body means the defaults; anything else must be valid JSON.
fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    // No body, or `null` (the documented body is optional): the defaults.
    if body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null" {
        return Ok(T::default());
    }
    serde_json::from_slice::<crate::json_body::Object<T>>(body)
        .map(|object| object.0)
        .map_err(|err| {
            let code = if err.is_data() {
                ErrorCode::ValidationFailed
            } else {
                ErrorCode::MalformedRequest
            };
            ApiError::request(code, format!("invalid request body: {err}"))
        })
}
