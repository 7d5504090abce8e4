//! The calendar manager: events of a member's connected calendars, free/busy, conflicts, and
//! calendar events made for Stint's own records. Every time is RFC 3339 with an offset.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::providers::ProviderKey;
use crate::tracking::TimeEntry;

/// A span of time: `start` before `end`, at most 62 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimeSpan {
    /// RFC 3339 with an offset, such as `2026-03-29T09:00:00+02:00`.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One event of a member's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct CalendarEventItem {
    pub provider: ProviderKey,
    pub id: String,
    pub summary: String,
    /// Absent for an all-day event.
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub all_day: bool,
    /// The member declined it.
    pub declined: bool,
    pub url: Option<String>,
}

/// A calendar that could not be read: its time is unknown, not free.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct UnreadableCalendar {
    pub provider: ProviderKey,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct CalendarEvents {
    pub events: Vec<CalendarEventItem>,
    /// Calendars that could not be read; their events are missing from `events`.
    pub unreadable: Vec<UnreadableCalendar>,
}

/// A busy span; `providers` says whose calendars hold it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct BusyInterval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub providers: Vec<ProviderKey>,
}

/// Free/busy merged across the member's calendars.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct FreeBusyAnswer {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Merged: overlapping spans of any calendar become one.
    pub busy: Vec<BusyInterval>,
    /// Calendars that could not be read: the whole span is unknown for them.
    pub unknown: Vec<UnreadableCalendar>,
}

/// What overlaps a span someone wants to plan.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ConflictsAnswer {
    /// `false` only when every calendar was read and nothing overlaps.
    pub conflict: bool,
    pub busy: Vec<BusyInterval>,
    /// The member's own time entries that overlap.
    pub entries: Vec<TimeEntry>,
    /// The member's planned blocks that overlap.
    pub planned: Vec<PlannedBlock>,
    pub unknown: Vec<UnreadableCalendar>,
}

/// What kind of record a calendar event is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CalendarEntityType {
    TimeEntry,
    PlannedBlock,
}

/// Time set aside, as a planned block holds it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedBlockInput {
    /// 1–200 characters.
    #[schema(schema_with = crate::schema::name::<200>)]
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A planned block of yours.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct PlannedBlock {
    pub id: Uuid,
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Make a calendar event for one of your records: an existing time entry (`entity_id`), or a
/// new planned block (`block`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCalendarEvent {
    pub entity_type: CalendarEntityType,
    /// The time entry; not given for a new planned block.
    #[serde(default)]
    pub entity_id: Option<Uuid>,
    /// The planned block to make; only with `entity_type: planned_block`.
    #[serde(default)]
    pub block: Option<PlannedBlockInput>,
    /// Which of your calendars; needed only when you connected more than one.
    #[serde(default)]
    pub provider: Option<ProviderKey>,
}

/// Bring a record's event up to date; a planned block may be changed at the same time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCalendarEvent {
    /// New title and times of a planned block.
    #[serde(default)]
    pub block: Option<PlannedBlockInput>,
}

/// Which calendar, for an update or delete (when you connected more than one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarChoice {
    pub provider: Option<ProviderKey>,
}

/// A record and the calendar event made for it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct LinkedCalendarEvent {
    pub provider: ProviderKey,
    pub entity_type: CalendarEntityType,
    pub entity_id: Uuid,
    pub event_id: String,
    pub url: Option<String>,
}
