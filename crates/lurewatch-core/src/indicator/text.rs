//! The text indicators are read from: the original message with full-width forms folded to
//! ASCII and defanged links made whole again, with a map back to the original bytes.
//!
//! Unlike the tactic normalisation, case, digits and punctuation are kept: crypto addresses
//! and handles are case-sensitive and every digit of a number matters.

use super::starts_with_ignoring_case;

/// A message prepared for extraction.
#[derive(Debug, Default)]
pub(crate) struct Folded {
    text: String,
    /// For every byte of `text`, the original byte it came from, plus one entry for the end.
    map: Vec<u32>,
    /// Spans of `text` that were written defanged (`[.]`, `hxxp`, `(at)`).
    defanged: Vec<(usize, usize)>,
    /// Scratch for the first pass.
    pass: String,
    pass_map: Vec<u32>,
}

/// Defanged spellings and what they stand for. Matched without regard to ASCII case.
const REFANG: &[(&str, &str)] = &[
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    ("[:]", ":"),
    ("[://]", "://"),
    ("[@]", "@"),
    ("(at)", "@"),
    ("[at]", "@"),
    ("hxxps://", "https://"),
    ("hxxp://", "http://"),
    ("hxxps[://]", "https://"),
    ("hxxp[://]", "http://"),
    ("hxxps[:]//", "https://"),
    ("hxxp[:]//", "http://"),
];

impl Folded {
    /// Prepares `original`; `false` when there is nothing to fold (most messages), and the
    /// original text is to be read as it is. `may_fold`: whether the caller saw a byte that
    /// can start something to fold; without one nothing is searched.
    pub(crate) fn fold(&mut self, original: &str, may_fold: bool, spelled: bool) -> bool {
        self.defanged.clear();
        self.map.clear();
        if !(spelled || may_fold && needs_folding(original.as_bytes())) {
            return false;
        }
        self.pass.clear();
        self.pass_map.clear();
        for (at, c) in original.char_indices() {
            let folded = fold_char(c);
            let start = self.pass.len();
            self.pass.push(folded);
            self.pass_map.extend(std::iter::repeat_n(at as u32, self.pass.len() - start));
        }
        self.pass_map.push(original.len() as u32);

        self.text.clear();
        self.map.clear();
        let src = self.pass.as_bytes();
        let mut at = 0;
        while at < src.len() {
            let refang = refang_at(src, at)
                .map(|(from, to)| (from.len(), to))
                .or_else(|| spelled_dot_at(src, at))
                .or_else(|| spelled_at_at(src, at));
            if let Some((mut len, to)) = refang {
                // A bracketed form between two words takes the spaces around it along
                // (`jenny [at] gmail [dot] com`): nobody writes an address with them.
                let between_words = matches!(src[at], b'[' | b'(' | b'{')
                    && at >= 2
                    && src[at - 1] == b' '
                    && src[at - 2].is_ascii_alphanumeric()
                    && src.get(at + len) == Some(&b' ')
                    && src.get(at + len + 1).is_some_and(u8::is_ascii_alphanumeric);
                if between_words {
                    self.text.pop();
                    self.map.pop();
                    len += 1;
                }
                let start = self.text.len();
                self.text.push_str(to);
                // Every byte of the replacement points to the start of the defanged form.
                self.map.extend(std::iter::repeat_n(self.pass_map[at], to.len()));
                self.defanged.push((start, self.text.len()));
                at += len;
                continue;
            }
            let len = utf8_len(src[at]);
            self.text.push_str(&self.pass[at..at + len]);
            self.map.extend_from_slice(&self.pass_map[at..at + len]);
            at += len;
        }
        self.map.push(original.len() as u32);
        true
    }

    /// The prepared text.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The original byte span of `start..end` of the prepared text.
    pub(crate) fn original(&self, start: usize, end: usize) -> (usize, usize) {
        if self.map.is_empty() {
            return (start, end);
        }
        let s = self.map[start] as usize;
        // The end maps through the last byte: its original character ends where the next
        // original character starts.
        let e = if end == 0 {
            s
        } else {
            let last = self.map[end - 1] as usize;
            let next = self.map[end..].iter().map(|&m| m as usize).find(|&m| m > last);
            next.unwrap_or(*self.map.last().unwrap_or(&0) as usize)
        };
        (s, e.max(s))
    }

    /// Whether any part of `start..end` was written defanged.
    pub(crate) fn defanged(&self, start: usize, end: usize) -> bool {
        self.defanged.iter().any(|&(s, e)| s < end && start < e)
    }
}

/// Whether `text` has anything worth folding: a full-width digit, letter or one of the
/// signs indicators are written with (`＋＠．：／＄－＿￥`), an ideographic full stop, or the
/// start of a defanged spelling. Full-width commas and question marks, everywhere in
/// Chinese text, need nothing.
fn needs_folding(text: &[u8]) -> bool {
    let wide = memchr::memchr2_iter(0xef, 0xe3, text).any(|i| match (text[i], text.get(i + 1), text.get(i + 2)) {
        // U+FF04 $, U+FF0B +, U+FF0D -, U+FF0E ., U+FF0F /, U+FF10–19 digits, U+FF1A :,
        // U+FF20 @, U+FF21–3A letters, U+FF3F _.
        (0xef, Some(0xbc), Some(&c)) => matches!(c, 0x84 | 0x8b | 0x8d..=0x9a | 0xa0..=0xba | 0xbf),
        // U+FF41–5A letters.
        (0xef, Some(0xbd), Some(&c)) => (0x81..=0x9a).contains(&c),
        // U+FFE5 ¥, U+FFE1 £, U+FFE6 ₩.
        (0xef, Some(0xbf), Some(&c)) => matches!(c, 0xa1 | 0xa5 | 0xa6),
        // The ideographic full stop between ASCII letters or digits (`www。example。com`).
        (0xe3, Some(0x80), Some(0x82)) => i > 0 && text[i - 1].is_ascii_alphanumeric(),
        _ => false,
    });
    wide || memchr::memchr3_iter(b'[', b'{', b'(', text).any(|i| refang_at(text, i).is_some())
        || memchr::memchr2_iter(b'x', b'X', text)
            .any(|i| i > 0 && matches!(text[i - 1], b'h' | b'H') && refang_at(text, i - 1).is_some())
}

fn refang_at(src: &[u8], at: usize) -> Option<(&'static str, &'static str)> {
    let b = src[at];
    if !matches!(b, b'[' | b'(' | b'{' | b'h' | b'H') {
        return None;
    }
    REFANG.iter().copied().find(|(from, _)| starts_with_ignoring_case(&src[at..], from))
}

/// Words and characters written for the dot of a domain (`evil dot com`, `evil点com`,
/// `evil chấm com`), read as one only between a label and a top-level domain that scams use.
const SPELLED_DOTS: &[&str] = &[" dot ", " chấm ", " cham ", "点", "點", " 点 ", " 點 "];

/// Top-level domains a spelled dot may come before: common words (`me`, `in`, `to`) are
/// left out, so "connect the dot to …" is never a domain.
const SPELLED_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "xyz", "top", "vip", "club", "shop", "site", "online", "live", "app", "io",
    "cc", "vn", "cn", "hk", "kr", "tw", "uk", "ru", "link", "click", "store", "fun", "icu", "cyou", "buzz",
];

/// Mail services whose name after a spelled or spaced at sign makes an e-mail address
/// (`jim008847 at hotmail dot com`, `jenny @ gmail.com`).
const MAIL_SERVICES: &[&str] = &[
    "gmail",
    "googlemail",
    "hotmail",
    "outlook",
    "live",
    "msn",
    "yahoo",
    "ymail",
    "aol",
    "icloud",
    "me",
    "mail",
    "protonmail",
    "proton",
    "gmx",
    "yandex",
    "qq",
    "163",
    "126",
    "sina",
    "naver",
    "daum",
    "hanmail",
    "kakao",
];

/// Whether a spelled sign may end on byte `b`: the `t` of ` dot` and ` at`, the `m` of
/// ` cham`, the `@` of ` @`, the last bytes of `点` (E7 82 B9), `點` (E9 BB 9E) and the
/// `chấ` of ` chấm` (BA).
pub(crate) const fn ends_spelled_sign(b: u8) -> bool {
    matches!(b, b't' | b'T' | b'm' | b'M' | 0xba | 0xb9 | 0x9e | b'@')
}

/// Whether a dot or an at sign is spelled out in an address that ends on byte `i` (one of
/// [`ends_spelled_sign`]). Inlined into the caller's loop: the two bytes before rule out nearly
/// every `t` and `m` of ordinary text.
#[inline]
pub(crate) fn spelled_sign_ending_at(bytes: &[u8], i: usize) -> bool {
    let Some(&before) = i.checked_sub(1).and_then(|k| bytes.get(k)) else { return false };
    let before = before | 0x20;
    // The byte before that: the `d` of ` dot`, the space of ` at`, the `h` of ` cham`.
    let two_back = i.checked_sub(2).map_or(b' ', |k| bytes[k]);
    let possible = match bytes[i] | 0x20 {
        b't' => before == b'o' && two_back | 0x20 == b'd' || before == b'a' && two_back == b' ',
        b'm' => before == b'a' && two_back | 0x20 == b'h',
        0xba => before == 0xe1,
        0xb9 => before == 0xa2,
        0xbe => before == 0xbb,
        0x60 => before == b' ',
        _ => false,
    };
    possible && spelled_sign_at_window(bytes, i)
}

/// The readers of [`spelled_dot_at`] and [`spelled_at_at`], tried where a sign ending on
/// byte `i` may start: its first byte or the space before, at most four bytes back.
#[inline(never)]
fn spelled_sign_at_window(bytes: &[u8], i: usize) -> bool {
    (i.saturating_sub(4)..i).any(|at| spelled_dot_at(bytes, at).is_some() || spelled_at_at(bytes, at).is_some())
}

/// An at sign written out or with spaces around it.
const SPELLED_ATS: [&str; 2] = [" at ", " @ "];

/// Words that come before "at" in plain speech (`sign up at live.com`, `log in at …`): never
/// the account of a spelled address.
const NOT_ACCOUNTS: &[&str] =
    &["in", "up", "on", "me", "him", "her", "us", "them", "you", "u", "it", "this", "that", "here", "there", "email"];

/// An at sign written ` at ` or ` @ ` between an account and a mail service's domain: its
/// length and the sign it stands for. The account must look like one (a digit, `_` or `.`
/// in it), or the whole address be spelled out (`jenny at gmail dot com`), so that "sign up
/// at live.com" stays words.
fn spelled_at_at(src: &[u8], at: usize) -> Option<(usize, &'static str)> {
    if at == 0 || src[at] != b' ' || !src[at - 1].is_ascii_alphanumeric() {
        return None;
    }
    let len = SPELLED_ATS.iter().find(|d| starts_with_ignoring_case(&src[at..], d))?.len();
    let rest = &src[at + len..];
    let name = rest.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    if !MAIL_SERVICES.iter().any(|m| rest[..name].eq_ignore_ascii_case(m.as_bytes())) {
        return None;
    }
    let spelled_dot = spelled_dot_at(src, at + len + name).is_some();
    if !(spelled_dot || rest.get(name) == Some(&b'.')) {
        return None;
    }
    let account_len = src[..at].iter().rev().take_while(|b| b.is_ascii_alphanumeric() || b"._-".contains(b)).count();
    let account = &src[at - account_len..at];
    let marked = account.iter().any(|b| b.is_ascii_digit() || b"._-".contains(b));
    let plain_word = NOT_ACCOUNTS.iter().any(|w| account.eq_ignore_ascii_case(w.as_bytes()));
    (marked || spelled_dot && !plain_word).then_some((len, "@"))
}

/// A dot spelled out at `at`: its length and the dot it stands for.
fn spelled_dot_at(src: &[u8], at: usize) -> Option<(usize, &'static str)> {
    // A space or the lead byte of `点`/`點` only: the label is then read back to the word's
    // start once per word, not once per byte.
    let b = *src.get(at)?;
    let first = if b == b' ' { *src.get(at + 1)? } else { b };
    if at == 0
        || !matches!(b, b' ' | 0xe7 | 0xe9)
        || !src[at - 1].is_ascii_alphanumeric()
        || !matches!(first, b'd' | b'D' | b'c' | b'C' | 0xe7 | 0xe9)
    {
        return None;
    }
    // The label holds a letter: `2点` is two o'clock.
    if !src[..at].iter().rev().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').any(u8::is_ascii_alphabetic) {
        return None;
    }
    let len = SPELLED_DOTS.iter().find(|d| starts_with_ignoring_case(&src[at..], d))?.len();
    let rest = &src[at + len..];
    let word = rest.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    let tld = &rest[..word];
    SPELLED_TLDS.iter().any(|t| tld.eq_ignore_ascii_case(t.as_bytes())).then_some((len, "."))
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Full-width ASCII, the ideographic full stop and full-width currency signs to ASCII.
fn fold_char(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xff01 + 0x21).unwrap_or(c),
        '\u{3000}' => ' ',
        '。' | '｡' => '.',
        '￥' => '¥',
        '￡' => '£',
        '￦' => '₩',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> Folded {
        let mut f = Folded::default();
        if !f.fold(s, true, crate::indicator::Seen::of(s.as_bytes()).spelled) {
            f.text = s.to_owned();
        }
        f
    }

    #[test]
    fn full_width_forms_fold_and_map_back() {
        let s = "ＱＱ：１２３４５";
        let f = folded(s);
        assert_eq!(f.as_str(), "QQ:12345");
        let (a, b) = f.original(3, 8);
        assert_eq!(&s[a..b], "１２３４５");
    }

    #[test]
    fn spelled_dots_and_spaced_brackets() {
        for (s, want) in [
            ("go evil dot com/a.apk", "go evil.com/a.apk"),
            ("vào evil chấm vn nhé", "vào evil.vn nhé"),
            ("vao evil cham top", "vao evil.top"),
            ("下载 evil点com/app", "下载 evil.com/app"),
            ("網址 evil 點 com", "網址 evil.com"),
            ("mail jenny [at] gmail [dot] com", "mail jenny@gmail.com"),
            ("mail Jenny (at) Gmail (dot) COM", "mail Jenny@Gmail.COM"),
            ("write this down  jim008847 at hotmail dot com", "write this down  jim008847@hotmail.com"),
            ("msn: jenny_22 @ live.com", "msn: jenny_22@live.com"),
        ] {
            let f = folded(s);
            assert_eq!(f.as_str(), want, "{s}");
            let end = want.len();
            let (a, b) = f.original(0, end);
            assert_eq!((a, b), (0, s.len()), "{s}");
        }
        // Spelled words that are no domain: a polka dot dress, the dot to the left, 一点点.
        for s in [
            "a polka dot dress",
            "connect the dot to me",
            "dot com bubble",
            "一点com都不懂",
            "2点com",
            "差一點 com 都打錯",
            "cô chấm bài xong rồi",
            "thay cham diem com nay",
        ] {
            assert!(!folded(s).as_str().contains('.'), "{s}");
        }
        // An at sign needs a mail service and an account that looks like one.
        for s in [
            "meet at gmail office",
            "look at the mail",
            "sign up at live.com",
            "log in at gmail dot com",
            "jenny at gmail.com",
            "jenny_22 at gmail",
            "jenny_22 at gmail dot",
            "jenny_22 at ",
        ] {
            assert!(!folded(s).as_str().contains('@'), "{s}");
        }
    }

    #[test]
    fn hostile_runs_fold_in_linear_time() {
        // A long word of the letter a spelled dot starts with: each byte is read a bounded
        // number of times (reading the word back from every byte would take minutes).
        let word = "d".repeat(200_000);
        let f = folded(&format!("{word}[.]com {word} dot com"));
        assert!(f.as_str().ends_with("d.com"));
    }

    #[test]
    fn defanged_links_are_made_whole() {
        let s = "hxxps://evil[.]example(dot)com and me[at]mail[.]com";
        let f = folded(s);
        assert_eq!(f.as_str(), "https://evil.example.com and me@mail.com");
        assert!(f.defanged(0, 5));
        assert!(!f.defanged(24, 28));
        let end = "https://evil.example.com".len();
        let (a, b) = f.original(0, end);
        assert_eq!(&s[a..b], "hxxps://evil[.]example(dot)com");
    }

    #[test]
    fn text_without_tricks_maps_one_to_one() {
        let s = "call 9123 4567 now";
        let f = folded(s);
        assert_eq!(f.as_str(), s);
        assert_eq!(f.original(5, 14), (5, 14));
    }
}
