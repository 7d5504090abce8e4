//! Authentication extractors. The permission a handler needs is in its signature: a handler that
//! takes `AdminAccess` cannot run for a member or for a token without the `admin` scope.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use stint_api_types::ErrorCode;
use stint_api_types::auth::Scope;
use stint_core::auth::Principal;
use stint_core::sessions::authenticate_bearer;
use stint_core::{CoreError, Stint};

use crate::error::ApiError;

/// The cookie a browser session travels in (set by `POST /api/auth/session`).
pub const SESSION_COOKIE: &str = "stint_session";
/// State-changing requests signed in by cookie must carry this header. A page on another site
/// cannot add a custom header without a CORS preflight, which Stint never grants, so this (with
/// `SameSite=Strict`) stops cross-site request forgery.
pub const CSRF_HEADER: &str = "x-stint-csrf";

/// The caller's credential: a bearer token, else the session cookie.
fn credential(req: &HttpRequest) -> Result<String, ApiError> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| CoreError::InvalidToken)?;
        let (scheme, token) = value.split_once(' ').ok_or(CoreError::InvalidToken)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(CoreError::InvalidToken.into());
        }
        return Ok(token.trim().to_owned());
    }
    let cookie = req.cookie(SESSION_COOKIE).ok_or(CoreError::Unauthorized)?;
    if !req.method().is_safe() && !req.headers().contains_key(CSRF_HEADER) {
        return Err(ApiError::request(
            ErrorCode::Forbidden,
            format!(
                "a request signed in by cookie that changes something needs the `{CSRF_HEADER}` header"
            ),
        ));
    }
    Ok(cookie.value().to_owned())
}

fn authenticate(req: &HttpRequest) -> LocalBoxFuture<'static, Result<Principal, ApiError>> {
    let stint = req.app_data::<Data<Stint>>().cloned();
    let token = credential(req);
    Box::pin(async move {
        let stint = stint
            .ok_or_else(|| ApiError::request(ErrorCode::Internal, "application state missing"))?;
        Ok(authenticate_bearer(&stint, &token?).await?)
    })
}

macro_rules! access {
    ($(#[$meta:meta])* $name:ident, |$p:ident| $check:expr) => {
        $(#[$meta])*
        pub struct $name(pub Principal);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let principal = authenticate(req);
                Box::pin(async move {
                    let $p = principal.await?;
                    $check?;
                    Ok($name($p))
                })
            }
        }
    };
}

access!(
    /// Any signed-in caller with the `read` scope.
    ReadAccess,
    |p| p.require_scope(Scope::Read)
);
access!(
    /// A signed-in caller with the `write` scope.
    WriteAccess,
    |p| p.require_scope(Scope::Write)
);
access!(
    /// An admin, with the `admin` scope.
    AdminAccess,
    |p| p.require_admin()
);
