//! The sync engine every source shares: a run over each resource's pages, applied through
//! external links in one transaction per page with the source's cursor written in that same
//! transaction, so a run cut short between pages resumes after the last page it applied and
//! neither skips nor duplicates. One failing item does not stop the page, one failing resource
//! does not stop the run; runs are recorded in `sync_runs` and can be followed while they run.

mod engine;
mod fetch;
mod state;

pub use engine::{queue, queue_after, run, start};
