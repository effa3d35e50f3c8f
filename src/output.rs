//! Write: the rendered site is held in memory and written only when the whole
//! build succeeded, into a staging folder that is then swapped in.
//!
//! A failed build, a full disk or a crash mid-write leaves the previous output
//! exactly as it was; a successful one leaves no stale files behind.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

/// Marks a folder as kiji's output, so kiji never replaces a folder it did not create.
pub const MARKER: &str = ".kiji-output";

/// A file's bytes, shared: the dev server keeps the last site and the next one side
/// by side, and a rebuild that changes one page must not copy the other 10,000.
pub type FileBytes = Arc<Vec<u8>>;

/// The whole site: site path (`articles/a/index.html`) → bytes.
///
/// A streaming output (`Output::streaming_into`, what `kiji build` uses) writes each
/// file into its staging folder as it is inserted and keeps only the path: a
/// 10,000-article site is ~430 MB of HTML that need not sit in memory until the end.
#[derive(Debug, Default, Clone)]
pub struct Output {
    pub files: BTreeMap<String, FileBytes>,
    stream: Option<Arc<Stream>>,
}

impl PartialEq for Output {
    fn eq(&self, other: &Output) -> bool {
        self.files == other.files
    }
}

impl Eq for Output {}

#[derive(Debug)]
struct Stream {
    dir: PathBuf,
    written: std::sync::atomic::AtomicUsize,
    /// The first write that failed; the build reports it at the end.
    error: std::sync::Mutex<Option<OutputError>>,
}

impl Output {
    /// An output that writes every file into `dir` (a staging folder) as it comes.
    pub fn streaming_into(dir: &Path) -> Output {
        Output {
            files: BTreeMap::new(),
            stream: Some(Arc::new(Stream {
                dir: dir.to_path_buf(),
                written: Default::default(),
                error: Default::default(),
            })),
        }
    }

    /// The first write that failed, if any.
    pub fn write_error(&self) -> Option<OutputError> {
        let stream = self.stream.as_ref()?;
        let mut error = stream.error.lock().unwrap_or_else(|p| p.into_inner());
        error.take()
    }

    /// What to keep for a file: its bytes, or (streaming) nothing once written.
    /// Takes `&self` so parallel renderers write without holding a lock.
    pub fn store(&self, path: &str, bytes: FileBytes) -> FileBytes {
        let Some(stream) = &self.stream else {
            return bytes;
        };
        let n = stream
            .written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let target = stream.dir.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| injected_fault(n))
            .and_then(|()| fs::write(&target, bytes.as_slice()));
        if let Err(e) = written {
            let mut error = stream.error.lock().unwrap_or_else(|p| p.into_inner());
            error.get_or_insert_with(|| io_err(&target)(e));
        }
        Arc::default()
    }

    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        let path = path.into();
        let stored = self.store(&path, Arc::new(bytes.into()));
        self.files.insert(path, stored);
    }

    /// Inserts bytes that are already shared (no copy).
    pub fn insert_shared(&mut self, path: impl Into<String>, bytes: FileBytes) {
        self.files.insert(path.into(), bytes);
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|b| b.as_slice())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Paths whose bytes differ between two builds (added, changed or removed).
    pub fn changed_paths(&self, newer: &Output) -> Vec<String> {
        let mut changed: Vec<String> = newer
            .files
            .iter()
            .filter(|(p, b)| {
                self.files
                    .get(*p)
                    .is_none_or(|old| !Arc::ptr_eq(old, b) && old != *b)
            })
            .map(|(p, _)| p.clone())
            .collect();
        changed.extend(
            self.files
                .keys()
                .filter(|p| !newer.files.contains_key(*p))
                .cloned(),
        );
        changed
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("refusing to write the site into {path}: {reason}")]
    Refused {
        path: String,
        reason: String,
        help: String,
    },
    #[error("could not write the site to {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

impl OutputError {
    pub fn help(&self) -> &str {
        match self {
            OutputError::Refused { help, .. } => help,
            OutputError::Io { .. } => "the previous output was left as it was; free some space or fix the permissions and build again",
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Refuses output folders that would destroy sources or someone else's files.
pub fn check_output_dir(root: &Path, out: &Path) -> Result<(), OutputError> {
    let refused = |reason: &str, help: &str| OutputError::Refused {
        path: out.display().to_string(),
        reason: reason.to_string(),
        help: help.to_string(),
    };
    let root = absolute(root);
    let out_abs = absolute(out);
    if out_abs == root || root.starts_with(&out_abs) {
        return Err(refused(
            "it is the site's root folder or contains it",
            "use the default public/ or another folder of its own",
        ));
    }
    for protected in ["content", "layouts", "assets"] {
        if out_abs.starts_with(root.join(protected)) {
            return Err(refused(
                &format!("it is inside {protected}/, which holds the site's sources"),
                "use the default public/ or another folder of its own",
            ));
        }
    }
    // The swap renames whatever is at `out` aside: never let that be someone's file.
    if out_abs.exists() && !out_abs.is_dir() {
        return Err(refused(
            "it is a file, not a folder",
            "point --output at a folder (kiji creates it if it does not exist)",
        ));
    }
    if out_abs.is_dir()
        && !out_abs.join(MARKER).exists()
        && fs::read_dir(&out_abs)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    {
        return Err(refused(
            "it is not empty and kiji did not create it",
            "point --output at an empty or new folder; kiji replaces its output folder entirely",
        ));
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    let p = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // Canonicalise what exists so symlinks and `..` compare equal.
    let mut existing = p.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_owned()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return p,
        }
    }
    let mut canon = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        canon.push(name);
    }
    canon
}

/// Holds an exclusive lock on the output for the duration of a write, so two
/// builds at once never mix their files: the second waits for the first.
pub struct OutputLock {
    _file: File,
}

pub fn lock_output(out: &Path) -> Result<OutputLock, OutputError> {
    let lock_path = sibling(out, ".lock");
    if let Some(parent) = lock_path.parent() {
        fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(&lock_path))?;
    if file.try_lock().is_err() {
        eprintln!(
            "waiting for another kiji build writing {} to finish…",
            out.display()
        );
        file.lock().map_err(io_err(&lock_path))?;
    }
    Ok(OutputLock { _file: file })
}

/// `public` → `.public.kiji<suffix>` beside it (hidden, so watchers and git ignore it).
fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.kiji{suffix}"))
}

/// A staging folder beside the output for a streaming build; `commit` swaps it in,
/// dropping it uncommitted removes it (the previous output stays as it was).
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn begin(out: &Path) -> Result<Staging, OutputError> {
        let dir = sibling(out, &format!("-staging-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            committed: false,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Marks the folder as kiji's and swaps it in for the output.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let marker = self.dir.join(MARKER);
        fs::write(
            &marker,
            "This folder is written by kiji. It is replaced on every build.\n",
        )
        .map_err(io_err(&marker))?;
        let old = sibling(&self.out, &format!("-old-{}", std::process::id()));
        swap(&self.dir, &self.out, &old)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Fault injection for tests: with `KIJI_FAULT_WRITE_AFTER=n`, writing fails after `n`
/// files, as a full disk would. Debug builds only; a release binary never reads it.
fn injected_fault(written: usize) -> io::Result<()> {
    if cfg!(debug_assertions) {
        let limit = std::env::var("KIJI_FAULT_WRITE_AFTER")
            .ok()
            .and_then(|v| v.parse::<usize>().ok());
        if limit.is_some_and(|l| written >= l) {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "no space left on device (injected by KIJI_FAULT_WRITE_AFTER)",
            ));
        }
    }
    Ok(())
}

/// A file and a folder with the same path (e.g. an asset named `articles` beside the
/// generated `articles/`) cannot both be written: the pairs that clash.
pub fn path_clashes(output: &Output) -> Vec<(String, String)> {
    output
        .files
        .keys()
        .filter_map(|file| {
            let folder = format!("{file}/");
            output
                .files
                .range(folder.clone()..)
                .next()
                .filter(|(inner, _)| inner.starts_with(&folder))
                .map(|(inner, _)| (file.clone(), inner.clone()))
        })
        .collect()
}

fn swap(staging: &Path, out: &Path, old: &Path) -> Result<(), OutputError> {
    let _ = fs::remove_dir_all(old);
    let had_previous = out.exists();
    if had_previous {
        fs::rename(out, old).map_err(io_err(out))?;
    }
    if let Err(e) = fs::rename(staging, out) {
        if had_previous {
            let _ = fs::rename(old, out);
        }
        return Err(io_err(out)(e));
    }
    if had_previous {
        remove_tree(old);
    }
    Ok(())
}

/// `remove_dir_all`, in parallel: deleting the previous 10,000-page output one file
/// at a time was 5% of a 10,000-article build's profile, all of it on one core.
fn remove_tree(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let entries: Vec<(PathBuf, bool)> = entries
        .filter_map(Result::ok)
        .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
        .collect();
    entries.par_iter().for_each(|(path, is_dir)| {
        if *is_dir {
            remove_tree(path);
        } else {
            let _ = fs::remove_file(path);
        }
    });
    // Anything left (a permission problem, a racing writer) gets the plain attempt.
    if fs::remove_dir(dir).is_err() {
        let _ = fs::remove_dir_all(dir);
    }
}
