//! Issue 6: publishing to GitHub Pages — every link right under any base path,
//! a valid feed and sitemap, a 404 page that works from any depth, the workflow,
//! and `kiji check` finding what a build cannot.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use kiji::{BuildOptions, Built};
use scraper::Html;

const PROJECT_URL: &str = "https://example.github.io/kiji-demo/";
const DOMAIN_URL: &str = "https://notes.example.org/";

/// The bundled publication, built in memory at `base_url`.
fn bundled(base_url: &str) -> Built {
    let opts = BuildOptions {
        drafts: false,
        base_url: Some(base_url.to_string()),
        today: Some(kiji::date::PartialDate::parse(BUILD_DATE).unwrap()),
    };
    kiji::build(Path::new(env!("CARGO_MANIFEST_DIR")), &opts)
        .unwrap_or_else(|d| panic!("the bundled site must build:\n{}", d.render()))
}

fn html_of(built: &Built, file: &str) -> Html {
    Html::parse_document(std::str::from_utf8(built.output.get(file).unwrap()).unwrap())
}

/// A deliberately separate, minimal resolver (not kiji's own crawler), so a bug
/// in one cannot hide a bug in the other.
struct Served<'a> {
    built: &'a Built,
    origin: String,
    base: String,
    ids: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Served<'a> {
    fn new(built: &'a Built, base_url: &str) -> Self {
        let (scheme, rest) = base_url.split_once("://").unwrap();
        let (host, path) = rest.split_once('/').unwrap();
        let ids = built
            .output
            .files
            .keys()
            .filter(|f| f.ends_with(".html"))
            .map(|f| {
                let doc = html_of(built, f);
                let ids = select(&doc, "[id]")
                    .iter()
                    .filter_map(|e| e.value().id().map(String::from))
                    .collect();
                (f.clone(), ids)
            })
            .collect();
        Served {
            built,
            origin: format!("{scheme}://{host}"),
            base: format!("/{path}"),
            ids,
        }
    }

    /// The URL path of the page a file is served at; the 404 page from a deep missing path.
    fn page_url(&self, file: &str) -> String {
        if file == "404.html" {
            return format!("{}a/b/c/missing", self.base);
        }
        format!("{}{}", self.base, file.trim_end_matches("index.html"))
    }

    /// Ok if `url`, found on the page at `from`, lands on a file (and id) of the output.
    fn resolve(&self, file: &str, url: &str) -> Result<(), String> {
        if let Some(fragment) = url.strip_prefix('#') {
            // The document itself, wherever it is served.
            return match fragment.is_empty() || self.ids[file].contains(fragment) {
                true => Ok(()),
                false => Err(format!("{url}: no id {fragment} in {file}")),
            };
        }
        let from = self.page_url(file);
        let url = url.strip_prefix(&self.origin).unwrap_or(url);
        if url.contains("://") || url.starts_with("mailto:") || url.starts_with("//") {
            return Ok(());
        }
        let (path, fragment) = url.split_once('#').unwrap_or((url, ""));
        let absolute = if path.is_empty() {
            from.to_string()
        } else if path.starts_with('/') {
            path.to_string()
        } else {
            let dir = &from[..=from.rfind('/').unwrap()];
            let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
            for seg in path.split('/') {
                match seg {
                    ".." => {
                        parts.pop();
                    }
                    "." => {}
                    s => parts.push(s),
                }
            }
            format!("/{}", parts.join("/"))
        };
        let rel = absolute
            .strip_prefix(&self.base)
            .ok_or_else(|| format!("{url} escapes {}", self.base))?;
        let file = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        if self.built.output.get(&file).is_none() {
            return Err(format!("{url}: no file {file}"));
        }
        if !fragment.is_empty() && !self.ids[&file].contains(fragment) {
            return Err(format!("{url}: no id {fragment} in {file}"));
        }
        Ok(())
    }

    /// Every `href`/`src` of every HTML file that does not resolve, with its file.
    fn broken(&self) -> (usize, Vec<String>) {
        let mut checked = 0;
        let mut broken = Vec::new();
        for file in self.ids.keys() {
            let doc = html_of(self.built, file);
            for attr in ["href", "src"] {
                for el in select(&doc, &format!("[{attr}]")) {
                    let url = el.value().attr(attr).unwrap();
                    checked += 1;
                    if let Err(e) = self.resolve(file, url) {
                        broken.push(format!("{file}: {e}"));
                    }
                }
            }
        }
        (checked, broken)
    }
}

fn assert_every_link_resolves(base_url: &str) {
    let built = bundled(base_url);
    let served = Served::new(&built, base_url);
    let (checked, broken) = served.broken();
    assert!(
        checked > 500,
        "the bundled site has hundreds of links, found {checked}"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    // kiji's own crawler agrees.
    let site = kiji::crawl::Site::new(&built.output, &built.config);
    assert_eq!(site.broken_links(), []);
}

#[test]
fn every_link_resolves_under_a_project_subpath() {
    assert_every_link_resolves(PROJECT_URL);
}

#[test]
fn every_link_resolves_at_a_domain_root() {
    assert_every_link_resolves(DOMAIN_URL);
}

#[test]
fn no_root_absolute_link_escapes_the_subpath() {
    let built = bundled(PROJECT_URL);
    for file in built.output.files.keys().filter(|f| f.ends_with(".html")) {
        let doc = html_of(&built, file);
        for attr in ["href", "src"] {
            for url in attrs(&doc, &format!("[{attr}]"), attr) {
                let escapes = (url.starts_with('/') && !url.starts_with("/kiji-demo/"))
                    || (url.starts_with("https://example.github.io")
                        && !url.starts_with(PROJECT_URL));
                assert!(!escapes, "{file}: {url} escapes /kiji-demo/");
            }
        }
    }
}
