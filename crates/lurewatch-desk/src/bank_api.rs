//! The hash endpoints: matching for platforms, banks for administrators, protection for
//! victims.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lurewatch_image::Pdq;
use lurewatch_image::index::{DEFAULT_DISTANCE, MIN_QUALITY};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::banks::{HashMatch, ImportSummary, Protection};
use crate::http::{ApiError, App, ErrorBody, platform};

/// A hash to match.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// PDQ hash, 64 hexadecimal digits.
    pub hash: String,
    /// Its quality, 0–100; below 50 it is not matched.
    #[serde(default)]
    pub quality: Option<u8>,
    /// Largest number of differing bits that still matches (default 31, at most 64).
    #[serde(default)]
    pub distance: Option<u32>,
}

/// Bank hashes near the one asked about.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchAnswer {
    /// Nearest first, at most 100.
    pub matches: Vec<HashMatch>,
    /// Why nothing was matched, when the hash was not looked for (`low_quality`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
}

/// Hashes a victim's browser computed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectRequest {
    /// The hashes with their quality.
    pub hashes: Vec<ProtectHash>,
}

/// One hash of a victim's picture.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectHash {
    /// PDQ hash, 64 hexadecimal digits.
    pub hash: String,
    /// Its quality, 0–100.
    pub quality: u8,
}

/// A case number and PIN.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    /// The case number shown when the hashes were stored.
    pub case: String,
    /// The PIN shown with it.
    pub pin: String,
}

fn parse_hash(text: &str) -> Result<Pdq, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_hash", "a PDQ hash is 64 hexadecimal digits"))
}

/// Match one image hash against every bank (admin banks and victims' protected pictures).
#[utoipa::path(post, path = "/api/v1/hashes/match", request_body = MatchRequest,
    responses((status = 200, body = MatchAnswer), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
pub(crate) async fn match_hash(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    payload: Result<Json<MatchRequest>, JsonRejection>,
) -> Result<Json<MatchAnswer>, ApiError> {
    platform(&app, &headers)?;
    let Json(request) = payload?;
    let hash = parse_hash(&request.hash)?;
    let distance = request.distance.unwrap_or(DEFAULT_DISTANCE);
    if distance > 64 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_request", "`distance` is at most 64"));
    }
    if request.quality.is_some_and(|q| q < MIN_QUALITY) {
        return Ok(Json(MatchAnswer { matches: Vec::new(), ignored: Some("low_quality".into()) }));
    }
    let matches = app.desk.match_hash(&hash, distance);
    app.metrics.hash_query(&matches);
    Ok(Json(MatchAnswer { matches, ignored: None }))
}

fn admin(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = app.admin_token else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "admin_token_required",
            "this desk has no administrators' token; start it with --admin-token-file FILE",
        ));
    };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(token) if <[u8; 32]>::from(Sha256::digest(token.trim().as_bytes())) == expected => Ok(()),
        Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_admin_token", "the token is not this desk's")),
        None => {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "admin_token_required", "send `Authorization: Bearer TOKEN`"))
        }
    }
}

/// One administrator's bank in the list.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BankInfo {
    /// Its name.
    pub name: String,
    /// Hashes in it.
    pub hashes: u64,
    /// Day it was made (UTC).
    pub created: String,
}

/// The administrators' banks.
#[utoipa::path(get, path = "/api/v1/admin/banks",
    responses((status = 200, body = [BankInfo]), (status = 401, body = ErrorBody)), security(("admin" = [])))]
pub(crate) async fn list_banks(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Vec<BankInfo>>, ApiError> {
    admin(&app, &headers)?;
    let banks = app.desk.list_banks().await?;
    Ok(Json(
        banks
            .into_iter()
            .map(|b| BankInfo { name: b.id, hashes: b.hashes, created: crate::desk::day(b.created_at) })
            .collect(),
    ))
}

/// Import a bank file (`HASH[,QUALITY[,LABEL]]` lines, CSV, or the reference tools' form)
/// into the bank `name`, made when new.
#[utoipa::path(put, path = "/api/v1/admin/banks/{name}", request_body(content = String, content_type = "text/plain"),
    params(("name" = String, Path, description = "1 to 64 of a-z, 0-9, `-`, `_`, `.`")),
    responses((status = 200, body = ImportSummary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("admin" = [])))]
pub(crate) async fn import_bank(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportSummary>, ApiError> {
    admin(&app, &headers)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "a bank file is UTF-8 text"))?;
    Ok(Json(app.desk.import_bank(&name, text).await?))
}

/// Export a bank as `HASH,QUALITY,LABEL` lines.
#[utoipa::path(get, path = "/api/v1/admin/banks/{name}", params(("name" = String, Path)),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 404, body = ErrorBody)),
    security(("admin" = [])))]
pub(crate) async fn export_bank(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    admin(&app, &headers)?;
    match app.desk.export_bank(&name).await? {
        Some(text) => Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response()),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such bank")),
    }
}

/// Delete a bank.
#[utoipa::path(delete, path = "/api/v1/admin/banks/{name}", params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("admin" = [])))]
pub(crate) async fn delete_bank(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    admin(&app, &headers)?;
    if app.desk.delete_admin_bank(&name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such bank"))
    }
}

/// Store the hashes of a victim's pictures (computed in their browser) so that platforms
/// can match against them; answers with the case number and PIN, shown this once.
#[utoipa::path(post, path = "/api/v1/protect", request_body = ProtectRequest,
    responses((status = 201, body = Protection), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn protect(
    State(app): State<Arc<App>>,
    payload: Result<Json<ProtectRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Protection>), ApiError> {
    let Json(request) = payload?;
    let mut hashes = Vec::with_capacity(request.hashes.len());
    for h in &request.hashes {
        if h.quality > 100 {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_hash", "quality is 0 to 100"));
        }
        hashes.push((parse_hash(&h.hash)?, h.quality));
    }
    Ok((StatusCode::CREATED, Json(app.desk.protect(&hashes).await?)))
}

/// Withdraw a victim's hashes with the case number and PIN.
#[utoipa::path(post, path = "/api/v1/protect/withdraw", request_body = WithdrawRequest,
    responses((status = 200, description = "Withdrawn"), (status = 404, body = ErrorBody)))]
pub(crate) async fn withdraw(
    State(app): State<Arc<App>>,
    payload: Result<Json<WithdrawRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(request) = payload?;
    let withdrawn = app.desk.withdraw(&request.case, &request.pin).await?;
    Ok(Json(serde_json::json!({ "withdrawn": withdrawn })))
}
