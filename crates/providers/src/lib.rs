//! The provider catalogue and one module per provider: the HTTP adapters that translate each
//! provider's API into core's capability traits, registered beside its catalogue entry. Endpoints
//! are the public cloud ones; `STINT_PROVIDER_<KEY>_<FIELD>` overrides any of them (self-hosted
//! GitLab or Jira, sandboxes, tests). No database access here.

mod asana;
mod catalogue;
mod github;
mod gitlab;
mod google_calendar;
mod http;
mod hubspot;
mod identity_tests;
mod jira;
mod linear;
mod microsoft;
mod oauth;
mod quickbooks;
mod slack;
mod spec;
mod trello;
mod xero;

use std::sync::Arc;

pub use catalogue::catalogue;
pub use oauth::HttpOAuth;
use stint_core::integrations::gateway::Providers;

/// The catalogue with the real HTTP adapters.
pub fn providers() -> Providers {
    Providers {
        connectors: catalogue(),
        oauth: Arc::new(HttpOAuth::new(http::client())),
    }
}
