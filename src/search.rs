//! Client-side search: a compact index written at build time and read by `search.js`.
//!
//! A search-engine crate such as pagefind would need its own indexing pass over the
//! written HTML, a large dependency tree and a wasm runtime in the browser; kiji already
//! has every document's plain text in memory, so it writes a small sharded inverted
//! index of its own. Everything lives under `search/`:
//!
//! - `index.json`: `{"v":1,"build":"…","docs":N,"chunk":C,"shards":["a","b",…]}`
//! - `d{K}.json`: documents `K*C ..` as `[kind, title, url, summary]` (`kind` is
//!   `"article"` or `"term"`); only the chunks holding results are fetched.
//! - `s{N}.json`: `{"word":[doc, weight, doc delta, weight, …], …}` for the words
//!   starting with `shards[N]`. A shard over [`SHARD_BYTES`] is split by one more
//!   character, so a query only loads the shards of its own words, however big the site.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::hash::{Hash, Hasher};

use serde_json::json;

/// Where the files go, under the site root.
pub const DIR: &str = "search/";
/// Shards grow up to about this size before they are split by a longer prefix.
pub const SHARD_BYTES: usize = 40 * 1024;
/// Documents per `d{K}.json` file.
pub const DOC_CHUNK: usize = 200;
/// A word in a title, tag or alias counts as much as this many mentions in the body.
const TITLE_WEIGHT: u32 = 10;
/// Longest shard prefix: past it a shard is kept whole, whatever its size.
const MAX_PREFIX: usize = 4;
/// Characters of body text used as the summary when a document has none.
const SUMMARY_CHARS: usize = 180;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Article,
    Term,
}

/// One searchable document.
#[derive(Debug, Clone)]
pub struct SearchDoc<'a> {
    pub kind: Kind,
    pub title: &'a str,
    /// With the base path: `/repo/articles/a/`.
    pub url: &'a str,
    /// Shown under the title; the start of `text` when empty.
    pub summary: &'a str,
    /// Tags, aliases, expansions: weighted like the title.
    pub keywords: Vec<&'a str>,
    /// The plain text of the body.
    pub text: &'a str,
}

/// Lowercased words; every CJK character is a word of its own (those scripts do not
/// separate words with spaces). `search.js` splits queries the same way.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_cjk(c) {
            flush(&mut word, &mut out);
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn flush(word: &mut String, out: &mut Vec<String>) {
    // Single letters ("s" of "Japan's") only bloat the index; single digits are kept ("Article 9").
    let keep = word.chars().count() > 1 || word.chars().all(|c| c.is_numeric());
    if !word.is_empty() && keep {
        out.push(std::mem::take(word));
    }
    word.clear();
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // hangul syllables
        | 0xF900..=0xFAFF) // CJK compatibility ideographs
}

/// word → [(document, weight)], documents in increasing order.
type Postings = BTreeMap<String, Vec<(u32, u32)>>;

/// One document's words with their weights.
fn document_words(doc: &SearchDoc<'_>) -> FxHashMap<String, u32> {
    let mut counts: FxHashMap<String, u32> = FxHashMap::default();
    let mut add = |text: &str, weight: u32| {
        for w in words(text) {
            *counts.entry(w).or_default() += weight;
        }
    };
    add(doc.title, TITLE_WEIGHT);
    for k in &doc.keywords {
        add(k, TITLE_WEIGHT);
    }
    add(doc.text, 1);
    counts
}

/// Documents are tokenised in parallel; merging in document order keeps each
/// posting list sorted without sorting it. (A shared BTreeMap entry per word of
/// every document made this the slowest stage of a 10,000-article build.)
fn postings(docs: &[SearchDoc<'_>]) -> Postings {
    let per_doc: Vec<FxHashMap<String, u32>> = docs.par_iter().map(document_words).collect();
    let mut map: FxHashMap<String, Vec<(u32, u32)>> = FxHashMap::default();
    for (id, counts) in (0u32..).zip(per_doc) {
        for (word, weight) in counts {
            map.entry(word).or_default().push((id, weight));
        }
    }
    map.into_iter().collect()
}

/// `[doc, weight, doc delta, weight, …]`: deltas keep the numbers, and the JSON, short.
fn encode(list: &[(u32, u32)]) -> Vec<u32> {
    let mut out = Vec::with_capacity(list.len() * 2);
    let mut previous = 0;
    for &(doc, weight) in list {
        out.push(doc - previous);
        out.push(weight);
        previous = doc;
    }
    out
}

type Entry = (String, Vec<u32>);

fn prefix(word: &str, len: usize) -> String {
    word.chars().take(len).collect()
}

fn entry_bytes(e: &Entry) -> usize {
    e.0.len() + 5 + e.1.iter().map(|n| n.to_string().len() + 1).sum::<usize>()
}

/// Groups sorted entries by their first `len` characters, splitting big groups further.
/// Starting from `len = 0` keeps a small site's whole index in one shard named "".
fn shard(entries: Vec<Entry>, len: usize, out: &mut Vec<(String, Vec<Entry>)>) {
    let mut groups: Vec<(String, Vec<Entry>)> = Vec::new();
    for e in entries {
        let key = prefix(&e.0, len);
        match groups.last_mut() {
            Some((k, list)) if *k == key => list.push(e),
            _ => groups.push((key, vec![e])),
        }
    }
    for (key, list) in groups {
        let size: usize = list.iter().map(entry_bytes).sum();
        let longer = list.iter().any(|e| e.0.chars().count() > len);
        if size > SHARD_BYTES && len < MAX_PREFIX && longer {
            // Words no longer than the prefix stay in a shard named by the prefix itself.
            let (short, long): (Vec<Entry>, Vec<Entry>) =
                list.into_iter().partition(|e| e.0.chars().count() <= len);
            if !short.is_empty() {
                out.push((key, short));
            }
            shard(long, len + 1, out);
        } else {
            out.push((key, list));
        }
    }
}

fn summary(doc: &SearchDoc<'_>) -> String {
    if !doc.summary.trim().is_empty() {
        return doc.summary.trim().to_string();
    }
    let text = doc.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= SUMMARY_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SUMMARY_CHARS).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

/// Every file of the index, as (path under the site root, bytes).
pub fn files(docs: &[SearchDoc<'_>]) -> Vec<(String, Vec<u8>)> {
    let entries: Vec<Entry> = postings(docs)
        .into_iter()
        .map(|(w, list)| {
            let encoded = encode(&list);
            (w, encoded)
        })
        .collect();
    let mut shards = Vec::new();
    shard(entries, 0, &mut shards);
    let mut out = Vec::new();
    for (n, (_, list)) in shards.iter().enumerate() {
        let map: serde_json::Map<String, serde_json::Value> =
            list.iter().map(|(w, p)| (w.clone(), json!(p))).collect();
        out.push((format!("{DIR}s{n}.json"), json_bytes(&map)));
    }
    for (k, chunk) in docs.chunks(DOC_CHUNK).enumerate() {
        let list: Vec<serde_json::Value> = chunk
            .iter()
            .map(|d| {
                let kind = match d.kind {
                    Kind::Article => "article",
                    Kind::Term => "term",
                };
                json!([kind, d.title, d.url, summary(d)])
            })
            .collect();
        out.push((format!("{DIR}d{k}.json"), json_bytes(&list)));
    }
    let index = json!({
        "v": 1,
        "build": build_id(&out),
        "docs": docs.len(),
        "chunk": DOC_CHUNK,
        "shards": shards.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
    });
    out.push((format!("{DIR}index.json"), json_bytes(&index)));
    out
}

fn json_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// Changes whenever any index file does, so `search.js` can bust stale caches with `?v=`.
fn build_id(files: &[(String, Vec<u8>)]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut h);
    format!("{:x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(title: &'a str, text: &'a str) -> SearchDoc<'a> {
        SearchDoc {
            kind: Kind::Article,
            title,
            url: "/a/",
            summary: "",
            keywords: vec![],
            text,
        }
    }

    #[test]
    fn words_are_lowercased_and_cjk_is_split_per_character() {
        assert_eq!(
            words("Japan's SDF, Article 9 — 記事です"),
            ["japan", "sdf", "article", "9", "記", "事", "で", "す"]
        );
    }

    #[test]
    fn postings_are_delta_encoded_with_title_weight() {
        let docs = [
            doc("Deterrence", "alpha"),
            doc("Other", "deterrence deterrence"),
        ];
        let p = postings(&docs);
        assert_eq!(encode(&p["deterrence"]), [0, TITLE_WEIGHT, 1, 2]);
    }

    #[test]
    fn big_shards_split_by_longer_prefixes_and_every_word_is_findable() {
        let text: String = (0..6000).map(|i| format!("sa{i:05}x ")).collect();
        let docs = [doc("Sa", &text), doc("b", "beta")];
        let files = files(&docs);
        let index: serde_json::Value = serde_json::from_slice(
            &files
                .iter()
                .find(|(p, _)| p == "search/index.json")
                .unwrap()
                .1,
        )
        .unwrap();
        let shards: Vec<&str> = index["shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(shards.len() > 3, "{shards:?}");
        assert!(
            shards.contains(&"sa"),
            "the word \"sa\" keeps its own shard"
        );
        for (n, (path, bytes)) in files
            .iter()
            .filter(|(p, _)| p.starts_with("search/s"))
            .enumerate()
        {
            assert_eq!(path, &format!("search/s{n}.json"));
            assert!(bytes.len() < SHARD_BYTES * 2, "{path}: {}", bytes.len());
        }
        // Like search.js: the longest shard prefix the word starts with holds it.
        for word in ["sa03999x", "sa", "beta"] {
            let n = (0..shards.len())
                .filter(|&i| word.starts_with(shards[i]))
                .max_by_key(|&i| shards[i].len())
                .unwrap();
            let shard: serde_json::Value = serde_json::from_slice(&files[n].1).unwrap();
            assert!(
                shard.get(word).is_some(),
                "{word} not in shard {}",
                shards[n]
            );
        }
    }

    #[test]
    fn summary_falls_back_to_the_start_of_the_text() {
        let long = "word ".repeat(100);
        let s = summary(&doc("t", &long));
        assert!(
            s.ends_with('…') && s.chars().count() <= SUMMARY_CHARS + 1,
            "{s}"
        );
    }
}
