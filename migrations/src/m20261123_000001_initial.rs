//! The whole data model of DESIGN.md §2. Later issues add behaviour, not tables.
//!
//! Invariants live here, in the schema: a global integration has no user, one global integration
//! per provider and one personal per (user, provider), at most one running timer per user, and
//! external links that are unique in both directions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    from: &'static str,
    col: &'static str,
    to: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(from, col)
        .to(to, "id")
        .on_delete(on_delete)
        .to_owned()
}

fn check(sql: &str) -> SimpleExpr {
    Expr::cust(sql.to_owned())
}

fn created_updated(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

/// Statements that sea-query's builders cannot express portably (partial indexes). The SQL is
/// the same on SQLite and PostgreSQL.
const RAW_INDEXES: &[&str] = &[
    "CREATE UNIQUE INDEX uq_time_entries_running ON time_entries (user_id) WHERE ended_at IS NULL",
    "CREATE UNIQUE INDEX uq_integrations_global ON integrations (provider) WHERE user_id IS NULL",
    "CREATE UNIQUE INDEX uq_integrations_personal ON integrations (provider, user_id) WHERE user_id IS NOT NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        let db = manager.get_connection();
        for sql in RAW_INDEXES {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*name).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// In creation order: every table comes after the tables it refers to.
const TABLES: &[&str] = &[
    "users",
    "api_tokens",
    "clients",
    "projects",
    "tasks",
    "time_entries",
    "notification_preferences",
    "provider_apps",
    "integrations",
    "credentials",
    "oauth_states",
    "sync_states",
    "sync_runs",
    "external_links",
    "webhook_deliveries",
    "audit_log",
];

fn tables() -> Vec<TableCreateStatement> {
    use ForeignKeyAction::{Cascade, SetNull};
    vec![
        created_updated(
            Table::create()
                .table("users")
                .col(uuid("id").primary_key())
                .col(string_uniq("email"))
                .col(string("display_name"))
                .col(string_null("password_hash"))
                .col(string("role"))
                .col(string("timezone").default("UTC"))
                .col(string_null("github_username").unique_key())
                .col(string_null("slack_user_id").unique_key())
                .col(boolean("active").default(true))
                .check(check("role IN ('admin', 'member')")),
        )
        .to_owned(),
        Table::create()
            .table("api_tokens")
            .col(uuid("id").primary_key())
            .col(uuid("user_id"))
            .col(string("name"))
            .col(string_uniq("token_hash"))
            .col(string("token_prefix"))
            .col(string("scopes"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("last_used_at"))
            .col(timestamp_with_time_zone_null("expires_at"))
            .foreign_key(&mut fk("api_tokens", "user_id", "users", Cascade))
            .to_owned(),
        created_updated(
            Table::create()
                .table("clients")
                .col(uuid("id").primary_key())
                .col(string("name"))
                .col(text("notes").default(""))
                .col(boolean("archived").default(false)),
        )
        .to_owned(),
        created_updated(
            Table::create()
                .table("projects")
                .col(uuid("id").primary_key())
                .col(uuid_null("client_id"))
                .col(string("name"))
                .col(string_null("color"))
                .col(boolean("billable").default(true))
                .col(boolean("archived").default(false))
                .foreign_key(&mut fk("projects", "client_id", "clients", SetNull)),
        )
        .to_owned(),
        created_updated(
            Table::create()
                .table("tasks")
                .col(uuid("id").primary_key())
                .col(uuid("project_id"))
                .col(string("title"))
                .col(text("description").default(""))
                .col(string("status").default("todo"))
                .col(string("priority").default("normal"))
                .col(uuid_null("assignee_id"))
                .col(uuid_null("created_by"))
                .check(check("status IN ('todo', 'in_progress', 'done')"))
                .check(check("priority IN ('low', 'normal', 'high', 'urgent')"))
                .foreign_key(&mut fk("tasks", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("tasks", "assignee_id", "users", SetNull))
                .foreign_key(&mut fk("tasks", "created_by", "users", SetNull)),
        )
        .to_owned(),
        created_updated(
            Table::create()
                .table("time_entries")
                .col(uuid("id").primary_key())
                .col(uuid("user_id"))
                .col(uuid_null("project_id"))
                .col(uuid_null("task_id"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone_null("ended_at"))
                .col(text("notes").default(""))
                .col(boolean("billable").default(true))
                .col(string("source").default("manual"))
                .check(check("ended_at IS NULL OR ended_at >= started_at"))
                .foreign_key(&mut fk("time_entries", "user_id", "users", Cascade))
                .foreign_key(&mut fk("time_entries", "project_id", "projects", SetNull))
                .foreign_key(&mut fk("time_entries", "task_id", "tasks", SetNull)),
        )
        .to_owned(),
        Table::create()
            .table("notification_preferences")
            .col(uuid("user_id").primary_key())
            .col(boolean("timer_notifications").default(true))
            .col(boolean("daily_summary_enabled").default(false))
            .col(string_null("daily_summary_time"))
            .col(timestamp_with_time_zone_null("daily_summary_last_sent_on"))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(&mut fk("notification_preferences", "user_id", "users", Cascade))
            .to_owned(),
        Table::create()
            .table("provider_apps")
            .col(string("provider").primary_key())
            .col(string_null("client_id"))
            .col(text_null("client_secret_enc"))
            .col(text_null("webhook_secret_enc"))
            .col(text_null("signing_secret_enc"))
            .col(text_null("api_key_enc"))
            .col(boolean("enabled").default(true))
            .col(boolean("allow_personal").default(false))
            .col(json("settings"))
            .col(timestamp_with_time_zone("updated_at"))
            .col(uuid_null("updated_by"))
            .foreign_key(&mut fk("provider_apps", "updated_by", "users", SetNull))
            .to_owned(),
        created_updated(
            Table::create()
                .table("integrations")
                .col(uuid("id").primary_key())
                .col(string("provider"))
                .col(string("scope"))
                .col(uuid_null("user_id"))
                .col(string("status").default("pending"))
                .col(text_null("status_reason"))
                .col(string_null("external_account_id"))
                .col(string_null("external_account_label"))
                .col(json("config"))
                .col(text_null("webhook_secret_enc"))
                .col(timestamp_with_time_zone_null("connected_at"))
                .col(uuid_null("connected_by"))
                .col(timestamp_with_time_zone_null("last_sync_at"))
                .check(check(
                    "(scope = 'global' AND user_id IS NULL) OR (scope = 'personal' AND user_id IS NOT NULL)",
                ))
                .check(check(
                    "status IN ('pending', 'active', 'needs_reauth', 'error', 'revoked', 'disabled')",
                ))
                .foreign_key(&mut fk("integrations", "user_id", "users", Cascade))
                .foreign_key(&mut fk("integrations", "connected_by", "users", SetNull)),
        )
        .to_owned(),
        Table::create()
            .table("credentials")
            .col(uuid("integration_id").primary_key())
            .col(text("access_token_enc"))
            .col(text_null("refresh_token_enc"))
            .col(string_null("token_type"))
            .col(text_null("scopes"))
            .col(timestamp_with_time_zone_null("expires_at"))
            .col(string("key_id"))
            .col(big_integer("version").default(1))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(&mut fk("credentials", "integration_id", "integrations", Cascade))
            .to_owned(),
        Table::create()
            .table("oauth_states")
            .col(uuid("id").primary_key())
            .col(string_uniq("state_hash"))
            .col(uuid("user_id"))
            .col(string("provider"))
            .col(string("scope"))
            .col(text_null("pkce_verifier_enc"))
            .col(string_null("return_to"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("expires_at"))
            .col(timestamp_with_time_zone_null("used_at"))
            .check(check("scope IN ('global', 'personal')"))
            .foreign_key(&mut fk("oauth_states", "user_id", "users", Cascade))
            .to_owned(),
        Table::create()
            .table("sync_states")
            .col(uuid("id").primary_key())
            .col(uuid("integration_id"))
            .col(string("resource"))
            .col(text_null("cursor"))
            .col(timestamp_with_time_zone_null("last_success_at"))
            .col(text_null("last_error"))
            .col(json("counts"))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(&mut fk("sync_states", "integration_id", "integrations", Cascade))
            .to_owned(),
        Table::create()
            .table("sync_runs")
            .col(uuid("id").primary_key())
            .col(uuid("integration_id"))
            .col(string("resource"))
            .col(string("trigger"))
            .col(string("status").default("queued"))
            .col(timestamp_with_time_zone("queued_at"))
            .col(timestamp_with_time_zone_null("started_at"))
            .col(timestamp_with_time_zone_null("finished_at"))
            .col(integer("created_count").default(0))
            .col(integer("updated_count").default(0))
            .col(integer("skipped_count").default(0))
            .col(integer("failed_count").default(0))
            .col(text_null("error"))
            .check(check("trigger IN ('schedule', 'manual', 'webhook')"))
            .check(check("status IN ('queued', 'running', 'succeeded', 'failed')"))
            .foreign_key(&mut fk("sync_runs", "integration_id", "integrations", Cascade))
            .to_owned(),
        created_updated(
            Table::create()
                .table("external_links")
                .col(uuid("id").primary_key())
                .col(uuid("integration_id"))
                .col(string("entity_type"))
                .col(uuid("entity_id"))
                .col(string("external_type"))
                .col(string("external_id"))
                .col(text_null("external_url"))
                .col(string_null("external_version"))
                .foreign_key(&mut fk("external_links", "integration_id", "integrations", Cascade)),
        )
        .to_owned(),
        Table::create()
            .table("webhook_deliveries")
            .col(uuid("id").primary_key())
            .col(string("provider"))
            .col(uuid_null("integration_id"))
            .col(string("delivery_id"))
            .col(string_null("event"))
            .col(string("signature"))
            .col(string("outcome"))
            .col(text_null("detail"))
            .col(integer("duration_ms").default(0))
            .col(timestamp_with_time_zone("received_at"))
            .check(check("signature IN ('valid', 'invalid', 'missing')"))
            .foreign_key(&mut fk("webhook_deliveries", "integration_id", "integrations", SetNull))
            .to_owned(),
        Table::create()
            .table("audit_log")
            .col(uuid("id").primary_key())
            .col(uuid_null("actor_user_id"))
            .col(string("action"))
            .col(string("target_type"))
            .col(string_null("target_id"))
            .col(json("detail"))
            .col(string_null("ip"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut fk("audit_log", "actor_user_id", "users", SetNull))
            .to_owned(),
    ]
}

fn index(
    name: &str,
    table: &'static str,
    columns: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("ix_api_tokens_user", "api_tokens", &["user_id"], false),
        index("ix_projects_client", "projects", &["client_id"], false),
        index("ix_tasks_project", "tasks", &["project_id"], false),
        index("ix_tasks_assignee", "tasks", &["assignee_id"], false),
        index(
            "ix_time_entries_user_started",
            "time_entries",
            &["user_id", "started_at", "id"],
            false,
        ),
        index(
            "ix_time_entries_started",
            "time_entries",
            &["started_at", "id"],
            false,
        ),
        index("ix_time_entries_task", "time_entries", &["task_id"], false),
        index("ix_integrations_user", "integrations", &["user_id"], false),
        index(
            "ix_oauth_states_expires",
            "oauth_states",
            &["expires_at"],
            false,
        ),
        index(
            "uq_sync_states_resource",
            "sync_states",
            &["integration_id", "resource"],
            true,
        ),
        index(
            "ix_sync_runs_integration",
            "sync_runs",
            &["integration_id", "queued_at"],
            false,
        ),
        index(
            "uq_external_links_internal",
            "external_links",
            &["integration_id", "entity_type", "entity_id"],
            true,
        ),
        index(
            "uq_external_links_external",
            "external_links",
            &["integration_id", "external_type", "external_id"],
            true,
        ),
        index(
            "uq_webhook_deliveries_id",
            "webhook_deliveries",
            &["provider", "delivery_id"],
            true,
        ),
        index(
            "ix_webhook_deliveries_received",
            "webhook_deliveries",
            &["provider", "received_at"],
            false,
        ),
        index("ix_audit_log_created", "audit_log", &["created_at"], false),
    ]
}
