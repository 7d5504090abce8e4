use std::net::IpAddr;

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use stint_api_types::Email;
use stint_api_types::auth::LoginResponse;
use stint_entity::{api_token, ended_session, user};
use uuid::Uuid;

use super::api_tokens::{TOKEN_PREFIX, parse_scopes};
use crate::auth::SessionClaims;
use crate::auth::{Credential, Principal};
use crate::auth::{decoy_hash, verify_password};
use crate::context::Stint;
use crate::error::CoreError;
use crate::users::parse_role;

/// Checks email and password. Unknown email, wrong password and disabled account all answer
/// `InvalidCredentials` after the same amount of work, so the answer reveals nothing.
pub async fn login(
    stint: &Stint,
    email: &Email,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<LoginResponse, CoreError> {
    stint.accounts.limiter.check(email.as_str(), ip)?;
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&stint.db)
        .await?;
    let stored_hash = found.as_ref().and_then(|u| u.password_hash.clone());
    let candidate = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || match stored_hash.as_deref() {
        Some(hash) => verify_password(&candidate, hash),
        None => {
            let _same_cost = verify_password(&candidate, decoy_hash());
            false
        }
    })
    .await
    .map_err(|e| CoreError::Internal(format!("password check panicked: {e}")))?;
    let user = match found {
        Some(user) if matches && user.active && user.password_hash.is_some() => user,
        _ => return Err(CoreError::InvalidCredentials),
    };
    let now = stint.clock.now();
    let ttl = Duration::from_std(stint.config.session_ttl).unwrap_or_else(|_| Duration::hours(12));
    let expires_at = now + ttl;
    let session = Uuid::new_v4();
    let access_token = stint.accounts.sessions.issue(
        SessionClaims {
            user_id: user.id,
            session: Some(session),
            generation: user.session_generation,
        },
        now,
        expires_at,
    )?;
    let role = parse_role(&user.role)?;
    let principal = Principal {
        user_id: user.id.into(),
        role,
        scopes: Principal::scopes_for_role(role),
        credential: Credential::Session,
        session: Some(session),
    };
    Ok(LoginResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_at,
        user: crate::users::me_from(
            &user,
            crate::identities::of_user(&stint.db, user.id).await?,
            &principal,
        )?,
    })
}

/// Resolves an `Authorization: Bearer …` value: a personal API token (`stint_…`) or a session JWT.
/// The user behind it is re-read at most every two seconds (see `PrincipalCache`); a disabled
/// account or a changed role takes effect at once in this process.
pub async fn authenticate_bearer(stint: &Stint, bearer: &str) -> Result<Principal, CoreError> {
    let now = stint.clock.now();
    if bearer.starts_with(TOKEN_PREFIX) {
        let hash = crate::secret::sha256_hex(bearer.as_bytes());
        if let Some(principal) = stint.accounts.principals.get(&hash, now) {
            return Ok(principal);
        }
        authenticate_api_token(stint, hash).await
    } else {
        let claims = stint.accounts.sessions.verify(bearer, now)?;
        let key = match claims.session {
            Some(session) => format!("session:{session}"),
            None => format!("session:{}:{}", claims.user_id, claims.generation),
        };
        if let Some(principal) = stint.accounts.principals.get(&key, now) {
            return Ok(principal);
        }
        let user = active_user(stint, claims.user_id).await?;
        // Signed out everywhere since it was issued, or signed out on its own.
        if user.session_generation != claims.generation {
            return Err(CoreError::InvalidToken);
        }
        if let Some(session) = claims.session
            && ended_session::Entity::find_by_id(session)
                .one(&stint.db)
                .await?
                .is_some()
        {
            return Err(CoreError::InvalidToken);
        }
        let role = parse_role(&user.role)?;
        let principal = Principal {
            user_id: user.id.into(),
            role,
            scopes: Principal::scopes_for_role(role),
            credential: Credential::Session,
            session: claims.session,
        };
        stint.accounts.principals.put(key, principal.clone(), None);
        Ok(principal)
    }
}

/// Tokens are looked up by their SHA-256: the table never holds a usable token.
async fn authenticate_api_token(stint: &Stint, hash: String) -> Result<Principal, CoreError> {
    let token = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash.as_str()))
        .one(&stint.db)
        .await?
        .ok_or(CoreError::InvalidToken)?;
    let now = stint.clock.now();
    let token_expires_at = token.expires_at;
    if token.expires_at.is_some_and(|at| at <= now) {
        return Err(CoreError::InvalidToken);
    }
    let user = active_user(stint, token.user_id).await?;
    let role = parse_role(&user.role)?;
    // A member's token that was once given `admin` gains nothing: scopes are capped by the role.
    let allowed = Principal::scopes_for_role(role);
    let scopes = parse_scopes(&token.scopes)
        .into_iter()
        .filter(|s| allowed.contains(s))
        .collect();
    // Recording use costs a write; once a minute per token is precise enough.
    if token
        .last_used_at
        .is_none_or(|at| now - at >= Duration::minutes(1))
    {
        let mut touch: api_token::ActiveModel = token.into();
        touch.last_used_at = Set(Some(now));
        if let Err(err) = touch.update(&stint.db).await {
            tracing::warn!(error = %err, "could not record API token use");
        }
    }
    let principal = Principal {
        user_id: user.id.into(),
        role,
        scopes,
        credential: Credential::ApiToken,
        session: None,
    };
    stint
        .accounts
        .principals
        .put(hash, principal.clone(), token_expires_at);
    Ok(principal)
}

/// Signs out the caller's session (only that one). API tokens are deleted instead.
pub async fn logout(stint: &Stint, principal: &Principal) -> Result<(), CoreError> {
    let Some(session) = principal.session else {
        return Err(CoreError::invalid(
            "authorization",
            "only a session can sign out; delete an API token with DELETE /api/tokens/{id}",
        ));
    };
    let ttl = Duration::from_std(stint.config.session_ttl).unwrap_or_else(|_| Duration::hours(12));
    ended_session::Entity::insert(ended_session::ActiveModel {
        id: Set(session),
        user_id: Set(principal.user_id.as_uuid()),
        // No session outlives its ttl; the record is not needed after that.
        expires_at: Set(stint.clock.now() + ttl),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(ended_session::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&stint.db)
    .await?;
    stint.accounts.principals.clear();
    Ok(())
}

async fn active_user(stint: &Stint, id: Uuid) -> Result<user::Model, CoreError> {
    match user::Entity::find_by_id(id).one(&stint.db).await? {
        Some(user) if user.active => Ok(user),
        _ => Err(CoreError::InvalidToken),
    }
}
