//! How many items a sync run will go through, when its source says: with the counts (kept up to
//! date page by page) a running sync shows its progress.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("sync_runs")
                    .add_column(integer_null("items_total"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("sync_runs")
                    .drop_column("items_total")
                    .to_owned(),
            )
            .await
    }
}
