//! The lurewatch report desk: `lurewatch serve`.
//!
//! - [`config`] reads and checks the settings before anything opens.
//! - [`vault`] seals what victims send and keeps evidence files, encrypted, by SHA-256.
//! - [`store`] keeps reports in SQLite or PostgreSQL with one set of migrations.
//! - [`receipt`] makes and checks the receipt codes reporters come back with.
//! - [`upload`] checks evidence files: size, type from the bytes, QR codes in pictures.
//! - [`desk`] assesses, stores, looks up and scores, without HTTP.
//! - [`http`] is the router: the victims' pages, the JSON API, health and metrics.

use std::time::Duration;

pub mod audit;
pub mod bank_api;
pub mod banks;
pub mod casework;
pub mod config;
pub mod desk;
pub mod http;
pub mod i18n;
pub mod metrics;
pub mod networks;
pub mod receipt;
pub mod stats;
pub mod store;
pub mod upload;
pub mod vault;

mod pages;
mod staff;

pub use config::Config;
pub use desk::Desk;

/// How much the desk takes and keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest request body, bytes (uploads included).
    pub max_body_bytes: usize,
    /// Largest evidence file, bytes.
    pub max_file_bytes: usize,
    /// Most evidence files a report keeps.
    pub max_files: usize,
    /// Most messages taken at once.
    pub max_messages: usize,
    /// Largest message, bytes.
    pub max_message_bytes: usize,
    /// Most live conversations held for platforms.
    pub live_conversations: usize,
    /// How long a live conversation is kept without a new message.
    pub live_idle: Duration,
    /// Requests a minute one client may make to the victims' pages and the lookup.
    pub per_minute: u32,
    /// Most checked-but-not-stored reports held in memory, bytes.
    pub draft_bytes: usize,
    /// How long a checked report waits to be stored.
    pub draft_ttl: Duration,
    /// Statistics shared outside the team show no count below this (k-anonymity); a
    /// smaller count is shown as `<k`.
    pub stats_min_count: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 << 20,
            max_file_bytes: 20 << 20,
            max_files: 20,
            max_messages: 10_000,
            max_message_bytes: lurewatch_input::MAX_TEXT,
            live_conversations: 100_000,
            live_idle: Duration::from_secs(6 * 3600),
            per_minute: 120,
            draft_bytes: 512 << 20,
            draft_ttl: Duration::from_secs(3600),
            stats_min_count: 5,
        }
    }
}
