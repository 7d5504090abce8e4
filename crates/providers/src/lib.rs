//! The provider catalogue (one declarative entry per provider) and the HTTP adapters that speak
//! to providers. Endpoints are the public cloud ones; `STINT_PROVIDER_<KEY>_<FIELD>` overrides any
//! of them (self-hosted GitLab or Jira, sandboxes, tests). No database access here.

mod catalogue;
mod gateway;
mod github;
mod http;
mod slack;

use std::sync::Arc;

pub use catalogue::catalogue;
pub use gateway::HttpGateway;
pub use github::HttpGithub;
pub use slack::HttpSlack;
use stint_core::integrations::gateway::Providers;

/// The catalogue with the real HTTP adapters.
pub fn providers() -> Providers {
    Providers {
        specs: catalogue(),
        gateway: Arc::new(HttpGateway::new()),
        github: Arc::new(HttpGithub::new()),
        slack: Arc::new(HttpSlack::new()),
    }
}
