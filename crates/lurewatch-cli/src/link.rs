//! `lurewatch link`: conversations linked into suspected networks by the indicators they
//! share, with GraphML and STIX 2.1 exports.

use std::io::{self, Write};
use std::path::PathBuf;
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
                    kind: f.kind.as_str().to_owned(),
                    amount: f.amount.map(|n| (n, f.currency.clone())),
                    value: f.value,
                    platform: f.platform,
                    listed: f.listed,
                    common,
                }
            })
            .collect(),
        id: a.id,
        category: a.category.id().to_owned(),
        level: a.level.id().to_owned(),
        risk: a.risk,
        tactics: a.stages.iter().map(|t| t.id().to_owned()).collect(),
    }
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
    let failed = {
        let mut assessor = Assessor::new(engine, |a: Assessment, _, _| reports.push(report_of(engine, a)));
        assessor.read_all(files, input)
    };
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
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
