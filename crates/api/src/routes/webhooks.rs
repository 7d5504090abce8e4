//! Webhook routes, the same for every provider: the catalogue says which provider receives what.
//! No session: the signature over the raw bytes is the authentication, checked before anything is
//! parsed. Bodies over the limit are refused while they stream in.

use super::Routes;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse, post};
use futures_util::StreamExt;
use serde::Serialize;
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::WebhookAck;
use stint_connectors::{Headers, WebhookRequest};
use stint_core::webhooks::receive::{self, Receipt};
use stint_core::{CoreError, Stint};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(webhook)
        .service(connection_webhook)
        .service(events)
        .service(commands);
}

/// Reads the body up to the configured limit (1 MiB by default), refusing more with 413.
async fn read_body(
    stint: &Stint,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<Bytes, ApiError> {
    let limit = stint.config.body_limit;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(CoreError::PayloadTooLarge(limit).into());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::request(
                stint_api_types::ErrorCode::MalformedRequest,
                "the request body could not be read",
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(CoreError::PayloadTooLarge(limit).into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The request's headers as core reads them.
struct RequestHeaders<'a>(&'a actix_web::http::header::HeaderMap);

impl Headers for RequestHeaders<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }
}

fn ack(receipt: Receipt) -> HttpResponse {
    let (status, body) = match receipt {
        Receipt::Accepted(delivery) => (StatusCode::OK, ("accepted", delivery)),
        Receipt::Duplicate => (StatusCode::OK, ("duplicate", None)),
        Receipt::Ignored => (StatusCode::ACCEPTED, ("ignored", None)),
        Receipt::Pong => (StatusCode::OK, ("pong", None)),
        Receipt::Reply(body) => return HttpResponse::Ok().json(body),
    };
    HttpResponse::build(status).json(WebhookAck {
        status: body.0.to_owned(),
        delivery: body.1,
    })
}

async fn receive_webhook(
    stint: &Stint,
    req: &HttpRequest,
    payload: web::Payload,
    provider: ProviderKey,
    endpoint: &str,
    connection: Option<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(stint, req, payload).await?;
    let request = WebhookRequest {
        headers: &RequestHeaders(req.headers()),
        body: &body,
    };
    let receipt = receive::webhook(stint, provider, endpoint, connection, request).await?;
    Ok(ack(receipt))
}

/// A provider's webhook
///
/// Where providers that send webhooks post them (Slack posts to `events` instead). Each request
/// is verified over its raw bytes with the provider app's secret before anything is read:
/// **GitHub** signs with `X-Hub-Signature-256` (`sha256=` HMAC-SHA256 of the body; `sha1=` alone
/// is refused) and names the delivery in `X-GitHub-Delivery` and the event in `X-GitHub-Event`.
/// `ping` answers `pong`; `issues` deliveries are recorded and applied to tasks in the background
/// (200 `accepted`); a delivery id seen before answers 200 `duplicate` and is not applied again;
/// other events answer 202 `ignored`. A provider that sends no webhooks answers 404.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = Object, content_type = "application/json", description = "The provider's event payload"),
    params(
        ("provider" = ProviderKey, Path, description = "The provider (`github`)"),
        ("X-GitHub-Event" = Option<String>, Header, description = "GitHub: `issues`, `ping`, …"),
        ("X-GitHub-Delivery" = Option<String>, Header, description = "GitHub: unique per delivery; redeliveries repeat it"),
        ("X-Hub-Signature-256" = Option<String>, Header, description = "GitHub: `sha256=<hex HMAC-SHA256(secret, body)>`"),
    ),
    responses(
        (status = 200, body = WebhookAck, description = "Recorded (`accepted`), seen before (`duplicate`) or `pong`"),
        (status = 202, body = WebhookAck, description = "Verified and recorded; Stint does not use this event"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::InvalidSignature),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
    security(("github_signature" = []))
)]
#[post("/integrations/{provider}/webhook")]
async fn webhook(
    stint: Data<Stint>,
    req: HttpRequest,
    provider: Path<ProviderKey>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    receive_webhook(
        &stint,
        &req,
        payload,
        provider.into_inner(),
        "webhook",
        None,
    )
    .await
}

/// A member's own connection's webhook
///
/// Like the provider's webhook, for one member's own connection: verified with that connection's
/// own secret (`POST /api/integrations/{provider}/webhook-secret` makes it and shows it once), never
/// with the organisation's; what it delivers applies to that member's connection alone. 404 for
/// anything but a personal connection of this provider.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = Object, content_type = "application/json", description = "The provider's event payload"),
    params(
        ("provider" = ProviderKey, Path, description = "The provider (`github`)"),
        ("connection" = Uuid, Path, description = "The member's connection"),
        ("X-GitHub-Event" = Option<String>, Header, description = "GitHub: `issues`, `ping`, …"),
        ("X-GitHub-Delivery" = Option<String>, Header, description = "GitHub: unique per delivery"),
        ("X-Hub-Signature-256" = Option<String>, Header, description = "GitHub: `sha256=<hex HMAC-SHA256(connection secret, body)>`"),
    ),
    responses(
        (status = 200, body = WebhookAck, description = "Recorded (`accepted`), seen before (`duplicate`) or `pong`"),
        (status = 202, body = WebhookAck, description = "Verified and recorded; Stint does not use this event"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::InvalidSignature),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
    security(("github_signature" = []))
)]
#[post("/integrations/{provider}/webhook/{connection}")]
async fn connection_webhook(
    stint: Data<Stint>,
    req: HttpRequest,
    path: Path<(ProviderKey, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (provider, connection) = path.into_inner();
    receive_webhook(&stint, &req, payload, provider, "webhook", Some(connection)).await
}

/// A provider's events
///
/// Where Slack posts Events API deliveries. Signed with `X-Slack-Signature` (`v0=` HMAC-SHA256 of
/// `v0:{timestamp}:{body}` with the signing secret); a timestamp more than five minutes from now is
/// refused. `url_verification` is answered with its challenge at once; `event_callback`s are
/// recorded by `event_id`, so Slack's retries (`X-Slack-Retry-Num`) are acknowledged without being
/// applied twice. Events from a workspace no connection belongs to answer 403. A provider that
/// posts no events here answers 404.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = Object, content_type = "application/json", description = "Slack's event envelope"),
    params(
        ("provider" = ProviderKey, Path, description = "The provider (`slack`)"),
        ("X-Slack-Request-Timestamp" = String, Header, description = "Seconds since the epoch"),
        ("X-Slack-Signature" = String, Header, description = "`v0=<hex>`"),
    ),
    responses(
        (status = 200, body = WebhookAck, description = "Recorded, seen before, or the challenge (`{\"challenge\": …}`)"),
        (status = 202, body = WebhookAck, description = "Verified and recorded; Stint does not use this event"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::InvalidSignature),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
    security(("slack_signature" = []))
)]
#[post("/integrations/{provider}/events")]
async fn events(
    stint: Data<Stint>,
    req: HttpRequest,
    provider: Path<ProviderKey>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    receive_webhook(&stint, &req, payload, provider.into_inner(), "events", None).await
}

/// The form Slack posts for a slash command (only the fields Stint reads).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct SlashCommandForm {
    /// The member who typed the command.
    pub user_id: String,
    /// `/tt`.
    pub command: String,
    /// `start acme`, `stop`, `status`, `today`, `help`.
    pub text: String,
    pub trigger_id: String,
    pub team_id: String,
}

/// An ephemeral reply: shown only to the member who typed the command.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlashCommandReply {
    /// Always `ephemeral`.
    pub response_type: &'static str,
    pub text: String,
}

/// Chat command `/tt`
///
/// `/tt start [project]` (a project id or part of its name; several matches list the choices),
/// `/tt stop`, `/tt status`, `/tt today`, anything else shows help. Slack signs commands like its
/// events. Members are matched to Stint users by their Slack identity (member id), else by
/// their email at the provider (asked once and remembered). The reply comes within the provider's
/// deadline (Slack: 3 seconds). A command replayed byte for byte inside the signature's window is
/// not run again, and one from a workspace no connection belongs to is not answered; both say so.
/// A provider without chat commands answers 404.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = SlashCommandForm, content_type = "application/x-www-form-urlencoded"),
    params(
        ("provider" = ProviderKey, Path, description = "The provider (`slack`)"),
        ("X-Slack-Request-Timestamp" = String, Header, description = "Seconds since the epoch"),
        ("X-Slack-Signature" = String, Header, description = "`v0=<hex>`"),
    ),
    responses(
        (status = 200, body = SlashCommandReply),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::InvalidSignature),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
    ),
    security(("slack_signature" = []))
)]
#[post("/integrations/{provider}/commands")]
async fn commands(
    stint: Data<Stint>,
    req: HttpRequest,
    provider: Path<ProviderKey>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&stint, &req, payload).await?;
    let request = WebhookRequest {
        headers: &RequestHeaders(req.headers()),
        body: &body,
    };
    Ok(HttpResponse::Ok().json(receive::command(&stint, provider.into_inner(), request).await?))
}
