//! The timeline: dated events gathered from articles and `content/timeline.toml`,
//! merged when several articles note the same event, and sorted with honest precision.

use std::collections::HashMap;

use crate::content::{Content, EventMeta, Origin};
use crate::date::PartialDate;
use crate::diag::{Diagnostic, Diagnostics};
use crate::slug::slugify;

/// An article's claim on an event, with the anchor it points at in the article.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRef {
    pub article: usize,
    pub anchor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Event {
    /// Stable id, used as the anchor on the timeline page.
    pub id: String,
    pub date: PartialDate,
    pub title: String,
    pub body: Option<String>,
    pub tags: Vec<String>,
    pub refs: Vec<EventRef>,
    pub origin: Origin,
    /// What merges reports of one event (`event_key`): its id, or its date and title.
    pub key: String,
}

impl Event {
    /// Whether `other` is this event as every page shows it: the same id, date, title,
    /// body, tags and articles, from the same file.
    pub fn shows_the_same(&self, other: &Event) -> bool {
        self.id == other.id
            && self.date == other.date
            && self.title == other.title
            && self.body == other.body
            && self.tags == other.tags
            && self.refs == other.refs
            && self.origin.file == other.origin.file
    }
}

/// Gathers every event, de-duplicating by `id` or by date and title. An event naming an
/// unknown article is kept without it, so later stages can report their own errors too.
pub fn gather(content: &Content) -> (Vec<Event>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut events: Vec<Event> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let article_index: HashMap<&str, usize> = content
        .articles
        .iter()
        .enumerate()
        .flat_map(|(i, a)| [(a.rel.as_str(), i), (a.slug.as_str(), i)])
        .collect();
    for report in reports(content) {
        let key = event_key(report.meta);
        let refs = report.refs(|name| article_index.get(name).copied(), &mut diags);
        match by_key.get(&key) {
            Some(&i) => merge(&mut events[i], report.meta, refs),
            None => {
                by_key.insert(key.clone(), events.len());
                events.push(report.event(key, refs));
            }
        }
    }
    check_unique_ids(&events, &mut diags);
    sort(&mut events);
    (events, diags)
}

/// The timeline after the articles `edited` changed their events (each with its
/// events as they were), from the kept one: only the events those reported, or now
/// report, are gathered again; the others are the same. None where that could differ
/// from `gather` (an id another event has, two events that sort alike) or would say
/// something: `gather` then decides.
pub fn regather(
    content: &Content,
    kept: &[Event],
    edited: &[(usize, &[EventMeta])],
) -> Option<Regathered> {
    let mut keys: Vec<String> = edited
        .iter()
        .flat_map(|&(i, old)| old.iter().chain(&content.articles[i].events))
        .map(event_key)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // Per kept event: whether it is one of those, to be gathered again.
    let regathered: Vec<bool> = kept
        .iter()
        .map(|e| keys.binary_search(&e.key).is_ok())
        .collect();
    let is_edited = |i: usize| edited.iter().any(|&(e, _)| e == i);
    // Who reported the events of those keys: the edited articles, the articles the
    // kept events name (an article reports each event it names), and timeline.toml.
    let mut reporters: Vec<usize> = edited.iter().map(|&(i, _)| i).collect();
    for (e, _) in kept.iter().zip(&regathered).filter(|(_, &r)| r) {
        reporters.extend(e.refs.iter().map(|r| r.article).filter(|&a| !is_edited(a)));
    }
    // In `gather`'s order: articles from the last, then timeline.toml.
    reporters.sort_unstable_by(|a, b| b.cmp(a));
    reporters.dedup();
    let article_reports = reporters.iter().flat_map(|&i| {
        let a = &content.articles[i];
        a.events.iter().map(move |meta| Report {
            meta,
            origin: &a.origin,
            article: Some(i),
        })
    });
    let mut diags = Diagnostics::new();
    let mut fresh: Vec<Event> = Vec::new();
    for report in article_reports.chain(timeline_reports(content)) {
        let key = event_key(report.meta);
        if keys.binary_search(&key).is_err() {
            continue;
        }
        let refs = report.refs(|name| article_named(content, name), &mut diags);
        match fresh.iter_mut().find(|e| e.key == key) {
            Some(e) => merge(e, report.meta, refs),
            None => fresh.push(report.event(key, refs)),
        }
    }
    // Two events with one id, or that sort alike (the sort is stable: `gather`'s order
    // would decide).
    let clash = |a: &Event, b: &Event| {
        a.id == b.id || (a.date, a.title.as_str()) == (b.date, b.title.as_str())
    };
    let kept_left = kept.iter().zip(&regathered).filter(|(_, &r)| !r);
    if !diags.is_empty()
        || (0..fresh.len()).any(|n| fresh[..n].iter().any(|f| clash(f, &fresh[n])))
        || kept_left
            .clone()
            .any(|(o, _)| fresh.iter().any(|f| clash(o, f)))
    {
        return None;
    }
    sort(&mut fresh);
    // The kept events left, in order, with the fresh ones each put in its place.
    let mut slots = Vec::with_capacity(kept.len() + fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for (o, (e, _)) in kept
        .iter()
        .zip(&regathered)
        .enumerate()
        .filter(|(_, (_, &r))| !r)
    {
        while let Some(f) = fresh.next_if(|f| order(f, e).is_lt()) {
            slots.push(Slot::Fresh(f));
        }
        slots.push(Slot::Kept(o));
    }
    slots.extend(fresh.map(Slot::Fresh));
    Some(Regathered { slots })
}

/// A timeline gathered again in part (`regather`).
#[derive(Debug)]
pub struct Regathered {
    /// In timeline order: each event kept as it was, or gathered again.
    pub slots: Vec<Slot>,
}

#[derive(Debug)]
pub enum Slot {
    /// The kept event at this index.
    Kept(usize),
    Fresh(Event),
}

/// One report of an event: an article's, or timeline.toml's.
struct Report<'a> {
    meta: &'a EventMeta,
    origin: &'a Origin,
    /// The reporting article.
    article: Option<usize>,
}

impl Report<'_> {
    /// The article the event is about: the reporting one, or the one a timeline.toml
    /// entry names (reported if there is none of that name).
    fn refs(
        &self,
        named: impl Fn(&str) -> Option<usize>,
        diags: &mut Diagnostics,
    ) -> Vec<EventRef> {
        let article = match (self.article, &self.meta.article) {
            (Some(i), _) => Some(i),
            (None, Some(name)) => {
                let key = name.trim_start_matches("articles/").trim_end_matches('/');
                let found = named(key);
                if found.is_none() {
                    let d = self.origin.error_at(
                        name,
                        format!(
                            "event \"{}\" names the article \"{name}\", which does not exist",
                            self.meta.title
                        ),
                    );
                    diags.push(d.help("use the file name of an article in content/articles, e.g. article = \"us-japan-alliance.md\""));
                }
                found
            }
            (None, None) => None,
        };
        article
            .map(|a| EventRef {
                article: a,
                anchor: self.meta.anchor.clone(),
            })
            .into_iter()
            .collect()
    }

    /// The event as its first report tells it.
    fn event(&self, key: String, refs: Vec<EventRef>) -> Event {
        let meta = self.meta;
        Event {
            id: meta
                .id
                .clone()
                .map(|s| slugify(&s))
                .unwrap_or_else(|| default_id(meta)),
            date: meta.date.0,
            title: meta.title.trim().to_string(),
            body: meta.body.clone().filter(|b| !b.trim().is_empty()),
            tags: meta.tags.clone(),
            refs,
            origin: self.origin.clone(),
            key,
        }
    }
}

/// Every report in the order `gather` reads them: the oldest article first (the first
/// to report an event gives its title and body), timeline.toml last.
fn reports(content: &Content) -> impl Iterator<Item = Report<'_>> {
    let from_articles = content
        .articles
        .iter()
        .enumerate()
        .rev()
        .flat_map(|(i, a)| {
            a.events.iter().map(move |meta| Report {
                meta,
                origin: &a.origin,
                article: Some(i),
            })
        });
    from_articles.chain(timeline_reports(content))
}

fn timeline_reports(content: &Content) -> impl Iterator<Item = Report<'_>> + '_ {
    content.timeline.iter().map(|t| Report {
        meta: &t.meta,
        origin: &t.origin,
        article: None,
    })
}

/// The article a timeline.toml entry names, by file name or slug, as `gather` finds it
/// (its map keeps the last article of a name).
fn article_named(content: &Content, name: &str) -> Option<usize> {
    content
        .articles
        .iter()
        .rposition(|a| a.rel == name || a.slug == name)
}

fn event_key(meta: &EventMeta) -> String {
    match &meta.id {
        Some(id) => format!("id:{}", slugify(id)),
        None => format!("{}|{}", meta.date.0.iso(), slugify(&meta.title)),
    }
}

fn default_id(meta: &EventMeta) -> String {
    let mut title = slugify(&meta.title);
    if title.len() > 48 {
        let cut = title[..48].rfind('-').unwrap_or(48);
        title.truncate(cut);
    }
    format!("{}-{}", meta.date.0.iso(), title)
}

fn merge(event: &mut Event, meta: &EventMeta, refs: Vec<EventRef>) {
    for r in refs {
        if !event.refs.iter().any(|e| e.article == r.article) {
            event.refs.push(r);
        }
    }
    for tag in &meta.tags {
        if !event.tags.contains(tag) {
            event.tags.push(tag.clone());
        }
    }
    if event.body.is_none() {
        event.body = meta.body.clone().filter(|b| !b.trim().is_empty());
    }
}

fn check_unique_ids(events: &[Event], diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, &Event> = HashMap::new();
    for e in events {
        if let Some(first) = seen.insert(&e.id, e) {
            let d: Diagnostic = e.origin.error_at(
                &e.title,
                format!(
                    "the events \"{}\" and \"{}\" ({}) have the same id \"{}\"",
                    e.title, first.title, first.origin.file, e.id
                ),
            );
            diags.push(d.help("give one of them a different `id`, or the same date and title if they are one event"));
        }
    }
}

/// By date (coarser before finer in the same period), then title; stable.
pub fn sort(events: &mut [Event]) {
    events.sort_by(order);
}

fn order(a: &Event, b: &Event) -> std::cmp::Ordering {
    a.date.cmp(&b.date).then_with(|| a.title.cmp(&b.title))
}
