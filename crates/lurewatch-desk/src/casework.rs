//! What the workspace keeps besides the reports: analysts' notes (sealed), the tactics of
//! each report in clear (taxonomy ids only) and the reports as the linking rule reads them.

use sqlx::Row;

use crate::store::{Backend, Store, StoreError};

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

/// An indicator as the database gathers it: kind, value, platform, flags, block list.
type Gathered = (String, String, Option<String>, Option<String>, Option<String>);

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

    /// Every report with its indicators as the linking rule reads them, newest first: the
    /// newest `limit`, and any others stored in the same second as the oldest of them. A
    /// domain is `common` (links nothing) when the extractor flagged it a shortener or
    /// `allowed` says so.
    ///
    /// One row a report, streamed: the database gathers each report's indicators as a JSON
    /// array (four times fewer rows to carry than one an indicator), and the two halves of
    /// the id space are read at once on two connections.
    pub async fn reports_for_linking(
        &self,
        limit: i64,
        allowed: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<lurewatch_link::Report>, StoreError> {
        let cutoff: i64 = sqlx::query("SELECT created_at FROM reports ORDER BY created_at DESC LIMIT 1 OFFSET $1")
            .bind(limit.clamp(1, 10_000_000) - 1)
            .fetch_optional(self.pool())
            .await?
            .map_or(i64::MIN, |r| r.get(0));
        let (low, high) =
            tokio::join!(self.linking_part(cutoff, Half::Low, allowed), self.linking_part(cutoff, Half::High, allowed));
        let mut reports = low?;
        reports.extend(high?);
        reports.sort_by(|a, b| b.reported.cmp(&a.reported).then_with(|| a.id.cmp(&b.id)));
        Ok(reports)
    }

    /// The reports stored at `cutoff` or later in one half of the id space.
    async fn linking_part(
        &self,
        cutoff: i64,
        half: Half,
        allowed: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<lurewatch_link::Report>, StoreError> {
        use futures_util::TryStreamExt;
        let sql = match (self.backend(), half) {
            (Backend::Sqlite, Half::Low) => concat!(linking_sql!("json_group_array(json_array", ""), " < '8'"),
            (Backend::Sqlite, Half::High) => concat!(linking_sql!("json_group_array(json_array", ""), " >= '8'"),
            (Backend::Postgres, Half::Low) => concat!(linking_sql!("json_agg(json_build_array", "::text"), " < '8'"),
            (Backend::Postgres, Half::High) => concat!(linking_sql!("json_agg(json_build_array", "::text"), " >= '8'"),
        };
        let mut rows = sqlx::query(sql).bind(cutoff).fetch(self.pool());
        let mut reports = Vec::new();
        while let Some(r) = rows.try_next().await? {
            let gathered: Option<String> = r.get(9);
            let gathered: Option<Vec<Gathered>> = match gathered {
                Some(json) => Some(serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?),
                None => None,
            };
            let stored: Stored =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7), r.get(8), gathered);
            reports.push(linking_report(stored, allowed));
        }
        Ok(reports)
    }
}

/// Half of the id space (ids are hexadecimal).
#[derive(Clone, Copy)]
enum Half {
    Low,
    High,
}

/// The query of [`Store::linking_part`] with the database's JSON aggregate, up to the
/// comparison of the id.
macro_rules! linking_sql {
    ($aggregate:literal, $cast:literal) => {
        concat!(
            "SELECT r.id, r.category, r.level, r.risk, r.created_at, r.tactics, r.amount_paid, r.currency, ",
            "COALESCE(r.reporter_minor, 0) + r.engine_minor, (SELECT ",
            $aggregate,
            "(kind, value, platform, flags, listed))",
            " FROM report_indicators i WHERE i.report_id = r.id)",
            $cast,
            " FROM reports r WHERE r.created_at >= $1 AND r.id"
        )
    };
}
use linking_sql;

/// A report as read for linking: id, category, level, risk, stored,
/// tactics, paid, currency, minor, indicators.
type Stored =
    (String, String, String, i64, i64, Option<String>, Option<f64>, Option<String>, i64, Option<Vec<Gathered>>);

fn linking_report(r: Stored, allowed: &(dyn Fn(&str) -> bool + Sync)) -> lurewatch_link::Report {
    let (id, category, level, risk, created_at, tactics, paid, currency, minor, gathered) = r;
    let mut marks: Vec<lurewatch_link::Mark> = gathered
        .unwrap_or_default()
        .into_iter()
        .map(|(kind, value, platform, flags, listed)| {
            let common = kind == "domain"
                && (flags.as_deref().is_some_and(|f| f.split(' ').any(|f| f == "shortener")) || allowed(&value));
            let amount = (kind == "amount").then(|| amount_of(&value)).flatten();
            lurewatch_link::Mark { kind: lurewatch_link::word(&kind), value, platform, listed, common, amount }
        })
        .collect();
    marks.sort_by(|a, b| (&a.kind, &a.value).cmp(&(&b.kind, &b.value)));
    lurewatch_link::Report {
        marks,
        id,
        category: lurewatch_link::word(&category),
        level: lurewatch_link::word(&level),
        risk: risk.clamp(0, 100) as u8,
        reported: Some(created_at),
        tactics: tactics.unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
        paid: paid.zip(currency),
        minor: minor > 0,
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
