//! Readers for the conversation formats lurewatch scans.
//!
//! Every reader takes a [`BufRead`] (this crate opens no files) and streams [`Event`]s to a
//! [`Sink`]: a conversation begins, its messages follow, it ends. A malformed record is
//! reported to the sink as an [`InputError`] with its line and skipped; reading goes on.
//! Only I/O errors stop a reader.
//!
//! | [`Format`] | what |
//! |---|---|
//! | `conversations` | one JSON object a line: `{"id", "label"?, "suspect"?, "lang"?, "messages": [{"sender", "text", "time"?}]}` |
//! | `messages` | one JSON object a line: `{"conversation", "sender", "text", "time"?}` |
//! | `transcript` | `sender: text` a line; other lines continue the message before |
//! | `whatsapp` | WhatsApp "export chat" text |
//! | `line` | LINE "save chat history" text |
//! | `kakaotalk` | KakaoTalk "export chat" text (mobile and PC) |
//! | `pan12` | PAN 2012 sexual predator identification XML |
//!
//! `time` in JSON is seconds since the Unix epoch or an RFC 3339 string.

use std::fmt;
use std::io::{self, BufRead};
use std::str::FromStr;

mod jsonl;
mod lines;
mod pan12;
mod transcript;

/// Longest line accepted, in bytes; longer lines are reported and skipped.
pub const MAX_LINE: usize = 64 << 20;
/// Longest message text kept, in bytes; longer texts are cut at a character boundary.
pub const MAX_TEXT: usize = 1 << 20;

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One conversation a line (JSON).
    Conversations,
    /// One message a line (JSON), grouped by its `conversation` field.
    Messages,
    /// `sender: text` lines.
    Transcript,
    /// WhatsApp chat export.
    WhatsApp,
    /// LINE chat history.
    Line,
    /// KakaoTalk chat export.
    KakaoTalk,
    /// PAN 2012 XML.
    Pan12,
}

impl Format {
    /// Every format.
    pub const ALL: &'static [Format] = &[
        Format::Conversations,
        Format::Messages,
        Format::Transcript,
        Format::WhatsApp,
        Format::Line,
        Format::KakaoTalk,
        Format::Pan12,
    ];

    /// The name used on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Conversations => "conversations",
            Format::Messages => "messages",
            Format::Transcript => "transcript",
            Format::WhatsApp => "whatsapp",
            Format::Line => "line",
            Format::KakaoTalk => "kakaotalk",
            Format::Pan12 => "pan12",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL.iter().copied().find(|f| f.name().eq_ignore_ascii_case(s)).ok_or_else(|| {
            let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown input format `{s}`; expected one of: {}", names.join(", "))
        })
    }
}

/// What is known of a conversation when it begins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Header<'a> {
    /// The conversation id.
    pub id: &'a str,
    /// Its label in labelled data (`grooming`, `sextortion`, `none`).
    pub label: Option<&'a str>,
    /// The offending sender in labelled data.
    pub suspect: Option<&'a str>,
    /// Its language tag, if given.
    pub lang: Option<&'a str>,
}

/// One message read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg<'a> {
    /// Who wrote it.
    pub sender: &'a str,
    /// What they wrote.
    pub text: &'a str,
    /// Seconds since the Unix epoch, when the format gives a full date and time.
    pub time: Option<i64>,
}

/// What a reader found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A conversation begins.
    Begin(Header<'a>),
    /// A message of a conversation that has begun.
    Message {
        /// The conversation id.
        conversation: &'a str,
        /// The message.
        message: Msg<'a>,
    },
    /// A conversation ends; no more messages will follow for it.
    End {
        /// The conversation id.
        conversation: &'a str,
    },
}

/// A record that could not be read; reading continued after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct InputError {
    /// Where: `line N` or `byte N`.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

/// Where in the input an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A 1-based line number.
    Line(u64),
    /// A byte offset.
    Byte(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Byte(n) => write!(f, "byte {n}"),
        }
    }
}

/// Receives what a reader finds.
pub trait Sink {
    /// A conversation began, a message was read or a conversation ended.
    fn event(&mut self, event: Event<'_>);
    /// A record was malformed and skipped.
    fn error(&mut self, error: InputError);
}

/// Guesses the format from the start of the input, without consuming it.
///
/// JSON objects are conversations when the first one has a `messages` key, messages
/// otherwise; `<` starts PAN 2012 XML; chat exports are recognised by their line shapes;
/// anything else is read as a `sender: text` transcript.
pub fn detect<R: BufRead>(reader: &mut R) -> io::Result<Format> {
    let head = reader.fill_buf()?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let head = &head[start..];
    Ok(match head.first() {
        Some(b'{') => {
            let first = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
            if memchr::memmem::find(first, b"\"messages\"").is_some() {
                Format::Conversations
            } else {
                Format::Messages
            }
        }
        Some(b'<') => Format::Pan12,
        _ => transcript::detect(&String::from_utf8_lossy(&head[..head.len().min(8192)])),
    })
}

/// Reads `reader` in `format`; `name` is the conversation id of single-conversation
/// formats (transcripts and chat exports), usually the file name.
pub fn read<R: BufRead>(format: Format, name: &str, reader: R, sink: &mut dyn Sink) -> io::Result<()> {
    match format {
        Format::Conversations => jsonl::read_conversations(reader, sink),
        Format::Messages => jsonl::read_messages(reader, sink),
        Format::Pan12 => pan12::read(reader, sink),
        Format::Transcript | Format::WhatsApp | Format::Line | Format::KakaoTalk => {
            transcript::read(format, name, reader, sink)
        }
    }
}

/// Collects everything read; handy for tests and small inputs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Collected {
    /// Conversations in the order they began, with their messages.
    pub conversations: Vec<OwnedConversation>,
    /// Errors in the order they were found.
    pub errors: Vec<InputError>,
}

/// A conversation read into memory.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OwnedConversation {
    /// Its id.
    pub id: String,
    /// Its label, if any.
    pub label: Option<String>,
    /// Its labelled suspect, if any.
    pub suspect: Option<String>,
    /// `(sender, text, time)` per message.
    pub messages: Vec<(String, String, Option<i64>)>,
    /// Whether its end was seen.
    pub ended: bool,
}

impl Sink for Collected {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Begin(h) => self.conversations.push(OwnedConversation {
                id: h.id.to_owned(),
                label: h.label.map(str::to_owned),
                suspect: h.suspect.map(str::to_owned),
                ..Default::default()
            }),
            Event::Message { conversation, message } => {
                if let Some(c) = self.conversations.iter_mut().rev().find(|c| c.id == conversation && !c.ended) {
                    c.messages.push((message.sender.to_owned(), message.text.to_owned(), message.time));
                }
            }
            Event::End { conversation } => {
                if let Some(c) = self.conversations.iter_mut().rev().find(|c| c.id == conversation && !c.ended) {
                    c.ended = true;
                }
            }
        }
    }

    fn error(&mut self, error: InputError) {
        self.errors.push(error);
    }
}

/// Reads all of `input` (detecting its format) into memory.
pub fn collect(name: &str, input: &[u8]) -> (Format, Collected) {
    let mut reader = input;
    let format = detect(&mut reader).unwrap_or(Format::Transcript);
    let mut out = Collected::default();
    // Reading from a byte slice cannot fail.
    let _ = read(format, name, reader, &mut out);
    (format, out)
}
