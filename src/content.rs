//! Parse: front matter and bodies become typed articles, glossary terms and events.
//!
//! Input: the loaded source files. Output: `Content`, validated (required fields,
//! dates, unique slugs, terms and aliases), with every problem collected.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use serde::{Deserialize, Deserializer};

use crate::config::{LinkMode, SiteConfig};
use crate::date::{PartialDate, Precision, ACCEPTED_FORMS};
use crate::diag::{Diagnostic, Diagnostics};
use crate::frontmatter::{self, Split};
use crate::slug::{is_valid_slug, slugify};
use crate::source::{SourceFile, SourceKind};

/// A date field: a string (`"2023-12"`), a bare year (`1951`) or a TOML date (`2024-12-15`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateValue(pub PartialDate);

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DateValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a date ({ACCEPTED_FORMS})")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DateValue, E> {
                PartialDate::parse(s).map(DateValue).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<DateValue, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<DateValue, E> {
                self.visit_str(&n.to_string())
            }
            // TOML dates arrive as a one-entry map holding their text.
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DateValue, A::Error> {
                let Some((_, text)) = map.next_entry::<String, String>()? else {
                    return Err(serde::de::Error::custom("empty date"));
                };
                self.visit_str(&text)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceCredit {
    pub publication: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub date: Option<DateValue>,
}

#[derive(Debug, Deserialize)]
struct ArticleMeta {
    title: Option<String>,
    date: Option<DateValue>,
    updated: Option<DateValue>,
    summary: Option<String>,
    author: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    draft: bool,
    slug: Option<String>,
    source: Option<SourceCredit>,
    #[serde(default)]
    events: Vec<EventMeta>,
    glossary_links: Option<LinkMode>,
}

const ARTICLE_FIELDS: &[&str] = &[
    "title",
    "date",
    "updated",
    "summary",
    "author",
    "tags",
    "draft",
    "slug",
    "source",
    "events",
    "glossary_links",
];

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventMeta {
    pub date: DateValue,
    pub title: String,
    pub body: Option<String>,
    pub anchor: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub id: Option<String>,
    /// Only in `timeline.toml`: the article (file in content/articles) it relates to.
    pub article: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TermMeta {
    term: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    expansion: Option<String>,
    case_sensitive: Option<bool>,
    slug: Option<String>,
}

const TERM_FIELDS: &[&str] = &["term", "aliases", "expansion", "case_sensitive", "slug"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineFile {
    #[serde(default)]
    events: Vec<EventMeta>,
}

/// Where a piece of content came from, for diagnostics.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: String,
    pub text: Arc<str>,
}

impl Origin {
    /// A diagnostic pointing at `needle` in the file (or its first line).
    pub fn error_at(&self, needle: &str, message: impl Into<String>) -> Diagnostic {
        let d = Diagnostic::error(message).in_file(&self.file);
        match self.text.find(needle).filter(|_| !needle.is_empty()) {
            Some(start) => d.at_span(&self.text, start..start + needle.len()),
            None => d.at_line(&self.text, 1),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Article {
    pub origin: Origin,
    /// Path under content/articles (`a.md`, `sub/b.md`).
    pub rel: String,
    pub title: String,
    pub date: PartialDate,
    pub updated: Option<PartialDate>,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub draft: bool,
    pub slug: String,
    pub credit: Option<SourceCredit>,
    pub events: Vec<EventMeta>,
    pub link_mode: Option<LinkMode>,
    pub body_offset: usize,
    pub body_line: usize,
}

impl Article {
    /// This article with a new text whose front matter is byte for byte the same
    /// (so every field parses the same and the body starts at the same place); None
    /// if the front matter changed.
    pub fn with_new_body(&self, text: Arc<str>) -> Option<Article> {
        let front = &self.origin.text[..self.body_offset];
        if !text.starts_with(front) {
            return None;
        }
        let split = frontmatter::split(&text, &self.origin.file, &text).ok()?;
        if text.len() - split.body.len() != self.body_offset || split.body_line != self.body_line {
            return None;
        }
        Some(Article {
            origin: Origin {
                file: self.origin.file.clone(),
                text,
            },
            ..self.clone()
        })
    }

    /// This article with a new text whose front matter changed only in what pages show
    /// of it (title, summary, author, source credit, date, updated date), its tags or
    /// its events: it keeps its slug, draft state and glossary mode, and so its URL.
    /// (A new date or title may move it in the article order; the caller checks that
    /// it does not. New tags change tag pages and related articles, new events the
    /// timeline; the caller updates them: `SiteIndex::retag`, `incremental`'s
    /// `new_timeline`.) None if anything else changed, or if the new text has anything
    /// to report (the full build reports it).
    pub fn with_new_display_fields(&self, text: Arc<str>) -> Option<Article> {
        let source = SourceFile {
            kind: SourceKind::Article,
            display: self.origin.file.clone(),
            rel: self.rel.clone(),
            text: text.clone(),
        };
        let origin = Origin {
            file: self.origin.file.clone(),
            text,
        };
        let mut diags = Diagnostics::new();
        let new = parse_article(&source, origin, &mut diags)?;
        let keeps_its_place = diags.is_empty()
            && new.draft == self.draft
            && new.slug == self.slug
            && new.link_mode == self.link_mode;
        keeps_its_place.then_some(new)
    }

    /// Whether the pages other than its own and the timeline's show `other` as this: the
    /// same fields but, perhaps, its events (a card, a tag page, a neighbour's link).
    pub fn shows_others_the_same_but_events(&self, other: &Article) -> bool {
        (
            &self.title,
            self.date,
            self.updated,
            &self.summary,
            &self.author,
            &self.tags,
        ) == (
            &other.title,
            other.date,
            other.updated,
            &other.summary,
            &other.author,
            &other.tags,
        ) && self.credit == other.credit
    }

    pub fn body(&self) -> &str {
        &self.origin.text[self.body_offset..]
    }
    /// Site path, without the base path: `articles/<slug>/`.
    pub fn path(&self) -> String {
        format!("articles/{}/", self.slug)
    }
}

#[derive(Debug, Clone)]
pub struct Term {
    pub origin: Origin,
    pub name: String,
    pub slug: String,
    pub aliases: Vec<String>,
    pub expansion: Option<String>,
    pub case_sensitive: Option<bool>,
    pub body_offset: usize,
    pub body_line: usize,
}

impl Term {
    pub fn body(&self) -> &str {
        &self.origin.text[self.body_offset..]
    }
}

#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub origin: Origin,
    pub meta: EventMeta,
}

#[derive(Debug, Default)]
pub struct Content {
    pub articles: Vec<Article>,
    pub terms: Vec<Term>,
    pub timeline: Vec<TimelineEntry>,
}

pub struct ParseOptions {
    pub drafts: bool,
}

/// Parses every source, then checks what only makes sense across files.
pub fn parse_all(
    sources: &[SourceFile],
    config: &SiteConfig,
    opts: &ParseOptions,
) -> Result<(Content, Diagnostics), Diagnostics> {
    parse_all_reusing(sources, config, opts, None)
}

/// What the last build parsed, for a rebuild to take again where a file's text is
/// unchanged: the dev server reads every file on each save that is not applied to
/// the kept site, and at 10,000 articles parsing their front matter again took
/// ~0.25 s of it. Files the last build had anything to say about are parsed again,
/// so that their warnings are reported again.
pub struct Reusable<'a> {
    articles: HashMap<&'a str, &'a Article>,
    terms: HashMap<&'a str, &'a Term>,
}

impl<'a> Reusable<'a> {
    pub fn new(content: &'a Content, diagnostics: &Diagnostics) -> Self {
        let named: std::collections::HashSet<&str> = diagnostics
            .0
            .iter()
            .filter_map(|d| d.file.as_deref())
            .collect();
        fn by_file<'a, T>(
            items: &'a [T],
            origin: impl Fn(&T) -> &Origin,
            named: &std::collections::HashSet<&str>,
        ) -> HashMap<&'a str, &'a T> {
            items
                .iter()
                .map(|item| (origin(item).file.as_str(), item))
                .filter(|(file, _)| !named.contains(file))
                .collect()
        }
        Reusable {
            articles: by_file(&content.articles, |a| &a.origin, &named),
            terms: by_file(&content.terms, |t| &t.origin, &named),
        }
    }

    /// The last build's parse of `source`, if its text is the same byte for byte.
    fn parsed(&self, source: &SourceFile) -> Option<Parsed> {
        let origin = |old: &Origin| {
            (*old.text == *source.text).then(|| Origin {
                file: old.file.clone(),
                text: source.text.clone(),
            })
        };
        match source.kind {
            SourceKind::Article => {
                let old = self.articles.get(source.display.as_str())?;
                let origin = origin(&old.origin)?;
                Some(Parsed::Article(Article {
                    origin,
                    ..(*old).clone()
                }))
            }
            SourceKind::Term => {
                let old = self.terms.get(source.display.as_str())?;
                let origin = origin(&old.origin)?;
                Some(Parsed::Term(Term {
                    origin,
                    ..(*old).clone()
                }))
            }
            // One file, whose entries name other files: always parsed.
            SourceKind::Timeline => None,
        }
    }
}

/// `parse_all`, taking from `reusable` what it holds.
pub fn parse_all_reusing(
    sources: &[SourceFile],
    _config: &SiteConfig,
    opts: &ParseOptions,
    reusable: Option<&Reusable<'_>>,
) -> Result<(Content, Diagnostics), Diagnostics> {
    // Each file parses on its own; the results are gathered in file order, so items and
    // diagnostics come out as a sequential parse would give them.
    let parsed: Vec<(Parsed, Diagnostics)> = sources
        .par_iter()
        .map(|source| {
            if let Some(p) = reusable.and_then(|r| r.parsed(source)) {
                return (p, Diagnostics::new());
            }
            let mut diags = Diagnostics::new();
            let origin = Origin {
                file: source.display.clone(),
                text: source.text.clone(),
            };
            let item = match source.kind {
                SourceKind::Article => parse_article(source, origin, &mut diags)
                    .filter(|a| !a.draft || opts.drafts)
                    .map_or(Parsed::Nothing, Parsed::Article),
                SourceKind::Term => {
                    parse_term(source, origin, &mut diags).map_or(Parsed::Nothing, Parsed::Term)
                }
                SourceKind::Timeline => {
                    let mut entries = Vec::new();
                    parse_timeline(origin, &mut entries, &mut diags);
                    Parsed::Timeline(entries)
                }
            };
            (item, diags)
        })
        .collect();
    let mut diags = Diagnostics::new();
    let mut content = Content::default();
    for (item, file_diags) in parsed {
        diags.extend(file_diags);
        match item {
            Parsed::Article(a) => content.articles.push(a),
            Parsed::Term(t) => content.terms.push(t),
            Parsed::Timeline(entries) => content.timeline.extend(entries),
            Parsed::Nothing => {}
        }
    }
    check_unique_slugs(&content.articles, &mut diags);
    check_unique_terms(&content.terms, &mut diags);
    content.articles.sort_by(article_order);
    content.terms.sort_by_key(|t| t.name.to_lowercase());
    diags.into_result().map(|d| (content, d))
}

/// The site's article order: newest first, then by title.
pub fn article_order(a: &Article, b: &Article) -> std::cmp::Ordering {
    b.date.cmp(&a.date).then_with(|| a.title.cmp(&b.title))
}

/// What one source file parses into.
enum Parsed {
    Article(Article),
    Term(Term),
    Timeline(Vec<TimelineEntry>),
    Nothing,
}

fn warn_unknown(
    unknown: &[String],
    known: &[&str],
    split: &Split<'_>,
    origin: &Origin,
    diags: &mut Diagnostics,
) {
    for key in unknown {
        let leaf = key.rsplit('.').next().unwrap_or(key);
        let mut d = Diagnostic::warning(format!("unknown front matter field `{key}` is ignored"))
            .in_file(&origin.file);
        if let Some(span) = frontmatter::key_span(split, leaf) {
            d = d.at_span(&origin.text, span);
        }
        d = match frontmatter::suggest(leaf, known) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help(format!("known fields: {}", known.join(", "))),
        };
        diags.push(d);
    }
}

/// `example` is the TOML form (`key = value`); YAML front matter gets `key: value`.
fn missing_field(origin: &Origin, field: &str, example: &str) -> Diagnostic {
    let (example, fence) = if origin.text.starts_with("---") {
        (example.replacen(" = ", ": ", 1), "---")
    } else {
        (example.to_string(), "+++")
    };
    Diagnostic::error(format!("the front matter has no `{field}`"))
        .in_file(&origin.file)
        .at_line(&origin.text, 1)
        .help(format!(
            "add a line such as `{example}` between the `{fence}` lines"
        ))
}

fn parse_article(source: &SourceFile, origin: Origin, diags: &mut Diagnostics) -> Option<Article> {
    let text = source.text.clone();
    let split = match frontmatter::split(&text, &origin.file, &text) {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let (meta, unknown): (ArticleMeta, _) = match frontmatter::parse(&split, &origin.file, &text) {
        Ok(m) => m,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    warn_unknown(&unknown, ARTICLE_FIELDS, &split, &origin, diags);
    let title = meta.title.filter(|t| !t.trim().is_empty());
    if title.is_none() {
        diags.push(missing_field(
            &origin,
            "title",
            "title = \"Japan's new security strategy\"",
        ));
    }
    if meta.date.is_none() {
        diags.push(missing_field(&origin, "date", "date = 2025-01-20"));
    }
    let (title, date) = (title?, meta.date?.0);
    for (field, value) in [("date", Some(date)), ("updated", meta.updated.map(|d| d.0))] {
        if let Some(v) = value.filter(|v| v.precision() != Precision::Day) {
            let d = origin.error_at(
                &v.iso(),
                format!(
                    "the article's `{field}` must be a full day, not \"{}\"",
                    v.iso()
                ),
            );
            diags.push(d.help(
                "write it as YYYY-MM-DD, e.g. 2025-01-20 (events may use a year or a month)",
            ));
        }
    }
    let stem = source.rel.rsplit('/').next().unwrap_or(&source.rel);
    let stem = stem
        .strip_suffix(".md")
        .or_else(|| stem.strip_suffix(".MD"))
        .unwrap_or(stem);
    let slug = match meta.slug {
        Some(s) if !is_valid_slug(&s) => {
            let d = origin.error_at(
                &s,
                format!("slug \"{s}\" may only hold lowercase letters, digits and `-`"),
            );
            diags.push(d.help(format!("use slug = \"{}\"", slugify(&s))));
            slugify(&s)
        }
        Some(s) => s,
        None => slugify(stem),
    };
    if slug.is_empty() {
        diags.push(
            origin
                .error_at("", "the file name gives an empty slug")
                .help("rename the file or set slug = \"…\""),
        );
    }
    check_events(&meta.events, &origin, false, diags);
    if let Some(url) = meta.source.as_ref().and_then(|c| c.url.as_deref()) {
        check_web_url(url, "source.url", &origin, diags);
    }
    Some(Article {
        rel: source.rel.clone(),
        title,
        date,
        updated: meta.updated.map(|d| d.0),
        summary: meta.summary,
        author: meta.author,
        tags: meta
            .tags
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .collect(),
        draft: meta.draft,
        slug,
        credit: meta.source,
        events: meta.events,
        link_mode: meta.glossary_links,
        body_offset: text.len() - split.body.len(),
        body_line: split.body_line,
        origin,
    })
}

/// A credit link goes into an `href`: only a web address may, never `javascript:`.
fn check_web_url(url: &str, field: &str, origin: &Origin, diags: &mut Diagnostics) {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return;
    }
    let d = origin.error_at(
        url,
        format!("`{field}` must be a web address starting with https:// or http://, not \"{url}\""),
    );
    diags.push(d.help("copy the address from the browser's address bar, e.g. url = \"https://example.org/report\""));
}

fn check_events(
    events: &[EventMeta],
    origin: &Origin,
    in_timeline_file: bool,
    diags: &mut Diagnostics,
) {
    for e in events {
        if e.title.trim().is_empty() {
            diags.push(
                origin
                    .error_at("title = \"\"", "an event has an empty title")
                    .help("give every event a title"),
            );
        }
        if e.article.is_some() && !in_timeline_file {
            let d = origin.error_at(
                "article",
                "`article` belongs in content/timeline.toml, not in an article's events",
            );
            diags.push(d.help("an event in an article's front matter already belongs to that article; remove `article`"));
        }
    }
}

fn parse_term(source: &SourceFile, origin: Origin, diags: &mut Diagnostics) -> Option<Term> {
    let text = source.text.clone();
    let split = frontmatter::split(&text, &origin.file, &text)
        .map_err(|d| diags.push(d))
        .ok()?;
    let (meta, unknown): (TermMeta, _) = frontmatter::parse(&split, &origin.file, &text)
        .map_err(|d| diags.push(d))
        .ok()?;
    warn_unknown(&unknown, TERM_FIELDS, &split, &origin, diags);
    let Some(name) = meta
        .term
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    else {
        diags.push(missing_field(&origin, "term", "term = \"Article 9\""));
        return None;
    };
    let slug = meta.slug.unwrap_or_else(|| slugify(&name));
    Some(Term {
        name,
        slug,
        aliases: meta
            .aliases
            .into_iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        expansion: meta.expansion,
        case_sensitive: meta.case_sensitive,
        body_offset: text.len() - split.body.len(),
        body_line: split.body_line,
        origin,
    })
}

fn parse_timeline(origin: Origin, out: &mut Vec<TimelineEntry>, diags: &mut Diagnostics) {
    match toml::from_str::<TimelineFile>(&origin.text) {
        Ok(file) => {
            check_events(&file.events, &origin, true, diags);
            out.extend(file.events.into_iter().map(|meta| TimelineEntry {
                origin: origin.clone(),
                meta,
            }));
        }
        Err(e) => {
            let mut d = Diagnostic::error(format!("timeline: {}", e.message().trim()))
                .in_file(&origin.file)
                .help("each event is a [[events]] table with date, title and optional body, article, tags, id");
            if let Some(span) = e.span() {
                d = d.at_span(&origin.text, span);
            }
            diags.push(d);
        }
    }
}

fn check_unique_slugs(articles: &[Article], diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, &Article> = HashMap::new();
    for a in articles {
        if let Some(first) = seen.insert(&a.slug, a) {
            let d = a.origin.error_at(
                &a.slug,
                format!(
                    "{} and {} both have the slug \"{}\" (both would be written to /articles/{}/)",
                    first.origin.file, a.origin.file, a.slug, a.slug
                ),
            );
            diags.push(
                d.help("rename one of the files or give one of them a different `slug = \"…\"`"),
            );
        }
    }
}

fn check_unique_terms(terms: &[Term], diags: &mut Diagnostics) {
    // Every name and alias, case-folded, must point at exactly one term.
    let mut names: BTreeMap<String, (&Term, bool)> = BTreeMap::new();
    for t in terms {
        if let Some((other, _)) = names.get(&t.name.to_lowercase()) {
            let d = t.origin.error_at(
                &t.name,
                format!(
                    "the term \"{}\" is defined twice: here and in {}",
                    t.name, other.origin.file
                ),
            );
            diags.push(d.help("keep one file per term; merge the two definitions"));
            continue;
        }
        names.insert(t.name.to_lowercase(), (t, true));
    }
    for t in terms {
        for alias in &t.aliases {
            let key = alias.to_lowercase();
            match names.get(&key) {
                Some((other, true)) if std::ptr::eq(*other, t) => {}
                Some((other, true)) => {
                    let d = t.origin.error_at(
                        alias,
                        format!(
                            "the alias \"{alias}\" is the name of another term, defined in {}",
                            other.origin.file
                        ),
                    );
                    diags.push(
                        d.help("remove the alias: a mention can only lead to one definition"),
                    );
                }
                Some((other, false)) => {
                    let d = t.origin.error_at(
                        alias,
                        format!(
                            "the alias \"{alias}\" is also an alias of \"{}\" in {}",
                            other.name, other.origin.file
                        ),
                    );
                    diags.push(
                        d.help("an alias may belong to one term only; remove it from one of them"),
                    );
                }
                None => {
                    names.insert(key, (t, false));
                }
            }
        }
    }
    let mut slugs: HashMap<&str, &Term> = HashMap::new();
    for t in terms {
        if let Some(other) = slugs.insert(&t.slug, t) {
            if !t.name.eq_ignore_ascii_case(&other.name) {
                let d = t.origin.error_at(
                    &t.name,
                    format!(
                        "the terms \"{}\" and \"{}\" ({}) have the same anchor #{}",
                        t.name, other.name, other.origin.file, t.slug
                    ),
                );
                diags.push(d.help("set `slug = \"…\"` on one of them"));
            }
        }
    }
}
