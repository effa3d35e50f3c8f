//! The built-in article page — `article.html` inside `base.html` — written straight
//! into a string, for one-off builds of sites that override neither template.
//!
//! Article pages are nearly every page of a site, and Tera spends most of their time
//! serialising each page's view into `serde_json::Value`s and looking up dotted paths
//! in them. This writes the same bytes from the views directly: the same escaping
//! (Tera's, `/` included), the same truthiness (empty strings and lists are false),
//! the same whitespace. `tests/native_pages.rs` renders every article of several sites
//! both ways and requires identical bytes, so a change to either template that is not
//! made here too fails the tests.

use super::{ArticleView, DateView, PageView, SiteView};
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
    /// After the JSON-LD: the end of `<head>`, the site header, `<main>`.
    body_top: String,
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
            body_top: body_top(site),
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
    let mut out = String::with_capacity(article.content.len() + 8 * 1024);
    out.push_str(&chrome.opening);
    text(&mut out, &page.title);
    out.push_str(&chrome.title_suffix);
    text(&mut out, &page.description);
    out.push_str("\">\n<link rel=\"canonical\" href=\"");
    text(&mut out, &page.canonical);
    out.push_str("\">\n<meta property=\"og:title\" content=\"");
    text(&mut out, &page.title);
    out.push_str("\">\n<meta property=\"og:description\" content=\"");
    text(&mut out, &page.description);
    out.push_str("\">\n<meta property=\"og:type\" content=\"");
    text(&mut out, page.og_type);
    out.push_str("\">\n<meta property=\"og:url\" content=\"");
    text(&mut out, &page.canonical);
    out.push_str(&chrome.site_name);
    text(&mut out, &page.title);
    out.push_str("\">\n<meta name=\"twitter:description\" content=\"");
    text(&mut out, &page.description);
    out.push_str(&chrome.links);
    if let Some(ld) = page.json_ld.as_deref().filter(|ld| !ld.is_empty()) {
        out.push_str("<script type=\"application/ld+json\">");
        out.push_str(ld);
        out.push_str("</script>");
    }
    out.push_str(&chrome.body_top);
    article_content(&mut out, site, article);
    out.push_str(&chrome.foot);
    out
}

/// `base.html` from the end of `<head>` to `<main>`, for a page of kind `article`.
fn body_top(site: &SiteView<'_>) -> String {
    let base = site.base_path;
    let mut out = String::from("\n\n</head>\n<body class=\"kind-article\">\n<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n<header class=\"site-header\">\n  <div class=\"wrap header-inner\">\n    <a class=\"site-title\" href=\"");
    url(&mut out, base, "");
    out.push_str("\">");
    text(&mut out, site.title);
    out.push_str("</a>\n    <nav class=\"site-nav\" aria-label=\"Main\">\n      <ul>\n");
    for (path, label) in [
        ("", "Articles"),
        ("glossary/", "Glossary"),
        ("timeline/", "Timeline"),
        ("tags/", "Tags"),
        ("search/", "Search"),
    ] {
        out.push_str("        <li><a href=\"");
        url(&mut out, base, path);
        out.push_str("\">");
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
    if let Some(p) = &a.previous {
        out.push_str("<a class=\"prev\" rel=\"prev\" href=\"");
        text(out, &p.url);
        out.push_str("\"><span>← Older</span>");
        text(out, &p.title);
        out.push_str("</a>");
    }
    out.push_str("\n      ");
    if let Some(n) = &a.next {
        out.push_str("<a class=\"next\" rel=\"next\" href=\"");
        text(out, &n.url);
        out.push_str("\"><span>Newer →</span>");
        text(out, &n.title);
        out.push_str("</a>");
    }
    out.push_str("\n    </nav>\n  </footer>\n</article>\n");
}
