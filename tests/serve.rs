//! Issue 5: `kiji serve [--watch]` over real HTTP on an ephemeral port.

mod common;
mod dev;

use std::time::Duration;

use common::*;
use dev::{request, Server};

fn blog() -> TestSite {
    let site = TestSite::new();
    site.simple("a.md", "Alpha", "The alpha text.\n\n## Part one\n\nMore.\n");
    site.article(
        "b.md",
        "title = \"Beta\"\ndate = 2025-02-10",
        "See [alpha](a.md).\n",
    );
    site.file("assets/pic.png", "\u{89}PNG fake");
    site
}

fn with_base(site: &TestSite) -> &TestSite {
    site.config("title = \"Test Site\"\nbase_url = \"https://user.github.io/repo/\"\n")
}

/// The last good page's article body text.
fn prose(server: &Server, path: &str) -> String {
    let resp = server.get(path);
    assert_eq!(resp.status, 200, "{path}: {}", resp.text());
    texts(&resp.html(), ".prose").join(" ")
}

// ---- serving ----

#[test]
fn every_file_kind_gets_its_content_type_and_no_caching() {
    let site = blog();
    let server = Server::start(site.root(), &[]);
    for (path, ctype) in [
        ("/", "text/html; charset=utf-8"),
        ("/articles/a/", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/kiji.js", "text/javascript; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
        ("/pic.png", "image/png"),
        ("/feed.xml", "application/xml"),
        ("/sitemap.xml", "application/xml"),
        ("/glossary.json", "application/json"),
        ("/timeline.ics", "text/calendar; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ] {
        let resp = server.get(path);
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(resp.header("Content-Type"), Some(ctype), "{path}");
        assert_eq!(resp.header("Cache-Control"), Some("no-store"), "{path}");
    }
    let built = site.build();
    assert_eq!(
        server.get("/pic.png").body,
        built.output.get("pic.png").unwrap()
    );
}

#[test]
fn folders_serve_their_index_and_redirect_without_the_slash() {
    let site = blog();
    let server = Server::start(site.root(), &[]);
    let page = server.get("/articles/a/").html();
    assert_eq!(texts(&page, "h1"), ["Alpha"]);
    let redirect = server.get("/articles/a");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location"), Some("/articles/a/"));
    let with_query = server.get("/articles/a/?utm=x");
    assert_eq!(texts(&with_query.html(), "h1"), ["Alpha"]);
}

#[test]
fn unknown_urls_get_the_sites_404_page_with_status_404() {
    let site = blog();
    let server = Server::start(site.root(), &[]);
    let resp = server.get("/articles/nope/");
    assert_eq!(resp.status, 404);
    assert_eq!(
        resp.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(texts(&resp.html(), "h1"), ["Page not found"]);
}

#[test]
fn head_sends_the_headers_of_get_without_a_body() {
    let site = blog();
    let server = Server::start(site.root(), &[]);
    let get = server.get("/articles/a/");
    let head = request(server.addr, "HEAD", "/articles/a/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "{} body bytes", head.body.len());
    assert_eq!(
        head.header("Content-Length"),
        Some(get.body.len().to_string().as_str())
    );
    assert_eq!(head.header("Content-Type"), get.header("Content-Type"));
    assert_eq!(request(server.addr, "POST", "/").status, 405);
}

#[test]
fn a_base_path_serves_the_site_under_it_like_github_pages() {
    let site = blog();
    with_base(&site);
    let mut server = Server::start(site.root(), &["--watch"]);
    assert!(server.url.ends_with("/repo/"), "{}", server.url);
    let home = server.get("/repo/");
    assert_eq!(home.status, 200);
    let html = home.html();
    // Every site link on the page works on this server as it would on GitHub Pages.
    let mut links = attrs(&html, "link[rel=stylesheet]", "href");
    links.extend(attrs(&html, "a[href^='/']", "href"));
    assert!(links.len() > 4, "{links:?}");
    for href in links {
        assert!(href.starts_with("/repo/"), "{href}");
        assert_eq!(server.get(&href).status, 200, "{href}");
    }
    assert_eq!(server.get("/").status, 404);
    assert_eq!(server.get("/articles/a/").status, 404);
    let bare = server.get("/repo");
    assert_eq!(bare.status, 301);
    assert_eq!(bare.header("Location"), Some("/repo/"));
    // The live-reload script and its event stream honour the base path too.
    let script = attrs(&html, "script[data-base]", "src");
    assert_eq!(script, ["/repo/__kiji/live.js"]);
    assert_eq!(server.get(&script[0]).status, 200);
    let mut events = server.events();
    assert_eq!(events.status, 200);
    assert_eq!(events.next().name, "hello");
    assert_eq!(
        dev::Events::connect(server.addr, "/__kiji/events").status,
        404
    );
    site.simple("a.md", "Alpha", "Rewritten under a base path.\n");
    events.expect("reload");
    assert!(prose(&server, "/repo/articles/a/").contains("Rewritten under a base path"));
    server.wait_line(|l| l.contains("changed"));
}

#[test]
fn every_traversal_form_is_refused() {
    let site = blog();
    // A secret beside the site, and a symlink in assets/ created after the build:
    // the server only ever serves the in-memory build, so neither can be reached.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "TOP SECRET").unwrap();
    let server = Server::start(site.root(), &[]);
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), site.path("assets/leak")).unwrap();
    let root = site.root().display().to_string();
    for target in [
        "/../site.toml".to_string(),
        "/articles/../../site.toml".into(),
        "/%2e%2e/site.toml".into(),
        "/%2E%2E/%2E%2E/site.toml".into(),
        "/.%2e/site.toml".into(),
        "/%2e%2e%2fsite.toml".into(),
        "/articles/..%5c..%5csite.toml".into(),
        "/..\\site.toml".into(),
        "/articles\\..\\..\\site.toml".into(),
        "//etc/passwd".into(),
        "/etc/passwd".into(),
        format!("{root}/site.toml"),
        format!("/{root}/site.toml"),
        "http://evil.example/../site.toml".into(),
        "C:\\Windows\\win.ini".into(),
        "/%00site.toml".into(),
        "/leak/secret.txt".into(),
        "/assets/leak/secret.txt".into(),
    ] {
        let resp = request(server.addr, "GET", &target);
        assert!(
            matches!(resp.status, 400 | 404),
            "{target}: {}",
            resp.status
        );
        let body = resp.text();
        assert!(
            !body.contains("base_url =") && !body.contains("TOP SECRET") && !body.contains("root:"),
            "{target} leaked: {body}"
        );
    }
}

#[test]
fn many_concurrent_requests_do_not_stall_the_server() {
    let site = blog();
    let server = Server::start(site.root(), &["--watch"]);
    // Open event streams hold connections for as long as a tab is open; more of them
    // than there are request workers must not block ordinary requests.
    let mut streams: Vec<_> = (0..12).map(|_| server.events()).collect();
    for s in &mut streams {
        assert_eq!(s.next().name, "hello");
    }
    let addr = server.addr;
    let handles: Vec<_> = (0..48)
        .map(|i| {
            std::thread::spawn(move || {
                let path = if i % 2 == 0 {
                    "/articles/a/"
                } else {
                    "/style.css"
                };
                request(addr, "GET", path).status
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
}

#[test]
fn a_port_in_use_gets_a_clear_message() {
    let site = blog();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = site.run(&["serve", "--port", &port]);
    run.failed();
    assert!(run.stderr.contains("already in use"), "{}", run.stderr);
    assert!(run.stderr.contains("--port 0"), "{}", run.stderr);
}

#[test]
fn binding_beyond_localhost_warns() {
    let site = blog();
    let mut server = Server::start(site.root(), &["--bind", "0.0.0.0"]);
    let stderr = server.stop_and_read_stderr();
    assert!(stderr.contains("warning: binding to 0.0.0.0"), "{stderr}");
}

#[test]
fn the_live_reload_script_is_for_watch_mode_only() {
    let site = blog();
    let plain = Server::start(site.root(), &[]);
    assert!(attrs(&plain.get("/").html(), "script", "src")
        .iter()
        .all(|s| !s.contains("__kiji")));
    drop(plain);
    site.run(&["build"]).ok();
    let built = std::fs::read_to_string(site.path("public/index.html")).unwrap();
    let html = scraper::Html::parse_document(&built);
    let srcs = attrs(&html, "script", "src");
    assert!(
        !srcs.is_empty() && srcs.iter().all(|s| !s.contains("__kiji")),
        "{srcs:?}"
    );
    let watching = Server::start(site.root(), &["--watch"]);
    let html = watching.get("/").html();
    assert_eq!(
        attrs(&html, "script[data-base]", "src"),
        ["/__kiji/live.js"]
    );
    // The 404 page is HTML too: it reloads when the missing page appears.
    let missing = watching.get("/articles/c/").html();
    assert_eq!(
        attrs(&missing, "script[data-base]", "src"),
        ["/__kiji/live.js"]
    );
}

// ---- watching ----

#[test]
fn a_plain_save_reloads_and_serves_the_new_text() {
    let site = blog();
    let mut server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    assert_eq!(events.content_type, "text/event-stream");
    let hello = events.next();
    assert_eq!(hello.name, "hello");
    site.simple("a.md", "Alpha", "Freshly written words.\n");
    let reload = events.expect("reload");
    assert_eq!(
        reload.json()["generation"],
        hello.json()["generation"].as_u64().unwrap() + 1
    );
    // The reload is only sent once the new site is in place.
    assert!(prose(&server, "/articles/a/").contains("Freshly written words"));
    let line = server.wait_line(|l| l.contains("content/articles/a.md changed"));
    assert!(line.contains(" ms"), "{line}");
    assert!(line.contains("re-rendered"), "{line}");
}

#[test]
fn serving_from_inside_the_site_with_the_default_root_sees_saves() {
    let site = blog();
    let mut server = Server::start_inside(site.root(), &["--watch"]);
    let mut events = server.events();
    site.simple("a.md", "Alpha", "Written while serving from inside.\n");
    events.expect("reload");
    assert!(prose(&server, "/articles/a/").contains("Written while serving from inside"));
    server.wait_line(|l| l.contains("content/articles/a.md changed"));
}

/// The URLs of the documents holding `word`, from the server's search index.
fn search_hits(server: &Server, word: &str) -> Vec<String> {
    search_lookup(
        |path| {
            let resp = server.get(&format!("/{path}"));
            assert_eq!(resp.status, 200, "{path}");
            serde_json::from_slice(&resp.body).unwrap()
        },
        word,
    )
}

#[test]
fn a_body_edit_reloads_at_once_and_search_finds_the_new_words() {
    let site = blog();
    let mut server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    assert!(search_hits(&server, "zanzibarquux").is_empty());
    site.simple(
        "a.md",
        "Alpha",
        "The alpha text, now about zanzibarquux.\n\n## Part one\n\nMore.\n",
    );
    events.expect("reload");
    let line = server.wait_line(|l| l.contains("content/articles/a.md changed"));
    assert!(line.contains("(body edit)"), "{line}");
    assert!(prose(&server, "/articles/a/").contains("zanzibarquux"));
    // The index is made when first asked for, and then it has the new word.
    assert_eq!(search_hits(&server, "zanzibarquux"), ["/articles/a/"]);
    // Alpha and Beta (which links to "alpha") still both hold the old words.
    assert_eq!(search_hits(&server, "alpha").len(), 2);
}

#[test]
fn a_title_edit_reloads_every_page_and_file_that_names_the_article() {
    let site = blog();
    site.term("aod.md", "term = \"AOD\"", "An air defence idea.");
    site.simple("a.md", "Alpha", "The AOD text.\n\n## Part one\n\nMore.\n");
    let mut server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    site.simple(
        "a.md",
        "Alpha Renamed",
        "The AOD text.\n\n## Part one\n\nMore.\n",
    );
    events.expect("reload");
    let line = server.wait_line(|l| l.contains("content/articles/a.md changed"));
    assert!(line.contains("(front matter edit)"), "{line}");
    let shows = |path: &str, css: &str| {
        let resp = server.get(path);
        assert_eq!(resp.status, 200, "{path}");
        texts(&resp.html(), css)
            .iter()
            .any(|t| t.contains("Alpha Renamed"))
    };
    assert!(shows("/articles/a/", "h1"));
    assert!(shows("/", "main a"));
    assert!(shows("/articles/b/", "a[rel=prev]"));
    assert!(shows("/glossary/", "main a"));
    // glossary.json is made when first asked for, from the edited site.
    let json: serde_json::Value =
        serde_json::from_slice(&server.get("/glossary.json").body).unwrap();
    assert_eq!(json["terms"][0]["articles"][0]["title"], "Alpha Renamed");
    assert_eq!(search_hits(&server, "renamed"), ["/articles/a/"]);
}

#[test]
fn an_atomic_save_by_rename_reloads() {
    let site = blog();
    let server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    // What most editors do: write a temp file, rename it over the original.
    site.file(
        "content/articles/.a.md.kiji-tmp",
        "+++\ntitle = \"Alpha\"\ndate = 2025-01-10\n+++\nRenamed into place.\n",
    );
    std::fs::rename(
        site.path("content/articles/.a.md.kiji-tmp"),
        site.path("content/articles/a.md"),
    )
    .unwrap();
    events.expect("reload");
    assert!(prose(&server, "/articles/a/").contains("Renamed into place"));
}

#[test]
fn a_vim_save_with_backup_and_4913_reloads_once_with_the_new_text() {
    let site = blog();
    let mut server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    let dir = site.path("content/articles");
    std::fs::write(dir.join("4913"), "").unwrap();
    std::fs::remove_file(dir.join("4913")).unwrap();
    std::fs::rename(dir.join("a.md"), dir.join("a.md~")).unwrap();
    std::fs::write(
        dir.join("a.md"),
        "+++\ntitle = \"Alpha\"\ndate = 2025-01-10\n+++\nSaved by vim.\n",
    )
    .unwrap();
    std::fs::remove_file(dir.join("a.md~")).unwrap();
    events.expect("reload");
    assert!(prose(&server, "/articles/a/").contains("Saved by vim"));
    server.wait_line(|l| l.contains("content/articles/a.md changed"));
}

#[test]
fn a_save_that_changes_nothing_sends_no_reload() {
    let site = blog();
    let mut server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    assert_eq!(events.next().name, "hello");
    // Same bytes again: the rebuild runs, finds the output identical, stays quiet.
    let same = std::fs::read(site.path("content/articles/a.md")).unwrap();
    std::fs::write(site.path("content/articles/a.md"), same).unwrap();
    let line = server.wait_line(|l| l.contains("content/articles/a.md changed"));
    assert!(
        line.contains("0 files changed") && line.contains("no reload"),
        "{line}"
    );
    // The next event is the one for a real change, not one for the no-op save.
    site.simple("b.md", "Beta", "Changed.\n");
    let next = events.next();
    assert_eq!(next.name, "reload", "{next:?}");
}

#[test]
fn a_css_only_change_swaps_the_stylesheet_without_a_reload() {
    let site = blog();
    with_base(&site);
    let server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    site.file("assets/style.css", "body { color: rebeccapurple }\n");
    let css = events.expect("css");
    assert_eq!(css.json()["paths"], serde_json::json!(["/repo/style.css"]));
    assert_eq!(
        server.get("/repo/style.css").text(),
        "body { color: rebeccapurple }\n"
    );
}

#[test]
fn a_new_folder_with_an_article_appears() {
    let site = blog();
    let server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    site.simple("deep/er/c.md", "Gamma", "In a new folder.\n");
    events.expect("reload");
    assert!(prose(&server, "/articles/c/").contains("In a new folder"));
}

#[test]
fn poll_mode_sees_changes_too() {
    let site = blog();
    let server = Server::start(site.root(), &["--watch", "--poll"]);
    let mut events = server.events();
    site.simple("a.md", "Alpha", "Seen by polling.\n");
    events.expect("reload");
    assert!(prose(&server, "/articles/a/").contains("Seen by polling"));
    // A second save within the same second (file times in whole seconds) is seen too.
    site.simple("a.md", "Alpha", "Seen again.\n");
    events.expect("reload");
    assert!(prose(&server, "/articles/a/").contains("Seen again"));
}

#[test]
fn a_broken_front_matter_keeps_the_last_good_site_and_reports_the_error() {
    let site = blog();
    let mut server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    site.file(
        "content/articles/a.md",
        "+++\ntitle = \"Alpha\"\ndate = \"2025-13-45\"\n+++\nBroken.\n",
    );
    let error = events.expect("build-error").json();
    let errors = error["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{error}");
    assert_eq!(errors[0]["file"], "content/articles/a.md");
    assert_eq!(errors[0]["line"], 3);
    let rendered = errors[0]["rendered"].as_str().unwrap();
    assert!(rendered.contains("date = \"2025-13-45\""), "{rendered}");
    server.wait_line(|l| l.contains("still serving the last good site"));
    // The last good page is still served, with the script that shows the overlay.
    assert!(prose(&server, "/articles/a/").contains("The alpha text"));
    // A tab opened now learns about the failure as soon as it connects.
    let mut late = server.events();
    assert_eq!(late.next().name, "hello");
    assert_eq!(late.next().name, "build-error");
    // Fixed (and changed): reload, and the overlay goes with the old page.
    site.simple("a.md", "Alpha", "Fixed text.\n");
    events.expect("reload");
    assert!(prose(&server, "/articles/a/").contains("Fixed text"));
    // Broken, then fixed back to exactly the last good text: the overlay is cleared.
    site.file("content/articles/a.md", "+++\ntitle = \n+++\n");
    events.expect("build-error");
    site.simple("a.md", "Alpha", "Fixed text.\n");
    events.expect("build-ok");
}

#[test]
fn a_deleted_article_is_reported_where_linked_then_gone() {
    let site = blog();
    let server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    std::fs::remove_file(site.path("content/articles/a.md")).unwrap();
    let error = events.expect("build-error").json();
    let errors = error["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["file"] == "content/articles/b.md" && e["line"] == 5),
        "{error}"
    );
    // b.md no longer links to it: the build succeeds and the page is gone.
    site.article(
        "b.md",
        "title = \"Beta\"\ndate = 2025-02-10",
        "No links now.\n",
    );
    events.expect("reload");
    assert_eq!(server.get("/articles/a/").status, 404);
    assert_eq!(server.get("/articles/b/").status, 200);
}

#[test]
fn the_server_starts_even_when_the_first_build_fails_and_recovers() {
    let site = blog();
    site.file(
        "content/articles/a.md",
        "+++\ntitle = \"Alpha\"\n+++\nNo date.\n",
    );
    let server = Server::start(site.root(), &["--watch"]);
    let resp = server.get("/articles/a/");
    assert_eq!(resp.status, 503);
    let html = resp.html();
    let locations = texts(&html, "#kiji-overlay .kiji-error .kiji-location");
    assert_eq!(locations.len(), 1, "{}", resp.text());
    assert!(
        locations[0].starts_with("content/articles/a.md"),
        "{locations:?}"
    );
    assert_eq!(
        attrs(&html, "script[data-base]", "src"),
        ["/__kiji/live.js"]
    );
    let mut events = server.events();
    assert_eq!(events.next().name, "hello");
    assert_eq!(events.next().name, "build-error");
    site.simple("a.md", "Alpha", "Now it builds.\n");
    events.expect("reload");
    assert!(prose(&server, "/articles/a/").contains("Now it builds"));
}

#[test]
fn changes_outside_the_sources_do_not_rebuild() {
    let site = blog();
    let mut server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    assert_eq!(events.next().name, "hello");
    site.file("public/index.html", "x");
    site.file("notes.txt", "x");
    site.file("content/articles/.a.md.swp", "x");
    site.file("content/articles/a.md~", "x");
    // A real change afterwards is the first thing reported.
    site.simple("b.md", "Beta", "Real change.\n");
    let line = server.wait_line(|l| l.contains("changed"));
    assert!(line.contains("content/articles/b.md changed"), "{line}");
    assert_eq!(events.next().name, "reload");
    assert!(events.next_within(Duration::from_millis(300)).is_none());
}

#[test]
fn a_renamed_article_moves_to_its_new_url() {
    let site = blog();
    let server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    std::fs::rename(
        site.path("content/articles/b.md"),
        site.path("content/articles/c.md"),
    )
    .unwrap();
    events.expect("reload");
    assert_eq!(server.get("/articles/b/").status, 404);
    assert_eq!(texts(&server.get("/articles/c/").html(), "h1"), ["Beta"]);
}

#[test]
fn site_toml_saved_the_vim_way_is_seen() {
    let site = blog();
    let server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    std::fs::write(site.path("4913"), "").unwrap();
    std::fs::remove_file(site.path("4913")).unwrap();
    std::fs::rename(site.path("site.toml"), site.path("site.toml~")).unwrap();
    std::fs::write(
        site.path("site.toml"),
        "title = \"Renamed Site\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    std::fs::remove_file(site.path("site.toml~")).unwrap();
    events.expect("reload");
    let title = texts(&server.get("/articles/a/").html(), "title");
    assert_eq!(title, ["Alpha · Renamed Site"]);
}

#[test]
fn a_layouts_folder_created_while_serving_is_watched() {
    let site = blog();
    let server = Server::start(site.root(), &["--watch"]);
    let mut events = server.events();
    let base = kiji::theme::TEMPLATES
        .iter()
        .find(|(n, _)| *n == "404.html")
        .unwrap()
        .1;
    site.file(
        "layouts/404.html",
        &base.replace("Page not found", "Nothing here"),
    );
    events.expect("reload");
    assert_eq!(texts(&server.get("/nope/").html(), "h1"), ["Nothing here"]);
    // The new folder is now watched itself: a second edit inside it is seen too.
    site.file(
        "layouts/404.html",
        &base.replace("Page not found", "Still nothing"),
    );
    events.expect("reload");
    assert_eq!(texts(&server.get("/nope/").html(), "h1"), ["Still nothing"]);
}

/// `KIJI_TIMINGS=1` times a rebuild's stages, not the wait for the next save: the last
/// stage of a build (or of a fast-path edit) ends with it, so no stage line takes in
/// the seconds the server sat idle.
#[test]
fn timings_leave_out_the_wait_between_saves() {
    let idle = Duration::from_millis(2500);
    let site = blog();
    let mut server = Server::start_with_env(site.root(), &["--watch"], &[("KIJI_TIMINGS", "1")]);
    let mut events = server.events();
    // Idle after the first build, then after a fast-path edit; the sleeps are the
    // waits being measured.
    for body in ["Idle first.\n", "Idle again.\n", "Last edit.\n"] {
        std::thread::sleep(idle);
        site.simple("b.md", "Beta", body);
        events.expect("reload");
        server.wait_line(|l| l.contains("content/articles/b.md changed"));
    }
    let stderr = server.stop_and_read_stderr();
    let stages: Vec<(String, f64)> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("kiji timing: "))
        .map(|l| {
            let (name, rest) = l.split_at(l.find(|c: char| c.is_ascii_digit()).unwrap());
            let ms: f64 = rest.split_whitespace().next().unwrap().parse().unwrap();
            (name.trim().to_string(), ms)
        })
        .collect();
    assert!(
        stages.iter().any(|(n, _)| n == "publish")
            && stages.iter().any(|(n, _)| n.starts_with("edit:")),
        "{stderr}"
    );
    for (name, ms) in &stages {
        if name == "publish" || name.starts_with("edit:") {
            assert!(
                *ms < idle.as_secs_f64() * 1e3 * 0.8,
                "{name} took {ms} ms:\n{stderr}"
            );
        }
    }
}
