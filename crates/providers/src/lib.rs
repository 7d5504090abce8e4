//! The provider catalogue and one module per provider: the HTTP adapters that translate each
//! provider's API into core's capability traits, registered beside its catalogue entry. Endpoints
//! are the public cloud ones; `STINT_PROVIDER_<KEY>_<FIELD>` overrides any of them (self-hosted
//! GitLab or Jira, sandboxes, tests). No database access here.

mod asana;
mod catalogue;
pub mod github;
mod gitlab;
mod google_calendar;
mod http;
mod hubspot;
mod identity_tests;
mod jira;
mod linear;
mod microsoft;
mod oauth;
mod outlook_calendar;
mod quickbooks;
pub mod slack;
mod spec;
mod trello;
mod xero;

use std::sync::Arc;

pub use catalogue::catalogue;
pub use oauth::HttpOAuth;
use stint_connectors::Providers;

/// How long a provider may take to answer one request, unless configured otherwise.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The catalogue with the real HTTP adapters and the default timeout.
pub fn providers() -> Result<Providers, reqwest::Error> {
    providers_with_timeout(DEFAULT_TIMEOUT)
}

/// The catalogue with the real HTTP adapters, each request given at most `timeout`.
pub fn providers_with_timeout(timeout: std::time::Duration) -> Result<Providers, reqwest::Error> {
    let http = http::client(timeout)?;
    Ok(Providers {
        connectors: catalogue(&http),
        oauth: Arc::new(HttpOAuth::new(http)),
    })
}
