//! What a webhook route does with a request, for every provider: find the provider's receiver in
//! the catalogue, verify the raw bytes with its secret, refuse what is not signed, triage, record,
//! and say what happened. Applying happens in the background (see `intake`).

use std::time::Instant;

use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::DeliveryOutcome;
use uuid::Uuid;

use super::intake::{NewDelivery, Recorded};
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::signing_secrets::signing_secret;
use stint_connectors::Connector;
use stint_connectors::SignatureError;
use stint_connectors::{Malformed, Triage};
use stint_connectors::{WebhookReceiver, WebhookRequest};

/// The longest delivery id or event name a request may carry. Headers can be ~128 KiB; what a
/// stranger sends must not be stored or logged in full.
const MAX_NAME: usize = 64;

/// At most `MAX_NAME` characters, marked when cut.
fn cut(value: &str) -> String {
    match value.char_indices().nth(MAX_NAME) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

fn too_long(value: &str) -> bool {
    value.chars().count() > MAX_NAME
}

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
    /// Answered with this body and nothing recorded (Slack's `url_verification`).
    Reply(serde_json::Value),
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
        integration_id: None,
        received,
        received_at: stint.clock.now(),
    }
}

/// Records a refusal under a local id: the id a forged request claims must not block the real
/// delivery with that id.
fn refuse(stint: &Stint, mut record: NewDelivery, err: SignatureError) -> CoreError {
    // A flood of forgeries must not flood the log either.
    if stint.intake.may_log_refusal() {
        tracing::warn!(provider = %record.provider, claimed = %record.delivery_id, reason = %err, "refused a webhook");
    } else {
        tracing::debug!(provider = %record.provider, reason = %err, "refused a webhook");
    }
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

fn malformed(stint: &Stint, mut record: NewDelivery, found: Malformed) -> CoreError {
    match found.delivery_id {
        Some(id) if !too_long(&id) => record.delivery_id = id,
        _ => record = unnamed(record),
    }
    if let Some(event) = found.event {
        record.event = Some(cut(&event));
    }
    record.outcome = DeliveryOutcome::Malformed;
    record.detail = Some(found.reason.clone());
    stint.intake.record_later(record);
    CoreError::Malformed(found.reason)
}

fn unnamed(mut record: NewDelivery) -> NewDelivery {
    record.delivery_id = format!("unnamed:{}", Uuid::now_v7());
    record
}

async fn record(
    stint: &Stint,
    record: NewDelivery,
    deadline: std::time::Duration,
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

/// The provider's connector and webhook receiver, if it receives webhooks on `endpoint` (the last
/// segment of the URL: `webhook`, or Slack's `events`).
fn receiver(
    stint: &Stint,
    provider: ProviderKey,
) -> Result<(&Connector, &dyn WebhookReceiver), CoreError> {
    let connector = stint
        .catalogue
        .connector(provider)
        .ok_or(CoreError::NotFound("provider"))?;
    let receiver = connector
        .webhook
        .as_deref()
        .ok_or(CoreError::NotFound("webhook endpoint"))?;
    Ok((connector, receiver))
}

/// Verifies the request with the provider's signing secret, or with the connection's own when it
/// was sent to a connection's URL; a refusal is recorded.
async fn verify(
    stint: &Stint,
    receiver: &dyn WebhookReceiver,
    new: &NewDelivery,
    request: &WebhookRequest<'_>,
) -> Result<(), CoreError> {
    let secret = match new.integration_id {
        Some(connection) => {
            crate::integrations::connection_secrets::connection_secret(
                stint,
                new.provider,
                connection,
            )
            .await?
        }
        None => signing_secret(stint, new.provider, receiver.signing_key()).await?,
    };
    receiver
        .verify(secret.as_ref(), request, stint.clock.now())
        .map_err(|err| refuse(stint, new.clone(), err))
}

async fn connected_workspace(
    stint: &Stint,
    provider: ProviderKey,
    workspace: &str,
) -> Result<bool, CoreError> {
    stint
        .integrations
        .workspace_is_connected(&stint.db, provider, workspace)
        .await
}

/// Records a request from a workspace no connection belongs to as rejected.
fn record_foreign(stint: &Stint, mut record: NewDelivery, workspace: &str) {
    record.outcome = DeliveryOutcome::Rejected;
    record.detail = Some(format!(
        "from workspace `{}`, which is not connected",
        cut(workspace)
    ));
    record.delivery_id = format!("foreign:{}", Uuid::now_v7());
    stint.intake.record_refusal(record);
}

/// A delivery to a provider's webhook URL, or to one connection's (`connection`).
pub async fn webhook(
    stint: &Stint,
    provider: ProviderKey,
    endpoint: &str,
    connection: Option<Uuid>,
    request: WebhookRequest<'_>,
) -> Result<Receipt, CoreError> {
    let received = Instant::now();
    let (_, receiver) = receiver(stint, provider)?;
    if receiver.path_segment() != endpoint {
        return Err(CoreError::NotFound("webhook endpoint"));
    }
    let claimed = receiver.claimed(&request);
    let mut new = delivery(
        stint,
        provider,
        cut(&claimed.delivery_id.unwrap_or_default()),
        claimed.event.as_deref().map(cut),
        received,
    );
    new.integration_id = connection;
    verify(stint, receiver, &new, &request).await?;
    if let Some(workspace) = receiver.workspace(&request)
        && !connected_workspace(stint, provider, &workspace).await?
    {
        record_foreign(stint, new, &workspace);
        return Err(CoreError::Forbidden(
            "this workspace is not connected to Stint",
        ));
    }
    let deadline = receiver.deadline();
    let triage = match receiver.triage(&request) {
        Ok(
            Triage::Apply {
                delivery_id, event, ..
            }
            | Triage::Record {
                delivery_id,
                event: Some(event),
                ..
            },
        ) if too_long(&delivery_id) || too_long(&event) => Err(Malformed::new(format!(
            "a delivery id or event name may have at most {MAX_NAME} characters"
        ))),
        Ok(Triage::Record { delivery_id, .. }) if too_long(&delivery_id) => Err(Malformed::new(
            format!("a delivery id may have at most {MAX_NAME} characters"),
        )),
        other => other,
    };
    match triage {
        Err(found) => Err(malformed(stint, new, found)),
        Ok(Triage::Reply(body)) => Ok(Receipt::Reply(body)),
        Ok(Triage::Record {
            delivery_id,
            event,
            outcome,
            detail,
        }) => {
            new.delivery_id = delivery_id;
            new.event = event.or(new.event);
            new.outcome = outcome;
            new.detail = Some(detail);
            record(stint, new, deadline).await
        }
        Ok(Triage::Apply {
            delivery_id,
            event,
            payload,
            detail,
        }) => {
            new.delivery_id = delivery_id;
            new.event = Some(event);
            new.detail = detail;
            new.payload = Some(payload);
            record(stint, new, deadline).await
        }
    }
}

/// A chat command, answered inline: the provider's reply body, shown only to the member.
pub async fn command(
    stint: &Stint,
    provider: ProviderKey,
    request: WebhookRequest<'_>,
) -> Result<serde_json::Value, CoreError> {
    let received = Instant::now();
    let (connector, receiver) = receiver(stint, provider)?;
    let chat = connector
        .chat
        .as_deref()
        .ok_or(CoreError::NotFound("commands endpoint"))?;
    let mut new = delivery(stint, provider, String::new(), None, received);
    verify(stint, receiver, &new, &request).await?;
    // The same bytes again inside the signature's window: a replay, not run twice.
    if !stint.intake.guard.first_time(provider, request.body) {
        return Ok(chat.reply("Stint already received this command; it was not run again."));
    }
    let command = match chat.parse(request.body) {
        Ok(command) => command,
        Err(reason) => return Err(malformed(stint, new, Malformed::new(reason))),
    };
    if !command.workspace.is_empty()
        && !connected_workspace(stint, provider, &command.workspace).await?
    {
        record_foreign(stint, new, &command.workspace);
        return Ok(chat.reply(&format!(
            "This {} workspace is not connected to Stint, so Stint does not answer here.",
            connector.spec.display_name
        )));
    }
    let verb = command.verb();
    let answered = tokio::time::timeout(
        receiver.deadline(),
        crate::chat::answer(stint, connector, &command),
    )
    .await;
    let reply = match answered {
        Ok(Ok(reply)) => {
            new.outcome = DeliveryOutcome::Applied;
            reply
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "a chat command failed");
            new.outcome = DeliveryOutcome::Failed;
            new.detail = Some(err.public_detail());
            "Something went wrong in Stint; try again in a moment.".to_owned()
        }
        Err(_) => {
            new.outcome = DeliveryOutcome::Failed;
            new.detail = Some(format!(
                "no answer within {}'s {} seconds",
                connector.spec.display_name,
                receiver.deadline().as_secs_f32().ceil()
            ));
            "Stint is taking longer than usual; check `/tt status` in a moment.".to_owned()
        }
    };
    new.delivery_id = if command.trigger_id.is_empty() || too_long(&command.trigger_id) {
        format!("command:{}", Uuid::now_v7())
    } else {
        format!("command:{}", command.trigger_id)
    };
    new.event = Some(cut(format!("{} {verb}", command.command).trim()));
    stint.intake.record_later(new);
    Ok(chat.reply(&reply))
}
