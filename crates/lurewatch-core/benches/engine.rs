//! Hot paths: normalisation, the lexicon scan and a whole conversation, on text written like
//! the chats lurewatch reads (no corpus is needed to run these).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lurewatch_core::lexicon::{Lexicon, MessageMatches};
use lurewatch_core::normalize::Normalized;
use lurewatch_core::{Engine, Message};

const MESSAGES: &[(&str, &str)] = &[
    ("a", "hey cutie, saw your profile, wanna be friends?"),
    ("b", "lol who is this"),
    ("a", "typing is slow, download this app so we can video call"),
    ("b", "ok"),
    ("a", "小哥哥在干嘛？打字太慢了，下载这个app我们视频聊"),
    ("b", "好的"),
    ("a", "你啲相同片我已經錄咗，你的通訊錄我都有"),
    ("a", "영상 녹화했어. 니 주소록도 다 있어"),
    ("a", "chuyển khoản 20 triệu ngay lập tức nếu không tao sẽ gửi video cho gia đình mày"),
    ("b", "what? please dont do this, i am only 15"),
    ("a", "pay $500 in bitcoin or I will send the video to your family. you have 24 hours"),
    ("b", "ok i paid"),
    ("a", "not enough. send another $300 now"),
    ("b", "see you at school tomorrow, bring the notes for maths"),
];

fn bytes() -> u64 {
    MESSAGES.iter().map(|(_, t)| t.len() as u64).sum()
}

fn normalize(c: &mut Criterion) {
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(bytes()));
    let mut n = Normalized::new();
    g.bench_function("mixed messages", |b| {
        b.iter(|| {
            for (_, t) in MESSAGES {
                n.normalize(black_box(t));
            }
        })
    });
    g.finish();
}

fn scan(c: &mut Criterion) {
    let lexicon = Lexicon::default_lexicon();
    let mut g = c.benchmark_group("lexicon");
    g.throughput(Throughput::Bytes(bytes()));
    let normalized: Vec<(Normalized, &str)> = MESSAGES
        .iter()
        .map(|&(_, t)| {
            let mut n = Normalized::new();
            n.normalize(t);
            (n, t)
        })
        .collect();
    let mut m = MessageMatches::default();
    g.bench_function("scan mixed messages", |b| {
        b.iter(|| {
            for (n, t) in &normalized {
                lexicon.scan(black_box(n), t, &mut m);
            }
        })
    });
    g.finish();
}

fn conversation(c: &mut Criterion) {
    let engine = Engine::new();
    let mut g = c.benchmark_group("conversation");
    g.throughput(Throughput::Elements(MESSAGES.len() as u64));
    g.bench_function("push 14 messages", |b| {
        b.iter(|| {
            let mut conv = engine.conversation();
            for (s, t) in MESSAGES {
                black_box(conv.push(&Message::new(s, t)));
            }
            conv.snapshot()
        })
    });
    g.bench_function("push 14 messages and assess", |b| {
        b.iter(|| {
            let mut conv = engine.conversation();
            for (s, t) in MESSAGES {
                conv.push(&Message::new(s, t));
            }
            conv.assessment("bench")
        })
    });
    // The longest conversations have thousands of messages: cost per message must not grow.
    let long: Vec<(&str, &str)> = MESSAGES.iter().cycle().take(5_000).copied().collect();
    g.throughput(Throughput::Elements(long.len() as u64));
    g.bench_function("push 5000 messages", |b| {
        b.iter(|| {
            let mut conv = engine.conversation();
            for (s, t) in &long {
                conv.push(&Message::new(s, t));
            }
            conv.snapshot()
        })
    });
    // Hostile input: a megabyte of negated hits must stay linear.
    let hostile = "dont pay ".repeat(110_000);
    g.throughput(Throughput::Bytes(hostile.len() as u64));
    g.bench_function("one 1 MB message of negated hits", |b| {
        b.iter(|| {
            let mut conv = engine.conversation();
            conv.push(&Message::new("x", &hostile))
        })
    });
    g.finish();
    let mut g = c.benchmark_group("engine");
    g.bench_function("build with shipped lexicons", |b| b.iter(Engine::new));
    g.finish();
}

criterion_group!(benches, normalize, scan, conversation);
criterion_main!(benches);
