//! Live reload: Server-Sent Events at `<base>/__kiji/events`, the script pages get in
//! dev mode, and the error overlay.
//!
//! Each browser tab holds one event stream. The stream is written by hand on the raw
//! socket (`Request::into_writer`) because tiny_http's chunked writer buffers, and an
//! event that sits in a buffer is a reload that never happens.

use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::json;
use tiny_http::Request;

use super::{ServerState, Snapshot};
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::html::escape;

/// Paths under `<base>/__kiji/`.
pub const EVENTS: &str = "events";
pub const SCRIPT: &str = "live.js";

/// A comment line this often lets a stream notice a closed tab (the write fails).
const HEARTBEAT: Duration = Duration::from_secs(15);

const LIVE_JS: &str = include_str!("live.js");

/// What the browser is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// First message on every stream: which server and which build it is talking to.
    Hello { instance: String, generation: u64 },
    /// The site changed: reload the page.
    Reload { generation: u64 },
    /// Only stylesheets changed (site URLs with the base path): swap them in place.
    Css { generation: u64, paths: Vec<String> },
    /// The last build failed: show every problem over the page (JSON payload).
    BuildError(String),
    /// A good build that changed nothing in the output: hide the overlay.
    BuildOk,
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Hello { .. } => "hello",
            Event::Reload { .. } => "reload",
            Event::Css { .. } => "css",
            // Not "error": EventSource fires its own `error` for lost connections.
            Event::BuildError(_) => "build-error",
            Event::BuildOk => "build-ok",
        }
    }

    fn data(&self) -> String {
        match self {
            Event::Hello {
                instance,
                generation,
            } => json!({"instance": instance, "generation": generation}).to_string(),
            Event::Reload { generation } => json!({ "generation": generation }).to_string(),
            Event::Css { generation, paths } => {
                json!({"generation": generation, "paths": paths}).to_string()
            }
            Event::BuildError(payload) => payload.clone(),
            Event::BuildOk => "{}".into(),
        }
    }

    /// The event in SSE wire format (the data is one line of JSON).
    pub fn to_sse(&self) -> String {
        format!("event: {}\ndata: {}\n\n", self.name(), self.data())
    }
}

/// The open event streams.
pub struct Hub {
    clients: Mutex<Vec<Sender<Arc<str>>>>,
    /// Differs on every server start, so a page from a previous run reloads.
    pub instance: String,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Hub {
            clients: Mutex::new(Vec::new()),
            instance: format!("{:x}-{nanos:x}", std::process::id()),
        }
    }

    fn subscribe(&self) -> Receiver<Arc<str>> {
        let (tx, rx) = mpsc::channel();
        self.lock().push(tx);
        rx
    }

    /// Sends to every open stream, forgetting the ones whose tab is gone.
    pub fn broadcast(&self, event: &Event) {
        let message: Arc<str> = Arc::from(event.to_sse());
        self.lock().retain(|c| c.send(message.clone()).is_ok());
    }

    pub fn clients(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Sender<Arc<str>>>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Serves one event stream until the browser goes away.
pub fn stream(request: Request, state: &ServerState) {
    // Subscribe before reading the snapshot: an event published in between is then
    // delivered twice (harmless) rather than lost.
    let rx = state.hub.subscribe();
    let snapshot = state.snapshot();
    let mut writer = request.into_writer();
    let _ = write_stream(&mut writer, &rx, state, &snapshot);
}

fn write_stream(
    w: &mut dyn Write,
    rx: &Receiver<Arc<str>>,
    state: &ServerState,
    snapshot: &Snapshot,
) -> io::Result<()> {
    // No Content-Length and no chunking: the body is the stream, ended by closing.
    w.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n",
    )?;
    // Reconnect quickly when the server restarts.
    w.write_all(b"retry: 300\n\n")?;
    let hello = Event::Hello {
        instance: state.hub.instance.clone(),
        generation: snapshot.generation,
    };
    w.write_all(hello.to_sse().as_bytes())?;
    if let Some(failure) = &snapshot.failure {
        w.write_all(
            Event::BuildError(problems_json(failure))
                .to_sse()
                .as_bytes(),
        )?;
    }
    w.flush()?;
    loop {
        match rx.recv_timeout(HEARTBEAT) {
            Ok(message) => w.write_all(message.as_bytes())?,
            Err(RecvTimeoutError::Timeout) => w.write_all(b": ping\n\n")?,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        w.flush()?;
    }
}

/// One problem as the overlay shows it.
#[derive(Debug, Serialize)]
struct Problem<'a> {
    severity: Severity,
    location: String,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
    help: Option<&'a str>,
    /// The terminal's report: the offending source line with a caret.
    rendered: String,
}

impl<'a> From<&'a Diagnostic> for Problem<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        Problem {
            severity: d.severity,
            location: d.location(),
            file: d.file.as_deref(),
            line: d.line,
            column: d.column,
            message: &d.message,
            help: d.help.as_deref(),
            rendered: d.render(),
        }
    }
}

/// `{"errors": [...], "warnings": [...]}` for the overlay.
pub fn problems_json(diags: &Diagnostics) -> String {
    let errors: Vec<Problem> = diags.errors().map(Problem::from).collect();
    let warnings: Vec<Problem> = diags.warnings().map(Problem::from).collect();
    json!({ "errors": errors, "warnings": warnings }).to_string()
}

pub fn script() -> &'static str {
    LIVE_JS
}

/// The page with the live-reload script added before `</body>` (or at the end).
pub fn inject(html: &[u8], snapshot: &Snapshot, instance: &str) -> Vec<u8> {
    let tag = format!(
        "<script src=\"{base}{prefix}{SCRIPT}\" data-base=\"{base}\" data-generation=\"{generation}\" data-instance=\"{instance}\"></script>",
        base = escape(&snapshot.base_path),
        prefix = super::DEV_PREFIX,
        generation = snapshot.generation,
        instance = escape(instance),
    );
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Served for every page while no build has succeeded yet: the errors, and the
/// live-reload script (added by the caller) that replaces it with the site once it builds.
pub fn failure_page(snapshot: &Snapshot) -> String {
    let empty = Diagnostics::new();
    let diags = snapshot.failure.as_deref().unwrap_or(&empty);
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kiji: the site does not build yet</title>\n</head>\n<body>\n",
    );
    html.push_str(&overlay_html(diags));
    html.push_str("</body>\n</html>\n");
    html
}

/// The overlay's markup; `live.js` builds the same structure from `problems_json`.
fn overlay_html(diags: &Diagnostics) -> String {
    let errors = diags.errors().count();
    let mut html = format!(
        "<div id=\"kiji-overlay\" role=\"alert\">\n<h1>kiji: the build failed with {errors} error{}</h1>\n",
        if errors == 1 { "" } else { "s" }
    );
    for d in diags.errors().chain(diags.warnings()) {
        let class = match d.severity {
            Severity::Error => "kiji-error",
            Severity::Warning => "kiji-warning",
        };
        html.push_str(&format!(
            "<section class=\"{class}\">\n<h2><span class=\"kiji-location\">{}</span> {}</h2>\n<pre>{}</pre>\n</section>\n",
            escape(&d.location()),
            escape(&d.message),
            escape(&d.render()),
        ));
    }
    html.push_str("</div>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_one_sse_message_each() {
        let e = Event::Css {
            generation: 4,
            paths: vec!["/repo/style.css".into()],
        };
        assert_eq!(
            e.to_sse(),
            "event: css\ndata: {\"generation\":4,\"paths\":[\"/repo/style.css\"]}\n\n"
        );
        let payload = problems_json(&Diagnostic::error("a\nb").into());
        // A newline inside the data would end the SSE field early.
        assert!(!Event::BuildError(payload).data().contains('\n'));
    }

    #[test]
    fn the_script_goes_before_the_last_body_end_tag() {
        let snapshot = Snapshot {
            base_path: "/repo/".into(),
            generation: 7,
            ..Snapshot::default()
        };
        let page = b"<html><body><p>\"</body>\" in text</p></body></html>";
        let out = String::from_utf8(inject(page, &snapshot, "abc")).unwrap();
        assert!(
            out.ends_with("data-instance=\"abc\"></script></body></html>"),
            "{out}"
        );
        assert!(
            out.contains("src=\"/repo/__kiji/live.js\" data-base=\"/repo/\" data-generation=\"7\"")
        );
        let bare = String::from_utf8(inject(b"<p>x", &snapshot, "abc")).unwrap();
        assert!(bare.starts_with("<p>x<script"), "{bare}");
    }

    #[test]
    fn the_failure_page_escapes_the_errors() {
        let src: Arc<str> = Arc::from("+++\ntitle = <b>\n+++\n");
        let d = Diagnostic::error("bad <value>")
            .in_file("content/articles/a.md")
            .at_line(&src, 2);
        let snapshot = Snapshot {
            failure: Some(Arc::new(d.into())),
            ..Snapshot::default()
        };
        let page = failure_page(&snapshot);
        assert!(page.contains("bad &lt;value&gt;"), "{page}");
        assert!(page.contains("title = &lt;b&gt;"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
    }
}
