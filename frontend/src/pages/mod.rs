pub mod admin;
pub mod calendar;
pub mod integrations;
pub mod login;
pub mod settings;
pub mod setup;
pub mod sync_history;
pub mod time;
