//! Whole conversations: scripts in five language variants, and the hard negatives that must
//! be left alone (warnings, news, tutors, adults flirting).

use lurewatch_core::{Assessment, Category, Engine, Language, Level, Message, Tactic};

fn assess(engine: &Engine, messages: &[(&str, &str)]) -> Assessment {
    engine.assess("t", messages.iter().map(|&(s, t)| Message::new(s, t)))
}

fn engine() -> Engine {
    Engine::new()
}

#[track_caller]
fn expect_script(a: &Assessment, category: Category, min: Level, suspect: &str) {
    assert_eq!(a.category, category, "{a:#?}");
    assert!(a.level >= min, "level {} below {min}: {a:#?}", a.level);
    assert_eq!(a.suspect.as_deref(), Some(suspect), "{a:#?}");
    assert!(a.first_alert_message.is_some());
    for e in &a.tactics {
        assert!(e.start < e.end, "{e:?}");
    }
}

#[track_caller]
fn expect_calm(a: &Assessment) {
    assert!(a.level <= Level::Low, "expected none or low, got {} ({}): {:#?}", a.level, a.risk, a.tactics);
    assert!(a.first_alert_message.is_none());
}

#[test]
fn sextortion_in_english_with_repeat_demand_and_advice() {
    let a = assess(
        &engine(),
        &[
            ("jess", "hey cutie, saw your profile"),
            ("tom", "hi who is this"),
            ("jess", "typing is slow, download this app so we can video call"),
            ("jess", "let's get naked, take off your clothes"),
            ("jess", "I recorded everything and I have all your contacts"),
            ("jess", "pay $500 in bitcoin or I will send the video to your family. you have 24 hours"),
            ("tom", "ok i paid, please delete it"),
            ("jess", "not enough. send another $300 now"),
        ],
    );
    expect_script(&a, Category::Sextortion, Level::Critical, "jess");
    assert_eq!(a.victim.as_deref(), Some("tom"));
    assert_eq!(a.language, Language::En);
    assert!(a.stages.contains(&Tactic::RepeatDemand));
    assert!(a.first_alert_message.unwrap() <= 5);
    let ids: Vec<_> = a.advice.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids[0], "dont_pay");
    assert!(ids.contains(&"hotline") && ids.contains(&"repeat_demand"));
    // The victim's "please delete it" does not make them a suspect.
    assert!(a.tactics.iter().filter(|e| e.sender == "tom").all(|e| e.tactic != Tactic::ThreatExposure));
}

#[test]
fn sextortion_in_simplified_chinese() {
    let a = assess(
        &engine(),
        &[
            ("小美", "小哥哥在干嘛？交个朋友吧"),
            ("阿杰", "你好"),
            ("小美", "打字太慢了，下载这个app我们视频聊"),
            ("小美", "我们来裸聊吧"),
            ("小美", "你的视频我已经录下来了，你通讯录里的人我都有"),
            ("小美", "马上转账5000元，不然我就把视频发给你的家人和同事"),
        ],
    );
    expect_script(&a, Category::Sextortion, Level::High, "小美");
    assert_eq!(a.language, Language::ZhHans);
    let quote = &a.tactics.iter().find(|e| e.tactic == Tactic::SexualContent).unwrap().quote;
    assert_eq!(quote, "裸聊");
}

#[test]
fn sextortion_in_cantonese_with_traditional_script() {
    let a = assess(
        &engine(),
        &[
            ("Cindy", "靚仔，識下朋友？"),
            ("Ken", "你係邊個"),
            ("Cindy", "打字好慢，下載呢個app同我視像啦"),
            ("Cindy", "除衫俾我睇下"),
            ("Cindy", "你啲相同片我已經錄咗，你的通訊錄我都有"),
            ("Cindy", "唔俾錢就發晒俾你屋企人同朋友睇，即刻轉數快俾我 HK$8,000"),
        ],
    );
    expect_script(&a, Category::Sextortion, Level::High, "Cindy");
    assert_eq!(a.language, Language::ZhHant);
    assert!(a.advice.iter().any(|i| i.text.contains("18222")));
    // Evidence quotes the traditional original, not the simplified form used for matching.
    assert!(a.tactics.iter().any(|e| e.quote == "你的通訊錄"));
}

#[test]
fn sextortion_in_korean() {
    let a = assess(
        &engine(),
        &[
            ("지은", "오빠 심심해? 친구 할래?"),
            ("민수", "누구세요"),
            ("지은", "카톡으로 와서 영상통화 하자. 이 앱 설치해 줘"),
            ("지은", "몸캠 하자 옷 벗어"),
            ("지은", "영상 녹화했어. 니 주소록도 다 있어"),
            ("지은", "300만원 입금 안 하면 지인들한테 영상 뿌린다. 지금 당장"),
        ],
    );
    expect_script(&a, Category::Sextortion, Level::High, "지은");
    assert_eq!(a.language, Language::Ko);
    assert!(!a.tactics.iter().any(|e| e.tactic == Tactic::PersonalInfoRequest && e.quote == "주소"));
}

#[test]
fn sextortion_in_vietnamese_with_and_without_diacritics() {
    for (threat, pay) in [
        (
            "tao có video của mày rồi, có cả danh bạ của mày",
            "chuyển khoản 20 triệu ngay lập tức nếu không tao sẽ gửi video cho gia đình và bạn bè mày",
        ),
        (
            "tao co video cua may roi, co ca danh ba cua may",
            "chuyen khoan 20 trieu ngay lap tuc neu khong tao se gui video cho gia dinh va ban be may",
        ),
    ] {
        let a = assess(
            &engine(),
            &[
                ("Linh", "anh ơi làm quen nhé"),
                ("Nam", "ok"),
                ("Linh", "qua zalo gọi video đi anh, tải app này về"),
                ("Linh", "cởi đồ cho em xem đi"),
                ("Linh", threat),
                ("Linh", pay),
            ],
        );
        expect_script(&a, Category::Sextortion, Level::High, "Linh");
        assert_eq!(a.language, Language::Vi);
    }
    // Typed entirely without diacritics, the advice is still Vietnamese.
    let a = assess(
        &engine(),
        &[
            ("Linh", "anh oi lam quen nhe, qua zalo goi video di"),
            ("Linh", "tao co video cua may roi, co ca danh ba cua may"),
            ("Linh", "chuyen khoan 20 trieu ngay lap tuc neu khong tao se gui video cho gia dinh may"),
        ],
    );
    assert_eq!(a.category, Category::Sextortion);
    assert_eq!(a.language, Language::Vi);
    assert!(a.advice.iter().any(|i| i.text.starts_with("Đừng chuyển tiền")));
}

#[test]
fn grooming_of_a_child_in_english() {
    let a = assess(
        &engine(),
        &[
            ("mike", "hi, you play fortnite? you're really good"),
            ("ella", "thx lol"),
            ("mike", "how old are you?"),
            ("ella", "im 13"),
            ("mike", "you're so mature for your age"),
            ("mike", "i can buy you v-bucks if you want"),
            ("mike", "don't tell your parents about me. our secret ok?"),
            ("mike", "send me a pic of you in your bra"),
            ("mike", "we should meet up, i'll pick you up after school"),
        ],
    );
    expect_script(&a, Category::Grooming, Level::High, "mike");
    assert!(a.minor);
    assert_eq!(a.victim.as_deref(), Some("ella"));
    assert!(a.advice.iter().any(|i| i.id == "take_it_down"));
    assert_eq!(a.advice[0].id, "trusted_adult");
}

/// Most real offenders' chats never repeat the child's age: the child shows in a life
/// ruled by a parent's comings and goings.
#[test]
fn grooming_of_a_child_who_never_states_an_age() {
    let a = assess(
        &engine(),
        &[
            ("dave", "hey cutie did u miss me"),
            ("kayla", "ya lol. did my chores, so bored"),
            ("dave", "when does your mom leave? i could drive down"),
            ("kayla", "moms leavin sat. i cant drive yet tho"),
            ("dave", "dont tell anyone ok, ill pick u up and we can fool around"),
        ],
    );
    expect_script(&a, Category::Grooming, Level::Medium, "dave");
    assert!(a.minor);
}

/// Whether the child's reply was read as their age.
fn answered_age(a: &Assessment, sender: &str) -> bool {
    a.tactics.iter().any(|e| {
        e.tactic == Tactic::MinorIndicator && e.sender == sender && e.reason.starts_with("answers a question about age")
    })
}

#[test]
fn a_bare_number_answering_an_age_question_is_a_childs_age() {
    // Children answer "how old are you" with a number and nothing else; the groomer's
    // script around it is the same in every language.
    let cases: [(&str, [&str; 5]); 6] = [
        (
            "en",
            [
                "hi! how old r u?",
                "13",
                "wow so grown up. i can buy u robux, dont tell ur parents ok? its our secret",
                "send me a pic of u",
                "we should meet at the mall saturday, just us",
            ],
        ),
        (
            "en asl",
            [
                "asl?",
                "12/f/texas",
                "ur cute. do u have a bf? send me a pic in ur bikini",
                "u can trust me",
                "lets meet saturday",
            ],
        ),
        (
            "zh",
            [
                "妹妹你几岁呀",
                "13",
                "哥哥给你买皮肤，别告诉你爸妈哦，这是我们的秘密",
                "发张自拍给哥哥看看",
                "周末出来见面吧",
            ],
        ),
        (
            "yue",
            [
                "你今年幾多歲呀",
                "14",
                "我買禮物俾你，唔好同你屋企人講，我哋嘅秘密",
                "影張相俾我睇下",
                "星期六出嚟見面好唔好",
            ],
        ),
        (
            "ko",
            ["너 몇 살이야?", "13", "오빠가 기프티콘 사줄게. 부모님한테는 비밀이야", "셀카 보내줘", "주말에 만나자"],
        ),
        (
            "vi",
            [
                "em bao nhieu tuoi roi",
                "13 a",
                "anh mua qua cho em nhe, dung noi voi bo me, bi mat cua hai dua minh",
                "gui anh cho anh xem di",
                "cuoi tuan gap nhau nhe",
            ],
        ),
    ];
    for (name, [ask, answer, lure, photo, meet]) in cases {
        let a = assess(&engine(), &[("man", ask), ("kid", answer), ("man", lure), ("man", photo), ("man", meet)]);
        assert!(
            answered_age(&a, "kid")
                || a.tactics.iter().any(|e| e.sender == "kid" && e.tactic == Tactic::MinorIndicator),
            "{name}: {a:#?}"
        );
        expect_script(&a, Category::Grooming, Level::Medium, "man");
        assert_eq!(a.victim.as_deref(), Some("kid"), "{name}");
    }
}

#[test]
fn numbers_that_answer_other_questions_are_not_ages() {
    let e = engine();
    // Someone else's age: a parent asked about their son.
    let a = assess(&e, &[("a", "how old is your son now?"), ("b", "13"), ("a", "time flies!")]);
    assert!(!answered_age(&a, "b"), "{a:#?}");
    let a = assess(&e, &[("a", "你个仔今年几岁？"), ("b", "13"), ("a", "咁快！")]);
    assert!(!answered_age(&a, "b"), "{a:#?}");
    let a = assess(&e, &[("a", "con chị mấy tuổi rồi?"), ("b", "13"), ("a", "lớn nhanh quá")]);
    assert!(!answered_age(&a, "b"), "{a:#?}");
    // A time, a sum, a count, a price.
    for reply in ["10 pm", "13:30", "5 min", "20 bucks", "3点", "10분", "15 phút", "$15", "100", "12 people came"] {
        let a = assess(&e, &[("a", "how old r u? and when do we meet"), ("b", reply)]);
        assert!(!answered_age(&a, "b"), "{reply}: {a:#?}");
    }
    // The asker's own number, and a reply long after the question.
    let a = assess(&e, &[("a", "how old r u"), ("a", "13 is my lucky number")]);
    assert!(!answered_age(&a, "a"), "{a:#?}");
    let a =
        assess(&e, &[("a", "how old r u"), ("b", "why"), ("a", "just asking"), ("b", "lol"), ("a", "ok"), ("b", "14")]);
    assert!(!answered_age(&a, "b"), "{a:#?}");
    // An adult's answer is an age, and no child's.
    let a = assess(&e, &[("a", "how old are you?"), ("b", "34 u?")]);
    assert!(!answered_age(&a, "b") && a.tactics.iter().all(|e| e.tactic != Tactic::MinorIndicator), "{a:#?}");
    // Two teenagers telling each other their age stay peers.
    let a = assess(
        &e,
        &[
            ("a", "how old r u"),
            ("b", "15 u"),
            ("a", "15 too lol. what school u go to"),
            ("b", "westfield high. wanna meet at the mall saturday?"),
        ],
    );
    assert!(answered_age(&a, "b"), "{a:#?}");
    expect_calm(&a);
}

#[test]
fn a_victim_retelling_the_threat_is_not_the_suspect() {
    // The threat names the writer's own people: the writer is its target, telling someone.
    let e = engine();
    for retold in [
        "he says if i dont pay 500 he will send the video to my family, what do i do??",
        "他说不给钱就把视频发给我的家人，怎么办",
        "佢話唔俾錢就將段片發俾我屋企人，點算",
        "그 사람이 돈 안 주면 영상 우리 가족한테 유포한대요",
        // Marked as retold after the words, naming no one's people.
        "도와주세요. 어떤 여자가 돈 안 보내면 영상을 지인들한테 다 뿌린다고 해요",
        "상대가 300만원 입금 안하면 가족한테 영상 보낸다고 협박했어요",
        // Telling of the threat by what it asks of the writer, or with the extortioner
        // as "she", "nó": "unless i pay", "让我转账", "đòi em chuyển".
        "she says she will send the video to everyone unless i pay 500",
        "he keeps saying pay or everyone will see it. i already paid twice",
        "什么情况，对方说要把视频发给所有好友，让我转账两万",
        "anh ơi cứu em, có người đòi em chuyển 10 triệu không thì gửi clip cho cả nhà",
        "nó bảo không chuyển tiền thì nó gửi video cho gia đình em",
        "영상 뿌린다면서 300만원 보내라고 해요",
        "nó bảo không chuyển tiền thì sẽ gửi clip cho gia đình tôi, giờ phải làm sao",
    ] {
        let a = assess(&e, &[("victim", retold)]);
        assert!(a.tactics.iter().all(|t| t.tactic != Tactic::ThreatExposure), "{retold}: {a:#?}");
        expect_calm(&a);
    }
}

#[test]
fn a_school_year_answering_a_grade_question_is_a_childs_age() {
    let e = engine();
    for (ask, answer) in [("小妹妹你读几年级啊，长得真可爱", "初一"), ("你讀緊中幾呀？好靚女喎", "中二")]
    {
        let a = assess(&e, &[("man", ask), ("kid", answer)]);
        assert!(answered_age(&a, "kid"), "{answer}: {a:#?}");
        // A parent's answer about their child is the child's year, not the parent's.
        let a = assess(&e, &[("a", "你个仔读几年级？"), ("b", answer)]);
        assert!(a.tactics.iter().all(|t| t.tactic != Tactic::MinorIndicator || t.sender != "b"), "{a:#?}");
    }
    // The whole script, in Chinese and Cantonese.
    for script in [
        [
            "小妹妹你读几年级啊，长得真可爱",
            "初一",
            "哥哥给你发个红包，不要告诉爸爸妈妈哦，聊天记录删掉",
            "拍张穿睡衣的照片给哥哥看看",
            "周五放学我去学校门口接你",
        ],
        [
            "你讀緊中幾呀？好靚女喎",
            "中二",
            "我俾五百蚊零用錢你，唔好同屋企人講，記得delete晒啲訊息",
            "影張相俾我睇下",
            "星期五放學我嚟學校門口接你",
        ],
    ] {
        let [ask, answer, lure, photo, meet] = script;
        let a = assess(&e, &[("man", ask), ("kid", answer), ("man", lure), ("man", photo), ("man", meet)]);
        expect_script(&a, Category::Grooming, Level::Medium, "man");
        assert_eq!(a.victim.as_deref(), Some("kid"), "{a:#?}");
    }
}

#[test]
fn an_age_given_for_someone_else_is_not_the_repliers() {
    // Parents talking about their children answer with the child's age and a unit, the
    // way a child gives their own: the question tells whose age it is.
    let e = engine();
    let minor = |a: &Assessment| a.tactics.iter().any(|t| t.sender == "b" && t.tactic == Tactic::MinorIndicator);
    for (about_child, about_you, reply, next) in [
        ("아들 몇 살이에요?", "너 몇 살이야?", "13살이요", "주말에 애들 데리고 공원에서 만나요. 사진도 보내드릴게요"),
        ("你个仔今年几岁？", "你今年几岁？", "13岁", "周末带埋啲仔女出嚟见面啦"),
        ("你女兒今年幾歲？", "你今年幾歲？", "12歲啦", "星期六一齊帶小朋友去公園見面"),
        ("con chị mấy tuổi rồi?", "em mấy tuổi rồi?", "13 tuổi em ạ", "cuối tuần gặp nhau ở công viên nhé"),
        ("how old is your daughter now?", "how old are you?", "12 yo", "lets meet at the park saturday with the kids"),
    ] {
        let a = assess(&e, &[("a", about_child), ("b", reply), ("a", next)]);
        assert!(!minor(&a), "{about_child} {reply}: {a:#?}");
        expect_calm(&a);
        // Asked their own age, the same reply is the replier's.
        let a = assess(&e, &[("a", about_you), ("b", reply), ("a", next)]);
        assert!(minor(&a), "{about_you} {reply}: {a:#?}");
    }
    // A school year, asked of someone else's child, in every form it takes.
    for (about_child, about_you, reply) in [
        ("what grade is your daughter in now?", "what grade are you in?", "7th grade"),
        ("아들 몇 학년이에요?", "너 몇 학년이야?", "중1이요"),
        ("con chị học lớp mấy rồi?", "em học lớp mấy rồi?", "lớp 7 em ạ"),
        ("你个仔读几年级？", "你读几年级？", "初一"),
    ] {
        let a = assess(&e, &[("a", about_child), ("b", reply)]);
        assert!(!minor(&a), "{about_child} {reply}: {a:#?}");
        let a = assess(&e, &[("a", about_you), ("b", reply)]);
        assert!(minor(&a), "{about_you} {reply}: {a:#?}");
    }
}

#[test]
fn a_groomer_posing_as_a_teenager_is_not_a_peer() {
    let a = assess(
        &engine(),
        &[
            ("jay", "hey im 17 lol"),
            ("kim", "im 13"),
            ("jay", "ur so mature for your age. dont tell your parents about me ok"),
            ("jay", "send me a pic of you in your bra"),
        ],
    );
    expect_script(&a, Category::Grooming, Level::Medium, "jay");
}

#[test]
fn teenage_peers_flirting_stay_below_medium() {
    expect_calm(&assess(
        &engine(),
        &[
            ("a", "asl? 17 m"),
            ("b", "16 f"),
            ("a", "ur hot lol"),
            ("b", "haha thx, u r cute"),
            ("a", "wanna meet at the mall"),
        ],
    ));
}

#[test]
fn grooming_of_a_child_doing_homework_while_the_parents_are_out() {
    // No age is stated: homework, a parent's rule, a question about when the parents are
    // out, a game top-up kept secret, a picture in pyjamas.
    let e = engine();
    for (groomer, child, chat) in [
        (
            "大哥哥",
            "小雨",
            [
                "你好呀小可爱，在干嘛",
                "在写作业，妈妈说写完才能玩手机",
                "你爸妈几点下班？他们不在家的时候我们视频好不好",
                "我给你充游戏皮肤，这是我们俩的小秘密哦",
                "穿着睡衣拍一张给哥哥看看",
            ],
        ),
        (
            "哥哥",
            "仔仔",
            [
                "Hi 細路，做緊咩呀",
                "做緊功課，媽咪話做完先可以玩電話",
                "你爸爸媽媽幾點返工？佢哋唔喺屋企嘅時候我哋視像吖",
                "我幫你增值遊戲，呢個係我哋兩個嘅秘密",
                "著住睡衣影張相俾哥哥睇吓",
            ],
        ),
        (
            "오빠",
            "유나",
            [
                "안녕 귀염둥이 뭐해?",
                "숙제해요 엄마가 다 하면 폰 준대요",
                "부모님 언제 집에 없어? 그때 영상통화하자",
                "기프티콘 보내줄게 우리 둘만의 비밀이야",
                "잠옷 입은 사진 보내줘",
            ],
        ),
        (
            "anh",
            "bé",
            [
                "chào bé dễ thương, đang làm gì đó",
                "em đang làm bài tập, mẹ bảo làm xong mới được chơi điện thoại",
                "khi nào bố mẹ em đi làm? lúc đó mình gọi video nha",
                "anh nạp kim cương free fire cho em, bí mật của hai đứa mình nha",
                "mặc đồ ngủ chụp một tấm cho anh xem đi",
            ],
        ),
    ] {
        let turns: Vec<(&str, &str)> =
            chat.iter().enumerate().map(|(i, &text)| (if i == 1 { child } else { groomer }, text)).collect();
        expect_script(&assess(&e, &turns), Category::Grooming, Level::Medium, groomer);
    }
}

#[test]
fn grooming_in_chinese_korean_and_vietnamese() {
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("叔叔", "你几岁了？读几年级？"),
                ("小雨", "我13岁，读初一"),
                ("叔叔", "你好可爱，给你发红包买零食"),
                ("叔叔", "不要告诉你爸妈我们聊天"),
                ("叔叔", "发张身体照给我看看，周末出来见面我去接你"),
            ],
            "叔叔",
        ),
        (
            &[
                ("아저씨", "몇 살이야? 어느 학교 다녀?"),
                ("지민", "중2요"),
                ("아저씨", "너무 귀여워. 용돈 줄게"),
                ("아저씨", "엄마한테 말하지 마 우리만의 비밀이야"),
                ("아저씨", "몸 사진 보내줘. 주말에 만나자 데리러 갈게"),
            ],
            "아저씨",
        ),
        (
            &[
                ("chú", "em bao nhiêu tuổi, học lớp mấy?"),
                ("bé", "em 12 tuổi, học lớp 7"),
                ("chú", "em xinh quá, chú cho em tiền tiêu vặt"),
                ("chú", "đừng nói với bố mẹ nhé, giữ bí mật"),
                ("chú", "gửi ảnh nóng cho chú, mai chú đến đón em đi chơi"),
            ],
            "chú",
        ),
    ];
    for (messages, suspect) in cases {
        let a = assess(&engine(), messages);
        expect_script(&a, Category::Grooming, Level::Medium, suspect);
        assert!(a.minor, "{a:#?}");
    }
}

#[test]
fn parents_warning_children_are_left_alone() {
    let e = engine();
    expect_calm(&assess(
        &e,
        &[
            ("妈妈", "宝贝，警方提醒：有骗子让人下载陌生APP裸聊，然后威胁把视频发给通讯录的人"),
            ("妈妈", "别下载陌生APP，不要和陌生人视频，有人要钱千万不要转账"),
            ("女儿", "知道啦妈妈"),
        ],
    ));
    expect_calm(&assess(
        &e,
        &[
            (
                "dad",
                "Saw a warning from police: scammers ask kids to send nudes then threaten to send them to their contacts",
            ),
            ("dad", "If anyone asks you for pics or money, don't pay and tell me. Never install apps a stranger sends"),
            ("kid", "ok dad"),
        ],
    ));
    expect_calm(&assess(
        &e,
        &[
            ("엄마", "뉴스 봤어? 몸캠피싱 조심하세요. 모르는 사람이 앱 설치하라고 하면 절대 하지 마"),
            ("엄마", "돈 보내지 마세요. 영상 유포 협박하면 경찰에 신고하세요"),
        ],
    ));
    expect_calm(&assess(
        &e,
        &[(
            "mẹ",
            "Công an cảnh báo thủ đoạn lừa đảo: kẻ gian dụ cài app rồi đe dọa gửi video cho danh bạ. Đừng chuyển tiền nhé con",
        )],
    ));
    // No word of warning or news: only the order not to send tells it from the crime.
    expect_calm(&assess(
        &e,
        &[
            ("mom", "never send nudes to anyone. pics can end up all over the internet and go to everyone at school"),
            ("mom", "Don't share videos of yourself with people from games, they get posted online"),
            ("kid", "ok mom i know"),
        ],
    ));
    // The order governs its whole sentence: after the comma comes why.
    for (parent, warning) in [
        ("妈妈", "别把裸照发给任何人，会传到网上让所有人看到"),
        ("媽媽", "唔好send裸照俾任何人，會俾人放上網畀全世界睇"),
        ("mẹ", "Con đừng bao giờ gửi ảnh khỏa thân cho ai, nó sẽ phát tán video cho bạn bè con"),
        ("dad", "you should never send nudes to anyone, they get leaked to your whole school in a day"),
    ] {
        let a = assess(&e, &[(parent, warning), ("kid", "ok")]);
        expect_calm(&a);
        assert!(a.tactics.iter().all(|t| t.tactic != Tactic::ThreatExposure), "{warning}: {a:#?}");
    }
}

#[test]
fn a_cantonese_groomer_moving_the_chat_and_offering_money_is_named() {
    // Moving to WhatsApp ("加我whatsapp啦，呢度唔方便"), money to spend ("我俾五百蚊你買遊戲卡"),
    // and checking the child is alone ("就你一個人？") were missed in Cantonese.
    let a = assess(
        &engine(),
        &[
            ("叔叔", "你今年幾歲呀？"),
            ("妹妹", "13"),
            ("叔叔", "加我whatsapp啦，呢度唔方便"),
            ("叔叔", "我俾五百蚊你買遊戲卡"),
            ("叔叔", "你爸媽唔喺度？就你一個人？"),
            ("叔叔", "唔好話俾你阿媽知"),
        ],
    );
    expect_script(&a, Category::Grooming, Level::Medium, "叔叔");
    for (tactic, message) in
        [(Tactic::PlatformSwitch, 2), (Tactic::GiftOrMoneyOffer, 3), (Tactic::Secrecy, 4), (Tactic::Secrecy, 5)]
    {
        assert!(a.tactics.iter().any(|t| t.tactic == tactic && t.message == message), "{tactic} at {message}: {a:#?}");
    }
}

#[test]
fn the_naked_chat_script_from_opener_to_loan_in_three_languages() {
    // Opener, another app, the app that reads the contacts, undressing, the recording and
    // the contacts, the demand with the threat, and after "I have no money", a loan.
    let e = engine();
    for script in [
        [
            "靚仔，識下好唔好？",
            "我哋用呢個app視像傾啦，清楚啲",
            "撳呢條link裝咗佢先，要開通訊錄權限先用到",
            "你除咗件衫俾我睇下",
            "哈哈你條片我錄低咗，你啲fb朋友我全部都有",
            "聽日12點前過三萬蚊落呢個戶口，唔係你屋企人同同事全部都會收到你條片",
        ],
        [
            "안녕 심심해? 친구 할래?",
            "여기 말고 라인으로 옮기자",
            "이 앱 깔아야 영상통화 돼. 링크 보내줄게",
            "옷 벗고 보여줘",
            "니 연락처 다 털었다. 영상 녹화했어",
            "1시간 안에 200만원 보내라. 안보내면 지인들한테 영상 다 뿌린다. 돈 없으면 대출이라도 받아서 보내",
        ],
        [
            "chào anh, làm quen nhé",
            "qua zalo nói chuyện cho tiện",
            "anh tải app này về để gọi video nha, nhớ cho phép truy cập danh bạ",
            "anh cởi đồ ra cho em xem đi",
            "video của anh em quay lại rồi, danh bạ của anh em cũng có hết",
            "chuyển 20 triệu vào stk này trong 1 tiếng, không thì cả nhà anh sẽ được xem. không có thì đi vay mà chuyển",
        ],
    ] {
        let turns: Vec<(&str, &str)> = script.iter().map(|&text| ("x", text)).collect();
        let a = assess(&e, &turns);
        expect_script(&a, Category::Sextortion, Level::Medium, "x");
        for (tactic, message) in [
            (Tactic::Approach, 0),
            (Tactic::PlatformSwitch, 1),
            (Tactic::AppInstall, 2),
            (Tactic::ImageRequest, 3),
            (Tactic::ContactsLeverage, 4),
            (Tactic::PaymentDemand, 5),
        ] {
            assert!(
                a.tactics.iter().any(|t| t.tactic == tactic && t.message == message),
                "{}: no {tactic}: {a:#?}",
                script[message as usize]
            );
        }
    }
}

#[test]
fn the_victim_who_pleads_is_not_named() {
    for turns in [
        [
            ("x", "不想視頻被曝光就馬上轉賬五千"),
            ("victim", "我不想视频被曝光，我转账给你，求你删了"),
            ("x", "快点，不然视频发你老婆"),
        ],
        [
            ("x", "nếu không muốn clip bị phát tán thì chuyển 10 triệu vào stk này"),
            ("victim", "tôi không muốn clip bị phát tán, tôi sẽ chuyển tiền cho anh"),
            ("x", "chuyển ngay không thì tao gửi clip cho cả nhà mày"),
        ],
    ] {
        let a = assess(&engine(), &turns);
        expect_script(&a, Category::Sextortion, Level::Medium, "x");
        assert!(a.tactics.iter().all(|t| t.tactic != Tactic::ThreatExposure || t.sender == "x"), "{a:#?}");
    }
}

#[test]
fn a_cantonese_mother_leaving_money_and_the_child_alone_is_left_alone() {
    // The groomer's words in a mother's mouth: the child alone at home, money to spend.
    expect_calm(&assess(
        &engine(),
        &[
            ("媽媽", "今晚我同你爸去飲，就你一個人喺屋企，記得鎖門"),
            ("媽媽", "我俾五百蚊你買書，枱面有"),
            ("仔仔", "知道，我13歲啦唔使擔心"),
        ],
    ));
}

#[test]
fn threats_in_everyday_words_reach_the_alert() {
    // The extortioner's demand, then a threat without the usual words: putting it online, a
    // condition on the pictures, "if you don't want it spread", a deadline before the
    // victim's people see it. A lone threat stays low; with the demand it is the script.
    let e = engine();
    for (demand, threat) in [
        ("聽日之前入5000蚊落呢個戶口", "唔係你全家都會見到你條片"),
        ("你條片我錄低咗，俾三萬蚊就刪咗佢", "你唔好block我，唔系我就將你條片放上網"),
        ("给我打5000", "不然视频发你老婆"),
        ("马上转账五千", "你要是不给钱，明天你们全校都会看到你的视频"),
        ("계좌로 50만원 입금해", "영상 퍼지는 거 싫으면 빨리 보내"),
        ("오늘까지 100만원 송금해", "차단하면 몸캠 영상 바로 뿌림"),
        ("chuyển 5 triệu vào stk này", "nếu không muốn clip bị phát tán thì chuyển ngay"),
        ("chuyen 5tr vao stk nay", "video se toi tay vo con may neu may khong chuyen tien"),
        ("send $500 on cashapp", "u have 24hrs to pay before your mom sees the video"),
        // "think twice before" warns, unless what is not to be done is blocking the extortioner.
        ("pay $300 on cashapp now", "think twice before you block me, or i send the video to your family"),
    ] {
        let a = assess(&e, &[("x", demand), ("victim", "?"), ("x", threat)]);
        expect_script(&a, Category::Sextortion, Level::Medium, "x");
        assert!(a.tactics.iter().any(|t| t.tactic == Tactic::ThreatExposure && t.message == 2), "{threat}: {a:#?}");
    }
    // A parent who tells a child to think first is no extortioner.
    expect_calm(&assess(
        &e,
        &[("mom", "think before you send nudes, your parents could see the pics one day"), ("kid", "ok")],
    ));
}

#[test]
fn every_payment_brings_another_demand_in_every_language() {
    // The victim pays ("sent", "付了", "chuyển rồi", "보냈어요") and the extortioner asks
    // again, for a boss's fee or a last payment.
    let e = engine();
    for script in [
        [
            "I have your video. pay $300 to my cashapp $lilmiss22 or it goes to all ur contacts",
            "sent. please delete it, i sent it",
            "my boss wants 200 more. then i delete",
            "done, i sent it",
            "last one, 500 in bitcoin and we are done",
        ],
        [
            "视频在我手上，扫这个微信二维码付三千，不然发给你通讯录",
            "付了，求你删了吧",
            "我老板说还要交两千手续费才能删",
            "已经转了",
            "最后一次，再转五千就彻底删除",
        ],
        [
            "video của mày tao giữ rồi, quét mã QR momo chuyển 5 triệu không thì tao gửi cho cả danh bạ",
            "em chuyển rồi, xóa giúp em",
            "sếp tao bảo phải thêm 3 triệu phí xóa",
            "em gửi rồi",
            "lần cuối, thêm 5 triệu là xong",
        ],
        [
            "영상 가지고 있다. 카카오페이로 100만원 보내 안 보내면 연락처에 다 뿌린다",
            "보냈어요 지워주세요",
            "팀장님이 삭제비 50만원 더 내래",
            "입금했습니다",
            "마지막으로 100만원만 더 보내면 끝",
        ],
    ] {
        let turns: Vec<(&str, &str)> =
            script.iter().enumerate().map(|(i, &text)| (if i % 2 == 0 { "x" } else { "victim" }, text)).collect();
        let a = assess(&e, &turns);
        expect_script(&a, Category::Sextortion, Level::High, "x");
        for message in [2, 4] {
            assert!(
                a.tactics.iter().any(|t| t.tactic == Tactic::RepeatDemand && t.message == message),
                "{}: no repeat demand at message {message}: {a:#?}",
                script[message as usize]
            );
        }
    }
}

#[test]
fn sextortion_threats_against_the_victims_wife_colleagues_and_the_whole_world() {
    let e = engine();
    let a = assess(
        &e,
        &[
            ("Linh", "chào anh, kết bạn zalo nhé"),
            ("Linh", "anh tải app này về mình gọi video cho vui"),
            ("Linh", "em đã quay lại video rồi, danh bạ của anh em cũng có"),
            ("Linh", "chuyển khoản 20 triệu vào tài khoản này, không thì em gửi video cho vợ con và đồng nghiệp anh"),
            ("Minh", "anh chuyển rồi"),
            ("Linh", "chưa đủ, chuyển thêm 10 triệu nữa"),
        ],
    );
    expect_script(&a, Category::Sextortion, Level::High, "Linh");
    assert!(a.tactics.iter().any(|t| t.tactic == Tactic::ThreatExposure && t.quote.contains("vợ con")), "{a:#?}");
    let a = assess(
        &e,
        &[
            ("Kelly", "你條片我已經save咗，你啲fb朋友我全部都搵到"),
            ("Kelly", "過數一萬蚊去呢個戶口，唔過就放上網俾全世界睇"),
            ("Ken", "過咗數喇"),
            ("Kelly", "收到，仲要多五千先刪片"),
        ],
    );
    expect_script(&a, Category::Sextortion, Level::High, "Kelly");
    let a = assess(
        &e,
        &[
            ("jess", "u have a nice body, lets video call on this app instead"),
            ("jess", "i screen recorded it all. pay now or the video goes to all your friends"),
            ("jess", "tick tock. 30 mins"),
        ],
    );
    expect_script(&a, Category::Sextortion, Level::Medium, "jess");
    assert!(a.tactics.iter().any(|t| t.tactic == Tactic::ThreatExposure), "{a:#?}");
}

#[test]
fn news_about_sextortion_is_not_sextortion() {
    let e = engine();
    expect_calm(&assess(
        &e,
        &[(
            "news",
            "Police warn that sextortion gangs ask victims to install a video app, record them naked and threaten to send the video to their contacts unless they pay.",
        )],
    ));
    expect_calm(&assess(
        &e,
        &[(
            "新闻",
            "据报道，裸聊敲诈案件频发，犯罪分子诱导受害人下载APP，录制视频后威胁发给亲友，要求转账。警方提醒切勿转账。",
        )],
    ));
}

#[test]
fn a_news_report_told_over_several_messages_is_not_sextortion() {
    expect_calm(&assess(
        &engine(),
        &[
            ("newsdesk", "Police warn of a rise in sextortion: the gang poses as young women on dating apps."),
            ("newsdesk", "They ask men to download a video chat app, which copies the contact list."),
            (
                "newsdesk",
                "Then they threaten to send the video to the contacts and demand $5,000 in bitcoin within 24 hours.",
            ),
            ("reader", "scary"),
        ],
    ));
}

#[test]
fn news_in_korean_and_vietnamese_is_not_sextortion() {
    let e = engine();
    expect_calm(&assess(
        &e,
        &[(
            "뉴스",
            "경찰청에 따르면 몸캠피싱 일당이 앱 설치를 유도한 뒤 영상을 녹화하고 지인들에게 유포하겠다고 협박해 돈을 뜯어냈다. 피의자 5명이 검거됐다.",
        )],
    ));
    expect_calm(&assess(
        &e,
        &[(
            "báo",
            "Theo cơ quan công an, băng nhóm lừa đảo dụ nạn nhân cài app, quay video khỏa thân rồi đe dọa gửi cho gia đình và bạn bè để tống tiền. 6 đối tượng đã bị bắt.",
        )],
    ));
}

#[test]
fn a_tutor_asking_for_fees_by_qr_is_not_extortion() {
    let e = engine();
    expect_calm(&assess(
        &e,
        &[
            ("陈老师", "家长您好，本月补习费1200元，请扫码转账"),
            ("家长", "好的，已转"),
            ("陈老师", "收到，谢谢！下周二四点上课，请准时"),
        ],
    ));
    expect_calm(&assess(
        &e,
        &[
            ("tutor", "Hi, this month's tuition is $240, you can pay by the QR code or bank transfer"),
            ("parent", "paid, thanks"),
            ("tutor", "Received. See you Tuesday, please be on time"),
        ],
    ));
}

#[test]
fn adults_flirting_and_one_risky_word_stay_low() {
    let e = engine();
    expect_calm(&assess(
        &e,
        &[
            ("sam", "you looked gorgeous tonight"),
            ("alex", "you're sweet. last night was fun"),
            ("sam", "come over later? I'll bring wine"),
            ("alex", "sure, send me a nude first haha"),
            ("sam", "lol later"),
        ],
    ));
    expect_calm(&assess(
        &e,
        &[
            ("jo", "my mom works in town so I'll see her first, then come over?"),
            ("lee", "sure babe, I can't drive tonight anyway. my mom said hi, chores first"),
            ("jo", "can't wait to see you in bed later"),
        ],
    ));
    expect_calm(&assess(&e, &[("a", "that statue is a nude by Rodin"), ("b", "nice")]));
    expect_calm(&assess(
        &e,
        &[("小林", "亲爱的，好想你，周末去酒店吃饭？"), ("小雪", "好呀，我也想你"), ("小林", "你今天好性感")],
    ));
    expect_calm(&assess(
        &e,
        &[
            ("준호", "자기야 보고 싶어, 주말에 만나자"),
            ("서연", "나도 보고싶어. 호텔 뷔페 어때?"),
            ("준호", "좋아 사랑해"),
        ],
    ));
    expect_calm(&assess(
        &e,
        &[("Tuấn", "anh nhớ em quá, cuối tuần mình đi chơi nhé"), ("Mai", "dạ, em cũng nhớ anh"), ("Tuấn", "yêu em")],
    ));
    expect_calm(&assess(
        &e,
        &[("阿明", "你好靓，我中学同学介绍嘅，今晚出嚟见面？"), ("阿欣", "好呀，去酒店饮嘢先"), ("阿明", "宝贝，想你")],
    ));
    expect_calm(&assess(&e, &[("老板", "工资已经转账了，查收一下")]));
    expect_calm(&assess(
        &e,
        &[
            (
                "cô Hoa",
                "Chào phụ huynh, học phí tháng này là 1.200.000 đồng, anh chị quét mã QR hoặc chuyển khoản giúp cô nhé",
            ),
            ("phụ huynh", "Dạ, đã chuyển rồi ạ"),
        ],
    ));
    expect_calm(&assess(&e, &[("친구", "어제 돈 보냈어? 계좌로 입금해줘")]));
}

#[test]
fn advisory_words_in_the_extortioners_mouth_are_no_advice() {
    // Advisory words in the crime's own mouth: "not a scam", "last warning", "the police
    // can't help you", a payee handle with "scam" in it.
    let e = engine();
    let leverage = ("x", "I recorded you and I have your contacts");
    for denial in [
        "this is not a scam. pay $500 or i send the video to all your friends",
        "dont think im a scammer, i will really send the video to your family if you dont pay",
        "我不是骗子，不给钱就把视频发给你家人",
        "사기 아니야. 돈 안 보내면 영상 지인들한테 다 뿌린다",
        "đây không phải lừa đảo, không chuyển tiền tao gửi video cho gia đình mày",
        "last warning. pay $500 or i send the video to all ur friends",
        "im warning you. pay $500 or i send the video to all ur friends",
        "report it to the police and i send the video to all ur friends. pay $500 now",
        "pay $500 to cashapp $scamking99 or i send the video to all ur friends",
        "send $500 to paypal scammer_hunter@example.com or i send the video to all ur friends",
        "报警也没用，警方不会管你，不给钱就把视频发给你所有朋友",
        "報警都冇用，唔俾錢就將段片發晒俾你屋企人同朋友",
        "마지막 경고다. 돈 안 보내면 지인들한테 영상 뿌린다",
        "경찰에 신고해도 소용없어. 돈 안 보내면 지인들한테 영상 뿌린다",
        "cảnh báo lần cuối, không chuyển tiền tao gửi clip cho gia đình mày",
        "bao cong an cung vo ich, khong chuyen tien tao gui clip cho gia dinh may",
        // Orders not to go to the police.
        "你不要报警，我会把视频发给你所有朋友，马上转账5000",
        "唔好報警，唔俾錢就將段片發晒俾你屋企人",
        "em không được báo công an, chuyển 5 triệu không thì anh sẽ gửi clip cho bạn bè em",
        "경찰에 신고하지 마. 돈 안 보내면 지인들한테 영상 뿌린다",
    ] {
        let a = assess(&e, &[leverage, ("x", denial)]);
        assert_eq!(a.category, Category::Sextortion, "{denial}: {a:#?}");
        assert!(a.level >= Level::Medium, "{denial}: {a:#?}");
        assert!(a.tactics.iter().any(|t| t.message == 1 && t.tactic == Tactic::ThreatExposure), "{denial}: {a:#?}");
    }
    // A warning that quotes the denial, names the police or warns is still a warning, in
    // every language.
    for news in [
        "Scammers often claim it is not a scam and threaten to send the video to your family unless you pay",
        "警方提醒：骗子会说“我不是骗子”，然后威胁不给钱就把视频发给你的家人",
        "경찰은 범인이 '사기 아니야'라고 하면서 돈 안 보내면 영상을 지인들한테 뿌린다고 협박한다고 경고했다",
        "Công an cảnh báo: đối tượng nói 'đây không phải lừa đảo' rồi đe dọa gửi video cho gia đình nạn nhân",
        "he threatened to send the video to all your friends? report it to the police, dont pay",
        "I'm warning you: if anyone threatens to send your pics to your friends, tell me and never pay",
        "if someone says they will send your video to your family unless you pay, report it to the police",
        "Read the warning on scamwatch: they threaten to send the video to your contacts",
        "他说要把视频发给你所有朋友？别转账，快去报警",
        "영상 뿌린다고 협박하면 돈 보내지 말고 경찰에 신고하세요",
        "nó đòi gửi clip cho bố mẹ bạn à? đừng chuyển tiền, báo công an đi",
    ] {
        let a = assess(&e, &[("news", news)]);
        expect_calm(&a);
        assert!(a.tactics.iter().all(|t| t.tactic != Tactic::ThreatExposure), "{news}: {a:#?}");
    }
}

#[test]
fn deadlines_sums_and_family_videos_in_everyday_chat_stay_calm() {
    let e = engine();
    for chat in [
        &[("a", "hurry up or your family will see the wedding video before you lol"), ("b", "haha ok")][..],
        &[("shop", "Pay now or everyone gets the photos before you! Order our photo book today")],
        &[("a", "you have 2 days left of vacation, enjoy"), ("b", "can you send 20 more flyers?")],
        &[("bank", "Quy khach da chuyen 500k toi TK 0123456789 thanh cong")],
        &[("mẹ", "con chuyển 2 triệu cho mẹ nhé, mẹ gửi ảnh cho cả nhà rồi")],
        &[("a", "anh gui video cho nha may kiem tra giup em")],
        &[("a", "mọi người đăng ảnh đám cưới lên fb nhé"), ("b", "ai chưa gửi tiền mừng thì chuyển khoản cho em nhé")],
        &[("婆婆", "我發咗段片俾屋企人睇，婆婆生日好開心")],
        &[
            (
                "coach",
                "Hi team, practice photos will be posted on the club facebook. Parents: pay the $50 fee by Friday, QR code attached",
            ),
            ("coach", "reminder: kids under 12 need a parent at the tournament. dont forget to pay"),
        ],
    ] {
        expect_calm(&assess(&e, chat));
    }
}

#[test]
fn a_threat_with_a_negated_payment_still_counts() {
    let a = assess(
        &engine(),
        &[
            ("x", "I have your video and your contact list"),
            ("x", "if you don't pay I will send the video to your family"),
        ],
    );
    assert_eq!(a.category, Category::Sextortion);
    assert!(a.stages.contains(&Tactic::PaymentDemand), "{a:#?}");
}

#[test]
fn a_threat_does_not_bring_back_a_negation_someone_else_said() {
    // The quote's "don't download the app" is a warning the writer retells; the threat
    // after it restores the writer's own negated words, never the quote's.
    let threat = "if you don't pay i will send the video to your family";
    let quoted = format!("she said, \"don't download the app\" lol. {threat}");
    let a = assess(&engine(), &[("x", "I have your video and your contact list"), ("x", &quoted)]);
    assert_eq!(a.category, Category::Sextortion, "{a:#?}");
    assert!(a.stages.contains(&Tactic::PaymentDemand), "{a:#?}");
    assert!(!a.stages.contains(&Tactic::AppInstall), "{a:#?}");
    // Unquoted, the same negated words are the writer's and come back with the threat.
    let own = format!("don't download the app lol. {threat}");
    let a = assess(&engine(), &[("x", "I have your video and your contact list"), ("x", &own)]);
    assert!(a.stages.contains(&Tactic::AppInstall), "{a:#?}");
}

#[test]
fn evidence_spans_point_into_the_original_text() {
    let text = "Ｉ ｈａｖｅ your c0ntacts. pay or I'll s e n d the video to your f4mily";
    let a = assess(&engine(), &[("x", text)]);
    assert!(!a.tactics.is_empty());
    for e in &a.tactics {
        assert_eq!(&text[e.start as usize..e.end as usize], e.quote);
    }
}

#[test]
fn memory_stays_bounded_on_long_conversations() {
    let e = engine();
    let mut conv = e.conversation();
    for i in 0..20_000 {
        let sender = format!("user{}", i % 300);
        conv.push(&Message::new(&sender, "hey cutie how old are you? send nudes, i recorded you"));
    }
    let a = conv.assessment("long");
    // At most 256 senders × 16 tactics × 3 quotes.
    assert!(a.tactics.len() <= 256 * 16 * 3);
    assert!(a.tactics.iter().any(|t| t.sender == "(other senders)"));
    assert_eq!(a.messages, 20_000);
    let bytes = conv.state_bytes();
    for _ in 0..20_000 {
        conv.push(&Message::new("user7", "hey cutie how old are you? send nudes, i recorded you"));
    }
    assert_eq!(conv.state_bytes(), bytes, "state grew with the number of messages");
}
