use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, DurationRound, Utc};

/// The source of "now", passed in so that expiry and timers are testable without waiting.
///
/// Times are whole seconds: tracked time is shown in seconds, and whole-second timestamps keep
/// their stored text form ordered on SQLite.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(Utc::now))
    }

    /// A clock that stands still until moved; for tests.
    pub fn manual(start: DateTime<Utc>) -> (Self, ManualClock) {
        let handle = ManualClock(Arc::new(Mutex::new(start)));
        let reader = handle.clone();
        (Clock(Arc::new(move || reader.now())), handle)
    }

    pub fn now(&self) -> DateTime<Utc> {
        truncate_to_seconds((self.0)())
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

pub fn truncate_to_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::seconds(1)).unwrap_or(t)
}
