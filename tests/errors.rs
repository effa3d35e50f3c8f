//! Bad input: a clear message naming the file (and line), exit code 1, previous output intact.

mod common;

use common::*;

/// Builds a good site to public/, breaks it with `breakage`, and checks that the
/// build fails naming `file` (and `line`), leaving public/ byte-for-byte unchanged.
fn assert_fails_keeping_public(
    breakage: impl FnOnce(&TestSite),
    file: &str,
    line: Option<usize>,
    words: &str,
) {
    let site = TestSite::new();
    site.simple("good.md", "Good", "Fine text.\n");
    site.term("aod.md", "term = \"AOD\"", "A programme.");
    site.run(&["build"]).ok();
    let before = site.snapshot("public");
    assert!(!before.is_empty());
    breakage(&site);
    let run = site.run(&["build"]);
    run.failed();
    let location = match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    };
    assert!(
        run.stderr.contains(&location),
        "expected {location} in:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.to_lowercase().contains(&words.to_lowercase()),
        "expected '{words}' in:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("help"),
        "a hint on how to fix it:\n{}",
        run.stderr
    );
    assert_eq!(
        site.snapshot("public"),
        before,
        "public/ changed after a failed build"
    );
}

#[test]
fn broken_link_names_file_and_line() {
    assert_fails_keeping_public(
        |s| {
            s.simple("a.md", "A", "Line one.\n\nSee [x](missing.md).\n");
        },
        "content/articles/a.md",
        Some(7),
        "broken link",
    );
}

#[test]
fn broken_fragment_names_file_and_line() {
    assert_fails_keeping_public(
        |s| {
            s.simple("a.md", "A", "See [x](good.md#nowhere).\n");
        },
        "content/articles/a.md",
        Some(5),
        "#nowhere",
    );
}

#[test]
fn bad_front_matter_field_names_file_and_line() {
    assert_fails_keeping_public(
        |s| {
            s.article(
                "a.md",
                "title = \"A\"\ndate = 2025-01-01\ntags = \"not-a-list\"",
                "x",
            );
        },
        "content/articles/a.md",
        Some(4),
        "invalid type",
    );
}

#[test]
fn missing_title_names_the_file() {
    assert_fails_keeping_public(
        |s| {
            s.article("a.md", "date = 2025-01-01", "x");
        },
        "content/articles/a.md",
        Some(1),
        "title",
    );
}

#[test]
fn invalid_date_names_file_line_and_accepted_forms() {
    assert_fails_keeping_public(
        |s| {
            s.article("a.md", "title = \"A\"\ndate = \"2025-13-01\"", "x");
        },
        "content/articles/a.md",
        Some(3),
        "YYYY-MM-DD",
    );
}

#[test]
fn duplicate_slug_names_both_files() {
    assert_fails_keeping_public(
        |s| {
            s.article(
                "other.md",
                "title = \"A\"\ndate = 2025-01-01\nslug = \"good\"",
                "x",
            );
        },
        "content/articles/other.md",
        None,
        "content/articles/good.md",
    );
}

#[test]
fn unknown_config_key_names_the_key_and_line() {
    assert_fails_keeping_public(
        |s| {
            s.config("title = \"T\"\nbase_ulr = \"/\"\n");
        },
        "site.toml",
        Some(2),
        "base_ulr",
    );
}

#[test]
fn template_error_names_the_template_file_and_line() {
    assert_fails_keeping_public(
        |s| {
            s.file("layouts/article.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ article.title }\n{% endblock content %}");
        },
        "layouts/article.html",
        Some(3),
        "template",
    );
}

#[test]
fn template_render_error_finds_the_line_of_the_unknown_variable() {
    assert_fails_keeping_public(
        |s| {
            s.file("layouts/article.html", "{% extends \"base.html\" %}\n{% block content %}\n<p>ok</p>\n{{ article.no_such_field }}\n{% endblock content %}");
        },
        "layouts/article.html",
        Some(4),
        "no_such_field",
    );
}

#[test]
fn missing_config_says_how_to_create_it() {
    let site = TestSite::new();
    std::fs::remove_file(site.path("site.toml")).unwrap();
    let run = site.run(&["build"]);
    run.failed();
    assert!(
        run.stderr.contains("no site.toml") && run.stderr.contains("title ="),
        "{}",
        run.stderr
    );
}

#[test]
fn all_errors_are_reported_in_one_pass() {
    let site = TestSite::new();
    site.article("a.md", "date = 2025-01-01", "x");
    site.article("b.md", "title = \"B\"\ndate = \"yesterday\"", "x");
    site.simple("c.md", "C", "[x](nope.md)");
    let diags = site.build_err();
    // Parse errors are all found together; link errors come once the content parses.
    let files: Vec<_> = diags.errors().filter_map(|d| d.file.clone()).collect();
    assert!(
        files.contains(&"content/articles/a.md".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"content/articles/b.md".to_string()),
        "{files:?}"
    );
}

#[test]
fn unknown_front_matter_field_warns_with_a_suggestion() {
    let site = TestSite::new();
    site.article(
        "a.md",
        "title = \"A\"\ndate = 2025-01-01\nsumary = \"typo\"",
        "x",
    );
    let built = site.build();
    let w: Vec<_> = built.warnings.warnings().map(|d| d.to_string()).collect();
    assert!(
        w.iter().any(|m| m.contains("sumary")
            && m.contains("did you mean `summary`")
            && m.contains("a.md:4")),
        "{w:?}"
    );
}
