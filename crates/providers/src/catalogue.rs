//! Every provider Stint knows: one module each, listed here once.

use stint_connectors::Connector;

/// The catalogue with the real HTTP adapters, sharing one HTTP client.
pub fn catalogue(http: &reqwest::Client) -> Vec<Connector> {
    let http = http.clone();
    vec![
        crate::github::connector(&http),
        crate::gitlab::connector(&http),
        crate::jira::connector(&http),
        crate::linear::connector(&http),
        crate::asana::connector(&http),
        crate::trello::connector(&http),
        crate::slack::connector(&http),
        crate::microsoft::teams(&http),
        crate::google_calendar::connector(&http),
        crate::outlook_calendar::connector(&http),
        crate::quickbooks::connector(&http),
        crate::xero::connector(&http),
        crate::hubspot::connector(&http),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use stint_api_types::providers::IntegrationScope;
    use stint_connectors::Catalogue;
    use stint_connectors::ProviderEnv;

    use stint_api_types::providers::{AuthKind, ProviderKey};
    use stint_connectors::ProviderSpec;

    use super::*;

    fn specs() -> Vec<ProviderSpec> {
        catalogue(&reqwest::Client::new())
            .into_iter()
            .map(|c| c.spec)
            .collect()
    }

    #[test]
    fn every_provider_has_exactly_one_entry() {
        let entries = specs();
        for key in ProviderKey::ALL {
            assert_eq!(entries.iter().filter(|e| e.key == key).count(), 1, "{key}");
        }
        assert_eq!(entries.len(), ProviderKey::ALL.len());
    }

    #[test]
    fn entries_are_complete() {
        for spec in specs() {
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
        let entries = Catalogue::new(catalogue(&reqwest::Client::new()), &HashMap::new());
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
        let entries = Catalogue::new(catalogue(&reqwest::Client::new()), &env);
        let gitlab = entries.get(ProviderKey::Gitlab).unwrap();
        assert_eq!(
            gitlab.authorize_url,
            "https://git.example.com/oauth/authorize"
        );
        assert_eq!(gitlab.api_base, "https://git.example.com/api/v4");
        assert_eq!(gitlab.token_url, "https://gitlab.com/oauth/token");
    }
}
