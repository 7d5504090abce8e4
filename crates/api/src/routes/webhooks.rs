//! Webhook routes. No session: the signature over the raw bytes is the authentication, checked
//! before anything is parsed. Bodies over the limit are refused while they stream in.

use super::Routes;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, Data};
use actix_web::{HttpRequest, HttpResponse, post};
use futures_util::StreamExt;
use serde::Serialize;
use stint_api_types::webhooks::WebhookAck;
use stint_core::webhooks::receive::{self, GithubHeaders, Receipt, SlackHeaders};
use stint_core::{CoreError, Stint};
use utoipa::ToSchema;

use crate::error::ApiError;

pub fn configure<R: Routes>(cfg: &mut R) {
    cfg.service(github)
        .service(slack_events)
        .service(slack_commands);
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

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn ack(receipt: Receipt) -> HttpResponse {
    let (status, body) = match receipt {
        Receipt::Accepted(delivery) => (StatusCode::OK, ("accepted", delivery)),
        Receipt::Duplicate => (StatusCode::OK, ("duplicate", None)),
        Receipt::Ignored => (StatusCode::ACCEPTED, ("ignored", None)),
        Receipt::Pong => (StatusCode::OK, ("pong", None)),
        Receipt::Challenge(challenge) => {
            return HttpResponse::Ok().json(SlackChallenge { challenge });
        }
    };
    HttpResponse::build(status).json(WebhookAck {
        status: body.0.to_owned(),
        delivery: body.1,
    })
}

/// GitHub webhook
///
/// `X-Hub-Signature-256` must be the HMAC-SHA256 of the raw body with the GitHub webhook secret
/// (`sha1=` alone is refused). `ping` answers `pong`; `issues` deliveries are recorded and applied
/// to tasks in the background (200 `accepted`); a delivery id seen before answers 200 `duplicate`
/// and is not applied again; other events answer 202 `ignored`.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = Object, content_type = "application/json", description = "GitHub's event payload"),
    params(
        ("X-GitHub-Event" = String, Header, description = "`issues`, `ping`, …"),
        ("X-GitHub-Delivery" = String, Header, description = "Unique per delivery; redeliveries repeat it"),
        ("X-Hub-Signature-256" = String, Header, description = "`sha256=<hex HMAC-SHA256(secret, body)>`"),
    ),
    responses(
        (status = 200, body = WebhookAck, description = "Recorded (`accepted`), seen before (`duplicate`) or `pong`"),
        (status = 202, body = WebhookAck, description = "Verified and recorded; Stint does not use this event"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::InvalidSignature),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
    security(("github_signature" = []))
)]
#[post("/integrations/github/webhook")]
async fn github(
    stint: Data<Stint>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&stint, &req, payload).await?;
    let headers = GithubHeaders {
        event: header(&req, "x-github-event"),
        delivery_id: header(&req, "x-github-delivery"),
        signature_256: header(&req, "x-hub-signature-256"),
        has_sha1_signature: req.headers().contains_key("x-hub-signature"),
    };
    Ok(ack(receive::github(&stint, headers, &body).await?))
}

fn slack_headers(req: &HttpRequest) -> SlackHeaders {
    SlackHeaders {
        timestamp: header(req, "x-slack-request-timestamp"),
        signature: header(req, "x-slack-signature"),
        retry_num: header(req, "x-slack-retry-num"),
    }
}

/// Slack's `url_verification` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlackChallenge {
    pub challenge: String,
}

/// Slack events
///
/// Signed with `X-Slack-Signature` (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing
/// secret); a timestamp more than five minutes from now is refused. `url_verification` is answered
/// with its challenge at once; `event_callback`s are recorded by `event_id`, so Slack's retries
/// (`X-Slack-Retry-Num`) are acknowledged without being applied twice.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = Object, content_type = "application/json", description = "Slack's event envelope"),
    params(
        ("X-Slack-Request-Timestamp" = String, Header, description = "Seconds since the epoch"),
        ("X-Slack-Signature" = String, Header, description = "`v0=<hex>`"),
    ),
    responses(
        (status = 200, body = WebhookAck, description = "Recorded, seen before, or the challenge (`{\"challenge\": …}`)"),
        (status = 202, body = WebhookAck, description = "Verified and recorded; Stint does not use this event"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::InvalidSignature),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    ),
    security(("slack_signature" = []))
)]
#[post("/integrations/slack/events")]
async fn slack_events(
    stint: Data<Stint>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&stint, &req, payload).await?;
    Ok(ack(receive::slack_event(
        &stint,
        slack_headers(&req),
        &body,
    )
    .await?))
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

/// Slack slash command `/tt`
///
/// `/tt start [project]` (a project id or part of its name; several matches list the choices),
/// `/tt stop`, `/tt status`, `/tt today`, anything else shows help. Signed like Slack events.
/// Slack members are matched to Stint users by `slack_user_id`, else by their Slack email (asked
/// once and remembered). The reply comes within Slack's 3 seconds.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = SlashCommandForm, content_type = "application/x-www-form-urlencoded"),
    params(
        ("X-Slack-Request-Timestamp" = String, Header, description = "Seconds since the epoch"),
        ("X-Slack-Signature" = String, Header, description = "`v0=<hex>`"),
    ),
    responses(
        (status = 200, body = SlashCommandReply),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::InvalidSignature),
        (status = 413, response = crate::openapi::PayloadTooLarge),
    ),
    security(("slack_signature" = []))
)]
#[post("/integrations/slack/commands")]
async fn slack_commands(
    stint: Data<Stint>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&stint, &req, payload).await?;
    let text = receive::slack_command(&stint, slack_headers(&req), &body).await?;
    Ok(HttpResponse::Ok().json(SlashCommandReply {
        response_type: "ephemeral",
        text,
    }))
}
