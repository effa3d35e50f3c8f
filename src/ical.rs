//! `timeline.ics`: the timeline as an iCalendar file (RFC 5545) readers can subscribe to.
//! Every event is all-day, spanning the whole year, month or day it is known to.

use crate::config::SiteConfig;
use crate::date::PartialDate;
use crate::render::EventView;

/// What every event's VEVENT shares: the site's host and origin, and the stamp of
/// the build's day.
pub struct Shared {
    host: String,
    origin: String,
    stamp: String,
}

impl Shared {
    pub fn new(config: &SiteConfig, today: PartialDate) -> Self {
        let origin = config.origin();
        let host = origin
            .split("://")
            .nth(1)
            .filter(|h| !h.is_empty())
            .unwrap_or("kiji.local")
            .to_string();
        let (y, m, d) = today.first_day();
        Shared {
            host,
            origin,
            stamp: format!("{y:04}{m:02}{d:02}T000000Z"),
        }
    }
}

/// The calendar of the events' VEVENT blocks (`event`), in order. Each block is made
/// once per event and kept: the dev server writes the calendar again whenever an event
/// changes, 15,000 events at 10,000 articles.
pub fn calendar<'a>(config: &SiteConfig, blocks: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!("PRODID:-//kiji//{}//EN", escape_text(&config.title)),
        "CALSCALE:GREGORIAN".to_string(),
        format!(
            "X-WR-CALNAME:{}",
            escape_text(&format!("{} timeline", config.title))
        ),
    ] {
        push_line(&mut out, &line);
    }
    for block in blocks {
        out.push_str(block);
    }
    push_line(&mut out, "END:VCALENDAR");
    out.into_bytes()
}

/// One event's VEVENT, its lines folded and ended.
pub fn event(shared: &Shared, e: &EventView) -> String {
    let Shared {
        host,
        origin,
        stamp,
    } = shared;
    let date = PartialDate::parse(&e.date.iso).expect("event dates are valid");
    let (sy, sm, sd) = date.first_day();
    let (ey, em, ed) = date.day_after_end();
    let mut description = crate::html::strip_tags(&strip_tips(&e.body));
    if date.precision() != crate::date::Precision::Day {
        description = format!(
            "Date known to the {}: {}. {description}",
            precision_word(date),
            e.date.human
        );
    }
    let mut out = String::with_capacity(256 + e.title.len() + description.len());
    let mut line = |text: &str| push_line(&mut out, text);
    line("BEGIN:VEVENT");
    line(&format!("UID:{}@{host}", e.id));
    line(&format!("DTSTAMP:{stamp}"));
    line(&format!("DTSTART;VALUE=DATE:{sy:04}{sm:02}{sd:02}"));
    line(&format!("DTEND;VALUE=DATE:{ey:04}{em:02}{ed:02}"));
    line(&format!("SUMMARY:{}", escape_text(&e.title)));
    line(&format!("DESCRIPTION:{}", escape_text(description.trim())));
    line(&format!("URL:{origin}{}", e.url));
    if e.upcoming {
        line("STATUS:TENTATIVE");
    }
    line("END:VEVENT");
    out
}

fn precision_word(date: PartialDate) -> &'static str {
    match date.precision() {
        crate::date::Precision::Year => "year",
        crate::date::Precision::Month => "month",
        crate::date::Precision::Day => "day",
    }
}

/// Drops the glossary tooltips from rendered HTML (their text is not the event's).
pub fn strip_tips(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<span class=\"term-tip\"") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</span>") {
            Some(end) => rest = &rest[start + end + "</span>".len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes a TEXT value in one pass: backslash, semicolon and comma get a backslash,
/// and a line break (CRLF, CR or LF) becomes `\n`.
fn escape_text(text: &str) -> String {
    // A bare CR would end the content line: a title could forge properties or events.
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets are folded with CRLF and a space, never inside a character.
#[cfg(test)]
fn fold(line: &str) -> String {
    let mut out = String::new();
    push_line(&mut out, line);
    out.truncate(out.len() - 2);
    out
}

/// Appends `line`, folded (lines longer than 75 octets go on with CRLF and a space,
/// never inside a character), and its CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    let mut start = 0;
    for (at, c) in line.char_indices() {
        if width + c.len_utf8() > 75 {
            out.push_str(&line[start..at]);
            out.push_str("\r\n ");
            start = at;
            width = 1;
        }
        width += c.len_utf8();
    }
    out.push_str(&line[start..]);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets() {
        let folded = fold(&"あ".repeat(40));
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{}", line.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), "あ".repeat(40));
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(escape_text("a, b; c\nd"), "a\\, b\\; c\\nd");
        assert_eq!(escape_text("a\rEND:VEVENT\r\nb"), "a\\nEND:VEVENT\\nb");
    }

    #[test]
    fn one_pass_escaping_reads_as_the_replacements_it_stands_for() {
        let replaced = |t: &str| {
            t.replace('\\', "\\\\")
                .replace(';', "\\;")
                .replace(',', "\\,")
                .replace("\r\n", "\\n")
                .replace(['\r', '\n'], "\\n")
        };
        for text in [
            "",
            "a\r\r\nb",
            "\\;,",
            "\n\r",
            "x\r\n\ny",
            "end\r",
            "日本, 防衛; \\n",
        ] {
            assert_eq!(escape_text(text), replaced(text), "{text:?}");
        }
    }

    #[test]
    fn tooltips_are_removed() {
        let html = "<p>The <span class=\"term-ref\"><a>EDD</a><span class=\"term-tip\" hidden>def</span></span> met.</p>";
        assert_eq!(crate::html::strip_tags(&strip_tips(html)), "The EDD met.");
    }
}
