//! The lurewatch report desk.
//!
//! - [`vault`] seals what victims send and keeps evidence files, encrypted, by SHA-256.
//! - [`store`] keeps reports in SQLite or PostgreSQL with one set of migrations.
//! - [`receipt`] makes and checks the receipt codes reporters come back with.

pub mod receipt;
pub mod store;
pub mod vault;
