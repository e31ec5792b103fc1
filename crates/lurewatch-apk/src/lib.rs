//! App triage: reads an APK (or an XAPK/APKS bundle) without running it and says whether it
//! is the contact-stealing "video chat" app of the sextortion script.
//!
//! The archive, manifest, resources and signatures are read by `apk-info`, a parser made
//! for hostile files. Before it reads anything, every entry that will be inflated is
//! checked against a budget (a zip bomb is refused, not inflated); the code and resources
//! are then searched for the addresses the app talks to. [`known`] holds the known-bad
//! packages, certificates and servers and the permission risk table.

use std::io::Read;
use std::path::Path;

use apk_info::Apk;
use apk_info::signature::Signature;
use lurewatch_core::indicator::{Found, IndicatorKind};
use lurewatch_core::{Engine, Language, Level};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub mod known;

pub use known::Known;

/// How much triage reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file.
    pub max_file: u64,
    /// Largest inflated manifest.
    pub max_manifest: u64,
    /// Largest inflated resource table.
    pub max_resources: u64,
    /// Most inflated code (all `classes*.dex` together).
    pub max_code: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file: 1 << 30, max_manifest: 8 << 20, max_resources: 128 << 20, max_code: 512 << 20 }
    }
}

/// Why a file cannot be triaged.
#[derive(Debug, thiserror::Error)]
pub enum ApkError {
    /// The file cannot be read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// Larger than the limit.
    #[error("{size} bytes is larger than the {limit} bytes triage reads")]
    TooLarge {
        /// Size.
        size: u64,
        /// Limit.
        limit: u64,
    },
    /// An entry inflates beyond its budget: a zip bomb, or lying sizes.
    #[error("`{entry}` inflates to more than {limit} bytes: a zip bomb or lying headers; not read further")]
    Bomb {
        /// The entry.
        entry: String,
        /// The budget.
        limit: u64,
    },
    /// Not an APK, or too damaged to read.
    #[error("not a readable APK: {0}")]
    Invalid(String),
}

/// A requested permission and its risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionUse {
    /// Full name (`android.permission.READ_CONTACTS`).
    pub name: String,
    /// `dangerous`, `normal`, `signature` or `unknown` (from the table).
    pub risk: &'static str,
    /// What the table calls it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What personal data or power it gives, when it matters here (`contacts`, `sms`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reaches: Option<&'static str>,
}

/// A signing certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// The schemes that carry it (`v1`, `v2`, `v3`, `v3.1`).
    pub schemes: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// SHA-256 fingerprint, upper-case hex.
    pub sha256: String,
    /// SHA-1 fingerprint, upper-case hex.
    pub sha1: String,
    /// Valid from.
    pub valid_from: String,
    /// Valid until.
    pub valid_until: String,
    /// The known-bad family it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
}

/// An address the app talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// `url`, `domain` or `ip`.
    pub kind: &'static str,
    /// Canonical value.
    pub value: String,
    /// The list or family that names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
}

/// Counts of components.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Components {
    /// Activities.
    pub activities: usize,
    /// Services.
    pub services: usize,
    /// Broadcast receivers.
    pub receivers: usize,
    /// Content providers.
    pub providers: usize,
    /// Services that ask to be an accessibility service (they can read the screen).
    pub accessibility_services: usize,
    /// Receivers that ask to be a device administrator.
    pub device_admin: usize,
}

/// One reason of the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable code.
    pub code: &'static str,
    /// For people.
    pub text: String,
}

/// The triage of one APK.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Triage {
    /// SHA-256 of the file.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// Package name.
    pub package: Option<String>,
    /// The app's label, from its resources.
    pub label: Option<String>,
    /// Version name.
    pub version_name: Option<String>,
    /// Version code.
    pub version_code: Option<String>,
    /// Lowest Android API level.
    pub min_sdk: Option<String>,
    /// Target API level.
    pub target_sdk: u32,
    /// Requested permissions.
    pub permissions: Vec<PermissionUse>,
    /// Components.
    pub components: Components,
    /// Signing certificates.
    pub certificates: Vec<Certificate>,
    /// Addresses in the code and resources, at most 200.
    pub endpoints: Vec<Endpoint>,
    /// Structural defects of the archive (tampered headers and the like).
    pub anomalies: Vec<String>,
    /// `none` … `critical`, as `scan`.
    pub level: Level,
    /// Why.
    pub reasons: Vec<Reason>,
}

/// Personal data and powers that the script's app wants, by permission.
fn reaches(permission: &str) -> Option<&'static str> {
    let short = permission.rsplit('.').next().unwrap_or(permission);
    Some(match short {
        "READ_CONTACTS" | "WRITE_CONTACTS" | "GET_ACCOUNTS" => "contacts",
        "READ_SMS" | "RECEIVE_SMS" | "SEND_SMS" | "RECEIVE_MMS" | "RECEIVE_WAP_PUSH" => "sms",
        "READ_CALL_LOG" | "WRITE_CALL_LOG" | "PROCESS_OUTGOING_CALLS" => "call_log",
        "ACCESS_FINE_LOCATION" | "ACCESS_COARSE_LOCATION" | "ACCESS_BACKGROUND_LOCATION" => "location",
        "RECORD_AUDIO" => "microphone",
        "CAMERA" => "camera",
        "READ_PHONE_STATE" | "READ_PHONE_NUMBERS" => "phone_numbers",
        "READ_EXTERNAL_STORAGE" | "READ_MEDIA_IMAGES" | "READ_MEDIA_VIDEO" | "MANAGE_EXTERNAL_STORAGE" => "photos",
        "SYSTEM_ALERT_WINDOW" => "draws_over_apps",
        "QUERY_ALL_PACKAGES" => "installed_apps",
        "REQUEST_INSTALL_PACKAGES" => "installs_apps",
        _ => return None,
    })
}

/// Words of a name that pose as a chat, video-call, live or dating app.
const PRETEXT: &[&str] = &[
    "chat",
    "video",
    "live",
    "call",
    "meet",
    "dating",
    "date",
    "love",
    "cam",
    "talk",
    "voice",
    "聊",
    "视频",
    "視頻",
    "直播",
    "交友",
    "约会",
    "約會",
    "语音",
    "語音",
    "相亲",
    "同城",
    "채팅",
    "영상",
    "라이브",
    "만남",
    "통화",
    "hẹn hò",
    "trò chuyện",
    "gọi video",
    "tro chuyen",
    "hen ho",
];

/// Hosts of XML namespaces and specifications, written into nearly every app.
const NAMESPACE_HOSTS: &[&str] =
    &["schemas.android.com", "www.w3.org", "ns.adobe.com", "xmlpull.org", "www.xmlpull.org", "purl.org", "xml.org"];

/// Most endpoints kept.
const MAX_ENDPOINTS: usize = 200;

/// Triages the APK, XAPK or APKS file at `path`.
///
/// A panic inside the parser (hostile files have found some) is caught and reported as an
/// unreadable file: triage never takes its caller down.
pub fn triage(path: &Path, known: &Known, engine: &Engine, limits: &Limits) -> Result<Triage, ApkError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| triage_unguarded(path, known, engine, limits)))
        .unwrap_or_else(|_| Err(ApkError::Invalid("the parser gave up on this file".into())))
}

fn triage_unguarded(path: &Path, known: &Known, engine: &Engine, limits: &Limits) -> Result<Triage, ApkError> {
    let size = std::fs::metadata(path)?.len();
    if size > limits.max_file {
        return Err(ApkError::TooLarge { size, limit: limits.max_file });
    }
    let sha256 = {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        hex::encode(hasher.finalize())
    };
    preflight(path, limits)?;
    let apk = Apk::new(path).map_err(|e| ApkError::Invalid(e.to_string()))?;

    let package = apk.get_package_name();
    let label = apk.get_application_label().filter(|l| !l.is_empty());
    let mut permissions: Vec<PermissionUse> = apk
        .get_permissions()
        .chain(apk.get_permissions_sdk23())
        .map(|name| {
            let info = known.permission(name);
            PermissionUse {
                name: name.to_owned(),
                risk: match info.map(|i| i.level) {
                    Some(0) => "normal",
                    Some(1) => "dangerous",
                    Some(_) => "signature",
                    None => "unknown",
                },
                title: info.map(|i| i.title.clone()),
                reaches: reaches(name),
            }
        })
        .collect();
    permissions.sort_by(|a, b| a.name.cmp(&b.name));
    permissions.dedup_by(|a, b| a.name == b.name);

    let services: Vec<_> = apk.get_services().collect();
    let receivers: Vec<_> = apk.get_receivers().collect();
    let components = Components {
        activities: apk.get_activities().count(),
        services: services.len(),
        receivers: receivers.len(),
        providers: apk.get_providers().count(),
        accessibility_services: services
            .iter()
            .filter(|s| s.permission.is_some_and(|p| p.ends_with("BIND_ACCESSIBILITY_SERVICE")))
            .count(),
        device_admin: receivers
            .iter()
            .filter(|r| r.permission.is_some_and(|p| p.ends_with("BIND_DEVICE_ADMIN")))
            .count(),
    };

    let certificates = certificates(&apk, known);
    let endpoints = endpoints(&apk, known, engine, limits)?;
    let anomalies: Vec<String> = apk
        .anomalies()
        .iter()
        .take(50)
        .map(|a| match &a.location {
            Some(at) => format!("{}: {a} ({at})", a.code()),
            None => format!("{}: {a}", a.code()),
        })
        .collect();

    let mut t = Triage {
        sha256,
        size,
        package,
        label,
        version_name: apk.get_version_name(),
        version_code: apk.get_version_code(),
        min_sdk: apk.get_min_sdk_version(),
        target_sdk: apk.get_target_sdk_version(),
        permissions,
        components,
        certificates,
        endpoints,
        anomalies,
        level: Level::None,
        reasons: Vec::new(),
    };
    judge(&mut t, known);
    Ok(t)
}

/// Checks, before the parser inflates anything, that what it and triage will inflate stays
/// within budget: each entry is inflated into nothing and counted, stopping at the limit.
fn preflight(path: &Path, limits: &Limits) -> Result<(), ApkError> {
    let file = std::fs::File::open(path)?;
    let mut archive = match zip::ZipArchive::new(file) {
        Ok(a) => a,
        // Headers this reader refuses (tampered on purpose, as some malware is): judged by
        // the sizes the parser's own reader sees instead.
        Err(_) => return preflight_tampered(path, limits),
    };
    let mut code = 0;
    for i in 0..archive.len() {
        let name = archive.name_for_index(i).and_then(Result::ok).map(|n| n.into_owned()).unwrap_or_default();
        let limit = match budget(&name, limits) {
            Some(limit) => limit,
            None => continue,
        };
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(_) => return preflight_tampered(path, limits),
        };
        let inflated = std::io::copy(&mut (&mut entry).take(limit + 1), &mut std::io::sink()).unwrap_or(0);
        if inflated > limit {
            return Err(ApkError::Bomb { entry: name, limit });
        }
        if name.ends_with(".dex") {
            code += inflated;
            if code > limits.max_code {
                return Err(ApkError::Bomb { entry: name, limit: limits.max_code });
            }
        }
    }
    Ok(())
}

fn budget(name: &str, limits: &Limits) -> Option<u64> {
    if name == "AndroidManifest.xml" {
        Some(limits.max_manifest)
    } else if name == "resources.arsc" {
        Some(limits.max_resources)
    } else if name.ends_with(".dex") {
        Some(limits.max_code)
    } else if name.ends_with(".apk") || name == "manifest.json" {
        Some(limits.max_file)
    } else {
        None
    }
}

/// With tampered headers: the most an entry could inflate to (a DEFLATE stream grows at
/// most 1,032 times) must be within budget.
fn preflight_tampered(path: &Path, limits: &Limits) -> Result<(), ApkError> {
    let zip = apk_info::ZipEntry::open(path).map_err(|e| ApkError::Invalid(e.to_string()))?;
    let names: Vec<String> = zip.namelist().map(str::to_owned).collect();
    for name in names {
        let (Some(limit), Some(info)) = (budget(&name, limits), zip.entry_info(&name)) else { continue };
        let most = if info.compressed_size == info.uncompressed_size && !info.tampered {
            info.uncompressed_size
        } else {
            info.compressed_size.saturating_mul(1032).max(info.uncompressed_size)
        };
        if most > limit {
            return Err(ApkError::Bomb { entry: name, limit });
        }
    }
    Ok(())
}

fn certificates(apk: &Apk, known: &Known) -> Vec<Certificate> {
    let mut out: Vec<Certificate> = Vec::new();
    for signature in apk.get_signatures().unwrap_or_default() {
        let scheme = signature.name();
        let certs = match signature {
            Signature::V1(c) | Signature::V2(c) | Signature::V3(c) | Signature::V31(c) | Signature::V32(c) => c,
            _ => continue,
        };
        for c in certs {
            let sha256 = known::fingerprint(&c.sha256_fingerprint);
            match out.iter_mut().find(|o| o.sha256 == sha256) {
                Some(o) => {
                    if !o.schemes.contains(&scheme) {
                        o.schemes.push(scheme.clone());
                    }
                }
                None => {
                    let sha1 = known::fingerprint(&c.sha1_fingerprint);
                    let listed = known.certificate(&sha1).or_else(|| known.certificate(&sha256)).map(str::to_owned);
                    out.push(Certificate {
                        schemes: vec![scheme.clone()],
                        subject: c.subject,
                        issuer: c.issuer,
                        sha256,
                        sha1,
                        valid_from: c.valid_from,
                        valid_until: c.valid_until,
                        listed,
                    });
                }
            }
        }
    }
    out
}

/// Addresses written in the code (`classes*.dex`) and the resource table.
fn endpoints(apk: &Apk, known: &Known, engine: &Engine, limits: &Limits) -> Result<Vec<Endpoint>, ApkError> {
    let names: Vec<String> =
        apk.namelist().filter(|n| n.ends_with(".dex") || *n == "resources.arsc").map(str::to_owned).collect();
    let mut out: Vec<Endpoint> = Vec::new();
    let mut found = Vec::new();
    let mut read = 0u64;
    for name in names {
        let Ok((bytes, _)) = apk.read(&name) else { continue };
        read += bytes.len() as u64;
        if read > limits.max_code + limits.max_resources {
            return Err(ApkError::Bomb { entry: name, limit: limits.max_code + limits.max_resources });
        }
        for at in memchr::memmem::find_iter(&bytes, b"://") {
            if out.len() >= MAX_ENDPOINTS {
                return Ok(out);
            }
            // The printable run around the scheme separator.
            let printable = |b: &u8| b.is_ascii_graphic();
            let start = bytes[..at].iter().rposition(|b| !printable(b)).map_or(0, |p| p + 1);
            let end = bytes[at..].iter().position(|b| !printable(b)).map_or(bytes.len(), |p| at + p);
            let Ok(text) = std::str::from_utf8(&bytes[start..end.min(start + 2048)]) else { continue };
            found.clear();
            engine.extractor().extract(text, Language::En, &mut found);
            if found
                .iter()
                .any(|f| f.kind == IndicatorKind::Url && NAMESPACE_HOSTS.contains(&host_of(&f.value).as_str()))
            {
                continue;
            }
            for f in &found {
                add_endpoint(&mut out, f, known);
            }
        }
    }
    Ok(out)
}

fn add_endpoint(out: &mut Vec<Endpoint>, f: &Found, known: &Known) {
    let kind = match f.kind {
        IndicatorKind::Url => "url",
        IndicatorKind::Domain => "domain",
        IndicatorKind::Ip => "ip",
        _ => return,
    };
    let host = host_of(&f.value);
    if NAMESPACE_HOSTS.contains(&host.as_str()) || out.iter().any(|e| e.value == f.value) || out.len() >= MAX_ENDPOINTS
    {
        return;
    }
    let listed = f.listed.clone().or_else(|| known.endpoint(&host).map(|family| format!("stalkerware: {family}")));
    out.push(Endpoint { kind, value: f.value.clone(), listed });
}

fn host_of(value: &str) -> String {
    value.split(['/', ':']).next().unwrap_or(value).to_ascii_lowercase()
}

fn judge(t: &mut Triage, known: &Known) {
    let mut level = Level::None;
    let mut reason = |t: &mut Triage, l: Level, code: &'static str, text: String| {
        level = level.max(l);
        t.reasons.push(Reason { code, text });
    };
    if let Some(family) = known.sample(&t.sha256) {
        reason(t, Level::Critical, "known_sample", format!("this exact file is a known sample of {family}"));
    }
    if let Some(family) = t.package.as_deref().and_then(|p| known.package(p)) {
        reason(t, Level::Critical, "known_package", format!("the package name is one of {family}'s"));
    }
    for family in t.certificates.iter().filter_map(|c| c.listed.clone()).collect::<Vec<_>>() {
        reason(t, Level::Critical, "known_certificate", format!("signed with a certificate of {family}"));
    }
    for listed in t.endpoints.iter().filter_map(|e| e.listed.clone().map(|l| (e.value.clone(), l))).collect::<Vec<_>>()
    {
        reason(t, Level::Critical, "known_endpoint", format!("talks to {} ({})", listed.0, listed.1));
    }

    let name = format!("{} {}", t.label.as_deref().unwrap_or(""), t.package.as_deref().unwrap_or("")).to_lowercase();
    let pretext = PRETEXT.iter().find(|w| name.contains(*w));
    let mut personal: Vec<&'static str> = t
        .permissions
        .iter()
        .filter_map(|p| p.reaches)
        .filter(|r| matches!(*r, "contacts" | "sms" | "call_log"))
        .collect();
    personal.dedup();
    let located = t.permissions.iter().any(|p| p.reaches == Some("location"));
    if !personal.is_empty() {
        let what = personal.join(", ");
        match pretext {
            Some(word) => reason(
                t,
                Level::High,
                "chat_app_reads_personal_data",
                format!(
                    "poses as a chat, video or dating app (“{word}”) and reads {what}: the contact-stealing app of the script"
                ),
            ),
            None => reason(t, Level::Medium, "reads_personal_data", format!("reads {what}")),
        }
        if located {
            reason(t, Level::Low, "reads_location", "also reads the location".into());
        }
    }
    if t.components.accessibility_services > 0 {
        reason(
            t,
            Level::Medium,
            "accessibility_service",
            "can read the screen and act for the user (accessibility service)".into(),
        );
    }
    if t.components.device_admin > 0 {
        reason(t, Level::Medium, "device_admin", "asks to be a device administrator (hard to remove)".into());
    }
    if t.permissions.iter().any(|p| p.reaches == Some("installs_apps")) && pretext.is_some() {
        reason(t, Level::Low, "installs_apps", "can install other apps".into());
    }
    if !t.anomalies.is_empty() {
        reason(
            t,
            Level::Low,
            "tampered_archive",
            format!("{} structural defects, often a sign of evasion", t.anomalies.len()),
        );
    }
    // Contacts, SMS and the call log together, with a pretext, is the script itself.
    if pretext.is_some() && personal.len() >= 2 && level < Level::Critical {
        level = level.max(Level::High);
    }
    t.level = level;
}

/// The indicators a triage gives a report: package, certificates, endpoints.
pub fn indicators(t: &Triage) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(p) = &t.package {
        out.push(("app_package", p.clone()));
    }
    out.extend(t.certificates.iter().map(|c| ("app_certificate", c.sha256.clone())));
    out.push(("app_file", t.sha256.clone()));
    out.extend(
        t.endpoints
            .iter()
            .filter(|e| e.kind != "url")
            .map(|e| (if e.kind == "ip" { "ip" } else { "domain" }, e.value.clone())),
    );
    out
}
