//! The `lurewatch` command on real files.

use std::io::Write;
use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn lurewatch() -> Command {
    Command::cargo_bin("lurewatch").expect("binary is built")
}

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8(out.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is a JSON object"))
        .collect()
}

#[test]
fn scan_examples_as_json_flags_the_scripts_and_spares_the_negatives() {
    let out = lurewatch().args(["scan", "--format", "json"]).arg(example("conversations.jsonl")).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "something reached medium");
    let all = json_lines(&out.stdout);
    assert_eq!(all.len(), 10);
    for a in &all {
        for key in ["id", "category", "level", "risk", "suspect", "tactics", "first_alert_message", "advice"] {
            assert!(a.get(key).is_some(), "missing {key} in {a}");
        }
        let id = a["id"].as_str().unwrap();
        let category = a["category"].as_str().unwrap();
        if let Some(expected) = id.split('-').next().filter(|p| *p == "sextortion" || *p == "grooming") {
            assert_eq!(category, expected, "{id}");
            assert!(a["first_alert_message"].is_u64(), "{id}");
        } else {
            assert!(matches!(a["level"].as_str().unwrap(), "none" | "low"), "{id} was {}", a["level"]);
        }
        for t in a["tactics"].as_array().unwrap() {
            for key in ["tactic", "message", "sender", "start", "end", "reason"] {
                assert!(t.get(key).is_some(), "missing {key} in {t}");
            }
        }
    }
}

#[test]
fn scan_reads_a_whatsapp_export_and_prints_for_people() {
    lurewatch()
        .args(["scan", "--format", "human"])
        .arg(example("whatsapp-sextortion.txt"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("SEXTORTION"))
        .stdout(predicate::str::contains("suspect: Mia"))
        .stdout(predicate::str::contains("Do not pay"));
}

#[test]
fn malformed_records_are_reported_skipped_and_exit_2() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, r#"{{"id":"ok","messages":[{{"sender":"a","text":"hello"}}]}}"#).unwrap();
    writeln!(f, r#"{{"id":"broken","messages":[{{"sender":"a""#).unwrap();
    f.write_all(b"{\"id\":\"bad-utf8\",\"messages\":[{\"sender\":\"a\",\"text\":\"\xff\"}]}\n").unwrap();
    writeln!(f, r#"{{"id":"ok2","messages":[{{"sender":"a","text":"bye"}}]}}"#).unwrap();
    let out = lurewatch().args(["scan", "--format", "json"]).arg(f.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let ids: Vec<_> = json_lines(&out.stdout).iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["ok", "ok2"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("line 2: not a valid record"), "{err}");
    assert!(err.contains("line 3: not valid UTF-8"), "{err}");
}

#[test]
fn quiet_input_exits_0_and_stdin_works() {
    lurewatch()
        .args(["scan", "--format", "json", "--input", "transcript", "-"])
        .write_stdin("mum: dinner at 7?\nkid: ok, after football\n")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(r#""category":"none""#));
}

#[test]
fn untrusted_text_is_escaped_for_the_terminal() {
    lurewatch()
        .args(["scan", "--format", "human", "--input", "transcript"])
        .write_stdin("x\u{202E}evil: I have all your contacts. I will send the video to your family\u{1b}[2J\n")
        .assert()
        .stdout(predicate::str::contains("x\\u{202E}evil"))
        .stdout(predicate::str::contains("\u{1b}").not())
        .stdout(predicate::str::contains("\u{202E}").not());
}

#[test]
fn unknown_options_and_missing_files_are_errors() {
    lurewatch()
        .args(["scan", "--input", "telegraph"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown input format"));
    lurewatch()
        .args(["scan", "does-not-exist.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot open does-not-exist.jsonl"));
}

#[test]
fn eval_prints_a_table_with_the_measures() {
    let out = lurewatch().args(["eval"]).arg(example("conversations.jsonl")).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("| file | conv. | pos. | precision | recall | F1 | F0.5 | latency F1 | FPR |"), "{text}");
    // 6 labelled scripts and 4 negatives, all right.
    assert!(
        text.contains(
            "| conversations.jsonl | 10 | 6 | 1.000 | 1.000 | 1.000 | 1.000 | 0.982 | 0.000 | 1.000 | 1.000 |"
        ),
        "{text}"
    );
    let out = lurewatch().args(["eval", "--format", "json"]).arg(example("conversations.jsonl")).output().unwrap();
    let r = &json_lines(&out.stdout)[0];
    assert_eq!(r["tp"], 6);
    assert_eq!(r["fp"], 0);
}

#[test]
fn bench_reports_throughput_and_memory() {
    lurewatch()
        .args(["bench", "--seconds", "0.1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("messages/s"))
        .stdout(predicate::str::contains("MB/s"));
}

#[test]
fn a_hotline_extends_the_lexicon_with_a_data_file() {
    let mut lexicon = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        lexicon,
        "language = \"en\"\n[[rule]]\ntactic = \"app_install\"\nweight = 0.9\nreason = \"names a trojan chat app seen in reports\"\nterms = [\"lovechat pro\"]"
    )
    .unwrap();
    let out = lurewatch()
        .args(["scan", "--format", "json", "--input", "transcript", "--lexicon"])
        .arg(lexicon.path())
        .write_stdin("amy: get LoveChat Pro, it has better video\n")
        .output()
        .unwrap();
    let a = &json_lines(&out.stdout)[0];
    assert_eq!(a["tactics"][0]["tactic"], "app_install");
    assert_eq!(a["tactics"][0]["reason"], "names a trojan chat app seen in reports");

    let mut bad = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        bad,
        "language = \"en\"\n[[rule]]\ntactic = \"app_install\"\nweight = 3.0\nreason = \"r\"\nterms = [\"x\"]"
    )
    .unwrap();
    lurewatch()
        .args(["scan", "--lexicon"])
        .arg(bad.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rule 1 (app_install): weight 3 must be in (0, 1]"));
}

#[test]
fn message_lines_are_grouped_and_min_level_filters() {
    let input = [
        r#"{"conversation":"k1","sender":"지은","text":"영상 녹화했어. 니 주소록도 다 있어","time":"2024-01-05T21:15:00+09:00"}"#,
        r#"{"conversation":"k2","sender":"mum","text":"dinner at 7?"}"#,
        r#"{"conversation":"k1","sender":"지은","text":"300만원 입금 안 하면 지인들한테 영상 뿌린다. 지금 당장","time":1704457000}"#,
    ]
    .join("\n");
    let out =
        lurewatch().args(["scan", "--format", "json", "--min-level", "medium"]).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let all = json_lines(&out.stdout);
    assert_eq!(all.len(), 1, "k2 is below medium and not printed");
    assert_eq!(all[0]["id"], "k1");
    assert_eq!(all[0]["messages"], 2);
    assert_eq!(all[0]["language"], "ko");
    assert!(all[0]["advice"].as_array().unwrap().iter().any(|a| a["text"].as_str().unwrap().contains("112")));
}

#[test]
fn scan_lists_indicators_and_flags_what_a_block_list_names() {
    let dir = tempfile::tempdir().unwrap();
    let block = dir.path().join("block.txt");
    std::fs::write(&block, "# scam domains\n||live-chat.top^\n").unwrap();
    let out = lurewatch()
        .args(["scan", "--format", "json", "--block-list"])
        .arg(&block)
        .arg(example("indicators.jsonl"))
        .output()
        .unwrap();
    let all = json_lines(&out.stdout);
    let c1 = &all[0]["indicators"];
    let find = |kind: &str, value: &str| {
        c1.as_array().unwrap().iter().find(|i| i["kind"] == kind && i["value"] == value).cloned().unwrap_or_default()
    };
    let url = find("url", "live-chat.top/vchat.apk");
    assert_eq!(url["raw"], "hxxp://live-chat[.]top/vchat.apk");
    assert_eq!(url["listed"], block.display().to_string());
    assert_eq!(url["flags"], serde_json::json!(["app_download", "defanged"]));
    assert_eq!(url["message"], 1);
    assert_eq!(find("handle", "telegram:anna_love22")["platform"], "telegram");
    assert_eq!(find("amount", "5000 HKD")["currency"], "HKD");
    // The span points into the original message.
    let start = url["start"].as_u64().unwrap() as usize;
    let end = url["end"].as_u64().unwrap() as usize;
    let text = "the video app is too laggy, install this: hxxp://live-chat[.]top/vchat.apk";
    assert_eq!(&text[start..end], "hxxp://live-chat[.]top/vchat.apk");
    // Without the list the same link is not flagged, and the risk is lower.
    let plain = json_lines(
        &lurewatch().args(["scan", "--format", "json"]).arg(example("indicators.jsonl")).output().unwrap().stdout,
    );
    assert!(plain[0]["indicators"].as_array().unwrap().iter().all(|i| i.get("listed").is_none()));
    assert!(plain[0]["risk"].as_u64() < all[0]["risk"].as_u64());
    // Human output lists them under the verdict.
    lurewatch()
        .args(["scan", "--format", "human"])
        .arg(example("indicators.jsonl"))
        .assert()
        .stdout(predicate::str::contains("indicators:").and(predicate::str::contains("qq:12345678")));
}

#[test]
fn indicators_counts_what_conversations_share() {
    let out = lurewatch().args(["indicators"]).arg(example("indicators.jsonl")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows = json_lines(&out.stdout);
    // The Telegram account in both conversations comes first.
    assert_eq!(rows[0]["value"], "telegram:anna_love22");
    assert_eq!(rows[0]["conversations"], 2);
    assert_eq!(rows[0]["ids"], serde_json::json!(["c1", "c2"]));
    assert!(rows.iter().any(|r| r["kind"] == "payment_qr" && r["value"] == "wechat_pay:wxp://f2f0abcdEFGH1234_xyz"));
    let csv = lurewatch()
        .args(["indicators", "--format", "csv", "--min-conversations", "2"])
        .arg(example("indicators.jsonl"))
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "kind,value,conversations,occurrences,platform,region,listed,raw,ids");
    assert_eq!(lines[1..], ["handle,telegram:anna_love22,2,2,telegram,,,anna_love22,c1;c2"]);
}

#[test]
fn unreadable_lists_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let allow = dir.path().join("allow.txt");
    std::fs::write(&allow, "good.com\n(unclosed\n").unwrap();
    lurewatch()
        .args(["scan", "--allow-list"])
        .arg(&allow)
        .arg(example("indicators.jsonl"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("allow.txt, line 2"));
    lurewatch()
        .args(["scan", "--block-list", "/nonexistent/list.txt"])
        .arg(example("indicators.jsonl"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read /nonexistent/list.txt"));
}
