//! The seam where a learned model adds its evidence to the lexicon's.
//!
//! A [`Scorer`] is shared by all conversations and starts one [`ScorerState`] per
//! conversation. The engine shows every message to the state, with its normalised text
//! and the tactics the lexicon found, and asks for the state's evidence. The conversation
//! risk is the larger of the lexicon's and the peak probability any scorer gave, so a
//! scorer can raise a verdict but never hide what the lexicon saw — with one exception a
//! scorer must claim: a model trained on grooming in a language may judge grooming there
//! ([`Scorer::judges`]). It sees the lexicon's tactics as its own features, so the
//! lexicon's grooming evidence reaches the verdict through it; threats, payment demands
//! and lures (sextortion) always stay the lexicon's to raise.

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::advice::Language;
use crate::tactic::{Category, Tactic};

/// A message as a scorer sees it.
#[derive(Debug, Clone, Copy)]
pub struct MessageView<'a> {
    /// Index of the message in the conversation, from 0.
    pub index: u32,
    /// Who wrote it.
    pub sender: &'a str,
    /// When, in seconds since the Unix epoch, if known.
    pub time: Option<i64>,
    /// The original text.
    pub text: &'a str,
    /// The normalised text (see [`crate::normalize`]).
    pub normalized: &'a str,
    /// Tactics the lexicon found in this message.
    pub tactics: &'a [Tactic],
}

/// What a scorer says about a conversation so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorerEvidence {
    /// The scorer's name and version.
    pub scorer: String,
    /// Probability, `0..=1`, that the conversation is sextortion or grooming.
    pub probability: f32,
    /// The category the scorer leans to.
    pub category: Category,
    /// The features that weighed most, with their weights, for the explanation.
    pub features: Vec<(String, f32)>,
    /// The sender the scorer scores highest, when it scores senders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
}

/// A learned scorer, shared by every conversation.
pub trait Scorer: Debug + Send + Sync {
    /// Starts the state for a new conversation.
    fn start(&self) -> Box<dyn ScorerState>;
    /// Whether this scorer, rather than the lexicon's grooming rule, judges grooming in
    /// conversations in `language`. Only a model trained on grooming in that language
    /// should say so; by default a scorer only adds evidence. The engine keeps the
    /// lexicon's grooming verdict anyway where the participants' own words make it plain
    /// (an adult's and a child's stated ages, or a child's age and another participant's
    /// request for intimate pictures or sexual talk).
    fn judges(&self, language: Language) -> bool {
        let _ = language;
        false
    }
}

/// A scorer's state for one conversation; it must stay bounded in size.
pub trait ScorerState: Send {
    /// Reads one more message.
    fn observe(&mut self, message: &MessageView<'_>);
    /// The evidence after the messages observed so far.
    fn evidence(&self) -> ScorerEvidence;
    /// The probability after the messages observed so far; the engine asks after every
    /// message, so a scorer should answer without building the whole evidence.
    fn probability(&self) -> f32 {
        self.evidence().probability
    }
    /// The category the scorer leans to now.
    fn category(&self) -> Category {
        self.evidence().category
    }
    /// Bytes this state holds, for the engine's bounded-state accounting.
    fn state_bytes(&self) -> usize {
        0
    }
}
