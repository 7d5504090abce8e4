//! The GitHub connector: issues become tasks, by webhook and by sync.

pub mod api;
pub mod events;
pub mod issues;
pub mod payload;
pub mod sync;
