use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;
use crate::providers::ProviderKey;
use crate::{Email, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub timezone: String,
    /// Who the user is at providers (their GitHub login, Slack member id, …).
    pub identities: Vec<ExternalIdentity>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who a user is at a provider: the handle the provider names them by, which is how an issue's
/// assignee or a chat member becomes this user. Taken from the user's own connection, or set by
/// an admin; a handle belongs to one user per provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ExternalIdentity {
    pub provider: ProviderKey,
    /// A GitHub login (stored lower-case), a Slack member id, …
    pub handle: String,
    /// The account's id at the provider, where the user's own connection proved it.
    pub external_id: Option<String>,
}

/// An admin sets who a user is at a provider.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetIdentity {
    /// As the provider writes it (`octocat`, `U024BE7LH`); checked by the provider's rules.
    #[schema(min_length = 1, max_length = 100)]
    pub handle: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateUser {
    pub email: Email,
    /// Defaults to the part of the email before `@`.
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name::<100>)]
    pub display_name: Option<String>,
    /// At least 8 characters.
    #[schema(format = Password, min_length = 8, max_length = 1024)]
    pub password: String,
    #[serde(default = "default_role")]
    pub role: Role,
    /// IANA time zone; `UTC` if absent.
    #[serde(default)]
    pub timezone: Option<String>,
}

fn default_role() -> Role {
    Role::Member
}

/// Changes an admin may make to any user. Absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct UpdateUser {
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name::<100>)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub timezone: Option<String>,
    /// A new password (at least 8 characters).
    #[serde(default)]
    #[schema(format = Password, min_length = 8, max_length = 1024)]
    pub password: Option<String>,
}

/// Changes a user may make to their own profile. Absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct UpdateMe {
    #[serde(default)]
    #[schema(schema_with = crate::schema::optional_name::<100>)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    /// Required to change the password.
    #[serde(default)]
    #[schema(format = Password)]
    pub current_password: Option<String>,
    #[serde(default)]
    #[schema(format = Password, min_length = 8, max_length = 1024)]
    pub new_password: Option<String>,
}

/// What Stint tells you through your chat provider (your own Slack connection, else the
/// organisation's).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// A message when your timer starts or stops.
    pub timer_notifications: bool,
    /// A summary of your day, once a day.
    pub daily_summary_enabled: bool,
    /// When the summary is sent, `HH:MM` in your time zone (it goes out within the half hour
    /// that holds this time). Required to enable the summary.
    #[schema(example = "17:30", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub daily_summary_time: Option<String>,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            timer_notifications: true,
            daily_summary_enabled: false,
            daily_summary_time: None,
        }
    }
}
