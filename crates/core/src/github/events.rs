//! GitHub `issues` deliveries applied to tasks, and the timer a matching assignment starts.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use stint_api_types::tracking::{StartTimer, TimeEntrySource};
use uuid::Uuid;

use super::issues::{self, Freshness, GithubTarget, Upserted};
use super::payload::IssuesEvent;
use crate::context::Stint;
use crate::error::CoreError;
use crate::webhooks::intake::{ApplyError, FollowUp, Handled};

/// Events Stint applies; any other is acknowledged and recorded as ignored.
pub fn is_applied_event(event: &str) -> bool {
    event == "issues"
}

const UPDATING_ACTIONS: &[&str] = &[
    "opened",
    "edited",
    "reopened",
    "closed",
    "labeled",
    "unlabeled",
    "assigned",
    "unassigned",
];

/// The external id (`owner/repo#n`) of the issue an `issues` delivery is about, read without
/// keeping the rest of the body; `None` for anything else.
pub fn issue_reference(event: Option<&str>, payload: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Repository {
        full_name: String,
    }
    #[derive(serde::Deserialize)]
    struct Number {
        number: u64,
    }
    #[derive(serde::Deserialize)]
    struct Reference {
        repository: Repository,
        issue: Number,
    }
    if !event.is_some_and(is_applied_event) {
        return None;
    }
    let reference: Reference = serde_json::from_str(payload).ok()?;
    Some(issues::external_id(
        &reference.repository.full_name,
        reference.issue.number,
    ))
}

pub async fn apply<C: ConnectionTrait>(
    db: &C,
    target: Option<&GithubTarget>,
    event: Option<&str>,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<Handled, ApplyError> {
    let event = event.unwrap_or_default();
    if !is_applied_event(event) {
        return Ok(Handled::ignored(format!("`{event}` events are not used")));
    }
    let delivery: IssuesEvent =
        serde_json::from_str(payload).map_err(|e| ApplyError::Malformed(e.to_string()))?;
    let Some(target) = target else {
        return Ok(Handled::ignored(
            "GitHub is not connected for the organisation; connect it so issues become tasks",
        ));
    };
    let action = delivery.action.as_str();
    if !UPDATING_ACTIONS.contains(&action) {
        return Ok(Handled::ignored(format!(
            "`issues.{action}` changes nothing in Stint"
        )));
    }
    let repository = delivery.repository.full_name.as_str();
    let issue = &delivery.issue;
    let reference = issues::external_id(repository, issue.number);
    if let Some(label) = &target.settings.label_filter
        && !issue.has_label(label)
        && issues::task_of(db, target, repository, issue.number)
            .await?
            .is_none()
    {
        return Ok(Handled::ignored(format!(
            "{reference} does not carry the label `{label}`"
        )));
    }
    let upserted =
        issues::upsert(db, target, repository, issue, Freshness::ApplyEqual, now).await?;
    let mut applied = Handled::applied(match upserted {
        Upserted::Created(id) => format!("issues.{action}: created task {id} for {reference}"),
        Upserted::Updated(id) | Upserted::Unchanged(id) => {
            format!("issues.{action}: updated task {id} for {reference}")
        }
        Upserted::Stale(id) => {
            return Ok(Handled::ignored(format!(
                "issues.{action}: task {id} already reflects a newer version of {reference}"
            )));
        }
    });
    if action == "assigned"
        && let Some(assignee) = &delivery.assignee
    {
        match issues::user_by_login(db, &assignee.login).await? {
            Some(user) => {
                let task = issues::task_of(db, target, repository, issue.number)
                    .await?
                    .ok_or(CoreError::NotFound("task"))?;
                applied.follow_up = Some(FollowUp::StartTimer {
                    user_id: user.id,
                    login: assignee.login.clone(),
                    project_id: task.project_id,
                    task_id: task.id,
                });
            }
            None => {
                applied.detail.push_str(&format!(
                    "; no Stint user has the GitHub username `{}`",
                    assignee.login
                ));
            }
        }
    }
    Ok(applied)
}

/// Starts the assignee's timer on the task unless one runs already; says what it did.
pub async fn start_assignee_timer(
    stint: &Stint,
    user_id: Uuid,
    login: &str,
    project_id: Uuid,
    task_id: Uuid,
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
    match crate::tracking::timer::start(stint, &principal, request, TimeEntrySource::Github).await {
        Ok(entry) => format!("started {login}'s timer (entry {})", entry.id),
        Err(CoreError::TimerAlreadyRunning) => {
            format!("{login} already had a timer running; left it running")
        }
        Err(err) => format!("could not start {login}'s timer: {}", err.public_detail()),
    }
}
