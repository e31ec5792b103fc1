//! The victims' pages: server-rendered, usable without JavaScript, in five languages.
//!
//! Checking a conversation stores nothing: what was checked waits in memory (a draft,
//! bounded in size and time) until the reporter chooses to store it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use lurewatch_core::{AdviceItem, Assessment, Category, Language, Level};
use serde::Deserialize;

use crate::desk::{DeskError, LookupLevel, MessageIn, Submission, parse_conversation};
use crate::http::App;
use crate::i18n::{self, Texts};
use crate::store::Facts;
use crate::upload::{self, Upload, UploadError};

/// The languages offered, by tag and own name.
const LANGUAGES: &[(&str, &str)] =
    &[("zh-Hant", "繁體中文"), ("zh-Hans", "简体中文"), ("en", "English"), ("ko", "한국어"), ("vi", "Tiếng Việt")];
const PLATFORMS: &[(&str, &str)] = &[
    ("wechat", "WeChat 微信"),
    ("qq", "QQ"),
    ("whatsapp", "WhatsApp"),
    ("line", "LINE"),
    ("kakaotalk", "KakaoTalk 카카오톡"),
    ("zalo", "Zalo"),
    ("telegram", "Telegram"),
    ("instagram", "Instagram"),
    ("facebook", "Facebook / Messenger"),
    ("snapchat", "Snapchat"),
    ("tiktok", "TikTok / 抖音"),
    ("discord", "Discord"),
    ("dating_app", "Dating app"),
    ("game", "Game"),
    ("other", "Other"),
];
const REGIONS: &[(&str, &str)] = &[
    ("HK", "香港 Hong Kong"),
    ("MO", "澳門 Macao"),
    ("TW", "台灣 Taiwan"),
    ("CN", "中国 China"),
    ("KR", "대한민국 Korea"),
    ("VN", "Việt Nam"),
    ("SG", "Singapore"),
    ("MY", "Malaysia"),
    ("US", "United States"),
    ("GB", "United Kingdom"),
    ("ZZ", "Other"),
];
const CURRENCIES: &[&str] =
    &["HKD", "CNY", "TWD", "MOP", "KRW", "VND", "SGD", "MYR", "USD", "EUR", "GBP", "USDT", "BTC"];
const CHANNELS: &[&str] = &["bank_transfer", "qr_code", "e_wallet", "crypto", "gift_card", "other"];

/// Checks what a reporter says, whichever way it came.
pub(crate) fn checked_facts(f: Facts) -> Result<Facts, String> {
    let word = |name: &str, v: &Option<String>, ok: &dyn Fn(&str) -> bool| match v {
        Some(v) if !ok(v) => Err(format!("`{name}` is not one of the values the desk takes")),
        _ => Ok(()),
    };
    word("platform", &f.platform, &|v| PLATFORMS.iter().any(|(p, _)| *p == v))?;
    word("region", &f.region, &|v| v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase()))?;
    word("currency", &f.currency, &|v| CURRENCIES.contains(&v))?;
    word("payment_channel", &f.payment_channel, &|v| CHANNELS.contains(&v))?;
    if let Some(a) = f.amount_paid
        && !(a.is_finite() && (0.0..=1e13).contains(&a))
    {
        return Err("`amount_paid` must be a number from 0".into());
    }
    if let Some(age) = f.age
        && !(1..=120).contains(&age)
    {
        return Err("`age` must be from 1 to 120".into());
    }
    Ok(f)
}

/// What the verdict block shows.
pub(crate) struct VerdictView {
    level: &'static str,
    level_key: &'static str,
    category: &'static str,
    category_key: &'static str,
    risk: u8,
    advice: Vec<AdviceItem>,
    quotes: Vec<String>,
    indicators: Vec<(&'static str, String)>,
}

impl VerdictView {
    fn of(a: &Assessment) -> VerdictView {
        let mut quotes: Vec<String> = Vec::new();
        for e in &a.tactics {
            if Some(&e.sender) == a.suspect.as_ref() && !quotes.contains(&e.quote) && quotes.len() < 12 {
                quotes.push(e.quote.clone());
            }
        }
        VerdictView {
            level: a.level.id(),
            level_key: level_key(a.level),
            category: a.category.id(),
            category_key: match a.category {
                Category::Sextortion => "category-sextortion",
                Category::Grooming => "category-grooming",
                Category::None => "category-none",
            },
            risk: a.risk,
            advice: a.advice.clone(),
            quotes,
            indicators: a
                .indicators
                .iter()
                .filter(|i| i.found.kind != lurewatch_core::indicator::IndicatorKind::Amount)
                .take(40)
                .map(|i| (i.found.kind.as_str(), i.found.value.clone()))
                .collect(),
        }
    }
}

fn level_key(level: Level) -> &'static str {
    match level {
        Level::None => "level-none",
        Level::Low => "level-low",
        Level::Medium => "level-medium",
        Level::High => "level-high",
        Level::Critical => "level-critical",
    }
}

fn lookup_key(level: LookupLevel) -> &'static str {
    match level {
        LookupLevel::NoRecord => "lookup-no_record",
        LookupLevel::Possible => "lookup-possible",
        LookupLevel::Suspected => "lookup-suspected",
        LookupLevel::High => "lookup-high",
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
    advice: Vec<AdviceItem>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
    v: VerdictView,
    files: Vec<(String, &'static str, String, String)>,
    draft: String,
    platforms: &'a [(&'a str, &'a str)],
    regions: &'a [(&'a str, &'a str)],
    currencies: &'a [&'a str],
    channels: Vec<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
    code: String,
    download: String,
    v: VerdictView,
}

#[derive(Template)]
#[template(path = "receipt_form.html")]
struct ReceiptFormPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
    unknown: bool,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
    added: bool,
    status_key: &'static str,
    stored: String,
    updated: String,
    messages: u32,
    file_count: u32,
    v: VerdictView,
    code: String,
}

struct LookupRowView {
    kind: String,
    value: String,
    level_key: &'static str,
    reports: u32,
    first_seen: String,
    last_seen: String,
    listed: bool,
}

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
    query: String,
    answer: Option<Vec<LookupRowView>>,
    answer_level: &'static str,
    answer_key: &'static str,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
    message: String,
    back: &'a str,
}

/// The language of a request: `?lang=`, else the `lang` cookie, else `Accept-Language`.
fn language(headers: &HeaderMap, asked: Option<&str>) -> Language {
    if let Some(l) = asked.and_then(|a| a.parse().ok()) {
        return l;
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lang="))
        .and_then(|l| l.parse().ok());
    cookie.unwrap_or_else(|| {
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map_or(Language::En, i18n::negotiate)
    })
}

/// A rendered page; a `?lang=` choice is remembered in a cookie (the only one).
fn page(status: StatusCode, html: Result<String, askama::Error>, remember: Option<Language>) -> Response {
    match html {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            if let Some(l) = remember
                && let Ok(v) =
                    HeaderValue::from_str(&format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", l.tag()))
            {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            response
        }
        Err(e) => {
            eprintln!("lurewatch serve: a page did not render: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be shown").into_response()
        }
    }
}

fn error_page(language: Language, status: StatusCode, message: String, back: &str) -> Response {
    let t = Texts::of(language);
    page(status, ErrorPage { t, languages: LANGUAGES, here: back, message, back }.render(), None)
}

fn desk_error_page(language: Language, e: DeskError, back: &str) -> Response {
    let t = Texts::of(language);
    let status = crate::http::desk_status(&e).0;
    let message = match &e {
        DeskError::Store(_) | DeskError::Vault(_) => {
            eprintln!("lurewatch serve: {e}");
            t.get("error-title").to_owned()
        }
        other => other.to_string(),
    };
    error_page(language, status, message, back)
}

/// Turns the rate limiter's answer into a page, in the reader's language, for the pages
/// (the API keeps its JSON error).
pub(crate) async fn limited_as_page(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let page_request = !request.uri().path().starts_with("/api/");
    let l = language(request.headers(), None);
    let response = next.run(request).await;
    if page_request && response.status() == StatusCode::TOO_MANY_REQUESTS {
        return error_page(l, StatusCode::TOO_MANY_REQUESTS, Texts::of(l).get("error-limit").to_owned(), "/");
    }
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

pub(crate) async fn home(State(app): State<Arc<App>>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let l = language(&headers, q.lang.as_deref());
    let advice = app.desk.engine().advice().advise(l, Category::Sextortion, &[], false);
    let html = HomePage { t: Texts::of(l), languages: LANGUAGES, here: "/", advice }.render();
    page(StatusCode::OK, html, q.lang.as_ref().map(|_| l))
}

pub(crate) async fn report_form(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let l = language(&headers, q.lang.as_deref());
    page(
        StatusCode::OK,
        ReportPage { t: Texts::of(l), languages: LANGUAGES, here: "/report" }.render(),
        q.lang.as_ref().map(|_| l),
    )
}

/// What a multipart form of the desk carries.
#[derive(Default)]
struct Posted {
    lang: Option<String>,
    code: Option<String>,
    conversation: String,
    files: Vec<(String, Vec<u8>)>,
}

async fn read_multipart(app: &App, mut multipart: Multipart) -> Result<Posted, DeskError> {
    let limits = app.desk.limits();
    let mut posted = Posted::default();
    let bad = DeskError::BadForm;
    while let Some(mut field) =
        multipart.next_field().await.map_err(|e| bad(format!("the form could not be read: {e}")))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| bad(format!("the form could not be read: {e}")))? {
            bytes.extend_from_slice(&chunk);
            let limit = if file_name.is_some() { limits.max_file_bytes } else { limits.max_message_bytes * 16 };
            if bytes.len() > limit {
                return Err(UploadError::TooLarge {
                    name: upload::clean_name(file_name.as_deref().unwrap_or(&name)),
                    limit,
                }
                .into());
            }
        }
        match (name.as_str(), file_name) {
            ("files", Some(file_name)) => {
                // A file input left empty still sends a part without a name or bytes.
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                if posted.files.len() == limits.max_files {
                    return Err(UploadError::TooMany(limits.max_files).into());
                }
                posted.files.push((file_name, bytes));
            }
            (field, _) => {
                let text =
                    String::from_utf8(bytes).map_err(|_| bad(format!("the field `{field}` is not UTF-8 text")))?;
                match field {
                    "lang" => posted.lang = Some(text),
                    "code" => posted.code = Some(text),
                    "conversation" => posted.conversation = text,
                    _ => {}
                }
            }
        }
    }
    Ok(posted)
}

/// Checks the files (off the async threads: QR codes are read from pictures) and reads
/// the conversation from the text and from text files.
async fn prepare(app: &Arc<App>, posted: Posted) -> Result<(Vec<MessageIn>, Vec<Upload>), DeskError> {
    let app2 = app.clone();
    let max = app.desk.limits().max_file_bytes;
    let files = tokio::task::spawn_blocking(move || {
        posted
            .files
            .into_iter()
            .map(|(name, bytes)| upload::check(app2.desk.engine(), &name, bytes, max))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|_| DeskError::BadForm("a file could not be checked".into()))??;
    let mut messages = parse_conversation(&posted.conversation);
    for f in files.iter().filter(|f| f.text) {
        messages.extend(parse_conversation(&String::from_utf8_lossy(&f.content)));
    }
    app.desk.check_messages(&messages)?;
    Ok((messages, files))
}

pub(crate) async fn report_check(State(app): State<Arc<App>>, headers: HeaderMap, multipart: Multipart) -> Response {
    let fallback = language(&headers, None);
    let posted = match read_multipart(&app, multipart).await {
        Ok(p) => p,
        Err(e) => return desk_error_page(fallback, e, "/report"),
    };
    let l = language(&headers, posted.lang.as_deref());
    let (messages, files) = match prepare(&app, posted).await {
        Ok(x) => x,
        Err(e) => return desk_error_page(l, e, "/report"),
    };
    if messages.is_empty() && files.is_empty() {
        return desk_error_page(l, DeskError::Empty, "/report");
    }
    let assessment = match app.desk.assess("report", &messages) {
        Ok(a) => a,
        Err(e) => return desk_error_page(l, e, "/report"),
    };
    app.metrics.assessed(assessment.level);
    let mut v = VerdictView::of(&assessment);
    for f in files.iter().flat_map(|f| &f.indicators) {
        if !v.indicators.iter().any(|(_, value)| *value == f.value) {
            v.indicators.push((f.kind.as_str(), f.value.clone()));
        }
    }
    for (kind, value) in files.iter().filter_map(|f| f.apk.as_ref()).flat_map(lurewatch_apk::indicators) {
        if !v.indicators.iter().any(|(_, existing)| *existing == value) {
            v.indicators.push((kind, value));
        }
    }
    let file_rows = files
        .iter()
        .map(|f| {
            let note = f.apk.as_ref().map_or_else(String::new, |t| {
                let first = t.reasons.first().map_or("", |r| r.text.as_str());
                format!("{}: {} {first}", t.package.as_deref().unwrap_or("app"), t.level.id())
            });
            (f.name.clone(), f.media_type, human_size(f.content.len()), note)
        })
        .collect();
    let draft = app.drafts.put(Draft { messages, files, created: Instant::now() });
    let t = Texts::of(l);
    let html = CheckPage {
        t,
        languages: LANGUAGES,
        here: "/report",
        v,
        files: file_rows,
        draft,
        platforms: PLATFORMS,
        regions: REGIONS,
        currencies: CURRENCIES,
        channels: CHANNELS.iter().map(|c| (*c, t.get(channel_key(c)))).collect(),
    }
    .render();
    page(StatusCode::OK, html, None)
}

fn channel_key(c: &str) -> &'static str {
    match c {
        "bank_transfer" => "channel-bank_transfer",
        "qr_code" => "channel-qr_code",
        "e_wallet" => "channel-e_wallet",
        "crypto" => "channel-crypto",
        "gift_card" => "channel-gift_card",
        _ => "channel-other",
    }
}

fn human_size(bytes: usize) -> String {
    match bytes {
        b if b < 1 << 10 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.0} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / 1048576.0),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct StoreForm {
    lang: Option<String>,
    draft: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    minor: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    asked_again: String,
    #[serde(default)]
    statement: String,
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn yes_no(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

pub(crate) async fn report_store(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<StoreForm>,
) -> Response {
    let l = language(&headers, form.lang.as_deref());
    let t = Texts::of(l);
    let number = |s: &str| -> Result<Option<f64>, String> {
        some(s)
            .map(|s| s.replace([',', ' '], "").parse::<f64>().map_err(|_| format!("`{s}` is not a number")))
            .transpose()
    };
    let facts = (|| {
        let age = number(&form.age)?
            .map(|a| {
                if a.fract() == 0.0 && (1.0..=120.0).contains(&a) {
                    Ok(a as u8)
                } else {
                    Err("`age` must be from 1 to 120".to_owned())
                }
            })
            .transpose()?;
        checked_facts(Facts {
            platform: some(&form.platform),
            region: some(&form.region),
            amount_paid: number(&form.amount)?,
            currency: some(&form.currency),
            payment_channel: some(&form.channel),
            minor: yes_no(&form.minor),
            age,
            asked_again: yes_no(&form.asked_again),
        })
    })();
    let facts = match facts {
        Ok(f) => f,
        Err(m) => return error_page(l, StatusCode::UNPROCESSABLE_ENTITY, m, "/report"),
    };
    let Some(draft) = app.drafts.take(&form.draft) else {
        return error_page(l, StatusCode::GONE, t.get("check-expired").to_owned(), "/report");
    };
    let submission =
        Submission { messages: draft.messages, facts, statement: some(&form.statement), files: draft.files };
    match app.desk.submit(&submission).await {
        Ok(receipt) => {
            app.metrics.stored();
            let text = format!("{}: {}\n", t.get("receipt-file"), receipt.receipt);
            let html = ReceiptPage {
                t,
                languages: LANGUAGES,
                here: "/receipt",
                download: percent_encode(&text),
                code: receipt.receipt,
                v: VerdictView::of(&receipt.assessment),
            }
            .render();
            page(StatusCode::CREATED, html, None)
        }
        Err(e) => {
            // Not stored: the check waits again under the same token, so that trying again
            // loses nothing the reporter sent.
            let Submission { messages, files, .. } = submission;
            app.drafts.restore(&form.draft, Draft { messages, files, created: Instant::now() });
            desk_error_page(l, e, "/report")
        }
    }
}

/// Text for a URL: everything but unreserved characters escaped.
pub(crate) fn percent_encode(s: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

pub(crate) async fn receipt_form(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let l = language(&headers, q.lang.as_deref());
    let html = ReceiptFormPage { t: Texts::of(l), languages: LANGUAGES, here: "/receipt", unknown: false }.render();
    page(StatusCode::OK, html, q.lang.as_ref().map(|_| l))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReceiptForm {
    lang: Option<String>,
    code: String,
}

async fn status_page(app: &App, l: Language, code: &str, added: bool) -> Response {
    let t = Texts::of(l);
    match app.desk.status(code).await {
        Ok(s) => {
            let html = StatusPage {
                t,
                languages: LANGUAGES,
                here: "/receipt",
                added,
                status_key: match s.status.as_str() {
                    "triaged" => "status-triaged",
                    "referred" => "status-referred",
                    "closed" => "status-closed",
                    _ => "status-new",
                },
                stored: s.stored,
                updated: s.updated,
                messages: s.messages,
                file_count: s.files,
                v: VerdictView::of(&s.assessment),
                code: code.to_owned(),
            }
            .render();
            page(StatusCode::OK, html, None)
        }
        Err(DeskError::UnknownReceipt) => {
            let html = ReceiptFormPage { t, languages: LANGUAGES, here: "/receipt", unknown: true }.render();
            page(StatusCode::NOT_FOUND, html, None)
        }
        Err(e) => desk_error_page(l, e, "/receipt"),
    }
}

pub(crate) async fn receipt_open(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<ReceiptForm>,
) -> Response {
    let l = language(&headers, form.lang.as_deref());
    status_page(&app, l, &form.code, false).await
}

pub(crate) async fn receipt_add(State(app): State<Arc<App>>, headers: HeaderMap, multipart: Multipart) -> Response {
    let fallback = language(&headers, None);
    let posted = match read_multipart(&app, multipart).await {
        Ok(p) => p,
        Err(e) => return desk_error_page(fallback, e, "/receipt"),
    };
    let l = language(&headers, posted.lang.as_deref());
    let code = posted.code.clone().unwrap_or_default();
    let (messages, files) = match prepare(&app, posted).await {
        Ok(x) => x,
        Err(e) => return desk_error_page(l, e, "/receipt"),
    };
    match app.desk.add(&code, messages, files).await {
        Ok(_) => status_page(&app, l, &code, true).await,
        Err(DeskError::UnknownReceipt) => status_page(&app, l, &code, false).await,
        Err(e) => desk_error_page(l, e, "/receipt"),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LookupForm {
    lang: Option<String>,
    q: Option<String>,
}

pub(crate) async fn lookup_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(form): Query<LookupForm>,
) -> Response {
    let l = language(&headers, form.lang.as_deref());
    let t = Texts::of(l);
    let query = form.q.unwrap_or_default();
    let (answer, level) = if query.trim().is_empty() {
        (None, LookupLevel::NoRecord)
    } else {
        match app.desk.lookup(&query).await {
            Ok(a) => (
                Some(
                    a.matches
                        .into_iter()
                        .map(|m| LookupRowView {
                            kind: m.kind,
                            value: m.value,
                            level_key: lookup_key(m.level),
                            reports: m.reports,
                            first_seen: m.first_seen.unwrap_or_else(|| "–".into()),
                            last_seen: m.last_seen.unwrap_or_else(|| "–".into()),
                            listed: m.listed.is_some(),
                        })
                        .collect(),
                ),
                a.level,
            ),
            Err(e) => return desk_error_page(l, e, "/lookup"),
        }
    };
    let answer_level = match level {
        LookupLevel::NoRecord => "no_record",
        LookupLevel::Possible => "possible",
        LookupLevel::Suspected => "suspected",
        LookupLevel::High => "high",
    };
    let html = LookupPage {
        t,
        languages: LANGUAGES,
        here: "/lookup",
        query,
        answer,
        answer_level,
        answer_key: lookup_key(level),
    }
    .render();
    page(StatusCode::OK, html, form.lang.as_ref().map(|_| l))
}

pub(crate) async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../static/desk.css"),
    )
        .into_response()
}

/// A checked report waiting to be stored.
pub(crate) struct Draft {
    messages: Vec<MessageIn>,
    files: Vec<Upload>,
    created: Instant,
}

impl Draft {
    fn bytes(&self) -> usize {
        self.messages.iter().map(|m| m.text.len() + m.sender.len() + 32).sum::<usize>()
            + self.files.iter().map(|f| f.content.len() + f.name.len()).sum::<usize>()
    }
}

/// Checked reports waiting to be stored, bounded in bytes and time; the oldest go first.
pub(crate) struct Drafts {
    inner: Mutex<HashMap<String, Draft>>,
    max_bytes: usize,
    ttl: Duration,
}

impl std::fmt::Debug for Drafts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drafts").field("max_bytes", &self.max_bytes).field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl Drafts {
    pub(crate) fn new(max_bytes: usize, ttl: Duration) -> Drafts {
        Drafts { inner: Mutex::new(HashMap::new()), max_bytes, ttl }
    }

    fn put(&self, draft: Draft) -> String {
        let token = hex::encode(rand::random::<[u8; 16]>());
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, d| now.duration_since(d.created) < self.ttl);
        let mut total: usize = map.values().map(Draft::bytes).sum::<usize>() + draft.bytes();
        while total > self.max_bytes {
            let Some(oldest) = map.iter().min_by_key(|(_, d)| d.created).map(|(k, _)| k.clone()) else { break };
            total -= map.remove(&oldest).map_or(0, |d| d.bytes());
        }
        map.insert(token.clone(), draft);
        token
    }

    fn restore(&self, token: &str, draft: Draft) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).insert(token.to_owned(), draft);
    }

    fn take(&self, token: &str) -> Option<Draft> {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(token).filter(|d| d.created.elapsed() < self.ttl)
    }
}

#[derive(Template)]
#[template(path = "protect.html")]
struct ProtectPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
}

#[derive(Template)]
#[template(path = "withdraw.html")]
struct WithdrawPage<'a> {
    t: &'a Texts,
    languages: &'a [(&'a str, &'a str)],
    here: &'a str,
    withdrawn: Option<u64>,
    unknown: bool,
}

pub(crate) async fn protect_page(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let l = language(&headers, q.lang.as_deref());
    let html = ProtectPage { t: Texts::of(l), languages: LANGUAGES, here: "/protect" }.render();
    page(StatusCode::OK, html, q.lang.as_ref().map(|_| l))
}

pub(crate) async fn withdraw_form(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let l = language(&headers, q.lang.as_deref());
    let html = WithdrawPage {
        t: Texts::of(l),
        languages: LANGUAGES,
        here: "/protect/withdraw",
        withdrawn: None,
        unknown: false,
    }
    .render();
    page(StatusCode::OK, html, q.lang.as_ref().map(|_| l))
}

#[derive(Debug, Deserialize)]
pub(crate) struct WithdrawForm {
    lang: Option<String>,
    case: String,
    pin: String,
}

pub(crate) async fn withdraw_submit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<WithdrawForm>,
) -> Response {
    let l = language(&headers, form.lang.as_deref());
    let (status, withdrawn, unknown) = match app.desk.withdraw(&form.case, &form.pin).await {
        Ok(n) => (StatusCode::OK, Some(n), false),
        Err(DeskError::UnknownReceipt) => (StatusCode::NOT_FOUND, None, true),
        Err(e) => return desk_error_page(l, e, "/protect/withdraw"),
    };
    let html =
        WithdrawPage { t: Texts::of(l), languages: LANGUAGES, here: "/protect/withdraw", withdrawn, unknown }.render();
    page(status, html, None)
}

pub(crate) async fn protect_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/protect.js"),
    )
        .into_response()
}

/// The PDQ hasher for browsers, built from `crates/lurewatch-wasm` by `scripts/build-wasm`.
pub(crate) async fn pdq_wasm() -> Response {
    (
        [(header::CONTENT_TYPE, "application/wasm"), (header::CACHE_CONTROL, "public, max-age=3600")],
        &include_bytes!("../static/lurewatch-pdq.wasm")[..],
    )
        .into_response()
}
