//! Property tests: normalisation, streaming and monotonicity.

use lurewatch_core::normalize::{Normalized, normalize};
use lurewatch_core::{Engine, Message};
use proptest::prelude::*;
use std::sync::LazyLock;

/// Compiled once: building the engine compiles every lexicon.
static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::new);

const PHRASES: &[&str] = &[
    "hi",
    "how old are you",
    "im 13",
    "send nudes",
    "download this app",
    "我们裸聊吧",
    "你的通讯录我都有",
    "몸캠 하자",
    "chuyển khoản 20 triệu",
    "don't tell your parents",
    "ok",
    "lol",
    "pay $500 now",
    "i paid",
    "not enough",
    "police warn scammers",
];

fn message() -> impl Strategy<Value = (u8, String)> {
    (0u8..3, prop_oneof![prop::sample::select(PHRASES).prop_map(str::to_owned), ".{0,40}"])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn normalisation_is_idempotent(s in "\\PC{0,60}") {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn spans_map_inside_the_original(s in "\\PC{1,60}") {
        let mut n = Normalized::new();
        n.normalize(&s);
        let len = n.as_str().len();
        for start in 0..len {
            for end in start + 1..=len.min(start + 8) {
                let (a, b) = n.original_span(start, end);
                prop_assert!(a < b && b <= s.len());
                prop_assert!(s.is_char_boundary(a) && s.is_char_boundary(b));
            }
        }
    }

    #[test]
    fn streaming_equals_batch(msgs in prop::collection::vec(message(), 0..25)) {
        let engine = &*ENGINE;
        let named: Vec<(String, String)> = msgs.iter().map(|(s, t)| (format!("p{s}"), t.clone())).collect();
        let batch = engine.assess("c", named.iter().map(|(s, t)| Message::new(s, t)));
        let mut conv = engine.conversation();
        let mut last = None;
        for (s, t) in &named {
            last = Some(conv.push(&Message::new(s, t)));
        }
        let streamed = conv.assessment("c");
        prop_assert_eq!(&streamed, &batch);
        if let Some(snap) = last {
            prop_assert_eq!((snap.risk, snap.level, snap.category), (batch.risk, batch.level, batch.category));
        }
    }

    #[test]
    fn a_threat_never_lowers_the_risk(msgs in prop::collection::vec(message(), 0..20), who in 0u8..3) {
        let engine = &*ENGINE;
        let mut conv = engine.conversation();
        let mut risk = 0;
        for (s, t) in &msgs {
            risk = conv.push(&Message::new(&format!("p{s}"), t)).risk;
        }
        let after = conv.push(&Message::new(&format!("p{who}"), "I will send the video to all your contacts"));
        prop_assert!(after.risk >= risk, "risk fell from {} to {}", risk, after.risk);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Extraction never panics, and every span is a slice of the original message on
    /// character boundaries, whatever the text: digits, signs, full-width and defanged
    /// forms mixed at random.
    #[test]
    fn indicator_spans_are_slices_of_the_original(
        text in "([0-9０-９+()\\[\\]. :@$_/,\\-]|[a-zA-Z]{1,3}|hxxp|qq|zalo|万|元|₫|đ|가|。|\\u{200b}){0,40}",
        lang in 0usize..5,
    ) {
        let language = lurewatch_core::Language::ALL[lang];
        let mut found = Vec::new();
        lurewatch_core::indicator::Extractor::new().extract(&text, language, &mut found);
        for f in &found {
            let (s, e) = (f.start as usize, f.end as usize);
            prop_assert!(s <= e && e <= text.len(), "{f:?} in {text:?}");
            prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e), "{f:?} in {text:?}");
        }
    }
}
