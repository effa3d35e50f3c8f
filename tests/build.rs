//! Issue 2: `kiji build` turns content/ into a complete, cross-linked site.

mod common;

use common::*;

fn two_articles() -> TestSite {
    let site = TestSite::new();
    site.article(
        "first.md",
        "title = \"First piece\"\ndate = 2025-01-10\nsummary = \"The first.\"\ntags = [\"Alliances\", \"japan\"]\n[source]\npublication = \"Asia Times\"\ntitle = \"Original title\"\nurl = \"https://example.com/x\"",
        "Intro.\n\n## The Treaty\n\n### Details\n\nSee [the second](second.md) and [its part](second.md#a-part) and [here](#the-treaty).\n\n```rust\nfn main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\nText[^1].\n\n[^1]: A note.\n",
    );
    site.article(
        "sub/second.md",
        "title = \"Second piece\"\ndate = 2025-02-10\ntags = [\"japan\"]",
        "## A part\n\nBack to [the first](../first.md).\n",
    );
    site
}

#[test]
fn every_article_gets_a_page_with_pretty_urls() {
    let built = two_articles().build();
    for path in [
        "articles/first/",
        "articles/second/",
        "",
        "tags/",
        "tags/japan/",
        "tags/alliances/",
        "404.html",
    ] {
        page(&built, path);
    }
    let first = page(&built, "articles/first/");
    assert_eq!(texts(&first, "h1"), ["First piece"]);
    assert_eq!(texts(&first, "title"), ["First piece · Test Site"]);
}

#[test]
fn links_between_articles_resolve_to_their_pages() {
    let built = two_articles().build();
    let first = page(&built, "articles/first/");
    let hrefs = attrs(&first, ".prose a", "href");
    assert!(
        hrefs.contains(&"/articles/second/".to_string()),
        "{hrefs:?}"
    );
    assert!(
        hrefs.contains(&"/articles/second/#a-part".to_string()),
        "{hrefs:?}"
    );
    assert!(hrefs.contains(&"#the-treaty".to_string()), "{hrefs:?}");
    let second = page(&built, "articles/second/");
    assert!(attrs(&second, ".prose a", "href").contains(&"/articles/first/".to_string()));
    // The fragment exists on the target page.
    assert_eq!(select(&second, "h2#a-part").len(), 1);
}

#[test]
fn home_lists_articles_newest_first_with_dates_and_tags() {
    let built = two_articles().build();
    let home = page(&built, "");
    assert_eq!(texts(&home, ".card-title"), ["Second piece", "First piece"]);
    assert_eq!(
        attrs(&home, ".card time", "datetime"),
        ["2025-02-10", "2025-01-10"]
    );
    assert!(texts(&home, ".card .tag").contains(&"Alliances".to_string()));
}

#[test]
fn article_page_has_toc_source_credit_highlighting_and_gfm() {
    let built = two_articles().build();
    let first = page(&built, "articles/first/");
    assert_eq!(
        attrs(&first, ".source-credit a", "href"),
        ["https://example.com/x"]
    );
    assert!(texts(&first, ".source-credit")
        .join(" ")
        .contains("Asia Times"));
    assert_eq!(attrs(&first, ".toc a", "href"), ["#the-treaty", "#details"]);
    assert!(
        !select(&first, "pre code span[class]").is_empty(),
        "code is highlighted with classes"
    );
    assert_eq!(select(&first, ".prose table td").len(), 2);
    assert_eq!(
        select(&first, ".prose input[type=checkbox][checked]").len(),
        1
    );
    assert_eq!(select(&first, ".prose .footnotes li").len(), 1);
    // Previous/next: second is newer than first.
    assert_eq!(
        attrs(&first, ".prev-next a[rel=next]", "href"),
        ["/articles/second/"]
    );
    assert!(built
        .output
        .get("syntax.css")
        .is_some_and(|c| std::str::from_utf8(c)
            .unwrap()
            .contains("prefers-color-scheme: dark")));
}

#[test]
fn tag_pages_list_their_articles() {
    let built = two_articles().build();
    let japan = page(&built, "tags/japan/");
    assert_eq!(
        texts(&japan, ".card-title"),
        ["Second piece", "First piece"]
    );
    let alliances = page(&built, "tags/alliances/");
    assert_eq!(texts(&alliances, ".card-title"), ["First piece"]);
    let tags = page(&built, "tags/");
    assert_eq!(
        attrs(&tags, ".tag-cloud a", "href"),
        ["/tags/alliances/", "/tags/japan/"]
    );
}

#[test]
fn yaml_front_matter_is_accepted() {
    let site = TestSite::new();
    site.file(
        "content/articles/y.md",
        "---\ntitle: From Hugo\ndate: 2024-12-15\ntags: [a, b]\n---\nBody.\n",
    );
    let built = site.build();
    assert_eq!(texts(&page(&built, "articles/y/"), "h1"), ["From Hugo"]);
}

#[test]
fn slug_from_front_matter_wins_over_the_file_name() {
    let site = TestSite::new();
    site.article(
        "long-file-name.md",
        "title = \"T\"\ndate = 2025-01-01\nslug = \"short\"",
        "x",
    );
    let built = site.build();
    page(&built, "articles/short/");
    assert!(built
        .output
        .get("articles/long-file-name/index.html")
        .is_none());
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = TestSite::new();
    site.article(
        "d.md",
        "title = \"Draft\"\ndate = 2025-01-01\ndraft = true",
        "x",
    );
    site.simple("p.md", "Published", "y");
    let built = site.build();
    assert!(built.output.get("articles/d/index.html").is_none());
    assert_eq!(texts(&page(&built, ""), ".card-title"), ["Published"]);
    let mut opts = site.options();
    opts.drafts = true;
    let with = site.build_with(&opts);
    page(&with, "articles/d/");
    site.run(&["build", "--drafts"]).ok();
    assert!(site.path("public/articles/d/index.html").exists());
}

#[test]
fn a_template_in_layouts_overrides_the_default() {
    let site = TestSite::new();
    site.simple("a.md", "A", "body");
    site.file("layouts/404.html", "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">Lost at sea</p>{% endblock content %}");
    site.file("assets/style.css", "body { color: red; }");
    site.file("assets/img/logo.png", "png");
    let built = site.build();
    assert_eq!(texts(&page(&built, "404.html"), ".custom"), ["Lost at sea"]);
    assert_eq!(
        built.output.get("style.css").unwrap(),
        b"body { color: red; }"
    );
    assert!(built.output.get("img/logo.png").is_some());
    // Other templates are still the built-in ones.
    assert_eq!(texts(&page(&built, "articles/a/"), "h1"), ["A"]);
}

#[test]
fn build_writes_public_and_removes_stale_files() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    site.simple("b.md", "B", "y");
    site.run(&["build"]).ok();
    assert!(site.path("public/articles/b/index.html").exists());
    std::fs::remove_file(site.path("content/articles/b.md")).unwrap();
    site.run(&["build"]).ok();
    assert!(site.path("public/articles/a/index.html").exists());
    assert!(
        !site.path("public/articles/b").exists(),
        "stale page of a deleted article"
    );
}

#[test]
fn base_url_from_the_command_line_prefixes_every_link() {
    let site = two_articles();
    let run = site.run(&["build", "--base-url", "https://u.github.io/repo/"]);
    run.ok();
    let html = std::fs::read_to_string(site.path("public/articles/first/index.html")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    for href in attrs(&doc, "a[href], link[href]", "href") {
        if href.starts_with('/') {
            assert!(href.starts_with("/repo/"), "{href} escapes the base path");
        }
    }
    assert!(attrs(&doc, ".prose a", "href").contains(&"/repo/articles/second/".to_string()));
}

#[test]
fn output_folder_must_be_kijis_own() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    site.file("mine/notes.txt", "precious");
    let run = site.run(&["build", "--output", "mine"]);
    run.failed();
    assert!(
        run.stderr.contains("kiji did not create it"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(site.path("mine/notes.txt")).unwrap(),
        "precious"
    );
    for bad in [".", "content", "content/out"] {
        let run = site.run(&["build", "--output", bad]);
        run.failed();
        assert!(run.stderr.contains("refusing"), "{bad}: {}", run.stderr);
    }
    assert!(site.path("content/articles/a.md").exists());
}

#[test]
fn new_writes_an_article_and_refuses_to_overwrite() {
    let site = TestSite::new();
    let run = site.run(&["new", "Japan's New Strategy"]);
    run.ok();
    let path = site.path("content/articles/japans-new-strategy.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("title = \"Japan's New Strategy\""), "{text}");
    site.run(&["build"]).ok();
    assert!(site
        .path("public/articles/japans-new-strategy/index.html")
        .exists());
    std::fs::write(&path, "edited").unwrap();
    let again = site.run(&["new", "Japan's New Strategy"]);
    again.failed();
    assert!(again.stderr.contains("already exists"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited");
}

#[test]
fn check_writes_nothing_and_reports_problems() {
    let site = TestSite::new();
    site.simple("a.md", "A", "[broken](nope.md)");
    let run = site.run(&["check"]);
    run.failed();
    assert!(
        run.stderr.contains("content/articles/a.md:5"),
        "{}",
        run.stderr
    );
    assert!(!site.path("public").exists());
    site.simple("a.md", "A", "fine");
    site.run(&["check"]).ok();
    assert!(!site.path("public").exists());
}

#[test]
fn cli_has_help_and_version() {
    let site = TestSite::new();
    assert!(site.run(&["--version"]).ok().stdout.contains("kiji"));
    for cmd in ["build", "check", "new", "serve"] {
        let run = site.run(&[cmd, "--help"]);
        run.ok();
        assert!(run.stdout.contains("Usage"), "{cmd}");
    }
}

#[test]
fn the_bundled_site_builds_with_every_article() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = kiji::build(root, &kiji::BuildOptions::default())
        .unwrap_or_else(|d| panic!("{}", d.render()));
    let sources = std::fs::read_dir(root.join("content/articles"))
        .unwrap()
        .count();
    assert!(sources >= 5);
    let pages = built
        .output
        .files
        .keys()
        .filter(|k| k.starts_with("articles/") && k.ends_with("/index.html"))
        .count();
    assert_eq!(pages, sources);
    assert!(built.warnings.errors().next().is_none());
}
