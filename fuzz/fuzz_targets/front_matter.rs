//! Raw bytes as an article or glossary file: decoding, front matter splitting and
//! parsing, validation, and rendering whatever diagnostics come out must never panic.
#![no_main]

use std::sync::Arc;

use kiji::config::SiteConfig;
use kiji::content::{parse_all, ParseOptions};
use kiji::source::{decode, SourceFile, SourceKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
    let kind = match selector % 3 {
        0 => SourceKind::Article,
        1 => SourceKind::Term,
        _ => SourceKind::Timeline,
    };
    let display = match kind {
        SourceKind::Article => "content/articles/a.md",
        SourceKind::Term => "content/glossary/a.md",
        SourceKind::Timeline => "content/timeline.toml",
    };
    let source = SourceFile {
        kind,
        display: display.to_string(),
        rel: "a.md".to_string(),
        text: Arc::from(text),
    };
    let config = SiteConfig::parse("title = \"Fuzz\"", "site.toml").expect("valid config");
    let opts = ParseOptions { drafts: true };
    let diags = match parse_all(&[source], &config, &opts) {
        Ok((_, warnings)) => warnings,
        Err(errors) => errors,
    };
    for d in &diags.0 {
        let _ = d.render();
        let _ = d.to_string();
    }
});
