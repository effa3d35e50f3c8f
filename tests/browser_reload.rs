//! Issue 5: live reload in headless Chromium (tests/browser/live-reload.mjs) against
//! `kiji serve --watch`. Skips with a message when node, the npm packages or Chromium
//! are missing, unless KIJI_REQUIRE_BROWSER=1 (CI), where that is a failure.

mod common;
mod dev;

use std::path::Path;
use std::process::Command;

use common::TestSite;
use dev::Server;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Why the browser test cannot run here, if it cannot.
fn missing_tools(browser_dir: &Path) -> Option<String> {
    let chromium = std::env::var("KIJI_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !browser_dir.join("node_modules/playwright-core").is_dir() {
        return Some(
            "tests/browser/node_modules is missing (run `npm ci --prefix tests/browser`)".into(),
        );
    }
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing (apt-get install chromium)"));
    }
    None
}

#[test]
fn an_edit_appears_in_the_browser_by_itself() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if let Some(why) = missing_tools(&browser_dir) {
        assert!(
            std::env::var("KIJI_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "KIJI_REQUIRE_BROWSER=1 but {why}"
        );
        eprintln!("skipping the live-reload browser test: {why}");
        return;
    }
    let site = TestSite::new();
    site.config("title = \"Test Site\"\nbase_url = \"https://user.github.io/repo/\"\n");
    site.simple("a.md", "Alpha", "The first version.\n");
    site.file("assets/style.css", "body { margin: 0 }\n");
    let server = Server::start(site.root(), &["--watch"]);
    let url = format!("{}articles/a/", server.url);
    let out = Command::new("node")
        .arg(browser_dir.join("live-reload.mjs"))
        .arg(&url)
        .arg(site.root())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("3 passed, 0 failed"),
        "browser test failed:\n{stdout}\n{stderr}"
    );
}
