//! Integrations: the provider catalogue as users see it, provider apps (admin setup) and
//! connections.

pub mod connections;
pub mod provider_apps;
