//! The site index: who mentions which term, tags, related articles, neighbours.
//! Built from inverted indexes (term → articles, tag → articles), never from all pairs.

use std::collections::{BTreeMap, HashMap};

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

#[derive(Debug, Clone)]
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

#[derive(Debug, Default)]
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
        let mut term_events = vec![Vec::new(); term_count];
        for (e, terms) in event_terms.iter().enumerate() {
            for &t in terms {
                term_events[t].push(e);
            }
        }
        let mut article_events = vec![Vec::new(); articles.len()];
        for (e, event) in events.iter().enumerate() {
            for r in &event.refs {
                article_events[r.article].push(e);
            }
        }
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
struct Profile {
    terms: Vec<usize>,
    tags: Vec<usize>,
}

fn profiles(
    articles: &[Article],
    mentions: &[&[Mention]],
    tags: &BTreeMap<String, Tag>,
) -> Vec<Profile> {
    let tag_ids: HashMap<&str, usize> = tags
        .keys()
        .enumerate()
        .map(|(i, slug)| (slug.as_str(), i))
        .collect();
    articles
        .par_iter()
        .zip(mentions)
        .map(|(a, ms)| {
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
                terms: ms.iter().map(|m| m.term).collect(),
                tags: ids,
            }
        })
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
            |scores, a| related_for(a, &profiles, backlinks, &tag_list, scores),
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
fn related_for(
    a: usize,
    profiles: &[Profile],
    backlinks: &[Vec<Backlink>],
    tags: &[&Tag],
    scores: &mut Scores,
) -> Vec<Related> {
    let me = &profiles[a];
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
        .map(|(score, other)| shared(me, &profiles[other], other, score, tags))
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
