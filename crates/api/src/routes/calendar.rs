use super::Routes;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, delete, get, post, put};
use stint_api_types::calendar::{
    CalendarChoice, CalendarEntityType, CalendarEvents, ConflictsAnswer, CreateCalendarEvent,
    FreeBusyAnswer, LinkedCalendarEvent, TimeSpan, UpdateCalendarEvent,
};
use stint_core::Stint;
use stint_core::calendar::manager;
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::{ReadAccess, WriteAccess};
use crate::json_body::JsonBody;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(list_events)
        .service(create_event)
        .service(update_event)
        .service(delete_event)
        .service(free_busy)
        .service(conflicts);
}

/// Your calendars' events
///
/// The events between `start` and `end` (at most 62 days) of every calendar you connected
/// (Google Calendar, Outlook), cancelled ones left out. A calendar that cannot be read is named
/// in `unreadable` with the reason.
#[utoipa::path(
    tag = "calendar",
    params(TimeSpan),
    responses(
        (status = 200, body = CalendarEvents),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/calendar/events")]
async fn list_events(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
    span: Query<TimeSpan>,
) -> Result<Json<CalendarEvents>, ApiError> {
    Ok(Json(
        manager::events(&stint, &principal, span.into_inner()).await?,
    ))
}

/// Put one of your records in your calendar
///
/// Makes a calendar event for a finished time entry of yours (`entity_id`; titled `[TT] {project}
/// — {task or notes}`) or for a new planned block (`block`: title, start, end; titled `[TT]
/// {title}`) and links it, or brings the linked one up to date; calling it again makes no second
/// event. Entries imported from a calendar are not put back (409).
#[utoipa::path(
    tag = "calendar",
    request_body = CreateCalendarEvent,
    responses(
        (status = 200, body = LinkedCalendarEvent),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 502, response = crate::openapi::BadGateway),
    ),
    security(("bearer" = []))
)]
#[post("/calendar/events")]
async fn create_event(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: JsonBody<CreateCalendarEvent>,
) -> Result<Json<LinkedCalendarEvent>, ApiError> {
    Ok(Json(
        manager::put_event(&stint, &principal, body.into_inner()).await?,
    ))
}

/// Bring a record's calendar event up to date
///
/// The body is `{}`, or for a planned block `{"block": {title, start, end}}` to change it.
#[utoipa::path(
    tag = "calendar",
    request_body = UpdateCalendarEvent,
    params(
        ("entity_type" = CalendarEntityType, Path, description = "`time_entry` or `planned_block`"),
        ("entity_id" = Uuid, Path, description = "The record"),
        CalendarChoice
    ),
    responses(
        (status = 200, body = LinkedCalendarEvent),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 502, response = crate::openapi::BadGateway),
    ),
    security(("bearer" = []))
)]
#[put("/calendar/events/{entity_type}/{entity_id}")]
async fn update_event(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    path: Path<(CalendarEntityType, Uuid)>,
    choice: Query<CalendarChoice>,
    body: JsonBody<UpdateCalendarEvent>,
) -> Result<Json<LinkedCalendarEvent>, ApiError> {
    let (entity_type, entity_id) = path.into_inner();
    Ok(Json(
        manager::update_event(
            &stint,
            &principal,
            entity_type,
            entity_id,
            choice.provider,
            body.into_inner(),
        )
        .await?,
    ))
}

/// Delete a record's calendar event
///
/// A planned block is deleted with its event.
#[utoipa::path(
    tag = "calendar",
    params(
        ("entity_type" = CalendarEntityType, Path, description = "`time_entry` or `planned_block`"),
        ("entity_id" = Uuid, Path, description = "The record"),
        CalendarChoice
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 502, response = crate::openapi::BadGateway),
    ),
    security(("bearer" = []))
)]
#[delete("/calendar/events/{entity_type}/{entity_id}")]
async fn delete_event(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    path: Path<(CalendarEntityType, Uuid)>,
    choice: Query<CalendarChoice>,
) -> Result<HttpResponse, ApiError> {
    let (entity_type, entity_id) = path.into_inner();
    manager::delete_event(&stint, &principal, entity_type, entity_id, choice.provider).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Your free/busy time
///
/// Busy spans between `start` and `end` across all your calendars (Google `freeBusy`, Graph
/// `getSchedule`), merged. A calendar that cannot be read is listed in `unknown`: its time is
/// unknown, not free.
#[utoipa::path(
    tag = "calendar",
    params(TimeSpan),
    responses(
        (status = 200, body = FreeBusyAnswer),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/calendar/freebusy")]
async fn free_busy(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
    span: Query<TimeSpan>,
) -> Result<Json<FreeBusyAnswer>, ApiError> {
    Ok(Json(
        manager::free_busy(&stint, &principal, span.into_inner()).await?,
    ))
}

/// What a planned span would clash with
///
/// The busy spans of your calendars, and your own time entries and planned blocks, that overlap
/// `start`–`end`.
/// `conflict` is `false` only when every calendar could be read and nothing overlaps.
#[utoipa::path(
    tag = "calendar",
    request_body = TimeSpan,
    responses(
        (status = 200, body = ConflictsAnswer),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
#[post("/calendar/conflicts")]
async fn conflicts(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
    body: JsonBody<TimeSpan>,
) -> Result<Json<ConflictsAnswer>, ApiError> {
    Ok(Json(
        manager::conflicts(&stint, &principal, body.into_inner()).await?,
    ))
}
