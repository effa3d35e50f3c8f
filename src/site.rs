//! The build pipeline: load → parse → link → render, all in memory.
//! Writing is the caller's choice: `build_into` streams every file into a staging folder
//! (`output::Staging`), the dev server keeps the site in memory.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use comrak::nodes::NodeValue;
use rayon::prelude::*;

use crate::config::{LinkMode, SiteConfig};
use crate::content::{self, Content, ParseOptions};
use crate::date::PartialDate;
use crate::diag::{Diagnostic, Diagnostics};
use crate::glossary::{Glossary, TermInfo, TermSpec};
use crate::incremental::{self, Cache, DocCache};
use crate::index::SiteIndex;
use crate::markdown::{self, Doc, LinkTarget, Rendered, Renderer, SiteLinks};
use crate::output::Output;
use crate::render::{self, SiteData};
use crate::source;
use crate::theme::Theme;
use crate::timeline::{self, Event};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub drafts: bool,
    /// Overrides `base_url` from site.toml.
    pub base_url: Option<String>,
    /// The build date (events after it are upcoming); today when not given.
    pub today: Option<PartialDate>,
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub articles: usize,
    pub terms: usize,
    pub events: usize,
    pub files: usize,
    pub elapsed: Duration,
}

/// A rendered document, shared between the build, the dev server's caches and its
/// retained site (a 10,000-article site holds ~300 MB of them: never copied).
pub type SharedRender = Arc<Rendered>;

/// A successful build: the whole site in memory, and the warnings found on the way.
#[derive(Debug)]
pub struct Built {
    pub output: Output,
    pub warnings: Diagnostics,
    pub stats: Stats,
    pub config: SiteConfig,
}

pub fn build(root: &Path, opts: &BuildOptions) -> Result<Built, Diagnostics> {
    build_with(root, opts, None, Output::default())
}

/// `build`, writing each file into `dir` as it is made instead of keeping it: the
/// returned output holds the paths only. A write that failed is in
/// `Built::output.write_error()`.
pub fn build_into(root: &Path, opts: &BuildOptions, dir: &Path) -> Result<Built, Diagnostics> {
    build_with(root, opts, None, Output::streaming_into(dir))
}

/// `build`, reusing and refreshing the dev server's caches when given (same bytes).
pub fn build_cached(
    root: &Path,
    opts: &BuildOptions,
    cache: Option<&mut Cache>,
) -> Result<Built, Diagnostics> {
    build_with(root, opts, cache, Output::default())
}

fn build_with(
    root: &Path,
    opts: &BuildOptions,
    mut cache: Option<&mut Cache>,
    output: Output,
) -> Result<Built, Diagnostics> {
    let started = Instant::now();
    crate::progress::timings::mark("load+parse");
    let mut config = SiteConfig::load(root)?;
    if let Some(base) = &opts.base_url {
        config.base_url = base.clone();
    }
    let today = opts.today.unwrap_or_else(PartialDate::today);
    // The theme and the content do not depend on each other: report both at once.
    // The dev server's last good build: its compiled templates and parsed files are
    // taken again where their sources are unchanged.
    let kept = cache.as_deref().and_then(|c| c.world.as_ref());
    let theme = Theme::load_reusing(root, &config.base_path(), kept.map(|w| &w.theme));
    let reusable = kept.map(|w| content::Reusable::new(&w.content, &w.warnings));
    let parsed = source::load_all(root).and_then(|(sources, mut warnings)| {
        let (content, parse_warnings) = content::parse_all_reusing(
            &sources,
            &config,
            &ParseOptions {
                drafts: opts.drafts,
            },
            reusable.as_ref(),
        )?;
        warnings.extend(parse_warnings);
        Ok((content, warnings))
    });
    let (theme, (mut content, mut warnings)) = match (theme, parsed) {
        (Ok(t), Ok(p)) => (t, p),
        (Err(mut a), Err(b)) => {
            a.extend(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    // Timeline and link errors are independent too: an unknown article in timeline.toml
    // and a broken link in an article are reported by the same build.
    crate::progress::timings::mark("timeline");
    // Gathering the timeline is one thread's work; the glossary and link targets are
    // built beside it.
    let ((mut events, timeline_diags), mut env) = rayon::join(
        || timeline::gather(&content),
        || LinkEnv::new(&content, &config),
    );
    env.record_lookups = cache.is_some();
    if let Some(c) = cache.as_deref_mut() {
        c.docs.begin(&config, &content);
        c.pages.begin(&theme);
    }
    let mut linked = match link(
        &content,
        &config,
        &events,
        &env,
        cache.as_deref_mut().map(|c| &mut c.docs),
    ) {
        Ok(l) if !timeline_diags.has_errors() => l,
        Ok(_) => return Err(timeline_diags),
        Err(mut e) => {
            e.extend(timeline_diags);
            return Err(e);
        }
    };
    warnings.extend(timeline_diags);
    if cache.is_none() {
        release_source_texts(&mut content, &mut events);
    }
    crate::progress::timings::mark("index");
    let mentions = linked.mentions();
    let build_index = || {
        SiteIndex::build(
            &content.articles,
            &mentions,
            content.terms.len(),
            &events,
            &linked.event_terms,
        )
    };
    let index = match cache.as_deref_mut() {
        Some(c) => {
            let key = incremental::index_key(&content, &mentions, &events, &linked.event_terms);
            c.index.get_or_build(key, build_index)
        }
        None => Arc::new(build_index()),
    };
    // A one-off build frees each article's HTML as its page is written.
    let bodies = match cache {
        Some(_) => None,
        None => render::Bodies::take_from(&mut linked.articles, config.feed.limit),
    };
    let mut data = linked.site_data(&config, &theme, &content, &events, &index, today);
    data.bodies = bodies.as_ref();
    let (mut output, prepared) =
        render::render_site_cached(&data, cache.as_deref().map(|c| &c.pages), output)?;
    crate::progress::timings::mark("publish");
    crate::publish::add_files(&mut output, &data);
    check_clashes(&output, &theme)?;
    let pending_search = cache.is_some().then(|| {
        let docs = render::Pages::new(&prepared, &data, None).owned_search_docs();
        Arc::new(incremental::pending_search(docs))
    });
    let stats = Stats {
        articles: content.articles.len(),
        terms: content.terms.len(),
        events: events.len(),
        files: output.len(),
        elapsed: started.elapsed(),
    };
    let built = Built {
        output,
        warnings: warnings.sorted(),
        stats,
        config,
    };
    if let Some(c) = cache {
        keep_articles(&mut c.docs, &content, &linked.articles);
        c.pages.retain(|p| built.output.files.contains_key(p));
        c.world = Some(World {
            config: built.config.clone(),
            theme,
            content,
            events,
            linked,
            env,
            index,
            today,
            prepared,
            pending_search,
            output: built.output.clone(),
            warnings: built.warnings.clone(),
        });
    } else {
        free_in_background((theme, content, events, linked, env, index, prepared));
    }
    crate::progress::timings::stop();
    Ok(built)
}

/// Frees a one-off build's site on another thread: parsed and rendered, it is millions
/// of allocations (~0.1 s to free at 10,000 articles, ~1.5 s at 100,000), and nothing
/// waits for them — the output is committed meanwhile, and a process that exits first
/// has no need to free them at all.
fn free_in_background<T: Send + 'static>(site: T) {
    // Should no thread be had, the closure, and the site with it, is dropped right here.
    let _ = std::thread::Builder::new()
        .name("kiji-free".into())
        .spawn(move || drop(site));
}

/// Nothing after linking reads an article's text (diagnostics keep their own copy):
/// a one-off build lets them go, ~100 MB at 10,000 articles. The dev server keeps
/// them (its fast path compares the next save with them).
fn release_source_texts(content: &mut Content, events: &mut [Event]) {
    let empty: Arc<str> = Arc::from("");
    for a in &mut content.articles {
        a.origin.text = empty.clone();
        a.body_offset = 0;
    }
    for e in events {
        e.origin.text = empty.clone();
    }
}

/// Everything the last good build computed, kept by the dev server: an edit to one
/// article's body is applied to it without reading or rendering anything else
/// (`incremental::SiteState`).
pub struct World {
    pub config: SiteConfig,
    pub theme: Theme,
    pub content: Content,
    pub events: Vec<Event>,
    pub linked: Linked,
    pub env: LinkEnv,
    pub index: Arc<SiteIndex>,
    pub today: PartialDate,
    pub prepared: render::Prepared,
    /// Set after a body edit: `output` then has no search index, it is made on demand.
    pub pending_search: Option<Arc<incremental::PendingFiles>>,
    pub output: Output,
    pub warnings: Diagnostics,
}

impl World {
    /// Whether the build read `file` (root-relative) or said something about it.
    pub fn knows(&self, file: &str) -> bool {
        let c = &self.content;
        c.articles.iter().any(|a| a.origin.file == file)
            || c.terms.iter().any(|t| t.origin.file == file)
            || c.timeline.iter().any(|t| t.origin.file == file)
            || self
                .warnings
                .0
                .iter()
                .any(|d| d.file.as_deref() == Some(file))
    }

    /// The kept site as a build result.
    pub fn built(&self, elapsed: Duration) -> Built {
        Built {
            output: self.output.clone(),
            warnings: self.warnings.clone(),
            stats: Stats {
                articles: self.content.articles.len(),
                terms: self.content.terms.len(),
                events: self.events.len(),
                files: self.output.len(),
                elapsed,
            },
            config: self.config.clone(),
        }
    }

    pub fn data(&self) -> SiteData<'_> {
        self.linked.site_data(
            &self.config,
            &self.theme,
            &self.content,
            &self.events,
            &self.index,
            self.today,
        )
    }
}

/// What rendering a document needs from the rest of the site: Markdown options, the
/// glossary and every link target. Built once per build.
pub struct LinkEnv {
    pub options: comrak::Options<'static>,
    pub plugins: comrak::options::Plugins<'static>,
    pub glossary: Glossary,
    pub targets: HashMap<String, LinkTarget>,
    pub base: String,
    /// Per term: its tooltip text.
    pub tips: Vec<String>,
    /// Renders keep the link targets they looked up (`SiteLinks::record_lookups`).
    pub record_lookups: bool,
}

impl LinkEnv {
    pub fn new(content: &Content, config: &SiteConfig) -> LinkEnv {
        let base = config.base_path();
        let options = markdown::options(&config.markdown);
        let tips: Vec<String> = content
            .terms
            .iter()
            .map(|t| short_definition(t.body(), &options))
            .collect();
        LinkEnv {
            glossary: build_glossary(content, &tips, &base),
            targets: link_targets(content, &base),
            plugins: markdown::plugins(),
            options,
            base,
            tips,
            record_lookups: false,
        }
    }

    fn renderer(&self) -> Renderer<'_> {
        Renderer {
            options: &self.options,
            plugins: &self.plugins,
            glossary: &self.glossary,
        }
    }

    fn links(&self) -> SiteLinks<'_> {
        SiteLinks {
            targets: &self.targets,
            base_path: &self.base,
            record_lookups: self.record_lookups,
        }
    }

    /// Renders `a`, the article at position `i` of the site's list.
    pub fn render_article(&self, a: &content::Article, i: usize, config: &SiteConfig) -> Rendered {
        let dir = match a.rel.rsplit_once('/') {
            Some((d, _)) => format!("articles/{d}"),
            None => "articles".to_string(),
        };
        let doc = Doc {
            file: &a.origin.file,
            text: &a.origin.text,
            body_offset: a.body_offset,
            body_line: a.body_line,
            dir: &dir,
            link_mode: a.link_mode.unwrap_or(config.glossary.link),
            exclude_term: None,
            id_prefix: "m-",
            article: Some(i),
            searchable: true,
        };
        self.renderer().render(&doc, &self.links())
    }
}

impl LinkEnv {
    /// Renders the body of event `e` (`text`).
    pub fn render_event(&self, e: &Event, text: &Arc<str>) -> Rendered {
        let prefix = format!("e-{}-", e.id);
        let doc = Doc {
            file: &e.origin.file,
            text,
            body_offset: 0,
            body_line: 1,
            dir: "articles",
            link_mode: LinkMode::First,
            exclude_term: None,
            id_prefix: &prefix,
            article: None,
            searchable: false,
        };
        self.renderer().render(&doc, &self.links())
    }

    /// The terms event `e` mentions, in its body (rendered as `r`) or its title.
    pub fn event_terms(&self, e: &Event, r: &Rendered) -> Vec<usize> {
        let mut terms: Vec<usize> = r.mentions.iter().map(|m| m.term).collect();
        terms.extend(
            self.glossary
                .find_mentions(&e.title)
                .into_iter()
                .map(|(_, _, t)| t),
        );
        let mut seen = HashSet::new();
        terms.retain(|t| seen.insert(*t));
        terms
    }
}

/// The linked content: every article, definition and event body as HTML.
pub struct Linked {
    pub articles: Vec<SharedRender>,
    pub term_html: Vec<String>,
    pub term_tips: Vec<String>,
    pub event_html: Vec<String>,
    /// Per event: the terms its title and body mention.
    pub event_terms: Vec<Vec<usize>>,
}

impl Linked {
    /// What rendering needs: these renders with the rest of the site they belong to.
    pub fn site_data<'a>(
        &'a self,
        config: &'a SiteConfig,
        theme: &'a Theme,
        content: &'a Content,
        events: &'a [Event],
        index: &'a SiteIndex,
        today: PartialDate,
    ) -> SiteData<'a> {
        SiteData {
            config,
            theme,
            content,
            articles: &self.articles,
            term_html: &self.term_html,
            term_tips: &self.term_tips,
            events,
            event_html: &self.event_html,
            index,
            today,
            bodies: None,
        }
    }

    pub fn mentions(&self) -> Vec<&[crate::glossary::Mention]> {
        self.articles
            .iter()
            .map(|r| r.mentions.as_slice())
            .collect()
    }
}

/// Gives the article renders back to the cache they were taken from.
fn keep_articles(docs: &mut DocCache, content: &Content, rendered: &[SharedRender]) {
    for (a, r) in content.articles.iter().zip(rendered) {
        docs.keep(
            incremental::article_key(&a.origin.file),
            a.origin.text.clone(),
            r.clone(),
        );
    }
}

fn link(
    content: &Content,
    config: &SiteConfig,
    events: &[Event],
    env: &LinkEnv,
    mut cache: Option<&mut DocCache>,
) -> Result<Linked, Diagnostics> {
    let links = env.links();
    let renderer = env.renderer();
    crate::progress::stage("linking", content.articles.len());
    // Cached renders are taken out first (sequentially), then only the rest rendered.
    let mut cached: Vec<Option<SharedRender>> = content
        .articles
        .iter()
        .map(|a| {
            let key = incremental::article_key(&a.origin.file);
            cache
                .as_deref_mut()?
                .take(&key, &a.origin.text, &env.targets)
        })
        .collect();
    let articles: Vec<SharedRender> = cached
        .par_iter_mut()
        .enumerate()
        .map(|(i, hit)| {
            crate::progress::tick();
            match hit.take() {
                Some(r) => r,
                None => Arc::new(env.render_article(&content.articles[i], i, config)),
            }
        })
        .collect();
    let mut cached: Vec<Option<SharedRender>> = content
        .terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let key = incremental::term_key(i, &t.origin.file);
            cache
                .as_deref_mut()?
                .take(&key, &t.origin.text, &env.targets)
        })
        .collect();
    let terms: Vec<SharedRender> = content
        .terms
        .par_iter()
        .zip(cached.par_iter_mut())
        .enumerate()
        .map(|(i, (t, hit))| {
            if let Some(r) = hit.take() {
                return r;
            }
            let prefix = format!("g-{}-", t.slug);
            let doc = Doc {
                file: &t.origin.file,
                text: &t.origin.text,
                body_offset: t.body_offset,
                body_line: t.body_line,
                dir: "glossary",
                link_mode: LinkMode::First,
                exclude_term: Some(i),
                id_prefix: &prefix,
                article: None,
                searchable: false,
            };
            Arc::new(renderer.render(&doc, &links))
        })
        .collect();
    let event_texts: Vec<Arc<str>> = events
        .iter()
        .map(|e| Arc::from(e.body.as_deref().unwrap_or("")))
        .collect();
    let mut cached: Vec<Option<SharedRender>> = events
        .iter()
        .zip(&event_texts)
        .map(|(e, text)| {
            let key = incremental::event_key(&e.id, &e.origin.file);
            cache.as_deref_mut()?.take(&key, text, &env.targets)
        })
        .collect();
    let event_docs: Vec<SharedRender> = events
        .par_iter()
        .zip(&event_texts)
        .zip(cached.par_iter_mut())
        .map(|((e, text), hit)| {
            if let Some(r) = hit.take() {
                return r;
            }
            Arc::new(env.render_event(e, text))
        })
        .collect();
    if let Some(c) = cache {
        // Every document was taken.
        c.keep_from(content);
        for (i, (t, r)) in content.terms.iter().zip(&terms).enumerate() {
            let key = incremental::term_key(i, &t.origin.file);
            c.keep(key, t.origin.text.clone(), r.clone());
        }
        for ((e, text), r) in events.iter().zip(event_texts).zip(&event_docs) {
            c.keep(
                incremental::event_key(&e.id, &e.origin.file),
                text,
                r.clone(),
            );
        }
    }
    let mut diags = Diagnostics::new();
    for r in articles.iter().chain(&terms) {
        for e in &r.errors {
            diags.push(e.clone());
        }
    }
    for (e, r) in events.iter().zip(&event_docs) {
        for err in &r.errors {
            diags.push(
                e.origin
                    .error_at(
                        &e.title,
                        format!("in the event \"{}\": {}", e.title, err.message),
                    )
                    .help(
                        "link to an article's file name, e.g. [the alliance](us-japan-alliance.md)",
                    ),
            );
        }
    }
    check_fragments(content, &articles, &terms, &mut diags);
    check_event_anchors(content, events, &articles, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let event_terms = events
        .iter()
        .zip(&event_docs)
        .map(|(e, r)| env.event_terms(e, r))
        .collect();
    Ok(Linked {
        articles,
        term_html: terms.iter().map(|r| r.html.clone()).collect(),
        term_tips: env.tips.clone(),
        event_html: event_docs.iter().map(|r| r.html.clone()).collect(),
        event_terms,
    })
}

fn build_glossary(content: &Content, tips: &[String], base: &str) -> Glossary {
    let specs = content
        .terms
        .iter()
        .zip(tips)
        .map(|(t, tip)| TermSpec {
            info: TermInfo {
                slug: t.slug.clone(),
                name: t.name.clone(),
                tip: match &t.expansion {
                    Some(x) if !tip.starts_with(x.as_str()) => format!("{x}. {tip}"),
                    _ => tip.clone(),
                },
                href: format!("{base}glossary/#{}", t.slug),
            },
            names: std::iter::once(t.name.clone())
                .chain(t.aliases.iter().cloned())
                .collect(),
            case_sensitive: t.case_sensitive,
        })
        .collect();
    Glossary::new(specs)
}

/// The first paragraph of a definition, as plain text: the tooltip.
fn short_definition(body: &str, options: &comrak::Options<'static>) -> String {
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, body, options);
    let first = root
        .descendants()
        .find(|n| matches!(n.data.borrow().value, NodeValue::Paragraph));
    first
        .map(|p| {
            p.collect_text()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn link_targets(content: &Content, base: &str) -> HashMap<String, LinkTarget> {
    let mut targets = HashMap::new();
    for (i, a) in content.articles.iter().enumerate() {
        let target = LinkTarget {
            url: format!("{base}{}", a.path()),
            article: Some(i),
        };
        targets.insert(format!("articles/{}", a.rel), target);
    }
    // A bare file name also finds an article in another folder, when only one has that name.
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, a) in content.articles.iter().enumerate() {
        let name = a.rel.rsplit('/').next().unwrap_or(&a.rel).to_string();
        by_name.entry(name).or_default().push(i);
    }
    for (name, list) in by_name {
        if let [i] = list[..] {
            let target = targets[&format!("articles/{}", content.articles[i].rel)].clone();
            targets.insert(format!("{}{name}", markdown::BY_NAME), target);
        }
    }
    for t in &content.terms {
        let rel = t.origin.file.trim_start_matches("content/").to_string();
        targets.insert(
            rel,
            LinkTarget {
                url: format!("{base}glossary/#{}", t.slug),
                article: None,
            },
        );
    }
    targets
}

fn check_fragments(
    content: &Content,
    articles: &[SharedRender],
    terms: &[SharedRender],
    diags: &mut Diagnostics,
) {
    let origins = content
        .articles
        .iter()
        .map(|a| &a.origin)
        .chain(content.terms.iter().map(|t| &t.origin));
    for (r, origin) in articles.iter().chain(terms).zip(origins) {
        for f in &r.fragments {
            let target = &articles[f.article];
            if !has_id(target, &f.fragment) {
                let d = Diagnostic::error(format!(
                    "broken link: the target page has no heading or anchor #{}",
                    f.fragment
                ))
                .in_file(&origin.file)
                .at_span(&origin.text, f.span.clone());
                let mut known: Vec<&str> = all_ids(target)
                    .into_iter()
                    .filter(|i| !i.starts_with("m-"))
                    .collect();
                known.sort();
                diags.push(d.help(format!("headings there have the ids: {}", known.join(", "))));
            }
        }
    }
}

/// Whether a link can point at `id` in a rendered article. A scan, not a set: an article
/// has a few dozen ids, and most are never linked to.
pub fn has_id(r: &Rendered, id: &str) -> bool {
    r.ids.iter().any(|i| i == id) || r.mentions.iter().any(|m| m.anchor.as_deref() == Some(id))
}

/// Every id a link can point at in a rendered article: headings and linked mentions.
pub fn all_ids(r: &Rendered) -> HashSet<&str> {
    r.ids
        .iter()
        .map(String::as_str)
        .chain(r.mentions.iter().filter_map(|m| m.anchor.as_deref()))
        .collect()
}

pub fn check_event_anchors<'e>(
    content: &Content,
    events: impl IntoIterator<Item = &'e Event>,
    articles: &[SharedRender],
    diags: &mut Diagnostics,
) {
    for e in events {
        for r in &e.refs {
            let Some(anchor) = &r.anchor else { continue };
            if !has_id(&articles[r.article], anchor) {
                let a = &content.articles[r.article];
                let d: Diagnostic = e.origin.error_at(
                    &format!("\"{anchor}\""),
                    format!(
                        "the event \"{}\" points at #{anchor}, which is not a heading in {}",
                        e.title, a.origin.file
                    ),
                );
                let mut ids: Vec<&str> =
                    articles[r.article].ids.iter().map(String::as_str).collect();
                ids.sort();
                diags.push(d.help(format!(
                    "use one of the article's heading ids: {}",
                    ids.join(", ")
                )));
            }
        }
    }
}

/// Refuses an output where a file would have to be a folder too; the write would fail midway.
fn check_clashes(output: &Output, theme: &Theme) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for (file, inner) in crate::output::path_clashes(output) {
        let (culprit, other) = if theme.assets.contains_key(&file) {
            (format!("{}/{file}", crate::theme::ASSETS_DIR), inner)
        } else {
            (format!("{}/{}", crate::theme::ASSETS_DIR, inner), file)
        };
        diags.push(
            Diagnostic::error(format!(
                "{culprit} clashes with the generated {other}: one path cannot be both a file and a folder"
            ))
            .in_file(&culprit)
            .help("rename or move the file in assets/"),
        );
    }
    diags.into_result().map(drop)
}
