//! The conversation engine: message by message, tactics become an explained assessment.
//!
//! ```
//! use lurewatch_core::{Engine, Message, Category};
//!
//! let engine = Engine::new();
//! let mut conv = engine.conversation();
//! conv.push(&Message::new("stranger", "I recorded the video call and I have all your contacts"));
//! conv.push(&Message::new("stranger", "Pay $500 now or I will send the video to your family"));
//! let a = conv.assessment("demo");
//! assert_eq!(a.category, Category::Sextortion);
//! assert_eq!(a.suspect.as_deref(), Some("stranger"));
//! ```
//!
//! The state kept per conversation is bounded: per sender (at most [`MAX_SENDERS`]) a
//! strength, a count and at most [`EVIDENCE_PER_TACTIC`] quotes per tactic, and a bitset of
//! the rules seen. It does not grow with the number of messages.

use serde::{Deserialize, Serialize};

use crate::advice::{AdviceBook, AdviceItem, Language};
use crate::indicator::{ExtractScratch, Extractor, Flag, Found, IndicatorKind, KnownLists};
use crate::lexicon::{Lexicon, MessageMatches, RawHit, RuleId, age_answer, short_answer};
use crate::normalize::{Normalized, ScriptCounts};
use crate::scorer::{MessageView, Scorer, ScorerEvidence, ScorerState};
use crate::tactic::{Category, Level, Tactic};

/// Senders tracked per conversation; further senders share the last slot.
pub const MAX_SENDERS: usize = 256;
/// Quotes kept per sender and tactic.
pub const EVIDENCE_PER_TACTIC: usize = 3;
/// Longest quote kept, in bytes.
pub const MAX_QUOTE: usize = 160;
/// Longest sender name kept, in bytes.
pub const MAX_SENDER: usize = 64;
const OVERFLOW_SENDER: &str = "(other senders)";
/// Below this risk (0..1) a conversation has no category.
const CATEGORY_FLOOR: f32 = 0.15;
/// Distinct indicators kept per conversation; later new ones are counted, not kept.
pub const MAX_INDICATORS: usize = 64;
/// How far a known-bad indicator moves a sender's risk towards 1 once a script is seen.
const LISTED_BOOST: f32 = 0.25;

/// One message of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// Who wrote it (a name, an id or a role).
    pub sender: &'a str,
    /// What they wrote.
    pub text: &'a str,
    /// When, in seconds since the Unix epoch, if known.
    pub time: Option<i64>,
}

impl<'a> Message<'a> {
    /// A message without a time.
    pub fn new(sender: &'a str, text: &'a str) -> Self {
        Message { sender, text, time: None }
    }
}

/// One piece of evidence: a tactic seen in a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The tactic.
    pub tactic: Tactic,
    /// Index of the message in the conversation, from 0.
    pub message: u32,
    /// Who wrote it.
    pub sender: String,
    /// Start byte of the quote in the original message text.
    pub start: u32,
    /// End byte (exclusive) of the quote in the original message text.
    pub end: u32,
    /// Short human reason.
    pub reason: String,
    /// The original text of the span, cut to a bounded length.
    pub quote: String,
}

/// The state of a conversation after a message: cheap to copy, returned by every push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Risk 0..=100.
    pub risk: u8,
    /// Level derived from the risk.
    pub level: Level,
    /// Category.
    pub category: Category,
}

/// The full, explained assessment of a conversation. Its JSON form is a public contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The conversation id given by the caller.
    pub id: String,
    /// Messages seen.
    pub messages: u32,
    /// `sextortion`, `grooming` or `none`.
    pub category: Category,
    /// `none` … `critical`.
    pub level: Level,
    /// Risk 0..=100.
    pub risk: u8,
    /// The sender most likely running the script, if any.
    pub suspect: Option<String>,
    /// The most active other sender: the likely person at risk.
    pub victim: Option<String>,
    /// Whether a participant says or implies being under 18.
    pub minor: bool,
    /// Language of the conversation and of the advice.
    pub language: Language,
    /// The suspect's tactics in the order they first appeared along the script.
    pub stages: Vec<Tactic>,
    /// Evidence from every sender, by message.
    pub tactics: Vec<Evidence>,
    /// First message at which the level reached `medium` (early warning).
    pub first_alert_message: Option<u32>,
    /// First message at which the level reached `high`.
    pub first_high_message: Option<u32>,
    /// Advice for the person at risk, in [`Assessment::language`].
    pub advice: Vec<AdviceItem>,
    /// What learned scorers added, if any are installed.
    pub model: Vec<ScorerEvidence>,
    /// Every distinct account, number, link, payee and amount, in order of first appearance.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

/// An indicator as it appeared in a conversation: where first, by whom, how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// What was found; `start` and `end` are bytes of the first message it appeared in.
    #[serde(flatten)]
    pub found: Found,
    /// The original text of the span, cut to a bounded length.
    pub raw: String,
    /// Index of the first message it appeared in.
    pub message: u32,
    /// Who wrote it first.
    pub sender: String,
    /// How many times it appeared.
    pub count: u32,
}

/// Builds an [`Engine`].
#[derive(Debug, Default)]
pub struct EngineBuilder {
    lexicon: Option<Lexicon>,
    advice: Option<AdviceBook>,
    scorers: Vec<Box<dyn Scorer>>,
    lists: Option<KnownLists>,
}

impl EngineBuilder {
    /// Uses this lexicon instead of the shipped one.
    pub fn lexicon(mut self, lexicon: Lexicon) -> Self {
        self.lexicon = Some(lexicon);
        self
    }

    /// Uses this advice instead of the shipped one.
    pub fn advice(mut self, advice: AdviceBook) -> Self {
        self.advice = Some(advice);
        self
    }

    /// Checks indicators against these block and allow lists.
    pub fn known_lists(mut self, lists: KnownLists) -> Self {
        self.lists = Some(lists);
        self
    }

    /// Adds a learned scorer; its probability can raise the risk.
    pub fn scorer(mut self, scorer: Box<dyn Scorer>) -> Self {
        self.scorers.push(scorer);
        self
    }

    /// The engine.
    pub fn build(self) -> Engine {
        Engine {
            lexicon: self.lexicon.unwrap_or_else(Lexicon::default_lexicon),
            advice: self.advice.unwrap_or_else(AdviceBook::default_book),
            scorers: self.scorers,
            extractor: self.lists.map_or_else(Extractor::new, Extractor::with_lists),
        }
    }
}

/// The compiled engine: share it (it is `Sync`) and open one [`Conversation`] per chat.
#[derive(Debug)]
pub struct Engine {
    lexicon: Lexicon,
    advice: AdviceBook,
    scorers: Vec<Box<dyn Scorer>>,
    extractor: Extractor,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// The engine with the shipped lexicons and advice.
    pub fn new() -> Engine {
        EngineBuilder::default().build()
    }

    /// A builder to change lexicon, advice or scorers.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The lexicon in use.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The advice in use.
    pub fn advice(&self) -> &AdviceBook {
        &self.advice
    }

    /// The indicator extractors in use, with their block and allow lists.
    pub fn extractor(&self) -> &Extractor {
        &self.extractor
    }

    /// A new, empty conversation, with its own scratch buffers.
    pub fn conversation(&self) -> Conversation<'_> {
        Conversation { engine: self, state: self.start(), scratch: Scratch::new() }
    }

    /// The state of a new, empty conversation, for callers that track many conversations
    /// and share one [`Scratch`] between them (a stream consumer, a server).
    pub fn start(&self) -> ConversationState {
        ConversationState {
            state: State::new(self.lexicon.rule_count()),
            scorers: self.scorers.iter().map(|s| s.start()).collect(),
        }
    }

    /// Reads one more message of the conversation `conv` and returns the updated verdict.
    pub fn push(&self, conv: &mut ConversationState, scratch: &mut Scratch, msg: &Message<'_>) -> Snapshot {
        self.step(conv, scratch).push(msg, None)
    }

    /// Like [`Engine::push`], and also shows the message to `observer` as scorers see it:
    /// how a model is trained on exactly what it will be shown when it runs.
    pub fn push_observed(
        &self,
        conv: &mut ConversationState,
        scratch: &mut Scratch,
        msg: &Message<'_>,
        observer: &mut dyn FnMut(&MessageView<'_>),
    ) -> Snapshot {
        self.step(conv, scratch).push(msg, Some(observer))
    }

    fn step<'a>(&'a self, conv: &'a mut ConversationState, scratch: &'a mut Scratch) -> Step<'a> {
        Step {
            engine: self,
            state: &mut conv.state,
            scorers: &mut conv.scorers,
            norm: &mut scratch.norm,
            matches: &mut scratch.matches,
            tactics_seen: &mut scratch.tactics_seen,
            found: &mut scratch.found,
            extract: &mut scratch.extract,
        }
    }

    /// Assesses a whole conversation: the fold of [`Conversation::push`].
    pub fn assess<'a>(&self, id: &str, messages: impl IntoIterator<Item = Message<'a>>) -> Assessment {
        let mut conv = self.conversation();
        for m in messages {
            conv.push(&m);
        }
        conv.assessment(id)
    }
}

/// A conversation being read, message by message: its state, the engine and scratch
/// buffers in one handle.
#[derive(Debug)]
pub struct Conversation<'e> {
    engine: &'e Engine,
    state: ConversationState,
    scratch: Scratch,
}

impl Conversation<'_> {
    /// Reads one more message and returns the updated verdict.
    pub fn push(&mut self, msg: &Message<'_>) -> Snapshot {
        self.engine.push(&mut self.state, &mut self.scratch, msg)
    }

    /// The verdict after the last message.
    pub fn snapshot(&self) -> Snapshot {
        self.state.snapshot()
    }

    /// Messages read so far.
    pub fn messages(&self) -> u32 {
        self.state.messages()
    }

    /// Bytes the conversation's state holds; see [`ConversationState::state_bytes`].
    pub fn state_bytes(&self) -> usize {
        self.state.state_bytes()
    }

    /// The full assessment after the last message.
    pub fn assessment(&self, id: &str) -> Assessment {
        self.state.assessment(self.engine, id)
    }

    /// The conversation's state, to keep without the scratch buffers.
    pub fn into_state(self) -> ConversationState {
        self.state
    }
}

/// The bounded state of one conversation: all the engine remembers between messages.
pub struct ConversationState {
    state: State,
    scorers: Vec<Box<dyn ScorerState>>,
}

impl std::fmt::Debug for ConversationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConversationState")
            .field("messages", &self.state.messages)
            .field("snapshot", &self.state.snapshot)
            .finish_non_exhaustive()
    }
}

/// Buffers for the message being read; one per thread serves any number of conversations.
#[derive(Debug, Default)]
pub struct Scratch {
    norm: Normalized,
    matches: MessageMatches,
    tactics_seen: Vec<Tactic>,
    found: Vec<Found>,
    extract: ExtractScratch,
}

impl Scratch {
    /// Empty buffers; they grow to the longest message and are reused.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// One message being read: the engine, a conversation's state and the scratch buffers.
struct Step<'a> {
    engine: &'a Engine,
    state: &'a mut State,
    scorers: &'a mut Vec<Box<dyn ScorerState>>,
    norm: &'a mut Normalized,
    matches: &'a mut MessageMatches,
    tactics_seen: &'a mut Vec<Tactic>,
    found: &'a mut Vec<Found>,
    extract: &'a mut ExtractScratch,
}

/// Why a tactic was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A lexicon rule matched.
    Rule(RuleId),
    /// The engine inferred it from what else it saw.
    Inferred(Inference),
}

/// Tactics the engine infers rather than reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inference {
    /// A demand after the other party said they paid.
    RepeatAfterPayment,
    /// A link to an app outside the app stores.
    AppLink,
    /// An amount or a payee named by someone who threatened.
    PayeeAfterThreat,
    /// A sum of money named.
    NamesAmount,
    /// An age under 18 given in answer to an age question.
    AnswersAge,
}

impl Inference {
    fn bit(self) -> u8 {
        1 << self as u8
    }

    fn reason(self) -> &'static str {
        match self {
            Inference::RepeatAfterPayment => "demands payment again after the other party paid",
            Inference::AppLink => "sends a link to an app outside the app stores",
            Inference::PayeeAfterThreat => "names an amount or a payee after threatening",
            Inference::NamesAmount => "names an amount of money",
            Inference::AnswersAge => "answers a question about age with an age under 18",
        }
    }
}

#[derive(Debug, Clone)]
struct Kept {
    message: u32,
    start: u32,
    end: u32,
    weight: f32,
    source: Source,
    quote: Box<str>,
}

/// An indicator kept in a conversation's state.
#[derive(Debug, Clone)]
struct SeenIndicator {
    found: Found,
    raw: Box<str>,
    message: u32,
    sender: usize,
    count: u32,
}

#[derive(Debug, Clone, Default)]
struct TacticState {
    strength: f32,
    /// The message of the first hit.
    first: Option<u32>,
    kept: Vec<Kept>,
}

#[derive(Debug, Clone)]
struct Sender {
    name: Box<str>,
    messages: u32,
    tactics: [TacticState; Tactic::COUNT],
    rules_seen: Vec<u64>,
    risk: Parts,
    /// Messages of this sender that spoke about the crime (warnings, news, advice).
    advisory: u32,
    /// Inferences already counted towards a tactic's strength, one bit each.
    inferred: u8,
    /// The sender wrote an indicator that a block list names.
    listed: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Parts {
    sextortion: f32,
    lure: f32,
    grooming: f32,
}

impl Parts {
    fn risk(self) -> f32 {
        self.sextortion.max(self.lure).max(self.grooming)
    }

    /// A sender who wrote a known-bad indicator: once a script shows, its risk moves a
    /// quarter of the way towards 1. A listed indicator alone makes no category: a scam
    /// link in an ordinary fraud SMS is not sextortion.
    fn listed(self, listed: bool) -> Parts {
        if !listed || self.risk() < CATEGORY_FLOOR {
            return self;
        }
        let lift = |p: f32| if p >= CATEGORY_FLOOR { p + (1.0 - p) * LISTED_BOOST } else { p };
        Parts { sextortion: lift(self.sextortion), lure: lift(self.lure), grooming: lift(self.grooming) }
    }

    /// The parts a lexicon keeps when a model judges grooming.
    fn without_grooming(self) -> Parts {
        Parts { grooming: 0.0, ..self }
    }

    fn category(self) -> Category {
        if self.risk() < CATEGORY_FLOOR {
            Category::None
        } else if self.sextortion.max(self.lure) >= self.grooming {
            Category::Sextortion
        } else {
            Category::Grooming
        }
    }
}

#[derive(Debug, Clone)]
struct State {
    messages: u32,
    senders: Vec<Sender>,
    rule_words: usize,
    minor: f32,
    counts: ScriptCounts,
    /// The sender who last said they paid.
    paid_by: Option<usize>,
    first_alert: Option<u32>,
    first_high: Option<u32>,
    snapshot: Snapshot,
    model_peak: f32,
    /// Whether a scorer judges grooming in this conversation's language.
    model_judges: bool,
    /// Whether the last verdict came from a scorer rather than the lexicon.
    model_led: bool,
    ages: Ages,
    /// The last age question that may still be answered.
    age_question: Option<AgeQuestion>,
    /// Hits of English and of Vietnamese rules: Vietnamese typed without diacritics looks
    /// like any Latin text to the script counts.
    latin_votes: [u32; 2],
    /// Distinct indicators, at most [`MAX_INDICATORS`].
    indicators: Vec<SeenIndicator>,
}

/// Messages after an age question within which a bare number answers it.
const AGE_ANSWER_REACH: u32 = 3;

/// An age question: who asked, in which message, and whether it asked the others' own
/// age ("how old r u") or someone else's ("how old is your son", "아들 몇 살이에요").
#[derive(Debug, Clone, Copy)]
struct AgeQuestion {
    asker: usize,
    index: u32,
    someone_else: bool,
}
/// The weight of an age under 18 given in answer, as the lexicons weigh a stated age.
const ANSWERED_AGE_WEIGHT: f32 = 0.9;

/// Distinct `(sender, age)` statements kept; enough to tell peers from an adult and a child.
const MAX_AGE_STATEMENTS: usize = 16;

/// The ages participants stated, to tell peers from an adult and a child.
#[derive(Debug, Clone, Default)]
struct Ages {
    statements: Vec<(usize, u8)>,
    count: u32,
    min: u8,
    max: u8,
}

impl Ages {
    /// Records that `sender` stated `age`; saying the same age again adds nothing.
    fn add(&mut self, sender: usize, age: u8) {
        if self.statements.contains(&(sender, age)) || self.statements.len() == MAX_AGE_STATEMENTS {
            return;
        }
        self.statements.push((sender, age));
        if self.count == 0 {
            (self.min, self.max) = (age, age);
        } else {
            self.min = self.min.min(age);
            self.max = self.max.max(age);
        }
        self.count += 1;
    }

    /// Every stated age is a teenager's or a young adult's: a chat between peers, not an
    /// adult grooming a child. Needs at least two statements, all from 15 to 19 and no more
    /// than two years apart: a 17-year-old and a 13-year-old are not peers.
    fn peers(&self) -> bool {
        self.count >= 2 && self.min >= 15 && self.max <= 19 && self.max - self.min <= 2
    }

    /// Whether `sender` stated an adult's age.
    fn adult(&self, sender: usize) -> bool {
        self.statements.iter().any(|&(s, age)| s == sender && age >= 18)
    }

    /// The children's statements: an age under 18 from a participant who stated no adult's
    /// age (a parent who says "im 38" and "my kid is 12" is no child).
    fn children(&self) -> impl Iterator<Item = (usize, u8)> + '_ {
        self.statements.iter().copied().filter(|&(s, age)| age < 18 && !self.adult(s))
    }

    /// One participant states an adult's age and another is a child at least
    /// [`ADULT_CHILD_GAP`] years younger: the plainest sign of grooming there is.
    fn adult_and_child(&self) -> bool {
        self.max >= 18
            && self.children().any(|(child, c)| {
                self.statements.iter().any(|&(s, a)| s != child && a >= 18 && a - c >= ADULT_CHILD_GAP)
            })
    }

    /// Whether a participant other than `sender` is a child by their stated age.
    fn child_besides(&self, sender: usize) -> bool {
        self.children().any(|(s, _)| s != sender)
    }
}

/// Years between an adult's and a child's stated ages that no learned score may overrule.
const ADULT_CHILD_GAP: u8 = 4;

impl State {
    fn new(rules: usize) -> State {
        State {
            messages: 0,
            senders: Vec::new(),
            rule_words: rules.div_ceil(64),
            minor: 0.0,
            counts: ScriptCounts::default(),
            paid_by: None,
            first_alert: None,
            first_high: None,
            snapshot: Snapshot { risk: 0, level: Level::None, category: Category::None },
            model_peak: 0.0,
            model_judges: false,
            model_led: false,
            ages: Ages::default(),
            age_question: None,
            latin_votes: [0; 2],
            indicators: Vec::new(),
        }
    }

    /// The conversation's language so far.
    fn language(&self) -> Language {
        match Language::detect(&self.counts) {
            Language::En if self.latin_votes[1] > self.latin_votes[0] => Language::Vi,
            detected => detected,
        }
    }

    fn slot(&mut self, name: &str) -> usize {
        if let Some(i) = self.senders.iter().position(|s| &*s.name == name) {
            return i;
        }
        if self.senders.len() == MAX_SENDERS {
            return MAX_SENDERS - 1;
        }
        let name: Box<str> = if self.senders.len() == MAX_SENDERS - 1 {
            OVERFLOW_SENDER.into()
        } else {
            name[..name.floor_char_boundary(MAX_SENDER)].into()
        };
        if let Some(i) = self.senders.iter().position(|s| s.name == name) {
            return i;
        }
        self.senders.push(Sender {
            name,
            messages: 0,
            tactics: Default::default(),
            rules_seen: vec![0; self.rule_words],
            risk: Parts::default(),
            advisory: 0,
            inferred: 0,
            listed: false,
        });
        self.senders.len() - 1
    }

    fn recompute_minor(&mut self) -> bool {
        let mut none = 1.0;
        for s in &self.senders {
            none *= 1.0 - s.tactics[Tactic::MinorIndicator.index()].strength;
        }
        let minor = 1.0 - none;
        let changed = minor != self.minor;
        self.minor = minor;
        changed
    }

    /// Keeps `f`, seen in message `index` from sender `slot`, or counts it again.
    fn keep_indicator(&mut self, f: &Found, slot: usize, index: u32, text: &str) {
        // Kept values are cut to a bounded length; a long value is compared as it is kept.
        let key = &f.value[..f.value.floor_char_boundary(MAX_QUOTE * 4)];
        if let Some(seen) = self.indicators.iter_mut().find(|s| s.found.kind == f.kind && s.found.value == key) {
            seen.count = seen.count.saturating_add(1);
            return;
        }
        if self.indicators.len() == MAX_INDICATORS {
            return;
        }
        let raw = &text[f.start as usize..f.end as usize];
        let mut found = f.clone();
        found.value.truncate(key.len());
        self.indicators.push(SeenIndicator {
            found,
            raw: raw[..raw.floor_char_boundary(MAX_QUOTE)].into(),
            message: index,
            sender: slot,
            count: 1,
        });
    }

    /// The participants' own words leave no doubt that an adult or a stranger is after a
    /// child: one states an adult's age and another a child's, or, outside a chat between
    /// peers, one states a child's age and another asks for intimate images or talks about
    /// sex. A learned score may not overrule that.
    fn plainly_grooming(&self) -> bool {
        let sexual = |s: &Sender| {
            [Tactic::ImageRequest, Tactic::SexualContent].iter().any(|t| s.tactics[t.index()].first.is_some())
        };
        self.ages.adult_and_child()
            || (!self.ages.peers()
                && self.senders.iter().enumerate().any(|(i, s)| sexual(s) && self.ages.child_besides(i)))
    }

    /// The sender with the highest risk; without grooming when a scorer judges it.
    fn best(&self) -> Option<usize> {
        let mut best: Option<(usize, f32)> = None;
        for (i, s) in self.senders.iter().enumerate() {
            let r = if self.model_judges { s.risk.without_grooming().risk() } else { s.risk.risk() };
            if best.is_none_or(|(_, b)| r > b) {
                best = Some((i, r));
            }
        }
        best.map(|(i, _)| i)
    }
}

/// The per-sender risk model: three scripts, each a product of the tactics it needs.
///
/// Grooming needs a child: without any sign of a minor it stays below `medium`, and a chat
/// where every stated age is a teenager's is weighed as one between peers.
fn parts(t: &[TacticState; Tactic::COUNT], minor: f32, peers: bool) -> Parts {
    let e = |tactic: Tactic| t[tactic.index()].strength;
    let threat = e(Tactic::ThreatExposure).max(0.85 * e(Tactic::ContactsLeverage));
    let sextortion = threat
        * (0.35
            + 0.35 * e(Tactic::PaymentDemand)
            + 0.15 * e(Tactic::SexualContent).max(e(Tactic::ImageRequest)).max(e(Tactic::ContactsLeverage))
            + 0.15 * e(Tactic::Urgency).max(e(Tactic::RepeatDemand)));
    let lure = 0.7
        * e(Tactic::AppInstall).max(0.5 * e(Tactic::PlatformSwitch))
        * e(Tactic::SexualContent).max(e(Tactic::ImageRequest));
    let mut none = 1.0;
    for (tactic, c) in [
        (Tactic::SexualContent, 0.5),
        (Tactic::ImageRequest, 0.55),
        (Tactic::Secrecy, 0.5),
        (Tactic::MeetingRequest, 0.45),
        (Tactic::PersonalInfoRequest, 0.25),
        (Tactic::GiftOrMoneyOffer, 0.3),
        (Tactic::Flattery, 0.25),
        (Tactic::PlatformSwitch, 0.3),
    ] {
        none *= 1.0 - c * e(tactic);
    }
    let peer_factor = if peers { 0.5 } else { 1.0 };
    // Without any sign of a minor, grooming stays below `medium` (0.38 < 0.40) however
    // many adult tactics pile up: adults flirt, meet and talk about sex.
    let grooming = (1.0 - none) * (0.38 + 0.62 * minor) * peer_factor;
    Parts { sextortion, lure, grooming }
}

impl Step<'_> {
    fn push(&mut self, msg: &Message<'_>, observer: Option<&mut dyn FnMut(&MessageView<'_>)>) -> Snapshot {
        let index = self.state.messages;
        self.state.messages = self.state.messages.saturating_add(1);
        let slot = self.state.slot(msg.sender);
        let sender = &mut self.state.senders[slot];
        sender.messages = sender.messages.saturating_add(1);

        self.norm.normalize(msg.text);
        self.state.counts.add(&self.norm.counts());
        self.engine.lexicon.scan(self.norm, msg.text, self.matches);
        self.weigh_context(slot);
        let minor_changed = self.record_hits(slot, index, msg.text);
        self.read_indicators(slot, index, msg.text);
        self.rescore(slot, minor_changed);
        self.observe_scorers(index, msg, observer);
        self.conclude(index)
    }

    /// Context: speech about the crime is not the crime; a negation inside a threat is
    /// part of the threat.
    fn weigh_context(&mut self, slot: usize) {
        let lexicon = &self.engine.lexicon;
        let m = &mut *self.matches;
        if m.advisory {
            // A warning, news, advice.
            m.hits.clear();
            m.paid = false;
            let sender = &mut self.state.senders[slot];
            sender.advisory = sender.advisory.saturating_add(1);
        } else if m
            .hits
            .iter()
            .any(|h| matches!(lexicon.rule(h.rule).tactic, Tactic::ThreatExposure | Tactic::ContactsLeverage))
        {
            // "If you don't pay, I will send the video".
            m.hits.append(&mut m.negated);
        }
    }

    /// Adds the message's hits to the sender's tactics; whether the minor signal grew.
    fn record_hits(&mut self, slot: usize, index: u32, text: &str) -> bool {
        self.tactics_seen.clear();
        // First, since an answer about someone else takes back the ages the lexicon read.
        let mut minor_changed = self.answer_age(slot, index, text);
        let lexicon = &self.engine.lexicon;
        let m = &*self.matches;
        let demanded_before = self.state.senders[slot].tactics[Tactic::PaymentDemand.index()].first.is_some();
        // A sender a third of whose messages speak about the crime (a newsdesk, a worried
        // parent) is reporting on it rather than committing it: their hits count half.
        let sender = &self.state.senders[slot];
        let reporting = sender.advisory > 0 && u64::from(sender.advisory) * 3 >= u64::from(sender.messages);
        let other_paid = self.state.paid_by.is_some_and(|who| who != slot);
        let mut repeat: Option<RawHit> = None;
        for hit in &m.hits {
            let rule = lexicon.rule(hit.rule);
            let tactic = rule.tactic;
            match &*rule.language {
                "en" => self.state.latin_votes[0] += 1,
                "vi" => self.state.latin_votes[1] += 1,
                _ => {}
            }
            if tactic == Tactic::RepeatDemand && !(demanded_before || other_paid) {
                // "Not enough" means nothing before any demand or payment.
                continue;
            }
            if tactic == Tactic::PaymentDemand && demanded_before && other_paid && repeat.is_none() {
                repeat = Some(*hit);
            }
            let sender = &mut self.state.senders[slot];
            let word = hit.rule as usize / 64;
            let bit = 1u64 << (hit.rule % 64);
            let new_rule = sender.rules_seen[word] & bit == 0;
            sender.rules_seen[word] |= bit;
            let (s, e) = self.norm.original_span(hit.start as usize, hit.end as usize);
            let ts = &mut sender.tactics[tactic.index()];
            if new_rule {
                let weight = if reporting { rule.weight * 0.5 } else { rule.weight };
                ts.strength = 1.0 - (1.0 - ts.strength) * (1.0 - weight);
                minor_changed |= tactic == Tactic::MinorIndicator;
            }
            record(ts, index, s, e, rule.weight, Source::Rule(hit.rule), text);
            if !self.tactics_seen.contains(&tactic) {
                self.tactics_seen.push(tactic);
            }
        }
        if let Some(hit) = repeat {
            let (s, e) = self.norm.original_span(hit.start as usize, hit.end as usize);
            self.repeat_after_payment(slot, index, s, e, text);
        }
        let asks_age = self.matches.hits.iter().any(|h| lexicon.rule(h.rule).asks_age);
        if asks_age || self.matches.asks_others_age {
            self.state.age_question = Some(AgeQuestion { asker: slot, index, someone_else: !asks_age });
        }
        if self.matches.paid {
            self.state.paid_by = Some(slot);
        }
        minor_changed
    }

    /// Extracts the message's indicators, keeps them, and infers what they mean: a link to
    /// a side-loaded app is `app_install`; an amount or payee from someone who threatened
    /// is `payment_demand`; a known-bad indicator raises the sender's risk.
    fn read_indicators(&mut self, slot: usize, index: u32, text: &str) {
        self.found.clear();
        let language = self.state.language();
        // The lexicon already read the message: a plain message names an account or a gift
        // card only where it moves the chat or asks for money.
        let names_account =
            self.tactics_seen.iter().any(|t| matches!(t, Tactic::PlatformSwitch | Tactic::PaymentDemand));
        self.engine.extractor.extract_hinted(text, language, names_account, self.found, self.extract);
        if self.found.is_empty() {
            return;
        }
        for f in self.found.iter() {
            self.state.keep_indicator(f, slot, index, text);
        }
        let found = std::mem::take(self.found);
        if !self.matches.advisory {
            let sender = &mut self.state.senders[slot];
            sender.listed |= found.iter().any(|f| f.listed.is_some());
            let threatened = sender.tactics[Tactic::ThreatExposure.index()].strength > 0.0
                || sender.tactics[Tactic::ContactsLeverage.index()].strength > 0.0;
            if let Some(f) = found.iter().find(|f| f.flags.contains(&Flag::AppDownload)) {
                self.infer(slot, index, Tactic::AppInstall, 0.6, Inference::AppLink, f, text);
            }
            if threatened && let Some(f) = found.iter().find(|f| f.kind.is_payment()) {
                self.infer(slot, index, Tactic::PaymentDemand, 0.6, Inference::PayeeAfterThreat, f, text);
            }
            if let Some(f) = found.iter().find(|f| f.kind == IndicatorKind::Amount) {
                // The amount reader is the engine's one reading of sums: the lexicons hold
                // no amount patterns of their own.
                let sender = &self.state.senders[slot];
                let demanded_before =
                    sender.tactics[Tactic::PaymentDemand.index()].first.is_some_and(|first| first < index);
                let other_paid = self.state.paid_by.is_some_and(|who| who != slot);
                self.infer(slot, index, Tactic::PaymentDemand, 0.5, Inference::NamesAmount, f, text);
                if demanded_before && other_paid && !self.tactics_seen.contains(&Tactic::RepeatDemand) {
                    self.repeat_after_payment(slot, index, f.start as usize, f.end as usize, text);
                }
            }
        }
        *self.found = found;
    }

    /// A short reply that starts with a number, from someone other than the participant
    /// who asked their age a few messages before, states the replier's age: "how old r
    /// u?" … "13". Asked someone else's age, it states that person's: "아들 몇 살이에요?" …
    /// "13살이요" makes no one in the chat a child. Whether it made the replier a child.
    fn answer_age(&mut self, slot: usize, index: u32, text: &str) -> bool {
        let Some(question) = self.state.age_question else {
            return false;
        };
        if index - question.index > AGE_ANSWER_REACH {
            self.state.age_question = None;
            return false;
        }
        if question.asker == slot || self.matches.advisory {
            return false;
        }
        if question.someone_else {
            // Whatever its form ("13살이요", "중1이요", "7th grade"), a short reply gives
            // that person's age or year: no sign of a minor in it is the replier's.
            if short_answer(self.norm.as_str()) {
                self.state.age_question = None;
                let lexicon = &self.engine.lexicon;
                self.matches.hits.retain(|h| lexicon.rule(h.rule).tactic != Tactic::MinorIndicator);
                self.matches.ages.clear();
            }
            return false;
        }
        let Some((age, start, end)) = age_answer(text, self.norm.as_str()) else {
            return false;
        };
        self.state.age_question = None;
        if self.matches.ages.contains(&age) {
            // "13 yo": the lexicon already read the age.
            return false;
        }
        self.matches.ages.push(age);
        if age >= 18 {
            return false;
        }
        let (s, e) = self.norm.original_span(start, end);
        let why = Inference::AnswersAge;
        let sender = &mut self.state.senders[slot];
        let ts = &mut sender.tactics[Tactic::MinorIndicator.index()];
        if sender.inferred & why.bit() == 0 {
            sender.inferred |= why.bit();
            ts.strength = 1.0 - (1.0 - ts.strength) * (1.0 - ANSWERED_AGE_WEIGHT);
        }
        record(ts, index, s, e, ANSWERED_AGE_WEIGHT, Source::Inferred(why), text);
        if !self.tactics_seen.contains(&Tactic::MinorIndicator) {
            self.tactics_seen.push(Tactic::MinorIndicator);
        }
        true
    }

    /// A demand after the other party said they paid.
    fn repeat_after_payment(&mut self, slot: usize, index: u32, start: usize, end: usize, text: &str) {
        let ts = &mut self.state.senders[slot].tactics[Tactic::RepeatDemand.index()];
        ts.strength = ts.strength.max(0.9);
        record(ts, index, start, end, 0.9, Source::Inferred(Inference::RepeatAfterPayment), text);
        self.tactics_seen.push(Tactic::RepeatDemand);
    }

    /// Records a tactic the engine inferred from an indicator.
    #[allow(clippy::too_many_arguments)]
    fn infer(&mut self, slot: usize, index: u32, tactic: Tactic, weight: f32, why: Inference, f: &Found, text: &str) {
        let sender = &mut self.state.senders[slot];
        let ts = &mut sender.tactics[tactic.index()];
        if sender.inferred & why.bit() == 0 {
            sender.inferred |= why.bit();
            ts.strength = 1.0 - (1.0 - ts.strength) * (1.0 - weight);
        }
        record(ts, index, f.start as usize, f.end as usize, weight, Source::Inferred(why), text);
        if !self.tactics_seen.contains(&tactic) {
            self.tactics_seen.push(tactic);
        }
    }

    /// Scores the sender again, or every sender when what they share (the minor signal,
    /// whether the chat is between peers) changed.
    fn rescore(&mut self, slot: usize, minor_changed: bool) {
        let peers_before = self.state.ages.peers();
        if !self.matches.advisory {
            for &age in &self.matches.ages {
                self.state.ages.add(slot, age);
            }
        }
        let peers = self.state.ages.peers();
        let minor_changed = minor_changed && self.state.recompute_minor();
        if minor_changed || peers != peers_before {
            let minor = self.state.minor;
            for s in &mut self.state.senders {
                s.risk = parts(&s.tactics, minor, peers).listed(s.listed);
            }
        } else {
            let s = &mut self.state.senders[slot];
            s.risk = parts(&s.tactics, self.state.minor, peers).listed(s.listed);
        }
    }

    fn observe_scorers(&mut self, index: u32, msg: &Message<'_>, observer: Option<&mut dyn FnMut(&MessageView<'_>)>) {
        if self.scorers.is_empty() && observer.is_none() {
            return;
        }
        let view = MessageView {
            index,
            sender: msg.sender,
            time: msg.time,
            text: msg.text,
            normalized: self.norm.as_str(),
            tactics: self.tactics_seen,
        };
        if let Some(observer) = observer {
            observer(&view);
        }
        for s in self.scorers.iter_mut() {
            s.observe(&view);
            self.state.model_peak = self.state.model_peak.max(s.probability());
        }
    }

    /// The verdict after message `index`, and the early-warning positions.
    fn conclude(&mut self, index: u32) -> Snapshot {
        if !self.engine.scorers.is_empty() {
            let language = self.state.language();
            // A scorer judges grooming in the languages it learned, unless the participants'
            // own words plainly say it.
            self.state.model_judges =
                self.engine.scorers.iter().any(|s| s.judges(language)) && !self.state.plainly_grooming();
        }
        let mut best = self.state.best().map(|i| self.state.senders[i].risk).unwrap_or_default();
        if self.state.model_judges {
            best = best.without_grooming();
        }
        let lexicon_risk = best.risk();
        self.state.model_led = lexicon_risk < self.state.model_peak;
        let risk_f = lexicon_risk.max(self.state.model_peak).clamp(0.0, 1.0);
        let risk = (risk_f * 100.0).round() as u8;
        let category = if lexicon_risk >= self.state.model_peak { best.category() } else { self.model_category() };
        let level = Level::from_risk(risk);
        if level >= Level::Medium && self.state.first_alert.is_none() {
            self.state.first_alert = Some(index);
        }
        if level >= Level::High && self.state.first_high.is_none() {
            self.state.first_high = Some(index);
        }
        self.state.snapshot = Snapshot { risk, level, category };
        self.state.snapshot
    }

    fn model_category(&self) -> Category {
        self.scorers
            .iter()
            .max_by(|a, b| a.probability().total_cmp(&b.probability()))
            .map_or(Category::None, |s| if s.probability() < CATEGORY_FLOOR { Category::None } else { s.category() })
    }
}

impl ConversationState {
    /// The verdict after the last message.
    pub fn snapshot(&self) -> Snapshot {
        self.state.snapshot
    }

    /// Messages read so far.
    pub fn messages(&self) -> u32 {
        self.state.messages
    }

    /// The conversation's language so far (of the advice, and of the regions phone numbers
    /// are read in).
    pub fn language(&self) -> Language {
        self.state.language()
    }

    /// Bytes this state holds; bounded whatever the number of messages.
    pub fn state_bytes(&self) -> usize {
        use std::mem::size_of;
        let st = &self.state;
        let senders: usize = st
            .senders
            .iter()
            .map(|s| {
                let kept: usize =
                    s.tactics.iter().flat_map(|t| &t.kept).map(|k| size_of::<Kept>() + k.quote.len()).sum();
                size_of::<Sender>() + s.name.len() + s.rules_seen.len() * 8 + kept
            })
            .sum();
        let indicators: usize = st
            .indicators
            .iter()
            .map(|i| {
                let f = &i.found;
                let strings = [&f.platform, &f.region, &f.currency, &f.name, &f.listed]
                    .iter()
                    .map(|s| s.as_ref().map_or(0, String::len))
                    .sum::<usize>();
                size_of::<SeenIndicator>() + f.value.len() + i.raw.len() + strings + f.flags.len()
            })
            .sum();
        let scorers: usize = self.scorers.iter().map(|s| s.state_bytes()).sum();
        size_of::<State>() + senders + indicators + st.ages.statements.capacity() * size_of::<(usize, u8)>() + scorers
    }

    /// The full assessment after the last message; `engine` must be the one that read
    /// the messages.
    pub fn assessment(&self, engine: &Engine, id: &str) -> Assessment {
        let st = &self.state;
        let snap = st.snapshot;
        let model = self.scorers.iter().map(|s| s.evidence()).collect::<Vec<_>>();
        let led_by =
            |e: &ScorerEvidence| e.sender.as_deref().and_then(|n| st.senders.iter().position(|s| &*s.name == n));
        let suspect = if snap.category == Category::None {
            None
        } else if st.model_led {
            model.iter().max_by(|a, b| a.probability.total_cmp(&b.probability)).and_then(led_by).or_else(|| st.best())
        } else {
            st.best()
        };
        let victim = suspect.and_then(|s| {
            st.senders
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != s)
                .max_by_key(|&(i, x)| (x.messages, std::cmp::Reverse(i)))
                .map(|(_, x)| x.name.to_string())
        });
        let stages = suspect.map_or_else(Vec::new, |s| {
            let mut v: Vec<(u32, Tactic)> =
                Tactic::ALL.iter().filter_map(|&t| st.senders[s].tactics[t.index()].first.map(|f| (f, t))).collect();
            v.sort_unstable();
            v.into_iter().map(|(_, t)| t).collect()
        });
        let mut tactics = Vec::new();
        for s in &st.senders {
            for &t in Tactic::ALL {
                for k in &s.tactics[t.index()].kept {
                    tactics.push(Evidence {
                        tactic: t,
                        message: k.message,
                        sender: s.name.to_string(),
                        start: k.start,
                        end: k.end,
                        reason: match k.source {
                            Source::Rule(r) => engine.lexicon.rule(r).reason.to_string(),
                            Source::Inferred(why) => why.reason().to_owned(),
                        },
                        quote: k.quote.to_string(),
                    });
                }
            }
        }
        tactics.sort_by_key(|a| (a.message, a.start, a.tactic));
        let minor = st.minor >= 0.5;
        let language = st.language();
        let advice = engine.advice.advise(language, snap.category, &stages, minor);
        Assessment {
            id: id.to_owned(),
            messages: st.messages,
            category: snap.category,
            level: snap.level,
            risk: snap.risk,
            suspect: suspect.map(|s| st.senders[s].name.to_string()),
            victim,
            minor,
            language,
            stages,
            tactics,
            first_alert_message: st.first_alert,
            first_high_message: st.first_high,
            advice,
            model,
            indicators: st
                .indicators
                .iter()
                .map(|i| Indicator {
                    found: i.found.clone(),
                    raw: i.raw.to_string(),
                    message: i.message,
                    sender: st.senders[i.sender].name.to_string(),
                    count: i.count,
                })
                .collect(),
        }
    }
}

fn record(ts: &mut TacticState, message: u32, start: usize, end: usize, weight: f32, source: Source, text: &str) {
    ts.first.get_or_insert(message);
    if ts.kept.iter().any(|k| k.message == message && k.start == start as u32 && k.end == end as u32) {
        // The same words matched by rules of two languages: one quote is enough.
        return;
    }
    if ts.kept.len() == EVIDENCE_PER_TACTIC {
        // Keep the strongest quotes; among equals, the earliest.
        let Some((i, weakest)) =
            ts.kept.iter().enumerate().min_by(|a, b| a.1.weight.total_cmp(&b.1.weight).then(b.0.cmp(&a.0)))
        else {
            return;
        };
        if weakest.weight >= weight {
            return;
        }
        ts.kept.remove(i);
    }
    ts.kept.push(Kept {
        message,
        start: start as u32,
        end: end as u32,
        weight,
        source,
        quote: {
            let quote = &text[start..end];
            quote[..quote.floor_char_boundary(MAX_QUOTE)].into()
        },
    });
    ts.kept.sort_by_key(|k| (k.message, k.start));
}
