//! The comrak floor: read every article, render it with comrak in parallel and write
//! it, nothing else — the best any comrak-based generator can do on a corpus.
//!
//! ```text
//! cargo run --release --example comrak_floor -- CORPUS_DIR OUT_DIR
//! ```
//!
//! Same comrak options as kiji (GFM tables, strikethrough, autolinks, task lists,
//! footnotes, heading ids, smart punctuation), no syntax highlighting, no templates.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

/// kiji's own comrak options (GFM, heading ids, smart punctuation), without the
/// highlighter plugin: the floor renders exactly the Markdown kiji renders.
fn options() -> comrak::Options<'static> {
    kiji::markdown::options(&kiji::config::MarkdownConfig::default())
}

/// The body after `+++`/`---` front matter.
fn body(text: &str) -> &str {
    for fence in ["+++", "---"] {
        if let Some(rest) = text.strip_prefix(fence) {
            if let Some(end) = rest.find(&format!("\n{fence}\n")) {
                return &rest[end + fence.len() + 2..];
            }
        }
    }
    text
}

fn render(path: &Path, out: &Path, options: &comrak::Options<'static>) -> std::io::Result<()> {
    let text = fs::read_to_string(path)?;
    let html = comrak::markdown_to_html(body(&text), options);
    let stem = path.file_stem().unwrap_or_default();
    let dir = out.join(stem);
    fs::create_dir_all(&dir)?;
    fs::write(dir.join("index.html"), html)
}

fn main() -> std::io::Result<()> {
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let [corpus, out] = &args[..] else {
        eprintln!("usage: comrak_floor CORPUS_DIR OUT_DIR");
        std::process::exit(2);
    };
    let started = Instant::now();
    let articles = corpus.join("content/articles");
    let mut paths: Vec<PathBuf> = fs::read_dir(&articles)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    let _ = fs::remove_dir_all(out);
    fs::create_dir_all(out)?;
    let options = options();
    paths
        .par_iter()
        .try_for_each(|p| render(p, out, &options))?;
    eprintln!(
        "comrak floor: {} articles in {:.0?}",
        paths.len(),
        started.elapsed()
    );
    Ok(())
}
