//! `kiji check`: everything a build verifies, then the generated site itself —
//! every link crawled as served under the base path, the feed and sitemap
//! validated — plus hints for editors. Problems point at the Markdown or template
//! line that wrote the link when it can be found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use comrak::nodes::NodeValue;

use crate::content::Content;
use crate::crawl::{BrokenLink, LinkProblem, Site};
use crate::diag::{Diagnostic, Diagnostics};
use crate::site::{self, BuildOptions, Built};

pub fn run(root: &Path, opts: &BuildOptions) -> Result<Diagnostics, Diagnostics> {
    let built = site::build(root, opts)?;
    let sources = Sources::load(root, &built, opts);
    let mut diags = built.warnings.clone();
    diags.extend(base_url_hints(&built));
    diags.extend(published_files(&built));
    let site = Site::new(&built.output, &built.config);
    let mut seen = BTreeSet::new();
    for broken in site.broken_links() {
        let d = sources.diagnostic(&broken, &built);
        // A broken link in an article is broken in its feed entry too: say it once.
        if d.line.is_none() || seen.insert((d.file.clone(), d.line, d.column)) {
            diags.push(d);
        }
    }
    if let Some(content) = &sources.content {
        diags.extend(editor_hints(content));
        diags.extend(images_without_alt(content, &built.config));
    }
    diags.into_result()
}

/// `  content/articles/a.md: 3 errors` lines: how many problems each file has.
pub fn summary(diags: &Diagnostics) -> String {
    let mut by_file: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for d in &diags.0 {
        let entry = by_file
            .entry(d.file.as_deref().unwrap_or("(site)"))
            .or_default();
        if d.is_error() {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    by_file
        .iter()
        .map(|(file, (errors, warnings))| format!("  {file}: {}", counts(*errors, *warnings)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn counts(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// Label for a generated file that no source can be pinned to.
fn generated(file: &str) -> String {
    format!("(generated) {file}")
}

/// Feed ids, sitemap entries, robots.txt and canonical links must be absolute URLs.
fn base_url_hints(built: &Built) -> Diagnostics {
    let config = &built.config;
    if !config.origin().is_empty() {
        return Diagnostics::new();
    }
    Diagnostic::warning(format!(
        "base_url \"{}\" is only a path: feed.xml, sitemap.xml, robots.txt and canonical links need absolute URLs",
        config.base_url
    ))
    .in_file(crate::config::CONFIG_FILE)
    .help("set base_url = \"https://user.github.io/repo/\" in site.toml, or pass --base-url (the GitHub Pages workflow does)")
    .into()
}

/// The feed and sitemap parse as XML and carry the elements readers and crawlers require.
fn published_files(built: &Built) -> Diagnostics {
    let mut diags = Diagnostics::new();
    // Without a host, absolute URLs are impossible: base_url_hints says so once.
    let absolute = !built.config.origin().is_empty();
    type Validator = fn(&str, bool) -> Vec<String>;
    let checks: [(&str, Validator); 2] = [
        ("feed.xml", crate::publish::validate_feed),
        ("sitemap.xml", crate::publish::validate_sitemap),
    ];
    for (file, validate) in checks {
        let Some(bytes) = built.output.get(file) else {
            continue;
        };
        for problem in validate(&String::from_utf8_lossy(bytes), absolute) {
            diags.push(
                Diagnostic::error(format!("{file}: {problem}"))
                    .in_file(generated(file))
                    .help("feed.xml and sitemap.xml are written by kiji; if a custom template or setting did not cause this, report it as a bug"),
            );
        }
    }
    diags
}

/// A text a link may have been written in: Markdown or a template.
struct SourceText {
    file: String,
    text: Arc<str>,
    markdown: bool,
}

/// The sources behind the generated files, to point a broken link at its line.
struct Sources {
    content: Option<Content>,
    /// Output file → the content files rendered into it.
    pages: BTreeMap<String, Vec<SourceText>>,
    /// The site's own templates (`layouts/`): the built-in ones are tested.
    layouts: Vec<SourceText>,
}

impl Sources {
    fn load(root: &Path, built: &Built, opts: &BuildOptions) -> Sources {
        let content = crate::source::load_all(root).ok().and_then(|(sources, _)| {
            crate::content::parse_all(
                &sources,
                &built.config,
                &crate::content::ParseOptions {
                    drafts: opts.drafts,
                },
            )
            .ok()
            .map(|(c, _)| c)
        });
        let layouts = crate::theme::Theme::load(root, &built.config.base_path())
            .map(|t| {
                t.templates
                    .into_values()
                    .filter(|t| t.overridden)
                    .map(|t| SourceText {
                        file: t.file,
                        text: t.text,
                        markdown: false,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let pages = content.as_ref().map(page_sources).unwrap_or_default();
        Sources {
            content,
            pages,
            layouts,
        }
    }

    fn diagnostic(&self, broken: &BrokenLink, built: &Built) -> Diagnostic {
        let served = match broken.file.as_str() {
            "404.html" => "the 404 page (served at any missing path)".to_string(),
            file => crate::crawl::served_at(&built.config.base_path(), file),
        };
        let message = format!(
            "broken link on {served} ({}): {}",
            broken.attribute, broken.problem
        );
        let d = Diagnostic::error(message).help(help(&broken.problem));
        let needles = needles(broken.problem.url(), &built.config);
        // Every timeline page (all events, or one tag's) renders the same event bodies.
        let page = match broken.file.starts_with("timeline/") {
            true => "timeline/index.html",
            false => broken.file.as_str(),
        };
        let candidates = self
            .pages
            .get(page)
            .into_iter()
            .flatten()
            .chain(&self.layouts);
        for source in candidates {
            if let Some(span) = find_link(source, &needles) {
                return d.in_file(&source.file).at_span(&source.text, span);
            }
        }
        d.in_file(generated(&broken.file))
    }
}

/// Which content files are rendered into which generated file.
fn page_sources(content: &Content) -> BTreeMap<String, Vec<SourceText>> {
    let text = |origin: &crate::content::Origin| SourceText {
        file: origin.file.clone(),
        text: origin.text.clone(),
        markdown: true,
    };
    let mut pages: BTreeMap<String, Vec<SourceText>> = BTreeMap::new();
    for a in &content.articles {
        pages
            .entry(format!("{}index.html", a.path()))
            .or_default()
            .push(text(&a.origin));
        // Event bodies written in an article appear on the timeline pages.
        pages
            .entry("timeline/index.html".into())
            .or_default()
            .push(text(&a.origin));
        pages
            .entry("feed.xml".into())
            .or_default()
            .push(text(&a.origin));
    }
    for t in &content.terms {
        pages
            .entry("glossary/index.html".into())
            .or_default()
            .push(text(&t.origin));
    }
    for e in &content.timeline {
        pages
            .entry("timeline/index.html".into())
            .or_default()
            .push(text(&e.origin));
    }
    pages
}

/// The forms a link may have had in its source: as generated, without the
/// origin or base path (kiji adds those), and as a template `url(path=…)` argument.
fn needles(url: &str, config: &crate::config::SiteConfig) -> Vec<String> {
    let mut out = vec![url.to_string()];
    let no_origin = url.strip_prefix(&config.origin()).unwrap_or(url);
    out.push(no_origin.to_string());
    let base = config.base_path();
    if let Some(rest) = no_origin.strip_prefix(&base) {
        out.push(format!("/{rest}"));
        out.push(rest.to_string());
    }
    if let Some((_, fragment)) = url.split_once('#') {
        out.push(format!("#{fragment}"));
        out.push(format!("\"{fragment}\""));
    }
    out.retain(|n| n.len() >= 2);
    out.dedup();
    out
}

/// Where a link was written: in Markdown `](url` is the link itself; elsewhere
/// the quoted attribute value, then any mention. Earlier needles and patterns win.
fn find_link(source: &SourceText, needles: &[String]) -> Option<std::ops::Range<usize>> {
    let text = source.text.as_ref();
    for n in needles {
        let mut patterns = Vec::new();
        if source.markdown {
            patterns.push((format!("]({n}"), 2));
            patterns.push((format!("]: {n}"), 3));
        }
        patterns.push((format!("\"{n}"), 1));
        patterns.push((format!("'{n}"), 1));
        patterns.push((n.clone(), 0));
        for (pattern, skip) in patterns {
            if let Some(at) = find_whole(text, &pattern) {
                return Some(at + skip..at + pattern.len());
            }
        }
    }
    None
}

/// The first match of `pattern` not followed by more URL (so `/a/` does not match `/a/#b`).
fn find_whole(text: &str, pattern: &str) -> Option<usize> {
    text.match_indices(pattern).map(|(i, _)| i).find(|&i| {
        text[i + pattern.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || "/#?.-_%~=&+".contains(c)))
    })
}

fn help(problem: &LinkProblem) -> &'static str {
    match problem {
        LinkProblem::EscapesBase { .. } => "write site links without the base path — `/images/map.png` in Markdown, `{{ url(path=\"images/map.png\") }}` in templates — and kiji adds it",
        LinkProblem::Missing { .. } => "put the file in assets/ (served from the site root: link assets/img/a.png as /img/a.png) or fix the link",
        LinkProblem::NoFragment { .. } => "link to an id the target page has (a heading's id is its text in lower case, with hyphens for spaces)",
        LinkProblem::RelativeInFeed { .. } => "make the link absolute, or start it with / so kiji can",
    }
}

/// Glossary terms no article mentions, and acronyms used in 2+ articles without an entry.
fn editor_hints(content: &Content) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let known: BTreeSet<String> = content
        .terms
        .iter()
        .flat_map(|t| std::iter::once(t.name.clone()).chain(t.aliases.iter().cloned()))
        .collect();
    let glossary = crate::glossary::Glossary::new(
        content
            .terms
            .iter()
            .map(|t| crate::glossary::TermSpec {
                info: crate::glossary::TermInfo {
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                    tip: String::new(),
                    href: String::new(),
                },
                names: std::iter::once(t.name.clone())
                    .chain(t.aliases.iter().cloned())
                    .collect(),
                case_sensitive: t.case_sensitive,
            })
            .collect(),
    );
    let mut mentioned = vec![false; content.terms.len()];
    let mut acronyms: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (i, a) in content.articles.iter().enumerate() {
        let body = a.body();
        for (_, _, t) in glossary.find_mentions(body) {
            mentioned[t] = true;
        }
        for word in body.split(|c: char| !c.is_alphanumeric()) {
            if word.len() >= 2
                && crate::glossary::is_acronym(word)
                && word.chars().all(|c| c.is_ascii_uppercase())
            {
                acronyms.entry(word.to_string()).or_default().insert(i);
            }
        }
    }
    for (t, seen) in content.terms.iter().zip(mentioned) {
        if !seen {
            diags.push(
                Diagnostic::warning(format!("no article mentions the glossary term \"{}\"", t.name))
                    .in_file(&t.origin.file)
                    .help("mention it in an article, add the form the articles use to `aliases`, or remove the term"),
            );
        }
    }
    for (word, articles) in acronyms
        .into_iter()
        .filter(|(w, a)| a.len() >= 2 && !known.contains(w))
    {
        let files: Vec<&str> = articles
            .iter()
            .map(|&i| content.articles[i].origin.file.as_str())
            .collect();
        diags.push(
            Diagnostic::warning(format!(
                "\"{word}\" is used in {} articles but has no glossary entry ({})",
                articles.len(),
                files.join(", ")
            ))
            .help(format!(
                "add content/glossary/{}.md with term = \"{word}\" if readers need it explained",
                word.to_lowercase()
            )),
        );
    }
    diags
}

/// Images a screen reader cannot describe: Markdown images with no alt text, and raw
/// `<img>` tags without an `alt` attribute (`alt=""` marks a decorative image on purpose).
fn images_without_alt(content: &Content, config: &crate::config::SiteConfig) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let options = crate::markdown::options(&config.markdown);
    let docs = content
        .articles
        .iter()
        .map(|a| (&a.origin, a.body(), a.body_line))
        .chain(
            content
                .terms
                .iter()
                .map(|t| (&t.origin, t.body(), t.body_line)),
        );
    for (origin, body, body_line) in docs {
        let arena = comrak::Arena::new();
        let ast = comrak::parse_document(&arena, body, &options);
        for node in ast.descendants() {
            let (missing, line) = {
                let data = node.data.borrow();
                let missing = match &data.value {
                    NodeValue::Image(_) => node.collect_text().trim().is_empty(),
                    NodeValue::HtmlInline(html) => img_without_alt(html),
                    NodeValue::HtmlBlock(block) => img_without_alt(&block.literal),
                    _ => false,
                };
                (missing, data.sourcepos.start.line + body_line - 1)
            };
            if missing {
                diags.push(
                    Diagnostic::warning("image without alt text")
                        .in_file(&origin.file)
                        .at_line(&origin.text, line)
                        .help("describe the image for readers who cannot see it: ![A map of the Senkaku Islands](/senkaku.png)"),
                );
            }
        }
    }
    diags
}

/// An `<img …>` tag in raw HTML with no `alt` attribute.
fn img_without_alt(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    lower.match_indices("<img").any(|(start, _)| {
        let tag = &lower[start..];
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        !tag.split(|c: char| c.is_whitespace() || c == '/')
            .any(|attr| attr == "alt" || attr.starts_with("alt="))
    })
}
