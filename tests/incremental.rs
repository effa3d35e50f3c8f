//! Issue 5: the dev server's incremental rebuilds give the same bytes as a full build.

mod common;

use common::*;
use kiji::incremental::{Rebuilt, SiteState};

/// SplitMix64: deterministic edits without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const MAX_STEPS: usize = 20;

const WORDS: &[&str] = &[
    "alliance",
    "Treaty",
    "AOD",
    "budget",
    "deterrence",
    "the",
    "and",
    "Japan",
    "navy",
    "drill",
];

fn seed_site() -> TestSite {
    let site = TestSite::new();
    site.term(
        "aod.md",
        "term = \"AOD\"\nexpansion = \"Air Defence\"",
        "An air defence idea.",
    );
    site.term("treaty.md", "term = \"Treaty\"", "A binding agreement.");
    // Reports that merge with the articles' events: by date and title, by id, and one
    // naming an article.
    site.file(
        "content/timeline.toml",
        "[[events]]\ndate = \"2023\"\ntitle = \"Shared event\"\ntags = [\"toml\"]\nbody = \"From the timeline file.\"\n\n\
         [[events]]\ndate = \"2024-03\"\ntitle = \"Event 0\"\narticle = \"a0.md\"\n\n\
         [[events]]\ndate = \"2022\"\ntitle = \"Summit from the file\"\nid = \"summit\"\n",
    );
    for i in 0..4 {
        article(&site, i, &mut Rng(i as u64), 0);
    }
    site
}

fn article(site: &TestSite, i: usize, rng: &mut Rng, version: usize) {
    let words: Vec<&str> = (0..12).map(|_| WORDS[rng.below(WORDS.len())]).collect();
    let link = if i > 0 && rng.below(2) == 0 {
        format!(" See [the first](a0.md#part-{version}).")
    } else {
        String::new()
    };
    let front = format!(
        "title = \"Article {i} v{}\"\ndate = 2025-0{}-1{}\ntags = [\"t{}\"]\n\n[[events]]\ndate = \"2024-0{}\"\ntitle = \"Event {i} about the {}\"",
        rng.below(3),
        1 + i % 9,
        rng.below(9),
        rng.below(3),
        1 + rng.below(9),
        WORDS[rng.below(WORDS.len())],
    );
    // Article 0 has every heading the others may link to.
    let headings: String = if i == 0 {
        (0..=MAX_STEPS)
            .map(|v| format!("\n\n## Part {v}\n\nText."))
            .collect()
    } else {
        String::new()
    };
    site.article(
        &format!("a{i}.md"),
        &front,
        &format!("{}.{link}{headings}\n", words.join(" ")),
    );
}

/// Overrides the built-in article template with `extra` at the end of its content.
fn article_template_with(site: &TestSite, extra: &str) {
    let base = kiji::theme::TEMPLATES
        .iter()
        .find(|(n, _)| *n == "article.html")
        .unwrap()
        .1;
    site.file(
        "layouts/article.html",
        &base.replace(
            "{% endblock content %}",
            &format!("{extra}{{% endblock content %}}"),
        ),
    );
}

/// Writes `file` as `text` with the line that begins at `start` replaced by `line`.
fn replace_line(site: &TestSite, file: &str, text: &str, start: usize, line: &str) {
    let end = start + text[start..].find('\n').unwrap();
    std::fs::write(
        site.path(file),
        format!("{}{line}{}", &text[..start], &text[end..]),
    )
    .unwrap();
}

/// One random edit of the kinds an editor makes: what it did, and the file it touched
/// (root-relative), as the watcher would name it.
fn edit(site: &TestSite, rng: &mut Rng, step: usize) -> (String, String) {
    match rng.below(23) {
        20..=22 => {
            // Only the events change: a new date or title (a new event), one shared
            // with other articles (merged into one), a term in its body, a tag.
            let i = rng.below(4);
            let file = format!("content/articles/a{i}.md");
            let Ok(text) = std::fs::read_to_string(site.path(&file)) else {
                return (format!("reevent missing a{i}.md"), file);
            };
            let Some(start) = text.find("[[events]]") else {
                return (format!("reevent a{i}.md without events"), file);
            };
            let end = start + text[start..].find("\n+++").unwrap();
            let month = 1 + rng.below(9);
            let word = WORDS[rng.below(WORDS.len())];
            let events = match rng.below(7) {
                // One event by id, reported by several articles and timeline.toml.
                5 => format!("[[events]]\ndate = \"2022\"\ntitle = \"Summit {i}\"\nid = \"summit\""),
                // The same date and title as the shared event, another id: two events
                // that sort alike.
                6 => format!("[[events]]\ndate = \"2023\"\ntitle = \"Shared event\"\nid = \"own-{i}\""),
                0 => format!("[[events]]\ndate = \"2024-0{month}\"\ntitle = \"Event {i} about the {word}\""),
                1 => format!("[[events]]\ndate = \"2024-0{month}\"\ntitle = \"Event {i}\"\n\n[[events]]\ndate = \"2023\"\ntitle = \"Shared event\"\ntags = [\"e{}\"]", rng.below(2)),
                2 => format!("[[events]]\ndate = \"2024-0{month}\"\ntitle = \"Event {i}\"\nbody = \"The AOD, {step}.\""),
                3 => format!("[[events]]\ndate = \"2024-0{month}\"\ntitle = \"Event {i}\"\ntags = [\"e{}\"]", rng.below(3)),
                _ => "[[events]]\ndate = \"2023\"\ntitle = \"Shared event\"".to_string(),
            };
            std::fs::write(
                site.path(&file),
                format!("{}{events}{}", &text[..start], &text[end..]),
            )
            .unwrap();
            (format!("reevent a{i}.md"), file)
        }
        17..=19 => {
            // A new date, or a first `updated` date: a day later within its month
            // keeps the article's place (each article has a month of its own), a new
            // month may move it.
            let i = rng.below(4);
            let file = format!("content/articles/a{i}.md");
            let Ok(text) = std::fs::read_to_string(site.path(&file)) else {
                return (format!("redate missing a{i}.md"), file);
            };
            // Without the `updated` line of an earlier edit, if any.
            let text = match text.find("\nupdated = ") {
                Some(at) => {
                    let end = at + 1 + text[at + 1..].find('\n').unwrap();
                    format!("{}{}", &text[..at], &text[end..])
                }
                None => text,
            };
            let start = text.find("\ndate = 2025-").unwrap() + 1;
            let month = &text[start + "date = 2025-".len()..][..2];
            let day = 10 + rng.below(19);
            let line = match rng.below(4) {
                0 => format!("date = 2025-0{}-{day}", 1 + rng.below(9)),
                1 => format!("date = 2025-{month}-{day}\nupdated = 2025-12-{day}"),
                _ => format!("date = 2025-{month}-{day}"),
            };
            replace_line(site, &file, &text, start, &line);
            (format!("redate a{i}.md"), file)
        }
        14..=16 => {
            // Only what other pages show of it: the title, sometimes with a summary.
            let i = rng.below(4);
            let file = format!("content/articles/a{i}.md");
            let Ok(text) = std::fs::read_to_string(site.path(&file)) else {
                return (format!("retitle missing a{i}.md"), file);
            };
            let start = text.find("title = \"").unwrap();
            let title = match rng.below(3) {
                0 => format!("title = \"Article {i} retitled {step}\"\nsummary = \"Edit {step}\""),
                1 => format!("title = \"Zz {i} <b>{step}</b>\""),
                _ => format!("title = \"Article {i} retitled {step}\""),
            };
            replace_line(site, &file, &text, start, &title);
            (format!("retitle a{i}.md"), file)
        }
        10..=13 => {
            // Only the body changes, as most saves do: a sentence, sometimes with a
            // glossary term, a link to a heading elsewhere or a heading of its own.
            let i = rng.below(4);
            let file = format!("content/articles/a{i}.md");
            let Ok(text) = std::fs::read_to_string(site.path(&file)) else {
                return (format!("append to missing a{i}.md"), file);
            };
            let extra = match rng.below(5) {
                0 => " The AOD matters here.".to_string(),
                1 => format!(" See [part {step}](a0.md#part-{step})."),
                2 => format!("\n\n## Added {step}\n\nMore."),
                3 => format!(" Plain words {step} {}.", WORDS[rng.below(WORDS.len())]),
                _ => format!(" Quiet words, edit {step}."),
            };
            std::fs::write(site.path(&file), format!("{}{extra}\n", text.trim_end())).unwrap();
            (format!("append to a{i}.md"), file)
        }
        9 => {
            // Only the tags change: the body (and so every mention) stays the same.
            let i = rng.below(4);
            let path = site.path(&format!("content/articles/a{i}.md"));
            let file = format!("content/articles/a{i}.md");
            let Ok(text) = std::fs::read_to_string(&path) else {
                return (format!("retag missing a{i}.md"), file);
            };
            let tag = format!("tags = [\"t{}\"]", 3 + rng.below(3));
            let start = text.find("tags = [").unwrap();
            let end = start + text[start..].find(']').unwrap() + 1;
            std::fs::write(&path, format!("{}{tag}{}", &text[..start], &text[end..])).unwrap();
            (format!("retag a{i}.md"), file)
        }
        0..=3 => {
            let i = rng.below(6);
            // Article 0 is rewritten with the same headings, so links to it stay valid.
            article(site, i, rng, step);
            (
                format!("write a{i}.md"),
                format!("content/articles/a{i}.md"),
            )
        }
        4 => {
            let i = 1 + rng.below(5);
            let file = format!("content/articles/a{i}.md");
            let _ = std::fs::remove_file(site.path(&file));
            (format!("delete a{i}.md"), file)
        }
        5 => {
            let def = WORDS[rng.below(WORDS.len())];
            site.term(
                "treaty.md",
                "term = \"Treaty\"",
                &format!("A {def} agreement."),
            );
            ("edit a term".into(), "content/glossary/treaty.md".into())
        }
        6 => {
            let title = ["Test Site", "Another Title"][rng.below(2)];
            site.config(&format!(
                "title = \"{title}\"\nbase_url = \"https://example.org/\"\n"
            ));
            ("edit site.toml".into(), "site.toml".into())
        }
        7 => {
            site.file(
                "assets/style.css",
                &format!("body {{ margin: {}px }}\n", rng.below(9)),
            );
            ("edit the stylesheet".into(), "assets/style.css".into())
        }
        _ => {
            let extra = ["", "<p class=\"extra\">{{ article.words }}</p>"][rng.below(2)];
            article_template_with(site, extra);
            ("edit a template".into(), "layouts/article.html".into())
        }
    }
}

#[test]
fn random_edit_sequences_give_the_same_bytes_as_a_full_build() {
    let mut compared = 0;
    let mut body_edits = 0;
    let mut front_matter_edits = 0;
    let mut redates = 0;
    let mut retags = 0;
    let mut reevents = 0;
    // Event edits whose timeline was gathered again only in part, and whole.
    let (mut in_part, mut whole) = (0, 0);
    for seed in 0..6u64 {
        let site = seed_site();
        let mut state = SiteState::new(site.root().to_path_buf(), site.options());
        let mut rng = Rng(seed);
        let mut history = Vec::new();
        for step in 1..=MAX_STEPS {
            let (what, file) = edit(&site, &mut rng, step);
            history.push(what);
            let full = kiji::build(site.root(), &site.options());
            // As the watcher does: content files by name, anything else as unknown.
            let named = [file];
            let changed = named[0].starts_with("content/").then_some(&named[..]);
            let incremental = state.rebuild_changed(changed).map(Rebuilt::complete);
            match (full, incremental) {
                (Ok(full), Ok(inc)) => {
                    let differ = full.output.changed_paths(&inc.built.output);
                    assert!(
                        differ.is_empty(),
                        "seed {seed}, after {history:?} (work: {}): {differ:?} differ",
                        inc.work
                    );
                    compared += 1;
                    body_edits += usize::from(inc.work.body_edit);
                    front_matter_edits += usize::from(inc.work.front_matter_edit);
                    let fast_edit = |kind: &str| {
                        usize::from(
                            inc.work.front_matter_edit && history.last().unwrap().starts_with(kind),
                        )
                    };
                    redates += fast_edit("redate");
                    retags += fast_edit("retag");
                    reevents += fast_edit("reevent");
                    if let Some((gathered, total)) = inc.work.events_gathered {
                        if gathered < total {
                            in_part += 1;
                        } else {
                            whole += 1;
                        }
                    }
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.render(), b.render(), "seed {seed}, after {history:?}")
                }
                (a, b) => panic!(
                    "seed {seed}, after {history:?}: full build ok={}, incremental ok={}",
                    a.is_ok(),
                    b.is_ok()
                ),
            }
        }
    }
    // Most steps must build, or the comparison above proves little.
    assert!(compared > 40, "only {compared} successful builds compared");
    // ...and the fast path for body edits must have been taken, or it is untested.
    assert!(
        body_edits >= 5,
        "only {body_edits} body edits took the fast path"
    );
    assert!(
        front_matter_edits >= 5,
        "only {front_matter_edits} front matter edits took the fast path"
    );
    assert!(redates >= 3, "only {redates} date edits took the fast path");
    assert!(retags >= 2, "only {retags} tag edits took the fast path");
    assert!(
        reevents >= 3,
        "only {reevents} event edits took the fast path"
    );
    // Both ways of gathering the timeline again were compared with full builds.
    assert!(
        in_part >= 5 && whole >= 1,
        "timelines gathered again in part {in_part} times, whole {whole} times"
    );
}

#[test]
fn an_edit_to_one_article_re_renders_only_what_depends_on_it() {
    let site = TestSite::new();
    for i in 0..20 {
        site.simple(
            &format!("a{i:02}.md"),
            &format!("Article {i}"),
            "Body text.\n",
        );
    }
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    let first = state.rebuild().unwrap();
    assert_eq!(first.work.documents, first.work.documents_total);
    assert_eq!(first.work.pages, first.work.pages_total);
    // A body edit that keeps the title, date and reading time, on the full path: of
    // the documents only it is rendered again, of the article pages only its own.
    site.simple("a07.md", "Article 7", "Body text, edited.\n");
    let second = state.rebuild().unwrap();
    assert_eq!(second.work.documents, 1, "{}", second.work);
    assert!(second.work.pages_total > 20);
    // A temp file that came and went in the same burst (`sed -i`) is no reason to
    // leave the fast path.
    site.simple("a08.md", "Article 8", "Body text, edited too.\n");
    let named = [
        "content/articles/a08.md".to_string(),
        "content/articles/sedX1b2c3".to_string(),
    ];
    let fast = state.rebuild_changed(Some(&named)).unwrap();
    assert!(fast.work.body_edit, "{}", fast.work);
    assert_eq!(fast.work.pages, 1, "{}", fast.work);
    // Nothing changed: no document and no article page is rendered. The listing pages
    // (home, tags, timeline, glossary) are written again natively, which costs less
    // than keying them; they are a few of the site's pages.
    let third = state.rebuild().unwrap();
    assert_eq!(third.work.documents, 0, "{}", third.work);
    let listings = third.work.pages;
    assert!(listings < third.work.pages_total - 20, "{}", third.work);
    assert_eq!(second.work.pages, listings + 1, "{}", second.work);
    assert_eq!(third.built.output, fast.built.output);
}

/// A new title is a front matter edit: the dev server renders the pages that name the
/// article (its neighbours, the articles that list it as related, the home page, its
/// tag page, the glossary, the timeline) and no other, and they read as a full build's.
#[test]
fn a_new_title_shows_on_every_page_that_names_the_article() {
    let site = TestSite::new();
    site.term("aod.md", "term = \"AOD\"", "An air defence idea.");
    // Newest first: e5 … e0. Only e2 and e4 share a tag (so each lists the other as
    // related); e2 also mentions a term and has an event.
    for i in 0..6 {
        let tag = match i {
            2 | 4 => "shared".to_string(),
            _ => format!("t{i}"),
        };
        let event = if i == 2 {
            "\n\n[[events]]\ndate = \"2024-03\"\ntitle = \"The e2 event\""
        } else {
            ""
        };
        let body = if i == 2 {
            "The AOD is discussed.\n"
        } else {
            "Plain words.\n"
        };
        site.article(
            &format!("e{i}.md"),
            &format!(
                "title = \"Old {i}\"\ndate = 2025-01-0{}\ntags = [\"{tag}\"]{event}",
                i + 1
            ),
            body,
        );
    }
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    let first = state.rebuild().unwrap();
    let file = "content/articles/e2.md";
    let text = std::fs::read_to_string(site.path(file)).unwrap();
    std::fs::write(site.path(file), text.replace("Old 2", "New & <b>2</b>")).unwrap();
    let edited = front_matter_edit(&site, &mut state, file);
    // Where the new title shows, as text (escaped, never markup).
    let new_title = "New & <b>2</b>";
    let shows = |path: &str, css: &str| {
        texts(&page(&edited.built, path), css)
            .iter()
            .any(|t| t.contains(new_title))
    };
    assert!(shows("articles/e2/index.html", "h1"));
    assert!(shows("articles/e1/index.html", "a[rel=next]"));
    assert!(shows("articles/e3/index.html", "a[rel=prev]"));
    assert!(shows("articles/e4/index.html", ".related a"));
    assert!(shows("index.html", "main a"));
    assert!(shows("tags/shared/index.html", "main a"));
    assert!(shows("glossary/index.html", "main a"));
    assert!(shows("timeline/index.html", "main a"));
    let changed = first.built.output.changed_paths(&edited.built.output);
    for unrelated in [
        "articles/e0/index.html",
        "articles/e5/index.html",
        "tags/t0/index.html",
    ] {
        assert!(
            !changed.iter().any(|p| p == unrelated),
            "{unrelated} changed: {changed:?}"
        );
    }
    // Only the pages that name it were rendered: not e0's, e5's or the tag pages
    // of other tags.
    assert!(edited.work.pages < 12, "{}", edited.work);
}

/// A date edit that keeps the article's place takes the front matter fast path, and
/// what it changes beyond the pages that name the article is written too: the
/// sitemap's `lastmod`, and the feed's own `updated` date, even for an article too old
/// for the feed to list.
#[test]
fn a_new_date_reaches_the_sitemap_and_the_feed_beyond_its_entries() {
    let site = TestSite::new();
    site.config(
        "title = \"Test Site\"\nbase_url = \"https://example.org/\"\n\n[feed]\nlimit = 1\n",
    );
    for i in 0..3 {
        site.article(
            &format!("d{i}.md"),
            &format!("title = \"Dated {i}\"\ndate = 2025-0{}-10", i + 1),
            "Plain words.\n",
        );
    }
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    state.rebuild().unwrap();
    // d0 is the oldest, third in the order: the feed lists only d2.
    let file = "content/articles/d0.md";
    let text = std::fs::read_to_string(site.path(file)).unwrap();
    std::fs::write(
        site.path(file),
        text.replace(
            "date = 2025-01-10",
            "date = 2025-01-12\nupdated = 2025-05-01",
        ),
    )
    .unwrap();
    let edited = state
        .rebuild_changed(Some(&[file.to_string()]))
        .unwrap()
        .complete();
    assert!(edited.work.front_matter_edit, "{}", edited.work);
    let full = site.build();
    assert!(full.output.changed_paths(&edited.built.output).is_empty());

    let xml =
        |path: &str| String::from_utf8(edited.built.output.get(path).unwrap().to_vec()).unwrap();
    let feed = xml("feed.xml");
    let feed = roxmltree::Document::parse(&feed).unwrap();
    let feed_updated = feed
        .root_element()
        .children()
        .find(|n| n.has_tag_name("updated"))
        .and_then(|n| n.text())
        .unwrap();
    assert_eq!(feed_updated, "2025-05-01T00:00:00Z");
    let sitemap = xml("sitemap.xml");
    let sitemap = roxmltree::Document::parse(&sitemap).unwrap();
    let lastmod = sitemap
        .descendants()
        .filter(|n| n.has_tag_name("url"))
        .find(|u| {
            u.descendants()
                .any(|n| n.has_tag_name("loc") && n.text().unwrap_or("").ends_with("/articles/d0/"))
        })
        .and_then(|u| u.descendants().find(|n| n.has_tag_name("lastmod")))
        .and_then(|n| n.text())
        .unwrap();
    assert_eq!(lastmod, "2025-05-01");
    // The article's own page shows both dates.
    let page = scraper::Html::parse_document(
        std::str::from_utf8(edited.built.output.get("articles/d0/index.html").unwrap()).unwrap(),
    );
    assert!(attrs(&page, "time", "datetime").contains(&"2025-01-12".to_string()));
    assert!(attrs(&page, "time", "datetime").contains(&"2025-05-01".to_string()));
}

/// A rebuild takes the last build's parse of each file whose text is unchanged, except
/// for a file it had something to say about: that one is parsed again, so its warning
/// is still reported after an edit elsewhere.
#[test]
fn a_rebuild_still_reports_the_warnings_of_files_it_did_not_change() {
    let site = TestSite::new();
    site.article(
        "a.md",
        "title = \"A\"\ndate = 2024-01-01\ncolour = \"red\"",
        "Body of A.\n",
    );
    site.simple("b.md", "B", "Body of B.\n");
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    let warned = |r: &Rebuilt| -> Vec<String> {
        r.built
            .warnings
            .warnings()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect()
    };
    let first = state.rebuild().unwrap();
    assert_eq!(
        warned(&first),
        ["content/articles/a.md:4:1: unknown front matter field `colour` is ignored"]
    );
    // New tags move b.md between tag pages: the full path, which reads every file.
    site.article(
        "b.md",
        "title = \"B\"\ndate = 2024-01-01\ntags = [\"navy\"]",
        "Body of B.\n",
    );
    let named = ["content/articles/b.md".to_string()];
    let second = state
        .rebuild_changed(Some(&named))
        .map(Rebuilt::complete)
        .unwrap();
    assert!(
        !second.work.body_edit && !second.work.front_matter_edit,
        "{}",
        second.work
    );
    assert_eq!(warned(&second), warned(&first));
    let full = kiji::build(site.root(), &site.options()).unwrap();
    assert!(full.output.changed_paths(&second.built.output).is_empty());
}

/// A typo fixed keeps the article's word count and glossary mentions, so everything
/// its page shows but the text is as before: the page still shows the new text, on
/// the fast path and on the full path (the page cache knows the body by a hash of
/// its HTML, not by what else the page shows).
#[test]
fn a_typo_fix_reaches_the_article_page_on_both_paths() {
    let site = TestSite::new();
    site.simple("a.md", "A", "Teh alliance grew.\n");
    site.simple("b.md", "B", "Another article.\n");
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    let body = |r: &Rebuilt| texts(&page(&r.built, "articles/a/index.html"), ".prose p");
    let first = state.rebuild().unwrap();
    assert_eq!(body(&first), ["Teh alliance grew."]);

    site.simple("a.md", "A", "The alliance grew.\n");
    let named = ["content/articles/a.md".to_string()];
    let fast = state.rebuild_changed(Some(&named)).unwrap();
    assert!(fast.work.body_edit, "{}", fast.work);
    assert_eq!(body(&fast), ["The alliance grew."]);

    // Another typo, saved with a tag edit elsewhere: the full path.
    site.simple("a.md", "A", "The alliance grows.\n");
    site.article(
        "b.md",
        "title = \"B\"\ndate = 2025-01-10\ntags = [\"navy\"]",
        "Another article.\n",
    );
    let named = [
        "content/articles/a.md".to_string(),
        "content/articles/b.md".to_string(),
    ];
    let full_path = state
        .rebuild_changed(Some(&named))
        .map(Rebuilt::complete)
        .unwrap();
    assert!(!full_path.work.body_edit, "{}", full_path.work);
    assert_eq!(body(&full_path), ["The alliance grows."]);
    let full = kiji::build(site.root(), &site.options()).unwrap();
    assert!(full
        .output
        .changed_paths(&full_path.built.output)
        .is_empty());
}

/// Rebuilds after an edit to `file` that must take the front matter fast path, and
/// checks that the site reads as a full build's.
fn front_matter_edit(site: &TestSite, state: &mut SiteState, file: &str) -> Rebuilt {
    let edited = state
        .rebuild_changed(Some(&[file.to_string()]))
        .map(Rebuilt::complete)
        .unwrap();
    assert!(edited.work.front_matter_edit, "{}", edited.work);
    let full = kiji::build(site.root(), &site.options()).unwrap();
    assert_eq!(
        full.output.changed_paths(&edited.built.output),
        Vec::<String>::new()
    );
    edited
}

/// `file` rebuilt after a change, and a full build of the site as it is now: both
/// build the same bytes (the rebuild returned), or both refuse it with the same report
/// (returned as the error).
fn rebuilt_as_full(site: &TestSite, state: &mut SiteState, file: &str) -> Result<Rebuilt, String> {
    let built = state
        .rebuild_changed(Some(&[file.to_string()]))
        .map(Rebuilt::complete);
    match (built, kiji::build(site.root(), &site.options())) {
        (Ok(built), Ok(full)) => {
            assert_eq!(
                full.output.changed_paths(&built.built.output),
                Vec::<String>::new()
            );
            Ok(built)
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.render(), b.render());
            Err(a.render())
        }
        (a, b) => panic!("incremental ok={}, full ok={}", a.is_ok(), b.is_ok()),
    }
}

/// Rewrites `file` with `from` (which it must hold) replaced by `to`.
fn replace_in(site: &TestSite, file: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(site.path(file)).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(site.path(file), text.replace(from, to)).unwrap();
}

/// `count` articles a0, a1, … dated 2025-01-01, -02, …, each reporting one event of
/// its own ("Event 0" in 2000, "Event 1" in 2001, …), with `extra` front matter.
fn articles_with_an_event(site: &TestSite, count: usize, extra: &str) {
    for i in 0..count {
        site.article(
            &format!("a{i}.md"),
            &format!(
                "title = \"A{i}\"\ndate = 2025-01-0{}{extra}\n\n[[events]]\ndate = \"200{i}\"\ntitle = \"Event {i}\"",
                i + 1
            ),
            "Plain words.\n",
        );
    }
}

/// A site state that built `site` once.
fn built_once(site: &TestSite) -> SiteState {
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    state.rebuild().unwrap();
    state
}

/// A tag edit is a front matter edit too: the dev server updates the tag lists and the
/// related articles in place, and renders the tag pages (a tag no article has any more
/// loses its page), the tags page with its counts, the articles whose related lists
/// changed and, with a theme's own article page (it may show counts), every article
/// of the changed tags. The site reads as a full build's.
#[test]
fn a_tag_edit_reaches_tag_pages_counts_and_related_articles() {
    let site = TestSite::new();
    site.term("aod.md", "term = \"AOD\"", "An air defence idea.");
    let tags = [
        "\"a\"",
        "\"a\", \"b\"",
        "\"b\"",
        "\"a\"",
        "\"c\"",
        "\"c\", \"solo\"",
    ];
    for (i, tags) in tags.iter().enumerate() {
        // e0's related articles are five older ones that share a term with it (which
        // weighs more than a tag): a new article on its tag does not change them.
        let body = if i == 0 {
            "The AOD.\n"
        } else {
            "Plain words.\n"
        };
        site.article(
            &format!("e{i}.md"),
            &format!(
                "title = \"E{i}\"\ndate = 2025-01-0{}\ntags = [{tags}]",
                i + 1
            ),
            body,
        );
    }
    for i in 0..5 {
        site.article(
            &format!("f{i}.md"),
            &format!(
                "title = \"F{i}\"\ndate = 2024-01-0{}\ntags = [\"f\"]",
                i + 1
            ),
            "The AOD.\n",
        );
    }
    article_template_with(
        &site,
        "<p class=\"tag-counts\">{% for t in article.tags %}{{ t.name }}={{ t.count }} {% endfor %}</p>",
    );
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    state.rebuild().unwrap();
    let retag = |state: &mut SiteState, tags: &str| {
        let file = "content/articles/e5.md";
        let text = std::fs::read_to_string(site.path(file)).unwrap();
        let start = text.find("tags = [").unwrap();
        let end = start + text[start..].find(']').unwrap() + 1;
        let text = format!("{}tags = [{tags}]{}", &text[..start], &text[end..]);
        std::fs::write(site.path(file), text).unwrap();
        front_matter_edit(&site, state, file).built
    };
    let tag_count = |built: &kiji::Built, tag: &str| {
        texts(&page(built, "tags/index.html"), "main a.tag")
            .into_iter()
            .find(|t| t.split_whitespace().next() == Some(tag))
            .unwrap_or_else(|| panic!("no tag {tag} on the tags page"))
    };

    // e5 leaves "solo" (no other article has it) and joins "a".
    let built = retag(&mut state, "\"c\", \"a\"");
    assert!(built.output.get("tags/solo/index.html").is_none());
    assert_eq!(tag_count(&built, "a"), "a 4");
    assert_eq!(
        texts(&page(&built, "tags/a/index.html"), "main h2 a"),
        ["E5", "E3", "E1", "E0"]
    );
    // Every article of "a" shows its new count (this theme prints it).
    for e in ["e0", "e1", "e3", "e5"] {
        let counts = texts(
            &page(&built, &format!("articles/{e}/index.html")),
            ".tag-counts",
        );
        assert!(counts[0].contains("a=4"), "{e}: {counts:?}");
    }
    // e3 (tagged "a" only) now lists e5 as related; e5 lists the articles of "a" and
    // "c", newest first.
    let related = |built: &kiji::Built, e: &str| {
        texts(
            &page(built, &format!("articles/{e}/index.html")),
            ".related a",
        )
    };
    assert!(related(&built, "e3").contains(&"E5".to_string()));
    assert_eq!(related(&built, "e0"), ["F4", "F3", "F2", "F1", "F0"]);
    assert_eq!(related(&built, "e5"), ["E4", "E3", "E1", "E0"]);

    // A tag no article had: its page, and the sitemap lists it.
    let built = retag(&mut state, "\"c\", \"a\", \"brand new\"");
    assert_eq!(
        texts(&page(&built, "tags/brand-new/index.html"), "main h2 a"),
        ["E5"]
    );
    let sitemap = String::from_utf8(built.output.get("sitemap.xml").unwrap().to_vec()).unwrap();
    assert!(sitemap.contains("/tags/brand-new/</loc>"), "{sitemap}");
    assert_eq!(tag_count(&built, "brand"), "brand new 1");
}

/// Tag edits on a site whose popular tags list more articles than related articles
/// take candidates from (`CANDIDATES_PER_LIST`), with tags spelled two ways
/// ("Alpha", "alpha": one tag, spelled as its first article spells it): every edit
/// takes the fast path and gives a full build's bytes.
#[test]
fn tag_edits_on_popular_tags_give_the_same_bytes_as_a_full_build() {
    const TAGS: &[&str] = &["Alpha", "alpha", "Beta", "gamma", "delta"];
    let tags_line = |rng: &mut Rng, extra: &str| {
        let mut tags: Vec<String> = (0..1 + rng.below(3))
            .map(|_| format!("\"{}\"", TAGS[rng.below(TAGS.len())]))
            .collect();
        if !extra.is_empty() {
            tags.push(format!("\"{extra}\""));
        }
        format!("tags = [{}]", tags.join(", "))
    };
    let site = TestSite::new();
    site.term("aod.md", "term = \"AOD\"", "An air defence idea.");
    let mut rng = Rng(7);
    for i in 0..300 {
        let body = if i % 3 == 0 {
            "The AOD.\n"
        } else {
            "Plain words.\n"
        };
        let tags = tags_line(&mut rng, "");
        site.article(
            &format!("a{i:03}.md"),
            &format!(
                "title = \"A{i}\"\ndate = {}-{:02}-{:02}\n{tags}",
                2000 + i / 12,
                1 + i % 12,
                1 + i % 28
            ),
            body,
        );
    }
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    state.rebuild().unwrap();
    for step in 0..12 {
        let file = format!("content/articles/a{:03}.md", rng.below(300));
        let text = std::fs::read_to_string(site.path(&file)).unwrap();
        let start = text.find("tags = [").unwrap();
        let extra = if step % 4 == 0 {
            format!("new {step}")
        } else {
            String::new()
        };
        replace_line(&site, &file, &text, start, &tags_line(&mut rng, &extra));
        let edited = state
            .rebuild_changed(Some(std::slice::from_ref(&file)))
            .map(Rebuilt::complete)
            .unwrap();
        let full = kiji::build(site.root(), &site.options()).unwrap();
        assert_eq!(
            full.output.changed_paths(&edited.built.output),
            Vec::<String>::new(),
            "step {step}, {file}"
        );
        let unchanged = text == std::fs::read_to_string(site.path(&file)).unwrap();
        assert!(
            edited.work.front_matter_edit || unchanged,
            "step {step}: {}",
            edited.work
        );
    }
}

/// An event edit is a front matter edit too: the dev server gathers the timeline
/// again, renders the bodies of the events that changed, and writes the timeline
/// pages, the glossary (a term's events) and the page of every article that shows a
/// changed event, even one far from the edited article in the order. The site reads
/// as a full build's.
#[test]
fn an_event_edit_reaches_the_timeline_the_glossary_and_every_article_showing_it() {
    let site = TestSite::new();
    site.term("aod.md", "term = \"AOD\"", "An air defence idea.");
    // e1 and e6 report the same event (its id); e1, the older, gives its title and
    // body. They share no tag or term, and are not neighbours.
    for i in 0..8 {
        let event = if i == 1 || i == 6 {
            "\n\n[[events]]\nid = \"summit\"\ndate = \"2020-05\"\ntitle = \"Summit\"\nbody = \"The first body.\""
        } else {
            ""
        };
        site.article(
            &format!("e{i}.md"),
            &format!(
                "title = \"E{i}\"\ndate = 2025-01-0{}\ntags = [\"t{i}\"]{event}",
                i + 1
            ),
            "Plain words.\n",
        );
    }
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    state.rebuild().unwrap();
    let mut edit_e1 = |from: &str, to: &str| {
        let file = "content/articles/e1.md";
        let text = std::fs::read_to_string(site.path(file)).unwrap();
        assert!(text.contains(from));
        std::fs::write(site.path(file), text.replace(from, to)).unwrap();
        front_matter_edit(&site, &mut state, file).built
    };

    // A new body, same id: rendered again, with its glossary link; the term lists it.
    let built = edit_e1("The first body.", "The AOD met.");
    let timeline = page(&built, "timeline/index.html");
    let body = texts(&timeline, "#summit .event-body");
    assert!(body[0].ends_with(" met."), "{body:?}");
    let links = attrs(&timeline, "#summit .event-body a", "href");
    assert!(links[0].ends_with("glossary/#aod"), "{links:?}");
    let glossary = page(&built, "glossary/index.html");
    assert_eq!(texts(&glossary, ".term-events a"), ["Summit"]);

    // A new title: the page of e6, which reports the same event, shows it.
    let built = edit_e1("title = \"Summit\"", "title = \"Summit, renamed\"");
    let e6 = page(&built, "articles/e6/index.html");
    assert_eq!(texts(&e6, ".mini-timeline a"), ["Summit, renamed"]);

    // A new event with a tag of its own: a timeline tag page, listed in the sitemap.
    let built = edit_e1(
        "body = \"The AOD met.\"",
        "body = \"The AOD met.\"\n\n[[events]]\ndate = \"2021\"\ntitle = \"Drill\"\ntags = [\"navy\"]",
    );
    let tagged = page(&built, "timeline/tags/navy/index.html");
    assert_eq!(texts(&tagged, ".event-title"), ["Drill"]);
    let sitemap = String::from_utf8(built.output.get("sitemap.xml").unwrap().to_vec()).unwrap();
    assert!(sitemap.contains("/timeline/tags/navy/</loc>"), "{sitemap}");
}

/// An event edit the timeline refuses (an anchor that is not a heading, an id another
/// event has) is reported as a full build reports it, and leaves the kept site as it
/// was: fixed, the next save takes the fast path again and reads as a full build.
#[test]
fn a_refused_event_edit_reports_like_a_full_build_and_keeps_the_site() {
    let site = TestSite::new();
    for i in 0..4 {
        site.article(
            &format!("e{i}.md"),
            &format!(
                "title = \"E{i}\"\ndate = 2025-01-0{}\n\n[[events]]\ndate = \"2020-0{}\"\ntitle = \"Event {i}\"\nanchor = \"intro\"",
                i + 1,
                i + 1
            ),
            "## Intro\n\nPlain words.\n",
        );
    }
    let mut state = SiteState::new(site.root().to_path_buf(), site.options());
    let first = state.rebuild().unwrap();
    let file = "content/articles/e1.md";
    let text = std::fs::read_to_string(site.path(file)).unwrap();
    // e0's event has the id 2020-01-event-0 (its date and title).
    let refusals = [
        ("anchor = \"intro\"", "anchor = \"missing\"", "#missing"),
        (
            "anchor = \"intro\"",
            "anchor = \"intro\"\nid = \"2020-01-event-0\"",
            "the same id",
        ),
    ];
    for (n, (from, to, says)) in refusals.into_iter().enumerate() {
        std::fs::write(site.path(file), text.replace(from, to)).unwrap();
        let refused = state
            .rebuild_changed(Some(&[file.to_string()]))
            .err()
            .expect("a refused event is an error");
        let full = kiji::build(site.root(), &site.options()).err().unwrap();
        assert_eq!(refused.render(), full.render());
        assert!(refused.render().contains(says), "{}", refused.render());
        // Fixed with a new title for the event: the fast path, from the site as it was.
        let title = format!("Event one, take {n}");
        std::fs::write(
            site.path(file),
            text.replace("title = \"Event 1\"", &format!("title = \"{title}\"")),
        )
        .unwrap();
        let fixed = front_matter_edit(&site, &mut state, file);
        let changed = first.built.output.changed_paths(&fixed.built.output);
        assert!(
            changed.contains(&"timeline/index.html".to_string()),
            "{changed:?}"
        );
        assert_eq!(
            texts(
                &page(&fixed.built, "articles/e1/index.html"),
                ".mini-timeline a"
            ),
            [title]
        );
    }
}

/// An edit to an article's events alone changes no card, tag list or neighbour link:
/// the dev server writes the timeline and the pages that show the changed events, and
/// the home page only when its count of events or its latest events change.
#[test]
fn an_edit_to_events_alone_renders_only_the_pages_that_show_events() {
    let site = TestSite::new();
    articles_with_an_event(&site, 7, "\ntags = [\"shared\"]");
    let mut state = built_once(&site);
    let file = "content/articles/a0.md";
    let text = std::fs::read_to_string(site.path(file)).unwrap();
    let mut edit = |from: &str, to: &str| {
        assert!(text.contains(from));
        std::fs::write(site.path(file), text.replace(from, to)).unwrap();
        front_matter_edit(&site, &mut state, file)
    };

    // The oldest event, not among the home page's five latest, renamed: the timeline
    // and a0's own page, not the home page, the tag page or a0's neighbours.
    let renamed = edit("title = \"Event 0\"", "title = \"Event zero\"");
    assert_eq!(renamed.work.pages, 2, "{}", renamed.work);
    let timeline = page(&renamed.built, "timeline/index.html");
    assert!(texts(&timeline, ".event-title").contains(&"Event zero".to_string()));

    // One more event: the home page counts it.
    let added = edit(
        "title = \"Event 0\"",
        "title = \"Event 0\"\n\n[[events]]\ndate = \"1999\"\ntitle = \"Earlier\"",
    );
    let home = page(&added.built, "index.html");
    let counts = texts(&home, ".counts a");
    assert!(counts.iter().any(|c| c == "8 dated events"), "{counts:?}");
    assert_eq!(added.work.pages, 3, "{}", added.work);

    // And gone again: no page shows a changed event, but a0's own lists one fewer.
    let removed = edit("title = \"Event 0\"", "title = \"Event 0\"");
    let a0 = page(&removed.built, "articles/a0/index.html");
    assert_eq!(texts(&a0, ".mini-timeline a"), ["Event 0"]);
}

/// A theme may print the number of events on every page (`site.event_count`): after an
/// edit that changes it, every page reads as a full build's.
#[test]
fn a_theme_printing_the_event_count_everywhere_sees_it_change() {
    let site = TestSite::new();
    let base = kiji::theme::TEMPLATES
        .iter()
        .find(|(n, _)| *n == "base.html")
        .unwrap()
        .1;
    site.file(
        "layouts/base.html",
        &base.replace(
            "</footer>",
            "<p class=\"events\">{{ site.event_count }} events</p></footer>",
        ),
    );
    articles_with_an_event(&site, 4, "");
    let mut state = built_once(&site);
    let file = "content/articles/a0.md";
    replace_in(
        &site,
        file,
        "title = \"Event 0\"",
        "title = \"Event 0\"\n\n[[events]]\ndate = \"1999\"\ntitle = \"Earlier\"",
    );
    let edited = rebuilt_as_full(&site, &mut state, file).unwrap();
    let a3 = page(&edited.built, "articles/a3/index.html");
    assert_eq!(texts(&a3, "footer .events"), ["5 events"]);
}

/// The first event of a site without any, added on the fast path: the timeline page
/// reads as a full build's.
#[test]
fn a_first_event_reaches_an_empty_timeline() {
    let site = TestSite::new();
    for i in 0..3 {
        site.article(
            &format!("a{i}.md"),
            &format!("title = \"A{i}\"\ndate = 2025-01-0{}", i + 1),
            "Plain words.\n",
        );
    }
    let mut state = built_once(&site);
    let file = "content/articles/a1.md";
    replace_in(
        &site,
        file,
        "date = 2025-01-02",
        "date = 2025-01-02\n\n[[events]]\ndate = \"2001\"\ntitle = \"First\"",
    );
    let built = front_matter_edit(&site, &mut state, file).built;
    let timeline = page(&built, "timeline/index.html");
    assert_eq!(texts(&timeline, ".event-title"), ["First"]);
}

/// A new date that moves an article in the order takes the full path, but renders
/// nothing again but that article: the others' renders are kept, their links to
/// other articles' headings renumbered to the articles' new places.
#[test]
fn an_article_moving_in_the_order_is_the_only_one_rendered_again() {
    let site = TestSite::new();
    for i in 0..6 {
        let body = match i {
            1 => "See [the part](a4.md#part) and [mine](#own).\n\n## Own\n\nText.\n",
            4 => "## Part\n\nText.\n",
            _ => "Plain words.\n",
        };
        site.article(
            &format!("a{i}.md"),
            &format!("title = \"A{i}\"\ndate = 2025-01-0{}", i + 1),
            body,
        );
    }
    let mut state = built_once(&site);
    let a4 = "content/articles/a4.md";

    // a4, the target of a1's link, moves from fifth to first.
    replace_in(&site, a4, "date = 2025-01-05", "date = 2025-02-01");
    let moved = rebuilt_as_full(&site, &mut state, a4).unwrap();
    assert_eq!(moved.work.documents, 1, "{}", moved.work);
    let home = page(&moved.built, "index.html");
    assert_eq!(texts(&home, ".card h3 a")[0], "A4");

    // Its heading gone, a1's link to it is reported, as by a full build.
    replace_in(&site, a4, "## Part", "Not a heading any more");
    let Err(refused) = rebuilt_as_full(&site, &mut state, a4) else {
        panic!("a link to a missing heading is an error");
    };
    assert!(refused.contains("#part"), "{refused}");
}

/// A new or deleted article takes the full path, but only the documents whose links
/// find something else than before are rendered again: a new article that a bare file
/// name now finds first, or an article a link found that is gone.
#[test]
fn a_new_or_deleted_article_renders_again_only_the_links_it_changes() {
    let site = TestSite::new();
    for i in 0..4 {
        let body = match i {
            1 => "See [b](b.md).\n",
            2 => "See [a3](a3.md).\n",
            _ => "Plain words.\n",
        };
        site.article(
            &format!("a{i}.md"),
            &format!("title = \"A{i}\"\ndate = 2025-01-0{}", i + 1),
            body,
        );
    }
    site.article(
        "sub/b.md",
        "title = \"Sub b\"\ndate = 2024-01-01\nslug = \"sub-b\"",
        "Words.\n",
    );
    let mut state = built_once(&site);
    let rebuild = |state: &mut SiteState, file: &str| rebuilt_as_full(&site, state, file);

    // An article no link finds: only it is rendered.
    site.article("a9.md", "title = \"A9\"\ndate = 2025-02-01", "New.\n");
    let added = rebuild(&mut state, "content/articles/a9.md").unwrap();
    assert_eq!(added.work.documents, 1, "{}", added.work);
    // Its page, its neighbour a3's and the six site pages (12 pages less the six
    // articles'): not the other four articles' pages, though every page's `site`
    // counts one article more (all 12 pages were rendered before).
    assert_eq!(added.work.pages, 8, "{}", added.work);

    // articles/b.md, which a1's link to b.md now finds before sub/b.md.
    site.article("b.md", "title = \"Top b\"\ndate = 2023-01-01", "Words.\n");
    let shadowing = rebuild(&mut state, "content/articles/b.md").unwrap();
    assert_eq!(shadowing.work.documents, 2, "{}", shadowing.work);
    let a1 = page(&shadowing.built, "articles/a1/index.html");
    let links = attrs(&a1, ".prose a", "href");
    assert!(
        links.iter().any(|l| l.ends_with("/articles/b/")),
        "{links:?}"
    );

    // a3, which a2 links to, deleted: the broken link is reported.
    std::fs::remove_file(site.path("content/articles/a3.md")).unwrap();
    let Err(refused) = rebuild(&mut state, "content/articles/a3.md") else {
        panic!("a link to a deleted article is an error");
    };
    assert!(refused.contains("broken link"), "{refused}");
}

/// With a theme's own timeline page, a title edit of an article with events still
/// reads as a full build (the fast path's timeline entries are the built-in page's).
#[test]
fn a_title_edit_with_a_theme_of_its_own_timeline() {
    let site = TestSite::new();
    let timeline = kiji::theme::TEMPLATES
        .iter()
        .find(|(n, _)| *n == "timeline.html")
        .unwrap()
        .1;
    site.file(
        "layouts/timeline.html",
        &timeline.replace("dated event", "dated happening"),
    );
    articles_with_an_event(&site, 3, "");
    let mut state = built_once(&site);
    let file = "content/articles/a1.md";
    replace_in(&site, file, "title = \"A1\"", "title = \"A one\"");
    let built = front_matter_edit(&site, &mut state, file).built;
    let timeline = page(&built, "timeline/index.html");
    assert!(texts(&timeline, ".lede")[0].contains("dated happening"));
    assert!(texts(&timeline, ".event a").contains(&"A one".to_string()));
}
