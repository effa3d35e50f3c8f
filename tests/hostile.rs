//! Hostile content: markup, quotes and script URLs in every field an editor controls
//! come out as text in every output format, never as markup that runs.
//!
//! Each output is parsed (scraper for HTML, roxmltree for XML, serde_json for JSON)
//! and searched for injected elements, event-handler attributes and script URLs.

mod common;

use common::*;
use scraper::Html;

const TITLE: &str = "</title><script>alert('title')</script> \"Quotes\" & 'apostrophes' </script>";
const SUMMARY: &str = "\"><img src=x onerror=alert('summary')> </script><script>alert(2)</script>";
const TAG: &str = "<script>alert('tag')</script>";
const TAG2: &str = "\" onmouseover=\"alert('tag')";
const EVENT: &str = "</script><script>alert('event')</script> \"ev\"";
const EXPANSION: &str = "<script>alert('expansion')</script>";

/// TOML basic-string form of a constant.
fn toml(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn hostile_site() -> TestSite {
    let site = TestSite::new();
    site.config(
        "title = \"Site </title><script>alert('site')</script>\"\nbase_url = \"https://example.org/\"\n",
    );
    site.article(
        "a.md",
        &format!(
            "title = {}\ndate = 2025-01-10\nsummary = {}\nauthor = \"<script>alert('author')</script>\"\ntags = [{}, {}]\n\
             [source]\ntitle = \"<script>alert('source')</script>\"\npublication = \"</cite><script>alert(3)</script>\"\n\
             url = \"https://example.org/?a=\\\"><script>alert(4)</script>\"\n\
             [[events]]\ndate = \"2024-05\"\ntitle = {}\nbody = \"Event body \\\\<script\\\\>alert('body')\\\\</script\\\\> <script>alert(5)</script> [bad](javascript:alert(6)).\"",
            toml(TITLE),
            toml(SUMMARY),
            toml(TAG),
            toml(TAG2),
            toml(EVENT)
        ),
        "Body mentions AOD and the \"quoted\" alias.\n\n\
         <script>alert('raw')</script>\n\n\
         <img src=x onerror=alert('raw img')>\n\n\
         Inline <b onclick=alert(7)>html</b> and <a href=\"javascript:alert(8)\">a</a>.\n\n\
         [js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) [vb](vbscript:msgbox(1)) \
         [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [ref][r] \
         <javascript:alert(1)> ![img](javascript:alert(1)) [tab](java&#x09;script:alert(1)) \
         [file](file:///etc/passwd)\n\n[r]: javascript:alert('ref')\n",
    );
    site.term(
        "aod.md",
        &format!(
            "term = \"AOD\"\nexpansion = {}\naliases = [\"\\\"quoted\\\" alias\"]",
            toml(EXPANSION)
        ),
        "Assistance \\<script\\>alert('tip')\\</script\\> \"for\" \\</title\\> development.",
    );
    site.file(
        "content/timeline.toml",
        "[[events]]\ndate = \"2020\"\ntitle = \"Forged\\r\\nEND:VEVENT\\r\\nBEGIN:VEVENT\\r\\nSUMMARY:injected\"\n",
    );
    site
}

const SCRIPT_SCHEMES: [&str; 4] = ["javascript:", "vbscript:", "data:", "file:"];

fn is_script_url(url: &str) -> bool {
    let squashed: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .collect::<String>()
        .to_ascii_lowercase();
    SCRIPT_SCHEMES.iter().any(|s| squashed.starts_with(s))
}

/// No injected element, no event handler, no script URL anywhere in the document.
fn assert_inert(html: &Html, what: &str) {
    for el in html
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        let v = el.value();
        for (name, value) in v.attrs() {
            assert!(
                !name.starts_with("on"),
                "{what}: event handler {name}={value:?} on <{}>",
                v.name()
            );
            if ["href", "src", "action", "formaction", "xlink:href"].contains(&name) {
                assert!(!is_script_url(value), "{what}: script URL {name}={value:?}");
            }
        }
        match v.name() {
            "script" => {
                // The theme's own scripts: JSON-LD, external files, and inline ones of its
                // own (every injected script here calls alert).
                let ok = v.attr("type") == Some("application/ld+json")
                    || v.attr("src").is_some()
                    || !el.inner_html().contains("alert(");
                assert!(ok, "{what}: injected <script>{}</script>", el.inner_html());
            }
            "img" => assert_ne!(v.attr("src"), Some("x"), "{what}: injected <img>"),
            "iframe" | "object" | "embed" => panic!("{what}: injected <{}>", v.name()),
            _ => {}
        }
    }
}

#[test]
fn every_html_page_is_inert() {
    let built = hostile_site().build();
    let mut pages = 0;
    for (path, bytes) in &built.output.files {
        if path.ends_with(".html") {
            pages += 1;
            assert_inert(
                &Html::parse_document(std::str::from_utf8(bytes).unwrap()),
                path,
            );
        }
    }
    assert!(pages >= 8, "only {pages} pages");
}

#[test]
fn hostile_text_survives_as_text_in_html_contexts() {
    let built = hostile_site().build();
    let html = page(&built, "articles/a/");
    // Element text and <title>: the exact characters, escaped, not dropped.
    assert_eq!(texts(&html, "h1"), [TITLE]);
    assert!(
        texts(&html, "title")[0].contains(TITLE),
        "{:?}",
        texts(&html, "title")
    );
    // Attributes: the description round-trips exactly.
    assert_eq!(attrs(&html, "meta[name=description]", "content"), [SUMMARY]);
    // Tooltip: the definition's text, with its markup as text.
    let tips = texts(&html, ".term-tip");
    // (Smart punctuation curls the quotes of Markdown text, not those of front matter.)
    assert!(
        tips.iter()
            .any(|t| t.contains("<script>alert(‘tip’)</script>") && t.contains("</title>")),
        "{tips:?}"
    );
    assert!(attrs(&html, "a", "href")
        .iter()
        .any(|h| h.contains("tags/")));
    // Raw HTML is dropped by default; the words around it stay.
    assert!(
        texts(&html, "article b").is_empty(),
        "the author's <b> got through"
    );
    let body = texts(&html, "article");
    assert!(
        body.iter()
            .any(|t| t.contains("Inline") && t.contains("html")),
        "{body:?}"
    );
}

#[test]
fn script_links_are_neutralised() {
    let built = hostile_site().build();
    let html = page(&built, "articles/a/");
    let anchors: Vec<(String, String)> = select(&html, "article a")
        .iter()
        .map(|a| (text(a), a.value().attr("href").unwrap_or("").to_string()))
        .collect();
    for name in ["js", "JS", "vb", "data", "ref", "tab", "file"] {
        let (_, href) = anchors
            .iter()
            .find(|(t, _)| t == name)
            .unwrap_or_else(|| panic!("link text {name} kept: {anchors:?}"));
        assert_eq!(href, "", "{name}");
    }
}

#[test]
fn raw_html_switch_lets_trusted_markup_through_but_never_script_links() {
    let site = hostile_site();
    site.config(
        "title = \"T\"\nbase_url = \"https://example.org/\"\n[markdown]\nallow_raw_html = true\n",
    );
    let built = site.build();
    let html = page(&built, "articles/a/");
    assert_eq!(
        texts(&html, "article b"),
        ["html"],
        "trusted raw HTML passes"
    );
    for (t, href) in select(&html, "article a")
        .iter()
        .map(|a| (text(a), a.value().attr("href").unwrap_or("").to_string()))
    {
        if ["js", "JS", "vb", "data", "ref", "tab", "file"].contains(&t.as_str()) {
            assert_eq!(
                href, "",
                "{t}: Markdown links stay neutralised with raw HTML on"
            );
        }
    }
}

#[test]
fn json_ld_parses_and_holds_the_exact_text() {
    let built = hostile_site().build();
    for path in ["articles/a/", "glossary/", "timeline/", ""] {
        let html = page(&built, path);
        let scripts = select(&html, "script[type=\"application/ld+json\"]");
        assert_eq!(scripts.len(), 1, "{path}");
        let raw = scripts[0].inner_html();
        assert!(!raw.to_lowercase().contains("</script"), "{path}: {raw}");
        let json: serde_json::Value =
            serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{path}: {e}: {raw}"));
        if path == "articles/a/" {
            assert_eq!(json["headline"], TITLE);
            assert_eq!(json["description"], SUMMARY);
            assert_eq!(json["keywords"][0], TAG);
        }
        if path == "timeline/" {
            let names: Vec<&str> = json["@graph"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["name"].as_str().unwrap())
                .collect();
            assert!(names.contains(&EVENT), "{names:?}");
        }
    }
}

#[test]
fn feed_and_sitemap_are_well_formed_xml_with_the_exact_text() {
    let built = hostile_site().build();
    let feed = std::str::from_utf8(built.output.get("feed.xml").unwrap()).unwrap();
    let doc = roxmltree::Document::parse(feed).unwrap_or_else(|e| panic!("{e}\n{feed}"));
    let entry = doc.descendants().find(|n| n.has_tag_name("entry")).unwrap();
    let child = |name: &str| entry.children().find(|n| n.has_tag_name(name)).unwrap();
    assert_eq!(child("title").text(), Some(TITLE));
    assert_eq!(child("summary").text(), Some(SUMMARY));
    let categories: Vec<&str> = entry
        .children()
        .filter(|n| n.has_tag_name("category"))
        .filter_map(|n| n.attribute("term"))
        .collect();
    assert_eq!(categories, [TAG, TAG2]);
    // The HTML content, once unescaped by the feed reader, is inert too.
    let content = child("content").text().unwrap();
    assert_inert(&Html::parse_fragment(content), "feed content");
    let sitemap = std::str::from_utf8(built.output.get("sitemap.xml").unwrap()).unwrap();
    let doc = roxmltree::Document::parse(sitemap).unwrap();
    assert!(doc.descendants().filter(|n| n.has_tag_name("loc")).count() >= 5);
}

#[test]
fn glossary_json_holds_the_exact_text() {
    let built = hostile_site().build();
    let json: serde_json::Value =
        serde_json::from_slice(built.output.get("glossary.json").unwrap()).unwrap();
    let term = &json["terms"][0];
    assert_eq!(term["expansion"], EXPANSION);
    assert_eq!(term["aliases"][0], "\"quoted\" alias");
    assert!(term["definition"]
        .as_str()
        .unwrap()
        .contains("<script>alert(‘tip’)</script>"));
    assert_inert(
        &Html::parse_fragment(term["definition_html"].as_str().unwrap()),
        "definition_html",
    );
}

#[test]
fn calendar_text_cannot_forge_events_or_properties() {
    let built = hostile_site().build();
    let ics = std::str::from_utf8(built.output.get("timeline.ics").unwrap()).unwrap();
    let lines: Vec<&str> = ics.split("\r\n").collect();
    assert_eq!(
        lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(),
        2,
        "{ics}"
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("SUMMARY:injected")),
        "{ics}"
    );
    assert!(
        !ics.replace("\r\n", "").contains('\r'),
        "a bare CR in {ics}"
    );
    // Every content line is a property or a folded continuation.
    for l in lines.iter().filter(|l| !l.is_empty()) {
        assert!(l.starts_with(' ') || l.contains(':'), "{l:?}");
    }
}

#[test]
fn source_url_must_be_a_web_address() {
    let site = TestSite::new();
    site.article(
        "a.md",
        "title = \"A\"\ndate = 2025-01-01\n[source]\nurl = \"javascript:alert(1)\"",
        "x",
    );
    let diags = site.build_err();
    let d = diags.errors().next().unwrap().to_string();
    assert!(
        d.contains("content/articles/a.md:5:8")
            && d.contains("`source.url` must be a web address starting with https:// or http://"),
        "{d}"
    );
}
