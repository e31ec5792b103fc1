//! Advice for the person at risk, per tactic and language, kept as data files.
//!
//! Each language file has a `[general]` table (do not pay, keep evidence, tell a trusted
//! adult, the hotlines, Take It Down) and a `[tactic]` table with one short item per
//! tactic id. Every key must be present in every language; the book refuses to load
//! otherwise, so no person ever gets advice in half a language.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::normalize::ScriptCounts;
use crate::tactic::{Category, Tactic};

/// The shipped advice, as `(language, TOML text)`.
pub const DEFAULT_SOURCES: &[(Language, &str)] = &[
    (Language::En, include_str!("../advice/en.toml")),
    (Language::ZhHans, include_str!("../advice/zh-Hans.toml")),
    (Language::ZhHant, include_str!("../advice/zh-Hant.toml")),
    (Language::Ko, include_str!("../advice/ko.toml")),
    (Language::Vi, include_str!("../advice/vi.toml")),
];

/// Keys every language must have in its `[general]` table.
pub const GENERAL_KEYS: &[&str] = &[
    "dont_pay",
    "stop_contact",
    "keep_evidence",
    "report",
    "trusted_adult",
    "not_your_fault",
    "hotline",
    "take_it_down",
];

/// A language the advice is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Language {
    /// English.
    #[serde(rename = "en")]
    En,
    /// Chinese, simplified script.
    #[serde(rename = "zh-Hans")]
    ZhHans,
    /// Chinese, traditional script (Hong Kong, Taiwan), Cantonese.
    #[serde(rename = "zh-Hant")]
    ZhHant,
    /// Korean.
    #[serde(rename = "ko")]
    Ko,
    /// Vietnamese.
    #[serde(rename = "vi")]
    Vi,
}

impl Language {
    /// Every language.
    pub const ALL: &'static [Language] =
        &[Language::En, Language::ZhHans, Language::ZhHant, Language::Ko, Language::Vi];

    /// The BCP 47 tag.
    pub const fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::ZhHans => "zh-Hans",
            Language::ZhHant => "zh-Hant",
            Language::Ko => "ko",
            Language::Vi => "vi",
        }
    }

    /// The language a conversation is most likely written in, from its script counts.
    ///
    /// Hangul means Korean; Han means Chinese, traditional when traditional-only characters
    /// make up a visible share; Vietnamese diacritics mean Vietnamese; anything else English.
    pub fn detect(c: &ScriptCounts) -> Language {
        if c.hangul >= 2 && c.hangul >= c.han {
            Language::Ko
        } else if c.han >= 2 {
            if c.traditional * 8 >= c.han && c.traditional >= 1 { Language::ZhHant } else { Language::ZhHans }
        } else if c.vietnamese >= 2 && c.vietnamese * 20 >= c.latin {
            Language::Vi
        } else {
            Language::En
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::ALL
            .iter()
            .copied()
            .find(|l| l.tag().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown language `{s}`; expected one of: en, zh-Hans, zh-Hant, ko, vi"))
    }
}

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdviceItem {
    /// Stable key: a general key such as `dont_pay`, or a tactic id.
    pub id: String,
    /// The advice, in the conversation's language.
    pub text: String,
}

/// An advice file that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AdviceError {
    /// The TOML does not parse.
    #[error("advice `{language}`: {message}")]
    Parse {
        /// The file's language.
        language: Language,
        /// What the parser said.
        message: String,
    },
    /// A key is missing.
    #[error("advice `{language}`: missing `{key}`")]
    Missing {
        /// The file's language.
        language: Language,
        /// The missing key, `general.<key>` or `tactic.<id>`.
        key: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    language: String,
    general: BTreeMap<String, String>,
    tactic: BTreeMap<Tactic, String>,
}

#[derive(Debug, Clone)]
struct Texts {
    general: BTreeMap<String, String>,
    tactic: [String; Tactic::COUNT],
}

/// The advice in every language.
#[derive(Debug, Clone)]
pub struct AdviceBook {
    texts: BTreeMap<Language, Texts>,
}

impl AdviceBook {
    /// The shipped advice.
    pub fn default_book() -> AdviceBook {
        AdviceBook::from_sources(DEFAULT_SOURCES).unwrap_or_else(|e| panic!("shipped advice is invalid: {e}"))
    }

    /// Loads advice files; every language in [`Language::ALL`] must be given.
    pub fn from_sources(sources: &[(Language, &str)]) -> Result<AdviceBook, AdviceError> {
        let mut texts = BTreeMap::new();
        for &(language, text) in sources {
            let spec: FileSpec =
                toml::from_str(text).map_err(|e| AdviceError::Parse { language, message: e.to_string() })?;
            if spec.language != language.tag() {
                return Err(AdviceError::Parse {
                    language,
                    message: format!(
                        "the file says `language = \"{}\"`; expected \"{}\"",
                        spec.language,
                        language.tag()
                    ),
                });
            }
            for key in GENERAL_KEYS {
                if !spec.general.contains_key(*key) {
                    return Err(AdviceError::Missing { language, key: format!("general.{key}") });
                }
            }
            let mut tactic: [String; Tactic::COUNT] = Default::default();
            for &t in Tactic::ALL {
                tactic[t.index()] = spec
                    .tactic
                    .get(&t)
                    .cloned()
                    .ok_or_else(|| AdviceError::Missing { language, key: format!("tactic.{t}") })?;
            }
            texts.insert(language, Texts { general: spec.general, tactic });
        }
        for &language in Language::ALL {
            if !texts.contains_key(&language) {
                return Err(AdviceError::Missing { language, key: "the whole file".into() });
            }
        }
        Ok(AdviceBook { texts })
    }

    /// The advice for a conversation: what to do now, then one item per tactic the suspect
    /// used (in the order they appeared), then where to get help. Empty for `none`.
    pub fn advise(&self, language: Language, category: Category, tactics: &[Tactic], minor: bool) -> Vec<AdviceItem> {
        let Some(t) = self.texts.get(&language) else {
            return Vec::new();
        };
        let general = |key: &str| AdviceItem { id: key.to_owned(), text: t.general[key].clone() };
        let mut out = Vec::new();
        match category {
            Category::None => return out,
            Category::Sextortion => {
                out.push(general("dont_pay"));
                out.push(general("stop_contact"));
                out.push(general("keep_evidence"));
            }
            Category::Grooming => {
                out.push(general("trusted_adult"));
                out.push(general("keep_evidence"));
            }
        }
        for &tactic in tactics {
            let item = AdviceItem { id: tactic.id().to_owned(), text: t.tactic[tactic.index()].clone() };
            if !out.contains(&item) {
                out.push(item);
            }
        }
        out.push(general("report"));
        if category == Category::Sextortion {
            out.push(general("trusted_adult"));
        }
        out.push(general("not_your_fault"));
        out.push(general("hotline"));
        if minor {
            out.push(general("take_it_down"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let book = AdviceBook::default_book();
        for &lang in Language::ALL {
            let items = book.advise(lang, Category::Sextortion, Tactic::ALL, true);
            assert_eq!(items.len(), Tactic::COUNT + 8, "{lang}");
            assert!(items.iter().all(|i| !i.text.trim().is_empty()));
        }
    }

    #[test]
    fn advice_names_the_right_hotlines() {
        let book = AdviceBook::default_book();
        let hotline = |lang| {
            book.advise(lang, Category::Sextortion, &[], false).into_iter().find(|i| i.id == "hotline").unwrap().text
        };
        assert!(hotline(Language::ZhHant).starts_with("請報警：香港999"));
        assert!(hotline(Language::ZhHant).contains("18222"));
        assert!(hotline(Language::ZhHans).contains("110"));
        assert!(hotline(Language::Ko).contains("112"));
        assert!(hotline(Language::Vi).contains("111"));
        assert!(hotline(Language::En).contains("local police"));
    }

    #[test]
    fn take_it_down_only_for_minors_and_nothing_for_none() {
        let book = AdviceBook::default_book();
        let ids = |minor| {
            book.advise(Language::En, Category::Grooming, &[Tactic::Secrecy], minor)
                .into_iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        };
        assert!(ids(true).contains(&"take_it_down".to_owned()));
        assert!(!ids(false).contains(&"take_it_down".to_owned()));
        assert_eq!(ids(false)[0], "trusted_adult");
        assert!(book.advise(Language::En, Category::None, Tactic::ALL, true).is_empty());
    }

    #[test]
    fn missing_keys_are_named() {
        let mut sources = DEFAULT_SOURCES.to_vec();
        sources[3].1 = "language = \"ko\"\n[general]\ndont_pay = \"x\"\n[tactic]\n";
        let err = AdviceBook::from_sources(&sources).unwrap_err().to_string();
        assert_eq!(err, "advice `ko`: missing `general.stop_contact`");
        sources[3].1 = DEFAULT_SOURCES[4].1;
        let err = AdviceBook::from_sources(&sources).unwrap_err().to_string();
        assert_eq!(err, "advice `ko`: the file says `language = \"vi\"`; expected \"ko\"");
    }

    #[test]
    fn detects_language_from_scripts() {
        let c =
            |latin, vietnamese, han, traditional, hangul| ScriptCounts { latin, vietnamese, han, traditional, hangul };
        assert_eq!(Language::detect(&c(0, 0, 0, 0, 5)), Language::Ko);
        assert_eq!(Language::detect(&c(0, 0, 20, 0, 0)), Language::ZhHans);
        assert_eq!(Language::detect(&c(0, 0, 20, 6, 0)), Language::ZhHant);
        assert_eq!(Language::detect(&c(40, 6, 0, 0, 0)), Language::Vi);
        assert_eq!(Language::detect(&c(40, 0, 0, 0, 0)), Language::En);
    }
}
