//! Known-bad apps and the permission risk table, kept as data files.
//!
//! Shipped: the stalkerware indicators of AssoEchap (`stalkerware-ioc.yaml`: families with
//! package names, signing-certificate SHA-1 fingerprints, web sites and command servers;
//! `stalkerware-samples.csv`: APK samples by SHA-256, package and certificate) and a table
//! of Android permissions with Chinese titles and risk levels. More of each can be loaded
//! from files in the same formats.

use std::collections::HashMap;

use serde::Deserialize;

/// A data file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct DataError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Deserialize)]
struct Family {
    name: String,
    #[serde(default)]
    packages: Vec<String>,
    #[serde(default)]
    certificates: Vec<String>,
    #[serde(default)]
    websites: Vec<String>,
    #[serde(default)]
    c2: Option<C2>,
}

#[derive(Debug, Default, Deserialize)]
struct C2 {
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    ips: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PermissionRow {
    key: String,
    title: String,
    #[serde(default)]
    memo: String,
    level: u8,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PermissionTable {
    permiss_list: Vec<PermissionRow>,
}

/// What the permission table says of a permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionInfo {
    /// Title (Chinese in the shipped table).
    pub title: String,
    /// Description.
    pub memo: String,
    /// Risk: 0 normal, 1 dangerous, 2 signature or system.
    pub level: u8,
}

/// Everything known to be bad, and the permission table.
#[derive(Debug, Default, Clone)]
pub struct Known {
    packages: HashMap<String, String>,
    certificates: HashMap<String, String>,
    samples: HashMap<String, String>,
    endpoints: HashMap<String, String>,
    permissions: HashMap<String, PermissionInfo>,
}

const SHIPPED_IOC: &str = include_str!("../data/stalkerware-ioc.yaml");
const SHIPPED_SAMPLES: &str = include_str!("../data/stalkerware-samples.csv");
const SHIPPED_PERMISSIONS: &str = include_str!("../data/android-permissions-zh.json");

impl Known {
    /// The shipped data.
    pub fn shipped() -> Known {
        let mut known = Known::default();
        known.add_ioc("stalkerware-ioc.yaml", SHIPPED_IOC).expect("the shipped indicators parse");
        known.add_samples("stalkerware-samples.csv", SHIPPED_SAMPLES).expect("the shipped samples parse");
        known.add_permissions("android-permissions-zh.json", SHIPPED_PERMISSIONS).expect("the shipped table parses");
        known
    }

    /// Adds families in the `stalkerware-ioc.yaml` format.
    pub fn add_ioc(&mut self, file: &str, text: &str) -> Result<usize, DataError> {
        let families: Vec<Family> =
            serde_yaml_ng::from_str(text).map_err(|e| DataError { file: file.to_owned(), message: e.to_string() })?;
        for f in &families {
            for p in &f.packages {
                self.packages.insert(p.trim().to_owned(), f.name.clone());
            }
            for c in &f.certificates {
                self.certificates.insert(fingerprint(c), f.name.clone());
            }
            let c2 = f.c2.as_ref();
            let hosts =
                f.websites.iter().chain(c2.map_or(&[][..], |c| &c.domains)).chain(c2.map_or(&[][..], |c| &c.ips));
            for h in hosts {
                self.endpoints.insert(h.trim().trim_end_matches('.').to_ascii_lowercase(), f.name.clone());
            }
        }
        Ok(families.len())
    }

    /// Adds samples in the `stalkerware-samples.csv` format (`SHA256,Package Name,Certificate,Version,App`).
    pub fn add_samples(&mut self, file: &str, text: &str) -> Result<usize, DataError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let mut n = 0;
        for (i, row) in reader.records().enumerate() {
            let row = row.map_err(|e| DataError { file: file.to_owned(), message: format!("row {}: {e}", i + 2) })?;
            let (Some(sha), Some(package), Some(cert)) = (row.get(0), row.get(1), row.get(2)) else {
                return Err(DataError {
                    file: file.to_owned(),
                    message: format!("row {}: expected SHA256,Package,Certificate", i + 2),
                });
            };
            let family = row.get(4).unwrap_or("stalkerware").to_owned();
            self.samples.insert(sha.trim().to_ascii_lowercase(), family.clone());
            if !cert.trim().is_empty() {
                self.certificates.entry(fingerprint(cert)).or_insert_with(|| family.clone());
            }
            if !package.trim().is_empty() {
                self.packages.entry(package.trim().to_owned()).or_insert(family);
            }
            n += 1;
        }
        Ok(n)
    }

    /// Adds permissions in the `android-permissions-zh.json` format.
    pub fn add_permissions(&mut self, file: &str, text: &str) -> Result<usize, DataError> {
        let table: PermissionTable =
            serde_json::from_str(text).map_err(|e| DataError { file: file.to_owned(), message: e.to_string() })?;
        let n = table.permiss_list.len();
        for p in table.permiss_list {
            self.permissions.insert(p.key, PermissionInfo { title: p.title, memo: p.memo, level: p.level });
        }
        Ok(n)
    }

    /// The family a package name belongs to.
    pub fn package(&self, name: &str) -> Option<&str> {
        self.packages.get(name).map(String::as_str)
    }

    /// The family a signing certificate (SHA-1 or SHA-256 fingerprint, any case, with or
    /// without colons) belongs to.
    pub fn certificate(&self, fp: &str) -> Option<&str> {
        self.certificates.get(&fingerprint(fp)).map(String::as_str)
    }

    /// The family an APK file (by SHA-256) belongs to.
    pub fn sample(&self, sha256: &str) -> Option<&str> {
        self.samples.get(&sha256.to_ascii_lowercase()).map(String::as_str)
    }

    /// The family whose web site or command server a host (or a parent domain of it) is.
    pub fn endpoint(&self, host: &str) -> Option<&str> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = host.as_str();
        loop {
            if let Some(f) = self.endpoints.get(rest) {
                return Some(f);
            }
            match rest.split_once('.') {
                Some((_, parent)) if parent.contains('.') => rest = parent,
                _ => return None,
            }
        }
    }

    /// What the table says of a permission.
    pub fn permission(&self, name: &str) -> Option<&PermissionInfo> {
        self.permissions.get(name)
    }

    /// Sizes: packages, certificates, samples, endpoints, permissions.
    pub fn sizes(&self) -> [usize; 5] {
        [self.packages.len(), self.certificates.len(), self.samples.len(), self.endpoints.len(), self.permissions.len()]
    }
}

/// A fingerprint in one form: upper-case hex without separators.
pub fn fingerprint(fp: &str) -> String {
    fp.chars().filter(char::is_ascii_hexdigit).map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_data_is_read_whole() {
        let k = Known::shipped();
        let [packages, certificates, samples, endpoints, permissions] = k.sizes();
        assert!(packages > 300 && certificates > 300 && samples > 3000 && endpoints > 200, "{:?}", k.sizes());
        assert_eq!(permissions, 140);
        assert_eq!(k.package("com.thetruth"), Some("TheTruthSpy"));
        assert_eq!(k.certificate("31:a6:ec:ec:d9:7c:f3:9b:c4:12:6b:87:45:cd:94:a7:c3:0b:f8:1c"), Some("TheTruthSpy"));
        assert_eq!(k.sample("2F3BC9EBE8C249F0416F5B0367F34B4B8F6AAA7D351DC5B4912FE2558491B6B7"), Some("1TopSpy"));
        assert!(k.endpoint("flushdata.1topspy.com").is_some(), "a command server");
        assert!(k.endpoint("api.copy9.com").is_some(), "a subdomain of a listed site");
        assert_eq!(k.endpoint("example.com"), None);
        assert_eq!(k.endpoint("com"), None);
        assert_eq!(k.permission("android.permission.READ_CONTACTS").map(|p| p.level), Some(1));
    }

    #[test]
    fn bad_data_files_are_named_in_the_error() {
        let mut k = Known::default();
        assert!(k.add_ioc("mine.yaml", "- name: [").unwrap_err().to_string().starts_with("mine.yaml:"));
        assert!(k.add_permissions("p.json", "{}").unwrap_err().to_string().starts_with("p.json:"));
        assert_eq!(k.add_ioc("mine.yaml", "- name: FakeChat\n  packages: [com.fake.chat]\n").unwrap(), 1);
        assert_eq!(k.package("com.fake.chat"), Some("FakeChat"));
    }
}
