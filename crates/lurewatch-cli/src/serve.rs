//! `lurewatch serve`: the report desk.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use lurewatch_desk::config::{Config, KeySource, Settings};

/// The desk's settings as flags (each also read from its `LUREWATCH_*` variable).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "LUREWATCH_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// Directory of the SQLite database, the evidence files and the evidence key
    /// [default: ./lurewatch-data].
    #[arg(long, env = "LUREWATCH_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Use this PostgreSQL database instead of the SQLite file (`postgres://…`); several
    /// desks can share one, with the same evidence key and evidence directory.
    #[arg(long, env = "LUREWATCH_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: Option<String>,
    /// File holding the evidence key (64 hex digits or base64) [default: DATA_DIR/evidence.key,
    /// created on first start].
    #[arg(long, env = "LUREWATCH_KEY_FILE", value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// The evidence key itself, for deployments that pass secrets in the environment.
    #[arg(long, env = "LUREWATCH_EVIDENCE_KEY", value_name = "KEY", hide_env_values = true)]
    evidence_key: Option<String>,
    /// File of platform API keys for the scoring API, `NAME KEY` a line.
    #[arg(long, env = "LUREWATCH_API_KEYS", value_name = "FILE")]
    api_keys: Option<PathBuf>,
    /// File holding the administrators' token, which manages the hash banks
    /// (`/api/v1/admin/banks`).
    #[arg(long, env = "LUREWATCH_ADMIN_TOKEN_FILE", value_name = "FILE")]
    admin_token_file: Option<PathBuf>,
    /// A TOML settings file; flags and environment variables win over it.
    #[arg(long, env = "LUREWATCH_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Largest request body in MiB [default: 64].
    #[arg(long, env = "LUREWATCH_MAX_BODY_MIB", value_name = "MIB")]
    max_body_mib: Option<u64>,
    /// Largest evidence file in MiB [default: 20].
    #[arg(long, env = "LUREWATCH_MAX_FILE_MIB", value_name = "MIB")]
    max_file_mib: Option<u64>,
    /// Most evidence files a report keeps [default: 20].
    #[arg(long, env = "LUREWATCH_MAX_FILES", value_name = "N")]
    max_files: Option<u64>,
    /// Requests a minute one client may make to the pages, reports and lookup [default: 120].
    #[arg(long, env = "LUREWATCH_PER_MINUTE", value_name = "N")]
    per_minute: Option<u64>,
    /// Most live platform conversations held in memory [default: 100000].
    #[arg(long, env = "LUREWATCH_LIVE_CONVERSATIONS", value_name = "N")]
    live_conversations: Option<u64>,
    /// Seconds in-flight requests get to finish after SIGTERM [default: 30].
    #[arg(long, env = "LUREWATCH_SHUTDOWN_GRACE_SECS", value_name = "SECONDS")]
    shutdown_grace_secs: Option<u64>,
    /// Statistics shared outside the team show no count below this; a smaller one is
    /// shown as `<N` [default: 5].
    #[arg(long, env = "LUREWATCH_STATS_MIN_COUNT", value_name = "N")]
    stats_min_count: Option<u64>,
}

impl ServeArgs {
    fn settings(&self) -> Settings {
        Settings {
            listen: self.listen.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            key_file: self.key_file.clone(),
            evidence_key: self.evidence_key.clone(),
            api_keys_file: self.api_keys.clone(),
            admin_token_file: self.admin_token_file.clone(),
            max_body_mib: self.max_body_mib,
            max_file_mib: self.max_file_mib,
            max_files: self.max_files,
            per_minute: self.per_minute,
            live_conversations: self.live_conversations,
            shutdown_grace_secs: self.shutdown_grace_secs,
            stats_min_count: self.stats_min_count,
        }
    }
}

/// Checks the settings, opens the desk and serves until SIGTERM or Ctrl-C.
pub fn run(args: &ServeArgs, engine: lurewatch_core::Engine) -> anyhow::Result<ExitCode> {
    let config = Config::resolve(args.settings(), args.config.as_deref())?;
    if let KeySource::File { path, create: true } = &config.key
        && !path.exists()
    {
        eprintln!(
            "lurewatch: a new evidence key will be written to {}; back it up: without it the stored evidence cannot be read",
            path.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let database = match &config.database_url {
        Some(_) => "PostgreSQL".to_owned(),
        None => format!("SQLite in {}", config.data_dir.display()),
    };
    runtime.block_on(lurewatch_desk::http::serve(&config, Arc::new(engine), shutdown_signal(), |address| {
        eprintln!("lurewatch: report desk on http://{address} ({database}); stop with Ctrl-C or SIGTERM");
    }))?;
    eprintln!("lurewatch: stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
