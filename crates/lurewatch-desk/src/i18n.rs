//! The pages' words in zh-Hant, zh-Hans, en, ko and vi, kept as data (`locales/*.toml`),
//! and the choice of language from the browser's `Accept-Language`.

use std::collections::HashMap;
use std::sync::LazyLock;

use lurewatch_core::Language;

const SOURCES: &[(Language, &str)] = &[
    (Language::En, include_str!("../locales/en.toml")),
    (Language::ZhHans, include_str!("../locales/zh-Hans.toml")),
    (Language::ZhHant, include_str!("../locales/zh-Hant.toml")),
    (Language::Ko, include_str!("../locales/ko.toml")),
    (Language::Vi, include_str!("../locales/vi.toml")),
];

/// The words of one language.
#[derive(Debug)]
pub struct Texts {
    language: Language,
    words: HashMap<String, String>,
}

impl Texts {
    /// The words of `language`.
    pub fn of(language: Language) -> &'static Texts {
        static ALL: LazyLock<Vec<Texts>> = LazyLock::new(|| {
            SOURCES
                .iter()
                .map(|(language, source)| Texts {
                    language: *language,
                    words: toml::from_str(source)
                        .unwrap_or_else(|e| panic!("built-in locale {language} does not parse: {e}")),
                })
                .collect()
        });
        ALL.iter().find(|t| t.language == language).expect("every language has a locale")
    }

    /// The language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The text of `key`; the English text if this language lacks it (tests keep that
    /// from happening), the key itself if English lacks it too.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        match self.words.get(key) {
            Some(s) => s,
            None if self.language != Language::En => Texts::of(Language::En).get(key),
            None => key,
        }
    }

    /// The keys.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.words.keys().map(String::as_str)
    }
}

/// The language a tag names (`zh-HK` → traditional Chinese), if lurewatch speaks it.
pub fn from_tag(tag: &str) -> Option<Language> {
    let tag = tag.trim().to_ascii_lowercase();
    let mut parts = tag.split(['-', '_']);
    match parts.next()? {
        "en" => Some(Language::En),
        "ko" => Some(Language::Ko),
        "vi" => Some(Language::Vi),
        "zh" | "yue" => {
            let rest: Vec<&str> = parts.collect();
            let traditional = tag.starts_with("yue") || rest.iter().any(|p| matches!(*p, "hant" | "tw" | "hk" | "mo"));
            let simplified = rest.iter().any(|p| matches!(*p, "hans" | "cn" | "sg"));
            Some(if traditional && !simplified { Language::ZhHant } else { Language::ZhHans })
        }
        _ => None,
    }
}

/// The best language for an `Accept-Language` header; English when none fits.
pub fn negotiate(header: &str) -> Language {
    let mut best: Option<(f32, usize, Language)> = None;
    for (i, item) in header.split(',').take(32).enumerate() {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("");
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok())).unwrap_or(1.0);
        if let Some(language) = from_tag(tag)
            && q > 0.0
            && best.is_none_or(|(bq, _, _)| q > bq)
        {
            best = Some((q, i, language));
        }
    }
    best.map_or(Language::En, |(_, _, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let english: Vec<&str> = Texts::of(Language::En).keys().collect();
        for &language in Language::ALL {
            let texts = Texts::of(language);
            for key in &english {
                assert!(texts.words.contains_key(*key), "{language} lacks `{key}`");
            }
            for key in texts.keys() {
                assert!(english.contains(&key), "{language} has `{key}`, which English lacks");
            }
        }
        assert_eq!(Texts::of(Language::Ko).get("no-such-key"), "no-such-key");
    }

    #[test]
    fn the_browser_language_is_understood() {
        assert_eq!(negotiate("zh-HK,zh;q=0.9,en;q=0.8"), Language::ZhHant);
        assert_eq!(negotiate("zh-TW"), Language::ZhHant);
        assert_eq!(negotiate("zh-Hant-HK"), Language::ZhHant);
        assert_eq!(negotiate("yue"), Language::ZhHant);
        assert_eq!(negotiate("zh-CN,zh;q=0.9"), Language::ZhHans);
        assert_eq!(negotiate("zh"), Language::ZhHans);
        assert_eq!(negotiate("ko-KR,ko;q=0.9,en-US;q=0.8"), Language::Ko);
        assert_eq!(negotiate("vi-VN,vi;q=0.9"), Language::Vi);
        assert_eq!(negotiate("fr-FR,fr;q=0.9,vi;q=0.5"), Language::Vi);
        assert_eq!(negotiate("en;q=0.3,ko;q=0.8"), Language::Ko);
        assert_eq!(negotiate("de-DE"), Language::En);
        assert_eq!(negotiate(""), Language::En);
        assert_eq!(negotiate("ko;q=0"), Language::En);
    }
}
