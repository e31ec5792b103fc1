//! `lurewatch qr`: QR codes in screenshots and photos (payment codes, app download codes),
//! each with the indicators its payload holds: payees, links, accounts.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use lurewatch_core::indicator::Found;
use lurewatch_core::{Engine, Language};
use lurewatch_image::qr::Payload;
use serde::Serialize;

use crate::OutputFormat;
use crate::hash::MAX_FILE_BYTES;
use crate::render::{escape, found};

#[derive(Serialize)]
struct Code {
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unreadable: Option<String>,
    indicators: Vec<Found>,
}

#[derive(Serialize)]
struct Record<'a> {
    file: &'a str,
    codes: Vec<Code>,
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<Payload>> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_FILE_BYTES {
        anyhow::bail!("{len} bytes is larger than the {MAX_FILE_BYTES} bytes read");
    }
    Ok(lurewatch_image::qr::read(&std::fs::read(path)?)?)
}

pub fn run(engine: &Engine, files: &[PathBuf], format: OutputFormat) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = 0;
    let mut found_any = false;
    for path in files {
        let name = path.display().to_string();
        let payloads = match read(path) {
            Ok(p) => p,
            Err(e) => {
                failed += 1;
                eprintln!("lurewatch: {}: {e:#}", escape(&name));
                continue;
            }
        };
        let codes: Vec<Code> = payloads
            .into_iter()
            .map(|p| match p {
                Payload::Text(text) => {
                    // A payload names no language: phone numbers are read in the regions of
                    // every language lurewatch knows.
                    let mut indicators = Vec::new();
                    engine.extractor().extract(&text, Language::En, &mut indicators);
                    Code { payload: Some(text), unreadable: None, indicators }
                }
                Payload::Unreadable(why) => Code { payload: None, unreadable: Some(why), indicators: Vec::new() },
            })
            .collect();
        found_any |= !codes.is_empty();
        match format {
            OutputFormat::Json => {
                serde_json::to_writer(&mut out, &Record { file: &name, codes })?;
                writeln!(out)?;
            }
            OutputFormat::Human => {
                writeln!(out, "{}: {} QR code(s)", escape(&name), codes.len())?;
                for c in &codes {
                    match (&c.payload, &c.unreadable) {
                        (Some(p), _) => writeln!(out, "  {}", escape(p))?,
                        (_, Some(why)) => writeln!(out, "  (unreadable: {why})")?,
                        _ => {}
                    }
                    for i in &c.indicators {
                        writeln!(out, "    {}", found(i, ""))?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if failed > 0 {
        2
    } else if found_any {
        1
    } else {
        0
    }))
}
