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
