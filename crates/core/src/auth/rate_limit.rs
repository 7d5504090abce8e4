use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::CoreError;

/// Login attempts allowed per account and client address, and per client address. Both budgets
/// refill steadily, so a person who mistypes a few times is never locked out for long, while
/// guessing stays slow; and since an account's budget is kept per address, nobody elsewhere can
/// spend it to keep its owner out.
pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<(String, Option<IpAddr>)>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginLimiter {
    pub fn new() -> Self {
        LoginLimiter {
            per_account: RateLimiter::keyed(quota(10, Duration::from_secs(6))),
            per_ip: RateLimiter::keyed(quota(30, Duration::from_secs(2))),
        }
    }

    /// Spends one attempt for this account and address, or says how long to wait.
    pub fn check(&self, account: &str, ip: Option<IpAddr>) -> Result<(), CoreError> {
        let now = DefaultClock::default().now();
        if let Some(ip) = ip {
            self.per_ip
                .check_key(&ip)
                .map_err(|not_until| CoreError::RateLimited {
                    retry_after: not_until.wait_time_from(now),
                })?;
        }
        self.per_account
            .check_key(&(account.to_owned(), ip))
            .map_err(|not_until| CoreError::RateLimited {
                retry_after: not_until.wait_time_from(now),
            })?;
        // Forget idle keys so that a flood of made-up emails cannot grow memory without bound.
        if self.per_account.len() > 10_000 {
            self.per_account.retain_recent();
            self.per_ip.retain_recent();
        }
        Ok(())
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new()
    }
}

fn quota(burst: u32, refill_every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(refill_every)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleventh_attempt_on_one_account_waits() {
        let limiter = LoginLimiter::new();
        for _ in 0..10 {
            assert!(limiter.check("ada@example.com", None).is_ok());
        }
        match limiter.check("ada@example.com", None) {
            Err(CoreError::RateLimited { retry_after }) => {
                assert!(retry_after <= Duration::from_secs(6))
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert!(limiter.check("grace@example.com", None).is_ok());
        // The same account from another address has its own budget.
        let elsewhere = Some(IpAddr::from([198, 51, 100, 7]));
        assert!(limiter.check("ada@example.com", elsewhere).is_ok());
    }
}
