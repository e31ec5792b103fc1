//! Detection quality on the shared corpora (`../shared/data/corpora`, beside the clone).
//!
//! These are the project's acceptance figures: a false-positive rate of at most 1% on every
//! corpus of ordinary and other-fraud text, and recall of at least 0.90 on the Perverted
//! Justice predators. The test fails, saying why, when the corpora are missing.

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::{corpora, corpus_files};

#[test]
fn corpus_figures_meet_the_targets() {
    let files = corpus_files();
    let out =
        Command::cargo_bin("lurewatch").unwrap().args(["eval", "--format", "json"]).args(&files).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reports: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut checked = 0;
    for r in &reports {
        let file = r["file"].as_str().unwrap();
        let name = file.rsplit('/').next().unwrap();
        if r["positives"] == 0 {
            let fpr = r["false_positive_rate"].as_f64().unwrap();
            assert!(fpr <= 0.01, "{name}: false-positive rate {fpr:.4} above 1%");
            checked += 1;
        }
        if name == "en-perverted-justice-predators.jsonl" {
            let recall = r["recall"].as_f64().unwrap();
            assert!(recall >= 0.90, "{name}: recall {recall:.3} below 0.90");
            assert_eq!(r["suspect_accuracy"].as_f64(), Some(1.0), "{name}: the suspect is the predator");
            checked += 1;
        }
    }
    assert_eq!(checked, 7, "{reports:#?}");
}

#[test]
fn the_pan12_toy_corpus_reads_in_its_original_xml() {
    let file =
        corpora().join("../pan12-toy/toy.train/pan12-sexual-predator-identification-training-corpus-2012-05-01.xml");
    let out = Command::cargo_bin("lurewatch").unwrap().args(["scan", "--format", "json"]).arg(&file).output().unwrap();
    assert_ne!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let conversations: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(conversations.len() >= 10, "{} conversations", conversations.len());
    assert!(conversations.iter().all(|c| c["messages"].as_u64().unwrap() > 0));
    // Every conversation flagged names one of the known predators as the suspect.
    let predators =
        std::fs::read_to_string(corpora().join(
            "../pan12-toy/toy.train/pan12-sexual-predator-identification-training-corpus-predators-2012-05-01.txt",
        ))
        .unwrap();
    let flagged: Vec<&Value> =
        conversations.iter().filter(|c| matches!(c["level"].as_str(), Some("medium" | "high" | "critical"))).collect();
    assert!(!flagged.is_empty());
    for c in flagged {
        let suspect = c["suspect"].as_str().unwrap();
        assert!(predators.lines().any(|p| p.trim() == suspect), "{} flagged {suspect}", c["id"]);
    }
}
