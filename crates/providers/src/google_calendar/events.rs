//! Reading a member's Google calendar (`events.list`, recurring events expanded): a full listing
//! of a window (`timeMin`/`timeMax`) ends with a `nextSyncToken`, which later asks for what
//! changed (`syncToken`); **410 Gone** says the token expired. Pages follow `nextPageToken`, sent
//! with the same query it continues. The steps of a run are core's (`calendar::CalendarSource`).

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::Deserialize;
use stint_connectors::GatewayError;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{CalendarEvent, EventStatus, EventTiming};
use stint_connectors::{CalendarReader, Changes, Listing, ReadError};

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
struct Answer {
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
    fn into_event(self) -> CalendarEvent {
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
        CalendarEvent {
            id: self.id,
            summary: self.summary.unwrap_or_default(),
            timing,
            status,
            version: self.etag,
            url: self.html_link,
        }
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
    ) -> Result<Answer, ReadError> {
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
        let retry_after = http::retry_after(&response);
        let reasons: Vec<String> = response
            .json::<ErrorBody>()
            .await
            .map(|body| body.error.errors.into_iter().map(|e| e.reason).collect())
            .unwrap_or_default();
        let rate_limited = reasons
            .iter()
            .any(|r| r == "rateLimitExceeded" || r == "userRateLimitExceeded");
        Err(match status {
            StatusCode::GONE => ReadError::Expired,
            StatusCode::TOO_MANY_REQUESTS => ReadError::Gateway(GatewayError::RateLimited {
                retry_after,
                reset_at: None,
            }),
            // Google answers a spent per-user or per-project quota with 403.
            StatusCode::FORBIDDEN if rate_limited => {
                ReadError::Gateway(GatewayError::RateLimited {
                    retry_after,
                    reset_at: None,
                })
            }
            StatusCode::NOT_FOUND => ReadError::Gateway(GatewayError::Refused(format!(
                "the calendar `{calendar}` does not exist or the connection cannot see it"
            ))),
            StatusCode::FORBIDDEN => ReadError::Gateway(GatewayError::Refused(format!(
                "the connection may not read the calendar `{calendar}`"
            ))),
            other => ReadError::Gateway(http::status_error(other)),
        })
    }
}

/// `{api}/calendars/{calendar}/events[/{id}]`.
pub(super) fn events_url(
    spec: &ProviderSpec,
    calendar: &str,
    event: Option<&str>,
) -> Result<reqwest::Url, GatewayError> {
    http::api_url(
        spec,
        ["calendars", calendar, "events"].into_iter().chain(event),
    )
}

impl Answer {
    fn into_listing(self) -> Listing {
        Listing {
            events: self.items.into_iter().map(Event::into_event).collect(),
            next_page: self.next_page_token,
            resume: self.next_sync_token,
        }
    }
}

#[async_trait::async_trait]
impl CalendarReader for Events {
    async fn changes(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        changes: Changes<'_>,
        page: Option<&str>,
    ) -> Result<Listing, ReadError> {
        let query = match changes {
            Changes::Full { from, to } => Query::Window {
                from,
                to,
                page_token: page,
            },
            Changes::Since(sync_token) => Query::Changes {
                sync_token,
                page_token: page,
            },
        };
        Ok(self
            .list(spec, token, calendar, query)
            .await?
            .into_listing())
    }

    async fn window(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: Option<&str>,
    ) -> Result<Listing, ReadError> {
        let query = Query::Window {
            from,
            to,
            page_token: page,
        };
        let mut listing = self
            .list(spec, token, calendar, query)
            .await?
            .into_listing();
        // Only a full listing's token is kept; a sweep's would narrow later changes to it.
        listing.resume = None;
        Ok(listing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(json: serde_json::Value) -> CalendarEvent {
        serde_json::from_value::<Event>(json).unwrap().into_event()
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
