use sea_orm::entity::prelude::*;

/// One received webhook: its verdict, what applying it did, and its body until applied.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider: String,
    pub integration_id: Option<Uuid>,
    pub delivery_id: String,
    pub event: Option<String>,
    pub signature: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub duration_ms: i32,
    pub received_at: DateTimeUtc,
    pub payload: Option<String>,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
