use sea_orm::entity::prelude::*;

/// Where the last sync of one resource of an integration stopped.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub integration_id: Uuid,
    pub resource: String,
    pub cursor: Option<String>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub counts: Json,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
