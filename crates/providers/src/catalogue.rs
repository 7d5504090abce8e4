use std::time::Duration;

use stint_api_types::providers::{AuthKind, Capability, ProviderKey};
use stint_core::catalogue::{ModeRule, ProviderSpec, WebhookScheme};

const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(10 * 60);

/// An OAuth 2.0 provider with the common defaults: PKCE, space-separated scopes, access tokens
/// that expire and refresh tokens that do not rotate, global by default.
fn oauth(
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
        webhook: WebhookScheme::None,
        capabilities: Vec::new(),
        modes: ModeRule::GlobalByDefault,
        extra_authorize_params: Vec::new(),
    }
}

const MS_AUTHORIZE: &str = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize";
const MS_TOKEN: &str = "https://login.microsoftonline.com/common/oauth2/v2.0/token";
const MS_GRAPH: &str = "https://graph.microsoft.com/v1.0";

/// Every provider Stint knows.
pub fn catalogue() -> Vec<ProviderSpec> {
    use ProviderKey as P;
    vec![
        ProviderSpec {
            revoke_url: Some("https://api.github.com/applications/{client_id}/grant".to_owned()),
            default_scopes: vec!["repo", "read:user"],
            // OAuth App tokens do not expire.
            access_tokens_expire: false,
            webhook: WebhookScheme::GithubHmacSha256,
            capabilities: vec![Capability::Issues],
            ..oauth(
                P::Github,
                "GitHub",
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com",
            )
        },
        ProviderSpec {
            revoke_url: Some("https://gitlab.com/oauth/revoke".to_owned()),
            default_scopes: vec!["read_api", "read_user"],
            // GitLab answers every refresh with a new refresh token and voids the old one.
            refresh_tokens_rotate: true,
            webhook: WebhookScheme::GitlabToken,
            capabilities: vec![Capability::Issues],
            ..oauth(
                P::Gitlab,
                "GitLab",
                "https://gitlab.com/oauth/authorize",
                "https://gitlab.com/oauth/token",
                "https://gitlab.com/api/v4",
            )
        },
        ProviderSpec {
            default_scopes: vec!["read:jira-work", "read:jira-user", "offline_access"],
            pkce: false,
            // Atlassian rotates refresh tokens.
            refresh_tokens_rotate: true,
            webhook: WebhookScheme::JiraJwt,
            capabilities: vec![Capability::Issues],
            extra_authorize_params: vec![("audience", "api.atlassian.com"), ("prompt", "consent")],
            ..oauth(
                P::Jira,
                "Jira",
                "https://auth.atlassian.com/authorize",
                "https://auth.atlassian.com/oauth/token",
                "https://api.atlassian.com",
            )
        },
        ProviderSpec {
            revoke_url: Some("https://api.linear.app/oauth/revoke".to_owned()),
            default_scopes: vec!["read"],
            scope_separator: ",",
            webhook: WebhookScheme::LinearHmacSha256,
            capabilities: vec![Capability::Issues],
            ..oauth(
                P::Linear,
                "Linear",
                "https://linear.app/oauth/authorize",
                "https://api.linear.app/oauth/token",
                "https://api.linear.app",
            )
        },
        ProviderSpec {
            revoke_url: Some("https://app.asana.com/-/oauth_revoke".to_owned()),
            default_scopes: vec!["default"],
            webhook: WebhookScheme::AsanaHookSecret,
            capabilities: vec![Capability::Issues],
            ..oauth(
                P::Asana,
                "Asana",
                "https://app.asana.com/-/oauth_authorize",
                "https://app.asana.com/-/oauth_token",
                "https://app.asana.com/api/1.0",
            )
        },
        ProviderSpec {
            auth_kind: AuthKind::ApiKey,
            token_url: String::new(),
            default_scopes: vec!["read"],
            pkce: false,
            access_tokens_expire: false,
            webhook: WebhookScheme::TrelloHmacSha1,
            capabilities: vec![Capability::Issues],
            ..oauth(
                P::Trello,
                "Trello",
                "https://trello.com/1/authorize",
                "",
                "https://api.trello.com/1",
            )
        },
        ProviderSpec {
            revoke_url: Some("https://slack.com/api/auth.revoke".to_owned()),
            default_scopes: vec!["commands", "chat:write", "users:read", "users:read.email"],
            scope_separator: ",",
            pkce: false,
            // Bot tokens do not expire unless the app opts into token rotation.
            access_tokens_expire: false,
            webhook: WebhookScheme::SlackV0,
            capabilities: vec![Capability::Notifications],
            ..oauth(
                P::Slack,
                "Slack",
                "https://slack.com/oauth/v2/authorize",
                "https://slack.com/api/oauth.v2.access",
                "https://slack.com/api",
            )
        },
        ProviderSpec {
            default_scopes: vec![
                "offline_access",
                "User.Read",
                "Team.ReadBasic.All",
                "ChannelMessage.Send",
            ],
            webhook: WebhookScheme::MicrosoftGraphClientState,
            capabilities: vec![Capability::Notifications],
            ..oauth(
                P::MicrosoftTeams,
                "Microsoft Teams",
                MS_AUTHORIZE,
                MS_TOKEN,
                MS_GRAPH,
            )
        },
        ProviderSpec {
            revoke_url: Some("https://oauth2.googleapis.com/revoke".to_owned()),
            default_scopes: vec![
                "openid",
                "email",
                "https://www.googleapis.com/auth/calendar.readonly",
                "https://www.googleapis.com/auth/calendar.events",
            ],
            capabilities: vec![Capability::Calendar],
            // A calendar is a person's own.
            modes: ModeRule::PersonalOnly,
            // Without these Google returns no refresh token on a repeated consent.
            extra_authorize_params: vec![
                ("access_type", "offline"),
                ("prompt", "consent"),
                ("include_granted_scopes", "true"),
            ],
            ..oauth(
                P::GoogleCalendar,
                "Google Calendar",
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://www.googleapis.com/calendar/v3",
            )
        },
        ProviderSpec {
            default_scopes: vec!["offline_access", "User.Read", "Calendars.ReadWrite"],
            webhook: WebhookScheme::MicrosoftGraphClientState,
            capabilities: vec![Capability::Calendar],
            ..oauth(
                P::OutlookCalendar,
                "Outlook Calendar",
                MS_AUTHORIZE,
                MS_TOKEN,
                MS_GRAPH,
            )
        },
        ProviderSpec {
            revoke_url: Some("https://developer.api.intuit.com/v2/oauth2/tokens/revoke".to_owned()),
            default_scopes: vec!["com.intuit.quickbooks.accounting"],
            pkce: false,
            refresh_tokens_rotate: true,
            webhook: WebhookScheme::IntuitHmacSha256,
            capabilities: vec![Capability::Accounting],
            ..oauth(
                P::Quickbooks,
                "QuickBooks",
                "https://appcenter.intuit.com/connect/oauth2",
                "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
                "https://quickbooks.api.intuit.com/v3",
            )
        },
        ProviderSpec {
            revoke_url: Some("https://identity.xero.com/connect/revocation".to_owned()),
            default_scopes: vec![
                "openid",
                "profile",
                "email",
                "offline_access",
                "accounting.transactions",
                "accounting.contacts",
            ],
            refresh_tokens_rotate: true,
            // Xero access tokens live 30 minutes.
            refresh_margin: Duration::from_secs(5 * 60),
            webhook: WebhookScheme::XeroHmacSha256,
            capabilities: vec![Capability::Accounting],
            ..oauth(
                P::Xero,
                "Xero",
                "https://login.xero.com/identity/connect/authorize",
                "https://identity.xero.com/connect/token",
                "https://api.xero.com/api.xro/2.0",
            )
        },
        ProviderSpec {
            default_scopes: vec![
                "crm.objects.contacts.read",
                "crm.objects.companies.read",
                "crm.objects.deals.read",
            ],
            pkce: false,
            refresh_margin: Duration::from_secs(5 * 60),
            webhook: WebhookScheme::HubspotV3,
            capabilities: vec![Capability::Crm],
            ..oauth(
                P::Hubspot,
                "HubSpot",
                "https://app.hubspot.com/oauth/authorize",
                "https://api.hubapi.com/oauth/v1/token",
                "https://api.hubapi.com",
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use stint_api_types::providers::IntegrationScope;
    use stint_core::catalogue::Catalogue;
    use stint_core::config::ProviderEnv;

    use super::*;

    #[test]
    fn every_provider_has_exactly_one_entry() {
        let entries = catalogue();
        for key in ProviderKey::ALL {
            assert_eq!(entries.iter().filter(|e| e.key == key).count(), 1, "{key}");
        }
        assert_eq!(entries.len(), ProviderKey::ALL.len());
    }

    #[test]
    fn entries_are_complete() {
        for spec in catalogue() {
            assert!(!spec.default_scopes.is_empty(), "{}", spec.key);
            assert!(!spec.capabilities.is_empty(), "{}", spec.key);
            assert!(spec.authorize_url.starts_with("https://"), "{}", spec.key);
            assert!(spec.api_base.starts_with("https://"), "{}", spec.key);
            if spec.auth_kind == AuthKind::Oauth2 {
                assert!(spec.token_url.starts_with("https://"), "{}", spec.key);
            }
        }
    }

    #[test]
    fn google_calendar_is_personal_only_and_trello_uses_an_api_key() {
        let entries = Catalogue::new(catalogue(), &HashMap::new());
        let google = entries.get(ProviderKey::GoogleCalendar).unwrap();
        assert_eq!(google.modes(true), [IntegrationScope::Personal]);
        assert!(!google.refresh_tokens_rotate);
        let github = entries.get(ProviderKey::Github).unwrap();
        assert_eq!(github.modes(false), [IntegrationScope::Global]);
        assert_eq!(
            github.modes(true),
            [IntegrationScope::Global, IntegrationScope::Personal]
        );
        assert_eq!(
            entries.get(ProviderKey::Trello).unwrap().auth_kind,
            AuthKind::ApiKey
        );
        assert!(
            entries
                .get(ProviderKey::Xero)
                .unwrap()
                .refresh_tokens_rotate
        );
        assert!(
            entries
                .get(ProviderKey::Quickbooks)
                .unwrap()
                .refresh_tokens_rotate
        );
    }

    #[test]
    fn endpoints_can_be_overridden() {
        let env = HashMap::from([(
            ProviderKey::Gitlab,
            ProviderEnv {
                authorize_url: Some("https://git.example.com/oauth/authorize".to_owned()),
                api_base: Some("https://git.example.com/api/v4".to_owned()),
                ..ProviderEnv::default()
            },
        )]);
        let entries = Catalogue::new(catalogue(), &env);
        let gitlab = entries.get(ProviderKey::Gitlab).unwrap();
        assert_eq!(
            gitlab.authorize_url,
            "https://git.example.com/oauth/authorize"
        );
        assert_eq!(gitlab.api_base, "https://git.example.com/api/v4");
        assert_eq!(gitlab.token_url, "https://gitlab.com/oauth/token");
    }
}
