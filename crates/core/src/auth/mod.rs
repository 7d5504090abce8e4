//! Identity: password hashes, session JWTs and their generations, login rate limits, the caches
//! of who a caller is, and the `Principal` every service call is made for. Signing in and API
//! tokens are `sessions`, which uses this.

mod accounts;
mod client_address;
mod generation;
mod jwt;
mod password;
mod principal;
mod principal_cache;
mod rate_limit;

pub use accounts::Accounts;
pub use client_address::client_address;
pub use generation::end_sessions;
pub use jwt::{SessionClaims, SessionKeys};
pub(crate) use password::decoy_hash;
pub use password::{hash_password, verify_password};
pub use principal::{Credential, Principal};
pub use principal_cache::PrincipalCache;
pub use rate_limit::LoginLimiter;
