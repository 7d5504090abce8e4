//! End-to-end tests: the real server on an ephemeral port, a fresh database per test, HTTP only.
//! `just test` runs them on SQLite, `just test-pg` on PostgreSQL.

mod admin;
mod api_keys;
mod auth;
mod bad_input;
mod browser;
mod calendar_google;
mod calendar_manager;
mod calendar_outlook;
mod database_outage;
mod database_pool;
mod github_sync;
mod github_webhooks;
mod key_rotation;
mod migrations;
mod oauth;
mod operations;
mod personal;
mod providers;
mod slack;
mod test_provider;
mod time_entries;
mod timer;
mod tokens;
mod tracking;
mod web_app;
mod web_session;
mod worker;
