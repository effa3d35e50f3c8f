//! Client-side search: a compact index written at build time and read by `search.js`.
//!
//! A search-engine crate such as pagefind would need its own indexing pass over the
//! written HTML, a large dependency tree and a wasm runtime in the browser; kiji already
//! counts every document's words as it renders it ([`BodyWords`]), so it writes a small sharded inverted
//! index of its own. Everything lives under `search/`:
//!
//! - `index.json`: `{"v":1,"build":"…","docs":N,"chunk":C,"shards":["a","b",…]}`
//! - `d{K}.json`: documents `K*C ..` as `[kind, title, url, summary]` (`kind` is
//!   `"article"` or `"term"`); only the chunks holding results are fetched.
//! - `s{N}.json`: `{"word":[doc, weight, doc delta, weight, …], …}` for the words
//!   starting with `shards[N]`. A shard over [`SHARD_BYTES`] is split by one more
//!   character, so a query only loads the shards of its own words, however big the site.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
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
    /// The words of the body.
    pub body: &'a BodyWords,
}

/// What the index needs of a document's body, kept from when it is rendered until the
/// index is written: each distinct word once with its count, and the start of the
/// text for a summary. At 10,000 articles that is ~26 MB where the plain text was
/// ~94 MB, all of it held at the build's peak.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyWords {
    /// Per word, in order of first appearance: its length, its bytes, its count
    /// (the numbers as LEB128).
    packed: Box<[u8]>,
    /// The text's first words, whitespace-normalised, a little past what a summary
    /// shows (`summary` cuts it).
    lead: Box<str>,
}

impl BodyWords {
    pub fn of(text: &str) -> BodyWords {
        thread_local! {
            // One article's words at a time, per rendering thread: no table to
            // allocate and grow for each.
            static SCRATCH: RefCell<(Vocab, Vec<u32>, String)> =
                RefCell::new((Vocab::new(), Vec::new(), String::new()));
        }
        SCRATCH.with_borrow_mut(|(vocab, counts, buf)| {
            vocab.clear();
            counts.clear();
            each_token(text, buf, |t| {
                let n = vocab.id(t) as usize;
                if n == counts.len() {
                    counts.push(0);
                }
                counts[n] += 1;
            });
            let mut packed = Vec::with_capacity(vocab.text.len() + 3 * counts.len());
            for (n, &count) in counts.iter().enumerate() {
                let word = vocab.word(n);
                push_leb128(&mut packed, word.len() as u32);
                packed.extend_from_slice(word.as_bytes());
                push_leb128(&mut packed, count);
            }
            BodyWords {
                packed: packed.into_boxed_slice(),
                lead: lead(text).into_boxed_str(),
            }
        })
    }

    /// Each distinct word with its count.
    pub fn each(&self, mut f: impl FnMut(&str, u32)) {
        let mut rest = &self.packed[..];
        while !rest.is_empty() {
            let len = read_leb128(&mut rest) as usize;
            let (word, after) = rest.split_at(len);
            rest = after;
            let count = read_leb128(&mut rest);
            // Written from a `&str` by `of`.
            f(std::str::from_utf8(word).unwrap_or_default(), count);
        }
    }
}

fn push_leb128(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_leb128(bytes: &mut &[u8]) -> u32 {
    let mut n = 0;
    let mut shift = 0;
    while let Some((&b, rest)) = bytes.split_first() {
        *bytes = rest;
        n |= u32::from(b & 0x7F) << shift;
        shift += 7;
        if b < 0x80 {
            break;
        }
    }
    n
}

/// The whitespace-normalised text, but only as far as a summary needs it.
fn lead(text: &str) -> String {
    let mut lead = String::new();
    let mut chars = 0;
    for w in text.split_whitespace() {
        if !lead.is_empty() {
            lead.push(' ');
            chars += 1;
        }
        lead.push_str(w);
        chars += w.chars().count();
        if chars > SUMMARY_CHARS {
            break;
        }
    }
    lead
}

/// Lowercased words; every CJK character is a word of its own (those scripts do not
/// separate words with spaces). `search.js` splits queries the same way.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_token(text, &mut String::new(), |t| {
        out.push(match t {
            Token::Short(key) => key_str(&key, &mut [0; 16]).to_string(),
            Token::Long(w) => w.to_string(),
        })
    });
    out
}

/// A word as [`each_token`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// A word of up to 16 bytes, packed by [`key16`].
    Short([u64; 2]),
    Long(&'a str),
}

impl<'a> Token<'a> {
    #[inline]
    fn new(word: &'a str) -> Self {
        match key16(word.as_bytes()) {
            Some(key) => Token::Short(key),
            None => Token::Long(word),
        }
    }
}

/// A word of up to 16 bytes as two little-endian integers, zero-padded: compared and
/// hashed as such. No word has a zero byte. The loads overlap rather than copy the
/// bytes to a buffer first (which stalls the loads that follow).
#[inline]
fn key16(b: &[u8]) -> Option<[u64; 2]> {
    let n = b.len();
    let word = |i: usize| {
        u64::from_le_bytes([
            b[i],
            b[i + 1],
            b[i + 2],
            b[i + 3],
            b[i + 4],
            b[i + 5],
            b[i + 6],
            b[i + 7],
        ])
    };
    let half = |i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    Some(match n {
        0 => [0, 0],
        1 => [u64::from(b[0]), 0],
        2..4 => {
            let lo = u64::from(u16::from_le_bytes([b[0], b[1]]));
            let hi = u64::from(u16::from_le_bytes([b[n - 2], b[n - 1]]));
            [lo | hi << ((n - 2) * 8), 0]
        }
        4..8 => [half(0) | half(n - 4) << ((n - 4) * 8), 0],
        8 => [word(0), 0],
        9..=16 => [word(0), word(n - 8) >> ((16 - n) * 8)],
        _ => return None,
    })
}

/// The word packed in `key`, spelled out in `buf`.
fn key_str<'b>(key: &[u64; 2], buf: &'b mut [u8; 16]) -> &'b str {
    buf[..8].copy_from_slice(&key[0].to_le_bytes());
    buf[8..].copy_from_slice(&key[1].to_le_bytes());
    let len = buf.iter().position(|&b| b == 0).unwrap_or(16);
    std::str::from_utf8(&buf[..len]).unwrap_or_default()
}

/// Bytes looked at at once by [`each_token`].
const BLOCK: usize = 64;
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
/// Bit 0x20 of every byte: set, it lowercases an ASCII letter and leaves a digit be.
const CASE: u64 = 0x2020_2020_2020_2020;

/// The high bit of each byte of `x` (all below 0x80) that is at least `lo`.
#[inline]
fn at_least(x: u64, lo: u8) -> u64 {
    x.wrapping_add(ONES * u64::from(0x80 - lo)) & HIGH
}

/// The high bits of the bytes of `v` as the low 8 bits, first byte lowest.
#[inline]
fn movemask(v: u64) -> u64 {
    ((v >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Which bytes of `block` are ASCII letters or digits, and which are not ASCII: one bit
/// each, eight bytes at a time without branches.
#[inline]
fn block_masks(block: &[u8; BLOCK]) -> (u64, u64) {
    let mut alnum = 0;
    let mut non_ascii = 0;
    for (k, bytes) in block.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
        let high = x & HIGH;
        let x7 = x & !HIGH;
        let folded = x7 | CASE;
        let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
        let digit = at_least(x7, b'0') & !at_least(x7, b'9' + 1);
        alnum |= movemask((letter | digit) & !high) << (8 * k);
        non_ascii |= movemask(high) << (8 * k);
    }
    (alnum, non_ascii)
}

/// Calls `f` with each of [`words`]`(text)` in turn, without allocating.
///
/// ASCII text goes [`BLOCK`] bytes at a time: bit masks of its letters and digits give
/// the words, each packed into a key straight from the bytes and lowercased by setting
/// bit 0x20 (which a digit has already). Around other characters, and for words too
/// long for a block, [`each_char`] takes over until the next word boundary.
fn each_token(text: &str, word: &mut String, mut f: impl FnMut(Token<'_>)) {
    let bytes = text.as_bytes();
    word.clear();
    // The last blocks are copied here, with zeros to load 16 bytes from anywhere in them.
    let mut pad = [0u8; BLOCK + 16];
    let mut i = 0;
    while i < bytes.len() {
        let src: &[u8; BLOCK + 16] = match bytes.get(i..i + BLOCK + 16) {
            Some(b) => b.try_into().unwrap_or(&[0; BLOCK + 16]),
            None => {
                let n = (bytes.len() - i).min(BLOCK);
                pad[..n].copy_from_slice(&bytes[i..i + n]);
                pad[n..BLOCK].fill(0);
                &pad
            }
        };
        let block: &[u8; BLOCK] = src[..BLOCK].try_into().unwrap_or(&[0; BLOCK]);
        let (alnum, non_ascii) = block_masks(block);
        // Words reaching this byte (not ASCII, or past the block) are left to the next round.
        let stop = non_ascii.trailing_zeros() as usize;
        let mut rest = alnum;
        let mut next = i + stop;
        while rest != 0 {
            let s = rest.trailing_zeros() as usize;
            let len = (!(rest >> s)).trailing_zeros() as usize;
            if s + len >= stop {
                next = i + s.min(stop);
                break;
            }
            if len <= 16 {
                let load =
                    |at: usize| u64::from_le_bytes(src[at..at + 8].try_into().unwrap_or_default());
                let lo_mask = u64::MAX >> (64 - 8 * len.min(8));
                let hi_mask = ((1u128 << (8 * len.saturating_sub(8))) - 1) as u64;
                let key = [(load(s) | CASE) & lo_mask, (load(s + 8) | CASE) & hi_mask];
                // Single letters are dropped, single digits kept (see `keep`).
                if len > 1 || block[s].is_ascii_digit() {
                    f(Token::Short(key));
                }
            } else {
                let w = &text[i + s..i + s + len];
                if w.bytes().any(|b| b.is_ascii_uppercase()) {
                    word.push_str(w);
                    word.make_ascii_lowercase();
                    f(Token::Long(word));
                    word.clear();
                } else {
                    f(Token::Long(w));
                }
            }
            rest &= u64::MAX << (s + len);
        }
        if stop < BLOCK || next == i {
            // A character that is not ASCII, or a word as long as the block.
            i = each_char(text, next, next.max(i + stop) + 1, word, &mut f);
        } else {
            i = next;
        }
    }
    flush(word, &mut f);
}

/// Tokenises `text` from `i` a character at a time, until past `limit` and between
/// words; returns where it stopped. `word` holds the lowercased word in progress.
fn each_char(
    text: &str,
    mut i: usize,
    limit: usize,
    word: &mut String,
    f: &mut impl FnMut(Token<'_>),
) -> usize {
    let bytes = text.as_bytes();
    while i < bytes.len() && (i < limit || !word.is_empty()) {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let from = word.len();
            word.push_str(&text[start..i]);
            word[from..].make_ascii_lowercase();
        } else if b.is_ascii() {
            flush(word, f);
            i += 1;
        } else {
            let c = text[i..].chars().next().unwrap_or_default();
            i += c.len_utf8();
            if is_cjk(c) {
                flush(word, f);
                f(Token::new(c.encode_utf8(&mut [0; 4])));
            } else if c.is_alphanumeric() {
                word.extend(c.to_lowercase());
            } else {
                flush(word, f);
            }
        }
    }
    i
}

fn flush(word: &mut String, f: &mut impl FnMut(Token<'_>)) {
    if keep(word) {
        f(Token::new(word));
    }
    word.clear();
}

/// Single letters ("s" of "Japan's") only bloat the index; single digits are kept ("Article 9").
fn keep(word: &str) -> bool {
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (None, _) => false,
        (Some(c), None) => c.is_numeric(),
        (Some(_), Some(_)) => true,
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // hangul syllables
        | 0xF900..=0xFAFF) // CJK compatibility ideographs
}

/// Word → number, for the words of a chunk of documents. Short words (nearly all) are
/// found through a small open-addressed table of numbers and compared by key; long
/// words go through a map.
struct Vocab {
    /// Word numbers, [`FREE`] where there is none.
    table: Vec<u32>,
    /// By number: the word's key, `[0, 0]` for a long word.
    keys: Vec<[u64; 2]>,
    long: FxHashMap<Box<str>, u32>,
    /// The words by number, one after another, word `n` ending at `ends[n]`.
    text: String,
    ends: Vec<usize>,
}

const FREE: u32 = u32::MAX;

impl Vocab {
    fn new() -> Self {
        Vocab {
            table: vec![FREE; 1024],
            keys: Vec::new(),
            long: FxHashMap::default(),
            text: String::new(),
            ends: Vec::new(),
        }
    }

    /// Empty again, keeping its buffers (a table grown for a very long text is let go).
    fn clear(&mut self) {
        if self.table.len() > 8 * 1024 {
            *self = Vocab::new();
            return;
        }
        self.table.fill(FREE);
        self.keys.clear();
        self.long.clear();
        self.text.clear();
        self.ends.clear();
    }

    fn word(&self, n: usize) -> &str {
        let start = if n == 0 { 0 } else { self.ends[n - 1] };
        &self.text[start..self.ends[n]]
    }

    fn push(&mut self, w: &str, key: [u64; 2]) -> u32 {
        let n = self.ends.len() as u32;
        self.text.push_str(w);
        self.ends.push(self.text.len());
        self.keys.push(key);
        n
    }

    /// The number of the word, a new one the first time.
    #[inline]
    fn id(&mut self, token: Token<'_>) -> u32 {
        let key = match token {
            Token::Short(key) => key,
            Token::Long(w) => {
                if let Some(&n) = self.long.get(w) {
                    return n;
                }
                let n = self.push(w, [0; 2]);
                self.long.insert(w.into(), n);
                return n;
            }
        };
        let mask = self.table.len() - 1;
        let mut i = slot_hash(key) & mask;
        loop {
            let n = self.table[i];
            if n == FREE {
                let n = self.push(key_str(&key, &mut [0; 16]), key);
                self.table[i] = n;
                if self.keys.len() * 2 > self.table.len() {
                    self.grow();
                }
                return n;
            }
            if self.keys[n as usize] == key {
                return n;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        self.table = vec![FREE; self.table.len() * 2];
        let mask = self.table.len() - 1;
        for (n, &key) in (0u32..).zip(&self.keys) {
            if key == [0; 2] {
                continue;
            }
            let mut i = slot_hash(key) & mask;
            while self.table[i] != FREE {
                i = (i + 1) & mask;
            }
            self.table[i] = n;
        }
    }
}

#[inline]
fn slot_hash(key: [u64; 2]) -> usize {
    let h =
        (key[0].wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ key[1]).wrapping_mul(0xF135_7AEA_2E62_A9C5);
    (h >> 32) as usize
}

/// The words of a run of consecutive documents.
struct Chunk {
    vocab: Vocab,
    /// By word number: (document, weight), documents in increasing order.
    postings: Vec<Vec<(u32, u32)>>,
}

/// Tokenises `docs` (numbered from `first`) into one vocabulary, counting each
/// document's words in a dense array instead of a map per document.
fn index_chunk(first: u32, docs: &[SearchDoc<'_>]) -> Chunk {
    let mut vocab = Vocab::new();
    // By word number: the weight in the current document.
    let mut counts: Vec<u32> = Vec::new();
    // The document's words, `seen[..seen_len]`. Every word is written at `seen_len`,
    // which only moves on for a word new to the document: a branch instead would be
    // mispredicted for about one word in five. One longer than `counts`: always room.
    let mut seen: Vec<u32> = vec![0];
    let mut seen_len = 0;
    let mut postings: Vec<Vec<(u32, u32)>> = Vec::new();
    let mut buf = String::new();
    for (id, doc) in (first..).zip(docs) {
        let mut count = |t: Token<'_>, weight: u32| {
            let n = vocab.id(t) as usize;
            if n == counts.len() {
                counts.push(0);
                seen.push(0);
            }
            let count = &mut counts[n];
            seen[seen_len] = n as u32;
            seen_len += usize::from(*count == 0);
            *count += weight;
        };
        each_token(doc.title, &mut buf, |t| count(t, TITLE_WEIGHT));
        for k in &doc.keywords {
            each_token(k, &mut buf, |t| count(t, TITLE_WEIGHT));
        }
        doc.body.each(|word, n| count(Token::new(word), n));
        postings.resize_with(counts.len(), Vec::new);
        for &n in &seen[..std::mem::take(&mut seen_len)] {
            let weight = std::mem::take(&mut counts[n as usize]);
            postings[n as usize].push((id, weight));
        }
    }
    Chunk { vocab, postings }
}

/// Documents are tokenised in parallel, in chunks of consecutive documents;
/// chunks are at least this big so that a small site is one chunk.
const MIN_CHUNK_DOCS: usize = 256;

fn index_chunks(docs: &[SearchDoc<'_>]) -> Vec<Chunk> {
    let size = docs
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(MIN_CHUNK_DOCS);
    docs.par_chunks(size)
        .enumerate()
        .map(|(k, chunk)| index_chunk((k * size) as u32, chunk))
        .collect()
}

/// One word of the index with its postings: the lists of consecutive chunks, so in
/// increasing document order without sorting or copying them.
struct Postings<'a> {
    word: &'a str,
    pieces: Vec<&'a [(u32, u32)]>,
    /// [`entry_bytes`] of the word's entry.
    bytes: usize,
}

impl Postings<'_> {
    /// Calls `f` with each (doc delta, weight): the list is written as
    /// `[doc, weight, doc delta, weight, …]`, deltas keep the numbers, and the JSON, short.
    #[inline]
    fn each_delta(&self, mut f: impl FnMut(u32, u32)) {
        let mut previous = 0;
        for piece in &self.pieces {
            for &(doc, weight) in *piece {
                f(doc - previous, weight);
                previous = doc;
            }
        }
    }
}

/// Every word of `chunks`, sorted (byte order, as the `BTreeMap` of a JSON object).
fn postings(chunks: &[Chunk]) -> Vec<Postings<'_>> {
    // Numbered again across chunks, with the same kind of table.
    let mut all = Vocab::new();
    let mut list: Vec<Postings<'_>> = Vec::new();
    for chunk in chunks {
        for (n, pieces) in chunk.postings.iter().enumerate() {
            let word = chunk.vocab.word(n);
            let token = match chunk.vocab.keys[n] {
                [0, 0] => Token::Long(word),
                key => Token::Short(key),
            };
            let id = all.id(token) as usize;
            if id == list.len() {
                list.push(Postings {
                    word,
                    pieces: Vec::new(),
                    bytes: 0,
                });
            }
            list[id].pieces.push(pieces);
        }
    }
    list.par_sort_unstable_by(|a, b| a.word.cmp(b.word));
    list.par_iter_mut().for_each(|p| p.bytes = entry_bytes(p));
    list
}

/// The size of the word's entry in a shard, give or take a comma.
fn entry_bytes(p: &Postings<'_>) -> usize {
    let mut bytes = p.word.len() + 5;
    p.each_delta(|delta, weight| bytes += digits(delta) + digits(weight) + 2);
    bytes
}

fn digits(n: u32) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The first `len` characters of `word` (all of it if shorter).
fn prefix(word: &str, len: usize) -> &str {
    match word.char_indices().nth(len) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

/// Groups sorted entries (indices into `words`) by their first `len` characters,
/// splitting big groups further. Starting from `len = 0` keeps a small site's whole
/// index in one shard named "".
fn shard<'a>(
    words: &[Postings<'a>],
    entries: Vec<u32>,
    len: usize,
    out: &mut Vec<(&'a str, Vec<u32>)>,
) {
    let mut groups: Vec<(&'a str, Vec<u32>)> = Vec::new();
    for e in entries {
        let key = prefix(words[e as usize].word, len);
        match groups.last_mut() {
            Some((k, list)) if *k == key => list.push(e),
            _ => groups.push((key, vec![e])),
        }
    }
    let chars = |e: &u32| words[*e as usize].word.chars().count();
    for (key, list) in groups {
        let size: usize = list.iter().map(|&e| words[e as usize].bytes).sum();
        let longer = list.iter().any(|e| chars(e) > len);
        if size > SHARD_BYTES && len < MAX_PREFIX && longer {
            // Words no longer than the prefix stay in a shard named by the prefix itself.
            let (short, long): (Vec<u32>, Vec<u32>) =
                list.into_iter().partition(|e| chars(e) <= len);
            if !short.is_empty() {
                out.push((key, short));
            }
            shard(words, long, len + 1, out);
        } else {
            out.push((key, list));
        }
    }
}

/// `{"word":[…],…}` with the bytes `serde_json::to_vec` gives a `Map` of the entries
/// (compact, keys in the order given, which is sorted).
fn shard_json(words: &[Postings<'_>], list: &[u32]) -> Vec<u8> {
    let size: usize = list.iter().map(|&e| words[e as usize].bytes).sum();
    let mut out = Vec::with_capacity(size + 2);
    out.push(b'{');
    for (i, &e) in list.iter().enumerate() {
        let p = &words[e as usize];
        if i > 0 {
            out.push(b',');
        }
        // serde_json's own string escaping, as for a map key.
        serde_json::to_writer(&mut out, p.word).unwrap_or_default();
        out.extend_from_slice(b":[");
        p.each_delta(|delta, weight| {
            write_u32(&mut out, delta);
            out.push(b',');
            write_u32(&mut out, weight);
            out.push(b',');
        });
        // Every word has a posting: the last comma closes the list.
        if let Some(last) = out.last_mut() {
            *last = b']';
        }
    }
    out.push(b'}');
    out
}

fn write_u32(out: &mut Vec<u8>, mut n: u32) {
    // Weights and most deltas are small.
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    if n < 100 {
        out.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
        return;
    }
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn summary(doc: &SearchDoc<'_>) -> String {
    if !doc.summary.trim().is_empty() {
        return doc.summary.trim().to_string();
    }
    let text = &*doc.body.lead;
    if text.chars().count() <= SUMMARY_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(SUMMARY_CHARS).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

/// Every file of the index, as (path under the site root, bytes).
pub fn files(docs: &[SearchDoc<'_>]) -> Vec<(String, Vec<u8>)> {
    let chunks = index_chunks(docs);
    let words = postings(&chunks);
    let mut shards = Vec::new();
    shard(&words, (0..words.len() as u32).collect(), 0, &mut shards);
    let mut out: Vec<(String, Vec<u8>)> = shards
        .par_iter()
        .enumerate()
        .map(|(n, (_, list))| (format!("{DIR}s{n}.json"), shard_json(&words, list)))
        .collect();
    let doc_files: Vec<(String, Vec<u8>)> = docs
        .par_chunks(DOC_CHUNK)
        .enumerate()
        .map(|(k, chunk)| {
            // A tuple is written as the same JSON array as `json!([…])`.
            let list: Vec<(&str, &str, &str, String)> = chunk
                .iter()
                .map(|d| {
                    let kind = match d.kind {
                        Kind::Article => "article",
                        Kind::Term => "term",
                    };
                    (kind, d.title, d.url, summary(d))
                })
                .collect();
            (format!("{DIR}d{k}.json"), json_bytes(&list))
        })
        .collect();
    out.extend(doc_files);
    let index = json!({
        "v": 1,
        "build": build_id(&out),
        "docs": docs.len(),
        "chunk": DOC_CHUNK,
        "shards": shards.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
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

    fn doc<'a>(title: &'a str, body: &'a BodyWords) -> SearchDoc<'a> {
        SearchDoc {
            kind: Kind::Article,
            title,
            url: "/a/",
            summary: "",
            keywords: vec![],
            body,
        }
    }

    /// The words of `text` and how often each occurs, as `BodyWords` keeps them.
    fn counted(body: &BodyWords) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        body.each(|w, n| out.push((w.to_string(), n)));
        out
    }

    #[test]
    fn body_words_are_the_distinct_words_with_their_counts() {
        let text = format!(
            "Alliance alliance ALLIANCE treaty {} 東京",
            "ab ".repeat(300)
        );
        assert_eq!(
            counted(&BodyWords::of(&text)),
            [
                ("alliance".to_string(), 3),
                ("treaty".to_string(), 1),
                ("ab".to_string(), 300),
                ("東".to_string(), 1),
                ("京".to_string(), 1),
            ]
        );
        let long = "Extraordinarilylongword ".repeat(200);
        assert_eq!(
            counted(&BodyWords::of(&long)),
            [("extraordinarilylongword".to_string(), 200)]
        );
        assert_eq!(counted(&BodyWords::of("")), []);
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
        let bodies = [
            BodyWords::of("alpha"),
            BodyWords::of("deterrence deterrence"),
        ];
        let docs = [doc("Deterrence", &bodies[0]), doc("Other", &bodies[1])];
        let chunks = index_chunks(&docs);
        let p = postings(&chunks);
        let entry = p.iter().find(|p| p.word == "deterrence").unwrap();
        let mut list = Vec::new();
        entry.each_delta(|d, w| list.extend([d, w]));
        assert_eq!(list, [0, TITLE_WEIGHT, 1, 2]);
    }

    #[test]
    fn big_shards_split_by_longer_prefixes_and_every_word_is_findable() {
        let text: String = (0..6000).map(|i| format!("sa{i:05}x ")).collect();
        let bodies = [BodyWords::of(&text), BodyWords::of("beta")];
        let docs = [doc("Sa", &bodies[0]), doc("b", &bodies[1])];
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
        let s = summary(&doc("t", &BodyWords::of(&long)));
        assert!(
            s.ends_with('…') && s.chars().count() <= SUMMARY_CHARS + 1,
            "{s}"
        );
    }

    #[test]
    fn words_fold_unicode_and_split_cjk_like_before() {
        for text in [
            "Ärger Straße İstanbul",
            "ǅemal ΣΊΣΥΦΟΣ ﬁnal",
            "東京都の記事です 서울 カタカナ",
            "Article 9, 9th, 2024-05-01, ٣ ² ½ x",
            "don’t café naïve résumé coöperate",
            "a b c I A 1 22 Z",
            "",
            "   ...   ",
        ] {
            assert_eq!(words(text), reference::words(text), "{text:?}");
        }
        assert_eq!(
            words("Ärger Straße İstanbul"),
            ["ärger", "straße", "i̇stanbul"]
        );
        assert_eq!(words("東京 ab"), ["東", "京", "ab"]);
    }

    #[test]
    fn words_across_block_boundaries_and_long_words() {
        // Words ending, starting and straddling the 64-byte blocks, and words of 15 to
        // 17 bytes and longer than a block, next to ASCII and other characters.
        let mut texts = Vec::new();
        for pad in 0..70 {
            for word in [
                "abcdefghijklmno",
                "ABCDEFGHIJKLMNOP",
                "abcdefghijklmnopq",
                &"Xy".repeat(40),
                &"z".repeat(130),
                "Ärger",
                "straßeN",
                "記",
            ] {
                for sep in [" ", "é", "—", "", "9"] {
                    texts.push(format!("{}{sep}{word}{sep}{word} q", "a".repeat(pad)));
                    texts.push(format!("{} {word}{sep}", "B ".repeat(pad)));
                }
            }
        }
        for text in &texts {
            assert_eq!(words(text), reference::words(text), "{text:?}");
        }
    }

    #[test]
    fn keys_round_trip() {
        for w in [
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefgh",
            "abcdefghi",
            "straße",
            "記",
        ] {
            let key = key16(w.as_bytes()).unwrap();
            assert_eq!(key_str(&key, &mut [0; 16]), w);
        }
        let w = "abcdefghijklmnop";
        assert_eq!(key_str(&key16(w.as_bytes()).unwrap(), &mut [0; 16]), w);
        assert_eq!(key16(b"abcdefghijklmnopq"), None);
    }

    /// Enough documents for several chunks and shards split to the longest prefix,
    /// with words of every length class and some non-ASCII text.
    fn generated_docs(n: usize, seed: u64) -> Vec<(String, String, Vec<String>)> {
        let mut state = seed;
        let mut next = move |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let stems = [
            "deterrence",
            "Treaty",
            "alliance",
            "coast",
            "sa",
            "sb",
            "sc",
            "Ärger",
            "straße",
            "東京",
            "İstanbul",
            "a",
            "9",
            "extraordinarilylongword",
        ];
        (0..n)
            .map(|_| {
                let mut text = String::new();
                for _ in 0..next(300) {
                    let stem = stems[next(stems.len() as u64) as usize];
                    text.push_str(stem);
                    if next(3) == 0 {
                        text.push_str(&next(100_000).to_string());
                    }
                    text.push_str([" ", ", ", ". ", "—", "\n"][next(5) as usize]);
                }
                let title = format!("{} {}", stems[next(14) as usize], next(1000));
                let keywords = (0..next(3)).map(|k| format!("Tag{k}")).collect();
                (title, text, keywords)
            })
            .collect()
    }

    fn bodies(raw: &[(String, String, Vec<String>)]) -> Vec<BodyWords> {
        raw.iter().map(|(_, text, _)| BodyWords::of(text)).collect()
    }

    fn texts(raw: &[(String, String, Vec<String>)]) -> Vec<&str> {
        raw.iter().map(|(_, text, _)| text.as_str()).collect()
    }

    fn as_docs<'a>(
        raw: &'a [(String, String, Vec<String>)],
        bodies: &'a [BodyWords],
    ) -> Vec<SearchDoc<'a>> {
        raw.iter()
            .zip(bodies)
            .enumerate()
            .map(|(i, ((title, _, keywords), body))| SearchDoc {
                kind: if i % 7 == 0 {
                    Kind::Term
                } else {
                    Kind::Article
                },
                title,
                url: "/x/",
                summary: if i % 5 == 0 { "  Given summary " } else { "" },
                keywords: keywords.iter().map(String::as_str).collect(),
                body,
            })
            .collect()
    }

    #[test]
    fn files_are_byte_identical_to_the_reference() {
        let raw = generated_docs(1500, 7);
        let bodies = bodies(&raw);
        let docs = as_docs(&raw, &bodies);
        assert!(index_chunks(&docs).len() > 1, "several chunks");
        let new = files(&docs);
        let old = reference::files(&docs, &texts(&raw));
        let index = String::from_utf8_lossy(&new.last().unwrap().1).into_owned();
        assert!(
            index.contains("\"sa0"),
            "shards split to longer prefixes: {index}"
        );
        assert_eq!(
            new.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            old.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
        for ((path, a), (_, b)) in new.iter().zip(&old) {
            assert!(a == b, "{path} differs");
        }
        assert!(files(&[]) == reference::files(&[], &[]));
    }

    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9 .,'\n-]{0,200}",
            "[a-zA-Z0-9 ÄäßİıΣσςǅ記한カ٣²½é\u{301}—😀]{0,200}",
            prop::collection::vec("[a-zA-Z]{0,20}[ é,]", 0..40).prop_map(|v| v.concat()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn words_match_the_reference(s in text()) {
            prop_assert_eq!(words(&s), reference::words(&s));
        }

        #[test]
        fn files_match_the_reference(
            raw in prop::collection::vec((text(), text(), prop::collection::vec(text(), 0..3)), 0..12)
        ) {
            let bodies = bodies(&raw);
            let docs = as_docs(&raw, &bodies);
            prop_assert!(files(&docs) == reference::files(&docs, &texts(&raw)));
        }
    }

    /// The index as it was written before the tokeniser and index were made fast,
    /// kept to check that every byte stays the same.
    mod reference {
        use super::super::{
            build_id, json_bytes, Kind, SearchDoc, DIR, DOC_CHUNK, MAX_PREFIX, SHARD_BYTES,
            SUMMARY_CHARS, TITLE_WEIGHT,
        };
        use super::is_cjk;
        use rustc_hash::FxHashMap;
        use serde_json::json;
        use std::collections::BTreeMap;

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
            let keep = word.chars().count() > 1 || word.chars().all(|c| c.is_numeric());
            if !word.is_empty() && keep {
                out.push(std::mem::take(word));
            }
            word.clear();
        }

        type Postings = BTreeMap<String, Vec<(u32, u32)>>;

        fn document_words(doc: &SearchDoc<'_>, text: &str) -> FxHashMap<String, u32> {
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
            add(text, 1);
            counts
        }

        fn postings(docs: &[SearchDoc<'_>], texts: &[&str]) -> Postings {
            let per_doc: Vec<FxHashMap<String, u32>> = docs
                .iter()
                .zip(texts)
                .map(|(d, t)| document_words(d, t))
                .collect();
            let mut map: FxHashMap<String, Vec<(u32, u32)>> = FxHashMap::default();
            for (id, counts) in (0u32..).zip(per_doc) {
                for (word, weight) in counts {
                    map.entry(word).or_default().push((id, weight));
                }
            }
            map.into_iter().collect()
        }

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

        fn summary(doc: &SearchDoc<'_>, text: &str) -> String {
            if !doc.summary.trim().is_empty() {
                return doc.summary.trim().to_string();
            }
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.chars().count() <= SUMMARY_CHARS {
                return text;
            }
            let cut: String = text.chars().take(SUMMARY_CHARS).collect();
            match cut.rfind(' ') {
                Some(i) => format!("{}…", &cut[..i]),
                None => format!("{cut}…"),
            }
        }

        pub fn files(docs: &[SearchDoc<'_>], texts: &[&str]) -> Vec<(String, Vec<u8>)> {
            let entries: Vec<Entry> = postings(docs, texts)
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
            for (k, (chunk, texts)) in docs
                .chunks(DOC_CHUNK)
                .zip(texts.chunks(DOC_CHUNK))
                .enumerate()
            {
                let list: Vec<serde_json::Value> = chunk
                    .iter()
                    .zip(texts)
                    .map(|(d, text)| {
                        let kind = match d.kind {
                            Kind::Article => "article",
                            Kind::Term => "term",
                        };
                        json!([kind, d.title, d.url, summary(d, text)])
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
    }
}
