//! What a sync removed (entries whose calendar event was cancelled) and why it skipped what it
//! skipped, so a member can see that an edited entry was kept on purpose.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table("sync_runs")
                    .add_column(integer("deleted_count").default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("sync_runs")
                    .add_column(json_null("skip_reasons"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["skip_reasons", "deleted_count"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("sync_runs")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
