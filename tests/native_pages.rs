//! A one-off build writes article pages without Tera when the site keeps the built-in
//! `article.html` and `base.html` (`render::native`). Copying those two templates into
//! `layouts/` unchanged makes the site render them with Tera instead: both builds must
//! give the same bytes, for every page.

mod common;

use std::path::Path;

use common::*;

const BUILT_IN_ARTICLE: &str = include_str!("../src/theme/templates/article.html");
const BUILT_IN_BASE: &str = include_str!("../src/theme/templates/base.html");

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
