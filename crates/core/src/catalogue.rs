//! The shape of a provider catalogue entry. The entries themselves are declared in
//! `stint-providers`; core only needs their data (endpoints, token behaviour, modes), which is why
//! the type lives here and the values there.

use std::collections::HashMap;
use std::time::Duration;

use stint_api_types::providers::{AuthKind, Capability, IntegrationScope, ProviderKey};

use crate::config::ProviderEnv;

/// How a provider signs the webhooks it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookScheme {
    None,
    /// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>` (GitHub).
    GithubHmacSha256,
    /// `X-Slack-Signature: v0=<hex HMAC-SHA256("v0:{ts}:{body}")>` (Slack).
    SlackV0,
    /// `X-Gitlab-Token` equal to the configured secret.
    GitlabToken,
    /// `Linear-Signature: <hex HMAC-SHA256(body)>`.
    LinearHmacSha256,
    /// `X-Hook-Secret` handshake, then `X-Hook-Signature` (Asana).
    AsanaHookSecret,
    /// `X-Trello-Webhook: base64 HMAC-SHA1(body + callback URL)`, HEAD check on creation.
    TrelloHmacSha1,
    /// Jira Cloud: JWT signed with the shared secret.
    JiraJwt,
    /// Microsoft Graph change notifications carry a `clientState` secret.
    MicrosoftGraphClientState,
    /// `X-HubSpot-Signature-v3`.
    HubspotV3,
    /// `intuit-signature: base64 HMAC-SHA256(body)` (QuickBooks).
    IntuitHmacSha256,
    /// `x-xero-signature: base64 HMAC-SHA256(body)`.
    XeroHmacSha256,
}

/// Where a provider may be connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeRule {
    /// Global by default; an admin may also allow personal connections.
    GlobalByDefault,
    /// Only personal connections make sense (a user's own calendar).
    PersonalOnly,
}

/// One declarative catalogue entry. Adding an OAuth provider that needs no custom sync is adding
/// one of these.
#[derive(Debug, Clone)]
pub struct ProviderSpec {
    pub key: ProviderKey,
    pub display_name: &'static str,
    pub auth_kind: AuthKind,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: Option<String>,
    pub api_base: String,
    pub default_scopes: Vec<&'static str>,
    /// How scopes are joined in the authorize URL (a space for most, a comma for Slack).
    pub scope_separator: &'static str,
    pub pkce: bool,
    pub access_tokens_expire: bool,
    /// Each refresh returns a new refresh token and voids the old one (Xero, QuickBooks).
    pub refresh_tokens_rotate: bool,
    /// Refresh this long before the access token expires.
    pub refresh_margin: Duration,
    pub webhook: WebhookScheme,
    pub capabilities: Vec<Capability>,
    pub modes: ModeRule,
    /// Extra authorize-URL parameters (Google: `access_type=offline`, `prompt=consent`).
    pub extra_authorize_params: Vec<(&'static str, &'static str)>,
}

impl ProviderSpec {
    /// The modes open right now, given the admin's personal-mode switch.
    pub fn modes(&self, allow_personal: bool) -> Vec<IntegrationScope> {
        match self.modes {
            ModeRule::PersonalOnly => vec![IntegrationScope::Personal],
            ModeRule::GlobalByDefault if allow_personal => {
                vec![IntegrationScope::Global, IntegrationScope::Personal]
            }
            ModeRule::GlobalByDefault => vec![IntegrationScope::Global],
        }
    }

    /// The path webhooks for this provider are received on, if it sends any.
    pub fn webhook_path(&self) -> Option<String> {
        match (self.webhook, self.key) {
            (WebhookScheme::None, _) => None,
            (_, ProviderKey::Slack) => Some("/api/integrations/slack/events".to_owned()),
            (_, key) => Some(format!("/api/integrations/{key}/webhook")),
        }
    }

    pub fn redirect_path(&self) -> String {
        format!("/api/integrations/{}/callback", self.key)
    }
}

/// The catalogue in force: the declared entries with the operator's endpoint overrides applied
/// (`STINT_PROVIDER_<KEY>_AUTHORIZE_URL`, `_TOKEN_URL`, `_REVOKE_URL`, `_API_BASE`).
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: Vec<ProviderSpec>,
}

impl Catalogue {
    pub fn new(mut entries: Vec<ProviderSpec>, env: &HashMap<ProviderKey, ProviderEnv>) -> Self {
        for spec in &mut entries {
            let Some(overrides) = env.get(&spec.key) else {
                continue;
            };
            if let Some(url) = &overrides.authorize_url {
                spec.authorize_url.clone_from(url);
            }
            if let Some(url) = &overrides.token_url {
                spec.token_url.clone_from(url);
            }
            if let Some(url) = &overrides.revoke_url {
                spec.revoke_url = Some(url.clone());
            }
            if let Some(url) = &overrides.api_base {
                spec.api_base.clone_from(url);
            }
        }
        entries.sort_by_key(|spec| spec.key);
        Catalogue { entries }
    }

    pub fn get(&self, key: ProviderKey) -> Option<&ProviderSpec> {
        self.entries.iter().find(|spec| spec.key == key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ProviderSpec> {
        self.entries.iter()
    }
}
