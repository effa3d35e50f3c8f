//! Issue 6: publishing to GitHub Pages — every link right under any base path,
//! a valid feed and sitemap, a 404 page that works from any depth, the workflow,
//! and `kiji check` finding what a build cannot.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use common::*;
use kiji::{BuildOptions, Built};
use scraper::Html;

const PROJECT_URL: &str = "https://example.github.io/kiji-demo/";
const DOMAIN_URL: &str = "https://notes.example.org/";

/// The bundled publication under the project subpath, built once for every test.
fn project() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| bundled(PROJECT_URL))
}

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
    let built = project();
    for file in built.output.files.keys().filter(|f| f.ends_with(".html")) {
        let doc = html_of(built, file);
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

#[test]
fn base_url_without_trailing_slash_as_configure_pages_gives_it() {
    // actions/configure-pages outputs `https://user.github.io/repo`, no trailing slash.
    let with = project();
    let without = bundled(PROJECT_URL.trim_end_matches('/'));
    assert_eq!(
        with.output.changed_paths(&without.output),
        Vec::<String>::new()
    );
}

#[test]
fn base_url_on_the_command_line_overrides_site_toml() {
    let site = TestSite::new();
    site.config("title = \"T\"\nbase_url = \"/\"\n");
    site.simple("a.md", "A", "See ![map](/map.png).\n");
    site.file("assets/map.png", "png");
    site.run(&["build", "--base-url", "https://u.github.io/proj"])
        .ok();
    let html = std::fs::read_to_string(site.path("public/articles/a/index.html")).unwrap();
    let doc = Html::parse_document(&html);
    assert_eq!(attrs(&doc, ".prose img", "src"), ["/proj/map.png"]);
    assert_eq!(
        attrs(&doc, "link[rel=canonical]", "href"),
        ["https://u.github.io/proj/articles/a/"]
    );
    assert!(attrs(&doc, "link[rel=stylesheet]", "href")
        .iter()
        .all(|h| h.starts_with("/proj/")));
}

fn xml(built: &Built, file: &str) -> String {
    String::from_utf8(built.output.get(file).unwrap().to_vec()).unwrap()
}

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn atom<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    node.children()
        .filter(|n| n.has_tag_name((ATOM, name)))
        .collect()
}

fn atom_text(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    let found = atom(node, name);
    assert_eq!(
        found.len(),
        1,
        "exactly one <{name}> in <{}>",
        node.tag_name().name()
    );
    found[0].text().unwrap_or("").trim().to_string()
}

fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && s.ends_with('Z')
        && s.chars().filter(char::is_ascii_digit).count() == 14
}

#[test]
fn feed_is_valid_atom_with_ids_dates_authors_and_full_content() {
    let built = project();
    let text = xml(built, "feed.xml");
    let doc = roxmltree::Document::parse(&text).expect("feed.xml is well-formed XML");
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    assert_eq!(atom_text(feed, "id"), PROJECT_URL);
    assert_eq!(atom_text(feed, "title"), "Japan Security Notes");
    assert!(is_rfc3339(&atom_text(feed, "updated")));
    let author = atom(feed, "author");
    assert_eq!(atom_text(author[0], "name"), "kiji editors");
    let links: Vec<(Option<&str>, Option<&str>)> = atom(feed, "link")
        .iter()
        .map(|l| (l.attribute("rel"), l.attribute("href")))
        .collect();
    assert!(links.contains(&(
        Some("self"),
        Some("https://example.github.io/kiji-demo/feed.xml")
    )));
    assert!(links.contains(&(Some("alternate"), Some(PROJECT_URL))));

    let entries = atom(feed, "entry");
    assert_eq!(
        entries.len(),
        built.stats.articles,
        "every article (limit 20)"
    );
    let mut ids = BTreeSet::new();
    for entry in entries {
        let id = atom_text(entry, "id");
        assert!(id.starts_with(&format!("{PROJECT_URL}articles/")), "{id}");
        assert!(ids.insert(id.clone()), "ids are unique");
        assert!(!atom_text(entry, "title").is_empty());
        assert!(is_rfc3339(&atom_text(entry, "updated")));
        assert!(is_rfc3339(&atom_text(entry, "published")));
        let alternate = atom(entry, "link")[0].attribute("href").unwrap();
        assert_eq!(alternate, id);
        // Full content: the article's whole body, every link absolute.
        let content = atom(entry, "content")[0];
        assert_eq!(content.attribute("type"), Some("html"));
        let body = Html::parse_fragment(content.text().unwrap());
        let page_path = id.strip_prefix(PROJECT_URL).unwrap();
        let page = common::page(built, page_path);
        assert_eq!(
            select(&body, "p").len(),
            select(&page, ".prose p").len(),
            "{id}: the feed carries every paragraph"
        );
        for attr in ["href", "src"] {
            for url in attrs(&body, &format!("[{attr}]"), attr) {
                assert!(url.starts_with("https://"), "{id}: {url} is not absolute");
            }
        }
    }
}

const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

#[test]
fn sitemap_lists_every_page_and_robots_points_at_it() {
    let built = project();
    let text = xml(built, "sitemap.xml");
    let doc = roxmltree::Document::parse(&text).expect("sitemap.xml is well-formed XML");
    assert!(doc.root_element().has_tag_name((SITEMAP, "urlset")));
    let locs: BTreeSet<String> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((SITEMAP, "url")))
        .map(|u| {
            let loc = u
                .children()
                .find(|n| n.has_tag_name((SITEMAP, "loc")))
                .expect("every <url> has a <loc>");
            loc.text().unwrap().to_string()
        })
        .collect();
    let pages: BTreeSet<String> = built
        .output
        .files
        .keys()
        .filter(|f| f.ends_with("index.html"))
        .map(|f| format!("{PROJECT_URL}{}", f.trim_end_matches("index.html")))
        .collect();
    assert_eq!(locs, pages);
    assert!(locs.len() > 20);
    assert!(!locs.iter().any(|l| l.contains("404")));

    let robots = xml(built, "robots.txt");
    let sitemap_lines: Vec<&str> = robots
        .lines()
        .filter_map(|l| l.strip_prefix("Sitemap: "))
        .collect();
    assert_eq!(sitemap_lines, [format!("{PROJECT_URL}sitemap.xml")]);
}

#[test]
fn the_404_page_links_resolve_from_a_nested_missing_path() {
    let built = project();
    let served = Served::new(built, PROJECT_URL);
    let doc = html_of(built, "404.html");
    let mut checked = 0;
    for attr in ["href", "src"] {
        for url in attrs(&doc, &format!("[{attr}]"), attr) {
            // From /kiji-demo/a/b/c/missing, as GitHub Pages serves 404.html there.
            served
                .resolve("404.html", &url)
                .unwrap_or_else(|e| panic!("404.html: {e}"));
            assert!(
                url.starts_with('#') || url.starts_with("/kiji-demo/"),
                "{url} must be absolute under the base path"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked}");
    // The same links from a shallower missing path land on the same files.
    assert_eq!(served.page_url("404.html"), "/kiji-demo/a/b/c/missing");
    // Not indexed, and no canonical pointing at /404.html.
    assert_eq!(attrs(&doc, "meta[name=robots]", "content"), ["noindex"]);
    assert!(select(&doc, "link[rel=canonical]").is_empty());
}

#[test]
fn github_pages_files_nojekyll_and_cname() {
    let built = project();
    assert_eq!(built.output.get(".nojekyll"), Some(&b""[..]));
    assert_eq!(built.output.get("CNAME"), None, "no cname configured");
    let site = TestSite::new();
    site.config(
        "title = \"T\"\nbase_url = \"https://notes.example.org/\"\ncname = \"notes.example.org\"\n",
    );
    site.simple("a.md", "A", "Text.\n");
    let built = site.build();
    assert_eq!(built.output.get("CNAME"), Some(&b"notes.example.org\n"[..]));
}

#[test]
fn every_page_has_lang_canonical_description_and_social_meta() {
    let built = project();
    for file in built
        .output
        .files
        .keys()
        .filter(|f| f.ends_with("index.html"))
    {
        let doc = html_of(built, file);
        let url = format!("{PROJECT_URL}{}", file.trim_end_matches("index.html"));
        assert_eq!(attrs(&doc, "html", "lang"), ["en"], "{file}");
        assert_eq!(
            attrs(&doc, "link[rel=canonical]", "href"),
            std::slice::from_ref(&url),
            "{file}"
        );
        assert_eq!(
            attrs(&doc, "meta[property='og:url']", "content"),
            [url],
            "{file}"
        );
        let description = attrs(&doc, "meta[name=description]", "content");
        assert!(
            description.len() == 1 && !description[0].is_empty(),
            "{file}"
        );
        assert_eq!(
            attrs(&doc, "meta[property='og:description']", "content"),
            description,
            "{file}"
        );
        assert_eq!(
            attrs(&doc, "meta[property='og:title']", "content").len(),
            1,
            "{file}"
        );
        assert_eq!(
            attrs(&doc, "meta[name='twitter:card']", "content"),
            ["summary"],
            "{file}"
        );
    }
}

fn json_ld(doc: &Html) -> Vec<serde_json::Value> {
    select(doc, "script[type='application/ld+json']")
        .iter()
        .map(|s| serde_json::from_str(&s.text().collect::<String>()).expect("valid JSON-LD"))
        .collect()
}

#[test]
fn article_pages_carry_json_ld_article() {
    let built = project();
    let articles: Vec<&String> = built
        .output
        .files
        .keys()
        .filter(|f| f.starts_with("articles/") && f.ends_with("index.html"))
        .collect();
    assert_eq!(articles.len(), built.stats.articles);
    for file in articles {
        let doc = html_of(built, file);
        let ld = json_ld(&doc);
        assert_eq!(ld.len(), 1, "{file}");
        let a = &ld[0];
        assert_eq!(a["@context"], "https://schema.org");
        assert_eq!(a["@type"], "Article");
        assert_eq!(a["headline"], texts(&doc, "h1")[0].as_str(), "{file}");
        let canonical = &attrs(&doc, "link[rel=canonical]", "href")[0];
        assert_eq!(a["url"], canonical.as_str());
        assert_eq!(a["mainEntityOfPage"], canonical.as_str());
        assert_eq!(
            a["datePublished"],
            attrs(&doc, ".article-header .meta time", "datetime")[0].as_str()
        );
        assert_eq!(a["author"]["name"], "kiji editors");
        assert_eq!(a["inLanguage"], "en");
        assert!(a["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

/// Every string under a `url` key in a JSON document.
fn json_urls(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match v.as_str() {
                    Some(s) if k == "url" => out.push(s.to_string()),
                    _ => json_urls(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_urls(v, out)),
        _ => {}
    }
}

#[test]
fn json_ld_glossary_json_and_calendar_stay_under_the_base_url() {
    let built = project();
    let mut urls = Vec::new();
    for file in built.output.files.keys().filter(|f| f.ends_with(".html")) {
        for ld in json_ld(&html_of(built, file)) {
            json_urls(&ld, &mut urls);
        }
    }
    let glossary: serde_json::Value =
        serde_json::from_slice(built.output.get("glossary.json").unwrap()).unwrap();
    json_urls(&glossary, &mut urls);
    // RFC 5545 folds long lines: CRLF + space continues the previous line.
    let ics = xml(built, "timeline.ics").replace("\r\n ", "");
    urls.extend(
        ics.lines()
            .filter_map(|l| l.strip_prefix("URL:"))
            .map(String::from),
    );
    assert!(urls.len() > 50, "{}", urls.len());
    let served = Served::new(built, PROJECT_URL);
    for url in &urls {
        assert!(url.starts_with(PROJECT_URL), "{url}");
        served
            .resolve("index.html", url)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A site under a project subpath whose problems only crawling the generated HTML finds.
fn crafted_site() -> TestSite {
    let site = TestSite::new();
    site.config(
        "title = \"Crafted\"\nbase_url = \"https://example.github.io/kiji-demo/\"\n[markdown]\nallow_raw_html = true\n",
    );
    site.simple(
        "a.md",
        "A",
        "Intro to AOD.\n\nSee [its part](/articles/b/#nope) and [gone](/articles/gone/).\n\n![map](/img/missing.png)\n\n![fine](/img/ok.png)\n\n<a href=\"/articles/b/\">raw</a>\n",
    );
    site.article(
        "b.md",
        "title = \"B\"\ndate = 2025-01-11",
        "## Part\n\nBack to [a](a.md).\n",
    );
    site.file("assets/img/ok.png", "png");
    site.term(
        "aod.md",
        "term = \"AOD\"",
        "A programme.\n\nSee [the old page](/aod-old/).",
    );
    site.file(
        "layouts/tags.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>Tags</h1>\n<p><a href=\"{{ url(path=\"about/\") }}\">About</a></p>\n<p><a href=\"/tags/\">all</a></p>\n{% endblock content %}\n",
    );
    site
}

/// `(file:line, message)` of every error `kiji check` reports.
fn check_errors(site: &TestSite) -> Vec<(String, String)> {
    let diags = kiji::check::run(site.root(), &site.options())
        .expect_err("check must fail on a broken site");
    diags
        .errors()
        .map(|d| (d.location(), d.message.clone()))
        .collect()
}

fn has(errors: &[(String, String)], location: &str, words: &str) -> bool {
    errors
        .iter()
        .any(|(l, m)| l.starts_with(location) && m.contains(words))
}

#[test]
fn check_finds_what_only_the_generated_html_shows_each_at_its_source_line() {
    let site = crafted_site();
    // The build itself is happy: none of these are Markdown `.md` links.
    site.build();
    let errors = check_errors(&site);
    let expected = [
        (
            "content/articles/a.md:7:16",
            "has no element with id \"nope\"",
        ),
        (
            "content/articles/a.md:7:46",
            "/kiji-demo/articles/gone/` points at",
        ),
        (
            "content/articles/a.md:9:8",
            "/kiji-demo/img/missing.png` points at",
        ),
        (
            "content/articles/a.md:13:10",
            "`/articles/b/` leaves the base path /kiji-demo/",
        ),
        (
            "content/glossary/aod.md:6",
            "/kiji-demo/aod-old/` points at",
        ),
        ("layouts/tags.html:4", "/kiji-demo/about/` points at"),
        ("layouts/tags.html:5", "`/tags/` leaves the base path"),
    ];
    for (location, words) in expected {
        assert!(
            has(&errors, location, words),
            "{location} {words} in {errors:#?}"
        );
    }
    // Each problem once: the same link in the feed entry is not reported again.
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
}

#[test]
fn check_reports_build_errors_too_broken_fragment_and_cross_article_link() {
    let site = TestSite::new();
    site.simple("a.md", "A", "See [b](b.md#nope).\n\nAnd [c](c.md).\n");
    site.article("b.md", "title = \"B\"\ndate = 2025-01-11", "## Part\n");
    let errors = check_errors(&site);
    assert!(
        has(
            &errors,
            "content/articles/a.md:5",
            "no heading or anchor #nope"
        ),
        "{errors:#?}"
    );
    assert!(
        has(
            &errors,
            "content/articles/a.md:7",
            "no article or glossary term"
        ),
        "{errors:#?}"
    );
}

#[test]
fn check_cli_exits_1_and_groups_the_report_by_file() {
    let site = crafted_site();
    let run = site.run(&["check"]);
    run.failed();
    let summary: Vec<&str> = run
        .stderr
        .lines()
        .skip_while(|l| *l != "by file:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect();
    assert_eq!(
        summary,
        [
            "content/articles/a.md: 4 errors",
            "content/glossary/aod.md: 1 error",
            "layouts/tags.html: 2 errors"
        ]
    );
    assert!(!site.path("public").exists(), "check writes nothing");
}

#[test]
fn check_passes_on_the_bundled_site_under_a_subpath() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = BuildOptions {
        base_url: Some(PROJECT_URL.into()),
        ..Default::default()
    };
    let diags = kiji::check::run(root, &opts).unwrap_or_else(|d| panic!("{}", d.render()));
    assert_eq!(diags.errors().count(), 0);
}

#[test]
fn check_warns_once_when_base_url_has_no_host() {
    let site = TestSite::new();
    site.simple("a.md", "A", "Text.\n");
    // A path-only base_url cannot give the feed absolute ids: check says so, once.
    site.config("title = \"T\"\nbase_url = \"/\"\n");
    let diags = kiji::check::run(site.root(), &site.options()).unwrap();
    let warnings: Vec<String> = diags.warnings().map(|d| d.location()).collect();
    assert!(warnings.contains(&"site.toml".to_string()), "{warnings:?}");
    assert_eq!(
        kiji::publish::validate_feed(
            std::str::from_utf8(site.build().output.get("feed.xml").unwrap()).unwrap(),
            false
        ),
        Vec::<String>::new()
    );
}

/// `owner/name@vN` → N, for the `uses:` of every step of every job.
fn actions(workflow: &serde_yaml_ng::Value) -> BTreeMap<String, (u32, serde_yaml_ng::Value)> {
    let mut found = BTreeMap::new();
    for (_, job) in workflow["jobs"].as_mapping().expect("jobs") {
        for step in job["steps"].as_sequence().expect("steps") {
            if let Some(uses) = step["uses"].as_str() {
                let (name, version) = uses.split_once('@').expect("actions are pinned");
                let major = version
                    .trim_start_matches('v')
                    .split('.')
                    .next()
                    .and_then(|m| m.parse().ok())
                    .unwrap_or_else(|| panic!("{uses}: a major version tag"));
                found.insert(name.to_string(), (major, step.clone()));
            }
        }
    }
    found
}

#[test]
fn the_pages_workflow_is_valid_yaml_using_the_official_pages_actions() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/pages.yml");
    let text = std::fs::read_to_string(path).unwrap();
    let wf: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("valid YAML");
    // YAML 1.1 reads a bare `on` as true; serde_yaml_ng keeps it a string.
    let branches: Vec<&str> = wf["on"]["push"]["branches"]
        .as_sequence()
        .expect("on: push: branches")
        .iter()
        .filter_map(|b| b.as_str())
        .collect();
    assert_eq!(branches, ["main"]);
    assert_eq!(wf["permissions"]["pages"], "write");
    assert_eq!(wf["permissions"]["id-token"], "write");

    let used = actions(&wf);
    // The current majors as of late 2026; older ones run on deprecated Node versions.
    for (action, minimum) in [
        ("actions/checkout", 7),
        ("actions/configure-pages", 6),
        ("actions/upload-pages-artifact", 5),
        ("actions/deploy-pages", 5),
    ] {
        let (major, _) = used
            .get(action)
            .unwrap_or_else(|| panic!("{action} is used"));
        assert!(*major >= minimum, "{action}@v{major}, want v{minimum}+");
    }
    assert!(
        used.contains_key("Swatinem/rust-cache") || used.contains_key("actions/cache"),
        "cargo builds are cached"
    );
    assert_eq!(
        used["actions/upload-pages-artifact"].1["with"]["path"], "public",
        "uploads what kiji build writes"
    );

    // The base URL comes from configure-pages' output, into kiji's --base-url.
    let pages_id = used["actions/configure-pages"].1["id"]
        .as_str()
        .expect("configure-pages step has an id")
        .to_string();
    let runs: Vec<String> = wf["jobs"]
        .as_mapping()
        .unwrap()
        .values()
        .flat_map(|j| j["steps"].as_sequence().unwrap().clone())
        .filter_map(|s| s["run"].as_str().map(String::from))
        .collect();
    let build = runs
        .iter()
        .find(|r| r.contains("cargo") && r.contains(" build "))
        .expect("a step runs kiji build with cargo");
    let base = format!("--base-url \"${{{{ steps.{pages_id}.outputs.base_url }}}}\"");
    assert!(build.contains(&base), "{build} should pass {base}");
    let deploy_job = wf["jobs"]
        .as_mapping()
        .unwrap()
        .values()
        .find(|j| {
            j["steps"].as_sequence().unwrap().iter().any(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/deploy-pages@"))
            })
        })
        .unwrap();
    assert_eq!(deploy_job["environment"]["name"], "github-pages");
    assert!(deploy_job["needs"].as_str().is_some());
}

#[test]
fn pages_with_non_ascii_slugs_are_linked_checked_and_percent_encoded_in_the_sitemap() {
    let site = TestSite::new();
    site.config("title = \"T\"\nbase_url = \"https://example.github.io/kiji-demo/\"\n");
    site.simple("日本.md", "Japan", "## 防衛\n\nText.\n");
    site.simple("b.md", "B", "See [Japan](日本.md#防衛).\n");
    let built = site.build();
    assert!(built.output.get("articles/日本/index.html").is_some());
    let diags =
        kiji::check::run(site.root(), &site.options()).unwrap_or_else(|d| panic!("{}", d.render()));
    assert_eq!(diags.errors().count(), 0);
    let text = xml(&built, "sitemap.xml");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name((SITEMAP, "loc")))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        locs.contains(&"https://example.github.io/kiji-demo/articles/%E6%97%A5%E6%9C%AC/"),
        "{locs:?}"
    );
    assert!(locs.iter().all(|l| l.is_ascii()), "{locs:?}");
}

#[test]
fn check_points_a_broken_link_in_an_event_at_the_timeline_file() {
    let site = TestSite::new();
    site.simple("a.md", "A", "Text.\n");
    site.file(
        "content/timeline.toml",
        "[[events]]\ndate = \"2024\"\ntitle = \"Drill\"\ntags = [\"navy\"]\nbody = \"See [the map](/maps/drill.png).\"\n",
    );
    let errors = check_errors(&site);
    // On the timeline and on its tag page: one source line, reported once.
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        has(
            &errors,
            "content/timeline.toml:5",
            "/maps/drill.png` points at"
        ),
        "{errors:#?}"
    );
}

#[test]
fn feed_holds_the_latest_articles_up_to_the_limit() {
    let site = TestSite::new();
    site.config("title = \"T\"\nbase_url = \"https://example.org/\"\n[feed]\nlimit = 2\n");
    for (name, date) in [
        ("old", "2024-01-01"),
        ("new", "2025-03-01"),
        ("mid", "2024-06-01"),
    ] {
        site.article(
            &format!("{name}.md"),
            &format!("title = \"{name}\"\ndate = {date}"),
            "Text.\n",
        );
    }
    let built = site.build();
    let text = xml(&built, "feed.xml");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let titles: Vec<String> = atom(doc.root_element(), "entry")
        .into_iter()
        .map(|e| atom_text(e, "title"))
        .collect();
    assert_eq!(titles, ["new", "mid"]);
    assert_eq!(
        atom_text(doc.root_element(), "updated"),
        "2025-03-01T00:00:00Z"
    );
}

#[test]
fn templates_see_base_url_with_its_slash_and_url_never_doubles_the_base() {
    let site = TestSite::new();
    site.config("title = \"T\"\nbase_url = \"https://u.github.io/proj\"\n");
    site.article(
        "a.md",
        "title = \"A\"\ndate = 2025-01-10\ntags = [\"x\"]",
        "Text.\n",
    );
    site.file(
        "layouts/tags.html",
        "{% extends \"base.html\" %}{% block content %}<a id=\"home\" href=\"{{ site.base_url }}\">h</a>{% for t in tags %}<a class=\"t\" href=\"{{ t.url | url }}\">{{ t.name }}</a>{% endfor %}{% endblock content %}",
    );
    let built = site.build();
    let doc = page(&built, "tags/");
    assert_eq!(attrs(&doc, "#home", "href"), ["https://u.github.io/proj/"]);
    assert_eq!(attrs(&doc, "a.t", "href"), ["/proj/tags/x/"]);
}
