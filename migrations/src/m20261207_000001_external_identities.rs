//! External identities: who a user is at a provider, one row per user and provider, instead of a
//! `users` column per provider. The GitHub logins and Slack member ids already on users move in.
//! On PostgreSQL the old columns are dropped; SQLite cannot drop a UNIQUE column without
//! rebuilding `users`, which most tables reference, so there they are emptied and left unused.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "external_identities";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TABLE)
                    .col(uuid("user_id"))
                    .col(string("provider"))
                    .col(string("handle"))
                    .col(string_null("external_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("user_id").col("provider"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_external_identities_user_id")
                            .from(TABLE, "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_external_identities_handle")
                    .table(TABLE)
                    .col("provider")
                    .col("handle")
                    .unique()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for (column, provider) in [("github_username", "github"), ("slack_user_id", "slack")] {
            db.execute_unprepared(&format!(
                "INSERT INTO {TABLE} (user_id, provider, handle, created_at, updated_at) \
                 SELECT id, '{provider}', {column}, updated_at, updated_at FROM users \
                 WHERE {column} IS NOT NULL"
            ))
            .await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for column in ["github_username", "slack_user_id"] {
                manager
                    .alter_table(Table::alter().table("users").drop_column(column).to_owned())
                    .await?;
            }
        } else {
            db.execute_unprepared("UPDATE users SET github_username = NULL, slack_user_id = NULL")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for column in ["github_username", "slack_user_id"] {
                manager
                    .alter_table(
                        Table::alter()
                            .table("users")
                            .add_column(string_null(column).unique_key())
                            .to_owned(),
                    )
                    .await?;
            }
        }
        let db = manager.get_connection();
        for (column, provider) in [("github_username", "github"), ("slack_user_id", "slack")] {
            db.execute_unprepared(&format!(
                "UPDATE users SET {column} = (SELECT handle FROM {TABLE} \
                 WHERE {TABLE}.user_id = users.id AND {TABLE}.provider = '{provider}')"
            ))
            .await?;
        }
        manager
            .drop_table(Table::drop().table(TABLE).to_owned())
            .await
    }
}
