//! Encryption at rest: the evidence key, sealed values and the content-addressed file store.
//!
//! Everything a victim wrote or sent is sealed with XChaCha20-Poly1305 under one 256-bit
//! key that lives outside the database (a key file or the environment). Each sealed value
//! carries its own random nonce and is bound to what it belongs to (associated data), so a
//! sealed value copied into another row does not open there.
//!
//! Evidence files are stored by the SHA-256 of their content: the same file sent twice is
//! stored once. A file is written to a temporary name, flushed to disk and renamed before
//! any row points to it, so a crash never leaves a row without its file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
/// The first byte of every sealed value: the format, so that keys and ciphers can change.
const FORMAT: u8 = 1;

/// Why a key, a sealed value or an evidence file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key is not 64 hexadecimal digits or 43–44 base64 characters.
    #[error("the evidence key must be 32 bytes written as 64 hexadecimal digits or base64: {0}")]
    BadKey(String),
    /// The key file cannot be read or written.
    #[error("evidence key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A sealed value does not open with this key: a wrong key, or damaged data.
    #[error("a sealed value does not open with this key (wrong key or damaged data)")]
    Open,
    /// The evidence store cannot be read or written.
    #[error("evidence store: {0}")]
    Io(#[from] io::Error),
}

/// The evidence key and the file store under it.
pub struct Vault {
    cipher: XChaCha20Poly1305,
    key_id: String,
    dir: PathBuf,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("key_id", &self.key_id).field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// Parses a key written as hex or base64.
pub fn parse_key(text: &str) -> Result<[u8; KEY_BYTES], VaultError> {
    let text = text.trim();
    let bytes = if text.len() == 2 * KEY_BYTES && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| VaultError::BadKey(e.to_string()))?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| B64.decode(text))
            .map_err(|_| VaultError::BadKey(format!("{} characters that are neither hex nor base64", text.len())))?
    };
    bytes.try_into().map_err(|b: Vec<u8>| VaultError::BadKey(format!("{} bytes", b.len())))
}

/// Reads the key file, or creates it with a new random key (readable by its owner only)
/// when it does not exist. Returns the key and whether it was created.
pub fn load_or_create_key(path: &Path) -> Result<([u8; KEY_BYTES], bool), VaultError> {
    let err = |source| VaultError::KeyFile { path: path.to_owned(), source };
    match fs::read_to_string(path) {
        Ok(text) => Ok((parse_key(&text)?, false)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key: [u8; KEY_BYTES] = rand::random();
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(err)?;
            file.write_all(format!("{}\n", hex::encode(key)).as_bytes()).map_err(err)?;
            file.sync_all().map_err(err)?;
            Ok((key, true))
        }
        Err(e) => Err(err(e)),
    }
}

impl Vault {
    /// A vault with `key` storing files under `dir` (created when missing).
    pub fn new(key: &[u8; KEY_BYTES], dir: &Path) -> Result<Vault, VaultError> {
        fs::create_dir_all(dir.join("tmp"))?;
        let cipher = XChaCha20Poly1305::new(key.into());
        // A fingerprint of the key, kept in the database so that instances sharing one
        // database refuse to start with different keys. It reveals nothing of the key.
        let key_id =
            hex::encode(&Sha256::new().chain_update(b"lurewatch evidence key id\0").chain_update(key).finalize()[..8]);
        Ok(Vault { cipher, key_id, dir: dir.to_owned() })
    }

    /// The key's fingerprint.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Encrypts `plain`, bound to `context`, as base64 text for a database column.
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let mut out = Vec::with_capacity(1 + NONCE_BYTES + plain.len() + 16);
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend(self.encrypt(&nonce, context, plain));
        B64.encode(out)
    }

    /// Decrypts what [`Vault::seal`] made for `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, VaultError> {
        let bytes = B64.decode(sealed).map_err(|_| VaultError::Open)?;
        self.open_bytes(context, &bytes)
    }

    fn encrypt(&self, nonce: &[u8; NONCE_BYTES], context: &str, plain: &[u8]) -> Vec<u8> {
        // Encryption with a fresh nonce and in-memory buffers cannot fail.
        self.cipher
            .encrypt(&XNonce::from(*nonce), Payload { msg: plain, aad: context.as_bytes() })
            .expect("in-memory encryption does not fail")
    }

    fn open_bytes(&self, context: &str, bytes: &[u8]) -> Result<Vec<u8>, VaultError> {
        if bytes.len() < 1 + NONCE_BYTES || bytes[0] != FORMAT {
            return Err(VaultError::Open);
        }
        let (nonce, body) = bytes[1..].split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| VaultError::Open)?;
        self.cipher.decrypt(&nonce, Payload { msg: body, aad: context.as_bytes() }).map_err(|_| VaultError::Open)
    }

    /// Stores an evidence file, encrypted, under its SHA-256 (lower-case hex), which it
    /// returns. The file is on disk when this returns; storing it again changes nothing.
    pub fn put_file(&self, content: &[u8]) -> Result<String, VaultError> {
        let sha = hex::encode(Sha256::digest(content));
        let path = self.file_path(&sha);
        if path.exists() {
            return Ok(sha);
        }
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let mut sealed = Vec::with_capacity(1 + NONCE_BYTES + content.len() + 16);
        sealed.push(FORMAT);
        sealed.extend_from_slice(&nonce);
        sealed.extend(self.encrypt(&nonce, &sha, content));

        let tmp = self.dir.join("tmp").join(format!("{sha}.{}", hex::encode(rand::random::<[u8; 8]>())));
        let result = (|| {
            let mut file = fs::File::create_new(&tmp)?;
            file.write_all(&sealed)?;
            file.sync_all()?;
            let parent = path.parent().expect("evidence paths have a parent");
            fs::create_dir_all(parent)?;
            fs::rename(&tmp, &path)?;
            // The rename itself is durable only once the directory is flushed.
            fs::File::open(parent)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result?;
        Ok(sha)
    }

    /// Reads and decrypts an evidence file, checking its content against its name.
    pub fn read_file(&self, sha: &str) -> Result<Vec<u8>, VaultError> {
        if sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(VaultError::Io(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256 name")));
        }
        let plain = self.open_bytes(sha, &fs::read(self.file_path(sha))?)?;
        if hex::encode(Sha256::digest(&plain)) != sha {
            return Err(VaultError::Open);
        }
        Ok(plain)
    }

    /// Whether an evidence file is stored.
    pub fn has_file(&self, sha: &str) -> bool {
        self.file_path(sha).exists()
    }

    fn file_path(&self, sha: &str) -> PathBuf {
        self.dir.join(&sha[..2]).join(sha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(dir: &Path) -> Vault {
        Vault::new(&[7; KEY_BYTES], dir).unwrap()
    }

    #[test]
    fn sealed_values_open_only_in_their_context_and_with_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let sealed = v.seal("report:1", "他說要把影片發給我所有朋友".as_bytes());
        assert!(!sealed.contains("影片"));
        assert_eq!(v.open("report:1", &sealed).unwrap(), "他說要把影片發給我所有朋友".as_bytes());
        assert!(matches!(v.open("report:2", &sealed), Err(VaultError::Open)));
        let other = Vault::new(&[8; KEY_BYTES], dir.path()).unwrap();
        assert!(matches!(other.open("report:1", &sealed), Err(VaultError::Open)));
        assert_ne!(v.key_id(), other.key_id());
        // Two seals of one value differ (fresh nonces).
        assert_ne!(sealed, v.seal("report:1", "他說要把影片發給我所有朋友".as_bytes()));
        assert!(matches!(v.open("report:1", "not base64!"), Err(VaultError::Open)));
    }

    #[test]
    fn files_are_content_addressed_encrypted_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let content = b"\x89PNG\r\n\x1a\n screenshot of the threat";
        let sha = v.put_file(content).unwrap();
        assert_eq!(sha, hex::encode(Sha256::digest(content)));
        assert_eq!(v.put_file(content).unwrap(), sha);
        let on_disk = fs::read(dir.path().join(&sha[..2]).join(&sha)).unwrap();
        assert!(!on_disk.windows(10).any(|w| w == b"screenshot"));
        assert_eq!(v.read_file(&sha).unwrap(), content);
        assert!(v.has_file(&sha));
        assert!(v.read_file("../../etc/passwd").is_err());
        // A damaged file is refused, not returned.
        let mut damaged = on_disk.clone();
        *damaged.last_mut().unwrap() ^= 1;
        fs::write(dir.path().join(&sha[..2]).join(&sha), damaged).unwrap();
        assert!(matches!(v.read_file(&sha), Err(VaultError::Open)));
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn keys_parse_from_hex_or_base64_and_key_files_are_created_private() {
        let hex_key = "00".repeat(31) + "ff";
        assert_eq!(parse_key(&hex_key).unwrap()[31], 0xff);
        let b64 = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        assert_eq!(parse_key(&b64).unwrap(), [3; 32]);
        assert!(matches!(parse_key("abcd"), Err(VaultError::BadKey(_))));
        assert!(matches!(parse_key(&"0".repeat(66)), Err(VaultError::BadKey(_))));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evidence.key");
        let (key, created) = load_or_create_key(&path).unwrap();
        assert!(created);
        assert_eq!(load_or_create_key(&path).unwrap(), (key, false));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
