//! Triage of real APK files built here with Debian's `aapt` and signed with `apksigner`
//! (packages `aapt`, `apksigner`, `android-framework-res`; `.ci/run` installs them): a
//! benign calculator, the script's "video chat" app, an app under a listed stalkerware
//! package name, bundles, and hostile archives.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use lurewatch_apk::{ApkError, Known, Limits, triage};
use lurewatch_core::{Engine, Level};

const FRAMEWORK: &str = "/usr/share/android-framework-res/framework-res.apk";

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (install aapt, apksigner, android-framework-res)"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A keystore with one RSA key; its certificate's SHA-256 as apksigner prints it.
fn keystore(dir: &Path) -> PathBuf {
    let ks = dir.join("signing.jks");
    if !ks.exists() {
        run(Command::new("keytool").args(["-genkeypair", "-keystore"]).arg(&ks).args([
            "-storepass",
            "lurewatch",
            "-keypass",
            "lurewatch",
            "-alias",
            "k",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-validity",
            "3650",
            "-dname",
            "CN=Test Signer, O=lurewatch tests",
        ]));
    }
    ks
}

/// Builds and signs an APK with this package, label and permissions; `code` goes into
/// `classes.dex` (bytes with the strings an app's code would hold).
fn build(dir: &Path, name: &str, package: &str, label: &str, permissions: &[&str], code: &[u8]) -> PathBuf {
    let work = dir.join(name);
    std::fs::create_dir_all(work.join("res/values")).unwrap();
    let uses: String = permissions.iter().map(|p| format!("  <uses-permission android:name=\"{p}\"/>\n")).collect();
    std::fs::write(
        work.join("AndroidManifest.xml"),
        format!(
            "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"{package}\" \
             android:versionCode=\"7\" android:versionName=\"2.1\">\n  <uses-sdk android:minSdkVersion=\"21\" \
             android:targetSdkVersion=\"30\"/>\n{uses}  <application android:label=\"@string/app_name\">\n    \
             <activity android:name=\".Main\"><intent-filter><action android:name=\"android.intent.action.MAIN\"/>\
             <category android:name=\"android.intent.category.LAUNCHER\"/></intent-filter></activity>\n  \
             </application>\n</manifest>\n"
        ),
    )
    .unwrap();
    std::fs::write(
        work.join("res/values/strings.xml"),
        format!("<resources><string name=\"app_name\">{label}</string></resources>\n"),
    )
    .unwrap();
    let unsigned = work.join("unsigned.apk");
    run(Command::new("aapt")
        .args(["package", "-f", "-M"])
        .arg(work.join("AndroidManifest.xml"))
        .arg("-S")
        .arg(work.join("res"))
        .args(["-I", FRAMEWORK, "-F"])
        .arg(&unsigned));
    let mut dex = b"dex\n035\0".to_vec();
    dex.extend_from_slice(&[0; 104]);
    dex.extend_from_slice(code);
    std::fs::write(work.join("classes.dex"), dex).unwrap();
    run(Command::new("aapt").current_dir(&work).args(["add", "unsigned.apk", "classes.dex"]));
    let signed = dir.join(format!("{name}.apk"));
    run(Command::new("apksigner")
        .args(["sign", "--ks"])
        .arg(keystore(dir))
        .args(["--ks-pass", "pass:lurewatch", "--out"])
        .arg(&signed)
        .arg(&unsigned));
    signed
}

fn certificate_sha256(apk: &Path) -> String {
    let out = run(Command::new("apksigner").args(["verify", "--print-certs"]).arg(apk));
    let line = out.lines().find(|l| l.contains("certificate SHA-256 digest:")).expect("apksigner prints the digest");
    line.rsplit(':').next().unwrap().trim().to_ascii_uppercase()
}

fn engine() -> Engine {
    Engine::new()
}

#[test]
fn a_calculator_is_read_whole_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let apk = build(
        dir.path(),
        "calculator",
        "org.example.calculator",
        "Calculator",
        &["android.permission.INTERNET"],
        b"\0https://www.w3.org/2000/svg\0",
    );
    let t = triage(&apk, &Known::shipped(), &engine(), &Limits::default()).unwrap();
    assert_eq!(t.package.as_deref(), Some("org.example.calculator"));
    assert_eq!(t.label.as_deref(), Some("Calculator"), "the label comes from the resources");
    assert_eq!((t.version_name.as_deref(), t.version_code.as_deref()), (Some("2.1"), Some("7")));
    assert_eq!((t.min_sdk.as_deref(), t.target_sdk), (Some("21"), 30));
    assert_eq!(t.permissions.len(), 1);
    assert_eq!(t.permissions[0].risk, "normal");
    assert_eq!(t.components.activities, 1);
    assert_eq!(t.certificates.len(), 1);
    assert_eq!(t.certificates[0].sha256, certificate_sha256(&apk), "the fingerprint agrees with apksigner");
    assert!(t.certificates[0].schemes.iter().any(|s| s == "v2"), "{:?}", t.certificates[0].schemes);
    assert!(t.certificates[0].subject.contains("Test Signer"));
    assert!(t.endpoints.is_empty(), "namespaces are not endpoints: {:?}", t.endpoints);
    assert_eq!(t.level, Level::None, "{:?}", t.reasons);
    assert_eq!(t.sha256.len(), 64);
}

#[test]
fn the_video_chat_app_that_reads_contacts_and_sms_is_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let code = b"\0\x1chttps://upload.contact-sync.example.com/api/v2\0\x12http://45.77.12.34:8080/c\0";
    let permissions = [
        "android.permission.INTERNET",
        "android.permission.READ_CONTACTS",
        "android.permission.READ_SMS",
        "android.permission.READ_CALL_LOG",
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.CAMERA",
    ];
    let apk = build(dir.path(), "videochat", "com.sweetlive.videochat", "視頻聊天 Live", &permissions, code);
    let t = triage(&apk, &Known::shipped(), &engine(), &Limits::default()).unwrap();
    assert_eq!(t.label.as_deref(), Some("視頻聊天 Live"));
    assert_eq!(t.level, Level::High, "{:?}", t.reasons);
    assert!(t.reasons.iter().any(|r| r.code == "chat_app_reads_personal_data"));
    let contacts = t.permissions.iter().find(|p| p.name.ends_with("READ_CONTACTS")).unwrap();
    assert_eq!(
        (contacts.risk, contacts.reaches, contacts.title.as_deref()),
        ("dangerous", Some("contacts"), Some("读取联系人数据"))
    );
    let values: Vec<&str> = t.endpoints.iter().map(|e| e.value.as_str()).collect();
    assert!(values.contains(&"upload.contact-sync.example.com/api/v2"), "{values:?}");
    assert!(values.contains(&"45.77.12.34"), "{values:?}");

    // The same permissions without a chat pretext: suspicious, not the script.
    let plain = build(dir.path(), "notes", "org.example.notes", "Notes", &permissions, b"");
    let t = triage(&plain, &Known::shipped(), &engine(), &Limits::default()).unwrap();
    assert_eq!(t.level, Level::Medium, "{:?}", t.reasons);

    // A server on the user's block list makes it known-bad.
    let mut lists = lurewatch_core::indicator::KnownLists::new();
    lists.block_list("gang-servers.txt", "contact-sync.example.com\n").unwrap();
    let engine = Engine::builder().known_lists(lists).build();
    let t = triage(&apk, &Known::shipped(), &engine, &Limits::default()).unwrap();
    assert_eq!(t.level, Level::Critical, "{:?}", t.reasons);
    assert!(t.reasons.iter().any(|r| r.code == "known_endpoint"));
}

#[test]
fn a_listed_stalkerware_package_is_critical() {
    let dir = tempfile::tempdir().unwrap();
    let apk = build(dir.path(), "spy", "com.thetruth", "System Service", &["android.permission.READ_SMS"], b"");
    let t = triage(&apk, &Known::shipped(), &engine(), &Limits::default()).unwrap();
    assert_eq!(t.level, Level::Critical);
    assert!(t.reasons.iter().any(|r| r.code == "known_package" && r.text.contains("TheTruthSpy")), "{:?}", t.reasons);
    // A certificate listed by the user's own data file is found by its fingerprint.
    let mut known = Known::shipped();
    let cert = certificate_sha256(&apk);
    known.add_ioc("mine.yaml", &format!("- name: GangChat\n  certificates: [{cert}]\n")).unwrap();
    let other = build(dir.path(), "signed-by-gang", "org.example.other", "Other", &[], b"");
    let t = triage(&other, &known, &engine(), &Limits::default()).unwrap();
    assert_eq!(t.level, Level::Critical);
    assert_eq!(t.certificates[0].listed.as_deref(), Some("GangChat"));
}

fn zip_of(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    for (name, data, deflate) in entries {
        let method = if *deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
        w.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
    out.into_inner()
}

#[test]
fn bundles_are_read_through_their_base_apk() {
    let dir = tempfile::tempdir().unwrap();
    let apk = build(
        dir.path(),
        "base",
        "com.sweetlive.videochat",
        "Video Chat",
        &["android.permission.READ_CONTACTS", "android.permission.READ_SMS"],
        b"",
    );
    let bytes = std::fs::read(&apk).unwrap();
    let bundle = dir.path().join("app.apks");
    std::fs::write(&bundle, zip_of(&[("base.apk", &bytes, false), ("toc.pb", b"\x0a\x00", false)])).unwrap();
    let t = triage(&bundle, &Known::shipped(), &engine(), &Limits::default()).unwrap();
    assert_eq!(t.package.as_deref(), Some("com.sweetlive.videochat"));
    assert_eq!(t.level, Level::High, "{:?}", t.reasons);
}

#[test]
fn hostile_archives_get_a_clear_error_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits { max_manifest: 1 << 20, ..Limits::default() };
    // A manifest that inflates to 64 MiB from a few kilobytes.
    let bomb = dir.path().join("bomb.apk");
    std::fs::write(&bomb, zip_of(&[("AndroidManifest.xml", &vec![0u8; 64 << 20], true)])).unwrap();
    let e = triage(&bomb, &Known::shipped(), &engine(), &limits).unwrap_err();
    assert!(matches!(e, ApkError::Bomb { .. }), "{e}");
    // Not a zip, empty, truncated.
    let junk = dir.path().join("junk.apk");
    std::fs::write(&junk, b"this is not an archive").unwrap();
    assert!(matches!(triage(&junk, &Known::shipped(), &engine(), &limits), Err(ApkError::Invalid(_))));
    let empty = dir.path().join("empty.apk");
    std::fs::write(&empty, b"").unwrap();
    assert!(triage(&empty, &Known::shipped(), &engine(), &limits).is_err());
    let good = std::fs::read(build(dir.path(), "victim", "org.example.app", "App", &[], b"")).unwrap();
    let truncated = dir.path().join("truncated.apk");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    assert!(triage(&truncated, &Known::shipped(), &engine(), &limits).is_err());
    // A manifest that is not binary XML.
    let text_manifest = dir.path().join("text.apk");
    std::fs::write(&text_manifest, zip_of(&[("AndroidManifest.xml", b"<manifest package=\"x\"/>", true)])).unwrap();
    assert!(triage(&text_manifest, &Known::shipped(), &engine(), &limits).is_err());
    // Too large a file.
    let small = Limits { max_file: 100, ..Limits::default() };
    assert!(matches!(triage(&truncated, &Known::shipped(), &engine(), &small), Err(ApkError::TooLarge { .. })));
}

/// A short, seeded fuzz run in every test run: a real APK damaged in many ways must give a
/// triage or an error, never a panic or a hang. (`fuzz/` has the coverage-guided target.)
#[test]
fn damaged_apks_never_crash_triage() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(build(
        dir.path(),
        "seed",
        "com.sweetlive.videochat",
        "Video Chat",
        &["android.permission.READ_CONTACTS"],
        b"\0https://a.example.com/x\0",
    ))
    .unwrap();
    let known = Known::shipped();
    let engine = engine();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let path = dir.path().join("damaged.apk");
    let (mut ok, mut refused) = (0, 0);
    for round in 0..300 {
        let mut bytes = good.clone();
        match round % 4 {
            0 => {
                for _ in 0..1 + next() % 16 {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] = next() as u8;
                }
            }
            1 => bytes.truncate((next() as usize) % bytes.len()),
            2 => {
                // Lie in the central directory: sizes and offsets near its end.
                let end = bytes.len();
                for _ in 0..8 {
                    let at = end - 1 - (next() as usize) % end.min(400);
                    bytes[at] = 0xff;
                }
            }
            _ => {
                let from = (next() as usize) % bytes.len();
                let len = ((next() as usize) % 4096).min(bytes.len() - from);
                let chunk = bytes[from..from + len].to_vec();
                let at = (next() as usize) % bytes.len();
                bytes.splice(at..at, chunk);
            }
        }
        std::fs::write(&path, &bytes).unwrap();
        match triage(&path, &known, &engine, &Limits::default()) {
            Ok(_) => ok += 1,
            Err(_) => refused += 1,
        }
    }
    assert_eq!(ok + refused, 300);
}

/// A file the coverage-guided fuzzer found: it makes the parser panic (slicing a name inside
/// a UTF-8 character). Triage reports it as unreadable instead.
#[test]
fn a_parser_panic_is_an_error_not_a_crash() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parser-panic.apk");
    let e = triage(&path, &Known::shipped(), &engine(), &Limits::default()).unwrap_err();
    assert!(matches!(e, ApkError::Invalid(_)), "{e}");
}
