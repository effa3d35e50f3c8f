//! `kiji serve`: a local preview server (tiny_http) that serves the site from memory,
//! under its base path, exactly as GitHub Pages would.
//!
//! `mod.rs` is the HTTP side; `watch` turns file-system events into rebuilds and
//! `reload` pushes them to the browser over Server-Sent Events.
//!
//! The site is never read from disk while serving: every response comes from the
//! in-memory `Output` of the last good build, so no URL (nor a symlink in the
//! sources) can reach a file outside the site.

pub mod reload;
pub mod watch;

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock, RwLock};

use clap::Args;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use crate::cli::CommonArgs;
use crate::diag::Diagnostics;
use crate::incremental::PendingFiles;
use crate::output::Output;

use reload::Hub;

/// Request workers. SSE streams get their own threads, so these only ever serve
/// short requests and a few are enough for a browser's parallel fetches.
const WORKERS: usize = 8;

/// The dev endpoints live under `<base>/__kiji/`, a name no site file can take
/// (kiji writes no folder starting with `__`).
pub const DEV_PREFIX: &str = "__kiji/";

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// Address to bind; anything but 127.0.0.1 exposes the preview to your network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Rebuild when sources change and reload the browser.
    #[arg(long)]
    pub watch: bool,
    /// With --watch: poll for changes instead of using native file-system events
    /// (for containers and network mounts where events do not arrive).
    #[arg(long, requires = "watch")]
    pub poll: bool,
    /// Open the site in the default browser once the server is up.
    #[arg(long)]
    pub open: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("port {port} on {bind} is already in use")]
    PortInUse { bind: String, port: u16 },
    #[error("cannot listen on {bind}:{port}: {message}")]
    Listen {
        bind: String,
        port: u16,
        message: String,
    },
    #[error("cannot watch {path} for changes: {source}")]
    Watch {
        path: String,
        #[source]
        source: notify::Error,
    },
}

impl ServeError {
    pub fn help(&self) -> &'static str {
        match self {
            ServeError::PortInUse { .. } => {
                "another program (maybe another `kiji serve`) uses it; pass --port N, or --port 0 to pick a free one"
            }
            ServeError::Listen { .. } => "check the --bind address; 127.0.0.1 always works",
            ServeError::Watch { .. } => {
                "try --poll, which works on every file system; or raise fs.inotify.max_user_watches"
            }
        }
    }
}

/// One consistent view of the site: what is served, and whether the last build failed.
/// Replaced as a whole (never edited in place), so a request sees either the old or
/// the new site, never a mix.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The last good site (empty until the first build succeeds).
    pub output: Arc<Output>,
    pub base_path: String,
    /// Errors (and warnings) of the last build, when it failed.
    pub failure: Option<Arc<Diagnostics>>,
    /// Bumped whenever `output` changes; pages carry it so a browser that missed an
    /// event (or talks to a restarted server) knows it is stale.
    pub generation: u64,
    /// Files of this site not made yet (the search index after a body edit); a
    /// request for one waits until they are.
    pub pending: Option<Arc<PendingFiles>>,
    /// `output` with the pending files, once they were asked for.
    completed: OnceLock<Arc<Output>>,
}

impl Snapshot {
    pub fn new(output: Arc<Output>, base_path: String, generation: u64) -> Snapshot {
        Snapshot {
            output,
            base_path,
            failure: None,
            generation,
            pending: None,
            completed: OnceLock::new(),
        }
    }

    pub fn failed(
        output: Arc<Output>,
        base_path: String,
        generation: u64,
        failure: Diagnostics,
    ) -> Snapshot {
        Snapshot {
            failure: Some(Arc::new(failure)),
            ..Snapshot::new(output, base_path, generation)
        }
    }

    pub fn has_site(&self) -> bool {
        !self.output.is_empty()
    }

    /// The output to look `url_path` up in: with the pending files (made now if need
    /// be) when the path is theirs.
    pub fn output_for(&self, url_path: &str) -> &Output {
        let Some(pending) = &self.pending else {
            return &self.output;
        };
        let wanted = url_path
            .strip_prefix(self.base_path.as_str())
            .is_some_and(|rel| pending.holds(rel));
        if !wanted {
            return &self.output;
        }
        self.complete()
    }

    /// `output` and the pending files together.
    pub fn complete(&self) -> &Output {
        let Some(pending) = &self.pending else {
            return &self.output;
        };
        self.completed.get_or_init(|| {
            let mut output = (*self.output).clone();
            pending.add_to(&mut output);
            Arc::new(output)
        })
    }
}

/// What the server serves.
pub struct ServerState {
    /// Shared with the thread that makes a snapshot's pending files when idle.
    current: Arc<RwLock<Arc<Snapshot>>>,
    pub hub: Hub,
    /// Dev mode (`--watch`): inject the live-reload script into HTML.
    pub live_reload: bool,
}

impl ServerState {
    pub fn new(snapshot: Snapshot, live_reload: bool) -> Self {
        ServerState {
            current: Arc::new(RwLock::new(Arc::new(snapshot))),
            hub: Hub::new(),
            live_reload,
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swaps the whole site at once; requests in flight keep the one they started with.
    pub fn publish(&self, snapshot: Snapshot) {
        self.publish_shared(Arc::new(snapshot));
    }

    pub fn publish_shared(&self, snapshot: Arc<Snapshot>) {
        match self.current.write() {
            Ok(mut s) => *s = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}

pub fn run(root: &Path, args: &ServeArgs) -> ExitCode {
    match serve(root, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}\n  = help: {}", e.help());
            ExitCode::FAILURE
        }
    }
}

fn serve(root: &Path, args: &ServeArgs) -> Result<(), ServeError> {
    let opts = args.common.options();
    let mut site = crate::incremental::SiteState::new(root.to_path_buf(), opts);
    // A content error never stops the server: it starts anyway and shows the errors.
    let first = watch::first_build(&mut site, args.watch);
    if !is_loopback(&args.bind) {
        eprintln!(
            "warning: binding to {} makes the preview reachable from other machines on your network",
            args.bind
        );
    }
    let server = listen(&args.bind, args.port)?;
    let addr = server.server_addr().to_ip();
    let state = Arc::new(ServerState::new(first, args.watch));
    watch::complete_when_idle(&state, state.snapshot());
    let url = site_url(&args.bind, addr, &state.snapshot().base_path);
    println!("serving on {url}");
    if args.watch {
        let watched = watch::Watched::start(root, args.poll)?;
        println!(
            "watching {} for changes{}",
            watched.describe(),
            if args.poll { " (polling)" } else { "" }
        );
        let state = state.clone();
        std::thread::Builder::new()
            .name("kiji-rebuild".into())
            .spawn(move || watch::rebuild_loop(watched, site, &state))
            .expect("spawn the rebuild thread");
    }
    if args.open {
        open_browser(&url);
    }
    serve_forever(server, state);
    Ok(())
}

fn is_loopback(bind: &str) -> bool {
    matches!(bind, "127.0.0.1" | "localhost" | "::1" | "[::1]")
}

fn listen(bind: &str, port: u16) -> Result<Server, ServeError> {
    Server::http((bind, port)).map_err(|e| {
        let in_use = e
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::AddrInUse);
        if in_use {
            ServeError::PortInUse {
                bind: bind.to_string(),
                port,
            }
        } else {
            ServeError::Listen {
                bind: bind.to_string(),
                port,
                message: e.to_string(),
            }
        }
    })
}

fn site_url(bind: &str, addr: Option<SocketAddr>, base_path: &str) -> String {
    let host = match addr {
        Some(SocketAddr::V6(a)) => format!("[{}]", a.ip()),
        Some(SocketAddr::V4(a)) => a.ip().to_string(),
        None => bind.to_string(),
    };
    let port = addr.map(|a| a.port()).unwrap_or_default();
    format!("http://{host}:{port}{base_path}")
}

fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    if let Err(e) = std::process::Command::new(program).args(args).spawn() {
        eprintln!("warning: could not open a browser ({program}: {e}); open {url} yourself");
    }
}

pub fn serve_forever(server: Server, state: Arc<ServerState>) {
    let server = Arc::new(server);
    let workers: Vec<_> = (0..WORKERS)
        .map(|i| {
            let server = server.clone();
            let state = state.clone();
            std::thread::Builder::new()
                .name(format!("kiji-http-{i}"))
                .spawn(move || {
                    for request in server.incoming_requests() {
                        handle(request, &state);
                    }
                })
                .expect("spawn an HTTP worker")
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
}

/// Outcome of mapping a request path onto the site.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    File(String),
    Redirect(String),
    NotFound,
    BadRequest,
}

/// Maps a URL path to a file of the site, refusing anything that could leave it.
pub fn resolve(url_path: &str, base_path: &str, output: &Output) -> Resolved {
    let Some(decoded) = decode_path(url_path) else {
        return Resolved::BadRequest;
    };
    if decoded.trim_end_matches('/') == base_path.trim_end_matches('/') && !decoded.ends_with('/') {
        return Resolved::Redirect(format!("{decoded}/"));
    }
    let Some(rel) = decoded.strip_prefix(base_path) else {
        return Resolved::NotFound;
    };
    if rel.is_empty() || rel.ends_with('/') {
        let index = format!("{rel}index.html");
        return if output.get(&index).is_some() {
            Resolved::File(index)
        } else {
            Resolved::NotFound
        };
    }
    if output.get(rel).is_some() {
        return Resolved::File(rel.to_string());
    }
    if output.get(&format!("{rel}/index.html")).is_some() {
        return Resolved::Redirect(format!("{decoded}/"));
    }
    Resolved::NotFound
}

/// The request path, percent-decoded; None for anything that tries to leave the site
/// (`..`, `.`, backslashes, NUL, a second leading slash) or is not valid UTF-8.
fn decode_path(url_path: &str) -> Option<String> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    let refused = !decoded.starts_with('/')
        || decoded.starts_with("//")
        || decoded.contains('\\')
        || decoded.contains('\0')
        || decoded.split('/').any(|s| s == ".." || s == ".");
    (!refused).then_some(decoded)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

/// A response before it is written: status, body, type and where to redirect.
struct Reply {
    status: u16,
    body: Vec<u8>,
    content_type: &'static str,
    location: Option<String>,
}

impl Reply {
    fn text(status: u16, text: &str) -> Self {
        Reply {
            status,
            body: text.as_bytes().to_vec(),
            content_type: "text/plain; charset=utf-8",
            location: None,
        }
    }

    fn html(status: u16, body: Vec<u8>) -> Self {
        Reply {
            status,
            body,
            content_type: content_type("x.html"),
            location: None,
        }
    }
}

fn handle(request: Request, state: &Arc<ServerState>) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        let reply = Reply::text(405, "method not allowed");
        respond(request, reply, &[("Allow", "GET, HEAD")]);
        return;
    }
    let snapshot = state.snapshot();
    let dev_path = decode_path(request.url())
        .and_then(|p| p.strip_prefix(&snapshot.base_path).map(str::to_string))
        .and_then(|p| p.strip_prefix(DEV_PREFIX).map(str::to_string));
    match dev_path.as_deref() {
        Some(reload::EVENTS) => {
            // The stream lives as long as the page; it gets its own thread so it never
            // holds one of the request workers.
            let state = state.clone();
            std::thread::Builder::new()
                .name("kiji-sse".into())
                .spawn(move || reload::stream(request, &state))
                .expect("spawn an event stream");
        }
        Some(reload::SCRIPT) => {
            let reply = Reply {
                status: 200,
                body: reload::script().as_bytes().to_vec(),
                content_type: content_type("live.js"),
                location: None,
            };
            respond(request, reply, &[]);
        }
        _ => {
            let reply = site_reply(request.url(), state, &snapshot);
            respond(request, reply, &[]);
        }
    }
}

fn site_reply(url: &str, state: &ServerState, snapshot: &Snapshot) -> Reply {
    let output = snapshot.output_for(url);
    let reply = match resolve(url, &snapshot.base_path, output) {
        Resolved::File(path) => Reply {
            status: 200,
            body: output.get(&path).unwrap_or_default().to_vec(),
            content_type: content_type(&path),
            location: None,
        },
        Resolved::Redirect(to) => Reply {
            location: Some(to),
            ..Reply::text(301, "moved")
        },
        Resolved::BadRequest => Reply::text(400, "bad request"),
        Resolved::NotFound if !snapshot.has_site() => {
            // No good build yet: every page is the list of errors, live-reloading
            // into the site as soon as it builds.
            Reply::html(503, reload::failure_page(snapshot).into_bytes())
        }
        Resolved::NotFound => match output.get("404.html") {
            Some(page) => Reply::html(404, page.to_vec()),
            None => Reply::text(404, "not found"),
        },
    };
    if state.live_reload && reply.content_type.starts_with("text/html") {
        Reply {
            body: reload::inject(&reply.body, snapshot, &state.hub.instance),
            ..reply
        }
    } else {
        reply
    }
}

fn respond(request: Request, reply: Reply, extra: &[(&str, &str)]) {
    // tiny_http sends the headers and Content-Length but no body for HEAD by itself.
    let mut response = Response::from_data(reply.body)
        .with_status_code(StatusCode(reply.status))
        .with_header(header("Content-Type", reply.content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"));
    if let Some(to) = reply.location {
        response = response.with_header(header("Location", &to));
    }
    for (name, value) in extra {
        response = response.with_header(header(name, value));
    }
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Output {
        let mut o = Output::default();
        o.insert("index.html", "home");
        o.insert("articles/a/index.html", "a");
        o.insert("style.css", "css");
        o
    }

    #[test]
    fn maps_paths_under_the_base_path() {
        let o = site();
        assert_eq!(
            resolve("/repo/", "/repo/", &o),
            Resolved::File("index.html".into())
        );
        assert_eq!(
            resolve("/repo", "/repo/", &o),
            Resolved::Redirect("/repo/".into())
        );
        assert_eq!(
            resolve("/repo/articles/a", "/repo/", &o),
            Resolved::Redirect("/repo/articles/a/".into())
        );
        assert_eq!(
            resolve("/repo/style.css?v=1", "/repo/", &o),
            Resolved::File("style.css".into())
        );
        assert_eq!(resolve("/style.css", "/repo/", &o), Resolved::NotFound);
    }

    #[test]
    fn refuses_traversal_in_every_spelling() {
        let o = site();
        for bad in [
            "/repo/../etc/passwd",
            "/repo/%2e%2e/x",
            "/repo/%2E%2E/x",
            "/repo/..%5cx",
            "/repo/a\\..\\b",
            "/repo/%00",
            "/repo/%zz",
            "//etc/passwd",
            "/repo/./index.html",
            "etc/passwd",
        ] {
            assert_eq!(resolve(bad, "/repo/", &o), Resolved::BadRequest, "{bad}");
        }
    }

    #[test]
    fn encoded_slashes_stay_inside_the_site() {
        // `%2f` decodes to `/`; it can only name another path under the base.
        let o = site();
        assert_eq!(
            resolve("/%2fetc%2fpasswd", "/repo/", &o),
            Resolved::BadRequest
        );
        assert_eq!(resolve("/repo/%2fetc", "/repo/", &o), Resolved::NotFound);
    }
}
