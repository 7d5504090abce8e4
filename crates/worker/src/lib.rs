//! Stint's background worker: runs the jobs queued in the database (`stint_core::jobs`) and
//! queues each schedule's occurrences. Any number of processes may run it against one database:
//! a queued job is taken by one worker, and every process queues the same occurrence under the
//! same key, which the queue keeps once.
//!
//! Each job is a plain async function in `jobs` that a test can call directly.

pub mod jobs;
mod limits;
mod poll;
mod runner;
pub mod scheduler;

pub use runner::{Schedules, Worker, WorkerError};
