//! Issue 9: the bundled site in a real browser. Builds the site in `content/` twice (at
//! the domain root and under `/kiji-demo/`), serves both from memory and runs
//! `tests/browser/site.mjs` in headless chromium against them.
//!
//! Needs node, `npm ci --prefix tests/browser` and /usr/bin/chromium; without them the
//! test says what is missing and passes, unless KIJI_REQUIRE_BROWSER=1 (CI) makes it fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::thread;

use kiji::output::Output;
use kiji::BuildOptions;
use tiny_http::{Header, Response, Server};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> PathBuf {
    std::env::var_os("KIJI_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the browser suite, if anything.
fn missing_tools() -> Vec<String> {
    let mut missing = Vec::new();
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        missing.push("node (apt-get install nodejs)".to_string());
    }
    let modules = repo().join("tests/browser/node_modules");
    for package in ["playwright-core", "axe-core"] {
        if !modules.join(package).is_dir() {
            missing.push(format!(
                "tests/browser/node_modules/{package} (npm ci --prefix tests/browser)"
            ));
        }
    }
    if !chromium().exists() {
        missing.push(format!(
            "{} (apt-get install chromium)",
            chromium().display()
        ));
    }
    missing
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    }
}

/// Serves `output` under `prefix` (`/` or `/kiji-demo/`) on `server`, until the test ends.
fn serve(server: Server, output: Output, prefix: String) {
    let output = Arc::new(output);
    thread::spawn(move || {
        for request in server.incoming_requests() {
            let url = request.url().split(['?', '#']).next().unwrap_or("/");
            let file = url.strip_prefix(prefix.as_str()).map(|rest| {
                if rest.is_empty() || rest.ends_with('/') {
                    format!("{rest}index.html")
                } else {
                    rest.to_string()
                }
            });
            let found = file.as_deref().and_then(|f| output.get(f).map(|b| (f, b)));
            let response = match found {
                Some((f, bytes)) => Response::from_data(bytes.to_vec()).with_header(
                    Header::from_bytes("Content-Type", content_type(f)).expect("header"),
                ),
                None => Response::from_data(output.get("404.html").unwrap_or_default().to_vec())
                    .with_status_code(404)
                    .with_header(
                        Header::from_bytes("Content-Type", "text/html; charset=utf-8")
                            .expect("header"),
                    ),
            };
            let _ = request.respond(response);
        }
    });
}

/// Builds the bundled site for `base_path` and serves it; returns its URL.
fn build_and_serve(base_path: &str) -> String {
    let server = Server::http("127.0.0.1:0").expect("bind a local port");
    let port = server.server_addr().to_ip().expect("an IP address").port();
    let url = format!("http://127.0.0.1:{port}{base_path}");
    let opts = BuildOptions {
        base_url: Some(url.clone()),
        ..BuildOptions::default()
    };
    let built = kiji::build(&repo(), &opts).unwrap_or_else(|d| panic!("{}", d.render()));
    serve(server, built.output, base_path.to_string());
    url
}

fn run_suite(script: &Path, urls: &[String]) {
    let out = Command::new("node")
        .arg(script)
        .args(urls)
        .env("KIJI_CHROMIUM", chromium())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the browser suite failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(" passed, 0 failed"),
        "no summary line from the suite:\n{stdout}"
    );
}

#[test]
fn bundled_site_in_headless_chromium() {
    let missing = missing_tools();
    if !missing.is_empty() {
        let required = std::env::var("KIJI_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        let message = format!("browser tests need: {}", missing.join(", "));
        assert!(!required, "{message} (KIJI_REQUIRE_BROWSER=1)");
        eprintln!("SKIPPED: {message}");
        return;
    }
    let root = build_and_serve("/");
    let demo = build_and_serve("/kiji-demo/");
    run_suite(&repo().join("tests/browser/site.mjs"), &[root, demo]);
}
