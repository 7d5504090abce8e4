//! Receiving a provider's webhooks: which secret signs them, how the signature over the raw bytes
//! is checked, and what a verified request is (a delivery to apply, one to record only, or an
//! answer such as Slack's challenge). The intake does the rest the same way for every provider.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_api_types::webhooks::DeliveryOutcome;

use crate::Secret;

/// Why a signature was refused. The verdict is recorded; the reason is logged and returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature does not match the body")]
    Mismatch,
    /// A way of signing the provider offers that Stint does not accept, in the provider's words.
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("the request timestamp is missing or not a number")]
    BadTimestamp,
    #[error("the request timestamp is too far from now (a replay?)")]
    Stale,
    #[error("no signing secret is configured for this provider")]
    NoSecret,
}

impl SignatureError {
    /// How `webhook_deliveries.signature` records it.
    pub fn verdict(self) -> &'static str {
        match self {
            SignatureError::Missing | SignatureError::NoSecret => "missing",
            _ => "invalid",
        }
    }
}

/// Where a provider posts: its webhook URL (`/webhook`, Slack's `/events`) or its chat commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Webhook,
    Commands,
}

/// Request headers by lower-case name.
pub trait Headers {
    fn get(&self, name: &str) -> Option<&str>;
}

impl Headers for std::collections::HashMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        std::collections::HashMap::get(self, name).map(String::as_str)
    }
}

pub struct WebhookRequest<'a> {
    pub headers: &'a dyn Headers,
    pub body: &'a [u8],
}

impl WebhookRequest<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }
}

/// Which provider-app secret signs the provider's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKey {
    /// The webhook secret (GitHub, GitLab, …).
    WebhookSecret,
    /// The app's signing secret (Slack).
    SigningSecret,
}

/// A delivery id and event the request claims, read before anything is verified (a refusal is
/// recorded under them).
#[derive(Debug, Clone, Default)]
pub struct Claimed {
    pub delivery_id: Option<String>,
    pub event: Option<String>,
}

/// What a verified request is.
#[derive(Debug, Clone)]
pub enum Triage {
    /// Record it and apply it in the background.
    Apply {
        delivery_id: String,
        event: String,
        payload: String,
        /// Said in the record (e.g. "Slack retry 1").
        detail: Option<String>,
    },
    /// Record it as it is: an event Stint does not use (`Ignored`) or a ping (`Applied`).
    Record {
        delivery_id: String,
        event: Option<String>,
        outcome: DeliveryOutcome,
        detail: String,
    },
    /// Answer with this JSON at once and record nothing (Slack's `url_verification`).
    Reply(serde_json::Value),
}

/// A verified request Stint cannot read.
#[derive(Debug, Clone)]
pub struct Malformed {
    /// The delivery id, when the request named one.
    pub delivery_id: Option<String>,
    pub event: Option<String>,
    pub reason: String,
}

impl Malformed {
    pub fn new(reason: impl Into<String>) -> Self {
        Malformed {
            delivery_id: None,
            event: None,
            reason: reason.into(),
        }
    }
}

pub trait WebhookReceiver: Send + Sync {
    /// The last segment of the webhook URL, `/api/integrations/{provider}/{segment}`.
    fn path_segment(&self) -> &'static str {
        "webhook"
    }

    fn signing_key(&self) -> SigningKey {
        SigningKey::WebhookSecret
    }

    /// How long the provider waits for an answer; the intake answers before.
    fn deadline(&self) -> Duration;

    fn claimed(&self, request: &WebhookRequest<'_>) -> Claimed {
        let _ = request;
        Claimed::default()
    }

    /// Checks the signature over the raw body. `now` is for schemes with a timestamp.
    fn verify(
        &self,
        secret: Option<&Secret>,
        request: &WebhookRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError>;

    /// What a verified request is.
    fn triage(&self, request: &WebhookRequest<'_>) -> Result<Triage, Malformed>;

    /// The workspace (team, organisation) a verified request comes from, where the provider
    /// says: requests from one no connection belongs to are refused.
    fn workspace(&self, request: &WebhookRequest<'_>) -> Option<String> {
        let _ = request;
        None
    }
}
