//! Calendars, provider-neutral: importing a member's events as time entries through external
//! links, and exporting their time entries as events. Providers only translate: events read
//! into `stint_connectors::CalendarEvent`s, entries written from `OutgoingEvent`s.

pub(crate) mod export;
pub(crate) mod import;
pub mod manager;
