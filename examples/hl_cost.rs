//! What syntax highlighting costs, per language: every fenced code block of a folder of
//! Markdown files, highlighted by kiji's syntect adapter on one thread (after one
//! warm-up pass that compiles each grammar's regexes).
//!
//! ```text
//! cargo run --release --example hl_cost -- CORPUS/content/articles
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use comrak::adapters::SyntaxHighlighterAdapter;

/// Every ```` ```lang ```` block of `text`: (language, code).
fn code_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (line.strip_prefix("```"), open.take()) {
            (Some(lang), None) => open = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(block)) => blocks.push(block),
            (None, Some((lang, mut code))) => {
                code.push_str(line);
                code.push('\n');
                open = Some((lang, code));
            }
            (None, None) => {}
        }
    }
    blocks
}

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: hl_cost FOLDER_OF_MARKDOWN");
        std::process::exit(2);
    };
    let mut blocks = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "md") {
            blocks.extend(code_blocks(&std::fs::read_to_string(path)?));
        }
    }
    let highlighter = kiji::highlight::adapter();
    let highlight = |lang: &str, code: &str| {
        let mut html = String::new();
        highlighter
            .write_highlighted(&mut html, Some(lang), code)
            .expect("writing to a String");
    };
    for (lang, code) in &blocks {
        highlight(lang, code);
    }
    let mut per_language: BTreeMap<&str, (Duration, usize, usize)> = BTreeMap::new();
    for (lang, code) in &blocks {
        let started = Instant::now();
        highlight(lang, code);
        let entry = per_language.entry(lang).or_default();
        entry.0 += started.elapsed();
        entry.1 += 1;
        entry.2 += code.lines().count();
    }
    let mut total = Duration::ZERO;
    for (lang, (time, count, lines)) in &per_language {
        total += *time;
        println!(
            "{lang:12} {count:6} blocks {lines:7} lines {:9.1} ms {:7.1} µs/line",
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() * 1e6 / (*lines).max(1) as f64
        );
    }
    println!("total {:.0} ms on one thread", total.as_secs_f64() * 1e3);
    Ok(())
}
