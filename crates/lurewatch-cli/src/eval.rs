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
    alert_fraction_sum: f64,
    /// Messages read before the first alert, per true positive.
    #[serde(skip)]
    delays: Vec<u32>,
    unlabelled: u64,
}

/// The latency penalty's steepness: the one of the latency-weighted F1 of early risk
/// detection (Sadeque et al., 2018), which early sexual predator detection took over
/// (Vogt et al., 2021). With it an alert after 142 messages costs half the credit.
pub const LATENCY_P: f64 = 0.0078;

/// The penalty of an alert raised after reading `k` messages: 0 at the first message,
/// rising towards 1.
pub fn latency_penalty(k: f64, p: f64) -> f64 {
    -1.0 + 2.0 / (1.0 + (-p * (k - 1.0)).exp())
}

/// Precision, recall and F-beta of counts; `None` where there is nothing to divide by.
pub fn precision_recall_f(tp: u64, fp: u64, fn_: u64, beta: f64) -> (Option<f64>, Option<f64>, Option<f64>) {
    let (p, r) = (Stats::ratio(tp, tp + fp), Stats::ratio(tp, tp + fn_));
    let b2 = beta * beta;
    let f = p.zip(r).map(|(p, r)| if p + r > 0.0 { (1.0 + b2) * p * r / (b2 * p + r) } else { 0.0 });
    (p, r, f)
}

/// The median of sorted values.
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    (n > 0).then(|| if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 })
}

/// A conversation counts as flagged when it has a category and reached `medium`.
pub fn flagged(a: &Assessment) -> bool {
    a.category != Category::None && a.level >= Level::Medium
}

impl Stats {
    /// Empty counts for the file `file`.
    pub fn named(file: &str) -> Stats {
        Stats { file: file.to_owned(), ..Stats::default() }
    }

    /// Counts one assessed conversation with its label and labelled suspect.
    pub fn add(&mut self, a: &Assessment, label: Option<&str>, suspect: Option<&str>) {
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
                self.delays.push(m + 1);
                self.alert_fraction_sum += f64::from(m + 1) / f64::from(a.messages.max(1));
            }
        }
    }

    /// Adds the counts of `o`.
    pub fn merge(&mut self, o: &Stats) {
        self.delays.extend_from_slice(&o.delays);
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
        self.alert_fraction_sum += o.alert_fraction_sum;
        self.unlabelled += o.unlabelled;
    }

    fn ratio(a: u64, b: u64) -> Option<f64> {
        (b > 0).then(|| a as f64 / b as f64)
    }

    /// The measures.
    pub fn report(&self) -> Report {
        let (precision, recall, f1) = precision_recall_f(self.tp, self.fp, self.fn_, 1.0);
        let mut delays: Vec<f64> = self.delays.iter().map(|&k| f64::from(k)).collect();
        delays.sort_unstable_by(f64::total_cmp);
        // The penalty rises with the delay, so the delays' order is the penalties' order.
        let penalties: Vec<f64> = delays.iter().map(|&k| latency_penalty(k, LATENCY_P)).collect();
        let alerts = delays.len() as f64;
        Report {
            latency_f1: f1.map(|f| f * (1.0 - median(&penalties).unwrap_or(1.0))),
            median_alert_messages: median(&delays),
            file: self.file.clone(),
            conversations: self.conversations,
            positives: self.positives,
            messages: self.messages,
            precision,
            recall,
            f1,
            f05: precision_recall_f(self.tp, self.fp, self.fn_, 0.5).2,
            false_positive_rate: Stats::ratio(self.fp, self.fp + self.tn),
            category_accuracy: Stats::ratio(self.category_correct, self.conversations),
            suspect_accuracy: Stats::ratio(self.suspect_correct, self.suspect_known),
            // Delays count messages read; the alert's index is one less.
            mean_alert_message: (alerts > 0.0).then(|| delays.iter().sum::<f64>() / alerts - 1.0),
            mean_alert_fraction: (alerts > 0.0).then(|| self.alert_fraction_sum / alerts),
            messages_per_second: (self.seconds > 0.0).then(|| self.messages as f64 / self.seconds),
            megabytes_per_second: (self.seconds > 0.0).then(|| self.bytes as f64 / 1e6 / self.seconds),
            tp: self.tp,
            fp: self.fp,
            fn_: self.fn_,
            tn: self.tn,
        }
    }
}

/// What `eval` prints per file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    file: String,
    conversations: u64,
    positives: u64,
    messages: u64,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    f05: Option<f64>,
    /// F1 times the speed: one minus the median latency penalty of the true positives.
    latency_f1: Option<f64>,
    /// Median number of messages read before the first alert, over true positives.
    median_alert_messages: Option<f64>,
    false_positive_rate: Option<f64>,
    category_accuracy: Option<f64>,
    suspect_accuracy: Option<f64>,
    mean_alert_message: Option<f64>,
    mean_alert_fraction: Option<f64>,
    messages_per_second: Option<f64>,
    megabytes_per_second: Option<f64>,
    tp: u64,
    fp: u64,
    #[serde(rename = "fn")]
    fn_: u64,
    tn: u64,
}

/// A measure for a table: three decimals, or a dash when undefined.
pub fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{x:.3}"))
}

pub fn run(engine: &Engine, files: &[PathBuf], format: OutputFormat) -> anyhow::Result<ExitCode> {
    // Throughput per file is measured warm: the first file does not pay for loading.
    engine.extractor().warm_up();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut all = Stats::named("all");
    let mut reports = Vec::new();
    let mut errors = 0;
    for source in Source::list(files) {
        let mut stats = Stats::named(&source.name);
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
    write_reports(&mut out, &reports, format, true)?;
    Ok(ExitCode::from(if errors > 0 { 2 } else { 0 }))
}

/// Prints the reports as JSON lines or a Markdown table; `timing` adds the throughput.
pub fn write_reports(
    out: &mut dyn Write,
    reports: &[Report],
    format: OutputFormat,
    timing: bool,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            for r in reports {
                writeln!(out, "{}", serde_json::to_string(r)?)?;
            }
        }
        OutputFormat::Human => {
            let (head, rule) = if timing { (" msg/s | MB/s |", "--:|--:|") } else { ("", "") };
            writeln!(
                out,
                "| file | conv. | pos. | precision | recall | F1 | F0.5 | latency F1 | FPR | category acc. | suspect acc. | first alert (median msgs / mean share) |{head}"
            )?;
            writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|{rule}")?;
            for r in reports {
                let name = std::path::Path::new(&r.file)
                    .file_name()
                    .map_or(r.file.clone(), |n| n.to_string_lossy().into_owned());
                let alert = match (r.median_alert_messages, r.mean_alert_fraction) {
                    (Some(m), Some(f)) => format!("{m:.0} / {:.0}%", f * 100.0),
                    _ => "—".into(),
                };
                let speed = if timing {
                    format!(
                        " {:.0} | {:.1} |",
                        r.messages_per_second.unwrap_or(0.0),
                        r.megabytes_per_second.unwrap_or(0.0)
                    )
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {alert} |{speed}",
                    r.conversations,
                    r.positives,
                    cell(r.precision),
                    cell(r.recall),
                    cell(r.f1),
                    cell(r.f05),
                    cell(r.latency_f1),
                    cell(r.false_positive_rate),
                    cell(r.category_accuracy),
                    cell(r.suspect_accuracy),
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latency_penalty_is_zero_at_once_and_half_after_142_messages() {
        assert_eq!(latency_penalty(1.0, LATENCY_P), 0.0);
        assert!((latency_penalty(142.0, LATENCY_P) - 0.5).abs() < 0.01);
        assert!(latency_penalty(10_000.0, LATENCY_P) > 0.99);
        assert!(latency_penalty(20.0, LATENCY_P) < latency_penalty(21.0, LATENCY_P));
    }

    #[test]
    fn f_beta_weighs_precision_below_one_and_recall_above() {
        // 6 found, 2 false alarms, 4 missed: P 0.75, R 0.6.
        let (p, r, f1) = precision_recall_f(6, 2, 4, 1.0);
        assert_eq!((p, r), (Some(0.75), Some(0.6)));
        assert!((f1.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        let f05 = precision_recall_f(6, 2, 4, 0.5).2.unwrap();
        let f3 = precision_recall_f(6, 2, 4, 3.0).2.unwrap();
        assert!(f05 > f1.unwrap() && f3 < f1.unwrap() && f3 > 0.6);
        assert_eq!(precision_recall_f(0, 0, 5, 1.0), (None, Some(0.0), None));
        assert_eq!(precision_recall_f(0, 3, 5, 1.0).2, Some(0.0));
        assert_eq!(median(&[1.0, 2.0, 10.0]), Some(2.0));
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), Some(3.0));
        assert_eq!(median(&[]), None);
    }
}
