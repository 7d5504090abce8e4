//! Starting and running a sync of one connection.

use std::sync::Arc;

use sea_orm::EntityTrait;
use stint_api_types::providers::{IntegrationScope, IntegrationStatus, ProviderKey};
use stint_api_types::webhooks::{SyncStatus, SyncTrigger};
use stint_entity::integration;
use uuid::Uuid;

use super::fetch::{Failed, MAX_RATE_WAIT, fetch, too_long, until};
use super::state::{self, Change};
use crate::auth::Principal;
use crate::calendar::export::{Export, ExportError};
use crate::calendar::import::{self, CalendarTarget, Imported};
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::connections;
use crate::integrations::scope::{self, Purpose};
use crate::integrations::tokens;
use crate::issues::{Batch, Freshness, IssueTarget, TargetKey, Upserted, tasks};
use crate::jobs::Job;
use crate::sync_runs::{self, Counts};
use stint_connectors::Connector;
use stint_connectors::GatewayError;
use stint_connectors::Secret;
use stint_connectors::{
    CalendarEvent, ExternalIssue, Position, SourceConnection, SourcePage, SyncItem, SyncSource,
};

/// Queues a sync of a connection the caller may manage (an admin the organisation's, each member
/// their own) for the worker; answers with the run to follow. Without a scope, the caller's own
/// if they have one, else the organisation's.
pub async fn start(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: Option<IntegrationScope>,
    trigger: SyncTrigger,
) -> Result<Uuid, CoreError> {
    let scope = scope::chosen(stint, principal, key, scope, Purpose::Use).await?;
    let found = connections::visible(stint, principal, key, scope, true).await?;
    // A connection that cannot sync is said so now, not in a run that fails later.
    let status = crate::wire::from_wire_name::<IntegrationStatus>(&found.status)?;
    if status != IntegrationStatus::Active {
        let name = stint
            .catalogue
            .connector(key)
            .map_or(key.as_str(), |c| c.spec.display_name);
        return Err(CoreError::Conflict(format!(
            "the {name} connection is {}; connect it again to sync",
            found.status
        )));
    }
    queue(stint, &found, trigger).await
}

/// Queues a sync of a connection for the worker (a schedule's catch-up, a manual start).
/// `Conflict` when one is already queued or running.
pub async fn queue(
    stint: &Stint,
    integration: &integration::Model,
    trigger: SyncTrigger,
) -> Result<Uuid, CoreError> {
    queue_after(stint, integration, trigger, None).await
}

/// Queues a sync to run once `delay` has passed (a schedule spreads its connections' syncs over
/// its interval, so a provider's per-minute quota sees no burst).
pub async fn queue_after(
    stint: &Stint,
    integration: &integration::Model,
    trigger: SyncTrigger,
    delay: Option<std::time::Duration>,
) -> Result<Uuid, CoreError> {
    let (connector, source) = source(stint, &integration.provider)?;
    source
        .resources(&integration.config)
        .map_err(|reason| CoreError::invalid("config", reason))?;
    let run_id = sync_runs::queue(stint, integration.id, source.kind(), trigger).await?;
    let job = Job::Sync {
        run_id,
        provider: connector.spec.key,
    };
    if let Err(err) = stint.jobs.push(job, delay).await {
        let reason = err.to_string();
        sync_runs::finish(
            stint,
            run_id,
            SyncStatus::Failed,
            &Counts::default(),
            Some(reason),
        )
        .await?;
        return Err(CoreError::Internal(err.to_string()));
    }
    Ok(run_id)
}

fn source(stint: &Stint, provider: &str) -> Result<(Connector, Arc<dyn SyncSource>), CoreError> {
    let connector = ProviderKey::parse(provider)
        .and_then(|key| stint.catalogue.connector(key))
        .ok_or(CoreError::NotFound("provider"))?;
    let Some(tracker) = connector.source.clone() else {
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
        crate::wire::from_wire_name::<SyncStatus>(&queued.status)?,
        SyncStatus::Succeeded | SyncStatus::Failed
    ) {
        return Ok(());
    }
    let Some(found) = integration::Entity::find_by_id(queued.integration_id)
        .one(&stint.db)
        .await?
    else {
        let reason = "the connection was removed".to_owned();
        let counts = Counts::default();
        return sync_runs::finish(stint, run_id, SyncStatus::Failed, &counts, Some(reason)).await;
    };
    let (connector, source) = source(stint, &found.provider)?;
    let resources = match source.resources(&found.config) {
        Ok(resources) => resources,
        Err(reason) => {
            let counts = Counts::default();
            return sync_runs::finish(stint, run_id, SyncStatus::Failed, &counts, Some(reason))
                .await;
        }
    };
    let run = Run {
        stint: stint.clone(),
        connector,
        source,
        integration: found,
        run_id,
    };
    run.execute(resources).await;
    Ok(())
}

struct Run {
    stint: Stint,
    connector: Connector,
    source: Arc<dyn SyncSource>,
    integration: integration::Model,
    run_id: Uuid,
}

/// Where a run's items land: issues become tasks, events time entries.
struct Targets {
    issues: Batch,
    calendar: Option<CalendarTarget>,
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
        let finished = sync_runs::finish(stint, run_id, status, &counts, error).await;
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
        let mut token = tokens::get_valid_token(&self.stint, self.integration.id)
            .await
            .map_err(|err| err.reason_for(self.name()))?;
        let mut issues = Batch::default();
        if let Some(target) = IssueTarget::new(&self.connector, &self.integration) {
            issues.insert(self.key(), Some(target));
        }
        let calendar = CalendarTarget::new(
            &self.stint.db,
            &self.connector,
            &self.integration,
            self.stint.clock.now(),
        )
        .await
        .map_err(|e| e.public_detail())?;
        let mut targets = Targets { issues, calendar };
        let mut failures = Vec::new();
        for resource in resources {
            if let Err(reason) = self
                .sync_resource(&mut targets, &mut token, resource, counts)
                .await
            {
                tracing::warn!(provider = name, %resource, %reason, "a resource failed to sync");
                failures.push(format!("{resource}: {reason}"));
            }
        }
        if let Err(reason) = self.export(&targets, &mut token, counts).await {
            tracing::warn!(provider = name, %reason, "an export failed");
            failures.push(format!("export: {reason}"));
        }
        Ok(failures)
    }

    /// Time entries to the member's calendar, where the connection exports them.
    async fn export(
        &self,
        targets: &Targets,
        token: &mut Secret,
        counts: &mut Counts,
    ) -> Result<(), String> {
        let (Some(writer), Some(target)) = (&self.connector.calendar, &targets.calendar) else {
            return Ok(());
        };
        if !target.exports {
            return Ok(());
        }
        let export = Export {
            db: &self.stint.db,
            writer: writer.as_ref(),
            spec: &self.connector.spec,
            target,
        };
        let mut outcome = export.run(token, counts, self.stint.clock.now()).await;
        // The export repeats nothing it did: after a refused token, it runs once more.
        if matches!(
            outcome,
            Err(ExportError::Provider(GatewayError::DeadAccessToken))
        ) {
            *token = self.refreshed().await?;
            outcome = export.run(token, counts, self.stint.clock.now()).await;
        }
        let progress = sync_runs::progress(&self.stint.db, self.run_id, counts, None).await;
        if let Err(err) = progress {
            tracing::warn!(run_id = %self.run_id, error = %err, "could not record a run's progress");
        }
        outcome.map_err(|err| match err {
            ExportError::Provider(err) | ExportError::Item(err) => err.to_string(),
            ExportError::Database(err) => err.public_detail(),
        })
    }

    /// A new token after the provider refused the one in hand.
    async fn refreshed(&self) -> Result<Secret, String> {
        tokens::refresh_refused(&self.stint, self.integration.id)
            .await
            .map_err(|err| err.reason_for(self.name()))
    }

    async fn sync_resource(
        &self,
        targets: &mut Targets,
        token: &mut Secret,
        resource: &str,
        counts: &mut Counts,
    ) -> Result<(), String> {
        let stint = &self.stint;
        let name = self.name();
        let state_key = format!("{}:{resource}", self.source.kind());
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
            let ask = |token: Secret| {
                let position = &position;
                let connection = &connection;
                async move {
                    fetch(&stint.clock, name, || {
                        self.source.page(
                            &self.connector.spec,
                            &token,
                            connection,
                            resource,
                            position,
                        )
                    })
                    .await
                }
            };
            let mut page = ask(token.clone()).await;
            // A token that expired mid-run (or was revoked and re-granted) is refreshed once.
            if matches!(page, Err(Failed::TokenRefused)) {
                *token = self.refreshed().await?;
                page = ask(token.clone()).await;
            }
            let page = match page.map_err(|failed| failed.reason(name)) {
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
            self.apply_page(targets, &state_key, &page, counts)
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
        targets: &mut Targets,
        state_key: &str,
        page: &SourcePage,
        counts: &mut Counts,
    ) -> Result<(), CoreError> {
        let stint = &self.stint;
        let txn = stint.begin_write().await?;
        let now = stint.clock.now();
        let mut events = Vec::new();
        for item in &page.items {
            match item {
                SyncItem::Skip => counts.skipped += 1,
                SyncItem::Issue(issue) => {
                    self.apply_issue(&txn, &mut targets.issues, issue, counts, now)
                        .await?
                }
                SyncItem::Event(event) => events.push(event),
            }
        }
        if !events.is_empty() {
            self.apply_events(&txn, targets.calendar.as_ref(), &events, counts, now)
                .await?;
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
        sync_runs::progress(&*txn, self.run_id, counts, total).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn apply_issue(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        batch: &mut Batch,
        issue: &ExternalIssue,
        counts: &mut Counts,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CoreError> {
        let key = self.key();
        let Some(target) = batch.target(key).flatten() else {
            counts.skip("not an issue tracker");
            return Ok(());
        };
        if let Some(label) = &target.routing.label_filter
            && !issue.has_label(label)
        {
            counts.skipped += 1;
            return Ok(());
        }
        let mut savepoint = batch.savepoint(txn).await?;
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
        Ok(())
    }

    /// A page's events at once (see `calendar::import::apply_page`).
    async fn apply_events(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        target: Option<&CalendarTarget>,
        events: &[&CalendarEvent],
        counts: &mut Counts,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CoreError> {
        let Some(target) = target else {
            for _ in events {
                counts.skip("not a member's own calendar");
            }
            return Ok(());
        };
        for outcome in import::apply_page(txn, target, events, now).await? {
            match outcome {
                Ok(Imported::Created) => counts.created += 1,
                Ok(Imported::Updated) => counts.updated += 1,
                Ok(Imported::Deleted) => counts.deleted += 1,
                Ok(Imported::Skipped(Some(reason))) => counts.skip(reason),
                Ok(Imported::Skipped(None)) => counts.skipped += 1,
                Err(err) => {
                    tracing::warn!(provider = %self.connector.spec.key, error = %err, "could not import an event");
                    counts.failed += 1;
                }
            }
        }
        Ok(())
    }
}
