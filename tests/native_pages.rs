//! A one-off build writes article, glossary, timeline, index and tag pages without
//! Tera when the site keeps the built-in `base.html` and the page's own template
//! (`render::native`). Copying `base.html` into `layouts/` unchanged makes the site
//! render every page with Tera instead: both builds must give the same bytes, for
//! every page.

mod common;

use std::path::Path;

use common::*;

const BUILT_IN_ARTICLE: &str = include_str!("../src/theme/templates/article.html");
const BUILT_IN_BASE: &str = include_str!("../src/theme/templates/base.html");
const BUILT_IN_GLOSSARY: &str = include_str!("../src/theme/templates/glossary.html");

/// Builds `site` as it is, then with the built-in templates copied into layouts/, and
/// requires identical output; returns how many article pages were compared.
fn assert_same_with_tera(site: &TestSite) -> usize {
    let native = site.build();
    site.file("layouts/article.html", BUILT_IN_ARTICLE);
    site.file("layouts/base.html", BUILT_IN_BASE);
    let tera = site.build();
    assert_eq!(
        native.output.changed_paths(&tera.output),
        Vec::<String>::new()
    );
    let mut articles = 0;
    for (path, bytes) in &native.output.files {
        let other = tera.output.get(path).expect("same files");
        assert!(
            bytes.as_slice() == other,
            "{path} differs:\n--- native\n{}\n--- tera\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(other)
        );
        articles += usize::from(path.starts_with("articles/"));
    }
    articles
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn the_bundled_site_is_the_same_without_tera() {
    let site = TestSite::new();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_tree(&repo.join("content"), &site.path("content"));
    std::fs::copy(repo.join("site.toml"), site.path("site.toml")).unwrap();
    let pages = assert_same_with_tera(&site);
    assert!(pages >= 5, "{pages} article pages compared");
}

#[test]
fn every_optional_part_of_an_article_page_is_the_same_without_tera() {
    let site = TestSite::new();
    // A project subpath, an empty site description, markup in every text.
    site.config(
        "title = \"Notes <&> 'quoted' \\\"site\\\"\"\ndescription = \"\"\nbase_url = \"https://user.github.io/repo/\"\nlanguage = \"en-GB\"\nauthor = \"\"",
    );
    site.term(
        "aod.md",
        "term = \"AOD\"\naliases = [\"Assistance for Development\"]",
        "Aid with a tip that has <b>markup</b> & \"quotes\" / slashes.",
    );
    site.term("quad.md", "term = \"Quad\"", "Four countries.");
    site.article(
        "full.md",
        "title = \"All <parts> & 'quotes' / \\\"slashes\\\"\"\ndate = 2024-05-01\nupdated = 2024-06-02\nsummary = \"A summary with <em> & /\"\nauthor = \"A. <Writer>\"\ntags = [\"alpha\", \"beta & gamma\"]\n\n[source]\npublication = \"The <Journal>\"\ntitle = \"Original / \\\"title\\\"\"\nauthor = \"B. Author\"\nurl = \"https://example.org/a?b=1&c=2\"\ndate = \"2024-04\"\n\n[[events]]\ndate = \"2099-01\"\ntitle = \"A planned <event>\"\n\n[[events]]\ndate = \"2020\"\ntitle = \"A past event\"",
        "## First & <second>\n\nThe AOD and the Quad meet.\n\n### Deeper\n\nMore on AOD.\n\n## Third\n\nSee [the other](bare.md).\n",
    );
    site.article(
        "bare.md",
        "title = \"Bare\"\ndate = 2023-01-01",
        "Only one paragraph, which mentions the Quad.\n",
    );
    site.article(
        "untitled-source.md",
        "title = \"Untitled source\"\ndate = 2022-02-02\nsummary = \"\"\nauthor = \"\"\ntags = [\"alpha\"]\n\n[source]\nauthor = \"C. Author\"",
        "## Only heading\n\nText about nothing in the glossary.\n",
    );
    site.article(
        "shared-tags.md",
        "title = \"Shares a tag only\"\ndate = 2021-03-03\ntags = [\"beta & gamma\"]\n\n[source]\ntitle = \"\"",
        "No terms here.\n",
    );
    let pages = assert_same_with_tera(&site);
    assert_eq!(pages, 4);
    // The comparison is only worth something if the optional parts are there.
    let built = site.build();
    let full = page(&built, "articles/full/index.html");
    assert_eq!(texts(&full, ".lede").len(), 1);
    assert_eq!(texts(&full, ".toc li").len(), 3);
    assert_eq!(texts(&full, ".term-list li").len(), 2);
    assert_eq!(texts(&full, ".mini-timeline .badge"), ["planned"]);
    assert!(!texts(&full, ".related .shared").is_empty());
    assert_eq!(
        texts(&full, ".source-credit cite"),
        ["Original / \"title\""]
    );
    let untitled = page(&built, "articles/untitled-source/index.html");
    assert_eq!(texts(&untitled, ".source-credit cite"), ["a report"]);
    let shared = page(&built, "articles/shared-tags/index.html");
    assert_eq!(texts(&shared, ".source-credit cite"), [""]);
}

#[test]
fn every_optional_part_of_a_listing_page_is_the_same_without_tera() {
    let site = TestSite::new();
    site.config(
        "title = \"Listings <&>\"\ndescription = \"About \\\"things\\\" & <stuff>\"\nbase_url = \"https://user.github.io/repo/\"\n\n[timeline]\norder = \"newest-first\"",
    );
    // Expansion, several aliases, markup; a term nobody mentions; a lower-case initial.
    site.term(
        "aod.md",
        "term = \"AOD\"\nexpansion = \"Aid <of> Development\"\naliases = [\"Assistance\", \"A & D\"]",
        "Aid with *markup*.",
    );
    site.term("unused.md", "term = \"Unused\"", "Mentioned nowhere.");
    site.term("ebox.md", "term = \"eBox\"", "Lower case first.");
    site.article(
        "one.md",
        "title = \"One <tag>\"\ndate = 2024-05-01\nsummary = \"S & <b>\"\ntags = [\"solo & only\", \"shared\"]\n\n[[events]]\ndate = \"2099-01\"\ntitle = \"Planned <event> with AOD\"\ntags = [\"future & plans\"]\n\n[[events]]\ndate = \"2020\"\ntitle = \"A year event\"\nbody = \"With a *body* and eBox.\"\n\n[[events]]\ndate = \"2020-03-04\"\ntitle = \"A day event\"\ntags = [\"future & plans\", \"past\"]",
        "AOD once, AOD twice, and the eBox.\n",
    );
    site.article(
        "two.md",
        "title = \"Two\"\ndate = 2023-01-01\ntags = [\"shared\"]\n\n[[events]]\ndate = \"2020-03-04\"\ntitle = \"A day event\"\ntags = [\"past\"]",
        "Only one AOD.\n",
    );
    site.article(
        "three.md",
        "title = \"Three\"\ndate = 2022-01-01",
        "Nothing.\n",
    );
    assert_same_with_tera(&site);
    // The comparison is only worth something if the optional parts are there.
    let built = site.build();
    let glossary = page(&built, "glossary/index.html");
    assert_eq!(texts(&glossary, ".letter-heading"), ["A", "E", "U"]);
    assert_eq!(texts(&glossary, ".alias"), ["Assistance", "A & D"]);
    assert_eq!(texts(&glossary, ".expansion"), ["Aid <of> Development"]);
    assert_eq!(
        texts(&glossary, "#aod .mentioned-in .count"),
        ["2 mentions", "1 mention"]
    );
    assert_eq!(texts(&glossary, "#aod .term-events li").len(), 1);
    assert!(select(&glossary, "#unused .mentioned-in").is_empty());
    let timeline = page(&built, "timeline/index.html");
    assert_eq!(texts(&timeline, ".year-heading"), ["2099", "2020"]);
    assert_eq!(texts(&timeline, ".event.upcoming .badge"), ["planned"]);
    assert_eq!(texts(&timeline, ".event-body").len(), 1);
    assert_eq!(texts(&timeline, ".event-articles a").len(), 4);
    let tagged = page(&built, "timeline/tags/past/index.html");
    assert_eq!(
        texts(&tagged, ".timeline-filter [aria-current]"),
        ["past 1"]
    );
    let index = page(&built, "index.html");
    assert_eq!(texts(&index, ".card-title").len(), 3);
    assert_eq!(texts(&index, ".mini-timeline li").len(), 2);
    let tag = page(&built, "tags/solo-only/index.html");
    assert_eq!(texts(&tag, "main > .meta"), ["1 article · All tags"]);
}

/// Overriding one listing template switches that page to Tera, and only that page.
#[test]
fn an_overridden_listing_template_is_rendered_by_tera() {
    let site = TestSite::new();
    site.term("aod.md", "term = \"AOD\"", "Aid.");
    site.simple("a.md", "A", "The AOD.\n");
    let native = site.build();
    let marked = BUILT_IN_GLOSSARY.replace("<h1>Glossary</h1>", "<h1>Glossary</h1><!-- mine -->");
    site.file("layouts/glossary.html", &marked);
    let overridden = site.build();
    assert_eq!(
        native.output.changed_paths(&overridden.output),
        ["glossary/index.html"]
    );
    let html =
        String::from_utf8_lossy(overridden.output.get("glossary/index.html").unwrap()).into_owned();
    assert!(html.contains("<h1>Glossary</h1><!-- mine -->"), "{html}");
}
