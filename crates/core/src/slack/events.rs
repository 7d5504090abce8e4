//! Slack Events API deliveries. Stint uses them to notice that the app was removed from the
//! workspace; every other event is recorded as ignored.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use stint_api_types::providers::IntegrationStatus;
use stint_entity::integration;

use crate::tracking::wire_name;
use crate::webhooks::intake::{ApplyError, Handled};

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    event: Option<Event>,
}

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
}

pub async fn apply<C: ConnectionTrait>(
    db: &C,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<Handled, ApplyError> {
    let envelope: Envelope =
        serde_json::from_str(payload).map_err(|e| ApplyError::Malformed(e.to_string()))?;
    let kind = envelope
        .event
        .as_ref()
        .map(|e| e.kind.as_str())
        .unwrap_or(envelope.kind.as_str());
    match kind {
        "app_uninstalled" | "tokens_revoked" => {
            let Some((workspace, _)) = super::workspace(db).await? else {
                return Ok(Handled::ignored("Slack is not connected"));
            };
            integration::Entity::update_many()
                .col_expr(
                    integration::Column::Status,
                    Expr::value(wire_name(&IntegrationStatus::Revoked)),
                )
                .col_expr(
                    integration::Column::StatusReason,
                    Expr::value(format!(
                        "Slack sent `{kind}`: the app was removed; reconnect Slack"
                    )),
                )
                .col_expr(integration::Column::UpdatedAt, Expr::value(now))
                .filter(integration::Column::Id.eq(workspace.id))
                .exec(db)
                .await?;
            Ok(Handled::applied(format!(
                "{kind}: the Slack connection is now revoked"
            )))
        }
        other => Ok(Handled::ignored(format!("`{other}` events are not used"))),
    }
}
