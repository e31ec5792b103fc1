//! `lurewatch serve` as a process: settings checked before anything opens, a clean stop on
//! SIGTERM, and no acknowledged report lost to a kill -9 in the middle of a burst.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

fn lurewatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lurewatch"))
}

/// Starts the desk on a free port; returns the process and its base URL.
fn start(data_dir: &Path) -> (Child, String) {
    let mut child = lurewatch()
        .args(["serve", "--listen", "127.0.0.1:0", "--per-minute", "1000000", "--data-dir"])
        .arg(data_dir)
        .env_remove("LUREWATCH_DATABASE_URL")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the desk says where it listens").unwrap();
        if let Some(rest) = line.split("report desk on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep reading stderr so the desk never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Result<(u16, Value), ureq::Error> {
    let mut response = agent.post(url).header("Content-Type", "application/json").send(body.to_string())?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

fn report(i: usize) -> Value {
    json!({"messages": [
        {"sender": "scammer", "text": format!("加我QQ {} 視頻", 10_000_000 + i)},
        {"sender": "scammer", "text": "我錄了你的片段，不給錢就發給你所有朋友"},
        {"sender": "victim", "text": format!("求求你 {i}")}
    ]})
}

#[test]
fn settings_are_checked_before_anything_opens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("never-created");
    let out = lurewatch().args(["serve", "--listen", "not-an-address", "--data-dir"]).arg(&data).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen: `not-an-address`"));
    assert!(!data.exists());
    let out = lurewatch().args(["serve", "--database-url", "mysql://db/x", "--data-dir"]).arg(&data).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgres://"));
    let config = dir.path().join("desk.toml");
    std::fs::write(&config, "max-files = 0\n").unwrap();
    let out = lurewatch().args(["serve", "--data-dir"]).arg(&data).arg("--config").arg(&config).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("max-files: 0 is out of range"));
    assert!(!data.exists());
}

#[test]
fn sigterm_stops_the_desk_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = start(dir.path());
    let agent = agent();
    assert_eq!(agent.get(format!("{url}/readyz")).call().unwrap().status(), 200);
    assert!(dir.path().join("lurewatch.sqlite").is_file() && dir.path().join("evidence.key").is_file());
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn a_kill_during_a_burst_of_reports_loses_no_acknowledged_report() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = start(dir.path());
    let acknowledged: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (url, acknowledged, stop) = (url.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let agent = agent();
                for i in (w..).step_by(4) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match post(&agent, &format!("{url}/api/v1/reports"), &report(i)) {
                        Ok((201, body)) => {
                            acknowledged.lock().unwrap().push((i, body["receipt"].as_str().unwrap().to_owned()))
                        }
                        Ok((status, body)) => panic!("report {i}: {status} {body}"),
                        // The desk was killed under this request: it was never acknowledged.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 60 {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL, in the middle of the burst
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 60);

    let (mut child, url) = start(dir.path());
    let agent = agent();
    for (i, receipt) in &acknowledged {
        let (status, body) =
            post(&agent, &format!("{url}/api/v1/reports/status"), &json!({"receipt": receipt})).unwrap();
        assert_eq!(status, 200, "report {i} was acknowledged and is lost: {body}");
        assert_eq!(body["messages"], 3, "report {i} is not whole: {body}");
        assert!(!body["assessment"]["tactics"].as_array().unwrap().is_empty());
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
