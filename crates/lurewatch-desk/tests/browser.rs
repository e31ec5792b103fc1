//! The victims' pages in a real headless Chromium (driven through chromedriver): report in
//! each language, come back with the receipt, look up an indicator — with JavaScript off,
//! as on the oldest phones the desk is meant for.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use lurewatch_desk::config::{Config, Settings};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Each language: the page language, a conversation, what to look up and the value it
/// canonicalises to.
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "zh-Hant",
        "Mei: 你好呀，加我QQ 12345678，我哋視頻裸聊\nMei: 我錄咗你嘅片段，你通訊錄我都有晒，唔俾兩萬就發俾你所有朋友\n仔仔: 求下你唔好",
        "ＱＱ：１２３４５６７８",
        "qq:12345678",
    ),
    (
        "zh-Hans",
        "小雪: 加我微信 xue_8888，我们视频裸聊\n小雪: 我已经录下了你的视频，你的通讯录我都有，不转两万就发给你所有好友\n我: 求你了不要",
        "微信号 xue_8888",
        "wechat:xue_8888",
    ),
    (
        "en",
        "Anna: add me on telegram @sweetanna22, let's video chat naked\nAnna: I recorded you. I have your contact list. Pay $500 or I send the video to all your friends\nTom: please don't",
        "t.me/sweetanna22",
        "telegram:sweetanna22",
    ),
    (
        "ko",
        "미나: 카톡 아이디 sexymina77 추가해줘 영상통화 하자\n미나: 너 영상 녹화했어. 연락처 다 있으니까 300만원 안 보내면 지인들한테 다 뿌린다\n민수: 제발 하지 마세요",
        "sexymina77",
        "kakao:sexymina77",
    ),
    (
        "vi",
        "Linh: kết bạn zalo 0912 345 678 để gọi video nhé\nLinh: tao đã quay video của mày rồi, có danh bạ của mày, chuyển 20 triệu không thì gửi cho tất cả bạn bè\nNam: xin đừng làm vậy",
        "+84 912345678",
        "zalo:+84912345678",
    ),
];

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser(accept_language: &str, profile: &std::path::Path) -> (Driver, Client) {
    browser_with(accept_language, profile, false).await
}

async fn browser_with(accept_language: &str, profile: &std::path::Path, javascript: bool) -> (Driver, Client) {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "the browser tests need Debian's chromium and chromium-driver (.ci/run installs them)"
    );
    let port = free_port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display()),
                     format!("--lang={accept_language}")],
            "prefs": {"intl.accept_languages": accept_language, "webkit.webprefs.javascript_enabled": javascript}
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last = None;
    for _ in 0..100 {
        match ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start: {last:?}");
}

async fn start_desk(dir: &std::path::Path) -> SocketAddr {
    let settings = Settings {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.to_owned()),
        per_minute: Some(100_000),
        ..Default::default()
    };
    let config = Config::resolve(settings, None).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        lurewatch_desk::http::serve(&config, Arc::new(lurewatch_core::Engine::new()), std::future::pending(), |a| {
            let _ = tx.send(a);
        })
        .await
        .unwrap();
    });
    rx.await.unwrap()
}

/// Waits for the page a click leads to (a click does not wait for the navigation).
async fn wait_for(c: &Client, css: &str) {
    if let Err(e) = c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await {
        panic!("{css} did not appear ({e}) on {:?}:\n{}", c.current_url().await, c.source().await.unwrap_or_default());
    }
}

/// The text of the element `css` finds, once `ok` accepts it. A click does not wait for the
/// page it leads to, and the page before may have the same element: so the element may be
/// missing while the next page loads, go stale between finding and reading it, or still
/// show the page before's text. Each is tried again for up to 20 s.
async fn text_until(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        match c.find(Locator::Css(css)).await {
            Ok(element) => match element.text().await {
                Ok(text) if ok(&text) => return text,
                Ok(text) => last = text,
                Err(e) if e.is_stale_element_reference() => {}
                Err(e) => panic!("{css}: {e}"),
            },
            Err(e) if e.is_no_such_element() => {}
            Err(e) => panic!("{css}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed the text expected in 20 s on {:?}; it last read {last:?}", c.current_url().await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_come_back_and_look_up_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let desk = start_desk(&dir.path().join("desk")).await;
    let base = format!("http://{desk}");

    // The browser's language picks the page's language.
    let (driver, c) = browser("ko-KR,ko", &dir.path().join("profile-ko")).await;
    c.goto(&base).await.unwrap();
    let lang = c.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
    assert_eq!(lang.as_deref(), Some("ko"));
    c.close().await.unwrap();
    drop(driver);

    let (_driver, c) = browser("en-US,en", &dir.path().join("profile")).await;
    for (tag, conversation, query, value) in CASES {
        // Switch language with the switcher, as a person would.
        c.goto(&format!("{base}/report")).await.unwrap();
        c.find(Locator::Css(&format!(".languages a[hreflang='{tag}']"))).await.unwrap().click().await.unwrap();
        wait_for(&c, &format!("html[lang='{tag}']")).await;
        let lang = c.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
        assert_eq!(lang.as_deref(), Some(*tag));

        // Check: the verdict and advice, before anything is stored.
        c.find(Locator::Id("conversation")).await.unwrap().send_keys(conversation).await.unwrap();
        c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for(&c, "#verdict-level").await;
        let level = c.find(Locator::Id("verdict-level")).await.unwrap().attr("data-level").await.unwrap();
        assert!(matches!(level.as_deref(), Some("medium" | "high" | "critical")), "{tag}: {level:?}");
        let category = c.find(Locator::Css("[data-category]")).await.unwrap().attr("data-category").await.unwrap();
        assert_eq!(category.as_deref(), Some("sextortion"), "{tag}");
        assert!(!c.find_all(Locator::Css("ol.advice li")).await.unwrap().is_empty(), "{tag}: advice is shown");
        text_until(&c, ".indicators", |t| t.contains(value)).await;

        // Store: the receipt code is shown once.
        c.find(Locator::Css("input[name=minor][value=yes]")).await.unwrap().click().await.unwrap();
        c.find(Locator::Css("form[action='/report/store'] button")).await.unwrap().click().await.unwrap();
        wait_for(&c, "#receipt-code").await;
        let receipt = text_until(&c, "#receipt-code", |t| !t.is_empty()).await;
        assert_eq!(receipt.len(), 24, "{tag}: {receipt}");
        let lang = c.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
        assert_eq!(lang.as_deref(), Some(*tag), "the page stays in the chosen language");

        // Come back with the receipt, typed in lower case.
        c.goto(&format!("{base}/receipt")).await.unwrap();
        c.find(Locator::Id("code")).await.unwrap().send_keys(&receipt.to_lowercase()).await.unwrap();
        c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for(&c, "#report-messages").await;
        text_until(&c, "#report-messages", |t| t == "3").await;

        // Look up the account in another spelling.
        c.goto(&format!("{base}/lookup")).await.unwrap();
        c.find(Locator::Id("q")).await.unwrap().send_keys(query).await.unwrap();
        c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for(&c, "section.lookup table").await;
        text_until(&c, "section.lookup table", |t| t.contains(value)).await;
        let level = c.find(Locator::Css("section.lookup")).await.unwrap().attr("class").await.unwrap().unwrap();
        assert!(level.contains("level-suspected") || level.contains("level-possible"), "{tag}: {level}");
    }
    c.close().await.unwrap();
}

/// The reference hashes of Meta's test images: `(file, hash, quality)`.
fn oracle() -> Vec<(std::path::PathBuf, lurewatch_image::Pdq, u8)> {
    // Canonical: chromedriver takes only canonical paths for file inputs.
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/pdq")
        .canonicalize()
        .expect("../shared/data/pdq beside the repository");
    let text = std::fs::read_to_string(dir.join("reference-cpp-hashes.txt"))
        .expect("../shared/data/pdq beside the repository");
    text.lines()
        .map(|line| {
            let field = |k: &str| line.split(',').find_map(|f| f.strip_prefix(k)).unwrap();
            (
                dir.join("images").join(field("filename=")),
                field("hash=").parse().unwrap(),
                field("quality=").parse().unwrap(),
            )
        })
        .collect()
}

/// How far the browser's hash may be from the reference's: the browser decodes JPEG with
/// its own decoder (and may manage colour), so a few bits differ; PDQ matches at 31.
const BROWSER_TOLERANCE: u32 = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_are_hashed_in_the_browser_and_only_hashes_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let desk = start_desk(&dir.path().join("desk")).await;
    let base = format!("http://{desk}");
    let images = oracle();
    let (_driver, c) = browser_with("en-US,en", &dir.path().join("profile"), true).await;
    c.goto(&format!("{base}/protect?lang=en")).await.unwrap();
    let paths: Vec<String> = images.iter().map(|(p, _, _)| p.display().to_string()).collect();
    c.find(Locator::Id("pictures")).await.unwrap().send_keys(&paths.join("\n")).await.unwrap();
    let mut rows = Vec::new();
    for _ in 0..600 {
        rows = c.find_all(Locator::Css("#protect-hashes tbody tr")).await.unwrap();
        let store = c.find(Locator::Id("protect-store")).await.unwrap();
        let enabled = store.prop("disabled").await.unwrap().is_none_or(|d| d != "true");
        if rows.len() == images.len() && enabled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rows.len(), images.len(), "every picture gets a row");
    let mut worst = 0;
    let mut exact = 0;
    for (row, (path, want, quality)) in rows.iter().zip(&images) {
        let cells = row.find_all(Locator::Css("td")).await.unwrap();
        let hash: lurewatch_image::Pdq =
            cells[1].text().await.unwrap().trim().parse().unwrap_or_else(|_| panic!("{}: no hash", path.display()));
        let d = hash.distance(want);
        worst = worst.max(d);
        exact += usize::from(d == 0);
        assert!(d <= BROWSER_TOLERANCE, "{}: {d} bits from the reference", path.display());
        let got_quality: i32 = cells[2].text().await.unwrap().trim().parse().unwrap();
        assert!(
            (got_quality - i32::from(*quality)).abs() <= 10,
            "{}: quality {got_quality} vs {quality}",
            path.display()
        );
    }
    eprintln!("browser hashes: {exact} of {} exact, at most {worst} bits from the reference", images.len());

    // Only hashes leave: store them, then a platform matches the original picture.
    c.find(Locator::Id("protect-store")).await.unwrap().click().await.unwrap();
    wait_for(&c, "#protect-done:not([hidden])").await;
    let case = text_until(&c, "#protect-case", |t| !t.is_empty()).await;
    let pin = text_until(&c, "#protect-pin", |t| !t.is_empty()).await;
    assert_eq!((case.len(), pin.len()), (9, 8));
    let hash = lurewatch_image::hash_image(&std::fs::read(&images[0].0).unwrap()).unwrap().hash;
    let store =
        lurewatch_desk::store::Store::open_sqlite(&dir.path().join("desk").join("lurewatch.sqlite")).await.unwrap();
    let stored = store.bank_hashes(None).await.unwrap();
    assert!(
        stored.iter().any(|h| h.hash.parse::<lurewatch_image::Pdq>().unwrap().distance(&hash) <= BROWSER_TOLERANCE)
    );
    assert!(stored.iter().all(|h| h.label.is_empty()), "not even the file names are sent");

    // Withdraw with the case number and PIN, without JavaScript.
    c.goto(&format!("{base}/protect/withdraw?lang=en")).await.unwrap();
    c.find(Locator::Id("case")).await.unwrap().send_keys(&case).await.unwrap();
    c.find(Locator::Id("pin")).await.unwrap().send_keys(&pin).await.unwrap();
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(&c, "#withdrawn").await;
    assert!(store.bank_hashes(None).await.unwrap().is_empty());
    c.close().await.unwrap();
}

/// Saves what the browser shows when `LUREWATCH_SCREENSHOTS` names a folder, to look at
/// the workspace's pages.
async fn screenshot(c: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("LUREWATCH_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// The investigators' workspace in the browser, as a supervisor works it: sign in, the
/// queue, a report with a note and a status change, its network with the graph, the
/// statistics and their shareable view; signed out, nothing opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_from_sign_in_to_statistics() {
    use lurewatch_desk::audit::{Role, hash_password};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("desk");
    let desk = start_desk(&data).await;
    let base = format!("http://{desk}");
    let store = lurewatch_desk::store::Store::open_sqlite(&data.join("lurewatch.sqlite")).await.unwrap();
    store.add_analyst("wing", Role::Supervisor, &hash_password("a long enough password").unwrap(), 1).await.unwrap();

    let (_driver, c) = browser_with("en-US,en", &dir.path().join("profile"), false).await;
    c.set_window_size(1280, 1000).await.unwrap();
    // Two victims report the same account, through the victims' pages.
    for (tag, conversation, _, _) in [CASES[0], CASES[0]] {
        c.goto(&format!("{base}/report?lang={tag}")).await.unwrap();
        c.find(Locator::Id("conversation")).await.unwrap().send_keys(conversation).await.unwrap();
        c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for(&c, "form[action='/report/store'] button").await;
        c.find(Locator::Css("form[action='/report/store'] button")).await.unwrap().click().await.unwrap();
        wait_for(&c, "#receipt-code").await;
    }

    // Signed out, the workspace sends to sign in.
    c.goto(&format!("{base}/staff/statistics")).await.unwrap();
    wait_for(&c, "input#password").await;
    c.find(Locator::Id("name")).await.unwrap().send_keys("wing").await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys("a long enough password").await.unwrap();
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();

    // The queue.
    wait_for(&c, "#queue tbody tr").await;
    let rows = c.find_all(Locator::Css("#queue tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 2);
    screenshot(&c, "queue").await;

    // A report: the conversation with the evidence marked; a note; a status change.
    c.find(Locator::Css("#queue tbody tr a")).await.unwrap().click().await.unwrap();
    wait_for(&c, "#conversation").await;
    assert!(!c.find_all(Locator::Css("#conversation li.evidence")).await.unwrap().is_empty());
    text_until(&c, "#indicators", |t| t.contains("qq:12345678")).await;
    c.find(Locator::Id("note"))
        .await
        .unwrap()
        .send_keys("Same QQ as last week's report; called the school.")
        .await
        .unwrap();
    c.find(Locator::Css("#notes form button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "ol.notes li").await;
    text_until(&c, "ol.notes", |t| t.contains("called the school")).await;
    c.find(Locator::XPath("//select[@id='status']/option[.='referred']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("form.inline button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "#case-status").await;
    text_until(&c, "#case-status", |t| t == "referred").await;
    screenshot(&c, "case").await;

    // Its network: both reports, the shared account, the graph.
    c.find(Locator::Css("#case-network a")).await.unwrap().click().await.unwrap();
    wait_for(&c, "svg#graph").await;
    assert_eq!(c.find_all(Locator::Css("svg#graph circle")).await.unwrap().len(), 2);
    text_until(&c, "#shared", |t| t.contains("qq:12345678")).await;
    assert_eq!(c.find_all(Locator::Css("#network-reports tbody tr")).await.unwrap().len(), 2);
    c.find(Locator::Css("figure.graph")).await.unwrap().screenshot().await.unwrap();
    if std::env::var_os("LUREWATCH_SCREENSHOTS").is_some() {
        let url = c.current_url().await.unwrap();
        c.goto(&format!("{url}#graph")).await.unwrap();
    }
    screenshot(&c, "network").await;

    // The statistics: a chart and a table for every figure; the shareable view hides
    // counts under five.
    c.find(Locator::LinkText("Statistics")).await.unwrap().click().await.unwrap();
    wait_for(&c, "#totals").await;
    text_until(&c, "#totals", |t| t.starts_with("2 reports")).await;
    let charts = c.find_all(Locator::Css("section.figure figure.chart svg")).await.unwrap();
    assert!(charts.len() >= 8, "{} charts", charts.len());
    text_until(&c, "#figure-categories table", |t| t.contains("sextortion 2")).await;
    screenshot(&c, "statistics").await;
    c.find(Locator::Id("to-shareable")).await.unwrap().click().await.unwrap();
    wait_for(&c, "#shareable").await;
    text_until(&c, "#figure-categories table", |t| t.contains("sextortion <5")).await;
    let csv = c.find(Locator::Css("#figure-months a[download]")).await.unwrap().attr("href").await.unwrap();
    assert_eq!(csv.as_deref(), Some("/staff/statistics/months.csv?view=shareable"));

    // Signed out, the same page sends to sign in again.
    c.find(Locator::Css("nav form button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "input#password").await;
    c.goto(&format!("{base}/staff/networks")).await.unwrap();
    wait_for(&c, "input#password").await;
    c.close().await.unwrap();
}
