//! Linking reports into suspected networks through the indicators they share.
//!
//! Guangzhou police linked over a hundred reports to six gangs by comparing what victims
//! handed in. Here two reports are linked when they name the same *specific* indicator; the
//! linked components are the suspected networks.
//!
//! # The rule
//! An indicator links reports when all of these hold:
//! 1. its kind identifies someone or something of theirs: accounts, phone numbers, payees,
//!    card and bank numbers, crypto addresses, e-mail, links, domains, IP addresses, apps
//!    and pictures. Amounts never link (everyone is asked for "two thousand");
//! 2. it is not a link shortener's address and not on the allow list (a big platform's own
//!    domain is everywhere and says nothing);
//! 3. it is specific: named in at most `max(min_common, share × reports)` reports (by
//!    default 3 and 2 %). An indicator named more often is everywhere: it is listed as
//!    `common` and links nothing.
//!
//! Within a network each shared indicator has a weight, for ordering and explanation: 3
//! when a known-bad list names it, 2 for accounts, numbers, payees, addresses, links, apps
//! and pictures, 1 for bare domains and IP addresses.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use petgraph::unionfind::UnionFind;
use serde::{Deserialize, Serialize};

pub mod export;

/// A word of the shared vocabulary (an indicator kind, a category, a level): a known one
/// is kept without an allocation, which matters for millions of reports.
pub type Word = Cow<'static, str>;

/// The words kept without an allocation.
const VOCABULARY: &[&str] = &[
    "amount",
    "app_certificate",
    "app_file",
    "app_package",
    "bank_account",
    "bank_card",
    "crypto",
    "domain",
    "email",
    "gift_card",
    "handle",
    "iban",
    "image_hash",
    "ip",
    "payment_handle",
    "payment_qr",
    "phone",
    "url",
    "sextortion",
    "grooming",
    "none",
    "low",
    "medium",
    "high",
    "critical",
];

/// `s` as a [`Word`].
pub fn word(s: &str) -> Word {
    match VOCABULARY.iter().find(|w| **w == s) {
        Some(w) => Cow::Borrowed(w),
        None => Cow::Owned(s.to_owned()),
    }
}

fn de_word<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Word, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = Word;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Word, E> {
            Ok(word(s))
        }
    }
    d.deserialize_str(Visitor)
}

/// One indicator as a report names it. Serialised as in a report export (see [`read`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// Kind (`phone`, `handle`, `domain`, …, as in `scan`'s JSON).
    #[serde(deserialize_with = "de_word")]
    pub kind: Word,
    /// Canonical value.
    pub value: String,
    /// Platform, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The known-bad list that names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
    /// A shortener's link, or a domain on the allow list: never links.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub common: bool,
    /// For amounts: the number and currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<(f64, Option<String>)>,
}

/// A report (or a conversation) to link. Serialised as a line of a report export.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Its id.
    pub id: String,
    /// `sextortion`, `grooming`, `none`.
    #[serde(deserialize_with = "de_word")]
    pub category: Word,
    /// `none` … `critical`.
    #[serde(deserialize_with = "de_word")]
    pub level: Word,
    /// 0–100.
    pub risk: u8,
    /// Tactics seen.
    #[serde(default)]
    pub tactics: Vec<String>,
    /// Indicators.
    #[serde(default)]
    pub marks: Vec<Mark>,
    /// When it was reported, in seconds since the Unix epoch, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<i64>,
    /// What the victim says they paid: the sum and its currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<(f64, String)>,
    /// Whether the victim is (or is thought to be) under 18.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub minor: bool,
}

/// How specific an indicator must be to link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Share of reports above which an indicator is everywhere.
    pub share: f64,
    /// Reports an indicator may always be in and still link.
    pub min_common: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { share: 0.02, min_common: 3 }
    }
}

/// An indicator shared inside a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shared {
    /// Kind.
    pub kind: String,
    /// Value.
    pub value: String,
    /// Reports of the network that name it.
    pub reports: usize,
    /// 1–3, see the crate's rule.
    pub weight: u8,
    /// The known-bad list that names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
}

/// A suspected network: reports linked through shared indicators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    /// Number, from 1, largest network first.
    pub network: usize,
    /// The reports' ids.
    pub reports: Vec<String>,
    /// The indicators that link them, heaviest and most shared first.
    pub shared: Vec<Shared>,
    /// Reports per category.
    pub categories: BTreeMap<String, usize>,
    /// The highest level among the reports.
    pub max_level: String,
    /// Tactics seen in any of them.
    pub tactics: Vec<String>,
    /// Platforms named by their indicators.
    pub platforms: Vec<String>,
    /// Sums demanded per currency (the largest amount of each report).
    pub demanded: BTreeMap<String, f64>,
    /// What the victims say they paid, per currency.
    pub paid: BTreeMap<String, f64>,
    /// Victims who say they paid.
    pub victims_paid: usize,
    /// Victims under 18.
    pub minors: usize,
    /// The first and the last report, in seconds since the Unix epoch, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<(i64, i64)>,
}

/// An indicator too common to link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Common {
    /// Kind.
    pub kind: String,
    /// Value.
    pub value: String,
    /// Reports that name it.
    pub reports: usize,
    /// `everywhere`, `shortener_or_allowed`.
    pub why: &'static str,
}

/// What linking found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Linked {
    /// Networks of two or more reports.
    pub networks: Vec<Network>,
    /// Indicators in two or more reports that were not used to link them, and why.
    pub common: Vec<Common>,
    /// The limit of rule 3 for this set of reports.
    pub max_reports_per_indicator: usize,
}

/// An indicator that links, with the reports naming it.
type Linking<'a> = ((&'a str, &'a str), &'a Vec<usize>);

const LEVELS: &[&str] = &["none", "low", "medium", "high", "critical"];

fn weight(kind: &str, listed: bool) -> u8 {
    if listed {
        3
    } else if matches!(kind, "domain" | "ip") {
        1
    } else {
        2
    }
}

/// A hash map with a fast, randomly seeded hasher: linking hashes millions of keys.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Which reports name an indicator: the first, and where others do too, the place of the
/// whole list in a side table (most indicators are named by one report: no list for them).
#[derive(Clone, Copy)]
struct Named {
    first: u32,
    more: u32,
}

const ONE: u32 = u32::MAX;

/// Links `reports` by the rule of this crate.
pub fn link(reports: &[Report], rules: &Rules) -> Linked {
    let limit = rules.min_common.max((rules.share * reports.len() as f64).ceil() as usize);
    // Which reports name each indicator (each report once).
    let mut named: Map<(&str, &str), Named> = Map::default();
    let mut lists: Vec<Vec<usize>> = Vec::new();
    let mut never: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (r, report) in reports.iter().enumerate() {
        for m in &report.marks {
            if m.kind == "amount" {
                continue;
            }
            if m.common {
                never.insert((m.kind.as_ref(), &m.value));
            }
            let n = named.entry((m.kind.as_ref(), &m.value)).or_insert(Named { first: r as u32, more: ONE });
            if n.more == ONE {
                if n.first as usize != r {
                    n.more = lists.len() as u32;
                    lists.push(vec![n.first as usize, r]);
                }
            } else if lists[n.more as usize].last() != Some(&r) {
                lists[n.more as usize].push(r);
            }
        }
    }
    let mut sets = UnionFind::<usize>::new(reports.len());
    let mut common = Vec::new();
    let mut linking: Vec<Linking> = Vec::new();
    for (key, n) in &named {
        if n.more == ONE {
            continue;
        }
        let list = &lists[n.more as usize];
        if never.contains(key) {
            common.push(Common {
                kind: key.0.to_owned(),
                value: key.1.to_owned(),
                reports: list.len(),
                why: "shortener_or_allowed",
            });
        } else if list.len() > limit {
            common.push(Common {
                kind: key.0.to_owned(),
                value: key.1.to_owned(),
                reports: list.len(),
                why: "everywhere",
            });
        } else {
            for pair in list.windows(2) {
                sets.union(pair[0], pair[1]);
            }
            linking.push((*key, list));
        }
    }
    common.sort_by(|a, b| b.reports.cmp(&a.reports).then_with(|| (&a.kind, &a.value).cmp(&(&b.kind, &b.value))));

    // Members of every component of two or more, by its label (a report's index).
    let labels = sets.into_labeling();
    let mut sizes = vec![0u32; reports.len()];
    for &label in &labels {
        sizes[label] += 1;
    }
    let mut members: Map<usize, Vec<usize>> = Map::default();
    for (r, &label) in labels.iter().enumerate() {
        if sizes[label] >= 2 {
            members.entry(label).or_insert_with(|| Vec::with_capacity(sizes[label] as usize)).push(r);
        }
    }
    let mut by_label: Map<usize, Vec<Linking>> = Map::default();
    for (key, list) in linking {
        by_label.entry(labels[list[0]]).or_default().push((key, list));
    }
    let mut networks: Vec<Network> = members
        .into_iter()
        .map(|(label, m)| network(reports, &m, by_label.get(&label).map_or(&[][..], Vec::as_slice)))
        .collect();
    networks.sort_by(|a, b| b.reports.len().cmp(&a.reports.len()).then_with(|| a.reports.cmp(&b.reports)));
    for (i, n) in networks.iter_mut().enumerate() {
        n.network = i + 1;
    }
    Linked { networks, common, max_reports_per_indicator: limit }
}

fn network(reports: &[Report], members: &[usize], linking: &[Linking]) -> Network {
    let mut shared: Vec<Shared> = linking
        .iter()
        .map(|((kind, value), list)| {
            let listed = list
                .iter()
                .flat_map(|&r| &reports[r].marks)
                .find(|m| m.kind == *kind && m.value == *value)
                .and_then(|m| m.listed.clone());
            Shared {
                kind: (*kind).to_owned(),
                value: (*value).to_owned(),
                reports: list.len(),
                weight: weight(kind, listed.is_some()),
                listed,
            }
        })
        .collect();
    shared.sort_by(|a, b| b.weight.cmp(&a.weight).then(b.reports.cmp(&a.reports)).then_with(|| a.value.cmp(&b.value)));
    let mut categories = BTreeMap::new();
    let mut tactics = BTreeSet::new();
    let mut platforms = BTreeSet::new();
    let mut demanded: BTreeMap<String, f64> = BTreeMap::new();
    let mut paid: BTreeMap<String, f64> = BTreeMap::new();
    let (mut victims_paid, mut minors) = (0, 0);
    let mut span: Option<(i64, i64)> = None;
    let mut max_level = 0;
    for &r in members {
        let report = &reports[r];
        if let Some((sum, currency)) = &report.paid {
            *paid.entry(currency.clone()).or_insert(0.0) += sum;
            victims_paid += 1;
        }
        minors += usize::from(report.minor);
        if let Some(t) = report.reported {
            span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        *categories.entry(report.category.to_string()).or_insert(0) += 1;
        tactics.extend(report.tactics.iter().cloned());
        max_level = max_level.max(LEVELS.iter().position(|l| *l == report.level).unwrap_or(0));
        let mut largest: BTreeMap<String, f64> = BTreeMap::new();
        for m in &report.marks {
            platforms.extend(m.platform.clone());
            if let Some((amount, Some(currency))) = &m.amount {
                let e = largest.entry(currency.clone()).or_insert(0.0);
                *e = e.max(*amount);
            }
        }
        for (currency, amount) in largest {
            *demanded.entry(currency).or_insert(0.0) += amount;
        }
    }
    Network {
        network: 0,
        reports: members.iter().map(|&r| reports[r].id.clone()).collect(),
        shared,
        categories,
        max_level: LEVELS[max_level].to_owned(),
        tactics: tactics.into_iter().collect(),
        platforms: platforms.into_iter().collect(),
        demanded,
        paid,
        victims_paid,
        minors,
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(kind: &str, value: &str) -> Mark {
        Mark { kind: word(kind), value: value.into(), ..Mark::default() }
    }

    fn report(id: &str, marks: Vec<Mark>) -> Report {
        Report {
            id: id.into(),
            category: "sextortion".into(),
            level: "high".into(),
            risk: 70,
            tactics: vec!["threat_exposure".into()],
            marks,
            ..Report::default()
        }
    }

    #[test]
    fn shared_specific_indicators_link_and_common_ones_do_not() {
        let mut many: Vec<Report> =
            (0..100).map(|i| report(&format!("x{i}"), vec![mark("domain", "weixin.qq.com")])).collect();
        many.push(report("a", vec![mark("handle", "qq:12345678"), mark("amount", "20000 CNY")]));
        many.push(report("b", vec![mark("handle", "qq:12345678"), mark("phone", "+8613812345678")]));
        many.push(report("c", vec![mark("phone", "+8613812345678")]));
        many.push(report("d", vec![mark("amount", "20000 CNY")]));
        let mut short = mark("domain", "bit.ly");
        short.common = true;
        many.push(report("e", vec![short.clone()]));
        many.push(report("f", vec![short]));
        let linked = link(&many, &Rules::default());
        assert_eq!(linked.max_reports_per_indicator, 3);
        assert_eq!(linked.networks.len(), 1, "{:?}", linked.networks);
        let n = &linked.networks[0];
        assert_eq!(n.reports, ["a", "b", "c"], "a–b by the QQ number, b–c by the phone; d shares only an amount");
        assert_eq!(n.shared.len(), 2);
        assert_eq!(n.max_level, "high");
        let whys: Vec<(&str, &str)> = linked.common.iter().map(|c| (c.value.as_str(), c.why)).collect();
        assert_eq!(whys, [("weixin.qq.com", "everywhere"), ("bit.ly", "shortener_or_allowed")]);
    }

    #[test]
    fn a_report_export_line_reads_back_as_it_was_written() {
        let mut amount = mark("amount", "20000 HKD");
        amount.amount = Some((20000.0, Some("HKD".into())));
        let mut short = mark("domain", "bit.ly");
        short.common = true;
        let mut r = report("a", vec![mark("phone", "+85261234567"), amount, short]);
        r.paid = Some((3000.0, "HKD".into()));
        r.reported = Some(1_764_000_000);
        let line = serde_json::to_string(&r).unwrap();
        assert!(!line.contains("\"minor\""), "false flags are left out: {line}");
        assert_eq!(serde_json::from_str::<Report>(&line).unwrap(), r);
        let bare: Report = serde_json::from_str(r#"{"id":"x","category":"none","level":"none","risk":0}"#).unwrap();
        assert!(bare.marks.is_empty() && bare.paid.is_none());
    }

    #[test]
    fn networks_sum_what_was_demanded_and_weigh_listed_indicators_first() {
        let mut listed = mark("domain", "evil-chat.example");
        listed.listed = Some("police-list".into());
        let mut a_amount = mark("amount", "20000 HKD");
        a_amount.amount = Some((20000.0, Some("HKD".into())));
        let mut a_more = mark("amount", "5000 HKD");
        a_more.amount = Some((5000.0, Some("HKD".into())));
        let mut b_amount = mark("amount", "3000 HKD");
        b_amount.amount = Some((3000.0, Some("HKD".into())));
        let mut reports = vec![
            report("a", vec![listed.clone(), mark("phone", "+85261234567"), a_amount, a_more]),
            report("b", vec![listed, mark("phone", "+85261234567"), b_amount]),
        ];
        reports[0].reported = Some(1_700_000_000);
        reports[0].paid = Some((8000.0, "HKD".into()));
        reports[1].reported = Some(1_690_000_000);
        reports[1].paid = Some((500.0, "USDT".into()));
        reports[1].minor = true;
        let n = &link(&reports, &Rules::default()).networks[0];
        assert_eq!(n.span, Some((1_690_000_000, 1_700_000_000)));
        assert_eq!((n.victims_paid, n.minors), (2, 1));
        assert_eq!(n.paid.get("HKD"), Some(&8000.0));
        assert_eq!(n.paid.get("USDT"), Some(&500.0));
        assert_eq!(n.shared[0].value, "evil-chat.example");
        assert_eq!(n.shared[0].weight, 3);
        assert_eq!(n.demanded.get("HKD"), Some(&23000.0));
    }
}
