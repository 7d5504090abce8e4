//! Thin handlers: parse, call one core service, map the result.

mod admin_users;
mod auth;
mod clients;
mod deliveries;
mod integrations;
mod operations;
pub(crate) use operations::OpenApiJson;
mod projects;
mod providers;
mod sync;
mod tasks;
mod time_entries;
mod timer;
mod tokens;
mod webhooks;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(operations::configure).service(
        scope("/api")
            .configure(auth::configure)
            .configure(tokens::configure)
            .configure(admin_users::configure)
            .configure(clients::configure)
            .configure(projects::configure)
            .configure(tasks::configure)
            .configure(time_entries::configure)
            .configure(timer::configure)
            .configure(providers::configure)
            .configure(webhooks::configure)
            .configure(integrations::configure)
            .configure(sync::configure)
            .configure(deliveries::configure),
    );
}
