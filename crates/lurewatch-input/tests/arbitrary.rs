//! Every reader on arbitrary and hostile bytes: no panic, every conversation that begins
//! ends, and nothing valid around a bad record is lost.

use lurewatch_input::{Collected, Format, collect};
use proptest::prelude::*;

fn read(format: Format, input: &[u8]) -> Collected {
    let mut out = Collected::default();
    lurewatch_input::read(format, "x", input, &mut out).expect("reading a slice cannot fail");
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn readers_never_panic_on_bytes(data in prop::collection::vec(any::<u8>(), 0..600), pick in 0usize..7) {
        let out = read(Format::ALL[pick], &data);
        prop_assert!(out.conversations.iter().all(|c| c.ended));
        let (_, out) = collect("x", &data);
        prop_assert!(out.conversations.iter().all(|c| c.ended));
    }

    #[test]
    fn readers_never_panic_on_near_valid_text(
        lines in prop::collection::vec(prop_oneof![
            Just(r#"{"id":"a","messages":[{"sender":"s","text":"hi"}]}"#.to_owned()),
            Just(r#"{"conversation":"c","sender":"s","text":"hi"}"#.to_owned()),
            Just("<conversations><conversation id=\"x\"><message><author>a</author><text>t</text></message>".to_owned()),
            Just("12/31/20, 9:15 PM - A: hi".to_owned()),
            Just("21:15\tKen\thello".to_owned()),
            Just("2024년 1월 5일 오후 9:15, 민수 : 안녕".to_owned()),
            "\\PC{0,40}",
        ], 0..12),
        pick in 0usize..7,
    ) {
        let input = lines.join("\n");
        let out = read(Format::ALL[pick], input.as_bytes());
        prop_assert!(out.conversations.iter().all(|c| c.ended));
    }
}

#[test]
fn a_huge_line_is_skipped_and_the_next_one_read() {
    let mut input = Vec::new();
    input.extend_from_slice(br#"{"id":"big","messages":[{"sender":"s","text":""#);
    input.resize(input.len() + lurewatch_input::MAX_LINE + 10, b'a');
    input.extend_from_slice(b"\"}]}\n");
    input.extend_from_slice(br#"{"id":"small","messages":[{"sender":"s","text":"hi"}]}"#);
    let out = read(Format::Conversations, &input);
    assert_eq!(out.conversations.len(), 1);
    assert_eq!(out.conversations[0].id, "small");
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].message.contains("longer than"), "{}", out.errors[0]);
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let nested = format!("{{\"id\":\"n\",\"messages\":{}{}}}\n", "[".repeat(100_000), "]".repeat(100_000));
    let out = read(Format::Conversations, nested.as_bytes());
    assert!(out.conversations.is_empty());
    assert_eq!(out.errors.len(), 1);
}
