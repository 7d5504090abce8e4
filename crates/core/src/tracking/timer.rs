//! The timer: a time entry without an end. The schema allows one per user, so two starts racing
//! from the web app and Slack cannot both win.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    SqlErr,
};
use stint_api_types::UserId;
use stint_api_types::auth::Scope;
use stint_api_types::tracking::{StartTimer, TimeEntry, TimeEntrySource, TimerState};
use stint_entity::time_entry;
use uuid::Uuid;

use super::time_entries::{resolve_references, to_api};
use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::notify::Notice;
use crate::validate;
use crate::wire::wire_name;

pub async fn running_entry(
    stint: &Stint,
    user_id: UserId,
) -> Result<Option<time_entry::Model>, CoreError> {
    Ok(time_entry::Entity::find()
        .filter(time_entry::Column::UserId.eq(user_id.as_uuid()))
        .filter(time_entry::Column::EndedAt.is_null())
        .one(&stint.db)
        .await?)
}

pub async fn state(stint: &Stint, principal: &Principal) -> Result<TimerState, CoreError> {
    principal.require_scope(Scope::Read)?;
    let entry = running_entry(stint, principal.user_id).await?;
    let now = stint.clock.now();
    Ok(TimerState {
        running: entry.is_some(),
        entry: entry.map(|e| to_api(&e, now)).transpose()?,
    })
}

/// Starts the caller's timer; `TimerAlreadyRunning` if one runs.
pub async fn start(
    stint: &Stint,
    principal: &Principal,
    request: StartTimer,
    source: TimeEntrySource,
) -> Result<TimeEntry, CoreError> {
    principal.require_scope(Scope::Write)?;
    if running_entry(stint, principal.user_id).await?.is_some() {
        return Err(CoreError::TimerAlreadyRunning);
    }
    let refs = resolve_references(stint, request.project_id, request.task_id).await?;
    let notes = validate::text(
        "notes",
        request.notes.as_deref().unwrap_or_default(),
        10_000,
    )?;
    let now = stint.clock.now();
    let inserted = time_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(principal.user_id.as_uuid()),
        project_id: Set(refs.project_id),
        task_id: Set(refs.task_id),
        started_at: Set(now),
        ended_at: Set(None),
        notes: Set(notes),
        billable: Set(refs.billable_default),
        source: Set(wire_name(&source)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&stint.db)
    .await;
    match inserted {
        Ok(model) => {
            crate::notify::notify(
                stint,
                Notice::TimerStarted {
                    entry_id: model.id,
                    user_id: model.user_id,
                },
            )
            .await;
            to_api(&model, now)
        }
        // Lost a race with another start: the partial unique index decided.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(CoreError::TimerAlreadyRunning)
        }
        Err(err) => Err(err.into()),
    }
}

/// Stops the caller's timer and returns the finished entry; `NoTimerRunning` if none runs.
pub async fn stop(stint: &Stint, principal: &Principal) -> Result<TimeEntry, CoreError> {
    principal.require_scope(Scope::Write)?;
    let entry = running_entry(stint, principal.user_id)
        .await?
        .ok_or(CoreError::NoTimerRunning)?;
    let now = stint.clock.now();
    let ended_at = now.max(entry.started_at);
    let mut model = entry.into_active_model();
    model.ended_at = Set(Some(ended_at));
    model.updated_at = Set(now);
    let stopped = model.update(&stint.db).await?;
    crate::notify::notify(
        stint,
        Notice::TimerStopped {
            entry_id: stopped.id,
            user_id: stopped.user_id,
        },
    )
    .await;
    to_api(&stopped, now)
}

/// Starts the timer of a user an issue was just assigned to, on its task, unless one runs
/// already; says what it did (recorded on the webhook delivery).
pub async fn start_for_assignee(
    stint: &Stint,
    user_id: Uuid,
    login: &str,
    project_id: Uuid,
    task_id: Uuid,
    source: TimeEntrySource,
) -> String {
    let principal = match crate::users::principal_for(stint, user_id).await {
        Ok(p) => p,
        Err(err) => return format!("could not start {login}'s timer: {err}"),
    };
    let request = StartTimer {
        project_id: Some(project_id.into()),
        task_id: Some(task_id.into()),
        notes: None,
    };
    match start(stint, &principal, request, source).await {
        Ok(entry) => format!("started {login}'s timer (entry {})", entry.id),
        Err(CoreError::TimerAlreadyRunning) => {
            format!("{login} already had a timer running; left it running")
        }
        Err(err) => format!("could not start {login}'s timer: {}", err.public_detail()),
    }
}
