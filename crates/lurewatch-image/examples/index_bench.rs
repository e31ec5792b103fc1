//! Query time and memory of the hash index against a bank of random hashes, compared with
//! a scan of every hash in the same run.
//!
//! `cargo run --release -p lurewatch-image --example index_bench -- [HASHES] [QUERIES]`
//! (default 10,000,000 and 2,000). Half the queries are near copies of bank hashes (up to
//! 24 bits changed), half are random.

use std::time::Instant;

use lurewatch_image::Pdq;
use lurewatch_image::index::{DEFAULT_DISTANCE, Index};

/// SplitMix64, seeded: the same bank every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn hash(&mut self) -> Pdq {
        let mut w = [0u16; 16];
        for chunk in w.chunks_mut(4) {
            let x = self.next();
            for (k, v) in chunk.iter_mut().enumerate() {
                *v = (x >> (16 * k)) as u16;
            }
        }
        Pdq(w)
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("a number"));
    let n = args.next().unwrap_or(10_000_000);
    let q = args.next().unwrap_or(2_000);
    let mut rng = Rng(7);
    let hashes: Vec<Pdq> = (0..n).map(|_| rng.hash()).collect();
    let queries: Vec<Pdq> = (0..q)
        .map(|i| {
            if i % 2 == 0 {
                let mut h = hashes[(rng.next() % n as u64) as usize];
                for _ in 0..(rng.next() % 25) {
                    let b = rng.next() % 256;
                    h.0[(b / 16) as usize] ^= 1 << (b % 16);
                }
                h
            } else {
                rng.hash()
            }
        })
        .collect();

    let start = Instant::now();
    let index = Index::new(hashes);
    let build = start.elapsed();
    println!(
        "{n} hashes indexed in {:.2} s; index memory {:.0} MiB",
        build.as_secs_f64(),
        index.memory_bytes() as f64 / (1 << 20) as f64
    );

    let mut times = Vec::with_capacity(q);
    let mut found = 0;
    for query in &queries {
        let t = Instant::now();
        found += index.query(query, DEFAULT_DISTANCE).len();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "index, distance {DEFAULT_DISTANCE}: p50 {:.3} ms, p99 {:.3} ms over {q} queries ({found} matches)",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );

    let sample = q.min(20);
    let mut scan_times = Vec::with_capacity(sample);
    for query in &queries[..sample] {
        let t = Instant::now();
        let a = index.scan(query, DEFAULT_DISTANCE);
        scan_times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(a, index.query(query, DEFAULT_DISTANCE), "the index and the scan disagree");
    }
    scan_times.sort_by(f64::total_cmp);
    println!(
        "scan of every hash: p50 {:.3} ms, p99 {:.3} ms over {sample} queries (same answers)",
        percentile(&scan_times, 0.5),
        percentile(&scan_times, 0.99)
    );
}
