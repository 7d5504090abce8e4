//! Deliveries indexed by when they arrived alone, no longer after their provider. Nothing lists
//! deliveries by provider and time (the list pages by id); retention deletes by time across
//! providers, which a provider-first index cannot serve. And on a new, empty table the
//! provider-first index tied with the unique (provider, delivery id) index for the intake's
//! lookup of a batch's ids, so PostgreSQL's cached plan could use it and then read every delivery
//! of the provider for each id as the table grew.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "webhook_deliveries";
const OLD: &str = "ix_webhook_deliveries_received";
const NEW: &str = "ix_webhook_deliveries_received_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(OLD).table(TABLE).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(NEW)
                    .table(TABLE)
                    .col("received_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NEW).table(TABLE).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(OLD)
                    .table(TABLE)
                    .col("provider")
                    .col("received_at")
                    .to_owned(),
            )
            .await
    }
}
