//! Generates the traditional → simplified Chinese character table used by the normaliser.
//!
//! The engine must not load dictionaries at run time (it is a pure library), and a
//! per-character table is all normalisation needs: phrase-level conversion only changes
//! vocabulary, while the lexicons are matched on characters. OpenCC's Hong Kong and
//! Taiwan → simplified conversions are applied one character at a time over the CJK
//! blocks, and every character that maps to exactly one other character is kept.

use std::{env, fs, path::PathBuf};

use ferrous_opencc::{OpenCC, config::BuiltinConfig};

const BLOCKS: &[(u32, u32)] = &[(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)];
/// The range the "has a simplified form" bitmap covers.
const BITMAP_START: u32 = 0x3400;
const BITMAP_END: u32 = 0xA000;

fn main() {
    let converters = [BuiltinConfig::Hk2s, BuiltinConfig::Tw2s, BuiltinConfig::T2s]
        .map(|c| OpenCC::from_config(c).expect("built-in OpenCC configuration"));
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut buf = String::new();
    for &(lo, hi) in BLOCKS {
        for cp in lo..=hi {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            buf.clear();
            buf.push(c);
            for converter in &converters {
                let out = converter.convert(&buf);
                let mut chars = out.chars();
                if let (Some(s), None) = (chars.next(), chars.next())
                    && s != c
                {
                    pairs.push((cp, s as u32));
                    break;
                }
            }
        }
    }
    pairs.sort_unstable();
    let mut code = String::from("/// Traditional → simplified pairs, sorted by the traditional code point.\n");
    code.push_str(&format!("pub(crate) static T2S: [(u32, u32); {}] = [\n", pairs.len()));
    for (t, s) in &pairs {
        code.push_str(&format!("    (0x{t:X}, 0x{s:X}),\n"));
    }
    code.push_str("];\n");
    // Most Chinese text is simplified already: a bitmap over the main blocks answers
    // "no mapping" without a search.
    let words = (BITMAP_END - BITMAP_START).div_ceil(64) as usize;
    let mut bits = vec![0u64; words];
    for &(t, _) in pairs.iter().filter(|&&(t, _)| (BITMAP_START..BITMAP_END).contains(&t)) {
        let i = (t - BITMAP_START) as usize;
        bits[i / 64] |= 1 << (i % 64);
    }
    code.push_str(&format!(
        "/// Whether a code point from 0x{BITMAP_START:X} below 0x{BITMAP_END:X} has a pair in `T2S`.\n"
    ));
    code.push_str(&format!(
        "pub(crate) const T2S_START: u32 = 0x{BITMAP_START:X};\npub(crate) const T2S_END: u32 = 0x{BITMAP_END:X};\n"
    ));
    code.push_str(&format!("pub(crate) static T2S_BITS: [u64; {words}] = [\n"));
    for w in &bits {
        code.push_str(&format!("    0x{w:X},\n"));
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("t2s.rs");
    fs::write(out, code).expect("write t2s table");
    println!("cargo::rerun-if-changed=build.rs");
}
