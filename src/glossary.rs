//! Link: find mentions of glossary terms in comrak's AST and turn them into links.
//!
//! One Aho-Corasick automaton over every term name and alias finds mentions in a
//! single pass per run of text, whatever the number of terms. Mentions are matched
//! as whole words, longest first, across soft line breaks, and never inside code,
//! links, headings, image alt text or raw HTML (those are not `Text` nodes, or are
//! skipped by their ancestors).

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
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
    matcher: Option<AhoCorasick>,
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
        let matcher = (!patterns.is_empty()).then(|| {
            // A DFA scans several times faster than the default NFA here (benches/linking.rs);
            // its memory grows with the patterns, so very large glossaries keep the NFA.
            let kind = (patterns.len() <= 20_000).then_some(AhoCorasickKind::DFA);
            AhoCorasickBuilder::new()
                .kind(kind)
                // Standard semantics, for `find_overlapping_iter`: see `find_mentions`.
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .prefilter(false)
                .build(patterns.iter().map(|p| &p.text))
                .expect("glossary patterns form a valid automaton")
        });
        let escaped = terms
            .iter()
            .map(|t: &TermInfo| [escape(&t.href), escape(&t.name), escape(&t.tip)])
            .collect();
        Glossary {
            terms,
            escaped,
            patterns,
            matcher,
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
    /// of the valid matches, the leftmost wins, and of those starting there the longest.
    ///
    /// The automaton reports every match, overlapping ones included, in one pass; case
    /// and word boundaries are checked afterwards. A rejected candidate ("BIG" in "big",
    /// "AOD" in "AODX") therefore costs a comparison, not a new search, and a longer
    /// name that fails ("Japan Coast Guard" in "Japan Coast Guardsmen") still leaves the
    /// shorter one that fits ("Japan").
    pub fn find_mentions(&self, haystack: &str) -> Vec<(usize, usize, usize)> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        let mut candidates: Vec<(usize, usize, usize)> = matcher
            .find_overlapping_iter(haystack)
            .filter_map(|m| {
                let (start, end, index) = (m.start(), m.end(), m.pattern().as_usize());
                let pattern = &self.patterns[index];
                let case_ok = !pattern.case_sensitive || haystack[start..end] == pattern.text;
                (case_ok && is_word_boundary(haystack, start, end)).then_some((start, end, index))
            })
            .collect();
        // Leftmost, then longest, then the pattern listed first.
        candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let mut found = Vec::new();
        let mut pos = 0;
        for (start, end, index) in candidates {
            if start >= pos {
                found.push((start, end, self.patterns[index].term));
                pos = end;
            }
        }
        found
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
}
