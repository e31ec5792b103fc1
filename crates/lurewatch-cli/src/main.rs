//! `lurewatch`: scan conversations for sextortion and grooming scripts.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use lurewatch_core::Level;
use lurewatch_input::Format;

mod accounts;
mod apk;
mod bench;
mod eval;
mod hash;
mod indicators;
mod link;
mod pan12;
mod qr;
mod render;
mod scan;
mod serve;
mod source;
mod train;

/// Finds sextortion and grooming scripts in conversations, with evidence and advice.
#[derive(Debug, Parser)]
#[command(name = "lurewatch", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The learning settings of `train`; the defaults are those of the shipped model.
#[derive(Debug, clap::Args)]
struct TrainSettings {
    /// Bits of the hashed n-gram table (2^bits weights per category).
    #[arg(long, default_value_t = 18, value_parser = clap::value_parser!(u32).range(10..=24))]
    hash_bits: u32,
    /// Passes over the data.
    #[arg(long, default_value_t = 10)]
    epochs: u32,
    /// AdaGrad's step size.
    #[arg(long, value_name = "STEP", default_value_t = 0.2)]
    learning_rate: f32,
    /// L2 penalty on the weights.
    #[arg(long, value_name = "PENALTY", default_value_t = 1e-6)]
    l2: f32,
    /// Pseudo-tokens that shrink the text score of senders who said little.
    #[arg(long, default_value_t = 8.0)]
    alpha: f32,
    /// Weight of a positive example against a negative one; by default the square root
    /// of the class ratio.
    #[arg(long, value_name = "WEIGHT")]
    positive_weight: Option<f32>,
    /// Seed of the example order and the folds.
    #[arg(long, default_value_t = 20_121_234)]
    seed: u64,
}

impl TrainSettings {
    fn config(self) -> lurewatch_model::TrainConfig {
        let TrainSettings { hash_bits, epochs, learning_rate, l2, alpha, positive_weight, seed } = self;
        lurewatch_model::TrainConfig {
            hash_bits,
            epochs,
            learning_rate,
            l2,
            alpha,
            positive_weight,
            seed,
            ..Default::default()
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assess conversations and print the verdict, the evidence and advice.
    ///
    /// Exit code 0 when nothing reached `medium`, 1 when something did, 2 on any error
    /// (malformed records are reported on stderr and skipped; the rest is still scanned).
    Scan {
        /// Files to read; `-` or nothing reads standard input.
        files: Vec<PathBuf>,
        /// Input format; detected from the content when not given.
        #[arg(long = "input", value_name = "FORMAT", value_parser = parse_format)]
        input: Option<Format>,
        /// Output format; `human` on a terminal, `json` (one object a line) otherwise.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Print only conversations at or above this level.
        #[arg(long, value_name = "LEVEL", value_parser = parse_level, default_value = "none")]
        min_level: Level,
        #[command(flatten)]
        lexicons: Lexicons,
    },
    /// Measure detection on labelled conversation-per-line files, or on a PAN 2012
    /// directory with its official measures.
    Eval {
        /// Labelled files (`label`, `suspect`, `messages` per line).
        #[arg(required_unless_present = "pan12", conflicts_with = "pan12")]
        files: Vec<PathBuf>,
        /// A directory in the PAN 2012 sexual predator identification layout (the XML
        /// corpus and its ground truth): prints problem 1 (predator authors, F0.5) and
        /// problem 2 (predator lines, F3).
        #[arg(long, value_name = "DIR")]
        pan12: Option<PathBuf>,
        /// `human` (a Markdown table) or `json`.
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        #[command(flatten)]
        lexicons: Lexicons,
    },
    /// List every account, number, link, payee and amount across conversations, with how
    /// many conversations and messages name each: the first step of linking cases.
    Indicators {
        /// Files to read; `-` or nothing reads standard input.
        files: Vec<PathBuf>,
        /// Input format; detected from the content when not given.
        #[arg(long = "input", value_name = "FORMAT", value_parser = parse_format)]
        input: Option<Format>,
        /// `json` (one indicator a line) or `csv`.
        #[arg(long, value_enum, default_value = "json")]
        format: indicators::Output,
        /// Print only indicators seen in at least this many conversations.
        #[arg(long, value_name = "N", default_value_t = 1)]
        min_conversations: u32,
        #[command(flatten)]
        lexicons: Lexicons,
    },
    /// Link conversations into suspected networks through the accounts, numbers, payees,
    /// links, apps and pictures they share (indicators that are everywhere link nothing;
    /// see the README for the rule), and export the graph (GraphML) and the indicators
    /// (STIX 2.1).
    Link {
        /// Files to read, each detected by its content: conversations (any format `scan`
        /// reads), report exports (a report a line, as the workspace writes them) or
        /// evidence packages (zip); `-` or nothing reads conversations from standard input.
        files: Vec<PathBuf>,
        /// Input format; detected from the content when not given.
        #[arg(long = "input", value_name = "FORMAT", value_parser = parse_format)]
        input: Option<Format>,
        /// `json` (one document) or `csv` (a row per conversation in a network).
        #[arg(long, value_enum, default_value = "json")]
        format: link::Output,
        #[command(flatten)]
        exports: link::Exports,
        #[command(flatten)]
        lexicons: Lexicons,
    },
    /// Train the learned model on labelled conversation-per-line files, cross-validating
    /// the engine with it, and write the model file.
    Train {
        /// Labelled files (`label`, `suspect`, `messages` per line); each is a group the
        /// folds are stratified by and the false-positive limit holds for.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the model.
        #[arg(long, value_name = "MODEL")]
        out: PathBuf,
        /// Folds of the cross-validation; 0 skips it (the threshold is then chosen on the
        /// training data).
        #[arg(long, default_value_t = 5)]
        folds: u32,
        /// Rounds of cross-validation, each with its own folds and training order (seeds
        /// `--seed`, `--seed` + 1, …): the threshold is chosen on the out-of-fold scores
        /// of every round and the figures pool them, so neither depends on one draw of the
        /// folds.
        #[arg(long, default_value_t = 1)]
        repeats: u32,
        /// Highest false-positive rate allowed on any file's negatives when the alert
        /// threshold is chosen.
        #[arg(long, value_name = "RATE", default_value_t = 0.004)]
        max_fpr: f64,
        /// The model's name, shown with its evidence.
        #[arg(long, default_value = "lurewatch-model")]
        name: String,
        #[command(flatten)]
        settings: TrainSettings,
        /// `human` (a Markdown table) or `json`.
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        #[command(flatten)]
        lexicons: Lexicons,
    },
    /// PDQ perceptual hashes of images (JPEG, PNG, WebP, GIF, BMP): `hash,quality,file`
    /// a line, as hash-sharing programs exchange them. Directories are walked.
    ///
    /// Only hashes leave this command: the images cannot be rebuilt from them. Exit code 0
    /// when every file was hashed, 2 when any could not be (each is reported on stderr).
    Hash {
        /// Image files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `text` (`hash,quality,file`) or `json`.
        #[arg(long, value_enum, default_value = "text")]
        format: hash::Output,
        /// Also print the hashes of the image rotated and flipped (7 more, in the order
        /// rotate90, rotate180, rotate270, flipx, flipy, flipplus1, flipminus1).
        #[arg(long)]
        dihedral: bool,
        /// A bank of known hashes (`HASH[,QUALITY[,LABEL]]` lines, CSV, or the reference
        /// tools' form) to match every image against, in all eight orientations; exit
        /// code 1 when any image matches. Repeatable.
        #[arg(long, value_name = "FILE")]
        bank: Vec<PathBuf>,
        /// Largest number of differing bits that still counts as a match.
        #[arg(long, default_value_t = lurewatch_image::index::DEFAULT_DISTANCE,
              value_parser = clap::value_parser!(u32).range(0..=256))]
        distance: u32,
    },
    /// Read the QR codes in screenshots and photos (payment codes, app download codes) and
    /// the indicators in each: payees, links, accounts, amounts.
    ///
    /// Exit code 0 when no code was found, 1 when one was, 2 on any error.
    Qr {
        /// Image files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `human` or `json` (one object a file).
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        #[command(flatten)]
        lexicons: Lexicons,
    },
    /// Run the report desk: anonymous reports with advice, lookup of accounts and
    /// numbers, and the scoring API for platforms.
    ///
    /// Starts on an embedded SQLite database in the data directory (created and migrated
    /// on first start), or on PostgreSQL with `--database-url`. Settings come from flags,
    /// then `LUREWATCH_*` environment variables, then the `--config` TOML file.
    Serve {
        #[command(flatten)]
        args: Box<serve::ServeArgs>,
        #[command(flatten)]
        lexicons: Lexicons,
    },
    /// Triage Android apps (APK, XAPK, APKS) without running them: package, label,
    /// versions, permissions and their risk, components, signing certificates, the
    /// addresses in the code, and a verdict with reasons — is it the contact-stealing
    /// "video chat" app of the sextortion script?
    ///
    /// Exit code 0 when nothing reached `medium`, 1 when something did, 2 on any error.
    Apk {
        /// APK, XAPK or APKS files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `human` or `json` (one object a file).
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        #[command(flatten)]
        data: apk::ApkData,
        #[command(flatten)]
        lexicons: Lexicons,
    },
    /// Analyst accounts of the desk.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The desk's tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Measure throughput per core and peak memory.
    Bench {
        /// Files to read; the shipped example conversations when none are given.
        files: Vec<PathBuf>,
        /// Input format; detected when not given.
        #[arg(long = "input", value_name = "FORMAT", value_parser = parse_format)]
        input: Option<Format>,
        /// Seconds to run each measurement for, at least.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        #[command(flatten)]
        lexicons: Lexicons,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add an analyst; the password (12 characters or more, stored as an Argon2id hash) is
    /// asked for on a terminal, else read from the first line of standard input.
    Add {
        /// The user name.
        name: String,
        /// `analyst`, `supervisor` or `admin`.
        #[arg(long, default_value = "analyst", value_parser = parse_role)]
        role: lurewatch_desk::audit::Role,
        #[command(flatten)]
        database: accounts::Database,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the audit log. Exit code 0 when it is whole, 1 when an entry
    /// was changed, removed or inserted (the first such entry is named), 2 on any error.
    Verify {
        #[command(flatten)]
        database: accounts::Database,
    },
}

fn parse_role(s: &str) -> Result<lurewatch_desk::audit::Role, String> {
    s.parse()
}

/// Extra lexicon files and the block and allow lists, added to what the engine ships.
#[derive(Debug, clap::Args)]
struct Lexicons {
    /// A lexicon file (TOML, the format of the shipped lexicons) to add; repeatable.
    #[arg(long = "lexicon", value_name = "FILE")]
    lexicon: Vec<PathBuf>,
    /// A list of known-bad domains or indicators (plain, hosts, adblock, wildcard or CSV
    /// with the entry first); an indicator it names is flagged and raises the risk of a
    /// script. Repeatable.
    #[arg(long = "block-list", value_name = "FILE", env = "LUREWATCH_BLOCK_LIST", value_delimiter = ',')]
    block_list: Vec<PathBuf>,
    /// A list of domains never flagged on their own (plain domains or `^a\.b$`,
    /// `\.a\.b$` patterns). Repeatable.
    #[arg(long = "allow-list", value_name = "FILE", env = "LUREWATCH_ALLOW_LIST", value_delimiter = ',')]
    allow_list: Vec<PathBuf>,
    /// A learned model (written by `lurewatch train`) whose evidence can raise the risk;
    /// `baseline` is the model shipped with lurewatch.
    #[arg(long, value_name = "MODEL", env = "LUREWATCH_MODEL")]
    model: Option<PathBuf>,
}

impl Lexicons {
    /// The shipped lexicons and the extra lexicon files.
    fn lexicon(&self) -> anyhow::Result<lurewatch_core::lexicon::Lexicon> {
        let mut builder = lurewatch_core::lexicon::LexiconBuilder::with_defaults();
        for path in &self.lexicon {
            builder = builder.source(&path.display().to_string(), &read(path)?)?;
        }
        Ok(builder.build()?)
    }

    /// The engine with the shipped lexicons and these files.
    fn engine(&self) -> anyhow::Result<lurewatch_core::Engine> {
        let mut lists = lurewatch_core::indicator::KnownLists::new();
        for path in &self.block_list {
            let summary = lists.block_list(&path.display().to_string(), &read(path)?)?;
            if summary.skipped > 0 {
                eprintln!(
                    "lurewatch: {}: {} entries, {} lines skipped (they name no domain, number, address or account)",
                    render::escape(&path.display().to_string()),
                    summary.entries,
                    summary.skipped
                );
            }
        }
        for path in &self.allow_list {
            lists.allow_list(&path.display().to_string(), &read(path)?)?;
        }
        let mut engine = lurewatch_core::Engine::builder().lexicon(self.lexicon()?).known_lists(lists);
        if let Some(path) = &self.model {
            engine = engine.scorer(Box::new(load_model(path)?.scorer()));
        }
        Ok(engine.build())
    }
}

pub(crate) fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The model shipped with lurewatch, trained by the command in `models/README.md`.
const BASELINE: &[u8] = include_bytes!("../../../models/baseline.lwm");

/// Reads a model file, or the shipped one for `baseline`.
fn load_model(path: &std::path::Path) -> anyhow::Result<lurewatch_model::Model> {
    if path.as_os_str() == "baseline" && !path.exists() {
        return Ok(lurewatch_model::Model::from_bytes(BASELINE)?);
    }
    let context = || format!("cannot load the model {}", path.display());
    let len = std::fs::metadata(path).with_context(context)?.len();
    if len > lurewatch_model::model::MAX_FILE_BYTES as u64 {
        anyhow::bail!("{}: {len} bytes is too large for a model file", path.display());
    }
    let bytes = std::fs::read(path).with_context(context)?;
    lurewatch_model::Model::from_bytes(&bytes).with_context(context)
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// For people.
    Human,
    /// One JSON object a line.
    Json,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse().map_err(|e: lurewatch_core::tactic::UnknownId| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan { files, input, format, min_level, lexicons } => {
            let format =
                format.unwrap_or(if io::stdout().is_terminal() { OutputFormat::Human } else { OutputFormat::Json });
            lexicons.engine().and_then(|engine| scan::run(&engine, &files, input, format, min_level))
        }
        Command::Eval { files, pan12, format, lexicons } => lexicons.engine().and_then(|engine| match pan12 {
            Some(dir) => pan12::run(&engine, &dir, format),
            None => eval::run(&engine, &files, format),
        }),
        Command::Indicators { files, input, format, min_conversations, lexicons } => {
            lexicons.engine().and_then(|engine| indicators::run(&engine, &files, input, format, min_conversations))
        }
        Command::Link { files, input, format, exports, lexicons } => {
            lexicons.engine().and_then(|engine| link::run(&engine, &files, input, format, &exports))
        }
        Command::Train { files, out, folds, repeats, max_fpr, name, settings, format, lexicons } => {
            let config = settings.config();
            let options = train::Options { files, out, folds, repeats, max_fpr, name, config, format };
            train::run(|| lexicons.lexicon(), &options)
        }
        Command::Hash { paths, format, dihedral, bank, distance } => {
            hash::run(&paths, format, dihedral, &bank, distance)
        }
        Command::Qr { files, format, lexicons } => {
            lexicons.engine().and_then(|engine| qr::run(&engine, &files, format))
        }
        Command::Apk { files, format, data, lexicons } => {
            lexicons.engine().and_then(|engine| apk::run(&engine, &files, &data, format))
        }
        Command::User { command: UserCommand::Add { name, role, database } } => {
            accounts::add_user(&database, &name, role)
        }
        Command::Audit { command: AuditCommand::Verify { database } } => accounts::verify_audit(&database),
        Command::Serve { args, lexicons } => lexicons.engine().and_then(|engine| serve::run(&args, engine)),
        Command::Bench { files, input, seconds, lexicons } => {
            let start = std::time::Instant::now();
            lexicons.engine().and_then(|engine| bench::run(&engine, start.elapsed(), &files, input, seconds))
        }
    };
    match result {
        Ok(code) => code,
        // The reader went away (`lurewatch … | head`): not an error of ours.
        Err(e) if e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = io::stdout().flush();
            eprintln!("lurewatch: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
