//! Opening inputs: files or standard input, with a progress bar on a terminal.

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use lurewatch_input::{Format, Sink};

/// One input: a file or standard input.
pub struct Source {
    /// Name shown in messages and used as the id of single-conversation formats.
    pub name: String,
    path: Option<PathBuf>,
}

impl Source {
    /// The inputs named on the command line; standard input when none are.
    pub fn list(files: &[PathBuf]) -> Vec<Source> {
        if files.is_empty() {
            return vec![Source { name: "-".into(), path: None }];
        }
        files
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    Source { name: "-".into(), path: None }
                } else {
                    Source { name: p.display().to_string(), path: Some(p.clone()) }
                }
            })
            .collect()
    }

    /// Reads the source into `sink`, detecting the format unless it is given.
    pub fn read(&self, format: Option<Format>, sink: &mut dyn Sink) -> anyhow::Result<Format> {
        let (reader, bar): (Box<dyn Read>, ProgressBar) = match &self.path {
            Some(path) => {
                let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                let bar = progress(Some(len), path);
                (Box::new(bar.wrap_read(file)), bar)
            }
            None => {
                let bar = progress(None, Path::new("-"));
                (Box::new(bar.wrap_read(io::stdin().lock())), bar)
            }
        };
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        let format = match format {
            Some(f) => f,
            None => lurewatch_input::detect(&mut reader).with_context(|| format!("cannot read {}", self.name))?,
        };
        let id =
            self.path.as_deref().and_then(Path::file_name).map_or("-".into(), |n| n.to_string_lossy().into_owned());
        let result = lurewatch_input::read(format, &id, reader, sink);
        bar.finish_and_clear();
        result.with_context(|| format!("cannot read {}", self.name))?;
        Ok(format)
    }
}

fn progress(len: Option<u64>, path: &Path) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::no_length(),
    };
    let style = ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(path.display().to_string());
    bar
}
