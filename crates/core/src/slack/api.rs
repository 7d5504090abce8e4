//! What core needs from Slack's Web API, implemented over HTTP in `stint-providers`.

use crate::catalogue::ProviderSpec;
use crate::integrations::gateway::GatewayError;
use crate::secret::Secret;

#[async_trait::async_trait]
pub trait SlackApi: Send + Sync {
    /// `users.info`: the member's email, when the token may read it.
    async fn user_email(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        slack_user_id: &str,
    ) -> Result<Option<String>, GatewayError>;

    /// `chat.postMessage` to a channel id, `#name` or a member id (a direct message).
    async fn post_message(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        channel: &str,
        text: &str,
    ) -> Result<(), GatewayError>;
}
