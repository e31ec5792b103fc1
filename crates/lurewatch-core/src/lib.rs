//! The lurewatch conversation risk engine.
//!
//! A pure library: no I/O, no clock, no global state; the same messages always give the
//! same assessment. Text goes in message by message; an explained assessment comes out.
//!
//! - [`normalize`] folds the tricks scammers use (full-width letters, homoglyphs,
//!   leetspeak, spaced-out letters, traditional Chinese, missing diacritics) while keeping
//!   a map back to the original bytes.
//! - [`lexicon`] compiles the per-language tactic rules (kept as data) into one automaton.
//! - [`engine`] keeps the bounded state of a conversation and turns tactics into risk,
//!   category, suspect, evidence and the early-warning position.
//! - [`indicator`] extracts phone numbers, accounts, links, payees, crypto addresses and
//!   amounts with canonical keys, and checks them against block lists.
//! - [`advice`] holds what to tell the person at risk, per tactic and language.
//! - [`scorer`] is the seam where a learned model adds its evidence.
//! - [`tactic`] is the public vocabulary: tactic ids, categories, levels.

pub mod advice;
pub mod engine;
pub mod indicator;
pub mod lexicon;
pub mod normalize;
pub mod scorer;
pub mod tactic;

pub use advice::{AdviceItem, Language};
pub use engine::{
    Assessment, Conversation, ConversationState, Engine, EngineBuilder, Evidence, Indicator, Message, Scratch, Snapshot,
};
pub use tactic::{Category, Level, Tactic};
