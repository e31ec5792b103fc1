//! `lurewatch user add` and `lurewatch audit verify`: analyst accounts and the audit chain
//! of the desk's database.

use std::io::{self, BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use lurewatch_desk::audit::{Role, hash_password};
use lurewatch_desk::store::Store;

/// Which database: the desk's SQLite file or PostgreSQL.
#[derive(Debug, clap::Args)]
pub struct Database {
    /// The desk's data directory (its SQLite database).
    #[arg(long, env = "LUREWATCH_DATA_DIR", value_name = "DIR", default_value = "lurewatch-data")]
    data_dir: PathBuf,
    /// PostgreSQL instead (`postgres://…`).
    #[arg(long, env = "LUREWATCH_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl Database {
    async fn open(&self) -> anyhow::Result<Store> {
        Ok(match &self.database_url {
            Some(url) => Store::open_postgres(url).await?,
            None => {
                std::fs::create_dir_all(&self.data_dir)?;
                Store::open_sqlite(&self.data_dir.join("lurewatch.sqlite")).await?
            }
        })
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// Adds an analyst; the password is asked for on a terminal, else read from the first line
/// of standard input.
pub fn add_user(db: &Database, name: &str, role: Role) -> anyhow::Result<ExitCode> {
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        anyhow::bail!("a user name is 1 to 64 letters, digits, `.`, `_` or `-`");
    }
    let password = if io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {name}: "))?;
        let again = rpassword::prompt_password("again: ")?;
        if first != again {
            anyhow::bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    let hash = hash_password(&password).map_err(|e| anyhow::anyhow!(e))?;
    runtime()?.block_on(async {
        let store = db.open().await?;
        let now = jiff::Timestamp::now().as_second();
        if !store.add_analyst(name, role, &hash, now).await? {
            anyhow::bail!("the user `{name}` exists already");
        }
        store.audit(now, "cli", "user.add", name, role.as_str()).await?;
        eprintln!("lurewatch: added {name} ({})", role.as_str());
        Ok(ExitCode::SUCCESS)
    })
}

/// Checks the audit chain: exit 0 when whole, 1 naming the first broken entry.
pub fn verify_audit(db: &Database) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let store = db.open().await?;
        match store.verify_audit().await? {
            Ok(n) => {
                println!("audit log intact: {n} entries");
                Ok(ExitCode::SUCCESS)
            }
            Err(broken) => {
                println!("audit log broken at entry {}: {}", broken.seq, broken.why);
                Ok(ExitCode::from(1))
            }
        }
    })
}
