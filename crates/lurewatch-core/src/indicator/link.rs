//! Links, domains, e-mail and IP addresses.
//!
//! Links are found with or without a scheme, also when written defanged (`hxxp`, `[.]`,
//! `(dot)`, made whole before this runs) or with an internationalised domain (kept in
//! punycode). A link without a scheme counts only if its suffix is on the public suffix
//! list and is not one that file names use (`setup.py`, `video.mov`). Each link gives:
//!
//! - a `url`, canonical host, port, path and query, without scheme or fragment;
//! - a `domain`, the registrable domain by the public suffix list (`a.b.example.co.uk` →
//!   `example.co.uk`);
//! - flags: shorteners, app downloads (`.apk`, side-load and beta-test pages) and app
//!   store pages;
//! - the account behind links that name one: `t.me/name`, `wa.me/852…`,
//!   `open.kakao.com/o/…`, `line.me/ti/p/~id`, `instagram.com/name`, `paypal.me/name`,
//!   `qr.alipay.com/…` and others.

use std::net::{Ipv4Addr, Ipv6Addr};

use linkify::{LinkFinder, LinkKind};
use url::{Host, Url};

use super::{Ctx, Flag, Found, IndicatorKind, boundary_after, boundary_before, overlaps, phone};

/// Link shorteners: the link hides where it goes.
const SHORTENERS: &[&str] = &[
    "bit.ly",
    "bitly.com",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "v.gd",
    "buff.ly",
    "cutt.ly",
    "rb.gy",
    "shorturl.at",
    "tiny.cc",
    "t.ly",
    "rebrand.ly",
    "s.id",
    "bit.do",
    "lnkd.in",
    "surl.li",
    "u.to",
    "qr.net",
    "dwz.cn",
    "t.cn",
    "url.cn",
    "suo.im",
    "me2.do",
    "han.gl",
    "vo.la",
    "rebrandly.com",
    "shorte.st",
    "adf.ly",
    "tinyurl.mobi",
    "short.gy",
    "x.gd",
    "kutt.it",
    "2no.co",
    "clck.ru",
    "urlz.fr",
];

/// Pages that hand out apps outside the stores (beta-test and enterprise distribution).
const SIDELOAD: &[&str] =
    &["pgyer.com", "fir.im", "fir.vip", "firim.vip", "testflight.apple.com", "diawi.com", "appcenter.ms"];

/// App store pages.
const STORES: &[(&str, &str)] = &[
    ("apps.apple.com", "/"),
    ("itunes.apple.com", "/"),
    ("play.google.com", "/store/apps"),
    ("appgallery.huawei.com", "/"),
    ("galaxystore.samsung.com", "/"),
    ("sj.qq.com", "/"),
    ("app.mi.com", "/"),
];

/// File extensions that are also top-level domains: `setup.py` is a file name unless it
/// has a scheme, `www.` or a path.
const FILE_LIKE: &[&str] = &[
    "py", "sh", "md", "rs", "pl", "so", "ps", "pm", "zip", "mov", "js", "ts", "cc", "in", "do", "sc", "mp", "ai", "gg",
];

/// The compiled link finder.
#[derive(Debug)]
pub(crate) struct Links {
    finder: LinkFinder,
}

impl Links {
    pub(crate) fn new() -> Links {
        let mut finder = LinkFinder::new();
        finder.url_must_have_scheme(false).url_can_be_iri(true).kinds(&[LinkKind::Url, LinkKind::Email]);
        Links { finder }
    }

    /// Appends the links and e-mail addresses in the prepared text.
    pub(crate) fn extract(&self, ctx: &Ctx<'_>, out: &mut Vec<Found>) {
        let text = ctx.text;
        bracketed_links(ctx, out);
        if !text.bytes().any(|b| matches!(b, b'.' | b'@')) {
            return;
        }
        for link in self.finder.links(text) {
            let span = (link.start(), link.end());
            match link.kind() {
                LinkKind::Email => {
                    let value = link.as_str().to_lowercase();
                    if value.rsplit_once('.').is_some_and(|(_, tld)| tld.len() >= 2) {
                        out.push(Found::new(IndicatorKind::Email, value, span));
                    }
                }
                LinkKind::Url => url(ctx, link.as_str(), span, out),
                _ => {}
            }
        }
    }
}

/// Links to an IPv6 host (`http://[2a01:4f8::1]:8080/x.apk`), which the link finder does
/// not read: from the scheme to the first space, less the punctuation that ends a sentence.
/// Linear: a message of `://[` repeated reads each byte once.
fn bracketed_links(ctx: &Ctx<'_>, out: &mut Vec<Found>) {
    let bytes = ctx.text.as_bytes();
    let mut read_to = 0;
    for at in memchr::memmem::find_iter(bytes, b"://[") {
        if at < read_to {
            continue;
        }
        let start = at - bytes[..at].iter().rev().take_while(|b| b.is_ascii_alphabetic()).count();
        let len = bytes[at..].iter().take_while(|&&b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"')).count();
        read_to = at + len;
        let mut end = at + len;
        while end > at && matches!(bytes[end - 1], b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'\'') {
            end -= 1;
        }
        if start < at {
            url(ctx, &ctx.text[start..end], (start, end), out);
        }
    }
}

fn url(ctx: &Ctx<'_>, raw: &str, span: (usize, usize), out: &mut Vec<Found>) {
    let has_scheme = raw.contains("://");
    let parsed = if has_scheme { Url::parse(raw) } else { Url::parse(&format!("http://{raw}")) };
    let Ok(parsed) = parsed else { return };
    if !matches!(parsed.scheme(), "http" | "https" | "ftp") {
        return;
    }
    let host = match parsed.host() {
        Some(Host::Domain(d)) => d.trim_end_matches('.').to_owned(),
        Some(Host::Ipv4(ip)) => {
            // A bare dotted number is read by `extract_ips`, which knows versions.
            if !has_scheme && parsed.path().len() <= 1 {
                return;
            }
            out.push(Found::new(IndicatorKind::Ip, ip.to_string(), span));
            ip.to_string()
        }
        Some(Host::Ipv6(ip)) => {
            out.push(Found::new(IndicatorKind::Ip, ip.to_string(), span));
            format!("[{ip}]")
        }
        None => return,
    };
    let registrable = if parsed.host().is_some_and(|h| matches!(h, Host::Domain(_))) {
        let Some(suffix) = psl::suffix(host.as_bytes()) else { return };
        if !suffix.is_known() {
            return;
        }
        let tld = host.rsplit('.').next().unwrap_or_default();
        let path_given = parsed.path().len() > 1 || parsed.query().is_some();
        if !has_scheme && !host.starts_with("www.") && !path_given && FILE_LIKE.contains(&tld) {
            return;
        }
        match psl::domain_str(&host) {
            Some(d) => Some(d.to_owned()),
            None => return,
        }
    } else {
        None
    };

    let mut value = host.clone();
    if let Some(port) = parsed.port() {
        value.push_str(&format!(":{port}"));
    }
    if parsed.path() != "/" {
        value.push_str(parsed.path());
    }
    if let Some(q) = parsed.query() {
        value.push('?');
        value.push_str(q);
    }
    let mut found = Found::new(IndicatorKind::Url, value, span);
    let domain = registrable.as_deref().unwrap_or(&host);
    let path = parsed.path().to_ascii_lowercase();
    if SHORTENERS.contains(&domain) || SHORTENERS.contains(&host.as_str()) {
        found = found.flag(Flag::Shortener);
    }
    let app_file = [".apk", ".xapk", ".apks", ".ipa", ".mobileconfig"].iter().any(|e| path.ends_with(e));
    if app_file || SIDELOAD.contains(&domain) || SIDELOAD.contains(&host.as_str()) {
        found = found.flag(Flag::AppDownload);
    } else if STORES.iter().any(|&(h, p)| host == h && path.starts_with(p)) {
        found = found.flag(Flag::AppStore);
    }
    if host.split('.').any(|label| label.starts_with("xn--")) {
        found = found.flag(Flag::International);
    }
    let flags = found.flags.clone();
    out.push(found);
    if let Some(d) = registrable {
        let mut f = Found::new(IndicatorKind::Domain, d, span);
        f.flags = flags.into_iter().filter(|f| matches!(f, Flag::Shortener | Flag::International)).collect();
        out.push(f);
    }
    if let Some(account) = account_in_link(ctx, &host, parsed.path(), span) {
        out.push(account);
    }
}

/// The account a link names, for platforms whose links carry one.
fn account_in_link(ctx: &Ctx<'_>, host: &str, path: &str, span: (usize, usize)) -> Option<Found> {
    let host = host.strip_prefix("www.").unwrap_or(host);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let first = *segs.first()?;
    let name = |s: &str| {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        ok.then(|| s.to_ascii_lowercase())
    };
    let (kind, platform, value) = match host {
        "t.me" | "telegram.me" if !first.starts_with('+') && first != "joinchat" => {
            (IndicatorKind::Handle, "telegram", name(first)?)
        }
        "wa.me" | "api.whatsapp.com" => {
            let digits: String = first.chars().filter(char::is_ascii_digit).collect();
            let (e164, _) = phone::canonical(&format!("+{digits}"), ctx.language)?;
            (IndicatorKind::Handle, "whatsapp", e164)
        }
        "open.kakao.com" if first == "o" => (IndicatorKind::Handle, "kakao_openchat", segs.get(1)?.to_string()),
        "line.me" => {
            let id = segs.iter().rev().find(|s| s.starts_with('~') || s.starts_with('@') || s.starts_with("%40"))?;
            let id = id.trim_start_matches('~').trim_start_matches("%40");
            (IndicatorKind::Handle, "line", name(id.trim_start_matches('@'))?)
        }
        "instagram.com" if !matches!(first, "p" | "reel" | "explore" | "stories") => {
            (IndicatorKind::Handle, "instagram", name(first)?)
        }
        "snapchat.com" if first == "add" => (IndicatorKind::Handle, "snapchat", name(segs.get(1)?)?),
        "tiktok.com" if first.starts_with('@') => (IndicatorKind::Handle, "tiktok", name(&first[1..])?),
        "paypal.me" => (IndicatorKind::PaymentHandle, "paypal", name(first)?),
        "paypal.com" if first == "paypalme" => (IndicatorKind::PaymentHandle, "paypal", name(segs.get(1)?)?),
        "cash.app" => (IndicatorKind::PaymentHandle, "cash_app", format!("${}", name(first.trim_start_matches('$'))?)),
        "venmo.com" => (IndicatorKind::PaymentHandle, "venmo", name(if first == "u" { segs.get(1)? } else { first })?),
        "qr.alipay.com" => (IndicatorKind::PaymentQr, "alipay", format!("qr.alipay.com/{first}")),
        _ => return None,
    };
    Some(Found::new(kind, format!("{platform}:{value}"), span).platform(platform))
}

/// Words before a dotted number that make it a version, not an address.
const VERSION_WORDS: &[&str] = &["version", "ver", "build", "release", "v", "版本", "버전", "phiên bản", "phien ban"];

/// Appends bare IP addresses that are reachable on the internet; private, loopback and
/// documentation addresses name no one. An IPv6 address counts only in the global unicast
/// range (`2000::/3`, written from a `2` or a `3`), so times (`20:30:15`), ratios and MAC
/// addresses are never read as one.
pub(crate) fn extract_ips(ctx: &Ctx<'_>, taken: &mut Vec<(usize, usize)>, out: &mut Vec<Found>) {
    let text = ctx.text;
    let bytes = text.as_bytes();
    let mut read_to = 0;
    for &at in ctx.digit_runs {
        if at < read_to || !boundary_before(bytes, at) || at > 0 && matches!(bytes[at - 1], b'.' | b':') {
            continue;
        }
        if let Some((end, ip)) = ipv6_at(bytes, at) {
            read_to = end;
            if !overlaps(taken, at, end) {
                taken.push((at, end));
                out.push(Found::new(IndicatorKind::Ip, ip.to_string(), (at, end)));
            }
            continue;
        }
        let end = at + bytes[at..].iter().take_while(|b| b.is_ascii_digit() || **b == b'.').count();
        let s = text[at..end].trim_end_matches('.');
        let end = at + s.len();
        read_to = end;
        if s.split('.').count() != 4 || !boundary_after(bytes, end) || overlaps(taken, at, end) {
            continue;
        }
        let Ok(ip) = s.parse::<Ipv4Addr>() else { continue };
        if ip.is_private()
            || ip.is_loopback()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || ip.is_documentation()
            || ip.is_multicast()
            || ip.octets()[0] == 255
        {
            continue;
        }
        let start = end - s.len();
        let before = text[text.floor_char_boundary(start.saturating_sub(14))..start].to_lowercase();
        let before = before.trim_end();
        if VERSION_WORDS.iter().any(|w| {
            before.ends_with(w)
                && before[..before.len() - w.len()].chars().next_back().is_none_or(|c| !c.is_alphanumeric())
        }) {
            continue;
        }
        taken.push((start, end));
        out.push(Found::new(IndicatorKind::Ip, ip.to_string(), (start, end)));
    }
}

/// A global unicast IPv6 address written at `at`, and where it ends.
fn ipv6_at(bytes: &[u8], at: usize) -> Option<(usize, Ipv6Addr)> {
    if !matches!(bytes[at], b'2' | b'3') {
        return None;
    }
    let len = bytes[at..].iter().take_while(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.')).count();
    // A dot after the address ends a sentence, unless an IPv4 tail (`2001:db8::1.2.3.4`) parses.
    let mut end = at + len;
    while end > at && bytes[end - 1] == b'.' {
        end -= 1;
    }
    let s = std::str::from_utf8(&bytes[at..end]).ok()?;
    if s.bytes().filter(|&b| b == b':').count() < 2 || !boundary_after(bytes, end) {
        return None;
    }
    let ip: Ipv6Addr = s.parse().ok()?;
    let [first, second, ..] = ip.segments();
    let global_unicast = first & 0xe000 == 0x2000;
    let documentation = first == 0x2001 && second == 0x0db8 || first == 0x3fff && second < 0x1000;
    (global_unicast && !documentation).then_some((end, ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advice::Language;

    fn links(text: &str) -> Vec<(IndicatorKind, String, Vec<Flag>)> {
        let links = Links::new();
        let found = crate::indicator::scan(text, Language::En, |ctx, taken, out| {
            links.extract(ctx, out);
            // As the extractor does: what a link covers is not read again.
            taken.extend(out.iter().map(|f| (f.start as usize, f.end as usize)));
            extract_ips(ctx, taken, out);
        });
        found.into_iter().map(|f| (f.kind, f.value, f.flags)).collect()
    }

    fn values(text: &str) -> Vec<String> {
        links(text).into_iter().map(|(k, v, _)| format!("{k}:{v}")).collect()
    }

    #[test]
    fn links_with_and_without_scheme() {
        assert_eq!(
            values("go to https://Evil.Example.com/x?y=1#top now"),
            ["url:evil.example.com/x?y=1", "domain:example.com"]
        );
        assert_eq!(
            values("download at www.video-chat.co.uk/app"),
            ["url:www.video-chat.co.uk/app", "domain:video-chat.co.uk"]
        );
        assert_eq!(values("vào dichvucongg.top/vn"), ["url:dichvucongg.top/vn", "domain:dichvucongg.top"]);
    }

    #[test]
    fn flags() {
        let l =
            links("install http://1.2.3.4/live.apk and bit.ly/abc and https://play.google.com/store/apps/details?id=x");
        assert!(
            l.iter()
                .any(|(k, v, f)| *k == IndicatorKind::Url && v == "1.2.3.4/live.apk" && f.contains(&Flag::AppDownload))
        );
        assert!(l.iter().any(|(k, v, _)| *k == IndicatorKind::Ip && v == "1.2.3.4"));
        assert!(
            l.iter().any(|(k, v, f)| *k == IndicatorKind::Url && v == "bit.ly/abc" && f.contains(&Flag::Shortener))
        );
        assert!(l.iter().any(|(_, v, f)| v.starts_with("play.google.com") && f.contains(&Flag::AppStore)));
        let idn = links("http://bücher.de/");
        assert_eq!(idn[0].1, "xn--bcher-kva.de");
        assert!(idn[0].2.contains(&Flag::International));
    }

    #[test]
    fn accounts_behind_links() {
        let v = values("t.me/hotgirl88 wa.me/85291234567 https://open.kakao.com/o/sAbC123 paypal.me/Jenny22");
        for want in [
            "handle:telegram:hotgirl88",
            "handle:whatsapp:+85291234567",
            "handle:kakao_openchat:sAbC123",
            "payment_handle:paypal:jenny22",
        ] {
            assert!(v.contains(&want.to_owned()), "{want} in {v:?}");
        }
    }

    #[test]
    fn not_links() {
        for text in [
            "see setup.py and main.rs",
            "ok.see you",
            "v1.2.3.4",
            "version 8.8.8.8",
            "router at 192.168.1.1",
            "e.g. this",
            "3.14159",
        ] {
            assert!(values(text).is_empty(), "{text}: {:?}", values(text));
        }
        assert_eq!(values("dns 8.8.8.8"), ["ip:8.8.8.8"]);
    }

    #[test]
    fn hostile_bracketed_links_are_read_in_linear_time() {
        // Every `://[` of one long token would otherwise read the rest of it again.
        assert!(values(&"a://[".repeat(40_000)).is_empty());
    }

    #[test]
    fn ipv6_hosts_and_addresses() {
        assert_eq!(
            values("tải app ở http://[2a01:4F8:c17:2E5::1]:8080/live.apk nhé"),
            ["ip:2a01:4f8:c17:2e5::1", "url:[2a01:4f8:c17:2e5::1]:8080/live.apk"]
        );
        assert!(
            links("https://[2606:4700::6810:84e5]/vip")
                .iter()
                .any(|(k, v, _)| *k == IndicatorKind::Url && v == "[2606:4700::6810:84e5]/vip")
        );
        // Written out in full or shortened, one address has one key.
        assert_eq!(values("服务器 2606:4700:0000:0000:0000:0000:6810:84E5。"), ["ip:2606:4700::6810:84e5"]);
        assert_eq!(values("server at 2606:4700::6810:84e5."), ["ip:2606:4700::6810:84e5"]);
        for text in [
            "meet at 20:30:15",
            "score 2:1 then 3:0",
            "mac 00:1a:2b:3c:4d:5e",
            "router fe80::1 and ::1",
            "docs 2001:db8::1 and 3fff:0:1::2",
            "private fd12:3456:789a::1",
            "on 2024:11:22 at noon",
            "v2::3 is weird",
        ] {
            assert!(values(text).is_empty(), "{text}: {:?}", values(text));
        }
    }
}
