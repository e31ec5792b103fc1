//! `lurewatch hash`: PDQ hashes of photos and screenshots, for hotline staff protecting a
//! victim's images offline and for building hash banks.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use lurewatch_image::index::{Bank, Entry, Index, MIN_QUALITY};
use lurewatch_image::pdq::DIHEDRAL;
use serde::Serialize;

use crate::render::escape;

/// Files larger than this are not read.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// How hashes are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// `hash,quality,file` a line: the plain form hash-sharing programs exchange.
    Text,
    /// One JSON object a line.
    Json,
}

#[derive(Serialize)]
struct Record<'a> {
    file: &'a str,
    hash: String,
    quality: u8,
    width: u32,
    height: u32,
    /// The eight orientations: original, rotate90, rotate180, rotate270, flipx, flipy,
    /// flipplus1, flipminus1.
    #[serde(skip_serializing_if = "Option::is_none")]
    dihedral: Option<Vec<String>>,
    /// Bank hashes within the distance, when banks were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<Vec<BankMatch>>,
}

/// A bank hash near an image.
#[derive(Serialize)]
struct BankMatch {
    bank: String,
    label: String,
    hash: String,
    distance: u32,
    /// The orientation of the image that matched (`original`, `rotate90`, …).
    orientation: &'static str,
}

/// The banks, indexed, with where each indexed hash came from.
struct Banks {
    index: Index,
    sources: Vec<(usize, Entry)>,
    names: Vec<String>,
}

impl Banks {
    fn load(files: &[PathBuf]) -> anyhow::Result<Option<Banks>> {
        if files.is_empty() {
            return Ok(None);
        }
        let mut all = Bank::default();
        let mut from = Vec::new();
        let mut names = Vec::new();
        for (b, path) in files.iter().enumerate() {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read the bank {}", path.display()))?;
            let (bank, errors) = Bank::parse(&text);
            for e in errors.iter().take(5) {
                eprintln!("lurewatch: {}: {e}; skipped", escape(&path.display().to_string()));
            }
            if errors.len() > 5 {
                eprintln!(
                    "lurewatch: {}: {} more lines skipped",
                    escape(&path.display().to_string()),
                    errors.len() - 5
                );
            }
            from.extend(std::iter::repeat_n(b, bank.entries.len()));
            all.entries.extend(bank.entries);
            names.push(path.display().to_string());
        }
        let (index, kept) = Index::from_bank(&all);
        let skipped = all.entries.len() - kept.len();
        if skipped > 0 {
            eprintln!("lurewatch: {skipped} bank hashes of quality below {MIN_QUALITY} are not matched against");
        }
        let sources = kept.into_iter().map(|i| (from[i], all.entries[i].clone())).collect();
        Ok(Some(Banks { index, sources, names }))
    }

    /// Bank hashes near any orientation of the image, the nearest orientation for each.
    fn matches(&self, h: &lurewatch_image::Hashed, distance: u32) -> Vec<BankMatch> {
        let mut best: Vec<(u32, u32, usize)> = Vec::new();
        for (k, d) in h.dihedral.iter().enumerate() {
            for m in self.index.query(d, distance) {
                match best.iter_mut().find(|b| b.0 == m.id) {
                    Some(b) if m.distance < b.1 => *b = (m.id, m.distance, k),
                    Some(_) => {}
                    None => best.push((m.id, m.distance, k)),
                }
            }
        }
        best.sort_by_key(|&(id, d, _)| (d, id));
        best.into_iter()
            .map(|(id, d, k)| {
                let (bank, entry) = &self.sources[id as usize];
                BankMatch {
                    bank: self.names[*bank].clone(),
                    label: entry.label.clone(),
                    hash: entry.hash.to_string(),
                    distance: d,
                    orientation: DIHEDRAL[k],
                }
            })
            .collect()
    }
}

/// Every file under the paths given, directories walked in name order, each marked with
/// whether it was named (rather than found in a directory); symbolic links to directories
/// are not followed.
fn files(paths: &[PathBuf]) -> io::Result<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            out.extend(found.into_iter().map(|f| (f, false)));
        } else {
            out.push((p.clone(), true));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let meta = std::fs::symlink_metadata(&p)?;
        if meta.is_dir() {
            walk(&p, out)?;
        } else if meta.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

fn hash_file(path: &Path) -> anyhow::Result<(lurewatch_image::Hashed, (u32, u32))> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_FILE_BYTES {
        anyhow::bail!("{len} bytes is larger than the {MAX_FILE_BYTES} bytes read");
    }
    let bytes = std::fs::read(path)?;
    let luma = lurewatch_image::decode::luma(&bytes)?;
    Ok((lurewatch_image::pdq::hash_luma(&luma.pixels, luma.width, luma.height), luma.original))
}

pub fn run(
    paths: &[PathBuf],
    format: Output,
    dihedral: bool,
    banks: &[PathBuf],
    distance: u32,
) -> anyhow::Result<ExitCode> {
    let banks = Banks::load(banks)?;
    let files = files(paths)?;
    let mut matched = false;
    let bar = if io::stderr().is_terminal() && files.len() > 1 {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} images {per_sec} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut failed, mut skipped) = (0u64, 0u64);
    for (path, named) in &files {
        let name = path.display().to_string();
        match hash_file(path) {
            Ok((h, (width, height))) => {
                // A hash that rests on too little detail matches too much to be worth it.
                let matches =
                    banks.as_ref().map(|b| if h.quality >= MIN_QUALITY { b.matches(&h, distance) } else { Vec::new() });
                matched |= matches.as_ref().is_some_and(|m| !m.is_empty());
                match format {
                    Output::Text => {
                        write!(out, "{},{},{}", h.hash, h.quality, escape(&name))?;
                        if dihedral {
                            for d in &h.dihedral[1..] {
                                write!(out, ",{d}")?;
                            }
                        }
                        writeln!(out)?;
                        for m in matches.iter().flatten() {
                            writeln!(
                                out,
                                "  match: distance {} ({}) {} in {} {}",
                                m.distance,
                                m.orientation,
                                m.hash,
                                escape(&m.bank),
                                escape(&m.label)
                            )?;
                        }
                    }
                    Output::Json => {
                        let record = Record {
                            file: &name,
                            hash: h.hash.to_string(),
                            quality: h.quality,
                            width,
                            height,
                            dihedral: dihedral.then(|| h.dihedral.iter().map(|d| d.to_string()).collect()),
                            matches,
                        };
                        serde_json::to_writer(&mut out, &record)?;
                        writeln!(out)?;
                    }
                }
            }
            // Other files in a directory are passed over; a file named is always reported.
            Err(e) if !named && matches!(e.downcast_ref(), Some(lurewatch_image::ImageError::Unsupported)) => {
                skipped += 1;
            }
            Err(e) => {
                failed += 1;
                bar.suspend(|| eprintln!("lurewatch: {}: {e:#}", escape(&name)));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    out.flush()?;
    if skipped > 0 {
        eprintln!("lurewatch: {skipped} files in the directories are not images and were passed over");
    }
    if failed > 0 {
        eprintln!("lurewatch: {failed} of {} files could not be hashed", files.len());
    }
    Ok(ExitCode::from(if failed > 0 {
        2
    } else if matched {
        1
    } else {
        0
    }))
}
