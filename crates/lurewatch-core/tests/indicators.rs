//! Indicator extraction against real data in `../shared/data` (beside the clone): the
//! sextortion spam Bitcoin addresses and the hand-labelled Vietnamese SMS.
//!
//! `cargo test -p lurewatch-core --test indicators -- --nocapture` prints the figures.

use std::path::PathBuf;

use lurewatch_core::Language;
use lurewatch_core::indicator::{Extractor, Found, IndicatorKind, crypto};

fn shared(path: &str) -> String {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("the shared data is missing: {}: {e}", file.display()))
}

/// Lines of the list that are not Bitcoin addresses, whatever the list's header says: ten
/// lost a character on the way out of the e-mails (33 characters whose checksum fails), one
/// was written in capitals (base58 is case-sensitive) and one is a hex string. A checksum
/// that fails is proof, not a guess: these name no wallet, and the extractor rejects them.
const NOT_ADDRESSES: &[&str] = &[
    "1CKUjp9VNWFd1ysDbsq27dK9icG3vjeGr",
    "3CD19JE8F4C48L43E3A5TH8XD45JLRXUL",
    "1GL9JtXPRTPetxgiJ8UcgrEECp12spD4t",
    "1Jh1miFmhTmGQvn6Zejaqg85viD4k1vVj",
    "1MJzarWdCR8dXGt6vpK62f7MxcWYcVynM",
    "1AzdzwWHaJXytimxenzi45JVtY4FsXwLZ",
    "17ZLAibXo3yqHazH8cvvFZPawtM23bup2",
    "1Kso5XCxGq2jDAus99hRquhDRdjiLApGV",
    "1KeCBKUgQDyyMpaXhfpRi2qUvyrjcsT44",
    "1MK4uue11JnVxjUQhq19KNSpAuyaFqBwM",
    "3daa7ab7451f4215c9fe53c6c739e8e534",
];

#[test]
fn every_sextortion_spam_bitcoin_address_validates_and_corrupted_ones_do_not() {
    let text = shared("indicators/sextortion-spam-btc-addresses.csv");
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 12_533);
    let rejected: Vec<&str> = lines.iter().copied().filter(|a| crypto::address(a).is_none()).collect();
    assert_eq!(rejected, NOT_ADDRESSES, "only the malformed lines fail their checksum");
    let addresses: Vec<&str> = lines.iter().copied().filter(|a| !NOT_ADDRESSES.contains(a)).collect();
    assert_eq!(addresses.len(), 12_522);
    let extractor = Extractor::new();
    let mut found = Vec::new();
    let mut corrupted_accepted = Vec::new();
    for (i, address) in addresses.iter().enumerate() {
        assert_eq!(crypto::address(address).as_deref(), Some(format!("btc:{address}").as_str()), "{address}");
        // In a sentence, as a scammer writes it.
        found.clear();
        extractor.extract(&format!("Send 0.1 BTC to {address} within 48 hours."), Language::En, &mut found);
        assert!(found.iter().any(|f| f.kind == IndicatorKind::Crypto && f.value.ends_with(address)), "{address}");
        // One character replaced by another of the alphabet: the checksum must fail.
        let bytes = address.as_bytes();
        let at = 1 + i % (bytes.len() - 1);
        let replacement = if bytes[at] == b'2' { '3' } else { '2' };
        let mut corrupted = address.to_string();
        corrupted.replace_range(at..at + 1, &replacement.to_string());
        if crypto::address(&corrupted).is_some() {
            corrupted_accepted.push(corrupted);
        }
    }
    assert!(corrupted_accepted.is_empty(), "corrupted addresses accepted: {corrupted_accepted:?}");
}

/// Precision and recall of one yes/no label.
#[derive(Debug, Default)]
struct Tally {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Tally {
    fn add(&mut self, truth: bool, found: bool) {
        match (truth, found) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
    }

    fn precision(&self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fp).max(1))
    }

    fn recall(&self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fn_).max(1))
    }
}

#[test]
fn vietnamese_sms_urls_and_phone_numbers_match_the_hand_labels() {
    let text = shared("corpora/vi-sms.jsonl");
    let extractor = Extractor::new();
    let (mut urls, mut phones) = (Tally::default(), Tally::default());
    let mut found: Vec<Found> = Vec::new();
    let mut misses = Vec::new();
    // The university's hotline, `(028) 372 52002`, is labelled a phone number in 10
    // messages and not one in 35: the labels disagree with themselves there.
    let mut university_line = 0;
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("a JSON record");
        found.clear();
        for m in record["messages"].as_array().expect("messages") {
            extractor.extract(m["text"].as_str().expect("text"), Language::Vi, &mut found);
        }
        let has_url = found.iter().any(|f| f.kind == IndicatorKind::Url);
        let has_phone = found.iter().any(|f| f.kind == IndicatorKind::Phone);
        let (want_url, want_phone) = (record["has_url"] == true, record["has_phone_number"] == true);
        urls.add(want_url, has_url);
        phones.add(want_phone, has_phone);
        let first = record["messages"][0]["text"].as_str().unwrap_or_default();
        if has_phone && !want_phone && first.contains("(028) 372") {
            university_line += 1;
        }
        if want_url != has_url || want_phone != has_phone {
            misses.push(format!(
                "url {want_url}/{has_url} phone {want_phone}/{has_phone}: {}",
                record["messages"][0]["text"].as_str().unwrap_or_default().chars().take(160).collect::<String>()
            ));
        }
    }
    println!("vi-sms URLs:          precision {:.3}, recall {:.3} ({urls:?})", urls.precision(), urls.recall());
    println!("vi-sms phone numbers: precision {:.3}, recall {:.3} ({phones:?})", phones.precision(), phones.recall());
    if std::env::var_os("LUREWATCH_SHOW_MISSES").is_some() {
        for m in &misses {
            println!("  {m}");
        }
    }
    println!("  of the {} phone false positives, {university_line} are the university hotline", phones.fp);
    assert!(urls.precision() >= 0.95 && urls.recall() >= 0.95, "URLs {urls:?}");
    assert!(phones.recall() >= 0.95, "phones {phones:?}");
    // Counting the hotline the labels miss in 35 messages as right, precision is above 0.95.
    let fair = Tally { tp: phones.tp + university_line, fp: phones.fp - university_line, fn_: phones.fn_ };
    assert!(phones.precision() >= 0.90 && fair.precision() >= 0.95, "phones {phones:?}, {university_line} hotline");
}

/// The indicators an engine reports for one conversation, as `kind value` strings.
fn conversation_indicators(messages: &[(&str, &str)]) -> (lurewatch_core::Assessment, Vec<String>) {
    let engine = lurewatch_core::Engine::new();
    let a = engine.assess("t", messages.iter().map(|&(s, t)| lurewatch_core::Message::new(s, t)));
    let keys = a.indicators.iter().map(|i| format!("{} {}", i.found.kind, i.found.value)).collect();
    (a, keys)
}

#[test]
fn every_kind_in_every_language_through_the_engine() {
    let cases: &[(&str, &[&str])] = &[
        // Simplified Chinese, full-width digits and a spaced phone number.
        ("加我ＱＱ：９８７６５４３２１，或者打 138 1234 5678", &["handle qq:987654321", "phone +8613812345678"]),
        (
            "不给两万我就发给你所有联系人，转到支付宝 13912345678",
            &["amount 20000", "payment_handle alipay:+8613912345678"],
        ),
        // Traditional Chinese and Cantonese.
        ("加我LINE ID：mimi520，唔俾五千蚊就放上網", &["handle line:mimi520", "amount 5000 HKD"]),
        ("轉數快 FPS ID 1234567 入數，打俾我 9123 4567", &["payment_handle fps:1234567", "phone +85291234567"]),
        // English, defanged and obfuscated.
        (
            "download hxxps://vid-chat[.]xyz/app.apk then pay 0.05 BTC to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            &["url vid-chat.xyz/app.apk", "amount 0.05 BTC", "crypto btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"],
        ),
        (
            "send $500 in steam cards or message me on telegram @hot_jenny99",
            &["amount 500 USD", "gift_card gift_card:steam", "handle telegram:hot_jenny99"],
        ),
        ("snap jenny22 ok", &["handle snapchat:jenny22"]),
        // A link to an IPv6 host, and a bare IPv6 address written out in full.
        (
            "install http://[2a01:4f8:c17:2e5::1]/live.apk or 2a01:04f8:0c17:02e5:0000:0000:0000:0002",
            &["url [2a01:4f8:c17:2e5::1]/live.apk", "ip 2a01:4f8:c17:2e5::1", "ip 2a01:4f8:c17:2e5::2"],
        ),
        // Korean.
        (
            "카톡 아이디 kim_99 로 와. 300만원 보내 계좌 110-123-456789",
            &["handle kakao:kim_99", "amount 3000000 KRW", "bank_account 110123456789"],
        ),
        // Vietnamese, with and without diacritics.
        (
            "chuyển 20 triệu vào STK 0123456789 hoặc zalo 0912 345 678",
            &["amount 20000000 VND", "bank_account 0123456789", "handle zalo:+84912345678", "phone +84912345678"],
        ),
        ("ck 20tr qua momo 0987654321 nhe", &["amount 20000000 VND", "payment_handle momo:+84987654321"]),
    ];
    for (text, want) in cases {
        let (_, got) = conversation_indicators(&[("x", text)]);
        for w in *want {
            assert!(got.iter().any(|g| g == w), "{text}: {w} not in {got:?}");
        }
    }
}

#[test]
fn near_misses_name_no_phone_card_or_address() {
    for text in [
        "订单号 202311221234567 已发货",
        "會議 2024-11-22 下午三點",
        "价格 ¥1,299，今天包邮",
        "upgrade to version 10.0.19045.1 and v8.8.8.8",
        "Mã đơn hàng 4111111111111112 đã giao",
        "수업료 300,000원 입금 부탁드립니다",
        "회의는 20:30:15에 시작, 점수 2:1",
        "MAC 00:1a:2b:3c:4d:5e, router fe80::1",
    ] {
        let (_, got) = conversation_indicators(&[("x", text)]);
        assert!(
            got.iter().all(|g| !g.starts_with("phone") && !g.starts_with("bank_card") && !g.starts_with("ip")),
            "{text}: {got:?}"
        );
    }
}

#[test]
fn indicators_feed_the_verdict_only_where_they_mean_something() {
    use lurewatch_core::Tactic;
    // An .apk link is app_install; an amount after a threat is payment_demand.
    let (a, _) = conversation_indicators(&[
        ("s", "this app is less laggy: http://1.2.3.4/vchat.apk"),
        ("s", "I recorded you and will send the video to your family"),
        ("s", "HK$8000 tonight"),
    ]);
    let reasons: Vec<(Tactic, &str)> = a.tactics.iter().map(|e| (e.tactic, e.reason.as_str())).collect();
    assert!(reasons.contains(&(Tactic::AppInstall, "sends a link to an app outside the app stores")), "{reasons:?}");
    assert!(reasons.contains(&(Tactic::PaymentDemand, "names an amount or a payee after threatening")), "{reasons:?}");
    // A tutor's fee with a QR code and an amount, and no threat: no payment demand inferred.
    let (tutor, keys) =
        conversation_indicators(&[("tutor", "本月補習費 HK$1,200，請用 FPS 轉數快 1234567 付款，謝謝家長")]);
    assert!(keys.iter().any(|k| k == "amount 1200 HKD"), "{keys:?}");
    assert!(!tutor.tactics.iter().any(|e| e.reason == "names an amount or a payee after threatening"));
    assert_eq!(tutor.category, lurewatch_core::Category::None);
}
