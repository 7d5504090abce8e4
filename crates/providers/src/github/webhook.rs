//! GitHub webhooks: `X-Hub-Signature-256` over the raw body; `ping` answered `pong`; `issues`
//! deliveries applied; every other event recorded as ignored.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_api_types::webhooks::DeliveryOutcome;
use stint_connectors::Secret;
use stint_connectors::SignatureError;
use stint_connectors::{Claimed, Malformed, Triage};
use stint_connectors::{EventReader, ExternalEvent, IssueChange, WebhookReceiver, WebhookRequest};

use super::payload::IssuesEvent;

/// GitHub gives up after 10 s; answer well before.
const DEADLINE: Duration = Duration::from_secs(8);

const UPDATING_ACTIONS: &[&str] = &[
    "opened",
    "edited",
    "reopened",
    "closed",
    "labeled",
    "unlabeled",
    "assigned",
    "unassigned",
];

pub(crate) struct Webhooks;

impl WebhookReceiver for Webhooks {
    fn deadline(&self) -> Duration {
        DEADLINE
    }

    fn claimed(&self, request: &WebhookRequest<'_>) -> Claimed {
        Claimed {
            delivery_id: request.header("x-github-delivery").map(str::to_owned),
            event: request.header("x-github-event").map(str::to_owned),
        }
    }

    fn verify(
        &self,
        secret: Option<&Secret>,
        request: &WebhookRequest<'_>,
        _now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        super::signature::verify(
            secret,
            request.header("x-hub-signature-256"),
            request.header("x-hub-signature").is_some(),
            request.body,
        )
    }

    fn triage(&self, request: &WebhookRequest<'_>) -> Result<Triage, Malformed> {
        let (Some(event), Some(delivery_id)) = (
            request.header("x-github-event"),
            request.header("x-github-delivery"),
        ) else {
            return Err(Malformed::new(
                "`X-GitHub-Event` and `X-GitHub-Delivery` are required",
            ));
        };
        if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(request.body) {
            return Err(Malformed {
                delivery_id: Some(delivery_id.to_owned()),
                event: Some(event.to_owned()),
                reason: format!("the body is not JSON: {err}"),
            });
        }
        let record = |outcome, detail: String| Triage::Record {
            delivery_id: delivery_id.to_owned(),
            event: Some(event.to_owned()),
            outcome,
            detail,
        };
        Ok(match event {
            "ping" => record(DeliveryOutcome::Applied, "pong".to_owned()),
            "issues" => Triage::Apply {
                delivery_id: delivery_id.to_owned(),
                event: event.to_owned(),
                payload: String::from_utf8_lossy(request.body).into_owned(),
                detail: None,
            },
            other => record(
                DeliveryOutcome::Ignored,
                format!("`{other}` events are not used"),
            ),
        })
    }
}

impl EventReader for Webhooks {
    fn read(&self, event: Option<&str>, payload: &str) -> Result<ExternalEvent, String> {
        let event = event.unwrap_or_default();
        if event != "issues" {
            return Ok(ExternalEvent::Ignored(format!(
                "`{event}` events are not used"
            )));
        }
        let delivery: IssuesEvent = serde_json::from_str(payload).map_err(|e| e.to_string())?;
        let action = delivery.action;
        if !UPDATING_ACTIONS.contains(&action.as_str()) {
            return Ok(ExternalEvent::Ignored(format!(
                "`issues.{action}` changes nothing in Stint"
            )));
        }
        let assigned = delivery
            .assignee
            .filter(|_| action == "assigned")
            .map(|a| a.login);
        Ok(ExternalEvent::IssueChanged(IssueChange {
            issue: delivery.issue.into_external(&delivery.repository.full_name),
            action: format!("issues.{action}"),
            assigned,
        }))
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            ".{0,20}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::hash_map(
                    prop_oneof![
                        Just("action".to_owned()),
                        Just("issue".to_owned()),
                        Just("repository".to_owned()),
                        Just("full_name".to_owned()),
                        Just("number".to_owned()),
                        Just("title".to_owned()),
                        Just("labels".to_owned()),
                        Just("installation".to_owned()),
                        "[a-z_]{1,10}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_payload_is_read_or_refused_without_panic(
            event in proptest::option::of(prop_oneof![Just("issues".to_owned()), Just("installation".to_owned()), ".{0,20}"]),
            payload in json(),
        ) {
            let _ = Webhooks.read(event.as_deref(), &payload.to_string());
        }

        #[test]
        fn any_text_is_read_or_refused_without_panic(payload in ".{0,500}") {
            let _ = Webhooks.read(Some("issues"), &payload);
        }
    }
}
