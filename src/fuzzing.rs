//! The bodies of the fuzz targets in `fuzz/`, here so that every input a fuzzer ever
//! crashed on is replayed by `tests/fuzz_regressions.rs` in a plain `cargo test`.
//! Each function panics exactly when its fuzz target would report a finding.

use std::sync::Arc;

use crate::config::{LinkMode, MarkdownConfig, SiteConfig};
use crate::content::{parse_all, ParseOptions};
use crate::date::PartialDate;
use crate::glossary::{Glossary, TermInfo, TermSpec};
use crate::markdown::render_standalone;
use crate::source::{decode, SourceFile, SourceKind};

/// Raw bytes as an article, glossary term or timeline file (chosen by the first byte):
/// decoding, front matter splitting and parsing, validation, and rendering every
/// diagnostic must never panic.
pub fn front_matter(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let text = match decode(bytes) {
        Ok(t) => t,
        Err((line, col)) => {
            assert!(line >= 1 && col >= 1);
            return;
        }
    };
    let (kind, display) = match selector % 3 {
        0 => (SourceKind::Article, "content/articles/a.md"),
        1 => (SourceKind::Term, "content/glossary/a.md"),
        _ => (SourceKind::Timeline, "content/timeline.toml"),
    };
    let source = SourceFile {
        kind,
        display: display.to_string(),
        rel: "a.md".to_string(),
        text: Arc::from(text),
    };
    let config = SiteConfig::parse("title = \"Fuzz\"", "site.toml").expect("valid config");
    let diags = match parse_all(&[source], &config, &ParseOptions { drafts: true }) {
        Ok((_, warnings)) => warnings,
        Err(errors) => errors,
    };
    for d in &diags.0 {
        let _ = d.render();
        let _ = d.to_string();
    }
}

/// Term names one per line (aliases after `|`), a blank line, then Markdown. Linking
/// must never panic, its diagnostics must render, and linking must not change the
/// words a reader sees.
pub fn linker(data: &str) {
    let (head, body) = data.split_once("\n\n").unwrap_or(("", data));
    let specs: Vec<TermSpec> = head
        .lines()
        .take(32)
        .enumerate()
        .map(|(i, line)| TermSpec {
            info: TermInfo {
                slug: format!("t{i}"),
                name: line.to_string(),
                tip: line.to_string(),
                href: format!("/glossary/#t{i}"),
            },
            names: line.split('|').map(str::to_string).collect(),
            case_sensitive: None,
        })
        .collect();
    let glossary = Glossary::new(specs);
    let empty = Glossary::new(Vec::new());
    let config = MarkdownConfig::default();
    for mode in [LinkMode::First, LinkMode::All] {
        let linked = render_standalone(&glossary, body, &config, mode);
        for d in &linked.errors {
            let _ = d.render();
        }
        let plain = render_standalone(&empty, body, &config, mode);
        assert_eq!(linked.search, plain.search, "linking changed the text");
        assert_eq!(linked.words, plain.words, "linking changed the word count");
    }
}

/// The partial-date parser: never panics, and what it accepts round-trips.
pub fn date(data: &str) {
    let Ok(d) = PartialDate::parse(data) else {
        return;
    };
    assert_eq!(PartialDate::parse(&d.iso()), Ok(d));
    let _ = d.human();
    assert!(d.day_after_end() > d.first_day());
}
