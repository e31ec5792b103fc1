//! Accounts on messaging, social and payment platforms, read where the text names the
//! platform: `加我QQ 12345678`, `微信：wxid_abc123`, `카톡 아이디 kim_99`, `add me on snap
//! jenny_22`, `zalo 0912 345 678`, `PayPal me@example.com`, `cash app $jenny22`; and gift
//! card demands by brand (`steam card`, `礼品卡`, `thẻ cào`).
//!
//! After the platform's name come at most a few filler words (`id`, `is`, `号`, `아이디`,
//! `là`) and separators; then the account in the platform's own syntax. A name made only of
//! letters is taken only after an explicit marker (`:`, `@`, `ID`), so "add me on snap
//! later" names no account. Short names that are also ordinary words (`line`, `ig`, `tg`,
//! `wa`) always need a marker. A bare `@name` is kept as a handle of unknown platform.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::{Ctx, Found, IndicatorKind, boundary_after, boundary_before, phone, starts_with_ignoring_case};

/// How a platform writes its account names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    /// Digits only (QQ).
    Digits,
    /// A phone number.
    Phone,
    /// A user name: letters, digits, `_`, `.`, `-`.
    Name,
    /// A user name or a phone number (WeChat).
    NameOrPhone,
    /// An e-mail address, a phone number or a user name (Alipay, PayPal, FPS).
    Any,
    /// A `$cashtag`.
    Cashtag,
    /// Nothing follows: the mention itself is the indicator (gift cards).
    Mention,
}

struct Spec {
    words: &'static [&'static str],
    platform: &'static str,
    kind: IndicatorKind,
    syntax: Syntax,
    /// Needs an explicit marker before the account: the word is common in other senses.
    strict: bool,
}

const fn spec(
    words: &'static [&'static str],
    platform: &'static str,
    kind: IndicatorKind,
    syntax: Syntax,
    strict: bool,
) -> Spec {
    Spec { words, platform, kind, syntax, strict }
}

use IndicatorKind::{GiftCard, Handle, PaymentHandle};

const SPECS: &[Spec] = &[
    spec(&["qq", "扣扣", "企鹅号", "企鵝號", "q号"], "qq", Handle, Syntax::Digits, false),
    spec(
        &["wechat", "weixin", "微信", "威信", "薇信", "v信", "vx", "wx", "微訊"],
        "wechat",
        Handle,
        Syntax::NameOrPhone,
        false,
    ),
    spec(&["kakaotalk", "kakao", "katalk", "카톡", "카카오톡", "카카오"], "kakao", Handle, Syntax::Name, false),
    spec(&["line", "賴", "line id"], "line", Handle, Syntax::Name, true),
    spec(&["telegram", "电报", "電報", "텔레그램", "텔레"], "telegram", Handle, Syntax::Name, false),
    spec(&["tg", "tele", "飞机", "飛機", "纸飞机", "紙飛機"], "telegram", Handle, Syntax::Name, true),
    spec(&["instagram", "insta", "인스타", "인스타그램"], "instagram", Handle, Syntax::Name, false),
    spec(&["ig", "ins"], "instagram", Handle, Syntax::Name, true),
    spec(&["snapchat", "snap", "스냅챗"], "snapchat", Handle, Syntax::Name, false),
    spec(&["sc"], "snapchat", Handle, Syntax::Name, true),
    spec(&["tiktok", "tik tok", "抖音", "틱톡"], "tiktok", Handle, Syntax::Name, false),
    spec(&["whatsapp", "whats app", "whatsap", "watsapp"], "whatsapp", Handle, Syntax::Phone, false),
    spec(&["wa"], "whatsapp", Handle, Syntax::Phone, true),
    spec(&["zalo"], "zalo", Handle, Syntax::Phone, false),
    spec(&["discord"], "discord", Handle, Syntax::Name, false),
    spec(&["skype"], "skype", Handle, Syntax::Name, false),
    spec(&["kik"], "kik", Handle, Syntax::Name, false),
    spec(&["alipay", "支付宝", "支付寶"], "alipay", PaymentHandle, Syntax::Any, false),
    spec(&["wechat pay", "wechatpay", "微信支付"], "wechat_pay", PaymentHandle, Syntax::NameOrPhone, false),
    spec(&["fps", "转数快", "轉數快"], "fps", PaymentHandle, Syntax::Any, false),
    spec(&["paypal"], "paypal", PaymentHandle, Syntax::Any, false),
    spec(&["cash app", "cashapp"], "cash_app", PaymentHandle, Syntax::Cashtag, false),
    spec(&["venmo"], "venmo", PaymentHandle, Syntax::Name, false),
    spec(&["momo", "ví momo", "vi momo"], "momo", PaymentHandle, Syntax::Phone, false),
    spec(&["zalopay", "zalo pay"], "zalopay", PaymentHandle, Syntax::Phone, false),
    spec(&["payme"], "payme", PaymentHandle, Syntax::Any, false),
    spec(&["kakaopay", "카카오페이"], "kakaopay", PaymentHandle, Syntax::Any, false),
    spec(&["steam card", "steam gift card", "steam wallet", "steam卡"], "steam", GiftCard, Syntax::Mention, false),
    spec(
        &["itunes card", "itunes gift card", "apple gift card", "苹果卡", "蘋果卡", "apple卡"],
        "apple",
        GiftCard,
        Syntax::Mention,
        false,
    ),
    spec(
        &["google play card", "google play gift card", "google play code", "구글 기프트카드", "구글기프트카드"],
        "google_play",
        GiftCard,
        Syntax::Mention,
        false,
    ),
    spec(&["amazon gift card", "amazon card"], "amazon", GiftCard, Syntax::Mention, false),
    spec(&["京东卡", "京東卡", "京东e卡", "京東e卡", "jd卡", "jd card"], "jd", GiftCard, Syntax::Mention, false),
    spec(&["razer gold"], "razer", GiftCard, Syntax::Mention, false),
    spec(&["문화상품권"], "cultureland", GiftCard, Syntax::Mention, false),
    spec(
        &["thẻ cào", "the cao", "card điện thoại", "card dien thoai"],
        "phone_top_up",
        GiftCard,
        Syntax::Mention,
        false,
    ),
    spec(
        &[
            "gift card",
            "gift cards",
            "giftcard",
            "礼品卡",
            "禮品卡",
            "充值卡",
            "点卡",
            "點卡",
            "购物卡",
            "購物卡",
            "기프트카드",
            "기프트 카드",
            "thẻ quà tặng",
            "the qua tang",
        ],
        "gift_card",
        GiftCard,
        Syntax::Mention,
        false,
    ),
];

/// Words between a platform's name and the account; the second field says the word marks
/// what follows as the account.
const FILLERS: &[(&str, bool)] = &[
    ("username", true),
    ("user", true),
    ("id", true),
    ("账号", true),
    ("帳號", true),
    ("賬號", true),
    ("号", true),
    ("號", true),
    ("아이디", true),
    ("번호", false),
    ("number", false),
    ("account", false),
    ("acc", false),
    ("name", false),
    ("is", false),
    ("me", false),
    ("at", false),
    ("on", false),
    ("là", false),
    ("la", false),
    ("so", false),
    ("số", false),
    ("是", false),
    ("为", false),
    ("為", false),
    ("는", false),
    ("은", false),
    ("加我", false),
    ("搵我", false),
];

/// Words that are never an account, though they may follow a platform's name.
const STOPWORDS: &[&str] = &[
    "me", "my", "you", "your", "add", "here", "there", "now", "please", "pls", "the", "and", "or", "account", "id",
    "name", "later", "then", "call", "video", "chat", "app", "instead", "too", "with", "for", "to", "is", "it",
];

/// The compiled platform names.
#[derive(Debug)]
pub(crate) struct Handles {
    names: AhoCorasick,
    /// For each pattern, its spec.
    spec_of: Vec<u16>,
}

impl Handles {
    pub(crate) fn new() -> Handles {
        let mut words = Vec::new();
        let mut spec_of = Vec::new();
        for (i, s) in SPECS.iter().enumerate() {
            for w in s.words {
                words.push(*w);
                spec_of.push(i as u16);
            }
        }
        let names = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .expect("the platform names compile");
        Handles { names, spec_of }
    }

    /// Appends the accounts and gift-card demands in the prepared text. They do not claim
    /// their spans: the number after `zalo` is also a phone number.
    pub(crate) fn extract(&self, ctx: &Ctx<'_>, out: &mut Vec<Found>) {
        let text = ctx.text;
        let bytes = text.as_bytes();
        let first = out.len();
        let mut read_to = 0;
        for m in self.names.find_iter(text) {
            if m.start() < read_to {
                // Inside the account just read: `payme` in `PayPal: payme@example.com`.
                continue;
            }
            let spec = &SPECS[self.spec_of[m.pattern().as_usize()] as usize];
            let word = &text[m.start()..m.end()];
            // Plurals of gift cards: `steam cards`.
            let plural = spec.syntax == Syntax::Mention
                && matches!(bytes.get(m.end()), Some(b's'))
                && boundary_after(bytes, m.end() + 1);
            let after = plural || boundary_after(bytes, m.end());
            if word.is_ascii() && !(boundary_before(bytes, m.start()) && after) {
                // `line` inside `online`, `qq` inside `qqq`; but `QQ12345678` is glued on
                // purpose, so digits may follow a name.
                let glued_digits = bytes.get(m.end()).is_some_and(u8::is_ascii_digit);
                if !(boundary_before(bytes, m.start()) && glued_digits) {
                    continue;
                }
            }
            if spec.syntax == Syntax::Mention {
                out.push(
                    Found::new(spec.kind, format!("gift_card:{}", spec.platform), (m.start(), m.end()))
                        .platform(spec.platform),
                );
                continue;
            }
            if let Some(found) = account_after(ctx, m.end(), spec) {
                read_to = found.end as usize;
                out.push(found);
            }
        }
        bare_mentions(text, first, out);
    }
}

/// `@name` with no platform named before it.
fn bare_mentions(text: &str, first: usize, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('@') {
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || matches!(bytes[at - 1], b'.' | b'_' | b'-')) {
            continue;
        }
        let len = name_len(&bytes[at + 1..]);
        let end = at + 1 + len;
        if !(3..=30).contains(&len) || bytes.get(end) == Some(&b'@') {
            continue;
        }
        if out[first..].iter().any(|f| (f.start as usize) < end && at < f.end as usize) {
            continue;
        }
        let name = text[at + 1..end].to_ascii_lowercase();
        out.push(Found::new(IndicatorKind::Handle, format!("@{name}"), (at, end)));
    }
}

/// Length of the user name at the start of `b`, without a trailing dot.
fn name_len(b: &[u8]) -> usize {
    let n = b.iter().take(40).take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')).count();
    b[..n].iter().rposition(|c| c.is_ascii_alphanumeric() || *c == b'_').map_or(0, |i| i + 1)
}

/// The account after a platform's name ending at `at`.
fn account_after(ctx: &Ctx<'_>, at: usize, spec: &Spec) -> Option<Found> {
    let text = ctx.text;
    let bytes = text.as_bytes();
    let mut i = at;
    let mut marker = false;
    let limit = (at + 24).min(bytes.len());
    while i < limit {
        let c = bytes[i];
        if matches!(c, b' ' | b'-' | b'>' | b'(' | b')' | b'"' | b'\'' | b',') {
            i += 1;
            continue;
        }
        if matches!(c, b':' | b'=' | b'#') {
            marker = true;
            i += 1;
            continue;
        }
        let rest = &text[i..];
        if let Some(p) = ["：", "，", "（", "）", "「", "」", "『", "』", "、"].iter().find(|p| rest.starts_with(**p))
        {
            marker |= *p == "：";
            i += p.len();
            continue;
        }
        let filler = FILLERS.iter().find(|(w, _)| {
            starts_with_ignoring_case(rest.as_bytes(), w) && (!w.is_ascii() || boundary_after(bytes, i + w.len()))
        });
        match filler {
            Some((w, marks)) => {
                marker |= *marks;
                i += w.len();
            }
            None => break,
        }
    }
    if bytes.get(i) == Some(&b'@') && spec.syntax != Syntax::Cashtag {
        marker = true;
        i += 1;
    }
    if spec.strict && !marker {
        return None;
    }
    let rest = &bytes[i..];
    let (len, value, region) = match spec.syntax {
        Syntax::Digits => {
            let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if !(5..=11).contains(&n) || rest[0] == b'0' || !boundary_after(bytes, i + n) {
                return None;
            }
            (n, text[i..i + n].to_owned(), None)
        }
        Syntax::Phone => phone_at(ctx, i)?,
        Syntax::NameOrPhone | Syntax::Any => match phone_at(ctx, i) {
            Some(p) => p,
            None => {
                let n = if spec.syntax == Syntax::Any {
                    email_len(rest).unwrap_or_else(|| name_len(rest))
                } else {
                    name_len(rest)
                };
                let name = name_ok(&text[i..i + n], marker, spec)?;
                (n, name, None)
            }
        },
        Syntax::Name => {
            let n = name_len(rest);
            (n, name_ok(&text[i..i + n], marker, spec)?, None)
        }
        Syntax::Cashtag => {
            if rest.first() != Some(&b'$') {
                return None;
            }
            let n = 1 + rest[1..].iter().take(20).take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            if n < 2 || !rest[1].is_ascii_alphabetic() {
                return None;
            }
            (n, text[i..i + n].to_ascii_lowercase(), None)
        }
        Syntax::Mention => return None,
    };
    let mut found = Found::new(spec.kind, format!("{}:{value}", spec.platform), (i, i + len)).platform(spec.platform);
    found.region = region;
    Some(found)
}

/// A phone number at `at`: its length, E.164 form and region.
fn phone_at(ctx: &Ctx<'_>, at: usize) -> Option<(usize, String, Option<String>)> {
    let b = ctx.text.as_bytes();
    let n =
        b[at..].iter().take(22).take_while(|c| c.is_ascii_digit() || matches!(c, b'+' | b' ' | b'-' | b'.')).count();
    let candidate = ctx.text[at..at + n].trim_end_matches([' ', '-', '.']);
    if !candidate.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let (e164, region) = phone::canonical(candidate, ctx.language)?;
    Some((candidate.len(), e164, region))
}

fn email_len(b: &[u8]) -> Option<usize> {
    let local = b.iter().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'+')).count();
    if local == 0 || b.get(local) != Some(&b'@') {
        return None;
    }
    let domain = name_len(&b[local + 1..]);
    let d = &b[local + 1..local + 1 + domain];
    (d.contains(&b'.') && !d.ends_with(b".")).then_some(local + 1 + domain)
}

/// The canonical user name, if `name` can be one: a name of letters only needs a marker.
fn name_ok(name: &str, marker: bool, spec: &Spec) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if name.len() < 2 || name.len() > 40 || STOPWORDS.contains(&lower.as_str()) {
        return None;
    }
    let marked_by_shape = name.bytes().any(|b| b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'@'));
    if !(marker || marked_by_shape) {
        return None;
    }
    if spec.syntax == Syntax::NameOrPhone && !name.as_bytes()[0].is_ascii_alphabetic() {
        // WeChat ids start with a letter.
        return None;
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advice::Language;
    use crate::indicator::scan;

    fn handles(text: &str, language: Language) -> Vec<String> {
        let handles = Handles::new();
        scan(text, language, |ctx, _, out| handles.extract(ctx, out)).into_iter().map(|f| f.value).collect()
    }

    #[test]
    fn accounts_where_the_platform_is_named() {
        let cases: &[(&str, Language, &[&str])] = &[
            ("加我QQ 12345678", Language::ZhHans, &["qq:12345678"]),
            ("QQ号：987654321", Language::ZhHans, &["qq:987654321"]),
            ("加我QQ12345678吧", Language::ZhHans, &["qq:12345678"]),
            ("微信：wxid_abc123", Language::ZhHans, &["wechat:wxid_abc123"]),
            ("加我微信 13812345678", Language::ZhHans, &["wechat:+8613812345678"]),
            ("카톡 아이디 kim_99 로 와", Language::Ko, &["kakao:kim_99"]),
            ("카톡 아이디 sweetgirl", Language::Ko, &["kakao:sweetgirl"]),
            ("add me on snap jenny_22", Language::En, &["snapchat:jenny_22"]),
            ("my snap is: jennylove", Language::En, &["snapchat:jennylove"]),
            ("telegram @hotgirl_88", Language::En, &["telegram:hotgirl_88"]),
            ("line id: mimi520", Language::ZhHant, &["line:mimi520"]),
            ("ib zalo 0912 345 678", Language::Vi, &["zalo:+84912345678"]),
            ("whatsapp me +852 9123 4567", Language::En, &["whatsapp:+85291234567"]),
            ("PayPal: payme@example.com", Language::En, &["paypal:payme@example.com"]),
            ("send it to my cash app $jenny22", Language::En, &["cash_app:$jenny22"]),
            ("支付宝账号 13812345678", Language::ZhHans, &["alipay:+8613812345678"]),
            ("buy 3 steam cards", Language::En, &["gift_card:steam"]),
            ("去买礼品卡", Language::ZhHans, &["gift_card:gift_card"]),
            ("去買京東卡", Language::ZhHant, &["gift_card:jd"]),
            ("mua the cao viettel", Language::Vi, &["gift_card:phone_top_up"]),
            ("dm @jenny.22 now", Language::En, &["@jenny.22"]),
        ];
        for (text, lang, want) in cases {
            assert_eq!(&handles(text, *lang), want, "{text}");
        }
    }

    #[test]
    fn platform_words_in_other_senses() {
        for text in [
            "add me on snap later",
            "stand in line 12345 times",
            "I was online yesterday",
            "big fps drop at 60 fps",
            "mail me at jenny@example.com",
            "wechat is down today",
            "the QQ 0123 group",
        ] {
            assert!(handles(text, Language::En).is_empty(), "{text}: {:?}", handles(text, Language::En));
        }
    }
}
