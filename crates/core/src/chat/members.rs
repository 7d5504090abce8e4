//! Which Stint user a chat member is: by their external identity at the chat provider, else by
//! the member's email (asked once, then remembered as their identity).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use stint_api_types::providers::IntegrationScope;
use stint_entity::user;

use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::tokens;
use stint_connectors::Connector;

/// Why a Slack member could not be matched, in words for the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    NoEmail,
    NoUser { email: String },
    Unavailable(String),
}

impl Unmatched {
    pub fn message(&self, chat: &str) -> String {
        match self {
            Unmatched::NoEmail => format!(
                "Stint does not know who you are: ask an admin to set your {chat} member id on your Stint account."
            ),
            Unmatched::NoUser { email } => format!(
                "No active Stint account has the email {email}. Ask an admin to add you or to set your {chat} member id on your account."
            ),
            Unmatched::Unavailable(reason) => {
                format!("Stint could not ask {chat} who you are ({reason}). Try again in a moment.")
            }
        }
    }
}

pub async fn resolve(
    stint: &Stint,
    connector: &Connector,
    member: &str,
) -> Result<Result<user::Model, Unmatched>, CoreError> {
    let (Some(handles), Some(chat)) = (connector.spec.handles, connector.chat.as_ref()) else {
        return Ok(Err(Unmatched::NoEmail));
    };
    let provider = connector.spec.key.as_str();
    if let Some(found) = stint.accounts.member(provider, member) {
        return Ok(Ok(found));
    }
    let known =
        crate::identities::active_user(&stint.db, connector.spec.key, &handles, member).await?;
    if let Some(found) = known {
        stint
            .accounts
            .remember_member(provider, member, found.clone());
        return Ok(Ok(found));
    }
    let Some(workspace) = crate::integrations::find_integration(
        &stint.db,
        connector.spec.key,
        IntegrationScope::Global,
        None,
    )
    .await?
    else {
        return Ok(Err(Unmatched::NoEmail));
    };
    let token = match tokens::get_valid_token(stint, workspace.id).await {
        Ok(token) => token,
        Err(err) => return Ok(Err(Unmatched::Unavailable(err.to_string()))),
    };
    let email = match chat.member_email(&connector.spec, &token, member).await {
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
    // Remember the match, unless the account already has another id there.
    if let Ok(handle) = (handles.parse)(member) {
        let remembered = crate::identities::remember(
            &stint.db,
            connector.spec.key,
            found.id,
            &handle,
            stint.clock.now(),
        )
        .await;
        if let Err(err) = remembered {
            tracing::warn!(error = %err, "could not remember a chat member id");
        }
    }
    Ok(Ok(found))
}
