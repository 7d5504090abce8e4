//! Writing a member's exported time entries to their Google calendar (`events.insert`,
//! `events.update`, `events.delete`). The event id is chosen by Stint (the entry's id, which is
//! valid base32hex), so an insert repeated after a crash meets `409 duplicate` and updates the
//! event it made instead of making a second.

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use stint_connectors::GatewayError;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{CalendarWriter, OutgoingEvent, WrittenEvent};

use super::events::{Events, events_url};
use crate::http;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Written {
    id: String,
    #[serde(default)]
    html_link: Option<String>,
}

impl From<Written> for WrittenEvent {
    fn from(written: Written) -> Self {
        WrittenEvent {
            id: written.id,
            url: written.html_link,
        }
    }
}

fn body(event: &OutgoingEvent, with_id: bool) -> serde_json::Value {
    let at = |t: chrono::DateTime<chrono::Utc>| json!({ "dateTime": t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "timeZone": "UTC" });
    let mut body = json!({
        "summary": event.summary,
        "description": event.description,
        "start": at(event.start),
        "end": at(event.end),
        "transparency": "opaque",
        "extendedProperties": { "private": { "stint": "time_entry" } }
    });
    if with_id {
        body["id"] = json!(event.key);
    }
    body
}

/// Anything but success, classified; `None` for an event that is gone (404, 410).
async fn written(response: reqwest::Response) -> Result<Option<WrittenEvent>, GatewayError> {
    match response.status() {
        status if status.is_success() => Ok(Some(http::parse::<Written>(response).await?.into())),
        StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
        StatusCode::TOO_MANY_REQUESTS => Err(GatewayError::RateLimited {
            retry_after: None,
            reset_at: None,
        }),
        // Google answers a spent quota with 403 and says so in the body.
        StatusCode::FORBIDDEN => {
            let text = response.text().await.unwrap_or_default();
            if text.contains("ateLimitExceeded") {
                Err(GatewayError::RateLimited {
                    retry_after: None,
                    reset_at: None,
                })
            } else {
                Err(GatewayError::Refused(
                    "the connection may not write to this calendar; reconnect it with calendar access"
                        .to_owned(),
                ))
            }
        }
        StatusCode::BAD_REQUEST => Err(GatewayError::Refused(
            "Google refused the event as sent".to_owned(),
        )),
        other => Err(http::status_error(other)),
    }
}

#[async_trait::async_trait]
impl CalendarWriter for Events {
    async fn create(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        event: &OutgoingEvent,
    ) -> Result<WrittenEvent, GatewayError> {
        let response = self
            .http
            .post(events_url(spec, calendar, None)?)
            .bearer_auth(token.expose())
            .json(&body(event, true))
            .send()
            .await
            .map_err(http::unreachable)?;
        if response.status() == StatusCode::CONFLICT {
            // Made by an earlier attempt whose link was never written.
            return self
                .update(spec, token, calendar, &event.key, event)
                .await?
                .ok_or_else(|| {
                    GatewayError::Refused("the event was deleted in the calendar".to_owned())
                });
        }
        written(response).await?.ok_or_else(|| {
            GatewayError::Refused(format!("the calendar `{calendar}` does not exist"))
        })
    }

    async fn update(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        id: &str,
        event: &OutgoingEvent,
    ) -> Result<Option<WrittenEvent>, GatewayError> {
        let response = self
            .http
            .put(events_url(spec, calendar, Some(id))?)
            .bearer_auth(token.expose())
            .json(&body(event, false))
            .send()
            .await
            .map_err(http::unreachable)?;
        written(response).await
    }

    async fn delete(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        id: &str,
    ) -> Result<(), GatewayError> {
        let response = self
            .http
            .delete(events_url(spec, calendar, Some(id))?)
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(http::unreachable)?;
        match response.status() {
            status if status.is_success() => Ok(()),
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(()),
            _ => written(response).await.map(|_| ()),
        }
    }
}
