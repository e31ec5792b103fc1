//! Phone numbers: national and international formats, spaced or full-width digits,
//! validated against libphonenumber's metadata and written in E.164.
//!
//! A number without a country code is read in the regions of the conversation's language
//! (Chinese: CN, HK, TW; Korean: KR; Vietnamese: VN; English: US first, then the others),
//! and kept only if it is a valid number there. What only looks like a number is left
//! alone: amounts (`910.046 VNĐ`, `$5000000`), dates (`2024-11-22`), IP addresses and
//! version strings, and codes the text names as codes (OTPs, order and tracking numbers).

use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};

use super::{Ctx, Found, IndicatorKind, boundary_before, overlaps};
use crate::advice::Language;

/// Fewest and most digits of a phone number (E.164 allows 15).
pub(crate) const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;

/// Words that say the number after them is a code, not a phone number.
const CODE_WORDS: &[&str] = &[
    "otp",
    "code",
    "mã",
    "ma xac",
    "ma giao",
    "ma gd",
    "mgd",
    "ma don",
    "ma so",
    "pin",
    "order",
    "invoice",
    "tracking",
    "ref",
    "hóa đơn",
    "hoa don",
    "验证码",
    "驗證碼",
    "订单",
    "訂單",
    "单号",
    "單號",
    "인증번호",
    "주문번호",
];

/// Words a number may be written straight after (`LH0912345678`, `SĐT0912345678`,
/// `TB0912345678` for a subscriber's number, `call(415) 555-2671`): they say it is a phone
/// number, so no space is needed between them.
/// Compared in lower case with `đ` read as `d`; none is longer than eight letters.
const CONTACT_WORDS: &[&str] = &[
    "tel", "phone", "call", "cell", "mobile", "mob", "hotline", "sms", "text", "whatsapp", "viber", "zalo", "zl",
    "sdt", "dt", "lh", "dd", "tb",
];

/// Units after a number that make it an amount or a measure.
const UNITS: &[&str] = &[
    "đ", "₫", "d", "vnd", "vnđ", "dong", "đồng", "k", "tr", "triệu", "trieu", "usd", "hkd", "rmb", "cny", "krw", "won",
    "원", "元", "块", "塊", "万", "萬", "%", "gb", "mb", "kb", "km", "kg", "btc", "usdt", "eur",
];

/// A run of digits that may be a phone number, in the prepared text.
#[derive(Debug)]
struct Candidate {
    start: usize,
    end: usize,
    plus: bool,
    digits: String,
    /// Digits per group and the separator before each group after the first.
    groups: Vec<(usize, u8)>,
}

/// Appends the phone numbers in the prepared text.
pub(crate) fn extract(ctx: &Ctx<'_>, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    let bytes = ctx.text.as_bytes();
    let mut read_to = 0;
    for &run in ctx.digit_runs {
        if run < read_to {
            continue;
        }
        // A number may open with `+` or `(` just before its first digit.
        let start = if run > 0 && matches!(bytes[run - 1], b'+' | b'(') { run - 1 } else { run };
        let Some(c) = candidate(ctx.text, start) else { continue };
        read_to = c.end;
        if overlaps(taken, c.start, c.end) || shaped_like_something_else(ctx.text, &c) {
            continue;
        }
        // The costly checks last: validation, then what the words around say.
        if let Some(number) = parse(&c, ctx.language).filter(|_| !named_as_code(ctx.text, &c)) {
            let mut found = Found::new(IndicatorKind::Phone, e164(&number), (c.start, c.end));
            found.region = number.country().id().map(|id| format!("{id:?}"));
            out.push(found);
            taken.push((c.start, c.end));
        }
    }
}

/// Reads `text` as one phone number: the canonical E.164 form and region. For numbers that
/// a handle or a list gives without context.
pub fn canonical(text: &str, language: Language) -> Option<(String, Option<String>)> {
    let c = candidate(text, 0)?;
    if c.end != text.len() {
        return None;
    }
    let number = parse(&c, language)?;
    Some((e164(&number), number.country().id().map(|id| format!("{id:?}"))))
}

fn e164(number: &PhoneNumber) -> String {
    number.format().mode(Mode::E164).to_string()
}

fn candidate(text: &str, start: usize) -> Option<Candidate> {
    let bytes = text.as_bytes();
    let plus = bytes[start] == b'+';
    let first = if plus { start + 1 } else { start };
    if first >= bytes.len() || !(bytes[first].is_ascii_digit() || bytes[first] == b'(') {
        return None;
    }
    if !(boundary_before(bytes, start) || after_contact_word(text, start))
        || start > 0 && matches!(bytes[start - 1], b'/' | b'-' | b'+')
        // After a decimal point or a thousands separator (`3.14159265`), not after a dot
        // that ends a word (`MOMO.0867256447`).
        || start > 1 && matches!(bytes[start - 1], b'.' | b',') && bytes[start - 2].is_ascii_digit()
    {
        return None;
    }
    let mut digits = String::new();
    let mut groups: Vec<(usize, u8)> = Vec::new();
    let mut current = 0;
    let mut sep: u8 = 0;
    let mut at = first;
    let mut end = first;
    // Where the digits before the current group ended.
    let mut group_start_end = first;
    while at < bytes.len() {
        let b = bytes[at];
        if b.is_ascii_digit() {
            if current == 0 {
                groups.push((0, sep));
            }
            if digits.len() == MAX_DIGITS {
                // Too long for one number: two numbers joined (`0962121018-0862121018`)
                // end at the last group that began a new one, if that left enough digits.
                let kept = digits.len() - current;
                if current == 0 || kept < MIN_DIGITS || groups.len() < 2 {
                    return None;
                }
                groups.pop();
                digits.truncate(kept);
                return Some(Candidate { start, end: group_start_end, plus, digits, groups });
            }
            if current == 0 {
                group_start_end = end;
            }
            digits.push(b as char);
            current += 1;
            if let Some(g) = groups.last_mut() {
                g.0 = current;
            }
            at += 1;
            end = at;
            continue;
        }
        // Up to two separators in a row, and only when a digit follows them.
        let run = bytes[at..].iter().take(3).take_while(|&&s| matches!(s, b' ' | b'-' | b'.' | b'(' | b')')).count();
        if run == 0 && spells_digits(b) && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
            // A number spelled digit by digit with a symbol between (`1>9>0>0>1>9>9>5`),
            // written to slip past filters: checked whole at the end.
            sep = b;
            current = 0;
            at += 1;
            continue;
        }
        if run == 0 || run > 2 || !bytes.get(at + run).is_some_and(u8::is_ascii_digit) {
            break;
        }
        // A bracket opens an area code near the start (`+84 (28) 3725 2002`), not later:
        // `18008098 (0đ)` is a number and a price.
        if bytes[at..at + run].contains(&b'(') && digits.len() > 4 {
            break;
        }
        sep = bytes[at..at + run].iter().copied().find(|&s| s != b' ').unwrap_or(b' ');
        if bytes[at..at + run].contains(&b'(') && current == 0 && at == first {
            sep = 0;
        }
        current = 0;
        at += run;
    }
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
        return None;
    }
    // A symbol between digits only spells a number out: one digit each side, the same
    // symbol throughout.
    if let Some(&(_, symbol)) = groups.iter().find(|&&(_, s)| spells_digits(s))
        && !groups.iter().enumerate().all(|(i, &(n, s))| n == 1 && (i == 0 || s == symbol))
    {
        return None;
    }
    // A digit or letter right after the run: part of something longer.
    if end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') && !is_unit_start(&bytes[end..])
    {
        return None;
    }
    Some(Candidate { start, end, plus, digits, groups })
}

/// Symbols written between the digits of a number to slip past filters (`1>9>0>0`).
fn spells_digits(b: u8) -> bool {
    matches!(b, b'>' | b'<' | b'*' | b'_' | b'|' | b'~' | b'^')
}

/// Whether the letters right before `at` are a whole word of [`CONTACT_WORDS`].
fn after_contact_word(text: &str, at: usize) -> bool {
    const LONGEST: usize = 8;
    let before = &text[..at];
    // One letter more than the longest word is enough to know it is not one.
    let letters = before.char_indices().rev().take_while(|&(_, c)| c.is_alphabetic()).take(LONGEST + 1);
    let Some((count, (from, _))) = letters.enumerate().last() else { return false };
    if count >= LONGEST || !boundary_before(before.as_bytes(), from) {
        return false;
    }
    let word: String =
        before[from..].chars().map(|c| if matches!(c, 'đ' | 'Đ') { 'd' } else { c.to_ascii_lowercase() }).collect();
    CONTACT_WORDS.contains(&word.as_str())
}

/// Units glued to a number (`500k`, `20tr`) still end the run; the caller rejects them.
fn is_unit_start(rest: &[u8]) -> bool {
    let word: Vec<u8> = rest.iter().take_while(|b| b.is_ascii_alphabetic()).map(u8::to_ascii_lowercase).collect();
    UNITS.iter().any(|u| u.as_bytes() == word.as_slice())
}

/// Amounts, dates, addresses and versions: what the digits and the signs around them say.
fn shaped_like_something_else(text: &str, c: &Candidate) -> bool {
    let groups = &c.groups;
    // Thousands: 19.137.909, 1,000,000.
    let thousands =
        groups.len() >= 2 && groups[1..].iter().all(|&(n, s)| n == 3 && matches!(s, b'.' | b',')) && groups[0].0 <= 3;
    // Dates: 2024-11-22, 22.11.2024, 2024.11.22.
    let date = groups.len() == 3
        && groups[1..].iter().all(|&(_, s)| matches!(s, b'-' | b'.'))
        && ((groups[0].0 == 4 && groups[1].0 <= 2 && groups[2].0 <= 2)
            || (groups[0].0 <= 2 && groups[1].0 <= 2 && groups[2].0 == 4));
    // IP addresses and version strings.
    let dotted = groups.iter().filter(|&&(_, s)| s == b'.').count() >= 3;
    if thousands || date || dotted {
        return true;
    }
    let before = &text[text.floor_char_boundary(c.start.saturating_sub(24))..c.start];
    let prev = before.trim_end().chars().next_back();
    if prev.is_some_and(|p| matches!(p, '$' | '¥' | '€' | '£' | '₩' | '₫' | '#' | '№')) {
        return true;
    }
    let after = text[c.end..].trim_start();
    let word: String = after
        .chars()
        .take_while(|ch| ch.is_alphabetic() || *ch == '%' || *ch == '₫')
        .take(8)
        .flat_map(char::to_lowercase)
        .collect();
    let word = word.trim_end_matches('.');
    !word.is_empty() && UNITS.iter().any(|u| word == *u || (!u.is_ascii() && after.starts_with(u)))
}

/// Whether the words just before the number call it a code (an OTP, an order number).
fn named_as_code(text: &str, c: &Candidate) -> bool {
    let before = &text[text.floor_char_boundary(c.start.saturating_sub(24))..c.start];
    // Only the words of the same clause: `Ma CODE: 12BP50. Hotline: 0975696925`.
    let clause = before.rsplit(['.', '!', '?', ',', ';', '\n']).next().unwrap_or(before).to_lowercase();
    CODE_WORDS.iter().any(|w| clause.contains(w))
}

fn regions(language: Language) -> &'static [Id] {
    match language {
        Language::ZhHans => &[Id::CN, Id::HK, Id::TW],
        Language::ZhHant => &[Id::HK, Id::TW, Id::CN],
        Language::Ko => &[Id::KR],
        Language::Vi => &[Id::VN],
        Language::En => &[Id::US, Id::GB, Id::HK, Id::CN, Id::KR, Id::VN, Id::TW],
    }
}

/// Compiled patterns libphonenumber keeps; its default (100) is less than the few regions
/// a conversation stream mixes need, and a miss compiles a pattern again.
const PATTERN_CACHE: usize = 2048;

fn parse(c: &Candidate, language: Language) -> Option<PhoneNumber> {
    static GROW_CACHE: std::sync::Once = std::sync::Once::new();
    GROW_CACHE.call_once(|| {
        if let Ok(mut cache) = phonenumber::metadata::DATABASE.cache().lock() {
            cache.set_capacity(PATTERN_CACHE);
        }
    });
    if c.plus {
        let number = phonenumber::parse(None, format!("+{}", c.digits)).ok()?;
        return phonenumber::is_valid(&number).then_some(number);
    }
    let d = &c.digits;
    // The country code written without its `+` (`84867256447`).
    if let Some(number) = country_code_without_plus(d, language) {
        return Some(number);
    }
    let idd = d.starts_with("00");
    regions(language).iter().filter(|&&region| idd || plausible(region, d)).find_map(|&region| {
        let number = phonenumber::parse(Some(region), d).ok()?;
        phonenumber::is_valid(&number).then_some(number)
    })
}

/// A number that starts with the country code of the conversation's own regions but no
/// `+`, as Vietnamese carriers write subscriber numbers (`84867256447`).
fn country_code_without_plus(digits: &str, language: Language) -> Option<PhoneNumber> {
    let codes: &[&str] = match language {
        Language::Vi => &["84"],
        Language::Ko => &["82"],
        Language::ZhHans => &["86"],
        Language::ZhHant => &["852", "886"],
        Language::En => &[],
    };
    if !codes.iter().any(|c| digits.starts_with(c) && digits.len() >= c.len() + 8) {
        return None;
    }
    let number = phonenumber::parse(None, format!("+{digits}")).ok()?;
    phonenumber::is_valid(&number).then_some(number)
}

/// Whether `digits` has the length and leading digits of a national number of `region`:
/// a cheap test before the full validation, which is costly.
fn plausible(region: Id, digits: &str) -> bool {
    let n = digits.len();
    let b = digits.as_bytes();
    let trunk = b[0] == b'0';
    match region {
        Id::CN => (n == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])) || (trunk && (10..=12).contains(&n)),
        Id::HK => n == 8 && (b'2'..=b'9').contains(&b[0]),
        Id::TW => trunk && (9..=10).contains(&n),
        Id::KR => trunk && (9..=11).contains(&n),
        Id::VN => {
            (trunk && (10..=11).contains(&n))
                || ((digits.starts_with("1800") || digits.starts_with("1900")) && (8..=10).contains(&n))
        }
        Id::US => (n == 10 && (b'2'..=b'9').contains(&b[0])) || (n == 11 && b[0] == b'1'),
        Id::GB => trunk && (10..=11).contains(&n),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::scan;

    fn phones(text: &str, language: Language) -> Vec<String> {
        scan(text, language, extract).into_iter().map(|f| f.value).collect()
    }

    #[test]
    fn national_numbers_by_language() {
        assert_eq!(phones("加我 138 1234 5678", Language::ZhHans), ["+8613812345678"]);
        assert_eq!(phones("打俾我 9123 4567", Language::ZhHant), ["+85291234567"]);
        assert_eq!(phones("연락처 010-1234-5678", Language::Ko), ["+821012345678"]);
        assert_eq!(phones("goi 0912 345 678 nhe", Language::Vi), ["+84912345678"]);
        // `ngay` after a number is "at once", not a count of days.
        assert_eq!(phones("gọi 0912 345 678 ngay", Language::Vi), ["+84912345678"]);
        assert_eq!(phones("call me at (415) 555-2671", Language::En), ["+14155552671"]);
    }

    #[test]
    fn international_and_spaced_numbers() {
        assert_eq!(phones("whatsapp +852 9123 4567", Language::En), ["+85291234567"]);
        assert_eq!(phones("1 3 8 1 2 3 4 5 6 7 8", Language::ZhHans), ["+8613812345678"]);
        assert_eq!(canonical("+84 912-345-678", Language::En).unwrap().0, "+84912345678");
    }

    #[test]
    fn numbers_glued_to_a_contact_word() {
        assert_eq!(phones("LH0912345678 de nhan qua", Language::Vi), ["+84912345678"]);
        assert_eq!(phones("SĐT0912345678", Language::Vi), ["+84912345678"]);
        assert_eq!(phones("Xin chuc mung TB0912345678 da trung thuong", Language::Vi), ["+84912345678"]);
    }

    #[test]
    fn numbers_spelled_out_with_symbols() {
        assert_eq!(phones("Lien He: 1>9>0>0>1>9>9>5 de nhan giai", Language::Vi), ["+8419001995"]);
        assert_eq!(phones("加我 1*3*8*1*2*3*4*5*6*7*8", Language::ZhHans), ["+8613812345678"]);
        assert_eq!(phones("call 4_1_5_5_5_5_2_6_7_1", Language::En), ["+14155552671"]);
        // Mixed symbols, groups of more than one digit, or a list of periods are no number.
        for text in ["1>9*0>0>1>9>9>5", "12>34>56>78", "tiết 1|2|3|4|5", "0912>345678", "a_1_2_3_4_5_6_7"] {
            assert!(phones(text, Language::Vi).is_empty(), "{text}: {:?}", phones(text, Language::Vi));
        }
        assert_eq!(phones("ĐT:0912345678, zalo0987654321", Language::Vi), ["+84912345678", "+84987654321"]);
        assert_eq!(phones("call(415) 555-2671 tonight", Language::En), ["+14155552671"]);
        assert_eq!(phones("Tel+852 9123 4567", Language::ZhHant), ["+85291234567"]);
        // Other letters glued to digits are codes, not phone numbers.
        for text in ["mã SP0912345678", "ref ABC0912345678", "id0912345678", "recall0912345678", "sdtx0912345678"] {
            assert!(phones(text, Language::Vi).is_empty(), "{text}");
            assert!(phones(text, Language::En).is_empty(), "{text}");
        }
    }

    #[test]
    fn near_misses_are_not_phones() {
        for text in [
            "tổng số tiền 19.137.909 VNĐ",
            "nap 20,000 dong luc 08:09 27/03/2025",
            "the date is 2024-11-22",
            "server 192.168.100.200 runs v10.2.3.4",
            "OTP cua Quy Khach la: 66865406",
            "your order number 20231122123456",
            "pay $91234567 now",
            "phi 5000000d",
        ] {
            assert!(phones(text, Language::Vi).is_empty(), "{text}");
            assert!(phones(text, Language::En).is_empty(), "{text}");
        }
    }
}
