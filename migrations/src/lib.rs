//! Schema migrations. Each migration names its tables and columns with its own strings and never
//! imports today's entities, so an old migration keeps meaning what it meant when it was written.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261124_000001_webhook_payloads;
mod m20261125_000001_time_entry_versions;
mod m20261128_000001_integration_last_used;
mod m20261128_000002_sessions;
mod m20261128_000003_refresh_lease;
mod m20261128_000004_summary_date;
mod m20261128_000005_sync_progress;
mod m20261128_000006_sync_deletions;
mod m20261128_000007_planned_blocks;
mod m20261205_000001_external_link_entity;
mod m20261205_000002_delivery_received_at;
mod m20261207_000001_external_identities;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261124_000001_webhook_payloads::Migration),
            Box::new(m20261125_000001_time_entry_versions::Migration),
            Box::new(m20261128_000001_integration_last_used::Migration),
            Box::new(m20261128_000002_sessions::Migration),
            Box::new(m20261128_000003_refresh_lease::Migration),
            Box::new(m20261128_000004_summary_date::Migration),
            Box::new(m20261128_000005_sync_progress::Migration),
            Box::new(m20261128_000006_sync_deletions::Migration),
            Box::new(m20261128_000007_planned_blocks::Migration),
            Box::new(m20261205_000001_external_link_entity::Migration),
            Box::new(m20261205_000002_delivery_received_at::Migration),
            Box::new(m20261207_000001_external_identities::Migration),
        ]
    }
}
