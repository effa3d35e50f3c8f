//! Bad input: a clear message naming the file (and line), exit code 1, previous output intact.

mod common;

use common::*;
use kiji as _;

/// Builds a good site to public/, breaks it with `breakage`, and checks that `build`
/// and `check` both fail with exit code 1, naming `file` (and `line`), saying `words`
/// and how to fix it, leaving public/ byte-for-byte unchanged. Returns build's stderr.
fn assert_fails_keeping_public(
    breakage: impl FnOnce(&TestSite),
    file: &str,
    line: Option<usize>,
    words: &str,
) -> String {
    let site = TestSite::new();
    site.simple("good.md", "Good", "Fine text.\n");
    site.term("aod.md", "term = \"AOD\"", "A programme.");
    site.run(&["build"]).ok();
    let before = site.snapshot("public");
    assert!(!before.is_empty());
    breakage(&site);
    let location = match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    };
    let mut stderr = String::new();
    for command in ["build", "check"] {
        let run = site.run(&[command]);
        run.failed();
        assert!(
            run.stderr.contains(&location),
            "{command}: expected {location} in:\n{}",
            run.stderr
        );
        assert!(
            run.stderr.to_lowercase().contains(&words.to_lowercase()),
            "{command}: expected '{words}' in:\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("help"),
            "{command}: a hint on how to fix it:\n{}",
            run.stderr
        );
        if command == "build" {
            stderr = run.stderr.clone();
        }
    }
    assert!(
        stderr.contains("was left as it was"),
        "says the output was kept:\n{stderr}"
    );
    assert_eq!(
        site.snapshot("public"),
        before,
        "public/ changed after a failed build"
    );
    stderr
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
        "template article.html: expected",
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

// ---- The catalogue: front matter -------------------------------------------------

#[test]
fn front_matter_missing() {
    let err = assert_fails_keeping_public(
        |s| {
            s.file("content/articles/a.md", "# Just a title\n\nText.\n");
        },
        "content/articles/a.md",
        Some(1),
        "the file has no front matter: it must start with `+++` (TOML) or `---` (YAML)",
    );
    // The hint is a complete, copyable example.
    assert!(
        err.contains("title = \"") && err.contains("date = 2025-01-20"),
        "{err}"
    );
    // rustc-style: the offending line is shown with a caret.
    assert!(
        err.contains("1 │ # Just a title") && err.contains("^^^"),
        "{err}"
    );
}

#[test]
fn front_matter_unterminated() {
    assert_fails_keeping_public(
        |s| {
            s.file(
                "content/articles/a.md",
                "+++\ntitle = \"A\"\ndate = 2025-01-01\n\nBody.\n",
            );
        },
        "content/articles/a.md",
        Some(1),
        "the front matter opened with `+++` on line 1 is never closed",
    );
}

#[test]
fn front_matter_malformed_toml() {
    let err = assert_fails_keeping_public(
        |s| {
            s.file(
                "content/articles/a.md",
                "+++\ntitle = \"A\ndate = 2025-01-01\n+++\nx\n",
            );
        },
        "content/articles/a.md",
        Some(2),
        "front matter: `title`: invalid basic string",
    );
    assert!(err.contains("strings in \"quotes\""), "{err}");
}

#[test]
fn front_matter_malformed_yaml() {
    let err = assert_fails_keeping_public(
        |s| {
            s.file(
                "content/articles/a.md",
                "---\ntitle: A\ndate: 2025-01-01\n  bad: indent: here\n---\nx\n",
            );
        },
        "content/articles/a.md",
        Some(4),
        "front matter: mapping values are not allowed",
    );
    assert!(err.contains("YAML"), "{err}");
}

#[test]
fn front_matter_wrong_type_names_the_field() {
    assert_fails_keeping_public(
        |s| {
            s.article("a.md", "title = 5\ndate = 2025-01-01", "x");
        },
        "content/articles/a.md",
        Some(2),
        "front matter: `title`: invalid type: integer `5`, expected a string",
    );
}

#[test]
fn front_matter_missing_date() {
    assert_fails_keeping_public(
        |s| {
            s.article("a.md", "title = \"A\"", "x");
        },
        "content/articles/a.md",
        Some(1),
        "the front matter has no `date`",
    );
}

#[test]
fn front_matter_missing_field_hint_follows_the_format() {
    let err = assert_fails_keeping_public(
        |s| {
            s.file("content/articles/a.md", "---\ntitle: A\n---\nx\n");
        },
        "content/articles/a.md",
        Some(1),
        "the front matter has no `date`",
    );
    assert!(
        err.contains("`date: 2025-01-20` between the `---` lines"),
        "{err}"
    );
}

#[test]
fn front_matter_invalid_yaml_date() {
    assert_fails_keeping_public(
        |s| {
            s.file(
                "content/articles/a.md",
                "---\ntitle: A\ndate: 2025-02-30\n---\nx\n",
            );
        },
        "content/articles/a.md",
        Some(3),
        "invalid date \"2025-02-30\": that day does not exist in that month",
    );
}

#[test]
fn article_date_that_is_not_a_day() {
    assert_fails_keeping_public(
        |s| {
            s.article("a.md", "title = \"A\"\ndate = \"2025-01\"", "x");
        },
        "content/articles/a.md",
        Some(3),
        "the article's `date` must be a full day, not \"2025-01\"",
    );
}

#[test]
fn front_matter_unknown_field_warns_but_builds() {
    let site = TestSite::new();
    site.article(
        "a.md",
        "title = \"A\"\ndate = 2025-01-01\ndaet = 2025-01-02",
        "x",
    );
    let run = site.run(&["build"]);
    run.ok();
    assert!(
        run.stderr
            .contains("warning: unknown front matter field `daet` is ignored")
            && run.stderr.contains("content/articles/a.md:4:1")
            && run.stderr.contains("did you mean `date`?")
            && run.stderr.contains("1 warning"),
        "{}",
        run.stderr
    );
}

// ---- The catalogue: files ---------------------------------------------------------

#[test]
fn empty_file() {
    assert_fails_keeping_public(
        |s| {
            s.file("content/articles/a.md", "");
        },
        "content/articles/a.md",
        Some(1),
        "the file is empty",
    );
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let err = assert_fails_keeping_public(
        |s| {
            let mut bytes = b"+++\ntitle = \"A\"\ndate = 2025-01-01\n+++\nab".to_vec();
            bytes.extend([0x82, 0xA0]); // Shift JIS あ
            bytes.extend(b"c\n");
            std::fs::write(s.path("content/articles/a.md"), bytes).unwrap();
        },
        "content/articles/a.md",
        Some(5),
        "not valid UTF-8 text (unexpected byte 0x82)",
    );
    assert!(err.contains("content/articles/a.md:5:3"), "{err}");
    assert!(err.contains("save the file as UTF-8"), "{err}");
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let site = TestSite::new();
    site.file(
        "content/articles/a.md",
        "\u{FEFF}+++\r\ntitle = \"Windows\"\r\ndate = 2025-01-01\r\n+++\r\nLine one\r\nline two.\r\n",
    );
    site.file(
        "content/glossary/edd.md",
        "\u{FEFF}---\r\nterm: EDD\r\n---\r\nA dialogue.\r\n",
    );
    let built = site.build();
    let html = page(&built, "articles/a/");
    assert_eq!(texts(&html, "h1"), ["Windows"]);
    let body =
        String::from_utf8(built.output.get("articles/a/index.html").unwrap().to_vec()).unwrap();
    assert!(!body.contains('\r') && !body.contains('\u{FEFF}'));
    // Line numbers still count CRLF lines as one line each.
    site.file(
        "content/articles/b.md",
        "+++\r\ntitle = \"B\"\r\ndate = 2025-01-01\r\n+++\r\n\r\n[x](nope.md)\r\n",
    );
    let diags = site.build_err();
    assert_eq!(diags.0[0].line, Some(6), "{}", diags.render());
}

#[test]
fn file_names_with_spaces_and_japanese_characters() {
    let site = TestSite::new();
    site.simple(
        "my file.md",
        "Spaces",
        "See [the other](日本の安全保障.md).\n",
    );
    site.simple(
        "日本の安全保障.md",
        "Japanese",
        "Back to [spaces](my%20file.md).\n",
    );
    site.run(&["build"]).ok();
    let spaces = std::fs::read_to_string(site.path("public/articles/my-file/index.html")).unwrap();
    let japanese =
        std::fs::read_to_string(site.path("public/articles/日本の安全保障/index.html")).unwrap();
    let spaces = scraper::Html::parse_document(&spaces);
    let japanese = scraper::Html::parse_document(&japanese);
    assert!(attrs(&spaces, "article a", "href").contains(&"/articles/日本の安全保障/".to_string()));
    assert!(attrs(&japanese, "article a", "href").contains(&"/articles/my-file/".to_string()));
}

#[test]
fn two_file_names_mapping_to_the_same_slug() {
    let err = assert_fails_keeping_public(
        |s| {
            s.simple("My Article.md", "One", "x");
            s.simple("my-article.md", "Two", "x");
        },
        "content/articles/my-article.md",
        None,
        "both have the slug \"my-article\"",
    );
    assert!(err.contains("content/articles/My Article.md"), "{err}");
}

/// Root reads any file whatever its mode, so as root the test drops the capabilities
/// that let it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) with setpriv.
#[test]
fn unreadable_file() {
    let site = TestSite::new();
    site.simple("good.md", "Good", "x");
    site.run(&["build"]).ok();
    let before = site.snapshot("public");
    site.simple("secret.md", "Secret", "x");
    let path = site.path("content/articles/secret.md");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let run = if is_root() {
        if !has_setpriv() {
            eprintln!("SKIPPED unreadable_file: running as root and setpriv is missing, so permissions cannot bite");
            return;
        }
        let out = std::process::Command::new("setpriv")
            .args(["--bounding-set=-dac_override,-dac_read_search", "--"])
            .arg(env!("CARGO_BIN_EXE_kiji"))
            .arg("--root")
            .arg(site.root())
            .arg("build")
            .output()
            .unwrap();
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    } else {
        site.run(&["build"])
    };
    run.failed();
    assert!(
        run.stderr
            .contains("cannot read content/articles/secret.md: Permission denied")
            && run.stderr.contains("check the file's permissions"),
        "{}",
        run.stderr
    );
    assert_eq!(site.snapshot("public"), before);
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn has_setpriv() -> bool {
    std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn symlink_loop_in_content() {
    assert_fails_keeping_public(
        |s| {
            std::os::unix::fs::symlink("..", s.path("content/articles/loop")).unwrap();
        },
        "content/articles/loop",
        None,
        "symbolic link loop: content/articles/loop leads back to content",
    );
}

#[test]
fn dangling_symlink_in_content() {
    assert_fails_keeping_public(
        |s| {
            std::os::unix::fs::symlink("gone.md", s.path("content/articles/link.md")).unwrap();
        },
        "content/articles/link.md",
        None,
        "a symbolic link to a file that does not exist",
    );
}

#[test]
fn symlink_to_itself_in_content() {
    let err = assert_fails_keeping_public(
        |s| {
            std::os::unix::fs::symlink("self.md", s.path("content/articles/self.md")).unwrap();
        },
        "content/articles/self.md",
        None,
        "cannot read content/articles/self.md: Too many levels of symbolic links",
    );
    assert!(
        err.contains("a symbolic link that leads back to itself"),
        "{err}"
    );
}

#[test]
fn non_markdown_file_in_articles_is_ignored_with_a_warning() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    site.file("content/articles/notes.txt", "editor's notes");
    site.file("content/articles/chart.png", "\u{89}PNG");
    let run = site.run(&["build"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: content/articles/notes.txt is not a Markdown article, glossary term or timeline file; it is ignored"
        ) && run.stderr.contains("put images and other files in assets/"),
        "{}",
        run.stderr
    );
    let files: Vec<String> = site
        .snapshot("public")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(
        !files
            .iter()
            .any(|f| f.contains("notes") || f.contains("chart")),
        "{files:?}"
    );
}

// ---- The catalogue: templates -----------------------------------------------------

#[test]
fn template_error_met_on_every_page_is_reported_once() {
    let site = TestSite::new();
    for i in 0..3 {
        site.simple(&format!("a{i}.md"), &format!("A{i}"), "x");
    }
    site.file(
        "layouts/article.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{{ article.nope }}\n{% endblock content %}\n",
    );
    let run = site.run(&["build"]);
    run.failed();
    assert_eq!(
        run.stderr.matches("error: template article.html").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("failed with 1 error"), "{}", run.stderr);
}

#[test]
fn template_missing_include() {
    assert_fails_keeping_public(
        |s| {
            s.file(
                "layouts/article.html",
                "{% extends \"base.html\" %}\n{% block content %}\n{% include \"nope.html\" %}\n{% endblock content %}\n",
            );
        },
        "layouts/article.html",
        Some(3),
        "template article.html: Template '[nope.html]' not found",
    );
}

#[test]
fn template_include_loop_is_refused_not_a_stack_overflow() {
    let err = assert_fails_keeping_public(
        |s| {
            s.file(
                "layouts/article.html",
                "{% extends \"base.html\" %}\n{% block content %}\n{% include \"a.html\" %}\n{% endblock content %}\n",
            );
            s.file("layouts/a.html", "A\n{% include \"b.html\" %}\n");
            s.file(
                "layouts/b.html",
                "B\n{% if true %}{% include \"a.html\" %}{% endif %}\n",
            );
        },
        "layouts/b.html",
        Some(2),
        "templates include each other in a loop: a.html → b.html → a.html",
    );
    assert!(!err.contains("overflow"), "{err}");
}

#[test]
fn template_includes_itself() {
    assert_fails_keeping_public(
        |s| {
            s.file("layouts/tag.html", "x\n{% include \"tag.html\" %}\n");
        },
        "layouts/tag.html",
        Some(2),
        "tag.html → tag.html",
    );
}

#[test]
fn template_extends_loop() {
    assert_fails_keeping_public(
        |s| {
            s.file("layouts/article.html", "{% extends \"x.html\" %}\n");
            s.file("layouts/x.html", "{% extends \"article.html\" %}\n");
        },
        // Tera finds the loop from either end (its templates are in a HashMap).
        ".html",
        Some(1),
        "Circular extend detected",
    );
}

#[test]
fn template_macro_calling_itself_forever_is_refused() {
    assert_fails_keeping_public(
        |s| {
            s.file(
                "layouts/m.html",
                "{% macro f() %}\n{{ self::f() }}\n{% endmacro f %}\n",
            );
            s.file(
                "layouts/article.html",
                "{% import \"m.html\" as m %}{% extends \"base.html\" %}\n{% block content %}{{ m::f() }}{% endblock content %}\n",
            );
        },
        "layouts/m.html",
        Some(1),
        "the macro `f` calls itself with no condition that could stop it",
    );
}

#[test]
fn template_macro_recursing_under_a_condition_is_allowed() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    site.file(
        "layouts/m.html",
        "{% macro f(n) %}{% if n > 0 %}[{{ n }}]{{ self::f(n=n-1) }}{% endif %}{% endmacro f %}\n",
    );
    site.file(
        "layouts/article.html",
        "{% import \"m.html\" as m %}{% extends \"base.html\" %}\n{% block content %}{{ m::f(n=3) }}{% endblock content %}\n",
    );
    let built = site.build();
    let html =
        String::from_utf8(built.output.get("articles/a/index.html").unwrap().to_vec()).unwrap();
    assert!(html.contains("[3][2][1]"));
}

// ---- The catalogue: glossary and timeline -------------------------------------------

#[test]
fn glossary_file_without_a_term() {
    assert_fails_keeping_public(
        |s| {
            s.term("x.md", "aliases = [\"X\"]", "No name.");
        },
        "content/glossary/x.md",
        Some(1),
        "the front matter has no `term`",
    );
}

#[test]
fn glossary_duplicate_term() {
    assert_fails_keeping_public(
        |s| {
            s.term("x-aod.md", "term = \"aod\"", "Again.");
        },
        "content/glossary/x-aod.md",
        Some(2),
        "the term \"aod\" is defined twice: here and in content/glossary/aod.md",
    );
}

#[test]
fn glossary_alias_that_is_another_terms_name() {
    assert_fails_keeping_public(
        |s| {
            s.term("quad.md", "term = \"Quad\"\naliases = [\"AOD\"]", "Four.");
        },
        "content/glossary/quad.md",
        Some(3),
        "the alias \"AOD\" is the name of another term, defined in content/glossary/aod.md",
    );
}

#[test]
fn glossary_duplicate_alias() {
    assert_fails_keeping_public(
        |s| {
            s.term(
                "edd.md",
                "term = \"EDD\"\naliases = [\"the Dialogue\"]",
                "One.",
            );
            s.term(
                "foip.md",
                "term = \"FOIP\"\naliases = [\"the dialogue\"]",
                "Two.",
            );
        },
        "content/glossary/foip.md",
        Some(3),
        "is also an alias of \"EDD\" in content/glossary/edd.md",
    );
}

#[test]
fn explicit_link_to_an_unknown_term() {
    assert_fails_keeping_public(
        |s| {
            s.simple(
                "a.md",
                "A",
                "Intro.\n\nSee [[Nonexistent Term]] and [[日本\nの安全]].\n",
            );
        },
        "content/articles/a.md",
        Some(7),
        "[[Nonexistent Term]] names no glossary term",
    );
}

#[test]
fn event_with_invalid_date() {
    assert_fails_keeping_public(
        |s| {
            s.article(
                "a.md",
                "title = \"A\"\ndate = 2025-01-01\n[[events]]\ndate = \"2023-02-30\"\ntitle = \"Bad\"",
                "x",
            );
        },
        "content/articles/a.md",
        Some(5),
        "invalid date \"2023-02-30\": that day does not exist in that month (use YYYY, YYYY-MM or YYYY-MM-DD",
    );
}

#[test]
fn timeline_file_with_invalid_date() {
    assert_fails_keeping_public(
        |s| {
            s.file(
                "content/timeline.toml",
                "[[events]]\ndate = \"2020-13\"\ntitle = \"T\"\n",
            );
        },
        "content/timeline.toml",
        Some(2),
        "timeline: invalid date \"2020-13\": the month must be between 01 and 12",
    );
}

#[test]
fn event_anchor_that_does_not_exist() {
    let err = assert_fails_keeping_public(
        |s| {
            s.article(
                "a.md",
                "title = \"A\"\ndate = 2025-01-01\n[[events]]\ndate = \"2023-02\"\ntitle = \"E\"\nanchor = \"nowhere\"",
                "## Real heading\n\nx\n",
            );
        },
        "content/articles/a.md",
        Some(7),
        "the event \"E\" points at #nowhere, which is not a heading in content/articles/a.md",
    );
    assert!(
        err.contains("real-heading"),
        "lists the ids there are: {err}"
    );
}

#[test]
fn timeline_event_naming_an_unknown_article() {
    assert_fails_keeping_public(
        |s| {
            s.file(
                "content/timeline.toml",
                "[[events]]\ndate = \"2020\"\ntitle = \"T\"\narticle = \"ghost.md\"\n",
            );
        },
        "content/timeline.toml",
        Some(4),
        "event \"T\" names the article \"ghost.md\", which does not exist",
    );
}

// ---- The catalogue: output ----------------------------------------------------------

/// `build --output <dir>` is refused before anything is built or written.
fn assert_output_refused(site: &TestSite, output: &str, words: &str) {
    let content_before = site.snapshot("content");
    let run = site.run(&["build", "--output", output]);
    run.failed();
    assert!(
        run.stderr.contains("refusing to write the site into") && run.stderr.contains(words),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
    assert_eq!(
        site.snapshot("content"),
        content_before,
        "content/ was touched"
    );
}

#[test]
fn output_equal_to_content_is_refused() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    assert_output_refused(
        &site,
        "content",
        "it is inside content/, which holds the site's sources",
    );
}

#[test]
fn output_inside_content_is_refused() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    assert_output_refused(&site, "content/site", "it is inside content/");
    assert!(!site.path("content/site").exists());
}

#[test]
fn output_equal_to_the_site_root_is_refused() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    assert_output_refused(&site, ".", "it is the site's root folder or contains it");
}

#[test]
fn output_folder_kiji_did_not_create_is_refused() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    site.file("docs/thesis.tex", "precious");
    assert_output_refused(&site, "docs", "it is not empty and kiji did not create it");
    assert_eq!(
        std::fs::read_to_string(site.path("docs/thesis.tex")).unwrap(),
        "precious"
    );
}

#[test]
fn output_that_is_a_file_is_refused() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    site.file("notes.txt", "precious");
    assert_output_refused(&site, "notes.txt", "it is a file, not a folder");
    assert_eq!(
        std::fs::read_to_string(site.path("notes.txt")).unwrap(),
        "precious"
    );
    let run = site.run(&["build", "--output", "site.toml"]);
    run.failed();
    assert!(site.path("site.toml").is_file());
}

#[test]
fn named_pipe_in_content_does_not_hang_the_build() {
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    let status = std::process::Command::new("mkfifo")
        .arg(site.path("content/articles/pipe.md"))
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED named_pipe_in_content_does_not_hang_the_build: mkfifo unavailable");
        return;
    }
    // Reading a pipe with no writer would block forever; only regular files are read.
    site.run(&["build"]).ok();
    assert!(site.path("public/articles/a/index.html").is_file());
}

#[test]
fn write_error_midway_keeps_the_previous_output() {
    if !cfg!(debug_assertions) {
        // KIJI_FAULT_WRITE_AFTER is read by debug builds only (`cargo test --release`
        // builds a kiji that ignores it).
        eprintln!("SKIPPED write_error_midway_keeps_the_previous_output: release build");
        return;
    }
    let site = TestSite::new();
    site.simple("a.md", "A", "x");
    site.run(&["build"]).ok();
    let before = site.snapshot("public");
    site.simple("a.md", "A changed", "y");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiji"))
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .env("KIJI_FAULT_WRITE_AFTER", "5")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not write the site to")
            && stderr.contains("no space left on device")
            && stderr.contains("the previous output was left as it was"),
        "{stderr}"
    );
    assert_eq!(site.snapshot("public"), before);
    // No staging folder is left behind.
    let leftovers: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging") || n.contains("-old-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn asset_where_a_generated_folder_must_go() {
    assert_fails_keeping_public(
        |s| {
            s.file("assets/articles", "a file where a folder must go");
        },
        "assets/articles",
        None,
        "assets/articles clashes with the generated articles/",
    );
}

#[test]
fn two_builds_at_once_never_mix_their_output() {
    // Two different sites write into the same output folder at the same time.
    let one = TestSite::new();
    one.simple("one.md", "One", "From the first site.\n");
    let two = TestSite::new();
    two.simple("two.md", "Two", "From the second site.\n");
    let shared = tempfile::tempdir().unwrap();
    let out = shared.path().join("public");
    let out_arg = out.to_str().unwrap();
    // What each build writes on its own.
    let expected: Vec<_> = [&one, &two]
        .iter()
        .map(|site| {
            site.run(&["build", "--output", out_arg]).ok();
            snapshot_dir(&out)
        })
        .collect();
    for _ in 0..3 {
        let children: Vec<_> = [&one, &two]
            .iter()
            .map(|site| {
                std::process::Command::new(env!("CARGO_BIN_EXE_kiji"))
                    .arg("--root")
                    .arg(site.root())
                    .args(["build", "--output", out_arg])
                    .env("KIJI_BUILD_DATE", BUILD_DATE)
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let now = snapshot_dir(&out);
        assert!(
            now == expected[0] || now == expected[1],
            "the output is a mix of both builds: {:?}",
            now.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    }
}

// ---- One pass reports everything ------------------------------------------------------

#[test]
fn link_timeline_and_anchor_errors_in_several_files_are_reported_together() {
    let site = TestSite::new();
    site.simple("a.md", "A", "[x](nope.md) and [y](b.md#missing)\n");
    site.simple("b.md", "B", "Text, then [z](gone.md).\n");
    site.article(
        "c.md",
        "title = \"C\"\ndate = 2025-01-01\n[[events]]\ndate = \"2020\"\ntitle = \"E\"\nanchor = \"nowhere\"",
        "x",
    );
    site.file(
        "content/timeline.toml",
        "[[events]]\ndate = \"2021\"\ntitle = \"T\"\narticle = \"ghost.md\"\n",
    );
    site.term("t.md", "term = \"T\"", "See [w](../articles/none.md).");
    site.term("u.md", "term = \"U\"", "Also [v](../articles/b.md#absent).");
    let diags = site.build_err();
    let seen: Vec<String> = diags.errors().map(|d| d.to_string()).collect();
    for expected in [
        "a.md:5:1: broken link: no article or glossary term at \"nope.md\"",
        "a.md:5:18: broken link: the target page has no heading or anchor #missing",
        "b.md:5:12: broken link: no article or glossary term at \"gone.md\"",
        "c.md:7:",
        "timeline.toml:4:",
        "content/glossary/t.md:4:",
        "content/glossary/u.md:4:6: broken link: the target page has no heading or anchor #absent",
    ] {
        assert!(
            seen.iter().any(|s| s.contains(expected)),
            "{expected} not in {seen:#?}"
        );
    }
}

#[test]
fn template_and_content_errors_are_reported_together() {
    let site = TestSite::new();
    site.file("layouts/tag.html", "{{ oops }\n");
    site.article("a.md", "date = 2025-01-01", "x");
    let run = site.run(&["build"]);
    run.failed();
    assert!(
        run.stderr.contains("layouts/tag.html:1")
            && run.stderr.contains("content/articles/a.md:1")
            && run.stderr.contains("failed with 2 errors"),
        "{}",
        run.stderr
    );
}
