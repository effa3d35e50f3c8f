//! Load: the only stage that reads the site's sources from disk.
//!
//! Input: the site root. Output: every content file as text, with its path
//! relative to the root, its byte-order mark dropped and its line endings made `\n`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diag::{Diagnostic, Diagnostics};

pub const CONTENT_DIR: &str = "content";
pub const ARTICLES_DIR: &str = "articles";
pub const GLOSSARY_DIR: &str = "glossary";
pub const TIMELINE_FILE: &str = "timeline.toml";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Article,
    Term,
    Timeline,
}

/// One source file, read and normalised.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub kind: SourceKind,
    /// Relative to the site root, with `/` separators: `content/articles/a.md`.
    pub display: String,
    /// Relative to its kind's folder: `a.md`, `sub/b.md`.
    pub rel: String,
    pub text: Arc<str>,
}

/// Reads every article, glossary term and the timeline file under `content/`.
pub fn load_all(root: &Path) -> Result<(Vec<SourceFile>, Diagnostics), Diagnostics> {
    let content = root.join(CONTENT_DIR);
    let mut diags = Diagnostics::new();
    if !content.is_dir() {
        return Err(Diagnostic::error(format!("no {CONTENT_DIR}/ folder in {}", root.display()))
            .help("create content/articles/ and put one Markdown file per article in it (or run `kiji new \"Title\"`)")
            .into());
    }
    let mut found: Vec<(SourceKind, PathBuf)> = Vec::new();
    for entry in WalkDir::new(&content)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diags.push(walk_error(root, &e));
                continue;
            }
        };
        if !entry.file_type().is_file() || is_hidden_or_temp(entry.path()) {
            continue;
        }
        let rel = entry.path().strip_prefix(&content).unwrap_or(entry.path());
        match classify(rel) {
            Some(kind) => found.push((kind, entry.path().to_path_buf())),
            None => diags.push(
                Diagnostic::warning(format!(
                    "{} is not a Markdown article, glossary term or timeline file; it is ignored",
                    display_path(root, entry.path())
                ))
                .in_file(display_path(root, entry.path()))
                .help("put images and other files in assets/ and link them as /file.png (the base path is added for you)"),
            ),
        }
    }
    let results: Vec<Result<SourceFile, Diagnostic>> = found
        .par_iter()
        .map(|(kind, path)| read_source(root, &content, *kind, path))
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok((files, diags))
}

fn classify(rel: &Path) -> Option<SourceKind> {
    let mut parts = rel.components();
    let first = parts.next()?.as_os_str().to_str()?;
    let is_md = rel
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md"));
    match first {
        ARTICLES_DIR if is_md => Some(SourceKind::Article),
        GLOSSARY_DIR if is_md => Some(SourceKind::Term),
        TIMELINE_FILE => Some(SourceKind::Timeline),
        _ => None,
    }
}

/// Editors' swap, backup and lock files, and anything hidden.
pub fn is_hidden_or_temp(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".bck")
        || name.ends_with(".tmp")
        || name.contains("___jb_")
        || name == "4913"
}

pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn walk_error(root: &Path, e: &walkdir::Error) -> Diagnostic {
    let path = e.path().map(|p| display_path(root, p)).unwrap_or_default();
    if let Some(ancestor) = e.loop_ancestor() {
        return Diagnostic::error(format!(
            "symbolic link loop: {path} leads back to {}",
            display_path(root, ancestor)
        ))
        .in_file(path)
        .help("remove the link or point it outside its own folder");
    }
    match e.io_error() {
        Some(io) => read_error(&path, io),
        None => Diagnostic::error(format!("cannot read {path}: {e}"))
            .in_file(path)
            .help("check the file's permissions (it must be readable by you)"),
    }
}

/// "cannot read" with a hint that fits the cause: a broken or looping link is not a
/// permissions problem.
fn read_error(path: &str, io: &std::io::Error) -> Diagnostic {
    const ELOOP: i32 = 40;
    let help = match io.kind() {
        std::io::ErrorKind::NotFound => {
            "it is a symbolic link to a file that does not exist: fix or remove the link"
        }
        _ if io.raw_os_error() == Some(ELOOP) => {
            "it is a symbolic link that leads back to itself: remove the link"
        }
        _ => "check the file's permissions (it must be readable by you)",
    };
    Diagnostic::error(format!("cannot read {path}: {io}"))
        .in_file(path)
        .help(help)
}

fn read_source(
    root: &Path,
    content: &Path,
    kind: SourceKind,
    path: &Path,
) -> Result<SourceFile, Diagnostic> {
    let display = display_path(root, path);
    let bytes = std::fs::read(path).map_err(|e| read_error(&display, &e))?;
    let text = decode(&bytes).map_err(|_| invalid_utf8(&display, &bytes))?;
    let sub = match kind {
        SourceKind::Article => ARTICLES_DIR,
        SourceKind::Term => GLOSSARY_DIR,
        SourceKind::Timeline => "",
    };
    let rel = path
        .strip_prefix(content.join(sub))
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    Ok(SourceFile {
        kind,
        display,
        rel,
        text: Arc::from(text),
    })
}

/// Reads one source file as the build would (BOM dropped, newlines normalised);
/// None if it cannot be read or is not UTF-8 (a full build reports why).
pub fn read_text(path: &Path) -> Option<Arc<str>> {
    let bytes = std::fs::read(path).ok()?;
    decode(&bytes).ok().map(Arc::from)
}

/// Shows the offending line, decoded lossily, with the caret on the first bad byte
/// (its offset is the same in the lossy text: everything before it is valid).
fn invalid_utf8(display: &str, bytes: &[u8]) -> Diagnostic {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let valid = std::str::from_utf8(bytes)
        .err()
        .map_or(0, |e| e.valid_up_to());
    let bad = bytes.get(valid).copied().unwrap_or(0);
    let lossy: Arc<str> = Arc::from(normalize_newlines(&String::from_utf8_lossy(bytes)));
    let prefix = normalize_newlines(&String::from_utf8_lossy(&bytes[..valid]));
    Diagnostic::error(format!(
        "the file is not valid UTF-8 text (unexpected byte 0x{bad:02X})"
    ))
    .in_file(display)
    .at_span(&lossy, prefix.len()..prefix.len() + '\u{FFFD}'.len_utf8())
    .help("save the file as UTF-8 in your editor (\"Save with encoding\" → UTF-8); the text may be in Shift JIS or Latin-1")
}

/// UTF-8 with an optional BOM; CRLF and lone CR become LF. On failure, the line and column.
pub fn decode(bytes: &[u8]) -> Result<String, (usize, usize)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(normalize_newlines(text)),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let col =
                valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
            Err((line, col))
        }
    }
}

fn normalize_newlines(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_crlf_are_accepted() {
        assert_eq!(decode(b"\xEF\xBB\xBFa\r\nb\r\n").unwrap(), "a\nb\n");
    }

    #[test]
    fn invalid_utf8_reports_line_and_column() {
        assert_eq!(decode(b"ok\nab\xFFc").unwrap_err(), (2, 3));
    }

    #[test]
    fn editor_temp_files_are_recognised() {
        for name in [
            ".a.md.swp",
            "a.md~",
            "4913",
            ".#a.md",
            "a.md___jb_tmp___",
            "x.bck",
        ] {
            assert!(is_hidden_or_temp(Path::new(name)), "{name}");
        }
        assert!(!is_hidden_or_temp(Path::new("a.md")));
    }
}
