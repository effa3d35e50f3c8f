//! Issue 4: the timeline page — every dated event, in order, linked to its articles.

mod common;

use common::*;

fn event_site() -> TestSite {
    let site = TestSite::new();
    site.term("edd.md", "term = \"EDD\"", "Extended Deterrence Dialogue.");
    site.article(
        "alliance.md",
        "title = \"Alliance\"\ndate = 2025-01-10\n\n[[events]]\ndate = \"1951\"\ntitle = \"Security treaty signed\"\nanchor = \"the-treaty\"\ntags = [\"alliance\"]\nid = \"treaty-1951\"\n\n[[events]]\ndate = \"2023-12\"\ntitle = \"Japan hosts the EDD\"\nbody = \"The EDD met in **Tokyo**.\"\ntags = [\"deterrence\"]\n\n[[events]]\ndate = \"2027\"\ntitle = \"Spending target year\"",
        "Intro.\n\n## The treaty\n\nSigned in 1951.\n",
    );
    site.article(
        "history.md",
        "title = \"History\"\ndate = 2025-02-10\n\n[[events]]\ndate = \"1951\"\ntitle = \"The 1951 treaty, as this article words it\"\nid = \"treaty-1951\"\ntags = [\"history\"]\n\n[[events]]\ndate = \"2023-12-05\"\ntitle = \"A day in December\"",
        "Body.\n",
    );
    site.file(
        "content/timeline.toml",
        "[[events]]\ndate = \"2023\"\ntitle = \"A year with no article\"\n\n[[events]]\ndate = \"2024-12-15\"\ntitle = \"Reposted analysis\"\narticle = \"history.md\"\n",
    );
    site
}

#[test]
fn events_are_sorted_with_coarser_dates_first_and_grouped_by_year() {
    let built = event_site().build();
    let t = page(&built, "timeline/");
    assert_eq!(
        attrs(&t, ".event time", "datetime"),
        [
            "1951",
            "2023",
            "2023-12",
            "2023-12-05",
            "2024-12-15",
            "2027"
        ]
    );
    assert_eq!(texts(&t, ".year-heading"), ["1951", "2023", "2024", "2027"]);
    assert_eq!(
        texts(&t, ".event time"),
        [
            "1951",
            "2023",
            "December 2023",
            "5 December 2023",
            "15 December 2024",
            "2027"
        ]
    );
    // Semantic markup: ordered lists of events.
    assert_eq!(select(&t, "ol.events > li.event").len(), 6);
}

#[test]
fn newest_first_is_a_setting() {
    let site = event_site();
    site.config("title = \"T\"\n[timeline]\norder = \"newest-first\"\n");
    let t = page(&site.build(), "timeline/");
    assert_eq!(
        attrs(&t, ".event time", "datetime"),
        [
            "2027",
            "2024-12-15",
            "2023-12-05",
            "2023-12",
            "2023",
            "1951"
        ]
    );
}

#[test]
fn the_same_event_in_two_articles_appears_once_crediting_both() {
    let built = event_site().build();
    let t = page(&built, "timeline/");
    let treaty = select(&t, "#treaty-1951");
    assert_eq!(treaty.len(), 1);
    assert_eq!(
        texts(&t, "#treaty-1951 .event-articles a"),
        ["Alliance", "History"]
    );
    assert_eq!(
        attrs(&t, "#treaty-1951 .event-articles a", "href"),
        ["/articles/alliance/#the-treaty", "/articles/history/"]
    );
    // Tags of both notes are merged.
    assert_eq!(texts(&t, "#treaty-1951 .tag"), ["alliance", "history"]);
}

#[test]
fn events_without_an_id_merge_by_date_and_title() {
    let site = event_site();
    site.article("third.md", "title = \"Third\"\ndate = 2025-03-01\n[[events]]\ndate = \"2023-12\"\ntitle = \"Japan hosts the EDD\"", "x");
    let t = page(&site.build(), "timeline/");
    let ids = attrs(&t, ".event", "id");
    let edd: Vec<_> = ids
        .iter()
        .filter(|i| i.contains("japan-hosts-the-edd"))
        .collect();
    assert_eq!(edd.len(), 1, "{ids:?}");
    assert_eq!(
        texts(&t, &format!("[id='{}'] .event-articles a", edd[0])),
        ["Alliance", "Third"]
    );
}

#[test]
fn events_after_the_build_date_are_marked_upcoming() {
    // The harness fixes the build date at 2025-06-01.
    let built = event_site().build();
    let t = page(&built, "timeline/");
    let upcoming = select(&t, ".event.upcoming");
    assert_eq!(upcoming.len(), 1);
    assert_eq!(
        upcoming[0].value().attr("id"),
        Some("2027-spending-target-year")
    );
    let mut opts = event_site().options();
    opts.today = Some(kiji::date::PartialDate::parse("2028-01-01").unwrap());
    let later = page(&event_site().build_with(&opts), "timeline/");
    assert!(select(&later, ".event.upcoming").is_empty());
}

#[test]
fn event_bodies_are_markdown_with_glossary_terms_linked() {
    let built = event_site().build();
    let t = page(&built, "timeline/");
    let id = "2023-12-japan-hosts-the-edd";
    assert_eq!(
        texts(&t, &format!("[id='{id}'] .event-body p > strong")),
        ["Tokyo"]
    );
    assert_eq!(
        attrs(&t, &format!("[id='{id}'] .event-body a.term"), "href"),
        ["/glossary/#edd"]
    );
}

#[test]
fn links_go_both_ways_between_timeline_articles_and_glossary() {
    let built = event_site().build();
    // Article → timeline.
    let a = page(&built, "articles/alliance/");
    assert_eq!(
        texts(&a, ".events-in-article li a"),
        [
            "Security treaty signed",
            "Japan hosts the EDD",
            "Spending target year"
        ]
    );
    let hrefs = attrs(&a, ".events-in-article li a", "href");
    let t = page(&built, "timeline/");
    for href in &hrefs {
        let id = href.split_once('#').unwrap().1;
        assert_eq!(
            select(&t, &format!("li.event[id='{id}']")).len(),
            1,
            "{href}"
        );
    }
    // Timeline → article anchor, which exists.
    assert_eq!(select(&a, "h2#the-treaty").len(), 1);
    // Glossary → events that mention the term.
    let g = page(&built, "glossary/");
    assert_eq!(texts(&g, "#edd .term-events li a"), ["Japan hosts the EDD"]);
    assert_eq!(
        attrs(&g, "#edd .term-events li a", "href"),
        ["/timeline/#2023-12-japan-hosts-the-edd"]
    );
    // timeline.toml events credit their article.
    assert_eq!(
        texts(&t, "[id='2024-12-15-reposted-analysis'] .event-articles a"),
        ["History"]
    );
}

#[test]
fn per_tag_timeline_pages_filter_without_javascript() {
    let built = event_site().build();
    let t = page(&built, "timeline/tags/deterrence/");
    assert_eq!(texts(&t, ".event-title"), ["Japan hosts the EDD"]);
    let all = page(&built, "timeline/");
    assert!(attrs(&all, ".timeline-filter a", "href")
        .contains(&"/timeline/tags/deterrence/".to_string()));
}

#[test]
fn timeline_has_event_json_ld_and_a_valid_calendar() {
    let built = event_site().build();
    let t = page(&built, "timeline/");
    let ld: serde_json::Value =
        serde_json::from_str(&texts(&t, "script[type='application/ld+json']")[0]).unwrap();
    let events = ld["@graph"].as_array().unwrap();
    assert_eq!(events.len(), 6);
    assert!(events.iter().all(|e| e["@type"] == "Event"));
    assert_eq!(events[0]["startDate"], "1951");
    // No place is made up for a publication that did not name one.
    assert!(events.iter().all(|e| e.get("location").is_none()), "{ld}");
    let ics = String::from_utf8(built.output.get("timeline.ics").unwrap().to_vec()).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.split("\r\n").all(|l| l.len() <= 75), "lines are folded");
    let unfolded = ics.replace("\r\n ", "");
    assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 6);
    // All-day events spanning the precision they have.
    assert!(
        unfolded.contains("DTSTART;VALUE=DATE:19510101\r\nDTEND;VALUE=DATE:19520101"),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("DTSTART;VALUE=DATE:20231201\r\nDTEND;VALUE=DATE:20240101"),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("DTSTART;VALUE=DATE:20231205\r\nDTEND;VALUE=DATE:20231206"),
        "{unfolded}"
    );
    for block in unfolded.split("BEGIN:VEVENT").skip(1) {
        for required in ["UID:", "DTSTAMP:", "DTSTART;VALUE=DATE:", "SUMMARY:"] {
            assert!(block.contains(required), "{required} missing in {block}");
        }
    }
}

#[test]
fn event_json_ld_takes_its_location_from_site_toml() {
    let site = event_site();
    site.config("title = \"T\"\n[timeline]\nlocation = \"The Baltic <Sea>\"\n");
    let built = site.build();
    let t = page(&built, "timeline/");
    let ld: serde_json::Value =
        serde_json::from_str(&texts(&t, "script[type='application/ld+json']")[0]).unwrap();
    let events = ld["@graph"].as_array().unwrap();
    assert!(!events.is_empty());
    for e in events {
        assert_eq!(e["location"]["@type"], "Place");
        assert_eq!(e["location"]["name"], "The Baltic <Sea>");
    }
}

#[test]
fn invalid_event_date_names_file_line_and_accepted_forms() {
    let site = event_site();
    site.article(
        "bad.md",
        "title = \"Bad\"\ndate = 2025-01-01\n\n[[events]]\ndate = \"December 2023\"\ntitle = \"x\"",
        "x",
    );
    let diags = site.build_err();
    let d = diags.errors().next().unwrap();
    assert_eq!(d.file.as_deref(), Some("content/articles/bad.md"));
    assert_eq!(d.line, Some(6));
    assert!(d.message.contains("YYYY-MM-DD"), "{}", d.message);
}

#[test]
fn a_missing_anchor_or_unknown_article_is_an_error() {
    let site = event_site();
    site.article("bad.md", "title = \"Bad\"\ndate = 2025-01-01\n[[events]]\ndate = \"2020\"\ntitle = \"x\"\nanchor = \"nowhere\"", "## Somewhere\n");
    let diags = site.build_err();
    let d = diags.errors().next().unwrap();
    assert_eq!(
        (d.file.as_deref(), d.line),
        (Some("content/articles/bad.md"), Some(7))
    );
    assert!(d.help.as_deref().unwrap_or("").contains("somewhere"), "{d}");
    let site = event_site();
    site.file(
        "content/timeline.toml",
        "[[events]]\ndate = \"2020\"\ntitle = \"x\"\narticle = \"ghost.md\"\n",
    );
    let d = site.build_err().errors().next().unwrap().clone();
    assert_eq!(
        (d.file.as_deref(), d.line),
        (Some("content/timeline.toml"), Some(4))
    );
    assert!(d.message.contains("ghost.md"));
}

#[test]
fn the_bundled_timeline_has_real_events_linked_to_articles() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = kiji::build(root, &kiji::BuildOptions::default())
        .unwrap_or_else(|d| panic!("{}", d.render()));
    let t = page(&built, "timeline/");
    let events = select(&t, "li.event");
    assert!(events.len() >= 12, "{}", events.len());
    let dates = attrs(&t, "li.event time", "datetime");
    for must in ["1951", "2023-12", "2027"] {
        assert!(dates.contains(&must.to_string()), "{must} in {dates:?}");
    }
    for href in attrs(&t, ".event-articles a", "href") {
        let (path, frag) = href
            .trim_start_matches('/')
            .split_once('#')
            .unwrap_or((href.trim_start_matches('/'), ""));
        let article = page(&built, path);
        if !frag.is_empty() {
            assert_eq!(
                select(&article, &format!("[id='{frag}']")).len(),
                1,
                "{href}"
            );
        }
    }
}
