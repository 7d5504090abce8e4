//! `stint`: serve the API, migrate the database, print the OpenAPI document, manage users.

mod telemetry;

// glibc's allocator contends between threads under load; mimalloc does not.
#[global_allocator]
static ALLOCATOR: stint_allocator::MiMalloc = stint_allocator::MiMalloc;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use stint_api::Application;
use stint_api_types::Email;
use stint_api_types::auth::Role;
use stint_api_types::users::CreateUser;
use stint_core::{Clock, Config, Stint};
use stint_worker::{Schedules, Worker};

#[derive(Parser)]
#[command(
    name = "stint",
    version,
    about = "Self-hosted time tracking with an integration hub"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, create the first admin if there is no user, and serve the API
    /// (with a background worker in the same process unless `--no-worker`).
    Serve {
        /// Leave background jobs to separate `stint worker` processes.
        #[arg(long)]
        no_worker: bool,
    },
    /// Run background jobs and schedules only (several may run against one PostgreSQL).
    Worker {
        /// Only run queued jobs; leave queueing the schedules to other processes.
        #[arg(long)]
        no_schedules: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (the committed openapi/openapi.json must equal it).
    Openapi,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the keys that encrypt stored credentials.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new active key to <data dir>/secret_keys and re-encrypt every stored secret with it.
    /// Old keys stay in the ring until you remove them. Safe to interrupt: run `reencrypt` to finish.
    Rotate,
    /// Re-encrypt every stored secret under the active key (the first of the ring).
    Reencrypt,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from standard input (or prompted for), never taken
    /// as an argument, so it stays out of shell history and process lists.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Make the user an admin.
        #[arg(long)]
        admin: bool,
    },
}

fn main() -> ExitCode {
    stint_allocator::release_freed_memory_at_once();
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", stint_api::openapi::document_json());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("stint: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("stint: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stint: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { no_worker } => serve(config, !no_worker).await,
        Command::Worker { no_schedules } => worker(config, !no_schedules).await,
        Command::Migrate => {
            let db = stint_core::db::connect(&config.database_url, config.database_pool_size)
                .await
                .context("cannot connect to the database")?;
            let applied = stint_core::db::migrate(&db)
                .await
                .context("migration failed")?;
            println!("applied {applied} migration(s); the database is up to date");
            Ok(())
        }
        Command::User {
            command: UserCommand::Create { email, name, admin },
        } => create_user(config, email, name, admin).await,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => rotate_keys(config).await,
        Command::Keys {
            command: KeysCommand::Reencrypt,
        } => reencrypt(config).await,
        Command::Openapi => Ok(()),
    }
}

async fn serve(config: Config, with_worker: bool) -> anyhow::Result<()> {
    let database = redact_url(&config.database_url);
    let mut app = Application::build(config).await?;
    if let Some(admin) = app.take_bootstrapped_admin() {
        match admin.generated_password {
            // Printed, not logged: it must not end up in a log collector.
            Some(password) => println!(
                "\nCreated the first admin.\n  email:    {}\n  password: {}\nSign in and change it; it is not shown again.\n",
                admin.email,
                password.expose()
            ),
            None => println!(
                "Created the first admin {} with the configured password.",
                admin.email
            ),
        }
    }
    let public_url = app.stint().config.public_url.clone();
    tracing::info!(port = app.port(), database = %database, "Stint is serving on {public_url} (API docs at {public_url}/docs/)");
    let stint = app.stint().clone();
    let worker = with_worker.then(|| Worker::start(&stint, Schedules::Queue));
    app.run_until_stopped().await?;
    if let Some(worker) = worker {
        worker.stop(WORKER_GRACE).await;
    }
    // Deliveries already accepted are durable either way; applying them now saves the next start
    // the work.
    if tokio::time::timeout(std::time::Duration::from_secs(10), stint.intake.settle())
        .await
        .is_err()
    {
        tracing::warn!(
            "stopping with webhook deliveries still queued; the next start applies them"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// How long a stopping worker lets its jobs finish before leaving them to another worker.
const WORKER_GRACE: std::time::Duration = std::time::Duration::from_secs(25);

async fn worker(config: Config, schedules: bool) -> anyhow::Result<()> {
    let providers = stint_providers::providers_with_timeout(config.provider_timeout)?;
    let stint = Stint::start(config, Clock::system(), providers).await?;
    let schedules = if schedules {
        Schedules::Queue
    } else {
        Schedules::Ignore
    };
    let worker = Worker::start(&stint, schedules);
    shutdown_signal().await;
    tracing::info!("stopping: letting running jobs finish");
    worker.stop(WORKER_GRACE).await;
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM (what service managers send) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn create_user(
    config: Config,
    email: String,
    name: Option<String>,
    admin: bool,
) -> anyhow::Result<()> {
    let email = Email::parse(&email)?;
    let password = read_password()?;
    let providers = stint_providers::providers_with_timeout(config.provider_timeout)?;
    let stint = Stint::start(config, Clock::system(), providers).await?;
    let request = CreateUser {
        email,
        display_name: name,
        password,
        role: if admin { Role::Admin } else { Role::Member },
        timezone: None,
    };
    let user = stint_core::users::create_user(&stint, request)
        .await
        .map_err(|e| anyhow::anyhow!(e.public_detail()))?;
    println!("created {} ({}) as {}", user.email, user.id, user.role);
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Repeat password: ")?;
        if first != again {
            bail!("the passwords differ");
        }
        first
    } else {
        let mut text = String::new();
        stdin.lock().read_to_string(&mut text)?;
        text.lines().next().unwrap_or_default().to_owned()
    };
    Ok(password)
}

/// The URL without a password, for the log.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &url[..scheme_end + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

async fn rotate_keys(config: Config) -> anyhow::Result<()> {
    if config.secret_keys_from_env {
        bail!(
            "the key ring comes from STINT_SECRET_KEYS, which stint cannot change: put a new \
             `id:base64key` (32 random bytes) first in that variable, restart, then run `stint keys reencrypt`"
        );
    }
    let id = stint_core::config::add_generated_key(&config.data_dir)?;
    println!(
        "added key `{id}` as the active key in {}",
        config.data_dir.join("secret_keys").display()
    );
    let config = Config::from_env()?;
    reencrypt(config).await
}

async fn reencrypt(config: Config) -> anyhow::Result<()> {
    let providers = stint_providers::providers_with_timeout(config.provider_timeout)?;
    let stint = Stint::start(config, Clock::system(), providers).await?;
    let report = stint_core::key_rotation::reencrypt_all(&stint)
        .await
        .map_err(|e| anyhow::anyhow!(e.public_detail()))?;
    println!(
        "re-encrypted {} secret(s) under `{}`; {} already were; {} changed meanwhile and were left as written",
        report.reencrypted,
        stint.keys.active_key_id(),
        report.already_current,
        report.skipped_changed
    );
    Ok(())
}
