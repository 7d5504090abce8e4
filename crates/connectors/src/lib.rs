//! The contract between Stint and its providers. Each provider is one module in
//! `stint-providers` that implements the capabilities it has (one small trait each) and
//! registers them on its catalogue entry (`Connector`); core's webhook intake, sync engine,
//! notifier and connection checks reach providers only through the catalogue and never name one.
//! Everything is named from the crate root, except the signature primitives (`signature::…`).

mod account;
mod calendar;
mod calendar_source;
mod catalogue;
mod chat;
mod env;
mod events;
mod gateway;
mod issues;
mod notify;
mod secret;
pub mod signature;
mod spec;
mod sync;
mod webhook;

pub use account::{AccountApi, Revoker};
pub use calendar::{
    Busy, CalendarEvent, CalendarWriter, EXPORT_PREFIX, EventStatus, EventTiming, FreeBusy,
    OutgoingEvent, WrittenEvent,
};
pub use calendar_source::{
    CalendarApi, CalendarReader, CalendarSource, Changes, Listing, ReadError, calendar_settings,
};
pub use catalogue::{Catalogue, Connector, Providers};
pub use chat::{ChatCommand, ChatCommands};
pub use env::ProviderEnv;
pub use events::{AccessRevoked, EventReader, ExternalEvent, ExternalIssue, IssueChange};
pub use gateway::{AccountIdentity, AppCredentials, GatewayError, OAuthClient, TokenGrant};
pub use issues::{IssueRouting, IssueTracker};
pub use notify::Notifier;
pub use secret::Secret;
pub use spec::{Handles, ModeRule, ProviderSpec};
pub use sync::{Position, SourceConnection, SourcePage, SyncItem, SyncSource};
pub use webhook::{
    Claimed, Endpoint, Headers, Malformed, SignatureError, SigningKey, Triage, WebhookReceiver,
    WebhookRequest,
};
