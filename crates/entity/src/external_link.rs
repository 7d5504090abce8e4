use sea_orm::entity::prelude::*;

/// An internal record (task, project, time entry) and the external one it mirrors, within one
/// integration. Unique both ways, which keeps re-delivered webhooks and re-run syncs idempotent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "external_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub integration_id: Uuid,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub external_type: String,
    pub external_id: String,
    pub external_url: Option<String>,
    pub external_version: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
