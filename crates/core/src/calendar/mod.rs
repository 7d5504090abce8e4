//! Calendars, provider-neutral: importing a member's events as time entries through external
//! links. Providers only read their calendar into `connectors::CalendarEvent`s.

pub(crate) mod import;
