//! Files for publishing: the Atom feed, the sitemap, robots.txt and GitHub Pages' CNAME.

use crate::html::escape as html_escape;
use crate::output::Output;
use crate::render::SiteData;

pub fn add_files(output: &mut Output, data: &SiteData<'_>) {
    output.insert("feed.xml", feed(data));
    output.insert("sitemap.xml", sitemap(output, data));
    output.insert(
        "robots.txt",
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}\n",
            uri_escape(&data.config.absolute_url("sitemap.xml"))
        ),
    );
    if let Some(cname) = data
        .config
        .cname
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        output.insert("CNAME", format!("{cname}\n"));
    }
}

/// Escapes text for XML, dropping the characters XML 1.0 forbids outright (control
/// characters other than tab and newlines): one stray form feed would make the
/// whole feed unreadable.
fn escape(text: &str) -> String {
    let allowed = |c: &char| !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    html_escape(&text.chars().filter(allowed).collect::<String>())
}

/// The sitemap protocol wants RFC 3986 URLs: percent-encode what is not ASCII
/// (slugs keep words of any script, e.g. `articles/日本/`).
fn uri_escape(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn rfc3339(d: crate::date::PartialDate) -> String {
    let (y, m, day) = d.first_day();
    format!("{y:04}-{m:02}-{day:02}T00:00:00Z")
}

/// The Atom feed: the newest `feed.limit` articles, with their content.
pub fn feed(data: &SiteData<'_>) -> String {
    let c = data.config;
    let articles = &data.content.articles;
    let updated = articles
        .iter()
        .map(|a| a.updated.unwrap_or(a.date))
        .max()
        .unwrap_or(data.today);
    let mut xml = String::new();
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"",
    );
    xml.push_str(&format!(" xml:lang=\"{}\">\n", escape(&c.language)));
    xml.push_str(&format!("  <title>{}</title>\n", escape(&c.title)));
    if !c.description.is_empty() {
        xml.push_str(&format!(
            "  <subtitle>{}</subtitle>\n",
            escape(&c.description)
        ));
    }
    xml.push_str(&format!("  <id>{}</id>\n", escape(&c.absolute_url(""))));
    xml.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape(&c.absolute_url(""))
    ));
    xml.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape(&c.absolute_url("feed.xml"))
    ));
    xml.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    xml.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        escape(if c.author.is_empty() {
            &c.title
        } else {
            &c.author
        })
    ));
    xml.push_str(&format!(
        "  <generator version=\"{}\">kiji</generator>\n",
        env!("CARGO_PKG_VERSION")
    ));
    for (a, r) in articles.iter().zip(data.articles).take(c.feed.limit) {
        let url = c.absolute_url(&a.path());
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <title>{}</title>\n", escape(&a.title)));
        xml.push_str(&format!("    <id>{}</id>\n", escape(&url)));
        xml.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(&url)
        ));
        xml.push_str(&format!("    <published>{}</published>\n", rfc3339(a.date)));
        xml.push_str(&format!(
            "    <updated>{}</updated>\n",
            rfc3339(a.updated.unwrap_or(a.date))
        ));
        if let Some(author) = a
            .author
            .as_deref()
            .or((!c.author.is_empty()).then_some(c.author.as_str()))
        {
            xml.push_str(&format!(
                "    <author><name>{}</name></author>\n",
                escape(author)
            ));
        }
        for tag in &a.tags {
            xml.push_str(&format!("    <category term=\"{}\"/>\n", escape(tag)));
        }
        if let Some(summary) = &a.summary {
            xml.push_str(&format!("    <summary>{}</summary>\n", escape(summary)));
        }
        let content = absolutize(&crate::ical::strip_tips(&r.html), &url, &c.origin());
        xml.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            escape(&content)
        ));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// Feed readers show an entry out of the page's context and resolve relative links
/// against the feed (or not at all): make every link in it absolute.
/// `page_url` is the entry's absolute URL; without an origin nothing can be absolute.
fn absolutize(html: &str, page_url: &str, origin: &str) -> String {
    if origin.is_empty() {
        return html.to_string();
    }
    // One pass over the text for both attributes. Searching the rest of the page for each
    // attribute after every link was quadratic: a 4 MB article with a link per paragraph
    // took minutes (found by tests/large.rs).
    static ATTRS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let attrs = ATTRS.get_or_init(|| {
        aho_corasick::AhoCorasick::new([" href=\"", " src=\""]).expect("two literal patterns")
    });
    let mut out = String::with_capacity(html.len() + 256);
    let mut done = 0;
    for m in attrs.find_iter(html) {
        if m.start() < done {
            continue; // inside a value already rewritten
        }
        let at = m.end();
        out.push_str(&html[done..at]);
        let end = html[at..].find('"').map_or(html.len(), |i| at + i);
        out.push_str(&absolute_link(&html[at..end], page_url, origin));
        done = end;
    }
    out.push_str(&html[done..]);
    out
}

fn absolute_link(url: &str, page_url: &str, origin: &str) -> String {
    let has_scheme = url
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()));
    if has_scheme || url.starts_with("//") {
        url.to_string()
    } else if url.starts_with('/') {
        format!("{origin}{url}")
    } else {
        // `#part` and `img.png` are relative to the article page (a folder URL).
        format!("{page_url}{url}")
    }
}

pub fn sitemap(output: &Output, data: &SiteData<'_>) -> String {
    // Written in place, one pass per URL: the dev server rewrites this file (10,000
    // URLs) after a date edit, and allocating three strings per URL took 30 ms of it.
    let lastmod: rustc_hash::FxHashMap<&str, crate::date::PartialDate> = data
        .content
        .articles
        .iter()
        .map(|a| (a.slug.as_str(), a.updated.unwrap_or(a.date)))
        .collect();
    let site = sitemap_site_url(data);
    let mut xml = String::with_capacity(output.files.len() * (site.len() + 60));
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for path in output.files.keys().filter(|p| p.ends_with("index.html")) {
        let page = path.trim_end_matches("index.html");
        push_sitemap_loc(&mut xml, &site, page);
        let article = page
            .strip_prefix("articles/")
            .and_then(|p| p.strip_suffix('/'))
            .and_then(|slug| lastmod.get(slug));
        if let Some(date) = article {
            xml.push_str("<lastmod>");
            xml.push_str(&date.iso());
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

/// The kept sitemap with the `lastmod` of each of `articles` (indices) as `data` dates
/// them now: what a date edit changes in it, the pages and their URLs staying the same.
/// None if an article's entry is not where `sitemap` writes it.
pub fn sitemap_with_new_dates(
    kept: &str,
    data: &SiteData<'_>,
    articles: &[usize],
) -> Option<String> {
    let mut xml = kept.to_string();
    let site = sitemap_site_url(data);
    for &i in articles {
        let a = &data.content.articles[i];
        let mut entry = String::new();
        push_sitemap_loc(&mut entry, &site, &a.path());
        entry.push_str("<lastmod>");
        let date_at = xml.find(&entry)? + entry.len();
        let date_end = date_at + xml[date_at..].find("</lastmod>")?;
        xml.replace_range(date_at..date_end, &a.updated.unwrap_or(a.date).iso());
    }
    Some(xml)
}

/// The site's URL as the sitemap writes it, each page's path to be appended.
fn sitemap_site_url(data: &SiteData<'_>) -> String {
    let mut site = String::new();
    push_url_for_xml(&mut site, &data.config.absolute_url(""));
    site
}

/// A sitemap entry up to its `lastmod`: `  <url><loc>…</loc>` for `page` (a site path).
fn push_sitemap_loc(xml: &mut String, site: &str, page: &str) {
    xml.push_str("  <url><loc>");
    xml.push_str(site);
    push_url_for_xml(xml, page.trim_start_matches('/'));
    xml.push_str("</loc>");
}

/// `escape(&uri_escape(url))`, appended to `out`: both work a character at a time, so
/// a URL's parts can be escaped one after the other.
fn push_url_for_xml(out: &mut String, url: &str) {
    for c in url.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_ascii_graphic() => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push('%');
                    out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
                    out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
                }
            }
        }
    }
}

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// What RFC 4287 requires of a feed, as far as readers rely on it. `absolute`:
/// whether ids must be absolute IRIs (impossible when base_url has no host).
pub fn validate_feed(xml: &str, absolute: bool) -> Vec<String> {
    let doc = match roxmltree::Document::parse(xml) {
        Ok(d) => d,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    let feed = doc.root_element();
    if !feed.has_tag_name((ATOM, "feed")) {
        return vec!["the root element is not an Atom <feed>".into()];
    }
    let mut problems = required_atom(feed, "the feed", absolute);
    let entries: Vec<_> = feed
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .collect();
    let feed_author = child(feed, "author").is_some();
    for (i, entry) in entries.iter().enumerate() {
        let what = format!("entry {}", i + 1);
        problems.extend(required_atom(*entry, &what, absolute));
        if !feed_author && child(*entry, "author").is_none() {
            problems.push(format!("{what} has no <author>, and neither has the feed"));
        }
        if child(*entry, "content").is_none() && alternate(*entry).is_none() {
            problems.push(format!(
                "{what} has neither <content> nor a link rel=\"alternate\""
            ));
        }
    }
    problems
}

/// `<id>`, `<title>` and an RFC 3339 `<updated>`; the id an absolute IRI.
fn required_atom(node: roxmltree::Node<'_, '_>, what: &str, absolute: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for name in ["id", "title", "updated"] {
        if child(node, name).is_none() {
            problems.push(format!("{what} has no <{name}>"));
        }
    }
    if let Some(id) = child(node, "id") {
        if absolute && !id.contains(':') {
            problems.push(format!("{what}'s <id> \"{id}\" is not an absolute IRI"));
        }
    }
    if let Some(updated) = child(node, "updated") {
        if !is_rfc3339(&updated) {
            problems.push(format!(
                "{what}'s <updated> \"{updated}\" is not an RFC 3339 date-time"
            ));
        }
    }
    problems
}

fn child(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    node.children()
        .find(|n| n.has_tag_name((ATOM, name)))
        .map(|n| n.text().unwrap_or("").trim().to_string())
}

fn alternate<'a>(node: roxmltree::Node<'a, 'a>) -> Option<&'a str> {
    node.children()
        .filter(|n| n.has_tag_name((ATOM, "link")))
        .find(|n| n.attribute("rel").unwrap_or("alternate") == "alternate")
        .and_then(|n| n.attribute("href"))
}

/// `2025-01-10T00:00:00Z` or with an offset: the shape RFC 3339 requires.
fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (text.ends_with('Z') || text.ends_with('z') || text[19..].contains(['+', '-']))
}

/// The sitemap protocol: a `<urlset>` of `<url>`s, each with a `<loc>` (absolute if `absolute`).
pub fn validate_sitemap(xml: &str, absolute: bool) -> Vec<String> {
    let doc = match roxmltree::Document::parse(xml) {
        Ok(d) => d,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    let set = doc.root_element();
    if !set.has_tag_name((SITEMAP, "urlset")) {
        return vec!["the root element is not a sitemap <urlset>".into()];
    }
    let mut problems = Vec::new();
    let urls: Vec<_> = set
        .children()
        .filter(|n| n.has_tag_name((SITEMAP, "url")))
        .collect();
    if urls.len() > 50_000 {
        problems.push(format!(
            "{} URLs: a sitemap holds at most 50,000",
            urls.len()
        ));
    }
    for url in urls {
        let loc = url
            .children()
            .find(|n| n.has_tag_name((SITEMAP, "loc")))
            .and_then(|n| n.text())
            .unwrap_or("")
            .trim();
        if loc.is_empty() {
            problems.push("a <url> has no <loc>".into());
        } else if absolute && !(loc.starts_with("https://") || loc.starts_with("http://")) {
            problems.push(format!("<loc> \"{loc}\" is not an absolute http(s) URL"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_content_links_become_absolute() {
        let html = "<a href=\"#part\">a</a><img src=\"/repo/i.png\" alt=\"\"><a href=\"https://x.org/\">x</a><a href=\"mailto:a@b\">m</a>";
        assert_eq!(
            absolutize(html, "https://u.io/repo/articles/a/", "https://u.io"),
            "<a href=\"https://u.io/repo/articles/a/#part\">a</a><img src=\"https://u.io/repo/i.png\" alt=\"\"><a href=\"https://x.org/\">x</a><a href=\"mailto:a@b\">m</a>"
        );
    }

    #[test]
    fn sitemap_urls_are_percent_encoded() {
        assert_eq!(
            uri_escape("https://u.io/r/articles/日本 x/"),
            "https://u.io/r/articles/%E6%97%A5%E6%9C%AC%20x/"
        );
    }

    #[test]
    fn sitemap_urls_are_escaped_in_one_pass_as_in_two() {
        for url in [
            "https://u.io/r/articles/日本 x/",
            "https://u.io/a&b/<c>/\"q\"/'s'/",
            "https://u.io/tab\there/\u{c}/\u{7f}/é/",
            "",
        ] {
            let mut out = String::from("kept ");
            push_url_for_xml(&mut out, url);
            assert_eq!(out, format!("kept {}", escape(&uri_escape(url))), "{url:?}");
        }
    }

    #[test]
    fn feed_text_drops_what_xml_forbids() {
        let feed = format!("<t>{}</t>", escape("a\u{c}b\u{1}c\td<"));
        assert_eq!(feed, "<t>abc\td&lt;</t>");
        assert!(roxmltree::Document::parse(&feed).is_ok());
    }

    #[test]
    fn feed_validation_names_what_is_missing() {
        let feed = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>/</id><updated>2025-01-01</updated><entry><title>a</title></entry></feed>";
        let problems = validate_feed(feed, true);
        for expected in [
            "the feed's <id> \"/\" is not an absolute IRI",
            "the feed's <updated> \"2025-01-01\" is not an RFC 3339 date-time",
            "entry 1 has no <id>",
            "entry 1 has no <updated>",
            "entry 1 has no <author>, and neither has the feed",
            "entry 1 has neither <content> nor a link rel=\"alternate\"",
        ] {
            assert!(
                problems.iter().any(|p| p == expected),
                "{expected} in {problems:?}"
            );
        }
        assert_eq!(validate_feed("<feed>", true).len(), 1);
        let sitemap = "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>/a/</loc></url></urlset>";
        assert!(validate_sitemap(sitemap, true)[0].contains("not an absolute"));
        assert!(validate_sitemap(sitemap, false).is_empty());
    }
}
