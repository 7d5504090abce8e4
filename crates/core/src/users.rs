//! Users: the signed-in user's profile, admin management, and the first admin.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use stint_api_types::auth::{Me, Role};
use stint_api_types::providers::ProviderKey;
use stint_api_types::users::{
    CreateUser, ExternalIdentity, SetIdentity, UpdateMe, UpdateUser, User,
};
use stint_api_types::{Email, Page, PageQuery, UserId};
use stint_entity::user;
use uuid::Uuid;

use crate::auth::{Principal, hash_password, verify_password};
use crate::context::Stint;
use crate::cursor;
use crate::error::{CoreError, constraint_error};
use crate::identities;
use crate::validate;
use stint_connectors::Connector;
use stint_connectors::Secret;

pub(crate) fn parse_role(stored: &str) -> Result<Role, CoreError> {
    Role::parse(stored)
        .ok_or_else(|| CoreError::Internal(format!("stored role `{stored}` is unknown")))
}

fn stored_email(stored: &str) -> Result<Email, CoreError> {
    Email::parse(stored)
        .map_err(|_| CoreError::Internal("a stored email does not parse".to_owned()))
}

pub fn to_user(model: &user::Model, identities: Vec<ExternalIdentity>) -> Result<User, CoreError> {
    Ok(User {
        id: model.id.into(),
        email: stored_email(&model.email)?,
        display_name: model.display_name.clone(),
        role: parse_role(&model.role)?,
        timezone: model.timezone.clone(),
        identities,
        active: model.active,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

async fn find(stint: &Stint, id: UserId) -> Result<user::Model, CoreError> {
    user::Entity::find_by_id(id.as_uuid())
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("user"))
}

fn taken(field: &'static str) -> impl FnOnce() -> CoreError {
    move || CoreError::Conflict(format!("this {field} already belongs to another user"))
}

async fn save(stint: &Stint, model: user::ActiveModel) -> Result<user::Model, CoreError> {
    let saved = model.update(&stint.db).await.map_err(|err| {
        constraint_error(err, taken("email"), || {
            CoreError::Internal("user foreign key".to_owned())
        })
    })?;
    stint.accounts.forget_everyone();
    Ok(saved)
}

pub async fn me(stint: &Stint, principal: &Principal) -> Result<Me, CoreError> {
    let model = find(stint, principal.user_id).await?;
    let identities = identities::of_user(&stint.db, model.id).await?;
    me_from(&model, identities, principal)
}

pub fn me_from(
    model: &user::Model,
    identities: Vec<ExternalIdentity>,
    principal: &Principal,
) -> Result<Me, CoreError> {
    Ok(Me {
        id: model.id.into(),
        email: stored_email(&model.email)?,
        display_name: model.display_name.clone(),
        role: parse_role(&model.role)?,
        timezone: model.timezone.clone(),
        identities,
        scopes: principal.scopes.clone(),
    })
}

pub async fn update_me(
    stint: &Stint,
    principal: &Principal,
    request: UpdateMe,
) -> Result<Me, CoreError> {
    let current = find(stint, principal.user_id).await?;
    let mut model = current.clone().into_active_model();
    if let Some(name) = &request.display_name {
        model.display_name = Set(validate::name("display_name", name, 100)?);
    }
    if let Some(tz) = &request.timezone {
        model.timezone = Set(validate::timezone("timezone", tz)?);
    }
    if let Some(new_password) = &request.new_password {
        validate::password("new_password", new_password)?;
        let current_ok = match (&request.current_password, &current.password_hash) {
            (Some(given), Some(hash)) => verify_password(given, hash),
            _ => false,
        };
        if !current_ok {
            return Err(CoreError::invalid(
                "current_password",
                "does not match your current password",
            ));
        }
        model.password_hash = Set(Some(hash_password(new_password)?));
        // A new password ends every earlier session, this one included.
        model.session_generation = Set(current.session_generation + 1);
    }
    model.updated_at = Set(stint.clock.now());
    let saved = save(stint, model).await?;
    let identities = identities::of_user(&stint.db, saved.id).await?;
    me_from(&saved, identities, principal)
}

/// Creates a user; used by admins through the API and by `stint user create`.
pub async fn create_user(stint: &Stint, request: CreateUser) -> Result<user::Model, CoreError> {
    validate::password("password", &request.password)?;
    let display_name = match &request.display_name {
        Some(name) => validate::name("display_name", name, 100)?,
        None => request
            .email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let timezone = match &request.timezone {
        Some(tz) => validate::timezone("timezone", tz)?,
        None => "UTC".to_owned(),
    };
    let password = request.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| CoreError::Internal(format!("password hashing panicked: {e}")))??;
    let now = stint.clock.now();
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(request.email.as_str().to_owned()),
        display_name: Set(display_name),
        password_hash: Set(Some(hash)),
        role: Set(request.role.as_str().to_owned()),
        timezone: Set(timezone),
        session_generation: Set(0),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&stint.db)
    .await
    .map_err(|err| {
        constraint_error(err, taken("email"), || {
            CoreError::Internal("user foreign key".to_owned())
        })
    })
}

pub async fn admin_create(
    stint: &Stint,
    principal: &Principal,
    request: CreateUser,
) -> Result<User, CoreError> {
    principal.require_admin()?;
    to_user(&create_user(stint, request).await?, Vec::new())
}

pub async fn admin_list(
    stint: &Stint,
    principal: &Principal,
    page: PageQuery,
) -> Result<Page<User>, CoreError> {
    principal.require_admin()?;
    let limit = validate::page_limit(page.limit)?;
    let mut query = user::Entity::find()
        .order_by_asc(user::Column::Id)
        .limit(limit + 1);
    if let Some(raw) = &page.cursor {
        query = query.filter(user::Column::Id.gt(cursor::decode_id(raw)?));
    }
    let rows = query.all(&stint.db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let identities = identities::of_users(&stint.db, &ids).await?;
    cursor::page_by_id(
        rows,
        limit,
        |m| m.id,
        |m| to_user(m, identities.get(&m.id).cloned().unwrap_or_default()),
    )
}

pub async fn admin_get(
    stint: &Stint,
    principal: &Principal,
    id: UserId,
) -> Result<User, CoreError> {
    principal.require_admin()?;
    user_with_identities(stint, find(stint, id).await?).await
}

async fn user_with_identities(stint: &Stint, model: user::Model) -> Result<User, CoreError> {
    let identities = identities::of_user(&stint.db, model.id).await?;
    to_user(&model, identities)
}

pub async fn admin_update(
    stint: &Stint,
    principal: &Principal,
    id: UserId,
    request: UpdateUser,
) -> Result<User, CoreError> {
    principal.require_admin()?;
    // An admin who takes away their own access cannot give it back: another admin does that.
    let demotes = request.role.is_some_and(|r| r != Role::Admin);
    if id == principal.user_id && (request.active == Some(false) || demotes) {
        return Err(CoreError::Conflict(
            "you cannot deactivate yourself or take away your own admin role; another admin can"
                .to_owned(),
        ));
    }
    let current = find(stint, id).await?;
    let was_active_admin = current.active && current.role == Role::Admin.as_str();
    let generation = current.session_generation;
    let mut model = current.into_active_model();
    if let Some(name) = &request.display_name {
        model.display_name = Set(validate::name("display_name", name, 100)?);
    }
    if let Some(tz) = &request.timezone {
        model.timezone = Set(validate::timezone("timezone", tz)?);
    }
    if let Some(role) = request.role {
        model.role = Set(role.as_str().to_owned());
    }
    if let Some(active) = request.active {
        model.active = Set(active);
    }
    if let Some(password) = &request.password {
        validate::password("password", password)?;
        model.password_hash = Set(Some(hash_password(password)?));
    }
    // A password set by an admin, or a deactivation, ends the user's sessions at once.
    if request.password.is_some() || request.active == Some(false) {
        model.session_generation = Set(generation + 1);
    }
    let stays_active_admin =
        request.active.unwrap_or(true) && request.role.is_none_or(|r| r == Role::Admin);
    if was_active_admin && !stays_active_admin && active_admins(stint).await? <= 1 {
        return Err(CoreError::Conflict(
            "this is the last active admin; make another user admin first".to_owned(),
        ));
    }
    model.updated_at = Set(stint.clock.now());
    let saved = save(stint, model).await?;
    user_with_identities(stint, saved).await
}

fn connector(stint: &Stint, provider: ProviderKey) -> Result<&Connector, CoreError> {
    stint
        .catalogue
        .connector(provider)
        .ok_or(CoreError::NotFound("provider"))
}

/// An admin sets who a user is at a provider (their GitHub login, their Slack member id).
pub async fn set_identity(
    stint: &Stint,
    principal: &Principal,
    id: UserId,
    provider: ProviderKey,
    request: SetIdentity,
) -> Result<User, CoreError> {
    principal.require_admin()?;
    let connector = connector(stint, provider)?;
    let found = find(stint, id).await?;
    identities::set(
        &stint.db,
        connector,
        found.id,
        &request.handle,
        stint.clock.now(),
    )
    .await?;
    stint.accounts.forget_everyone();
    crate::audit::record(
        stint,
        principal,
        "user.identity_set",
        "user",
        &found.id.to_string(),
        serde_json::json!({ "provider": provider.as_str() }),
    )
    .await?;
    user_with_identities(stint, found).await
}

/// An admin forgets who a user is at a provider.
pub async fn clear_identity(
    stint: &Stint,
    principal: &Principal,
    id: UserId,
    provider: ProviderKey,
) -> Result<User, CoreError> {
    principal.require_admin()?;
    connector(stint, provider)?;
    let found = find(stint, id).await?;
    identities::clear(&stint.db, provider, found.id).await?;
    stint.accounts.forget_everyone();
    user_with_identities(stint, found).await
}

/// A user forgets who they are at a provider (it comes back when they connect their own
/// account there). Setting one is left to their own connection or an admin, so that nobody can
/// claim another's.
pub async fn clear_my_identity(
    stint: &Stint,
    principal: &Principal,
    provider: ProviderKey,
) -> Result<Me, CoreError> {
    connector(stint, provider)?;
    identities::clear(&stint.db, provider, principal.user_id.as_uuid()).await?;
    stint.accounts.forget_everyone();
    me(stint, principal).await
}

/// An admin's "sign out everywhere" for a user: every session ends at once (API tokens stay).
pub async fn sign_out_everywhere(
    stint: &Stint,
    principal: &Principal,
    id: UserId,
) -> Result<(), CoreError> {
    principal.require_admin()?;
    let found = find(stint, id).await?;
    crate::auth::end_sessions(&stint.db, found.id).await?;
    stint.accounts.forget_everyone();
    crate::audit::record(
        stint,
        principal,
        "user.signed_out_everywhere",
        "user",
        &found.id.to_string(),
        serde_json::json!({}),
    )
    .await
}

async fn active_admins(stint: &Stint) -> Result<u64, CoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .count(&stint.db)
        .await?)
}

/// The first admin, created at start when the database has no user yet.
pub struct BootstrappedAdmin {
    pub email: Email,
    /// Set when Stint chose the password; shown once and never stored in plain text.
    pub generated_password: Option<Secret>,
}

pub async fn bootstrap_admin(stint: &Stint) -> Result<Option<BootstrappedAdmin>, CoreError> {
    if user::Entity::find().count(&stint.db).await? > 0 {
        return Ok(None);
    }
    let email = match &stint.config.admin_email {
        Some(email) => email.clone(),
        None => Email::parse("admin@localhost").map_err(|e| CoreError::Internal(e.to_string()))?,
    };
    let (password, generated) = match &stint.config.admin_password {
        Some(password) => (password.clone(), false),
        None => {
            use base64::Engine;
            let random = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(crate::secret::random_bytes::<15>());
            (Secret::new(random), true)
        }
    };
    let request = CreateUser {
        email: email.clone(),
        display_name: Some("Admin".to_owned()),
        password: password.expose().to_owned(),
        role: Role::Admin,
        timezone: None,
    };
    match create_user(stint, request).await {
        Ok(_) => {}
        // Another process bootstrapped at the same moment.
        Err(CoreError::Conflict(_)) => return Ok(None),
        Err(err) => return Err(err),
    }
    tracing::info!(email = %email, "created the first admin");
    Ok(Some(BootstrappedAdmin {
        email,
        generated_password: generated.then_some(password),
    }))
}

/// The principal of a user acting through a session (for work done on their behalf, such as an
/// OAuth callback that carries no credentials of its own).
/// The user's principal, unless the account is deactivated (or gone).
pub(crate) async fn active_principal(
    stint: &Stint,
    user_id: Uuid,
) -> Result<Option<Principal>, CoreError> {
    match user::Entity::find_by_id(user_id).one(&stint.db).await? {
        Some(found) if found.active => principal_for(stint, user_id).await.map(Some),
        _ => Ok(None),
    }
}

pub async fn principal_for(stint: &Stint, user_id: Uuid) -> Result<Principal, CoreError> {
    let user = find(stint, user_id.into()).await?;
    let role = parse_role(&user.role)?;
    Ok(Principal {
        user_id: user.id.into(),
        role,
        scopes: Principal::scopes_for_role(role),
        credential: crate::auth::Credential::Session,
        session: None,
    })
}
