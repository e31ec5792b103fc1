//! The investigators' workspace: sign-in, the queue of reports, a report's page with its
//! conversation and files (decrypted on view, every view audited) and status changes.
//! Pages for analysts only: a session cookie (HttpOnly, SameSite=Strict, path /staff)
//! and a CSRF token in every form.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::{Role, Session};
use crate::desk::{DeskError, day, now};
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
    who: Who,
    selects: Vec<(&'static str, Vec<(&'static str, bool)>)>,
    region: String,
    platform: String,
    rows: Vec<(String, String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "staff/case.html")]
struct CasePage {
    who: Who,
    id: String,
    short: String,
    status: String,
    statuses: Vec<(&'static str, bool)>,
    category: String,
    level: String,
    risk: u8,
    stored: String,
    facts: Vec<(&'static str, String)>,
    messages: Vec<(String, String, bool)>,
    indicators: Vec<(String, String)>,
    files: Vec<(String, String, String, u64, String)>,
    notes: Vec<(String, String, String)>,
    tactics: Vec<&'static str>,
    network: Option<(usize, usize)>,
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

/// Who is signed in, as every workspace page shows it.
struct Who {
    analyst: String,
    csrf: String,
    admin: bool,
    supervisor: bool,
}

impl Who {
    fn of(s: &Session) -> Who {
        Who {
            analyst: s.analyst.clone(),
            csrf: s.csrf.clone(),
            admin: s.role >= Role::Admin,
            supervisor: s.role >= Role::Supervisor,
        }
    }
}

/// The answer to a failure the analyst cannot fix; the cause goes to the operator's log.
fn failed(e: impl std::fmt::Display) -> Response {
    eprintln!("lurewatch serve: {e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The answer when the analyst's role does not allow what they asked.
fn forbidden(needs: Role) -> Response {
    (StatusCode::FORBIDDEN, format!("this needs the {} role", needs.as_str())).into_response()
}

fn stale() -> Response {
    (StatusCode::FORBIDDEN, "the form is stale; reload the page").into_response()
}

fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lw_staff=").map(str::to_owned))
}

/// The signed-in analyst of a workspace request, taken before the handler runs: without a
/// valid session the request is sent to sign in and the handler never runs.
pub(crate) struct Staff {
    token: String,
    session: Session,
}

impl FromRequestParts<Arc<App>> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Staff, Response> {
        let Some(token) = token(&parts.headers) else { return Err(Redirect::to("/staff/login").into_response()) };
        match app.desk.store().session(&token, now()).await {
            Ok(Some(session)) => Ok(Staff { token, session }),
            Ok(None) => Err(Redirect::to("/staff/login").into_response()),
            Err(e) => Err(failed(e)),
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
        Err(e) => failed(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(State(app): State<Arc<App>>, staff: Staff, Form(form): Form<CsrfForm>) -> Response {
    let s = &staff.session;
    if !csrf_ok(s, &form.csrf) {
        return stale();
    }
    let _ = app.desk.store().logout(&staff.token, now()).await;
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

pub(crate) async fn queue(State(app): State<Arc<App>>, staff: Staff, Query(q): Query<QueueQuery>) -> Response {
    let s = &staff.session;
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
        Err(e) => return failed(e),
    };
    let options = |values: &[&'static str], chosen: &Option<String>| -> Vec<(&'static str, bool)> {
        values.iter().map(|v| (*v, chosen.as_deref() == Some(*v))).collect()
    };
    let minor = filter.minor.map(|m| if m { "true".to_owned() } else { "false".to_owned() });
    let page = QueuePage {
        who: Who::of(s),
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

pub(crate) async fn case(State(app): State<Arc<App>>, staff: Staff, Path(id): Path<String>) -> Response {
    let s = &staff.session;
    let case = match app.desk.case(&id, &s.analyst).await {
        Ok(Some(c)) => c,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such report").into_response(),
        Err(e) => return failed(e),
    };
    let network = match app.desk.networks().await {
        Ok(view) => view.network_of.get(&id).map(|&n| (n + 1, view.linked.networks[n].reports.len())),
        Err(e) => return failed(e),
    };
    let marked: Vec<u32> =
        case.assessment.as_ref().map_or_else(Vec::new, |a| a.tactics.iter().map(|e| e.message).collect());
    let supervisor = s.role >= Role::Supervisor;
    let page = CasePage {
        who: Who::of(s),
        short: id[..8.min(id.len())].to_owned(),
        statuses: STATUSES
            .iter()
            .filter(|st| supervisor || !SUPERVISED.contains(st) || **st == case.row.status)
            .map(|st| (*st, *st == case.row.status))
            .collect(),
        status: case.row.status.clone(),
        category: case.row.category.clone(),
        level: case.row.level.clone(),
        risk: case.row.risk,
        stored: day(case.row.created_at),
        facts: facts_of(&case.row.facts),
        tactics: case.assessment.as_ref().map_or_else(Vec::new, |a| a.stages.iter().map(|t| t.id()).collect()),
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
        notes: case.notes.into_iter().map(|(who, at, text)| (who, time(at), text)).collect(),
        network,
        id,
    };
    html(StatusCode::OK, page.render())
}

/// What the reporter said of themselves and the crime, as label and value.
fn facts_of(f: &crate::store::Facts) -> Vec<(&'static str, String)> {
    let yes = |b: bool| if b { "yes".to_owned() } else { "no".to_owned() };
    [
        ("Platform", f.platform.clone()),
        ("Region", f.region.clone()),
        ("Under 18", f.minor.map(yes)),
        ("Age", f.age.map(|a| a.to_string())),
        ("Paid", f.amount_paid.map(|a| format!("{a} {}", f.currency.as_deref().unwrap_or("")).trim().to_owned())),
        ("Paid by", f.payment_channel.clone()),
        ("Asked again after paying", f.asked_again.map(yes)),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|v| (label, v)))
    .collect()
}

/// A time as `YYYY-MM-DD HH:MM` UTC.
fn time(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map_or_else(|_| String::new(), |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
}

pub(crate) async fn file(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    let s = &staff.session;
    match app.desk.evidence(&id, &sha, &s.analyst).await {
        Ok(Some((name, bytes))) => {
            // Served as a download, never rendered: evidence can be hostile.
            let disposition = format!(
                "attachment; filename=\"evidence-{}\"; filename*=UTF-8''{}",
                &sha[..12.min(sha.len())],
                crate::pages::percent_encode(&name)
            );
            download(bytes, "application/octet-stream", &disposition)
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such file in this report").into_response(),
        Err(e) => failed(e),
    }
}

fn download(body: impl IntoResponse, media_type: &'static str, disposition: &str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    if let Ok(v) = HeaderValue::from_str(disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct StatusForm {
    csrf: String,
    status: String,
}

/// Statuses only a supervisor sets: a referral goes to the police, a closed case leaves
/// the queue.
const SUPERVISED: &[&str] = &["referred", "closed"];

pub(crate) async fn set_status(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let s = &staff.session;
    if !csrf_ok(s, &form.csrf) {
        return stale();
    }
    if !STATUSES.contains(&form.status.as_str()) {
        return (StatusCode::BAD_REQUEST, "unknown status").into_response();
    }
    if SUPERVISED.contains(&form.status.as_str()) && s.role < Role::Supervisor {
        return forbidden(Role::Supervisor);
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
        Err(e) => failed(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct NoteForm {
    csrf: String,
    note: String,
}

pub(crate) async fn add_note(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Response {
    let s = &staff.session;
    if !csrf_ok(s, &form.csrf) {
        return stale();
    }
    match app.desk.add_note(&id, &s.analyst, &form.note).await {
        Ok(()) => Redirect::to(&format!("/staff/cases/{id}#notes")).into_response(),
        Err(DeskError::Store(crate::store::StoreError::NoReport)) => {
            (StatusCode::NOT_FOUND, "no such report").into_response()
        }
        Err(e @ (DeskError::Empty | DeskError::TooLarge(_))) => {
            (crate::http::desk_status(&e).0, e.to_string()).into_response()
        }
        Err(e) => failed(e),
    }
}

pub(crate) async fn export(State(app): State<Arc<App>>, staff: Staff, Path(id): Path<String>) -> Response {
    let s = &staff.session;
    if s.role < Role::Supervisor {
        return forbidden(Role::Supervisor);
    }
    match app.desk.export_case(&id, &s.analyst).await {
        Ok(Some(bytes)) => download(
            bytes,
            "application/zip",
            &format!("attachment; filename=\"lurewatch-report-{}.zip\"", &id[..8.min(id.len())]),
        ),
        Ok(None) => (StatusCode::NOT_FOUND, "no such report").into_response(),
        Err(e) => failed(e),
    }
}

/// Every report with its indicators (no conversation), a line of JSON each: the input of
/// `lurewatch link` at another desk. Audited.
pub(crate) async fn export_reports(State(app): State<Arc<App>>, staff: Staff) -> Response {
    let s = &staff.session;
    if s.role < Role::Supervisor {
        return forbidden(Role::Supervisor);
    }
    let view = match app.desk.networks().await {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    if let Err(e) =
        app.desk.store().audit(now(), &s.analyst, "reports.export", "*", &view.reports.len().to_string()).await
    {
        return failed(e);
    }
    let mut body = String::new();
    for r in &view.reports {
        body.push_str(&serde_json::to_string(r).expect("reports serialise"));
        body.push('\n');
    }
    download(body, "application/x-ndjson", "attachment; filename=\"lurewatch-reports.jsonl\"")
}

/// Networks shown on one page of the list.
const NETWORKS_PER_PAGE: usize = 50;

/// A network as a row of the list, or at the head of its page.
struct NetworkSummary {
    network: usize,
    /// The first report's id: the network's address.
    key: String,
    reports: usize,
    minors: usize,
    victims_paid: usize,
    paid: String,
    demanded: String,
    span: String,
    max_level: String,
    platforms: String,
    tactics: Vec<String>,
    shared: Vec<lurewatch_link::Shared>,
}

fn sums(sums: &std::collections::BTreeMap<String, f64>) -> String {
    sums.iter().map(|(c, v)| format!("{} {c}", thousands(*v))).collect::<Vec<_>>().join(", ")
}

/// A sum with thousands separators and no fraction (`1,234,567`).
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

fn summary_of(n: &lurewatch_link::Network) -> NetworkSummary {
    NetworkSummary {
        network: n.network,
        key: n.reports[0].clone(),
        reports: n.reports.len(),
        minors: n.minors,
        victims_paid: n.victims_paid,
        paid: sums(&n.paid),
        demanded: sums(&n.demanded),
        span: n.span.map(|(a, b)| format!("{} – {}", day(a), day(b))).unwrap_or_default(),
        max_level: n.max_level.clone(),
        platforms: n.platforms.join(", "),
        tactics: n.tactics.clone(),
        shared: n.shared.clone(),
    }
}

#[derive(Template)]
#[template(path = "staff/networks.html")]
struct NetworksPage {
    who: Who,
    limit: usize,
    total_reports: usize,
    linked_reports: usize,
    count: usize,
    took_ms: u128,
    networks: Vec<NetworkSummary>,
    page: usize,
    pages: usize,
    common: Vec<lurewatch_link::Common>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    page: Option<usize>,
}

pub(crate) async fn networks(State(app): State<Arc<App>>, staff: Staff, Query(q): Query<PageQuery>) -> Response {
    let s = &staff.session;
    let view = match app.desk.networks().await {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    let all = &view.linked.networks;
    let pages = all.len().div_ceil(NETWORKS_PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let page = NetworksPage {
        who: Who::of(s),
        limit: view.linked.max_reports_per_indicator,
        total_reports: view.reports.len(),
        linked_reports: view.network_of.len(),
        count: all.len(),
        took_ms: (view.read + view.linking).as_millis(),
        networks: all.iter().skip((page - 1) * NETWORKS_PER_PAGE).take(NETWORKS_PER_PAGE).map(summary_of).collect(),
        page,
        pages,
        common: view.linked.common.iter().take(20).cloned().collect(),
    };
    html(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "staff/network.html")]
struct NetworkPage {
    who: Who,
    n: NetworkSummary,
    categories: String,
    graph: String,
    drawn: usize,
    rows: Vec<(String, String, Vec<String>)>,
}

/// The network a report belongs to, with the drawing of its graph.
pub(crate) async fn network(State(app): State<Arc<App>>, staff: Staff, Path(key): Path<String>) -> Response {
    let s = &staff.session;
    let view = match app.desk.networks().await {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    let Some(&n) = view.network_of.get(&key) else {
        return (StatusCode::NOT_FOUND, "this report is in no suspected network").into_response();
    };
    let network = &view.linked.networks[n];
    let graph = crate::networks::draw(&view, network);
    let mut members: Vec<&lurewatch_link::Report> =
        network.reports.iter().filter_map(|id| view.index.get(id).map(|&i| &view.reports[i])).collect();
    members.sort_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.id.cmp(&b.id)));
    let page = NetworkPage {
        who: Who::of(s),
        categories: network.categories.iter().map(|(c, k)| format!("{c} {k}")).collect::<Vec<_>>().join(", "),
        drawn: network.reports.len().min(crate::networks::MAX_DRAWN_REPORTS),
        graph,
        rows: members
            .iter()
            .map(|r| {
                let paid = r.paid.as_ref().map(|(v, c)| format!("{} {c}", thousands(*v))).unwrap_or_default();
                let cells = vec![
                    r.risk.to_string(),
                    r.level.to_string(),
                    r.category.to_string(),
                    r.reported.map(day).unwrap_or_default(),
                    if r.minor { "yes".into() } else { String::new() },
                    paid,
                ];
                (r.id.clone(), r.id[..8.min(r.id.len())].to_owned(), cells)
            })
            .collect(),
        n: summary_of(network),
    };
    html(StatusCode::OK, page.render())
}

/// One network's graph as GraphML, for other teams' tools.
pub(crate) async fn network_graphml(
    State(app): State<Arc<App>>,
    _signed_in: Staff,
    Path(key): Path<String>,
) -> Response {
    let view = match app.desk.networks().await {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    let Some(&n) = view.network_of.get(&key) else {
        return (StatusCode::NOT_FOUND, "this report is in no suspected network").into_response();
    };
    let network = view.linked.networks[n].clone();
    let number = network.network;
    let one = lurewatch_link::Linked {
        networks: vec![network],
        common: Vec::new(),
        max_reports_per_indicator: view.linked.max_reports_per_indicator,
    };
    download(
        lurewatch_link::export::graphml(&one, &view.reports),
        "application/graphml+xml",
        &format!("attachment; filename=\"lurewatch-network-{number}.graphml\""),
    )
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    who: Who,
    chain: String,
    intact: bool,
    entries: Vec<(i64, String, String, String, String, String)>,
}

/// The audit log, newest first, with the state of its chain. Admins only.
pub(crate) async fn audit(State(app): State<Arc<App>>, staff: Staff) -> Response {
    let s = &staff.session;
    if s.role < Role::Admin {
        return forbidden(Role::Admin);
    }
    let store = app.desk.store();
    let (verified, entries) = match (store.verify_audit().await, store.recent_audit(500).await) {
        (Ok(v), Ok(e)) => (v, e),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let (intact, chain) = match verified {
        Ok(n) => (true, format!("All {n} entries are intact.")),
        Err(b) => (false, format!("The chain is broken at entry {}: {}.", b.seq, b.why)),
    };
    let page = AuditPage {
        who: Who::of(s),
        chain,
        intact,
        entries: entries.into_iter().map(|e| (e.seq, time(e.at), e.actor, e.action, e.subject, e.detail)).collect(),
    };
    html(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "staff/statistics.html")]
struct StatisticsPage {
    who: Who,
    shareable: bool,
    k: u64,
    reports: usize,
    minors: String,
    tables: Vec<(crate::stats::Table, String)>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct StatsQuery {
    view: Option<String>,
}

impl StatsQuery {
    /// The k of a view shared outside the team; `None` for the team's own view.
    fn k(&self, app: &App) -> Option<u64> {
        (self.view.as_deref() == Some("shareable")).then_some(app.desk.limits().stats_min_count)
    }
}

/// The reports as statistics read them, for supervisors.
async fn statistics_of(app: &App, staff: &Staff) -> Result<Vec<crate::stats::StatRow>, Response> {
    if staff.session.role < Role::Supervisor {
        return Err(forbidden(Role::Supervisor));
    }
    app.desk.store().statistics_rows().await.map_err(failed)
}

/// The statistics dashboard: every figure as a chart and a table, with its CSV.
pub(crate) async fn statistics(State(app): State<Arc<App>>, staff: Staff, Query(q): Query<StatsQuery>) -> Response {
    let rows = match statistics_of(&app, &staff).await {
        Ok(rows) => rows,
        Err(r) => return r,
    };
    let k = q.k(&app);
    let page = StatisticsPage {
        who: Who::of(&staff.session),
        shareable: k.is_some(),
        k: app.desk.limits().stats_min_count,
        reports: rows.len(),
        minors: crate::stats::minors(&rows).text(k),
        tables: crate::stats::tables(&rows)
            .into_iter()
            .map(|t| {
                let svg = t.svg(k);
                (t, svg)
            })
            .collect(),
    };
    html(StatusCode::OK, page.render())
}

/// One figure's numbers as CSV (`/staff/statistics/months.csv`).
pub(crate) async fn statistics_csv(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(file): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Response {
    let rows = match statistics_of(&app, &staff).await {
        Ok(rows) => rows,
        Err(r) => return r,
    };
    let k = q.k(&app);
    let Some(table) =
        file.strip_suffix(".csv").and_then(|id| crate::stats::tables(&rows).into_iter().find(|t| t.id == id))
    else {
        return (StatusCode::NOT_FOUND, "no such figure").into_response();
    };
    let name = format!("lurewatch-{}{}.csv", table.id, if k.is_some() { "-shareable" } else { "" });
    download(table.csv(k), "text/csv; charset=utf-8", &format!("attachment; filename=\"{name}\""))
}
