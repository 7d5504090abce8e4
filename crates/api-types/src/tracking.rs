//! Clients, projects, tasks, time entries and the timer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{ClientId, ProjectId, TaskId, TimeEntryId, UserId};
use crate::{patch, timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    pub notes: String,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateClient {
    /// 1–200 characters.
    #[schema(schema_with = crate::schema::name::<200>)]
    pub name: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct UpdateClient {
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name::<200>)]
    pub name: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub archived: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub client_id: Option<ClientId>,
    pub name: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// Whether new time entries on this project are billable by default.
    pub billable: bool,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateProject {
    /// 1–200 characters.
    #[schema(schema_with = crate::schema::name::<200>)]
    pub name: String,
    #[serde(default)]
    pub client_id: Option<ClientId>,
    #[serde(default)]
    #[schema(pattern = "^#[0-9a-fA-F]{6}$")]
    pub color: Option<String>,
    #[serde(default = "yes")]
    pub billable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct UpdateProject {
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name::<200>)]
    pub name: Option<String>,
    /// `null` detaches the project from its client.
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<ClientId>)]
    pub client_id: Option<Option<ClientId>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>, pattern = "^#[0-9a-fA-F]{6}$")]
    pub color: Option<Option<String>>,
    #[serde(default)]
    pub billable: Option<bool>,
    #[serde(default)]
    pub archived: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProjectQuery {
    pub client_id: Option<ClientId>,
    /// Include archived projects (default false).
    #[serde(default)]
    pub include_archived: bool,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Todo,
    InProgress,
    Done,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Deserialize,
    Serialize,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskPriority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub project_id: ProjectId,
    pub title: String,
    pub description: String,
    pub status: TaskStatus,
    pub priority: TaskPriority,
    pub assignee_id: Option<UserId>,
    /// The issue this task follows at its provider (a GitHub issue's page), when it was imported.
    #[serde(default)]
    pub external_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateTask {
    pub project_id: ProjectId,
    /// 1–500 characters.
    #[schema(schema_with = crate::schema::name::<500>)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: TaskStatus,
    #[serde(default)]
    pub priority: TaskPriority,
    #[serde(default)]
    pub assignee_id: Option<UserId>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct UpdateTask {
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name::<500>)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<TaskStatus>,
    #[serde(default)]
    pub priority: Option<TaskPriority>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<UserId>)]
    pub assignee_id: Option<Option<UserId>>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    pub project_id: Option<ProjectId>,
    pub status: Option<TaskStatus>,
    pub assignee_id: Option<UserId>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Where a time entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeEntrySource {
    #[default]
    Manual,
    Timer,
    Slack,
    Github,
    Gitlab,
    Jira,
    Linear,
    Asana,
    Trello,
    GoogleCalendar,
    OutlookCalendar,
    Api,
}

impl TimeEntrySource {
    /// An entry imported from a calendar: never exported back to one.
    pub fn is_calendar(self) -> bool {
        matches!(
            self,
            TimeEntrySource::GoogleCalendar | TimeEntrySource::OutlookCalendar
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct TimeEntry {
    pub id: TimeEntryId,
    pub user_id: UserId,
    pub project_id: Option<ProjectId>,
    pub task_id: Option<TaskId>,
    #[serde(serialize_with = "timestamp::serialize")]
    pub started_at: DateTime<Utc>,
    /// Absent while the timer runs.
    #[serde(serialize_with = "timestamp::option::serialize")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Whole seconds; up to now for a running timer.
    pub duration_seconds: i64,
    pub notes: String,
    pub billable: bool,
    pub source: TimeEntrySource,
    #[serde(serialize_with = "timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateTimeEntry {
    pub started_at: DateTime<Utc>,
    /// Must not be before `started_at`. Use the timer for open-ended entries.
    pub ended_at: DateTime<Utc>,
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    #[serde(default)]
    pub task_id: Option<TaskId>,
    #[serde(default)]
    pub notes: String,
    /// Defaults to the project's setting, or true.
    #[serde(default)]
    pub billable: Option<bool>,
    #[serde(default)]
    pub source: TimeEntrySource,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct UpdateTimeEntry {
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// Cannot be cleared: stop a timer with `POST /api/timer/stop`.
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<ProjectId>)]
    pub project_id: Option<Option<ProjectId>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<TaskId>)]
    pub task_id: Option<Option<TaskId>>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub billable: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimeEntryQuery {
    /// Entries that started at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries that started before this instant.
    pub to: Option<DateTime<Utc>>,
    pub project_id: Option<ProjectId>,
    pub task_id: Option<TaskId>,
    /// Admins only: entries of this user. Admins see everyone's entries without it.
    pub user_id: Option<UserId>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct StartTimer {
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    #[serde(default)]
    pub task_id: Option<TaskId>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The caller's timer: `running` is false and `entry` absent when no timer runs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct TimerState {
    pub running: bool,
    pub entry: Option<TimeEntry>,
}
