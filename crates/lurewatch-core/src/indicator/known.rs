//! Known-bad and known-good lists.
//!
//! A block list names domains (each with its subdomains) or any other indicator: phone
//! numbers, crypto addresses, links, accounts. It may be a plain list (one entry per
//! line), a hosts file (`0.0.0.0 example.com`), an adblock list (`||example.com^`), a
//! wildcard list (`*.example.com`) or a CSV file whose first column is the entry. Entries
//! are read through the same extractors as messages, so `+852 9123 4567` in a list meets
//! `9123-4567` in a chat.
//!
//! An allow list names domains that are never flagged on their own, however a block list
//! reads: plain domains (with subdomains), or the regular expressions some lists use
//! (`^example\.com$`, `\.example\.com$`). A link on an allowed domain is still flagged if
//! the block list names that very link.
//!
//! The lists are data, not code: the engine ships none and reads what the caller loads.

use std::collections::{HashMap, HashSet};

use regex::RegexSet;

use super::{Extractor, Found, IndicatorKind};
use crate::advice::Language;

/// A list that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{list}, line {line}: {message}")]
pub struct ListError {
    /// The list's name (its file).
    pub list: String,
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// How much of a list was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListSummary {
    /// Entries loaded.
    pub entries: usize,
    /// Lines that named nothing the extractors understand (headers, notes); skipped.
    pub skipped: usize,
}

/// Block and allow lists, compiled for lookup.
#[derive(Debug, Default)]
pub struct KnownLists {
    names: Vec<String>,
    /// Blocked domains, matched with their subdomains: domain → list.
    domains: HashMap<String, u16>,
    /// Blocked indicators by canonical value.
    values: HashMap<(IndicatorKind, String), u16>,
    allow_domains: HashSet<String>,
    allow_exact: HashSet<String>,
    allow_patterns: Vec<String>,
    allow_regex: Option<RegexSet>,
}

impl KnownLists {
    /// No lists.
    pub fn new() -> KnownLists {
        KnownLists::default()
    }

    /// Whether no list is loaded.
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.values.is_empty()
    }

    /// Names of the block lists loaded.
    pub fn list_names(&self) -> &[String] {
        &self.names
    }

    /// Loads the block list `name` from its text.
    pub fn block_list(&mut self, name: &str, text: &str) -> Result<ListSummary, ListError> {
        let index = u16::try_from(self.names.len()).map_err(|_| ListError {
            list: name.to_owned(),
            line: 0,
            message: "too many lists".into(),
        })?;
        self.names.push(name.to_owned());
        let extractor = Extractor::new();
        let mut summary = ListSummary::default();
        let mut found = Vec::new();
        for raw in text.lines() {
            let Some(entry) = entry(raw) else { continue };
            if let Some(domain) = bare_domain(entry) {
                self.domains.entry(domain).or_insert(index);
                summary.entries += 1;
                continue;
            }
            found.clear();
            extractor.extract(entry, Language::En, &mut found);
            let before = summary.entries;
            for f in found.iter().filter(|f| f.kind != IndicatorKind::Domain && f.kind != IndicatorKind::Amount) {
                self.values.entry((f.kind, f.value.clone())).or_insert(index);
                summary.entries += 1;
            }
            if summary.entries == before {
                summary.skipped += 1;
            }
        }
        if summary.entries == 0 && summary.skipped > 0 {
            return Err(ListError {
                list: name.to_owned(),
                line: 1,
                message: "no line names a domain, number, address or account".into(),
            });
        }
        Ok(summary)
    }

    /// Loads the allow list `name` from its text.
    pub fn allow_list(&mut self, name: &str, text: &str) -> Result<ListSummary, ListError> {
        let mut summary = ListSummary::default();
        for (n, raw) in text.lines().enumerate() {
            let Some(entry) = entry(raw) else { continue };
            let unescaped = entry.replace("\\.", ".");
            if let Some(d) = unescaped.strip_prefix('^').and_then(|d| d.strip_suffix('$')).filter(|d| is_domain_text(d))
            {
                self.allow_exact.insert(d.to_ascii_lowercase());
            } else if let Some(d) =
                unescaped.strip_prefix('.').and_then(|d| d.strip_suffix('$')).filter(|d| is_domain_text(d))
            {
                self.allow_domains.insert(d.to_ascii_lowercase());
            } else if let Some(d) = bare_domain(entry) {
                self.allow_domains.insert(d);
            } else {
                regex::Regex::new(entry).map_err(|e| ListError {
                    list: name.to_owned(),
                    line: n + 1,
                    message: format!("neither a domain nor a valid pattern: {e}"),
                })?;
                self.allow_patterns.push(entry.to_owned());
            }
            summary.entries += 1;
        }
        if !self.allow_patterns.is_empty() {
            self.allow_regex = Some(RegexSet::new(&self.allow_patterns).map_err(|e| ListError {
                list: name.to_owned(),
                line: 0,
                message: e.to_string(),
            })?);
        }
        Ok(summary)
    }

    /// Whether `domain` is on an allow list.
    pub fn allowed(&self, domain: &str) -> bool {
        self.allow_exact.contains(domain)
            || suffixes(domain).any(|d| self.allow_domains.contains(d))
            || self.allow_regex.as_ref().is_some_and(|r| r.is_match(domain))
    }

    /// The block list that names `found`, if any.
    pub fn listed(&self, found: &Found) -> Option<&str> {
        if self.is_empty() {
            return None;
        }
        let by_value = self.values.get(&(found.kind, found.value.clone()));
        let host = match found.kind {
            IndicatorKind::Domain => Some(found.value.as_str()),
            IndicatorKind::Url => Some(found.value.split(['/', '?', ':']).next().unwrap_or_default()),
            IndicatorKind::Email => found.value.rsplit_once('@').map(|(_, d)| d),
            _ => None,
        };
        let by_domain = host.filter(|h| !self.allowed(h)).and_then(|h| suffixes(h).find_map(|d| self.domains.get(d)));
        by_value.or(by_domain).map(|&i| self.names[i as usize].as_str())
    }
}

/// The entry on a line: comments, hosts-file addresses, adblock and wildcard syntax and
/// all but the first CSV column removed.
fn entry(line: &str) -> Option<&str> {
    let line = line.trim();
    if line.is_empty() || line.starts_with(['#', '!', ';']) || line.starts_with("//") {
        return None;
    }
    let line = line.split(" #").next().unwrap_or(line).trim();
    let line = match line.split_once(char::is_whitespace) {
        Some(("0.0.0.0" | "127.0.0.1" | "::" | "::1", rest)) => rest.trim(),
        _ => line,
    };
    let line = line.split([',', '\t']).next().unwrap_or(line).trim().trim_matches('"');
    let line = line.strip_prefix("||").map_or(line, |l| l.trim_end_matches('^'));
    let line = line.strip_prefix("*.").unwrap_or(line);
    (!line.is_empty()).then_some(line)
}

fn is_domain_text(s: &str) -> bool {
    s.contains('.')
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// `entry` as a lower-case domain if it is nothing but one.
fn bare_domain(entry: &str) -> Option<String> {
    if !is_domain_text(entry) {
        return None;
    }
    let lower = entry.to_ascii_lowercase();
    psl::suffix(lower.as_bytes()).filter(|s| s.is_known())?;
    Some(lower)
}

/// `a.b.c`, `b.c`, `c`.
fn suffixes(domain: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(domain), |d| d.split_once('.').map(|(_, rest)| rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<Found> {
        let mut out = Vec::new();
        Extractor::new().extract(text, Language::En, &mut out);
        out
    }

    #[test]
    fn block_list_formats() {
        let mut lists = KnownLists::new();
        let s = lists
            .block_list("bad", "# comment\n||evil.example.com^\n0.0.0.0 tracker.test.com\n*.wild.net\nplain.org\n+852 9123 4567\n1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2,seen 2019\nnot a thing\n")
            .unwrap();
        assert_eq!(s, ListSummary { entries: 6, skipped: 1 });
        let listed = |t: &str| found(t).iter().filter_map(|f| lists.listed(f).map(|_| f.kind)).collect::<Vec<_>>();
        // The link is listed; its registrable domain, example.com, is not.
        assert_eq!(listed("go to https://cdn.evil.example.com/x"), [IndicatorKind::Url]);
        assert_eq!(listed("plain.org"), [IndicatorKind::Url, IndicatorKind::Domain]);
        assert_eq!(listed("call 9123-4567 or +85291234567"), [IndicatorKind::Phone, IndicatorKind::Phone]);
        assert_eq!(listed("pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"), [IndicatorKind::Crypto]);
        assert!(listed("see example.org and notevil.example.com").is_empty());
    }

    #[test]
    fn allowed_domains_are_never_flagged_alone() {
        let mut lists = KnownLists::new();
        lists.block_list("bad", "google.com\nsites.google.com/view/scam\n").unwrap();
        lists.allow_list("good", "\\.google\\.com$\n^google\\.com$\n^foo.*bar$\n").unwrap();
        assert!(lists.allowed("docs.google.com"));
        assert!(lists.allowed("fooXbar"));
        let listed = |t: &str| found(t).iter().filter(|f| lists.listed(f).is_some()).count();
        assert_eq!(listed("https://docs.google.com/forms/x"), 0);
        assert_eq!(listed("https://sites.google.com/view/scam"), 1);
    }

    #[test]
    fn bad_lists_give_clear_errors() {
        let mut lists = KnownLists::new();
        let e = lists.allow_list("allow.txt", "good.com\n(unclosed\n").unwrap_err();
        assert_eq!((e.list.as_str(), e.line), ("allow.txt", 2));
        let e = lists.block_list("block.txt", "hello there\nnothing here\n").unwrap_err();
        assert!(e.to_string().contains("block.txt"));
    }
}
