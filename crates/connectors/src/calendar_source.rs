//! A calendar as a sync source, written once for every calendar provider.
//!
//! A run asks for what changed since the last one (Google's `syncToken`, Graph's delta link),
//! then lists the events that ended since the last run: an event that merely passed into the
//! window did not change and would otherwise never be reported. The first run, and any run after
//! the provider says the token expired (410 Gone), is a full listing of the window instead. Every
//! request follows the provider's next page; the cursor saved with each page says which step and
//! page a run is at, so a run cut short resumes where it stopped.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_api_types::providers::CalendarSettings;

use super::gateway::GatewayError;
use super::spec::ProviderSpec;
use super::{
    CalendarEvent, CalendarWriter, FreeBusy, Position, SourceConnection, SourcePage, SyncItem,
    SyncSource,
};
use crate::Secret;

/// One page of a calendar's listing.
#[derive(Debug, Default)]
pub struct Listing {
    pub events: Vec<CalendarEvent>,
    /// The next page (a token, or a link the provider gave), if there is one.
    pub next_page: Option<String>,
    /// On the last page of a full or incremental listing: what to ask the next changes with.
    pub resume: Option<String>,
}

/// Why a listing failed.
#[derive(Debug)]
pub enum ReadError {
    /// The sync token, delta link or page expired (410): list again from the start.
    Expired,
    Gateway(GatewayError),
}

impl From<GatewayError> for ReadError {
    fn from(err: GatewayError) -> Self {
        ReadError::Gateway(err)
    }
}

/// Which changes to list.
#[derive(Debug, Clone, Copy)]
pub enum Changes<'a> {
    /// Everything in the window; its last page says how to resume.
    Full {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// What changed since `resume`.
    Since(&'a str),
}

/// Reading a calendar: what a provider implements to be a calendar source.
#[async_trait::async_trait]
pub trait CalendarReader: Send + Sync {
    /// A page of changes (`page` is `None` for the first).
    async fn changes(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        changes: Changes<'_>,
        page: Option<&str>,
    ) -> Result<Listing, ReadError>;

    /// A page of the events that end after `from` and start before `to`.
    async fn window(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: Option<&str>,
    ) -> Result<Listing, ReadError>;
}

/// Everything a calendar provider implements: reading, writing, free/busy.
pub trait CalendarApi: CalendarReader + CalendarWriter + FreeBusy {}

impl<T: CalendarReader + CalendarWriter + FreeBusy> CalendarApi for T {}

/// A provider's reader as a sync source.
pub struct CalendarSource(pub Arc<dyn CalendarReader>);

/// Where a calendar's sync stands (stored as JSON).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Cursor {
    /// From the last complete listing: asks for what changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resume: Option<String>,
    /// Events that ended before this have been listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    swept_until: Option<DateTime<Utc>>,
    /// The step a run is at; none between runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<Step>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
enum Step {
    /// Changes since `resume`, or (with a window) everything in it.
    Changes {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        full: Option<(DateTime<Utc>, DateTime<Utc>)>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    /// Events ending in `(from, to]`.
    Sweep {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
}

/// A calendar connection's settings as stored.
pub fn calendar_settings(config: &serde_json::Value) -> CalendarSettings {
    // Settings were checked when stored; an unreadable value means defaults, not a failure.
    serde_json::from_value(config.clone()).unwrap_or_default()
}

fn page_of(events: Vec<CalendarEvent>, cursor: &Cursor, more: bool) -> SourcePage {
    SourcePage {
        items: events.into_iter().map(SyncItem::Event).collect(),
        cursor: serde_json::to_string(cursor).unwrap_or_default(),
        more,
        pause_until: None,
        // Calendars do not say how many events a listing holds.
        total: None,
    }
}

impl From<ReadError> for GatewayError {
    fn from(err: ReadError) -> Self {
        match err {
            ReadError::Gateway(err) => err,
            ReadError::Expired => GatewayError::Inconclusive("HTTP 410 Gone".to_owned()),
        }
    }
}

/// What one page of a run reads, and when the run started.
struct Read<'a> {
    spec: &'a ProviderSpec,
    token: &'a Secret,
    calendar: &'a str,
    run_started: DateTime<Utc>,
    window_start: DateTime<Utc>,
}

impl CalendarSource {
    async fn changes(
        &self,
        read: &Read<'_>,
        cursor: &mut Cursor,
        full: Option<(DateTime<Utc>, DateTime<Utc>)>,
        page: Option<String>,
    ) -> Result<SourcePage, GatewayError> {
        let Read {
            spec,
            token,
            calendar,
            ..
        } = *read;
        let resume = cursor.resume.clone().unwrap_or_default();
        let ask = match full {
            Some((from, to)) => Changes::Full { from, to },
            None => Changes::Since(&resume),
        };
        let listing = match self
            .0
            .changes(spec, token, calendar, ask, page.as_deref())
            .await
        {
            Ok(listing) => listing,
            Err(ReadError::Expired) => {
                // The token (or a page of the full listing) expired: the window in full, from
                // its first page. Every event goes through its link, so nothing is duplicated.
                tracing::info!(%calendar, provider = %spec.key, "the calendar's sync state expired; listing the window in full");
                let window = (read.window_start, read.run_started);
                cursor.resume = None;
                let ask = Changes::Full {
                    from: window.0,
                    to: window.1,
                };
                let listing = self.0.changes(spec, token, calendar, ask, None).await?;
                return Ok(after_changes(read, cursor, listing, Some(window)));
            }
            Err(ReadError::Gateway(err)) => return Err(err),
        };
        Ok(after_changes(read, cursor, listing, full))
    }

    async fn sweep(
        &self,
        read: &Read<'_>,
        cursor: &mut Cursor,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        page: Option<String>,
    ) -> Result<SourcePage, GatewayError> {
        let Read {
            spec,
            token,
            calendar,
            ..
        } = *read;
        let listing = match self
            .0
            .window(spec, token, calendar, from, to, page.as_deref())
            .await
        {
            Ok(listing) => listing,
            // The page expired: the (short) sweep from its start.
            Err(ReadError::Expired) => self.0.window(spec, token, calendar, from, to, None).await?,
            Err(ReadError::Gateway(err)) => return Err(err),
        };
        match listing.next_page {
            Some(next) => {
                cursor.step = Some(Step::Sweep {
                    from,
                    to,
                    page: Some(next),
                });
                Ok(page_of(listing.events, cursor, true))
            }
            None => {
                cursor.swept_until = Some(to);
                cursor.step = None;
                Ok(page_of(listing.events, cursor, false))
            }
        }
    }
}

/// Where a run goes after a page of changes: the next page, the sweep, or its end.
fn after_changes(
    read: &Read<'_>,
    cursor: &mut Cursor,
    listing: Listing,
    full: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> SourcePage {
    match listing.next_page {
        Some(next) => {
            cursor.step = Some(Step::Changes {
                full,
                page: Some(next),
            });
        }
        None => {
            cursor.resume = listing.resume.or(cursor.resume.take());
            cursor.step = match full {
                // A full listing covered the window up to its end.
                Some((_, to)) => {
                    cursor.swept_until = Some(to);
                    None
                }
                None => {
                    let from = cursor
                        .swept_until
                        .map_or(read.window_start, |swept| swept.max(read.window_start));
                    (from < read.run_started).then_some(Step::Sweep {
                        from,
                        to: read.run_started,
                        page: None,
                    })
                }
            };
        }
    }
    let more = cursor.step.is_some();
    page_of(listing.events, cursor, more)
}

#[async_trait::async_trait]
impl SyncSource for CalendarSource {
    fn kind(&self) -> &'static str {
        "calendar"
    }

    fn resources(&self, config: &serde_json::Value) -> Result<Vec<String>, String> {
        let settings = calendar_settings(config);
        // A calendar that only takes exports is not read.
        Ok(if settings.sync_direction.imports() {
            vec![settings.calendar_id]
        } else {
            Vec::new()
        })
    }

    async fn page(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        connection: &SourceConnection<'_>,
        calendar: &str,
        position: &Position<'_>,
    ) -> Result<SourcePage, GatewayError> {
        let days_back = calendar_settings(connection.config)
            .sync_days_back
            .clamp(1, 30);
        let run_started = position.run_started;
        let window_start = run_started - chrono::Duration::days(days_back);
        let mut cursor: Cursor = position
            .cursor
            .and_then(|stored| serde_json::from_str(stored).ok())
            .unwrap_or_default();
        let step = match (cursor.step.take(), &cursor.resume) {
            (Some(step), _) => step,
            (None, Some(_)) => Step::Changes {
                full: None,
                page: None,
            },
            (None, None) => Step::Changes {
                full: Some((window_start, run_started)),
                page: None,
            },
        };
        let read = Read {
            spec,
            token,
            calendar,
            run_started,
            window_start,
        };
        match step {
            Step::Changes { full, page } => self.changes(&read, &mut cursor, full, page).await,
            Step::Sweep { from, to, page } => {
                self.sweep(&read, &mut cursor, (from, to), page).await
            }
        }
    }
}
