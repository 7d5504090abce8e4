//! The shape every provider follows. Core owns the provider-neutral types and one small trait per
//! capability; each provider is one module in `stint-providers` that implements the capabilities
//! it has and registers them beside its catalogue entry (`catalogue::Connector`). The webhook
//! intake, the sync engine, the notifier and connection checks reach providers only through the
//! catalogue and never name one.

pub mod account;
pub mod calendar;
pub mod calendar_source;
pub mod chat;
pub mod events;
pub mod gateway;
pub mod issues;
pub mod notify;
pub mod signature;
pub mod spec;
pub mod sync;
pub mod webhook;

pub use account::{AccountApi, Revoker};
pub use calendar::{
    Busy, CalendarEvent, CalendarWriter, EventStatus, EventTiming, FreeBusy, OutgoingEvent,
    WrittenEvent,
};
pub use calendar_source::{
    CalendarApi, CalendarReader, CalendarSource, Changes, Listing, ReadError,
};
pub use chat::ChatCommands;
pub use events::{AccessRevoked, EventReader, ExternalEvent, ExternalIssue, IssueChange};
pub use issues::{IssueRouting, IssueTracker};
pub use notify::Notifier;
pub use sync::{Position, SourceConnection, SourcePage, SyncItem, SyncSource};
pub use webhook::{Endpoint, Headers, Triage, WebhookReceiver, WebhookRequest};
