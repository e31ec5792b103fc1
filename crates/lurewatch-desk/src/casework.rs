//! What the workspace keeps besides the reports: analysts' notes (sealed), the tactics of
//! each report in clear (taxonomy ids only) and the reports as the linking rule reads them.

use std::collections::HashMap;

use sqlx::Row;

use crate::store::{Store, StoreError};

/// A note as stored: sealed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRow {
    /// Random id.
    pub id: String,
    /// The report.
    pub report_id: String,
    /// Who wrote it.
    pub analyst: String,
    /// When, seconds since the Unix epoch.
    pub created_at: i64,
    /// The text, sealed.
    pub sealed: String,
}

impl Store {
    /// Adds a note to a report.
    pub async fn add_note(&self, note: &NoteRow) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO report_notes (id, report_id, analyst, created_at, sealed) \
             SELECT $1, id, $3, $4, $5 FROM reports WHERE id = $2",
        )
        .bind(&note.id)
        .bind(&note.report_id)
        .bind(&note.analyst)
        .bind(note.created_at)
        .bind(&note.sealed)
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NoReport) }
    }

    /// A report's notes, oldest first.
    pub async fn notes(&self, report_id: &str) -> Result<Vec<NoteRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, report_id, analyst, created_at, sealed FROM report_notes WHERE report_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(report_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| NoteRow {
                id: r.get(0),
                report_id: r.get(1),
                analyst: r.get(2),
                created_at: r.get(3),
                sealed: r.get(4),
            })
            .collect())
    }

    /// Reports whose tactics are not filled in yet, with their sealed assessments.
    pub async fn reports_without_tactics(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, assessment_sealed FROM reports WHERE tactics IS NULL")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Fills in a report's tactics.
    pub async fn set_tactics(&self, id: &str, tactics: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE reports SET tactics = $2 WHERE id = $1")
            .bind(id)
            .bind(tactics)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Changes as soon as a report is stored or changed: the number of reports and the
    /// latest change.
    pub async fn reports_version(&self) -> Result<(i64, i64), StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM reports").fetch_one(self.pool()).await?;
        Ok((row.get(0), row.get(1)))
    }

    /// Every report with its indicators as the linking rule reads them, newest first (at
    /// most `limit`). A domain is `common` (links nothing) when the extractor flagged it a
    /// shortener or `allowed` says so.
    pub async fn reports_for_linking(
        &self,
        limit: i64,
        allowed: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<lurewatch_link::Report>, StoreError> {
        let reports = sqlx::query(
            "SELECT id, category, level, risk, created_at, tactics, amount_paid, currency, \
             COALESCE(reporter_minor, 0) + engine_minor FROM reports ORDER BY created_at DESC LIMIT $1",
        )
        .bind(limit.clamp(1, 10_000_000))
        .fetch_all(self.pool())
        .await?;
        let marks = sqlx::query("SELECT report_id, kind, value, platform, flags, listed FROM report_indicators")
            .fetch_all(self.pool())
            .await?;
        let mut by_report: HashMap<String, Vec<lurewatch_link::Mark>> = HashMap::with_capacity(reports.len());
        for m in marks {
            let kind: String = m.get(1);
            let value: String = m.get(2);
            let flags: Option<String> = m.get(4);
            let common = kind == "domain"
                && (flags.as_deref().is_some_and(|f| f.split(' ').any(|f| f == "shortener")) || allowed(&value));
            let amount = (kind == "amount").then(|| amount_of(&value)).flatten();
            by_report.entry(m.get(0)).or_default().push(lurewatch_link::Mark {
                kind,
                value,
                platform: m.get(3),
                listed: m.get(5),
                common,
                amount,
            });
        }
        Ok(reports
            .into_iter()
            .map(|r| {
                let id: String = r.get(0);
                let mut marks = by_report.remove(&id).unwrap_or_default();
                marks.sort_by(|a, b| (&a.kind, &a.value).cmp(&(&b.kind, &b.value)));
                let tactics: Option<String> = r.get(5);
                let paid: Option<f64> = r.get(6);
                let currency: Option<String> = r.get(7);
                lurewatch_link::Report {
                    marks,
                    id,
                    category: r.get(1),
                    level: r.get(2),
                    risk: r.get::<i64, _>(3).clamp(0, 100) as u8,
                    reported: Some(r.get(4)),
                    tactics: tactics.unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
                    paid: paid.zip(currency),
                    minor: r.get::<i64, _>(8) > 0,
                }
            })
            .collect())
    }
}

/// The number and currency of an amount's canonical value (`20000 HKD`, `500`).
fn amount_of(value: &str) -> Option<(f64, Option<String>)> {
    let mut parts = value.split_whitespace();
    let number = parts.next()?.parse().ok()?;
    Some((number, parts.next().map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use super::amount_of;

    #[test]
    fn amounts_read_back_from_their_canonical_values() {
        assert_eq!(amount_of("20000 HKD"), Some((20000.0, Some("HKD".into()))));
        assert_eq!(amount_of("12.5"), Some((12.5, None)));
        assert_eq!(amount_of("lots"), None);
    }
}
