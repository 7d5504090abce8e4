//! Users: the signed-in user's profile, admin management, and the first admin.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use stint_api_types::auth::{Me, Role};
use stint_api_types::users::{CreateUser, UpdateMe, UpdateUser, User};
use stint_api_types::{Email, Page, PageQuery, UserId};
use stint_entity::user;
use uuid::Uuid;

use crate::auth::{Principal, hash_password, verify_password};
use crate::catalogue::UserHandle;
use crate::context::Stint;
use crate::cursor;
use crate::error::{CoreError, constraint_error};
use crate::secret::Secret;
use crate::validate;

pub(crate) fn parse_role(stored: &str) -> Result<Role, CoreError> {
    Role::parse(stored)
        .ok_or_else(|| CoreError::Internal(format!("stored role `{stored}` is unknown")))
}

fn stored_email(stored: &str) -> Result<Email, CoreError> {
    Email::parse(stored)
        .map_err(|_| CoreError::Internal("a stored email does not parse".to_owned()))
}

pub fn to_user(model: &user::Model) -> Result<User, CoreError> {
    Ok(User {
        id: model.id.into(),
        email: stored_email(&model.email)?,
        display_name: model.display_name.clone(),
        role: parse_role(&model.role)?,
        timezone: model.timezone.clone(),
        github_username: model.github_username.clone(),
        slack_user_id: model.slack_user_id.clone(),
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

/// Which unique column a violation came from, to name it to the user.
fn unique_field(err: &sea_orm::DbErr) -> &'static str {
    let text = err.to_string();
    if text.contains("github_username") {
        "GitHub username"
    } else if text.contains("slack_user_id") {
        "Slack user id"
    } else {
        "email"
    }
}

async fn save(stint: &Stint, model: user::ActiveModel) -> Result<user::Model, CoreError> {
    let saved = model.update(&stint.db).await.map_err(|err| {
        let field = unique_field(&err);
        constraint_error(err, taken(field), || {
            CoreError::Internal("user foreign key".to_owned())
        })
    })?;
    stint.accounts.forget_everyone();
    Ok(saved)
}

/// Gives `user_id` this handle at a provider, proven by their own connection: whoever had claimed
/// it by hand loses it.
pub(crate) async fn take_handle<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    column: UserHandle,
    handle: &str,
) -> Result<(), CoreError> {
    use sea_orm::sea_query::Expr;
    user::Entity::update_many()
        .col_expr(column.column(), Expr::value(Option::<String>::None))
        .filter(column.column().eq(handle))
        .filter(user::Column::Id.ne(user_id))
        .exec(db)
        .await?;
    user::Entity::update_many()
        .col_expr(column.column(), Expr::value(handle.to_owned()))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn me(stint: &Stint, principal: &Principal) -> Result<Me, CoreError> {
    let model = find(stint, principal.user_id).await?;
    me_from(&model, principal)
}

pub fn me_from(model: &user::Model, principal: &Principal) -> Result<Me, CoreError> {
    Ok(Me {
        id: model.id.into(),
        email: stored_email(&model.email)?,
        display_name: model.display_name.clone(),
        role: parse_role(&model.role)?,
        timezone: model.timezone.clone(),
        github_username: model.github_username.clone(),
        slack_user_id: model.slack_user_id.clone(),
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
    match &request.github_username {
        // Clearing one's own is always allowed; a login comes from one's own GitHub connection
        // (or an admin), so that nobody can claim another's.
        Some(None) => model.github_username = Set(None),
        Some(Some(_)) => {
            return Err(CoreError::invalid(
                "github_username",
                "is taken from your own GitHub connection: connect GitHub personally, or ask an admin to set it",
            ));
        }
        None => {}
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
    me_from(&saved, principal)
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
        github_username: Set(None),
        slack_user_id: Set(None),
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
    to_user(&create_user(stint, request).await?)
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
    cursor::page_by_id(rows, limit, |m| m.id, to_user)
}

pub async fn admin_get(
    stint: &Stint,
    principal: &Principal,
    id: UserId,
) -> Result<User, CoreError> {
    principal.require_admin()?;
    to_user(&find(stint, id).await?)
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
    if let Some(login) = &request.github_username {
        model.github_username = Set(login
            .as_deref()
            .map(|l| validate::github_username("github_username", l))
            .transpose()?);
    }
    if let Some(slack) = &request.slack_user_id {
        model.slack_user_id = Set(slack
            .as_deref()
            .map(|s| validate::slack_user_id("slack_user_id", s))
            .transpose()?);
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
    to_user(&save(stint, model).await?)
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
