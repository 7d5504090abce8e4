//! Writing exported time entries to a member's Outlook calendar (`POST /me/events` with a
//! `transactionId`, so a create repeated after a crash returns the event it made; `PATCH` and
//! `DELETE /me/events/{id}`).

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use stint_connectors::GatewayError;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{CalendarWriter, OutgoingEvent, WrittenEvent};

use super::events::{Graph, calendar_url};
use crate::http;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Written {
    id: String,
    #[serde(default)]
    web_link: Option<String>,
}

fn body(event: &OutgoingEvent, with_key: bool) -> serde_json::Value {
    let at = |t: chrono::DateTime<chrono::Utc>| json!({ "dateTime": t.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC" });
    let mut body = json!({
        "subject": event.summary,
        "body": { "contentType": "text", "content": event.description },
        "start": at(event.start),
        "end": at(event.end),
        "showAs": "busy",
        "isReminderOn": false
    });
    if with_key {
        body["transactionId"] = json!(event.key);
    }
    body
}

fn event_url(spec: &ProviderSpec, id: &str) -> Result<reqwest::Url, GatewayError> {
    // An event is addressed by its id alone, whichever calendar holds it.
    calendar_url(spec, "primary", &["events", id])
}

async fn written(response: reqwest::Response) -> Result<Option<WrittenEvent>, GatewayError> {
    match response.status() {
        status if status.is_success() => {
            let written: Written = http::parse(response).await?;
            Ok(Some(WrittenEvent {
                id: written.id,
                url: written.web_link,
            }))
        }
        StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
        StatusCode::TOO_MANY_REQUESTS => Err(GatewayError::RateLimited {
            retry_after: http::retry_after(&response),
            reset_at: None,
        }),
        StatusCode::FORBIDDEN => Err(GatewayError::Refused(
            "the connection may not write to this calendar; reconnect it with Calendars.ReadWrite"
                .to_owned(),
        )),
        StatusCode::BAD_REQUEST => Err(GatewayError::Refused(
            "Microsoft Graph refused the event as sent".to_owned(),
        )),
        other => Err(http::status_error(other)),
    }
}

#[async_trait::async_trait]
impl CalendarWriter for Graph {
    async fn create(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        event: &OutgoingEvent,
    ) -> Result<WrittenEvent, GatewayError> {
        let url = calendar_url(spec, calendar, &["events"])?;
        let response = self
            .http
            .post(url)
            .bearer_auth(token.expose())
            .json(&body(event, true))
            .send()
            .await
            .map_err(http::unreachable)?;
        written(response).await?.ok_or_else(|| {
            GatewayError::Refused(format!("the calendar `{calendar}` does not exist"))
        })
    }

    async fn update(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        _calendar: &str,
        id: &str,
        event: &OutgoingEvent,
    ) -> Result<Option<WrittenEvent>, GatewayError> {
        let response = self
            .http
            .patch(event_url(spec, id)?)
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
        _calendar: &str,
        id: &str,
    ) -> Result<(), GatewayError> {
        let response = self
            .http
            .delete(event_url(spec, id)?)
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
