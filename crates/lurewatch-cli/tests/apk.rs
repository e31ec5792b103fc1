//! `lurewatch apk` on real APK files built with Debian's `aapt`: output and exit codes.

use std::path::Path;
use std::process::Command;

fn lurewatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lurewatch"))
}

fn build(dir: &Path, package: &str, label: &str, permissions: &[&str]) -> std::path::PathBuf {
    let work = dir.join(package);
    std::fs::create_dir_all(work.join("res/values")).unwrap();
    let uses: String = permissions.iter().map(|p| format!("<uses-permission android:name=\"{p}\"/>")).collect();
    std::fs::write(
        work.join("AndroidManifest.xml"),
        format!(
            "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"{package}\">{uses}\
             <application android:label=\"@string/app_name\"/></manifest>"
        ),
    )
    .unwrap();
    std::fs::write(
        work.join("res/values/strings.xml"),
        format!("<resources><string name=\"app_name\">{label}</string></resources>"),
    )
    .unwrap();
    let apk = dir.join(format!("{package}.apk"));
    let status = Command::new("aapt")
        .args(["package", "-f", "-M"])
        .arg(work.join("AndroidManifest.xml"))
        .arg("-S")
        .arg(work.join("res"))
        .args(["-I", "/usr/share/android-framework-res/framework-res.apk", "-F"])
        .arg(&apk)
        .status()
        .expect("aapt (Debian packages aapt and android-framework-res)");
    assert!(status.success());
    apk
}

#[test]
fn apk_prints_the_verdict_and_exits_as_scan_does() {
    let dir = tempfile::tempdir().unwrap();
    let calculator = build(dir.path(), "org.example.calculator", "Calculator", &["android.permission.INTERNET"]);
    let chat = build(
        dir.path(),
        "com.sweetlive.videochat",
        "영상 채팅",
        &["android.permission.READ_CONTACTS", "android.permission.READ_CALL_LOG"],
    );

    let out = lurewatch().arg("apk").arg(&calculator).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Calculator (org.example.calculator)"));

    let out = lurewatch().args(["apk", "--format", "json"]).arg(&calculator).arg(&chat).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["package"], "com.sweetlive.videochat");
    assert_eq!(lines[1]["label"], "영상 채팅");
    assert_eq!(lines[1]["level"], "high");
    assert_eq!(lines[1]["reasons"][0]["code"], "chat_app_reads_personal_data");

    // The user's own known-bad list.
    let mine = dir.path().join("gang.yaml");
    std::fs::write(&mine, "- name: GangChat\n  packages: [org.example.calculator]\n").unwrap();
    let out = lurewatch().arg("apk").arg(&calculator).arg("--known-bad").arg(&mine).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("GangChat"));

    let junk = dir.path().join("junk.apk");
    std::fs::write(&junk, b"PK\x03\x04 not really").unwrap();
    let out = lurewatch().arg("apk").arg(&junk).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.apk"));
}
