//! External issues as Stint tasks, for every issue tracker: one task per issue, found again
//! through an external link keyed by its reference (`owner/repo#123`), in the project mapped to
//! its container or one named after it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    IntoActiveModel, JoinType, QueryFilter, QuerySelect,
};
use stint_api_types::providers::ProviderKey;
use stint_api_types::tracking::{TaskPriority, TaskStatus, TimeEntrySource};
use stint_entity::{external_link, integration, project, task, user};
use uuid::Uuid;

use crate::error::CoreError;
use crate::wire::wire_name;
use stint_connectors::{Connector, Handles};
use stint_connectors::{ExternalIssue, IssueRouting};

const ISSUE: &str = "issue";
const TASK: &str = "task";
const PROJECT: &str = "project";

/// A connection of an issue tracker and its settings: where its issues land.
#[derive(Debug, Clone)]
pub struct IssueTarget {
    pub integration_id: Uuid,
    pub provider: ProviderKey,
    pub display_name: &'static str,
    pub routing: IssueRouting,
    /// How an assignee's handle finds a Stint user.
    pub handles: Option<Handles>,
    pub entry_source: TimeEntrySource,
    /// The member whose own connection this is: its issues are theirs unless assigned to another
    /// Stint user.
    pub owner: Option<Uuid>,
    /// Container → project, as found or made during this batch or run. A savepoint taken with
    /// `Batch::savepoint` puts it back as it was when rolled back.
    projects: Arc<Mutex<HashMap<String, Uuid>>>,
    /// Set for a batch applied in one pass (see `open_batch`).
    batch: Arc<Mutex<Option<IssueBatch>>>,
}

/// A batch's issue links, looked up in one query, and the tasks it creates, inserted together by
/// `flush` before the batch commits: three statements per new issue become three per batch.
#[derive(Debug, Default)]
struct IssueBatch {
    /// External id → its link, or `None` when it had none. Each is used once: after a delivery
    /// changed it, the database is asked again.
    looked_up: HashMap<String, Option<external_link::Model>>,
    /// The tasks of the looked-up links by id, when they were read with them.
    linked_tasks: Option<HashMap<Uuid, task::Model>>,
    /// External ids whose task, new or changed, waits in `writes`.
    pending: HashSet<String>,
    writes: PendingWrites,
}

/// What a batch made and changed and has not written yet: each statement is a round trip on
/// PostgreSQL, so the intake writes them all with its delivery records in one.
#[derive(Debug, Default)]
pub struct PendingWrites {
    pub new_tasks: Vec<task::ActiveModel>,
    pub new_links: Vec<external_link::ActiveModel>,
    /// Tasks and links of edited issues, read in the batch: only the columns `Set` change.
    pub changed_tasks: Vec<task::ActiveModel>,
    pub changed_links: Vec<external_link::ActiveModel>,
}

impl PendingWrites {
    pub fn append(&mut self, mut other: PendingWrites) {
        self.new_tasks.append(&mut other.new_tasks);
        self.new_links.append(&mut other.new_links);
        self.changed_tasks.append(&mut other.changed_tasks);
        self.changed_links.append(&mut other.changed_links);
    }

    /// Writes them one statement per kind of row (and one per change).
    pub async fn write<C: ConnectionTrait>(self, db: &C) -> Result<(), CoreError> {
        insert_tasks_and_links(db, self.new_tasks, self.new_links).await?;
        for task in self.changed_tasks {
            task.update(db).await?;
        }
        for link in self.changed_links {
            link.update(db).await?;
        }
        Ok(())
    }
}

/// A link as the batch looked it up, and its task when the batch read it too (`Some(None)`: it
/// has none).
struct LookedUp {
    link: Option<external_link::Model>,
    task: Option<Option<task::Model>>,
}

/// Whether a deferred task is new or an existing one changed.
enum Change {
    New,
    Edit,
}

enum Known {
    Pending,
    LookedUp(Box<LookedUp>),
    Unknown,
}

impl IssueTarget {
    /// The connection `integration` of `connector`, with its settings read by the connector.
    pub fn new(connector: &Connector, integration: &integration::Model) -> Option<IssueTarget> {
        let tracker = connector.issues.as_ref()?;
        Some(IssueTarget {
            integration_id: integration.id,
            provider: connector.spec.key,
            display_name: connector.spec.display_name,
            routing: tracker.routing(&integration.config),
            handles: connector.spec.handles,
            entry_source: connector.spec.entry_source,
            owner: integration.user_id,
            projects: Arc::default(),
            batch: Arc::default(),
        })
    }

    pub(crate) fn remembered_projects(&self) -> HashMap<String, Uuid> {
        self.projects.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub(crate) fn restore_projects(&self, remembered: HashMap<String, Uuid>) {
        if let Ok(mut projects) = self.projects.lock() {
            *projects = remembered;
        }
    }

    /// A target for tests of the batch's memory.
    #[cfg(test)]
    pub(crate) fn detached(integration_id: Uuid) -> IssueTarget {
        IssueTarget {
            integration_id,
            provider: ProviderKey::Github,
            display_name: "GitHub",
            routing: IssueRouting::default(),
            handles: None,
            entry_source: TimeEntrySource::Github,
            owner: None,
            projects: Arc::default(),
            batch: Arc::default(),
        }
    }

    pub(crate) fn remembered_project(&self, repository: &str) -> Option<Uuid> {
        self.projects.lock().ok()?.get(repository).copied()
    }

    pub(crate) fn remember_project(&self, repository: &str, project_id: Uuid) {
        if let Ok(mut projects) = self.projects.lock() {
            projects.insert(repository.to_owned(), project_id);
        }
    }

    /// Runs `f` on the open batch; `None` when there is none.
    fn with_batch<T>(&self, f: impl FnOnce(&mut IssueBatch) -> T) -> Option<T> {
        self.batch.lock().ok()?.as_mut().map(f)
    }

    fn known(&self, external_id: &str) -> Known {
        self.with_batch(|batch| {
            if batch.pending.contains(external_id) {
                return Known::Pending;
            }
            match batch.looked_up.remove(external_id) {
                Some(found) => {
                    let task = match (&found, &mut batch.linked_tasks) {
                        (Some(link), Some(tasks)) => Some(tasks.remove(&link.entity_id)),
                        _ => None,
                    };
                    Known::LookedUp(Box::new(LookedUp { link: found, task }))
                }
                None => Known::Unknown,
            }
        })
        .unwrap_or(Known::Unknown)
    }

    /// Keeps a task and its link, new or changed, for `flush`; false when no batch is open.
    fn defer(
        &self,
        external_id: &str,
        task: &task::ActiveModel,
        link: &external_link::ActiveModel,
        change: Change,
    ) -> bool {
        self.with_batch(|batch| {
            batch.pending.insert(external_id.to_owned());
            let writes = &mut batch.writes;
            let (tasks, links) = match change {
                Change::New => (&mut writes.new_tasks, &mut writes.new_links),
                Change::Edit => (&mut writes.changed_tasks, &mut writes.changed_links),
            };
            tasks.push(task.clone());
            links.push(link.clone());
        })
        .is_some()
    }

    /// Opens a batch whose issue links (of `external_ids`) were looked up: `found`, and their
    /// tasks when they were read with them (see `load_batch_target`). New and changed tasks then
    /// wait for `flush`. Only for a batch that is abandoned whole on any failure: a savepoint
    /// rolled back would not take a deferred task with it.
    pub(crate) fn open_batch(
        &self,
        external_ids: Vec<String>,
        found: Vec<external_link::Model>,
        linked_tasks: Option<Vec<task::Model>>,
    ) {
        let mut looked_up: HashMap<String, Option<external_link::Model>> = external_ids
            .into_iter()
            .map(|external_id| (external_id, None))
            .collect();
        for link in found {
            looked_up.insert(link.external_id.clone(), Some(link));
        }
        if let Ok(mut batch) = self.batch.lock() {
            *batch = Some(IssueBatch {
                looked_up,
                linked_tasks: linked_tasks
                    .map(|tasks| tasks.into_iter().map(|task| (task.id, task)).collect()),
                ..IssueBatch::default()
            });
        }
    }

    /// What the batch made and changed so far and has not written, for the caller to write
    /// before the batch commits.
    pub fn take_pending(&self) -> PendingWrites {
        self.with_batch(|batch| {
            batch.pending.clear();
            std::mem::take(&mut batch.writes)
        })
        .unwrap_or_default()
    }

    /// Writes what the batch made and changed so far.
    pub async fn flush<C: ConnectionTrait>(&self, db: &C) -> Result<(), CoreError> {
        self.take_pending().write(db).await
    }
}

/// Inserts tasks and their links, one statement each (none for none).
pub async fn insert_tasks_and_links<C: ConnectionTrait>(
    db: &C,
    tasks: Vec<task::ActiveModel>,
    links: Vec<external_link::ActiveModel>,
) -> Result<(), CoreError> {
    if !tasks.is_empty() {
        task::Entity::insert_many(tasks)
            .exec_without_returning(db)
            .await?;
    }
    if !links.is_empty() {
        external_link::Entity::insert_many(links)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The link of an issue and its task: from the batch's lookup when it has them, else from the
/// database.
async fn issue_link_and_task<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    external_id: &str,
) -> Result<(Option<external_link::Model>, Option<task::Model>), CoreError> {
    let link = match target.known(external_id) {
        Known::LookedUp(found) => match *found {
            LookedUp {
                link,
                task: Some(task),
            } => return Ok((link, task)),
            LookedUp { link, task: None } => link,
        },
        Known::Pending => {
            target.flush(db).await?;
            locked_issue_link(db, target.integration_id, external_id).await?
        }
        Known::Unknown => locked_issue_link(db, target.integration_id, external_id).await?,
    };
    let task = match &link {
        Some(link) => task::Entity::find_by_id(link.entity_id).one(db).await?,
        None => None,
    };
    Ok((link, task))
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created(Uuid),
    Updated(Uuid),
    /// The task already reflects this version of the issue.
    Unchanged(Uuid),
    /// The task reflects a newer version (deliveries can arrive out of order).
    Stale(Uuid),
}

impl Upserted {
    pub fn task_id(self) -> Uuid {
        match self {
            Upserted::Created(id)
            | Upserted::Updated(id)
            | Upserted::Unchanged(id)
            | Upserted::Stale(id) => id,
        }
    }
}

/// Labels that carry a priority, in the spellings teams use.
pub fn priority_from_labels(issue: &ExternalIssue) -> TaskPriority {
    issue
        .labels
        .iter()
        .filter_map(|label| label_priority(label))
        .max()
        .unwrap_or(TaskPriority::Normal)
}

fn label_priority(label: &str) -> Option<TaskPriority> {
    let lower = label.trim().to_ascii_lowercase();
    let name = ["priority:", "priority/", "priority-", "prio:", "prio/"]
        .iter()
        .find_map(|prefix| lower.strip_prefix(prefix))
        .unwrap_or(&lower)
        .trim();
    match name {
        "urgent" | "critical" | "blocker" | "p0" | "highest" => Some(TaskPriority::Urgent),
        "high" | "p1" | "high priority" => Some(TaskPriority::High),
        "medium" | "normal" | "p2" => Some(TaskPriority::Normal),
        "low" | "p3" | "p4" | "lowest" | "low priority" => Some(TaskPriority::Low),
        _ => None,
    }
}

/// An issue's link, locked until the transaction ends where the database locks rows
/// (PostgreSQL; SQLite has one writer at a time anyway): two deliveries of one issue applied side
/// by side would otherwise both read the stored version, and the older could be written last.
async fn locked_issue_link<C: ConnectionTrait>(
    db: &C,
    integration_id: Uuid,
    external_id: &str,
) -> Result<Option<external_link::Model>, CoreError> {
    Ok(link_query(integration_id, ISSUE, external_id)
        .lock_exclusive()
        .one(db)
        .await?)
}

fn link_query(
    integration_id: Uuid,
    external_type: &str,
    external_id: &str,
) -> sea_orm::Select<external_link::Entity> {
    external_link::Entity::find()
        .filter(external_link::Column::IntegrationId.eq(integration_id))
        .filter(external_link::Column::ExternalType.eq(external_type))
        .filter(external_link::Column::ExternalId.eq(external_id))
}

#[allow(clippy::too_many_arguments)]
fn link_model(
    integration_id: Uuid,
    entity_type: &str,
    entity_id: Uuid,
    external_type: &str,
    external_id: String,
    external_url: Option<String>,
    external_version: Option<String>,
    now: DateTime<Utc>,
) -> external_link::ActiveModel {
    external_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        integration_id: Set(integration_id),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        external_type: Set(external_type.to_owned()),
        external_id: Set(external_id),
        external_url: Set(external_url),
        external_version: Set(external_version),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The project for an issue's container: the configured one, else the one Stint made for it
/// (linked, so a rename in Stint keeps it), else a new project named after the container.
pub async fn project_for<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    issue: &ExternalIssue,
    now: DateTime<Utc>,
) -> Result<Uuid, CoreError> {
    let container = issue.container.to_ascii_lowercase();
    if let Some(project_id) = target.remembered_project(&container) {
        return Ok(project_id);
    }
    let project_id = find_or_make_project(db, target, issue, &container, now).await?;
    target.remember_project(&container, project_id);
    Ok(project_id)
}

async fn find_or_make_project<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    issue: &ExternalIssue,
    container: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, CoreError> {
    let repository = container.to_owned();
    if let Some(project_id) = target.routing.container_projects.get(&repository)
        && project::Entity::find_by_id(project_id.as_uuid())
            .one(db)
            .await?
            .is_some()
    {
        return Ok(project_id.as_uuid());
    }
    if let Some(found) = container_link(db, target, issue.container_kind, &repository).await? {
        if let Some(project_id) = found.project_id {
            return Ok(project_id);
        }
        // The project was deleted; make a new one.
        external_link::Entity::delete_by_id(found.link_id)
            .exec(db)
            .await?;
    }
    let project_id = Uuid::now_v7();
    project::ActiveModel {
        id: Set(project_id),
        client_id: Set(None),
        name: Set(repository.clone()),
        color: Set(None),
        billable: Set(true),
        archived: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    // Nothing is read back: on PostgreSQL `RETURNING` every column costs on each of many rows.
    external_link::Entity::insert(link_model(
        target.integration_id,
        PROJECT,
        project_id,
        issue.container_kind,
        repository.clone(),
        issue.container_url.clone(),
        None,
        now,
    ))
    .exec_without_returning(db)
    .await?;
    Ok(project_id)
}

/// A container's link and, if it still exists, the project it points at.
#[derive(Debug, FromQueryResult)]
struct ContainerLink {
    link_id: Uuid,
    project_id: Option<Uuid>,
}

/// One statement, not two: every batch of deliveries looks its repository's project up.
async fn container_link<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    container_kind: &str,
    container: &str,
) -> Result<Option<ContainerLink>, CoreError> {
    Ok(link_query(target.integration_id, container_kind, container)
        .select_only()
        .column_as(external_link::Column::Id, "link_id")
        .column_as(
            Expr::col((project::Entity, project::Column::Id)),
            "project_id",
        )
        .join(
            JoinType::LeftJoin,
            external_link::Entity::belongs_to(project::Entity)
                .from(external_link::Column::EntityId)
                .to(project::Column::Id)
                .into(),
        )
        .into_model::<ContainerLink>()
        .one(db)
        .await?)
}

/// The active Stint user with this handle at the target's provider.
pub async fn user_by_handle<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    login: &str,
) -> Result<Option<user::Model>, CoreError> {
    let Some(handles) = &target.handles else {
        return Ok(None);
    };
    crate::identities::active_user(db, target.provider, handles, login).await
}

async fn assignee_of<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    issue: &ExternalIssue,
) -> Result<Option<Uuid>, CoreError> {
    for login in &issue.assignees {
        if let Some(found) = user_by_handle(db, target, login).await? {
            return Ok(Some(found.id));
        }
    }
    Ok(target.owner)
}

fn title_of(issue: &ExternalIssue) -> String {
    let title: String = issue.title.trim().chars().take(500).collect();
    if title.is_empty() {
        issue.fallback_title.clone()
    } else {
        title
    }
}

fn description_of(issue: &ExternalIssue) -> String {
    issue.description.chars().take(100_000).collect()
}

/// Whether equal versions count as applied already: a sync skips them, a webhook (labels change
/// within the same second) applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    SkipEqual,
    ApplyEqual,
}

/// Creates or updates the task of an issue.
pub async fn upsert<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    issue: &ExternalIssue,
    freshness: Freshness,
    now: DateTime<Utc>,
) -> Result<Upserted, CoreError> {
    let external = issue.reference.clone();
    let version = issue.updated_at.map(|t| t.to_rfc3339());
    let (found, existing) = issue_link_and_task(db, target, &external).await?;
    let (Some(found), Some(existing)) = (found.clone(), existing) else {
        if let Some(dangling) = found {
            // The task was deleted in Stint; the issue gets a new one.
            external_link::Entity::delete_by_id(dangling.id)
                .exec(db)
                .await?;
        }
        return create(db, target, issue, external, version, now).await;
    };
    let stored = found
        .external_version
        .as_deref()
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok());
    if let (Some(stored), Some(incoming)) = (stored, issue.updated_at) {
        if stored > incoming {
            return Ok(Upserted::Stale(existing.id));
        }
        if stored == incoming && freshness == Freshness::SkipEqual {
            return Ok(Upserted::Unchanged(existing.id));
        }
    }
    let status = if issue.closed {
        wire_name(&TaskStatus::Done)
    } else if existing.status == wire_name(&TaskStatus::Done) {
        wire_name(&TaskStatus::Todo)
    } else {
        existing.status.clone()
    };
    let assignee = assignee_of(db, target, issue)
        .await?
        .or(existing.assignee_id);
    let task_id = existing.id;
    let mut model = existing.into_active_model();
    model.title = Set(title_of(issue));
    model.description = Set(description_of(issue));
    model.status = Set(status);
    model.priority = Set(wire_name(&priority_from_labels(issue)));
    model.assignee_id = Set(assignee);
    model.updated_at = Set(now);
    let mut link = found.into_active_model();
    link.external_version = Set(version);
    link.external_url = Set(issue.url.clone());
    link.updated_at = Set(now);
    if !target.defer(&external, &model, &link, Change::Edit) {
        model.update(db).await?;
        link.update(db).await?;
    }
    Ok(Upserted::Updated(task_id))
}

async fn create<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    issue: &ExternalIssue,
    external: String,
    version: Option<String>,
    now: DateTime<Utc>,
) -> Result<Upserted, CoreError> {
    let project_id = project_for(db, target, issue, now).await?;
    let status = if issue.closed {
        TaskStatus::Done
    } else {
        TaskStatus::Todo
    };
    let task_id = Uuid::now_v7();
    let task = task::ActiveModel {
        id: Set(task_id),
        project_id: Set(project_id),
        title: Set(title_of(issue)),
        description: Set(description_of(issue)),
        status: Set(wire_name(&status)),
        priority: Set(wire_name(&priority_from_labels(issue))),
        assignee_id: Set(assignee_of(db, target, issue).await?),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let link = link_model(
        target.integration_id,
        TASK,
        task_id,
        ISSUE,
        external.clone(),
        issue.url.clone(),
        version,
        now,
    );
    if !target.defer(&external, &task, &link, Change::New) {
        // Nothing is read back: on PostgreSQL `RETURNING` every column costs on each of many rows.
        task::Entity::insert(task)
            .exec_without_returning(db)
            .await?;
        external_link::Entity::insert(link)
            .exec_without_returning(db)
            .await?;
    }
    Ok(Upserted::Created(task_id))
}

/// The task of an issue, if it has one.
pub async fn task_of<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    reference: &str,
) -> Result<Option<task::Model>, CoreError> {
    Ok(issue_link_and_task(db, target, reference).await?.1)
}

/// Keeps the integration row's `last_sync_at` truthful after a sync.
pub async fn touch_integration<C: ConnectionTrait>(
    db: &C,
    integration_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    integration::Entity::update_many()
        .col_expr(
            integration::Column::LastSyncAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(integration::Column::Id.eq(integration_id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue_with(labels: &[&str]) -> ExternalIssue {
        ExternalIssue {
            container: "a/x".into(),
            container_kind: "repository",
            container_url: None,
            reference: "a/x#1".into(),
            fallback_title: "Issue #1".into(),
            title: "t".into(),
            description: String::new(),
            closed: false,
            labels: labels.iter().map(|name| (*name).to_owned()).collect(),
            assignees: vec![],
            url: None,
            updated_at: None,
        }
    }

    #[test]
    fn priority_follows_the_strongest_priority_label() {
        assert_eq!(priority_from_labels(&issue_with(&[])), TaskPriority::Normal);
        assert_eq!(
            priority_from_labels(&issue_with(&["bug"])),
            TaskPriority::Normal
        );
        assert_eq!(
            priority_from_labels(&issue_with(&["priority: high"])),
            TaskPriority::High
        );
        assert_eq!(
            priority_from_labels(&issue_with(&["P1"])),
            TaskPriority::High
        );
        assert_eq!(
            priority_from_labels(&issue_with(&["urgent", "P3"])),
            TaskPriority::Urgent
        );
        assert_eq!(
            priority_from_labels(&issue_with(&["Priority/Low"])),
            TaskPriority::Low
        );
        assert_eq!(
            priority_from_labels(&issue_with(&["p0"])),
            TaskPriority::Urgent
        );
    }
}
