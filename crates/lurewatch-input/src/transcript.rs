//! Line-based transcripts: `sender: text`, and the text exports of WhatsApp, LINE and
//! KakaoTalk. One input is one conversation. Lines that do not start a message continue
//! the message before them (exports wrap long messages); date headers and system notices
//! are skipped.

use std::io::{self, BufRead};
use std::sync::LazyLock;

use regex::Regex;

use crate::lines::{Line, Lines};
use crate::{Event, Format, Header, InputError, Location, MAX_LINE, MAX_TEXT, Msg, Sink};

/// Longest sender name accepted in a plain transcript line.
const MAX_PLAIN_SENDER: usize = 64;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern does not compile: {e}"))
}

static WHATSAPP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\x{200E}?\[?\d{1,4}[./-]\d{1,2}[./-]\d{1,4},? \d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s?[APap]\.?\s?[Mm]\.?)?\]?(?: -|:)? (.*)$",
    )
});
static LINE_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:(?:AM|PM|午前|午後|上午|下午|오전|오후) ?)?\d{1,2}:\d{2}(?: ?(?:AM|PM))?\t([^\t]*)\t(.*)$")
});
static LINE_SKIP: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:\[LINE\].*|Saved on:.*|保存日時：.*|儲存日期：.*|\d{4}[/.]\d{1,2}[/.]\d{1,2}.*|\x{FEFF}?)$")
});
static KAKAO_MOBILE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:\d{4}년 \d{1,2}월 \d{1,2}일 (?:오전|오후) \d{1,2}:\d{2}|\d{4}\. \d{1,2}\. \d{1,2}\. (?:오전|오후) \d{1,2}:\d{2}|[A-Z][a-z]+ \d{1,2}, \d{4},? (?:at )?\d{1,2}:\d{2}(?: [AP]M)?), (.+?) : (.*)$",
    )
});
static KAKAO_PC: LazyLock<Regex> = LazyLock::new(|| re(r"^\[(.+?)\] \[(?:오전|오후|AM|PM) ?\d{1,2}:\d{2}\] (.*)$"));
static KAKAO_SKIP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:.*님과 카카오톡 대화|.*KakaoTalk Chats with .*|저장한 날짜 : .*|Date Saved : .*|-{3,}.*-{3,}|\d{4}년 \d{1,2}월 \d{1,2}일 [^,]*|\d{4}\. \d{1,2}\. \d{1,2}\. [^,]*|[A-Z][a-z]+ \d{1,2}, \d{4}[^,]*)$",
    )
});
static PLAIN: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*([^:：\t]{1,64}?)\s*[:：]\s?(.*)$"));

enum Parsed<'a> {
    Start(&'a str, &'a str),
    Skip,
    More,
}

fn parse(format: Format, line: &str) -> Parsed<'_> {
    match format {
        Format::WhatsApp => match WHATSAPP.captures(line) {
            Some(c) => {
                let rest = c.get(1).map_or("", |m| m.as_str());
                match rest.split_once(": ") {
                    Some((sender, text)) if !sender.is_empty() && sender.len() <= 128 => Parsed::Start(sender, text),
                    // A system notice: "Messages and calls are end-to-end encrypted."
                    _ => Parsed::Skip,
                }
            }
            None => Parsed::More,
        },
        Format::Line => {
            if let Some(c) = LINE_MESSAGE.captures(line) {
                Parsed::Start(c.get(1).map_or("", |m| m.as_str()), c.get(2).map_or("", |m| m.as_str()))
            } else if LINE_SKIP.is_match(line) {
                Parsed::Skip
            } else {
                Parsed::More
            }
        }
        Format::KakaoTalk => {
            if let Some(c) = KAKAO_MOBILE.captures(line).or_else(|| KAKAO_PC.captures(line)) {
                Parsed::Start(c.get(1).map_or("", |m| m.as_str()), c.get(2).map_or("", |m| m.as_str()))
            } else if KAKAO_SKIP.is_match(line) {
                Parsed::Skip
            } else {
                Parsed::More
            }
        }
        _ => match PLAIN.captures(line) {
            Some(c) => {
                let sender = c.get(1).map_or("", |m| m.as_str()).trim();
                let text = c.get(2).map_or("", |m| m.as_str());
                // "https://…" and "12:30" are text, not senders.
                if sender.is_empty() || text.starts_with("//") || sender.bytes().all(|b| b.is_ascii_digit()) {
                    Parsed::More
                } else {
                    Parsed::Start(sender, text)
                }
            }
            None => Parsed::More,
        },
    }
}

/// Guesses which export `head` (the first bytes of the input) comes from.
pub(crate) fn detect(head: &str) -> Format {
    let lines: Vec<&str> = head.lines().filter(|l| !l.trim().is_empty()).take(30).collect();
    let count = |f: &dyn Fn(&str) -> bool| lines.iter().filter(|l| f(l)).count();
    if lines.iter().any(|l| l.contains("님과 카카오톡 대화") || l.contains("KakaoTalk Chats with"))
        || count(&|l| KAKAO_MOBILE.is_match(l) || KAKAO_PC.is_match(l)) >= 1
    {
        Format::KakaoTalk
    } else if lines.first().is_some_and(|l| l.trim_start_matches('\u{FEFF}').starts_with("[LINE]"))
        || count(&|l| LINE_MESSAGE.is_match(l)) >= 1
    {
        Format::Line
    } else if count(&|l| WHATSAPP.is_match(l)) >= 1 {
        Format::WhatsApp
    } else {
        Format::Transcript
    }
}

struct Pending {
    sender: String,
    text: String,
    open: bool,
}

impl Pending {
    fn flush(&mut self, id: &str, sink: &mut dyn Sink) {
        if self.open {
            sink.event(Event::Message {
                conversation: id,
                message: Msg { sender: &self.sender, text: &self.text, time: None },
            });
            self.open = false;
        }
    }

    fn push_text(&mut self, s: &str) {
        let room = MAX_TEXT.saturating_sub(self.text.len());
        self.text.push_str(&s[..s.floor_char_boundary(room)]);
    }
}

pub(crate) fn read<R: BufRead>(format: Format, id: &str, reader: R, sink: &mut dyn Sink) -> io::Result<()> {
    let mut lines = Lines::new(reader, MAX_LINE);
    let mut pending = Pending { sender: String::new(), text: String::new(), open: false };
    sink.event(Event::Begin(Header { id, ..Header::default() }));
    while let Some((n, line)) = lines.next_line()? {
        let bytes = match line {
            Line::Ok(b) => b,
            Line::TooLong(len) => {
                sink.error(InputError {
                    location: Location::Line(n),
                    message: format!("line of {len} bytes is longer than {MAX_LINE} bytes"),
                });
                continue;
            }
        };
        let Ok(line) = std::str::from_utf8(bytes) else {
            sink.error(InputError { location: Location::Line(n), message: "not valid UTF-8".into() });
            continue;
        };
        match parse(format, line) {
            Parsed::Start(sender, text) => {
                pending.flush(id, sink);
                pending.sender.clear();
                pending.sender.push_str(&sender[..sender.floor_char_boundary(MAX_PLAIN_SENDER * 2)]);
                pending.text.clear();
                pending.push_text(text);
                pending.open = true;
            }
            Parsed::Skip => {}
            Parsed::More if line.trim().is_empty() => {}
            Parsed::More if pending.open => {
                pending.push_text("\n");
                pending.push_text(line);
            }
            Parsed::More => sink.error(InputError {
                location: Location::Line(n),
                message: format!("no sender: expected a {} line", describe(format)),
            }),
        }
    }
    pending.flush(id, sink);
    sink.event(Event::End { conversation: id });
    Ok(())
}

fn describe(format: Format) -> &'static str {
    match format {
        Format::WhatsApp => "WhatsApp `date, time - sender: text`",
        Format::Line => "LINE `time<TAB>sender<TAB>text`",
        Format::KakaoTalk => "KakaoTalk `date time, sender : text`",
        _ => "`sender: text`",
    }
}

#[cfg(test)]
mod tests {
    use crate::{Format, collect};

    fn messages(input: &str) -> (Format, Vec<(String, String)>, usize) {
        let (format, out) = collect("chat.txt", input.as_bytes());
        let c = &out.conversations[0];
        assert_eq!(c.id, "chat.txt");
        (format, c.messages.iter().map(|m| (m.0.clone(), m.1.clone())).collect(), out.errors.len())
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn plain_transcript_with_continuations_and_links() {
        let (f, m, errors) = messages("stranger: hi\nsee https://x.test/a\nkid：我13岁\n12:30 is late\n");
        assert_eq!(f, Format::Transcript);
        assert_eq!(m, pairs(&[("stranger", "hi\nsee https://x.test/a"), ("kid", "我13岁\n12:30 is late")]));
        assert_eq!(errors, 0);
        let (_, _, errors) = messages("no sender here\nbob: hi\n");
        assert_eq!(errors, 1);
    }

    #[test]
    fn whatsapp_android_and_ios() {
        let android = "12/31/20, 9:15 PM - Messages and calls are end-to-end encrypted.\n12/31/20, 9:16 PM - Alex: hi cutie\nsecond line\n12/31/20, 9:17 PM - Sam Lee: who r u\n";
        let (f, m, _) = messages(android);
        assert_eq!(f, Format::WhatsApp);
        assert_eq!(m, pairs(&[("Alex", "hi cutie\nsecond line"), ("Sam Lee", "who r u")]));
        let ios = "[31/12/2020, 21:16:04] Alex: hi\n[31/12/2020, 21:17:00] 小明: 你好\n";
        let (f, m, _) = messages(ios);
        assert_eq!(f, Format::WhatsApp);
        assert_eq!(m, pairs(&[("Alex", "hi"), ("小明", "你好")]));
    }

    #[test]
    fn line_export() {
        let input = "[LINE] Chat history with Ken\nSaved on: 2024/01/05 21:00\n\n2024/01/05(Fri)\n21:15\tKen\thello\n21:16\tAmy\t\"two\nlines\"\n";
        let (f, m, errors) = messages(input);
        assert_eq!(f, Format::Line);
        assert_eq!(m, pairs(&[("Ken", "hello"), ("Amy", "\"two\nlines\"")]));
        assert_eq!(errors, 0);
    }

    #[test]
    fn kakaotalk_mobile_and_pc() {
        let mobile = "민수 님과 카카오톡 대화\n저장한 날짜 : 2024년 1월 5일 오후 9:00\n\n2024년 1월 5일 금요일\n2024년 1월 5일 오후 9:15, 민수 : 몇 살이야?\n2024년 1월 5일 오후 9:16, 지은 : 중2\n";
        let (f, m, errors) = messages(mobile);
        assert_eq!(f, Format::KakaoTalk);
        assert_eq!(m, pairs(&[("민수", "몇 살이야?"), ("지은", "중2")]));
        assert_eq!(errors, 0);
        let pc = "--------------- 2024년 1월 5일 금요일 ---------------\n[민수] [오후 9:15] 영상통화 하자\n[지은] [오후 9:16] 싫어\n";
        let (f, m, errors) = messages(pc);
        assert_eq!(f, Format::KakaoTalk);
        assert_eq!(m, pairs(&[("민수", "영상통화 하자"), ("지은", "싫어")]));
        assert_eq!(errors, 0);
    }
}
