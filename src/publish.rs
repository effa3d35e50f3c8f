//! Files for publishing: the Atom feed, the sitemap, robots.txt and GitHub Pages' CNAME.

use crate::html::escape;
use crate::output::Output;
use crate::render::SiteData;

pub fn add_files(output: &mut Output, data: &SiteData<'_>) {
    output.insert("feed.xml", feed(data));
    output.insert("sitemap.xml", sitemap(output, data));
    output.insert(
        "robots.txt",
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}\n",
            data.config.absolute_url("sitemap.xml")
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

fn rfc3339(d: crate::date::PartialDate) -> String {
    let (y, m, day) = d.first_day();
    format!("{y:04}-{m:02}-{day:02}T00:00:00Z")
}

fn feed(data: &SiteData<'_>) -> String {
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
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = [" href=\"", " src=\""]
        .iter()
        .filter_map(|attr| rest.find(attr).map(|i| i + attr.len()))
        .min()
    {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push_str(&absolute_link(&rest[..end], page_url, origin));
        rest = &rest[end..];
    }
    out.push_str(rest);
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

fn sitemap(output: &Output, data: &SiteData<'_>) -> String {
    let c = data.config;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let lastmod: std::collections::HashMap<String, String> = data
        .content
        .articles
        .iter()
        .map(|a| {
            (
                format!("{}index.html", a.path()),
                a.updated.unwrap_or(a.date).iso(),
            )
        })
        .collect();
    for path in output.files.keys().filter(|p| p.ends_with("index.html")) {
        let page = path.trim_end_matches("index.html");
        xml.push_str(&format!(
            "  <url><loc>{}</loc>",
            escape(&c.absolute_url(page))
        ));
        if let Some(date) = lastmod.get(path) {
            xml.push_str(&format!("<lastmod>{date}</lastmod>"));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
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
}
