//! A short lease on a credential while its token is refreshed: the provider is called with no
//! transaction open (on SQLite an open write transaction would hold the only write lock).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("credentials")
                    .add_column(timestamp_with_time_zone_null("refresh_lease_until"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("credentials")
                    .drop_column("refresh_lease_until")
                    .to_owned(),
            )
            .await
    }
}
