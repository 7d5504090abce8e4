//! Recording and applying deliveries, in batches. One task takes every verified delivery, and for
//! a batch of them opens one write transaction that applies them all and records them with their
//! outcomes in one insert, so a burst costs a few commits instead of several per request. The
//! record's unique (provider, delivery id) decides duplicates: ids recorded before are looked up
//! first and not applied; one recorded meanwhile (by a batch side by side, or another process)
//! sends the batch again one savepoint per delivery, where its savepoint is rolled back. A delivery
//! that fails keeps its body for an admin to re-apply; one left `queued` (a re-apply cut short) is
//! picked up by a periodic sweep.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::DeliveryOutcome;
use stint_entity::webhook_delivery;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::context::Stint;
use crate::error::CoreError;
pub use crate::issues::{ApplyError, FollowUp, Handled};
use crate::issues::{Batch, RecordedQuery, Savepoint, TargetKey};
pub use crate::state::intake_queue::{ApplyJob, Intake, NewDelivery, Recorded};
use crate::state::intake_queue::{Message, WriteJob};
use crate::wire::wire_name;
use stint_connectors::Connector;
use stint_connectors::{ExternalEvent, ExternalIssue};

/// A batch holds the database's write lock (SQLite has one writer) while it runs; this bounds how
/// long anyone waits behind it.
const MAX_BATCH: usize = 64;
/// Deliveries still `queued` this long after receipt are picked up by the sweep.
const SWEEP_AFTER: Duration = Duration::from_secs(15);
const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// How soon, and at most how seldom, accepted deliveries are tried again while the database is
/// unreachable.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_MAX: Duration = Duration::from_secs(5);
/// How often one delivery is applied again when a batch side by side made the same row first
/// (two deliveries of a new issue, each in its own batch): the retry finds that row and updates it.
const RACE_RETRIES: usize = 3;

/// Runs `transaction` again, whole, when it lost a lock to one side by side (a deadlock:
/// PostgreSQL ends one of the two), after a short, jittered pause so that the two do not meet
/// again at once. The last try's error is returned.
async fn again_on_conflict<T, Fut>(transaction: impl FnMut() -> Fut) -> Result<T, CoreError>
where
    Fut: std::future::Future<Output = Result<T, CoreError>>,
{
    transaction
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(10))
                .with_max_delay(Duration::from_millis(500))
                .with_max_times(5)
                .with_jitter(),
        )
        .when(CoreError::is_transient_conflict)
        .notify(|err, after| {
            tracing::debug!(error = ?err, ?after, "another transaction won a lock; going again");
        })
        .await
}

impl Intake {
    /// Starts the task that records and applies, and the sweep, on the current runtime.
    pub fn spawn(stint: &Stint) {
        let Some(receiver) = stint.intake.receiver.lock().ok().and_then(|mut r| r.take()) else {
            return;
        };
        // SQLite has one writer, so one worker; PostgreSQL takes batches side by side.
        let workers = match stint.db.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => 1,
            _ => stint.config.intake_writers,
        };
        let shared = Arc::new(Shared {
            receiver: tokio::sync::Mutex::new(receiver),
            in_flight: tokio::sync::RwLock::new(()),
        });
        for _ in 0..workers {
            tokio::spawn(run(stint.clone(), shared.clone()));
        }
        let sweeper = stint.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            loop {
                tick.tick().await;
                sweep(&sweeper).await;
            }
        });
    }
}

/// The queue as the workers share it. Each worker holds `in_flight` for reading while its batch
/// runs (taken before it lets go of the receiver); a flush takes it for writing, which waits for
/// every batch taken before the flush.
struct Shared {
    receiver: tokio::sync::Mutex<mpsc::Receiver<Message>>,
    in_flight: tokio::sync::RwLock<()>,
}

async fn run(stint: Stint, shared: Arc<Shared>) {
    let mut messages = Vec::with_capacity(MAX_BATCH);
    loop {
        let in_flight = {
            let mut receiver = shared.receiver.lock().await;
            if receiver.recv_many(&mut messages, MAX_BATCH).await == 0 {
                return;
            }
            shared.in_flight.read().await
        };
        let mut jobs = Vec::with_capacity(messages.len());
        let mut flushes = Vec::new();
        for message in messages.drain(..) {
            match message {
                Message::Record(job) => jobs.push(job),
                Message::Flush(done) => flushes.push(done),
            }
        }
        process(&stint, jobs).await;
        drop(in_flight);
        if !flushes.is_empty() {
            drop(shared.in_flight.write().await);
            for done in flushes {
                let _ = done.send(());
            }
        }
    }
}

/// Records a batch. While the database cannot be reached (or the batch keeps losing locks to
/// batches side by side), a delivery whose sender still waits is refused (503, so the provider
/// delivers it again); one already answered (accepted after the deadline, or recorded without
/// waiting) is kept and tried again until it is recorded.
async fn process(stint: &Stint, mut jobs: Vec<WriteJob>) {
    let mut retry_in = RETRY_FIRST;
    while !jobs.is_empty() {
        match process_once(stint, jobs).await {
            None => return,
            Some(kept) => jobs = kept,
        }
        tracing::warn!(
            deliveries = jobs.len(),
            retry_in_ms = u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX),
            "accepted webhook deliveries could not be recorded yet; they are kept and tried again"
        );
        tokio::time::sleep(retry_in).await;
        retry_in = (retry_in * 2).min(RETRY_MAX);
    }
}

/// One attempt; the deliveries to try again, when the database could not be reached or the batch
/// lost its locks every time.
async fn process_once(stint: &Stint, jobs: Vec<WriteJob>) -> Option<Vec<WriteJob>> {
    let started = Instant::now();
    let result = match record_batch_fast(stint, &jobs).await {
        Ok(done) => Ok(done),
        Err(err) => {
            // Something in the batch failed or raced; go again one savepoint per delivery, so
            // that only the delivery at fault fails.
            tracing::debug!(error = ?err, "batch fell back to one savepoint per delivery");
            again_on_conflict(|| record_batch(stint, &jobs)).await
        }
    };
    tracing::debug!(
        deliveries = jobs.len(),
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "recorded webhook deliveries"
    );
    match result {
        Ok((results, follow_ups)) => {
            for (job, recorded) in jobs.into_iter().zip(results) {
                if let Some(reply) = job.reply {
                    let _ = reply.send(Ok(recorded));
                }
            }
            for (delivery, follow_up) in follow_ups {
                run_follow_up(stint, delivery, follow_up).await;
            }
            None
        }
        Err(err) => {
            let try_again = matches!(err, CoreError::Unavailable(_)) || err.is_transient_conflict();
            tracing::error!(error = ?err, deliveries = jobs.len(), "could not record webhook deliveries");
            let mut kept = Vec::new();
            for job in jobs {
                let answered = match job.reply {
                    Some(reply) => reply
                        .send(Err("the database could not record the delivery".into()))
                        .is_ok(),
                    None => false,
                };
                if !answered && try_again {
                    kept.push(WriteJob {
                        delivery: job.delivery,
                        reply: None,
                    });
                }
            }
            (!kept.is_empty()).then_some(kept)
        }
    }
}

/// The batch's deliveries that an earlier batch recorded: one statement per provider in the batch
/// (almost always one), the ids passed as one JSON array. Without it, one redelivery sends its
/// whole batch, already applied once, down the savepoint path to be applied again.
async fn already_recorded<C: ConnectionTrait>(
    db: &C,
    jobs: &[WriteJob],
) -> Result<HashSet<(ProviderKey, String)>, CoreError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => crate::issues::POSTGRES_RECORDED,
        _ => {
            "SELECT delivery_id FROM webhook_deliveries \
             WHERE provider = ? AND delivery_id IN (SELECT value FROM json_each(?))"
        }
    };
    let mut by_provider: HashMap<ProviderKey, Vec<&str>> = HashMap::new();
    for job in jobs {
        by_provider
            .entry(job.delivery.provider)
            .or_default()
            .push(&job.delivery.delivery_id);
    }
    let mut known = HashSet::new();
    for (provider, ids) in by_provider {
        let ids = serde_json::to_string(&ids).map_err(|e| CoreError::Internal(e.to_string()))?;
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [provider.as_str().into(), ids.into()],
            ))
            .await?;
        for row in rows {
            known.insert((provider, row.try_get::<String>("", "delivery_id")?));
        }
    }
    Ok(known)
}

fn row(delivery: &NewDelivery, id: Uuid) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(id),
        provider: Set(delivery.provider.as_str().to_owned()),
        integration_id: Set(delivery.integration_id),
        delivery_id: Set(delivery.delivery_id.clone()),
        event: Set(delivery.event.clone()),
        signature: Set(delivery.signature.to_owned()),
        outcome: Set(wire_name(&delivery.outcome)),
        detail: Set(delivery.detail.clone()),
        duration_ms: Set(elapsed_ms(delivery.received)),
        received_at: Set(delivery.received_at),
        payload: Set(None),
        attempts: Set(0),
    }
}

/// A delivery id recorded before wins; the new record is dropped.
pub(super) fn keep_first() -> OnConflict {
    OnConflict::columns([
        webhook_delivery::Column::Provider,
        webhook_delivery::Column::DeliveryId,
    ])
    .do_nothing()
    .to_owned()
}

/// Inserts the record unless the delivery id is known; true when inserted.
async fn insert<C: ConnectionTrait>(
    db: &C,
    model: webhook_delivery::ActiveModel,
) -> Result<bool, sea_orm::DbErr> {
    let inserted = webhook_delivery::Entity::insert(model)
        .on_conflict(keep_first())
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

type FollowUps = Vec<(Uuid, FollowUp)>;

/// The common case in one pass without savepoints. The batch's ids already recorded are looked up
/// with its issue targets (or by `already_recorded`) and answered as duplicates without being
/// applied; the rest are applied and written at the end in one statement (`batch_write`), the
/// records in (provider, delivery id) order so that batches side by side on PostgreSQL wait for
/// one another in one order. A delivery recorded meanwhile (by a batch side by side, or another
/// process), an edited task gone meanwhile, or any failure to apply, abandons the whole batch for
/// `record_batch`, which isolates each delivery.
async fn record_batch_fast(
    stint: &Stint,
    jobs: &[WriteJob],
) -> Result<(Vec<Recorded>, FollowUps), CoreError> {
    let txn = stint.begin_write().await?;
    let mut events: Vec<Option<Result<(&Connector, ExternalEvent), String>>> = jobs
        .iter()
        .map(|job| read_event(stint, &job.delivery))
        .collect();
    let connections: Vec<Option<Uuid>> =
        jobs.iter().map(|job| job.delivery.integration_id).collect();
    let mut batch = Batch::default();
    let mut seen = match begin_issue_batches(&txn, &mut batch, jobs, &events, &connections).await? {
        Some(recorded) => recorded,
        None => already_recorded(&*txn, jobs).await?,
    };
    let mut results = Vec::with_capacity(jobs.len());
    let mut follow_ups = Vec::new();
    let mut records = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let delivery = &job.delivery;
        if !seen.insert((delivery.provider, delivery.delivery_id.clone())) {
            results.push(Recorded::Duplicate);
            continue;
        }
        let id = Uuid::now_v7();
        let mut model = row(delivery, id);
        if let (Some(payload), DeliveryOutcome::Queued) = (&delivery.payload, delivery.outcome) {
            let apply = ApplyJob {
                id,
                provider: delivery.provider,
                integration_id: delivery.integration_id,
                event: delivery.event.clone(),
                payload: payload.clone(),
                received: delivery.received,
            };
            let event = events[index].take();
            let (outcome, detail) = match apply_read(stint, &txn, &mut batch, &apply, event).await {
                Ok(handled) => {
                    if let Some(follow_up) = handled.follow_up {
                        follow_ups.push((id, follow_up));
                    }
                    (handled.outcome, handled.detail)
                }
                // Nothing was written before the body was found wanting.
                Err(ApplyError::Malformed(reason)) => (DeliveryOutcome::Malformed, reason),
                Err(ApplyError::Core(err)) => return Err(err),
            };
            model.outcome = Set(wire_name(&outcome));
            model.detail = Set(Some(detail));
            model.attempts = Set(1);
        }
        records.push(model);
        results.push(Recorded::New(id));
    }
    let expected = records.len() as u64;
    if super::batch_write::write(&*txn, batch.take_pending(), records).await? != expected {
        return Err(CoreError::Conflict(
            "a delivery was recorded meanwhile".into(),
        ));
    }
    txn.commit().await?;
    Ok((results, follow_ups))
}

async fn record_batch(
    stint: &Stint,
    jobs: &[WriteJob],
) -> Result<(Vec<Recorded>, FollowUps), CoreError> {
    let txn = stint.begin_write().await?;
    let mut batch = Batch::default();
    let mut results = Vec::with_capacity(jobs.len());
    let mut follow_ups = Vec::new();
    for job in jobs {
        let delivery = &job.delivery;
        let id = Uuid::now_v7();
        let payload = match (&delivery.payload, delivery.outcome) {
            (Some(payload), DeliveryOutcome::Queued) => payload,
            _ => {
                let inserted = insert(&*txn, row(delivery, id)).await?;
                results.push(if inserted {
                    Recorded::New(id)
                } else {
                    Recorded::Duplicate
                });
                continue;
            }
        };
        let apply = ApplyJob {
            id,
            provider: delivery.provider,
            integration_id: delivery.integration_id,
            event: delivery.event.clone(),
            payload: payload.clone(),
            received: delivery.received,
        };
        let (mut savepoint, applied) = apply_in_savepoint(stint, &txn, &mut batch, &apply).await?;
        let (outcome, detail, keep_payload, follow_up) = match applied {
            Ok(handled) => (handled.outcome, handled.detail, false, handled.follow_up),
            Err(ApplyError::Malformed(reason)) => {
                savepoint.rollback().await?;
                let recorded = record_failure(
                    &*txn,
                    delivery,
                    id,
                    DeliveryOutcome::Malformed,
                    reason,
                    None,
                )
                .await?;
                results.push(recorded);
                continue;
            }
            // Not the delivery's fault, and this transaction holds locks the winner waits for:
            // give them up and go again.
            Err(ApplyError::Core(err)) if err.is_transient_conflict() => return Err(err),
            Err(ApplyError::Core(err)) => {
                savepoint.rollback().await?;
                tracing::warn!(delivery = %delivery.delivery_id, error = ?err, "applying a webhook delivery failed");
                let recorded = record_failure(
                    &*txn,
                    delivery,
                    id,
                    DeliveryOutcome::Failed,
                    err.public_detail(),
                    Some(payload.clone()),
                )
                .await?;
                results.push(recorded);
                continue;
            }
        };
        let mut model = row(delivery, id);
        model.outcome = Set(wire_name(&outcome));
        model.detail = Set(Some(detail));
        model.attempts = Set(1);
        if keep_payload {
            model.payload = Set(Some(payload.clone()));
        }
        if insert(savepoint.parts()?.0, model).await? {
            savepoint.commit().await?;
            if let Some(follow_up) = follow_up {
                follow_ups.push((id, follow_up));
            }
            results.push(Recorded::New(id));
        } else {
            // Recorded before (a redelivery, or another process was first): undo this apply.
            savepoint.rollback().await?;
            results.push(Recorded::Duplicate);
        }
    }
    txn.commit().await?;
    Ok((results, follow_ups))
}

async fn record_failure<C: ConnectionTrait>(
    db: &C,
    delivery: &NewDelivery,
    id: Uuid,
    outcome: DeliveryOutcome,
    detail: String,
    payload: Option<String>,
) -> Result<Recorded, CoreError> {
    let mut model = row(delivery, id);
    model.outcome = Set(wire_name(&outcome));
    model.detail = Set(Some(detail));
    model.attempts = Set(1);
    model.payload = Set(payload);
    Ok(if insert(db, model).await? {
        Recorded::New(id)
    } else {
        Recorded::Duplicate
    })
}

fn elapsed_ms(since: Instant) -> i32 {
    i32::try_from(since.elapsed().as_millis()).unwrap_or(i32::MAX)
}

/// Applies deliveries left `queued` (a re-apply cut short by a crash).
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
        tracing::error!(error = ?err, "could not apply queued webhook deliveries");
    }
}

pub(crate) fn job_from_row(row: webhook_delivery::Model) -> Option<ApplyJob> {
    Some(ApplyJob {
        id: row.id,
        provider: ProviderKey::parse(&row.provider)?,
        integration_id: row.integration_id,
        event: row.event,
        payload: row.payload?,
        received: Instant::now(),
    })
}

/// The connector and event of a delivery to apply; `None` for one recorded as it is, `Err` for a
/// body its provider would not send.
fn read_event<'s>(
    stint: &'s Stint,
    delivery: &NewDelivery,
) -> Option<Result<(&'s Connector, ExternalEvent), String>> {
    let payload = delivery.payload.as_deref()?;
    if delivery.outcome != DeliveryOutcome::Queued {
        return None;
    }
    Some(read_payload(
        stint,
        delivery.provider,
        delivery.event.as_deref(),
        payload,
    ))
}

fn read_payload<'s>(
    stint: &'s Stint,
    provider: ProviderKey,
    event: Option<&str>,
    payload: &str,
) -> Result<(&'s Connector, ExternalEvent), String> {
    let connector = stint.catalogue.connector(provider);
    match connector.and_then(|c| Some((c, c.events.as_ref()?))) {
        Some((connector, reader)) => Ok((connector, reader.read(event, payload)?)),
        None => match connector {
            Some(connector) => Ok((
                connector,
                ExternalEvent::Ignored(format!("Stint does not apply {provider} webhooks yet")),
            )),
            None => Err(format!("`{provider}` is not in the catalogue")),
        },
    }
}

/// For a batch applied in one pass: each connection is loaded with the links of the batch's
/// issues and its containers' projects (`load_batch_target`), and new tasks are inserted
/// together at the batch's end. When the batch's deliveries are of one provider, the first load
/// also answers which of them are recorded already (on PostgreSQL); `None` when none did.
async fn begin_issue_batches(
    txn: &DatabaseTransaction,
    batch: &mut Batch,
    jobs: &[WriteJob],
    events: &[Option<Result<(&Connector, ExternalEvent), String>>],
    connections: &[Option<Uuid>],
) -> Result<Option<HashSet<(ProviderKey, String)>>, CoreError> {
    let provider = jobs.first().map(|job| job.delivery.provider);
    let mut ask = provider
        .filter(|first| jobs.iter().all(|job| job.delivery.provider == *first))
        .map(|provider| RecordedQuery {
            provider: provider.as_str(),
            delivery_ids: jobs
                .iter()
                .map(|job| job.delivery.delivery_id.as_str())
                .collect(),
        });
    let mut known = None;
    let mut issues: HashMap<TargetKey, (&Connector, Vec<&ExternalIssue>)> = HashMap::new();
    for (event, connection) in events.iter().zip(connections) {
        if let Some(Ok((connector, ExternalEvent::IssueChanged(change)))) = event {
            issues
                .entry(TargetKey::of(connector, *connection))
                .or_insert_with(|| (connector, Vec::new()))
                .1
                .push(&change.issue);
        }
    }
    for (key, (connector, issues)) in issues {
        let loaded =
            crate::issues::load_batch_target(txn, connector, key, &issues, ask.take()).await?;
        if let (Some(ids), Some(provider)) = (loaded.recorded, provider) {
            known = Some(ids.into_iter().map(|id| (provider, id)).collect());
        }
        batch.insert(key, loaded.target);
    }
    Ok(known)
}

/// Applies `job` in a savepoint of its own, left open for the caller. When a batch side by side
/// made the same row first (a new issue's task, or its project), the savepoint is rolled back and
/// the job applied again: the unique violation waits for the other transaction to commit, so the
/// next try finds the row and updates it, keeping the newer version.
async fn apply_in_savepoint<'b>(
    stint: &Stint,
    txn: &'b DatabaseTransaction,
    batch: &'b mut Batch,
    job: &ApplyJob,
) -> Result<(Savepoint<'b>, Result<Handled, ApplyError>), CoreError> {
    let mut savepoint = batch.savepoint(txn).await?;
    let mut retries = 0;
    loop {
        let applied = {
            let (db, batch) = savepoint.parts()?;
            apply_one(stint, db, batch, job).await
        };
        match applied {
            Err(ApplyError::Core(err)) if err.is_unique_violation() && retries < RACE_RETRIES => {
                tracing::debug!(delivery = %job.id, "a batch side by side made the same row first; applying again");
                savepoint.restart().await?;
                retries += 1;
            }
            applied => return Ok((savepoint, applied)),
        }
    }
}

async fn apply_one(
    stint: &Stint,
    txn: &DatabaseTransaction,
    batch: &mut Batch,
    job: &ApplyJob,
) -> Result<Handled, ApplyError> {
    let event = read_payload(stint, job.provider, job.event.as_deref(), &job.payload);
    apply_read(stint, txn, batch, job, Some(event)).await
}

async fn apply_read(
    stint: &Stint,
    txn: &DatabaseTransaction,
    batch: &mut Batch,
    job: &ApplyJob,
    event: Option<Result<(&Connector, ExternalEvent), String>>,
) -> Result<Handled, ApplyError> {
    let (connector, event) = match event {
        Some(read) => read.map_err(ApplyError::Malformed)?,
        None => read_payload(stint, job.provider, job.event.as_deref(), &job.payload)
            .map_err(ApplyError::Malformed)?,
    };
    let key = TargetKey::of(connector, job.integration_id);
    crate::issues::apply::apply(txn, batch, connector, key, event, stint.clock.now()).await
}

/// Applies recorded deliveries that are `queued` again (re-apply, sweep): one transaction, a
/// savepoint each, and only while the row still says `queued`. A transaction that loses a lock
/// to another is begun again; after the last try the rows stay `queued`, for the sweep.
pub(crate) async fn apply_batch(
    stint: &Stint,
    jobs: Vec<ApplyJob>,
) -> Result<Vec<(Uuid, DeliveryOutcome)>, CoreError> {
    again_on_conflict(|| apply_batch_once(stint, &jobs)).await
}

async fn apply_batch_once(
    stint: &Stint,
    jobs: &[ApplyJob],
) -> Result<Vec<(Uuid, DeliveryOutcome)>, CoreError> {
    let txn = stint.begin_write().await?;
    let mut batch = Batch::default();
    let mut follow_ups = Vec::new();
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        let (mut savepoint, result) = apply_in_savepoint(stint, &txn, &mut batch, job).await?;
        let (outcome, detail, keep_payload) = match result {
            Ok(handled) => {
                if mark(
                    savepoint.parts()?.0,
                    job,
                    handled.outcome,
                    &handled.detail,
                    false,
                )
                .await?
                {
                    savepoint.commit().await?;
                    if let Some(follow_up) = handled.follow_up {
                        follow_ups.push((job.id, follow_up));
                    }
                    outcomes.push((job.id, handled.outcome));
                } else {
                    // Applied elsewhere meanwhile (another process, or a sweep).
                    savepoint.rollback().await?;
                }
                continue;
            }
            Err(ApplyError::Malformed(reason)) => (DeliveryOutcome::Malformed, reason, false),
            Err(ApplyError::Core(err)) if err.is_transient_conflict() => return Err(err),
            Err(ApplyError::Core(err)) => {
                tracing::warn!(delivery = %job.id, error = ?err, "applying a webhook delivery failed");
                (DeliveryOutcome::Failed, err.public_detail(), true)
            }
        };
        savepoint.rollback().await?;
        if mark(&*txn, job, outcome, &detail, keep_payload).await? {
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
            source,
        } => {
            crate::tracking::timer::start_for_assignee(
                stint, user_id, &login, project_id, task_id, source,
            )
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
