//! The model: a logistic model per category over one feature layout, its file format,
//! and the scorer the engine runs.
//!
//! A sender's score for a category is
//! `bias + Σ text weights / √(tokens + alpha) + Σ tactic and order weights + Σ shape weights · shape`.
//! The text part is the sum of the weights of the sender's grams over the root of their
//! count (the gram counts scaled to unit length, as far as grams repeat little), shrunk
//! towards zero while the sender has said little (`alpha` pseudo-tokens); it is the same
//! whether computed at once or message by message, and the state per sender is a few
//! numbers. A
//! conversation's probability is its highest sender's: the model scores authors.

use std::sync::Arc;

use lurewatch_core::scorer::{MessageView, Scorer, ScorerEvidence, ScorerState};
use lurewatch_core::{Category, Language, Tactic};
use serde::{Deserialize, Serialize};

use crate::features::{self, Gram};

/// The version of the file format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"LWMODEL\n";
/// Files larger than this are refused before they are parsed.
pub const MAX_FILE_BYTES: usize = 64 << 20;
/// The probability at which a model's score reaches the engine's `medium` level: a
/// trained model is calibrated so that its chosen alert threshold lands here.
pub const ALERT_PROBABILITY: f32 = 0.40;
/// The conversation shape features, in their order in the weights.
pub const SHAPES: [&str; 5] = ["messages", "share", "questions", "length", "rate"];
/// Shape features that change only with the sender's own messages, and the two that
/// change with every message of the conversation.
const PER_SENDER: [usize; 3] = [0, 2, 3];
const SHARE: usize = 1;
const RATE: usize = 4;
/// Heads a model has at most: one per category other than `none`.
pub const MAX_HEADS: usize = 2;
/// Senders a model state follows; later ones are not scored.
pub const MAX_SENDERS: usize = 32;
/// Grams a sender keeps for the explanation.
const MAX_KEPT: usize = 24;
/// Features an explanation lists.
pub const EXPLAIN: usize = 8;

/// What a model file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// File format version ([`FORMAT_VERSION`]).
    pub format: u32,
    /// The model's name, shown with its evidence.
    pub name: String,
    /// Bits of the hashed gram table: it has `2^hash_bits` weights.
    pub hash_bits: u32,
    /// Pseudo-tokens that shrink the text score of senders who said little.
    pub alpha: f32,
    /// Tactic ids, in the order of their weights.
    pub tactics: Vec<String>,
    /// Shape feature names, in the order of their weights.
    pub shapes: Vec<String>,
    /// One logistic model per category.
    pub heads: Vec<HeadInfo>,
    /// Languages whose scripts the model was trained on: in these it judges grooming
    /// instead of the lexicon's grooming rule (see [`Scorer::judges`]).
    #[serde(default)]
    pub languages: Vec<Language>,
    /// Grams whose weight is at least this are kept for explanations.
    pub explain_min: f32,
    /// What the trainer recorded: data, settings, cross-validated figures.
    #[serde(default)]
    pub training: serde_json::Value,
}

/// One category's logistic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadInfo {
    /// The category it recognises.
    pub category: Category,
    /// Its intercept, calibrated so that the alert threshold is [`ALERT_PROBABILITY`].
    pub bias: f32,
}

/// Why a model file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The file does not start like a lurewatch model.
    #[error("not a lurewatch model file")]
    NotAModel,
    /// The file is of another format version.
    #[error("model format version {0} is not supported (this build reads version {FORMAT_VERSION}); retrain it")]
    Version(u32),
    /// The file ends too early or is too large.
    #[error("model file is {0}")]
    Size(String),
    /// The file's checksum does not match its content.
    #[error("model file is corrupt (checksum mismatch)")]
    Checksum,
    /// The header or the weights do not make sense.
    #[error("model file is invalid: {0}")]
    Invalid(String),
}

/// Where each feature's weight is in a head's weight vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Bits of the hashed table.
    pub hash_bits: u32,
    /// Tactics with weights.
    pub tactics: usize,
}

impl Layout {
    /// The weight index of a gram hash.
    #[inline]
    pub fn bucket(&self, hash: u64) -> usize {
        (hash >> (64 - self.hash_bits)) as usize
    }
    fn hashed(&self) -> usize {
        1 << self.hash_bits
    }
    /// The weight index of a tactic.
    pub fn tactic(&self, i: usize) -> usize {
        self.hashed() + i
    }
    /// The weight index of tactic `a` first seen before tactic `b`.
    pub fn order(&self, a: usize, b: usize) -> usize {
        self.hashed() + self.tactics + a * self.tactics + b
    }
    /// The weight index of a shape feature.
    pub fn shape(&self, k: usize) -> usize {
        self.hashed() + self.tactics + self.tactics * self.tactics + k
    }
    /// Weights per head.
    pub fn dims(&self) -> usize {
        self.shape(SHAPES.len())
    }
}

/// Counts of a conversation that the shape features need.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConversationCounts {
    /// Messages.
    pub messages: u32,
    first_time: Option<i64>,
    last_time: Option<i64>,
    timed: u32,
}

impl ConversationCounts {
    /// Counts one more message.
    pub fn observe(&mut self, time: Option<i64>) {
        self.messages = self.messages.saturating_add(1);
        if let Some(t) = time {
            self.first_time.get_or_insert(t);
            self.last_time = Some(t);
            self.timed = self.timed.saturating_add(1);
        }
    }

    fn rate(&self) -> f32 {
        match (self.first_time, self.last_time) {
            (Some(a), Some(b)) if b > a && self.timed >= 2 => {
                let per_minute = f64::from(self.timed - 1) / ((b - a) as f64 / 60.0);
                ((1.0 + per_minute).ln() / 3.0) as f32
            }
            _ => 0.0,
        }
    }
}

/// Counts of one sender that the features need.
#[derive(Debug, Clone, Default)]
pub struct SenderCounts {
    /// Messages written.
    pub messages: u32,
    /// Grams written.
    pub tokens: u32,
    /// Messages with a question mark.
    pub questions: u32,
    /// Model tactic indices in the order first seen.
    pub order: Vec<u8>,
    seen: u64,
}

impl SenderCounts {
    /// The shape feature values, in [`SHAPES`] order.
    pub fn shape(&self, conv: &ConversationCounts) -> [f32; SHAPES.len()] {
        let m = self.messages.max(1) as f32;
        [
            (1.0 + self.messages as f32).ln() / 7.0,
            self.messages as f32 / conv.messages.max(1) as f32,
            self.questions as f32 / m,
            (1.0 + self.tokens as f32 / m).ln() / 5.0,
            conv.rate(),
        ]
    }
}

/// Shows one message's features to `text` (gram buckets) and `fixed` (tactic and order
/// weight indices newly earned), updating the sender's counts.
pub fn message_features<'a>(
    model: &ModelMap,
    view: &MessageView<'a>,
    counts: &mut SenderCounts,
    mut text: impl FnMut(usize, Gram<'a>),
    mut fixed: impl FnMut(usize),
) {
    counts.messages = counts.messages.saturating_add(1);
    counts.questions += u32::from(view.text.contains(['?', '？']));
    let mut tokens = 0u32;
    features::grams(view.normalized, |h, g| {
        tokens += 1;
        text(model.layout.bucket(h), g);
    });
    counts.tokens = counts.tokens.saturating_add(tokens);
    for &t in view.tactics {
        let Some(i) = model.slot[t.index()] else { continue };
        if counts.seen & (1 << i) != 0 {
            continue;
        }
        for &j in &counts.order {
            fixed(model.layout.order(usize::from(j), usize::from(i)));
        }
        fixed(model.layout.tactic(usize::from(i)));
        counts.seen |= 1 << i;
        counts.order.push(i);
    }
}

/// How the engine's tactics map onto a model's weights.
#[derive(Debug, Clone)]
pub struct ModelMap {
    /// The weight layout.
    pub layout: Layout,
    slot: [Option<u8>; Tactic::COUNT],
}

impl ModelMap {
    /// The map for a model that knows these tactic ids (at most 64).
    pub fn new(hash_bits: u32, tactics: &[String]) -> ModelMap {
        let mut slot = [None; Tactic::COUNT];
        for (i, id) in tactics.iter().enumerate().take(64) {
            if let Ok(t) = id.parse::<Tactic>() {
                slot[t.index()] = u8::try_from(i).ok();
            }
        }
        ModelMap { layout: Layout { hash_bits, tactics: tactics.len() }, slot }
    }
}

/// A trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    header: Header,
    /// One weight vector per head, of [`Layout::dims`] each.
    weights: Vec<Vec<f32>>,
}

/// The checksum a model file ends with, over everything before it (little-endian).
pub fn checksum(bytes: &[u8]) -> u64 {
    features::hash(0x6c77_6d6f_6465_6c31, bytes)
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    /// A model from its header and weights; checks that they fit together.
    pub fn new(header: Header, weights: Vec<Vec<f32>>) -> Result<Model, ModelError> {
        let invalid = |s: String| Err(ModelError::Invalid(s));
        let dims = Model::layout_of(&header)?;
        if header.format != FORMAT_VERSION {
            return Err(ModelError::Version(header.format));
        }
        if header.shapes != SHAPES {
            return invalid(format!("shape features {:?}; this build computes {SHAPES:?}", header.shapes));
        }
        if header.heads.is_empty() || header.heads.len() != weights.len() {
            return invalid(format!("{} heads and {} weight vectors", header.heads.len(), weights.len()));
        }
        if header.heads.len() == 2 && header.heads[0].category == header.heads[1].category {
            return invalid(format!("two heads for {}", header.heads[0].category));
        }
        if let Some(h) = header.heads.iter().find(|h| h.category == Category::None || !h.bias.is_finite()) {
            return invalid(format!("a head for {} with bias {}", h.category, h.bias));
        }
        if !(header.alpha.is_finite() && header.alpha >= 0.0) {
            return invalid(format!("alpha {}", header.alpha));
        }
        for w in &weights {
            if w.len() != dims {
                return invalid(format!("{} weights per head; the layout needs {dims}", w.len()));
            }
            if w.iter().any(|x| !x.is_finite()) {
                return invalid("a weight is not a finite number".into());
            }
        }
        Ok(Model { header, weights })
    }

    /// Weights per head of the layout the header describes, once its sizes are within
    /// bounds: checked before anything is sized by them.
    fn layout_of(header: &Header) -> Result<usize, ModelError> {
        if !(8..=24).contains(&header.hash_bits) || header.tactics.len() > 64 || header.heads.len() > MAX_HEADS {
            return Err(ModelError::Invalid(format!(
                "hash_bits {} (8..=24), {} tactics (at most 64), {} heads (at most {MAX_HEADS})",
                header.hash_bits,
                header.tactics.len(),
                header.heads.len()
            )));
        }
        Ok(ModelMap::new(header.hash_bits, &header.tactics).layout.dims())
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The weights of head `h`.
    pub fn weights(&self, h: usize) -> &[f32] {
        &self.weights[h]
    }

    /// Replaces what the trainer recorded.
    pub fn set_training(&mut self, training: serde_json::Value) {
        self.header.training = training;
    }

    /// Moves every head's intercept so that a raw score of `threshold` becomes
    /// [`ALERT_PROBABILITY`].
    pub fn calibrate(&mut self, threshold: f32) {
        let target = (ALERT_PROBABILITY / (1.0 - ALERT_PROBABILITY)).ln();
        for h in &mut self.header.heads {
            h.bias += target - threshold;
        }
    }

    /// The tactic map and layout.
    pub fn map(&self) -> ModelMap {
        ModelMap::new(self.header.hash_bits, &self.header.tactics)
    }

    /// The file: magic, version, header length and JSON header, the weights of each head
    /// as little-endian `f32`, and a checksum of all that.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        let mut out = Vec::with_capacity(16 + header.len() + self.weights.len() * self.weights[0].len() * 4 + 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&u32::try_from(header.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&header);
        for w in &self.weights {
            for x in w {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Reads a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(ModelError::Size(format!("{} bytes; at most {MAX_FILE_BYTES} are read", bytes.len())));
        }
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Err(ModelError::NotAModel);
        };
        let truncated = || ModelError::Size("truncated".into());
        let word = |b: &[u8], at: usize| -> Result<u32, ModelError> {
            b.get(at..at + 4).and_then(|s| s.try_into().ok()).map(u32::from_le_bytes).ok_or_else(truncated)
        };
        let version = word(rest, 0)?;
        if version != FORMAT_VERSION {
            return Err(ModelError::Version(version));
        }
        if bytes.len() < MAGIC.len() + 8 + 8 {
            return Err(truncated());
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        if checksum(body).to_le_bytes() != sum {
            return Err(ModelError::Checksum);
        }
        let header_len = word(rest, 4)? as usize;
        let rest = &body[MAGIC.len() + 8..];
        let header_bytes = rest.get(..header_len).ok_or_else(truncated)?;
        let header: Header =
            serde_json::from_slice(header_bytes).map_err(|e| ModelError::Invalid(format!("header: {e}")))?;
        let dims = Model::layout_of(&header)?;
        let floats = &rest[header_len..];
        if floats.len() != header.heads.len() * dims * 4 {
            return Err(ModelError::Size(format!(
                "{} bytes of weights where {} heads of {dims} need {}",
                floats.len(),
                header.heads.len(),
                header.heads.len() * dims * 4
            )));
        }
        let weights = floats
            .chunks_exact(dims * 4)
            .map(|head| {
                head.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect::<Vec<f32>>()
            })
            .collect();
        Model::new(header, weights)
    }

    /// The scorer to install in an engine.
    pub fn scorer(self) -> ModelScorer {
        let map = self.map();
        ModelScorer(Arc::new((self, map)))
    }
}

/// A model installed in an engine: shared by all its conversations.
#[derive(Debug, Clone)]
pub struct ModelScorer(Arc<(Model, ModelMap)>);

impl ModelScorer {
    /// The model.
    pub fn model(&self) -> &Model {
        &self.0.0
    }
}

impl Scorer for ModelScorer {
    fn judges(&self, language: Language) -> bool {
        let header = &self.0.0.header;
        header.languages.contains(&language) && header.heads.iter().any(|h| h.category == Category::Grooming)
    }

    fn start(&self) -> Box<dyn ScorerState> {
        Box::new(ModelState {
            shared: Arc::clone(&self.0),
            conv: ConversationCounts::default(),
            senders: Vec::new(),
            best: None,
        })
    }
}

#[derive(Debug)]
struct Kept {
    bucket: u32,
    count: u32,
    /// The gram's name, cut at a character boundary: kept inline, without allocating.
    name: [u8; MAX_NAME],
    len: u8,
}

impl Kept {
    fn name(&self) -> &str {
        std::str::from_utf8(&self.name[..usize::from(self.len)]).unwrap_or_default()
    }
}

/// Writes into a fixed buffer, dropping what does not fit whole.
struct Inline<'a> {
    buf: &'a mut [u8; MAX_NAME],
    len: usize,
}

impl std::fmt::Write for Inline<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = MAX_NAME - self.len;
        let take = s.floor_char_boundary(room);
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        if take < s.len() { Err(std::fmt::Error) } else { Ok(()) }
    }
}

#[derive(Debug)]
struct SenderState {
    name: Box<str>,
    counts: SenderCounts,
    /// Per head: the sum of gram weights, and of tactic and order weights.
    text: [f32; MAX_HEADS],
    fixed: [f32; MAX_HEADS],
    /// Per head: the score without the features that change with other senders.
    base: [f32; MAX_HEADS],
    kept: Vec<Kept>,
}

/// A model's state for one conversation: a few numbers per sender.
#[derive(Debug)]
struct ModelState {
    shared: Arc<(Model, ModelMap)>,
    conv: ConversationCounts,
    senders: Vec<SenderState>,
    /// The best (sender, head, raw score) after the last message.
    best: Option<(usize, usize, f32)>,
}

/// Longest gram name kept for an explanation, in bytes.
const MAX_NAME: usize = 40;

impl ModelState {
    /// The best (sender, head, raw score) now.
    fn find_best(&self) -> Option<(usize, usize, f32)> {
        let (model, map) = &*self.shared;
        let rate = self.conv.rate();
        let total = self.conv.messages.max(1) as f32;
        let mut best: Option<(usize, usize, f32)> = None;
        for (i, s) in self.senders.iter().enumerate() {
            let share = s.counts.messages as f32 / total;
            for (h, w) in model.weights.iter().enumerate() {
                let z = s.base[h] + w[map.layout.shape(SHARE)] * share + w[map.layout.shape(RATE)] * rate;
                if best.is_none_or(|(_, _, b)| z > b) {
                    best = Some((i, h, z));
                }
            }
        }
        best
    }
}

impl ScorerState for ModelState {
    fn observe(&mut self, view: &MessageView<'_>) {
        self.conv.observe(view.time);
        let slot = match self.senders.iter().position(|s| &*s.name == view.sender) {
            Some(i) => i,
            None if self.senders.len() < MAX_SENDERS => {
                self.senders.push(SenderState {
                    name: view.sender.into(),
                    counts: SenderCounts::default(),
                    text: [0.0; MAX_HEADS],
                    fixed: [0.0; MAX_HEADS],
                    base: [0.0; MAX_HEADS],
                    kept: Vec::new(),
                });
                self.senders.len() - 1
            }
            None => {
                self.best = self.find_best();
                return;
            }
        };
        let (model, map) = &*self.shared;
        let explain_min = model.header.explain_min;
        let s = &mut self.senders[slot];
        let (text, fixed, kept) = (&mut s.text, &mut s.fixed, &mut s.kept);
        message_features(
            map,
            view,
            &mut s.counts,
            |b, g| {
                let mut strong = false;
                for (h, w) in model.weights.iter().enumerate() {
                    text[h] += w[b];
                    strong |= w[b] >= explain_min;
                }
                if strong {
                    keep(kept, &model.weights, b, g);
                }
            },
            |i| {
                for (h, w) in model.weights.iter().enumerate() {
                    fixed[h] += w[i];
                }
            },
        );
        // What changes only with this sender's messages is summed once here.
        let shape = s.counts.shape(&self.conv);
        let root = (s.counts.tokens as f32 + model.header.alpha).sqrt();
        for (h, w) in model.weights.iter().enumerate() {
            s.base[h] = model.header.heads[h].bias
                + s.text[h] / root
                + s.fixed[h]
                + PER_SENDER.iter().map(|&k| w[map.layout.shape(k)] * shape[k]).sum::<f32>();
        }
        self.best = self.find_best();
    }

    fn evidence(&self) -> ScorerEvidence {
        let (model, map) = &*self.shared;
        let name = model.header.name.clone();
        let Some((i, h, z)) = self.best else {
            return ScorerEvidence {
                scorer: name,
                probability: 0.0,
                category: model.header.heads[0].category,
                features: Vec::new(),
                sender: None,
            };
        };
        let s = &self.senders[i];
        let w = &model.weights[h];
        let layout = &map.layout;
        let denom = (s.counts.tokens as f32 + model.header.alpha).sqrt();
        // Contributions first, names only for the few that are shown.
        enum Name {
            Gram(usize),
            Tactic(u8),
            Order(u8, u8),
            Shape(usize),
        }
        let mut weighed: Vec<(Name, f32)> = s
            .kept
            .iter()
            .enumerate()
            .map(|(k, g)| (Name::Gram(k), w[g.bucket as usize] * g.count as f32 / denom))
            .collect();
        for (n, &b) in s.counts.order.iter().enumerate() {
            weighed.push((Name::Tactic(b), w[layout.tactic(usize::from(b))]));
            for &a in &s.counts.order[..n] {
                weighed.push((Name::Order(a, b), w[layout.order(usize::from(a), usize::from(b))]));
            }
        }
        for (k, x) in s.counts.shape(&self.conv).iter().enumerate() {
            weighed.push((Name::Shape(k), w[layout.shape(k)] * x));
        }
        weighed.retain(|(_, c)| *c != 0.0);
        weighed.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let tactic = |j: u8| model.header.tactics[usize::from(j)].as_str();
        let features = weighed
            .into_iter()
            .take(EXPLAIN)
            .map(|(name, c)| {
                let name = match name {
                    Name::Gram(k) => s.kept[k].name().to_owned(),
                    Name::Tactic(b) => format!("tactic:{}", tactic(b)),
                    Name::Order(a, b) => format!("order:{}>{}", tactic(a), tactic(b)),
                    Name::Shape(k) => format!("shape:{}", SHAPES[k]),
                };
                (name, c)
            })
            .collect();
        ScorerEvidence {
            scorer: name,
            probability: sigmoid(z),
            category: model.header.heads[h].category,
            features,
            sender: Some(s.name.to_string()),
        }
    }

    fn probability(&self) -> f32 {
        self.best.map_or(0.0, |(_, _, z)| sigmoid(z))
    }

    fn state_bytes(&self) -> usize {
        use std::mem::size_of;
        size_of::<ModelState>()
            + self
                .senders
                .iter()
                .map(|s| {
                    size_of::<SenderState>()
                        + s.name.len()
                        + s.counts.order.capacity()
                        + s.kept.capacity() * size_of::<Kept>()
                })
                .sum::<usize>()
    }

    fn category(&self) -> Category {
        let heads = &self.shared.0.header.heads;
        self.best.map_or(heads[0].category, |(_, h, _)| heads[h].category)
    }
}

/// Counts a strong gram for the explanation; when the list is full, the gram whose weight
/// (its highest head's) times count is smallest makes room for a stronger one.
fn keep(kept: &mut Vec<Kept>, heads: &[Vec<f32>], bucket: usize, gram: Gram<'_>) {
    let strength = |b: u32| heads.iter().map(|w| w[b as usize]).fold(f32::MIN, f32::max);
    let bucket = bucket as u32;
    if let Some(k) = kept.iter_mut().find(|k| k.bucket == bucket) {
        k.count = k.count.saturating_add(1);
        return;
    }
    let slot = if kept.len() < MAX_KEPT {
        None
    } else {
        let weight = |k: &Kept| strength(k.bucket) * k.count as f32;
        let Some((i, weakest)) =
            kept.iter().enumerate().map(|(i, k)| (i, weight(k))).min_by(|a, b| a.1.total_cmp(&b.1))
        else {
            return;
        };
        if strength(bucket) <= weakest {
            return;
        }
        Some(i)
    };
    let mut name = [0u8; MAX_NAME];
    let mut w = Inline { buf: &mut name, len: 0 };
    // A name too long for the buffer is cut; the error only says so.
    let _ = std::fmt::Write::write_fmt(&mut w, format_args!("{gram}"));
    let len = w.len as u8;
    let entry = Kept { bucket, count: 1, name, len };
    match slot {
        Some(i) => kept[i] = entry,
        None => kept.push(entry),
    }
}
