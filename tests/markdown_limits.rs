//! Pathological Markdown: no stack overflow, no hang, no quadratic blow-up.
//!
//! Every case is rendered (glossary linking included) on a thread with a 2 MiB stack —
//! the default for spawned threads, and what rayon's workers get — and built for real
//! through the binary, whose renders run on rayon's workers.

mod common;

use std::time::{Duration, Instant};

use common::*;
use kiji::config::{LinkMode, MarkdownConfig};
use kiji::glossary::{Glossary, TermInfo, TermSpec};
use kiji::markdown::render_standalone;

const DEPTH: usize = 10_000;
const TWO_MIB: usize = 2 * 1024 * 1024;

/// (name, Markdown, a string the HTML must contain at least `count` times)
fn cases() -> Vec<(&'static str, String, &'static str, usize)> {
    vec![
        (
            "nested block quotes",
            format!("{}AOD here", "> ".repeat(DEPTH)),
            "<blockquote>",
            DEPTH,
        ),
        // comrak stops nesting lists at 100 levels (MAX_LIST_DEPTH); the rest stays text.
        (
            "nested bullet lists",
            format!("{}AOD here", "- ".repeat(DEPTH)),
            "<ul>",
            99,
        ),
        (
            "nested ordered lists",
            format!("{}AOD here", "1. ".repeat(DEPTH)),
            "<ol>",
            99,
        ),
        (
            "quotes in lists",
            format!("{}AOD", "> - ".repeat(DEPTH / 2)),
            "<blockquote>",
            50,
        ),
        (
            "indented nested list",
            (0..500)
                .map(|i| format!("{}- AOD {i}\n", "  ".repeat(i)))
                .collect(),
            "<ul>",
            99,
        ),
        (
            "nested emphasis",
            format!("{}AOD{}", "*a **a ".repeat(DEPTH), " a** a*".repeat(DEPTH)),
            "<em>",
            DEPTH,
        ),
        (
            "nested links",
            format!("{}AOD{}", "[".repeat(DEPTH), "](x)".repeat(DEPTH)),
            "AOD",
            1,
        ),
        (
            "nested images",
            format!("{}AOD{}", "![".repeat(DEPTH), "](x)".repeat(DEPTH)),
            "<img",
            1,
        ),
        ("unclosed links", "[a](<b".repeat(DEPTH), "[a](&lt;b", DEPTH),
        (
            "unclosed comments",
            format!("</{}", "<!--".repeat(DEPTH)),
            "&lt;!",
            DEPTH,
        ),
        ("emphasis openers", "_a ".repeat(DEPTH * 3), "_a", DEPTH * 3),
        (
            "backtick runs",
            (1..1000).map(|i| format!("e{}", "`".repeat(i))).collect(),
            "e",
            999,
        ),
        (
            "huge table (rows)",
            format!("| a | b |\n|---|---|\n{}", "| AOD | y |\n".repeat(20_000)),
            "<tr>",
            20_001,
        ),
        (
            "huge table (columns)",
            format!(
                "|{}\n|{}\n{}",
                "a|".repeat(2000),
                "-|".repeat(2000),
                format!("|{}\n", "x|".repeat(2000)).repeat(10)
            ),
            "<td",
            20_000,
        ),
        (
            "unclosed code fence",
            format!(
                "Before AOD.\n\n```rust\nfn main() {{\n{}",
                "    let aod = 1;\n".repeat(2000)
            ),
            "<pre",
            1,
        ),
        (
            "footnote chain",
            (0..2000)
                .map(|i| format!("[^{i}]: See [^{}] AOD.\n\n", i + 1))
                .collect::<String>()
                + "Start[^0].",
            "footnote",
            1,
        ),
        ("NUL bytes", "a\0AOD\0b ".repeat(1000), "\u{FFFD}", 2000),
    ]
}

fn glossary() -> Glossary {
    Glossary::new(vec![TermSpec {
        info: TermInfo {
            slug: "aod".into(),
            name: "AOD".into(),
            tip: "Assistance for Development".into(),
            href: "/glossary/#aod".into(),
        },
        names: vec!["AOD".into()],
        case_sensitive: None,
    }])
}

#[test]
fn pathological_markdown_renders_on_a_two_mib_stack() {
    for (name, markdown, needle, count) in cases() {
        let started = Instant::now();
        let html = std::thread::Builder::new()
            .stack_size(TWO_MIB)
            .spawn(move || {
                render_standalone(
                    &glossary(),
                    &markdown,
                    &MarkdownConfig::default(),
                    LinkMode::All,
                )
                .html
            })
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{name}: render panicked"));
        let elapsed = started.elapsed();
        assert!(
            html.matches(needle).count() >= count,
            "{name}: expected {count}× {needle:?}, found {}",
            html.matches(needle).count()
        );
        // Generous for a debug build on a busy machine; a quadratic walk took 45 s here.
        assert!(elapsed < Duration::from_secs(30), "{name} took {elapsed:?}");
    }
}

#[test]
fn pathological_markdown_builds_through_the_binary() {
    let site = TestSite::new();
    site.term("aod.md", "term = \"AOD\"", "Assistance for Development.");
    for (i, (name, markdown, _, _)) in cases().into_iter().enumerate() {
        site.simple(&format!("case-{i}.md"), name, &markdown);
    }
    site.run(&["build"]).ok();
    let quotes = std::fs::read_to_string(site.path("public/articles/case-0/index.html")).unwrap();
    assert_eq!(quotes.matches("<blockquote>").count(), DEPTH);
    assert!(
        quotes.contains("class=\"term\""),
        "the glossary term deep inside is linked"
    );
}

#[test]
fn raw_html_is_escaped_by_default_even_when_deeply_nested() {
    let markdown = format!("{}<script>alert(1)</script>", "> ".repeat(DEPTH));
    let html = render_standalone(
        &glossary(),
        &markdown,
        &MarkdownConfig::default(),
        LinkMode::First,
    )
    .html;
    assert!(!html.contains("<script>"), "raw HTML passed through");
}
