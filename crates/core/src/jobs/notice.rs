//! A timer notice: queued by a timer request, posted by the worker (`notify::post_notice`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    TimerStarted { entry_id: Uuid, user_id: Uuid },
    TimerStopped { entry_id: Uuid, user_id: Uuid },
}

impl Notice {
    pub fn user_id(&self) -> Uuid {
        let (Notice::TimerStarted { user_id, .. } | Notice::TimerStopped { user_id, .. }) = self;
        *user_id
    }
}
