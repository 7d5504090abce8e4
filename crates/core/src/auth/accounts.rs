//! The accounts service: session keys, login limits, and the caches of who a caller is. It owns
//! those caches, so a change to a user, a role or a token clears them here and nowhere else.

use std::time::Duration;

use stint_entity::user;

use super::{LoginLimiter, PrincipalCache, SessionKeys};
use crate::cache_metrics::CacheCounter;
use crate::ttl_cache::TtlCache;

/// How long a chat member's Stint account is remembered (another process sees a change within
/// that time; this one at once).
const MEMBER_TTL: Duration = Duration::from_secs(2);

pub struct Accounts {
    pub(crate) sessions: SessionKeys,
    pub(crate) limiter: LoginLimiter,
    pub(crate) principals: PrincipalCache,
    /// `provider:member id` → the Stint user it is.
    members: TtlCache<user::Model>,
}

impl Accounts {
    pub fn new(jwt_secret: &stint_connectors::Secret, principal_lookups: CacheCounter) -> Accounts {
        Accounts {
            sessions: SessionKeys::new(jwt_secret),
            limiter: LoginLimiter::new(),
            principals: PrincipalCache::new(principal_lookups),
            members: TtlCache::new(MEMBER_TTL, 10_000),
        }
    }

    pub(crate) fn member(&self, provider: &str, member: &str) -> Option<user::Model> {
        self.members.get(&format!("{provider}:{member}"))
    }

    pub(crate) fn remember_member(&self, provider: &str, member: &str, user: user::Model) {
        self.members.put(format!("{provider}:{member}"), user);
    }

    /// A user, a role, an account's status, a handle or a token changed: authenticate everyone
    /// afresh.
    pub fn forget_everyone(&self) {
        self.principals.clear();
        self.members.clear();
    }
}
