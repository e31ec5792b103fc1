//! Indicator extraction against real data in `../shared/data` (beside the clone): the
//! sextortion spam Bitcoin addresses and the hand-labelled Vietnamese SMS.
//!
//! `cargo test -p lurewatch-core --test indicators -- --nocapture` prints the figures.

use std::path::PathBuf;
use std::sync::LazyLock;

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
    // One engine for every case: compiling the lexicons is the slow part.
    static ENGINE: LazyLock<lurewatch_core::Engine> = LazyLock::new(lurewatch_core::Engine::new);
    let engine = &*ENGINE;
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
        // Dots and at signs spelled out or bracketed with spaces around.
        ("下载 vid-chat点com/app 看片", &["url vid-chat.com/app", "domain vid-chat.com"]),
        ("tải app ở vidchat chấm vn nhé", &["url vidchat.vn", "domain vidchat.vn"]),
        ("email jenny [at] gmail [dot] com or go live dot xyz", &["email jenny@gmail.com", "url live.xyz"]),
        ("write this down  jim008847 at hotmail dot com", &["email jim008847@hotmail.com"]),
        // Without diacritics and in capitals: the spelled sign is read from its last letters.
        ("tai app o vidchat cham vn nhe", &["url vidchat.vn", "domain vidchat.vn"]),
        ("WRITE THIS DOWN JIM008847 AT HOTMAIL DOT COM", &["email jim008847@hotmail.com"]),
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

/// One message per kind of indicator in each language variant, most written the way scammers
/// hide them (full-width, spaced, defanged, glued); the test fails if a variant lacks a kind.
#[test]
fn every_kind_in_each_language_variant() {
    use IndicatorKind::*;
    /// A kind, a message, and the canonical value it must give.
    type Case = (IndicatorKind, &'static str, &'static str);
    let table: &[(&str, &[Case])] = &[
        (
            "zh-Hans",
            &[
                (Phone, "打我电话 １３８ １２３４ ５６７８", "+8613812345678"),
                (Handle, "加我ＱＱ：９８７６５４３２１", "qq:987654321"),
                (Url, "下载 hxxps://vid-chat[.]xyz/app.apk 看视频", "vid-chat.xyz/app.apk"),
                (Domain, "下载 hxxps://vid-chat[.]xyz/app.apk 看视频", "vid-chat.xyz"),
                (Ip, "服务器在 45.77.12.34 上", "45.77.12.34"),
                (Email, "发到邮箱 scam.boss@163.com", "scam.boss@163.com"),
                (BankCard, "银行卡号 6222 0212 3456 7894", "6222021234567894"),
                (BankAccount, "收款账号：6214 8301 2345", "621483012345"),
                (Iban, "汇到 IBAN DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
                (PaymentHandle, "支付宝账号 13912345678", "alipay:+8613912345678"),
                (PaymentQr, "扫这个 wxp://f2f0abcdEFGH1234_xyz 付款", "wechat_pay:wxp://f2f0abcdEFGH1234_xyz"),
                (GiftCard, "去买京东卡，把卡密发给我", "gift_card:jd"),
                (Crypto, "转 USDT 到 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
                (Amount, "不给两万我就发给你所有联系人", "20000"),
            ],
        ),
        (
            "zh-Hant",
            &[
                (Phone, "唔俾錢就打俾你老豆，我電話 9123 4567", "+85291234567"),
                (Handle, "加我LINE ID：mimi520", "line:mimi520"),
                (Url, "撳 bit.ly/3AbcXyz 睇片", "bit.ly/3AbcXyz"),
                (Domain, "去 www.live-hk[.]com/vip 登記", "live-hk.com"),
                (Ip, "下載 http://103.21.244.9/live.apk", "103.21.244.9"),
                (Email, "電郵 jenny.lam(at)gmail(dot)com", "jenny.lam@gmail.com"),
                (BankCard, "卡號 6258 0712 3456 7896", "6258071234567896"),
                (BankAccount, "帳號：012-345-678901 入數", "012345678901"),
                (Iban, "匯款 IBAN GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
                (PaymentHandle, "轉數快 FPS ID 1234567 入數", "fps:1234567"),
                (
                    PaymentQr,
                    "掃呢個 00020101021126290012hk.com.hkicl02091234567895204000053033445802HK5902NA6002HK63047C52",
                    "emvco:hk.com.hkicl:123456789",
                ),
                (GiftCard, "去買蘋果卡，影低卡號俾我", "gift_card:apple"),
                (
                    Crypto,
                    "俾 BTC 去 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                    "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                ),
                (Amount, "唔俾五千蚊就放上網", "5000 HKD"),
            ],
        ),
        (
            "en",
            &[
                (Phone, "call me at (415) 555-2671 tonight", "+14155552671"),
                (Handle, "add me on snap jenny_22", "snapchat:jenny_22"),
                (Url, "install from https://Evil.Example.com/live.apk", "evil.example.com/live.apk"),
                (Domain, "install from https://Evil.Example.com/live.apk", "example.com"),
                (Ip, "the app is on 2a01:4f8:c17:2e5::1 now", "2a01:4f8:c17:2e5::1"),
                (Email, "email me at Jenny.Doe@Example.com", "jenny.doe@example.com"),
                (BankCard, "card number 4111 1111 1111 1111", "4111111111111111"),
                (BankAccount, "wire it to account no. 123456789012", "123456789012"),
                (Iban, "IBAN: DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
                (PaymentHandle, "send it to my cash app $jenny22", "cash_app:$jenny22"),
                (PaymentQr, "pay with wxp://f2f0abcdEFGH1234_xyz now", "wechat_pay:wxp://f2f0abcdEFGH1234_xyz"),
                (GiftCard, "go buy steam cards and send me the codes", "gift_card:steam"),
                (
                    Crypto,
                    "pay to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                    "eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                ),
                (Amount, "send $500 or everyone sees it", "500 USD"),
            ],
        ),
        (
            "ko",
            &[
                (Phone, "돈 안 보내면 010-1234-5678 로 연락해", "+821012345678"),
                (Handle, "카톡 아이디 kim_99 로 와", "kakao:kim_99"),
                (Url, "이 앱 설치해 http://video-talk.kr/app.apk", "video-talk.kr/app.apk"),
                (Domain, "이 앱 설치해 http://video-talk.kr/app.apk", "video-talk.kr"),
                (Ip, "서버 주소 211.234.10.5 로 접속해", "211.234.10.5"),
                (Email, "이메일 kim99@naver.com 으로 보내", "kim99@naver.com"),
                (BankCard, "카드번호 5310 1234 5678 9019", "5310123456789019"),
                (BankAccount, "300만원 보내 계좌 110-123-456789", "110123456789"),
                (Iban, "IBAN DE89 3704 0044 0532 0130 00 으로 송금", "DE89370400440532013000"),
                (PaymentHandle, "카카오페이 kim_99 로 보내", "kakaopay:kim_99"),
                (PaymentQr, "이 QR wxp://f2f0abcdEFGH1234_xyz 로 결제해", "wechat_pay:wxp://f2f0abcdEFGH1234_xyz"),
                (GiftCard, "문화상품권 사서 핀번호 보내", "gift_card:cultureland"),
                (
                    Crypto,
                    "비트코인 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq 로",
                    "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                ),
                (Amount, "300만원 보내", "3000000 KRW"),
            ],
        ),
        (
            "vi",
            &[
                (Phone, "goi 0912 345 678 ngay", "+84912345678"),
                (Handle, "ib zalo 0987 654 321 nhe", "zalo:+84987654321"),
                (Url, "vào dichvucongg.top/vn để nhận", "dichvucongg.top/vn"),
                (Domain, "vào dichvucongg.top/vn để nhận", "dichvucongg.top"),
                (Ip, "truy cập 14.225.3.7 để tải app", "14.225.3.7"),
                (Email, "gửi về mail nguyenvana@gmail.com", "nguyenvana@gmail.com"),
                (BankCard, "số thẻ 3569 0123 4567 8900", "3569012345678900"),
                (BankAccount, "chuyển vào STK 0123456789 Vietcombank", "0123456789"),
                (Iban, "chuyển IBAN GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
                (PaymentHandle, "ck qua momo 0987654321 nhe", "momo:+84987654321"),
                (
                    PaymentQr,
                    "quét mã 00020101021138540010A00000072701240006970436011001234567890208QRIBFTTA53037045802VN63046A15",
                    "emvco:a000000727:970436:0123456789:QRIBFTTA",
                ),
                (GiftCard, "mua the cao viettel roi gui ma cho anh", "gift_card:phone_top_up"),
                (
                    Crypto,
                    "chuyen usdt vao TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                    "tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                ),
                (Amount, "chuyển 20 triệu ngay", "20000000 VND"),
            ],
        ),
    ];
    let mut missed = Vec::new();
    for (variant, cases) in table {
        for kind in IndicatorKind::ALL {
            assert!(cases.iter().any(|c| c.0 == *kind), "{variant}: no case for {kind}");
        }
        for (kind, text, want) in *cases {
            let (_, got) = conversation_indicators(&[("x", text)]);
            let want = format!("{kind} {want}");
            if !got.contains(&want) {
                missed.push(format!("{variant}: {want} not in {got:?} ({text})"));
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
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
