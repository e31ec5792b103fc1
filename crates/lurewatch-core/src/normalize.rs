//! Text normalisation with a map back to the original bytes.
//!
//! Scammers write to slip past filters: `ｓｅｎｄ ｎｕｄｅｓ`, `𝓷𝓾𝓭𝓮𝓼`, `n00dz`, `s e n d`,
//! `裸 聊`, Cyrillic look-alikes, zero-width joiners, `chuyen tien` for `chuyển tiền`. The
//! normaliser folds all of these into one canonical form so a single lexicon entry matches
//! every spelling, and it records, for every output byte, the span of the original text it
//! came from, so evidence can always quote the untouched original.
//!
//! The same function normalises lexicon terms when they are compiled, so the two sides
//! always agree. Normalisation is idempotent (property-tested).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

mod t2s {
    include!(concat!(env!("OUT_DIR"), "/t2s.rs"));
}

/// Script counts gathered while normalising; they decide the language of the advice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptCounts {
    /// Latin letters.
    pub latin: u32,
    /// Latin letters that carry a Vietnamese-only diacritic or are `đ`.
    pub vietnamese: u32,
    /// Han characters.
    pub han: u32,
    /// Han characters that only exist in traditional script.
    pub traditional: u32,
    /// Hangul syllables and jamo.
    pub hangul: u32,
}

impl ScriptCounts {
    /// Adds another count to this one, saturating.
    pub fn add(&mut self, other: &ScriptCounts) {
        self.latin = self.latin.saturating_add(other.latin);
        self.vietnamese = self.vietnamese.saturating_add(other.vietnamese);
        self.han = self.han.saturating_add(other.han);
        self.traditional = self.traditional.saturating_add(other.traditional);
        self.hangul = self.hangul.saturating_add(other.hangul);
    }
}

/// A normalised text and the map from its bytes to the original text.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    text: String,
    /// For each output byte, the original byte span of the character it came from.
    spans: Vec<(u32, u32)>,
    /// For each output byte, whether it lies in a run of spaced-out letters that was joined;
    /// empty when nothing was joined (the common case costs nothing).
    joined: Vec<bool>,
    counts: ScriptCounts,
    /// Tokens of one byte seen so far: spaced-out letters need three.
    singles: u32,
    /// Working buffer of characters before the word-level passes.
    units: Vec<Unit>,
    /// Spare buffers the post-passes rebuild into, kept to avoid allocating per message.
    spare_text: String,
    spare_spans: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Copy)]
struct Unit {
    c: char,
    start: u32,
    end: u32,
    class: Class,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    Han,
    Hangul,
    OtherLetter,
    /// Characters that may stand for a letter inside a Latin word (`@`, `$`, `!`, `|`).
    Leet,
    /// Characters kept as themselves: currency signs, `%`.
    Keep,
    Space,
}

impl Normalized {
    /// An empty buffer; reuse it across calls to avoid allocation.
    pub fn new() -> Self {
        Self::default()
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Script counts of the last normalised text.
    pub fn counts(&self) -> ScriptCounts {
        self.counts
    }

    /// The original byte span of the normalised byte range `start..end`.
    ///
    /// `start < end <= self.as_str().len()` must hold.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        debug_assert!(start < end && end <= self.spans.len());
        (self.spans[start].0 as usize, self.spans[end - 1].1 as usize)
    }

    /// Whether any spaced-out letters were joined.
    pub fn has_joined(&self) -> bool {
        !self.joined.is_empty()
    }

    /// Whether every byte of `start..end` lies in a joined run of spaced-out letters.
    pub fn is_joined(&self, start: usize, end: usize) -> bool {
        !self.joined.is_empty() && self.joined[start..end].iter().all(|&j| j)
    }

    /// Normalises `input` into this buffer, replacing its previous content.
    pub fn normalize(&mut self, input: &str) {
        self.text.clear();
        self.spans.clear();
        self.joined.clear();
        self.units.clear();
        self.counts = ScriptCounts::default();
        self.singles = 0;
        if input.is_ascii() {
            self.assemble_ascii(input.as_bytes());
        } else {
            self.fold_chars(input);
            self.assemble();
        }
    }

    /// The general path, also for ASCII text: the fast path must agree with it.
    #[cfg(test)]
    fn normalize_general(&mut self, input: &str) {
        self.text.clear();
        self.spans.clear();
        self.joined.clear();
        self.units.clear();
        self.counts = ScriptCounts::default();
        self.singles = 0;
        self.fold_chars(input);
        self.assemble();
    }

    /// The word-level passes straight from ASCII bytes: the same as folding each byte into
    /// a unit and assembling those, without the units.
    fn assemble_ascii(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let mut i = 0;
        while i < n {
            match ASCII_CLASS[bytes[i] as usize] {
                Class::Space => {
                    let mut j = i + 1;
                    while j < n && ASCII_CLASS[bytes[j] as usize] == Class::Space {
                        j += 1;
                    }
                    self.push_space(i as u32, i as u32 + 1);
                    i = j;
                }
                Class::Letter | Class::Digit | Class::Leet => {
                    let mut j = i;
                    let mut letters = 0;
                    while j < n {
                        match ASCII_CLASS[bytes[j] as usize] {
                            Class::Letter => letters += 1,
                            Class::Digit | Class::Leet => {}
                            _ => break,
                        }
                        j += 1;
                    }
                    self.counts.latin += letters;
                    if letters as usize == j - i {
                        self.push_letters(&bytes[i..j], i as u32);
                    } else {
                        self.push_word(&AsciiWord { bytes: &bytes[i..j], offset: i as u32 });
                    }
                    i = j;
                }
                _ => {
                    self.push_unit(bytes[i] as char, i as u32, i as u32 + 1);
                    i += 1;
                }
            }
        }
        self.finish();
    }

    /// Pushes a word of ASCII letters only, `offset` bytes into the message: what
    /// [`Normalized::push_word`] does with it, without its leetspeak checks.
    fn push_letters(&mut self, word: &[u8], offset: u32) {
        for (at, &b) in (offset..).zip(word) {
            self.push_letter(b.to_ascii_lowercase() as char, at, at + 1);
        }
    }

    /// Character-level folding: controls, case, compatibility forms, diacritics,
    /// homoglyphs, traditional Chinese.
    fn fold_chars(&mut self, input: &str) {
        self.units.reserve(input.len());
        if input.is_ascii() {
            // The common case, byte by byte.
            for (i, &b) in input.as_bytes().iter().enumerate() {
                let class = ASCII_CLASS[b as usize];
                self.counts.latin += u32::from(class == Class::Letter);
                let c = if class == Class::Space { ' ' } else { b.to_ascii_lowercase() as char };
                self.units.push(Unit { c, start: i as u32, end: i as u32 + 1, class });
            }
            return;
        }
        for (i, c) in input.char_indices() {
            let start = i as u32;
            let end = (i + c.len_utf8()) as u32;
            if c.is_ascii() {
                let class = ascii_class(c);
                if class == Class::Letter {
                    self.counts.latin += 1;
                }
                let c = if class == Class::Space { ' ' } else { c.to_ascii_lowercase() };
                self.units.push(Unit { c, start, end, class });
                continue;
            }
            self.fold_non_ascii(c, start, end);
        }
    }

    fn fold_non_ascii(&mut self, c: char, start: u32, end: u32) {
        let cp = c as u32;
        // Hangul and Han first: most non-ASCII text is one or the other. The Hangul fillers
        // are invisible and fall through to be dropped.
        if is_hangul(cp) && !matches!(cp, 0x115F | 0x1160 | 0x3164) {
            self.counts.hangul += 1;
            self.units.push(Unit { c, start, end, class: Class::Hangul });
            return;
        }
        if is_han(cp) {
            self.counts.han += 1;
            let s = simplify(c);
            if s != c {
                self.counts.traditional += 1;
            }
            self.units.push(Unit { c: s, start, end, class: Class::Han });
            return;
        }
        if is_invisible(c) {
            return;
        }
        if matches!(c, 'đ' | 'Đ') {
            self.counts.latin += 1;
            self.counts.vietnamese += 1;
            self.units.push(Unit { c: 'd', start, end, class: Class::Letter });
            return;
        }
        if c.is_whitespace() {
            self.units.push(Unit { c: ' ', start, end, class: Class::Space });
            return;
        }
        if is_vietnamese_letter(c) {
            self.counts.vietnamese += 1;
        }
        decompose_compatible(c, |d| {
            if !is_combining_mark(d) && !is_invisible(d) {
                self.push_folded(d, start, end);
            }
        });
    }

    /// Pushes one decomposed character, folding homoglyphs and case.
    fn push_folded(&mut self, d: char, start: u32, end: u32) {
        if d.is_ascii() {
            let class = ascii_class(d);
            if class == Class::Letter {
                self.counts.latin += 1;
            }
            let d = if class == Class::Space { ' ' } else { d.to_ascii_lowercase() };
            self.units.push(Unit { c: d, start, end, class });
            return;
        }
        // Lower case first, so that the folds below see the same character the second
        // time round (normalisation must be idempotent).
        let mut lower = d.to_lowercase();
        if let (Some(l), None) = (lower.next(), lower.next())
            && l != d
        {
            return self.push_folded(l, start, end);
        }
        let cp = d as u32;
        if is_han(cp) {
            self.counts.han += 1;
            self.units.push(Unit { c: simplify(d), start, end, class: Class::Han });
            return;
        }
        if is_currency(d) || is_word_emoji(d) {
            self.units.push(Unit { c: d, start, end, class: Class::Keep });
            return;
        }
        if is_confusable_range(cp)
            && let decancer::Translation::Character(t) = decancer::cure_char!(d)
            && t.is_ascii_alphanumeric()
        {
            let class = ascii_class(t);
            if class == Class::Letter {
                self.counts.latin += 1;
            }
            self.units.push(Unit { c: t.to_ascii_lowercase(), start, end, class });
            return;
        }
        if d.is_alphabetic() {
            for l in d.to_lowercase() {
                if !is_combining_mark(l) {
                    self.units.push(Unit { c: l, start, end, class: Class::OtherLetter });
                }
            }
        } else if d.is_numeric() {
            self.units.push(Unit { c: d, start, end, class: Class::OtherLetter });
        } else {
            self.units.push(Unit { c: ' ', start, end, class: Class::Space });
        }
    }

    /// Word-level passes over the folded characters: leetspeak, spaced-out letters,
    /// separators between Han characters, repeated letters, punctuation.
    fn assemble(&mut self) {
        let units = std::mem::take(&mut self.units);
        let n = units.len();
        let mut i = 0;
        while i < n {
            let u = units[i];
            match u.class {
                Class::Space => {
                    // A run of separators; none between two Chinese characters (the common
                    // case here, the rest in `drop_spaces_between_han`).
                    let mut j = i;
                    while j < n && units[j].class == Class::Space {
                        j += 1;
                    }
                    let prev_han = self.text.chars().next_back().is_some_and(|c| is_han(c as u32));
                    let next_han = j < n && units[j].class == Class::Han;
                    if !(prev_han && next_han) {
                        self.push_space(u.start, u.end);
                    }
                    i = j;
                }
                Class::Letter | Class::Leet | Class::Digit => {
                    let j = word_end(&units, i);
                    self.push_word(&units[i..j]);
                    i = j;
                }
                Class::Keep | Class::Han | Class::Hangul | Class::OtherLetter => {
                    self.push_unit(u.c, u.start, u.end);
                    i += 1;
                }
            }
        }
        self.units = units;
        self.finish();
    }

    /// The passes over the assembled text: trailing spaces, spaces between Chinese
    /// characters, spelled-out letters.
    fn finish(&mut self) {
        // A trailing space was pushed by `push_space`, which counted the token before it.
        if self.text.ends_with(' ') {
            self.text.pop();
            self.spans.pop();
        } else {
            self.count_single();
        }
        self.drop_spaces_between_han();
        if self.singles >= 3 {
            self.join_spaced_letters();
        }
    }

    /// Counts the token the text ends with (never a space) if it is one byte long.
    fn count_single(&mut self) {
        let b = self.text.as_bytes();
        let n = b.len();
        if n == 1 || n >= 2 && b[n - 2] == b' ' {
            self.singles += 1;
        }
    }

    /// Removes the spaces left between two Chinese characters by symbols that were not
    /// separators at first sight (`裸@聊`); Chinese is written without spaces. Linear: a
    /// hostile message full of such symbols costs no more than any other.
    fn drop_spaces_between_han(&mut self) {
        if self.counts.han < 2 {
            return;
        }
        let droppable = |text: &str, at: usize| {
            text.as_bytes()[at] == b' '
                && text[..at].chars().next_back().is_some_and(|c| is_han(c as u32))
                && text[at + 1..].chars().next().is_some_and(|c| is_han(c as u32))
        };
        let Some(first) = memchr::memchr_iter(b' ', self.text.as_bytes()).find(|&at| droppable(&self.text, at)) else {
            return;
        };
        let (text, spans) = self.swap_out();
        self.text.push_str(&text[..first]);
        self.spans.extend_from_slice(&spans[..first]);
        let mut last = first + 1;
        for at in memchr::memchr_iter(b' ', &text.as_bytes()[first + 1..]).map(|k| k + first + 1) {
            if droppable(&text, at) {
                self.text.push_str(&text[last..at]);
                self.spans.extend_from_slice(&spans[last..at]);
                last = at + 1;
            }
        }
        self.text.push_str(&text[last..]);
        self.spans.extend_from_slice(&spans[last..]);
        self.swap_back(text, spans);
    }

    /// Moves the text and spans out to be rebuilt, leaving the spare (empty) buffers in
    /// their place.
    fn swap_out(&mut self) -> (String, Vec<(u32, u32)>) {
        let mut text = std::mem::take(&mut self.spare_text);
        let mut spans = std::mem::take(&mut self.spare_spans);
        text.clear();
        spans.clear();
        std::mem::swap(&mut self.text, &mut text);
        std::mem::swap(&mut self.spans, &mut spans);
        (text, spans)
    }

    /// Keeps the old buffers as spares for the next rebuild.
    fn swap_back(&mut self, text: String, spans: Vec<(u32, u32)>) {
        self.spare_text = text;
        self.spare_spans = spans;
    }

    /// Joins runs of at least three single letters separated by spaces (`s e n d`,
    /// `n.u.d.e.s`, `s 3 n d`) into one word marked as joined. It works on the
    /// normalised text itself, so normalising again finds nothing more to join.
    fn join_spaced_letters(&mut self) {
        let bytes = self.text.as_bytes();
        // Single-letter tokens: (start byte, letter).
        let single = |at: usize| -> Option<char> {
            let c = *bytes.get(at)?;
            let alone = (at == 0 || bytes[at - 1] == b' ') && (at + 1 == bytes.len() || bytes[at + 1] == b' ');
            if !alone {
                return None;
            }
            match c {
                b'a'..=b'z' => Some(c as char),
                b'0'..=b'9' => leet(c as char),
                _ => None,
            }
        };
        let mut runs: Vec<(usize, usize)> = Vec::new();
        // Visit the first byte of every token: the start, and after each space.
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at].is_ascii_lowercase() && single(at).is_some() {
                let start = at;
                let mut end = at + 1;
                let mut count = 1;
                let mut all_shorthand = SHORTHAND.contains(bytes[at] as char);
                while end + 1 < bytes.len() && bytes[end] == b' ' {
                    let Some(c) = single(end + 1) else { break };
                    all_shorthand &= SHORTHAND.contains(c);
                    count += 1;
                    end += 2;
                }
                // Chat shorthand ("u r a", "i c u") is written with single letters too: a
                // run made only of those letters is left alone.
                if count >= 3 && !all_shorthand {
                    runs.push((start, end));
                }
                at = end;
            }
            match bytes[at..].iter().position(|&b| b == b' ') {
                Some(off) => at += off + 1,
                None => break,
            }
        }
        if runs.is_empty() {
            return;
        }
        let (text, spans) = self.swap_out();
        self.joined.clear();
        let mut next = 0;
        for (start, end) in runs {
            // Runs start and end at ASCII bytes, so these are character boundaries.
            self.text.push_str(&text[next..start]);
            self.spans.extend_from_slice(&spans[next..start]);
            self.joined.resize(self.text.len(), false);
            for k in (start..end).step_by(2) {
                let c = leet(text.as_bytes()[k] as char).unwrap_or(text.as_bytes()[k] as char);
                if self.text.ends_with(c) && self.joined.last() == Some(&true) {
                    // Repeated letters collapse, as in words (`n u u d e s`).
                    if let Some(last) = self.spans.last_mut() {
                        last.1 = spans[k].1;
                    }
                    continue;
                }
                self.text.push(c);
                self.spans.push(spans[k]);
                self.joined.push(true);
            }
            next = end;
        }
        self.text.push_str(&text[next..]);
        self.spans.extend_from_slice(&spans[next..]);
        self.joined.resize(self.text.len(), false);
        self.swap_back(text, spans);
    }

    fn push_space(&mut self, start: u32, end: u32) {
        if self.text.is_empty() || self.text.ends_with(' ') {
            return;
        }
        self.count_single();
        self.push_unit(' ', start, end);
    }

    #[inline]
    fn push_unit(&mut self, c: char, start: u32, end: u32) {
        if c.is_ascii() {
            self.text.push(c);
            self.spans.push((start, end));
        } else {
            self.push_wide(c, start, end);
        }
    }

    fn push_wide(&mut self, c: char, start: u32, end: u32) {
        self.text.push(c);
        let len = self.spans.len() + c.len_utf8();
        self.spans.resize(len, (start, end));
    }

    /// Pushes a Latin/digit word, resolving leetspeak and apostrophes and collapsing
    /// repeated letters.
    fn push_word<W: Word + ?Sized>(&mut self, word: &W) {
        let has_letter = (0..word.len()).any(|k| word.class(k) == Class::Letter);
        for k in 0..word.len() {
            let (uc, (start, end)) = (word.ch(k), word.span(k));
            let c = match word.class(k) {
                Class::Letter => uc,
                Class::Digit | Class::Leet if has_letter && is_leet_position(word, k) => leet(uc).unwrap_or(uc),
                Class::Leet => {
                    // A leet character that stands for no letter here: `'` in "don't"
                    // disappears; `$` before digits stays a currency sign; the rest separate.
                    match uc {
                        '\'' if k > 0 => continue,
                        '$' => '$',
                        _ => {
                            self.push_space(start, end);
                            continue;
                        }
                    }
                }
                _ => uc,
            };
            self.push_letter(c, start, end);
        }
    }

    /// Pushes one letter, dropping it when it repeats the previous letter (`nuuudes`).
    #[inline]
    fn push_letter(&mut self, c: char, start: u32, end: u32) {
        if c.is_ascii_lowercase() && self.text.as_bytes().last() == Some(&(c as u8)) {
            // Extend the previous letter's span to cover the repeat.
            if let Some(last) = self.spans.last_mut() {
                last.1 = end;
            }
            return;
        }
        self.push_unit(c, start, end);
    }
}

fn ascii_class(c: char) -> Class {
    ASCII_CLASS[c as usize & 0x7F]
}

/// The class of every ASCII byte.
static ASCII_CLASS: [Class; 128] = {
    let mut table = [Class::Space; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
            b'0'..=b'9' => Class::Digit,
            b'@' | b'$' | b'!' | b'|' | b'\'' => Class::Leet,
            b'%' => Class::Keep,
            _ => Class::Space,
        };
        b += 1;
    }
    table
};

/// End (exclusive) of the word starting at `i`: a run of letters, digits and leet characters.
fn word_end(units: &[Unit], i: usize) -> usize {
    let mut j = i;
    while j < units.len() {
        match units[j].class {
            Class::Letter | Class::Digit | Class::Leet => j += 1,
            _ => break,
        }
    }
    j
}

/// Letters that stand alone as words in chat shorthand.
const SHORTHAND: &str = "uricaynkbo";

/// Whether the leet character at `k` stands between letters (`n00dz`, `s3nd`, `p!cs`).
/// A leet character at the end of a word is left alone: `hi!`, `$5`, `top10`.
fn is_leet_position<W: Word + ?Sized>(word: &W, k: usize) -> bool {
    let mut a = k;
    while a > 0 && matches!(word.class(a - 1), Class::Digit | Class::Leet) {
        a -= 1;
    }
    let mut b = k + 1;
    while b < word.len() && matches!(word.class(b), Class::Digit | Class::Leet) {
        b += 1;
    }
    let before = a > 0 && word.class(a - 1) == Class::Letter;
    let after = b < word.len() && word.class(b) == Class::Letter;
    // Apostrophes vanish inside words ("don't"), so they do not break a run of leet.
    before && after && leet(word.ch(k)).is_some() && (a..b).all(|i| word.ch(i) == '\'' || leet(word.ch(i)).is_some())
}

/// The characters of one word: folded units, or ASCII bytes read directly.
trait Word {
    fn len(&self) -> usize;
    fn class(&self, k: usize) -> Class;
    fn ch(&self, k: usize) -> char;
    fn span(&self, k: usize) -> (u32, u32);
}

impl Word for [Unit] {
    fn len(&self) -> usize {
        <[Unit]>::len(self)
    }
    fn class(&self, k: usize) -> Class {
        self[k].class
    }
    fn ch(&self, k: usize) -> char {
        self[k].c
    }
    fn span(&self, k: usize) -> (u32, u32) {
        (self[k].start, self[k].end)
    }
}

/// A word of an ASCII message, `offset` bytes into it.
struct AsciiWord<'a> {
    bytes: &'a [u8],
    offset: u32,
}

impl Word for AsciiWord<'_> {
    fn len(&self) -> usize {
        self.bytes.len()
    }
    fn class(&self, k: usize) -> Class {
        ASCII_CLASS[self.bytes[k] as usize]
    }
    fn ch(&self, k: usize) -> char {
        self.bytes[k].to_ascii_lowercase() as char
    }
    fn span(&self, k: usize) -> (u32, u32) {
        let at = self.offset + k as u32;
        (at, at + 1)
    }
}

fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        _ => return None,
    })
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}')
        || (c.is_control() && !c.is_whitespace())
}

/// Hangul syllables, jamo and compatibility jamo (`ㅅㅅ`, `ㅋㅋ`).
pub(crate) fn is_hangul(cp: u32) -> bool {
    matches!(cp, 0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3131..=0x318E)
}

pub(crate) fn is_han(cp: u32) -> bool {
    matches!(cp, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_currency(c: char) -> bool {
    matches!(c, '¥' | '€' | '£' | '₩' | '₫' | '元' | '$')
}

/// Pictures that stand for the words the crime needs: money and the camera ("不给💰就把📹发给
/// 你家人"). They are kept for the lexicon; every other symbol separates words.
fn is_word_emoji(c: char) -> bool {
    matches!(c, '💰' | '💵' | '💴' | '💶' | '💷' | '💸' | '🤑' | '📹' | '🎥' | '📸' | '📷' | '📼' | '🎞')
}

/// Blocks where look-alike letters live: IPA, Greek, Cyrillic, Armenian, Cherokee,
/// letter-like symbols, enclosed alphanumerics, small capitals and other styled forms.
fn is_confusable_range(cp: u32) -> bool {
    matches!(cp,
        0x0250..=0x02AF | 0x0370..=0x052F | 0x0531..=0x058F | 0x13A0..=0x13FF | 0x1D00..=0x1DBF
        | 0x2100..=0x214F | 0x2460..=0x24FF | 0xA720..=0xA7FF | 0xAB30..=0xABBF | 0x1D400..=0x1D7FF
        | 0x1F100..=0x1F1FF)
}

/// Letters whose diacritics are specific to Vietnamese (horn, breve, hook above, dot below
/// with circumflex, and the tone marks on ơ/ư).
fn is_vietnamese_letter(c: char) -> bool {
    matches!(c, 'ă' | 'Ă' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | '\u{1EA0}'..='\u{1EF9}')
}

/// The simplified form of a Han character (itself when it has none).
pub(crate) fn simplify(c: char) -> char {
    let cp = c as u32;
    if (t2s::T2S_START..t2s::T2S_END).contains(&cp) {
        let i = (cp - t2s::T2S_START) as usize;
        if t2s::T2S_BITS[i / 64] & (1 << (i % 64)) == 0 {
            return c;
        }
    }
    match t2s::T2S.binary_search_by_key(&cp, |&(t, _)| t) {
        Ok(i) => char::from_u32(t2s::T2S[i].1).unwrap_or(c),
        Err(_) => c,
    }
}

/// Normalises a string in one call (allocates; prefer [`Normalized`] in loops).
pub fn normalize(input: &str) -> String {
    let mut n = Normalized::new();
    n.normalize(input);
    n.text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_every_obfuscation_to_one_form() {
        let cases = [
            ("Send NUDES", "send nudes"),
            ("ｓｅｎｄ ｎｕｄｅｓ", "send nudes"),
            ("𝓼𝓮𝓷𝓭 𝓷𝓾𝓭𝓮𝓼", "send nudes"),
            ("ṡëṅḋ ṅüdës", "send nudes"),
            ("s3nd n00dz", "send nodz"),
            ("몸\u{3164}캠", "몸캠"),
            ("몸\u{200B}캠 하자", "몸캠 하자"),
            ("p!cs", "pics"),
            ("nuuuudes", "nudes"),
            ("se\u{200B}nd nu\u{200D}des", "send nudes"),
            ("\u{202E}send", "send"),
            ("ѕеnd", "send"),
            ("裸 聊", "裸聊"),
            ("裸-聊", "裸聊"),
            ("裸聊視頻", "裸聊视频"),
            ("說", "说"),
            ("chuyển tiền", "chuyen tien"),
            ("ĐỪNG", "dung"),
            ("don't", "dont"),
            ("i'm 13", "im 13"),
            ("¥3,000", "¥3 000"),
            // Money and the camera drawn are kept; other pictures separate words.
            ("不给💰就把📹发给你家人", "不给💰就把📹发给你家人"),
            ("send 😘 nudes 🔥", "send nudes"),
            ("ＨＫ＄500", "hk$500"),
            ("몇 살이야?", "몇 살이야"),
            ("ㅅㅅ 하자", "ㅅㅅ 하자"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input), want, "input {input:?}");
        }
    }

    #[test]
    fn joins_spaced_out_letters_and_marks_them() {
        let mut n = Normalized::new();
        n.normalize("pls s e n d  n u d e s now");
        assert_eq!(n.as_str(), "pls sendnudes now");
        let at = n.as_str().find("sendnudes").unwrap();
        assert!(n.is_joined(at, at + 9));
        assert!(!n.is_joined(0, 3));
        n.normalize("n.u.d.e.s");
        assert_eq!(n.as_str(), "nudes");
    }

    #[test]
    fn keeps_ages_and_amounts_out_of_leetspeak() {
        assert_eq!(normalize("13yo"), "13yo");
        assert_eq!(normalize("im 15f"), "im 15f");
        assert_eq!(normalize("pay 3000"), "pay 3000");
        assert_eq!(normalize("$500"), "$500");
        assert_eq!(normalize("a b"), "a b");
    }

    #[test]
    fn maps_back_to_original_bytes() {
        let mut n = Normalized::new();
        let original = "Hi ｓｅｎｄ 裸聊視頻 now";
        n.normalize(original);
        let at = n.as_str().find("send").unwrap();
        let (s, e) = n.original_span(at, at + 4);
        assert_eq!(&original[s..e], "ｓｅｎｄ");
        let at = n.as_str().find("视频").unwrap();
        let (s, e) = n.original_span(at, at + "视频".len());
        assert_eq!(&original[s..e], "視頻");
        n.normalize("sooooo sexxxxy");
        assert_eq!(n.as_str(), "so sexy");
        let (s, e) = n.original_span(3, 7);
        assert_eq!(&"sooooo sexxxxy"[s..e], "sexxxxy");
    }

    #[test]
    fn counts_scripts() {
        let mut n = Normalized::new();
        n.normalize("你好說話 안녕 chuyển");
        let c = n.counts();
        assert_eq!((c.han, c.traditional, c.hangul), (4, 2, 2));
        assert_eq!(c.vietnamese, 1);
    }

    fn both_paths(s: &str) -> (Normalized, Normalized) {
        let (mut fast, mut general) = (Normalized::new(), Normalized::new());
        fast.normalize(s);
        general.normalize_general(s);
        (fast, general)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        #[test]
        fn the_ascii_path_agrees_with_the_general_path(
            s in proptest::prop_oneof!["[ -~\t\n\r\x00-\x1f]{0,60}", "[a-eA-E0-9@$!|'% .,_-]{0,40}", "([a-z] ){0,8}[a-z0-9]{0,3}"]
        ) {
            let (fast, general) = both_paths(&s);
            proptest::prop_assert_eq!(fast.as_str(), general.as_str());
            proptest::prop_assert_eq!(&fast.spans, &general.spans);
            proptest::prop_assert_eq!(&fast.joined, &general.joined);
            proptest::prop_assert_eq!(fast.counts(), general.counts());
        }

        #[test]
        fn too_few_single_letters_have_nothing_to_join(
            s in proptest::prop_oneof!["([a-z0-9] ?|[.!@$'%]|  ){0,12}", "([a-zA-Z] |[a-z]{2,3} |裸 |ㅅ |é |ｓ ){0,8}[a-z]?"]
        ) {
            let mut n = Normalized::new();
            n.normalize(&s);
            let mut joined = n.clone();
            joined.join_spaced_letters();
            proptest::prop_assert_eq!(n.as_str(), joined.as_str(), "singles: {}", n.singles);
            proptest::prop_assert_eq!(&n.joined, &joined.joined);
        }
    }
}
