//! A member's finished time entries become `[TT] {project} — {task or notes}` events in their
//! calendar, each linked to its entry: an edited entry updates the same event, a deleted one
//! deletes it. Entries that came from a calendar are never exported back.
//!
//! The provider is called with no transaction open; the link is written after each call. A
//! create repeated after a crash between the two finds the event it made (the event's key is
//! the entry's id), so nothing is exported twice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, ModelTrait, QueryFilter, QueryOrder, QuerySelect,
};
use stint_api_types::tracking::TimeEntrySource;
use stint_entity::{external_link, project, task, time_entry};
use uuid::Uuid;

use super::import::CalendarTarget;
use crate::error::CoreError;
use crate::sync_runs::Counts;
use crate::wire::from_wire_name;
use stint_connectors::EXPORT_PREFIX;
use stint_connectors::GatewayError;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{CalendarWriter, OutgoingEvent};

pub(crate) const LINK_TYPE: &str = "calendar_export";
pub(crate) const ENTRY: &str = "time_entry";
pub(crate) const PLANNED_BLOCK: &str = "planned_block";

/// A record as its calendar event shows it.
pub(crate) struct Record {
    pub entity_type: &'static str,
    pub id: Uuid,
    pub summary: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Its version: the event is written again when this moves.
    pub updated_at: DateTime<Utc>,
}
/// Entries read from the database at a time: memory stays flat however many there are.
const BATCH: u64 = 200;
/// Marks a link whose event was deleted in the calendar: the member's choice stands.
const GONE: &str = "deleted in the calendar";

/// Why an export stopped.
#[derive(Debug)]
pub(crate) enum ExportError {
    /// The provider refused the token, rate-limited or failed for good: stop, say why.
    Provider(GatewayError),
    /// This entry could not be written; the others may be.
    Item(GatewayError),
    Database(CoreError),
}

/// What pushing one entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    Created,
    Updated,
    /// Its event is up to date, or it is not for a calendar (imported, running).
    Unchanged,
    /// Its event was deleted in the calendar; it is not pushed again.
    Gone,
}

impl From<CoreError> for ExportError {
    fn from(err: CoreError) -> Self {
        ExportError::Database(err)
    }
}

impl From<sea_orm::DbErr> for ExportError {
    fn from(err: sea_orm::DbErr) -> Self {
        ExportError::Database(err.into())
    }
}

pub(crate) struct Export<'a> {
    pub db: &'a DatabaseConnection,
    pub writer: &'a dyn CalendarWriter,
    pub spec: &'a ProviderSpec,
    pub target: &'a CalendarTarget,
}

/// Project names and task titles met so far.
#[derive(Default)]
pub(crate) struct Names {
    projects: HashMap<Uuid, String>,
    tasks: HashMap<Uuid, String>,
}

impl Export<'_> {
    pub(crate) async fn run(
        &self,
        token: &Secret,
        counts: &mut Counts,
        now: DateTime<Utc>,
    ) -> Result<(), ExportError> {
        self.delete_removed(token, counts).await?;
        let mut names = Names::default();
        let mut after = Uuid::nil();
        loop {
            let entries = time_entry::Entity::find()
                .filter(time_entry::Column::UserId.eq(self.target.user_id))
                .filter(time_entry::Column::EndedAt.gt(self.target.from))
                .filter(time_entry::Column::Id.gt(after))
                .order_by_asc(time_entry::Column::Id)
                .limit(BATCH)
                .all(self.db)
                .await?;
            let Some(last) = entries.last() else {
                return Ok(());
            };
            after = last.id;
            for entry in entries {
                match self.push(token, &entry, &mut names, now).await {
                    Ok(Pushed::Created) => counts.created += 1,
                    Ok(Pushed::Updated) => counts.updated += 1,
                    Ok(Pushed::Unchanged) => {}
                    Ok(Pushed::Gone) => counts.skip("deleted in the calendar, not exported again"),
                    Err(ExportError::Item(err)) => {
                        tracing::warn!(entry = %entry.id, error = %err, "could not export an entry");
                        counts.failed += 1;
                    }
                    Err(err) => return Err(err),
                }
            }
        }
    }

    /// Events of entries deleted in Stint are deleted in the calendar.
    async fn delete_removed(&self, token: &Secret, counts: &mut Counts) -> Result<(), ExportError> {
        let mut after = Uuid::nil();
        loop {
            let links = external_link::Entity::find()
                .filter(external_link::Column::IntegrationId.eq(self.target.integration_id))
                .filter(external_link::Column::ExternalType.eq(LINK_TYPE))
                // Planned blocks' events go with their block, deleted on request.
                .filter(external_link::Column::EntityType.eq(ENTRY))
                .filter(external_link::Column::Id.gt(after))
                .order_by_asc(external_link::Column::Id)
                .limit(BATCH)
                .all(self.db)
                .await?;
            let Some(last) = links.last() else {
                return Ok(());
            };
            after = last.id;
            let ids: Vec<Uuid> = links.iter().map(|l| l.entity_id).collect();
            let existing: Vec<Uuid> = time_entry::Entity::find()
                .select_only()
                .column(time_entry::Column::Id)
                .filter(time_entry::Column::Id.is_in(ids))
                .into_tuple()
                .all(self.db)
                .await?;
            for link in links {
                if existing.contains(&link.entity_id) {
                    continue;
                }
                if link.external_version.as_deref() != Some(GONE) {
                    let deleted = self
                        .writer
                        .delete(
                            self.spec,
                            token,
                            &self.target.calendar_id,
                            &link.external_id,
                        )
                        .await;
                    if let Err(err) = deleted {
                        if stops(&err) {
                            return Err(ExportError::Provider(err));
                        }
                        tracing::warn!(event = %link.external_id, error = %err, "could not delete an exported event");
                        counts.failed += 1;
                        continue;
                    }
                    counts.deleted += 1;
                }
                link.delete(self.db).await?;
            }
        }
    }

    /// Creates or updates the entry's event, as its version says.
    pub(crate) async fn push(
        &self,
        token: &Secret,
        entry: &time_entry::Model,
        names: &mut Names,
        now: DateTime<Utc>,
    ) -> Result<Pushed, ExportError> {
        let source: TimeEntrySource = from_wire_name(&entry.source)?;
        let Some(ended_at) = entry.ended_at else {
            return Ok(Pushed::Unchanged);
        };
        if source.is_calendar() {
            return Ok(Pushed::Unchanged);
        }
        let record = Record {
            entity_type: ENTRY,
            id: entry.id,
            summary: self.summary(entry, names).await?,
            description: format!("{}\n\nExported by Stint.", entry.notes.trim())
                .trim_start()
                .to_owned(),
            start: entry.started_at,
            end: ended_at,
            updated_at: entry.updated_at,
        };
        self.push_record(token, &record, now).await
    }

    /// Creates or updates a record's event, as its version says.
    pub(crate) async fn push_record(
        &self,
        token: &Secret,
        record: &Record,
        now: DateTime<Utc>,
    ) -> Result<Pushed, ExportError> {
        let link = link_of(
            self.db,
            self.target.integration_id,
            record.entity_type,
            record.id,
        )
        .await?;
        let version = stamp(record.updated_at);
        if let Some(link) = &link {
            if link.external_type != LINK_TYPE
                || link.external_version.as_deref() == Some(version.as_str())
            {
                return Ok(Pushed::Unchanged);
            }
            if link.external_version.as_deref() == Some(GONE) {
                return Ok(Pushed::Gone);
            }
        }
        let event = OutgoingEvent {
            key: record.id.simple().to_string(),
            summary: record.summary.clone(),
            description: record.description.clone(),
            start: record.start,
            end: record.end,
        };
        let calendar = &self.target.calendar_id;
        let outcome = match &link {
            None => self
                .writer
                .create(self.spec, token, calendar, &event)
                .await
                .map(Some),
            Some(link) => {
                self.writer
                    .update(self.spec, token, calendar, &link.external_id, &event)
                    .await
            }
        };
        let written = match outcome {
            Ok(written) => written,
            Err(err) if stops(&err) => return Err(ExportError::Provider(err)),
            Err(err) => return Err(ExportError::Item(err)),
        };
        match (link, written) {
            (None, Some(written)) => {
                external_link::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    integration_id: Set(self.target.integration_id),
                    entity_type: Set(record.entity_type.to_owned()),
                    entity_id: Set(record.id),
                    external_type: Set(LINK_TYPE.to_owned()),
                    external_id: Set(written.id),
                    external_url: Set(written.url),
                    external_version: Set(Some(version)),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(self.db)
                .await?;
                Ok(Pushed::Created)
            }
            (Some(link), written) => {
                let gone = written.is_none();
                let mut link = link.into_active_model();
                link.external_version = Set(Some(if gone { GONE.to_owned() } else { version }));
                link.updated_at = Set(now);
                link.update(self.db).await?;
                Ok(if gone { Pushed::Gone } else { Pushed::Updated })
            }
            (None, None) => Err(ExportError::Item(GatewayError::Refused(
                "the calendar did not keep the event".to_owned(),
            ))),
        }
    }

    /// Deletes a record's event and its link; `false` when it had none.
    pub(crate) async fn remove(
        &self,
        token: &Secret,
        entity_type: &str,
        entity_id: Uuid,
    ) -> Result<bool, ExportError> {
        let integration_id = self.target.integration_id;
        let Some(link) = link_of(self.db, integration_id, entity_type, entity_id).await? else {
            return Ok(false);
        };
        if link.external_type != LINK_TYPE {
            return Ok(false);
        }
        if link.external_version.as_deref() != Some(GONE) {
            self.writer
                .delete(
                    self.spec,
                    token,
                    &self.target.calendar_id,
                    &link.external_id,
                )
                .await
                .map_err(|err| {
                    if stops(&err) {
                        ExportError::Provider(err)
                    } else {
                        ExportError::Item(err)
                    }
                })?;
        }
        link.delete(self.db).await?;
        Ok(true)
    }

    /// `[TT] {project} — {task or notes}`.
    async fn summary(
        &self,
        entry: &time_entry::Model,
        names: &mut Names,
    ) -> Result<String, CoreError> {
        let project = match entry.project_id {
            Some(id) => Some(match names.projects.get(&id) {
                Some(name) => name.clone(),
                None => {
                    let name = project::Entity::find_by_id(id)
                        .one(self.db)
                        .await?
                        .map(|p| p.name)
                        .unwrap_or_default();
                    names.projects.insert(id, name.clone());
                    name
                }
            }),
            None => None,
        };
        let task = match entry.task_id {
            Some(id) => Some(match names.tasks.get(&id) {
                Some(title) => title.clone(),
                None => {
                    let title = task::Entity::find_by_id(id)
                        .one(self.db)
                        .await?
                        .map(|t| t.title)
                        .unwrap_or_default();
                    names.tasks.insert(id, title.clone());
                    title
                }
            }),
            None => None,
        };
        let what = task.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| {
            entry
                .notes
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        });
        Ok(title(project.as_deref(), &what))
    }
}

pub(crate) fn title(project: Option<&str>, what: &str) -> String {
    let what = if what.is_empty() { "Time entry" } else { what };
    let title = match project.filter(|p| !p.is_empty()) {
        Some(project) => format!("{EXPORT_PREFIX} {project} — {what}"),
        None => format!("{EXPORT_PREFIX} {what}"),
    };
    title.chars().take(1_000).collect()
}

/// The link of a record within a connection, of whatever kind.
pub(crate) async fn link_of(
    db: &DatabaseConnection,
    integration_id: Uuid,
    entity_type: &str,
    entity_id: Uuid,
) -> Result<Option<external_link::Model>, CoreError> {
    Ok(external_link::Entity::find()
        .filter(external_link::Column::IntegrationId.eq(integration_id))
        .filter(external_link::Column::EntityType.eq(entity_type))
        .filter(external_link::Column::EntityId.eq(entity_id))
        .one(db)
        .await?)
}

/// The entry's version as its link keeps it.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Failures that would fail every other entry alike: stop the export and say why.
fn stops(err: &GatewayError) -> bool {
    matches!(
        err,
        GatewayError::DeadAccessToken
            | GatewayError::DeadGrant(_)
            | GatewayError::RateLimited { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_titles() {
        assert_eq!(
            title(Some("Stint"), "Code review"),
            "[TT] Stint — Code review"
        );
        assert_eq!(title(None, "Code review"), "[TT] Code review");
        assert_eq!(title(Some(""), ""), "[TT] Time entry");
    }
}
