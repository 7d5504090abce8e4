//! A version per user that the database bumps on every change to that user's time entries, by
//! trigger: whatever writes them (this process, another one, a person with `psql`), a reader that
//! sees the same version knows its cached page of entries is still true. No foreign key: the row
//! must outlive the cascade that deletes a user's entries with the user.
//!
//! SQLite's triggers insert only when the row is missing rather than `INSERT OR IGNORE`: a trigger
//! fired by a foreign-key action takes that action's conflict policy (abort), not its own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE time_entry_versions (user_id BLOB NOT NULL PRIMARY KEY, version BIGINT NOT NULL)",
    "CREATE TRIGGER tr_time_entries_insert_version AFTER INSERT ON time_entries BEGIN \
       INSERT INTO time_entry_versions (user_id, version) SELECT NEW.user_id, 0 \
         WHERE NOT EXISTS (SELECT 1 FROM time_entry_versions WHERE user_id = NEW.user_id); \
       UPDATE time_entry_versions SET version = version + 1 WHERE user_id = NEW.user_id; \
     END",
    "CREATE TRIGGER tr_time_entries_update_version AFTER UPDATE ON time_entries BEGIN \
       INSERT INTO time_entry_versions (user_id, version) SELECT OLD.user_id, 0 \
         WHERE NOT EXISTS (SELECT 1 FROM time_entry_versions WHERE user_id = OLD.user_id); \
       UPDATE time_entry_versions SET version = version + 1 WHERE user_id = OLD.user_id; \
       INSERT INTO time_entry_versions (user_id, version) SELECT NEW.user_id, 0 \
         WHERE NOT EXISTS (SELECT 1 FROM time_entry_versions WHERE user_id = NEW.user_id); \
       UPDATE time_entry_versions SET version = version + 1 \
         WHERE user_id = NEW.user_id AND NEW.user_id IS NOT OLD.user_id; \
     END",
    "CREATE TRIGGER tr_time_entries_delete_version AFTER DELETE ON time_entries BEGIN \
       INSERT INTO time_entry_versions (user_id, version) SELECT OLD.user_id, 0 \
         WHERE NOT EXISTS (SELECT 1 FROM time_entry_versions WHERE user_id = OLD.user_id); \
       UPDATE time_entry_versions SET version = version + 1 WHERE user_id = OLD.user_id; \
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER tr_time_entries_delete_version",
    "DROP TRIGGER tr_time_entries_update_version",
    "DROP TRIGGER tr_time_entries_insert_version",
    "DROP TABLE time_entry_versions",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE time_entry_versions (user_id UUID NOT NULL PRIMARY KEY, version BIGINT NOT NULL)",
    "CREATE FUNCTION bump_time_entry_version() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP <> 'INSERT' THEN \
         INSERT INTO time_entry_versions AS v (user_id, version) VALUES (OLD.user_id, 1) \
           ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1; \
       END IF; \
       IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id) THEN \
         INSERT INTO time_entry_versions AS v (user_id, version) VALUES (NEW.user_id, 1) \
           ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER tr_time_entries_version AFTER INSERT OR UPDATE OR DELETE ON time_entries \
     FOR EACH ROW EXECUTE FUNCTION bump_time_entry_version()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER tr_time_entries_version ON time_entries",
    "DROP FUNCTION bump_time_entry_version()",
    "DROP TABLE time_entry_versions",
];

async fn run(manager: &SchemaManager<'_>, sqlite: &[&str], postgres: &[&str]) -> Result<(), DbErr> {
    let statements = match manager.get_database_backend() {
        DatabaseBackend::Sqlite => sqlite,
        DatabaseBackend::Postgres => postgres,
        other => return Err(DbErr::Migration(format!("{other:?} is not supported"))),
    };
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}
