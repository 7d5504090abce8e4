use stint_api_types::UserId;
use stint_api_types::auth::{Role, Scope};

use crate::error::CoreError;

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A session from a password login: every scope the role allows.
    Session,
    /// A personal API token with the scopes it was created with.
    ApiToken,
}

/// The authenticated caller every service acts for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub role: Role,
    pub scopes: Vec<Scope>,
    pub credential: Credential,
    /// The session's id, for a session that can be signed out on its own.
    pub session: Option<uuid::Uuid>,
}

impl Principal {
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    pub fn require_scope(&self, scope: Scope) -> Result<(), CoreError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(CoreError::InsufficientScope(scope.as_str()))
        }
    }

    /// Admin powers need both the role and, for API tokens, the `admin` scope.
    pub fn require_admin(&self) -> Result<(), CoreError> {
        if self.role != Role::Admin {
            return Err(CoreError::Forbidden("only admins may do this"));
        }
        self.require_scope(Scope::Admin)
    }

    /// Whether this call may see and change everyone's records.
    pub fn acts_as_admin(&self) -> bool {
        self.role == Role::Admin && self.has_scope(Scope::Admin)
    }

    /// Scopes a role may hold at most.
    pub fn scopes_for_role(role: Role) -> Vec<Scope> {
        match role {
            Role::Admin => vec![Scope::Read, Scope::Write, Scope::Admin],
            Role::Member => vec![Scope::Read, Scope::Write],
        }
    }
}
