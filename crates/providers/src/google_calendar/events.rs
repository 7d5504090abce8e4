//! A member's Google calendar as a sync source (`events.list`, recurring events expanded).
//!
//! A run first asks for what changed since the last one (`syncToken`), then lists the events
//! that ended since the last run (`timeMin`/`timeMax`): an event that merely passed into the
//! window did not change and would otherwise never be reported. The first run, and any run after
//! Google answers **410 Gone** (the token expired), is a full listing of the window instead.
//! Every request follows `nextPageToken`; the cursor saved with each page says which step and
//! page a run is at, so a run cut short resumes where it stopped.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use stint_api_types::providers::CalendarSettings;
use stint_core::Secret;
use stint_core::catalogue::ProviderSpec;
use stint_core::connectors::{
    CalendarEvent, EventStatus, EventTiming, Position, SourceConnection, SourcePage, SyncItem,
    SyncSource,
};
use stint_core::integrations::gateway::GatewayError;

use crate::http;

/// Events per page: Google's own default is 250, its most 2500.
const PAGE_SIZE: &str = "250";

pub(crate) struct Events {
    pub(super) http: reqwest::Client,
}

impl Events {
    pub(crate) fn new(http: reqwest::Client) -> Self {
        Events { http }
    }
}

/// Where a calendar's sync stands (stored as JSON).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Cursor {
    /// From the last complete listing: asks for what changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sync_token: Option<String>,
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
    /// What changed since `sync_token`.
    Changes { page_token: Option<String> },
    /// Events ending in `(from, to]`; a full listing keeps the sync token it ends with.
    Sweep {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page_token: Option<String>,
        full: bool,
    },
}

/// What to ask Google for.
enum Query<'a> {
    Changes {
        sync_token: &'a str,
        page_token: Option<&'a str>,
    },
    Window {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page_token: Option<&'a str>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listing {
    #[serde(default)]
    items: Vec<Event>,
    next_page_token: Option<String>,
    next_sync_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    start: Option<When>,
    #[serde(default)]
    end: Option<When>,
    #[serde(default)]
    attendees: Vec<Attendee>,
    #[serde(default)]
    etag: Option<String>,
    #[serde(default)]
    html_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct When {
    /// RFC 3339 with an offset, for a timed event.
    date_time: Option<DateTime<chrono::FixedOffset>>,
    /// `YYYY-MM-DD`, for an all-day event.
    date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attendee {
    #[serde(default, rename = "self")]
    is_self: bool,
    #[serde(default)]
    response_status: Option<String>,
}

impl Event {
    fn into_item(self) -> SyncItem {
        let declined = self
            .attendees
            .iter()
            .any(|a| a.is_self && a.response_status.as_deref() == Some("declined"));
        let status = match self.status.as_deref() {
            Some("cancelled") => EventStatus::Cancelled,
            _ if declined => EventStatus::Declined,
            _ => EventStatus::Confirmed,
        };
        let timing = match (&self.start, &self.end) {
            (Some(When { date: Some(_), .. }), _) => EventTiming::AllDay,
            (
                Some(When {
                    date_time: Some(start),
                    ..
                }),
                Some(When {
                    date_time: Some(end),
                    ..
                }),
            ) => EventTiming::Timed {
                start: start.with_timezone(&Utc),
                end: end.with_timezone(&Utc),
            },
            _ => EventTiming::Unknown,
        };
        SyncItem::Event(CalendarEvent {
            id: self.id,
            summary: self.summary.unwrap_or_default(),
            timing,
            status,
            version: self.etag,
            url: self.html_link,
        })
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    errors: Vec<ErrorReason>,
}

#[derive(Deserialize)]
struct ErrorReason {
    #[serde(default)]
    reason: String,
}

/// Why a listing failed.
enum ListError {
    /// 410: the sync token expired; a full listing is needed.
    Gone,
    Gateway(GatewayError),
}

impl From<GatewayError> for ListError {
    fn from(err: GatewayError) -> Self {
        ListError::Gateway(err)
    }
}

fn settings(config: &serde_json::Value) -> CalendarSettings {
    // Settings were checked when stored; an unreadable value means defaults, not a failure.
    serde_json::from_value(config.clone()).unwrap_or_default()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Events {
    async fn list(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        query: Query<'_>,
    ) -> Result<Listing, ListError> {
        let url = events_url(spec, calendar, None)?;
        let mut params = vec![
            ("singleEvents", "true".to_owned()),
            ("maxResults", PAGE_SIZE.to_owned()),
        ];
        let page_token = match query {
            Query::Changes {
                sync_token,
                page_token,
            } => {
                params.push(("syncToken", sync_token.to_owned()));
                page_token
            }
            Query::Window {
                from,
                to,
                page_token,
            } => {
                params.push(("timeMin", rfc3339(from)));
                params.push(("timeMax", rfc3339(to)));
                page_token
            }
        };
        if let Some(page) = page_token {
            params.push(("pageToken", page.to_owned()));
        }
        let response = self
            .http
            .get(url)
            .query(&params)
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(http::unreachable)?;
        let status = response.status();
        if status.is_success() {
            return Ok(http::parse(response).await?);
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.trim().parse().ok())
            .map(std::time::Duration::from_secs);
        let reasons: Vec<String> = response
            .json::<ErrorBody>()
            .await
            .map(|body| body.error.errors.into_iter().map(|e| e.reason).collect())
            .unwrap_or_default();
        let rate_limited = reasons
            .iter()
            .any(|r| r == "rateLimitExceeded" || r == "userRateLimitExceeded");
        Err(match status {
            StatusCode::GONE => ListError::Gone,
            StatusCode::TOO_MANY_REQUESTS => ListError::Gateway(GatewayError::RateLimited {
                retry_after,
                reset_at: None,
            }),
            // Google answers a spent per-user or per-project quota with 403.
            StatusCode::FORBIDDEN if rate_limited => {
                ListError::Gateway(GatewayError::RateLimited {
                    retry_after,
                    reset_at: None,
                })
            }
            StatusCode::NOT_FOUND => ListError::Gateway(GatewayError::Refused(format!(
                "the calendar `{calendar}` does not exist or the connection cannot see it"
            ))),
            StatusCode::FORBIDDEN => ListError::Gateway(GatewayError::Refused(format!(
                "the connection may not read the calendar `{calendar}`"
            ))),
            other => ListError::Gateway(http::status_error(other)),
        })
    }
}

/// `{api}/calendars/{calendar}/events[/{id}]`, each part escaped (calendar ids hold `@`, `#`).
pub(super) fn events_url(
    spec: &ProviderSpec,
    calendar: &str,
    event: Option<&str>,
) -> Result<reqwest::Url, GatewayError> {
    let mut url = reqwest::Url::parse(&spec.api_base)
        .map_err(|e| GatewayError::Refused(format!("the API address is not a URL: {e}")))?;
    {
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| GatewayError::Refused("the API address cannot take a path".into()))?;
        segments
            .pop_if_empty()
            .extend(["calendars", calendar, "events"]);
        if let Some(event) = event {
            segments.push(event);
        }
    }
    Ok(url)
}

/// Where a full listing of the window starts.
fn full_sweep(window_start: DateTime<Utc>, run_started: DateTime<Utc>) -> Step {
    Step::Sweep {
        from: window_start,
        to: run_started,
        page_token: None,
        full: true,
    }
}

fn page_of(listing_items: Vec<Event>, cursor: &Cursor, more: bool) -> SourcePage {
    SourcePage {
        items: listing_items.into_iter().map(Event::into_item).collect(),
        cursor: serde_json::to_string(cursor).unwrap_or_default(),
        more,
        pause_until: None,
        // Google does not say how many events a listing holds.
        total: None,
    }
}

#[async_trait::async_trait]
impl SyncSource for Events {
    fn kind(&self) -> &'static str {
        "calendar"
    }

    fn resources(&self, config: &serde_json::Value) -> Result<Vec<String>, String> {
        let settings = settings(config);
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
        let days_back = settings(connection.config).sync_days_back.clamp(1, 30);
        let run_started = position.run_started;
        let window_start = run_started - chrono::Duration::days(days_back);
        let mut cursor: Cursor = position
            .cursor
            .and_then(|stored| serde_json::from_str(stored).ok())
            .unwrap_or_default();
        let step = match (cursor.step.take(), &cursor.sync_token) {
            (Some(step), _) => step,
            (None, Some(_)) => Step::Changes { page_token: None },
            (None, None) => full_sweep(window_start, run_started),
        };
        let step = match step {
            Step::Changes { page_token } => {
                let sync_token = cursor.sync_token.clone().unwrap_or_default();
                let query = Query::Changes {
                    sync_token: &sync_token,
                    page_token: page_token.as_deref(),
                };
                match self.list(spec, token, calendar, query).await {
                    Ok(listing) => {
                        match listing.next_page_token {
                            Some(next) => {
                                cursor.step = Some(Step::Changes {
                                    page_token: Some(next),
                                })
                            }
                            None => {
                                cursor.sync_token = listing.next_sync_token.or(Some(sync_token));
                                let from = cursor
                                    .swept_until
                                    .map_or(window_start, |swept| swept.max(window_start));
                                cursor.step = (from < run_started).then_some(Step::Sweep {
                                    from,
                                    to: run_started,
                                    page_token: None,
                                    full: false,
                                });
                            }
                        }
                        let more = cursor.step.is_some();
                        if !more {
                            cursor.swept_until = Some(run_started);
                        }
                        return Ok(page_of(listing.items, &cursor, more));
                    }
                    Err(ListError::Gone) => {
                        tracing::info!(%calendar, "Google's sync token expired; listing the window in full");
                        cursor.sync_token = None;
                        full_sweep(window_start, run_started)
                    }
                    Err(ListError::Gateway(err)) => return Err(err),
                }
            }
            sweep => sweep,
        };
        let Step::Sweep {
            from,
            to,
            page_token,
            full,
        } = step
        else {
            return Err(GatewayError::Refused("the sync lost its place".to_owned()));
        };
        let query = Query::Window {
            from,
            to,
            page_token: page_token.as_deref(),
        };
        let listing = match self.list(spec, token, calendar, query).await {
            Ok(listing) => listing,
            Err(ListError::Gateway(err)) => return Err(err),
            // A page token of a window listing expired: start the listing again.
            Err(ListError::Gone) => {
                let restart = Query::Window {
                    from,
                    to,
                    page_token: None,
                };
                self.list(spec, token, calendar, restart)
                    .await
                    .map_err(|err| match err {
                        ListError::Gateway(err) => err,
                        ListError::Gone => GatewayError::Inconclusive("HTTP 410 Gone".into()),
                    })?
            }
        };
        match listing.next_page_token {
            Some(next) => {
                cursor.step = Some(Step::Sweep {
                    from,
                    to,
                    page_token: Some(next),
                    full,
                });
                Ok(page_of(listing.items, &cursor, true))
            }
            None => {
                if full {
                    cursor.sync_token = listing.next_sync_token;
                }
                cursor.swept_until = Some(to);
                cursor.step = None;
                Ok(page_of(listing.items, &cursor, false))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(json: serde_json::Value) -> CalendarEvent {
        match serde_json::from_value::<Event>(json).unwrap().into_item() {
            SyncItem::Event(event) => event,
            other => panic!("not an event: {other:?}"),
        }
    }

    #[test]
    fn events_read_as_google_sends_them() {
        let timed = item(serde_json::json!({
            "kind": "calendar#event", "etag": "\"3181161784712000\"", "id": "abc_20260310T090000Z",
            "status": "confirmed", "htmlLink": "https://www.google.com/calendar/event?eid=abc",
            "summary": "Standup",
            "start": { "dateTime": "2026-03-10T10:00:00+01:00", "timeZone": "Europe/Berlin" },
            "end": { "dateTime": "2026-03-10T10:15:00+01:00", "timeZone": "Europe/Berlin" },
            "attendees": [{ "email": "me@example.com", "self": true, "responseStatus": "accepted" }]
        }));
        assert_eq!(timed.status, EventStatus::Confirmed);
        assert_eq!(
            timed.timing,
            EventTiming::Timed {
                start: "2026-03-10T09:00:00Z".parse().unwrap(),
                end: "2026-03-10T09:15:00Z".parse().unwrap(),
            }
        );
        let all_day = item(serde_json::json!({
            "id": "d", "status": "confirmed", "start": { "date": "2026-03-10" }, "end": { "date": "2026-03-11" }
        }));
        assert_eq!(all_day.timing, EventTiming::AllDay);
        let declined = item(serde_json::json!({
            "id": "x", "status": "confirmed",
            "start": { "dateTime": "2026-03-10T10:00:00Z" }, "end": { "dateTime": "2026-03-10T11:00:00Z" },
            "attendees": [{ "email": "other@example.com", "responseStatus": "accepted" },
                          { "email": "me@example.com", "self": true, "responseStatus": "declined" }]
        }));
        assert_eq!(declined.status, EventStatus::Declined);
        // Across Berlin's spring change (02:00 → 03:00) the offsets differ: one hour, not two.
        let across_dst = item(serde_json::json!({
            "id": "dst", "status": "confirmed",
            "start": { "dateTime": "2026-03-29T01:30:00+01:00", "timeZone": "Europe/Berlin" },
            "end": { "dateTime": "2026-03-29T03:30:00+02:00", "timeZone": "Europe/Berlin" }
        }));
        let EventTiming::Timed { start, end } = across_dst.timing else {
            panic!("timed: {across_dst:?}");
        };
        assert_eq!(end - start, chrono::Duration::hours(1));
        // An incremental listing names a cancelled event by its id alone.
        let cancelled = item(
            serde_json::json!({ "kind": "calendar#event", "id": "gone", "status": "cancelled" }),
        );
        assert_eq!(cancelled.status, EventStatus::Cancelled);
        assert_eq!(cancelled.timing, EventTiming::Unknown);
    }
}
