//! Issue 9: search index, search page, accessible structure, alt-text warnings.
//! (The same site in a real browser: tests/browser_site.rs.)

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

fn publication() -> TestSite {
    let site = TestSite::new();
    site.config("title = \"Notes\"\nbase_url = \"https://example.org/repo/\"\n");
    site.article(
        "alliance.md",
        "title = \"The alliance\"\ndate = 2025-01-10\nsummary = \"Why it lasts.\"\ntags = [\"japan\"]",
        "Intro about the treaty and Extended Deterrence Dialogue.\n\n## Bases\n\nThe quartermaster counted hangars at Yokosuka.\n\n## Costs\n\nMore.\n",
    );
    site.article(
        "quad.md",
        "title = \"The Quad\"\ndate = 2025-02-10",
        "A forum of four. 記事を書く。\n",
    );
    site.term(
        "edd.md",
        "term = \"EDD\"\naliases = [\"Extended Deterrence Dialogue\"]",
        "A forum on deterrence.",
    );
    site
}

fn json(built: &kiji::Built, path: &str) -> Value {
    let bytes = built
        .output
        .get(path)
        .unwrap_or_else(|| panic!("no {path}"));
    serde_json::from_slice(bytes).unwrap()
}

/// The URLs of the documents holding `word`, looked up the way search.js does it.
fn lookup(built: &kiji::Built, word: &str) -> Vec<String> {
    search_lookup(|path| json(built, path), word)
}

#[test]
fn search_index_finds_articles_by_body_words_and_terms_by_alias() {
    let built = publication().build();
    assert_eq!(
        lookup(&built, "quartermaster"),
        ["/repo/articles/alliance/"]
    );
    assert_eq!(lookup(&built, "hangars"), ["/repo/articles/alliance/"]);
    // EDD by its alias (its definition never says "dialogue").
    assert_eq!(
        lookup(&built, "dialogue"),
        ["/repo/articles/alliance/", "/repo/glossary/#edd"]
    );
    // Every CJK character is a word of its own.
    assert_eq!(lookup(&built, "記"), ["/repo/articles/quad/"]);
    assert!(lookup(&built, "absent").is_empty());
    // A mention linked to the glossary is still a word of the article.
    assert_eq!(
        lookup(&built, "deterrence"),
        ["/repo/articles/alliance/", "/repo/glossary/#edd"]
    );
    let index = json(&built, "search/index.json");
    assert_eq!(index["docs"], 3);
    let docs = json(&built, "search/d0.json");
    assert_eq!(
        docs[0],
        serde_json::json!([
            "article",
            "The Quad",
            "/repo/articles/quad/",
            "A forum of four. 記事を書く。"
        ])
    );
}

#[test]
fn search_index_ranks_title_words_above_body_mentions() {
    let built = publication().build();
    let index = json(&built, "search/index.json");
    assert_eq!(
        index["shards"],
        serde_json::json!([""]),
        "a small site has one shard"
    );
    let shard = json(&built, "search/s0.json");
    // "forum": body of the Quad (doc 0) and of EDD (doc 2); "quad": Quad's title.
    assert_eq!(shard["forum"], serde_json::json!([0, 1, 2, 1]));
    assert!(
        shard["quad"][1].as_u64().unwrap() >= 10,
        "{}",
        shard["quad"]
    );
}

#[test]
fn search_page_is_a_labelled_form_with_a_no_script_fallback() {
    let built = publication().build();
    let page = page(&built, "search/");
    assert_eq!(texts(&page, "h1"), ["Search"]);
    let form = select(&page, "form[role=search]");
    assert_eq!(form.len(), 1);
    assert_eq!(form[0].value().attr("action"), Some("/repo/search/"));
    assert_eq!(form[0].value().attr("data-index"), Some("/repo/search/"));
    assert_eq!(attrs(&page, "label", "for"), ["search-input"]);
    assert_eq!(attrs(&page, "input#search-input", "name"), ["q"]);
    assert_eq!(
        attrs(&page, "script[src$='search.js']", "src"),
        ["/repo/search.js"]
    );
    assert!(built.output.get("search.js").is_some());
    // noscript content is parsed as text by html5ever when scripting is on.
    let html = std::str::from_utf8(built.output.get("search/index.html").unwrap()).unwrap();
    let noscript = &html[html.find("<noscript>").unwrap() + 10..html.find("</noscript>").unwrap()];
    let fallback = scraper::Html::parse_fragment(noscript);
    assert!(
        attrs(&fallback, "a", "href").contains(&"/repo/glossary/".to_string()),
        "{noscript}"
    );
    // Every page links to search from the main navigation.
    let home = common::page(&built, "");
    assert!(attrs(&home, ".site-nav a", "href").contains(&"/repo/search/".to_string()));
}

/// Heading levels of every HTML page: exactly one h1, first, and no level skipped.
#[test]
fn every_page_has_one_h1_and_headings_in_order() {
    let built = publication().build();
    let pages: Vec<&String> = built
        .output
        .files
        .keys()
        .filter(|p| p.ends_with(".html"))
        .collect();
    assert!(pages.len() > 8, "{pages:?}");
    for path in pages {
        let html = page(&built, path);
        let levels: Vec<u8> = select(&html, "h1, h2, h3, h4, h5, h6")
            .iter()
            .map(|h| h.value().name()[1..].parse().unwrap())
            .collect();
        assert_eq!(levels.first(), Some(&1), "{path}: {levels:?}");
        assert_eq!(levels.iter().filter(|&&l| l == 1).count(), 1, "{path}");
        for pair in levels.windows(2) {
            assert!(
                pair[1] <= pair[0] + 1,
                "{path}: h{} then h{}",
                pair[0],
                pair[1]
            );
        }
    }
}

#[test]
fn glossary_is_a_description_list_per_letter() {
    let built = publication().build();
    let page = page(&built, "glossary/");
    assert_eq!(texts(&page, "section.letter > h2"), ["E"]);
    // A <dl> may only hold <div> groups of <dt> and <dd>.
    for child in select(&page, "dl.glossary > *") {
        assert_eq!(child.value().name(), "div");
    }
    assert_eq!(texts(&page, "dl.glossary dt dfn"), ["EDD"]);
    assert_eq!(attrs(&page, ".permalink", "href"), ["#edd"]);
    assert_eq!(texts(&page, ".permalink .visually-hidden"), ["Link to EDD"]);
}

#[test]
fn check_warns_about_images_without_alt_text_with_file_and_line() {
    let site = TestSite::new();
    site.config(
        "title = \"T\"\nbase_url = \"https://example.org/\"\n[markdown]\nallow_raw_html = true\n",
    );
    for image in ["map", "ok", "raw", "deco"] {
        site.file(&format!("assets/{image}.png"), "not really a PNG");
    }
    site.simple(
        "pics.md",
        "Pictures",
        "Intro.\n\n![](/map.png)\n\n![A map](/ok.png)\n\n<img src=\"/raw.png\">\n\n<img src=\"/deco.png\" alt=\"\">\n",
    );
    let diags = kiji::check::run(site.root(), &site.options()).expect("check passes with warnings");
    let alt: BTreeMap<String, String> = diags
        .warnings()
        .filter(|d| d.message.contains("alt text"))
        .map(|d| (d.location(), d.message.clone()))
        .collect();
    let lines: Vec<&str> = alt.keys().map(|l| l.rsplit_once(':').unwrap().0).collect();
    // Front matter is 4 lines: the body starts on line 5.
    assert_eq!(
        lines,
        ["content/articles/pics.md:11", "content/articles/pics.md:7"]
    );
}

#[test]
fn article_shows_breadcrumbs_reading_time_last_updated_and_contents() {
    let site = TestSite::new();
    let words = "word ".repeat(500);
    site.article(
        "long.md",
        "title = \"Long read\"\ndate = 2025-01-10\nupdated = 2025-03-02\ntags = [\"Japan\"]",
        &format!("## One\n\n{words}\n\n## Two\n\nEnd.\n"),
    );
    site.simple("short.md", "Short", "Only a line.\n");
    let built = site.build();
    let long = page(&built, "articles/long/");
    assert_eq!(
        texts(&long, "nav[aria-label=Breadcrumb] li"),
        ["Articles", "Japan", "Long read"]
    );
    assert_eq!(
        attrs(
            &long,
            "nav[aria-label=Breadcrumb] li[aria-current=page]",
            "aria-current"
        ),
        ["page"]
    );
    // 500 + 3 words at 220 a minute, rounded up.
    assert!(texts(&long, ".article-header .meta")[0].contains("3 min read"));
    assert_eq!(attrs(&long, ".updated time", "datetime"), ["2025-03-02"]);
    assert_eq!(attrs(&long, ".toc a", "href"), ["#one", "#two"]);
    let short = page(&built, "articles/short/");
    assert!(select(&short, ".updated").is_empty());
    assert!(
        select(&short, ".toc").is_empty(),
        "no contents for one section"
    );
    assert!(texts(&short, ".article-header .meta")[0].contains("1 min read"));
}
