//! Prometheus metrics of background jobs: how many finished (by kind and outcome) and how long
//! they took, in this process; and the queue's state across every process, read at each scrape.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};

use super::queue::{JobQueue, QueueError};

pub struct JobMetrics {
    registry: Registry,
    finished: IntCounterVec,
    duration: HistogramVec,
    queue: IntGaugeVec,
}

impl JobMetrics {
    pub fn new() -> Result<JobMetrics, prometheus::Error> {
        let registry = Registry::new();
        let finished = IntCounterVec::new(
            Opts::new(
                "stint_jobs_finished_total",
                "Background jobs this process finished, by kind and outcome (ok, failed)",
            ),
            &["kind", "outcome"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "stint_job_duration_seconds",
                "Time background jobs took in this process, by kind",
            )
            .buckets(vec![
                0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
            ]),
            &["kind"],
        )?;
        let queue = IntGaugeVec::new(
            Opts::new(
                "stint_jobs",
                "Background jobs in the queue (all processes), by state (queued, running, failed, done)",
            ),
            &["state"],
        )?;
        registry.register(Box::new(finished.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(queue.clone()))?;
        Ok(JobMetrics {
            registry,
            finished,
            duration,
            queue,
        })
    }

    pub fn observe(&self, kind: &str, ok: bool, seconds: f64) {
        let outcome = if ok { "ok" } else { "failed" };
        self.finished.with_label_values(&[kind, outcome]).inc();
        self.duration.with_label_values(&[kind]).observe(seconds);
    }
}

impl JobQueue {
    /// The job metrics in the text exposition format, with the queue's state read now.
    pub async fn metrics_text(&self) -> Result<String, QueueError> {
        let counts = self.counts().await?;
        let metrics = self.metrics();
        for (state, n) in [
            ("queued", counts.queued),
            ("running", counts.running),
            ("failed", counts.failed),
            ("done", counts.done),
        ] {
            metrics.queue.with_label_values(&[state]).set(n);
        }
        let mut buffer = Vec::new();
        prometheus::Encoder::encode(
            &prometheus::TextEncoder::new(),
            &metrics.registry.gather(),
            &mut buffer,
        )
        .map_err(|e| QueueError::Read(e.to_string()))?;
        Ok(String::from_utf8(buffer).unwrap_or_default())
    }
}
