//! `lurewatch link`: networks from shared specific indicators, and the exports.

use std::process::Command;

fn lurewatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lurewatch"))
}

const CHATS: &str = r#"{"id":"r1","messages":[{"sender":"Mei","text":"加我QQ 12345678，我們視頻"},{"sender":"Mei","text":"我錄了你的片段，不給兩萬就發給你所有朋友，轉到 6222021234567890128"}]}
{"id":"r2","messages":[{"sender":"Lin","text":"add me on QQ 12345678"},{"sender":"Lin","text":"I recorded you. pay 3000 HKD or I send it to your contacts"}]}
{"id":"r3","messages":[{"sender":"Xu","text":"银行卡 6222021234567890128 转两万，不然视频发给你通讯录所有人"}]}
{"id":"r4","messages":[{"sender":"Ann","text":"watch https://bit.ly/abc and pay"}]}
{"id":"r5","messages":[{"sender":"Bob","text":"open https://bit.ly/abc please"}]}
{"id":"r6","messages":[{"sender":"Cat","text":"see https://bit.ly/zzz too"}]}
{"id":"r7","messages":[{"sender":"Kim","text":"카톡 아이디 sexymina77 추가해줘"}]}
"#;

#[test]
fn link_finds_networks_and_exports_graphml_and_stix() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("chats.jsonl");
    std::fs::write(&input, CHATS).unwrap();
    let (graphml, stix) = (dir.path().join("g.graphml"), dir.path().join("s.json"));
    let out =
        lurewatch().arg("link").arg(&input).arg("--graphml").arg(&graphml).arg("--stix").arg(&stix).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let linked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let networks = linked["networks"].as_array().unwrap();
    assert_eq!(networks.len(), 2, "{linked}");
    assert_eq!(
        networks[0]["reports"],
        serde_json::json!(["r1", "r2", "r3"]),
        "r1–r2 by the QQ number, r1–r3 by the card"
    );
    assert_eq!(networks[1]["reports"], serde_json::json!(["r4", "r5"]), "the same short link is specific");
    let common: Vec<&str> = linked["common"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(common, ["bit.ly"], "the shortener's domain links nothing");

    let xml = std::fs::read_to_string(&graphml).unwrap();
    assert!(xml.contains("<graphml") && xml.contains("r:r3") && xml.contains("i:handle:qq:12345678"));
    let bundle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stix).unwrap()).unwrap();
    assert_eq!(bundle["type"], "bundle");
    let patterns: Vec<&str> =
        bundle["objects"].as_array().unwrap().iter().map(|o| o["pattern"].as_str().unwrap()).collect();
    assert!(
        patterns.contains(&"[user-account:account_login = 'sexymina77' AND user-account:account_type = 'kakao']"),
        "{patterns:?}"
    );
    assert!(
        patterns.iter().all(|p| !p.contains("CNY") && !p.contains("HKD")),
        "amounts are not indicators of compromise"
    );

    let out = lurewatch().args(["link", "--format", "csv"]).arg(&input).output().unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().count(), 6, "{csv}");
    assert!(csv.starts_with("network,report,category,level,risk,shared\n1,\"r1\""));
}

/// Another desk's report export and evidence packages link with conversations: the same
/// rule over all of them. Broken inputs are named and skipped, the rest still linked.
#[test]
fn report_exports_and_evidence_packages_link_with_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let chats = dir.path().join("chats.jsonl");
    std::fs::write(&chats, CHATS).unwrap();

    // A report export as the workspace writes it: a report a line, indicators only.
    let export = dir.path().join("reports.jsonl");
    std::fs::write(
        &export,
        concat!(
            r#"{"id":"desk-1","category":"sextortion","level":"critical","risk":92,"tactics":["payment_demand"],"marks":[{"kind":"handle","value":"qq:12345678","platform":"qq"},{"kind":"amount","value":"20000 CNY","amount":[20000.0,"CNY"]}],"reported":1764000000,"paid":[5000.0,"CNY"],"minor":true}"#,
            "\n\n",
            r#"{"id":"desk-2","category":"grooming","level":"high","risk":70,"marks":[{"kind":"handle","value":"kakao:sexymina77","platform":"kakao"}],"reported":1764100000}"#,
            "\n"
        ),
    )
    .unwrap();

    // An evidence package: the assessment `scan` writes, what the reporter said, the report.
    let package = dir.path().join("case.zip");
    let scanned = lurewatch()
        .args(["scan", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(
                br#"{"id":"x","messages":[{"sender":"Kim","text":"kakao id sexymina77, send me your photos and don't tell your mum"}]}"#,
            )?;
            child.wait_with_output()
        })
        .unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&package).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in [
        ("report.json", br#"{"id":"pkg-1","created_at":1764200000,"status":"referred"}"#.to_vec()),
        ("reporter.json", br#"{"amount_paid":300.0,"currency":"KRW","minor":true}"#.to_vec()),
        ("assessment.json", scanned.stdout.clone()),
    ] {
        zip.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut zip, &bytes).unwrap();
    }
    zip.finish().unwrap();

    let out = lurewatch().arg("link").arg(&chats).arg(&export).arg(&package).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let linked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let networks = linked["networks"].as_array().unwrap();
    let members = |i: usize| -> Vec<&str> {
        networks[i]["reports"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect()
    };
    assert_eq!(members(0), ["r1", "r2", "r3", "desk-1"], "the export's report shares the QQ number: {linked}");
    assert_eq!(networks[0]["paid"]["CNY"], 5000.0);
    assert_eq!(networks[0]["minors"], 1);
    let kakao = (0..networks.len()).find(|&i| members(i).contains(&"pkg-1")).expect("the package is linked");
    let mut kakao_members = members(kakao);
    kakao_members.sort_unstable();
    assert_eq!(kakao_members, ["desk-2", "pkg-1", "r7"], "{linked}");
    assert_eq!(networks[kakao]["paid"]["KRW"], 300.0);
    assert_eq!(networks[kakao]["span"], serde_json::json!([1764100000, 1764200000]));

    // A malformed line and a zip that is no evidence package: named, skipped, exit 2.
    std::fs::write(&export, "{\"id\":\"desk-3\",\"marks\":[]}\n{\"id\":\"desk-4\",\"marks\":7}\n").unwrap();
    let stray = dir.path().join("stray.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&stray).unwrap());
    zip.start_file("photo.jpg", zip::write::SimpleFileOptions::default()).unwrap();
    zip.finish().unwrap();
    let out = lurewatch().arg("link").arg(&chats).arg(&export).arg(&stray).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("reports.jsonl:1: not a report") && stderr.contains("reports.jsonl:2: not a report"),
        "{stderr}"
    );
    assert!(stderr.contains("stray.zip") && stderr.contains("no assessment.json"), "{stderr}");
    let linked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(linked["networks"].as_array().unwrap().len(), 2, "the conversations are still linked");
}
