//! The provider catalogue: one declarative entry per provider. Endpoints here are the public
//! cloud ones; `STINT_PROVIDER_<KEY>_<FIELD>` overrides any of them (self-hosted GitLab or Jira,
//! sandboxes, tests).

mod catalogue;

pub use catalogue::catalogue;
