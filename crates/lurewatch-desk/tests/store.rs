//! One storage conformance suite, run against the embedded SQLite file and a real
//! PostgreSQL server: both must behave the same.

mod common;

use lurewatch_desk::store::{Backend, Facts, FileRow, IndicatorRow, NewReport, Store, StoreError, Summary};

fn summary(level: &str, risk: u8, messages: u32) -> Summary {
    Summary {
        language: "zh-Hant".into(),
        category: "sextortion".into(),
        level: level.into(),
        risk,
        messages,
        minor: true,
        tactics: "befriend threat_exposure".into(),
        assessment_sealed: format!("sealed-assessment-{risk}"),
    }
}

fn indicator(kind: &str, value: &str, bare: Option<&str>) -> IndicatorRow {
    IndicatorRow {
        kind: kind.into(),
        value: value.into(),
        bare: bare.map(Into::into),
        mentions: 1,
        ..IndicatorRow::default()
    }
}

fn report(id: &str, receipt: &str, now: i64, level: &str, indicators: Vec<IndicatorRow>) -> NewReport {
    NewReport {
        id: id.into(),
        receipt_hash: receipt.into(),
        now,
        summary: summary(level, 80, 2),
        facts: Facts {
            platform: Some("wechat".into()),
            region: Some("HK".into()),
            amount_paid: Some(3000.5),
            currency: Some("HKD".into()),
            payment_channel: Some("fps".into()),
            minor: Some(true),
            age: Some(15),
            asked_again: Some(true),
        },
        statement_sealed: Some("sealed-statement".into()),
        messages_sealed: vec!["m0".into(), "m1".into()],
        indicators,
        files: vec![FileRow {
            sha256: "ab".repeat(32),
            size: 1234,
            media_type: "image/png".into(),
            name_sealed: "sealed-name".into(),
            triage_sealed: None,
        }],
    }
}

async fn conformance(store: Store) {
    store.ping().await.unwrap();

    // The evidence key's fingerprint is recorded once; another key is refused.
    store.check_key("k1").await.unwrap();
    store.check_key("k1").await.unwrap();
    assert!(matches!(store.check_key("k2").await, Err(StoreError::KeyMismatch { .. })));

    let qq = indicator("handle", "qq:12345678", Some("12345678"));
    let phone = indicator("phone", "+85291234567", None);
    let amount = indicator("amount", "20000 HKD", None);
    store
        .insert_report(&report("r1", "h1", 1_700_000_000, "high", vec![qq.clone(), phone.clone(), amount]))
        .await
        .unwrap();

    let row = store.report_by_receipt("h1").await.unwrap().expect("the receipt opens its report");
    assert_eq!(row.id, "r1");
    assert_eq!(row.status, "new");
    assert_eq!((row.created_at, row.updated_at), (1_700_000_000, 1_700_000_000));
    assert_eq!((row.level.as_str(), row.risk, row.messages), ("high", 80, 2));
    assert_eq!(row.facts.amount_paid, Some(3000.5));
    assert_eq!(row.facts.age, Some(15));
    assert_eq!(row.facts.minor, Some(true));
    assert_eq!(row.facts.asked_again, Some(true));
    assert_eq!(row.facts.region.as_deref(), Some("HK"));
    assert_eq!(store.report_by_receipt("h2").await.unwrap(), None);
    assert_eq!(store.report_messages("r1").await.unwrap(), ["m0", "m1"]);

    // A second report with the same receipt hash or id is refused whole.
    assert!(store.insert_report(&report("r9", "h1", 1, "low", vec![])).await.is_err());
    assert!(store.insert_report(&report("r1", "h9", 1, "low", vec![])).await.is_err());
    assert_eq!(store.report_messages("r9").await.unwrap(), Vec::<String>::new());

    // Appending continues the messages, updates the verdict and mentions, dedups files.
    let mut more = qq.clone();
    more.mentions = 3;
    let file = FileRow {
        sha256: "cd".repeat(32),
        size: 9,
        media_type: "text/plain".into(),
        name_sealed: "n2".into(),
        triage_sealed: Some("t2".into()),
    };
    let same_file = report("x", "x", 0, "x", vec![]).files;
    store
        .append(
            "r1",
            1_700_000_100,
            &summary("critical", 95, 3),
            &["m2".into()],
            &[more],
            &[&same_file[..], &[file]].concat(),
        )
        .await
        .unwrap();
    assert_eq!(store.report_messages("r1").await.unwrap(), ["m0", "m1", "m2"]);
    let row = store.report_by_receipt("h1").await.unwrap().unwrap();
    assert_eq!((row.level.as_str(), row.risk, row.messages, row.updated_at), ("critical", 95, 3, 1_700_000_100));
    let files = store.report_files("r1").await.unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].media_type, "image/png");
    assert_eq!(files[1].size, 9);
    assert_eq!((files[0].triage_sealed.as_deref(), files[1].triage_sealed.as_deref()), (None, Some("t2")));
    // Appending to a report that does not exist changes nothing.
    assert!(matches!(
        store.append("nope", 1, &summary("low", 1, 1), &["lost".into()], &[], &[]).await,
        Err(StoreError::NoReport)
    ));
    assert_eq!(store.report_messages("nope").await.unwrap(), Vec::<String>::new());

    // A second report naming the same account, at a lower level.
    store.insert_report(&report("r2", "h2", 1_700_086_400, "medium", vec![qq.clone()])).await.unwrap();

    let seen = store.sightings(&["qq:12345678".into(), "+85291234567".into(), "20000 HKD".into()], &[]).await.unwrap();
    assert_eq!(seen.len(), 2, "amounts are never looked up: {seen:?}");
    let qq_seen = seen.iter().find(|s| s.value == "qq:12345678").unwrap();
    assert_eq!((qq_seen.reports, qq_seen.high_reports), (2, 1));
    assert_eq!((qq_seen.first_seen, qq_seen.last_seen), (1_700_000_000, 1_700_086_400));
    let phone_seen = seen.iter().find(|s| s.value == "+85291234567").unwrap();
    assert_eq!((phone_seen.kind.as_str(), phone_seen.reports), ("phone", 1));

    // A bare account name finds the account on any platform.
    let bare = store.sightings(&[], &["12345678".into()]).await.unwrap();
    assert_eq!(bare.len(), 1);
    assert_eq!(bare[0].value, "qq:12345678");
    assert!(store.sightings(&["qq:999".into()], &["999".into()]).await.unwrap().is_empty());
    assert!(store.sightings(&[], &[]).await.unwrap().is_empty());

    casework(&store).await;
}

/// Notes, the linking input and the version that tells when to link again.
async fn casework(store: &Store) {
    use lurewatch_desk::casework::NoteRow;
    let before = store.reports_version().await.unwrap();
    let mut short = indicator("domain", "bit.ly", None);
    short.flags = "shortener".into();
    let mut listed = indicator("phone", "+85261234567", None);
    listed.listed = Some("police-list".into());
    let allowed = indicator("domain", "weixin.qq.com", None);
    store
        .insert_report(&report(
            "r3",
            "h3",
            1_700_200_000,
            "critical",
            vec![short, listed, allowed, indicator("amount", "500 USDT", None)],
        ))
        .await
        .unwrap();
    assert_ne!(store.reports_version().await.unwrap(), before, "a new report changes the version");

    let reports = store.reports_for_linking(10, &|d| d == "weixin.qq.com").await.unwrap();
    assert_eq!(reports.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["r3", "r2", "r1"], "newest first");
    let r3 = &reports[0];
    assert_eq!(r3.tactics, ["befriend", "threat_exposure"]);
    assert_eq!((r3.reported, r3.paid.clone(), r3.minor), (Some(1_700_200_000), Some((3000.5, "HKD".into())), true));
    let common: Vec<(&str, bool)> = r3.marks.iter().map(|m| (m.value.as_str(), m.common)).collect();
    assert_eq!(
        common,
        [("500 USDT", false), ("bit.ly", true), ("weixin.qq.com", true), ("+85261234567", false)],
        "a shortener and an allowed domain link nothing"
    );
    assert_eq!(r3.marks[0].amount, Some((500.0, Some("USDT".into()))));
    assert_eq!(r3.marks[3].listed.as_deref(), Some("police-list"));
    assert_eq!(store.reports_for_linking(1, &|_| false).await.unwrap().len(), 1);

    // A reports' tactics can be filled in afterwards (for reports stored before they were kept).
    assert!(store.reports_without_tactics().await.unwrap().is_empty());
    store.set_tactics("r1", "").await.unwrap();
    assert!(store.reports_for_linking(10, &|_| false).await.unwrap()[2].tactics.is_empty());

    // Notes: in order, only on reports that exist.
    let analyst = lurewatch_desk::audit::hash_password("a long enough password").unwrap();
    store.add_analyst("kim", lurewatch_desk::audit::Role::Analyst, &analyst, 1).await.unwrap();
    for (id, at) in [("n2", 20), ("n1", 10)] {
        let note = NoteRow {
            id: id.into(),
            report_id: "r1".into(),
            analyst: "kim".into(),
            created_at: at,
            sealed: format!("sealed-{id}"),
        };
        store.add_note(&note).await.unwrap();
    }
    let notes = store.notes("r1").await.unwrap();
    assert_eq!(notes.iter().map(|n| n.sealed.as_str()).collect::<Vec<_>>(), ["sealed-n1", "sealed-n2"]);
    let stray = NoteRow {
        id: "n3".into(),
        report_id: "nope".into(),
        analyst: "kim".into(),
        created_at: 1,
        sealed: String::new(),
    };
    assert!(matches!(store.add_note(&stray).await, Err(StoreError::NoReport)));
    assert!(store.notes("r2").await.unwrap().is_empty());
}

/// The audit chain verifies, and a changed or removed entry is named.
async fn audit_chain(store: &Store, url: &str) {
    use lurewatch_desk::audit::{Role, hash_password, verify_password};
    assert_eq!(store.verify_audit().await.unwrap(), Ok(0));
    for (i, action) in ["evidence.view", "case.status", "evidence.download"].iter().enumerate() {
        let e = store
            .audit(1_700_000_000 + i as i64, "mei.analyst", action, "r1", "{\"status\":\"triaged\"}")
            .await
            .unwrap();
        assert_eq!(e.seq, i as i64 + 1);
    }
    assert_eq!(store.verify_audit().await.unwrap(), Ok(3));

    let h = hash_password("a long enough password").unwrap();
    assert!(store.add_analyst("mei.analyst", Role::Supervisor, &h, 1).await.unwrap());
    assert!(!store.add_analyst("mei.analyst", Role::Admin, &h, 1).await.unwrap(), "names are unique");
    let (role, stored) = store.analyst("mei.analyst").await.unwrap().unwrap();
    assert_eq!(role, Role::Supervisor);
    assert!(verify_password("a long enough password", &stored));
    assert_eq!(store.analyst("nobody").await.unwrap(), None);

    // Tampering, as someone with database access would do it.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query("UPDATE audit_log SET subject = 'r2' WHERE seq = 2").execute(&pool).await.unwrap();
    let broken = store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!((broken.seq, broken.why), (2, "its content was changed"));
    sqlx::query("UPDATE audit_log SET subject = 'r1' WHERE seq = 2").execute(&pool).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap(), Ok(3));
    sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&pool).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap().unwrap_err().seq, 2);
    pool.close().await;
}

#[tokio::test]
async fn sqlite_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.sqlite");
    let store = Store::open_sqlite(&path).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    audit_chain(&store, &format!("sqlite://{}", path.display())).await;
    conformance(store).await;
    // Opening again runs no migration twice and keeps the data.
    let again = Store::open_sqlite(&path).await.unwrap();
    assert!(again.report_by_receipt("h1").await.unwrap().is_some());
}

#[tokio::test]
async fn postgres_conforms() {
    let db = common::FreshDatabase::new().await;
    let store = Store::open_postgres(&db.url).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    audit_chain(&store, &db.url).await;
    conformance(store).await;
    let again = Store::open_postgres(&db.url).await.unwrap();
    assert!(again.report_by_receipt("h1").await.unwrap().is_some());
}
