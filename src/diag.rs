//! Diagnostics: every problem kiji finds, with file, line, column and a hint,
//! rendered the same way in the terminal and in the dev server's overlay.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{self, Files, SimpleFile};
use codespan_reporting::term;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in the site's sources.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path as the editor knows it, relative to the site root (`content/articles/a.md`).
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    #[serde(skip)]
    excerpt: Option<Excerpt>,
}

/// The lines of a file a diagnostic points at, not the whole file: a diagnostic can
/// outlive its build's source texts (a one-off build lets them go after linking, the
/// dev server keeps its last build's warnings) without keeping those texts alive.
#[derive(Debug, Clone)]
struct Excerpt {
    /// Whole lines, from the one where the span starts to the one where it ends.
    lines: String,
    /// 1-based line number of the first of them in the file.
    first_line: usize,
    /// The span, relative to `lines`.
    span: Range<usize>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: None,
            line: None,
            column: None,
            message: message.into(),
            help: None,
            excerpt: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Points at a byte range of the file's text; line and column follow from it.
    pub fn at_span(mut self, source: &Arc<str>, span: Range<usize>) -> Self {
        // Rendering slices the text: keep both ends on character boundaries.
        let start = floor_char_boundary(source, span.start);
        let end = floor_char_boundary(source, span.end.max(start));
        let (line, column) = line_col(source, start);
        self.line = Some(line);
        self.column = Some(column);
        let from = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let to = source[end..].find('\n').map_or(source.len(), |i| end + i);
        self.excerpt = Some(Excerpt {
            lines: source[from..to].to_string(),
            first_line: line,
            span: start - from..end - from,
        });
        self
    }

    /// Points at a 1-based line of the file's text (the whole line is underlined).
    pub fn at_line(self, source: &Arc<str>, line: usize) -> Self {
        let start = line_start(source, line);
        let end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        self.at_span(source, start..end)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `content/a.md:3:8` or as much of it as is known.
    pub fn location(&self) -> String {
        match (&self.file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
            (Some(f), Some(l), None) => format!("{f}:{l}"),
            (Some(f), None, _) => f.clone(),
            (None, _, _) => String::new(),
        }
    }

    /// The rustc-style report: header, the offending source line with a caret, and the hint.
    pub fn render(&self) -> String {
        let (Some(file), Some(excerpt)) = (&self.file, &self.excerpt) else {
            return self.render_plain();
        };
        let simple = ExcerptFile {
            file: SimpleFile::new(file.as_str(), excerpt.lines.as_str()),
            first_line: excerpt.first_line,
        };
        let span = &excerpt.span;
        let mut cs = match self.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_message(&self.message)
        .with_labels(vec![Label::primary((), span.clone())]);
        if let Some(help) = &self.help {
            cs = cs.with_notes(vec![format!("help: {help}")]);
        }
        let config = term::Config::default();
        term::emit_into_string(&config, &simple, &cs).unwrap_or_else(|_| self.render_plain())
    }

    fn render_plain(&self) -> String {
        let mut out = String::new();
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{kind}: {}\n", self.message));
        let location = self.location();
        if !location.is_empty() {
            out.push_str(&format!("  ┌─ {location}\n"));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        out
    }
}

/// An excerpt as codespan sees a file: its lines numbered as in the whole file.
struct ExcerptFile<'a> {
    file: SimpleFile<&'a str, &'a str>,
    first_line: usize,
}

impl<'a> Files<'a> for ExcerptFile<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, _: ()) -> Result<&'a str, files::Error> {
        Ok(self.file.name())
    }

    fn source(&'a self, _: ()) -> Result<&'a str, files::Error> {
        Ok(self.file.source())
    }

    fn line_index(&'a self, id: (), byte_index: usize) -> Result<usize, files::Error> {
        self.file.line_index(id, byte_index)
    }

    fn line_number(&'a self, _: (), line_index: usize) -> Result<usize, files::Error> {
        Ok(self.first_line + line_index)
    }

    fn line_range(&'a self, id: (), line_index: usize) -> Result<Range<usize>, files::Error> {
        self.file.line_range(id, line_index)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location();
        if location.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{location}: {}", self.message)?;
        }
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// Everything a stage found. A stage fails only after collecting all of it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| !d.is_error())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Sorted by file and line so a report reads top to bottom, each problem once
    /// (a template error is met again on every page that uses the template).
    pub fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| {
            (a.severity == Severity::Warning, &a.file, a.line).cmp(&(
                b.severity == Severity::Warning,
                &b.file,
                b.line,
            ))
        });
        let mut seen = std::collections::HashSet::new();
        self.0.retain(|d| {
            seen.insert((
                d.severity == Severity::Error,
                d.file.clone(),
                d.line,
                d.column,
                d.message.clone(),
            ))
        });
        self
    }

    pub fn render(&self) -> String {
        self.0
            .iter()
            .map(Diagnostic::render)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Fails with everything collected so far if any of it is an error.
    pub fn into_result(self) -> Result<Diagnostics, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(self)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset where a 1-based line starts.
pub fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_offending_line_with_a_caret() {
        let src: Arc<str> = Arc::from("+++\ntitle = \"A\"\ndate = \"2023-13\"\n+++\n");
        let start = src.find("\"2023-13\"").unwrap();
        let d = Diagnostic::error("invalid date")
            .in_file("content/articles/a.md")
            .at_span(&src, start..start + 9)
            .help("use YYYY-MM-DD");
        assert_eq!(d.location(), "content/articles/a.md:3:8");
        let text = d.render();
        assert!(text.contains("content/articles/a.md:3:8"), "{text}");
        assert!(text.contains("date = \"2023-13\""), "{text}");
        assert!(text.contains("^^^^^^^^^"), "{text}");
        assert!(text.contains("help: use YYYY-MM-DD"), "{text}");
    }

    #[test]
    fn a_diagnostic_keeps_its_lines_not_the_file() {
        let src: Arc<str> = Arc::from("one\ntwo\nthree [link](#nowhere) here\nfour\n");
        let start = src.find("[link]").unwrap();
        let d = Diagnostic::error("broken link")
            .in_file("content/articles/a.md")
            .at_span(&src, start..start + 16);
        // A build lets its source texts go once linking is done: nothing else holds them.
        assert_eq!(Arc::strong_count(&src), 1);
        drop(src);
        let text = d.render();
        assert!(text.contains("content/articles/a.md:3:7"), "{text}");
        assert!(text.contains("3 │ three [link](#nowhere) here"), "{text}");
        assert!(!text.contains("two") && !text.contains("four"), "{text}");
        assert!(text.contains("^^^^^^^^^^^^^^^^"), "{text}");
    }

    #[test]
    fn line_start_and_line_col_agree() {
        let text = "a\nbc\n\nd";
        for line in 1..=4 {
            assert_eq!(line_col(text, line_start(text, line)).0, line);
        }
    }
}
