//! GitHub webhooks: `X-Hub-Signature-256` over the raw body; `ping` answered `pong`; `issues`
//! deliveries applied; every other event recorded as ignored.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_api_types::webhooks::DeliveryOutcome;
use stint_core::Secret;
use stint_core::connectors::webhook::{Claimed, Malformed, Triage};
use stint_core::connectors::{
    EventReader, ExternalEvent, IssueChange, WebhookReceiver, WebhookRequest,
};
use stint_core::webhooks::SignatureError;
use stint_core::webhooks::signature::verify_github;

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
        verify_github(
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
