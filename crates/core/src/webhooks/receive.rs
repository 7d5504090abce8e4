//! What each webhook route does with a request, before and after the record: verify the raw
//! bytes, refuse what is not signed, parse, record, and say what happened. Applying happens in the
//! background (see `intake`).

use std::time::{Duration, Instant};

use serde_json::Value;
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::DeliveryOutcome;
use uuid::Uuid;

use super::intake::{NewDelivery, Recorded};
use super::secrets::signing_secret;
use super::signature::{self, SignatureError};
use crate::context::Stint;
use crate::error::CoreError;
use crate::slack::commands::{self, SlashCommand};

/// GitHub gives up after 10 s; answer well before.
const GITHUB_DEADLINE: Duration = Duration::from_secs(8);
/// Slack gives up after 3 s.
const SLACK_DEADLINE: Duration = Duration::from_millis(2_500);

/// What the provider is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// Recorded; applied shortly.
    Accepted(Option<Uuid>),
    /// Seen before; not applied again.
    Duplicate,
    /// Verified and recorded, but Stint does not use this event.
    Ignored,
    Pong,
    /// Slack's `url_verification`: echo the challenge.
    Challenge(String),
}

/// The headers of a GitHub delivery.
#[derive(Debug, Clone, Default)]
pub struct GithubHeaders {
    pub event: Option<String>,
    pub delivery_id: Option<String>,
    pub signature_256: Option<String>,
    pub has_sha1_signature: bool,
}

/// The headers Slack signs with.
#[derive(Debug, Clone, Default)]
pub struct SlackHeaders {
    pub timestamp: Option<String>,
    pub signature: Option<String>,
    pub retry_num: Option<String>,
}

fn delivery(
    stint: &Stint,
    provider: ProviderKey,
    delivery_id: String,
    event: Option<String>,
    received: Instant,
) -> NewDelivery {
    NewDelivery {
        provider,
        delivery_id,
        event,
        signature: "valid",
        outcome: DeliveryOutcome::Queued,
        detail: None,
        payload: None,
        received,
        received_at: stint.clock.now(),
    }
}

/// Records a refusal under a local id: the id a forged request claims must not block the real
/// delivery with that id.
fn refuse(stint: &Stint, mut record: NewDelivery, err: SignatureError) -> CoreError {
    tracing::warn!(provider = %record.provider, claimed = %record.delivery_id, reason = %err, "refused a webhook");
    record.detail = Some(format!(
        "claimed delivery id `{}`: {err}",
        record.delivery_id
    ));
    record.delivery_id = format!("refused:{}", Uuid::now_v7());
    record.signature = err.verdict();
    record.outcome = DeliveryOutcome::Rejected;
    stint.intake.record_refusal(record);
    CoreError::InvalidSignature(err.to_string())
}

fn malformed(stint: &Stint, mut record: NewDelivery, reason: String) -> CoreError {
    record.outcome = DeliveryOutcome::Malformed;
    record.detail = Some(reason.clone());
    stint.intake.record_later(record);
    CoreError::Malformed(reason)
}

async fn record(
    stint: &Stint,
    record: NewDelivery,
    deadline: Duration,
) -> Result<Receipt, CoreError> {
    let outcome = record.outcome;
    Ok(match stint.intake.record(record, deadline).await? {
        Some(Recorded::Duplicate) => Receipt::Duplicate,
        Some(Recorded::New(id)) if outcome == DeliveryOutcome::Queued => {
            Receipt::Accepted(Some(id))
        }
        None if outcome == DeliveryOutcome::Queued => Receipt::Accepted(None),
        _ if outcome == DeliveryOutcome::Ignored => Receipt::Ignored,
        _ => Receipt::Pong,
    })
}

pub async fn github(
    stint: &Stint,
    headers: GithubHeaders,
    body: &[u8],
) -> Result<Receipt, CoreError> {
    let received = Instant::now();
    let claimed = headers.delivery_id.clone().unwrap_or_default();
    let mut new = delivery(
        stint,
        ProviderKey::Github,
        claimed,
        headers.event.clone(),
        received,
    );
    let secret = signing_secret(stint, ProviderKey::Github).await?;
    if let Err(err) = signature::verify_github(
        secret.as_ref(),
        headers.signature_256.as_deref(),
        headers.has_sha1_signature,
        body,
    ) {
        return Err(refuse(stint, new, err));
    }
    let (Some(event), Some(_)) = (&headers.event, &headers.delivery_id) else {
        return Err(malformed(
            stint,
            unnamed(new),
            "`X-GitHub-Event` and `X-GitHub-Delivery` are required".to_owned(),
        ));
    };
    if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        return Err(malformed(
            stint,
            new,
            format!("the body is not JSON: {err}"),
        ));
    }
    if event == "ping" {
        new.outcome = DeliveryOutcome::Applied;
        new.detail = Some("pong".to_owned());
        record(stint, new, GITHUB_DEADLINE).await?;
        return Ok(Receipt::Pong);
    }
    if !crate::github::events::is_applied_event(event) {
        new.outcome = DeliveryOutcome::Ignored;
        new.detail = Some(format!("`{event}` events are not used"));
        return record(stint, new, GITHUB_DEADLINE).await;
    }
    new.payload = Some(String::from_utf8_lossy(body).into_owned());
    record(stint, new, GITHUB_DEADLINE).await
}

async fn verify_slack(
    stint: &Stint,
    headers: &SlackHeaders,
    body: &[u8],
) -> Result<(), SignatureError> {
    let secret = signing_secret(stint, ProviderKey::Slack)
        .await
        .map_err(|_| SignatureError::NoSecret)?;
    signature::verify_slack(
        secret.as_ref(),
        headers.timestamp.as_deref(),
        headers.signature.as_deref(),
        body,
        stint.clock.now(),
    )
}

pub async fn slack_event(
    stint: &Stint,
    headers: SlackHeaders,
    body: &[u8],
) -> Result<Receipt, CoreError> {
    let received = Instant::now();
    let mut new = delivery(stint, ProviderKey::Slack, String::new(), None, received);
    if let Err(err) = verify_slack(stint, &headers, body).await {
        return Err(refuse(stint, new, err));
    }
    let mut envelope: Value = match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Value::Object(map),
        Ok(_) => {
            return Err(malformed(
                stint,
                unnamed(new),
                "the body is not a JSON object".into(),
            ));
        }
        Err(err) => {
            return Err(malformed(
                stint,
                unnamed(new),
                format!("the body is not JSON: {err}"),
            ));
        }
    };
    let kind = envelope["type"].as_str().unwrap_or_default().to_owned();
    if kind == "url_verification" {
        let challenge = envelope["challenge"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        return Ok(Receipt::Challenge(challenge));
    }
    let Some(event_id) = envelope["event_id"].as_str().map(str::to_owned) else {
        return Err(malformed(
            stint,
            unnamed(new),
            "`event_id` is missing".into(),
        ));
    };
    let event_type = envelope["event"]["type"]
        .as_str()
        .unwrap_or(&kind)
        .to_owned();
    new.delivery_id = event_id;
    new.event = Some(event_type.clone());
    if let Some(retry) = &headers.retry_num {
        new.detail = Some(format!("Slack retry {retry}"));
    }
    if !matches!(event_type.as_str(), "app_uninstalled" | "tokens_revoked") {
        new.outcome = DeliveryOutcome::Ignored;
        new.detail = Some(format!("`{event_type}` events are not used"));
        return record(stint, new, SLACK_DEADLINE).await;
    }
    // The legacy verification token is a secret; it is not kept.
    if let Some(map) = envelope.as_object_mut() {
        map.remove("token");
    }
    new.payload = Some(envelope.to_string());
    record(stint, new, SLACK_DEADLINE).await
}

fn unnamed(mut record: NewDelivery) -> NewDelivery {
    record.delivery_id = format!("unnamed:{}", Uuid::now_v7());
    record
}

/// Answers a slash command inline: the reply text, shown only to the member.
pub async fn slack_command(
    stint: &Stint,
    headers: SlackHeaders,
    body: &[u8],
) -> Result<String, CoreError> {
    let received = Instant::now();
    let mut new = delivery(stint, ProviderKey::Slack, String::new(), None, received);
    if let Err(err) = verify_slack(stint, &headers, body).await {
        return Err(refuse(stint, new, err));
    }
    let command = match SlashCommand::parse(body) {
        Ok(command) => command,
        Err(reason) => return Err(malformed(stint, unnamed(new), reason)),
    };
    let verb = command.verb();
    let reply = match tokio::time::timeout(SLACK_DEADLINE, commands::answer(stint, &command)).await
    {
        Ok(Ok(reply)) => {
            new.outcome = DeliveryOutcome::Applied;
            reply
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "a Slack command failed");
            new.outcome = DeliveryOutcome::Failed;
            new.detail = Some(err.public_detail());
            "Something went wrong in Stint; try again in a moment.".to_owned()
        }
        Err(_) => {
            new.outcome = DeliveryOutcome::Failed;
            new.detail = Some("no answer within Slack's 3 seconds".to_owned());
            "Stint is taking longer than usual; check `/tt status` in a moment.".to_owned()
        }
    };
    new.delivery_id = if command.trigger_id.is_empty() {
        format!("command:{}", Uuid::now_v7())
    } else {
        format!("command:{}", command.trigger_id)
    };
    new.event = Some(format!("{} {verb}", command.command).trim().to_owned());
    stint.intake.record_later(new);
    Ok(reply)
}
