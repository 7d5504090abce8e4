use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ApiTokenId, Email, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// What an API token may do. Sessions from a password login carry every scope their role allows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read everything the user may see.
    Read,
    /// Create, change and delete what the user may change.
    Write,
    /// Use admin routes (only effective for admins).
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct LoginRequest {
    pub email: Email,
    #[schema(format = Password)]
    pub password: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct LoginResponse {
    /// A bearer token for the `Authorization` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

/// A browser session: the token travels only in the `stint_session` cookie (HttpOnly,
/// `SameSite=Strict`), never in the body.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct BrowserSession {
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Me {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// Who you are at providers (your GitHub login, Slack member id, …).
    pub identities: Vec<crate::users::ExternalIdentity>,
    /// Scopes of the credential used for this request.
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreateApiToken {
    /// A label to recognise the token by, 1–100 characters.
    #[schema(schema_with = crate::schema::name::<100>)]
    pub name: String,
    /// At least one scope. `admin` is only granted to admins.
    pub scopes: Vec<Scope>,
    /// When the token stops working; never, if absent.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Returned once, when the token is created. Stint keeps only a hash of `token`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CreatedApiToken {
    #[serde(flatten)]
    pub token_info: ApiToken,
    pub token: String,
}
