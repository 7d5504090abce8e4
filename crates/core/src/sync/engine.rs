//! Starting and running a sync of one connection.

use std::sync::Arc;

use sea_orm::EntityTrait;
use stint_api_types::providers::{IntegrationScope, ProviderKey};
use stint_api_types::webhooks::{SyncStatus, SyncTrigger};
use stint_entity::integration;
use uuid::Uuid;

use super::fetch::{MAX_RATE_WAIT, fetch, too_long, until};
use super::state::{self, Change};
use crate::auth::Principal;
use crate::catalogue::Connector;
use crate::connectors::{IssueTracker, Position, SourceConnection, SourcePage, SyncItem};
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::connections;
use crate::integrations::tokens::{self, TokenError};
use crate::issues::{Batch, Freshness, IssueTarget, TargetKey, Upserted, tasks};
use crate::jobs::Job;
use crate::secret::Secret;
use crate::sync_runs;

const RESOURCE: &str = "issues";

/// Queues a sync of a connection the caller may manage (an admin the organisation's, each member
/// their own) for the worker; answers with the run to follow.
pub async fn start(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: IntegrationScope,
    trigger: SyncTrigger,
) -> Result<Uuid, CoreError> {
    let found = connections::visible(stint, principal, key, scope, true).await?;
    queue(stint, &found, trigger).await
}

/// Queues a sync of a connection for the worker (a schedule's catch-up, a manual start).
/// `Conflict` when one is already queued or running.
pub async fn queue(
    stint: &Stint,
    integration: &integration::Model,
    trigger: SyncTrigger,
) -> Result<Uuid, CoreError> {
    let (connector, tracker) = source(stint, &integration.provider)?;
    tracker
        .resources(&integration.config)
        .map_err(|reason| CoreError::invalid("config", reason))?;
    let run_id = sync_runs::queue(stint, integration.id, RESOURCE, trigger).await?;
    let job = Job::Sync {
        run_id,
        provider: connector.spec.key,
    };
    if let Err(err) = stint.jobs.push(job, None).await {
        let reason = err.to_string();
        sync_runs::finish(stint, run_id, SyncStatus::Failed, [0; 4], Some(reason)).await?;
        return Err(CoreError::Internal(err.to_string()));
    }
    Ok(run_id)
}

fn source(stint: &Stint, provider: &str) -> Result<(Connector, Arc<dyn IssueTracker>), CoreError> {
    let connector = ProviderKey::parse(provider)
        .and_then(|key| stint.catalogue.connector(key))
        .ok_or(CoreError::NotFound("provider"))?;
    let Some(tracker) = connector.issues.clone() else {
        return Err(CoreError::Conflict(format!(
            "Stint cannot sync {} yet",
            connector.spec.display_name
        )));
    };
    Ok((connector.clone(), tracker))
}

/// Runs a queued sync run to its end: the sync job. A run already finished is left as it is, so
/// a job run twice (a worker that died after finishing) does nothing the second time; a run left
/// `running` by a worker that died is run again, which repeats nothing (every item goes through
/// its external link, and the cursor was saved with each page).
pub async fn run(stint: &Stint, run_id: Uuid) -> Result<(), CoreError> {
    let Some(queued) = sync_runs::find(stint, run_id).await? else {
        return Ok(());
    };
    if matches!(
        crate::tracking::from_wire_name::<SyncStatus>(&queued.status)?,
        SyncStatus::Succeeded | SyncStatus::Failed
    ) {
        return Ok(());
    }
    let Some(found) = integration::Entity::find_by_id(queued.integration_id)
        .one(&stint.db)
        .await?
    else {
        let reason = "the connection was removed".to_owned();
        return sync_runs::finish(stint, run_id, SyncStatus::Failed, [0; 4], Some(reason)).await;
    };
    let (connector, tracker) = source(stint, &found.provider)?;
    let resources = match tracker.resources(&found.config) {
        Ok(resources) => resources,
        Err(reason) => {
            return sync_runs::finish(stint, run_id, SyncStatus::Failed, [0; 4], Some(reason))
                .await;
        }
    };
    let run = Run {
        stint: stint.clone(),
        connector,
        tracker,
        integration: found,
        run_id,
    };
    run.execute(resources).await;
    Ok(())
}

#[derive(Debug, Default)]
struct Counts {
    created: i32,
    updated: i32,
    skipped: i32,
    failed: i32,
}

struct Run {
    stint: Stint,
    connector: Connector,
    tracker: Arc<dyn IssueTracker>,
    integration: integration::Model,
    run_id: Uuid,
}

impl Run {
    fn name(&self) -> &'static str {
        self.connector.spec.display_name
    }

    fn key(&self) -> TargetKey {
        TargetKey::Connection(self.integration.id)
    }

    async fn execute(&self, resources: Vec<String>) {
        let stint = &self.stint;
        let run_id = self.run_id;
        if let Err(err) = sync_runs::mark_running(stint, run_id).await {
            tracing::error!(%run_id, error = %err, "could not start a sync run");
            return;
        }
        let mut counts = Counts::default();
        let (status, error) = match self.sync_all(&resources, &mut counts).await {
            Ok(failures) if failures.is_empty() => (SyncStatus::Succeeded, None),
            Ok(failures) => (SyncStatus::Failed, Some(failures.join("; "))),
            Err(reason) => (SyncStatus::Failed, Some(reason)),
        };
        let finished = sync_runs::finish(
            stint,
            run_id,
            status,
            [
                counts.created,
                counts.updated,
                counts.skipped,
                counts.failed,
            ],
            error,
        )
        .await;
        if let Err(err) = finished {
            tracing::error!(%run_id, error = %err, "could not record the end of a sync run");
        }
        let _ = tasks::touch_integration(&stint.db, self.integration.id, stint.clock.now()).await;
    }

    /// Syncs each resource; returns the failures, one line per resource.
    async fn sync_all(
        &self,
        resources: &[String],
        counts: &mut Counts,
    ) -> Result<Vec<String>, String> {
        let name = self.name();
        let token = match tokens::get_valid_token(&self.stint, self.integration.id).await {
            Ok(token) => token,
            Err(TokenError::NeedsReauth(reason)) => {
                return Err(format!("reconnect {name}: {reason}"));
            }
            Err(err) => return Err(err.to_string()),
        };
        let Some(target) = IssueTarget::new(&self.connector, &self.integration) else {
            return Err(format!("{name} has no issues to sync"));
        };
        let mut batch = Batch::default();
        batch.insert(self.key(), Some(target));
        let mut failures = Vec::new();
        for resource in resources {
            if let Err(reason) = self
                .sync_resource(&mut batch, &token, resource, counts)
                .await
            {
                tracing::warn!(provider = name, %resource, %reason, "a resource failed to sync");
                failures.push(format!("{resource}: {reason}"));
            }
        }
        Ok(failures)
    }

    async fn sync_resource(
        &self,
        batch: &mut Batch,
        token: &Secret,
        resource: &str,
        counts: &mut Counts,
    ) -> Result<(), String> {
        let stint = &self.stint;
        let name = self.name();
        let state_key = format!("{RESOURCE}:{resource}");
        let integration_id = self.integration.id;
        let mut cursor = state::load(&stint.db, integration_id, &state_key)
            .await
            .map_err(|e| e.public_detail())?
            .and_then(|s| s.cursor);
        let run_started = stint.clock.now();
        loop {
            let position = Position {
                cursor: cursor.as_deref(),
                run_started,
            };
            let connection = SourceConnection {
                config: &self.integration.config,
                personal_account: self
                    .integration
                    .user_id
                    .and(self.integration.external_account_label.as_deref()),
            };
            let page = fetch(&stint.clock, name, || {
                self.tracker.page(
                    &self.connector.spec,
                    token,
                    &connection,
                    resource,
                    &position,
                )
            })
            .await;
            let page = match page {
                Ok(page) => page,
                Err(reason) => {
                    let change = Change {
                        error: Some(&reason),
                        ..Change::default()
                    };
                    state::save(
                        &stint.db,
                        integration_id,
                        &state_key,
                        change,
                        stint.clock.now(),
                    )
                    .await
                    .map_err(|e| e.public_detail())?;
                    return Err(reason);
                }
            };
            self.apply_page(batch, &state_key, &page, counts)
                .await
                .map_err(|e| e.public_detail())?;
            if !page.more {
                return Ok(());
            }
            if let Some(resume) = page.pause_until {
                let wait = until(&stint.clock, resume);
                if wait > MAX_RATE_WAIT {
                    return Err(too_long(name, wait));
                }
                tracing::info!(
                    provider = name,
                    seconds = wait.as_secs(),
                    "quota spent; waiting for the reset"
                );
                tokio::time::sleep(wait).await;
            }
            cursor = Some(page.cursor);
        }
    }

    /// The page's items, each in a savepoint, and the cursor after them, in one transaction.
    async fn apply_page(
        &self,
        batch: &mut Batch,
        state_key: &str,
        page: &SourcePage,
        counts: &mut Counts,
    ) -> Result<(), CoreError> {
        let stint = &self.stint;
        let key = self.key();
        let txn = stint.begin_write().await?;
        let now = stint.clock.now();
        for item in &page.items {
            let issue = match item {
                SyncItem::Issue(issue) => issue,
                SyncItem::Skip => {
                    counts.skipped += 1;
                    continue;
                }
            };
            let label_filter = batch
                .target(key)
                .flatten()
                .and_then(|t| t.routing.label_filter.clone());
            if let Some(label) = label_filter
                && !issue.has_label(&label)
            {
                counts.skipped += 1;
                continue;
            }
            let mut savepoint = batch.savepoint(&txn).await?;
            let upserted = {
                let (db, batch) = savepoint.parts()?;
                let target = batch
                    .target(key)
                    .flatten()
                    .ok_or_else(|| CoreError::Internal("the sync lost its target".into()))?;
                tasks::upsert(db, target, issue, Freshness::SkipEqual, now).await
            };
            match upserted {
                Ok(upserted) => {
                    savepoint.commit().await?;
                    match upserted {
                        Upserted::Created(_) => counts.created += 1,
                        Upserted::Updated(_) => counts.updated += 1,
                        Upserted::Unchanged(_) | Upserted::Stale(_) => counts.skipped += 1,
                    }
                }
                Err(err) => {
                    savepoint.rollback().await?;
                    tracing::warn!(provider = %self.connector.spec.key, reference = %issue.reference, error = %err, "could not apply an item");
                    counts.failed += 1;
                }
            }
        }
        let change = Change {
            cursor: Some(&page.cursor),
            succeeded_at: (!page.more).then_some(now),
            error: None,
        };
        state::save(&*txn, self.integration.id, state_key, change, now).await?;
        // Progress is written with the page it counts: a follower never sees items counted that
        // a crash then undid.
        let total = page.total.map(|t| i32::try_from(t).unwrap_or(i32::MAX));
        sync_runs::progress(
            &*txn,
            self.run_id,
            [
                counts.created,
                counts.updated,
                counts.skipped,
                counts.failed,
            ],
            total,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
