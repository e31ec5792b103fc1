//! `lurewatch hash` and `lurewatch qr` on real image files: Meta's PDQ test images
//! (`../shared/data/pdq`, beside the repository) and screenshots with QR codes the tests draw.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;

fn images() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pdq/images");
    assert!(dir.is_dir(), "the PDQ test images are missing: expected {}", dir.display());
    dir
}

fn lurewatch() -> Command {
    Command::cargo_bin("lurewatch").unwrap()
}

#[test]
fn prints_hash_quality_and_file_as_the_reference_does() {
    let file = images().join("bridge-mods/aaa-orig.jpg");
    lurewatch()
        .arg("hash")
        .arg(&file)
        .assert()
        .success()
        .stdout(format!("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,100,{}\n", file.display()));
}

#[test]
fn walks_directories_and_passes_over_other_files() {
    let out = lurewatch().arg("hash").arg(images().join("misc-images")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // c.png, small.jpg, wee.jpg and the 14 images of modes/ (its README is not an image).
    assert_eq!(lines.len(), 17, "{text}");
    assert!(lines.iter().all(|l| l.len() > 66 && l.as_bytes()[64] == b','), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 files in the directories are not images"));
    let sorted = {
        let mut s = lines.clone();
        s.sort_by_key(|l| l.split(',').nth(2).unwrap().to_owned());
        s
    };
    assert_eq!(lines, sorted, "files in name order");
}

#[test]
fn json_gives_the_eight_orientations_and_the_size() {
    let out = lurewatch()
        .args(["hash", "--format", "json", "--dihedral"])
        .arg(images().join("reg-test-input/dih/bridge-1-original.jpg"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["width"], 1600);
    assert_eq!(v["height"], 1004);
    assert_eq!(v["quality"], 100);
    let d = v["dihedral"].as_array().unwrap();
    assert_eq!(d.len(), 8);
    assert_eq!(d[0], v["hash"]);
    assert_eq!(d[1], "f0a10efd51c83d429053d48d0fffbc52e34e0e17ada956a9d29685211ea9e58f");
}

#[test]
fn a_broken_file_is_reported_and_the_rest_still_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("evidence.jpg");
    let jpeg = std::fs::read(images().join("misc-images/small.jpg")).unwrap();
    std::fs::write(&broken, &jpeg[..200]).unwrap();
    let good = images().join("misc-images/wee.jpg");
    lurewatch()
        .arg("hash")
        .arg(&broken)
        .arg(&good)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("wee.jpg"))
        .stdout(predicate::str::contains("evidence.jpg").not())
        .stderr(predicate::str::contains("evidence.jpg: corrupt or truncated image"))
        .stderr(predicate::str::contains("1 of 2 files could not be hashed"));
    lurewatch()
        .args(["hash", "no-such-file.png"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-file.png"));
}

/// A PNG with one QR code of `text`, 6 pixels a module, on a white page.
fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let (w, colors) = (code.width() as u32, code.to_colors());
    let side = (w + 8) * 6;
    let img = image::GrayImage::from_fn(side + 200, side + 300, |x, y| {
        let (mx, my) = ((x / 6) as i64 - 4, (y / 6) as i64 - 4);
        let inside = mx >= 0 && my >= 0 && (mx as u32) < w && (my as u32) < w;
        image::Luma([if inside && colors[(my as u32 * w + mx as u32) as usize] == qrcode::Color::Dark {
            0
        } else {
            255
        }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn qr_reads_the_code_and_its_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("screenshot.png");
    std::fs::write(&shot, qr_png("hxxps://live-chat.top/download/vchat.apk")).unwrap();
    let list = dir.path().join("bad.txt");
    std::fs::write(&list, "live-chat.top\n").unwrap();
    let out = lurewatch().args(["qr", "--format", "json", "--block-list"]).arg(&list).arg(&shot).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = &v["codes"][0];
    assert_eq!(code["payload"], "hxxps://live-chat.top/download/vchat.apk");
    let url = code["indicators"].as_array().unwrap().iter().find(|i| i["kind"] == "url").unwrap();
    assert_eq!(url["value"], "live-chat.top/download/vchat.apk");
    let flags = url["flags"].as_array().unwrap();
    assert!(flags.iter().any(|f| f == "app_download") && flags.iter().any(|f| f == "defanged"), "{url}");
    assert!(url["listed"].as_str().unwrap().ends_with("bad.txt"), "{url}");

    lurewatch()
        .args(["qr"])
        .arg(&shot)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("1 QR code(s)"))
        .stdout(predicate::str::contains("live-chat.top/download/vchat.apk  (app_download, defanged)"))
        .stdout(predicate::str::contains("KNOWN BAD").not());
    let blank = dir.path().join("blank.png");
    let page = image::GrayImage::from_pixel(300, 300, image::Luma([255]));
    page.save(&blank).unwrap();
    lurewatch().args(["qr"]).arg(&blank).assert().code(0).stdout(predicate::str::contains("0 QR code(s)"));
}

#[test]
fn images_are_matched_against_a_bank_in_every_orientation() {
    let dir = tempfile::tempdir().unwrap();
    let bank = dir.path().join("bank.csv");
    std::fs::write(
        &bank,
        "hash,quality,label\n\
         d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,100,case 12 photo 1\n\
         0000000000000000000000000000000000000000000000000000000000000000,10,too plain to match\n\
         not a hash\n",
    )
    .unwrap();
    let rotated = images().join("reg-test-input/dih/bridge-2-rotate-90.jpg");
    let other = images().join("misc-images/c.png");
    let out =
        lurewatch().args(["hash", "--format", "json", "--bank"]).arg(&bank).arg(&rotated).arg(&other).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a match exits 1");
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let m = &lines[0]["matches"][0];
    assert_eq!(m["label"], "case 12 photo 1");
    assert_eq!(m["orientation"], "rotate270", "turning the rotated photo back matches");
    assert!(m["distance"].as_u64().unwrap() <= 31);
    assert_eq!(lines[1]["matches"].as_array().unwrap().len(), 0);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("line 4: not a PDQ hash"), "{err}");
    assert!(err.contains("1 bank hashes of quality below 50"), "{err}");
    // Nothing within 0 bits: exit 0.
    lurewatch().args(["hash", "--distance", "0", "--bank"]).arg(&bank).arg(&other).assert().code(0);
    lurewatch()
        .args(["hash", "--bank", "no-such-bank.csv"])
        .arg(&other)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the bank no-such-bank.csv"));
}
