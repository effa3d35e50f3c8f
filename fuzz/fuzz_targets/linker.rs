//! The glossary linker over comrak's AST. Input: term names, one per line (aliases after
//! `|`), a blank line, then the Markdown. Must never panic, and the text of the
//! rendered document must not depend on whether terms were linked.
#![no_main]

use kiji::config::{LinkMode, MarkdownConfig};
use kiji::glossary::{Glossary, TermInfo, TermSpec};
use kiji::markdown::render_standalone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
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
        // Diagnostics (e.g. `[[unknown term]]`) point into the text: rendering them
        // slices it, which must stay on character boundaries.
        for d in &linked.errors {
            let _ = d.render();
        }
        let plain = render_standalone(&empty, body, &config, mode);
        // Linking only wraps text; the words a reader sees stay the same.
        assert_eq!(
            linked.text.split_whitespace().collect::<Vec<_>>(),
            plain.text.split_whitespace().collect::<Vec<_>>()
        );
    }
});
