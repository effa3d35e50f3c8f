//! The site index: who mentions which term, tags, related articles, neighbours.
//! Built from inverted indexes (term → articles, tag → articles), never from all pairs.

use std::collections::{BTreeMap, HashMap};

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
        mentions: &[Vec<Mention>],
        term_count: usize,
        events: &[Event],
        event_terms: &[Vec<usize>],
    ) -> SiteIndex {
        let mut backlinks = vec![Vec::new(); term_count];
        for (a, ms) in mentions.iter().enumerate() {
            for m in ms {
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
        let related = (0..articles.len())
            .map(|a| related_for(a, articles, mentions, &backlinks, &tags))
            .collect();
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
            if !tag.articles.contains(&i) {
                tag.articles.push(i);
            }
        }
    }
    tags
}

fn related_for(
    a: usize,
    articles: &[Article],
    mentions: &[Vec<Mention>],
    backlinks: &[Vec<Backlink>],
    tags: &BTreeMap<String, Tag>,
) -> Vec<Related> {
    let mut scores: HashMap<usize, Related> = HashMap::new();
    fn entry(scores: &mut HashMap<usize, Related>, other: usize) -> &mut Related {
        scores.entry(other).or_insert_with(|| Related {
            article: other,
            score: 0,
            shared_terms: Vec::new(),
            shared_tags: Vec::new(),
        })
    }
    for m in &mentions[a] {
        for b in backlinks[m.term].iter().filter(|b| b.article != a) {
            let r = entry(&mut scores, b.article);
            r.score += TERM_WEIGHT;
            r.shared_terms.push(m.term);
        }
    }
    for name in &articles[a].tags {
        if let Some(tag) = tags.get(&slugify(name)) {
            for &other in tag.articles.iter().filter(|&&o| o != a) {
                let r = entry(&mut scores, other);
                if !r.shared_tags.contains(&tag.name) {
                    r.score += TAG_WEIGHT;
                    r.shared_tags.push(tag.name.clone());
                }
            }
        }
    }
    let mut related: Vec<Related> = scores.into_values().collect();
    // Articles are sorted newest first, so a lower index breaks ties towards newer ones.
    related.sort_by(|x, y| y.score.cmp(&x.score).then(x.article.cmp(&y.article)));
    related.truncate(RELATED_LIMIT);
    related
}
