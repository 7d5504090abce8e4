use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use stint_api_types::ApiTokenId;
use stint_api_types::auth::{ApiToken, CreateApiToken, CreatedApiToken, Scope};
use stint_entity::api_token;
use uuid::Uuid;

use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::validate;

/// Every API token starts with this, so a leaked one is recognisable (and secret scanners can
/// find it).
pub const TOKEN_PREFIX: &str = "stint_";

pub(crate) fn parse_scopes(stored: &str) -> Vec<Scope> {
    stored.split_whitespace().filter_map(Scope::parse).collect()
}

fn to_api(model: &api_token::Model) -> ApiToken {
    ApiToken {
        id: model.id.into(),
        name: model.name.clone(),
        prefix: model.token_prefix.clone(),
        scopes: parse_scopes(&model.scopes),
        created_at: model.created_at,
        last_used_at: model.last_used_at,
        expires_at: model.expires_at,
    }
}

pub async fn create_token(
    stint: &Stint,
    principal: &Principal,
    request: CreateApiToken,
) -> Result<CreatedApiToken, CoreError> {
    let name = validate::name("name", &request.name, 100)?;
    if request.scopes.is_empty() {
        return Err(CoreError::invalid("scopes", "must name at least one scope"));
    }
    let allowed = Principal::scopes_for_role(principal.role);
    if let Some(denied) = request.scopes.iter().find(|s| !allowed.contains(s)) {
        return Err(CoreError::invalid(
            "scopes",
            format!("`{}` is not available to your role", denied.as_str()),
        ));
    }
    // A token cannot carry more than the credential that creates it.
    if let Some(beyond) = request.scopes.iter().find(|s| !principal.has_scope(**s)) {
        return Err(CoreError::InsufficientScope(beyond.as_str()));
    }
    let now = stint.clock.now();
    if request.expires_at.is_some_and(|at| at <= now) {
        return Err(CoreError::invalid("expires_at", "must be in the future"));
    }
    let mut scopes = request.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let token = format!(
        "{TOKEN_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(crate::secret::random_bytes::<32>())
    );
    let model = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(principal.user_id.as_uuid()),
        name: Set(name),
        token_hash: Set(crate::secret::sha256_hex(token.as_bytes())),
        token_prefix: Set(token.chars().take(TOKEN_PREFIX.len() + 6).collect()),
        scopes: Set(scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")),
        created_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(request.expires_at.map(crate::clock::truncate_to_seconds)),
    }
    .insert(&stint.db)
    .await?;
    Ok(CreatedApiToken {
        token_info: to_api(&model),
        token,
    })
}

pub async fn list_tokens(stint: &Stint, principal: &Principal) -> Result<Vec<ApiToken>, CoreError> {
    let tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(principal.user_id.as_uuid()))
        .order_by_asc(api_token::Column::Id)
        .all(&stint.db)
        .await?;
    Ok(tokens.iter().map(to_api).collect())
}

/// Deletes one of the caller's own tokens; another user's token is "not found".
pub async fn delete_token(
    stint: &Stint,
    principal: &Principal,
    id: ApiTokenId,
) -> Result<(), CoreError> {
    let result = api_token::Entity::delete_many()
        .filter(api_token::Column::Id.eq(id.as_uuid()))
        .filter(api_token::Column::UserId.eq(principal.user_id.as_uuid()))
        .exec(&stint.db)
        .await?;
    if result.rows_affected == 0 {
        return Err(CoreError::NotFound("API token"));
    }
    stint.accounts.forget_everyone();
    Ok(())
}
