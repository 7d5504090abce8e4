//! The common defaults of a catalogue entry.

use std::time::Duration;

use stint_api_types::providers::{AuthKind, ProviderKey};
use stint_api_types::tracking::TimeEntrySource;
use stint_connectors::{ModeRule, ProviderSpec};

const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(10 * 60);

pub(crate) const MS_AUTHORIZE: &str =
    "https://login.microsoftonline.com/common/oauth2/v2.0/authorize";
pub(crate) const MS_TOKEN: &str = "https://login.microsoftonline.com/common/oauth2/v2.0/token";
pub(crate) const MS_GRAPH: &str = "https://graph.microsoft.com/v1.0";

/// An OAuth 2.0 provider with the common defaults: PKCE, space-separated scopes, access tokens
/// that expire and refresh tokens that do not rotate, global by default.
pub(crate) fn oauth(
    key: ProviderKey,
    display_name: &'static str,
    authorize: &str,
    token: &str,
    api_base: &str,
) -> ProviderSpec {
    ProviderSpec {
        key,
        display_name,
        auth_kind: AuthKind::Oauth2,
        authorize_url: authorize.to_owned(),
        token_url: token.to_owned(),
        revoke_url: None,
        api_base: api_base.to_owned(),
        default_scopes: Vec::new(),
        scope_separator: " ",
        pkce: true,
        access_tokens_expire: true,
        refresh_tokens_rotate: false,
        refresh_margin: DEFAULT_REFRESH_MARGIN,
        capabilities: Vec::new(),
        modes: ModeRule::GlobalByDefault,
        extra_authorize_params: Vec::new(),
        handles: None,
        entry_source: TimeEntrySource::Api,
    }
}
