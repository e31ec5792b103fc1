//! Settings: flags over `LUREWATCH_*` environment variables over a TOML file over defaults,
//! all checked before anything is opened, with one clear message per mistake.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::Limits;
use crate::desk::{Desk, DeskError};
use crate::store::Store;
use crate::vault::{self, Vault};

/// The settings as given: every field optional. The command line fills one from its
/// flags and environment, a TOML file another; [`Config::resolve`] merges them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Address to listen on.
    pub listen: Option<String>,
    /// Directory of the SQLite file, the evidence files and the default key file.
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` to use PostgreSQL instead of the SQLite file.
    pub database_url: Option<String>,
    /// File holding the evidence key (64 hex digits or base64).
    pub key_file: Option<PathBuf>,
    /// The evidence key itself (for the environment; prefer a file).
    pub evidence_key: Option<String>,
    /// File of platform API keys, `NAME KEY` a line.
    pub api_keys_file: Option<PathBuf>,
    /// File holding the administrators' token (hash banks).
    pub admin_token_file: Option<PathBuf>,
    /// Largest request body, MiB.
    pub max_body_mib: Option<u64>,
    /// Largest evidence file, MiB.
    pub max_file_mib: Option<u64>,
    /// Most evidence files a report keeps.
    pub max_files: Option<u64>,
    /// Requests a minute one client may make to the victims' pages and the lookup.
    pub per_minute: Option<u64>,
    /// Most live conversations held for platforms.
    pub live_conversations: Option<u64>,
    /// Seconds in-flight requests get to finish after SIGTERM.
    pub shutdown_grace_secs: Option<u64>,
    /// Smallest count shown in statistics shared outside the team (k).
    pub stats_min_count: Option<u64>,
}

impl Settings {
    /// Reads a TOML settings file.
    pub fn from_file(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read the settings file {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| ConfigError(format!("settings file {}: {e}", path.display())))
    }

    /// `self` where set, else `other`.
    pub fn or(self, other: Settings) -> Settings {
        Settings {
            listen: self.listen.or(other.listen),
            data_dir: self.data_dir.or(other.data_dir),
            database_url: self.database_url.or(other.database_url),
            key_file: self.key_file.or(other.key_file),
            evidence_key: self.evidence_key.or(other.evidence_key),
            api_keys_file: self.api_keys_file.or(other.api_keys_file),
            admin_token_file: self.admin_token_file.or(other.admin_token_file),
            max_body_mib: self.max_body_mib.or(other.max_body_mib),
            max_file_mib: self.max_file_mib.or(other.max_file_mib),
            max_files: self.max_files.or(other.max_files),
            per_minute: self.per_minute.or(other.per_minute),
            live_conversations: self.live_conversations.or(other.live_conversations),
            shutdown_grace_secs: self.shutdown_grace_secs.or(other.shutdown_grace_secs),
            stats_min_count: self.stats_min_count.or(other.stats_min_count),
        }
    }
}

/// A mistake in the settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Where the evidence key comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A key file; created with a new key when `create` and missing.
    File {
        /// The file.
        path: PathBuf,
        /// Whether a missing file is created.
        create: bool,
    },
    /// The key itself.
    Given([u8; vault::KEY_BYTES]),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::File { path, create } => write!(f, "File({}, create: {create})", path.display()),
            KeySource::Given(_) => f.write_str("Given(…)"),
        }
    }
}

/// A platform's API key: its name and the SHA-256 of the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Who it is for.
    pub name: String,
    /// SHA-256 of the key.
    pub hash: [u8; 32],
}

/// Shortest API key accepted.
pub const MIN_API_KEY: usize = 24;

/// Checked settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// PostgreSQL, or `None` for the SQLite file in the data directory.
    pub database_url: Option<String>,
    /// The evidence key.
    pub key: KeySource,
    /// Platform API keys.
    pub api_keys: Vec<ApiKey>,
    /// SHA-256 of the administrators' token, if one is set.
    pub admin_token: Option<[u8; 32]>,
    /// Limits.
    pub limits: Limits,
    /// Time in-flight requests get after SIGTERM.
    pub shutdown_grace: Duration,
}

impl Config {
    /// Merges `flags` (flags and environment, already merged by the command line) over
    /// the settings file, if any, and checks everything.
    pub fn resolve(flags: Settings, file: Option<&Path>) -> Result<Config, ConfigError> {
        let s = match file {
            Some(path) => flags.or(Settings::from_file(path)?),
            None => flags,
        };
        let listen = s.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen.parse().map_err(|_| {
            ConfigError(format!("listen: `{listen}` is not an address and port such as 127.0.0.1:8080"))
        })?;
        let data_dir = s.data_dir.unwrap_or_else(|| PathBuf::from("lurewatch-data"));
        if data_dir.exists() && !data_dir.is_dir() {
            return Err(ConfigError(format!("data-dir: {} exists and is not a directory", data_dir.display())));
        }
        if let Some(url) = &s.database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(ConfigError(
                "database-url: only postgres:// URLs are taken; without one the SQLite file in the data directory is used"
                    .into(),
            ));
        }
        let key = match (s.evidence_key, s.key_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError("give the evidence key either as a key file or as a value, not both".into()));
            }
            (Some(text), None) => {
                KeySource::Given(vault::parse_key(&text).map_err(|e| ConfigError(format!("evidence-key: {e}")))?)
            }
            (None, Some(path)) => {
                if !path.is_file() {
                    return Err(ConfigError(format!("key-file: {} does not exist", path.display())));
                }
                KeySource::File { path, create: false }
            }
            (None, None) => KeySource::File { path: data_dir.join("evidence.key"), create: true },
        };
        let api_keys = match &s.api_keys_file {
            Some(path) => read_api_keys(path)?,
            None => Vec::new(),
        };
        let admin_token = match &s.admin_token_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(format!("cannot read the admin token file {}: {e}", path.display())))?;
                let token = text.trim();
                if token.len() < MIN_API_KEY || token.contains(char::is_whitespace) {
                    return Err(ConfigError(format!(
                        "admin-token-file: the token must be at least {MIN_API_KEY} characters without spaces"
                    )));
                }
                Some(Sha256::digest(token.as_bytes()).into())
            }
            None => None,
        };
        let mut limits = Limits::default();
        let positive = |name: &str, v: Option<u64>, default: u64, max: u64| -> Result<u64, ConfigError> {
            match v {
                None => Ok(default),
                Some(v) if (1..=max).contains(&v) => Ok(v),
                Some(v) => Err(ConfigError(format!("{name}: {v} is out of range (1 to {max})"))),
            }
        };
        limits.max_body_bytes = (positive("max-body-mib", s.max_body_mib, 64, 4096)? << 20) as usize;
        limits.max_file_bytes = (positive("max-file-mib", s.max_file_mib, 20, 4096)? << 20) as usize;
        if limits.max_file_bytes > limits.max_body_bytes {
            return Err(ConfigError("max-file-mib cannot be larger than max-body-mib".into()));
        }
        limits.max_files = positive("max-files", s.max_files, 20, 1000)? as usize;
        limits.per_minute = positive("per-minute", s.per_minute, 120, 1_000_000)? as u32;
        limits.live_conversations =
            positive("live-conversations", s.live_conversations, 100_000, 100_000_000)? as usize;
        limits.stats_min_count = positive("stats-min-count", s.stats_min_count, 5, 1000)?;
        let grace = Duration::from_secs(positive("shutdown-grace-secs", s.shutdown_grace_secs, 30, 3600)?);
        Ok(Config {
            listen,
            data_dir,
            database_url: s.database_url,
            key,
            api_keys,
            admin_token,
            limits,
            shutdown_grace: grace,
        })
    }

    /// Creates the data directory, loads or creates the key, opens and migrates the
    /// database and checks that it was set up with this key.
    pub async fn open(&self, engine: Arc<lurewatch_core::Engine>) -> Result<Desk, OpenError> {
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| OpenError(format!("cannot create the data directory {}: {e}", self.data_dir.display())))?;
        let key = match &self.key {
            KeySource::Given(key) => *key,
            KeySource::File { path, create: true } => {
                vault::load_or_create_key(path).map_err(|e| OpenError(e.to_string()))?.0
            }
            KeySource::File { path, create: false } => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| OpenError(format!("cannot read the key file {}: {e}", path.display())))?;
                vault::parse_key(&text).map_err(|e| OpenError(format!("{}: {e}", path.display())))?
            }
        };
        let vault = Vault::new(&key, &self.data_dir.join("evidence")).map_err(|e| OpenError(e.to_string()))?;
        let store = match &self.database_url {
            Some(url) => Store::open_postgres(url).await,
            None => Store::open_sqlite(&self.data_dir.join("lurewatch.sqlite")).await,
        }
        .map_err(|e| OpenError(e.to_string()))?;
        Desk::new(engine, store, vault, self.limits.clone()).await.map_err(|e: DeskError| OpenError(e.to_string()))
    }
}

/// The desk cannot open.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct OpenError(pub String);

/// Reads `NAME KEY` lines (blank lines and `#` comments skipped).
pub fn read_api_keys(path: &Path) -> Result<Vec<ApiKey>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read the API keys file {}: {e}", path.display())))?;
    let mut keys: Vec<ApiKey> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{}:{}", path.display(), n + 1);
        let Some((name, key)) = line.split_once(char::is_whitespace) else {
            return Err(ConfigError(format!("{}: expected `NAME KEY`", at())));
        };
        let key = key.trim();
        if key.len() < MIN_API_KEY || key.contains(char::is_whitespace) {
            return Err(ConfigError(format!(
                "{}: the key for `{name}` must be at least {MIN_API_KEY} characters without spaces",
                at()
            )));
        }
        if keys.iter().any(|k| k.name == name) {
            return Err(ConfigError(format!("{}: `{name}` is named twice", at())));
        }
        keys.push(ApiKey { name: name.to_owned(), hash: Sha256::digest(key.as_bytes()).into() });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("desk.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nmax-files = 5\nper-minute = 30\n").unwrap();
        let flags = Settings { per_minute: Some(60), ..Default::default() };
        let c = Config::resolve(flags, Some(&file)).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.limits.max_files, 5);
        assert_eq!(c.limits.per_minute, 60);
        assert_eq!(c.data_dir, PathBuf::from("lurewatch-data"));
        assert_eq!(c.key, KeySource::File { path: PathBuf::from("lurewatch-data/evidence.key"), create: true });
        assert_eq!(c.database_url, None);
    }

    #[test]
    fn each_mistake_gets_its_own_message() {
        let err = |s: Settings| Config::resolve(s, None).unwrap_err().0;
        assert!(err(Settings { listen: Some("localhost".into()), ..Default::default() }).contains("listen"));
        assert!(err(Settings { database_url: Some("mysql://x".into()), ..Default::default() }).contains("postgres://"));
        assert!(err(Settings { max_files: Some(0), ..Default::default() }).contains("max-files"));
        assert!(err(Settings { evidence_key: Some("short".into()), ..Default::default() }).contains("evidence-key"));
        assert!(err(Settings { key_file: Some("/nonexistent/key".into()), ..Default::default() }).contains("key-file"));
        assert!(
            err(Settings { max_file_mib: Some(100), max_body_mib: Some(10), ..Default::default() })
                .contains("max-file-mib")
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("desk.toml");
        std::fs::write(&file, "listn = \"x\"\n").unwrap();
        assert!(Config::resolve(Settings::default(), Some(&file)).unwrap_err().0.contains("listn"));
    }

    #[test]
    fn api_keys_are_read_hashed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("keys");
        std::fs::write(&file, "# platforms\nchatapp 0123456789abcdef01234567\n\nforum   zyxwvutsrqponmlkjihgfedcba\n")
            .unwrap();
        let keys = read_api_keys(&file).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].name, "forum");
        assert_eq!(keys[0].hash, <[u8; 32]>::from(Sha256::digest(b"0123456789abcdef01234567")));
        std::fs::write(&file, "chatapp short\n").unwrap();
        assert!(read_api_keys(&file).unwrap_err().0.contains(":1"));
        std::fs::write(&file, "a 0123456789abcdef01234567\na 0123456789abcdef01234568\n").unwrap();
        assert!(read_api_keys(&file).unwrap_err().0.contains("twice"));
    }
}
