//! Google's `freeBusy` query for one calendar.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use stint_connectors::GatewayError;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{Busy, FreeBusy};

use super::events::Events;
use crate::http;

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    calendars: HashMap<String, Calendar>,
}

#[derive(Deserialize)]
struct Calendar {
    #[serde(default)]
    busy: Vec<Span>,
    #[serde(default)]
    errors: Vec<Problem>,
}

#[derive(Deserialize)]
struct Span {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    reason: String,
}

#[async_trait::async_trait]
impl FreeBusy for Events {
    async fn busy(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        calendar: &str,
        _account: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Busy>, GatewayError> {
        let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let request = self
            .http
            .post(format!("{}/freeBusy", spec.api_base.trim_end_matches('/')))
            .json(&json!({
                "timeMin": at(from),
                "timeMax": at(to),
                "timeZone": "UTC",
                "items": [{ "id": calendar }]
            }));
        let answer: Answer = http::parse(http::send_bearer(request, token).await?).await?;
        let Some(found) = answer.calendars.into_values().next() else {
            return Err(GatewayError::Refused(format!(
                "Google said nothing about the calendar `{calendar}`"
            )));
        };
        if let Some(problem) = found.errors.first() {
            // A calendar Google cannot read is unknown time, never free time.
            return Err(GatewayError::Refused(format!(
                "Google cannot read the calendar `{calendar}` ({})",
                problem.reason
            )));
        }
        Ok(found
            .busy
            .into_iter()
            .map(|s| Busy {
                start: s.start,
                end: s.end,
            })
            .collect())
    }
}
