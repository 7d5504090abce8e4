//! sea-orm entities of Stint's data model. Enumerations are stored as their wire strings and parsed
//! in `stint-core`; the schema's CHECK constraints keep the stored values honest.

pub mod api_token;
pub mod audit_log;
pub mod client;
pub mod credential;
pub mod ended_session;
pub mod external_identity;
pub mod external_link;
pub mod integration;
pub mod notification_preference;
pub mod oauth_state;
pub mod planned_block;
pub mod project;
pub mod provider_app;
pub mod sync_run;
pub mod sync_state;
pub mod task;
pub mod time_entry;
pub mod time_entry_version;
pub mod user;
pub mod webhook_delivery;

pub use sea_orm;
