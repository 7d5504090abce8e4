//! Timer notifications, through every chat provider the user is served by (their own connection
//! first, else the organisation's). A timer request only queues a notice as a background job and
//! never waits for the provider: a missing connection or a failing provider cost the request
//! nothing, and a queued notice outlives the process. The worker posts, retrying 429 and 5xx
//! (honouring `Retry-After`), then gives up on that notice.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use sea_orm::EntityTrait;
use stint_api_types::providers::IntegrationScope;
use stint_entity::{notification_preference, time_entry, user};
use uuid::Uuid;

use super::report::{self, duration};
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::{resolve, tokens};
use crate::jobs::Job;
pub use crate::jobs::Notice;
use stint_connectors::Connector;
use stint_connectors::GatewayError;

/// Retries after the first attempt.
const MAX_RETRIES: usize = 3;
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// A stop is posted a moment after it is queued, so that the start queued just before it (the
/// worker serialises one user's notices) is taken first.
const STOP_AFTER: Duration = Duration::from_secs(1);

/// Queues a notice for the worker. A queue that cannot be written loses the notice, never the
/// timer request.
pub async fn notify(stint: &Stint, notice: Notice) {
    let delay = matches!(notice, Notice::TimerStopped { .. }).then_some(STOP_AFTER);
    if let Err(err) = stint.jobs.push(Job::Notify { notice }, delay).await {
        tracing::warn!(?notice, error = %err, "could not queue a timer notification");
    }
}

/// Posts one notice: the notify job. A provider that still fails after the retries is given up
/// on (and logged): a timer message is worth little an hour late.
pub async fn post_notice(stint: &Stint, notice: Notice) -> Result<(), CoreError> {
    match deliver(stint, notice).await {
        Err(CoreError::Database(err)) => Err(CoreError::Database(err)),
        Err(err) => {
            tracing::warn!(?notice, error = %err, "could not post a timer notification; giving up");
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

async fn deliver(stint: &Stint, notice: Notice) -> Result<(), CoreError> {
    let (Notice::TimerStarted { entry_id, .. } | Notice::TimerStopped { entry_id, .. }) = notice;
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
                match crate::identities::handle_of(&stint.db, connector.spec.key, person.id).await?
                {
                    Some(handle) => handle,
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
