//! Runs the worker: apalis takes jobs from the database queue and hands each to `jobs::run`
//! within the provider's concurrency limit; a scheduler queues each schedule's due occurrence.

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::*;
use stint_core::Stint;
use stint_core::jobs::{Job, Storage};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use backon::Retryable;

use crate::jobs;
use crate::limits::{ProviderLimits, UserTurns};
use crate::poll::Every;
use crate::scheduler;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("the worker stopped: {0}")]
    Stopped(String),
}

/// Whether a worker also queues the schedules' occurrences (tests drive schedules themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedules {
    Queue,
    Ignore,
}

/// A running worker. `stop` ends it gracefully; dropping it stops it without waiting.
pub struct Worker {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    name: String,
}

struct Context {
    stint: Stint,
    limits: ProviderLimits,
    turns: UserTurns,
    /// Jobs actually running in this process, whatever their provider.
    running: tokio::sync::Semaphore,
}

/// Jobs taken from the queue per job allowed to run: a job waiting for its provider's turn must
/// not hold a slot that another provider's job could use, so more are taken than run.
const TAKEN_PER_RUNNING: usize = 4;

impl Worker {
    /// Starts taking jobs and, with `Schedules::Queue`, queueing the schedules' occurrences.
    pub fn start(stint: &Stint, schedules: Schedules) -> Worker {
        let (stop, stopped) = watch::channel(false);
        // apalis refuses a worker name registered in the last moments; a per-process suffix keeps
        // restarts and several processes apart.
        let name = format!(
            "stint-{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let context = Arc::new(Context {
            stint: stint.clone(),
            limits: ProviderLimits::new(stint.config.worker.per_provider),
            turns: UserTurns::default(),
            running: tokio::sync::Semaphore::new(stint.config.worker.total.max(1)),
        });
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(take_jobs(
            name.clone(),
            context.clone(),
            stopped.clone(),
        )));
        if schedules == Schedules::Queue {
            tasks.push(tokio::spawn(scheduler::run(stint.clone(), stopped)));
        }
        tracing::info!(worker = %name, queue = stint.jobs.name(), "the worker is running");
        Worker { stop, tasks, name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Stops taking jobs, lets those in flight finish (at most `grace`), then returns. A job
    /// still running then is handed back: its worker stops saying it is alive, so another worker
    /// runs it again.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let all = futures_join(self.tasks);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!(worker = %self.name, "jobs still running at shutdown are left to another worker");
        }
    }
}

async fn futures_join(tasks: Vec<JoinHandle<()>>) {
    for task in tasks {
        let _ = task.await;
    }
}

async fn take_jobs(name: String, context: Arc<Context>, mut stopped: watch::Receiver<bool>) {
    let taken = context.stint.config.worker.total.max(1) * TAKEN_PER_RUNNING;
    let poll = context.stint.config.worker.poll;
    let signal = async move {
        let _ = stopped.wait_for(|stop| *stop).await;
        Ok::<(), std::io::Error>(())
    };
    let result = match context.stint.jobs.storage().clone() {
        Storage::Sqlite(storage) => {
            WorkerBuilder::new(name.as_str())
                .backend(storage.poll_with_strategy(Every::new(poll)))
                .data(context)
                .concurrency(taken)
                .build(handle)
                .run_until(signal)
                .await
        }
        Storage::Postgres(storage) => {
            WorkerBuilder::new(name.as_str())
                .backend(storage.poll_with_strategy(Every::new(poll)))
                .data(context)
                .concurrency(taken)
                .build(handle)
                .run_until(signal)
                .await
        }
    };
    if let Err(err) = result {
        tracing::error!(worker = %name, error = %err, "the worker stopped taking jobs");
    }
}

async fn handle(job: Job, context: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let _slot = match job.provider() {
        Some(provider) => context.limits.acquire(provider).await,
        None => None,
    };
    let _turn = match &job {
        Job::Notify { notice } => Some(context.turns.take(notice.user_id()).await),
        _ => None,
    };
    // Its provider's (and user's) turn first, then a running slot: a job waiting for its turn
    // holds no slot another provider's job could use.
    let _running = context.running.acquire().await.ok();
    let kind = job.kind();
    let started = std::time::Instant::now();
    let outcome = (|| jobs::run(&context.stint, &job))
        .retry(jobs::retry_policy())
        .notify(|err, pause| {
            tracing::warn!(job = kind, error = %err, retry_in_s = pause.as_secs(), "job failed; trying again");
        })
        .await;
    context
        .stint
        .jobs
        .metrics()
        .observe(kind, outcome.is_ok(), started.elapsed().as_secs_f64());
    match outcome {
        Ok(done) => {
            tracing::debug!(
                job = kind,
                ?done,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "job done"
            );
            Ok(())
        }
        Err(err) => {
            tracing::error!(job = kind, error = %err, "job failed");
            Err(err.into())
        }
    }
}
