//! `lurewatch train` and `--model`: the shipped baseline is reproduced byte for byte from
//! the shared corpora and meets its cross-validated targets; models load, explain and fail
//! clearly.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn lurewatch() -> Command {
    Command::cargo_bin("lurewatch").unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

mod common;
use common::corpus_files;

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8(out.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn the_baseline_is_reproduced_byte_for_byte_and_meets_its_targets() {
    let dir = tempfile::tempdir().unwrap();
    let out_model = dir.path().join("baseline.lwm");
    // The documented command (models/README.md).
    let out = lurewatch()
        .args(["train", "--name", "lurewatch-baseline/1", "--repeats", "5", "--format", "json", "--out"])
        .arg(&out_model)
        .args(corpus_files())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shipped = std::fs::read(root().join("models/baseline.lwm")).unwrap();
    assert!(
        std::fs::read(&out_model).unwrap() == shipped,
        "models/baseline.lwm is not what the documented command trains"
    );
    assert!(shipped.len() <= 20 << 20);

    // Cross-validated: each fold scored by a model that never saw it.
    let reports = json_lines(&out.stdout);
    let by_name = |name: &str| reports.iter().find(|r| r["file"].as_str().unwrap().ends_with(name)).unwrap();
    let pj = by_name("en-perverted-justice-predators.jsonl");
    assert!(pj["recall"].as_f64().unwrap() >= 0.97, "{pj}");
    let vtpan = by_name("en-pan12-vtpan-segments.jsonl");
    assert!(vtpan["f1"].as_f64().unwrap() >= 0.92, "{vtpan}");
    let mut none_corpora = 0;
    for r in reports.iter().filter(|r| r["positives"] == 0) {
        let fpr = r["false_positive_rate"].as_f64().unwrap();
        assert!(fpr <= 0.005, "{}: false-positive rate {fpr}", r["file"]);
        none_corpora += 1;
    }
    assert_eq!(none_corpora, 6);
}

#[test]
fn the_baseline_explains_and_leaves_hard_negatives_alone() {
    let cases = root().join("crates/lurewatch-cli/tests/model-cases.jsonl");
    let out = lurewatch().args(["scan", "--model", "baseline", "--format", "json"]).arg(&cases).output().unwrap();
    let all = json_lines(&out.stdout);
    // Hard negatives in every language (a parent's warning, a tutor's fee by QR code,
    // adults flirting, news, gamers) and a grooming chat, plain and obfuscated.
    assert_eq!(all.len(), 11);
    for a in &all {
        let id = a["id"].as_str().unwrap();
        let level = a["level"].as_str().unwrap();
        let model = &a["model"][0];
        assert_eq!(model["scorer"], "lurewatch-baseline/1");
        let features = model["features"].as_array().unwrap();
        assert!(!features.is_empty() && features.len() <= 8, "{id}: {model}");
        if id.starts_with("grooming-en") {
            assert!(matches!(level, "high" | "critical"), "{id}: {a}");
            assert_eq!(a["category"], "grooming");
            assert_eq!(a["suspect"], "man");
            assert_eq!(model["sender"], "man");
        } else {
            assert!(matches!(level, "none" | "low"), "{id} is a hard negative: {a}");
        }
    }
    lurewatch()
        .args(["scan", "--model", "baseline", "--format", "human"])
        .arg(&cases)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("model lurewatch-baseline/1: grooming"))
        .stdout(predicate::str::contains("weighed most:"));
}

#[test]
fn the_baseline_keeps_sextortion_in_every_language() {
    // The model judges grooming in English only; the lexicon keeps every threat.
    let out = lurewatch()
        .args(["scan", "--model", "baseline", "--format", "json"])
        .arg(root().join("examples/conversations.jsonl"))
        .output()
        .unwrap();
    let with: Vec<Value> = json_lines(&out.stdout);
    let out = lurewatch()
        .args(["scan", "--format", "json"])
        .arg(root().join("examples/conversations.jsonl"))
        .output()
        .unwrap();
    let without: Vec<Value> = json_lines(&out.stdout);
    assert_eq!(with.len(), without.len());
    for (a, b) in with.iter().zip(&without) {
        if b["category"] == "sextortion" {
            assert_eq!(a["category"], "sextortion", "{}", a["id"]);
            assert!(a["risk"].as_u64() >= b["risk"].as_u64(), "{}", a["id"]);
        }
    }
}

#[test]
fn the_baseline_does_not_overrule_an_adult_talking_to_a_child() {
    // Short and blunt, in the style of the chat-room negatives the model learned from; the
    // ages the two give decide it. An adult, or someone who gives no age, asking a child
    // for intimate pictures or talking about sex: grooming, whatever the model says. Two
    // teenagers: below medium.
    let chat = |age: &str| {
        format!(
            "a: hey asl?\nb: 15 f usa u?\na: {age} m uk. u horny?\nb: lol yea\na: wanna cyber? send me a pic of ur boobs\n"
        )
    };
    // Sexual talk without a request for pictures: at least medium from a stranger.
    let talk = |age: &str| {
        format!("a: hey asl?\nb: 15 f usa u?\na: {age} m uk. u horny?\nb: lol\na: wanna cyber? what r u wearing\n")
    };
    for (text, age, lowest) in [
        (chat("28"), "28", Some("high")),
        (chat("i'm 31"), "i'm 31", Some("high")),
        (chat(""), "", Some("high")),
        (chat("16"), "16", None),
        (talk(""), "", Some("medium")),
        (talk("16"), "16", None),
    ] {
        let out = lurewatch()
            .args(["scan", "--model", "baseline", "--format", "json", "-"])
            .write_stdin(text)
            .output()
            .unwrap();
        let a = &json_lines(&out.stdout)[0];
        let level = a["level"].as_str().unwrap();
        let levels = ["none", "low", "medium", "high", "critical"];
        let rank = |l: &str| levels.iter().position(|&x| x == l).unwrap();
        match lowest {
            Some(lowest) => {
                assert_eq!(a["category"], "grooming", "{age}: {a}");
                assert!(rank(level) >= rank(lowest), "{age}: {a}");
                assert_eq!(a["suspect"], "a", "{age}: {a}");
            }
            None => assert!(rank(level) < rank("medium"), "{age}: {a}"),
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(text.as_bytes()).unwrap();
    p
}

#[test]
fn a_trained_model_is_used_by_scan_eval_and_bench() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..12 {
        text.push_str(&format!(
            r#"{{"id":"g{i}","label":"grooming","suspect":"x","messages":[{{"sender":"x","text":"hey cutie how old r u, our secret ok {i}"}},{{"sender":"y","text":"13"}},{{"sender":"x","text":"send me a pic, dont tell ur mom"}}]}}"#
        ));
        text.push('\n');
        text.push_str(&format!(
            r#"{{"id":"n{i}","label":"none","messages":[{{"sender":"a","text":"lunch at noon? room {i}"}},{{"sender":"b","text":"sure see you there"}}]}}"#
        ));
        text.push('\n');
    }
    let data = write(dir.path(), "small.jsonl", &text);
    let model = dir.path().join("small.lwm");
    lurewatch()
        .args(["train", "--folds", "3", "--hash-bits", "12", "--out"])
        .arg(&model)
        .arg(&data)
        .assert()
        .success()
        .stdout(predicate::str::contains("3-fold cross-validation"))
        .stdout(predicate::str::contains("small.jsonl"))
        .stderr(predicate::str::contains("24 conversations"));
    // Rounds of cross-validation pool their figures: each conversation once a round.
    let out = lurewatch()
        .args(["train", "--folds", "3", "--repeats", "2", "--hash-bits", "12", "--format", "json", "--out"])
        .arg(dir.path().join("rounds.lwm"))
        .arg(&data)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("small.jsonl: 24 0 0 24;") && log.contains("F1 of one round 1.000–1.000"), "{log}");
    let r = &json_lines(&out.stdout)[0];
    assert_eq!(r["conversations"], 48, "{r}");
    assert_eq!(r["positives"], 24, "{r}");
    let out = lurewatch().args(["eval", "--format", "json", "--model"]).arg(&model).arg(&data).output().unwrap();
    assert!(out.status.success());
    let r = &json_lines(&out.stdout)[0];
    assert_eq!(r["recall"], 1.0, "{r}");
    assert!(r["latency_f1"].as_f64().unwrap() > 0.9, "{r}");
    assert!(r["median_alert_messages"].as_f64().unwrap() <= 3.0, "{r}");
    lurewatch().args(["bench", "--seconds", "0.1", "--model"]).arg(&model).arg(&data).assert().success();
}

#[test]
fn bad_models_and_training_data_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.lwm");
    lurewatch()
        .args(["scan", "--model"])
        .arg(&missing)
        .write_stdin("a: hi\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot load the model"));
    let garbage = write(dir.path(), "garbage.lwm", "PK this is a zip, not a model");
    lurewatch()
        .args(["scan", "--model"])
        .arg(&garbage)
        .write_stdin("a: hi\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a lurewatch model file"));
    let negatives =
        write(dir.path(), "none.jsonl", r#"{"id":"n","label":"none","messages":[{"sender":"a","text":"hi"}]}"#);
    lurewatch()
        .args(["train", "--folds", "0", "--out"])
        .arg(dir.path().join("x.lwm"))
        .arg(&negatives)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to learn"));
    let unlabelled = write(dir.path(), "u.jsonl", r#"{"id":"u","messages":[{"sender":"a","text":"hi"}]}"#);
    lurewatch()
        .args(["train", "--out"])
        .arg(dir.path().join("x.lwm"))
        .arg(&unlabelled)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no label"));
    for (setting, message) in [
        ("--learning-rate=0", "--learning-rate must be a positive number"),
        ("--l2=-1", "--l2 must be zero or a positive number"),
        ("--alpha=NaN", "--alpha must be zero or a positive number"),
        ("--repeats=0", "--repeats must be at least 1"),
    ] {
        lurewatch()
            .args(["train", setting, "--out"])
            .arg(dir.path().join("x.lwm"))
            .arg(&negatives)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert!(!dir.path().join("x.lwm").exists(), "nothing is written on failure");
}

fn pan12_message(line: u32, author: &str, text: &str) -> String {
    format!("<message line=\"{line}\"><author>{author}</author><time>16:43</time><text>{text}</text></message>")
}

#[test]
fn eval_pan12_prints_the_official_measures() {
    let dir = tempfile::tempdir().unwrap();
    let predator = "a".repeat(32);
    let child = "b".repeat(32);
    let adult = "c".repeat(32);
    let groom = format!("{:032x}", 1);
    let chat = format!("{:032x}", 2);
    let mut xml = String::from("<conversations>");
    xml.push_str(&format!("<conversation id=\"{groom}\">"));
    for (i, (who, text)) in [
        (&predator, "hey cutie how old are you"),
        (&child, "im 13"),
        (&predator, "you are so mature, this is our secret ok dont tell your mom"),
        (&predator, "send me a pic of you and meet me after school, i can buy you a phone"),
    ]
    .iter()
    .enumerate()
    {
        xml.push_str(&pan12_message(i as u32 + 1, who, text));
    }
    xml.push_str(&format!("</conversation><conversation id=\"{chat}\">"));
    xml.push_str(&pan12_message(1, &adult, "did you fix the build"));
    xml.push_str(&pan12_message(2, &child, "yes, tests pass now"));
    xml.push_str("</conversation></conversations>");
    write(dir.path(), "corpus.xml", &xml);
    write(dir.path(), "groundtruth-problem1.txt", &format!("{predator}\n"));
    write(dir.path(), "groundtruth-problem2.txt", &format!("{groom}\t3\n{groom}\t4\n"));

    let out = lurewatch().args(["eval", "--format", "json", "--pan12"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = &json_lines(&out.stdout)[0];
    assert_eq!(r["conversations"], 2);
    assert_eq!(r["messages"], 6);
    assert_eq!(r["authors"], 3);
    assert_eq!(r["problem1"]["correct"], 1, "{r}");
    assert_eq!(r["problem1"]["precision"], 1.0, "{r}");
    assert_eq!(r["problem1"]["f"], 1.0, "{r}");
    // All three of the predator's lines are predicted; two are in the truth.
    assert_eq!(r["problem2"]["predicted"], 3, "{r}");
    assert_eq!(r["problem2"]["recall"], 1.0, "{r}");
    let f3 = 10.0 * (2.0 / 3.0) / (9.0 * (2.0 / 3.0) + 1.0);
    assert!((r["problem2"]["f"].as_f64().unwrap() - f3).abs() < 1e-9, "{r}");

    lurewatch()
        .args(["eval", "--pan12"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("| 1: predator authors | 1 | 1 | 1 | 1.000 | 1.000 | F0.5 1.000 |"));
}

#[test]
fn eval_pan12_reads_the_toy_corpus_and_says_what_is_missing() {
    let toy = root().join("../shared/data/pan12-toy/toy.test");
    let out = lurewatch().args(["eval", "--format", "json", "--pan12"]).arg(&toy).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = &json_lines(&out.stdout)[0];
    assert_eq!(r["conversations"], 9);
    assert_eq!(r["messages"], 551);
    assert_eq!(r["problem1"]["truth"], 5);
    assert_eq!(r["problem2"]["truth"], 15);
    // The training release names its files differently.
    let train = root().join("../shared/data/pan12-toy/toy.train");
    let out = lurewatch().args(["eval", "--format", "json", "--pan12"]).arg(&train).output().unwrap();
    assert!(out.status.success());
    let r = &json_lines(&out.stdout)[0];
    assert_eq!((r["conversations"].as_u64(), r["problem1"]["truth"].as_u64()), (Some(17), Some(3)));

    let empty = tempfile::tempdir().unwrap();
    write(empty.path(), "corpus.xml", "<conversations></conversations>");
    lurewatch()
        .args(["eval", "--pan12"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no predator list"));
    lurewatch()
        .args(["eval", "--pan12", "does-not-exist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the directory does-not-exist"));
}
