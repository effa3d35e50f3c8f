//! Property tests for the glossary linker, on documents built from fragments that mix
//! terms, near-misses and every context where a term must not be linked.

use kiji::config::{LinkMode, MarkdownConfig};
use kiji::glossary::{Glossary, TermInfo, TermSpec};
use kiji::markdown::render_standalone;
use proptest::prelude::*;
use scraper::{ElementRef, Html, Selector};

const TERMS: &[(&str, &[&str])] = &[
    ("AOD", &["Assistance for Development"]),
    ("Article 9", &[]),
    ("Quad", &["the Quad alliance"]),
    ("EDD", &[]),
    ("Proactive Pacifism", &[]),
    ("O'Brien doctrine", &[]),
];

const INLINE: &[&str] = &[
    "AOD",
    "Article 9",
    "Article\n9",
    "Quad",
    "the Quad alliance",
    "Quadrant",
    "Article 90",
    "EDD's",
    "edd",
    "proactive pacifism",
    "O'Brien doctrine",
    "Assistance for Development",
    "`AOD`",
    "``Article 9``",
    "[AOD link](https://e.org)",
    "[see *Quad*](https://e.org)",
    "![AOD](a.png)",
    "**AOD**",
    "_Article 9_",
    "<https://e.org/AOD>",
    "x < y & z",
    "\"quoted\"",
    "'single'",
    "日本 AOD",
    "AOD_x",
    "AODAOD",
    "a",
    "word",
    "<b>AOD</b>",
    "[AOD]",
    "*",
    "_",
    "\\",
    "&amp;",
    "#",
    "~~EDD~~",
    "www.e.org",
];

const SEPARATORS: &[&str] = &[
    " ",
    " ",
    " ",
    "\n",
    "\n\n",
    "\n\n## ",
    "\n\n> ",
    "\n\n- ",
    "\n\n1. ",
    "\n\n```\n",
    "\n\n    ",
    "\n\n| a | b |\n|---|---|\n| ",
    " | ",
    "\n\n---\n\n",
    "  \n",
];

fn glossary() -> Glossary {
    Glossary::new(
        TERMS
            .iter()
            .enumerate()
            .map(|(i, (name, aliases))| TermSpec {
                info: TermInfo {
                    slug: format!("t{i}"),
                    name: name.to_string(),
                    tip: format!("{name} means <something> & \"more\""),
                    href: format!("/glossary/#t{i}"),
                },
                names: std::iter::once(*name)
                    .chain(aliases.iter().copied())
                    .map(String::from)
                    .collect(),
                case_sensitive: None,
            })
            .collect(),
    )
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(INLINE),
            prop::sample::select(SEPARATORS),
        ),
        1..40,
    )
    .prop_map(|parts| parts.into_iter().flat_map(|(a, b)| [a, b]).collect())
}

fn render(markdown: &str, glossary: &Glossary) -> String {
    render_standalone(
        glossary,
        markdown,
        &MarkdownConfig::default(),
        LinkMode::All,
    )
    .html
}

/// Removes every inserted link, keeping the linked words, and every tooltip.
fn strip_links(html: &str) -> String {
    const OPEN: &str = "<span class=\"term-ref\"><a class=\"term\" ";
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let text_start = OPEN.len() + after[OPEN.len()..].find('>').unwrap() + 1;
        let text_end = after.find("</a>").unwrap();
        out.push_str(&after[text_start..text_end]);
        let end = after.find("</span></span>").unwrap() + "</span></span>".len();
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Differences that are not the linker's business: whitespace runs (a wrapped term is
/// shown with a space) and the spelling of an escaped apostrophe.
fn normalise(html: &str) -> String {
    html.replace("&#39;", "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn ancestors_named(el: &ElementRef<'_>, names: &[&str]) -> Vec<String> {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .map(|a| a.value().name().to_string())
        .filter(|n| names.contains(&n.as_str()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn output_is_well_formed(doc in document()) {
        let linked = render(&doc, &glossary());
        // The HTML parser's own error list: unbalanced tags, bad attributes, stray `<`.
        // Whatever comrak itself reports for the unlinked document is not the linker's doing.
        let plain = render(&doc, &Glossary::new(Vec::new()));
        let errors = Html::parse_fragment(&linked).errors;
        let baseline = Html::parse_fragment(&plain).errors;
        prop_assert!(errors.len() <= baseline.len(), "{errors:?} in:\n{linked}");
    }

    #[test]
    fn never_links_inside_code_links_headings_or_alt_text(doc in document()) {
        let html = Html::parse_fragment(&render(&doc, &glossary()));
        let terms = Selector::parse("a.term").unwrap();
        for link in html.select(&terms) {
            let bad = ancestors_named(&link, &["a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"]);
            prop_assert!(bad.is_empty(), "term link inside {bad:?} in {doc:?}");
        }
        // Alt text is an attribute: a link there would show as markup in it.
        let imgs = Selector::parse("img").unwrap();
        for img in html.select(&imgs) {
            prop_assert!(!img.value().attr("alt").unwrap_or("").contains('<'));
        }
    }

    #[test]
    fn removing_the_links_gives_back_the_original(doc in document()) {
        let linked = render(&doc, &glossary());
        let plain = render(&doc, &Glossary::new(Vec::new()));
        prop_assert_eq!(normalise(&strip_links(&linked)), normalise(&plain), "document: {:?}", doc);
    }

    #[test]
    fn linked_words_are_whole_words_and_known_names(doc in document()) {
        let html = Html::parse_fragment(&render(&doc, &glossary()));
        let names: Vec<String> = TERMS
            .iter()
            .flat_map(|(n, a)| std::iter::once(*n).chain(a.iter().copied()))
            .map(str::to_lowercase)
            .collect();
        let terms = Selector::parse("a.term").unwrap();
        for link in html.select(&terms) {
            let shown = link.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
            prop_assert!(names.contains(&shown.to_lowercase()), "{shown:?} is not a term name");
        }
    }
}

/// The well-formedness property relies on html5ever reporting broken markup.
#[test]
fn the_parser_reports_broken_markup() {
    assert!(Html::parse_fragment("<p>fine</p>").errors.is_empty());
    assert!(!Html::parse_fragment("<p><a href=\"x\">x</p></a></span>")
        .errors
        .is_empty());
}
