//! The router: the victims' pages, the JSON API, health, readiness, metrics and the
//! OpenAPI document.
//!
//! Nothing about who asks is kept: no IP address, no user agent, no request log with
//! content. The rate limiter holds client addresses in memory for a minute, never on disk.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lurewatch_core::Assessment;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use utoipa::OpenApi;

use crate::config::{ApiKey, Config};
use crate::desk::{Desk, DeskError, LookupAnswer, MessageIn, Receipt, Status, Submission};
use crate::metrics::Metrics;
use crate::pages::{self, Drafts};
use crate::store::Facts;
use crate::{bank_api, staff};

/// What every handler shares.
#[derive(Debug)]
pub struct App {
    /// The desk.
    pub desk: Desk,
    /// The metrics.
    pub metrics: Metrics,
    /// Platform API keys.
    pub api_keys: Vec<ApiKey>,
    /// SHA-256 of the administrators' token.
    pub admin_token: Option<[u8; 32]>,
    /// Reports checked but not yet stored.
    pub(crate) drafts: Drafts,
}

impl App {
    /// The application around a desk.
    pub fn new(desk: Desk, api_keys: Vec<ApiKey>, admin_token: Option<[u8; 32]>) -> Arc<App> {
        let drafts = Drafts::new(desk.limits().draft_bytes, desk.limits().draft_ttl);
        Arc::new(App { desk, metrics: Metrics::new(), api_keys, admin_token, drafts })
    }
}

/// An error answer of the API: a status and a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

/// The body of an error answer.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// One error.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `invalid_json`, `body_too_large`, `unsupported_media_type`,
    /// `too_large`, `empty`, `unknown_receipt`, `api_key_required`, `bad_api_key`,
    /// `bad_request`, `rate_limited`, `file_too_large`, `unsupported_file_type`,
    /// `corrupt_file`, `too_many_files`, `empty_file`, `not_found`, `internal`.
    pub code: String,
    /// For people.
    pub message: String,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }

    fn internal(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("the desk could not {what}; nothing was lost, try again"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message } };
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send JSON with `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is larger than the desk takes",
            ),
            JsonRejection::JsonDataError(e) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_json", e.body_text())
            }
            JsonRejection::JsonSyntaxError(e) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.body_text()),
            other => ApiError::new(other.status(), "bad_request", other.body_text()),
        }
    }
}

/// The status and stable code of a desk error.
pub(crate) fn desk_status(e: &DeskError) -> (StatusCode, &'static str) {
    match e {
        DeskError::UnknownReceipt => (StatusCode::NOT_FOUND, "unknown_receipt"),
        DeskError::Empty => (StatusCode::BAD_REQUEST, "empty"),
        DeskError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        DeskError::BadForm(_) => (StatusCode::BAD_REQUEST, "bad_request"),
        DeskError::Upload(u) => (
            match u {
                crate::upload::UploadError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                crate::upload::UploadError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            u.code(),
        ),
        DeskError::Store(_) | DeskError::Vault(_) | DeskError::Worker(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> ApiError {
        let (status, code) = desk_status(&e);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // The cause goes to the operator's log, without any content.
            eprintln!("lurewatch serve: {e}");
            return ApiError::internal("store or read the report");
        }
        ApiError::new(status, code, e.to_string())
    }
}

/// A conversation to assess.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessRequest {
    /// The caller's id for it, echoed back.
    #[serde(default)]
    pub id: Option<String>,
    /// The messages in order.
    pub messages: Vec<MessageIn>,
}

/// Messages to append to a live conversation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppendRequest {
    /// The new messages in order.
    pub messages: Vec<MessageIn>,
}

/// A report sent as JSON.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// The conversation.
    pub messages: Vec<MessageIn>,
    /// What the reporter says happened.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub facts: Facts,
    /// Their own words.
    #[serde(default)]
    pub statement: Option<String>,
}

/// A receipt code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    /// The code shown when the report was stored.
    pub receipt: String,
}

/// Messages to add to a stored report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddRequest {
    /// The code shown when the report was stored.
    pub receipt: String,
    /// The messages to add.
    pub messages: Vec<MessageIn>,
}

/// A lookup query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LookupQuery {
    /// A phone number, account, link, payee or crypto address, in any spelling.
    pub q: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "lurewatch report desk", description = "Anonymous reports, lookup and conversation scoring."),
    paths(assess, append_live, submit_report, report_status, add_to_report, lookup, bank_api::match_hash,
          bank_api::list_banks, bank_api::import_bank, bank_api::export_bank, bank_api::delete_bank,
          bank_api::protect, bank_api::withdraw),
    components(schemas(AssessRequest, AppendRequest, ReportRequest, ReceiptRequest, AddRequest, MessageIn, Receipt, Status,
                       LookupAnswer, ErrorBody, bank_api::MatchRequest, bank_api::MatchAnswer, bank_api::ProtectRequest,
                       bank_api::WithdrawRequest, bank_api::BankInfo)),
    modifiers(&ApiKeySecurity)
)]
struct ApiDoc;

struct ApiKeySecurity;

impl utoipa::Modify for ApiKeySecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        for name in ["api_key", "admin"] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The OpenAPI document of the JSON API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The whole router. Serve it with `into_make_service_with_connect_info::<SocketAddr>()`:
/// the rate limiter reads the client's address (and forgets it within a minute).
pub fn router(app: Arc<App>) -> Router {
    let limits = app.desk.limits().clone();
    let per_minute = u64::from(limits.per_minute.max(1));
    let governor = GovernorConfigBuilder::default()
        .per_millisecond((60_000 / per_minute).max(1))
        .burst_size(u32::try_from(per_minute.div_ceil(4)).unwrap_or(u32::MAX).max(2))
        .finish()
        .expect("a positive period and burst");
    let limited = GovernorLayer::new(Arc::new(governor)).error_handler(|e| match e {
        tower_governor::GovernorError::TooManyRequests { .. } => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests; wait a minute")
                .into_response()
        }
        // Served without the client's address (see `serve`): refuse rather than limit everyone together.
        _ => ApiError::internal("tell clients apart").into_response(),
    });

    // For victims and everyone: rate-limited per client.
    let public = Router::new()
        .route("/", get(pages::home))
        .route("/report", get(pages::report_form))
        .route("/report/check", post(pages::report_check))
        .route("/report/store", post(pages::report_store))
        .route("/receipt", get(pages::receipt_form).post(pages::receipt_open))
        .route("/receipt/add", post(pages::receipt_add))
        .route("/lookup", get(pages::lookup_page))
        .route("/api/v1/lookup", get(lookup))
        .route("/api/v1/reports", post(submit_report))
        .route("/api/v1/reports/status", post(report_status))
        .route("/api/v1/reports/messages", post(add_to_report))
        .route("/staff/login", get(staff::login_form).post(staff::login))
        .route("/protect", get(pages::protect_page))
        .route("/protect/withdraw", get(pages::withdraw_form).post(pages::withdraw_submit))
        .route("/api/v1/protect", post(bank_api::protect))
        .route("/api/v1/protect/withdraw", post(bank_api::withdraw))
        .layer(limited)
        .layer(middleware::from_fn(pages::limited_as_page));

    // For platforms (API keys) and operators.
    let platform = Router::new()
        .route("/api/v1/assess", post(assess))
        .route("/api/v1/conversations/{id}/messages", post(append_live))
        .route("/staff", get(staff::queue))
        .route("/staff/logout", post(staff::logout))
        .route("/staff/networks", get(staff::networks))
        .route("/staff/networks/{id}", get(staff::network))
        .route("/staff/networks/{id}/graphml", get(staff::network_graphml))
        .route("/staff/reports.jsonl", get(staff::export_reports))
        .route("/staff/audit", get(staff::audit))
        .route("/staff/statistics", get(staff::statistics))
        .route("/staff/statistics/{file}", get(staff::statistics_csv))
        .route("/staff/cases/{id}/notes", post(staff::add_note))
        .route("/staff/cases/{id}", get(staff::case))
        .route("/staff/cases/{id}/status", post(staff::set_status))
        .route("/staff/cases/{id}/files/{sha}", get(staff::file))
        .route("/staff/cases/{id}/export", get(staff::export))
        .route("/api/v1/hashes/match", post(bank_api::match_hash))
        .route("/api/v1/admin/banks", get(bank_api::list_banks))
        .route(
            "/api/v1/admin/banks/{name}",
            get(bank_api::export_bank).put(bank_api::import_bank).delete(bank_api::delete_bank),
        )
        .route("/static/protect.js", get(pages::protect_script))
        .route("/static/lurewatch-pdq.wasm", get(pages::pdq_wasm))
        .route("/api/openapi.json", get(|| async { Json(openapi()) }))
        .route("/static/desk.css", get(pages::stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics));

    public
        .merge(platform)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such page") })
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

/// Counts and times every request; sets the headers every answer carries.
async fn observe(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let method = request.method().as_str().to_owned();
    let mut response = next.run(request).await;
    app.metrics.request(&route, &method, response.status().as_u16(), started.elapsed().as_secs_f64());
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    );
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The API key of a request, by name.
pub(crate) fn platform(app: &App, headers: &HeaderMap) -> Result<String, ApiError> {
    if app.api_keys.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "api_key_required",
            "this desk has no platform API keys; start it with --api-keys FILE",
        ));
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "api_key_required",
                "send the API key as `Authorization: Bearer KEY`",
            )
        })?;
    let hash: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
    // Compared as hashes: the time taken says nothing about the key.
    app.api_keys
        .iter()
        .find(|k| k.hash == hash)
        .map(|k| k.name.clone())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "bad_api_key", "the API key is not known here"))
}

/// Assess one conversation; nothing is stored.
#[utoipa::path(post, path = "/api/v1/assess", request_body = AssessRequest,
    responses((status = 200, description = "The assessment (see the engine's JSON contract)", body = Object),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn assess(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    payload: Result<Json<AssessRequest>, JsonRejection>,
) -> Result<Json<Assessment>, ApiError> {
    platform(&app, &headers)?;
    let Json(request) = payload?;
    let assessment = app.desk.assess(request.id.as_deref().unwrap_or(""), &request.messages)?;
    app.metrics.assessed(assessment.level);
    Ok(Json(assessment))
}

/// Append messages to a conversation held in the desk's bounded memory and assess it.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", request_body = AppendRequest,
    params(("id" = String, Path, description = "The platform's conversation id (1 to 128 characters)")),
    responses((status = 200, description = "The updated assessment", body = Object),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("api_key" = [])))]
async fn append_live(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    payload: Result<Json<AppendRequest>, JsonRejection>,
) -> Result<Json<Assessment>, ApiError> {
    let owner = platform(&app, &headers)?;
    if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "a conversation id is 1 to 128 printable characters",
        ));
    }
    let Json(request) = payload?;
    let assessment = app.desk.push_live(&owner, &id, &request.messages)?;
    app.metrics.assessed(assessment.level);
    app.metrics.live(app.desk.live_conversations());
    Ok(Json(assessment))
}

/// Store a report; the answer carries the receipt code, shown this once.
#[utoipa::path(post, path = "/api/v1/reports", request_body = ReportRequest,
    responses((status = 201, body = Receipt), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn submit_report(
    State(app): State<Arc<App>>,
    payload: Result<Json<ReportRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let Json(request) = payload?;
    let facts = pages::checked_facts(request.facts)
        .map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_json", m))?;
    let receipt = app
        .desk
        .submit(&Submission { messages: request.messages, facts, statement: request.statement, files: Vec::new() })
        .await?;
    app.metrics.stored();
    app.metrics.assessed(receipt.assessment.level);
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// The status of a stored report and fresh advice.
#[utoipa::path(post, path = "/api/v1/reports/status", request_body = ReceiptRequest,
    responses((status = 200, body = Status), (status = 404, body = ErrorBody)))]
async fn report_status(
    State(app): State<Arc<App>>,
    payload: Result<Json<ReceiptRequest>, JsonRejection>,
) -> Result<Json<Status>, ApiError> {
    let Json(request) = payload?;
    Ok(Json(app.desk.status(&request.receipt).await?))
}

/// Add messages to a stored report.
#[utoipa::path(post, path = "/api/v1/reports/messages", request_body = AddRequest,
    responses((status = 200, body = Status), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_to_report(
    State(app): State<Arc<App>>,
    payload: Result<Json<AddRequest>, JsonRejection>,
) -> Result<Json<Status>, ApiError> {
    let Json(request) = payload?;
    Ok(Json(app.desk.add(&request.receipt, request.messages, Vec::new()).await?))
}

/// What reports and known-bad lists say of a number, account, link, payee or address.
#[utoipa::path(get, path = "/api/v1/lookup", params(LookupQuery),
    responses((status = 200, body = LookupAnswer), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn lookup(State(app): State<Arc<App>>, Query(query): Query<LookupQuery>) -> Result<Json<LookupAnswer>, ApiError> {
    let q = query.q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "missing_query", "give what to look up as `q`"));
    }
    Ok(Json(app.desk.lookup(&q).await?))
}

async fn ready(State(app): State<Arc<App>>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), app.desk.store().ping()).await {
        Ok(Ok(())) => "ready".into_response(),
        _ => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "the database does not answer").into_response()
        }
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    app.metrics.live(app.desk.live_conversations());
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], app.metrics.render())
        .into_response()
}

/// Why the server stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The desk could not open.
    #[error(transparent)]
    Open(#[from] crate::config::OpenError),
    /// The address cannot be listened on.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving failed: {0}")]
    Io(#[from] std::io::Error),
    /// Requests were still running when the grace time ran out.
    #[error("requests still running {0} s after the shutdown signal were cut off")]
    Grace(u64),
}

/// Opens the desk and serves it until `shutdown` resolves; in-flight requests then get
/// the configured grace time to finish. `ready` is told the address once it listens.
pub async fn serve(
    config: &Config,
    engine: Arc<lurewatch_core::Engine>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let desk = config.open(engine).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen { address: config.listen, source })?;
    let address = listener.local_addr()?;
    let app = App::new(desk, config.api_keys.clone(), config.admin_token);
    // Desks sharing a database pick up each other's bank changes.
    let refresher = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(30));
        loop {
            every.tick().await;
            if let Err(e) = refresher.desk.refresh_banks().await {
                eprintln!("lurewatch serve: reloading the hash banks: {e}");
            }
            if let Err(e) = refresher.desk.reload_images().await {
                eprintln!("lurewatch serve: reloading the reports' picture hashes: {e}");
            }
        }
    });
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    ready(address);
    let grace = config.shutdown_grace;
    tokio::select! {
        result = server => Ok(result?),
        () = async move {
            let _ = stop_rx.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => Err(ServeError::Grace(grace.as_secs())),
    }
}
