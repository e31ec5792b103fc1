//! PAN 2012 sexual predator identification XML:
//! `<conversations><conversation id><message line><author/><time/><text/></message>…`.
//!
//! Read as a stream with bounded buffers. Only the five predefined entities and character
//! references are resolved; a document type with its own entities (the "billion laughs"
//! bomb) is never expanded. XML that is not well formed stops the reader with an error at
//! its byte offset, since nothing after it can be trusted.

use std::io::{self, BufRead};

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event as Xml;

use crate::{Event, Header, InputError, Location, MAX_TEXT, Msg, Sink};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    Author,
    Time,
    Text,
}

/// Keeps at most `MAX_TEXT` bytes.
fn push(buf: &mut String, s: &str) {
    let room = MAX_TEXT.saturating_sub(buf.len());
    buf.push_str(&s[..s.floor_char_boundary(room)]);
}

pub(crate) fn read<R: BufRead>(reader: R, sink: &mut dyn Sink) -> io::Result<()> {
    let mut xml = Reader::from_reader(reader);
    xml.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut conversation: Option<String> = None;
    let mut field = Field::None;
    let (mut author, mut time, mut text) = (String::new(), String::new(), String::new());
    let mut in_message = false;
    let mut bad_message: Option<String> = None;
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(quick_xml::Error::Io(e)) => return Err(io::Error::new(e.kind(), e.to_string())),
            Err(e) => {
                sink.error(InputError {
                    location: Location::Byte(xml.error_position()),
                    message: format!("malformed XML, the rest of the input is skipped: {e}"),
                });
                break;
            }
        };
        match event {
            Xml::Start(e) => match e.local_name().as_ref() {
                "conversation" => {
                    let id = e
                        .try_get_attribute("id")
                        .ok()
                        .flatten()
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
                        })
                        .unwrap_or_default();
                    if let Some(open) = conversation.take() {
                        sink.event(Event::End { conversation: &open });
                    }
                    sink.event(Event::Begin(Header { id: &id, ..Header::default() }));
                    conversation = Some(id);
                }
                "message" => {
                    in_message = true;
                    bad_message = None;
                    author.clear();
                    time.clear();
                    text.clear();
                }
                "author" => field = Field::Author,
                "time" => field = Field::Time,
                "text" => field = Field::Text,
                _ => field = Field::None,
            },
            Xml::End(e) => match e.local_name().as_ref() {
                "message" => {
                    in_message = false;
                    if let Some(message) = bad_message.take() {
                        sink.error(InputError { location: Location::Byte(xml.buffer_position()), message });
                    } else if let Some(id) = &conversation {
                        sink.event(Event::Message {
                            conversation: id,
                            message: Msg { sender: author.trim(), text: text.trim(), time: None },
                        });
                    }
                }
                "conversation" => {
                    if let Some(open) = conversation.take() {
                        sink.event(Event::End { conversation: &open });
                    }
                }
                _ => field = Field::None,
            },
            Xml::Text(t) if in_message => {
                let s = t.xml10_content();
                match field {
                    Field::Author => push(&mut author, &s),
                    Field::Time => push(&mut time, &s),
                    Field::Text => push(&mut text, &s),
                    Field::None => {}
                }
            }
            Xml::CData(t) if in_message && field == Field::Text => {
                push(&mut text, &t.into_inner());
            }
            Xml::GeneralRef(r) if in_message => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => resolve_predefined_entity(&r).map(str::to_owned),
                    Err(_) => None,
                };
                match resolved {
                    Some(s) => match field {
                        Field::Author => push(&mut author, &s),
                        Field::Time => push(&mut time, &s),
                        Field::Text => push(&mut text, &s),
                        Field::None => {}
                    },
                    None => bad_message = Some(format!("unknown entity `&{};` in a message", &*r)),
                }
            }
            Xml::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = conversation.take() {
        sink.event(Event::End { conversation: &open });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Format, collect};

    #[test]
    fn reads_conversations_and_entities() {
        let input = r#"<?xml version="1.0"?>
<conversations>
  <conversation id="c1">
    <message line="1"><author>a1</author><time>16:43</time><text>hi &amp; &#x2764; &lt;3</text></message>
    <message line="2"><author>b2</author><time>16:44</time><text><![CDATA[raw <b>]]></text></message>
  </conversation>
  <conversation id="c2"><message line="1"><author>x</author><text>&bomb;</text></message>
  <message line="2"><author>x</author><text>ok</text></message></conversation>
</conversations>"#;
        let (format, out) = collect("f", input.as_bytes());
        assert_eq!(format, Format::Pan12);
        assert_eq!(out.conversations.len(), 2);
        let c1 = &out.conversations[0].messages;
        assert_eq!(c1[0].0, "a1");
        assert_eq!(c1[0].1, "hi & ❤ <3");
        assert_eq!(c1[1].1, "raw <b>");
        assert_eq!(out.conversations[1].messages.len(), 1);
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].message.contains("unknown entity `&bomb;`"));
    }

    #[test]
    fn billion_laughs_is_not_expanded_and_broken_xml_stops_cleanly() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<conversations><conversation id="b"><message><author>a</author><text>&lol2;</text></message></conversation></conversations>"#;
        let (_, out) = collect("f", bomb.as_bytes());
        assert_eq!(out.conversations[0].messages.len(), 0);
        assert_eq!(out.errors.len(), 1);
        let broken = "<conversations><conversation id=\"x\"><message><author>a</author><text>hi</text></message></oops></conversations>";
        let (_, out) = collect("f", broken.as_bytes());
        assert_eq!(out.conversations[0].messages.len(), 1);
        assert!(out.conversations[0].ended);
        assert!(out.errors[0].message.starts_with("malformed XML"), "{:?}", out.errors);
    }
}
