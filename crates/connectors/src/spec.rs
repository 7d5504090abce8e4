//! A provider's catalogue entry: its data (endpoints, token behaviour, modes, handles),
//! declared in `stint-providers` beside the module that implements its capabilities.

use std::time::Duration;

use stint_api_types::providers::{AuthKind, Capability, IntegrationScope, ProviderKey};
use stint_api_types::tracking::TimeEntrySource;

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
    pub capabilities: Vec<Capability>,
    pub modes: ModeRule,
    /// Extra authorize-URL parameters (Google: `access_type=offline`, `prompt=consent`).
    pub extra_authorize_params: Vec<(&'static str, &'static str)>,
    /// How the provider names people, where Stint matches them to its users.
    pub handles: Option<Handles>,
    /// How time entries this provider starts are labelled.
    pub entry_source: TimeEntrySource,
}

/// How a provider names the people Stint matches to its users (an issue's assignee, a chat
/// member). Their handles are kept as external identities.
#[derive(Debug, Clone, Copy)]
pub struct Handles {
    /// What a handle is called there (`GitHub login`, `Slack member id`).
    pub label: &'static str,
    /// Checks a handle, typed by an admin or read from a payload, and gives it as it is stored
    /// and matched (GitHub logins are case-insensitive, so lower-case).
    pub parse: fn(&str) -> Result<String, &'static str>,
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

    pub fn redirect_path(&self) -> String {
        format!("/api/integrations/{}/callback", self.key)
    }
}
