//! Prometheus metrics: requests, latencies, assessments by level, reports stored. Labels
//! hold routes and levels only: never content, never who asked.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LevelLabels {
    level: String,
}

/// The desk's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    assessments: Family<LevelLabels, Counter>,
    reports: Counter,
    live: Gauge,
    hash_queries: Counter,
    hash_matches: Family<KindLabels, Counter>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("lurewatch");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route, method and status", requests.clone());
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0001, 2.0, 18))
        });
        registry.register("http_request_duration_seconds", "Time to answer, by route", latency.clone());
        let assessments = Family::<LevelLabels, Counter>::default();
        registry.register("assessments", "Conversations assessed, by level", assessments.clone());
        let reports = Counter::default();
        registry.register("reports_stored", "Reports stored", reports.clone());
        let live = Gauge::default();
        registry.register("live_conversations", "Platform conversations held in memory", live.clone());
        let hash_queries = Counter::default();
        registry.register("hash_queries", "Image hashes matched against the banks", hash_queries.clone());
        let hash_matches = Family::<KindLabels, Counter>::default();
        registry.register("hash_matches", "Bank hashes found near a query, by bank kind", hash_matches.clone());
        Metrics { registry, requests, latency, assessments, reports, live, hash_queries, hash_matches }
    }

    /// Counts one answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels { route: route.to_owned(), method: method.to_owned(), status })
            .inc();
        self.latency.get_or_create(&RouteLabels { route: route.to_owned() }).observe(seconds);
    }

    /// Counts one assessment.
    pub fn assessed(&self, level: lurewatch_core::Level) {
        self.assessments.get_or_create(&LevelLabels { level: level.id().to_owned() }).inc();
    }

    /// Counts one stored report.
    pub fn stored(&self) {
        self.reports.inc();
    }

    /// Counts one hash query and what it found.
    pub fn hash_query(&self, matches: &[crate::banks::HashMatch]) {
        self.hash_queries.inc();
        for m in matches {
            self.hash_matches.get_or_create(&KindLabels { kind: m.kind.clone() }).inc();
        }
    }

    /// Sets the number of live conversations.
    pub fn live(&self, n: usize) {
        self.live.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String does not fail");
        out
    }
}
