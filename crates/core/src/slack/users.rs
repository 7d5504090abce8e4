//! Which Stint user a Slack member is: by `slack_user_id`, else by the Slack account's email
//! (asked once with `users.info`, then remembered as the user's `slack_user_id`).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use stint_api_types::providers::ProviderKey;
use stint_entity::user;

use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::{provider_apps, tokens};

/// Why a Slack member could not be matched, in words for the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    NoEmail,
    NoUser { email: String },
    Unavailable(String),
}

impl Unmatched {
    pub fn message(&self) -> String {
        match self {
            Unmatched::NoEmail => "Stint does not know who you are: ask an admin to set your Slack member id on your Stint account.".to_owned(),
            Unmatched::NoUser { email } => format!(
                "No active Stint account has the email {email}. Ask an admin to add you or to set your Slack member id on your account."
            ),
            Unmatched::Unavailable(reason) => format!(
                "Stint could not ask Slack who you are ({reason}). Try again in a moment."
            ),
        }
    }
}

pub async fn resolve(
    stint: &Stint,
    slack_user_id: &str,
) -> Result<Result<user::Model, Unmatched>, CoreError> {
    if let Some(found) = stint.slack_members.get(slack_user_id) {
        return Ok(Ok(found));
    }
    let known = user::Entity::find()
        .filter(user::Column::SlackUserId.eq(slack_user_id))
        .filter(user::Column::Active.eq(true))
        .one(&stint.db)
        .await?;
    if let Some(found) = known {
        stint
            .slack_members
            .put(slack_user_id.to_owned(), found.clone());
        return Ok(Ok(found));
    }
    let Some((workspace, _)) = super::workspace(&stint.db).await? else {
        return Ok(Err(Unmatched::NoEmail));
    };
    let token = match tokens::get_valid_token(stint, workspace.id).await {
        Ok(token) => token,
        Err(err) => return Ok(Err(Unmatched::Unavailable(err.to_string()))),
    };
    let spec = provider_apps::spec(stint, ProviderKey::Slack)?;
    let email = match stint.slack.user_email(spec, &token, slack_user_id).await {
        Ok(Some(email)) => email.trim().to_ascii_lowercase(),
        Ok(None) => return Ok(Err(Unmatched::NoEmail)),
        Err(err) => return Ok(Err(Unmatched::Unavailable(err.to_string()))),
    };
    let by_email = user::Entity::find()
        .filter(user::Column::Email.eq(email.clone()))
        .filter(user::Column::Active.eq(true))
        .one(&stint.db)
        .await?;
    let Some(found) = by_email else {
        return Ok(Err(Unmatched::NoUser { email }));
    };
    // Remember the match, unless the account already has another Slack id.
    if found.slack_user_id.is_none() {
        let remembered = user::Entity::update_many()
            .col_expr(
                user::Column::SlackUserId,
                Expr::value(slack_user_id.to_owned()),
            )
            .filter(user::Column::Id.eq(found.id))
            .filter(user::Column::SlackUserId.is_null())
            .exec(&stint.db)
            .await;
        if let Err(err) = remembered {
            tracing::warn!(error = %err, "could not remember a Slack member id");
        }
    }
    Ok(Ok(found))
}
