//! The background tasks a serving process runs beside its requests.

use crate::context::Stint;

/// Starts the webhook writer and applier (which first applies deliveries a previous run left
/// queued) and the SQLite checkpoints. Commands such as `stint keys rotate` do not call it;
/// scheduled and queued jobs are the worker's.
pub fn spawn(stint: &Stint) {
    crate::db::spawn_checkpoints(&stint.db);
    crate::webhooks::Intake::spawn(stint);
}
