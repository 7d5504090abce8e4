//! External identities: who a Stint user is at each provider. Filled from a member's own
//! connection (proven, so it takes the handle from whoever had it), from a chat member matched by
//! email, or by an admin. Matching an issue's assignee or a chat member to a user goes through
//! here for every provider.

use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter,
    QuerySelect, RelationDef,
};
use stint_api_types::providers::ProviderKey;
use stint_api_types::users::ExternalIdentity;
use stint_entity::{external_identity, user};
use uuid::Uuid;

use crate::error::CoreError;
use stint_connectors::{Connector, Handles};

fn identity_of(model: external_identity::Model) -> Option<ExternalIdentity> {
    Some(ExternalIdentity {
        provider: ProviderKey::parse(&model.provider)?,
        handle: model.handle,
        external_id: model.external_id,
    })
}

/// A user's identities, by provider.
pub async fn of_user<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<ExternalIdentity>, CoreError> {
    Ok(of_users(db, &[user_id])
        .await?
        .remove(&user_id)
        .unwrap_or_default())
}

/// The identities of several users at once (a page of users).
pub async fn of_users<C: ConnectionTrait>(
    db: &C,
    users: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ExternalIdentity>>, CoreError> {
    let rows = external_identity::Entity::find()
        .filter(external_identity::Column::UserId.is_in(users.iter().copied()))
        .all(db)
        .await?;
    let mut found: HashMap<Uuid, Vec<ExternalIdentity>> = HashMap::new();
    for row in rows {
        let user_id = row.user_id;
        if let Some(identity) = identity_of(row) {
            found.entry(user_id).or_default().push(identity);
        }
    }
    for identities in found.values_mut() {
        identities.sort_by_key(|i| i.provider);
    }
    Ok(found)
}

/// The user's handle at a provider, if they have one.
pub async fn handle_of<C: ConnectionTrait>(
    db: &C,
    provider: ProviderKey,
    user_id: Uuid,
) -> Result<Option<String>, CoreError> {
    Ok(
        external_identity::Entity::find_by_id((user_id, provider.as_str().to_owned()))
            .one(db)
            .await?
            .map(|row| row.handle),
    )
}

fn to_user() -> RelationDef {
    external_identity::Entity::belongs_to(user::Entity)
        .from(external_identity::Column::UserId)
        .to(user::Column::Id)
        .into()
}

/// The active user a provider's handle names, as the provider writes it (a payload's login).
pub async fn active_user<C: ConnectionTrait>(
    db: &C,
    provider: ProviderKey,
    handles: &Handles,
    handle: &str,
) -> Result<Option<user::Model>, CoreError> {
    let Ok(handle) = (handles.parse)(handle) else {
        return Ok(None);
    };
    Ok(user::Entity::find()
        .join_rev(JoinType::InnerJoin, to_user())
        .filter(external_identity::Column::Provider.eq(provider.as_str()))
        .filter(external_identity::Column::Handle.eq(handle))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?)
}

/// The users (active or not) these handles name.
pub async fn users_named<C: ConnectionTrait>(
    db: &C,
    provider: ProviderKey,
    handles: &Handles,
    named: &[String],
) -> Result<Vec<Uuid>, CoreError> {
    let parsed: Vec<String> = named
        .iter()
        .filter_map(|h| (handles.parse)(h).ok())
        .collect();
    if parsed.is_empty() {
        return Ok(Vec::new());
    }
    Ok(external_identity::Entity::find()
        .filter(external_identity::Column::Provider.eq(provider.as_str()))
        .filter(external_identity::Column::Handle.is_in(parsed))
        .select_only()
        .column(external_identity::Column::UserId)
        .into_tuple()
        .all(db)
        .await?)
}

fn row(
    user_id: Uuid,
    provider: ProviderKey,
    handle: String,
    external_id: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> external_identity::ActiveModel {
    external_identity::ActiveModel {
        user_id: Set(user_id),
        provider: Set(provider.as_str().to_owned()),
        handle: Set(handle),
        external_id: Set(external_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The handle as the user's own connection proved it: whoever else had it loses it.
pub(crate) async fn prove<C: ConnectionTrait>(
    db: &C,
    connector: &Connector,
    user_id: Uuid,
    handle: &str,
    external_id: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, CoreError> {
    let (Some(handles), provider) = (connector.spec.handles, connector.spec.key) else {
        return Ok(false);
    };
    let Ok(handle) = (handles.parse)(handle) else {
        tracing::warn!(%provider, "a connection's account has a handle Stint cannot read");
        return Ok(false);
    };
    external_identity::Entity::delete_many()
        .filter(external_identity::Column::Provider.eq(provider.as_str()))
        .filter(external_identity::Column::Handle.eq(handle.clone()))
        .filter(external_identity::Column::UserId.ne(user_id))
        .exec(db)
        .await?;
    external_identity::Entity::insert(row(user_id, provider, handle, external_id, now))
        .on_conflict(replacing_the_users_handle())
        .exec(db)
        .await?;
    Ok(true)
}

/// A user has one handle per provider: a new one replaces theirs.
fn replacing_the_users_handle() -> OnConflict {
    OnConflict::columns([
        external_identity::Column::UserId,
        external_identity::Column::Provider,
    ])
    .update_columns([
        external_identity::Column::Handle,
        external_identity::Column::ExternalId,
        external_identity::Column::UpdatedAt,
    ])
    .to_owned()
}

/// Remembers a match made another way (a chat member found by email), unless the user already
/// has a handle there or the handle belongs to someone.
pub(crate) async fn remember<C: ConnectionTrait>(
    db: &C,
    provider: ProviderKey,
    user_id: Uuid,
    handle: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), CoreError> {
    external_identity::Entity::insert(row(user_id, provider, handle.to_owned(), None, now))
        .on_conflict_do_nothing()
        .exec(db)
        .await?;
    Ok(())
}

/// An admin sets a user's handle at a provider; `Conflict` when another user has it.
pub(crate) async fn set<C: ConnectionTrait>(
    db: &C,
    connector: &Connector,
    user_id: Uuid,
    handle: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), CoreError> {
    let provider = connector.spec.key;
    let Some(handles) = connector.spec.handles else {
        return Err(CoreError::invalid(
            "provider",
            format!(
                "{} does not name people Stint matches",
                connector.spec.display_name
            ),
        ));
    };
    let handle = (handles.parse)(handle).map_err(|reason| CoreError::invalid("handle", reason))?;
    let taken = external_identity::Entity::find()
        .filter(external_identity::Column::Provider.eq(provider.as_str()))
        .filter(external_identity::Column::Handle.eq(handle.clone()))
        .filter(external_identity::Column::UserId.ne(user_id))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(conflict(handles));
    }
    external_identity::Entity::insert(row(user_id, provider, handle, None, now))
        .on_conflict(replacing_the_users_handle())
        .exec(db)
        .await
        .map_err(|err| {
            crate::error::constraint_error(
                err,
                || conflict(handles),
                || CoreError::NotFound("user"),
            )
        })?;
    Ok(())
}

fn conflict(handles: Handles) -> CoreError {
    CoreError::Conflict(format!(
        "this {} already belongs to another user",
        handles.label
    ))
}

/// Forgets a user's handle at a provider; `false` when there was none.
pub(crate) async fn clear<C: ConnectionTrait>(
    db: &C,
    provider: ProviderKey,
    user_id: Uuid,
) -> Result<bool, CoreError> {
    let deleted = external_identity::Entity::delete_many()
        .filter(external_identity::Column::UserId.eq(user_id))
        .filter(external_identity::Column::Provider.eq(provider.as_str()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}
