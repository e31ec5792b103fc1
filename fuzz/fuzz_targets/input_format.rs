//! Every reader, chosen by the first byte, on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lurewatch_input::{Collected, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let format = Format::ALL[pick as usize % Format::ALL.len()];
    let mut out = Collected::default();
    lurewatch_input::read(format, "fuzz", rest, &mut out).expect("reading a slice cannot fail");
    assert!(out.conversations.iter().all(|c| c.ended));
});
