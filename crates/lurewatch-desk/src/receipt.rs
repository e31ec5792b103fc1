//! Receipt codes: the only key a reporter holds to their report.
//!
//! A code is 20 characters of Crockford base32 (100 random bits) shown in groups of four.
//! It is shown once; only its SHA-256 is stored, so the database alone cannot open a
//! report. Reading is forgiving: case, spaces, dashes and the look-alikes `O`/`0` and
//! `I`/`L`/`1` do not matter.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a code, without the dashes.
pub const LEN: usize = 20;

/// A new random receipt code, `XXXX-XXXX-XXXX-XXXX-XXXX`.
pub fn generate() -> String {
    let bytes: [u8; LEN] = rand::random();
    let mut out = String::with_capacity(LEN + LEN / 4);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[usize::from(b & 31)] as char);
    }
    out
}

/// The code in canonical form, or `None` when it cannot be a receipt code.
pub fn normalize(code: &str) -> Option<String> {
    normalize_len(code, LEN)
}

/// A code of `len` characters (a case number is the first eight of a code) in canonical
/// form, read as forgivingly as a receipt.
pub fn normalize_len(code: &str, len: usize) -> Option<String> {
    let mut out = String::with_capacity(LEN);
    for c in code.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' | '\u{3000}' | '\u{FF0D}' | '\u{2010}'..='\u{2015}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            // Full-width digits and letters, as a phone keyboard may type them.
            c @ '\u{FF10}'..='\u{FF5A}' => {
                let folded = char::from_u32(c as u32 - 0xFEE0)?.to_ascii_uppercase();
                match folded {
                    'O' => '0',
                    'I' | 'L' => '1',
                    f => f,
                }
            }
            c => c,
        };
        if !ALPHABET.contains(&(c as u32).try_into().ok()?) {
            return None;
        }
        out.push(c);
    }
    (out.len() == len).then_some(out)
}

/// The stored form of a code: SHA-256 of its canonical form, lower-case hex.
pub fn hash(code: &str) -> Option<String> {
    let canonical = normalize(code)?;
    Some(hex::encode(Sha256::new().chain_update(b"lurewatch receipt\0").chain_update(canonical).finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_well_formed_and_read_forgivingly() {
        let a = generate();
        assert_eq!(a.len(), 24);
        assert_ne!(a, generate());
        assert_eq!(normalize(&a).unwrap().len(), LEN);
        assert_eq!(hash(&a), hash(&a.to_lowercase().replace('-', " ")));
        assert_eq!(hash("ABCD-EFGH-0123-4567-89JK"), hash("abcdefgh o123 4567 89jk"));
        assert_eq!(hash("ABCD-EFGH-1123-4567-89JK"), hash("ABCD-EFGH-I123-4567-89JK"));
        assert_eq!(hash("ABCD-EFGH-0123-4567-89JK"), hash("ＡＢＣＤ－ＥＦＧＨ－０１２３－４５６７－８９ＪＫ"));
        assert_ne!(hash("ABCD-EFGH-0123-4567-89JK"), hash("ABCD-EFGH-0123-4567-89JM"));
        assert_eq!(hash("ABCD"), None);
        assert_eq!(hash("ABCD-EFGH-0123-4567-89JK-0"), None);
        assert_eq!(hash("ABCD-EFGH-0123-4567-89J!"), None);
        assert_eq!(hash("ABCD-EFGH-0123-4567-89JU"), None);
        assert_eq!(hash(&a).unwrap().len(), 64);
    }
}
