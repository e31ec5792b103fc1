//! Exports for other teams' tools: networks as CSV, the graph as GraphML, the indicators as
//! a STIX 2.1 bundle.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{Linked, Report};

/// A CSV cell, quoted, with a leading formula character neutralised (a spreadsheet would
/// run `=…`).
pub fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// One row per report in a network: `network,report,category,level,risk,shared`.
pub fn csv(linked: &Linked, reports: &[Report]) -> String {
    let by_id = by_id(reports);
    let mut out = String::from("network,report,category,level,risk,shared\n");
    for n in &linked.networks {
        let shared: Vec<String> = n.shared.iter().map(|s| format!("{}:{}", s.kind, s.value)).collect();
        for id in &n.reports {
            let Some(r) = by_id.get(id.as_str()) else { continue };
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                n.network,
                cell(id),
                cell(&r.category),
                cell(&r.level),
                r.risk,
                cell(&shared.join(";"))
            ));
        }
    }
    out
}

fn by_id(reports: &[Report]) -> HashMap<&str, &Report> {
    reports.iter().map(|r| (r.id.as_str(), r)).collect()
}

/// The networks as a graph: reports and the indicators that link them are nodes, each
/// naming an edge.
pub fn graphml(linked: &Linked, reports: &[Report]) -> String {
    let by_id = by_id(reports);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let result: std::io::Result<()> = (|| {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut root = BytesStart::new("graphml");
        root.push_attribute(("xmlns", "http://graphml.graphdrawing.org/xmlns"));
        w.write_event(Event::Start(root))?;
        for (id, name, kind) in [
            ("type", "type", "string"),
            ("label", "label", "string"),
            ("network", "network", "int"),
            ("level", "level", "string"),
        ] {
            let mut key = BytesStart::new("key");
            key.push_attribute(("id", id));
            key.push_attribute(("for", "node"));
            key.push_attribute(("attr.name", name));
            key.push_attribute(("attr.type", kind));
            w.write_event(Event::Empty(key))?;
        }
        let mut graph = BytesStart::new("graph");
        graph.push_attribute(("id", "lurewatch"));
        graph.push_attribute(("edgedefault", "undirected"));
        w.write_event(Event::Start(graph))?;
        let mut edges = Vec::new();
        for n in &linked.networks {
            let network = n.network.to_string();
            for id in &n.reports {
                let level = by_id.get(id.as_str()).map_or("", |r| r.level.as_ref());
                node(
                    &mut w,
                    &format!("r:{id}"),
                    &[("type", "report"), ("label", id), ("network", &network), ("level", level)],
                )?;
            }
            let mut shared = HashMap::new();
            for s in &n.shared {
                let node_id = format!("i:{}:{}", s.kind, s.value);
                node(&mut w, &node_id, &[("type", s.kind.as_str()), ("label", &s.value), ("network", &network)])?;
                shared.insert((s.kind.as_str(), s.value.as_str()), node_id);
            }
            for id in &n.reports {
                let Some(r) = by_id.get(id.as_str()) else { continue };
                let mut named = BTreeSet::new();
                for m in &r.marks {
                    if let Some(node_id) = shared.get(&(m.kind.as_ref(), m.value.as_str()))
                        && named.insert(node_id)
                    {
                        edges.push((format!("r:{id}"), node_id.clone()));
                    }
                }
            }
        }
        for (i, (source, target)) in edges.iter().enumerate() {
            let mut edge = BytesStart::new("edge");
            edge.push_attribute(("id", format!("e{i}").as_str()));
            edge.push_attribute(("source", source.as_str()));
            edge.push_attribute(("target", target.as_str()));
            w.write_event(Event::Empty(edge))?;
        }
        w.write_event(Event::End(BytesEnd::new("graph")))?;
        w.write_event(Event::End(BytesEnd::new("graphml")))?;
        w.get_mut().write_all(b"\n")
    })();
    result.expect("writing XML to memory does not fail");
    String::from_utf8(w.into_inner()).expect("the writer writes UTF-8")
}

fn node(w: &mut Writer<Vec<u8>>, id: &str, data: &[(&str, &str)]) -> std::io::Result<()> {
    let mut start = BytesStart::new("node");
    start.push_attribute(("id", id));
    w.write_event(Event::Start(start))?;
    for (key, value) in data {
        let mut d = BytesStart::new("data");
        d.push_attribute(("key", *key));
        w.write_event(Event::Start(d))?;
        w.write_event(Event::Text(BytesText::new(value)))?;
        w.write_event(Event::End(BytesEnd::new("data")))?;
    }
    w.write_event(Event::End(BytesEnd::new("node")))
}

/// The namespace of lurewatch's STIX ids: the same indicator always gets the same id.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c75_7265_7761_7463_6800_0000_0000_0001);

/// A STIX pattern string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The STIX 2.1 pattern of an indicator; custom object types (`x-lurewatch-…`) where STIX
/// has none (phone numbers, crypto addresses, payment accounts, picture hashes).
pub fn pattern(kind: &str, value: &str) -> Option<String> {
    let v = literal(value);
    Some(match kind {
        "domain" => format!("[domain-name:value = {v}]"),
        "url" => format!("[url:value = {v}]"),
        "ip" if value.contains(':') => format!("[ipv6-addr:value = {v}]"),
        "ip" => format!("[ipv4-addr:value = {v}]"),
        "email" => format!("[email-addr:value = {v}]"),
        "handle" => match value.split_once(':') {
            Some((platform, name)) => {
                format!(
                    "[user-account:account_login = {} AND user-account:account_type = {}]",
                    literal(name),
                    literal(platform)
                )
            }
            None => format!("[user-account:account_login = {v}]"),
        },
        "app_package" => format!("[software:x_android_package = {v}]"),
        "app_certificate" => format!("[x509-certificate:hashes.'SHA-256' = {v}]"),
        "app_file" => format!("[file:hashes.'SHA-256' = {v}]"),
        "phone" => format!("[x-lurewatch-phone:value = {v}]"),
        "crypto" => format!("[x-lurewatch-crypto-address:value = {v}]"),
        "image_hash" => format!("[x-lurewatch-image:pdq = {v}]"),
        "bank_card" | "bank_account" | "iban" | "payment_handle" | "payment_qr" | "gift_card" => {
            format!("[x-lurewatch-payee:value = {} AND x-lurewatch-payee:kind = {}]", v, literal(kind))
        }
        _ => return None,
    })
}

/// A STIX 2.1 bundle with one indicator object for every distinct indicator of the reports
/// (amounts left out), `created` being an RFC 3339 time.
pub fn stix(reports: &[Report], linked: &Linked, created: &str) -> Value {
    let mut seen = BTreeSet::new();
    let mut objects = Vec::new();
    let mut networks_of: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for n in &linked.networks {
        for s in &n.shared {
            networks_of.entry((&s.kind, &s.value)).or_default().push(n.network);
        }
    }
    for m in reports.iter().flat_map(|r| &r.marks) {
        if !seen.insert((m.kind.as_ref(), m.value.as_str())) {
            continue;
        }
        let Some(pattern) = pattern(&m.kind, &m.value) else { continue };
        let id = Uuid::new_v5(&NAMESPACE, format!("{}:{}", m.kind, m.value).as_bytes());
        let networks = networks_of.get(&(m.kind.as_ref(), m.value.as_str())).cloned().unwrap_or_default();
        let mut object = json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": format!("indicator--{id}"),
            "created": created,
            "modified": created,
            "name": format!("{} {}", m.kind, m.value),
            "indicator_types": [if m.listed.is_some() { "malicious-activity" } else { "anomalous-activity" }],
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": created,
        });
        if !networks.is_empty() {
            object["description"] = format!("Shared by the reports of suspected network(s) {networks:?}").into();
        }
        objects.push(object);
    }
    let bundle =
        Uuid::new_v5(&NAMESPACE, objects.iter().map(|o| o["id"].as_str().unwrap_or("")).collect::<String>().as_bytes());
    json!({"type": "bundle", "id": format!("bundle--{bundle}"), "objects": objects})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mark, Rules, link};

    fn reports() -> Vec<Report> {
        let m = |kind: &str, value: &str| Mark { kind: crate::word(kind), value: value.into(), ..Mark::default() };
        vec![
            Report {
                id: "a<&>".into(),
                category: "sextortion".into(),
                level: "high".into(),
                risk: 70,
                tactics: vec![],
                marks: vec![m("handle", "qq:12345678"), m("url", "evil.example/a'b")],
                ..Report::default()
            },
            Report {
                id: "=b".into(),
                category: "sextortion".into(),
                level: "critical".into(),
                risk: 90,
                tactics: vec![],
                marks: vec![m("handle", "qq:12345678"), m("amount", "1 CNY")],
                ..Report::default()
            },
        ]
    }

    #[test]
    fn exports_are_well_formed_and_escaped() {
        let reports = reports();
        let linked = link(&reports, &Rules::default());
        let csv = csv(&linked, &reports);
        assert!(csv.contains("1,\"a<&>\",") && csv.contains("\"'=b\""), "{csv}");
        let xml = graphml(&linked, &reports);
        assert!(xml.contains("<node id=\"r:a&lt;&amp;&gt;\">") && xml.contains("<edge id=\"e1\""), "{xml}");
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event().expect("the GraphML parses") {
                quick_xml::events::Event::Eof => break,
                _ => continue,
            }
        }
        let bundle = stix(&reports, &linked, "2026-12-01T00:00:00Z");
        let objects = bundle["objects"].as_array().unwrap();
        assert_eq!(objects.len(), 2, "amounts are left out");
        assert_eq!(
            objects[0]["pattern"],
            "[user-account:account_login = '12345678' AND user-account:account_type = 'qq']"
        );
        assert_eq!(objects[1]["pattern"], "[url:value = 'evil.example/a\\'b']");
        assert!(objects[0]["id"].as_str().unwrap().starts_with("indicator--"));
        assert_eq!(objects[0]["description"], "Shared by the reports of suspected network(s) [1]");
        assert_eq!(stix(&reports, &linked, "2026-12-01T00:00:00Z"), bundle, "ids are stable");
    }
}
