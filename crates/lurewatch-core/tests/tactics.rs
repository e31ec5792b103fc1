//! Every tactic id in each of the five language variants, plainly and obfuscated.

use lurewatch_core::Tactic::{self, *};
use lurewatch_core::lexicon::{Lexicon, MessageMatches};
use lurewatch_core::normalize::Normalized;

/// `(variant, tactic, text)`; texts written the way scammers and groomers write them.
const TABLE: &[(&str, Tactic, &str)] = &[
    // English
    ("en", Approach, "hey cutie, saw your profile"),
    ("en", Approach, "h3y cut1e wanna be friends?"),
    ("en", Flattery, "you're so mature for your age"),
    ("en", Flattery, "ur 𝓼𝓹𝓮𝓬𝓲𝓪𝓵 to me"),
    ("en", PersonalInfoRequest, "how old are you? what school do you go to?"),
    ("en", PersonalInfoRequest, "wh𝖾re d𝗈 u l𝗂ve"),
    ("en", MinorIndicator, "i'm 13"),
    ("en", MinorIndicator, "im only 14 lol"),
    ("en", MinorIndicator, "I'm in 8th grade"),
    ("en", MinorIndicator, "just turned 13, my sister is 16"),
    ("en", MinorIndicator, "youre hot for 13"),
    ("en", MinorIndicator, "for 13 u got big boobs"),
    ("en", MinorIndicator, "my rents are still on vacation next week"),
    ("en", GiftOrMoneyOffer, "I can buy you v-bucks"),
    ("en", GiftOrMoneyOffer, "i'll get u a gift card"),
    ("en", Secrecy, "don't tell your parents about me"),
    ("en", Secrecy, "d0nt t3ll anyone, our little secret"),
    ("en", Secrecy, "is ur mom home? when does she leave"),
    ("en", Secrecy, "when do ur rents go back to work?"),
    ("en", Secrecy, "maybe when dad goes to the casino"),
    ("en", PlatformSwitch, "typing is slow, add me on telegram"),
    ("en", PlatformSwitch, "lets video call"),
    ("en", AppInstall, "download this app so we can chat"),
    ("en", AppInstall, "install the apk and allow contacts"),
    ("en", SexualContent, "wanna have naked chat?"),
    ("en", SexualContent, "s e x chat?"),
    ("en", SexualContent, "u wanna cyber?"),
    ("en", SexualContent, "wat r u wearing rn"),
    ("en", ImageRequest, "send nudes"),
    ("en", ImageRequest, "s3nd n00dz"),
    ("en", ImageRequest, "ｓｅｎｄ ｎｕｄｅｓ"),
    ("en", ImageRequest, "S E N D  N U D E S"),
    ("en", ImageRequest, "sеnd nudеs"), // Cyrillic е
    ("en", ImageRequest, "se\u{200B}nd nu\u{200D}des"),
    ("en", ImageRequest, "take off your clothes on cam"),
    ("en", ImageRequest, "send ṅüdës"),
    ("en", ImageRequest, "send me a pic in ur bikini"),
    ("en", ImageRequest, "selfie wearing just a towel?"),
    ("en", ImageRequest, "𝓼𝓮𝓷𝓭 𝓷𝓾𝓭𝓮𝓼"),
    ("en", ImageRequest, "sennnd nuuuudes"),
    ("en", ImageRequest, "p!cs of ur b0dy"),
    ("en", ImageRequest, "n.u.d.e.s"),
    ("en", MeetingRequest, "let's meet up this weekend, I'll pick you up"),
    ("en", ContactsLeverage, "I have all your contacts"),
    ("en", ContactsLeverage, "i recorded everything"),
    ("en", ThreatExposure, "I will send the video to your family"),
    ("en", ThreatExposure, "pay or i'll post your pics on instagram for all your followers"),
    ("en", ThreatExposure, "pay 300 in btc or ur family and friends get the video"),
    ("en", ThreatExposure, "I have your contact list. pay or they all get the video"),
    ("en", ThreatExposure, "send 300 or im posting it and tagging every follower"),
    ("en", ThreatExposure, "if you don't want your mom and your classmates to see this, send $300 now"),
    ("en", ThreatExposure, "not enough. another $500 or everyone on your list gets the video"),
    ("en", ThreatExposure, "u got 1 hour to pay or ur ruined. imma expose u to everyone on ur following list"),
    ("en", ThreatExposure, "if u dont pay in 1 hour everyone on ur list sees it"),
    ("en", ThreatExposure, "if you report me the vid goes viral"),
    ("en", ThreatExposure, "$800 via Apple gift cards or I'm dropping it in every group chat your school has"),
    ("en", ContactsLeverage, "I got ur nudes"),
    ("en", PaymentDemand, "send $500 by gift card"),
    ("en", PaymentDemand, "pay me in bitcoin"),
    ("en", PaymentDemand, "go buy steam cards and send me the codes"),
    ("en", Urgency, "you have 24 hours"),
    ("en", Urgency, "u have 2 hrs"),
    ("en", RepeatDemand, "my boss wants 200 more. then i delete"),
    ("en", RepeatDemand, "another $300 now"),
    ("en", Urgency, "tick tock. 30 mins"),
    ("en", ThreatExposure, "pay now or the video goes to all your friends"),
    ("en", ThreatExposure, "pay $800 in bitcoin to this wallet or everyone sees it"),
    ("en", ThreatExposure, "your nudes will be sent to your contacts at midnight"),
    // A promise not to expose is still the threat: only an order not to do it is advice.
    ("en", ThreatExposure, "pay and i wont send the video to your family"),
    ("en", ThreatExposure, "ｐａｙ ５００ ｏｒ ｔｈｅ ｖｉｄｅｏ ｇｏｅｓ ｔｏ ａｌｌ ｙｏｕｒ ｆｒｉｅｎｄｓ"),
    ("en", ThreatExposure, "pay or the 📹 goes to ur family"),
    ("en", RepeatDemand, "that's not enough, send more"),
    ("en", RepeatDemand, "now send $200 more"),
    // Simplified Chinese
    ("zh-Hans", Approach, "小哥哥在干嘛？交个朋友吧"),
    ("zh-Hans", Flattery, "你好漂亮，我喜欢你"),
    ("zh-Hans", PersonalInfoRequest, "你几岁了？读几年级？"),
    ("zh-Hans", MinorIndicator, "我13岁，读初一"),
    ("zh-Hans", MinorIndicator, "我十三岁"),
    ("zh-Hans", GiftOrMoneyOffer, "给你发红包，帮你充值游戏币"),
    ("zh-Hans", Secrecy, "不要告诉你爸妈"),
    ("zh-Hans", Secrecy, "你一个人在家吗"),
    ("zh-Hans", PlatformSwitch, "打字太慢了，加我微信视频聊"),
    ("zh-Hans", PlatformSwitch, "加我 QQ"),
    ("zh-Hans", AppInstall, "下载这个app，点这个链接"),
    ("zh-Hans", SexualContent, "我们裸聊吧"),
    ("zh-Hans", SexualContent, "裸 聊"),
    ("zh-Hans", SexualContent, "裸.聊"),
    ("zh-Hans", SexualContent, "裸@聊"),
    ("zh-Hant", SexualContent, "裸 聊 視 頻"),
    ("zh-Hans", ImageRequest, "发张裸照给我"),
    ("zh-Hans", MeetingRequest, "周末出来见面，我去接你"),
    ("zh-Hans", ContactsLeverage, "你的视频在我手上，你通讯录里的人我都有"),
    ("zh-Hans", ThreatExposure, "不给钱就把视频发给你的家人"),
    ("zh-Hans", Flattery, "小妹妹长得真可爱"),
    ("zh-Hans", GiftOrMoneyOffer, "哥哥给你发个红包"),
    ("zh-Hans", ImageRequest, "拍张穿睡衣的照片给哥哥看看"),
    ("zh-Hans", MeetingRequest, "周五放学我去学校门口接你"),
    ("zh-Hans", ThreatExposure, "给你半小时，转五千块到这个支付宝，不然你全家都会收到"),
    ("zh-Hans", ThreatExposure, "你付钱我就不发给你家人"),
    ("zh-Hans", ThreatExposure, "转账5k，否则把你的luo照发给你通讯录所有人"),
    ("zh-Hans", ThreatExposure, "不给钱就把祼照发到你朋友圈"), // 祼 (a libation) for 裸 (naked)
    ("zh-Hans", ThreatExposure, "不给💰就把📹发给你家人"),
    ("zh-Hans", PaymentDemand, "不给💰就把📹发给你家人"),
    ("zh-Hans", PaymentDemand, "马上转账5000元"),
    ("zh-Hans", PaymentDemand, "扫这个收款码"),
    ("zh-Hans", PaymentDemand, "去买京东卡，把卡密发给我"),
    ("zh-Hans", Urgency, "限你一小时内"),
    ("zh-Hans", RepeatDemand, "还不够，再转3000"),
    // Traditional Chinese and Cantonese
    ("zh-Hant", Approach, "靚仔，識下朋友？"),
    ("zh-Hant", Flattery, "你好靚，我好鍾意你"),
    ("zh-Hant", PersonalInfoRequest, "你讀邊間學校？住邊度？"),
    ("zh-Hant", MinorIndicator, "我讀緊中學，今年14歲"),
    ("zh-Hant", MinorIndicator, "我讀緊中五"),
    ("zh-Hant", GiftOrMoneyOffer, "俾錢你買嘢，零用錢唔使愁"),
    ("zh-Hant", Secrecy, "唔好話俾你屋企人知"),
    ("zh-Hant", PlatformSwitch, "打字好慢，開視頻聊"),
    ("zh-Hant", AppInstall, "下載呢個app同我傾"),
    ("zh-Hant", SexualContent, "一齊裸聊"),
    ("zh-Hant", ImageRequest, "除衫俾我睇"),
    ("zh-Hant", MeetingRequest, "幾時得閒出嚟見面"),
    ("zh-Hant", ContactsLeverage, "你的通訊錄我都有"),
    ("zh-Hant", ThreatExposure, "唔俾錢就發晒啲片俾你屋企人同朋友"),
    ("zh-Hant", ThreatExposure, "唔俾五千蚊就將段片發晒俾你通訊錄入面嘅人"),
    ("zh-Hant", ThreatExposure, "唔想你屋企人同朋友見到，即刻轉3000蚊俾我"),
    ("zh-Hant", ThreatExposure, "唔夠，再俾5000，唔係就發晒出去"),
    ("zh-Hant", ThreatExposure, "一個鐘之內過數五千，唔係你啲同學人人有份睇"),
    ("zh-Hant", ThreatExposure, "過數一萬蚊去呢個戶口，唔過就放上網俾全世界睇"),
    ("zh-Hant", ThreatExposure, "唔俾💰就將你條📹發晒俾你屋企人"),
    ("zh-Hant", ContactsLeverage, "你條片我已經save咗，你啲fb朋友我全部都搵到"),
    ("zh-Hant", PlatformSwitch, "靚仔你好，可唔可以加你Line傾吓"),
    ("zh-Hant", AppInstall, "我哋用呢個app傾偈啦，裝咗佢先"),
    ("zh-Hant", MeetingRequest, "聽日放學我喺學校門口等你"),
    ("zh-Hant", Secrecy, "你爸爸媽媽幾點返工？佢哋唔喺屋企嘅時候我哋視像吖"),
    ("zh-Hant", ImageRequest, "著住睡衣影張相俾哥哥睇吓"),
    ("zh-Hant", GiftOrMoneyOffer, "我幫你增值遊戲"),
    ("zh-Hant", Secrecy, "唔好同屋企人講，記得delete晒啲訊息"),
    ("zh-Hant", MeetingRequest, "星期五放學我嚟學校門口接你"),
    ("zh-Hant", PaymentDemand, "即刻轉數快俾我 HK$8,000"),
    ("zh-Hant", PaymentDemand, "去買京東卡，影低卡密發俾我"),
    ("zh-Hant", Urgency, "快啲，限你一個鐘"),
    ("zh-Hant", RepeatDemand, "唔夠，仲要多五千"),
    // Korean
    ("ko", Approach, "오빠 심심해? 친구 할래?"),
    ("ko", Flattery, "너무 귀여워 사랑해"),
    ("ko", PersonalInfoRequest, "몇 살이야? 어느 학교 다녀?"),
    ("ko", PersonalInfoRequest, "몇살이야"),
    ("ko", MinorIndicator, "나 중2야"),
    ("ko", MinorIndicator, "14살이에요"),
    ("ko", GiftOrMoneyOffer, "용돈 줄게"),
    ("ko", Secrecy, "부모님한테 말하지 마 우리만의 비밀"),
    ("ko", Secrecy, "지금 집에 혼자야?"),
    ("ko", PlatformSwitch, "카톡으로 와서 영상통화 하자"),
    ("ko", AppInstall, "이 앱 설치해, 링크 눌러"),
    ("ko", SexualContent, "몸캠 하자"),
    ("ko", SexualContent, "ㅅㅅ 할래"),
    ("ko", SexualContent, "몸 캠 하자"),
    ("ko", SexualContent, "ㅁㅋ 할 사람"),
    ("ko", ImageRequest, "옷 벗어 봐"),
    ("ko", MeetingRequest, "주말에 만나자 데리러 갈게"),
    ("ko", ContactsLeverage, "영상 녹화했어 니 주소록도 다 있어"),
    ("ko", ThreatExposure, "지인들한테 영상 뿌린다"),
    ("ko", ThreatExposure, "가족이랑 친구들한테 뿌리기 싫으면 300만원 보내"),
    ("ko", ThreatExposure, "더 보내. 안 보내면 다 뿌린다"),
    ("ko", ContactsLeverage, "몸캠 영상 저장했고 니 지인 목록 다 있다"),
    ("ko", ThreatExposure, "ㅋㅋ 몸캠 유포 전에 입금해라 ㅅㄱ"),
    ("ko", PaymentDemand, "돈 안보내면 영상 다 뿌린다"),
    ("ko", ThreatExposure, "💰 안보내면 📹 지인들한테 다 뿌린다"),
    ("ko", PlatformSwitch, "카톡 말고 이 어플로 영상통화해요"),
    ("ko", PersonalInfoRequest, "용돈 줄게 사진 한 장만 보내줘"),
    ("ko", Secrecy, "부모님 언제 집에 없어? 그때 영상통화하자"),
    ("ko", ImageRequest, "잠옷 입은 사진 보내줘"),
    ("ko", ContactsLeverage, "영상 녹화했고 연락처 다 털었다"),
    ("ko", PaymentDemand, "300만원 입금해"),
    ("ko", PaymentDemand, "문화상품권 사서 핀번호 보내"),
    ("ko", Urgency, "지금 당장 보내"),
    ("ko", RepeatDemand, "부족해 더 보내"),
    // Vietnamese, with and without diacritics
    ("vi", Approach, "anh ơi làm quen nhé"),
    ("vi", Flattery, "em xinh quá, anh yêu em"),
    ("vi", PersonalInfoRequest, "em bao nhiêu tuổi, học lớp mấy?"),
    ("vi", PersonalInfoRequest, "em bao nhieu tuoi"),
    ("vi", MinorIndicator, "em 14 tuổi, học lớp 8"),
    ("vi", GiftOrMoneyOffer, "anh cho em tiền tiêu vặt"),
    ("vi", Secrecy, "đừng nói với bố mẹ, giữ bí mật nhé"),
    ("vi", Secrecy, "em ở nhà một mình à"),
    ("vi", PlatformSwitch, "qua zalo gọi video đi"),
    ("vi", AppInstall, "tải app này, bấm vào link"),
    ("vi", SexualContent, "chat sex không"),
    ("vi", SexualContent, "khoa than cho anh"),
    ("vi", ImageRequest, "gửi ảnh nóng cho anh"),
    ("vi", MeetingRequest, "mai đi chơi, anh đến đón em"),
    ("vi", ContactsLeverage, "tao có video của mày, có cả danh bạ"),
    ("vi", ThreatExposure, "tao sẽ gửi video cho gia đình mày"),
    ("vi", ThreatExposure, "khong thi tao gui clip cho ca nha may"),
    ("vi", ThreatExposure, "t co clip nong cua m r, ko ck 5tr thi t tung len fb"),
    ("vi", ThreatExposure, "neu khong muon gia dinh va ban be thay thi chuyen 5 trieu ngay"),
    ("vi", ThreatExposure, "chua du, chuyen them 10 trieu nua khong thi tao gui cho tat ca"),
    ("vi", ThreatExposure, "trong 1 tiếng chuyển 10 triệu nếu không cả nhà mày sẽ được xem"),
    (
        "vi",
        ThreatExposure,
        "chuyển khoản 20 triệu vào tài khoản này, không thì em gửi video cho vợ con và đồng nghiệp anh",
    ),
    ("vi", ThreatExposure, "chuyển 5 triệu qua momo trong 30 phút, không là cả danh bạ của anh nhận được clip"),
    ("vi", ThreatExposure, "chuyen 5 trieu qua momo trong 30 phut, khong la ca danh ba cua anh nhan duoc clip"),
    ("vi", ThreatExposure, "ck 10tr ngay k thi t gui clip cho ca nha m"),
    ("vi", ThreatExposure, "không chuyển 💰 thì tao gửi 📹 cho cả nhà mày"),
    ("vi", PaymentDemand, "không chuyển 💰 thì tao gửi 📹 cho cả nhà mày"),
    ("vi", GiftOrMoneyOffer, "anh mua điện thoại mới cho em nhé"),
    ("vi", PersonalInfoRequest, "gửi anh tấm ảnh đi em"),
    ("vi", Secrecy, "khi nào bố mẹ em đi làm? lúc đó mình gọi video nha"),
    ("vi", PaymentDemand, "chuyển khoản 20 triệu"),
    ("vi", PaymentDemand, "chuyen tien ngay"),
    ("vi", PaymentDemand, "CHUYỂN  TIỀN"),
    ("vi", GiftOrMoneyOffer, "de thuong qua, anh nap the game cho em nhe"),
    ("vi", Urgency, "nhanh lên, trong vòng 1 giờ"),
    ("vi", RepeatDemand, "chưa đủ, chuyển thêm 5 triệu"),
];

fn tactics(lex: &Lexicon, text: &str) -> Vec<Tactic> {
    let mut n = Normalized::new();
    n.normalize(text);
    let mut m = MessageMatches::default();
    lex.scan(&n, text, &mut m);
    m.hits.iter().map(|h| lex.rule(h.rule).tactic).collect()
}

/// Fails, naming the text, when any of `texts` gives a tactic that `wrong` rejects.
fn assert_none_gives(lex: &Lexicon, texts: &[&str], wrong: impl Fn(Tactic) -> bool) {
    for text in texts {
        let found = tactics(lex, text);
        assert!(!found.iter().any(|&t| wrong(t)), "{text:?} gave {found:?}");
    }
}

/// Fails, naming the text, when any of `texts` does not give `tactic`.
fn assert_each_gives(lex: &Lexicon, texts: &[&str], tactic: Tactic) {
    for text in texts {
        let found = tactics(lex, text);
        assert!(found.contains(&tactic), "{text:?} gave {found:?}");
    }
}

#[test]
fn every_tactic_in_every_language_variant() {
    let lex = Lexicon::default_lexicon();
    let mut failures = Vec::new();
    for &(variant, tactic, text) in TABLE {
        let found = tactics(&lex, text);
        if !found.contains(&tactic) {
            failures.push(format!("{variant} {tactic}: {text:?} gave {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{} misses:\n{}", failures.len(), failures.join("\n"));
    for variant in ["en", "zh-Hans", "zh-Hant", "ko", "vi"] {
        for &tactic in Tactic::ALL {
            assert!(
                TABLE.iter().any(|&(v, t, _)| v == variant && t == tactic),
                "the table has no {variant} case for {tactic}"
            );
        }
    }
}

#[test]
fn single_words_that_are_not_tactics() {
    let lex = Lexicon::default_lexicon();
    let texts = &[
        "payday is friday",
        "the class starts at 9",
        "im 25 and work in sales",
        "i'm 15 minutes away",
        "my daughter just turned 12 today",
        "nice to meet you",
        "sex education class is on monday",
        "what are you wearing to the wedding?",
        "we waited for 15 minutes, you know",
        "post a photo wearing the swimsuit, does the size fit?",
        "he got a cyber security job",
        "the rents in this city are crazy, your rents went up too?",
        "我已经到了",
        "그 사람 주소록 정리했어",
        "xe cũ bán rồi",
        "anh gửi clip đám cưới cho cả nhà rồi",
        // Vietnamese typed without diacritics is not English.
        "Cung cap THONG TIN ca nhan de nhan qua",
        "giao thong un tac qua, he thong dang bao tri",
    ];
    assert_none_gives(&lex, texts, |t| {
        matches!(
            t,
            MinorIndicator | MeetingRequest | SexualContent | PaymentDemand | PersonalInfoRequest | ImageRequest
        )
    });
}

#[test]
fn advice_about_who_might_see_is_no_threat() {
    // The threat's words without its demand: a parent's or a friend's advice, a farmer.
    let lex = Lexicon::default_lexicon();
    let texts = &[
        "if you dont want your parents to see the pics, dont send them",
        "if you don't want your mom to see your report card, study harder",
        "if u dont want everyone to see ur messages, dont send nudes and dont pay anyone who asks",
        "不想让你爸妈看到你的成绩单就好好复习",
        "唔想你屋企人見到你咁夜返，就早啲走啦",
        "엄마가 김치에 고춧가루 다 뿌렸어",
        "내일 밭에 씨앗 다 뿌린다",
        "nếu không muốn bố mẹ biết thì đừng gửi ảnh cho người lạ",
        "khong muon me thay diem kem thi lo hoc di",
        "nếu không muốn bạn bè biết thì cứ chuyển trường đi",
        "if you dont want your parents to see, send me the pics on snap instead",
        "如果不想朋友看到你的照片，就不要转发给别人",
        // "anh" is "ảnh" (a picture) without diacritics, and "you" or "brother" with them.
        "anh gửi quà cho gia đình em rồi nhé",
        "anh gui qua cho gia dinh em roi nhe",
        "anh đăng bài lên facebook cho mọi người cùng xem",
        "tung nguoi trong gia dinh, moi anh huong cong ty khong chiu trach nhiem",
        "hình như bố mẹ gửi quà cho bạn bè rồi",
        // Words near the new threats, in everyday use.
        "this trip is gonna expose you to new cultures",
        "finish the essay or im dropping out of the class",
        "he posts memes in every group chat",
        "老师说通知大家都会收到，每人手一份",
        "圣诞节全家都会收到礼物",
        "tối nay mọi người sẽ được xem phim miễn phí",
        "if u dont pay ur phone bill by friday they'll cut it off. transfer me the money",
        "clean your room or else i will take your phone away",
        "lol this dance is gonna go viral",
        "Hi parents, please send $40 for the field trip. We'll share the class photos with your family in the group chat",
        // An order not to do it, even in the threat's words: a parent's advice.
        "never send nudes to anyone. pics can end up all over the internet and go to everyone at school",
        // The order governs its whole sentence: what follows the comma is why.
        "never send nudes to anyone, they can end up all over the internet and your whole school will see them",
        "you should never send nudes to anyone, pics go to your classmates in a day",
        "never send nudes to anyone, i heard pics get leaked to your school",
        "别发裸照给任何人，我听说视频会被发到网上让所有人看到",
        "đừng bao giờ gửi ảnh nóng cho ai, tôi nghe nói video sẽ bị tung lên mạng cho cả trường xem",
        "절대 야한 사진 보내지 마, 인터넷에 퍼져서 학교 사람들이 다 볼 수 있어",
        "别把裸照发给任何人，会传到网上让所有人看到",
        "你千万不要拍裸照给网友，视频会被发到网上让你同学都看到",
        "唔好send裸照俾任何人，會俾人放上網畀全世界睇",
        "đừng bao giờ gửi ảnh nóng cho ai, video sẽ bị tung lên mạng cho cả trường xem",
        "Con đừng bao giờ gửi ảnh khỏa thân cho ai, nó sẽ phát tán video cho bạn bè con",
        "Don't share the video with your friends, it's private",
        "ok. dont post the pics online, your parents will see them",
        // Pictures that go to people in everyday life.
        "the class photos will be sent to your parents on friday",
        "its going to be a great video for the family reunion, everyone will love it",
        "đừng gửi ảnh cho người lạ, không thì cả trường sẽ thấy những ảnh đó",
        "anh gửi video đám cưới cho vợ con xem rồi",
        "婚礼的视频我发到家人群里了",
        "婚禮嘅📹我發咗去屋企人個群",
    ];
    assert_none_gives(&lex, texts, |t| t == ThreatExposure);
}

#[test]
fn everyday_lists_and_saved_numbers_are_no_leverage() {
    let lex = Lexicon::default_lexicon();
    let texts = &[
        "친구 목록 정리해서 반장한테 보내주세요",
        "좌측 상단 보시면 친구 목록 나오는 거 있죠? 클릭하세요",
        "我save咗你個電話，聽日搵你",
        "我錄低咗個會議，遲啲send俾你",
    ];
    assert_none_gives(&lex, texts, |t| matches!(t, ContactsLeverage | ThreatExposure));
}

#[test]
fn the_writers_own_pictures_are_no_threat() {
    let lex = Lexicon::default_lexicon();
    let texts = &[
        "send me a link i dont have pics of me naked on the internet",
        "i will post pics of me at the beach on facebook",
        "我把我的照片发到朋友圈了",
        "我把我的視頻發到朋友圈了",
        "내 사진 인스타에 올렸어",
        "mình vừa đăng ảnh của mình lên facebook",
        "minh gui video cua minh cho ban be xem roi",
        // A payment fraud's fake receipt: a screenshot, a teacher, a school, but no image
        // of the reader.
        "我是光明学校的李老师。我已经发给了两张截图证明我给你转了账",
        "我係光明學校嘅李老師。我已經發給咗你兩張截圖證明我轉咗賬",
    ];
    assert_none_gives(&lex, texts, |t| t == ThreatExposure);
    let threats = &[
        "send me money or i post pics of u naked on the internet",
        "pay now or i will send the video of you naked to your family",
        "不给钱就把你的视频发给你所有朋友",
        "돈 안 보내면 너 영상 친구들한테 다 뿌린다",
        "khong chuyen tien tao se gui video cua may cho ban be",
    ];
    assert_each_gives(&lex, threats, ThreatExposure);
}

#[test]
fn words_retold_are_not_the_writers() {
    let lex = Lexicon::default_lexicon();
    // Someone else's words in a quote the writer opens, or, in Korean, closes with a
    // quotative glued to the last word ("…다고 해요", back to the start of its sentence):
    // nothing in them is the writer's. Each quote is also checked bare, where the same
    // words are found.
    for (before, words, after) in [
        ("one guy i got before, it was like, ", "come see me naked, click this link!", ""),
        ("he was like \"", "send nudes or i post ur pics\" so i blocked him", ""),
        ("she said: ", "download this app and allow contacts", ""),
        // A quotation mark after the comma opens the quote; it does not close it.
        ("she said, \"", "download this app and allow contacts\"", ""),
        ("他说，“", "不给钱就把你的视频发给你所有朋友”", ""),
        ("他说：", "不给钱就把你的视频发给你所有朋友", ""),
        ("佢話：「", "唔俾錢就將段片發晒俾你啲朋友」", ""),
        ("nó bảo: ", "không chuyển tiền tao sẽ gửi video của mày cho bạn bè", ""),
        ("no bao: ", "khong chuyen tien tao se gui video cua may cho ban be", ""),
        ("", "어떤 여자가 돈 안 보내면 영상을 지인들한테 다 뿌린다", "고 해요"),
        ("도와주세요. ", "어떤 여자가 돈 안 보내면 영상을 지인들한테 다 뿌린다", "고 해요. 어떡해요"),
        ("", "상대가 300만원 입금 안하면 가족한테 영상 보낸다", "고 협박했어요"),
        ("", "걔가 연락처 다 털었다", "고 하더라"),
    ] {
        assert!(!tactics(&lex, words).is_empty(), "{words:?} alone finds nothing");
        let text = format!("{before}{words}{after}");
        let found = tactics(&lex, &text);
        assert!(found.is_empty(), "{text:?} gave {found:?}");
    }
    // No quote opens, the writer retells their own words, or the quote is over: the
    // writer's words, and found.
    for (text, tactic) in [
        ("he was like 30 and i'm 14", MinorIndicator),
        ("she said i'm 14", MinorIndicator),
        ("i said: pay now or i will send the video to your family", ThreatExposure),
        ("she was like, whatever. send nudes now", ImageRequest),
        ("他说不给钱就把你的视频发给你所有朋友", ThreatExposure),
        ("nó bảo không chuyển tiền tao sẽ gửi video của mày cho bạn bè", ThreatExposure),
        // The writer's own threat after a retold question, and a quotative not glued to a word.
        ("경찰에 신고한다고 해요? 돈 안 보내면 다 뿌린다", ThreatExposure),
        ("돈 안 보내면 다 뿌린다. 고 해요", ThreatExposure),
    ] {
        let found = tactics(&lex, text);
        assert!(found.contains(&tactic), "{text:?} gave {found:?}");
    }
}

#[test]
fn an_order_then_a_threat_is_still_a_threat() {
    // An order not to share nudes is advice to the end of its sentence; a condition or the
    // writer's own voice ends it, and orders not to call the police or to block are the
    // extortioner's own.
    let lex = Lexicon::default_lexicon();
    let threats = &[
        "别逼我把裸照发给你家人",
        "别发裸照给别人，不然我把视频发给你所有同学",
        "不要脱衣服给别人看，我会把你的视频发到网上",
        "你不要报警，我会把视频发给你所有朋友",
        "don't send nudes to anyone else or i send the video to your family",
        "never send nudes to others, i will post your video to all your friends",
        "never send nudes to other guys, i send the video to your family if you do",
        "you should not ignore me. your nudes go to your family tonight",
        "đừng gửi ảnh nóng cho thằng khác, không thì tao gửi video cho cả nhà mày",
        "别发裸照给别人，我就把你的视频发给你家人",
        "em không được báo công an, anh sẽ gửi clip cho bạn bè em",
        "em đừng chặn anh, không thì video gửi cho cả nhà em",
        "唔好send裸照俾其他人，唔系我就将你條片放上網俾全世界睇",
        "경찰에 신고하지 마, 안 그러면 영상 지인들한테 다 뿌린다",
    ];
    assert_each_gives(&lex, threats, ThreatExposure);
    // A family's videos after a condition are no threat.
    assert_none_gives(
        &lex,
        &[
            "nếu không bận thì con quay video buổi văn nghệ rồi gửi cho cả nhà nhé",
            "Con gửi video cho cả nhà xem đi, không thì bà nhớ lắm",
            "không thì con gửi clip sinh nhật cho cả nhà xem cũng được",
        ],
        |t| t == ThreatExposure,
    );
}

#[test]
fn an_extortioner_speaking_of_his_gang_or_repeating_himself_still_threatens() {
    // Telling of someone else's threat is the victim's ("unless i pay", "보내라고 해요"); the
    // extortioner's boss, partner and own earlier words are the extortioner's.
    let lex = Lexicon::default_lexicon();
    let threats = &[
        "my boss says he will send the video to all your friends if you dont pay",
        "my partner said he would leak it to ur family unless u pay now",
        "돈 보내라고 했지? 안 보내면 다 뿌린다",
    ];
    assert_each_gives(&lex, threats, ThreatExposure);
    let retold =
        &["she says she will send the video to everyone unless i pay 500", "영상 뿌린다면서 300만원 보내라고 해요"];
    assert_none_gives(&lex, retold, |t| t == ThreatExposure);
}

#[test]
fn threats_without_the_usual_words_are_threats() {
    // Putting it online needs no audience; a condition or a deadline makes a threat of the
    // pictures; spreading, reaching someone's hands, "before your mom sees".
    let lex = Lexicon::default_lexicon();
    let texts = &[
        "你唔好block我，唔系我就將你條片放上網",
        "你唔俾錢我就將你條片send晒俾你啲friend",
        "聽日之前入5000蚊落呢個戶口，唔係你全家都會見到你條片",
        "唔好扮死，我而家就send你條片去你公司",
        "给我打5000，不然视频发你老婆",
        "你要是不给钱，明天你们全校都会看到你的视频",
        "再唔俾錢，你條片就會喺你公司個群度出現",
        "不想視頻被曝光就馬上轉賬",
        "不想你啲片流出去就過數",
        "你的视频我马上曝光",
        "我已经公开了你的视频",
        "你的视频我马上曝光给别人看",
        "乖乖打钱，要不然我让你在学校出名",
        "영상 퍼지는 거 싫으면 50만원 보내",
        "네 얼굴 나온 영상 있어. 니 친구들한테 보내기 전에 입금해",
        "ㅅㅂ 차단하면 영상 바로 뿌림",
        "몸캠 영상 유포할게",
        "몸 캠 영상 유포 할게",
        "mày mà không chuyển 5 triệu thì clip nóng của mày sẽ đến tay bố mẹ mày",
        "video sẽ tới tay vợ con mày nếu mày không chuyển tiền",
        "nếu không muốn clip bị phát tán thì chuyển 10 triệu vào tài khoản này",
        "chuyen 3tr vao stk nay neu khong muon clip bi phat tan",
        "u have 24hrs to pay before your mom sees the video",
        "send $300 on cashapp before ur whole school gets the pics",
        "pay me or i post ur n00dz on insta",
        "ck 5tr ko thi clip len mang",
    ];
    assert_each_gives(&lex, texts, ThreatExposure);
    assert_each_gives(&lex, &["không gửi tiền thì đừng trách tao"], Urgency);
    // The sum after the transfer verb is a demand; a count of words is not.
    assert_each_gives(&lex, &["给我打5000", "转3000块到这个账户", "聽日之前入５０００蚊"], PaymentDemand);
    assert_none_gives(&lex, &["给我打1000个字", "打1000字的作文"], |t| t == PaymentDemand);
}

#[test]
fn the_same_words_in_ordinary_sentences_are_no_threat() {
    // A file too large to send, a friend's warning, a parent's, the news, settings, a
    // wedding, a giveaway of photo cards, a trip's photos, money sent to one's mother.
    let lex = Lexicon::default_lexicon();
    let texts = &[
        "先压缩一下，不然视频发不出去",
        "千万不要拍裸照，不然会被人放上网，全世界都看到",
        "孩子们要记住：不想裸照被曝光，就不要发给任何人，更不要转账给陌生人",
        "你的视频号设置成公开就可以了",
        "婚礼视频我晚点发给大家，不然太大了",
        "唔好影裸照，唔系會俾人放上網",
        "不要公开你的照片给陌生人",
        "你的视频被曝光了，快去看看",
        "天啊你的照片被人放上网了",
        "你的视频公开了吗？我看不到",
        "我帮你把你的视频设为公开了",
        "你的照片流出了，我帮你举报了",
        "不给钱就没有视频看，会员到期了",
        "엄마한테 보내기 전에 계좌번호 다시 확인해",
        "여행 사진 올릴게 기다려",
        "포카 사진 뿌림 나눔 이벤트",
        "불법 촬영 영상을 유포한 혐의로 검거됐다",
        "영상 유포할 경우 처벌받습니다",
        "Nếu không muốn ảnh của con bị phát tán, đừng gửi cho ai, cũng đừng chuyển tiền cho kẻ lạ",
        "video đám cưới đã tới tay cả nhà rồi nhé",
        "pay the rent before your dad sees the bill",
        "i post my pics on insta every day",
        "share your vacation photos on insta",
        "ăn sinh nhật xong không thì video lên mạng sau nhé",
    ];
    assert_none_gives(&lex, texts, |t| t == ThreatExposure);
}

#[test]
fn words_that_only_hold_a_negation_negate_nothing() {
    // Korean "안" (not) opens "안녕" (hello) and "안에" (within): the demand and the opener
    // after them were taken back. A real "안" still negates.
    let lex = Lexicon::default_lexicon();
    assert_each_gives(&lex, &["1시간 안에 돈 보내", "한 시간 안에 송금해"], PaymentDemand);
    assert_each_gives(&lex, &["안녕 심심해? 친구 할래?"], Approach);
    // "말고" (rather than) negates what comes before it, not the request after it.
    assert_each_gives(&lex, &["여기 말고 라인으로 옮기자"], PlatformSwitch);
    assert_each_gives(&lex, &["신고하지 말고 돈 보내"], PaymentDemand);
    assert_none_gives(&lex, &["앱 안 깔아도 돼"], |t| t == AppInstall);
    assert_none_gives(&lex, &["돈 안 보내도 돼요"], |t| t == PaymentDemand);
}

#[test]
fn a_victim_pleading_and_promising_to_pay_makes_no_threat() {
    // The threat's words in the victim's mouth, with a plea or a promise to pay.
    let lex = Lexicon::default_lexicon();
    let texts = &[
        "我不想视频被曝光，我转账给你，求你删了",
        "唔想條片流出去，我而家過數俾你，求下你",
        "Em không muốn video bị đăng lên, anh xóa đi rồi em chuyển tiền",
        "tôi không muốn clip bị phát tán, tôi sẽ chuyển tiền cho anh",
    ];
    assert_none_gives(&lex, texts, |t| t == ThreatExposure);
}
