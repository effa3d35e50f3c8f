//! A very large article builds, completely, with no pathological slowdown.
//!
//! The issue asks for 50 MB. A debug build renders about 4 s per MB here, so the test
//! uses 3 MB by default; set `KIJI_TEST_ARTICLE_MB=50` (with `cargo test --release`) for
//! the full size. RELIABILITY.md records the release-binary timings at 5–50 MB.

mod common;

use std::time::Instant;

use common::*;

/// Realistic prose: headings, paragraphs with glossary terms, emphasis, code, links,
/// lists and quotes, repeated until the body reaches `bytes`.
fn large_body(bytes: usize) -> (String, usize) {
    let para = "Japan's AOD programme and the Quad met under Article 9 again; the EDD of \
                December 2023 was noted by *editors* with `code` and a [link](https://example.org/x). ";
    let mut body = String::with_capacity(bytes + 4096);
    let mut sections = 0;
    while body.len() < bytes {
        body.push_str(&format!(
            "## Section {sections}\n\n{}\n\n- item AOD one\n- item two\n\n> quoted Quad text\n\n",
            para.repeat(4)
        ));
        sections += 1;
    }
    (body, sections)
}

#[test]
fn a_very_large_article_builds_completely() {
    let mb: usize = std::env::var("KIJI_TEST_ARTICLE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let (body, sections) = large_body(mb * 1024 * 1024);
    let site = TestSite::new();
    site.term("aod.md", "term = \"AOD\"", "Assistance for Development.");
    site.term("quad.md", "term = \"Quad\"", "Four democracies.");
    site.simple("big.md", "Big", &body);
    let started = Instant::now();
    site.run(&["build"]).ok();
    let elapsed = started.elapsed();
    eprintln!("{mb} MB article built in {elapsed:?}");
    // A debug build takes ~10 s for 3 MB; a quadratic pass (the feed's link rewriting
    // once was one) took 95 s. Generous, for a busy machine.
    assert!(
        elapsed.as_secs() < 12 * mb as u64 + 10,
        "{mb} MB took {elapsed:?}: something is not linear"
    );
    let html = std::fs::read_to_string(site.path("public/articles/big/index.html")).unwrap();
    // Complete: the last section is there, and every section's heading got its id.
    let last = sections - 1;
    assert!(
        html.contains(&format!("id=\"section-{last}\"")),
        "last section missing"
    );
    assert_eq!(html.matches("<h2 id=\"section-").count(), sections);
    // Linked once (first-mention mode), counted everywhere.
    assert_eq!(html.matches("class=\"term\"").count(), 2);
}
