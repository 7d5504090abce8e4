//! Google Calendar: the catalogue entry, the connected account (the primary calendar's id is its
//! email), `calendarList` as the test call, and the member's calendar as a sync source of events.

mod events;
mod free_busy;
mod writer;

use std::sync::Arc;

use serde::Deserialize;
use stint_api_types::providers::{Capability, ProviderKey};
use stint_connectors::AccountApi;
use stint_connectors::Secret;
use stint_connectors::{AccountIdentity, GatewayError};
use stint_connectors::{Connector, ModeRule, ProviderSpec};

use crate::http;
use crate::spec::oauth;

pub(crate) fn connector(http: &reqwest::Client) -> Connector {
    let spec = ProviderSpec {
        revoke_url: Some("https://oauth2.googleapis.com/revoke".to_owned()),
        // The least that reads and writes events; the account's address comes from the primary
        // calendar's id, so no profile scope is asked for.
        default_scopes: vec![
            "https://www.googleapis.com/auth/calendar.readonly",
            "https://www.googleapis.com/auth/calendar.events",
        ],
        capabilities: vec![Capability::Calendar],
        // A calendar is a person's own.
        modes: ModeRule::PersonalOnly,
        // Without these Google returns no refresh token on a repeated consent.
        extra_authorize_params: vec![
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("include_granted_scopes", "true"),
        ],
        entry_source: stint_api_types::tracking::TimeEntrySource::GoogleCalendar,
        ..oauth(
            ProviderKey::GoogleCalendar,
            "Google Calendar",
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            "https://www.googleapis.com/calendar/v3",
        )
    };
    http::standard(http, spec, Arc::new(Account { http: http.clone() }))
        .with_calendar(Arc::new(events::Events::new(http.clone())))
}

struct Account {
    http: reqwest::Client,
}

#[async_trait::async_trait]
impl AccountApi for Account {
    async fn identity(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        let url = format!("{}/calendars/primary", spec.api_base);
        let calendar: Calendar = http::get_json(&self.http, url, token).await?;
        Ok(Some(AccountIdentity {
            id: calendar.id.clone(),
            label: calendar.id,
        }))
    }

    async fn test_call(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        _account_id: Option<&str>,
    ) -> Result<bool, GatewayError> {
        let request = self
            .http
            .get(format!("{}/users/me/calendarList", spec.api_base))
            .query(&[("maxResults", "1")]);
        http::send_bearer(request, token).await.map(|_| true)
    }
}

#[derive(Deserialize)]
struct Calendar {
    id: String,
}
