//! The workspace's network view over many reports, and a report export of them for
//! timing `lurewatch link` (see `benches/link-million`).
//!
//! The reports are generated, deterministically, with the overlap real ones have: most
//! come from gangs (a few large, many small) whose members reuse a pool of accounts,
//! numbers, payees, crypto addresses and app links; the rest are lone scammers; every
//! report also names amounts, its own throwaway indicators and, often, a platform's or a
//! shortener's domain that is everywhere.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use lurewatch_desk::Desk;
use lurewatch_desk::store::Store;
use lurewatch_desk::vault::Vault;
use lurewatch_link::{Mark, Report};

/// splitmix64: a small, fixed generator, so every run builds the same reports.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn mark(kind: &str, value: String, platform: Option<&str>) -> Mark {
    Mark { kind: lurewatch_link::word(kind), value, platform: platform.map(Into::into), ..Mark::default() }
}

/// One gang's pool of indicators.
fn pool(rng: &mut Rng, gang: u64) -> Vec<Mark> {
    let mut marks = Vec::new();
    for i in 0..1 + rng.below(4) {
        let (platform, name) = match rng.below(4) {
            0 => ("qq", format!("{}", 10_000_000 + gang * 7 + i)),
            1 => ("wechat", format!("wxid_g{gang}x{i}")),
            2 => ("line", format!("line_g{gang}_{i}")),
            _ => ("kakao", format!("kk{gang}m{i}")),
        };
        marks.push(mark("handle", format!("{platform}:{name}"), Some(platform)));
    }
    for i in 0..1 + rng.below(3) {
        marks.push(mark("phone", format!("+8526{:07}", (gang * 13 + i) % 10_000_000), None));
    }
    for i in 0..1 + rng.below(3) {
        marks.push(mark("bank_card", format!("6222{:015}", gang * 31 + i), None));
    }
    if rng.chance(40) {
        marks.push(mark("crypto", format!("T{:033}", gang), None));
    }
    if rng.chance(30) {
        marks.push(mark("url", format!("video-chat-{gang}.example/app.apk"), None));
    }
    marks
}

/// `reports` reports, newest last, over three years.
fn generate(reports: usize) -> Vec<Report> {
    let mut rng = Rng(0x6c75_7265);
    // Gang sizes fall off like a power law: a few hundreds, many pairs and threes.
    let mut sizes = Vec::new();
    let mut in_gangs = 0;
    while in_gangs < reports * 6 / 10 {
        let size = (2.0 / (1.0 - (rng.below(1_000_000) as f64 / 1_000_000.0)).powf(0.6)) as usize;
        let size = size.clamp(2, 3000);
        sizes.push(size);
        in_gangs += size;
    }
    let pools: Vec<Vec<Mark>> = (0..sizes.len() as u64).map(|g| pool(&mut rng, g)).collect();
    let mut owner: Vec<Option<usize>> =
        sizes.iter().enumerate().flat_map(|(g, &n)| std::iter::repeat_n(Some(g), n)).collect();
    owner.truncate(reports);
    owner.resize(reports, None);
    // Shuffled, so that a gang's reports come in over time.
    for i in (1..owner.len()).rev() {
        owner.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let start = 1_700_000_000i64;
    let levels = ["low", "medium", "high", "critical"];
    owner
        .into_iter()
        .enumerate()
        .map(|(i, gang)| {
            let mut marks = Vec::new();
            if let Some(g) = gang {
                let pool = &pools[g];
                for _ in 0..1 + rng.below(3) {
                    marks.push(pool[rng.below(pool.len() as u64) as usize].clone());
                }
            } else {
                marks.push(mark("handle", format!("qq:{}", 900_000_000 + i), Some("qq")));
            }
            // The victim's own and throwaway indicators: named once.
            for j in 0..1 + rng.below(2) {
                marks.push(mark("phone", format!("+84{:09}", i * 3 + j as usize), None));
            }
            let amount = [2000.0, 5000.0, 20000.0, 3000.0][rng.below(4) as usize];
            let currency = ["CNY", "HKD", "KRW", "VND", "USDT"][rng.below(5) as usize];
            let mut amount_mark = mark("amount", format!("{amount} {currency}"), None);
            amount_mark.amount = Some((amount, Some(currency.into())));
            marks.push(amount_mark);
            if rng.chance(30) {
                let mut common = mark("domain", "line.me".into(), None);
                common.common = true;
                marks.push(common);
            }
            if rng.chance(10) {
                let mut short = mark("domain", "bit.ly".into(), None);
                short.common = true;
                marks.push(short);
            }
            marks.sort_by(|a, b| (&a.kind, &a.value).cmp(&(&b.kind, &b.value)));
            marks.dedup_by(|a, b| a.kind == b.kind && a.value == b.value);
            Report {
                id: format!("{:032x}", (i as u128) * 0x9E37_79B9_7F4A_7C15 + 1),
                category: if gang.is_some() || rng.chance(50) { "sextortion" } else { "grooming" }.into(),
                level: levels[rng.below(4) as usize].into(),
                risk: rng.below(100) as u8,
                tactics: vec!["platform_switch".into(), "payment_demand".into()],
                marks,
                reported: Some(start + (i as i64) * 94_000_000 / reports as i64),
                paid: rng.chance(30).then(|| (amount / 2.0, currency.to_owned())),
                minor: rng.chance(20),
            }
        })
        .collect()
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM`, `RssAnon`, …), MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Peak resident memory of this process, MiB (the database's pages read through the
/// memory map included).
fn peak_mib() -> f64 {
    status_mib("VmHWM:")
}

/// Stores the reports as the desk would, many rows a statement.
async fn load(url: &str, reports: &[Report]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("the bench database opens");
    let mut tx = pool.begin().await.expect("a transaction");
    for chunk in reports.chunks(500) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p = i * 9;
                format!(
                    "(${a}, ${a}, ${b}, ${b}, 'new', 'en', ${c}, ${d}, ${e}, 1, ${f}, ${g}, ${h}, '', ${k})",
                    a = p + 1,
                    b = p + 2,
                    c = p + 3,
                    d = p + 4,
                    e = p + 5,
                    f = p + 6,
                    g = p + 7,
                    h = p + 8,
                    k = p + 9
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO reports (id, receipt_hash, created_at, updated_at, status, language, category, level, risk, \
             messages, engine_minor, amount_paid, currency, assessment_sealed, tactics) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            let (paid, currency) = r.paid.clone().map_or((None, None), |(v, c)| (Some(v), Some(c)));
            query = query
                .bind(r.id.clone())
                .bind(r.reported.unwrap_or(0))
                .bind(r.category.to_string())
                .bind(r.level.to_string())
                .bind(i64::from(r.risk))
                .bind(i64::from(r.minor))
                .bind(paid)
                .bind(currency)
                .bind(r.tactics.join(" "));
        }
        query.execute(&mut *tx).await.expect("report rows");
        let marks: Vec<(&str, &Mark)> =
            chunk.iter().flat_map(|r| r.marks.iter().map(move |m| (r.id.as_str(), m))).collect();
        for part in marks.chunks(1000) {
            let rows: Vec<String> = (0..part.len())
                .map(|i| format!("(${}, ${}, ${}, ${}, 1, ${})", i * 5 + 1, i * 5 + 2, i * 5 + 3, i * 5 + 4, i * 5 + 5))
                .collect();
            let sql = format!(
                "INSERT INTO report_indicators (report_id, kind, value, platform, mentions, flags) VALUES {}",
                rows.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, m) in part {
                query = query
                    .bind(id.to_string())
                    .bind(m.kind.to_string())
                    .bind(m.value.clone())
                    .bind(m.platform.clone())
                    .bind(if m.value == "bit.ly" { "shortener" } else { "" });
            }
            query.execute(&mut *tx).await.expect("indicator rows");
        }
    }
    tx.commit().await.expect("the commit");
    pool.close().await;
}

/// Times the network view of the desk whose data directory is `dir`, in this process
/// alone, so that its memory is the view's own.
async fn view(dir: &std::path::Path) {
    let store = Store::open_sqlite(&dir.join("desk.sqlite")).await.expect("the store opens");
    let vault = Vault::new(&[7; 32], &dir.join("evidence")).expect("the vault opens");
    let engine = Arc::new(lurewatch_core::Engine::builder().build());
    let desk = Desk::new(engine, store, vault, Default::default()).await.expect("the desk opens");
    let before = peak_mib();
    let t = Instant::now();
    let view = desk.networks().await.expect("the networks are linked");
    let cold = t.elapsed();
    let t = Instant::now();
    let again = desk.networks().await.expect("the networks are linked");
    let warm = t.elapsed();
    assert!(Arc::ptr_eq(&view, &again), "unchanged reports are not linked again");
    let sizes: Vec<usize> = view.linked.networks.iter().map(|n| n.reports.len()).collect();
    println!(
        "network view: {} networks linking {} of {} reports (largest {}, {} of 10 or more); {} indicators too common",
        sizes.len(),
        view.network_of.len(),
        view.reports.len(),
        sizes.first().copied().unwrap_or(0),
        sizes.iter().filter(|s| **s >= 10).count(),
        view.linked.common.len()
    );
    println!(
        "network view: read and linked in {:.2} s (reading {:.2} s, linking {:.2} s), then {:.3} ms while \
         unchanged; peak resident memory {:.0} MiB (the desk alone {:.0} MiB), of which the database's \
         mapped pages {:.0} MiB; the view holds {:.0} MiB of the heap",
        cold.as_secs_f64(),
        view.read.as_secs_f64(),
        view.linking.as_secs_f64(),
        warm.as_secs_f64() * 1000.0,
        peak_mib(),
        before,
        status_mib("RssFile:"),
        status_mib("RssAnon:")
    );
}

/// Set to a desk's data directory, the bench only times its network view.
const VIEW_ONLY: &str = "LUREWATCH_BENCH_VIEW";

#[tokio::main]
async fn main() {
    if let Some(dir) = std::env::var_os(VIEW_ONLY) {
        view(std::path::Path::new(&dir)).await;
        return;
    }
    // `cargo bench` passes `--bench`; the numbers are ours.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let count: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let export = args.get(1);

    let t = Instant::now();
    let reports = generate(count);
    let marks: usize = reports.iter().map(|r| r.marks.len()).sum();
    println!("generated {count} reports with {marks} indicators in {:.1} s", t.elapsed().as_secs_f64());
    if let Some(path) = export {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("the export file is created"));
        for r in &reports {
            serde_json::to_writer(&mut out, r).expect("reports serialise");
            out.write_all(b"\n").expect("the export is written");
        }
        out.flush().expect("the export is written");
        println!("wrote the report export {path}");
    }

    // A third argument keeps the desk there, for `LUREWATCH_BENCH_VIEW` runs.
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let dir = args.get(2).map_or_else(|| scratch.path().to_owned(), std::path::PathBuf::from);
    std::fs::create_dir_all(&dir).expect("the desk's directory is created");
    let path = dir.join("desk.sqlite");
    drop(Store::open_sqlite(&path).await.expect("the store opens and migrates"));
    let t = Instant::now();
    load(&format!("sqlite://{}", path.display()), &reports).await;
    println!("stored them in SQLite in {:.1} s", t.elapsed().as_secs_f64());
    drop(reports);
    let status = std::process::Command::new(std::env::current_exe().expect("this bench's path"))
        .env(VIEW_ONLY, &dir)
        .status()
        .expect("the view bench runs");
    assert!(status.success(), "the view bench failed");
}
