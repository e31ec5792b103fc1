//! `lurewatch bench`: throughput per core and peak memory.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use lurewatch_core::{Engine, Message, Scratch};
use lurewatch_input::{Collected, Format, Sink};

use crate::scan::Assessor;

const EXAMPLES: &str = include_str!("../../../examples/conversations.jsonl");

/// Peak resident memory of this process in KiB, where the system reports it.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reads in-memory `bytes` in the given format, or the detected one.
fn read(input: Option<Format>, name: &str, bytes: &[u8], sink: &mut dyn Sink) -> anyhow::Result<()> {
    let mut reader = bytes;
    let format = match input {
        Some(f) => f,
        None => lurewatch_input::detect(&mut reader)?,
    };
    lurewatch_input::read(format, name, reader, sink)?;
    Ok(())
}

/// Runs `f` at least once and until `seconds` have passed; the mean seconds per run.
/// Seconds per round of `f`, after one round untimed: the first round also loads what is
/// loaded on first use (the phone number metadata) and warms the caches.
fn repeat(seconds: f64, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    if seconds > 0.0 {
        f()?;
    }
    let (mut rounds, t0) = (0u32, Instant::now());
    while rounds == 0 || t0.elapsed().as_secs_f64() < seconds {
        f()?;
        rounds += 1;
    }
    Ok(t0.elapsed().as_secs_f64() / f64::from(rounds))
}

pub fn run(
    engine: &Engine,
    build: Duration,
    files: &[PathBuf],
    input: Option<Format>,
    seconds: f64,
) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    if files.is_empty() {
        inputs.push(("examples/conversations.jsonl".into(), EXAMPLES.as_bytes().to_vec()));
    }
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        inputs.push((f.display().to_string(), bytes));
    }
    let input_bytes: usize = inputs.iter().map(|(_, b)| b.len()).sum();

    // Parse once into memory for the engine-only measurement.
    let mut parsed = Vec::new();
    for (name, bytes) in &inputs {
        let mut c = Collected::default();
        read(input, name, bytes, &mut c)?;
        parsed.extend(c.conversations);
    }
    let messages: usize = parsed.iter().map(|c| c.messages.len()).sum();
    let text_bytes: usize = parsed.iter().flat_map(|c| &c.messages).map(|m| m.1.len()).sum();
    let longest = parsed.iter().map(|c| c.messages.len()).max().unwrap_or(0);
    anyhow::ensure!(messages > 0, "no messages to measure");
    writeln!(
        out,
        "input: {} conversations, {messages} messages ({:.1} MB of text, {:.1} MB on disk), longest {longest} messages",
        parsed.len(),
        text_bytes as f64 / 1e6,
        input_bytes as f64 / 1e6,
    )?;
    let lexicon = engine.lexicon();
    writeln!(
        out,
        "engine start-up (lexicons and advice compiled): {:.1} ms; {} rules, {} terms, automaton {:.1} MiB",
        build.as_secs_f64() * 1e3,
        lexicon.rule_count(),
        lexicon.term_count(),
        lexicon.memory_usage() as f64 / (1024.0 * 1024.0)
    )?;

    let mut flagged = 0usize;
    let secs = repeat(seconds, || {
        flagged = 0;
        let mut scratch = Scratch::new();
        for c in &parsed {
            let mut conv = engine.start();
            for (sender, text, time) in &c.messages {
                engine.push(&mut conv, &mut scratch, &Message { sender, text, time: *time });
            }
            flagged += usize::from(conv.snapshot().level >= lurewatch_core::Level::Medium);
        }
        Ok(())
    })?;
    writeln!(
        out,
        "engine, 1 core:        {:>12.0} messages/s  {:>8.1} MB/s  ({flagged} conversations reached medium)",
        messages as f64 / secs,
        text_bytes as f64 / 1e6 / secs
    )?;

    let secs = repeat(seconds, || {
        for (name, bytes) in &inputs {
            let mut assessor = Assessor::new(engine, |a: lurewatch_core::Assessment, _, _| {
                std::hint::black_box(a);
            });
            read(input, name, bytes, &mut assessor)?;
        }
        Ok(())
    })?;
    writeln!(
        out,
        "parse + engine, 1 core: {:>11.0} messages/s  {:>8.1} MB/s of input",
        messages as f64 / secs,
        input_bytes as f64 / 1e6 / secs
    )?;
    let (mut total, mut largest) = (0usize, 0usize);
    let mut scratch = Scratch::new();
    for c in &parsed {
        let mut conv = engine.start();
        for (sender, text, time) in &c.messages {
            engine.push(&mut conv, &mut scratch, &Message { sender, text, time: *time });
        }
        total += conv.state_bytes();
        largest = largest.max(conv.state_bytes());
    }
    writeln!(
        out,
        "state per conversation: {:.1} KiB mean, {:.1} KiB largest (bounded, whatever the length)",
        total as f64 / parsed.len().max(1) as f64 / 1024.0,
        largest as f64 / 1024.0
    )?;
    match peak_kib() {
        Some(k) => writeln!(out, "peak memory (inputs held in memory included): {:.1} MiB", k as f64 / 1024.0)?,
        None => writeln!(out, "peak memory: not reported on this system")?,
    }
    Ok(ExitCode::SUCCESS)
}
