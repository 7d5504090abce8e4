use sea_orm::entity::prelude::*;

/// The encrypted tokens of one integration. `version` grows with every write, so a slow writer
/// can compare-and-swap instead of overwriting a newer token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: Uuid,
    pub access_token_enc: String,
    pub refresh_token_enc: Option<String>,
    pub token_type: Option<String>,
    pub scopes: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub key_id: String,
    pub version: i64,
    /// While set and in the future, one caller is refreshing this token.
    pub refresh_lease_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
