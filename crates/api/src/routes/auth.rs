use super::Routes;
use actix_web::web::{Data, Json};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put};
use stint_api_types::auth::{LoginRequest, LoginResponse, Me};
use stint_api_types::users::{NotificationSettings, UpdateMe};
use stint_core::notify::preferences;
use stint_core::{Stint, auth, users};

use crate::error::ApiError;
use crate::extract::{ReadAccess, WriteAccess};

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(login)
        .service(logout)
        .service(me)
        .service(update_me)
        .service(notifications)
        .service(update_notifications);
}

/// Sign in
///
/// Exchanges email and password for a session token (HS256 JWT, 12 hours by default). Attempts
/// are rate-limited per account and client address, and per address (the address comes from
/// `X-Forwarded-For` only when the request arrives through a proxy in `STINT_TRUSTED_PROXIES`),
/// so nobody elsewhere can keep an account locked; a wrong email and a wrong password get the
/// same answer.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/auth/login")]
async fn login(
    stint: Data<Stint>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let LoginRequest { email, password } = body.into_inner();
    let forwarded_for = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = auth::client_address(
        req.peer_addr().map(|addr| addr.ip()),
        forwarded_for,
        &stint.config.trusted_proxies,
    );
    Ok(Json(auth::login(&stint, &email, &password, ip).await?))
}

/// Sign out
///
/// Ends this session at once; other sessions of the same user go on. Changing the password
/// (`PATCH /api/me`) ends every session. API tokens are deleted with `DELETE /api/tokens/{id}`.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
async fn logout(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
) -> Result<HttpResponse, ApiError> {
    auth::logout(&stint, &principal).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = Me), (status = 401, response = crate::openapi::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/me")]
async fn me(stint: Data<Stint>, ReadAccess(principal): ReadAccess) -> Result<Json<Me>, ApiError> {
    Ok(Json(users::me(&stint, &principal).await?))
}

/// Update the signed-in user
///
/// Name, time zone, GitHub username and password (the current password is required to set a new one).
#[utoipa::path(
    tag = "auth",
    request_body = UpdateMe,
    responses(
        (status = 200, body = Me),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[patch("/me")]
async fn update_me(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: Json<UpdateMe>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(
        users::update_me(&stint, &principal, body.into_inner()).await?,
    ))
}

/// Your notification settings
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = NotificationSettings),
        (status = 401, response = crate::openapi::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/me/notifications")]
async fn notifications(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(preferences::get(&stint, &principal).await?))
}

/// Change your notification settings
///
/// Timer messages on or off, and the daily summary: enable it with a time (`HH:MM` in your time
/// zone). It is sent at most once per local day, through your own chat connection when you have
/// one, else the organisation's.
#[utoipa::path(
    tag = "auth",
    request_body = NotificationSettings,
    responses(
        (status = 200, body = NotificationSettings),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[put("/me/notifications")]
async fn update_notifications(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: Json<NotificationSettings>,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(
        preferences::put(&stint, &principal, body.into_inner()).await?,
    ))
}
