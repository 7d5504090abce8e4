//! One request to a source, retried after a rate limit (`Retry-After` or the quota's reset) or a
//! transient failure; a wait too far off ends the attempt with a reason a person can read.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use stint_connectors::GatewayError;
use stint_connectors::SourcePage;

/// Longest wait for a rate limit to reset before the resource is given up for this run.
pub(super) const MAX_RATE_WAIT: Duration = Duration::from_secs(15 * 60);
/// Retries after the first attempt.
const MAX_RETRIES: usize = 2;

/// Why a page could not be had.
#[derive(Debug)]
pub(super) enum Failed {
    /// The provider refused the access token: refresh it and ask once more.
    TokenRefused,
    Reason(String),
}

impl Failed {
    pub(super) fn reason(self, name: &str) -> String {
        match self {
            Failed::TokenRefused => format!("{name} refused the token; reconnect {name}"),
            Failed::Reason(reason) => reason,
        }
    }
}

pub(super) async fn fetch<F, Fut>(clock: &Clock, name: &str, call: F) -> Result<SourcePage, Failed>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<SourcePage, GatewayError>>,
{
    let outcome = call
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(500))
                .with_max_times(MAX_RETRIES),
        )
        .when(GatewayError::is_temporary)
        // A rate limit says when to come back; one too far off ends the attempt now.
        .adjust(|err, backoff| match (err, backoff) {
            (GatewayError::RateLimited { .. }, Some(_)) => {
                Some(rate_wait(clock, err)).filter(|wait| *wait <= MAX_RATE_WAIT)
            }
            (_, backoff) => backoff,
        })
        .notify(|err, wait| {
            tracing::info!(provider = name, seconds = wait.as_secs_f32(), error = %err, "asking again after a wait");
        })
        .await;
    outcome.map_err(|err| match err {
        GatewayError::RateLimited { .. } => Failed::Reason(match rate_wait(clock, &err) {
            wait if wait > MAX_RATE_WAIT => too_long(name, wait),
            _ => format!("{name}'s rate limit was still exhausted after waiting"),
        }),
        GatewayError::DeadAccessToken => Failed::TokenRefused,
        other => Failed::Reason(other.to_string()),
    })
}

/// How long a rate limit asks to wait: `Retry-After`, else until the quota resets.
fn rate_wait(clock: &Clock, err: &GatewayError) -> Duration {
    match err {
        GatewayError::RateLimited {
            retry_after,
            reset_at,
        } => retry_after
            .or_else(|| {
                reset_at
                    .and_then(|r| DateTime::<Utc>::from_timestamp(r, 0))
                    .map(|reset| until(clock, reset))
            })
            .unwrap_or(Duration::from_secs(60)),
        _ => Duration::ZERO,
    }
}

pub(super) fn too_long(name: &str, wait: Duration) -> String {
    format!(
        "{name}'s rate limit resets in {} minutes; try again then",
        wait.as_secs() / 60
    )
}

pub(super) fn until(clock: &Clock, moment: DateTime<Utc>) -> Duration {
    let seconds = (moment - clock.now()).num_seconds();
    Duration::from_secs(u64::try_from(seconds.max(1)).unwrap_or(1))
}
