use sea_orm::entity::prelude::*;

/// Admin-entered app credentials of one provider. `*_enc` columns hold AES-GCM ciphertexts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_apps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: String,
    pub client_id: Option<String>,
    pub client_secret_enc: Option<String>,
    pub webhook_secret_enc: Option<String>,
    pub signing_secret_enc: Option<String>,
    pub api_key_enc: Option<String>,
    pub enabled: bool,
    pub allow_personal: bool,
    pub settings: Json,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
