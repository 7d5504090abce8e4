//! Calendars: events as a calendar reports them, in Stint's terms. A calendar is a sync source
//! of events; importing them as time entries is written once, in `crate::calendar`.

use chrono::{DateTime, Utc};

use super::gateway::GatewayError;
use super::spec::ProviderSpec;
use crate::Secret;

/// When an event takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTiming {
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// A whole day (or days) with no time: not a span of work.
    AllDay,
    /// Not said (a cancelled event is reported by its id alone).
    Unknown,
}

/// Where the event stands for the member whose calendar it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    Cancelled,
    /// The member declined it.
    Declined,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Unique within the calendar (one occurrence of a recurring event has its own).
    pub id: String,
    pub summary: String,
    pub timing: EventTiming,
    pub status: EventStatus,
    /// Changes whenever the event does (Google's `etag`, Graph's `changeKey`).
    pub version: Option<String>,
    pub url: Option<String>,
}

/// What Stint's own exports are titled with; an event so titled is never imported.
pub const EXPORT_PREFIX: &str = "[TT]";

/// An event Stint writes for one of its records (an exported time entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    /// Stable for the record, so a create repeated after a crash finds the event it made
    /// (Google: the event's own id; Graph: `transactionId`).
    pub key: String,
    pub summary: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The event as the calendar stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenEvent {
    pub id: String,
    pub url: Option<String>,
}

/// Writing to the member's calendar.
#[async_trait::async_trait]
pub trait CalendarWriter: Send + Sync {
    /// Creates the event, or finds the one an earlier attempt created under the same key.
    async fn create(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        event: &OutgoingEvent,
    ) -> Result<WrittenEvent, GatewayError>;

    /// `Ok(None)` when the event no longer exists at the provider.
    async fn update(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        id: &str,
        event: &OutgoingEvent,
    ) -> Result<Option<WrittenEvent>, GatewayError>;

    /// An event already gone counts as deleted.
    async fn delete(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        id: &str,
    ) -> Result<(), GatewayError>;
}

/// A span the member is busy in, as the calendar's free/busy answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Free/busy: the calendar's own answer (Google `freeBusy`, Graph `getSchedule`).
#[async_trait::async_trait]
pub trait FreeBusy: Send + Sync {
    /// `account` is the connected account (Graph asks for a schedule by its address).
    async fn busy(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        account: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Busy>, GatewayError>;
}
