//! The scorer seam: a learned model adds evidence and can raise, never lower, the risk.

use lurewatch_core::scorer::{MessageView, Scorer, ScorerEvidence, ScorerState};
use lurewatch_core::{Category, Engine, Language, Level, Message, Tactic};

/// A deliberately simple scorer: the share of messages with a tactic, as a probability that
/// the conversation is grooming. It stands in for the learned model of the next stage.
#[derive(Debug)]
struct TacticShare;

#[derive(Default)]
struct TacticShareState {
    messages: u32,
    with_tactics: u32,
    last_tactics: Vec<Tactic>,
}

impl Scorer for TacticShare {
    fn start(&self) -> Box<dyn ScorerState> {
        Box::new(TacticShareState::default())
    }
}

impl ScorerState for TacticShareState {
    fn observe(&mut self, m: &MessageView<'_>) {
        self.messages += 1;
        self.with_tactics += u32::from(!m.tactics.is_empty());
        self.last_tactics = m.tactics.to_vec();
        assert!(m.normalized.len() <= m.text.len() * 3);
    }

    fn evidence(&self) -> ScorerEvidence {
        let p = self.with_tactics as f32 / self.messages.max(1) as f32;
        ScorerEvidence {
            scorer: "tactic-share/1".into(),
            probability: p,
            category: Category::Grooming,
            features: vec![("messages_with_tactics".into(), p)],
            sender: None,
        }
    }
}

#[test]
fn a_scorer_raises_the_risk_and_explains_itself() {
    let plain = Engine::new();
    let with_model = Engine::builder().scorer(Box::new(TacticShare)).build();
    let chat = [("a", "how old are you?"), ("a", "what school do you go to?"), ("b", "why")];
    let without = plain.assess("c", chat.iter().map(|&(s, t)| Message::new(s, t)));
    let with = with_model.assess("c", chat.iter().map(|&(s, t)| Message::new(s, t)));
    assert!(without.level <= Level::Low);
    assert!(without.model.is_empty());
    assert_eq!(with.model.len(), 1);
    assert_eq!(with.model[0].scorer, "tactic-share/1");
    // Peak probability 1.0 after two probing messages.
    assert_eq!(with.risk, 100);
    assert_eq!(with.category, Category::Grooming);
    assert!(with.first_alert_message.is_some());
}

#[test]
fn a_scorer_never_hides_what_the_lexicon_saw() {
    let with_model = Engine::builder().scorer(Box::new(TacticShare)).build();
    let plain = Engine::new();
    let chat: Vec<(&str, &str)> = std::iter::repeat_n(("x", "nice weather"), 30)
        .chain([("x", "I have all your contacts. pay $500 or I will send the video to your family")])
        .collect();
    let a = with_model.assess("c", chat.iter().map(|&(s, t)| Message::new(s, t)));
    let b = plain.assess("c", chat.iter().map(|&(s, t)| Message::new(s, t)));
    assert_eq!(a.risk, b.risk);
    assert_eq!(a.category, Category::Sextortion);
}

/// A scorer that judges grooming in English and never sees any: it stands for a model whose
/// training data taught it to score a blunt chat-room exchange low.
#[derive(Debug)]
struct QuietJudge;

struct Quiet;

impl Scorer for QuietJudge {
    fn start(&self) -> Box<dyn ScorerState> {
        Box::new(Quiet)
    }

    fn judges(&self, language: Language) -> bool {
        language == Language::En
    }
}

impl ScorerState for Quiet {
    fn observe(&mut self, _: &MessageView<'_>) {}

    fn evidence(&self) -> ScorerEvidence {
        ScorerEvidence {
            scorer: "quiet/1".into(),
            probability: 0.0,
            category: Category::Grooming,
            features: Vec::new(),
            sender: None,
        }
    }
}

#[test]
fn a_judging_scorer_does_not_overrule_what_the_participants_say() {
    let engine = Engine::builder().scorer(Box::new(QuietJudge)).build();
    let assess = |chat: &[(&str, &str)]| engine.assess("c", chat.iter().map(|&(s, t)| Message::new(s, t)));
    let plainly = |age: &'static str| {
        [
            ("a", "hey asl?"),
            ("b", "15 f usa u?"),
            ("a", age),
            ("a", "wanna meet up this weekend? send me a pic of ur boobs"),
        ]
    };
    // An adult and a child by their own words, or a child asked for intimate pictures or
    // talked to about sex by someone else: grooming, though the scorer judges and sees
    // nothing.
    let talk = [("a", "hey asl?"), ("b", "15 f usa u?"), ("a", "m uk. u horny? wanna cyber?")];
    for chat in [&plainly("28 m uk")[..], &plainly("m uk"), &talk] {
        let a = assess(chat);
        assert_eq!(a.category, Category::Grooming, "{chat:?}: {a:?}");
        assert!(a.level >= Level::Medium, "{chat:?}: {a:?}");
        assert_eq!(a.suspect.as_deref(), Some("a"));
    }
    // Chats the lexicon alone raises that are still the scorer's to judge, and it sees
    // nothing in them:
    // - a child, flattery, a secret meeting, but no pictures asked for and no adult's age;
    // - adults flirting who give their ages, one a parent speaking of a kid's age: no
    //   child in the chat;
    // - both sides merged into one speaker (like VTPAN's segments): who said what is lost.
    let secret = [
        ("a", "hey asl?"),
        ("b", "15 f usa u?"),
        ("a", "cool, ur so mature for ur age. wanna meet up this weekend? dont tell ur parents"),
    ];
    let parents = [
        ("a", "im 40 btw, how was ur day gorgeous"),
        ("b", "my kid is 12 yo today lol, im 38 and feel old"),
        ("a", "u deserve a break. send me a pic of ur boobs ;)"),
    ];
    let merged = plainly("28 m uk").map(|(_, t)| ("unknown", t));
    for chat in [&secret[..], &parents, &merged] {
        let alone = Engine::new().assess("c", chat.iter().map(|&(s, t)| Message::new(s, t)));
        assert!(alone.level >= Level::Medium, "{alone:?}");
        let a = assess(chat);
        assert!(a.level < Level::Medium, "{a:?}");
    }
}
