//! Reading a member's Outlook calendar through Microsoft Graph: `calendarView/delta` over a
//! window, its `@odata.nextLink` pages and the `@odata.deltaLink` that later asks for what
//! changed (410 Gone: the delta expired); `calendarView` for a window alone. Times are asked for
//! in UTC (`Prefer: outlook.timezone="UTC"`).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde::Deserialize;
use stint_connectors::GatewayError;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{CalendarEvent, EventStatus, EventTiming};
use stint_connectors::{CalendarReader, Changes, Listing, ReadError};

use crate::http;

/// Events per page.
const PAGE_SIZE: u32 = 50;
/// How far ahead a delta reaches: changes to events up to a year out are reported.
const DELTA_AHEAD_DAYS: i64 = 365;

pub(crate) struct Graph {
    pub(super) http: reqwest::Client,
}

impl Graph {
    pub(crate) fn new(http: reqwest::Client) -> Self {
        Graph { http }
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    value: Vec<Event>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    id: String,
    #[serde(rename = "@removed")]
    removed: Option<serde_json::Value>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    is_all_day: bool,
    #[serde(default)]
    is_cancelled: bool,
    #[serde(default)]
    response_status: Option<ResponseStatus>,
    #[serde(default)]
    start: Option<When>,
    #[serde(default)]
    end: Option<When>,
    #[serde(default)]
    change_key: Option<String>,
    #[serde(default)]
    web_link: Option<String>,
}

#[derive(Deserialize)]
struct ResponseStatus {
    #[serde(default)]
    response: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct When {
    date_time: String,
    #[serde(default)]
    time_zone: Option<String>,
}

impl When {
    /// Graph's `2026-01-02T09:00:00.0000000` in the named zone (UTC when asked for).
    pub(super) fn instant(&self) -> Option<DateTime<Utc>> {
        let local = NaiveDateTime::parse_from_str(&self.date_time, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
        match self.time_zone.as_deref().unwrap_or("UTC") {
            "UTC" | "Etc/UTC" | "tzone://Microsoft/Utc" => Some(Utc.from_utc_datetime(&local)),
            zone => {
                let zone: chrono_tz::Tz = zone.parse().ok()?;
                // A time in a DST gap does not exist; in an overlap the earlier is taken.
                Some(
                    zone.from_local_datetime(&local)
                        .earliest()?
                        .with_timezone(&Utc),
                )
            }
        }
    }
}

impl Event {
    fn into_event(self) -> CalendarEvent {
        let declined = self
            .response_status
            .as_ref()
            .is_some_and(|r| r.response == "declined");
        let status = if self.removed.is_some() || self.is_cancelled {
            EventStatus::Cancelled
        } else if declined {
            EventStatus::Declined
        } else {
            EventStatus::Confirmed
        };
        let timing = if self.is_all_day {
            EventTiming::AllDay
        } else {
            match (
                self.start.as_ref().and_then(When::instant),
                self.end.as_ref().and_then(When::instant),
            ) {
                (Some(start), Some(end)) => EventTiming::Timed { start, end },
                _ => EventTiming::Unknown,
            }
        };
        CalendarEvent {
            id: self.id,
            summary: self.subject.unwrap_or_default(),
            timing,
            status,
            version: self.change_key,
            url: self.web_link,
        }
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `{api}/me/{rest}` for the default calendar, `{api}/me/calendars/{id}/{rest}` for another.
pub(super) fn calendar_url(
    spec: &ProviderSpec,
    calendar: &str,
    rest: &[&str],
) -> Result<reqwest::Url, GatewayError> {
    let chosen: &[&str] = if calendar == "primary" {
        &[]
    } else {
        &["calendars", calendar]
    };
    http::api_url(
        spec,
        std::iter::once("me")
            .chain(chosen.iter().copied())
            .chain(rest.iter().copied()),
    )
}

impl Graph {
    /// A link Graph gave (next page, delta): followed only to Graph's own API, so the token
    /// never travels elsewhere.
    fn own_link(spec: &ProviderSpec, link: &str) -> Result<reqwest::Url, GatewayError> {
        let base = spec.api_base.trim_end_matches('/');
        if !link.starts_with(&format!("{base}/")) {
            return Err(GatewayError::Refused(format!(
                "Microsoft Graph's next page points outside its API ({})",
                link.split('?').next().unwrap_or_default()
            )));
        }
        reqwest::Url::parse(link).map_err(|e| GatewayError::Refused(format!("a bad link: {e}")))
    }

    async fn get(&self, token: &Secret, url: reqwest::Url) -> Result<Listing, ReadError> {
        let response = self
            .http
            .get(url)
            .bearer_auth(token.expose())
            .header(
                "prefer",
                format!("outlook.timezone=\"UTC\", odata.maxpagesize={PAGE_SIZE}"),
            )
            .send()
            .await
            .map_err(http::unreachable)?;
        let status = response.status();
        if status.is_success() {
            let answer: Answer = http::parse(response).await?;
            return Ok(Listing {
                events: answer.value.into_iter().map(Event::into_event).collect(),
                next_page: answer.next_link,
                resume: answer.delta_link,
            });
        }
        let retry_after = http::retry_after(&response);
        Err(match status {
            StatusCode::GONE => ReadError::Expired,
            StatusCode::TOO_MANY_REQUESTS => ReadError::Gateway(GatewayError::RateLimited {
                retry_after,
                reset_at: None,
            }),
            StatusCode::SERVICE_UNAVAILABLE if retry_after.is_some() => {
                ReadError::Gateway(GatewayError::RateLimited {
                    retry_after,
                    reset_at: None,
                })
            }
            StatusCode::NOT_FOUND => ReadError::Gateway(GatewayError::Refused(
                "the calendar does not exist or the connection cannot see it".to_owned(),
            )),
            StatusCode::FORBIDDEN => ReadError::Gateway(GatewayError::Refused(
                "the connection may not read this calendar".to_owned(),
            )),
            other => ReadError::Gateway(http::status_error(other)),
        })
    }
}

#[async_trait::async_trait]
impl CalendarReader for Graph {
    async fn changes(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        changes: Changes<'_>,
        page: Option<&str>,
    ) -> Result<Listing, ReadError> {
        let url = match (page, changes) {
            (Some(link), _) | (None, Changes::Since(link)) => Self::own_link(spec, link)?,
            (None, Changes::Full { from, to }) => {
                let mut url = calendar_url(spec, calendar, &["calendarView", "delta"])?;
                let ahead = to + chrono::Duration::days(DELTA_AHEAD_DAYS);
                url.query_pairs_mut()
                    .append_pair("startDateTime", &rfc3339(from))
                    .append_pair("endDateTime", &rfc3339(ahead));
                url
            }
        };
        self.get(token, url).await
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
        let url = match page {
            Some(link) => Self::own_link(spec, link)?,
            None => {
                let mut url = calendar_url(spec, calendar, &["calendarView"])?;
                url.query_pairs_mut()
                    .append_pair("startDateTime", &rfc3339(from))
                    .append_pair("endDateTime", &rfc3339(to))
                    .append_pair("$top", &PAGE_SIZE.to_string());
                url
            }
        };
        let mut listing = self.get(token, url).await?;
        listing.resume = None;
        Ok(listing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> CalendarEvent {
        serde_json::from_value::<Event>(json).unwrap().into_event()
    }

    #[test]
    fn events_read_as_graph_sends_them() {
        let timed = event(serde_json::json!({
            "@odata.type": "#microsoft.graph.event",
            "@odata.etag": "W/\"EZ9r3czxY0m2jz8c45czkwAAFXcvIw==\"",
            "id": "AAMkAGI2TGuLAAA=", "changeKey": "EZ9r3czxY0m2jz8c45czkwAAFXcvIw==",
            "subject": "Standup", "isAllDay": false, "isCancelled": false, "showAs": "busy",
            "responseStatus": { "response": "organizer", "time": "0001-01-01T00:00:00Z" },
            "start": { "dateTime": "2026-01-02T09:00:00.0000000", "timeZone": "UTC" },
            "end": { "dateTime": "2026-01-02T09:15:00.0000000", "timeZone": "UTC" },
            "webLink": "https://outlook.office365.com/owa/?itemid=AAMkAGI2TGuLAAA%3D"
        }));
        assert_eq!(timed.status, EventStatus::Confirmed);
        assert_eq!(
            timed.timing,
            EventTiming::Timed {
                start: "2026-01-02T09:00:00Z".parse().unwrap(),
                end: "2026-01-02T09:15:00Z".parse().unwrap(),
            }
        );
        let removed = event(
            serde_json::json!({ "@odata.type": "#microsoft.graph.event", "id": "AAMk=", "@removed": { "reason": "deleted" } }),
        );
        assert_eq!(removed.status, EventStatus::Cancelled);
        let declined = event(serde_json::json!({
            "id": "x", "subject": "Offsite", "isAllDay": false,
            "responseStatus": { "response": "declined", "time": "2026-01-01T10:00:00Z" },
            "start": { "dateTime": "2026-01-03T09:00:00.0000000", "timeZone": "UTC" },
            "end": { "dateTime": "2026-01-03T12:00:00.0000000", "timeZone": "UTC" }
        }));
        assert_eq!(declined.status, EventStatus::Declined);
        // When Graph ignores the time zone asked for: the zone it names, DST included.
        let berlin = event(serde_json::json!({
            "id": "b", "subject": "Late", "isAllDay": false,
            "start": { "dateTime": "2026-03-29T01:30:00.0000000", "timeZone": "Europe/Berlin" },
            "end": { "dateTime": "2026-03-29T03:30:00.0000000", "timeZone": "Europe/Berlin" }
        }));
        let EventTiming::Timed { start, end } = berlin.timing else {
            panic!("timed: {berlin:?}");
        };
        assert_eq!(end - start, chrono::Duration::hours(1));
    }
}
