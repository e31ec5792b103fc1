//! `lurewatch train`: fit the learned model on labelled conversations, with k-fold
//! cross-validation of the whole engine (lexicon and model, message by message) on the
//! folds each model never saw.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use lurewatch_core::lexicon::Lexicon;
use lurewatch_core::{Category, Engine, Message, Scratch};
use lurewatch_model::train::{Scored, choose_threshold, raw_score};
use lurewatch_model::{Dataset, Model, TrainConfig};
use serde::Serialize;

use crate::OutputFormat;
use crate::eval::{Report, Stats, cell, precision_recall_f, write_reports};

/// What `train` is asked to do.
pub struct Options {
    pub files: Vec<PathBuf>,
    pub out: PathBuf,
    pub folds: u32,
    pub repeats: u32,
    pub max_fpr: f64,
    pub name: String,
    pub config: TrainConfig,
    pub format: OutputFormat,
}

/// A labelled conversation held in memory.
struct Labelled {
    group: u32,
    id: String,
    label: Category,
    suspect: Option<String>,
    messages: Vec<(String, String, Option<i64>)>,
}

impl Labelled {
    fn messages(&self) -> impl Iterator<Item = Message<'_>> {
        self.messages.iter().map(|(s, t, time)| Message { sender: s, text: t, time: *time })
    }
}

/// What the model file records of its training.
#[derive(Serialize)]
struct Record<'a> {
    command: String,
    files: Vec<FileRecord>,
    config: &'a TrainConfig,
    folds: u32,
    repeats: u32,
    max_false_positive_rate: f64,
    threshold: f32,
    cross_validation: &'a [Report],
}

#[derive(Serialize)]
struct FileRecord {
    name: String,
    bytes: u64,
    conversations: usize,
}

fn read(files: &[PathBuf]) -> anyhow::Result<(Vec<Labelled>, Vec<FileRecord>)> {
    let mut all = Vec::new();
    let mut records = Vec::new();
    for (group, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let (_, collected) = lurewatch_input::collect(&name, &bytes);
        if let Some(e) = collected.errors.first() {
            bail!("{}: {e} ({} malformed records)", path.display(), collected.errors.len());
        }
        let before = all.len();
        for c in collected.conversations {
            let Some(label) = c.label.as_deref().and_then(|l| l.parse::<Category>().ok()) else {
                bail!("{}: conversation `{}` has no label (`grooming`, `sextortion` or `none`)", path.display(), c.id);
            };
            all.push(Labelled { group: group as u32, id: c.id, label, suspect: c.suspect, messages: c.messages });
        }
        if all.len() == before {
            bail!("{}: no labelled conversations", path.display());
        }
        records.push(FileRecord { name, bytes: bytes.len() as u64, conversations: all.len() - before });
    }
    Ok((all, records))
}

pub fn run(lexicon: impl Fn() -> anyhow::Result<Lexicon>, options: &Options) -> anyhow::Result<ExitCode> {
    if options.folds == 1 {
        bail!("--folds must be 0 (no cross-validation) or at least 2");
    }
    if options.repeats == 0 {
        bail!("--repeats must be at least 1");
    }
    let c = &options.config;
    if !(c.learning_rate.is_finite() && c.learning_rate > 0.0) {
        bail!("--learning-rate must be a positive number");
    }
    if !(c.l2.is_finite() && c.l2 >= 0.0) {
        bail!("--l2 must be zero or a positive number");
    }
    if !(c.alpha.is_finite() && c.alpha >= 0.0) {
        bail!("--alpha must be zero or a positive number");
    }
    let (conversations, files) = read(&options.files)?;
    if conversations.iter().all(|c| c.label == Category::None) {
        bail!("no conversation labelled `grooming` or `sextortion`: nothing to learn");
    }
    let plain = Engine::builder().lexicon(lexicon()?).build();
    let mut dataset = Dataset::new(&options.config);
    let mut scratch = Scratch::new();
    for c in &conversations {
        dataset.add(&plain, &mut scratch, &c.id, c.group, c.label, c.suspect.as_deref(), c.messages());
    }
    // What is said along the way is kept and printed once the model is written: a closed
    // standard error must not cost the model.
    let mut log: Vec<u8> = Vec::new();
    writeln!(
        log,
        "lurewatch: {} conversations, {} sender examples from {} files",
        conversations.len(),
        dataset.examples.len(),
        files.len()
    )?;

    // Out-of-fold raw scores of every round choose the alert threshold.
    let rounds = if options.folds >= 2 { cross_validate(&dataset, options)? } else { Vec::new() };
    let Some(final_model) = dataset.fit(&options.config, &options.name, |_| true) else {
        bail!("no conversation labelled `grooming` or `sextortion`: nothing to learn");
    };
    let threshold = if rounds.is_empty() {
        // Without folds, the threshold is chosen on the training data itself.
        let points: Vec<Scored> = dataset
            .examples
            .iter()
            .map(|e| Scored {
                score: raw_score(&final_model, e),
                positive: e.label != Category::None,
                group: conversations[e.conversation as usize].group,
            })
            .collect();
        choose_threshold(&points, options.max_fpr).unwrap_or(0.0)
    } else {
        let points: Vec<Scored> = rounds
            .iter()
            .flat_map(|r| {
                conversations.iter().zip(&r.scores).map(|(c, &score)| Scored {
                    score,
                    positive: c.label != Category::None,
                    group: c.group,
                })
            })
            .collect();
        choose_threshold(&points, options.max_fpr).unwrap_or(0.0)
    };

    if !rounds.is_empty() {
        model_alone(&mut log, &files, &conversations, &rounds, threshold)?;
    }

    // The whole engine with each fold's model, message by message, on that fold; the
    // rounds pooled.
    let mut reports = Vec::new();
    if !rounds.is_empty() {
        let mut per_file: Vec<Stats> = files.iter().map(|f| Stats::named(&f.name)).collect();
        for round in rounds {
            for (f, mut model) in round.models.into_iter().enumerate() {
                model.calibrate(threshold);
                let engine = Engine::builder().lexicon(lexicon()?).scorer(Box::new(model.scorer())).build();
                for (c, _) in conversations.iter().zip(&round.folds).filter(|&(_, &k)| k == f as u32) {
                    let a = engine.assess(&c.id, c.messages());
                    per_file[c.group as usize].add(&a, Some(c.label.id()), c.suspect.as_deref());
                }
            }
        }
        let mut all = Stats::named("all");
        for s in &per_file {
            all.merge(s);
            reports.push(s.report());
        }
        if per_file.len() > 1 {
            reports.push(all.report());
        }
    }

    let mut model: Model = final_model;
    model.calibrate(threshold);
    let record = Record {
        command: std::iter::once("lurewatch train".to_owned())
            .chain(options.files.iter().map(|p| file_name(p)))
            .collect::<Vec<_>>()
            .join(" "),
        files,
        config: &options.config,
        folds: options.folds,
        repeats: options.repeats,
        max_false_positive_rate: options.max_fpr,
        threshold,
        cross_validation: &reports,
    };
    model.set_training(serde_json::to_value(&record)?);
    let bytes = model.to_bytes();
    std::fs::write(&options.out, &bytes).with_context(|| format!("cannot write {}", options.out.display()))?;
    writeln!(
        log,
        "lurewatch: wrote {} ({} bytes); alert threshold {threshold:.4}",
        options.out.display(),
        bytes.len()
    )?;
    // Nothing to do if standard error is gone.
    let _ = std::io::stderr().write_all(&log);
    if !reports.is_empty() {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        if options.format == OutputFormat::Human {
            let rounds = match options.repeats {
                1 => String::new(),
                n => format!(" ({n} rounds pooled: each conversation counted once a round)"),
            };
            writeln!(
                out,
                "{}-fold cross-validation{rounds}, lexicon and model together, each fold scored by a model that never saw it:\n",
                options.folds
            )?;
        }
        write_reports(&mut out, &reports, options.format, false)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// One round of cross-validation: the folds, a model per fold, and each conversation's
/// out-of-fold raw score.
struct Round {
    folds: Vec<u32>,
    models: Vec<Model>,
    scores: Vec<f32>,
}

/// `options.repeats` rounds of k-fold cross-validation, round `r` with seed `seed + r` for
/// both its folds and its training order.
fn cross_validate(dataset: &Dataset, options: &Options) -> anyhow::Result<Vec<Round>> {
    (0..options.repeats)
        .map(|r| {
            let config = TrainConfig { seed: options.config.seed.wrapping_add(u64::from(r)), ..options.config.clone() };
            let folds = dataset.folds(options.folds, config.seed);
            let mut models = Vec::new();
            let mut scores = vec![f32::NEG_INFINITY; dataset.conversations.len()];
            for f in 0..options.folds {
                let Some(model) = dataset.fit(&config, &options.name, |c| folds[c] != f) else {
                    bail!("fold {f} has no positive conversation to learn from");
                };
                for e in dataset.examples.iter().filter(|e| folds[e.conversation as usize] == f) {
                    let s = &mut scores[e.conversation as usize];
                    *s = s.max(raw_score(&model, e));
                }
                models.push(model);
            }
            Ok(Round { folds, models, scores })
        })
        .collect()
}

/// The model alone, out of fold, on whole conversations: precision, recall, F1 and the
/// false-positive rate per file at the chosen threshold, the rounds pooled; with several
/// rounds, the lowest and highest F1 of one round, to show how much the folds move it.
fn model_alone(
    log: &mut dyn Write,
    files: &[FileRecord],
    conversations: &[Labelled],
    rounds: &[Round],
    threshold: f32,
) -> anyhow::Result<()> {
    writeln!(log, "model alone, out of fold (file: tp fp fn tn; precision recall F1 FPR):")?;
    for (g, f) in files.iter().enumerate() {
        let mut pooled = [0u64; 4];
        let mut round_f1 = Vec::new();
        for scores in rounds.iter().map(|r| &r.scores) {
            let mut counts = [0u64; 4];
            for (c, &s) in conversations.iter().zip(scores).filter(|(c, _)| c.group as usize == g) {
                // tp, fp, fn, tn
                counts[match (c.label != Category::None, s >= threshold) {
                    (true, true) => 0,
                    (false, true) => 1,
                    (true, false) => 2,
                    (false, false) => 3,
                }] += 1;
            }
            round_f1.extend(precision_recall_f(counts[0], counts[1], counts[2], 1.0).2);
            for (p, c) in pooled.iter_mut().zip(counts) {
                *p += c;
            }
        }
        let [tp, fp, fn_, tn] = pooled;
        let (p, r, f1) = precision_recall_f(tp, fp, fn_, 1.0);
        let fpr = (fp + tn > 0).then(|| fp as f64 / (fp + tn) as f64);
        write!(log, "  {}: {tp} {fp} {fn_} {tn}; {} {} {} {}", f.name, cell(p), cell(r), cell(f1), cell(fpr))?;
        if rounds.len() > 1 && round_f1.len() == rounds.len() {
            let lo = round_f1.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = round_f1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            write!(log, "; F1 of one round {lo:.3}–{hi:.3}")?;
        }
        writeln!(log)?;
    }
    Ok(())
}
