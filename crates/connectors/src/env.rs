use crate::Secret;

/// `STINT_PROVIDER_<KEY>_<FIELD>` values for one provider: endpoint overrides (self-hosted
/// GitLab or Jira, sandboxes, tests) and app credentials that seed what an admin has not set.
#[derive(Debug, Clone, Default)]
pub struct ProviderEnv {
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub revoke_url: Option<String>,
    pub api_base: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub webhook_secret: Option<Secret>,
    pub signing_secret: Option<Secret>,
    pub api_key: Option<Secret>,
}
