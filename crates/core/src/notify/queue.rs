//! Timer notifications, through every chat provider the user is served by (their own connection
//! first, else the organisation's). A timer request only drops a notice into a bounded queue and
//! never waits for the provider: a full queue, a missing connection or a failing provider cost
//! the request nothing. A background task posts, retrying 429 and 5xx (honouring `Retry-After`).

use std::sync::Mutex;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use sea_orm::EntityTrait;
use stint_api_types::providers::IntegrationScope;
use stint_entity::{notification_preference, time_entry, user};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::report::{self, duration};
use crate::catalogue::Connector;
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::gateway::GatewayError;
use crate::integrations::{resolve, tokens};

const QUEUE_CAPACITY: usize = 1_024;
/// Retries after the first attempt.
const MAX_RETRIES: usize = 3;
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    TimerStarted { entry_id: Uuid },
    TimerStopped { entry_id: Uuid },
}

enum Message {
    Notice(Notice),
    /// Answered once every notice queued before it is handled.
    Flush(oneshot::Sender<()>),
}

pub struct Notifier {
    queue: mpsc::Sender<Message>,
    receiver: Mutex<Option<mpsc::Receiver<Message>>>,
}

impl Default for Notifier {
    fn default() -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        Notifier {
            queue,
            receiver: Mutex::new(Some(receiver)),
        }
    }
}

impl Notifier {
    /// Hands a notice to the background task without waiting.
    pub fn notify(&self, notice: Notice) {
        if let Err(err) = self.queue.try_send(Message::Notice(notice)) {
            tracing::warn!(error = %err, "notification queue full; a notice was dropped");
        }
    }

    /// Waits until every notice queued before this call has been posted or given up.
    pub async fn settle(&self) {
        let (flush, done) = oneshot::channel();
        if self.queue.send(Message::Flush(flush)).await.is_ok() {
            let _ = done.await;
        }
    }

    pub fn spawn(stint: &Stint) {
        let Some(mut receiver) = stint
            .notifier
            .receiver
            .lock()
            .ok()
            .and_then(|mut r| r.take())
        else {
            return;
        };
        let stint = stint.clone();
        tokio::spawn(async move {
            while let Some(message) = receiver.recv().await {
                match message {
                    Message::Notice(notice) => {
                        if let Err(err) = deliver(&stint, notice).await {
                            tracing::warn!(?notice, error = %err, "could not post a timer notification");
                        }
                    }
                    Message::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
    }
}

async fn deliver(stint: &Stint, notice: Notice) -> Result<(), CoreError> {
    let (Notice::TimerStarted { entry_id } | Notice::TimerStopped { entry_id }) = notice;
    let Some(entry) = time_entry::Entity::find_by_id(entry_id)
        .one(&stint.db)
        .await?
    else {
        return Ok(());
    };
    let wanted = notification_preference::Entity::find_by_id(entry.user_id)
        .one(&stint.db)
        .await?
        .is_none_or(|p| p.timer_notifications);
    if !wanted {
        return Ok(());
    }
    let Some(person) = user::Entity::find_by_id(entry.user_id)
        .one(&stint.db)
        .await?
    else {
        return Ok(());
    };
    let what = report::label(stint, entry.project_id, entry.task_id).await?;
    let text = match (notice, entry.ended_at) {
        (Notice::TimerStarted { .. }, _) => {
            format!("▶️ {} started a timer on {what}", person.display_name)
        }
        (Notice::TimerStopped { .. }, Some(ended)) => format!(
            "⏹ {} stopped their timer on {what} after {}",
            person.display_name,
            duration(ended - entry.started_at)
        ),
        (Notice::TimerStopped { .. }, None) => return Ok(()),
    };
    for connector in stint.catalogue.connectors() {
        let Some(notifier) = &connector.notifier else {
            continue;
        };
        let resolved = match resolve::connection(
            &stint.db,
            connector.spec.key,
            connector.spec.display_name,
            person.id,
        )
        .await?
        {
            Ok(resolved) => resolved,
            Err(_) => continue,
        };
        // The connection's channel; a member's own connection without one posts to them.
        let recipient = match notifier.channel(&resolved.integration.config) {
            Some(channel) => channel,
            None if resolved.scope == IntegrationScope::Personal => {
                match connector.spec.user_handle.and_then(|h| h.of(&person)) {
                    Some(handle) => handle.to_owned(),
                    None => continue,
                }
            }
            None => continue,
        };
        post(stint, connector, resolved.integration.id, &recipient, &text).await?;
    }
    Ok(())
}

/// Posts with the connection's token, retrying what a retry can fix.
pub(crate) async fn post(
    stint: &Stint,
    connector: &Connector,
    integration_id: Uuid,
    channel: &str,
    text: &str,
) -> Result<(), CoreError> {
    let Some(notifier) = &connector.notifier else {
        return Err(CoreError::Internal(format!(
            "{} posts no messages",
            connector.spec.display_name
        )));
    };
    let spec = &connector.spec;
    let name = spec.display_name;
    let token = tokens::get_valid_token(stint, integration_id)
        .await
        .map_err(|e| CoreError::ProviderUnavailable(e.to_string()))?;
    let outcome = (|| notifier.post(spec, &token, channel, text))
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_secs(2))
                .with_max_times(MAX_RETRIES),
        )
        .when(GatewayError::is_temporary)
        // After a 429 the provider says how long to wait.
        .adjust(|err, backoff| match (err, backoff) {
            (
                GatewayError::RateLimited {
                    retry_after: Some(after),
                    ..
                },
                Some(_),
            ) => Some((*after).min(MAX_RETRY_AFTER)),
            (_, backoff) => backoff,
        })
        .notify(|err, wait| tracing::debug!(provider = name, error = %err, ?wait, "posting failed; retrying"))
        .await;
    match outcome {
        Ok(()) => {
            tracing::debug!(provider = name, ?token, channel, "posted a message");
            Ok(())
        }
        Err(err) if err.is_temporary() => {
            tracing::warn!(
                provider = name,
                ?token,
                channel,
                "giving up posting a message"
            );
            Err(CoreError::ProviderUnavailable(format!(
                "{name} kept failing; the message was not posted"
            )))
        }
        Err(other) => {
            tracing::warn!(provider = name, ?token, channel, error = %other, "the provider refused a message");
            Err(CoreError::ProviderUnavailable(other.to_string()))
        }
    }
}
