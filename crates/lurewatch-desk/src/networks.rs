//! The suspected networks of the stored reports, linked by the rule of `lurewatch link`,
//! kept until the reports change; and the drawing of one network's graph.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lurewatch_link::{Linked, Network, Report, Rules};

use crate::desk::{Desk, DeskError};

/// The most reports linked at once.
pub const MAX_REPORTS: i64 = 5_000_000;

/// The networks of the reports as they were at `version`.
#[derive(Debug)]
pub struct View {
    /// The reports, as linking reads them.
    pub reports: Vec<Report>,
    /// What linking found.
    pub linked: Linked,
    /// Each report in a network: the network's place in `linked.networks`.
    pub network_of: HashMap<String, usize>,
    /// Each report: its place in `reports`.
    pub index: HashMap<String, usize>,
    /// The reports' version this was linked at.
    pub version: (i64, i64),
    /// How long reading the reports took.
    pub read: Duration,
    /// How long linking them took.
    pub linking: Duration,
}

/// How long a view is trusted without asking the database whether another desk sharing it
/// stored or changed a report (this desk's own changes are seen at once).
pub const RECHECK: Duration = Duration::from_secs(10);

/// The latest [`View`], linked anew when the reports change: by one request at a time,
/// while the others are answered with the view before.
#[derive(Debug, Default)]
pub struct Cache {
    /// The view, this desk's changes when it was made, and when the database was last asked.
    latest: std::sync::Mutex<Option<(Arc<View>, u64, Instant)>>,
    /// Held while the reports are read and linked.
    relinking: tokio::sync::Mutex<()>,
    /// Reports this desk stored or changed.
    changes: std::sync::atomic::AtomicU64,
}

impl Cache {
    /// Notes that this desk stored or changed a report.
    pub fn changed(&self) {
        self.changes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn latest(&self) -> Option<(Arc<View>, u64, Instant)> {
        self.latest.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, view: Arc<View>, changes: u64) {
        *self.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some((view, changes, Instant::now()));
    }
}

impl Desk {
    /// The suspected networks of the stored reports.
    pub async fn networks(&self) -> Result<Arc<View>, DeskError> {
        let cache = &self.networks;
        let changes = cache.changes.load(std::sync::atomic::Ordering::SeqCst);
        let latest = cache.latest();
        if let Some((view, seen, checked)) = &latest
            && *seen == changes
            && checked.elapsed() < RECHECK
        {
            return Ok(Arc::clone(view));
        }
        // Somebody is linking already: the view before will do for this request.
        let _relinking = match (cache.relinking.try_lock(), &latest) {
            (Ok(guard), _) => guard,
            (Err(_), Some((view, _, _))) => return Ok(Arc::clone(view)),
            (Err(_), None) => {
                let guard = cache.relinking.lock().await;
                if let Some((view, _, _)) = cache.latest() {
                    return Ok(view);
                }
                guard
            }
        };
        let version = self.store.reports_version().await?;
        if let Some((view, seen, _)) = &latest
            && *seen == changes
            && view.version == version
        {
            cache.set(Arc::clone(view), changes);
            return Ok(Arc::clone(view));
        }
        let start = Instant::now();
        let engine = Arc::clone(&self.engine);
        let reports =
            self.store.reports_for_linking(MAX_REPORTS, &|domain| engine.extractor().lists().allowed(domain)).await?;
        let read = start.elapsed();
        let view = tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let linked = lurewatch_link::link(&reports, &Rules::default());
            let mut network_of = HashMap::new();
            for (i, n) in linked.networks.iter().enumerate() {
                for r in &n.reports {
                    network_of.insert(r.clone(), i);
                }
            }
            let index = reports.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
            View { reports, linked, network_of, index, version, read, linking: start.elapsed() }
        })
        .await
        .map_err(|e| DeskError::Worker(e.to_string()))?;
        let view = Arc::new(view);
        cache.set(Arc::clone(&view), changes);
        Ok(view)
    }
}

/// The most reports drawn in one graph; a larger network is drawn with its riskiest.
pub const MAX_DRAWN_REPORTS: usize = 400;

/// A node of the drawing.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    label: String,
    /// A report's id, or an indicator's kind.
    kind: String,
    report: bool,
    level: String,
    x: f64,
    y: f64,
}

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 640.0;

/// The graph of a network as SVG: reports (circles, coloured by level, each a link to its
/// page) and the indicators that link them (squares), an edge where a report names one.
pub fn draw(view: &View, network: &Network) -> String {
    let mut members: Vec<&Report> =
        network.reports.iter().filter_map(|id| view.index.get(id).map(|&i| &view.reports[i])).collect();
    members.sort_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.id.cmp(&b.id)));
    members.truncate(MAX_DRAWN_REPORTS);
    let mut nodes: Vec<Node> = Vec::new();
    let mut place: HashMap<(&str, &str), usize> = HashMap::new();
    for s in &network.shared {
        place.insert((&s.kind, &s.value), nodes.len());
        nodes.push(Node {
            label: format!("{} {}", s.kind, s.value),
            kind: s.kind.clone(),
            report: false,
            level: String::new(),
            x: 0.0,
            y: 0.0,
        });
    }
    let mut edges = Vec::new();
    for r in &members {
        let at = nodes.len();
        nodes.push(Node {
            label: r.id.clone(),
            kind: r.category.to_string(),
            report: true,
            level: r.level.to_string(),
            x: 0.0,
            y: 0.0,
        });
        let mut named: Vec<usize> =
            r.marks.iter().filter_map(|m| place.get(&(m.kind.as_ref(), m.value.as_str())).copied()).collect();
        named.sort_unstable();
        named.dedup();
        edges.extend(named.into_iter().map(|i| (at, i)));
    }
    // Indicators no drawn report names are left out.
    let used: Vec<bool> = (0..nodes.len()).map(|i| nodes[i].report || edges.iter().any(|e| e.1 == i)).collect();
    layout(&mut nodes, &edges);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"graph-title\" class=\"graph\" id=\"graph\"><title id=\"graph-title\">Network {}: {} reports \
         and the {} indicators linking them</title>",
        network.network,
        members.len(),
        network.shared.len()
    );
    svg.push_str("<g class=\"edges\">");
    for (a, b) in &edges {
        let (a, b) = (&nodes[*a], &nodes[*b]);
        let _ = write!(svg, "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>", a.x, a.y, b.x, b.y);
    }
    svg.push_str("</g>");
    let labelled = nodes.len() <= 60;
    for (n, used) in nodes.iter().zip(used) {
        if !used {
            continue;
        }
        let title = escape(&n.label);
        if n.report {
            let _ = write!(
                svg,
                "<a href=\"/staff/cases/{id}\" class=\"node report level-{level}\"><circle cx=\"{x:.1}\" cy=\"{y:.1}\" \
                 r=\"7\"/><title>Report {short}: {kind}, {level}</title></a>",
                id = escape(&n.label),
                level = escape(&n.level),
                x = n.x,
                y = n.y,
                short = escape(&n.label[..8.min(n.label.len())]),
                kind = escape(&n.kind),
            );
        } else {
            let _ = write!(
                svg,
                "<g class=\"node indicator kind-{kind}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"12\" height=\"12\"/>\
                 <title>{title}</title>",
                kind = escape(&n.kind),
                x = n.x - 6.0,
                y = n.y - 6.0,
            );
            // Named on the drawing while there is room.
            if labelled {
                let short: String = n.label.chars().take(28).collect();
                let _ = write!(svg, "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>", n.x + 9.0, n.y + 4.0, escape(&short));
            }
            svg.push_str("</g>");
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A force-directed layout (Fruchterman and Reingold): linked nodes pull together, all
/// nodes push apart, the moves cool down. Deterministic: nodes start on a spiral.
fn layout(nodes: &mut [Node], edges: &[(usize, usize)]) {
    let n = nodes.len();
    if n == 0 {
        return;
    }
    let area = (WIDTH - 40.0) * (HEIGHT - 40.0);
    let k = (area / n as f64).sqrt();
    for (i, node) in nodes.iter_mut().enumerate() {
        let angle = i as f64 * 2.399_963; // the golden angle
        let radius = 10.0 * (i as f64).sqrt();
        node.x = angle.cos() * radius;
        node.y = angle.sin() * radius;
    }
    let iterations = if n > 300 { 120 } else { 250 };
    let mut temperature = WIDTH / 10.0;
    let mut moves = vec![(0.0f64, 0.0f64); n];
    for _ in 0..iterations {
        moves.iter_mut().for_each(|m| *m = (0.0, 0.0));
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (nodes[i].x - nodes[j].x, nodes[i].y - nodes[j].y);
                let d2 = (dx * dx + dy * dy).max(0.01);
                let f = k * k / d2;
                moves[i].0 += dx * f;
                moves[i].1 += dy * f;
                moves[j].0 -= dx * f;
                moves[j].1 -= dy * f;
            }
        }
        for &(a, b) in edges {
            let (dx, dy) = (nodes[a].x - nodes[b].x, nodes[a].y - nodes[b].y);
            let d = (dx * dx + dy * dy).sqrt().max(0.1);
            let f = d / k;
            moves[a].0 -= dx * f;
            moves[a].1 -= dy * f;
            moves[b].0 += dx * f;
            moves[b].1 += dy * f;
        }
        for (node, (mx, my)) in nodes.iter_mut().zip(&moves) {
            let d = (mx * mx + my * my).sqrt().max(0.01);
            let step = d.min(temperature);
            node.x += mx / d * step;
            node.y += my / d * step;
        }
        temperature *= 0.97;
    }
    // Fitted into the picture with a margin and centred; a small graph is not blown up.
    let (min_x, max_x) = nodes.iter().fold((f64::MAX, f64::MIN), |(a, b), n| (a.min(n.x), b.max(n.x)));
    let (min_y, max_y) = nodes.iter().fold((f64::MAX, f64::MIN), |(a, b), n| (a.min(n.y), b.max(n.y)));
    let scale = ((WIDTH - 80.0) / (max_x - min_x).max(1.0)).min((HEIGHT - 80.0) / (max_y - min_y).max(1.0)).min(1.0);
    let (dx, dy) = ((WIDTH - (max_x - min_x) * scale) / 2.0, (HEIGHT - (max_y - min_y) * scale) / 2.0);
    for node in nodes.iter_mut() {
        node.x = dx + (node.x - min_x) * scale;
        node.y = dy + (node.y - min_y) * scale;
    }
}

fn escape(s: &str) -> String {
    askama::filters::escape(s, askama::filters::Html).map(|e| e.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lurewatch_link::Mark;

    fn view(reports: Vec<Report>) -> View {
        let linked = lurewatch_link::link(&reports, &Rules::default());
        let index = reports.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        View {
            reports,
            linked,
            network_of: HashMap::new(),
            index,
            version: (0, 0),
            read: Duration::ZERO,
            linking: Duration::ZERO,
        }
    }

    fn report(id: &str, level: &str, marks: &[(&str, &str)]) -> Report {
        Report {
            id: id.into(),
            category: "sextortion".into(),
            level: lurewatch_link::word(level),
            marks: marks
                .iter()
                .map(|(k, v)| Mark { kind: lurewatch_link::word(k), value: (*v).into(), ..Mark::default() })
                .collect(),
            ..Report::default()
        }
    }

    #[test]
    fn the_drawing_has_a_node_per_report_and_indicator_and_an_edge_per_naming() {
        let v = view(vec![
            report("aaaaaaaa1", "high", &[("phone", "+85261234567"), ("handle", "qq:123456789")]),
            report("bbbbbbbb2", "critical", &[("phone", "+85261234567")]),
            report("cccccccc3", "<medium>", &[("handle", "qq:123456789")]),
        ]);
        let svg = draw(&v, &v.linked.networks[0]);
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert_eq!(svg.matches("<rect").count(), 2);
        assert_eq!(svg.matches("<line").count(), 4);
        assert!(svg.contains("href=\"/staff/cases/aaaaaaaa1\""));
        assert!(svg.contains("level-&#60;medium&#62;") || svg.contains("level-&lt;medium&gt;"), "escaped: {svg}");
        assert!(!svg.contains("NaN"));
        let again = draw(&v, &v.linked.networks[0]);
        assert_eq!(svg, again, "the layout is deterministic");
    }

    #[test]
    fn a_layout_keeps_every_node_inside_the_picture_and_apart() {
        let reports: Vec<Report> = (0..300)
            .map(|i| report(&format!("r{i:05}"), "high", &[("phone", &format!("+852612{:05}", i / 3))]))
            .collect();
        let mut all = reports;
        // One payee every report names links the 100 small groups into one network.
        for r in all.iter_mut().step_by(3) {
            r.marks.push(Mark { kind: "crypto".into(), value: "TXYZ".into(), ..Mark::default() });
        }
        let linked = lurewatch_link::link(&all, &Rules { share: 1.0, min_common: 3 });
        assert_eq!(linked.networks.len(), 1);
        let v = view(all);
        let svg = draw(&v, &linked.networks[0]);
        let mut points = Vec::new();
        for part in svg.split("<circle cx=\"").skip(1) {
            let x: f64 = part.split('"').next().unwrap().parse().unwrap();
            let y: f64 = part.split("cy=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
            assert!((0.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y), "{x},{y}");
            points.push((x, y));
        }
        assert_eq!(points.len(), 300);
        let overlapping = points
            .iter()
            .enumerate()
            .flat_map(|(i, a)| points[i + 1..].iter().map(move |b| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()))
            .filter(|d| *d < 1.0)
            .count();
        assert!(overlapping < 15, "{overlapping} pairs of reports drawn on top of each other");
    }
}
