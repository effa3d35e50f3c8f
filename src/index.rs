//! The site index: who mentions which term, tags, related articles, neighbours.
//! Built from inverted indexes (term → articles, tag → articles), never from all pairs.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use crate::content::Article;
use crate::glossary::Mention;
use crate::slug::slugify;
use crate::timeline::Event;

#[derive(Debug, Clone)]
pub struct Backlink {
    pub article: usize,
    pub count: usize,
    pub anchor: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub article: usize,
    pub score: usize,
    pub shared_terms: Vec<usize>,
    pub shared_tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub slug: String,
    pub articles: Vec<usize>,
}

#[derive(Debug, Default, Clone)]
pub struct SiteIndex {
    /// Per term: the articles that mention it, most mentions first.
    pub backlinks: Vec<Vec<Backlink>>,
    /// Per term: the events whose text mentions it.
    pub term_events: Vec<Vec<usize>>,
    /// Per article: its events on the timeline.
    pub article_events: Vec<Vec<usize>>,
    pub related: Vec<Vec<Related>>,
    pub tags: BTreeMap<String, Tag>,
}

pub const RELATED_LIMIT: usize = 5;
/// A shared term weighs more than a shared tag: terms are what articles discuss.
const TERM_WEIGHT: usize = 2;
const TAG_WEIGHT: usize = 1;

impl SiteIndex {
    pub fn build(
        articles: &[Article],
        mentions: &[&[Mention]],
        term_count: usize,
        events: &[Event],
        event_terms: &[Vec<usize>],
    ) -> SiteIndex {
        let mut backlinks = vec![Vec::new(); term_count];
        for (a, ms) in mentions.iter().enumerate() {
            for m in ms.iter() {
                backlinks[m.term].push(Backlink {
                    article: a,
                    count: m.count,
                    anchor: m.anchor.clone(),
                });
            }
        }
        for list in &mut backlinks {
            list.sort_by(|x: &Backlink, y: &Backlink| {
                y.count.cmp(&x.count).then(x.article.cmp(&y.article))
            });
        }
        let (term_events, article_events) =
            event_lists(articles.len(), term_count, events, event_terms);
        let tags = tags(articles);
        let related = related_all(articles, mentions, &backlinks, &tags);
        SiteIndex {
            backlinks,
            term_events,
            article_events,
            related,
            tags,
        }
    }
}

/// Per term, the events that mention it; per article, its events.
fn event_lists(
    article_count: usize,
    term_count: usize,
    events: &[Event],
    event_terms: &[Vec<usize>],
) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut term_events = vec![Vec::new(); term_count];
    for (e, terms) in event_terms.iter().enumerate() {
        for &t in terms {
            term_events[t].push(e);
        }
    }
    let mut article_events = vec![Vec::new(); article_count];
    for (e, event) in events.iter().enumerate() {
        for r in &event.refs {
            article_events[r.article].push(e);
        }
    }
    (term_events, article_events)
}

impl SiteIndex {
    /// After the timeline changed (and nothing the other lists read): which events
    /// each term and each article has.
    pub fn reevent(&mut self, article_count: usize, events: &[Event], event_terms: &[Vec<usize>]) {
        (self.term_events, self.article_events) =
            event_lists(article_count, self.term_events.len(), events, event_terms);
    }
}

/// What changed when some articles changed their tags and nothing else
/// (`SiteIndex::retag`).
#[derive(Debug, Default)]
pub struct Retagged {
    /// The slugs of the tags an article joined or left, or whose spelling may have
    /// changed: their pages (gone if no article has them any more), their counts.
    pub tags: Vec<String>,
    /// The articles whose related lists changed.
    pub related: Vec<usize>,
    /// The articles on those tags' lists, before or after: what lists them changed
    /// (their tags' counts).
    pub listed: Vec<usize>,
}

impl SiteIndex {
    /// After the articles `before` names changed their tags (from the tags given) and
    /// nothing else: the tag lists, and the related lists that read them. Related
    /// lists are made again only for the articles on a changed tag's list, which are
    /// the only ones whose candidates or shared tags can change; every answer is what
    /// `SiteIndex::build` gives.
    pub fn retag(
        &mut self,
        articles: &[Article],
        mentions: &[&[Mention]],
        before: &[(usize, &[String])],
    ) -> Retagged {
        let mut changed: BTreeSet<String> = BTreeSet::new();
        for &(i, old) in before {
            let new = &articles[i].tags;
            for t in old.iter().filter(|t| !new.contains(t)) {
                changed.insert(slugify(t));
            }
            for t in new.iter().filter(|t| !old.contains(t)) {
                changed.insert(slugify(t));
            }
        }
        // Each retagged article leaves the lists of the tags it no longer has and joins
        // those of its new ones, at its place in the article order.
        for &(i, old) in before {
            let old: BTreeSet<String> = old.iter().map(|t| slugify(t)).collect();
            let new: BTreeSet<String> = articles[i].tags.iter().map(|t| slugify(t)).collect();
            for slug in old.difference(&new) {
                if let Some(tag) = self.tags.get_mut(slug) {
                    tag.articles.retain(|&a| a != i);
                    if tag.articles.is_empty() {
                        self.tags.remove(slug);
                    }
                }
            }
            for slug in new.difference(&old) {
                let tag = self.tags.entry(slug.clone()).or_insert_with(|| Tag {
                    name: String::new(),
                    slug: slug.clone(),
                    articles: Vec::new(),
                });
                if let Err(at) = tag.articles.binary_search(&i) {
                    tag.articles.insert(at, i);
                }
            }
        }
        // A tag is spelled as its first article spells it (`tags`).
        let mut listed: BTreeSet<usize> = before.iter().map(|&(i, _)| i).collect();
        for slug in &changed {
            if let Some(tag) = self.tags.get_mut(slug) {
                listed.extend(&tag.articles);
                let first = &articles[tag.articles[0]];
                if let Some(name) = first.tags.iter().find(|t| slugify(t) == *slug) {
                    tag.name = name.clone();
                }
            }
        }
        let tag_ids = tag_ids(&self.tags);
        let profile = |i: usize| Cow::Owned(profile(&articles[i], mentions[i], &tag_ids));
        let tag_list: Vec<&Tag> = self.tags.values().collect();
        let listed: Vec<usize> = listed.into_iter().collect();
        // A popular tag lists ~800 of 10,000 articles: two of them moving between two
        // such tags is ~1,600 related lists, made on every core.
        let lists: Vec<Vec<Related>> = listed
            .par_iter()
            .map_init(
                || Scores::new(articles.len()),
                |scores, &a| related_for(a, &profile, &self.backlinks, &tag_list, scores),
            )
            .collect();
        let mut related = Vec::new();
        for (&a, new) in listed.iter().zip(lists) {
            if new != self.related[a] {
                self.related[a] = new;
                related.push(a);
            }
        }
        Retagged {
            tags: changed.into_iter().collect(),
            related,
            listed,
        }
    }
}

fn tags(articles: &[Article]) -> BTreeMap<String, Tag> {
    let mut tags: BTreeMap<String, Tag> = BTreeMap::new();
    for (i, a) in articles.iter().enumerate() {
        for name in &a.tags {
            let slug = slugify(name);
            let tag = tags.entry(slug.clone()).or_insert_with(|| Tag {
                name: name.clone(),
                slug,
                articles: Vec::new(),
            });
            // Articles arrive in order, so a repeat can only be the last one pushed
            // (`contains` here was quadratic in the size of a popular tag).
            if tag.articles.last() != Some(&i) {
                tag.articles.push(i);
            }
        }
    }
    tags
}

/// How many articles of one term's or one tag's list are considered as candidates.
///
/// Walking every article that shares a popular term is quadratic: at 10,000 articles the
/// profile had `related_for` at 40% of the build. Candidates come from the first
/// `CANDIDATES_PER_LIST` of each list (the articles that mention the term most, or the
/// newest with the tag); their scores are then exact. Sites whose lists are all shorter
/// than this get exactly the all-pairs answer.
const CANDIDATES_PER_LIST: usize = 128;

/// What one article shares with others: its terms (first-mention order) and tags
/// (as indexes into the tag map's order), each once.
#[derive(Clone)]
struct Profile {
    terms: Vec<usize>,
    tags: Vec<usize>,
}

fn tag_ids(tags: &BTreeMap<String, Tag>) -> HashMap<&str, usize> {
    tags.keys()
        .enumerate()
        .map(|(i, slug)| (slug.as_str(), i))
        .collect()
}

fn profile(a: &Article, mentions: &[Mention], tag_ids: &HashMap<&str, usize>) -> Profile {
    let mut ids: Vec<usize> = Vec::with_capacity(a.tags.len());
    for id in a
        .tags
        .iter()
        .filter_map(|t| tag_ids.get(slugify(t).as_str()))
    {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    Profile {
        terms: mentions.iter().map(|m| m.term).collect(),
        tags: ids,
    }
}

fn profiles(
    articles: &[Article],
    mentions: &[&[Mention]],
    tags: &BTreeMap<String, Tag>,
) -> Vec<Profile> {
    let tag_ids = tag_ids(tags);
    articles
        .par_iter()
        .zip(mentions)
        .map(|(a, ms)| profile(a, ms, &tag_ids))
        .collect()
}

fn related_all(
    articles: &[Article],
    mentions: &[&[Mention]],
    backlinks: &[Vec<Backlink>],
    tags: &BTreeMap<String, Tag>,
) -> Vec<Vec<Related>> {
    let profiles = profiles(articles, mentions, tags);
    let tag_list: Vec<&Tag> = tags.values().collect();
    (0..articles.len())
        .into_par_iter()
        .map_init(
            || Scores::new(articles.len()),
            |scores, a| {
                let profile = |i: usize| Cow::Borrowed(&profiles[i]);
                related_for(a, &profile, backlinks, &tag_list, scores)
            },
        )
        .collect()
}

/// Per-thread scratch: a score per article, and which ones were touched (to reset).
struct Scores {
    score: Vec<u32>,
    touched: Vec<usize>,
}

impl Scores {
    fn new(articles: usize) -> Scores {
        Scores {
            score: vec![0; articles],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, article: usize, weight: usize) {
        if self.score[article] == 0 {
            self.touched.push(article);
        }
        self.score[article] += weight as u32;
    }
}

/// Scores come from walking this article's term and tag lists (the first
/// `CANDIDATES_PER_LIST` of each) and adding each list's weight to every article on
/// it: linear in the lists walked, where scoring every candidate against this
/// article's profile was ~40 terms × ~5,000 candidates per article at 10,000
/// articles. For lists shorter than the cut (most sites) the score is the exact
/// shared-terms-and-tags count.
fn related_for<'p>(
    a: usize,
    profile: &impl Fn(usize) -> Cow<'p, Profile>,
    backlinks: &[Vec<Backlink>],
    tags: &[&Tag],
    scores: &mut Scores,
) -> Vec<Related> {
    let me = profile(a);
    let me = me.as_ref();
    for &t in &me.terms {
        for b in backlinks[t].iter().take(CANDIDATES_PER_LIST) {
            scores.add(b.article, TERM_WEIGHT);
        }
    }
    for &t in &me.tags {
        for &other in tags[t].articles.iter().take(CANDIDATES_PER_LIST) {
            scores.add(other, TAG_WEIGHT);
        }
    }
    let mut best: Vec<(usize, usize)> = Vec::new();
    for other in scores.touched.drain(..) {
        let score = std::mem::take(&mut scores.score[other]) as usize;
        if other != a {
            best.push((score, other));
        }
    }
    // Articles are sorted newest first, so a lower index breaks ties towards newer ones.
    // Thousands of candidates, a handful kept: select them, then sort only those.
    let order = |x: &(usize, usize), y: &(usize, usize)| y.0.cmp(&x.0).then(x.1.cmp(&y.1));
    if best.len() > RELATED_LIMIT {
        best.select_nth_unstable_by(RELATED_LIMIT, order);
        best.truncate(RELATED_LIMIT);
    }
    best.sort_unstable_by(order);
    best.into_iter()
        .map(|(score, other)| shared(me, &profile(other), other, score, tags))
        .collect()
}

/// What `me` shares with `other`: terms in `me`'s order of first mention, then tags.
fn shared(me: &Profile, other: &Profile, index: usize, score: usize, tags: &[&Tag]) -> Related {
    Related {
        article: index,
        score,
        shared_terms: me
            .terms
            .iter()
            .copied()
            .filter(|t| other.terms.contains(t))
            .collect(),
        shared_tags: me
            .tags
            .iter()
            .filter(|t| other.tags.contains(t))
            .map(|&t| tags[t].name.clone())
            .collect(),
    }
}
