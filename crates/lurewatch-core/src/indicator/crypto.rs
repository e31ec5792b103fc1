//! Crypto addresses, kept only when their checksum holds: a corrupted or made-up address
//! names no wallet and must not link two cases.
//!
//! - Bitcoin: base58check (P2PKH `1…`, P2SH `3…`) and bech32/bech32m segwit (`bc1…`).
//! - Ethereum: `0x` and 40 hex digits; mixed case must pass EIP-55.
//! - TRON (USDT-TRC20): base58check with version byte 0x41 (`T…`).
//!
//! Canonical values: `btc:<address>` (bech32 lower case), `eth:0x<lower hex>`, `tron:<address>`.

use sha3::{Digest, Keccak256};

use super::{Ctx, Found, IndicatorKind, boundary_after, boundary_before, overlaps};

/// Appends the crypto addresses in the prepared text.
pub(crate) fn extract(ctx: &Ctx<'_>, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    let bytes = ctx.text.as_bytes();
    let mut read_to = 0;
    // Every address has a digit (a `1`, `3`, `bc1`, `0x` or, in all but a few TRON
    // addresses, one among its 33 characters): read the word around each run of digits.
    for &run in ctx.digit_runs {
        if run < read_to {
            continue;
        }
        let at = run - bytes[..run].iter().rev().take_while(|b| b.is_ascii_alphanumeric()).count();
        let end = run + bytes[run..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        read_to = end;
        if !boundary_before(bytes, at) {
            continue;
        }
        let candidate = end - at >= 26 && boundary_after(bytes, end) && !overlaps(taken, at, end);
        if let Some(value) = candidate.then(|| address(&ctx.text[at..end])).flatten() {
            let platform = value.split(':').next().unwrap_or_default().to_owned();
            out.push(Found::new(IndicatorKind::Crypto, value, (at, end)).platform(&platform));
            taken.push((at, end));
        }
    }
}

/// The canonical form of `token` if it is a valid address.
pub fn address(token: &str) -> Option<String> {
    let b = token.as_bytes();
    if b.len() == 42 && (token.starts_with("0x") || token.starts_with("0X")) {
        return ethereum(&token[2..]).map(|hex| format!("eth:0x{hex}"));
    }
    if b.len() >= 14 && b[..3].eq_ignore_ascii_case(b"bc1") {
        let (hrp, _, _) = bech32::segwit::decode(token).ok()?;
        return hrp.is_valid_on_mainnet().then(|| format!("btc:{}", token.to_ascii_lowercase()));
    }
    if !(25..=35).contains(&b.len()) {
        return None;
    }
    let decoded = bs58::decode(token).with_check(None).into_vec().ok()?;
    // The payload is a version byte and a 20-byte hash (the checksum is already cut off).
    if decoded.len() != 21 {
        return None;
    }
    match (b[0], decoded[0]) {
        (b'1', 0x00) | (b'3', 0x05) => Some(format!("btc:{token}")),
        (b'T', 0x41) => Some(format!("tron:{token}")),
        _ => None,
    }
}

/// The lower-case hex of an Ethereum address: any case pattern is read when all one case,
/// a mixed case must be the EIP-55 checksum.
fn ethereum(hex: &str) -> Option<String> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    if has_upper && has_lower {
        let hash = Keccak256::digest(lower.as_bytes());
        for (i, c) in hex.bytes().enumerate() {
            if c.is_ascii_digit() {
                continue;
            }
            let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0xf;
            if (nibble >= 8) != c.is_ascii_uppercase() {
                return None;
            }
        }
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitcoin_legacy_and_script_addresses() {
        assert_eq!(
            address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").as_deref(),
            Some("btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
        );
        assert_eq!(
            address("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy").as_deref(),
            Some("btc:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")
        );
        // One character changed: the checksum fails.
        assert_eq!(address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"), None);
    }

    #[test]
    fn bitcoin_segwit_addresses() {
        let v0 = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
        assert_eq!(address(v0).as_deref(), Some("btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
        assert_eq!(address(&v0.to_uppercase()).as_deref(), Some("btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
        let v1 = "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297";
        assert!(address(v1).is_some());
        assert_eq!(address("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"), None);
        // Testnet addresses name no real wallet of a scammer.
        assert_eq!(address("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"), None);
    }

    #[test]
    fn ethereum_checksums() {
        let good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assert_eq!(address(good).as_deref(), Some("eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
        assert!(address(&good.to_lowercase()).is_some());
        assert!(address("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").is_some());
        assert_eq!(address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), None);
    }

    #[test]
    fn tron_addresses() {
        let usdt = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
        assert_eq!(address(usdt).as_deref(), Some("tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"));
        assert_eq!(address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"), None);
    }
}
