//! The scorer seam: a learned model adds evidence and can raise, never lower, the risk.

use lurewatch_core::scorer::{MessageView, Scorer, ScorerEvidence, ScorerState};
use lurewatch_core::{Category, Engine, Level, Message, Tactic};

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
