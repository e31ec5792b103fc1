//! The lurewatch conversation risk engine.
//!
//! A pure library: no I/O, no clock, no global state. Text goes in message by message;
//! an explained assessment comes out.
//!
//! - [`normalize`] folds the tricks scammers use (full-width letters, homoglyphs,
//!   leetspeak, spaced-out letters, traditional Chinese, missing diacritics) while keeping
//!   a map back to the original bytes.
//! - [`lexicon`] compiles the per-language tactic rules (kept as data) into one automaton.
//! - [`tactic`] is the public vocabulary: tactic ids, categories, levels.

pub mod lexicon;
pub mod normalize;
pub mod tactic;
