//! Apps from anyone: any bytes are triaged or refused with an error, never a panic, and
//! within the inflation budget (zip bombs, lying headers, broken binary XML).

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static KNOWN: LazyLock<lurewatch_apk::Known> = LazyLock::new(lurewatch_apk::Known::shipped);
static ENGINE: LazyLock<lurewatch_core::Engine> = LazyLock::new(lurewatch_core::Engine::new);

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.apk");
    std::fs::write(&path, data).unwrap();
    let limits = lurewatch_apk::Limits { max_manifest: 1 << 20, max_resources: 4 << 20, max_code: 16 << 20, ..Default::default() };
    if let Ok(t) = lurewatch_apk::triage(&path, &KNOWN, &ENGINE, &limits) {
        assert_eq!(t.size, data.len() as u64);
        assert!(t.endpoints.len() <= 200);
    }
});
