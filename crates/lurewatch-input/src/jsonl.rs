//! JSON lines: one conversation a line, or one message a line.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{self, BufRead};

use serde::Deserialize;

use crate::lines::{Line, Lines};
use crate::{Event, Header, InputError, Location, MAX_LINE, MAX_TEXT, Msg, Sink};

#[derive(Deserialize)]
struct ConversationLine<'a> {
    #[serde(borrow, deserialize_with = "id")]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    label: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    suspect: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    lang: Option<Cow<'a, str>>,
    #[serde(borrow)]
    messages: Vec<MessageItem<'a>>,
}

#[derive(Deserialize)]
struct MessageItem<'a> {
    #[serde(borrow, deserialize_with = "id")]
    sender: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow, default)]
    time: Option<Time<'a>>,
}

#[derive(Deserialize)]
struct MessageLine<'a> {
    #[serde(borrow, deserialize_with = "id")]
    conversation: Cow<'a, str>,
    #[serde(borrow, deserialize_with = "id")]
    sender: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow, default)]
    time: Option<Time<'a>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Time<'a> {
    Seconds(i64),
    Text(#[serde(borrow)] Cow<'a, str>),
}

/// Ids and senders may be strings or integers; strings are borrowed from the line when
/// they hold no escapes.
fn id<'de: 'a, 'a, D: serde::Deserializer<'de>>(d: D) -> Result<Cow<'a, str>, D::Error> {
    struct IdVisitor;

    impl<'de> serde::de::Visitor<'de> for IdVisitor {
        type Value = Cow<'de, str>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or an integer")
        }

        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }

        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_string()))
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_string()))
        }
    }

    d.deserialize_any(IdVisitor)
}

fn time(t: Option<&Time<'_>>) -> Result<Option<i64>, String> {
    match t {
        None => Ok(None),
        Some(Time::Seconds(s)) => Ok(Some(*s)),
        Some(Time::Text(s)) => s
            .parse::<jiff::Timestamp>()
            .map(|t| Some(t.as_second()))
            .map_err(|e| format!("`time` {s:?} is neither seconds nor an RFC 3339 time: {e}")),
    }
}

fn parse<'a, T: Deserialize<'a>>(line: &'a [u8]) -> Result<T, String> {
    let text = std::str::from_utf8(line).map_err(|e| format!("not valid UTF-8 ({e})"))?;
    serde_json::from_str(text).map_err(|e| format!("not a valid record: {e}"))
}

fn too_long(n: u64, len: usize) -> InputError {
    InputError { location: Location::Line(n), message: format!("line of {len} bytes is longer than {MAX_LINE} bytes") }
}

/// Calls `f` with the number and bytes of every non-blank line; reports lines too long.
fn each_line<R: BufRead>(
    reader: R,
    sink: &mut dyn Sink,
    mut f: impl FnMut(u64, &[u8], &mut dyn Sink),
) -> io::Result<()> {
    let mut lines = Lines::new(reader, MAX_LINE);
    while let Some((n, line)) = lines.next_line()? {
        match line {
            Line::Ok(l) if l.iter().all(u8::is_ascii_whitespace) => {}
            Line::Ok(l) => f(n, l, sink),
            Line::TooLong(len) => sink.error(too_long(n, len)),
        }
    }
    Ok(())
}

/// Parses line `n`, reporting it to the sink when it is not a valid record.
fn parse_at<'a, T: Deserialize<'a>>(n: u64, line: &'a [u8], sink: &mut dyn Sink) -> Option<T> {
    parse(line).map_err(|message| sink.error(InputError { location: Location::Line(n), message })).ok()
}

pub(crate) fn read_conversations<R: BufRead>(reader: R, sink: &mut dyn Sink) -> io::Result<()> {
    each_line(reader, sink, |n, line, sink| {
        let Some(conv) = parse_at::<ConversationLine<'_>>(n, line, sink) else {
            return;
        };
        let mut times = Vec::with_capacity(conv.messages.len());
        let mut bad = None;
        for (i, m) in conv.messages.iter().enumerate() {
            match time(m.time.as_ref()) {
                Ok(t) => times.push(t),
                Err(e) => {
                    bad = Some(format!("message {i}: {e}"));
                    break;
                }
            }
        }
        if let Some(message) = bad {
            sink.error(InputError { location: Location::Line(n), message });
            return;
        }
        let id = &*conv.id;
        sink.event(Event::Begin(Header {
            id,
            label: conv.label.as_deref(),
            suspect: conv.suspect.as_deref(),
            lang: conv.lang.as_deref(),
        }));
        for (m, t) in conv.messages.iter().zip(times) {
            sink.event(Event::Message {
                conversation: id,
                message: Msg { sender: &m.sender, text: &m.text[..m.text.floor_char_boundary(MAX_TEXT)], time: t },
            });
        }
        sink.event(Event::End { conversation: id });
    })
}

pub(crate) fn read_messages<R: BufRead>(reader: R, sink: &mut dyn Sink) -> io::Result<()> {
    let mut open: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    each_line(reader, sink, |n, line, sink| {
        let Some(rec) = parse_at::<MessageLine<'_>>(n, line, sink) else {
            return;
        };
        let t = match time(rec.time.as_ref()) {
            Ok(t) => t,
            Err(message) => return sink.error(InputError { location: Location::Line(n), message }),
        };
        if !seen.contains(&*rec.conversation) {
            seen.insert(rec.conversation.to_string());
            open.push(rec.conversation.to_string());
            sink.event(Event::Begin(Header { id: &rec.conversation, ..Header::default() }));
        }
        sink.event(Event::Message {
            conversation: &rec.conversation,
            message: Msg { sender: &rec.sender, text: &rec.text[..rec.text.floor_char_boundary(MAX_TEXT)], time: t },
        });
    })?;
    for id in &open {
        sink.event(Event::End { conversation: id });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Format, collect};

    #[test]
    fn reads_conversation_lines_and_reports_bad_ones() {
        let input = concat!(
            r#"{"id":"a","label":"grooming","suspect":"p","messages":[{"sender":"p","text":"hi \u2764"},{"sender":7,"text":"yo","time":"2024-01-05T10:00:00Z"}]}"#,
            "\n{broken\n\n",
            r#"{"id":"b","messages":[{"sender":"x","text":"t","time":"yesterday"}]}"#,
            "\n",
            r#"{"id":3,"messages":[]}"#,
        );
        let (format, out) = collect("f", input.as_bytes());
        assert_eq!(format, Format::Conversations);
        assert_eq!(out.conversations.len(), 2);
        let a = &out.conversations[0];
        assert_eq!((a.id.as_str(), a.label.as_deref(), a.suspect.as_deref()), ("a", Some("grooming"), Some("p")));
        assert_eq!(a.messages[0].1, "hi ❤");
        assert_eq!(a.messages[1], ("7".into(), "yo".into(), Some(1_704_448_800)));
        assert!(a.ended);
        assert_eq!(out.conversations[1].id, "3");
        assert_eq!(out.errors.len(), 2);
        assert!(out.errors[0].to_string().starts_with("line 2: not a valid record"), "{}", out.errors[0]);
        assert!(out.errors[1].to_string().starts_with("line 4: message 0: `time` \"yesterday\""), "{}", out.errors[1]);
    }

    #[test]
    fn groups_message_lines_by_conversation() {
        let mut input = br#"{"conversation":"c1","sender":"a","text":"one","time":1}
{"conversation":"c2","sender":"b","text":"two"}
"#
        .to_vec();
        input.extend_from_slice(b"\xff\xfe\n");
        input.extend_from_slice(br#"{"conversation":"c1","sender":"a","text":"three"}"#);
        let (format, out) = collect("f", &input);
        assert_eq!(format, Format::Messages);
        let ids: Vec<_> = out.conversations.iter().map(|c| (c.id.as_str(), c.messages.len())).collect();
        assert_eq!(ids, [("c1", 2), ("c2", 1)]);
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].to_string().starts_with("line 3: not valid UTF-8"));
    }
}
