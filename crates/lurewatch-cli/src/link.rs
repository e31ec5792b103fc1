//! `lurewatch link`: conversations linked into suspected networks by the indicators they
//! share, with GraphML and STIX 2.1 exports.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use lurewatch_core::indicator::{Flag, IndicatorKind};
use lurewatch_core::{Assessment, Engine};
use lurewatch_input::Format;
use lurewatch_link::{Mark, Report, Rules, export, link};

use crate::scan::Assessor;

/// How networks are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// One JSON document: the networks, the indicators too common to link, the limit.
    Json,
    /// One row per conversation in a network.
    Csv,
}

/// What `link` writes besides standard output.
#[derive(Debug, clap::Args)]
pub struct Exports {
    /// Write the graph (conversations and the indicators linking them) as GraphML.
    #[arg(long, value_name = "FILE")]
    graphml: Option<PathBuf>,
    /// Write every indicator (amounts aside) as a STIX 2.1 bundle.
    #[arg(long, value_name = "FILE")]
    stix: Option<PathBuf>,
    /// Share of conversations above which an indicator is everywhere and links nothing.
    #[arg(long, value_name = "SHARE", default_value_t = 0.02)]
    share: f64,
    /// Conversations an indicator may always be in and still link.
    #[arg(long, value_name = "N", default_value_t = 3)]
    min_common: usize,
}

/// The linking view of an assessment.
pub fn report_of(engine: &Engine, a: Assessment) -> Report {
    let lists = engine.extractor().lists();
    Report {
        marks: a
            .indicators
            .into_iter()
            .map(|i| {
                let f = i.found;
                // A shortener's or a big platform's domain is everywhere; a link on it (one
                // short link, one profile page) is still specific.
                let common =
                    f.kind == IndicatorKind::Domain && (f.flags.contains(&Flag::Shortener) || lists.allowed(&f.value));
                Mark {
                    kind: f.kind.as_str().into(),
                    amount: f.amount.map(|n| (n, f.currency.clone())),
                    value: f.value,
                    platform: f.platform,
                    listed: f.listed,
                    common,
                }
            })
            .collect(),
        id: a.id,
        category: a.category.id().into(),
        level: a.level.id().into(),
        risk: a.risk,
        tactics: a.stages.iter().map(|t| t.id().to_owned()).collect(),
        minor: a.minor,
        ..Report::default()
    }
}

/// What an input file holds.
#[derive(Debug, PartialEq, Eq)]
enum Holds {
    /// Conversations, in any format `scan` reads.
    Conversations,
    /// A report export: a line of JSON per report with its indicators (`marks`), as the
    /// desk's workspace writes it.
    Reports,
    /// One report's evidence package (a zip) from the desk's workspace.
    Package,
}

fn holds(path: &Path) -> anyhow::Result<Holds> {
    let mut reader = BufReader::new(File::open(path).context("cannot open")?);
    if reader.fill_buf()?.starts_with(b"PK\x03\x04") {
        return Ok(Holds::Package);
    }
    let mut line = String::new();
    while line.trim().is_empty() {
        line.clear();
        // A first line that is not text is no report export.
        if reader.read_line(&mut line).is_err() || line.is_empty() {
            return Ok(Holds::Conversations);
        }
    }
    let value: Option<serde_json::Value> = serde_json::from_str(line.trim()).ok();
    Ok(if value.as_ref().and_then(|v| v.get("marks")).is_some() { Holds::Reports } else { Holds::Conversations })
}

/// Reads a report export into `reports`; whether any line was malformed (each is named on
/// standard error and skipped).
fn read_reports(path: &Path, reports: &mut Vec<Report>) -> anyhow::Result<bool> {
    let reader = BufReader::with_capacity(1 << 20, File::open(path).context("cannot open")?);
    let mut bad = false;
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("line {}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Report>(&line) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("lurewatch: {}:{}: not a report ({e}); line skipped", path.display(), n + 1);
                bad = true;
            }
        }
    }
    Ok(bad)
}

/// The largest part of an evidence package read (the assessment of a long conversation
/// with its quotes stays far below).
const PACKAGE_PART_LIMIT: u64 = 64 << 20;

/// Reads one report from its evidence package: the assessment, what the reporter said and
/// when it was stored. Only these parts are read, each at most [`PACKAGE_PART_LIMIT`].
fn read_package(engine: &Engine, path: &Path) -> anyhow::Result<Report> {
    let mut zip = zip::ZipArchive::new(File::open(path).context("cannot open")?)
        .context("not a readable evidence package (zip)")?;
    let mut part = |name: &str| -> anyhow::Result<Option<Vec<u8>>> {
        let file = match zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {name}")),
        };
        let mut bytes = Vec::new();
        file.take(PACKAGE_PART_LIMIT + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {name}"))?;
        anyhow::ensure!(bytes.len() as u64 <= PACKAGE_PART_LIMIT, "{name} is larger than an evidence package holds");
        Ok(Some(bytes))
    };
    let assessment: Assessment =
        serde_json::from_slice(&part("assessment.json")?.context("no assessment.json: not an evidence package")?)
            .context("assessment.json is not an assessment")?;
    let facts: lurewatch_desk::store::Facts = match part("reporter.json")? {
        Some(bytes) => serde_json::from_slice(&bytes).context("reporter.json is malformed")?,
        None => Default::default(),
    };
    let stored: Option<serde_json::Value> =
        part("report.json")?.map(|b| serde_json::from_slice(&b)).transpose().context("report.json is malformed")?;
    let minor = assessment.minor || facts.minor == Some(true);
    let mut report = report_of(engine, assessment);
    if let Some(id) = stored.as_ref().and_then(|s| s["id"].as_str()) {
        report.id = id.to_owned();
    }
    report.reported = stored.as_ref().and_then(|s| s["created_at"].as_i64());
    report.paid = facts.amount_paid.zip(facts.currency);
    report.minor = minor;
    Ok(report)
}

pub fn run(
    engine: &Engine,
    files: &[PathBuf],
    input: Option<Format>,
    format: Output,
    exports: &Exports,
) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&exports.share) {
        anyhow::bail!("--share must be between 0 and 1");
    }
    let mut reports = Vec::new();
    let mut failed = false;
    // Standard input, or every file in the order given.
    let stdin = [PathBuf::from("-")];
    for path in if files.is_empty() { &stdin[..] } else { files } {
        let kind = if path.as_os_str() == "-" { Ok(Holds::Conversations) } else { holds(path) };
        let read = match kind {
            Ok(Holds::Conversations) => {
                let mut assessor = Assessor::new(engine, |a: Assessment, _, _| reports.push(report_of(engine, a)));
                failed |= assessor.read_all(std::slice::from_ref(path), input);
                Ok(())
            }
            Ok(Holds::Reports) => read_reports(path, &mut reports).map(|bad| failed |= bad),
            Ok(Holds::Package) => read_package(engine, path).map(|r| reports.push(r)),
            Err(e) => Err(e),
        };
        if let Err(e) = read {
            eprintln!("lurewatch: error: {}: {e:#}", path.display());
            failed = true;
        }
    }
    let rules = Rules { share: exports.share, min_common: exports.min_common };
    let linked = link(&reports, &rules);
    if let Some(path) = &exports.graphml {
        std::fs::write(path, export::graphml(&linked, &reports))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &exports.stix {
        let created = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let bundle = export::stix(&reports, &linked, &created);
        std::fs::write(path, serde_json::to_string_pretty(&bundle)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = io::stdout().lock();
    match format {
        Output::Json => writeln!(out, "{}", serde_json::to_string(&linked)?)?,
        Output::Csv => out.write_all(export::csv(&linked, &reports).as_bytes())?,
    }
    out.flush()?;
    eprintln!(
        "lurewatch: {} conversations, {} suspected networks ({} conversations in them); {} shared indicators too common to link",
        reports.len(),
        linked.networks.len(),
        linked.networks.iter().map(|n| n.reports.len()).sum::<usize>(),
        linked.common.len()
    );
    // A million reports are millions of small allocations: freeing them one by one takes
    // seconds, and the process ends here anyway.
    std::mem::forget(linked);
    std::mem::forget(reports);
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
