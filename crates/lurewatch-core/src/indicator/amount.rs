//! Sums of money: a number with a currency or a money multiplier, in the ways the five
//! languages write them: `¥20,000`, `HK$31.3M`, `2万元`, `两万`, `三千五百块`, `300만원`,
//! `20 triệu`, `20tr`, `910.046 VNĐ`, `$500`, `3k`, `500 bucks`.
//!
//! A bare number is not an amount: it needs a currency (before or after it) or a money
//! multiplier (`k`, `万`, `만`, `triệu`). Where the currency is not written, or a sign is
//! shared by several (`元` in Taiwan), the amount has no currency. A bare `$` reads as US
//! dollars and `¥` as Chinese yuan.

use super::{Ctx, Found, IndicatorKind, boundary_after, overlaps};
use crate::advice::Language;

/// Currency signs and codes written before the number, longest first.
const PREFIXES: &[(&str, &str)] = &[
    ("HK$", "HKD"),
    ("US$", "USD"),
    ("NT$", "TWD"),
    ("S$", "SGD"),
    ("A$", "AUD"),
    ("C$", "CAD"),
    ("RMB", "CNY"),
    ("CNY", "CNY"),
    ("HKD", "HKD"),
    ("USD", "USD"),
    ("KRW", "KRW"),
    ("VND", "VND"),
    ("TWD", "TWD"),
    ("EUR", "EUR"),
    ("GBP", "GBP"),
    ("$", "USD"),
    ("¥", "CNY"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("₩", "KRW"),
    ("₫", "VND"),
];

/// Multipliers after the number: the factor and the currency they imply.
const MULTIPLIERS: &[(&str, (f64, Option<&str>))] = &[
    ("百万", (1e6, None)),
    ("百萬", (1e6, None)),
    ("万", (1e4, None)),
    ("萬", (1e4, None)),
    ("千", (1e3, None)),
    ("亿", (1e8, None)),
    ("億", (1e8, None)),
    ("백만", (1e6, None)),
    ("만", (1e4, None)),
    ("천", (1e3, None)),
    ("억", (1e8, None)),
    ("triệu", (1e6, Some("VND"))),
    ("trieu", (1e6, Some("VND"))),
    ("tr", (1e6, Some("VND"))),
    ("củ", (1e6, Some("VND"))),
    ("nghìn", (1e3, Some("VND"))),
    ("nghin", (1e3, Some("VND"))),
    ("ngàn", (1e3, Some("VND"))),
    ("ngan", (1e3, Some("VND"))),
    ("tỷ", (1e9, Some("VND"))),
    ("tỉ", (1e9, Some("VND"))),
    ("million", (1e6, None)),
    ("mil", (1e6, None)),
    ("mn", (1e6, None)),
    ("billion", (1e9, None)),
    ("bn", (1e9, None)),
    ("k", (1e3, None)),
    ("w", (1e4, None)),
];

/// Multipliers that only count next to a currency (`5m` may be five metres).
const WEAK_MULTIPLIERS: &[(&str, f64)] = &[("m", 1e6), ("b", 1e9)];

/// Currencies written after the number (after a multiplier, if any), longest first.
const SUFFIXES: &[(&str, &str)] = &[
    ("人民币", "CNY"),
    ("人民幣", "CNY"),
    ("新台币", "TWD"),
    ("新台幣", "TWD"),
    ("越南盾", "VND"),
    ("港币", "HKD"),
    ("港幣", "HKD"),
    ("港元", "HKD"),
    ("港紙", "HKD"),
    ("美元", "USD"),
    ("美金", "USD"),
    ("台币", "TWD"),
    ("台幣", "TWD"),
    ("韩元", "KRW"),
    ("韓元", "KRW"),
    ("dollars", "USD"),
    ("dollar", "USD"),
    ("bucks", "USD"),
    ("euros", "EUR"),
    ("euro", "EUR"),
    ("pounds", "GBP"),
    ("đồng", "VND"),
    ("dong", "VND"),
    ("vnđ", "VND"),
    ("vnd", "VND"),
    ("usdt", "USDT"),
    ("usd", "USD"),
    ("hkd", "HKD"),
    ("rmb", "CNY"),
    ("cny", "CNY"),
    ("krw", "KRW"),
    ("twd", "TWD"),
    ("eur", "EUR"),
    ("gbp", "GBP"),
    ("btc", "BTC"),
    ("eth", "ETH"),
    ("won", "KRW"),
    ("yuan", "CNY"),
    ("kuai", "CNY"),
    ("蚊", "HKD"),
    ("원", "KRW"),
    ("đ", "VND"),
    ("₫", "VND"),
    ("d", "VND"),
    ("$", "USD"),
];

/// Signs whose currency depends on where the writer is: yuan in mainland China, but `元`
/// and `块` mean Taiwan dollars in Taiwan (and are used loosely in Hong Kong).
const YUAN: &[&str] = &["元", "块", "塊", "圆", "圓"];

/// Appends the amounts in the prepared text.
pub(crate) fn extract(ctx: &Ctx<'_>, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    let text = ctx.text;
    let mut found = Vec::new();
    for &at in ctx.digit_runs {
        found.extend(arabic(ctx, at));
    }
    if has_han_unit(text.as_bytes()) {
        let mut prev_numeral = false;
        for (at, c) in text.char_indices() {
            let numeral = is_han_numeral(c);
            if numeral && !prev_numeral {
                found.extend(han(ctx, at));
            }
            prev_numeral = numeral;
        }
    }
    found.sort_by_key(|f| f.start);
    for f in found {
        let (s, e) = (f.start as usize, f.end as usize);
        if !overlaps(taken, s, e) {
            taken.push((s, e));
            out.push(f);
        }
    }
}

fn amount(value: f64, currency: Option<&str>, span: (usize, usize)) -> Found {
    let value = (value * 100.0).round() / 100.0;
    let number =
        if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { format!("{value}") };
    let key = match currency {
        Some(c) => format!("{number} {c}"),
        None => number,
    };
    let mut f = Found::new(IndicatorKind::Amount, key, span);
    f.amount = Some(value);
    f.currency = currency.map(str::to_owned);
    f
}

/// A currency sign or code written right before `at` (one space allowed).
fn prefix(text: &str, at: usize) -> Option<(usize, &'static str)> {
    let before = &text[..at];
    let trimmed = before.strip_suffix(' ').unwrap_or(before);
    // Every sign ends in `$`, a letter or a byte of a multi-byte character.
    let last = *trimmed.as_bytes().last()?;
    if !(last == b'$' || last.is_ascii_alphabetic() || last >= 0x80) {
        return None;
    }
    PREFIXES.iter().find_map(|&(sign, code)| {
        // Cheap test first: the sign's last byte (codes in either case).
        if !sign.as_bytes()[sign.len() - 1].eq_ignore_ascii_case(&last) {
            return None;
        }
        let start = trimmed.len().checked_sub(sign.len())?;
        let is_code = sign.bytes().all(|b| b.is_ascii_alphabetic());
        let ok = trimmed.is_char_boundary(start)
            && trimmed[start..].eq_ignore_ascii_case(sign)
            // A code must be a word of its own: not the end of "ABCUSD".
            && (!is_code || super::boundary_before(trimmed.as_bytes(), start));
        ok.then_some((start, code))
    })
}

/// The number at `at`: its value and end. Thousands separated by `,` or `.` in groups of
/// three; any other `.` (or `,` before one or two digits) is the decimal point.
fn number(bytes: &[u8], at: usize) -> (f64, usize) {
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let value_of =
        |from: usize, n: usize| bytes[from..from + n].iter().fold(0.0, |v, d| v * 10.0 + f64::from(d - b'0'));
    let n = digits(at);
    let mut value = value_of(at, n);
    let mut end = at + n;
    while let Some(&sep) = bytes.get(end).filter(|b| matches!(b, b',' | b'.')) {
        let n = digits(end + 1);
        if n == 3 && !bytes.get(end + 4).is_some_and(u8::is_ascii_digit) {
            value = value * 1000.0 + value_of(end + 1, 3);
            end += 4;
            continue;
        }
        if n > 0 && (sep == b'.' || n <= 2) {
            value += value_of(end + 1, n) / 10f64.powi(n as i32);
            end += 1 + n;
        }
        break;
    }
    (value, end)
}

/// Finds a word at the start of `rest` from `list`, case-insensitively, that ends at a word
/// boundary when it is made of ASCII letters.
fn word_at<T: Copy>(rest: &str, list: &[(&'static str, T)]) -> Option<(usize, T)> {
    let first = *rest.as_bytes().first()?;
    if first.is_ascii_whitespace()
        || first.is_ascii_digit()
        || matches!(first, b'.' | b',' | b'!' | b'?' | b'/' | b'-' | b'%' | b':' | b')' | b'(')
    {
        return None;
    }
    let first = first.to_ascii_lowercase();
    list.iter().find_map(|&(w, v)| {
        // Cheap test first: the first byte, in lower case (`Đ` and `đ` share theirs).
        if w.as_bytes()[0] != first {
            return None;
        }
        let head = rest.get(..w.len())?;
        if !head.eq_ignore_ascii_case(w) && (w.is_ascii() || !head.chars().flat_map(char::to_lowercase).eq(w.chars())) {
            return None;
        }
        let ascii_word = w.bytes().all(|b| b.is_ascii_alphabetic());
        let after = rest[w.len()..].chars().next();
        let bounded = !ascii_word || after.is_none_or(|c| !c.is_alphanumeric());
        // Vietnamese words end where no Latin letter (`d`, `ể`, `ồ`) goes on: `20đ` and
        // `20đ给` are sums, `678 để` is a number before the word "để".
        let bounded = bounded && (w.is_ascii() || after.is_none_or(|c| !is_latin_letter(c)));
        bounded.then_some((w.len(), v))
    })
}

/// A letter of the Latin script, with the accented forms Vietnamese uses.
fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic() && (u32::from(c) < 0x0250 || (0x1E00..=0x1EFF).contains(&u32::from(c)))
}

fn arabic(ctx: &Ctx<'_>, at: usize) -> Option<Found> {
    let text = ctx.text;
    let bytes = text.as_bytes();
    if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_' || bytes[at - 1] == b'.') {
        // Inside a word, a version or a decimal: unless a currency code is glued on (RMB500).
        prefix(text, at).filter(|&(s, _)| s + 3 == at)?;
    }
    let pre = prefix(text, at);
    let (mut value, num_end) = number(bytes, at);
    if value == 0.0 {
        // `(0đ)`: free of charge, not a sum anyone asks for.
        return None;
    }
    // Nothing before, and after the number (and one space) neither a letter nor a sign:
    // a bare number, the common case.
    let next = |i: usize| bytes.get(if bytes.get(i) == Some(&b' ') { i + 1 } else { i }).copied();
    if pre.is_none() && !next(num_end).is_some_and(|b| b.is_ascii_alphabetic() || b == b'$' || b >= 0x80) {
        return None;
    }
    let mut end = num_end;
    let mut currency = pre.map(|(_, c)| c);
    let mut multiplied = false;

    let skip_space = |i: usize| if bytes.get(i) == Some(&b' ') { i + 1 } else { i };
    let i = skip_space(end);
    let rest = &text[i..];
    if let Some((len, (factor, implied))) = word_at(rest, MULTIPLIERS) {
        value *= factor;
        end = i + len;
        multiplied = true;
        currency = currency.or(implied);
    } else if let Some((len, factor)) = word_at(rest, WEAK_MULTIPLIERS) {
        let after = skip_space(i + len);
        if currency.is_some() || word_at(&text[after..], SUFFIXES).is_some() {
            value *= factor;
            end = i + len;
            multiplied = true;
        }
    }
    let j = skip_space(end);
    if let Some((len, code)) = suffix(ctx, &text[j..], j == end) {
        currency = currency.or(code);
        end = j + len;
        return Some(amount(value, currency, (pre.map_or(at, |(s, _)| s), end)));
    }
    if text[end..].starts_with('%') || (!multiplied && currency.is_none()) {
        return None;
    }
    if multiplied && currency.is_none() && !boundary_after(bytes, end) {
        return None;
    }
    Some(amount(value, currency, (pre.map_or(at, |(s, _)| s), end)))
}

/// A currency word at the start of `rest`: its length and code (`None` when the sign is
/// shared by several currencies). `glued`: no space between number and word, which `d`
/// (Vietnamese đồng typed without its stroke) needs.
fn suffix(ctx: &Ctx<'_>, rest: &str, glued: bool) -> Option<(usize, Option<&'static str>)> {
    if let Some(y) = YUAN.iter().find(|y| rest.starts_with(**y)) {
        let code = if ctx.language == Language::ZhHant { None } else { Some("CNY") };
        return Some((y.len(), code));
    }
    let (len, code) = word_at(rest, SUFFIXES)?;
    if code == "VND" && rest[..len].eq_ignore_ascii_case("d") && !glued {
        return None;
    }
    Some((len, Some(code)))
}

/// Whether the text has a Chinese numeral unit (十百千万萬亿億拾佰仟): a sum in Chinese
/// numerals needs one (`两万`, `三千五`, `三百块`); most Chinese text has none, and is not
/// read character by character.
fn has_han_unit(b: &[u8]) -> bool {
    memchr::memchr3_iter(0xe4, 0xe5, 0xe6, b).chain(memchr::memchr2_iter(0xe7, 0xe8, b)).any(|i| {
        matches!(
            b.get(i..i + 3),
            Some(
                [0xe5, 0x8d, 0x81 | 0x83]
                    | [0xe7, 0x99, 0xbe]
                    | [0xe4, 0xb8, 0x87]
                    | [0xe8, 0x90, 0xac]
                    | [0xe4, 0xba, 0xbf]
                    | [0xe5, 0x84, 0x84]
                    | [0xe6, 0x8b, 0xbe]
                    | [0xe4, 0xbd, 0xb0]
                    | [0xe4, 0xbb, 0x9f]
            )
        )
    })
}

fn is_han_numeral(c: char) -> bool {
    han_digit(c).is_some() || han_unit(c).is_some()
}

fn han_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '兩' | '贰' | '貳' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn han_unit(c: char) -> Option<u64> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1_000,
        '万' | '萬' => 10_000,
        '亿' | '億' => 100_000_000,
        _ => return None,
    })
}

/// Verbs of paying right before a number in Chinese numerals make it a sum: `转两万过来`.
const MONEY_VERBS: &str = "转轉给給付打汇匯交赔賠要还還凑湊借收俾畀罚罰";

/// A number in Chinese numerals at `at` (`两万`, `三千五`, `一万五千`) that is an amount:
/// followed by a currency, or ending in 万, 千 or 亿 with no noun after it (`两万人` is a
/// crowd, not a sum).
fn han(ctx: &Ctx<'_>, at: usize) -> Option<Found> {
    let text = ctx.text;
    let run = || text[at..].chars().take_while(|&c| is_han_numeral(c)).take(16);
    // One numeral alone (`一起`, `三人`) is not a sum.
    run().nth(1)?;
    let end = at + run().map(char::len_utf8).sum::<usize>();
    let value = han_value(run())?;
    if value == 0 {
        return None;
    }
    if let Some((len, code)) = suffix(ctx, &text[end..], true) {
        return Some(amount(value as f64, code, (at, end + len)));
    }
    let big = run().any(|c| matches!(han_unit(c), Some(1_000 | 10_000 | 100_000_000)));
    let before = text[..at].chars().next_back();
    let ordinal = before == Some('第');
    let verb_before = before.is_some_and(|c| MONEY_VERBS.contains(c));
    let noun_follows = text[end..].chars().next().is_some_and(char::is_alphanumeric);
    (big && !ordinal && (verb_before || !noun_follows)).then(|| amount(value as f64, None, (at, end)))
}

/// The value of Chinese numerals, with the spoken short forms: `三千五` is 3,500 and
/// `一万五` 15,000 (a last digit counts in the unit below the one before it).
fn han_value(chars: impl Iterator<Item = char>) -> Option<u64> {
    let (mut total, mut section, mut number) = (0u64, 0u64, 0u64);
    let mut last_unit = 0u64;
    let mut digit_after_unit = false;
    for c in chars {
        if let Some(d) = han_digit(c) {
            number = u64::from(d);
            digit_after_unit = last_unit > 0;
        } else {
            let unit = han_unit(c)?;
            digit_after_unit = false;
            match unit {
                10_000 => {
                    total = total.checked_add((section + number).checked_mul(unit)?)?;
                    section = 0;
                }
                100_000_000 => {
                    total = (total + section + number).checked_mul(unit)?;
                    section = 0;
                }
                _ => section += if number == 0 && unit == 10 { 1 } else { number } * unit,
            }
            number = 0;
            last_unit = unit;
        }
    }
    if digit_after_unit && number > 0 && last_unit >= 100 {
        number *= last_unit / 10;
    }
    Some(total + section + number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::scan;

    fn amounts(text: &str, language: Language) -> Vec<String> {
        scan(text, language, extract).into_iter().map(|f| f.value).collect()
    }

    #[test]
    fn amounts_in_every_language() {
        let cases: &[(&str, Language, &[&str])] = &[
            ("转两万过来", Language::ZhHans, &["20000"]),
            ("要两万", Language::ZhHans, &["20000"]),
            ("给我2万元", Language::ZhHans, &["20000 CNY"]),
            ("先付¥20,000", Language::ZhHans, &["20000 CNY"]),
            ("三千五百块", Language::ZhHans, &["3500 CNY"]),
            ("一万五", Language::ZhHans, &["15000"]),
            ("損失HK$31.3M", Language::ZhHant, &["31300000 HKD"]),
            ("俾五千蚊", Language::ZhHant, &["5000 HKD"]),
            ("300만원 보내", Language::Ko, &["3000000 KRW"]),
            ("chuyển 20 triệu", Language::Vi, &["20000000 VND"]),
            ("ck 20tr ngay", Language::Vi, &["20000000 VND"]),
            ("910.046 VNĐ", Language::Vi, &["910046 VND"]),
            ("50.000 Đ", Language::Vi, &["50000 VND"]),
            ("20 TRIỆU", Language::Vi, &["20000000 VND"]),
            ("nap 500.000d", Language::Vi, &["500000 VND"]),
            ("send $500 now", Language::En, &["500 USD"]),
            ("just 3k", Language::En, &["3000"]),
            ("500 bucks", Language::En, &["500 USD"]),
            ("RMB500", Language::En, &["500 CNY"]),
            ("0.05 BTC", Language::En, &["0.05 BTC"]),
            ("LH 18008119 (0đ)", Language::Vi, &[]),
            ("kết bạn zalo 0912 345 678 để gọi video", Language::Vi, &[]),
            ("chuyển 500đ để mở khóa", Language::Vi, &["500 VND"]),
        ];
        for (text, lang, want) in cases {
            assert_eq!(&amounts(text, *lang), want, "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_money() {
        for (text, lang) in [
            ("两万人参加了", Language::ZhHans),
            ("I am 15", Language::En),
            ("meet at 5pm, 2024-11-22", Language::En),
            ("discount 20%", Language::En),
            ("a 5m rope and 3kg of rice", Language::En),
            ("version 1.2.3", Language::En),
            ("第三千", Language::ZhHans),
        ] {
            assert!(amounts(text, lang).is_empty(), "{text}: {:?}", amounts(text, lang));
        }
    }

    #[test]
    fn han_units_are_found_by_their_bytes() {
        for unit in "十百千万萬亿億拾佰仟".chars() {
            assert!(has_han_unit(format!("给我三{unit}").as_bytes()), "{unit}");
        }
        assert!(!has_han_unit("我们一起去吃饭吧，两个人".as_bytes()));
    }

    #[test]
    fn han_numerals() {
        let v = |s: &str| han_value(s.chars());
        assert_eq!(v("两万"), Some(20_000));
        assert_eq!(v("三千五"), Some(3_500));
        assert_eq!(v("一万五千"), Some(15_000));
        assert_eq!(v("十五"), Some(15));
        assert_eq!(v("五十万"), Some(500_000));
        assert_eq!(v("一亿二千万"), Some(120_000_000));
    }
}
