//! The schema applies from empty on the configured backend and enforces its invariants itself.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use stint_test_support::test_database_url;

async fn fresh() -> (DatabaseConnection, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = test_database_url(dir.path()).await;
    let db = stint_core::db::connect(&url, None).await.unwrap();
    use stint_migrations::MigratorTrait;
    let all = stint_migrations::Migrator::migrations().len();
    assert_eq!(stint_core::db::migrate(&db).await.unwrap(), all);
    // Idempotent.
    assert_eq!(stint_core::db::migrate(&db).await.unwrap(), 0);
    (db, dir)
}

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), sea_orm::DbErr> {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .map(|_| ())
}

const USER_A: &str = "'00000000-0000-7000-8000-00000000000a'";
const USER_B: &str = "'00000000-0000-7000-8000-00000000000b'";

fn uuid_literal(db: &DatabaseConnection, literal: &str) -> String {
    // SQLite stores UUIDs as 16-byte blobs; PostgreSQL parses the text form.
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            format!("X'{}'", literal.trim_matches('\'').replace('-', ""))
        }
        _ => format!("{literal}::uuid"),
    }
}

#[tokio::test]
async fn every_table_of_the_data_model_exists() {
    let (db, _dir) = fresh().await;
    for table in [
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
        "external_identities",
    ] {
        exec(&db, &format!("SELECT COUNT(*) FROM {table}"))
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
}

#[tokio::test]
async fn schema_constraints_hold() {
    let (db, _dir) = fresh().await;
    let a = uuid_literal(&db, USER_A);
    let b = uuid_literal(&db, USER_B);
    let ts = "'2026-01-05T09:00:00+00:00'";
    for user in [&a, &b] {
        exec(
            &db,
            &format!(
                "INSERT INTO users (id, email, display_name, role, timezone, active, created_at, updated_at) \
                 VALUES ({user}, 'u' || {}, 'U', 'member', 'UTC', true, {ts}, {ts})",
                if user == &a { "'a'" } else { "'b'" }
            ),
        )
        .await
        .unwrap();
    }
    // Roles are checked.
    assert!(
        exec(
            &db,
            &format!("UPDATE users SET role = 'owner' WHERE id = {a}")
        )
        .await
        .is_err()
    );

    // At most one running timer per user.
    let entry = |id: u8, user: &str, ended: &str| {
        let id = uuid_literal(
            &db,
            &format!("'00000000-0000-7000-8000-0000000000{id:02x}'"),
        );
        format!(
            "INSERT INTO time_entries (id, user_id, started_at, ended_at, notes, billable, source, created_at, updated_at) \
             VALUES ({id}, {user}, {ts}, {ended}, '', true, 'timer', {ts}, {ts})"
        )
    };
    exec(&db, &entry(1, &a, "NULL")).await.unwrap();
    assert!(
        exec(&db, &entry(2, &a, "NULL")).await.is_err(),
        "second running timer accepted"
    );
    exec(&db, &entry(3, &b, "NULL")).await.unwrap();
    exec(&db, &entry(4, &a, ts)).await.unwrap();
    // An entry cannot end before it starts.
    assert!(
        exec(&db, &entry(5, &a, "'2026-01-05T08:00:00+00:00'"))
            .await
            .is_err()
    );

    // Integrations: a global one has no user; one global per provider; one personal per user and provider.
    let integration = |id: u8, scope: &str, user: &str| {
        let id = uuid_literal(
            &db,
            &format!("'00000000-0000-7000-8000-0000000001{id:02x}'"),
        );
        format!(
            "INSERT INTO integrations (id, provider, scope, user_id, status, config, created_at, updated_at) \
             VALUES ({id}, 'github', '{scope}', {user}, 'active', '{{}}', {ts}, {ts})"
        )
    };
    exec(&db, &integration(1, "global", "NULL")).await.unwrap();
    assert!(
        exec(&db, &integration(2, "global", "NULL")).await.is_err(),
        "second global integration accepted"
    );
    assert!(
        exec(&db, &integration(3, "global", &a)).await.is_err(),
        "global integration with a user accepted"
    );
    assert!(
        exec(&db, &integration(4, "personal", "NULL"))
            .await
            .is_err(),
        "personal integration without a user accepted"
    );
    exec(&db, &integration(5, "personal", &a)).await.unwrap();
    exec(&db, &integration(6, "personal", &b)).await.unwrap();
    assert!(
        exec(&db, &integration(7, "personal", &a)).await.is_err(),
        "second personal integration accepted"
    );

    // External links are unique both ways.
    let integration_id = uuid_literal(&db, "'00000000-0000-7000-8000-000000000101'");
    let link = |id: u8, entity: &str, external: &str| {
        let id = uuid_literal(
            &db,
            &format!("'00000000-0000-7000-8000-0000000002{id:02x}'"),
        );
        let entity = uuid_literal(&db, entity);
        format!(
            "INSERT INTO external_links (id, integration_id, entity_type, entity_id, external_type, external_id, created_at, updated_at) \
             VALUES ({id}, {integration_id}, 'task', {entity}, 'issue', '{external}', {ts}, {ts})"
        )
    };
    let task_1 = "'00000000-0000-7000-8000-000000000301'";
    let task_2 = "'00000000-0000-7000-8000-000000000302'";
    exec(&db, &link(1, task_1, "octo/repo#1")).await.unwrap();
    assert!(
        exec(&db, &link(2, task_1, "octo/repo#2")).await.is_err(),
        "one task linked twice"
    );
    assert!(
        exec(&db, &link(3, task_2, "octo/repo#1")).await.is_err(),
        "one issue linked twice"
    );
    exec(&db, &link(4, task_2, "other/repo#1")).await.unwrap();

    // Foreign keys are enforced (SQLite needs them switched on per connection).
    let orphan = uuid_literal(&db, "'00000000-0000-7000-8000-00000000dead'");
    assert!(exec(&db, &format!("INSERT INTO api_tokens (id, user_id, name, token_hash, token_prefix, scopes, created_at) VALUES ({orphan}, {orphan}, 'x', 'h', 'p', 'read', {ts})")).await.is_err());
}

/// Every migration rolls back to empty and applies again.
#[tokio::test]
async fn migrations_roll_back_and_apply_again() {
    use stint_migrations::MigratorTrait;
    let (db, _dir) = fresh().await;
    stint_migrations::Migrator::down(&db, None).await.unwrap();
    assert!(
        exec(&db, "SELECT COUNT(*) FROM time_entry_versions")
            .await
            .is_err()
    );
    assert!(exec(&db, "SELECT COUNT(*) FROM users").await.is_err());
    let all = stint_migrations::Migrator::migrations().len();
    assert_eq!(stint_core::db::migrate(&db).await.unwrap(), all);
}

/// The database itself counts changes to a user's time entries, whoever makes them.
#[tokio::test]
async fn time_entry_changes_bump_their_users_version() {
    let (db, _dir) = fresh().await;
    let a = uuid_literal(&db, USER_A);
    let ts = "'2026-01-05T09:00:00+00:00'";
    exec(
        &db,
        &format!(
            "INSERT INTO users (id, email, display_name, role, timezone, active, created_at, updated_at) \
             VALUES ({a}, 'a', 'A', 'member', 'UTC', true, {ts}, {ts})"
        ),
    )
    .await
    .unwrap();
    let version = || async {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT version FROM time_entry_versions WHERE user_id = {a}"),
            ))
            .await
            .unwrap();
        row.map_or(0, |row| row.try_get_by_index::<i64>(0).unwrap())
    };
    assert_eq!(version().await, 0);
    let id = uuid_literal(&db, "'00000000-0000-7000-8000-000000000001'");
    exec(
        &db,
        &format!(
            "INSERT INTO time_entries (id, user_id, started_at, ended_at, notes, billable, source, created_at, updated_at) \
             VALUES ({id}, {a}, {ts}, NULL, '', true, 'timer', {ts}, {ts})"
        ),
    )
    .await
    .unwrap();
    assert_eq!(version().await, 1);
    exec(
        &db,
        &format!("UPDATE time_entries SET notes = 'x' WHERE id = {id}"),
    )
    .await
    .unwrap();
    assert_eq!(version().await, 2);
    exec(&db, &format!("DELETE FROM time_entries WHERE id = {id}"))
        .await
        .unwrap();
    assert_eq!(version().await, 3);
    exec(
        &db,
        &format!(
            "INSERT INTO time_entries (id, user_id, started_at, ended_at, notes, billable, source, created_at, updated_at) \
             VALUES ({id}, {a}, {ts}, {ts}, '', true, 'manual', {ts}, {ts})"
        ),
    )
    .await
    .unwrap();
    // Deleting the user cascades to their entries; the version row stays behind, harmlessly.
    exec(&db, &format!("DELETE FROM users WHERE id = {a}"))
        .await
        .unwrap();
}

/// The GitHub logins and Slack member ids kept on users before external identities existed
/// become identities, and leave the users table.
#[tokio::test]
async fn handles_on_users_move_into_external_identities() {
    use sea_orm::ConnectionTrait;
    use stint_migrations::MigratorTrait;
    let dir = tempfile::tempdir().unwrap();
    let url = test_database_url(dir.path()).await;
    let db = stint_core::db::connect(&url, None).await.unwrap();
    let before = stint_migrations::Migrator::migrations().len() - 1;
    stint_migrations::Migrator::up(&db, Some(before as u32))
        .await
        .unwrap();
    let a = uuid_literal(&db, USER_A);
    let b = uuid_literal(&db, USER_B);
    let ts = "'2026-01-05T09:00:00+00:00'";
    exec(
        &db,
        &format!(
            "INSERT INTO users (id, email, display_name, role, timezone, github_username, slack_user_id, active, created_at, updated_at) VALUES \
             ({a}, 'a@example.com', 'A', 'member', 'UTC', 'octocat', 'U024BE7LH', true, {ts}, {ts}), \
             ({b}, 'b@example.com', 'B', 'member', 'UTC', NULL, 'W012A3CDE', true, {ts}, {ts})"
        ),
    )
    .await
    .unwrap();
    assert_eq!(stint_core::db::migrate(&db).await.unwrap(), 1);

    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT u.email, i.provider, i.handle FROM external_identities i \
             JOIN users u ON u.id = i.user_id ORDER BY u.email, i.provider",
        ))
        .await
        .unwrap();
    let moved: Vec<String> = rows
        .iter()
        .map(|row| {
            let email: String = row.try_get("", "email").unwrap();
            let provider: String = row.try_get("", "provider").unwrap();
            let handle: String = row.try_get("", "handle").unwrap();
            format!("{email} {provider} {handle}")
        })
        .collect();
    assert_eq!(
        moved,
        [
            "a@example.com github octocat",
            "a@example.com slack U024BE7LH",
            "b@example.com slack W012A3CDE",
        ]
    );
    // Nothing is left on users to disagree with the identities.
    let left = exec(
        &db,
        "SELECT 1 FROM users WHERE github_username IS NOT NULL OR slack_user_id IS NOT NULL",
    )
    .await;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        assert!(left.is_err(), "the old columns are still there");
    } else {
        let remaining = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT id FROM users WHERE github_username IS NOT NULL OR slack_user_id IS NOT NULL",
            ))
            .await
            .unwrap();
        assert!(remaining.is_empty());
    }
    // A handle belongs to one user per provider.
    assert!(
        exec(
            &db,
            &format!(
                "INSERT INTO external_identities (user_id, provider, handle, created_at, updated_at) \
                 VALUES ({b}, 'github', 'octocat', {ts}, {ts})"
            ),
        )
        .await
        .is_err()
    );
}
