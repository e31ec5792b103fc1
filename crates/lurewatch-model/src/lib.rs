//! The learned risk model of lurewatch.
//!
//! The lexicon engine finds the script's words; this model catches what no pattern list
//! anticipates. It reads what the engine shows its scorers (the normalised text and the
//! tactics of every message) and scores each sender with a logistic model per category
//! over hashed character and word n-grams ([`features`]), the tactics and their order, and
//! the shape of the conversation ([`model`]). [`train`] fits it, deterministically, on
//! labelled conversations.
//!
//! Like the engine, this is a pure library: model files are read from and written to
//! bytes by the caller.

pub mod features;
pub mod model;
pub mod train;

pub use model::{Model, ModelError, ModelScorer};
pub use train::{Dataset, TrainConfig};
