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
    // Oldest article first: the first to report an event gives its title and body.
    let from_articles = content
        .articles
        .iter()
        .enumerate()
        .rev()
        .flat_map(|(i, a)| a.events.iter().map(move |e| (e, &a.origin, Some(i))));
    let from_timeline = content.timeline.iter().map(|t| (&t.meta, &t.origin, None));
    for (meta, origin, article) in from_articles.chain(from_timeline) {
        let article = match (article, &meta.article) {
            (Some(i), _) => Some(i),
            (None, Some(name)) => {
                let key = name.trim_start_matches("articles/").trim_end_matches('/');
                match article_index.get(key) {
                    Some(&i) => Some(i),
                    None => {
                        let d = origin.error_at(
                            name,
                            format!(
                                "event \"{}\" names the article \"{name}\", which does not exist",
                                meta.title
                            ),
                        );
                        diags.push(d.help("use the file name of an article in content/articles, e.g. article = \"us-japan-alliance.md\""));
                        None
                    }
                }
            }
            (None, None) => None,
        };
        let key = event_key(meta);
        let refs: Vec<EventRef> = article
            .map(|a| EventRef {
                article: a,
                anchor: meta.anchor.clone(),
            })
            .into_iter()
            .collect();
        match by_key.get(&key) {
            Some(&i) => merge(&mut events[i], meta, refs),
            None => {
                by_key.insert(key, events.len());
                events.push(Event {
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
                    origin: origin.clone(),
                });
            }
        }
    }
    check_unique_ids(&events, &mut diags);
    sort(&mut events);
    (events, diags)
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
    events.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.title.cmp(&b.title)));
}
