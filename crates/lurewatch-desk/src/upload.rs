//! Evidence files as reporters upload them: size-limited, typed from their bytes (never
//! their name), names made harmless, and QR codes in pictures read for indicators.

use lurewatch_core::indicator::{Found, IndicatorKind};
use lurewatch_core::{Engine, Language};
use lurewatch_image::ImageError;
use lurewatch_image::qr::Payload;

/// Longest file name kept (characters).
const MAX_NAME: usize = 120;

/// A file that is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Larger than the limit.
    #[error("the file `{name}` is larger than {limit} bytes")]
    TooLarge {
        /// The file's name.
        name: String,
        /// The limit.
        limit: usize,
    },
    /// No bytes.
    #[error("the file `{0}` is empty")]
    Empty(String),
    /// Not a kind of file the desk keeps.
    #[error(
        "the file `{0}` is not a picture, video, sound, PDF, text, chat export or app package; \
         its type is read from its content, not its name"
    )]
    Unsupported(String),
    /// A picture that cannot be decoded (truncated, corrupt, or a decompression bomb).
    #[error("the picture `{name}` cannot be read: {reason}")]
    Corrupt {
        /// The file's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// More files than a report takes.
    #[error("a report takes at most {0} files")]
    TooMany(usize),
}

impl UploadError {
    /// The stable error code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            UploadError::TooLarge { .. } => "file_too_large",
            UploadError::Empty(_) => "empty_file",
            UploadError::Unsupported(_) => "unsupported_file_type",
            UploadError::Corrupt { .. } => "corrupt_file",
            UploadError::TooMany(_) => "too_many_files",
        }
    }
}

/// A checked file.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// The name, made harmless: no directories, no control characters, bounded.
    pub name: String,
    /// The type read from the content.
    pub media_type: &'static str,
    /// The bytes.
    pub content: Vec<u8>,
    /// Indicators read from it (QR codes in pictures).
    pub indicators: Vec<Found>,
    /// The PDQ hash of a picture with its quality: the same avatar or photo in another
    /// report links the two.
    pub image_hash: Option<(lurewatch_image::Pdq, u8)>,
    /// Whether it is text (a chat export or a pasted conversation saved as a file).
    pub text: bool,
    /// The triage of an app (APK, XAPK, APKS).
    pub apk: Option<lurewatch_apk::Triage>,
}

/// Checks one uploaded file: size, type from its bytes, and for pictures that the desk can
/// decode, that they decode; reads the QR codes in them.
pub fn check(engine: &Engine, name: &str, content: Vec<u8>, max_bytes: usize) -> Result<Upload, UploadError> {
    let name = clean_name(name);
    if content.len() > max_bytes {
        return Err(UploadError::TooLarge { name, limit: max_bytes });
    }
    if content.is_empty() {
        return Err(UploadError::Empty(name));
    }
    let (media_type, text) = match media_type(&content) {
        Some(t) => t,
        None => return Err(UploadError::Unsupported(name)),
    };
    let mut indicators = Vec::new();
    let mut image_hash = None;
    if matches!(media_type, "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/bmp") {
        match lurewatch_image::qr::read(&content) {
            Ok(payloads) => {
                for payload in payloads {
                    if let Payload::Text(text) = payload {
                        let mut found = Vec::new();
                        engine.extractor().extract(&text, Language::En, &mut found);
                        indicators.extend(found.into_iter().filter(|f| f.kind != IndicatorKind::Amount));
                    }
                }
            }
            Err(e @ (ImageError::Corrupt(_) | ImageError::TooLarge(_))) => {
                return Err(UploadError::Corrupt { name, reason: e.to_string() });
            }
            Err(ImageError::Unsupported) => {}
        }
        image_hash = lurewatch_image::hash_image(&content).ok().map(|h| (h.hash, h.quality));
    }
    let mut media_type = media_type;
    let mut apk = None;
    if matches!(media_type, "application/zip" | "application/vnd.android.package-archive") {
        match triage_app(engine, &content) {
            Ok(t) => {
                media_type = "application/vnd.android.package-archive";
                apk = Some(t);
            }
            Err(e @ lurewatch_apk::ApkError::Bomb { .. }) => {
                return Err(UploadError::Corrupt { name, reason: e.to_string() });
            }
            // A zip that is not an app is kept as it is.
            Err(_) => {}
        }
    }
    Ok(Upload { name, media_type, content, indicators, image_hash, text, apk })
}

/// Triages an app sent as evidence (the parser reads files, so it goes through a
/// temporary file that is removed at once).
fn triage_app(engine: &Engine, content: &[u8]) -> Result<lurewatch_apk::Triage, lurewatch_apk::ApkError> {
    static KNOWN: std::sync::LazyLock<lurewatch_apk::Known> = std::sync::LazyLock::new(lurewatch_apk::Known::shipped);
    let mut file = tempfile::NamedTempFile::new()?;
    std::io::Write::write_all(&mut file, content)?;
    lurewatch_apk::triage(file.path(), &KNOWN, engine, &lurewatch_apk::Limits::default())
}

/// The type of a file from its first bytes, and whether it is text.
fn media_type(content: &[u8]) -> Option<(&'static str, bool)> {
    if let Some(kind) = infer::get(content) {
        let mime = kind.mime_type();
        let kept =
            matches!(
                kind.matcher_type(),
                infer::MatcherType::Image | infer::MatcherType::Video | infer::MatcherType::Audio
            ) || matches!(mime, "application/pdf" | "application/zip" | "application/vnd.android.package-archive");
        return kept.then_some((mime, false));
    }
    let is_text = std::str::from_utf8(content).is_ok() && !content.contains(&0);
    is_text.then_some(("text/plain", true))
}

/// The last part of a path, without control or bidi characters, bounded.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .take(MAX_NAME)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_paths_and_tricks() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\victim\\photo.jpg"), "photo.jpg");
        assert_eq!(clean_name("evil\u{202E}gpj.exe"), "evilgpj.exe");
        assert_eq!(clean_name("..."), "file");
        assert_eq!(clean_name(".hidden"), "hidden");
        assert_eq!(clean_name("截圖 2026-11-30.png"), "截圖 2026-11-30.png");
        assert_eq!(clean_name(&"a".repeat(500)).len(), MAX_NAME);
    }

    #[test]
    fn types_come_from_the_bytes_not_the_name() {
        let engine = Engine::new();
        let text = check(&engine, "chat.png", "Anna: 加我QQ 12345678".as_bytes().to_vec(), 1000).unwrap();
        assert_eq!((text.media_type, text.text), ("text/plain", true));
        let pdf = check(&engine, "x.txt", b"%PDF-1.7\n...".to_vec(), 1000).unwrap();
        assert_eq!(pdf.media_type, "application/pdf");
        let elf = check(&engine, "photo.jpg", b"\x7fELF\x02\x01\x01\0\0\0\0\0".to_vec(), 1000);
        assert_eq!(elf.unwrap_err().code(), "unsupported_file_type");
        let binary = check(&engine, "a.txt", vec![0, 159, 146, 150], 1000);
        assert_eq!(binary.unwrap_err().code(), "unsupported_file_type");
        assert_eq!(check(&engine, "a", vec![], 1000).unwrap_err().code(), "empty_file");
        assert_eq!(check(&engine, "a", vec![b'a'; 1001], 1000).unwrap_err().code(), "file_too_large");
        let truncated_png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0".to_vec();
        assert_eq!(check(&engine, "a.png", truncated_png, 1000).unwrap_err().code(), "corrupt_file");
    }
}
