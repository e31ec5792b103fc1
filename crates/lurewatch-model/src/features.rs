//! What the model reads in a message: words, adjacent word pairs and character trigrams
//! for alphabetic scripts; single characters and character pairs for Chinese, Japanese
//! and Korean, which have no spaces to split on; long numbers by their length only.
//!
//! Every gram is hashed to a bucket of a fixed-size table (the hashing trick), so the
//! model needs no vocabulary and a spelling never seen in training still gets the weight
//! of the grams it shares with known ones. The hash is fixed here, not taken from a
//! library whose output may change between versions: a model file depends on it.

use std::fmt;

/// A gram of a message, borrowed from its normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gram<'a> {
    /// A word of an alphabetic script (or a number of one or two digits).
    Word(&'a str),
    /// Two adjacent words.
    Pair(&'a str, &'a str),
    /// Three characters inside a word of four or more.
    Chars(&'a str),
    /// One or two Han, kana or Hangul characters.
    Cjk(&'a str),
    /// A number of this many digits (three or more).
    Number(usize),
}

impl fmt::Display for Gram<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gram::Word(w) => write!(f, "word:{w}"),
            Gram::Pair(a, b) => write!(f, "words:{a} {b}"),
            Gram::Chars(c) => write!(f, "chars:{c}"),
            Gram::Cjk(c) => write!(f, "cjk:{c}"),
            Gram::Number(n) => write!(f, "number:{n} digits"),
        }
    }
}

const SEED_WORD: u64 = 0x243f_6a88_85a3_08d3;
const SEED_CHARS: u64 = 0x1319_8a2e_0370_7344;
const SEED_CJK: u64 = 0xa409_3822_299f_31d0;
const SEED_NUMBER: u64 = 0x082e_fa98_ec4e_6c89;
const SEED_PAIR: u64 = 0x4528_21e6_38d0_1377;

/// FNV-1a over the bytes, from a seed, then mixed so that the high bits (the bucket) are
/// as good as the low ones.
pub fn hash(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed ^ 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// The SplitMix64 finaliser.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // kana
        | '\u{3400}'..='\u{4dbf}' // Han extension A
        | '\u{4e00}'..='\u{9fff}' // Han
        | '\u{f900}'..='\u{faff}' // Han compatibility
        | '\u{1100}'..='\u{11ff}' // Hangul jamo
        | '\u{3130}'..='\u{318f}' // Hangul compatibility jamo
        | '\u{ac00}'..='\u{d7af}' // Hangul syllables
        | '\u{20000}'..='\u{2ffff}')
}

/// Calls `f` with the hash and the gram of every gram of `text`, in order.
pub fn grams<'a>(text: &'a str, mut f: impl FnMut(u64, Gram<'a>)) {
    let mut prev_word: Option<(&str, u64)> = None;
    let mut word_start: Option<usize> = None;
    let mut cjk_prev: Option<usize> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c.is_ascii_alphanumeric() {
            cjk_prev = None;
            word_start.get_or_insert(i);
            continue;
        }
        let end = iter.peek().map_or(text.len(), |&(j, _)| j);
        if is_cjk(c) {
            if let Some(s) = word_start.take() {
                word(&text[s..i], &mut prev_word, &mut f);
            }
            prev_word = None;
            let one = &text[i..end];
            f(hash(SEED_CJK, one.as_bytes()), Gram::Cjk(one));
            if let Some(p) = cjk_prev {
                let two = &text[p..end];
                f(hash(SEED_CJK, two.as_bytes()), Gram::Cjk(two));
            }
            cjk_prev = Some(i);
        } else if c.is_alphanumeric() {
            cjk_prev = None;
            word_start.get_or_insert(i);
        } else {
            cjk_prev = None;
            if let Some(s) = word_start.take() {
                word(&text[s..i], &mut prev_word, &mut f);
            }
            // A sentence break ends the pair chain; spaces and apostrophes do not.
            if !matches!(c, ' ' | '\'' | '\u{2019}' | '-') {
                prev_word = None;
            }
        }
    }
    if let Some(s) = word_start {
        word(&text[s..], &mut prev_word, &mut f);
    }
}

fn word<'a>(w: &'a str, prev: &mut Option<(&'a str, u64)>, f: &mut impl FnMut(u64, Gram<'a>)) {
    if w.len() > 2 && w.bytes().all(|b| b.is_ascii_digit()) {
        f(mix(SEED_NUMBER ^ w.len() as u64), Gram::Number(w.len()));
        *prev = None;
        return;
    }
    let h = hash(SEED_WORD, w.as_bytes());
    f(h, Gram::Word(w));
    if let Some((p, ph)) = *prev {
        f(mix(ph.rotate_left(17) ^ h ^ SEED_PAIR), Gram::Pair(p, w));
    }
    *prev = Some((w, h));
    // Character trigrams of longer words: typos and spellings share most of them.
    if w.is_ascii() {
        if w.len() >= 4 {
            let b = w.as_bytes();
            for s in 0..=b.len() - 3 {
                // Three ASCII bytes fit in one word: no need to hash them byte by byte.
                let packed = u64::from(b[s]) | u64::from(b[s + 1]) << 8 | u64::from(b[s + 2]) << 16;
                f(mix(SEED_CHARS ^ packed), Gram::Chars(&w[s..s + 3]));
            }
        }
    } else if w.chars().nth(3).is_some() {
        let mut b = w.char_indices().map(|(i, _)| i).chain(std::iter::once(w.len()));
        let (Some(mut a0), Some(mut a1), Some(mut a2)) = (b.next(), b.next(), b.next()) else {
            return;
        };
        for a3 in b {
            let g = &w[a0..a3];
            f(hash(SEED_CHARS, g.as_bytes()), Gram::Chars(g));
            (a0, a1, a2) = (a1, a2, a3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        grams(text, |_, g| v.push(g.to_string()));
        v
    }

    #[test]
    fn words_pairs_and_trigrams() {
        assert_eq!(
            names("send pics, now"),
            [
                "word:send",
                "chars:sen",
                "chars:end",
                "word:pics",
                "words:send pics",
                "chars:pic",
                "chars:ics",
                "word:now"
            ]
        );
    }

    #[test]
    fn cjk_characters_and_pairs_and_numbers() {
        assert_eq!(names("裸聊 12345 ok"), ["cjk:裸", "cjk:聊", "cjk:裸聊", "number:5 digits", "word:ok"]);
        assert_eq!(names("카톡해"), ["cjk:카", "cjk:톡", "cjk:카톡", "cjk:해", "cjk:톡해"]);
        assert_eq!(names("im 13"), ["word:im", "word:13", "words:im 13"]);
    }

    #[test]
    fn non_ascii_words_have_trigrams_on_characters() {
        assert_eq!(names("chuyển"), ["word:chuyển", "chars:chu", "chars:huy", "chars:uyể", "chars:yển"]);
    }

    #[test]
    fn the_hash_is_fixed() {
        // A model file depends on these values: they must never change.
        // FNV-1a then the SplitMix64 finaliser, computed independently of this code.
        assert_eq!(hash(SEED_WORD, b"secret"), 0x7160_8ca2_3e15_fa50);
    }
}
