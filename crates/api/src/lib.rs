//! Stint's HTTP application. `Application::build(config)` connects, migrates, creates the first
//! admin if needed and binds; `port()` tells where (port 0 in tests); `run_until_stopped()` serves
//! until SIGTERM/SIGINT, finishing requests in flight.

mod allowed_methods;
pub mod error;
mod extract;
mod extract_errors;
mod json_body;
pub mod metrics;
pub mod middleware;
pub mod openapi;
mod routes;
mod web;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::web::{Data, PayloadConfig};
use actix_web::{App, HttpServer};
use stint_connectors::Providers;
use stint_core::users::{BootstrappedAdmin, bootstrap_admin};
use stint_core::{Clock, Config, CoreError, Stint};
use utoipa_swagger_ui::SwaggerUi;

use crate::metrics::Metrics;
use crate::routes::OpenApiJson;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Start(#[from] stint_core::context::StartError),
    #[error("cannot create the first admin: {0}")]
    Bootstrap(#[source] CoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot build the HTTP client for providers: {0}")]
    HttpClient(#[source] reqwest::Error),
    #[error("cannot set up metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

pub struct Application {
    port: u16,
    server: Server,
    stint: Stint,
    bootstrapped: Option<BootstrappedAdmin>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, BuildError> {
        Self::build_with_clock(config, Clock::system()).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> Result<Self, BuildError> {
        let providers = stint_providers::providers_with_timeout(config.provider_timeout)
            .map_err(|err| BuildError::HttpClient(err.without_url()))?;
        Self::build_with_providers(config, clock, providers).await
    }

    /// With a catalogue of one's own: tests register providers of their own so.
    pub async fn build_with_providers(
        mut config: Config,
        clock: Clock,
        providers: Providers,
    ) -> Result<Self, BuildError> {
        let listen = config.listen;
        let workers = config.http_workers;
        let bind_error = |source| BuildError::Bind {
            addr: listen.to_string(),
            source,
        };
        let listener = TcpListener::bind(listen).map_err(bind_error)?;
        let bound = listener.local_addr().map_err(bind_error)?;
        let port = bound.port();
        if config.public_url_from_listen {
            // With port 0 the real port is known only now.
            config.public_url = format!("http://{bound}");
        }
        let stint = Stint::start(config, clock, providers).await?;
        let bootstrapped = bootstrap_admin(&stint)
            .await
            .map_err(BuildError::Bootstrap)?;
        stint_core::background::spawn(&stint);

        let metrics = Data::new(Metrics::new()?);
        let document_json = Data::new(OpenApiJson::default());
        let workers = workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let worker_states: Vec<Data<Stint>> = stint
            .for_http_workers(workers)
            .await?
            .into_iter()
            .map(Data::new)
            .collect();
        // Actix builds the app once per worker (and again for a worker that restarts).
        let next_worker = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let body_limit = stint.config.body_limit;
        let web_dir = Data::new(web::WebDir(stint.config.web_dir.clone()));

        let server = HttpServer::new(move || {
            let worker = next_worker.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let state = worker_states[worker % worker_states.len()].clone();
            App::new()
                .configure(routes::serve)
                .app_data(state)
                .app_data(metrics.clone())
                .app_data(document_json.clone())
                .app_data(extract_errors::json_config(body_limit))
                .app_data(PayloadConfig::new(body_limit))
                .app_data(extract_errors::query_config())
                .app_data(extract_errors::path_config())
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
                )
                .service(actix_web::web::redirect("/docs", "/docs/"))
                .service(web::assets(&web_dir.0))
                .app_data(web_dir.clone())
                .default_service(actix_web::web::to(web::fallback))
                .wrap(from_fn(middleware::observe))
        })
        .listen(listener)
        .map_err(|source| BuildError::Bind {
            addr: listen.to_string(),
            source,
        })?
        .shutdown_timeout(30)
        .workers(workers);
        Ok(Application {
            port,
            server: server.run(),
            stint,
            bootstrapped,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn stint(&self) -> &Stint {
        &self.stint
    }

    /// The first admin, if this start created it (its generated password is shown once).
    pub fn take_bootstrapped_admin(&mut self) -> Option<BootstrappedAdmin> {
        self.bootstrapped.take()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
