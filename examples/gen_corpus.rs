//! Generates a deterministic benchmark corpus: articles, a glossary and a timeline,
//! and optionally the same articles laid out as a Hugo site.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --articles 10000 --terms 500 \
//!     --out /tmp/corpus-10k --seed 1 [--hugo /tmp/hugo-10k]
//! ```
//!
//! Articles hold 800–1,500 words of prose with headings, a list, a table, fenced
//! code in about one in five, `.md` links to other articles, glossary terms in the
//! prose, `[[events]]` in their front matter and tags. The same seed always gives
//! the same bytes (the PRNG is in this file, so no crate update can change it).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// SplitMix64: tiny, fast and good enough for text generation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() - 1)]
    }
    /// Skewed towards low indexes, so a few terms and tags are popular (as in real sites).
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.range(0, n - 1);
        let b = self.range(0, n - 1);
        a.min(b)
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "a",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "this",
    "are",
    "at",
    "from",
    "but",
    "have",
    "an",
    "they",
    "which",
    "one",
    "their",
    "has",
    "been",
    "would",
    "there",
    "more",
    "when",
    "what",
    "about",
    "into",
    "than",
    "them",
    "can",
    "only",
    "other",
    "new",
    "some",
    "could",
    "these",
    "two",
    "may",
    "first",
    "then",
    "any",
    "like",
    "over",
    "such",
    "our",
    "most",
    "even",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "great",
    "old",
    "year",
    "off",
    "come",
    "since",
    "against",
    "go",
    "came",
    "right",
    "used",
    "take",
    "three",
    "government",
    "policy",
    "defence",
    "alliance",
    "region",
    "security",
    "strategy",
    "budget",
    "ministry",
    "treaty",
    "maritime",
    "coast",
    "island",
    "border",
    "trade",
    "export",
    "industry",
    "capability",
    "deterrence",
    "exercise",
    "fleet",
    "missile",
    "radar",
    "cabinet",
    "parliament",
    "election",
    "reform",
    "spending",
    "partner",
    "dialogue",
    "summit",
    "agreement",
    "framework",
    "pressure",
    "tension",
    "crisis",
    "response",
    "doctrine",
    "commitment",
    "guarantee",
    "readiness",
    "network",
    "supply",
    "chain",
    "technology",
    "research",
    "cooperation",
    "neighbour",
    "history",
    "debate",
    "public",
    "opinion",
    "support",
    "critics",
    "analysts",
    "officials",
    "report",
    "review",
    "decade",
    "century",
    "future",
    "shift",
    "change",
    "balance",
    "order",
    "power",
    "influence",
    "risk",
    "threat",
    "stability",
    "peace",
    "conflict",
    "interest",
    "economy",
    "growth",
    "market",
    "energy",
    "resources",
    "shipping",
    "route",
    "strait",
    "waters",
    "airspace",
    "patrol",
    "base",
    "forces",
    "command",
    "headquarters",
    "training",
    "equipment",
    "procurement",
    "programme",
    "plan",
    "goal",
    "target",
    "limit",
    "constraint",
    "law",
    "constitution",
    "court",
    "ruling",
    "amendment",
    "interpretation",
    "consensus",
    "coalition",
    "party",
    "leader",
    "minister",
    "president",
    "envoy",
    "delegation",
    "visit",
    "careful",
    "gradual",
    "sudden",
    "quiet",
    "open",
    "closed",
    "strong",
    "weak",
    "broad",
    "narrow",
    "regional",
    "global",
    "domestic",
    "foreign",
    "joint",
    "shared",
    "separate",
];

const SYLLABLES: &[&str] = &[
    "ka", "vel", "mor", "tan", "ri", "so", "den", "lu", "bar", "qui", "nes", "tor", "al", "ven",
    "dra", "ko", "mi", "sar", "el", "gan", "tho", "ru", "pel", "zan", "ob", "fi", "lan", "cor",
    "ish", "ta", "yor", "ul", "bre", "nak", "hes", "dov",
];

const NOUNS: &[&str] = &[
    "Accord",
    "Doctrine",
    "Initiative",
    "Dialogue",
    "Framework",
    "Treaty",
    "Pact",
    "Council",
    "Programme",
    "Strategy",
    "Forum",
    "Principle",
    "Guidelines",
    "Partnership",
    "Compact",
];

const LANGS: &[&str] = &["rust", "python", "toml", "javascript", "bash", "json", "c"];

fn word(rng: &mut Rng) -> String {
    let n = rng.range(2, 3);
    (0..n).map(|_| *rng.pick(SYLLABLES)).collect()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn slugify(s: &str) -> String {
    let mut out = String::new();
    for part in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !part.is_empty() {
            if !out.is_empty() {
                out.push('-');
            }
            out.push_str(&part.to_ascii_lowercase());
        }
    }
    out
}

struct Term {
    name: String,
    acronym: Option<String>,
}

fn gen_terms(rng: &mut Rng, n: usize) -> Vec<Term> {
    let mut seen = HashSet::new();
    let mut terms = Vec::with_capacity(n);
    while terms.len() < n {
        let w1 = capitalize(&word(rng));
        let name = if rng.chance(2) {
            format!("{w1} {}", rng.pick(NOUNS))
        } else {
            format!("{w1} {} {}", capitalize(&word(rng)), rng.pick(NOUNS))
        };
        if !seen.insert(name.to_lowercase()) {
            continue;
        }
        let acronym: String = name
            .split(' ')
            .filter_map(|w| w.chars().next())
            .collect::<String>()
            .to_uppercase();
        let acronym = (rng.chance(3) && seen.insert(acronym.to_lowercase())).then_some(acronym);
        terms.push(Term { name, acronym });
    }
    terms
}

struct ArticleMeta {
    file: String,
    title: String,
    first_heading: String,
}

fn gen_titles(rng: &mut Rng, n: usize) -> Vec<ArticleMeta> {
    (0..n)
        .map(|i| {
            let words: Vec<&str> = (0..rng.range(3, 7))
                .map(|_| *rng.pick(&WORDS[120..]))
                .collect();
            let title = capitalize(&words.join(" "));
            let file = format!(
                "{}-{i:06}.md",
                slugify(&words[..words.len().min(4)].join(" "))
            );
            let first_heading = capitalize(&format!("{} {}", rng.pick(&WORDS[120..]), i));
            ArticleMeta {
                file,
                title,
                first_heading,
            }
        })
        .collect()
}

/// The context one article is written in: its terms and the other articles it cites.
struct Ctx<'a> {
    terms: &'a [Term],
    topic: Vec<usize>,
    articles: &'a [ArticleMeta],
    self_index: usize,
}

fn sentence(rng: &mut Rng, ctx: &Ctx<'_>, out: &mut String) -> usize {
    let len = rng.range(8, 20);
    let mut words = 0;
    for k in 0..len {
        if k > 0 {
            out.push(' ');
        }
        let roll = rng.range(0, 99);
        if roll < 6 {
            let t = &ctx.terms[*rng.pick(&ctx.topic)];
            match &t.acronym {
                Some(a) if rng.chance(2) => out.push_str(a),
                _ => out.push_str(&t.name),
            }
        } else if roll < 7 {
            let mut other = rng.range(0, ctx.articles.len() - 1);
            if other == ctx.self_index {
                other = (other + 1) % ctx.articles.len();
            }
            let target = &ctx.articles[other];
            if rng.chance(4) {
                let anchor = slugify(&target.first_heading);
                let _ = write!(
                    out,
                    "[{} {}]({}#{anchor})",
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    target.file
                );
            } else {
                let _ = write!(
                    out,
                    "[{} {}]({})",
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    target.file
                );
            }
        } else if roll < 8 {
            let _ = write!(out, "`{}_{}`", rng.pick(WORDS), rng.pick(WORDS));
        } else if roll < 10 {
            let _ = write!(out, "*{}*", rng.pick(WORDS));
        } else if roll < 11 {
            let _ = write!(out, "**{}**", rng.pick(WORDS));
        } else {
            let w = rng.pick(WORDS);
            if k == 0 {
                out.push_str(&capitalize(w));
            } else {
                out.push_str(w);
            }
        }
        words += 1;
    }
    out.push_str(if rng.chance(8) { "?" } else { "." });
    words
}

fn paragraph(rng: &mut Rng, ctx: &Ctx<'_>, out: &mut String) -> usize {
    let mut words = 0;
    for s in 0..rng.range(3, 6) {
        if s > 0 {
            // Hard-wrapped prose, as editors write it: exercises soft breaks in the linker.
            out.push(if rng.chance(3) { '\n' } else { ' ' });
        }
        words += sentence(rng, ctx, out);
    }
    out.push_str("\n\n");
    words
}

fn list(rng: &mut Rng, ctx: &Ctx<'_>, out: &mut String) -> usize {
    let mut words = 0;
    let ordered = rng.chance(3);
    for i in 0..rng.range(3, 6) {
        if ordered {
            let _ = write!(out, "{}. ", i + 1);
        } else {
            out.push_str("- ");
        }
        words += sentence(rng, ctx, out);
        out.push('\n');
    }
    out.push('\n');
    words
}

fn table(rng: &mut Rng, out: &mut String) -> usize {
    out.push_str("| Year | Item | Amount |\n|---|---|---:|\n");
    for _ in 0..rng.range(3, 6) {
        let _ = writeln!(
            out,
            "| {} | {} {} | {} |",
            rng.range(1990, 2025),
            capitalize(rng.pick::<&str>(WORDS)),
            rng.pick(WORDS),
            rng.range(1, 99_999)
        );
    }
    out.push('\n');
    12
}

fn code(rng: &mut Rng, out: &mut String) {
    let lang = *rng.pick(LANGS);
    let _ = writeln!(out, "```{lang}");
    for i in 0..rng.range(8, 24) {
        let (a, b) = (rng.pick(&WORDS[120..]), rng.pick(&WORDS[120..]));
        let line = match lang {
            "rust" => format!(
                "    let {a}_{i} = {b}(&{a}, {}).unwrap_or_default();",
                rng.range(0, 999)
            ),
            "python" => format!("    {a}_{i} = {b}({a}, \"{b}\", {})", rng.range(0, 999)),
            "toml" => format!("{a}_{i} = \"{b}\""),
            "javascript" => format!(
                "  const {a}{i} = await {b}({{ {a}: {} }});",
                rng.range(0, 999)
            ),
            "bash" => format!("{a} --{b} {} | grep -v {a}", rng.range(0, 999)),
            "json" => format!("  \"{a}_{i}\": {},", rng.range(0, 999)),
            _ => format!("    int {a}_{i} = {b}({}); /* {a} */", rng.range(0, 999)),
        };
        let _ = writeln!(out, "{line}");
    }
    out.push_str("```\n\n");
}

fn date(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        rng.range(2005, 2025),
        rng.range(1, 12),
        rng.range(1, 28)
    )
}

fn event_date(rng: &mut Rng) -> String {
    let y = rng.range(1950, 2027);
    match rng.range(0, 2) {
        0 => format!("{y}"),
        1 => format!("{y}-{:02}", rng.range(1, 12)),
        _ => format!("{y}-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28)),
    }
}

fn plain_sentence(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let n = rng.range(lo, hi);
    let words: Vec<&str> = (0..n).map(|_| *rng.pick(WORDS)).collect();
    capitalize(&words.join(" "))
}

fn front_matter(
    rng: &mut Rng,
    i: usize,
    meta: &ArticleMeta,
    tags: &[String],
    event_tags: &[String],
) -> String {
    let mut fm = String::from("+++\n");
    let _ = writeln!(fm, "title = \"{}\"", meta.title);
    let _ = writeln!(fm, "date = {}", date(rng));
    let _ = writeln!(fm, "summary = \"{}.\"", plain_sentence(rng, 15, 30));
    let _ = writeln!(fm, "author = \"{}\"", capitalize(&word(rng)));
    let mut mine: Vec<&str> = Vec::new();
    for _ in 0..rng.range(1, 4) {
        let t = tags[rng.skewed(tags.len())].as_str();
        if !mine.contains(&t) {
            mine.push(t);
        }
    }
    let quoted: Vec<String> = mine.iter().map(|t| format!("\"{t}\"")).collect();
    let _ = writeln!(fm, "tags = [{}]", quoted.join(", "));
    for k in 0..rng.range(0, 3) {
        fm.push_str("\n[[events]]\n");
        let _ = writeln!(fm, "date = \"{}\"", event_date(rng));
        let _ = writeln!(fm, "title = \"{}\"", plain_sentence(rng, 4, 9));
        let _ = writeln!(fm, "body = \"{}.\"", plain_sentence(rng, 12, 30));
        if k == 0 && rng.chance(2) {
            let _ = writeln!(fm, "anchor = \"{}\"", slugify(&meta.first_heading));
        }
        let _ = writeln!(
            fm,
            "tags = [\"{}\"]",
            event_tags[rng.skewed(event_tags.len())]
        );
        let _ = writeln!(fm, "id = \"ev-{i:06}-{k}\"");
    }
    fm.push_str("+++\n\n");
    fm
}

fn article(
    rng: &mut Rng,
    i: usize,
    ctx: &Ctx<'_>,
    tags: &[String],
    event_tags: &[String],
) -> String {
    let meta = &ctx.articles[i];
    let mut out = front_matter(rng, i, meta, tags, event_tags);
    let target = rng.range(800, 1500);
    let mut words = paragraph(rng, ctx, &mut out);
    let with_code = rng.chance(5);
    let mut section = 0;
    while words < target {
        let heading = if section == 0 {
            meta.first_heading.clone()
        } else {
            format!("{} {section}", plain_sentence(rng, 2, 4))
        };
        let level = if section > 0 && rng.chance(4) {
            "###"
        } else {
            "##"
        };
        let _ = writeln!(out, "{level} {heading}\n");
        for _ in 0..rng.range(1, 3) {
            words += paragraph(rng, ctx, &mut out);
        }
        match section {
            1 => words += list(rng, ctx, &mut out),
            2 => words += table(rng, &mut out),
            3 if with_code => code(rng, &mut out),
            _ => {}
        }
        section += 1;
    }
    out
}

fn term_file(rng: &mut Rng, i: usize, terms: &[Term]) -> String {
    let t = &terms[i];
    let mut out = format!("+++\nterm = \"{}\"\n", t.name);
    if let Some(a) = &t.acronym {
        let _ = writeln!(out, "aliases = [\"{a}\"]");
    }
    out.push_str("+++\n");
    let _ = writeln!(out, "{}.\n", plain_sentence(rng, 15, 35));
    let other = &terms[(i + 1 + rng.range(0, terms.len() - 2)) % terms.len()];
    let _ = writeln!(
        out,
        "{} relates to the {}.",
        plain_sentence(rng, 8, 20),
        other.name
    );
    out
}

fn timeline(rng: &mut Rng, articles: &[ArticleMeta], event_tags: &[String]) -> String {
    let mut out = String::new();
    for k in 0..articles.len() / 20 + 1 {
        out.push_str("[[events]]\n");
        let _ = writeln!(out, "date = \"{}\"", event_date(rng));
        let _ = writeln!(out, "title = \"{}\"", plain_sentence(rng, 4, 9));
        let _ = writeln!(out, "body = \"{}.\"", plain_sentence(rng, 12, 30));
        let _ = writeln!(out, "article = \"{}\"", rng.pick(articles).file);
        let _ = writeln!(
            out,
            "tags = [\"{}\"]",
            event_tags[rng.skewed(event_tags.len())]
        );
        let _ = writeln!(out, "id = \"tl-{k:06}\"\n");
    }
    out
}

const SITE_TOML: &str = "title = \"Benchmark Gazette\"\ndescription = \"A generated corpus for benchmarks\"\nbase_url = \"https://example.org/\"\nlanguage = \"en\"\nauthor = \"kiji bench\"\n";

const HUGO_CONFIG: &str = "baseURL = \"https://example.org/\"\ntitle = \"Benchmark Gazette\"\nlanguageCode = \"en\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\", \"robotsTXT\", \"404\", \"section\"]\n";

const HUGO_SINGLE: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }} · {{ .Site.Title }}</title></head>\n<body><main><h1>{{ .Title }}</h1><p>{{ .Date.Format \"2006-01-02\" }}</p>\n{{ .Content }}\n</main></body></html>\n";

const HUGO_INDEX: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Site.Title }}</title></head>\n<body><h1>{{ .Site.Title }}</h1><ul>\n{{ range .Site.RegularPages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a> {{ .Date.Format \"2006-01-02\" }}</li>\n{{ end }}</ul></body></html>\n";

struct Args {
    articles: usize,
    terms: usize,
    seed: u64,
    out: PathBuf,
    hugo: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        articles: 1000,
        terms: 500,
        seed: 1,
        out: PathBuf::from("corpus"),
        hugo: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--articles" => args.articles = num()? as usize,
            "--terms" => args.terms = num()? as usize,
            "--seed" => args.seed = num()?,
            "--out" => args.out = PathBuf::from(&value),
            "--hugo" => args.hugo = Some(PathBuf::from(&value)),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if args.articles < 2 || args.terms < 2 {
        return Err("--articles and --terms must be at least 2".into());
    }
    Ok(args)
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

fn reset_dir(dir: &Path) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("gen_corpus: {e}\nusage: gen_corpus --articles N --terms N --out DIR [--seed N] [--hugo DIR]");
        std::process::exit(2);
    });
    let mut rng = Rng(args.seed);
    let terms = gen_terms(&mut rng, args.terms);
    let titles = gen_titles(&mut rng, args.articles);
    let tags: Vec<String> = (0..60)
        .map(|i| format!("{}-{i}", rng.pick(&WORDS[120..])))
        .collect();
    let event_tags: Vec<String> = (0..25)
        .map(|i| format!("{}-{i}", rng.pick(&WORDS[120..])))
        .collect();

    let articles_dir = args.out.join("content/articles");
    let glossary_dir = args.out.join("content/glossary");
    reset_dir(&args.out);
    fs::create_dir_all(&articles_dir).expect("create articles dir");
    fs::create_dir_all(&glossary_dir).expect("create glossary dir");
    write(&args.out.join("site.toml"), SITE_TOML);
    let hugo_posts = args.hugo.as_ref().map(|h| {
        reset_dir(h);
        for d in ["content/posts", "layouts/_default"] {
            fs::create_dir_all(h.join(d)).expect("create hugo dirs");
        }
        write(&h.join("hugo.toml"), HUGO_CONFIG);
        write(&h.join("layouts/_default/single.html"), HUGO_SINGLE);
        write(&h.join("layouts/_default/list.html"), HUGO_INDEX);
        write(&h.join("layouts/index.html"), HUGO_INDEX);
        h.join("content/posts")
    });

    let mut total_words = 0usize;
    for i in 0..args.articles {
        // Each article draws from its own stream, so article i is the same at any corpus size
        // apart from the links it makes.
        let mut arng = Rng(args.seed ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let topic: Vec<usize> = (0..arng.range(6, 14))
            .map(|_| arng.skewed(terms.len()))
            .collect();
        let ctx = Ctx {
            terms: &terms,
            topic,
            articles: &titles,
            self_index: i,
        };
        let text = article(&mut arng, i, &ctx, &tags, &event_tags);
        total_words += text.split_whitespace().count();
        write(&articles_dir.join(&titles[i].file), &text);
        if let Some(posts) = &hugo_posts {
            write(&posts.join(&titles[i].file), &text);
        }
    }
    for i in 0..terms.len() {
        let text = term_file(&mut rng, i, &terms);
        write(
            &glossary_dir.join(format!("{}.md", slugify(&terms[i].name))),
            &text,
        );
    }
    write(
        &args.out.join("content/timeline.toml"),
        &timeline(&mut rng, &titles, &event_tags),
    );
    eprintln!(
        "gen_corpus: {} articles (~{} words each), {} terms → {}{}",
        args.articles,
        total_words / args.articles,
        terms.len(),
        args.out.display(),
        args.hugo
            .as_ref()
            .map(|h| format!(", Hugo site → {}", h.display()))
            .unwrap_or_default()
    );
}
