//! The schedules: when each periodic job is due. An occurrence is a point in time; every process
//! computes the same occurrences and queues the same tick, which the queue keeps once.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::WorkerConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Syncs each active calendar connection.
    CalendarSync,
    /// Posts the daily summary of each user whose chosen time falls in the next half hour.
    DailySummary,
    /// Refreshes tokens about to expire, and those unused for a week so they stay alive.
    TokenRefresh,
    /// An incremental sync of each webhook-driven connection, so a missed delivery is recovered.
    CatchUp,
    /// Deletes what is past its retention.
    Retention,
}

impl Schedule {
    pub const ALL: [Schedule; 5] = [
        Schedule::CalendarSync,
        Schedule::DailySummary,
        Schedule::TokenRefresh,
        Schedule::CatchUp,
        Schedule::Retention,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Schedule::CalendarSync => "calendar_sync",
            Schedule::DailySummary => "slack_daily_summary",
            Schedule::TokenRefresh => "token_refresh_sweep",
            Schedule::CatchUp => "catch_up",
            Schedule::Retention => "retention",
        }
    }

    /// The cron expression (seconds first, UTC).
    pub fn expression(self, config: &WorkerConfig) -> String {
        match self {
            Schedule::CalendarSync => format!("0 */{} * * * *", config.calendar_sync_minutes),
            Schedule::DailySummary => "0 0,30 * * * *".to_owned(),
            Schedule::TokenRefresh => "0 */10 * * * *".to_owned(),
            Schedule::CatchUp => "0 15 * * * *".to_owned(),
            Schedule::Retention => "0 30 3 * * *".to_owned(),
        }
    }

    fn cron(self, config: &WorkerConfig) -> cron::Schedule {
        // The expressions above are fixed and tested; `calendar_sync_minutes` is checked to
        // divide the hour when the configuration is read.
        #[allow(clippy::expect_used)]
        cron::Schedule::from_str(&self.expression(config)).expect("a valid cron expression")
    }

    /// The latest occurrence at or before `now`, if it is no older than the schedule's own period
    /// (a process that was down for a day runs the missed hour once, not 24 times).
    pub fn due(self, config: &WorkerConfig, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let cron = self.cron(config);
        let mut latest = None;
        // Occurrences are at most a day apart: start a day back and walk forward.
        for at in cron.after(&(now - chrono::Duration::days(1) - chrono::Duration::seconds(1))) {
            if at > now {
                break;
            }
            latest = Some(at);
        }
        latest
    }

    /// The next occurrences after `now`.
    pub fn upcoming(
        self,
        config: &WorkerConfig,
        now: DateTime<Utc>,
        count: usize,
    ) -> Vec<DateTime<Utc>> {
        self.cron(config).after(&now).take(count).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn every_expression_parses_and_recurs() {
        let config = WorkerConfig::default();
        for schedule in Schedule::ALL {
            assert_eq!(
                schedule
                    .upcoming(&config, at("2026-11-28T08:00:00Z"), 2)
                    .len(),
                2,
                "{schedule:?}"
            );
        }
    }

    #[test]
    fn the_due_occurrence_is_the_latest_not_after_now() {
        let config = WorkerConfig::default();
        let due = |s: Schedule, now| s.due(&config, at(now));
        assert_eq!(
            due(Schedule::DailySummary, "2026-11-28T08:29:59Z"),
            Some(at("2026-11-28T08:00:00Z"))
        );
        assert_eq!(
            due(Schedule::DailySummary, "2026-11-28T08:30:00Z"),
            Some(at("2026-11-28T08:30:00Z"))
        );
        assert_eq!(
            due(Schedule::TokenRefresh, "2026-11-28T08:19:00Z"),
            Some(at("2026-11-28T08:10:00Z"))
        );
        assert_eq!(
            due(Schedule::Retention, "2026-11-28T03:29:00Z"),
            Some(at("2026-11-27T03:30:00Z"))
        );
        assert_eq!(
            due(Schedule::CatchUp, "2026-11-28T08:00:00Z"),
            Some(at("2026-11-28T07:15:00Z"))
        );
    }

    #[test]
    fn calendar_sync_follows_its_setting() {
        let config = WorkerConfig {
            calendar_sync_minutes: 15,
            ..WorkerConfig::default()
        };
        assert_eq!(
            Schedule::CalendarSync.upcoming(&config, at("2026-11-28T08:01:00Z"), 2),
            vec![at("2026-11-28T08:15:00Z"), at("2026-11-28T08:30:00Z")]
        );
    }
}
