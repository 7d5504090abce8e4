use sea_orm::entity::prelude::*;

/// One connection to a provider: global (`user_id` NULL) or personal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "integrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider: String,
    pub scope: String,
    pub user_id: Option<Uuid>,
    pub status: String,
    pub status_reason: Option<String>,
    pub external_account_id: Option<String>,
    pub external_account_label: Option<String>,
    pub config: Json,
    pub webhook_secret_enc: Option<String>,
    pub connected_at: Option<DateTimeUtc>,
    pub connected_by: Option<Uuid>,
    pub last_sync_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
