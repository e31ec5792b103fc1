//! The investigators' workspace: sign-in, the queue of reports, a report's page with its
//! conversation and files (decrypted on view, every view audited) and status changes.
//! Pages for analysts only: a session cookie (HttpOnly, SameSite=Strict, path /staff)
//! and a CSRF token in every form.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::Session;
use crate::desk::{day, now};
use crate::http::App;
use crate::store::QueueFilter;

const COOKIE: &str = "lw_staff";
const STATUSES: &[&str] = &["new", "triaged", "referred", "closed"];

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    refused: bool,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    analyst: String,
    csrf: String,
    selects: Vec<(&'static str, Vec<(&'static str, bool)>)>,
    region: String,
    platform: String,
    rows: Vec<(String, String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "staff/case.html")]
struct CasePage {
    analyst: String,
    csrf: String,
    id: String,
    short: String,
    status: String,
    statuses: Vec<(&'static str, bool)>,
    category: String,
    level: String,
    risk: u8,
    stored: String,
    facts: String,
    messages: Vec<(String, String, bool)>,
    indicators: Vec<(String, String)>,
    files: Vec<(String, String, String, u64, String)>,
}

fn html(status: StatusCode, page: Result<String, askama::Error>) -> Response {
    match page {
        Ok(h) => (status, Html(h)).into_response(),
        Err(e) => {
            eprintln!("lurewatch serve: a workspace page did not render: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lw_staff=").map(str::to_owned))
}

/// The signed-in analyst, or the answer that sends them to sign in.
async fn session(app: &App, headers: &HeaderMap) -> Result<(String, Session), Response> {
    let Some(token) = token(headers) else { return Err(Redirect::to("/staff/login").into_response()) };
    match app.desk.store().session(&token, now()).await {
        Ok(Some(s)) => Ok((token, s)),
        Ok(None) => Err(Redirect::to("/staff/login").into_response()),
        Err(e) => {
            eprintln!("lurewatch serve: {e}");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

fn csrf_ok(session: &Session, given: &str) -> bool {
    // Compared as hashes: the time taken says nothing about the token.
    use sha2::{Digest, Sha256};
    Sha256::digest(session.csrf.as_bytes()) == Sha256::digest(given.as_bytes())
}

pub(crate) async fn login_form() -> Response {
    html(StatusCode::OK, LoginPage { refused: false }.render())
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    name: String,
    password: String,
}

pub(crate) async fn login(State(app): State<Arc<App>>, Form(form): Form<LoginForm>) -> Response {
    match app.desk.store().login(form.name.trim(), &form.password, now()).await {
        Ok(Some((token, _))) => {
            let cookie = format!(
                "{COOKIE}={token}; Path=/staff; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
                crate::audit::SESSION_SECONDS
            );
            let mut response = Redirect::to("/staff").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            response
        }
        Ok(None) => html(StatusCode::UNAUTHORIZED, LoginPage { refused: true }.render()),
        Err(e) => {
            eprintln!("lurewatch serve: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(State(app): State<Arc<App>>, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let (token, s) = match session(&app, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !csrf_ok(&s, &form.csrf) {
        return (StatusCode::FORBIDDEN, "the form is stale; reload the page").into_response();
    }
    let _ = app.desk.store().logout(&token, now()).await;
    let mut response = Redirect::to("/staff/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("lw_staff=; Path=/staff; HttpOnly; Secure; SameSite=Strict; Max-Age=0"),
    );
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct QueueQuery {
    category: Option<String>,
    level: Option<String>,
    status: Option<String>,
    region: Option<String>,
    platform: Option<String>,
    minor: Option<String>,
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub(crate) async fn queue(State(app): State<Arc<App>>, headers: HeaderMap, Query(q): Query<QueueQuery>) -> Response {
    let (_, s) = match session(&app, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let filter = QueueFilter {
        category: nonempty(q.category),
        level: nonempty(q.level),
        status: nonempty(q.status),
        region: nonempty(q.region).map(|r| r.to_ascii_uppercase()),
        platform: nonempty(q.platform),
        minor: match q.minor.as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        },
    };
    let rows = match app.desk.store().queue(&filter, 500).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lurewatch serve: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let options = |values: &[&'static str], chosen: &Option<String>| -> Vec<(&'static str, bool)> {
        values.iter().map(|v| (*v, chosen.as_deref() == Some(*v))).collect()
    };
    let minor = filter.minor.map(|m| if m { "true".to_owned() } else { "false".to_owned() });
    let page = QueuePage {
        analyst: s.analyst,
        csrf: s.csrf,
        selects: vec![
            ("category", options(&["sextortion", "grooming", "none"], &filter.category)),
            ("level", options(&["critical", "high", "medium", "low", "none"], &filter.level)),
            ("status", options(STATUSES, &filter.status)),
            ("minor", options(&["true", "false"], &minor)),
        ],
        region: filter.region.clone().unwrap_or_default(),
        platform: filter.platform.clone().unwrap_or_default(),
        rows: rows
            .into_iter()
            .map(|r| {
                let cells = vec![
                    r.risk.to_string(),
                    r.level,
                    r.category,
                    r.status,
                    if r.minor { "yes".into() } else { String::new() },
                    r.region.unwrap_or_default(),
                    r.platform.unwrap_or_default(),
                    day(r.created_at),
                ];
                (r.id.clone(), r.id[..8.min(r.id.len())].to_owned(), cells)
            })
            .collect(),
    };
    html(StatusCode::OK, page.render())
}

pub(crate) async fn case(State(app): State<Arc<App>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (_, s) = match session(&app, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let case = match app.desk.case(&id, &s.analyst).await {
        Ok(Some(c)) => c,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such report").into_response(),
        Err(e) => {
            eprintln!("lurewatch serve: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let marked: Vec<u32> =
        case.assessment.as_ref().map_or_else(Vec::new, |a| a.tactics.iter().map(|e| e.message).collect());
    let page = CasePage {
        analyst: s.analyst,
        csrf: s.csrf,
        short: id[..8.min(id.len())].to_owned(),
        statuses: STATUSES.iter().map(|st| (*st, *st == case.row.status)).collect(),
        status: case.row.status.clone(),
        category: case.row.category.clone(),
        level: case.row.level.clone(),
        risk: case.row.risk,
        stored: day(case.row.created_at),
        facts: serde_json::to_string(&case.row.facts).unwrap_or_default(),
        messages: case
            .messages
            .into_iter()
            .enumerate()
            .map(|(i, m)| (m.sender, m.text, marked.contains(&(i as u32))))
            .collect(),
        indicators: case.assessment.map_or_else(Vec::new, |a| {
            a.indicators.into_iter().map(|i| (i.found.kind.as_str().to_owned(), i.found.value)).collect()
        }),
        files: case.files,
        id,
    };
    html(StatusCode::OK, page.render())
}

pub(crate) async fn file(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    let (_, s) = match session(&app, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match app.desk.evidence(&id, &sha, &s.analyst).await {
        Ok(Some((name, bytes))) => {
            // Served as a download, never rendered: evidence can be hostile.
            let disposition = format!(
                "attachment; filename=\"evidence-{}\"; filename*=UTF-8''{}",
                &sha[..12.min(sha.len())],
                crate::pages::percent_encode(&name)
            );
            let mut response = bytes.into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            response
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such file in this report").into_response(),
        Err(e) => {
            eprintln!("lurewatch serve: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct StatusForm {
    csrf: String,
    status: String,
}

pub(crate) async fn set_status(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let (_, s) = match session(&app, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !csrf_ok(&s, &form.csrf) {
        return (StatusCode::FORBIDDEN, "the form is stale; reload the page").into_response();
    }
    if !STATUSES.contains(&form.status.as_str()) {
        return (StatusCode::BAD_REQUEST, "unknown status").into_response();
    }
    let store = app.desk.store();
    match store.set_status(&id, &form.status, now()).await {
        Ok(()) => {
            if let Err(e) = store.audit(now(), &s.analyst, "case.status", &id, &form.status).await {
                eprintln!("lurewatch serve: {e}");
            }
            Redirect::to(&format!("/staff/cases/{id}")).into_response()
        }
        Err(crate::store::StoreError::NoReport) => (StatusCode::NOT_FOUND, "no such report").into_response(),
        Err(e) => {
            eprintln!("lurewatch serve: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub(crate) async fn export(State(app): State<Arc<App>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (_, s) = match session(&app, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match app.desk.export_case(&id, &s.analyst).await {
        Ok(Some(bytes)) => {
            let mut response = bytes.into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"lurewatch-report-{}.zip\"",
                &id[..8.min(id.len())]
            )) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            response
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such report").into_response(),
        Err(e) => {
            eprintln!("lurewatch serve: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "staff/networks.html")]
struct NetworksPage {
    analyst: String,
    csrf: String,
    limit: usize,
    networks: Vec<lurewatch_link::Network>,
}

pub(crate) async fn networks(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let (_, s) = match session(&app, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reports = match app.desk.store().reports_for_linking(100_000).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lurewatch serve: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let linked = lurewatch_link::link(&reports, &lurewatch_link::Rules::default());
    let page = NetworksPage {
        analyst: s.analyst,
        csrf: s.csrf,
        limit: linked.max_reports_per_indicator,
        networks: linked.networks,
    };
    html(StatusCode::OK, page.render())
}
