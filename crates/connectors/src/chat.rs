//! Chat commands (`/tt start acme`): read from a verified request, answered by core against the
//! timer, and replied to in the provider's format.

use super::gateway::GatewayError;
use super::spec::ProviderSpec;
use crate::Secret;

/// A command typed by a member of a chat workspace.
#[derive(Debug, Clone, Default)]
pub struct ChatCommand {
    /// The member's id at the provider.
    pub member: String,
    /// `/tt`.
    pub command: String,
    /// `start acme`.
    pub text: String,
    /// Unique per command, when the provider gives one.
    pub trigger_id: String,
    /// The workspace it came from.
    pub workspace: String,
}

impl ChatCommand {
    /// The sub-command word, lower-cased (`start`, `stop`, …).
    pub fn verb(&self) -> String {
        self.text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// What follows the verb.
    pub fn argument(&self) -> &str {
        self.text
            .trim()
            .split_once(char::is_whitespace)
            .map(|(_, rest)| rest.trim())
            .unwrap_or_default()
    }
}

#[async_trait::async_trait]
pub trait ChatCommands: Send + Sync {
    /// Reads a verified command request; `Err` says why it is not one.
    fn parse(&self, body: &[u8]) -> Result<ChatCommand, String>;

    /// The reply as the provider wants it (Slack: an ephemeral message).
    fn reply(&self, text: &str) -> serde_json::Value;

    /// The member's email, to match them to a Stint account the first time.
    async fn member_email(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        member: &str,
    ) -> Result<Option<String>, GatewayError>;
}
