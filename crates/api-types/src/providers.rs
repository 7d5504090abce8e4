//! Providers, provider apps and integrations on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::UserId;
use crate::patch;

/// A kind of external system.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKey {
    Github,
    Gitlab,
    Jira,
    Linear,
    Asana,
    Trello,
    Slack,
    MicrosoftTeams,
    GoogleCalendar,
    OutlookCalendar,
    Quickbooks,
    Xero,
    Hubspot,
}

impl ProviderKey {
    pub const ALL: [ProviderKey; 13] = [
        ProviderKey::Github,
        ProviderKey::Gitlab,
        ProviderKey::Jira,
        ProviderKey::Linear,
        ProviderKey::Asana,
        ProviderKey::Trello,
        ProviderKey::Slack,
        ProviderKey::MicrosoftTeams,
        ProviderKey::GoogleCalendar,
        ProviderKey::OutlookCalendar,
        ProviderKey::Quickbooks,
        ProviderKey::Xero,
        ProviderKey::Hubspot,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderKey::Github => "github",
            ProviderKey::Gitlab => "gitlab",
            ProviderKey::Jira => "jira",
            ProviderKey::Linear => "linear",
            ProviderKey::Asana => "asana",
            ProviderKey::Trello => "trello",
            ProviderKey::Slack => "slack",
            ProviderKey::MicrosoftTeams => "microsoft_teams",
            ProviderKey::GoogleCalendar => "google_calendar",
            ProviderKey::OutlookCalendar => "outlook_calendar",
            ProviderKey::Quickbooks => "quickbooks",
            ProviderKey::Xero => "xero",
            ProviderKey::Hubspot => "hubspot",
        }
    }

    pub fn parse(value: &str) -> Option<ProviderKey> {
        ProviderKey::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// The `<KEY>` of `STINT_PROVIDER_<KEY>_<FIELD>`: `GITHUB`, `GOOGLE_CALENDAR`, …
    pub fn env_key(self) -> String {
        self.as_str().to_ascii_uppercase()
    }
}

impl std::fmt::Display for ProviderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    Oauth2,
    /// An API key (and, for Trello, a user token) entered by hand.
    ApiKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Issues,
    Calendar,
    Notifications,
    Accounting,
    Crm,
}

/// Global: one connection for the whole organisation. Personal: one per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationScope {
    Global,
    Personal,
}

impl IntegrationScope {
    pub const fn as_str(self) -> &'static str {
        match self {
            IntegrationScope::Global => "global",
            IntegrationScope::Personal => "personal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationStatus {
    Pending,
    Active,
    NeedsReauth,
    Error,
    Revoked,
    Disabled,
}

/// One catalogue entry as a user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderInfo {
    pub key: ProviderKey,
    pub display_name: String,
    pub auth_kind: AuthKind,
    pub capabilities: Vec<Capability>,
    /// Where it may be connected now: `global`, `personal` or both.
    pub modes: Vec<IntegrationScope>,
    /// Whether an admin has entered (or the environment provides) the app credentials it needs.
    pub configured: bool,
    pub enabled: bool,
}

/// A provider app as its admin sees it. Secrets are write-only: only whether each is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderApp {
    pub provider: ProviderKey,
    pub display_name: String,
    pub auth_kind: AuthKind,
    pub client_id: Option<String>,
    pub client_secret_set: bool,
    pub webhook_secret_set: bool,
    pub signing_secret_set: bool,
    pub api_key_set: bool,
    pub enabled: bool,
    /// Whether members may connect their own account (where the provider allows it).
    pub allow_personal: bool,
    pub configured: bool,
    pub modes: Vec<IntegrationScope>,
    /// Register exactly this redirect URI with the provider.
    pub redirect_uri: String,
    /// Where the provider should send webhooks, if it sends any.
    pub webhook_url: Option<String>,
    /// Scopes Stint asks for.
    pub scopes: Vec<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Changes to a provider app. Absent fields stay; `null` clears a value; secrets are write-only.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct UpdateProviderApp {
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(schema_with = crate::schema::optional_name::<500>)]
    pub client_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>, format = Password, pattern = "\\S", max_length = 8192)]
    pub client_secret: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>, format = Password, pattern = "\\S", max_length = 8192)]
    pub webhook_secret: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>, format = Password, pattern = "\\S", max_length = 8192)]
    pub signing_secret: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>, format = Password, pattern = "\\S", max_length = 8192)]
    pub api_key: Option<Option<String>>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub allow_personal: Option<bool>,
}

/// One connection to a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Integration {
    pub id: uuid::Uuid,
    pub provider: ProviderKey,
    pub scope: IntegrationScope,
    /// Absent for global integrations.
    pub user_id: Option<UserId>,
    pub status: IntegrationStatus,
    /// Why the status is what it is, for a person to read.
    pub status_reason: Option<String>,
    /// The connected account: a GitHub login, a Slack team, an email.
    pub external_account: Option<String>,
    pub connected_at: Option<DateTime<Utc>>,
    pub connected_by: Option<UserId>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// When Stint last used the connection's token (kept to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// The most recent sync run and its outcome, if it ever synced.
    pub last_sync: Option<crate::webhooks::SyncRun>,
    /// Provider settings (see `PUT /api/integrations/{provider}/config`).
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IntegrationList {
    pub global: Vec<Integration>,
    pub personal: Vec<Integration>,
}

/// Which connection of a provider: `global` or `personal`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScopeQuery {
    /// For connect, the mode to connect in (default `personal` where allowed, else `global`);
    /// elsewhere, absent means your personal connection if you have one, else the global one.
    pub scope: Option<IntegrationScope>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectStarted {
    /// Send the browser here. The state in it is single-use and expires at `expires_at`; it only
    /// completes in the browser that received this response (a cookie binds it).
    pub authorization_url: String,
    pub expires_at: DateTime<Utc>,
}

/// Query of the OAuth callback, as the provider sends it.
// Unlike Stint's other queries, unknown parameters pass: providers add their own (Google's
// `scope`, `authuser` and `prompt`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// `access_denied` when the user declined.
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// QuickBooks names the connected company here.
    #[serde(rename = "realmId")]
    pub realm_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Disconnected {
    pub integration: Integration,
    pub revoked_at_provider: bool,
    /// Why revoking at the provider failed; the tokens are forgotten all the same.
    pub revoke_error: Option<String>,
}

/// An API key and user token (Trello), checked with a real call before they are saved.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ApiKeyCredentials {
    #[schema(format = Password)]
    pub api_key: String,
    #[schema(format = Password)]
    pub token: String,
}

/// The outcome of a cheap authenticated call to the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionTest {
    pub ok: bool,
    /// Round trip of the test call, including a token refresh if one was needed.
    pub latency_ms: u64,
    pub error: Option<String>,
    pub status: IntegrationStatus,
}

/// GitHub settings: which repositories to follow and where their issues go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GithubSettings {
    /// `owner/repo`, at most 100.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// Only issues with this label become tasks.
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name::<100>)]
    pub label_filter: Option<String>,
    /// `owner/repo` → project; unmapped repositories get a project named after them.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub repository_projects: std::collections::BTreeMap<String, crate::ProjectId>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncDirection {
    #[default]
    Import,
    Export,
    Both,
}

/// Calendar settings (Google Calendar, Outlook), one member's own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    /// `primary` by default.
    #[serde(default = "primary_calendar")]
    #[schema(schema_with = crate::schema::name::<300>)]
    pub calendar_id: String,
    /// `import` (events become time entries), `export` (time entries become events) or `both`.
    #[serde(default)]
    pub sync_direction: SyncDirection,
    /// How many days back to sync; clamped to 1–30 (default 7).
    #[serde(default = "seven")]
    pub sync_days_back: i64,
    /// The project imported entries are filed under; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub project_id: Option<crate::ProjectId>,
}

impl Default for CalendarSettings {
    fn default() -> Self {
        CalendarSettings {
            calendar_id: primary_calendar(),
            sync_direction: SyncDirection::default(),
            sync_days_back: seven(),
            project_id: None,
        }
    }
}

impl SyncDirection {
    pub fn imports(self) -> bool {
        matches!(self, SyncDirection::Import | SyncDirection::Both)
    }

    pub fn exports(self) -> bool {
        matches!(self, SyncDirection::Export | SyncDirection::Both)
    }
}

fn primary_calendar() -> String {
    "primary".to_owned()
}

fn seven() -> i64 {
    7
}

/// Slack settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackSettings {
    /// Where timer notifications go: `#channel` or a channel id such as `C024BE91L`.
    #[serde(default)]
    pub channel: Option<String>,
    /// `HH:MM` in each user's time zone.
    #[serde(default)]
    pub daily_summary_time: Option<String>,
}

/// Provider settings; the shape depends on the provider (other providers take `{}` for now).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IntegrationSettings {
    Github(GithubSettings),
    Calendar(CalendarSettings),
    Slack(SlackSettings),
}

/// The webhook URL of one member's own connection and the secret it is signed with: shown once,
/// each time it is made anew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionWebhook {
    /// Paste at the provider (GitHub: a repository's Settings → Webhooks → Payload URL).
    pub webhook_url: String,
    /// The webhook secret to paste beside it. Any earlier secret of this connection stops working.
    pub secret: String,
}
