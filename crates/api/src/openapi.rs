//! The OpenAPI document. Paths are collected from the handlers by utoipa-actix-web as they are
//! registered, so a route cannot be served without being documented.

use stint_api_types::{ErrorCode, FieldError, Problem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

/// The request is invalid: see `code`, `detail` and `errors`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct BadRequest(Problem);

/// Missing, invalid or expired credentials.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Unauthorized(Problem);

/// The caller's role or token scopes do not allow this (`forbidden`, `insufficient_scope`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Forbidden(Problem);

/// No such record, or not one the caller may see.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct NotFound(Problem);

/// The request conflicts with the current state (`conflict`, `timer_already_running`, `no_timer_running`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Conflict(Problem);

/// The body exceeds the configured limit (1 MiB by default).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct PayloadTooLarge(Problem);

/// The body is not `application/json`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct UnsupportedMediaType(Problem);

/// Too many attempts; `Retry-After` says when to try again.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait")))]
#[allow(dead_code)]
pub struct TooManyRequests(Problem);

/// Something failed on the server; the `request_id` identifies it in the log.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct InternalError(Problem);

/// A provider could not be reached or answered with an error (`provider_unavailable`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct BadGateway(Problem);

/// A webhook's signature is missing, wrong or too old (`invalid_signature`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct InvalidSignature(Problem);

/// The database is unreachable.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct ServiceUnavailable(Problem);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stint API",
        description = "Stint is a self-hosted time tracker whose heart is an integration hub. \
            Authenticate with `POST /api/auth/login` (a session token) or a personal API token \
            (`POST /api/tokens`), sent as `Authorization: Bearer …`. Every error is an RFC 9457 \
            `application/problem+json` document with a stable `code`.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(
        schemas(Problem, ErrorCode, FieldError),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            TooManyRequests,
            InternalError,
            BadGateway,
            ServiceUnavailable,
            InvalidSignature
        )
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign in, API tokens, the signed-in user"),
        (name = "admin", description = "User management (admins only)"),
        (name = "clients", description = "Who the work is for"),
        (name = "projects", description = "Projects time is tracked on"),
        (name = "tasks", description = "Tasks within projects"),
        (name = "time entries", description = "Tracked time"),
        (name = "timer", description = "The running timer"),
        (name = "integrations", description = "Providers, provider app setup and connections"),
        (name = "calendar", description = "Your connected calendars: events, free/busy, conflicts, events for your records"),
        (name = "webhooks", description = "Signed deliveries from GitHub and Slack, and their record"),
        (name = "operations", description = "Health, readiness, metrics, background jobs and this document")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A session token from /api/auth/login or a personal API token (stint_…)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "stint_session",
                    "The browser session from POST /api/auth/session; accepted wherever a bearer \
                     token is, and requests that change something must also send `X-Stint-Csrf`",
                ),
            )),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`STINT_METRICS_TOKEN`, when the operator sets one"))
                    .build(),
            ),
        );
        for (name, header, description) in [
            (
                "github_signature",
                "X-Hub-Signature-256",
                "`sha256=` HMAC-SHA256 of the raw body with the GitHub webhook secret",
            ),
            (
                "slack_signature",
                "X-Slack-Signature",
                "`v0=` HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{body}` with the Slack signing secret",
            ),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                    utoipa::openapi::security::ApiKeyValue::with_description(header, description),
                )),
            );
        }
    }
}

/// The complete document, as served at `/api/openapi.json` and printed by `stint openapi`.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, mut api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::document)
        .split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api
}

/// Pretty JSON with a trailing newline: the form committed as `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
