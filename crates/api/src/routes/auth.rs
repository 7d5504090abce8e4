use super::Routes;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::web::{Data, Json, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};
use stint_api_types::auth::{BrowserSession, LoginRequest, LoginResponse, Me};
use stint_api_types::providers::ProviderKey;
use stint_api_types::users::{NotificationSettings, UpdateMe};
use stint_core::notify::preferences;
use stint_core::{Stint, auth, sessions, users};

use crate::error::ApiError;
use crate::extract::{ReadAccess, SESSION_COOKIE, WriteAccess};
use crate::json_body::JsonBody;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(login)
        .service(logout)
        .service(start_session)
        .service(end_session)
        .service(me)
        .service(update_me)
        .service(clear_my_identity)
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
    body: JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let LoginRequest { email, password } = body.into_inner();
    let ip = client_ip(&stint, &req);
    Ok(Json(sessions::login(&stint, &email, &password, ip).await?))
}

fn client_ip(stint: &Stint, req: &HttpRequest) -> Option<std::net::IpAddr> {
    let forwarded_for = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    auth::client_address(
        req.peer_addr().map(|addr| addr.ip()),
        forwarded_for,
        &stint.config.trusted_proxies,
    )
}

fn session_cookie(stint: &Stint, value: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(stint.config.is_https())
        .same_site(SameSite::Strict)
        .finish()
}

/// Sign in the browser
///
/// Like `POST /api/auth/login`, with the same limits and the same answer to a wrong email or
/// password, but the session token is set as an HttpOnly, `SameSite=Strict` cookie
/// (`stint_session`) and never appears in the body. Requests signed in by this cookie that change
/// something must carry the `X-Stint-Csrf` header.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = BrowserSession, headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/auth/session")]
async fn start_session(
    stint: Data<Stint>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.into_inner();
    let ip = client_ip(&stint, &req);
    let signed_in = sessions::login(&stint, &email, &password, ip).await?;
    let mut cookie = session_cookie(&stint, signed_in.access_token);
    let lifetime = (signed_in.expires_at - stint.clock.now())
        .num_seconds()
        .max(0);
    cookie.set_max_age(actix_web::cookie::time::Duration::seconds(lifetime));
    Ok(HttpResponse::Ok().cookie(cookie).json(BrowserSession {
        expires_at: signed_in.expires_at,
        user: signed_in.user,
    }))
}

/// Sign out the browser
///
/// Ends the session of the `stint_session` cookie and clears the cookie.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared", headers(("Set-Cookie" = String, description = "Clears the session cookie"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("session_cookie" = []))
)]
#[delete("/auth/session")]
async fn end_session(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
) -> Result<HttpResponse, ApiError> {
    sessions::logout(&stint, &principal).await?;
    let mut cleared = session_cookie(&stint, String::new());
    cleared.make_removal();
    Ok(HttpResponse::NoContent().cookie(cleared).finish())
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
    sessions::logout(&stint, &principal).await?;
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
/// Name, time zone and password (the current password is required to set a new one).
#[utoipa::path(
    tag = "auth",
    request_body = UpdateMe,
    responses(
        (status = 200, body = Me),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
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
    body: JsonBody<UpdateMe>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(
        users::update_me(&stint, &principal, body.into_inner()).await?,
    ))
}

/// Forget who you are at a provider
///
/// Your handle there (a GitHub login, a Slack member id) comes back when you connect your own
/// account at the provider; only your own connection or an admin sets one, so that nobody can
/// claim another's.
#[utoipa::path(
    tag = "auth",
    params(("provider" = ProviderKey, Path, description = "The provider")),
    responses(
        (status = 200, body = Me),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/me/identities/{provider}")]
async fn clear_my_identity(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    provider: Path<ProviderKey>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(
        users::clear_my_identity(&stint, &principal, provider.into_inner()).await?,
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
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[put("/me/notifications")]
async fn update_notifications(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    body: JsonBody<NotificationSettings>,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(
        preferences::put(&stint, &principal, body.into_inner()).await?,
    ))
}
