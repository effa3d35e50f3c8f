//! Save-to-reload latency of `kiji serve --watch`: the time from writing an article
//! to the `reload` event arriving on the SSE stream, as a browser would see it.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example reload_latency                      # the bundled site
//! cargo run --release --example reload_latency -- --generate 10000  # a generated site
//! cargo run --release --example reload_latency -- --site DIR        # a copy of any site
//! ```
//!
//! The site is copied (or generated) into a temp folder, so the sources are never
//! touched. Options: `--runs N` (default 15); `--edit title` changes the article's
//! title instead of appending to its body, `--edit updated` its "last updated" date
//! (front matter `updated`), `--edit tags` gives it one more tag (another tag page,
//! new related articles), `--edit events` one more event (the timeline pages, the
//! calendar). Prints min / median / max.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let runs: usize = value("--runs").map_or(15, |r| r.parse().expect("--runs N"));
    let tmp = std::env::temp_dir().join(format!("kiji-reload-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let label = if let Some(n) = value("--generate") {
        let n: usize = n.parse().expect("--generate N");
        generate(&tmp, n);
        format!("generated site, {n} articles")
    } else {
        let src = value("--site")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        copy_site(&src, &tmp);
        format!("{}", src.display())
    };
    let article = first_article(&tmp.join("content/articles"));
    let original = fs::read_to_string(&article).expect("read the article");

    let mut server = start(&tmp);
    let mut events = connect(&server.addr, &server.base);
    wait_for(&mut events, "hello");
    let mut samples = Vec::with_capacity(runs);
    let edit = value("--edit");
    for run in 0..runs {
        let text = match edit.as_deref() {
            // A new title shows on other pages (lists, related articles, the
            // glossary): the front matter fast path, or the full path with its caches
            // if the article moves in the order.
            Some("title") => {
                let at = original.find("title = \"").expect("a TOML title") + "title = \"".len();
                format!("{}Edit {run} {}", &original[..at], &original[at..])
            }
            // A new "last updated" date: its page, the cards that show it, the feed
            // and the sitemap.
            Some("updated") => {
                let at = original.find("\ndate = ").expect("a TOML date") + 1;
                let updated = format!("updated = 2026-01-{:02}\n", 1 + run % 28);
                format!("{}{updated}{}", &original[..at], &original[at..])
            }
            Some("tags") => {
                let at = original.find("tags = [").expect("a TOML tags list") + "tags = [".len();
                format!("{}\"latency-{run}\", {}", &original[..at], &original[at..])
            }
            // One more event, dated a different month each time: the timeline pages,
            // the calendar and the article's own page.
            Some("events") => {
                let at = 3 + original[3..].find("\n+++").expect("TOML front matter");
                let event = format!(
                    "\n\n[[events]]\ndate = \"2001-{:02}\"\ntitle = \"Latency event {run}\"",
                    1 + run % 12
                );
                format!("{}{event}{}", &original[..at], &original[at..])
            }
            _ => format!("{original}\n\nEdit number {run} of the latency benchmark.\n"),
        };
        let started = Instant::now();
        fs::write(&article, text).expect("write the article");
        wait_for(&mut events, "reload");
        samples.push(started.elapsed());
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    let _ = fs::remove_dir_all(&tmp);

    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{label}: first build {}", server.first_build);
    println!(
        "save → reload over {runs} edits of {}: min {:.1} ms, median {:.1} ms, max {:.1} ms",
        article.file_name().unwrap().to_string_lossy(),
        ms(samples[0]),
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() - 1]),
    );
}

struct Server {
    child: Child,
    addr: String,
    base: String,
    first_build: String,
}

/// `target/release/kiji`, beside this example's own binary.
fn kiji_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join(format!("kiji{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "build kiji first: cargo build --release");
    bin
}

fn start(root: &Path) -> Server {
    let mut child = Command::new(kiji_binary())
        .arg("--root")
        .arg(root)
        .args(["serve", "--watch", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kiji serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut first_build = String::new();
    let mut url = String::new();
    for line in lines.by_ref() {
        let line = line.expect("read kiji's output");
        if line.starts_with("built ") {
            first_build = line.rsplit(" in ").next().unwrap_or("").to_string();
        } else if let Some(u) = line.strip_prefix("serving on http://") {
            url = u.to_string();
        } else if line.starts_with("watching ") {
            break;
        }
    }
    // Keep draining stdout so kiji never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let slash = url.find('/').expect("a URL");
    Server {
        child,
        addr: url[..slash].to_string(),
        base: url[slash..].to_string(),
        first_build,
    }
}

fn connect(addr: &str, base: &str) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {base}__kiji/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    BufReader::new(stream)
}

fn wait_for(events: &mut BufReader<TcpStream>, name: &str) {
    let wanted = format!("event: {name}");
    let mut line = String::new();
    loop {
        line.clear();
        let n = events.read_line(&mut line).expect("event stream");
        assert!(n > 0, "the server closed the event stream");
        if line.trim_end() == wanted {
            return;
        }
        assert!(
            !line.starts_with("event: build-error"),
            "the build failed; see `kiji serve` on this site"
        );
    }
}

fn first_article(dir: &Path) -> PathBuf {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .expect("content/articles")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    names.sort();
    names.into_iter().next().expect("an article")
}

fn copy_site(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for name in ["site.toml", "content", "layouts", "assets"] {
        let from = src.join(name);
        if from.exists() {
            copy(&from, &dst.join(name));
        }
    }
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap();
        for e in fs::read_dir(from).unwrap().filter_map(Result::ok) {
            copy(&e.path(), &to.join(e.file_name()));
        }
    } else {
        fs::copy(from, to).unwrap();
    }
}

/// A plain generated site: `n` articles of ~900 words with headings, glossary
/// mentions, links to a neighbour and one timeline event each; 200 glossary terms.
fn generate(root: &Path, n: usize) {
    let terms = 200;
    fs::create_dir_all(root.join("content/articles")).unwrap();
    fs::create_dir_all(root.join("content/glossary")).unwrap();
    fs::write(
        root.join("site.toml"),
        "title = \"Generated\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    for t in 0..terms {
        fs::write(
            root.join(format!("content/glossary/term-{t}.md")),
            format!("+++\nterm = \"Termword{t}\"\n+++\nThe definition of term {t}.\n"),
        )
        .unwrap();
    }
    let words = [
        "alliance", "budget", "defence", "policy", "region", "treaty", "the", "and", "of", "navy",
    ];
    let mut seed: u64 = 1;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..n {
        let mut body = String::new();
        for s in 0..6 {
            body.push_str(&format!("\n## Section {s}\n\n"));
            for _ in 0..150 {
                body.push_str(words[(next() % words.len() as u64) as usize]);
                body.push(' ');
            }
            body.push_str(&format!("Termword{} ", next() % terms as u64));
            body.push_str(&format!("[a neighbour](a{:05}.md).\n", (i + 1) % n));
        }
        let text = format!(
            "+++\ntitle = \"Article {i}\"\ndate = {}-{:02}-{:02}\ntags = [\"tag{}\"]\n\n[[events]]\ndate = \"{}\"\ntitle = \"Event of article {i}\"\n+++\n{body}",
            1990 + i % 35,
            1 + i % 12,
            1 + i % 28,
            i % 50,
            1990 + i % 35,
        );
        fs::write(root.join(format!("content/articles/a{i:05}.md")), text).unwrap();
    }
}
