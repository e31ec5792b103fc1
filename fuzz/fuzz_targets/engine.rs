//! Normalisation and the engine on arbitrary text: idempotent normalisation, evidence and
//! indicator spans inside the original text.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use lurewatch_core::normalize::normalize;
use lurewatch_core::{Engine, Message};

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::new);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let once = normalize(&text);
    assert_eq!(normalize(&once), once);
    let messages: Vec<&str> = text.split('\n').collect();
    let a = ENGINE.assess("fuzz", messages.iter().enumerate().map(|(i, t)| Message::new(if i % 2 == 0 { "a" } else { "b" }, t)));
    for e in &a.tactics {
        let original = messages[e.message as usize];
        assert!(original.is_char_boundary(e.start as usize) && original.is_char_boundary(e.end as usize));
        assert!(original[e.start as usize..e.end as usize].starts_with(&e.quote));
    }
    for i in &a.indicators {
        let original = messages[i.message as usize];
        let (start, end) = (i.found.start as usize, i.found.end as usize);
        assert!(start <= end && original.is_char_boundary(start) && original.is_char_boundary(end));
        assert!(original[start..end].starts_with(&i.raw));
    }
});
