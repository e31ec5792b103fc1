//! Analyst accounts and the audit log.
//!
//! Every view or download of evidence and every change to a case is appended to the audit
//! log. Entries are chained by hash: each stores the SHA-256 of its own fields and of the
//! entry before it, so an entry changed, removed or inserted afterwards breaks the chain
//! from there on, and [`Store::verify_audit`] names the first broken entry.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::store::{Store, StoreError};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An analyst's role; each may do what the roles before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Works the queue: reads reports and evidence, writes notes, changes status.
    Analyst,
    /// An analyst who also refers and closes cases, exports evidence and reports, and sees
    /// statistics.
    Supervisor,
    /// A supervisor who also reads and verifies the audit log, and manages accounts and
    /// hash banks.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "analyst" => Ok(Role::Analyst),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("unknown role `{s}`; expected analyst, supervisor or admin")),
        }
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// Position, from 1.
    pub seq: i64,
    /// Seconds since the epoch.
    pub at: i64,
    /// Who (an analyst's name, or `system`).
    pub actor: String,
    /// What (`evidence.view`, `case.status`, …).
    pub action: String,
    /// On what (a report or file id).
    pub subject: String,
    /// More, as text.
    pub detail: String,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The first entry that does not verify.
    pub seq: i64,
    /// Why.
    pub why: &'static str,
}

/// An entry from a row whose first six columns are the entry's fields.
fn entry_of(r: &sqlx::any::AnyRow) -> AuditEntry {
    AuditEntry { seq: r.get(0), at: r.get(1), actor: r.get(2), action: r.get(3), subject: r.get(4), detail: r.get(5) }
}

fn entry_hash(prev: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    for field in
        [e.seq.to_string(), e.at.to_string(), e.actor.clone(), e.action.clone(), e.subject.clone(), e.detail.clone()]
    {
        // Length-prefixed, so that no two different entries hash alike.
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Hashes a password with Argon2id.
pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!("a password has at least {MIN_PASSWORD} characters"));
    }
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches a stored Argon2id hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

impl Store {
    /// Adds an analyst account; refuses a name in use.
    pub async fn add_analyst(&self, name: &str, role: Role, password_hash: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO analysts (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// An analyst's role and password hash.
    pub async fn analyst(&self, name: &str) -> Result<Option<(Role, String)>, StoreError> {
        let row = sqlx::query("SELECT role, password_hash FROM analysts WHERE name = $1 AND disabled = 0")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.and_then(|r| Some((r.get::<String, _>(0).parse().ok()?, r.get(1)))))
    }

    /// Appends an entry to the audit log; returns it with its position. Concurrent desks
    /// race for the next position; the loser retries on the new end of the chain.
    pub async fn audit(
        &self,
        at: i64,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<AuditEntry, StoreError> {
        for _ in 0..16 {
            let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
            let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |r| (r.get::<i64, _>(0) + 1, r.get(1)));
            let entry = AuditEntry {
                seq,
                at,
                actor: actor.to_owned(),
                action: action.to_owned(),
                subject: subject.to_owned(),
                detail: detail.to_owned(),
            };
            let hash = entry_hash(&prev, &entry);
            let inserted = sqlx::query(
                "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (seq) DO NOTHING",
            )
            .bind(seq)
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .bind(&prev)
            .bind(&hash)
            .execute(self.pool())
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(entry);
            }
        }
        Err(StoreError::Busy)
    }

    /// The audit entries about one subject, in order.
    pub async fn audit_of(&self, subject: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, detail FROM audit_log WHERE subject = $1 ORDER BY seq",
        )
        .bind(subject)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(entry_of).collect())
    }

    /// The latest `limit` audit entries, newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows =
            sqlx::query("SELECT seq, at, actor, action, subject, detail FROM audit_log ORDER BY seq DESC LIMIT $1")
                .bind(limit.clamp(1, 10_000))
                .fetch_all(self.pool())
                .await?;
        Ok(rows.iter().map(entry_of).collect())
    }

    /// Checks the whole audit chain; the number of entries, or the first broken one.
    pub async fn verify_audit(&self) -> Result<Result<i64, Broken>, StoreError> {
        let rows =
            sqlx::query("SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq")
                .fetch_all(self.pool())
                .await?;
        let mut prev = GENESIS.to_owned();
        let mut expected = 1;
        for r in rows {
            let entry = entry_of(&r);
            let (stored_prev, stored_hash): (String, String) = (r.get(6), r.get(7));
            if entry.seq != expected {
                return Ok(Err(Broken { seq: expected, why: "an entry is missing" }));
            }
            if stored_prev != prev {
                return Ok(Err(Broken { seq: entry.seq, why: "it does not follow the entry before it" }));
            }
            if entry_hash(&prev, &entry) != stored_hash {
                return Ok(Err(Broken { seq: entry.seq, why: "its content was changed" }));
            }
            prev = stored_hash;
            expected += 1;
        }
        Ok(Ok(expected - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_and_checked() {
        assert!(hash_password("short").is_err());
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}

/// Failed logins after which an account is locked.
pub const LOCK_AFTER: i64 = 5;
/// How long a locked account stays locked, seconds.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// How long a session lasts, seconds.
pub const SESSION_SECONDS: i64 = 8 * 3600;

/// A signed-in analyst.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The analyst.
    pub analyst: String,
    /// Their role.
    pub role: Role,
    /// The token forms must carry.
    pub csrf: String,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Checks a name and password; on success opens a session and returns its token (for
    /// the cookie) and the session, else `None` — the same for an unknown name, a wrong
    /// password and a locked account, so that the answer says nothing of which. Five
    /// failures in a row lock the account for 15 minutes.
    pub async fn login(&self, name: &str, password: &str, now: i64) -> Result<Option<(String, Session)>, StoreError> {
        let row = sqlx::query(
            "SELECT role, password_hash, failed_logins, locked_until FROM analysts WHERE name = $1 AND disabled = 0",
        )
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            // The same work as a real check, so that timing does not tell names apart.
            let _ = verify_password(password, DUMMY_HASH);
            return Ok(None);
        };
        let (role, stored, _failed, locked_until): (String, String, i64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if locked_until > now {
            let _ = verify_password(password, DUMMY_HASH);
            self.audit(now, name, "login.locked", name, "").await?;
            return Ok(None);
        }
        if !verify_password(password, &stored) {
            sqlx::query(
                "UPDATE analysts SET failed_logins = failed_logins + 1, \
                 locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END WHERE name = $1",
            )
            .bind(name)
            .bind(LOCK_AFTER)
            .bind(now + LOCK_SECONDS)
            .execute(self.pool())
            .await?;
            self.audit(now, name, "login.failed", name, "").await?;
            return Ok(None);
        }
        sqlx::query("UPDATE analysts SET failed_logins = 0, locked_until = 0 WHERE name = $1")
            .bind(name)
            .execute(self.pool())
            .await?;
        let token = hex::encode(rand::random::<[u8; 32]>());
        let csrf = hex::encode(rand::random::<[u8; 16]>());
        sqlx::query(
            "INSERT INTO sessions (token_hash, analyst, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&token))
        .bind(name)
        .bind(&csrf)
        .bind(now)
        .bind(now + SESSION_SECONDS)
        .execute(self.pool())
        .await?;
        self.audit(now, name, "login", name, "").await?;
        let role = role.parse().map_err(|_| StoreError::NoReport)?;
        Ok(Some((token, Session { analyst: name.to_owned(), role, csrf })))
    }

    /// The session a cookie's token opens, if it has not expired.
    pub async fn session(&self, token: &str, now: i64) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT s.analyst, a.role, s.csrf FROM sessions s JOIN analysts a ON a.name = s.analyst \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|r| {
            Some(Session { analyst: r.get(0), role: r.get::<String, _>(1).parse().ok()?, csrf: r.get(2) })
        }))
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str, now: i64) -> Result<(), StoreError> {
        if let Some(s) = self.session(token, now).await? {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(self.pool())
                .await?;
            self.audit(now, &s.analyst, "logout", &s.analyst, "").await?;
        }
        Ok(())
    }
}

/// An Argon2id hash of nothing anyone types, checked against when the name is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bHVyZXdhdGNoZHVtbXk$2QfKXJm1kd4uB5M5cqHqqJ6qRQ2yKhJwQ3m6cV7Hc3Y";
