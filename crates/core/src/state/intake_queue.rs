//! The webhook intake's queue: what the receiving handlers put deliveries on, and what the
//! intake's writers (`webhooks::intake`) take them from.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::DeliveryOutcome;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::error::CoreError;

const QUEUE_CAPACITY: usize = 8_192;
/// Refused deliveries recorded per minute and process; beyond that they are only logged.
const REFUSALS_RECORDED_PER_MINUTE: u32 = 60;
/// Refusals logged at warning level per minute and process; the rest at debug level.
const REFUSALS_LOGGED_PER_MINUTE: u32 = 10;

/// A verified delivery.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub provider: ProviderKey,
    pub delivery_id: String,
    pub event: Option<String>,
    /// `valid`, `invalid` or `missing`.
    pub signature: &'static str,
    /// `Queued` means "apply it"; anything else is recorded as it is.
    pub outcome: DeliveryOutcome,
    pub detail: Option<String>,
    /// The verified body, for deliveries to apply.
    pub payload: Option<String>,
    /// The connection it was sent to, when sent to a connection's own URL.
    pub integration_id: Option<Uuid>,
    pub received: Instant,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New(Uuid),
    /// The provider sent this delivery id before; it was not recorded or applied again.
    Duplicate,
}

pub(crate) struct WriteJob {
    pub(crate) delivery: NewDelivery,
    pub(crate) reply: Option<oneshot::Sender<Result<Recorded, String>>>,
}

pub(crate) enum Message {
    Record(WriteJob),
    /// Answered once everything queued before it is recorded and applied.
    Flush(oneshot::Sender<()>),
}

/// A recorded delivery to apply again (re-apply, sweep).
#[derive(Debug, Clone)]
pub struct ApplyJob {
    pub id: Uuid,
    pub provider: ProviderKey,
    pub integration_id: Option<Uuid>,
    pub event: Option<String>,
    pub payload: String,
    pub received: Instant,
}

/// The queue; its receiver is taken by `spawn` once per process.
pub struct Intake {
    queue: mpsc::Sender<Message>,
    pub(crate) receiver: Mutex<Option<mpsc::Receiver<Message>>>,
    /// Anyone can send a refused request; recording them all would let a stranger fill the table.
    refusals: governor::DefaultDirectRateLimiter,
    /// Likewise for the log.
    refusal_logs: governor::DefaultDirectRateLimiter,
    /// Replays and foreign workspaces.
    pub guard: super::guard::Guard,
}

impl Default for Intake {
    fn default() -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let per_minute = std::num::NonZeroU32::new(REFUSALS_RECORDED_PER_MINUTE)
            .unwrap_or(std::num::NonZeroU32::MIN);
        Intake {
            queue,
            receiver: Mutex::new(Some(receiver)),
            refusals: governor::RateLimiter::direct(governor::Quota::per_minute(per_minute)),
            refusal_logs: governor::RateLimiter::direct(governor::Quota::per_minute(
                std::num::NonZeroU32::new(REFUSALS_LOGGED_PER_MINUTE)
                    .unwrap_or(std::num::NonZeroU32::MIN),
            )),
            guard: super::guard::Guard::default(),
        }
    }
}

impl Intake {
    /// Records (and applies) a delivery. Waits at most `deadline`: past it the delivery stays in
    /// the queue and is still recorded and applied (`Ok(None)`), so a slow database never makes
    /// the provider time out.
    pub async fn record(
        &self,
        delivery: NewDelivery,
        deadline: Duration,
    ) -> Result<Option<Recorded>, CoreError> {
        let (reply, answer) = oneshot::channel();
        let job = WriteJob {
            delivery,
            reply: Some(reply),
        };
        match tokio::time::timeout(deadline, self.queue.send(Message::Record(job))).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(CoreError::Internal("the webhook intake stopped".into())),
            Err(_) => {
                return Err(CoreError::Unavailable(sea_orm::DbErr::Custom(
                    "the webhook queue is full".into(),
                )));
            }
        }
        match tokio::time::timeout(deadline, answer).await {
            Ok(Ok(Ok(recorded))) => Ok(Some(recorded)),
            Ok(Ok(Err(reason))) => Err(CoreError::Unavailable(sea_orm::DbErr::Custom(reason))),
            Ok(Err(_)) => Err(CoreError::Internal("the webhook intake stopped".into())),
            Err(_) => Ok(None),
        }
    }

    /// Records without waiting (refusals, and Slack commands, which are answered inline).
    pub fn record_later(&self, delivery: NewDelivery) {
        let job = WriteJob {
            delivery,
            reply: None,
        };
        if let Err(err) = self.queue.try_send(Message::Record(job)) {
            tracing::warn!(error = %err, "webhook queue full; a delivery record was dropped");
        }
    }

    /// Records a refused delivery, unless refusals come faster than anyone should send them.
    pub fn record_refusal(&self, delivery: NewDelivery) {
        if self.refusals.check().is_ok() {
            self.record_later(delivery);
        } else {
            tracing::debug!(provider = %delivery.provider, "too many refused webhooks to record them all");
        }
    }

    /// Whether a refusal may be logged at warning level now (a few a minute).
    pub fn may_log_refusal(&self) -> bool {
        self.refusal_logs.check().is_ok()
    }

    /// Waits until every delivery queued before this call is recorded and applied (tests,
    /// benchmarks and shutdown use it).
    pub async fn settle(&self) {
        let (flush, done) = oneshot::channel();
        if self.queue.send(Message::Flush(flush)).await.is_ok() {
            let _ = done.await;
        }
    }
}
