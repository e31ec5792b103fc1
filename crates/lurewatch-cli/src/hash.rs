//! `lurewatch hash`: PDQ hashes of photos and screenshots, for hotline staff protecting a
//! victim's images offline and for building hash banks.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
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

pub fn run(paths: &[PathBuf], format: Output, dihedral: bool) -> anyhow::Result<ExitCode> {
    let files = files(paths)?;
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
            Ok((h, (width, height))) => match format {
                Output::Text => {
                    write!(out, "{},{},{}", h.hash, h.quality, escape(&name))?;
                    if dihedral {
                        for d in &h.dihedral[1..] {
                            write!(out, ",{d}")?;
                        }
                    }
                    writeln!(out)?;
                }
                Output::Json => {
                    let record = Record {
                        file: &name,
                        hash: h.hash.to_string(),
                        quality: h.quality,
                        width,
                        height,
                        dihedral: dihedral.then(|| h.dihedral.iter().map(|d| d.to_string()).collect()),
                    };
                    serde_json::to_writer(&mut out, &record)?;
                    writeln!(out)?;
                }
            },
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
    Ok(ExitCode::from(if failed > 0 { 2 } else { 0 }))
}
