//! Hash banks on the desk: banks an administrator imports and exports, banks victims make
//! to protect their own pictures (hashed in their browser), and matching for platforms
//! against all of them with the exact multi-index search of `lurewatch-image`.

use std::sync::RwLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use lurewatch_image::Pdq;
use lurewatch_image::index::{Bank, Entry, Index, MIN_QUALITY};
use serde::{Deserialize, Serialize};

use crate::desk::{Desk, DeskError, now};
use crate::store::{BankHashRow, BankRow};

/// Most hashes one victim bank takes.
pub const MAX_PROTECTED: usize = 500;
/// Most lines one import takes.
pub const MAX_IMPORT: usize = 2_000_000;

/// The banks loaded for matching.
#[derive(Default)]
pub(crate) struct Banks {
    loaded: RwLock<Loaded>,
}

#[derive(Default)]
struct Loaded {
    index: Option<Index>,
    entries: Vec<(String, String, String)>,
    version: (i64, i64),
}

/// A bank hash near the one asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HashMatch {
    /// The bank: its name, or `protected` for a victim's bank (whose case is never told).
    pub bank: String,
    /// `admin` or `victim`.
    pub kind: String,
    /// What the bank says of the hash (admin banks only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// The bank's hash.
    pub hash: String,
    /// Bits that differ.
    pub distance: u32,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// The bank.
    pub bank: String,
    /// Hashes read from the file.
    pub read: u64,
    /// Of those, new to the bank.
    pub added: u64,
    /// Lines that could not be read (`line N: …`), the first 100.
    pub errors: Vec<String>,
}

/// What a victim gets when their hashes are stored: shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Protection {
    /// The case number.
    pub case: String,
    /// The PIN that, with the case number, withdraws the hashes.
    pub pin: String,
    /// Hashes stored.
    pub hashes: u64,
}

/// Checks an administrator's bank name.
pub fn valid_bank_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with("victim-")
}

impl Desk {
    /// Loads every bank into the match index.
    pub async fn reload_banks(&self) -> Result<(), DeskError> {
        let version = self.store.banks_version().await?;
        let banks = self.store.banks().await?;
        let rows = self.store.bank_hashes(None).await?;
        let mut hashes = Vec::with_capacity(rows.len());
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let Ok(hash) = row.hash.parse::<Pdq>() else { continue };
            if row.quality < MIN_QUALITY {
                continue;
            }
            let kind = banks.iter().find(|b| b.id == row.bank_id).map_or_else(String::new, |b| b.kind.clone());
            hashes.push(hash);
            entries.push((row.bank_id, kind, row.label));
        }
        let index = (!hashes.is_empty()).then(|| Index::new(hashes));
        *self.banks.loaded.write().unwrap_or_else(|e| e.into_inner()) = Loaded { index, entries, version };
        Ok(())
    }

    /// Reloads the banks when another desk sharing the database changed them.
    pub async fn refresh_banks(&self) -> Result<(), DeskError> {
        let version = self.store.banks_version().await?;
        let current = self.banks.loaded.read().unwrap_or_else(|e| e.into_inner()).version;
        if version != current {
            self.reload_banks().await?;
        }
        Ok(())
    }

    /// Hashes loaded for matching.
    pub fn bank_hashes_loaded(&self) -> usize {
        self.banks.loaded.read().unwrap_or_else(|e| e.into_inner()).entries.len()
    }

    /// Every bank hash within `distance` of `hash`, nearest first.
    pub fn match_hash(&self, hash: &Pdq, distance: u32) -> Vec<HashMatch> {
        let loaded = self.banks.loaded.read().unwrap_or_else(|e| e.into_inner());
        let Some(index) = &loaded.index else { return Vec::new() };
        let mut found = index.query(hash, distance);
        found.sort_by_key(|m| (m.distance, m.id));
        found
            .into_iter()
            .take(100)
            .map(|m| {
                let (bank, kind, label) = &loaded.entries[m.id as usize];
                let victim = kind == "victim";
                HashMatch {
                    bank: if victim { "protected".to_owned() } else { bank.clone() },
                    kind: kind.clone(),
                    label: if victim { String::new() } else { label.clone() },
                    hash: index.hash(m.id).to_string(),
                    distance: m.distance,
                }
            })
            .collect()
    }

    /// Imports a bank file (plain, CSV or the reference tools' form) into the bank `name`,
    /// created when new.
    pub async fn import_bank(&self, name: &str, text: &str) -> Result<ImportSummary, DeskError> {
        if !valid_bank_name(name) {
            return Err(DeskError::BadForm(format!(
                "`{name}` is not a bank name: 1 to 64 of a-z, 0-9, `-`, `_`, `.`, not starting with `victim-`"
            )));
        }
        let (bank, errors) = Bank::parse(text);
        if bank.entries.len() > MAX_IMPORT {
            return Err(DeskError::TooLarge(format!("{} hashes; at most {MAX_IMPORT} a file", bank.entries.len())));
        }
        let row = BankRow {
            id: name.to_owned(),
            kind: "admin".into(),
            label: name.to_owned(),
            pin_hash: None,
            created_at: now(),
            hashes: 0,
        };
        if self.store.create_bank(&row).await? != "admin" {
            return Err(DeskError::BadForm(format!("`{name}` is not an administrator's bank")));
        }
        let rows: Vec<BankHashRow> = bank.entries.iter().map(|e| hash_row(name, e)).collect();
        let added = self.store.add_bank_hashes(name, &rows, now()).await?;
        self.store.audit(now(), "admin", "bank.import", name, &format!("{} read, {added} added", rows.len())).await?;
        self.reload_banks().await?;
        Ok(ImportSummary {
            bank: name.to_owned(),
            read: rows.len() as u64,
            added,
            errors: errors.iter().take(100).map(ToString::to_string).collect(),
        })
    }

    /// A bank in the plain text form (`HASH,QUALITY,LABEL` a line), if it exists.
    pub async fn export_bank(&self, name: &str) -> Result<Option<String>, DeskError> {
        if !self.store.banks().await?.iter().any(|b| b.id == name && b.kind == "admin") {
            return Ok(None);
        }
        let entries = self
            .store
            .bank_hashes(Some(name))
            .await?
            .into_iter()
            .filter_map(|r| Some(Entry { hash: r.hash.parse().ok()?, quality: r.quality, label: r.label }))
            .collect();
        Ok(Some(Bank { entries }.to_text()))
    }

    /// The administrators' banks and the number of victim banks.
    pub async fn list_banks(&self) -> Result<Vec<BankRow>, DeskError> {
        Ok(self.store.banks().await?.into_iter().filter(|b| b.kind == "admin").collect())
    }

    /// Deletes an administrator's bank.
    pub async fn delete_admin_bank(&self, name: &str) -> Result<bool, DeskError> {
        if !valid_bank_name(name) {
            return Ok(false);
        }
        let gone = self.store.delete_bank(name).await?;
        if gone {
            self.store.audit(now(), "admin", "bank.delete", name, "").await?;
        }
        self.reload_banks().await?;
        Ok(gone)
    }

    /// Stores a victim's hashes as a bank of its own; the case number and PIN that withdraw
    /// it are returned once.
    pub async fn protect(&self, hashes: &[(Pdq, u8)]) -> Result<Protection, DeskError> {
        if hashes.is_empty() {
            return Err(DeskError::Empty);
        }
        if hashes.len() > MAX_PROTECTED {
            return Err(DeskError::TooLarge(format!("{} hashes; at most {MAX_PROTECTED} at once", hashes.len())));
        }
        let case = crate::receipt::generate()[..9].to_owned();
        let pin: String = (0..8).map(|_| char::from(b'0' + rand::random_range(0..10u8))).collect();
        let pin_hash = hash_pin(&pin)?;
        let id = format!("victim-{case}");
        let row = BankRow {
            id: id.clone(),
            kind: "victim".into(),
            label: String::new(),
            pin_hash: Some(pin_hash),
            created_at: now(),
            hashes: 0,
        };
        self.store.create_bank(&row).await?;
        let rows: Vec<BankHashRow> = hashes
            .iter()
            .map(|(hash, quality)| hash_row(&id, &Entry { hash: *hash, quality: *quality, label: String::new() }))
            .collect();
        let stored = self.store.add_bank_hashes(&id, &rows, now()).await?;
        self.reload_banks().await?;
        Ok(Protection { case, pin, hashes: stored })
    }

    /// Withdraws a victim's hashes, given the case number and PIN.
    pub async fn withdraw(&self, case: &str, pin: &str) -> Result<u64, DeskError> {
        let Some(case) = crate::receipt::normalize_len(case, 8) else { return Err(DeskError::UnknownReceipt) };
        let id = format!("victim-{}-{}", &case[..4], &case[4..]);
        let bank = self.store.banks().await?.into_iter().find(|b| b.id == id && b.kind == "victim");
        let Some(bank) = bank else { return Err(DeskError::UnknownReceipt) };
        let ok = bank.pin_hash.as_deref().is_some_and(|h| verify_pin(pin.trim(), h));
        if !ok {
            return Err(DeskError::UnknownReceipt);
        }
        self.store.delete_bank(&id).await?;
        self.store.audit(now(), "victim", "protect.withdraw", &id, &format!("{} hashes", bank.hashes)).await?;
        self.reload_banks().await?;
        Ok(bank.hashes)
    }
}

fn hash_row(bank: &str, e: &Entry) -> BankHashRow {
    BankHashRow { bank_id: bank.to_owned(), hash: e.hash.to_string(), quality: e.quality, label: e.label.clone() }
}

fn hash_pin(pin: &str) -> Result<String, DeskError> {
    Argon2::default()
        .hash_password(pin.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| DeskError::BadForm(format!("the PIN could not be hashed: {e}")))
}

fn verify_pin(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(pin.as_bytes(), &h).is_ok())
}
