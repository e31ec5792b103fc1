//! Training: one example per sender of each labelled conversation, read through the engine
//! exactly as the scorer will see it; a class-weighted logistic regression per category
//! fitted by AdaGrad in a fixed, seeded order, so the same data always gives the same
//! bytes; stratified folds; and the alert threshold chosen on out-of-fold scores.

use std::collections::HashMap;

use lurewatch_core::{Category, Engine, Language, Message, Scratch, Tactic};
use serde::Serialize;

use crate::model::{
    ConversationCounts, FORMAT_VERSION, HeadInfo, Header, MAX_SENDERS, Model, ModelMap, SHAPES, SenderCounts,
    message_features,
};

/// Settings of a training run; all are recorded in the model file.
#[derive(Debug, Clone, Serialize)]
pub struct TrainConfig {
    /// Bits of the hashed gram table.
    pub hash_bits: u32,
    /// Pseudo-tokens that shrink the text score of senders who said little.
    pub alpha: f32,
    /// Passes over the data.
    pub epochs: u32,
    /// AdaGrad's step size.
    pub learning_rate: f32,
    /// L2 penalty on the weights.
    pub l2: f32,
    /// Weight of a positive example relative to a negative one; by default the square
    /// root of the class ratio. Within each class, every group (file) weighs the same in
    /// total: one large source of positives does not teach the model its style alone, and
    /// a small corpus of hard negatives counts as much as a large one of easy ones.
    pub positive_weight: Option<f32>,
    /// Seed of the example order and of the folds.
    pub seed: u64,
    /// Positive examples a language needs before the model judges grooming in it.
    pub min_language_positives: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            hash_bits: 18,
            alpha: 8.0,
            epochs: 10,
            learning_rate: 0.2,
            l2: 1e-6,
            positive_weight: None,
            seed: 20_121_234,
            min_language_positives: 20,
        }
    }
}

/// One sender of one conversation, as a sparse feature vector.
#[derive(Debug, Clone)]
pub struct Example {
    /// Index of its conversation in [`Dataset::conversations`].
    pub conversation: u32,
    /// The sender's name.
    pub sender: String,
    /// What this sender is: the conversation's category for its offender, `none` otherwise.
    pub label: Category,
    /// `(weight index, value)`, sorted by index.
    pub features: Vec<(u32, f32)>,
}

/// A labelled conversation.
#[derive(Debug, Clone)]
pub struct ConversationInfo {
    /// Its id.
    pub id: String,
    /// The file (or other group) it came from; folds are stratified by group and label.
    pub group: u32,
    /// Its label.
    pub label: Category,
    /// Its language, as the engine detected it.
    pub language: Language,
}

/// Examples read from labelled conversations.
#[derive(Debug, Clone)]
pub struct Dataset {
    map: ModelMap,
    tactics: Vec<String>,
    alpha: f32,
    /// One example per sender.
    pub examples: Vec<Example>,
    /// The conversations, by index.
    pub conversations: Vec<ConversationInfo>,
}

struct Acc {
    name: String,
    counts: SenderCounts,
    grams: HashMap<u32, u32>,
    fixed: Vec<u32>,
}

impl Dataset {
    /// An empty dataset with the layout of `config`.
    pub fn new(config: &TrainConfig) -> Dataset {
        let tactics: Vec<String> = Tactic::ALL.iter().map(|t| t.id().to_owned()).collect();
        Dataset {
            map: ModelMap::new(config.hash_bits, &tactics),
            tactics,
            alpha: config.alpha,
            examples: Vec::new(),
            conversations: Vec::new(),
        }
    }

    /// Reads one labelled conversation through `engine` (which should have no scorer).
    /// Each sender becomes an example: labelled with the conversation's category when it
    /// is the named `suspect` (or when no suspect is named), `none` otherwise.
    #[allow(clippy::too_many_arguments)]
    pub fn add<'m>(
        &mut self,
        engine: &Engine,
        scratch: &mut Scratch,
        id: &str,
        group: u32,
        label: Category,
        suspect: Option<&str>,
        messages: impl IntoIterator<Item = Message<'m>>,
    ) {
        let conversation = u32::try_from(self.conversations.len()).unwrap_or(u32::MAX);
        let mut state = engine.start();
        let mut conv = ConversationCounts::default();
        let mut senders: Vec<Acc> = Vec::new();
        let map = &self.map;
        for m in messages {
            engine.push_observed(&mut state, scratch, &m, &mut |view| {
                conv.observe(view.time);
                let slot = match senders.iter().position(|s| s.name == view.sender) {
                    Some(i) => i,
                    None if senders.len() < MAX_SENDERS => {
                        senders.push(Acc {
                            name: view.sender.to_owned(),
                            counts: SenderCounts::default(),
                            grams: HashMap::new(),
                            fixed: Vec::new(),
                        });
                        senders.len() - 1
                    }
                    None => return,
                };
                let s = &mut senders[slot];
                let (grams, fixed) = (&mut s.grams, &mut s.fixed);
                message_features(
                    map,
                    view,
                    &mut s.counts,
                    |b, _| *grams.entry(b as u32).or_default() += 1,
                    |i| fixed.push(i as u32),
                );
            });
        }
        let language = state.language();
        self.conversations.push(ConversationInfo { id: id.to_owned(), group, label, language });
        for s in senders {
            let denom = (s.counts.tokens as f32 + self.alpha).sqrt();
            let mut features: Vec<(u32, f32)> = s.grams.iter().map(|(&b, &c)| (b, c as f32 / denom)).collect();
            features.extend(s.fixed.iter().map(|&i| (i, 1.0)));
            for (k, x) in s.counts.shape(&conv).into_iter().enumerate() {
                if x != 0.0 {
                    features.push((self.map.layout.shape(k) as u32, x));
                }
            }
            features.sort_unstable_by_key(|&(i, _)| i);
            let offender = suspect.is_none_or(|name| name == s.name);
            let label = if offender { label } else { Category::None };
            self.examples.push(Example { conversation, sender: s.name, label, features });
        }
    }

    /// Stratified folds: the fold of each conversation, `0..k`, balanced within each
    /// group and label, the same for the same data and seed.
    pub fn folds(&self, k: u32, seed: u64) -> Vec<u32> {
        let mut strata: HashMap<(u32, Category), Vec<usize>> = HashMap::new();
        for (i, c) in self.conversations.iter().enumerate() {
            strata.entry((c.group, c.label)).or_default().push(i);
        }
        let mut keys: Vec<_> = strata.keys().copied().collect();
        keys.sort_unstable();
        let mut rng = SplitMix(seed);
        let mut folds = vec![0; self.conversations.len()];
        for key in keys {
            let mut members = strata.remove(&key).unwrap_or_default();
            rng.shuffle(&mut members);
            for (n, i) in members.into_iter().enumerate() {
                folds[i] = n as u32 % k.max(1);
            }
        }
        folds
    }

    /// Fits a model on the examples of the conversations `include` accepts. Its heads are
    /// the categories with positive examples there; its intercepts are raw (see
    /// [`Model::calibrate`]).
    pub fn fit(&self, config: &TrainConfig, name: &str, include: impl Fn(usize) -> bool) -> Option<Model> {
        let chosen: Vec<usize> =
            (0..self.examples.len()).filter(|&i| include(self.examples[i].conversation as usize)).collect();
        let categories: Vec<Category> = Category::ALL
            .iter()
            .copied()
            .filter(|&c| c != Category::None && chosen.iter().any(|&i| self.examples[i].label == c))
            .collect();
        if categories.is_empty() {
            return None;
        }
        let dims = self.map.layout.dims();
        let mut heads = Vec::new();
        let mut weights = Vec::new();
        for &category in &categories {
            let (bias, w) = self.fit_head(config, &chosen, category, dims);
            heads.push(HeadInfo { category, bias });
            weights.push(w);
        }
        // Only the thousand grams that push hardest towards a category are worth naming in
        // an explanation: a gram's name is made as it is read, so this bounds that cost too.
        let hashed = 1usize << config.hash_bits;
        let mut strengths: Vec<f32> = weights.iter().flat_map(|w| w[..hashed].iter().copied()).collect();
        let keep = 1024.min(strengths.len() - 1);
        strengths.select_nth_unstable_by(keep, |a, b| b.total_cmp(a));
        let explain_min = strengths[keep].max(f32::MIN_POSITIVE);
        // The model judges grooming only in languages it saw enough of it in.
        let mut per_language: HashMap<Language, usize> = HashMap::new();
        for e in chosen.iter().map(|&i| &self.examples[i]).filter(|e| e.label != Category::None) {
            *per_language.entry(self.conversations[e.conversation as usize].language).or_default() += 1;
        }
        let mut languages: Vec<Language> =
            per_language.into_iter().filter(|&(_, n)| n >= config.min_language_positives).map(|(l, _)| l).collect();
        languages.sort_unstable();
        let header = Header {
            format: FORMAT_VERSION,
            name: name.to_owned(),
            hash_bits: config.hash_bits,
            alpha: config.alpha,
            tactics: self.tactics.clone(),
            shapes: SHAPES.iter().map(|s| (*s).to_owned()).collect(),
            heads,
            languages,
            explain_min,
            training: serde_json::Value::Null,
        };
        Model::new(header, weights).ok()
    }

    fn fit_head(&self, config: &TrainConfig, chosen: &[usize], category: Category, dims: usize) -> (f32, Vec<f32>) {
        let positives = chosen.iter().filter(|&&i| self.examples[i].label == category).count().max(1);
        let negatives = (chosen.len() - positives).max(1);
        let pw = config.positive_weight.unwrap_or_else(|| (negatives as f32 / positives as f32).sqrt()).max(1.0);
        // Within each class every group weighs the same in total, so that neither one large
        // source of positives teaches the model its style alone, nor the many easy
        // negatives of large corpora drown the hard ones of a small corpus.
        let group_of = |i: usize| self.conversations[self.examples[i].conversation as usize].group;
        let mut per_group: HashMap<(bool, u32), usize> = HashMap::new();
        for &i in chosen {
            *per_group.entry((self.examples[i].label == category, group_of(i))).or_default() += 1;
        }
        let groups = |y: bool| per_group.keys().filter(|&&(c, _)| c == y).count().max(1) as f32;
        let (pos_groups, neg_groups) = (groups(true), groups(false));
        let example_weight = |i: usize, y: bool| {
            let (class, class_groups) = if y { (positives, pos_groups) } else { (negatives, neg_groups) };
            let n = per_group.get(&(y, group_of(i))).copied().unwrap_or(1);
            class as f32 / (class_groups * n as f32)
        };
        let mut w = vec![0f32; dims];
        let mut g2 = vec![0f32; dims];
        let (mut bias, mut gb2) = (0f32, 0f32);
        let mut order = chosen.to_vec();
        let mut rng = SplitMix(config.seed ^ category as u64);
        let lr = config.learning_rate;
        for _ in 0..config.epochs {
            rng.shuffle(&mut order);
            for &i in &order {
                let ex = &self.examples[i];
                let y = ex.label == category;
                let z = bias + ex.features.iter().map(|&(j, x)| w[j as usize] * x).sum::<f32>();
                let p = 1.0 / (1.0 + (-z).exp());
                let g = if y { (p - 1.0) * pw } else { p } * example_weight(i, y);
                for &(j, x) in &ex.features {
                    let j = j as usize;
                    let gj = g * x + config.l2 * w[j];
                    g2[j] += gj * gj;
                    w[j] -= lr * gj / (g2[j].sqrt() + 1e-6);
                }
                gb2 += g * g;
                bias -= lr * g / (gb2.sqrt() + 1e-6);
            }
        }
        (bias, w)
    }
}

/// A model's raw score of an example: the highest head's.
pub fn raw_score(model: &Model, example: &Example) -> f32 {
    (0..model.header().heads.len())
        .map(|h| {
            let w = model.weights(h);
            model.header().heads[h].bias + example.features.iter().map(|&(j, x)| w[j as usize] * x).sum::<f32>()
        })
        .fold(f32::NEG_INFINITY, f32::max)
}

/// A scored conversation, for choosing the threshold.
#[derive(Debug, Clone, Copy)]
pub struct Scored {
    /// Its score (the highest sender's).
    pub score: f32,
    /// Whether it is labelled as a script.
    pub positive: bool,
    /// Its group.
    pub group: u32,
}

/// The alert threshold: the one with the best F1 among those that keep the false-positive
/// rate of every group of negatives only (a corpus of ordinary chats) at or below
/// `max_fpr`; the negatives of groups that also hold positives count in the F1. `None`
/// without positives.
pub fn choose_threshold(points: &[Scored], max_fpr: f64) -> Option<f32> {
    let mut floor = f32::NEG_INFINITY;
    let mut groups: HashMap<u32, Vec<f32>> = HashMap::new();
    let mixed: std::collections::HashSet<u32> = points.iter().filter(|p| p.positive).map(|p| p.group).collect();
    for p in points.iter().filter(|p| !mixed.contains(&p.group)) {
        groups.entry(p.group).or_default().push(p.score);
    }
    for scores in groups.values_mut() {
        scores.sort_unstable_by(|a, b| b.total_cmp(a));
        let allowed = (max_fpr * scores.len() as f64).floor() as usize;
        if let Some(&s) = scores.get(allowed) {
            // Strictly above the first negative that may not be flagged.
            floor = floor.max(next_up(s));
        }
    }
    let mut candidates: Vec<f32> = points.iter().filter(|p| p.positive && p.score >= floor).map(|p| p.score).collect();
    if points.iter().all(|p| !p.positive) {
        return None;
    }
    candidates.push(floor.max(points.iter().map(|p| p.score).fold(f32::INFINITY, f32::min)));
    candidates.sort_unstable_by(f32::total_cmp);
    candidates.dedup();
    let positives = points.iter().filter(|p| p.positive).count() as f64;
    let mut best: Option<(f64, f32)> = None;
    for &t in &candidates {
        let tp = points.iter().filter(|p| p.positive && p.score >= t).count() as f64;
        let fp = points.iter().filter(|p| !p.positive && p.score >= t).count() as f64;
        let f1 = if tp == 0.0 { 0.0 } else { 2.0 * tp / (2.0 * tp + fp + (positives - tp)) };
        if best.is_none_or(|(b, _)| f1 > b) {
            best = Some((f1, t));
        }
    }
    best.map(|(_, t)| t)
}

fn next_up(x: f32) -> f32 {
    if x.is_finite() { x + x.abs().max(1.0) * 1e-6 } else { x }
}

/// SplitMix64: a small, fixed generator, so that orders and folds never change with a
/// library's version.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        crate::features::mix(self.0)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}
