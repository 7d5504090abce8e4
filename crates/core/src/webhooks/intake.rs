//! Recording and applying deliveries in batches. One writer task records deliveries (a
//! transaction per batch, so a burst costs a few commits instead of one per request); one applier
//! task applies them (again a transaction per batch, a savepoint per delivery). A delivery is
//! applied only while its row still says `queued`, which makes applying it twice impossible, also
//! across processes. Deliveries left `queued` by a crash or a full queue are picked up again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::DeliveryOutcome;
use stint_entity::webhook_delivery;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::context::Stint;
use crate::error::CoreError;
use crate::tracking::wire_name;

const QUEUE_CAPACITY: usize = 8_192;
const MAX_BATCH: usize = 256;
/// Deliveries still `queued` this long after receipt are picked up by the periodic sweep.
const SWEEP_AFTER: Duration = Duration::from_secs(15);
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// A delivery to record.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub provider: ProviderKey,
    pub delivery_id: String,
    pub event: Option<String>,
    /// `valid`, `invalid` or `missing`.
    pub signature: &'static str,
    pub outcome: DeliveryOutcome,
    pub detail: Option<String>,
    /// The verified body, kept until applied (only for `queued` deliveries).
    pub payload: Option<String>,
    pub received: Instant,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New(Uuid),
    /// The provider sent this delivery id before; it was not recorded or applied again.
    Duplicate,
}

struct WriteJob {
    delivery: NewDelivery,
    reply: Option<oneshot::Sender<Result<Recorded, String>>>,
}

/// A marker that travels behind everything queued before it: answered once all of that is
/// recorded and applied.
type Flush = oneshot::Sender<()>;

enum WriteMsg {
    Record(WriteJob),
    Flush(Flush),
}

enum ApplyMsg {
    Apply(ApplyJob),
    Flush(Flush),
}

/// A recorded delivery waiting to be applied.
#[derive(Debug, Clone)]
pub struct ApplyJob {
    pub id: Uuid,
    pub provider: ProviderKey,
    pub event: Option<String>,
    pub payload: String,
    pub received: Instant,
}

/// The queues; their receivers are taken by `spawn` once per process.
pub struct Intake {
    writes: mpsc::Sender<WriteMsg>,
    applies: mpsc::Sender<ApplyMsg>,
    receivers: Mutex<Option<(mpsc::Receiver<WriteMsg>, mpsc::Receiver<ApplyMsg>)>>,
}

impl Default for Intake {
    fn default() -> Self {
        let (writes, write_rx) = mpsc::channel(QUEUE_CAPACITY);
        let (applies, apply_rx) = mpsc::channel(QUEUE_CAPACITY);
        Intake {
            writes,
            applies,
            receivers: Mutex::new(Some((write_rx, apply_rx))),
        }
    }
}

impl Intake {
    /// Starts the writer and the applier on the current runtime.
    pub fn spawn(stint: &Stint) {
        let Some((write_rx, apply_rx)) = stint
            .intake
            .receivers
            .lock()
            .ok()
            .and_then(|mut r| r.take())
        else {
            return;
        };
        tokio::spawn(run_writer(stint.clone(), write_rx));
        tokio::spawn(run_applier(stint.clone(), apply_rx));
    }

    /// Records a delivery and, if it is new and queued, hands it to the applier. Waits at most
    /// `deadline` for the record: past it, the delivery stays in the writer's queue and will still
    /// be recorded and applied (`Ok(None)`), so a slow database never makes the provider time out.
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
        let sent = tokio::time::timeout(deadline, self.writes.send(WriteMsg::Record(job))).await;
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(CoreError::Internal("the webhook writer stopped".into())),
            Err(_) => {
                return Err(CoreError::Unavailable(sea_orm::DbErr::Custom(
                    "the webhook queue is full".into(),
                )));
            }
        }
        match tokio::time::timeout(deadline, answer).await {
            Ok(Ok(Ok(recorded))) => Ok(Some(recorded)),
            Ok(Ok(Err(reason))) => Err(CoreError::Unavailable(sea_orm::DbErr::Custom(reason))),
            Ok(Err(_)) => Err(CoreError::Internal("the webhook writer stopped".into())),
            Err(_) => Ok(None),
        }
    }

    /// Records without waiting (deliveries that need no answer from the record, such as Slack
    /// commands, which are answered inline).
    pub fn record_later(&self, delivery: NewDelivery) {
        if let Err(err) = self.writes.try_send(WriteMsg::Record(WriteJob {
            delivery,
            reply: None,
        })) {
            tracing::warn!(error = %err, "webhook record queue full; a delivery record was dropped");
        }
    }

    /// Waits until every delivery queued before this call is recorded and applied (tests,
    /// benchmarks and shutdown use it).
    pub async fn settle(&self) {
        let (flush, done) = oneshot::channel();
        if self.writes.send(WriteMsg::Flush(flush)).await.is_ok() {
            let _ = done.await;
        }
    }
}

async fn run_writer(stint: Stint, mut rx: mpsc::Receiver<WriteMsg>) {
    let mut messages = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut messages, MAX_BATCH).await > 0 {
        let mut jobs = Vec::with_capacity(messages.len());
        for message in messages.drain(..) {
            match message {
                WriteMsg::Record(job) => jobs.push(job),
                WriteMsg::Flush(flush) => {
                    write_jobs(&stint, std::mem::take(&mut jobs)).await;
                    let _ = stint.intake.applies.send(ApplyMsg::Flush(flush)).await;
                }
            }
        }
        write_jobs(&stint, jobs).await;
    }
}

async fn write_jobs(stint: &Stint, jobs: Vec<WriteJob>) {
    if jobs.is_empty() {
        return;
    }
    {
        match write_batch(&stint.db, &jobs).await {
            Ok(results) => {
                for (job, recorded) in jobs.into_iter().zip(results) {
                    if let (Recorded::New(id), Some(payload)) =
                        (recorded, job.delivery.payload.clone())
                        && job.delivery.outcome == DeliveryOutcome::Queued
                    {
                        let apply = ApplyJob {
                            id,
                            provider: job.delivery.provider,
                            event: job.delivery.event.clone(),
                            payload,
                            received: job.delivery.received,
                        };
                        // Waiting here pushes back on the HTTP side, which answers the provider
                        // after its deadline anyway; the delivery is recorded either way.
                        let _ = stint.intake.applies.send(ApplyMsg::Apply(apply)).await;
                    }
                    if let Some(reply) = job.reply {
                        let _ = reply.send(Ok(recorded));
                    }
                }
            }
            Err(err) => {
                tracing::error!(error = %err, deliveries = jobs.len(), "could not record webhook deliveries");
                for job in jobs {
                    if let Some(reply) = job.reply {
                        let _ =
                            reply.send(Err("the database could not record the delivery".into()));
                    }
                }
            }
        }
    }
}

async fn write_batch(
    db: &sea_orm::DatabaseConnection,
    jobs: &[WriteJob],
) -> Result<Vec<Recorded>, sea_orm::DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let d = &job.delivery;
        let id = Uuid::now_v7();
        let row = webhook_delivery::ActiveModel {
            id: Set(id),
            provider: Set(d.provider.as_str().to_owned()),
            integration_id: Set(None),
            delivery_id: Set(d.delivery_id.clone()),
            event: Set(d.event.clone()),
            signature: Set(d.signature.to_owned()),
            outcome: Set(wire_name(&d.outcome)),
            detail: Set(d.detail.clone()),
            duration_ms: Set(elapsed_ms(d.received)),
            received_at: Set(d.received_at),
            payload: Set(if d.outcome == DeliveryOutcome::Queued {
                d.payload.clone()
            } else {
                None
            }),
            attempts: Set(0),
        };
        let inserted = webhook_delivery::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    webhook_delivery::Column::Provider,
                    webhook_delivery::Column::DeliveryId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        results.push(if inserted == 1 {
            Recorded::New(id)
        } else {
            Recorded::Duplicate
        });
    }
    txn.commit().await?;
    Ok(results)
}

fn elapsed_ms(since: Instant) -> i32 {
    i32::try_from(since.elapsed().as_millis()).unwrap_or(i32::MAX)
}

async fn run_applier(stint: Stint, mut rx: mpsc::Receiver<ApplyMsg>) {
    sweep(&stint).await;
    let mut messages = Vec::with_capacity(MAX_BATCH);
    loop {
        match tokio::time::timeout(SWEEP_EVERY, rx.recv_many(&mut messages, MAX_BATCH)).await {
            Ok(0) => return,
            Ok(_) => {
                let mut jobs = Vec::with_capacity(messages.len());
                for message in messages.drain(..) {
                    match message {
                        ApplyMsg::Apply(job) => jobs.push(job),
                        ApplyMsg::Flush(flush) => {
                            apply_jobs(&stint, std::mem::take(&mut jobs)).await;
                            let _ = flush.send(());
                        }
                    }
                }
                apply_jobs(&stint, jobs).await;
            }
            Err(_) => sweep(&stint).await,
        }
    }
}

async fn apply_jobs(stint: &Stint, jobs: Vec<ApplyJob>) {
    if jobs.is_empty() {
        return;
    }
    if let Err(err) = apply_batch(stint, jobs).await {
        // The deliveries stay `queued`; the sweep retries them.
        tracing::error!(error = ?err, "could not apply webhook deliveries");
    }
}

/// Applies deliveries left `queued` (by a crash, a restart or a full queue).
async fn sweep(stint: &Stint) {
    let cutoff = stint.clock.now() - chrono::Duration::from_std(SWEEP_AFTER).unwrap_or_default();
    let stuck = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Outcome.eq(wire_name(&DeliveryOutcome::Queued)))
        .filter(webhook_delivery::Column::ReceivedAt.lt(cutoff))
        .filter(webhook_delivery::Column::Payload.is_not_null())
        .order_by_asc(webhook_delivery::Column::ReceivedAt)
        .limit(MAX_BATCH as u64)
        .all(&stint.db)
        .await;
    let stuck = match stuck {
        Ok(rows) => rows,
        Err(err) => {
            tracing::warn!(error = %err, "could not look for queued webhook deliveries");
            return;
        }
    };
    if stuck.is_empty() {
        return;
    }
    tracing::info!(
        count = stuck.len(),
        "applying webhook deliveries left queued"
    );
    let jobs = stuck.into_iter().filter_map(job_from_row).collect();
    if let Err(err) = apply_batch(stint, jobs).await {
        tracing::error!(error = %err, "could not apply queued webhook deliveries");
    }
}

pub(crate) fn job_from_row(row: webhook_delivery::Model) -> Option<ApplyJob> {
    Some(ApplyJob {
        id: row.id,
        provider: ProviderKey::parse(&row.provider)?,
        event: row.event,
        payload: row.payload?,
        received: Instant::now(),
    })
}

/// What applying one delivery did.
#[derive(Debug, Clone)]
pub struct Handled {
    pub outcome: DeliveryOutcome,
    pub detail: String,
    pub follow_up: Option<FollowUp>,
}

impl Handled {
    pub fn applied(detail: impl Into<String>) -> Self {
        Handled {
            outcome: DeliveryOutcome::Applied,
            detail: detail.into(),
            follow_up: None,
        }
    }

    pub fn ignored(detail: impl Into<String>) -> Self {
        Handled {
            outcome: DeliveryOutcome::Ignored,
            detail: detail.into(),
            follow_up: None,
        }
    }
}

/// Work that must wait until the batch is committed (it takes its own transaction).
#[derive(Debug, Clone)]
pub enum FollowUp {
    StartTimer {
        user_id: Uuid,
        login: String,
        project_id: Uuid,
        task_id: Uuid,
    },
}

/// Why a delivery could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the body is not what the provider sends: {0}")]
    Malformed(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<sea_orm::DbErr> for ApplyError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApplyError::Core(err.into())
    }
}

/// Per-batch context: what every delivery of a provider needs, loaded once.
#[derive(Default)]
pub(crate) struct BatchContext {
    pub github: Option<Option<crate::github::issues::GithubTarget>>,
}

async fn apply_one(
    stint: &Stint,
    txn: &DatabaseTransaction,
    context: &mut BatchContext,
    job: &ApplyJob,
) -> Result<Handled, ApplyError> {
    let now = stint.clock.now();
    match job.provider {
        ProviderKey::Github => {
            if context.github.is_none() {
                context.github = Some(crate::github::issues::target(txn).await?);
            }
            let target = context.github.as_ref().and_then(Option::as_ref);
            crate::github::events::apply(txn, target, job.event.as_deref(), &job.payload, now).await
        }
        ProviderKey::Slack => crate::slack::events::apply(txn, &job.payload, now).await,
        other => Ok(Handled::ignored(format!(
            "Stint does not apply {other} webhooks yet"
        ))),
    }
}

/// Applies a batch in one transaction, a savepoint per delivery, and returns each delivery's
/// final outcome.
pub(crate) async fn apply_batch(
    stint: &Stint,
    jobs: Vec<ApplyJob>,
) -> Result<Vec<(Uuid, DeliveryOutcome)>, CoreError> {
    let txn = crate::db::begin_write(&stint.db).await?;
    let mut context = BatchContext::default();
    let mut follow_ups = Vec::new();
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in &jobs {
        let savepoint = txn.begin().await?;
        let result = apply_one(stint, &savepoint, &mut context, job).await;
        let (outcome, detail, keep_payload) = match result {
            Ok(applied) => {
                if mark(&savepoint, job, applied.outcome, &applied.detail, false).await? {
                    savepoint.commit().await?;
                    if let Some(follow_up) = applied.follow_up {
                        follow_ups.push((job.id, follow_up));
                    }
                    outcomes.push((job.id, applied.outcome));
                } else {
                    // Applied elsewhere meanwhile (another process, or a sweep).
                    savepoint.rollback().await?;
                }
                continue;
            }
            Err(ApplyError::Malformed(reason)) => (DeliveryOutcome::Malformed, reason, false),
            Err(ApplyError::Core(err)) => {
                tracing::warn!(delivery = %job.id, error = ?err, "applying a webhook delivery failed");
                (DeliveryOutcome::Failed, err.public_detail(), true)
            }
        };
        savepoint.rollback().await?;
        if mark(&txn, job, outcome, &detail, keep_payload).await? {
            outcomes.push((job.id, outcome));
        }
    }
    txn.commit().await?;
    for (delivery, follow_up) in follow_ups {
        run_follow_up(stint, delivery, follow_up).await;
    }
    Ok(outcomes)
}

/// Sets the outcome if the delivery is still `queued`; false when it was not.
async fn mark<C: ConnectionTrait>(
    db: &C,
    job: &ApplyJob,
    outcome: DeliveryOutcome,
    detail: &str,
    keep_payload: bool,
) -> Result<bool, CoreError> {
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Outcome,
            Expr::value(wire_name(&outcome)),
        )
        .col_expr(
            webhook_delivery::Column::Detail,
            Expr::value(detail.to_owned()),
        )
        .col_expr(
            webhook_delivery::Column::DurationMs,
            Expr::value(elapsed_ms(job.received)),
        )
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::col(webhook_delivery::Column::Attempts).add(1),
        );
    if !keep_payload {
        update = update.col_expr(
            webhook_delivery::Column::Payload,
            Expr::value(Option::<String>::None),
        );
    }
    let result = update
        .filter(webhook_delivery::Column::Id.eq(job.id))
        .filter(webhook_delivery::Column::Outcome.eq(wire_name(&DeliveryOutcome::Queued)))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

async fn run_follow_up(stint: &Stint, delivery: Uuid, follow_up: FollowUp) {
    let detail = match follow_up {
        FollowUp::StartTimer {
            user_id,
            login,
            project_id,
            task_id,
        } => {
            crate::github::events::start_assignee_timer(stint, user_id, &login, project_id, task_id)
                .await
        }
    };
    let result = append_detail(stint, delivery, &detail).await;
    if let Err(err) = result {
        tracing::warn!(%delivery, error = %err, "could not record what a webhook follow-up did");
    }
}

async fn append_detail(stint: &Stint, delivery: Uuid, detail: &str) -> Result<(), CoreError> {
    let Some(row) = webhook_delivery::Entity::find_by_id(delivery)
        .one(&stint.db)
        .await?
    else {
        return Ok(());
    };
    let combined = match row.detail {
        Some(before) => format!("{before}; {detail}"),
        None => detail.to_owned(),
    };
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Detail, Expr::value(combined))
        .filter(webhook_delivery::Column::Id.eq(delivery))
        .exec(&stint.db)
        .await?;
    Ok(())
}
