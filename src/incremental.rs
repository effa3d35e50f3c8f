//! Incremental rebuilds for the dev server.
//!
//! `SiteState` keeps what the last build computed and reuses it where the inputs
//! are unchanged, so a save re-renders only what depends on it:
//!
//! - `DocCache`: each Markdown document's render (comrak, highlighting, glossary
//!   linking), reused while its text and everything it can see (config, glossary,
//!   the set of articles and their URLs) are unchanged;
//! - `PageCache`: each page's bytes, reused while the template context it would be
//!   rendered from hashes the same (and the templates are unchanged).
//!
//! Everything else (loading, parsing, the index) runs in full, so the result is the
//! same bytes as `site::build`; tests/incremental.rs checks that on random edits.
//!
//! Two kinds of save skip even that, applied to the kept site (`site::World`) by
//! `SiteState::apply_kept_edits`: an edit to an article's body that other pages
//! would show the same (one page), and an edit to what pages show of an article —
//! its title, summary, author, credit or dates — that keeps its place (the pages
//! that name it, the glossary and timeline patched entry by entry).

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustc_hash::FxHasher;
use serde_json::Value;

use crate::config::{base_path_of, SiteConfig};
use crate::content::{Article, Content};
use crate::date::PartialDate;
use crate::diag::Diagnostics;
use crate::glossary::Mention;
use crate::index::{Retagged, SiteIndex};
use crate::markdown::{LinkTarget, Rendered};
use crate::output::FileBytes;
use crate::render::{Pages, SiteData};
use crate::site::{self, BuildOptions, Built, SharedRender, World};
use crate::theme::Theme;
use crate::timeline::{Event, Slot};

/// How much work a rebuild did, for the terminal line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Markdown documents (articles, terms, events) rendered; the rest were reused.
    pub documents: usize,
    pub documents_total: usize,
    /// Pages rendered through the templates; the rest were reused.
    pub pages: usize,
    pub pages_total: usize,
    /// The edit was applied to the kept site: no other source was read.
    pub body_edit: bool,
    /// The same, for an edit to what pages show of an article (its title, say): the
    /// pages that name it were rendered again, no other.
    pub front_matter_edit: bool,
    /// After an edit to events on the fast path: how many events were gathered again
    /// (those the edited articles report), of how many.
    pub events_gathered: Option<(usize, usize)>,
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "re-rendered {}/{} documents, {}/{} pages",
            self.documents, self.documents_total, self.pages, self.pages_total
        )?;
        if self.body_edit {
            write!(f, " (body edit)")?;
        }
        if self.front_matter_edit {
            write!(f, " (front matter edit)")?;
        }
        if let Some((gathered, total)) = self.events_gathered {
            write!(f, ", gathered {gathered}/{total} events again")?;
        }
        Ok(())
    }
}

pub struct Rebuilt {
    pub built: Built,
    pub work: Work,
    /// After a body edit, the search index is not in `built.output`: it is made when
    /// first asked for (`PendingFiles::get`), so a save reloads the page without
    /// waiting for the whole index to be rebuilt. `complete` adds it.
    pub pending: Option<Arc<PendingFiles>>,
}

impl Rebuilt {
    /// The whole output, the pending files made and added.
    pub fn complete(mut self) -> Rebuilt {
        if let Some(p) = self.pending.take() {
            p.add_to(&mut self.built.output);
        }
        self
    }
}

type MakeFiles = Box<dyn FnOnce() -> Vec<(String, Vec<u8>)> + Send>;

/// The search index of `docs`, made when first asked for.
pub fn pending_search(docs: Vec<crate::render::OwnedSearchDoc>) -> PendingFiles {
    pending_files(docs, None)
}

/// The search index of `docs` and, given its maker, glossary.json, made when first
/// asked for.
fn pending_files(
    docs: Vec<crate::render::OwnedSearchDoc>,
    glossary: Option<Box<dyn FnOnce() -> Vec<u8> + Send>>,
) -> PendingFiles {
    let mut prefixes = vec![crate::search::DIR];
    if glossary.is_some() {
        prefixes.push(GLOSSARY_JSON);
    }
    PendingFiles::new(
        prefixes,
        Box::new(move || {
            let docs: Vec<_> = docs.iter().map(|d| d.borrow()).collect();
            let mut files = crate::search::files(&docs);
            if let Some(make) = glossary {
                files.push((GLOSSARY_JSON.into(), make()));
            }
            files
        }),
    )
}

const GLOSSARY_JSON: &str = "glossary.json";

/// Output files made on first use, once; callers meanwhile wait for them.
pub struct PendingFiles {
    /// Every path the files live under (`search/`, `glossary.json`).
    prefixes: Vec<&'static str>,
    make: Mutex<Option<MakeFiles>>,
    files: std::sync::OnceLock<Vec<(String, FileBytes)>>,
}

impl fmt::Debug for PendingFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingFiles")
            .field("prefixes", &self.prefixes)
            .field("made", &self.files.get().is_some())
            .finish()
    }
}

impl PendingFiles {
    pub fn new(prefixes: Vec<&'static str>, make: MakeFiles) -> Self {
        PendingFiles {
            prefixes,
            make: Mutex::new(Some(make)),
            files: std::sync::OnceLock::new(),
        }
    }

    /// Whether `path` (site-relative: `search/a.json`) is one of the pending files'.
    pub fn holds(&self, path: &str) -> bool {
        self.prefixes
            .iter()
            .any(|p| path.starts_with(p.trim_end_matches('/')))
    }

    /// Makes the files if need be and adds them to `output` (shared, not copied).
    pub fn add_to(&self, output: &mut crate::output::Output) {
        for (path, bytes) in self.get() {
            output.insert_shared(path.clone(), bytes.clone());
        }
    }

    pub fn get(&self) -> &[(String, FileBytes)] {
        self.files.get_or_init(|| {
            let make = self.make.lock().unwrap_or_else(|p| p.into_inner()).take();
            make.map(|m| {
                m().into_iter()
                    .map(|(path, bytes)| (path, Arc::new(bytes)))
                    .collect()
            })
            .unwrap_or_default()
        })
    }
}

/// The caches a build can reuse.
#[derive(Default)]
pub struct Cache {
    pub docs: DocCache,
    pub pages: PageCache,
    pub index: IndexCache,
    /// The last good build, for edits that only touch article bodies.
    pub world: Option<World>,
}

/// The last site index (backlinks, related articles, tags), reused while its inputs
/// hash the same: most saves change an article's words, not its terms or tags.
#[derive(Default)]
pub struct IndexCache {
    key: u64,
    index: Option<Arc<SiteIndex>>,
}

impl IndexCache {
    /// Drops the kept index, so that the world's copy is the only one and can be
    /// changed in place (`SiteIndex::retag`).
    pub fn forget(&mut self) {
        self.index = None;
    }

    pub fn keep(&mut self, key: u64, index: Arc<SiteIndex>) {
        self.key = key;
        self.index = Some(index);
    }

    pub fn get_or_build(&mut self, key: u64, build: impl FnOnce() -> SiteIndex) -> Arc<SiteIndex> {
        match &self.index {
            Some(index) if self.key == key => index.clone(),
            _ => {
                let index = Arc::new(build());
                self.key = key;
                self.index = Some(index.clone());
                index
            }
        }
    }
}

/// Everything `SiteIndex::build` reads: each article's tags, each document's
/// mentions, the events' articles and terms.
pub fn index_key(
    content: &Content,
    mentions: &[&[Mention]],
    events: &[Event],
    event_terms: &[Vec<usize>],
) -> u64 {
    let mut h = FxHasher::default();
    (content.terms.len(), content.articles.len()).hash(&mut h);
    for a in &content.articles {
        a.tags.hash(&mut h);
    }
    for ms in mentions {
        ms.len().hash(&mut h);
        for m in ms.iter() {
            (m.term, m.count, &m.anchor).hash(&mut h);
        }
    }
    for e in events {
        e.refs.len().hash(&mut h);
        for r in &e.refs {
            r.article.hash(&mut h);
        }
    }
    event_terms.hash(&mut h);
    h.finish()
}

/// Whether other pages would show `new` exactly as they show `old`: the same heading
/// ids (links from elsewhere), glossary mentions (glossary, related articles) and
/// reading time (article lists).
fn shows_others_the_same(old: &Rendered, new: &Rendered) -> bool {
    let minutes = |r: &Rendered| r.words.div_ceil(220).max(1);
    old.ids == new.ids
        && minutes(old) == minutes(new)
        && old.mentions.len() == new.mentions.len()
        && old
            .mentions
            .iter()
            .zip(&new.mentions)
            .all(|(a, b)| (a.term, a.count, &a.anchor) == (b.term, b.count, &b.anchor))
}

/// A site being edited: its root, build options and the caches of the last build.
pub struct SiteState {
    root: PathBuf,
    opts: BuildOptions,
    cache: Cache,
    /// Source files (root-relative, `/`-separated) changed since the last good build.
    dirty: BTreeSet<String>,
    /// Something changed that was not named (the first build, an unknown change).
    unknown_change: bool,
}

impl SiteState {
    pub fn new(root: PathBuf, opts: BuildOptions) -> Self {
        SiteState {
            root,
            opts,
            cache: Cache::default(),
            dirty: BTreeSet::new(),
            unknown_change: true,
        }
    }

    /// Rebuilds without knowing what changed: every source is read again (the
    /// caches still spare the work whose inputs are unchanged).
    pub fn rebuild(&mut self) -> Result<Rebuilt, Diagnostics> {
        self.rebuild_changed(None)
    }

    /// Rebuilds after `changed` files (root-relative: `content/articles/a.md`), or
    /// after unknown changes (None). When every change since the last good build is
    /// an edit to an article that keeps its slug and its place in the article order
    /// (`apply_kept_edits`), the edit is applied to the kept site: a body edit is one
    /// Markdown render and one page, a front matter edit also the pages that show
    /// what changed. Anything else takes the full path, and so does a failure (so
    /// errors read exactly as a full build reports them).
    pub fn rebuild_changed(&mut self, changed: Option<&[String]>) -> Result<Rebuilt, Diagnostics> {
        match changed {
            Some(files) => self.dirty.extend(files.iter().cloned()),
            None => self.unknown_change = true,
        }
        if !self.unknown_change {
            let started = Instant::now();
            if let Some(work) = self.apply_kept_edits() {
                self.dirty.clear();
                let world = self
                    .cache
                    .world
                    .as_ref()
                    .expect("a body edit needs a kept site");
                return Ok(Rebuilt {
                    built: world.built(started.elapsed()),
                    work,
                    pending: world.pending_search.clone(),
                });
            }
        }
        let built = site::build_cached(&self.root, &self.opts, Some(&mut self.cache))?;
        self.dirty.clear();
        self.unknown_change = false;
        Ok(Rebuilt {
            built,
            work: self.cache.work(),
            pending: self
                .cache
                .world
                .as_ref()
                .and_then(|w| w.pending_search.clone()),
        })
    }

    /// The fast path: every dirty file is a known article whose new text either keeps
    /// its front matter and renders so that other pages show it the same (a body
    /// edit), or changes only what pages show of it or its tags
    /// (`Article::with_new_display_fields`: a title, summary, author, credit, date or
    /// tag edit) and keeps its place in the article order. A body edit re-renders one
    /// page; a front matter edit also the pages that name the article
    /// (`Pages::pages_naming`), and a tag edit first updates the index in place
    /// (`SiteIndex::retag`). Nothing is changed unless all of them qualify and render
    /// without a problem.
    fn apply_kept_edits(&mut self) -> Option<Work> {
        let world = self.cache.world.as_mut()?;
        if self.opts.today.unwrap_or_else(PartialDate::today) != world.today {
            return None;
        }
        crate::progress::timings::mark("edit: read");
        let mut edits: Vec<Edit> = Vec::new();
        for file in &self.dirty {
            let position = world
                .content
                .articles
                .iter()
                .position(|a| a.origin.file == *file);
            let Some(i) = position else {
                // A file that came and went within the burst (`sed -i`'s temp file,
                // an editor's scratch file) and that the site never knew changes
                // nothing; anything else needs the full pipeline.
                if !self.root.join(file).exists() && !world.knows(file) {
                    continue;
                }
                return None;
            };
            let old = &world.content.articles[i];
            let text = crate::source::read_text(&self.root.join(file))?;
            if *text == *old.origin.text {
                continue;
            }
            let (article, front_matter) = match old.with_new_body(text.clone()) {
                Some(a) => (a, false),
                // What the last build said about the file (a warning) would change too.
                None if world
                    .warnings
                    .0
                    .iter()
                    .any(|d| d.file.as_deref() == Some(file)) =>
                {
                    return None
                }
                None => (old.with_new_display_fields(text)?, true),
            };
            let redated = article.date != old.date || article.updated != old.updated;
            let shown_elsewhere = front_matter && !article.shows_others_the_same_but_events(old);
            let rendered = world.env.render_article(&article, i, &world.config);
            if !rendered.errors.is_empty()
                || !shows_others_the_same(&world.linked.articles[i], &rendered)
            {
                return None;
            }
            edits.push(Edit {
                i,
                article,
                rendered,
                front_matter,
                shown_elsewhere,
                redated,
            });
        }
        if !keeps_the_order(&world.content.articles, &edits) {
            return None;
        }
        let mut articles = world.linked.articles.clone();
        for e in &mut edits {
            articles[e.i] = Arc::new(std::mem::take(&mut e.rendered));
        }
        // Links from the edited articles to #fragments elsewhere (ids elsewhere are
        // unchanged, and so are the edited articles' own ids).
        for e in &edits {
            for f in &articles[e.i].fragments {
                if !site::has_id(&articles[f.article], &f.fragment) {
                    return None;
                }
            }
        }
        let timeline = match new_timeline(world, &mut edits, &articles) {
            TimelineEdit::Unchanged => None,
            TimelineEdit::Changed(t) => Some(t),
            TimelineEdit::Refused => return None,
        };
        // Every page's `site` holds the number of events: a theme's own template may
        // print it anywhere, so a new number is for the full path.
        let events_counted = timeline
            .as_ref()
            .map_or(world.events.len(), |t| t.slots.len());
        if events_counted != world.events.len() && world.theme.overrides_a_template() {
            return None;
        }
        // The kept site takes the edits. Only a template can fail from here on; then
        // the kept site is dropped and the full path builds it again.
        world.linked.articles = articles;
        let front_matter = edits.iter().any(|e| e.front_matter);
        let mut naming = Vec::new();
        for e in &mut edits {
            // `e.article` keeps the old version.
            std::mem::swap(&mut world.content.articles[e.i], &mut e.article);
        }
        let events_changed = timeline.is_some();
        let mut reach = crate::render::Reach::default();
        let mut was = Vec::new();
        let mut events_gathered = None;
        if let Some(mut t) = timeline {
            let fresh = t
                .slots
                .iter()
                .filter(|s| matches!(s, Slot::Fresh(_)))
                .count();
            events_gathered = Some((fresh, t.slots.len()));
            reach.articles = std::mem::take(&mut t.articles);
            reach.events = (0..t.was.len()).filter(|&e| t.was[e].is_none()).collect();
            was = std::mem::take(&mut t.was);
            t.apply(world, &mut self.cache.docs);
        }
        let retagged = update_index(world, &mut self.cache.index, &edits, events_changed);
        crate::progress::timings::mark("edit: views");
        let data = world.linked.site_data(
            &world.config,
            &world.theme,
            &world.content,
            &world.events,
            &world.index,
            world.today,
        );
        if events_changed {
            reach.timeline = true;
            let reevented = world.prepared.reevent(&data, &was);
            reach.glossary = reevented.terms;
            reach.timeline_tags = reevented.tags;
            reach.home = reevented.home;
        }
        if !retagged.tags.is_empty() {
            world.prepared.retag(&data, &retagged);
        }
        reach.articles.extend(retagged.related);
        reach.tags = retagged.tags;
        reach.listed = retagged.listed;
        for e in edits.iter().filter(|e| e.front_matter) {
            if e.shown_elsewhere {
                naming.push((e.i, world.prepared.refresh_article(&data, e.i)));
            } else if events_changed {
                // Its events alone: its page, beside those that show its events.
                reach.articles.push(e.i);
            }
        }
        crate::progress::timings::mark("edit: pages");
        let rendered = render_edits(
            &world.prepared,
            &data,
            &self.cache.pages,
            &edits,
            &naming,
            &reach,
            &world.output,
        );
        let Some((output, pending, pages)) = rendered else {
            self.cache.world = None;
            return None;
        };
        let work = Work {
            documents: edits.len(),
            documents_total: world.content.articles.len()
                + world.content.terms.len()
                + world.events.len(),
            pages,
            pages_total: output.files.keys().filter(|p| p.ends_with(".html")).count(),
            body_edit: !front_matter,
            front_matter_edit: front_matter,
            events_gathered,
        };
        for e in &edits {
            let a = &world.content.articles[e.i];
            self.cache.docs.keep(
                article_key(&a.origin.file),
                a.origin.text.clone(),
                world.linked.articles[e.i].clone(),
            );
        }
        world.output = output;
        world.pending_search = Some(Arc::new(pending));
        crate::progress::timings::stop();
        Some(work)
    }

    /// The base path to serve under when the build fails (so the error page shows at
    /// the site's URL): from --base-url or site.toml if it parses, else `/`.
    pub fn base_path_guess(&self) -> String {
        if let Some(url) = &self.opts.base_url {
            return base_path_of(url);
        }
        SiteConfig::load(&self.root)
            .map(|c| c.base_path())
            .unwrap_or_else(|_| "/".into())
    }
}

/// The timeline after `edits`, when they change an article's events: the events they
/// report gathered again (`gather_again`), the bodies of new or changed ones rendered
/// (the rest reused), and the articles whose pages show a changed event.
fn new_timeline(world: &mut World, edits: &mut [Edit], articles: &[SharedRender]) -> TimelineEdit {
    if edits
        .iter()
        .all(|e| e.article.events == world.content.articles[e.i].events)
    {
        return TimelineEdit::Unchanged;
    }
    crate::progress::timings::mark("edit: timeline");
    // Gathered from the content as edited: the edits go in, and back out.
    let swap = |world: &mut World, edits: &mut [Edit]| {
        for e in edits.iter_mut() {
            std::mem::swap(&mut world.content.articles[e.i], &mut e.article);
        }
    };
    swap(world, edits);
    let slots = gather_again(&world.content, &world.events, edits);
    swap(world, edits);
    let Some(slots) = slots else {
        return TimelineEdit::Refused;
    };
    let world = &*world;
    let kept_ids: rustc_hash::FxHashMap<&str, usize> = world
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    let fresh = || {
        slots.iter().filter_map(|s| match s {
            Slot::Fresh(e) => Some(e),
            Slot::Kept(_) => None,
        })
    };
    // Per fresh event: the kept event of its id, and whether its body can be kept too
    // (the same body, title and file).
    let before: Vec<Option<usize>> = fresh()
        .map(|e| kept_ids.get(e.id.as_str()).copied())
        .collect();
    let same_body: Vec<Option<usize>> = fresh()
        .zip(&before)
        .map(|(e, &o)| {
            o.filter(|&o| {
                let was = &world.events[o];
                (&was.body, &was.title, &was.origin.file) == (&e.body, &e.title, &e.origin.file)
            })
        })
        .collect();
    let to_render: Vec<&Event> = fresh()
        .zip(&same_body)
        .filter(|(_, kept)| kept.is_none())
        .map(|(e, _)| e)
        .collect();
    let mut renders = to_render
        .par_iter()
        .map(|e| {
            let text: Arc<str> = Arc::from(e.body.as_deref().unwrap_or(""));
            let r = world.env.render_event(e, &text);
            (text, r)
        })
        .collect::<Vec<_>>()
        .into_iter();
    if renders.as_slice().iter().any(|(_, r)| !r.errors.is_empty()) {
        return TimelineEdit::Refused;
    }
    let mut anchors = Diagnostics::new();
    site::check_event_anchors(&world.content, fresh(), articles, &mut anchors);
    if !anchors.is_empty() {
        return TimelineEdit::Refused;
    }
    let mut t = NewTimeline::default();
    let mut fresh_at = 0;
    for slot in &slots {
        let (source, was) = match slot {
            // Reported by no edited article: the same event at its kept index.
            Slot::Kept(o) => (EventSource::Kept(*o), Some(*o)),
            Slot::Fresh(e) => {
                let (before, kept) = (before[fresh_at], same_body[fresh_at]);
                fresh_at += 1;
                let source = match kept {
                    Some(o) => EventSource::Kept(o),
                    None => {
                        let (text, r) = renders.next().expect("rendered in order");
                        let source =
                            EventSource::Rendered(r.html.clone(), world.env.event_terms(e, &r));
                        t.renders
                            .push((event_key(&e.id, &e.origin.file), text, Arc::new(r)));
                        source
                    }
                };
                (
                    source,
                    before.filter(|&o| world.events[o].shows_the_same(e)),
                )
            }
        };
        t.sources.push(source);
        t.was.push(was);
    }
    // The articles that show a changed event. (A kept event's id is a function of its
    // key, so an event another article still claims is in the new timeline under the
    // same id; one no longer in it was claimed only by edited articles, whose pages
    // are written anyway.)
    let shown: BTreeSet<usize> = slots
        .iter()
        .zip(&t.was)
        .filter(|(_, was)| was.is_none())
        .flat_map(|(s, _)| match s {
            Slot::Fresh(e) => e.refs.iter().map(|r| r.article).collect(),
            Slot::Kept(_) => Vec::new(),
        })
        .collect();
    t.articles = shown.into_iter().collect();
    t.slots = slots;
    TimelineEdit::Changed(t)
}

/// What `edits` do to the timeline (`new_timeline`).
enum TimelineEdit {
    /// No article's events changed.
    Unchanged,
    Changed(NewTimeline),
    /// The new timeline has something to report: the full path reports it.
    Refused,
}

/// The timeline of the content as edited (each edit holding its article's old
/// version): gathered again only where the edited articles report events, if it can
/// be (`timeline::regather`), else whole. None if there is anything to report.
fn gather_again(content: &Content, kept: &[Event], edits: &[Edit]) -> Option<Vec<Slot>> {
    let old: Vec<(usize, &[crate::content::EventMeta])> = edits
        .iter()
        .map(|e| (e.i, e.article.events.as_slice()))
        .collect();
    if let Some(r) = crate::timeline::regather(content, kept, &old) {
        return Some(r.slots);
    }
    let (events, diags) = crate::timeline::gather(content);
    diags
        .is_empty()
        .then(|| events.into_iter().map(Slot::Fresh).collect())
}

impl NewTimeline {
    /// Puts the timeline into `world`, the kept bodies moved rather than copied (15,000
    /// of them at 10,000 articles), and the rendered ones into `docs`.
    fn apply(self, world: &mut World, docs: &mut DocCache) {
        let mut html = std::mem::take(&mut world.linked.event_html);
        let mut terms = std::mem::take(&mut world.linked.event_terms);
        for source in self.sources {
            let (h, t) = match source {
                // Each kept body is taken once: event ids are unique.
                EventSource::Kept(o) => {
                    (std::mem::take(&mut html[o]), std::mem::take(&mut terms[o]))
                }
                EventSource::Rendered(h, t) => (h, t),
            };
            world.linked.event_html.push(h);
            world.linked.event_terms.push(t);
        }
        let mut kept: Vec<Option<Event>> = std::mem::take(&mut world.events)
            .into_iter()
            .map(Some)
            .collect();
        world.events = self
            .slots
            .into_iter()
            .map(|slot| match slot {
                Slot::Kept(o) => kept[o].take().expect("each kept event is moved once"),
                Slot::Fresh(e) => e,
            })
            .collect();
        for (key, text, r) in self.renders {
            docs.keep(key, text, r);
        }
    }
}

/// A timeline made again after an edit (`new_timeline`).
#[derive(Default)]
struct NewTimeline {
    /// The events, in timeline order.
    slots: Vec<Slot>,
    /// Per event: its body's HTML and terms, kept or rendered.
    sources: Vec<EventSource>,
    /// The bodies rendered, for the document cache.
    renders: Vec<(String, Arc<str>, SharedRender)>,
    /// Per event: the kept event it is the same as (`Event::shows_the_same`), if any.
    was: Vec<Option<usize>>,
    /// Articles whose pages show a changed event.
    articles: Vec<usize>,
}

/// Where an event's body HTML and terms come from after an edit.
enum EventSource {
    /// The kept timeline's event at this index: the same id, title, body and file.
    Kept(usize),
    Rendered(String, Vec<usize>),
}

/// After `edits` are applied to the world's content (each keeping the article's old
/// version) and its timeline: the index as it is for their new tags and events, if
/// any changed. The kept index is changed in place, and kept again under the key of
/// its new inputs.
fn update_index(
    world: &mut World,
    kept: &mut IndexCache,
    edits: &[Edit],
    events_changed: bool,
) -> Retagged {
    let before: Vec<(usize, &[String])> = edits
        .iter()
        .filter(|e| e.article.tags != world.content.articles[e.i].tags)
        .map(|e| (e.i, e.article.tags.as_slice()))
        .collect();
    if before.is_empty() && !events_changed {
        return Retagged::default();
    }
    crate::progress::timings::mark("edit: index");
    kept.forget();
    let mentions = world.linked.mentions();
    let index = Arc::make_mut(&mut world.index);
    if events_changed {
        index.reevent(
            world.content.articles.len(),
            &world.events,
            &world.linked.event_terms,
        );
    }
    let retagged = if before.is_empty() {
        Retagged::default()
    } else {
        index.retag(&world.content.articles, &mentions, &before)
    };
    let key = index_key(
        &world.content,
        &mentions,
        &world.events,
        &world.linked.event_terms,
    );
    kept.keep(key, world.index.clone());
    retagged
}

/// One article edit on the fast path.
struct Edit {
    i: usize,
    article: Article,
    rendered: Rendered,
    /// Its front matter changed (what pages show of it), not only its body.
    front_matter: bool,
    /// What pages other than its own and the timeline's show of it changed (not only
    /// its events): they are written again (`Prepared::refresh_article`).
    shown_elsewhere: bool,
    /// Its date or updated date changed: the sitemap's and the feed's dates may too.
    redated: bool,
}

/// Whether the articles whose front matter was edited keep their places in the
/// article order: each sorts strictly between its neighbours (their new versions, if
/// edited too). A body edit cannot move an article.
fn keeps_the_order(articles: &[Article], edits: &[Edit]) -> bool {
    let version = |j: usize| {
        edits
            .iter()
            .find(|e| e.i == j)
            .map_or(&articles[j], |e| &e.article)
    };
    edits.iter().filter(|e| e.front_matter).all(|e| {
        let before = e.i.checked_sub(1).is_none_or(|j| {
            crate::content::article_order(version(j), &e.article) == std::cmp::Ordering::Less
        });
        let after = (e.i + 1 >= articles.len())
            || crate::content::article_order(&e.article, version(e.i + 1))
                == std::cmp::Ordering::Less;
        before && after
    })
}

/// The kept output with the edited articles' pages (and, after a front matter edit,
/// every page that names them) rendered again, the feed if it lists one of them,
/// and the search index pending; with how many pages were rendered. None if a
/// template failed.
fn render_edits(
    prepared: &crate::render::Prepared,
    data: &SiteData<'_>,
    cache: &PageCache,
    edits: &[Edit],
    naming: &[(usize, crate::render::Naming)],
    reach: &crate::render::Reach,
    kept: &crate::output::Output,
) -> Option<(crate::output::Output, PendingFiles, usize)> {
    let mut output = kept.clone();
    // Without the cache: pages the built-in theme has are written by `native` (the
    // same bytes, tests/native_pages.rs), the big lists among them.
    let pages = Pages::new(prepared, data, None);
    let (files, docs) = if naming.is_empty() && reach.is_empty() {
        // A body edit: the article's page, through the page cache as the full path
        // renders it.
        let cached = Pages::new(prepared, data, Some(cache));
        let files = edits.iter().map(|e| cached.article_page(e.i)).collect();
        (files, pages.owned_search_docs())
    } else {
        rayon::join(
            || pages.pages_naming(naming, reach, kept),
            || pages.owned_search_docs(),
        )
    };
    let files = files.ok()?;
    crate::progress::timings::mark("edit: output");
    let count = files.iter().filter(|(p, _)| p.ends_with(".html")).count();
    // A page the kept site did not have, or one it had that is gone: the sitemap
    // lists other pages.
    let new_page = files.iter().any(|(p, _)| !kept.files.contains_key(p));
    let mut gone = false;
    if reach.timeline {
        // The page of a tag no event has any more.
        let before = output.files.len();
        output
            .files
            .retain(|p, _| !p.starts_with("timeline/tags/") || pages.is_timeline_tag_page(p));
        gone |= output.files.len() != before;
        output.insert("timeline.ics", pages.calendar());
    }
    for (path, bytes) in files {
        output.insert_shared(path, bytes);
    }
    crate::progress::timings::mark("edit: files");
    // A tag no article has any more has no page.
    for slug in reach
        .tags
        .iter()
        .filter(|s| !data.index.tags.contains_key(*s))
    {
        gone |= output
            .files
            .remove(&format!("tags/{slug}/index.html"))
            .is_some();
    }
    let redated = edits.iter().any(|e| e.redated);
    // The feed's own date is the newest date of any article, listed or not.
    if redated || edits.iter().any(|e| e.i < data.config.feed.limit) {
        output.insert("feed.xml", crate::publish::feed(data));
    }
    if gone || new_page {
        output.insert("sitemap.xml", crate::publish::sitemap(&output, data));
    } else if redated {
        let redated: Vec<usize> = edits.iter().filter(|e| e.redated).map(|e| e.i).collect();
        let sitemap = std::str::from_utf8(output.get("sitemap.xml").unwrap_or_default())
            .ok()
            .and_then(|kept| crate::publish::sitemap_with_new_dates(kept, data, &redated))
            .unwrap_or_else(|| crate::publish::sitemap(&output, data));
        output.insert("sitemap.xml", sitemap);
    }
    // glossary.json lists the articles that mention each term, by title: 20 MB at
    // 10,000 articles, made with the search index rather than before the reload.
    // (Still pending since an earlier edit, it is made from this site.)
    let glossary = (naming.iter().any(|(_, n)| n.in_glossary())
        || !kept.files.contains_key(GLOSSARY_JSON))
    .then(|| pages.glossary_json_later());
    if glossary.is_some() {
        output.files.remove(GLOSSARY_JSON);
    }
    let pending = pending_files(docs, glossary.map(|g| Box::new(g) as Box<_>));
    // The index's JSON files, not the search page (a template page, unchanged).
    output
        .files
        .retain(|path, _| !(path.starts_with(crate::search::DIR) && path.ends_with(".json")));
    Some((output, pending, count))
}

impl Cache {
    pub fn work(&self) -> Work {
        Work {
            documents: self.docs.rendered,
            documents_total: self.docs.total,
            pages: self.pages.rendered.load(Ordering::Relaxed),
            pages_total: self.pages.total.load(Ordering::Relaxed),
            ..Work::default()
        }
    }
}

/// Cached renders of Markdown documents, keyed by document (`a:content/articles/x.md`).
#[derive(Default)]
pub struct DocCache {
    /// Hash of everything a document's render can see besides its own text.
    env: u64,
    docs: HashMap<String, (Arc<str>, SharedRender)>,
    /// The articles' files in the order the kept renders number them (a link to
    /// `#fragment` of another article names it by its place: `FragmentRef::article`).
    order: Vec<String>,
    /// Per place in `order`, the article's place in the build begun (None: gone),
    /// when it differs anywhere (an article moved, by a new date or title, or came
    /// or went): renders are renumbered as they are taken, not rendered again.
    renumber: Vec<Option<usize>>,
    rendered: usize,
    total: usize,
}

impl DocCache {
    /// Starts a build; forgets every render if what documents can see changed.
    pub fn begin(&mut self, config: &SiteConfig, content: &Content) {
        let env = doc_env(config, content);
        self.renumber.clear();
        if env != self.env {
            self.docs.clear();
            self.env = env;
        } else if !content
            .articles
            .iter()
            .map(|a| &a.origin.file)
            .eq(&self.order)
        {
            // Other articles, or in another order.
            let place: HashMap<&str, usize> = content
                .articles
                .iter()
                .enumerate()
                .map(|(i, a)| (a.origin.file.as_str(), i))
                .collect();
            self.renumber = self
                .order
                .iter()
                .map(|f| place.get(f.as_str()).copied())
                .collect();
        }
        self.rendered = 0;
        self.total = 0;
    }

    /// Once a build took every document it has: what is left is gone (a deleted
    /// file, an event under its old id) and is dropped, and the renders kept from here
    /// on number the articles as `content` orders them.
    pub fn keep_from(&mut self, content: &Content) {
        self.docs.clear();
        self.order.clear();
        self.order
            .extend(content.articles.iter().map(|a| a.origin.file.clone()));
    }

    /// The last render of `key` if its text is unchanged and each link target it
    /// looked up finds the same in `targets` (an article that came may be what a
    /// link now finds; one that went, what it found), its links to other articles'
    /// fragments renumbered if they moved. It is taken out of the cache (no copy of
    /// the HTML but for a renumbered one); `keep` puts it back once the build is done.
    pub fn take(
        &mut self,
        key: &str,
        text: &Arc<str>,
        targets: &HashMap<String, LinkTarget>,
    ) -> Option<SharedRender> {
        self.total += 1;
        let finds_the_same = |r: &Rendered| {
            r.lookups
                .iter()
                .all(|l| targets.get(&l.key).map(|t| &t.url) == l.url.as_ref())
        };
        let hit = match self.docs.remove(key) {
            Some((old, r)) if (Arc::ptr_eq(&old, text) || *old == **text) && finds_the_same(&r) => {
                renumbered(r, &self.renumber)
            }
            _ => None,
        };
        self.rendered += usize::from(hit.is_none());
        hit
    }

    pub fn keep(&mut self, key: String, text: Arc<str>, rendered: SharedRender) {
        self.docs.insert(key, (text, rendered));
    }
}

/// `r` with its fragment links' articles at their new places (`renumber`, by old
/// place), if any moved; None (render it again) for an article gone, or a place
/// `renumber` does not know.
fn renumbered(r: SharedRender, renumber: &[Option<usize>]) -> Option<SharedRender> {
    let place = |f: &crate::markdown::FragmentRef| renumber.get(f.article).copied().flatten();
    if renumber.is_empty() || r.fragments.iter().all(|f| place(f) == Some(f.article)) {
        return Some(r);
    }
    let mut moved = (*r).clone();
    for f in &mut moved.fragments {
        f.article = place(f)?;
    }
    Some(Arc::new(moved))
}

/// Everything besides a document's own text and the link targets it looks up
/// (`Rendered::lookups`, checked per render) that its render depends on: the config
/// (Markdown options, base path, link mode) and the glossary (every term's file and
/// text).
fn doc_env(config: &SiteConfig, content: &Content) -> u64 {
    let mut h = FxHasher::default();
    serde_json::to_string(config)
        .unwrap_or_default()
        .hash(&mut h);
    for t in &content.terms {
        (&t.origin.file, &*t.origin.text).hash(&mut h);
    }
    h.finish()
}

/// An article's key in the cache: by file, wherever it is in the order.
pub fn article_key(file: &str) -> String {
    format!("a:{file}")
}

pub fn term_key(i: usize, file: &str) -> String {
    format!("t{i}:{file}")
}

pub fn event_key(id: &str, file: &str) -> String {
    format!("e{id}:{file}")
}

/// Output path → (context hash, bytes).
type PageMap = HashMap<String, (u64, FileBytes)>;

/// Cached page bytes, keyed by output path, valid while the context hashes the same.
#[derive(Default)]
pub struct PageCache {
    /// The templates the pages were rendered with (`Theme::fingerprint`).
    env: u64,
    pages: Mutex<PageMap>,
    rendered: AtomicUsize,
    total: AtomicUsize,
}

impl PageCache {
    pub fn begin(&mut self, theme: &Theme) {
        let env = theme.fingerprint();
        let pages = self.pages.get_mut().unwrap_or_else(|p| p.into_inner());
        if env != self.env {
            pages.clear();
            self.env = env;
        }
        self.rendered = AtomicUsize::new(0);
        self.total = AtomicUsize::new(0);
    }

    /// The page's bytes: the cached ones if `context` hashes as last time, else `render`'s.
    pub fn page<E>(
        &self,
        template: &str,
        out_path: &str,
        context: Value,
        render: impl FnOnce(Value) -> Result<Vec<u8>, E>,
    ) -> Result<FileBytes, E> {
        let hash = {
            let mut h = FxHasher::default();
            template.hash(&mut h);
            hash_json(&context, &mut h);
            h.finish()
        };
        self.page_keyed(out_path, Some(hash), || render(context))
    }

    /// The page's bytes: the cached ones if its key (`page_key`) is as last time, else
    /// `render`'s. For a page whose context is costly to build: only a changed page
    /// builds it. A page without a key is rendered and not kept.
    pub fn page_keyed<E>(
        &self,
        out_path: &str,
        hash: Option<u64>,
        render: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<FileBytes, E> {
        let Some(hash) = hash else {
            self.count_unkeyed();
            return render().map(Arc::new);
        };
        self.total.fetch_add(1, Ordering::Relaxed);
        let cached = self
            .lock()
            .get(out_path)
            .filter(|(h, _)| *h == hash)
            .map(|(_, bytes)| bytes.clone());
        // The cached bytes are the ones in the last output: shared, never copied.
        if let Some(bytes) = cached {
            return Ok(bytes);
        }
        self.rendered.fetch_add(1, Ordering::Relaxed);
        let bytes = Arc::new(render()?);
        self.lock()
            .insert(out_path.to_string(), (hash, bytes.clone()));
        Ok(bytes)
    }

    /// A page made without the cache (written natively): rendered, as far as the
    /// counts go.
    pub fn count_unkeyed(&self) {
        self.total.fetch_add(1, Ordering::Relaxed);
        self.rendered.fetch_add(1, Ordering::Relaxed);
    }

    /// Forgets pages the site no longer has.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.pages
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|path, _| keep(path));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PageMap> {
        self.pages.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A page's cache key: the template and what `inputs` serialise to, hashed as they are
/// written out, so that no JSON value is built for a page that has not changed.
/// (Whatever is large in them, an article's HTML, goes in as a fingerprint.) None if
/// they do not serialise (views have string keys only, so they do).
pub fn page_key(template: &str, inputs: &impl serde::Serialize) -> Option<u64> {
    struct Hashing<'h>(&'h mut FxHasher);
    impl std::io::Write for Hashing<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = FxHasher::default();
    (template, "serialised").hash(&mut h);
    serde_json::to_writer(Hashing(&mut h), inputs).ok()?;
    Some(h.finish())
}

/// Hashes a JSON value without serialising it (the context of a page holds its
/// whole HTML; walking it is several times cheaper than printing it).
fn hash_json(value: &Value, h: &mut FxHasher) {
    match value {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => (2u8, n.to_string()).hash(h),
        Value::String(s) => (3u8, s).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            for v in items {
                hash_json(v, h);
            }
        }
        Value::Object(map) => {
            (5u8, map.len()).hash(h);
            for (k, v) in map {
                k.hash(h);
                hash_json(v, h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_a_build_did_not_take_are_dropped() {
        let config = SiteConfig::parse("title = \"T\"", "site.toml").unwrap();
        let content = Content::default();
        let targets = HashMap::new();
        let text: Arc<str> = Arc::from("Words.");
        let mut cache = DocCache::default();
        cache.begin(&config, &content);
        for key in ["a:kept.md", "a:deleted.md"] {
            cache.keep(key.into(), text.clone(), Arc::new(Rendered::default()));
        }
        cache.begin(&config, &content);
        assert!(cache.take("a:kept.md", &text, &targets).is_some());
        cache.keep_from(&content);
        assert!(cache.take("a:deleted.md", &text, &targets).is_none());
    }

    #[test]
    fn json_hashes_tell_structure_apart() {
        let hash = |v: Value| {
            let mut h = FxHasher::default();
            hash_json(&v, &mut h);
            h.finish()
        };
        assert_eq!(hash(json!({"a": [1, "x"]})), hash(json!({"a": [1, "x"]})));
        assert_ne!(hash(json!({"a": ["1"]})), hash(json!({"a": [1]})));
        assert_ne!(
            hash(json!({"a": [["x"], []]})),
            hash(json!({"a": [[], ["x"]]}))
        );
        assert_ne!(hash(json!({"ab": "c"})), hash(json!({"a": "bc"})));
    }

    #[test]
    fn a_page_renders_again_only_when_its_context_changes() {
        let cache = PageCache::default();
        let render = |v: Value| Ok::<_, ()>(v.to_string().into_bytes());
        let first = cache.page("t.html", "a/index.html", json!({"x": 1}), render);
        let again = cache.page("t.html", "a/index.html", json!({"x": 1}), |_| Err(()));
        assert_eq!(first, again);
        let changed = cache.page("t.html", "a/index.html", json!({"x": 2}), render);
        assert_eq!(changed.unwrap().as_slice(), b"{\"x\":2}");
        assert_eq!(cache.rendered.load(Ordering::Relaxed), 2);
    }
}
