//! Time tracking: clients, projects, tasks, time entries and the timer.

pub mod clients;

pub mod projects;
mod sqlite_page;
mod sqlite_reader;
pub mod tasks;
pub mod time_entries;
pub mod timer;

pub use crate::cursor;
pub use crate::state::entry_pages;
pub(crate) use crate::wire::{from_wire_name, wire_name};
