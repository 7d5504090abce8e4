//! Manual GitHub sync: every configured repository's open issues, page by page (`Link`), upserted
//! through external links (a re-run creates nothing new), incremental with `since` after the first
//! successful run, waiting out rate limits. One failing repository does not stop the others.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionTrait,
};
use serde_json::json;
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::{SyncStatus, SyncTrigger};
use stint_entity::sync_state;
use uuid::Uuid;

use super::api::{IssuePage, IssueQuery};
use super::issues::{self, Freshness, GithubTarget, Upserted};
use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::gateway::GatewayError;
use crate::integrations::provider_apps;
use crate::integrations::tokens::{self, TokenError};
use crate::secret::Secret;
use crate::sync_runs;

/// Longest wait for a rate limit to reset before the repository is given up for this run.
const MAX_RATE_WAIT: Duration = Duration::from_secs(15 * 60);
/// Retries after the first attempt.
const MAX_RETRIES: usize = 2;
const RESOURCE: &str = "issues";

/// Queues a sync of the global GitHub integration and starts it in the background.
pub async fn start(
    stint: &Stint,
    principal: &Principal,
    trigger: SyncTrigger,
) -> Result<Uuid, CoreError> {
    principal.require_admin()?;
    let target = issues::target(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("integration"))?;
    if target.settings.repositories.is_empty() {
        return Err(CoreError::invalid(
            "repositories",
            "no repositories are configured; set them with PUT /api/integrations/github/config",
        ));
    }
    let run_id = sync_runs::queue(stint, target.integration_id, RESOURCE, trigger).await?;
    let stint = stint.clone();
    tokio::spawn(async move {
        run(&stint, run_id, target).await;
    });
    Ok(run_id)
}

#[derive(Debug, Default)]
struct Counts {
    created: i32,
    updated: i32,
    skipped: i32,
    failed: i32,
}

async fn run(stint: &Stint, run_id: Uuid, target: GithubTarget) {
    if let Err(err) = sync_runs::mark_running(stint, run_id).await {
        tracing::error!(%run_id, error = %err, "could not start a sync run");
        return;
    }
    let mut counts = Counts::default();
    let result = sync_all(stint, &target, &mut counts).await;
    let (status, error) = match result {
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
    let _ = issues::touch_integration(&stint.db, target.integration_id, stint.clock.now()).await;
}

/// Syncs each repository; returns the failures, one line per repository.
async fn sync_all(
    stint: &Stint,
    target: &GithubTarget,
    counts: &mut Counts,
) -> Result<Vec<String>, String> {
    let token = match tokens::get_valid_token(stint, target.integration_id).await {
        Ok(token) => token,
        Err(TokenError::NeedsReauth(reason)) => return Err(format!("reconnect GitHub: {reason}")),
        Err(err) => return Err(err.to_string()),
    };
    let mut failures = Vec::new();
    for repository in &target.settings.repositories {
        if let Err(reason) = sync_repository(stint, target, &token, repository, counts).await {
            tracing::warn!(%repository, %reason, "GitHub repository sync failed");
            failures.push(format!("{repository}: {reason}"));
        }
    }
    Ok(failures)
}

async fn sync_repository(
    stint: &Stint,
    target: &GithubTarget,
    token: &Secret,
    repository: &str,
    counts: &mut Counts,
) -> Result<(), String> {
    let spec = provider_apps::spec(stint, ProviderKey::Github)
        .map_err(|e| e.to_string())?
        .clone();
    let resource = format!("{RESOURCE}:{repository}");
    let state = load_state(stint, target.integration_id, &resource)
        .await
        .map_err(|e| e.public_detail())?;
    let since = state
        .as_ref()
        .and_then(|s| s.cursor.as_deref())
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map(|t| t.with_timezone(&Utc));
    let started = stint.clock.now();
    let query = IssueQuery {
        repository,
        label: target.settings.label_filter.as_deref(),
        since,
    };
    let mut page = fetch(stint, || stint.github.open_issues(&spec, token, &query)).await;
    loop {
        let current = match page {
            Ok(current) => current,
            Err(reason) => {
                save_state(
                    stint,
                    target.integration_id,
                    &resource,
                    state.clone(),
                    None,
                    Some(&reason),
                )
                .await
                .map_err(|e| e.public_detail())?;
                return Err(reason);
            }
        };
        apply_page(stint, target, repository, &current, counts)
            .await
            .map_err(|e| e.public_detail())?;
        let Some(next) = current.next.clone() else {
            break;
        };
        wait_for_quota(stint, &current).await?;
        page = fetch(stint, || stint.github.next_page(&spec, token, &next)).await;
    }
    save_state(
        stint,
        target.integration_id,
        &resource,
        state,
        Some(started),
        None,
    )
    .await
    .map_err(|e| e.public_detail())
}

/// One request, retried after a rate limit (`Retry-After` or the quota's reset) or a transient
/// failure.
async fn fetch<F, Fut>(stint: &Stint, call: F) -> Result<IssuePage, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<IssuePage, GatewayError>>,
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
                Some(rate_wait(stint, err)).filter(|wait| *wait <= MAX_RATE_WAIT)
            }
            (_, backoff) => backoff,
        })
        .notify(|err, wait| {
            tracing::info!(seconds = wait.as_secs_f32(), error = %err, "asking GitHub again after a wait");
        })
        .await;
    outcome.map_err(|err| match err {
        GatewayError::RateLimited { .. } => match rate_wait(stint, &err) {
            wait if wait > MAX_RATE_WAIT => too_long(wait),
            _ => "GitHub's rate limit was still exhausted after waiting".to_owned(),
        },
        GatewayError::DeadAccessToken => "GitHub refused the token; reconnect GitHub".to_owned(),
        other => other.to_string(),
    })
}

/// How long a rate limit asks to wait: `Retry-After`, else until the quota resets.
fn rate_wait(stint: &Stint, err: &GatewayError) -> Duration {
    match err {
        GatewayError::RateLimited {
            retry_after,
            reset_at,
        } => retry_after
            .or_else(|| reset_at.map(|reset| until(stint, reset)))
            .unwrap_or(Duration::from_secs(60)),
        _ => Duration::ZERO,
    }
}

fn too_long(wait: Duration) -> String {
    format!(
        "GitHub's rate limit resets in {} minutes; try again then",
        wait.as_secs() / 60
    )
}

fn until(stint: &Stint, reset_epoch: i64) -> Duration {
    let seconds = reset_epoch - stint.clock.now().timestamp();
    Duration::from_secs(u64::try_from(seconds.max(1)).unwrap_or(1))
}

/// GitHub says how many requests are left; at zero, wait for the reset before the next page.
async fn wait_for_quota(stint: &Stint, page: &IssuePage) -> Result<(), String> {
    if page.rate_remaining != Some(0) {
        return Ok(());
    }
    let wait = page
        .rate_reset
        .map(|r| until(stint, r))
        .unwrap_or(Duration::from_secs(60));
    if wait > MAX_RATE_WAIT {
        return Err(too_long(wait));
    }
    tracing::info!(
        seconds = wait.as_secs(),
        "GitHub quota exhausted; waiting for the reset"
    );
    tokio::time::sleep(wait).await;
    Ok(())
}

async fn apply_page(
    stint: &Stint,
    target: &GithubTarget,
    repository: &str,
    page: &IssuePage,
    counts: &mut Counts,
) -> Result<(), CoreError> {
    let txn = stint.begin_write().await?;
    let now = stint.clock.now();
    for issue in &page.issues {
        if issue.is_pull_request() {
            counts.skipped += 1;
            continue;
        }
        if let Some(label) = &target.settings.label_filter
            && !issue.has_label(label)
        {
            counts.skipped += 1;
            continue;
        }
        let savepoint = txn.begin().await?;
        match issues::upsert(
            &savepoint,
            target,
            repository,
            issue,
            Freshness::SkipEqual,
            now,
        )
        .await
        {
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
                target.forget_projects();
                tracing::warn!(%repository, number = issue.number, error = %err, "could not upsert an issue");
                counts.failed += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

async fn load_state(
    stint: &Stint,
    integration_id: Uuid,
    resource: &str,
) -> Result<Option<sync_state::Model>, CoreError> {
    Ok(sync_state::Entity::find()
        .filter(sync_state::Column::IntegrationId.eq(integration_id))
        .filter(sync_state::Column::Resource.eq(resource))
        .one(&stint.db)
        .await?)
}

async fn save_state(
    stint: &Stint,
    integration_id: Uuid,
    resource: &str,
    existing: Option<sync_state::Model>,
    succeeded_at: Option<DateTime<Utc>>,
    error: Option<&str>,
) -> Result<(), CoreError> {
    let now = stint.clock.now();
    match existing {
        Some(state) => {
            let mut model = state.into_active_model();
            if let Some(at) = succeeded_at {
                model.cursor = Set(Some(at.to_rfc3339()));
                model.last_success_at = Set(Some(at));
            }
            model.last_error = Set(error.map(str::to_owned));
            model.updated_at = Set(now);
            model.update(&stint.db).await?;
        }
        None => {
            sync_state::ActiveModel {
                id: Set(Uuid::now_v7()),
                integration_id: Set(integration_id),
                resource: Set(resource.to_owned()),
                cursor: Set(succeeded_at.map(|t| t.to_rfc3339())),
                last_success_at: Set(succeeded_at),
                last_error: Set(error.map(str::to_owned)),
                counts: Set(json!({})),
                updated_at: Set(now),
            }
            .insert(&stint.db)
            .await?;
        }
    }
    Ok(())
}
