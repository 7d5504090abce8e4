//! Issues from any tracker become tasks: by webhook (`apply`) and by sync (the sync engine), both
//! through `tasks::upsert` and external links, so re-delivered webhooks and re-run syncs create
//! nothing twice.

pub mod apply;
pub mod batch;
mod batch_target;
mod outcome;
pub mod tasks;

pub use batch::{Batch, Savepoint, TargetKey};
pub use batch_target::{BatchTarget, POSTGRES_RECORDED, RecordedQuery, load_batch_target};
pub use outcome::{ApplyError, FollowUp, Handled};
pub use tasks::{Freshness, IssueTarget, Upserted};
