//! Webhook intake shared by every provider: signatures over the raw bytes, a record of every
//! delivery, duplicates acknowledged without being applied twice, and applying handed to a
//! background task so the provider gets its answer within its timeout.

pub mod batch_write;
pub mod deliveries;

pub mod intake;
pub mod receive;

pub use crate::state::guard;
pub use intake::{Intake, NewDelivery, Recorded};
