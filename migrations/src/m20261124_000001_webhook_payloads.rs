//! Webhook deliveries keep their verified body until they are applied, so a delivery accepted
//! before a crash is applied after the restart and an admin can re-apply a failed one. Bodies
//! hold no secrets (Slack commands, which carry a verification token, are stored without one).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("webhook_deliveries")
                    .add_column(text_null("payload"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("webhook_deliveries")
                    .add_column(integer("attempts").default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_outcome")
                    .table("webhook_deliveries")
                    .col("outcome")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_webhook_deliveries_outcome")
                    .table("webhook_deliveries")
                    .to_owned(),
            )
            .await?;
        for column in ["attempts", "payload"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("webhook_deliveries")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
