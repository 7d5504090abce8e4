//! Calendars, provider-neutral: importing a member's events as time entries through external
//! links, and exporting their time entries as events. Providers only translate: events read
//! into `connectors::CalendarEvent`s, entries written from `connectors::OutgoingEvent`s.

pub(crate) mod export;
pub(crate) mod import;
pub mod manager;
pub use crate::connectors::calendar_source as source;

pub use source::{CalendarApi, CalendarReader, CalendarSource, Changes, Listing, ReadError};
