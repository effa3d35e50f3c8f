//! Issue 3: the shared glossary, linked across every article, both ways.

mod common;

use common::*;
use scraper::Html;

fn glossary_site() -> TestSite {
    let site = TestSite::new();
    site.term(
        "article-9.md",
        "term = \"Article 9\"\naliases = [\"the war-renouncing clause\"]",
        "The clause of Japan's constitution that renounces war.\n\nMore detail.",
    );
    site.term(
        "article-9-full.md",
        "term = \"Article 9 of the constitution\"",
        "The full form.",
    );
    site.term("quad.md", "term = \"Quad\"\naliases = [\"Quadrilateral Security Dialogue\"]\nexpansion = \"Quadrilateral Security Dialogue\"", "A grouping of four democracies.");
    site.term(
        "edd.md",
        "term = \"EDD\"\nexpansion = \"Extended Deterrence Dialogue\"",
        "Talks on the US nuclear umbrella, where the Quad is not involved.",
    );
    site
}

fn linked_terms(html: &Html) -> Vec<String> {
    texts(html, ".prose a.term")
}

fn article_page(site: &TestSite, body: &str) -> Html {
    site.simple("a.md", "A", body);
    let built = site.build();
    page(&built, "articles/a/")
}

#[test]
fn whole_words_only() {
    let html = article_page(
        &glossary_site(),
        "Article 90 is not it, nor the Quadrant.\n",
    );
    assert!(linked_terms(&html).is_empty(), "{:?}", linked_terms(&html));
    let html = article_page(&glossary_site(), "Under Article 9, the Quad.\n");
    assert_eq!(linked_terms(&html), ["Article 9", "Quad"]);
}

#[test]
fn longest_match_first() {
    let html = article_page(
        &glossary_site(),
        "Under Article 9 of the constitution, Japan renounces war.\n",
    );
    assert_eq!(linked_terms(&html), ["Article 9 of the constitution"]);
    assert_eq!(
        attrs(&html, ".prose a.term", "href"),
        ["/glossary/#article-9-of-the-constitution"]
    );
}

#[test]
fn acronyms_match_exact_case_other_terms_any_case() {
    let html = article_page(
        &glossary_site(),
        "The edd and the Edd are not the EDD. The quad is.\n",
    );
    assert_eq!(linked_terms(&html), ["EDD", "quad"]);
}

#[test]
fn case_sensitive_can_be_set_per_term() {
    let site = glossary_site();
    site.term(
        "nss.md",
        "term = \"NSS\"\ncase_sensitive = false",
        "The strategy.",
    );
    let html = article_page(&site, "The nss was revised.\n");
    assert_eq!(linked_terms(&html), ["nss"]);
}

#[test]
fn aliases_link_to_their_term() {
    let html = article_page(
        &glossary_site(),
        "The Quadrilateral Security Dialogue met.\n",
    );
    assert_eq!(linked_terms(&html), ["Quadrilateral Security Dialogue"]);
    assert_eq!(attrs(&html, ".prose a.term", "href"), ["/glossary/#quad"]);
}

#[test]
fn never_inside_code_links_headings_alt_text_or_raw_html() {
    let body = "## The Quad in a heading\n\n`Quad` in code and [the Quad](https://x.org) in a link.\n\n```\nQuad in a block\n```\n\n![the Quad](/q.png)\n\n<span>Quad in raw HTML and *the Quad* too</span>\n";
    let html = article_page(&glossary_site(), body);
    assert!(linked_terms(&html).is_empty(), "{:?}", linked_terms(&html));
    assert_eq!(select(&html, "a.term").len(), 0);
}

#[test]
fn a_term_split_by_a_line_wrap_still_matches() {
    let html = article_page(&glossary_site(), "Japan's reading of Article\n9 changed.\n");
    assert_eq!(linked_terms(&html), ["Article 9"]);
}

#[test]
fn only_the_first_mention_is_linked_by_default() {
    let html = article_page(
        &glossary_site(),
        "The Quad met. The Quad met again.\n\nAnd the Quad once more.\n",
    );
    assert_eq!(linked_terms(&html), ["Quad"]);
    assert_eq!(attrs(&html, ".prose a.term", "id"), ["m-quad"]);
}

#[test]
fn the_first_mention_in_reading_order_is_the_linked_one() {
    let body = "Before *the* EDD, a wrapped\nline.\n\n## Heading\n\nLater the EDD again, and the *Quad* then the Quad.\n";
    let html = article_page(&glossary_site(), body);
    assert_eq!(linked_terms(&html), ["EDD", "Quad"]);
    let first_paragraph = &select(&html, ".prose p")[0];
    assert_eq!(
        first_paragraph.select(&sel("a.term")).count(),
        1,
        "EDD is linked where it first appears"
    );
    let second = &select(&html, ".prose p")[1];
    assert_eq!(
        texts(&html, ".prose p em a.term"),
        ["Quad"],
        "{}",
        second.html()
    );
}

#[test]
fn link_mode_all_and_none_from_config_and_front_matter() {
    let site = glossary_site();
    site.config("title = \"T\"\n[glossary]\nlink = \"all\"\n");
    let html = article_page(&site, "The Quad met. The Quad met again.\n");
    assert_eq!(linked_terms(&html), ["Quad", "Quad"]);
    assert_eq!(attrs(&html, ".prose a.term", "id"), ["m-quad", "m-quad-2"]);
    site.article(
        "a.md",
        "title = \"A\"\ndate = 2025-01-01\nglossary_links = \"none\"",
        "The Quad met.\n",
    );
    let built = site.build();
    assert!(linked_terms(&page(&built, "articles/a/")).is_empty());
    // Unlinked mentions still count as mentions on the glossary page.
    let glossary = page(&built, "glossary/");
    assert_eq!(texts(&glossary, "#quad .mentioned-in li a"), ["A"]);
}

#[test]
fn the_tooltip_is_reachable_by_keyboard_and_screen_readers() {
    let html = article_page(&glossary_site(), "The EDD met.\n");
    let link = &select(&html, ".prose a.term")[0];
    let tip_id = link
        .value()
        .attr("aria-describedby")
        .expect("aria-describedby");
    let tip = &select(&html, &format!("#{tip_id}"))[0];
    assert_eq!(tip.value().attr("role"), Some("tooltip"));
    let tip_text = text(tip);
    assert!(
        tip_text.contains("Extended Deterrence Dialogue") && tip_text.contains("nuclear umbrella"),
        "{tip_text}"
    );
    // A real link: focusable, works without JavaScript.
    assert_eq!(link.value().attr("href"), Some("/glossary/#edd"));
}

#[test]
fn definitions_link_other_terms_but_not_themselves() {
    let built = {
        let site = glossary_site();
        site.simple("a.md", "A", "The EDD.");
        site.build()
    };
    let glossary = page(&built, "glossary/");
    assert_eq!(texts(&glossary, "#edd .definition a.term"), ["Quad"]);
    assert!(texts(&glossary, "#quad .definition a.term").is_empty());
}

#[test]
fn glossary_page_lists_terms_a_to_z_with_backlinks_and_counts() {
    let site = glossary_site();
    site.simple("one.md", "One", "The Quad, the Quad and the Quad.\n");
    site.article(
        "two.md",
        "title = \"Two\"\ndate = 2025-02-01",
        "Intro.\n\nThe Quad and Article 9.\n",
    );
    let built = site.build();
    let g = page(&built, "glossary/");
    assert_eq!(
        texts(&g, ".entry dt dfn"),
        ["Article 9", "Article 9 of the constitution", "EDD", "Quad"]
    );
    assert_eq!(
        texts(&g, "#quad .expansion"),
        ["Quadrilateral Security Dialogue"]
    );
    assert_eq!(
        texts(&g, "#article-9 .alias"),
        ["the war-renouncing clause"]
    );
    // Most mentions first, each linked to the first mention's anchor.
    assert_eq!(texts(&g, "#quad .mentioned-in li a"), ["One", "Two"]);
    assert_eq!(
        attrs(&g, "#quad .mentioned-in li a", "href"),
        ["/articles/one/#m-quad", "/articles/two/#m-quad"]
    );
    assert_eq!(
        texts(&g, "#quad .mentioned-in .count"),
        ["3 mentions", "1 mention"]
    );
    // The anchors exist on the article pages.
    assert_eq!(select(&page(&built, "articles/one/"), "a#m-quad").len(), 1);
}

#[test]
fn glossary_has_json_ld_and_glossary_json() {
    let site = glossary_site();
    site.simple("a.md", "A", "The EDD.\n");
    let built = site.build();
    let g = page(&built, "glossary/");
    let ld: serde_json::Value =
        serde_json::from_str(&texts(&g, "script[type='application/ld+json']")[0]).unwrap();
    assert_eq!(ld["@type"], "DefinedTermSet");
    assert_eq!(ld["hasDefinedTerm"].as_array().unwrap().len(), 4);
    let json: serde_json::Value =
        serde_json::from_slice(built.output.get("glossary.json").unwrap()).unwrap();
    let edd = json["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == "EDD")
        .unwrap();
    assert_eq!(edd["expansion"], "Extended Deterrence Dialogue");
    assert_eq!(edd["articles"][0]["title"], "A");
    assert_eq!(edd["articles"][0]["mentions"], 1);
}

#[test]
fn article_lists_its_terms_and_related_articles_ranked() {
    let site = glossary_site();
    site.article(
        "a.md",
        "title = \"A\"\ndate = 2025-01-05\ntags = [\"x\"]",
        "The Quad, the EDD and Article 9.\n",
    );
    site.article(
        "b.md",
        "title = \"B\"\ndate = 2025-01-04\ntags = [\"y\"]",
        "The Quad and the EDD.\n",
    );
    site.article(
        "c.md",
        "title = \"C\"\ndate = 2025-01-03\ntags = [\"x\"]",
        "The Quad.\n",
    );
    site.article(
        "d.md",
        "title = \"D\"\ndate = 2025-01-02\ntags = [\"z\"]",
        "Nothing shared.\n",
    );
    let built = site.build();
    let a = page(&built, "articles/a/");
    assert_eq!(
        texts(&a, ".terms-in-article li > a"),
        ["Quad", "EDD", "Article 9"]
    );
    // b shares two terms (score 4); c shares one term and a tag (score 3); d shares nothing.
    assert_eq!(texts(&a, ".related li > a"), ["B", "C"]);
    assert!(
        texts(&a, ".related .shared")[0].contains("Quad")
            && texts(&a, ".related .shared")[0].contains("EDD")
    );
}

#[test]
fn explicit_wiki_links_to_terms_resolve_or_fail() {
    let site = glossary_site();
    site.simple(
        "a.md",
        "A",
        "See [[EDD]] and [[Quadrilateral Security Dialogue|the four]].\n",
    );
    let built = site.build();
    let a = page(&built, "articles/a/");
    assert_eq!(
        attrs(&a, ".prose a.term", "href"),
        ["/glossary/#edd", "/glossary/#quad"]
    );
    assert_eq!(linked_terms(&a), ["EDD", "the four"]);
    site.simple("a.md", "A", "Intro.\n\nSee [[Nonexistent Term]].\n");
    let diags = site.build_err();
    let d = diags.errors().next().unwrap();
    assert_eq!(d.file.as_deref(), Some("content/articles/a.md"));
    assert_eq!(d.line, Some(7));
    assert!(d.message.contains("Nonexistent Term"), "{}", d.message);
}

#[test]
fn glossary_errors_name_the_file() {
    let cases: [(&str, &str, &str); 4] = [
        ("x.md", "aliases = [\"X\"]", "no `term`"),
        ("quad2.md", "term = \"quad\"", "defined twice"),
        (
            "y.md",
            "term = \"Y\"\naliases = [\"EDD\"]",
            "name of another term",
        ),
        (
            "z.md",
            "term = \"Z\"\naliases = [\"Quadrilateral Security Dialogue\"]",
            "also an alias",
        ),
    ];
    for (file, front, words) in cases {
        let site = glossary_site();
        site.simple("a.md", "A", "x");
        site.term(file, front, "Def.");
        let diags = site.build_err();
        let all = diags.render();
        assert!(
            all.contains(&format!("content/glossary/{file}"))
                || (file == "z.md" && all.contains("content/glossary/")),
            "{file}: {all}"
        );
        assert!(all.contains(words), "{file}: expected '{words}' in {all}");
    }
}

#[test]
fn check_warns_about_unmentioned_terms_and_missing_acronyms() {
    let site = glossary_site();
    site.simple("a.md", "A", "The Quad and the JSDF.\n");
    site.simple("b.md", "B", "More on the JSDF.\n");
    let run = site.run(&["check"]);
    run.ok();
    assert!(
        run.stderr
            .contains("no article mentions the glossary term \"EDD\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("\"JSDF\" is used in 2 articles but has no glossary entry"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("glossary term \"Quad\""),
        "{}",
        run.stderr
    );
}

#[test]
fn every_bundled_term_that_an_article_mentions_is_linked() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = kiji::build(root, &kiji::BuildOptions::default())
        .unwrap_or_else(|d| panic!("{}", d.render()));
    let g = page(&built, "glossary/");
    let entries = select(&g, ".entry");
    assert!(entries.len() >= 15);
    let mut with_articles = 0;
    for entry in &entries {
        let id = entry.value().attr("id").unwrap();
        for href in attrs(&g, &format!("#{id} .mentioned-in li a"), "href") {
            with_articles += 1;
            // Each backlink lands on a linked mention of this very term.
            let (path, anchor) = href.trim_start_matches('/').split_once('#').unwrap();
            let article = page(&built, path);
            let target = select(&article, &format!("a.term#{anchor}"));
            assert_eq!(target.len(), 1, "{href}");
            assert_eq!(
                target[0].value().attr("href"),
                Some(format!("/glossary/#{id}").as_str())
            );
        }
    }
    assert!(with_articles >= 15, "{with_articles}");
    for required in [
        "article-9",
        "aod",
        "foip",
        "edd",
        "quad",
        "aukus",
        "nss",
        "sdf",
        "proactive-pacifism",
        "asian-nato",
        "collective-self-defence",
        "counterstrike-capability",
        "senkaku-islands",
        "orient-shield",
        "extended-deterrence",
    ] {
        assert_eq!(
            select(&g, &format!("#{required}")).len(),
            1,
            "missing term {required}"
        );
        assert!(
            !select(&g, &format!("#{required} .mentioned-in li")).is_empty(),
            "{required} is mentioned by no article"
        );
    }
}
