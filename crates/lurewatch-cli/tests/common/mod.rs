//! Where the tests find the shared corpora.

use std::path::PathBuf;

/// `../shared/data/corpora` beside the repository; fails, saying why, when it is missing.
pub fn corpora() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/corpora");
    assert!(
        dir.is_dir(),
        "the shared corpora are missing: expected {} (a checkout of the shared data beside the repository)",
        dir.display()
    );
    dir
}

/// The eight conversation files of the corpora, sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let dir = corpora();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "expected the eight corpora in {}", dir.display());
    files
}
