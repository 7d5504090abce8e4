//! Graph's `getSchedule` for the member's own schedule: busy, tentative and away count as busy.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use stint_connectors::GatewayError;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{Busy, FreeBusy};

use super::events::Graph;
use crate::http;

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    value: Vec<Schedule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Schedule {
    #[serde(default)]
    schedule_items: Vec<Item>,
    #[serde(default)]
    error: Option<ScheduleError>,
}

#[derive(Deserialize)]
struct ScheduleError {
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    status: String,
    start: super::events::When,
    end: super::events::When,
}

#[async_trait::async_trait]
impl FreeBusy for Graph {
    async fn busy(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        _calendar: &str,
        account: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Busy>, GatewayError> {
        let Some(account) = account else {
            return Err(GatewayError::Refused(
                "the connection does not say whose schedule it is; reconnect Outlook".to_owned(),
            ));
        };
        let at = |t: DateTime<Utc>| json!({ "dateTime": t.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC" });
        let request = self
            .http
            .post(format!(
                "{}/me/calendar/getSchedule",
                spec.api_base.trim_end_matches('/')
            ))
            .header("prefer", "outlook.timezone=\"UTC\"")
            .json(&json!({
                "schedules": [account],
                "startTime": at(from),
                "endTime": at(to),
                "availabilityViewInterval": 15
            }));
        let answer: Answer = http::parse(http::send_bearer(request, token).await?).await?;
        let Some(schedule) = answer.value.into_iter().next() else {
            return Err(GatewayError::Refused(
                "Microsoft Graph returned no schedule".to_owned(),
            ));
        };
        if let Some(error) = schedule.error {
            return Err(GatewayError::Refused(format!(
                "Microsoft Graph cannot read the schedule ({})",
                error.message
            )));
        }
        Ok(schedule
            .schedule_items
            .into_iter()
            .filter(|item| matches!(item.status.as_str(), "busy" | "tentative" | "oof"))
            .filter_map(|item| {
                Some(Busy {
                    start: item.start.instant()?,
                    end: item.end.instant()?,
                })
            })
            .collect())
    }
}
