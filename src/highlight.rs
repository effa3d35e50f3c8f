//! Syntax highlighting with syntect, as CSS classes so the theme styles light and dark.
//! The syntax set is loaded once per process, never once per page.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::sync::OnceLock;

use comrak::adapters::SyntaxHighlighterAdapter;
use rustc_hash::FxHashMap;
use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle};
use syntect::parsing::{
    BasicScopeStackOp, ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet,
};
use syntect::util::LinesWithEndings;

/// comrak's syntect plugin with CSS classes (the same HTML, byte for byte), but writing
/// each block straight into the page and naming each scope's classes once per thread
/// instead of under syntect's global scope-repository lock at every token.
#[derive(Debug)]
pub struct Highlighter {
    syntax_set: SyntaxSet,
}

pub fn adapter() -> &'static Highlighter {
    static ADAPTER: OnceLock<Highlighter> = OnceLock::new();
    ADAPTER.get_or_init(|| Highlighter {
        syntax_set: SyntaxSet::load_defaults_newlines(),
    })
}

impl Highlighter {
    fn syntax(&self, lang: Option<&str>, code: &str) -> &SyntaxReference {
        let lang = match lang {
            Some(l) if !l.is_empty() => l.split_once(',').map_or(l, |(left, _)| left),
            _ => "Plain Text",
        };
        self.syntax_set
            .find_syntax_by_token(lang)
            .or_else(|| self.syntax_set.find_syntax_by_first_line(code))
            .unwrap_or_else(|| self.syntax_set.find_syntax_plain_text())
    }

    /// syntect's `ClassedHTMLGenerator` with `ClassStyle::Spaced`, line by line.
    fn highlight(
        &self,
        html: &mut String,
        syntax: &SyntaxReference,
        code: &str,
    ) -> Result<(), syntect::Error> {
        let mut state = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut open: isize = 0;
        CLASSES.with_borrow_mut(|classes| {
            for line in LinesWithEndings::from(code) {
                let ops = state.parse_line(line, &self.syntax_set)?;
                // As `syntect::html::line_tokens_to_classed_spans`: spans that would stay
                // empty are taken back out.
                let mut done = 0;
                let mut span_empty = false;
                let mut span_start = 0;
                for (at, op) in &ops {
                    if *at > done {
                        span_empty = false;
                        escape_into(html, &line[done..*at]);
                        done = *at;
                    }
                    stack.apply_with_hook(op, |basic, _| match basic {
                        BasicScopeStackOp::Push(scope) => {
                            span_start = html.len();
                            span_empty = true;
                            html.push_str("<span class=\"");
                            html.push_str(
                                classes.entry(scope).or_insert_with(|| class_names(scope)),
                            );
                            html.push_str("\">");
                            open += 1;
                        }
                        BasicScopeStackOp::Pop => {
                            if span_empty {
                                html.truncate(span_start);
                            } else {
                                html.push_str("</span>");
                            }
                            open -= 1;
                            span_empty = false;
                        }
                    })?;
                }
                escape_into(html, &line[done..]);
            }
            Ok::<(), syntect::Error>(())
        })?;
        for _ in 0..open {
            html.push_str("</span>");
        }
        Ok(())
    }
}

thread_local! {
    /// The CSS classes of each scope met so far.
    static CLASSES: RefCell<FxHashMap<Scope, String>> = RefCell::new(FxHashMap::default());
}

/// `source.rust` → `source rust`, as `ClassStyle::Spaced` writes it.
fn class_names(scope: Scope) -> String {
    scope.build_string().replace('.', " ")
}

/// syntect's `Escape`: `<`, `>`, `&`, `'` and `"`.
fn escape_into(out: &mut String, text: &str) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'\'' => "&#39;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(entity);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

impl SyntaxHighlighterAdapter for Highlighter {
    fn write_highlighted(
        &self,
        output: &mut dyn Write,
        lang: Option<&str>,
        code: &str,
    ) -> fmt::Result {
        let syntax = self.syntax(lang, code);
        let mut html = String::with_capacity(code.len() * 4);
        if self.highlight(&mut html, syntax, code).is_err() {
            // comrak's plugin writes the code unescaped here: never raw markup.
            html.clear();
            escape_into(&mut html, code);
        }
        output.write_str(&html)
    }

    fn write_pre_tag(
        &self,
        output: &mut dyn Write,
        _attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> fmt::Result {
        comrak::html::write_opening_tag(output, "pre", [("class", "syntax-highlighting")])
    }

    fn write_code_tag(
        &self,
        output: &mut dyn Write,
        attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> fmt::Result {
        comrak::html::write_opening_tag(output, "code", attributes)
    }
}

/// The stylesheet for highlighted code: a light theme, and a dark one for
/// `prefers-color-scheme: dark` or an explicit `data-theme="dark"`, on screens only:
/// paper stays light.
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        let themes = ThemeSet::load_defaults();
        let light = css_for_theme_with_class_style(&themes.themes["InspiredGitHub"], ClassStyle::Spaced).unwrap_or_default();
        let dark = css_for_theme_with_class_style(&themes.themes["base16-ocean.dark"], ClassStyle::Spaced).unwrap_or_default();
        let (light, dark) = (legible(&light, LIGHT_FIXES), legible(&dark, DARK_FIXES));
        let dark_scoped = scope(&dark, "html[data-theme=\"dark\"] ");
        let dark_auto = scope(&dark, "html:not([data-theme=\"light\"]) ");
        format!(
            "/* Generated by kiji from syntect's InspiredGitHub and base16-ocean.dark themes. */\n{light}\n@media screen {{\n{dark_scoped}\n}}\n@media screen and (prefers-color-scheme: dark) {{\n{dark_auto}\n}}\n"
        )
    })
}

/// Text colours of syntect's themes below WCAG AA contrast (4.5:1) on the code background
/// (white, and the dark theme's `--surface` #1d2024), each with the nearest shade that
/// reaches it. Only `color:` declarations change, never backgrounds.
const LIGHT_FIXES: &[(&str, &str)] = &[
    ("#969896", "#6a6c6a"),
    ("#0086b3", "#0078a1"),
    ("#4183c4", "#3975b0"),
    ("#55a532", "#407e24"),
    ("#62a35c", "#4a7c45"),
    ("#63a35c", "#4b7c45"),
    ("#b3b3b3", "#737373"),
    ("#ed6a43", "#b55032"),
];
const DARK_FIXES: &[(&str, &str)] = &[
    ("#65737e", "#a3afb9"),
    ("#ab7967", "#b18373"),
    ("#bf616a", "#c87880"),
    ("#f92672", "#f94787"),
    ("#4f5b66", "#8a9298"),
    ("#565656", "#8d8d8d"),
];

fn legible(css: &str, fixes: &[(&str, &str)]) -> String {
    fixes.iter().fold(css.to_string(), |css, (from, to)| {
        css.replace(&format!("\n color: {from}"), &format!("\n color: {to}"))
    })
}

/// Prefixes every selector of a flat stylesheet (syntect's has no at-rules).
fn scope(css: &str, prefix: &str) -> String {
    let css = strip_comments(css);
    let mut out = String::new();
    for rule in css.split_inclusive('}') {
        if let Some((selectors, body)) = rule.split_once('{') {
            let scoped: Vec<String> = selectors
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!("{prefix}{s}"))
                .collect();
            if !scoped.is_empty() {
                out.push_str(&scoped.join(", "));
                out.push_str(" {");
                out.push_str(body);
                out.push('\n');
            }
        }
    }
    out
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    /// Every token colour meets WCAG AA on the code background of its scheme.
    #[test]
    fn token_colours_reach_aa_contrast_in_both_schemes() {
        let css = super::stylesheet();
        let dark_start = css.find("html[data-theme=\"dark\"]").unwrap();
        let dark_end = css.find("@media screen and").unwrap();
        for (part, background) in [
            (&css[..dark_start], "#ffffff"),
            (&css[dark_start..dark_end], "#1d2024"),
        ] {
            for rule in part.split('}') {
                // Text drawn on a coloured background of its own (e.g. "invalid") is that rule's business.
                if rule.contains("background-color") {
                    continue;
                }
                for decl in rule.split("\n color: #").skip(1) {
                    let colour = format!("#{}", &decl[..6]);
                    let ratio = contrast(&colour, background);
                    assert!(ratio >= 4.5, "{colour} on {background}: {ratio:.2}");
                }
            }
        }
    }

    /// The same HTML as comrak's own syntect plugin with CSS classes.
    #[test]
    fn highlighting_matches_comrak_syntect_plugin() {
        use comrak::adapters::SyntaxHighlighterAdapter;
        let theirs = comrak::plugins::syntect::SyntectAdapterBuilder::new()
            .css()
            .syntax_set(syntect::parsing::SyntaxSet::load_defaults_newlines())
            .build();
        let ours = super::adapter();
        let samples = [
            (
                "rust",
                "fn main() {\n    let s = \"<a href='x'>&amp;</a>\";\n    /* open\n",
            ),
            ("rust,ignore", "let x = 1;"),
            (
                "python",
                "def f(x):\n    return f\"{x!r}\" + '''doc\n\nmore'''\n",
            ),
            ("javascript", "const a = `x ${y}`;\n// <script>\n"),
            ("bash", "cat <<EOF\n$HOME & 'q'\nEOF\necho \"done\"\n"),
            ("c", "#include <stdio.h>\nint main() { return 0; }\n"),
            ("json", "{\"a\": [1, 2.5, null]}\n"),
            ("toml", "[x]\ny = \"z\" # c\n"),
            ("html", "<div class=\"a\">x &amp; y</div>\n"),
            ("", "plain <text> & \"quotes\"\n"),
            ("nonexistent-language", "#!/bin/sh\necho hi\n"),
            ("nonexistent-language", "just text"),
            ("rust", ""),
            ("rust", "\n\n"),
        ];
        for (lang, code) in samples {
            let mut a = String::new();
            let mut b = String::new();
            for (adapter, out) in [
                (ours as &dyn SyntaxHighlighterAdapter, &mut a),
                (&theirs as &dyn SyntaxHighlighterAdapter, &mut b),
            ] {
                adapter.write_pre_tag(out, Default::default()).unwrap();
                let class = std::borrow::Cow::from(format!("language-{lang}"));
                adapter
                    .write_code_tag(out, [("class", class)].into())
                    .unwrap();
                adapter.write_highlighted(out, Some(lang), code).unwrap();
            }
            assert_eq!(a, b, "{lang}: {code:?}");
        }
    }

    #[test]
    fn dark_rules_are_scoped_and_comments_dropped() {
        let css = super::scope(
            "/* c */\n.code { color: red; }\n.a, .b { x: y; }",
            "html.dark ",
        );
        assert!(css.contains("html.dark .code { color: red; }"), "{css}");
        assert!(css.contains("html.dark .a, html.dark .b {"), "{css}");
        assert!(!css.contains("/*"));
    }
}
