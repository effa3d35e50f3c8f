//! The built-in pages — `article.html`, `glossary.html`, `timeline.html`, `index.html`
//! and `tag.html`, each inside `base.html` — written straight into a string, for
//! one-off builds of sites that override neither `base.html` nor the page's template.
//!
//! Article pages are nearly every page of a site, and the listing pages are the
//! biggest (19 MB for the glossary at 10,000 articles). Tera spends most of its time
//! on them serialising each page's view into `serde_json::Value`s and looking up dotted
//! paths in them. This writes the same bytes from the views directly: the same escaping
//! (Tera's, `/` included), the same truthiness (empty strings and lists are false),
//! the same whitespace. `tests/native_pages.rs` renders several sites both ways and
//! requires identical bytes for every page, so a change to a template that is not made
//! here too fails the tests.

use super::{
    ArticleSummary, ArticleView, DateView, EventView, Link, PageView, SiteView, TagLink, TermView,
    YearView,
};
use crate::date::Precision;
use crate::html::escape_for_templates_into;

/// Appends escaped text, as `{{ value }}` prints a string.
fn text(out: &mut String, value: &str) {
    escape_for_templates_into(out, value);
}

/// `<a{attrs} href="{{ href }}">{{ label }}</a>`.
fn link(out: &mut String, attrs: &str, href: &str, label: &str) {
    out.push_str("<a");
    out.push_str(attrs);
    out.push_str(" href=\"");
    text(out, href);
    out.push_str("\">");
    text(out, label);
    out.push_str("</a>");
}

/// `<time datetime="{{ date.iso }}">{{ date.human }}</time>`.
fn time(out: &mut String, date: &DateView) {
    out.push_str("<time datetime=\"");
    text(out, &date.iso);
    out.push_str("\">");
    text(out, &date.human);
    out.push_str("</time>");
}

/// `{{ url(path=path) }}` for the site-relative paths the templates use.
fn url(out: &mut String, base: &str, path: &str) {
    text(out, base);
    text(out, path);
}

/// The parts of `base.html` that are the same on every article page, escaped once per
/// build: only the page's title, description, canonical URL and JSON-LD go between them.
pub(super) struct Chrome {
    /// From `<!DOCTYPE html>` to `<title>`.
    opening: String,
    /// After the page title, to the description's value.
    title_suffix: String,
    /// After `og:url`'s value, to `twitter:title`'s value.
    site_name: String,
    /// After `twitter:description`'s value: icons, stylesheets, feed, theme script.
    links: String,
    /// After the JSON-LD: the end of `<head>`, the site header, `<main>`; by page kind,
    /// since the body's class and the current navigation link depend on it.
    body_tops: Vec<(&'static str, String)>,
    /// From `</main>` to the end.
    foot: String,
}

impl Chrome {
    pub(super) fn new(site: &SiteView<'_>) -> Chrome {
        let base = site.base_path;
        let mut opening = String::from("<!DOCTYPE html>\n<html lang=\"");
        text(&mut opening, site.language);
        opening.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
        let mut title_suffix = String::from(" · ");
        text(&mut title_suffix, site.title);
        title_suffix.push_str("</title>\n<meta name=\"description\" content=\"");
        let mut site_name = String::from("\">\n<meta property=\"og:site_name\" content=\"");
        text(&mut site_name, site.title);
        site_name.push_str("\">\n<meta name=\"twitter:card\" content=\"summary\">\n<meta name=\"twitter:title\" content=\"");
        let mut links = String::from(
            "\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<link rel=\"icon\" href=\"",
        );
        url(&mut links, base, "favicon.svg");
        links.push_str("\" type=\"image/svg+xml\">\n<link rel=\"stylesheet\" href=\"");
        url(&mut links, base, "style.css");
        links.push_str("\">\n<link rel=\"stylesheet\" href=\"");
        url(&mut links, base, "syntax.css");
        links.push_str("\">\n<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
        text(&mut links, site.title);
        links.push_str("\" href=\"");
        url(&mut links, base, "feed.xml");
        links.push_str("\">\n<script>try{var t=localStorage.getItem(\"kiji-theme\");if(t)document.documentElement.dataset.theme=t}catch(e){}</script>\n");
        Chrome {
            opening,
            title_suffix,
            site_name,
            links,
            body_tops: NATIVE_KINDS
                .iter()
                .map(|&kind| (kind, body_top(site, kind)))
                .collect(),
            foot: foot(site),
        }
    }
}

pub(super) fn article_page(
    chrome: &Chrome,
    site: &SiteView<'_>,
    page: &PageView,
    article: &ArticleView<'_>,
) -> String {
    page_with(chrome, site, page, article.content.len(), |out| {
        article_content(out, site, article)
    })
}

/// `base.html` up to and including `<main>`, for any page but the 404 page.
fn head(out: &mut String, chrome: &Chrome, site: &SiteView<'_>, page: &PageView) {
    out.push_str(&chrome.opening);
    if page.kind == "index" {
        text(out, site.title);
        out.push_str("</title>\n<meta name=\"description\" content=\"");
    } else {
        text(out, &page.title);
        out.push_str(&chrome.title_suffix);
    }
    text(out, &page.description);
    out.push_str("\">\n<link rel=\"canonical\" href=\"");
    text(out, &page.canonical);
    out.push_str("\">\n<meta property=\"og:title\" content=\"");
    text(out, &page.title);
    out.push_str("\">\n<meta property=\"og:description\" content=\"");
    text(out, &page.description);
    out.push_str("\">\n<meta property=\"og:type\" content=\"");
    text(out, page.og_type);
    out.push_str("\">\n<meta property=\"og:url\" content=\"");
    text(out, &page.canonical);
    out.push_str(&chrome.site_name);
    text(out, &page.title);
    out.push_str("\">\n<meta name=\"twitter:description\" content=\"");
    text(out, &page.description);
    out.push_str(&chrome.links);
    if let Some(ld) = page.json_ld.as_deref().filter(|ld| !ld.is_empty()) {
        out.push_str("<script type=\"application/ld+json\">");
        out.push_str(ld);
        out.push_str("</script>");
    }
    match chrome.body_tops.iter().find(|(kind, _)| *kind == page.kind) {
        Some((_, top)) => out.push_str(top),
        None => out.push_str(&body_top(site, page.kind)),
    }
}

/// The kinds of the pages written here (`PageView::kind`).
const NATIVE_KINDS: [&str; 5] = ["article", "index", "glossary", "timeline", "tag"];

/// `base.html` from the end of `<head>` to `<main>`, for a page of kind `kind`.
fn body_top(site: &SiteView<'_>, kind: &str) -> String {
    let base = site.base_path;
    let mut out = String::from("\n\n</head>\n<body class=\"kind-");
    text(&mut out, kind);
    out.push_str("\">\n<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n<header class=\"site-header\">\n  <div class=\"wrap header-inner\">\n    <a class=\"site-title\" href=\"");
    url(&mut out, base, "");
    out.push_str("\">");
    text(&mut out, site.title);
    out.push_str("</a>\n    <nav class=\"site-nav\" aria-label=\"Main\">\n      <ul>\n");
    for (path, label, current) in [
        ("", "Articles", kind == "index"),
        ("glossary/", "Glossary", kind == "glossary"),
        ("timeline/", "Timeline", kind == "timeline"),
        ("tags/", "Tags", kind == "tags" || kind == "tag"),
        ("search/", "Search", kind == "search"),
    ] {
        out.push_str("        <li><a href=\"");
        url(&mut out, base, path);
        out.push('"');
        if current {
            out.push_str(" aria-current=\"page\"");
        }
        out.push('>');
        out.push_str(label);
        out.push_str("</a></li>\n");
    }
    out.push_str("      </ul>\n    </nav>\n    <button class=\"theme-toggle\" type=\"button\" aria-label=\"Dark theme\" title=\"Dark theme\" hidden>\n      <span aria-hidden=\"true\">◐</span>\n    </button>\n  </div>\n</header>\n<main id=\"main\" class=\"wrap\" tabindex=\"-1\">\n");
    out
}

/// `base.html` from `</main>` on.
fn foot(site: &SiteView<'_>) -> String {
    let base = site.base_path;
    let mut out =
        String::from("\n</main>\n<footer class=\"site-footer\">\n  <div class=\"wrap\">\n    <p>");
    text(&mut out, site.title);
    if !site.description.is_empty() {
        out.push_str(" — ");
        text(&mut out, site.description);
    }
    out.push_str("</p>\n    <p><a href=\"");
    url(&mut out, base, "feed.xml");
    out.push_str("\">Atom feed</a> · <a href=\"");
    url(&mut out, base, "timeline.ics");
    out.push_str("\">Timeline calendar</a> · <a href=\"");
    url(&mut out, base, "glossary.json");
    out.push_str("\">Glossary data</a></p>\n  </div>\n</footer>\n<script src=\"");
    url(&mut out, base, "kiji.js");
    out.push_str("\" defer></script>\n\n</body>\n</html>\n");
    out
}

fn some_text(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// `article.html`'s `content` block.
fn article_content(out: &mut String, site: &SiteView<'_>, a: &ArticleView<'_>) {
    let s = a.summary;
    out.push_str("\n<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">\n  <ol><li><a href=\"");
    url(out, site.base_path, "");
    out.push_str("\">Articles</a></li>");
    if let Some(first) = s.tags.first() {
        out.push_str("<li>");
        link(out, "", &first.url, &first.name);
        out.push_str("</li>");
    }
    out.push_str("<li aria-current=\"page\">");
    text(out, &s.title);
    out.push_str("</li></ol>\n</nav>\n<article class=\"article\" id=\"article\">\n  <header class=\"article-header\">\n    <h1>");
    text(out, &s.title);
    out.push_str("</h1>\n    ");
    if let Some(lede) = some_text(&s.summary) {
        out.push_str("<p class=\"lede\">");
        text(out, lede);
        out.push_str("</p>");
    }
    out.push_str("\n    <p class=\"meta\">\n      ");
    if let Some(author) = some_text(&a.author) {
        out.push_str("<span class=\"author\">By ");
        text(out, author);
        out.push_str("</span> · ");
    }
    out.push_str("\n      ");
    time(out, &s.date);
    out.push_str("\n      ");
    if let Some(updated) = &s.updated {
        out.push_str(" · <span class=\"updated\">Last updated ");
        time(out, updated);
        out.push_str("</span>");
    }
    out.push_str("\n      · ");
    out.push_str(&s.reading_minutes.to_string());
    out.push_str(" min read\n    </p>\n    ");
    if let Some(source) = &a.source {
        out.push_str("\n    <p class=\"source-credit\">Based on\n      ");
        let link = some_text(&source.url);
        if let Some(href) = link {
            out.push_str("<a href=\"");
            text(out, href);
            out.push_str("\">");
        }
        out.push_str("<cite>");
        // `| default(value="a report")` stands in for a missing title, not an empty one.
        text(out, source.title.as_deref().unwrap_or("a report"));
        out.push_str("</cite>");
        if link.is_some() {
            out.push_str("</a>");
        }
        if let Some(author) = some_text(&source.author) {
            out.push_str(" by ");
            text(out, author);
        }
        if let Some(publication) = some_text(&source.publication) {
            out.push_str(", ");
            text(out, publication);
        }
        if let Some(date) = &source.date {
            out.push_str(" (");
            time(out, date);
            out.push(')');
        }
        out.push_str(".\n    </p>\n    ");
    }
    out.push_str("\n    ");
    if !s.tags.is_empty() {
        out.push_str("<ul class=\"tags\" aria-label=\"Tags\">");
        for t in &s.tags {
            out.push_str("<li>");
            link(out, " class=\"tag\"", &t.url, &t.name);
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    out.push_str("\n  </header>\n  <div class=\"article-layout\">\n    ");
    if a.toc.len() > 1 {
        out.push_str("\n    <nav class=\"toc\" aria-labelledby=\"toc-title\">\n      <details open>\n        <summary id=\"toc-title\">Contents</summary>\n        <ol>");
        for h in a.toc {
            out.push_str("<li class=\"toc-level-");
            out.push_str(&h.level.to_string());
            out.push_str("\"><a href=\"#");
            text(out, &h.id);
            out.push_str("\">");
            text(out, &h.title);
            out.push_str("</a></li>");
        }
        out.push_str("</ol>\n      </details>\n    </nav>\n    ");
    }
    out.push_str("\n    <div class=\"prose\">\n");
    out.push_str(a.content);
    out.push_str("\n    </div>\n  </div>\n  <footer class=\"article-footer\">\n    ");
    if !a.terms.is_empty() {
        out.push_str("\n    <section class=\"terms-in-article\" aria-labelledby=\"terms-title\">\n      <h2 id=\"terms-title\">Terms in this article</h2>\n      <ul class=\"term-list\">");
        for t in &a.terms {
            out.push_str("<li>");
            link(out, "", &t.url, &t.name);
            out.push_str(" <span class=\"count\" title=\"mentions\">×");
            out.push_str(&t.count.to_string());
            out.push_str("</span><span class=\"term-def\">");
            text(out, &t.tip);
            out.push_str("</span></li>");
        }
        out.push_str("</ul>\n    </section>\n    ");
    }
    out.push_str("\n    ");
    if !a.events.is_empty() {
        out.push_str("\n    <section class=\"events-in-article\" aria-labelledby=\"events-title\">\n      <h2 id=\"events-title\">Events in this article</h2>\n      <ol class=\"mini-timeline\">");
        for e in &a.events {
            out.push_str("<li>");
            time(out, &e.date);
            out.push(' ');
            link(out, "", &e.url, &e.title);
            if e.upcoming {
                out.push_str(" <span class=\"badge\">planned</span>");
            }
            out.push_str("</li>");
        }
        out.push_str("</ol>\n    </section>\n    ");
    }
    out.push_str("\n    ");
    if !a.related.is_empty() {
        out.push_str("\n    <section class=\"related\" aria-labelledby=\"related-title\">\n      <h2 id=\"related-title\">Related articles</h2>\n      <ul>");
        for r in &a.related {
            out.push_str("<li>");
            link(out, "", &r.url, &r.title);
            if !r.shared_terms.is_empty() {
                out.push_str(" <span class=\"shared\">shares ");
                text(out, &r.shared_terms.join(", "));
                out.push_str("</span>");
            }
            if !r.shared_tags.is_empty() && r.shared_terms.is_empty() {
                out.push_str(" <span class=\"shared\">tagged ");
                text(out, &r.shared_tags.join(", "));
                out.push_str("</span>");
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>\n    </section>\n    ");
    }
    out.push_str("\n    <nav class=\"prev-next\" aria-label=\"More articles\">\n      ");
    neighbour(out, "prev", "← Older", a.previous.as_ref());
    out.push_str("\n      ");
    neighbour(out, "next", "Newer →", a.next.as_ref());
    out.push_str("\n    </nav>\n  </footer>\n</article>\n");
}

/// `<a class="{rel}" rel="{rel}" href="…"><span>{label}</span>title</a>`, if there is one.
fn neighbour(out: &mut String, rel: &str, label: &str, article: Option<&Link>) {
    let Some(a) = article else {
        return;
    };
    out.push_str("<a class=\"");
    out.push_str(rel);
    out.push_str("\" rel=\"");
    out.push_str(rel);
    out.push_str("\" href=\"");
    text(out, &a.url);
    out.push_str("\"><span>");
    out.push_str(label);
    out.push_str("</span>");
    text(out, &a.title);
    out.push_str("</a>");
}

/// A whole page: `base.html` around a content block written by `content`, which
/// should take about `capacity` bytes: the glossary and timeline pages are megabytes,
/// and a string that outgrows its capacity is copied into one twice the size.
fn page_with(
    chrome: &Chrome,
    site: &SiteView<'_>,
    page: &PageView,
    capacity: usize,
    content: impl FnOnce(&mut String),
) -> String {
    let json_ld = page.json_ld.as_deref().map_or(0, str::len);
    let mut out = String::with_capacity(capacity + json_ld + 8 * 1024);
    head(&mut out, chrome, site, page);
    content(&mut out);
    out.push_str(&chrome.foot);
    out
}

/// Tera's `pluralize`: "s" unless the count is one.
fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

fn precision(p: Precision) -> &'static str {
    match p {
        Precision::Year => "year",
        Precision::Month => "month",
        Precision::Day => "day",
    }
}

/// `<ul class="tags" aria-label="Tags">…</ul>` of an article card or an event.
fn tag_list(out: &mut String, tags: &[TagLink]) {
    if tags.is_empty() {
        return;
    }
    out.push_str("<ul class=\"tags\" aria-label=\"Tags\">");
    for t in tags {
        out.push_str("<li>");
        link(out, " class=\"tag\"", &t.url, &t.name);
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

/// `<a class="tag" …>name <span class="count">n</span></a>` items, as the tag lists
/// of the index and timeline pages write them.
fn counted_tag(out: &mut String, t: &TagLink, current: bool) {
    out.push_str("<li><a class=\"tag\" href=\"");
    text(out, &t.url);
    out.push('"');
    if current {
        out.push_str(" aria-current=\"page\"");
    }
    out.push('>');
    text(out, &t.name);
    out.push_str(" <span class=\"count\">");
    out.push_str(&t.count.to_string());
    out.push_str("</span></a></li>");
}

/// `macros.html`'s `article_card`.
fn article_card(out: &mut String, a: &ArticleSummary, level: u8) {
    out.push_str("\n<article class=\"card\">\n  <h");
    out.push_str(&level.to_string());
    out.push_str(" class=\"card-title\">");
    link(out, "", &a.url, &a.title);
    out.push_str("</h");
    out.push_str(&level.to_string());
    out.push_str(">\n  <p class=\"meta\">");
    time(out, &a.date);
    out.push_str(" · ");
    out.push_str(&a.reading_minutes.to_string());
    out.push_str(" min read</p>\n  ");
    if let Some(summary) = some_text(&a.summary) {
        out.push_str("<p class=\"summary\">");
        text(out, summary);
        out.push_str("</p>");
    }
    out.push_str("\n  ");
    tag_list(out, &a.tags);
    out.push_str("\n</article>\n");
}

/// `glossary.html`.
pub(super) fn glossary_page(
    chrome: &Chrome,
    site: &SiteView<'_>,
    page: &PageView,
    terms: &[std::sync::Arc<TermView>],
    letters: &[String],
) -> String {
    let capacity = terms
        .iter()
        .map(|t| t.definition.len() + 400 + t.articles.len() * 200 + t.events.len() * 200)
        .sum();
    page_with(chrome, site, page, capacity, |out| {
        out.push_str("\n<h1>Glossary</h1>\n<p class=\"lede\">");
        out.push_str(&terms.len().to_string());
        out.push_str(" terms used across the articles, each defined once. Every mention in an article links here; every entry lists the articles that discuss it.</p>\n<nav class=\"letters\" aria-label=\"Glossary letters\"><ul>");
        for l in letters {
            out.push_str("<li><a href=\"#letter-");
            text(out, l);
            out.push_str("\">");
            text(out, l);
            out.push_str("</a></li>");
        }
        out.push_str("</ul></nav>\n");
        for l in letters {
            out.push_str("\n<section class=\"letter\" aria-labelledby=\"letter-");
            text(out, l);
            out.push_str("\">\n<h2 class=\"letter-heading\" id=\"letter-");
            text(out, l);
            out.push_str("\">");
            text(out, l);
            out.push_str("</h2>\n<dl class=\"glossary\">\n");
            for t in terms.iter().filter(|t| &t.letter == l) {
                glossary_entry(out, t);
            }
            out.push_str("\n</dl>\n</section>\n");
        }
        out.push('\n');
    })
}

fn glossary_entry(out: &mut String, t: &TermView) {
    out.push_str("\n  <div class=\"entry\" id=\"");
    text(out, &t.slug);
    out.push_str("\">\n    <dt><dfn>");
    text(out, &t.name);
    out.push_str("</dfn>");
    if let Some(expansion) = some_text(&t.expansion) {
        out.push_str(" <span class=\"expansion\">");
        text(out, expansion);
        out.push_str("</span>");
    }
    out.push_str(" <a class=\"permalink\" href=\"#");
    text(out, &t.slug);
    out.push_str("\"><span aria-hidden=\"true\">#</span><span class=\"visually-hidden\">Link to ");
    text(out, &t.name);
    out.push_str("</span></a></dt>\n    <dd>\n      <div class=\"definition\">");
    out.push_str(&t.definition);
    out.push_str("</div>\n      ");
    if !t.aliases.is_empty() {
        out.push_str("<p class=\"aliases\">Also: ");
        for (k, a) in t.aliases.iter().enumerate() {
            out.push_str("<span class=\"alias\">");
            text(out, a);
            out.push_str("</span>");
            if k + 1 < t.aliases.len() {
                out.push_str(", ");
            }
        }
        out.push_str("</p>");
    }
    out.push_str("\n      ");
    if !t.articles.is_empty() {
        term_list(
            out,
            ("mentioned-in", "mentions-", "Mentioned in"),
            &t.slug,
            |out| {
                for a in &t.articles {
                    out.push_str("<li>");
                    link(out, "", &a.url, &a.title);
                    out.push_str(" <span class=\"count\">");
                    out.push_str(&a.count.to_string());
                    out.push_str(" mention");
                    out.push_str(plural(a.count));
                    out.push_str("</span></li>");
                }
            },
        );
    }
    out.push_str("\n      ");
    if !t.events.is_empty() {
        term_list(
            out,
            ("term-events", "events-", "On the timeline"),
            &t.slug,
            |out| {
                for e in &t.events {
                    out.push_str("<li>");
                    time(out, &e.date);
                    out.push(' ');
                    link(out, "", &e.url, &e.title);
                    out.push_str("</li>");
                }
            },
        );
    }
    out.push_str("\n    </dd>\n  </div>\n");
}

/// How each glossary entry begins.
pub(super) const GLOSSARY_ENTRY: &[&str] = &["\n  <div class=\"entry\" id=\""];
/// How each timeline event begins, and its JSON-LD (serde_json sorts the keys).
pub(super) const TIMELINE_EVENT_AND_LD: &[&str] =
    &["\n      <li class=\"event", "{\"@type\":\"Event\","];

/// One glossary entry as `glossary_page` writes it.
pub(super) fn glossary_entry_html(t: &TermView) -> String {
    let mut out = String::with_capacity(t.definition.len() + 400 + t.articles.len() * 200);
    glossary_entry(&mut out, t);
    out
}

/// One timeline event as `timeline_page` writes it.
pub(super) fn timeline_event_html(e: &EventView) -> String {
    let mut out = String::with_capacity(e.body.len() + 800);
    timeline_event(&mut out, e);
    out
}

/// One of a glossary entry's labelled lists: `(class, id prefix, label)`, then the items.
fn term_list(
    out: &mut String,
    (class, id, label): (&str, &str, &str),
    slug: &str,
    items: impl FnOnce(&mut String),
) {
    out.push_str("\n      <div class=\"");
    out.push_str(class);
    out.push_str("\"><p class=\"mini-title\" id=\"");
    out.push_str(id);
    text(out, slug);
    out.push_str("\">");
    out.push_str(label);
    out.push_str("</p>\n        <ul aria-labelledby=\"");
    out.push_str(id);
    text(out, slug);
    out.push_str("\">");
    items(out);
    out.push_str("</ul>\n      </div>\n      ");
}

/// What `timeline.html` shows besides the page itself.
pub(super) struct Timeline<'a> {
    pub years: &'a [YearView<'a>],
    pub event_tags: &'a [TagLink],
    pub selected_tag: Option<&'a str>,
    pub event_count: usize,
    /// Per event (an index into `Prepared::events`), its entry.
    pub entries: &'a [String],
}

/// `timeline.html`, for the whole timeline or one tag's page of it.
pub(super) fn timeline_page(
    chrome: &Chrome,
    site: &SiteView<'_>,
    page: &PageView,
    timeline: &Timeline<'_>,
) -> String {
    let events: usize = timeline.years.iter().map(|y| y.events.len()).sum();
    page_with(chrome, site, page, events * 850, |out| {
        out.push_str("\n<h1>");
        text(out, &page.title);
        out.push_str("</h1>\n<p class=\"lede\">");
        out.push_str(&timeline.event_count.to_string());
        out.push_str(" dated event");
        out.push_str(plural(timeline.event_count));
        out.push_str(" from the articles, shown with the precision the sources give. <a href=\"");
        url(out, site.base_path, "timeline.ics");
        out.push_str("\">Subscribe as a calendar</a>.</p>\n");
        let selected = timeline.selected_tag.filter(|s| !s.is_empty());
        if !timeline.event_tags.is_empty() {
            out.push_str("\n<nav class=\"timeline-filter\" aria-label=\"Filter the timeline by tag\">\n  <ul class=\"tags\">\n    <li><a class=\"tag\" href=\"");
            url(out, site.base_path, "timeline/");
            out.push('"');
            if selected.is_none() {
                out.push_str(" aria-current=\"page\"");
            }
            out.push_str(">All</a></li>\n    ");
            for t in timeline.event_tags {
                let current = selected.is_some_and(|s| t.url.ends_with(&format!("/{s}/")));
                counted_tag(out, t, current);
            }
            out.push_str("\n  </ul>\n</nav>\n");
        }
        out.push_str("\n<div class=\"timeline\">\n");
        for y in timeline.years {
            let year = y.year.to_string();
            out.push_str("\n  <section class=\"year\" aria-labelledby=\"year-");
            out.push_str(&year);
            out.push_str("\">\n    <h2 id=\"year-");
            out.push_str(&year);
            out.push_str("\" class=\"year-heading\">");
            out.push_str(&year);
            out.push_str("</h2>\n    <ol class=\"events\">\n    ");
            for &e in &y.ids {
                out.push_str(&timeline.entries[e]);
            }
            out.push_str("\n    </ol>\n  </section>\n");
        }
        out.push_str("\n</div>\n");
    })
}

fn timeline_event(out: &mut String, e: &EventView) {
    out.push_str("\n      <li class=\"event");
    if e.upcoming {
        out.push_str(" upcoming");
    }
    out.push_str(" precision-");
    out.push_str(precision(e.date.precision));
    out.push_str("\" id=\"");
    text(out, &e.id);
    out.push_str("\">\n        <p class=\"event-date\">");
    time(out, &e.date);
    if e.upcoming {
        out.push_str(" <span class=\"badge\">planned</span>");
    }
    out.push_str("</p>\n        <h3 class=\"event-title\"><a href=\"#");
    text(out, &e.id);
    out.push_str("\">");
    text(out, &e.title);
    out.push_str("</a></h3>\n        ");
    if !e.body.is_empty() {
        out.push_str("<div class=\"event-body\">");
        out.push_str(&e.body);
        out.push_str("</div>");
    }
    out.push_str("\n        ");
    if !e.articles.is_empty() {
        out.push_str("<p class=\"event-articles\">Reported in: ");
        for (k, a) in e.articles.iter().enumerate() {
            link(out, "", &a.url, &a.title);
            if k + 1 < e.articles.len() {
                out.push_str("; ");
            }
        }
        out.push_str("</p>");
    }
    out.push_str("\n        ");
    tag_list(out, &e.tags);
    out.push_str("\n      </li>\n    ");
}

/// `index.html`.
pub(super) fn index_page(
    chrome: &Chrome,
    site: &SiteView<'_>,
    page: &PageView,
    articles: &[ArticleSummary],
    tags: &[&TagLink],
    recent_events: &[&EventView],
) -> String {
    page_with(chrome, site, page, articles.len() * 700, |out| {
        let base = site.base_path;
        out.push_str("\n<section class=\"intro\">\n  <h1>");
        text(out, site.title);
        out.push_str("</h1>\n  ");
        if !site.description.is_empty() {
            out.push_str("<p class=\"lede\">");
            text(out, site.description);
            out.push_str("</p>");
        }
        out.push_str("\n  <p class=\"counts\">");
        out.push_str(&site.article_count.to_string());
        out.push_str(" articles · <a href=\"");
        url(out, base, "glossary/");
        out.push_str("\">");
        out.push_str(&site.term_count.to_string());
        out.push_str(" glossary terms</a> · <a href=\"");
        url(out, base, "timeline/");
        out.push_str("\">");
        out.push_str(&site.event_count.to_string());
        out.push_str(" dated events</a></p>\n</section>\n<div class=\"home-grid\">\n<section class=\"article-list\" aria-labelledby=\"latest\">\n  <h2 id=\"latest\" class=\"section-title\">Latest articles</h2>\n  ");
        for a in articles {
            article_card(out, a, 3);
        }
        out.push_str(
            "\n</section>\n<aside class=\"home-aside\" aria-label=\"More to explore\">\n  ",
        );
        if !recent_events.is_empty() {
            out.push_str("\n  <section>\n    <h2 class=\"section-title\">On the timeline</h2>\n    <ol class=\"mini-timeline\">\n      ");
            for e in recent_events {
                out.push_str("<li>");
                time(out, &e.date);
                out.push(' ');
                link(out, "", &e.url, &e.title);
                out.push_str("</li>");
            }
            out.push_str("\n    </ol>\n    <p><a href=\"");
            url(out, base, "timeline/");
            out.push_str("\">The full timeline →</a></p>\n  </section>\n  ");
        }
        out.push_str("\n  ");
        if !tags.is_empty() {
            out.push_str(
                "\n  <section>\n    <h2 class=\"section-title\">Tags</h2>\n    <ul class=\"tags\">",
            );
            for t in tags {
                counted_tag(out, t, false);
            }
            out.push_str("</ul>\n  </section>\n  ");
        }
        out.push_str("\n</aside>\n</div>\n");
    })
}

/// `tag.html`.
pub(super) fn tag_page(
    chrome: &Chrome,
    site: &SiteView<'_>,
    page: &PageView,
    tag: &TagLink,
    articles: &[&ArticleSummary],
) -> String {
    page_with(chrome, site, page, articles.len() * 700, |out| {
        out.push_str("\n<h1>Tagged “");
        text(out, &tag.name);
        out.push_str("”</h1>\n<p class=\"meta\">");
        out.push_str(&articles.len().to_string());
        out.push_str(" article");
        out.push_str(plural(articles.len()));
        out.push_str(" · <a href=\"");
        url(out, site.base_path, "tags/");
        out.push_str("\">All tags</a></p>\n<div class=\"article-list\">\n");
        for a in articles {
            article_card(out, a, 2);
        }
        out.push_str("\n</div>\n");
    })
}
