//! The local date (YYYY-MM-DD, in the user's time zone when it was sent) of the last daily
//! summary: the once-per-local-day marker the schedule reads and claims.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notification_preferences")
                    .add_column(string_len_null("daily_summary_sent_for", 10))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notification_preferences")
                    .drop_column("daily_summary_sent_for")
                    .to_owned(),
            )
            .await
    }
}
