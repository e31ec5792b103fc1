//! What the desk's tests share: a fresh PostgreSQL database per test, dropped afterwards.

#![allow(dead_code)]

use sqlx::Connection;

/// The server the tests use: `LUREWATCH_TEST_POSTGRES`, or the local one on 5432.
pub fn admin_url() -> String {
    std::env::var("LUREWATCH_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A database of its own for one test, dropped when this is dropped.
pub struct FreshDatabase {
    pub url: String,
    name: String,
}

impl FreshDatabase {
    pub async fn new() -> FreshDatabase {
        let admin = admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("the PostgreSQL tests need a server at {admin} (set LUREWATCH_TEST_POSTGRES): {e}")
        });
        let name = format!("lurewatch_test_{}_{}", std::process::id(), hex_suffix());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        FreshDatabase { url: format!("{base}/{name}"), name }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Dropped from a thread of its own: the test's runtime may be shutting down.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url()).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

fn hex_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{:x}{:x}", nanos, NEXT.fetch_add(1, Ordering::Relaxed))
}
