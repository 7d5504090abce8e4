//! Outlook Calendar on Microsoft Graph: the catalogue entry (a member's own calendar), the
//! connected account (`/me`), reading events (`calendarView/delta`) and writing exported time
//! entries (`/me/events`).

mod events;
mod free_busy;
mod writer;

use std::sync::Arc;

use stint_api_types::providers::{Capability, ProviderKey};
use stint_connectors::{Connector, ModeRule, ProviderSpec};

use crate::http;
use crate::microsoft::GraphAccount;
use crate::spec::{MS_AUTHORIZE, MS_GRAPH, MS_TOKEN, oauth};

pub(crate) fn connector(http: &reqwest::Client) -> Connector {
    let spec = ProviderSpec {
        default_scopes: vec!["offline_access", "User.Read", "Calendars.ReadWrite"],
        capabilities: vec![Capability::Calendar],
        // A calendar is a person's own.
        modes: ModeRule::PersonalOnly,
        entry_source: stint_api_types::tracking::TimeEntrySource::OutlookCalendar,
        ..oauth(
            ProviderKey::OutlookCalendar,
            "Outlook Calendar",
            MS_AUTHORIZE,
            MS_TOKEN,
            MS_GRAPH,
        )
    };
    http::standard(http, spec, Arc::new(GraphAccount { http: http.clone() }))
        .with_calendar(Arc::new(events::Graph::new(http.clone())))
}
