//! Glossary linking cost: 1,000 articles against 500 terms, compared with a plain
//! comrak render of the same articles, side by side in one run (medians).
//!
//! Run: `cargo bench --bench linking` (add `-- --articles 1000 --terms 500 --rounds 7`).

use std::time::{Duration, Instant};

use comrak::{Arena, Options};
use kiji::config::LinkMode;
use kiji::glossary::{Glossary, Linker, TermInfo, TermSpec};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, no dependency.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the",
    "alliance",
    "policy",
    "defence",
    "ministry",
    "regional",
    "security",
    "cooperation",
    "budget",
    "treaty",
    "exercise",
    "maritime",
    "strategy",
    "partners",
    "deterrence",
    "islands",
    "government",
    "military",
    "forces",
    "talks",
    "pressure",
    "neighbours",
    "capability",
    "framework",
    "and",
    "of",
    "to",
    "in",
    "with",
    "for",
];

fn term_name(i: usize) -> String {
    if i.is_multiple_of(3) {
        format!("T{}X{}", (b'A' + (i % 26) as u8) as char, i)
    } else {
        format!("concept {} {}", WORDS[i % WORDS.len()], i)
    }
}

fn article(rng: &mut Rng, terms: usize, density: usize) -> String {
    let mut text = String::new();
    for section in 0..6 {
        text.push_str(&format!("## Section {section}\n\n"));
        for _ in 0..3 {
            for w in 0..60 {
                if w % density == density / 2 {
                    text.push_str(&term_name((rng.next() % terms as u64) as usize));
                } else {
                    let word: &str = rng.pick::<&str>(WORDS);
                    text.push_str(word);
                }
                text.push(if w % 15 == 14 { '\n' } else { ' ' });
            }
            text.push_str("\n\n");
        }
        text.push_str("```rust\nlet concept = 1;\n```\n\n");
    }
    text
}

fn render_plain(md: &str, options: &Options) -> usize {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, md, options);
    let mut out = String::new();
    comrak::format_html(root, options, &mut out).unwrap();
    out.len()
}

fn render_linked(md: &str, options: &Options, glossary: &Glossary) -> usize {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, md, options);
    let mut linker = Linker::new(glossary, LinkMode::First);
    linker.link(&arena, root);
    let mut out = String::new();
    comrak::format_html(root, options, &mut out).unwrap();
    out.len() + linker.into_mentions().len()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let (articles, terms, rounds) = (
        arg("--articles", 1000),
        arg("--terms", 500),
        arg("--rounds", 7),
    );
    // One word in `density` is a glossary term (12: a stress case; 60: closer to the bundled articles).
    let density = arg("--density", 12).max(2);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let docs: Vec<String> = (0..articles)
        .map(|_| article(&mut rng, terms, density))
        .collect();
    let glossary = Glossary::new(
        (0..terms)
            .map(|i| TermSpec {
                info: TermInfo {
                    slug: format!("t{i}"),
                    name: term_name(i),
                    tip: format!("Definition of term {i}."),
                    href: format!("/glossary/#t{i}"),
                },
                names: vec![term_name(i), format!("alias {i} form")],
                case_sensitive: None,
            })
            .collect(),
    );
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.header_id_prefix = Some(String::new());
    let (mut plain, mut linked) = (Vec::new(), Vec::new());
    // Alternate the two so machine noise hits both alike.
    for _ in 0..rounds {
        let t = Instant::now();
        let n: usize = docs.iter().map(|d| render_plain(d, &options)).sum();
        plain.push(t.elapsed());
        let t = Instant::now();
        let m: usize = docs
            .iter()
            .map(|d| render_linked(d, &options, &glossary))
            .sum();
        linked.push(t.elapsed());
        assert!(m >= n, "linking never removes markup");
    }
    let t = Instant::now();
    let found: usize = docs.iter().map(|d| glossary.find_mentions(d).len()).sum();
    let scan = t.elapsed();
    let (p, l) = (median(plain), median(linked));
    println!(
        "matcher alone over the raw text: {:.1} ms for {found} mentions",
        scan.as_secs_f64() * 1e3
    );
    let words: usize = docs.iter().map(|d| d.split_whitespace().count()).sum();
    println!("{articles} articles ({} words each on average, a term every {density} words), {terms} terms, {rounds} rounds, single thread", words / articles);
    println!(
        "plain comrak render   median {:>8.1} ms",
        p.as_secs_f64() * 1e3
    );
    println!(
        "render + linking      median {:>8.1} ms",
        l.as_secs_f64() * 1e3
    );
    println!(
        "linking alone         median {:>8.1} ms  ({:.1}% on top of comrak, {:.1} µs per article)",
        (l.saturating_sub(p)).as_secs_f64() * 1e3,
        (l.as_secs_f64() / p.as_secs_f64() - 1.0) * 100.0,
        l.saturating_sub(p).as_secs_f64() * 1e6 / articles as f64
    );
}
