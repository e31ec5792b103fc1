//! Payees: where the money is to go.
//!
//! - Payment card numbers of 13 to 19 digits with a known issuer prefix that pass the Luhn
//!   check (`bank_card`);
//! - bank account numbers where the text says they are one (`STK`, `账号`, `계좌`,
//!   `account number`) (`bank_account`);
//! - IBANs that pass their check digits (`iban`);
//! - payment QR payloads pasted as text (`payment_qr`): WeChat Pay `wxp://` and
//!   `weixin://wxpay/` codes, and EMVCo merchant-presented QR strings (FPS in Hong Kong,
//!   VietQR, PromptPay, DuitNow and others), whose TLV structure and CRC are checked and
//!   whose payee account becomes the key (`emvco:<scheme>:<account>`).
//!
//! Payment service accounts named in the text (`支付宝`, `PayPal`, `Venmo`) are read by the
//! handle module; payment links (`paypal.me`, `qr.alipay.com`) by the link module.

use std::str::FromStr;

use iban::IbanLike;
use std::sync::LazyLock;

use regex::Regex;

use super::{Ctx, Found, IndicatorKind, boundary_after, boundary_before, overlaps};

/// Appends the payees in the prepared text.
pub(crate) fn extract(ctx: &Ctx<'_>, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    qr_payloads(ctx.text, taken, out);
    // Cards and accounts have six digits or more; an IBAN has its check digits and more.
    if ctx.digits >= 6 {
        cards(ctx.text, ctx.digit_runs, taken, out);
        accounts(ctx.text, taken, out);
        ibans(ctx.text, ctx.digit_runs, taken, out);
    }
}

fn push(found: Found, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    taken.push((found.start as usize, found.end as usize));
    out.push(found);
}

// ------------------------------------------------------------------------- cards

/// Whether `digits` (13 to 19 digits) has a card issuer's prefix and length and passes Luhn.
pub fn is_card(digits: &str) -> bool {
    let n = digits.len();
    let p = |len: usize| digits.get(..len).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    let issuer = match digits.as_bytes().first() {
        Some(b'4') => matches!(n, 13 | 16 | 19),
        Some(b'5') => (51..=55).contains(&p(2)) && n == 16,
        Some(b'2') => (2221..=2720).contains(&p(4)) && n == 16,
        Some(b'3') => (matches!(p(2), 34 | 37) && n == 15) || ((3528..=3589).contains(&p(4)) && (16..=19).contains(&n)),
        Some(b'6') => {
            (p(2) == 62 && (16..=19).contains(&n)) || ((p(4) == 6011 || p(2) == 65) && (16..=19).contains(&n))
        }
        // Napas, Vietnam's domestic card network.
        Some(b'9') => p(4) == 9704 && matches!(n, 16 | 19),
        _ => false,
    };
    issuer && luhn(digits)
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Runs of 13 to 19 digits, written in one piece or in groups split by single spaces or
/// hyphens.
fn cards(text: &str, runs: &[usize], taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    let mut read_to = 0;
    for &at in runs {
        if at < read_to || !boundary_before(bytes, at) {
            continue;
        }
        let mut digits = String::new();
        let mut end = at;
        let mut i = at;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                digits.push(bytes[i] as char);
                i += 1;
                end = i;
            } else if matches!(bytes[i], b' ' | b'-') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 1;
            } else {
                break;
            }
            if digits.len() > 19 {
                break;
            }
        }
        if (13..=19).contains(&digits.len())
            && boundary_after(bytes, end)
            && is_card(&digits)
            && !overlaps(taken, at, end)
        {
            push(Found::new(IndicatorKind::BankCard, digits, (at, end)), taken, out);
        }
        read_to = end;
    }
}

// ------------------------------------------------------------------ bank accounts

static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?: \b(?: stk | số\ tài\ khoản | so\ tai\ khoan | số\ tk | so\ tk | tk | account\ (?:number|no)
             | acct(?:\ no)? | a/c(?:\ no)? | bank\ account )\b\.? | \baccount\ ?\#
          | 银行卡号 | 銀行卡號 | 账号 | 帳號 | 賬號 | 账户 | 帳戶 | 賬戶 | 收款账户 | 계좌번호 | 계좌 )
        \s* (?: [:：\#]\s* | (?:là|la|is|是|为|為)\s+ )?
        (?P<n> \d(?:[\ -]?\d){5,23} )",
    )
    .expect("the account pattern compiles")
});

/// Cheap cues that [`ACCOUNT`] may match: some word of it must be there.
static ACCOUNT_CUES: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .build([
            "stk",
            "tk",
            "account",
            "acct",
            "a/c",
            "tài khoản",
            "tai khoan",
            "账",
            "帳",
            "賬",
            "户",
            "戶",
            "卡号",
            "卡號",
            "계좌",
        ])
        .expect("the account cues compile")
});

/// Account numbers after words that name them.
fn accounts(text: &str, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    if !ACCOUNT_CUES.is_match(text) {
        return;
    }
    for caps in ACCOUNT.captures_iter(text) {
        let Some(n) = caps.name("n") else { continue };
        if !boundary_after(text.as_bytes(), n.end()) || overlaps(taken, n.start(), n.end()) {
            continue;
        }
        let digits: String = n.as_str().bytes().filter(u8::is_ascii_digit).map(char::from).collect();
        push(Found::new(IndicatorKind::BankAccount, digits, (n.start(), n.end())), taken, out);
    }
}

// -------------------------------------------------------------------------- IBAN

static IBAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b").expect("the IBAN pattern compiles"));

fn ibans(text: &str, runs: &[usize], taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    let b = text.as_bytes();
    // A country code in capitals right before two check digits.
    let start = runs.iter().any(|&i| {
        i >= 2
            && b[i - 2].is_ascii_uppercase()
            && b[i - 1].is_ascii_uppercase()
            && b.get(i + 1).is_some_and(u8::is_ascii_digit)
    });
    if !start {
        return;
    }
    for m in IBAN.find_iter(text) {
        // The pattern may run on into a following word in capitals: try shorter ends.
        let s = m.as_str();
        let ends = std::iter::once(s.len()).chain(s.match_indices(' ').map(|(i, _)| i).rev());
        for end in ends {
            let compact: String = s[..end].chars().filter(|c| *c != ' ').collect();
            if let Ok(iban) = iban::Iban::from_str(&compact) {
                let (a, b) = (m.start(), m.start() + end);
                if !overlaps(taken, a, b) {
                    let mut f = Found::new(IndicatorKind::Iban, iban.electronic_str().to_owned(), (a, b));
                    f.region = Some(iban.country_code().to_owned());
                    push(f, taken, out);
                }
                break;
            }
        }
    }
}

// -------------------------------------------------------------------- QR payloads

static WECHAT_PAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:wxp://[A-Za-z0-9_\-]{8,}|weixin://wxpay/bizpayurl\?pr=[A-Za-z0-9_\-]{4,})")
        .expect("the WeChat Pay pattern compiles")
});

static SCHEME: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new(b"://"));
static EMV_START: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new(b"000201"));

fn qr_payloads(text: &str, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    if SCHEME.find(text.as_bytes()).is_some() {
        for m in WECHAT_PAY.find_iter(text) {
            let value = format!("wechat_pay:{}", m.as_str());
            push(Found::new(IndicatorKind::PaymentQr, value, (m.start(), m.end())).platform("wechat_pay"), taken, out);
        }
    }
    for at in EMV_START.find_iter(text.as_bytes()) {
        if !boundary_before(text.as_bytes(), at) || overlaps(taken, at, at + 6) {
            continue;
        }
        if let Some(qr) = emvco(&text[at..]) {
            let span = (at, at + qr.len);
            let mut f = Found::new(IndicatorKind::PaymentQr, format!("emvco:{}:{}", qr.scheme, qr.account), span);
            f.platform = Some(scheme_platform(&qr.scheme).to_owned());
            f.region = qr.country.clone();
            f.name = qr.name.clone();
            if let Some(value) = qr.amount {
                let mut a = Found::new(IndicatorKind::Amount, String::new(), span);
                a.currency = qr.currency.map(str::to_owned);
                a.value = match &a.currency {
                    Some(c) => format!("{value} {c}"),
                    None => format!("{value}"),
                };
                a.amount = Some(value);
                out.push(a);
            }
            push(f, taken, out);
        }
    }
}

/// What an EMVCo merchant-presented QR payload says about the payee.
#[derive(Debug, Clone, PartialEq)]
pub struct EmvQr {
    /// The payment scheme: the globally unique id of the merchant account template
    /// (`hk.com.hkicl` for FPS, `a000000727` for VietQR), or the card network's tag.
    pub scheme: String,
    /// The payee account within the scheme, its parts joined by `:`.
    pub account: String,
    /// The merchant or payee name.
    pub name: Option<String>,
    /// ISO 3166 country of the payee.
    pub country: Option<String>,
    /// ISO 4217 code of the transaction currency, where the numeric code is known.
    pub currency: Option<&'static str>,
    /// The amount, if the code fixes one.
    pub amount: Option<f64>,
    /// Bytes of the payload, up to and including the CRC.
    pub len: usize,
}

/// Splits `s` into EMVCo TLV fields: two-digit tag, two-digit length, value. `None` if the
/// lengths do not add up.
fn tlv(s: &str) -> Option<Vec<(u8, &str)>> {
    let mut fields = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let tag: u8 = rest.get(..2)?.parse().ok()?;
        let len: usize = rest.get(2..4)?.parse().ok()?;
        let value = rest.get(4..4 + len)?;
        fields.push((tag, value));
        rest = &rest[4 + len..];
    }
    Some(fields)
}

/// CRC-16/CCITT-FALSE, the EMVCo QR checksum.
fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

/// Reads an EMVCo payload at the start of `s` (which may run on into other text). The
/// payload must parse field by field up to its CRC field (`63`, four hex digits), and the
/// CRC must match.
pub fn emvco(s: &str) -> Option<EmvQr> {
    let mut at = 0;
    let mut fields = Vec::new();
    loop {
        let tag: u8 = s.get(at..at + 2)?.parse().ok()?;
        let len: usize = s.get(at + 2..at + 4)?.parse().ok()?;
        let value = s.get(at + 4..at + 4 + len)?;
        if tag == 63 {
            let body = s.get(..at + 4)?;
            let want = u16::from_str_radix(value, 16).ok()?;
            if len != 4 || crc16(body.as_bytes()) != want {
                return None;
            }
            at += 4 + len;
            break;
        }
        fields.push((tag, value));
        at += 4 + len;
    }
    let field = |t: u8| fields.iter().find(|f| f.0 == t).map(|f| f.1);
    if field(0) != Some("01") {
        return None;
    }
    let (scheme, account) = fields.iter().find_map(|&(tag, value)| match tag {
        2..=25 => Some((format!("{tag:02}"), value.to_owned())),
        26..=51 => {
            let subs = tlv(value)?;
            let gui = subs.iter().find(|s| s.0 == 0)?.1.to_ascii_lowercase();
            let mut parts = Vec::new();
            for &(sub, v) in subs.iter().filter(|s| s.0 != 0) {
                // VietQR nests the bank and account one level deeper.
                match tlv(v).filter(|inner| sub == 1 && gui == "a000000727" && !inner.is_empty()) {
                    Some(inner) => parts.extend(inner.into_iter().map(|(_, x)| x.to_owned())),
                    None => parts.push(v.to_owned()),
                }
            }
            Some((gui, parts.join(":")))
        }
        _ => None,
    })?;
    Some(EmvQr {
        scheme,
        account,
        name: field(59).map(str::to_owned),
        country: field(58).map(str::to_owned),
        currency: field(53).and_then(currency_alpha),
        amount: field(54).and_then(|a| a.parse().ok()),
        len: at,
    })
}

fn currency_alpha(numeric: &str) -> Option<&'static str> {
    Some(match numeric {
        "156" => "CNY",
        "344" => "HKD",
        "410" => "KRW",
        "704" => "VND",
        "901" => "TWD",
        "840" => "USD",
        "764" => "THB",
        "458" => "MYR",
        "702" => "SGD",
        "360" => "IDR",
        "608" => "PHP",
        "978" => "EUR",
        _ => return None,
    })
}

fn scheme_platform(scheme: &str) -> &'static str {
    match scheme {
        "hk.com.hkicl" => "fps",
        "a000000727" => "vietqr",
        "a000000677010111" | "a000000677010112" => "promptpay",
        "com.p2pqrpay" => "qrph",
        "sg.paynow" => "paynow",
        "my.com.paynet" => "duitnow",
        _ => "emvco",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::scan;

    fn with_crc(body: &str) -> String {
        let head = format!("{body}6304");
        format!("{head}{:04X}", crc16(head.as_bytes()))
    }

    fn run(text: &str) -> Vec<(IndicatorKind, String)> {
        scan(text, crate::advice::Language::En, extract).into_iter().map(|f| (f.kind, f.value)).collect()
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29b1);
    }

    fn f(tag: u8, value: &str) -> String {
        format!("{tag:02}{:02}{value}", value.len())
    }

    #[test]
    fn vietqr_payee() {
        let bank = [f(0, "970436"), f(1, "01234567890123")].concat();
        let account = [f(0, "A000000727"), f(1, &bank), f(2, "QRIBFTTA")].concat();
        let body = [
            f(0, "01"),
            f(1, "12"),
            f(38, &account),
            f(53, "704"),
            f(54, "50000"),
            f(58, "VN"),
            f(59, "NGUYEN VAN A"),
            f(60, "HANOI"),
        ]
        .concat();
        let payload = with_crc(&body);
        let qr = emvco(&payload).expect("parses");
        assert_eq!(qr.scheme, "a000000727");
        assert_eq!(qr.account, "970436:01234567890123:QRIBFTTA");
        assert_eq!(qr.currency, Some("VND"));
        assert_eq!(qr.amount, Some(50000.0));
        assert_eq!(qr.country.as_deref(), Some("VN"));
        assert_eq!(qr.name.as_deref(), Some("NGUYEN VAN A"));
        let found = run(&format!("quet ma nay: {payload} nhe"));
        assert!(found.contains(&(IndicatorKind::PaymentQr, "emvco:a000000727:970436:01234567890123:QRIBFTTA".into())));
        assert!(found.contains(&(IndicatorKind::Amount, "50000 VND".into())));
        // One digit changed: the CRC no longer matches.
        let bad = payload.replacen("01234567", "01234568", 1);
        assert!(emvco(&bad).is_none());
    }

    #[test]
    fn fps_payee() {
        let account = [f(0, "hk.com.hkicl"), f(2, "123456789")].concat();
        let body = [
            f(0, "01"),
            f(1, "11"),
            f(26, &account),
            f(52, "0000"),
            f(53, "344"),
            f(58, "HK"),
            f(59, "NA"),
            f(60, "HK"),
        ]
        .concat();
        let qr = emvco(&with_crc(&body)).expect("parses");
        assert_eq!((qr.scheme.as_str(), qr.account.as_str()), ("hk.com.hkicl", "123456789"));
        assert_eq!(qr.currency, Some("HKD"));
    }

    #[test]
    fn cards_accounts_and_ibans() {
        assert!(is_card("4111111111111111"));
        assert!(!is_card("4111111111111112"));
        assert!(is_card("6222021234567894") == luhn("6222021234567894"));
        assert_eq!(run("card 4111 1111 1111 1111 thanks"), [(IndicatorKind::BankCard, "4111111111111111".into())]);
        assert!(run("order 4111111111111112").is_empty());
        assert_eq!(run("STK: 0123 456 789 Vietcombank"), [(IndicatorKind::BankAccount, "0123456789".into())]);
        for text in
            ["account no. 123456789012", "acct no.123456789012", "A/C No. 123456789012", "account #123456789012"]
        {
            assert_eq!(run(text), [(IndicatorKind::BankAccount, "123456789012".into())], "{text}");
        }
        assert_eq!(run("收款账号：6214 8301 2345"), [(IndicatorKind::BankAccount, "621483012345".into())]);
        assert_eq!(run("계좌 110-123-456789 로"), [(IndicatorKind::BankAccount, "110123456789".into())]);
        assert_eq!(
            run("IBAN DE89 3704 0044 0532 0130 00 NOW"),
            [(IndicatorKind::Iban, "DE89370400440532013000".into())]
        );
        assert!(run("IBAN DE89 3704 0044 0532 0130 01").is_empty());
        assert_eq!(
            run("扫这个 wxp://f2f0abcdEFGH1234_xyz 付款"),
            [(IndicatorKind::PaymentQr, "wechat_pay:wxp://f2f0abcdEFGH1234_xyz".into())]
        );
    }
}
