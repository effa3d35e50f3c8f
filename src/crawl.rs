//! The generated site, crawled as GitHub Pages would serve it: every internal
//! `href`/`src` must land on a file in the output, every `#fragment` on an id of
//! the target page, and nothing may point outside the base path.
//!
//! This works on the in-memory `Output`, so `kiji check` and the tests see exactly
//! what `kiji build` would write.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use scraper::{Html, Selector};

use crate::config::SiteConfig;
use crate::output::Output;

/// The made-up address the 404 page is checked from: GitHub Pages serves it for
/// every missing path, at any depth, so only links absolute under the base path work.
pub const MISSING_PAGE: &str = "a/b/c/missing";

/// The URL path a generated file is served at under `base_path`.
pub fn served_at(base_path: &str, file: &str) -> String {
    if file == "404.html" {
        return format!("{base_path}{MISSING_PAGE}");
    }
    let page = file.strip_suffix("index.html").unwrap_or(file);
    format!("{base_path}{page}")
}

/// What is wrong with one link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkProblem {
    #[error("`{url}` leaves the base path {base}: served from {base}, it points at another site")]
    EscapesBase { url: String, base: String },
    #[error("`{url}` points at {path}, which is not in the output")]
    Missing { url: String, path: String },
    #[error("`{url}` in an entry's content is relative: feed readers resolve it against the feed, not the article")]
    RelativeInFeed { url: String },
    #[error("`{url}`: {page} has no element with id \"{fragment}\"")]
    NoFragment {
        url: String,
        page: String,
        fragment: String,
    },
}

impl LinkProblem {
    pub fn url(&self) -> &str {
        match self {
            LinkProblem::EscapesBase { url, .. }
            | LinkProblem::Missing { url, .. }
            | LinkProblem::RelativeInFeed { url }
            | LinkProblem::NoFragment { url, .. } => url,
        }
    }
}

/// A broken link and the generated file it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// Output path of the file holding the link (`articles/a/index.html`).
    pub file: String,
    /// The element and attribute, e.g. `img src`.
    pub attribute: String,
    pub problem: LinkProblem,
}

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// Not ours to check offline: another host, `mailto:`, `data:`, …
    External,
    /// A path on this host with its fragment, both percent-decoded.
    Local {
        path: String,
        fragment: Option<String>,
    },
    /// `#fragment` alone: the document itself, wherever it is served.
    SameDocument { fragment: String },
}

/// The served site: the output plus the addresses it is served at.
pub struct Site<'a> {
    output: &'a Output,
    /// `/repo/` or `/`.
    base: String,
    /// `https://user.github.io`, or empty when base_url is only a path.
    origin: String,
    /// Per HTML page: the ids fragments may point at.
    ids: HashMap<String, BTreeSet<String>>,
    /// Per file: `(element attribute, url)` of every URL in it.
    links: BTreeMap<String, Vec<(String, String)>>,
}

/// What one generated file holds: its ids (HTML only) and its URLs.
type Scanned = (String, Option<BTreeSet<String>>, Vec<(String, String)>);

impl<'a> Site<'a> {
    pub fn new(output: &'a Output, config: &SiteConfig) -> Self {
        // Each page is parsed once, pages in parallel: check must stay quick on big sites.
        let scanned: Vec<Scanned> = output
            .files
            .par_iter()
            .map(|(file, bytes)| scan(file, &String::from_utf8_lossy(bytes)))
            .collect();
        let mut ids = HashMap::new();
        let mut links = BTreeMap::new();
        for (file, page_ids, page_links) in scanned {
            if let Some(page_ids) = page_ids {
                ids.insert(file.clone(), page_ids);
            }
            links.insert(file, page_links);
        }
        Site {
            output,
            base: config.base_path(),
            origin: config.origin(),
            ids,
            links,
        }
    }

    /// The URL path a generated file is served at (`articles/a/index.html` → `/repo/articles/a/`).
    pub fn served_at(&self, file: &str) -> String {
        served_at(&self.base, file)
    }

    /// Every broken link in every HTML page, CSS file, JSON-LD block, the feed and glossary.json.
    pub fn broken_links(&self) -> Vec<BrokenLink> {
        let mut broken = Vec::new();
        for (file, links) in &self.links {
            for (attribute, url) in links.iter().cloned() {
                let in_feed_content = file == "feed.xml" && attribute.starts_with("content");
                let result = if in_feed_content && !self.origin.is_empty() && !is_absolute(&url) {
                    Err(LinkProblem::RelativeInFeed { url: url.clone() })
                } else {
                    self.check(file, &url)
                };
                if let Err(problem) = result {
                    broken.push(BrokenLink {
                        file: file.clone(),
                        attribute,
                        problem,
                    });
                }
            }
        }
        broken
    }

    /// Checks one link found in the generated file `file`.
    pub fn check(&self, file: &str, url: &str) -> Result<(), LinkProblem> {
        let (path, fragment) = match self.target(&self.served_at(file), url) {
            Target::External => return Ok(()),
            Target::SameDocument { fragment } => {
                return self.check_fragment(url, file.to_string(), Some(fragment))
            }
            Target::Local { path, fragment } => (path, fragment),
        };
        let escapes = || LinkProblem::EscapesBase {
            url: url.to_string(),
            base: self.base.clone(),
        };
        // `/repo` without its slash is redirected to `/repo/` by GitHub Pages.
        let rel = if path == self.base.trim_end_matches('/') {
            ""
        } else {
            path.strip_prefix(&self.base).ok_or_else(escapes)?
        };
        let file = self.file_for(rel).ok_or_else(|| LinkProblem::Missing {
            url: url.to_string(),
            path: path.clone(),
        })?;
        self.check_fragment(url, file, fragment)
    }

    /// An empty fragment and `#top` need no element: browsers scroll to the top.
    fn check_fragment(
        &self,
        url: &str,
        file: String,
        fragment: Option<String>,
    ) -> Result<(), LinkProblem> {
        match (fragment, self.ids.get(&file)) {
            (Some(f), Some(ids)) if !f.is_empty() && f != "top" && !ids.contains(&f) => {
                Err(LinkProblem::NoFragment {
                    url: url.to_string(),
                    page: file,
                    fragment: f,
                })
            }
            _ => Ok(()),
        }
    }

    /// The output file GitHub Pages serves for a path under the base path.
    fn file_for(&self, rel: &str) -> Option<String> {
        let candidates = if rel.is_empty() || rel.ends_with('/') {
            vec![format!("{rel}index.html")]
        } else {
            vec![rel.to_string(), format!("{rel}/index.html")]
        };
        candidates
            .into_iter()
            .find(|c| self.output.files.contains_key(c))
    }

    fn target(&self, from: &str, url: &str) -> Target {
        let url = url.trim();
        let on_host = match strip_origin(url, &self.origin) {
            Some(rest) => rest,
            None if is_absolute(url) => return Target::External,
            None => url.to_string(),
        };
        let (rest, fragment) = match on_host.split_once('#') {
            Some((r, f)) => (r, Some(percent_decode(f))),
            None => (on_host.as_str(), None),
        };
        let path = rest.split(['?']).next().unwrap_or("");
        let joined = if path.is_empty() {
            // `""`, `?q` and `#f` all stay on the document itself.
            return Target::SameDocument {
                fragment: fragment.unwrap_or_default(),
            };
        } else if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}{path}", &from[..from.rfind('/').map_or(0, |i| i + 1)])
        };
        Target::Local {
            path: percent_decode(&normalize(&joined)),
            fragment,
        }
    }
}

/// `https://host/x` → `/x` when `origin` is `https://host` (and `https://host#f` → `/#f`).
fn strip_origin(url: &str, origin: &str) -> Option<String> {
    if origin.is_empty() {
        return None;
    }
    let rest = url.strip_prefix(origin)?;
    match rest.chars().next() {
        None | Some('#' | '?') => Some(format!("/{rest}")),
        Some('/') => Some(rest.to_string()),
        Some(_) => None,
    }
}

fn is_absolute(url: &str) -> bool {
    has_scheme(url) || url.starts_with("//")
}

fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// Resolves `.` and `..` like a browser: `..` at the root stays at the root.
fn normalize(path: &str) -> String {
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("built-in selectors are valid")
}

fn scan(file: &str, text: &str) -> Scanned {
    if file.ends_with(".html") {
        let doc = Html::parse_document(text);
        return (file.to_string(), Some(element_ids(&doc)), html_links(&doc));
    }
    let links = if file.ends_with(".css") {
        css_links(text)
    } else if file.ends_with(".json") {
        json_links(text)
    } else if file == "feed.xml" || file == "sitemap.xml" {
        xml_links(text)
    } else {
        Vec::new()
    };
    (file.to_string(), None, links)
}

/// Every `id` (and legacy `<a name>`) on a page: the fragments links may point at.
pub fn element_ids(doc: &Html) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for el in doc.select(&selector("[id], a[name]")) {
        ids.extend(el.value().id().map(String::from));
        ids.extend(el.value().attr("name").map(String::from));
    }
    ids
}

/// Attributes that hold a single URL.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "poster", "action", "data", "cite"];

/// `(element attribute, url)` for every URL in an HTML page, JSON-LD included.
pub fn html_links(doc: &Html) -> Vec<(String, String)> {
    let mut links = Vec::new();
    for el in doc.root_element().descendent_elements() {
        let name = el.value().name();
        if name == "base" {
            continue;
        }
        for attr in URL_ATTRIBUTES {
            if let Some(url) = el.value().attr(attr) {
                links.push((format!("{name} {attr}"), url.to_string()));
            }
        }
        if let Some(srcset) = el.value().attr("srcset") {
            for candidate in srcset.split(',') {
                if let Some(url) = candidate.split_whitespace().next() {
                    links.push((format!("{name} srcset"), url.to_string()));
                }
            }
        }
        // Same-page references by id: tooltips and labels break as silently as links.
        for attr in ["aria-describedby", "aria-labelledby", "aria-controls"] {
            for id in el.value().attr(attr).unwrap_or("").split_whitespace() {
                links.push((format!("{name} {attr}"), format!("#{id}")));
            }
        }
    }
    for el in doc.select(&selector(
        "meta[property='og:url'], meta[property='og:image'], meta[name='twitter:image']",
    )) {
        if let Some(url) = el.value().attr("content") {
            links.push(("meta content".into(), url.to_string()));
        }
    }
    for el in doc.select(&selector("script[type='application/ld+json']")) {
        let text: String = el.text().collect();
        links.extend(
            json_links(&text)
                .into_iter()
                .map(|(k, u)| (format!("JSON-LD {k}"), u)),
        );
    }
    links
}

/// `url(...)` references in a stylesheet.
pub fn css_links(css: &str) -> Vec<(String, String)> {
    css.match_indices("url(")
        .filter_map(|(i, _)| {
            let rest = &css[i + 4..];
            let inner = &rest[..rest.find(')')?];
            let url = inner.trim().trim_matches(['"', '\'']).to_string();
            (!url.is_empty()).then(|| ("css url()".to_string(), url))
        })
        .collect()
}

/// String values of `url` and `@id` keys anywhere in a JSON document.
pub fn json_links(text: &str) -> Vec<(String, String)> {
    fn walk(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(s) if k == "url" || k == "@id" => {
                            out.push((format!("\"{k}\""), s.clone()))
                        }
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str(text) {
        walk(&v, &mut out);
    }
    out
}

/// Links in the feed and sitemap: `<link href>`, `<loc>`, and every URL inside
/// the entries' HTML content (which feed readers show out of the site's context).
pub fn xml_links(text: &str) -> Vec<(String, String)> {
    let Ok(doc) = roxmltree::Document::parse(text) else {
        return Vec::new();
    };
    let mut links = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        if let Some(href) = node.attribute("href") {
            links.push((format!("{name} href"), href.to_string()));
        }
        if name == "loc" {
            links.push(("loc".into(), node.text().unwrap_or("").trim().to_string()));
        }
        if name == "content" && node.attribute("type") == Some("html") {
            let fragment = Html::parse_fragment(node.text().unwrap_or(""));
            for el in fragment.root_element().descendent_elements() {
                for attr in ["href", "src"] {
                    if let Some(url) = el.value().attr(attr) {
                        links.push((format!("content {} {attr}", el.value().name()), url.into()));
                    }
                }
            }
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)], base_url: &str) -> (Output, SiteConfig) {
        let mut output = Output::default();
        for (p, t) in files {
            output.insert(*p, t.as_bytes());
        }
        let config = SiteConfig::parse(
            &format!("title = \"t\"\nbase_url = \"{base_url}\"\n"),
            "site.toml",
        )
        .unwrap();
        (output, config)
    }

    #[test]
    fn resolves_like_a_browser_under_a_subpath() {
        let (out, config) = site(
            &[
                ("index.html", "<h1 id=\"top-news\">x</h1>"),
                ("articles/a/index.html", "<h2 id=\"part\">x</h2>"),
                ("style.css", ""),
            ],
            "https://u.github.io/repo/",
        );
        let s = Site::new(&out, &config);
        let from = "articles/a/index.html";
        assert_eq!(s.served_at(from), "/repo/articles/a/");
        for ok in [
            "/repo/style.css",
            "../../style.css",
            "#part",
            "/repo/articles/a/#part",
            "https://u.github.io/repo/articles/a/",
            "https://u.github.io/repo#top-news",
            "/repo",
            "/repo/articles/a",
            "https://elsewhere.org/x",
            "mailto:a@b.c",
            "#top",
            "",
            "?page=2",
        ] {
            assert_eq!(s.check(from, ok), Ok(()), "{ok}");
        }
        assert!(matches!(
            s.check(from, "/style.css"),
            Err(LinkProblem::EscapesBase { .. })
        ));
        assert!(matches!(
            s.check(from, "https://u.github.io/other/"),
            Err(LinkProblem::EscapesBase { .. })
        ));
        assert!(matches!(
            s.check(from, "style.css"),
            Err(LinkProblem::Missing { .. })
        ));
        assert!(matches!(
            s.check(from, "/repo/#nope"),
            Err(LinkProblem::NoFragment { .. })
        ));
    }

    #[test]
    fn the_404_page_is_checked_from_a_deep_missing_path() {
        let (out, config) = site(
            &[
                (
                    "404.html",
                    "<a href=\"style.css\"><a href=\"#main\"><i id=\"main\">",
                ),
                ("style.css", ""),
            ],
            "/repo/",
        );
        let broken = Site::new(&out, &config).broken_links();
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!(broken[0].file, "404.html");
    }

    #[test]
    fn relative_links_in_feed_content_and_dangling_aria_ids_are_broken() {
        let feed = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><content type=\"html\">&lt;a href=&quot;#part&quot;&gt;x&lt;/a&gt;&lt;a href=&quot;https://u.github.io/repo/&quot;&gt;y&lt;/a&gt;</content></entry></feed>";
        let (out, config) = site(
            &[
                ("feed.xml", feed),
                (
                    "index.html",
                    "<a aria-describedby=\"tip-1\">t</a><span id=\"tip-2\"></span>",
                ),
            ],
            "https://u.github.io/repo/",
        );
        let broken = Site::new(&out, &config).broken_links();
        let problems: Vec<(&str, &LinkProblem)> = broken
            .iter()
            .map(|b| (b.file.as_str(), &b.problem))
            .collect();
        assert_eq!(
            problems,
            [
                (
                    "feed.xml",
                    &LinkProblem::RelativeInFeed {
                        url: "#part".into()
                    }
                ),
                (
                    "index.html",
                    &LinkProblem::NoFragment {
                        url: "#tip-1".into(),
                        page: "index.html".into(),
                        fragment: "tip-1".into()
                    }
                ),
            ]
        );
    }

    #[test]
    fn finds_links_in_css_json_ld_and_srcset() {
        assert_eq!(
            css_links("a{background:url('/i.png')} b{x:url(x.svg)}"),
            [
                ("css url()".to_string(), "/i.png".to_string()),
                ("css url()".to_string(), "x.svg".to_string())
            ]
        );
        let html = "<img srcset=\"a.png 1x, b.png 2x\"><script type=\"application/ld+json\">{\"url\":\"/u\",\"author\":{\"url\":\"/v\"}}</script>";
        let doc = Html::parse_document(html);
        let mut urls: Vec<String> = html_links(&doc).into_iter().map(|(_, u)| u).collect();
        urls.sort();
        assert_eq!(urls, ["/u", "/v", "a.png", "b.png"]);
    }
}
