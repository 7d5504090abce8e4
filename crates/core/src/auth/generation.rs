use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use stint_entity::user;
use uuid::Uuid;

use crate::error::CoreError;

/// Ends every session of the user issued until now (a password changed, the account
/// deactivated, an admin's "sign out everywhere"). API tokens are not sessions and stay.
pub async fn end_sessions<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<(), CoreError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    user::Entity::update_many()
        .col_expr(
            user::Column::SessionGeneration,
            Expr::col(user::Column::SessionGeneration).add(1),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
