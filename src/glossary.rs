//! Link: find mentions of glossary terms in comrak's AST and turn them into links.
//!
//! Mentions are found in one pass per run of text, whatever the number of terms: where
//! a word may begin and its first bytes begin some name (`Openings`), one
//! Aho-Corasick automaton over every term name and alias is run, anchored there, for
//! as long as the text is the beginning of a name. Mentions are matched
//! as whole words, longest first, across soft line breaks, and never inside code,
//! links, headings, image alt text or raw HTML (those are not `Text` nodes, or are
//! skipped by their ancestors).

use std::collections::HashMap;

use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa, nfa, Anchored, MatchKind, StartKind};
use comrak::nodes::{AstNode, NodeValue};
use comrak::Arena;

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
    matcher: Matcher,
    openings: Openings,
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
        let matcher = Matcher::new(&patterns);
        let openings = Openings::new(&patterns);
        let escaped = terms
            .iter()
            .map(|t: &TermInfo| [escape(&t.href), escape(&t.name), escape(&t.tip)])
            .collect();
        Glossary {
            terms,
            escaped,
            patterns,
            matcher,
            openings,
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
    /// not part of a word. Only there, and only if its first bytes begin some name
    /// ([`Openings`]), is the automaton run. Case and the word boundary at the end are
    /// checked for each name that ends on the way, so a longer name that fails ("Japan
    /// Coast Guard" in "Japan Coast Guardsmen") still leaves the shorter one that fits
    /// ("Japan").
    pub fn find_mentions(&self, haystack: &str) -> Vec<(usize, usize, usize)> {
        let mut found = Vec::new();
        if self.patterns.is_empty() {
            return found;
        }
        let bytes = haystack.as_bytes();
        // Where the last mention ended: mentions do not overlap.
        let mut free_from = 0;
        let mut after_word = false;
        let mut at = 0;
        while at < bytes.len() {
            // ASCII bytes are tested as they are; other characters are decoded.
            let (is_word, len) = match bytes[at] {
                b if b.is_ascii() => (b.is_ascii_alphanumeric() || b == b'_', 1),
                _ => {
                    let c = haystack[at..].chars().next().unwrap_or_default();
                    (is_word_char(c), c.len_utf8())
                }
            };
            if !after_word && at >= free_from && self.openings.first[usize::from(bytes[at])] {
                if let Some((end, index)) = self.longest_at(haystack, at) {
                    found.push((at, end, self.patterns[index].term));
                    free_from = end;
                }
            }
            after_word = is_word;
            at += len;
        }
        found
    }

    /// The longest valid name at `start` (then the one listed first), as (end, pattern).
    #[inline]
    fn longest_at(&self, haystack: &str, start: usize) -> Option<(usize, usize)> {
        if !self.openings.may_open(&haystack.as_bytes()[start..]) {
            return None;
        }
        match &self.matcher {
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

/// How names begin: their first three bytes (the whole name, if shorter), ASCII
/// letters folded to lower case as the automaton matches them.
///
/// Nearly every word begins no name, and is turned away by these tables (8 KB, which
/// stay in the L1 cache) without starting the automaton: its table is megabytes, and
/// stepping through it at every byte (unanchored) or at every word (anchored) missed
/// the cache at each step.
struct Openings {
    /// Whether any name opens so, by a hash of the opening (and its length): a
    /// collision only costs a walk that finds nothing.
    any: Bits,
    /// Whether any name begins with this byte (either case, for ASCII letters).
    first: [bool; 256],
    /// Whether there are openings of 1, 2 and 3 bytes (names shorter than three bytes
    /// are rare: most texts look up only one opening per word).
    lengths: [bool; 4],
}

/// 65,536 bits.
struct Bits(Box<[u64; 1024]>);

impl Default for Bits {
    fn default() -> Self {
        Bits(Box::new([0; 1024]))
    }
}

impl Bits {
    fn set(&mut self, i: u16) {
        self.0[usize::from(i >> 6)] |= 1 << (i & 63);
    }

    fn get(&self, i: u16) -> bool {
        self.0[usize::from(i >> 6)] & (1 << (i & 63)) != 0
    }
}

impl Default for Openings {
    fn default() -> Self {
        Openings {
            any: Bits::default(),
            first: [false; 256],
            lengths: [false; 4],
        }
    }
}

impl std::fmt::Debug for Openings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Openings")
    }
}

impl Openings {
    fn new(patterns: &[Pattern]) -> Openings {
        let mut openings = Openings::default();
        for p in patterns {
            let name = p.text.as_bytes();
            let opening = &name[..name.len().min(3)];
            openings.lengths[opening.len()] = true;
            openings.first[usize::from(opening[0])] = true;
            openings.first[usize::from(opening[0].to_ascii_uppercase())] = true;
            openings.first[usize::from(opening[0].to_ascii_lowercase())] = true;
            let key = Self::key(opening);
            openings.any.set(Self::hash(key));
        }
        openings
    }

    /// One to three bytes, folded, and how many there are.
    #[inline]
    fn key(opening: &[u8]) -> u32 {
        // Shifted into a register, not written byte by byte and read back as a word.
        opening
            .iter()
            .enumerate()
            .fold((opening.len() as u32) << 24, |key, (i, b)| {
                key | u32::from(b.to_ascii_lowercase()) << (8 * i)
            })
    }

    #[inline]
    fn hash(key: u32) -> u16 {
        (key.wrapping_mul(0x9E37_79B1) >> 16) as u16
    }

    /// Whether some name may begin at the start of `text`.
    #[inline]
    fn may_open(&self, text: &[u8]) -> bool {
        (1..=text.len().min(3))
            .rev()
            .any(|n| self.lengths[n] && self.any.get(Self::hash(Self::key(&text[..n]))))
    }
}

/// The automaton over every name, anchored only (see `Glossary::find_mentions`): a DFA,
/// several times faster than an NFA here (benches/linking.rs), but its memory grows
/// with the names, so very large glossaries keep a contiguous NFA.
enum Matcher {
    Dfa(dfa::DFA),
    Nfa(nfa::contiguous::NFA),
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher::new(&[])
    }
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
    mentions: HashMap<usize, Mention>,
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
            mentions: HashMap::new(),
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
            let text: String = run
                .iter()
                .map(|node| match &node.data.borrow().value {
                    NodeValue::Text(t) => t.to_string(),
                    _ => "\n".to_string(),
                })
                .collect();
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
        Piece::Link(format!(
            "<span class=\"term-ref\"><a class=\"term\" href=\"{href}\" id=\"{id}\" aria-describedby=\"tip-{prefix}{tips}\">{shown}</a><span class=\"term-tip\" role=\"tooltip\" id=\"tip-{prefix}{tips}\" hidden><strong>{name}</strong>: {tip}</span></span>"
        ))
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
        ];

        fn text(pieces: usize) -> impl Strategy<Value = String> {
            proptest::collection::vec(proptest::sample::select(PIECES), 0..pieces)
                .prop_map(|p| p.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn on_random_text(
                names in proptest::sample::subsequence(NAMES, 1..NAMES.len()).prop_shuffle(),
                haystack in text(40),
            ) {
                // Each name its own term, in any order (ties go to the name listed first);
                // acronyms keep their case.
                let terms: Vec<(&str, &[&str])> = names.iter().map(|n| (*n, &[][..])).collect();
                let mut g = glossary(&terms);
                let expected = reference(&g, &haystack);
                prop_assert_eq!(g.find_mentions(&haystack), expected.clone());
                // The NFA that very large glossaries get instead of the DFA.
                g.matcher = Matcher::nfa(&g.patterns);
                prop_assert_eq!(g.find_mentions(&haystack), expected);
            }
        }
    }
}
