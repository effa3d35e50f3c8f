//! Test harness: build small, real sites in temp dirs and look at the HTML they produce.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use kiji::date::PartialDate;
use kiji::diag::Diagnostics;
use kiji::{BuildOptions, Built};
use scraper::{ElementRef, Html, Selector};

pub const BUILD_DATE: &str = "2025-06-01";

pub struct TestSite {
    dir: tempfile::TempDir,
}

impl Default for TestSite {
    fn default() -> Self {
        Self::new()
    }
}

impl TestSite {
    /// A site with a minimal site.toml and no content yet.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let site = TestSite { dir };
        site.file(
            "site.toml",
            "title = \"Test Site\"\nbase_url = \"https://example.org/\"\n",
        );
        std::fs::create_dir_all(site.path("content/articles")).unwrap();
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn file(&self, rel: &str, text: &str) -> &Self {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn config(&self, text: &str) -> &Self {
        self.file("site.toml", text)
    }

    /// `content/articles/<name>` with TOML front matter `front` (without the fences).
    pub fn article(&self, name: &str, front: &str, body: &str) -> &Self {
        self.file(
            &format!("content/articles/{name}"),
            &format!("+++\n{front}\n+++\n{body}"),
        )
    }

    /// A minimal valid article: title and date given, body as given.
    pub fn simple(&self, name: &str, title: &str, body: &str) -> &Self {
        self.article(
            name,
            &format!("title = \"{title}\"\ndate = 2025-01-10"),
            body,
        )
    }

    /// `content/glossary/<name>` with TOML front matter and the definition as body.
    pub fn term(&self, name: &str, front: &str, definition: &str) -> &Self {
        self.file(
            &format!("content/glossary/{name}"),
            &format!("+++\n{front}\n+++\n{definition}\n"),
        )
    }

    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            drafts: false,
            base_url: None,
            today: Some(PartialDate::parse(BUILD_DATE).unwrap()),
        }
    }

    /// Builds in memory; panics with the rendered diagnostics if the build fails.
    pub fn build(&self) -> Built {
        self.build_with(&self.options())
    }

    pub fn build_with(&self, opts: &BuildOptions) -> Built {
        match kiji::build(self.root(), opts) {
            Ok(b) => b,
            Err(d) => panic!("build failed:\n{}", d.render()),
        }
    }

    /// Builds in memory and expects failure; returns the diagnostics.
    pub fn build_err(&self) -> Diagnostics {
        match kiji::build(self.root(), &self.options()) {
            Ok(_) => panic!("build unexpectedly succeeded"),
            Err(d) => d,
        }
    }

    /// Runs the real `kiji` binary with `--root` set to this site.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_kiji"))
            .arg("--root")
            .arg(self.root())
            .args(args)
            .env("KIJI_BUILD_DATE", BUILD_DATE)
            .output()
            .expect("run kiji");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Every file under `rel` (e.g. `public`) with its bytes, for byte-for-byte comparisons.
    pub fn snapshot(&self, rel: &str) -> Vec<(String, Vec<u8>)> {
        snapshot_dir(&self.path(rel))
    }
}

/// Every file under `dir`, relative path and bytes, sorted by path.
pub fn snapshot_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "kiji failed:\n{}", self.stderr);
        self
    }
    pub fn failed(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(1),
            "kiji should have failed with exit code 1:\n{}",
            self.stderr
        );
        self
    }
}

/// A page of a built site, parsed.
pub fn page(built: &Built, path: &str) -> Html {
    let file = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let bytes = built.output.get(&file).unwrap_or_else(|| {
        panic!(
            "no page {file}; pages: {:?}",
            built.output.files.keys().collect::<Vec<_>>()
        )
    });
    Html::parse_document(std::str::from_utf8(bytes).unwrap())
}

pub fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

pub fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    html.select(&sel(css)).collect()
}

pub fn text(el: &ElementRef<'_>) -> String {
    el.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn texts(html: &Html, css: &str) -> Vec<String> {
    select(html, css).iter().map(text).collect()
}

pub fn attrs(html: &Html, css: &str, attr: &str) -> Vec<String> {
    select(html, css)
        .iter()
        .filter_map(|e| e.value().attr(attr).map(String::from))
        .collect()
}

/// The URLs of the documents holding `word` in a site's search index, looked up the
/// way search.js does it: index.json names the shards by prefix and the longest
/// prefix of the word holds it; postings are `[doc delta, weight, …]`. `json` reads a
/// file of the site by its path under the root (`search/index.json`).
#[allow(dead_code)]
pub fn search_lookup(json: impl Fn(&str) -> serde_json::Value, word: &str) -> Vec<String> {
    let index = json("search/index.json");
    let shards: Vec<&str> = index["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let n = (0..shards.len())
        .filter(|&i| word.starts_with(shards[i]))
        .max_by_key(|&i| shards[i].len())
        .expect("a shard for every word");
    let shard = json(&format!("search/s{n}.json"));
    let Some(postings) = shard.get(word) else {
        return Vec::new();
    };
    let chunk = index["chunk"].as_u64().unwrap();
    let mut doc = 0;
    postings
        .as_array()
        .unwrap()
        .chunks(2)
        .map(|pair| {
            doc += pair[0].as_u64().unwrap();
            let docs = json(&format!("search/d{}.json", doc / chunk));
            docs[(doc % chunk) as usize][2]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}
