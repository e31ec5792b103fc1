//! Format detection and reading of arbitrary bytes: must never panic, and every
//! conversation that begins must end.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_, out) = lurewatch_input::collect("fuzz", data);
    assert!(out.conversations.iter().all(|c| c.ended));
});
