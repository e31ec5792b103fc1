//! `lurewatch eval --pan12 DIR`: the official measures of the PAN 2012 sexual predator
//! identification task on a directory in the corpus's own layout.
//!
//! The directory holds the XML corpus and its ground truth: the predator author ids, one
//! a line (`…groundtruth-problem1.txt`, or `…predators….txt` in the training release), and
//! the predators' suspicious lines as `conversation<TAB>line` (`…groundtruth-problem2.txt`,
//! or `…diff.txt`). Problem 1 (which authors are predators) is scored with precision,
//! recall and F0.5; problem 2 (which lines are the predators') with precision, recall and
//! F3, as in the task.
//!
//! An author is identified when a conversation reaches `medium` with a category and names
//! them as its suspect; the lines identified are that author's lines in those
//! conversations. Line numbers count the conversation's messages from 1, which is how the
//! corpus numbers them.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use lurewatch_core::{ConversationState, Engine, Message, Scratch};
use lurewatch_input::{Event, Format, InputError, Sink};
use serde::Serialize;

use crate::OutputFormat;
use crate::eval::{cell, flagged, precision_recall_f};
use crate::render::escape;
use crate::source::Source;

/// The files of a PAN 2012 directory.
struct Layout {
    corpus: Vec<PathBuf>,
    problem1: PathBuf,
    problem2: PathBuf,
}

fn layout(dir: &Path) -> anyhow::Result<Layout> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    let name = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let corpus: Vec<PathBuf> = names.iter().filter(|p| name(p).ends_with(".xml")).cloned().collect();
    let find = |keys: &[&str]| {
        names.iter().find(|p| name(p).ends_with(".txt") && keys.iter().any(|k| name(p).contains(k))).cloned()
    };
    let expected = "the XML corpus, `…problem1.txt` (or `…predators….txt`) and `…problem2.txt` (or `…diff.txt`)";
    if corpus.is_empty() {
        bail!("{}: no XML corpus; a PAN 2012 directory holds {expected}", dir.display());
    }
    let Some(problem1) = find(&["problem1", "predators"]) else {
        bail!("{}: no predator list; a PAN 2012 directory holds {expected}", dir.display());
    };
    let Some(problem2) = find(&["problem2", "diff"]) else {
        bail!("{}: no list of predator lines; a PAN 2012 directory holds {expected}", dir.display());
    };
    Ok(Layout { corpus, problem1, problem2 })
}

/// Reads `conversation<TAB>line` pairs; other lines (headers, notes) are not pairs.
fn line_pairs(text: &str) -> HashSet<(String, u32)> {
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (conv, line) = (parts.next()?, parts.next()?.parse().ok()?);
            (parts.next().is_none() && conv.len() == 32 && conv.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (conv.to_owned(), line))
        })
        .collect()
}

/// Author ids, one a line.
fn authors(text: &str) -> HashSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains(char::is_whitespace))
        .map(str::to_owned)
        .collect()
}

/// Streams the corpus through the engine, remembering each open conversation's authors
/// by line until it ends.
struct Reader<'e> {
    engine: &'e Engine,
    scratch: Scratch,
    open: HashMap<String, (ConversationState, Vec<String>)>,
    conversations: u64,
    messages: u64,
    authors: HashSet<String>,
    predators: HashSet<String>,
    lines: HashSet<(String, u32)>,
    errors: u64,
    source: String,
}

impl Sink for Reader<'_> {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Begin(h) => {
                self.open.insert(h.id.to_owned(), (self.engine.start(), Vec::new()));
            }
            Event::Message { conversation, message } => {
                if let Some((state, senders)) = self.open.get_mut(conversation) {
                    let m = Message { sender: message.sender, text: message.text, time: message.time };
                    self.engine.push(state, &mut self.scratch, &m);
                    senders.push(message.sender.to_owned());
                    self.authors.insert(message.sender.to_owned());
                    self.messages += 1;
                }
            }
            Event::End { conversation } => {
                if let Some((state, senders)) = self.open.remove(conversation) {
                    self.conversations += 1;
                    let a = state.assessment(self.engine, conversation);
                    if let (true, Some(suspect)) = (flagged(&a), a.suspect) {
                        for (i, s) in senders.iter().enumerate() {
                            if *s == suspect {
                                self.lines.insert((conversation.to_owned(), i as u32 + 1));
                            }
                        }
                        self.predators.insert(suspect);
                    }
                }
            }
        }
    }

    fn error(&mut self, error: InputError) {
        self.errors += 1;
        eprintln!("lurewatch: {}: {}; record skipped", escape(&self.source), error);
    }
}

/// Precision, recall and F-beta of a prediction against the truth.
#[derive(Debug, Serialize)]
struct Measures {
    truth: usize,
    predicted: usize,
    correct: usize,
    precision: Option<f64>,
    recall: Option<f64>,
    f: Option<f64>,
    beta: f64,
}

fn measure<T: Eq + std::hash::Hash>(predicted: &HashSet<T>, truth: &HashSet<T>, beta: f64) -> Measures {
    let correct = predicted.intersection(truth).count();
    let (tp, fp, fn_) = (correct as u64, (predicted.len() - correct) as u64, (truth.len() - correct) as u64);
    let (precision, recall, f) = precision_recall_f(tp, fp, fn_, beta);
    Measures { truth: truth.len(), predicted: predicted.len(), correct, precision, recall, f, beta }
}

#[derive(Debug, Serialize)]
struct Pan12Report {
    directory: String,
    conversations: u64,
    messages: u64,
    authors: usize,
    problem1: Measures,
    problem2: Measures,
}

pub fn run(engine: &Engine, dir: &Path, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let layout = layout(dir)?;
    let read = |p: &Path| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()));
    let truth_authors = authors(&read(&layout.problem1)?);
    let truth_lines = line_pairs(&read(&layout.problem2)?);
    if truth_authors.is_empty() {
        bail!("{}: no author ids", layout.problem1.display());
    }
    let mut reader = Reader {
        engine,
        scratch: Scratch::new(),
        open: HashMap::new(),
        conversations: 0,
        messages: 0,
        authors: HashSet::new(),
        predators: HashSet::new(),
        lines: HashSet::new(),
        errors: 0,
        source: String::new(),
    };
    for source in Source::list(&layout.corpus) {
        reader.source = source.name.clone();
        source.read(Some(Format::Pan12), &mut reader)?;
    }
    let report = Pan12Report {
        directory: dir.display().to_string(),
        conversations: reader.conversations,
        messages: reader.messages,
        authors: reader.authors.len(),
        problem1: measure(&reader.predators, &truth_authors, 0.5),
        problem2: measure(&reader.lines, &truth_lines, 3.0),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string(&report)?)?,
        OutputFormat::Human => {
            writeln!(
                out,
                "PAN 2012 sexual predator identification: {} conversations, {} messages, {} authors\n",
                report.conversations, report.messages, report.authors
            )?;
            writeln!(out, "| problem | truth | predicted | correct | precision | recall | official F |")?;
            writeln!(out, "|---|--:|--:|--:|--:|--:|--:|")?;
            for (name, m) in [("1: predator authors", &report.problem1), ("2: predator lines", &report.problem2)] {
                writeln!(
                    out,
                    "| {name} | {} | {} | {} | {} | {} | F{} {} |",
                    m.truth,
                    m.predicted,
                    m.correct,
                    cell(m.precision),
                    cell(m.recall),
                    m.beta,
                    cell(m.f)
                )?;
            }
        }
    }
    Ok(ExitCode::from(if reader.errors > 0 { 2 } else { 0 }))
}
