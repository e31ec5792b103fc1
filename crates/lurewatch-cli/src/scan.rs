//! `lurewatch scan`.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use lurewatch_core::{Assessment, ConversationState, Engine, Level, Message, Scratch};
use lurewatch_input::{Event, Format, InputError, Sink};

use crate::OutputFormat;
use crate::render::{escape, human};
use crate::source::Source;

/// Feeds events into engine conversations and prints each assessment when it ends.
pub struct Assessor<'e, F> {
    engine: &'e Engine,
    open: HashMap<String, ConversationState>,
    /// One set of buffers for every conversation: states stay small.
    scratch: Scratch,
    /// Called with every finished assessment and the header's label and suspect.
    pub done: F,
    labels: HashMap<String, (Option<String>, Option<String>)>,
    /// Malformed records seen.
    pub errors: u64,
    /// Name of the current source, for error messages.
    pub source: String,
}

impl<'e, F: FnMut(Assessment, Option<String>, Option<String>)> Assessor<'e, F> {
    /// An assessor that hands finished assessments to `done`.
    pub fn new(engine: &'e Engine, done: F) -> Self {
        Assessor {
            engine,
            open: HashMap::new(),
            scratch: Scratch::new(),
            done,
            labels: HashMap::new(),
            errors: 0,
            source: String::new(),
        }
    }
}

impl<F: FnMut(Assessment, Option<String>, Option<String>)> Assessor<'_, F> {
    /// Reads every file (standard input when none are named); whether any input failed
    /// or held malformed records, which are reported on stderr.
    pub fn read_all(&mut self, files: &[PathBuf], input: Option<Format>) -> bool {
        let mut failed = false;
        for source in Source::list(files) {
            self.source = source.name.clone();
            if let Err(e) = source.read(input, self) {
                eprintln!("lurewatch: error: {e:#}");
                failed = true;
            }
        }
        failed || self.errors > 0
    }
}

impl<F: FnMut(Assessment, Option<String>, Option<String>)> Sink for Assessor<'_, F> {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Begin(h) => {
                self.open.insert(h.id.to_owned(), self.engine.start());
                if h.label.is_some() || h.suspect.is_some() {
                    self.labels.insert(h.id.to_owned(), (h.label.map(str::to_owned), h.suspect.map(str::to_owned)));
                }
            }
            Event::Message { conversation, message } => {
                if let Some(c) = self.open.get_mut(conversation) {
                    let m = Message { sender: message.sender, text: message.text, time: message.time };
                    self.engine.push(c, &mut self.scratch, &m);
                }
            }
            Event::End { conversation } => {
                if let Some(c) = self.open.remove(conversation) {
                    let (label, suspect) = self.labels.remove(conversation).unwrap_or_default();
                    (self.done)(c.assessment(self.engine, conversation), label, suspect);
                }
            }
        }
    }

    fn error(&mut self, error: InputError) {
        self.errors += 1;
        eprintln!("lurewatch: {}: {}; record skipped", escape(&self.source), error);
    }
}

pub fn run(
    engine: &Engine,
    files: &[PathBuf],
    input: Option<Format>,
    format: OutputFormat,
    min_level: Level,
) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut flagged = false;
    let mut write_error: Option<io::Error> = None;
    let mut failed = false;
    {
        let mut assessor = Assessor::new(engine, |a: Assessment, _, _| {
            flagged |= a.level >= Level::Medium;
            if a.level < min_level || write_error.is_some() {
                return;
            }
            let r = match format {
                OutputFormat::Json => {
                    serde_json::to_writer(&mut out, &a).map_err(io::Error::from).and_then(|()| out.write_all(b"\n"))
                }
                OutputFormat::Human => human(&mut out, &a),
            };
            if let Err(e) = r {
                write_error = Some(e);
            }
        });
        failed |= assessor.read_all(files, input);
    }
    if let Some(e) = write_error {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::from(if flagged { 1 } else { 0 }));
        }
        return Err(e.into());
    }
    out.flush()?;
    Ok(ExitCode::from(if failed {
        2
    } else if flagged {
        1
    } else {
        0
    }))
}
