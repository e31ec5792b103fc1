//! The desk itself, without HTTP: assess, store reports, come back with a receipt, look
//! up an indicator, and score live conversations for platforms.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lurewatch_core::indicator::{Found, IndicatorKind};
use lurewatch_core::{Assessment, Category, Engine, Language, Message, Scratch};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::store::{Facts, FileRow, IndicatorRow, NewReport, ReportRow, Store, StoreError, Summary};
use crate::upload::{Upload, UploadError};
use crate::vault::{Vault, VaultError};
use crate::{Limits, receipt};

/// A failure of the desk.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The evidence store failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The receipt code opens no report.
    #[error("no report has this receipt code")]
    UnknownReceipt,
    /// There is nothing to assess or store.
    #[error("the conversation is empty")]
    Empty,
    /// Too many messages or too much text.
    #[error("{0}")]
    TooLarge(String),
    /// A form or body that cannot be read.
    #[error("{0}")]
    BadForm(String),
    /// An uploaded file is refused.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// Work handed to a worker thread did not finish.
    #[error("a worker failed: {0}")]
    Worker(String),
}

/// One message as callers give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageIn {
    /// Who wrote it.
    pub sender: String,
    /// What they wrote.
    pub text: String,
    /// When, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
}

/// A report as a reporter submits it.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// The conversation.
    pub messages: Vec<MessageIn>,
    /// What they say happened.
    pub facts: Facts,
    /// Their own words, if any.
    pub statement: Option<String>,
    /// Evidence files, already checked.
    pub files: Vec<Upload>,
}

/// What a reporter gets when a report is stored: shown once, never stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    /// The code to come back with.
    pub receipt: String,
    /// The assessment of what was stored.
    #[schema(value_type = Object)]
    pub assessment: Assessment,
}

/// What a reporter sees when they come back.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Status {
    /// `new`, `triaged`, `referred`, `closed`.
    pub status: String,
    /// Day the report was stored (UTC, `YYYY-MM-DD`).
    pub stored: String,
    /// Day it last changed.
    pub updated: String,
    /// Messages stored.
    pub messages: u32,
    /// Evidence files stored.
    pub files: u32,
    /// The assessment, with advice.
    #[schema(value_type = Object)]
    pub assessment: Assessment,
}

/// How strongly the reports and lists point at an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LookupLevel {
    /// Nothing is known.
    NoRecord,
    /// One report names it.
    Possible,
    /// Two reports, or one at level `high` or above.
    Suspected,
    /// A known-bad list names it, or three reports do, or two at level `high` or above.
    High,
}

/// What is known of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LookupMatch {
    /// Kind.
    pub kind: String,
    /// Canonical value.
    pub value: String,
    /// Level.
    pub level: LookupLevel,
    /// Reports naming it.
    pub reports: u32,
    /// First report day (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Last report day (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// The known-bad list naming it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
}

/// The answer to a lookup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LookupAnswer {
    /// The highest level among the matches.
    pub level: LookupLevel,
    /// Reports naming any of the matches (an upper bound: one report may name several).
    pub reports: u32,
    /// Each indicator read from the query.
    pub matches: Vec<LookupMatch>,
}

/// A report as an analyst sees it.
#[derive(Debug, Clone)]
pub struct Case {
    /// The stored row.
    pub row: ReportRow,
    /// The conversation.
    pub messages: Vec<MessageIn>,
    /// The assessment stored with it.
    pub assessment: Option<Assessment>,
    /// Files: SHA-256, name, type, size, and for apps the triage's verdict.
    pub files: Vec<(String, String, String, u64, String)>,
    /// Analysts' notes: who, when, what, oldest first.
    pub notes: Vec<(String, i64, String)>,
}

/// Everything the desk needs at hand.
pub struct Desk {
    pub(crate) engine: Arc<Engine>,
    pub(crate) store: Store,
    pub(crate) vault: Vault,
    limits: Limits,
    live: Live,
    pub(crate) banks: crate::banks::Banks,
    /// The picture hashes of every report, for near-duplicate lookup.
    images: std::sync::RwLock<Option<lurewatch_image::index::Index>>,
    /// The suspected networks, linked anew when the reports change.
    pub(crate) networks: crate::networks::Cache,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").field("store", &self.store).field("vault", &self.vault).finish_non_exhaustive()
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::new());
}

impl Desk {
    /// A desk over an opened store and vault; checks that both use the same key.
    pub async fn new(engine: Arc<Engine>, store: Store, vault: Vault, limits: Limits) -> Result<Desk, DeskError> {
        store.check_key(vault.key_id()).await?;
        // The phone number metadata loads on first use; load it now, not in a request.
        engine.extractor().warm_up();
        let live = Live::new(limits.live_conversations, limits.live_idle);
        let desk = Desk {
            engine,
            store,
            vault,
            limits,
            live,
            banks: crate::banks::Banks::default(),
            images: std::sync::RwLock::new(None),
            networks: crate::networks::Cache::default(),
        };
        desk.fill_in_tactics().await?;
        desk.reload_banks().await?;
        desk.reload_images().await?;
        Ok(desk)
    }

    /// Fills in the tactics of reports stored before they were kept in clear.
    async fn fill_in_tactics(&self) -> Result<(), DeskError> {
        for (id, sealed) in self.store.reports_without_tactics().await? {
            let assessment: Option<Assessment> =
                serde_json::from_slice(&self.vault.open(&format!("assessment:{id}"), &sealed)?).ok();
            self.store.set_tactics(&id, &assessment.map(|a| tactics_of(&a)).unwrap_or_default()).await?;
        }
        Ok(())
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Checks a conversation against the limits.
    pub fn check_messages(&self, messages: &[MessageIn]) -> Result<(), DeskError> {
        if messages.len() > self.limits.max_messages {
            return Err(DeskError::TooLarge(format!(
                "{} messages; at most {} are taken at once",
                messages.len(),
                self.limits.max_messages
            )));
        }
        if let Some(m) = messages.iter().find(|m| m.text.len() > self.limits.max_message_bytes) {
            return Err(DeskError::TooLarge(format!(
                "a message of {} bytes; at most {} are taken",
                m.text.len(),
                self.limits.max_message_bytes
            )));
        }
        Ok(())
    }

    /// Assesses a conversation; nothing is stored.
    pub fn assess(&self, id: &str, messages: &[MessageIn]) -> Result<Assessment, DeskError> {
        self.check_messages(messages)?;
        Ok(self.engine.assess(id, messages.iter().map(as_message)))
    }

    /// Stores a report and returns its receipt code. Evidence files are written before
    /// the rows that point to them; the rows go in one transaction.
    pub async fn submit(&self, submission: &Submission) -> Result<Receipt, DeskError> {
        if submission.messages.is_empty() && submission.files.is_empty() {
            return Err(DeskError::Empty);
        }
        self.check_messages(&submission.messages)?;
        if submission.files.len() > self.limits.max_files {
            return Err(UploadError::TooMany(self.limits.max_files).into());
        }
        let id = hex::encode(rand::random::<[u8; 16]>());
        let code = receipt::generate();
        let receipt_hash = receipt::hash(&code).expect("generated codes are well formed");
        let assessment = self.engine.assess("report", submission.messages.iter().map(as_message));
        let files = self.put_files(&id, &submission.files)?;
        let messages_sealed = self.seal_messages(&id, 0, &submission.messages);
        let statement_sealed = submission
            .statement
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| self.vault.seal(&format!("statement:{id}"), s.as_bytes()));
        let report = NewReport {
            summary: self.summary(&id, &assessment),
            indicators: indicator_rows(&assessment, &submission.files),
            receipt_hash,
            now: now(),
            facts: submission.facts.clone(),
            statement_sealed,
            messages_sealed,
            files,
            id,
        };
        self.store.insert_report(&report).await?;
        self.networks.changed();
        if report.indicators.iter().any(|i| i.kind == IMAGE_HASH) {
            self.reload_images().await?;
        }
        Ok(Receipt { receipt: code, assessment })
    }

    fn summary(&self, id: &str, a: &Assessment) -> Summary {
        Summary {
            language: a.language.tag().to_owned(),
            category: a.category.id().to_owned(),
            level: a.level.id().to_owned(),
            risk: a.risk,
            messages: a.messages,
            minor: a.minor,
            tactics: tactics_of(a),
            assessment_sealed: self
                .vault
                .seal(&format!("assessment:{id}"), &serde_json::to_vec(a).expect("assessments serialise")),
        }
    }

    fn seal_messages(&self, id: &str, first: usize, messages: &[MessageIn]) -> Vec<String> {
        messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let json = serde_json::to_vec(m).expect("messages serialise");
                self.vault.seal(&format!("message:{id}:{}", first + i), &json)
            })
            .collect()
    }

    fn put_files(&self, id: &str, files: &[Upload]) -> Result<Vec<FileRow>, DeskError> {
        let mut rows = Vec::with_capacity(files.len());
        for file in files {
            let sha256 = self.vault.put_file(&file.content)?;
            rows.push(FileRow {
                name_sealed: self.vault.seal(&format!("file-name:{id}:{sha256}"), file.name.as_bytes()),
                triage_sealed: file.apk.as_ref().map(|t| {
                    self.vault
                        .seal(&format!("file-triage:{id}:{sha256}"), &serde_json::to_vec(t).expect("triages serialise"))
                }),
                sha256,
                size: file.content.len() as u64,
                media_type: file.media_type.to_owned(),
            });
        }
        Ok(rows)
    }

    async fn open(&self, code: &str) -> Result<(ReportRow, Vec<MessageIn>), DeskError> {
        let hash = receipt::hash(code).ok_or(DeskError::UnknownReceipt)?;
        let row = self.store.report_by_receipt(&hash).await?.ok_or(DeskError::UnknownReceipt)?;
        let mut messages = Vec::new();
        for (i, sealed) in self.store.report_messages(&row.id).await?.iter().enumerate() {
            let plain = self.vault.open(&format!("message:{}:{i}", row.id), sealed)?;
            messages.push(serde_json::from_slice(&plain).map_err(|_| VaultError::Open)?);
        }
        Ok((row, messages))
    }

    /// The status of the report a receipt code opens, with fresh advice.
    pub async fn status(&self, code: &str) -> Result<Status, DeskError> {
        let (row, messages) = self.open(code).await?;
        let files = self.store.report_files(&row.id).await?.len() as u32;
        let mut assessment = self.engine.assess("report", messages.iter().map(as_message));
        if messages.is_empty() {
            // Evidence files alone: the advice of the category the report was stored as.
            assessment.advice = self.engine.advice().advise(
                row.language.parse().unwrap_or(Language::En),
                row.category.parse().unwrap_or(Category::Sextortion),
                &[],
                row.facts.minor.unwrap_or(false),
            );
        }
        Ok(Status {
            status: row.status,
            stored: day(row.created_at),
            updated: day(row.updated_at),
            messages: messages.len() as u32,
            files,
            assessment,
        })
    }

    /// Adds messages and evidence to the report a receipt code opens.
    pub async fn add(&self, code: &str, more: Vec<MessageIn>, files: Vec<Upload>) -> Result<Status, DeskError> {
        if more.is_empty() && files.is_empty() {
            return Err(DeskError::Empty);
        }
        let (row, mut messages) = self.open(code).await?;
        let stored_files = self.store.report_files(&row.id).await?.len();
        if stored_files + files.len() > self.limits.max_files {
            return Err(UploadError::TooMany(self.limits.max_files).into());
        }
        let first = messages.len();
        messages.extend(more);
        self.check_messages(&messages)?;
        let assessment = self.engine.assess("report", messages.iter().map(as_message));
        let file_rows = self.put_files(&row.id, &files)?;
        let sealed = self.seal_messages(&row.id, first, &messages[first..]);
        self.networks.changed();
        self.store
            .append(
                &row.id,
                now(),
                &self.summary(&row.id, &assessment),
                &sealed,
                &indicator_rows(&assessment, &files),
                &file_rows,
            )
            .await?;
        if files.iter().any(|f| f.image_hash.is_some()) {
            self.reload_images().await?;
        }
        self.status(code).await
    }

    /// What the reports and the known-bad lists say of an indicator, in any spelling.
    pub async fn lookup(&self, query: &str) -> Result<LookupAnswer, DeskError> {
        let query: String = query.chars().take(256).collect();
        let extractor = self.engine.extractor();
        let mut found: BTreeMap<(IndicatorKind, String), Option<String>> = BTreeMap::new();
        let mut out = Vec::new();
        // Each language reads numbers and accounts with its own hints (regions, words).
        for &language in Language::ALL {
            out.clear();
            extractor.extract(&query, language, &mut out);
            for f in out.drain(..).filter(|f| f.kind != IndicatorKind::Amount) {
                let listed = extractor.lists().listed(&f).map(str::to_owned);
                found.entry((f.kind, f.value)).or_insert(listed);
            }
        }
        // A picture's hash finds the same picture, and slightly edited ones, in any report.
        let mut image_hashes: Vec<String> = Vec::new();
        if let Ok(hash) = query.trim().parse::<lurewatch_image::Pdq>() {
            image_hashes.push(hash.to_string());
            let images = self.images.read().unwrap_or_else(|e| e.into_inner());
            if let Some(index) = images.as_ref() {
                let mut near = index.query(&hash, lurewatch_image::index::DEFAULT_DISTANCE);
                near.sort_by_key(|m| (m.distance, m.id));
                image_hashes.extend(near.iter().take(15).map(|m| index.hash(m.id).to_string()));
            }
            image_hashes.dedup();
        }
        // Accounts named by a phone number (Zalo, WhatsApp, LINE) are found by the number.
        let mut bares: Vec<String> =
            found.keys().filter(|(kind, _)| *kind == IndicatorKind::Phone).map(|(_, v)| v.clone()).collect();
        bares.extend(bare_name(&query));
        // What was typed, as it is: an app's package name, a certificate fingerprint.
        let typed = query.trim();
        let mut exact = vec![typed.to_owned()];
        let hex: String = typed.chars().filter(|c| *c != ':').collect();
        if matches!(hex.len(), 40 | 64) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            exact.push(hex.to_ascii_uppercase());
        }
        let values: Vec<String> = found.keys().map(|(_, v)| v.clone()).chain(image_hashes).chain(exact).collect();
        let sightings = self.store.sightings(&values, &bares).await?;

        let mut matches: Vec<LookupMatch> = Vec::new();
        for s in &sightings {
            let listed = found.iter().find(|((_, v), _)| *v == s.value).and_then(|(_, l)| l.clone());
            matches.push(LookupMatch {
                kind: s.kind.clone(),
                value: s.value.clone(),
                level: level_of(s.reports, s.high_reports, listed.is_some()),
                reports: s.reports,
                first_seen: Some(day(s.first_seen)),
                last_seen: Some(day(s.last_seen)),
                listed,
            });
        }
        for ((kind, value), listed) in &found {
            if !matches.iter().any(|m| &m.value == value) {
                matches.push(LookupMatch {
                    kind: kind.as_str().to_owned(),
                    value: value.clone(),
                    level: level_of(0, 0, listed.is_some()),
                    reports: 0,
                    first_seen: None,
                    last_seen: None,
                    listed: listed.clone(),
                });
            }
        }
        matches.sort_by(|a, b| b.level.cmp(&a.level).then(b.reports.cmp(&a.reports)).then(a.value.cmp(&b.value)));
        Ok(LookupAnswer {
            level: matches.iter().map(|m| m.level).max().unwrap_or(LookupLevel::NoRecord),
            reports: matches.iter().map(|m| m.reports).sum(),
            matches,
        })
    }

    /// A report as an analyst sees it, decrypted; the view is audited first (no audit, no
    /// view).
    pub async fn case(&self, id: &str, analyst: &str) -> Result<Option<Case>, DeskError> {
        let Some(row) = self.store.report_by_id(id).await? else { return Ok(None) };
        self.store.audit(now(), analyst, "case.view", id, "").await?;
        let mut messages = Vec::new();
        for (i, sealed) in self.store.report_messages(id).await?.iter().enumerate() {
            let plain = self.vault.open(&format!("message:{id}:{i}"), sealed)?;
            messages.push(serde_json::from_slice(&plain).map_err(|_| VaultError::Open)?);
        }
        let assessment =
            serde_json::from_slice(&self.vault.open(&format!("assessment:{id}"), &row.assessment_sealed)?).ok();
        let mut files = Vec::new();
        for f in self.store.report_files(id).await? {
            let name =
                String::from_utf8_lossy(&self.vault.open(&format!("file-name:{id}:{}", f.sha256), &f.name_sealed)?)
                    .into_owned();
            let note = match &f.triage_sealed {
                Some(sealed) => {
                    let t: serde_json::Value =
                        serde_json::from_slice(&self.vault.open(&format!("file-triage:{id}:{}", f.sha256), sealed)?)
                            .unwrap_or_default();
                    format!(
                        "app {}: {} {}",
                        t["package"].as_str().unwrap_or("?"),
                        t["level"].as_str().unwrap_or("?"),
                        t["reasons"][0]["text"].as_str().unwrap_or("")
                    )
                }
                None => String::new(),
            };
            files.push((f.sha256, name, f.media_type, f.size, note));
        }
        let mut notes = Vec::new();
        for n in self.store.notes(id).await? {
            let text = self.vault.open(&format!("note:{id}:{}", n.id), &n.sealed)?;
            notes.push((n.analyst, n.created_at, String::from_utf8_lossy(&text).into_owned()));
        }
        Ok(Some(Case { row, messages, assessment, files, notes }))
    }

    /// Adds an analyst's note to a report, sealed; the change is audited first.
    pub async fn add_note(&self, id: &str, analyst: &str, text: &str) -> Result<(), DeskError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DeskError::Empty);
        }
        if text.len() > self.limits.max_message_bytes {
            return Err(DeskError::TooLarge(format!(
                "a note of {} bytes; at most {} are kept",
                text.len(),
                self.limits.max_message_bytes
            )));
        }
        if self.store.report_by_id(id).await?.is_none() {
            return Err(StoreError::NoReport.into());
        }
        let note_id = hex::encode(rand::random::<[u8; 16]>());
        self.store.audit(now(), analyst, "case.note", id, &note_id).await?;
        let sealed = self.vault.seal(&format!("note:{id}:{note_id}"), text.as_bytes());
        self.store
            .add_note(&crate::casework::NoteRow {
                id: note_id,
                report_id: id.to_owned(),
                analyst: analyst.to_owned(),
                created_at: now(),
                sealed,
            })
            .await?;
        Ok(())
    }

    /// An evidence file of a report, decrypted, with the name the reporter gave it; the
    /// download is audited first.
    pub async fn evidence(&self, id: &str, sha: &str, analyst: &str) -> Result<Option<(String, Vec<u8>)>, DeskError> {
        let Some(file) = self.store.report_files(id).await?.into_iter().find(|f| f.sha256 == sha) else {
            return Ok(None);
        };
        self.store.audit(now(), analyst, "evidence.download", id, sha).await?;
        let name = String::from_utf8_lossy(&self.vault.open(&format!("file-name:{id}:{sha}"), &file.name_sealed)?)
            .into_owned();
        Ok(Some((name, self.vault.read_file(sha)?)))
    }

    /// One report as an evidence package: a zip with the report's summary, the
    /// conversation, the assessment, what the reporter said, the notes, the indicators, the files, the report's audit extract and a
    /// SHA-256 manifest of all of them. The export is audited first.
    pub async fn export_case(&self, id: &str, analyst: &str) -> Result<Option<Vec<u8>>, DeskError> {
        let Some(case) = self.case(id, analyst).await? else { return Ok(None) };
        self.store.audit(now(), analyst, "case.export", id, "").await?;
        let report = serde_json::json!({
            "id": case.row.id,
            "created_at": case.row.created_at,
            "updated_at": case.row.updated_at,
            "status": case.row.status,
            "category": case.row.category,
            "level": case.row.level,
            "risk": case.row.risk,
        });
        let mut parts: Vec<(String, Vec<u8>)> = vec![
            ("report.json".into(), serde_json::to_vec_pretty(&report).expect("values serialise")),
            ("conversation.json".into(), serde_json::to_vec_pretty(&case.messages).expect("messages serialise")),
            ("assessment.json".into(), serde_json::to_vec_pretty(&case.assessment).expect("assessments serialise")),
            ("reporter.json".into(), serde_json::to_vec_pretty(&case.row.facts).expect("facts serialise")),
            (
                "notes.json".into(),
                serde_json::to_vec_pretty(
                    &case
                        .notes
                        .iter()
                        .map(|(who, at, text)| serde_json::json!({"analyst": who, "at": at, "text": text}))
                        .collect::<Vec<_>>(),
                )
                .expect("notes serialise"),
            ),
            (
                "indicators.json".into(),
                serde_json::to_vec_pretty(&case.assessment.as_ref().map(|a| &a.indicators))
                    .expect("indicators serialise"),
            ),
        ];
        for (sha, name, _, _, _) in &case.files {
            let clean = crate::upload::clean_name(name);
            parts.push((format!("files/{}-{clean}", &sha[..12]), self.vault.read_file(sha)?));
        }
        parts.push((
            "audit.json".into(),
            serde_json::to_vec_pretty(&self.store.audit_of(id).await?).expect("entries serialise"),
        ));
        let manifest: String = parts
            .iter()
            .map(|(path, bytes)| format!("{}  {path}\n", hex::encode(sha2::Sha256::digest(bytes))))
            .collect();
        parts.push(("manifest.sha256".into(), manifest.into_bytes()));
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (path, bytes) in &parts {
            zip.start_file(path.as_str(), options).map_err(|e| DeskError::BadForm(e.to_string()))?;
            std::io::Write::write_all(&mut zip, bytes).map_err(VaultError::Io)?;
        }
        zip.finish().map_err(|e| DeskError::BadForm(e.to_string()))?;
        Ok(Some(out.into_inner()))
    }

    /// Loads the picture hashes of every report for near-duplicate lookup.
    pub async fn reload_images(&self) -> Result<(), DeskError> {
        let hashes: Vec<lurewatch_image::Pdq> =
            self.store.indicator_values(IMAGE_HASH).await?.iter().filter_map(|v| v.parse().ok()).collect();
        let index = (!hashes.is_empty()).then(|| lurewatch_image::index::Index::new(hashes));
        *self.images.write().unwrap_or_else(|e| e.into_inner()) = index;
        Ok(())
    }

    /// Appends messages to a live conversation of one platform and assesses it. The
    /// conversation is held in bounded memory: the least recently used one is forgotten
    /// first, and any idle for longer than the limit.
    pub fn push_live(&self, owner: &str, id: &str, messages: &[MessageIn]) -> Result<Assessment, DeskError> {
        self.check_messages(messages)?;
        Ok(self.live.push(&self.engine, owner, id, messages))
    }

    /// Conversations held in memory.
    pub fn live_conversations(&self) -> usize {
        self.live.len()
    }
}

/// Reads a pasted conversation or a chat export (the formats `scan` reads). Text in no
/// known format becomes one message a line from an unknown sender.
pub fn parse_conversation(text: &str) -> Vec<MessageIn> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let (_, collected) = lurewatch_input::collect("report", text.as_bytes());
    let messages: Vec<MessageIn> = collected
        .conversations
        .into_iter()
        .flat_map(|c| c.messages)
        .map(|(sender, text, time)| MessageIn { sender, text, time })
        .collect();
    if !messages.is_empty() {
        return messages;
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| MessageIn { sender: "?".to_owned(), text: l.trim().to_owned(), time: None })
        .collect()
}

fn as_message(m: &MessageIn) -> Message<'_> {
    Message { sender: &m.sender, text: &m.text, time: m.time }
}

fn level_of(reports: u32, high: u32, listed: bool) -> LookupLevel {
    if listed || reports >= 3 || high >= 2 {
        LookupLevel::High
    } else if reports >= 2 || high >= 1 {
        LookupLevel::Suspected
    } else if reports == 1 {
        LookupLevel::Possible
    } else {
        LookupLevel::NoRecord
    }
}

/// An account name typed without its platform (`@name`, `name_123`).
fn bare_name(query: &str) -> Option<String> {
    let q = query.trim().trim_start_matches('@');
    let ok = (3..=64).contains(&q.len())
        && q.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && q.bytes().any(|b| b.is_ascii_alphanumeric());
    ok.then(|| q.to_ascii_lowercase())
}

fn indicator_rows(a: &Assessment, files: &[Upload]) -> Vec<IndicatorRow> {
    let mut rows: Vec<IndicatorRow> = a.indicators.iter().map(|i| row_of(&i.found, i.count)).collect();
    for f in files.iter().flat_map(|f| &f.indicators) {
        match rows.iter_mut().find(|r| r.kind == f.kind.as_str() && r.value == f.value) {
            Some(r) => r.mentions += 1,
            None => rows.push(row_of(f, 1)),
        }
    }
    // Apps: their package, signing certificates, file and servers link the reports that
    // received the same app, or one signed with the same key.
    for (kind, value) in files.iter().filter_map(|f| f.apk.as_ref()).flat_map(lurewatch_apk::indicators) {
        match rows.iter_mut().find(|r| r.kind == kind && r.value == value) {
            Some(r) => r.mentions += 1,
            None => rows.push(IndicatorRow { kind: kind.into(), value, mentions: 1, ..IndicatorRow::default() }),
        }
    }
    // Pictures with enough detail to match on: an avatar or photo reused across reports.
    for (hash, _) in
        files.iter().filter_map(|f| f.image_hash).filter(|(_, q)| *q >= lurewatch_image::index::MIN_QUALITY)
    {
        let value = hash.to_string();
        match rows.iter_mut().find(|r| r.kind == IMAGE_HASH && r.value == value) {
            Some(r) => r.mentions += 1,
            None => rows.push(IndicatorRow { kind: IMAGE_HASH.into(), value, mentions: 1, ..IndicatorRow::default() }),
        }
    }
    rows
}

/// The indicator kind of a picture's PDQ hash (64 hex digits).
pub const IMAGE_HASH: &str = "image_hash";

fn row_of(f: &Found, mentions: u32) -> IndicatorRow {
    let bare = matches!(f.kind, IndicatorKind::Handle | IndicatorKind::PaymentHandle)
        .then(|| f.value.split_once(':').map_or(f.value.as_str(), |(_, name)| name).to_ascii_lowercase());
    IndicatorRow {
        kind: f.kind.as_str().to_owned(),
        value: f.value.clone(),
        bare,
        platform: f.platform.clone(),
        mentions,
        flags: f.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(" "),
        listed: f.listed.clone(),
    }
}

/// The tactics of an assessment as stored in clear: taxonomy ids separated by spaces.
fn tactics_of(a: &Assessment) -> String {
    a.stages.iter().map(|t| t.id()).collect::<Vec<_>>().join(" ")
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The UTC day of a time, `YYYY-MM-DD`.
pub fn day(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| "?".to_owned(), |t| t.strftime("%Y-%m-%d").to_string())
}

/// Live conversations of platforms, sharded to keep lock waits short.
struct Live {
    shards: Vec<Mutex<lru::LruCache<(String, String), LiveConversation>>>,
    idle: Duration,
    hasher: std::collections::hash_map::RandomState,
}

struct LiveConversation {
    state: lurewatch_core::ConversationState,
    last: Instant,
}

const SHARDS: usize = 16;

impl Live {
    fn new(capacity: usize, idle: Duration) -> Live {
        let per_shard = NonZeroUsize::new(capacity.div_ceil(SHARDS).max(1)).expect("at least one");
        Live {
            shards: (0..SHARDS).map(|_| Mutex::new(lru::LruCache::new(per_shard))).collect(),
            idle,
            hasher: Default::default(),
        }
    }

    fn push(&self, engine: &Engine, owner: &str, id: &str, messages: &[MessageIn]) -> Assessment {
        let key = (owner.to_owned(), id.to_owned());
        let mut hasher = self.hasher.build_hasher();
        key.hash(&mut hasher);
        let shard = &self.shards[(std::hash::Hasher::finish(&hasher) as usize) % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Forget what has been idle too long, oldest first.
        while let Some((_, c)) = shard.peek_lru() {
            if now.duration_since(c.last) <= self.idle {
                break;
            }
            shard.pop_lru();
        }
        let conversation = shard.get_or_insert_mut(key, || LiveConversation { state: engine.start(), last: now });
        conversation.last = now;
        SCRATCH.with_borrow_mut(|scratch| {
            for m in messages {
                engine.push(&mut conversation.state, scratch, &as_message(m));
            }
        });
        conversation.state.assessment(engine, id)
    }

    fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len()).sum()
    }
}
