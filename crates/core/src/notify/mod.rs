//! Telling people what they tracked: timer notices, the daily summary, and the words both use.

pub mod preferences;
pub mod queue;
pub mod report;
pub mod summary;

pub use queue::{Notice, notify, post_notice};
