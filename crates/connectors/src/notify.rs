//! Posting a message: timer notices to a channel, a daily summary to a person.

use super::gateway::GatewayError;
use super::spec::ProviderSpec;
use crate::Secret;

#[async_trait::async_trait]
pub trait Notifier: Send + Sync {
    /// Where a connection's timer notices go, from its settings; `None` when none is set.
    fn channel(&self, config: &serde_json::Value) -> Option<String>;

    /// Posts `text` to a channel or to a person (their handle at the provider).
    async fn post(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        recipient: &str,
        text: &str,
    ) -> Result<(), GatewayError>;
}
