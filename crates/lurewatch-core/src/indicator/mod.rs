//! Indicators: the accounts, numbers, links, payees and amounts in a message, each with a
//! canonical key so that two spellings of one thing meet.
//!
//! ```
//! use lurewatch_core::indicator::{Extractor, IndicatorKind};
//! use lurewatch_core::Language;
//!
//! let extractor = Extractor::new();
//! let mut found = Vec::new();
//! extractor.extract("加我ＱＱ １２３４５６７８，付款 2万元", Language::ZhHans, &mut found);
//! let keys: Vec<_> = found.iter().map(|f| (f.kind, f.value.as_str())).collect();
//! assert!(keys.contains(&(IndicatorKind::Handle, "qq:12345678")));
//! assert!(keys.contains(&(IndicatorKind::Amount, "20000 CNY")));
//! ```
//!
//! What is read, each kind in its own module:
//! - [`phone`]: national and international numbers, canonical E.164, region by hint;
//! - [`handle`]: messaging and payment accounts where the text names the platform;
//! - [`link`]: URLs and domains, defanged too, shorteners and app downloads flagged;
//! - [`payment`]: card numbers (Luhn), IBANs, bank accounts, QR payloads (EMVCo TLV);
//! - [`crypto`]: Bitcoin, Ethereum and TRON addresses with their checksums verified;
//! - [`amount`]: sums of money with their currency;
//! - [`known`]: block and allow lists that mark indicators as known bad.
//!
//! Extraction works on the original text with full-width forms folded and defanged links
//! made whole; every span points into the original message.

pub mod amount;
pub mod crypto;
pub mod handle;
pub mod known;
pub mod link;
pub mod payment;
pub mod phone;
mod text;

use serde::{Deserialize, Serialize};

use crate::advice::Language;
pub use known::{KnownLists, ListError};
use text::Folded;

/// What an indicator is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A phone number, canonical E.164 (`+85291234567`).
    Phone,
    /// An account on a messaging or social platform (`qq:12345678`, `telegram:name`).
    Handle,
    /// A link, canonical host and path without the scheme.
    Url,
    /// The registrable domain of a link (`example.com`).
    Domain,
    /// An IP address, written bare or as the host of a link.
    Ip,
    /// An e-mail address, lower case.
    Email,
    /// A payment card number that passes the Luhn check, digits only.
    BankCard,
    /// A bank account number the text names as one, digits only.
    BankAccount,
    /// An IBAN that passes its check digits, electronic form.
    Iban,
    /// An account on a payment service (`paypal:name`, `alipay:13812345678`).
    PaymentHandle,
    /// The payee of a payment QR code given as text (`wxp://…`, Alipay, EMVCo).
    PaymentQr,
    /// A demand for gift cards, by brand (`gift_card:steam`).
    GiftCard,
    /// A crypto address whose checksum holds (`btc:…`, `eth:0x…`, `tron:T…`).
    Crypto,
    /// A sum of money (`20000 CNY`; without a known currency just the number).
    Amount,
}

impl IndicatorKind {
    /// Every kind.
    pub const ALL: &'static [IndicatorKind] = &[
        IndicatorKind::Phone,
        IndicatorKind::Handle,
        IndicatorKind::Url,
        IndicatorKind::Domain,
        IndicatorKind::Ip,
        IndicatorKind::Email,
        IndicatorKind::BankCard,
        IndicatorKind::BankAccount,
        IndicatorKind::Iban,
        IndicatorKind::PaymentHandle,
        IndicatorKind::PaymentQr,
        IndicatorKind::GiftCard,
        IndicatorKind::Crypto,
        IndicatorKind::Amount,
    ];

    /// The snake_case name used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Phone => "phone",
            IndicatorKind::Handle => "handle",
            IndicatorKind::Url => "url",
            IndicatorKind::Domain => "domain",
            IndicatorKind::Ip => "ip",
            IndicatorKind::Email => "email",
            IndicatorKind::BankCard => "bank_card",
            IndicatorKind::BankAccount => "bank_account",
            IndicatorKind::Iban => "iban",
            IndicatorKind::PaymentHandle => "payment_handle",
            IndicatorKind::PaymentQr => "payment_qr",
            IndicatorKind::GiftCard => "gift_card",
            IndicatorKind::Crypto => "crypto",
            IndicatorKind::Amount => "amount",
        }
    }

    /// Whether the indicator names a payee or a sum: money is being asked for.
    pub fn is_payment(self) -> bool {
        matches!(
            self,
            IndicatorKind::BankCard
                | IndicatorKind::BankAccount
                | IndicatorKind::Iban
                | IndicatorKind::PaymentHandle
                | IndicatorKind::PaymentQr
                | IndicatorKind::GiftCard
                | IndicatorKind::Crypto
                | IndicatorKind::Amount
        )
    }
}

impl std::fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A property of an indicator worth showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// A link shortener hides where the link goes.
    Shortener,
    /// A link to an app outside the app stores: an `.apk` file or a side-load page.
    AppDownload,
    /// A link to an app store page.
    AppStore,
    /// The text wrote it defanged (`hxxp`, `[.]`, `(at)`).
    Defanged,
    /// An internationalised domain name (shown in punycode).
    International,
}

impl Flag {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Shortener => "shortener",
            Flag::AppDownload => "app_download",
            Flag::AppStore => "app_store",
            Flag::Defanged => "defanged",
            Flag::International => "international",
        }
    }
}

/// One indicator found in one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// What it is.
    pub kind: IndicatorKind,
    /// The canonical key: two spellings of one thing have the same value.
    pub value: String,
    /// Start byte in the original message text.
    pub start: u32,
    /// End byte (exclusive) in the original message text.
    pub end: u32,
    /// The platform the text names (`qq`, `telegram`, `alipay`), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// ISO 3166 region: of a phone number or of a QR payee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The number of an amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// The ISO 4217 code of an amount (or `BTC`, `USDT`, …); absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The payee's name, where a QR payload carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Properties worth showing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// The block list that names it: a known-bad indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
}

impl Found {
    /// An indicator of `kind` with canonical `value` at `start..end` of the prepared text.
    fn new(kind: IndicatorKind, value: String, span: (usize, usize)) -> Found {
        Found {
            kind,
            value,
            start: span.0 as u32,
            end: span.1 as u32,
            platform: None,
            region: None,
            amount: None,
            currency: None,
            name: None,
            flags: Vec::new(),
            listed: None,
        }
    }

    fn platform(mut self, platform: &str) -> Found {
        self.platform = Some(platform.to_owned());
        self
    }

    fn flag(mut self, flag: Flag) -> Found {
        if !self.flags.contains(&flag) {
            self.flags.push(flag);
        }
        self
    }
}

/// Compiled extractors for every indicator kind; build once and share (it is `Sync`).
#[derive(Debug)]
pub struct Extractor {
    handles: handle::Handles,
    links: link::Links,
    lists: KnownLists,
}

impl Default for Extractor {
    fn default() -> Self {
        Extractor::new()
    }
}

/// Buffers reused from message to message.
#[derive(Debug, Default)]
pub struct ExtractScratch {
    folded: Folded,
    taken: Vec<(usize, usize)>,
    runs: Vec<usize>,
}

/// What the extractors of one message share: the prepared text and the conversation's
/// language, which hints at the region of national phone numbers.
pub(crate) struct Ctx<'a> {
    pub(crate) text: &'a str,
    pub(crate) language: Language,
    /// Starts of the runs of ASCII digits, where every number-shaped indicator begins:
    /// the scanners jump from one to the next instead of reading every byte.
    pub(crate) digit_runs: &'a [usize],
    /// How many ASCII digits the text has.
    pub(crate) digits: usize,
}

/// Runs one scanner over `text` alone, as the unit tests of each kind do.
#[cfg(test)]
pub(crate) fn scan(
    text: &str,
    language: Language,
    scanner: impl Fn(&Ctx<'_>, &mut Vec<(usize, usize)>, &mut Vec<Found>),
) -> Vec<Found> {
    let mut runs = Vec::new();
    digit_runs(text.as_bytes(), &mut runs);
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let ctx = Ctx { text, language, digit_runs: &runs, digits };
    let mut out = Vec::new();
    scanner(&ctx, &mut Vec::new(), &mut out);
    out
}

/// Fills `runs` with the starts of the runs of ASCII digits in `bytes`.
pub(crate) fn digit_runs(bytes: &[u8], runs: &mut Vec<usize>) {
    runs.clear();
    let mut prev_digit = false;
    for (i, b) in bytes.iter().enumerate() {
        let digit = b.is_ascii_digit();
        if digit && !prev_digit {
            runs.push(i);
        }
        prev_digit = digit;
    }
}

impl Extractor {
    /// The extractors with no block or allow lists.
    pub fn new() -> Extractor {
        Extractor { handles: handle::Handles::new(), links: link::Links::new(), lists: KnownLists::default() }
    }

    /// The extractors, checking indicators against `lists`.
    pub fn with_lists(lists: KnownLists) -> Extractor {
        Extractor { lists, ..Extractor::new() }
    }

    /// Loads what is otherwise loaded on first use (the phone number metadata, about a
    /// tenth of a second): a server calls it at start so that no request waits for it.
    pub fn warm_up(&self) {
        let _ = phone::canonical("+85291234567", Language::En);
    }

    /// The block and allow lists in use.
    pub fn lists(&self) -> &KnownLists {
        &self.lists
    }

    /// Every indicator in `text`, appended to `out` in order of position. `language` is the
    /// conversation's: national phone numbers are read in its regions.
    pub fn extract(&self, text: &str, language: Language, out: &mut Vec<Found>) {
        self.extract_with(text, language, out, &mut ExtractScratch::default());
    }

    /// [`Extractor::extract`] with reusable buffers.
    pub fn extract_with(&self, text: &str, language: Language, out: &mut Vec<Found>, scratch: &mut ExtractScratch) {
        self.extract_hinted(text, language, true, out, scratch);
    }

    /// [`Extractor::extract_with`] for a caller that already read the message for tactics:
    /// `names_account` says whether it moves the chat elsewhere or asks for money, the only
    /// reasons a message of words alone (no digit, `@`, `_`, `$` or `:`) would name an
    /// account or a gift card (`카톡 아이디 sweetgirl`, `buy steam cards`). Everything else
    /// is read whatever it says.
    pub fn extract_hinted(
        &self,
        text: &str,
        language: Language,
        names_account: bool,
        out: &mut Vec<Found>,
        scratch: &mut ExtractScratch,
    ) {
        let first = out.len();
        let seen = Seen::of(text.as_bytes());
        let folded = scratch.folded.fold(text, seen.may_fold, seen.spelled);
        let prepared = if folded { scratch.folded.as_str() } else { text };
        let bytes = prepared.as_bytes();
        let seen = if folded { Seen::of(bytes) } else { seen };
        if seen.digit {
            digit_runs(bytes, &mut scratch.runs);
        } else {
            scratch.runs.clear();
        }
        let ctx = Ctx { text: prepared, language, digit_runs: &scratch.runs, digits: seen.digits };

        // Links and e-mail first: what they cover is not read again as a number or handle.
        // A domain ends in a dot between a label and a top-level domain, which starts with a
        // letter: `3.14`, `v1.2.3` and the dot that ends a sentence are no link. A link to an
        // IPv6 host (`http://[2001:…]/`) may have no dot at all, but has a scheme.
        let linkish = seen.dot
            && memchr::memchr_iter(b'.', bytes).any(|i| {
                i > 0
                    && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] >= 0x80)
                    && bytes.get(i + 1).is_some_and(|&c| c.is_ascii_alphabetic() || c >= 0x80)
            })
            || seen.colon && memchr::memmem::find(bytes, b"://[").is_some();
        if linkish {
            self.links.extract(&ctx, out);
        }
        let taken = &mut scratch.taken;
        taken.clear();
        taken.extend(out[first..].iter().map(|f| (f.start as usize, f.end as usize)));
        if seen.digit {
            crypto::extract(&ctx, taken, out);
            payment::extract(&ctx, taken, out);
        }
        if seen.digit || seen.sign || names_account || seen.colon && colon_before_value(bytes) {
            self.handles.extract(&ctx, out);
        }
        if seen.digits >= phone::MIN_DIGITS {
            phone::extract(&ctx, taken, out);
        }
        if seen.digit || seen.han {
            amount::extract(&ctx, taken, out);
        }
        if seen.digit {
            link::extract_ips(&ctx, taken, out);
        }

        let folded = &scratch.folded;
        for f in &mut out[first..] {
            if folded.defanged(f.start as usize, f.end as usize) {
                f.flags.push(Flag::Defanged);
            }
            let (s, e) = folded.original(f.start as usize, f.end as usize);
            (f.start, f.end) = (s as u32, e as u32);
            f.listed = self.lists.listed(f).map(str::to_owned);
        }
        out[first..].sort_by_key(|f| (f.start, f.kind));
    }
}

/// A colon before a value (`snap: jennylove`), not the `:)` of a smiley or a time's colon
/// among digits (those messages are read for their digits anyway).
fn colon_before_value(b: &[u8]) -> bool {
    memchr::memchr_iter(b':', b).any(|i| {
        let rest = &b[i + 1..];
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        rest.first().is_some_and(|c| c.is_ascii_alphabetic() || *c >= 0x80)
    })
}

/// What one pass over a message's bytes tells the extractors about whether to run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seen {
    /// An ASCII digit.
    digit: bool,
    /// `@`, `_` or `$`: handles, cashtags.
    sign: bool,
    /// A dot: a link or an e-mail address may be written.
    dot: bool,
    /// A colon: a scheme (`https://`) or a label before a value (`snap: jennylove`).
    colon: bool,
    /// A lead byte of Chinese numerals (U+3007, U+4E00–U+9FFF).
    han: bool,
    /// How many ASCII digits: a phone number needs 7, a card or an account 6 or more.
    digits: usize,
    /// A byte that starts something to fold: a full-width form or ideographic full stop
    /// (0xEF, 0xE3), a bracket of a defanged dot, the `x` of `hxxp`.
    may_fold: bool,
    /// A dot or an at sign spelled out in an address (`evil dot com`, `jim_88 at hotmail.com`).
    pub(crate) spelled: bool,
}

impl Seen {
    pub(crate) fn of(bytes: &[u8]) -> Seen {
        let mut classes = 0u8;
        let mut digits = 0;
        let mut spelled = false;
        for (i, &b) in bytes.iter().enumerate() {
            let class = CLASS[b as usize];
            classes |= class;
            digits += usize::from(class & 1);
            // A spelled sign (`evil dot com`) is checked where it may end: a few letters.
            if class & 32 != 0 && !spelled {
                spelled = text::spelled_sign_ending_at(bytes, i);
            }
        }
        Seen {
            digit: classes & 1 != 0,
            sign: classes & 2 != 0,
            han: classes & 8 != 0,
            dot: classes & 4 != 0,
            colon: classes & 64 != 0,
            digits,
            may_fold: classes & 16 != 0,
            spelled,
        }
    }
}

/// Byte classes for [`Seen`]: 1 digit, 2 sign, 4 dot, 8 lead byte of Han, 16 may start a
/// fold, 32 may end a spelled sign, 64 colon.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'0'..=b'9' => 1,
            b'@' | b'_' | b'$' => 2,
            b'.' => 4,
            b':' => 64,
            b'[' | b'{' | b'(' | b'x' | b'X' => 16,
            0xe3 => 8 | 16,
            0xe4..=0xe9 => 8,
            0xef => 16,
            _ => 0,
        };
        if text::ends_spelled_sign(b as u8) {
            t[b] |= 32;
        }
        b += 1;
    }
    t
};

/// Whether `start..end` overlaps a span already taken.
pub(crate) fn overlaps(taken: &[(usize, usize)], start: usize, end: usize) -> bool {
    taken.iter().any(|&(s, e)| s < end && start < e)
}

/// Whether `bytes` starts with `prefix`, ASCII case aside.
pub(crate) fn starts_with_ignoring_case(bytes: &[u8], prefix: &str) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Whether the byte before `at` ends a word (start of text, or not a letter, digit or `_`).
pub(crate) fn boundary_before(text: &[u8], at: usize) -> bool {
    at == 0 || !(text[at - 1].is_ascii_alphanumeric() || text[at - 1] == b'_')
}

/// Whether the byte at `at` starts a new word (end of text, or not a letter, digit or `_`).
pub(crate) fn boundary_after(text: &[u8], at: usize) -> bool {
    at >= text.len() || !(text[at].is_ascii_alphanumeric() || text[at] == b'_')
}
