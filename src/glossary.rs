//! Link: find mentions of glossary terms in comrak's AST and turn them into links.
//!
//! Mentions are found in one pass per run of text, whatever the number of terms: only
//! where a word begins that is the first word of some name (`Starts`) are the names
//! that begin with it compared with the text, or, when many names share that word, one
//! Aho-Corasick automaton over every term name and alias run, anchored there, for as
//! long as the text is the beginning of a name. Mentions are matched
//! as whole words, longest first, across soft line breaks, and never inside code,
//! links, headings, image alt text or raw HTML (those are not `Text` nodes, or are
//! skipped by their ancestors).

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa, nfa, Anchored, MatchKind, StartKind};
use comrak::nodes::{AstNode, NodeValue};
use comrak::Arena;
use rustc_hash::FxHashMap;

use crate::config::LinkMode;
use crate::html::escape;

/// What the linker needs to know of one term.
#[derive(Debug, Clone)]
pub struct TermInfo {
    pub slug: String,
    pub name: String,
    /// Plain-text short definition, shown as the tooltip.
    pub tip: String,
    /// Where the link goes, base path included.
    pub href: String,
}

#[derive(Debug)]
struct Pattern {
    term: usize,
    case_sensitive: bool,
    text: String,
}

/// The compiled glossary: built once per build, shared by every page.
#[derive(Debug, Default)]
pub struct Glossary {
    pub terms: Vec<TermInfo>,
    /// Per term, HTML-escaped once: href, name, tooltip.
    escaped: Vec<[String; 3]>,
    patterns: Vec<Pattern>,
    /// Built on first use: only first words shared by many names, and names that begin
    /// with no word, need it (the generated 10,000-article corpus never does).
    matcher: OnceLock<Matcher>,
    starts: Starts,
    /// Every name and alias, whitespace-normalised and lowercased, for explicit `[[Term]]` links.
    by_name: HashMap<String, usize>,
}

/// Acronyms (two or more capitals, no lowercase) match with exact case by default.
pub fn is_acronym(text: &str) -> bool {
    let upper = text.chars().filter(|c| c.is_uppercase()).count();
    upper >= 2 && !text.chars().any(|c| c.is_lowercase())
}

fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One term as the glossary is built from it: its info, names and case rule.
pub struct TermSpec {
    pub info: TermInfo,
    pub names: Vec<String>,
    pub case_sensitive: Option<bool>,
}

impl Glossary {
    pub fn new(specs: Vec<TermSpec>) -> Glossary {
        let mut terms = Vec::with_capacity(specs.len());
        let mut patterns = Vec::new();
        let mut by_name = HashMap::new();
        for (i, spec) in specs.into_iter().enumerate() {
            for name in &spec.names {
                let text = normalize_space(name);
                if text.is_empty() {
                    continue;
                }
                by_name.entry(text.to_lowercase()).or_insert(i);
                let case_sensitive = spec.case_sensitive.unwrap_or_else(|| is_acronym(&text));
                patterns.push(Pattern {
                    term: i,
                    case_sensitive,
                    text,
                });
            }
            terms.push(spec.info);
        }
        let starts = Starts::new(&patterns);
        let escaped = terms
            .iter()
            .map(|t: &TermInfo| [escape(&t.href), escape(&t.name), escape(&t.tip)])
            .collect();
        Glossary {
            terms,
            escaped,
            patterns,
            matcher: OnceLock::new(),
            starts,
            by_name,
        }
    }

    /// The term a name or alias refers to, ignoring case and spacing.
    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.by_name
            .get(&normalize_space(name).to_lowercase())
            .copied()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Every mention in `haystack` as (start, end, term), whole words only, left to right:
    /// of the valid matches, the leftmost wins, and of those starting there the longest
    /// (then the name listed first).
    ///
    /// A mention starts where a word may: at the start, or after a character that is
    /// not part of a word. The text is read a word at a time, and names are looked for
    /// only from a word that is the first word of some name ([`Starts`]), or from a
    /// character that begins a name that does not begin with a word. Case and the word
    /// boundary at the end are checked for each name that fits there, longest first, so
    /// a longer name that fails ("Japan Coast Guard" in "Japan Coast Guardsmen") still
    /// leaves the shorter one that fits ("Japan").
    pub fn find_mentions(&self, haystack: &str) -> Vec<(usize, usize, usize)> {
        let mut found = Vec::new();
        if self.patterns.is_empty() {
            return found;
        }
        let bytes = haystack.as_bytes();
        // Where the last mention ended: mentions do not overlap.
        let mut free_from = 0;
        let mut at = 0;
        while at < bytes.len() {
            // Here the last character, if any, is not part of a word: words are read whole.
            let (is_word, len) = char_at(haystack, at);
            let start = at;
            let longest = if is_word {
                at = word_end(haystack, at + len);
                let key = word_key(bytes, start, at);
                (start >= free_from && self.starts.words.get(key))
                    .then(|| self.longest_from_word(haystack, start, key))
            } else {
                at += len;
                (start >= free_from && self.starts.other[usize::from(bytes[start])])
                    .then(|| self.longest_at(haystack, start))
            };
            if let Some(Some((end, index))) = longest {
                found.push((start, end, self.patterns[index].term));
                free_from = end;
            }
            if is_word {
                // Skip what follows the word until a word may begin again: no mention
                // starts inside a word, nor right after one.
                if at < bytes.len() {
                    let (_, len) = char_at(haystack, at);
                    at += len;
                }
            }
        }
        found
    }

    /// `longest_at` where a word begins whose key is `key`: the names that begin with
    /// it are compared in place, longest first, unless there are many of them.
    #[inline]
    fn longest_from_word(&self, haystack: &str, start: usize, key: u64) -> Option<(usize, usize)> {
        let text = &haystack.as_bytes()[start..];
        match self.starts.by_word.get(&key)? {
            Candidates::Few(names) => names.iter().find_map(|&index| {
                let name = self.patterns[index as usize].text.as_bytes();
                let end = start + name.len();
                (text.get(..name.len())?.eq_ignore_ascii_case(name)
                    && self.is_valid(haystack, start, end, index as usize))
                .then_some((end, index as usize))
            }),
            Candidates::Many => self.longest_at(haystack, start),
        }
    }

    /// The longest valid name at `start` (then the one listed first), as (end, pattern).
    #[inline]
    fn longest_at(&self, haystack: &str, start: usize) -> Option<(usize, usize)> {
        match self.matcher.get_or_init(|| Matcher::new(&self.patterns)) {
            Matcher::Dfa(a) => self.walk(a, haystack, start),
            Matcher::Nfa(a) => self.walk(a, haystack, start),
        }
    }

    /// Runs the automaton from `start`, anchored, while the text is the beginning of
    /// some name, and keeps the longest valid name that ends on the way.
    fn walk<A: Automaton>(&self, aut: &A, haystack: &str, start: usize) -> Option<(usize, usize)> {
        let mut state = aut.start_state(Anchored::Yes).ok()?;
        let mut best: Option<(usize, usize)> = None;
        for (at, &byte) in haystack.as_bytes().iter().enumerate().skip(start) {
            state = aut.next_state(Anchored::Yes, state, byte);
            if !aut.is_special(state) {
                continue;
            }
            if aut.is_dead(state) {
                break;
            }
            if !aut.is_match(state) {
                continue;
            }
            let end = at + 1;
            for k in 0..aut.match_len(state) {
                let pattern = aut.match_pattern(state, k);
                let index = pattern.as_usize();
                // Match states also carry the names that end here but began later
                // (suffixes): only those beginning at `start` count.
                if end - aut.pattern_len(pattern) != start
                    || best.is_some_and(|(e, i)| e == end && i < index)
                {
                    continue;
                }
                if self.is_valid(haystack, start, end, index) {
                    best = Some((end, index));
                }
            }
        }
        best
    }

    /// Whether the name `index` found at `start..end` is a mention: in its case, if it
    /// keeps one, and not followed by more of a word ("AOD" in "AODX").
    fn is_valid(&self, haystack: &str, start: usize, end: usize, index: usize) -> bool {
        let pattern = &self.patterns[index];
        (!pattern.case_sensitive || haystack[start..end] == pattern.text)
            && is_word_boundary(haystack, start, end)
    }
}

/// How names begin, so that names are looked for only where one may begin.
///
/// Nearly every word of a text is no name's first word, and is turned away by a bit
/// table (8 KB up to 4,096 names, which stays in the L1 cache). A test on a word's
/// first three bytes instead let through every word that began like a short name
/// ("de…" for "DE"): 1.95 million automaton walks at 10,000 generated articles. At
/// 1,000, 88,000 words are some name's first word, and 74,000 of them mentions. They
/// are compared with the few names they begin: the automaton's table is megabytes, and
/// each of its steps was a likely cache miss.
struct Starts {
    /// The first words of names (their longest beginning of word characters, ASCII
    /// letters folded to lower case as the automaton matches them), by hash: a
    /// collision only costs a walk that finds nothing.
    words: Bits,
    /// The first bytes of names that begin with no word ("-a", "(x)"), in either case.
    other: [bool; 256],
    /// By the key of their first word: the names that begin with it.
    by_word: FxHashMap<u64, Candidates>,
}

/// The names a word may begin.
enum Candidates {
    /// A few, as indexes into the patterns, longest first (then in order): each is
    /// compared with the text, which is faster than stepping through the automaton's
    /// megabytes of table (a likely cache miss per byte).
    Few(Vec<u32>),
    /// Too many to compare one by one ("concept …" in benches/linking.rs): the
    /// automaton is run.
    Many,
}

/// Up to this many names that share a first word are compared one by one.
const FEW: usize = 8;

impl Default for Starts {
    fn default() -> Self {
        Starts::new(&[])
    }
}

impl std::fmt::Debug for Starts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Starts")
    }
}

impl Starts {
    fn new(patterns: &[Pattern]) -> Starts {
        let mut starts = Starts {
            // Sixteen bits per name keep false positives near 1 in 16 per word at most.
            words: Bits::with_capacity(patterns.len() * 16),
            other: [false; 256],
            by_word: FxHashMap::default(),
        };
        let mut by_word: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        for (index, p) in patterns.iter().enumerate() {
            let first_word = p
                .text
                .char_indices()
                .find(|&(_, c)| !is_word_char(c))
                .map_or(p.text.as_str(), |(end, _)| &p.text[..end]);
            if first_word.is_empty() {
                let b = p.text.as_bytes()[0];
                for b in [b, b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                    starts.other[usize::from(b)] = true;
                }
            } else {
                let key = word_key(first_word.as_bytes(), 0, first_word.len());
                starts.words.set(key);
                by_word.entry(key).or_default().push(index as u32);
            }
        }
        starts.by_word = by_word
            .into_iter()
            .map(|(key, mut names)| {
                if names.len() > FEW {
                    return (key, Candidates::Many);
                }
                // Longest first, then in order: the first that fits is the one to take.
                names.sort_by_key(|&i| (std::cmp::Reverse(patterns[i as usize].text.len()), i));
                (key, Candidates::Few(names))
            })
            .collect();
        starts
    }
}

/// A hash of the word `bytes[start..end]` from its length and its first and last
/// eight bytes, ASCII letters folded to lower case as the automaton matches them:
/// finding the word's end is the only work per byte.
#[inline]
fn word_key(bytes: &[u8], start: usize, end: usize) -> u64 {
    let n = end - start;
    let head = folded_u64(bytes, start, n.min(8));
    let tail = if n > 8 {
        folded_u64(bytes, end - 8, 8)
    } else {
        0
    };
    let mixed = (head ^ (n as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ tail;
    mixed.wrapping_mul(0xD6E8_FEB8_6659_FD93)
}

/// The `len` (up to eight) bytes at `at`, little-endian, ASCII letters folded.
#[inline]
fn folded_u64(bytes: &[u8], at: usize, len: usize) -> u64 {
    let word = match bytes.get(at..at + 8) {
        // One load where the text goes on far enough, the bytes past `len` masked off.
        Some(eight) => {
            let all = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
            all & (u64::MAX >> (64 - 8 * len))
        }
        None => bytes[at..at + len]
            .iter()
            .rev()
            .fold(0, |key, &b| key << 8 | u64::from(b)),
    };
    fold_ascii(word)
}

/// Eight bytes with their ASCII capitals made small, all at once.
#[inline]
fn fold_ascii(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let low7 = word & !HIGH;
    // Per byte, no carries: the high bit of low7 + (0x80 - c) is set when low7 >= c.
    let at_least_a = low7 + ONES * (0x80 - u64::from(b'A'));
    let past_z = low7 + ONES * (0x80 - u64::from(b'Z') - 1);
    let capital = at_least_a & !past_z & !word & HIGH;
    word | capital >> 2
}

/// A set of hashes, as bits indexed by the hash's top bits.
struct Bits {
    words: Box<[u64]>,
    shift: u32,
}

impl Default for Bits {
    fn default() -> Self {
        Bits::with_capacity(0)
    }
}

impl Bits {
    /// At least 65,536 bits (8 KB), more for very large glossaries.
    fn with_capacity(bits: usize) -> Bits {
        let log2 = bits.max(1 << 16).next_power_of_two().trailing_zeros();
        Bits {
            words: vec![0; 1 << (log2 - 6)].into_boxed_slice(),
            shift: 64 - log2,
        }
    }

    fn set(&mut self, hash: u64) {
        let i = hash >> self.shift;
        self.words[(i >> 6) as usize] |= 1 << (i & 63);
    }

    #[inline]
    fn get(&self, hash: u64) -> bool {
        let i = hash >> self.shift;
        self.words[(i >> 6) as usize] & (1 << (i & 63)) != 0
    }
}

/// ASCII bytes that are part of a word.
static ASCII_WORD: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// Where the word that goes on at `at` ends.
#[inline]
fn word_end(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        // ASCII, the common case, without decoding.
        while at < bytes.len() && ASCII_WORD[usize::from(bytes[at])] {
            at += 1;
        }
        match bytes.get(at) {
            Some(b) if !b.is_ascii() => {
                let c = text[at..].chars().next().unwrap_or_default();
                if !is_word_char(c) {
                    return at;
                }
                at += c.len_utf8();
            }
            _ => return at,
        }
    }
}

/// Whether the character at `at` is part of a word, and its length in bytes.
#[inline]
fn char_at(text: &str, at: usize) -> (bool, usize) {
    match text.as_bytes()[at] {
        // ASCII bytes are tested as they are; other characters are decoded.
        b if b.is_ascii() => (ASCII_WORD[usize::from(b)], 1),
        _ => {
            let c = text[at..].chars().next().unwrap_or_default();
            (is_word_char(c), c.len_utf8())
        }
    }
}

/// The automaton over every name, anchored only (see `Glossary::find_mentions`): a DFA,
/// several times faster than an NFA here (benches/linking.rs), but its memory grows
/// with the names, so very large glossaries keep a contiguous NFA.
enum Matcher {
    Dfa(dfa::DFA),
    Nfa(nfa::contiguous::NFA),
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Matcher::Dfa(_) => "Matcher::Dfa",
            Matcher::Nfa(_) => "Matcher::Nfa",
        })
    }
}

impl Matcher {
    // Both with standard semantics: every name that ends at a byte is reported, so the
    // walk sees each candidate and keeps the longest that is valid.
    fn new(patterns: &[Pattern]) -> Matcher {
        if patterns.len() > 20_000 {
            return Matcher::nfa(patterns);
        }
        let names = patterns.iter().map(|p| &p.text);
        let dfa = dfa::DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Anchored)
            .ascii_case_insensitive(true)
            .prefilter(false)
            .build(names)
            .expect("glossary names form a valid automaton");
        Matcher::Dfa(dfa)
    }

    fn nfa(patterns: &[Pattern]) -> Matcher {
        let nfa = nfa::contiguous::NFA::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .prefilter(false)
            .build(patterns.iter().map(|p| &p.text))
            .expect("glossary names form a valid automaton");
        Matcher::Nfa(nfa)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_word_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    // "Article 9" must not match in "Article 90" nor "Quad" in "Quadrant".
    !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
}

/// One term's mentions in one document.
#[derive(Debug, Clone, Default)]
pub struct Mention {
    pub term: usize,
    pub count: usize,
    /// Anchor id of the first linked mention, if any was linked.
    pub anchor: Option<String>,
    /// 1-based line (in the body) of the first mention.
    pub first_line: usize,
}

/// Per-document linking state: which terms were linked already, and counts.
pub struct Linker<'g> {
    glossary: &'g Glossary,
    mode: LinkMode,
    /// A term never links to itself (in its own definition).
    exclude: Option<usize>,
    /// Prefix for mention anchor ids, unique per document on a shared page.
    id_prefix: String,
    mentions: FxHashMap<usize, Mention>,
    order: Vec<usize>,
    tips: usize,
}

impl<'g> Linker<'g> {
    pub fn new(glossary: &'g Glossary, mode: LinkMode) -> Self {
        Linker {
            glossary,
            mode,
            exclude: None,
            id_prefix: "m-".to_string(),
            mentions: FxHashMap::default(),
            order: Vec::new(),
            tips: 0,
        }
    }

    pub fn excluding(mut self, term: Option<usize>) -> Self {
        self.exclude = term;
        self
    }

    pub fn with_id_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.id_prefix = prefix.into();
        self
    }

    /// Mentions in order of first appearance.
    pub fn into_mentions(mut self) -> Vec<Mention> {
        self.order
            .iter()
            .filter_map(|t| self.mentions.remove(t))
            .collect()
    }

    /// Turns explicit `[[Term]]` / `[[Term|text]]` links into term links; returns the
    /// names that are no glossary term, with their 1-based body lines.
    pub fn link_explicit<'a>(
        &mut self,
        arena: &'a Arena<'a>,
        root: &'a AstNode<'a>,
    ) -> Vec<(String, usize, usize)> {
        let wikilinks: Vec<_> = root
            .descendants()
            .filter(|n| matches!(n.data.borrow().value, NodeValue::WikiLink(_)))
            .collect();
        let mut unknown = Vec::new();
        for node in wikilinks {
            let (name, line, column) = {
                let ast = node.data.borrow();
                let NodeValue::WikiLink(link) = &ast.value else {
                    continue;
                };
                (
                    link.url.clone(),
                    ast.sourcepos.start.line,
                    ast.sourcepos.start.column,
                )
            };
            match self.glossary.lookup(&name) {
                Some(term) => {
                    let shown = node.collect_text();
                    let Piece::Link(html) = self.mention(term, &shown, line, true) else {
                        continue;
                    };
                    node.insert_before(arena.alloc(NodeValue::Raw(html).into()));
                    node.detach();
                }
                None => unknown.push((name, line, column)),
            }
        }
        unknown
    }

    /// Links the mentions under `root`, replacing text nodes in place.
    pub fn link<'a>(&mut self, arena: &'a Arena<'a>, root: &'a AstNode<'a>) {
        if self.glossary.is_empty() {
            return;
        }
        // Collect first, then edit: editing while iterating would revisit inserted nodes.
        let runs = collect_text_runs(root);
        for run in runs {
            self.link_run(arena, &run);
        }
    }

    fn link_run<'a>(&mut self, arena: &'a Arena<'a>, run: &[&'a AstNode<'a>]) {
        // Soft breaks join the run as '\n' so "Article⏎9" is found as "Article 9".
        let line = run[0].data.borrow().sourcepos.start.line;
        let (text, found) = if let [single] = run {
            let ast = single.data.borrow();
            let NodeValue::Text(t) = &ast.value else {
                return;
            };
            // Most runs mention nothing: look before copying.
            let found = self.glossary.find_mentions(t);
            if found.is_empty() {
                return;
            }
            (t.to_string(), found)
        } else {
            let mut text = String::new();
            for node in run {
                match &node.data.borrow().value {
                    NodeValue::Text(t) => text.push_str(t),
                    _ => text.push('\n'),
                }
            }
            let found = self.glossary.find_mentions(&text.replace('\n', " "));
            (text, found)
        };
        // Only linked mentions split the text; the others are just counted.
        let mut pieces: Vec<Piece> = Vec::new();
        let mut last = 0;
        for (start, end, term) in found {
            if Some(term) == self.exclude {
                continue;
            }
            if let Piece::Link(html) = self.mention(term, &text[start..end], line, false) {
                pieces.push(Piece::Text(&text[last..start]));
                pieces.push(Piece::Link(html));
                last = end;
            }
        }
        if pieces.is_empty() {
            return;
        }
        pieces.push(Piece::Text(&text[last..]));
        let anchor = run[0];
        for piece in pieces {
            for node in piece.into_nodes(arena) {
                anchor.insert_before(node);
            }
        }
        for node in run {
            node.detach();
        }
    }

    fn mention<'t>(
        &mut self,
        term: usize,
        text: &'t str,
        line: usize,
        explicit: bool,
    ) -> Piece<'t> {
        let entry = self.mentions.entry(term).or_insert_with(|| {
            self.order.push(term);
            Mention {
                term,
                count: 0,
                anchor: None,
                first_line: line,
            }
        });
        entry.count += 1;
        let link = match self.mode {
            _ if explicit => true,
            LinkMode::None => false,
            LinkMode::First => entry.anchor.is_none(),
            LinkMode::All => true,
        };
        if !link {
            return Piece::Text(text);
        }
        let info = &self.glossary.terms[term];
        let [href, name, tip] = &self.glossary.escaped[term];
        let id = if entry.count == 1 {
            format!("{}{}", self.id_prefix, info.slug)
        } else {
            format!("{}{}-{}", self.id_prefix, info.slug, entry.count)
        };
        if entry.anchor.is_none() {
            entry.anchor = Some(id.clone());
        }
        self.tips += 1;
        let tips = self.tips;
        let prefix = &self.id_prefix;
        let shown = escape(&text.replace('\n', " "));
        let id = escape(&id);
        let tip_id = format!("tip-{prefix}{tips}");
        let mut html =
            String::with_capacity(160 + href.len() + shown.len() + name.len() + tip.len());
        for piece in [
            "<span class=\"term-ref\"><a class=\"term\" href=\"",
            href,
            "\" id=\"",
            &id,
            "\" aria-describedby=\"",
            &tip_id,
            "\">",
            &shown,
            "</a><span class=\"term-tip\" role=\"tooltip\" id=\"",
            &tip_id,
            "\" hidden><strong>",
            name,
            "</strong>: ",
            tip,
            "</span></span>",
        ] {
            html.push_str(piece);
        }
        Piece::Link(html)
    }
}

enum Piece<'t> {
    Text(&'t str),
    Link(String),
}

impl Piece<'_> {
    fn into_nodes<'a>(self, arena: &'a Arena<'a>) -> Vec<&'a AstNode<'a>> {
        match self {
            Piece::Link(html) => vec![arena.alloc(NodeValue::Raw(html).into())],
            Piece::Text(text) => {
                let mut nodes: Vec<&'a AstNode<'a>> = Vec::new();
                for (i, part) in text.split('\n').enumerate() {
                    if i > 0 {
                        nodes.push(arena.alloc(NodeValue::SoftBreak.into()));
                    }
                    if !part.is_empty() {
                        nodes.push(arena.alloc(NodeValue::Text(part.to_string().into()).into()));
                    }
                }
                nodes
            }
        }
    }
}

/// Maximal runs of adjacent `Text`/`SoftBreak` siblings that may hold mentions,
/// found in one pass: containers that exclude linking are skipped whole.
fn collect_text_runs<'a>(root: &'a AstNode<'a>) -> Vec<Vec<&'a AstNode<'a>>> {
    let mut runs = Vec::new();
    let mut stack = vec![root];
    while let Some(container) = stack.pop() {
        let mut run: Vec<&'a AstNode<'a>> = Vec::new();
        // Depth of the author's inline `<tag>`s: text between `<tag>` and `</tag>` is theirs.
        let mut html_depth = 0usize;
        for child in container.children() {
            let value = &child.data.borrow().value;
            match value {
                NodeValue::HtmlInline(tag) => {
                    flush_run(&mut run, &mut runs);
                    html_depth = inline_html_depth(tag, html_depth);
                }
                NodeValue::Text(_) if html_depth == 0 => run.push(child),
                NodeValue::SoftBreak if html_depth == 0 && !run.is_empty() => run.push(child),
                _ => {
                    flush_run(&mut run, &mut runs);
                    if html_depth == 0 && !excludes_linking(value) && child.first_child().is_some()
                    {
                        stack.push(child);
                    }
                }
            }
        }
        flush_run(&mut run, &mut runs);
    }
    // The stack visits containers out of order; "first mention" means first in the text.
    runs.sort_by_key(|run| {
        let pos = run[0].data.borrow().sourcepos.start;
        (pos.line, pos.column)
    });
    runs
}

fn flush_run<'a>(run: &mut Vec<&'a AstNode<'a>>, runs: &mut Vec<Vec<&'a AstNode<'a>>>) {
    while run
        .last()
        .is_some_and(|n| matches!(n.data.borrow().value, NodeValue::SoftBreak))
    {
        run.pop();
    }
    if !run.is_empty() {
        runs.push(std::mem::take(run));
    }
}

fn inline_html_depth(tag: &str, depth: usize) -> usize {
    if tag.starts_with("</") {
        depth.saturating_sub(1)
    } else if tag.starts_with('<')
        && !tag.ends_with("/>")
        && !tag.starts_with("<!")
        && !tag.starts_with("<?")
    {
        depth + 1
    } else {
        depth
    }
}

/// Mentions are never linked inside links, images (alt text), headings or code.
fn excludes_linking(value: &NodeValue) -> bool {
    matches!(
        value,
        NodeValue::Link(_)
            | NodeValue::Image(_)
            | NodeValue::Heading(_)
            | NodeValue::WikiLink(_)
            | NodeValue::CodeBlock(_)
            | NodeValue::HtmlBlock(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glossary(terms: &[(&str, &[&str])]) -> Glossary {
        Glossary::new(
            terms
                .iter()
                .map(|(name, aliases)| TermSpec {
                    info: TermInfo {
                        slug: crate::slug::slugify(name),
                        name: name.to_string(),
                        tip: format!("{name} defined"),
                        href: format!("/glossary/#{}", crate::slug::slugify(name)),
                    },
                    names: std::iter::once(*name)
                        .chain(aliases.iter().copied())
                        .map(String::from)
                        .collect(),
                    case_sensitive: None,
                })
                .collect(),
        )
    }

    fn found(g: &Glossary, text: &str) -> Vec<String> {
        g.find_mentions(text)
            .into_iter()
            .map(|(s, e, _)| text[s..e].to_string())
            .collect()
    }

    #[test]
    fn the_word_table_is_is_word_char_for_ascii() {
        for b in 0..128u8 {
            assert_eq!(
                ASCII_WORD[usize::from(b)],
                is_word_char(char::from(b)),
                "{b}"
            );
        }
    }

    #[test]
    fn whole_words_only() {
        let g = glossary(&[("Article 9", &[]), ("Quad", &[])]);
        assert_eq!(
            found(&g, "Article 90 and the Quadrant"),
            Vec::<String>::new()
        );
        assert_eq!(found(&g, "Article 9, the Quad."), ["Article 9", "Quad"]);
    }

    #[test]
    fn longest_match_wins() {
        let g = glossary(&[("Article 9", &[]), ("Article 9 of the constitution", &[])]);
        assert_eq!(
            found(&g, "under Article 9 of the constitution today"),
            ["Article 9 of the constitution"]
        );
    }

    #[test]
    fn acronyms_match_exact_case_and_words_any_case() {
        let g = glossary(&[("EDD", &[]), ("Proactive Pacifism", &[])]);
        assert_eq!(found(&g, "edd and Edd and EDD"), ["EDD"]);
        assert_eq!(found(&g, "proactive pacifism"), ["proactive pacifism"]);
    }

    #[test]
    fn a_longer_name_that_does_not_fit_leaves_a_shorter_one() {
        let g = glossary(&[("Japan", &[]), ("Japan Coast Guard", &[]), ("BIG", &[])]);
        assert_eq!(found(&g, "Japan Coast Guardsmen"), ["Japan"]);
        assert_eq!(found(&g, "the Japan Coast Guard."), ["Japan Coast Guard"]);
        assert_eq!(found(&g, "a big BIG plan"), ["BIG"]);
    }

    #[test]
    fn a_rejected_match_does_not_hide_a_later_one() {
        let g = glossary(&[("AOD", &[])]);
        assert_eq!(found(&g, "AODX AOD"), ["AOD"]);
    }

    /// The unanchored scan `find_mentions` replaced: every overlapping match of the
    /// names, filtered by case and word boundaries, then leftmost-longest, greedily.
    fn reference(g: &Glossary, haystack: &str) -> Vec<(usize, usize, usize)> {
        let Some(matcher) = aho_corasick::AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(g.patterns.iter().map(|p| &p.text))
            .ok()
        else {
            return Vec::new();
        };
        let mut candidates: Vec<(usize, usize, usize)> = matcher
            .find_overlapping_iter(haystack)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .filter(|&(start, end, index)| g.is_valid(haystack, start, end, index))
            .collect();
        candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let mut found = Vec::new();
        let mut pos = 0;
        for (start, end, index) in candidates {
            if start >= pos {
                found.push((start, end, g.patterns[index].term));
                pos = end;
            }
        }
        found
    }

    mod matches_the_unanchored_scan {
        use super::*;
        use proptest::prelude::*;

        const PIECES: &[&str] = &[
            "Japan",
            "Coast",
            "Guard",
            "Guardsmen",
            "japan",
            "AOD",
            "aod",
            "AODX",
            "Article",
            "9",
            "90",
            " ",
            " ",
            "  ",
            ",",
            ".",
            "-",
            "_",
            "\n",
            "é",
            "日本",
            "Quad",
            "quadrant",
            "a",
            "b",
            "ab",
            "(",
            ")",
            "É",
            "éa",
            "_a",
        ];
        const NAMES: &[&str] = &[
            "Japan",
            "Japan Coast Guard",
            "Coast Guard",
            "Guard",
            "AOD",
            "Article 9",
            "Quad",
            "a",
            "ab",
            "b a",
            "日本",
            "é",
            "-a",
            "a.",
            "Japan-Coast",
            "(a)",
            "_a",
            "9",
            "日本 Coast",
            "Éa",
            "JAPAN",
        ];

        /// `PIECES` without the non-ASCII ones, and longer words.
        fn ascii_pieces() -> Vec<&'static str> {
            let longer = ["JAPAN", "Japanese", "JapanJapanJapanJapan"];
            PIECES
                .iter()
                .copied()
                .filter(|p| p.is_ascii())
                .chain(longer)
                .collect()
        }

        /// `NAMES` that are ASCII and begin with a word, and longer ones.
        fn ascii_names() -> Vec<&'static str> {
            let longer = [
                "Japan Coast",
                "JapanJapanJapanJapan",
                "JapanJapanJapanJapan Guard",
            ];
            NAMES
                .iter()
                .copied()
                .filter(|n| n.is_ascii() && n.starts_with(|c: char| is_word_char(c)))
                .chain(longer)
                .collect()
        }

        fn text(pieces: usize) -> impl Strategy<Value = String> {
            proptest::collection::vec(proptest::sample::select(PIECES), 0..pieces)
                .prop_map(|p| p.concat())
        }

        /// Every way of finding mentions in `haystack` gives the reference's answer: the
        /// names compared in place, the DFA for every word, the NFA.
        fn check(names: &[&str], haystack: &str) -> Result<(), TestCaseError> {
            // Each name its own term, in any order (ties go to the name listed first);
            // acronyms keep their case.
            let terms: Vec<(&str, &[&str])> = names.iter().map(|n| (*n, &[][..])).collect();
            let mut g = glossary(&terms);
            let expected = reference(&g, haystack);
            prop_assert_eq!(g.find_mentions(haystack), expected.clone());
            // As if every first word began too many names to compare one by one.
            g.starts
                .by_word
                .values_mut()
                .for_each(|c| *c = Candidates::Many);
            prop_assert_eq!(g.find_mentions(haystack), expected.clone());
            // The NFA that very large glossaries get instead of the DFA.
            g.matcher = OnceLock::from(Matcher::nfa(&g.patterns));
            prop_assert_eq!(g.find_mentions(haystack), expected);
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn on_random_text(
                names in proptest::sample::subsequence(NAMES, 1..NAMES.len()).prop_shuffle(),
                haystack in text(40),
            ) {
                check(&names, &haystack)?;
            }

            /// Longer texts, with words and names longer than the eight bytes a word's
            /// key reads from each end.
            #[test]
            fn on_long_ascii_text(
                names in proptest::sample::subsequence(ascii_names(), 1..ascii_names().len()).prop_shuffle(),
                pieces in proptest::collection::vec(proptest::sample::select(ascii_pieces()), 0..150),
            ) {
                let haystack = pieces.concat();
                prop_assert!(haystack.is_ascii());
                check(&names, &haystack)?;
            }
        }
    }
}
