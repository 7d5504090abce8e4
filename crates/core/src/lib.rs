//! Stint's core: configuration, errors, crypto primitives and the domain services. Handlers in
//! `stint-api` parse a request, call one function here, and map its result.

pub mod audit;
pub mod auth;
pub mod background;
pub mod cache_metrics;
pub mod calendar;
pub mod chat;
pub mod clock;
pub mod config;
pub mod context;
pub mod crypto;
pub mod cursor;
pub mod db;
pub mod error;
pub mod identities;
pub mod integrations;
pub mod issues;
pub mod jobs;
pub mod key_rotation;
pub mod notify;
pub mod retention;
pub mod secret;
pub mod sessions;
pub mod state;
pub mod sync;
pub mod sync_runs;
pub mod tracking;
pub mod ttl_cache;
pub mod users;
pub mod validate;
pub mod webhooks;
pub mod wire;

pub use clock::Clock;
pub use config::Config;
pub use context::Stint;
pub use error::CoreError;
