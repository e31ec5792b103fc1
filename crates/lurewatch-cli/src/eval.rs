//! `lurewatch eval`: detection quality on labelled files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use lurewatch_core::{Assessment, Category, Engine, Level};
use lurewatch_input::Format;
use serde::Serialize;

use crate::OutputFormat;
use crate::scan::Assessor;
use crate::source::Source;

/// Counts for one file or for all.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    file: String,
    conversations: u64,
    messages: u64,
    bytes: u64,
    seconds: f64,
    positives: u64,
    tp: u64,
    fp: u64,
    fn_: u64,
    tn: u64,
    category_correct: u64,
    suspect_known: u64,
    suspect_correct: u64,
    alert_count: u64,
    alert_index_sum: f64,
    alert_fraction_sum: f64,
    unlabelled: u64,
}

/// A conversation counts as flagged when it has a category and reached `medium`.
pub fn flagged(a: &Assessment) -> bool {
    a.category != Category::None && a.level >= Level::Medium
}

impl Stats {
    fn add(&mut self, a: &Assessment, label: Option<&str>, suspect: Option<&str>) {
        let Some(label) = label.and_then(|l| l.parse::<Category>().ok()) else {
            self.unlabelled += 1;
            return;
        };
        self.conversations += 1;
        self.messages += u64::from(a.messages);
        let positive = label != Category::None;
        let hit = flagged(a);
        let predicted = if hit { a.category } else { Category::None };
        self.category_correct += u64::from(predicted == label);
        match (positive, hit) {
            (true, true) => self.tp += 1,
            (true, false) => self.fn_ += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
        }
        self.positives += u64::from(positive);
        if positive && hit {
            if let Some(s) = suspect {
                self.suspect_known += 1;
                self.suspect_correct += u64::from(a.suspect.as_deref() == Some(s));
            }
            if let Some(m) = a.first_alert_message {
                self.alert_count += 1;
                self.alert_index_sum += f64::from(m);
                self.alert_fraction_sum += f64::from(m + 1) / f64::from(a.messages.max(1));
            }
        }
    }

    fn merge(&mut self, o: &Stats) {
        self.conversations += o.conversations;
        self.messages += o.messages;
        self.bytes += o.bytes;
        self.seconds += o.seconds;
        self.positives += o.positives;
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.tn += o.tn;
        self.category_correct += o.category_correct;
        self.suspect_known += o.suspect_known;
        self.suspect_correct += o.suspect_correct;
        self.alert_count += o.alert_count;
        self.alert_index_sum += o.alert_index_sum;
        self.alert_fraction_sum += o.alert_fraction_sum;
        self.unlabelled += o.unlabelled;
    }

    fn ratio(a: u64, b: u64) -> Option<f64> {
        (b > 0).then(|| a as f64 / b as f64)
    }

    fn report(&self) -> Report {
        let precision = Stats::ratio(self.tp, self.tp + self.fp);
        let recall = Stats::ratio(self.tp, self.tp + self.fn_);
        let f = |beta: f64| match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some((1.0 + beta * beta) * p * r / (beta * beta * p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Report {
            file: self.file.clone(),
            conversations: self.conversations,
            positives: self.positives,
            messages: self.messages,
            precision,
            recall,
            f1: f(1.0),
            f05: f(0.5),
            false_positive_rate: Stats::ratio(self.fp, self.fp + self.tn),
            category_accuracy: Stats::ratio(self.category_correct, self.conversations),
            suspect_accuracy: Stats::ratio(self.suspect_correct, self.suspect_known),
            mean_alert_message: (self.alert_count > 0).then(|| self.alert_index_sum / self.alert_count as f64),
            mean_alert_fraction: (self.alert_count > 0).then(|| self.alert_fraction_sum / self.alert_count as f64),
            messages_per_second: self.messages as f64 / self.seconds.max(1e-9),
            megabytes_per_second: self.bytes as f64 / 1e6 / self.seconds.max(1e-9),
            tp: self.tp,
            fp: self.fp,
            fn_: self.fn_,
            tn: self.tn,
        }
    }
}

/// What `eval` prints per file.
#[derive(Debug, Serialize)]
struct Report {
    file: String,
    conversations: u64,
    positives: u64,
    messages: u64,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    f05: Option<f64>,
    false_positive_rate: Option<f64>,
    category_accuracy: Option<f64>,
    suspect_accuracy: Option<f64>,
    mean_alert_message: Option<f64>,
    mean_alert_fraction: Option<f64>,
    messages_per_second: f64,
    megabytes_per_second: f64,
    tp: u64,
    fp: u64,
    #[serde(rename = "fn")]
    fn_: u64,
    tn: u64,
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{x:.3}"))
}

pub fn run(engine: &Engine, files: &[PathBuf], format: OutputFormat) -> anyhow::Result<ExitCode> {
    // Throughput per file is measured warm: the first file does not pay for loading.
    engine.extractor().warm_up();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut all = Stats { file: "all".into(), ..Stats::default() };
    let mut reports = Vec::new();
    let mut errors = 0;
    for source in Source::list(files) {
        let mut stats = Stats { file: source.name.clone(), ..Stats::default() };
        stats.bytes = std::fs::metadata(&source.name).map(|m| m.len()).unwrap_or(0);
        let start = Instant::now();
        let mut assessor = Assessor::new(engine, |a: Assessment, label: Option<String>, suspect: Option<String>| {
            stats.add(&a, label.as_deref(), suspect.as_deref());
        });
        assessor.source = source.name.clone();
        source.read(Some(Format::Conversations), &mut assessor)?;
        errors += assessor.errors;
        stats.seconds = start.elapsed().as_secs_f64();
        if stats.conversations == 0 {
            bail!("{}: no labelled conversations (each line needs `label` and `messages`)", source.name);
        }
        all.merge(&stats);
        reports.push(stats.report());
    }
    if reports.len() > 1 {
        reports.push(all.report());
    }
    match format {
        OutputFormat::Json => {
            for r in &reports {
                writeln!(out, "{}", serde_json::to_string(r)?)?;
            }
        }
        OutputFormat::Human => {
            writeln!(
                out,
                "| file | conv. | pos. | precision | recall | F1 | F0.5 | FPR | category acc. | suspect acc. | first alert (msg / share) | msg/s | MB/s |"
            )?;
            writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")?;
            for r in &reports {
                let name = std::path::Path::new(&r.file)
                    .file_name()
                    .map_or(r.file.clone(), |n| n.to_string_lossy().into_owned());
                let alert = match (r.mean_alert_message, r.mean_alert_fraction) {
                    (Some(m), Some(f)) => format!("{m:.1} / {:.0}%", f * 100.0),
                    _ => "—".into(),
                };
                writeln!(
                    out,
                    "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {alert} | {:.0} | {:.1} |",
                    r.conversations,
                    r.positives,
                    cell(r.precision),
                    cell(r.recall),
                    cell(r.f1),
                    cell(r.f05),
                    cell(r.false_positive_rate),
                    cell(r.category_accuracy),
                    cell(r.suspect_accuracy),
                    r.messages_per_second,
                    r.megabytes_per_second,
                )?;
            }
        }
    }
    Ok(ExitCode::from(if errors > 0 { 2 } else { 0 }))
}
