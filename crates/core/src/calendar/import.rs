//! A calendar event becomes, updates or removes a time entry of the calendar's owner.
//!
//! Rules: only timed events that have ended, inside the sync window, confirmed by the member,
//! and not one of Stint's own exports (`[TT] …`) are imported. An event moved or renamed updates
//! its entry; a cancelled or declined one removes it. An entry the member edited in Stint since
//! it was imported is theirs: it is kept and the run says why.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, ModelTrait, QueryFilter, TransactionTrait,
};
use stint_entity::{external_link, integration, project, time_entry};
use uuid::Uuid;

use crate::error::CoreError;
use crate::wire::wire_name;
use stint_connectors::Connector;
use stint_connectors::EXPORT_PREFIX;
use stint_connectors::{CalendarEvent, EventStatus, EventTiming};

pub(crate) const LINK_TYPE: &str = "calendar_event";
const ENTRY: &str = "time_entry";
const NOTES_LIMIT: usize = 10_000;

/// Whose calendar, into which project, over which window.
#[derive(Debug, Clone)]
pub(crate) struct CalendarTarget {
    pub(crate) integration_id: Uuid,
    pub(crate) user_id: Uuid,
    pub(crate) calendar_id: String,
    /// Time entries are exported to the calendar.
    pub(crate) exports: bool,
    project_id: Option<Uuid>,
    billable: bool,
    source: String,
    /// Events (and entries) that ended before this are outside the window.
    pub(crate) from: DateTime<Utc>,
    /// Events that end after this are not over yet.
    until: DateTime<Utc>,
}

/// What importing one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Imported {
    Created,
    Updated,
    Deleted,
    /// Nothing to do; the reason, where the member should see one.
    Skipped(Option<&'static str>),
}

impl CalendarTarget {
    /// The target of a member's calendar connection for a run that started at `run_started`;
    /// `None` for an organisation's connection (a calendar is a person's). A chosen project that
    /// no longer exists (or is archived) is left out.
    pub(crate) async fn new<C: ConnectionTrait>(
        db: &C,
        connector: &Connector,
        integration: &integration::Model,
        run_started: DateTime<Utc>,
    ) -> Result<Option<CalendarTarget>, CoreError> {
        let Some(user_id) = integration.user_id else {
            return Ok(None);
        };
        let settings = stint_connectors::calendar_settings(&integration.config);
        let project = match settings.project_id {
            Some(id) => project::Entity::find_by_id(id.as_uuid())
                .one(db)
                .await?
                .filter(|p| !p.archived),
            None => None,
        };
        let days_back = settings.sync_days_back.clamp(1, 30);
        Ok(Some(CalendarTarget {
            integration_id: integration.id,
            user_id,
            calendar_id: settings.calendar_id.clone(),
            exports: settings.sync_direction.exports(),
            project_id: project.as_ref().map(|p| p.id),
            billable: project.is_some_and(|p| p.billable),
            source: wire_name(&connector.spec.entry_source),
            from: run_started - chrono::Duration::days(days_back),
            until: run_started,
        }))
    }
}

pub(crate) async fn apply<C: ConnectionTrait>(
    db: &C,
    target: &CalendarTarget,
    event: &CalendarEvent,
    now: DateTime<Utc>,
) -> Result<Imported, CoreError> {
    let link = external_link::Entity::find()
        .filter(external_link::Column::IntegrationId.eq(target.integration_id))
        .filter(external_link::Column::ExternalType.is_in([LINK_TYPE, super::export::LINK_TYPE]))
        .filter(external_link::Column::ExternalId.eq(&event.id))
        .one(db)
        .await?;
    match link {
        // One of Stint's exports, whatever it is titled now: the entry is the original.
        Some(link) if link.external_type != LINK_TYPE => Ok(Imported::Skipped(None)),
        Some(link) => linked(db, event, link, now).await,
        None => unlinked(db, target, event, now).await,
    }
}

/// Why a new event is not imported, if it is not.
fn refusal(target: &CalendarTarget, event: &CalendarEvent) -> Option<&'static str> {
    match (event.status, event.timing) {
        (EventStatus::Cancelled, _) => Some("cancelled"),
        (EventStatus::Declined, _) => Some("declined"),
        (_, EventTiming::AllDay) => Some("all-day event"),
        (_, EventTiming::Unknown) => Some("no time given"),
        _ if event.summary.trim_start().starts_with(EXPORT_PREFIX) => Some("exported by Stint"),
        (_, EventTiming::Timed { end, .. }) if end > target.until => Some("not over yet"),
        (_, EventTiming::Timed { end, .. }) if end <= target.from => Some("before the sync window"),
        _ => None,
    }
}

/// The entry and link a new event becomes, or why it does not.
fn new_rows(
    target: &CalendarTarget,
    event: &CalendarEvent,
    now: DateTime<Utc>,
) -> Result<(time_entry::ActiveModel, external_link::ActiveModel), &'static str> {
    if let Some(reason) = refusal(target, event) {
        return Err(reason);
    }
    let EventTiming::Timed { start, end } = event.timing else {
        return Err("no time given");
    };
    let entry_id = Uuid::now_v7();
    let entry = time_entry::ActiveModel {
        id: Set(entry_id),
        user_id: Set(target.user_id),
        project_id: Set(target.project_id),
        task_id: Set(None),
        started_at: Set(seconds(start)),
        ended_at: Set(Some(seconds(end))),
        notes: Set(notes(event)),
        billable: Set(target.billable),
        source: Set(target.source.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let link = external_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        integration_id: Set(target.integration_id),
        entity_type: Set(ENTRY.to_owned()),
        entity_id: Set(entry_id),
        external_type: Set(LINK_TYPE.to_owned()),
        external_id: Set(event.id.clone()),
        external_url: Set(event.url.clone()),
        external_version: Set(event.version.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok((entry, link))
}

async fn unlinked<C: ConnectionTrait>(
    db: &C,
    target: &CalendarTarget,
    event: &CalendarEvent,
    now: DateTime<Utc>,
) -> Result<Imported, CoreError> {
    let (entry, link) = match new_rows(target, event, now) {
        Ok(rows) => rows,
        Err(reason) => return Ok(Imported::Skipped(Some(reason))),
    };
    time_entry::Entity::insert(entry)
        .exec_without_returning(db)
        .await?;
    external_link::Entity::insert(link)
        .exec_without_returning(db)
        .await?;
    Ok(Imported::Created)
}

/// A page of events at once: what is already linked is looked up in one query, new events are
/// inserted in two. Should the batch fail (one bad event), each new event is tried alone in a
/// savepoint, so one failing event fails alone. Returns one outcome per event.
pub(crate) async fn apply_page(
    txn: &DatabaseTransaction,
    target: &CalendarTarget,
    events: &[&CalendarEvent],
    now: DateTime<Utc>,
) -> Result<Vec<Result<Imported, CoreError>>, CoreError> {
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let links: HashMap<String, external_link::Model> = external_link::Entity::find()
        .filter(external_link::Column::IntegrationId.eq(target.integration_id))
        .filter(external_link::Column::ExternalType.is_in([LINK_TYPE, super::export::LINK_TYPE]))
        .filter(external_link::Column::ExternalId.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| (l.external_id.clone(), l))
        .collect();
    let mut outcomes = Vec::with_capacity(events.len());
    let mut fresh: Vec<&CalendarEvent> = Vec::new();
    let mut again: Vec<&CalendarEvent> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for event in events {
        match links.get(&event.id) {
            Some(link) if link.external_type != LINK_TYPE => {
                outcomes.push(Ok(Imported::Skipped(None)));
            }
            Some(link) => {
                let savepoint = txn.begin().await?;
                let outcome = linked(&savepoint, event, link.clone(), now).await;
                finish(savepoint, &outcome).await?;
                outcomes.push(outcome);
            }
            // The same event twice in a page: the second goes through its link, after the first.
            None if !seen.insert(event.id.as_str()) => again.push(*event),
            None => fresh.push(event),
        }
    }
    let mut entries = Vec::new();
    let mut new_links = Vec::new();
    for event in &fresh {
        match new_rows(target, event, now) {
            Ok((entry, link)) => {
                entries.push(entry);
                new_links.push(link);
            }
            Err(reason) => outcomes.push(Ok(Imported::Skipped(Some(reason)))),
        }
    }
    if !entries.is_empty() {
        insert_new(txn, target, &fresh, entries, new_links, &mut outcomes, now).await?;
    }
    for event in again {
        let savepoint = txn.begin().await?;
        let outcome = apply(&savepoint, target, event, now).await;
        finish(savepoint, &outcome).await?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// New events in two inserts; one at a time (each through its link) should those fail.
async fn insert_new(
    txn: &DatabaseTransaction,
    target: &CalendarTarget,
    fresh: &[&CalendarEvent],
    entries: Vec<time_entry::ActiveModel>,
    new_links: Vec<external_link::ActiveModel>,
    outcomes: &mut Vec<Result<Imported, CoreError>>,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    let created = entries.len();
    let batch = txn.begin().await?;
    let inserted = async {
        time_entry::Entity::insert_many(entries)
            .exec_without_returning(&batch)
            .await?;
        external_link::Entity::insert_many(new_links)
            .exec_without_returning(&batch)
            .await?;
        Ok::<_, sea_orm::DbErr>(())
    }
    .await;
    match inserted {
        Ok(()) => {
            batch.commit().await?;
            outcomes.extend((0..created).map(|_| Ok(Imported::Created)));
        }
        Err(err) => {
            batch.rollback().await?;
            tracing::debug!(error = %err, "a page of new events failed together; trying each alone");
            for event in fresh {
                if refusal(target, event).is_some() {
                    continue;
                }
                let savepoint = txn.begin().await?;
                let outcome = apply(&savepoint, target, event, now).await;
                finish(savepoint, &outcome).await?;
                outcomes.push(outcome);
            }
        }
    }
    Ok(())
}

/// Keeps a savepoint's work if its item succeeded, undoes it if not.
async fn finish<T>(
    savepoint: DatabaseTransaction,
    outcome: &Result<T, CoreError>,
) -> Result<(), CoreError> {
    match outcome {
        Ok(_) => savepoint.commit().await?,
        Err(_) => savepoint.rollback().await?,
    }
    Ok(())
}

async fn linked<C: ConnectionTrait>(
    db: &C,
    event: &CalendarEvent,
    link: external_link::Model,
    now: DateTime<Utc>,
) -> Result<Imported, CoreError> {
    if link.entity_type != ENTRY {
        return Ok(Imported::Skipped(Some("linked to something else")));
    }
    let Some(entry) = time_entry::Entity::find_by_id(link.entity_id)
        .one(db)
        .await?
    else {
        // Deleted in Stint: the member's choice stands; the link keeps it from coming back.
        return Ok(Imported::Skipped(Some("deleted in Stint")));
    };
    let edited = entry.updated_at > link.updated_at;
    let gone = matches!(
        (event.status, event.timing),
        (EventStatus::Cancelled | EventStatus::Declined, _) | (_, EventTiming::AllDay)
    );
    if gone {
        if edited {
            return Ok(Imported::Skipped(Some(
                "removed in the calendar, kept: edited in Stint",
            )));
        }
        entry.delete(db).await?;
        link.delete(db).await?;
        return Ok(Imported::Deleted);
    }
    let EventTiming::Timed { start, end } = event.timing else {
        return Ok(Imported::Skipped(Some("no time given")));
    };
    let (start, end, notes) = (seconds(start), seconds(end), notes(event));
    if entry.started_at == start && entry.ended_at == Some(end) && entry.notes == notes {
        return Ok(Imported::Skipped(None));
    }
    if edited {
        return Ok(Imported::Skipped(Some(
            "changed in the calendar, kept: edited in Stint",
        )));
    }
    let mut model = entry.into_active_model();
    model.started_at = Set(start);
    model.ended_at = Set(Some(end));
    model.notes = Set(notes);
    model.updated_at = Set(now);
    model.update(db).await?;
    let mut link = link.into_active_model();
    link.external_version = Set(event.version.clone());
    link.external_url = Set(event.url.clone());
    link.updated_at = Set(now);
    link.update(db).await?;
    Ok(Imported::Updated)
}

fn notes(event: &CalendarEvent) -> String {
    let summary = event.summary.trim();
    let summary = if summary.is_empty() {
        "(no title)"
    } else {
        summary
    };
    // PostgreSQL keeps no NUL in text, and it means nothing in a title.
    summary
        .chars()
        .filter(|c| *c != '\0')
        .take(NOTES_LIMIT)
        .collect()
}

/// Entries are kept to the second, as everywhere else in Stint.
fn seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> CalendarTarget {
        let until = DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        CalendarTarget {
            integration_id: Uuid::nil(),
            user_id: Uuid::nil(),
            calendar_id: "primary".into(),
            exports: false,
            project_id: None,
            billable: false,
            source: "google_calendar".into(),
            from: until - chrono::Duration::days(7),
            until,
        }
    }

    fn event(summary: &str, start: &str, end: &str) -> CalendarEvent {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        CalendarEvent {
            id: "e1".into(),
            summary: summary.into(),
            timing: EventTiming::Timed {
                start: at(start),
                end: at(end),
            },
            status: EventStatus::Confirmed,
            version: None,
            url: None,
        }
    }

    #[test]
    fn what_is_not_imported_and_why() {
        let t = target();
        let ok = event("Standup", "2026-03-10T09:00:00Z", "2026-03-10T09:15:00Z");
        assert_eq!(refusal(&t, &ok), None);
        let own = event(
            "[TT] Stint — notes",
            "2026-03-10T09:00:00Z",
            "2026-03-10T09:15:00Z",
        );
        assert_eq!(refusal(&t, &own), Some("exported by Stint"));
        let running = event("Long", "2026-03-10T11:00:00Z", "2026-03-10T13:00:00Z");
        assert_eq!(refusal(&t, &running), Some("not over yet"));
        let old = event("Old", "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z");
        assert_eq!(refusal(&t, &old), Some("before the sync window"));
        // One that ended inside the window counts, though it started before.
        let straddling = event("Offsite", "2026-03-02T20:00:00Z", "2026-03-03T14:00:00Z");
        assert_eq!(refusal(&t, &straddling), None);
        let all_day = CalendarEvent {
            timing: EventTiming::AllDay,
            ..ok.clone()
        };
        assert_eq!(refusal(&t, &all_day), Some("all-day event"));
        let declined = CalendarEvent {
            status: EventStatus::Declined,
            ..ok.clone()
        };
        assert_eq!(refusal(&t, &declined), Some("declined"));
    }

    #[test]
    fn notes_are_the_summary() {
        let e = event(
            "  Planning  ",
            "2026-03-10T09:00:00Z",
            "2026-03-10T09:15:00Z",
        );
        assert_eq!(notes(&e), "Planning");
        let blank = event(" ", "2026-03-10T09:00:00Z", "2026-03-10T09:15:00Z");
        assert_eq!(notes(&blank), "(no title)");
    }
}
