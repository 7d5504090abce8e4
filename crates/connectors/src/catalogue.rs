//! The catalogue: one entry per provider, each with its data (endpoints, token behaviour, modes)
//! and the capabilities its module implements (`Connector`). The entries are declared in
//! `stint-providers`; core dispatches through them and never names a provider.

use std::collections::HashMap;
use std::sync::Arc;

use stint_api_types::providers::ProviderKey;

use crate::{
    AccountApi, CalendarApi, CalendarSource, ChatCommands, EventReader, IssueTracker, Notifier,
    OAuthClient, ProviderEnv, ProviderSpec, Revoker, SyncSource, WebhookReceiver,
};

/// A provider's catalogue entry and the capabilities its module implements.
#[derive(Clone)]
pub struct Connector {
    pub spec: ProviderSpec,
    pub account: Arc<dyn AccountApi>,
    pub revoker: Arc<dyn Revoker>,
    pub webhook: Option<Arc<dyn WebhookReceiver>>,
    pub events: Option<Arc<dyn EventReader>>,
    pub issues: Option<Arc<dyn IssueTracker>>,
    /// What the sync engine reads: the issue tracker, or the calendar.
    pub source: Option<Arc<dyn SyncSource>>,
    /// A member's calendar: read, written (exports), asked for free/busy.
    pub calendar: Option<Arc<dyn CalendarApi>>,
    pub notifier: Option<Arc<dyn Notifier>>,
    pub chat: Option<Arc<dyn ChatCommands>>,
}

impl Connector {
    pub fn new(
        spec: ProviderSpec,
        account: Arc<dyn AccountApi>,
        revoker: Arc<dyn Revoker>,
    ) -> Self {
        Connector {
            spec,
            account,
            revoker,
            webhook: None,
            events: None,
            issues: None,
            source: None,
            calendar: None,
            notifier: None,
            chat: None,
        }
    }

    /// Webhooks received and read by one value.
    pub fn with_webhooks<T: WebhookReceiver + EventReader + 'static>(
        mut self,
        value: Arc<T>,
    ) -> Self {
        self.webhook = Some(value.clone());
        self.events = Some(value);
        self
    }

    /// The path the provider's webhooks are received on: there is one exactly when its module
    /// registers a receiver.
    pub fn webhook_path(&self) -> Option<String> {
        self.webhook.as_ref().map(|receiver| {
            format!(
                "/api/integrations/{}/{}",
                self.spec.key,
                receiver.path_segment()
            )
        })
    }

    pub fn with_issues<T: IssueTracker + 'static>(mut self, value: Arc<T>) -> Self {
        self.issues = Some(value.clone());
        self.source = Some(value);
        self
    }

    /// A calendar: its events imported by the sync engine, time entries exported to it.
    pub fn with_calendar<T: CalendarApi + 'static>(mut self, value: Arc<T>) -> Self {
        self.source = Some(Arc::new(CalendarSource(value.clone())));
        self.calendar = Some(value);
        self
    }

    pub fn with_notifier(mut self, value: Arc<dyn Notifier>) -> Self {
        self.notifier = Some(value);
        self
    }

    pub fn with_chat(mut self, value: Arc<dyn ChatCommands>) -> Self {
        self.chat = Some(value);
        self
    }
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("key", &self.spec.key)
            .field("webhook", &self.webhook.is_some())
            .field("issues", &self.issues.is_some())
            .field("source", &self.source.as_ref().map(|s| s.kind()))
            .field("notifier", &self.notifier.is_some())
            .field("chat", &self.chat.is_some())
            .finish()
    }
}

/// The catalogue in force: the declared entries with the operator's endpoint overrides applied
/// (`STINT_PROVIDER_<KEY>_AUTHORIZE_URL`, `_TOKEN_URL`, `_REVOKE_URL`, `_API_BASE`).
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: Vec<Connector>,
}

impl Catalogue {
    pub fn new(mut entries: Vec<Connector>, env: &HashMap<ProviderKey, ProviderEnv>) -> Self {
        for spec in entries.iter_mut().map(|c| &mut c.spec) {
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
        entries.sort_by_key(|c| c.spec.key);
        entries.dedup_by_key(|c| c.spec.key);
        Catalogue { entries }
    }

    pub fn get(&self, key: ProviderKey) -> Option<&ProviderSpec> {
        self.connector(key).map(|c| &c.spec)
    }

    pub fn connector(&self, key: ProviderKey) -> Option<&Connector> {
        self.entries.iter().find(|c| c.spec.key == key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ProviderSpec> {
        self.entries.iter().map(|c| &c.spec)
    }

    pub fn connectors(&self) -> impl Iterator<Item = &Connector> {
        self.entries.iter()
    }
}

/// The catalogue's connectors and the OAuth client they share.
#[derive(Clone)]
pub struct Providers {
    pub connectors: Vec<Connector>,
    pub oauth: Arc<dyn OAuthClient>,
}

impl Providers {
    /// Puts a connector in place of the one with the same key, or adds it (tests register their
    /// own providers so).
    pub fn register(mut self, connector: Connector) -> Self {
        self.connectors.retain(|c| c.spec.key != connector.spec.key);
        self.connectors.push(connector);
        self
    }
}
