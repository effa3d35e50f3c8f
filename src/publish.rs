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
    xml.push_str("  <generator uri=\"https://github.com/\">kiji</generator>\n");
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
        let content = absolutize(&crate::ical::strip_tips(&r.html), &c.origin());
        xml.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            escape(&content)
        ));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// Feed readers resolve links against the feed, not the page: make site links absolute.
fn absolutize(html: &str, origin: &str) -> String {
    if origin.is_empty() {
        return html.to_string();
    }
    html.replace("href=\"/", &format!("href=\"{origin}/"))
        .replace("src=\"/", &format!("src=\"{origin}/"))
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
