//! `lurewatch indicators`: every indicator across conversations, with counts.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use lurewatch_core::indicator::IndicatorKind;
use lurewatch_core::{Assessment, Engine};
use lurewatch_input::Format;
use serde::Serialize;

use crate::scan::Assessor;

/// How the list is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// One JSON object a line.
    Json,
    /// A header and one row per indicator.
    Csv,
}

/// Conversation ids kept per indicator, to find the cases that share it.
const MAX_IDS: usize = 20;

/// One indicator across every conversation read.
#[derive(Debug, Serialize)]
struct Row {
    kind: IndicatorKind,
    value: String,
    /// Conversations that name it.
    conversations: u32,
    /// Times it appeared, in all of them.
    occurrences: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    listed: Option<String>,
    /// How it was first written.
    raw: String,
    /// The first conversations that name it (at most twenty).
    ids: Vec<String>,
}

pub fn run(
    engine: &Engine,
    files: &[PathBuf],
    input: Option<Format>,
    format: Output,
    min_conversations: u32,
) -> anyhow::Result<ExitCode> {
    let mut rows: HashMap<(IndicatorKind, String), Row> = HashMap::new();
    let mut failed = false;
    {
        let mut assessor = Assessor::new(engine, |a: Assessment, _, _| {
            for i in a.indicators {
                let f = i.found;
                let row = rows.entry((f.kind, f.value.clone())).or_insert_with(|| Row {
                    kind: f.kind,
                    value: f.value,
                    conversations: 0,
                    occurrences: 0,
                    platform: f.platform,
                    region: f.region,
                    listed: f.listed,
                    raw: i.raw,
                    ids: Vec::new(),
                });
                row.conversations += 1;
                row.occurrences = row.occurrences.saturating_add(i.count);
                if row.ids.len() < MAX_IDS {
                    row.ids.push(a.id.clone());
                }
            }
        });
        failed |= assessor.read_all(files, input);
    }
    let mut rows: Vec<Row> = rows.into_values().filter(|r| r.conversations >= min_conversations).collect();
    rows.sort_by(|a, b| {
        (b.conversations, b.occurrences)
            .cmp(&(a.conversations, a.occurrences))
            .then((a.kind, &a.value).cmp(&(b.kind, &b.value)))
    });
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match format {
        Output::Json => {
            for row in &rows {
                serde_json::to_writer(&mut out, row)?;
                out.write_all(b"\n")?;
            }
        }
        Output::Csv => {
            writeln!(out, "kind,value,conversations,occurrences,platform,region,listed,raw,ids")?;
            for r in &rows {
                let fields = [
                    r.kind.as_str().to_owned(),
                    r.value.clone(),
                    r.conversations.to_string(),
                    r.occurrences.to_string(),
                    r.platform.clone().unwrap_or_default(),
                    r.region.clone().unwrap_or_default(),
                    r.listed.clone().unwrap_or_default(),
                    r.raw.clone(),
                    r.ids.join(";"),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                writeln!(out, "{}", line.join(","))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if failed { 2 } else { 0 }))
}

/// A CSV field: quoted when it holds a comma, quote or line break, and with a leading `'`
/// when a spreadsheet would read it as a formula (a phone number's `+` and digits is not).
fn csv_field(s: &str) -> String {
    let b = s.as_bytes();
    let formula = match b.first() {
        Some(b'=' | b'@') => true,
        Some(b'+' | b'-') => !b.get(1).is_some_and(u8::is_ascii_digit),
        _ => false,
    };
    let s = if formula { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("+85291234567"), "+85291234567");
        assert_eq!(csv_field("+SUM(A1)"), "'+SUM(A1)");
        assert_eq!(csv_field("@jenny"), "'@jenny");
    }
}
