//! Queues each schedule's due occurrence. Every process does it; the queue keeps one tick per
//! occurrence (its idempotency key), so with any number of processes each occurrence runs once.

use std::time::Duration;

use stint_core::Stint;
use stint_core::jobs::{Job, QueueError, Schedule};
use tokio::sync::watch;

/// How often the scheduler looks at the clock. Well under the shortest schedule (10 minutes).
const EVERY: Duration = Duration::from_secs(20);

pub async fn run(stint: Stint, mut stopped: watch::Receiver<bool>) {
    loop {
        if let Err(err) = queue_due(&stint).await {
            tracing::warn!(error = %err, "could not queue scheduled jobs");
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}

/// Queues the due occurrence of every schedule (by the context's clock); returns the ticks.
pub async fn queue_due(stint: &Stint) -> Result<Vec<Job>, QueueError> {
    let now = stint.clock.now();
    let mut queued = Vec::new();
    for schedule in Schedule::ALL {
        if let Some(at) = schedule.due(&stint.config.worker, now) {
            let job = Job::Tick { schedule, at };
            stint.jobs.push(job.clone(), None).await?;
            queued.push(job);
        }
    }
    Ok(queued)
}
