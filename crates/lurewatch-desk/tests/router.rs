//! The desk through its router, without sockets: the JSON API, the pages, bad input,
//! privacy and rate limits, on a real SQLite file (and the report flow on PostgreSQL).

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use lurewatch_core::Engine;
use lurewatch_core::indicator::KnownLists;
use lurewatch_desk::config::ApiKey;
use lurewatch_desk::http::{App, router};
use lurewatch_desk::store::Store;
use lurewatch_desk::vault::Vault;
use lurewatch_desk::{Desk, Limits};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const KEY: &str = "platform-key-0123456789abcdef";
const OTHER_KEY: &str = "another-platform-key-9876543210";
const ADMIN: &str = "admin-token-abcdefghijklmnopqrstuvwxyz";

struct Harness {
    router: Router,
    app: Arc<App>,
    dir: tempfile::TempDir,
}

async fn harness(limits: Limits) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("desk.sqlite")).await.unwrap();
    harness_on(store, dir, limits).await
}

async fn harness_on(store: Store, dir: tempfile::TempDir, limits: Limits) -> Harness {
    let mut lists = KnownLists::new();
    lists.block_list("police-list", "+852 6123 4567\n").unwrap();
    let engine = Arc::new(Engine::builder().known_lists(lists).build());
    let vault = Vault::new(&[9; 32], &dir.path().join("evidence")).unwrap();
    let desk = Desk::new(engine, store, vault, limits).await.unwrap();
    let keys = vec![
        ApiKey { name: "chatapp".into(), hash: Sha256::digest(KEY).into() },
        ApiKey { name: "forum".into(), hash: Sha256::digest(OTHER_KEY).into() },
    ];
    let app = App::new(desk, keys, Some(Sha256::digest(ADMIN).into()));
    let router = router(app.clone()).layer(Extension(ConnectInfo(SocketAddr::from(([203, 0, 113, 7], 40000)))));
    Harness { router, app, dir }
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, headers, body.to_vec())
}

async fn json_call(router: &Router, method: &str, uri: &str, key: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let (status, _, body) = send(router, request.body(Body::from(body.to_string())).unwrap()).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn get(router: &Router, uri: &str, accept_language: Option<&str>) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::builder().uri(uri);
    if let Some(l) = accept_language {
        request = request.header(header::ACCEPT_LANGUAGE, l);
    }
    let (status, headers, body) = send(router, request.body(Body::empty()).unwrap()).await;
    (status, headers, String::from_utf8(body).unwrap())
}

fn sextortion() -> Value {
    json!([
        {"sender": "Mei", "text": "你好呀，加我QQ 12345678 我們視頻裸聊"},
        {"sender": "Mei", "text": "我已經錄了你的片段，你的通訊錄我都有了"},
        {"sender": "Mei", "text": "不給我兩萬就發給你所有朋友，轉帳到 6222 0212 3456 7890 128"},
        {"sender": "Ka Ho", "text": "求求你不要"}
    ])
}

fn code(error: &Value) -> &str {
    error["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn scoring_needs_a_key_and_answers_with_the_engines_assessment() {
    let h = harness(Limits::default()).await;
    let body = json!({"id": "c1", "messages": sextortion()});
    let (status, error) = json_call(&h.router, "POST", "/api/v1/assess", None, body.clone()).await;
    assert_eq!((status, code(&error)), (StatusCode::UNAUTHORIZED, "api_key_required"));
    let (status, error) =
        json_call(&h.router, "POST", "/api/v1/assess", Some("wrong-key-wrong-key-wrong"), body.clone()).await;
    assert_eq!((status, code(&error)), (StatusCode::UNAUTHORIZED, "bad_api_key"));

    let (status, a) = json_call(&h.router, "POST", "/api/v1/assess", Some(KEY), body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["id"], "c1");
    assert_eq!(a["category"], "sextortion");
    assert_eq!(a["suspect"], "Mei");
    assert!(a["risk"].as_u64().unwrap() >= 50, "{a}");
    assert!(a["indicators"].as_array().unwrap().iter().any(|i| i["value"] == "qq:12345678"));

    // A hard negative: a parent warning a child about the script.
    let warning = json!({"messages": [
        {"sender": "媽媽", "text": "新聞說有騙徒叫人裸聊再勒索，威脅把片段發給通訊錄的朋友，千萬不要下載陌生 app"},
        {"sender": "仔仔", "text": "知道了，我不會的"}
    ]});
    let (status, a) = json_call(&h.router, "POST", "/api/v1/assess", Some(KEY), warning).await;
    assert_eq!(status, StatusCode::OK);
    assert!(matches!(a["level"].as_str(), Some("none" | "low")), "{a}");
    // Nothing is stored by scoring.
    assert_eq!(h.app.desk.lookup("QQ 12345678").await.unwrap().reports, 0);
}

#[tokio::test]
async fn live_conversations_grow_per_platform_and_are_bounded() {
    let h = harness(Limits { live_conversations: 16, ..Default::default() }).await;
    let messages = sextortion();
    let uri = "/api/v1/conversations/chat-42/messages";
    let (status, first) = json_call(&h.router, "POST", uri, Some(KEY), json!({"messages": [messages[0]]})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["messages"], 1);
    let rest = json!({"messages": [messages[1], messages[2], messages[3]]});
    let (_, later) = json_call(&h.router, "POST", uri, Some(KEY), rest).await;
    assert_eq!(later["messages"], 4);
    assert!(later["risk"].as_u64() > first["risk"].as_u64());
    // The same id from another platform is another conversation.
    let (_, other) = json_call(&h.router, "POST", uri, Some(OTHER_KEY), json!({"messages": [messages[3]]})).await;
    assert_eq!(other["messages"], 1);
    // Memory is bounded: many conversations later, the count stays at the limit.
    for i in 0..200 {
        let uri = format!("/api/v1/conversations/c{i}/messages");
        json_call(&h.router, "POST", &uri, Some(KEY), json!({"messages": [messages[0]]})).await;
    }
    assert!(h.app.desk.live_conversations() <= 16, "{}", h.app.desk.live_conversations());
    let long_id = format!("/api/v1/conversations/{}/messages", "x".repeat(129));
    let (status, error) = json_call(&h.router, "POST", &long_id, Some(KEY), json!({"messages": []})).await;
    assert_eq!((status, code(&error)), (StatusCode::BAD_REQUEST, "bad_request"));
}

#[tokio::test]
async fn bad_requests_get_clear_codes_and_change_nothing() {
    let h = harness(Limits { max_body_bytes: 64 * 1024, max_messages: 5, ..Default::default() }).await;
    let post = |body: Body, content_type: &str| {
        Request::builder()
            .method("POST")
            .uri("/api/v1/reports")
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .unwrap()
    };
    let cases: Vec<(Body, &str, StatusCode, &str)> = vec![
        (Body::from("{\"messages\": ["), "application/json", StatusCode::BAD_REQUEST, "invalid_json"),
        (
            Body::from(b"{\"messages\": [{\"sender\": \"a\", \"text\": \"\xff\xfe\"}]}".to_vec()),
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (Body::from("{\"messages\": []}"), "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        (
            Body::from("{\"messages\": [], \"extra\": 1}"),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
        ),
        (Body::from("{\"messages\": 3}"), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "invalid_json"),
        (Body::from("{\"messages\": []}"), "application/json", StatusCode::BAD_REQUEST, "empty"),
        (
            Body::from(format!("{{\"messages\": [{{\"sender\": \"a\", \"text\": \"{}\"}}]}}", "x".repeat(100_000))),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            Body::from(json!({"messages": vec![json!({"sender": "a", "text": "hi"}); 6]}).to_string()),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            Body::from(json!({"messages": [{"sender": "a", "text": "hi"}], "facts": {"age": 300}}).to_string()),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
        ),
        (
            Body::from(json!({"messages": [{"sender": "a", "text": "hi"}], "facts": {"currency": "XXX"}}).to_string()),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
        ),
    ];
    for (body, content_type, status, expected) in cases {
        let (got, _, bytes) = send(&h.router, post(body, content_type)).await;
        let error: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!((got, code(&error)), (status, expected), "{error}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, _, body) = get(&h.router, "/api/v1/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("not_found"));
    let (status, _, body) = get(&h.router, "/api/v1/lookup", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("missing_query"));
    // Nothing above stored a report.
    let db = std::fs::read(h.dir.path().join("desk.sqlite")).unwrap();
    let wal = std::fs::read(h.dir.path().join("desk.sqlite-wal")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&db).contains("\"sender\"") && !String::from_utf8_lossy(&wal).contains("\"sender\"")
    );
    let (_, count) =
        json_call(&h.router, "POST", "/api/v1/reports/status", None, json!({"receipt": "AAAA-AAAA-AAAA-AAAA-AAAA"}))
            .await;
    assert_eq!(code(&count), "unknown_receipt");
}

#[tokio::test]
async fn a_report_is_stored_sealed_and_opened_again_with_its_receipt() {
    let h = harness(Limits::default()).await;
    let body = json!({
        "messages": sextortion(),
        "facts": {"platform": "wechat", "region": "HK", "amount_paid": 5000, "currency": "HKD",
                  "payment_channel": "bank_transfer", "minor": true, "age": 16, "asked_again": true},
        "statement": "佢話唔俾錢就發片俾我班同學"
    });
    let (status, receipt) = json_call(&h.router, "POST", "/api/v1/reports", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let code_text = receipt["receipt"].as_str().unwrap().to_owned();
    assert_eq!(receipt["assessment"]["category"], "sextortion");

    // The receipt, typed carelessly, opens the report.
    let careless = code_text.to_lowercase().replace('-', " ");
    let (status, s) = json_call(&h.router, "POST", "/api/v1/reports/status", None, json!({"receipt": careless})).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!((s["status"].as_str(), s["messages"].as_u64()), (Some("new"), Some(4)));
    assert!(!s["assessment"]["advice"].as_array().unwrap().is_empty());

    // Adding messages continues the conversation.
    let more = json!({"receipt": code_text, "messages": [{"sender": "Mei", "text": "再轉五千，否則今晚就發"}]});
    let (status, s) = json_call(&h.router, "POST", "/api/v1/reports/messages", None, more).await;
    assert_eq!((status, s["messages"].as_u64()), (StatusCode::OK, Some(5)));

    // At rest: no message text, no statement, no receipt code; the receipt only hashed.
    let mut bytes = std::fs::read(h.dir.path().join("desk.sqlite")).unwrap();
    bytes.extend(std::fs::read(h.dir.path().join("desk.sqlite-wal")).unwrap_or_default());
    let at_rest = String::from_utf8_lossy(&bytes);
    for secret in ["片段", "同學", "五千", "Ka Ho", code_text.as_str(), &code_text.replace('-', "")] {
        assert!(!at_rest.contains(secret), "`{secret}` is stored in clear");
    }
    assert!(at_rest.contains("qq:12345678"), "indicators are kept in clear for lookup and linking");
}

#[tokio::test]
async fn lookup_answers_in_any_spelling_with_levels_and_never_who_reported() {
    let h = harness(Limits::default()).await;
    let (_, nothing) = json_call(&h.router, "GET", "/api/v1/lookup?q=QQ%2012345678", None, Value::Null).await;
    assert_eq!(nothing["level"], "no_record");
    for _ in 0..2 {
        let (status, _) =
            json_call(&h.router, "POST", "/api/v1/reports", None, json!({"messages": sextortion()})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    // Full-width digits and a full-width colon; a bare number; an @-name.
    for q in [
        "QQ%EF%BC%9A%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96%EF%BC%97%EF%BC%98",
        "QQ%2012345678",
        "12345678",
    ] {
        let (status, a) = json_call(&h.router, "GET", &format!("/api/v1/lookup?q={q}"), None, Value::Null).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(a["matches"][0]["value"], "qq:12345678", "{q}: {a}");
        assert_eq!(a["matches"][0]["reports"], 2);
        assert!(matches!(a["level"].as_str(), Some("suspected" | "high")), "{a}");
        assert!(a["matches"][0]["first_seen"].as_str().unwrap().len() == 10);
        let text = a.to_string();
        assert!(!text.contains("Mei") && !text.contains("Ka Ho") && !text.contains("片段"));
    }
    // A number on a loaded known-bad list is high without any report.
    let (_, listed) = json_call(&h.router, "GET", "/api/v1/lookup?q=%2B852%206123-4567", None, Value::Null).await;
    assert_eq!(listed["level"], "high", "{listed}");
    assert_eq!(listed["matches"][0]["listed"], "police-list");
    // Amounts are never looked up.
    let (_, amount) = json_call(&h.router, "GET", "/api/v1/lookup?q=%E5%85%A9%E8%90%AC", None, Value::Null).await;
    assert_eq!(amount["matches"], json!([]));
}

fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "lurewatch-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, file_name, content) in fields {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            ),
            None => body.extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(router: &Router, uri: &str, fields: &[(&str, Option<&str>, &[u8])]) -> (StatusCode, String) {
    let (content_type, body) = multipart(fields);
    let request = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = send(router, request).await;
    (status, String::from_utf8(body).unwrap())
}

async fn post_form(router: &Router, uri: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()))
        .collect::<Vec<_>>()
        .join("&");
    let request = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = send(router, request).await;
    (status, String::from_utf8(body).unwrap())
}

fn between<'a>(html: &'a str, before: &str, after: &str) -> &'a str {
    let start = html.find(before).unwrap_or_else(|| panic!("`{before}` not in the page")) + before.len();
    &html[start..start + html[start..].find(after).unwrap()]
}

fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let (w, colors) = (code.width() as u32, code.to_colors());
    let img = image::GrayImage::from_fn((w + 8) * 6, (w + 8) * 6, |x, y| {
        let (mx, my) = ((x / 6) as i64 - 4, (y / 6) as i64 - 4);
        let inside = mx >= 0 && my >= 0 && (mx as u32) < w && (my as u32) < w;
        let dark = inside && colors[(my as u32 * w + mx as u32) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn the_pages_check_first_store_on_request_and_open_with_the_receipt() {
    let h = harness(Limits::default()).await;
    // The browser's language picks the page's language; `?lang=` switches and is kept.
    let (status, _, html) = get(&h.router, "/", Some("ko-KR,ko;q=0.9")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"ko\">") && html.contains("지금 해야 할 일"));
    let (_, headers, html) = get(&h.router, "/report?lang=vi", Some("ko")).await;
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(headers[header::SET_COOKIE].to_str().unwrap().starts_with("lang=vi;"));
    assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'self'"));
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");

    // Check: a pasted conversation, a chat export, a QR screenshot, a hostile file name.
    let export = "Mei: 我已經錄了你的片段\nMei: 不給錢就發給你通訊錄所有人\n".as_bytes();
    let qr = qr_png("wxp://f2f0Wc3xLq7vHr9nPz_lurewatch_test");
    let fields: Vec<(&str, Option<&str>, &[u8])> = vec![
        ("lang", None, b"zh-Hant"),
        ("conversation", None, "Mei: 你好呀，加我QQ 12345678 我們視頻裸聊\nKa Ho: 好".as_bytes()),
        ("files", Some("../../chat export.txt"), export),
        ("files", Some("pay.png"), &qr),
    ];
    let before = h.app.desk.lookup("QQ 12345678").await.unwrap().reports;
    let (status, html) = post_multipart(&h.router, "/report/check", &fields).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<html lang=\"zh-Hant\">"));
    assert!(html.contains("data-category=\"sextortion\""), "{html}");
    assert!(html.contains("qq:12345678"));
    assert!(
        html.contains("wxp://f2f0Wc3xLq7vHr9nPz_lurewatch_test") || html.contains("payment_qr"),
        "the QR code's payee is read"
    );
    assert!(html.contains("chat export.txt") && !html.contains("../"));
    assert_eq!(h.app.desk.lookup("QQ 12345678").await.unwrap().reports, before, "checking stores nothing");
    let draft = between(&html, "name=\"draft\" value=\"", "\"").to_owned();

    // Store, with what the reporter says.
    let form = [
        ("lang", "zh-Hant"),
        ("draft", draft.as_str()),
        ("platform", "wechat"),
        ("region", "HK"),
        ("minor", "yes"),
        ("age", "15"),
        ("amount", "3,000"),
        ("currency", "HKD"),
        ("channel", "qr_code"),
        ("asked_again", "yes"),
        ("statement", "我好驚"),
    ];
    let (status, html) = post_form(&h.router, "/report/store", &form).await;
    assert_eq!(status, StatusCode::CREATED, "{html}");
    let receipt = between(&html, "<output id=\"receipt-code\">", "</output>").to_owned();
    assert_eq!(receipt.len(), 24);
    assert!(html.contains("download=\"lurewatch-receipt.txt\""));
    assert_eq!(h.app.desk.lookup("QQ 12345678").await.unwrap().reports, before + 1);
    assert!(
        h.app.desk.lookup("wxp://f2f0Wc3xLq7vHr9nPz_lurewatch_test").await.unwrap().reports >= 1,
        "QR payees are indicators of the report"
    );
    // The draft is gone once stored: a second store is refused and stores nothing.
    let (status, _) = post_form(&h.router, "/report/store", &form).await;
    assert_eq!(status, StatusCode::GONE);

    // Come back with the receipt, then add a message and a file.
    let (status, html) = post_form(&h.router, "/receipt", &[("lang", "en"), ("code", &receipt.to_lowercase())]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(between(&html, "<dd id=\"report-messages\">", "<"), "4");
    assert_eq!(between(&html, "<dd id=\"report-files\">", "<"), "2");
    assert!(html.contains("Received"));
    let add: Vec<(&str, Option<&str>, &[u8])> = vec![
        ("lang", None, b"en"),
        ("code", None, receipt.as_bytes()),
        ("conversation", None, "Mei: pay again tonight or I send it".as_bytes()),
        ("files", Some("note.pdf"), b"%PDF-1.4\n%fake but typed by its bytes"),
    ];
    let (status, html) = post_multipart(&h.router, "/receipt/add", &add).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(between(&html, "<dd id=\"report-messages\">", "<"), "5");
    assert_eq!(between(&html, "<dd id=\"report-files\">", "<"), "3");
    let (status, html) = post_form(&h.router, "/receipt", &[("code", "AAAA-BBBB-CCCC-DDDD-EEEE")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("role=\"alert\""));

    // The evidence files on disk are encrypted.
    let mut files = 0;
    for entry in walk(&h.dir.path().join("evidence")) {
        files += 1;
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.starts_with(b"%PDF")
                && !bytes.starts_with(b"\x89PNG")
                && !String::from_utf8_lossy(&bytes).contains("Mei")
        );
    }
    assert_eq!(files, 3);

    // The lookup page.
    let (status, _, html) = get(&h.router, "/lookup?lang=zh-Hans&q=QQ+12345678", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"lookup-level\"") && html.contains("qq:12345678") && html.contains("可疑"),
        "one report at level high is suspected: {html}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn hostile_uploads_are_refused_whole() {
    let h = harness(Limits { max_file_bytes: 4096, ..Default::default() }).await;
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    let big = vec![b'a'; 5000];
    let truncated_png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x10\0\0\0\x10\0\x08\x02\0\0\0".to_vec();
    let cases: Vec<(&[u8], StatusCode, &str)> = vec![
        (&elf, StatusCode::UNSUPPORTED_MEDIA_TYPE, "photo.jpg"),
        (&big, StatusCode::PAYLOAD_TOO_LARGE, "big.txt"),
        (&truncated_png, StatusCode::UNPROCESSABLE_ENTITY, "broken.png"),
    ];
    for (content, status, name) in cases {
        let fields: Vec<(&str, Option<&str>, &[u8])> =
            vec![("conversation", None, b"Mei: hello"), ("files", Some(name), content)];
        let (got, html) = post_multipart(&h.router, "/report/check", &fields).await;
        assert_eq!(got, status, "{name}: {html}");
        assert!(html.contains(name.rsplit('.').next().unwrap()) && html.contains("role=\"alert\""));
    }
    // A broken multipart body.
    let request = Request::builder()
        .method("POST")
        .uri("/report/check")
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .body(Body::from("--x\r\nContent-Disposition: form-data; name=\"conversation\"\r\n\r\nunterminated"))
        .unwrap();
    let (status, _, _) = send(&h.router, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(std::fs::read_dir(h.dir.path().join("evidence")).unwrap().count(), 1, "only the empty tmp directory");
}

#[tokio::test]
async fn floods_are_limited_per_client_and_platform_scoring_is_not() {
    let h = harness(Limits { per_minute: 8, ..Default::default() }).await;
    let mut codes = Vec::new();
    for _ in 0..6 {
        let (status, _, _) = get(&h.router, "/lookup?q=x", None).await;
        codes.push(status);
    }
    assert_eq!(codes[0], StatusCode::OK);
    assert_eq!(*codes.last().unwrap(), StatusCode::TOO_MANY_REQUESTS, "{codes:?}");
    let (_, _, page) = get(&h.router, "/lookup?q=x", Some("vi")).await;
    assert!(page.contains("<html lang=\"vi\">") && page.contains("Quá nhiều yêu cầu"), "{page}");
    let (_, _, body) = get(&h.router, "/api/v1/lookup?q=x", None).await;
    assert!(body.contains("rate_limited"));
    for _ in 0..20 {
        let (status, _) = json_call(&h.router, "POST", "/api/v1/assess", Some(KEY), json!({"messages": []})).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn operators_get_health_readiness_metrics_and_the_openapi_document() {
    let h = harness(Limits::default()).await;
    assert_eq!(get(&h.router, "/healthz", None).await.0, StatusCode::OK);
    assert_eq!(get(&h.router, "/readyz", None).await.0, StatusCode::OK);
    json_call(&h.router, "POST", "/api/v1/assess", Some(KEY), json!({"messages": sextortion()})).await;
    let (status, _, metrics) = get(&h.router, "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        metrics.contains("lurewatch_http_requests_total{route=\"/api/v1/assess\",method=\"POST\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("lurewatch_assessments_total{level="));
    assert!(metrics.contains("lurewatch_http_request_duration_seconds_bucket"));
    assert!(!metrics.contains("203.0.113.7"));
    let (status, _, doc) = get(&h.router, "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    for path in [
        "/api/v1/assess",
        "/api/v1/conversations/{id}/messages",
        "/api/v1/reports",
        "/api/v1/reports/status",
        "/api/v1/reports/messages",
        "/api/v1/lookup",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["MessageIn"].is_object());
}

#[tokio::test]
async fn reports_and_lookup_behave_the_same_on_postgres() {
    let db = common::FreshDatabase::new().await;
    let store = Store::open_postgres(&db.url).await.unwrap();
    let h = harness_on(store, tempfile::tempdir().unwrap(), Limits::default()).await;
    let mut receipts = Vec::new();
    for _ in 0..3 {
        let (status, receipt) =
            json_call(&h.router, "POST", "/api/v1/reports", None, json!({"messages": sextortion()})).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        receipts.push(receipt["receipt"].as_str().unwrap().to_owned());
    }
    let more = json!({"receipt": receipts[0], "messages": [{"sender": "Mei", "text": "再轉五千"}]});
    let (status, s) = json_call(&h.router, "POST", "/api/v1/reports/messages", None, more).await;
    assert_eq!((status, s["messages"].as_u64()), (StatusCode::OK, Some(5)));
    let (_, s) = json_call(&h.router, "POST", "/api/v1/reports/status", None, json!({"receipt": receipts[1]})).await;
    assert_eq!(s["messages"], 4);
    let (_, a) = json_call(&h.router, "GET", "/api/v1/lookup?q=QQ%2012345678", None, Value::Null).await;
    assert_eq!((a["level"].as_str(), a["matches"][0]["reports"].as_u64()), (Some("high"), Some(3)), "{a}");
    let (status, _, _) = get(&h.router, "/readyz", None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn text_call(router: &Router, method: &str, uri: &str, token: Option<&str>, body: &str) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "text/plain");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let (status, _, body) = send(router, request.body(Body::from(body.to_owned())).unwrap()).await;
    (status, String::from_utf8(body).unwrap())
}

/// A hash `bits` bits away from `hash` (the lowest bits flipped).
fn flip(hash: &str, bits: usize) -> String {
    let mut h: lurewatch_image::Pdq = hash.parse().unwrap();
    for b in 0..bits {
        h.0[15 - b / 16] ^= 1 << (b % 16);
    }
    h.to_string()
}

#[tokio::test]
async fn administrators_manage_banks_and_platforms_match_against_them() {
    let h = harness(Limits::default()).await;
    let a = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    let b = "0000000000000000000000000000000000000000000000000000000000000000".replace('0', "3");
    let bank = format!("hash,quality,label\n{a},100,gang-avatar-17\n{b},40,blurry\nnot-a-hash\n");

    // Only with the administrators' token.
    let (status, body) = text_call(&h.router, "PUT", "/api/v1/admin/banks/police-hk", None, &bank).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = text_call(&h.router, "PUT", "/api/v1/admin/banks/police-hk", Some(KEY), &bank).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = text_call(&h.router, "PUT", "/api/v1/admin/banks/Bad_Name", Some(ADMIN), &bank).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, body) = text_call(&h.router, "PUT", "/api/v1/admin/banks/police-hk", Some(ADMIN), &bank).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let summary: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((summary["read"].as_u64(), summary["added"].as_u64()), (Some(2), Some(2)), "{summary}");
    assert_eq!(summary["errors"].as_array().unwrap().len(), 1);
    // Importing again adds nothing.
    let (_, body) = text_call(&h.router, "PUT", "/api/v1/admin/banks/police-hk", Some(ADMIN), &bank).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["added"], 0);
    let (status, body) = text_call(&h.router, "GET", "/api/v1/admin/banks", Some(ADMIN), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()[0]["hashes"], 2);
    let (status, exported) = text_call(&h.router, "GET", "/api/v1/admin/banks/police-hk", Some(ADMIN), "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(exported.contains(&format!("{a},100,gang-avatar-17")), "{exported}");

    // Matching: within distance, nearest first; low-quality bank hashes are not matched.
    let near = json!({"hash": flip(a, 9)});
    let (status, answer) = json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), near.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["matches"][0]["bank"], "police-hk");
    assert_eq!(answer["matches"][0]["distance"], 9);
    assert_eq!(answer["matches"][0]["label"], "gang-avatar-17");
    let (_, far) = json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), json!({"hash": flip(a, 40)})).await;
    assert_eq!(far["matches"], json!([]));
    let (_, tight) =
        json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), json!({"hash": flip(a, 9), "distance": 8}))
            .await;
    assert_eq!(tight["matches"], json!([]));
    let (_, blurry) = json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), json!({"hash": b})).await;
    assert_eq!(blurry["matches"], json!([]), "bank hashes of quality below 50 are not matched");
    let (_, low) =
        json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), json!({"hash": a, "quality": 20})).await;
    assert_eq!(low["ignored"], "low_quality");
    let (status, bad) = json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), json!({"hash": "xyz"})).await;
    assert_eq!((status, code(&bad)), (StatusCode::UNPROCESSABLE_ENTITY, "bad_hash"));
    let (status, _) = json_call(&h.router, "POST", "/api/v1/hashes/match", None, near.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, _, metrics) = get(&h.router, "/metrics", None).await;
    assert!(metrics.contains("lurewatch_hash_matches_total{kind=\"admin\"} 1"), "{metrics}");

    // Deleted, it matches no more.
    let (status, _) = text_call(&h.router, "DELETE", "/api/v1/admin/banks/police-hk", Some(ADMIN), "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, gone) = json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), near).await;
    assert_eq!(gone["matches"], json!([]));
    let (status, _) = text_call(&h.router, "DELETE", "/api/v1/admin/banks/police-hk", Some(ADMIN), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn victims_protect_hashes_platforms_match_them_and_only_the_pin_withdraws_them() {
    let h = harness(Limits::default()).await;
    let mine = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064";
    let body = json!({"hashes": [{"hash": mine, "quality": 100}]});
    let (status, protection) = json_call(&h.router, "POST", "/api/v1/protect", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{protection}");
    let case = protection["case"].as_str().unwrap().to_owned();
    let pin = protection["pin"].as_str().unwrap().to_owned();
    assert_eq!((case.len(), pin.len()), (9, 8));

    // A platform learns the picture is protected, never whose case it is.
    let (_, answer) =
        json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), json!({"hash": flip(mine, 3)})).await;
    assert_eq!(answer["matches"][0]["bank"], "protected", "{answer}");
    assert_eq!(answer["matches"][0]["kind"], "victim");
    assert!(!answer.to_string().contains(&case));
    // The PIN is stored hashed.
    let db = std::fs::read(h.dir.path().join("desk.sqlite")).unwrap();
    let wal = std::fs::read(h.dir.path().join("desk.sqlite-wal")).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&[db, wal].concat()).contains(&pin));

    let bad = json!({"hashes": [{"hash": "nothex", "quality": 100}]});
    let (status, _) = json_call(&h.router, "POST", "/api/v1/protect", None, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = json_call(&h.router, "POST", "/api/v1/protect", None, json!({"hashes": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A wrong PIN withdraws nothing; the right one, on the page, withdraws it.
    let wrong = json!({"case": case, "pin": "00000000"});
    let (status, _) = json_call(&h.router, "POST", "/api/v1/protect/withdraw", None, wrong).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, html) =
        post_form(&h.router, "/protect/withdraw", &[("lang", "ko"), ("case", &case.to_lowercase()), ("pin", &pin)])
            .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"withdrawn\"") && html.contains("해시가 철회되었습니다"));
    let (_, answer) = json_call(&h.router, "POST", "/api/v1/hashes/match", Some(KEY), json!({"hash": mine})).await;
    assert_eq!(answer["matches"], json!([]));

    let (status, _, page) = get(&h.router, "/protect?lang=zh-Hant", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("保護我的相片") && page.contains("<noscript>") && page.contains("/static/protect.js"));
    let (status, headers, wasm) =
        send(&h.router, Request::builder().uri("/static/lurewatch-pdq.wasm").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (status, &headers[header::CONTENT_TYPE]),
        (StatusCode::OK, &"application/wasm".parse::<axum::http::HeaderValue>().unwrap())
    );
    assert!(wasm.starts_with(b"\0asm"));
}

#[tokio::test]
async fn the_same_avatar_in_two_reports_is_one_indicator() {
    let h = harness(Limits::default()).await;
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pdq/images");
    let avatar = std::fs::read(dir.join("bridge-mods/aaa-orig.jpg")).expect("../shared/data/pdq beside the repository");
    let expected = lurewatch_image::hash_image(&avatar).unwrap().hash.to_string();
    for conversation in
        ["Mei: 我錄了你的片段，不給錢就發給你所有朋友", "Anna: pay or I send the video to all your friends"]
    {
        let fields: Vec<(&str, Option<&str>, &[u8])> =
            vec![("conversation", None, conversation.as_bytes()), ("files", Some("avatar.jpg"), &avatar)];
        let (status, html) = post_multipart(&h.router, "/report/check", &fields).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let draft = between(&html, "name=\"draft\" value=\"", "\"").to_owned();
        let (status, _) = post_form(&h.router, "/report/store", &[("draft", draft.as_str())]).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, answer) = json_call(&h.router, "GET", &format!("/api/v1/lookup?q={expected}"), None, Value::Null).await;
    assert_eq!(answer["matches"][0]["kind"], "image_hash", "{answer}");
    assert_eq!(answer["matches"][0]["reports"], 2);
    // A slightly edited copy (ten bits off) finds the same reports.
    let edited = flip(&expected, 10);
    let (_, answer) = json_call(&h.router, "GET", &format!("/api/v1/lookup?q={edited}"), None, Value::Null).await;
    assert_eq!(answer["matches"][0]["value"], expected.as_str(), "{answer}");
    assert_eq!(answer["matches"][0]["reports"], 2);
    let (_, answer) =
        json_call(&h.router, "GET", &format!("/api/v1/lookup?q={}", flip(&expected, 60)), None, Value::Null).await;
    assert_eq!(answer["reports"], 0, "{answer}");
}

/// An unsigned APK built with Debian's `aapt` (`.ci/run` installs it).
fn video_chat_apk(dir: &std::path::Path) -> Vec<u8> {
    std::fs::create_dir_all(dir.join("res/values")).unwrap();
    std::fs::write(
        dir.join("AndroidManifest.xml"),
        "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"com.sweetlive.videochat\">\
         <uses-permission android:name=\"android.permission.READ_CONTACTS\"/>\
         <uses-permission android:name=\"android.permission.READ_SMS\"/>\
         <application android:label=\"@string/app_name\"/></manifest>",
    )
    .unwrap();
    std::fs::write(
        dir.join("res/values/strings.xml"),
        "<resources><string name=\"app_name\">視頻聊天</string></resources>",
    )
    .unwrap();
    let apk = dir.join("chat.apk");
    let status = std::process::Command::new("aapt")
        .args(["package", "-f", "-M"])
        .arg(dir.join("AndroidManifest.xml"))
        .arg("-S")
        .arg(dir.join("res"))
        .args(["-I", "/usr/share/android-framework-res/framework-res.apk", "-F"])
        .arg(&apk)
        .status()
        .expect("aapt (Debian packages aapt and android-framework-res)");
    assert!(status.success());
    std::fs::read(apk).unwrap()
}

#[tokio::test]
async fn an_app_sent_as_evidence_is_triaged_and_its_package_links_reports() {
    let h = harness(Limits::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let apk = video_chat_apk(dir.path());
    let fields: Vec<(&str, Option<&str>, &[u8])> = vec![
        ("conversation", None, "Mei: 這個App不卡，下載它我們視頻聊天".as_bytes()),
        ("files", Some("chat.apk"), &apk),
    ];
    let (status, html) = post_multipart(&h.router, "/report/check", &fields).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let verdict = between(&html, "<strong class=\"app-verdict\">", "</strong>");
    assert!(verdict.starts_with("com.sweetlive.videochat: high"), "{verdict}");
    assert!(html.contains("application/vnd.android.package-archive"));
    let draft = between(&html, "name=\"draft\" value=\"", "\"").to_owned();
    let (status, _) = post_form(&h.router, "/report/store", &[("draft", draft.as_str())]).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, answer) = json_call(&h.router, "GET", "/api/v1/lookup?q=com.sweetlive.videochat", None, Value::Null).await;
    assert_eq!(answer["matches"][0]["kind"], "app_package", "{answer}");
    assert_eq!(answer["matches"][0]["reports"], 1);
}

async fn staff_get(router: &Router, uri: &str, cookie: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = Request::builder().uri(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    send(router, request).await
}

async fn staff_post(
    router: &Router,
    uri: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, String) {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()))
        .collect::<Vec<_>>()
        .join("&");
    let mut request =
        Request::builder().method("POST").uri(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    let (status, headers, body) = send(router, request.body(Body::from(body)).unwrap()).await;
    (status, headers, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn analysts_sign_in_work_the_queue_and_every_view_is_audited() {
    use lurewatch_desk::audit::{Role, hash_password};
    let h = harness(Limits::default()).await;
    let store = h.app.desk.store();
    store.add_analyst("mei", Role::Analyst, &hash_password("a long enough password").unwrap(), 1).await.unwrap();

    // A report with a file, through the pages.
    let fields: Vec<(&str, Option<&str>, &[u8])> = vec![
        ("conversation", None, "Mei: 我錄了你的片段，不給錢就發給你所有朋友\nKa Ho: 唔好".as_bytes()),
        ("files", Some("threat.txt"), "Mei: 最後通牒".as_bytes()),
    ];
    let (_, html) = post_multipart(&h.router, "/report/check", &fields).await;
    let draft = between(&html, "name=\"draft\" value=\"", "\"").to_owned();
    let (status, _) =
        post_form(&h.router, "/report/store", &[("draft", draft.as_str()), ("region", "HK"), ("minor", "yes")]).await;
    assert_eq!(status, StatusCode::CREATED);

    // Without a session: sent to sign in.
    let (status, headers, _) = staff_get(&h.router, "/staff", "").await;
    assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/staff/login"));
    // A wrong password is refused; five lock the account, even against the right one.
    for _ in 0..5 {
        let (status, _, page) =
            staff_post(&h.router, "/staff/login", None, &[("name", "mei"), ("password", "wrong password!!")]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("role=\"alert\""));
    }
    let (status, _, _) =
        staff_post(&h.router, "/staff/login", None, &[("name", "mei"), ("password", "a long enough password")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "locked");
    store.add_analyst("kim", Role::Supervisor, &hash_password("another long password").unwrap(), 1).await.unwrap();
    let (status, headers, _) =
        staff_post(&h.router, "/staff/login", None, &[("name", "kim"), ("password", "another long password")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let set = headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/staff"));
    let cookie = set.split(';').next().unwrap().to_owned();

    // The queue, with filters.
    let (status, _, queue) = staff_get(&h.router, "/staff?region=hk&minor=true", &cookie).await;
    let queue = String::from_utf8(queue).unwrap();
    assert_eq!(status, StatusCode::OK);
    let id = between(&queue, "<a href=\"/staff/cases/", "\"").to_owned();
    let (_, _, empty) = staff_get(&h.router, "/staff?region=KR", &cookie).await;
    assert!(!String::from_utf8(empty).unwrap().contains("/staff/cases/"));

    // The report page: the conversation decrypted, the evidence lines marked, the files.
    let (status, _, page) = staff_get(&h.router, &format!("/staff/cases/{id}"), &cookie).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("我錄了你的片段") && page.contains("class=\"evidence\""), "{page}");
    let sha = between(&page, &format!("/staff/cases/{id}/files/"), "\"").to_owned();
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
    let (status, headers, bytes) = staff_get(&h.router, &format!("/staff/cases/{id}/files/{sha}"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert_eq!(String::from_utf8(bytes).unwrap(), "Mei: 最後通牒");

    // The evidence package: every part listed in the manifest with its SHA-256.
    let (status, headers, zip_bytes) = staff_get(&h.router, &format!("/staff/cases/{id}/export"), &cookie).await;
    assert_eq!(
        (status, &headers[header::CONTENT_TYPE]),
        (StatusCode::OK, &"application/zip".parse::<axum::http::HeaderValue>().unwrap())
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut manifest = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("manifest.sha256").unwrap(), &mut manifest).unwrap();
    assert_eq!(manifest.lines().count(), archive.len() - 1, "{manifest}");
    for line in manifest.lines() {
        let (hash, path) = line.split_once("  ").unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name(path).unwrap(), &mut bytes).unwrap();
        assert_eq!(hash, hex::encode(Sha256::digest(&bytes)), "{path}");
    }
    let mut audit = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("audit.json").unwrap(), &mut audit).unwrap();
    assert!(audit.contains("evidence.download") && audit.contains("case.export"), "{audit}");
    assert!(manifest.contains("files/") && manifest.contains("threat.txt"));

    // Networks: two more reports naming the same QQ number are linked to each other.
    let (_, _, page) = staff_get(&h.router, "/staff/networks", &cookie).await;
    assert!(String::from_utf8(page).unwrap().contains("id=\"no-networks\""));
    for _ in 0..2 {
        let (status, _) =
            json_call(&h.router, "POST", "/api/v1/reports", None, json!({"messages": sextortion()})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _, page) = staff_get(&h.router, "/staff/networks", &cookie).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(">Network 1</a>") && page.contains("qq:12345678") && page.contains("<td>2</td>"), "{page}");

    // Status changes need the form's token.
    let (status, _, _) = staff_post(
        &h.router,
        &format!("/staff/cases/{id}/status"),
        Some(&cookie),
        &[("csrf", "forged"), ("status", "closed")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = staff_post(
        &h.router,
        &format!("/staff/cases/{id}/status"),
        Some(&cookie),
        &[("csrf", &csrf), ("status", "triaged")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = staff_get(&h.router, &format!("/staff/cases/{id}"), &cookie).await;
    assert!(String::from_utf8(page).unwrap().contains("<dd id=\"case-status\">triaged</dd>"));

    // Signed out, the cookie opens nothing.
    let (status, _, _) = staff_post(&h.router, "/staff/logout", Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = staff_get(&h.router, "/staff", &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Every view, download and change is in the audit chain, which verifies.
    assert!(store.verify_audit().await.unwrap().unwrap() >= 11);
}

async fn sign_in(router: &Router, name: &str, password: &str) -> String {
    let (status, headers, _) =
        staff_post(router, "/staff/login", None, &[("name", name), ("password", password)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{name} signs in");
    headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// Roles: an analyst works cases but cannot refer, close, export or read statistics and
/// the audit log; nothing opens without a session; notes are sealed and audited; networks
/// and statistics read right, small counts hidden in the shareable view.
#[tokio::test]
async fn roles_notes_networks_and_statistics() {
    use lurewatch_desk::audit::{Role, hash_password};
    let h = harness(Limits::default()).await;
    let store = h.app.desk.store();
    let pw = hash_password("a long enough password").unwrap();
    for (name, role) in [("ana", Role::Analyst), ("sup", Role::Supervisor), ("adm", Role::Admin)] {
        store.add_analyst(name, role, &pw, 1).await.unwrap();
    }
    // Three reports naming the same QQ number and card; one paid, one a minor.
    let facts = [
        json!({"region": "HK", "platform": "wechat", "amount_paid": 8000, "currency": "HKD", "asked_again": true}),
        json!({"region": "HK", "platform": "wechat", "minor": true, "age": 15}),
        json!({"region": "VN", "platform": "zalo"}),
    ];
    for f in &facts {
        let (status, _) =
            json_call(&h.router, "POST", "/api/v1/reports", None, json!({"messages": sextortion(), "facts": f})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let ids: Vec<String> = store.queue(&Default::default(), 10).await.unwrap().into_iter().map(|r| r.id).collect();
    let id = ids[0].clone();

    // Without a session nothing opens, and nothing changes.
    for uri in [
        "/staff/networks".to_owned(),
        format!("/staff/networks/{id}"),
        format!("/staff/networks/{id}/graphml"),
        "/staff/statistics".into(),
        "/staff/statistics/months.csv".into(),
        "/staff/audit".into(),
        "/staff/reports.jsonl".into(),
        format!("/staff/cases/{id}/export"),
    ] {
        let (status, headers, body) = staff_get(&h.router, &uri, "lw_staff=forged").await;
        assert_eq!(
            (status, headers[header::LOCATION].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/staff/login"),
            "{uri}"
        );
        assert!(body.is_empty(), "{uri}");
    }
    let (status, _, _) =
        staff_post(&h.router, &format!("/staff/cases/{id}/notes"), None, &[("csrf", "x"), ("note", "n")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // An analyst: notes (with the form's token) and triage, nothing more.
    let ana = sign_in(&h.router, "ana", "a long enough password").await;
    let (_, _, page) = staff_get(&h.router, &format!("/staff/cases/{id}"), &ana).await;
    let page = String::from_utf8(page).unwrap();
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
    assert!(!page.contains("/export") && !page.contains("<option>closed</option>"), "no supervisor's tools: {page}");
    assert!(!page.contains("/staff/statistics") && !page.contains("/staff/audit"));
    assert!(page.contains(&format!("<a href=\"/staff/networks/{id}\">Network 1</a> (3 reports)")), "{page}");
    let note = "Payee card 6222 seen in the Guangzhou case too; 請跟進";
    let (status, _, _) =
        staff_post(&h.router, &format!("/staff/cases/{id}/notes"), Some(&ana), &[("csrf", "forged"), ("note", note)])
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a forged token is refused");
    let (status, _, _) =
        staff_post(&h.router, &format!("/staff/cases/{id}/notes"), Some(&ana), &[("csrf", &csrf), ("note", "  ")])
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an empty note");
    let (status, _, _) =
        staff_post(&h.router, &format!("/staff/cases/{id}/notes"), Some(&ana), &[("csrf", &csrf), ("note", note)])
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = staff_get(&h.router, &format!("/staff/cases/{id}"), &ana).await;
    assert!(String::from_utf8(page).unwrap().contains(note));
    let sealed = store.notes(&id).await.unwrap();
    assert_eq!(sealed.len(), 1);
    assert!(!sealed[0].sealed.contains("Guangzhou"), "notes are sealed at rest");
    assert!(store.audit_of(&id).await.unwrap().iter().any(|e| e.action == "case.note" && e.actor == "ana"));
    let (status, _, _) =
        staff_post(&h.router, "/staff/cases/nope/notes", Some(&ana), &[("csrf", &csrf), ("note", "lost")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for status_name in ["referred", "closed"] {
        let (status, _, _) = staff_post(
            &h.router,
            &format!("/staff/cases/{id}/status"),
            Some(&ana),
            &[("csrf", &csrf), ("status", status_name)],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{status_name}");
    }
    for uri in [
        format!("/staff/cases/{id}/export"),
        "/staff/statistics".into(),
        "/staff/statistics/months.csv".into(),
        "/staff/audit".into(),
        "/staff/reports.jsonl".into(),
    ] {
        let (status, _, _) = staff_get(&h.router, &uri, &ana).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }

    // The network: its reports, what they lost, the graph.
    let (status, _, page) = staff_get(&h.router, &format!("/staff/networks/{}", ids[2]), &ana).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<dd id=\"network-paid\">8,000 HKD</dd>"), "{page}");
    assert!(page.contains("<dt>Victims under 18</dt><dd>1</dd>"));
    assert_eq!(page.matches("<circle").count(), 3, "three reports drawn");
    assert!(page.contains("qq:12345678") && page.contains("<span class=\"tag\">payment_demand</span>"), "{page}");
    let (status, headers, graphml) = staff_get(&h.router, &format!("/staff/networks/{id}/graphml"), &ana).await;
    assert_eq!((status, headers[header::CONTENT_TYPE].to_str().unwrap()), (StatusCode::OK, "application/graphml+xml"));
    assert_eq!(String::from_utf8(graphml).unwrap().matches("<data key=\"type\">report</data>").count(), 3);
    let (status, _, _) = staff_get(&h.router, "/staff/networks/nope", &ana).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A supervisor: statistics, with small counts hidden in the shareable view.
    let sup = sign_in(&h.router, "sup", "a long enough password").await;
    let (status, _, page) = staff_get(&h.router, "/staff/statistics", &sup).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<p id=\"totals\">3 reports; victims under 18: <strong>1</strong>.</p>"), "{page}");
    assert!(page.matches("<svg").count() >= 8, "a chart for every figure");
    let (_, _, csv) = staff_get(&h.router, "/staff/statistics/regions.csv", &sup).await;
    assert_eq!(String::from_utf8(csv).unwrap(), "region,reports\n\"HK\",2\n\"VN\",1\n");
    let (status, headers, csv) = staff_get(&h.router, "/staff/statistics/regions.csv?view=shareable", &sup).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("regions-shareable.csv"));
    assert_eq!(String::from_utf8(csv).unwrap(), "region,reports\n\"HK\",<5\n\"VN\",<5\n");
    let (_, _, page) = staff_get(&h.router, "/staff/statistics?view=shareable", &sup).await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("victims under 18: <strong>&#60;5</strong>") || page.contains("<strong>&lt;5</strong>"),
        "{page}"
    );
    let (status, _, _) = staff_get(&h.router, "/staff/statistics/secrets.csv", &sup).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = staff_get(&h.router, "/staff/audit", &sup).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the audit log is for admins");

    // The report export reads back as the linking rule's reports, with no conversation.
    let (status, _, lines) = staff_get(&h.router, "/staff/reports.jsonl", &sup).await;
    assert_eq!(status, StatusCode::OK);
    let lines = String::from_utf8(lines).unwrap();
    assert!(!lines.contains("裸聊"), "no words of the conversation");
    let reports: Vec<lurewatch_link::Report> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(reports.len(), 3);
    assert_eq!(lurewatch_link::link(&reports, &Default::default()).networks[0].reports.len(), 3);
    assert!(store.audit_of("*").await.unwrap().iter().any(|e| e.action == "reports.export" && e.detail == "3"));

    // An admin: the audit log, intact, naming the note.
    let adm = sign_in(&h.router, "adm", "a long enough password").await;
    let (status, _, page) = staff_get(&h.router, "/staff/audit", &adm).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("class=\"ok\"") && page.contains("case.note"), "{page}");
}

/// Hard negatives in every language, through the API and the pages: a tutor's fee by QR
/// code, a parent's warning, adults flirting, a news item, a mother's warning.
#[tokio::test]
async fn warnings_news_fees_and_flirting_stay_calm_in_every_language() {
    let h = harness(Limits::default()).await;
    let cases: [(&str, Value); 5] = [
        (
            "zh-Hans",
            json!([{"sender": "王老师", "text": "家长您好，下个月的补习费是800元，请扫描二维码缴费，谢谢"}, {"sender": "家长", "text": "好的，已经付了"}]),
        ),
        (
            "zh-Hant",
            json!([{"sender": "媽媽", "text": "新聞話有人扮靚女叫人裸聊，錄低片再勒索，威脅發俾通訊錄，你千祈唔好下載陌生app"}, {"sender": "仔仔", "text": "知啦"}]),
        ),
        (
            "en",
            json!([{"sender": "Sam", "text": "you looked gorgeous tonight, can't wait to see you again"}, {"sender": "Alex", "text": "me too, dinner on friday?"}]),
        ),
        (
            "ko",
            json!([{"sender": "뉴스", "text": "경찰은 몸캠 피싱 범죄가 늘고 있다며 모르는 사람과 영상통화를 하지 말고 돈을 보내지 말라고 당부했다"}]),
        ),
        (
            "vi",
            json!([{"sender": "Mẹ", "text": "con ơi, công an cảnh báo có kẻ lừa gọi video khỏa thân rồi tống tiền, đừng bao giờ chuyển tiền cho người lạ nhé"}, {"sender": "Con", "text": "vâng ạ"}]),
        ),
    ];
    for (language, messages) in cases {
        let (status, a) =
            json_call(&h.router, "POST", "/api/v1/assess", Some(KEY), json!({"messages": messages})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((a["category"].as_str(), a["level"].as_str()), (Some("none"), Some("none")), "{language}: {a}");
        assert_eq!(a["language"], language, "{a}");
        // The check page says so in the reporter's language, with nothing quoted as evidence.
        let text: String = messages
            .as_array()
            .unwrap()
            .iter()
            .map(|m| format!("{}: {}\n", m["sender"].as_str().unwrap(), m["text"].as_str().unwrap()))
            .collect();
        let fields: Vec<(&str, Option<&str>, &[u8])> =
            vec![("lang", None, language.as_bytes()), ("conversation", None, text.as_bytes())];
        let (status, html) = post_multipart(&h.router, "/report/check", &fields).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("data-category=\"none\"") && !html.contains("class=\"quotes\""), "{language}: {html}");
    }
}
