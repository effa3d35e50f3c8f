//! Front matter: split `+++` TOML or `---` YAML from the body, and deserialise it
//! with errors that point at the right line of the whole file.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::diag::{line_col, Diagnostic};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

/// A file split into its front matter and body, with offsets into the file.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    pub format: Format,
    pub raw: &'a str,
    /// Byte offset of `raw` in the file.
    pub raw_offset: usize,
    pub body: &'a str,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
}

pub const TOML_EXAMPLE: &str = "start the file with front matter, e.g.:\n+++\ntitle = \"Japan's new security strategy\"\ndate = 2025-01-20\n+++";

pub fn split<'a>(text: &'a str, file: &str, source: &Arc<str>) -> Result<Split<'a>, Diagnostic> {
    let (format, fence) = if text.starts_with("+++") {
        (Format::Toml, "+++")
    } else if text.starts_with("---") {
        (Format::Yaml, "---")
    } else {
        let what = if text.trim().is_empty() {
            "the file is empty"
        } else {
            "the file has no front matter"
        };
        return Err(Diagnostic::error(format!(
            "{what}: it must start with `+++` (TOML) or `---` (YAML)"
        ))
        .in_file(file)
        .at_line(source, 1)
        .help(TOML_EXAMPLE));
    };
    let first_newline = match text.find('\n') {
        Some(i) if text[fence.len()..i].trim().is_empty() => i,
        _ => return Err(unterminated(file, source, fence)),
    };
    let raw_offset = first_newline + 1;
    let mut pos = raw_offset;
    loop {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = &text[pos..line_end];
        if line.trim_end() == fence {
            let body_start = (line_end + 1).min(text.len());
            return Ok(Split {
                format,
                raw: &text[raw_offset..pos],
                raw_offset,
                body: &text[body_start..],
                body_line: line_col(text, body_start).0
                    + usize::from(body_start == text.len() && !text.ends_with('\n')),
            });
        }
        if line_end >= text.len() {
            return Err(unterminated(file, source, fence));
        }
        pos = line_end + 1;
    }
}

fn unterminated(file: &str, source: &Arc<str>, fence: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "the front matter opened with `{fence}` on line 1 is never closed"
    ))
    .in_file(file)
    .at_line(source, 1)
    .help(format!(
        "add a line with only `{fence}` after the last front matter field"
    ))
}

/// Deserialises the front matter into `T`, returning it and the names of fields
/// that `T` does not know (for "did you mean" warnings).
pub fn parse<T: DeserializeOwned>(
    split: &Split<'_>,
    file: &str,
    source: &Arc<str>,
) -> Result<(T, Vec<String>), Diagnostic> {
    let mut unknown = Vec::new();
    let result = match split.format {
        Format::Toml => {
            let de = toml::Deserializer::parse(split.raw)
                .map_err(|e| toml_error(&e, split, file, source))?;
            serde_ignored::deserialize(de, |path| unknown.push(path.to_string()))
                .map_err(|e: toml::de::Error| toml_error(&e, split, file, source))
        }
        Format::Yaml => {
            let raw = if split.raw.trim().is_empty() {
                "{}"
            } else {
                split.raw
            };
            let de = serde_yaml_ng::Deserializer::from_str(raw);
            serde_ignored::deserialize(de, |path| unknown.push(path.to_string()))
                .map_err(|e: serde_yaml_ng::Error| yaml_error(&e, split, file, source))
        }
    };
    result.map(|value| (value, unknown))
}

fn toml_error(e: &toml::de::Error, split: &Split<'_>, file: &str, source: &Arc<str>) -> Diagnostic {
    // toml names the problem ("invalid type: integer `5`, expected a string") but not the
    // field; the key on the offending line does.
    let field = e
        .span()
        .and_then(|span| key_on_line(split.raw, span.start))
        .map(|k| format!("`{k}`: "))
        .unwrap_or_default();
    let mut d = Diagnostic::error(format!("front matter: {field}{}", e.message().trim()))
        .in_file(file)
        .help("front matter between `+++` lines is TOML: strings in \"quotes\", lists in [brackets], dates as 2025-01-20");
    match e.span() {
        Some(span) => {
            d = d.at_span(
                source,
                span.start + split.raw_offset..span.end + split.raw_offset,
            )
        }
        None => d = d.at_line(source, 1),
    }
    d
}

/// The `key` of a `key = value` line holding byte `offset`, if the line has that shape.
fn key_on_line(raw: &str, offset: usize) -> Option<&str> {
    let offset = offset.min(raw.len());
    let start = raw.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = raw[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    bare.then_some(key)
}

fn yaml_error(
    e: &serde_yaml_ng::Error,
    split: &Split<'_>,
    file: &str,
    source: &Arc<str>,
) -> Diagnostic {
    let message = e.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    let d = Diagnostic::error(format!("front matter: {message}"))
        .in_file(file)
        .help("front matter between `---` lines is YAML: `key: value`, lists as [a, b]");
    match e.location() {
        Some(loc) => {
            let line_offset = line_col(source, split.raw_offset).0 - 1;
            let line = crate::diag::line_start(source, loc.line() + line_offset);
            let end = source[line..].find('\n').map_or(source.len(), |i| line + i);
            // libyaml counts columns in characters, not bytes (found by fuzzing: a BOM
            // inside the front matter put a byte offset in the middle of a character).
            let start = source[line..end]
                .char_indices()
                .nth(loc.column().saturating_sub(1))
                .map_or(end, |(i, _)| line + i);
            d.at_span(source, start..end)
        }
        None => d.at_line(source, 1),
    }
}

/// The closest known field name, for "did you mean".
pub fn suggest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(unknown, k), *k))
        .filter(|(dist, k)| *dist <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

/// Byte span of the line `key = …` / `key: …` in the front matter, for warnings.
pub fn key_span(split: &Split<'_>, key: &str) -> Option<std::ops::Range<usize>> {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let mut offset = split.raw_offset;
    for line in split.raw.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(leaf) {
            if rest.trim_start().starts_with('=') || rest.trim_start().starts_with(':') {
                let start = offset + (line.len() - trimmed.len());
                return Some(start..start + leaf.len());
            }
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Meta {
        title: String,
        #[allow(dead_code)]
        count: Option<u32>,
    }

    fn src(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn splits_toml_and_yaml_and_reports_the_body_line() {
        let s = src("+++\ntitle = \"A\"\n+++\nBody\n");
        let sp = split(&s, "a.md", &s).unwrap();
        assert_eq!(sp.format, Format::Toml);
        assert_eq!(sp.body, "Body\n");
        assert_eq!(sp.body_line, 4);
        let s = src("---\ntitle: A\n---\n\nBody");
        let sp = split(&s, "a.md", &s).unwrap();
        assert_eq!(sp.format, Format::Yaml);
        let (m, _): (Meta, _) = parse(&sp, "a.md", &s).unwrap();
        assert_eq!(m.title, "A");
    }

    #[test]
    fn missing_and_unterminated_front_matter_are_errors() {
        let s = src("# Just a title\n");
        assert!(split(&s, "a.md", &s)
            .unwrap_err()
            .message
            .contains("no front matter"));
        let s = src("");
        assert!(split(&s, "a.md", &s).unwrap_err().message.contains("empty"));
        let s = src("+++\ntitle = \"A\"\n");
        assert!(split(&s, "a.md", &s)
            .unwrap_err()
            .message
            .contains("never closed"));
    }

    #[test]
    fn type_errors_point_at_the_file_line() {
        let s = src("+++\ntitle = \"A\"\ncount = \"many\"\n+++\n");
        let sp = split(&s, "a.md", &s).unwrap();
        let e = parse::<Meta>(&sp, "a.md", &s).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let s = src("---\ntitle: A\ncount: many\n---\n");
        let sp = split(&s, "a.md", &s).unwrap();
        let e = parse::<Meta>(&sp, "a.md", &s).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn yaml_errors_after_multibyte_characters_point_at_the_right_character() {
        // Fuzzing found this: the caret's byte offset fell inside the BOM on line 2.
        let s = src("---\n\u{feff}x: [\n---\n");
        let sp = split(&s, "a.md", &s).unwrap();
        let e = parse::<Meta>(&sp, "a.md", &s).unwrap_err();
        let _ = e.render();
        let s = src("---\ntitle: 日本\ncount: 日本\n---\n");
        let sp = split(&s, "a.md", &s).unwrap();
        let e = parse::<Meta>(&sp, "a.md", &s).unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(8)), "{e}");
    }

    #[test]
    fn unknown_fields_are_collected_with_a_suggestion() {
        let s = src("+++\ntitle = \"A\"\ncuont = 3\n+++\n");
        let sp = split(&s, "a.md", &s).unwrap();
        let (_, unknown): (Meta, _) = parse(&sp, "a.md", &s).unwrap();
        assert_eq!(unknown, ["cuont"]);
        assert_eq!(suggest("cuont", &["title", "count"]), Some("count"));
        assert_eq!(key_span(&sp, "cuont"), Some(16..21));
    }
}
