//! Human output, with untrusted text made safe for a terminal.

use std::fmt::Write as _;
use std::io::{self, Write};

use lurewatch_core::indicator::Found;
use lurewatch_core::{Assessment, Category, Level};

/// Escapes characters that could hide or reorder text on a terminal: controls (C0, C1,
/// DEL, ANSI escapes), bidirectional overrides and isolates, zero-width characters.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let hidden = c.is_control()
            || matches!(c,
                '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}' | '\u{180E}' | '\u{00AD}');
        if hidden {
            let _ = write!(out, "\\u{{{:04X}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes one assessment for people.
pub fn human(out: &mut impl Write, a: &Assessment) -> io::Result<()> {
    let verdict = match a.category {
        Category::None => "no script found".to_owned(),
        c => format!("{} — {}", c.id().to_uppercase(), a.level),
    };
    writeln!(out, "{}  {}  (risk {}/100, {} messages)", escape(&a.id), verdict, a.risk, a.messages)?;
    let model_spoke = a.model.iter().any(|m| Level::from_risk((m.probability * 100.0).round() as u8) >= Level::Low);
    if a.category == Category::None && a.tactics.is_empty() && a.indicators.is_empty() && !model_spoke {
        return writeln!(out);
    }
    let mut who = Vec::new();
    if let Some(s) = &a.suspect {
        who.push(format!("suspect: {}", escape(s)));
    }
    if let Some(v) = &a.victim {
        who.push(format!("at risk: {}", escape(v)));
    }
    if a.minor {
        who.push("a minor is involved".to_owned());
    }
    if !who.is_empty() {
        writeln!(out, "  {}", who.join(" · "))?;
    }
    if let Some(m) = a.first_alert_message {
        let high = a.first_high_message.map(|h| format!(", high at message {h}")).unwrap_or_default();
        writeln!(out, "  alert at message {m}{high}")?;
    }
    if !a.stages.is_empty() {
        let stages: Vec<_> = a.stages.iter().map(|t| t.id()).collect();
        writeln!(out, "  script: {}", stages.join(" → "))?;
    }
    if !a.tactics.is_empty() {
        writeln!(out, "  evidence:")?;
        for e in &a.tactics {
            writeln!(
                out,
                "    #{:<4} {:<12} {:<22} \"{}\"  ({})",
                e.message,
                escape(&e.sender),
                e.tactic.id(),
                escape(&e.quote),
                e.reason
            )?;
        }
    }
    if !a.indicators.is_empty() {
        writeln!(out, "  indicators:")?;
        for i in &a.indicators {
            let count = if i.count > 1 { format!("{}×", i.count) } else { String::new() };
            writeln!(out, "    #{:<4} {:<12} {}", i.message, escape(&i.sender), found(&i.found, &count))?;
        }
    }
    for m in &a.model {
        let sender = m.sender.as_deref().map(|s| format!(", highest for {}", escape(s))).unwrap_or_default();
        writeln!(
            out,
            "  model {}: {} {:.0}%{sender}; weighed most:",
            escape(&m.scorer),
            m.category.id(),
            m.probability * 100.0
        )?;
        let features: Vec<String> = m.features.iter().map(|(name, w)| format!("{} {w:+.2}", escape(name))).collect();
        writeln!(out, "    {}", features.join(" · "))?;
    }
    if !a.advice.is_empty() {
        writeln!(out, "  advice ({}):", a.language)?;
        for item in &a.advice {
            writeln!(out, "    - {}", item.text)?;
        }
    }
    writeln!(out)
}

/// An indicator for people: kind, value, and in brackets its platform, region, flags, the
/// block list that names it, and `extra`.
pub fn found(f: &Found, extra: &str) -> String {
    let mut notes: Vec<String> = f.platform.iter().chain(&f.region).cloned().collect();
    notes.extend(f.flags.iter().map(|flag| flag.as_str().to_owned()));
    if let Some(list) = &f.listed {
        notes.push(format!("KNOWN BAD: {}", escape(list)));
    }
    if !extra.is_empty() {
        notes.push(extra.to_owned());
    }
    let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join(", ")) };
    format!("{:<14} {}{notes}", f.kind.as_str(), escape(&f.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_could_deceive_a_terminal() {
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{001B}[31mb");
        assert_eq!(escape("pay\u{202E}lmth.exe"), "pay\\u{202E}lmth.exe");
        assert_eq!(escape("n\u{200B}ude"), "n\\u{200B}ude");
        assert_eq!(escape("你好 ok\n"), "你好 ok\\u{000A}");
    }
}
