//! What applying one delivery did, and why it could not be.

use stint_api_types::webhooks::DeliveryOutcome;
use uuid::Uuid;

use crate::error::CoreError;

/// What applying one delivery did.
#[derive(Debug, Clone)]
pub struct Handled {
    pub outcome: DeliveryOutcome,
    pub detail: String,
    pub follow_up: Option<FollowUp>,
}

impl Handled {
    pub fn applied(detail: impl Into<String>) -> Self {
        Handled {
            outcome: DeliveryOutcome::Applied,
            detail: detail.into(),
            follow_up: None,
        }
    }

    pub fn ignored(detail: impl Into<String>) -> Self {
        Handled {
            outcome: DeliveryOutcome::Ignored,
            detail: detail.into(),
            follow_up: None,
        }
    }
}

/// Work that must wait until the batch is committed (it takes its own transaction).
#[derive(Debug, Clone)]
pub enum FollowUp {
    /// An issue was assigned to this user: their timer starts on its task.
    StartTimer {
        user_id: Uuid,
        login: String,
        project_id: Uuid,
        task_id: Uuid,
        source: stint_api_types::tracking::TimeEntrySource,
    },
}

/// Why a delivery could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the body is not what the provider sends: {0}")]
    Malformed(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<sea_orm::DbErr> for ApplyError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApplyError::Core(err.into())
    }
}
