//! The build runs in parallel (linking, related articles, rendering, writing); its
//! output must still be the same bytes every time.

mod common;

use common::*;

/// A site big enough that rayon splits every parallel stage across threads.
fn busy_site() -> TestSite {
    let site = TestSite::new();
    let terms = [
        "Alpha Accord",
        "Beta Pact",
        "Gamma Forum",
        "Delta Doctrine",
        "Epsilon Council",
    ];
    for (i, t) in terms.iter().enumerate() {
        site.term(
            &format!("t{i}.md"),
            &format!("term = \"{t}\""),
            &format!(
                "{t} is defined here; see also the {}.",
                terms[(i + 1) % terms.len()]
            ),
        );
    }
    for i in 0..120 {
        let body = format!(
            "## Section {i}\n\nThe {} meets the {} again.\nThe {} follows; see [the next one](a{:03}.md).\n\n```rust\nfn f{i}() {{}}\n```\n",
            terms[i % 5],
            terms[(i * 3 + 1) % 5],
            terms[(i * 7 + 2) % 5],
            (i + 1) % 120
        );
        let front = format!(
            "title = \"Article {i}\"\ndate = 2024-{:02}-{:02}\ntags = [\"tag-{}\", \"tag-{}\"]\n\n[[events]]\ndate = \"20{:02}\"\ntitle = \"Event {i}\"\ntags = [\"era-{}\"]",
            i % 12 + 1,
            i % 28 + 1,
            i % 7,
            i % 3,
            i % 25,
            i % 4
        );
        site.article(&format!("a{i:03}.md"), &front, &body);
    }
    site
}

#[test]
fn two_builds_give_byte_identical_output() {
    let site = busy_site();
    let first = site.build();
    let second = site.build();
    assert!(first.output.len() > 120, "{} files", first.output.len());
    assert_eq!(
        first.output.changed_paths(&second.output),
        Vec::<String>::new()
    );
    assert_eq!(first.output, second.output);
}

#[test]
fn kiji_build_writes_exactly_the_in_memory_site() {
    // `kiji build` streams each file into its staging folder as it is rendered; what
    // lands in public/ must be the same files and bytes as the in-memory build.
    let site = busy_site();
    let built = site.build();
    site.run(&["build"]).ok();
    let mut written = site.snapshot("public");
    written.retain(|(path, _)| path != kiji::output::MARKER);
    let expected: Vec<(String, Vec<u8>)> = built
        .output
        .files
        .iter()
        .map(|(path, bytes)| (path.clone(), bytes.to_vec()))
        .collect();
    assert_eq!(written.len(), expected.len());
    for ((path, bytes), (want_path, want)) in written.iter().zip(&expected) {
        assert_eq!(path, want_path);
        assert!(bytes == want, "{path} differs");
    }
}

#[test]
fn a_one_off_build_writes_the_same_site_as_the_dev_server() {
    // A one-off build moves each article's HTML out of its render and frees it once
    // the page is written (the feed's articles, made later, keep theirs); the dev
    // server keeps every render. Both must write the same bytes, every article's
    // body included.
    let site = busy_site();
    site.config("title = \"Busy\"\nbase_url = \"https://example.org/\"\n\n[feed]\nlimit = 7\n");
    let one_off = site.build();
    let mut state = kiji::incremental::SiteState::new(site.root().to_path_buf(), site.options());
    let served = state
        .rebuild()
        .map(kiji::incremental::Rebuilt::complete)
        .unwrap();
    assert_eq!(
        one_off.output.changed_paths(&served.built.output),
        Vec::<String>::new()
    );
    for i in [0, 6, 7, 119] {
        let page = page(&one_off, &format!("articles/a{i:03}/index.html"));
        let prose = texts(&page, ".prose").join(" ");
        assert!(prose.contains(&format!("Section {i}")), "a{i:03}: {prose}");
    }
}
