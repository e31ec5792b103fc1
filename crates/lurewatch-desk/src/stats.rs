//! Statistics of the stored reports, like the figures the police publish: reports per
//! month, year, category, level, region and platform; victims under 18 and their ages;
//! what was lost per currency; how many paid and how many were asked again.
//!
//! Every figure is a table whose cells know how many reports they rest on. A view that
//! may be shared outside the team shows no count below `k` (default 5): such a cell, and a
//! sum or share resting on so few reports, is written `<k` and left out of the charts.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::store::{Store, StoreError};

/// One report as statistics read it: no words of anybody's, no indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct StatRow {
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// `sextortion`, `grooming`, `none`.
    pub category: String,
    /// `none` … `critical`.
    pub level: String,
    /// As the reporter gave it.
    pub region: Option<String>,
    /// As the reporter gave it.
    pub platform: Option<String>,
    /// Under 18, by the reporter or the engine.
    pub minor: bool,
    /// The victim's age, where the reporter gave it.
    pub age: Option<u8>,
    /// What the victim paid and its currency.
    pub paid: Option<(f64, String)>,
    /// Whether they were asked for more after paying.
    pub asked_again: Option<bool>,
}

impl Store {
    /// Every report as statistics read it.
    pub async fn statistics_rows(&self) -> Result<Vec<StatRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at, category, level, region, platform, COALESCE(reporter_minor, 0) + engine_minor, \
             reporter_age, amount_paid, currency, asked_again FROM reports",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let paid: Option<f64> = r.get(7);
                let currency: Option<String> = r.get(8);
                StatRow {
                    created_at: r.get(0),
                    category: r.get(1),
                    level: r.get(2),
                    region: r.get(3),
                    platform: r.get(4),
                    minor: r.get::<i64, _>(5) > 0,
                    age: r.get::<Option<i64>, _>(6).and_then(|a| u8::try_from(a).ok()),
                    paid: paid.filter(|p| *p > 0.0).zip(currency),
                    asked_again: r.get::<Option<i64>, _>(9).map(|v| v != 0),
                }
            })
            .collect())
    }
}

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A number of reports.
    Count(u64),
    /// A sum of money.
    Sum(f64),
    /// A share, in percent.
    Percent(f64),
    /// Nothing to say (no earlier figure to compare with).
    Empty,
}

/// A cell: its value and the number of reports it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// The value.
    pub value: Value,
    /// Reports it rests on.
    pub n: u64,
}

impl Cell {
    fn count(n: u64) -> Cell {
        Cell { value: Value::Count(n), n }
    }

    /// Whether a view shared outside the team must hide it.
    pub fn hidden(&self, k: u64) -> bool {
        self.n > 0 && self.n < k && self.value != Value::Empty
    }

    /// The value as a CSV or table cell; `<k` when hidden under `k` (`None`: nothing hidden).
    pub fn text(&self, k: Option<u64>) -> String {
        if let Some(k) = k.filter(|k| self.hidden(*k)) {
            return format!("<{k}");
        }
        match self.value {
            Value::Count(n) => n.to_string(),
            Value::Sum(v) => format!("{v:.0}"),
            Value::Percent(p) => format!("{p:.1}%"),
            Value::Empty => String::new(),
        }
    }

    /// The value as a chart reads it; `None` when hidden or empty.
    pub fn number(&self, k: Option<u64>) -> Option<f32> {
        if k.is_some_and(|k| self.hidden(k)) {
            return None;
        }
        match self.value {
            Value::Count(n) => Some(n as f32),
            Value::Sum(v) | Value::Percent(v) => Some(v as f32),
            Value::Empty => None,
        }
    }
}

/// How a table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Columns along time.
    Columns,
    /// Horizontal bars, one per row.
    Bars,
}

/// One figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Its name in addresses (`months`, `regions`, …).
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What it says, in a sentence.
    pub about: &'static str,
    /// The head of each column, the first naming the rows.
    pub columns: Vec<&'static str>,
    /// Rows: label and cells.
    pub rows: Vec<(String, Vec<Cell>)>,
    /// How it is drawn (its first value column).
    pub chart: Chart,
}

impl Table {
    /// The table as CSV, hiding small counts under `k` when given. Labels are quoted (they
    /// are what reporters typed); values are numbers, shares or `<k`.
    pub fn csv(&self, k: Option<u64>) -> String {
        let mut out = self.columns.join(",");
        out.push('\n');
        for (label, cells) in &self.rows {
            out.push_str(&lurewatch_link::export::cell(label));
            for c in cells {
                out.push(',');
                out.push_str(&c.text(k));
            }
            out.push('\n');
        }
        out
    }

    /// The chart of the first value column as SVG, hiding small counts under `k`.
    pub fn svg(&self, k: Option<u64>) -> String {
        let labels: Vec<String> = self.rows.iter().map(|(l, _)| l.clone()).collect();
        let data: Vec<Option<f32>> = self.rows.iter().map(|(_, c)| c.first().and_then(|c| c.number(k))).collect();
        let series = charts_rs::Series::new_nullable(self.columns.get(1).copied().unwrap_or("").to_owned(), data);
        let drawn = match self.chart {
            Chart::Columns => {
                let mut c = charts_rs::BarChart::new(vec![series], labels);
                c.width = 720.0;
                c.height = 300.0;
                c.svg()
            }
            Chart::Bars => {
                let mut c = charts_rs::HorizontalBarChart::new(vec![series], labels);
                c.width = 720.0;
                c.height = (60.0 + 26.0 * self.rows.len() as f32).max(140.0);
                c.svg()
            }
        };
        drawn.unwrap_or_else(|e| {
            eprintln!("lurewatch serve: the chart {} was not drawn: {e}", self.id);
            String::new()
        })
    }
}

/// The year and month of a time, as `YYYY-MM`, and the year.
fn month_of(seconds: i64) -> (String, i16) {
    match jiff::Timestamp::from_second(seconds) {
        Ok(t) => {
            let month = t.strftime("%Y-%m").to_string();
            let year = month.split_once('-').and_then(|(y, _)| y.parse().ok()).unwrap_or(0);
            (month, year)
        }
        Err(_) => ("?".into(), 0),
    }
}

fn change(now: u64, before: Option<u64>) -> Cell {
    match before {
        Some(b) if b > 0 => Cell { value: Value::Percent((now as f64 - b as f64) / b as f64 * 100.0), n: now.min(b) },
        _ => Cell { value: Value::Empty, n: 0 },
    }
}

fn counts<'a>(rows: impl Iterator<Item = &'a str>) -> Vec<(String, Vec<Cell>)> {
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for r in rows {
        *by.entry(r).or_insert(0) += 1;
    }
    let mut out: Vec<(String, Vec<Cell>)> = by.into_iter().map(|(k, n)| (k.to_owned(), vec![Cell::count(n)])).collect();
    out.sort_by(|a, b| b.1[0].n.cmp(&a.1[0].n).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The age bands victims are counted in.
const AGE_BANDS: &[(&str, u8, u8)] =
    &[("under 13", 0, 12), ("13–15", 13, 15), ("16–17", 16, 17), ("18–24", 18, 24), ("25 and over", 25, u8::MAX)];

/// Every figure of the reports.
pub fn tables(rows: &[StatRow]) -> Vec<Table> {
    let mut months: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    let mut years: BTreeMap<i16, u64> = BTreeMap::new();
    for r in rows {
        let (month, year) = month_of(r.created_at);
        let m = months.entry(month).or_insert((0, 0, 0));
        m.0 += 1;
        m.1 += u64::from(r.category == "sextortion");
        m.2 += u64::from(r.category == "grooming");
        *years.entry(year).or_insert(0) += 1;
    }
    let month_rows = months
        .iter()
        .map(|(month, (all, sext, groom))| {
            let year_before = month
                .split_once('-')
                .and_then(|(y, m)| Some(format!("{:04}-{m}", y.parse::<i32>().ok()? - 1)))
                .and_then(|key| months.get(&key).map(|t| t.0));
            (month.clone(), vec![Cell::count(*all), Cell::count(*sext), Cell::count(*groom), change(*all, year_before)])
        })
        .collect();
    let year_rows = years
        .iter()
        .map(|(y, n)| (y.to_string(), vec![Cell::count(*n), change(*n, years.get(&(y - 1)).copied())]))
        .collect();

    let minors: Vec<&StatRow> = rows.iter().filter(|r| r.minor).collect();
    let mut age_rows: Vec<(String, Vec<Cell>)> = AGE_BANDS
        .iter()
        .map(|(label, lo, hi)| {
            let n = rows.iter().filter(|r| r.age.is_some_and(|a| (*lo..=*hi).contains(&a))).count() as u64;
            ((*label).to_owned(), vec![Cell::count(n)])
        })
        .collect();
    age_rows.push((
        "under 18, age not given".into(),
        vec![Cell::count(minors.iter().filter(|r| r.age.is_none()).count() as u64)],
    ));

    let mut lost: BTreeMap<&str, (u64, f64, u64)> = BTreeMap::new();
    for r in rows {
        if let Some((sum, currency)) = &r.paid {
            let e = lost.entry(currency.as_str()).or_insert((0, 0.0, 0));
            e.0 += 1;
            e.1 += sum;
            e.2 += u64::from(r.asked_again == Some(true));
        }
    }
    let loss_rows = lost
        .iter()
        .map(|(currency, (n, sum, _))| {
            (
                (*currency).to_owned(),
                vec![
                    Cell { value: Value::Sum(*sum), n: *n },
                    Cell::count(*n),
                    Cell { value: Value::Sum(sum / *n as f64), n: *n },
                ],
            )
        })
        .collect();

    let sextortion = rows.iter().filter(|r| r.category == "sextortion").count() as u64;
    let paid = rows.iter().filter(|r| r.category == "sextortion" && r.paid.is_some()).count() as u64;
    let again =
        rows.iter().filter(|r| r.category == "sextortion" && r.paid.is_some() && r.asked_again == Some(true)).count()
            as u64;
    let share = |part: u64, whole: u64| Cell {
        value: if whole == 0 { Value::Empty } else { Value::Percent(part as f64 / whole as f64 * 100.0) },
        n: part.min(whole),
    };
    let payment_rows = vec![
        ("victims of sextortion who paid".to_owned(), vec![share(paid, sextortion), Cell::count(paid)]),
        ("of those, asked for more after paying".to_owned(), vec![share(again, paid), Cell::count(again)]),
    ];

    vec![
        Table {
            id: "months",
            title: "Reports per month",
            about: "Reports stored each month (UTC), by category, and the change from the same month a year before.",
            columns: vec!["month", "reports", "sextortion", "grooming", "change on a year before"],
            rows: month_rows,
            chart: Chart::Columns,
        },
        Table {
            id: "years",
            title: "Reports per year",
            about: "Reports stored each year and the change from the year before.",
            columns: vec!["year", "reports", "change on the year before"],
            rows: year_rows,
            chart: Chart::Columns,
        },
        Table {
            id: "categories",
            title: "Reports per category",
            about: "The engine's verdict on each report.",
            columns: vec!["category", "reports"],
            rows: counts(rows.iter().map(|r| r.category.as_str())),
            chart: Chart::Bars,
        },
        Table {
            id: "levels",
            title: "Reports per level",
            about: "The risk level of each report.",
            columns: vec!["level", "reports"],
            rows: counts(rows.iter().map(|r| r.level.as_str())),
            chart: Chart::Bars,
        },
        Table {
            id: "regions",
            title: "Reports per region",
            about: "Where reporters say they are.",
            columns: vec!["region", "reports"],
            rows: counts(rows.iter().map(|r| r.region.as_deref().unwrap_or("not given"))),
            chart: Chart::Bars,
        },
        Table {
            id: "platforms",
            title: "Reports per platform",
            about: "Where reporters say the contact began.",
            columns: vec!["platform", "reports"],
            rows: counts(rows.iter().map(|r| r.platform.as_deref().unwrap_or("not given"))),
            chart: Chart::Bars,
        },
        Table {
            id: "ages",
            title: "Victims by age",
            about: "Ages reporters gave, and victims under 18 whose age was not given.",
            columns: vec!["age", "victims"],
            rows: age_rows,
            chart: Chart::Bars,
        },
        Table {
            id: "losses",
            title: "What victims lost",
            about: "Sums victims say they paid, per currency.",
            columns: vec!["currency", "total paid", "victims who paid", "average paid"],
            rows: loss_rows,
            chart: Chart::Bars,
        },
        Table {
            id: "payments",
            title: "Paying and being asked again",
            about: "Of the victims of sextortion, how many paid; of those, how many were asked for more.",
            columns: vec!["", "share", "victims"],
            rows: payment_rows,
            chart: Chart::Bars,
        },
    ]
}

/// Victims under 18 among the reports.
pub fn minors(rows: &[StatRow]) -> Cell {
    Cell::count(rows.iter().filter(|r| r.minor).count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(created_at: i64, category: &str, region: &str) -> StatRow {
        StatRow {
            created_at,
            category: category.into(),
            level: "high".into(),
            region: Some(region.into()),
            platform: None,
            minor: false,
            age: None,
            paid: None,
            asked_again: None,
        }
    }

    const JAN_2025: i64 = 1_736_000_000; // 2025-01-04
    const JAN_2026: i64 = 1_767_500_000; // 2026-01-04

    #[test]
    fn months_count_and_compare_with_a_year_before() {
        let mut rows: Vec<StatRow> = (0..4).map(|_| row(JAN_2025, "sextortion", "HK")).collect();
        rows.extend((0..6).map(|_| row(JAN_2026, "grooming", "HK")));
        let t = tables(&rows);
        let months = &t[0];
        assert_eq!(months.rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["2025-01", "2026-01"]);
        assert_eq!(months.rows[1].1[0].text(None), "6");
        assert_eq!(months.rows[1].1[2].text(None), "6");
        assert_eq!(months.rows[1].1[3].text(None), "50.0%", "six against four a year before");
        assert_eq!(months.rows[0].1[3].text(None), "", "nothing to compare with");
        assert_eq!(t[1].rows[1].1[1].text(None), "50.0%");
    }

    #[test]
    fn small_counts_are_hidden_in_shared_views_only() {
        let mut rows: Vec<StatRow> = (0..7).map(|_| row(JAN_2026, "sextortion", "HK")).collect();
        rows.extend((0..2).map(|_| row(JAN_2026, "sextortion", "VN")));
        rows[0].paid = Some((8000.0, "HKD".into()));
        rows[0].asked_again = Some(true);
        let t = tables(&rows);
        let regions = t.iter().find(|t| t.id == "regions").unwrap();
        assert_eq!(regions.csv(None), "region,reports\n\"HK\",7\n\"VN\",2\n");
        assert_eq!(regions.csv(Some(5)), "region,reports\n\"HK\",7\n\"VN\",<5\n");
        assert_eq!(regions.csv(Some(2)), "region,reports\n\"HK\",7\n\"VN\",2\n", "k is the smallest count shown");
        let losses = t.iter().find(|t| t.id == "losses").unwrap();
        assert_eq!(losses.csv(None), "currency,total paid,victims who paid,average paid\n\"HKD\",8000,1,8000\n");
        assert_eq!(
            losses.csv(Some(5)),
            "currency,total paid,victims who paid,average paid\n\"HKD\",<5,<5,<5\n",
            "one victim's payment is not shown outside the team"
        );
        let payments = t.iter().find(|t| t.id == "payments").unwrap();
        assert_eq!(payments.rows[0].1[0].text(None), "11.1%");
        assert_eq!(payments.rows[1].1[0].text(None), "100.0%");
        assert_eq!(payments.rows[1].1[0].text(Some(5)), "<5");
        let svg = regions.svg(Some(5));
        assert!(svg.starts_with("<svg") && svg.contains("HK"), "{svg}");
    }

    #[test]
    fn ages_fall_in_bands_and_cells_are_safe_in_spreadsheets() {
        let mut rows: Vec<StatRow> = (0..3).map(|_| row(JAN_2026, "grooming", "=cmd")).collect();
        rows[0].age = Some(12);
        rows[1].age = Some(15);
        rows[1].minor = true;
        rows[2].minor = true;
        let t = tables(&rows);
        let ages = t.iter().find(|t| t.id == "ages").unwrap();
        let counts: Vec<String> = ages.rows.iter().map(|r| r.1[0].text(None)).collect();
        assert_eq!(counts, ["1", "1", "0", "0", "0", "1"]);
        assert_eq!(minors(&rows).text(None), "2");
        assert_eq!(minors(&rows).text(Some(5)), "<5");
        let regions = t.iter().find(|t| t.id == "regions").unwrap();
        assert_eq!(regions.csv(None), "region,reports\n\"'=cmd\",3\n");
    }
}
