//! Storage: one set of portable SQL for the embedded SQLite file and for PostgreSQL.
//!
//! The store keeps rows, never clear text from a victim: the desk seals conversations,
//! statements and file names before they get here (see [`crate::vault`]). Every write that
//! belongs together is one transaction, so a crash leaves a report stored whole or not at
//! all; evidence files are written to the vault before the rows that point to them.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Row};

/// Migrations embedded in the binary, run on every start (each only once).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Most canonical values one lookup asks for.
pub const MAX_LOOKUP_VALUES: usize = 16;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed an operation.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The migrations failed.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database was set up with another evidence key.
    #[error(
        "this database was set up with another evidence key (fingerprint {stored}, this key has {given}); \
         every instance sharing a database needs the same key file"
    )]
    KeyMismatch {
        /// The fingerprint in the database.
        stored: String,
        /// The fingerprint of the key given.
        given: String,
    },
    /// A report the operation needs does not exist.
    #[error("no such report")]
    NoReport,
    /// Other writers kept winning a race; try again.
    #[error("the database is busy; try again")]
    Busy,
    /// A stored value does not read as it was written.
    #[error("a stored value is malformed: {0}")]
    Corrupt(String),
}

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// What the reporter says happened; all optional.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    /// Where it happened (`wechat`, `kakaotalk`, …).
    pub platform: Option<String>,
    /// The reporter's region (ISO 3166, `HK`, `KR`, …).
    pub region: Option<String>,
    /// How much they paid, if anything.
    pub amount_paid: Option<f64>,
    /// ISO 4217 currency of the amount.
    pub currency: Option<String>,
    /// How they paid (`bank_transfer`, `qr_code`, `e_wallet`, `crypto`, `gift_card`, …).
    pub payment_channel: Option<String>,
    /// Whether the person at risk is under 18.
    pub minor: Option<bool>,
    /// Their age, if given.
    pub age: Option<u8>,
    /// Whether they were asked to pay again after paying.
    pub asked_again: Option<bool>,
}

/// The engine's verdict, in the columns that statistics and queues read.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Language of the conversation.
    pub language: String,
    /// `sextortion`, `grooming`, `none`.
    pub category: String,
    /// `none` … `critical`.
    pub level: String,
    /// 0..=100.
    pub risk: u8,
    /// Messages assessed.
    pub messages: u32,
    /// Whether the engine saw a minor.
    pub minor: bool,
    /// The tactics seen, as taxonomy ids separated by spaces.
    pub tactics: String,
    /// The full assessment, sealed.
    pub assessment_sealed: String,
}

/// An indicator row of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndicatorRow {
    /// `phone`, `handle`, …
    pub kind: String,
    /// Canonical value.
    pub value: String,
    /// For accounts: the name without the platform, so that a lookup without one finds it.
    pub bare: Option<String>,
    /// The platform named, if any.
    pub platform: Option<String>,
    /// How often the conversation names it.
    pub mentions: u32,
    /// The extractor's flags (`shortener`, …), separated by spaces.
    pub flags: String,
    /// The block list that names it.
    pub listed: Option<String>,
}

/// An evidence file of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// SHA-256 of the content, lower-case hex; the file must already be in the vault.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// The type read from the content.
    pub media_type: String,
    /// The name the reporter gave it, sealed.
    pub name_sealed: String,
    /// The triage of an app, sealed.
    pub triage_sealed: Option<String>,
}

/// A report to store.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// Random id.
    pub id: String,
    /// Hash of the receipt code.
    pub receipt_hash: String,
    /// Seconds since the epoch.
    pub now: i64,
    /// The verdict.
    pub summary: Summary,
    /// What the reporter says.
    pub facts: Facts,
    /// The reporter's own words, sealed.
    pub statement_sealed: Option<String>,
    /// The messages, each sealed.
    pub messages_sealed: Vec<String>,
    /// Indicators.
    pub indicators: Vec<IndicatorRow>,
    /// Files.
    pub files: Vec<FileRow>,
}

/// A stored report, as its reporter may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// Id.
    pub id: String,
    /// Stored at.
    pub created_at: i64,
    /// Last changed at.
    pub updated_at: i64,
    /// `new`, `triaged`, `referred`, `closed`.
    pub status: String,
    /// Language.
    pub language: String,
    /// Category.
    pub category: String,
    /// Level.
    pub level: String,
    /// Risk.
    pub risk: u8,
    /// Messages.
    pub messages: u32,
    /// The sealed assessment.
    pub assessment_sealed: String,
    /// The facts.
    pub facts: Facts,
}

/// What the store knows of one indicator across reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// Kind.
    pub kind: String,
    /// Canonical value.
    pub value: String,
    /// Distinct reports naming it.
    pub reports: u32,
    /// Reports at level `high` or above.
    pub high_reports: u32,
    /// First and last report time.
    pub first_seen: i64,
    /// Last report time.
    pub last_seen: i64,
}

/// What the analysts' queue is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct QueueFilter {
    /// Category.
    pub category: Option<String>,
    /// Level.
    pub level: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Platform.
    pub platform: Option<String>,
    /// Whether a minor is involved (said by the reporter or seen by the engine).
    pub minor: Option<bool>,
}

/// A row of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    /// Report id.
    pub id: String,
    /// Stored at.
    pub created_at: i64,
    /// Status.
    pub status: String,
    /// Category.
    pub category: String,
    /// Level.
    pub level: String,
    /// Risk.
    pub risk: u8,
    /// Region.
    pub region: Option<String>,
    /// Platform.
    pub platform: Option<String>,
    /// A minor is involved.
    pub minor: bool,
    /// Messages.
    pub messages: u32,
}

/// A hash bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankRow {
    /// Its id (an admin's name for it, or a victim's case number).
    pub id: String,
    /// `admin` or `victim`.
    pub kind: String,
    /// What it is.
    pub label: String,
    /// For victim banks: the Argon2id hash of the PIN.
    pub pin_hash: Option<String>,
    /// Created at.
    pub created_at: i64,
    /// Hashes in it.
    pub hashes: u64,
}

/// A hash of a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHashRow {
    /// The bank.
    pub bank_id: String,
    /// The hash, 64 hex digits.
    pub hash: String,
    /// Its quality.
    pub quality: u8,
    /// What the source said of it.
    pub label: String,
}

impl Store {
    /// Opens the SQLite file `path` (created when missing) and migrates it.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Store::connect(&url, Backend::Sqlite).await
    }

    /// Connects to the PostgreSQL database at `url` and migrates it.
    pub async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        Store::connect(url, Backend::Postgres).await
    }

    async fn connect(url: &str, backend: Backend) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            // SQLite writes one at a time anyway; fewer connections mean less lock waiting.
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Reads through a memory map and a 64 MiB page cache a connection:
                        // linking reads every report, and page reads by system call were
                        // most of its time.
                        sqlx::query("PRAGMA mmap_size = 1073741824").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA cache_size = -65536").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            // Persistent in the file: readers do not block the writer; commits stay durable.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, backend })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The database behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Records the evidence key's fingerprint on first use; refuses another key later.
    pub async fn check_key(&self, key_id: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO desk_settings (name, value) VALUES ('key_id', $1) ON CONFLICT (name) DO NOTHING")
            .bind(key_id)
            .execute(&self.pool)
            .await?;
        let stored: String =
            sqlx::query("SELECT value FROM desk_settings WHERE name = 'key_id'").fetch_one(&self.pool).await?.get(0);
        if stored != key_id {
            return Err(StoreError::KeyMismatch { stored, given: key_id.to_owned() });
        }
        Ok(())
    }

    /// Stores a whole report in one transaction.
    pub async fn insert_report(&self, r: &NewReport) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let f = &r.facts;
        let s = &r.summary;
        sqlx::query(
            "INSERT INTO reports (id, receipt_hash, created_at, updated_at, status, language, category, level, risk, \
             messages, engine_minor, reporter_minor, reporter_age, platform, region, amount_paid, currency, \
             payment_channel, asked_again, assessment_sealed, statement_sealed, tactics) \
             VALUES ($1, $2, $3, $3, 'new', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        )
        .bind(&r.id)
        .bind(&r.receipt_hash)
        .bind(r.now)
        .bind(&s.language)
        .bind(&s.category)
        .bind(&s.level)
        .bind(i64::from(s.risk))
        .bind(i64::from(s.messages))
        .bind(i64::from(s.minor))
        .bind(f.minor.map(i64::from))
        .bind(f.age.map(i64::from))
        .bind(&f.platform)
        .bind(&f.region)
        .bind(f.amount_paid)
        .bind(&f.currency)
        .bind(&f.payment_channel)
        .bind(f.asked_again.map(i64::from))
        .bind(&s.assessment_sealed)
        .bind(&r.statement_sealed)
        .bind(&s.tactics)
        .execute(&mut *tx)
        .await?;
        insert_parts(&mut tx, &r.id, r.now, 0, &r.messages_sealed, &r.indicators, &r.files).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The report a receipt hash opens.
    pub async fn report_by_receipt(&self, receipt_hash: &str) -> Result<Option<ReportRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, created_at, updated_at, status, language, category, level, risk, messages, assessment_sealed, \
             platform, region, amount_paid, currency, payment_channel, reporter_minor, reporter_age, asked_again \
             FROM reports WHERE receipt_hash = $1",
        )
        .bind(receipt_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| ReportRow {
            id: row.get(0),
            created_at: row.get(1),
            updated_at: row.get(2),
            status: row.get(3),
            language: row.get(4),
            category: row.get(5),
            level: row.get(6),
            risk: row.get::<i64, _>(7).clamp(0, 100) as u8,
            messages: row.get::<i64, _>(8).max(0) as u32,
            assessment_sealed: row.get(9),
            facts: Facts {
                platform: row.get(10),
                region: row.get(11),
                amount_paid: row.get(12),
                currency: row.get(13),
                payment_channel: row.get(14),
                minor: row.get::<Option<i64>, _>(15).map(|v| v != 0),
                age: row.get::<Option<i64>, _>(16).and_then(|v| u8::try_from(v).ok()),
                asked_again: row.get::<Option<i64>, _>(17).map(|v| v != 0),
            },
        }))
    }

    /// The sealed messages of a report, in order.
    pub async fn report_messages(&self, id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT sealed FROM report_messages WHERE report_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    /// The evidence files of a report, in the order they were added.
    pub async fn report_files(&self, id: &str) -> Result<Vec<FileRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.sha256, e.size, e.media_type, f.name_sealed, f.triage_sealed FROM report_files f \
             JOIN evidence_files e ON e.sha256 = f.sha256 WHERE f.report_id = $1 ORDER BY f.added_at, f.sha256",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| FileRow {
                sha256: r.get(0),
                size: r.get::<i64, _>(1).max(0) as u64,
                media_type: r.get(2),
                name_sealed: r.get(3),
                triage_sealed: r.get(4),
            })
            .collect())
    }

    /// Adds messages, indicators and files to a report and replaces its verdict, in one
    /// transaction. The new messages follow the stored ones.
    pub async fn append(
        &self,
        id: &str,
        now: i64,
        summary: &Summary,
        messages_sealed: &[String],
        indicators: &[IndicatorRow],
        files: &[FileRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE reports SET updated_at = $2, language = $3, category = $4, level = $5, risk = $6, messages = $7, \
             engine_minor = $8, assessment_sealed = $9, tactics = $10 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(&summary.language)
        .bind(&summary.category)
        .bind(&summary.level)
        .bind(i64::from(summary.risk))
        .bind(i64::from(summary.messages))
        .bind(i64::from(summary.minor))
        .bind(&summary.assessment_sealed)
        .bind(&summary.tactics)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::NoReport);
        }
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(seq) + 1, 0) FROM report_messages WHERE report_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        insert_parts(&mut tx, id, now, next, messages_sealed, indicators, files).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the reports say of these canonical values, and of accounts with these bare
    /// names (a name without its platform, or a phone number that is an account's name).
    /// Amounts are never looked up: they identify nobody.
    pub async fn sightings(&self, values: &[String], bares: &[String]) -> Result<Vec<Sighting>, StoreError> {
        let values = &values[..values.len().min(MAX_LOOKUP_VALUES)];
        let bares = &bares[..bares.len().min(MAX_LOOKUP_VALUES)];
        if values.is_empty() && bares.is_empty() {
            return Ok(Vec::new());
        }
        let mut conditions: Vec<String> = (1..=values.len()).map(|i| format!("i.value = ${i}")).collect();
        conditions.extend((1..=bares.len()).map(|i| format!("i.bare = ${}", values.len() + i)));
        let sql = format!(
            "SELECT i.kind, i.value, COUNT(DISTINCT r.id), \
             COUNT(DISTINCT CASE WHEN r.level IN ('high', 'critical') THEN r.id END), \
             MIN(r.created_at), MAX(r.created_at) \
             FROM report_indicators i JOIN reports r ON r.id = i.report_id \
             WHERE i.kind <> 'amount' AND ({}) GROUP BY i.kind, i.value ORDER BY i.kind, i.value",
            conditions.join(" OR ")
        );
        // Only numbered placeholders are formatted into the text; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in values.iter().chain(bares) {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|r| Sighting {
                kind: r.get(0),
                value: r.get(1),
                reports: r.get::<i64, _>(2).max(0) as u32,
                high_reports: r.get::<i64, _>(3).max(0) as u32,
                first_seen: r.get(4),
                last_seen: r.get(5),
            })
            .collect())
    }

    /// Reports for the analysts' queue: highest risk first, then oldest; each filter, when
    /// given, must match. At most `limit` rows.
    pub async fn queue(&self, filter: &QueueFilter, limit: i64) -> Result<Vec<QueueRow>, StoreError> {
        let mut conditions = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        for (column, value) in [
            ("category", &filter.category),
            ("level", &filter.level),
            ("status", &filter.status),
            ("region", &filter.region),
            ("platform", &filter.platform),
        ] {
            if let Some(v) = value {
                binds.push(v.clone());
                conditions.push(format!("{column} = ${}", binds.len()));
            }
        }
        if let Some(minor) = filter.minor {
            conditions.push(if minor {
                "(reporter_minor = 1 OR engine_minor = 1)".to_owned()
            } else {
                "(COALESCE(reporter_minor, 0) = 0 AND engine_minor = 0)".to_owned()
            });
        }
        let sql = format!(
            "SELECT id, created_at, status, category, level, risk, region, platform, \
             COALESCE(reporter_minor, engine_minor), messages FROM reports {} ORDER BY risk DESC, created_at ASC LIMIT {}",
            if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) },
            limit.clamp(1, 10_000)
        );
        // Only column names chosen here and numbered placeholders are formatted in.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|r| QueueRow {
                id: r.get(0),
                created_at: r.get(1),
                status: r.get(2),
                category: r.get(3),
                level: r.get(4),
                risk: r.get::<i64, _>(5).clamp(0, 100) as u8,
                region: r.get(6),
                platform: r.get(7),
                minor: r.get::<Option<i64>, _>(8).unwrap_or(0) != 0,
                messages: r.get::<i64, _>(9).max(0) as u32,
            })
            .collect())
    }

    /// A report by its id.
    pub async fn report_by_id(&self, id: &str) -> Result<Option<ReportRow>, StoreError> {
        let hash: Option<String> = sqlx::query("SELECT receipt_hash FROM reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get(0));
        match hash {
            Some(h) => self.report_by_receipt(&h).await,
            None => Ok(None),
        }
    }

    /// Changes a report's status.
    pub async fn set_status(&self, id: &str, status: &str, now: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE reports SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(status)
            .bind(now)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NoReport) }
    }

    /// The distinct values of one indicator kind across all reports.
    pub async fn indicator_values(&self, kind: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT value FROM report_indicators WHERE kind = $1 ORDER BY value")
            .bind(kind)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    /// Creates a bank, or does nothing when one with this id exists (whose kind it returns).
    pub async fn create_bank(&self, bank: &BankRow) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO hash_banks (id, kind, label, pin_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&bank.id)
        .bind(&bank.kind)
        .bind(&bank.label)
        .bind(&bank.pin_hash)
        .bind(bank.created_at)
        .execute(&self.pool)
        .await?;
        let kind: String =
            sqlx::query("SELECT kind FROM hash_banks WHERE id = $1").bind(&bank.id).fetch_one(&self.pool).await?.get(0);
        Ok(kind)
    }

    /// Adds hashes to a bank in one transaction; hashes it holds already are kept as they
    /// are. Returns how many were new.
    pub async fn add_bank_hashes(&self, bank_id: &str, hashes: &[BankHashRow], now: i64) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut added = 0;
        for h in hashes {
            added += sqlx::query(
                "INSERT INTO bank_hashes (bank_id, hash, quality, label, added_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (bank_id, hash) DO NOTHING",
            )
            .bind(bank_id)
            .bind(&h.hash)
            .bind(i64::from(h.quality))
            .bind(&h.label)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Every bank with its size.
    pub async fn banks(&self) -> Result<Vec<BankRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT b.id, b.kind, b.label, b.pin_hash, b.created_at, \
             (SELECT COUNT(*) FROM bank_hashes h WHERE h.bank_id = b.id) FROM hash_banks b ORDER BY b.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| BankRow {
                id: r.get(0),
                kind: r.get(1),
                label: r.get(2),
                pin_hash: r.get(3),
                created_at: r.get(4),
                hashes: r.get::<i64, _>(5).max(0) as u64,
            })
            .collect())
    }

    /// The hashes of one bank, or of every bank when `bank_id` is `None`.
    pub async fn bank_hashes(&self, bank_id: Option<&str>) -> Result<Vec<BankHashRow>, StoreError> {
        let rows = match bank_id {
            Some(id) => {
                sqlx::query("SELECT bank_id, hash, quality, label FROM bank_hashes WHERE bank_id = $1 ORDER BY hash")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT bank_id, hash, quality, label FROM bank_hashes ORDER BY bank_id, hash")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| BankHashRow {
                bank_id: r.get(0),
                hash: r.get(1),
                quality: r.get::<i64, _>(2).clamp(0, 100) as u8,
                label: r.get(3),
            })
            .collect())
    }

    /// Deletes a bank and its hashes; whether it existed.
    pub async fn delete_bank(&self, bank_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM bank_hashes WHERE bank_id = $1").bind(bank_id).execute(&mut *tx).await?;
        let gone = sqlx::query("DELETE FROM hash_banks WHERE id = $1").bind(bank_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(gone.rows_affected() == 1)
    }

    /// A number that changes whenever any bank changes, for desks sharing a database to
    /// notice: the count and the latest time of the bank hashes and banks.
    pub async fn banks_version(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM bank_hashes) + (SELECT COUNT(*) FROM hash_banks), \
             COALESCE((SELECT MAX(added_at) FROM bank_hashes), 0) + COALESCE((SELECT MAX(created_at) FROM hash_banks), 0)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.get(0), row.get(1)))
    }
}

async fn insert_parts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    now: i64,
    first_seq: i64,
    messages_sealed: &[String],
    indicators: &[IndicatorRow],
    files: &[FileRow],
) -> Result<(), StoreError> {
    for (i, sealed) in messages_sealed.iter().enumerate() {
        sqlx::query("INSERT INTO report_messages (report_id, seq, added_at, sealed) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(first_seq + i as i64)
            .bind(now)
            .bind(sealed)
            .execute(&mut **tx)
            .await?;
    }
    for ind in indicators {
        sqlx::query(
            "INSERT INTO report_indicators (report_id, kind, value, bare, platform, mentions, flags, listed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (report_id, kind, value) DO UPDATE SET mentions = excluded.mentions",
        )
        .bind(id)
        .bind(&ind.kind)
        .bind(&ind.value)
        .bind(&ind.bare)
        .bind(&ind.platform)
        .bind(i64::from(ind.mentions))
        .bind(&ind.flags)
        .bind(&ind.listed)
        .execute(&mut **tx)
        .await?;
    }
    for file in files {
        sqlx::query(
            "INSERT INTO evidence_files (sha256, size, media_type, stored_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&file.sha256)
        .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
        .bind(&file.media_type)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO report_files (report_id, sha256, name_sealed, added_at, triage_sealed) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id, sha256) DO NOTHING",
        )
        .bind(id)
        .bind(&file.sha256)
        .bind(&file.name_sealed)
        .bind(now)
        .bind(&file.triage_sealed)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
