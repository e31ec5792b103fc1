//! `lurewatch user add` and `lurewatch audit verify` on a real SQLite database.

use std::io::Write;
use std::process::{Command, Stdio};

fn lurewatch() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lurewatch"));
    c.env_remove("LUREWATCH_DATABASE_URL");
    c
}

fn add(dir: &std::path::Path, name: &str, role: &str, password: &str) -> std::process::Output {
    let mut child = lurewatch()
        .args(["user", "add", name, "--role", role, "--data-dir"])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn analysts_are_added_once_and_every_addition_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let out = add(dir.path(), "mei.chan", "supervisor", "a long enough password");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = add(dir.path(), "mei.chan", "admin", "another long password");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    let short = add(dir.path(), "kim", "analyst", "short");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let role = add(dir.path(), "kim", "boss", "a long enough password");
    assert_eq!(role.status.code(), Some(2));

    let out = lurewatch().args(["audit", "verify", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "audit log intact: 1 entries");
    // The password is stored only as an Argon2id hash.
    let db = std::fs::read(dir.path().join("lurewatch.sqlite")).unwrap();
    let wal = std::fs::read(dir.path().join("lurewatch.sqlite-wal")).unwrap_or_default();
    let text = String::from_utf8_lossy(&[db, wal].concat()).into_owned();
    assert!(!text.contains("a long enough password") && text.contains("$argon2id$"));
}
