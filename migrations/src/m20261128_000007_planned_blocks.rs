//! Planned blocks: time a member sets aside (focus time, a review) and puts in their calendar,
//! so others see it busy and planning sees it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("planned_blocks")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    .col(string("title"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .check(Expr::cust("ends_at > starts_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_planned_blocks_user_id")
                            .from("planned_blocks", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_planned_blocks_user_starts")
                    .table("planned_blocks")
                    .col("user_id")
                    .col("starts_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("planned_blocks").to_owned())
            .await
    }
}
