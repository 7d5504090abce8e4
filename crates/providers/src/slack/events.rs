//! Slack requests: signed with `X-Slack-Signature` (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`
//! with the app's signing secret) within five minutes. Events API deliveries: `url_verification`
//! answered at once; `app_uninstalled` and `tokens_revoked` applied; every other event recorded
//! as ignored.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use stint_api_types::webhooks::DeliveryOutcome;
use stint_connectors::Secret;
use stint_connectors::SignatureError;
use stint_connectors::{
    AccessRevoked, EventReader, ExternalEvent, WebhookReceiver, WebhookRequest,
};
use stint_connectors::{Malformed, SigningKey, Triage};

/// Slack gives up after 3 s.
const DEADLINE: Duration = Duration::from_millis(2_500);

const APPLIED: &[&str] = &["app_uninstalled", "tokens_revoked"];

pub(super) struct Events;

impl WebhookReceiver for Events {
    fn path_segment(&self) -> &'static str {
        "events"
    }

    fn signing_key(&self) -> SigningKey {
        SigningKey::SigningSecret
    }

    fn deadline(&self) -> Duration {
        DEADLINE
    }

    fn verify(
        &self,
        secret: Option<&Secret>,
        request: &WebhookRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        super::signature::verify(
            secret,
            request.header("x-slack-request-timestamp"),
            request.header("x-slack-signature"),
            request.body,
            now,
        )
    }

    fn workspace(&self, request: &WebhookRequest<'_>) -> Option<String> {
        #[derive(Deserialize)]
        struct Team {
            team_id: Option<String>,
        }
        serde_json::from_slice::<Team>(request.body).ok()?.team_id
    }

    fn triage(&self, request: &WebhookRequest<'_>) -> Result<Triage, Malformed> {
        let mut envelope: Value = match serde_json::from_slice(request.body) {
            Ok(Value::Object(map)) => Value::Object(map),
            Ok(_) => return Err(Malformed::new("the body is not a JSON object")),
            Err(err) => return Err(Malformed::new(format!("the body is not JSON: {err}"))),
        };
        let kind = envelope["type"].as_str().unwrap_or_default().to_owned();
        if kind == "url_verification" {
            let challenge = envelope["challenge"].as_str().unwrap_or_default();
            return Ok(Triage::Reply(serde_json::json!({ "challenge": challenge })));
        }
        let Some(event_id) = envelope["event_id"].as_str().map(str::to_owned) else {
            return Err(Malformed::new("`event_id` is missing"));
        };
        let event = envelope["event"]["type"]
            .as_str()
            .unwrap_or(&kind)
            .to_owned();
        let retry = request
            .header("x-slack-retry-num")
            .map(|retry| format!("Slack retry {retry}"));
        if !APPLIED.contains(&event.as_str()) {
            return Ok(Triage::Record {
                delivery_id: event_id,
                detail: format!("`{event}` events are not used"),
                event: Some(event),
                outcome: DeliveryOutcome::Ignored,
            });
        }
        // The legacy verification token is a secret; it is not kept.
        if let Some(map) = envelope.as_object_mut() {
            map.remove("token");
        }
        Ok(Triage::Apply {
            delivery_id: event_id,
            event,
            payload: envelope.to_string(),
            detail: retry,
        })
    }
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    event: Option<Event>,
}

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    tokens: Tokens,
}

/// `tokens_revoked` names the users whose tokens went: user tokens under `oauth`, the bot's under
/// `bot`.
#[derive(Debug, Default, Deserialize)]
struct Tokens {
    #[serde(default)]
    oauth: Vec<String>,
    #[serde(default)]
    bot: Vec<String>,
}

impl EventReader for Events {
    fn read(&self, _event: Option<&str>, payload: &str) -> Result<ExternalEvent, String> {
        let envelope: Envelope = serde_json::from_str(payload).map_err(|e| e.to_string())?;
        let (kind, tokens) = match envelope.event {
            Some(event) => (event.kind, event.tokens),
            None => (envelope.kind, Tokens::default()),
        };
        Ok(match kind.as_str() {
            "app_uninstalled" => ExternalEvent::AccessRevoked(AccessRevoked {
                event: kind,
                workspace: envelope.team_id,
                everything: true,
                ..AccessRevoked::default()
            }),
            "tokens_revoked" => ExternalEvent::AccessRevoked(AccessRevoked {
                event: kind,
                workspace: envelope.team_id,
                organisation: !tokens.bot.is_empty(),
                members: tokens.oauth,
                ..AccessRevoked::default()
            }),
            _ => ExternalEvent::Ignored(format!("`{kind}` events are not used")),
        })
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_event_body_is_read_or_refused_without_panic(payload in ".{0,500}") {
            let _ = Events.read(None, &payload);
        }

        #[test]
        fn tokens_revoked_of_any_shape_is_read_without_panic(
            team in proptest::option::of("[A-Z0-9]{0,12}"),
            oauth in proptest::collection::vec("[A-Z0-9]{0,12}", 0..4),
            bot in proptest::collection::vec("[A-Z0-9]{0,12}", 0..4),
        ) {
            let payload = serde_json::json!({
                "type": "event_callback", "team_id": team,
                "event": { "type": "tokens_revoked", "tokens": { "oauth": oauth, "bot": bot } }
            });
            let _ = Events.read(None, &payload.to_string());
        }
    }
}
