//! Hash banks and exact Hamming-distance search over them.
//!
//! A [`Bank`] is a list of PDQ hashes with their quality and a label, read from and written
//! to the plain forms hash-sharing programs exchange. An [`Index`] answers "which bank hashes
//! are within distance `d` of this one" exactly, by multi-index hashing: the 256 bits are
//! sixteen 16-bit words, and two hashes within distance `d` agree within `⌊d/16⌋` bits on at
//! least one word (pigeonhole). Each word has a table from its 65,536 values to the hashes
//! holding it; a query probes, in each table, the values within that radius of its own word
//! (17 probes a word at PDQ's usual distance 31) and checks the full distance of what it
//! finds. Results equal a scan of every hash (property-tested).

use std::fmt::Write as _;

use crate::pdq::Pdq;

/// PDQ's usual match distance.
pub const DEFAULT_DISTANCE: u32 = 31;
/// Hashes of lower quality rest on too little detail to match on.
pub const MIN_QUALITY: u8 = 50;

/// One hash of a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The hash.
    pub hash: Pdq,
    /// Its quality, 0–100; 100 when the source did not say.
    pub quality: u8,
    /// What the source said about it (a file name, a case number), possibly empty.
    pub label: String,
}

/// A line of a bank file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct BankError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A list of hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bank {
    /// The hashes, in the order read.
    pub entries: Vec<Entry>,
}

impl Bank {
    /// Reads a bank: one hash a line, as `HASH`, `HASH,QUALITY[,LABEL…]` (CSV, a header line
    /// allowed) or the reference tools' `hash=HASH,…,quality=Q,filename=F`. Blank lines and
    /// `#` comments are skipped; a bad line is reported and the rest still read.
    pub fn parse(text: &str) -> (Bank, Vec<BankError>) {
        let mut bank = Bank::default();
        let mut errors = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let keyed = |k: &str| fields.iter().find_map(|f| f.strip_prefix(k));
            let (hash, quality, label) = if let Some(h) = keyed("hash=") {
                (h, keyed("quality="), keyed("filename=").unwrap_or_default().to_owned())
            } else {
                (fields[0], fields.get(1).copied(), fields.get(2..).map(|l| l.join(",")).unwrap_or_default())
            };
            let Ok(hash) = hash.parse::<Pdq>() else {
                // A CSV header is not an error.
                if n == 0 && hash.eq_ignore_ascii_case("hash") {
                    continue;
                }
                errors.push(BankError { line: n + 1, message: format!("not a PDQ hash: {:?}", truncate(hash)) });
                continue;
            };
            let quality = match quality.filter(|q| !q.is_empty()) {
                None => 100,
                Some(q) => match q.parse::<u8>() {
                    Ok(q) if q <= 100 => q,
                    _ => {
                        errors.push(BankError {
                            line: n + 1,
                            message: format!("quality {:?} is not 0–100", truncate(q)),
                        });
                        continue;
                    }
                },
            };
            bank.entries.push(Entry { hash, quality, label });
        }
        (bank, errors)
    }

    /// The bank as `hash,quality,label` lines.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.entries.len() * 72);
        for e in &self.entries {
            let _ = writeln!(out, "{},{},{}", e.hash, e.quality, e.label.replace(['\n', '\r'], " "));
        }
        out
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// An exact search structure over a set of hashes.
#[derive(Debug, Clone)]
pub struct Index {
    hashes: Vec<Pdq>,
    /// Per word: where each of the 65,536 values starts in `ids` (65,537 offsets).
    offsets: Vec<Vec<u32>>,
    /// Per word: hash numbers, grouped by the word's value.
    ids: Vec<Vec<u32>>,
}

/// A hash found near the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// Its position in the indexed list.
    pub id: u32,
    /// Bits that differ from the query.
    pub distance: u32,
}

impl Index {
    /// Indexes `hashes` (at most `u32::MAX`); their positions are the ids of matches.
    pub fn new(hashes: Vec<Pdq>) -> Index {
        let n = hashes.len();
        let mut offsets = Vec::with_capacity(16);
        let mut ids = Vec::with_capacity(16);
        for w in 0..16 {
            let mut counts = vec![0u32; 65_537];
            for h in &hashes {
                counts[usize::from(h.0[w]) + 1] += 1;
            }
            for v in 1..counts.len() {
                counts[v] += counts[v - 1];
            }
            let mut next = counts.clone();
            let mut table = vec![0u32; n];
            for (i, h) in hashes.iter().enumerate() {
                let slot = &mut next[usize::from(h.0[w])];
                table[*slot as usize] = i as u32;
                *slot += 1;
            }
            offsets.push(counts);
            ids.push(table);
        }
        Index { hashes, offsets, ids }
    }

    /// The bank's hashes of quality at least [`MIN_QUALITY`], with their positions in the
    /// bank (the ids of matches are positions in the returned list).
    pub fn from_bank(bank: &Bank) -> (Index, Vec<usize>) {
        let kept: Vec<usize> = (0..bank.entries.len()).filter(|&i| bank.entries[i].quality >= MIN_QUALITY).collect();
        (Index::new(kept.iter().map(|&i| bank.entries[i].hash).collect()), kept)
    }

    /// Hashes indexed.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The hash with this id.
    pub fn hash(&self, id: u32) -> Pdq {
        self.hashes[id as usize]
    }

    /// Bytes the index holds.
    pub fn memory_bytes(&self) -> usize {
        self.hashes.capacity() * size_of::<Pdq>()
            + self.offsets.iter().map(|o| o.capacity() * 4).sum::<usize>()
            + self.ids.iter().map(|t| t.capacity() * 4).sum::<usize>()
    }

    /// Every indexed hash within `max_distance` of `query`, by id.
    pub fn query(&self, query: &Pdq, max_distance: u32) -> Vec<Match> {
        let radius = max_distance / 16;
        // Beyond two bits a word, probing costs more than looking at everything.
        if radius > 2 {
            return self.scan(query, max_distance);
        }
        let mut found = Vec::new();
        for w in 0..16 {
            let value = query.0[w];
            let mut probe = |v: u16| {
                let (a, b) = (self.offsets[w][usize::from(v)] as usize, self.offsets[w][usize::from(v) + 1] as usize);
                for &id in &self.ids[w][a..b] {
                    let d = self.hashes[id as usize].distance(query);
                    if d <= max_distance {
                        found.push(Match { id, distance: d });
                    }
                }
            };
            probe(value);
            if radius >= 1 {
                for i in 0..16 {
                    probe(value ^ (1 << i));
                    if radius >= 2 {
                        for j in i + 1..16 {
                            probe(value ^ (1 << i) ^ (1 << j));
                        }
                    }
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The same answer by comparing with every hash.
    pub fn scan(&self, query: &Pdq, max_distance: u32) -> Vec<Match> {
        self.hashes
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let d = h.distance(query);
                (d <= max_distance).then_some(Match { id: i as u32, distance: d })
            })
            .collect()
    }
}
