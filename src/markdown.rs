//! Markdown → HTML with comrak: GFM extensions, heading ids, a table of contents,
//! highlighted code, glossary links and `.md` links rewritten to page URLs.

use std::collections::HashMap;
use std::sync::Arc;

use comrak::nodes::{AstNode, NodeValue};
use comrak::options::Plugins;
use comrak::{Anchorizer, Arena, Options};
use serde::Serialize;

use crate::config::{LinkMode, MarkdownConfig};
use crate::diag::{line_start, Diagnostic};
use crate::glossary::{Glossary, Linker, Mention};
use crate::search::BodyWords;

/// Builds comrak's options once per build.
pub fn options(config: &MarkdownConfig) -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.extension.header_id_prefix = Some(String::new());
    // `[[Term]]` and `[[Term|shown text]]` link a glossary term explicitly.
    o.extension.wikilinks_title_after_pipe = true;
    o.parse.smart = config.smart_punctuation;
    o.render.r#unsafe = config.allow_raw_html;
    o
}

pub fn plugins() -> Plugins<'static> {
    let mut p = Plugins::default();
    p.render.codefence_syntax_highlighter = Some(crate::highlight::adapter());
    p
}

/// A link target other documents may point at with `[…](file.md)`.
#[derive(Debug, Clone)]
pub struct LinkTarget {
    /// URL with the base path, e.g. `/repo/articles/a/`.
    pub url: String,
    /// Index of the article, for fragment checks (None for glossary terms).
    pub article: Option<usize>,
}

/// Everything a document's rendering needs from the rest of the site.
pub struct SiteLinks<'s> {
    /// Keyed by path under content/: `articles/a.md`, `glossary/aod.md`.
    pub targets: &'s HashMap<String, LinkTarget>,
    pub base_path: &'s str,
    /// Keep each target looked up in the render (`Rendered::lookups`): for the dev
    /// server's cache, not a one-off build.
    pub record_lookups: bool,
}

/// One document to render.
pub struct Doc<'d> {
    pub file: &'d str,
    pub text: &'d Arc<str>,
    pub body_offset: usize,
    pub body_line: usize,
    /// Folder of the document under content/ (`articles`, `articles/sub`).
    pub dir: &'d str,
    pub link_mode: LinkMode,
    pub exclude_term: Option<usize>,
    pub id_prefix: &'d str,
    /// Article index of this document, for `#fragment`-only links.
    pub article: Option<usize>,
    /// Whether the search index takes the document's words: articles' (a glossary
    /// term is indexed from its definition as shown, events not at all).
    pub searchable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A `#fragment` link to check once every page's ids are known.
#[derive(Debug, Clone)]
pub struct FragmentRef {
    pub article: usize,
    pub fragment: String,
    /// Where the link is in its file's text, for the diagnostic should the fragment be
    /// missing (made only then: a link with a fragment is common, a broken one rare).
    pub span: std::ops::Range<usize>,
}

/// A link target looked up (`resolve`): its key and the URL found there, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub key: String,
    pub url: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub ids: Vec<String>,
    pub mentions: Vec<Mention>,
    pub fragments: Vec<FragmentRef>,
    pub errors: Vec<Diagnostic>,
    pub words: usize,
    /// The body's words, for the search index.
    pub search: BodyWords,
    /// Every link target looked up, in order, and what it was then: what the render
    /// depends on of the rest of the site besides the glossary. The dev server keeps a
    /// render while each lookup still finds the same (`incremental::DocCache::take`).
    pub lookups: Vec<Lookup>,
    /// `html`'s hash, made when first asked for (by the dev server's page cache).
    fingerprint: std::sync::OnceLock<u64>,
}

impl Rendered {
    /// A hash of the HTML, made once per render (the HTML does not change once the
    /// render is shared): a page's cache key carries it instead of the HTML itself.
    pub fn html_fingerprint(&self) -> u64 {
        *self.fingerprint.get_or_init(|| {
            use std::hash::{Hash, Hasher};
            let mut h = rustc_hash::FxHasher::default();
            self.html.hash(&mut h);
            h.finish()
        })
    }
}

pub struct Renderer<'o> {
    pub options: &'o Options<'static>,
    pub plugins: &'o Plugins<'static>,
    pub glossary: &'o Glossary,
}

impl Renderer<'_> {
    pub fn render(&self, doc: &Doc<'_>, links: &SiteLinks<'_>) -> Rendered {
        let arena = Arena::new();
        let body = &doc.text[doc.body_offset..];
        let root = comrak::parse_document(&arena, body, self.options);
        let mut out = Rendered::default();
        let (toc, ids) = headings(root);
        out.toc = toc;
        out.ids = ids;
        rewrite_links(root, doc, links, &mut out);
        // Before glossary linking: linked mentions become raw HTML, which has no text nodes.
        let text = plain_text(root, body.len());
        out.words = count_words(&text);
        if doc.searchable {
            out.search = BodyWords::of(&text);
        }
        drop(text);
        let mut linker = Linker::new(self.glossary, doc.link_mode)
            .excluding(doc.exclude_term)
            .with_id_prefix(doc.id_prefix);
        for (name, line, column) in linker.link_explicit(&arena, root) {
            let file_line = doc.body_line + line - 1;
            let start = line_start(doc.text, file_line) + column.saturating_sub(1);
            let end = (start + name.len() + 4).min(doc.text.len());
            out.errors.push(
                Diagnostic::error(format!("[[{name}]] names no glossary term"))
                    .in_file(doc.file)
                    .at_span(doc.text, start..end)
                    .help("use a term's name or alias from content/glossary/, or add a glossary file for it"),
            );
        }
        linker.link(&arena, root);
        out.mentions = linker.into_mentions();
        for m in &mut out.mentions {
            m.first_line += doc.body_line - 1;
        }
        let mut html = String::with_capacity(body.len() * 2);
        comrak::format_html_with_plugins(root, self.options, &mut html, self.plugins)
            .expect("writing to a String cannot fail");
        // Kept until every page is rendered: at 10,000 articles the unused capacity of
        // these buffers was ~100 MB of the build's peak.
        html.shrink_to_fit();
        out.html = html;
        out
    }
}

/// Renders one Markdown text on its own: no other pages to link to, the given glossary.
/// For tests, fuzzing and tools; the build goes through `Renderer::render`.
pub fn render_standalone(
    glossary: &Glossary,
    body: &str,
    config: &MarkdownConfig,
    link_mode: LinkMode,
) -> Rendered {
    let options = options(config);
    let plugins = plugins();
    let renderer = Renderer {
        options: &options,
        plugins: &plugins,
        glossary,
    };
    let text: Arc<str> = Arc::from(body);
    let doc = Doc {
        file: "standalone.md",
        text: &text,
        body_offset: 0,
        body_line: 1,
        dir: "articles",
        link_mode,
        exclude_term: None,
        id_prefix: "m-",
        article: None,
        searchable: true,
    };
    let targets = HashMap::new();
    let links = SiteLinks {
        targets: &targets,
        base_path: "/",
        record_lookups: false,
    };
    renderer.render(&doc, &links)
}

/// Heading ids exactly as comrak assigns them, and the h2/h3 table of contents.
fn headings<'a>(root: &'a AstNode<'a>) -> (Vec<TocEntry>, Vec<String>) {
    let mut anchorizer = Anchorizer::new();
    let mut toc = Vec::new();
    let mut ids = Vec::new();
    for node in root.descendants() {
        let level = match &node.data.borrow().value {
            NodeValue::Heading(h) => h.level,
            _ => continue,
        };
        let title = node.collect_text();
        let id = anchorizer.anchorize(&title);
        if (2..=3).contains(&level) {
            toc.push(TocEntry {
                level,
                id: id.clone(),
                title,
            });
        }
        ids.push(id);
    }
    (toc, ids)
}

/// `capacity`: the body's length, about what the text takes (it is shrunk to fit).
fn plain_text<'a>(root: &'a AstNode<'a>, capacity: usize) -> String {
    let mut text = String::with_capacity(capacity);
    for node in root.descendants() {
        match &node.data.borrow().value {
            NodeValue::Text(t) => text.push_str(t),
            NodeValue::Code(c) => text.push_str(&c.literal),
            NodeValue::CodeBlock(c) => text.push_str(&c.literal),
            // Table cells and list items too: "| Year | Item |" must not index as
            // one word "yearitem".
            NodeValue::SoftBreak
            | NodeValue::LineBreak
            | NodeValue::Paragraph
            | NodeValue::Heading(_)
            | NodeValue::TableCell
            | NodeValue::TableRow(_)
            | NodeValue::Item(_) => text.push(' '),
            _ => {}
        }
    }
    text
}

/// `text.split_whitespace().count()`.
fn count_words(text: &str) -> usize {
    if text.is_ascii() {
        return count_ascii_words(text.as_bytes());
    }
    count_any_words(text)
}

/// `count_words` for ASCII: a word begins at each byte that is not a space and follows
/// one (or the start). Written as one comparison per pair of neighbouring bytes, which
/// the compiler turns into vector instructions (a byte-at-a-time loop with a carried
/// state was ~2.5% of a 10k build).
fn count_ascii_words(bytes: &[u8]) -> usize {
    let Some(&first) = bytes.first() else {
        return 0;
    };
    let mut words = usize::from(!is_ascii_space(first));
    // Sums in u32 per chunk keep the vector lanes narrow without overflowing.
    for chunk_start in (1..bytes.len()).step_by(1 << 20) {
        let end = (chunk_start + (1 << 20)).min(bytes.len());
        let before = &bytes[chunk_start - 1..end - 1];
        let at = &bytes[chunk_start..end];
        words += before
            .iter()
            .zip(at)
            .map(|(&b, &a)| u32::from(is_ascii_space(b) & !is_ascii_space(a)))
            .sum::<u32>() as usize;
    }
    words
}

/// Unicode White_Space within ASCII: tab, line feed, vertical tab, form feed, carriage
/// return and space.
const fn is_ascii_space(b: u8) -> bool {
    (b == b' ') | (b.wrapping_sub(b'\t') < 5)
}

/// `count_words` for any text, a byte at a time for ASCII.
fn count_any_words(text: &str) -> usize {
    const SPACE: [bool; 128] = {
        let mut t = [false; 128];
        let mut b = 0;
        while b < 128 {
            t[b as usize] = is_ascii_space(b);
            b += 1;
        }
        t
    };
    let bytes = text.as_bytes();
    let mut words = 0;
    let mut in_word = false;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        let space = if b < 0x80 {
            at += 1;
            SPACE[usize::from(b)]
        } else {
            let c = text[at..]
                .chars()
                .next()
                .expect("at is a character boundary");
            at += c.len_utf8();
            c.is_whitespace()
        };
        words += usize::from(!space & !in_word);
        in_word = !space;
    }
    words
}

fn is_external(url: &str) -> bool {
    url.starts_with("//")
        || url.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

fn rewrite_links<'a>(
    root: &'a AstNode<'a>,
    doc: &Doc<'_>,
    links: &SiteLinks<'_>,
    out: &mut Rendered,
) {
    // Where each line of the file starts, found once and only if a diagnostic needs it.
    let mut lines: Option<Vec<usize>> = None;
    for node in root.descendants() {
        let mut ast = node.data.borrow_mut();
        let line = ast.sourcepos.start.line;
        let column = ast.sourcepos.start.column;
        let is_image = matches!(ast.value, NodeValue::Image(_));
        let (NodeValue::Link(link) | NodeValue::Image(link)) = &mut ast.value else {
            continue;
        };
        // Checked here rather than left to comrak, which stops checking once raw HTML is
        // allowed: a trusted author may write HTML, but a pasted link must not run script.
        if is_dangerous_url(&link.url, is_image) {
            link.url = String::new();
            continue;
        }
        if link.url.is_empty() || is_external(&link.url) {
            continue;
        }
        // The link's line in the file, from its start to the end of that line.
        let mut here = || {
            let lines = lines.get_or_insert_with(|| {
                std::iter::once(0)
                    .chain(doc.text.match_indices('\n').map(|(i, _)| i + 1))
                    .collect()
            });
            // As `diag::line_start`, then to the end of that line.
            let file_line = doc.body_line + line - 1;
            let line_start = match file_line {
                0 | 1 => 0,
                l => lines.get(l - 1).copied().unwrap_or(doc.text.len()),
            };
            let start = line_start + column.saturating_sub(1);
            let end = match lines[lines.partition_point(|&l| l <= start)..].first() {
                Some(next) => next - 1,
                None => doc.text.len(),
            };
            start..end
        };
        let (path, fragment) = match link.url.split_once('#') {
            Some((p, f)) => (p.to_string(), Some(f.to_string())),
            None => (link.url.clone(), None),
        };
        if path.is_empty() {
            if let (Some(article), Some(fragment)) = (doc.article, fragment) {
                out.fragments.push(FragmentRef {
                    article,
                    fragment,
                    span: here(),
                });
            }
            continue;
        }
        if is_markdown_path(&path) {
            let lookups = links.record_lookups.then_some(&mut out.lookups);
            match resolve(doc.dir, &path, links.targets, lookups) {
                Some(target) => {
                    link.url = match &fragment {
                        Some(f) => format!("{}#{f}", target.url),
                        None => target.url.clone(),
                    };
                    if let (Some(article), Some(fragment)) = (target.article, fragment) {
                        out.fragments.push(FragmentRef {
                            article,
                            fragment,
                            span: here(),
                        });
                    }
                }
                None => {
                    let d = Diagnostic::error(format!(
                        "broken link: no article or glossary term at \"{path}\""
                    ))
                    .in_file(doc.file)
                    .at_span(doc.text, here());
                    out.errors.push(d.help(
                        "link to another article's file name, relative to this file (other.md, ../glossary/aod.md) or from content/ (/articles/other.md)",
                    ));
                }
            }
        } else if let Some(rest) = link.url.strip_prefix('/') {
            // Site-absolute: keep it inside the base path (GitHub Pages project sites).
            link.url = format!("{}{}", links.base_path, rest);
        }
    }
}

/// URLs that run code or smuggle a document when followed: `javascript:`, `vbscript:`,
/// `file:` and `data:` (images may still use `data:image/png|gif|jpeg|webp`).
/// Browsers ignore ASCII whitespace and control characters inside a scheme, so does this.
pub fn is_dangerous_url(url: &str, is_image: bool) -> bool {
    let scheme: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take_while(|&c| c != ':')
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    let has_colon = url.contains(':');
    if !has_colon {
        return false;
    }
    match scheme.as_str() {
        "javascript" | "vbscript" | "file" => true,
        "data" => {
            let rest = url.to_ascii_lowercase();
            let rest = rest.split_once(':').map_or("", |(_, r)| r.trim_start());
            !(is_image
                && ["image/png", "image/gif", "image/jpeg", "image/webp"]
                    .iter()
                    .any(|t| rest.starts_with(t)))
        }
        _ => false,
    }
}

fn is_markdown_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".md")
}

/// Key prefix for articles found by their bare file name.
pub const BY_NAME: &str = "?name:";

/// Resolves a `.md` link relative to the document's folder, then from content/,
/// then by bare file name.
fn resolve<'t>(
    dir: &str,
    path: &str,
    targets: &'t HashMap<String, LinkTarget>,
    mut lookups: Option<&mut Vec<Lookup>>,
) -> Option<&'t LinkTarget> {
    let path = percent_decode(path);
    let candidates = match path.strip_prefix('/') {
        Some(from_content) => [normalize(from_content), None, None],
        None => [
            normalize(&format!("{dir}/{path}")),
            normalize(&path),
            (!path.contains('/')).then(|| format!("{BY_NAME}{path}")),
        ],
    };
    for key in candidates.into_iter().flatten() {
        let found = targets.get(&key);
        if let Some(lookups) = lookups.as_deref_mut() {
            lookups.push(Lookup {
                url: found.map(|t| t.url.clone()),
                key,
            });
        }
        if found.is_some() {
            return found;
        }
    }
    None
}

fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_table_cells_and_list_items_apart() {
        let glossary = Glossary::new(Vec::new());
        let body = "| Year | Item |\n|---|---|\n| 2009 | Radar |\n\n- one\n- two\n";
        let r = render_standalone(&glossary, body, &MarkdownConfig::default(), LinkMode::First);
        let mut words = Vec::new();
        r.search.each(|w, _| words.push(w.to_string()));
        assert_eq!(words, ["year", "item", "2009", "radar", "one", "two"]);
        assert_eq!(r.words, 6);
    }

    #[test]
    fn relative_paths_resolve_against_the_folder() {
        assert_eq!(
            normalize("articles/sub/../a.md").as_deref(),
            Some("articles/a.md")
        );
        assert_eq!(
            normalize("articles/./a.md").as_deref(),
            Some("articles/a.md")
        );
        assert_eq!(normalize("../../x.md"), None);
        assert_eq!(percent_decode("my%20file.md"), "my file.md");
    }

    #[test]
    fn script_urls_are_dangerous_whatever_their_spelling() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "data:text/html;base64,PHNjcmlwdD4=",
        ] {
            assert!(is_dangerous_url(url, false), "{url:?}");
        }
        assert!(is_dangerous_url("data:text/html,x", true));
        assert!(!is_dangerous_url("data:image/png;base64,iVBOR", true));
        for url in [
            "https://x.org/javascript:",
            "other.md",
            "/a.png",
            "#javascript:x",
            "mailto:a@b",
        ] {
            assert!(!is_dangerous_url(url, false), "{url:?}");
        }
    }

    #[test]
    fn words_are_counted_as_split_whitespace_does() {
        let mut samples: Vec<String> = (0u8..128)
            .map(|b| format!("a{}b {} c", b as char, b as char))
            .collect();
        samples.extend(
            [
                "",
                " ",
                "one",
                "  two  words ",
                "日本 の\u{3000}文\u{a0}x\u{85}y\u{2028}z",
                "é\u{200b}ü",
                "\u{b}\u{c}\r\n\t",
            ]
            .map(String::from),
        );
        // Past 64 bytes, words that cross from one block into the next.
        samples.extend(["word ".repeat(40), "x".repeat(130), " ab".repeat(50)]);
        samples.extend((60..70).map(|n| format!("{} tail", "y".repeat(n))));
        // Across the 1 MiB chunks of the vector loop, a word on each side.
        samples.extend((1_048_575..1_048_579).map(|n| format!("{}xy z", " ".repeat(n))));
        for s in &samples {
            assert_eq!(count_words(s), s.split_whitespace().count(), "{s:?}");
            if s.is_ascii() {
                assert_eq!(count_any_words(s), count_ascii_words(s.as_bytes()), "{s:?}");
            }
        }
    }

    #[test]
    fn schemes_are_external() {
        assert!(is_external("https://x.org"));
        assert!(is_external("mailto:a@b"));
        assert!(!is_external("other.md"));
        assert!(!is_external("/images/a.png"));
    }
}
