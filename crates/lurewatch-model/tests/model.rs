//! The learned model on a small labelled set written here: training, the file format,
//! streaming scores equal to training scores, explanations and the grooming judgement.

use lurewatch_core::scorer::Scorer;
use lurewatch_core::{Category, Engine, Language, Level, Message, Scratch};
use lurewatch_model::model::{ALERT_PROBABILITY, FORMAT_VERSION};
use lurewatch_model::train::{Scored, choose_threshold, raw_score};
use lurewatch_model::{Dataset, Model, ModelError, TrainConfig};

const GROOMING: &[&[&str]] = &[
    &["hey cutie how old r u", "u seem so mature for ur age", "dont tell ur mom we talk ok", "send me a pic of u"],
    &["hi sweetie", "what grade r u in", "our little secret ok", "i can buy u a new phone"],
    &["u r so pretty", "is ur mom home", "delete our chats", "wanna meet at the park after school"],
    &["hey beautiful", "how old are you", "keep this between us", "can u send a pic in ur pj"],
    &["hi princess", "u home alone", "dont tell anyone bout me", "ill give u money for a pic"],
    &["ur so special to me", "what school u go to", "we have to keep it secret", "i want to see u"],
];

const ORDINARY: &[&[&str]] = &[
    &["are we still on for lunch", "yes see you at noon"],
    &["the meeting moved to 3pm", "ok thanks for the heads up"],
    &["did you finish the report", "almost, sending it tonight"],
    &["mom said dinner at 7", "ok be there soon"],
    &["can you pick up milk", "sure anything else"],
    &["happy birthday!!", "thank you so much"],
    &["明天几点开会", "下午三点"],
    &["我到了，你在哪", "门口等我"],
    &["내일 몇 시에 만나", "세 시에 보자"],
    &["점심 먹었어?", "응 방금 먹었어"],
    &["mai may gio hop", "9 gio sang nhe"],
    &["em den chua", "anh dang toi"],
];

fn config() -> TrainConfig {
    TrainConfig { hash_bits: 12, epochs: 30, min_language_positives: 3, ..TrainConfig::default() }
}

fn dataset() -> (Engine, Dataset) {
    let engine = Engine::new();
    let mut ds = Dataset::new(&config());
    let mut scratch = Scratch::new();
    let mut add = |id: String, group: u32, label: Category, texts: &[&str]| {
        let msgs: Vec<Message<'_>> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Message::new(if label == Category::None && i % 2 == 1 { "b" } else { "a" }, t))
            .collect();
        ds.add(&engine, &mut scratch, &id, group, label, Some("a"), msgs);
    };
    for (i, c) in GROOMING.iter().enumerate() {
        add(format!("g{i}"), 0, Category::Grooming, c);
    }
    for (i, c) in ORDINARY.iter().enumerate() {
        add(format!("n{i}"), 1, Category::None, c);
    }
    (engine, ds)
}

fn fitted() -> Model {
    let (_, ds) = dataset();
    ds.fit(&config(), "test/1", |_| true).expect("positives exist")
}

#[test]
fn a_sender_is_an_example_and_only_the_suspect_is_positive() {
    let (_, ds) = dataset();
    assert_eq!(ds.conversations.len(), GROOMING.len() + ORDINARY.len());
    let positives = ds.examples.iter().filter(|e| e.label == Category::Grooming).count();
    assert_eq!(positives, GROOMING.len());
    assert!(ds.examples.iter().filter(|e| e.sender == "b").all(|e| e.label == Category::None));
    // Features are sorted by index, without duplicates.
    for e in &ds.examples {
        assert!(e.features.windows(2).all(|w| w[0].0 < w[1].0), "{:?}", e.features);
    }
    assert_eq!(ds.conversations[0].language, Language::En);
    assert_eq!(ds.conversations[GROOMING.len() + 6].language, Language::ZhHans);
}

#[test]
fn training_is_deterministic_and_separates_the_classes() {
    let a = fitted();
    let b = fitted();
    assert_eq!(a.to_bytes(), b.to_bytes(), "same data, same bytes");
    let (_, ds) = dataset();
    let min_pos =
        ds.examples.iter().filter(|e| e.label != Category::None).map(|e| raw_score(&a, e)).fold(f32::MAX, f32::min);
    let max_neg =
        ds.examples.iter().filter(|e| e.label == Category::None).map(|e| raw_score(&a, e)).fold(f32::MIN, f32::max);
    assert!(min_pos > max_neg, "training data separates: {min_pos} > {max_neg}");
    assert_eq!(a.header().languages, [Language::En], "it learned grooming in English only");
    assert_eq!(a.header().heads.len(), 1);
    assert_eq!(a.header().heads[0].category, Category::Grooming);
}

#[test]
fn folds_are_stratified_and_repeatable() {
    let (_, ds) = dataset();
    let f = ds.folds(3, 7);
    assert_eq!(f, ds.folds(3, 7));
    for k in 0..3 {
        let g = (0..GROOMING.len()).filter(|&i| f[i] == k).count();
        assert_eq!(g, 2, "two grooming conversations in fold {k}");
    }
    assert_ne!(f, ds.folds(3, 8), "another seed, other folds");
}

#[test]
fn the_file_round_trips_and_damage_is_refused() {
    let mut model = fitted();
    model.calibrate(0.5);
    let bytes = model.to_bytes();
    assert_eq!(&bytes[..8], b"LWMODEL\n");
    assert_eq!(Model::from_bytes(&bytes).unwrap(), model);

    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    assert_eq!(Model::from_bytes(&flipped), Err(ModelError::Checksum));
    assert!(matches!(Model::from_bytes(&bytes[..bytes.len() - 100]), Err(ModelError::Checksum | ModelError::Size(_))));
    assert!(matches!(Model::from_bytes(&bytes[..10]), Err(ModelError::Size(_))));
    assert_eq!(Model::from_bytes(b"PK\x03\x04 not a model at all"), Err(ModelError::NotAModel));
    assert_eq!(Model::from_bytes(b""), Err(ModelError::NotAModel));
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert_eq!(Model::from_bytes(&newer), Err(ModelError::Version(FORMAT_VERSION + 1)));
    let err = Model::from_bytes(&newer).unwrap_err().to_string();
    assert!(err.contains("retrain"), "{err}");
}

#[test]
fn streaming_scores_equal_training_scores() {
    let (engine, ds) = dataset();
    let model = fitted();
    let scorer = model.clone().scorer();
    for (c, texts) in GROOMING.iter().chain(ORDINARY.iter()).enumerate() {
        let mut state = scorer.start();
        let mut conv = engine.start();
        let mut scratch = Scratch::new();
        // What the scorer sees, message by message.
        for (i, t) in texts.iter().enumerate() {
            let sender = if c >= GROOMING.len() && i % 2 == 1 { "b" } else { "a" };
            engine.push_observed(&mut conv, &mut scratch, &Message::new(sender, t), &mut |v| state.observe(v));
        }
        let best = ds
            .examples
            .iter()
            .filter(|e| e.conversation as usize == c)
            .map(|e| raw_score(&model, e))
            .fold(f32::MIN, f32::max);
        let expected = 1.0 / (1.0 + (-best).exp());
        let got = state.probability();
        assert!((got - expected).abs() < 1e-4, "conversation {c}: streamed {got}, trained {expected}");
        assert_eq!(state.evidence().probability, got);
    }
}

#[test]
fn the_model_explains_itself_and_names_the_sender() {
    let mut model = fitted();
    model.calibrate(0.0);
    let engine = Engine::builder().scorer(Box::new(model.scorer())).build();
    let a = engine.assess(
        "c",
        [
            Message::new("stranger", "hey cutie how old r u"),
            Message::new("kid", "13"),
            Message::new("stranger", "our little secret ok, dont tell ur mom"),
            Message::new("stranger", "send me a pic of u"),
        ],
    );
    let m = &a.model[0];
    assert_eq!(m.scorer, "test/1");
    assert_eq!(m.sender.as_deref(), Some("stranger"));
    assert!(m.probability > ALERT_PROBABILITY, "{m:?}");
    assert!(!m.features.is_empty() && m.features.len() <= 8);
    assert!(m.features.iter().any(|(n, w)| n.starts_with("tactic:") && *w > 0.0), "{m:?}");
    assert!(m.features.windows(2).all(|w| w[0].1.abs() >= w[1].1.abs()), "sorted by weight: {m:?}");
    assert_eq!(a.category, Category::Grooming);
    assert!(a.level >= Level::Medium);
    assert_eq!(a.suspect.as_deref(), Some("stranger"));
}

#[test]
fn the_model_judges_grooming_only_in_languages_it_learned() {
    let model = fitted();
    let scorer = model.scorer();
    assert!(scorer.judges(Language::En));
    assert!(!scorer.judges(Language::ZhHans));
    assert!(!scorer.judges(Language::Ko));
}

#[test]
fn a_small_corpus_of_hard_negatives_is_not_drowned_by_a_large_easy_one() {
    let engine = Engine::new();
    let mut ds = Dataset::new(&config());
    let mut scratch = Scratch::new();
    let mut add = |id: String, group: u32, label: Category, texts: &[&str]| {
        let msgs: Vec<Message<'_>> = texts.iter().map(|t| Message::new("a", t)).collect();
        ds.add(&engine, &mut scratch, &id, group, label, Some("a"), msgs);
    };
    for (i, c) in GROOMING.iter().enumerate() {
        add(format!("g{i}"), 0, Category::Grooming, c);
    }
    // Two hundred times as many easy negatives as hard ones.
    for i in 0..400 {
        add(format!("n{i}"), 1, Category::None, ORDINARY[i % ORDINARY.len()]);
    }
    // The hard corpus: two chats worded like two of the grooming ones but labelled
    // otherwise. Every corpus of negatives weighs the same, so these two outweigh the
    // grooming chats they copy; counted one by one among 400, they would not.
    for (i, c) in GROOMING[..2].iter().enumerate() {
        add(format!("h{i}"), 2, Category::None, c);
    }
    let model = ds.fit(&config(), "test/1", |_| true).expect("positives exist");
    let score = |id: &str| {
        let c = ds.conversations.iter().position(|c| c.id == id).unwrap();
        ds.examples
            .iter()
            .filter(|e| e.conversation as usize == c)
            .map(|e| raw_score(&model, e))
            .fold(f32::MIN, f32::max)
    };
    for i in 0..2 {
        let hard = score(&format!("h{i}"));
        assert!(hard < 0.0, "the hard negative h{i} leans to grooming: raw score {hard}");
    }
    for i in 2..GROOMING.len() {
        let g = score(&format!("g{i}"));
        assert!(g > 0.0, "grooming g{i} is not learned: raw score {g}");
    }
}

#[test]
fn the_threshold_keeps_ordinary_corpora_under_the_limit() {
    let mut points = Vec::new();
    // Group 0: ordinary chats only; group 1: a mixed corpus.
    for i in 0..1000 {
        points.push(Scored { score: i as f32 / 1000.0, positive: false, group: 0 });
    }
    for i in 0..10 {
        points.push(Scored { score: 0.5 + i as f32 / 10.0, positive: true, group: 1 });
        points.push(Scored { score: 0.9 + i as f32 / 100.0, positive: false, group: 1 });
    }
    let t = choose_threshold(&points, 0.005).unwrap();
    let fp0 = points.iter().filter(|p| p.group == 0 && p.score >= t).count();
    assert!(fp0 <= 5, "{fp0} false positives of 1000 at {t}");
    assert!(t > 0.994, "{t}");
    assert_eq!(choose_threshold(&points[..1000], 0.005), None, "no positives, no threshold");
}

proptest::proptest! {
    #[test]
    fn any_bytes_are_read_or_refused_without_a_panic(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        with_magic in proptest::prelude::any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        if with_magic {
            bytes.extend_from_slice(b"LWMODEL\n");
            bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        }
        bytes.extend_from_slice(&body);
        proptest::prop_assert!(Model::from_bytes(&bytes).is_err());
    }
}

/// The file of `model` with its header replaced, sealed with a valid checksum.
fn with_header(model: &Model, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let bytes = model.to_bytes();
    let len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[16..16 + len]).unwrap();
    edit(&mut header);
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&bytes[16 + len..bytes.len() - 8]);
    let sum = lurewatch_model::model::checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

#[test]
fn a_well_sealed_file_with_a_lying_header_is_refused() {
    let model = fitted();
    assert_eq!(Model::from_bytes(&with_header(&model, |_| {})).unwrap(), model, "the sealing itself is right");
    let refused =
        |edit: fn(&mut serde_json::Value)| Model::from_bytes(&with_header(&model, edit)).unwrap_err().to_string();
    assert!(refused(|h| h["hash_bits"] = 30.into()).contains("hash_bits 30"));
    assert!(refused(|h| h["hash_bits"] = 13.into()).contains("bytes of weights"));
    assert!(refused(|h| h["shapes"] = serde_json::json!(["messages"])).contains("shape features"));
    assert!(refused(|h| h["heads"][0]["category"] = "none".into()).contains("a head for none"));
    assert!(refused(|h| h["tactics"] = serde_json::json!(vec!["x"; 65])).contains("65 tactics"));
}
