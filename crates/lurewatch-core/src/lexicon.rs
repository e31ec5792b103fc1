//! Tactic lexicons: data files compiled once into one automaton.
//!
//! A lexicon file (TOML, one per language) lists rules. A rule names a tactic, a weight in
//! `0..=1` and a short human reason, and matches either
//!
//! - `terms = [...]`: any one of the terms,
//! - `all = [[...], [...]]`: one term of every group, in any order (or in the given order
//!   with `ordered = true`), all within `window` bytes of normalised text (default 100), or
//! - `regex = '...'`: a regular expression over the normalised text, for ages, amounts and
//!   similar: regexes only look at the stretch from 32 bytes before to 24 bytes after each
//!   number, so a match must contain or sit next to a digit; `\b` is an ASCII word
//!   boundary (normalised Latin text is ASCII). A regex with
//!   a group named `age` states an age: the age is reported in
//!   [`MessageMatches::ages`], and the rule only hits when the age is under 18.
//!
//! `unless = [...]` vetoes the rule when one of its terms is within the window.
//! `negatable = false` keeps the rule when a negation precedes it (secrecy is phrased as a
//! negation: "don't tell"; a threat as a promise: "pay and i won't send it"), except a
//! negation that opens the sentence right before the hit, an order not to do it ("never
//! send nudes, they end up online"); by default a negation just before a hit ("don't pay",
//! "别下载") cancels it.
//!
//! Terms are normalised with [`crate::normalize`] before compilation, so they may be
//! written in any case, with diacritics, in traditional or simplified Chinese. Latin terms
//! match whole words; `*` at the start or end of a term lets it match inside a word
//! (`nude*` matches "nudes", "nudity"). Hangul terms with spaces also match without them,
//! and with two or three spaces also without some of them ("돈 안보내면" for "돈 안 보내면"),
//! and one-word Hangul terms also match spelled out syllable by syllable (Korean spacing is
//! loose, and "몸 캠" dodges filters).
//!
//! The `[context]` table lists `negation` terms (and `negation_after` for languages that
//! negate after the verb, like Korean "보내지 마세요"), `advisory` terms (speech about the crime
//! rather than the crime: "scammers", "警方提醒", "police warn"), `paid` terms (the
//! other party says they paid, which turns a later demand into a repeat demand) and
//! `reported` terms: the way someone starts to retell another's words ("he was like",
//! "他说"). A `reported` term followed by a comma, a colon or a quotation mark opens a quote
//! that runs to the end of its sentence; what the lexicon finds inside is not the writer's.
//! `reported_after` terms close such a quote, for languages that mark retold speech after
//! it (Korean "뿌린다고 해요", "they say they will spread it"): a term that follows a word
//! at once makes its sentence, up to the term, someone else's words.
//! `retelling` terms show the writer telling of a threat made to them rather than making
//! it ("unless i pay", "told me to pay", "让我转账", "đòi em chuyển"): threats and claims
//! to hold the contacts within 80 bytes of one are not the writer's.
//! `denial` terms are advisory words in the crime's own mouth: denying being what an
//! advisory term names ("not a scam", "我不是骗子"), warning the victim ("last warning"),
//! daring them to go to the police ("报警也没用"). An advisory term inside one does not make
//! the message advisory, nor does one inside a handle, link or address ("$scamking99").
//! `order_ends` terms end an order not to share intimate images, which is otherwise advice
//! to the end of its sentence ("别把裸照发给任何人，会传到网上让所有人看到"): a condition
//! ("don't go or i send it", "不然") or the writer speaking for themselves ("别逼我发…").
//! `not_negation` terms are words that hold a negation term without negating: Korean "안"
//! (not) is in "안녕" (hello) and "안전" (safe), "못" (cannot) in "잘못" (a mistake).
//!
//! A rule with `asks_age = true` asks the other party's age ("how old r u", "몇 살이야"):
//! the engine then reads a short reply from another participant that starts with a number
//! or a year at school ("13", "13 u?", "初一") as that participant's stated age (see
//! [`age_answer`]). Its `unless`
//! terms name someone else ("how old is your son", "아들 몇 살이에요"): a question they veto
//! asks a third person's age ([`MessageMatches::asks_others_age`]), and the engine reads a
//! short reply to it ("13살이요", "중1이요") as that person's age or year, not the
//! replier's.
//!
//! ```
//! use lurewatch_core::lexicon::LexiconBuilder;
//!
//! let lexicon = LexiconBuilder::new()
//!     .source("extra", r#"
//!         language = "en"
//!         [[rule]]
//!         tactic = "app_install"
//!         weight = 0.8
//!         reason = "names a known trojan chat app"
//!         terms = ["lovechat pro"]
//!     "#)
//!     .unwrap()
//!     .build()
//!     .unwrap();
//! assert_eq!(lexicon.rule_count(), 1);
//! ```

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexSet};
use serde::Deserialize;

use crate::normalize::{Normalized, is_han, is_hangul, normalize, simplify};
use crate::tactic::Tactic;

/// The lexicons shipped with lurewatch, as `(name, TOML text)`.
pub const DEFAULT_SOURCES: &[(&str, &str)] = &[
    ("en", include_str!("../lexicon/en.toml")),
    ("zh", include_str!("../lexicon/zh.toml")),
    ("ko", include_str!("../lexicon/ko.toml")),
    ("vi", include_str!("../lexicon/vi.toml")),
];

const DEFAULT_WINDOW: u32 = 100;
/// How far (in normalised bytes) a negation reaches forward: a few words or characters.
const NEGATION_REACH: u32 = 15;

/// Spaces in a Hangul term up to which every way of keeping or leaving them out is matched.
const HANGUL_SPACINGS: usize = 3;

/// How far from a threat, in normalised bytes, a `retelling` term shows that the writer is
/// its target telling of it.
const RETELLING_REACH: u32 = 80;
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Ages outside this range are not ages ("im 2 tired", "im 100 sure").
const AGES: std::ops::RangeInclusive<u8> = 8..=79;

/// A lexicon that cannot be compiled; the message names the source and rule.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// The TOML text does not parse or does not fit the schema.
    #[error("lexicon `{source_name}`: {message}")]
    Parse {
        /// Name of the source.
        source_name: String,
        /// What the parser said.
        message: String,
    },
    /// A rule is well-formed TOML but makes no sense.
    #[error("lexicon `{source_name}`, rule {rule} ({tactic}): {message}")]
    Rule {
        /// Name of the source.
        source_name: String,
        /// 1-based position of the rule in its file.
        rule: usize,
        /// The rule's tactic.
        tactic: Tactic,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The automaton could not be built.
    #[error("lexicon automaton: {0}")]
    Build(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    language: String,
    #[serde(default)]
    context: ContextSpec,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSpec {
    #[serde(default)]
    negation: Vec<String>,
    #[serde(default)]
    negation_after: Vec<String>,
    #[serde(default)]
    advisory: Vec<String>,
    #[serde(default)]
    paid: Vec<String>,
    #[serde(default)]
    reported: Vec<String>,
    #[serde(default)]
    reported_after: Vec<String>,
    #[serde(default)]
    retelling: Vec<String>,
    #[serde(default)]
    denial: Vec<String>,
    #[serde(default)]
    order_ends: Vec<String>,
    #[serde(default)]
    not_negation: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    tactic: Tactic,
    weight: f32,
    reason: String,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    all: Vec<Vec<String>>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    unless: Vec<String>,
    #[serde(default)]
    window: Option<u32>,
    #[serde(default)]
    ordered: bool,
    #[serde(default)]
    negatable: Option<bool>,
    #[serde(default)]
    asks_age: bool,
}

/// Index of a compiled rule.
pub type RuleId = u32;

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The tactic the rule detects.
    pub tactic: Tactic,
    /// Weight of one hit, `0..=1`.
    pub weight: f32,
    /// Short human reason shown with the evidence.
    pub reason: Box<str>,
    /// The `language` of the file the rule came from (`en`, `zh`, `ko`, `vi`, …).
    pub language: Box<str>,
    /// The rule asks the other party's age: a bare number in the reply is their age
    /// (see [`age_answer`]).
    pub asks_age: bool,
    groups: u8,
    window: u32,
    ordered: bool,
    negatable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ContextKind {
    Negation,
    NegationAfter,
    Advisory,
    Paid,
    Reported,
    ReportedAfter,
    Retelling,
    Denial,
    OrderEnds,
    NotNegation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Membership {
    Group { rule: RuleId, group: u8 },
    Unless { rule: RuleId },
    Context(ContextKind),
}

#[derive(Debug, Clone)]
struct Pattern {
    left: bool,
    right: bool,
    joined_only: bool,
    members: Vec<Membership>,
}

/// Collects lexicon sources and compiles them.
#[derive(Debug, Default)]
pub struct LexiconBuilder {
    patterns: Vec<(String, Pattern)>,
    index: HashMap<(String, bool, bool, bool), usize>,
    rules: Vec<Rule>,
    regexes: Vec<(String, RuleId)>,
}

impl LexiconBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with the shipped lexicons already added.
    pub fn with_defaults() -> Self {
        let mut b = Self::new();
        for (name, text) in DEFAULT_SOURCES {
            b = b.source(name, text).unwrap_or_else(|e| panic!("shipped lexicon is invalid: {e}"));
        }
        b
    }

    /// Adds one lexicon file's text; `name` appears in error messages.
    pub fn source(mut self, name: &str, text: &str) -> Result<Self, LexiconError> {
        let spec: FileSpec = toml::from_str(text)
            .map_err(|e| LexiconError::Parse { source_name: name.to_owned(), message: e.to_string() })?;
        for (kind, terms) in [
            (ContextKind::Negation, &spec.context.negation),
            (ContextKind::NegationAfter, &spec.context.negation_after),
            (ContextKind::Advisory, &spec.context.advisory),
            (ContextKind::Paid, &spec.context.paid),
            (ContextKind::Reported, &spec.context.reported),
            (ContextKind::ReportedAfter, &spec.context.reported_after),
            (ContextKind::Retelling, &spec.context.retelling),
            (ContextKind::Denial, &spec.context.denial),
            (ContextKind::OrderEnds, &spec.context.order_ends),
            (ContextKind::NotNegation, &spec.context.not_negation),
        ] {
            for term in terms {
                self.add_term(term, Membership::Context(kind)).map_err(|message| LexiconError::Parse {
                    source_name: name.to_owned(),
                    message: format!("context term {term:?}: {message}"),
                })?;
            }
        }
        for (i, rule) in spec.rules.into_iter().enumerate() {
            let tactic = rule.tactic;
            self.add_rule(rule, &spec.language).map_err(|message| LexiconError::Rule {
                source_name: name.to_owned(),
                rule: i + 1,
                tactic,
                message,
            })?;
        }
        Ok(self)
    }

    fn add_rule(&mut self, spec: RuleSpec, language: &str) -> Result<(), String> {
        if !(spec.weight > 0.0 && spec.weight <= 1.0) {
            return Err(format!("weight {} must be in (0, 1]", spec.weight));
        }
        if spec.reason.trim().is_empty() {
            return Err("reason must not be empty: say in a few words what the hit means".into());
        }
        let mut groups = spec.all;
        if !spec.terms.is_empty() {
            groups.insert(0, spec.terms);
        }
        let kinds = usize::from(!groups.is_empty()) + usize::from(spec.regex.is_some());
        if kinds != 1 {
            return Err("give exactly one of `terms`, `all` or `regex`".into());
        }
        if groups.len() > 8 {
            return Err("at most 8 groups in `all`".into());
        }
        if groups.iter().any(Vec::is_empty) {
            return Err("every group in `all` needs at least one term".into());
        }
        let id = RuleId::try_from(self.rules.len()).map_err(|_| "too many rules".to_owned())?;
        let negatable = spec.negatable.unwrap_or(!matches!(
            spec.tactic,
            Tactic::Secrecy
                | Tactic::ThreatExposure
                | Tactic::ContactsLeverage
                | Tactic::Urgency
                | Tactic::MinorIndicator
                | Tactic::RepeatDemand
        ));
        self.rules.push(Rule {
            tactic: spec.tactic,
            weight: spec.weight,
            reason: spec.reason.into(),
            language: language.into(),
            asks_age: spec.asks_age,
            groups: groups.len().max(1) as u8,
            window: spec.window.unwrap_or(DEFAULT_WINDOW),
            ordered: spec.ordered,
            negatable,
        });
        if let Some(re) = spec.regex {
            // Regexes run on normalised text: fold their Han characters the same way. Word
            // boundaries are ASCII ones (Latin text is ASCII once normalised), which keeps
            // the regexes on the fast automata even over Chinese or Korean text.
            let re: String = re.chars().map(simplify).collect::<String>().replace(r"\b", r"(?-u:\b)");
            regex::RegexBuilder::new(&re)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| format!("regex does not compile: {e}"))?;
            self.regexes.push((re, id));
        }
        for (g, terms) in groups.iter().enumerate() {
            for term in terms {
                self.add_term(term, Membership::Group { rule: id, group: g as u8 })
                    .map_err(|m| format!("term {term:?}: {m}"))?;
            }
        }
        for term in &spec.unless {
            self.add_term(term, Membership::Unless { rule: id }).map_err(|m| format!("unless term {term:?}: {m}"))?;
        }
        Ok(())
    }

    fn add_term(&mut self, raw: &str, member: Membership) -> Result<(), String> {
        let (left_wild, rest) = match raw.strip_prefix('*') {
            Some(r) => (true, r),
            None => (false, raw),
        };
        let (right_wild, body) = match rest.strip_suffix('*') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let text = normalize(body);
        if text.is_empty() {
            return Err("is empty after normalisation".into());
        }
        let left = !left_wild && text.as_bytes()[0].is_ascii_alphanumeric();
        let right = !right_wild && text.as_bytes()[text.len() - 1].is_ascii_alphanumeric();
        self.push_pattern(text.clone(), left, right, false, member);
        if text.contains(' ') {
            let compact: String = text.chars().filter(|&c| c != ' ').collect();
            let hangul = text.chars().any(|c| matches!(c as u32, 0xAC00..=0xD7A3));
            // Korean spacing is loose; Latin words written without spaces only count when the
            // sender spelled them out letter by letter ("s e n d n u d e s").
            self.push_pattern(compact, left, right, !hangul, member);
            // Some spaces kept and some left out, too: "돈 안보내면" for "돈 안 보내면". A term
            // with many spaces gets only the two spellings above.
            let spaces: Vec<usize> = text.match_indices(' ').map(|(i, _)| i).collect();
            if hangul && (2..=HANGUL_SPACINGS).contains(&spaces.len()) {
                for kept in 1..(1u32 << spaces.len()) - 1 {
                    let variant: String = text
                        .char_indices()
                        .filter(|&(i, _)| spaces.binary_search(&i).map_or(true, |k| kept & (1 << k) != 0))
                        .map(|(_, c)| c)
                        .collect();
                    self.push_pattern(variant, left, right, false, member);
                }
            }
        } else if text.chars().count() >= 2 && text.chars().all(|c| matches!(c as u32, 0xAC00..=0xD7A3)) {
            // Korean written syllable by syllable to dodge filters: "몸 캠".
            let spaced = text.chars().map(String::from).collect::<Vec<_>>().join(" ");
            self.push_pattern(spaced, left, right, false, member);
        }
        Ok(())
    }

    fn push_pattern(&mut self, text: String, left: bool, right: bool, joined_only: bool, m: Membership) {
        let key = (text, left, right, joined_only);
        let idx = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.patterns.len();
                self.patterns.push((key.0.clone(), Pattern { left, right, joined_only, members: Vec::new() }));
                self.index.insert(key, i);
                i
            }
        };
        let members = &mut self.patterns[idx].1.members;
        if !members.contains(&m) {
            members.push(m);
        }
    }

    /// Compiles the lexicon.
    pub fn build(self) -> Result<Lexicon, LexiconError> {
        // One automaton per script: Latin terms (ASCII once normalised) make a DFA that is
        // small enough to stay in cache; Chinese, Korean and other terms each get their own,
        // run only on messages with such characters.
        // Words run together ("sendnudes") only count where the sender spelled them out
        // letter by letter, which is rare: they get a third automaton, run only then.
        let (joined, rest): (Vec<usize>, Vec<usize>) =
            (0..self.patterns.len()).partition(|&i| self.patterns[i].1.joined_only);
        let (ascii, other): (Vec<usize>, Vec<usize>) = rest.into_iter().partition(|&i| self.patterns[i].0.is_ascii());
        let has = |i: &usize, f: fn(u32) -> bool| self.patterns[*i].0.chars().any(|c| f(c as u32));
        let (han, other): (Vec<usize>, Vec<usize>) = other.into_iter().partition(|i| has(i, is_han));
        let (hangul, other): (Vec<usize>, Vec<usize>) = other.into_iter().partition(|i| has(i, is_hangul));
        let ascii = Automaton::new(&self.patterns, ascii)?;
        let han = Automaton::new(&self.patterns, han)?;
        let hangul = Automaton::new(&self.patterns, hangul)?;
        let other = Automaton::new(&self.patterns, other)?;
        let joined = Automaton::new(&self.patterns, joined)?;
        let regex_set = RegexSet::new(self.regexes.iter().map(|(r, _)| r.as_str()))
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        let regexes = self
            .regexes
            .iter()
            .map(|(r, id)| {
                let re = Regex::new(r).map_err(|e| LexiconError::Build(e.to_string()))?;
                let age = re.capture_names().position(|n| n == Some("age"));
                Ok((re, *id, age))
            })
            .collect::<Result<Vec<_>, LexiconError>>()?;
        let max_term = self.patterns.iter().map(|(t, _)| t.len()).max().unwrap_or(0) as u32;
        let ascii_terms_have_alnum =
            ascii.ids.iter().all(|&i| self.patterns[i].0.bytes().any(|b| b.is_ascii_alphanumeric()));
        Ok(Lexicon {
            max_term,
            ascii_terms_have_alnum,
            ascii,
            han,
            hangul,
            other,
            joined,
            patterns: self.patterns.into_iter().map(|(_, p)| p).collect(),
            rules: self.rules,
            regex_set,
            regexes,
        })
    }
}

/// An Aho-Corasick DFA over some of the patterns, with their global indexes.
#[derive(Debug, Clone)]
struct Automaton {
    ac: AhoCorasick,
    ids: Vec<usize>,
}

impl Automaton {
    fn new(patterns: &[(String, Pattern)], ids: Vec<usize>) -> Result<Automaton, LexiconError> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(ids.iter().map(|&i| patterns[i].0.as_str()))
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        Ok(Automaton { ac, ids })
    }
}

/// A compiled lexicon: every term of every language, in two automata.
#[derive(Debug, Clone)]
pub struct Lexicon {
    ascii: Automaton,
    han: Automaton,
    hangul: Automaton,
    other: Automaton,
    joined: Automaton,
    /// Length in bytes of the longest term.
    max_term: u32,
    /// Whether every Latin term has a letter or digit, so that text without any can skip
    /// the Latin automaton.
    ascii_terms_have_alnum: bool,
    patterns: Vec<Pattern>,
    rules: Vec<Rule>,
    regex_set: RegexSet,
    regexes: Vec<(Regex, RuleId, Option<usize>)>,
}

/// A rule that matched in one message, with its span in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawHit {
    /// The rule.
    pub rule: RuleId,
    /// Start byte in the normalised text.
    pub start: u32,
    /// End byte in the normalised text.
    pub end: u32,
    /// The age stated, for rules that capture one.
    pub age: Option<u8>,
}

/// Everything the lexicon found in one message.
#[derive(Debug, Default, Clone)]
pub struct MessageMatches {
    /// Tactic hits after vetoes and negation.
    pub hits: Vec<RawHit>,
    /// The message speaks about the crime (a warning, news, advice) rather than committing it.
    pub advisory: bool,
    /// The sender says they paid.
    pub paid: bool,
    /// Hits cancelled by a preceding negation ("don't pay").
    pub negated: Vec<RawHit>,
    /// Ages stated in the message (any age, adult or not).
    pub ages: Vec<u8>,
    /// The message asks someone else's age ("how old is your son"): an `asks_age` rule hit
    /// that its `unless` terms vetoed.
    pub asks_others_age: bool,
    group_hits: Vec<(RuleId, u8, u32, u32)>,
    unless: Vec<(RuleId, u32, u32)>,
    negations: Vec<(u32, u32)>,
    negations_after: Vec<u32>,
    /// Spans of `reported` terms in the normalised text, then of the quotes they open in
    /// the original.
    reported: Vec<(u32, u32)>,
    /// Spans of `reported_after` terms in the normalised text, then of the quotes they close
    /// in the original.
    reported_after: Vec<(u32, u32)>,
    /// Starts of `retelling` terms: the writer tells of a threat made to them.
    retelling: Vec<u32>,
    /// Starts of `order_ends` terms: a condition or the writer's own voice ends an order not
    /// to do something.
    order_ends: Vec<u32>,
    /// Spans of `advisory` terms and of `denial` terms ("not a scam"), which take back the
    /// advisory terms inside them.
    advisories: Vec<(u32, u32)>,
    denials: Vec<(u32, u32)>,
    /// Spans of `not_negation` terms: words that hold a negation without negating.
    not_negations: Vec<(u32, u32)>,
    regex_matched: Vec<bool>,
}

impl Lexicon {
    /// The shipped lexicons, compiled.
    pub fn default_lexicon() -> Lexicon {
        LexiconBuilder::with_defaults().build().unwrap_or_else(|e| panic!("shipped lexicon does not compile: {e}"))
    }

    /// Number of rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Heap bytes used by the compiled automaton and regexes (the regexes' lazy caches
    /// excluded).
    pub fn memory_usage(&self) -> usize {
        [&self.ascii, &self.han, &self.hangul, &self.other, &self.joined]
            .iter()
            .map(|a| a.ac.memory_usage())
            .sum::<usize>()
            + self.patterns.len() * std::mem::size_of::<Pattern>()
    }

    /// Number of distinct compiled terms.
    pub fn term_count(&self) -> usize {
        self.patterns.len()
    }

    /// A rule by id.
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.rules[id as usize]
    }

    /// Finds every rule that matches the normalised message; `original` is the text `norm`
    /// was made from (quotes are told by punctuation the normalised text no longer has).
    pub fn scan(&self, norm: &Normalized, original: &str, out: &mut MessageMatches) {
        out.hits.clear();
        out.negated.clear();
        out.ages.clear();
        out.group_hits.clear();
        out.unless.clear();
        out.negations.clear();
        out.negations_after.clear();
        out.reported.clear();
        out.reported_after.clear();
        out.retelling.clear();
        out.order_ends.clear();
        out.advisories.clear();
        out.denials.clear();
        out.not_negations.clear();
        out.advisory = false;
        out.paid = false;
        out.asks_others_age = false;
        let text = norm.as_str();
        let bytes = text.as_bytes();
        // Each script's terms only where the message has that script.
        let counts = norm.counts();
        // Latin terms need a Latin letter or a digit in the message (Chinese and Korean
        // messages often have none).
        let first_digit = bytes.iter().position(u8::is_ascii_digit);
        let latin = counts.latin > 0 || !self.ascii_terms_have_alnum || first_digit.is_some();
        let automata = [
            latin.then_some(&self.ascii),
            (counts.han > 0).then_some(&self.han),
            (counts.hangul > 0).then_some(&self.hangul),
            (!self.other.ids.is_empty() && !text.is_ascii()).then_some(&self.other),
            norm.has_joined().then_some(&self.joined),
        ];
        for (automaton, m) in
            automata.iter().flatten().flat_map(|a| a.ac.find_overlapping_iter(text).map(move |m| (a, m)))
        {
            let p = &self.patterns[automaton.ids[m.pattern().as_usize()]];
            let (s, e) = (m.start(), m.end());
            if p.joined_only && !norm.is_joined(s, e) {
                continue;
            }
            let left_ok = !p.left || s == 0 || !bytes[s - 1].is_ascii_alphanumeric() || norm.is_joined(s - 1, s + 1);
            let right_ok =
                !p.right || e == bytes.len() || !bytes[e].is_ascii_alphanumeric() || norm.is_joined(e - 1, e + 1);
            if !(left_ok && right_ok) {
                continue;
            }
            let (s, e) = (s as u32, e as u32);
            for member in &p.members {
                match *member {
                    Membership::Group { rule, group } => out.group_hits.push((rule, group, s, e)),
                    Membership::Unless { rule } => out.unless.push((rule, s, e)),
                    Membership::Context(ContextKind::Negation) => out.negations.push((s, e)),
                    Membership::Context(ContextKind::NegationAfter) => out.negations_after.push(s),
                    Membership::Context(ContextKind::Advisory) => out.advisories.push((s, e)),
                    Membership::Context(ContextKind::Denial) => out.denials.push((s, e)),
                    Membership::Context(ContextKind::Paid) => out.paid = true,
                    Membership::Context(ContextKind::Reported) => out.reported.push((s, e)),
                    Membership::Context(ContextKind::ReportedAfter) => out.reported_after.push((s, e)),
                    Membership::Context(ContextKind::Retelling) => out.retelling.push(s),
                    Membership::Context(ContextKind::OrderEnds) => out.order_ends.push(s),
                    Membership::Context(ContextKind::NotNegation) => out.not_negations.push((s, e)),
                }
            }
        }
        if !out.not_negations.is_empty() {
            self.drop_false_negations(out);
        }
        if !out.advisories.is_empty() {
            out.advisories.retain(|&(s, e)| !inside_a_name(norm, original, s, e));
        }
        out.advisory = self.advisory(out);
        self.resolve_groups(out);
        if first_digit.is_some() && !self.regexes.is_empty() {
            let mut at = 0;
            while let Some((from, to)) = digit_window(text, at) {
                self.scan_regexes(&text[..to], from, out);
                at = to;
            }
        }
        self.apply_context(norm, original, out);
        if !(out.reported.is_empty() && out.reported_after.is_empty()) {
            drop_retold(norm, original, out);
        }
        // Ages that survived the vetoes are reported; only those under 18 are hits.
        out.ages.extend(out.hits.iter().filter_map(|h| h.age));
        out.hits.retain(|h| h.age.is_none_or(|a| a < 18));
    }

    /// Whether an advisory term is outside every denial ("this is not a scam" is no
    /// warning: a scammer says it to be believed).
    fn advisory(&self, out: &mut MessageMatches) -> bool {
        let MessageMatches { advisories, denials, .. } = out;
        if denials.is_empty() {
            return !advisories.is_empty();
        }
        denials.sort_unstable();
        advisories.iter().any(|&(s, e)| !self.inside_one_of(denials, s, e))
    }

    /// Drops the negations inside a `not_negation` term ("안" in "안녕", hello).
    fn drop_false_negations(&self, out: &mut MessageMatches) {
        let MessageMatches { negations, not_negations, .. } = out;
        not_negations.sort_unstable();
        negations.retain(|&(s, e)| !self.inside_one_of(not_negations, s, e));
    }

    /// Whether the term at `s..e` lies inside one of the sorted term spans `outer`. One
    /// that holds it starts at most `max_term` bytes before it ends, so the check is a
    /// binary search and a short scan: a message full of both costs n log n, not n².
    fn inside_one_of(&self, outer: &[(u32, u32)], s: u32, e: u32) -> bool {
        let from = outer.partition_point(|&(os, _)| os + self.max_term < e);
        outer[from..].iter().take_while(|&&(os, _)| os <= s).any(|&(_, oe)| e <= oe)
    }

    /// Runs the regexes over `hay[from..]`; assertions still see the text before `from`.
    fn scan_regexes(&self, hay: &str, from: usize, out: &mut MessageMatches) {
        out.regex_matched.clear();
        out.regex_matched.resize(self.regexes.len(), false);
        if !self.regex_set.matches_read_at(&mut out.regex_matched, hay, from) {
            return;
        }
        for i in (0..self.regexes.len()).filter(|&i| out.regex_matched[i]) {
            let (re, rule, age_group) = &self.regexes[i];
            let mut pos = from;
            while pos <= hay.len() {
                let (m, age) = match age_group {
                    None => match re.find_at(hay, pos) {
                        Some(m) => (m, None),
                        None => break,
                    },
                    Some(g) => match re.captures_at(hay, pos) {
                        Some(c) => {
                            let Some(m) = c.get(0) else { break };
                            (m, c.get(*g).and_then(|a| a.as_str().parse::<u8>().ok()))
                        }
                        None => break,
                    },
                };
                // Step past the match; an empty match steps one character.
                pos = if m.end() > m.start() {
                    m.end()
                } else {
                    m.end() + hay[m.end()..].chars().next().map_or(1, char::len_utf8)
                };
                if m.start() == m.end() || (age_group.is_some() && !age.is_some_and(|a| AGES.contains(&a))) {
                    continue;
                }
                out.hits.push(RawHit { rule: *rule, start: m.start() as u32, end: m.end() as u32, age });
            }
        }
    }

    /// Turns term hits into rule hits: single-group rules hit on every term; multi-group
    /// rules hit once, on the shortest stretch that holds a term of every group.
    fn resolve_groups(&self, out: &mut MessageMatches) {
        let gh = &mut out.group_hits;
        gh.sort_unstable_by_key(|&(r, _, s, e)| (r, s, std::cmp::Reverse(e)));
        let mut i = 0;
        while i < gh.len() {
            let rule_id = gh[i].0;
            let mut j = i;
            while j < gh.len() && gh[j].0 == rule_id {
                j += 1;
            }
            let rule = &self.rules[rule_id as usize];
            let hits = &gh[i..j];
            if rule.groups == 1 {
                // Keep non-overlapping hits, the longest at each place.
                let mut last_end = 0;
                for &(_, _, s, e) in hits {
                    if s >= last_end || last_end == 0 {
                        out.hits.push(RawHit { rule: rule_id, start: s, end: e, age: None });
                        last_end = e;
                    }
                }
            } else if let Some((s, e)) = cover(hits, rule.groups, rule.window, rule.ordered) {
                out.hits.push(RawHit { rule: rule_id, start: s, end: e, age: None });
            }
            i = j;
        }
    }

    /// Drops vetoed hits and moves negated ones aside. Everything is sorted first and each
    /// check is a binary search: a message full of negations or vetoes costs n log n, not n².
    fn apply_context(&self, norm: &Normalized, original: &str, out: &mut MessageMatches) {
        let MessageMatches {
            hits,
            negated,
            unless,
            negations,
            negations_after,
            asks_others_age,
            retelling,
            order_ends,
            ..
        } = out;
        unless.sort_unstable_by_key(|&(r, s, _)| (r, s));
        retelling.sort_unstable();
        negations.sort_unstable_by_key(|&(_, e)| e);
        negations_after.sort_unstable();
        let advice =
            if negations.is_empty() { Vec::new() } else { self.advice(norm, original, hits, negations, order_ends) };
        hits.retain(|h| {
            let rule = &self.rules[h.rule as usize];
            // A veto of this rule overlapping the window around the hit; a veto term ends at
            // most `max_term` bytes after it starts.
            let lo = h.start.saturating_sub(rule.window + self.max_term);
            let from = unless.partition_point(|&(r, s, _)| (r, s) < (h.rule, lo));
            let vetoed = unless[from..]
                .iter()
                .take_while(|&&(r, s, _)| r == h.rule && s <= h.end + rule.window)
                .any(|&(_, _, e)| e + rule.window >= h.start);
            if vetoed {
                *asks_others_age |= rule.asks_age;
                return false;
            }
            if matches!(rule.tactic, Tactic::ThreatExposure | Tactic::ContactsLeverage) {
                // The writer tells of a threat made to them: "she says she will send the
                // video to everyone unless i pay".
                let from = retelling.partition_point(|&s| s + RETELLING_REACH < h.start);
                if retelling.get(from).is_some_and(|&s| s <= h.end + RETELLING_REACH) {
                    return false;
                }
            }
            if !rule.negatable {
                // Even a threat is taken back by an order not to do it: "never send nudes,
                // they can end up on the internet" is advice, "pay and i wont send it" a threat.
                if rule.tactic != Tactic::Secrecy
                    && (ordered_not_to(norm, original, negations, h.start) || {
                        let (start, _) = norm.original_span(h.start as usize, h.end as usize);
                        advice.iter().any(|&(from, to)| (from..to).contains(&start))
                    })
                {
                    negated.push(*h);
                    return false;
                }
                return true;
            }
            let from = negations.partition_point(|&(_, e)| e < h.start.saturating_sub(NEGATION_REACH));
            let before = negations[from..].iter().take_while(|&&(_, e)| e <= h.start).any(|&(s, _)| s < h.start);
            let from = negations_after.partition_point(|&s| s < h.start);
            let after = negations_after.get(from).is_some_and(|&s| s <= h.end + NEGATION_REACH);
            if before || after {
                negated.push(*h);
                return false;
            }
            true
        });
    }

    /// The stretches of the original text that an order not to share intimate images
    /// governs, as advice: "别把裸照发给任何人，会传到网上让所有人看到", "never send nudes to
    /// anyone, they end up in front of your whole school". Each runs from a negation that
    /// opens its sentence, with a sexual or image-request hit right after it, to the end of
    /// the sentence or to an `order_ends` term, whichever comes first: a condition ("别报警，
    /// 不然…", "don't go or i send…") or the writer speaking for themselves ("别逼我发…")
    /// turns what follows back into the writer's own words. A scammer orders the victim not
    /// to call the police or block him, never not to send nudes.
    fn advice(
        &self,
        norm: &Normalized,
        original: &str,
        hits: &[RawHit],
        negations: &[(u32, u32)],
        order_ends: &mut [u32],
    ) -> Vec<(usize, usize)> {
        let intimate = |h: &RawHit| {
            let rule = &self.rules[h.rule as usize];
            rule.negatable && matches!(rule.tactic, Tactic::SexualContent | Tactic::ImageRequest)
        };
        if !hits.iter().any(intimate) {
            return Vec::new();
        }
        order_ends.sort_unstable();
        negations
            .iter()
            .filter(|&&(s, e)| opens_sentence(norm, original, s, e))
            .filter_map(|&(s, e)| {
                let (from, after) = norm.original_span(s as usize, e as usize);
                let sentence_end = original[after..].find(SENTENCE_ENDS).map_or(original.len(), |i| after + i);
                let end = order_ends
                    .get(order_ends.partition_point(|&o| o < e))
                    .map_or(sentence_end, |&o| norm.original_span(o as usize, o as usize + 1).0.min(sentence_end));
                hits.iter()
                    .any(|h| {
                        intimate(h)
                            && (e..=e + NEGATION_REACH).contains(&h.start)
                            && norm.original_span(h.start as usize, h.end as usize).0 < end
                    })
                    .then_some((from, end))
            })
            .collect()
    }
}

/// Whether the negation at `s..e` of the normalised text opens its sentence in the
/// original text: nothing but a clause break before it.
fn opens_sentence(norm: &Normalized, original: &str, s: u32, e: u32) -> bool {
    let (start, _) = norm.original_span(s as usize, e as usize);
    let before = original[..start].trim_end();
    before.is_empty() || before.ends_with(SENTENCE_ENDS) || before.ends_with([',', ';', ':', '，', '；', '：'])
}

/// Whether a negation right before the normalised byte `at` opens its sentence in the
/// original text ("Never | send nudes", "ok. don't | share it"): an order not to do what
/// follows, rather than a promise ("i won't | send it") or a condition ("if you dont pay").
/// `negations` is sorted by end.
fn ordered_not_to(norm: &Normalized, original: &str, negations: &[(u32, u32)], at: u32) -> bool {
    let from = negations.partition_point(|&(_, e)| e + 1 < at);
    negations[from..].iter().take_while(|&&(_, e)| e <= at).any(|&(s, e)| opens_sentence(norm, original, s, e))
}

/// Whether the term at `s..e` of the normalised text is, in the original, part of a
/// handle, a link or an address rather than a word of its own: "$scamking99",
/// "scammer_hunter", "noscam.example/pay". A name someone chose says nothing about what
/// the message is. Only Latin terms written in ASCII are names: Chinese next to a number
/// ("警方110") is still speech.
fn inside_a_name(norm: &Normalized, original: &str, s: u32, e: u32) -> bool {
    let (from, to) = norm.original_span(s as usize, e as usize);
    let bytes = original.as_bytes();
    if !bytes[from..to].iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let glued = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'$' | b'.' | b'/' | b'-');
    let start = bytes[..from].iter().rposition(|&b| !glued(b)).map_or(0, |i| i + 1);
    let end = bytes[to..].iter().position(|&b| !glued(b)).map_or(bytes.len(), |i| to + i);
    // A full stop or a hyphen at either end is punctuation; inside, it joins a name.
    let token = original[start..end].trim_matches(['.', '-', '/']);
    token.bytes().any(|b| b.is_ascii_digit() || matches!(b, b'_' | b'@' | b'$' | b'/' | b'.'))
}

/// How far a retold quote reaches at most, in bytes of the original text.
const QUOTE_REACH: usize = 160;

/// Characters that end a sentence, in the original text.
const SENTENCE_ENDS: &[char] = &['.', '!', '?', '\n', '。', '！', '？'];

/// Drops the hits inside quotes of someone else's words: after a `reported` term and the
/// comma, colon or quotation mark that opens the quote, to the end of its sentence; and
/// before a `reported_after` term that follows a word at once, from the start of its
/// sentence ("영상 뿌린다고 해요": what is retold ends where the marker starts).
fn drop_retold(norm: &Normalized, original: &str, out: &mut MessageMatches) {
    let MessageMatches { hits, negated, reported, reported_after, .. } = out;
    // Each term's span in the normalised text becomes the span of its quote in the original.
    reported.retain_mut(|span| {
        let (_, term_end) = norm.original_span(span.0 as usize, span.1 as usize);
        quote_after(original, term_end).is_some_and(|(from, to)| {
            *span = (from as u32, to as u32);
            true
        })
    });
    reported.extend(reported_after.iter().filter_map(|&(s, e)| {
        let (term_start, _) = norm.original_span(s as usize, e as usize);
        quote_before(original, term_start).map(|(from, to)| (from as u32, to as u32))
    }));
    if reported.is_empty() {
        return;
    }
    // Negated hits too: a threat outside the quote must not bring back a negation inside it.
    let outside = |h: &RawHit| {
        let (start, _) = norm.original_span(h.start as usize, h.end as usize);
        !reported.iter().any(|&(from, to)| (from..to).contains(&(start as u32)))
    };
    hits.retain(outside);
    negated.retain(outside);
}

/// The quote that opens at byte `at` of `text`: `(from, to)`, from its opening mark to the
/// end of its sentence or its closing mark, at most [`QUOTE_REACH`] bytes. `None` when no
/// comma, colon or quotation mark opens one: "he was like 30" retells nothing.
fn quote_after(text: &str, at: usize) -> Option<(usize, usize)> {
    const OPENS: &[char] = &[',', '，', ':', '：', '"', '“', '「', '\'', '‘', '-', '–', '—'];
    // A closing quotation mark ends it too.
    let ends = |c: char| SENTENCE_ENDS.contains(&c) || matches!(c, '"' | '”' | '」');
    // Quotation marks that may follow the comma or colon: they open the quote too.
    const MARKS: &[char] = &['"', '“', '「', '\'', '‘'];
    let rest = text.get(at..)?;
    let from = at + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
    let mut chars = text[from..].char_indices().peekable();
    if !chars.next().is_some_and(|(_, c)| OPENS.contains(&c)) {
        return None;
    }
    // `said, "…"`: the quotation mark after the comma does not close the quote.
    while chars.next_if(|&(_, c)| c == ' ' || MARKS.contains(&c)).is_some() {}
    let to = chars
        .take_while(|&(i, _)| i < QUOTE_REACH)
        .find(|&(_, c)| ends(c))
        .map_or((from + QUOTE_REACH).min(text.len()), |(i, _)| from + i);
    Some((from, to))
}

/// The quote that a `reported_after` term at byte `at` of `text` closes: `(from, at)`, from
/// the start of its sentence, at most [`QUOTE_REACH`] bytes back. `None` unless the term
/// follows a word at once ("뿌린다고 해요", not "… 뿌린다. 고 해요").
fn quote_before(text: &str, at: usize) -> Option<(usize, usize)> {
    let before = text.get(..at)?;
    if !before.chars().next_back().is_some_and(char::is_alphanumeric) {
        return None;
    }
    let mut from = at.saturating_sub(QUOTE_REACH);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let from = text[from..at]
        .char_indices()
        .rev()
        .find(|(_, c)| SENTENCE_ENDS.contains(c))
        .map_or(from, |(i, c)| from + i + c.len_utf8());
    Some((from, at))
}

/// Longest reply, in normalised bytes, that [`age_answer`] reads as an age.
const MAX_AGE_ANSWER: usize = 32;

/// Words after a number that make it a time, a distance, a sum or a count rather than an
/// age ("5 min", "10 pm", "20 bucks").
const NOT_AGE_WORDS: &[&str] = &[
    "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "am", "pm", "sec", "secs", "km", "mi",
    "mile", "miles", "cm", "m2", "kg", "lb", "lbs", "k", "usd", "dollar", "dollars", "buck", "bucks", "times",
    "percent", "more", "days", "day", "weeks", "week", "months", "month", "points", "pts", "of", "people", "ppl",
    "phut", "phút", "gio", "giờ", "ngay", "ngày", "nghin", "nghìn", "trieu", "triệu", "tiếng", "tieng",
];

/// Han and Hangul units after a number that make it an age ("13岁", "13살", "13세").
const AGE_UNITS: &[char] = &['岁', '살', '세'];

/// School years, normalised, that a child gives for their grade ("初一", "中二": on their
/// own they are also dates and slang, in a reply to an age or grade question they are a
/// year at school), with the usual age of a child in that year.
const GRADES: &[(&str, u8)] = &[
    ("小一", 7),
    ("小二", 8),
    ("小三", 9),
    ("小四", 10),
    ("小五", 11),
    ("小六", 12),
    ("初一", 13),
    ("初二", 14),
    ("初三", 15),
    ("中一", 12),
    ("中二", 13),
    ("中三", 14),
    ("中四", 15),
    ("中五", 16),
    ("中六", 17),
    ("高一", 16),
    ("高二", 17),
    ("一年级", 7),
    ("二年级", 8),
    ("三年级", 9),
    ("四年级", 10),
    ("五年级", 11),
    ("六年级", 12),
    ("七年级", 13),
    ("八年级", 14),
    ("九年级", 15),
];

/// Whether a normalised reply is short enough to be an answer to an age or grade question
/// and nothing more ("13", "중1이요", "lớp 7 em ạ").
pub fn short_answer(normalized: &str) -> bool {
    normalized.trim().len() <= MAX_AGE_ANSWER
}

/// Reads a short reply to an age question as an age: a reply that starts with a number
/// of one or two digits ("13", "13 u?", "13/f", "16 wbu"), not followed by a unit or
/// another number that makes it something else ("10 min", "5 pm", "3点", "13:30"), or
/// with a year at school ("初一", "中二呀"), read as the usual age in that year.
/// `original` is the reply as written (it must start with the number: "$15" is a sum)
/// and `normalized` its normalised text; the result is the age and its byte span there.
pub fn age_answer(original: &str, normalized: &str) -> Option<(u8, usize, usize)> {
    if !short_answer(normalized) {
        return None;
    }
    let start = normalized.len() - normalized.trim_start().len();
    let rest = &normalized[start..];
    if let Some(&(grade, age)) = GRADES.iter().find(|(grade, _)| rest.starts_with(grade)) {
        return Some((age, start, start + grade.len()));
    }
    if !original.trim_start().starts_with(|c: char| c.is_numeric()) {
        return None;
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return None;
    }
    let age: u8 = rest[..digits].parse().ok()?;
    if !AGES.contains(&age) {
        return None;
    }
    let after = &rest[digits..];
    // "13.5", "13,000", "13%" where the normaliser keeps the sign.
    let mut chars = after.chars();
    if matches!(chars.next(), Some(':' | '.' | '/' | ',' | '-')) && chars.next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    if after.starts_with(['%', '$', '€', '£', '¥', '+']) {
        return None;
    }
    let cjk = |c: char| is_han(c as u32) || is_hangul(c as u32);
    let tail = after.trim_start();
    // Normalised, "13:30" is "13 30": two numbers are not an age.
    if tail.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if tail.chars().next().is_some_and(|c| cjk(c) && !AGE_UNITS.contains(&c)) {
        return None;
    }
    let word: String = tail.chars().take_while(|&c| c.is_alphanumeric() && !cjk(c)).collect();
    if NOT_AGE_WORDS.contains(&word.as_str()) {
        return None;
    }
    Some((age, start, start + digits))
}

/// How far a regex match may reach before and after a run of digits, in bytes.
const REGEX_BEFORE_DIGITS: usize = 32;
const REGEX_AFTER_DIGITS: usize = 24;

/// The next stretch of `text`, from byte `at`, around runs of digits that regexes must
/// look at: `(from, to)`, both character boundaries. Nearby runs share one stretch. Only
/// these stretches are searched, so a long message with a number costs little more than
/// a short one.
fn digit_window(text: &str, at: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let first = at + bytes[at..].iter().position(u8::is_ascii_digit)?;
    let mut from = first.saturating_sub(REGEX_BEFORE_DIGITS).max(at);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = first;
    loop {
        while to < bytes.len() && bytes[to].is_ascii_digit() {
            to += 1;
        }
        let limit = (to + REGEX_AFTER_DIGITS).min(bytes.len());
        match bytes[to..limit].iter().position(u8::is_ascii_digit) {
            // Another number close by: one stretch for both.
            Some(p) => to += p,
            None => {
                to = limit;
                break;
            }
        }
    }
    while !text.is_char_boundary(to) {
        to += 1;
    }
    Some((from, to))
}

/// The shortest stretch of `hits` (sorted by start) that holds a hit of each of `groups`
/// groups within `window` bytes; in group order when `ordered`.
fn cover(hits: &[(RuleId, u8, u32, u32)], groups: u8, window: u32, ordered: bool) -> Option<(u32, u32)> {
    let mut best: Option<(u32, u32)> = None;
    for (a, &(_, g0, s0, _)) in hits.iter().enumerate() {
        if ordered && g0 != 0 {
            continue;
        }
        let mut seen = 1u8 << g0;
        let mut next = 1u8;
        let mut end = hits[a].3;
        for &(_, g, s, e) in &hits[a + 1..] {
            if e.saturating_sub(s0) > window {
                break;
            }
            if s < end && seen & (1 << g) != 0 {
                continue;
            }
            let take = if ordered { g == next } else { seen & (1 << g) == 0 };
            if take && s >= s0 {
                seen |= 1 << g;
                next += 1;
                end = end.max(e);
            }
            if seen.count_ones() == u32::from(groups) {
                break;
            }
        }
        if seen.count_ones() == u32::from(groups) && best.is_none_or(|(bs, be)| end - s0 < be - bs) {
            best = Some((s0, end));
        }
    }
    best
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_short_reply_that_starts_with_a_number_is_an_age() {
        let read = |text: &str| age_answer(text, normalize(text).as_str()).map(|(age, ..)| age);
        for (text, age) in [
            ("13", 13),
            ("13 u?", 13),
            ("  16 wbu", 16),
            ("12/f/texas", 12),
            ("１４", 14),
            ("13살", 13),
            ("14歲", 14),
            ("13 a", 13),
            ("34, you?", 34),
            // A year at school.
            ("初一", 13),
            ("中二呀", 13),
            ("小六啦", 12),
        ] {
            assert_eq!(read(text), Some(age), "{text:?}");
        }
        for text in [
            "10 pm",
            "13:30",
            "13.5",
            "5 min",
            "20 bucks",
            "3点",
            "10분",
            "10 분",
            "15 phút",
            "$15",
            "100",
            "2",
            "12 people came",
            "u 13?",
            "13 because my mom said that the shop closes early on sundays",
            "其中一个",
            "正月初一我们一家人去外婆家拜年",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }
    use super::*;

    fn lexicon(toml: &str) -> Lexicon {
        LexiconBuilder::new().source("test", toml).unwrap().build().unwrap()
    }

    fn tactics(lex: &Lexicon, text: &str) -> Vec<(Tactic, String)> {
        let mut n = Normalized::new();
        n.normalize(text);
        let mut m = MessageMatches::default();
        lex.scan(&n, text, &mut m);
        m.hits
            .iter()
            .map(|h| {
                let (s, e) = n.original_span(h.start as usize, h.end as usize);
                (lex.rule(h.rule).tactic, text[s..e].to_owned())
            })
            .collect()
    }

    const TEST: &str = r#"
        language = "en"
        [context]
        negation = ["don't", "never"]
        advisory = ["scammers"]
        denial = ["not scammers"]
        [[rule]]
        tactic = "image_request"
        weight = 0.8
        reason = "asks for nude pictures"
        terms = ["send nudes", "nude*"]
        [[rule]]
        tactic = "threat_exposure"
        weight = 0.9
        reason = "threatens to send images to contacts"
        all = [["send", "post"], ["video"], ["contacts", "family"]]
        window = 60
        [[rule]]
        tactic = "payment_demand"
        weight = 0.6
        reason = "asks for money"
        terms = ["pay"]
        unless = ["pay attention"]
        [[rule]]
        tactic = "minor_indicator"
        weight = 0.8
        reason = "says they are under 18"
        regex = '\bim (1[0-7])\b'
    "#;

    #[test]
    fn matches_words_groups_and_regexes_with_original_spans() {
        let lex = lexicon(TEST);
        assert_eq!(tactics(&lex, "Pls SEND NUDES"), vec![(Tactic::ImageRequest, "SEND NUDES".to_owned())]);
        assert_eq!(
            tactics(&lex, "I will post the video to all your contacts"),
            vec![(Tactic::ThreatExposure, "post the video to all your contacts".to_owned())]
        );
        assert_eq!(tactics(&lex, "i'm 13"), vec![(Tactic::MinorIndicator, "i'm 13".to_owned())]);
        assert!(tactics(&lex, "im 19").is_empty());
    }

    #[test]
    fn respects_word_boundaries_windows_and_vetoes() {
        let lex = lexicon(TEST);
        assert!(tactics(&lex, "payday").is_empty());
        assert!(tactics(&lex, "please pay attention in class").is_empty());
        assert_eq!(tactics(&lex, "nudez").len(), 1);
        let far = format!("send the video {} to your contacts", "blah ".repeat(20));
        assert!(tactics(&lex, &far).is_empty());
    }

    #[test]
    fn negation_and_advisory_are_reported() {
        let lex = lexicon(TEST);
        let mut n = Normalized::new();
        let mut m = MessageMatches::default();
        n.normalize("Don't pay them");
        lex.scan(&n, "Don't pay them", &mut m);
        assert!(m.hits.is_empty());
        assert_eq!(m.negated.len(), 1);
        n.normalize("scammers will post the video to your family");
        lex.scan(&n, "scammers will post the video to your family", &mut m);
        assert!(m.advisory);
        assert_eq!(m.hits.len(), 1);
    }

    #[test]
    fn spelled_out_terms_match_only_when_spelled_out() {
        let lex = lexicon(TEST);
        assert_eq!(tactics(&lex, "s e n d n u d e s").len(), 1);
        // Run together without being spelled out, the words are not the phrase, and the
        // `nude*` term needs a word start.
        assert!(tactics(&lex, "sendnudesclub").is_empty());
        assert_eq!(tactics(&lex, "S.E.N.D N.U.D.E.S"), vec![(Tactic::ImageRequest, "S.E.N.D N.U.D.E.S".to_owned())]);
    }

    #[test]
    fn regexes_look_only_around_numbers() {
        let text = format!("{}im 13 and 14{}", "x ".repeat(100), " y".repeat(100));
        let (from, to) = digit_window(&text, 0).unwrap();
        assert!((200 - REGEX_BEFORE_DIGITS..=200 - 3).contains(&from), "{from}");
        assert_eq!(&text[to - 2..to], " y");
        assert!(to < text.len() && to - from < 100);
        assert_eq!(digit_window(&text, to), None);
        // Windows never split a character.
        let cjk = format!("{}我13岁{}", "汉".repeat(20), "字".repeat(20));
        let (from, to) = digit_window(&cjk, 0).unwrap();
        assert!(cjk.is_char_boundary(from) && cjk.is_char_boundary(to));
        assert!(cjk[from..to].contains("我13岁"));
        let lex = lexicon(TEST);
        let long = format!("{} i'm 13 {}", "blah ".repeat(500), "blah ".repeat(500));
        assert_eq!(tactics(&lex, &long), vec![(Tactic::MinorIndicator, "i'm 13".to_owned())]);
        assert!(tactics(&lex, "claim 13").is_empty(), "word boundaries see the text before the window");
    }

    #[test]
    fn many_negations_and_vetoes_are_each_applied() {
        let lex = lexicon(TEST);
        let mut n = Normalized::new();
        let mut m = MessageMatches::default();
        let text = "don't pay. ".repeat(2000);
        n.normalize(&text);
        lex.scan(&n, &text, &mut m);
        assert!(m.hits.is_empty());
        assert_eq!(m.negated.len(), 2000);
        let text = format!("{}and pay now", "pay attention ".repeat(2000));
        n.normalize(&text);
        lex.scan(&n, &text, &mut m);
        assert!(m.hits.is_empty(), "the last pay is within the window of a veto");
        let text = format!("{}{}pay now", "pay attention ".repeat(2000), "blah ".repeat(40));
        n.normalize(&text);
        lex.scan(&n, &text, &mut m);
        assert_eq!(m.hits.len(), 1, "beyond every veto's window");
    }

    #[test]
    fn a_denial_takes_back_only_the_advisory_term_inside_it() {
        let lex = lexicon(TEST);
        let mut n = Normalized::new();
        let mut m = MessageMatches::default();
        let mut advisory = |text: &str| {
            n.normalize(text);
            lex.scan(&n, text, &mut m);
            m.advisory
        };
        assert!(advisory("scammers will post the video"));
        assert!(!advisory("we are not scammers. pay or we post the video"));
        let many = "not scammers. ".repeat(2000);
        assert!(!advisory(&many));
        assert!(advisory(&format!("{many}scammers")), "the last one is outside every denial");
        assert!(advisory(&format!("scammers {many}")), "the first one is outside every denial");
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        let bad = [
            ("weight = 2.0\nterms = [\"x\"]", "weight 2 must be in (0, 1]"),
            ("weight = 0.5\n", "give exactly one of"),
            ("weight = 0.5\nregex = '('", "regex does not compile"),
            ("weight = 0.5\nterms = [\"!!!\"]", "is empty after normalisation"),
        ];
        for (body, want) in bad {
            let toml = format!("language = \"en\"\n[[rule]]\ntactic = \"approach\"\nreason = \"r\"\n{body}");
            let err = LexiconBuilder::new().source("bad", &toml).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
            assert!(err.contains("lexicon `bad`, rule 1 (approach)"), "{err}");
        }
        let err = LexiconBuilder::new()
            .source("bad", "language = \"en\"\n[[rule]]\ntactic = \"nudity\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("nudity"), "{err}");
    }

    #[test]
    fn shipped_lexicons_compile() {
        let lex = Lexicon::default_lexicon();
        assert!(lex.rule_count() > 100);
    }
}
