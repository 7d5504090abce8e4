//! What the services keep in memory between requests — caches, locks and the webhook queue —
//! built once at start-up and held by `Stint`. Each cache is filled and cleared only by the
//! service that owns what it caches.

pub mod entry_pages;
pub mod guard;
pub mod intake_queue;
pub mod integrations;
pub mod refresh_locks;
pub mod signing_secrets;
pub mod workspaces;
