//! `lurewatch apk`: triage of APK, XAPK and APKS files without running them.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use lurewatch_apk::{Known, Limits, Triage, triage};
use lurewatch_core::{Engine, Level};

use crate::OutputFormat;
use crate::render::escape;

/// Known-bad data added to what ships.
#[derive(Debug, clap::Args)]
pub struct ApkData {
    /// More known-bad families, in the format of the shipped `stalkerware-ioc.yaml`
    /// (name, packages, certificates, websites, c2 domains and IPs); repeatable.
    #[arg(long = "known-bad", value_name = "FILE")]
    known_bad: Vec<PathBuf>,
    /// More known-bad samples, as `SHA256,Package Name,Certificate,Version,App` CSV; repeatable.
    #[arg(long = "samples", value_name = "FILE")]
    samples: Vec<PathBuf>,
    /// A permission table in the format of the shipped `android-permissions-zh.json`.
    #[arg(long = "permissions", value_name = "FILE")]
    permissions: Option<PathBuf>,
}

impl ApkData {
    fn known(&self) -> anyhow::Result<Known> {
        let mut known = Known::shipped();
        for path in &self.known_bad {
            known.add_ioc(&path.display().to_string(), &crate::read(path)?)?;
        }
        for path in &self.samples {
            known.add_samples(&path.display().to_string(), &crate::read(path)?)?;
        }
        if let Some(path) = &self.permissions {
            known.add_permissions(&path.display().to_string(), &crate::read(path)?)?;
        }
        Ok(known)
    }
}

/// Triages each file; exit 0 when none reached `medium`, 1 when one did, 2 on any error.
pub fn run(engine: &Engine, files: &[PathBuf], data: &ApkData, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let known = data.known()?;
    let mut out = BufWriter::new(io::stdout().lock());
    let (mut failed, mut alert) = (0, false);
    for path in files {
        let name = path.display().to_string();
        let started = Instant::now();
        match triage(path, &known, engine, &Limits::default()) {
            Ok(t) => {
                alert |= t.level >= Level::Medium;
                match format {
                    OutputFormat::Json => {
                        let mut value = serde_json::to_value(&t)?;
                        value["file"] = name.clone().into();
                        writeln!(out, "{value}")?;
                    }
                    OutputFormat::Human => human(&mut out, &name, &t, started.elapsed().as_secs_f64())?,
                }
            }
            Err(e) => {
                failed += 1;
                out.flush()?;
                eprintln!("lurewatch: {}: {e}", escape(&name));
            }
        }
    }
    out.flush()?;
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else if alert {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn human(out: &mut impl Write, name: &str, t: &Triage, seconds: f64) -> io::Result<()> {
    let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "?".to_owned(), escape);
    writeln!(out, "{}  [{}]", escape(name), t.level.id().to_uppercase())?;
    writeln!(
        out,
        "  app:      {} ({})  version {} ({})",
        opt(&t.label),
        opt(&t.package),
        opt(&t.version_name),
        opt(&t.version_code)
    )?;
    writeln!(out, "  android:  min SDK {}, target SDK {}", opt(&t.min_sdk), t.target_sdk)?;
    writeln!(out, "  file:     {} bytes, SHA-256 {}  (read in {:.3} s)", t.size, t.sha256, seconds)?;
    for r in &t.reasons {
        writeln!(out, "  ! {}", escape(&r.text))?;
    }
    if !t.permissions.is_empty() {
        writeln!(out, "  permissions:")?;
        for p in &t.permissions {
            let reach = p.reaches.map_or_else(String::new, |r| format!("  → {r}"));
            writeln!(out, "    {:<10} {}{reach}", p.risk, escape(&p.name))?;
        }
    }
    let c = &t.components;
    writeln!(
        out,
        "  components: {} activities, {} services, {} receivers, {} providers{}{}",
        c.activities,
        c.services,
        c.receivers,
        c.providers,
        if c.accessibility_services > 0 { ", accessibility service" } else { "" },
        if c.device_admin > 0 { ", device admin" } else { "" }
    )?;
    for cert in &t.certificates {
        writeln!(out, "  certificate ({}): {}", cert.schemes.join(", "), escape(&cert.subject))?;
        writeln!(out, "    SHA-256 {}", cert.sha256)?;
        writeln!(
            out,
            "    SHA-1   {}{}",
            cert.sha1,
            cert.listed.as_ref().map_or_else(String::new, |l| format!("  KNOWN BAD: {}", escape(l)))
        )?;
    }
    for e in &t.endpoints {
        let listed = e.listed.as_ref().map_or_else(String::new, |l| format!("  KNOWN BAD: {}", escape(l)));
        writeln!(out, "  {:<7} {}{listed}", e.kind, escape(&e.value))?;
    }
    if !t.anomalies.is_empty() {
        writeln!(out, "  archive defects: {}", t.anomalies.len())?;
        for a in t.anomalies.iter().take(5) {
            writeln!(out, "    {}", escape(a))?;
        }
    }
    writeln!(out)
}
