use super::Routes;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpRequest, HttpResponse, get, post, put};
use stint_api_types::providers::{
    ApiKeyCredentials, CallbackQuery, ConnectStarted, ConnectionTest, ConnectionWebhook,
    Disconnected, Integration, IntegrationList, IntegrationSettings, ProviderKey, ScopeQuery,
};
use stint_core::Stint;
use stint_core::integrations::oauth::{self, CallbackOutcome, CallbackParams, RETURN_PATH};
use stint_core::integrations::{checks, connection_secrets, connections, settings};

use crate::error::ApiError;
use crate::extract::{ReadAccess, WriteAccess};
use crate::json_body::JsonBody;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(list)
        .service(connect)
        .service(callback)
        .service(credentials)
        .service(status)
        .service(test)
        .service(config)
        .service(disconnect)
        .service(webhook_secret);
}

fn binding_cookie_name(provider: ProviderKey) -> String {
    format!("stint_oauth_{provider}")
}

/// Your integrations
///
/// The organisation's global connections (status only) and your personal ones.
#[utoipa::path(
    tag = "integrations",
    responses((status = 200, body = IntegrationList), (status = 401, response = crate::openapi::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/integrations")]
async fn list(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
) -> Result<Json<IntegrationList>, ApiError> {
    Ok(Json(connections::list(&stint, &principal).await?))
}

/// Start connecting an OAuth provider
///
/// Returns the provider's authorization URL with a single-use state (10 minutes) and, where the
/// provider supports it, a PKCE S256 challenge. Global connections are for admins. The response
/// sets a cookie that binds the state to this browser; the callback needs it.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider"), ScopeQuery),
    responses(
        (status = 200, body = ConnectStarted),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[get("/integrations/{provider}/connect")]
async fn connect(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    provider: Path<ProviderKey>,
    query: Query<ScopeQuery>,
) -> Result<HttpResponse, ApiError> {
    let provider = provider.into_inner();
    let started = oauth::connect(&stint, &principal, provider, query.scope).await?;
    let cookie = Cookie::build(binding_cookie_name(provider), started.browser_binding)
        .path(format!("/api/integrations/{provider}/callback"))
        .http_only(true)
        .secure(stint.config.is_https())
        // Lax: sent on the top-level redirect back from the provider, not on cross-site requests.
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::minutes(10))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(ConnectStarted {
        authorization_url: started.authorization_url,
        expires_at: started.expires_at,
    }))
}

/// OAuth callback
///
/// Where the provider sends the browser back. Validates the state, exchanges the code, stores the
/// tokens encrypted, and redirects to `/integrations?connected={provider}`, or to
/// `/integrations?error={reason}` (`access_denied`, `invalid_state`, `state_expired`,
/// `provider_error`, `token_exchange_failed`, `identity_failed`, `not_configured`, `not_allowed`,
/// `internal`).
/// Never stores half a connection.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider"), CallbackQuery),
    responses(
        (status = 302, description = "Back to the web app, with the outcome in the query", headers(("Location" = String))),
        (status = 400, response = crate::openapi::BadRequest),
    )
)]
#[get("/integrations/{provider}/callback")]
async fn callback(
    stint: Data<Stint>,
    req: HttpRequest,
    provider: Path<ProviderKey>,
    query: Query<CallbackQuery>,
) -> HttpResponse {
    let provider = provider.into_inner();
    let query = query.into_inner();
    let binding = req
        .cookie(&binding_cookie_name(provider))
        .map(|c| c.value().to_owned());
    let params = CallbackParams {
        code: query.code,
        state: query.state,
        error: query.error,
        realm_id: query.realm_id,
    };
    let location = match oauth::callback(&stint, provider, params, binding.as_deref()).await {
        CallbackOutcome::Connected => format!("{RETURN_PATH}?connected={provider}"),
        CallbackOutcome::Failed(reason) => {
            format!("{RETURN_PATH}?provider={provider}&error={reason}")
        }
    };
    let mut expired = Cookie::build(binding_cookie_name(provider), "")
        .path(format!("/api/integrations/{provider}/callback"))
        .finish();
    expired.make_removal();
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .cookie(expired)
        .finish()
}

/// An integration's status
///
/// Without `scope`: the connection that serves you — your own when it is active, else the
/// organisation's; when neither is active, yours if you have one, else the organisation's, so that
/// its status says why. 404, with the reason, when there is none.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider"), ScopeQuery),
    responses(
        (status = 200, body = Integration),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/integrations/{provider}/status")]
async fn status(
    stint: Data<Stint>,
    ReadAccess(principal): ReadAccess,
    provider: Path<ProviderKey>,
    query: Query<ScopeQuery>,
) -> Result<Json<Integration>, ApiError> {
    Ok(Json(
        connections::status(&stint, &principal, provider.into_inner(), query.scope).await?,
    ))
}

/// Disconnect
///
/// Revokes the grant at the provider where it has a revoke endpoint (a failure there is reported
/// in the answer and the local disconnect happens anyway), forgets the tokens and marks the
/// integration `revoked`. Global connections are for admins.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider"), ScopeQuery),
    responses(
        (status = 200, body = Disconnected),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[post("/integrations/{provider}/disconnect")]
async fn disconnect(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    provider: Path<ProviderKey>,
    query: Query<ScopeQuery>,
) -> Result<Json<Disconnected>, ApiError> {
    let done =
        connections::disconnect(&stint, &principal, provider.into_inner(), query.scope).await?;
    Ok(Json(Disconnected {
        integration: done.integration,
        revoked_at_provider: done.revoke_error.is_none(),
        revoke_error: done.revoke_error,
    }))
}

/// Connect with an API key
///
/// For API-key providers (Trello: your API key and a user token). Stint checks the pair with a
/// real call to the provider before saving it, encrypted.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider"), ScopeQuery),
    request_body = ApiKeyCredentials,
    responses(
        (status = 200, body = Integration),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 502, response = crate::openapi::BadGateway),
    ),
    security(("bearer" = []))
)]
#[post("/integrations/{provider}/credentials")]
async fn credentials(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    provider: Path<ProviderKey>,
    query: Query<ScopeQuery>,
    body: JsonBody<ApiKeyCredentials>,
) -> Result<Json<Integration>, ApiError> {
    let provider = provider.into_inner();
    Ok(Json(
        checks::connect_with_key(&stint, &principal, provider, query.scope, body.into_inner())
            .await?,
    ))
}

/// Test a connection
///
/// Makes the provider's cheapest authenticated call (GitHub `GET /user`, Slack `auth.test`,
/// Google `calendarList`, Trello `members/me`) with the stored token, refreshing it if needed, and
/// reports whether it worked and how long it took. A refused token marks the integration
/// `needs_reauth`. Global connections are for admins.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider"), ScopeQuery),
    responses(
        (status = 200, body = ConnectionTest),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[post("/integrations/{provider}/test")]
async fn test(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    provider: Path<ProviderKey>,
    query: Query<ScopeQuery>,
) -> Result<Json<ConnectionTest>, ApiError> {
    Ok(Json(
        checks::test_connection(&stint, &principal, provider.into_inner(), query.scope).await?,
    ))
}

/// Change an integration's settings
///
/// Checked against the provider's schema: GitHub `repositories`, `label_filter`,
/// `repository_projects`; Google Calendar `calendar_id`, `sync_direction`
/// (`import|export|both`), `sync_days_back` (clamped to 1–30); Slack `channel`,
/// `daily_summary_time` (`HH:MM`). Global connections are for admins.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider"), ScopeQuery),
    request_body = IntegrationSettings,
    responses(
        (status = 200, body = Integration),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[put("/integrations/{provider}/config")]
async fn config(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    provider: Path<ProviderKey>,
    query: Query<ScopeQuery>,
    body: JsonBody<serde_json::Value>,
) -> Result<Json<Integration>, ApiError> {
    Ok(Json(
        settings::update(
            &stint,
            &principal,
            provider.into_inner(),
            query.scope,
            body.into_inner(),
        )
        .await?,
    ))
}

/// Your connection's webhook
///
/// For your own connection of a provider that sends webhooks (GitHub): makes a new webhook secret
/// and shows it once, with the URL to paste at the provider (a repository's webhook settings).
/// Deliveries there are checked with this secret and create tasks for you alone. Any earlier
/// secret of this connection stops working.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = ProviderKey, Path, description = "The provider (`github`)")),
    responses(
        (status = 200, body = ConnectionWebhook),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[post("/integrations/{provider}/webhook-secret")]
async fn webhook_secret(
    stint: Data<Stint>,
    WriteAccess(principal): WriteAccess,
    provider: Path<ProviderKey>,
) -> Result<Json<ConnectionWebhook>, ApiError> {
    Ok(Json(
        connection_secrets::reveal(&stint, &principal, provider.into_inner()).await?,
    ))
}
