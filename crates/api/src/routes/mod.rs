//! Thin handlers: parse, call one core service, map the result.

mod admin_users;
mod auth;
mod calendar;
mod clients;
mod deliveries;
mod integrations;
mod jobs;
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

use actix_web::dev::HttpServiceFactory;
use utoipa_actix_web::OpenApiFactory;

/// Where handlers are registered: the served application (plain actix-web, once per worker) or
/// the OpenAPI document (utoipa, which also builds every route's documentation; made once, when
/// first asked for). Each handler is both.
pub trait Routes {
    fn service<F: HttpServiceFactory + OpenApiFactory + 'static>(
        &mut self,
        factory: F,
    ) -> &mut Self;
}

impl Routes for actix_web::web::ServiceConfig {
    fn service<F: HttpServiceFactory + OpenApiFactory + 'static>(
        &mut self,
        factory: F,
    ) -> &mut Self {
        actix_web::web::ServiceConfig::service(self, factory)
    }
}

impl Routes for utoipa_actix_web::service_config::ServiceConfig<'_> {
    fn service<F: HttpServiceFactory + OpenApiFactory + 'static>(
        &mut self,
        factory: F,
    ) -> &mut Self {
        utoipa_actix_web::service_config::ServiceConfig::service(self, factory)
    }
}

/// Every route under `/api`.
fn api<R: Routes>(cfg: &mut R) {
    auth::configure(cfg);
    tokens::configure(cfg);
    admin_users::configure(cfg);
    clients::configure(cfg);
    projects::configure(cfg);
    tasks::configure(cfg);
    time_entries::configure(cfg);
    timer::configure(cfg);
    providers::configure(cfg);
    webhooks::configure(cfg);
    integrations::configure(cfg);
    sync::configure(cfg);
    calendar::configure(cfg);
    deliveries::configure(cfg);
    jobs::configure(cfg);
}

/// The served routes.
pub fn serve(cfg: &mut actix_web::web::ServiceConfig) {
    operations::configure(cfg);
    cfg.service(actix_web::web::scope("/api").configure(api));
}

/// The same routes, documented.
pub fn document(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    operations::configure(cfg);
    cfg.service(utoipa_actix_web::scope("/api").configure(|api_cfg| api(api_cfg)));
}
