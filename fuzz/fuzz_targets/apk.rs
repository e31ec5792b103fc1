//! Apps from anyone: any bytes are triaged or refused with an error, never a panic, and
//! within the inflation budget (zip bombs, lying headers, broken binary XML).

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static KNOWN: LazyLock<lurewatch_apk::Known> = LazyLock::new(lurewatch_apk::Known::shipped);
static ENGINE: LazyLock<lurewatch_core::Engine> = LazyLock::new(lurewatch_core::Engine::new);

fuzz_target!(|data: &[u8]| {
    // Triage catches panics inside the parser and reports the file as unreadable; the
    // fuzzer's abort-on-panic hook would hide that. What must never happen is a panic
    // escaping triage, which still aborts: the assertion below runs outside the guard.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.apk");
    std::fs::write(&path, data).unwrap();
    let limits = lurewatch_apk::Limits { max_manifest: 1 << 20, max_resources: 4 << 20, max_code: 16 << 20, ..Default::default() };
    let result = std::panic::catch_unwind(|| lurewatch_apk::triage(&path, &KNOWN, &ENGINE, &limits));
    match result {
        Ok(Ok(t)) => {
            assert!(t.size == data.len() as u64 && t.endpoints.len() <= 200);
        }
        Ok(Err(_)) => {}
        Err(_) => std::process::abort(),
    }
});
