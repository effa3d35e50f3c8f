//! Render: turn the linked content and the site index into pages, in memory.
//!
//! Templates see plain view structs, built once per build; every URL they get
//! already carries the base path.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use tera::{Context, Tera};

use crate::config::{SiteConfig, TimelineOrder};
use crate::content::Content;
use crate::date::PartialDate;
use crate::diag::Diagnostics;
use crate::html::json_for_script;
use crate::incremental::PageCache;
use crate::index::SiteIndex;
use crate::markdown::TocEntry;
use crate::output::{FileBytes, Output};
use crate::site::SharedRender;
use crate::slug::slugify;
use crate::theme::Theme;
use crate::timeline::Event;

mod native;

/// `url(path="glossary/")` and `"glossary/" | url` both give `/base/glossary/`.
pub fn register_helpers(tera: &mut Tera, base_path: &str) {
    let base = base_path.to_string();
    let join = move |path: &str| {
        // URLs kiji hands templates already carry the base path; piping one through
        // `url` again must not double it.
        let prefixed = base != "/" && path.starts_with(base.as_str());
        if prefixed || path.contains("://") || path.starts_with("//") || path.starts_with('#') {
            path.to_string()
        } else {
            format!("{base}{}", path.trim_start_matches('/'))
        }
    };
    let f = join.clone();
    tera.register_function("url", move |args: &HashMap<String, Value>| {
        let path = args.get("path").and_then(Value::as_str).unwrap_or("");
        Ok(Value::String(f(path)))
    });
    tera.register_filter("url", move |value: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(join(value.as_str().unwrap_or(""))))
    });
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateView {
    pub iso: String,
    pub human: String,
    pub precision: crate::date::Precision,
}

impl From<PartialDate> for DateView {
    fn from(d: PartialDate) -> Self {
        DateView {
            iso: d.iso(),
            human: d.human(),
            precision: d.precision(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagLink {
    pub name: String,
    pub url: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleSummary {
    pub title: String,
    pub url: String,
    pub date: DateView,
    pub updated: Option<DateView>,
    pub summary: Option<String>,
    pub tags: Vec<TagLink>,
    pub reading_minutes: usize,
}

impl ArticleSummary {
    /// A link to the article, to a heading of it if `anchor` names one.
    fn link_to(&self, anchor: Option<&str>) -> Link {
        let url = match anchor {
            Some(a) => format!("{}#{a}", self.url),
            None => self.url.clone(),
        };
        Link {
            title: self.title.clone(),
            url,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    /// Always ending in `/`, however site.toml or --base-url spelled it.
    base_url: &'a str,
    base_path: &'a str,
    language: &'a str,
    author: &'a str,
    build_date: &'a DateView,
    article_count: usize,
    term_count: usize,
    event_count: usize,
}

#[derive(Debug, Clone, Serialize)]
struct PageView {
    title: String,
    description: String,
    /// Site path without the base path: `articles/a/`.
    path: String,
    canonical: String,
    kind: &'static str,
    /// JSON-LD for the page, safe to print inside `<script>`.
    json_ld: Option<String>,
    og_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct Credit {
    publication: Option<String>,
    title: Option<String>,
    author: Option<String>,
    url: Option<String>,
    date: Option<DateView>,
}

#[derive(Debug, Clone, Serialize)]
struct TermRef {
    name: String,
    url: String,
    count: usize,
    tip: String,
}

#[derive(Debug, Clone, Serialize)]
struct RelatedView {
    title: String,
    url: String,
    date: DateView,
    shared_terms: Vec<String>,
    shared_tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventLink {
    pub title: String,
    pub url: String,
    pub date: DateView,
    pub upcoming: bool,
}

#[derive(Debug, Clone, Serialize)]
struct ArticleView<'a> {
    #[serde(flatten)]
    summary: &'a ArticleSummary,
    author: Option<String>,
    source: Option<Credit>,
    toc: &'a [TocEntry],
    content: &'a str,
    words: usize,
    terms: Vec<TermRef>,
    related: Vec<RelatedView>,
    events: Vec<EventLink>,
    previous: Option<Link>,
    next: Option<Link>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mentioned {
    pub title: String,
    pub url: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermView {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub letter: String,
    pub expansion: Option<String>,
    pub aliases: Vec<String>,
    pub definition: String,
    pub tip: String,
    pub articles: Vec<Mentioned>,
    pub events: Vec<EventLink>,
}

impl TermView {
    /// This view listing `articles` instead.
    fn with_articles(&self, articles: Vec<Mentioned>) -> TermView {
        TermView {
            name: self.name.clone(),
            slug: self.slug.clone(),
            url: self.url.clone(),
            letter: self.letter.clone(),
            expansion: self.expansion.clone(),
            aliases: self.aliases.clone(),
            definition: self.definition.clone(),
            tip: self.tip.clone(),
            articles,
            events: self.events.clone(),
        }
    }

    fn with_events(&self, events: Vec<EventLink>) -> TermView {
        TermView {
            events,
            ..self.with_articles(self.articles.clone())
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: String,
    pub url: String,
    pub date: DateView,
    pub title: String,
    pub body: String,
    pub tags: Vec<TagLink>,
    pub articles: Vec<Link>,
    pub upcoming: bool,
}

#[derive(Debug, Clone, Serialize)]
struct YearView<'a> {
    year: i32,
    events: Vec<&'a EventView>,
    /// The same events' indexes into `Prepared::events`.
    #[serde(skip)]
    ids: Vec<usize>,
}

/// Everything the renderer reads.
pub struct SiteData<'a> {
    pub config: &'a SiteConfig,
    pub theme: &'a Theme,
    pub content: &'a Content,
    pub articles: &'a [SharedRender],
    /// Per term: its definition rendered to HTML and its tooltip text.
    pub term_html: &'a [String],
    pub term_tips: &'a [String],
    pub events: &'a [Event],
    pub event_html: &'a [String],
    pub index: &'a SiteIndex,
    pub today: PartialDate,
    /// A one-off build's article HTML, for the pages to take (`Bodies`).
    pub bodies: Option<&'a Bodies>,
}

/// A one-off build's article HTML, moved out of the renders so each article's page
/// takes it and frees it once written: no article's HTML (190 MB at 10,000 articles)
/// outlives its page, and the listing pages and the search index, made after the
/// article pages, reuse the memory. The feed's articles keep their HTML in their
/// render, for the feed is made after the pages.
pub struct Bodies {
    from: usize,
    html: Vec<std::sync::Mutex<String>>,
}

impl Bodies {
    /// Moves out the HTML of the articles from `from` on; None if a render is shared
    /// (the dev server keeps them).
    pub fn take_from(articles: &mut [crate::site::SharedRender], from: usize) -> Option<Bodies> {
        // All or none: a page finds its article's HTML in one place or the other.
        let renders: Vec<&mut crate::markdown::Rendered> = articles
            .iter_mut()
            .skip(from)
            .map(Arc::get_mut)
            .collect::<Option<_>>()?;
        let html = renders
            .into_iter()
            .map(|r| std::sync::Mutex::new(std::mem::take(&mut r.html)))
            .collect();
        Some(Bodies { from, html })
    }

    /// Article `i`'s HTML if it was moved out (once: the page is written once).
    fn take(&self, i: usize) -> Option<String> {
        let slot = self.html.get(i.checked_sub(self.from)?)?;
        Some(std::mem::take(
            &mut *slot.lock().unwrap_or_else(|p| p.into_inner()),
        ))
    }
}

/// The views every page shares (article summaries, term and event views, tags),
/// computed once per build. Owned, so the dev server can keep it with the site and
/// re-render one page after an edit (`Pages` borrows it for a build).
pub struct Prepared {
    base: String,
    /// `site.base_url` and `site.build_date` as every page shows them.
    base_url: String,
    build_date: DateView,
    summaries: Vec<ArticleSummary>,
    /// Shared with a pending glossary.json (`Pages::glossary_json_later`).
    /// Each term on its own: an edit replaces the views of the terms its article
    /// mentions, while the glossary.json still pending shares the rest.
    terms: Arc<Vec<Arc<TermView>>>,
    /// Per term: the words of its definition, for search.
    term_words: Vec<crate::search::BodyWords>,
    events: Vec<EventView>,
    tag_links: HashMap<String, TagLink>,
    timeline_tags: Vec<TimelineTag>,
    /// Per event: its JSON-LD object, serialised for a `<script>`.
    event_ld: Vec<String>,
    /// Per event: its VEVENT block of timeline.ics (`ical::event`).
    event_ics: Vec<String>,
    /// Per event: its entry on the built-in timeline pages (`native::timeline_event_html`),
    /// written once for the whole timeline and each of its tags' pages, and kept for
    /// the dev server, which writes the timeline again after each event edit.
    event_entries: Vec<String>,
    /// The timeline tags' links, sorted by name, shared by every timeline page.
    timeline_tag_links: Vec<TagLink>,
    /// Set when the site keeps the built-in `base.html`, so pages whose own template is
    /// built in too are written by `native` (`Pages::native_chrome`): what is the same
    /// on all of them.
    native_chrome: Option<native::Chrome>,
}

struct TimelineTag {
    slug: String,
    link: TagLink,
    /// Indexes into `Prepared::events`, in timeline order.
    events: Vec<usize>,
}

/// A search document that owns its strings; see `Pages::owned_search_docs`.
pub struct OwnedSearchDoc {
    kind: crate::search::Kind,
    title: String,
    url: String,
    summary: String,
    keywords: Vec<String>,
    body: SearchBody,
}

enum SearchBody {
    Article(SharedRender),
    Term(crate::search::BodyWords),
}

impl OwnedSearchDoc {
    pub fn borrow(&self) -> crate::search::SearchDoc<'_> {
        crate::search::SearchDoc {
            kind: self.kind,
            title: &self.title,
            url: &self.url,
            summary: &self.summary,
            keywords: self.keywords.iter().map(String::as_str).collect(),
            body: match &self.body {
                SearchBody::Article(r) => &r.search,
                SearchBody::Term(words) => words,
            },
        }
    }
}

/// Renders pages: the shared views, the site they were prepared from, and the dev
/// server's page cache if there is one.
pub struct Pages<'a> {
    prepared: &'a Prepared,
    data: &'a SiteData<'a>,
    pages: Option<&'a PageCache>,
}

impl std::ops::Deref for Pages<'_> {
    type Target = Prepared;
    fn deref(&self) -> &Prepared {
        self.prepared
    }
}

type PageResult = Result<(String, FileBytes), Diagnostics>;
type PageJob<'a> = Box<dyn Fn() -> PageResult + Sync + 'a>;

pub fn render_site(data: &SiteData<'_>) -> Result<Output, Diagnostics> {
    render_site_cached(data, None, Output::default()).map(|(output, _)| output)
}

/// `render_site`, reusing pages whose context is unchanged (the dev server's rebuilds).
/// Renders every page into `output` (empty; in memory, or streaming to disk).
pub fn render_site_cached(
    data: &SiteData<'_>,
    pages: Option<&PageCache>,
    output: Output,
) -> Result<(Output, Prepared), Diagnostics> {
    crate::progress::timings::mark("prepare");
    let prepared = Prepared::new(data);
    let output = Pages {
        prepared: &prepared,
        data,
        pages,
    }
    .render_all(output)?;
    Ok((output, prepared))
}

impl<'a> Pages<'a> {
    pub fn new(
        prepared: &'a Prepared,
        data: &'a SiteData<'a>,
        pages: Option<&'a PageCache>,
    ) -> Self {
        Pages {
            prepared,
            data,
            pages,
        }
    }

    fn render_all(&self, output: Output) -> Result<Output, Diagnostics> {
        let data = self.data;
        let p = self;
        // The pages that list everything come first: last, one of them would keep one
        // core busy while the other has nothing left to do.
        let mut lists: Vec<PageJob<'_>> = vec![
            Box::new(move || p.glossary_page()),
            Box::new(move || p.timeline_page(None)),
            Box::new(move || p.index_page()),
        ];
        for tag in &p.timeline_tags {
            lists.push(Box::new(move || p.timeline_page(Some(tag))));
        }
        lists.push(Box::new(move || p.tags_page()));
        for tag in data.index.tags.values() {
            lists.push(Box::new(move || p.tag_page(tag)));
        }
        lists.push(Box::new(move || p.not_found_page()));
        lists.push(Box::new(move || p.search_page()));
        let articles: Vec<PageJob<'_>> = (0..data.content.articles.len())
            .map(|i| Box::new(move || p.article_page(i)) as PageJob<'_>)
            .collect();
        crate::progress::stage("rendering", lists.len() + articles.len());
        // Each page is stored (or written, when streaming) by the job that rendered it:
        // what is collected is its path and shared (or, streaming, no) bytes. The
        // site-wide files are made alongside, so no core idles while one serial step runs.
        let render_pages = |jobs: &[PageJob<'_>]| -> Vec<PageResult> {
            jobs.par_iter()
                .map(|job| {
                    crate::progress::tick();
                    job().map(|(path, bytes)| {
                        let stored = output.store(&path, bytes);
                        (path, stored)
                    })
                })
                .collect()
        };
        let (results, site_files) = if data.bodies.is_some() {
            // The article pages free their HTML: the lists and the search index (as big
            // while it is made) wait for them, and for the memory to be returned.
            let mut results = render_pages(&articles);
            return_free_memory();
            let (rest, files) = rayon::join(|| render_pages(&lists), || self.site_files(&output));
            results.extend(rest);
            (results, files)
        } else {
            let mut jobs = lists;
            jobs.extend(articles);
            rayon::join(|| render_pages(&jobs), || self.site_files(&output))
        };
        crate::progress::timings::mark("collect");
        let mut output = output;
        let mut diags = Diagnostics::new();
        for r in results {
            match r {
                Ok((path, stored)) => output.insert_shared(path, stored),
                Err(d) => diags.extend(d),
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        for (path, stored) in site_files {
            output.insert_shared(path, stored);
        }
        for (name, bytes) in &data.theme.assets {
            output.insert(name.clone(), bytes.clone());
        }
        output.insert(".nojekyll", Vec::new());
        Ok(output)
    }
}

impl Pages<'_> {
    /// glossary.json, timeline.ics and, in a one-off build, the search index, each
    /// stored (or written) as soon as it is made. The dev server (with a page cache)
    /// makes the search index when it is first asked for: `site::World::pending_search`.
    fn site_files(&self, output: &Output) -> Vec<(String, FileBytes)> {
        let mut files: Vec<(String, Vec<u8>)> = vec![
            ("glossary.json".into(), self.glossary_json()),
            ("timeline.ics".into(), self.calendar()),
        ];
        if self.pages.is_none() {
            files.extend(crate::search::files(&self.search_docs()));
        }
        files
            .into_par_iter()
            .map(|(path, bytes)| {
                let stored = output.store(&path, std::sync::Arc::new(bytes));
                (path, stored)
            })
            .collect()
    }
}

/// Serialised from borrowing structs, not a `json!` tree: at 10,000 articles the
/// tree (100,000 mentions) was ~200 MB at the build's peak. Fields are declared in
/// alphabetical order, the order `json!` objects had.
fn glossary_json(c: &SiteConfig, terms: &[Arc<TermView>]) -> Vec<u8> {
    #[derive(Serialize)]
    struct File<'a> {
        site: &'a str,
        terms: Vec<TermJson<'a>>,
    }
    #[derive(Serialize)]
    struct TermJson<'a> {
        aliases: &'a [String],
        articles: Vec<MentionJson<'a>>,
        definition: &'a str,
        definition_html: &'a str,
        expansion: &'a Option<String>,
        slug: &'a str,
        term: &'a str,
        url: String,
    }
    #[derive(Serialize)]
    struct MentionJson<'a> {
        mentions: usize,
        title: &'a str,
        url: String,
    }
    let origin = c.origin();
    let file = File {
        site: &c.title,
        terms: terms
            .iter()
            .map(|t| TermJson {
                aliases: &t.aliases,
                articles: t
                    .articles
                    .iter()
                    .map(|a| MentionJson {
                        mentions: a.count,
                        title: &a.title,
                        url: format!("{origin}{}", a.url),
                    })
                    .collect(),
                definition: &t.tip,
                definition_html: &t.definition,
                expansion: &t.expansion,
                slug: &t.slug,
                term: &t.name,
                url: c.absolute_url(&format!("glossary/#{}", t.slug)),
            })
            .collect(),
    };
    // Sized up front (~220 bytes per mention, pretty-printed): a vector that outgrows
    // its capacity is copied into one twice the size, and this file is 20 MB at
    // 10,000 articles.
    let mentions: usize = file.terms.iter().map(|t| t.articles.len()).sum();
    let capacity = mentions * 220
        + file
            .terms
            .iter()
            .map(|t| t.definition.len() + t.definition_html.len() + 400)
            .sum::<usize>();
    let mut json = Vec::with_capacity(capacity);
    match serde_json::to_writer_pretty(&mut json, &file) {
        Ok(()) => json,
        Err(_) => Vec::new(),
    }
}

/// `text` with each `(old, new)` piece replaced; None unless every old piece begins
/// with one of `markers`, occurs in `text` exactly once, and overlaps no other.
/// Pieces are found where their marker is (one pass over `text` per marker), not by
/// searching for each: the glossary page is 20 MB at 10,000 articles.
fn replace_each_once(
    text: &[u8],
    markers: &[&str],
    pieces: &[(String, String)],
) -> Option<Vec<u8>> {
    let mut at: Vec<(usize, &(String, String))> = Vec::with_capacity(pieces.len());
    for marker in markers {
        let mine: Vec<&(String, String)> = pieces
            .iter()
            .filter(|(old, _)| old.starts_with(marker))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut found: Vec<Option<usize>> = vec![None; mine.len()];
        for start in memchr::memmem::find_iter(text, marker.as_bytes()) {
            for (k, (old, _)) in mine.iter().enumerate() {
                if text[start..].starts_with(old.as_bytes()) {
                    if found[k].is_some() {
                        return None;
                    }
                    found[k] = Some(start);
                }
            }
        }
        for (start, piece) in found.into_iter().zip(mine) {
            at.push((start?, piece));
        }
    }
    if at.len() != pieces.len() {
        return None;
    }
    at.sort_by_key(|(start, _)| *start);
    let growth: usize = pieces.iter().map(|(_, new)| new.len()).sum();
    let mut out = Vec::with_capacity(text.len() + growth);
    let mut done = 0;
    for (start, (old, new)) in at {
        if start < done {
            return None;
        }
        out.extend_from_slice(&text[done..start]);
        out.extend_from_slice(new.as_bytes());
        done = start + old.len();
    }
    out.extend_from_slice(&text[done..]);
    Some(out)
}

/// What an edit changed beyond the pages that name the edited articles
/// (`Pages::pages_naming`): tag lists, related lists, the timeline.
#[derive(Debug, Default)]
pub struct Reach {
    /// The slugs of the tags an article joined or left (`index::Retagged::tags`).
    pub tags: Vec<String>,
    /// Articles whose own pages changed: new related lists, new events.
    pub articles: Vec<usize>,
    /// The articles on a changed tag's list (`index::Retagged::listed`).
    pub listed: Vec<usize>,
    /// The timeline changed: its page is written again in full.
    pub timeline: bool,
    /// The events (their new places) that are new or changed.
    pub events: HashSet<usize>,
    /// The timeline's tags or their counts changed: every timeline tag page is
    /// written again (each lists them all), not only those showing a changed event.
    pub timeline_tags: bool,
    /// Some term's events changed: the glossary is written again in full.
    pub glossary: bool,
    /// What the home page shows of the timeline changed (`Reevented::home`).
    pub home: bool,
}

impl Reach {
    /// Whether the edit reaches no page but the edited articles' own.
    pub fn is_empty(&self) -> bool {
        let Reach {
            tags,
            articles,
            listed,
            timeline,
            events,
            timeline_tags,
            glossary,
            home,
        } = self;
        tags.is_empty()
            && articles.is_empty()
            && listed.is_empty()
            && events.is_empty()
            && !(*timeline || *timeline_tags || *glossary || *home)
    }
}

/// What `Prepared::reevent` changed besides the events.
pub struct Reevented {
    /// Some term's events.
    pub terms: bool,
    /// The timeline's tags or their counts.
    pub tags: bool,
    /// The number of events, or the latest the home page shows.
    pub home: bool,
}

/// What other pages show of one article besides lists of articles: the events that
/// link to it (timeline pages) and the terms it mentions (the glossary), each with its
/// view as it was before the edit (an event's with its JSON-LD), for the pages that
/// show it to be patched where they can be (`Pages::pages_naming`).
#[derive(Debug, Default)]
pub struct Naming {
    events: Vec<(usize, EventView, String)>,
    terms: Vec<(usize, Arc<TermView>)>,
}

impl Naming {
    /// Whether the article mentions a glossary term (so the glossary names it).
    pub fn in_glossary(&self) -> bool {
        !self.terms.is_empty()
    }
}

/// Per tag slug: its page's link and how many articles have it.
fn tag_links(tags: &BTreeMap<String, crate::index::Tag>, base: &str) -> HashMap<String, TagLink> {
    tags.values()
        .map(|t| {
            let link = TagLink {
                name: t.name.clone(),
                url: format!("{base}tags/{}/", t.slug),
                count: t.articles.len(),
            };
            (t.slug.clone(), link)
        })
        .collect()
}

fn article_summary(
    data: &SiteData<'_>,
    tag_links: &HashMap<String, TagLink>,
    base: &str,
    i: usize,
) -> ArticleSummary {
    let a = &data.content.articles[i];
    ArticleSummary {
        title: a.title.clone(),
        url: format!("{base}{}", a.path()),
        date: a.date.into(),
        updated: a.updated.map(Into::into),
        summary: a.summary.clone(),
        tags: a
            .tags
            .iter()
            .filter_map(|t| tag_links.get(&slugify(t)).cloned())
            .collect(),
        reading_minutes: data.articles[i].words.div_ceil(220).max(1),
    }
}

/// Hands the memory the allocator holds free back to the system, on every thread of
/// the pool and on this one. mimalloc keeps a thread's freed pages for that thread to
/// reuse; after the article pages freed their HTML (190 MB at 10,000 articles), the
/// listing pages and the search index took new memory instead, ~80 MiB above the peak
/// linking had left (BENCHMARKS.md, sixth session).
fn return_free_memory() {
    // SAFETY: `mi_collect` takes no pointers; mimalloc allows it on any thread at any
    // time, and it only returns memory that no allocation is using.
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// A page written by `native`, as a rendered page is passed on.
fn native_page(path: String, html: String) -> (String, FileBytes) {
    (path, std::sync::Arc::new(html.into_bytes()))
}

impl Pages<'_> {
    /// A page written by `native`: made again, so counted as rendered by the dev
    /// server's page cache.
    fn native_page(&self, path: String, html: String) -> (String, FileBytes) {
        if let Some(cache) = self.pages {
            cache.count_unkeyed();
        }
        native_page(path, html)
    }
}

/// Per event at its new place: what was kept for the event it is the same as (`at`,
/// moved out of `kept`, not copied), or, for a new or changed one, `make` of it.
fn moved_or_made<T: Send>(
    kept: Vec<T>,
    at: &[Option<usize>],
    make: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let mut kept: Vec<Option<T>> = kept.into_iter().map(Some).collect();
    let made: Vec<Option<T>> = at
        .par_iter()
        .enumerate()
        .map(|(i, was)| was.is_none().then(|| make(i)))
        .collect();
    made.into_iter()
        .zip(at)
        .map(|(new, was)| {
            new.or_else(|| kept[was.expect("kept or made")].take())
                .expect("each kept value is moved once")
        })
        .collect()
}

/// Whether the timeline pages are written by `native` (`Pages::native_chrome`).
fn writes_timeline_natively(data: &SiteData<'_>) -> bool {
    data.theme.is_built_in("base.html") && data.theme.is_built_in("timeline.html")
}

impl Prepared {
    fn new(data: &SiteData<'_>) -> Self {
        let base = data.config.base_path();
        let tag_links = tag_links(&data.index.tags, &base);
        let summaries = (0..data.content.articles.len())
            .into_par_iter()
            .map(|i| article_summary(data, &tag_links, &base, i))
            .collect();
        let mut prepared = Prepared {
            base_url: data.config.absolute_url(""),
            build_date: data.today.into(),
            base,
            summaries,
            terms: Arc::default(),
            term_words: data
                .term_html
                .par_iter()
                .map(|h| crate::search::BodyWords::of(&crate::html::strip_tags(h)))
                .collect(),
            events: Vec::new(),
            tag_links,
            timeline_tags: Vec::new(),
            event_ld: Vec::new(),
            event_ics: Vec::new(),
            event_entries: Vec::new(),
            timeline_tag_links: Vec::new(),
            native_chrome: None,
        };
        prepared.events = prepared.event_views(data);
        prepared.timeline_tags = prepared.timeline_tags();
        prepared.timeline_tag_links = prepared.timeline_tag_links();
        prepared.terms = Arc::new(
            prepared
                .term_views(data)
                .into_iter()
                .map(Arc::new)
                .collect(),
        );
        prepared.event_ld = prepared.event_ld(data.config);
        let ics = crate::ical::Shared::new(data.config, data.today);
        prepared.event_ics = prepared
            .events
            .par_iter()
            .map(|e| crate::ical::event(&ics, e))
            .collect();
        prepared.event_entries = prepared.timeline_entries(data);
        prepared.native_chrome = data.theme.is_built_in("base.html").then(|| {
            let pages = Pages::new(&prepared, data, None);
            native::Chrome::new(&pages.site_view())
        });
        prepared
    }

    /// After the timeline changed (`SiteIndex::reevent`, already applied to `data`):
    /// the views and JSON-LD of the new or changed events (the others', `at` their kept
    /// places, are moved to their new ones), the timeline's tags, and the events of
    /// each term.
    pub fn reevent(&mut self, data: &SiteData<'_>, at: &[Option<usize>]) -> Reevented {
        let (count, recent): (usize, Vec<usize>) =
            (self.events.len(), self.recent_events().collect());
        self.events = moved_or_made(std::mem::take(&mut self.events), at, |i| {
            self.event_view(data, i)
        });
        self.event_ld = moved_or_made(std::mem::take(&mut self.event_ld), at, |i| {
            self.one_event_ld(data.config, i)
        });
        let shared = crate::ical::Shared::new(data.config, data.today);
        self.event_ics = moved_or_made(std::mem::take(&mut self.event_ics), at, |i| {
            crate::ical::event(&shared, &self.events[i])
        });
        if writes_timeline_natively(data) {
            self.event_entries = moved_or_made(std::mem::take(&mut self.event_entries), at, |i| {
                native::timeline_event_html(&self.events[i])
            });
        }
        let tag_links = std::mem::take(&mut self.timeline_tag_links);
        self.timeline_tags = self.timeline_tags();
        self.timeline_tag_links = self.timeline_tag_links();
        let tags = tag_links != self.timeline_tag_links;
        let events: Vec<Vec<EventLink>> = data
            .index
            .term_events
            .iter()
            .map(|list| list.iter().map(|&e| self.event_link(e)).collect())
            .collect();
        let mut terms = false;
        for (t, events) in events.into_iter().enumerate() {
            if self.terms[t].events != events {
                let view = Arc::new(self.terms[t].with_events(events));
                Arc::make_mut(&mut self.terms)[t] = view;
                terms = true;
            }
        }
        let home = count != self.events.len()
            || !self
                .recent_events()
                .map(|e| at[e])
                .eq(recent.into_iter().map(Some));
        Reevented { terms, tags, home }
    }

    /// Per event, its timeline entry: only for the built-in timeline pages.
    fn timeline_entries(&self, data: &SiteData<'_>) -> Vec<String> {
        if !writes_timeline_natively(data) {
            return Vec::new();
        }
        self.events
            .par_iter()
            .map(native::timeline_event_html)
            .collect()
    }

    /// The events the home page shows: the five latest that are not upcoming.
    fn recent_events(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.events.len())
            .rev()
            .filter(|&e| !self.events[e].upcoming)
            .take(5)
    }

    fn timeline_tag_links(&self) -> Vec<TagLink> {
        let mut links: Vec<TagLink> = self.timeline_tags.iter().map(|t| t.link.clone()).collect();
        links.sort_by(|a, b| a.name.cmp(&b.name));
        links
    }

    /// After some articles changed their tags (`SiteIndex::retag`, already applied to
    /// `data`): every tag's link and count, and the summaries of the articles on the
    /// changed tags' lists.
    pub fn retag(&mut self, data: &SiteData<'_>, retagged: &crate::index::Retagged) {
        self.tag_links = tag_links(&data.index.tags, &self.base);
        for &i in &retagged.listed {
            self.summaries[i] = article_summary(data, &self.tag_links, &self.base, i);
        }
    }

    /// After article `i` changed only what pages show of it (title, summary, author,
    /// source credit, dates; `Article::with_new_display_fields`): its summary, and the views
    /// of the events and terms that name it. Returns what other pages show it.
    pub fn refresh_article(&mut self, data: &SiteData<'_>, i: usize) -> Naming {
        self.summaries[i] = article_summary(data, &self.tag_links, &self.base, i);
        let mut events = Vec::with_capacity(data.index.article_events[i].len());
        let ics = crate::ical::Shared::new(data.config, data.today);
        for &e in &data.index.article_events[i] {
            let view = self.event_view(data, e);
            let view = std::mem::replace(&mut self.events[e], view);
            let ld = self.one_event_ld(data.config, e);
            // The block shows nothing of the article, but is kept in step with the view.
            self.event_ics[e] = crate::ical::event(&ics, &self.events[e]);
            if let Some(entry) = self.event_entries.get_mut(e) {
                *entry = native::timeline_event_html(&self.events[e]);
            }
            events.push((e, view, std::mem::replace(&mut self.event_ld[e], ld)));
        }
        let mut mentioned: Vec<usize> = data.articles[i].mentions.iter().map(|m| m.term).collect();
        mentioned.sort_unstable();
        mentioned.dedup();
        let mut terms = Vec::with_capacity(mentioned.len());
        for t in mentioned {
            let articles = self.mentioned(data, t);
            let all = Arc::make_mut(&mut self.terms);
            let new = Arc::new(all[t].with_articles(articles));
            let old = std::mem::replace(&mut all[t], new);
            terms.push((t, old));
        }
        Naming { events, terms }
    }

    fn event_url(&self, e: &Event) -> String {
        format!("{}timeline/#{}", self.base, e.id)
    }

    fn event_views(&self, d: &SiteData<'_>) -> Vec<EventView> {
        (0..d.events.len())
            .into_par_iter()
            .map(|e| self.event_view(d, e))
            .collect()
    }

    fn event_view(&self, d: &SiteData<'_>, i: usize) -> EventView {
        let e = &d.events[i];
        EventView {
            id: e.id.clone(),
            url: self.event_url(e),
            date: e.date.into(),
            title: e.title.clone(),
            body: d.event_html[i].clone(),
            tags: e
                .tags
                .iter()
                .map(|t| TagLink {
                    name: t.clone(),
                    url: format!("{}timeline/tags/{}/", self.base, slugify(t)),
                    count: 0,
                })
                .collect(),
            articles: e
                .refs
                .iter()
                .map(|r| self.summaries[r.article].link_to(r.anchor.as_deref()))
                .collect(),
            upcoming: e.date.is_after(d.today),
        }
    }

    fn event_ld(&self, c: &SiteConfig) -> Vec<String> {
        (0..self.events.len())
            .into_par_iter()
            .map(|e| self.one_event_ld(c, e))
            .collect()
    }

    fn one_event_ld(&self, c: &SiteConfig, i: usize) -> String {
        let origin = c.origin();
        let location = c
            .timeline
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        let e = &self.events[i];
        let mut ld = json!({
            "@type": "Event",
            "name": e.title,
            "startDate": e.date.iso,
            "url": format!("{origin}{}", e.url),
            "eventStatus": "https://schema.org/EventScheduled",
            "description": crate::html::strip_tags(&e.body),
            "subjectOf": e.articles.iter().map(|a| json!({"@type": "Article", "headline": a.title, "url": format!("{origin}{}", a.url)})).collect::<Vec<_>>(),
        });
        if let Some(name) = location {
            ld["location"] = json!({"@type": "Place", "name": name});
        }
        json_for_script(&ld)
    }

    fn event_link(&self, e: usize) -> EventLink {
        let v = &self.events[e];
        EventLink {
            title: v.title.clone(),
            url: v.url.clone(),
            date: v.date.clone(),
            upcoming: v.upcoming,
        }
    }

    fn term_views(&self, d: &SiteData<'_>) -> Vec<TermView> {
        d.content
            .terms
            .par_iter()
            .enumerate()
            .map(|(i, t)| TermView {
                name: t.name.clone(),
                slug: t.slug.clone(),
                url: format!("{}glossary/#{}", self.base, t.slug),
                letter: t
                    .name
                    .chars()
                    .next()
                    .map(|c| c.to_uppercase().to_string())
                    .unwrap_or_default(),
                expansion: t.expansion.clone(),
                aliases: t.aliases.clone(),
                definition: d.term_html[i].clone(),
                tip: d.term_tips[i].clone(),
                articles: self.mentioned(d, i),
                events: d.index.term_events[i]
                    .iter()
                    .map(|&e| self.event_link(e))
                    .collect(),
            })
            .collect()
    }

    /// The articles that mention term `t`, as the glossary lists them.
    fn mentioned(&self, d: &SiteData<'_>, t: usize) -> Vec<Mentioned> {
        d.index.backlinks[t]
            .iter()
            .map(|b| {
                let Link { title, url } = self.summaries[b.article].link_to(b.anchor.as_deref());
                Mentioned {
                    title,
                    url,
                    count: b.count,
                }
            })
            .collect()
    }

    /// Every event tag once, with its events, sorted by slug. Computed once per build:
    /// the profile of a 1,000-article corpus had timeline pages at 13% of the build,
    /// re-slugifying every event's tags for every tag of every timeline page.
    fn timeline_tags(&self) -> Vec<TimelineTag> {
        let mut by_slug: BTreeMap<&str, TimelineTag> = BTreeMap::new();
        let prefix = format!("{}timeline/tags/", self.base);
        for (i, e) in self.events.iter().enumerate() {
            for t in &e.tags {
                // The slug each view's link was made with (`event_view`), not made again:
                // this runs over every event after each event edit.
                let slug = t
                    .url
                    .strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix('/'))
                    .expect("an event's tag links to its timeline tag page");
                let tag = by_slug.entry(slug).or_insert_with(|| TimelineTag {
                    link: TagLink {
                        url: t.url.clone(),
                        name: t.name.clone(),
                        count: 0,
                    },
                    slug: slug.to_string(),
                    events: Vec::new(),
                });
                if tag.events.last() != Some(&i) {
                    tag.events.push(i);
                    tag.link.count += 1;
                }
            }
        }
        by_slug.into_values().collect()
    }
}

impl Pages<'_> {
    fn site_view(&self) -> SiteView<'_> {
        let c = self.data.config;
        SiteView {
            title: &c.title,
            description: &c.description,
            base_url: &self.base_url,
            base_path: &self.base,
            language: &c.language,
            author: &c.author,
            build_date: &self.build_date,
            article_count: self.summaries.len(),
            term_count: self.terms.len(),
            event_count: self.events.len(),
        }
    }

    fn page(
        &self,
        title: &str,
        description: &str,
        path: &str,
        kind: &'static str,
        json_ld: Option<Value>,
    ) -> PageView {
        let json_ld = json_ld.as_ref().map(json_for_script);
        self.page_with_ld(title, description, path, kind, json_ld)
    }

    /// `page`, with JSON-LD already serialised for a `<script>`.
    fn page_with_ld(
        &self,
        title: &str,
        description: &str,
        path: &str,
        kind: &'static str,
        json_ld: Option<String>,
    ) -> PageView {
        PageView {
            title: title.to_string(),
            description: if description.is_empty() {
                self.data.config.description.clone()
            } else {
                description.to_string()
            },
            path: path.to_string(),
            canonical: self.data.config.absolute_url(path),
            kind,
            json_ld,
            og_type: if kind == "article" {
                "article"
            } else {
                "website"
            },
        }
    }

    fn render(
        &self,
        template: &str,
        out_path: String,
        page: PageView,
        extra: impl FnOnce(&mut Context),
    ) -> PageResult {
        let mut ctx = Context::new();
        ctx.insert("site", &self.site_view());
        ctx.insert("page", &page);
        extra(&mut ctx);
        let theme = self.data.theme;
        let render = |ctx: &Context| theme.tera.render(template, ctx).map(String::into_bytes);
        let bytes = match self.pages {
            Some(cache) => cache.page(template, &out_path, ctx.into_json(), |json| {
                render(&Context::from_value(json)?)
            }),
            None => render(&ctx).map(std::sync::Arc::new),
        };
        bytes
            .map(|b| (out_path, b))
            .map_err(|e| theme.template_error(template, &e).into())
    }

    /// `render` for a page whose cache key is made beforehand: Tera's context is only
    /// filled in when the key changed.
    fn render_keyed(
        &self,
        template: &str,
        out_path: String,
        cache: &PageCache,
        key: Option<u64>,
        fill: impl FnOnce(&mut Context),
    ) -> PageResult {
        let theme = self.data.theme;
        cache
            .page_keyed(&out_path, key, || {
                let mut ctx = Context::new();
                fill(&mut ctx);
                theme.tera.render(template, &ctx).map(String::into_bytes)
            })
            .map(|bytes| (out_path, bytes))
            .map_err(|e| theme.template_error(template, &e).into())
    }

    fn index_page(&self) -> PageResult {
        let c = self.data.config;
        let ld = json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": c.title,
            "description": c.description,
            "url": c.absolute_url(""),
        });
        let page = self.page(&c.title, &c.description, "", "index", Some(ld));
        let recent: Vec<&EventView> = self.recent_events().map(|e| &self.events[e]).collect();
        if let Some(chrome) = self.native_chrome(&["index.html", "macros.html"]) {
            let tags = self.sorted_tags();
            let html = native::index_page(
                chrome,
                &self.site_view(),
                &page,
                &self.summaries,
                &tags,
                &recent,
            );
            return Ok(self.native_page("index.html".into(), html));
        }
        self.render("index.html", "index.html".into(), page, |ctx| {
            ctx.insert("articles", &self.summaries);
            ctx.insert("tags", &self.sorted_tags());
            ctx.insert("recent_events", &recent);
        })
    }

    /// The shared chrome, when this page is written by `native` rather than Tera: for
    /// sites that override neither `base.html` nor any of `templates`. A listing page
    /// (the home page, a tag, the timeline, the glossary) shows something of many
    /// articles and is made again on most of the dev server's saves that reach it:
    /// building its context to key it in the page cache cost more than writing it
    /// natively (a tag edit at 10k: ~1.2 s → ~0.9 s). Article pages decide for
    /// themselves (`article_page`).
    fn native_chrome(&self, templates: &[&str]) -> Option<&native::Chrome> {
        let chrome = self.prepared.native_chrome.as_ref()?;
        let theme = self.data.theme;
        templates
            .iter()
            .all(|t| theme.is_built_in(t))
            .then_some(chrome)
    }

    fn sorted_tags(&self) -> Vec<&TagLink> {
        let mut tags: Vec<&TagLink> = self.tag_links.values().collect();
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        tags
    }

    pub fn article_page(&self, i: usize) -> PageResult {
        let d = self.data;
        let a = &d.content.articles[i];
        let r = &d.articles[i];
        let summary = &self.summaries[i];
        let taken = d.bodies.and_then(|b| b.take(i));
        let mut view = ArticleView {
            summary,
            author: a
                .author
                .clone()
                .or_else(|| (!d.config.author.is_empty()).then(|| d.config.author.clone())),
            source: a.credit.as_ref().map(|c| Credit {
                publication: c.publication.clone(),
                title: c.title.clone(),
                author: c.author.clone(),
                url: c.url.clone(),
                date: c.date.map(|d| d.0.into()),
            }),
            toc: &r.toc,
            content: taken.as_deref().unwrap_or(&r.html),
            words: r.words,
            terms: r
                .mentions
                .iter()
                .map(|m| TermRef {
                    name: self.terms[m.term].name.clone(),
                    url: self.terms[m.term].url.clone(),
                    count: m.count,
                    tip: self.terms[m.term].tip.clone(),
                })
                .collect(),
            related: d.index.related[i]
                .iter()
                .map(|rel| {
                    let s = &self.summaries[rel.article];
                    RelatedView {
                        title: s.title.clone(),
                        url: s.url.clone(),
                        date: s.date.clone(),
                        shared_terms: rel
                            .shared_terms
                            .iter()
                            .map(|&t| self.terms[t].name.clone())
                            .collect(),
                        shared_tags: rel.shared_tags.clone(),
                    }
                })
                .collect(),
            events: d.index.article_events[i]
                .iter()
                .map(|&e| self.event_link(e))
                .collect(),
            // Articles are newest first: the previous one is older, the next one newer.
            previous: self.summaries.get(i + 1).map(|s| Link {
                title: s.title.clone(),
                url: s.url.clone(),
            }),
            next: i.checked_sub(1).map(|j| Link {
                title: self.summaries[j].title.clone(),
                url: self.summaries[j].url.clone(),
            }),
        };
        let c = d.config;
        let ld = json!({
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": a.title,
            "description": a.summary.as_deref().unwrap_or(&c.description),
            "inLanguage": c.language,
            "mainEntityOfPage": c.absolute_url(&a.path()),
            "datePublished": a.date.iso(),
            "dateModified": a.updated.unwrap_or(a.date).iso(),
            "author": {"@type": "Person", "name": view.author},
            "publisher": {"@type": "Organization", "name": c.title},
            "url": c.absolute_url(&a.path()),
            "keywords": a.tags,
            "wordCount": r.words,
        });
        let page = self.page(
            &a.title,
            a.summary.as_deref().unwrap_or(""),
            &a.path(),
            "article",
            Some(ld),
        );
        let out_path = format!("{}index.html", a.path());
        // Most of the dev server's 10,000 article pages are unchanged by a save: their
        // key is hashed from the views as written, the body by its fingerprint, and
        // only a changed page is written. A one-off build writes each.
        let site = self.site_view();
        if let Some(chrome) = self.native_chrome(&["article.html"]) {
            let Some(cache) = self.pages else {
                let html = native::article_page(chrome, &site, &page, &view);
                return Ok(native_page(out_path, html));
            };
            // The built-in page prints none of the site's counts: a new article or event
            // leaves the other pages' keys as they were.
            let counted = SiteView {
                article_count: 0,
                term_count: 0,
                event_count: 0,
                ..site.clone()
            };
            view.content = "";
            let key = crate::incremental::page_key(
                "article.html",
                &(&counted, &page, &view, r.html_fingerprint()),
            );
            return cache
                .page_keyed(&out_path, key, || {
                    view.content = &r.html;
                    let html = native::article_page(chrome, &site, &page, &view);
                    Ok::<_, Diagnostics>(html.into_bytes())
                })
                .map(|bytes| (out_path, bytes));
        }
        let Some(cache) = self.pages else {
            return self.render("article.html", out_path, page, |ctx| {
                ctx.insert("article", &view)
            });
        };
        view.content = "";
        let key = crate::incremental::page_key(
            "article.html",
            &(&site, &page, &view, r.html_fingerprint()),
        );
        self.render_keyed("article.html", out_path, cache, key, |ctx| {
            view.content = &r.html;
            ctx.insert("site", &site);
            ctx.insert("page", &page);
            ctx.insert("article", &view);
        })
    }

    fn tags_page(&self) -> PageResult {
        let page = self.page("Tags", "Every tag and its articles", "tags/", "tags", None);
        self.render("tags.html", "tags/index.html".into(), page, |ctx| {
            ctx.insert("tags", &self.sorted_tags())
        })
    }

    fn tag_page(&self, tag: &crate::index::Tag) -> PageResult {
        let path = format!("tags/{}/", tag.slug);
        let title = format!("Tagged “{}”", tag.name);
        let page = self.page(
            &title,
            &format!("Articles tagged {}", tag.name),
            &path,
            "tag",
            None,
        );
        let articles: Vec<&ArticleSummary> =
            tag.articles.iter().map(|&i| &self.summaries[i]).collect();
        let link = &self.tag_links[&tag.slug];
        if let Some(chrome) = self.native_chrome(&["tag.html", "macros.html"]) {
            let html = native::tag_page(chrome, &self.site_view(), &page, link, &articles);
            return Ok(self.native_page(format!("{path}index.html"), html));
        }
        self.render("tag.html", format!("{path}index.html"), page, |ctx| {
            ctx.insert("tag", link);
            ctx.insert("articles", &articles);
        })
    }

    fn glossary_page(&self) -> PageResult {
        let c = self.data.config;
        let ld = json!({
            "@context": "https://schema.org",
            "@type": "DefinedTermSet",
            "name": format!("{} glossary", c.title),
            "url": c.absolute_url("glossary/"),
            "hasDefinedTerm": self.terms.iter().map(|t| json!({
                "@type": "DefinedTerm",
                "name": t.name,
                "alternateName": t.aliases,
                "description": t.tip,
                "termCode": t.slug,
                "url": c.absolute_url(&format!("glossary/#{}", t.slug)),
            })).collect::<Vec<_>>(),
        });
        let page = self.page(
            "Glossary",
            "The terms used across the articles, defined once",
            "glossary/",
            "glossary",
            Some(ld),
        );
        let mut letters: Vec<String> = self.terms.iter().map(|t| t.letter.clone()).collect();
        letters.dedup();
        if let Some(chrome) = self.native_chrome(&["glossary.html"]) {
            let html =
                native::glossary_page(chrome, &self.site_view(), &page, &self.terms, &letters);
            return Ok(self.native_page("glossary/index.html".to_string(), html));
        }
        self.render("glossary.html", "glossary/index.html".into(), page, |ctx| {
            ctx.insert("terms", &*self.terms);
            ctx.insert("letters", &letters);
        })
    }

    fn glossary_json(&self) -> Vec<u8> {
        glossary_json(self.data.config, &self.terms)
    }

    /// glossary.json, to be made later (on another thread, after the site it is
    /// made from has moved on): what it needs, shared or copied.
    pub fn glossary_json_later(&self) -> impl FnOnce() -> Vec<u8> + Send + 'static {
        let (config, terms) = (self.data.config.clone(), self.terms.clone());
        move || glossary_json(&config, &terms)
    }

    /// The whole timeline, or one tag's page of it.
    fn timeline_page(&self, tag: Option<&TimelineTag>) -> PageResult {
        let c = self.data.config;
        let ids: Vec<usize> = match tag {
            None => (0..self.events.len()).collect(),
            Some(t) => t.events.clone(),
        };
        let mut years: Vec<YearView> = Vec::new();
        for &i in &ids {
            let e = &self.events[i];
            let year = e.date.iso[..4].parse().unwrap_or(0);
            match years.last_mut() {
                Some(y) if y.year == year => {
                    y.events.push(e);
                    y.ids.push(i);
                }
                _ => years.push(YearView {
                    year,
                    events: vec![e],
                    ids: vec![i],
                }),
            }
        }
        if c.timeline.order == TimelineOrder::NewestFirst {
            years.reverse();
            for y in &mut years {
                y.events.reverse();
                y.ids.reverse();
            }
        }
        let tag_counts = &self.timeline_tag_links;
        // What `json!({"@context": …, "@graph": [events]})` would give, from each
        // event's JSON-LD serialised once per build (not once per timeline page).
        let graph: Vec<&str> = ids.iter().map(|&e| self.event_ld[e].as_str()).collect();
        let ld = format!(
            "{{\"@context\":\"https://schema.org\",\"@graph\":[{}]}}",
            graph.join(",")
        );
        let (path, title) = match tag {
            Some(t) => (
                format!("timeline/tags/{}/", t.slug),
                format!("Timeline: {}", t.link.name),
            ),
            None => ("timeline/".to_string(), "Timeline".to_string()),
        };
        let page = self.page_with_ld(
            &title,
            "Every dated event in the articles, in order",
            &path,
            "timeline",
            Some(ld),
        );
        if let Some(chrome) = self.native_chrome(&["timeline.html"]) {
            let timeline = native::Timeline {
                years: &years,
                event_tags: tag_counts,
                selected_tag: tag.map(|t| t.slug.as_str()),
                event_count: ids.len(),
                entries: &self.event_entries,
            };
            let html = native::timeline_page(chrome, &self.site_view(), &page, &timeline);
            return Ok(self.native_page(format!("{path}index.html"), html));
        }
        self.render("timeline.html", format!("{path}index.html"), page, |ctx| {
            ctx.insert("years", &years);
            ctx.insert("event_tags", &tag_counts);
            ctx.insert("selected_tag", &tag.map(|t| &t.slug));
            ctx.insert("event_count", &ids.len());
        })
    }

    /// Articles then glossary terms, for the search index.
    /// `search_docs`, owning what they hold (the article texts shared, not copied),
    /// for a search index built later on another thread.
    pub fn owned_search_docs(&self) -> Vec<OwnedSearchDoc> {
        self.search_docs()
            .into_iter()
            .enumerate()
            .map(|(i, d)| OwnedSearchDoc {
                kind: d.kind,
                title: d.title.to_string(),
                url: d.url.to_string(),
                summary: d.summary.to_string(),
                keywords: d.keywords.iter().map(|k| k.to_string()).collect(),
                body: match self.data.articles.get(i) {
                    Some(r) if d.kind == crate::search::Kind::Article => {
                        SearchBody::Article(r.clone())
                    }
                    _ => SearchBody::Term(d.body.clone()),
                },
            })
            .collect()
    }

    pub fn search_docs(&self) -> Vec<crate::search::SearchDoc<'_>> {
        use crate::search::{Kind, SearchDoc};
        let d = self.data;
        let articles = self.summaries.iter().enumerate().map(|(i, s)| SearchDoc {
            kind: Kind::Article,
            title: &s.title,
            url: &s.url,
            summary: s.summary.as_deref().unwrap_or(""),
            keywords: d.content.articles[i]
                .tags
                .iter()
                .map(String::as_str)
                .collect(),
            body: &d.articles[i].search,
        });
        let terms = self
            .terms
            .iter()
            .zip(&self.term_words)
            .map(|(t, body)| SearchDoc {
                kind: Kind::Term,
                title: &t.name,
                url: &t.url,
                summary: &t.tip,
                keywords: t
                    .aliases
                    .iter()
                    .map(String::as_str)
                    .chain(t.expansion.as_deref())
                    .collect(),
                body,
            });
        articles.chain(terms).collect()
    }

    /// Every page that shows one of the `edited` articles, after
    /// `Prepared::refresh_article` gave each its `Naming`: their own pages and their
    /// neighbours' (previous, next), the articles that list one as related, the home
    /// page, their tag pages, the glossary (when they mention a term), the timeline
    /// pages of the events that link to them, and the 404 page (when one is among the
    /// newest five). The feed, glossary.json and the search index are the caller's.
    ///
    /// The glossary and the timeline pages list every term or event: where `kept` has
    /// them as the built-in theme writes them, only the entries that changed are
    /// written again, into a copy of the kept page.
    ///
    /// After a tag edit (`retagged`, from `SiteIndex::retag`): also the pages of the
    /// tags it changed that still exist, the tags page, and the articles whose related
    /// lists changed (with a theme's own article page, every article on a changed
    /// tag's list: it may show the tags' counts).
    pub fn pages_naming(
        &self,
        edited: &[(usize, Naming)],
        reach: &Reach,
        kept: &Output,
    ) -> Result<Vec<(String, FileBytes)>, Diagnostics> {
        let d = self.data;
        let is_edited: HashSet<usize> = edited.iter().map(|(i, _)| *i).collect();
        let mut articles: BTreeSet<usize> = BTreeSet::new();
        let mut tags: BTreeSet<String> = BTreeSet::new();
        let mut events: BTreeSet<usize> = BTreeSet::new();
        let mut glossary = false;
        for (i, naming) in edited {
            articles.extend(
                [Some(*i), i.checked_sub(1), Some(i + 1)]
                    .into_iter()
                    .flatten(),
            );
            tags.extend(d.content.articles[*i].tags.iter().map(|t| slugify(t)));
            events.extend(naming.events.iter().map(|(e, _, _)| *e));
            glossary |= naming.in_glossary();
        }
        articles.extend(
            d.index
                .related
                .iter()
                .enumerate()
                .filter(|(_, rel)| rel.iter().any(|r| is_edited.contains(&r.article)))
                .map(|(j, _)| j),
        );
        tags.extend(reach.tags.iter().cloned());
        articles.extend(&reach.articles);
        if self.native_chrome(&["article.html"]).is_none() {
            articles.extend(&reach.listed);
        }
        // What each changed term and event looked like before the first of the edits.
        let mut terms_before: BTreeMap<usize, &TermView> = BTreeMap::new();
        let mut events_before: BTreeMap<usize, (&EventView, &str)> = BTreeMap::new();
        for (_, naming) in edited {
            for (t, view) in &naming.terms {
                terms_before.entry(*t).or_insert(view);
            }
            for (e, view, ld) in &naming.events {
                events_before.entry(*e).or_insert((view, ld));
            }
        }
        let glossary_patch: Vec<(String, String)> = terms_before
            .iter()
            .map(|(&t, old)| {
                (
                    native::glossary_entry_html(old),
                    native::glossary_entry_html(&self.terms[t]),
                )
            })
            .collect();
        let timeline_patch: Vec<(usize, [(String, String); 2])> = events_before
            .iter()
            .map(|(&e, (old, old_ld))| {
                let entry = (
                    native::timeline_event_html(old),
                    native::timeline_event_html(&self.events[e]),
                );
                (e, [entry, (old_ld.to_string(), self.event_ld[e].clone())])
            })
            .collect();
        // A timeline page's pieces: those of the events it shows.
        let timeline_pieces = |shown: &dyn Fn(usize) -> bool| -> Vec<(String, String)> {
            timeline_patch
                .iter()
                .filter(|(e, _)| shown(*e))
                .flat_map(|(_, pieces)| pieces.iter().cloned())
                .collect()
        };
        // Where each piece begins: a glossary entry, a timeline event, an event's JSON-LD.
        let glossary_patch = (native::GLOSSARY_ENTRY, &glossary_patch[..]);
        let all_events = timeline_pieces(&|_| true);
        let timeline_patch = (native::TIMELINE_EVENT_AND_LD, &all_events[..]);
        let p = self;
        // The biggest first (as in `render_all`): the glossary, the timeline and the
        // home page each list every term, event or article.
        let mut jobs: Vec<PageJob<'_>> = Vec::new();
        // After a change to the timeline or to the terms' events, the kept pages are
        // not what the views before the edit would patch: they are written in full.
        if reach.glossary {
            jobs.push(Box::new(move || p.glossary_page()));
        } else if glossary {
            jobs.push(Box::new(move || {
                p.patched(kept, "glossary/index.html", "glossary.html", glossary_patch)
                    .map_or_else(|| p.glossary_page(), Ok)
            }));
        }
        if reach.timeline {
            jobs.push(Box::new(move || p.timeline_page(None)));
        } else if !events.is_empty() {
            jobs.push(Box::new(move || {
                p.patched(kept, "timeline/index.html", "timeline.html", timeline_patch)
                    .map_or_else(|| p.timeline_page(None), Ok)
            }));
        }
        // The home page: every article's card, the tags' counts, the latest events.
        if !edited.is_empty() || !reach.tags.is_empty() || reach.home {
            jobs.push(Box::new(move || p.index_page()));
        }
        if reach.timeline {
            let changed = |e: &usize| reach.events.contains(e);
            for tag in &self.timeline_tags {
                if reach.timeline_tags || tag.events.iter().any(changed) {
                    jobs.push(Box::new(move || p.timeline_page(Some(tag))));
                }
            }
        } else if !events.is_empty() {
            for tag in &self.timeline_tags {
                if tag.events.iter().any(|e| events.contains(e)) {
                    let pieces = timeline_pieces(&|e| tag.events.binary_search(&e).is_ok());
                    jobs.push(Box::new(move || {
                        let path = format!("timeline/tags/{}/index.html", tag.slug);
                        let patch = (native::TIMELINE_EVENT_AND_LD, &pieces[..]);
                        p.patched(kept, &path, "timeline.html", patch)
                            .map_or_else(|| p.timeline_page(Some(tag)), Ok)
                    }));
                }
            }
        }
        for tag in tags.iter().filter_map(|slug| d.index.tags.get(slug)) {
            jobs.push(Box::new(move || p.tag_page(tag)));
        }
        if !reach.tags.is_empty() {
            jobs.push(Box::new(move || p.tags_page()));
        }
        if is_edited.iter().any(|&i| i < 5) {
            jobs.push(Box::new(move || p.not_found_page()));
        }
        let count = d.content.articles.len();
        for i in articles.into_iter().filter(|&i| i < count) {
            jobs.push(Box::new(move || p.article_page(i)));
        }
        jobs.par_iter().map(|job| job()).collect()
    }

    /// The kept page at `path` with each `(old, new)` piece replaced, when the page is
    /// one `native` writes for `template` and each old piece is in it exactly once.
    fn patched(
        &self,
        kept: &Output,
        path: &str,
        template: &str,
        (markers, pieces): (&[&str], &[(String, String)]),
    ) -> Option<(String, FileBytes)> {
        self.prepared.native_chrome.as_ref()?;
        if !self.data.theme.is_built_in(template) {
            return None;
        }
        let page = kept.get(path)?;
        let bytes = replace_each_once(page, markers, pieces)?;
        Some((path.to_string(), Arc::new(bytes)))
    }

    fn search_page(&self) -> PageResult {
        let page = self.page(
            "Search",
            "Search the articles and the glossary",
            "search/",
            "search",
            None,
        );
        self.render("search.html", "search/index.html".into(), page, |_| {})
    }

    /// Whether `path` is the page of a tag of the timeline as it is now.
    pub fn is_timeline_tag_page(&self, path: &str) -> bool {
        let slug = path
            .strip_prefix("timeline/tags/")
            .and_then(|rest| rest.strip_suffix("/index.html"));
        slug.is_some_and(|slug| self.timeline_tags.iter().any(|t| t.slug == slug))
    }

    /// timeline.ics, as the timeline is now.
    pub fn calendar(&self) -> Vec<u8> {
        crate::ical::calendar(
            self.data.config,
            self.prepared.event_ics.iter().map(String::as_str),
        )
    }

    fn not_found_page(&self) -> PageResult {
        let page = self.page("Page not found", "", "404.html", "404", None);
        let recent: Vec<&ArticleSummary> = self.summaries.iter().take(5).collect();
        self.render("404.html", "404.html".into(), page, |ctx| {
            ctx.insert("articles", &recent)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn patches_replace_each_piece_found_once_at_its_marker() {
        let page = b"<ul><li id=a>A</li><li id=b>B</li><li id=c>C</li></ul>";
        let patch = pieces(&[
            ("<li id=c>C</li>", "<li id=c>see</li>"),
            ("<li id=a>A</li>", ""),
        ]);
        let out = replace_each_once(page, &["<li"], &patch).unwrap();
        assert_eq!(out, b"<ul><li id=b>B</li><li id=c>see</li></ul>");
        // A piece not in the page, twice in it, or not at a marker: no patch.
        let missing = pieces(&[("<li id=d>D</li>", "x")]);
        assert_eq!(replace_each_once(page, &["<li"], &missing), None);
        let twice = b"<li id=a>A</li><li id=a>A</li>";
        let a = pieces(&[("<li id=a>A</li>", "x")]);
        assert_eq!(replace_each_once(twice, &["<li"], &a), None);
        assert_eq!(replace_each_once(page, &["<ul"], &a), None);
    }

    fn render(base: &str, template: &str) -> String {
        let mut tera = Tera::default();
        register_helpers(&mut tera, base);
        tera.add_raw_template("t", template).unwrap();
        tera.render("t", &Context::new()).unwrap()
    }

    #[test]
    fn url_helpers_add_the_base_path_once() {
        let t = r##"{{ url(path="glossary/") }} {{ "/style.css" | url }} {{ "/repo/articles/a/" | url }} {{ url(path="") }} {{ "https://x.org/" | url }} {{ "#top" | url }}"##;
        assert_eq!(
            render("/repo/", t),
            "/repo/glossary/ /repo/style.css /repo/articles/a/ /repo/ https://x.org/ #top"
        );
        assert_eq!(
            render("/", t),
            "/glossary/ /style.css /repo/articles/a/ / https://x.org/ #top"
        );
    }
}
