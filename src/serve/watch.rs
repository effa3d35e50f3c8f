//! `--watch`: file-system events → one rebuild per burst → a new snapshot and an event.
//!
//! kiji's dev server writes nothing to disk, so its own work cannot trigger a
//! rebuild; `public/` is not watched either, so a `kiji build` run beside it is ignored.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind};
use notify::{Event as FsEvent, EventKind, PollWatcher, RecursiveMode, Watcher};

use super::reload::{problems_json, Event};
use super::{ServeError, ServerState, Snapshot};
use crate::incremental::{Rebuilt, SiteState};
use crate::source::is_hidden_or_temp;

/// The sources: everything a build reads. Never `public/`.
pub const WATCHED_DIRS: &[&str] = &["content", "layouts", "assets"];
pub const CONFIG_FILE: &str = "site.toml";

/// A burst ends when no event came for this long. Editors' atomic saves (temp
/// file, rename, delete the backup) arrive within a millisecond or two; a longer
/// wait would only add to the save-to-reload time.
const QUIET: Duration = Duration::from_millis(5);
/// ...but a never-ending burst (a `git checkout` of thousands of files) still
/// rebuilds at least this often.
const MAX_BURST: Duration = Duration::from_millis(300);
const POLL_INTERVAL: Duration = Duration::from_millis(300);
/// How long a site must stay current before its pending search index is made.
const IDLE_BEFORE_PENDING: Duration = Duration::from_millis(500);

/// What a burst of events touched, as paths relative to the site root.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Change {
    pub config: bool,
    pub content: BTreeSet<String>,
    pub layouts: BTreeSet<String>,
    pub assets: BTreeSet<String>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        !self.config && self.content.is_empty() && self.layouts.is_empty() && self.assets.is_empty()
    }

    /// The changed content files, when nothing else changed (templates, assets and
    /// site.toml affect every page).
    pub fn content_only(&self) -> Option<Vec<String>> {
        (!self.config && self.layouts.is_empty() && self.assets.is_empty())
            .then(|| self.content.iter().cloned().collect())
    }

    fn files(&self) -> impl Iterator<Item = &String> {
        self.content.iter().chain(&self.layouts).chain(&self.assets)
    }
}

impl fmt::Display for Change {
    /// `content/articles/a.md changed`, `site.toml and 3 other files changed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = Vec::new();
        if self.config {
            names.push(CONFIG_FILE);
        }
        names.extend(self.files().map(String::as_str));
        match names.as_slice() {
            [] => write!(f, "nothing changed"),
            [one] => write!(f, "{one} changed"),
            [first, rest @ ..] => write!(
                f,
                "{first} and {} other file{} changed",
                rest.len(),
                if rest.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

/// Sorts event paths into what they mean for the site; editors' temp files, hidden
/// files, `public/` and anything outside the sources are dropped.
pub fn classify(root: &Path, paths: &[PathBuf]) -> Change {
    let mut change = Change::default();
    for path in paths {
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let parts: Vec<&str> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect();
        // A hidden folder anywhere (`.git/`, `.obsidian/`) or a temp file name.
        if parts.is_empty() || parts.iter().any(|p| p.starts_with('.')) || is_hidden_or_temp(rel) {
            continue;
        }
        let display = parts.join("/");
        match parts[0] {
            CONFIG_FILE if parts.len() == 1 => change.config = true,
            "content" => {
                change.content.insert(display);
            }
            "layouts" => {
                change.layouts.insert(display);
            }
            "assets" => {
                change.assets.insert(display);
            }
            _ => {}
        }
    }
    change
}

/// Events that can change what a build reads. Reads (ours included) and
/// metadata-only changes (atime, chmod) are not; a new modification time is (it is
/// how the poll watcher reports writes).
fn is_relevant(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime)) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    }
}

/// The watcher and the stream of event paths it sends.
pub struct Watched {
    root: PathBuf,
    watcher: Box<dyn Watcher + Send>,
    events: Receiver<Vec<PathBuf>>,
    /// Source folders with a recursive watch on them.
    watching: HashSet<PathBuf>,
}

impl Watched {
    pub fn start(root: &Path, poll: bool) -> Result<Watched, ServeError> {
        let (tx, events) = mpsc::channel();
        let handler = move |res: notify::Result<FsEvent>| {
            if let Ok(e) = res {
                if is_relevant(&e.kind) && !e.paths.is_empty() {
                    let _ = tx.send(e.paths);
                }
            }
        };
        let watcher: Box<dyn Watcher + Send> = if poll {
            // notify's poller keeps modification times in whole seconds, so a second
            // save within the same second would go unseen; comparing contents catches
            // it (at the price of reading the sources on every poll).
            let config = notify::Config::default()
                .with_poll_interval(POLL_INTERVAL)
                .with_compare_contents(true);
            Box::new(PollWatcher::new(handler, config).map_err(watch_error(root))?)
        } else {
            Box::new(notify::recommended_watcher(handler).map_err(watch_error(root))?)
        };
        let mut watched = Watched {
            // notify reports absolute paths (it joins a relative watch to the working
            // directory): `kiji serve` run inside the site, with the default root `.`,
            // must compare like with like or it never sees a change.
            root: std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()),
            watcher,
            events,
            watching: HashSet::new(),
        };
        // The root itself, not recursively: site.toml (saved by rename, too) and the
        // source folders appearing; never public/ or target/ below it.
        watched
            .watcher
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(watch_error(root))?;
        watched.watch_source_dirs(&[])?;
        Ok(watched)
    }

    /// Watches source folders that exist now; re-watches one that was replaced.
    fn watch_source_dirs(&mut self, touched: &[PathBuf]) -> Result<(), ServeError> {
        for name in WATCHED_DIRS {
            let dir = self.root.join(name);
            let replaced = touched.iter().any(|p| p == &dir);
            if replaced && self.watching.remove(&dir) {
                let _ = self.watcher.unwatch(&dir);
            }
            if dir.is_dir() && !self.watching.contains(&dir) {
                self.watcher
                    .watch(&dir, RecursiveMode::Recursive)
                    .map_err(watch_error(&dir))?;
                self.watching.insert(dir);
            }
        }
        Ok(())
    }

    pub fn describe(&self) -> String {
        let mut names: Vec<String> = WATCHED_DIRS
            .iter()
            .filter(|d| self.root.join(d).is_dir())
            .map(|d| format!("{d}/"))
            .collect();
        names.push(CONFIG_FILE.into());
        names.join(", ")
    }

    /// Blocks for the next burst of events and returns all their paths.
    pub fn next_burst(&self) -> Option<Vec<PathBuf>> {
        let mut paths = self.events.recv().ok()?;
        let started = Instant::now();
        loop {
            let left = MAX_BURST.saturating_sub(started.elapsed());
            match self.events.recv_timeout(QUIET.min(left)) {
                Ok(more) => paths.extend(more),
                Err(RecvTimeoutError::Timeout) => return Some(paths),
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}

fn watch_error(path: &Path) -> impl FnOnce(notify::Error) -> ServeError + '_ {
    move |source| ServeError::Watch {
        path: path.display().to_string(),
        source,
    }
}

/// The build the server starts with; a failure still gives a snapshot (of errors).
pub fn first_build(site: &mut SiteState, watching: bool) -> Snapshot {
    let started = Instant::now();
    match site.rebuild() {
        Ok(r) => {
            crate::cli::report(&r.built.warnings);
            let s = &r.built.stats;
            println!(
                "built {} articles, {} glossary terms, {} events → {} files in {}",
                s.articles,
                s.terms,
                s.events,
                s.files,
                millis(started.elapsed())
            );
            Snapshot {
                pending: r.pending,
                ..Snapshot::new(Arc::new(r.built.output), r.built.config.base_path(), 1)
            }
        }
        Err(diags) => {
            let diags = diags.sorted();
            crate::cli::report(&diags);
            println!(
                "the build failed with {} errors; {}",
                diags.errors().count(),
                if watching {
                    "serving them until it builds"
                } else {
                    "serving them (add --watch to rebuild when you fix them)"
                }
            );
            Snapshot::failed(Arc::default(), site.base_path_guess(), 0, diags)
        }
    }
}

/// Runs until the watcher goes away: waits for a burst, rebuilds, publishes.
pub fn rebuild_loop(mut watched: Watched, mut site: SiteState, state: &ServerState) {
    while let Some(paths) = watched.next_burst() {
        if let Err(e) = watched.watch_source_dirs(&paths) {
            eprintln!("warning: {e}\n  = help: {}", e.help());
        }
        let change = classify(&watched.root, &paths);
        if change.is_empty() {
            continue;
        }
        let started = Instant::now();
        let result = site.rebuild_changed(change.content_only().as_deref());
        let line = publish(state, result, started);
        println!("{} {change} → {line}", clock());
    }
}

/// Swaps in the new site (or records the failure), then tells the browsers — in
/// that order, so a reload never lands on a half-built site. Returns the summary.
fn publish(
    state: &ServerState,
    result: Result<Rebuilt, crate::diag::Diagnostics>,
    started: Instant,
) -> String {
    let old = state.snapshot();
    match result {
        Ok(r) => {
            crate::cli::report(&r.built.warnings);
            let mut changed = old.output.changed_paths(&r.built.output);
            // Pending files are not a change of their own (they are made from the same
            // site as the pages that changed with them).
            for pending in old.pending.iter().chain(&r.pending) {
                changed.retain(|p| !pending.holds(p));
            }
            let recovered = old.failure.is_some();
            let generation = old.generation + u64::from(!changed.is_empty());
            let base_path = r.built.config.base_path();
            let event = event_for(&changed, recovered, generation, &base_path);
            let mut summary = format!(
                "{}; {} file{} changed; {} in {}",
                r.work,
                changed.len(),
                if changed.len() == 1 { "" } else { "s" },
                event.as_ref().map_or("no reload", |e| e.name()),
                millis(started.elapsed()),
            );
            if base_path != old.base_path {
                summary.push_str(&format!("; the site is now served under {base_path}"));
            }
            let snapshot = Arc::new(Snapshot {
                pending: r.pending,
                ..Snapshot::new(Arc::new(r.built.output), base_path, generation)
            });
            state.publish_shared(snapshot.clone());
            if let Some(e) = event {
                state.hub.broadcast(&e);
            }
            complete_when_idle(state, snapshot);
            summary
        }
        Err(diags) => {
            let diags = diags.sorted();
            crate::cli::report(&diags);
            let errors = diags.errors().count();
            let payload = problems_json(&diags);
            state.publish(Snapshot {
                pending: old.pending.clone(),
                ..Snapshot::failed(
                    old.output.clone(),
                    old.base_path.clone(),
                    old.generation,
                    diags,
                )
            });
            state.hub.broadcast(&Event::BuildError(payload));
            format!(
                "build failed with {errors} error{} in {}; still serving the last good site",
                if errors == 1 { "" } else { "s" },
                millis(started.elapsed())
            )
        }
    }
}

/// Makes a snapshot's pending files (the search index) once no newer site replaced
/// it for a moment: by the time the editor opens the search page it is ready, and
/// a burst of saves does not rebuild it after every one.
pub fn complete_when_idle(state: &ServerState, snapshot: Arc<Snapshot>) {
    if snapshot.pending.is_none() {
        return;
    }
    let current = state.current.clone();
    std::thread::spawn(move || {
        std::thread::sleep(IDLE_BEFORE_PENDING);
        let still_current = current
            .read()
            .map(|s| Arc::ptr_eq(&s, &snapshot))
            .unwrap_or(false);
        if still_current {
            snapshot.complete();
        }
    });
}

/// What to tell the browsers after a good build: nothing when the output is the
/// same; a stylesheet swap when only CSS changed; otherwise a reload.
pub fn event_for(
    changed: &[String],
    recovered: bool,
    generation: u64,
    base_path: &str,
) -> Option<Event> {
    if changed.is_empty() {
        return recovered.then_some(Event::BuildOk);
    }
    if !recovered && changed.iter().all(|p| p.ends_with(".css")) {
        return Some(Event::Css {
            generation,
            paths: changed.iter().map(|p| format!("{base_path}{p}")).collect(),
        });
    }
    Some(Event::Reload { generation })
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `HH:MM:SS` (UTC), to tell rebuild lines apart.
fn clock() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!(
        "[{:02}:{:02}:{:02}]",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(root: &Path, rels: &[&str]) -> Vec<PathBuf> {
        rels.iter().map(|r| root.join(r)).collect()
    }

    #[test]
    fn sorts_paths_by_source_kind() {
        let root = Path::new("/site");
        let c = classify(
            root,
            &paths(
                root,
                &[
                    "site.toml",
                    "content/articles/a.md",
                    "content/articles/new-folder",
                    "layouts/article.html",
                    "assets/style.css",
                    "assets/img/map.png",
                ],
            ),
        );
        assert!(c.config);
        assert_eq!(
            c.content.iter().collect::<Vec<_>>(),
            ["content/articles/a.md", "content/articles/new-folder"]
        );
        assert_eq!(
            c.layouts.iter().collect::<Vec<_>>(),
            ["layouts/article.html"]
        );
        assert_eq!(
            c.assets.iter().collect::<Vec<_>>(),
            ["assets/img/map.png", "assets/style.css"]
        );
    }

    #[test]
    fn ignores_editor_temp_files_output_and_outsiders() {
        let root = Path::new("/site");
        let ignored = paths(
            root,
            &[
                "content/articles/.a.md.swp",
                "content/articles/.a.md.swx",
                "content/articles/a.md~",
                "content/articles/4913",
                "content/articles/.#a.md",
                "content/articles/a.md___jb_tmp___",
                "content/articles/a.md___jb_old___",
                "content/articles/a.md.bck",
                "content/.git/index",
                "site.toml~",
                ".site.toml.swp",
                "4913",
                "public/index.html",
                ".public.kiji.lock",
                "target/debug/kiji",
                "README.md",
            ],
        );
        let mut all = ignored.clone();
        all.push(PathBuf::from("/elsewhere/content/articles/a.md"));
        let c = classify(root, &all);
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn an_atomic_save_counts_as_a_change_to_the_real_file() {
        // vim: write 4913, rename a.md → a.md~, write a.md, delete a.md~.
        // Other editors: write .a.md.tmp123 then rename it over a.md (both paths arrive).
        let root = Path::new("/site");
        let c = classify(
            root,
            &paths(
                root,
                &[
                    "content/articles/4913",
                    "content/articles/a.md~",
                    "content/articles/a.md",
                    "content/articles/.a.md.tmp123",
                ],
            ),
        );
        assert_eq!(
            c.content.iter().collect::<Vec<_>>(),
            ["content/articles/a.md"]
        );
        assert_eq!(c.to_string(), "content/articles/a.md changed");
    }

    #[test]
    fn reads_and_metadata_are_not_changes() {
        use notify::event::CreateKind;
        assert!(!is_relevant(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_relevant(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(!is_relevant(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::Any
        ))));
        assert!(is_relevant(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_relevant(&EventKind::Create(CreateKind::File)));
        assert!(is_relevant(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::WriteTime
        ))));
    }

    #[test]
    fn the_event_follows_what_changed_in_the_output() {
        let css = vec!["style.css".to_string()];
        assert_eq!(event_for(&[], false, 3, "/"), None);
        assert_eq!(event_for(&[], true, 3, "/"), Some(Event::BuildOk));
        assert_eq!(
            event_for(&css, false, 4, "/repo/"),
            Some(Event::Css {
                generation: 4,
                paths: vec!["/repo/style.css".into()]
            })
        );
        // After a failure the page may show the overlay: reload to clear it for sure.
        assert_eq!(
            event_for(&css, true, 4, "/"),
            Some(Event::Reload { generation: 4 })
        );
        let mixed = vec!["style.css".to_string(), "index.html".to_string()];
        assert_eq!(
            event_for(&mixed, false, 4, "/"),
            Some(Event::Reload { generation: 4 })
        );
    }
}
