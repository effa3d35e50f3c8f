//! Build progress: a bar on stderr for builds that take more than a second, on a
//! terminal only. Off unless the command line turns it on, so tests, `check` and
//! the dev server never draw one; every call is a cheap no-op then.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Builds quicker than this finish before any bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
}

static PROGRESS: OnceLock<Progress> = OnceLock::new();

/// Turns the bar on for this process, when stderr is a terminal.
pub fn enable() {
    if !std::io::stderr().is_terminal() {
        return;
    }
    PROGRESS.get_or_init(|| {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    });
}

/// Starts a stage of `len` steps (articles, pages or files).
pub fn stage(name: &'static str, len: usize) {
    timings::mark(name);
    if let Some(p) = PROGRESS.get() {
        p.bar.set_message(name);
        p.bar.set_length(len as u64);
        p.bar.set_position(0);
        p.show_if_slow();
    }
}

/// One step of the current stage done.
pub fn tick() {
    if let Some(p) = PROGRESS.get() {
        p.bar.inc(1);
        p.show_if_slow();
    }
}

/// Clears the bar before the one-line summary is printed.
pub fn finish() {
    timings::stop();
    if let Some(p) = PROGRESS.get() {
        p.bar.finish_and_clear();
    }
}

impl Progress {
    fn show_if_slow(&self) {
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() > SHOW_AFTER
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}

/// Runs `f` (which prints to stderr) with the bar out of the way.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    match PROGRESS.get() {
        Some(p) => p.bar.suspend(f),
        None => f(),
    }
}

/// With `KIJI_TIMINGS=1`, each stage's wall time goes to stderr: where a build's time
/// goes, without a profiler.
pub mod timings {
    use std::sync::Mutex;
    use std::time::Instant;

    /// The running stage: its name, and the wall clock and process CPU time at its start.
    static LAST: Mutex<Option<(&'static str, Instant, f64)>> = Mutex::new(None);

    fn enabled() -> bool {
        static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ON.get_or_init(|| std::env::var_os("KIJI_TIMINGS").is_some_and(|v| v != "0"))
    }

    /// Ends the running stage (printing its time) and starts `name`.
    pub fn mark(name: &'static str) {
        end_with(Some(name));
    }

    /// Ends the running stage without starting another: what follows (the dev server
    /// waiting for the next save) is not a stage, and must not be timed as the last one.
    pub fn stop() {
        end_with(None);
    }

    fn end_with(next: Option<&'static str>) {
        if !enabled() {
            return;
        }
        let (now, cpu) = (Instant::now(), cpu_seconds());
        let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
        let running = std::mem::replace(&mut *last, next.map(|name| (name, now, cpu)));
        if let Some((prev, since, cpu_since)) = running {
            // CPU time over wall time shows how much of the machine a stage keeps busy.
            eprintln!(
                "kiji timing: {prev:<12} {:>8.1} ms  cpu {:>8.1} ms   rss {:>5} MiB, peak {:>5} MiB",
                (now - since).as_secs_f64() * 1e3,
                (cpu - cpu_since) * 1e3,
                memory("VmRSS:"),
                memory("VmHWM:")
            );
        }
    }

    /// User + system CPU time of the whole process so far (0 where /proc has none).
    fn cpu_seconds() -> f64 {
        let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
            return 0.0;
        };
        // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return 0.0;
        };
        let ticks: u64 = rest
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|f| f.parse::<u64>().ok())
            .sum();
        ticks as f64 / 100.0
    }

    /// A field of /proc/self/status in MiB (0 where there is none).
    fn memory(field: &str) -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with(field))?;
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .map_or(0, |kb| kb / 1024)
    }
}
