//! Configuration from `STINT_*` environment variables (DESIGN.md §7). A bad value stops start-up
//! with a message naming the variable. Secrets that are not configured are generated once into the
//! data directory (mode 0600) so that sessions and stored tokens survive restarts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::collections::HashMap;

use stint_api_types::Email;
use stint_api_types::providers::ProviderKey;

use stint_connectors::{ProviderEnv, Secret};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// One encryption key of the ring: an id stored beside each ciphertext, and 32 key bytes.
#[derive(Clone)]
pub struct EncryptionKey {
    pub id: String,
    pub key: [u8; 32],
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptionKey({}, <redacted>)", self.id)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// Without a trailing slash.
    pub public_url: String,
    /// Whether `public_url` was derived from `listen` (and so follows the port actually bound).
    pub public_url_from_listen: bool,
    pub admin_email: Option<Email>,
    pub admin_password: Option<Secret>,
    /// The first key is the active one.
    pub secret_keys: Vec<EncryptionKey>,
    /// Whether the ring came from `STINT_SECRET_KEYS` (else from `<data dir>/secret_keys`).
    pub secret_keys_from_env: bool,
    pub jwt_secret: Secret,
    pub session_ttl: Duration,
    /// How long webhook delivery records and finished sync runs are kept.
    pub retention: Duration,
    /// How long a provider may take to answer one request.
    pub provider_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>`.
    pub metrics_token: Option<Secret>,
    pub body_limit: usize,
    /// The built web app (`index.html` and `assets/`), served at `/`.
    pub web_dir: PathBuf,
    pub http_workers: Option<usize>,
    /// Database connections per process; by backend if not set.
    pub database_pool_size: Option<u32>,
    /// Batches of webhook deliveries written side by side on PostgreSQL (SQLite has one writer).
    pub intake_writers: usize,
    pub log_format: LogFormat,
    pub providers: HashMap<ProviderKey, ProviderEnv>,
    pub worker: WorkerConfig,
}

/// How background jobs run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Jobs of one provider running at once in one process (`STINT_WORKER_CONCURRENCY`).
    pub per_provider: usize,
    /// Jobs of any kind running at once in one process.
    pub total: usize,
    /// How often a worker says it is alive; one silent for three times this is presumed dead and
    /// its jobs are run again (`STINT_WORKER_HEARTBEAT`).
    pub heartbeat: Duration,
    /// Minutes between calendar syncs of each connection (`STINT_CALENDAR_SYNC_MINUTES`).
    pub calendar_sync_minutes: u32,
    /// How often a worker looks for queued jobs.
    pub poll: Duration,
    /// The queue's name: one per deployment (`STINT_JOB_QUEUE`, `stint` by default).
    pub queue: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            per_provider: 8,
            total: 32,
            heartbeat: Duration::from_secs(30),
            calendar_sync_minutes: 30,
            poll: Duration::from_millis(500),
            queue: "stint".to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {message}")]
    Invalid { var: String, message: String },
    #[error("cannot prepare the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} holds a secret of {length} characters, fewer than the {needed} needed; \
         delete the file to have a new one generated (sessions signed with the old one end), or write a valid one"
    )]
    ShortSecret {
        path: String,
        length: usize,
        needed: usize,
    },
}

/// Session-signing secrets shorter than this are refused.
const MIN_JWT_SECRET: usize = 32;
/// `k1:` and 44 characters of base64 for 32 bytes.
const MIN_KEY_RING: usize = 40;

fn invalid(var: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var: var.to_owned(),
        message: message.into(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`, so tests configure Stint exactly as an operator would.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let data_dir = PathBuf::from(get("STINT_DATA_DIR").unwrap_or_else(|| "./data".to_owned()));
        create_private_dir(&data_dir).map_err(|source| ConfigError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;

        let database_url = match get("STINT_DATABASE_URL") {
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                url
            }
            Some(_) => {
                return Err(invalid(
                    "STINT_DATABASE_URL",
                    "must start with sqlite: or postgres://",
                ));
            }
            None => format!("sqlite://{}?mode=rwc", data_dir.join("stint.db").display()),
        };

        let listen = match get("STINT_LISTEN") {
            Some(addr) => addr.parse().map_err(|_| {
                invalid(
                    "STINT_LISTEN",
                    format!("`{addr}` is not an address such as 127.0.0.1:8080"),
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };

        let public_url_from_listen = get("STINT_PUBLIC_URL").is_none();
        let public_url = match get("STINT_PUBLIC_URL") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(url) => {
                return Err(invalid(
                    "STINT_PUBLIC_URL",
                    format!("`{url}` must start with http:// or https://"),
                ));
            }
            None => format!("http://{listen}"),
        };

        let admin_email = get("STINT_ADMIN_EMAIL")
            .map(|raw| Email::parse(&raw).map_err(|e| invalid("STINT_ADMIN_EMAIL", e.to_string())))
            .transpose()?;
        let admin_password = lookup("STINT_ADMIN_PASSWORD")
            .filter(|p| !p.is_empty())
            .map(Secret::new);
        if let Some(password) = &admin_password {
            crate::validate::password("password", password.expose())
                .map_err(|_| invalid("STINT_ADMIN_PASSWORD", "must be 8 to 1024 characters"))?;
        }
        if admin_password.is_some() && admin_email.is_none() {
            return Err(invalid(
                "STINT_ADMIN_EMAIL",
                "must be set when STINT_ADMIN_PASSWORD is",
            ));
        }

        let secret_keys_from_env = get("STINT_SECRET_KEYS").is_some();
        let keys_text = match get("STINT_SECRET_KEYS") {
            Some(value) => value,
            None => generated_secret(&data_dir, "secret_keys", MIN_KEY_RING, || {
                format!("k1:{}", BASE64.encode(crate::secret::random_bytes::<32>()))
            })?,
        };
        let secret_keys = parse_key_ring(&keys_text).map_err(|err| match err {
            // Say which file holds the bad ring when it did not come from the environment.
            ConfigError::Invalid { message, .. } if !secret_keys_from_env => {
                invalid(&data_dir.join("secret_keys").display().to_string(), message)
            }
            other => other,
        })?;

        let jwt_secret = match get("STINT_JWT_SECRET") {
            Some(value) if value.len() >= MIN_JWT_SECRET => Secret::new(value),
            Some(_) => {
                return Err(invalid(
                    "STINT_JWT_SECRET",
                    "must be at least 32 characters",
                ));
            }
            None => Secret::new(generated_secret(
                &data_dir,
                "jwt_secret",
                MIN_JWT_SECRET,
                || BASE64.encode(crate::secret::random_bytes::<48>()),
            )?),
        };

        let session_ttl = match get("STINT_SESSION_TTL") {
            Some(value) => parse_duration(&value)
                .filter(|d| *d >= Duration::from_secs(60))
                .ok_or_else(|| {
                    invalid(
                        "STINT_SESSION_TTL",
                        format!(
                            "`{value}` is not a duration of at least 1m such as 12h, 30m or 3600s"
                        ),
                    )
                })?,
            None => Duration::from_secs(12 * 3600),
        };

        let retention = match get("STINT_RETENTION") {
            Some(value) => parse_duration(&value)
                .filter(|d| *d >= Duration::from_secs(3600))
                .ok_or_else(|| {
                    invalid(
                        "STINT_RETENTION",
                        format!("`{value}` is not a duration of at least 1h such as 30d or 72h"),
                    )
                })?,
            None => Duration::from_secs(30 * 86_400),
        };

        let provider_timeout = match get("STINT_PROVIDER_TIMEOUT") {
            Some(value) => parse_duration(&value)
                .filter(|d| (Duration::from_secs(1)..=Duration::from_secs(300)).contains(d))
                .ok_or_else(|| {
                    invalid(
                        "STINT_PROVIDER_TIMEOUT",
                        format!("`{value}` is not a duration from 1s to 5m such as 30s"),
                    )
                })?,
            None => Duration::from_secs(30),
        };

        let web_dir =
            PathBuf::from(get("STINT_WEB_DIR").unwrap_or_else(|| "frontend/dist".to_owned()));
        let trusted_proxies = get("STINT_TRUSTED_PROXIES")
            .map(|value| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty())
                    .map(|entry| {
                        entry
                            .parse::<ipnet::IpNet>()
                            .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                            .map_err(|_| {
                                invalid(
                                    "STINT_TRUSTED_PROXIES",
                                    format!("`{entry}` is neither an address nor a network such as 10.0.0.0/8"),
                                )
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();

        let metrics_token = match lookup("STINT_METRICS_TOKEN").filter(|t| !t.is_empty()) {
            Some(token) if token.len() >= 16 => Some(Secret::new(token)),
            Some(_) => {
                return Err(invalid(
                    "STINT_METRICS_TOKEN",
                    "must be at least 16 characters",
                ));
            }
            None => None,
        };

        let body_limit = match get("STINT_BODY_LIMIT") {
            Some(value) => value
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1024)
                .ok_or_else(|| {
                    invalid(
                        "STINT_BODY_LIMIT",
                        "must be a number of bytes, at least 1024",
                    )
                })?,
            None => 1024 * 1024,
        };

        let http_workers = get("STINT_HTTP_WORKERS")
            .map(|value| {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=256).contains(n))
                    .ok_or_else(|| invalid("STINT_HTTP_WORKERS", "must be a number from 1 to 256"))
            })
            .transpose()?;

        let database_pool_size = get("STINT_DATABASE_POOL_SIZE")
            .map(|value| {
                value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        invalid(
                            "STINT_DATABASE_POOL_SIZE",
                            "must be a number from 1 to 1000",
                        )
                    })
            })
            .transpose()?;

        let intake_writers = match get("STINT_INTAKE_WRITERS") {
            Some(value) => value
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=32).contains(n))
                .ok_or_else(|| invalid("STINT_INTAKE_WRITERS", "must be a number from 1 to 32"))?,
            None => 2,
        };

        let log_format = match get("STINT_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "STINT_LOG_FORMAT",
                    format!("`{other}` is neither pretty nor json"),
                ));
            }
        };

        let providers = provider_env(&get)?;
        let worker = worker_config(&get)?;

        Ok(Config {
            database_url,
            data_dir,
            listen,
            public_url,
            public_url_from_listen,
            admin_email,
            admin_password,
            secret_keys,
            secret_keys_from_env,
            jwt_secret,
            session_ttl,
            retention,
            provider_timeout,
            trusted_proxies,
            web_dir,
            metrics_token,
            body_limit,
            http_workers,
            database_pool_size,
            intake_writers,
            log_format,
            providers,
            worker,
        })
    }

    /// Served over https: cookies are marked `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn worker_config(get: &dyn Fn(&str) -> Option<String>) -> Result<WorkerConfig, ConfigError> {
    let mut worker = WorkerConfig::default();
    if let Some(value) = get("STINT_WORKER_CONCURRENCY") {
        worker.per_provider = value
            .parse()
            .ok()
            .filter(|n| (1..=256).contains(n))
            .ok_or_else(|| {
                invalid(
                    "STINT_WORKER_CONCURRENCY",
                    format!("`{value}` is not a number from 1 to 256"),
                )
            })?;
        worker.total = worker.total.max(worker.per_provider * 2);
    }
    if let Some(value) = get("STINT_WORKER_HEARTBEAT") {
        worker.heartbeat = parse_duration(&value)
            .filter(|d| (Duration::from_secs(1)..=Duration::from_secs(600)).contains(d))
            .ok_or_else(|| {
                invalid(
                    "STINT_WORKER_HEARTBEAT",
                    format!("`{value}` is not a duration from 1s to 10m such as 30s"),
                )
            })?;
    }
    if let Some(value) = get("STINT_CALENDAR_SYNC_MINUTES") {
        worker.calendar_sync_minutes = value
            .parse()
            .ok()
            .filter(|n| [5, 10, 15, 20, 30, 60].contains(n))
            .ok_or_else(|| {
                invalid(
                    "STINT_CALENDAR_SYNC_MINUTES",
                    format!("`{value}` is not one of 5, 10, 15, 20, 30 or 60"),
                )
            })?;
    }
    if let Some(value) = get("STINT_JOB_QUEUE") {
        if value.is_empty()
            || value.len() > 64
            || !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(
                "STINT_JOB_QUEUE",
                format!("`{value}` is not a name of 1–64 letters, digits, `_` or `-`"),
            ));
        }
        worker.queue = value;
    }
    Ok(worker)
}

fn provider_env(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<HashMap<ProviderKey, ProviderEnv>, ConfigError> {
    let mut all = HashMap::new();
    for key in ProviderKey::ALL {
        let prefix = format!("STINT_PROVIDER_{}_", key.env_key());
        let field = |name: &str| get(&format!("{prefix}{name}"));
        let url = |name: &'static str| -> Result<Option<String>, ConfigError> {
            match field(name) {
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                    Ok(Some(url.trim_end_matches('/').to_owned()))
                }
                Some(url) => Err(invalid(
                    &format!("{prefix}{name}"),
                    format!("`{url}` must start with http:// or https://"),
                )),
                None => Ok(None),
            }
        };
        let env = ProviderEnv {
            authorize_url: url("AUTHORIZE_URL")?,
            token_url: url("TOKEN_URL")?,
            revoke_url: url("REVOKE_URL")?,
            api_base: url("API_BASE")?,
            client_id: field("CLIENT_ID"),
            client_secret: field("CLIENT_SECRET").map(Secret::new),
            webhook_secret: field("WEBHOOK_SECRET").map(Secret::new),
            signing_secret: field("SIGNING_SECRET").map(Secret::new),
            api_key: field("API_KEY").map(Secret::new),
        };
        all.insert(key, env);
    }
    Ok(all)
}

/// Puts a new random key first in `<data dir>/secret_keys`, making it the active one; the old keys
/// stay so that existing values still decrypt. Returns the new key's id.
pub fn add_generated_key(data_dir: &Path) -> Result<String, ConfigError> {
    let path = data_dir.join("secret_keys");
    let io_error = |source| ConfigError::DataDir {
        path: path.display().to_string(),
        source,
    };
    let current = std::fs::read_to_string(&path).map_err(io_error)?;
    let ring = parse_key_ring(current.trim())?;
    let next = ring
        .iter()
        .filter_map(|k| k.id.strip_prefix('k').and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0)
        + 1;
    let id = format!("k{next}");
    let text = format!(
        "{id}:{},{}",
        BASE64.encode(crate::secret::random_bytes::<32>()),
        current.trim()
    );
    // Write beside, then rename: a crash leaves the old ring or the new one, never half of one.
    let staging = data_dir.join("secret_keys.new");
    let _ = std::fs::remove_file(&staging);
    write_private(&staging, &text).map_err(io_error)?;
    std::fs::rename(&staging, &path).map_err(io_error)?;
    Ok(id)
}

/// `id:base64key,id:base64key`; each key 32 bytes; ids unique.
fn parse_key_ring(text: &str) -> Result<Vec<EncryptionKey>, ConfigError> {
    const VAR: &str = "STINT_SECRET_KEYS";
    let mut keys: Vec<EncryptionKey> = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (id, encoded) = entry
            .split_once(':')
            .ok_or_else(|| invalid(VAR, "each key must look like id:base64key"))?;
        let id_ok = !id.is_empty()
            && id.len() <= 16
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !id_ok {
            return Err(invalid(
                VAR,
                format!("key id `{id}` must be 1–16 letters, digits, _ or -"),
            ));
        }
        let bytes = BASE64
            .decode(encoded)
            .map_err(|_| invalid(VAR, format!("key `{id}` is not valid base64")))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| invalid(VAR, format!("key `{id}` must decode to exactly 32 bytes")))?;
        if keys.iter().any(|k| k.id == id) {
            return Err(invalid(VAR, format!("key id `{id}` appears twice")));
        }
        keys.push(EncryptionKey {
            id: id.to_owned(),
            key,
        });
    }
    if keys.is_empty() {
        return Err(invalid(VAR, "needs at least one key"));
    }
    Ok(keys)
}

/// `90`, `90s`, `15m`, `12h`, `7d`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(seconds))
}

/// Reads `<data dir>/<name>`, or creates it with `make()` readable by the owner only.
/// A secret kept in the data directory: read when the file exists, else generated and written.
/// A stored value shorter than `min_len` is refused (an empty file must not mean an empty key).
/// Two processes starting on an empty directory at once both end up with the value on disk: the
/// one that loses the race to create the file reads the winner's back.
fn generated_secret(
    data_dir: &Path,
    name: &str,
    min_len: usize,
    make: impl Fn() -> String,
) -> Result<String, ConfigError> {
    let path = data_dir.join(name);
    let io_error = |source| ConfigError::DataDir {
        path: path.display().to_string(),
        source,
    };
    // The winner creates the file, then writes: a reader may briefly see it empty.
    for _ in 0..100 {
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= min_len => return Ok(text.trim().to_owned()),
            Ok(text) if text.trim().is_empty() && just_created(&path) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(text) => {
                return Err(ConfigError::ShortSecret {
                    path: path.display().to_string(),
                    length: text.trim().len(),
                    needed: min_len,
                });
            }
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(io_error(err)),
            Err(_) => {
                let value = make();
                if write_private(&path, &value).map_err(io_error)? {
                    return Ok(value);
                }
            }
        }
    }
    Err(ConfigError::ShortSecret {
        path: path.display().to_string(),
        length: 0,
        needed: min_len,
    })
}

fn just_created(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|at| at.elapsed().ok())
        .is_some_and(|age| age < Duration::from_secs(2))
}

/// The data directory holds keys and the database: when Stint makes it, only its owner may enter.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Writes a new owner-only file; false when another process created it first.
#[cfg(unix)]
fn write_private(path: &Path, value: &str) -> std::io::Result<bool> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    // create_new: two processes starting at once must not overwrite each other's key.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(value.as_bytes())?;
            file.sync_all()?;
            Ok(true)
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(err) => Err(err),
    }
}

#[cfg(not(unix))]
fn write_private(path: &Path, value: &str) -> std::io::Result<bool> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, value.as_bytes())?;
            Ok(true)
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_generate_private_secrets_once() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let first = load(&[("STINT_DATA_DIR", data)]).unwrap();
        assert_eq!(first.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(first.public_url, "http://127.0.0.1:8080");
        assert!(first.database_url.starts_with("sqlite://"));
        assert_eq!(first.session_ttl, Duration::from_secs(12 * 3600));
        assert_eq!(first.body_limit, 1024 * 1024);
        #[cfg(unix)]
        for name in ["secret_keys", "jwt_secret"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        let second = load(&[("STINT_DATA_DIR", data)]).unwrap();
        assert_eq!(first.jwt_secret, second.jwt_secret);
        assert_eq!(first.secret_keys[0].key, second.secret_keys[0].key);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let cases: &[(&str, &str)] = &[
            ("STINT_LISTEN", "not an address"),
            ("STINT_PUBLIC_URL", "ftp://x"),
            ("STINT_DATABASE_URL", "mysql://x"),
            ("STINT_ADMIN_EMAIL", "nobody"),
            ("STINT_SECRET_KEYS", "k1:short"),
            ("STINT_SECRET_KEYS", "no-colon"),
            ("STINT_JWT_SECRET", "short"),
            ("STINT_SESSION_TTL", "forever"),
            ("STINT_LOG_FORMAT", "xml"),
            ("STINT_BODY_LIMIT", "-1"),
        ];
        for (var, value) in cases {
            let err = load(&[("STINT_DATA_DIR", data), (var, value)]).unwrap_err();
            assert!(err.to_string().starts_with(var), "{var}={value}: {err}");
        }
    }

    #[test]
    fn key_ring_parses() {
        let key = BASE64.encode([7u8; 32]);
        let ring = parse_key_ring(&format!("new:{key}, old:{key}")).unwrap();
        assert_eq!(
            ring.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
            ["new", "old"]
        );
        assert!(parse_key_ring(&format!("a:{key},a:{key}")).is_err());
        assert!(!format!("{:?}", ring[0]).contains("7, 7"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("12h"), Some(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("5x"), None);
    }

    #[test]
    fn an_empty_or_short_stored_secret_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        for stored in ["", "short"] {
            std::fs::write(dir.path().join("jwt_secret"), stored).unwrap();
            let err = load(&[("STINT_DATA_DIR", data)]).unwrap_err().to_string();
            assert!(err.contains("jwt_secret"), "{err}");
            assert!(err.contains("fewer than the 32 needed"), "{err}");
        }
        std::fs::remove_file(dir.path().join("jwt_secret")).unwrap();
        std::fs::write(
            dir.path().join("secret_keys"),
            "k1:not base64 at all, but long enough",
        )
        .unwrap();
        let err = load(&[("STINT_DATA_DIR", data)]).unwrap_err().to_string();
        assert!(err.contains("secret_keys"), "{err}");
        assert!(!err.starts_with("STINT_SECRET_KEYS"), "{err}");
    }

    #[test]
    fn processes_starting_together_use_the_secrets_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("fresh").display().to_string();
        let started: Vec<_> = (0..8)
            .map(|_| {
                let data = data.clone();
                std::thread::spawn(move || load(&[("STINT_DATA_DIR", data.as_str())]).unwrap())
            })
            .collect();
        let configs: Vec<Config> = started.into_iter().map(|t| t.join().unwrap()).collect();
        let on_disk = std::fs::read_to_string(dir.path().join("fresh/jwt_secret")).unwrap();
        for config in &configs {
            assert_eq!(config.jwt_secret.expose(), on_disk.trim());
            assert_eq!(config.secret_keys[0].key, configs[0].secret_keys[0].key);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("fresh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
